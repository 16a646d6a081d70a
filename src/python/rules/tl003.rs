//! TL003 unawaited-coroutine: a call of a coroutine function (defined in this module, or one of
//! asyncio's) whose coroutine object is thrown away (an expression statement, `_ = ...`, a local
//! that is never read) or tested for truth (`if self.ping():`), so its body never runs.
//!
//! Limits: only coroutine functions defined in the same module, methods reached through
//! `self`/`cls`/`super()`, and asyncio's own coroutine functions are known.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::super::checker::Checker;
use super::super::fixes;
use super::super::uses::Use;
use super::{function_label, text};
use crate::diagnostic::Diagnostic;
use crate::rule::Rule;

/// What goes wrong with the coroutine object.
enum Misuse<'a> {
    Discarded,
    AssignedToUnderscore,
    NeverRead(&'a str),
    TruthValue,
}

pub fn check(checker: &mut Checker<'_, '_>, call: &ast::ExprCall, name: &str, use_: Use<'_>) {
    let misuse = match use_ {
        Use::Discarded => Misuse::Discarded,
        Use::Truth => Misuse::TruthValue,
        Use::Argument { call: outer, .. } if is_bool_call(outer) => Misuse::TruthValue,
        Use::Assigned {
            target: Expr::Name(target),
        } => {
            let id = target.id.as_str();
            if id == "_" {
                Misuse::AssignedToUnderscore
            } else if checker.is_local(id) && !checker.reads_local(id) {
                Misuse::NeverRead(id)
            } else {
                return;
            }
        }
        _ => return,
    };
    let call_text = text(checker, call);
    let in_async = checker
        .current_function()
        .is_some_and(|function| function.is_async);
    let (message, label) = match misuse {
        Misuse::TruthValue => (
            format!("coroutine `{name}` is used as a truth value: a coroutine object is always true, and its body never runs"),
            "this is a coroutine object, not its result".to_owned(),
        ),
        Misuse::Discarded => (
            format!("coroutine `{name}` is never awaited: its body never runs"),
            "this creates a coroutine object and drops it".to_owned(),
        ),
        Misuse::AssignedToUnderscore => (
            format!("coroutine `{name}` is never awaited: its body never runs"),
            "the coroutine object is assigned to `_` and dropped".to_owned(),
        ),
        Misuse::NeverRead(local) => (
            format!("coroutine `{name}` is never awaited: its body never runs"),
            format!("the coroutine object is stored in `{local}`, which is never used"),
        ),
    };
    let fix = fixes::add_await(checker, call);
    let help = if in_async {
        format!("add `await`: `await {call_text}`")
    } else {
        format!(
            "{} is not async, so it cannot await: run the coroutine with `asyncio.run({call_text})`, or schedule it with `asyncio.create_task(...)` from async code and keep the task",
            function_label(checker.current_function())
        )
    };
    checker.report(
        Diagnostic::new(
            Rule::UnawaitedCoroutine,
            call.range().to_std_range(),
            message,
            label,
        )
        .with_help(help)
        .with_fix(fix),
    );
}

fn is_bool_call(call: &ast::ExprCall) -> bool {
    matches!(&*call.func, Expr::Name(name) if name.id.as_str() == "bool")
}
