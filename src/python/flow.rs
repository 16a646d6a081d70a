//! Flow of one task handle through a function body: after `task = create_task(...)`, does the
//! handle escape (awaited, returned, stored, passed on) on every path before the function
//! returns, the variable is rebound or deleted, or a loop comes around to the same binding?
//!
//! An abstract interpretation over the structured statements: the state at a program point is
//! the set of things the tracked binding may be there ([`States`]), joined at branches and
//! iterated to a fixpoint around loops. Paths that raise out of the function are not counted as
//! losses; an exception caught by a handler is followed from the awaits and `raise`s of the
//! `try` body.

use std::ops::Range;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::semantic::constant_truth;
use super::uses::{walk_stmt_exprs, Use, UseSink};

/// What is tracked: a local variable, or an attribute of an object named by a variable
/// (`self.task`, `conn.reader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handle<'a> {
    Local(&'a str),
    Attribute { base: &'a str, attr: &'a str },
}

impl<'a> Handle<'a> {
    /// The handle an assignment target names, if it is one we can follow.
    pub fn of_target(target: &'a Expr) -> Option<Self> {
        match target {
            Expr::Name(name) => Some(Handle::Local(name.id.as_str())),
            Expr::Attribute(attribute) => match &*attribute.value {
                Expr::Name(base) => Some(Handle::Attribute {
                    base: base.id.as_str(),
                    attr: attribute.attr.as_str(),
                }),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether `expr` reads or writes this handle.
    fn matches(&self, expr: &Expr) -> bool {
        Handle::of_target(expr).as_ref() == Some(self)
    }

    /// Whether `expr` names the object that holds this attribute handle.
    fn is_base(&self, expr: &Expr) -> bool {
        matches!((self, expr), (Handle::Attribute { base, .. }, Expr::Name(name)) if name.id.as_str() == *base)
    }

    /// How the handle is written in source.
    pub fn display(&self) -> String {
        match self {
            Handle::Local(name) => (*name).to_owned(),
            Handle::Attribute { base, attr } => format!("{base}.{attr}"),
        }
    }
}

/// How a pending handle can be lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loss {
    /// The function returns (at this `return`, or by falling off its end when `None`).
    Exit(Option<Range<usize>>),
    /// Another assignment rebinds the variable here.
    Overwritten(Range<usize>),
    /// `del` here.
    Deleted(Range<usize>),
    /// The loop (whose keyword is here) runs the same binding again.
    NextIteration(Range<usize>),
}

/// The outcome of following one binding.
#[derive(Debug, Default)]
pub struct HandleFlow {
    pub losses: Vec<Loss>,
    /// The handle escaped on at least one path.
    pub escaped_somewhere: bool,
    /// The handle is read at least once after the binding.
    pub read: bool,
}

/// Follows the binding of `handle` by the expression at `site` through `body`.
/// `track_exit` says whether leaving the function loses the handle (false for attributes).
pub fn follow(body: &[Stmt], handle: Handle<'_>, site: TextRange, track_exit: bool) -> HandleFlow {
    let mut flow = Flow {
        handle,
        finallies: Vec::new(),
        raises: Vec::new(),
        site,
        result: HandleFlow::default(),
        loops: Vec::new(),
        track_exit,
    };
    let end = flow.block(body, UNBOUND);
    if track_exit && end & HELD != 0 {
        flow.lose(Loss::Exit(None));
    }
    flow.result
}

/// A set of possible states of the tracked binding.
type States = u8;
/// Not bound by the site (before it runs, or after the value is gone).
const UNBOUND: States = 1;
/// Holds the site's task, which has not escaped.
const HELD: States = 2;
/// The site's task has escaped.
const ESCAPED: States = 4;

struct LoopFrame {
    keyword: Range<usize>,
    breaks: States,
    continues: States,
}

struct Flow<'h, 'b> {
    handle: Handle<'h>,
    /// The `finally` bodies of the enclosing `try` statements, outermost first: a `return`
    /// runs them before the function exits.
    finallies: Vec<&'b [Stmt]>,
    /// For each enclosing `try` body, the states at the points where an exception may be
    /// raised in it.
    raises: Vec<States>,
    site: TextRange,
    result: HandleFlow,
    loops: Vec<LoopFrame>,
    track_exit: bool,
}

impl<'h, 'b> Flow<'h, 'b> {
    fn lose(&mut self, loss: Loss) {
        if !self.result.losses.contains(&loss) {
            self.result.losses.push(loss);
        }
    }

    fn block(&mut self, body: &'b [Stmt], mut states: States) -> States {
        for stmt in body {
            if states == 0 {
                break;
            }
            states = self.stmt(stmt, states);
        }
        states
    }

    fn stmt(&mut self, stmt: &'b Stmt, states: States) -> States {
        match stmt {
            Stmt::Return(_) => {
                let states = self.simple(stmt, states);
                let states = self.through_finallies(states);
                if self.track_exit && states & HELD != 0 {
                    self.lose(Loss::Exit(Some(stmt.range().to_std_range())));
                }
                0
            }
            Stmt::Raise(_) => {
                self.simple(stmt, states);
                0
            }
            Stmt::Break(_) => {
                if let Some(frame) = self.loops.last_mut() {
                    frame.breaks |= states;
                }
                0
            }
            Stmt::Continue(_) => {
                if let Some(frame) = self.loops.last_mut() {
                    frame.continues |= states;
                }
                0
            }
            Stmt::If(if_stmt) => {
                let mut states = self.simple(stmt, states);
                let mut out = self.block(&if_stmt.body, self.refine(&if_stmt.test, states, true));
                states = self.refine(&if_stmt.test, states, false);
                for clause in &if_stmt.elif_else_clauses {
                    match &clause.test {
                        Some(test) => {
                            out |= self.block(&clause.body, self.refine(test, states, true));
                            states = self.refine(test, states, false);
                        }
                        None => {
                            out |= self.block(&clause.body, states);
                            states = 0;
                        }
                    }
                }
                out | states
            }
            Stmt::While(while_stmt) => {
                let keyword = keyword_range(stmt, "while");
                self.looping(
                    stmt,
                    keyword,
                    &while_stmt.body,
                    &while_stmt.orelse,
                    states,
                    Some(&while_stmt.test),
                )
            }
            Stmt::For(for_stmt) => {
                let keyword = keyword_range(
                    stmt,
                    if for_stmt.is_async {
                        "async for"
                    } else {
                        "for"
                    },
                );
                self.looping(
                    stmt,
                    keyword,
                    &for_stmt.body,
                    &for_stmt.orelse,
                    states,
                    None,
                )
            }
            Stmt::With(with) => {
                let states = self.simple(stmt, states);
                self.block(&with.body, states)
            }
            Stmt::Try(try_stmt) => {
                self.finallies.push(&try_stmt.finalbody);
                self.raises.push(0);
                let body_out = self.block(&try_stmt.body, states);
                let raised = self.raises.pop().unwrap_or(0);
                let mut out = self.block(&try_stmt.orelse, body_out);
                // A handler is reachable in any case, with the handle not bound by the site.
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    out |= self.block(&handler.body, raised | UNBOUND);
                }
                self.finallies.pop();
                // What the handlers do not catch runs the `finally` body and goes on to an
                // enclosing `try`.
                if !self.raises.is_empty() {
                    let propagated = self.block(&try_stmt.finalbody, raised);
                    if let Some(outer) = self.raises.last_mut() {
                        *outer |= propagated;
                    }
                }
                self.block(&try_stmt.finalbody, out)
            }
            Stmt::Match(match_stmt) => {
                let states = self.simple(stmt, states);
                let mut out = states;
                for case in &match_stmt.cases {
                    out |= self.block(&case.body, states);
                }
                out
            }
            // A nested function or class that mentions the handle captures it.
            Stmt::FunctionDef(ast::StmtFunctionDef { body, .. })
            | Stmt::ClassDef(ast::StmtClassDef { body, .. }) => {
                let states = self.simple(stmt, states);
                if mentions(body, self.handle) {
                    escape(states)
                } else {
                    states
                }
            }
            _ => self.simple(stmt, states),
        }
    }

    /// A loop: iterate the body to a fixpoint; leaving the loop sees the head (where the
    /// `while` test is false) and the breaks.
    fn looping(
        &mut self,
        stmt: &'b Stmt,
        keyword: Range<usize>,
        body: &'b [Stmt],
        orelse: &'b [Stmt],
        states: States,
        test: Option<&Expr>,
    ) -> States {
        let mut head = states;
        let mut breaks = 0;
        for _ in 0..8 {
            let mut tested = self.simple(stmt, head);
            if let Some(test) = test {
                tested = self.refine(test, tested, true);
            }
            self.loops.push(LoopFrame {
                keyword: keyword.clone(),
                breaks: 0,
                continues: 0,
            });
            let out = self.block(body, tested);
            let frame = self.loops.pop().expect("pushed above");
            breaks |= frame.breaks;
            let next = head | out | frame.continues;
            if next == head {
                break;
            }
            head = next;
        }
        let mut normal_exit = self.simple(stmt, head);
        if let Some(test) = test {
            normal_exit = self.refine(test, normal_exit, false);
        }
        self.block(orelse, normal_exit) | breaks
    }

    /// The states after a `return` ran the enclosing `finally` bodies, innermost first.
    fn through_finallies(&mut self, mut states: States) -> States {
        let enclosing = std::mem::take(&mut self.finallies);
        for (depth, finalbody) in enclosing.iter().enumerate().rev() {
            // While a `finally` body runs, only the `try`s around it are enclosing.
            self.finallies = enclosing[..depth].to_vec();
            states = self.block(finalbody, states);
        }
        self.finallies = enclosing;
        states
    }

    /// What the expressions of one statement do with the handle.
    fn uses(&self, stmt: &Stmt) -> Uses<'h> {
        let mut sink = Uses {
            handle: self.handle,
            site: self.site,
            escapes: false,
            read: false,
            binds_site: false,
            awaits: false,
        };
        walk_stmt_exprs(stmt, &mut sink);
        sink
    }

