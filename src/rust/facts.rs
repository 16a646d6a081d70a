//! The index pass over one function: what the project index needs to know about it.
//!
//! - **Suspension**, for a function that returns a future (an `async fn`, or a function whose
//!   body is an `async` block): each `.await` in its own body (not in closures or in `async`
//!   blocks it does not await in place) is on a call that may be a project future (kept as a
//!   [`Callee`], settled by the index), or on anything else, which suspends as far as the index
//!   knows. `select!`/`join!` and macros whose tokens hold `.await` suspend. A function returning
//!   `impl Future` whose body is not an `async` block suspends.
//! - **Task wrapper**, for a plain function whose return type names a task handle (`JoinHandle`,
//!   `Task`, `RemoteHandle`, `JoinSet`, `AbortOnDropHandle`): one of the values it returns (the
//!   tail or a `return`, through `Ok`/`Some`/`Box::new`) is a spawn, a local bound to one, or a
//!   call of another project function (a wrapper if that one is). It *keeps* the handle when it
//!   also stores the local in a collection or field.
//! - **Effects** ([`Summary`]): the places of `self` and the `static`s its body may change, and
//!   those its returned values depend on; calls of project functions are kept for the index.

use std::collections::BTreeSet;

use syn::spanned::Spanned;
use syn::visit::Visit;

use super::checker::Checker;
use super::effects::{Calls, Effects, Place, Summary};
use super::flow::is_name;
use super::index::{is_summary_place, Callee, FunctionFacts, TaskOrigin, WrapperFacts};
use super::macros::{macro_name, MacroBodies};
use super::model::fn_facts;
use super::types::strip;

/// Task handle types, by their last path segment.
const HANDLE_TYPES: &[&str] = &[
    "JoinHandle",
    "Task",
    "RemoteHandle",
    "JoinSet",
    "AbortOnDropHandle",
];

/// Methods that store their argument in the receiver.
const STORING_METHODS: &[&str] = &["push", "push_back", "push_front", "insert", "add", "extend"];

/// Macros that poll several futures: they suspend when any of them does.
pub const POLLING_MACROS: &[&str] = &["select", "select_biased", "join", "try_join"];

/// Collects the facts of one function, whose body is `block`.
pub fn collect<'a>(
    checker: &mut Checker<'_, 'a>,
    sig: &'a syn::Signature,
    attrs: &'a [syn::Attribute],
    block: &'a syn::Block,
) -> FunctionFacts {
    let self_type = checker.self_type().map(str::to_owned);
    let signature = fn_facts(sig, attrs, self_type.as_deref());
    let line = checker.line(sig.ident.span().byte_range().start);
    let (suspends_directly, awaits) = if signature.returns_future {
        suspension(checker, sig, block)
    } else {
        (false, Vec::new())
    };
    let wrapper = if sig.asyncness.is_none() && returns_handle(&sig.output) {
        wrapper(checker, block)
    } else {
        None
    };
    let summary = summary(checker, block);
    FunctionFacts {
        module: checker.module_path(),
        owner: self_type,
        name: sig.ident.to_string(),
        line,
        returns_future: signature.returns_future,
        has_receiver: signature.has_receiver,
        suspends_directly,
        awaits,
        wrapper,
        summary,
        call_effects: checker.take_call_effects(),
    }
}

/// Whether the function's future suspends by itself, and the project futures it awaits.
fn suspension(
    checker: &Checker<'_, '_>,
    sig: &syn::Signature,
    block: &syn::Block,
) -> (bool, Vec<Callee>) {
    let body = if sig.asyncness.is_some() {
        Some(block)
    } else {
        match block.stmts.last() {
            Some(syn::Stmt::Expr(syn::Expr::Async(async_block), None)) => Some(&async_block.block),
            _ => None,
        }
    };
    let Some(body) = body else {
        return (true, Vec::new());
    };
    let mut awaits = AwaitCollector {
        checker,
        macros: checker.macros(),
        suspends: false,
        awaits: Vec::new(),
    };
    awaits.visit_block(body);
    if awaits.suspends {
        awaits.awaits.clear();
    }
    (awaits.suspends, awaits.awaits)
}

struct AwaitCollector<'c, 'm, 'a> {
    checker: &'c Checker<'m, 'a>,
    macros: &'a MacroBodies,
    suspends: bool,
    awaits: Vec<Callee>,
}

