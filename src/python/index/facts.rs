//! The index pass over one module: what it defines (functions and methods by their dotted path
//! in the module, classes and their bases, import bindings), and what the index needs to know of
//! each function: what a coroutine awaits, and which tasks a plain function returns without
//! keeping them.

use std::collections::HashSet;
use std::ops::Range;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::super::calls::Created;
use super::super::effects::lasting_changes;
use super::super::flow::keeps;
use super::super::resolve::{EnclosingClass, Reference, Resolver};
use super::super::semantic::{
    callable_of, contains_yield, dotted, Callable, FunctionScope, Module,
};
use super::super::uses::{for_each_child_body, walk_own_body_exprs, Use, UseSink};
use super::super::ParsedModule;
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
    /// [`lasting_changes`]).
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

/// Extracts one file's facts. A file that does not parse contributes its path only.
pub fn extract(source: &SourceFile, parsed: &ParsedModule) -> PythonFileFacts {
    let mut facts = PythonFileFacts {
        path: source.path.clone(),
        is_stub: source.path.ends_with(".pyi"),
        ..PythonFileFacts::default()
    };
    let Some(module) = parsed.module() else {
        return facts;
    };
    let model = Module::new(&module.body);
    facts.imports = model
        .imports()
        .map(|(local, qualified)| (local.to_owned(), qualified.to_owned()))
        .collect();
    let mut extractor = Extractor {
        model: &model,
        source,
        facts: &mut facts,
    };
    extractor.body(&module.body, None);
    facts
}

/// A class being walked: its name and its dotted path in the module.
type ClassAt<'a, 'p> = Option<(&'a str, &'p str)>;

struct Extractor<'m, 'a> {
    model: &'m Module<'a>,
    source: &'m SourceFile,
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
                        Some((_, outer)) => format!("{outer}.{name}"),
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
        class: ClassAt<'a, '_>,
    ) -> Resolver<'r, 'a> {
        Resolver {
            module: self.model,
            scopes,
            class: class.map(|(name, path)| EnclosingClass {
                name,
                path: Some(path.to_owned()),
            }),
            project: None,
        }
    }

    fn function(&mut self, function: &'a ast::StmtFunctionDef, class: ClassAt<'a, '_>) {
        let name = function.name.as_str();
        let path = match class {
            Some((_, class_path)) => format!("{class_path}.{name}"),
            None => name.to_owned(),
        };
        let class_facts = class.and_then(|(name, _)| self.model.classes.get(name));
        let scope = FunctionScope::of_function(self.model, function, &[], class_facts);
        let (kind, changes, calls) = {
            let resolver = self.resolver(vec![&scope], class);
            let changes = lasting_changes(&resolver, &scope, &function.body);
            let calls = called_references(&resolver, &function.body);
            let kind = match callable_of(function) {
                Callable::Coroutine => {
                    let unknown_body = self.facts.is_stub
                        || is_abstract(function)
                        || is_placeholder(&function.body);
                    FunctionKind::Coroutine(coroutine_facts(&resolver, function, unknown_body))
                }
                Callable::Other if !function.is_async && !contains_yield(&function.body) => {
                    let returned = returned_calls(&resolver, self.source, function);
                    if returned.created_task.is_some() || !returned.calls.is_empty() {
                        FunctionKind::ReturnsCalls(returned)
                    } else {
                        FunctionKind::Other
                    }
                }
                Callable::Other => FunctionKind::Other,
            };
            (kind, changes, calls)
        };
        let line = self
            .source
            .line_index(function.name.range().start().to_usize())
            + 1;
        self.facts.functions.push(FunctionFacts {
            path,
            line,
            kind,
            changes,
            calls,
        });
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

/// Whether a function's own body has an `async for` or `async with`: both await something of
/// unknown origin.
fn has_async_statements(body: &[Stmt]) -> bool {
    body.iter().any(|stmt| match stmt {
        Stmt::For(ast::StmtFor { is_async: true, .. })
        | Stmt::With(ast::StmtWith { is_async: true, .. }) => true,
        Stmt::FunctionDef(_) | Stmt::ClassDef(_) => false,
        _ => {
            let mut found = false;
            for_each_child_body(stmt, |body| found |= has_async_statements(body));
            found
        }
    })
}

/// The functions of this module and the methods of `self` that a body calls (or awaits).
fn called_references(resolver: &Resolver<'_, '_>, body: &[Stmt]) -> Vec<Reference> {
    struct Calls<'r, 'm, 'a> {
        resolver: &'r Resolver<'m, 'a>,
        found: Vec<Reference>,
    }
    impl<'a> UseSink<'a> for Calls<'_, '_, '_> {
        fn expr(&mut self, expr: &'a Expr, _use: Use<'a>) {
            let Expr::Call(call) = expr else { return };
            let reference = self.resolver.reference(&call.func);
            if let Some(
                reference @ (Reference::InModule(_)
                | Reference::SelfMethod { .. }
                | Reference::SuperMethod { .. }),
            ) = reference
            {
                if !self.found.contains(&reference) {
                    self.found.push(reference);
                }
            }
        }
    }
    let mut calls = Calls {
        resolver,
        found: Vec::new(),
    };
    walk_own_body_exprs(body, &mut calls);
    calls.found
}

