//! The `asyncio`, `time` and `gc` modules. Futures, tasks, `gather`, `shield` and the loop's
//! scheduling are native (the runtime's); the rest of asyncio (`run`, `sleep`, `wait_for`,
//! `wait`, `timeout`, `Event`, `Lock`, `Semaphore`, `Queue`, `TaskGroup`) is the Python of
//! `prelude.py`, compiled and run by the interpreter when the program imports asyncio.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::builtins::{collect, exactly, is_instance_of, py_str};
use super::value::{Args, CoroState, Module, NativeFn, TypeKind, Value};
use super::vm::{method, native, unsupported, Flow, HostCallback, PyResult, Vm};
use crate::runtime::{self, Callback, DoneCallback, FutureId, FutureState, HandleFlag};
use crate::source::SourceFile;

const PRELUDE: &str = include_str!("prelude.py");

fn type_err<T>(vm: &mut Vm, message: impl Into<String>) -> PyResult<T> {
    Err(vm.exception("TypeError", message))
}

fn no_loop(vm: &mut Vm) -> Flow {
    vm.exception("RuntimeError", "no running event loop")
}

/// Turns a coroutine or future into a future id (`ensure_future`).
fn ensure_future(vm: &mut Vm, value: &Value, name: Option<String>) -> PyResult<(FutureId, Value)> {
    match value {
        Value::Future(handle) => Ok((handle.id, value.clone())),
        Value::Coroutine(_) => {
            let task = create_task(vm, value.clone(), name, true)?;
            let Value::Future(handle) = &task else {
                return unsupported("this task");
            };
            Ok((handle.id, task))
        }
        other => type_err(
            vm,
            format!(
                "An asyncio.Future, a coroutine or an awaitable is required, not {}",
                other.type_name()
            ),
        ),
    }
}

fn create_task(vm: &mut Vm, coro: Value, name: Option<String>, user: bool) -> PyResult<Value> {
    if !vm.loop_running {
        if let Value::Coroutine(c) = &coro {
            c.borrow_mut().state = CoroState::Closed;
        }
        return Err(no_loop(vm));
    }
    let Value::Coroutine(c) = coro else {
        return type_err(
            vm,
            format!("a coroutine was expected, got {}", coro.type_name()),
        );
    };
    if c.borrow().state != CoroState::Created {
        return Err(vm.exception("RuntimeError", "cannot reuse already awaited coroutine"));
    }
    // The task owns the coroutine now: it is not a coroutine that nobody awaits.
    c.borrow_mut().state = CoroState::Suspended;
    let site = if user { vm.user_site() } else { None };
    let id = vm.rt.create_task(c, name, site);
    Ok(vm.future_value(id))
}

fn name_keyword(vm: &mut Vm, args: &mut Args) -> PyResult<Option<String>> {
    match args.take_keyword("name") {
        None | Some(Value::None) => Ok(None),
        Some(value) => Ok(Some(py_str(vm, &value)?)),
    }
}

