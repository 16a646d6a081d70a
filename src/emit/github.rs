//! `github`: GitHub Actions workflow commands, which the runner turns into annotations.
//!
//! `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE name::message`, escaped
//! as the runner expects: data escapes `%`, `\r` and `\n`; properties also escape `:` and `,`.

use std::io::{self, Write};

use super::Span;
use crate::diagnostic::Severity;
use crate::lint::FileReport;

pub(super) fn emit(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    for report in reports {
        for diagnostic in &report.diagnostics {
            let span = Span::of(&report.source, &diagnostic.range);
            let command = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let title = format!("{} {}", diagnostic.rule.code(), diagnostic.rule.name());
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&report.source.path),
                span.start.line,
                span.start.column,
                span.end.line,
                span.end.column,
                escape_property(&title),
                escape_data(&diagnostic.message),
            )?;
        }
    }
    Ok(())
}

/// Escapes a command's message.
fn escape_data(text: &str) -> String {
    escape(text, false)
}

/// Escapes a command property's value, where `:` and `,` are separators too.
fn escape_property(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, property: bool) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            ':' if property => escaped.push_str("%3A"),
            ',' if property => escaped.push_str("%2C"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("50%, a:b\r\nc"), "50%25, a:b%0D%0Ac");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }

    #[test]
    fn percent_is_escaped_first_so_escapes_are_not_doubled() {
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
