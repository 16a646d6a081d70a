//! The reference runtime end to end (`tasklint run`): fidelity with CPython on the programs of
//! `fixtures/runtime/`, and each task-lifetime bug made visible at its line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{code, project, stderr, stdout, tasklint};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runtime")
}

fn tasklint_run(args: &[&str], program: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tasklint"))
        .arg("run")
        .args(args)
        .arg(program)
        .stdin(Stdio::null())
        .output()
        .expect("the tasklint binary runs")
}

/// `python3 PROGRAM`, or `None` when there is no `python3` to compare with.
fn cpython(program: &Path) -> Option<Output> {
    Command::new("python3")
        .arg(program)
        .stdin(Stdio::null())
        .output()
        .ok()
}

fn python_programs(dir: &Path) -> Vec<PathBuf> {
    let mut programs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the fixture folder exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "py"))
        .collect();
    programs.sort();
    programs
}

/// How many times CPython runs a program before its output counts as differing: CPython's timers
/// run on the real clock, so on a loaded machine a stall between two `sleep` calls can reorder
/// timers a few milliseconds apart. tasklint's virtual clock has no such noise; its output must
/// equal one of CPython's runs exactly.
const CPYTHON_ATTEMPTS: usize = 3;

/// Runs `program` under CPython and under `tasklint run` with `args`: same stdout, and the
/// same success or failure.
fn same_as_cpython(program: &Path, args: &[&str]) -> Result<(), String> {
    let actual = tasklint_run(args, program);
    let mut attempts = (0..CPYTHON_ATTEMPTS).map_while(|_| cpython(program));
    let Some(mut expected) = attempts.next() else {
        return Ok(());
    };
    if stdout(&expected) != stdout(&actual) {
        if let Some(rerun) = attempts.find(|rerun| stdout(rerun) == stdout(&actual)) {
            expected = rerun;
        }
    }
    if stdout(&expected) != stdout(&actual) {
        return Err(format!(
            "{}: stdout differs\n--- python3\n{}--- tasklint run {}\n{}--- tasklint stderr\n{}",
            program.display(),
            stdout(&expected),
            args.join(" "),
            stdout(&actual),
            stderr(&actual)
        ));
    }
    let tasklint_ran = matches!(code(&actual), 0 | 1);
    if expected.status.success() != tasklint_ran {
        return Err(format!(
            "{}: python3 exited with {:?}, tasklint run with {}\n{}",
            program.display(),
            expected.status.code(),
            code(&actual),
            stderr(&actual)
        ));
    }
    Ok(())
}

fn python_is_missing() -> bool {
    if Command::new("python3").arg("--version").output().is_ok() {
        return false;
    }
    eprintln!("SKIPPED: python3 is not installed, so the runtime is not compared with CPython");
    true
}

