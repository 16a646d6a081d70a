//! How the value of each Rust expression is used: discarded by a statement or `let _ =`, bound by
//! a `let`, assigned, awaited, polled by a macro, the receiver of a method, passed to a call,
//! put in a collection, looked at, returned... [`walk_expr`] hands the direct children of an
//! expression to a [`UseVisitor`] with their uses, in evaluation order; the checker and the flow
//! analysis override the hooks they need and decide what each use means.
//!
//! Values flow through `?`, `&`, parentheses, `Some(..)`/`Ok(..)`/`Err(..)`/`Box::new(..)`/
//! `Box::pin(..)`, `.unwrap()`/`.expect(..)`/`.fallible()`, and the tails of blocks, `if` and
//! `match` arms: the use of the whole is the use of the value inside. A block under `#[cfg]`
//! without a semicolon counts as a tail (another configuration removes what follows it).

use super::macros::{ArgRole, MacroBodies};

/// What happens to the value of an expression.
#[derive(Debug, Clone, Copy)]
pub enum Use<'a> {
    /// Evaluated and thrown away: an expression statement.
    Discarded,
    /// `let _ = ..` or `_ = ..`: dropped at once.
    Wildcard,
    /// Bound by a `let` pattern (an identifier, possibly typed, or a tuple of them).
    Bound(&'a syn::Pat),
    /// Assigned to a place: `h = ..`, `self.h = ..`, `v[i] = ..`.
    Assigned(&'a syn::Expr),
    /// `.await`ed.
    Awaited,
    /// Handed to a macro that polls it (`join!`, `select!`, `pin!`).
    Polled,
    /// The receiver of a method call: `value.method(..)`.
    Receiver { method: &'a syn::Ident },
    /// Passed to a function or method.
    Argument,
    /// An element of a tuple, array, struct literal or `vec!`, whose own use is `container`.
    Element(Container),
    /// Only looked at: formatted, compared, a condition.
    Inspected,
    /// The value of a function, closure or async block (`return`, a tail expression, `yield`).
    Returned,
    /// Any other use (a field read, an index, arithmetic, a loop's value...): may keep it.
    Other,
}

/// How a collection holding a value is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// The collection is thrown away.
    Discarded,
    /// Anything else.
    Kept,
}

/// Methods whose value is the receiver's value: the receiver's use is the call's use.
const PASS_THROUGH_METHODS: &[&str] = &["unwrap", "expect", "fallible"];

/// Receives the expressions found by the walk. Each hook has a default that walks on.
pub trait UseVisitor<'a>: Sized {
    /// The parsed macro bodies of the file.
    fn macros(&self) -> &'a MacroBodies;

    /// Called for every expression with its use; the default walks its children.
    fn expr(&mut self, expr: &'a syn::Expr, use_: Use<'a>) {
        walk_expr(self, expr, use_);
    }

    /// A block whose tail expression is used as `tail`.
    fn block(&mut self, block: &'a syn::Block, tail: Use<'a>) {
        walk_block(self, block, tail);
    }

    fn local(&mut self, local: &'a syn::Local) {
        walk_local(self, local);
    }

    /// A macro invocation whose value is used as `use_`.
    fn mac(&mut self, mac: &'a syn::Macro, use_: Use<'a>) {
        walk_macro(self, mac, use_);
    }

    /// An item nested in a block (a `fn` inside a `fn`); not walked by default.
    fn item(&mut self, _item: &'a syn::Item) {}
}

/// Walks the statements of a block; the last expression without a semicolon is used as `tail`.
pub fn walk_block<'a>(v: &mut impl UseVisitor<'a>, block: &'a syn::Block, tail: Use<'a>) {
    let count = block.stmts.len();
    for (index, stmt) in block.stmts.iter().enumerate() {
        walk_stmt(v, stmt, index + 1 == count, tail);
    }
}

