//! The configuration file on arbitrary bytes, read as `tasklint check` reads it: an error is
//! fine, a panic is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("tasklint.toml"), data).expect("write");
    let folder = dir.path().to_string_lossy().into_owned();
    let code = tasklint::cli::run_with_args(["tasklint", "check", "--quiet", &folder]);
    assert!(matches!(code, 0 | 2), "exit code {code}");
});