impl<'ast> Visit<'ast> for AwaitCollector<'_, '_, '_> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if self.suspends {
            return;
        }
        match expr {
            syn::Expr::Await(await_expr) => {
                if let syn::Expr::Async(block) = strip(&await_expr.base) {
                    self.visit_block(&block.block);
                    return;
                }
                self.visit_expr(&await_expr.base);
                match self.checker.await_callee(&await_expr.base) {
                    Some(callee) => self.awaits.push(callee),
                    None => self.suspends = true,
                }
            }
            syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
            _ => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.suspends |= visit_macro_awaits(self, self.macros, mac);
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

/// Visits the expressions of a macro call whose body is parsed (`vec![..]`, `assert!(..)`), and
/// says whether the call itself awaits: a polling macro (`select!`, `join!`), or unparsed tokens
/// that hold `.await`.
pub fn visit_macro_awaits<'ast, V: Visit<'ast>>(
    visitor: &mut V,
    macros: &'ast MacroBodies,
    mac: &syn::Macro,
) -> bool {
    if POLLING_MACROS.contains(&macro_name(mac).as_str()) {
        return true;
    }
    match macros.get(mac) {
        Some(body) => {
            for (expr, _) in &body.args {
                visitor.visit_expr(expr);
            }
            false
        }
        None => tokens_await(mac.tokens.clone()),
    }
}

/// Whether a macro's tokens hold `.await`.
pub fn tokens_await(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "await",
        proc_macro2::TokenTree::Group(group) => tokens_await(group.stream()),
        _ => false,
    })
}

/// Whether a return type names a task handle (possibly in a `Result` or `Option`).
fn returns_handle(output: &syn::ReturnType) -> bool {
    let syn::ReturnType::Type(_, ty) = output else {
        return false;
    };
    names_handle(ty)
}

fn names_handle(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if HANDLE_TYPES.contains(&last.ident.to_string().as_str()) {
        return true;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return false;
    };
    matches!(last.ident.to_string().as_str(), "Result" | "Option")
        && arguments.args.iter().any(
            |argument| matches!(argument, syn::GenericArgument::Type(inner) if names_handle(inner)),
        )
}

/// The wrapper fact of a function returning a task handle, if it returns one it created.
fn wrapper<'a>(checker: &mut Checker<'_, 'a>, block: &'a syn::Block) -> Option<WrapperFacts> {
    let mut returned = Vec::new();
    returned_exprs(block, &mut returned);
    for expr in returned {
        let value = unwrap_value(expr);
        if let Some((origin, line)) = task_origin(checker, value) {
            return Some(WrapperFacts {
                origin,
                line,
                keeps: false,
            });
        }
        let syn::Expr::Path(path) = value else {
            continue;
        };
        let Some(name) = path.path.get_ident().map(ToString::to_string) else {
            continue;
        };
        let mut binding = Binding {
            name: &name,
            init: None,
            stored: false,
        };
        binding.visit_block(block);
        if let Some((origin, line)) = binding.init.and_then(|init| task_origin(checker, init)) {
            return Some(WrapperFacts {
                origin,
                line,
                keeps: binding.stored,
            });
        }
    }
    None
}

/// Where a returned value's task comes from: a spawn, or a call of a project function.
fn task_origin<'a>(
    checker: &mut Checker<'_, 'a>,
    expr: &'a syn::Expr,
) -> Option<(TaskOrigin, usize)> {
    let expr = unwrap_value(expr);
    let line = checker.line(expr.span().byte_range().start);
    if let Some(kind) = checker.spawned_handle(expr) {
        return Some((TaskOrigin::Spawn(kind), line));
    }
    let callee = match expr {
        syn::Expr::Call(call) => match &*call.func {
            syn::Expr::Path(func) if func.qself.is_none() => checker.callee_of_path(&func.path),
            _ => None,
        },
        syn::Expr::MethodCall(call) => checker.callee_of_method(call),
        _ => None,
    }?;
    Some((TaskOrigin::Call(callee), line))
}

/// The value inside `Ok(..)`, `Some(..)`, `Box::new(..)`, parentheses and `?`.
fn unwrap_value(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Call(call) if call.args.len() == 1 => {
            let wraps = matches!(&*call.func, syn::Expr::Path(path)
            if path.path.segments.last().is_some_and(|segment| {
                matches!(segment.ident.to_string().as_str(), "Ok" | "Some" | "new" | "pin")
                    && (path.path.segments.len() == 1
                        || path.path.segments.iter().any(|s| s.ident == "Box"))
            }));
            match (wraps, call.args.first()) {
                (true, Some(inner)) => unwrap_value(inner),
                _ => expr,
            }
        }
        syn::Expr::Paren(inner) => unwrap_value(&inner.expr),
        syn::Expr::Try(inner) => unwrap_value(&inner.expr),
        _ => expr,
    }
}

/// The values a block returns: its tail (through nested blocks, `if` and `match`) and its
/// `return`s.
fn returned_exprs<'b>(block: &'b syn::Block, into: &mut Vec<&'b syn::Expr>) {
    struct Returns<'b, 'v>(&'v mut Vec<&'b syn::Expr>);
    impl<'b> Visit<'b> for Returns<'b, '_> {
        fn visit_expr_return(&mut self, ret: &'b syn::ExprReturn) {
            if let Some(value) = &ret.expr {
                self.0.push(value);
            }
            syn::visit::visit_expr_return(self, ret);
        }
        fn visit_expr_closure(&mut self, _: &'b syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'b syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'b syn::Item) {}
    }
    Returns(into).visit_block(block);
    if let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
        tails(tail, into);
    }
}

