//! The command line: argument parsing, settings resolution and subcommands.

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    0
}
