//! The paths around a loop of a coroutine, for TL004: from the loop's head back to it, by
//! falling through the body or by `continue`. A path *spins* when nothing it awaits may suspend
//! and it does not change the state its conditions read (see [`super::effects`]): it then comes
//! around the same way forever (or until the clock says otherwise), and no other task runs
//! meanwhile.
//!
//! The paths are followed over the structured statements, keeping only those that have not
//! suspended yet. Each path records the state read by the conditions that chose it (the loop's
//! own condition, the `if`/`elif`/`match` tests that steer it (whose branches await or jump
//! differently), and what the calls of a `try` body read, which decide whether it raises); a
//! local assigned earlier on the path stands for what its value read (`job = await
//! self.next_job()` makes `if job is None` read `self`). It records the state it changes too,
//! except on a branch where a call came back empty (`None`, false, an exception): that call
//! took nothing (`if job is None: continue` spins while `next_job` finds nothing to pop).
//!
//! A path that changes what its conditions read may take another way next time: it is bounded.
//! An `async for` or `async with` suspends. An exception is followed to the handlers of a `try`
//! from its `raise` statements, and from its calls and awaits (after the awaits, before the
//! stores) unless something in the `try` body may suspend: then what the handlers catch comes
//! from there. `finally` bodies are followed on the way out of the `try` only.

use std::ops::Range;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::effects::{calls_read, chains_read, names_bound, push_new, Effects};
use super::index::{Awaiting, Definition};
use super::resolve::Resolver;
use super::semantic::{constant_truth, dotted};

/// A path around a loop that awaits nothing that may suspend and cannot end by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spin {
    /// The awaits on the path, each of a coroutine that runs inline.
    pub inline_awaits: Vec<InlineAwait>,
    /// The `continue` that closes the path; `None` when it falls through the end of the body.
    pub continue_at: Option<Range<usize>>,
    /// The last `if` test the path takes, and its value on the path.
    pub branch: Option<(Range<usize>, bool)>,
}

/// An `await` of a coroutine that never suspends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineAwait {
    /// The `await` expression.
    pub range: Range<usize>,
    /// Where the project defines the coroutine (`None` when the configuration names it).
    pub definition: Option<Definition>,
}

/// How an iterator that never runs out goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endless {
    /// `itertools.count()`: every item is new, so a condition on it may end the loop.
    Counting,
    /// `itertools.cycle(...)`, `itertools.repeat(x)`: the items come back.
    Repeating,
}

/// Iterators that never run out.
const ENDLESS_ITERATORS: &[(&str, Endless)] = &[
    ("itertools.count", Endless::Counting),
    ("itertools.cycle", Endless::Repeating),
    ("itertools.repeat", Endless::Repeating),
];

/// How many paths are followed at once; beyond, the extra ones are dropped (which can only miss
/// a spin, never report one).
const MAX_PATHS: usize = 64;

/// Whether `iter`, the iterable of a `for`, never runs out.
pub fn endless(resolver: &Resolver<'_, '_>, iter: &Expr) -> Option<Endless> {
    let Expr::Call(call) = iter else {
        return None;
    };
    let name = resolver.qualified_name(&call.func)?;
    let (_, endless) = ENDLESS_ITERATORS.iter().find(|(api, _)| *api == name)?;
    let bounded_repeat = name == "itertools.repeat"
        && (call.arguments.args.len() > 1 || call.arguments.find_keyword("times").is_some());
    (!bounded_repeat).then_some(*endless)
}

/// Whether `stmt` is a loop that [`find_spin`] may find spinning, by its syntax alone: a
/// `while`, or a `for` over a call (which may be an endless iterator), that awaits something (a
/// loop that awaits nothing is a plain computation).
pub fn may_spin(stmt: &Stmt) -> bool {
    let may_be_endless = match stmt {
        Stmt::While(_) => true,
        Stmt::For(for_stmt) => !for_stmt.is_async && matches!(*for_stmt.iter, Expr::Call(_)),
        _ => false,
    };
    may_be_endless && awaits_anything(stmt)
}

