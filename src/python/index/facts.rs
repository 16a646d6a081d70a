//! The index pass over one module: what it defines (functions and methods by their dotted path
//! in the module, classes and their bases, import bindings), and what the index needs to know of
//! each function: what a coroutine awaits, which tasks a plain function returns without keeping
//! them, and what a function that a loop of a coroutine may call changes.
//!
//! The pass is cheap where a module cannot matter: only coroutines are walked for their awaits;
//! the functions whose text mentions a task source are walked for the tasks they return, the
//! other plain functions only scanned for `return call(...)`; and what a function changes is
//! recorded only for those called in a loop of a coroutine of the module (and what they call).

use std::ops::Range;

use memchr::memmem;
use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, ModModule, Stmt};
use ruff_text_size::Ranged;
use rustc_hash::{FxHashMap, FxHashSet};

use super::super::calls::{task_source_mentions, Created};
use super::super::effects::Effects;
use super::super::flow::keeps;
use super::super::loops::may_spin;
use super::super::resolve::{is_super_call, EnclosingClass, Reference, Resolver};
use super::super::semantic::{
    callable_of, dotted, is_self, with_part, yields, Callable, FunctionScope, Module,
};
use super::super::uses::{for_each_child_body, walk_stmt_exprs, Use, UseSink};
use super::modules::TopLevel;
use crate::index::external::ExternalFacts;
use crate::source::SourceFile;

/// What one file contributes to the index.
#[derive(Debug, Default)]
pub struct PythonFileFacts {
    /// The path the file is reported under.
    pub(super) path: String,
    /// A stub (`.pyi`): its bodies say nothing about what the functions do.
    pub(super) is_stub: bool,
    /// The module-level import bindings: local name → dotted name (relative ones with their
    /// leading dots).
    pub(super) imports: Vec<(String, String)>,
    pub(super) classes: Vec<ClassFacts>,
    pub(super) functions: Vec<FunctionFacts>,
}

/// A class defined at the module's top level or in another such class.
#[derive(Debug)]
pub(super) struct ClassFacts {
    /// Its dotted path in the module (`Outer.Inner`).
    pub path: String,
    /// Its bases, in order; `None` for a base that names no module-level definition (a
    /// subscript, a call).
    pub bases: Vec<Option<Reference>>,
}

/// A function defined at the module's top level or in a class of [`ClassFacts`].
#[derive(Debug)]
pub(super) struct FunctionFacts {
    /// Its dotted path in the module (`spawn`, `Cache.refresh`).
    pub path: String,
    /// The 1-based line of its name.
    pub line: usize,
    pub kind: FunctionKind,
    /// The state it changes itself that outlives the call: `self` attributes and globals (see
    /// [`Effects::lasting_changes`]).
    pub changes: Vec<String>,
    /// The functions of the module and methods of `self` it calls, whose changes are its own
    /// too.
    pub calls: Vec<Reference>,
}

#[derive(Debug)]
pub(super) enum FunctionKind {
    /// An `async def` whose call makes a coroutine (see [`callable_of`]).
    Coroutine(CoroutineFacts),
    /// A plain function that returns a task it creates, or what a call returns.
    ReturnsCalls(ReturnedCalls),
    /// Any other function.
    Other,
}

impl FunctionKind {
    /// Forgets what only the index's fixpoints need (what a coroutine awaits, the calls a
    /// function returns); the kind stays.
    pub fn settled(&mut self) {
        match self {
            FunctionKind::Coroutine(coroutine) => coroutine.awaits = Vec::new(),
            FunctionKind::ReturnsCalls(returned) => returned.calls = Vec::new(),
            FunctionKind::Other => {}
        }
    }
}

/// What a coroutine awaits.
#[derive(Debug, Default)]
pub(super) struct CoroutineFacts {
    /// It awaits something that is not a call of a name the project may define (a future, a
    /// task, `async for`, `async with`), or its body is unknown (a stub, an abstract method, a
    /// placeholder body meant to be overridden).
    pub suspends_directly: bool,
    /// The calls it awaits, for the index to resolve.
    pub awaits: Vec<Reference>,
}

/// The calls whose result a plain function returns.
#[derive(Debug, Default)]
pub(super) struct ReturnedCalls {
    /// Where it creates a task it returns and does not keep itself.
    pub created_task: Option<Site>,
    /// Other calls whose result it returns, each with its site (a wrapper of a wrapper).
    pub calls: Vec<(Reference, Site)>,
}

/// Where something is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Site {
    pub range: Range<usize>,
    /// 1-based.
    pub line: usize,
}

