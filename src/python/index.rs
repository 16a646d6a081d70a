//! The Python part of the project index: coroutine functions and task wrappers by module path
//! and qualified name, and which coroutines may suspend.

/// Project-wide facts about the Python files of the run.
#[derive(Debug, Default)]
pub struct PythonIndex {}
