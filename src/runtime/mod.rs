//! The reference runtime: a deterministic model of asyncio's event loop, independent of Python.
//!
//! # The loop
//! The loop owns a *ready queue of callbacks* (not of tasks), run first in, first out, and timers
//! on a *virtual clock*. One iteration ([`run_once`]) first lets the host collect garbage (see the
//! GC modes below), then, when nothing is ready, jumps the clock to the earliest timer (there is
//! no real sleeping; the loop stops rather than move the clock past [`Runtime::max_time`]),
//! moves every due timer to the ready queue in `(when, scheduling order)` order, and runs
//! exactly the callbacks that were ready at that point; callbacks they schedule run in the next
//! iteration. This is the order of CPython's `BaseEventLoop._run_once`.
//!
//! # Futures and tasks
//! Futures and tasks live in one arena and are named by [`FutureId`]; a task is a future with a
//! coroutine ([`TaskPart`]). A future is *pending*, *finished* (with a result or an exception) or
//! *cancelled*; a pending task is additionally *running* while its coroutine executes a step, and
//! *destroyed* when the host's collector found it unreachable (a destroyed task never finishes:
//! its coroutine was closed, its done-callbacks never run). When a future completes, each of its
//! done-callbacks is scheduled with `call_soon`, in the order they were added, as CPython does.
//!
//! A task runs in *steps* ([`Callback::Step`]): creating a task schedules its first step. A step
//! resumes the coroutine (with a value, or by throwing an exception at its await point) until it
//! either finishes (the task gets its result; a `CancelledError` escaping makes it cancelled;
//! any other exception becomes its exception) or suspends. A coroutine suspends on a pending
//! future, and the task adds a [`DoneCallback::Wakeup`] to that future and remembers it as its
//! `fut_waiter`; or it suspends with a bare yield (`sleep(0)`), and its next step is scheduled
//! right away. `task.cancel()` cancels the future the task waits on (the wake-up then throws
//! `CancelledError` at the await point), or, when there is none, marks the task so that its next
//! step throws `CancelledError` into the coroutine.
//!
//! # Who holds which reference
//! The arena does not keep anything alive by itself: the host decides when a task is garbage.
//! The ready queue and the timers name tasks and futures by id; a future's done-callbacks name
//! the tasks to wake by id. What the host counts as a reference depends on the GC mode:
//! - [`GcMode::Strong`]: every task is kept until it is done.
//! - [`GcMode::Cpython`]: a pending task lives while it is reachable from the program's roots
//!   (module globals, live frames) or from the loop's ready callbacks and timers, through the
//!   program's objects, futures (`fut_waiter`, done-callbacks, [`FutureSlot::keep`]) and tasks.
//!   Unreachable pending tasks are destroyed at every iteration: a task awaiting a private
//!   future is garbage, one sleeping is kept by its timer, as in CPython.
//! - [`GcMode::Weak`]: only the program's own references keep a task; the loop's structures
//!   hold tasks weakly, so a pending task whose last handle is gone is destroyed at the next
//!   iteration.
//!
//! A destroyed task is reported as an [`Event`] at the site of the call that created it.
//!
//! # The timeline
//! When asked to ([`Runtime::record_timeline`]), the runtime records the life of every task the
//! program created (creation, the iterations its steps ran in, its ending) in a [`Timeline`],
//! the data of `tasklint run --timeline`.
//!
//! Two hosts drive this loop: the Python interpreter ([`crate::interp`]) and native Rust futures
//! behind a model of tokio's and smol's task API ([`native`]).

pub mod native;
mod timeline;

pub use timeline::{Lane, TaskEnd, Timeline};

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// A future or a task in the arena.
pub type FutureId = u32;

/// How the runtime decides that a pending task is garbage (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcMode {
    Strong,
    Cpython,
    Weak,
}

/// Where something happened in the program: a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub path: Rc<str>,
    pub line: u32,
    pub column: u32,
    /// The innermost loop statement around the site, when there is one (line, column).
    pub in_loop: Option<(u32, u32)>,
}

/// What the runtime observed about task lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    TaskDestroyedPending,
    CoroutineNeverAwaited,
    Starvation,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TaskDestroyedPending => "task-destroyed-pending",
            EventKind::CoroutineNeverAwaited => "coroutine-never-awaited",
            EventKind::Starvation => "starvation",
        }
    }
}

/// One observed task-lifetime event, at the site the linter would flag.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventKind,
    /// The rule code the event demonstrates (`TL001`..`TL004`).
    pub rule: &'static str,
    pub site: Site,
    pub message: String,
    /// The task's name (`Task-3`), or the coroutine's name.
    pub task: String,
}

impl Event {
    /// A coroutine or future collected without ever being awaited (TL003), at the call that
    /// made it; `what` is `coroutine` or `future`.
    pub fn never_awaited(site: Site, what: &str, name: &str) -> Event {
        Event {
            kind: EventKind::CoroutineNeverAwaited,
            rule: "TL003",
            site,
            message: format!("{what} '{name}' was never awaited: its body never ran"),
            task: name.to_owned(),
        }
    }

    /// A task that awaited more than `starve_after` times inline while other callbacks were
    /// ready (TL004), at the loop statement it was running.
    pub fn starvation(site: Site, starve_after: u64, task: String) -> Event {
        Event {
            kind: EventKind::Starvation,
            rule: "TL004",
            site,
            message: format!(
                "task ran more than {starve_after} awaits without suspending while other \
                 callbacks were ready: this loop never gives control back to the event loop"
            ),
            task,
        }
    }
}

/// Counts for the summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskCounts {
    pub created: u64,
    pub completed: u64,
    pub cancelled: u64,
    pub destroyed_pending: u64,
}

