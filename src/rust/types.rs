//! The runtime types of the values a function works with: a local bound by `let` with a
//! constructor (`Runtime::new()?`, `Handle::current()`, `Arc::new(Executor::new())`) or a type
//! annotation, a parameter, a field of `self` or of a local of a known struct, a `static`; and
//! the type of an expression built from those.
//!
//! A type of the project defined in another file (`crate::net::Connection`, or a name imported
//! from a module of the crate) is known by its name, for the project index to find its methods.
//!
//! Limits: flow-insensitive. Every binding of a name in a function counts, and a name bound to
//! two different known types is forgotten. Generic parameters, trait objects and values returned
//! by functions of other files are unknown.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use syn::visit::Visit;

use super::api::{self, KnownType, MethodResult};
use super::model::{first_type_argument, Model, Place, Resolved};
use super::uses::pattern_idents;

/// Methods that return (a reference to) their receiver, or the value it wraps.
const PASS_THROUGH_METHODS: &[&str] = &[
    "clone",
    "unwrap",
    "expect",
    "as_ref",
    "borrow",
    "to_owned",
    "get",
    "get_or_init",
];

/// Associated functions that build a value of their own type.
const CONSTRUCTOR_NAMES: &[&str] = &["new", "default", "with_capacity"];

/// The known types of the names of one function body (and the closures in it).
pub struct Typer<'m, 'a> {
    model: &'m Model<'a>,
    place: Place,
    /// Name → its type; `None` when the name is bound to two different known types.
    vars: HashMap<String, Option<KnownType>>,
    /// Every name bound in the body or as a parameter, typed or not.
    names: HashSet<String>,
    /// The types of the expressions asked about so far, by address (the expressions live as
    /// long as the syntax tree, `'a`), once the locals are known: without it, each call of a
    /// chain of `n` method calls walks the chain again, `n²` steps in all.
    known: Option<RefCell<HashMap<*const syn::Expr, Option<KnownType>>>>,
}

impl<'m, 'a> Typer<'m, 'a> {
    /// The types of the parameters `inputs` (`name: Type`) and of the locals of `body`.
    pub fn new(
        model: &'m Model<'a>,
        place: Place,
        inputs: impl IntoIterator<Item = &'a syn::PatType>,
        body: &'a syn::Block,
    ) -> Self {
        let mut typer = Typer {
            model,
            place,
            vars: HashMap::new(),
            names: HashSet::new(),
            known: None,
        };
        for input in inputs {
            typer.bind_parameter(input);
        }
        LocalTypes { typer: &mut typer }.visit_block(body);
        typer.known = Some(RefCell::default());
        typer
    }

