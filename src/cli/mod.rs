//! The command line: argument parsing ([`args`]), resolution into settings ([`settings`]) and
//! the subcommands (`check`, `rules`, `explain`).

pub mod args;
mod check;
mod docs;
pub mod selector;
pub mod settings;

use std::ffi::OsString;
use std::fmt::Display;
use std::io::Write;

use clap::Parser;

use args::{Cli, Command};
use settings::CheckSettings;

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
    };
    status as i32
}

/// `tasklint: <message>` on stderr. Errors writing to stderr are ignored: there is nowhere
/// left to report them.
pub(crate) fn print_error(message: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "tasklint: {message}");
}

/// `tasklint: warning: <message>` on stderr.
pub(crate) fn print_warning(message: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "tasklint: warning: {message}");
}
