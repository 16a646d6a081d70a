//! How the value of each expression is used: awaited, discarded, bound to a target, passed to a
//! call, tested for truth... The walk hands every expression of a statement to a [`UseSink`]
//! together with its [`Use`]; the rules and the flow analysis decide what each use means.

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};

/// What happens to the value of an expression.
#[derive(Debug, Clone, Copy)]
pub enum Use<'a> {
    /// Evaluated and thrown away (an expression statement).
    Discarded,
    /// `await <expr>`.
    Awaited,
    /// Bound to an assignment target (a name, attribute, subscript).
    Assigned { target: &'a Expr },
    /// An element of a container or comprehension whose own use is `container`.
    Element { container: ContainerUse<'a> },
    /// Passed to a call.
    Argument {
        call: &'a ast::ExprCall,
        position: ArgPosition<'a>,
    },
    /// The receiver of a method call: `<expr>.method(...)`.
    Receiver { method: &'a str },
    /// `return`, `yield`, `yield from`.
    Returned,
    /// Returned by a lambda whose own use is `lambda`.
    LambdaResult { lambda: LambdaUse<'a> },
    /// Tested for truth: `if`/`while`/`assert` tests, `not`, `and`/`or` operands.
    Truth,
    /// Compared (`is None`, `==`) or formatted: read without being kept.
    Inspected,
    /// Any other use (subscripted, iterated, attribute read, arithmetic...): the value may be
    /// kept by it.
    Other,
}

/// How a container or comprehension holding a value is used.
#[derive(Debug, Clone, Copy)]
pub enum ContainerUse<'a> {
    /// The container is thrown away.
    Discarded,
    /// The container is bound to a name.
    BoundTo(&'a ast::ExprName),
    /// Anything else: the container (and so the element) may be kept.
    Kept,
}

/// How a lambda is used: the caller that receives it, if any.
#[derive(Debug, Clone, Copy)]
pub enum LambdaUse<'a> {
    /// Passed to a call at this position.
    PassedTo {
        call: &'a ast::ExprCall,
        position: ArgPosition<'a>,
    },
    Other,
}

/// Where an argument stands in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgPosition<'a> {
    Positional(usize),
    Keyword(&'a str),
    /// `*args` or `**kwargs`.
    Unpacked,
}

/// Receives the uses found by the walk.
pub trait UseSink<'a> {
    /// Called for every expression, outermost first, with how its value is used.
    fn expr(&mut self, expr: &'a Expr, use_: Use<'a>);
    /// Called on entering a lambda (its body is then walked) and on leaving it.
    fn enter_lambda(&mut self, _lambda: &'a ast::ExprLambda) {}
    fn leave_lambda(&mut self, _lambda: &'a ast::ExprLambda) {}
}

/// Walks the expressions a statement evaluates itself (not the bodies of compound statements,
/// nor nested function or class definitions), with their uses.
pub fn walk_stmt_exprs<'a>(stmt: &'a Stmt, sink: &mut impl UseSink<'a>) {
    match stmt {
        Stmt::Expr(stmt) => walk(&stmt.value, Use::Discarded, sink),
        Stmt::Assign(assign) => {
            if let [target] = assign.targets.as_slice() {
                walk_assignment(target, &assign.value, sink);
            } else {
                walk(&assign.value, Use::Other, sink);
            }
            for target in &assign.targets {
                walk_target(target, sink);
            }
        }
        Stmt::AnnAssign(assign) => {
            if let Some(value) = &assign.value {
                walk_assignment(&assign.target, value, sink);
            }
            walk_target(&assign.target, sink);
        }
        Stmt::AugAssign(assign) => {
            walk(&assign.value, Use::Other, sink);
            walk(&assign.target, Use::Other, sink);
        }
        Stmt::Return(ret) => {
            if let Some(value) = &ret.value {
                walk(value, Use::Returned, sink);
            }
        }
        Stmt::Delete(delete) => delete.targets.iter().for_each(|t| walk_target(t, sink)),
        Stmt::If(if_stmt) => {
            walk(&if_stmt.test, Use::Truth, sink);
            for clause in &if_stmt.elif_else_clauses {
                if let Some(test) = &clause.test {
                    walk(test, Use::Truth, sink);
                }
            }
        }
        Stmt::While(while_stmt) => walk(&while_stmt.test, Use::Truth, sink),
        Stmt::For(for_stmt) => {
            walk(&for_stmt.iter, Use::Other, sink);
            walk_target(&for_stmt.target, sink);
        }
        Stmt::With(with) => {
            for item in &with.items {
                walk(&item.context_expr, Use::Other, sink);
                if let Some(vars) = &item.optional_vars {
                    walk_target(vars, sink);
                }
            }
        }
        Stmt::Assert(assert) => {
            walk(&assert.test, Use::Truth, sink);
            if let Some(msg) = &assert.msg {
                walk(msg, Use::Inspected, sink);
            }
        }
        Stmt::Raise(raise) => {
            if let Some(exc) = &raise.exc {
                walk(exc, Use::Other, sink);
            }
            if let Some(cause) = &raise.cause {
                walk(cause, Use::Other, sink);
            }
        }
        Stmt::Match(match_stmt) => {
            walk(&match_stmt.subject, Use::Other, sink);
            for case in &match_stmt.cases {
                if let Some(guard) = &case.guard {
                    walk(guard, Use::Truth, sink);
                }
            }
        }
        Stmt::FunctionDef(function) => {
            for decorator in &function.decorator_list {
                walk(&decorator.expression, Use::Other, sink);
            }
            for parameter in function.parameters.iter_non_variadic_params() {
                if let Some(default) = parameter.default() {
                    walk(default, Use::Other, sink);
                }
            }
        }
        Stmt::ClassDef(class) => {
            for decorator in &class.decorator_list {
                walk(&decorator.expression, Use::Other, sink);
            }
            for base in class.bases() {
                walk(base, Use::Other, sink);
            }
        }
        Stmt::TypeAlias(alias) => walk(&alias.value, Use::Other, sink),
        Stmt::Try(try_stmt) => {
            for handler in &try_stmt.handlers {
                let ast::ExceptHandler::ExceptHandler(handler) = handler;
                if let Some(type_) = &handler.type_ {
                    walk(type_, Use::Other, sink);
                }
            }
        }
        Stmt::Import(_)
        | Stmt::ImportFrom(_)
        | Stmt::Global(_)
        | Stmt::Nonlocal(_)
        | Stmt::Pass(_)
        | Stmt::Break(_)
        | Stmt::Continue(_)
        | Stmt::IpyEscapeCommand(_) => {}
    }
}

/// `target = value`: tuples on both sides pair up element by element.
fn walk_assignment<'a>(target: &'a Expr, value: &'a Expr, sink: &mut impl UseSink<'a>) {
    let pairs = match (target, value) {
        (Expr::Tuple(targets), Expr::Tuple(values)) => Some((&targets.elts, &values.elts)),
        (Expr::List(targets), Expr::List(values)) => Some((&targets.elts, &values.elts)),
        (Expr::Tuple(targets), Expr::List(values)) => Some((&targets.elts, &values.elts)),
        (Expr::List(targets), Expr::Tuple(values)) => Some((&targets.elts, &values.elts)),
        _ => None,
    };
    match pairs {
        Some((targets, values))
            if targets.len() == values.len()
                && !targets
                    .iter()
                    .chain(values.iter())
                    .any(Expr::is_starred_expr) =>
        {
            for (target, value) in targets.iter().zip(values.iter()) {
                walk_assignment(target, value, sink);
            }
        }
        _ => walk(value, Use::Assigned { target }, sink),
    }
}

/// The expressions evaluated inside an assignment target (`self.tasks[key]` evaluates
/// `self.tasks` and `key`); the target itself is a store.
fn walk_target<'a>(target: &'a Expr, sink: &mut impl UseSink<'a>) {
    match target {
        Expr::Attribute(attribute) => walk(&attribute.value, Use::Other, sink),
        Expr::Subscript(subscript) => {
            walk(&subscript.value, Use::Other, sink);
            walk(&subscript.slice, Use::Other, sink);
        }
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| walk_target(e, sink)),
        Expr::List(list) => list.elts.iter().for_each(|e| walk_target(e, sink)),
        Expr::Starred(starred) => walk_target(&starred.value, sink),
        _ => {}
    }
}

