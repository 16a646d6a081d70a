//! Compiles the ruff syntax tree to the interpreter's bytecode: one [`Code`] per module,
//! function, lambda, comprehension and class body. Names are resolved at compile time, as
//! CPython does: function locals live in fast slots, variables shared with nested functions in
//! cells, the rest in the module's globals (or the class namespace, in a class body).
//!
//! `try`/`finally`, `with` and loops are compiled with a stack of *frame blocks*: a `return`,
//! `break` or `continue` leaving them emits what leaving each block needs (pop the handler,
//! run the `finally` body, call `__exit__`, drop the loop's iterator), as CPython's compiler
//! does. Anything outside the supported subset is a [`CompileError`] at its position.

use std::rc::Rc;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    self as ast, BoolOp, CmpOp, ConversionFlag, Expr, ExprContext, FStringPart,
    InterpolatedStringElement, Number, Operator, Stmt, UnaryOp,
};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::{FxHashMap, FxHashSet};

use super::value::Value;
use crate::source::SourceFile;

/// One instruction. Jump targets are instruction indexes.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    LoadConst(u32),
    LoadFast(u32),
    StoreFast(u32),
    DeleteFast(u32),
    LoadDeref(u32),
    StoreDeref(u32),
    LoadGlobal(u32),
    StoreGlobal(u32),
    DeleteGlobal(u32),
    LoadName(u32),
    StoreName(u32),
    LoadBuiltin(u32),
    LoadAttr(u32),
    StoreAttr(u32),
    DeleteAttr(u32),
    Subscr,
    StoreSubscr,
    DeleteSubscr,
    BuildSlice,
    Pop,
    Dup,
    Dup2,
    Rot2,
    Rot3,
    Binary(Operator),
    Inplace(Operator),
    Unary(UnaryOp),
    Compare(CmpOp),
    Jump(u32),
    PopJumpIfFalse(u32),
    PopJumpIfTrue(u32),
    JumpIfFalseOrPop(u32),
    JumpIfTrueOrPop(u32),
    BuildList(u32),
    BuildTuple(u32),
    BuildSet(u32),
    BuildMap(u32),
    ListAppend(u32),
    SetAdd(u32),
    MapAdd(u32),
    ListExtend,
    DictUpdate,
    ListToTuple,
    ListToSet,
    BuildString(u32),
    /// Formats TOS (with the format spec below it when the flag is set); the byte is the
    /// conversion (`s`, `r`, `a`, or 0).
    FormatValue(u8, bool),
    UnpackSequence(u32),
    UnpackEx(u16, u16),
    GetIter,
    ForIter(u32),
    /// `async for`: checks that TOS is an async generator.
    GetAsyncIter,
    /// `async for`: runs the async generator on TOS, inline, until it yields (the value is
    /// pushed above it) or ends (it is popped and the jump is taken).
    AsyncForIter(u32),
    /// Pops the async generator of an `async for` left by `break` or `return`.
    PopAsyncGenerator,
    Call(u32),
    /// Call with keywords: the names are a tuple constant on top of the stack.
    CallKw(u32),
    /// Call with a positional tuple and (when set) a keyword dict.
    CallEx(bool),
    /// Makes a function of `codes[i]`; the flags say whether a defaults tuple and a keyword
    /// defaults dict are on the stack.
    MakeFunction(u32, u8),
    /// Runs a class body function (TOS after the bases) and makes the class `names[i]`.
    BuildClass(u32, u32),
    Return,
    Yield,
    Await,
    SetupExcept(u32),
    PopBlock,
    /// Raises: 0 re-raises the handled exception, 1 raises TOS, 2 raises TOS1 from TOS.
    Raise(u8),
    /// Re-raises the exception on top of the stack, keeping its traceback.
    Reraise,
    PushHandled,
    PopHandled,
    /// TOS is an exception type (or tuple); TOS1 the exception: pushes whether it matches.
    CheckExcMatch,
    /// `[exit, exc]` -> `[exit, exc, exit, type(exc), exc, None]`.
    PrepareExit,
    /// Looks up a special method (`__enter__`...) on the type of TOS and binds it.
    LoadSpecial(u32),
    ImportName(u32),
    ImportFrom(u32),
}

/// Where an instruction comes from, and the innermost loop statement around it (line 0: none).
#[derive(Debug, Clone, Copy, Default)]
pub struct Loc {
    pub line: u32,
    pub column: u32,
    pub loop_line: u32,
    pub loop_column: u32,
}

/// What kind of frame runs a code object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Module,
    Function,
    Coroutine,
    Generator,
    /// An `async def` with `yield`: iterated by `async for`.
    AsyncGenerator,
    ClassBody,
}

/// Where a closure cell of a new function comes from: the creating frame's `cells[i]`.
pub type CellSource = u32;

/// A compiled code object.
pub struct Code {
    pub name: Rc<str>,
    pub qualname: Rc<str>,
    pub path: Rc<str>,
    pub ops: Vec<Op>,
    pub locs: Vec<Loc>,
    pub consts: Vec<Value>,
    pub names: Vec<Rc<str>>,
    pub codes: Vec<Rc<Code>>,
    pub varnames: Vec<Rc<str>>,
    /// Cells of this frame: first its own cell variables, then its free variables.
    pub cellvars: Vec<Rc<str>>,
    pub freevars: Vec<Rc<str>>,
    /// For each free variable, the cell of the creating frame it closes over.
    pub closure: Vec<CellSource>,
    /// Arguments that are cells: (cell index, argument slot).
    pub cell_args: Vec<(u32, u32)>,
    pub argcount: usize,
    pub posonly: usize,
    pub kwonly: usize,
    pub varargs: bool,
    pub varkw: bool,
    pub flavor: Flavor,
    pub prelude: bool,
}

/// A construct outside the subset, or a syntax the compiler rejects, at a position.
#[derive(Debug)]
pub struct CompileError {
    pub message: String,
    pub offset: usize,
}

type CResult<T> = Result<T, CompileError>;

fn unsupported<T>(what: &str, range: TextRange) -> CResult<T> {
    Err(CompileError {
        message: format!("unsupported: {what}"),
        offset: range.start().to_usize(),
    })
}

/// The names of one scope, found before compiling it.
#[derive(Default, Debug)]
struct ScopeInfo {
    assigned: FxHashSet<String>,
    /// Assigned names in first-assignment order (parameters first).
    order: Vec<String>,
    uses: FxHashSet<String>,
    globals: FxHashSet<String>,
    nonlocals: FxHashSet<String>,
    /// Names nested scopes need from outside themselves.
    child_free: FxHashSet<String>,
    is_class: bool,
    has_yield: bool,
}

impl ScopeInfo {
    fn assign(&mut self, name: &str) {
        if self.assigned.insert(name.to_owned()) {
            self.order.push(name.to_owned());
        }
    }
    /// The names this scope needs from enclosing scopes.
    fn candidates(&self) -> FxHashSet<String> {
        let mut out: FxHashSet<String> = FxHashSet::default();
        if self.is_class {
            for name in &self.uses {
                if !self.assigned.contains(name) && !self.globals.contains(name) {
                    out.insert(name.clone());
                }
            }
            out.extend(self.child_free.iter().cloned());
            return out;
        }
        for name in self
            .uses
            .iter()
            .chain(self.child_free.iter())
            .chain(self.nonlocals.iter())
        {
            let local = self.assigned.contains(name) && !self.nonlocals.contains(name);
            if !local && !self.globals.contains(name) {
                out.insert(name.clone());
            }
        }
        out
    }
}

/// Finds the names of a scope; nested scopes are analyzed on their own and cached by node.
struct Analyzer<'c> {
    info: ScopeInfo,
    cache: &'c mut FxHashMap<usize, Rc<ScopeInfo>>,
}

fn key<T>(node: &T) -> usize {
    node as *const T as usize
}

