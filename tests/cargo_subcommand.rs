//! `cargo tasklint` end to end, on a copy of `fixtures/cargo-workspace` (members `server` and
//! `worker`, each with one Python TL001 finding) in a temporary folder. These tests run
//! `cargo metadata`, so `cargo` must be on the PATH (or named by `CARGO`, as `cargo test` does).
//!
//! Only the Python findings are asserted on: the members' Rust files carry findings for the Rust
//! front-end too, which the fixture harness checks.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{code, stderr, stdout};

/// The Python finding of each member, as reported from the workspace root.
const SERVER_FINDING: &str = "server/scripts/notify.py";
const WORKER_FINDING: &str = "worker/tools/drain.py";

/// A copy of the fixture workspace; the tests never write into the repository.
fn workspace() -> TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cargo-workspace");
    copy_folder(&fixture, dir.path());
    dir
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).expect("read the fixture folder") {
        let entry = entry.expect("read the fixture folder");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            // A `target/` left by someone building the fixture is not part of it.
            if entry.file_name() != "target" {
                copy_folder(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), target).expect("copy a fixture file");
        }
    }
}

/// Runs `cargo-tasklint tasklint ARGS` in `dir`, as cargo runs it for `cargo tasklint ARGS`.
fn cargo_tasklint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-tasklint"))
        .arg("tasklint")
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("the cargo-tasklint binary runs")
}

/// `path` with the platform's separators, as findings are reported.
fn native(path: &str) -> String {
    path.replace('/', std::path::MAIN_SEPARATOR_STR)
}

/// The Python files with findings in `--format concise` output, in order (the Rust files are
/// left out: their findings depend on the Rust front-end).
fn python_findings(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .filter_map(|line| line.split_once(':').map(|(path, _)| path.to_owned()))
        .filter(|path| path.ends_with(".py"))
        .collect()
}

/// Runs `cargo tasklint --format concise ARGS` in `dir`, checks the exit code and returns the
/// Python files with findings.
fn concise(dir: &Path, args: &[&str], expected_code: i32) -> Vec<String> {
    let mut all = vec!["--format", "concise"];
    all.extend_from_slice(args);
    let output = cargo_tasklint(dir, &all);
    assert_eq!(
        code(&output),
        expected_code,
        "cargo tasklint {all:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    python_findings(&output)
}

#[test]
fn the_workspace_root_lints_every_member() {
    let ws = workspace();
    let found = concise(ws.path(), &[], 1);
    assert_eq!(found, [native(SERVER_FINDING), native(WORKER_FINDING)]);
}

#[test]
fn every_member_appears_in_the_output() {
    let ws = workspace();
    let output = cargo_tasklint(ws.path(), &["--format", "concise"]);
    let text = stdout(&output);
    for member in ["server", "worker"] {
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("{member}{}", std::path::MAIN_SEPARATOR))),
            "no finding in member `{member}`:\n{text}"
        );
    }
}

#[test]
fn a_package_is_selected_by_name() {
    let ws = workspace();
    assert_eq!(
        concise(ws.path(), &["-p", "server"], 1),
        [native(SERVER_FINDING)]
    );
    assert_eq!(
        concise(ws.path(), &["--package", "worker@0.2"], 1),
        [native(WORKER_FINDING)]
    );
    assert_eq!(
        concise(ws.path(), &["-p", "worker", "-p", "server"], 1),
        [native(SERVER_FINDING), native(WORKER_FINDING)]
    );
}

#[test]
fn the_workspace_minus_an_excluded_package() {
    let ws = workspace();
    let dir = ws.path().join("worker");
    // From inside `worker`, paths are relative to it.
    assert_eq!(
        concise(&dir, &["--workspace", "--exclude", "worker"], 1),
        [native("../server/scripts/notify.py")]
    );
}

