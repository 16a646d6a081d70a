//! tasklint: a static analyzer for async task-lifetime bugs.
//!
//! Data flows one way: discover → parse → analyze → rules → diagnostics → emit.
//! [`lint::lint_file`] turns the bytes of one file into a [`lint::FileReport`];
//! the CLI walks the paths, lints files in parallel and hands the reports to an emitter.

pub mod cli;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod emit;
pub mod index;
pub mod lint;
pub mod python;
pub mod rule;
pub mod rust;
pub mod source;
pub mod suppression;
