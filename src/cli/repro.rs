//! `tasklint repro`: runs a rule's demonstration, the bad program and its fixed twin (see
//! [`crate::demos`]), on the reference runtime and prints both outcomes side by side.

use std::io::Write;
use std::path::Path;

use clap::ValueEnum;

use super::args::{LangArg, ReproArgs};
use super::docs::rule_named;
use super::print_error;
use super::run::{event_line, limit_message};
use crate::demos::{self, Demo, Language, Program, Runner};
use crate::interp::{run_program, Ending, Options};
use crate::runtime::native::{run_scenario, ScenarioOptions};
use crate::runtime::{Event, EventKind, GcMode, TaskCounts};

/// The exit status of `tasklint repro`.
const REPRODUCED: i32 = 0;
const NOT_REPRODUCED: i32 = 1;
const CANNOT_RUN: i32 = 2;

/// Inline awaits in one step before starvation is reported (the default of `tasklint run`).
const STARVE_AFTER: u64 = 1000;
/// Interpreted instructions after which a Python demonstration is stopped: a loop that never
/// yields (TL004) spins forever once it has starved the other tasks.
const MAX_STEPS: u64 = 1_000_000;
/// The virtual clock and the memory a demonstration may use: far more than any of them needs.
const MAX_VIRTUAL_SECONDS: f64 = 3600.0;
const MAX_MEMORY_BYTES: u64 = 256 << 20;

/// What one program of a demonstration did.
struct Outcome {
    events: Vec<Event>,
    counts: TaskCounts,
    /// Why the program did not run to its end, if it did not.
    stopped: Option<String>,
}

pub fn run(args: &ReproArgs) -> i32 {
    let Some(rule) = rule_named(&args.rule) else {
        return CANNOT_RUN;
    };
    let language = match args.lang {
        LangArg::Python => Language::Python,
        LangArg::Rust => Language::Rust,
    };
    let Some(demo) = demos::find(rule, language) else {
        let with: Vec<&str> = demos::DEMOS
            .iter()
            .filter(|demo| demo.language == language)
            .map(|demo| demo.rule.code())
            .collect();
        print_error(format_args!(
            "{} ({}) has no {} demonstration; rules with one: {}",
            rule.code(),
            rule.name(),
            language.as_str(),
            with.join(", ")
        ));
        return CANNOT_RUN;
    };
    let gc = args.gc.mode();
    let gc_name = args
        .gc
        .to_possible_value()
        .map_or_else(String::new, |value| value.get_name().to_owned());
    say(format_args!(
        "{} {}: the {} demonstration, --gc {gc_name}",
        rule.code(),
        rule.name(),
        language.as_str(),
    ));
    let bad = run_shown("bad", &demo.bad, gc);
    let fixed = run_shown("fixed", &demo.fixed, gc);
    say(format_args!(""));
    say(format_args!(
        "bad: {}; fixed: {}",
        summary(&bad, demo),
        summary(&fixed, demo)
    ));
    let reproduced = bad.events.iter().any(|event| event.rule == rule.code());
    let fix_is_clean = fixed.events.is_empty() && fixed.stopped.is_none();
    if reproduced && fix_is_clean {
        REPRODUCED
    } else {
        NOT_REPRODUCED
    }
}

/// Prints one line of the report on stdout; a closed pipe (`tasklint repro TL001 | head`) is not
/// an error.
fn say(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// Runs one program under a heading; its output, then its events and why it stopped.
fn run_shown(label: &str, program: &Program, gc: GcMode) -> Outcome {
    say(format_args!(""));
    say(format_args!("--- {label}: {}", program.path));
    let outcome = run_one(program, gc);
    for event in &outcome.events {
        say(format_args!("{}", event_line(event)));
    }
    if let Some(stopped) = &outcome.stopped {
        say(format_args!("{stopped}"));
    }
    outcome
}

fn run_one(program: &Program, gc: GcMode) -> Outcome {
    match program.runner {
        Runner::Python => {
            let options = Options {
                gc,
                trace: false,
                timeline: false,
                starve_after: STARVE_AFTER,
                max_steps: MAX_STEPS,
                max_time: MAX_VIRTUAL_SECONDS,
                max_memory: MAX_MEMORY_BYTES,
            };
            let stdout = Box::new(std::io::stdout());
            let report = run_program(program.path, program.source, options, stdout);
            let stopped = match report.ending {
                Ending::Completed => None,
                Ending::Raised => Some("the program raised an exception".to_owned()),
                Ending::CannotRun(message) => Some(message),
                Ending::Limit(limit) => Some(limit_message(&limit)),
                Ending::Hang => Some(
                    "the program would wait forever: nothing is ready to run and no timer is \
                     pending"
                        .to_owned(),
                ),
            };
            Outcome {
                events: report.events,
                counts: report.counts,
                stopped,
            }
        }
        Runner::Rust(main) => {
            let options = ScenarioOptions {
                gc,
                starve_after: STARVE_AFTER,
                ..ScenarioOptions::default()
            };
            let report = run_scenario(program.path, program.source, options, main);
            Outcome {
                events: report.events,
                counts: report.counts,
                stopped: report.stopped.map(|stop| stop.to_string()),
            }
        }
    }
}

/// One program's outcome in a few words: `3 of 4 tasks destroyed while pending (TL001 at
/// bad.py:14)`.
fn summary(outcome: &Outcome, demo: &Demo) -> String {
    let counts = outcome.counts;
    let mut parts = Vec::new();
    if counts.destroyed_pending > 0 {
        parts.push(format!(
            "{} of {} tasks destroyed while pending",
            counts.destroyed_pending, counts.created
        ));
    } else if counts.created > 0 {
        parts.push(format!(
            "{} of {} tasks completed",
            counts.completed, counts.created
        ));
    }
    let count = |kind| outcome.events.iter().filter(|e| e.kind == kind).count();
    let never_awaited = count(EventKind::CoroutineNeverAwaited);
    if never_awaited > 0 {
        let noun = match demo.language {
            Language::Python => "coroutine",
            Language::Rust => "future",
        };
        let plural = if never_awaited == 1 { "" } else { "s" };
        parts.push(format!("{never_awaited} {noun}{plural} never awaited"));
    }
    if count(EventKind::Starvation) > 0 {
        parts.push("the other tasks starved".to_owned());
    }
    if outcome.stopped.is_some() {
        parts.push("stopped before its end".to_owned());
    }
    let mut text = parts.join(", ");
    let mut sites: Vec<String> = Vec::new();
    for event in &outcome.events {
        let file = Path::new(&*event.site.path).file_name().map_or_else(
            || event.site.path.to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let site = format!("{} at {file}:{}", event.rule, event.site.line);
        if !sites.contains(&site) {
            sites.push(site);
        }
    }
    if sites.is_empty() {
        text.push_str(if text.is_empty() {
            "no event"
        } else {
            ", no event"
        });
    } else {
        text.push_str(&format!(" ({})", sites.join(", ")));
    }
    text
}
