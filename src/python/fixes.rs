//! The fixes of the Python rules: the missing `await` (TL003, safe) and keeping a dropped task
//! in a module-level set (TL001, unsafe). Each returns `None` where its rewrite would not be
//! right, and the finding then has no fix.

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::checker::Checker;
use crate::fix::{self, Edit, Fix};

/// The name of the set a TL001 fix keeps tasks in (with a number when the module uses it).
const TASK_SET: &str = "_background_tasks";
/// The name of the variable a TL001 fix binds the task to.
const TASK_VARIABLE: &str = "task";

/// `await` before a coroutine call of an `async def`, for the uses TL003 reports: an expression
/// statement (or an operand of one: `x and f()`), an assignment's value, a condition or an
/// operand of `not`/`and`/`or`, an argument of `bool()`. None of them needs parentheses:
/// `await` binds tighter than every operator, and only an attribute, subscript or call on the
/// coroutine (`f().x`, not reported) would have to be written `(await f()).x`.
///
/// No fix outside an `async def` (a lambda, a class body and a plain `def` cannot await) and
/// in a generator expression, where `await` would turn it into an asynchronous generator.
pub fn add_await(checker: &Checker<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    let function = checker.current_function().filter(|def| def.is_async)?;
    let mut generators = GeneratorsAround {
        target: call.range(),
        found: false,
    };
    generators.visit_body(&function.body);
    if generators.found {
        return None;
    }
    let start = call.range().start().to_usize();
    Some(Fix::safe(
        "add `await`",
        vec![Edit::insert(start, "await ")],
    ))
}

/// Keeps a task whose handle an expression statement drops, as asyncio's documentation of
/// `create_task` advises: a module-level set, defined once after the imports, holds it until
/// it is done.
///
/// ```python
/// _background_tasks = set()
/// ...
///     task = asyncio.create_task(work())
///     _background_tasks.add(task)
///     task.add_done_callback(_background_tasks.discard)
/// ```
///
/// Unsafe: the task now runs to its end where it used to be collected. Offered only when the
/// call is the whole statement on its lines (`f(asyncio.create_task(..))`, `a; create_task(..)`
/// and `if x: create_task(..)` have no fix). The names are ones the module (for the set) and the
/// function (for the variable) do not use; a set an earlier fix added is reused, unless the
/// function has a local of its name.
pub fn keep_task(checker: &Checker<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    let source = checker.source;
    let text = source.text.as_str();
    let range = call.range().to_std_range();
    let first_line = source.line_range(source.line_index(range.start));
    let last_line = source.line_range(source.line_index(range.end));
    let indent = &text[first_line.start..range.start];
    let rest = text[range.end..last_line.end].trim_start();
    if !indent.chars().all(|c| c == ' ' || c == '\t') || !(rest.is_empty() || rest.starts_with('#'))
    {
        return None;
    }
    let body = checker.module_body();
    let scope_text = match checker.current_function() {
        Some(function) => &text[function.range().to_std_range()],
        None => text,
    };
    let task = fix::unused_name(scope_text, TASK_VARIABLE);
    let eol = fix::line_ending(text);
    let mut edits = Vec::new();
    let existing = fix::candidate_names(TASK_SET)
        .take_while(|name| fix::mentions(text, name))
        .find(|name| defines_empty_set(body, name) && !checker.is_local(name));
    let set = match existing {
        Some(name) => name,
        None => {
            let name = fix::unused_name(text, TASK_SET);
            edits.push(set_definition(checker, body, range.start, &name, eol)?);
            name
        }
    };
    edits.push(Edit::insert(range.start, format!("{task} = ")));
    edits.push(Edit::insert(
        last_line.end,
        format!(
            "{eol}{indent}{set}.add({task}){eol}{indent}{task}.add_done_callback({set}.discard)"
        ),
    ));
    Some(Fix::unsafe_(format!("keep the task in `{set}`"), edits))
}

/// Whether the module's top level has `name = set()`.
fn defines_empty_set(body: &[Stmt], name: &str) -> bool {
    body.iter().any(|stmt| {
        let Stmt::Assign(assign) = stmt else {
            return false;
        };
        let [Expr::Name(target)] = assign.targets.as_slice() else {
            return false;
        };
        let Expr::Call(call) = &*assign.value else {
            return false;
        };
        target.id.as_str() == name
            && matches!(&*call.func, Expr::Name(func) if func.id.as_str() == "set")
            && call.arguments.is_empty()
    })
}

/// `name = set()` on a line of its own after the last top-level import above `before`, with a
/// blank line before it; without such an import, before the module's first statement (after
/// its docstring), with a blank line after it.
fn set_definition(
    checker: &Checker<'_, '_>,
    body: &[Stmt],
    before: usize,
    name: &str,
    eol: &str,
) -> Option<Edit> {
    let source = checker.source;
    let last_import = body
        .iter()
        .take_while(|stmt| stmt.range().end().to_usize() <= before)
        .filter(|stmt| matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_)))
        .last();
    if let Some(import) = last_import {
        let line = source.line_index(import.range().end().to_usize());
        return Some(match source.line_starts().get(line + 1) {
            Some(&next) => Edit::insert(next, format!("{eol}{name} = set(){eol}")),
            None => Edit::insert(source.text.len(), format!("{eol}{eol}{name} = set(){eol}")),
        });
    }
    let first = match body {
        [docstring, next, ..] if is_docstring(docstring) => next,
        [first, ..] => first,
        [] => return None,
    };
    let line = source.line_index(first.range().start().to_usize());
    Some(Edit::insert(
        source.line_starts()[line],
        format!("{name} = set(){eol}{eol}"),
    ))
}

fn is_docstring(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Expr(expr) if expr.value.is_string_literal_expr())
}

/// Finds a generator expression around a range.
struct GeneratorsAround {
    target: TextRange,
    found: bool,
}

impl<'a> Visitor<'a> for GeneratorsAround {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Generator(generator) = expr {
            self.found |= generator.range().contains_range(self.target);
        }
        if !self.found && expr.range().contains_range(self.target) {
            walk_expr(self, expr);
        }
    }
}
