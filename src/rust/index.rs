//! The Rust part of the project index: `async fn`s and task wrappers by module path, methods by
//! `impl` type, and which of them may suspend.

/// Project-wide facts about the Rust files of the run.
#[derive(Debug, Default)]
pub struct RustIndex {}