#[test]
fn inside_a_member_only_that_member_is_linted_relative_to_the_current_folder() {
    let ws = workspace();
    assert_eq!(
        concise(&ws.path().join("server"), &[], 1),
        [native("scripts/notify.py")]
    );
    assert_eq!(
        concise(&ws.path().join("worker/src"), &[], 1),
        [native("../tools/drain.py")]
    );
}

#[test]
fn the_manifest_path_names_the_workspace() {
    let ws = workspace();
    let outside = tempfile::tempdir().expect("temporary folder");
    let manifest = ws.path().join("worker/Cargo.toml");
    let output = cargo_tasklint(
        outside.path(),
        &[
            "--format",
            "concise",
            "--manifest-path",
            path_str(&manifest),
        ],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let found = python_findings(&output);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with(&native(WORKER_FINDING)),
        "only worker: {found:?}"
    );
}

#[test]
fn path_globs_are_excluded_with_exclude_path() {
    let ws = workspace();
    assert_eq!(
        concise(ws.path(), &["--exclude-path", "scripts/"], 1),
        [native(WORKER_FINDING)]
    );
    assert_eq!(
        concise(
            ws.path(),
            &["--exclude-path", "*.py", "--select", "TL002"],
            0
        ),
        Vec::<String>::new()
    );
}

/// Appends `text` to the file `path` under `dir`.
fn append(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    let mut content = fs::read_to_string(&path).expect("read the file");
    content.push_str(text);
    fs::write(path, content).expect("write the file");
}

#[test]
fn the_metadata_tables_of_the_manifests_are_the_configuration() {
    let ws = workspace();
    append(
        ws.path(),
        "Cargo.toml",
        "\n[workspace.metadata.tasklint]\nignore = [\"TL001\"]\n",
    );
    assert_eq!(
        concise(ws.path(), &["--workspace"], 0),
        Vec::<String>::new()
    );
    // A member's own table wins over the workspace's for the files of that member.
    append(
        ws.path(),
        "server/Cargo.toml",
        "\n[package.metadata.tasklint]\nselect = [\"TL001\"]\n",
    );
    assert_eq!(
        concise(ws.path(), &["--workspace"], 1),
        [native(SERVER_FINDING)]
    );
    assert_eq!(
        concise(ws.path(), &["--workspace", "--isolated"], 1),
        [native(SERVER_FINDING), native(WORKER_FINDING)]
    );
    // A mistake in the table is an error naming the manifest and the line.
    append(
        ws.path(),
        "worker/Cargo.toml",
        "\n[package.metadata.tasklint]\nslect = []\n",
    );
    let output = cargo_tasklint(ws.path(), &["--workspace"]);
    assert_eq!(code(&output), 2);
    let line = fs::read_to_string(ws.path().join("worker/Cargo.toml"))
        .expect("read the manifest")
        .lines()
        .count();
    assert_eq!(
        stderr(&output).replace('\\', "/"),
        format!(
            "cargo-tasklint: invalid configuration in `worker/Cargo.toml` (line {line}): \
             unknown key `slect`; did you mean `select`?\n"
        )
    );
}

#[test]
fn an_unknown_package_is_an_error_naming_it() {
    let ws = workspace();
    let output = cargo_tasklint(ws.path(), &["-p", "nope"]);
    assert_eq!(code(&output), 2);
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "cargo-tasklint: `-p nope` does not match any workspace member \
         (members: server, worker)\n"
    );
}

#[test]
fn outside_a_cargo_project_one_line_explains() {
    let empty = tempfile::tempdir().expect("temporary folder");
    let output = cargo_tasklint(empty.path(), &[]);
    assert_eq!(code(&output), 2);
    assert_eq!(stdout(&output), "");
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(
        message.starts_with("cargo-tasklint: no Cargo.toml found in `"),
        "{message}"
    );
    assert!(
        message.trim_end().ends_with(
            "or any parent directory; run it inside a cargo project or pass --manifest-path"
        ),
        "{message}"
    );
}

