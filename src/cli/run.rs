//! `tasklint run`: runs a Python program on the reference runtime. The program's output goes
//! to stdout and nothing else does; the runtime's events and summary go to stderr, and to a
//! JSON report with `--report`.

use std::io::Write;

use serde::Serialize;

use super::args::{GcArg, RunArgs};
use super::print_error;
use crate::interp::{run_program, Ending, Limit, Options, RunReport};
use crate::lint::LINT_STACK_SIZE;
use crate::panics::{catch_panic, QuietPanics};
use crate::runtime::{Event, GcMode};

/// The exit status of `tasklint run`.
const NO_EVENTS: i32 = 0;
const EVENTS: i32 = 1;
const CANNOT_RUN: i32 = 2;
const UNCAUGHT_EXCEPTION: i32 = 3;
const STEP_LIMIT: i32 = 4;
const TIME_LIMIT: i32 = 5;
const MEMORY_LIMIT: i32 = 6;

/// Bytes in a mebibyte, the unit of `--max-memory`.
const MIB: u64 = 1 << 20;

#[derive(Serialize)]
struct JsonEvent<'a> {
    kind: &'static str,
    rule: &'static str,
    path: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
    task: &'a str,
}

#[derive(Serialize)]
struct JsonTasks {
    created: u64,
    completed: u64,
    cancelled: u64,
    destroyed_pending: u64,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    events: Vec<JsonEvent<'a>>,
    tasks: JsonTasks,
}

/// Runs the program on a thread with the lint threads' large stack (a program nested as deeply
/// as the linter accepts must not overflow it while it is compiled); a panic, a bug of ours, is
/// one error line.
pub fn run(args: &RunArgs) -> i32 {
    let _quiet = QuietPanics::install();
    let outcome = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("tasklint-run".to_owned())
            .stack_size(LINT_STACK_SIZE)
            .spawn_scoped(scope, || catch_panic(|| run_on_this_thread(args)))
            .map(|thread| thread.join())
    });
    let panic = match outcome {
        Ok(Ok(Ok(code))) => return code,
        Ok(Ok(Err(panic))) => panic,
        Ok(Err(_)) => "the interpreter thread panicked".to_owned(),
        Err(error) => {
            print_error(format_args!("cannot start the interpreter thread: {error}"));
            return CANNOT_RUN;
        }
    };
    print_error(format_args!(
        "internal error while running `{}`: {panic}; please report this bug",
        args.program.display()
    ));
    CANNOT_RUN
}

fn run_on_this_thread(args: &RunArgs) -> i32 {
    let path = args.program.display().to_string();
    let text = match std::fs::read_to_string(&args.program) {
        Ok(text) => text,
        Err(error) => {
            print_error(format_args!("cannot read `{path}`: {}", describe(&error)));
            return CANNOT_RUN;
        }
    };
    let options = Options {
        gc: match args.gc {
            GcArg::Weak => GcMode::Weak,
            GcArg::Cpython => GcMode::Cpython,
            GcArg::Strong => GcMode::Strong,
        },
        trace: args.trace,
        starve_after: args.starve_after,
        max_steps: args.max_steps,
        max_time: args.max_time,
        max_memory: args.max_memory.saturating_mul(MIB),
    };
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let report = run_program(&path, &text, options, Box::new(stdout));
    print_events(&report);
    if let Some(file) = &args.report {
        if let Err(error) = write_report(file, &report) {
            print_error(format_args!(
                "cannot write `{}`: {}",
                file.display(),
                describe(&error)
            ));
            return CANNOT_RUN;
        }
    }
    match &report.ending {
        Ending::CannotRun(message) => {
            print_error(message);
            CANNOT_RUN
        }
        Ending::Raised => UNCAUGHT_EXCEPTION,
        Ending::Limit(limit) => {
            let (message, code) = match limit {
                Limit::Steps(steps) => (
                    format!(
                        "the program was stopped after {steps} steps (--max-steps); \
                         raise the limit with --max-steps N"
                    ),
                    STEP_LIMIT,
                ),
                Limit::VirtualTime(seconds) => (
                    format!(
                        "the program was stopped at {seconds} seconds of virtual time \
                         (--max-time); raise the limit with --max-time SECONDS"
                    ),
                    TIME_LIMIT,
                ),
                Limit::Memory(bytes) => (
                    format!(
                        "the program was stopped holding more than {} MiB (--max-memory); \
                         raise the limit with --max-memory MIB",
                        bytes / MIB
                    ),
                    MEMORY_LIMIT,
                ),
            };
            print_error(message);
            code
        }
        Ending::Hang => {
            print_error(
                "the program would wait forever: nothing is ready to run and no timer is pending",
            );
            if report.events.is_empty() {
                CANNOT_RUN
            } else {
                EVENTS
            }
        }
        Ending::Completed if report.events.is_empty() => NO_EVENTS,
        Ending::Completed => EVENTS,
    }
}

fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

fn event_line(event: &Event) -> String {
    format!(
        "{}:{}:{}: {} {} [{}: {}]",
        event.site.path,
        event.site.line,
        event.site.column,
        event.rule,
        event.message,
        event.kind.as_str(),
        event.task
    )
}

fn print_events(report: &RunReport) {
    let mut stderr = std::io::stderr().lock();
    for event in &report.events {
        let _ = writeln!(stderr, "{}", event_line(event));
    }
    let count =
        |kind: crate::runtime::EventKind| report.events.iter().filter(|e| e.kind == kind).count();
    let counts = report.counts;
    let _ = writeln!(
        stderr,
        "tasklint run: {} tasks created, {} completed, {} cancelled, {} destroyed while pending; \
         {} coroutines never awaited; {} starvation events",
        counts.created,
        counts.completed,
        counts.cancelled,
        counts.destroyed_pending,
        count(crate::runtime::EventKind::CoroutineNeverAwaited),
        count(crate::runtime::EventKind::Starvation),
    );
    if report.unretrieved > 0 {
        let _ = writeln!(
            stderr,
            "tasklint run: {} exceptions were never retrieved",
            report.unretrieved
        );
    }
}

fn write_report(file: &std::path::Path, report: &RunReport) -> std::io::Result<()> {
    let events = report
        .events
        .iter()
        .map(|event| JsonEvent {
            kind: event.kind.as_str(),
            rule: event.rule,
            path: &event.site.path,
            line: event.site.line,
            column: event.site.column,
            message: &event.message,
            task: &event.task,
        })
        .collect();
    let json = JsonReport {
        events,
        tasks: JsonTasks {
            created: report.counts.created,
            completed: report.counts.completed,
            cancelled: report.counts.cancelled,
            destroyed_pending: report.counts.destroyed_pending,
        },
    };
    let text = serde_json::to_string_pretty(&json).map_err(std::io::Error::other)?;
    std::fs::write(file, text + "\n")
}
