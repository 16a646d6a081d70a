//! What a call creates: a task (a task source of DESIGN §1, or a project function that returns a
//! fresh task it does not keep), an aggregate future (`gather`/`shield`), or a coroutine object
//! (a call of a coroutine function of this module, of another module of the project, or of
//! asyncio).

use std::ops::Range;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use ruff_python_ast::{self as ast, Expr};

use super::index::{Returns, TaskSite};
use super::resolve::{Reference, Resolver};
use super::semantic::{is_self, Callable};
use super::uses::ArgPosition;

/// Something a call creates whose lifetime matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// A task scheduled on the event loop; `api` is how the source names it
    /// (`asyncio.create_task`, `loop.create_task`, `spawn_logged`). `wrapper` is where a project
    /// function that returns the task creates it.
    Task {
        api: String,
        wrapper: Option<TaskSite>,
    },
    /// A future that aggregates or wraps others (`asyncio.gather`, `asyncio.shield`).
    Aggregate { api: String },
    /// A coroutine object of the named function; `asyncio` is true for asyncio's own.
    Coroutine { name: String, asyncio: bool },
}

/// asyncio functions that create and schedule a task.
const TASK_FUNCTIONS: &[&str] = &[
    "asyncio.create_task",
    "asyncio.tasks.create_task",
    "asyncio.ensure_future",
    "asyncio.tasks.ensure_future",
    "asyncio.run_coroutine_threadsafe",
    "asyncio.tasks.run_coroutine_threadsafe",
];

/// Where a text mentions one of the words that code creating a task from asyncio mentions
/// (`create_task`, `ensure_future`, `run_coroutine_threadsafe`): code without any has no task
/// source of its own (a cheap test before looking for task wrappers).
pub fn task_source_mentions(text: &str) -> Vec<Range<usize>> {
    static WORDS: LazyLock<[Finder<'static>; 3]> = LazyLock::new(|| {
        ["create_task", "ensure_future", "run_coroutine_threadsafe"].map(Finder::new)
    });
    WORDS
        .iter()
        .flat_map(|word| {
            let length = word.needle().len();
            word.find_iter(text.as_bytes())
                .map(move |start| start..start + length)
        })
        .collect()
}

/// asyncio functions that return a future over other awaitables.
const AGGREGATE_FUNCTIONS: &[&str] = &[
    "asyncio.gather",
    "asyncio.shield",
    "asyncio.tasks.gather",
    "asyncio.tasks.shield",
];

/// asyncio's coroutine functions.
const ASYNCIO_COROUTINES: &[&str] = &[
    "asyncio.sleep",
    "asyncio.wait",
    "asyncio.wait_for",
    "asyncio.open_connection",
    "asyncio.open_unix_connection",
    "asyncio.start_server",
    "asyncio.start_unix_server",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "asyncio.subprocess.create_subprocess_exec",
    "asyncio.subprocess.create_subprocess_shell",
    "asyncio.to_thread",
    "asyncio.staggered.staggered_race",
    "asyncio.tasks.sleep",
    "asyncio.tasks.wait",
    "asyncio.tasks.wait_for",
];

/// Event-loop methods that are coroutine functions.
const LOOP_COROUTINE_METHODS: &[&str] = &[
    "create_connection",
    "create_server",
    "create_datagram_endpoint",
    "create_unix_connection",
    "create_unix_server",
    "getaddrinfo",
    "getnameinfo",
    "sock_recv",
    "sock_recv_into",
    "sock_recvfrom",
    "sock_sendall",
    "sock_sendto",
    "sock_connect",
    "sock_accept",
    "sock_sendfile",
    "sendfile",
    "start_tls",
    "connect_read_pipe",
    "connect_write_pipe",
    "subprocess_exec",
    "subprocess_shell",
    "shutdown_asyncgens",
    "shutdown_default_executor",
];

/// Calls that schedule a callback and discard what it returns, with the position of the
/// callback among their positional arguments.
const CALLBACK_REGISTRARS: &[(&str, usize)] = &[
    ("call_soon", 0),
    ("call_soon_threadsafe", 0),
    ("add_done_callback", 0),
    ("call_later", 1),
    ("call_at", 1),
    ("add_signal_handler", 1),
    ("add_reader", 1),
    ("add_writer", 1),
];