impl Site {
    fn of(source: &SourceFile, node: &impl Ranged) -> Self {
        let range = node.range().to_std_range();
        let line = source.line_index(range.start) + 1;
        Site { range, line }
    }
}

/// Extracts one file's facts from its syntax tree and semantic model; a file that does not
/// parse (`None`) contributes its path only. Only the imports that may lead into the project
/// (`top_level` names its top-level packages and modules) are kept. What a coroutine awaits is
/// kept until it awaits something that suspends for sure: a name from outside the project,
/// unless the configuration (`external`) names functions that never suspend.
pub fn extract(
    source: &SourceFile,
    parsed: Option<(&ModModule, &Module<'_>)>,
    top_level: &TopLevel,
    external: &ExternalFacts,
) -> PythonFileFacts {
    let mut facts = PythonFileFacts {
        path: source.path.clone(),
        is_stub: source.path.ends_with(".pyi"),
        ..PythonFileFacts::default()
    };
    let Some((module, model)) = parsed else {
        return facts;
    };
    let text = &source.text;
    facts.imports = model
        .imports()
        .filter(|(_, qualified)| top_level.may_lead_in(qualified))
        .map(|(local, qualified)| (local.to_owned(), qualified.to_owned()))
        .collect();
    let functions = functions_of(&module.body);
    facts.functions.reserve_exact(functions.len());
    let mut extractor = Extractor {
        model,
        source,
        top_level,
        outside_suspends: external.never_suspend.is_empty(),
        changing: if memmem::find(text.as_bytes(), b"async").is_some() {
            called_from_coroutine_loops(functions)
        } else {
            FxHashSet::default()
        },
        task_sources: task_source_mentions(text),
        facts: &mut facts,
    };
    extractor.body(&module.body, None);
    facts
}

/// A class being walked: its name and its dotted path in the module.
type ClassAt<'a, 'p> = Option<(&'a str, &'p str)>;

/// The walk over one module. What each function is asked depends on what the module may hold:
/// what a function changes matters when a loop of a coroutine calls it, and tasks bound to
/// locals need a task source ([`task_source_mentions`]).
struct Extractor<'m, 'a> {
    model: &'m Module<'a>,
    source: &'m SourceFile,
    top_level: &'m TopLevel,
    /// Awaiting a function from outside the project suspends (the configuration names none
    /// that never suspends).
    outside_suspends: bool,
    /// The names of the functions whose changes matter (see [`called_from_coroutine_loops`]).
    changing: FxHashSet<&'a str>,
    /// Where the module mentions one of asyncio's task sources.
    task_sources: Vec<Range<usize>>,
    facts: &'m mut PythonFileFacts,
}

impl<'a> Extractor<'_, 'a> {
    /// The functions and classes defined directly in a module or class body.
    fn body(&mut self, body: &'a [Stmt], class: ClassAt<'a, '_>) {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(function) => self.function(function, class),
                Stmt::ClassDef(class_def) => {
                    let name = class_def.name.as_str();
                    let path = match class {
                        Some((_, outer)) => with_part(outer, name),
                        None => name.to_owned(),
                    };
                    let resolver = self.resolver(Vec::new(), None);
                    let bases = class_def
                        .bases()
                        .iter()
                        .map(|base| {
                            resolver.reference(base).filter(|reference| {
                                matches!(reference, Reference::InModule(_) | Reference::Imported(_))
                            })
                        })
                        .collect();
                    self.facts.classes.push(ClassFacts {
                        path: path.clone(),
                        bases,
                    });
                    self.body(&class_def.body, Some((name, &path)));
                }
                _ => {}
            }
        }
    }

    fn resolver<'r>(
        &'r self,
        scopes: Vec<&'r FunctionScope<'a>>,
        class: ClassAt<'a, 'r>,
    ) -> Resolver<'r, 'a> {
        Resolver {
            module: self.model,
            scopes,
            class: class.map(|(name, path)| EnclosingClass {
                name,
                path: Some(path),
            }),
            project: None,
        }
    }

    fn function(&mut self, function: &'a ast::StmtFunctionDef, class: ClassAt<'a, '_>) {
        let name = function.name.as_str();
        let path = match class {
            Some((_, class_path)) => with_part(class_path, name),
            None => name.to_owned(),
        };
        let line = self
            .source
            .line_index(function.name.range().start().to_usize())
            + 1;
        let callable = callable_of(function, &self.source.text);
        let range = function.range().to_std_range();
        let creates_tasks = self
            .task_sources
            .iter()
            .any(|mention| range.start <= mention.start && mention.end <= range.end);
        let walked =
            callable == Callable::Coroutine || creates_tasks || self.changing.contains(name);
        let facts = if walked {
            self.walk_function(function, class, path, line, callable, creates_tasks)
        } else {
            self.scan_returns(function, path, line)
        };
        self.facts.functions.push(facts);
    }

    /// The facts of a function, from one walk over its body; `creates_tasks` when its text
    /// mentions a task source.
    fn walk_function(
        &self,
        function: &'a ast::StmtFunctionDef,
        class: ClassAt<'a, '_>,
        path: String,
        line: usize,
        callable: Callable,
        creates_tasks: bool,
    ) -> FunctionFacts {
        // Event loops matter to task sources only, and locals to what a function changes; the
        // calls of the other coroutines resolve well enough with their parameters.
        let records_changes = self.changing.contains(function.name.as_str());
        let scope = if creates_tasks {
            let class_facts = class.and_then(|(name, _)| self.model.classes.get(name));
            FunctionScope::of_function(self.model, function, &[], class_facts)
        } else if records_changes {
            FunctionScope::bindings_of(self.model, function)
        } else {
            FunctionScope::parameters_of(function)
        };
        let resolver = self.resolver(vec![&scope], class);
        let mut walk = FunctionWalk {
            resolver: &resolver,
            source: self.source,
            top_level: self.top_level,
            outside_suspends: self.outside_suspends,
            creates_tasks,
            coroutine: (callable == Callable::Coroutine).then(|| CoroutineFacts {
                suspends_directly: self.facts.is_stub
                    || is_abstract(function)
                    || is_placeholder(&function.body),
                awaits: Vec::new(),
            }),
            returned: (!function.is_async).then(ReturnedCalls::default),
            yields: false,
            bound_tasks: Vec::new(),
            returned_names: Vec::new(),
            kept_names: FxHashSet::default(),
            calls: Vec::new(),
            effects: records_changes.then(|| Effects::accumulating(&resolver)),
        };
        walk.body(&function.body);
        if let Some(coroutine) = &mut walk.coroutine {
            if coroutine.suspends_directly {
                // What else it awaits cannot change that.
                coroutine.awaits = Vec::new();
            }
        }
        let changes = match &walk.effects {
            Some(effects) => effects.lasting_changes(&scope).map(str::to_owned).collect(),
            None => Vec::new(),
        };
        let kind = match (walk.coroutine, walk.returned) {
            (Some(coroutine), _) => FunctionKind::Coroutine(coroutine),
            (None, Some(mut returned)) if !walk.yields => {
                if returned.created_task.is_none() {
                    let (returned_names, kept_names) = (&walk.returned_names, &walk.kept_names);
                    returned.created_task = walk
                        .bound_tasks
                        .into_iter()
                        .find(|(name, _)| {
                            returned_names.contains(name) && !kept_names.contains(name)
                        })
                        .map(|(_, site)| site);
                }
                returned.into_kind()
            }
            _ => FunctionKind::Other,
        };
        FunctionFacts {
            path,
            line,
            kind,
            changes,
            calls: walk.calls,
        }
    }

    /// The facts of a plain function of a module without `async` code or task sources: only
    /// the calls its `return` statements return matter (it may wrap a task wrapper of another
    /// module). Its names are taken as the module's.
    fn scan_returns(
        &self,
        function: &'a ast::StmtFunctionDef,
        path: String,
        line: usize,
    ) -> FunctionFacts {
        let resolver = self.resolver(Vec::new(), None);
        let mut returned = ReturnedCalls::default();
        let mut pending: Vec<&[Stmt]> = vec![&function.body];
        while let Some(body) = pending.pop() {
            for stmt in body {
                match stmt {
                    Stmt::Return(ast::StmtReturn {
                        value: Some(value), ..
                    }) => {
                        if let Expr::Call(call) = &**value {
                            if let Some(reference) = resolver.reference(&call.func) {
                                returned
                                    .calls
                                    .push((reference, Site::of(self.source, call)));
                            }
                        }
                    }
                    Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                    _ => for_each_child_body(stmt, |body| pending.push(body)),
                }
            }
        }
        let kind = if returned.calls.is_empty()
            || function.is_async
            || yields(function, &self.source.text)
        {
            FunctionKind::Other
        } else {
            returned.into_kind()
        };
        FunctionFacts {
            path,
            line,
            kind,
            changes: Vec::new(),
            calls: Vec::new(),
        }
    }
}

