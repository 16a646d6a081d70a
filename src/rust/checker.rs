//! The walk that runs the Rust detectors. It goes through every function, method, closure and
//! async block of a file, finds the expressions that create a task handle, a `JoinSet` or a
//! future, works out how each value is used (and, for one bound to a variable, follows it through
//! the body that binds it), and hands the site to the rules.
//!
//! A bare `spawn(..)` that the imports do not explain (a glob of two runtimes, a glob of a
//! project module, no import at all) is resolved through the runtime crates of the nearest
//! `Cargo.toml`, when exactly one of them fits; a `spawn` given a closure is a thread, not a task.
//! A call the file does not explain is looked up in the project index: a function of another
//! module that returns a future (TL003), or a task wrapper that returns a fresh task (TL001). In
//! async code, each `loop` and `while` is checked for a path that spins without yielding (TL004).
//!
//! The same walk, in [`Checker::facts`] mode, collects what the index pass needs to know about
//! each function (see `facts`).

use std::cell::{Cell, RefCell};
use std::ops::Range;

use syn::spanned::Spanned;

use super::api::{self, HandleKind, KnownType, MethodResult, TaskSource};
use super::effects::{self, Calls, Known, Purpose};
use super::facts;
use super::fixes;
use super::flow::{self, is_self_field, Body, FlowResult, Followed, Site, Target};
use super::index::{is_summary_place, CallEffect, Callee, FunctionFacts, Target as ProjectTarget};
use super::macros::MacroBodies;
use super::manifest;
use super::model::{type_name, Model, Place, Resolved};
pub use super::project::Project;
use super::project::Reading;
use super::rules::{tl001, tl002, tl003, tl004, tl005};
use super::types::{strip, Typer};
use super::uses::{bound_ident, pattern_idents, walk_block, walk_expr, Container, Use, UseVisitor};
use super::yields::{self, AwaitClass, Awaits, Inline};
use crate::diagnostic::{Diagnostic, Label};
use crate::source::SourceFile;

/// Methods of a task handle that only look at it.
const TASK_LOOKING_METHODS: &[&str] = &["is_finished", "id", "metadata"];
/// Methods of a `JoinSet` that neither join, detach nor abort its tasks.
const JOIN_SET_LOOKING_METHODS: &[&str] = &[
    "is_empty",
    "len",
    "spawn",
    "spawn_local",
    "spawn_on",
    "spawn_local_on",
    "spawn_blocking",
    "spawn_blocking_on",
    "build_task",
];
/// Methods of a future that only look at it.
const FUTURE_LOOKING_METHODS: &[&str] = &["is_terminated"];

/// A variable that holds the created value, followed through its body.
#[derive(Debug)]
pub struct Binding {
    pub name: String,
    pub flow: FlowResult,
}

/// A call that spawns a task (or creates a `JoinSet`), with what happens to its handle.
pub struct TaskSite<'a> {
    /// The spawning call.
    pub range: Range<usize>,
    /// The whole spawning expression.
    pub expr: &'a syn::Expr,
    /// The expression is a whole expression statement ([`fixes::is_statement`]).
    pub statement: bool,
    pub kind: HandleKind,
    /// How the API is named in messages: `tokio::spawn`, `Executor::spawn`.
    pub api: String,
    pub use_: Use<'a>,
    pub binding: Option<Binding>,
    /// For a task wrapper of the project: where its task is spawned, on the call.
    pub wrapper: Option<Label>,
}

/// An expression that creates a future, with what happens to it.
pub struct FutureSite<'a> {
    pub range: Range<usize>,
    /// The whole expression that creates the future.
    pub expr: &'a syn::Expr,
    /// `sleep`, `Client::connect`, or `async block`.
    pub name: String,
    pub use_: Use<'a>,
    pub binding: Option<Binding>,
    /// The code around it can `.await`.
    pub in_async: bool,
    /// The source text of the expression, when it is short enough to quote in the help.
    pub text: Option<String>,
}

/// What an expression creates.
enum Created {
    Task {
        source: TaskSource,
        api: String,
        /// A task from a project wrapper (or a configured function): a note on the call.
        wrapper: Option<Label>,
    },
    Future {
        name: String,
    },
}