/// Walks `expr`, used as `use_`, and every expression inside it.
pub fn walk<'a>(expr: &'a Expr, use_: Use<'a>, sink: &mut impl UseSink<'a>) {
    sink.expr(expr, use_);
    match expr {
        Expr::Await(await_expr) => walk(&await_expr.value, Use::Awaited, sink),
        Expr::Yield(yield_expr) => {
            if let Some(value) = &yield_expr.value {
                walk(value, Use::Returned, sink);
            }
        }
        Expr::YieldFrom(yield_from) => walk(&yield_from.value, Use::Returned, sink),
        Expr::Call(call) => {
            match &*call.func {
                Expr::Attribute(attribute) => walk(
                    &attribute.value,
                    Use::Receiver {
                        method: attribute.attr.as_str(),
                    },
                    sink,
                ),
                func => walk(func, Use::Other, sink),
            }
            for (index, arg) in call.arguments.args.iter().enumerate() {
                let (value, position) = match arg {
                    Expr::Starred(starred) => (&*starred.value, ArgPosition::Unpacked),
                    arg => (arg, ArgPosition::Positional(index)),
                };
                walk(value, Use::Argument { call, position }, sink);
            }
            for keyword in &call.arguments.keywords {
                let position = keyword.arg.as_ref().map_or(ArgPosition::Unpacked, |name| {
                    ArgPosition::Keyword(name.as_str())
                });
                walk(&keyword.value, Use::Argument { call, position }, sink);
            }
        }
        Expr::BoolOp(bool_op) => {
            let last = bool_op.values.len().saturating_sub(1);
            for (index, value) in bool_op.values.iter().enumerate() {
                let operand_use = if index == last { use_ } else { Use::Truth };
                walk(value, operand_use, sink);
            }
        }
        Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
            walk(&unary.operand, Use::Truth, sink)
        }
        Expr::If(if_expr) => {
            walk(&if_expr.test, Use::Truth, sink);
            walk(&if_expr.body, use_, sink);
            walk(&if_expr.orelse, use_, sink);
        }
        Expr::Compare(compare) => {
            walk(&compare.left, Use::Inspected, sink);
            for comparator in &compare.comparators {
                walk(comparator, Use::Inspected, sink);
            }
        }
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => {
            let element = Use::Element {
                container: container_use(use_),
            };
            for elt in elts {
                match elt {
                    Expr::Starred(starred) => walk(&starred.value, Use::Other, sink),
                    elt => walk(elt, element, sink),
                }
            }
        }
        Expr::Dict(dict) => {
            let element = Use::Element {
                container: container_use(use_),
            };
            for item in dict.iter() {
                if let Some(key) = &item.key {
                    walk(key, Use::Other, sink);
                }
                walk(&item.value, element, sink);
            }
        }
        Expr::ListComp(ast::ExprListComp {
            elt, generators, ..
        })
        | Expr::SetComp(ast::ExprSetComp {
            elt, generators, ..
        })
        | Expr::Generator(ast::ExprGenerator {
            elt, generators, ..
        }) => {
            walk_generators(generators, sink);
            let container = match expr {
                // A generator is lazy: its elements exist only as its consumer pulls them.
                Expr::Generator(_) => ContainerUse::Kept,
                _ => container_use(use_),
            };
            walk(elt, Use::Element { container }, sink);
        }
        Expr::DictComp(comp) => {
            walk_generators(&comp.generators, sink);
            if let Some(key) = &comp.key {
                walk(key, Use::Other, sink);
            }
            walk(
                &comp.value,
                Use::Element {
                    container: container_use(use_),
                },
                sink,
            );
        }
        Expr::Lambda(lambda) => {
            sink.enter_lambda(lambda);
            let lambda_use = match use_ {
                Use::Argument { call, position } => LambdaUse::PassedTo { call, position },
                _ => LambdaUse::Other,
            };
            walk(&lambda.body, Use::LambdaResult { lambda: lambda_use }, sink);
            sink.leave_lambda(lambda);
        }
        Expr::Named(named) => walk(&named.value, Use::Other, sink),
        Expr::FString(_) | Expr::TString(_) => {
            each_child(expr, |child| walk(child, Use::Inspected, sink));
        }
        _ => each_child(expr, |child| walk(child, Use::Other, sink)),
    }
}

