//! Determinism: the output over `fixtures/` is byte-identical from run to run and whatever the
//! number of threads, in every format.

use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;
use common::{code, stderr, stdout};

fn check(format: &str, threads: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tasklint"));
    command.args(["check", "--format", format, "--color", "never"]);
    if let Some(threads) = threads {
        command.args(["--threads", threads]);
    }
    command
        .arg("fixtures")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .stdin(Stdio::null())
        .output()
        .expect("the tasklint binary runs")
}

#[test]
fn output_over_the_fixtures_is_byte_identical_across_runs_and_thread_counts() {
    for format in ["human", "concise", "json", "sarif", "github"] {
        let reference = check(format, Some("1"));
        assert_eq!(code(&reference), 1, "{format}: {}", stderr(&reference));
        let text = stdout(&reference);
        assert!(
            text.contains("TL001") && text.contains("TL000"),
            "{format}: {text}"
        );
        for threads in [Some("1"), None, Some("4"), None] {
            let output = check(format, threads);
            let label = format!("--format {format} --threads {threads:?}");
            assert_eq!(code(&output), code(&reference), "{label}");
            assert!(output.stdout == reference.stdout, "{label}: stdout differs");
            assert!(output.stderr == reference.stderr, "{label}: stderr differs");
        }
    }
}
