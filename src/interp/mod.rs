//! The interpreter: runs the async subset of Python on the reference runtime, from the same
//! syntax tree the linter parses. [`compile`] turns the tree into bytecode, [`vm`] runs it with
//! heap-allocated frames and drives the runtime's tasks (it is the runtime's
//! [`Host`](crate::runtime::Host)); [`builtins`], [`methods`] and [`asyncio`] are the library,
//! [`gc`] the tracing collector of the `cpython` GC mode.
//!
//! Anything outside the subset stops the run with `unsupported: <construct> at path:line:col`
//! rather than giving an answer CPython would not give.

mod asyncio;
mod builtins;
mod compile;
mod deep_drop;
mod gc;
mod methods;
mod ops;
mod value;
mod vm;

use std::io::Write;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::runtime::{Event, TaskCounts, Timeline};
use crate::source::SourceFile;
use vm::{Fatal, Flow, Vm};
pub use vm::{Limit, Options};

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// The program ran to its end.
    Completed,
    /// An exception escaped; its traceback was printed on stderr.
    Raised,
    /// The program cannot be run: a syntax error or a construct outside the subset.
    CannotRun(String),
    /// A limit stopped the program.
    Limit(Limit),
    /// The program waits for something that can never happen.
    Hang,
}

/// What a run observed.
#[derive(Debug)]
pub struct RunReport {
    pub ending: Ending,
    pub events: Vec<Event>,
    pub counts: TaskCounts,
    /// Futures and tasks whose exception was never retrieved.
    pub unretrieved: u64,
    /// The life of every task, when [`Options::timeline`] asked for it.
    pub timeline: Option<Timeline>,
}

/// Runs `text` (the program at `path`), writing its output to `out`.
pub fn run_program(path: &str, text: &str, options: Options, out: Box<dyn Write>) -> RunReport {
    let source = Rc::new(SourceFile::new(path, text));
    let mut vm = Vm::new(options, out);
    let ending = match prepare(&source) {
        Err(message) => Ending::CannotRun(message),
        Ok(code) => {
            vm.sources.insert(Rc::from(path), source.clone());
            let module = Rc::new(value::Module {
                name: Rc::from("__main__"),
                globals: std::cell::RefCell::new(FxHashMap::default()),
            });
            module
                .globals
                .borrow_mut()
                .insert(Rc::from("__name__"), value::Value::str("__main__"));
            vm.main = Some(module.clone());
            match vm.run_code(code, module.clone()) {
                Ok(_) => Ending::Completed,
                Err(Flow::Exc(exc)) => {
                    vm.print_traceback(&exc);
                    Ending::Raised
                }
                Err(Flow::Fatal(fatal)) => fatal_ending(fatal),
            }
        }
    };
    let stopped = !matches!(ending, Ending::Completed | Ending::Raised);
    // `finish` counts one more iteration to retire what is left; it is not part of the run.
    let timeline = vm.rt.take_timeline();
    finish(&mut vm, stopped);
    let _ = vm.out.flush();
    RunReport {
        ending,
        events: std::mem::take(&mut vm.rt.events),
        counts: vm.rt.counts,
        unretrieved: vm.unretrieved,
        timeline,
    }
}

fn fatal_ending(fatal: Fatal) -> Ending {
    match fatal {
        Fatal::Unsupported(message, Some((path, line, column))) => {
            Ending::CannotRun(format!("{message} at {path}:{line}:{column}"))
        }
        Fatal::Unsupported(message, None) => Ending::CannotRun(message),
        Fatal::Limit(limit) => Ending::Limit(limit),
        Fatal::Hang => Ending::Hang,
    }
}

/// Parses and compiles the program, or says why it cannot run. It is parsed as the linter
/// parses it, so what the linter reports as `TL000` (a syntax error, too many nested brackets, a
/// tree too deep to walk) stops the run.
fn prepare(source: &SourceFile) -> Result<Rc<compile::Code>, String> {
    let located = |message: &str, offset: usize| {
        let at = source.position(offset);
        format!("{message} at {}:{}:{}", source.path, at.line, at.column)
    };
    let parsed = crate::python::parse(source);
    let module = parsed
        .syntax()
        .map_err(|error| located(&error.message, error.range.start))?;
    compile::compile_module(source, module, false)
        .map_err(|error| located(&error.message, error.offset))
}