fn walk_generators<'a>(generators: &'a [ast::Comprehension], sink: &mut impl UseSink<'a>) {
    for generator in generators {
        walk(&generator.iter, Use::Other, sink);
        walk_target(&generator.target, sink);
        for condition in &generator.ifs {
            walk(condition, Use::Truth, sink);
        }
    }
}

/// The use of a container, as seen by its elements.
fn container_use(use_: Use<'_>) -> ContainerUse<'_> {
    match use_ {
        Use::Discarded => ContainerUse::Discarded,
        Use::Assigned {
            target: Expr::Name(name),
        } => ContainerUse::BoundTo(name),
        Use::Element { container } => container,
        _ => ContainerUse::Kept,
    }
}

/// Calls `f` on each direct child expression of `expr`.
fn each_child<'a>(expr: &'a Expr, f: impl FnMut(&'a Expr)) {
    struct Children<F>(F);
    impl<'a, F: FnMut(&'a Expr)> Visitor<'a> for Children<F> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            (self.0)(expr);
        }
    }
    walk_expr(&mut Children(f), expr);
}

/// Walks the expressions of every statement in `body`, recursively: compound statement
/// bodies and nested function and class bodies included.
pub fn walk_body_exprs<'a>(body: &'a [Stmt], sink: &mut impl UseSink<'a>) {
    for stmt in body {
        walk_stmt_exprs(stmt, sink);
        for_each_child_body(stmt, |body| walk_body_exprs(body, sink));
    }
}

