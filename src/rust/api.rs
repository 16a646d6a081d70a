//! What tasklint knows about the async runtimes' APIs, as tables: the task handles and what
//! dropping each one does (the drop-semantics table), the functions and methods that spawn a
//! task, the types whose methods spawn or return futures, and the functions that return futures.
//!
//! Paths are written as the crates export them (`tokio::task::spawn`); re-exports that users
//! write (`tokio::spawn`, `smol::Executor`) have their own rows. Crates renamed in `Cargo.toml`
//! are not followed.

use crate::diagnostic::Severity;

/// What dropping a task handle does to its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropSemantics {
    /// The task is cancelled (at its next `.await`, or before it starts).
    Cancels,
    /// The task runs on without anyone to wait for it.
    Detaches,
}

/// A kind of task handle: one row of [`HANDLES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleKind {
    /// `async_task::Task`, also returned by smol, async-executor and async-global-executor.
    AsyncTask,
    /// futures' `RemoteHandle` (`spawn_with_handle`, `remote_handle`).
    RemoteHandle,
    /// tokio's `JoinSet`: dropping it aborts every task still in it.
    JoinSet,
    /// tokio-util's `AbortOnDropHandle`.
    AbortOnDropHandle,
    /// glommio's `Task`.
    GlommioTask,
    /// tokio's `JoinHandle` (also actix-rt's).
    TokioJoinHandle,
    /// async-std's `JoinHandle`.
    AsyncStdJoinHandle,
    /// monoio's `JoinHandle`.
    MonoioJoinHandle,
}

/// One row of the drop-semantics table.
pub struct HandleRow {
    pub kind: HandleKind,
    /// How the type is named in messages.
    pub type_name: &'static str,
    pub drop: DropSemantics,
    /// How to let the task run on its own, if the handle can let go of it.
    pub release: Option<&'static str>,
}

/// The drop-semantics table: one row per handle type.
pub const HANDLES: &[HandleRow] = &[
    HandleRow {
        kind: HandleKind::AsyncTask,
        type_name: "Task",
        drop: DropSemantics::Cancels,
        release: Some("call `.detach()` on it"),
    },
    HandleRow {
        kind: HandleKind::RemoteHandle,
        type_name: "RemoteHandle",
        drop: DropSemantics::Cancels,
        release: Some("call `.forget()` on it"),
    },
    HandleRow {
        kind: HandleKind::JoinSet,
        type_name: "JoinSet",
        drop: DropSemantics::Cancels,
        release: Some("call `.detach_all()` on it"),
    },
    HandleRow {
        kind: HandleKind::AbortOnDropHandle,
        type_name: "AbortOnDropHandle",
        drop: DropSemantics::Cancels,
        release: Some("call `.detach()` on it (a plain `JoinHandle` detaches)"),
    },
    HandleRow {
        kind: HandleKind::GlommioTask,
        type_name: "Task",
        drop: DropSemantics::Cancels,
        release: Some("call `.detach()` on it"),
    },
    HandleRow {
        kind: HandleKind::TokioJoinHandle,
        type_name: "JoinHandle",
        drop: DropSemantics::Detaches,
        release: None,
    },
    HandleRow {
        kind: HandleKind::AsyncStdJoinHandle,
        type_name: "JoinHandle",
        drop: DropSemantics::Detaches,
        release: None,
    },
    HandleRow {
        kind: HandleKind::MonoioJoinHandle,
        type_name: "JoinHandle",
        drop: DropSemantics::Detaches,
        release: None,
    },
];

impl HandleKind {
    pub fn row(self) -> &'static HandleRow {
        HANDLES
            .iter()
            .find(|row| row.kind == self)
            .expect("the drop-semantics table has a row for every handle kind")
    }

    pub fn drop_semantics(self) -> DropSemantics {
        self.row().drop
    }

    /// Cancel on drop is an error; detach on drop is a warning.
    pub fn severity(self) -> Severity {
        match self.drop_semantics() {
            DropSemantics::Cancels => Severity::Error,
            DropSemantics::Detaches => Severity::Warning,
        }
    }

    /// What dropping the handle does, as the end of a diagnostic message.
    pub fn drop_message(self) -> &'static str {
        match self.drop_semantics() {
            DropSemantics::Cancels if self == HandleKind::JoinSet => {
                "every task still in the set is cancelled when it is dropped"
            }
            DropSemantics::Cancels => "the task is cancelled when this handle is dropped",
            DropSemantics::Detaches => {
                "the task is detached: its result and any panic are lost, and it is killed when the runtime shuts down"
            }
        }
    }
}