/// The state of a future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FutureState {
    Pending,
    Finished,
    Cancelled,
}

/// A done future's outcome.
#[derive(Debug, Clone)]
pub enum Outcome<V> {
    Result(V),
    Exception(V),
}

/// What a host's coroutine did in one step.
pub enum Step<V> {
    /// Suspended on a pending future (`Some`), or with a bare yield (`None`).
    Suspended(Option<FutureId>),
    Returned(V),
    Raised(V),
}

/// A callback to run when a future completes.
pub enum DoneCallback<H: Host> {
    /// Wake the task up (`Task.__wakeup`): its next step gets the future's outcome.
    Wakeup(FutureId),
    /// A child of a `gather` finished.
    GatherChild { outer: FutureId },
    /// The inner future of a `shield` finished.
    ShieldInner { outer: FutureId },
    /// The outer future of a `shield` finished.
    ShieldOuter { inner: FutureId },
    /// Stop the loop (`run_until_complete`).
    Stop,
    /// A callable of the program, called with the future.
    Host(H::Value),
}

/// An entry of the ready queue.
pub enum Callback<H: Host> {
    Step {
        task: FutureId,
        exc: Option<H::Value>,
    },
    Done {
        callback: DoneCallback<H>,
        future: FutureId,
    },
    Host(H::Callback),
}

/// A cancellable handle of a scheduled callback (`Handle`/`TimerHandle`).
#[derive(Debug, Clone, Default)]
pub struct HandleFlag(Rc<Cell<bool>>);

impl HandleFlag {
    pub fn cancel(&self) {
        self.0.set(true);
    }
    pub fn cancelled(&self) -> bool {
        self.0.get()
    }
}

/// The task part of a future.
pub struct TaskPart<H: Host> {
    /// The coroutine; `None` while a step runs it.
    pub coro: Option<H::Coroutine>,
    pub must_cancel: bool,
    pub fut_waiter: Option<FutureId>,
    pub num_cancels_requested: u32,
    pub name: String,
    /// Where the program created the task; `None` for the runtime's own tasks.
    pub site: Option<Site>,
    /// A variable holding the task was rebound to something else.
    pub rebound: bool,
    pub destroyed: bool,
}

/// The state of a `gather`.
pub struct Gather {
    pub children: Vec<FutureId>,
    pub unique: usize,
    pub finished: usize,
    pub return_exceptions: bool,
    pub cancel_requested: bool,
}

/// One future of the arena.
pub struct FutureSlot<H: Host> {
    pub state: FutureState,
    pub outcome: Option<Outcome<H::Value>>,
    pub callbacks: Vec<DoneCallback<H>>,
    /// The exception was set and nobody asked for it yet.
    pub log_traceback: bool,
    pub cancel_message: Option<H::Value>,
    /// The `CancelledError` that cancelled a task, given again to whoever asks for the result.
    pub cancelled_exc: Option<H::Value>,
    pub task: Option<TaskPart<H>>,
    pub gather: Option<Gather>,
    /// Values this future keeps alive (a gather's children, a shield's inner future).
    pub keep: Vec<H::Value>,
}

/// A timer: a callback to move to the ready queue at a time of the virtual clock.
struct Timer<H: Host> {
    callback: H::Callback,
    flag: HandleFlag,
}

/// Orders `f64` times totally, for the timer map.
#[derive(Debug, Clone, Copy, PartialEq)]
struct When(f64);

impl Eq for When {}
impl PartialOrd for When {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for When {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// What the program gives the runtime: its values, its coroutines and how to run them.
pub trait Host: Sized {
    /// A value of the program (results, exceptions, callables).
    type Value: Clone;
    /// What a task drives.
    type Coroutine;
    /// A scheduled callable with its arguments.
    type Callback;
    /// Why the run cannot go on (not a program exception).
    type Error;

    fn runtime(&mut self) -> &mut Runtime<Self>;
    /// Resumes `coro` (the coroutine of `task`): with nothing, or by throwing `exc` into it.
    fn step(
        &mut self,
        task: FutureId,
        coro: &mut Self::Coroutine,
        exc: Option<Self::Value>,
    ) -> Result<Step<Self::Value>, Self::Error>;
    /// Runs a callback of the ready queue.
    fn call(&mut self, callback: Self::Callback) -> Result<(), Self::Error>;
    /// Runs a done-callback of the program, with the future that completed.
    fn call_done(&mut self, func: Self::Value, future: FutureId) -> Result<(), Self::Error>;
    /// A new `CancelledError` with this message (or none).
    fn cancelled_error(&mut self, message: Option<Self::Value>) -> Self::Value;
    /// Whether `exc` is a `CancelledError`.
    fn is_cancelled_error(&self, exc: &Self::Value) -> bool;
    /// The results of a gather, as the program's list.
    fn results(&mut self, items: Vec<Self::Value>) -> Self::Value;
    /// Garbage-collects according to the GC mode (called at the start of every iteration).
    fn collect(&mut self) -> Result<(), Self::Error>;
    /// A callable of the program in words (`--trace`).
    fn describe(&self, func: &Self::Value) -> String;
    /// A scheduled callback in words (`--trace`).
    fn describe_callback(&self, callback: &Self::Callback) -> String;
    /// Reports one line of `--trace`.
    fn trace(&mut self, line: &str);
}

/// Why the loop stopped before the future it runs for was done.
#[derive(Debug, PartialEq)]
pub enum Stopped<E> {
    /// Nothing is ready and no timer is pending, but the future is not done: the program would
    /// wait forever.
    Hang,
    /// Nothing is ready and the next timer is past [`Runtime::max_time`].
    TimeLimit,
    Error(E),
}

impl<E> From<E> for Stopped<E> {
    fn from(error: E) -> Self {
        Stopped::Error(error)
    }
}

/// The loop's state: the arena, the ready queue, the timers and the clock.
pub struct Runtime<H: Host> {
    pub mode: GcMode,
    slots: Vec<Option<FutureSlot<H>>>,
    ready: VecDeque<(Callback<H>, Option<HandleFlag>)>,
    timers: BTreeMap<(When, u64), Timer<H>>,
    timer_seq: u64,
    now: f64,
    /// The latest time the clock may reach; a timer due later is never run.
    pub max_time: f64,
    stopping: bool,
    /// The task whose step is running.
    pub current: Option<FutureId>,
    pub events: Vec<Event>,
    pub counts: TaskCounts,
    /// Iterations run so far.
    pub iterations: u64,
    /// Report each iteration to the host (`--trace`).
    pub trace: bool,
    task_names: u64,
    /// The life of each task, when a timeline was asked for.
    timeline: Option<Timeline>,
}

impl<H: Host> Runtime<H> {
    pub fn new(mode: GcMode) -> Self {
        Runtime {
            mode,
            slots: Vec::new(),
            ready: VecDeque::new(),
            timers: BTreeMap::new(),
            timer_seq: 0,
            now: 0.0,
            max_time: f64::INFINITY,
            stopping: false,
            current: None,
            events: Vec::new(),
            counts: TaskCounts::default(),
            iterations: 0,
            trace: false,
            task_names: 0,
            timeline: None,
        }
    }

