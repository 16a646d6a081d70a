//! `human`: rustc-like diagnostics with source snippets, rendered by `codespan-reporting`,
//! followed by a one-line summary.

use std::io::{self, Write};
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as Level};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::termcolor::{Ansi, ColorSpec, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};

use super::{clamp, plural, EmitOptions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, FixLevel};
use crate::lint::FileReport;

pub(super) fn emit(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &EmitOptions,
) -> io::Result<()> {
    if options.color {
        render(&mut Ansi::new(out), reports, options)
    } else {
        render(&mut NoColor::new(out), reports, options)
    }
}

fn render(
    out: &mut dyn WriteColor,
    reports: &[FileReport],
    options: &EmitOptions,
) -> io::Result<()> {
    let files = ReportFiles(reports);
    let config = Config::default();
    for (id, report) in reports.iter().enumerate() {
        for diagnostic in &report.diagnostics {
            let rendered = to_codespan(id, &report.source.text, diagnostic);
            term::emit(out, &config, &files, &rendered).map_err(into_io)?;
        }
    }
    summary(out, reports)?;
    fixable(out, reports, options.fix_level)
}

/// The codespan rendering of one diagnostic of the file `id`.
fn to_codespan(id: usize, text: &str, diagnostic: &Diagnostic) -> Report<usize> {
    let level = match diagnostic.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    let mut labels =
        vec![Label::primary(id, clamp(text, &diagnostic.range)).with_message(&diagnostic.label)];
    labels.extend(
        diagnostic
            .notes
            .iter()
            .map(|note| Label::secondary(id, clamp(text, &note.range)).with_message(&note.message)),
    );
    let mut report = Report::new(level)
        .with_code(diagnostic.rule.code())
        .with_message(&diagnostic.message)
        .with_labels(labels);
    if let Some(help) = &diagnostic.help {
        report = report.with_note(format!("help: {help}"));
    }
    if let Some(fix) = &diagnostic.fix {
        report = report.with_note(format!(
            "fix: {} ({}: {})",
            fix.title,
            fix.applicability.as_str(),
            fix_flags(fix.applicability)
        ));
    }
    report
}

/// `Found 3 findings (2 errors, 1 warning) in 2 files.`, or `All checks passed.`
fn summary(out: &mut dyn WriteColor, reports: &[FileReport]) -> io::Result<()> {
    let count = |severity| {
        reports
            .iter()
            .flat_map(|report| &report.diagnostics)
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let files = reports
        .iter()
        .filter(|report| !report.diagnostics.is_empty())
        .count();
    out.set_color(ColorSpec::new().set_bold(true))?;
    if errors + warnings == 0 {
        write!(out, "All checks passed.")?;
    } else {
        let mut kinds = Vec::new();
        if errors > 0 {
            kinds.push(plural(errors, "error"));
        }
        if warnings > 0 {
            kinds.push(plural(warnings, "warning"));
        }
        write!(
            out,
            "Found {} ({}) in {}.",
            plural(errors + warnings, "finding"),
            kinds.join(", "),
            plural(files, "file")
        )?;
    }
    out.reset()?;
    writeln!(out)
}

/// `[*] 2 fixable with --fix; 1 more with --fix --unsafe-fixes.`: the findings the fixes at
/// `level` would repair, and those only the unsafe fixes would; nothing when there are none.
fn fixable(out: &mut dyn WriteColor, reports: &[FileReport], level: FixLevel) -> io::Result<()> {
    let fixes = reports
        .iter()
        .flat_map(|report| &report.diagnostics)
        .filter_map(|diagnostic| diagnostic.fix.as_ref());
    let (mut shown, mut hidden) = (0, 0);
    for fix in fixes {
        if level.allows(fix.applicability) {
            shown += 1;
        } else {
            hidden += 1;
        }
    }
    let unsafe_flags = fix_flags(Applicability::Unsafe);
    let line = match (shown, hidden) {
        (0, 0) => return Ok(()),
        (0, hidden) => format!("{hidden} fixable with {unsafe_flags}."),
        (shown, 0) => format!("[*] {shown} fixable with {}.", level_flags(level)),
        (shown, hidden) => {
            format!("[*] {shown} fixable with --fix; {hidden} more with {unsafe_flags}.")
        }
    };
    writeln!(out, "{line}")
}

/// The flags that apply fixes of this applicability: `--fix`, `--fix --unsafe-fixes`.
fn fix_flags(applicability: Applicability) -> &'static str {
    match applicability {
        Applicability::Safe => "--fix",
        Applicability::Unsafe => "--fix --unsafe-fixes",
    }
}

/// The flags that apply the fixes of `level`.
fn level_flags(level: FixLevel) -> &'static str {
    match level {
        FixLevel::Safe => fix_flags(Applicability::Safe),
        FixLevel::Unsafe => fix_flags(Applicability::Unsafe),
    }
}

fn into_io(error: files::Error) -> io::Error {
    match error {
        files::Error::Io(error) => error,
        other => io::Error::other(other.to_string()),
    }
}

/// The reports' source files as codespan's file database; a file's id is its report's index.
struct ReportFiles<'a>(&'a [FileReport]);

impl<'a> ReportFiles<'a> {
    fn get(&self, id: usize) -> Result<&'a FileReport, files::Error> {
        self.0.get(id).ok_or(files::Error::FileMissing)
    }
}

impl<'a> Files<'a> for ReportFiles<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, files::Error> {
        Ok(&self.get(id)?.source.path)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, files::Error> {
        Ok(&self.get(id)?.source.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.get(id)?.source.line_index(byte_index))
    }

    /// The line's bytes including its terminator, as codespan expects.
    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, files::Error> {
        let source = &self.get(id)?.source;
        let starts = source.line_starts();
        let start = *starts.get(line_index).ok_or(files::Error::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(source.text.len());
        Ok(start..end)
    }
}
