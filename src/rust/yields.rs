//! Whether a loop of async code can spin without yielding (TL004): a path from the loop's head
//! back to its head (by falling through the body, or by `continue`) on which nothing that may
//! suspend is `.await`ed, and along which the loop cannot end by itself.
//!
//! The walk follows the loop body in evaluation order with a set of paths. A path that awaits
//! something that may suspend (or whose origin is unknown, or a `select!`/`join!`) is dropped:
//! it yields. An `.await` that runs inline (a project `async fn` that never suspends, a ready
//! future) is remembered for the report. `break`, `return`, `?`'s error and panics leave the
//! loop. Inner loops run zero times (`while`, `for`) or once; an inner `loop` is left by its
//! `break`s.
//!
//! Each path collects the places it changes and the places read by its *exit decisions*: the
//! conditions it passes whose other alternative can leave the loop (the `while` condition, an
//! `if` whose other branch breaks, `?`, and, in a loop that can be left at all, `let .. else`
//! and the guards of `match`). The loop can end by itself on a path that changes something an
//! exit decision reads (a local counter, a consumed queue); on any other path the decisions
//! come out the same every time, so the path repeats forever: it spins.
//!
//! When a refutable pattern does not match (`None`, `Err(_)`, the `else` of `let .. else`), its
//! scrutinee took nothing: what evaluating it would have changed (a `pop`) does not count on
//! that path. That is what makes an idle branch (`let Some(job) = queue.pop() else { continue }`)
//! spin while the busy one drains the queue.
//!
//! An `async` block awaited in place is an anonymous `async fn`: if it may suspend on some path,
//! awaiting it suspends (as awaiting a project `async fn` that may suspend does); otherwise its
//! body is walked as part of the path.
//!
//! Paths that cannot happen are dropped when the conditions they take contradict each other: a
//! path keeps the conditions it took (the `while` condition, `if` conditions split at `&&` and
//! `||`) as clauses until it changes what they read, so `while a < n || b < n` followed by
//! `if a < n` and `if b < n` both false is no path.

use std::collections::BTreeSet;
use std::ops::Range;

use syn::spanned::Spanned;
use syn::visit::Visit;

use super::effects::{overlap, Calls, Effects, Place};
use super::facts::{tokens_await, visit_macro_awaits, POLLING_MACROS};
use super::macros::{macro_name, MacroBodies};
use super::types::strip;

/// Why an `.await` runs inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// A project `async fn` that never suspends, with where it is defined.
    Defined { name: String, location: String },
    /// A future that is ready at once (`std::future::ready`).
    Ready { name: String },
    /// A function the configuration names as never suspending.
    Configured { name: String },
}

/// What awaiting something does.
pub enum AwaitClass {
    Suspends,
    Inline(Inline),
}

/// Tells the walk what an `.await` does.
pub trait Awaits {
    /// What awaiting `base` does (`base.await`; `base` is not an `async` block).
    fn classify(&self, base: &syn::Expr) -> AwaitClass;
}

/// A path that spins, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spin {
    /// The `.await`s on the path that run inline, in order.
    pub inline: Vec<(Range<usize>, Inline)>,
    /// The `continue` that starts the next iteration, if the path ends with one.
    pub continue_at: Option<Range<usize>>,
    /// The last branch the path took: its range and how it was taken.
    pub idle: Option<(Range<usize>, String)>,
}

/// At most this many paths are followed at once; more are dropped (a finding may be missed).
const PATH_LIMIT: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Path {
    changed: BTreeSet<Place>,
    reads: BTreeSet<Place>,
    /// Indexes into `Walk::inline`.
    inline: Vec<usize>,
    /// Index into `Walk::idle`.
    idle: Option<usize>,
    /// What the conditions taken say: each clause holds one of its literals.
    clauses: Vec<Vec<Literal>>,
}

/// A condition (as written, without `!`) and whether it held.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Literal {
    text: String,
    holds: bool,
    reads: BTreeSet<Place>,
}

impl Literal {
    fn negated(&self) -> Literal {
        Literal {
            holds: !self.holds,
            ..self.clone()
        }
    }
}

