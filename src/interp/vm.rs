//! The virtual machine: frames live on the heap, in one stack of frames per VM (`frames`).
//! A Python call pushes a frame and the loop goes on with it; nothing recurses on the native
//! stack for Python calls, so recursion depth is a frame count (`RecursionError` past 1000).
//!
//! A task's step moves the task's saved frames onto the stack and runs them until the
//! outermost one returns or the innermost suspends; then they are moved back into the task's
//! coroutine object. `await coroutine` pushes the coroutine's frame on the same stack (the
//! coroutine runs inline, without suspending); `await future` suspends the task when the future
//! is pending, leaving the future on the awaiting frame's value stack (that frame holds it, as
//! in CPython), and the runtime resumes the task when the future is done.
//!
//! Native code that calls back into Python (a callback of the loop, a `sort` key, a generator
//! driven by `list()`) runs the callee's frames on top of the stack until they return: that is
//! the only native recursion, and it is bounded.

use std::cell::RefCell;
use std::io::Write;
use std::rc::{Rc, Weak};

use rustc_hash::FxHashMap;

use super::compile::{Code, Flavor, Op};
use super::value::{
    Args, Builtin, Class, CoroState, Coroutine, Dict, FutureHandle, Generator, Instance, Iter,
    Module, Namespace, NativeFn, NeverAwaitedSink, TypeKind, Value,
};
use crate::runtime::{self, FutureId, GcMode, Host, Runtime, Site, Step};

/// The largest number of frames on the stack before `RecursionError`.
pub const RECURSION_LIMIT: usize = 1000;
/// The deepest native re-entry (a callback calling a function whose `sort` key calls...).
const NESTING_LIMIT: usize = 150;

/// Why the program cannot go on (not a Python exception).
#[derive(Debug)]
pub enum Fatal {
    /// A construct outside the supported subset, with where it is when known.
    Unsupported(String, Option<(Rc<str>, u32, u32)>),
    /// A limit of the run was reached.
    Limit(Limit),
    /// The loop has nothing to run, no timer to wait for, and the program waits.
    Hang,
}

/// A limit that stops a runaway program, with its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// `--max-steps`: interpreted instructions.
    Steps(u64),
    /// `--max-time`: seconds of the virtual clock.
    VirtualTime(f64),
    /// `--max-memory`: heap bytes held by the interpreter.
    Memory(u64),
}

/// How control leaves ordinary execution: a Python exception, or a fatal stop.
pub enum Flow {
    Exc(Value),
    Fatal(Fatal),
}

impl From<Fatal> for Flow {
    fn from(fatal: Fatal) -> Self {
        Flow::Fatal(fatal)
    }
}

pub type PyResult<T> = Result<T, Flow>;

pub fn unsupported<T>(what: impl Into<String>) -> PyResult<T> {
    Err(Flow::Fatal(Fatal::Unsupported(
        format!("unsupported: {}", what.into()),
        None,
    )))
}

/// What a frame does with its return value.
pub enum Ret {
    /// Push it on the caller's stack.
    Value,
    /// The caller awaited this coroutine: its object is on top of the caller's stack.
    AwaitedCoro,
    /// `__init__`: push the instance instead.
    Init(Value),
    /// A class body: make the class from the namespace.
    Class { name: Rc<str>, bases: Vec<Value> },
    /// A step of an async generator run by `async for` (its object is on top of the caller's
    /// stack): a `yield` gives the value to the caller, returning ends the loop at `exit`.
    AsyncGenStep { exit: u32 },
}

/// An exception handler of a frame.
#[derive(Clone, Copy)]
pub struct Block {
    handler: u32,
    depth: u32,
    handled: u32,
}

/// A frame: one activation of a code object.
pub struct Frame {
    pub code: Rc<Code>,
    pub pc: usize,
    pub stack: Vec<Value>,
    pub locals: Vec<Option<Value>>,
    pub cells: Vec<Rc<RefCell<Option<Value>>>>,
    pub blocks: Vec<Block>,
    /// Exceptions being handled (innermost last), for bare `raise`.
    pub handled: Vec<Value>,
    pub module: Rc<Module>,
    pub class_ns: Option<Namespace>,
    pub ret: Ret,
    /// The class that defines the function (for `super()`).
    pub owner: Option<Rc<Class>>,
}

impl Drop for Frame {
    fn drop(&mut self) {
        let stack = self.stack.drain(..);
        let locals = self.locals.drain(..).flatten();
        let handled = self.handled.drain(..);
        // A cell shared with a closure stays; its value is dropped with the last holder.
        let cells = self
            .cells
            .drain(..)
            .filter_map(|cell| Rc::try_unwrap(cell).ok()?.into_inner());
        super::deep_drop::drop_values(stack.chain(locals).chain(handled).chain(cells));
    }
}

impl Frame {
    /// The location of the instruction running (or about to resume).
    pub fn loc(&self) -> super::compile::Loc {
        let pc = self
            .pc
            .saturating_sub(1)
            .min(self.code.locs.len().saturating_sub(1));
        self.code.locs.get(pc).copied().unwrap_or_default()
    }
}

/// How a run of frames ended.
pub enum Exit {
    Returned(Value),
    Yielded(Value),
    Suspended(Option<FutureId>),
    Raised(Value),
}

/// A scheduled callable of the program with its arguments.
pub struct HostCallback {
    pub func: Value,
    pub args: Vec<Value>,
}

/// Settings of a run.
pub struct Options {
    pub gc: GcMode,
    /// Report each loop iteration on stderr.
    pub trace: bool,
    /// Record the life of every task for a timeline ([`RunReport::timeline`](super::RunReport)).
    pub timeline: bool,
    pub starve_after: u64,
    /// Interpreted instructions before the run is stopped.
    pub max_steps: u64,
    /// Seconds of the virtual clock the run may reach.
    pub max_time: f64,
    /// Heap bytes the interpreter may hold (see [`crate::memory`]).
    pub max_memory: u64,
}

/// The interpreter.
pub struct Vm {
    pub frames: Vec<Frame>,
    pub rt: Runtime<Vm>,
    pub builtins: FxHashMap<Rc<str>, Value>,
    pub exceptions: FxHashMap<&'static str, Rc<Class>>,
    pub modules: FxHashMap<Rc<str>, Rc<Module>>,
    pub main: Option<Rc<Module>>,
    pub out: Box<dyn Write>,
    pub options: Options,
    pub steps: u64,
    /// The heap bytes this thread held when the VM was made: the memory cap counts from here.
    held_at_start: isize,
    pub nesting: usize,
    /// Inline awaits since the running task last suspended.
    pub inline_awaits: u64,
    pub starvation_reported: bool,
    /// The loops already reported as starving (path, line, column), reported once each.
    pub starving_loops: Vec<(Rc<str>, u32, u32)>,
    /// The containers whose `repr` is being built, outermost first (for `[...]`).
    pub reprs_running: Vec<*const ()>,
    /// How deep the comparison of nested containers running is.
    pub comparisons_running: usize,
    /// Handles of futures and tasks the program may hold, to give out the same one again.
    pub handles: FxHashMap<FutureId, Weak<FutureHandle>>,
    /// Ids whose last handle was dropped, reported by [`FutureHandle`]'s `Drop`.
    pub dropped: Rc<RefCell<Vec<FutureId>>>,
    /// Done futures whose handles are gone, freed at the next collection: (id, iteration).
    pub retiring: Vec<(FutureId, u64)>,
    /// Coroutines collected without being awaited, reported by [`Coroutine`]'s `Drop`.
    pub never_awaited: NeverAwaitedSink,
    /// Whether a loop is running (`asyncio.run`).
    pub loop_running: bool,
    /// Exceptions never retrieved, printed at the end.
    pub unretrieved: u64,
    /// The source text of files, for tracebacks.
    pub sources: FxHashMap<Rc<str>, Rc<crate::source::SourceFile>>,
}

fn type_error<T>(vm: &mut Vm, message: impl Into<String>) -> PyResult<T> {
    Err(vm.exception("TypeError", message))
}

