//! Rust scenarios on the reference runtime: native Rust futures driven by the same loop as the
//! Python interpreter (its ready queue, virtual clock, task states and event reports), behind a
//! small model of tokio's and smol's task API ([`tokio`], [`smol`]).
//!
//! # The API
//! - `tokio::spawn(future)` returns a [`tokio::task::JoinHandle`], which *detaches* its task
//!   when dropped; `smol::spawn(future)` returns a [`smol::Task`], which *cancels* its task when
//!   dropped, unless it was `.detach()`ed. Awaiting either joins the task.
//! - `tokio::task::yield_now()` and `smol::future::yield_now()` suspend the task once: its next
//!   step is scheduled behind the callbacks already ready, like `asyncio.sleep(0)`.
//! - `tokio::time::sleep(duration)` and `smol::Timer::after(duration)` wait on a timer of the
//!   virtual clock.
//! - `smol::future::ready(value)` is ready at once: awaiting it never suspends, and the
//!   runtime counts it as an inline await (starvation, below).
//! - `smol::block_on(future)` and `tokio::runtime::Runtime::block_on` run the loop until the
//!   future is done, then shut the runtime down.
//!
//! The paths are the crates' own, so a program written against this API is plain tokio or smol
//! code, and the linter reads it as such (`src/rust/api.rs` knows these paths). The rule
//! demonstrations (`rules/demos/<CODE>/*.rs`) are compiled into tasklint with `include!` inside
//! a module that imports [`tokio`] or [`smol`] under the crate's name ([`crate::demos`]).
//!
//! # How a future runs on the loop
//! A task's coroutine is its boxed future, and a step polls it once, with a waker that does
//! nothing: the loop wakes tasks through the done-callbacks of the futures they wait on, not
//! through wakers. A leaf of the API that is not ready says what its task waits for (a timer's
//! future, the joined task, or nothing for a yield), and the step reports the task suspended on
//! it, as a Python coroutine suspends. A future that returns `Pending` without going through
//! the API could never be woken: the run stops with an error.
//!
//! While a step polls, the scenario's state ([`Native`]) is moved into a thread-local, so that
//! the API can reach the loop. Dropped handles and leaf futures dropped without being polled are
//! queued in thread-locals of their own (a drop also happens while the state is not there, when
//! a destroyed task's future is dropped), and handled by the collection at the start of every
//! iteration.
//!
//! # What keeps a task
//! Rust has no garbage collector: a task whose handle is dropped meets the handle's drop
//! semantics ([`HandleKind`]). In the `weak` and `cpython` GC modes, a dropped smol `Task`
//! cancels its task, which is destroyed at the next iteration (its future is dropped, so its
//! destructors run); a dropped tokio `JoinHandle` detaches its task, which runs on and is
//! destroyed if it is still pending when `block_on` returns and the runtime shuts down. The
//! `strong` mode shows what the author assumed: no dropped handle cancels its task, and the
//! runtime finishes every task before it shuts down.
//!
//! # Events
//! In the words of the linter's Rust findings, at the line of the program's source:
//! - a destroyed task, at its spawn site (from `#[track_caller]`): TL002 when the spawn is
//!   inside a loop and the handle was dropped (the next iteration overwrote or dropped it),
//!   TL001 otherwise. The runtime cannot tell a handle bound in the loop from one discarded by
//!   its statement, so `smol::spawn(..);` in a loop, which the linter reports as TL001, is a
//!   TL002 event here;
//! - a leaf future dropped without ever being polled, at the call that made it: TL003;
//! - a task that awaits more than `starve_after` ready futures in one step while other
//!   callbacks are ready: TL004, at the innermost loop around the await. Such a loop never
//!   ends by itself, so the run stops after `max_inline_awaits` of them.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::{
    run_once, run_until_complete, Event, FutureId, GcMode, Host, Runtime, Site, Step, Stopped,
    TaskCounts,
};
use crate::rust::api::HandleKind;
use crate::rust::LoopSpan;

