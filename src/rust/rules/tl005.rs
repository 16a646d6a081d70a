//! TL005 detached-spawn (Rust, off by default): a spawn whose handle detaches its task when
//! dropped (tokio's, async-std's, monoio's `JoinHandle`) and is thrown away at once: an
//! expression statement, `let _ =`, `_ =`, or a collection that is thrown away. Tokio documents
//! a bare `tokio::spawn(..);` as fire-and-forget, so this rule runs only when selected.

use super::super::api::DropSemantics;
use super::super::checker::TaskSite;
use super::super::uses::{Container, Use};
use super::keep_help;
use crate::diagnostic::Diagnostic;
use crate::rule::Rule;

pub fn check(site: &TaskSite<'_>) -> Option<Diagnostic> {
    if site.kind.drop_semantics() != DropSemantics::Detaches {
        return None;
    }
    let handle = format!("the `{}` from `{}`", site.kind.row().type_name, site.api);
    let label = match site.use_ {
        Use::Discarded => format!("{handle} is dropped at the end of this statement"),
        Use::Wildcard => format!("{handle} is assigned to `_`, so it is dropped at once"),
        Use::Element(Container::Discarded) => {
            format!("{handle} is put in a collection that is thrown away")
        }
        _ => return None,
    };
    let help = format!(
        "{}; if the task is meant to run detached, say so with `// tasklint: ignore[TL005]`",
        keep_help(site.kind, None)
    );
    Some(
        Diagnostic::new(
            Rule::DetachedSpawn,
            site.range.clone(),
            format!(
                "spawned task's handle discarded; {}",
                site.kind.drop_message()
            ),
            label,
        )
        .with_help(help),
    )
}
