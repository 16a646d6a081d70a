//! Facts about functions outside the project that the index cannot see, named in the
//! configuration (`tasklint.toml`): functions that return tasks, that are coroutine functions,
//! and that always or never suspend.

/// Names of external functions, as qualified paths (`homeassistant.core.HomeAssistant.async_create_task`,
/// `my_runtime::spawn`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalFacts {
    /// Functions that return a task the caller must keep.
    pub task_functions: Vec<String>,
    /// Functions that are coroutine functions (`async def` / `async fn`).
    pub coroutine_functions: Vec<String>,
    /// Coroutine functions that always suspend when awaited.
    pub always_suspend: Vec<String>,
    /// Coroutine functions that never suspend when awaited.
    pub never_suspend: Vec<String>,
}