impl Vm {
    pub fn new(options: Options, out: Box<dyn Write>) -> Vm {
        let mut vm = Vm {
            frames: Vec::new(),
            rt: Runtime::new(options.gc),
            builtins: FxHashMap::default(),
            exceptions: FxHashMap::default(),
            modules: FxHashMap::default(),
            main: None,
            out,
            options,
            steps: 0,
            held_at_start: crate::memory::thread_held_bytes(),
            nesting: 0,
            inline_awaits: 0,
            starvation_reported: false,
            starving_loops: Vec::new(),
            reprs_running: Vec::new(),
            comparisons_running: 0,
            handles: FxHashMap::default(),
            dropped: Rc::new(RefCell::new(Vec::new())),
            retiring: Vec::new(),
            never_awaited: Rc::new(RefCell::new(Vec::new())),
            loop_running: false,
            unretrieved: 0,
            sources: FxHashMap::default(),
        };
        vm.rt.trace = vm.options.trace;
        if vm.options.timeline {
            vm.rt.record_timeline();
        }
        vm.rt.max_time = vm.options.max_time;
        super::builtins::install(&mut vm);
        vm
    }

    /// A new exception instance of a built-in class, as a [`Flow`].
    pub fn exception(&mut self, class: &str, message: impl Into<String>) -> Flow {
        let message = message.into();
        match self.exceptions.get(class).cloned() {
            Some(class) => {
                let args = if message.is_empty() {
                    Vec::new()
                } else {
                    vec![Value::str(&message)]
                };
                Flow::Exc(new_exception(&class, args))
            }
            None => Flow::Fatal(Fatal::Unsupported(
                format!("unsupported: exception {class}"),
                None,
            )),
        }
    }

    pub fn exception_value(&mut self, class: &str, args: Vec<Value>) -> Value {
        match self.exceptions.get(class) {
            Some(class) => new_exception(class, args),
            None => Value::None,
        }
    }

    /// The handle of a future or task, the same object while the program holds one.
    pub fn future_value(&mut self, id: FutureId) -> Value {
        if let Some(handle) = self.handles.get(&id).and_then(Weak::upgrade) {
            return Value::Future(handle);
        }
        let handle = Rc::new(FutureHandle {
            id,
            dropped: self.dropped.clone(),
        });
        self.handles.insert(id, Rc::downgrade(&handle));
        Value::Future(handle)
    }

    /// The site of the innermost frame of the program (not of the asyncio prelude).
    pub fn user_site(&self) -> Option<Site> {
        let frame = self.frames.iter().rev().find(|f| !f.code.prelude)?;
        let loc = frame.loc();
        Some(Site {
            path: frame.code.path.clone(),
            line: loc.line,
            column: loc.column,
            in_loop: (loc.loop_line != 0).then_some((loc.loop_line, loc.loop_column)),
        })
    }

    // ----- calls -----

    /// Binds arguments and makes the frame of a Python function.
    fn make_frame(
        &mut self,
        func: &Rc<super::value::Function>,
        mut args: Args,
        ret: Ret,
    ) -> PyResult<Frame> {
        let code = func.code.clone();
        let nlocals = code.varnames.len();
        let mut locals: Vec<Option<Value>> = vec![None; nlocals];
        let npos = args.positional.len();
        let mut extra = Vec::new();
        for (i, value) in std::mem::take(&mut args.positional).into_iter().enumerate() {
            if i < code.argcount {
                locals[i] = Some(value);
            } else if code.varargs {
                extra.push(value);
            } else {
                let required = code.argcount - func.defaults.len().min(code.argcount);
                let takes = if required == code.argcount {
                    code.argcount.to_string()
                } else {
                    format!("from {required} to {}", code.argcount)
                };
                let plural = if takes == "1" { "" } else { "s" };
                let verb = if npos == 1 { "was" } else { "were" };
                return type_error(
                    self,
                    format!(
                        "{}() takes {takes} positional argument{plural} but {npos} {verb} given",
                        code.qualname
                    ),
                );
            }
        }
        let mut kwargs = Dict::default();
        let named = code.argcount + code.kwonly;
        for (name, value) in args.keywords {
            match code.varnames[..named].iter().position(|v| *v == name) {
                Some(i) if i >= code.posonly => {
                    if locals[i].is_some() {
                        return type_error(
                            self,
                            format!(
                                "{}() got multiple values for argument '{}'",
                                code.qualname, name
                            ),
                        );
                    }
                    locals[i] = Some(value);
                }
                _ if code.varkw => {
                    kwargs.insert(super::builtins::key_of_str(&name), Value::Str(name), value)
                }
                _ => {
                    return type_error(
                        self,
                        format!(
                            "{}() got an unexpected keyword argument '{}'",
                            code.qualname, name
                        ),
                    )
                }
            }
        }
        let ndefaults = func.defaults.len();
        for (i, local) in locals.iter_mut().enumerate().take(code.argcount) {
            if local.is_none() {
                if i + ndefaults >= code.argcount {
                    *local = Some(func.defaults[i + ndefaults - code.argcount].clone());
                } else {
                    return type_error(
                        self,
                        format!(
                            "{}() missing 1 required positional argument: '{}'",
                            code.qualname, code.varnames[i]
                        ),
                    );
                }
            }
        }
        for (i, local) in locals
            .iter_mut()
            .enumerate()
            .take(named)
            .skip(code.argcount)
        {
            if local.is_none() {
                let name = &code.varnames[i];
                match func.kwdefaults.iter().find(|(k, _)| k == name) {
                    Some((_, v)) => *local = Some(v.clone()),
                    None => {
                        return type_error(
                            self,
                            format!(
                                "{}() missing 1 required keyword-only argument: '{}'",
                                code.qualname, name
                            ),
                        )
                    }
                }
            }
        }
        let mut next = named;
        if code.varargs {
            locals[next] = Some(Value::tuple(extra));
            next += 1;
        }
        if code.varkw {
            locals[next] = Some(Value::Dict(Rc::new(RefCell::new(kwargs))));
        }
        let mut cells: Vec<Rc<RefCell<Option<Value>>>> = (0..code.cellvars.len())
            .map(|_| Rc::new(RefCell::new(None)))
            .collect();
        for &(cell, arg) in &code.cell_args {
            *cells[cell as usize].borrow_mut() = locals[arg as usize].take();
        }
        cells.extend(func.closure.iter().cloned());
        Ok(Frame {
            code,
            pc: 0,
            stack: Vec::with_capacity(8),
            locals,
            cells,
            blocks: Vec::new(),
            handled: Vec::new(),
            module: func.module.clone(),
            class_ns: None,
            ret,
            owner: super::builtins::owner_of(func),
        })
    }

    /// Calls `callee`: a Python function's frame is returned to be pushed; anything else is
    /// called natively.
    pub fn call(&mut self, callee: Value, mut args: Args) -> PyResult<Result<Value, Frame>> {
        match callee {
            Value::Function(func) => {
                let flavor = func.code.flavor;
                match flavor {
                    Flavor::Coroutine => {
                        let frame = self.make_frame(&func, args, Ret::AwaitedCoro)?;
                        let site = self.call_site();
                        Ok(Ok(Value::Coroutine(Rc::new(RefCell::new(Coroutine {
                            state: CoroState::Created,
                            frames: vec![frame],
                            name: func.code.qualname.clone(),
                            site,
                            sink: self.never_awaited.clone(),
                        })))))
                    }
                    Flavor::Generator | Flavor::AsyncGenerator => {
                        let frame = self.make_frame(&func, args, Ret::Value)?;
                        let generator = Rc::new(RefCell::new(Generator {
                            state: CoroState::Created,
                            frame: Some(frame),
                        }));
                        Ok(Ok(if flavor == Flavor::Generator {
                            Value::Generator(generator)
                        } else {
                            Value::AsyncGenerator(generator)
                        }))
                    }
                    _ => Ok(Err(self.make_frame(&func, args, Ret::Value)?)),
                }
            }
            Value::BoundMethod(bound) => {
                let (receiver, func) = (&bound.0, &bound.1);
                args.positional.insert(0, receiver.clone());
                self.call(func.clone(), args)
            }
            Value::Builtin(builtin) => {
                let receiver = builtin.receiver.clone();
                (builtin.func)(self, receiver.as_ref(), args).map(Ok)
            }
            Value::Class(class) => self.instantiate(class, args),
            Value::Type(kind) => super::builtins::construct(self, kind, args).map(Ok),
            other => type_error(
                self,
                format!("'{}' object is not callable", other.type_name()),
            ),
        }
    }

