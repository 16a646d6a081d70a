//! `check --fix`, `--unsafe-fixes` and `--diff` end to end: each fix kind of both languages
//! before and after (insta snapshots of the fixed file), line endings, byte-order marks and
//! encodings kept, `--diff` writing nothing, a second run changing nothing, and what is
//! reported after fixing.

use std::fs;

mod common;
use common::{code, project, stderr, stdout, tasklint};

/// The flags that apply every fix.
const UNSAFE: &[&str] = &["--fix", "--unsafe-fixes"];

/// Fixes `file` in a project of its own with `flags`, checks that a second run changes nothing
/// more, and returns the fixed text and the first run's stderr.
fn fixed(file: &str, before: &str, flags: &[&str]) -> (String, String) {
    let dir = project(&[(file, before)]);
    let args = [&["check", "--format", "concise", file], flags].concat();
    let first = tasklint(dir.path(), &args);
    assert_ne!(code(&first), 2, "{}", stderr(&first));
    let after = fs::read_to_string(dir.path().join(file)).expect("read the fixed file");
    let second = tasklint(dir.path(), &args);
    let again = fs::read_to_string(dir.path().join(file)).expect("read the file again");
    assert_eq!(again, after, "a second run changed the file");
    assert!(
        !stderr(&second).contains("fixed"),
        "a second run fixed more: {}",
        stderr(&second)
    );
    assert_eq!(
        stdout(&second),
        stdout(&first),
        "the remaining findings differ"
    );
    (after, stderr(&first))
}

/// Fixes `file` as [`fixed`] does, checks that `count` fixes went in, and returns the before
/// and after texts for a snapshot that shows both.
fn before_after(file: &str, before: &str, flags: &[&str], count: usize) -> String {
    let (after, stderr) = fixed(file, before, flags);
    let fixes = format!("fixed {count} findings in 1 file");
    assert!(stderr.contains(&fixes), "{stderr}");
    format!("---- before\n{before}---- after\n{after}")
}

const PYTHON_AWAIT: &str = "\
import asyncio


async def save(x):
    await asyncio.sleep(0)


async def handler(items):
    save(1)  # trailing comment
    ok = bool(save(2))
    if save(3) and not save(4):
        pass
    _ = save(5)
    unused = save(6)
    both = [x for x in items if save(7)]
    lazy = list(x for x in items if save(8))
    callback = lambda: save(9)

    async def nested():
        save(10)

    def plain():
        save(11)

    return ok, both, lazy, callback, nested, plain
";

#[test]
fn python_await_is_added_inside_async_functions_only() {
    insta::assert_snapshot!(before_after("app.py", PYTHON_AWAIT, &["--fix"], 8));
}

const PYTHON_KEEP: &str = "\
\"\"\"Background work.\"\"\"
import asyncio
from app.jobs import refresh

TASKS = {}


async def work(n):
    await asyncio.sleep(n)


class Service:
    async def start(self, task):
        if task:
            asyncio.create_task(work(task))  # fire and forget
        asyncio.ensure_future(
            work(2)
        )
        print(task)