/// A path around `stmt` (a `while`, or a `for` over an endless iterator) that spins, if there
/// is one.
pub fn find_spin(resolver: &Resolver<'_, '_>, stmt: &Stmt) -> Option<Spin> {
    let mut paths = Paths {
        resolver,
        loops: Vec::new(),
        raises: Vec::new(),
    };
    let heads = match stmt {
        Stmt::While(while_stmt) => {
            let tested = paths.evaluate(&while_stmt.test, vec![Path::default()]);
            paths.loop_condition(&while_stmt.test, tested, true)
        }
        Stmt::For(for_stmt) if !for_stmt.is_async => {
            let endless = endless(resolver, &for_stmt.iter)?;
            let evaluated = paths.evaluate_iterable(&for_stmt.iter, vec![Path::default()]);
            paths.next_item(for_stmt, evaluated, Some(endless))
        }
        _ => return None,
    };
    paths.loops.push(LoopFrame::default());
    let fall_through = paths.block(body_of(stmt), heads);
    let frame = paths.loops.pop().unwrap_or_default();
    fall_through
        .into_iter()
        .map(|path| (path, None))
        .chain(
            frame
                .continues
                .into_iter()
                .map(|(path, at)| (path, Some(at))),
        )
        .filter(|(path, _)| !path.changes_its_conditions())
        // The one that says most about itself.
        .min_by_key(|(path, continue_at)| {
            (
                path.inline_awaits.is_empty(),
                continue_at.is_none(),
                path.branch.is_none(),
            )
        })
        .map(|(path, continue_at)| Spin {
            inline_awaits: path.inline_awaits,
            continue_at,
            branch: path.branch,
        })
}

fn body_of(stmt: &Stmt) -> &[Stmt] {
    match stmt {
        Stmt::While(while_stmt) => &while_stmt.body,
        Stmt::For(for_stmt) => &for_stmt.body,
        _ => &[],
    }
}

/// What took the result of the calls that made a change: when it comes back empty, the calls
/// took nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Taker {
    /// The local assigned what the calls returned (`job = await self.next_job()`).
    Local(String),
    /// The condition starting at this offset, whose calls made the change.
    Condition(usize),
}

/// One path that has not suspended yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Path {
    /// The chains read by the conditions that chose this path.
    guards: Vec<String>,
    /// The chains the path changes, each with what took the result of the calls that changed
    /// it.
    changes: Vec<(String, Option<Taker>)>,
    /// Locals assigned on the path, with the chains their values read.
    locals: Vec<(String, Vec<String>)>,
    inline_awaits: Vec<InlineAwait>,
    branch: Option<(Range<usize>, bool)>,
    /// The value of the simple conditions the path took (`not_enough`, `self.ready`), until it
    /// changes what they read.
    known: Vec<(String, bool)>,
    /// Locals the path set to an integer literal and did not change since.
    counters: Vec<String>,
}

impl Path {
    /// The value of `test` on this path, when the conditions it took say.
    fn truth_of(&self, test: &Expr) -> Option<bool> {
        match test {
            Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
                self.truth_of(&unary.operand).map(|truth| !truth)
            }
            Expr::BoolOp(bool_op) => {
                // `and` is false as soon as one operand is, `or` true as soon as one is.
                let decisive = bool_op.op == ast::BoolOp::Or;
                let values: Vec<Option<bool>> = bool_op
                    .values
                    .iter()
                    .map(|value| self.truth_of(value))
                    .collect();
                if values.contains(&Some(decisive)) {
                    Some(decisive)
                } else if values.iter().all(|value| *value == Some(!decisive)) {
                    Some(!decisive)
                } else {
                    None
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                let chain = dotted(test)?;
                self.known
                    .iter()
                    .find(|(known, _)| *known == chain)
                    .map(|(_, truth)| *truth)
            }
            _ => None,
        }
    }

    /// Remembers that `test` is `truth` on this path.
    fn learn(&mut self, test: &Expr, truth: bool) {
        match test {
            Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
                self.learn(&unary.operand, !truth);
            }
            // Every operand of a true `and` is true, of a false `or` false.
            Expr::BoolOp(bool_op) if (bool_op.op == ast::BoolOp::And) == truth => {
                for value in &bool_op.values {
                    self.learn(value, truth);
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                if let Some(chain) = dotted(test) {
                    self.known.retain(|(known, _)| *known != chain);
                    self.known.push((chain, truth));
                }
            }
            _ => {}
        }
    }