    /// Records the life of every task the program creates from now on (`--timeline`).
    pub fn record_timeline(&mut self) {
        self.timeline = Some(Timeline::default());
    }

    /// The timeline recorded so far, if one was asked for.
    pub fn take_timeline(&mut self) -> Option<Timeline> {
        let mut timeline = self.timeline.take()?;
        timeline.iterations = timeline.iterations.max(self.iterations);
        Some(timeline)
    }

    /// `Task.set_name`.
    pub fn set_task_name(&mut self, id: FutureId, name: String) {
        if let Some(timeline) = &mut self.timeline {
            timeline.renamed(id, &name);
        }
        if let Some(task) = self.slot_mut(id).and_then(|s| s.task.as_mut()) {
            task.name = name;
        }
    }

    /// How many callbacks are ready to run.
    pub fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// The virtual clock, in seconds.
    pub fn time(&self) -> f64 {
        self.now
    }

    /// Whether the clock may reach `when` (`max_time`).
    pub fn within_time_limit(&self, when: f64) -> bool {
        when <= self.max_time
    }

    /// Advances the clock without running anything (`time.sleep` blocks the loop).
    pub fn advance(&mut self, seconds: f64) {
        if seconds > 0.0 {
            self.now += seconds;
        }
    }

    pub fn slot(&self, id: FutureId) -> Option<&FutureSlot<H>> {
        self.slots.get(id as usize).and_then(Option::as_ref)
    }

    pub fn slot_mut(&mut self, id: FutureId) -> Option<&mut FutureSlot<H>> {
        self.slots.get_mut(id as usize).and_then(Option::as_mut)
    }

    /// The ids of every slot still in the arena, in creation order.
    pub fn live_ids(&self) -> impl Iterator<Item = FutureId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.is_some())
            .map(|(id, _)| id as FutureId)
    }

    /// Forgets a future nobody can reach any more; returns it (for "never retrieved" checks).
    pub fn free(&mut self, id: FutureId) -> Option<FutureSlot<H>> {
        self.slots.get_mut(id as usize).and_then(Option::take)
    }

    pub fn create_future(&mut self) -> FutureId {
        let id = self.slots.len() as FutureId;
        self.slots.push(Some(FutureSlot {
            state: FutureState::Pending,
            outcome: None,
            callbacks: Vec::new(),
            log_traceback: false,
            cancel_message: None,
            cancelled_exc: None,
            task: None,
            gather: None,
            keep: Vec::new(),
        }));
        id
    }

    /// Creates a task for `coro` and schedules its first step. `name` defaults to `Task-N`.
    pub fn create_task(
        &mut self,
        coro: H::Coroutine,
        name: Option<String>,
        site: Option<Site>,
    ) -> FutureId {
        let id = self.create_future();
        self.task_names += 1;
        if site.is_some() {
            self.counts.created += 1;
        }
        let name = name.unwrap_or_else(|| format!("Task-{}", self.task_names));
        if let (Some(timeline), Some(site)) = (&mut self.timeline, &site) {
            timeline.created(id, &name, site, self.iterations);
        }
        if let Some(slot) = self.slot_mut(id) {
            slot.task = Some(TaskPart {
                coro: Some(coro),
                must_cancel: false,
                fut_waiter: None,
                num_cancels_requested: 0,
                name,
                site,
                rebound: false,
                destroyed: false,
            });
        }
        self.call_soon(
            Callback::Step {
                task: id,
                exc: None,
            },
            None,
        );
        id
    }

    pub fn call_soon(&mut self, callback: Callback<H>, flag: Option<HandleFlag>) {
        self.ready.push_back((callback, flag));
    }

    /// Schedules `callback` at `when` on the virtual clock.
    pub fn call_at(&mut self, when: f64, callback: H::Callback) -> HandleFlag {
        let flag = HandleFlag::default();
        self.timer_seq += 1;
        self.timers.insert(
            (When(when), self.timer_seq),
            Timer {
                callback,
                flag: flag.clone(),
            },
        );
        flag
    }