/// A call the project index may know.
#[derive(Clone, Copy)]
enum ProjectCall<'c> {
    Path(&'c syn::Path),
    Method(&'c syn::ExprMethodCall),
}

/// A function, closure or async block whose body is being walked.
#[derive(Clone, Copy)]
enum BodyFrame<'a> {
    Function {
        block: &'a syn::Block,
        sig: &'a syn::Signature,
    },
    Closure(&'a syn::ExprClosure),
    Async(&'a syn::ExprAsync),
}

/// One function (or method) being walked, with the types of its names.
struct FunctionFrame<'m, 'a> {
    typer: Typer<'m, 'a>,
    bodies: Vec<BodyFrame<'a>>,
}

/// What a walk is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Run the rules.
    Lint,
    /// Collect the facts of each function for the index.
    Index,
}

/// Walks one file and collects the Rust rules' findings.
pub struct Checker<'m, 'a> {
    source: &'m SourceFile,
    model: &'m Model<'a>,
    macros: &'a MacroBodies,
    project: Project<'m>,
    mode: Mode,
    place: Place,
    functions: Vec<FunctionFrame<'m, 'a>>,
    /// The dependencies of the file's package, read on first need.
    dependencies: Option<Option<manifest::Dependencies>>,
    diagnostics: Vec<Diagnostic>,
    /// The facts of the functions walked, in index mode.
    facts: Vec<FunctionFacts>,
    /// Effects of calls recorded for the function being collected, in index mode.
    call_effects: RefCell<Vec<CallEffect>>,
    /// Whether what calls read is recorded (while reading the values a function returns).
    recording_reads: Cell<bool>,
    /// The path of each module of the file from the crate root, by the model's index.
    module_paths: Vec<Vec<String>>,
}

impl<'m, 'a> Checker<'m, 'a> {
    pub fn new(
        source: &'m SourceFile,
        model: &'m Model<'a>,
        macros: &'a MacroBodies,
        project: Project<'m>,
    ) -> Self {
        Checker {
            source,
            model,
            macros,
            project,
            mode: Mode::Lint,
            place: Place::default(),
            functions: Vec::new(),
            dependencies: None,
            diagnostics: Vec::new(),
            facts: Vec::new(),
            call_effects: RefCell::new(Vec::new()),
            recording_reads: Cell::new(false),
            module_paths: model
                .modules()
                .map(|view| {
                    project
                        .scope
                        .module
                        .iter()
                        .chain(&view.path)
                        .cloned()
                        .collect()
                })
                .collect(),
        }
    }

    /// Runs the rules over the items of a file.
    pub fn run(mut self, file: &'a syn::File) -> Vec<Diagnostic> {
        for item in &file.items {
            self.item(item);
        }
        self.diagnostics
    }

    /// The index facts of the functions and methods of a file (not those nested in bodies).
    pub fn facts(mut self, file: &'a syn::File) -> Vec<FunctionFacts> {
        self.mode = Mode::Index;
        for item in &file.items {
            self.item(item);
        }
        self.facts
    }

    fn function(
        &mut self,
        sig: &'a syn::Signature,
        attrs: &'a [syn::Attribute],
        block: &'a syn::Block,
    ) {
        let typer = Typer::new(self.model, self.place.clone(), parameters(sig), block);
        self.functions.push(FunctionFrame {
            typer,
            bodies: vec![BodyFrame::Function { block, sig }],
        });
        match self.mode {
            Mode::Lint => walk_block(self, block, Use::Returned),
            Mode::Index => {
                let facts = facts::collect(self, sig, attrs, block);
                self.facts.push(facts);
            }
        }
        self.functions.pop();
    }

    /// The 1-based line of a byte offset of the file.
    pub fn line(&self, offset: usize) -> usize {
        self.source.position(offset).line
    }

    pub fn macros(&self) -> &'a MacroBodies {
        self.macros
    }

    /// The type of the `impl` (or trait) being walked.
    pub fn self_type(&self) -> Option<&str> {
        self.place.self_type.as_deref()
    }

    /// The module being walked, from the crate root.
    pub fn module_path(&self) -> Vec<String> {
        self.module_paths
            .get(self.place.module)
            .cloned()
            .unwrap_or_else(|| self.project.scope.module.clone())
    }

    /// The call of a project function a path may name (not a local closure).
    pub fn callee_of_path(&self, path: &syn::Path) -> Option<Callee> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let [name] = segments.as_slice() {
            if self.typer().is_some_and(|typer| typer.is_local(name)) {
                return None;
            }
        }
        Some(Callee::Path {
            module: self.module_path(),
            self_type: self.place.self_type.clone(),
            segments,
        })
    }

    /// The method of a type of the project a method call may call (its receiver's type known).
    pub fn callee_of_method(&self, call: &syn::ExprMethodCall) -> Option<Callee> {
        match self.typer()?.type_of_expr(&call.receiver)? {
            KnownType::Local(owner) => Some(Callee::Method {
                owner,
                name: call.method.to_string(),
            }),
            _ => None,
        }
    }

    /// The call of a project function an awaited expression may be.
    pub fn await_callee(&self, base: &syn::Expr) -> Option<Callee> {
        match base {
            syn::Expr::Paren(inner) => self.await_callee(&inner.expr),
            syn::Expr::Group(inner) => self.await_callee(&inner.expr),
            syn::Expr::Call(call) => match &*call.func {
                syn::Expr::Path(func) if func.qself.is_none() => self.callee_of_path(&func.path),
                _ => None,
            },
            syn::Expr::MethodCall(call) => self.callee_of_method(call),
            _ => None,
        }
    }

    /// The handle a call spawns directly (a runtime's spawn, not a tuple of handles).
    pub fn spawned_handle(&mut self, expr: &'a syn::Expr) -> Option<HandleKind> {
        match self.created_by(expr)? {
            Created::Task { source, .. } if source.tuple_index.is_none() => Some(source.kind),
            _ => None,
        }
    }

    /// The call effects recorded since the last call, each once.
    pub fn take_call_effects(&self) -> Vec<CallEffect> {
        let mut effects = self.call_effects.take();
        let mut seen = std::collections::HashSet::new();
        effects.retain(|effect| seen.insert(effect.clone()));
        effects
    }

    /// Runs `read` while recording what calls read.
    pub fn recording_reads<T>(&self, read: impl FnOnce() -> T) -> T {
        self.recording_reads.set(true);
        let value = read();
        self.recording_reads.set(false);
        value
    }

    fn with_self_type(&mut self, self_type: Option<String>, walk: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.place.self_type, self_type);
        walk(self);
        self.place.self_type = outer;
    }

    fn typer(&self) -> Option<&Typer<'m, 'a>> {
        self.functions.last().map(|frame| &frame.typer)
    }

    fn body(&self) -> Option<BodyFrame<'a>> {
        self.functions.last()?.bodies.last().copied()
    }

    fn in_body(&mut self, body: BodyFrame<'a>, walk: impl FnOnce(&mut Self)) {
        if let Some(frame) = self.functions.last_mut() {
            frame.bodies.push(body);
        }
        walk(self);
        if let Some(frame) = self.functions.last_mut() {
            frame.bodies.pop();
        }
    }

    /// Whether the innermost body can `.await`.
    fn in_async(&self) -> bool {
        match self.body() {
            Some(BodyFrame::Function { sig, .. }) => sig.asyncness.is_some(),
            Some(BodyFrame::Closure(closure)) => closure.asyncness.is_some(),
            Some(BodyFrame::Async(_)) => true,
            None => false,
        }
    }

    /// What a call or async block creates.
    fn created_by(&mut self, expr: &'a syn::Expr) -> Option<Created> {
        match expr {
            syn::Expr::Call(call) => {
                let syn::Expr::Path(func) = &*call.func else {
                    return None;
                };
                if func.qself.is_some() {
                    return None;
                }
                self.created_by_function(&func.path, call.args.first())
            }
            syn::Expr::MethodCall(call) => self.created_by_method(call),
            syn::Expr::Async(_) => Some(Created::Future {
                name: "async block".to_owned(),
            }),
            _ => None,
        }
    }

    fn created_by_function(
        &mut self,
        path: &syn::Path,
        first_arg: Option<&syn::Expr>,
    ) -> Option<Created> {
        let single = match path.segments.iter().collect::<Vec<_>>().as_slice() {
            [segment] => Some(segment.ident.to_string()),
            _ => None,
        };
        if let Some(name) = &single {
            if self.typer().is_some_and(|typer| typer.is_local(name)) {
                return None;
            }
        }
        match self.model.resolve(&self.place, path) {
            Resolved::External(known) => {
                created_by_path(&known).or_else(|| self.created_by_project(ProjectCall::Path(path)))
            }
            Resolved::Function(facts) if facts.returns_future => Some(Created::Future {
                name: single.unwrap_or_else(|| path_text(path)),
            }),
            Resolved::Associated { ty, name } => match self.model.method(&ty, &name) {
                Some(facts) if facts.returns_future => Some(Created::Future {
                    name: format!("{ty}::{name}"),
                }),
                _ => self.created_by_project(ProjectCall::Path(path)),
            },
            Resolved::Bare {
                name,
                candidates,
                open,
            } => {
                let passes_closure =
                    first_arg.is_some_and(|arg| matches!(strip(arg), syn::Expr::Closure(_)));
                match self.choose_bare(&name, candidates, open, passes_closure) {
                    Some(known) => created_by_path(&known),
                    None => self.created_by_project(ProjectCall::Path(path)),
                }
            }
            Resolved::Function(_) | Resolved::Unknown => {
                self.created_by_project(ProjectCall::Path(path))
            }
        }
    }

    /// What a call creates according to the project index: a future of a project function, a
    /// task from a wrapper, or from a configured external function. `method` is the method call
    /// when the call is one.
    fn created_by_project(&mut self, call: ProjectCall<'_>) -> Option<Created> {
        let (callee, name, note_range, method) = match call {
            ProjectCall::Method(call) => {
                let callee = self.callee_of_method(call)?;
                let Callee::Method { owner, name } = &callee else {
                    return None;
                };
                let name = format!("{owner}::{name}");
                (callee, name, call.method.span().byte_range(), true)
            }
            ProjectCall::Path(path) => {
                let callee = self.callee_of_path(path)?;
                (callee, path_text(path), path.span().byte_range(), false)
            }
        };
        match self.project.target(&callee, Reading::Creation) {
            ProjectTarget::Project(merged) => {
                if method && !merged.has_receiver() {
                    return None;
                }
                if let Some(wrapper) = merged.unkept_task() {
                    let short = name.rsplit("::").next().unwrap_or(&name).to_owned();
                    return Some(Created::Task {
                        source: TaskSource {
                            kind: wrapper.kind,
                            tuple_index: None,
                        },
                        api: name,
                        wrapper: Some(Label {
                            range: note_range,
                            message: format!(
                                "`{short}` spawns the task at {} and returns it without keeping it",
                                wrapper.location
                            ),
                        }),
                    });
                }
                merged.returns_future().then_some(Created::Future { name })
            }
            ProjectTarget::External(external) => {
                if self.project.index.is_external_task(&external) {
                    let kind = self.external_task_kind();
                    return Some(Created::Task {
                        source: TaskSource {
                            kind,
                            tuple_index: None,
                        },
                        api: name,
                        wrapper: Some(Label {
                            range: note_range,
                            message: format!(
                                "`{external}` returns a task (configured in `tasklint.toml`)"
                            ),
                        }),
                    });
                }
                self.project
                    .index
                    .is_external_coroutine(&external)
                    .then_some(Created::Future { name })
            }
            ProjectTarget::Unknown => None,
        }
    }

    /// The handle a configured external task function returns: a cancelling one in a package
    /// that uses only smol-style runtimes, else a detaching one.
    fn external_task_kind(&mut self) -> HandleKind {
        let cancelling = [
            "smol",
            "async_executor",
            "async_task",
            "async_global_executor",
        ];
        match self.dependencies() {
            Some(dependencies)
                if !dependencies.contains("tokio")
                    && cancelling.iter().any(|name| dependencies.contains(*name)) =>
            {
                HandleKind::AsyncTask
            }
            _ => HandleKind::TokioJoinHandle,
        }
    }

    /// The path a bare name resolves to: the one candidate of the globs, or the one the
    /// dependencies of the package allow. Without a candidate, a call given a closure is a
    /// thread spawn (`std::thread::spawn`), unless the name is `spawn_blocking`.
    fn choose_bare(
        &mut self,
        name: &str,
        candidates: Vec<String>,
        open: bool,
        passes_closure: bool,
    ) -> Option<String> {
        if let [only] = candidates.as_slice() {
            return Some(only.clone());
        }
        let options: Vec<String> = if candidates.is_empty() {
            if !open || (passes_closure && name != "spawn_blocking") {
                return None;
            }
            api::spawn_functions_named(name)
                .map(|(path, _)| path.to_owned())
                .collect()
        } else {
            candidates
        };
        if options.is_empty() {
            return None;
        }
        let dependencies = self.dependencies()?;
        let fitting: Vec<&String> = options
            .iter()
            .filter(|path| dependencies.contains(api::crate_of(path)))
            .collect();
        let (first, others) = fitting.split_first()?;
        // Several fitting paths agree when they spawn the same kind of handle.
        let kind = |path: &str| match created_by_path(path) {
            Some(Created::Task { source, .. }) => Some(source),
            _ => None,
        };
        let agree = others
            .iter()
            .all(|path| kind(path).is_some() && kind(path) == kind(first));
        agree.then(|| (*first).clone())
    }

    fn dependencies(&mut self) -> Option<manifest::Dependencies> {
        let path = &self.source.path;
        self.dependencies
            .get_or_insert_with(|| manifest::dependencies_of(path))
            .clone()
    }

    fn created_by_method(&mut self, call: &'a syn::ExprMethodCall) -> Option<Created> {
        let method = call.method.to_string();
        if let Some((_, source)) = api::SPAWN_METHODS_ANY_RECEIVER
            .iter()
            .find(|(name, _)| *name == method)
        {
            return Some(Created::Task {
                source: *source,
                api: method,
                wrapper: None,
            });
        }
        let receiver = self.typer()?.type_of_expr(&call.receiver)?;
        if let KnownType::Local(ty) = &receiver {
            return match self.model.method(ty, &method) {
                Some(facts) if facts.returns_future => {
                    facts.has_receiver.then(|| Created::Future {
                        name: format!("{ty}::{method}"),
                    })
                }
                // A method of another file, or a task wrapper.
                _ => self.created_by_project(ProjectCall::Method(call)),
            };
        }
        match api::method_result(&receiver, &method)? {
            MethodResult::Task(kind) => Some(Created::Task {
                source: TaskSource {
                    kind,
                    tuple_index: None,
                },
                api: format!("{}::{method}", type_label(&receiver)),
                wrapper: None,
            }),
            MethodResult::Future => Some(Created::Future {
                name: format!("{}::{method}", type_label(&receiver)),
            }),
            MethodResult::Value(_) => None,
        }
    }

    /// `let set: JoinSet<_> = ..collect();`: a `JoinSet` made by a call that is not its
    /// constructor.
    fn annotated_join_set(&self, expr: &syn::Expr, use_: Use<'a>) -> Option<Created> {
        let Use::Bound(syn::Pat::Type(typed)) = use_ else {
            return None;
        };
        if !matches!(expr, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
            return None;
        }
        let ty = self.typer()?.type_of_type(&typed.ty)?;
        (ty == KnownType::TokioJoinSet).then(|| Created::Task {
            source: TaskSource {
                kind: HandleKind::JoinSet,
                tuple_index: None,
            },
            api: "JoinSet".to_owned(),
            wrapper: None,
        })
    }

    /// Follows the variable a value is bound to, if it is bound to one.
    fn follow(&self, use_: Use<'a>, looking: &'static [&'static str]) -> Option<Binding> {
        let (target, site) = match use_ {
            Use::Bound(pat) => {
                let ident = bound_ident(pat)?;
                (Target::Variable(ident.ident.to_string()), Site::Let(ident))
            }
            Use::Assigned(place) => {
                let target = match place {
                    syn::Expr::Path(path) => Target::Variable(path.path.get_ident()?.to_string()),
                    place => Target::SelfField(is_self_field(place)?),
                };
                (target, Site::Assign(place))
            }
            _ => return None,
        };
        let name = target.variable().unwrap_or_default().to_owned();
        let body = match self.body()? {
            BodyFrame::Function { block, sig } => Body::Function {
                block,
                parameter: binds(parameters(sig).map(|typed| &*typed.pat), &name),
            },
            BodyFrame::Closure(closure) => Body::Closure {
                body: &closure.body,
                parameter: binds(&closure.inputs, &name),
            },
            BodyFrame::Async(block) => Body::Async(&block.block),
        };
        let followed = Followed {
            target: target.clone(),
            site,
            non_keeping_methods: looking,
        };
        Some(Binding {
            name: target.display(),
            flow: flow::follow(self.macros, body, followed),
        })
    }

    /// The range a finding points at: the whole call when it fits on one line, else the call up
    /// to its function or method name (`ex.spawn`), so a spawned `async` block is not underlined.
    fn primary_range(&self, expr: &syn::Expr) -> Range<usize> {
        let whole = expr.span().byte_range();
        let one_line = self
            .source
            .text
            .get(whole.clone())
            .is_some_and(|text| !text.contains('\n'));
        if one_line {
            return whole;
        }
        let head_end = match expr {
            syn::Expr::Call(call) => call.func.span().byte_range().end,
            syn::Expr::MethodCall(call) => call.method.span().byte_range().end,
            syn::Expr::Async(block) => block.async_token.span.byte_range().end,
            _ => whole.end,
        };
        whole.start..head_end.max(whole.start)
    }

    fn on_task(
        &mut self,
        expr: &'a syn::Expr,
        source: TaskSource,
        api: String,
        wrapper: Option<Label>,
        use_: Use<'a>,
    ) {
        let use_ = match source.tuple_index {
            None => use_,
            Some(index) => match tuple_element(use_, index) {
                Some(use_) => use_,
                None => return,
            },
        };
        let looking = match source.kind {
            HandleKind::JoinSet => JOIN_SET_LOOKING_METHODS,
            _ => TASK_LOOKING_METHODS,
        };
        let site = TaskSite {
            range: self.primary_range(expr),
            expr,
            statement: fixes::is_statement(&self.source.text, &expr.span().byte_range()),
            kind: source.kind,
            api,
            use_,
            binding: self.follow(use_, looking),
            wrapper,
        };
        let diagnostic = tl002::check(&site)
            .or_else(|| tl001::check(&site))
            .or_else(|| tl005::check(&site));
        self.diagnostics.extend(diagnostic);
    }

    fn on_future(&mut self, expr: &'a syn::Expr, name: String, use_: Use<'a>) {
        let whole = expr.span().byte_range();
        let text = self
            .source
            .text
            .get(whole)
            .filter(|text| text.len() <= 60 && !text.contains('\n'))
            .map(str::to_owned);
        let range = self.primary_range(expr);
        let site = FutureSite {
            range,
            expr,
            name,
            use_,
            binding: self.follow(use_, FUTURE_LOOKING_METHODS),
            in_async: self.in_async(),
            text,
        };
        self.diagnostics.extend(tl003::check(&site));
    }
}