    /// Whether the path changes state that one of its conditions reads.
    fn changes_its_conditions(&self) -> bool {
        self.guards.iter().any(|guard| {
            self.changes
                .iter()
                .any(|(change, _)| overlap(guard, change))
        })
    }

    /// The chains `reads` stand for on this path: a local assigned earlier on it stands for what
    /// its value read.
    fn resolve(&self, reads: Vec<String>) -> Vec<String> {
        let mut resolved = Vec::new();
        for chain in reads {
            let root = chain.split('.').next().unwrap_or_default();
            match self.locals.iter().rev().find(|(name, _)| name == root) {
                Some((_, value_reads)) => resolved.extend(value_reads.iter().cloned()),
                None => resolved.push(chain),
            }
        }
        resolved
    }

    fn guard(&mut self, reads: Vec<String>) {
        let resolved = self.resolve(reads);
        push_new(&mut self.guards, resolved);
    }

    fn change(&mut self, chains: impl IntoIterator<Item = String>, taker: Option<&Taker>) {
        for chain in chains {
            self.known.retain(|(known, _)| !overlap(known, &chain));
            let change = (chain, taker.cloned());
            if !self.changes.contains(&change) {
                self.changes.push(change);
            }
        }
    }

    /// On a branch where `taker` came back empty: its calls took nothing.
    fn took_nothing(&mut self, taker: &Taker) {
        self.changes
            .retain(|(_, took)| took.as_ref() != Some(taker));
    }

    /// `name = value`, where the value read `reads`.
    fn assign(&mut self, name: &str, reads: Vec<String>) {
        self.bind(name, reads);
        self.change([name.to_owned()], None);
    }

    /// `name` now stands for what `reads` are; the local itself does not move forward (the
    /// items of `itertools.cycle(...)` come back).
    fn bind(&mut self, name: &str, reads: Vec<String>) {
        self.known.retain(|(known, _)| !overlap(known, name));
        let resolved = self.resolve(reads);
        self.locals.retain(|(local, _)| local != name);
        self.locals.push((name.to_owned(), resolved));
    }
}

/// Whether two chains read or change the same state: `self.buffer` and `self.buffer.items`
/// overlap, `self.buffer` and `self.backlog` do not.
fn overlap(one: &str, other: &str) -> bool {
    let (short, long) = if one.len() <= other.len() {
        (one, other)
    } else {
        (other, one)
    };
    long == short || (long.starts_with(short) && long.as_bytes().get(short.len()) == Some(&b'.'))
}

/// The first `MAX_PATHS` distinct paths.
fn distinct(paths: Vec<Path>) -> Vec<Path> {
    let mut kept: Vec<Path> = Vec::new();
    for path in paths {
        if kept.len() == MAX_PATHS {
            break;
        }
        if !kept.contains(&path) {
            kept.push(path);
        }
    }
    kept
}

/// Where an exception may be raised in a `try` body.
#[derive(Debug, Default)]
struct RaisePoints {
    /// The paths at its `raise` statements.
    explicit: Vec<Path>,
    /// The paths at its calls and awaits.
    implicit: Vec<Path>,
    /// Something in it may suspend: what its handlers catch comes from there (the I/O the `try`
    /// is about), not from the calls before it.
    suspends: bool,
}

impl RaisePoints {
    /// The paths into the handlers.
    fn into_paths(self) -> Vec<Path> {
        let mut paths = self.explicit;
        if !self.suspends {
            paths.extend(self.implicit);
        }
        paths
    }
}

#[derive(Debug, Default)]
struct LoopFrame {
    continues: Vec<(Path, Range<usize>)>,
    breaks: Vec<Path>,
}

struct Paths<'r, 'm, 'a> {
    resolver: &'r Resolver<'m, 'a>,
    loops: Vec<LoopFrame>,
    /// For each enclosing `try` body, where an exception may be raised in it.
    raises: Vec<RaisePoints>,
}

