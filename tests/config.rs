//! The configuration end to end: its sources (`.tasklint.toml`, `tasklint.toml`,
//! `[tool.tasklint]` in `pyproject.toml`, the metadata tables of `Cargo.toml`) and their
//! precedence, the nearest configuration above each file, `--config` and `--isolated`, the
//! command line over the configuration, the effect of every key (the index hooks name what the
//! project index cannot see), every error message of a bad configuration (one line on stderr
//! naming the file and the line, exit status 2), and `tasklint config`.

use std::fs;
use std::path::Path;

mod common;
use common::{code, project, stderr, stdout, tasklint};

/// A project that uses a framework tasklint knows nothing about.
const APP: &str = "\
import asyncio

from framework import fetch, poll, spawn


async def work():
    await asyncio.sleep(1)


async def start():
    spawn(work())


async def prefetch():
    fetch()


async def watch():
    while True:
        await poll()


async def schedule(hass):
    hass.async_create_task(work())
";

/// The `(path, line, code)` of each finding of `check --format concise ARGS` in `dir`, the path
/// with `/` as the separator.
fn concise_findings(dir: &Path, args: &[&str]) -> Vec<(String, usize, String)> {
    let mut all = vec!["check", "--format", "concise"];
    all.extend_from_slice(args);
    let output = tasklint(dir, &all);
    assert!(
        matches!(code(&output), 0 | 1),
        "tasklint {all:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(4, ':');
            let (path, line, _, rest) =
                (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            let code = rest.split_whitespace().next()?;
            Some((path.replace('\\', "/"), line.parse().ok()?, code.to_owned()))
        })
        .collect()
}

/// The `(line, code)` of each finding of `check --format concise ARGS` in `dir`.
fn findings(dir: &Path, args: &[&str]) -> Vec<(usize, String)> {
    concise_findings(dir, args)
        .into_iter()
        .map(|(_, line, code)| (line, code))
        .collect()
}

fn found(line: usize, code: &str) -> (usize, String) {
    (line, code.to_owned())
}

#[test]
fn without_configuration_external_functions_are_unknown() {
    let dir = project(&[("app.py", APP)]);
    assert_eq!(findings(dir.path(), &["app.py"]), []);
}

