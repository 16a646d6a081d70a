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
    NonYieldingLoop,
    DetachedSpawn,
    UnusedSuppression,
}

impl Rule {
    /// Every rule, in code order.
    pub const ALL: &'static [Rule] = &[
        Rule::SyntaxError,
        Rule::DroppedTaskHandle,
        Rule::LoopOverwrittenHandle,
        Rule::UnawaitedCoroutine,
        Rule::NonYieldingLoop,
        Rule::DetachedSpawn,
        Rule::UnusedSuppression,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::SyntaxError => "TL000",
            Rule::DroppedTaskHandle => "TL001",
            Rule::LoopOverwrittenHandle => "TL002",
            Rule::UnawaitedCoroutine => "TL003",
            Rule::NonYieldingLoop => "TL004",
            Rule::DetachedSpawn => "TL005",
            Rule::UnusedSuppression => "TL100",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rule::SyntaxError => "syntax-error",
            Rule::DroppedTaskHandle => "dropped-task-handle",
            Rule::LoopOverwrittenHandle => "loop-overwritten-handle",
            Rule::UnawaitedCoroutine => "unawaited-coroutine",
            Rule::NonYieldingLoop => "non-yielding-loop",
            Rule::DetachedSpawn => "detached-spawn",
            Rule::UnusedSuppression => "unused-suppression",
        }
    }

    pub fn default_severity(self) -> Severity {
        match self {
            Rule::SyntaxError
            | Rule::DroppedTaskHandle
            | Rule::LoopOverwrittenHandle
            | Rule::UnawaitedCoroutine => Severity::Error,
            Rule::NonYieldingLoop | Rule::DetachedSpawn | Rule::UnusedSuppression => {
                Severity::Warning
            }
        }
    }

    /// Whether the rule runs when no `--select` is given. Rules that are off by default report
    /// code that is often written on purpose; they run only when a selector names them (by
    /// code, prefix, name or `ALL`).
    pub fn is_default(self) -> bool {
        !matches!(self, Rule::DetachedSpawn | Rule::UnusedSuppression)
    }

    /// The rules that run when none are selected, in code order.
    pub fn defaults() -> impl Iterator<Item = Rule> {
        Rule::ALL.iter().copied().filter(|rule| rule.is_default())
    }

    /// The rule with this exact code (`TL001`), case-insensitively.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.code().eq_ignore_ascii_case(code))
    }

    /// The rule with this exact name (`dropped-task-handle`), case-insensitively.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.name().eq_ignore_ascii_case(name))
    }
}