impl Paths<'_, '_, '_> {
    fn block(&mut self, body: &[Stmt], mut paths: Vec<Path>) -> Vec<Path> {
        for stmt in body {
            if paths.is_empty() {
                break;
            }
            paths = distinct(self.stmt(stmt, paths));
        }
        paths
    }

    fn stmt(&mut self, stmt: &Stmt, paths: Vec<Path>) -> Vec<Path> {
        match stmt {
            Stmt::Break(_) => {
                if let Some(frame) = self.loops.last_mut() {
                    frame.breaks.extend(paths);
                }
                Vec::new()
            }
            Stmt::Continue(continue_stmt) => {
                if let Some(frame) = self.loops.last_mut() {
                    let at = continue_stmt.range().to_std_range();
                    frame
                        .continues
                        .extend(paths.into_iter().map(|path| (path, at.clone())));
                }
                Vec::new()
            }
            Stmt::Return(_) => {
                self.simple(stmt, paths);
                Vec::new()
            }
            Stmt::Raise(_) => {
                let paths = self.simple(stmt, paths);
                if let Some(raises) = self.raises.last_mut() {
                    raises.explicit.extend(paths);
                }
                Vec::new()
            }
            Stmt::If(if_stmt) => {
                // Branches that neither await nor jump come back the same way: their tests do
                // not steer the loop.
                let steers = awaits_or_jumps(&if_stmt.body)
                    || if_stmt
                        .elif_else_clauses
                        .iter()
                        .any(|clause| awaits_or_jumps(&clause.body));
                let mut out = Vec::new();
                let mut rest = self.evaluate(&if_stmt.test, paths);
                let taken = self.take_branch(&if_stmt.test, rest.clone(), true, steers);
                out.extend(self.block(&if_stmt.body, taken));
                rest = self.take_branch(&if_stmt.test, rest, false, steers);
                for clause in &if_stmt.elif_else_clauses {
                    match &clause.test {
                        Some(test) => {
                            rest = self.evaluate(test, rest);
                            let taken = self.take_branch(test, rest.clone(), true, steers);
                            out.extend(self.block(&clause.body, taken));
                            rest = self.take_branch(test, rest, false, steers);
                        }
                        None => {
                            out.extend(self.block(&clause.body, rest));
                            rest = Vec::new();
                        }
                    }
                }
                out.extend(rest);
                out
            }
            Stmt::While(while_stmt) => {
                let tested = self.evaluate(&while_stmt.test, paths);
                let entered = self.loop_condition(&while_stmt.test, tested.clone(), true);
                // A counter that starts at a literal is below its bound: the loop runs.
                let skippable: Vec<Path> = tested
                    .into_iter()
                    .filter(|path| !counts_up_from_the_start(&while_stmt.test, path))
                    .collect();
                let skipped = self.loop_condition(&while_stmt.test, skippable, false);
                let (again, breaks) = self.one_iteration(&while_stmt.body, entered);
                let again = self.evaluate(&while_stmt.test, again);
                let ended = self.loop_condition(&while_stmt.test, again, false);
                let mut out = self.block(&while_stmt.orelse, [skipped, ended].concat());
                out.extend(breaks);
                out
            }
            Stmt::For(for_stmt) if for_stmt.is_async => Vec::new(),
            Stmt::For(for_stmt) => {
                let endless = endless(self.resolver, &for_stmt.iter);
                let evaluated = self.evaluate_iterable(&for_stmt.iter, paths);
                let mut skipped = evaluated.clone();
                let iterable = chains_read(self.resolver, &for_stmt.iter);
                for path in &mut skipped {
                    path.guard(iterable.clone());
                }
                let entered = self.next_item(for_stmt, evaluated, endless);
                let (again, breaks) = self.one_iteration(&for_stmt.body, entered);
                let mut ended = again;
                for path in &mut ended {
                    path.guard(iterable.clone());
                }
                let normal = if endless.is_some() {
                    Vec::new()
                } else {
                    [skipped, ended].concat()
                };
                let mut out = self.block(&for_stmt.orelse, normal);
                out.extend(breaks);
                out
            }
            Stmt::With(with) if with.is_async => Vec::new(),
            Stmt::With(with) => {
                let paths = self.simple(stmt, paths);
                self.block(&with.body, paths)
            }
            Stmt::Try(try_stmt) => self.try_stmt(try_stmt, paths),
            Stmt::Match(match_stmt) => {
                let steers = match_stmt
                    .cases
                    .iter()
                    .any(|case| awaits_or_jumps(&case.body));
                let evaluated = self.evaluate(&match_stmt.subject, paths);
                let subject = chains_read(self.resolver, &match_stmt.subject);
                let mut rest: Vec<Path> = evaluated
                    .into_iter()
                    .map(|mut path| {
                        if steers {
                            path.guard(subject.clone());
                        }
                        path
                    })
                    .collect();
                let mut out = Vec::new();
                for case in &match_stmt.cases {
                    let mut entered = rest.clone();
                    if let Some(guard) = &case.guard {
                        entered = self.evaluate(guard, entered);
                        entered = self.take_branch(guard, entered, true, steers);
                    }
                    for path in &mut entered {
                        for name in pattern_captures(&case.pattern) {
                            path.assign(&name, subject.clone());
                        }
                    }
                    out.extend(self.block(&case.body, entered));
                    if case.guard.is_none() && case.pattern.is_irrefutable() {
                        rest = Vec::new();
                        break;
                    }
                }
                out.extend(rest);
                out
            }
            _ => self.simple(stmt, paths),
        }
    }

    /// One pass through a nested loop's body: the paths that come back to its head, and those
    /// that leave it by `break`.
    fn one_iteration(&mut self, body: &[Stmt], entered: Vec<Path>) -> (Vec<Path>, Vec<Path>) {
        self.loops.push(LoopFrame::default());
        let mut again = self.block(body, entered);
        let frame = self.loops.pop().unwrap_or_default();
        again.extend(frame.continues.into_iter().map(|(path, _)| path));
        (again, frame.breaks)
    }

    /// The paths into a `for` body: the target takes the next item. A counter changes on every
    /// iteration; the items of any other iterable stand for what the iterable reads.
    fn next_item(
        &mut self,
        for_stmt: &ast::StmtFor,
        paths: Vec<Path>,
        endless: Option<Endless>,
    ) -> Vec<Path> {
        let iterable = chains_read(self.resolver, &for_stmt.iter);
        let targets = names_bound(&for_stmt.target);
        paths
            .into_iter()
            .map(|mut path| {
                path.guard(iterable.clone());
                for target in &targets {
                    match endless {
                        Some(Endless::Counting) => {
                            path.locals.retain(|(local, _)| local != target);
                            path.change([target.clone()], None);
                        }
                        Some(Endless::Repeating) => path.bind(target, iterable.clone()),
                        None => path.assign(target, iterable.clone()),
                    }
                }
                path
            })
            .collect()
    }

    fn try_stmt(&mut self, try_stmt: &ast::StmtTry, paths: Vec<Path>) -> Vec<Path> {
        let catches = !try_stmt.handlers.is_empty();
        // Whether the body raises depends on what its calls read.
        let decided_by = if catches {
            calls_read(self.resolver, &try_stmt.body)
        } else {
            Vec::new()
        };
        self.raises.push(RaisePoints::default());
        let mut body_out = self.block(&try_stmt.body, paths);
        let raised = distinct(self.raises.pop().unwrap_or_default().into_paths());
        for path in &mut body_out {
            path.guard(decided_by.clone());
        }
        let mut out = self.block(&try_stmt.orelse, body_out);
        for handler in &try_stmt.handlers {
            let ast::ExceptHandler::ExceptHandler(handler) = handler;
            let mut entered = raised.clone();
            for path in &mut entered {
                path.guard(decided_by.clone());
                if let Some(name) = &handler.name {
                    path.assign(name.as_str(), Vec::new());
                }
            }
            out.extend(self.block(&handler.body, entered));
        }
        self.block(&try_stmt.finalbody, out)
    }

    /// The paths on which `test` takes the value `truth`: not those on which it cannot (a
    /// constant, or a condition the path took the other way). When the test `steers` the loop
    /// (its branches await or jump differently), the state it reads joins the paths' guards,
    /// and it becomes their last branch, for the report.
    fn take_branch(&self, test: &Expr, paths: Vec<Path>, truth: bool, steers: bool) -> Vec<Path> {
        let paths = possible(test, paths, truth);
        if !steers {
            return paths;
        }
        let reads = chains_read(self.resolver, test);
        paths
            .into_iter()
            .map(|mut path| {
                path.guard(reads.clone());
                path.branch = Some((test.range().to_std_range(), truth));
                path
            })
            .collect()
    }

    /// The paths on which a loop's own condition takes the value `truth`; its state joins their
    /// guards.
    fn loop_condition(&self, test: &Expr, paths: Vec<Path>, truth: bool) -> Vec<Path> {
        let reads = chains_read(self.resolver, test);
        possible(test, paths, truth)
            .into_iter()
            .map(|mut path| {
                path.guard(reads.clone());
                path
            })
            .collect()
    }

    /// The paths after evaluating a condition: its awaits run, its walrus assignments bind,
    /// and its calls change what they consume.
    fn evaluate(&mut self, test: &Expr, paths: Vec<Path>) -> Vec<Path> {
        let effects = Effects::of_condition(self.resolver, test);
        let taker = Taker::Condition(test.range().start().to_usize());
        self.apply(&effects, paths, Some(taker))
    }

    /// The paths after evaluating the iterable of a `for`.
    fn evaluate_iterable(&mut self, iter: &Expr, paths: Vec<Path>) -> Vec<Path> {
        let effects = Effects::of_iterable(self.resolver, iter);
        self.apply(&effects, paths, None)
    }

    /// The paths after a statement that is not a compound one (or the header of `with`).
    fn simple(&mut self, stmt: &Stmt, paths: Vec<Path>) -> Vec<Path> {
        let effects = Effects::of_statement(self.resolver, stmt);
        let taker = effects.taken_into.clone().map(Taker::Local);
        self.apply(&effects, paths, taker)
    }

    /// Runs what `effects` describe on each path; `taker` took the result of its calls.
    fn apply(
        &mut self,
        effects: &Effects<'_, '_>,
        paths: Vec<Path>,
        taker: Option<Taker>,
    ) -> Vec<Path> {
        let mut inline_awaits = Vec::new();
        for (range, awaited) in &effects.awaits {
            match self.resolver.awaiting(awaited) {
                Awaiting::Suspends => {
                    if let Some(raises) = self.raises.last_mut() {
                        raises.suspends = true;
                    }
                    return Vec::new();
                }
                Awaiting::Inline(definition) => inline_awaits.push(InlineAwait {
                    range: range.clone(),
                    definition,
                }),
            }
        }
        let mut paths = paths;
        for path in &mut paths {
            path.inline_awaits.extend(inline_awaits.iter().cloned());
            path.guard(effects.tested.clone());
        }
        // Exceptions worth following come from calls and awaits (and `raise`).
        if effects.calls || !effects.awaits.is_empty() {
            if let Some(raises) = self.raises.last_mut() {
                raises.implicit.extend(paths.iter().cloned());
            }
        }
        for path in &mut paths {
            path.change(effects.call_changes.iter().cloned(), None);
            path.change(effects.callee_changes.iter().cloned(), taker.as_ref());
            path.change(effects.stores.iter().cloned(), None);
            for (name, reads) in &effects.assigned {
                path.assign(name, reads.clone());
            }
            path.counters.retain(|counter| {
                !effects.assigned.iter().any(|(name, _)| name == counter)
                    && !effects.rebound.contains(counter)
            });
            path.counters.extend(effects.counters.iter().cloned());
            for name in &effects.rebound {
                path.locals.retain(|(local, _)| local != name);
                path.change([name.clone()], None);
            }
        }
        paths
    }
}