#[test]
fn configured_names_make_task_functions_coroutine_functions_and_inline_coroutines() {
    let config = "\
task-functions = [\"framework.spawn\", \"homeassistant.core.HomeAssistant.async_create_task\"]
coroutine-functions = [\"framework.fetch\"]
never-suspend = [\"framework.poll\"]
";
    let dir = project(&[("app.py", APP), ("tasklint.toml", config)]);
    assert_eq!(
        findings(dir.path(), &["app.py"]),
        [
            found(11, "TL001"),
            found(15, "TL003"),
            found(19, "TL004"),
            found(24, "TL001"),
        ]
    );
}

#[test]
fn never_suspend_reaches_through_the_project_coroutines_that_await_it() {
    let app = "\
import framework


async def tick():
    await framework.poll()


async def run():
    while True:
        await tick()
";
    let dir = project(&[("app.py", app)]);
    assert_eq!(findings(dir.path(), &["app.py"]), []);
    fs::write(
        dir.path().join("tasklint.toml"),
        "never-suspend = [\"framework.poll\"]\n",
    )
    .expect("write file");
    assert_eq!(findings(dir.path(), &["app.py"]), [found(9, "TL004")]);
}

#[test]
fn always_suspend_overrides_what_the_index_finds() {
    let app = "\
TICKS = 0


async def tick():
    global TICKS
    TICKS += 1


async def run():
    while True:
        await tick()
";
    let dir = project(&[("app.py", app)]);
    assert_eq!(findings(dir.path(), &["app.py"]), [found(10, "TL004")]);
    fs::write(
        dir.path().join("tasklint.toml"),
        "always-suspend = [\"app.tick\"]\n",
    )
    .expect("write file");
    assert_eq!(findings(dir.path(), &["app.py"]), []);
}

#[test]
fn the_pyproject_table_is_read_too() {
    let pyproject = "\
[project]
name = \"app\"

[tool.tasklint]
task-functions = [\"framework.spawn\"]
";
    let dir = project(&[("app.py", APP), ("pyproject.toml", pyproject)]);
    assert_eq!(findings(dir.path(), &["app.py"]), [found(11, "TL001")]);
}

#[test]
fn a_pyproject_without_the_table_is_passed_over() {
    let dir = project(&[
        ("tasklint.toml", "task-functions = [\"framework.spawn\"]\n"),
        ("service/pyproject.toml", "[project\nthis is not toml\n"),
        ("service/app.py", APP),
    ]);
    assert_eq!(findings(dir.path(), &["service"]), [found(11, "TL001")]);
}

#[test]
fn the_nearest_file_above_the_first_path_applies() {
    let dir = project(&[
        ("tasklint.toml", "task-functions = [\"framework.other\"]\n"),
        (
            "service/tasklint.toml",
            "task-functions = [\"framework.spawn\"]\n",
        ),
        ("service/src/app.py", APP),
    ]);
    assert_eq!(
        findings(dir.path(), &["service/src/app.py"]),
        [found(11, "TL001")]
    );
    assert_eq!(
        findings(&dir.path().join("service/src"), &["."]),
        [found(11, "TL001")]
    );
}

#[test]
fn a_malformed_file_is_one_line_naming_the_file() {
    let dir = project(&[
        ("app.py", APP),
        ("tasklint.toml", "\ntask-functions = \"framework.spawn\"\n"),
    ]);
    let output = tasklint(dir.path(), &["check", "app.py"]);
    assert_eq!(code(&output), 2);
    let stderr = stderr(&output);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("tasklint: invalid configuration in `tasklint.toml` (line 2): "),
        "{stderr}"
    );
    assert!(stdout(&output).is_empty());
}

/// Two findings: TL001 on line 5, TL003 on line 6.
const TWO_FINDINGS: &str = "\
import asyncio


async def main():
    asyncio.create_task(work())
    work()


async def work():
    await asyncio.sleep(1)
";

/// Every finding of `check --format concise ARGS` in `dir` as `path:line CODE`.
fn findings_by_file(dir: &Path, args: &[&str]) -> Vec<String> {
    concise_findings(dir, args)
        .into_iter()
        .map(|(path, line, code)| format!("{path}:{line} {code}"))
        .collect()
}

/// What `tasklint config PATH --format json ARGS` says, run in `dir`.
fn config_json(dir: &Path, path: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["config", path, "--format", "json"];
    all.extend_from_slice(args);
    let output = tasklint(dir, &all);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("tasklint config prints JSON")
}

/// The configuration file that applies to `path`, as `tasklint config` names it.
fn config_file(dir: &Path, path: &str) -> Option<String> {
    config_json(dir, path, &[])["file"]
        .as_str()
        .map(|file| file.replace('\\', "/"))
}

#[test]
fn every_source_is_read() {
    let cases = [
        (".tasklint.toml", "select = [\"TL003\"]\n"),
        ("tasklint.toml", "select = [\"TL003\"]\n"),
        ("pyproject.toml", "[tool.tasklint]\nselect = [\"TL003\"]\n"),
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\n\n[package.metadata.tasklint]\nselect = [\"TL003\"]\n",
        ),
        (
            "Cargo.toml",
            "[workspace]\nmembers = []\n\n[workspace.metadata.tasklint]\nselect = [\"TL003\"]\n",
        ),
    ];
    for (name, text) in cases {
        let dir = project(&[("app.py", TWO_FINDINGS), (name, text)]);
        assert_eq!(
            findings_by_file(dir.path(), &[]),
            ["app.py:6 TL003"],
            "{name}: {text}"
        );
        assert_eq!(config_file(dir.path(), "app.py").as_deref(), Some(name));
    }
}

#[test]
fn a_manifest_without_the_table_is_passed_over() {
    let dir = project(&[
        ("tasklint.toml", "select = [\"TL003\"]\n"),
        ("app/Cargo.toml", "[package]\nname = \"app\"\n"),
        ("app/pyproject.toml", "[tool.ruff]\nline-length = 100\n"),
        ("app/main.py", TWO_FINDINGS),
    ]);
    assert_eq!(findings_by_file(dir.path(), &[]), ["app/main.py:6 TL003"]);
    assert_eq!(
        config_file(dir.path(), "app/main.py").as_deref(),
        Some("tasklint.toml")
    );
}

#[test]
fn in_one_folder_the_sources_take_precedence_in_order() {
    // Each source selects another rule, so the findings say which one applies.
    let dir = project(&[
        ("app.py", TWO_FINDINGS),
        (".tasklint.toml", "select = [\"TL001\"]\n"),
        ("tasklint.toml", "select = [\"TL003\"]\n"),
        ("pyproject.toml", "[tool.tasklint]\nselect = [\"TL002\"]\n"),
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\n[package.metadata.tasklint]\nselect = [\"TL004\"]\n\
             [workspace.metadata.tasklint]\nselect = [\"TL001\"]\n",
        ),
    ]);
    let order = [
        ".tasklint.toml",
        "tasklint.toml",
        "pyproject.toml",
        "Cargo.toml",
    ];
    for (at, name) in order.iter().enumerate() {
        assert_eq!(config_file(dir.path(), "app.py").as_deref(), Some(*name));
        let expected: &[&str] = match at {
            0 => &["app.py:5 TL001"],
            1 => &["app.py:6 TL003"],
            // TL002 and TL004 (the package table wins over the workspace table) find nothing.
            _ => &[],
        };
        assert_eq!(findings_by_file(dir.path(), &[]), expected, "{name}");
        fs::remove_file(dir.path().join(name)).expect("remove the file");
    }
    assert_eq!(config_file(dir.path(), "app.py"), None);
}

#[test]
fn the_nearest_configuration_above_each_file_applies() {
    let dir = project(&[
        ("tasklint.toml", "select = [\"TL001\"]\n"),
        ("app.py", TWO_FINDINGS),
        (
            "service/pyproject.toml",
            "[tool.tasklint]\nselect = [\"TL003\"]\n",
        ),
        ("service/src/app.py", TWO_FINDINGS),
        ("tools/app.py", TWO_FINDINGS),
    ]);
    let expected = [
        "app.py:5 TL001",
        "service/src/app.py:6 TL003",
        "tools/app.py:5 TL001",
    ];
    assert_eq!(findings_by_file(dir.path(), &[]), expected);
    // The same files named one by one, or linted from inside the sub-project.
    assert_eq!(
        findings_by_file(dir.path(), &["service/src/app.py", "app.py"]),
        ["app.py:5 TL001", "service/src/app.py:6 TL003"]
    );
    assert_eq!(
        findings_by_file(&dir.path().join("service"), &["."]),
        ["src/app.py:6 TL003"]
    );
    assert_eq!(
        findings_by_file(&dir.path().join("service"), &["../app.py"]),
        ["../app.py:5 TL001"]
    );
}

#[test]
fn the_index_hooks_of_every_configuration_of_the_run_are_merged() {
    let dir = project(&[
        ("tasklint.toml", "task-functions = [\"framework.spawn\"]\n"),
        ("a/app.py", APP),
        (
            "b/tasklint.toml",
            "coroutine-functions = [\"framework.fetch\"]\n",
        ),
        ("b/app.py", APP),
    ]);
    assert_eq!(
        findings_by_file(dir.path(), &[]),
        [
            "a/app.py:11 TL001",
            "a/app.py:15 TL003",
            "b/app.py:11 TL001",
            "b/app.py:15 TL003"
        ]
    );
}

#[test]
fn config_names_one_file_for_every_file() {
    let dir = project(&[
        ("tasklint.toml", "select = [\"TL001\"]\n"),
        ("service/tasklint.toml", "select = [\"TL003\"]\n"),
        ("service/app.py", TWO_FINDINGS),
        (
            "ci/strict.toml",
            "select = [\"TL00\"]\nignore = [\"TL001\"]\n",
        ),
        (
            "ci/pyproject.toml",
            "[tool.tasklint]\nselect = [\"TL001\"]\n",
        ),
    ]);
    assert_eq!(
        findings_by_file(dir.path(), &["--config", "ci/strict.toml"]),
        ["service/app.py:6 TL003"]
    );
    assert_eq!(
        findings_by_file(dir.path(), &["--config", "ci/pyproject.toml"]),
        ["service/app.py:5 TL001"]
    );
    assert_eq!(
        config_json(
            dir.path(),
            "service/app.py",
            &["--config", "ci/strict.toml"]
        )["file"],
        "ci/strict.toml"
    );
}

#[test]
fn isolated_ignores_every_configuration() {
    let dir = project(&[
        ("tasklint.toml", "select = [\"TL003\"]\nnot-a-key = 1\n"),
        ("app.py", TWO_FINDINGS),
    ]);
    assert_eq!(
        findings_by_file(dir.path(), &["--isolated"]),
        ["app.py:5 TL001", "app.py:6 TL003"]
    );
    assert_eq!(
        config_json(dir.path(), "app.py", &["--isolated"])["file"],
        serde_json::Value::Null
    );
}

#[test]
fn the_command_line_goes_over_the_configuration() {
    let config = "select = [\"TL001\"]\nextend-select = [\"TL003\"]\n";
    let dir = project(&[("tasklint.toml", config), ("app.py", TWO_FINDINGS)]);
    assert_eq!(
        findings_by_file(dir.path(), &[]),
        ["app.py:5 TL001", "app.py:6 TL003"]
    );
    // --select replaces `select` and `extend-select`.
    assert_eq!(
        findings_by_file(dir.path(), &["--select", "TL003"]),
        ["app.py:6 TL003"]
    );
    // --ignore applies after the configured selection, even to a more specific selector.
    assert_eq!(
        findings_by_file(dir.path(), &["--ignore", "TL"]),
        Vec::<String>::new()
    );
}

#[test]
fn select_ignore_and_extend_select_choose_the_rules() {
    let dir = project(&[("app.py", TWO_FINDINGS)]);
    let with = |config: &str| {
        fs::write(dir.path().join("tasklint.toml"), config).expect("write file");
        findings_by_file(dir.path(), &[])
    };
    assert_eq!(
        with("select = [\"unawaited-coroutine\"]\n"),
        ["app.py:6 TL003"]
    );
    assert_eq!(with("ignore = [\"TL003\"]\n"), ["app.py:5 TL001"]);
    assert_eq!(with("select = []\n"), Vec::<String>::new());
    assert_eq!(
        with("select = [\"TL003\"]\nextend-select = [\"TL001\"]\n"),
        ["app.py:5 TL001", "app.py:6 TL003"]
    );
    // TL005 is off by default; extend-select turns it on next to the defaults.
    let rules_that_run = || -> Vec<String> {
        let rules = config_json(dir.path(), "app.py", &[])["rules"].clone();
        let rules = rules.as_array().cloned().unwrap_or_default();
        rules
            .iter()
            .map(|rule| rule["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    with("");
    assert_eq!(
        rules_that_run(),
        ["TL000", "TL001", "TL002", "TL003", "TL004"]
    );
    with("extend-select = [\"TL005\"]\n");
    assert_eq!(
        rules_that_run(),
        ["TL000", "TL001", "TL002", "TL003", "TL004", "TL005"]
    );
}

#[test]
fn per_file_ignores_globs_are_relative_to_the_configuration() {
    let config = "\
[per-file-ignores]
\"tests/**\" = [\"TL001\"]
\"test_*.py\" = [\"TL003\"]
";
    let dir = project(&[
        ("service/tasklint.toml", config),
        ("service/tests/app.py", TWO_FINDINGS),
        ("service/test_app.py", TWO_FINDINGS),
        ("service/deep/test_app.py", TWO_FINDINGS),
        ("service/app.py", TWO_FINDINGS),
        // `tests/**` is anchored at the configuration's folder.
        ("tests/app.py", TWO_FINDINGS),
    ]);
    assert_eq!(
        findings_by_file(dir.path(), &[]),
        [
            "service/app.py:5 TL001",
            "service/app.py:6 TL003",
            "service/deep/test_app.py:5 TL001",
            "service/test_app.py:5 TL001",
            "service/tests/app.py:6 TL003",
            "tests/app.py:5 TL001",
            "tests/app.py:6 TL003",
        ]
    );
}

#[test]
fn exclude_replaces_the_default_folders_and_extend_exclude_adds_to_them() {
    let dir = project(&[
        ("app.py", TWO_FINDINGS),
        ("gen/app.py", TWO_FINDINGS),
        ("venv/app.py", TWO_FINDINGS),
    ]);
    let with = |config: &str| {
        fs::write(dir.path().join("tasklint.toml"), config).expect("write file");
        let mut files = findings_by_file(dir.path(), &["--select", "TL001"]);
        files
            .iter_mut()
            .for_each(|finding| finding.truncate(finding.find(':').unwrap_or(0)));
        files
    };
    assert_eq!(with(""), ["app.py", "gen/app.py"]);
    assert_eq!(with("extend-exclude = [\"gen/\"]\n"), ["app.py"]);
    assert_eq!(with("exclude = [\"gen/\"]\n"), ["app.py", "venv/app.py"]);
    assert_eq!(
        with("exclude = []\nextend-exclude = [\"/app.py\"]\n"),
        ["gen/app.py", "venv/app.py"]
    );
    // A file named on the command line is linted anyway.
    fs::write(dir.path().join("tasklint.toml"), "exclude = [\"gen/\"]\n").expect("write file");
    assert_eq!(
        findings_by_file(dir.path(), &["gen/app.py", "--select", "TL001"]),
        ["gen/app.py:5 TL001"]
    );
}

#[test]
fn respect_gitignore_false_walks_ignored_files() {
    let dir = project(&[
        (".gitignore", "build/\n"),
        ("app.py", TWO_FINDINGS),
        ("build/app.py", TWO_FINDINGS),
        ("tasklint.toml", "select = [\"TL001\"]\n"),
    ]);
    assert_eq!(findings_by_file(dir.path(), &[]), ["app.py:5 TL001"]);
    fs::write(
        dir.path().join("tasklint.toml"),
        "select = [\"TL001\"]\nrespect-gitignore = false\n",
    )
    .expect("write file");
    assert_eq!(
        findings_by_file(dir.path(), &[]),
        ["app.py:5 TL001", "build/app.py:5 TL001"]
    );
}

#[test]
fn no_ignore_and_exclude_go_over_the_walk_settings_of_the_configuration() {
    let dir = project(&[
        (".gitignore", "build/\n"),
        ("app.py", TWO_FINDINGS),
        ("build/app.py", TWO_FINDINGS),
        ("venv/app.py", TWO_FINDINGS),
        ("gen/app.py", TWO_FINDINGS),
        (
            "tasklint.toml",
            "select = [\"TL001\"]\nrespect-gitignore = true\nextend-exclude = [\"gen/\"]\n",
        ),
    ]);
    assert_eq!(findings_by_file(dir.path(), &[]), ["app.py:5 TL001"]);
    // --no-ignore walks what .gitignore and the default folders skip; the globs still apply.
    assert_eq!(
        findings_by_file(dir.path(), &["--no-ignore"]),
        [
            "app.py:5 TL001",
            "build/app.py:5 TL001",
            "venv/app.py:5 TL001"
        ]
    );
    // --exclude adds to the configured globs.
    assert_eq!(
        findings_by_file(dir.path(), &["--no-ignore", "--exclude", "venv/"]),
        ["app.py:5 TL001", "build/app.py:5 TL001"]
    );
}

#[test]
fn severity_is_shown_in_every_format() {
    let config = "[severity]\nTL = \"warning\"\nunawaited-coroutine = \"error\"\n";
    let dir = project(&[("tasklint.toml", config), ("app.py", TWO_FINDINGS)]);
    let run = |format: &str| stdout(&tasklint(dir.path(), &["check", "--format", format]));
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("JSON");
    let levels: Vec<(&str, &str)> = json
        .as_array()
        .expect("a list")
        .iter()
        .map(|finding| {
            (
                finding["code"].as_str().unwrap_or_default(),
                finding["severity"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(levels, [("TL001", "warning"), ("TL003", "error")]);
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("SARIF");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let levels: Vec<&str> = results
        .iter()
        .map(|result| result["level"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(levels, ["warning", "error"]);
    let github = run("github");
    assert!(
        github.starts_with("::warning file=app.py,line=5,"),
        "{github}"
    );
    assert!(github.contains("\n::error file=app.py,line=6,"), "{github}");
    let human = run("human");
    assert!(human.contains("warning[TL001]"), "{human}");
    assert!(human.contains("error[TL003]"), "{human}");
}

/// The first line tasklint prints on stderr for `check` in a project with `files`, which must
/// be its only line, with exit status 2 and nothing on stdout.
fn the_error(files: &[(&str, &str)], args: &[&str]) -> String {
    let mut all_files = vec![("app.py", TWO_FINDINGS)];
    all_files.extend_from_slice(files);
    let dir = project(&all_files);
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let output = tasklint(dir.path(), &all);
    let stderr = stderr(&output);
    assert_eq!(code(&output), 2, "{files:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{files:?}: {stderr}");
    assert!(stdout(&output).is_empty(), "{files:?}");
    stderr.replace('\\', "/")
}

#[test]
fn every_error_names_the_file_and_the_line() {
    let cases: &[(&str, &str)] = &[
        (
            "tasklint.toml",
            "select = [\"TL001\"]\nextend-selct = [\"TL005\"]\n",
        ),
        ("tasklint.toml", "\n\nrespect_gitignore = false\n"),
        ("tasklint.toml", "colour = \"always\"\n"),
        ("pyproject.toml", "[tool.tasklint]\ntask-function = []\n"),
        ("tasklint.toml", "\ntask-functions = \"framework.spawn\"\n"),
        ("tasklint.toml", "select = [\n  \"TL001\",\n  3,\n]\n"),
        ("tasklint.toml", "respect-gitignore = \"yes\"\n"),
        ("tasklint.toml", "per-file-ignores = [\"tests/\"]\n"),
        ("tasklint.toml", "ignore = [\"TL001\", \"TL009\"]\n"),
        (
            "tasklint.toml",
            "[per-file-ignores]\n\"tests/*\" = [\"E501\"]\n",
        ),
        ("tasklint.toml", "[severity]\nTL001 = \"fatal\"\n"),
        ("tasklint.toml", "[severity]\nTL042 = \"error\"\n"),
        ("tasklint.toml", "exclude = [\"gen/[a-\"]\n"),
        ("tasklint.toml", "select = [\"TL001\"\n"),
        (".tasklint.toml", "[tool\nselect = 1\n"),
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\n\n[package.metadata.tasklint]\nselect = \"TL001\"\n",
        ),
        ("sub/tasklint.toml", "selct = []\n"),
    ];
    let mut messages = String::new();
    for (name, text) in cases {
        messages.push_str(&the_error(&[(name, text)], &[]));
    }
    let missing = the_error(&[], &["--config", "missing.toml"]);
    messages.push_str(&missing);
    let no_table = the_error(
        &[("ci/pyproject.toml", "[project]\nname = \"app\"\n")],
        &["--config", "ci/pyproject.toml"],
    );
    messages.push_str(&no_table);
    insta::assert_snapshot!(messages);
}

#[test]
fn tasklint_config_prints_every_key_and_where_it_comes_from() {
    let config = "\
select = [\"TL00\"]
ignore = [\"TL004\"]
per-file-ignores = { \"tests/**\" = [\"TL003\"] }
extend-exclude = [\"gen/\"]
severity = { TL001 = \"warning\" }
task-functions = [\"framework.spawn\"]
";
    let dir = project(&[
        (
            "service/pyproject.toml",
            &format!("[tool.tasklint]\n{config}"),
        ),
        ("service/tests/test_app.py", TWO_FINDINGS),
    ]);
    let output = tasklint(dir.path(), &["config", "service/tests/test_app.py"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!("config_text", stdout(&output).replace('\\', "/"));
    let output = tasklint(dir.path(), &["config", "."]);
    insta::assert_snapshot!("config_defaults", stdout(&output));
    let json = config_json(dir.path(), "service/tests/test_app.py", &[]);
    let json = serde_json::to_string_pretty(&json)
        .expect("JSON")
        .replace('\\', "/");
    insta::assert_snapshot!("config_json", json);
}

#[test]
fn tasklint_config_reports_a_bad_configuration_or_path() {
    let dir = project(&[("tasklint.toml", "select = 1\n")]);
    let output = tasklint(dir.path(), &["config"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "tasklint: invalid configuration in `tasklint.toml` (line 1): `select` must be a list of strings, not an integer\n"
    );
    let output = tasklint(dir.path(), &["config", "nowhere.py", "--isolated"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).starts_with("tasklint: cannot read `nowhere.py`: "));
}