impl ReturnedCalls {
    /// What a plain function returning these calls is.
    fn into_kind(self) -> FunctionKind {
        if self.created_task.is_some() || !self.calls.is_empty() {
            FunctionKind::ReturnsCalls(self)
        } else {
            FunctionKind::Other
        }
    }
}

/// The names of the functions whose changes may matter to TL004: those called (by name, or as
/// methods of `self`, `cls` or `super()`) in a loop of a coroutine of the module that TL004
/// looks at ([`may_spin`]), and those they call in turn, among the module's `functions`. A
/// cheap syntactic pass that saves looking at what the other functions change.
fn called_from_coroutine_loops(functions: Vec<&ast::StmtFunctionDef>) -> FxHashSet<&str> {
    let mut names = FxHashSet::default();
    for function in functions.iter().filter(|function| function.is_async) {
        calls_in_loops(&function.body, &mut names);
    }
    let mut by_name: FxHashMap<&str, Vec<&ast::StmtFunctionDef>> = FxHashMap::default();
    for function in functions {
        by_name
            .entry(function.name.as_str())
            .or_default()
            .push(function);
    }
    let mut pending: Vec<&str> = names.iter().copied().collect();
    while let Some(name) = pending.pop() {
        for function in by_name.get(name).into_iter().flatten() {
            let mut calls = Calls {
                names: &mut FxHashSet::default(),
            };
            function.body.iter().for_each(|stmt| calls.visit_stmt(stmt));
            for called in std::mem::take(calls.names) {
                if names.insert(called) {
                    pending.push(called);
                }
            }
        }
    }
    names
}

