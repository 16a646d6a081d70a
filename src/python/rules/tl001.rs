//! TL001 dropped-task-handle: a task is created and its only handle is thrown away, so the
//! event loop (which keeps tasks only weakly) lets it be garbage-collected mid-flight.
//!
//! Flagged: expression statements; `_ = ...`; locals that never escape on some path before the
//! function returns, are rebound or deleted (only method calls on the task itself and printing
//! or logging do not keep it); `create_task(...).add_done_callback(cb)` chains; tasks in a list
//! or comprehension that is thrown away; tasks returned by a lambda or function whose caller
//! (`call_soon`, `add_signal_handler`...) discards the result; tasks passed to print or logging.
//! Discarded `gather(...)`/`shield(...)` futures are flagged only as statements or `_ = ...`.
//!
//! A call of a project function that returns a fresh task without keeping it (a task wrapper
//! found by the index, such as `def spawn(coro): return asyncio.create_task(coro)`) is a task
//! source too, with a secondary label at the wrapper's `create_task` (or, when the wrapper is in
//! another file, its location in the label on the call). A wrapper that keeps the task (in a set
//! with a discard callback, a list, an attribute) makes its callers safe.
//!
//! Limits: handles are followed within one function; a handle copied to another variable counts
//! as kept.

use std::ops::Range;

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::super::calls::{discarding_registrar, Created};
use super::super::checker::Checker;
use super::super::fixes;
use super::super::flow::{is_harmless_call, Handle, HandleFlow, Loss};
use super::super::uses::{ContainerUse, LambdaUse, Use};
use super::function_label;
use crate::diagnostic::{Diagnostic, Label};
use crate::rule::Rule;

/// Task methods that return something other than the task.
const TASK_METHODS: &[&str] = &[
    "add_done_callback",
    "remove_done_callback",
    "set_name",
    "get_name",
    "get_coro",
    "print_stack",
];

