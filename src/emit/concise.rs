//! `concise`: one line per finding, `path:line:col: CODE message`, for grep and editors; `[*]`
//! before the message marks a finding that `--fix` repairs (with `--unsafe-fixes`, also one
//! that only an unsafe fix repairs).

use std::io::{self, Write};

use super::{EmitOptions, Span};
use crate::diagnostic::Diagnostic;
use crate::fix::FixLevel;
use crate::lint::FileReport;

pub(super) fn emit(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &EmitOptions,
) -> io::Result<()> {
    for report in reports {
        for diagnostic in &report.diagnostics {
            let span = Span::of(&report.source, &diagnostic.range);
            writeln!(
                out,
                "{}:{}:{}: {} {}{}",
                report.source.path,
                span.start.line,
                span.start.column,
                diagnostic.rule.code(),
                fix_marker(diagnostic, options.fix_level),
                diagnostic.message
            )?;
        }
    }
    Ok(())
}

/// `[*] ` when the finding has a fix that `--fix` applies at `level`.
fn fix_marker(diagnostic: &Diagnostic, level: FixLevel) -> &'static str {
    match &diagnostic.fix {
        Some(fix) if level.allows(fix.applicability) => "[*] ",
        _ => "",
    }
}