/// The functions defined at the top level of a module and in its classes (the functions of
/// [`PythonFileFacts`]).
fn functions_of(body: &[Stmt]) -> Vec<&ast::StmtFunctionDef> {
    let mut functions = Vec::new();
    let mut classes = vec![body];
    while let Some(body) = classes.pop() {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(function) => functions.push(function),
                Stmt::ClassDef(class) => classes.push(&class.body),
                _ => {}
            }
        }
    }
    functions
}

/// Collects into `names` the functions called in the loops of `body` that may spin
/// ([`may_spin`]), outside nested functions and classes.
fn calls_in_loops<'a>(body: &'a [Stmt], names: &mut FxHashSet<&'a str>) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            stmt if may_spin(stmt) => Calls { names: &mut *names }.visit_stmt(stmt),
            stmt => for_each_child_body(stmt, |body| calls_in_loops(body, names)),
        }
    }
}

/// Collects the names of the functions called (by name, or as methods of `self`, `cls` or
/// `super()`), outside nested functions, classes and lambdas.
struct Calls<'n, 'a> {
    names: &'n mut FxHashSet<&'a str>,
}

impl<'a> Visitor<'a> for Calls<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            match &*call.func {
                Expr::Name(name) => {
                    self.names.insert(name.id.as_str());
                }
                Expr::Attribute(attribute)
                    if is_self(&attribute.value) || is_super_call(&attribute.value) =>
                {
                    self.names.insert(attribute.attr.as_str());
                }
                _ => {}
            }
        }
        if !matches!(expr, Expr::Lambda(_)) {
            walk_expr(self, expr);
        }
    }
}

/// `@abstractmethod` (or `@abc.abstractmethod`).
fn is_abstract(function: &ast::StmtFunctionDef) -> bool {
    function.decorator_list.iter().any(|decorator| {
        dotted(&decorator.expression).is_some_and(|name| name.ends_with("abstractmethod"))
    })
}

/// A body that only stands in for overrides: a docstring, `...`, `pass`, or a `raise`.
fn is_placeholder(body: &[Stmt]) -> bool {
    body.iter().all(|stmt| match stmt {
        Stmt::Pass(_) | Stmt::Raise(_) => true,
        Stmt::Expr(expr) => matches!(
            &*expr.value,
            Expr::EllipsisLiteral(_) | Expr::StringLiteral(_)
        ),
        _ => false,
    })
}

