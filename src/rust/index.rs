//! The Rust part of the project index: `async fn`s and task wrappers by module path, methods by
//! `impl` type, and which of them may suspend.

use crate::index::external::ExternalFacts;
use crate::source::SourceFile;

/// What one file contributes to the index.
#[derive(Debug, Default)]
pub struct RustFileFacts {}

/// Extracts one file's facts. A file that does not parse contributes nothing.
pub fn extract(source: &SourceFile) -> RustFileFacts {
    let _ = source;
    RustFileFacts::default()
}

/// Project-wide facts about the Rust files of the run.
#[derive(Debug, Default)]
pub struct RustIndex {}

impl RustIndex {
    /// Joins the facts of every file of the run.
    pub fn build(files: Vec<RustFileFacts>, external: &ExternalFacts) -> Self {
        let _ = (files, external);
        RustIndex::default()
    }
}