/// A call that spawns a task and returns its handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskSource {
    pub kind: HandleKind,
    /// The handle is this element of the returned tuple (`async_task::spawn` returns
    /// `(Runnable, Task)`).
    pub tuple_index: Option<usize>,
}

const fn source(kind: HandleKind) -> TaskSource {
    TaskSource {
        kind,
        tuple_index: None,
    }
}

/// Free functions (and associated functions) that spawn a task, by path.
pub const SPAWN_FUNCTIONS: &[(&str, TaskSource)] = &[
    ("tokio::spawn", source(HandleKind::TokioJoinHandle)),
    ("tokio::task::spawn", source(HandleKind::TokioJoinHandle)),
    (
        "tokio::task::spawn_local",
        source(HandleKind::TokioJoinHandle),
    ),
    (
        "tokio::task::spawn_blocking",
        source(HandleKind::TokioJoinHandle),
    ),
    ("actix_rt::spawn", source(HandleKind::TokioJoinHandle)),
    (
        "actix_rt::task::spawn_blocking",
        source(HandleKind::TokioJoinHandle),
    ),
    (
        "async_std::task::spawn",
        source(HandleKind::AsyncStdJoinHandle),
    ),
    (
        "async_std::task::spawn_local",
        source(HandleKind::AsyncStdJoinHandle),
    ),
    (
        "async_std::task::spawn_blocking",
        source(HandleKind::AsyncStdJoinHandle),
    ),
    ("monoio::spawn", source(HandleKind::MonoioJoinHandle)),
    ("smol::spawn", source(HandleKind::AsyncTask)),
    (
        "async_global_executor::spawn",
        source(HandleKind::AsyncTask),
    ),
    (
        "async_global_executor::spawn_local",
        source(HandleKind::AsyncTask),
    ),
    ("glommio::spawn_local", source(HandleKind::GlommioTask)),
    ("glommio::spawn_local_into", source(HandleKind::GlommioTask)),
    (
        "tokio_util::task::AbortOnDropHandle::new",
        source(HandleKind::AbortOnDropHandle),
    ),
    (
        "async_task::spawn",
        TaskSource {
            kind: HandleKind::AsyncTask,
            tuple_index: Some(1),
        },
    ),
    (
        "async_task::spawn_local",
        TaskSource {
            kind: HandleKind::AsyncTask,
            tuple_index: Some(1),
        },
    ),
    (
        "async_task::spawn_unchecked",
        TaskSource {
            kind: HandleKind::AsyncTask,
            tuple_index: Some(1),
        },
    ),
];

/// The bare function names the nearest `Cargo.toml` may resolve, with the crate and path that
/// export each (`spawn` from a glob or an unseen import).
pub fn spawn_functions_named(name: &str) -> impl Iterator<Item = (&'static str, TaskSource)> + '_ {
    SPAWN_FUNCTIONS
        .iter()
        .filter(move |(path, _)| path.rsplit("::").next() == Some(name))
        .map(|(path, source)| (*path, *source))
}

/// Methods that spawn a task whatever their receiver: futures' `SpawnExt`, `LocalSpawnExt` and
/// `FutureExt::remote_handle` are the only methods with these names.
pub const SPAWN_METHODS_ANY_RECEIVER: &[(&str, TaskSource)] = &[
    ("spawn_with_handle", source(HandleKind::RemoteHandle)),
    ("spawn_local_with_handle", source(HandleKind::RemoteHandle)),
    (
        "remote_handle",
        TaskSource {
            kind: HandleKind::RemoteHandle,
            tuple_index: Some(1),
        },
    ),
];

/// Types of the runtimes whose values tasklint follows through locals, parameters and fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownType {
    TokioRuntime,
    TokioRuntimeBuilder,
    TokioHandle,
    TokioLocalSet,
    TokioJoinSet,
    /// async-executor's (and smol's) `Executor` and `LocalExecutor`.
    Executor,
    /// A channel sender whose `send` is async (tokio `mpsc::Sender`, async-channel, futures).
    AsyncSender,
    /// An async mutex (tokio, async-lock, futures): `lock()` returns a future.
    AsyncMutex,
    /// An async read-write lock: `read()` and `write()` return futures.
    AsyncRwLock,
    /// tokio's `Semaphore`.
    Semaphore,
    /// tokio's `Notify`.
    Notify,
    /// tokio's `Barrier`.
    Barrier,
    /// A type defined in the file being linted, by name.
    Local(String),
}

