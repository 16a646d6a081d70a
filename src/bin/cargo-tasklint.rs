//! `cargo tasklint`: cargo runs `cargo-tasklint tasklint ARGS...` for `cargo tasklint ARGS...`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = tasklint::cli::run_cargo();
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