impl Checker<'_, '_> {
    /// How the file's runtime lets other tasks run: by the runtimes its code names, else by
    /// its package's dependencies; tokio's when unknown.
    fn runtime_yield(&mut self) -> &'static str {
        const YIELDS: &[(&str, &str)] = &[
            ("tokio", "tokio::task::yield_now().await"),
            ("smol", "smol::future::yield_now().await"),
            ("async_std", "async_std::task::yield_now().await"),
            ("futures_lite", "futures_lite::future::yield_now().await"),
        ];
        let text = &self.source.text;
        let named: Vec<&str> = YIELDS
            .iter()
            .filter(|(name, _)| text.contains(&format!("{name}::")))
            .map(|(_, call)| *call)
            .collect();
        if let [only] = named.as_slice() {
            return only;
        }
        if named.is_empty() {
            if let Some(dependencies) = self.dependencies() {
                let used: Vec<&str> = YIELDS
                    .iter()
                    .filter(|(name, _)| dependencies.contains(*name))
                    .map(|(_, call)| *call)
                    .collect();
                if let [only] = used.as_slice() {
                    return only;
                }
            }
        }
        YIELDS[0].1
    }
}

impl Calls for Checker<'_, '_> {
    fn method_call(
        &self,
        call: &syn::ExprMethodCall,
        receiver: Option<&effects::Place>,
        purpose: Purpose,
    ) -> Known {
        let Some(callee) = self.callee_of_method(call) else {
            return Known::Unknown;
        };
        match self.mode {
            Mode::Lint => match self.project.target(&callee, Reading::Effects) {
                ProjectTarget::Project(merged) if merged.has_receiver() => {
                    Known::Summary(merged.summary())
                }
                _ => Known::Unknown,
            },
            Mode::Index => {
                let Some(receiver) = receiver.filter(|place| is_summary_place(place)) else {
                    return Known::Unknown;
                };
                if purpose == Purpose::Read && !self.recording_reads.get() {
                    return Known::Unknown;
                }
                let reading = effects::is_reading_method(&call.method.to_string());
                let fallback = match purpose {
                    Purpose::Change if reading => Vec::new(),
                    Purpose::Change | Purpose::Read => vec![receiver.clone()],
                };
                self.call_effects.borrow_mut().push(CallEffect {
                    callee,
                    receiver: Some(receiver.clone()),
                    purpose,
                    fallback,
                });
                Known::Deferred
            }
        }
    }

