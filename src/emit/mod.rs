//! Output formats: one file per format, all behind [`emit`].

use std::io::{self, Write};

use crate::lint::FileReport;

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
}

/// Writes the findings of `reports` (already sorted by path; diagnostics sorted within each)
/// to `out` in `format`.
pub fn emit(
    format: Format,
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &EmitOptions,
) -> io::Result<()> {
    let _ = (format, out, reports, options);
    todo!("emitters")
}