    fn call_site(&self) -> Site {
        self.user_site().unwrap_or(Site {
            path: Rc::from("<asyncio>"),
            line: 0,
            column: 0,
            in_loop: None,
        })
    }

    fn instantiate(&mut self, class: Rc<Class>, args: Args) -> PyResult<Result<Value, Frame>> {
        let is_exception = self
            .exceptions
            .get("BaseException")
            .is_some_and(|base| class.is_subclass(base));
        let instance = Value::Instance(Rc::new(Instance {
            class: class.clone(),
            attrs: RefCell::new(FxHashMap::default()),
            traceback: RefCell::new(Vec::new()),
        }));
        if is_exception {
            if let Value::Instance(i) = &instance {
                i.attrs
                    .borrow_mut()
                    .insert(Rc::from("args"), Value::tuple(args.positional.clone()));
            }
        }
        match class.lookup("__init__") {
            Some(Value::Function(init)) => {
                let mut args = args;
                args.positional.insert(0, instance.clone());
                let frame = self.make_frame(&init, args, Ret::Init(instance))?;
                Ok(Err(frame))
            }
            Some(Value::Builtin(_)) | None => {
                if !is_exception && (!args.positional.is_empty() || !args.keywords.is_empty()) {
                    return type_error(self, format!("{}() takes no arguments", class.name));
                }
                if !args.keywords.is_empty() {
                    return type_error(
                        self,
                        format!("{}() takes no keyword arguments", class.name),
                    );
                }
                Ok(Ok(instance))
            }
            Some(_) => unsupported("an `__init__` that is not a function"),
        }
    }

    /// Calls `callee` from native code and runs it to completion.
    pub fn call_value(&mut self, callee: Value, args: Vec<Value>) -> PyResult<Value> {
        self.call_with(callee, Args::new(args))
    }

    pub fn call_with(&mut self, callee: Value, args: Args) -> PyResult<Value> {
        match self.call(callee, args)? {
            Ok(value) => Ok(value),
            Err(frame) => self.run_nested(frame, None),
        }
    }

    /// Runs a frame on top of the stack until it returns (or yields, for a generator).
    fn run_nested(&mut self, frame: Frame, pending: Option<Value>) -> PyResult<Value> {
        if self.nesting >= NESTING_LIMIT || self.frames.len() >= RECURSION_LIMIT {
            return Err(self.exception("RecursionError", "maximum recursion depth exceeded"));
        }
        self.nesting += 1;
        let base = self.frames.len();
        self.frames.push(frame);
        let exit = self.run_frames(base, pending);
        self.nesting -= 1;
        match exit {
            Ok(Exit::Returned(value)) | Ok(Exit::Yielded(value)) => Ok(value),
            Ok(Exit::Raised(exc)) => Err(Flow::Exc(exc)),
            Ok(Exit::Suspended(_)) => {
                self.frames.truncate(base);
                unsupported("awaiting a future outside a task")
            }
            Err(fatal) => {
                self.frames.truncate(base);
                Err(Flow::Fatal(fatal))
            }
        }
    }

    /// Runs a module's code in `module`'s globals.
    pub fn run_code(&mut self, code: Rc<Code>, module: Rc<Module>) -> PyResult<Value> {
        let frame = Frame {
            code,
            pc: 0,
            stack: Vec::new(),
            locals: Vec::new(),
            cells: Vec::new(),
            blocks: Vec::new(),
            handled: Vec::new(),
            module,
            class_ns: None,
            ret: Ret::Value,
            owner: None,
        };
        self.run_nested(frame, None)
    }

    /// Resumes a generator: `Ok(Some(value))` for a yielded value, `Ok(None)` when exhausted.
    pub fn resume_generator(&mut self, gen: &Rc<RefCell<Generator>>) -> PyResult<Option<Value>> {
        let frame = {
            let mut g = gen.borrow_mut();
            match g.state {
                CoroState::Closed => return Ok(None),
                CoroState::Running => {
                    return Err(self.exception("ValueError", "generator already executing"))
                }
                _ => {}
            }
            g.state = CoroState::Running;
            g.frame.take()
        };
        let Some(mut frame) = frame else {
            return Ok(None);
        };
        let resumed = frame.pc > 0;
        if resumed {
            frame.stack.push(Value::None);
        }
        if self.nesting >= NESTING_LIMIT || self.frames.len() >= RECURSION_LIMIT {
            gen.borrow_mut().state = CoroState::Closed;
            return Err(self.exception("RecursionError", "maximum recursion depth exceeded"));
        }
        self.nesting += 1;
        let base = self.frames.len();
        self.frames.push(frame);
        let exit = self.run_frames(base, None);
        self.nesting -= 1;
        match exit {
            Ok(Exit::Yielded(value)) => {
                let frame = self.frames.pop();
                let mut g = gen.borrow_mut();
                g.frame = frame;
                g.state = CoroState::Suspended;
                Ok(Some(value))
            }
            Ok(Exit::Returned(_)) => {
                gen.borrow_mut().state = CoroState::Closed;
                Ok(None)
            }
            Ok(Exit::Raised(exc)) => {
                gen.borrow_mut().state = CoroState::Closed;
                Err(Flow::Exc(exc))
            }
            Ok(Exit::Suspended(_)) => {
                self.frames.truncate(base);
                unsupported("awaiting inside a generator")
            }
            Err(fatal) => {
                self.frames.truncate(base);
                Err(Flow::Fatal(fatal))
            }
        }
    }

    // ----- the loop -----

    /// Runs frames from `base` up until the frame at `base` returns, yields or suspends;
    /// `pending` is an exception to raise first at the innermost frame.
    pub fn run_frames(&mut self, base: usize, pending: Option<Value>) -> Result<Exit, Fatal> {
        if let Some(exc) = pending {
            if let Some(exit) = self.unwind(exc, base, true)? {
                return Ok(exit);
            }
        }
        loop {
            self.steps += 1;
            if self.steps > self.options.max_steps {
                return Err(Fatal::Limit(Limit::Steps(self.options.max_steps)));
            }
            self.reserve_memory(0)?;
            match self.step_op(base) {
                Ok(None) => {}
                Ok(Some(exit)) => return Ok(exit),
                Err(Flow::Exc(exc)) => {
                    if let Some(exit) = self.unwind(exc, base, true)? {
                        return Ok(exit);
                    }
                }
                Err(Flow::Fatal(Fatal::Unsupported(message, None))) => {
                    let at = self.frames.last().map(|f| {
                        let loc = f.loc();
                        (f.code.path.clone(), loc.line, loc.column)
                    });
                    return Err(Fatal::Unsupported(message, at));
                }
                Err(Flow::Fatal(fatal)) => return Err(fatal),
            }
        }
    }

    /// Raises `exc` in the innermost frame: jumps to its handler, or pops frames until one
    /// handles it; `Some(Exit::Raised)` when it leaves the frame at `base`.
    fn unwind(
        &mut self,
        exc: Value,
        base: usize,
        mut add_traceback: bool,
    ) -> Result<Option<Exit>, Fatal> {
        loop {
            let Some(frame) = self.frames.last_mut() else {
                return Ok(Some(Exit::Raised(exc)));
            };
            if add_traceback {
                if let Value::Instance(instance) = &exc {
                    let loc = frame.loc();
                    instance.traceback.borrow_mut().push((
                        frame.code.path.clone(),
                        loc.line,
                        frame.code.name.clone(),
                    ));
                }
            }
            if let Some(block) = frame.blocks.pop() {
                frame.stack.truncate(block.depth as usize);
                frame.handled.truncate(block.handled as usize);
                frame.stack.push(exc);
                frame.pc = block.handler as usize;
                return Ok(None);
            }
            let Some(frame) = self.frames.pop() else {
                return Ok(Some(Exit::Raised(exc)));
            };
            if self.frames.len() <= base {
                return Ok(Some(Exit::Raised(exc)));
            }
            match frame.ret {
                Ret::AwaitedCoro => {
                    if let Some(Value::Coroutine(coro)) =
                        self.frames.last().and_then(|f| f.stack.last())
                    {
                        coro.borrow_mut().state = CoroState::Closed;
                    }
                }
                Ret::AsyncGenStep { .. } => {
                    if let Some(Value::AsyncGenerator(gen)) =
                        self.frames.last().and_then(|f| f.stack.last())
                    {
                        gen.borrow_mut().state = CoroState::Closed;
                    }
                }
                _ => {}
            }
            add_traceback = true;
        }
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a frame is running")
    }