impl<'c> Analyzer<'c> {
    fn analyze_function(
        cache: &'c mut FxHashMap<usize, Rc<ScopeInfo>>,
        node: usize,
        parameters: Option<&ast::Parameters>,
        body: FnBody<'_>,
    ) {
        let mut analyzer = Analyzer {
            info: ScopeInfo::default(),
            cache,
        };
        if let Some(parameters) = parameters {
            for p in parameters.posonlyargs.iter().chain(parameters.args.iter()) {
                analyzer.info.assign(p.parameter.name.as_str());
            }
            if let Some(v) = &parameters.vararg {
                analyzer.info.assign(v.name.as_str());
            }
            for p in parameters.kwonlyargs.iter() {
                analyzer.info.assign(p.parameter.name.as_str());
            }
            if let Some(k) = &parameters.kwarg {
                analyzer.info.assign(k.name.as_str());
            }
        }
        match body {
            FnBody::Stmts(stmts) => {
                for stmt in stmts {
                    analyzer.visit_stmt(stmt);
                }
            }
            FnBody::Expr(expr) => analyzer.visit_expr(expr),
            FnBody::Comprehension(elts, generators) => {
                analyzer.info.assign(".0");
                for (i, generator) in generators.iter().enumerate() {
                    analyzer.visit_expr(&generator.target);
                    if i > 0 {
                        analyzer.visit_expr(&generator.iter);
                    }
                    for cond in &generator.ifs {
                        analyzer.visit_expr(cond);
                    }
                }
                for elt in elts {
                    analyzer.visit_expr(elt);
                }
            }
        }
        let info = analyzer.info;
        analyzer.cache.insert(node, Rc::new(info));
    }

    fn nested(&mut self, node: usize) {
        if let Some(child) = self.cache.get(&node) {
            let candidates = child.candidates();
            self.info.child_free.extend(candidates);
        }
    }
}

enum FnBody<'a> {
    Stmts(&'a [Stmt]),
    Expr(&'a Expr),
    Comprehension(Vec<&'a Expr>, &'a [ast::Comprehension]),
}

impl<'a> Visitor<'a> for Analyzer<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                for p in def.parameters.iter_non_variadic_params() {
                    if let Some(default) = &p.default {
                        self.visit_expr(default);
                    }
                }
                Analyzer::analyze_function(
                    self.cache,
                    key(def),
                    Some(&def.parameters),
                    FnBody::Stmts(&def.body),
                );
                self.nested(key(def));
                self.info.assign(def.name.as_str());
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(arguments) = &class.arguments {
                    for arg in arguments.args.iter() {
                        self.visit_expr(arg);
                    }
                }
                let mut analyzer = Analyzer {
                    info: ScopeInfo {
                        is_class: true,
                        ..ScopeInfo::default()
                    },
                    cache: self.cache,
                };
                for stmt in &class.body {
                    analyzer.visit_stmt(stmt);
                }
                let info = analyzer.info;
                self.cache.insert(key(class), Rc::new(info));
                self.nested(key(class));
                self.info.assign(class.name.as_str());
            }
            Stmt::Global(global) => {
                for name in &global.names {
                    self.info.globals.insert(name.to_string());
                }
            }
            Stmt::Nonlocal(nonlocal) => {
                for name in &nonlocal.names {
                    self.info.nonlocals.insert(name.to_string());
                }
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = match &alias.asname {
                        Some(asname) => asname.to_string(),
                        None => alias.name.split('.').next().unwrap_or("").to_owned(),
                    };
                    self.info.assign(&name);
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.info.assign(name.as_str());
                }
            }
            Stmt::Try(try_stmt) => {
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.info.assign(name.as_str());
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => match name.ctx {
                ExprContext::Load => {
                    self.info.uses.insert(name.id.to_string());
                }
                _ => self.info.assign(name.id.as_str()),
            },
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for p in parameters.iter_non_variadic_params() {
                        if let Some(default) = &p.default {
                            self.visit_expr(default);
                        }
                    }
                }
                Analyzer::analyze_function(
                    self.cache,
                    key(lambda),
                    lambda.parameters.as_deref(),
                    FnBody::Expr(&lambda.body),
                );
                self.nested(key(lambda));
            }
            Expr::ListComp(comp) => {
                self.comprehension(key(comp), vec![&comp.elt], &comp.generators)
            }
            Expr::SetComp(comp) => self.comprehension(key(comp), vec![&comp.elt], &comp.generators),
            Expr::Generator(comp) => {
                self.comprehension(key(comp), vec![&comp.elt], &comp.generators)
            }
            Expr::DictComp(comp) => {
                let mut elts = vec![&*comp.value];
                if let Some(k) = &comp.key {
                    elts.push(k);
                }
                self.comprehension(key(comp), elts, &comp.generators)
            }
            Expr::Yield(_) | Expr::YieldFrom(_) => {
                self.info.has_yield = true;
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

impl Analyzer<'_> {
    fn comprehension(&mut self, node: usize, elts: Vec<&Expr>, generators: &[ast::Comprehension]) {
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        Analyzer::analyze_function(
            self.cache,
            node,
            None,
            FnBody::Comprehension(elts, generators),
        );
        self.nested(node);
    }
}

/// How a name is reached from the scope being compiled.
enum Access {
    Fast(u32),
    Deref(u32),
    Global,
    Name,
}

/// What a loop keeps on the stack while it runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LoopIter {
    None,
    Iterator,
    AsyncGenerator,
}

impl LoopIter {
    /// The instruction that pops it when a `break` or `return` leaves the loop.
    fn pop(self) -> Option<Op> {
        match self {
            LoopIter::None => None,
            LoopIter::Iterator => Some(Op::Pop),
            LoopIter::AsyncGenerator => Some(Op::PopAsyncGenerator),
        }
    }
}

/// A block a `return`/`break`/`continue` may have to leave.
enum FBlock<'a> {
    Loop {
        continue_to: usize,
        breaks: Vec<usize>,
        /// What leaving the loop early must pop: nothing (`while`), an iterator (`for`) or an
        /// async generator (`async for`).
        iter: LoopIter,
    },
    /// A `try` with handlers: leaving it pops its handler block.
    TryExcept,
    /// A `try`'s body protected by a `finally`: leaving it pops the handler and runs the body.
    Finally(&'a [Stmt]),
    /// Inside an `except` handler body.
    Handler,
    /// Inside a `finally` body run for an exception (the exception is on the stack).
    FinallyException,
    /// Inside a `with` body: the bound `__exit__` is on the stack.
    With { is_async: bool },
}

struct Unit<'a> {
    flavor: Flavor,
    name: Rc<str>,
    qualname: Rc<str>,
    ops: Vec<Op>,
    locs: Vec<Loc>,
    consts: Vec<Value>,
    names: Vec<Rc<str>>,
    codes: Vec<Rc<Code>>,
    varnames: Vec<Rc<str>>,
    cellvars: Vec<Rc<str>>,
    freevars: Vec<Rc<str>>,
    closure: Vec<CellSource>,
    info: Rc<ScopeInfo>,
    fblocks: Vec<FBlock<'a>>,
    loops: Vec<(u32, u32)>,
    loc: Loc,
    /// `await` is allowed (an `async def` or an async comprehension).
    in_async: bool,
}

/// Compiles modules of one program.
pub struct Compiler<'a> {
    source: &'a SourceFile,
    path: Rc<str>,
    cache: FxHashMap<usize, Rc<ScopeInfo>>,
    units: Vec<Unit<'a>>,
    prelude: bool,
}

/// Compiles a module.
pub fn compile_module(
    source: &SourceFile,
    module: &ast::ModModule,
    prelude: bool,
) -> CResult<Rc<Code>> {
    let mut compiler = Compiler {
        source,
        path: Rc::from(source.path.as_str()),
        cache: FxHashMap::default(),
        units: Vec::new(),
        prelude,
    };
    // The module scope: every name is global; nested scopes are analyzed on the way.
    let mut analyzer = Analyzer {
        info: ScopeInfo::default(),
        cache: &mut compiler.cache,
    };
    for stmt in &module.body {
        analyzer.visit_stmt(stmt);
    }
    let info = Rc::new(analyzer.info);
    compiler.push_unit(
        Flavor::Module,
        "<module>".into(),
        "<module>".into(),
        info,
        None,
    );
    compiler.stmts(&module.body)?;
    let none = compiler.constant(Value::None);
    compiler.emit(Op::LoadConst(none));
    compiler.emit(Op::Return);
    Ok(compiler.pop_unit(None))
}

