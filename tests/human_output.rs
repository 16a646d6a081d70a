//! Snapshots of the human output for representative fixtures: what a user sees in a terminal.

use tasklint::emit::{emit, EmitOptions, Format};
use tasklint::lint::{lint_bytes, Settings};

fn human_output(path: &str) -> String {
    let bytes = std::fs::read(path).expect("fixture exists");
    let report = lint_bytes(path, bytes, &Settings::default()).expect("fixture is UTF-8");
    assert!(
        !report.diagnostics.is_empty(),
        "{path} has findings to show"
    );
    let mut out = Vec::new();
    emit(Format::Human, &mut out, &[report], &EmitOptions::default()).expect("writes to a Vec");
    String::from_utf8(out).expect("human output is UTF-8")
}

#[test]
fn dropped_tasks_in_callbacks() {
    insta::assert_snapshot!(human_output("fixtures/TL001/callbacks.py"));
}

#[test]
fn dropped_tasks_on_some_paths() {
    insta::assert_snapshot!(human_output("fixtures/TL001/locals_and_flow.py"));
}

#[test]
fn handles_overwritten_in_while_loops() {
    insta::assert_snapshot!(human_output("fixtures/TL002/while_loops.py"));
}

#[test]
fn coroutines_used_as_truth_values() {
    insta::assert_snapshot!(human_output("fixtures/TL003/truthiness.py"));
}
