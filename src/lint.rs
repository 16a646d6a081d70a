//! Linting a project: every file of a run is read once and goes through two passes.
//!
//! 1. In parallel, each file is read, decoded, parsed (Python) and its facts for the project
//!    index extracted ([`python::index::extract`], [`rust::first_pass`]).
//! 2. The [`ProjectIndex`] is built from the facts of every file, with the facts of the
//!    configuration ([`ExternalFacts`]).
//! 3. In parallel, each file is analyzed by its language's front-end against the index, and the
//!    suppressions and the rule selection are applied. A Python module is parsed once, in the
//!    first pass, and its syntax tree kept for the second; a Rust file is parsed again only if
//!    it names something async or calls what may create a future or a task (syn's trees cannot
//!    move between threads: see [`rust::FirstPass`]).
//!
//! Never panics on any input: problems reading a file are typed errors, and a panic inside a
//! front-end becomes that file's [`FileError::Internal`]; the other files go on.

use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::discover::FileToLint;
use crate::index::external::ExternalFacts;
use crate::index::ProjectIndex;
use crate::panics::catch_panic;
use crate::python::index::{PythonFileFacts, PythonIndex};
use crate::rule::Rule;
use crate::rust::index::{RustFileFacts, RustIndex};
use crate::source::SourceFile;
use crate::suppression::{self, UnknownCode};
use crate::{python, rust};

/// The stack of a thread that lints files or runs a program: deeply nested input (up to
/// [`python::MAX_TREE_DEPTH`] and [`rust::MAX_NESTING`] levels) recurses deeply in the parsers,
/// the detectors and the interpreter's compiler, and must not overflow the stack.
pub const LINT_STACK_SIZE: usize = 256 * 1024 * 1024;

/// Which rules run, and what the configuration says about code outside the project.
#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled: Vec<Rule>,
    /// Functions outside the project that return tasks, are coroutine functions, or always or
    /// never suspend (`tasklint.toml`).
    pub external: ExternalFacts,
    /// Skip the rules on files that cannot have a finding (see [`rust::second_pass`]). On by
    /// default; turned off only to check that it changes nothing.
    pub prefilter: bool,
}

impl Default for Settings {
    /// The rules that run when none are selected ([`Rule::defaults`]), and no external facts.
    fn default() -> Self {
        Settings {
            enabled: Rule::defaults().collect(),
            external: ExternalFacts::default(),
            prefilter: true,
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
    #[error(
        "cannot lint `{path}`: it declares the encoding `{encoding}`; tasklint reads UTF-8 and Latin-1 only"
    )]
    UnsupportedEncoding { path: String, encoding: String },
    /// A front-end panicked on this file: a bug of tasklint.
    #[error("internal error while linting `{path}`: {message}; please report this bug")]
    Internal { path: String, message: String },
}

/// A file after the first pass: decoded, parsed when it is Python, waiting for the rules.
struct PreparedFile {
    source: SourceFile,
    syntax: Syntax,
}

/// What the first pass keeps of a file's syntax for the second.
enum Syntax {
    Python(python::ParsedModule),
    Rust(rust::FirstPass),
}

/// One file's contribution to the index.
enum Facts {
    Python(PythonFileFacts),
    Rust(RustFileFacts),
}

/// Lints the files of one run as one project, on the current rayon pool: the outcomes are in
/// the order of `files`.
pub fn lint_project(
    files: &[FileToLint],
    settings: &Settings,
) -> Vec<Result<FileReport, FileError>> {
    let prepared: Vec<Result<(PreparedFile, Facts), FileError>> = files
        .par_iter()
        .map(|file| {
            isolated(&file.display, || {
                let bytes = std::fs::read(&file.path).map_err(|cause| FileError::Read {
                    path: file.display.clone(),
                    cause,
                })?;
                prepare(&file.display, bytes)
            })
        })
        .collect();
    let mut facts = Vec::new();
    let prepared: Vec<Result<PreparedFile, FileError>> = prepared
        .into_iter()
        .map(|outcome| {
            outcome.map(|(file, file_facts)| {
                facts.push(file_facts);
                file
            })
        })
        .collect();
    let index = build_index(facts, &settings.external);
    prepared
        .into_par_iter()
        .map(|prepared| {
            let prepared = prepared?;
            let path = prepared.source.path.clone();
            isolated(&path, || Ok(lint_prepared(prepared, settings, &index)))
        })
        .collect()
}

/// Lints one file's raw bytes as a project of its own; the language follows from
/// `display_path`'s extension.
pub fn lint_bytes(
    display_path: &str,
    bytes: Vec<u8>,
    settings: &Settings,
) -> Result<FileReport, FileError> {
    let (file, facts) = isolated(display_path, || prepare(display_path, bytes))?;
    let index = build_index(vec![facts], &settings.external);
    isolated(display_path, || Ok(lint_prepared(file, settings, &index)))
}