/// Walks one statement of a block; `last` says whether it ends the block.
pub fn walk_stmt<'a>(v: &mut impl UseVisitor<'a>, stmt: &'a syn::Stmt, last: bool, tail: Use<'a>) {
    match stmt {
        syn::Stmt::Local(local) => v.local(local),
        syn::Stmt::Item(item) => v.item(item),
        syn::Stmt::Expr(expr, semi) => {
            let use_ = if (last || is_cfg_block(expr)) && semi.is_none() {
                tail
            } else {
                Use::Discarded
            };
            v.expr(expr, use_);
        }
        syn::Stmt::Macro(mac) => {
            let use_ = if last && mac.semi_token.is_none() {
                tail
            } else {
                Use::Discarded
            };
            v.mac(&mac.mac, use_);
        }
    }
}

/// A block under `#[cfg(..)]` without a semicolon: under its configuration it may be the tail
/// of its block (`#[cfg(unix)] { a } #[cfg(not(unix))] { b }`).
fn is_cfg_block(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Block(block)
        if block.attrs.iter().any(|attr| attr.path().is_ident("cfg")))
}

/// `let pat = init else { .. };`: the initializer, used as the pattern says, then the `else`.
pub fn walk_local<'a>(v: &mut impl UseVisitor<'a>, local: &'a syn::Local) {
    if let Some(init) = &local.init {
        walk_init(v, &local.pat, &init.expr);
        if let Some((_, diverge)) = &init.diverge {
            v.expr(diverge, Use::Discarded);
        }
    }
}

/// The initializer of a `let`: tuples on both sides pair up element by element.
pub fn walk_init<'a>(v: &mut impl UseVisitor<'a>, pat: &'a syn::Pat, init: &'a syn::Expr) {
    if let (syn::Pat::Tuple(pats), syn::Expr::Tuple(values)) = (pat, init) {
        if pats.elems.len() == values.elems.len() {
            for (pat, value) in pats.elems.iter().zip(&values.elems) {
                walk_init(v, pat, value);
            }
            return;
        }
    }
    v.expr(init, pattern_use(pat));
}

/// The use of a value bound by `pat`.
fn pattern_use(pat: &syn::Pat) -> Use<'_> {
    match pat {
        syn::Pat::Wild(_) => Use::Wildcard,
        syn::Pat::Type(typed) if matches!(*typed.pat, syn::Pat::Wild(_)) => Use::Wildcard,
        pat => Use::Bound(pat),
    }
}

/// The identifier a `let` pattern binds the whole value to: `name`, `mut name`, `name: T`.
pub fn bound_ident(pat: &syn::Pat) -> Option<&syn::PatIdent> {
    match pat {
        syn::Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => Some(ident),
        syn::Pat::Type(typed) => bound_ident(&typed.pat),
        _ => None,
    }
}

/// Every identifier a pattern binds.
pub fn pattern_idents(pat: &syn::Pat) -> Vec<&syn::PatIdent> {
    struct Idents<'p>(Vec<&'p syn::PatIdent>);
    impl<'p> syn::visit::Visit<'p> for Idents<'p> {
        fn visit_pat_ident(&mut self, ident: &'p syn::PatIdent) {
            self.0.push(ident);
            syn::visit::visit_pat_ident(self, ident);
        }
        // Constants and paths in patterns bind nothing.
        fn visit_expr(&mut self, _expr: &'p syn::Expr) {}
    }
    let mut idents = Idents(Vec::new());
    syn::visit::Visit::visit_pat(&mut idents, pat);
    idents.0
}

/// Walks a macro's parsed body, if it has one.
pub fn walk_macro<'a>(v: &mut impl UseVisitor<'a>, mac: &'a syn::Macro, use_: Use<'a>) {
    let Some(body) = v.macros().get(mac) else {
        return;
    };
    for (expr, role) in &body.args {
        v.expr(expr, arg_use(*role, use_));
    }
    for arm in &body.arms {
        if let Some(future) = &arm.future {
            v.expr(future, Use::Polled);
        }
        if let Some(guard) = &arm.guard {
            v.expr(guard, Use::Inspected);
        }
        v.expr(&arm.handler, use_);
    }
}

