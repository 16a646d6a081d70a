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
//! An `async for` or `async with` suspends. An exception is followed from the statements of a
//! `try` body (after their awaits, before their stores) to its handlers; `finally` bodies are
//! followed on the way out of the `try` only.

use std::ops::Range;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::effects::{calls_read, chains_read, names_bound, push_new, Effects};
use super::index::{Awaiting, Definition};
use super::resolve::Resolver;
use super::semantic::constant_truth;

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
        .find(|(path, _)| !path.changes_its_conditions())
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
}

impl Path {
    /// Whether the path changes state that one of its conditions reads: `self.buffer` and
    /// `self.buffer.items` overlap, `self.buffer` and `self.backlog` do not.
    fn changes_its_conditions(&self) -> bool {
        self.guards.iter().any(|guard| {
            self.changes.iter().any(|(change, _)| {
                let (short, long) = if guard.len() <= change.len() {
                    (guard, change)
                } else {
                    (change, guard)
                };
                long == short
                    || (long.starts_with(short.as_str())
                        && long.as_bytes().get(short.len()) == Some(&b'.'))
            })
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
        let resolved = self.resolve(reads);
        self.locals.retain(|(local, _)| local != name);
        self.locals.push((name.to_owned(), resolved));
    }
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

#[derive(Debug, Default)]
struct LoopFrame {
    continues: Vec<(Path, Range<usize>)>,
    breaks: Vec<Path>,
}

struct Paths<'r, 'm, 'a> {
    resolver: &'r Resolver<'m, 'a>,
    loops: Vec<LoopFrame>,
    /// For each enclosing `try` body, the paths at the points where an exception may be raised.
    raises: Vec<Vec<Path>>,
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
                    raises.extend(paths);
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
                let skipped = self.loop_condition(&while_stmt.test, tested, false);
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
                let iterable = chains_read(&for_stmt.iter);
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
                let subject = chains_read(&match_stmt.subject);
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
        let iterable = chains_read(&for_stmt.iter);
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
            calls_read(&try_stmt.body)
        } else {
            Vec::new()
        };
        self.raises.push(Vec::new());
        let mut body_out = self.block(&try_stmt.body, paths);
        let raised = distinct(self.raises.pop().unwrap_or_default());
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

    /// The paths on which `test` takes the value `truth`. A constant test takes one value only.
    /// When the test `steers` the loop (its branches await or jump differently), the state it
    /// reads joins the paths' guards, and it becomes their last branch, for the report.
    fn take_branch(&self, test: &Expr, paths: Vec<Path>, truth: bool, steers: bool) -> Vec<Path> {
        if let Some(constant) = constant_truth(test) {
            return if constant == truth { paths } else { Vec::new() };
        }
        if !steers {
            return paths;
        }
        let reads = chains_read(test);
        paths
            .into_iter()
            .map(|mut path| {
                path.guard(reads.clone());
                path.branch = Some((test.range().to_std_range(), truth));
                came_back_empty(&mut path, test, truth);
                path
            })
            .collect()
    }

    /// The paths on which a loop's own condition takes the value `truth`; its state joins their
    /// guards.
    fn loop_condition(&self, test: &Expr, paths: Vec<Path>, truth: bool) -> Vec<Path> {
        if let Some(constant) = constant_truth(test) {
            return if constant == truth { paths } else { Vec::new() };
        }
        let reads = chains_read(test);
        paths
            .into_iter()
            .map(|mut path| {
                path.guard(reads.clone());
                came_back_empty(&mut path, test, truth);
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
                Awaiting::Suspends => return Vec::new(),
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
        if let Some(raises) = self.raises.last_mut() {
            raises.extend(paths.iter().cloned());
        }
        for path in &mut paths {
            path.change(effects.call_changes.iter().cloned(), taker.as_ref());
            path.change(effects.stores.iter().cloned(), None);
            for (name, reads) in &effects.assigned {
                path.assign(name, reads.clone());
            }
            for name in &effects.rebound {
                path.locals.retain(|(local, _)| local != name);
                path.change([name.clone()], None);
            }
        }
        paths
    }
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
    struct AwaitsOrJumps(bool);
    impl<'a> Visitor<'a> for AwaitsOrJumps {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(_) | Stmt::Raise(_) => {
                    self.0 = true;
                }
                Stmt::For(ast::StmtFor { is_async: true, .. })
                | Stmt::With(ast::StmtWith { is_async: true, .. }) => self.0 = true,
                _ => walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Await(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => walk_expr(self, expr),
            }
        }
    }
    let mut found = AwaitsOrJumps(false);
    for stmt in body {
        found.visit_stmt(stmt);
    }
    found.0
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