const MODULE_FUNCTIONS: &[(&str, NativeFn)] = &[
    ("create_task", |vm, _, mut args| {
        let name = name_keyword(vm, &mut args)?;
        let _ = args.take_keyword("context");
        let [coro] = exactly::<1>(vm, "create_task", args)?;
        create_task(vm, coro, name, true)
    }),
    ("ensure_future", |vm, _, mut args| {
        let _ = args.take_keyword("loop");
        let [value] = exactly::<1>(vm, "ensure_future", args)?;
        Ok(ensure_future(vm, &value, None)?.1)
    }),
    ("_internal_task", |vm, _, args| {
        let [coro] = exactly::<1>(vm, "_internal_task", args)?;
        create_task(vm, coro, None, false)
    }),
    ("gather", |vm, _, mut args| {
        let return_exceptions = args
            .take_keyword("return_exceptions")
            .is_some_and(|v| v.truthy());
        if let Some((name, _)) = args.keywords.first() {
            return type_err(
                vm,
                format!("gather() got an unexpected keyword argument '{name}'"),
            );
        }
        if !vm.loop_running {
            return unsupported("gather() outside a running loop");
        }
        if args.positional.is_empty() {
            let id = vm.rt.create_future();
            vm.rt.set_result(id, Value::list(Vec::new()));
            return Ok(vm.future_value(id));
        }
        let mut children = Vec::new();
        let mut keep = Vec::new();
        // The same awaitable given twice is one child.
        let mut seen: FxHashMap<usize, FutureId> = FxHashMap::default();
        for arg in &args.positional {
            let identity = arg.identity();
            if let Some(&id) = identity.and_then(|i| seen.get(&i)) {
                children.push(id);
                continue;
            }
            let (id, value) = ensure_future(vm, arg, None)?;
            if let Some(identity) = identity {
                seen.insert(identity, id);
            }
            children.push(id);
            keep.push(value);
        }
        let outer = vm.rt.gather(children, return_exceptions, keep);
        Ok(vm.future_value(outer))
    }),
    ("shield", |vm, _, args| {
        let [value] = exactly::<1>(vm, "shield", args)?;
        let (inner, handle) = ensure_future(vm, &value, None)?;
        if vm.rt.is_done(inner) {
            return Ok(handle);
        }
        let outer = vm.rt.shield(inner, handle);
        Ok(vm.future_value(outer))
    }),
    ("current_task", |vm, _, _| {
        if !vm.loop_running {
            return Err(no_loop(vm));
        }
        Ok(match vm.rt.current {
            Some(id) => vm.future_value(id),
            None => Value::None,
        })
    }),
    ("all_tasks", |vm, _, _| {
        if !vm.loop_running {
            return Err(no_loop(vm));
        }
        let ids: Vec<FutureId> = vm
            .rt
            .live_ids()
            .filter(|&id| vm.rt.is_live_task(id))
            .collect();
        let items = ids.into_iter().map(|id| vm.future_value(id)).collect();
        super::builtins::make_set(vm, items)
    }),
    ("get_running_loop", |vm, _, _| {
        if !vm.loop_running {
            return Err(no_loop(vm));
        }
        Ok(Value::Loop)
    }),
    ("get_event_loop", |vm, _, _| {
        if !vm.loop_running {
            return unsupported("get_event_loop() outside a running loop");
        }
        Ok(Value::Loop)
    }),
    ("iscoroutine", |vm, _, args| {
        let [value] = exactly::<1>(vm, "iscoroutine", args)?;
        Ok(Value::Bool(matches!(value, Value::Coroutine(_))))
    }),
    ("isfuture", |vm, _, args| {
        let [value] = exactly::<1>(vm, "isfuture", args)?;
        Ok(Value::Bool(matches!(value, Value::Future(_))))
    }),
    ("_yield_now", |_, _, _| Ok(Value::YieldNow)),
    ("_loop_running", |vm, _, _| Ok(Value::Bool(vm.loop_running))),
    ("_set_loop_running", |vm, _, args| {
        let [flag] = exactly::<1>(vm, "_set_loop_running", args)?;
        vm.loop_running = flag.truthy();
        Ok(Value::None)
    }),
    ("_run_until_complete", |vm, _, args| {
        let [future] = exactly::<1>(vm, "_run_until_complete", args)?;
        let Value::Future(handle) = future else {
            return type_err(vm, "a future is required");
        };
        vm.run_until_complete(handle.id)?;
        vm.future_result(handle.id)
    }),
    ("_exception_group", |vm, _, args| {
        let [message, errors] = exactly::<2>(vm, "_exception_group", args)?;
        let errors = collect(vm, &errors)?;
        let all_exceptions = errors.iter().all(|e| is_instance_of(vm, e, "Exception"));
        let class = if all_exceptions {
            "ExceptionGroup"
        } else {
            "BaseExceptionGroup"
        };
        Ok(vm.exception_value(class, vec![message, Value::list(errors)]))
    }),
];

