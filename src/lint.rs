//! Linting a project: every file of a run is read once and goes through two passes.
//!
//! 1. In parallel, each file is read, decoded, parsed and its facts for the project index
//!    extracted ([`python::first_pass`], [`rust::first_pass`]). A Python module is also checked
//!    then, against an index of the module alone, and the questions whose answers may depend on
//!    other modules are written down; its syntax tree is then dropped.
//! 2. The [`ProjectIndex`] is built from the facts of every file, with the facts of the
//!    configuration ([`ExternalFacts`]).
//! 3. In parallel, each file's findings against the index are decided, and the suppressions and
//!    the rule selection are applied. A Python module keeps the findings of step 1 when the
//!    project's index answers its questions as its own index did, and is parsed and checked
//!    again otherwise. A Rust file that names nothing async is analyzed only if it calls what
//!    the index knows may create a future or a task (the prefilter); a Rust file that is
//!    analyzed is parsed again (syn's trees cannot move between threads: see
//!    [`rust::FirstPass`]).
//!
//! With [`Settings::fix`], step 3 also applies the findings' fixes ([`crate::fix`]) and lints
//! the fixed text again, until no fix applies (at most [`MAX_FIX_PASSES`] passes), against the
//! index of the original files. A pass whose result does not parse makes the file's fixes
//! refused: the file keeps its original text and findings.
//!
//! Never panics on any input: problems reading a file are typed errors, and a panic inside a
//! front-end becomes that file's [`FileError::Internal`]; the other files go on.

use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::FileToLint;
use crate::fix::write::Encoding;
use crate::fix::{self, FixLevel};
use crate::index::external::ExternalFacts;
use crate::index::ProjectIndex;
use crate::panics::catch_panic;
use crate::python::index::{PythonIndex, TopLevel};
use crate::rule::Rule;
use crate::rust::index::{RustFileFacts, RustIndex};
use crate::source::SourceFile;
use crate::suppression::{ItemSpans, Suppressions, UnknownCode};
use crate::{python, rust};

/// The stack of a thread that lints files or runs a program: deeply nested input (up to
/// [`python::MAX_TREE_DEPTH`] and [`rust::MAX_NESTING`] levels) recurses deeply in the parsers,
/// the detectors and the interpreter's compiler, and must not overflow the stack.
pub const LINT_STACK_SIZE: usize = 256 * 1024 * 1024;

/// Which rules run, and what the configuration says about code outside the project.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The rules of every file ([`lint_project`]), unless each file has its own
    /// ([`lint_files`]).
    pub rules: FileRules,
    /// Functions outside the project that return tasks, are coroutine functions, or always or
    /// never suspend (`tasklint.toml`).
    pub external: ExternalFacts,
    /// Skip work that cannot change a finding: keep the first pass's findings of a Python module
    /// when the index agrees ([`python::second_pass`]), skip the rules on Rust files that cannot
    /// have a finding ([`rust::second_pass`]). On by default; turned off only to check that it
    /// changes nothing.
    pub prefilter: bool,
    /// Apply the fixes of this level (`--fix`), to a fixed point, and report what remains.
    pub fix: Option<FixLevel>,
}

impl Default for Settings {
    /// The rules that run when none are selected ([`Rule::defaults`]), and no external facts.
    fn default() -> Self {
        Settings {
            rules: FileRules::default(),
            external: ExternalFacts::default(),
            prefilter: true,
            fix: None,
        }
    }
}

/// Which rules report findings in a file, and with what severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRules {
    pub enabled: Vec<Rule>,
    /// Severities that replace the one the detector gives (`severity` in the configuration).
    pub severity: Vec<(Rule, Severity)>,
}

impl Default for FileRules {
    /// The rules that run when none are selected ([`Rule::defaults`]), at their own severity.
    fn default() -> Self {
        FileRules {
            enabled: Rule::defaults().collect(),
            severity: Vec::new(),
        }
    }
}

impl FileRules {
    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.enabled.contains(&rule)
    }

    /// The configured severity of `rule`'s findings, if one is.
    pub fn severity_of(&self, rule: Rule) -> Option<Severity> {
        self.severity
            .iter()
            .find(|(configured, _)| *configured == rule)
            .map(|&(_, severity)| severity)
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
    /// Byte ranges of the comments, each starting at its marker (`#`, `//`, `/*`), sorted, for
    /// suppressions.
    pub comments: Vec<Range<usize>>,
    /// Where the items are (Rust), for suppressions that cover a whole item.
    pub items: ItemSpans,
}

