//! The semantic model of one Python module: what names refer to (imports and aliases), which
//! functions are coroutine functions, which classes define what, which expressions evaluate to
//! an event loop, and the names bound in each function scope.

use memchr::memmem;
use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;
use rustc_hash::{FxHashMap, FxHashSet};

/// Module-level facts.
#[derive(Debug, Default)]
pub struct Module<'a> {
    /// Local name → dotted qualified name, from `import` and `from ... import`.
    imports: FxHashMap<&'a str, String>,
    /// `from asyncio import *` was seen.
    star_imports_asyncio: bool,
    /// Module-level functions, by name.
    pub functions: FxHashMap<&'a str, Callable>,
    /// Classes defined anywhere in the module, by name.
    pub classes: FxHashMap<&'a str, Class<'a>>,
    /// Module-level names bound to an event loop.
    loop_names: FxHashSet<&'a str>,
    /// The module's text.
    text: &'a str,
}

/// What calling a function returns, as far as task lifetimes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callable {
    /// An undecorated (or transparently decorated) `async def`: calling it makes a coroutine.
    Coroutine,
    /// Anything else.
    Other,
}

/// A class of this module.
#[derive(Debug, Default)]
pub struct Class<'a> {
    /// Base classes, as written.
    pub bases: Vec<&'a Expr>,
    /// Methods by name.
    pub methods: FxHashMap<&'a str, Callable>,
    /// Attributes of `self` assigned an event loop in some method (`self.loop = get_event_loop()`).
    loop_attributes: FxHashSet<&'a str>,
}

/// The names bound in one function (or lambda) scope.
#[derive(Debug, Default)]
pub struct FunctionScope<'a> {
    /// Every name bound in the scope: parameters, assignment targets, loop targets, imports,
    /// nested `def`s and classes.
    pub locals: FxHashSet<&'a str>,
    /// Names declared `global` or `nonlocal`.
    pub declared_outer: FxHashSet<&'a str>,
    /// Nested functions defined directly in this scope.
    pub functions: FxHashMap<&'a str, Callable>,
    /// Locals bound to an event loop.
    pub loop_locals: FxHashSet<&'a str>,
    /// Imports made inside the function: local name → dotted name.
    pub imports: FxHashMap<&'a str, String>,
}

/// Decorators that return the function itself, so an `async def` stays a coroutine function.
const TRANSPARENT_DECORATORS: &[&str] = &[
    "staticmethod",
    "classmethod",
    "abstractmethod",
    "abc.abstractmethod",
    "override",
    "typing.override",
    "typing_extensions.override",
];

/// Names conventionally used for an event loop: `loop.create_task(...)` on these is a task.
const LOOP_NAMES: &[&str] = &["loop", "_loop", "event_loop", "_event_loop", "io_loop"];

/// asyncio functions that return the (running or a new) event loop.
const LOOP_FACTORIES: &[&str] = &[
    "asyncio.get_event_loop",
    "asyncio.get_running_loop",
    "asyncio.new_event_loop",
    "asyncio.events.get_event_loop",
    "asyncio.events.get_running_loop",
    "asyncio.events.new_event_loop",
];

/// Names `from asyncio import *` brings in that matter to the rules.
const ASYNCIO_STAR_NAMES: &[&str] = &[
    "create_task",
    "ensure_future",
    "gather",
    "shield",
    "sleep",
    "wait",
    "wait_for",
    "get_event_loop",
    "get_running_loop",
    "new_event_loop",
    "run_coroutine_threadsafe",
    "open_connection",
    "start_server",
];

impl<'a> Module<'a> {
    /// Builds the module-level facts from a parsed module body and the module's text.
    pub fn new(body: &'a [Stmt], text: &'a str) -> Self {
        let mut module = Module {
            text,
            ..Module::default()
        };
        let mut collector = ModuleCollector {
            module: &mut module,
            class_stack: Vec::new(),
        };
        for stmt in body {
            collector.visit_stmt(stmt);
        }
        module.functions = callables_of(body, text);
        for stmt in body {
            if let Stmt::Assign(assign) = stmt {
                if module.is_loop_expr_here(&assign.value, None) {
                    for target in &assign.targets {
                        if let Expr::Name(name) = target {
                            module.loop_names.insert(name.id.as_str());
                        }
                    }
                }
            }
        }
        module
    }

