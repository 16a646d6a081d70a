//! `concise`: one line per finding, `path:line:col: CODE message`, for grep and editors.

use std::io::{self, Write};

use super::Span;
use crate::lint::FileReport;

pub(super) fn emit(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    for report in reports {
        for diagnostic in &report.diagnostics {
            let span = Span::of(&report.source, &diagnostic.range);
            writeln!(
                out,
                "{}:{}:{}: {} {}",
                report.source.path,
                span.start.line,
                span.start.column,
                diagnostic.rule.code(),
                diagnostic.message
            )?;
        }
    }
    Ok(())
}
