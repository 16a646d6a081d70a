//! The fixture harness: every `.py` and `.rs` file under `fixtures/` states its own expected
//! findings.
//!
//! Markers are trailing comments on the line where a finding is reported (the line where the
//! task-creating call, the coroutine call or the future starts; for a `JoinSet`, its binding), in
//! the file's own comment syntax (`#` in Python, `//` in Rust):
//!
//! - `# expect: TL001` / `// expect: TL001` (or `expect: TL001, TL003`): exactly these codes are
//!   reported on this line, once each (the expected findings of a file form a multiset of
//!   `(line, code)`).
//! - `# ok: TL001` / `// ok: TL001`: this line looks like a TL001 site and must stay silent for
//!   that code. Any finding without an `expect` marker is already a failure; the `ok` marker
//!   documents the intent and makes the look-alike sites countable.
//!
//! One comment may hold both (`# expect: TL001  # ok: TL003`, `// expect: TL001  // ok: TL003`).
//! Codes must be rules of the registry. Each failing test prints one report listing, per file,
//! every missing and every extra finding with its source line.
//!
//! Python and Rust fixtures are checked by separate tests (`tl001_fixtures`,
//! `tl001_rust_fixtures`, ...) and counted separately. A fixture folder named after a rule that is
//! off by default (TL005) is linted with every rule enabled; every other folder with the default
//! rules, exactly as `tasklint check` runs them.
//!
//! Each file is linted through the same pipeline as `tasklint check`, as a project of its own, so
//! it sees its own index (the coroutines and task wrappers it defines). The folders under
//! `fixtures/projects/` are multi-file projects (a Python package, a Rust crate): each is linted
//! as one project, all of its files together, with its findings reported under
//! `fixtures/projects/<name>/...` and checked against the markers of each file
//! (`project_fixtures`, `rust_project_fixtures`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tasklint::discover::FileToLint;
use tasklint::lint::{lint_project, FileError, FileReport, Settings};
use tasklint::rule::Rule;

/// Rule folders that must hold enough flagged and look-alike sites, in each language.
const COUNTED_RULES: &[&str] = &["TL001", "TL002", "TL003", "TL004"];
/// The folder holding the files that do not parse.
const SYNTAX_ERROR_FOLDER: &str = "TL000";
/// The folder of the multi-file projects, each linted as one project.
const PROJECTS_FOLDER: &str = "projects";
/// The rule folders with a test of their own (per language); the others are checked by
/// `other_fixtures` and `other_rust_fixtures`.
const OWN_TEST_FOLDERS: &[&str] = &[
    "TL000",
    "TL001",
    "TL002",
    "TL003",
    "TL004",
    "TL005",
    PROJECTS_FOLDER,
];

/// The language of a fixture, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    Python,
    Rust,
}

impl Language {
    fn extension(self) -> &'static str {
        match self {
            Language::Python => "py",
            Language::Rust => "rs",
        }
    }

    /// What starts a line comment, and so a marker.
    fn comment(self) -> &'static str {
        match self {
            Language::Python => "#",
            Language::Rust => "//",
        }
    }

    /// The minimum number of `expect:` and of `ok:` markers for `code` in its counted rule
    /// folder, over that language's files.
    fn min_sites(self, code: &str) -> usize {
        match (self, code) {
            (_, "TL004") | (Language::Rust, _) => 25,
            (Language::Python, _) => 30,
        }
    }
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn projects_root() -> PathBuf {
    fixtures_root().join(PROJECTS_FOLDER)
}

/// Every file of `language` under `dir`, recursively, sorted; the projects are left out unless
/// `dir` is in one.
fn fixture_files(dir: &Path, language: Language) -> Vec<PathBuf> {
    files_of(dir, |path| {
        path.extension()
            .is_some_and(|ext| ext == language.extension())
    })
}

