//! The fixture harness: every `.py` file under `fixtures/` states its own expected findings.
//!
//! Markers are trailing comments on the line where a finding is reported (the line where the
//! task-creating call or the coroutine call starts):
//!
//! - `# expect: TL001` (or `# expect: TL001, TL003`): exactly these codes are reported on this
//!   line, once each (the expected findings of a file form a multiset of `(line, code)`).
//! - `# ok: TL001`: this line looks like a TL001 site and must stay silent for that code. Any
//!   finding without an `expect` marker is already a failure; the `ok` marker documents the intent
//!   and makes the look-alike sites countable.
//!
//! One comment may hold both (`# expect: TL001  # ok: TL003`). Codes must be rules of the
//! registry. Each failing test prints one report listing, per file, every missing and every extra
//! finding with its source line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tasklint::lint::{lint_bytes, Settings};
use tasklint::rule::Rule;

/// Rule folders that must hold enough flagged and look-alike sites.
const COUNTED_RULES: &[&str] = &["TL001", "TL002", "TL003"];
/// The minimum number of `# expect:` and of `# ok:` markers for its own code in each counted
/// rule folder.
const MIN_SITES: usize = 30;
/// The folder holding the files that do not parse.
const SYNTAX_ERROR_FOLDER: &str = "TL000";

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every `.py` file under `dir`, recursively, sorted.
fn python_files(dir: &Path) -> Vec<PathBuf> {
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
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "py") {
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
    fn parse(path: &str, text: &str) -> Markers {
        let mut markers = Markers::default();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let Some(hash) = line.find('#') else {
                continue;
            };
            // A comment may hold several directives: `# expect: TL001  # ok: TL003`.
            for part in line[hash..].split('#').map(str::trim) {
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
                            "{path}:{number}: malformed marker `# {part}` (write `# expect: TL001` or `# ok: TL001`)"
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
                        .push(format!("{path}:{number}: `# {kind}:` names no code"));
                }
                for code in codes {
                    let Some(rule) = Rule::from_code(code) else {
                        markers.errors.push(format!(
                            "{path}:{number}: `# {kind}:` names `{code}`, which is not a rule"
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

/// Lints one fixture and returns its problems as readable lines (none when it passes).
fn check_file(path: &Path) -> Vec<String> {
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

    let markers = Markers::parse(&shown, &text);
    let mut problems = markers.errors.clone();
    let in_syntax_error_folder = rule_folder(path).as_deref() == Some(SYNTAX_ERROR_FOLDER);
    for (number, line) in &markers.by_line {
        if !in_syntax_error_folder && line.expect.contains(&Rule::SyntaxError.code()) {
            problems.push(format!(
                "{shown}:{number}: TL000 is expected outside fixtures/{SYNTAX_ERROR_FOLDER}; fixtures elsewhere must parse"
            ));
        }
    }

    let report = match lint_bytes(&shown, bytes, &Settings::default()) {
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
                format!(" (line is marked `# ok: {code}`)")
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

/// Checks every fixture whose rule folder satisfies `select`, and fails with one report.
fn check_fixtures(what: &str, select: impl Fn(Option<&str>) -> bool) {
    let files: Vec<PathBuf> = python_files(&fixtures_root())
        .into_iter()
        .filter(|path| select(rule_folder(path).as_deref()))
        .collect();
    let mut report = String::new();
    let mut failing = 0;
    for path in &files {
        let problems = check_file(path);
        if problems.is_empty() {
            continue;
        }
        failing += 1;
        let _ = writeln!(
            report,
            "\n{}: {} problem(s)",
            display_path(path),
            problems.len()
        );
        for problem in problems {
            let _ = writeln!(report, "  {problem}");
        }
    }
    assert!(
        failing == 0,
        "{what}: {failing} of {} fixture file(s) do not match their markers:\n{report}",
        files.len()
    );
}

fn check_rule_folder(code: &str) {
    let folder = fixtures_root().join(code);
    assert!(
        folder.is_dir(),
        "fixtures/{code} is missing; every rule has a fixture folder"
    );
    assert!(
        !python_files(&folder).is_empty(),
        "fixtures/{code} holds no .py fixture"
    );
    check_fixtures(&format!("fixtures/{code}"), |folder| folder == Some(code));
}

#[test]
fn tl000_fixtures() {
    check_rule_folder("TL000");
}

#[test]
fn tl001_fixtures() {
    check_rule_folder("TL001");
}

#[test]
fn tl002_fixtures() {
    check_rule_folder("TL002");
}

#[test]
fn tl003_fixtures() {
    check_rule_folder("TL003");
}

/// Fixtures of folders without their own test above (new rules, files at the top level).
#[test]
fn other_fixtures() {
    check_fixtures("other fixtures", |folder| {
        !matches!(folder, Some("TL000" | "TL001" | "TL002" | "TL003"))
    });
}

/// Every file in `fixtures/TL000` states where its syntax error is, so it is checked above; every
/// other fixture must parse (the fixtures are validated with CPython's `ast.parse` when written),
/// otherwise its expectations would silently test nothing.
#[test]
fn only_tl000_fixtures_have_syntax_errors() {
    let mut broken = Vec::new();
    for path in python_files(&fixtures_root()) {
        let in_folder = rule_folder(&path).as_deref() == Some(SYNTAX_ERROR_FOLDER);
        let shown = display_path(&path);
        let bytes = std::fs::read(&path).expect("fixture is readable");
        let report = lint_bytes(&shown, bytes, &Settings::default()).expect("fixture is UTF-8");
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
    assert!(
        broken.is_empty(),
        "syntax errors in the wrong place:\n  {}",
        broken.join("\n  ")
    );
}

/// Each counted rule has at least `MIN_SITES` flagged sites and as many silent look-alikes.
#[test]
fn rule_folders_have_enough_sites() {
    let mut short = Vec::new();
    for code in COUNTED_RULES {
        let (mut expect, mut ok) = (0, 0);
        for path in python_files(&fixtures_root().join(code)) {
            let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
            let (e, o) = Markers::parse(&display_path(&path), &text).count(code);
            expect += e;
            ok += o;
        }
        if expect < MIN_SITES {
            short.push(format!(
                "fixtures/{code}: {expect} `# expect: {code}` marker(s), want at least {MIN_SITES}"
            ));
        }
        if ok < MIN_SITES {
            short.push(format!(
                "fixtures/{code}: {ok} `# ok: {code}` look-alike(s), want at least {MIN_SITES}"
            ));
        }
    }
    assert!(
        short.is_empty(),
        "too few fixture sites:\n  {}",
        short.join("\n  ")
    );
}

#[test]
fn markers_are_well_formed() {
    let mut errors = Vec::new();
    for path in python_files(&fixtures_root()) {
        let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
        errors.extend(Markers::parse(&display_path(&path), &text).errors);
    }
    assert!(errors.is_empty(), "bad markers:\n  {}", errors.join("\n  "));
}
