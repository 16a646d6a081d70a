//! TL004 non-yielding-loop (Rust): a `loop` or `while` (`while let`) of an `async fn`, `async`
//! block or async closure with a path from its head back to its head on which nothing that may
//! suspend is `.await`ed, and along which the loop cannot end by itself (see `yields`). Awaiting
//! an `async fn` that never suspends (by the project index: every `.await` in it is on such
//! functions, or it has none) runs its body inline and returns `Ready` at once, so the task
//! never goes back to the scheduler and the other tasks of its thread starve.
//!
//! Reported at the loop keyword, with a label on each `.await` of the path that runs inline (and
//! where its `async fn` is defined), or on the `continue` (or branch) that comes back without
//! awaiting anything. Not flagged: `for` loops, loops with no `.await` at all (plain
//! computations), loops whose every path back awaits something that may suspend, and bounded
//! loops (the path changes what an exit condition reads: a counter, a drained queue).
//!
//! Limits: an `.await` whose origin is unknown (a trait method, a value of unknown type, a
//! function of a crate outside the run) counts as suspending; what a call changes is known for
//! project methods (their summary) and guessed from the method's name otherwise.

use super::super::yields::{Inline, Spin};
use crate::diagnostic::Diagnostic;
use crate::rule::Rule;
use crate::source::SourceFile;

pub fn check(
    source: &SourceFile,
    expr: &syn::Expr,
    spin: &Spin,
    runtime_yield: &str,
) -> Diagnostic {
    let keyword = match expr {
        syn::Expr::While(while_expr) => while_expr.while_token.span.byte_range(),
        syn::Expr::Loop(loop_expr) => loop_expr.loop_token.span.byte_range(),
        _ => syn::spanned::Spanned::span(expr).byte_range(),
    };
    let message = if spin.inline.is_empty() {
        "loop never yields to the scheduler: an iteration can end without awaiting anything, so the other tasks of this thread starve"
    } else {
        "loop never yields to the scheduler: the futures it awaits complete without suspending, so the other tasks of this thread starve"
    };
    let mut diagnostic = Diagnostic::new(
        Rule::NonYieldingLoop,
        keyword,
        message,
        "this loop can come back here without awaiting anything that suspends",
    )
    .with_help(format!(
        "await something that waits for the state to change (a channel's `recv`, a `Notify`, a timer), or let the other tasks run with `{runtime_yield}` on this path"
    ));
    for (range, inline) in &spin.inline {
        let text = source
            .text
            .get(range.clone())
            .filter(|text| text.len() <= 60 && !text.contains('\n'))
            .map_or_else(|| "this `.await`".to_owned(), |text| format!("`{text}`"));
        let message = match inline {
            Inline::Defined { name, location } => {
                format!("{text} runs `{name}` inline: it never suspends (defined at {location})")
            }
            Inline::Ready { name } => {
                format!("{text} completes at once: `{name}` is ready without suspending")
            }
            Inline::Configured { name } => {
                format!("{text} never suspends: `{name}` is configured as never suspending")
            }
        };
        diagnostic = diagnostic.with_note(range.clone(), message);
    }
    if let Some(range) = &spin.continue_at {
        diagnostic = diagnostic.with_note(
            range.clone(),
            "this `continue` starts the next iteration without awaiting anything that suspends",
        );
    } else if let (true, Some((range, how))) = (spin.inline.is_empty(), &spin.idle) {
        diagnostic = diagnostic.with_note(
            range.clone(),
            format!("{how}, the iteration ends without awaiting anything that suspends"),
        );
    }
    diagnostic
}
