//! Linting one file: decode, hand it to its language's front-end, apply suppressions and the
//! rule selection. Never panics on any input; problems reading a file are typed errors.

use std::ops::Range;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::index::ProjectIndex;
use crate::rule::Rule;
use crate::source::SourceFile;
use crate::suppression::{self, UnknownCode};
use crate::{python, rust};

/// Which rules run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled: Vec<Rule>,
}

impl Default for Settings {
    /// The rules that run when none are selected ([`Rule::defaults`]).
    fn default() -> Self {
        Settings {
            enabled: Rule::defaults().collect(),
        }
    }
}

impl Settings {
    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.enabled.contains(&rule)
    }
}

/// The languages tasklint reads, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Rust,
}

impl Language {
    /// The language of a path, by its extension (`.py`, `.pyi`, `.rs`).
    pub fn of(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "py" | "pyi" => Some(Language::Python),
            "rs" => Some(Language::Rust),
            _ => None,
        }
    }
}

/// What a language front-end found in one file.
#[derive(Debug, Default)]
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
    /// Byte ranges of the comments, each starting at its marker (`#`, `//`, `/*`), for
    /// suppressions.
    pub comments: Vec<Range<usize>>,
}

/// The findings of one file, sorted by position and code.
#[derive(Debug)]
pub struct FileReport {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// Codes named in suppression comments that are not rules (reported as warnings).
    pub unknown_suppressions: Vec<UnknownCode>,
}

/// Why a file could not be linted.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read `{path}`: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error(
        "cannot lint `{path}`: not valid UTF-8 (byte {offset} is not part of a UTF-8 character)"
    )]
    NotUtf8 { path: String, offset: usize },
}

/// Reads and lints the file at `path`, reported under `display_path`.
pub fn lint_path(
    path: &Path,
    display_path: &str,
    settings: &Settings,
) -> Result<FileReport, FileError> {
    let bytes = std::fs::read(path).map_err(|cause| FileError::Read {
        path: display_path.to_owned(),
        cause,
    })?;
    lint_bytes(display_path, bytes, settings)
}

/// Lints a file's raw bytes; the language follows from `display_path`'s extension.
pub fn lint_bytes(
    display_path: &str,
    bytes: Vec<u8>,
    settings: &Settings,
) -> Result<FileReport, FileError> {
    let text = String::from_utf8(bytes).map_err(|error| FileError::NotUtf8 {
        path: display_path.to_owned(),
        offset: error.utf8_error().valid_up_to(),
    })?;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    Ok(lint_source(
        SourceFile::new(display_path, text),
        settings,
        &ProjectIndex::default(),
    ))
}

/// Lints decoded source against what the index knows of the project. Files of unknown
/// language are treated as Python.
pub fn lint_source(source: SourceFile, settings: &Settings, index: &ProjectIndex) -> FileReport {
    let analysis = match Language::of(Path::new(&source.path)) {
        Some(Language::Rust) => rust::analyze(&source, &index.rust),
        Some(Language::Python) | None => python::analyze(&source, &index.python),
    };
    let suppressions = suppression::Suppressions::parse(&source, &analysis.comments);
    let mut diagnostics: Vec<Diagnostic> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| settings.is_enabled(d.rule))
        .filter(|d| !suppressions.suppresses(source.line_index(d.range.start), d.rule))
        .collect();
    diagnostics.sort_by_key(|d| (d.range.start, d.rule, d.range.end));
    diagnostics.dedup_by(|a, b| a.range == b.range && a.rule == b.rule);
    FileReport {
        unknown_suppressions: suppressions.unknown_codes,
        source,
        diagnostics,
    }
}