/// Type paths of the runtimes, as users name them.
pub const KNOWN_TYPES: &[(&str, KnownType)] = &[
    ("tokio::runtime::Runtime", KnownType::TokioRuntime),
    ("tokio::runtime::Builder", KnownType::TokioRuntimeBuilder),
    ("tokio::runtime::Handle", KnownType::TokioHandle),
    ("tokio::task::LocalSet", KnownType::TokioLocalSet),
    ("tokio::task::JoinSet", KnownType::TokioJoinSet),
    ("smol::Executor", KnownType::Executor),
    ("smol::LocalExecutor", KnownType::Executor),
    ("async_executor::Executor", KnownType::Executor),
    ("async_executor::LocalExecutor", KnownType::Executor),
    ("async_executor::StaticExecutor", KnownType::Executor),
    ("async_executor::StaticLocalExecutor", KnownType::Executor),
    ("tokio::sync::mpsc::Sender", KnownType::AsyncSender),
    ("async_channel::Sender", KnownType::AsyncSender),
    ("smol::channel::Sender", KnownType::AsyncSender),
    ("async_std::channel::Sender", KnownType::AsyncSender),
    ("futures::channel::mpsc::Sender", KnownType::AsyncSender),
    (
        "futures::channel::mpsc::UnboundedSender",
        KnownType::AsyncSender,
    ),
    ("tokio::sync::Mutex", KnownType::AsyncMutex),
    ("async_lock::Mutex", KnownType::AsyncMutex),
    ("smol::lock::Mutex", KnownType::AsyncMutex),
    ("futures::lock::Mutex", KnownType::AsyncMutex),
    ("async_std::sync::Mutex", KnownType::AsyncMutex),
    ("tokio::sync::RwLock", KnownType::AsyncRwLock),
    ("async_lock::RwLock", KnownType::AsyncRwLock),
    ("smol::lock::RwLock", KnownType::AsyncRwLock),
    ("async_std::sync::RwLock", KnownType::AsyncRwLock),
    ("tokio::sync::Semaphore", KnownType::Semaphore),
    ("tokio::sync::Notify", KnownType::Notify),
    ("tokio::sync::Barrier", KnownType::Barrier),
];

/// Constructors whose result has a known type, besides `<known type>::new()`/`default()`.
pub const CONSTRUCTORS: &[(&str, KnownType)] = &[
    (
        "tokio::runtime::Builder::new_multi_thread",
        KnownType::TokioRuntimeBuilder,
    ),
    (
        "tokio::runtime::Builder::new_current_thread",
        KnownType::TokioRuntimeBuilder,
    ),
    ("tokio::runtime::Handle::current", KnownType::TokioHandle),
    (
        "tokio::runtime::Handle::try_current",
        KnownType::TokioHandle,
    ),
];

/// Functions returning `(sender, receiver)` whose sender's `send` is async.
pub const ASYNC_CHANNELS: &[&str] = &[
    "tokio::sync::mpsc::channel",
    "async_channel::bounded",
    "async_channel::unbounded",
    "smol::channel::bounded",
    "smol::channel::unbounded",
    "async_std::channel::bounded",
    "async_std::channel::unbounded",
    "futures::channel::mpsc::channel",
    "futures::channel::mpsc::unbounded",
];

/// Generic wrappers whose methods reach the wrapped value (`Arc<Executor>`), or that hold the
/// value of a `static` (`Lazy<Runtime>`).
pub const TRANSPARENT_WRAPPERS: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Lazy",
    "LazyLock",
    "LazyCell",
    "OnceLock",
    "OnceCell",
    "ManuallyDrop",
];