fn coroutine_facts(
    resolver: &Resolver<'_, '_>,
    function: &ast::StmtFunctionDef,
    unknown_body: bool,
) -> CoroutineFacts {
    let mut sink = AwaitedCalls {
        resolver,
        facts: CoroutineFacts {
            suspends_directly: unknown_body || has_async_statements(&function.body),
            awaits: Vec::new(),
        },
    };
    walk_own_body_exprs(&function.body, &mut sink);
    sink.facts
}

/// Collects what a coroutine awaits.
struct AwaitedCalls<'r, 'm, 'a> {
    resolver: &'r Resolver<'m, 'a>,
    facts: CoroutineFacts,
}

impl<'a> UseSink<'a> for AwaitedCalls<'_, '_, '_> {
    fn expr(&mut self, expr: &'a Expr, use_: Use<'a>) {
        if !matches!(use_, Use::Awaited) {
            return;
        }
        let reference = match expr {
            Expr::Call(call) => self.resolver.reference(&call.func),
            _ => None,
        };
        match reference {
            Some(reference) => self.facts.awaits.push(reference),
            None => self.facts.suspends_directly = true,
        }
    }
}

fn returned_calls(
    resolver: &Resolver<'_, '_>,
    source: &SourceFile,
    function: &ast::StmtFunctionDef,
) -> ReturnedCalls {
    let mut sink = Returns {
        resolver,
        source,
        returned: ReturnedCalls::default(),
        bound_tasks: Vec::new(),
        returned_names: Vec::new(),
        kept_names: HashSet::new(),
    };
    walk_own_body_exprs(&function.body, &mut sink);
    let mut returned = sink.returned;
    if returned.created_task.is_none() {
        returned.created_task = sink
            .bound_tasks
            .into_iter()
            .find(|(name, _)| sink.returned_names.contains(name) && !sink.kept_names.contains(name))
            .map(|(_, site)| site);
    }
    returned
}

/// Collects the calls a plain function returns, directly (`return create_task(...)`) or through
/// a local that nothing else keeps (`task = create_task(...)`, `return task`).
struct Returns<'r, 'm, 'a> {
    resolver: &'r Resolver<'m, 'a>,
    source: &'r SourceFile,
    returned: ReturnedCalls,
    /// Locals bound to a new task, with the task's site.
    bound_tasks: Vec<(&'a str, Site)>,
    returned_names: Vec<&'a str>,
    /// Locals used in a way that keeps what they hold (stored, passed on, appended...).
    kept_names: HashSet<&'a str>,
}

impl<'a> UseSink<'a> for Returns<'_, '_, 'a> {
    fn expr(&mut self, expr: &'a Expr, use_: Use<'a>) {
        match (expr, use_) {
            (Expr::Call(call), Use::Returned) => {
                if matches!(self.resolver.created_by(call), Some(Created::Task { .. })) {
                    self.returned.created_task = Some(Site::of(self.source, call));
                } else if let Some(reference) = self.resolver.reference(&call.func) {
                    let site = Site::of(self.source, call);
                    self.returned.calls.push((reference, site));
                }
            }
            (
                Expr::Call(call),
                Use::Assigned {
                    target: Expr::Name(name),
                },
            ) => {
                if matches!(self.resolver.created_by(call), Some(Created::Task { .. })) {
                    let site = Site::of(self.source, call);
                    self.bound_tasks.push((name.id.as_str(), site));
                }
            }
            (Expr::Name(name), Use::Returned) => self.returned_names.push(name.id.as_str()),
            (Expr::Name(name), use_) if keeps(use_) => {
                self.kept_names.insert(name.id.as_str());
            }
            _ => {}
        }
    }
}