/// A task's future, as the loop drives it.
type Coroutine = Pin<Box<dyn Future<Output = ()>>>;

/// The values the loop passes around for Rust tasks: outputs stay with the handles, so the
/// loop only tells a normal end from a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Done,
    Cancelled,
}

/// Why a scenario stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A future returned `Pending` without waiting on anything of the API.
    Foreign,
    /// A task awaited `max_inline_awaits` ready futures in one step: it would spin forever.
    Runaway(u64),
    /// Nothing is ready, no timer is pending, and the main future is not done.
    Hang,
    /// The next timer is past the runtime's `max_time`.
    TimeLimit,
}

impl From<Stopped<Stop>> for Stop {
    fn from(stopped: Stopped<Stop>) -> Self {
        match stopped {
            Stopped::Hang => Stop::Hang,
            Stopped::TimeLimit => Stop::TimeLimit,
            Stopped::Error(stop) => stop,
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Foreign => f.write_str(
                "a future returned Pending without waiting on the runtime's API, so nothing could wake it",
            ),
            Stop::Runaway(n) => write!(
                f,
                "the program was stopped after {n} awaits without suspending in one step"
            ),
            Stop::Hang => f.write_str(
                "the program would wait forever: nothing is ready to run and no timer is pending",
            ),
            Stop::TimeLimit => f.write_str(
                "the program was stopped rather than move the virtual clock past its limit",
            ),
        }
    }
}

/// How a scenario runs.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioOptions {
    pub gc: GcMode,
    /// Report starvation after this many inline awaits in one step.
    pub starve_after: u64,
    /// Stop the run after this many inline awaits in one step.
    pub max_inline_awaits: u64,
}

impl Default for ScenarioOptions {
    fn default() -> Self {
        ScenarioOptions {
            gc: GcMode::Weak,
            starve_after: 1000,
            max_inline_awaits: 100_000,
        }
    }
}

/// What a scenario observed.
#[derive(Debug, Default)]
pub struct ScenarioReport {
    pub events: Vec<Event>,
    pub counts: TaskCounts,
    /// Why the run stopped before its end, if it did.
    pub stopped: Option<Stop>,
}

/// The program a scenario runs: where its source is and what it says (to name loops).
#[derive(Clone)]
struct Program {
    path: Rc<str>,
    /// The loops of the source (see [`crate::rust::loop_spans`]).
    loops: Rc<[LoopSpan]>,
}

impl Program {
    /// A program whose source is not known: `block_on` called outside [`run_scenario`].
    fn unknown() -> Program {
        Program {
            path: Rc::from("<unknown>"),
            loops: Rc::from([]),
        }
    }
}

/// `future` as a task's coroutine, and the slot where its output lands when it is done.
fn coroutine_of<F: Future + 'static>(future: F) -> (Coroutine, Rc<RefCell<Option<F::Output>>>) {
    let output = Rc::new(RefCell::new(None));
    let slot = output.clone();
    let coroutine: Coroutine = Box::pin(async move {
        let value = future.await;
        *slot.borrow_mut() = Some(value);
    });
    (coroutine, output)
}

/// What the scenario knows about a task besides the loop's own state.
struct NativeTask {
    kind: HandleKind,
}

/// What a leaf of the API waits on when it is not ready.
enum Wait {
    Future(FutureId),
    Yield,
}

