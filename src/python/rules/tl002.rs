//! TL002 loop-overwritten-handle: a task handle bound inside a loop (to a local or to
//! `self.attr`) is rebound on the next iteration before the previous task escaped, was awaited,
//! or was cancelled and awaited, so only the last task stays referenced.
//!
//! Limits: handles are followed within one function; an attribute assigned in a loop is only
//! followed through `self`.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use super::super::checker::Checker;
use super::super::flow::{Handle, HandleFlow, Loss};
use crate::diagnostic::Diagnostic;
use crate::rule::Rule;

/// Reports the site when the loop comes around to it while the previous task is still held.
/// Returns whether it reported (TL001 then stays silent: one finding per site).
pub fn check(
    checker: &mut Checker<'_, '_>,
    call: &ast::ExprCall,
    flow: Option<(Handle<'_>, &HandleFlow)>,
) -> bool {
    let Some((handle, flow)) = flow else {
        return false;
    };
    let Some(keyword) = flow.losses.iter().find_map(|loss| match loss {
        Loss::NextIteration(keyword) => Some(keyword.clone()),
        _ => None,
    }) else {
        return false;
    };
    let name = handle.display();
    let help = match handle {
        Handle::Local(_) => format!(
            "collect the tasks (`tasks.append({name})`) and `await asyncio.gather(*tasks)`, or create them in an `asyncio.TaskGroup`"
        ),
        Handle::Attribute { .. } => format!(
            "cancel and await the previous task before replacing it (`{name}.cancel()`, then `await {name}`), or keep every task in a set"
        ),
    };
    checker.report(
        Diagnostic::new(
            Rule::LoopOverwrittenHandle,
            call.range().to_std_range(),
            "task handle overwritten in a loop: only the last task stays referenced, and earlier ones can be garbage-collected before they finish",
            format!("a new task replaces `{name}` on every iteration"),
        )
        .with_note(keyword, format!("the next iteration rebinds `{name}` while the previous task may still be pending"))
        .with_help(help),
    );
    true
}