impl Path {
    /// Whether the loop can end by itself on this path: it changes what an exit decision reads.
    fn can_end(&self) -> bool {
        self.reads
            .iter()
            .any(|read| self.changed.iter().any(|change| overlap(read, change)))
    }

    /// Takes a condition that holds as `clauses` say; `false` when it contradicts what the
    /// path took before.
    fn assume(&mut self, clauses: Vec<Vec<Literal>>) -> bool {
        for mut clause in clauses {
            // Literals already known not to hold leave the others.
            clause.retain(|literal| {
                let opposite = literal.negated();
                !self
                    .clauses
                    .iter()
                    .any(|known| known.as_slice() == [opposite.clone()])
            });
            if clause.is_empty() {
                return false;
            }
            if let [literal] = clause.as_slice() {
                let opposite = literal.negated();
                for known in &mut self.clauses {
                    known.retain(|other| *other != opposite);
                    if known.is_empty() {
                        return false;
                    }
                }
            }
            self.clauses.push(clause);
        }
        true
    }

    /// Forgets the conditions that read what `changes` changes.
    fn forget(&mut self, changes: &[Place]) {
        self.clauses.retain(|clause| {
            !clause.iter().any(|literal| {
                literal
                    .reads
                    .iter()
                    .any(|read| changes.iter().any(|change| overlap(read, change)))
            })
        });
    }
}

/// An inner loop or labeled block of the walked loop.
struct Frame {
    label: Option<String>,
    is_loop: bool,
    breaks: Vec<Path>,
    continues: Vec<Path>,
}

/// Whether the loop `expr` (a `loop` or `while`) has a spinning path, and the one to report.
/// `text` is the text of the file.
pub fn spin<C: Calls + Awaits>(
    checker: &C,
    macros: &MacroBodies,
    text: &str,
    expr: &syn::Expr,
) -> Option<Spin> {
    let (label, cond, body) = match expr {
        syn::Expr::Loop(loop_expr) => (&loop_expr.label, None, &loop_expr.body),
        syn::Expr::While(while_expr) => {
            (&while_expr.label, Some(&*while_expr.cond), &while_expr.body)
        }
        _ => return None,
    };
    let awaits = cond.is_some_and(|cond| has_await(macros, cond)) || has_await_block(macros, body);
    if !awaits {
        return None;
    }
    let label = label.as_ref().map(|label| label.name.ident.to_string());
    let mut walk = Walk {
        checker,
        effects: Effects::new(checker, macros),
        macros,
        text,
        may_exit: false,
        label,
        frames: Vec::new(),
        back: Vec::new(),
        inline: Vec::new(),
        idle: Vec::new(),
    };
    walk.may_exit = walk.block_may_exit(body);
    let mut paths = vec![Path::default()];
    if let Some(cond) = cond {
        paths = walk.condition(cond, paths);
        let reads = walk.effects.reads(cond);
        decide(&mut paths, &reads, true);
        paths = walk.assume(cond, true, paths);
    }
    let fallthrough = walk.block(body, paths);
    walk.back
        .extend(fallthrough.into_iter().map(|path| (path, None)));
    let mut spinning: Vec<&(Path, Option<Range<usize>>)> = walk
        .back
        .iter()
        .filter(|(path, _)| !path.can_end())
        .collect();
    // Report the path that shows the most: inline awaits, then a `continue`, then a branch.
    spinning.sort_by_key(|(path, continue_at)| {
        (
            std::cmp::Reverse(path.inline.len()),
            continue_at.is_none(),
            path.idle.is_none(),
        )
    });
    let (path, continue_at) = spinning.first()?;
    Some(Spin {
        inline: path
            .inline
            .iter()
            .filter_map(|index| walk.inline.get(*index).cloned())
            .collect(),
        continue_at: continue_at.clone(),
        idle: path.idle.and_then(|index| walk.idle.get(index).cloned()),
    })
}