thread_local! {
    /// The scenario's state while a step polls a task's future.
    static ACTIVE: RefCell<Option<Native>> = const { RefCell::new(None) };
    /// The program and options of the running scenario, and its report once `block_on` ends.
    static SCENARIO: RefCell<Option<(Program, ScenarioOptions, ScenarioReport)>> =
        const { RefCell::new(None) };
    /// The tasks whose handle was dropped (not detached) since the last collection.
    static DROPPED_HANDLES: RefCell<Vec<FutureId>> = const { RefCell::new(Vec::new()) };
    /// Leaf futures dropped without ever being polled: where they were made, and their name.
    static NEVER_POLLED: RefCell<Vec<(&'static Location<'static>, &'static str)>> =
        const { RefCell::new(Vec::new()) };
}

/// Runs `main` (a program written against [`tokio`] or [`smol`], whose source is at `path`
/// and reads `source`) and reports what its `block_on` observed.
pub fn run_scenario(
    path: &str,
    source: &str,
    options: ScenarioOptions,
    main: fn(),
) -> ScenarioReport {
    DROPPED_HANDLES.take();
    NEVER_POLLED.take();
    let program = Program {
        path: Rc::from(path),
        loops: crate::rust::loop_spans(source).into(),
    };
    SCENARIO.set(Some((program, options, ScenarioReport::default())));
    let outcome = panic::catch_unwind(AssertUnwindSafe(main));
    let mut report = SCENARIO
        .take()
        .map(|(_, _, report)| report)
        .unwrap_or_default();
    if let Err(payload) = outcome {
        match payload.downcast::<Stop>() {
            Ok(stop) => report.stopped = Some(*stop),
            Err(payload) => panic::resume_unwind(payload),
        }
    }
    DROPPED_HANDLES.take();
    NEVER_POLLED.take();
    report
}

/// The scenario's state: the loop, and what the API needs besides it.
pub struct Native {
    rt: Runtime<Native>,
    program: Program,
    options: ScenarioOptions,
    tasks: HashMap<FutureId, NativeTask>,
    /// What the leaf polled last in this step waits on.
    waiting: Option<Wait>,
    /// Ready futures awaited in this step.
    inline_awaits: u64,
    starvation_reported: bool,
    /// The loops already reported as starving (line, column).
    starving_loops: Vec<(u32, u32)>,
}

impl Native {
    fn new(program: Program, options: ScenarioOptions) -> Native {
        Native {
            rt: Runtime::new(options.gc),
            program,
            options,
            tasks: HashMap::new(),
            waiting: None,
            inline_awaits: 0,
            starvation_reported: false,
            starving_loops: Vec::new(),
        }
    }

    /// Stands in for the state while it is in [`ACTIVE`].
    fn placeholder() -> Native {
        Native::new(Program::unknown(), ScenarioOptions::default())
    }

    /// The site of a call of the program, with the innermost loop around it.
    fn site(&self, location: &Location<'_>) -> Site {
        let at = (location.line(), location.column());
        let in_loop = self
            .program
            .loops
            .iter()
            .filter(|(start, end)| *start <= at && at <= *end)
            .map(|(start, _)| *start)
            .max();
        Site {
            path: self.program.path.clone(),
            line: at.0,
            column: at.1,
            in_loop,
        }
    }

    fn spawn(&mut self, coroutine: Coroutine, kind: HandleKind, at: &Location<'_>) -> FutureId {
        let site = self.site(at);
        let id = self.rt.create_task(coroutine, None, Some(site));
        self.tasks.insert(id, NativeTask { kind });
        id
    }

    /// A ready future was awaited: counts it, reports starvation, stops a runaway loop.
    fn inline_await(&mut self, at: &Location<'_>) {
        self.inline_awaits += 1;
        if self.inline_awaits > self.options.max_inline_awaits {
            panic::resume_unwind(Box::new(Stop::Runaway(self.options.max_inline_awaits)));
        }
        if self.inline_awaits <= self.options.starve_after
            || self.starvation_reported
            || self.rt.ready_len() == 0
        {
            return;
        }
        self.starvation_reported = true;
        let site = self.site(at);
        let (line, column) = site.in_loop.unwrap_or((site.line, site.column));
        if self.starving_loops.contains(&(line, column)) {
            return;
        }
        self.starving_loops.push((line, column));
        let task = self.task_name(self.rt.current);
        let site = Site {
            line,
            column,
            in_loop: None,
            ..site
        };
        let event = Event::starvation(site, self.options.starve_after, task);
        self.rt.events.push(event);
    }

    fn task_name(&self, id: Option<FutureId>) -> String {
        id.and_then(|id| self.rt.slot(id))
            .and_then(|slot| slot.task.as_ref())
            .map(|task| task.name.clone())
            .unwrap_or_default()
    }

    /// Whether `id` finished or was destroyed: a handle waiting on it stops waiting.
    fn task_is_over(&self, id: FutureId) -> bool {
        self.rt.is_done(id) || !self.rt.is_live_task(id)
    }

    /// Applies the handles dropped since the last collection: a dropped cancel-on-drop handle
    /// destroys its pending task (not in strong mode); a detach-on-drop one lets it run on.
    fn apply_dropped_handles(&mut self) {
        loop {
            let dropped = DROPPED_HANDLES.take();
            if dropped.is_empty() {
                return;
            }
            for id in dropped {
                let Some(kind) = self.tasks.get(&id).map(|task| task.kind) else {
                    continue;
                };
                if let Some(task) = self.rt.slot_mut(id).and_then(|slot| slot.task.as_mut()) {
                    task.rebound = true;
                }
                let cancels = kind.drop_semantics() == crate::rust::api::DropSemantics::Cancels;
                if cancels && self.options.gc != GcMode::Strong {
                    self.destroy(id, kind);
                }
            }
        }
    }

    /// Destroys a pending task; dropping its future may drop more handles (applied next).
    fn destroy(&mut self, id: FutureId, kind: HandleKind) {
        let coroutine = self.rt.destroy_with(id, |rule| {
            let how = if rule == "TL002" {
                "it was created in a loop and its handle was dropped or overwritten by the next \
                 iteration"
            } else {
                "its handle was dropped"
            };
            format!(
                "task destroyed while pending: {how}; {}",
                kind.drop_message()
            )
        });
        drop(coroutine);
    }

    fn report_never_polled(&mut self) {
        for (at, name) in NEVER_POLLED.take() {
            let event = Event::never_awaited(self.site(at), "future", name);
            self.rt.events.push(event);
        }
    }

    /// The end of `block_on`: in strong mode every task runs to its end first; the tasks still
    /// pending are destroyed, as a runtime drops its tasks when it shuts down.
    fn shut_down(&mut self) -> Result<(), Stop> {
        let pending = |native: &Native| native.rt.live_ids().any(|id| native.rt.is_live_task(id));
        if self.options.gc == GcMode::Strong {
            while pending(self) && run_once(self)? {}
        }
        self.apply_dropped_handles();
        let ids: Vec<FutureId> = self.rt.live_ids().collect();
        for id in ids {
            if let Some(kind) = self.tasks.get(&id).map(|task| task.kind) {
                if self.rt.is_live_task(id) {
                    self.destroy(id, kind);
                }
            }
        }
        self.apply_dropped_handles();
        self.report_never_polled();
        Ok(())
    }

    /// Hands what was observed to [`run_scenario`].
    fn into_report(mut self, stopped: Option<Stop>) {
        let report = ScenarioReport {
            events: std::mem::take(&mut self.rt.events),
            counts: self.rt.counts,
            stopped,
        };
        SCENARIO.with_borrow_mut(|scenario| {
            if let Some((_, _, slot)) = scenario {
                *slot = report;
            }
        });
    }
}

impl Host for Native {
    type Value = Signal;
    type Coroutine = Coroutine;
    type Callback = FutureId;
    type Error = Stop;

    fn runtime(&mut self) -> &mut Runtime<Self> {
        &mut self.rt
    }

    fn step(
        &mut self,
        _task: FutureId,
        coro: &mut Coroutine,
        exc: Option<Signal>,
    ) -> Result<Step<Signal>, Stop> {
        if let Some(exc) = exc {
            return Ok(Step::Raised(exc));
        }
        self.waiting = None;
        self.inline_awaits = 0;
        self.starvation_reported = false;
        let state = std::mem::replace(self, Native::placeholder());
        ACTIVE.set(Some(state));
        let mut context = Context::from_waker(Waker::noop());
        let polled = panic::catch_unwind(AssertUnwindSafe(|| coro.as_mut().poll(&mut context)));
        if let Some(state) = ACTIVE.take() {
            *self = state;
        }
        match polled {
            Ok(Poll::Ready(())) => Ok(Step::Returned(Signal::Done)),
            Ok(Poll::Pending) => match self.waiting.take() {
                Some(Wait::Future(id)) => Ok(Step::Suspended(Some(id))),
                Some(Wait::Yield) => Ok(Step::Suspended(None)),
                None => Err(Stop::Foreign),
            },
            Err(payload) => match payload.downcast::<Stop>() {
                Ok(stop) => Err(*stop),
                Err(payload) => panic::resume_unwind(payload),
            },
        }
    }

    /// A timer is due: its future completes, which wakes the task sleeping on it.
    fn call(&mut self, timer: FutureId) -> Result<(), Stop> {
        self.rt.set_result(timer, Signal::Done);
        Ok(())
    }

    fn call_done(&mut self, _func: Signal, _future: FutureId) -> Result<(), Stop> {
        Ok(())
    }

    fn cancelled_error(&mut self, _message: Option<Signal>) -> Signal {
        Signal::Cancelled
    }

    fn is_cancelled_error(&self, exc: &Signal) -> bool {
        *exc == Signal::Cancelled
    }

    fn results(&mut self, _items: Vec<Signal>) -> Signal {
        Signal::Done
    }

    fn collect(&mut self) -> Result<(), Stop> {
        self.apply_dropped_handles();
        self.report_never_polled();
        Ok(())
    }

    fn describe(&self, _func: &Signal) -> String {
        "a done-callback".to_owned()
    }

    fn describe_callback(&self, timer: &FutureId) -> String {
        format!("timer {timer}")
    }

    fn trace(&mut self, _line: &str) {}
}

/// Runs `f` with the state of the scenario whose step is polling.
fn with_native<R>(f: impl FnOnce(&mut Native) -> R) -> R {
    ACTIVE.with_borrow_mut(|active| {
        let native = active
            .as_mut()
            .expect("the runtime's API is used inside a future that `block_on` drives");
        f(native)
    })
}

/// Runs the loop until `future` is done, then shuts the runtime down (see the module doc).
fn block_on<F: Future + 'static>(future: F) -> F::Output {
    let (program, options) = SCENARIO
        .with_borrow(|scenario| {
            let (program, options, _) = scenario.as_ref()?;
            Some((program.clone(), *options))
        })
        .unwrap_or_else(|| (Program::unknown(), ScenarioOptions::default()));
    let mut native = Native::new(program, options);
    let (main, output) = coroutine_of(future);
    let main = native.rt.create_task(main, None, None);
    let ended = match run_until_complete(&mut native, main) {
        Ok(()) => native.shut_down(),
        Err(stopped) => Err(Stop::from(stopped)),
    };
    if let Err(stop) = ended {
        native.into_report(Some(stop.clone()));
        panic::resume_unwind(Box::new(stop));
    }
    native.into_report(None);
    let value = output.borrow_mut().take();
    value.expect("the main future is done when the loop stops")
}

