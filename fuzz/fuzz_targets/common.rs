//! Shared by the front-end targets: lint one input as the CLI does, on a thread with the lint
//! threads' stack size, with every rule selected; a caught panic (an internal error) is a
//! crash for the fuzzer.

use tasklint::lint::{lint_bytes, FileError, Settings, LINT_STACK_SIZE};
use tasklint::rule::Rule;

pub fn lint_all_rules(path: &'static str, data: &[u8]) {
    let bytes = data.to_vec();
    let outcome = std::thread::Builder::new()
        .stack_size(LINT_STACK_SIZE)
        .spawn(move || {
            let mut settings = Settings::default();
            settings.rules.enabled = Rule::ALL.to_vec();
            match lint_bytes(path, bytes, &settings) {
                Err(FileError::Internal { message, .. }) => Err(message),
                _ => Ok(()),
            }
        })
        .expect("spawn the lint thread")
        .join()
        .expect("the lint thread does not panic outside of the isolation");
    if let Err(message) = outcome {
        panic!("internal error: {message}");
    }
}