/// Adds a decision's reads to each path, if the decision can lead out of the loop.
fn decide(paths: &mut [Path], reads: &BTreeSet<Place>, exits: bool) {
    if !exits {
        return;
    }
    for path in paths {
        path.reads.extend(reads.iter().cloned());
    }
}

/// Joins path sets: sorted, without repeats, at most [`PATH_LIMIT`].
fn join(mut paths: Vec<Path>) -> Vec<Path> {
    paths.sort();
    paths.dedup();
    paths.truncate(PATH_LIMIT);
    paths
}

struct Walk<'c, C> {
    checker: &'c C,
    effects: Effects<'c, C>,
    macros: &'c MacroBodies,
    text: &'c str,
    /// The loop can be left at all (a `break`, `return`, `?`, panic in its body).
    may_exit: bool,
    label: Option<String>,
    frames: Vec<Frame>,
    /// Paths back to the head, with the `continue` that takes them there.
    back: Vec<(Path, Option<Range<usize>>)>,
    inline: Vec<(Range<usize>, Inline)>,
    idle: Vec<(Range<usize>, String)>,
}

impl<C: Calls + Awaits> Walk<'_, C> {
    fn block(&mut self, block: &syn::Block, mut paths: Vec<Path>) -> Vec<Path> {
        for stmt in &block.stmts {
            if paths.is_empty() {
                break;
            }
            paths = match stmt {
                syn::Stmt::Local(local) => self.local(local, paths),
                syn::Stmt::Expr(expr, _) => self.expr(expr, paths),
                syn::Stmt::Macro(mac) => self.mac(&mac.mac, paths),
                syn::Stmt::Item(_) => paths,
            };
        }
        paths
    }

    fn local(&mut self, local: &syn::Local, paths: Vec<Path>) -> Vec<Path> {
        let Some(init) = &local.init else {
            return paths;
        };
        let mut paths = self.expr(&init.expr, paths);
        if let Some((_, diverge)) = &init.diverge {
            let reads = self.effects.reads(&init.expr);
            let consumed = self.effects.consumed(&init.expr);
            decide(&mut paths, &reads, self.may_exit);
            let idle = self.idle_index(
                diverge.span().byte_range(),
                "when the pattern does not match",
            );
            let otherwise = paths
                .iter()
                .cloned()
                .map(|mut path| {
                    path.changed.retain(|place| !consumed.contains(place));
                    path.idle = Some(idle);
                    path
                })
                .collect();
            // The `else` block diverges: it only reaches the head or leaves the loop.
            self.expr(diverge, otherwise);
        }
        self.effects.bind(&local.pat, Some(&init.expr));
        paths
    }

    fn idle_index(&mut self, range: Range<usize>, how: &str) -> usize {
        self.idle.push((range, how.to_owned()));
        self.idle.len() - 1
    }

    /// The condition of an `if` or `while`: its expressions, and its `let` patterns bound.
    fn condition(&mut self, cond: &syn::Expr, paths: Vec<Path>) -> Vec<Path> {
        match cond {
            syn::Expr::Let(let_expr) => {
                let paths = self.expr(&let_expr.expr, paths);
                self.effects.bind_ref(&let_expr.pat, &let_expr.expr);
                paths
            }
            syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
                let paths = self.condition(&binary.left, paths);
                self.condition(&binary.right, paths)
            }
            cond => self.expr(cond, paths),
        }
    }

    /// What the `let` scrutinees of a condition took, dropped when the condition is false.
    fn consumed_by_condition(&self, cond: &syn::Expr) -> BTreeSet<Place> {
        match cond {
            syn::Expr::Let(let_expr) => self.effects.consumed(&let_expr.expr),
            syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
                let mut consumed = self.consumed_by_condition(&binary.left);
                consumed.extend(self.consumed_by_condition(&binary.right));
                consumed
            }
            _ => BTreeSet::new(),
        }
    }

    fn expr(&mut self, expr: &syn::Expr, paths: Vec<Path>) -> Vec<Path> {
        use syn::Expr as E;
        if paths.is_empty() {
            return paths;
        }
        match expr {
            E::Await(await_expr) => {
                if let E::Async(block) = strip(&await_expr.base) {
                    if self.block_may_suspend(&block.block) {
                        return Vec::new();
                    }
                    return self.block(&block.block, paths);
                }
                let mut paths = self.expr(&await_expr.base, paths);
                match self.checker.classify(&await_expr.base) {
                    AwaitClass::Suspends => Vec::new(),
                    AwaitClass::Inline(inline) => {
                        self.inline.push((expr.span().byte_range(), inline));
                        let index = self.inline.len() - 1;
                        for path in &mut paths {
                            path.inline.push(index);
                        }
                        paths
                    }
                }
            }
            E::If(if_expr) => self.if_expr(if_expr, paths),
            E::Match(match_expr) => self.match_expr(match_expr, paths),
            E::Loop(loop_expr) => {
                let label = loop_expr.label.as_ref().map(|l| l.name.ident.to_string());
                self.frames.push(Frame {
                    label,
                    is_loop: true,
                    breaks: Vec::new(),
                    continues: Vec::new(),
                });
                self.block(&loop_expr.body, paths);
                let frame = self.frames.pop();
                join(frame.map(|frame| frame.breaks).unwrap_or_default())
            }
            E::While(while_expr) => {
                let label = while_expr.label.as_ref().map(|l| l.name.ident.to_string());
                let mut paths = self.condition(&while_expr.cond, paths);
                let reads = self.effects.reads(&while_expr.cond);
                let exits = self.block_may_exit(&while_expr.body);
                decide(&mut paths, &reads, exits);
                let consumed = self.consumed_by_condition(&while_expr.cond);
                let mut zero = paths.clone();
                for path in &mut zero {
                    path.changed.retain(|place| !consumed.contains(place));
                }
                self.inner_loop(label, &while_expr.body, paths, zero)
            }
            E::ForLoop(for_loop) => {
                let label = for_loop.label.as_ref().map(|l| l.name.ident.to_string());
                let mut paths = self.expr(&for_loop.expr, paths);
                let reads = self.effects.reads(&for_loop.expr);
                let exits = self.block_may_exit(&for_loop.body);
                decide(&mut paths, &reads, exits);
                self.effects.bind_ref(&for_loop.pat, &for_loop.expr);
                let zero = paths.clone();
                self.inner_loop(label, &for_loop.body, paths, zero)
            }
            E::Block(block) => match &block.label {
                Some(label) => {
                    self.frames.push(Frame {
                        label: Some(label.name.ident.to_string()),
                        is_loop: false,
                        breaks: Vec::new(),
                        continues: Vec::new(),
                    });
                    let mut out = self.block(&block.block, paths);
                    if let Some(frame) = self.frames.pop() {
                        out.extend(frame.breaks);
                    }
                    join(out)
                }
                None => self.block(&block.block, paths),
            },
            E::Unsafe(block) => self.block(&block.block, paths),
            E::Const(_) | E::Closure(_) | E::Async(_) | E::Lit(_) | E::Path(_) => paths,
            E::TryBlock(block) => self.block(&block.block, paths),
            E::Break(break_expr) => {
                let paths = match &break_expr.expr {
                    Some(value) => self.expr(value, paths),
                    None => paths,
                };
                let label = break_expr.label.as_ref().map(|l| l.ident.to_string());
                if let Some(frame) = self.frame_for(label.as_deref(), false) {
                    frame.breaks.extend(paths);
                }
                Vec::new()
            }
            E::Continue(continue_expr) => {
                let label = continue_expr.label.as_ref().map(|l| l.ident.to_string());
                let to_head = match label.as_deref() {
                    Some(label) => self.label.as_deref() == Some(label),
                    None => !self.frames.iter().any(|frame| frame.is_loop),
                };
                if to_head {
                    let range = expr.span().byte_range();
                    self.back
                        .extend(paths.into_iter().map(|path| (path, Some(range.clone()))));
                } else if let Some(frame) = self.frame_for(label.as_deref(), true) {
                    frame.continues.extend(paths);
                }
                Vec::new()
            }
            E::Return(ret) => {
                if let Some(value) = &ret.expr {
                    self.expr(value, paths);
                }
                Vec::new()
            }
            E::Try(try_expr) => {
                let mut paths = self.expr(&try_expr.expr, paths);
                let reads = self.effects.reads(&try_expr.expr);
                decide(&mut paths, &reads, true);
                paths
            }
            E::Macro(mac) => self.mac(&mac.mac, paths),
            E::Let(let_expr) => self.expr(&let_expr.expr, paths),
            E::Assign(assign) => {
                let paths = self.expr(&assign.right, paths);
                let paths = self.place_parts(&assign.left, paths);
                self.changes(expr, paths)
            }
            E::Binary(binary) => {
                let paths = self.expr(&binary.left, paths);
                let paths = self.expr(&binary.right, paths);
                self.changes(expr, paths)
            }
            E::MethodCall(call) => {
                let mut paths = self.expr(&call.receiver, paths);
                for arg in &call.args {
                    paths = self.expr(arg, paths);
                }
                self.changes(expr, paths)
            }
            E::Call(call) => {
                let mut paths = self.expr(&call.func, paths);
                for arg in &call.args {
                    paths = self.expr(arg, paths);
                }
                self.changes(expr, paths)
            }
            E::Reference(reference) => {
                let paths = self.expr(&reference.expr, paths);
                self.changes(expr, paths)
            }
            _ => {
                let mut children = Children(Vec::new());
                children.visit_children(expr);
                let mut paths = paths;
                for child in children.0 {
                    paths = self.expr(child, paths);
                }
                paths
            }
        }
    }

    /// The expressions evaluated inside an assignment target (`v[i] = ..` evaluates `i`).
    fn place_parts(&mut self, place: &syn::Expr, paths: Vec<Path>) -> Vec<Path> {
        match place {
            syn::Expr::Index(index) => {
                let paths = self.place_parts(&index.expr, paths);
                self.expr(&index.index, paths)
            }
            syn::Expr::Field(field) => self.place_parts(&field.base, paths),
            syn::Expr::Path(_) => paths,
            place => self.expr(place, paths),
        }
    }

    fn changes(&mut self, expr: &syn::Expr, mut paths: Vec<Path>) -> Vec<Path> {
        let changes = self.effects.own_changes(expr);
        if !changes.is_empty() {
            for path in &mut paths {
                path.changed.extend(changes.iter().cloned());
                path.forget(&changes);
            }
        }
        paths
    }

    /// The paths on which `cond` (not a `let` condition) comes out as `holds`; a `let`
    /// condition says nothing here.
    fn assume(&self, cond: &syn::Expr, holds: bool, paths: Vec<Path>) -> Vec<Path> {
        let Some(clauses) = self.clauses(cond, holds) else {
            return paths;
        };
        paths
            .into_iter()
            .filter_map(|mut path| path.assume(clauses.clone()).then_some(path))
            .collect()
    }

    /// What `cond` coming out as `holds` says, as clauses (`None` for a `let` condition).
    fn clauses(&self, cond: &syn::Expr, holds: bool) -> Option<Vec<Vec<Literal>>> {
        match cond {
            syn::Expr::Paren(inner) => self.clauses(&inner.expr, holds),
            syn::Expr::Group(inner) => self.clauses(&inner.expr, holds),
            syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
                self.clauses(&unary.expr, !holds)
            }
            syn::Expr::Let(_) => None,
            syn::Expr::Binary(binary)
                if matches!(binary.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) =>
            {
                let and = matches!(binary.op, syn::BinOp::And(_));
                let left = self.clauses(&binary.left, holds)?;
                let right = self.clauses(&binary.right, holds)?;
                if and == holds {
                    // Both hold (`a && b`), or neither does (`!(a || b)`).
                    Some(left.into_iter().chain(right).collect())
                } else {
                    // One of them: only when each side is a single literal.
                    match (left.as_slice(), right.as_slice()) {
                        ([left], [right]) => {
                            Some(vec![left.iter().chain(right).cloned().collect()])
                        }
                        _ => Some(Vec::new()),
                    }
                }
            }
            cond => Some(vec![vec![Literal {
                text: self.text_of(cond),
                holds,
                reads: self.effects.reads(cond),
            }]]),
        }
    }

    fn if_expr(&mut self, if_expr: &syn::ExprIf, paths: Vec<Path>) -> Vec<Path> {
        let paths = self.condition(&if_expr.cond, paths);
        let reads = self.effects.reads(&if_expr.cond);
        let consumed = self.consumed_by_condition(&if_expr.cond);
        let else_exits = if_expr
            .else_branch
            .as_ref()
            .is_some_and(|(_, otherwise)| self.may_exit(otherwise));
        let then_exits = self.block_may_exit(&if_expr.then_branch);
        let cond_range = if_expr.cond.span().byte_range();
        let then_idle = self.idle_index(cond_range.clone(), "when this condition holds");
        let else_idle = self.idle_index(cond_range, "when this condition does not hold");
        let mut then_paths = self.assume(&if_expr.cond, true, paths.clone());
        decide(&mut then_paths, &reads, else_exits);
        for path in &mut then_paths {
            path.idle = Some(then_idle);
        }
        let mut out = self.block(&if_expr.then_branch, then_paths);
        let mut else_paths = self.assume(&if_expr.cond, false, paths);
        decide(&mut else_paths, &reads, then_exits);
        for path in &mut else_paths {
            path.changed.retain(|place| !consumed.contains(place));
            path.idle = Some(else_idle);
        }
        match &if_expr.else_branch {
            Some((_, otherwise)) => out.extend(self.expr(otherwise, else_paths)),
            None => out.extend(else_paths),
        }
        join(out)
    }

    fn match_expr(&mut self, match_expr: &syn::ExprMatch, paths: Vec<Path>) -> Vec<Path> {
        let paths = self.expr(&match_expr.expr, paths);
        let reads = self.effects.reads(&match_expr.expr);
        let consumed = self.effects.consumed(&match_expr.expr);
        for arm in &match_expr.arms {
            self.effects.bind_ref(&arm.pat, &match_expr.expr);
        }
        let exits: Vec<bool> = match_expr
            .arms
            .iter()
            .map(|arm| self.may_exit(&arm.body))
            .collect();
        let several = match_expr.arms.len() > 1;
        let mut out = Vec::new();
        for (position, arm) in match_expr.arms.iter().enumerate() {
            let mut arm_paths = paths.clone();
            if several {
                let other_exits = exits
                    .iter()
                    .enumerate()
                    .any(|(other, exits)| other != position && *exits);
                decide(&mut arm_paths, &reads, other_exits);
                let idle = self.idle_index(arm.pat.span().byte_range(), "in this arm");
                let failing = is_failing_pattern(&arm.pat);
                for path in &mut arm_paths {
                    if failing {
                        path.changed.retain(|place| !consumed.contains(place));
                    }
                    path.idle = Some(idle);
                }
            }
            if let Some((_, guard)) = &arm.guard {
                arm_paths = self.expr(guard, arm_paths);
                let guard_reads = self.effects.reads(guard);
                decide(&mut arm_paths, &guard_reads, self.may_exit);
            }
            out.extend(self.expr(&arm.body, arm_paths));
        }
        join(out)
    }

    /// An inner `while` or `for`: it runs zero times (`zero`) or once from `paths`.
    fn inner_loop(
        &mut self,
        label: Option<String>,
        body: &syn::Block,
        paths: Vec<Path>,
        zero: Vec<Path>,
    ) -> Vec<Path> {
        self.frames.push(Frame {
            label,
            is_loop: true,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        let mut out = self.block(body, paths);
        if let Some(frame) = self.frames.pop() {
            out.extend(frame.breaks);
            out.extend(frame.continues);
        }
        out.extend(zero);
        join(out)
    }

    /// The inner frame a `break` (or a `continue`) goes to; `None` when it leaves the loop.
    fn frame_for(&mut self, label: Option<&str>, continues: bool) -> Option<&mut Frame> {
        match label {
            Some(label) => self.frames.iter_mut().rev().find(|frame| {
                frame.label.as_deref() == Some(label) && (frame.is_loop || !continues)
            }),
            None => self.frames.iter_mut().rev().find(|frame| frame.is_loop),
        }
    }

    fn mac(&mut self, mac: &syn::Macro, mut paths: Vec<Path>) -> Vec<Path> {
        if POLLING_MACROS.contains(&macro_name(mac).as_str()) {
            return Vec::new();
        }
        let Some(body) = self.macros.get(mac) else {
            if tokens_await(mac.tokens.clone()) {
                return Vec::new();
            }
            return paths;
        };
        for (expr, _) in &body.args {
            paths = self.expr(expr, paths);
        }
        if body.diverges {
            return Vec::new();
        }
        paths
    }

    /// The source text of an expression without whitespace: how two conditions are compared.
    fn text_of(&self, expr: &syn::Expr) -> String {
        self.text
            .get(expr.span().byte_range())
            .unwrap_or_default()
            .split_whitespace()
            .collect()
    }

    /// Whether an `async` block awaited in place may suspend on some path.
    fn block_may_suspend(&self, block: &syn::Block) -> bool {
        let mut finder = Suspending {
            checker: self.checker,
            macros: self.macros,
            found: false,
        };
        finder.visit_block(block);
        finder.found
    }

    /// Whether `expr` can leave the walked loop: see [`Exits`].
    fn may_exit(&self, expr: &syn::Expr) -> bool {
        let mut exits = self.exits();
        exits.visit_expr(expr);
        exits.found
    }

    fn block_may_exit(&self, block: &syn::Block) -> bool {
        let mut exits = self.exits();
        exits.visit_block(block);
        exits.found
    }

    fn exits(&self) -> Exits<'_> {
        Exits {
            macros: self.macros,
            inner_loops: self.frames.iter().filter(|frame| frame.is_loop).count(),
            labels: self
                .frames
                .iter()
                .filter_map(|frame| frame.label.clone())
                .collect(),
            loop_label: self.label.as_deref(),
            found: false,
        }
    }
}