/// Reports a leaf future that is dropped without ever being polled (TL003).
struct NeverPolledGuard {
    made_at: &'static Location<'static>,
    name: &'static str,
    polled: bool,
}

impl NeverPolledGuard {
    #[track_caller]
    fn new(name: &'static str) -> Self {
        NeverPolledGuard {
            made_at: Location::caller(),
            name,
            polled: false,
        }
    }
}

impl Drop for NeverPolledGuard {
    fn drop(&mut self) {
        if !self.polled {
            NEVER_POLLED.with_borrow_mut(|found| found.push((self.made_at, self.name)));
        }
    }
}

/// What both handle kinds share: the task, and where its output lands.
struct Handle<T> {
    task: FutureId,
    output: Rc<RefCell<Option<T>>>,
    /// The handle let go of the task on purpose (`detach`).
    released: Cell<bool>,
}

impl<T: 'static> Handle<T> {
    #[track_caller]
    fn spawn(future: impl Future<Output = T> + 'static, kind: HandleKind) -> Handle<T> {
        let at = Location::caller();
        let (coroutine, output) = coroutine_of(future);
        let task = with_native(|native| native.spawn(coroutine, kind, at));
        Handle {
            task,
            output,
            released: Cell::new(false),
        }
    }

    /// The task's output once it is done; `Ready(None)` when it was destroyed instead.
    fn poll_join(&self) -> Poll<Option<T>> {
        if let Some(value) = self.output.borrow_mut().take() {
            return Poll::Ready(Some(value));
        }
        with_native(|native| {
            if native.task_is_over(self.task) {
                Poll::Ready(None)
            } else {
                native.waiting = Some(Wait::Future(self.task));
                Poll::Pending
            }
        })
    }

    fn detach(&self) {
        self.released.set(true);
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        if !self.released.get() {
            DROPPED_HANDLES.with_borrow_mut(|dropped| dropped.push(self.task));
        }
    }
}

