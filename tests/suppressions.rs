//! Suppression comments end to end: unknown codes in Rust comments, and
//! `--report-unused-suppressions` in every output format. The placements of Rust suppressions
//! are fixtures (`fixtures/TL001/suppressed.rs`, `fixtures/TL100/`).

use serde_json::Value;

mod common;
use common::{code, project, stderr, stdout, tasklint};

/// One used and one unused suppression in each language.
const PYTHON: &str = "\
import asyncio


async def main(jobs):
    asyncio.create_task(jobs.run())  # tasklint: ignore[TL001, TL003]
";

const RUST: &str = "\
async fn beat() {}

// tasklint: allow(TL001)
fn start() {
    smol::spawn(beat()).detach();
}
";

fn check(args: &[&str]) -> std::process::Output {
    let dir = project(&[("app.py", PYTHON), ("lib.rs", RUST)]);
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    tasklint(dir.path(), &all)
}

#[test]
fn unused_suppressions_are_reported_only_when_asked() {
    let quiet = check(&["--format", "concise"]);
    assert_eq!(code(&quiet), 0, "{}", stdout(&quiet));
    assert_eq!(stdout(&quiet), "");

    let asked = check(&["--format", "concise", "--report-unused-suppressions"]);
    assert_eq!(code(&asked), 1, "{}", stderr(&asked));
    assert_eq!(
        stdout(&asked),
        "app.py:5:64: TL100 unused suppression: no TL003 (unawaited-coroutine) finding to silence here\n\
         lib.rs:3:20: TL100 unused suppression: no TL001 (dropped-task-handle) finding to silence here\n"
    );
}

#[test]
fn suppressions_of_rules_that_did_not_run_are_not_judged() {
    let output = check(&[
        "--format",
        "concise",
        "--report-unused-suppressions",
        "--select",
        "TL001",
    ]);
    let reported = stdout(&output);
    assert!(!reported.contains("TL003"), "{reported}");
    assert!(reported.contains("lib.rs:3:20: TL100"), "{reported}");
    // Selecting the rule by name is the same as the flag.
    let selected = check(&[
        "--format",
        "concise",
        "--select",
        "TL001,unused-suppression",
    ]);
    assert_eq!(stdout(&selected), reported);
}

#[test]
fn unused_suppressions_in_json() {
    let output = check(&["--format", "json", "--report-unused-suppressions"]);
    let findings: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let findings = findings.as_array().expect("an array");
    assert_eq!(findings.len(), 2);
    let rust = &findings[1];
    assert_eq!(rust["code"], "TL100");
    assert_eq!(rust["rule"], "unused-suppression");
    assert_eq!(rust["severity"], "warning");
    assert_eq!(rust["path"], "lib.rs");
    assert_eq!((&rust["line"], &rust["column"]), (&3.into(), &20.into()));
    assert_eq!(rust["end_column"], 25, "the range is the code `TL001`");
}

#[test]
fn unused_suppressions_in_sarif() {
    let output = check(&["--format", "sarif", "--report-unused-suppressions"]);
    let log: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    let index = results[0]["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "TL100");
    assert_eq!(results[0]["ruleId"], "TL100");
    assert_eq!(results[0]["level"], "warning");
    let region = &results[1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&3.into(), &20.into())
    );
}

#[test]
fn unused_suppressions_in_github_and_human_output() {
    let github = stdout(&check(&[
        "--format",
        "github",
        "--report-unused-suppressions",
    ]));
    assert!(
        github.contains(
            "::warning file=lib.rs,line=3,col=20,endLine=3,endColumn=25,title=TL100 unused-suppression::"
        ),
        "{github}"
    );
    let human = stdout(&check(&[
        "--report-unused-suppressions",
        "--color",
        "never",
    ]));
    assert!(
        human.contains("warning[TL100]: unused suppression"),
        "{human}"
    );
    assert!(
        human.contains("Found 2 findings (2 warnings) in 2 files."),
        "{human}"
    );
}

#[test]
fn unknown_codes_in_rust_suppressions_are_warned_about() {
    let dir = project(&[(
        "src/lib.rs",
        "// tasklint: allow(TL009, dropped-tasks)\nfn start() {}\n",
    )]);
    let output = tasklint(dir.path(), &["check"]);
    assert_eq!(code(&output), 0);
    assert_eq!(
        stderr(&output),
        "tasklint: warning: src/lib.rs:1: unknown rule code `TL009` in suppression comment\n\
         tasklint: warning: src/lib.rs:1: unknown rule code `dropped-tasks` in suppression comment\n"
    );
}
