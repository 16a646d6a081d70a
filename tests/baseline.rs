//! `--write-baseline` and `--baseline` end to end: recorded findings are hidden, new ones are
//! reported, matches survive edits that do not touch the finding, and stale entries are counted.

use std::fs;

use tempfile::TempDir;

mod common;
use common::{code, stderr, stdout, tasklint};

const BASELINE: &str = "tasklint-baseline.json";

/// One TL001 finding, in `handler`, on line 9.
const APP: &str = "\
import asyncio


async def work():
    await asyncio.sleep(1)


async def handler():
    asyncio.create_task(work())
    await asyncio.sleep(0)


def unrelated(x):
    return x
";

fn project(app: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::write(dir.path().join("app.py"), app).expect("write app.py");
    dir
}

fn edit(dir: &TempDir, app: &str) {
    fs::write(dir.path().join("app.py"), app).expect("write app.py");
}

/// Runs `check --write-baseline` and checks that it reported nothing and exited with 0.
fn write_baseline(dir: &TempDir) {
    let output = tasklint(dir.path(), &["check", "--write-baseline", BASELINE]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

/// Runs `check --baseline --format concise`; returns the exit code, the findings' lines and
/// stderr.
fn check_with_baseline(dir: &TempDir) -> (i32, Vec<String>, String) {
    let output = tasklint(
        dir.path(),
        &["check", "--baseline", BASELINE, "--format", "concise"],
    );
    let findings = stdout(&output).lines().map(str::to_owned).collect();
    (code(&output), findings, stderr(&output))
}

/// Asserts that the baseline hides every finding and that no entry is stale.
fn assert_all_hidden(dir: &TempDir) {
    let (code, findings, stderr) = check_with_baseline(dir);
    assert_eq!((code, findings), (0, Vec::new()), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn the_baseline_hides_the_recorded_findings() {
    let dir = project(APP);
    let without = tasklint(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(code(&without), 1);
    assert!(stdout(&without).contains("app.py:9:5: TL001"));

    write_baseline(&dir);
    assert_all_hidden(&dir);
}

#[test]
fn the_baseline_file_is_versioned_sorted_and_stable() {
    let dir = project(&format!(
        "{APP}\n\nasync def another():\n    asyncio.create_task(work())\n"
    ));
    fs::write(dir.path().join("b.py"), APP).expect("write b.py");
    write_baseline(&dir);
    let first = fs::read_to_string(dir.path().join(BASELINE)).expect("baseline written");
    let entry = |function: &str, path: &str| {
        format!(
            "    {{\n      \"path\": \"{path}\",\n      \"rule\": \"TL001\",\n      \
             \"function\": \"{function}\",\n      \"line\": \"asyncio.create_task(work())\",\n      \
             \"occurrence\": 0\n    }}"
        )
    };
    assert_eq!(
        first,
        format!(
            "{{\n  \"version\": 1,\n  \"findings\": [\n{},\n{},\n{}\n  ]\n}}\n",
            entry("async def another():", "app.py"),
            entry("async def handler():", "app.py"),
            entry("async def handler():", "b.py"),
        )
    );
    write_baseline(&dir);
    let second = fs::read_to_string(dir.path().join(BASELINE)).expect("baseline written");
    assert_eq!(first, second);
}

#[test]
fn a_new_finding_is_reported() {
    let dir = project(APP);
    write_baseline(&dir);
    edit(
        &dir,
        &APP.replace(
            "    await asyncio.sleep(0)\n",
            "    asyncio.create_task(work2())\n    await asyncio.sleep(0)\n",
        ),
    );
    let (code, findings, _) = check_with_baseline(&dir);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("app.py:10:5: TL001"),
        "{findings:?}"
    );
}

#[test]
fn inserting_lines_above_keeps_the_match() {
    let dir = project(APP);
    write_baseline(&dir);
    edit(
        &dir,
        &APP.replace(
            "import asyncio\n",
            "\"\"\"The app.\"\"\"\n\nimport asyncio\nimport os\n\nLIMIT = 3\n",
        ),
    );
    assert_all_hidden(&dir);
}

#[test]
fn renaming_an_unrelated_function_keeps_the_match() {
    let dir = project(APP);
    write_baseline(&dir);
    edit(
        &dir,
        &APP.replace("def unrelated(x):", "def renamed(x, y=2):"),
    );
    assert_all_hidden(&dir);
}

#[test]
fn reformatting_whitespace_keeps_the_match() {
    let dir = project(APP);
    write_baseline(&dir);
    edit(
        &dir,
        &APP.replace("async def handler():", "async  def  handler( ):")
            .replace(
                "    asyncio.create_task(work())",
                "  asyncio.create_task( work() )",
            )
            .replace("    await asyncio.sleep(0)", "  await asyncio.sleep(0)"),
    );
    assert_all_hidden(&dir);
}

#[test]
fn identical_findings_in_one_function_are_matched_by_occurrence() {
    let twice = APP.replace(
        "    asyncio.create_task(work())\n",
        "    asyncio.create_task(work())\n    asyncio.create_task(work())\n",
    );
    let dir = project(&twice);
    write_baseline(&dir);
    assert_all_hidden(&dir);

    // A third identical finding is the new one.
    edit(
        &dir,
        &twice.replace(
            "    await asyncio.sleep(0)\n",
            "    asyncio.create_task(work())\n    await asyncio.sleep(0)\n",
        ),
    );
    let (code, findings, _) = check_with_baseline(&dir);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("app.py:11:5: TL001"),
        "{findings:?}"
    );

    // One of two removed: one entry is stale.
    edit(&dir, APP);
    let (code, findings, stderr) = check_with_baseline(&dir);
    assert_eq!((code, findings), (0, Vec::new()));
    assert_eq!(
        stderr,
        "tasklint: warning: 1 baseline entry no longer matches; run --write-baseline to shrink it\n"
    );
}

#[test]
fn stale_entries_are_counted() {
    let dir = project(&format!(
        "{APP}\n\nasync def a():\n    asyncio.create_task(work())\n\n\n\
         async def b():\n    asyncio.create_task(work())\n"
    ));
    write_baseline(&dir);
    edit(&dir, APP);
    let (code, findings, stderr) = check_with_baseline(&dir);
    assert_eq!((code, findings), (0, Vec::new()));
    assert_eq!(
        stderr,
        "tasklint: warning: 2 baseline entries no longer match; run --write-baseline to shrink it\n"
    );

    // Writing it again shrinks it.
    write_baseline(&dir);
    assert_all_hidden(&dir);
}

#[test]
fn entries_of_files_not_linted_are_not_stale() {
    let dir = project(APP);
    fs::write(dir.path().join("other.py"), APP).expect("write other.py");
    write_baseline(&dir);
    let output = tasklint(dir.path(), &["check", "--baseline", BASELINE, "app.py"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn a_missing_baseline_is_a_one_line_error() {
    let dir = project(APP);
    let output = tasklint(dir.path(), &["check", "--baseline", "nope.json"]);
    assert_eq!(code(&output), 2);
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "tasklint: cannot read the baseline `nope.json`: no such file or directory; \
         create it with `--write-baseline nope.json`\n"
    );
}

#[test]
fn a_malformed_baseline_is_a_one_line_error() {
    let dir = project(APP);
    for (text, cause) in [
        (
            "{\"version\": 1, \"findings\": [{}]}",
            "missing field `path`",
        ),
        ("[]", "expected a JSON object with `version` and `findings`"),
        ("{\"version\": \"1\"}", "`version` is not a number"),
        ("not json", "expected"),
    ] {
        fs::write(dir.path().join(BASELINE), text).expect("write baseline");
        let output = tasklint(dir.path(), &["check", "--baseline", BASELINE]);
        assert_eq!(code(&output), 2, "{text}");
        let stderr = stderr(&output);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "tasklint: the baseline `{BASELINE}` is not a tasklint baseline: "
            )) && stderr.contains(cause)
                && stderr.ends_with(&format!(
                    "; write it again with `--write-baseline {BASELINE}`\n"
                )),
            "{stderr}"
        );
    }
    fs::write(
        dir.path().join(BASELINE),
        "{\"version\": 7, \"findings\": []}",
    )
    .expect("write baseline");
    let output = tasklint(dir.path(), &["check", "--baseline", BASELINE]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        format!(
            "tasklint: the baseline `{BASELINE}` has version 7, this tasklint reads version 1; \
             write it again with `--write-baseline {BASELINE}`\n"
        )
    );
}

#[test]
fn write_baseline_says_what_it_recorded_unless_quiet() {
    let dir = project(APP);
    let output = tasklint(dir.path(), &["check", "--write-baseline", BASELINE]);
    assert_eq!(
        stderr(&output),
        format!("tasklint: recorded 1 finding in the baseline `{BASELINE}`\n")
    );
    let output = tasklint(dir.path(), &["check", "-q", "--write-baseline", BASELINE]);
    assert_eq!((code(&output), stderr(&output)), (0, String::new()));
}

#[test]
fn write_baseline_conflicts_with_baseline() {
    let dir = project(APP);
    let output = tasklint(
        dir.path(),
        &[
            "check",
            "--baseline",
            "a.json",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("cannot be used with"));
}

#[test]
fn rust_findings_are_matched_after_edits() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let lib = "\
async fn work() {}

pub async fn handler(ex: &smol::Executor<'_>) {
    ex.spawn(work());
}
";
    fs::write(dir.path().join("lib.rs"), lib).expect("write lib.rs");
    let output = tasklint(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(code(&output), 1, "{}", stdout(&output));
    write_baseline(&dir);
    let edited = format!(
        "//! A crate.\n\nuse std::fmt;\n\n{}",
        lib.replace(
            "async fn work() {}",
            "async fn work_hard() {}\nasync fn work() {}"
        )
        .replace("ex: &smol::Executor<'_>", "ex:&smol::Executor<'_>")
    );
    fs::write(dir.path().join("lib.rs"), edited).expect("write lib.rs");
    assert_all_hidden(&dir);
}