    fn function_call(&self, call: &syn::ExprCall, _purpose: Purpose) -> Known {
        // The index does not follow free functions into the functions they call.
        if self.mode == Mode::Index {
            return Known::Unknown;
        }
        let syn::Expr::Path(func) = &*call.func else {
            return Known::Unknown;
        };
        let Some(callee) = self.callee_of_path(&func.path) else {
            return Known::Unknown;
        };
        match self.project.target(&callee, Reading::Effects) {
            ProjectTarget::Project(merged) => Known::Summary(merged.summary()),
            _ => Known::Unknown,
        }
    }
}

impl Awaits for Checker<'_, '_> {
    fn classify(&self, base: &syn::Expr) -> AwaitClass {
        let Some(callee) = self.await_callee(base) else {
            return AwaitClass::Suspends;
        };
        let name = match &callee {
            Callee::Method { name, .. } => name.clone(),
            Callee::Path { segments, .. } => segments.last().cloned().unwrap_or_default(),
        };
        match self.project.target(&callee, Reading::Await) {
            ProjectTarget::Project(merged) if merged.never_suspends() => match merged.first() {
                Some(function) => AwaitClass::Inline(Inline::Defined {
                    name,
                    location: function.location.clone(),
                }),
                None => AwaitClass::Suspends,
            },
            ProjectTarget::External(path) if self.project.index.never_suspends_external(&path) => {
                if self.project.index.is_configured_never_suspending(&path) {
                    AwaitClass::Inline(Inline::Configured { name: path })
                } else {
                    AwaitClass::Inline(Inline::Ready { name })
                }
            }
            _ => AwaitClass::Suspends,
        }
    }
}

