//! Helpers shared by the tests that run the binaries. Not every test crate uses every helper.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// Runs `tasklint ARGS` in `dir`, without input and without `NO_COLOR` from the environment.
pub fn tasklint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tasklint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("the tasklint binary runs")
}

/// A temporary folder holding `files` (`path`, `content`); parent folders are created.
pub fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, content) in files {
        write_file(dir.path(), path, content.as_bytes());
    }
    dir
}

/// Writes `content` to `path` under `root`, creating its parent folders.
pub fn write_file(root: &Path, path: &str, content: &[u8]) {
    let path = root.join(path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create folder");
    }
    fs::write(path, content).expect("write file");
}

/// What the process wrote to stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the process wrote to stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The exit code.
pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited with a code")
}