/// A timer of the virtual clock.
pub struct Sleep {
    seconds: f64,
    timer: Option<FutureId>,
    guard: NeverPolledGuard,
}

impl Sleep {
    #[track_caller]
    fn new(duration: std::time::Duration, name: &'static str) -> Sleep {
        Sleep {
            seconds: duration.as_secs_f64(),
            timer: None,
            guard: NeverPolledGuard::new(name),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.guard.polled = true;
        with_native(|native| {
            let timer = match this.timer {
                Some(timer) if native.rt.is_done(timer) => return Poll::Ready(()),
                Some(timer) => timer,
                None => {
                    let timer = native.rt.create_future();
                    let when = native.rt.time() + this.seconds;
                    native.rt.call_at(when, timer);
                    this.timer = Some(timer);
                    timer
                }
            };
            native.waiting = Some(Wait::Future(timer));
            Poll::Pending
        })
    }
}

/// Suspends the task once.
pub struct YieldNow {
    yielded: bool,
    guard: NeverPolledGuard,
}

impl YieldNow {
    #[track_caller]
    fn new(name: &'static str) -> YieldNow {
        YieldNow {
            yielded: false,
            guard: NeverPolledGuard::new(name),
        }
    }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.guard.polled = true;
        if this.yielded {
            return Poll::Ready(());
        }
        this.yielded = true;
        with_native(|native| native.waiting = Some(Wait::Yield));
        Poll::Pending
    }
}