/// Calls `f` on each statement list nested directly in `stmt` (the bodies of compound
/// statements, functions and classes), in source order.
pub fn for_each_child_body<'a>(stmt: &'a Stmt, mut f: impl FnMut(&'a [Stmt])) {
    match stmt {
        Stmt::FunctionDef(function) => f(&function.body),
        Stmt::ClassDef(class) => f(&class.body),
        Stmt::If(if_stmt) => {
            f(&if_stmt.body);
            for clause in &if_stmt.elif_else_clauses {
                f(&clause.body);
            }
        }
        Stmt::While(while_stmt) => {
            f(&while_stmt.body);
            f(&while_stmt.orelse);
        }
        Stmt::For(for_stmt) => {
            f(&for_stmt.body);
            f(&for_stmt.orelse);
        }
        Stmt::With(with) => f(&with.body),
        Stmt::Try(try_stmt) => {
            f(&try_stmt.body);
            for handler in &try_stmt.handlers {
                let ast::ExceptHandler::ExceptHandler(handler) = handler;
                f(&handler.body);
            }
            f(&try_stmt.orelse);
            f(&try_stmt.finalbody);
        }
        Stmt::Match(match_stmt) => {
            for case in &match_stmt.cases {
                f(&case.body);
            }
        }
        _ => {}
    }
}