/// Finds an `.await` that may suspend (or a polling macro), outside closures and `async`
/// blocks that are not awaited in place.
struct Suspending<'c, C> {
    checker: &'c C,
    macros: &'c MacroBodies,
    found: bool,
}

impl<'ast, C: Awaits> Visit<'ast> for Suspending<'_, C> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if self.found {
            return;
        }
        match expr {
            syn::Expr::Await(await_expr) => {
                if let syn::Expr::Async(block) = strip(&await_expr.base) {
                    self.visit_block(&block.block);
                    return;
                }
                self.visit_expr(&await_expr.base);
                self.found |= matches!(
                    self.checker.classify(&await_expr.base),
                    AwaitClass::Suspends
                );
            }
            syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
            _ => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.found |= visit_macro_awaits(self, self.macros, mac);
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

/// A pattern that matches when nothing was taken: `None`, `Err(..)`, `_`, a literal.
fn is_failing_pattern(pat: &syn::Pat) -> bool {
    let last_name = |path: &syn::Path| {
        path.segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default()
    };
    match pat {
        syn::Pat::Wild(_) | syn::Pat::Lit(_) => true,
        syn::Pat::Ident(ident) => ident.ident == "None",
        syn::Pat::Path(path) => matches!(last_name(&path.path).as_str(), "None" | "Pending"),
        syn::Pat::TupleStruct(tuple) => last_name(&tuple.path) == "Err",
        syn::Pat::Or(or) => or.cases.iter().all(is_failing_pattern),
        _ => false,
    }
}

/// Finds a way out of the walked loop: `return`, `?`, a panic, a `break` to the walked loop
/// (or further out). Code inside closures and `async` blocks is not run here.
struct Exits<'l> {
    macros: &'l MacroBodies,
    /// Loops between the walked loop and the code searched.
    inner_loops: usize,
    /// Labels of those loops and labeled blocks (and of the ones inside the searched code).
    labels: Vec<String>,
    loop_label: Option<&'l str>,
    found: bool,
}