/// One walk over a function's own body (not its nested functions and classes) that collects
/// its facts.
struct FunctionWalk<'r, 'm, 'a> {
    resolver: &'r Resolver<'m, 'a>,
    source: &'r SourceFile,
    top_level: &'r TopLevel,
    /// See [`Extractor::outside_suspends`].
    outside_suspends: bool,
    /// The module mentions a task source: calls may create tasks.
    creates_tasks: bool,
    /// What it awaits, for a coroutine.
    coroutine: Option<CoroutineFacts>,
    /// The calls it returns, for a plain function.
    returned: Option<ReturnedCalls>,
    /// It yields: a generator function returns a generator, not what it returns.
    yields: bool,
    /// Locals bound to a new task, with the task's site.
    bound_tasks: Vec<(&'a str, Site)>,
    returned_names: Vec<&'a str>,
    /// Locals used in a way that keeps what they hold (stored, passed on, appended...).
    kept_names: FxHashSet<&'a str>,
    /// The functions of this module and the methods of `self` it calls (or awaits).
    calls: Vec<Reference>,
    /// What its statements change, when a loop of a coroutine may call it.
    effects: Option<Effects<'r, 'a>>,
}

impl<'a> FunctionWalk<'_, '_, 'a> {
    fn body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            if self.knows_all() {
                return;
            }
            walk_stmt_exprs(stmt, self);
            if let Some(effects) = &mut self.effects {
                effects.bind_statement(stmt);
            }
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => continue,
                // Both await something of unknown origin.
                Stmt::For(ast::StmtFor { is_async: true, .. })
                | Stmt::With(ast::StmtWith { is_async: true, .. }) => {
                    if let Some(coroutine) = &mut self.coroutine {
                        coroutine.suspends_directly = true;
                    }
                }
                _ => {}
            }
            for_each_child_body(stmt, |body| self.body(body));
        }
    }

    /// Whether the rest of the body cannot add to the facts: a coroutine that suspends for sure,
    /// whose changes do not matter.
    fn knows_all(&self) -> bool {
        let suspends = self
            .coroutine
            .as_ref()
            .is_some_and(|coroutine| coroutine.suspends_directly);
        suspends && self.effects.is_none() && self.returned.is_none()
    }

    /// An awaited expression of a coroutine.
    fn awaited(&mut self, expr: &Expr) {
        let Some(coroutine) = &mut self.coroutine else {
            return;
        };
        if coroutine.suspends_directly {
            return;
        }
        let reference = match expr {
            Expr::Call(call) => self.resolver.reference(&call.func),
            _ => None,
        };
        match reference {
            Some(reference) if !self.outside_suspends || self.top_level.may_define(&reference) => {
                coroutine.awaits.push(reference);
            }
            _ => coroutine.suspends_directly = true,
        }
    }

    /// A call: a project function it may call (when its changes matter), and, in a plain
    /// function, a task or a call it returns or binds.
    fn call(&mut self, call: &'a ast::ExprCall, use_: Use<'a>) {
        if self.effects.is_some() && self.resolver.may_name_project_function(&call.func) {
            if let Some(
                reference @ (Reference::InModule(_)
                | Reference::SelfMethod { .. }
                | Reference::SuperMethod { .. }),
            ) = self.resolver.reference(&call.func)
            {
                if !self.calls.contains(&reference) {
                    self.calls.push(reference);
                }
            }
        }
        if self.returned.is_none() {
            return;
        }
        let creates_task = || {
            self.creates_tasks
                && matches!(self.resolver.created_by(call), Some(Created::Task { .. }))
        };
        match use_ {
            Use::Returned => {
                let site = Site::of(self.source, call);
                // Any method: the configuration may name it as a task function.
                let reference = self.resolver.reference(&call.func);
                if let Some(returned) = &mut self.returned {
                    if creates_task() {
                        returned.created_task = Some(site);
                    } else if let Some(reference) = reference {
                        returned.calls.push((reference, site));
                    }
                }
            }
            Use::Assigned {
                target: Expr::Name(name),
            } if creates_task() => {
                let site = Site::of(self.source, call);
                self.bound_tasks.push((name.id.as_str(), site));
            }
            _ => {}
        }
    }
}

impl<'a> UseSink<'a> for FunctionWalk<'_, '_, 'a> {
    fn expr(&mut self, expr: &'a Expr, use_: Use<'a>) {
        if let Some(effects) = &mut self.effects {
            effects.expr(expr, use_);
        }
        if matches!(use_, Use::Awaited) {
            self.awaited(expr);
        }
        match expr {
            Expr::Call(call) => self.call(call, use_),
            Expr::Yield(_) | Expr::YieldFrom(_) => self.yields = true,
            Expr::Name(name) if self.returned.is_some() => match use_ {
                Use::Returned => self.returned_names.push(name.id.as_str()),
                use_ if keeps(use_) => {
                    self.kept_names.insert(name.id.as_str());
                }
                _ => {}
            },
            _ => {}
        }
    }
}
