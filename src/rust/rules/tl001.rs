//! TL001 dropped-task-handle (Rust): a spawned task's handle is dropped while the task may still
//! be running. A handle that cancels on drop (smol/async-task/async-executor `Task`, futures'
//! `RemoteHandle`, a `JoinSet`, tokio-util's `AbortOnDropHandle`, glommio's `Task`) is an error
//! when it is discarded (`let _ =`, `_ =`, an expression statement, a collection thrown away, a
//! method that only borrows it) or when its variable reaches the end of its scope, or is assigned
//! again, on some path without being awaited, detached, stored, passed on or dropped explicitly.
//! A handle that detaches on drop (tokio's, async-std's, monoio's `JoinHandle`) is a warning when
//! the author bound it to a name and then never joined, aborted, stored or passed it on.
//!
//! A task from a project *wrapper* (a function of the run that spawns a task and returns it
//! without keeping it, found by the project index) is a TL001 when the call's result is
//! discarded, whatever the handle does on drop (the wrapper hands it over to be kept), with the
//! severity of its handle and a note naming where the wrapper spawns it.
//!
//! Not flagged: `let _guard = ex.spawn(..)` followed by more code (the scoped-task idiom), a
//! detached handle discarded at once (TL005, off by default), a handle lost at the next loop
//! iteration (TL002), and a handle dropped by an early `return`, `?`, `break` or `continue`.

use super::super::api::{DropSemantics, HandleKind};
use super::super::checker::{Binding, TaskSite};
use super::super::fixes;
use super::super::flow::Loss;
use super::super::uses::{Container, Use};
use super::{drop_effect, keep_help};
use crate::diagnostic::{Diagnostic, Label};
use crate::fix::Fix;
use crate::rule::Rule;

/// Handle methods that only borrow the handle.
const BORROWING_METHODS: &[&str] = &["is_finished", "id", "metadata", "len", "is_empty"];

/// Whether calling `method` on a handle only borrows it.
pub fn only_borrows(method: &syn::Ident) -> bool {
    BORROWING_METHODS
        .iter()
        .any(|borrowing| method == borrowing)
}

pub fn check(site: &TaskSite<'_>) -> Option<Diagnostic> {
    // A wrapper's task is meant to be kept, even a detaching one.
    let cancels = site.kind.drop_semantics() == DropSemantics::Cancels || site.wrapper.is_some();
    let handle = format!("the `{}` from `{}`", site.kind.row().type_name, site.api);
    let (label, notes) = match site.use_ {
        Use::Discarded if cancels => (
            format!("{handle} is dropped at the end of this statement"),
            Vec::new(),
        ),
        Use::Wildcard if cancels => (
            format!("{handle} is assigned to `_`, so it is dropped at once"),
            Vec::new(),
        ),
        Use::Element(Container::Discarded) if cancels => (
            format!("{handle} is put in a collection that is thrown away"),
            Vec::new(),
        ),
        Use::Receiver { method } if cancels && only_borrows(method) => (
            format!(
                "`{method}` only borrows {handle}, which is dropped at the end of this statement"
            ),
            Vec::new(),
        ),
        Use::Bound(_) | Use::Assigned(_) => lost_binding(site, site.binding.as_ref()?)?,
        _ => return None,
    };
    let name = site.binding.as_ref().map(|binding| binding.name.as_str());
    let mut diagnostic = Diagnostic::new(
        Rule::DroppedTaskHandle,
        site.range.clone(),
        format!("task handle dropped; {}", site.kind.drop_message()),
        label,
    )
    .with_help(keep_help(site.kind, name))
    .with_fix(detach(site));
    diagnostic.severity = site.kind.severity();
    diagnostic.notes = site.wrapper.iter().cloned().chain(notes).collect();
    Some(diagnostic)
}

/// `.detach()` on an async-task `Task` (smol's, async-executor's) that a statement drops, so
/// the task runs on its own instead of being cancelled. Unsafe: the task now outlives the
/// statement, and nothing sees its result.
fn detach(site: &TaskSite<'_>) -> Option<Fix> {
    let detachable =
        site.kind == HandleKind::AsyncTask && matches!(site.use_, Use::Discarded) && site.statement;
    detachable.then(|| Fix::unsafe_("call `.detach()`", fixes::postfix(site.expr, ".detach()")))
}

/// The label and notes for a handle bound to a variable that loses it, if it does.
fn lost_binding(site: &TaskSite<'_>, binding: &Binding) -> Option<(String, Vec<Label>)> {
    let flow = &binding.flow;
    let name = &binding.name;
    if flow.losses.is_empty() {
        return None;
    }
    let scoped = name.starts_with('_');
    let label = match site.kind.drop_semantics() {
        DropSemantics::Cancels if scoped && !flow.site_is_last => return None,
        DropSemantics::Cancels if scoped => {
            format!("`{name}` is dropped right away: nothing runs after it in its block")
        }
        DropSemantics::Detaches if scoped || flow.kept_somewhere => return None,
        _ if !flow.read => format!("the handle is bound to `{name}`, which is never used"),
        _ if flow.kept_somewhere => format!("`{name}` keeps the handle on some paths only"),
        _ if site.kind == HandleKind::JoinSet => {
            format!("`{name}` gets tasks, but they are never joined, detached or aborted")
        }
        _ => format!("`{name}` is only looked at, never awaited, joined or stored"),
    };
    let effect = drop_effect(site.kind);
    let notes = flow
        .losses
        .iter()
        .map(|loss| match loss {
            Loss::ScopeEnd { close, .. } => Label {
                range: close.clone(),
                message: format!("`{name}` goes out of scope here and {effect}"),
            },
            Loss::Overwritten(range) | Loss::NextIteration(range) => Label {
                range: range.clone(),
                message: format!("`{name}` is assigned again here and {effect}"),
            },
        })
        .collect();
    Some((label, notes))
}