    /// Whether `name` is a local variable or parameter of the body (not a function or static).
    pub fn is_local(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    fn bind_parameter(&mut self, parameter: &syn::PatType) {
        for ident in pattern_idents(&parameter.pat) {
            self.names.insert(ident.ident.to_string());
        }
        if let Some(ty) = self.type_of_type(&parameter.ty) {
            self.insert(&parameter.pat, ty);
        }
    }

    /// Records the names a pattern binds and the types of those it can tell, given the value.
    fn bind(&mut self, pat: &syn::Pat, init: Option<&syn::Expr>) {
        for ident in pattern_idents(pat) {
            self.names.insert(ident.ident.to_string());
        }
        self.bind_types(pat, init);
    }

    fn bind_types(&mut self, pat: &syn::Pat, init: Option<&syn::Expr>) {
        match pat {
            syn::Pat::Type(typed) => match self.type_of_type(&typed.ty) {
                Some(ty) => self.insert(&typed.pat, ty),
                None => self.bind_types(&typed.pat, init),
            },
            syn::Pat::Ident(ident) => {
                if let Some(ty) = init.and_then(|init| self.type_of_expr(init)) {
                    self.insert(pat, ty);
                } else if let Some((_, sub)) = &ident.subpat {
                    self.bind_types(sub, init);
                }
            }
            syn::Pat::Tuple(tuple) => {
                // `let (tx, rx) = mpsc::channel(8);`
                if let (Some(init), Some(first)) = (init, tuple.elems.first()) {
                    if self.is_async_channel(init) {
                        self.insert(first, KnownType::AsyncSender);
                    }
                }
            }
            _ => {}
        }
    }

    fn insert(&mut self, pat: &syn::Pat, ty: KnownType) {
        let syn::Pat::Ident(ident) = pat else {
            return;
        };
        let name = ident.ident.to_string();
        match self.vars.get(&name) {
            Some(Some(known)) if *known != ty => {
                self.vars.insert(name, None);
            }
            Some(None) => {}
            _ => {
                self.vars.insert(name, Some(ty));
            }
        }
    }

    fn is_async_channel(&self, init: &syn::Expr) -> bool {
        let init = strip(init);
        let syn::Expr::Call(call) = init else {
            return false;
        };
        let syn::Expr::Path(func) = &*call.func else {
            return false;
        };
        matches!(self.resolve(&func.path), Resolved::External(path) if api::ASYNC_CHANNELS.contains(&path.as_str()))
    }

    fn resolve(&self, path: &syn::Path) -> Resolved {
        match self.model.resolve(&self.place, path) {
            Resolved::Bare {
                mut candidates,
                open: false,
                ..
            } if candidates.len() == 1 => Resolved::External(candidates.remove(0)),
            resolved => resolved,
        }
    }

    /// The known type a written type names (through references and `Arc`-like wrappers).
    pub fn type_of_type(&self, ty: &syn::Type) -> Option<KnownType> {
        match ty {
            syn::Type::Reference(reference) => self.type_of_type(&reference.elem),
            syn::Type::Paren(inner) => self.type_of_type(&inner.elem),
            syn::Type::Group(inner) => self.type_of_type(&inner.elem),
            syn::Type::Path(path) if path.qself.is_none() => {
                let last = path.path.segments.last()?;
                let name = last.ident.to_string();
                if api::TRANSPARENT_WRAPPERS.contains(&name.as_str()) {
                    return self.type_of_type(first_type_argument(last)?);
                }
                if name == "Self" {
                    return self.place.self_type.clone().map(KnownType::Local);
                }
                if path.path.segments.len() == 1 && self.model.is_local_type(&name) {
                    return Some(KnownType::Local(name));
                }
                let known = match self.resolve(&path.path) {
                    Resolved::External(path) => known_type(&path),
                    _ => None,
                };
                known.or_else(|| {
                    let segments: Vec<String> = path
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    self.model
                        .is_project_path(&self.place, &segments)
                        .then_some(KnownType::Local(name))
                })
            }
            _ => None,
        }
    }

    /// The known type of an expression's value.
    pub fn type_of_expr(&self, expr: &'a syn::Expr) -> Option<KnownType> {
        let Some(known) = &self.known else {
            return self.find_type_of_expr(expr);
        };
        let key: *const syn::Expr = expr;
        if let Some(ty) = known.borrow().get(&key) {
            return ty.clone();
        }
        let ty = self.find_type_of_expr(expr);
        known.borrow_mut().insert(key, ty.clone());
        ty
    }

    fn find_type_of_expr(&self, expr: &'a syn::Expr) -> Option<KnownType> {
        match strip(expr) {
            syn::Expr::Path(path) if path.qself.is_none() => {
                let segments = &path.path.segments;
                let name = segments.last()?.ident.to_string();
                if segments.len() == 1 {
                    if name == "self" {
                        return self.place.self_type.clone().map(KnownType::Local);
                    }
                    if let Some(ty) = self.vars.get(&name) {
                        return ty.clone();
                    }
                }
                self.type_of_type(self.model.static_type(&name)?)
            }
            syn::Expr::Field(field) => {
                let KnownType::Local(owner) = self.type_of_expr(&field.base)? else {
                    return None;
                };
                let member = match &field.member {
                    syn::Member::Named(name) => name.to_string(),
                    syn::Member::Unnamed(index) => index.index.to_string(),
                };
                self.type_of_type(self.model.field_type(&owner, &member)?)
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(func) = &*call.func else {
                    return None;
                };
                self.type_of_call(&func.path, call.args.first())
            }
            syn::Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if PASS_THROUGH_METHODS.contains(&method.as_str()) {
                    return self.type_of_expr(&call.receiver);
                }
                match self.type_of_expr(&call.receiver)? {
                    KnownType::Local(owner) => self
                        .model
                        .method(&owner, &method)
                        .filter(|facts| facts.returns_self)
                        .map(|_| KnownType::Local(owner)),
                    known => match api::method_result(&known, &method)? {
                        MethodResult::Value(ty) => Some(ty),
                        MethodResult::Task(_) | MethodResult::Future => None,
                    },
                }
            }
            _ => None,
        }
    }

    /// The type of `path(first_arg, ..)`.
    fn type_of_call(&self, path: &syn::Path, first_arg: Option<&syn::Expr>) -> Option<KnownType> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let [.., wrapper, function] = segments.as_slice() {
            let wraps = api::TRANSPARENT_WRAPPERS.contains(&wrapper.as_str())
                && matches!(function.as_str(), "new" | "clone" | "from" | "leak" | "pin");
            if wraps {
                return self.type_of_expr(first_arg?);
            }
        }
        match self.resolve(path) {
            Resolved::External(path) => {
                if let Some((_, ty)) = api::CONSTRUCTORS.iter().find(|(known, _)| *known == path) {
                    return Some(ty.clone());
                }
                let (ty, function) = path.rsplit_once("::")?;
                if CONSTRUCTOR_NAMES.contains(&function) {
                    return known_type(ty).or_else(|| self.project_type(&segments));
                }
                None
            }
            Resolved::Associated { ty, name } => self
                .model
                .method(&ty, &name)
                .filter(|facts| facts.returns_self)
                .map(|_| KnownType::Local(ty)),
            _ => None,
        }
    }
}