/// What a method call on a receiver of a known type creates.
pub enum MethodResult {
    Task(HandleKind),
    Future,
    /// A value of this type (`rt.handle()`, a runtime builder's `build()`).
    Value(KnownType),
}

/// The result of `receiver.method(..)` for a receiver of type `ty`.
pub fn method_result(ty: &KnownType, method: &str) -> Option<MethodResult> {
    use KnownType as T;
    let result = match (ty, method) {
        (T::TokioRuntime | T::TokioHandle, "spawn" | "spawn_blocking") => {
            MethodResult::Task(HandleKind::TokioJoinHandle)
        }
        (T::TokioRuntime, "handle") => MethodResult::Value(T::TokioHandle),
        (T::TokioRuntimeBuilder, "build") => MethodResult::Value(T::TokioRuntime),
        // The other builder methods return the builder.
        (T::TokioRuntimeBuilder, _) => MethodResult::Value(T::TokioRuntimeBuilder),
        (T::TokioLocalSet, "spawn_local") => MethodResult::Task(HandleKind::TokioJoinHandle),
        (T::Executor, "spawn") => MethodResult::Task(HandleKind::AsyncTask),
        (T::TokioJoinSet, "join_next" | "join_all" | "shutdown" | "join_next_with_id") => {
            MethodResult::Future
        }
        (T::AsyncSender, "send" | "reserve" | "send_timeout" | "closed" | "reserve_many") => {
            MethodResult::Future
        }
        (T::AsyncMutex, "lock") | (T::AsyncRwLock, "read" | "write") => MethodResult::Future,
        (T::Semaphore, "acquire" | "acquire_many") => MethodResult::Future,
        (T::Notify, "notified") | (T::Barrier, "wait") => MethodResult::Future,
        _ => return None,
    };
    Some(result)
}

/// Functions that return a future, by path.
pub const FUTURE_FUNCTIONS: &[&str] = &[
    "tokio::time::sleep",
    "tokio::time::sleep_until",
    "tokio::time::timeout",
    "tokio::time::timeout_at",
    "tokio::task::yield_now",
    "tokio::signal::ctrl_c",
    "tokio::net::lookup_host",
    "tokio::io::copy",
    "tokio::fs::canonicalize",
    "tokio::fs::copy",
    "tokio::fs::create_dir",
    "tokio::fs::create_dir_all",
    "tokio::fs::hard_link",
    "tokio::fs::metadata",
    "tokio::fs::read",
    "tokio::fs::read_dir",
    "tokio::fs::read_link",
    "tokio::fs::read_to_string",
    "tokio::fs::remove_dir",
    "tokio::fs::remove_dir_all",
    "tokio::fs::remove_file",
    "tokio::fs::rename",
    "tokio::fs::set_permissions",
    "tokio::fs::symlink_metadata",
    "tokio::fs::try_exists",
    "tokio::fs::write",
    "async_std::task::sleep",
    "async_std::task::yield_now",
    "async_std::future::timeout",
    "async_std::fs::create_dir_all",
    "async_std::fs::read",
    "async_std::fs::read_to_string",
    "async_std::fs::remove_file",
    "async_std::fs::write",
    "smol::Timer::after",
    "smol::Timer::at",
    "async_io::Timer::after",
    "async_io::Timer::at",
    "smol::future::yield_now",
    "futures_lite::future::yield_now",
    "futures_timer::Delay::new",
    "futures::future::join",
    "futures::future::join3",
    "futures::future::join_all",
    "futures::future::try_join",
    "futures::future::try_join_all",
    "futures::future::select",
    "futures::future::select_all",
    "futures::future::select_ok",
];

/// Functions whose future is ready at once: awaiting it never suspends.
pub const READY_FUTURES: &[&str] = &[
    "std::future::ready",
    "core::future::ready",
    "futures::future::ready",
    "futures::future::ok",
    "futures::future::err",
    "futures::future::lazy",
    "futures_lite::future::ready",
    "smol::future::ready",
];