    /// The states on the branch where `test` is `truth`: a task is never `None` nor false, and
    /// a task that is `done()` or `cancelled()` is no longer at risk.
    fn refine(&self, test: &Expr, states: States, truth: bool) -> States {
        match test {
            Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
                self.refine(&unary.operand, states, !truth)
            }
            Expr::BoolOp(bool_op) => {
                // `and` when true and `or` when false: every operand took that value.
                let all = (bool_op.op == ast::BoolOp::And) == truth;
                if all {
                    bool_op
                        .values
                        .iter()
                        .fold(states, |states, value| self.refine(value, states, truth))
                } else {
                    bool_op
                        .values
                        .iter()
                        .fold(0, |out, value| out | self.refine(value, states, truth))
                }
            }
            Expr::BooleanLiteral(literal) => {
                if literal.value == truth {
                    states
                } else {
                    0
                }
            }
            Expr::NumberLiteral(_) if constant_truth(test) == Some(true) => {
                if truth {
                    states
                } else {
                    0
                }
            }
            Expr::Compare(compare) => {
                let [op] = &*compare.ops else { return states };
                let [right] = &*compare.comparators else {
                    return states;
                };
                let is_none = matches!(right, Expr::NoneLiteral(_));
                if !is_none || !self.handle.matches(&compare.left) {
                    return states;
                }
                let none_when = match op {
                    ast::CmpOp::Is | ast::CmpOp::Eq => true,
                    ast::CmpOp::IsNot | ast::CmpOp::NotEq => false,
                    _ => return states,
                };
                if truth == none_when {
                    states & UNBOUND
                } else {
                    states
                }
            }
            expr if self.handle.matches(expr) && !truth => states & UNBOUND,
            Expr::Call(call) if truth && call.arguments.is_empty() => match &*call.func {
                Expr::Attribute(attribute)
                    if matches!(attribute.attr.as_str(), "done" | "cancelled")
                        && self.handle.matches(&attribute.value) =>
                {
                    escape(states)
                }
                _ => states,
            },
            _ => states,
        }
    }

    /// The expressions a statement evaluates, then its stores.
    fn simple(&mut self, stmt: &Stmt, states: States) -> States {
        let sink = self.uses(stmt);
        if sink.read {
            self.result.read |= states & (HELD | ESCAPED) != 0;
        }
        let mut states = states;
        if sink.escapes && states & HELD != 0 {
            self.result.escaped_somewhere = true;
            states = escape(states);
        }
        // Exceptions worth following come from awaits and `raise`; they are raised after the
        // statement passed its arguments on and before it stores.
        if sink.awaits || matches!(stmt, Stmt::Raise(_)) {
            if let Some(raises) = self.raises.last_mut() {
                *raises |= states;
            }
        }
        if stores_to(stmt, |target| self.handle.is_base(target)).is_some() {
            // The object holding the attribute is replaced: the old object keeps its task.
            states = UNBOUND;
        }
        if let Some(range) =
            stores_to(stmt, |target| self.handle.matches(target)).filter(|_| !sink.binds_site)
        {
            if states & HELD != 0 {
                self.lose(match stmt {
                    Stmt::Delete(_) => Loss::Deleted(range),
                    _ => Loss::Overwritten(range),
                });
            }
            states = UNBOUND;
        }
        if sink.binds_site {
            if states & HELD != 0 {
                let keyword = self.loops.last().map(|frame| frame.keyword.clone());
                if let Some(keyword) = keyword {
                    self.lose(Loss::NextIteration(keyword));
                }
            }
            states = HELD;
        }
        states
    }
}