impl<'m, 'a> UseVisitor<'a> for Checker<'m, 'a> {
    fn macros(&self) -> &'a MacroBodies {
        self.macros
    }

    fn expr(&mut self, expr: &'a syn::Expr, use_: Use<'a>) {
        let created = if may_lose(use_) {
            self.created_by(expr)
                .or_else(|| self.annotated_join_set(expr, use_))
        } else {
            None
        };
        match created {
            Some(Created::Task {
                source,
                api,
                wrapper,
            }) => self.on_task(expr, source, api, wrapper, use_),
            Some(Created::Future { name }) => self.on_future(expr, name, use_),
            None => {}
        }
        if matches!(expr, syn::Expr::Loop(_) | syn::Expr::While(_)) && self.in_async() {
            if let Some(spin) = yields::spin(&*self, self.macros, &self.source.text, expr) {
                let runtime_yield = self.runtime_yield();
                self.diagnostics
                    .push(tl004::check(self.source, expr, &spin, runtime_yield));
            }
        }
        match expr {
            syn::Expr::Closure(closure) => self.in_body(BodyFrame::Closure(closure), |this| {
                walk_expr(this, expr, use_)
            }),
            syn::Expr::Async(block) => {
                self.in_body(BodyFrame::Async(block), |this| walk_expr(this, expr, use_))
            }
            _ => walk_expr(self, expr, use_),
        }
    }

    fn item(&mut self, item: &'a syn::Item) {
        match item {
            syn::Item::Fn(function) => {
                self.function(&function.sig, &function.attrs, &function.block)
            }
            syn::Item::Impl(block) => self.with_self_type(type_name(&block.self_ty), |this| {
                for item in &block.items {
                    if let syn::ImplItem::Fn(method) = item {
                        this.function(&method.sig, &method.attrs, &method.block);
                    }
                }
            }),
            syn::Item::Trait(definition) => {
                self.with_self_type(Some(definition.ident.to_string()), |this| {
                    for item in &definition.items {
                        if let syn::TraitItem::Fn(method) = item {
                            if let Some(block) = &method.default {
                                this.function(&method.sig, &method.attrs, block);
                            }
                        }
                    }
                })
            }
            syn::Item::Mod(module) => {
                let Some((_, items)) = &module.content else {
                    return;
                };
                let inner = self
                    .model
                    .child_module(self.place.module, &module.ident.to_string());
                let Some(inner) = inner else {
                    return;
                };
                let outer = std::mem::replace(
                    &mut self.place,
                    Place {
                        module: inner,
                        self_type: None,
                    },
                );
                let functions = std::mem::take(&mut self.functions);
                for item in items {
                    self.item(item);
                }
                self.functions = functions;
                self.place = outer;
            }
            _ => {}
        }
    }
}