impl<'a> Compiler<'a> {
    fn unit(&mut self) -> &mut Unit<'a> {
        self.units.last_mut().expect("a unit is being compiled")
    }

    fn push_unit(
        &mut self,
        flavor: Flavor,
        name: Rc<str>,
        qualname: Rc<str>,
        info: Rc<ScopeInfo>,
        params: Option<&[String]>,
    ) {
        let mut varnames: Vec<Rc<str>> = Vec::new();
        let mut cellvars: Vec<Rc<str>> = Vec::new();
        let mut freevars: Vec<Rc<str>> = Vec::new();
        let mut closure = Vec::new();
        if matches!(
            flavor,
            Flavor::Function | Flavor::Coroutine | Flavor::Generator | Flavor::AsyncGenerator
        ) {
            if let Some(params) = params {
                varnames.extend(params.iter().map(|p| Rc::from(p.as_str())));
            }
            for name in &info.order {
                if info.globals.contains(name) || info.nonlocals.contains(name) {
                    continue;
                }
                if !varnames.iter().any(|v| &**v == name) {
                    varnames.push(Rc::from(name.as_str()));
                }
                if info.child_free.contains(name) {
                    cellvars.push(Rc::from(name.as_str()));
                }
            }
        }
        if flavor != Flavor::Module {
            let mut candidates: Vec<String> = info.candidates().into_iter().collect();
            candidates.sort();
            for name in candidates {
                if let Some(source) = self.resolve_enclosing(&name) {
                    freevars.push(Rc::from(name.as_str()));
                    closure.push(source);
                }
            }
        }
        let loc = self.units.last().map(|u| u.loc).unwrap_or_default();
        self.units.push(Unit {
            flavor,
            name,
            qualname,
            ops: Vec::new(),
            locs: Vec::new(),
            consts: Vec::new(),
            names: Vec::new(),
            codes: Vec::new(),
            varnames,
            cellvars,
            freevars,
            closure,
            in_async: matches!(flavor, Flavor::Coroutine | Flavor::AsyncGenerator),
            info,
            fblocks: Vec::new(),
            loops: Vec::new(),
            loc: Loc {
                loop_line: 0,
                loop_column: 0,
                ..loc
            },
        });
    }

    /// The cell of the current unit (the one creating the new function) that holds `name`,
    /// when an enclosing function scope defines it.
    fn resolve_enclosing(&self, name: &str) -> Option<CellSource> {
        let unit = self.units.last()?;
        if unit.flavor == Flavor::Module {
            return None;
        }
        if unit.flavor == Flavor::ClassBody {
            // A class body passes its own free variables through.
            return unit
                .freevars
                .iter()
                .position(|f| &**f == name)
                .map(|i| (unit.cellvars.len() + i) as u32);
        }
        if let Some(i) = unit.cellvars.iter().position(|c| &**c == name) {
            return Some(i as u32);
        }
        unit.freevars
            .iter()
            .position(|f| &**f == name)
            .map(|i| (unit.cellvars.len() + i) as u32)
    }

    fn pop_unit(&mut self, params: Option<Params>) -> Rc<Code> {
        let unit = self.units.pop().expect("a unit is being compiled");
        let params = params.unwrap_or_default();
        let cell_args = unit
            .cellvars
            .iter()
            .enumerate()
            .filter_map(|(ci, name)| {
                let arg = unit.varnames.iter().position(|v| v == name)?;
                (arg < params.total).then_some((ci as u32, arg as u32))
            })
            .collect();
        Rc::new(Code {
            name: unit.name,
            qualname: unit.qualname,
            path: self.path.clone(),
            ops: unit.ops,
            locs: unit.locs,
            consts: unit.consts,
            names: unit.names,
            codes: unit.codes,
            varnames: unit.varnames,
            cellvars: unit.cellvars,
            freevars: unit.freevars,
            closure: unit.closure,
            cell_args,
            argcount: params.argcount,
            posonly: params.posonly,
            kwonly: params.kwonly,
            varargs: params.varargs,
            varkw: params.varkw,
            flavor: unit.flavor,
            prelude: self.prelude,
        })
    }

    fn emit(&mut self, op: Op) -> usize {
        let unit = self.unit();
        let loc = unit.loc;
        unit.ops.push(op);
        unit.locs.push(loc);
        unit.ops.len() - 1
    }

    fn here(&mut self) -> usize {
        self.unit().ops.len()
    }

    fn patch(&mut self, at: usize) {
        let target = self.here() as u32;
        self.patch_to(at, target);
    }

    fn patch_to(&mut self, at: usize, target: u32) {
        let op = &mut self.unit().ops[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(target),
            Op::PopJumpIfFalse(_) => Op::PopJumpIfFalse(target),
            Op::PopJumpIfTrue(_) => Op::PopJumpIfTrue(target),
            Op::JumpIfFalseOrPop(_) => Op::JumpIfFalseOrPop(target),
            Op::JumpIfTrueOrPop(_) => Op::JumpIfTrueOrPop(target),
            Op::ForIter(_) => Op::ForIter(target),
            Op::AsyncForIter(_) => Op::AsyncForIter(target),
            Op::SetupExcept(_) => Op::SetupExcept(target),
            other => other,
        };
    }

    fn set_loc(&mut self, range: TextRange) {
        let position = self.source.position(range.start().to_usize());
        let unit = self.unit();
        unit.loc.line = position.line as u32;
        unit.loc.column = position.column as u32;
    }

    fn constant(&mut self, value: Value) -> u32 {
        let unit = self.unit();
        let same = unit.consts.iter().position(|c| match (c, &value) {
            (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            _ => false,
        });
        match same {
            Some(i) => i as u32,
            None => {
                unit.consts.push(value);
                (unit.consts.len() - 1) as u32
            }
        }
    }

    fn name_index(&mut self, name: &str) -> u32 {
        let unit = self.unit();
        match unit.names.iter().position(|n| &**n == name) {
            Some(i) => i as u32,
            None => {
                unit.names.push(Rc::from(name));
                (unit.names.len() - 1) as u32
            }
        }
    }

    fn access(&mut self, name: &str) -> Access {
        let unit = self.units.last().expect("a unit is being compiled");
        match unit.flavor {
            Flavor::Module => Access::Global,
            Flavor::ClassBody => {
                if unit.info.assigned.contains(name) || unit.info.globals.contains(name) {
                    Access::Name
                } else if let Some(i) = unit.freevars.iter().position(|f| &**f == name) {
                    Access::Deref((unit.cellvars.len() + i) as u32)
                } else {
                    Access::Name
                }
            }
            _ => {
                if unit.info.globals.contains(name) {
                    return Access::Global;
                }
                if let Some(i) = unit.cellvars.iter().position(|c| &**c == name) {
                    return Access::Deref(i as u32);
                }
                if let Some(i) = unit.freevars.iter().position(|f| &**f == name) {
                    return Access::Deref((unit.cellvars.len() + i) as u32);
                }
                if let Some(i) = unit.varnames.iter().position(|v| &**v == name) {
                    return Access::Fast(i as u32);
                }
                Access::Global
            }
        }
    }

    fn load_name(&mut self, name: &str) {
        let op = match self.access(name) {
            Access::Fast(i) => Op::LoadFast(i),
            Access::Deref(i) => Op::LoadDeref(i),
            Access::Global => Op::LoadGlobal(self.name_index(name)),
            Access::Name => Op::LoadName(self.name_index(name)),
        };
        self.emit(op);
    }

    fn store_name(&mut self, name: &str) {
        let op = match self.access(name) {
            Access::Fast(i) => Op::StoreFast(i),
            Access::Deref(i) => Op::StoreDeref(i),
            Access::Global => Op::StoreGlobal(self.name_index(name)),
            Access::Name => Op::StoreName(self.name_index(name)),
        };
        self.emit(op);
    }

    fn delete_name(&mut self, name: &str, range: TextRange) -> CResult<()> {
        let op = match self.access(name) {
            Access::Fast(i) => Op::DeleteFast(i),
            Access::Global => Op::DeleteGlobal(self.name_index(name)),
            Access::Deref(_) | Access::Name => {
                return unsupported("`del` of a closure variable or class attribute", range)
            }
        };
        self.emit(op);
        Ok(())
    }

    fn stmts(&mut self, stmts: &'a [Stmt]) -> CResult<()> {
        for stmt in stmts {
            self.stmt(stmt)?;
        }
        Ok(())
    }

    fn stmt(&mut self, stmt: &'a Stmt) -> CResult<()> {
        self.set_loc(stmt.range());
        match stmt {
            Stmt::Expr(s) => {
                self.expr(&s.value)?;
                self.emit(Op::Pop);
            }
            Stmt::Pass(_) | Stmt::Global(_) | Stmt::Nonlocal(_) => {}
            Stmt::Assign(s) => {
                self.expr(&s.value)?;
                for (i, target) in s.targets.iter().enumerate() {
                    if i + 1 < s.targets.len() {
                        self.emit(Op::Dup);
                    }
                    self.store(target)?;
                }
            }
            Stmt::AnnAssign(s) => {
                if let Some(value) = &s.value {
                    self.expr(value)?;
                    self.store(&s.target)?;
                }
            }
            Stmt::AugAssign(s) => self.aug_assign(s)?,
            Stmt::If(s) => {
                let mut ends = Vec::new();
                self.expr(&s.test)?;
                let mut next = self.emit(Op::PopJumpIfFalse(0));
                self.stmts(&s.body)?;
                for clause in &s.elif_else_clauses {
                    ends.push(self.emit(Op::Jump(0)));
                    self.patch(next);
                    self.set_loc(clause.range);
                    match &clause.test {
                        Some(test) => {
                            self.expr(test)?;
                            next = self.emit(Op::PopJumpIfFalse(0));
                            self.stmts(&clause.body)?;
                        }
                        None => {
                            next = usize::MAX;
                            self.stmts(&clause.body)?;
                        }
                    }
                }
                if next != usize::MAX {
                    self.patch(next);
                }
                for end in ends {
                    self.patch(end);
                }
            }
            Stmt::While(s) => {
                let start = self.here();
                self.enter_loop(s.range);
                self.expr(&s.test)?;
                let exit = self.emit(Op::PopJumpIfFalse(0));
                self.finish_loop(start, exit, LoopIter::None, s.range, &s.body, &s.orelse)?;
            }
            Stmt::For(s) => {
                if s.is_async && !self.unit().in_async {
                    return unsupported("`async for` outside an async function", s.range);
                }
                self.expr(&s.iter)?;
                self.enter_loop(s.range);
                let start = if s.is_async {
                    self.emit(Op::GetAsyncIter);
                    self.emit(Op::AsyncForIter(0))
                } else {
                    self.emit(Op::GetIter);
                    self.emit(Op::ForIter(0))
                };
                self.store(&s.target)?;
                // `ForIter` and `AsyncForIter` jump out when the iterator is exhausted.
                let iter = if s.is_async {
                    LoopIter::AsyncGenerator
                } else {
                    LoopIter::Iterator
                };
                self.finish_loop(start, start, iter, s.range, &s.body, &s.orelse)?;
            }
            Stmt::Break(s) => self.break_or_continue(true, s.range)?,
            Stmt::Continue(s) => self.break_or_continue(false, s.range)?,
            Stmt::Return(s) => {
                if self.unit().flavor == Flavor::Module || self.unit().flavor == Flavor::ClassBody {
                    return unsupported("`return` outside a function", s.range);
                }
                if self.unit().flavor == Flavor::AsyncGenerator && s.value.is_some() {
                    return unsupported("`return` with a value in an async generator", s.range);
                }
                match &s.value {
                    Some(value) => self.expr(value)?,
                    None => {
                        let none = self.constant(Value::None);
                        self.emit(Op::LoadConst(none));
                    }
                }
                self.unwind_blocks(0, true)?;
                self.emit(Op::Return);
            }
            Stmt::Raise(s) => match (&s.exc, &s.cause) {
                (None, _) => {
                    self.emit(Op::Raise(0));
                }
                (Some(exc), None) => {
                    self.expr(exc)?;
                    self.emit(Op::Raise(1));
                }
                (Some(exc), Some(cause)) => {
                    self.expr(exc)?;
                    self.expr(cause)?;
                    self.emit(Op::Raise(2));
                }
            },
            Stmt::Try(s) => {
                if s.is_star {
                    return unsupported("`except*`", s.range);
                }
                if s.finalbody.is_empty() {
                    self.try_except(s)?;
                } else {
                    self.try_finally(s)?;
                }
            }
            Stmt::Assert(s) => {
                self.expr(&s.test)?;
                let ok = self.emit(Op::PopJumpIfTrue(0));
                let name = self.name_index("AssertionError");
                self.emit(Op::LoadBuiltin(name));
                if let Some(msg) = &s.msg {
                    self.expr(msg)?;
                    self.emit(Op::Call(1));
                }
                self.emit(Op::Raise(1));
                self.patch(ok);
            }
            Stmt::FunctionDef(def) => {
                if def.type_params.is_some() {
                    return unsupported("type parameters", def.range);
                }
                for decorator in &def.decorator_list {
                    self.expr(&decorator.expression)?;
                }
                let flavor = if def.is_async {
                    Flavor::Coroutine
                } else {
                    Flavor::Function
                };
                self.function(
                    key(def),
                    def.name.as_str(),
                    Some(&def.parameters),
                    FnBody::Stmts(&def.body),
                    flavor,
                    def.range,
                )?;
                for _ in &def.decorator_list {
                    self.emit(Op::Call(1));
                }
                self.store_name(def.name.as_str());
            }
            Stmt::ClassDef(class) => self.class(class)?,
            Stmt::With(s) => self.with(s, 0)?,
            Stmt::Import(s) => {
                for alias in &s.names {
                    let name = alias.name.as_str();
                    if name.contains('.') {
                        return unsupported(&format!("import of `{name}`"), alias.range);
                    }
                    let index = self.name_index(name);
                    self.emit(Op::ImportName(index));
                    let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
                    self.store_name(bound);
                }
            }
            Stmt::ImportFrom(s) => {
                let Some(module) = s.module.as_ref().filter(|_| s.level == 0) else {
                    return unsupported("relative import", s.range);
                };
                let index = self.name_index(module.as_str());
                self.emit(Op::ImportName(index));
                for alias in &s.names {
                    if alias.name.as_str() == "*" {
                        return unsupported("`import *`", alias.range);
                    }
                    let attr = self.name_index(alias.name.as_str());
                    self.emit(Op::ImportFrom(attr));
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.store_name(bound.as_str());
                }
                self.emit(Op::Pop);
            }
            Stmt::Delete(s) => {
                for target in &s.targets {
                    match target {
                        Expr::Name(name) => self.delete_name(name.id.as_str(), name.range)?,
                        Expr::Subscript(sub) => {
                            self.expr(&sub.value)?;
                            self.expr(&sub.slice)?;
                            self.emit(Op::DeleteSubscr);
                        }
                        Expr::Attribute(attr) => {
                            self.expr(&attr.value)?;
                            let index = self.name_index(attr.attr.as_str());
                            self.emit(Op::DeleteAttr(index));
                        }
                        other => return unsupported("this `del` target", other.range()),
                    }
                }
            }
            Stmt::Match(s) => return unsupported("`match`", s.range),
            Stmt::TypeAlias(s) => return unsupported("`type` alias", s.range),
            Stmt::IpyEscapeCommand(s) => return unsupported("IPython escape", s.range),
        }
        Ok(())
    }

    /// Records a loop statement's position, for the starvation reports of the loop a task is
    /// running.
    fn enter_loop(&mut self, range: TextRange) {
        let position = self.source.position(range.start().to_usize());
        self.unit()
            .loops
            .push((position.line as u32, position.column as u32));
        self.sync_loop_loc();
    }

    /// Compiles a loop's body, which jumps back to `start`, and its `else` clause; `exit` is
    /// the jump taken when the loop ends by itself, patched to the `else` clause, and the
    /// `break`s jump past it.
    fn finish_loop(
        &mut self,
        start: usize,
        exit: usize,
        iter: LoopIter,
        range: TextRange,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> CResult<()> {
        self.unit().fblocks.push(FBlock::Loop {
            continue_to: start,
            breaks: Vec::new(),
            iter,
        });
        self.stmts(body)?;
        self.set_loc(range);
        self.emit(Op::Jump(start as u32));
        let breaks = self.pop_loop();
        self.unit().loops.pop();
        self.sync_loop_loc();
        self.patch(exit);
        self.stmts(orelse)?;
        for b in breaks {
            self.patch(b);
        }
        Ok(())
    }

    fn sync_loop_loc(&mut self) {
        let unit = self.unit();
        let (line, column) = unit.loops.last().copied().unwrap_or((0, 0));
        unit.loc.loop_line = line;
        unit.loc.loop_column = column;
    }

    fn pop_loop(&mut self) -> Vec<usize> {
        match self.unit().fblocks.pop() {
            Some(FBlock::Loop { breaks, .. }) => breaks,
            _ => Vec::new(),
        }
    }

    fn break_or_continue(&mut self, is_break: bool, range: TextRange) -> CResult<()> {
        let Some(depth) = self
            .unit()
            .fblocks
            .iter()
            .rposition(|b| matches!(b, FBlock::Loop { .. }))
        else {
            return unsupported("`break`/`continue` outside a loop", range);
        };
        self.unwind_blocks(depth + 1, false)?;
        if is_break {
            if let Some(FBlock::Loop { iter, .. }) = self.unit().fblocks.get(depth) {
                if let Some(pop) = iter.pop() {
                    self.emit(pop);
                }
            }
            let jump = self.emit(Op::Jump(0));
            if let Some(FBlock::Loop { breaks, .. }) = self.unit().fblocks.get_mut(depth) {
                breaks.push(jump);
            }
        } else if let Some(&FBlock::Loop { continue_to, .. }) = self.unit().fblocks.get(depth) {
            self.emit(Op::Jump(continue_to as u32));
        }
        Ok(())
    }

    /// Emits what leaving the frame blocks above `depth` needs; `value` says whether a return
    /// value is on top of the stack. The blocks are restored afterwards.
    fn unwind_blocks(&mut self, depth: usize, value: bool) -> CResult<()> {
        let mut saved = Vec::new();
        while self.unit().fblocks.len() > depth {
            let Some(block) = self.unit().fblocks.pop() else {
                break;
            };
            match &block {
                FBlock::Loop { iter, .. } => {
                    if let Some(pop) = iter.pop() {
                        if value {
                            self.emit(Op::Rot2);
                        }
                        self.emit(pop);
                    }
                }
                FBlock::TryExcept => {
                    self.emit(Op::PopBlock);
                }
                FBlock::Finally(body) => {
                    self.emit(Op::PopBlock);
                    let body: &'a [Stmt] = body;
                    self.stmts(body)?;
                }
                FBlock::Handler => {
                    self.emit(Op::PopHandled);
                }
                FBlock::FinallyException => {
                    if value {
                        self.emit(Op::Rot2);
                    }
                    self.emit(Op::Pop);
                    self.emit(Op::PopHandled);
                }
                FBlock::With { is_async } => {
                    self.emit(Op::PopBlock);
                    if value {
                        self.emit(Op::Rot2);
                    }
                    let none = self.constant(Value::None);
                    for _ in 0..3 {
                        self.emit(Op::LoadConst(none));
                    }
                    self.emit(Op::Call(3));
                    if *is_async {
                        self.emit(Op::Await);
                    }
                    self.emit(Op::Pop);
                }
            }
            saved.push(block);
        }
        while let Some(block) = saved.pop() {
            self.unit().fblocks.push(block);
        }
        Ok(())
    }

    fn try_except(&mut self, s: &'a ast::StmtTry) -> CResult<()> {
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::TryExcept);
        self.stmts(&s.body)?;
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.stmts(&s.orelse)?;
        let mut ends = vec![self.emit(Op::Jump(0))];
        self.patch(setup);
        self.emit(Op::PushHandled);
        for handler in &s.handlers {
            let ast::ExceptHandler::ExceptHandler(handler) = handler;
            self.set_loc(handler.range);
            let next = match &handler.type_ {
                Some(type_) => {
                    self.expr(type_)?;
                    self.emit(Op::CheckExcMatch);
                    Some(self.emit(Op::PopJumpIfFalse(0)))
                }
                None => None,
            };
            match &handler.name {
                Some(name) => self.store_name(name.as_str()),
                None => {
                    self.emit(Op::Pop);
                }
            }
            self.unit().fblocks.push(FBlock::Handler);
            self.stmts(&handler.body)?;
            self.unit().fblocks.pop();
            self.emit(Op::PopHandled);
            if let Some(name) = &handler.name {
                let none = self.constant(Value::None);
                self.emit(Op::LoadConst(none));
                self.store_name(name.as_str());
            }
            ends.push(self.emit(Op::Jump(0)));
            if let Some(next) = next {
                self.patch(next);
            }
        }
        self.emit(Op::Reraise);
        for end in ends {
            self.patch(end);
        }
        Ok(())
    }

    fn try_finally(&mut self, s: &'a ast::StmtTry) -> CResult<()> {
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::Finally(&s.finalbody));
        if s.handlers.is_empty() {
            self.stmts(&s.body)?;
        } else {
            self.try_except(s)?;
        }
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.stmts(&s.finalbody)?;
        let end = self.emit(Op::Jump(0));
        self.patch(setup);
        self.emit(Op::PushHandled);
        self.unit().fblocks.push(FBlock::FinallyException);
        self.stmts(&s.finalbody)?;
        self.unit().fblocks.pop();
        self.emit(Op::PopHandled);
        self.emit(Op::Reraise);
        self.patch(end);
        Ok(())
    }

    fn with(&mut self, s: &'a ast::StmtWith, item: usize) -> CResult<()> {
        let Some(with_item) = s.items.get(item) else {
            return self.stmts(&s.body);
        };
        let (enter, exit) = if s.is_async {
            ("__aenter__", "__aexit__")
        } else {
            ("__enter__", "__exit__")
        };
        self.expr(&with_item.context_expr)?;
        self.emit(Op::Dup);
        let exit_name = self.name_index(exit);
        self.emit(Op::LoadSpecial(exit_name));
        self.emit(Op::Rot2);
        let enter_name = self.name_index(enter);
        self.emit(Op::LoadSpecial(enter_name));
        self.emit(Op::Call(0));
        if s.is_async {
            self.emit(Op::Await);
        }
        match &with_item.optional_vars {
            Some(target) => self.store(target)?,
            None => {
                self.emit(Op::Pop);
            }
        }
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::With {
            is_async: s.is_async,
        });
        self.with(s, item + 1)?;
        self.unit().fblocks.pop();
        self.set_loc(s.range);
        self.emit(Op::PopBlock);
        let none = self.constant(Value::None);
        for _ in 0..3 {
            self.emit(Op::LoadConst(none));
        }
        self.emit(Op::Call(3));
        if s.is_async {
            self.emit(Op::Await);
        }
        self.emit(Op::Pop);
        let end = self.emit(Op::Jump(0));
        self.patch(setup);
        self.emit(Op::PushHandled);
        self.emit(Op::PrepareExit);
        self.emit(Op::Call(3));
        if s.is_async {
            self.emit(Op::Await);
        }
        let suppress = self.emit(Op::PopJumpIfTrue(0));
        self.emit(Op::Reraise);
        self.patch(suppress);
        self.emit(Op::PopHandled);
        self.emit(Op::Pop);
        self.emit(Op::Pop);
        self.patch(end);
        Ok(())
    }

    fn aug_assign(&mut self, s: &'a ast::StmtAugAssign) -> CResult<()> {
        match &*s.target {
            Expr::Name(name) => {
                self.load_name(name.id.as_str());
                self.expr(&s.value)?;
                self.emit(Op::Inplace(s.op));
                self.store_name(name.id.as_str());
            }
            Expr::Attribute(attr) => {
                self.expr(&attr.value)?;
                self.emit(Op::Dup);
                let index = self.name_index(attr.attr.as_str());
                self.emit(Op::LoadAttr(index));
                self.expr(&s.value)?;
                self.emit(Op::Inplace(s.op));
                self.emit(Op::Rot2);
                self.emit(Op::StoreAttr(index));
            }
            Expr::Subscript(sub) => {
                self.expr(&sub.value)?;
                self.expr(&sub.slice)?;
                self.emit(Op::Dup2);
                self.emit(Op::Subscr);
                self.expr(&s.value)?;
                self.emit(Op::Inplace(s.op));
                self.emit(Op::Rot3);
                self.emit(Op::StoreSubscr);
            }
            other => return unsupported("this augmented assignment target", other.range()),
        }
        Ok(())
    }

    fn store(&mut self, target: &'a Expr) -> CResult<()> {
        match target {
            Expr::Name(name) => self.store_name(name.id.as_str()),
            Expr::Attribute(attr) => {
                self.expr(&attr.value)?;
                let index = self.name_index(attr.attr.as_str());
                self.emit(Op::StoreAttr(index));
            }
            Expr::Subscript(sub) => {
                self.expr(&sub.value)?;
                self.expr(&sub.slice)?;
                self.emit(Op::StoreSubscr);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                match elts.iter().position(|e| e.is_starred_expr()) {
                    None => {
                        self.emit(Op::UnpackSequence(elts.len() as u32));
                    }
                    Some(star) => {
                        let after = elts.len() - star - 1;
                        self.emit(Op::UnpackEx(star as u16, after as u16));
                    }
                }
                for elt in elts {
                    match elt {
                        Expr::Starred(starred) => self.store(&starred.value)?,
                        other => self.store(other)?,
                    }
                }
            }
            other => return unsupported("this assignment target", other.range()),
        }
        Ok(())
    }

    fn class(&mut self, class: &'a ast::StmtClassDef) -> CResult<()> {
        if class.type_params.is_some() {
            return unsupported("type parameters", class.range);
        }
        for decorator in &class.decorator_list {
            self.expr(&decorator.expression)?;
        }
        let info = self.cache.get(&key(class)).cloned().unwrap_or_default();
        let qualname = self.qualname(class.name.as_str());
        self.push_unit(
            Flavor::ClassBody,
            Rc::from(class.name.as_str()),
            qualname,
            info,
            None,
        );
        self.set_loc(class.range);
        self.stmts(&class.body)?;
        let none = self.constant(Value::None);
        self.emit(Op::LoadConst(none));
        self.emit(Op::Return);
        let code = self.pop_unit(None);
        let index = self.add_code(code);
        self.set_loc(class.range);
        self.emit(Op::MakeFunction(index, 0));
        let mut bases = 0;
        if let Some(arguments) = &class.arguments {
            if !arguments.keywords.is_empty() {
                return unsupported("class keywords", arguments.range);
            }
            for base in arguments.args.iter() {
                self.expr(base)?;
                bases += 1;
            }
        }
        let name = self.name_index(class.name.as_str());
        self.emit(Op::BuildClass(name, bases));
        for _ in &class.decorator_list {
            self.emit(Op::Call(1));
        }
        self.store_name(class.name.as_str());
        Ok(())
    }

    fn qualname(&self, name: &str) -> Rc<str> {
        match self.units.last() {
            Some(unit) if unit.flavor == Flavor::ClassBody => {
                Rc::from(format!("{}.{}", unit.qualname, name))
            }
            Some(unit) if unit.flavor != Flavor::Module => {
                Rc::from(format!("{}.<locals>.{}", unit.qualname, name))
            }
            _ => Rc::from(name),
        }
    }

    fn add_code(&mut self, code: Rc<Code>) -> u32 {
        let unit = self.unit();
        unit.codes.push(code);
        (unit.codes.len() - 1) as u32
    }

    /// Compiles a function (def, lambda or comprehension) and emits `MakeFunction`.
    fn function(
        &mut self,
        node: usize,
        name: &str,
        parameters: Option<&'a ast::Parameters>,
        body: FnBody<'a>,
        flavor: Flavor,
        range: TextRange,
    ) -> CResult<()> {
        let info = self.cache.get(&node).cloned().unwrap_or_default();
        let flavor = match (info.has_yield, flavor) {
            (true, Flavor::Coroutine) => Flavor::AsyncGenerator,
            (true, _) => Flavor::Generator,
            (false, flavor) => flavor,
        };
        // Defaults are evaluated in the enclosing scope.
        let mut params = Params::default();
        let mut names: Vec<String> = Vec::new();
        let mut flags = 0u8;
        if let Some(parameters) = parameters {
            let positional: Vec<_> = parameters
                .posonlyargs
                .iter()
                .chain(parameters.args.iter())
                .collect();
            let defaults: Vec<_> = positional
                .iter()
                .filter_map(|p| p.default.as_deref())
                .collect();
            if !defaults.is_empty() {
                for default in &defaults {
                    self.expr(default)?;
                }
                self.emit(Op::BuildTuple(defaults.len() as u32));
                flags |= 1;
            }
            let kwdefaults: Vec<_> = parameters
                .kwonlyargs
                .iter()
                .filter_map(|p| p.default.as_deref().map(|d| (p.parameter.name.as_str(), d)))
                .collect();
            if !kwdefaults.is_empty() {
                for (name, default) in &kwdefaults {
                    let c = self.constant(Value::str(name));
                    self.emit(Op::LoadConst(c));
                    self.expr(default)?;
                }
                self.emit(Op::BuildMap(kwdefaults.len() as u32));
                flags |= 2;
            }
            params.posonly = parameters.posonlyargs.len();
            params.argcount = positional.len();
            params.kwonly = parameters.kwonlyargs.len();
            names.extend(positional.iter().map(|p| p.parameter.name.to_string()));
            names.extend(
                parameters
                    .kwonlyargs
                    .iter()
                    .map(|p| p.parameter.name.to_string()),
            );
            if let Some(v) = &parameters.vararg {
                params.varargs = true;
                names.push(v.name.to_string());
            }
            if let Some(k) = &parameters.kwarg {
                params.varkw = true;
                names.push(k.name.to_string());
            }
        }
        if let FnBody::Comprehension(..) = body {
            params.argcount = 1;
            names.push(".0".to_owned());
        }
        params.total = names.len();
        let qualname = self.qualname(name);
        self.push_unit(flavor, Rc::from(name), qualname, info, Some(&names));
        self.set_loc(range);
        match body {
            FnBody::Stmts(stmts) => {
                self.stmts(stmts)?;
                let none = self.constant(Value::None);
                self.emit(Op::LoadConst(none));
                self.emit(Op::Return);
            }
            FnBody::Expr(expr) => {
                self.expr(expr)?;
                self.emit(Op::Return);
            }
            FnBody::Comprehension(..) => {
                return unsupported("a comprehension compiled as a function", range);
            }
        }
        let code = self.pop_unit(Some(params));
        let index = self.add_code(code);
        self.emit(Op::MakeFunction(index, flags));
        Ok(())
    }

    /// Compiles a comprehension as a function of its outermost iterator, and calls it.
    fn comprehension(
        &mut self,
        node: usize,
        kind: CompKind,
        elts: &[&'a Expr],
        generators: &'a [ast::Comprehension],
        range: TextRange,
    ) -> CResult<()> {
        let info = self.cache.get(&node).cloned().unwrap_or_default();
        let Some(first) = generators.first() else {
            return unsupported("an empty comprehension", range);
        };
        if generators.iter().any(|g| g.is_async) {
            return unsupported("async comprehensions", range);
        }
        let has_await = elts.iter().any(|e| contains_await(e))
            || generators.iter().enumerate().any(|(i, g)| {
                (i > 0 && contains_await(&g.iter)) || g.ifs.iter().any(contains_await)
            });
        let flavor = match (kind, has_await) {
            (CompKind::Generator, true) => {
                return unsupported("async generator expressions", range)
            }
            (CompKind::Generator, false) => Flavor::Generator,
            (_, true) => Flavor::Coroutine,
            (_, false) => Flavor::Function,
        };
        let name = match kind {
            CompKind::List => "<listcomp>",
            CompKind::Set => "<setcomp>",
            CompKind::Dict => "<dictcomp>",
            CompKind::Generator => "<genexpr>",
        };
        let names = vec![".0".to_owned()];
        let qualname = self.qualname(name);
        self.push_unit(flavor, Rc::from(name), qualname, info, Some(&names));
        self.set_loc(range);
        match kind {
            CompKind::List => {
                self.emit(Op::BuildList(0));
            }
            CompKind::Set => {
                self.emit(Op::BuildSet(0));
            }
            CompKind::Dict => {
                self.emit(Op::BuildMap(0));
            }
            CompKind::Generator => {}
        }
        self.comprehension_loop(kind, elts, generators, 0)?;
        if kind == CompKind::Generator {
            let none = self.constant(Value::None);
            self.emit(Op::LoadConst(none));
        }
        self.emit(Op::Return);
        let code = self.pop_unit(Some(Params {
            argcount: 1,
            total: 1,
            ..Params::default()
        }));
        let index = self.add_code(code);
        self.emit(Op::MakeFunction(index, 0));
        self.expr(&first.iter)?;
        self.emit(Op::GetIter);
        self.emit(Op::Call(1));
        if has_await {
            self.emit(Op::Await);
        }
        Ok(())
    }

    fn comprehension_loop(
        &mut self,
        kind: CompKind,
        elts: &[&'a Expr],
        generators: &'a [ast::Comprehension],
        depth: usize,
    ) -> CResult<()> {
        let Some(generator) = generators.get(depth) else {
            match kind {
                CompKind::List => {
                    self.expr(elts[0])?;
                    self.emit(Op::ListAppend(depth as u32));
                }
                CompKind::Set => {
                    self.expr(elts[0])?;
                    self.emit(Op::SetAdd(depth as u32));
                }
                CompKind::Dict => {
                    // elts: [value, key]
                    self.expr(elts[1])?;
                    self.expr(elts[0])?;
                    self.emit(Op::MapAdd(depth as u32));
                }
                CompKind::Generator => {
                    self.expr(elts[0])?;
                    self.emit(Op::Yield);
                    self.emit(Op::Pop);
                }
            }
            return Ok(());
        };
        if depth == 0 {
            self.emit(Op::LoadFast(0));
        } else {
            self.expr(&generator.iter)?;
            self.emit(Op::GetIter);
        }
        let start = self.emit(Op::ForIter(0));
        self.store(&generator.target)?;
        let mut skips = Vec::new();
        for cond in &generator.ifs {
            self.expr(cond)?;
            skips.push(self.emit(Op::PopJumpIfFalse(0)));
        }
        self.comprehension_loop(kind, elts, generators, depth + 1)?;
        for skip in skips {
            self.patch_to(skip, start as u32);
        }
        self.emit(Op::Jump(start as u32));
        self.patch(start);
        Ok(())
    }

    fn expr(&mut self, expr: &'a Expr) -> CResult<()> {
        match expr {
            Expr::NoneLiteral(_) => {
                let c = self.constant(Value::None);
                self.emit(Op::LoadConst(c));
            }
            Expr::BooleanLiteral(b) => {
                let c = self.constant(Value::Bool(b.value));
                self.emit(Op::LoadConst(c));
            }
            Expr::NumberLiteral(n) => {
                let value = match &n.value {
                    Number::Int(i) => match i.as_i64() {
                        Some(i) => Value::Int(i),
                        None => return unsupported("big integers", n.range),
                    },
                    Number::Float(f) => Value::Float(*f),
                    Number::Complex { .. } => return unsupported("complex numbers", n.range),
                };
                let c = self.constant(value);
                self.emit(Op::LoadConst(c));
            }
            Expr::StringLiteral(s) => {
                let c = self.constant(Value::str(s.value.to_str()));
                self.emit(Op::LoadConst(c));
            }
            Expr::FString(f) => {
                let mut count = 0;
                for part in f.value.iter() {
                    match part {
                        FStringPart::Literal(literal) => {
                            let c = self.constant(Value::str(&literal.value));
                            self.emit(Op::LoadConst(c));
                            count += 1;
                        }
                        FStringPart::FString(fstring) => {
                            count += self.fstring_elements(&fstring.elements)?;
                        }
                    }
                }
                self.emit(Op::BuildString(count));
            }
            Expr::Name(name) => {
                self.set_loc(name.range);
                self.load_name(name.id.as_str());
            }
            Expr::Attribute(attr) => {
                self.expr(&attr.value)?;
                self.set_loc(attr.range);
                let index = self.name_index(attr.attr.as_str());
                self.emit(Op::LoadAttr(index));
            }
            Expr::Subscript(sub) => {
                self.expr(&sub.value)?;
                self.expr(&sub.slice)?;
                self.set_loc(sub.range);
                self.emit(Op::Subscr);
            }
            Expr::Slice(slice) => {
                for part in [&slice.lower, &slice.upper, &slice.step] {
                    match part {
                        Some(e) => self.expr(e)?,
                        None => {
                            let c = self.constant(Value::None);
                            self.emit(Op::LoadConst(c));
                        }
                    }
                }
                self.emit(Op::BuildSlice);
            }
            Expr::BinOp(b) => {
                if b.op == Operator::MatMult {
                    return unsupported("the `@` operator", b.range);
                }
                self.expr(&b.left)?;
                self.expr(&b.right)?;
                self.set_loc(b.range);
                self.emit(Op::Binary(b.op));
            }
            Expr::UnaryOp(u) => {
                self.expr(&u.operand)?;
                self.emit(Op::Unary(u.op));
            }
            Expr::BoolOp(b) => {
                let mut ends = Vec::new();
                for (i, value) in b.values.iter().enumerate() {
                    self.expr(value)?;
                    if i + 1 < b.values.len() {
                        let op = match b.op {
                            BoolOp::And => Op::JumpIfFalseOrPop(0),
                            BoolOp::Or => Op::JumpIfTrueOrPop(0),
                        };
                        ends.push(self.emit(op));
                    }
                }
                for end in ends {
                    self.patch(end);
                }
            }
            Expr::Compare(c) => {
                self.expr(&c.left)?;
                let n = c.ops.len();
                let mut cleanups = Vec::new();
                for (i, (op, right)) in c.ops.iter().zip(c.comparators.iter()).enumerate() {
                    self.expr(right)?;
                    self.set_loc(c.range);
                    if i + 1 < n {
                        self.emit(Op::Dup);
                        self.emit(Op::Rot3);
                        self.emit(Op::Compare(*op));
                        cleanups.push(self.emit(Op::JumpIfFalseOrPop(0)));
                    } else {
                        self.emit(Op::Compare(*op));
                    }
                }
                if !cleanups.is_empty() {
                    let end = self.emit(Op::Jump(0));
                    for cleanup in cleanups {
                        self.patch(cleanup);
                    }
                    self.emit(Op::Rot2);
                    self.emit(Op::Pop);
                    self.patch(end);
                }
            }
            Expr::If(e) => {
                self.expr(&e.test)?;
                let other = self.emit(Op::PopJumpIfFalse(0));
                self.expr(&e.body)?;
                let end = self.emit(Op::Jump(0));
                self.patch(other);
                self.expr(&e.orelse)?;
                self.patch(end);
            }
            Expr::Named(n) => {
                if self.unit().name.starts_with('<') && self.unit().flavor != Flavor::Module {
                    return unsupported("`:=` in a comprehension", n.range);
                }
                self.expr(&n.value)?;
                self.emit(Op::Dup);
                self.store(&n.target)?;
            }
            Expr::List(l) => self.sequence(&l.elts, SeqKind::List)?,
            Expr::Tuple(t) => self.sequence(&t.elts, SeqKind::Tuple)?,
            Expr::Set(s) => self.sequence(&s.elts, SeqKind::Set)?,
            Expr::Dict(d) => {
                let mut pending = 0u32;
                let mut built = false;
                for item in &d.items {
                    match &item.key {
                        Some(k) => {
                            self.expr(k)?;
                            self.expr(&item.value)?;
                            pending += 1;
                        }
                        None => {
                            self.emit(Op::BuildMap(pending));
                            if built {
                                self.emit(Op::DictUpdate);
                            }
                            built = true;
                            pending = 0;
                            self.expr(&item.value)?;
                            self.emit(Op::DictUpdate);
                        }
                    }
                }
                if !built || pending > 0 {
                    self.emit(Op::BuildMap(pending));
                    if built {
                        self.emit(Op::DictUpdate);
                    }
                }
            }
            Expr::Call(call) => self.call(call)?,
            Expr::Lambda(lambda) => {
                self.function(
                    key(lambda),
                    "<lambda>",
                    lambda.parameters.as_deref(),
                    FnBody::Expr(&lambda.body),
                    Flavor::Function,
                    lambda.range,
                )?;
            }
            Expr::ListComp(c) => {
                self.comprehension(key(c), CompKind::List, &[&c.elt], &c.generators, c.range)?
            }
            Expr::SetComp(c) => {
                self.comprehension(key(c), CompKind::Set, &[&c.elt], &c.generators, c.range)?
            }
            Expr::Generator(c) => self.comprehension(
                key(c),
                CompKind::Generator,
                &[&c.elt],
                &c.generators,
                c.range,
            )?,
            Expr::DictComp(c) => {
                let Some(k) = &c.key else {
                    return unsupported("`**` in a dict comprehension", c.range);
                };
                self.comprehension(
                    key(c),
                    CompKind::Dict,
                    &[k, &c.value],
                    &c.generators,
                    c.range,
                )?
            }
            Expr::Await(a) => {
                if !self.unit().in_async {
                    return unsupported("`await` outside an async function", a.range);
                }
                self.expr(&a.value)?;
                self.set_loc(a.range);
                self.emit(Op::Await);
            }
            Expr::Yield(y) => {
                match &y.value {
                    Some(v) => self.expr(v)?,
                    None => {
                        let c = self.constant(Value::None);
                        self.emit(Op::LoadConst(c));
                    }
                }
                self.emit(Op::Yield);
            }
            Expr::Starred(s) => return unsupported("a starred expression here", s.range),
            Expr::YieldFrom(y) => return unsupported("`yield from`", y.range),
            Expr::TString(t) => return unsupported("template strings", t.range),
            Expr::BytesLiteral(b) => return unsupported("bytes", b.range),
            Expr::EllipsisLiteral(e) => return unsupported("`...` as a value", e.range),
            Expr::IpyEscapeCommand(e) => return unsupported("IPython escape", e.range),
        }
        Ok(())
    }

    fn fstring_elements(&mut self, elements: &'a [InterpolatedStringElement]) -> CResult<u32> {
        let mut count = 0;
        for element in elements {
            match element {
                InterpolatedStringElement::Literal(literal) => {
                    let c = self.constant(Value::str(&literal.value));
                    self.emit(Op::LoadConst(c));
                    count += 1;
                }
                InterpolatedStringElement::Interpolation(e) => {
                    let mut conversion = match e.conversion {
                        ConversionFlag::None => 0,
                        ConversionFlag::Str => b's',
                        ConversionFlag::Repr => b'r',
                        ConversionFlag::Ascii => b'a',
                    };
                    if let Some(debug) = &e.debug_text {
                        let text = format!(
                            "{}{}{}",
                            debug.leading(),
                            debug.expression(),
                            debug.trailing()
                        );
                        let c = self.constant(Value::str(&text));
                        self.emit(Op::LoadConst(c));
                        count += 1;
                        if conversion == 0 && e.format_spec.is_none() {
                            conversion = b'r';
                        }
                    }
                    let has_spec = match &e.format_spec {
                        Some(spec) => {
                            let n = self.fstring_elements(&spec.elements)?;
                            self.emit(Op::BuildString(n));
                            true
                        }
                        None => false,
                    };
                    self.expr(&e.expression)?;
                    self.emit(Op::FormatValue(conversion, has_spec));
                    count += 1;
                }
            }
        }
        Ok(count)
    }

    fn sequence(&mut self, elts: &'a [Expr], kind: SeqKind) -> CResult<()> {
        if elts.iter().any(|e| e.is_starred_expr()) {
            self.emit(Op::BuildList(0));
            for elt in elts {
                match elt {
                    Expr::Starred(s) => {
                        self.expr(&s.value)?;
                        self.emit(Op::ListExtend);
                    }
                    other => {
                        self.expr(other)?;
                        self.emit(Op::ListAppend(0));
                    }
                }
            }
            match kind {
                SeqKind::List => {}
                SeqKind::Tuple => {
                    self.emit(Op::ListToTuple);
                }
                SeqKind::Set => {
                    self.emit(Op::ListToSet);
                }
            }
            return Ok(());
        }
        for elt in elts {
            self.expr(elt)?;
        }
        let n = elts.len() as u32;
        self.emit(match kind {
            SeqKind::List => Op::BuildList(n),
            SeqKind::Tuple => Op::BuildTuple(n),
            SeqKind::Set => Op::BuildSet(n),
        });
        Ok(())
    }

    fn call(&mut self, call: &'a ast::ExprCall) -> CResult<()> {
        self.expr(&call.func)?;
        let args = &call.arguments;
        let starred = args.args.iter().any(|a| a.is_starred_expr())
            || args.keywords.iter().any(|k| k.arg.is_none());
        if starred {
            self.emit(Op::BuildList(0));
            for arg in args.args.iter() {
                match arg {
                    Expr::Starred(s) => {
                        self.expr(&s.value)?;
                        self.emit(Op::ListExtend);
                    }
                    other => {
                        self.expr(other)?;
                        self.emit(Op::ListAppend(0));
                    }
                }
            }
            self.emit(Op::ListToTuple);
            let has_kw = !args.keywords.is_empty();
            if has_kw {
                self.emit(Op::BuildMap(0));
                for keyword in args.keywords.iter() {
                    match &keyword.arg {
                        Some(name) => {
                            let c = self.constant(Value::str(name.as_str()));
                            self.emit(Op::LoadConst(c));
                            self.expr(&keyword.value)?;
                            self.emit(Op::BuildMap(1));
                            self.emit(Op::DictUpdate);
                        }
                        None => {
                            self.expr(&keyword.value)?;
                            self.emit(Op::DictUpdate);
                        }
                    }
                }
            }
            self.set_loc(call.range());
            self.emit(Op::CallEx(has_kw));
            return Ok(());
        }
        for arg in args.args.iter() {
            self.expr(arg)?;
        }
        if args.keywords.is_empty() {
            self.set_loc(call.range());
            self.emit(Op::Call(args.args.len() as u32));
            return Ok(());
        }
        let mut names = Vec::new();
        for keyword in args.keywords.iter() {
            self.expr(&keyword.value)?;
            if let Some(name) = &keyword.arg {
                names.push(Value::str(name.as_str()));
            }
        }
        let count = (args.args.len() + names.len()) as u32;
        let unit = self.unit();
        unit.consts.push(Value::tuple(names));
        let c = (unit.consts.len() - 1) as u32;
        self.emit(Op::LoadConst(c));
        self.set_loc(call.range());
        self.emit(Op::CallKw(count));
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CompKind {
    List,
    Set,
    Dict,
    Generator,
}

#[derive(Clone, Copy)]
enum SeqKind {
    List,
    Tuple,
    Set,
}

/// A function's parameter layout.
#[derive(Default, Clone, Copy)]
struct Params {
    argcount: usize,
    posonly: usize,
    kwonly: usize,
    varargs: bool,
    varkw: bool,
    total: usize,
}

/// Whether `expr` awaits (not looking into nested functions).
fn contains_await(expr: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Await(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_expr(expr);
    finder.0
}