/// The findings of one file, sorted by position and code.
#[derive(Debug)]
pub struct FileReport {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// Codes named in suppression comments that are not rules (reported as warnings).
    pub unknown_suppressions: Vec<UnknownCode>,
    /// What `--fix` did to the file.
    pub fixes: FileFixes,
}

/// What `--fix` did to one file. When fixes went in, the report's source holds the fixed text
/// and its diagnostics are the findings that remain in it.
#[derive(Debug, Default)]
pub struct FileFixes {
    /// How the file was decoded, to write it back the same way.
    pub encoding: Encoding,
    /// The text before the fixes, when they changed it.
    pub original: Option<String>,
    /// How many fixes went in.
    pub applied: usize,
    /// Why the fixes were refused and the file left as it was: the syntax error they made.
    pub refused: Option<String>,
}

/// How many times a file is fixed and linted again at most: a fix can make another one
/// possible (an edit that conflicted with one applied waits for the next pass).
pub const MAX_FIX_PASSES: usize = 10;

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
    encoding: Encoding,
    syntax: Syntax,
}

/// What the first pass keeps of a file's syntax for the second.
enum Syntax {
    Python(python::FirstPass),
    Rust(rust::FirstPass),
}

/// One file's contribution to the index.
enum Facts {
    /// The index of the module alone.
    Python(Box<PythonIndex>),
    Rust(RustFileFacts),
}

/// Lints the files of one run as one project, on the current rayon pool: the outcomes are in
/// the order of `files`.
pub fn lint_project(
    files: &[FileToLint],
    settings: &Settings,
) -> Vec<Result<FileReport, FileError>> {
    lint_files(files, settings, |_| &settings.rules)
}