impl Resolver<'_, '_> {
    /// What `call` creates, if it is a task source or a coroutine call.
    pub fn created_by(&self, call: &ast::ExprCall) -> Option<Created> {
        let qualified = self.qualified_name(&call.func);
        if let Some(name) = &qualified {
            if TASK_FUNCTIONS.contains(&name.as_str()) {
                return self.schedules_work(call, name).then(|| Created::Task {
                    api: short(name),
                    wrapper: None,
                });
            }
            if AGGREGATE_FUNCTIONS.contains(&name.as_str()) {
                return Some(Created::Aggregate { api: short(name) });
            }
            if ASYNCIO_COROUTINES.contains(&name.as_str()) {
                return Some(Created::Coroutine {
                    name: short(name),
                    asyncio: true,
                });
            }
        }
        match &*call.func {
            Expr::Attribute(attribute) => {
                let method = attribute.attr.as_str();
                let receiver = &*attribute.value;
                if method == "create_task" && self.is_loop_expr(receiver) {
                    return Some(Created::Task {
                        api: "loop.create_task".to_owned(),
                        wrapper: None,
                    });
                }
                if LOOP_COROUTINE_METHODS.contains(&method) && self.is_loop_expr(receiver) {
                    return Some(Created::Coroutine {
                        name: format!("loop.{method}"),
                        asyncio: true,
                    });
                }
                if self.method_call(receiver, method) == Some(Callable::Coroutine) {
                    return Some(Created::Coroutine {
                        name: method.to_owned(),
                        asyncio: false,
                    });
                }
            }
            Expr::Name(name)
                if self.function_named(name.id.as_str()) == Some(Callable::Coroutine) =>
            {
                return Some(Created::Coroutine {
                    name: name.id.as_str().to_owned(),
                    asyncio: false,
                });
            }
            _ => {}
        }
        self.created_by_project(call, qualified)
    }

    /// What a call of a function known to the project index (or named in the configuration)
    /// creates; `qualified` is the called name through the imports, if it has one.
    fn created_by_project(
        &self,
        call: &ast::ExprCall,
        qualified: Option<String>,
    ) -> Option<Created> {
        let project = self.project?;
        let reference = match qualified {
            Some(qualified) => Reference::Imported(qualified),
            None => {
                if !self.may_name_project_function(&call.func) && !project.configures_methods() {
                    return None;
                }
                // A name neither imported nor defined by the module is a builtin or a local.
                if matches!(&*call.func, Expr::Name(name) if !project.defines(name.id.as_str())) {
                    return None;
                }
                self.reference(&call.func)?
            }
        };
        let name = match &*call.func {
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => return None,
        };
        Some(match project.returns(&reference)? {
            Returns::Coroutine => Created::Coroutine {
                name: name.to_owned(),
                asyncio: false,
            },
            Returns::Task(wrapper) => Created::Task {
                api: name.to_owned(),
                wrapper,
            },
        })
    }

    /// `ensure_future(x)` schedules a task only when `x` is a coroutine (a call); given a future
    /// it returns it unchanged.
    fn schedules_work(&self, call: &ast::ExprCall, name: &str) -> bool {
        if !name.ends_with("ensure_future") {
            return true;
        }
        matches!(call.arguments.args.first(), Some(Expr::Call(inner))
            if !matches!(self.created_by(inner), Some(Created::Task { .. } | Created::Aggregate { .. })))
    }

    /// What calling `receiver.method(...)` returns, for `self`/`cls`/`super()` receivers, as far
    /// as this module knows.
    fn method_call(&self, receiver: &Expr, method: &str) -> Option<Callable> {
        let class_name = self.class.as_ref()?.name;
        if is_self(receiver) {
            return self.module.method(class_name, method);
        }
        let Expr::Call(call) = receiver else {
            return None;
        };
        let is_super = matches!(&*call.func, Expr::Name(name) if name.id.as_str() == "super");
        if !is_super {
            return None;
        }
        let class = self.module.classes.get(class_name)?;
        for base in &class.bases {
            let Expr::Name(base) = base else { return None };
            match self.module.method(base.id.as_str(), method) {
                Some(callable) => return Some(callable),
                None if self.module.classes.contains_key(base.id.as_str()) => continue,
                None => return None,
            }
        }
        None
    }
}

/// `asyncio.tasks.create_task` → `asyncio.create_task`.
fn short(name: &str) -> String {
    name.replace("asyncio.tasks.", "asyncio.")
        .replace("asyncio.subprocess.", "asyncio.")
}

/// The name of a call that discards what the callback at `position` returns
/// (`call_soon`, `add_signal_handler`...), if it is one.
pub fn discarding_registrar<'a>(
    call: &'a ast::ExprCall,
    position: ArgPosition<'_>,
) -> Option<&'a str> {
    let method = match &*call.func {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        _ => return None,
    };
    let (_, callback_at) = CALLBACK_REGISTRARS
        .iter()
        .find(|(name, _)| *name == method)?;
    (position == ArgPosition::Positional(*callback_at)).then_some(method)
}
