//! The tracing collector of the `cpython` GC mode: marks what is reachable from the program's
//! roots (module globals, every frame on the VM's stack, the running task) and from the loop's
//! ready callbacks and timers, through values, futures and tasks; a pending task left unmarked
//! is garbage, as CPython's cycle collector would find it, and is destroyed.

use std::rc::Rc;

use rustc_hash::FxHashSet;

use super::value::{Iter, Value};
use super::vm::{Fatal, Frame, Ret, Vm};
use crate::runtime::{Callback, DoneCallback, FutureId};

struct Marker {
    seen: FxHashSet<usize>,
    futures: FxHashSet<FutureId>,
    values: Vec<Value>,
    pending_futures: Vec<FutureId>,
}

impl Marker {
    fn value(&mut self, value: &Value) {
        self.values.push(value.clone());
    }

    fn future(&mut self, id: FutureId) {
        if self.futures.insert(id) {
            self.pending_futures.push(id);
        }
    }

    fn first_visit<T>(&mut self, rc: &Rc<T>) -> bool {
        self.seen.insert(Rc::as_ptr(rc) as *const () as usize)
    }

    fn frame(&mut self, frame: &Frame) {
        self.values.extend(frame.stack.iter().cloned());
        self.values.extend(frame.locals.iter().flatten().cloned());
        for cell in &frame.cells {
            if let Some(value) = cell.borrow().as_ref() {
                self.values.push(value.clone());
            }
        }
        self.values.extend(frame.handled.iter().cloned());
        if let Some(ns) = &frame.class_ns {
            self.values.extend(ns.borrow().values().cloned());
        }
        self.values.push(Value::Module(frame.module.clone()));
        match &frame.ret {
            Ret::Init(instance) => self.values.push(instance.clone()),
            Ret::Class { bases, .. } => self.values.extend(bases.iter().cloned()),
            _ => {}
        }
    }

    fn done_callback(&mut self, callback: &DoneCallback<Vm>) {
        match callback {
            DoneCallback::Wakeup(task) => self.future(*task),
            DoneCallback::GatherChild { outer } | DoneCallback::ShieldInner { outer } => {
                self.future(*outer)
            }
            DoneCallback::ShieldOuter { inner } => self.future(*inner),
            DoneCallback::Stop => {}
            DoneCallback::Host(value) => self.value(value),
        }
    }

    /// Follows everything reachable from the queued values and futures.
    fn run(&mut self, vm: &Vm) {
        loop {
            if let Some(value) = self.values.pop() {
                self.visit(value);
                continue;
            }
            let Some(id) = self.pending_futures.pop() else {
                break;
            };
            let Some(slot) = vm.rt.slot(id) else {
                continue;
            };
            if let Some(outcome) = &slot.outcome {
                match outcome {
                    crate::runtime::Outcome::Result(v) | crate::runtime::Outcome::Exception(v) => {
                        self.values.push(v.clone())
                    }
                }
            }
            for callback in &slot.callbacks {
                self.done_callback(callback);
            }
            self.values.extend(slot.keep.iter().cloned());
            self.values.extend(slot.cancel_message.iter().cloned());
            self.values.extend(slot.cancelled_exc.iter().cloned());
            if let Some(gather) = &slot.gather {
                for &child in &gather.children {
                    self.future(child);
                }
            }
            if let Some(task) = &slot.task {
                if let Some(waiter) = task.fut_waiter {
                    self.future(waiter);
                }
                if let Some(coro) = &task.coro {
                    self.values.push(Value::Coroutine(coro.clone()));
                }
            }
        }
    }