/// [`lint_project`], with the rules of `files[i]` given by `rules_of(i)` instead of
/// `settings.rules`: each file's configuration may select other rules.
pub fn lint_files<'r>(
    files: &[FileToLint],
    settings: &Settings,
    rules_of: impl Fn(usize) -> &'r FileRules + Sync,
) -> Vec<Result<FileReport, FileError>> {
    let paths = files.iter().map(|file| file.display.as_str());
    let run = RunFacts::new(&settings.external, paths);
    let prepared: Vec<Result<(PreparedFile, Facts), FileError>> = files
        .par_iter()
        .map(|file| {
            isolated(&file.display, || {
                let bytes = std::fs::read(&file.path).map_err(|cause| FileError::Read {
                    path: file.display.clone(),
                    cause,
                })?;
                prepare(&file.display, bytes, &run)
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
    let reports = prepared
        .into_par_iter()
        .enumerate()
        .map(|(at, prepared)| {
            let prepared = prepared?;
            let path = prepared.source.path.clone();
            let rules = rules_of(at);
            isolated(&path, || {
                Ok(lint_and_fix(prepared, settings, rules, &index))
            })
        })
        .collect();
    free_in_background(index);
    reports
}

/// Frees `value` on a thread of its own, so that the run does not wait for it (the project
/// index of a large run takes a noticeable time to free).
fn free_in_background<T: Send + 'static>(value: T) {
    let freeing = std::thread::Builder::new().name("tasklint-free".to_owned());
    // When no thread can be started, the closure, and `value` with it, is dropped right here.
    let _ = freeing.spawn(move || drop(value));
}

/// Lints one file's raw bytes as a project of its own; the language follows from
/// `display_path`'s extension.
pub fn lint_bytes(
    display_path: &str,
    bytes: Vec<u8>,
    settings: &Settings,
) -> Result<FileReport, FileError> {
    let run = RunFacts::new(&settings.external, [display_path]);
    let (file, facts) = isolated(display_path, || prepare(display_path, bytes, &run))?;
    let index = build_index(vec![facts], &settings.external);
    isolated(display_path, || {
        Ok(lint_and_fix(file, settings, &settings.rules, &index))
    })
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

/// What the first pass over each file knows of the whole run before it starts.
struct RunFacts<'r> {
    /// The configuration's facts about external functions.
    external: &'r ExternalFacts,
    /// The top-level packages and modules of the run's Python files.
    python_top_level: TopLevel,
}

impl<'r> RunFacts<'r> {
    /// What the first pass knows of a run over the files reported under `paths`.
    fn new<'p>(external: &'r ExternalFacts, paths: impl IntoIterator<Item = &'p str>) -> Self {
        let python_paths: Vec<&str> = paths
            .into_iter()
            .filter(|path| Language::of(Path::new(path)) != Some(Language::Rust))
            .collect();
        RunFacts {
            external,
            python_top_level: TopLevel::of_paths(&python_paths),
        }
    }
}

/// The first pass over one file: decode, parse, extract its facts (see [`parse`]). Files of
/// unknown language are treated as Python.
fn prepare(
    display_path: &str,
    bytes: Vec<u8>,
    run: &RunFacts,
) -> Result<(PreparedFile, Facts), FileError> {
    let language = Language::of(Path::new(display_path));
    let python = language != Some(Language::Rust);
    let (text, encoding) = decode(display_path, bytes, python)?;
    Ok(parse(SourceFile::new(display_path, text), encoding, run))
}

/// Parses a decoded file and extracts its facts (a Python module is also checked on its own);
/// its language follows from its path.
fn parse(source: SourceFile, encoding: Encoding, run: &RunFacts) -> (PreparedFile, Facts) {
    match Language::of(Path::new(&source.path)) {
        Some(Language::Rust) => {
            let (facts, first_pass) = rust::first_pass(&source, run.external);
            let file = PreparedFile {
                source,
                encoding,
                syntax: Syntax::Rust(first_pass),
            };
            (file, Facts::Rust(facts))
        }
        Some(Language::Python) | None => {
            let (alone, first_pass) =
                python::first_pass(&source, run.external, &run.python_top_level);
            let file = PreparedFile {
                source,
                encoding,
                syntax: Syntax::Python(first_pass),
            };
            (file, Facts::Python(Box::new(alone)))
        }
    }
}

/// The text of a file and how it was encoded: UTF-8 without a leading byte-order mark, or, for a
/// Python module that is not UTF-8 and declares a Latin-1 encoding (PEP 263:
/// `# -*- coding: latin-1 -*-` on one of its first two lines), its bytes read as Latin-1.
fn decode(
    display_path: &str,
    bytes: Vec<u8>,
    python: bool,
) -> Result<(String, Encoding), FileError> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            return match declared_encoding(&bytes).filter(|_| python) {
                Some(encoding) if is_latin_1(&encoding) => Ok((
                    bytes.iter().map(|&byte| char::from(byte)).collect(),
                    Encoding::Latin1,
                )),
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
        Some(rest) => (rest.to_owned(), Encoding::Utf8WithBom),
        None => (text, Encoding::Utf8),
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
    let mut python_modules = Vec::new();
    let mut rust_facts = Vec::new();
    for facts in facts {
        match facts {
            Facts::Python(module) => python_modules.push(*module),
            Facts::Rust(facts) => rust_facts.push(facts),
        }
    }
    ProjectIndex {
        python: PythonIndex::join(python_modules, external),
        rust: RustIndex::build(rust_facts, external),
    }
}

/// The second pass over one file, with the file's `rules`, and with [`Settings::fix`] its
/// fixes ([`fix_file`]).
fn lint_and_fix(
    file: PreparedFile,
    settings: &Settings,
    rules: &FileRules,
    index: &ProjectIndex,
) -> FileReport {
    let encoding = file.encoding;
    let first = lint_prepared(file, settings.prefilter, rules, index);
    match settings.fix {
        None => first,
        Some(level) => fix_file(first, level, |source| {
            relint(source, encoding, settings, rules, index)
        }),
    }
}

/// Applies the fixes of `level` to the file of `first`, and again to the text `relint` makes of
/// each pass's result, while some fix applies. When `relint` finds a pass's result does not
/// parse, every fix of the file is refused and `first` is returned, with the syntax error.
fn fix_file(
    first: FileReport,
    level: FixLevel,
    relint: impl Fn(SourceFile) -> Result<FileReport, String>,
) -> FileReport {
    let mut fixed: Option<FileReport> = None;
    let mut applied = 0;
    for _ in 0..MAX_FIX_PASSES {
        let current = fixed.as_ref().unwrap_or(&first);
        let fixes = current
            .diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.fix.as_deref())
            .filter(|fix| level.allows(fix.applicability));
        let pass = fix::apply(&current.source.text, fixes);
        if pass.fixes == 0 {
            break;
        }
        match relint(SourceFile::new(&first.source.path, pass.text)) {
            Ok(report) => {
                fixed = Some(report);
                applied += pass.fixes;
            }
            Err(syntax_error) => {
                let fixes = FileFixes {
                    refused: Some(syntax_error),
                    ..first.fixes
                };
                return FileReport { fixes, ..first };
            }
        }
    }
    match fixed {
        None => first,
        Some(report) => {
            let fixes = FileFixes {
                original: Some(first.source.text),
                applied,
                ..report.fixes
            };
            FileReport { fixes, ..report }
        }
    }
}

/// Lints a fixed text, or says where it does not parse (`app.py:3:5: syntax error: ...`).
fn relint(
    source: SourceFile,
    encoding: Encoding,
    settings: &Settings,
    rules: &FileRules,
    index: &ProjectIndex,
) -> Result<FileReport, String> {
    // Its facts are not needed: the project's index is built.
    let run = RunFacts::new(&settings.external, [source.path.as_str()]);
    let (file, _) = parse(source, encoding, &run);
    if let Some(error) = file.syntax.error() {
        let position = file.source.position(error.range.start);
        return Err(format!(
            "{}:{}:{}: {}",
            file.source.path, position.line, position.column, error.message
        ));
    }
    Ok(lint_prepared(file, settings.prefilter, rules, index))
}

impl Syntax {
    /// The syntax error that stops the file from being analyzed, if there is one.
    fn error(&self) -> Option<&Diagnostic> {
        match self {
            Syntax::Python(first_pass) => first_pass.syntax_error(),
            Syntax::Rust(first_pass) => first_pass.syntax_error(),
        }
    }
}

/// The second pass over one file: its front-end's findings against the index, with the rule
/// selection, the suppressions and the configured severities applied, and the suppressions that
/// silenced nothing reported when `TL100 unused-suppression` runs.
fn lint_prepared(
    file: PreparedFile,
    prefilter: bool,
    rules: &FileRules,
    index: &ProjectIndex,
) -> FileReport {
    let PreparedFile {
        source,
        encoding,
        syntax,
    } = file;
    let (analysis, language) = match syntax {
        Syntax::Rust(first_pass) => (
            rust::second_pass(&source, first_pass, &index.rust, prefilter),
            Language::Rust,
        ),
        Syntax::Python(first_pass) => (
            python::second_pass(&source, first_pass, &index.python, prefilter),
            Language::Python,
        ),
    };
    let mut suppressions =
        Suppressions::parse(&source, language, &analysis.comments, &analysis.items);
    let enabled = analysis
        .diagnostics
        .into_iter()
        .filter(|d| rules.is_enabled(d.rule))
        .collect();
    let mut diagnostics = suppressions.silence(&source, enabled);
    if rules.is_enabled(Rule::UnusedSuppression) {
        let unused = suppressions.unused(&source, |rule| rules.is_enabled(rule));
        diagnostics.extend(suppressions.silence(&source, unused));
    }
    for diagnostic in &mut diagnostics {
        diagnostic.severity = rules
            .severity_of(diagnostic.rule)
            .unwrap_or(diagnostic.severity);
    }
    diagnostics.sort_by_key(|d| (d.range.start, d.rule, d.range.end));
    diagnostics.dedup_by(|a, b| a.range == b.range && a.rule == b.rule);
    FileReport {
        unknown_suppressions: suppressions.unknown_codes,
        source,
        diagnostics,
        fixes: FileFixes {
            encoding,
            ..FileFixes::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{Edit, Fix};

    const CODE: &str = "async def f():\n    pass\n";

    /// The findings of `CODE` plus one whose fix inserts `text` at `offset`, fixed at the safe
    /// level with the real parser and rules.
    fn fix_with(offset: usize, text: &str) -> FileReport {
        let settings = Settings::default();
        let run = RunFacts::new(&settings.external, ["app.py"]);
        let (file, facts) = prepare("app.py", CODE.as_bytes().to_vec(), &run).expect("decodes");
        let index = build_index(vec![facts], &settings.external);
        let mut first = lint_prepared(file, settings.prefilter, &settings.rules, &index);
        first.diagnostics.push(
            Diagnostic::new(Rule::UnawaitedCoroutine, 0..1, "m", "l")
                .with_fix(Some(Fix::safe("edit", vec![Edit::insert(offset, text)]))),
        );
        fix_file(first, FixLevel::Safe, |source| {
            relint(source, Encoding::Utf8, &settings, &settings.rules, &index)
        })
    }

    #[test]
    fn a_fix_that_breaks_the_syntax_is_refused() {
        let report = fix_with(CODE.find("pass").unwrap(), "(");
        assert_eq!(report.source.text, CODE);
        assert_eq!(report.fixes.original, None);
        assert_eq!(report.fixes.applied, 0);
        let refused = report.fixes.refused.expect("refused");
        assert!(refused.starts_with("app.py:2:"), "{refused}");
        assert!(refused.contains("syntax error"), "{refused}");
    }

    #[test]
    fn a_fix_that_parses_is_applied_once() {
        let report = fix_with(CODE.find("pass").unwrap(), "x = 1\n    ");
        assert_eq!(report.source.text, "async def f():\n    x = 1\n    pass\n");
        assert_eq!(report.fixes.original.as_deref(), Some(CODE));
        assert_eq!(report.fixes.applied, 1);
        assert!(report.diagnostics.is_empty());
    }
}
