//! Output formats: one file per format, all behind [`emit`].
//!
//! Every format renders the same data: the [`FileReport`]s of a run, already sorted by path with
//! diagnostics sorted within each file. Adding a format touches its own file and one match arm
//! in [`emit`]. Positions are computed once, by [`Span::of`], so all formats agree on them.

mod concise;
mod github;
mod human;
mod json;
mod sarif;
mod statistics;

use std::io::{self, Write};
use std::ops::Range;

use crate::fix::FixLevel;
use crate::lint::FileReport;
use crate::source::{Position, SourceFile};

/// The output formats of `tasklint check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-like diagnostics with source snippets, labels and help
    Human,
    /// one line per finding: `path:line:col: CODE message`
    Concise,
    /// a JSON array of findings
    Json,
    /// SARIF 2.1.0, for code-scanning upload
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmitOptions {
    /// Use ANSI colors (human format only).
    pub color: bool,
    /// The fixes shown as available (`[*]`): safe ones, or all with `--unsafe-fixes`.
    pub fix_level: FixLevel,
}

/// Writes the findings of `reports` (already sorted by path; diagnostics sorted within each)
/// to `out` in `format`.
pub fn emit(
    format: Format,
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &EmitOptions,
) -> io::Result<()> {
    match format {
        Format::Human => human::emit(out, reports, options),
        Format::Concise => concise::emit(out, reports, options),
        Format::Json => json::emit(out, reports),
        Format::Sarif => sarif::emit(out, reports),
        Format::Github => github::emit(out, reports),
    }
}

/// Writes the number of findings per rule (`--statistics`) to `out`.
pub fn statistics(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    statistics::emit(out, reports)
}

/// A byte range as 1-based lines and columns (columns count characters; the end is exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: Position,
    pub end: Position,
}

impl Span {
    /// The span of `range` in `source`. A range that does not fit the text (a bug elsewhere) is
    /// clamped to it rather than panicking mid-output.
    pub fn of(source: &SourceFile, range: &Range<usize>) -> Span {
        let range = clamp(&source.text, range);
        Span {
            start: source.position(range.start),
            end: source.position(range.end),
        }
    }
}

/// `range` shrunk to the text and moved onto character boundaries.
pub(crate) fn clamp(text: &str, range: &Range<usize>) -> Range<usize> {
    let start = text.floor_char_boundary(range.start);
    let end = text.floor_char_boundary(range.end).max(start);
    start..end
}

/// `count` followed by `noun`, pluralised with an `s` when `count` is not one.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