impl Typer<'_, '_> {
    /// The project type whose associated function `segments` names (`conn::Connection::new`).
    fn project_type(&self, segments: &[String]) -> Option<KnownType> {
        let (_, ty) = segments.split_last()?;
        let name = ty.last()?;
        self.model
            .is_project_path(&self.place, ty)
            .then(|| KnownType::Local(name.clone()))
    }
}

/// The known type of a type path, as the tables write it.
fn known_type(path: &str) -> Option<KnownType> {
    api::KNOWN_TYPES
        .iter()
        .find(|(known, _)| *known == path)
        .map(|(_, ty)| ty.clone())
}

/// An expression without the `?`, parentheses, references and groups around it.
pub fn strip(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Try(inner) => strip(&inner.expr),
        syn::Expr::Paren(inner) => strip(&inner.expr),
        syn::Expr::Group(inner) => strip(&inner.expr),
        syn::Expr::Reference(inner) => strip(&inner.expr),
        expr => expr,
    }
}

/// Collects the types of the `let`s and typed closure parameters of a body, in source order.
struct LocalTypes<'t, 'm, 'a> {
    typer: &'t mut Typer<'m, 'a>,
}

impl<'a> Visit<'a> for LocalTypes<'_, '_, 'a> {
    fn visit_local(&mut self, local: &'a syn::Local) {
        syn::visit::visit_local(self, local);
        let init = local.init.as_ref().map(|init| &*init.expr);
        self.typer.bind(&local.pat, init);
    }

    fn visit_expr_closure(&mut self, closure: &'a syn::ExprClosure) {
        for input in &closure.inputs {
            self.typer.bind(input, None);
        }
        syn::visit::visit_expr_closure(self, closure);
    }

    fn visit_pat_ident(&mut self, ident: &'a syn::PatIdent) {
        self.typer.names.insert(ident.ident.to_string());
        syn::visit::visit_pat_ident(self, ident);
    }

    // Nested items have their own names.
    fn visit_item(&mut self, _item: &'a syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The type of the local `name` at the end of the body of the only function of `source`.
    fn local_type(source: &str, name: &str) -> Option<KnownType> {
        let file = syn::parse_file(source).expect("test source parses");
        let model = Model::new(&file);
        let place = Place::default();
        let Some(syn::Item::Fn(function)) = file
            .items
            .iter()
            .find(|item| matches!(item, syn::Item::Fn(_)))
        else {
            panic!("no function");
        };
        let inputs = function.sig.inputs.iter().filter_map(|input| match input {
            syn::FnArg::Typed(typed) => Some(typed),
            syn::FnArg::Receiver(_) => None,
        });
        let typer = Typer::new(&model, place, inputs.collect::<Vec<_>>(), &function.block);
        typer.vars.get(name).cloned().flatten()
    }

    #[test]
    fn constructors_annotations_and_parameters_give_types() {
        let source = "
            use tokio::runtime::{Builder, Handle, Runtime};
            use std::sync::Arc;
            fn f(ex: &Arc<smol::Executor<'static>>) {
                let rt = Runtime::new().unwrap();
                let built = Builder::new_multi_thread().enable_all().build()?;
                let handle = Handle::current();
                let from_rt = rt.handle().clone();
                let local: tokio::task::LocalSet = make();
                let shared = Arc::new(async_executor::Executor::new());
                let (tx, rx) = tokio::sync::mpsc::channel(8);
            }";
        assert_eq!(local_type(source, "ex"), Some(KnownType::Executor));
        assert_eq!(local_type(source, "rt"), Some(KnownType::TokioRuntime));
        assert_eq!(local_type(source, "built"), Some(KnownType::TokioRuntime));
        assert_eq!(local_type(source, "handle"), Some(KnownType::TokioHandle));
        assert_eq!(local_type(source, "from_rt"), Some(KnownType::TokioHandle));
        assert_eq!(local_type(source, "local"), Some(KnownType::TokioLocalSet));
        assert_eq!(local_type(source, "shared"), Some(KnownType::Executor));
        assert_eq!(local_type(source, "tx"), Some(KnownType::AsyncSender));
        assert_eq!(local_type(source, "rx"), None);
    }

    #[test]
    fn a_name_bound_to_two_types_is_forgotten() {
        let source = "
            fn f() {
                let x = tokio::runtime::Runtime::new();
                let x = smol::Executor::new();
            }";
        assert_eq!(local_type(source, "x"), None);
    }

    #[test]
    fn unknown_types_stay_unknown() {
        let source = "
            use std::sync::mpsc;
            struct Executor;
            fn f() {
                let (tx, rx) = mpsc::channel();
                let ex = Executor::new();
            }";
        assert_eq!(local_type(source, "tx"), None);
        assert_eq!(local_type(source, "ex"), None);
    }
}
