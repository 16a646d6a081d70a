//! TL004 non-yielding-loop: a `while` loop (or a `for` over an iterator that never runs out,
//! `itertools.count()`, `cycle`, `repeat`) of a coroutine that can come back to its head without
//! awaiting anything that may suspend, along a way that does not change, itself, what its
//! conditions read. `await coroutine()` runs the coroutine inline: unless something in it
//! suspends, the event loop never gets a turn, the other tasks starve, and a loop waiting for
//! state that only another task can change spins forever.
//!
//! Not flagged: loops without any `await` (plain computations), `async for`, `for` over finite
//! data, loops that count or consume their way out (`i += 1`, `self.buffer.popleft()`), and
//! loops whose every way round awaits something that may suspend.
//!
//! Limits: which project coroutines never suspend comes from the index (an awaitable of unknown
//! origin suspends); what called functions change is not followed, so a loop that only ends
//! because a coroutine it awaits changes the state is flagged.

use std::ops::Range;

use ruff_python_ast::Stmt;

use super::super::checker::Checker;
use super::super::flow::keyword_range;
use super::super::index::Definition;
use super::super::loops::{find_spin, may_spin, InlineAwait, Spin};
use super::super::semantic::constant_truth;
use crate::diagnostic::Diagnostic;
use crate::rule::Rule;

pub fn check(checker: &mut Checker<'_, '_>, stmt: &Stmt) {
    if !may_spin(stmt) {
        return;
    }
    let Some(spin) = find_spin(&checker.resolver(), stmt) else {
        return;
    };
    let (keyword, label) = match stmt {
        Stmt::While(while_stmt) if constant_truth(&while_stmt.test) == Some(true) => (
            keyword_range(stmt, "while"),
            "nothing ends this loop, and one way round awaits nothing that suspends",
        ),
        Stmt::While(_) => (
            keyword_range(stmt, "while"),
            "one way round awaits nothing that suspends, and changes nothing its conditions read",
        ),
        _ => (
            keyword_range(stmt, "for"),
            "the iterator never runs out, and one way round awaits nothing that suspends",
        ),
    };
    let message = if spin.inline_awaits.is_empty() {
        "loop can spin without yielding to the event loop: on some iterations it awaits nothing, so no other task runs while it waits"
    } else {
        "loop never yields to the event loop: the coroutines it awaits run inline and never suspend, so no other task runs while it spins"
    };
    let mut diagnostic = Diagnostic::new(Rule::NonYieldingLoop, keyword, message, label)
        .with_help("give the other tasks a turn with `await asyncio.sleep(0)`, or await something that waits for the state to change (an `asyncio.Event`, a `Condition`, a queue's `get()`)");
    for inline in &spin.inline_awaits {
        diagnostic = diagnostic.with_note(inline.range.clone(), inline_note(checker, inline));
    }
    if let Some((range, message)) = closing_note(&spin) {
        diagnostic = diagnostic.with_note(range, message);
    }
    checker.report(diagnostic);
}

/// "`await self.refresh()` runs `refresh` inline: it never suspends (defined at cache.py:12)".
fn inline_note(checker: &Checker<'_, '_>, inline: &InlineAwait) -> String {
    let text = &checker.source.text[inline.range.clone()];
    let shown = if text.contains('\n') {
        "this `await`".to_owned()
    } else {
        format!("`{text}`")
    };
    match &inline.definition {
        Some(Definition { name, path, line }) => {
            let place = if *path == checker.source.path {
                format!("line {line}")
            } else {
                format!("{path}:{line}")
            };
            format!("{shown} runs `{name}` inline: it never suspends (defined at {place})")
        }
        None => format!("{shown} runs inline: the configuration says it never suspends"),
    }
}

/// The label on what closes the spinning way round: its `continue`, or the branch that awaits
/// nothing.
fn closing_note(spin: &Spin) -> Option<(Range<usize>, String)> {
    if let Some(at) = &spin.continue_at {
        return Some((
            at.clone(),
            "back to the loop's head without suspending".to_owned(),
        ));
    }
    if !spin.inline_awaits.is_empty() {
        return None;
    }
    let (range, truth) = spin.branch.clone()?;
    Some((
        range,
        format!(
            "when this is {truth}, nothing awaited before the loop comes around suspends",
            truth = if truth { "true" } else { "false" }
        ),
    ))
}