/// All `HELD` become `ESCAPED`.
fn escape(states: States) -> States {
    if states & HELD != 0 {
        (states & !HELD) | ESCAPED
    } else {
        states
    }
}

/// Finds, in one statement's expressions, the reads of the handle and whether they keep it.
struct Uses<'h> {
    handle: Handle<'h>,
    site: TextRange,
    escapes: bool,
    read: bool,
    binds_site: bool,
    /// The statement awaits something.
    awaits: bool,
}

impl<'a> UseSink<'a> for Uses<'_> {
    fn expr(&mut self, expr: &'a Expr, use_: Use<'a>) {
        self.awaits |= matches!(expr, Expr::Await(_));
        if expr.range() == self.site {
            if let Use::Assigned { target } = use_ {
                self.binds_site = self.handle.matches(target);
            }
            return;
        }
        if !self.handle.matches(expr) {
            if let Expr::Lambda(lambda) = expr {
                if mentions_expr(&lambda.body, self.handle) {
                    self.read = true;
                    self.escapes = true;
                }
            }
            return;
        }
        self.read = true;
        self.escapes |= keeps(use_);
    }
}

/// Task methods that neither keep the task nor make sure it finishes. (`cancel()` schedules
/// the task to run its cancellation, and `result()`/`exception()` need a finished task or
/// block until it is one: those count as taking care of it.)
const NON_KEEPING_METHODS: &[&str] = &[
    "add_done_callback",
    "remove_done_callback",
    "set_name",
    "get_name",
    "cancelled",
    "get_coro",
    "get_stack",
    "print_stack",
    "cancelling",
    "uncancel",
    "get_context",
    "done",
];

