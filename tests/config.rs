//! The configuration file end to end: `tasklint.toml` (or `[tool.tasklint]` in `pyproject.toml`),
//! found from the first path to lint, names what the project index cannot see: external task
//! functions, coroutine functions, and functions that always or never suspend. A malformed file
//! is one line on stderr naming the file, and exit status 2.

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

/// The `(line, code)` of each finding of `check --format concise` in `dir`, run with `args`.
fn findings(dir: &Path, args: &[&str]) -> Vec<(usize, String)> {
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
            let mut parts = line.split(':');
            let (_, line, _, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            let code = rest.split_whitespace().next()?;
            Some((line.parse().ok()?, code.to_owned()))
        })
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

#[test]
fn unknown_keys_are_errors() {
    let dir = project(&[
        ("app.py", APP),
        ("pyproject.toml", "[tool.tasklint]\ntask-function = []\n"),
    ]);
    let output = tasklint(dir.path(), &["check", "app.py"]);
    assert_eq!(code(&output), 2);
    let stderr = stderr(&output);
    assert!(
        stderr.starts_with("tasklint: invalid configuration in `pyproject.toml` (line 2): unknown field `task-function`"),
        "{stderr}"
    );
}