/// The paths on which `test` can be `truth`, knowing it is: a call that comes back empty
/// there took nothing.
fn possible(test: &Expr, paths: Vec<Path>, truth: bool) -> Vec<Path> {
    if let Some(constant) = constant_truth(test) {
        return if constant == truth { paths } else { Vec::new() };
    }
    paths
        .into_iter()
        .filter(|path| path.truth_of(test) != Some(!truth))
        .map(|mut path| {
            path.learn(test, truth);
            came_back_empty(&mut path, test, truth);
            path
        })
        .collect()
}

/// Whether `test` compares a counter the path just set to a literal with a bound it has to
/// reach (`batch_size < self.max_batch_size` after `batch_size = 0`).
fn counts_up_from_the_start(test: &Expr, path: &Path) -> bool {
    let Expr::Compare(compare) = test else {
        return false;
    };
    let ([ast::CmpOp::Lt | ast::CmpOp::LtE], Expr::Name(counter)) = (&*compare.ops, &*compare.left)
    else {
        return false;
    };
    path.counters.iter().any(|name| name == counter.id.as_str())
}

/// On the branch where `test` is `truth`: when that says a call came back empty (`x is None`,
/// `not x`, a false `x`), what took its result took nothing.
fn came_back_empty(path: &mut Path, test: &Expr, truth: bool) {
    let Some(empty) = empty_result(test, truth) else {
        return;
    };
    path.took_nothing(&Taker::Condition(test.range().start().to_usize()));
    if let Expr::Name(name) = empty {
        path.took_nothing(&Taker::Local(name.id.as_str().to_owned()));
    }
}