/// Calls that only look at their arguments: printing and logging.
pub fn is_harmless_call(call: &ast::ExprCall) -> bool {
    match &*call.func {
        Expr::Name(name) => matches!(
            name.id.as_str(),
            "print" | "repr" | "str" | "id" | "type" | "isinstance" | "hash" | "bool" | "format"
        ),
        Expr::Attribute(attribute) => {
            let method = attribute.attr.as_str();
            let logging_method = matches!(
                method,
                "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical" | "log"
            );
            logging_method && is_logger(&attribute.value)
        }
        _ => false,
    }
}

/// `logging`, `logger`, `self.log`, `_LOGGER`...
fn is_logger(expr: &Expr) -> bool {
    let name = match expr {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Call(call) => {
            return matches!(&*call.func, Expr::Attribute(a) if a.attr.as_str() == "getLogger")
        }
        _ => return false,
    };
    let name = name.trim_start_matches('_').to_ascii_lowercase();
    matches!(name.as_str(), "logging" | "logger" | "log" | "lgr")
}

/// Whether a use of the handle keeps the task alive (or shows that the author tracks it).
pub fn keeps(use_: Use<'_>) -> bool {
    match use_ {
        Use::Discarded | Use::Truth | Use::Inspected => false,
        Use::Receiver { method, .. } => !NON_KEEPING_METHODS.contains(&method),
        Use::Argument { call, .. } => !is_harmless_call(call),
        _ => true,
    }
}

