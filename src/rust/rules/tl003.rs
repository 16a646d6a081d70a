//! TL003 unawaited-coroutine (Rust): a future is created and never polled, so its body never
//! runs. Futures come from calls of the file's `async fn`s and functions returning
//! `impl Future` (free functions, `Self::`/`Type::` associated functions, methods through `self`
//! or a local of the file's types), of known future-returning APIs (`tokio::time::sleep`,
//! `timeout`, async channel `send`, `smol::Timer::after`, async locks...), and `async` blocks.
//! Flagged when the future is discarded (an expression statement, `let _ =`, `_ =`, a collection
//! thrown away) or bound to a variable (an underscore name too) that never awaits, polls, stores
//! or passes it on.
//!
//! Limits: a future transformed by a combinator (`fut.map(..)`) and then dropped is not seen;
//! futures returned by functions of other files are unknown.

use super::super::checker::FutureSite;
use super::super::fixes;
use super::super::uses::{Container, Use};
use crate::diagnostic::Diagnostic;
use crate::fix::Fix;
use crate::rule::Rule;

pub fn check(site: &FutureSite<'_>) -> Option<Diagnostic> {
    let label = match site.use_ {
        Use::Discarded => "this creates a future and drops it".to_owned(),
        Use::Wildcard => "the future is assigned to `_` and dropped".to_owned(),
        Use::Element(Container::Discarded) => {
            "the future is put in a collection that is thrown away".to_owned()
        }
        Use::Bound(_) | Use::Assigned(_) => {
            let binding = site.binding.as_ref()?;
            if binding.flow.kept_somewhere || binding.flow.losses.is_empty() {
                return None;
            }
            let name = &binding.name;
            if binding.flow.read {
                format!("the future in `{name}` is never awaited, polled or passed on")
            } else {
                format!("the future is stored in `{name}`, which is never used")
            }
        }
        _ => return None,
    };
    let message = if site.name == "async block" {
        "async block is never awaited: its body never runs".to_owned()
    } else {
        format!(
            "future `{}` is never awaited: its body never runs",
            site.name
        )
    };
    let bound = site
        .binding
        .as_ref()
        .filter(|_| matches!(site.use_, Use::Bound(_) | Use::Assigned(_)));
    let help = match (bound, &site.text, site.in_async) {
        (_, _, false) => "this code is not async, so it cannot `.await`: run the future with a runtime's `block_on`, or spawn it and keep the task's handle".to_owned(),
        (Some(binding), _, true) => format!(
            "`.await` it (`{}.await`), or pass it to `join!`/`select!` or a spawn",
            binding.name
        ),
        (None, Some(text), true) => format!("add `.await`: `{text}.await`"),
        (None, None, true) => {
            "add `.await` to run it here, or pass it to `join!`/`select!` or a spawn".to_owned()
        }
    };
    Some(
        Diagnostic::new(Rule::UnawaitedCoroutine, site.range.clone(), message, label)
            .with_help(help)
            .with_fix(add_await(site)),
    )
}

/// `.await` on a future of async code that is discarded, assigned to `_`, or bound by
/// `let name = ..` and never used (the variable then holds the output). A future bound and
/// looked at, or assigned to a place declared elsewhere, has no fix: its type would change.
fn add_await(site: &FutureSite<'_>) -> Option<Fix> {
    let awaitable = match site.use_ {
        Use::Discarded | Use::Wildcard => true,
        Use::Bound(syn::Pat::Ident(_)) => site
            .binding
            .as_ref()
            .is_some_and(|binding| !binding.flow.read),
        _ => false,
    };
    (awaitable && site.in_async)
        .then(|| Fix::safe("add `.await`", fixes::postfix(site.expr, ".await")))
}