/// Crate names that are spelled differently in paths than the crates users depend on:
/// `futures_util::future::join_all` is `futures::future::join_all`.
const CRATE_ALIASES: &[(&str, &str)] = &[
    ("futures_util", "futures"),
    ("futures_channel", "futures::channel"),
    ("futures_executor", "futures::executor"),
    ("async_std::sync::channel", "async_std::channel"),
];

/// The path as the tables spell it: crate aliases replaced, `tokio::task::local::LocalSet` and
/// the like left as they are.
pub fn canonical(path: &str) -> String {
    for (alias, name) in CRATE_ALIASES {
        if let Some(rest) = path.strip_prefix(alias) {
            if rest.is_empty() || rest.starts_with("::") {
                return format!("{name}{rest}");
            }
        }
    }
    match path {
        "tokio::task::local::LocalSet" => "tokio::task::LocalSet".to_owned(),
        "tokio::task::join_set::JoinSet" => "tokio::task::JoinSet".to_owned(),
        "tokio::sync::mpsc::bounded::Sender" => "tokio::sync::mpsc::Sender".to_owned(),
        _ => path.to_owned(),
    }
}

/// Every path of the tables that creates a task or a future, or names a runtime's type.
fn table_paths() -> impl Iterator<Item = &'static str> {
    SPAWN_FUNCTIONS
        .iter()
        .map(|(path, _)| *path)
        .chain(KNOWN_TYPES.iter().map(|(path, _)| *path))
        .chain(CONSTRUCTORS.iter().map(|(path, _)| *path))
        .chain(ASYNC_CHANNELS.iter().copied())
        .chain(FUTURE_FUNCTIONS.iter().copied())
        .chain(READY_FUTURES.iter().copied())
}

/// The crates of the tables (`tokio`, `smol`, `futures_util`...): a file that names none of
/// them, nor `spawn` or a handle type, cannot reach their API (the bare names resolved without
/// an import are spawns). `std` and `core` are left out: their only entries are `future::ready`,
/// and `future` is one of the words a file is checked for anyway.
pub fn async_crates() -> impl Iterator<Item = &'static str> {
    table_paths()
        .chain(CRATE_ALIASES.iter().map(|(alias, _)| *alias))
        .map(crate_of)
        .filter(|name| !matches!(*name, "std" | "core"))
}

/// The crate a path starts with: `tokio` for `tokio::task::spawn`.
pub fn crate_of(path: &str) -> &str {
    path.split("::").next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handle_kind_has_one_row() {
        let kinds = [
            HandleKind::AsyncTask,
            HandleKind::RemoteHandle,
            HandleKind::JoinSet,
            HandleKind::AbortOnDropHandle,
            HandleKind::GlommioTask,
            HandleKind::TokioJoinHandle,
            HandleKind::AsyncStdJoinHandle,
            HandleKind::MonoioJoinHandle,
        ];
        for kind in kinds {
            assert_eq!(HANDLES.iter().filter(|row| row.kind == kind).count(), 1);
            assert_eq!(kind.row().kind, kind);
        }
        assert_eq!(HANDLES.len(), kinds.len());
    }

    #[test]
    fn cancelling_handles_are_errors_and_detaching_ones_warnings() {
        assert_eq!(HandleKind::AsyncTask.severity(), Severity::Error);
        assert_eq!(HandleKind::JoinSet.severity(), Severity::Error);
        assert_eq!(HandleKind::TokioJoinHandle.severity(), Severity::Warning);
        assert!(HandleKind::AsyncStdJoinHandle
            .drop_message()
            .contains("detached"));
    }

    #[test]
    fn the_words_of_a_file_that_uses_a_table_path_name_its_crate() {
        let crates: Vec<&str> = async_crates().collect();
        for path in table_paths() {
            let named = crates.contains(&crate_of(path)) || path.contains("future");
            assert!(named, "{path}");
        }
        assert!(crates.contains(&"futures_util") && !crates.contains(&"std"));
    }

    #[test]
    fn crate_aliases_are_canonical() {
        assert_eq!(
            canonical("futures_util::future::join_all"),
            "futures::future::join_all"
        );
        assert_eq!(canonical("futures_utilx::a"), "futures_utilx::a");
        assert_eq!(
            canonical("tokio::task::local::LocalSet"),
            "tokio::task::LocalSet"
        );
    }
}