#[test]
fn every_runtime_fixture_prints_what_cpython_prints_in_strong_mode() {
    let mut programs = python_programs(&fixtures());
    // The lifetime programs too, but not those whose CPython output depends on its collector.
    programs.extend(
        python_programs(&fixtures().join("lifetime"))
            .into_iter()
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("cpython_"))
            }),
    );
    assert!(programs.len() >= 40, "{} programs", programs.len());
    if python_is_missing() {
        return;
    }
    let failures: Vec<String> = programs
        .iter()
        .filter_map(|program| same_as_cpython(program, &["--gc", "strong"]).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The events of a run in weak mode (the default), from its JSON report.
fn events(program: &str, args: &[&str]) -> (Output, Vec<Value>, Value) {
    let dir = TempDir::new().expect("a temporary folder");
    let report = dir.path().join("report.json");
    let report_arg = report.to_str().expect("a UTF-8 path");
    let mut all_args = vec!["--report", report_arg];
    all_args.extend_from_slice(args);
    let output = tasklint_run(&all_args, &fixtures().join("lifetime").join(program));
    let text = std::fs::read_to_string(&report).expect("the report is written");
    let json: Value = serde_json::from_str(&text).expect("the report is JSON");
    let events = json["events"].as_array().cloned().unwrap_or_default();
    (output, events, json["tasks"].clone())
}

fn event_at(event: &Value) -> (String, String, u64, u64) {
    (
        event["kind"].as_str().unwrap_or_default().to_owned(),
        event["rule"].as_str().unwrap_or_default().to_owned(),
        event["line"].as_u64().unwrap_or_default(),
        event["column"].as_u64().unwrap_or_default(),
    )
}

#[test]
fn dropping_the_last_handle_destroys_a_pending_task_in_weak_mode() {
    let (output, events, tasks) = events("tl001_dropped_task.py", &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let found: Vec<_> = events.iter().map(event_at).collect();
    assert_eq!(
        found,
        [(
            "task-destroyed-pending".to_owned(),
            "TL001".to_owned(),
            13,
            5
        )]
    );
    assert_eq!(events[0]["task"], "Task-2");
    assert_eq!(tasks["destroyed_pending"], 1);
    // The task never ran: its output is missing, the rest of the program goes on.
    assert_eq!(stdout(&output), "main done\n");
    assert!(
        stderr(&output).contains("tl001_dropped_task.py:13:5: TL001 task destroyed while pending"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_task_kept_in_a_set_runs_to_its_end_in_weak_mode() {
    let (output, events, tasks) = events("tl001_clean.py", &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(tasks["destroyed_pending"], 0);
    assert_eq!(
        stdout(&output),
        "sent ada\nemail task finished for ada\nmain done\n"
    );
}

#[test]
fn tasks_whose_handle_is_rebound_in_a_loop_are_destroyed_with_tl002() {
    let (output, events, _) = events("tl002_loop_rebound.py", &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let found: Vec<_> = events.iter().map(event_at).collect();
    let expected = (
        "task-destroyed-pending".to_owned(),
        "TL002".to_owned(),
        11,
        16,
    );
    assert_eq!(found, [expected.clone(), expected]);
    // The last task is still referenced by the loop variable and completes.
    assert_eq!(stdout(&output), "job 2 done\nmain done True\n");
}

#[test]
fn tasks_appended_to_a_list_in_a_loop_all_complete() {
    let (output, events, tasks) = events("tl002_clean.py", &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(tasks["created"], 4);
    assert_eq!(tasks["completed"], 4);
}

#[test]
fn a_coroutine_that_is_never_awaited_is_reported_at_its_call_with_tl003() {
    let (output, events, _) = events("tl003_never_awaited.py", &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let found: Vec<_> = events.iter().map(event_at).collect();
    assert_eq!(
        found,
        [(
            "coroutine-never-awaited".to_owned(),
            "TL003".to_owned(),
            9,
            5
        )]
    );
    assert_eq!(events[0]["task"], "audit");
    assert_eq!(stdout(&output), "main done\n");
}

#[test]
fn an_awaited_coroutine_is_not_reported() {
    let (output, events, _) = events("tl003_clean.py", &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn a_loop_of_inline_awaits_starves_the_ready_tasks_with_tl004_at_the_loop() {
    let (output, events, _) = events("tl004_starvation.py", &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let found: Vec<_> = events.iter().map(event_at).collect();
    assert_eq!(
        found,
        [("starvation".to_owned(), "TL004".to_owned(), 19, 5)]
    );
    assert_eq!(stdout(&output), "gave up after 3001 spins\nmade ready\n");
}

#[test]
fn a_loop_that_sleeps_zero_does_not_starve() {
    let (output, events, _) = events("tl004_clean.py", &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn starvation_threshold_follows_starve_after() {
    let (output, events, _) = events("tl004_clean.py", &["--starve-after", "0"]);
    // One inline await while the setter is ready is already more than zero.
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(events.len(), 1, "{events:?}");
}

#[test]
fn in_cpython_mode_a_dropped_task_on_a_private_future_is_destroyed_and_a_sleeping_one_survives() {
    let program = fixtures().join("lifetime/cpython_private_future_vs_sleep.py");
    let (output, events, tasks) =
        events("cpython_private_future_vs_sleep.py", &["--gc", "cpython"]);
    let found: Vec<_> = events.iter().map(event_at).collect();
    assert_eq!(
        found,
        [(
            "task-destroyed-pending".to_owned(),
            "TL001".to_owned(),
            24,
            5
        )]
    );
    assert_eq!(events[0]["task"], "Task-2");
    assert_eq!(tasks["destroyed_pending"], 1);
    assert!(stdout(&output).contains("sleeper woke up\n"));
    // CPython's collector finds the same garbage at `gc.collect()`: same output.
    if !python_is_missing() {
        if let Err(diff) = same_as_cpython(&program, &["--gc", "cpython"]) {
            panic!("{diff}");
        }
    }
}

#[test]
fn in_strong_mode_every_task_completes() {
    let (output, events, tasks) = events("tl001_dropped_task.py", &["--gc", "strong"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(tasks["completed"], 2);
}

fn run_source(source: &str) -> Output {
    run_source_with(&[], source)
}

/// `tasklint run ARGS program.py` for a program with `source`.
fn run_source_with(args: &[&str], source: &str) -> Output {
    let dir = TempDir::new().expect("a temporary folder");
    let program = dir.path().join("program.py");
    std::fs::write(&program, source).expect("the program is written");
    tasklint_run(args, &program)
}

#[test]
fn a_construct_outside_the_subset_stops_the_run_with_its_position() {
    let output = run_source("x = 1\nmatch x:\n    case 1:\n        pass\n");
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("unsupported: `match` at ")
            && stderr(&output).contains("program.py:2:1"),
        "{}",
        stderr(&output)
    );
    let output = run_source("import os\nprint('never')\n");
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("unsupported: the module `os` at "),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
}

#[test]
fn leaving_async_for_while_the_generator_has_clean_up_pending_is_unsupported_not_wrong() {
    let source = "\
import asyncio


async def numbers():
    try:
        for i in range(5):
            yield i
    finally:
        print('cleanup')


async def main():
    async for i in numbers():
        if i == 1:
            break


asyncio.run(main())
";
    let output = run_source(source);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains(
            "unsupported: leaving `async for` early while its async generator is suspended \
             inside `try` or `with` at "
        ) && stderr(&output).contains("program.py:15:13"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_uncaught_exception_prints_a_traceback_and_exits_with_3() {
    let output = run_source("def f():\n    raise ValueError('bad')\n\nprint('before')\nf()\n");
    assert_eq!(code(&output), 3);
    assert_eq!(stdout(&output), "before\n");
    let err = stderr(&output);
    assert!(err.contains("Traceback (most recent call last):"), "{err}");
    assert!(
        err.contains("line 5, in <module>") && err.contains("line 2, in f"),
        "{err}"
    );
    assert!(err.contains("ValueError: bad"), "{err}");
}

#[test]
fn deep_recursion_is_a_recursion_error_not_a_crash() {
    let output = run_source("def f(n):\n    return f(n + 1)\n\nf(0)\n");
    assert_eq!(code(&output), 3);
    assert!(stderr(&output).contains("RecursionError: maximum recursion depth exceeded"));
}

/// Asserts that a limit stopped the run: exit `expected`, and stderr ending with `message`.
fn assert_stopped(output: &Output, expected: i32, message: &str) {
    let err = stderr(output);
    assert_eq!(code(output), expected, "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("tasklint: the program was stopped {message}"),
        "{err}"
    );
}

/// The end of the message of `--max-memory MIB`.
fn memory_limit(mib: u64) -> String {
    format!("holding more than {mib} MiB (--max-memory); raise the limit with --max-memory MIB")
}

#[test]
fn ranges_near_the_ends_of_the_integers_do_not_overflow() {
    let source = "\
r = range(-9223372036854775807, 9223372036854775807, 3)
print(r[5], r[-1], 9223372036854775806 in r, -9223372036854775807 in r, 0 in r, bool(r))
print(list(range(-9223372036854775807 - 1, 9223372036854775807, 4611686018427387904)))
";
    let output = run_source(source);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "-9223372036854775792 9223372036854775805 False True False True\n\
         [-9223372036854775808, -4611686018427387904, 0, 4611686018427387904]\n"
    );
}

#[test]
fn a_container_that_contains_itself_prints_as_in_cpython() {
    let source = "\
a = [1]
a.append(a)
d = {}
d['k'] = d
print(a, d, (a,))
x = []
for i in range(5000):
    x = [x]
try:
    print(x)
except RecursionError as e:
    print('RecursionError:', e)
";
    let output = run_source(source);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "[1, [...]] {'k': {...}} ([1, [...]],)\n\
         RecursionError: maximum recursion depth exceeded while getting the repr of an object\n"
    );
}

#[test]
fn an_exception_that_is_its_own_cause_is_printed_once() {
    let output = run_source("e = ValueError('a')\ne.__cause__ = e\nraise e\n");
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(
        err.matches("Traceback (most recent call last):").count(),
        1,
        "{err}"
    );
    assert!(err.contains("ValueError: a\n"), "{err}");
}

#[test]
fn enumerate_past_the_largest_integer_is_unsupported_rather_than_wrong() {
    let source = "print(list(enumerate([1], start=9223372036854775807)))\n\
                  print(list(enumerate([1, 2], start=9223372036854775807)))\n";
    let output = run_source(source);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_eq!(stdout(&output), "[(9223372036854775807, 1)]\n");
    assert!(
        stderr(&output).contains("unsupported: big integers at "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn containers_that_contain_themselves_compare_to_a_recursion_error() {
    let source = "\
a = [1]
a.append(a)
b = [1]
b.append(b)
d = {}
d['k'] = d
e = {}
e['k'] = e
for compare in [lambda: a == b, lambda: a < b, lambda: d == e]:
    try:
        print(compare())
    except RecursionError as error:
        print('RecursionError:', error)
print(a == a, [[1]] == [[1]], [[1]] < [[2]])
";
    let output = run_source(source);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "RecursionError: maximum recursion depth exceeded in comparison\n".repeat(3)
            + "True True True\n"
    );
}

#[test]
fn data_nested_millions_deep_is_freed_without_overflowing_the_stack() {
    let source = "\
class Node:
    pass


def wrap(value):
    return lambda: value


x = []
for _ in range(3_000_000):
    x = [x]
x = None
print('list freed')
for _ in range(300_000):
    node = Node()
    node.next = {'k': (wrap([x]),)}
    x = node
x = None
print('chain freed')
";
    let output = run_source(source);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "list freed\nchain freed\n");
}

#[test]
fn generators_and_iterators_chained_a_million_deep_are_freed_without_overflowing_the_stack() {
    let source = "\
x = iter([])
for _ in range(1_000_000):
    x = (y for y in x)
x = None
print('generators freed')
for _ in range(1_000_000):
    x = map(abs, [x])
x = None
print('iterators freed')
";
    let output = run_source(source);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "generators freed\niterators freed\n");
}

#[test]
fn a_tuple_nested_too_deeply_to_hash_raises_a_recursion_error() {
    let source = "\
t = ()
u = ()
for _ in range(300_000):
    t = (t,)
    u = (u,)
for use in [lambda: {t}, lambda: {t: 1}, lambda: t in {}, lambda: t == u, lambda: repr(t)]:
    try:
        use()
    except RecursionError as error:
        print('RecursionError:', error)
print(t == t, t in [t], {(1, (2, (3,))): 4})
";
    let output = run_source(source);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "RecursionError: maximum recursion depth exceeded while hashing a tuple\n".repeat(3)
            + "RecursionError: maximum recursion depth exceeded in comparison\n"
            + "RecursionError: maximum recursion depth exceeded while getting the repr of an object\n"
            + "True True {(1, (2, (3,))): 4}\n"
    );
}

#[test]
fn a_program_nested_too_deeply_cannot_run_and_does_not_overflow_the_stack() {
    let deep = format!("x = {}1\nprint(x)\n", "-".repeat(100_000));
    let output = run_source(&deep);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "nested too deeply: more than 20000 levels of statements and expressions at "
        ),
        "{}",
        stderr(&output)
    );
    let nested_as_deeply_as_the_linter_takes = format!("print({}True)\n", "not ".repeat(19_000));
    let output = run_source(&nested_as_deeply_as_the_linter_takes);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "True\n");
}

#[test]
fn a_runaway_program_stops_at_max_steps() {
    let output = run_source_with(&["--max-steps", "10000"], "while True:\n    pass\n");
    let message = "after 10000 steps (--max-steps); raise the limit with --max-steps N";
    assert_stopped(&output, 4, message);
}

#[test]
fn a_limit_stops_the_run_with_its_own_code_after_reporting_the_events_seen() {
    let source = "\
import asyncio

async def work():
    await asyncio.sleep(1)

async def main():
    asyncio.create_task(work())
    await asyncio.sleep(0)
    while True:
        pass

asyncio.run(main())
";
    let output = run_source_with(&["--max-steps", "100000"], source);
    let message = "after 100000 steps (--max-steps); raise the limit with --max-steps N";
    assert_stopped(&output, 4, message);
    assert!(
        stderr(&output).contains(":7:5: TL001 task destroyed while pending"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_program_that_sleeps_forever_stops_at_max_time() {
    let source = "\
import asyncio

async def main():
    while True:
        await asyncio.sleep(10)
        print(asyncio.get_running_loop().time())

asyncio.run(main())
";
    let output = run_source_with(&["--max-time", "50"], source);
    let message =
        "at 50 seconds of virtual time (--max-time); raise the limit with --max-time SECONDS";
    assert_stopped(&output, 5, message);
    assert_eq!(stdout(&output), "10.0\n20.0\n30.0\n40.0\n50.0\n");
}

#[test]
fn a_blocking_sleep_past_max_time_stops_the_program() {
    let output = run_source("import time\n\nwhile True:\n    time.sleep(3600)\n");
    let message =
        "at 86400 seconds of virtual time (--max-time); raise the limit with --max-time SECONDS";
    assert_stopped(&output, 5, message);
}

#[test]
fn max_time_must_be_a_number_of_seconds() {
    for value in ["-1", "nan", "inf"] {
        let output = run_source_with(&[&format!("--max-time={value}")], "pass\n");
        assert_eq!(code(&output), 2);
        assert!(
            stderr(&output).contains(&format!("`{value}` is not a number of seconds (0 or more)")),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn a_huge_list_is_refused_before_it_is_allocated() {
    let output = run_source("print('before')\nx = [0] * 10**9\nprint('after')\n");
    assert_stopped(&output, 6, &memory_limit(1024));
    assert_eq!(stdout(&output), "before\n");
}

#[test]
fn a_list_doubling_in_a_loop_stops_at_max_memory() {
    let source = "x = [0]\nwhile True:\n    x = x + x\n    print(len(x))\n";
    let output = run_source_with(&["--max-memory", "64"], source);
    assert_stopped(&output, 6, &memory_limit(64));
    // The list grew big, but not to 2**22 items (64 MiB of item pointers alone).
    let last: usize = stdout(&output)
        .lines()
        .last()
        .and_then(|line| line.parse().ok())
        .expect("the program printed the list's length");
    assert!((1 << 18..1 << 22).contains(&last), "{last}");
}

#[test]
fn a_list_growing_one_item_at_a_time_stops_at_max_memory() {
    let source = "x = []\nwhile True:\n    x.append('item')\n";
    let output = run_source_with(&["--max-memory", "16"], source);
    assert_stopped(&output, 6, &memory_limit(16));
}

#[test]
fn a_format_width_beyond_max_memory_is_refused() {
    let output = run_source("print(f'{1:99999999999999999999999}')\n");
    assert_stopped(&output, 6, &memory_limit(1024));
}

#[test]
fn a_program_waiting_forever_is_reported_as_a_hang() {
    let output = run_source(
        "import asyncio\n\nasync def main():\n    await asyncio.get_running_loop().create_future()\n\nasyncio.run(main())\n",
    );
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("would wait forever"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn big_integers_are_unsupported_rather_than_wrong() {
    let output = run_source("x = 2 ** 62\nprint(x * 4)\n");
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("unsupported: big integers at "),
        "{}",
        stderr(&output)
    );
}

/// `(rule, line)` of each `# expect: CODE` marker of a fixture.
fn markers(program: &Path) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(program).expect("the fixture is readable");
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some((_, codes)) = line.split_once("# expect:") {
            for code in codes.split(',') {
                found.push((code.trim().to_owned(), index as u64 + 1));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_line_the_linter_flags_in_a_runnable_fixture_is_reproduced_in_weak_mode() {
    for program in python_programs(&fixtures().join("lifetime")) {
        let name = program
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let (_, events, _) = events(&name, &[]);
        let mut reproduced: Vec<(String, u64)> = events
            .iter()
            .map(event_at)
            .filter(|(_, rule, _, _)| rule != "TL004")
            .map(|(_, rule, line, _)| (rule, line))
            .collect();
        reproduced.sort();
        reproduced.dedup();
        assert_eq!(reproduced, markers(&program), "{name}");
    }
}

#[test]
fn an_exception_nobody_retrieves_is_reported_on_stderr_only() {
    let output = run_source(
        "import asyncio\n\nasync def boom():\n    raise ValueError('lost')\n\nasync def main():\n    t = asyncio.create_task(boom())\n    await asyncio.sleep(0.1)\n    print('end')\n\nasyncio.run(main())\n",
    );
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), "end\n");
    let err = stderr(&output);
    assert!(err.contains("Task exception was never retrieved"), "{err}");
    assert!(err.contains("ValueError: lost"), "{err}");
    assert!(err.contains("1 exceptions were never retrieved"), "{err}");
}

#[test]
fn trace_prints_each_iteration_and_what_was_collected_on_stderr_only() {
    let program = fixtures().join("lifetime/tl001_dropped_task.py");
    let output = tasklint_run(&["--trace"], &program);
    assert_eq!(stdout(&output), "main done\n");
    let err = stderr(&output);
    assert!(
        err.contains(
            "trace: iteration 1 (t=0.000): ran step of Task-1; scheduled: 1 ready, 1 timers\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("trace: iteration 2 (t=0.000): ran nothing for destroyed Task-2; scheduled: 0 ready, 1 timers; collected Task-2\n"),
        "{err}"
    );
}

/// A program with one task of each ending the timeline draws in weak mode: `Task-2` completes,
/// `Task-3` is cancelled, `Task-4` is destroyed while pending (its handle is dropped while it
/// waits on an event nobody sets).
const THREE_ENDINGS: &str = "\
import asyncio


async def wait_for(event):
    await event.wait()


async def main():
    done = asyncio.create_task(asyncio.sleep(0.1))
    cancelled = asyncio.create_task(wait_for(asyncio.Event()))
    asyncio.create_task(wait_for(asyncio.Event()))
    await asyncio.sleep(0)
    cancelled.cancel()
    await done
    print('main done')


asyncio.run(main())
";

/// One lane of a timeline SVG: the texts of its label and the legend's words for the colour
/// of its ending.
#[derive(Debug, PartialEq)]
struct TimelineLane {
    name: String,
    site: String,
    ending: Option<String>,
    /// The texts drawn on the lane beyond its label (the rule code of a destroyed task).
    marks: Vec<String>,
}

/// Runs `source` with `--timeline` and reads the lanes back with an XML parser.
fn timeline_lanes(source: &str, args: &[&str]) -> (Output, Vec<TimelineLane>, String) {
    let dir = project(&[("app.py", source)]);
    let mut all_args = vec!["run", "--timeline", "timeline.svg"];
    all_args.extend_from_slice(args);
    all_args.push("app.py");
    let output = tasklint(dir.path(), &all_args);
    let svg = std::fs::read_to_string(dir.path().join("timeline.svg")).expect("the SVG is written");
    let document = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    let class = |node: &roxmltree::Node, class: &str| node.attribute("class") == Some(class);
    let texts = |node: roxmltree::Node| -> Vec<String> {
        node.children()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().to_owned())
            .collect()
    };
    let legend: Vec<(String, String)> = document
        .descendants()
        .filter(|n| class(n, "legend"))
        .flat_map(|legend| legend.children().filter(|n| n.is_element()))
        .map(|entry| {
            let swatch = entry.children().find(|n| n.has_tag_name("rect"));
            let fill = swatch.and_then(|r| r.attribute("fill")).unwrap_or_default();
            (fill.to_owned(), texts(entry).concat())
        })
        .collect();
    let lanes = document
        .descendants()
        .filter(|n| class(n, "lane"))
        .map(|lane| {
            let label = texts(lane);
            let ending = lane.children().find(|n| class(n, "ending"));
            let fill = ending
                .and_then(|e| e.children().find(|n| n.has_tag_name("rect")))
                .and_then(|r| r.attribute("fill"));
            TimelineLane {
                name: label[0].clone(),
                site: label[1].clone(),
                ending: fill.map(|fill| {
                    let entry = legend.iter().find(|(color, _)| color == fill);
                    entry.map_or(format!("unknown colour {fill}"), |(_, words)| words.clone())
                }),
                marks: ending.map(texts).unwrap_or_default(),
            }
        })
        .collect();
    (output, lanes, svg)
}

#[test]
fn the_timeline_has_one_lane_per_task_with_its_final_state() {
    let (output, lanes, _) = timeline_lanes(THREE_ENDINGS, &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(stdout(&output), "main done\n");
    let lane = |name: &str, line: u32, ending: &str, marks: &[&str]| TimelineLane {
        name: name.to_owned(),
        site: format!("app.py:{line}"),
        ending: Some(ending.to_owned()),
        marks: marks.iter().map(|m| m.to_string()).collect(),
    };
    assert_eq!(
        lanes,
        [
            lane("Task-1", 18, "done", &[]),
            lane("Task-2", 9, "done", &[]),
            lane("Task-3", 10, "cancelled", &[]),
            lane("Task-4", 11, "destroyed while pending", &["TL001"]),
        ]
    );
}

#[test]
fn in_strong_mode_the_timeline_shows_the_dropped_task_still_waiting_at_the_end() {
    let (output, lanes, _) = timeline_lanes(THREE_ENDINGS, &["--gc", "strong"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let endings: Vec<Option<&str>> = lanes.iter().map(|l| l.ending.as_deref()).collect();
    // `asyncio.run` cancels what is still pending when `main` returns.
    assert_eq!(
        endings,
        [
            Some("done"),
            Some("done"),
            Some("cancelled"),
            Some("cancelled")
        ]
    );
}

#[test]
fn task_names_are_escaped_in_the_timeline() {
    let source = "\
import asyncio


async def main():
    task = asyncio.create_task(asyncio.sleep(0), name='<a & \"b\">')
    task.set_name(\"it's <\\x01>\")
    await task


asyncio.run(main())
";
    let (output, lanes, svg) = timeline_lanes(source, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(lanes[1].name, "it's <\u{FFFD}>");
    assert!(svg.contains("it&apos;s &lt;\u{FFFD}&gt;"), "{svg}");
}

#[test]
fn a_timeline_of_many_tasks_draws_a_capped_number_of_lanes_and_says_so() {
    let source = "\
import asyncio


async def main():
    kept = [asyncio.create_task(asyncio.sleep(0)) for _ in range(1500)]
    asyncio.create_task(asyncio.Event().wait())
    await asyncio.gather(*kept)


asyncio.run(main())
";
    let (output, lanes, svg) = timeline_lanes(source, &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(lanes.len(), 200);
    assert_eq!(lanes[0].name, "Task-1");
    // The destroyed task is the last one created, and it is drawn.
    let last = lanes.last().expect("lanes");
    assert_eq!(last.name, "Task-1502");
    assert_eq!(last.ending.as_deref(), Some("destroyed while pending"));
    assert!(
        svg.contains("showing 200 of 1502 tasks") && svg.contains("not drawn: 1302 done"),
        "{svg}"
    );
}

#[test]
fn a_timeline_that_cannot_be_written_is_an_error_naming_the_file() {
    let dir = project(&[("app.py", THREE_ENDINGS)]);
    let output = tasklint(
        dir.path(),
        &["run", "--timeline", "missing/timeline.svg", "app.py"],
    );
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output).lines().last(),
        Some("tasklint: cannot write `missing/timeline.svg`: its folder does not exist")
    );
}

#[test]
fn the_timeline_in_the_readme_is_what_tasklint_draws_for_its_program() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = TempDir::new().expect("a temporary folder");
    let drawn = dir.path().join("timeline.svg");
    let drawn_arg = drawn.to_str().expect("a UTF-8 path");
    let output = tasklint(root, &["run", "--timeline", drawn_arg, "docs/timeline.py"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let committed = std::fs::read_to_string(root.join("docs/timeline.svg")).expect("committed");
    assert!(
        std::fs::read_to_string(&drawn).expect("drawn") == committed,
        "docs/timeline.svg is out of date: run `tasklint run --timeline docs/timeline.svg \
         docs/timeline.py` from the repository root"
    );
}