    fn pop(&mut self) -> Value {
        self.frame().stack.pop().unwrap_or(Value::None)
    }

    fn push(&mut self, value: Value) {
        self.frame().stack.push(value);
    }

    fn top(&mut self) -> Value {
        self.frame().stack.last().cloned().unwrap_or(Value::None)
    }

    fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let stack = &mut self.frame().stack;
        let at = stack.len().saturating_sub(n);
        stack.split_off(at)
    }

    fn name(&mut self, i: u32) -> Rc<str> {
        self.frame().code.names[i as usize].clone()
    }

    /// Notes that a variable holding a task is being overwritten (for TL002).
    fn note_rebind(&mut self, old: Option<&Value>, new: &Value) {
        if let Some(Value::Future(handle)) = old {
            let same = matches!(new, Value::Future(h) if h.id == handle.id);
            if !same {
                if let Some(task) = self.rt.slot_mut(handle.id).and_then(|s| s.task.as_mut()) {
                    task.rebound = true;
                }
            }
        }
    }

    fn load_global(&mut self, name: &Rc<str>) -> PyResult<Value> {
        let module = self.frame().module.clone();
        if let Some(value) = module.globals.borrow().get(name) {
            return Ok(value.clone());
        }
        self.load_builtin(name)
    }

    fn load_builtin(&mut self, name: &Rc<str>) -> PyResult<Value> {
        if let Some(value) = self.builtins.get(name) {
            return Ok(value.clone());
        }
        if super::builtins::is_cpython_builtin(name) {
            return unsupported(format!("the built-in `{name}`"));
        }
        Err(self.exception("NameError", format!("name '{name}' is not defined")))
    }

    /// Executes one instruction.
    fn step_op(&mut self, base: usize) -> PyResult<Option<Exit>> {
        let frame = self.frames.last_mut().expect("a frame is running");
        let op = frame.code.ops[frame.pc];
        frame.pc += 1;
        match op {
            Op::LoadConst(i) => {
                let value = frame.code.consts[i as usize].clone();
                frame.stack.push(value);
            }
            Op::LoadFast(i) => match &frame.locals[i as usize] {
                Some(value) => {
                    let value = value.clone();
                    frame.stack.push(value);
                }
                None => {
                    let name = frame.code.varnames[i as usize].clone();
                    return Err(self.exception(
                        "UnboundLocalError",
                        format!("cannot access local variable '{name}' where it is not associated with a value"),
                    ));
                }
            },
            Op::StoreFast(i) => {
                let value = frame.stack.pop().unwrap_or(Value::None);
                let old = frame.locals[i as usize].replace(value.clone());
                self.note_rebind(old.as_ref(), &value);
            }
            Op::DeleteFast(i) => {
                if frame.locals[i as usize].take().is_none() {
                    let name = frame.code.varnames[i as usize].clone();
                    return Err(self.exception(
                        "UnboundLocalError",
                        format!("cannot access local variable '{name}' where it is not associated with a value"),
                    ));
                }
            }
            Op::LoadDeref(i) => {
                let value = frame.cells[i as usize].borrow().clone();
                match value {
                    Some(value) => frame.stack.push(value),
                    None => {
                        let code = frame.code.clone();
                        let i = i as usize;
                        let name = if i < code.cellvars.len() {
                            code.cellvars[i].clone()
                        } else {
                            code.freevars[i - code.cellvars.len()].clone()
                        };
                        return Err(self.exception(
                            "NameError",
                            format!("cannot access free variable '{name}' where it is not associated with a value in enclosing scope"),
                        ));
                    }
                }
            }
            Op::StoreDeref(i) => {
                let value = frame.stack.pop().unwrap_or(Value::None);
                let old = frame.cells[i as usize].borrow_mut().replace(value.clone());
                self.note_rebind(old.as_ref(), &value);
            }
            Op::LoadGlobal(i) => {
                let name = self.name(i);
                let value = self.load_global(&name)?;
                self.push(value);
            }
            Op::StoreGlobal(i) => {
                let name = self.name(i);
                let value = self.pop();
                let module = self.frame().module.clone();
                let old = module.globals.borrow_mut().insert(name, value.clone());
                self.note_rebind(old.as_ref(), &value);
            }
            Op::DeleteGlobal(i) => {
                let name = self.name(i);
                let module = self.frame().module.clone();
                if module.globals.borrow_mut().remove(&name).is_none() {
                    return Err(
                        self.exception("NameError", format!("name '{name}' is not defined"))
                    );
                }
            }
            Op::LoadName(i) => {
                let name = self.name(i);
                let ns = self.frame().class_ns.clone();
                let found = ns.and_then(|ns| ns.borrow().get(&name).cloned());
                let value = match found {
                    Some(value) => value,
                    None => self.load_global(&name)?,
                };
                self.push(value);
            }
            Op::StoreName(i) => {
                let name = self.name(i);
                let value = self.pop();
                match self.frame().class_ns.clone() {
                    Some(ns) => {
                        ns.borrow_mut().insert(name, value);
                    }
                    None => {
                        let module = self.frame().module.clone();
                        module.globals.borrow_mut().insert(name, value);
                    }
                }
            }
            Op::LoadBuiltin(i) => {
                let name = self.name(i);
                let value = self.load_builtin(&name)?;
                self.push(value);
            }
            Op::LoadAttr(i) => {
                let name = self.name(i);
                let object = self.pop();
                let value = super::builtins::get_attr(self, &object, &name)?;
                self.push(value);
            }
            Op::StoreAttr(i) => {
                let name = self.name(i);
                let object = self.pop();
                let value = self.pop();
                super::builtins::set_attr(self, &object, name, value)?;
            }
            Op::DeleteAttr(i) => {
                let name = self.name(i);
                let object = self.pop();
                match &object {
                    Value::Instance(instance) => {
                        if instance.attrs.borrow_mut().remove(&name).is_none() {
                            return Err(self.exception("AttributeError", name.to_string()));
                        }
                    }
                    _ => return unsupported("deleting this attribute"),
                }
            }
            Op::Subscr => {
                let index = self.pop();
                let object = self.pop();
                let value = super::builtins::get_item(self, &object, &index)?;
                self.push(value);
            }
            Op::StoreSubscr => {
                let index = self.pop();
                let object = self.pop();
                let value = self.pop();
                super::builtins::set_item(self, &object, index, value)?;
            }
            Op::DeleteSubscr => {
                let index = self.pop();
                let object = self.pop();
                super::builtins::del_item(self, &object, &index)?;
            }
            Op::BuildSlice => {
                let parts = self.pop_n(3);
                let slice = [parts[0].clone(), parts[1].clone(), parts[2].clone()];
                self.push(Value::Slice(Rc::new(slice)));
            }
            Op::Pop => {
                frame.stack.pop();
            }
            Op::PopAsyncGenerator => {
                // CPython closes an abandoned async generator later, from a task the loop
                // creates when the generator is collected; its clean-up code would run at a
                // moment this runtime does not model.
                if let Some(Value::AsyncGenerator(gen)) = frame.stack.pop() {
                    let gen = gen.borrow();
                    if gen.frame.as_ref().is_some_and(|f| !f.blocks.is_empty()) {
                        return unsupported(
                            "leaving `async for` early while its async generator is suspended \
                             inside `try` or `with`",
                        );
                    }
                }
            }
            Op::Dup => {
                let value = self.top();
                self.push(value);
            }
            Op::Dup2 => {
                let n = frame.stack.len();
                if n >= 2 {
                    let a = frame.stack[n - 2].clone();
                    let b = frame.stack[n - 1].clone();
                    frame.stack.push(a);
                    frame.stack.push(b);
                }
            }
            Op::Rot2 => {
                let n = frame.stack.len();
                if n >= 2 {
                    frame.stack.swap(n - 1, n - 2);
                }
            }
            Op::Rot3 => {
                let n = frame.stack.len();
                if n >= 3 {
                    let top = frame.stack.remove(n - 1);
                    frame.stack.insert(n - 3, top);
                }
            }
            Op::Binary(op) => {
                let right = self.pop();
                let left = self.pop();
                let value = super::ops::binary(self, op, &left, &right)?;
                self.push(value);
            }
            Op::Inplace(op) => {
                let right = self.pop();
                let left = self.pop();
                let value = super::ops::inplace(self, op, left, &right)?;
                self.push(value);
            }
            Op::Unary(op) => {
                let operand = self.pop();
                let value = super::ops::unary(self, op, &operand)?;
                self.push(value);
            }
            Op::Compare(op) => {
                let right = self.pop();
                let left = self.pop();
                let value = super::ops::compare(self, op, &left, &right)?;
                self.push(value);
            }
            Op::Jump(target) => frame.pc = target as usize,
            Op::PopJumpIfFalse(target) => {
                let value = frame.stack.pop().unwrap_or(Value::None);
                if !super::ops::truthy(self, &value)? {
                    self.frame().pc = target as usize;
                }
            }
            Op::PopJumpIfTrue(target) => {
                let value = frame.stack.pop().unwrap_or(Value::None);
                if super::ops::truthy(self, &value)? {
                    self.frame().pc = target as usize;
                }
            }
            Op::JumpIfFalseOrPop(target) => {
                let value = self.top();
                if super::ops::truthy(self, &value)? {
                    self.pop();
                } else {
                    self.frame().pc = target as usize;
                }
            }
            Op::JumpIfTrueOrPop(target) => {
                let value = self.top();
                if super::ops::truthy(self, &value)? {
                    self.frame().pc = target as usize;
                } else {
                    self.pop();
                }
            }
            Op::BuildList(n) => {
                let items = self.pop_n(n as usize);
                self.push(Value::list(items));
            }
            Op::BuildTuple(n) => {
                let items = self.pop_n(n as usize);
                self.push(Value::tuple(items));
            }
            Op::BuildSet(n) => {
                let items = self.pop_n(n as usize);
                let set = super::builtins::make_set(self, items)?;
                self.push(set);
            }
            Op::BuildMap(n) => {
                let items = self.pop_n(2 * n as usize);
                let mut dict = Dict::default();
                for pair in items.chunks(2) {
                    let key = super::builtins::hash_key(self, &pair[0])?;
                    dict.insert(key, pair[0].clone(), pair[1].clone());
                }
                self.push(Value::Dict(Rc::new(RefCell::new(dict))));
            }
            Op::ListAppend(depth) => {
                let value = self.pop();
                let stack = &self.frame().stack;
                if let Some(Value::List(list)) = stack.get(stack.len() - 1 - depth as usize) {
                    list.borrow_mut().push(value);
                }
            }
            Op::SetAdd(depth) => {
                let value = self.pop();
                let key = super::builtins::hash_key(self, &value)?;
                let stack = &self.frame().stack;
                if let Some(Value::Set(set)) = stack.get(stack.len() - 1 - depth as usize) {
                    set.borrow_mut().insert(key, value, Value::None);
                }
            }
            Op::MapAdd(depth) => {
                let key_value = self.pop();
                let value = self.pop();
                let key = super::builtins::hash_key(self, &key_value)?;
                let stack = &self.frame().stack;
                if let Some(Value::Dict(dict)) = stack.get(stack.len() - 1 - depth as usize) {
                    dict.borrow_mut().insert(key, key_value, value);
                }
            }
            Op::ListExtend => {
                let iterable = self.pop();
                let items = super::builtins::collect(self, &iterable)?;
                if let Value::List(list) = self.top() {
                    list.borrow_mut().extend(items);
                }
            }
            Op::DictUpdate => {
                let other = self.pop();
                let target = self.top();
                super::builtins::dict_update(self, &target, &other)?;
            }
            Op::ListToTuple => {
                if let Value::List(list) = self.pop() {
                    let items = list.borrow().to_vec();
                    self.push(Value::tuple(items));
                }
            }
            Op::ListToSet => {
                if let Value::List(list) = self.pop() {
                    let items = list.borrow().to_vec();
                    let set = super::builtins::make_set(self, items)?;
                    self.push(set);
                }
            }
            Op::BuildString(n) => {
                let parts = self.pop_n(n as usize);
                let mut out = String::new();
                for part in parts {
                    if let Value::Str(s) = part {
                        out.push_str(&s);
                    }
                }
                self.push(Value::str(&out));
            }
            Op::FormatValue(conversion, has_spec) => {
                let value = self.pop();
                let spec = if has_spec { Some(self.pop()) } else { None };
                let text = super::builtins::format_value(self, &value, conversion, spec.as_ref())?;
                self.push(Value::str(&text));
            }
            Op::UnpackSequence(n) => {
                let value = self.pop();
                let items = super::builtins::collect(self, &value)?;
                if items.len() != n as usize {
                    let message = if items.len() > n as usize {
                        format!("too many values to unpack (expected {n})")
                    } else {
                        format!(
                            "not enough values to unpack (expected {n}, got {})",
                            items.len()
                        )
                    };
                    return Err(self.exception("ValueError", message));
                }
                let stack = &mut self.frame().stack;
                stack.extend(items.into_iter().rev());
            }
            Op::UnpackEx(before, after) => {
                let value = self.pop();
                let mut items = super::builtins::collect(self, &value)?;
                let (before, after) = (before as usize, after as usize);
                if items.len() < before + after {
                    return Err(self.exception(
                        "ValueError",
                        format!(
                            "not enough values to unpack (expected at least {}, got {})",
                            before + after,
                            items.len()
                        ),
                    ));
                }
                let tail = items.split_off(items.len() - after);
                let middle = items.split_off(before);
                let stack = &mut self.frame().stack;
                stack.extend(tail.into_iter().rev());
                stack.push(Value::list(middle));
                stack.extend(items.into_iter().rev());
            }
            Op::GetIter => {
                let value = self.pop();
                let iter = super::builtins::get_iter(self, value)?;
                self.push(iter);
            }
            Op::GetAsyncIter => {
                let iter = self.top();
                if !matches!(iter, Value::AsyncGenerator(_)) {
                    return match iter {
                        Value::Instance(_) => unsupported("`async for` over an object"),
                        other => type_error(
                            self,
                            format!(
                                "'async for' requires an object with __aiter__ method, got {}",
                                other.type_name()
                            ),
                        ),
                    };
                }
            }
            Op::AsyncForIter(exit) => {
                let Value::AsyncGenerator(gen) = self.top() else {
                    return unsupported("`async for` over this object");
                };
                let frame = {
                    let mut g = gen.borrow_mut();
                    match g.state {
                        CoroState::Closed => None,
                        CoroState::Running => {
                            drop(g);
                            return Err(self.exception(
                                "RuntimeError",
                                "anext(): asynchronous generator is already running",
                            ));
                        }
                        _ => {
                            g.state = CoroState::Running;
                            g.frame.take()
                        }
                    }
                };
                match frame {
                    Some(mut frame) => {
                        // Resumed after a `yield`: the `yield` expression's value.
                        if frame.pc > 0 {
                            frame.stack.push(Value::None);
                        }
                        frame.ret = Ret::AsyncGenStep { exit };
                        self.push_frame(frame)?;
                    }
                    None => {
                        self.pop();
                        self.frame().pc = exit as usize;
                    }
                }
            }
            Op::ForIter(exit) => {
                let iter = self.top();
                match super::builtins::next(self, &iter)? {
                    Some(value) => self.push(value),
                    None => {
                        self.pop();
                        self.frame().pc = exit as usize;
                    }
                }
            }
            Op::Call(n) => {
                let args = self.pop_n(n as usize);
                let callee = self.pop();
                self.dispatch_call(callee, Args::new(args))?;
            }
            Op::CallKw(n) => {
                let names = self.pop();
                let mut values = self.pop_n(n as usize);
                let callee = self.pop();
                let names = match names {
                    Value::Tuple(names) => names,
                    _ => Rc::default(),
                };
                let keywords = values.split_off(values.len() - names.len());
                let keywords = names
                    .iter()
                    .zip(keywords)
                    .map(|(name, value)| match name {
                        Value::Str(s) => (s.clone(), value),
                        _ => (Rc::from(""), value),
                    })
                    .collect();
                self.dispatch_call(
                    callee,
                    Args {
                        positional: values,
                        keywords,
                    },
                )?;
            }
            Op::CallEx(has_kw) => {
                let kwargs = if has_kw { Some(self.pop()) } else { None };
                let positional = self.pop();
                let callee = self.pop();
                let positional = match positional {
                    Value::Tuple(t) => t.to_vec(),
                    _ => Vec::new(),
                };
                let mut keywords = Vec::new();
                if let Some(Value::Dict(dict)) = kwargs {
                    for (k, v) in dict.borrow().iter() {
                        match k {
                            Value::Str(s) => keywords.push((s.clone(), v.clone())),
                            _ => return type_error(self, "keywords must be strings"),
                        }
                    }
                }
                self.dispatch_call(
                    callee,
                    Args {
                        positional,
                        keywords,
                    },
                )?;
            }
            Op::MakeFunction(i, flags) => {
                let code = frame.code.codes[i as usize].clone();
                let closure = code
                    .closure
                    .iter()
                    .map(|&c| frame.cells[c as usize].clone())
                    .collect();
                let module = frame.module.clone();
                let kwdefaults = if flags & 2 != 0 {
                    Some(self.pop())
                } else {
                    None
                };
                let defaults = if flags & 1 != 0 {
                    Some(self.pop())
                } else {
                    None
                };
                let defaults = match defaults {
                    Some(Value::Tuple(t)) => t.to_vec(),
                    _ => Vec::new(),
                };
                let kwdefaults = match kwdefaults {
                    Some(Value::Dict(d)) => d
                        .borrow()
                        .iter()
                        .filter_map(|(k, v)| match k {
                            Value::Str(s) => Some((s.clone(), v.clone())),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let func = super::value::Function {
                    code,
                    module,
                    defaults,
                    kwdefaults,
                    closure,
                    owner: RefCell::new(None),
                };
                self.push(super::builtins::new_function(func));
            }
            Op::BuildClass(name, nbases) => {
                let name = self.name(name);
                let bases = self.pop_n(nbases as usize);
                let body = self.pop();
                let Value::Function(func) = body else {
                    return unsupported("a class body");
                };
                let mut frame =
                    self.make_frame(&func, Args::default(), Ret::Class { name, bases })?;
                frame.class_ns = Some(Rc::new(RefCell::new(FxHashMap::default())));
                self.push_frame(frame)?;
            }
            Op::Return => {
                let value = frame.stack.pop().unwrap_or(Value::None);
                let Some(mut done) = self.frames.pop() else {
                    return Ok(Some(Exit::Returned(value)));
                };
                if self.frames.len() <= base {
                    return Ok(Some(Exit::Returned(value)));
                }
                match std::mem::replace(&mut done.ret, Ret::Value) {
                    Ret::Value => self.push(value),
                    Ret::AwaitedCoro => {
                        if let Some(Value::Coroutine(coro)) = self.frame().stack.pop() {
                            coro.borrow_mut().state = CoroState::Closed;
                        }
                        self.push(value);
                    }
                    Ret::Init(instance) => {
                        if !matches!(value, Value::None) {
                            return type_error(self, "__init__() should return None");
                        }
                        self.push(instance);
                    }
                    Ret::AsyncGenStep { exit } => {
                        if let Some(Value::AsyncGenerator(gen)) = self.frame().stack.pop() {
                            gen.borrow_mut().state = CoroState::Closed;
                        }
                        self.frame().pc = exit as usize;
                    }
                    Ret::Class { name, bases } => {
                        let ns = done
                            .class_ns
                            .take()
                            .map(|ns| ns.borrow().clone())
                            .unwrap_or_default();
                        let class =
                            super::builtins::make_class(self, name, bases, ns, &done.module)?;
                        self.push(class);
                    }
                }
            }
            Op::Yield => {
                let value = frame.stack.pop().unwrap_or(Value::None);
                if let Ret::AsyncGenStep { .. } = frame.ret {
                    let suspended = self.frames.pop();
                    if let Some(Value::AsyncGenerator(gen)) = self.frame().stack.last() {
                        let mut gen = gen.borrow_mut();
                        gen.frame = suspended;
                        gen.state = CoroState::Suspended;
                    }
                    self.push(value);
                    return Ok(None);
                }
                if self.frames.len() - 1 != base {
                    return unsupported("`yield` here");
                }
                return Ok(Some(Exit::Yielded(value)));
            }
            Op::Await => return self.await_top(),
            Op::SetupExcept(handler) => {
                let block = Block {
                    handler,
                    depth: frame.stack.len() as u32,
                    handled: frame.handled.len() as u32,
                };
                frame.blocks.push(block);
            }
            Op::PopBlock => {
                frame.blocks.pop();
            }
            Op::Raise(kind) => {
                let exc = match kind {
                    // The exception being handled here, or by a caller (a function called from
                    // an `except` block may re-raise it).
                    0 => match self.frames.iter().rev().find_map(|f| f.handled.last()) {
                        Some(exc) => {
                            let exc = exc.clone();
                            return self.unwind(exc, base, false).map_err(Flow::Fatal);
                        }
                        None => {
                            return Err(
                                self.exception("RuntimeError", "No active exception to reraise")
                            )
                        }
                    },
                    1 => {
                        let value = self.pop();
                        self.make_raisable(value)?
                    }
                    _ => {
                        let cause = self.pop();
                        let value = self.pop();
                        let exc = self.make_raisable(value)?;
                        let cause = match cause {
                            Value::None => Value::None,
                            other => self.make_raisable(other)?,
                        };
                        if let Value::Instance(i) = &exc {
                            i.attrs.borrow_mut().insert(Rc::from("__cause__"), cause);
                        }
                        exc
                    }
                };
                let context = self.frame().handled.last().cloned();
                if let (Value::Instance(i), Some(context)) = (&exc, context) {
                    let same = matches!(&context, Value::Instance(c) if Rc::ptr_eq(c, i));
                    if !same {
                        i.attrs
                            .borrow_mut()
                            .entry(Rc::from("__context__"))
                            .or_insert(context);
                    }
                }
                return Err(Flow::Exc(exc));
            }
            Op::Reraise => {
                let exc = frame.stack.pop().unwrap_or(Value::None);
                return self.unwind(exc, base, false).map_err(Flow::Fatal);
            }
            Op::PushHandled => {
                let exc = frame.stack.last().cloned().unwrap_or(Value::None);
                frame.handled.push(exc);
            }
            Op::PopHandled => {
                frame.handled.pop();
            }
            Op::CheckExcMatch => {
                let class = self.pop();
                let exc = self.top();
                let matched = super::builtins::exception_matches(self, &exc, &class)?;
                self.push(Value::Bool(matched));
            }
            Op::PrepareExit => {
                let n = frame.stack.len();
                let exit = frame.stack[n - 2].clone();
                let exc = frame.stack[n - 1].clone();
                let class = match &exc {
                    Value::Instance(i) => Value::Class(i.class.clone()),
                    _ => Value::None,
                };
                frame.stack.extend([exit, class, exc, Value::None]);
            }
            Op::LoadSpecial(i) => {
                let name = self.name(i);
                let object = self.pop();
                let method = super::builtins::special_method(self, &object, &name)?;
                self.push(method);
            }
            Op::ImportName(i) => {
                let name = self.name(i);
                let module = super::builtins::import(self, &name)?;
                self.push(module);
            }
            Op::ImportFrom(i) => {
                let name = self.name(i);
                let module = self.top();
                let value = match super::builtins::get_attr(self, &module, &name) {
                    Ok(value) => value,
                    Err(Flow::Exc(_)) => {
                        return unsupported(format!("importing `{name}`"));
                    }
                    Err(other) => return Err(other),
                };
                self.push(value);
            }
        }
        Ok(None)
    }

    fn push_frame(&mut self, frame: Frame) -> PyResult<()> {
        if self.frames.len() >= RECURSION_LIMIT {
            return Err(self.exception("RecursionError", "maximum recursion depth exceeded"));
        }
        self.frames.push(frame);
        Ok(())
    }

    fn dispatch_call(&mut self, callee: Value, args: Args) -> PyResult<()> {
        match self.call(callee, args)? {
            Ok(value) => self.push(value),
            Err(frame) => self.push_frame(frame)?,
        }
        Ok(())
    }

    /// Turns the operand of `raise` into an exception instance.
    fn make_raisable(&mut self, value: Value) -> PyResult<Value> {
        match value {
            Value::Instance(ref i) if super::builtins::is_exception_class(self, &i.class) => {
                Ok(value)
            }
            Value::Class(ref class) if super::builtins::is_exception_class(self, class) => {
                self.call_value(value.clone(), Vec::new())
            }
            _ => type_error(self, "exceptions must derive from BaseException"),
        }
    }

    /// `await` the value on top of the stack.
    fn await_top(&mut self) -> PyResult<Option<Exit>> {
        let awaitable = self.top();
        match awaitable {
            Value::Coroutine(coro) => {
                let frame = {
                    let mut c = coro.borrow_mut();
                    match c.state {
                        CoroState::Created => {}
                        _ => {
                            drop(c);
                            return Err(self.exception(
                                "RuntimeError",
                                "cannot reuse already awaited coroutine",
                            ));
                        }
                    }
                    c.state = CoroState::Running;
                    c.frames.pop()
                };
                let Some(mut frame) = frame else {
                    return unsupported("awaiting this coroutine");
                };
                frame.ret = Ret::AwaitedCoro;
                self.push_frame(frame)?;
                self.inline_awaits += 1;
                if self.inline_awaits > self.options.starve_after
                    && !self.starvation_reported
                    && self.rt.ready_len() > 0
                {
                    self.report_starvation();
                }
                Ok(None)
            }
            Value::Future(handle) => {
                let id = handle.id;
                if self.rt.is_done(id) {
                    self.pop();
                    let value = self.future_result(id)?;
                    self.push(value);
                    return Ok(None);
                }
                if self.rt.current == Some(id) {
                    return Err(self.exception("RuntimeError", "Task cannot await on itself"));
                }
                if self.rt.current.is_none() {
                    return unsupported("awaiting a future outside a task");
                }
                Ok(Some(Exit::Suspended(Some(id))))
            }
            Value::YieldNow => {
                if self.rt.current.is_none() {
                    return unsupported("awaiting outside a task");
                }
                Ok(Some(Exit::Suspended(None)))
            }
            Value::Instance(_) => unsupported("awaiting an object with `__await__`"),
            other => type_error(
                self,
                format!(
                    "object {} can't be used in 'await' expression",
                    other.type_name()
                ),
            ),
        }
    }

    fn report_starvation(&mut self) {
        self.starvation_reported = true;
        let Some(frame) = self.frames.iter().rev().skip(1).find(|f| !f.code.prelude) else {
            return;
        };
        let loc = frame.loc();
        let (line, column) = if loc.loop_line != 0 {
            (loc.loop_line, loc.loop_column)
        } else {
            (loc.line, loc.column)
        };
        let at = (frame.code.path.clone(), line, column);
        if self.starving_loops.contains(&at) {
            return;
        }
        self.starving_loops.push(at);
        let task = self
            .rt
            .current
            .and_then(|id| self.rt.slot(id))
            .and_then(|s| s.task.as_ref())
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let site = Site {
            path: frame.code.path.clone(),
            line,
            column,
            in_loop: None,
        };
        let event = runtime::Event::starvation(site, self.options.starve_after, task);
        self.rt.events.push(event);
    }

    /// `future.result()`: the value, or the exception raised.
    pub fn future_result(&mut self, id: FutureId) -> PyResult<Value> {
        if !self.rt.is_done(id) {
            return Err(self.invalid_state("Result is not set."));
        }
        if let Some(exc) = runtime::future_exception(self, id) {
            return Err(Flow::Exc(exc));
        }
        match self.rt.slot(id).and_then(|s| s.outcome.clone()) {
            Some(runtime::Outcome::Result(value)) => Ok(value),
            _ => Ok(Value::None),
        }
    }

    pub fn invalid_state(&mut self, message: &str) -> Flow {
        self.exception("InvalidStateError", message)
    }

    /// Closes a coroutine that will never be resumed: throws `GeneratorExit` into its
    /// innermost frame so that its `finally` blocks run.
    pub fn close_coroutine(&mut self, coro: &Rc<RefCell<Coroutine>>) -> Result<(), Fatal> {
        let frames = {
            let mut c = coro.borrow_mut();
            let state = c.state;
            c.state = CoroState::Closed;
            if state != CoroState::Suspended {
                return Ok(());
            }
            std::mem::take(&mut c.frames)
        };
        let base = self.frames.len();
        self.frames.extend(frames);
        if let Some(frame) = self.frames.last_mut() {
            frame.stack.pop();
        }
        let exc = self.exception_value("GeneratorExit", Vec::new());
        let previous = self.rt.current.take();
        let exit = self.run_frames(base, Some(exc));
        self.rt.current = previous;
        self.frames.truncate(base);
        match exit? {
            Exit::Returned(_) => {}
            Exit::Raised(exc) if super::builtins::is_instance_of(self, &exc, "GeneratorExit") => {}
            Exit::Raised(exc) => {
                self.print_stderr("Exception ignored in a coroutine being closed:");
                self.print_traceback(&exc);
            }
            Exit::Suspended(_) | Exit::Yielded(_) => {
                self.print_stderr(
                    "Exception ignored in a coroutine being closed:\nRuntimeError: coroutine ignored GeneratorExit",
                );
            }
        }
        Ok(())
    }

    pub fn print_stderr(&mut self, text: &str) {
        let _ = self.out.flush();
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    /// Prints a Python-style traceback of `exc` on stderr.
    pub fn print_traceback(&mut self, exc: &Value) {
        let _ = self.out.flush();
        let text = super::builtins::traceback_text(self, exc);
        let _ = write!(std::io::stderr().lock(), "{text}");
    }

    // ----- garbage -----

    /// Handles dropped handles: frees done futures nobody holds (after one more iteration, so
    /// that scheduled done-callbacks still see them) and, in weak mode, destroys pending tasks.
    pub fn process_drops(&mut self) -> Result<(), Fatal> {
        let iteration = self.rt.iterations;
        let retiring = std::mem::take(&mut self.retiring);
        for (id, when) in retiring {
            if when >= iteration {
                self.retiring.push((id, when));
                continue;
            }
            if self.handles.get(&id).is_some_and(|w| w.strong_count() > 0) {
                continue;
            }
            self.retire(id);
        }
        loop {
            let ids = std::mem::take(&mut *self.dropped.borrow_mut());
            if ids.is_empty() {
                break;
            }
            for id in ids {
                if self.handles.get(&id).is_some_and(|w| w.strong_count() > 0) {
                    continue;
                }
                self.handles.remove(&id);
                if self.rt.is_done(id) {
                    self.retiring.push((id, iteration));
                } else if self.options.gc == GcMode::Weak && self.rt.is_live_task(id) {
                    if self.rt.current == Some(id) {
                        self.dropped.borrow_mut().push(id);
                        return Ok(());
                    }
                    self.destroy_task(id)?;
                }
            }
        }
        Ok(())
    }

    fn retire(&mut self, id: FutureId) {
        let Some(slot) = self.rt.free(id) else {
            return;
        };
        if slot.log_traceback {
            if let Some(runtime::Outcome::Exception(exc)) = &slot.outcome {
                let what = if slot.task.is_some() {
                    "Task"
                } else {
                    "Future"
                };
                self.unretrieved += 1;
                let exc = exc.clone();
                self.print_stderr(&format!("{what} exception was never retrieved"));
                self.print_traceback(&exc);
            }
        }
    }

    pub fn destroy_task(&mut self, id: FutureId) -> Result<(), Fatal> {
        if let Some(coro) = self.rt.destroy(id) {
            self.close_coroutine(&coro)?;
        }
        Ok(())
    }

    /// One collection, as the GC mode says (at every loop iteration, and for `gc.collect()`).
    pub fn collect_garbage(&mut self) -> Result<(), Fatal> {
        self.drain_never_awaited();
        self.process_drops()?;
        if self.options.gc == GcMode::Cpython {
            super::gc::collect_unreachable_tasks(self)?;
        }
        self.drain_never_awaited();
        Ok(())
    }

    /// Moves coroutines that were never awaited into the runtime's events.
    pub fn drain_never_awaited(&mut self) {
        let found = std::mem::take(&mut *self.never_awaited.borrow_mut());
        for (site, name) in found {
            let event = runtime::Event::never_awaited(site, "coroutine", &name);
            self.rt.events.push(event);
        }
    }
}

pub fn new_exception(class: &Rc<Class>, args: Vec<Value>) -> Value {
    let instance = Instance {
        class: class.clone(),
        attrs: RefCell::new(FxHashMap::default()),
        traceback: RefCell::new(Vec::new()),
    };
    instance
        .attrs
        .borrow_mut()
        .insert(Rc::from("args"), Value::tuple(args));
    Value::Instance(Rc::new(instance))
}

/// Makes a native function value.
pub fn native(name: &'static str, func: NativeFn) -> Value {
    Value::Builtin(Rc::new(Builtin {
        name,
        func,
        receiver: None,
    }))
}

/// Makes a native method bound to `receiver`.
pub fn method(name: &'static str, func: NativeFn, receiver: Value) -> Value {
    Value::Builtin(Rc::new(Builtin {
        name,
        func,
        receiver: Some(receiver),
    }))
}

impl Host for Vm {
    type Value = Value;
    type Coroutine = Rc<RefCell<Coroutine>>;
    type Callback = HostCallback;
    type Error = Fatal;

    fn runtime(&mut self) -> &mut Runtime<Self> {
        &mut self.rt
    }

    fn step(
        &mut self,
        _task: FutureId,
        coro: &mut Self::Coroutine,
        exc: Option<Value>,
    ) -> Result<Step<Value>, Fatal> {
        let (first, frames) = {
            let mut c = coro.borrow_mut();
            let first = c.state == CoroState::Created;
            if c.state == CoroState::Closed || c.state == CoroState::Running {
                drop(c);
                let exc = self.exception_value(
                    "RuntimeError",
                    vec![Value::str("cannot reuse already awaited coroutine")],
                );
                return Ok(Step::Raised(exc));
            }
            c.state = CoroState::Running;
            (first, std::mem::take(&mut c.frames))
        };
        let base = self.frames.len();
        self.frames.extend(frames);
        self.inline_awaits = 0;
        self.starvation_reported = false;
        let mut pending = exc;
        if !first {
            let awaited = self.frames.last_mut().and_then(|f| f.stack.pop());
            if pending.is_none() {
                let value = match awaited {
                    Some(Value::Future(handle)) => match self.future_result(handle.id) {
                        Ok(value) => value,
                        Err(Flow::Exc(exc)) => {
                            pending = Some(exc);
                            Value::None
                        }
                        Err(Flow::Fatal(fatal)) => {
                            self.frames.truncate(base);
                            return Err(fatal);
                        }
                    },
                    _ => Value::None,
                };
                if pending.is_none() {
                    if let Some(frame) = self.frames.last_mut() {
                        frame.stack.push(value);
                    }
                }
            }
        }
        let exit = match self.run_frames(base, pending) {
            Ok(exit) => exit,
            Err(fatal) => {
                self.frames.truncate(base);
                return Err(fatal);
            }
        };
        let mut c = coro.borrow_mut();
        Ok(match exit {
            Exit::Suspended(on) => {
                c.frames = self.frames.split_off(base);
                c.state = CoroState::Suspended;
                Step::Suspended(on)
            }
            Exit::Returned(value) => {
                c.state = CoroState::Closed;
                Step::Returned(value)
            }
            Exit::Raised(exc) => {
                c.state = CoroState::Closed;
                Step::Raised(exc)
            }
            Exit::Yielded(_) => {
                drop(c);
                self.frames.truncate(base);
                return Err(Fatal::Unsupported(
                    "unsupported: `yield` in a coroutine".into(),
                    None,
                ));
            }
        })
    }

    fn call(&mut self, callback: HostCallback) -> Result<(), Fatal> {
        let result = self.call_value(callback.func, callback.args);
        self.callback_outcome(result)
    }

    fn call_done(&mut self, func: Value, future: FutureId) -> Result<(), Fatal> {
        let handle = self.future_value(future);
        let result = self.call_value(func, vec![handle]);
        self.callback_outcome(result)
    }

    fn cancelled_error(&mut self, message: Option<Value>) -> Value {
        let args = message.into_iter().collect();
        self.exception_value("CancelledError", args)
    }

    fn is_cancelled_error(&self, exc: &Value) -> bool {
        match (exc, self.exceptions.get("CancelledError")) {
            (Value::Instance(i), Some(class)) => i.class.is_subclass(class),
            _ => false,
        }
    }

    fn results(&mut self, items: Vec<Value>) -> Value {
        Value::list(items)
    }

    fn collect(&mut self) -> Result<(), Fatal> {
        self.collect_garbage()
    }

    fn describe(&self, func: &Value) -> String {
        match func {
            Value::Function(f) => format!("{}()", f.code.qualname),
            Value::BoundMethod(b) => match &b.1 {
                Value::Function(f) => format!("{}()", f.code.qualname),
                other => format!("{}()", other.type_name()),
            },
            Value::Builtin(b) => format!("{}()", b.name),
            other => other.type_name(),
        }
    }

    fn describe_callback(&self, callback: &HostCallback) -> String {
        self.describe(&callback.func)
    }

    fn trace(&mut self, line: &str) {
        self.print_stderr(&format!("trace: {line}"));
    }
}

impl Vm {
    /// An exception escaping a callback is reported, as the loop's exception handler does, and
    /// the loop goes on.
    fn callback_outcome(&mut self, result: PyResult<Value>) -> Result<(), Fatal> {
        match result {
            Ok(_) => Ok(()),
            Err(Flow::Exc(exc)) => {
                self.print_stderr("Exception in callback:");
                self.print_traceback(&exc);
                Ok(())
            }
            Err(Flow::Fatal(fatal)) => Err(fatal),
        }
    }

    /// `run_until_complete`: runs the loop until the future is done.
    pub fn run_until_complete(&mut self, id: FutureId) -> PyResult<()> {
        match runtime::run_until_complete(self, id) {
            Ok(()) => Ok(()),
            Err(runtime::Stopped::Hang) => Err(Flow::Fatal(Fatal::Hang)),
            Err(runtime::Stopped::TimeLimit) => Err(Flow::Fatal(Fatal::Limit(Limit::VirtualTime(
                self.options.max_time,
            )))),
            Err(runtime::Stopped::Error(fatal)) => Err(Flow::Fatal(fatal)),
        }
    }

    /// Checks that the interpreter can hold `bytes` more than it holds now within
    /// `--max-memory`: called before every instruction (with 0), and before building a
    /// sequence whose size the program computed (`[0] * n`), which is refused before it is
    /// allocated.
    pub fn reserve_memory(&self, bytes: usize) -> Result<(), Fatal> {
        let held = crate::memory::thread_held_bytes().wrapping_sub(self.held_at_start);
        let wanted = (held.max(0) as u64).saturating_add(bytes as u64);
        if wanted > self.options.max_memory {
            return Err(Fatal::Limit(Limit::Memory(self.options.max_memory)));
        }
        Ok(())
    }

    /// [`Vm::reserve_memory`] for a sequence of `count` values.
    pub fn reserve_values(&self, count: usize) -> Result<(), Fatal> {
        self.reserve_memory(count.saturating_mul(std::mem::size_of::<Value>()))
    }

    /// `time.sleep`: the clock moves on without running anything, up to `--max-time`.
    pub fn sleep_blocking(&mut self, seconds: f64) -> Result<(), Fatal> {
        if !self.rt.within_time_limit(self.rt.time() + seconds) {
            return Err(Fatal::Limit(Limit::VirtualTime(self.options.max_time)));
        }
        self.rt.advance(seconds);
        Ok(())
    }

    /// `isinstance(x, asyncio.Task)`.
    pub fn is_task(&self, id: FutureId) -> bool {
        self.rt.slot(id).is_some_and(|s| s.task.is_some())
    }

    pub fn type_kind_of(value: &Value) -> Option<TypeKind> {
        Some(match value {
            Value::Int(_) => TypeKind::Int,
            Value::Float(_) => TypeKind::Float,
            Value::Str(_) => TypeKind::Str,
            Value::Bool(_) => TypeKind::Bool,
            Value::List(_) => TypeKind::List,
            Value::Tuple(_) => TypeKind::Tuple,
            Value::Dict(_) => TypeKind::Dict,
            Value::Set(_) => TypeKind::Set,
            Value::None => TypeKind::NoneType,
            Value::Range(..) => TypeKind::Range,
            Value::Function(_) => TypeKind::Function,
            Value::Coroutine(_) => TypeKind::Coroutine,
            Value::Generator(_) => TypeKind::Generator,
            Value::AsyncGenerator(_) => TypeKind::AsyncGenerator,
            _ => return None,
        })
    }

    pub fn iterator(iter: Iter) -> Value {
        Value::Iterator(Rc::new(RefCell::new(iter)))
    }
}