/// The range of the first store of a statement to a target that `is_target` accepts.
fn stores_to(stmt: &Stmt, is_target: impl Fn(&Expr) -> bool + Copy) -> Option<Range<usize>> {
    let targets: Vec<&Expr> = match stmt {
        Stmt::Assign(assign) => assign.targets.iter().collect(),
        Stmt::AnnAssign(assign) if assign.value.is_some() => vec![&assign.target],
        Stmt::AugAssign(_) => return None,
        Stmt::For(for_stmt) => vec![&for_stmt.target],
        Stmt::With(with) => with
            .items
            .iter()
            .filter_map(|item| item.optional_vars.as_deref())
            .collect(),
        Stmt::Delete(delete) => delete.targets.iter().collect(),
        _ => return None,
    };
    targets
        .into_iter()
        .find_map(|target| store_in_target(target, is_target))
}

fn store_in_target(
    target: &Expr,
    is_target: impl Fn(&Expr) -> bool + Copy,
) -> Option<Range<usize>> {
    match target {
        Expr::Tuple(tuple) => tuple
            .elts
            .iter()
            .find_map(|e| store_in_target(e, is_target)),
        Expr::List(list) => list.elts.iter().find_map(|e| store_in_target(e, is_target)),
        Expr::Starred(starred) => store_in_target(&starred.value, is_target),
        target if is_target(target) => Some(target.range().to_std_range()),
        _ => None,
    }
}

/// Finds a mention of the handle inside a nested function, class or lambda (a closure
/// capturing it).
struct Mention<'h> {
    handle: Handle<'h>,
    found: bool,
}

impl<'a> Visitor<'a> for Mention<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !self.found {
            walk_stmt(self, stmt);
        }
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.handle.matches(expr) {
            self.found = true;
        } else if !self.found {
            walk_expr(self, expr);
        }
    }
}

fn mentions(body: &[Stmt], handle: Handle<'_>) -> bool {
    let mut finder = Mention {
        handle,
        found: false,
    };
    body.iter().for_each(|stmt| finder.visit_stmt(stmt));
    finder.found
}

fn mentions_expr(expr: &Expr, handle: Handle<'_>) -> bool {
    let mut finder = Mention {
        handle,
        found: false,
    };
    finder.visit_expr(expr);
    finder.found
}

/// The range of a compound statement's keyword (`while`, `for`, `async for`).
pub fn keyword_range(stmt: &Stmt, keyword: &str) -> Range<usize> {
    let start = stmt.range().start().to_usize();
    start..start + keyword.len()
}
