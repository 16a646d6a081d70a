//! Diagnostics are plain data: a rule, byte ranges and strings, so files can be linted in
//! parallel and the output sorted deterministically.

use std::ops::Range;

use crate::fix::Fix;
use crate::rule::Rule;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labelled byte range of the file a diagnostic belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub range: Range<usize>,
    pub message: String,
}

/// One finding in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    /// One lowercase sentence saying what happens at run time.
    pub message: String,
    /// The primary range: the task-creating call, the coroutine call, the syntax error.
    pub range: Range<usize>,
    /// What the primary label says about its range.
    pub label: String,
    /// Secondary labels on the causes.
    pub notes: Vec<Label>,
    /// The concrete fix for this site, in words.
    pub help: Option<String>,
    /// The edits that repair it, when tasklint can make them (`--fix`).
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    /// A diagnostic with the rule's default severity and no secondary labels or help.
    pub fn new(
        rule: Rule,
        range: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            range,
            label: label.into(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_note(mut self, range: Range<usize>, message: impl Into<String>) -> Self {
        self.notes.push(Label {
            range,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.map(Box::new);
        self
    }
}