/// The expression that is `None` or false on the branch where `test` is `truth`, if the test
/// says one is.
fn empty_result(test: &Expr, truth: bool) -> Option<&Expr> {
    match test {
        Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
            empty_result(&unary.operand, !truth)
        }
        Expr::Compare(compare) => {
            let ([op], [Expr::NoneLiteral(_)]) = (&*compare.ops, &*compare.comparators) else {
                return None;
            };
            let none_when = match op {
                ast::CmpOp::Is | ast::CmpOp::Eq => true,
                ast::CmpOp::IsNot | ast::CmpOp::NotEq => false,
                _ => return None,
            };
            (truth == none_when).then_some(&*compare.left)
        }
        Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_) | Expr::Await(_) => {
            (!truth).then_some(test)
        }
        _ => None,
    }
}

/// Whether a body awaits anything or jumps (`break`, `continue`, `return`, `raise`), outside
/// nested functions: a branch that does neither comes back the same way as its sibling.
fn awaits_or_jumps(body: &[Stmt]) -> bool {
    let mut scan = AwaitScan {
        jumps_count: true,
        found: false,
    };
    for stmt in body {
        scan.visit_stmt(stmt);
    }
    scan.found
}

/// Whether a statement awaits anything at all (an `await`, `async for`, `async with`), outside
/// nested functions.
fn awaits_anything(stmt: &Stmt) -> bool {
    let mut scan = AwaitScan {
        jumps_count: false,
        found: false,
    };
    walk_stmt(&mut scan, stmt);
    scan.found
}

