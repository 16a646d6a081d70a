//! Project-wide facts shared across files: which functions are coroutines (or `async fn`s),
//! which may suspend, and which wrap the creation of a task. Built by an index pass over every
//! file of the run before the rules run; each front-end contributes its own language's part.

pub mod asked;
pub mod external;
pub mod suspension;

use crate::python::index::PythonIndex;
use crate::rust::index::RustIndex;

/// Everything the index pass learned about the project, one part per language.
#[derive(Debug, Default)]
pub struct ProjectIndex {
    pub python: PythonIndex,
    pub rust: RustIndex,
}
