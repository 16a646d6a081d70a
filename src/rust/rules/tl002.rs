//! TL002 loop-overwritten-handle (Rust): a task handle bound inside a `for`, `while` or `loop`
//! is lost at the next iteration: a `let` in the loop body drops it at the end of every
//! iteration (a smol `Task` is cancelled there), or an assignment to a variable outside the loop
//! (`last = Some(tokio::spawn(..))`) replaces the previous handle while it is still held. Handles
//! pushed, awaited, detached or passed on within the iteration are not flagged, and neither is a
//! detaching handle (tokio's `JoinHandle`) that the iteration keeps on some path, nor an
//! underscore-named guard followed by more code in the iteration.

use super::super::api::{DropSemantics, HandleKind};
use super::super::checker::TaskSite;
use super::super::flow::Loss;
use super::drop_effect;
use crate::diagnostic::Diagnostic;
use crate::rule::Rule;

pub fn check(site: &TaskSite<'_>) -> Option<Diagnostic> {
    let binding = site.binding.as_ref()?;
    let flow = &binding.flow;
    let name = &binding.name;
    let keyword = flow.loop_keyword()?.clone();
    let overwritten = flow
        .losses
        .iter()
        .any(|loss| matches!(loss, Loss::NextIteration(_)));
    if !overwritten {
        let scoped = name.starts_with('_');
        let skip = match site.kind.drop_semantics() {
            DropSemantics::Cancels => scoped && !flow.site_is_last,
            DropSemantics::Detaches => scoped || flow.kept_somewhere,
        };
        if skip {
            return None;
        }
    }
    let effect = drop_effect(site.kind);
    let (message, label, note) = if overwritten {
        (
            format!(
                "task handle overwritten in a loop: only the last handle is kept; {}",
                site.kind.drop_message()
            ),
            format!("a new handle replaces `{name}` on every iteration"),
            format!("the next iteration assigns `{name}` again while it holds the previous handle, and {effect}"),
        )
    } else {
        (
            format!(
                "task handle dropped at the end of each iteration; {}",
                site.kind.drop_message()
            ),
            format!("`{name}` lives only until the end of the iteration"),
            format!("every iteration ends by dropping `{name}`, and {effect}"),
        )
    };
    let mut help = match (site.kind, overwritten) {
        (HandleKind::JoinSet, _) => format!(
            "drain `{name}` before the iteration ends (`while let Some(result) = {name}.join_next().await`), or create the set before the loop and drain it after"
        ),
        (_, true) => format!(
            "keep every handle (push it into a `Vec`, or spawn into a `JoinSet`) and join them after the loop, or join or abort the previous handle before `{name}` is assigned again"
        ),
        (_, false) => format!(
            "keep every handle: push `{name}` into a `Vec` (or spawn into a `JoinSet`) and join them after the loop"
        ),
    };
    if let Some(release) = site.kind.row().release {
        help.push_str(&format!(
            "; to let each task run on its own instead, {release}"
        ));
    }
    let mut diagnostic = Diagnostic::new(
        Rule::LoopOverwrittenHandle,
        site.range.clone(),
        message,
        label,
    );
    diagnostic.notes.extend(site.wrapper.iter().cloned());
    let mut diagnostic = diagnostic.with_note(keyword, note).with_help(help);
    diagnostic.severity = site.kind.severity();
    Some(diagnostic)
}