    /// The ready callbacks and the pending timers, for a collector that counts them as roots.
    pub fn scheduled(&self) -> (Vec<&Callback<H>>, Vec<&H::Callback>) {
        let ready = self
            .ready
            .iter()
            .filter(|(_, flag)| !flag.as_ref().is_some_and(HandleFlag::cancelled))
            .map(|(callback, _)| callback)
            .collect();
        let timers = self
            .timers
            .values()
            .filter(|timer| !timer.flag.cancelled())
            .map(|timer| &timer.callback)
            .collect();
        (ready, timers)
    }

    pub fn is_done(&self, id: FutureId) -> bool {
        self.slot(id)
            .is_some_and(|slot| slot.state != FutureState::Pending)
    }

    /// Whether `id` is a task that is pending and not destroyed.
    pub fn is_live_task(&self, id: FutureId) -> bool {
        self.slot(id).is_some_and(|slot| {
            slot.state == FutureState::Pending && slot.task.as_ref().is_some_and(|t| !t.destroyed)
        })
    }

    /// Completes a pending future with a result; `false` when it was not pending.
    pub fn set_result(&mut self, id: FutureId, value: H::Value) -> bool {
        self.complete(id, FutureState::Finished, Some(Outcome::Result(value)))
    }

    /// Completes a pending future with an exception; `false` when it was not pending.
    pub fn set_exception(&mut self, id: FutureId, exc: H::Value) -> bool {
        let done = self.complete(id, FutureState::Finished, Some(Outcome::Exception(exc)));
        if done {
            if let Some(slot) = self.slot_mut(id) {
                slot.log_traceback = true;
            }
        }
        done
    }

    fn complete(
        &mut self,
        id: FutureId,
        state: FutureState,
        outcome: Option<Outcome<H::Value>>,
    ) -> bool {
        let Some(slot) = self.slot_mut(id) else {
            return false;
        };
        if slot.state != FutureState::Pending {
            return false;
        }
        slot.state = state;
        slot.outcome = outcome;
        let is_task = slot.task.as_ref().is_some_and(|t| t.site.is_some());
        let ending = match (state, &slot.outcome) {
            (FutureState::Cancelled, _) => TaskEnd::Cancelled,
            (_, Some(Outcome::Exception(_))) => TaskEnd::Raised,
            _ => TaskEnd::Done,
        };
        let callbacks = std::mem::take(&mut slot.callbacks);
        if is_task {
            match state {
                FutureState::Cancelled => self.counts.cancelled += 1,
                _ => self.counts.completed += 1,
            }
            if let Some(timeline) = &mut self.timeline {
                timeline.ended(id, self.iterations, ending);
            }
        }
        for callback in callbacks {
            self.call_soon(
                Callback::Done {
                    callback,
                    future: id,
                },
                None,
            );
        }
        true
    }

    /// `Future.add_done_callback`: scheduled right away when the future is done.
    pub fn add_done_callback(&mut self, id: FutureId, callback: DoneCallback<H>) {
        match self.slot_mut(id) {
            Some(slot) if slot.state == FutureState::Pending => slot.callbacks.push(callback),
            Some(_) => self.call_soon(
                Callback::Done {
                    callback,
                    future: id,
                },
                None,
            ),
            None => {}
        }
    }

    /// Removes the done-callbacks matching `matches`; returns how many.
    pub fn remove_done_callbacks(
        &mut self,
        id: FutureId,
        mut matches: impl FnMut(&DoneCallback<H>) -> bool,
    ) -> usize {
        let Some(slot) = self.slot_mut(id) else {
            return 0;
        };
        let before = slot.callbacks.len();
        slot.callbacks.retain(|callback| !matches(callback));
        before - slot.callbacks.len()
    }

    /// Creates the outer future of `gather` over `children` (with duplicates, as given).
    pub fn gather(
        &mut self,
        children: Vec<FutureId>,
        return_exceptions: bool,
        keep: Vec<H::Value>,
    ) -> FutureId {
        let outer = self.create_future();
        let mut unique = std::collections::HashSet::new();
        for &child in &children {
            if unique.insert(child) {
                self.add_done_callback(child, DoneCallback::GatherChild { outer });
            }
        }
        if let Some(slot) = self.slot_mut(outer) {
            slot.gather = Some(Gather {
                children,
                unique: unique.len(),
                finished: 0,
                return_exceptions,
                cancel_requested: false,
            });
            slot.keep = keep;
        }
        outer
    }

    /// Creates the outer future of `shield(inner)`; the caller returns `inner` itself when it
    /// is done already.
    pub fn shield(&mut self, inner: FutureId, keep: H::Value) -> FutureId {
        let outer = self.create_future();
        if let Some(slot) = self.slot_mut(outer) {
            slot.keep.push(keep);
        }
        self.add_done_callback(inner, DoneCallback::ShieldInner { outer });
        self.add_done_callback(outer, DoneCallback::ShieldOuter { inner });
        outer
    }

    /// Marks a pending task destroyed and takes its coroutine, for the host to close; records
    /// the event at the task's creation site, in the words of the linter's Python findings.
    pub fn destroy(&mut self, id: FutureId) -> Option<H::Coroutine> {
        self.destroy_with(id, |rule| {
            if rule == "TL002" {
                "task destroyed while pending: it was created in a loop and its handle was \
                 overwritten on the next iteration, so nothing kept it alive"
                    .to_owned()
            } else {
                "task destroyed while pending: its handle was dropped and the event loop keeps \
                 only a weak reference"
                    .to_owned()
            }
        })
    }