/// A model of tokio's task API.
pub mod tokio {
    use std::future::Future;

    use super::{Handle, HandleKind};

    /// Spawns a task; dropping its handle detaches it.
    #[track_caller]
    pub fn spawn<F: Future + 'static>(future: F) -> task::JoinHandle<F::Output> {
        task::JoinHandle(Handle::spawn(future, HandleKind::TokioJoinHandle))
    }

    pub mod task {
        use std::future::Future;
        use std::pin::Pin;
        use std::task::{Context, Poll};

        use super::super::{Handle, YieldNow};

        /// A tokio task's handle: awaiting it joins the task; dropping it detaches the task.
        pub struct JoinHandle<T>(pub(in super::super) Handle<T>);

        /// The task did not finish: it was destroyed.
        #[derive(Debug)]
        pub struct JoinError;

        impl<T: 'static> Future for JoinHandle<T> {
            type Output = Result<T, JoinError>;

            fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
                self.0.poll_join().map(|output| output.ok_or(JoinError))
            }
        }

        /// Suspends the task once.
        #[track_caller]
        pub fn yield_now() -> YieldNow {
            YieldNow::new("tokio::task::yield_now")
        }
    }

    pub mod time {
        use super::super::Sleep;

        /// Waits `duration` on the virtual clock.
        #[track_caller]
        pub fn sleep(duration: std::time::Duration) -> Sleep {
            Sleep::new(duration, "tokio::time::sleep")
        }
    }

    pub mod runtime {
        use std::future::Future;

        /// tokio's runtime: `block_on` runs the loop.
        pub struct Runtime(());

        impl Runtime {
            pub fn new() -> std::io::Result<Runtime> {
                Ok(Runtime(()))
            }

            /// Runs the loop until `future` is done, then shuts down.
            pub fn block_on<F: Future + 'static>(&self, future: F) -> F::Output {
                super::super::block_on(future)
            }
        }
    }
}