/// A signature's parameters (not `self`).
fn parameters(sig: &syn::Signature) -> impl Iterator<Item = &syn::PatType> {
    sig.inputs.iter().filter_map(|input| match input {
        syn::FnArg::Typed(typed) => Some(typed),
        syn::FnArg::Receiver(_) => None,
    })
}

/// Whether one of `patterns` binds `name`.
fn binds<'p>(patterns: impl IntoIterator<Item = &'p syn::Pat>, name: &str) -> bool {
    patterns
        .into_iter()
        .any(|pat| pattern_idents(pat).iter().any(|ident| ident.ident == name))
}

/// What a call of the function at `path` creates.
fn created_by_path(path: &str) -> Option<Created> {
    if let Some((_, source)) = api::SPAWN_FUNCTIONS
        .iter()
        .find(|(known, _)| *known == path)
    {
        return Some(Created::Task {
            source: *source,
            api: short_api(path),
            wrapper: None,
        });
    }
    if let Some((ty, function)) = path.rsplit_once("::") {
        let is_join_set = ty == "tokio::task::JoinSet" && matches!(function, "new" | "default");
        if is_join_set {
            return Some(Created::Task {
                source: TaskSource {
                    kind: HandleKind::JoinSet,
                    tuple_index: None,
                },
                api: "JoinSet::new".to_owned(),
                wrapper: None,
            });
        }
    }
    api::FUTURE_FUNCTIONS
        .contains(&path)
        .then(|| Created::Future {
            name: short_api(path),
        })
}