/// The end of the program: its globals go away (coroutines nobody awaited are reported), and
/// futures whose exception nobody retrieved are reported. When the run was `stopped` midway,
/// what it was doing is not a finding: coroutines it had not awaited yet are not reported.
fn finish(vm: &mut Vm, stopped: bool) {
    // The program is over: tasks still pending are not destroyed by its end.
    vm.options.gc = crate::runtime::GcMode::Strong;
    vm.frames.clear();
    if let Some(main) = vm.main.take() {
        let globals = std::mem::take(&mut *main.globals.borrow_mut());
        drop(globals);
    }
    let modules: Vec<_> = vm.modules.drain().collect();
    for (_, module) in modules {
        let globals = std::mem::take(&mut *module.globals.borrow_mut());
        drop(globals);
    }
    if stopped {
        vm.never_awaited.borrow_mut().clear();
    }
    vm.drain_never_awaited();
    let ids: Vec<_> = vm.rt.live_ids().collect();
    for id in ids {
        let unretrieved = vm.rt.slot(id).is_some_and(|s| s.log_traceback)
            && vm.handles.get(&id).is_none_or(|w| w.strong_count() == 0);
        if unretrieved {
            vm.retiring.push((id, 0));
        }
    }
    vm.rt.iterations = vm.rt.iterations.max(1) + 1;
    let _ = vm.process_drops();
    vm.drain_never_awaited();
}

/// Runs the code of a module (the asyncio prelude) in `module`.
fn run_module_code(
    vm: &mut Vm,
    code: Rc<compile::Code>,
    module: Rc<value::Module>,
) -> vm::PyResult<()> {
    vm.run_code(code, module).map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::runtime::GcMode;

    /// Collects what the program prints.
    #[derive(Clone, Default)]
    struct Captured(Rc<RefCell<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn run(source: &str, gc: GcMode) -> (String, RunReport) {
        let out = Captured::default();
        let options = Options {
            gc,
            trace: false,
            timeline: false,
            starve_after: 1000,
            max_steps: 10_000_000,
            max_time: 86_400.0,
            max_memory: 1 << 30,
        };
        let report = run_program("t.py", source, options, Box::new(out.clone()));
        let text = String::from_utf8_lossy(&out.0.borrow()).into_owned();
        (text, report)
    }

    #[test]
    fn closures_share_cells_and_comprehensions_have_their_own_scope() {
        let source = "\
def outer():
    x = 1
    def read():
        return x
    x = 2
    return read
i = 'module'
squares = [i * i for i in range(3)]
print(outer()(), squares, i)
";
        let (out, report) = run(source, GcMode::Strong);
        assert_eq!(report.ending, Ending::Completed);
        assert_eq!(out, "2 [0, 1, 4] module\n");
    }

    #[test]
    fn finally_runs_when_return_break_or_continue_leave_a_try() {
        let source = "\
def f():
    for i in range(3):
        try:
            if i == 0:
                continue
            if i == 1:
                break
        finally:
            print('finally', i)
    try:
        return 'value'
    finally:
        print('finally return')
print(f())
";
        let (out, _) = run(source, GcMode::Strong);
        assert_eq!(out, "finally 0\nfinally 1\nfinally return\nvalue\n");
    }

    #[test]
    fn a_destroyed_task_is_closed_so_its_finally_block_runs() {
        let source = "\
import asyncio
async def worker():
    try:
        await asyncio.sleep(10)
    finally:
        print('worker closed')
async def main():
    task = asyncio.create_task(worker())
    await asyncio.sleep(0)
    del task
    await asyncio.sleep(1)
    print('main done')
asyncio.run(main())
";
        let (out, report) = run(source, GcMode::Weak);
        assert_eq!(out, "worker closed\nmain done\n");
        assert_eq!(report.counts.destroyed_pending, 1);
        assert_eq!(report.events[0].site.line, 8);
        let (out, report) = run(source, GcMode::Strong);
        assert_eq!(out, "main done\nworker closed\n");
        assert!(report.events.is_empty());
    }

    #[test]
    fn an_unsupported_construct_names_its_position() {
        let (_, report) = run("x = 1\nprint(x @ x)\n", GcMode::Weak);
        assert_eq!(
            report.ending,
            Ending::CannotRun("unsupported: the `@` operator at t.py:2:7".into())
        );
    }
}
