//! Rule documentation, compiled into the binary from `rules/*.md`.

use crate::rule::Rule;

/// The rules as a table for `tasklint rules`.
pub fn rules_table() -> String {
    todo!("rules table")
}

/// One rule's documentation rendered for a terminal (`tasklint explain TL001`).
pub fn explain(rule: Rule) -> String {
    let _ = rule;
    todo!("explain")
}
