//! Panic isolation end to end: a panic inside a front-end while analyzing one file (a bug of
//! ours) is one internal-error line naming the file and asking for a bug report; the other
//! files are linted and reported, and the exit code is 2.
//!
//! The panic is real: debug builds of the front-ends panic on the file named by
//! `TASKLINT_DEBUG_PANIC_ON` (`tasklint::panics::debug_panic_point`); release builds have no
//! such point, so these tests only exist in debug builds.
#![cfg(debug_assertions)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;
use common::{code, stderr, stdout};

const DROPPED_PY: &str = "import asyncio\n\nasync def f():\n    asyncio.create_task(g())\n";
const DROPPED_RS: &str = "async fn work() {}\n\nasync fn f() {\n    smol::spawn(work());\n}\n";

fn tasklint_panicking_on(dir: &Path, file: &str, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tasklint"))
        .args(["check", "--format", format])
        .current_dir(dir)
        .env(tasklint::panics::DEBUG_PANIC_ON, file)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .expect("the tasklint binary runs")
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for name in ["a.py", "b.py", "c.py"] {
        std::fs::write(dir.path().join(name), DROPPED_PY).expect("write");
    }
    for name in ["a.rs", "b.rs"] {
        std::fs::write(dir.path().join(name), DROPPED_RS).expect("write");
    }
    dir
}

/// The one line a panic on `path` prints, up to the panic's location.
fn assert_one_internal_error(output: &Output, path: &str) {
    let errors = stderr(output);
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one line, no panic message or backtrace: {errors}"
    );
    let prefix = format!(
        "tasklint: internal error while linting `{path}`: panic requested by TASKLINT_DEBUG_PANIC_ON for `{path}` (at src/panics.rs:"
    );
    assert!(lines[0].starts_with(&prefix), "{errors}");
    assert!(lines[0].ends_with("; please report this bug"), "{errors}");
}

#[test]
fn a_panic_in_the_python_front_end_is_one_line_and_the_other_files_are_reported() {
    let dir = project();
    let output = tasklint_panicking_on(dir.path(), "b.py", "concise");
    assert_eq!(code(&output), 2);
    assert_one_internal_error(&output, "b.py");
    let paths: Vec<String> = stdout(&output)
        .lines()
        .map(|line| line.split(':').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(paths, ["a.py", "a.rs", "b.rs", "c.py"]);
}

#[test]
fn a_panic_in_the_rust_front_end_is_one_line_and_the_other_files_are_reported() {
    let dir = project();
    let output = tasklint_panicking_on(dir.path(), "a.rs", "json");
    assert_eq!(code(&output), 2);
    assert_one_internal_error(&output, "a.rs");
    let findings: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let paths: Vec<&str> = findings
        .as_array()
        .expect("an array")
        .iter()
        .map(|finding| finding["path"].as_str().expect("a path"))
        .collect();
    assert_eq!(paths, ["a.py", "b.py", "b.rs", "c.py"]);
}

#[test]
fn without_the_variable_nothing_panics() {
    let dir = project();
    let output = tasklint_panicking_on(dir.path(), "", "concise");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    assert_eq!(stdout(&output).lines().count(), 5);
}