/// The use of a macro argument with this role, in a macro whose value is used as `use_`.
pub fn arg_use(role: ArgRole, use_: Use<'_>) -> Use<'_> {
    match role {
        ArgRole::Polled => Use::Polled,
        ArgRole::Inspected => Use::Inspected,
        ArgRole::Element => Use::Element(container(use_)),
        ArgRole::Value => use_,
        ArgRole::Other => Use::Other,
    }
}

/// The use of a collection, as seen by its elements.
fn container(use_: Use<'_>) -> Container {
    match use_ {
        Use::Discarded | Use::Wildcard | Use::Element(Container::Discarded) => Container::Discarded,
        _ => Container::Kept,
    }
}

/// `Some(x)`, `Ok(x)`, `Err(x)`, `Box::new(x)`, `Box::pin(x)`: the value goes on as it is.
fn is_wrapper(func: &syn::Expr) -> bool {
    let syn::Expr::Path(path) = func else {
        return false;
    };
    let names: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    match names.as_slice() {
        [.., last] if matches!(last.as_str(), "Some" | "Ok" | "Err") => true,
        [.., ty, function] => ty == "Box" && matches!(function.as_str(), "new" | "pin"),
        _ => false,
    }
}

/// Walks the direct children of `expr`, whose own use is `use_`.
pub fn walk_expr<'a>(v: &mut impl UseVisitor<'a>, expr: &'a syn::Expr, use_: Use<'a>) {
    use syn::Expr as E;
    match expr {
        E::Array(array) => {
            let element = Use::Element(container(use_));
            array.elems.iter().for_each(|e| v.expr(e, element));
        }
        E::Tuple(tuple) => {
            let element = Use::Element(container(use_));
            tuple.elems.iter().for_each(|e| v.expr(e, element));
        }
        E::Struct(literal) => {
            let element = Use::Element(container(use_));
            literal.fields.iter().for_each(|f| v.expr(&f.expr, element));
            if let Some(rest) = &literal.rest {
                v.expr(rest, Use::Other);
            }
        }
        E::Repeat(repeat) => {
            v.expr(&repeat.expr, Use::Element(container(use_)));
            v.expr(&repeat.len, Use::Other);
        }
        E::Assign(assign) => {
            let value_use = if matches!(*assign.left, E::Infer(_)) {
                Use::Wildcard
            } else {
                Use::Assigned(&assign.left)
            };
            v.expr(&assign.right, value_use);
            walk_place(v, &assign.left);
        }
        E::Async(block) => v.block(&block.block, Use::Returned),
        E::Await(await_expr) => v.expr(&await_expr.base, Use::Awaited),
        E::Binary(binary) => {
            use syn::BinOp as B;
            let operand = match binary.op {
                B::Eq(_)
                | B::Ne(_)
                | B::Lt(_)
                | B::Le(_)
                | B::Gt(_)
                | B::Ge(_)
                | B::And(_)
                | B::Or(_) => Use::Inspected,
                _ => Use::Other,
            };
            v.expr(&binary.left, operand);
            v.expr(&binary.right, operand);
        }
        E::Block(block) => v.block(&block.block, use_),
        E::Unsafe(block) => v.block(&block.block, use_),
        E::Const(block) => v.block(&block.block, use_),
        E::TryBlock(block) => v.block(&block.block, use_),
        E::Break(break_expr) => {
            if let Some(value) = &break_expr.expr {
                v.expr(value, Use::Other);
            }
        }
        E::Call(call) => {
            let arg_use = if is_wrapper(&call.func) {
                use_
            } else {
                Use::Argument
            };
            v.expr(&call.func, Use::Other);
            call.args.iter().for_each(|arg| v.expr(arg, arg_use));
        }
        E::Cast(cast) => v.expr(&cast.expr, Use::Other),
        E::Closure(closure) => v.expr(&closure.body, Use::Returned),
        E::Field(field) => v.expr(&field.base, Use::Other),
        E::ForLoop(for_loop) => {
            v.expr(&for_loop.expr, Use::Other);
            v.block(&for_loop.body, Use::Discarded);
        }
        E::Group(group) => v.expr(&group.expr, use_),
        E::Paren(paren) => v.expr(&paren.expr, use_),
        E::If(if_expr) => {
            walk_condition(v, &if_expr.cond);
            v.block(&if_expr.then_branch, use_);
            if let Some((_, else_branch)) = &if_expr.else_branch {
                v.expr(else_branch, use_);
            }
        }
        E::Index(index) => {
            v.expr(&index.expr, Use::Other);
            v.expr(&index.index, Use::Other);
        }
        E::Let(let_expr) => v.expr(&let_expr.expr, Use::Other),
        E::Loop(loop_expr) => v.block(&loop_expr.body, Use::Discarded),
        E::Macro(mac) => v.mac(&mac.mac, use_),
        E::Match(match_expr) => {
            v.expr(&match_expr.expr, Use::Other);
            for arm in &match_expr.arms {
                if let Some((_, guard)) = &arm.guard {
                    v.expr(guard, Use::Inspected);
                }
                v.expr(&arm.body, use_);
            }
        }
        E::MethodCall(call) => {
            let method = call.method.to_string();
            let receiver_use = if PASS_THROUGH_METHODS.contains(&method.as_str()) {
                use_
            } else {
                Use::Receiver {
                    method: &call.method,
                }
            };
            v.expr(&call.receiver, receiver_use);
            call.args.iter().for_each(|arg| v.expr(arg, Use::Argument));
        }
        E::Range(range) => {
            if let Some(start) = &range.start {
                v.expr(start, Use::Other);
            }
            if let Some(end) = &range.end {
                v.expr(end, Use::Other);
            }
        }
        E::RawAddr(raw) => v.expr(&raw.expr, Use::Other),
        E::Reference(reference) => v.expr(&reference.expr, use_),
        E::Return(ret) => {
            if let Some(value) = &ret.expr {
                v.expr(value, Use::Returned);
            }
        }
        E::Try(try_expr) => v.expr(&try_expr.expr, use_),
        E::Unary(unary) => {
            let operand = match unary.op {
                syn::UnOp::Not(_) => Use::Inspected,
                _ => Use::Other,
            };
            v.expr(&unary.expr, operand);
        }
        E::While(while_expr) => {
            walk_condition(v, &while_expr.cond);
            v.block(&while_expr.body, Use::Discarded);
        }
        E::Yield(yield_expr) => {
            if let Some(value) = &yield_expr.expr {
                v.expr(value, Use::Returned);
            }
        }
        // Paths, literals, `continue`, `_` and unparsed tokens have no children.
        _ => {}
    }
}

/// A condition of `if` or `while`: `let` scrutinees are matched, other operands are looked at.
pub fn walk_condition<'a>(v: &mut impl UseVisitor<'a>, cond: &'a syn::Expr) {
    match cond {
        syn::Expr::Let(let_expr) => v.expr(&let_expr.expr, Use::Other),
        syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
            walk_condition(v, &binary.left);
            walk_condition(v, &binary.right);
        }
        cond => v.expr(cond, Use::Inspected),
    }
}

/// The expressions evaluated inside an assignment target (`self.tasks[i]` evaluates
/// `self.tasks` and `i`); the target itself is a store.
pub fn walk_place<'a>(v: &mut impl UseVisitor<'a>, place: &'a syn::Expr) {
    match place {
        syn::Expr::Field(field) => v.expr(&field.base, Use::Other),
        syn::Expr::Index(index) => {
            v.expr(&index.expr, Use::Other);
            v.expr(&index.index, Use::Other);
        }
        syn::Expr::Unary(unary) => v.expr(&unary.expr, Use::Other),
        syn::Expr::Paren(paren) => walk_place(v, &paren.expr),
        syn::Expr::Tuple(tuple) => tuple.elems.iter().for_each(|e| walk_place(v, e)),
        _ => {}
    }
}