/// Every file under `dir` that `keep` accepts, recursively, sorted, outside
/// `fixtures/projects/` (unless `dir` is in it).
fn files_of(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let skipped = projects_root();
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("cannot read `{}`: {error}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|error| panic!("cannot read `{}`: {error}", dir.display()))
                .path();
            if path.is_dir() {
                if path != skipped {
                    pending.push(path);
                }
            } else if keep(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The path a fixture is reported under: `fixtures/TL001/x.py`, with forward slashes.
fn display_path(path: &Path) -> String {
    let relative = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The first folder below `fixtures/` (`TL001`), if the file is in one.
fn rule_folder(path: &Path) -> Option<String> {
    let relative = path.strip_prefix(fixtures_root()).ok()?;
    let mut components = relative.components();
    let first = components.next()?;
    // A file directly in `fixtures/` belongs to no folder.
    components.next()?;
    Some(first.as_os_str().to_string_lossy().into_owned())
}

/// The markers of one line.
#[derive(Debug, Default)]
struct LineMarkers {
    expect: Vec<&'static str>,
    ok: Vec<&'static str>,
}

/// The markers of one file, by 1-based line, and the problems with the markers themselves.
#[derive(Debug, Default)]
struct Markers {
    by_line: BTreeMap<usize, LineMarkers>,
    errors: Vec<String>,
}

impl Markers {
    fn parse(path: &str, text: &str, language: Language) -> Markers {
        let c = language.comment();
        let mut markers = Markers::default();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let Some(start) = line.find(c) else {
                continue;
            };
            // A comment may hold several directives: `# expect: TL001  # ok: TL003`. Text before
            // the first comment marker is code; a `#` or `//` inside a string literal only adds a
            // part that is not a directive.
            for part in line[start..].split(c).map(str::trim) {
                let (kind, list) = if let Some(list) = part.strip_prefix("expect:") {
                    ("expect", list)
                } else if let Some(list) = part.strip_prefix("ok:") {
                    ("ok", list)
                } else {
                    let looks_like_marker = ["expect", "ok"].iter().any(|word| {
                        part.strip_prefix(word).is_some_and(|rest| {
                            rest.trim_start().to_ascii_uppercase().starts_with("TL")
                        })
                    });
                    if looks_like_marker {
                        markers.errors.push(format!(
                            "{path}:{number}: malformed marker `{c} {part}` (write `{c} expect: TL001` or `{c} ok: TL001`)"
                        ));
                    }
                    continue;
                };
                let codes: Vec<&str> = list
                    .split([',', ' ', '\t'])
                    .map(str::trim)
                    .filter(|code| !code.is_empty())
                    .collect();
                if codes.is_empty() {
                    markers
                        .errors
                        .push(format!("{path}:{number}: `{c} {kind}:` names no code"));
                }
                for code in codes {
                    let Some(rule) = Rule::from_code(code) else {
                        markers.errors.push(format!(
                            "{path}:{number}: `{c} {kind}:` names `{code}`, which is not a rule"
                        ));
                        continue;
                    };
                    let entry = markers.by_line.entry(number).or_default();
                    match kind {
                        "expect" => entry.expect.push(rule.code()),
                        _ => entry.ok.push(rule.code()),
                    }
                }
            }
        }
        for (number, line) in &markers.by_line {
            for code in &line.ok {
                if line.expect.contains(code) {
                    markers.errors.push(format!(
                        "{path}:{number}: {code} is both expected and marked ok"
                    ));
                }
            }
        }
        markers
    }

    /// The expected `(line, code)` multiset.
    fn expected(&self) -> BTreeMap<(usize, &'static str), usize> {
        let mut expected = BTreeMap::new();
        for (number, line) in &self.by_line {
            for code in &line.expect {
                *expected.entry((*number, *code)).or_insert(0) += 1;
            }
        }
        expected
    }

    fn count(&self, code: &str) -> (usize, usize) {
        self.by_line.values().fold((0, 0), |(expect, ok), line| {
            (
                expect + line.expect.iter().filter(|c| **c == code).count(),
                ok + line.ok.iter().filter(|c| **c == code).count(),
            )
        })
    }
}

/// One reported finding, reduced to what the harness compares.
struct Finding {
    line: usize,
    column: usize,
    code: &'static str,
    message: String,
}

/// The rules a fixture is linted with: the default ones, or every rule in the folder of a rule
/// that is off by default (`fixtures/TL005`), so that its findings are reported at all.
fn settings_for(folder: Option<&str>) -> Settings {
    let mut settings = Settings::default();
    if let Some(rule) = folder.and_then(Rule::from_code) {
        if !settings.rules.is_enabled(rule) {
            settings.rules.enabled = Rule::ALL.to_vec();
        }
    }
    settings
}

/// Whether `folder` is named like a rule code (`TL005`) that the registry does not know (yet):
/// its markers cannot be checked, so the tests skip it and say so.
fn names_an_unknown_rule(folder: Option<&str>) -> bool {
    folder.is_some_and(|folder| {
        folder.len() > 2
            && folder.starts_with("TL")
            && folder[2..].bytes().all(|b| b.is_ascii_digit())
            && Rule::from_code(folder).is_none()
    })
}

/// Lints `paths` as one project, as `tasklint check` does; the outcomes are in the order of
/// `paths`.
fn lint_as_project(paths: &[PathBuf], settings: &Settings) -> Vec<Result<FileReport, FileError>> {
    let files: Vec<FileToLint> = paths
        .iter()
        .map(|path| FileToLint {
            path: path.clone(),
            display: display_path(path),
        })
        .collect();
    lint_project(&files, settings)
}

/// Lints one fixture as a project of its own.
fn lint_fixture(path: &Path) -> Result<FileReport, FileError> {
    let settings = settings_for(rule_folder(path).as_deref());
    let mut outcomes = lint_as_project(&[path.to_path_buf()], &settings);
    outcomes.pop().expect("one outcome per file")
}

/// Lints one fixture and returns its problems as readable lines (none when it passes).
fn check_file(path: &Path, language: Language) -> Vec<String> {
    check_outcome(path, language, lint_fixture(path))
}

/// Checks the findings of one fixture against its markers, and returns the problems as readable
/// lines (none when it passes).
fn check_outcome(
    path: &Path,
    language: Language,
    outcome: Result<FileReport, FileError>,
) -> Vec<String> {
    let shown = display_path(path);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => return vec![format!("{shown}: cannot read: {error}")],
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let source_lines: Vec<&str> = text.lines().collect();
    let source_line = |number: usize| {
        source_lines
            .get(number.wrapping_sub(1))
            .map_or("", |line| line.trim())
            .to_owned()
    };

    let markers = Markers::parse(&shown, &text, language);
    let mut problems = markers.errors.clone();
    let folder = rule_folder(path);
    let in_syntax_error_folder = folder.as_deref() == Some(SYNTAX_ERROR_FOLDER);
    for (number, line) in &markers.by_line {
        if !in_syntax_error_folder && line.expect.contains(&Rule::SyntaxError.code()) {
            problems.push(format!(
                "{shown}:{number}: TL000 is expected outside fixtures/{SYNTAX_ERROR_FOLDER}; fixtures elsewhere must parse"
            ));
        }
    }

    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            problems.push(format!("{shown}: cannot lint: {error}"));
            return problems;
        }
    };
    let findings: Vec<Finding> = report
        .diagnostics
        .iter()
        .map(|d| {
            let position = report.source.position(d.range.start);
            Finding {
                line: position.line,
                column: position.column,
                code: d.rule.code(),
                message: d.message.clone(),
            }
        })
        .collect();

    let mut actual: BTreeMap<(usize, &'static str), Vec<&Finding>> = BTreeMap::new();
    for finding in &findings {
        actual
            .entry((finding.line, finding.code))
            .or_default()
            .push(finding);
    }
    let expected = markers.expected();

    // Missing and extra findings, in line order.
    let mut keys: Vec<(usize, &'static str)> =
        expected.keys().chain(actual.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (number, code) = key;
        let want = expected.get(&key).copied().unwrap_or(0);
        let got = actual.get(&key).map_or(&[][..], |v| v.as_slice());
        if got.len() < want {
            let times = if want > 1 {
                format!(" {} more time(s)", want - got.len())
            } else {
                String::new()
            };
            problems.push(format!(
                "{shown}:{number}: expected {code}{times}, not reported\n        | {}",
                source_line(number)
            ));
        }
        for finding in got.iter().skip(want) {
            let marked_ok = markers
                .by_line
                .get(&number)
                .is_some_and(|line| line.ok.contains(&code));
            let why = if marked_ok {
                format!(" (line is marked `{} ok: {code}`)", language.comment())
            } else if code == Rule::SyntaxError.code() && !in_syntax_error_folder {
                " (fixtures outside fixtures/TL000 must parse)".to_owned()
            } else {
                String::new()
            };
            problems.push(format!(
                "{shown}:{number}:{}: unexpected {code}{why}: {}\n        | {}",
                finding.column,
                finding.message,
                source_line(number)
            ));
        }
    }
    problems
}

/// Checks every fixture of `language` whose rule folder satisfies `select`, and fails with one
/// report.
fn check_fixtures(what: &str, language: Language, select: impl Fn(Option<&str>) -> bool) {
    let files: Vec<PathBuf> = fixture_files(&fixtures_root(), language)
        .into_iter()
        .filter(|path| select(rule_folder(path).as_deref()))
        .collect();
    let checked = files
        .iter()
        .map(|path| (path.clone(), check_file(path, language)));
    assert_all_match(what, files.len(), checked);
}

/// Fails with one report listing the problems of every file that has some.
fn assert_all_match(
    what: &str,
    total: usize,
    checked: impl IntoIterator<Item = (PathBuf, Vec<String>)>,
) {
    let mut report = String::new();
    let mut failing = 0;
    for (path, problems) in checked {
        if problems.is_empty() {
            continue;
        }
        failing += 1;
        let _ = writeln!(
            report,
            "\n{}: {} problem(s)",
            display_path(&path),
            problems.len()
        );
        for problem in problems {
            let _ = writeln!(report, "  {problem}");
        }
    }
    assert!(
        failing == 0,
        "{what}: {failing} of {total} fixture file(s) do not match their markers:\n{report}"
    );
}

/// Lints each folder of `fixtures/projects/` as one project (all its Python and Rust files
/// together) and checks the files of `language` against their markers.
fn check_projects(language: Language) {
    let mut projects: Vec<PathBuf> = std::fs::read_dir(projects_root())
        .expect("fixtures/projects is readable")
        .map(|entry| entry.expect("fixtures/projects is readable").path())
        .filter(|path| path.is_dir())
        .collect();
    projects.sort();
    let mut checked = Vec::new();
    for project in &projects {
        let files = files_of(project, |path| {
            path.extension()
                .is_some_and(|ext| ext == "py" || ext == "rs")
        });
        let outcomes = lint_as_project(&files, &Settings::default());
        for (path, outcome) in files.into_iter().zip(outcomes) {
            if path
                .extension()
                .is_some_and(|ext| ext == language.extension())
            {
                let problems = check_outcome(&path, language, outcome);
                checked.push((path, problems));
            }
        }
    }
    assert!(
        !checked.is_empty(),
        "fixtures/projects holds no project with .{} files",
        language.extension()
    );
    let what = format!("fixtures/{PROJECTS_FOLDER} (.{})", language.extension());
    assert_all_match(&what, checked.len(), checked);
}

fn check_rule_folder(code: &str, language: Language) {
    let folder = fixtures_root().join(code);
    assert!(
        folder.is_dir(),
        "fixtures/{code} is missing; every rule has a fixture folder"
    );
    let extension = language.extension();
    assert!(
        !fixture_files(&folder, language).is_empty(),
        "fixtures/{code} holds no .{extension} fixture"
    );
    let what = match language {
        Language::Python => format!("fixtures/{code}"),
        Language::Rust => format!("fixtures/{code} (.rs)"),
    };
    check_fixtures(&what, language, |folder| folder == Some(code));
}

#[test]
fn tl000_fixtures() {
    check_rule_folder("TL000", Language::Python);
}

#[test]
fn tl001_fixtures() {
    check_rule_folder("TL001", Language::Python);
}

#[test]
fn tl002_fixtures() {
    check_rule_folder("TL002", Language::Python);
}

#[test]
fn tl003_fixtures() {
    check_rule_folder("TL003", Language::Python);
}

#[test]
fn tl004_fixtures() {
    check_rule_folder("TL004", Language::Python);
}

/// The Python packages of `fixtures/projects/`, each linted as one project: TL003 across modules,
/// TL001 through the project's task wrappers, TL004 through coroutines of other modules.
#[test]
fn project_fixtures() {
    check_projects(Language::Python);
}

/// The Rust crates of `fixtures/projects/`, each linted as one project.
#[test]
fn rust_project_fixtures() {
    check_projects(Language::Rust);
}

#[test]
fn tl000_rust_fixtures() {
    check_rule_folder("TL000", Language::Rust);
}

#[test]
fn tl001_rust_fixtures() {
    check_rule_folder("TL001", Language::Rust);
}

#[test]
fn tl002_rust_fixtures() {
    check_rule_folder("TL002", Language::Rust);
}

#[test]
fn tl003_rust_fixtures() {
    check_rule_folder("TL003", Language::Rust);
}

#[test]
fn tl004_rust_fixtures() {
    check_rule_folder("TL004", Language::Rust);
}

/// TL005 (detached-spawn) is off by default, so its folder is linted with every rule enabled.
#[test]
fn tl005_rust_fixtures() {
    if Rule::from_code("TL005").is_none() {
        eprintln!("note: skipping fixtures/TL005: TL005 is not a rule of the registry yet");
        return;
    }
    check_rule_folder("TL005", Language::Rust);
}

/// Fixtures of folders without their own test above (new rules, files at the top level).
#[test]
fn other_fixtures() {
    check_fixtures("other fixtures", Language::Python, |folder| {
        !folder.is_some_and(|folder| OWN_TEST_FOLDERS.contains(&folder))
    });
}

/// Rust fixtures of folders without their own test above (new rules, the cargo workspace, files
/// at the top level).
#[test]
fn other_rust_fixtures() {
    check_fixtures("other Rust fixtures", Language::Rust, |folder| {
        let own_test = folder.is_some_and(|folder| OWN_TEST_FOLDERS.contains(&folder));
        !own_test && !names_an_unknown_rule(folder)
    });
}

/// The syntax errors of `language`'s fixtures that are in the wrong place: a file in
/// `fixtures/TL000` that parses, or any syntax error elsewhere.
fn misplaced_syntax_errors(language: Language) -> Vec<String> {
    let mut broken = Vec::new();
    for path in fixture_files(&fixtures_root(), language) {
        let folder = rule_folder(&path);
        if names_an_unknown_rule(folder.as_deref()) {
            continue;
        }
        let in_folder = folder.as_deref() == Some(SYNTAX_ERROR_FOLDER);
        let shown = display_path(&path);
        let report = lint_fixture(&path).expect("fixture is readable UTF-8");
        let syntax_errors: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::SyntaxError)
            .collect();
        if in_folder && syntax_errors.is_empty() {
            broken.push(format!(
                "{shown}: parses, but files in fixtures/{SYNTAX_ERROR_FOLDER} must not"
            ));
        }
        if !in_folder {
            for d in syntax_errors {
                let line = report.source.position(d.range.start).line;
                broken.push(format!("{shown}:{line}: {}", d.message));
            }
        }
    }
    broken
}

/// Every file in `fixtures/TL000` states where its syntax error is, so it is checked above; every
/// other fixture must parse (the fixtures are validated with CPython's `ast.parse` when written),
/// otherwise its expectations would silently test nothing.
#[test]
fn only_tl000_fixtures_have_syntax_errors() {
    let broken = misplaced_syntax_errors(Language::Python);
    assert!(
        broken.is_empty(),
        "syntax errors in the wrong place:\n  {}",
        broken.join("\n  ")
    );
}

/// The same for Rust fixtures. They are validated when written: each is type-checked as a module
/// of a scratch crate depending on tokio, tokio-util, smol, async-std, futures, async-executor,
/// async-task, async-channel and async-io; the ones in `fixtures/TL000` are checked to fail in
/// syn where their marker says.
#[test]
fn only_tl000_rust_fixtures_have_syntax_errors() {
    let broken = misplaced_syntax_errors(Language::Rust);
    assert!(
        broken.is_empty(),
        "syntax errors in the wrong place:\n  {}",
        broken.join("\n  ")
    );
}

/// The counted rules with fewer than `language.min_sites(code)` flagged sites or silent look-alikes
/// in that language's fixtures.
fn short_rule_folders(language: Language) -> Vec<String> {
    let (c, extension) = (language.comment(), language.extension());
    let mut short = Vec::new();
    for code in COUNTED_RULES {
        let min = language.min_sites(code);
        let (mut expect, mut ok) = (0, 0);
        for path in fixture_files(&fixtures_root().join(code), language) {
            let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
            let (e, o) = Markers::parse(&display_path(&path), &text, language).count(code);
            expect += e;
            ok += o;
        }
        if expect < min {
            short.push(format!(
                "fixtures/{code}: {expect} `{c} expect: {code}` marker(s) in .{extension} files, want at least {min}"
            ));
        }
        if ok < min {
            short.push(format!(
                "fixtures/{code}: {ok} `{c} ok: {code}` look-alike(s) in .{extension} files, want at least {min}"
            ));
        }
    }
    short
}

/// Each counted rule has at least 30 flagged Python sites (25 for TL004) and as many silent
/// look-alikes.
#[test]
fn rule_folders_have_enough_sites() {
    let short = short_rule_folders(Language::Python);
    assert!(
        short.is_empty(),
        "too few fixture sites:\n  {}",
        short.join("\n  ")
    );
}

/// Each counted rule has at least 25 flagged Rust sites and as many silent look-alikes.
#[test]
fn rust_rule_folders_have_enough_sites() {
    let short = short_rule_folders(Language::Rust);
    assert!(
        short.is_empty(),
        "too few Rust fixture sites:\n  {}",
        short.join("\n  ")
    );
}

/// The marker errors of `language`'s fixtures; folders of rules the registry does not know yet
/// are skipped with a note.
fn marker_errors(language: Language) -> Vec<String> {
    let mut errors = Vec::new();
    for path in fixture_files(&fixtures_root(), language) {
        let shown = display_path(&path);
        if names_an_unknown_rule(rule_folder(&path).as_deref()) {
            eprintln!(
                "note: skipping {shown}: its folder names a rule the registry does not know yet"
            );
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
        errors.extend(Markers::parse(&shown, &text, language).errors);
    }
    errors
}

#[test]
fn markers_are_well_formed() {
    let errors = marker_errors(Language::Python);
    assert!(errors.is_empty(), "bad markers:\n  {}", errors.join("\n  "));
}

#[test]
fn rust_markers_are_well_formed() {
    let errors = marker_errors(Language::Rust);
    assert!(errors.is_empty(), "bad markers:\n  {}", errors.join("\n  "));
}

/// The marker parser reads each language's own comments, so code before the comment (`#[..]`
/// attributes, `.expect(..)` calls, `//` inside strings) is never taken for a marker.
#[test]
fn markers_follow_the_language_comment_syntax() {
    let rust = "#[tokio::main] // expect: TL001\nlet x = y.expect(\"http://a\"); // ok: TL003  // expect: TL001\n/// expect: nothing\n";
    let markers = Markers::parse("x.rs", rust, Language::Rust);
    assert!(markers.errors.is_empty(), "{:?}", markers.errors);
    assert_eq!(markers.by_line[&1].expect, ["TL001"]);
    assert_eq!(markers.by_line[&2].expect, ["TL001"]);
    assert_eq!(markers.by_line[&2].ok, ["TL003"]);
    assert!(!markers.by_line.contains_key(&3));
    let python = "x = '#'  # expect: TL001\n# ok TL002\n";
    let markers = Markers::parse("x.py", python, Language::Python);
    assert_eq!(markers.by_line[&1].expect, ["TL001"]);
    assert_eq!(markers.errors.len(), 1, "{:?}", markers.errors);
}
