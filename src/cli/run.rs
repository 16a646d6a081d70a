//! `tasklint run`: runs a Python program on the reference runtime. The program's output goes
//! to stdout and nothing else does; the runtime's events and summary go to stderr, and to a
//! JSON report with `--report`, and a picture of the tasks' lives with `--timeline`.

use std::io::Write;

use serde::Serialize;

use super::args::{GcArg, RunArgs};
use super::print_error;
use super::timeline::timeline_svg;
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

/// What stopped a program at a limit, and how to raise it.
pub(super) fn limit_message(limit: &Limit) -> String {
    match limit {
        Limit::Steps(steps) => format!(
            "the program was stopped after {steps} steps (--max-steps); raise the limit with \
             --max-steps N"
        ),
        Limit::VirtualTime(seconds) => format!(
            "the program was stopped at {seconds} seconds of virtual time (--max-time); raise \
             the limit with --max-time SECONDS"
        ),
        Limit::Memory(bytes) => format!(
            "the program was stopped holding more than {} MiB (--max-memory); raise the limit \
             with --max-memory MIB",
            bytes / MIB
        ),
    }
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
        gc: args.gc.mode(),
        trace: args.trace,
        timeline: args.timeline.is_some(),
        starve_after: args.starve_after,
        max_steps: args.max_steps,
        max_time: args.max_time,
        max_memory: args.max_memory.saturating_mul(MIB),
    };
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let report = run_program(&path, &text, options, Box::new(stdout));
    print_events(&report);
    if let Some(file) = &args.report {
        if !write_output(file, &json_report(&report)) {
            return CANNOT_RUN;
        }
    }
    if let (Some(file), Some(timeline)) = (&args.timeline, &report.timeline) {
        let title = format!("tasklint run --gc {} {path}", gc_name(args.gc));
        if !write_output(file, &timeline_svg(timeline, &title)) {
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
            print_error(limit_message(limit));
            match limit {
                Limit::Steps(_) => STEP_LIMIT,
                Limit::VirtualTime(_) => TIME_LIMIT,
                Limit::Memory(_) => MEMORY_LIMIT,
            }
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

/// The `--gc` value as typed.
fn gc_name(gc: GcArg) -> &'static str {
    match gc {
        GcArg::Weak => "weak",
        GcArg::Cpython => "cpython",
        GcArg::Strong => "strong",
    }
}

fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

impl GcArg {
    /// The runtime's GC mode for this value of `--gc`.
    pub(super) fn mode(self) -> GcMode {
        match self {
            GcArg::Weak => GcMode::Weak,
            GcArg::Cpython => GcMode::Cpython,
            GcArg::Strong => GcMode::Strong,
        }
    }
}

/// An event as one line: `path:line:column: CODE message [kind: task]`.
pub(super) fn event_line(event: &Event) -> String {
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

/// Writes `text` to `file`; says why on stderr and returns `false` when it cannot.
fn write_output(file: &std::path::Path, text: &str) -> bool {
    let Err(error) = std::fs::write(file, text) else {
        return true;
    };
    let cause = match error.kind() {
        std::io::ErrorKind::NotFound => "its folder does not exist".to_owned(),
        _ => describe(&error),
    };
    print_error(format_args!("cannot write `{}`: {cause}", file.display()));
    false
}

/// The `--report` JSON.
fn json_report(report: &RunReport) -> String {
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
    // Plain data of strings and numbers: serializing it cannot fail.
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}