/// Looks for an await (`await`, `async for`, `async with`) outside nested functions and
/// lambdas, and for jumps too when `jumps_count`.
struct AwaitScan {
    jumps_count: bool,
    found: bool,
}

impl<'a> Visitor<'a> for AwaitScan {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(_) | Stmt::Raise(_)
                if self.jumps_count =>
            {
                self.found = true;
            }
            Stmt::For(ast::StmtFor { is_async: true, .. })
            | Stmt::With(ast::StmtWith { is_async: true, .. }) => self.found = true,
            _ => walk_stmt(self, stmt),
        }
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Await(_) => self.found = true,
            Expr::Lambda(_) => {}
            _ => walk_expr(self, expr),
        }
    }
}

/// The names a `case` pattern captures.
fn pattern_captures(pattern: &ast::Pattern) -> Vec<String> {
    struct Captures(Vec<String>);
    impl<'a> Visitor<'a> for Captures {
        fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
            match pattern {
                ast::Pattern::MatchAs(ast::PatternMatchAs {
                    name: Some(name), ..
                })
                | ast::Pattern::MatchStar(ast::PatternMatchStar {
                    name: Some(name), ..
                }) => self.0.push(name.as_str().to_owned()),
                ast::Pattern::MatchMapping(ast::PatternMatchMapping {
                    rest: Some(name), ..
                }) => self.0.push(name.as_str().to_owned()),
                _ => {}
            }
            ruff_python_ast::visitor::walk_pattern(self, pattern);
        }
    }
    let mut captures = Captures(Vec::new());
    captures.visit_pattern(pattern);
    captures.0
}

#[cfg(test)]
mod tests {
    use crate::lint::{lint_bytes, Settings};
    use crate::rule::Rule;

    /// The 1-based lines of the TL004 findings of a module, with the messages of their notes.
    fn spins(source: &str) -> Vec<(usize, Vec<String>)> {
        let report = lint_bytes("cache.py", source.as_bytes().to_vec(), &Settings::default())
            .expect("the snippet is UTF-8");
        report
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::NonYieldingLoop)
            .map(|d| {
                let line = report.source.position(d.range.start).line;
                (line, d.notes.iter().map(|n| n.message.clone()).collect())
            })
            .collect()
    }

    const CACHE: &str = "\
import asyncio
import itertools