/// Imports asyncio: the native functions, then the prelude run in the same module.
pub fn load(vm: &mut Vm) -> PyResult<Rc<Module>> {
    let module = Rc::new(Module {
        name: Rc::from("asyncio"),
        globals: RefCell::new(FxHashMap::default()),
    });
    {
        let mut globals = module.globals.borrow_mut();
        for (name, func) in MODULE_FUNCTIONS {
            globals.insert(Rc::from(*name), native(name, *func));
        }
        for name in [
            "CancelledError",
            "InvalidStateError",
            "QueueEmpty",
            "QueueFull",
            "TimeoutError",
        ] {
            if let Some(class) = vm.exceptions.get(name) {
                globals.insert(Rc::from(name), Value::Class(class.clone()));
            }
        }
        globals.insert(Rc::from("__name__"), Value::str("asyncio"));
        globals.insert(Rc::from("Future"), Value::Type(TypeKind::Future));
        globals.insert(Rc::from("Task"), Value::Type(TypeKind::Task));
    }
    let source = SourceFile::new("<asyncio>", PRELUDE);
    let parsed = ruff_python_parser::parse_module(&source.text).map_err(|e| {
        Flow::Fatal(super::vm::Fatal::Unsupported(
            format!("the asyncio prelude does not parse: {e}"),
            None,
        ))
    })?;
    let code = super::compile::compile_module(&source, parsed.syntax(), true).map_err(|e| {
        Flow::Fatal(super::vm::Fatal::Unsupported(
            format!("the asyncio prelude does not compile: {}", e.message),
            None,
        ))
    })?;
    vm.sources.insert(Rc::from("<asyncio>"), Rc::new(source));
    super::run_module_code(vm, code, module.clone())?;
    Ok(module)
}

pub fn time_module() -> Rc<Module> {
    let module = Rc::new(Module {
        name: Rc::from("time"),
        globals: RefCell::new(FxHashMap::default()),
    });
    let clock: NativeFn = |vm, _, _| Ok(Value::Float(vm.rt.time()));
    {
        let mut globals = module.globals.borrow_mut();
        globals.insert(
            Rc::from("sleep"),
            native("sleep", |vm, _, args| {
                let [seconds] = exactly::<1>(vm, "sleep", args)?;
                let seconds = match seconds {
                    Value::Int(i) => i as f64,
                    Value::Float(f) => f,
                    _ => return type_err(vm, "'str' object cannot be interpreted as an integer"),
                };
                if seconds < 0.0 {
                    return Err(vm.exception("ValueError", "sleep length must be non-negative"));
                }
                vm.sleep_blocking(seconds)?;
                Ok(Value::None)
            }),
        );
        for name in ["monotonic", "perf_counter", "time"] {
            globals.insert(Rc::from(name), native("monotonic", clock));
        }
    }
    module
}

pub fn gc_module() -> Rc<Module> {
    let module = Rc::new(Module {
        name: Rc::from("gc"),
        globals: RefCell::new(FxHashMap::default()),
    });
    module.globals.borrow_mut().insert(
        Rc::from("collect"),
        native("collect", |vm, _, _| {
            vm.collect_garbage()?;
            Ok(Value::Int(0))
        }),
    );
    module
}

/// `async with` / `with` on values that are not instances.
pub fn special_method(vm: &mut Vm, object: &Value, name: &str) -> PyResult<Value> {
    let protocol = if name.starts_with("__a") {
        "asynchronous context manager"
    } else {
        "context manager"
    };
    type_err(
        vm,
        format!(
            "'{}' object does not support the {protocol} protocol",
            object.type_name()
        ),
    )
}

fn future_id(vm: &mut Vm, receiver: Option<&Value>) -> PyResult<FutureId> {
    match receiver {
        Some(Value::Future(handle)) => Ok(handle.id),
        _ => type_err(vm, "a future method called on another object"),
    }
}

/// Equality of done-callbacks, for `remove_done_callback` (functions by identity, bound
/// methods by receiver and function).
fn same_callback(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::BoundMethod(x), Value::BoundMethod(y)) => {
            super::ops::same_object(&x.0, &y.0) && super::ops::same_object(&x.1, &y.1)
        }
        (Value::Builtin(x), Value::Builtin(y)) => {
            x.name == y.name
                && std::ptr::fn_addr_eq(x.func, y.func)
                && match (&x.receiver, &y.receiver) {
                    (Some(a), Some(b)) => super::ops::same_object(a, b),
                    (None, None) => true,
                    _ => false,
                }
        }
        _ => super::ops::same_object(a, b),
    }
}