async def main(_background_tasks):
    asyncio.create_task(work(3)); print(\"not alone on its line\")
    print(asyncio.create_task(work(4)))
    await refresh()
";

#[test]
fn python_tasks_are_kept_in_a_module_set_with_unsafe_fixes() {
    insta::assert_snapshot!(before_after("app.py", PYTHON_KEEP, UNSAFE, 2));
}

#[test]
fn a_module_set_added_by_a_fix_is_reused() {
    let before = "\
import asyncio

_background_tasks = set()


async def main():
    asyncio.create_task(asyncio.sleep(1))
";
    let (after, _) = fixed("app.py", before, UNSAFE);
    assert_eq!(after.matches("= set()").count(), 1, "{after}");
    assert!(
        after.contains("    _background_tasks.add(task)\n"),
        "{after}"
    );
}

#[test]
fn unsafe_fixes_wait_for_the_flag() {
    let (after, stderr) = fixed("app.py", PYTHON_KEEP, &["--fix"]);
    assert_eq!(after, PYTHON_KEEP);
    assert!(!stderr.contains("fixed"), "{stderr}");
}

const RUST: &str = "\
use smol::Executor;

async fn fetch() -> u32 {
    1
}

async fn run(ex: &Executor<'_>, a: u32) -> u32 {
    fetch();
    let _ = fetch();
    let unused = fetch();
    // spawned and dropped at once
    ex.spawn(fetch());
    let x = a; ex.spawn(fetch());
    drop(Some(ex.spawn(fetch())));
    async { a };
    async {
        fetch();
    };
    let reference = &fetch();
    let closure = async move || {
        fetch();
    };
    x
}

fn blocking() {
    fetch();
}
";

#[test]
fn rust_await_and_detach_are_postfixes() {
    insta::assert_snapshot!(before_after("lib.rs", RUST, UNSAFE, 10));
}

#[test]
fn crlf_line_endings_and_the_byte_order_mark_are_kept() {
    let before = format!("\u{feff}{}", PYTHON_KEEP.replace('\n', "\r\n"));
    let (after, _) = fixed("app.py", &before, UNSAFE);
    assert!(after.starts_with('\u{feff}'), "the byte-order mark is gone");
    assert_eq!(after.matches('\n').count(), after.matches("\r\n").count());
    let (lf_after, _) = fixed("app.py", PYTHON_KEEP, UNSAFE);
    assert_eq!(after, format!("\u{feff}{}", lf_after.replace('\n', "\r\n")));
}

#[test]
fn a_latin_1_module_stays_latin_1() {
    let before = "# -*- coding: latin-1 -*-\nasync def f():\n    g('caf\u{e9}')\n\nasync def g(x):\n    pass\n";
    let bytes: Vec<u8> = before.chars().map(|c| c as u8).collect();
    let dir = project(&[]);
    let path = dir.path().join("app.py");
    fs::write(&path, &bytes).expect("write");
    let output = tasklint(dir.path(), &["check", "--fix", "app.py"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let after: String = fs::read(&path)
        .expect("read")
        .iter()
        .map(|&byte| char::from(byte))
        .collect();
    assert_eq!(after, before.replace("    g(", "    await g("));
}

#[test]
fn diff_prints_the_change_and_writes_nothing() {
    let dir = project(&[("app.py", PYTHON_AWAIT)]);
    let output = tasklint(dir.path(), &["check", "--diff", "app.py"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        PYTHON_AWAIT
    );
    assert!(
        stderr(&output).contains("would fix 8 findings in 1 file"),
        "{}",
        stderr(&output)
    );
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn diff_exits_with_0_when_nothing_would_change() {
    let dir = project(&[("app.py", PYTHON_KEEP)]);
    let output = tasklint(dir.path(), &["check", "--diff", "app.py"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

#[test]
fn the_findings_after_fixing_are_the_remaining_ones() {
    let dir = project(&[("app.py", PYTHON_AWAIT)]);
    let output = tasklint(dir.path(), &["check", "--fix", "--format", "concise"]);
    assert_eq!(code(&output), 1);
    let remaining = stdout(&output);
    // save(8) in a generator and save(11) in a plain def have no fix (the lambda returning
    // save(9) is not reported).
    assert_eq!(remaining.lines().count(), 2, "{remaining}");
    for line in ["app.py:16:", "app.py:23:"] {
        assert!(remaining.contains(line), "{line} is not in {remaining}");
    }
}

#[test]
fn fixable_findings_are_marked_and_counted() {
    let dir = project(&[("app.py", PYTHON_KEEP), ("await.py", PYTHON_AWAIT)]);
    let concise = tasklint(dir.path(), &["check", "--format", "concise"]);
    let marked = stdout(&concise).matches("[*]").count();
    assert_eq!(marked, 8, "{}", stdout(&concise));
    let human = stdout(&tasklint(dir.path(), &["check"]));
    assert!(
        human.contains("[*] 8 fixable with --fix; 2 more with --fix --unsafe-fixes."),
        "{human}"
    );
    assert!(
        human.contains("= fix: add `await` (safe: --fix)"),
        "{human}"
    );
    let shown = stdout(&tasklint(dir.path(), &["check", "--unsafe-fixes"]));
    assert!(
        shown.contains("[*] 10 fixable with --fix --unsafe-fixes."),
        "{shown}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        PYTHON_KEEP,
        "--unsafe-fixes alone writes nothing"
    );
}

#[test]
fn json_findings_carry_their_fix() {
    let dir = project(&[("lib.rs", RUST)]);
    let output = tasklint(dir.path(), &["check", "--format", "json", "lib.rs"]);
    let findings: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let first = &findings[0];
    assert_eq!(first["code"], "TL003");
    assert_eq!(
        first["fix"],
        serde_json::json!({
            "title": "add `.await`",
            "applicability": "safe",
            "edits": [{"content": ".await", "line": 8, "column": 12, "end_line": 8, "end_column": 12}]
        })
    );
    let detach = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["code"] == "TL001")
        .expect("a TL001 finding");
    assert_eq!(detach["fix"]["applicability"], "unsafe");
}

#[test]
fn fixes_are_written_atomically_next_to_the_file() {
    let dir = project(&[("pkg/app.py", PYTHON_AWAIT)]);
    let output = tasklint(dir.path(), &["check", "--fix", "pkg"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let names: Vec<String> = fs::read_dir(dir.path().join("pkg"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["app.py"], "a temporary file was left behind");
}

#[test]
fn a_module_set_is_not_reused_where_a_local_hides_it() {
    let before = "\
import asyncio

_background_tasks = set()


async def main(_background_tasks):
    asyncio.create_task(asyncio.sleep(1))
";
    let (after, _) = fixed("app.py", before, UNSAFE);
    assert!(after.contains("_background_tasks_2 = set()\n"), "{after}");
    assert!(
        after.contains("    _background_tasks_2.add(task)\n"),
        "{after}"
    );
}
