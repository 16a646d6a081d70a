//! The Python part of the project index: coroutine functions and task wrappers by module path
//! and qualified name, and which coroutines may suspend.

use crate::index::external::ExternalFacts;
use crate::source::SourceFile;

/// What one file contributes to the index.
#[derive(Debug, Default)]
pub struct PythonFileFacts {}

/// Extracts one file's facts. A file that does not parse contributes nothing.
pub fn extract(source: &SourceFile) -> PythonFileFacts {
    let _ = source;
    PythonFileFacts::default()
}

/// Project-wide facts about the Python files of the run.
#[derive(Debug, Default)]
pub struct PythonIndex {}

impl PythonIndex {
    /// Joins the facts of every file of the run.
    pub fn build(files: Vec<PythonFileFacts>, external: &ExternalFacts) -> Self {
        let _ = (files, external);
        PythonIndex::default()
    }
}
