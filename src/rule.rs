//! The rule registry: one row per rule, with its stable code, name and default severity.
//! A rule's documentation lives in `rules/<CODE>-<name>.md` (see [`crate::docs`]).

use crate::diagnostic::Severity;

/// A rule of the catalog. Codes are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    SyntaxError,
    DroppedTaskHandle,
    LoopOverwrittenHandle,
    UnawaitedCoroutine,
}

impl Rule {
    /// Every rule, in code order.
    pub const ALL: &'static [Rule] = &[
        Rule::SyntaxError,
        Rule::DroppedTaskHandle,
        Rule::LoopOverwrittenHandle,
        Rule::UnawaitedCoroutine,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::SyntaxError => "TL000",
            Rule::DroppedTaskHandle => "TL001",
            Rule::LoopOverwrittenHandle => "TL002",
            Rule::UnawaitedCoroutine => "TL003",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rule::SyntaxError => "syntax-error",
            Rule::DroppedTaskHandle => "dropped-task-handle",
            Rule::LoopOverwrittenHandle => "loop-overwritten-handle",
            Rule::UnawaitedCoroutine => "unawaited-coroutine",
        }
    }

    pub fn default_severity(self) -> Severity {
        match self {
            Rule::SyntaxError
            | Rule::DroppedTaskHandle
            | Rule::LoopOverwrittenHandle
            | Rule::UnawaitedCoroutine => Severity::Error,
        }
    }

    /// The rule with this exact code (`TL001`), case-insensitively.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.code().eq_ignore_ascii_case(code))
    }
}