/// `tokio::task::spawn_blocking` is shown as it is; `tokio_util::task::AbortOnDropHandle::new`
/// as `AbortOnDropHandle::new`.
fn short_api(path: &str) -> String {
    let segments: Vec<&str> = path.split("::").collect();
    match segments.as_slice() {
        [.., ty, function] if ty.starts_with(char::is_uppercase) => format!("{ty}::{function}"),
        _ => path.to_owned(),
    }
}

/// How a known type is named in messages.
fn type_label(ty: &KnownType) -> &str {
    match ty {
        KnownType::TokioRuntime => "Runtime",
        KnownType::TokioRuntimeBuilder => "Builder",
        KnownType::TokioHandle => "Handle",
        KnownType::TokioLocalSet => "LocalSet",
        KnownType::TokioJoinSet => "JoinSet",
        KnownType::Executor => "Executor",
        KnownType::AsyncSender => "Sender",
        KnownType::AsyncMutex => "Mutex",
        KnownType::AsyncRwLock => "RwLock",
        KnownType::Semaphore => "Semaphore",
        KnownType::Notify => "Notify",
        KnownType::Barrier => "Barrier",
        KnownType::Local(name) => name,
    }
}

/// Whether a value used this way may be lost: dropped, bound or assigned (then followed), or
/// only borrowed by a method. The rules look at what a call creates for these uses only, so the
/// checker does not resolve the calls used otherwise (awaited, passed on, returned...).
fn may_lose(use_: Use<'_>) -> bool {
    match use_ {
        Use::Discarded
        | Use::Wildcard
        | Use::Bound(_)
        | Use::Assigned(_)
        | Use::Element(Container::Discarded) => true,
        Use::Receiver { method } => tl001::only_borrows(method),
        Use::Awaited
        | Use::Polled
        | Use::Argument
        | Use::Element(Container::Kept)
        | Use::Inspected
        | Use::Returned
        | Use::Other => false,
    }
}

/// The use of one element of a tuple that a `let` destructures.
fn tuple_element(use_: Use<'_>, index: usize) -> Option<Use<'_>> {
    let Use::Bound(pat) = use_ else {
        return None;
    };
    let pat = match pat {
        syn::Pat::Type(typed) => &*typed.pat,
        pat => pat,
    };
    let syn::Pat::Tuple(tuple) = pat else {
        return None;
    };
    match tuple.elems.iter().nth(index)? {
        syn::Pat::Wild(_) => Some(Use::Wildcard),
        element => Some(Use::Bound(element)),
    }
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
