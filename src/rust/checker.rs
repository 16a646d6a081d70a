//! The walk that runs the Rust detectors. It goes through every function, method, closure and
//! async block of a file, finds the expressions that create a task handle, a `JoinSet` or a
//! future, works out how each value is used (and, for one bound to a variable, follows it through
//! the body that binds it), and hands the site to the rules.
//!
//! A bare `spawn(..)` that the imports do not explain (a glob of two runtimes, a glob of a
//! project module, no import at all) is resolved through the runtime crates of the nearest
//! `Cargo.toml`, when exactly one of them fits; a `spawn` given a closure is a thread, not a task.

use std::ops::Range;

use syn::spanned::Spanned;

use super::api::{self, HandleKind, KnownType, MethodResult, TaskSource};
use super::flow::{self, is_self_field, Body, FlowResult, Followed, Site, Target};
use super::macros::MacroBodies;
use super::manifest;
use super::model::{type_name, Model, Place, Resolved};
use super::rules::{tl001, tl002, tl003, tl005};
use super::types::{strip, Typer};
use super::uses::{bound_ident, pattern_idents, walk_block, walk_expr, Use, UseVisitor};
use crate::diagnostic::Diagnostic;
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
    pub kind: HandleKind,
    /// How the API is named in messages: `tokio::spawn`, `Executor::spawn`.
    pub api: String,
    pub use_: Use<'a>,
    pub binding: Option<Binding>,
}

/// An expression that creates a future, with what happens to it.
pub struct FutureSite<'a> {
    pub range: Range<usize>,
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
    Task { source: TaskSource, api: String },
    Future { name: String },
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

/// Walks one file and collects the Rust rules' findings.
pub struct Checker<'m, 'a> {
    source: &'m SourceFile,
    model: &'m Model<'a>,
    macros: &'a MacroBodies,
    place: Place,
    functions: Vec<FunctionFrame<'m, 'a>>,
    /// The dependencies of the file's package, read on first need.
    dependencies: Option<Option<manifest::Dependencies>>,
    diagnostics: Vec<Diagnostic>,
}

impl<'m, 'a> Checker<'m, 'a> {
    pub fn new(source: &'m SourceFile, model: &'m Model<'a>, macros: &'a MacroBodies) -> Self {
        Checker {
            source,
            model,
            macros,
            place: Place::default(),
            functions: Vec::new(),
            dependencies: None,
            diagnostics: Vec::new(),
        }
    }

    /// Runs the rules over the items of a file.
    pub fn run(mut self, file: &'a syn::File) -> Vec<Diagnostic> {
        for item in &file.items {
            self.item(item);
        }
        self.diagnostics
    }

    fn function(&mut self, sig: &'a syn::Signature, block: &'a syn::Block) {
        let typer = Typer::new(self.model, self.place.clone(), parameters(sig), block);
        self.functions.push(FunctionFrame {
            typer,
            bodies: vec![BodyFrame::Function { block, sig }],
        });
        walk_block(self, block, Use::Returned);
        self.functions.pop();
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
            Resolved::External(path) => created_by_path(&path),
            Resolved::Function(facts) => facts.returns_future.then(|| Created::Future {
                name: single.unwrap_or_else(|| path_text(path)),
            }),
            Resolved::Associated { ty, name } => self
                .model
                .method(&ty, &name)
                .filter(|facts| facts.returns_future)
                .map(|_| Created::Future {
                    name: format!("{ty}::{name}"),
                }),
            Resolved::Bare {
                name,
                candidates,
                open,
            } => {
                let passes_closure =
                    first_arg.is_some_and(|arg| matches!(strip(arg), syn::Expr::Closure(_)));
                let path = self.choose_bare(&name, candidates, open, passes_closure)?;
                created_by_path(&path)
            }
            Resolved::Unknown => None,
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

    fn created_by_method(&self, call: &'a syn::ExprMethodCall) -> Option<Created> {
        let method = call.method.to_string();
        if let Some((_, source)) = api::SPAWN_METHODS_ANY_RECEIVER
            .iter()
            .find(|(name, _)| *name == method)
        {
            return Some(Created::Task {
                source: *source,
                api: method,
            });
        }
        let receiver = self.typer()?.type_of_expr(&call.receiver)?;
        if let KnownType::Local(ty) = &receiver {
            let facts = self.model.method(ty, &method)?;
            return (facts.returns_future && facts.has_receiver).then(|| Created::Future {
                name: format!("{ty}::{method}"),
            });
        }
        match api::method_result(&receiver, &method)? {
            MethodResult::Task(kind) => Some(Created::Task {
                source: TaskSource {
                    kind,
                    tuple_index: None,
                },
                api: format!("{}::{method}", type_label(&receiver)),
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

    fn on_task(&mut self, expr: &'a syn::Expr, source: TaskSource, api: String, use_: Use<'a>) {
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
            kind: source.kind,
            api,
            use_,
            binding: self.follow(use_, looking),
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
            name,
            use_,
            binding: self.follow(use_, FUTURE_LOOKING_METHODS),
            in_async: self.in_async(),
            text,
        };
        self.diagnostics.extend(tl003::check(&site));
    }
}

impl<'m, 'a> UseVisitor<'a> for Checker<'m, 'a> {
    fn macros(&self) -> &'a MacroBodies {
        self.macros
    }

    fn expr(&mut self, expr: &'a syn::Expr, use_: Use<'a>) {
        let created = self
            .created_by(expr)
            .or_else(|| self.annotated_join_set(expr, use_));
        match created {
            Some(Created::Task { source, api }) => self.on_task(expr, source, api, use_),
            Some(Created::Future { name }) => self.on_future(expr, name, use_),
            None => {}
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
            syn::Item::Fn(function) => self.function(&function.sig, &function.block),
            syn::Item::Impl(block) => self.with_self_type(type_name(&block.self_ty), |this| {
                for item in &block.items {
                    if let syn::ImplItem::Fn(method) = item {
                        this.function(&method.sig, &method.block);
                    }
                }
            }),
            syn::Item::Trait(definition) => {
                self.with_self_type(Some(definition.ident.to_string()), |this| {
                    for item in &definition.items {
                        if let syn::TraitItem::Fn(method) = item {
                            if let Some(block) = &method.default {
                                this.function(&method.sig, block);
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
