use std::process::ExitCode;

fn main() -> ExitCode {
    let code = tasklint::cli::run();
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