#[test]
fn a_missing_manifest_path_is_one_line() {
    let ws = workspace();
    let output = cargo_tasklint(ws.path(), &["--manifest-path", "nope/Cargo.toml"]);
    assert_eq!(code(&output), 2);
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(message.contains("nope"), "{message}");
}

#[test]
fn json_output_lists_the_findings_of_every_member() {
    let ws = workspace();
    let output = cargo_tasklint(ws.path(), &["--format", "json"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let findings: Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let python: Vec<(&str, &str)> = findings
        .as_array()
        .expect("an array")
        .iter()
        .filter(|finding| finding["path"].as_str().is_some_and(|p| p.ends_with(".py")))
        .map(|finding| {
            (
                finding["path"].as_str().unwrap(),
                finding["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        python,
        [
            (native(SERVER_FINDING).as_str(), "TL001"),
            (native(WORKER_FINDING).as_str(), "TL001")
        ]
    );
}

#[test]
fn quiet_runs_keep_the_exit_status() {
    let ws = workspace();
    let output = cargo_tasklint(ws.path(), &["--quiet"]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "");
}

#[test]
fn the_tasklint_argument_is_optional_and_help_documents_the_flags() {
    let ws = workspace();
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-tasklint"))
        .args(["--format", "concise", "-p", "server"])
        .current_dir(ws.path())
        .output()
        .expect("the cargo-tasklint binary runs");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(python_findings(&output), [native(SERVER_FINDING)]);

    let help = cargo_tasklint(ws.path(), &["--help"]);
    assert_eq!(code(&help), 0);
    let help = stdout(&help);
    for flag in [
        "Usage: cargo tasklint",
        "--package",
        "--workspace",
        "--exclude <SPEC>",
        "--exclude-path",
        "--manifest-path",
        "--select",
        "--ignore",
        "--format",
        "--color",
    ] {
        assert!(help.contains(flag), "--help documents {flag}:\n{help}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let ws = workspace();
    for args in [
        &["--exclude", "worker"][..],
        &["--workspace", "-p", "server"],
        &["--format", "xml"],
        &["src/"],
    ] {
        let output = cargo_tasklint(ws.path(), args);
        assert_eq!(code(&output), 2, "cargo tasklint {args:?}");
        assert!(
            !stderr(&output).is_empty(),
            "cargo tasklint {args:?} explains"
        );
    }
}

/// Through cargo itself: `cargo tasklint` finds `cargo-tasklint` on the PATH, as after
/// `cargo install --path .`.
#[test]
fn cargo_runs_the_subcommand() {
    let ws = workspace();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-tasklint"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf();
    let mut path = vec![bin_dir];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let output = Command::new(cargo)
        .args(["tasklint", "--format", "concise"])
        .current_dir(ws.path())
        .env("PATH", std::env::join_paths(path).expect("a valid PATH"))
        .stdin(Stdio::null())
        .output()
        .expect("cargo runs");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        python_findings(&output),
        [native(SERVER_FINDING), native(WORKER_FINDING)]
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

#[test]
fn the_baseline_flags_work_for_cargo_tasklint() {
    let ws = workspace();
    let written = cargo_tasklint(ws.path(), &["--write-baseline", "tasklint-baseline.json"]);
    assert_eq!(code(&written), 0, "{}", stderr(&written));
    assert_eq!(stdout(&written), "");
    let baseline = fs::read_to_string(ws.path().join("tasklint-baseline.json")).expect("written");
    assert!(
        baseline.contains("\"path\": \"server/scripts/notify.py\""),
        "{baseline}"
    );
    let output = cargo_tasklint(ws.path(), &["--baseline", "tasklint-baseline.json"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert_eq!(stderr(&output), "");
    let output = cargo_tasklint(ws.path(), &["--statistics", "--exit-zero"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).contains(" TL001 dropped-task-handle\n"));
}
