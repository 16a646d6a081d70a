//! The flags for CI end to end: `--statistics`, `--exit-zero`, and how they compose with
//! `--quiet`, `--baseline` and `--format`; and the pre-commit hooks file.

use std::fs;
use std::path::Path;

mod common;
use common::{code, project, stderr, stdout, tasklint};

/// Two TL001 findings and one TL003.
const APP: &str = "\
import asyncio


async def work():
    await asyncio.sleep(1)


async def handler():
    asyncio.create_task(work())
    asyncio.create_task(work())
    work()
";

/// One TL000 finding.
const BROKEN: &str = "def f(:\n    pass\n";

#[test]
fn statistics_count_findings_per_rule_most_frequent_first() {
    let dir = project(&[("app.py", APP), ("broken.py", BROKEN)]);
    let output = tasklint(dir.path(), &["check", "--statistics"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    // TL000 and TL003 tie at one: code order.
    assert_eq!(
        stdout(&output),
        "   2 TL001 dropped-task-handle\n   1 TL000 syntax-error\n   1 TL003 unawaited-coroutine\n"
    );
    assert_eq!(stderr(&output), "");
}

#[test]
fn statistics_count_what_would_be_reported() {
    let dir = project(&[("app.py", APP), ("broken.py", BROKEN)]);
    let output = tasklint(dir.path(), &["check", "--statistics", "--select", "TL003"]);
    assert_eq!(stdout(&output), "   1 TL003 unawaited-coroutine\n");

    let clean = project(&[("app.py", "import asyncio\n")]);
    let output = tasklint(clean.path(), &["check", "--statistics"]);
    assert_eq!((code(&output), stdout(&output)), (0, String::new()));
}

#[test]
fn statistics_are_text_and_quiet_silences_them() {
    let dir = project(&[("app.py", APP)]);
    let output = tasklint(dir.path(), &["check", "--statistics", "--format", "json"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("cannot be used with"),
        "{}",
        stderr(&output)
    );

    let output = tasklint(dir.path(), &["check", "--statistics", "--quiet"]);
    assert_eq!(code(&output), 1);
    assert_eq!(
        (stdout(&output), stderr(&output)),
        (String::new(), String::new())
    );
}

#[test]
fn exit_zero_reports_findings_and_exits_0() {
    let dir = project(&[("app.py", APP)]);
    let output = tasklint(dir.path(), &["check", "--exit-zero", "--format", "concise"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output).lines().count(), 3, "{}", stdout(&output));

    let output = tasklint(dir.path(), &["check", "--exit-zero", "--quiet"]);
    assert_eq!((code(&output), stdout(&output)), (0, String::new()));
    let output = tasklint(dir.path(), &["check", "--exit-zero", "--statistics"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).contains("TL001"));
}

#[test]
fn exit_zero_still_exits_2_on_errors() {
    let dir = project(&[("app.py", APP)]);
    let output = tasklint(
        dir.path(),
        &["check", "--exit-zero", "app.py", "missing.py"],
    );
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("missing.py"),
        "{}",
        stderr(&output)
    );
    let output = tasklint(
        dir.path(),
        &["check", "--exit-zero", "--baseline", "none.json"],
    );
    assert_eq!(code(&output), 2);
}

#[test]
fn quiet_with_a_baseline_exits_by_the_new_findings_only() {
    let dir = project(&[("app.py", APP)]);
    let written = tasklint(dir.path(), &["check", "--write-baseline", "b.json"]);
    assert_eq!(code(&written), 0, "{}", stderr(&written));
    let output = tasklint(dir.path(), &["check", "--quiet", "--baseline", "b.json"]);
    assert_eq!(code(&output), 0);
    fs::write(dir.path().join("new.py"), BROKEN).expect("write new.py");
    let output = tasklint(dir.path(), &["check", "--quiet", "--baseline", "b.json"]);
    assert_eq!(code(&output), 1);
    assert_eq!(
        (stdout(&output), stderr(&output)),
        (String::new(), String::new())
    );
}

#[test]
fn sarif_results_are_relative_to_the_source_root() {
    let dir = project(&[("app.py", APP)]);
    fs::create_dir(dir.path().join("pkg")).expect("create pkg");
    fs::write(dir.path().join("pkg/mod.py"), BROKEN).expect("write pkg/mod.py");
    let output = tasklint(
        dir.path(),
        &["check", "--format", "sarif", "./pkg", "app.py"],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let log: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let uris: Vec<(&str, &str)> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                artifact["uri"].as_str().expect("uri"),
                artifact["uriBaseId"].as_str().expect("uriBaseId"),
            )
        })
        .collect();
    assert_eq!(
        uris,
        [
            ("app.py", "%SRCROOT%"),
            ("app.py", "%SRCROOT%"),
            ("app.py", "%SRCROOT%"),
            ("pkg/mod.py", "%SRCROOT%")
        ]
    );
}

/// The hooks pre-commit reads from `.pre-commit-hooks.yaml`: checked line by line, as the file
/// is small and pre-commit's schema is fixed (id, name, entry, language, and the filters).
#[test]
fn the_pre_commit_hooks_run_tasklint_check() {
    let hooks =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"))
            .expect(".pre-commit-hooks.yaml at the repository root");
    let hook = |id: &str| -> Vec<String> {
        let start = hooks
            .find(&format!("- id: {id}\n"))
            .unwrap_or_else(|| panic!("hook `{id}`"));
        hooks[start..]
            .lines()
            .skip(1)
            .take_while(|line| line.starts_with("  "))
            .map(|line| line.trim().to_owned())
            .collect()
    };
    let files_hook = hook("tasklint");
    for line in [
        "entry: tasklint check",
        "language: rust",
        "types_or: [python, pyi, rust]",
        "pass_filenames: true",
    ] {
        assert!(
            files_hook.iter().any(|l| l == line),
            "{line}: {files_hook:?}"
        );
    }
    let project_hook = hook("tasklint-project");
    for line in [
        "entry: tasklint check",
        "language: rust",
        "pass_filenames: false",
        "always_run: true",
    ] {
        assert!(
            project_hook.iter().any(|l| l == line),
            "{line}: {project_hook:?}"
        );
    }
}