fn tails<'b>(expr: &'b syn::Expr, into: &mut Vec<&'b syn::Expr>) {
    let tail_of = |block: &'b syn::Block, into: &mut Vec<&'b syn::Expr>| {
        if let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
            tails(tail, into);
        }
    };
    match expr {
        syn::Expr::Block(block) => tail_of(&block.block, into),
        syn::Expr::Unsafe(block) => tail_of(&block.block, into),
        syn::Expr::If(if_expr) => {
            tail_of(&if_expr.then_branch, into);
            if let Some((_, otherwise)) = &if_expr.else_branch {
                tails(otherwise, into);
            }
        }
        syn::Expr::Match(match_expr) => {
            for arm in &match_expr.arms {
                tails(&arm.body, into);
            }
        }
        syn::Expr::Return(_) => {}
        expr => into.push(expr),
    }
}

/// Finds the last `let name = init` of a body, and whether `name` is stored somewhere.
struct Binding<'n, 'b> {
    name: &'n str,
    init: Option<&'b syn::Expr>,
    stored: bool,
}

impl<'b> Visit<'b> for Binding<'_, 'b> {
    fn visit_local(&mut self, local: &'b syn::Local) {
        let binds =
            super::uses::bound_ident(&local.pat).is_some_and(|ident| ident.ident == self.name);
        if binds {
            self.init = local.init.as_ref().map(|init| &*init.expr);
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_method_call(&mut self, call: &'b syn::ExprMethodCall) {
        let storing = STORING_METHODS.contains(&call.method.to_string().as_str());
        if storing && call.args.iter().any(|arg| mentions(arg, self.name)) {
            self.stored = true;
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_assign(&mut self, assign: &'b syn::ExprAssign) {
        if matches!(&*assign.left, syn::Expr::Field(_)) && mentions(&assign.right, self.name) {
            self.stored = true;
        }
        syn::visit::visit_expr_assign(self, assign);
    }

    fn visit_item(&mut self, _: &'b syn::Item) {}
}

/// Whether `expr` names the local `name` (through method calls on it: `h.clone()`).
fn mentions(expr: &syn::Expr, name: &str) -> bool {
    match strip(expr) {
        syn::Expr::MethodCall(call) => mentions(&call.receiver, name),
        expr => is_name(expr, name),
    }
}

/// The function's effects: the places it changes and those its returned values read.
fn summary<'a>(checker: &Checker<'_, 'a>, block: &'a syn::Block) -> Summary {
    let mut walk = SummaryWalk {
        effects: Effects::new(checker, checker.macros()),
        macros: checker.macros(),
        writes: BTreeSet::new(),
        returned: Vec::new(),
    };
    walk.visit_block(block);
    if let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
        tails(tail, &mut walk.returned);
    }
    let returned = std::mem::take(&mut walk.returned);
    let result_reads = checker.recording_reads(|| {
        returned
            .iter()
            .flat_map(|expr| walk.effects.reads(expr))
            .collect::<BTreeSet<Place>>()
    });
    let keep = |places: BTreeSet<Place>| -> BTreeSet<Place> {
        places
            .into_iter()
            .filter(|place| is_summary_place(place))
            .collect()
    };
    Summary {
        writes: keep(walk.writes),
        result_reads: keep(result_reads),
    }
}

/// Walks a body in order, binding its names and collecting what it changes.
struct SummaryWalk<'b, 'c, C> {
    effects: Effects<'c, C>,
    macros: &'b MacroBodies,
    writes: BTreeSet<Place>,
    returned: Vec<&'b syn::Expr>,
}

impl<'b, C: Calls> Visit<'b> for SummaryWalk<'b, '_, C> {
    fn visit_local(&mut self, local: &'b syn::Local) {
        syn::visit::visit_local(self, local);
        let init = local.init.as_ref().map(|init| &*init.expr);
        self.effects.bind(&local.pat, init);
    }

    fn visit_expr(&mut self, expr: &'b syn::Expr) {
        self.writes.extend(self.effects.own_changes(expr));
        match expr {
            syn::Expr::Return(ret) => {
                if let Some(value) = &ret.expr {
                    self.returned.push(value);
                }
            }
            // Patterns of `match`, `if let`, `while let` and `for` borrow from their place.
            syn::Expr::Match(match_expr) => {
                for arm in &match_expr.arms {
                    self.effects.bind_ref(&arm.pat, &match_expr.expr);
                }
            }
            syn::Expr::Let(let_expr) => self.effects.bind_ref(&let_expr.pat, &let_expr.expr),
            syn::Expr::ForLoop(for_loop) => self.effects.bind_ref(&for_loop.pat, &for_loop.expr),
            _ => {}
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_macro(&mut self, mac: &'b syn::Macro) {
        let Some(body) = self.macros.get(mac) else {
            return;
        };
        for (expr, _) in &body.args {
            self.visit_expr(expr);
        }
        for arm in &body.arms {
            if let Some(future) = &arm.future {
                self.visit_expr(future);
            }
            self.visit_expr(&arm.handler);
        }
    }

    fn visit_item(&mut self, _: &'b syn::Item) {}
}