    /// The dotted name an expression refers to through the module's imports:
    /// `aio.create_task` → `asyncio.create_task` after `import asyncio as aio`.
    /// Names bound locally in `scopes` shadow imports.
    pub fn qualified_name(&self, expr: &Expr, scopes: &[&FunctionScope<'_>]) -> Option<String> {
        match expr {
            Expr::Name(name) => {
                let id = name.id.as_str();
                for scope in scopes.iter().rev() {
                    if let Some(qualified) = scope.imports.get(id) {
                        return Some(qualified.clone());
                    }
                    if scope.locals.contains(id) {
                        return None;
                    }
                }
                if let Some(qualified) = self.imports.get(id) {
                    return Some(qualified.clone());
                }
                if self.star_imports_asyncio && ASYNCIO_STAR_NAMES.contains(&id) {
                    return Some(format!("asyncio.{id}"));
                }
                None
            }
            Expr::Attribute(attribute) => {
                let base = self.qualified_name(&attribute.value, scopes)?;
                Some(with_part(&base, attribute.attr.as_str()))
            }
            _ => None,
        }
    }

    /// Whether `expr` evaluates to an asyncio event loop: a call of `get_event_loop()`,
    /// `get_running_loop()` or `new_event_loop()`, a name or attribute bound to one, or a name
    /// or attribute conventionally naming one (`loop`, `self._loop`, `bot.loop`).
    pub fn is_loop_expr(
        &self,
        expr: &Expr,
        scopes: &[&FunctionScope<'_>],
        class: Option<&Class<'_>>,
    ) -> bool {
        match expr {
            Expr::Name(name) => {
                let id = name.id.as_str();
                LOOP_NAMES.contains(&id)
                    || scopes.iter().any(|scope| scope.loop_locals.contains(id))
                    || (!scopes.iter().any(|scope| scope.locals.contains(id))
                        && self.loop_names.contains(id))
            }
            Expr::Attribute(attribute) => {
                let attr = attribute.attr.as_str();
                LOOP_NAMES.contains(&attr)
                    || (is_self(&attribute.value)
                        && class.is_some_and(|class| class.loop_attributes.contains(attr)))
            }
            Expr::Call(call) => self
                .qualified_name(&call.func, scopes)
                .is_some_and(|name| LOOP_FACTORIES.contains(&name.as_str())),
            _ => false,
        }
    }

    /// [`Module::is_loop_expr`] while the module is still being built (no scopes).
    fn is_loop_expr_here(&self, expr: &Expr, class: Option<&Class<'_>>) -> bool {
        self.is_loop_expr(expr, &[], class)
    }

    /// The module-level import bindings: local name → dotted name (relative ones with their
    /// leading dots).
    pub fn imports(&self) -> impl Iterator<Item = (&'a str, &str)> + '_ {
        self.imports
            .iter()
            .map(|(local, qualified)| (*local, qualified.as_str()))
    }

    /// What calling method `name` on an instance of class `class_name` returns, following the
    /// bases defined in this module in order. `None` when unknown (a base defined elsewhere
    /// comes first, or nothing defines it).
    pub fn method(&self, class_name: &str, name: &str) -> Option<Callable> {
        self.method_with_depth(class_name, name, 0)
    }

    fn method_with_depth(&self, class_name: &str, name: &str, depth: usize) -> Option<Callable> {
        let class = self.classes.get(class_name)?;
        if let Some(callable) = class.methods.get(name) {
            return Some(*callable);
        }
        if depth > 16 {
            return None;
        }
        for base in &class.bases {
            let Expr::Name(base) = base else { return None };
            match self.method_with_depth(base.id.as_str(), name, depth + 1) {
                Some(callable) => return Some(callable),
                None if self.classes.contains_key(base.id.as_str()) => continue,
                None => return None,
            }
        }
        None
    }
}

/// Collects the module-level imports and the classes (at any depth).
struct ModuleCollector<'m, 'a> {
    module: &'m mut Module<'a>,
    class_stack: Vec<&'a str>,
}

/// The names an import statement binds, and the dotted name each refers to:
/// `import asyncio as aio` → (`aio`, `asyncio`); `import asyncio.subprocess` → (`asyncio`,
/// `asyncio`); `from asyncio import sleep` → (`sleep`, `asyncio.sleep`). A star import binds
/// `*` to its module. A relative import keeps its leading dots, one per level (`from ..store
/// import persist` → (`persist`, `..store.persist`), `from . import jobs` → (`jobs`, `.jobs`)),
/// for the project index to resolve against the importing module's package.
fn imported_names(stmt: &Stmt) -> Vec<(&str, String)> {
    match stmt {
        Stmt::Import(import) => import
            .names
            .iter()
            .map(|alias| {
                let full = alias.name.as_str();
                match &alias.asname {
                    Some(asname) => (asname.as_str(), full.to_owned()),
                    None => {
                        let top = full.split('.').next().unwrap_or(full);
                        (top, top.to_owned())
                    }
                }
            })
            .collect(),
        Stmt::ImportFrom(import) => {
            let dots = ".".repeat(import.level as usize);
            let module_name = match &import.module {
                Some(module) => format!("{dots}{}", module.as_str()),
                None => dots,
            };
            import
                .names
                .iter()
                .map(|alias| {
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    let qualified = if local == "*" {
                        module_name.clone()
                    } else if module_name.ends_with('.') {
                        module_name.clone() + alias.name.as_str()
                    } else {
                        with_part(&module_name, alias.name.as_str())
                    };
                    (local, qualified)
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

impl<'a> Visitor<'a> for ModuleCollector<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) if self.class_stack.is_empty() => {
                for (local, qualified) in imported_names(stmt) {
                    if local == "*" {
                        self.module.star_imports_asyncio |= qualified == "asyncio";
                    } else {
                        self.module.imports.insert(local, qualified);
                    }
                }
            }
            // Imports inside functions belong to the function's scope.
            Stmt::FunctionDef(_) if self.class_stack.is_empty() => {}
            Stmt::ClassDef(class_def) => {
                let class = Class {
                    bases: class_def.bases().iter().collect(),
                    methods: callables_of(&class_def.body, self.module.text),
                    loop_attributes: FxHashSet::default(),
                };
                self.module.classes.insert(class_def.name.as_str(), class);
                self.class_stack.push(class_def.name.as_str());
                walk_stmt(self, stmt);
                self.class_stack.pop();
            }
            Stmt::Assign(assign) => {
                if let Some(class_name) = self.class_stack.last() {
                    let is_loop = {
                        let class = self.module.classes.get(class_name);
                        self.module.is_loop_expr_here(&assign.value, class)
                    };
                    if is_loop {
                        for target in &assign.targets {
                            if let Some(attr) = self_attribute(target) {
                                if let Some(class) = self.module.classes.get_mut(class_name) {
                                    class.loop_attributes.insert(attr);
                                }
                            }
                        }
                    }
                }
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {}
}

/// The functions defined directly in a body of the module whose text is `text`, and what
/// calling each returns.
fn callables_of<'a>(body: &'a [Stmt], text: &str) -> FxHashMap<&'a str, Callable> {
    let mut callables = FxHashMap::default();
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(function) => {
                callables.insert(function.name.as_str(), callable_of(function, text));
            }
            // A later rebinding of the name makes it something else.
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Expr::Name(name) = target {
                        callables.insert(name.id.as_str(), Callable::Other);
                    }
                }
            }
            _ => {}
        }
    }
    callables
}

/// What calling this function of the module whose text is `text` returns.
pub fn callable_of(function: &ast::StmtFunctionDef, text: &str) -> Callable {
    let transparent = function.decorator_list.iter().all(|decorator| {
        dotted(&decorator.expression)
            .is_some_and(|name| TRANSPARENT_DECORATORS.contains(&name.as_str()))
    });
    if function.is_async && transparent && !yields(function, text) {
        Callable::Coroutine
    } else {
        Callable::Other
    }
}

/// The dotted text of a name or attribute chain (`abc.abstractmethod`).
pub fn dotted(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str().to_owned()),
        Expr::Attribute(attribute) => Some(with_part(
            &dotted(&attribute.value)?,
            attribute.attr.as_str(),
        )),
        _ => None,
    }
}