pub fn check(
    checker: &mut Checker<'_, '_>,
    call: &ast::ExprCall,
    created: &Created,
    use_: Use<'_>,
    flow: Option<(Handle<'_>, &HandleFlow)>,
) {
    let is_aggregate = matches!(created, Created::Aggregate { .. });
    let (label, notes) = match use_ {
        Use::Discarded if is_aggregate => (
            "this future is never awaited or stored, so nothing keeps the tasks it runs".to_owned(),
            Vec::new(),
        ),
        Use::Discarded => ("this task is never stored".to_owned(), Vec::new()),
        Use::Assigned {
            target: Expr::Name(name),
        } if name.id.as_str() == "_" => (
            "assigned to `_`, so nothing keeps this task".to_owned(),
            Vec::new(),
        ),
        _ if is_aggregate => return,
        Use::Assigned { .. } => match flow {
            Some((handle, flow)) => match lost_handle(checker, handle, flow) {
                Some(found) => found,
                None => return,
            },
            None => return,
        },
        Use::Element {
            container: ContainerUse::Discarded,
        } => (
            "this task is put in a collection that is thrown away".to_owned(),
            Vec::new(),
        ),
        Use::Element {
            container: ContainerUse::BoundTo(name),
        } => {
            let id = name.id.as_str();
            if !checker.is_local(id) || checker.reads_local(id) {
                return;
            }
            (
                format!("this task is kept only in `{id}`, which is never used"),
                Vec::new(),
            )
        }
        Use::Receiver { method, .. } if TASK_METHODS.contains(&method) => (
            format!("`{method}` does not return the task, so the task itself is not kept"),
            Vec::new(),
        ),
        Use::Argument { call: outer, .. } if is_harmless_call(outer) => {
            let callee = &checker.source.text[outer.func.range().to_std_range()];
            (
                format!("`{callee}` only looks at the task and does not keep it"),
                Vec::new(),
            )
        }
        Use::LambdaResult {
            lambda:
                LambdaUse::PassedTo {
                    call: outer,
                    position,
                },
        } => match discarding_registrar(outer, position) {
            Some(registrar) => (
                format!("the lambda returns this task to `{registrar}`, which discards it"),
                Vec::new(),
            ),
            None => return,
        },
        Use::Returned => match (checker.current_function(), checker.returns_discarded_by()) {
            (Some(function), Some(registrar)) => (
                format!(
                    "`{}` returns this task to `{registrar}`, which discards it",
                    function.name.as_str()
                ),
                Vec::new(),
            ),
            _ => return,
        },
        _ => return,
    };
    let fix = match use_ {
        Use::Discarded if !is_aggregate => fixes::keep_task(checker, call),
        _ => None,
    };
    let help = if is_aggregate {
        "await it (`await asyncio.gather(...)`), or keep the returned future and await it later"
            .to_owned()
    } else {
        keep_help(checker, flow.map(|(handle, _)| handle))
    };
    let mut diagnostic = Diagnostic::new(
        Rule::DroppedTaskHandle,
        call.range().to_std_range(),
        "task handle dropped: the event loop keeps only a weak reference, so the task can be garbage-collected before it finishes",
        label,
    )
    .with_help(help)
    .with_fix(fix);
    diagnostic.notes = notes;
    if let Created::Task {
        api,
        wrapper: Some(site),
    } = created
    {
        diagnostic = if site.path == checker.source.path {
            diagnostic.with_note(
                site.range.clone(),
                format!("`{api}` creates the task here and does not keep it"),
            )
        } else {
            diagnostic.with_note(
                call.func.range().to_std_range(),
                format!(
                    "`{api}` returns a new task (created at {}:{}) and does not keep it",
                    site.path, site.line
                ),
            )
        };
    }
    checker.report(diagnostic);
}

/// The label and notes for a bound handle that is lost on some path, if it is.
fn lost_handle(
    checker: &Checker<'_, '_>,
    handle: Handle<'_>,
    flow: &HandleFlow,
) -> Option<(String, Vec<Label>)> {
    if flow.losses.is_empty() {
        return None;
    }
    let name = handle.display();
    let function = function_label(checker.current_function());
    let label = if !flow.read {
        format!("this task is bound to `{name}`, which is never used")
    } else if flow.escaped_somewhere {
        format!("`{name}` keeps this task on some paths only")
    } else {
        format!("`{name}` is the only reference, and nothing keeps it")
    };
    let mut notes = Vec::new();
    for loss in &flow.losses {
        let (range, message): (Range<usize>, String) = match loss {
            Loss::Exit(Some(range)) => (
                range.clone(),
                format!("the reference is dropped when {function} returns here"),
            ),
            Loss::Exit(None) => match checker.current_function() {
                Some(def) => (
                    def.name.range().to_std_range(),
                    format!("the reference is dropped when {function} returns"),
                ),
                None => continue,
            },
            Loss::Overwritten(range) => (
                range.clone(),
                format!("`{name}` is rebound here while the task may still be pending"),
            ),
            Loss::Deleted(range) => (
                range.clone(),
                format!("`{name}` is deleted here while the task may still be pending"),
            ),
            Loss::NextIteration(_) => continue,
        };
        notes.push(Label { range, message });
    }
    if let (Handle::Local(local), Some((outer, outer_scope))) = (handle, checker.outer_function()) {
        if outer_scope.is_local(local) {
            if let Some(function) = checker.current_function() {
                notes.push(Label {
                    range: function.name.range().to_std_range(),
                    message: format!(
                        "`{local}` is a new local of `{}`: the `{local}` of `{}` is not changed (missing `nonlocal {local}`?)",
                        function.name.as_str(),
                        outer.name.as_str()
                    ),
                });
            }
        }
    }
    Some((label, notes))
}

/// The concrete way to keep a task at this site, naming its variable when it has one.
fn keep_help(checker: &Checker<'_, '_>, handle: Option<Handle<'_>>) -> String {
    let task = handle.map_or_else(|| "task".to_owned(), |handle| handle.display());
    let set = if checker.enclosing_class().is_some() {
        "self._tasks"
    } else {
        "background_tasks"
    };
    let place = if checker.enclosing_class().is_some() {
        "a set on the object"
    } else {
        "a module-level set"
    };
    format!(
        "keep a reference until the task is done: add it to {place} (`{set}.add({task})`) with `{task}.add_done_callback({set}.discard)`, or create it in an `asyncio.TaskGroup`"
    )
}