/// A model of smol's task API.
pub mod smol {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::{Handle, HandleKind, Sleep};

    /// Spawns a task; dropping its handle cancels it.
    #[track_caller]
    pub fn spawn<F: Future + 'static>(future: F) -> Task<F::Output> {
        Task(Handle::spawn(future, HandleKind::AsyncTask))
    }

    /// Runs the loop until `future` is done, then shuts down.
    pub fn block_on<F: Future + 'static>(future: F) -> F::Output {
        super::block_on(future)
    }

    /// A smol task's handle: awaiting it joins the task; dropping it cancels the task.
    pub struct Task<T>(Handle<T>);

    impl<T: 'static> Task<T> {
        /// Lets the task run on its own.
        pub fn detach(self) {
            self.0.detach();
        }
    }

    impl<T: 'static> Future for Task<T> {
        type Output = T;

        fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<T> {
            self.0
                .poll_join()
                .map(|output| output.expect("a task awaited through its handle is not cancelled"))
        }
    }

    /// smol's timer.
    pub struct Timer;

    impl Timer {
        /// Waits `duration` on the virtual clock.
        #[track_caller]
        pub fn after(duration: std::time::Duration) -> Sleep {
            Sleep::new(duration, "smol::Timer::after")
        }
    }

    pub mod future {
        use std::pin::Pin;
        use std::task::{Context, Poll};

        use super::super::{with_native, NeverPolledGuard, YieldNow};

        /// Suspends the task once.
        #[track_caller]
        pub fn yield_now() -> YieldNow {
            YieldNow::new("smol::future::yield_now")
        }

        /// A future ready at once: awaiting it never suspends.
        pub struct Ready<T> {
            value: Option<T>,
            guard: NeverPolledGuard,
        }

        /// A future ready at once with `value`.
        #[track_caller]
        pub fn ready<T>(value: T) -> Ready<T> {
            Ready {
                value: Some(value),
                guard: NeverPolledGuard::new("smol::future::ready"),
            }
        }

        impl<T: Unpin> std::future::Future for Ready<T> {
            type Output = T;

            fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<T> {
                let this = self.get_mut();
                this.guard.polled = true;
                with_native(|native| native.inline_await(this.guard.made_at));
                Poll::Ready(this.value.take().expect("a ready future is polled once"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runtime::EventKind;

    thread_local! {
        /// How many test tasks ran to their end.
        static FINISHED: Cell<u32> = const { Cell::new(0) };
    }

    fn finish() {
        FINISHED.set(FINISHED.get() + 1);
    }

    fn run(gc: GcMode, main: fn()) -> (ScenarioReport, u32) {
        FINISHED.set(0);
        let options = ScenarioOptions {
            gc,
            ..ScenarioOptions::default()
        };
        let report = run_scenario("scenario.rs", "", options, main);
        (report, FINISHED.get())
    }

    fn drops_a_smol_task() {
        smol::block_on(async {
            drop(smol::spawn(async {
                smol::Timer::after(Duration::from_millis(10)).await;
                finish();
            }));
            smol::Timer::after(Duration::from_secs(1)).await;
        });
    }

    #[test]
    fn dropping_a_smol_task_destroys_it_in_weak_mode_and_not_in_strong_mode() {
        let (report, finished) = run(GcMode::Weak, drops_a_smol_task);
        assert_eq!(finished, 0);
        assert_eq!(report.counts.destroyed_pending, 1);
        let event = &report.events[0];
        assert_eq!(
            (event.kind, event.rule),
            (EventKind::TaskDestroyedPending, "TL001")
        );
        assert!(event
            .message
            .ends_with("the task is cancelled when this handle is dropped"));
        assert_eq!(&*event.site.path, "scenario.rs");
        let (report, finished) = run(GcMode::Strong, drops_a_smol_task);
        assert_eq!(finished, 1);
        assert!(report.events.is_empty());
    }

    fn detaches_a_slow_tokio_task() {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async {
            drop(tokio::spawn(async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                finish();
            }));
            tokio::time::sleep(Duration::from_millis(1)).await;
        });
    }

    #[test]
    fn a_detached_tokio_task_runs_on_until_the_runtime_shuts_down() {
        let (report, finished) = run(GcMode::Weak, detaches_a_slow_tokio_task);
        assert_eq!(finished, 0);
        assert_eq!(report.counts.destroyed_pending, 1);
        assert!(report.events[0]
            .message
            .contains("killed when the runtime shuts down"));
        let (report, finished) = run(GcMode::Strong, detaches_a_slow_tokio_task);
        assert_eq!(finished, 1);
        assert!(report.events.is_empty());
    }

    fn joins_a_task() {
        let output = smol::block_on(async {
            let task = smol::spawn(async {
                tokio::task::yield_now().await;
                7
            });
            task.await
        });
        if output == 7 {
            finish();
        }
    }

    #[test]
    fn awaiting_a_handle_gives_the_task_output() {
        let (report, finished) = run(GcMode::Weak, joins_a_task);
        assert_eq!(finished, 1);
        assert_eq!(report.counts.completed, 1);
        assert!(report.events.is_empty() && report.stopped.is_none());
    }

    fn makes_a_timer_and_drops_it() {
        smol::block_on(async {
            FINISHED.set(line!() + 1);
            drop(tokio::time::sleep(Duration::from_secs(1)));
        });
    }

    #[test]
    fn a_timer_never_polled_is_reported_at_the_call_that_made_it() {
        let (report, timer_line) = run(GcMode::Weak, makes_a_timer_and_drops_it);
        let event = &report.events[0];
        assert_eq!(
            (event.kind, event.rule),
            (EventKind::CoroutineNeverAwaited, "TL003")
        );
        assert_eq!(event.task, "tokio::time::sleep");
        assert_eq!(event.site.line, timer_line);
    }

    fn spins_on_ready_futures() {
        smol::block_on(async {
            // Kept, and ready to run, while the loop spins.
            let _other = smol::spawn(async {});
            loop {
                smol::future::ready(()).await;
            }
        });
    }

    #[test]
    fn a_loop_of_ready_futures_starves_the_other_tasks_and_is_stopped() {
        let (report, _) = run(GcMode::Weak, spins_on_ready_futures);
        let event = &report.events[0];
        assert_eq!((event.kind, event.rule), (EventKind::Starvation, "TL004"));
        assert_eq!(report.stopped, Some(Stop::Runaway(100_000)));
    }

    fn awaits_a_foreign_future() {
        smol::block_on(std::future::pending::<()>());
    }

    #[test]
    fn a_future_pending_outside_the_api_stops_the_run() {
        let (report, _) = run(GcMode::Weak, awaits_a_foreign_future);
        assert_eq!(report.stopped, Some(Stop::Foreign));
    }
}