impl<'ast> Visit<'ast> for Exits<'_> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if self.found {
            return;
        }
        match expr {
            syn::Expr::Return(_) | syn::Expr::Try(_) => self.found = true,
            syn::Expr::Break(break_expr) => match &break_expr.label {
                Some(label) => {
                    let label = label.ident.to_string();
                    self.found =
                        self.loop_label == Some(label.as_str()) || !self.labels.contains(&label);
                }
                None => self.found = self.inner_loops == 0,
            },
            syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_) => {
                let label = match expr {
                    syn::Expr::Loop(l) => &l.label,
                    syn::Expr::While(w) => &w.label,
                    syn::Expr::ForLoop(f) => &f.label,
                    _ => &None,
                };
                let name = label.as_ref().map(|l| l.name.ident.to_string());
                if let Some(name) = &name {
                    self.labels.push(name.clone());
                }
                self.inner_loops += 1;
                syn::visit::visit_expr(self, expr);
                self.inner_loops -= 1;
                if name.is_some() {
                    self.labels.pop();
                }
            }
            syn::Expr::Block(block) if block.label.is_some() => {
                let name = block.label.as_ref().map(|l| l.name.ident.to_string());
                self.labels.extend(name.clone());
                syn::visit::visit_expr(self, expr);
                if name.is_some() {
                    self.labels.pop();
                }
            }
            syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
            _ => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let Some(body) = self.macros.get(mac) else {
            return;
        };
        if body.diverges {
            self.found = true;
            return;
        }
        for (expr, _) in &body.args {
            self.visit_expr(expr);
        }
        for arm in &body.arms {
            self.visit_expr(&arm.handler);
        }
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