fn schedule_args(vm: &mut Vm, args: Vec<Value>, what: &str) -> PyResult<HostCallback> {
    let mut args = args.into_iter();
    let Some(func) = args.next() else {
        return type_err(vm, format!("{what}() missing the callback"));
    };
    let callable = matches!(
        func,
        Value::Function(_)
            | Value::BoundMethod(_)
            | Value::Builtin(_)
            | Value::Class(_)
            | Value::Type(_)
    );
    if !callable {
        let got = super::builtins::py_repr(vm, &func)?;
        return type_err(
            vm,
            format!("a callable object was expected by {what}(), got {got}"),
        );
    }
    Ok(HostCallback {
        func,
        args: args.collect(),
    })
}

fn seconds(vm: &mut Vm, value: Option<&Value>) -> PyResult<f64> {
    match value {
        Some(Value::Int(i)) => Ok(*i as f64),
        Some(Value::Float(f)) => Ok(*f),
        _ => type_err(vm, "a number of seconds is required"),
    }
}

const FUTURE_METHODS: &[(&str, NativeFn)] = &[
    ("done", |vm, r, _| {
        let id = future_id(vm, r)?;
        Ok(Value::Bool(vm.rt.is_done(id)))
    }),
    ("cancelled", |vm, r, _| {
        let id = future_id(vm, r)?;
        Ok(Value::Bool(
            vm.rt
                .slot(id)
                .is_some_and(|s| s.state == FutureState::Cancelled),
        ))
    }),
    ("result", |vm, r, _| {
        let id = future_id(vm, r)?;
        vm.future_result(id)
    }),
    ("exception", |vm, r, _| {
        let id = future_id(vm, r)?;
        if !vm.rt.is_done(id) {
            return Err(vm.invalid_state("Exception is not set."));
        }
        let cancelled = vm
            .rt
            .slot(id)
            .is_some_and(|s| s.state == FutureState::Cancelled);
        let exc = runtime::future_exception(vm, id);
        match exc {
            Some(exc) if cancelled => Err(Flow::Exc(exc)),
            Some(exc) => Ok(exc),
            None => Ok(Value::None),
        }
    }),
    ("cancel", |vm, r, mut args| {
        let id = future_id(vm, r)?;
        let message = args
            .take_keyword("msg")
            .or_else(|| args.positional.first().cloned());
        Ok(Value::Bool(runtime::cancel(vm, id, message)))
    }),
    ("add_done_callback", |vm, r, mut args| {
        let id = future_id(vm, r)?;
        let _ = args.take_keyword("context");
        let [func] = exactly::<1>(vm, "add_done_callback", args)?;
        vm.rt.add_done_callback(id, DoneCallback::Host(func));
        Ok(Value::None)
    }),
    ("remove_done_callback", |vm, r, args| {
        let id = future_id(vm, r)?;
        let [func] = exactly::<1>(vm, "remove_done_callback", args)?;
        let removed = vm.rt.remove_done_callbacks(
            id,
            |cb| matches!(cb, DoneCallback::Host(f) if same_callback(f, &func)),
        );
        Ok(Value::Int(removed as i64))
    }),
    ("set_result", |vm, r, args| {
        let id = future_id(vm, r)?;
        if vm.is_task(id) {
            return Err(vm.exception("RuntimeError", "Task does not support set_result operation"));
        }
        let [value] = exactly::<1>(vm, "set_result", args)?;
        if !vm.rt.set_result(id, value) {
            return Err(vm.invalid_state("invalid state"));
        }
        Ok(Value::None)
    }),
    ("set_exception", |vm, r, args| {
        let id = future_id(vm, r)?;
        if vm.is_task(id) {
            return Err(vm.exception(
                "RuntimeError",
                "Task does not support set_exception operation",
            ));
        }
        let [exc] = exactly::<1>(vm, "set_exception", args)?;
        let exc = match exc {
            Value::Class(_) => vm.call_value(exc, Vec::new())?,
            other => other,
        };
        if !vm.rt.set_exception(id, exc) {
            return Err(vm.invalid_state("invalid state"));
        }
        Ok(Value::None)
    }),
    ("get_name", |vm, r, _| {
        let id = future_id(vm, r)?;
        let name = vm
            .rt
            .slot(id)
            .and_then(|s| s.task.as_ref())
            .map(|t| t.name.clone());
        match name {
            Some(name) => Ok(Value::str(&name)),
            None => unsupported("get_name() of a future"),
        }
    }),
    ("set_name", |vm, r, args| {
        let id = future_id(vm, r)?;
        let [name] = exactly::<1>(vm, "set_name", args)?;
        let name = py_str(vm, &name)?;
        vm.rt.set_task_name(id, name);
        Ok(Value::None)
    }),
    ("cancelling", |vm, r, _| {
        let id = future_id(vm, r)?;
        let n = vm
            .rt
            .slot(id)
            .and_then(|s| s.task.as_ref())
            .map_or(0, |t| t.num_cancels_requested);
        Ok(Value::Int(n as i64))
    }),
    ("uncancel", |vm, r, _| {
        let id = future_id(vm, r)?;
        let n = match vm.rt.slot_mut(id).and_then(|s| s.task.as_mut()) {
            Some(task) => {
                if task.num_cancels_requested > 0 {
                    task.num_cancels_requested -= 1;
                }
                task.num_cancels_requested
            }
            None => 0,
        };
        Ok(Value::Int(n as i64))
    }),
    ("get_coro", |vm, r, _| {
        let id = future_id(vm, r)?;
        let coro = vm
            .rt
            .slot(id)
            .and_then(|s| s.task.as_ref())
            .and_then(|t| t.coro.clone());
        Ok(coro.map_or(Value::None, Value::Coroutine))
    }),
    ("get_loop", |_, _, _| Ok(Value::Loop)),
];

