//! The command line: argument parsing ([`args`]), resolution into settings ([`settings`],
//! [`config`], [`configs`], [`workspace`]) and the subcommands (`check`, `config`, `rules`,
//! `explain`, `run`, `repro`), and the
//! `cargo tasklint` subcommand, which runs `check` over the packages of a cargo workspace.

pub mod args;
mod check;
mod config;
mod configs;
mod docs;
mod repro;
mod run;
pub mod selector;
pub mod settings;
mod show_config;
mod timeline;
pub mod workspace;

use std::ffi::OsString;
use std::fmt::Display;
use std::io::Write;
use std::sync::OnceLock;

use clap::Parser;

use args::{CargoArgs, Cli, Command};
use settings::CheckSettings;

/// The name that starts error and warning lines: `tasklint`, or `cargo-tasklint`.
static PROGRAM: OnceLock<&'static str> = OnceLock::new();

fn program() -> &'static str {
    PROGRAM.get().copied().unwrap_or("tasklint")
}

/// The exit status of a run; the worst one wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Nothing found.
    Clean = 0,
    /// Findings.
    Findings = 1,
    /// A usage error, an unreadable path or an internal error.
    Error = 2,
}

/// Runs the command line of this process and returns the process exit code.
pub fn run() -> i32 {
    run_with_args(std::env::args_os())
}

/// Runs a command line (the first item is the program name) and returns the exit code.
pub fn run_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` go to stdout with status 0, usage errors to stderr
            // with status 2. A closed pipe while printing help is not worth reporting.
            let _ = error.print();
            return error.exit_code();
        }
    };
    let status = match cli.command {
        Command::Check(args) => match CheckSettings::resolve(args) {
            Ok(settings) => check::run(&settings),
            Err(error) => {
                print_error(error);
                ExitStatus::Error
            }
        },
        Command::Rules => docs::rules(),
        Command::Explain(args) => docs::explain(&args.rule),
        Command::Config(args) => show_config::run(&args),
        Command::Run(args) => return run::run(&args),
        Command::Repro(args) => return repro::run(&args),
    };
    status as i32
}

/// Runs `cargo tasklint` with the command line of this process and returns the exit code.
pub fn run_cargo() -> i32 {
    run_cargo_with_args(std::env::args_os())
}

/// Runs `cargo tasklint` with a command line and returns the exit code. Cargo runs
/// `cargo-tasklint tasklint ARGS...` for `cargo tasklint ARGS...`; the `tasklint` after the
/// program name is dropped, so `cargo-tasklint ARGS...` works too.
pub fn run_cargo_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let _ = PROGRAM.set("cargo-tasklint");
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if args.get(1).is_some_and(|arg| arg == "tasklint") {
        args.remove(1);
    }
    let args = match CargoArgs::try_parse_from(args) {
        Ok(args) => args,
        Err(error) => {
            let _ = error.print();
            return error.exit_code();
        }
    };
    let status = match CheckSettings::resolve_cargo(args) {
        Ok((settings, warnings)) => {
            if !settings.quiet {
                for warning in warnings {
                    print_warning(warning);
                }
            }
            check::run(&settings)
        }
        Err(error) => {
            print_error(error);
            ExitStatus::Error
        }
    };
    status as i32
}

/// `tasklint: <message>` on stderr. Errors writing to stderr are ignored: there is nowhere
/// left to report them.
pub(crate) fn print_error(message: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{}: {message}", program());
}

/// `tasklint: <message>` on stderr, for what the user asked to be told (not an error).
pub(crate) fn print_note(message: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{}: {message}", program());
}

/// `tasklint: warning: <message>` on stderr.
pub(crate) fn print_warning(message: impl Display) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}: warning: {message}",
        program()
    );
}