/// `dotted` with one more part (`pkg.store` and `persist` make `pkg.store.persist`), allocated
/// once: `format!` starts from an empty string and grows it as it writes, which the many names
/// of the semantic model and the index pay for.
pub fn with_part(dotted: &str, part: &str) -> String {
    let mut name = String::with_capacity(dotted.len() + 1 + part.len());
    name.push_str(dotted);
    name.push('.');
    name.push_str(part);
    name
}

/// The value of a constant test (`True`, `while 1:`, `False`), if it is one.
pub fn constant_truth(test: &Expr) -> Option<bool> {
    match test {
        Expr::BooleanLiteral(literal) => Some(literal.value),
        Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(int) => Some(*int != ast::Int::ZERO),
            _ => None,
        },
        _ => None,
    }
}

/// `self` or `cls`.
pub fn is_self(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(name) if matches!(name.id.as_str(), "self" | "cls"))
}

/// The attribute name of `self.<attr>`.
pub fn self_attribute(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Attribute(attribute) if is_self(&attribute.value) => Some(attribute.attr.as_str()),
        _ => None,
    }
}

/// Whether a function of the module whose text is `text` yields in its own body (an async
/// generator is not a coroutine function). Only a function whose text has the word `yield` is
/// walked.
pub fn yields(function: &ast::StmtFunctionDef, text: &str) -> bool {
    let mentions_yield = text
        .get(function.range().to_std_range())
        .is_none_or(|function_text| memmem::find(function_text.as_bytes(), b"yield").is_some());
    mentions_yield && contains_yield(&function.body)
}