const LOOP_METHODS: &[(&str, NativeFn)] = &[
    ("create_future", |vm, _, _| {
        let id = vm.rt.create_future();
        Ok(vm.future_value(id))
    }),
    ("create_task", |vm, _, mut args| {
        let name = name_keyword(vm, &mut args)?;
        let _ = args.take_keyword("context");
        let [coro] = exactly::<1>(vm, "create_task", args)?;
        create_task(vm, coro, name, true)
    }),
    ("time", |vm, _, _| Ok(Value::Float(vm.rt.time()))),
    ("is_running", |vm, _, _| Ok(Value::Bool(vm.loop_running))),
    ("call_soon", |vm, _, mut args| {
        let _ = args.take_keyword("context");
        let callback = schedule_args(vm, args.positional, "call_soon")?;
        let flag = HandleFlag::default();
        vm.rt
            .call_soon(Callback::Host(callback), Some(flag.clone()));
        Ok(Value::Handle(flag))
    }),
    ("call_later", |vm, _, mut args| {
        let _ = args.take_keyword("context");
        let delay = seconds(vm, args.positional.first())?;
        let callback = schedule_args(vm, args.positional.split_off(1), "call_later")?;
        let when = vm.rt.time() + delay;
        Ok(Value::Handle(vm.rt.call_at(when, callback)))
    }),
    ("call_at", |vm, _, mut args| {
        let _ = args.take_keyword("context");
        let when = seconds(vm, args.positional.first())?;
        let callback = schedule_args(vm, args.positional.split_off(1), "call_at")?;
        Ok(Value::Handle(vm.rt.call_at(when, callback)))
    }),
];

const HANDLE_METHODS: &[(&str, NativeFn)] = &[
    ("cancel", |_, r, _| {
        if let Some(Value::Handle(flag)) = r {
            flag.cancel();
        }
        Ok(Value::None)
    }),
    ("cancelled", |_, r, _| {
        Ok(Value::Bool(
            matches!(r, Some(Value::Handle(flag)) if flag.cancelled()),
        ))
    }),
];

/// Attributes of futures, tasks, the loop and timer handles.
pub fn get_attr(object: &Value, name: &str) -> PyResult<Value> {
    let table = match object {
        Value::Future(_) => FUTURE_METHODS,
        Value::Loop => LOOP_METHODS,
        _ => HANDLE_METHODS,
    };
    match table.iter().find(|(n, _)| *n == name) {
        Some((n, func)) => Ok(method(n, *func, object.clone())),
        None => unsupported(format!(
            "the attribute `{name}` of a {}",
            object.type_name()
        )),
    }
}