/// The direct child expressions of an expression, in evaluation order (for the kinds the walk
/// does not handle itself).
struct Children<'e>(Vec<&'e syn::Expr>);

impl<'e> Children<'e> {
    fn visit_children(&mut self, expr: &'e syn::Expr) {
        use syn::Expr as E;
        match expr {
            E::Array(array) => self.0.extend(&array.elems),
            E::Tuple(tuple) => self.0.extend(&tuple.elems),
            E::Struct(literal) => {
                self.0
                    .extend(literal.fields.iter().map(|field| &field.expr));
                self.0.extend(literal.rest.as_deref());
            }
            E::Repeat(repeat) => self.0.push(&repeat.expr),
            E::Cast(cast) => self.0.push(&cast.expr),
            E::Field(field) => self.0.push(&field.base),
            E::Group(group) => self.0.push(&group.expr),
            E::Paren(paren) => self.0.push(&paren.expr),
            E::Index(index) => self.0.extend([&*index.expr, &*index.index]),
            E::Range(range) => {
                self.0.extend(range.start.as_deref());
                self.0.extend(range.end.as_deref());
            }
            E::RawAddr(raw) => self.0.push(&raw.expr),
            E::Unary(unary) => self.0.push(&unary.expr),
            E::Yield(yield_expr) => self.0.extend(yield_expr.expr.as_deref()),
            _ => {}
        }
    }
}

/// Whether an expression holds an `.await` (or a polling macro) run by the loop itself.
fn has_await(macros: &MacroBodies, expr: &syn::Expr) -> bool {
    let mut finder = AwaitFinder {
        macros,
        found: false,
    };
    finder.visit_expr(expr);
    finder.found
}

fn has_await_block(macros: &MacroBodies, block: &syn::Block) -> bool {
    let mut finder = AwaitFinder {
        macros,
        found: false,
    };
    finder.visit_block(block);
    finder.found
}

struct AwaitFinder<'m> {
    macros: &'m MacroBodies,
    found: bool,
}

impl<'ast> Visit<'ast> for AwaitFinder<'_> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if self.found {
            return;
        }
        match expr {
            syn::Expr::Await(_) => self.found = true,
            syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
            _ => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.found |= visit_macro_awaits(self, self.macros, mac);
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}