class Cache:
    async def refresh(self):
        self.hits = 0

    async def fetch(self):
        await asyncio.sleep(0)

    async def advance(self):
        self.ready = True

";

    fn lines(snippet: &str) -> Vec<usize> {
        spins(&format!("{CACHE}{snippet}"))
            .into_iter()
            .map(|(line, _)| line)
            .collect()
    }

    #[test]
    fn awaiting_only_inline_coroutines_spins_and_says_where_they_are() {
        let found = spins(&format!(
            "{CACHE}    async def wait_ready(self):\n        while not self.ready:\n            await self.refresh()\n"
        ));
        assert_eq!(
            found,
            [(
                16,
                vec!["`await self.refresh()` runs `refresh` inline: it never suspends (defined at line 6)".to_owned()]
            )]
        );
    }

    #[test]
    fn an_idle_continue_spins_even_when_the_busy_branch_suspends() {
        let found = spins(&format!(
            "{CACHE}    async def pump(self):\n        while True:\n            if not self.items:\n                continue\n            await self.fetch()\n"
        ));
        assert_eq!(
            found,
            [(
                16,
                vec!["back to the loop's head without suspending".to_owned()]
            )]
        );
    }

    #[test]
    fn a_branch_that_awaits_nothing_is_labelled() {
        let found = spins(&format!(
            "{CACHE}    async def refresher(self):\n        while True:\n            if self.expired():\n                await self.fetch()\n"
        ));
        assert_eq!(
            found,
            [(
                16,
                vec![
                    "when this is false, nothing awaited before the loop comes around suspends"
                        .to_owned()
                ]
            )]
        );
    }

    #[test]
    fn loops_that_suspend_or_end_by_themselves_are_not_flagged() {
        let snippets = [
            // Every way round suspends.
            "    async def a(self):\n        while not self.ready:\n            await self.refresh()\n            await self.fetch()\n",
            // The path changes what the condition reads, itself or inline.
            "    async def b(self):\n        while not self.ready:\n            await self.refresh()\n            self.ready = True\n",
            "    async def c(self):\n        while not self.ready:\n            await self.advance()\n",
            // A local counter, a consumed collection.
            "    async def d(self, n):\n        i = 0\n        while i < n:\n            await self.refresh()\n            i += 1\n",
            "    async def e(self, items):\n        while items:\n            items.pop()\n            await self.refresh()\n",
            // No await at all, `async for`, a finite `for`.
            "    async def f(self):\n        while self.busy:\n            self.busy = self.step()\n",
            "    async def g(self, stream):\n        async for _ in stream:\n            await self.refresh()\n",
            "    async def h(self, rows):\n        for _ in rows:\n            await self.refresh()\n",
            // An awaitable of unknown origin.
            "    async def i(self, other):\n        while True:\n            await other.poll()\n",
        ];
        for snippet in snippets {
            assert_eq!(lines(snippet), Vec::<usize>::new(), "{snippet}");
        }
    }

    #[test]
    fn endless_iterators_spin_unless_a_counter_ends_them() {
        assert_eq!(
            lines("    async def a(self):\n        for _ in itertools.count():\n            await self.refresh()\n"),
            [16]
        );
        assert_eq!(
            lines("    async def b(self, shards):\n        for shard in itertools.cycle(shards):\n            if not shard:\n                continue\n            await self.fetch()\n"),
            [16]
        );
        assert_eq!(
            lines("    async def c(self):\n        for i in itertools.count():\n            if i > 3:\n                break\n            await self.refresh()\n"),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn a_call_that_comes_back_empty_took_nothing() {
        let next_job = "    async def next_job(self):\n        return self.jobs.pop() if self.jobs else None\n\n";
        assert_eq!(
            lines(&format!("{next_job}    async def run(self):\n        while True:\n            job = await self.next_job()\n            if job is None:\n                continue\n            await self.fetch()\n")),
            [19]
        );
        assert_eq!(
            lines(&format!("{next_job}    async def drain(self):\n        while True:\n            job = await self.next_job()\n            if job is None:\n                break\n            await self.refresh()\n")),
            Vec::<usize>::new()
        );
    }
}