/// Runs one file's work, turning a panic into [`FileError::Internal`].
fn isolated<T>(path: &str, work: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    catch_panic(work).unwrap_or_else(|message| {
        Err(FileError::Internal {
            path: path.to_owned(),
            message,
        })
    })
}

/// The first pass over one file: decode, parse, extract its facts. Files of unknown language
/// are treated as Python.
fn prepare(display_path: &str, bytes: Vec<u8>) -> Result<(PreparedFile, Facts), FileError> {
    let language = Language::of(Path::new(display_path));
    let python = language != Some(Language::Rust);
    let source = SourceFile::new(display_path, decode(display_path, bytes, python)?);
    Ok(match language {
        Some(Language::Rust) => {
            let (facts, first_pass) = rust::first_pass(&source);
            let file = PreparedFile {
                source,
                syntax: Syntax::Rust(first_pass),
            };
            (file, Facts::Rust(facts))
        }
        Some(Language::Python) | None => {
            let parsed = python::parse(&source);
            let facts = python::index::extract(&source, &parsed);
            let file = PreparedFile {
                source,
                syntax: Syntax::Python(parsed),
            };
            (file, Facts::Python(facts))
        }
    })
}

/// The text of a file: UTF-8 without a leading byte-order mark, or, for a Python module that
/// is not UTF-8 and declares a Latin-1 encoding (PEP 263: `# -*- coding: latin-1 -*-` on one of
/// its first two lines), its bytes read as Latin-1.
fn decode(display_path: &str, bytes: Vec<u8>, python: bool) -> Result<String, FileError> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            return match declared_encoding(&bytes).filter(|_| python) {
                Some(encoding) if is_latin_1(&encoding) => {
                    Ok(bytes.iter().map(|&byte| char::from(byte)).collect())
                }
                Some(encoding) if !encoding.eq_ignore_ascii_case("utf-8") => {
                    Err(FileError::UnsupportedEncoding {
                        path: display_path.to_owned(),
                        encoding,
                    })
                }
                _ => Err(FileError::NotUtf8 {
                    path: display_path.to_owned(),
                    offset,
                }),
            };
        }
    };
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// The encoding a Python module declares on one of its first two lines, if it does: a comment
/// matching `coding[:=]\s*([-\w.]+)` (PEP 263).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    bytes.split(|&byte| byte == b'\n').take(2).find_map(|line| {
        let line = line.trim_ascii_start();
        if !line.starts_with(b"#") {
            return None;
        }
        let at = line.windows(6).position(|window| window == b"coding")?;
        let rest = line[at + 6..]
            .strip_prefix(b":")
            .or(line[at + 6..].strip_prefix(b"="))?;
        let name: String = rest
            .trim_ascii_start()
            .iter()
            .take_while(|byte| byte.is_ascii_alphanumeric() || b"-_.".contains(byte))
            .map(|&byte| char::from(byte))
            .collect();
        (!name.is_empty()).then_some(name)
    })
}

/// Whether an encoding name is one of Python's names for Latin-1 (ISO 8859-1).
fn is_latin_1(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('_', "-");
    matches!(
        name.as_str(),
        "latin-1" | "latin1" | "latin" | "l1" | "iso-8859-1" | "iso8859-1" | "8859" | "cp819"
    )
}

/// Builds the index from the facts of every file of the run.
fn build_index(facts: Vec<Facts>, external: &ExternalFacts) -> ProjectIndex {
    let mut python_facts = Vec::new();
    let mut rust_facts = Vec::new();
    for facts in facts {
        match facts {
            Facts::Python(facts) => python_facts.push(facts),
            Facts::Rust(facts) => rust_facts.push(facts),
        }
    }
    ProjectIndex {
        python: PythonIndex::build(python_facts, external),
        rust: RustIndex::build(rust_facts, external),
    }
}

/// The second pass over one file: its front-end's findings against the index, with the
/// suppressions and the rule selection applied.
fn lint_prepared(file: PreparedFile, settings: &Settings, index: &ProjectIndex) -> FileReport {
    let PreparedFile { source, syntax } = file;
    let analysis = match &syntax {
        Syntax::Rust(first_pass) if settings.prefilter => {
            rust::second_pass(&source, first_pass, &index.rust)
        }
        Syntax::Rust(_) => rust::analyze(&source, &index.rust),
        Syntax::Python(parsed) => python::analyze(&source, parsed, &index.python),
    };
    drop(syntax);
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