/// Whether a function body yields.
fn contains_yield(body: &[Stmt]) -> bool {
    struct YieldFinder(bool);
    impl<'a> Visitor<'a> for YieldFinder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Yield(_) | Expr::YieldFrom(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => walk_expr(self, expr),
            }
        }
    }
    let mut finder = YieldFinder(false);
    for stmt in body {
        finder.visit_stmt(stmt);
    }
    finder.0
}

impl<'a> FunctionScope<'a> {
    /// The scope of a function: its parameters and every name bound in its body (not in nested
    /// functions or classes).
    pub fn of_function(
        module: &Module<'_>,
        function: &'a ast::StmtFunctionDef,
        outer: &[&FunctionScope<'_>],
        class: Option<&Class<'_>>,
    ) -> Self {
        let mut scope = FunctionScope::bindings_of(module, function);
        scope.find_loop_locals(module, &function.body, outer, class);
        scope
    }

    /// The scope of a function without its [`FunctionScope::loop_locals`], for code that
    /// does not look for event loops.
    pub fn bindings_of(module: &Module<'_>, function: &'a ast::StmtFunctionDef) -> Self {
        let mut scope = FunctionScope::parameters_of(function);
        let mut binder = Binder { scope: &mut scope };
        for stmt in &function.body {
            binder.visit_stmt(stmt);
        }
        scope.functions = callables_of(&function.body, module.text);
        scope
    }

    /// A function's parameters only, for code that resolves the names a body calls and can
    /// take a local for a name of the module.
    pub fn parameters_of(function: &'a ast::StmtFunctionDef) -> Self {
        let mut scope = FunctionScope::default();
        for parameter in function.parameters.iter() {
            scope.locals.insert(parameter.name().as_str());
        }
        scope
    }

    /// The scope of a lambda: its parameters.
    pub fn of_lambda(lambda: &'a ast::ExprLambda) -> Self {
        let mut scope = FunctionScope::default();
        if let Some(parameters) = &lambda.parameters {
            for parameter in parameters.iter() {
                scope.locals.insert(parameter.name().as_str());
            }
        }
        scope
    }

    /// Whether `name` is a local of this scope (bound here and not declared global/nonlocal).
    pub fn is_local(&self, name: &str) -> bool {
        self.locals.contains(name) && !self.declared_outer.contains(name)
    }

    fn find_loop_locals(
        &mut self,
        module: &Module<'_>,
        body: &'a [Stmt],
        outer: &[&FunctionScope<'_>],
        class: Option<&Class<'_>>,
    ) {
        struct LoopAssignments<'a>(Vec<(&'a Expr, &'a Expr)>);
        impl<'a> Visitor<'a> for LoopAssignments<'a> {
            fn visit_stmt(&mut self, stmt: &'a Stmt) {
                match stmt {
                    Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                    Stmt::Assign(assign) => {
                        for target in &assign.targets {
                            self.0.push((target, &assign.value));
                        }
                    }
                    Stmt::AnnAssign(assign) => {
                        if let Some(value) = &assign.value {
                            self.0.push((&assign.target, value));
                        }
                    }
                    _ => walk_stmt(self, stmt),
                }
            }
            fn visit_expr(&mut self, _expr: &'a Expr) {}
        }
        let mut assignments = LoopAssignments(Vec::new());
        for stmt in body {
            assignments.visit_stmt(stmt);
        }
        let mut scopes: Vec<&FunctionScope<'_>> = outer.to_vec();
        let mut loop_locals = FxHashSet::default();
        {
            let this = &*self;
            scopes.push(this);
            for (target, value) in &assignments.0 {
                if let Expr::Name(name) = target {
                    if module.is_loop_expr(value, &scopes, class) {
                        loop_locals.insert(name.id.as_str());
                    }
                }
            }
        }
        self.loop_locals = loop_locals;
    }
}

/// Records the names a function body binds.
struct Binder<'s, 'a> {
    scope: &'s mut FunctionScope<'a>,
}

impl<'a> Binder<'_, 'a> {
    fn bind_target(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(name) => {
                self.scope.locals.insert(name.id.as_str());
            }
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| self.bind_target(elt)),
            Expr::List(list) => list.elts.iter().for_each(|elt| self.bind_target(elt)),
            Expr::Starred(starred) => self.bind_target(&starred.value),
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for Binder<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => {
                self.scope.locals.insert(function.name.as_str());
                return;
            }
            Stmt::ClassDef(class) => {
                self.scope.locals.insert(class.name.as_str());
                return;
            }
            Stmt::Assign(assign) => assign.targets.iter().for_each(|t| self.bind_target(t)),
            Stmt::AnnAssign(assign) => self.bind_target(&assign.target),
            Stmt::AugAssign(assign) => self.bind_target(&assign.target),
            Stmt::For(for_stmt) => self.bind_target(&for_stmt.target),
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(vars) = &item.optional_vars {
                        self.bind_target(vars);
                    }
                }
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) => {
                for (local, qualified) in imported_names(stmt) {
                    self.scope.locals.insert(local);
                    self.scope.imports.insert(local, qualified);
                }
            }
            Stmt::Global(global) => global.names.iter().for_each(|n| {
                self.scope.declared_outer.insert(n.as_str());
            }),
            Stmt::Nonlocal(nonlocal) => nonlocal.names.iter().for_each(|n| {
                self.scope.declared_outer.insert(n.as_str());
            }),
            Stmt::Try(try_stmt) => {
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.scope.locals.insert(name.as_str());
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Named(named) => {
                self.bind_target(&named.target);
                walk_expr(self, expr);
            }
            // Lambdas and comprehensions have scopes of their own.
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_) => {}
            _ => walk_expr(self, expr),
        }
    }
}
