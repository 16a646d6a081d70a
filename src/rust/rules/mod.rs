//! The Rust detectors, one file per rule. Each takes a site found by the checker and returns its
//! finding, if the site is one; the checker asks TL002, then TL001, then TL005, so a site is
//! reported once. TL004 reports the loops the checker found spinning.

pub mod tl001;
pub mod tl002;
pub mod tl003;
pub mod tl004;
pub mod tl005;

use super::api::{DropSemantics, HandleKind};

/// What dropping the handle does, as the end of a sentence: "the task is cancelled".
fn drop_effect(kind: HandleKind) -> &'static str {
    match (kind, kind.drop_semantics()) {
        (HandleKind::JoinSet, _) => "every task still in it is cancelled",
        (_, DropSemantics::Cancels) => "the task is cancelled",
        (_, DropSemantics::Detaches) => "the task is detached",
    }
}

/// The concrete ways to keep a handle of this kind, naming the variable if there is one.
fn keep_help(kind: HandleKind, name: Option<&str>) -> String {
    let handle = name.unwrap_or("the handle");
    let row = kind.row();
    match (kind, row.release) {
        (HandleKind::JoinSet, _) => {
            let set = name.unwrap_or("set");
            format!(
                "join its tasks before it goes out of scope (`while let Some(result) = {set}.join_next().await`, or `{set}.join_all().await`), return or store it, or call `{set}.detach_all()` to let them run on their own"
            )
        }
        (_, Some(release)) => format!(
            "keep the `{}` and `.await` it, or store it (in a field, or a `Vec`/`FuturesUnordered` that is drained); to let the task run on its own instead, {release}",
            row.type_name
        ),
        (_, None) => format!(
            "`.await` {handle} (or `.abort()` it) so the task's result and panics are seen, or keep it: push it into a `JoinSet`/`Vec`, or a field, and join it before shutdown"
        ),
    }
}
