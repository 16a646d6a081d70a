//! The rules' demonstrations (`rules/demos/`) and `tasklint repro`: the linter flags each bad
//! program at its marked line and stays silent on its fix, and the runtime reproduces the bug
//! at that line and runs the fix without an event.

use std::collections::BTreeSet;
use std::path::Path;

use tasklint::demos::{Demo, Language, DEMOS};

mod common;
use common::{code, stderr, stdout, tasklint};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(rule, line)` of each `expect: CODE` marker of a program.
fn markers(source: &str) -> BTreeSet<(String, usize)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (_, code) = line.split_once("expect: ")?;
            Some((code.trim().to_owned(), index + 1))
        })
        .collect()
}

/// `(rule, line)` of each line of `text` that starts with `path:LINE:COLUMN: CODE`.
fn reported_at(text: &str, path: &str) -> BTreeSet<(String, usize)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(path)?.strip_prefix(':')?;
            let mut fields = rest.splitn(3, ':');
            let line_number = fields.next()?.parse().ok()?;
            let _column = fields.next()?;
            let rule = fields.next()?.split_whitespace().next()?;
            Some((rule.to_owned(), line_number))
        })
        .collect()
}

fn lang(demo: &Demo) -> &'static str {
    demo.language.as_str()
}

#[test]
fn there_is_a_python_and_a_rust_demonstration_of_tl001_to_tl004() {
    for code in ["TL001", "TL002", "TL003", "TL004"] {
        for language in [Language::Python, Language::Rust] {
            let found = DEMOS
                .iter()
                .filter(|demo| demo.rule.code() == code && demo.language == language)
                .count();
            assert_eq!(found, 1, "{code} {}", language.as_str());
        }
    }
}

#[test]
fn the_linter_flags_each_bad_program_at_its_marked_line_and_not_its_fix() {
    for demo in DEMOS {
        let bad = tasklint(root(), &["check", "--format", "concise", demo.bad.path]);
        let expected = markers(demo.bad.source);
        assert!(!expected.is_empty(), "{} has no marker", demo.bad.path);
        assert_eq!(
            reported_at(&stdout(&bad), demo.bad.path),
            expected,
            "{}\n{}",
            demo.bad.path,
            stdout(&bad)
        );
        let fixed = tasklint(root(), &["check", "--format", "concise", demo.fixed.path]);
        assert_eq!(code(&fixed), 0, "{}\n{}", demo.fixed.path, stdout(&fixed));
        assert_eq!(stdout(&fixed), "", "{}", demo.fixed.path);
    }
}

#[test]
fn repro_reproduces_each_bug_at_the_marked_line_and_runs_the_fix_without_an_event() {
    for demo in DEMOS {
        let output = tasklint(root(), &["repro", demo.rule.code(), "--lang", lang(demo)]);
        let text = stdout(&output);
        assert_eq!(
            code(&output),
            0,
            "{}\n{text}{}",
            demo.bad.path,
            stderr(&output)
        );
        assert_eq!(
            reported_at(&text, demo.bad.path),
            markers(demo.bad.source),
            "{text}"
        );
        assert!(reported_at(&text, demo.fixed.path).is_empty(), "{text}");
        let last = text.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("bad: ") && last.contains(&format!("({} at bad.", demo.rule.code())),
            "{last}"
        );
        assert!(
            last.ends_with("; fixed: no event") || last.ends_with(", no event"),
            "{last}"
        );
    }
}

#[test]
fn the_python_demonstration_of_tl001_side_by_side() {
    let output = tasklint(root(), &["repro", "TL001"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn the_rust_demonstration_of_tl002_side_by_side() {
    let output = tasklint(
        root(),
        &["repro", "loop-overwritten-handle", "--lang", "rust"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn in_strong_mode_no_dropped_handle_shows_so_nothing_is_reproduced() {
    for language in ["python", "rust"] {
        let output = tasklint(
            root(),
            &["repro", "TL001", "--lang", language, "--gc", "strong"],
        );
        assert_eq!(code(&output), 1, "{}", stdout(&output));
        let last = stdout(&output)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        assert!(
            last.starts_with("bad: ") && last.contains("tasks completed, no event; fixed:"),
            "{last}"
        );
    }
}

#[test]
fn in_cpython_mode_the_sleeping_dropped_tasks_survive_as_in_cpython() {
    for rule in ["TL001", "TL002"] {
        let output = tasklint(root(), &["repro", rule, "--gc", "cpython"]);
        assert_eq!(code(&output), 1, "{}", stdout(&output));
        assert!(
            stdout(&output).contains("tasks completed, no event; fixed:"),
            "{}",
            stdout(&output)
        );
    }
}

#[test]
fn an_unknown_rule_or_one_without_a_demonstration_is_a_usage_error() {
    let output = tasklint(root(), &["repro", "TL009"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("unknown rule `TL009`"),
        "{}",
        stderr(&output)
    );
    let output = tasklint(root(), &["repro", "detached-spawn", "--lang", "rust"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "tasklint: TL005 (detached-spawn) has no rust demonstration; rules with one: TL001, TL002, TL003, TL004\n"
    );
    assert_eq!(stdout(&output), "");
    let output = tasklint(root(), &["repro", "TL001", "--lang", "go"]);
    assert_eq!(code(&output), 2);
}
