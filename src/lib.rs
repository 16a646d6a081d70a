//! tasklint: a static analyzer for async task-lifetime bugs.
//!
//! Data flows one way: discover → parse → index → analyze → rules → diagnostics → emit.
//! [`lint::lint_project`] turns the files of a run into [`lint::FileReport`]s: a first parallel
//! pass extracts each file's facts for the project [`index`], a second runs the rules against
//! it; the CLI walks the paths, lints them as one project and hands the reports to an emitter.

pub mod baseline;
pub mod cli;
pub mod demos;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod emit;
pub mod fingerprint;
pub mod fix;
pub mod index;
pub mod interp;
pub mod lint;
pub mod memory;
pub mod panics;
pub mod python;
pub mod rule;
pub mod runtime;
pub mod rust;
pub mod source;
pub mod suppression;

/// jemalloc instead of the system allocator, for every binary that links tasklint: syntax trees
/// are many small allocations, and glibc's malloc and free took half the time of a run over
/// Rust code (measured with `perf record` on the pinned corpus). It counts the bytes each thread
/// holds, for `tasklint run --max-memory` ([`memory`]).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: memory::CountingAllocator<tikv_jemallocator::Jemalloc> =
    memory::CountingAllocator(tikv_jemallocator::Jemalloc);

/// The system allocator where jemalloc is not built, counting the bytes each thread holds.
#[cfg(target_env = "msvc")]
#[global_allocator]
static ALLOCATOR: memory::CountingAllocator<std::alloc::System> =
    memory::CountingAllocator(std::alloc::System);