    /// [`Runtime::destroy`], with the event's message given by `message` from the rule the
    /// event demonstrates: TL002 for a task created in a loop whose handle was rebound (or
    /// dropped by the next iteration), TL001 otherwise.
    pub fn destroy_with(
        &mut self,
        id: FutureId,
        message: impl FnOnce(&'static str) -> String,
    ) -> Option<H::Coroutine> {
        let slot = self.slot_mut(id)?;
        if slot.state != FutureState::Pending {
            return None;
        }
        let task = slot.task.as_mut()?;
        if task.destroyed {
            return None;
        }
        task.destroyed = true;
        let coro = task.coro.take();
        let name = task.name.clone();
        let rebound = task.rebound;
        let site = task.site.clone();
        if let Some(site) = site {
            self.counts.destroyed_pending += 1;
            let rule = if rebound && site.in_loop.is_some() {
                "TL002"
            } else {
                "TL001"
            };
            self.events.push(Event {
                kind: EventKind::TaskDestroyedPending,
                rule,
                site,
                message: message(rule),
                task: name,
            });
            if let Some(timeline) = &mut self.timeline {
                timeline.ended(id, self.iterations, TaskEnd::Destroyed { rule });
            }
        }
        coro
    }
}

/// The `CancelledError` a cancelled future raises when asked for its result.
pub fn make_cancelled_error<H: Host>(host: &mut H, id: FutureId) -> H::Value {
    let (existing, message) = match host.runtime().slot(id) {
        Some(slot) => (slot.cancelled_exc.clone(), slot.cancel_message.clone()),
        None => (None, None),
    };
    match existing {
        Some(exc) => exc,
        None => host.cancelled_error(message),
    }
}

/// The exception a done future raises when asked for its result, if any; marks it retrieved.
pub fn future_exception<H: Host>(host: &mut H, id: FutureId) -> Option<H::Value> {
    let slot = host.runtime().slot_mut(id)?;
    match slot.state {
        FutureState::Cancelled => Some(make_cancelled_error(host, id)),
        _ => {
            slot.log_traceback = false;
            match &slot.outcome {
                Some(Outcome::Exception(exc)) => Some(exc.clone()),
                _ => None,
            }
        }
    }
}

/// `Future.cancel(msg)` / `Task.cancel(msg)`: `true` when the cancellation was requested.
pub fn cancel<H: Host>(host: &mut H, id: FutureId, message: Option<H::Value>) -> bool {
    let rt = host.runtime();
    let Some(slot) = rt.slot_mut(id) else {
        return false;
    };
    slot.log_traceback = false;
    if slot.state != FutureState::Pending {
        return false;
    }
    if let Some(task) = slot.task.as_mut() {
        if task.destroyed {
            return false;
        }
        task.num_cancels_requested += 1;
        if let Some(waiter) = task.fut_waiter {
            if cancel(host, waiter, message.clone()) {
                return true;
            }
        }
        let Some(task) = host.runtime().slot_mut(id).and_then(|s| s.task.as_mut()) else {
            return false;
        };
        task.must_cancel = true;
        if let Some(slot) = host.runtime().slot_mut(id) {
            slot.cancel_message = message;
        }
        return true;
    }
    if let Some(gather) = slot.gather.as_ref() {
        let children = gather.children.clone();
        let mut requested = false;
        for child in children {
            if cancel(host, child, message.clone()) {
                requested = true;
            }
        }
        if requested {
            if let Some(gather) = host.runtime().slot_mut(id).and_then(|s| s.gather.as_mut()) {
                gather.cancel_requested = true;
            }
        }
        return requested;
    }
    slot.cancel_message = message;
    rt.complete(id, FutureState::Cancelled, None)
}

/// Runs one step of `task` (`Task.__step`), throwing `exc` into its coroutine when given.
fn task_step<H: Host>(host: &mut H, id: FutureId, exc: Option<H::Value>) -> Result<(), H::Error> {
    let rt = host.runtime();
    let Some(slot) = rt.slot_mut(id) else {
        return Ok(());
    };
    if slot.state != FutureState::Pending {
        return Ok(());
    }
    let Some(task) = slot.task.as_mut() else {
        return Ok(());
    };
    if task.destroyed {
        return Ok(());
    }
    let must_cancel = std::mem::take(&mut task.must_cancel);
    task.fut_waiter = None;
    let Some(mut coro) = task.coro.take() else {
        return Ok(());
    };
    let iteration = rt.iterations;
    if let Some(timeline) = &mut rt.timeline {
        timeline.ran(id, iteration);
    }
    let mut exc = exc;
    if must_cancel && !exc.as_ref().is_some_and(|e| host.is_cancelled_error(e)) {
        exc = Some(make_cancelled_error(host, id));
    }
    let previous = host.runtime().current.replace(id);
    let step = host.step(id, &mut coro, exc);
    let rt = host.runtime();
    rt.current = previous;
    if let Some(task) = rt.slot_mut(id).and_then(|s| s.task.as_mut()) {
        task.coro = Some(coro);
    }
    match step? {
        Step::Returned(value) => {
            let must_cancel = rt
                .slot_mut(id)
                .and_then(|s| s.task.as_mut())
                .is_some_and(|t| std::mem::take(&mut t.must_cancel));
            if must_cancel {
                // Cancelled while finishing: the task ends cancelled, with the message of
                // the `cancel()` call.
                rt.complete(id, FutureState::Cancelled, None);
            } else {
                rt.set_result(id, value);
            }
        }
        Step::Raised(exc) => {
            if host.is_cancelled_error(&exc) {
                let rt = host.runtime();
                if let Some(slot) = rt.slot_mut(id) {
                    slot.cancelled_exc = Some(exc);
                }
                rt.complete(id, FutureState::Cancelled, None);
            } else {
                host.runtime().set_exception(id, exc);
            }
        }
        Step::Suspended(Some(waiter)) => {
            rt.add_done_callback(waiter, DoneCallback::Wakeup(id));
            let must_cancel = match rt.slot_mut(id).and_then(|s| s.task.as_mut()) {
                Some(task) => {
                    task.fut_waiter = Some(waiter);
                    task.must_cancel
                }
                None => false,
            };
            if must_cancel {
                let message = host
                    .runtime()
                    .slot(id)
                    .and_then(|s| s.cancel_message.clone());
                if cancel(host, waiter, message) {
                    if let Some(task) = host.runtime().slot_mut(id).and_then(|s| s.task.as_mut()) {
                        task.must_cancel = false;
                    }
                }
            }
        }
        Step::Suspended(None) => rt.call_soon(
            Callback::Step {
                task: id,
                exc: None,
            },
            None,
        ),
    }
    Ok(())
}

/// A done-callback: runs it with the future that completed.
fn run_done_callback<H: Host>(
    host: &mut H,
    callback: DoneCallback<H>,
    future: FutureId,
) -> Result<(), H::Error> {
    match callback {
        DoneCallback::Wakeup(task) => {
            let exc = future_exception(host, future);
            task_step(host, task, exc)
        }
        DoneCallback::GatherChild { outer } => {
            gather_child_done(host, outer, future);
            Ok(())
        }
        DoneCallback::ShieldInner { outer } => {
            let rt = host.runtime();
            let outer_cancelled = rt
                .slot(outer)
                .is_some_and(|s| s.state == FutureState::Cancelled);
            let inner_cancelled = rt
                .slot(future)
                .is_some_and(|s| s.state == FutureState::Cancelled);
            if outer_cancelled {
                if !inner_cancelled {
                    future_exception(host, future);
                }
                return Ok(());
            }
            if inner_cancelled {
                cancel(host, outer, None);
            } else {
                match future_exception(host, future) {
                    Some(exc) => {
                        host.runtime().set_exception(outer, exc);
                    }
                    None => {
                        if let Some(Outcome::Result(value)) =
                            host.runtime().slot(future).and_then(|s| s.outcome.clone())
                        {
                            host.runtime().set_result(outer, value);
                        }
                    }
                }
            }
            Ok(())
        }
        DoneCallback::ShieldOuter { inner } => {
            let rt = host.runtime();
            if !rt.is_done(inner) {
                rt.remove_done_callbacks(
                    inner,
                    |cb| matches!(cb, DoneCallback::ShieldInner { outer } if *outer == future),
                );
            }
            Ok(())
        }
        DoneCallback::Stop => {
            host.runtime().stopping = true;
            Ok(())
        }
        DoneCallback::Host(func) => host.call_done(func, future),
    }
}

/// A child of a gather finished (`gather`'s `_done_callback`).
fn gather_child_done<H: Host>(host: &mut H, outer: FutureId, child: FutureId) {
    let rt = host.runtime();
    let outer_done = rt.is_done(outer);
    let Some(gather) = rt.slot_mut(outer).and_then(|s| s.gather.as_mut()) else {
        return;
    };
    gather.finished += 1;
    let return_exceptions = gather.return_exceptions;
    let all_done = gather.finished == gather.unique;
    let cancel_requested = gather.cancel_requested;
    let child_cancelled = rt
        .slot(child)
        .is_some_and(|s| s.state == FutureState::Cancelled);
    if outer_done {
        if !child_cancelled {
            future_exception(host, child);
        }
        return;
    }
    if !return_exceptions {
        if child_cancelled {
            let exc = make_cancelled_error(host, child);
            host.runtime().set_exception(outer, exc);
            return;
        }
        if let Some(exc) = future_exception(host, child) {
            host.runtime().set_exception(outer, exc);
            return;
        }
    }
    if !all_done {
        return;
    }
    let children = match host.runtime().slot(outer).and_then(|s| s.gather.as_ref()) {
        Some(gather) => gather.children.clone(),
        None => return,
    };
    let mut results = Vec::with_capacity(children.len());
    for fut in children {
        let cancelled = host
            .runtime()
            .slot(fut)
            .is_some_and(|s| s.state == FutureState::Cancelled);
        let item = if cancelled {
            let message = host
                .runtime()
                .slot(fut)
                .and_then(|s| s.cancel_message.clone());
            host.cancelled_error(message)
        } else {
            match future_exception(host, fut) {
                Some(exc) => exc,
                None => match host.runtime().slot(fut).and_then(|s| s.outcome.clone()) {
                    Some(Outcome::Result(value)) | Some(Outcome::Exception(value)) => value,
                    None => continue,
                },
            }
        };
        results.push(item);
    }
    if cancel_requested {
        let exc = make_cancelled_error(host, child);
        host.runtime().set_exception(outer, exc);
    } else {
        let list = host.results(results);
        host.runtime().set_result(outer, list);
    }
}

/// Runs one callback of the ready queue.
fn dispatch<H: Host>(host: &mut H, callback: Callback<H>) -> Result<(), H::Error> {
    match callback {
        Callback::Step { task, exc } => task_step(host, task, exc),
        Callback::Done { callback, future } => run_done_callback(host, callback, future),
        Callback::Host(callback) => host.call(callback),
    }
}

/// One iteration of the loop; `Ok(false)` when there was nothing to run and no timer to wait
/// for, [`Stopped::TimeLimit`] when the clock would have to move past `max_time`.
pub fn run_once<H: Host>(host: &mut H) -> Result<bool, Stopped<H::Error>> {
    let events_before = host.runtime().events.len();
    host.collect()?;
    let rt = host.runtime();
    rt.iterations += 1;
    let collected: Vec<String> = if rt.trace {
        rt.events[events_before..]
            .iter()
            .filter(|e| e.kind == EventKind::TaskDestroyedPending)
            .map(|e| e.task.clone())
            .collect()
    } else {
        Vec::new()
    };
    while let Some(entry) = rt.timers.first_entry() {
        if entry.get().flag.cancelled() {
            entry.remove();
        } else {
            break;
        }
    }
    if rt.ready.is_empty() {
        match rt.timers.first_key_value() {
            Some(((When(when), _), _)) if !rt.within_time_limit(*when) => {
                return Err(Stopped::TimeLimit)
            }
            Some(((When(when), _), _)) => rt.now = rt.now.max(*when),
            None => return Ok(false),
        }
    }
    while let Some(entry) = rt.timers.first_entry() {
        if entry.key().0 .0 > rt.now {
            break;
        }
        let timer = entry.remove();
        if !timer.flag.cancelled() {
            rt.ready
                .push_back((Callback::Host(timer.callback), Some(timer.flag)));
        }
    }
    let count = rt.ready.len();
    let trace = rt.trace;
    let mut ran = Vec::new();
    for _ in 0..count {
        let Some((callback, flag)) = host.runtime().ready.pop_front() else {
            break;
        };
        if flag.as_ref().is_some_and(HandleFlag::cancelled) {
            continue;
        }
        if trace {
            ran.push(describe(host, &callback));
        }
        dispatch(host, callback)?;
    }
    if trace {
        let rt = host.runtime();
        let mut line = format!(
            "iteration {} (t={:.3}): ran {}",
            rt.iterations,
            rt.now,
            if ran.is_empty() {
                "nothing".to_owned()
            } else {
                ran.join(", ")
            }
        );
        let timers = rt.timers.values().filter(|t| !t.flag.cancelled()).count();
        line.push_str(&format!(
            "; scheduled: {} ready, {timers} timers",
            rt.ready.len()
        ));
        if !collected.is_empty() {
            line.push_str(&format!("; collected {}", collected.join(", ")));
        }
        host.trace(&line);
    }
    Ok(true)
}

/// A callback of the ready queue in words, for `--trace`.
fn describe<H: Host>(host: &mut H, callback: &Callback<H>) -> String {
    let name = |rt: &Runtime<H>, id: FutureId| match rt.slot(id).and_then(|s| s.task.as_ref()) {
        Some(task) => task.name.clone(),
        None => format!("future {id}"),
    };
    match callback {
        Callback::Step { task, .. } => {
            let destroyed = host
                .runtime()
                .slot(*task)
                .and_then(|s| s.task.as_ref())
                .is_some_and(|t| t.destroyed);
            let what = if destroyed {
                "nothing for destroyed"
            } else {
                "step of"
            };
            format!("{what} {}", name(host.runtime(), *task))
        }
        Callback::Done { callback, future } => {
            let done = name(host.runtime(), *future);
            match callback {
                DoneCallback::Wakeup(task) => {
                    format!("wake-up of {} ({done} done)", name(host.runtime(), *task))
                }
                DoneCallback::GatherChild { .. } => format!("gather ({done} done)"),
                DoneCallback::ShieldInner { .. } | DoneCallback::ShieldOuter { .. } => {
                    format!("shield ({done} done)")
                }
                DoneCallback::Stop => "stop".to_owned(),
                DoneCallback::Host(func) => {
                    format!("{} ({done} done)", host.describe(func))
                }
            }
        }
        Callback::Host(callback) => host.describe_callback(callback),
    }
}

/// Runs the loop until `future` is done (`run_until_complete`), as CPython does: a done
/// callback stops the loop, which finishes the iteration it is in.
pub fn run_until_complete<H: Host>(
    host: &mut H,
    future: FutureId,
) -> Result<(), Stopped<H::Error>> {
    let rt = host.runtime();
    rt.stopping = false;
    rt.add_done_callback(future, DoneCallback::Stop);
    loop {
        let ran = run_once(host)?;
        let rt = host.runtime();
        if rt.stopping {
            rt.stopping = false;
            break;
        }
        if !ran {
            rt.remove_done_callbacks(future, |cb| matches!(cb, DoneCallback::Stop));
            return Err(Stopped::Hang);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host whose coroutines are scripts: each step pops the next action.
    struct ScriptHost {
        rt: Runtime<ScriptHost>,
        log: Vec<String>,
    }

    enum Action {
        Wait(FutureId),
        Yield,
        Return(i64),
    }

    impl Host for ScriptHost {
        type Value = i64;
        type Coroutine = (String, Vec<Action>);
        type Callback = String;
        type Error = ();

        fn runtime(&mut self) -> &mut Runtime<Self> {
            &mut self.rt
        }
        fn step(
            &mut self,
            _task: FutureId,
            coro: &mut Self::Coroutine,
            exc: Option<i64>,
        ) -> Result<Step<i64>, ()> {
            self.log.push(format!("{} step", coro.0));
            if let Some(exc) = exc {
                return Ok(Step::Raised(exc));
            }
            Ok(match coro.1.pop() {
                Some(Action::Wait(fut)) => Step::Suspended(Some(fut)),
                Some(Action::Yield) => Step::Suspended(None),
                Some(Action::Return(v)) => Step::Returned(v),
                None => Step::Returned(0),
            })
        }
        fn call(&mut self, callback: String) -> Result<(), ()> {
            self.log.push(callback);
            Ok(())
        }
        fn call_done(&mut self, _func: i64, _future: FutureId) -> Result<(), ()> {
            Ok(())
        }
        fn cancelled_error(&mut self, _message: Option<i64>) -> i64 {
            -1
        }
        fn is_cancelled_error(&self, exc: &i64) -> bool {
            *exc == -1
        }
        fn results(&mut self, items: Vec<i64>) -> i64 {
            items.iter().sum()
        }
        fn collect(&mut self) -> Result<(), ()> {
            Ok(())
        }
        fn describe(&self, func: &i64) -> String {
            func.to_string()
        }
        fn describe_callback(&self, callback: &String) -> String {
            callback.clone()
        }
        fn trace(&mut self, line: &str) {
            self.log.push(line.to_owned());
        }
    }

    fn host() -> ScriptHost {
        ScriptHost {
            rt: Runtime::new(GcMode::Strong),
            log: Vec::new(),
        }
    }

    fn site() -> Option<Site> {
        Some(Site {
            path: Rc::from("t.py"),
            line: 1,
            column: 1,
            in_loop: None,
        })
    }

    /// A task whose coroutine does `actions` in order.
    fn task(host: &mut ScriptHost, name: &str, mut actions: Vec<Action>) -> FutureId {
        actions.reverse();
        host.rt
            .create_task((name.to_owned(), actions), None, site())
    }

    fn result(host: &ScriptHost, id: FutureId) -> Option<i64> {
        match host.rt.slot(id).and_then(|s| s.outcome.clone()) {
            Some(Outcome::Result(v)) => Some(v),
            _ => None,
        }
    }

    #[test]
    fn callbacks_run_first_in_first_out_and_timers_by_virtual_time() {
        let mut host = host();
        host.rt.call_soon(Callback::Host("a".into()), None);
        host.rt.call_at(2.0, "late".into());
        host.rt.call_at(1.0, "early".into());
        let cancelled = host.rt.call_at(1.5, "cancelled".into());
        cancelled.cancel();
        host.rt.call_soon(Callback::Host("b".into()), None);
        while run_once(&mut host) == Ok(true) {}
        assert_eq!(host.log, ["a", "b", "early", "late"]);
        assert_eq!(host.rt.time(), 2.0);
    }

    #[test]
    fn a_task_waiting_on_a_future_resumes_in_the_iteration_after_the_result() {
        let mut host = host();
        let fut = host.rt.create_future();
        let id = task(&mut host, "t", vec![Action::Wait(fut), Action::Return(7)]);
        run_once(&mut host).unwrap();
        assert_eq!(
            host.rt
                .slot(id)
                .and_then(|s| s.task.as_ref())
                .and_then(|t| t.fut_waiter),
            Some(fut)
        );
        host.rt.set_result(fut, 1);
        assert!(!host.rt.is_done(id));
        run_once(&mut host).unwrap();
        assert_eq!(result(&host, id), Some(7));
        assert_eq!(host.log, ["t step", "t step"]);
    }

    #[test]
    fn cancelling_a_task_cancels_the_future_it_waits_on_and_raises_at_the_await() {
        let mut host = host();
        let fut = host.rt.create_future();
        let id = task(&mut host, "t", vec![Action::Wait(fut), Action::Return(7)]);
        run_once(&mut host).unwrap();
        assert!(cancel(&mut host, id, None));
        assert_eq!(
            host.rt.slot(fut).map(|s| s.state),
            Some(FutureState::Cancelled)
        );
        while run_once(&mut host) == Ok(true) {}
        assert_eq!(
            host.rt.slot(id).map(|s| s.state),
            Some(FutureState::Cancelled)
        );
        assert_eq!(host.rt.counts.cancelled, 1);
    }

    #[test]
    fn the_trace_says_what_ran_in_each_iteration() {
        let mut host = host();
        host.rt.trace = true;
        task(&mut host, "t", vec![Action::Yield, Action::Return(1)]);
        host.rt.call_at(1.0, "timer".into());
        while run_once(&mut host) == Ok(true) {}
        let trace: Vec<&String> = host
            .log
            .iter()
            .filter(|l| l.starts_with("iteration"))
            .collect();
        assert_eq!(
            trace,
            [
                "iteration 1 (t=0.000): ran step of Task-1; scheduled: 1 ready, 1 timers",
                "iteration 2 (t=0.000): ran step of Task-1; scheduled: 0 ready, 1 timers",
                "iteration 3 (t=1.000): ran timer; scheduled: 0 ready, 0 timers",
            ]
        );
    }

    #[test]
    fn a_bare_yield_reschedules_the_task_behind_the_callbacks_already_ready() {
        let mut host = host();
        task(&mut host, "a", vec![Action::Yield, Action::Return(1)]);
        task(&mut host, "b", vec![Action::Return(2)]);
        while run_once(&mut host) == Ok(true) {}
        assert_eq!(host.log, ["a step", "b step", "a step"]);
    }

    #[test]
    fn gather_completes_with_every_result_once_the_last_child_is_done() {
        let mut host = host();
        let a = task(&mut host, "a", vec![Action::Return(3)]);
        let b = task(&mut host, "b", vec![Action::Yield, Action::Return(4)]);
        let outer = host.rt.gather(vec![a, b], false, Vec::new());
        while run_once(&mut host) == Ok(true) {}
        assert_eq!(result(&host, outer), Some(7));
    }

    #[test]
    fn a_destroyed_task_never_runs_and_is_reported_at_its_creation_site() {
        let mut host = host();
        let id = task(&mut host, "t", vec![Action::Return(1)]);
        assert!(host.rt.destroy(id).is_some());
        while run_once(&mut host) == Ok(true) {}
        assert!(host.log.is_empty());
        assert_eq!(host.rt.events.len(), 1);
        assert_eq!(host.rt.events[0].rule, "TL001");
        assert_eq!(host.rt.counts.destroyed_pending, 1);
    }
}
