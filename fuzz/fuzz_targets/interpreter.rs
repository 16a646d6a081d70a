//! `tasklint run` on arbitrary programs, through the library (`tasklint::interp::run_program`)
//! on a thread with the lint threads' stack, as the CLI runs it, with small limits so every
//! input ends quickly. Any ending is fine (an exception, a construct outside the subset, a
//! limit); a panic, a stack overflow, an out-of-memory or a hang is a crash. The GC mode is the
//! input's length modulo 3, so every mode runs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tasklint::interp::{run_program, Options};
use tasklint::lint::LINT_STACK_SIZE;
use tasklint::runtime::GcMode;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.to_owned();
    let gc = [GcMode::Weak, GcMode::Cpython, GcMode::Strong][data.len() % 3];
    std::thread::Builder::new()
        .stack_size(LINT_STACK_SIZE)
        .spawn(move || {
            let options = Options {
                gc,
                trace: false,
                timeline: false,
                starve_after: 1000,
                max_steps: 100_000,
                max_time: 3600.0,
                max_memory: 128 << 20,
            };
            run_program("fuzz.py", &text, options, Box::new(std::io::sink()));
        })
        .expect("spawn the interpreter thread")
        .join()
        .expect("the interpreter does not panic");
});