    fn visit(&mut self, value: Value) {
        match &value {
            Value::List(l) if self.first_visit(l) => {
                self.values.extend(l.borrow().iter().cloned());
            }
            Value::Tuple(t) if self.first_visit(t) => {
                self.values.extend(t.iter().cloned());
            }
            Value::Dict(d) | Value::Set(d) if self.first_visit(d) => {
                for (k, v) in d.borrow().iter() {
                    self.values.push(k.clone());
                    self.values.push(v.clone());
                }
            }
            Value::Slice(s) => self.values.extend(s.iter().cloned()),
            Value::Function(f) if self.first_visit(f) => {
                self.values.extend(f.defaults.iter().cloned());
                self.values
                    .extend(f.kwdefaults.iter().map(|(_, v)| v.clone()));
                for cell in &f.closure {
                    if let Some(v) = cell.borrow().as_ref() {
                        self.values.push(v.clone());
                    }
                }
                self.values.push(Value::Module(f.module.clone()));
            }
            Value::BoundMethod(b) if self.first_visit(b) => {
                self.values.push(b.0.clone());
                self.values.push(b.1.clone());
            }
            Value::Builtin(b) => {
                if let Some(receiver) = &b.receiver {
                    self.values.push(receiver.clone());
                }
            }
            Value::Class(c) if self.first_visit(c) => {
                self.values.extend(c.attrs.borrow().values().cloned());
                if let Some(base) = &c.base {
                    self.values.push(Value::Class(base.clone()));
                }
            }
            Value::Instance(i) if self.first_visit(i) => {
                self.values.push(Value::Class(i.class.clone()));
                self.values.extend(i.attrs.borrow().values().cloned());
            }
            Value::Module(m) if self.first_visit(m) => {
                self.values.extend(m.globals.borrow().values().cloned());
            }
            Value::Coroutine(c) if self.first_visit(c) => {
                for frame in &c.borrow().frames {
                    self.frame(frame);
                }
            }
            Value::Generator(g) | Value::AsyncGenerator(g) if self.first_visit(g) => {
                if let Some(frame) = &g.borrow().frame {
                    self.frame(frame);
                }
            }
            Value::Iterator(it) if self.first_visit(it) => match &*it.borrow() {
                Iter::Seq { seq, .. } => self.values.push(seq.clone()),
                Iter::Values { items, .. } => self.values.extend(items.iter().cloned()),
                Iter::DictKeys { dict, .. } => self.values.push(Value::Dict(dict.clone())),
                Iter::Enumerate { inner, .. } => self.values.push(inner.clone()),
                Iter::Zip { inners } => self.values.extend(inners.iter().cloned()),
                Iter::Map { func, inners } => {
                    self.values.push(func.clone());
                    self.values.extend(inners.iter().cloned());
                }
                Iter::Filter { func, inner } => {
                    self.values.push(func.clone());
                    self.values.push(inner.clone());
                }
                Iter::Generator(g) => self.values.push(Value::Generator(g.clone())),
                Iter::Range { .. } => {}
            },
            Value::Future(handle) => self.future(handle.id),
            Value::Property(v) | Value::StaticMethod(v) | Value::ClassMethod(v) => {
                self.values.push((**v).clone())
            }
            Value::Super(s) => {
                self.values.push(Value::Class(s.0.clone()));
                self.values.push(s.1.clone());
            }
            _ => {}
        }
    }
}

/// Destroys every pending task that nothing reachable refers to.
pub fn collect_unreachable_tasks(vm: &mut Vm) -> Result<(), Fatal> {
    let mut marker = Marker {
        seen: FxHashSet::default(),
        futures: FxHashSet::default(),
        values: Vec::new(),
        pending_futures: Vec::new(),
    };
    for module in vm.modules.values() {
        marker.values.push(Value::Module(module.clone()));
    }
    if let Some(main) = &vm.main {
        marker.values.push(Value::Module(main.clone()));
    }
    for frame in &vm.frames {
        marker.frame(frame);
    }
    if let Some(current) = vm.rt.current {
        marker.future(current);
    }
    let (ready, timers) = vm.rt.scheduled();
    for callback in ready {
        match callback {
            Callback::Step { task, exc } => {
                marker.future(*task);
                marker.values.extend(exc.iter().cloned());
            }
            Callback::Done { callback, future } => {
                marker.done_callback(callback);
                marker.future(*future);
            }
            Callback::Host(host) => {
                marker.values.push(host.func.clone());
                marker.values.extend(host.args.iter().cloned());
            }
        }
    }
    for host in timers {
        marker.values.push(host.func.clone());
        marker.values.extend(host.args.iter().cloned());
    }
    marker.run(vm);
    let garbage: Vec<FutureId> = vm
        .rt
        .live_ids()
        .filter(|id| vm.rt.is_live_task(*id) && !marker.futures.contains(id))
        .collect();
    for id in garbage {
        vm.destroy_task(id)?;
    }
    Ok(())
}
