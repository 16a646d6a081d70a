//! The `tasklint` binary end to end: exit codes, discovery, rule selection, error reporting and
//! output formats, each in its own temporary folder.
//!
//! Files that do not parse give a `TL000` finding, which needs no detector: most tests use them
//! as the finding to look for.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;
use common::{code, project, stderr, stdout, tasklint, write_file};

/// A file with a syntax error: one TL000 finding on line 1.
const BROKEN: &str = "def f(:\n    pass\n";
/// A file without findings.
const CLEAN: &str = "import asyncio\n\n\nasync def main():\n    await asyncio.sleep(1)\n";

/// The paths of the findings in `--format concise` output, in order.
fn reported_paths(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .filter_map(|line| line.split_once(':').map(|(path, _)| path.to_owned()))
        .collect()
}

/// Runs `check --format concise` with `args` and returns the reported paths; fails the test
/// unless the exit code is `expected_code`.
fn check_concise(dir: &Path, args: &[&str], expected_code: i32) -> Vec<String> {
    let mut all = vec!["check", "--format", "concise"];
    all.extend_from_slice(args);
    let output = tasklint(dir, &all);
    assert_eq!(
        code(&output),
        expected_code,
        "tasklint {all:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    reported_paths(&output)
}

fn native(path: &str) -> String {
    Path::new(path)
        .to_string_lossy()
        .replace('/', std::path::MAIN_SEPARATOR_STR)
}

// Exit codes.

#[test]
fn a_clean_project_exits_0() {
    let dir = project(&[("app.py", CLEAN)]);
    let output = tasklint(dir.path(), &["check"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn findings_exit_1() {
    let dir = project(&[("app.py", CLEAN), ("broken.py", BROKEN)]);
    assert_eq!(check_concise(dir.path(), &[], 1), ["broken.py"]);
}

#[test]
fn usage_errors_exit_2() {
    let dir = project(&[("app.py", CLEAN)]);
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--color", "sometimes"],
        &["check", "--threads", "many"],
        &["check", "--no-such-flag"],
        &["lint"],
        &[],
    ] {
        let output = tasklint(dir.path(), args);
        assert_eq!(code(&output), 2, "tasklint {args:?}: {}", stderr(&output));
        assert!(!stderr(&output).is_empty(), "tasklint {args:?} explains");
    }
}

#[test]
fn help_and_version_exit_0() {
    let dir = project(&[]);
    for args in [&["--help"][..], &["check", "--help"], &["--version"]] {
        let output = tasklint(dir.path(), args);
        assert_eq!(code(&output), 0, "tasklint {args:?}");
        assert!(!stdout(&output).is_empty());
    }
    let help = stdout(&tasklint(dir.path(), &["check", "--help"]));
    for flag in [
        "--select",
        "--ignore",
        "--exclude",
        "--format",
        "--color",
        "--threads",
        "NO_COLOR",
    ] {
        assert!(help.contains(flag), "check --help documents {flag}");
    }
}

#[test]
fn an_error_wins_over_findings() {
    let dir = project(&[("broken.py", BROKEN)]);
    let output = tasklint(
        dir.path(),
        &["check", "--format", "concise", ".", "missing.py"],
    );
    assert_eq!(code(&output), 2);
    assert_eq!(reported_paths(&output), ["broken.py"]);
}

// Discovery.

#[test]
fn default_folders_hidden_files_and_gitignored_files_are_skipped() {
    let dir = project(&[
        ("src/broken.py", BROKEN),
        (".venv/lib/x.py", BROKEN),
        ("venv/x.py", BROKEN),
        ("node_modules/pkg/x.py", BROKEN),
        ("src/__pycache__/x.py", BROKEN),
        ("target/x.py", BROKEN),
        ("lib/site-packages/x.py", BROKEN),
        (".hidden/x.py", BROKEN),
        (".hidden.py", BROKEN),
        ("generated.py", BROKEN),
        ("build/x.py", BROKEN),
        (".gitignore", "generated.py\nbuild/\n"),
    ]);
    assert_eq!(check_concise(dir.path(), &[], 1), [native("src/broken.py")]);
}

#[test]
fn only_python_files_are_walked() {
    let dir = project(&[
        ("a.py", BROKEN),
        ("b.pyi", BROKEN),
        ("notes.txt", BROKEN),
        ("script", BROKEN),
        ("c.pyc", BROKEN),
    ]);
    assert_eq!(check_concise(dir.path(), &[], 1), ["a.py", "b.pyi"]);
}

#[test]
fn no_ignore_walks_into_ignored_and_default_folders() {
    let dir = project(&[
        ("venv/x.py", BROKEN),
        ("generated.py", BROKEN),
        (".gitignore", "generated.py\n"),
        (".venv/x.py", BROKEN),
    ]);
    assert_eq!(
        check_concise(dir.path(), &["--no-ignore"], 1),
        ["generated.py", &native("venv/x.py")]
    );
}

#[test]
fn a_file_named_explicitly_is_always_linted() {
    let dir = project(&[
        (".venv/x.py", BROKEN),
        (".hidden.py", BROKEN),
        ("generated.py", BROKEN),
        ("script", BROKEN),
        ("skip_me.py", BROKEN),
        (".gitignore", "generated.py\n"),
    ]);
    let explicit = [
        ".venv/x.py",
        ".hidden.py",
        "generated.py",
        "script",
        "skip_me.py",
    ];
    let mut args = vec!["--exclude", "skip_me.py"];
    args.extend(explicit);
    let mut expected: Vec<String> = explicit.iter().map(|p| p.to_string()).collect();
    expected.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    assert_eq!(check_concise(dir.path(), &args, 1), expected);
}

#[test]
fn a_folder_named_explicitly_is_walked() {
    let dir = project(&[("venv/x.py", BROKEN), ("venv/.cache/y.py", BROKEN)]);
    assert_eq!(
        check_concise(dir.path(), &["venv"], 1),
        [native("venv/x.py")]
    );
}

#[test]
fn exclude_globs_are_gitignore_style() {
    let dir = project(&[
        ("src/app.py", BROKEN),
        ("src/gen/model.py", BROKEN),
        ("src/api_pb2.py", BROKEN),
        ("scripts/run.py", BROKEN),
        ("tools/scripts/run.py", BROKEN),
    ]);
    let paths = check_concise(
        dir.path(),
        &[
            "--exclude",
            "gen/",
            "--exclude",
            "*_pb2.py",
            "--exclude",
            "/scripts",
        ],
        1,
    );
    assert_eq!(
        paths,
        [native("src/app.py"), native("tools/scripts/run.py")]
    );
    let everything = check_concise(dir.path(), &["--exclude", "*.py"], 0);
    assert!(everything.is_empty());
}

#[test]
fn an_invalid_exclude_glob_is_a_usage_error() {
    let dir = project(&[("a.py", CLEAN)]);
    let output = tasklint(dir.path(), &["check", "--exclude", "src/[a"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("src/[a"), "{}", stderr(&output));
}

#[test]
fn paths_are_reported_as_given() {
    let dir = project(&[("pkg/sub/a.py", BROKEN), ("b.py", BROKEN)]);
    assert_eq!(
        check_concise(dir.path(), &["pkg/"], 1),
        [native("pkg/sub/a.py")]
    );
    assert_eq!(
        check_concise(dir.path(), &["pkg"], 1),
        [native("pkg/sub/a.py")]
    );
    assert_eq!(
        check_concise(dir.path(), &["./pkg"], 1),
        [native("./pkg/sub/a.py")]
    );
    assert_eq!(
        check_concise(dir.path(), &["."], 1),
        ["b.py", &native("pkg/sub/a.py")]
    );
    assert_eq!(
        check_concise(dir.path(), &[], 1),
        ["b.py", &native("pkg/sub/a.py")]
    );
    let absolute = dir.path().join("pkg");
    let absolute_file = absolute.join("sub").join("a.py");
    assert_eq!(
        check_concise(
            dir.path(),
            &[absolute.to_str().expect("UTF-8 temp path")],
            1
        ),
        [absolute_file.to_string_lossy().into_owned()]
    );
}

#[test]
fn a_file_given_twice_is_reported_once() {
    let dir = project(&[("a.py", BROKEN)]);
    assert_eq!(
        check_concise(dir.path(), &[".", "a.py", "./a.py"], 1),
        ["a.py"]
    );
}

#[test]
fn output_is_sorted_by_path_and_line() {
    let dir = project(&[
        ("zeta.py", BROKEN),
        ("alpha.py", "x = 1\ny = (\n"),
        ("m/b.py", BROKEN),
        ("m/a.py", BROKEN),
        ("m-x.py", BROKEN),
    ]);
    for threads in ["1", "4"] {
        let output = tasklint(
            dir.path(),
            &["check", "--format", "concise", "--threads", threads],
        );
        assert_eq!(code(&output), 1);
        assert_eq!(
            reported_paths(&output),
            [
                "alpha.py".to_owned(),
                native("m/a.py"),
                native("m/b.py"),
                "m-x.py".to_owned(),
                "zeta.py".to_owned()
            ]
        );
        let mut positions = Vec::new();
        for line in stdout(&output).lines() {
            let mut parts = line.splitn(4, ':');
            let path = parts.next().unwrap_or_default().to_owned();
            let line: usize = parts.next().and_then(|l| l.parse().ok()).expect("a line");
            positions.push((path, line));
        }
        let mut sorted = positions.clone();
        sorted.sort_by(|a, b| (Path::new(&a.0), a.1).cmp(&(Path::new(&b.0), b.1)));
        assert_eq!(positions, sorted);
    }
}

#[test]
fn an_empty_folder_is_clean_with_a_warning() {
    let dir = project(&[("README.md", "# hi\n")]);
    let output = tasklint(dir.path(), &["check"]);
    assert_eq!(code(&output), 0);
    assert!(stderr(&output).contains("warning"), "{}", stderr(&output));
}

// Per-file problems: reported on stderr, the run goes on.

#[test]
fn a_missing_path_is_named_and_the_rest_is_linted() {
    let dir = project(&[("src/broken.py", BROKEN)]);
    let output = tasklint(
        dir.path(),
        &["check", "--format", "concise", "missing.py", "src", "gone/"],
    );
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    assert!(
        errors
            .lines()
            .any(|line| line.starts_with("tasklint: cannot read `missing.py`: ")),
        "{errors}"
    );
    assert!(errors.contains("`gone/`"), "{errors}");
    assert_eq!(errors.lines().count(), 2, "one line per path: {errors}");
    assert_eq!(reported_paths(&output), [native("src/broken.py")]);
}

#[test]
fn invalid_utf8_is_one_line_naming_the_file() {
    let dir = project(&[("a.py", BROKEN), ("c.py", BROKEN)]);
    write_file(dir.path(), "b.py", b"x = '\xff\xfe'\n");
    let output = tasklint(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    assert!(
        errors.starts_with("tasklint: ") && errors.contains("`b.py`"),
        "{errors}"
    );
    assert_eq!(reported_paths(&output), ["a.py", "c.py"]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_named_and_the_rest_is_linted() {
    use std::os::unix::fs::PermissionsExt;

    let dir = project(&[("locked/x.py", BROKEN), ("open/y.py", BROKEN)]);
    let locked = dir.path().join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let readable_anyway = fs::read_dir(&locked).is_ok(); // as root
    let output = tasklint(dir.path(), &["check", "--format", "concise"]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod back");
    if readable_anyway {
        return;
    }
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    assert_eq!(
        errors.trim_end(),
        "tasklint: cannot read `locked`: permission denied"
    );
    assert_eq!(reported_paths(&output), [native("open/y.py")]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_named_and_the_rest_is_linted() {
    use std::os::unix::fs::PermissionsExt;

    let dir = project(&[("a.py", BROKEN), ("secret.py", BROKEN)]);
    let secret = dir.path().join("secret.py");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read(&secret).is_ok() {
        return; // running as root
    }
    let output = tasklint(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output).trim_end(),
        "tasklint: cannot read `secret.py`: permission denied"
    );
    assert_eq!(reported_paths(&output), ["a.py"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_named_and_the_rest_is_linted() {
    let dir = project(&[("pkg/a.py", BROKEN)]);
    std::os::unix::fs::symlink(".", dir.path().join("pkg/loop")).expect("symlink");
    let output = tasklint(dir.path(), &["check", "--format", "concise", "pkg"]);
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    assert!(errors.contains("`pkg/loop`"), "{errors}");
    assert_eq!(reported_paths(&output), ["pkg/a.py"]);
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_to_a_non_python_file_is_not_an_error() {
    let dir = project(&[("a.py", BROKEN)]);
    std::os::unix::fs::symlink("nowhere.log", dir.path().join("build.log")).expect("symlink");
    assert_eq!(check_concise(dir.path(), &[], 1), ["a.py"]);
}

#[test]
fn deeply_nested_input_does_not_crash() {
    let depth = 20_000;
    let nested = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    let dir = project(&[("deep.py", &nested), ("b.py", BROKEN)]);
    let output = tasklint(dir.path(), &["check", "--format", "concise"]);
    assert!(
        matches!(code(&output), 0 | 1),
        "exit {}: {}",
        code(&output),
        stderr(&output)
    );
    assert!(reported_paths(&output).contains(&"b.py".to_owned()));
}

#[test]
fn unknown_suppression_codes_are_warned_about() {
    let dir = project(&[("a.py", "x = 1  # tasklint: ignore[TL009]\n")]);
    let output = tasklint(dir.path(), &["check"]);
    assert_eq!(code(&output), 0);
    assert_eq!(
        stderr(&output).trim_end(),
        "tasklint: warning: a.py:1: unknown rule code `TL009` in suppression comment"
    );
    let quiet = tasklint(dir.path(), &["check", "--quiet"]);
    assert_eq!(code(&quiet), 0);
    assert_eq!(stderr(&quiet), "");
}

#[test]
fn quiet_prints_nothing_but_keeps_the_exit_code() {
    let dir = project(&[("a.py", BROKEN)]);
    let output = tasklint(dir.path(), &["check", "-q"]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "");
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let files: Vec<(String, &str)> = (0..1500).map(|i| (format!("m{i:04}.py"), BROKEN)).collect();
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let dir = project(&borrowed);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tasklint"))
        .args(["check", "--format", "concise"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away, like `| head -0`
    let mut errors = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut errors)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}: {errors}");
    assert_eq!(errors, "");
}

// Rule selection.

#[test]
fn select_and_ignore_take_codes_prefixes_and_all() {
    let dir = project(&[("a.py", BROKEN)]);
    let cases: &[(&[&str], i32)] = &[
        (&["--select", "TL000"], 1),
        (&["--select", "TL001"], 0),
        (&["--select", "tl00"], 1),
        (&["--select", "TL"], 1),
        (&["--select", "ALL"], 1),
        (&["--select", "syntax-error"], 1),
        (&["--select", "TL001,TL000"], 1),
        (&["--select", "TL001", "--select", "TL000"], 1),
        (&["--ignore", "TL000"], 0),
        (&["--ignore", "TL0"], 0),
        (&["--ignore", "ALL"], 0),
        (&["--ignore", "TL001"], 1),
        (&["--select", "ALL", "--ignore", "TL000"], 0),
        (&["--select", "TL000", "--ignore", "TL"], 1),
        (&["--select", "TL000", "--ignore", "TL000"], 0),
    ];
    for (args, expected) in cases {
        check_concise(dir.path(), args, *expected);
    }
}

#[test]
fn an_unknown_rule_code_is_a_usage_error_naming_it() {
    let dir = project(&[("a.py", BROKEN)]);
    for args in [
        &["check", "--select", "TL009"][..],
        &["check", "--ignore", "TL9"],
        &["check", "--select", "TL000,E501"],
    ] {
        let output = tasklint(dir.path(), args);
        assert_eq!(code(&output), 2, "{args:?}");
        let bad = args[2].rsplit(',').next().expect("a code");
        assert!(stderr(&output).contains(bad), "{}", stderr(&output));
        assert_eq!(stdout(&output), "");
    }
}

// Output formats and color.

#[test]
fn every_format_reports_the_finding() {
    let dir = project(&[("a.py", BROKEN)]);
    for format in ["human", "concise", "json", "sarif", "github"] {
        let output = tasklint(dir.path(), &["check", "--format", format]);
        assert_eq!(code(&output), 1, "{format}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(text.contains("a.py"), "{format}: {text}");
        assert!(text.contains("TL000"), "{format}: {text}");
        if matches!(format, "json" | "sarif") {
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{format} is JSON ({e}): {text}"));
        }
    }
}

#[test]
fn machine_formats_of_a_clean_run_are_valid() {
    let dir = project(&[("a.py", CLEAN)]);
    for format in ["json", "sarif"] {
        let output = tasklint(dir.path(), &["check", "--format", format]);
        assert_eq!(code(&output), 0, "{format}");
        serde_json::from_str::<serde_json::Value>(&stdout(&output))
            .unwrap_or_else(|e| panic!("{format} is JSON ({e})"));
    }
}

#[test]
fn color_follows_the_color_flag() {
    let dir = project(&[("a.py", BROKEN)]);
    let always = tasklint(dir.path(), &["check", "--color", "always"]);
    assert!(stdout(&always).contains('\x1b'), "{}", stdout(&always));
    // stdout is a pipe here, so `auto` means no color.
    for args in [&["check", "--color", "never"][..], &["check"]] {
        let output = tasklint(dir.path(), args);
        assert!(!stdout(&output).contains('\x1b'), "{args:?}");
    }
}

// Rule documentation.

#[test]
fn rules_lists_every_rule() {
    let dir = project(&[]);
    let output = tasklint(dir.path(), &["rules"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    for (code, name) in [
        ("TL000", "syntax-error"),
        ("TL001", "dropped-task-handle"),
        ("TL002", "loop-overwritten-handle"),
        ("TL003", "unawaited-coroutine"),
    ] {
        assert!(text.contains(code) && text.contains(name), "{code}: {text}");
    }
}

#[test]
fn explain_accepts_codes_and_names_in_any_case() {
    let dir = project(&[]);
    let by_code = stdout(&tasklint(dir.path(), &["explain", "TL001"]));
    assert!(by_code.contains("dropped-task-handle"), "{by_code}");
    for query in ["tl001", "dropped-task-handle", "Dropped-Task-Handle"] {
        let output = tasklint(dir.path(), &["explain", query]);
        assert_eq!(code(&output), 0, "{query}");
        assert_eq!(stdout(&output), by_code, "{query}");
    }
}

#[test]
fn explain_of_an_unknown_rule_lists_the_valid_ones() {
    let dir = project(&[]);
    let output = tasklint(dir.path(), &["explain", "TL009"]);
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    assert!(errors.contains("TL009"), "{errors}");
    for code in ["TL000", "TL001", "TL002", "TL003"] {
        assert!(errors.contains(code), "{errors}");
    }
}
