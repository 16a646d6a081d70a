//! Dropping values without recursion. Rust drops a list by dropping its items, each of which drops
//! its own items, and so on: a list nested a few million deep (`x = [x]` in a loop) would
//! overflow the native stack when it is freed. So each type that holds values (a list's or
//! tuple's [`Items`](super::value::Items), a [`Dict`](super::value::Dict), an instance's
//! attributes, a function's defaults and closure cells, a frame's values, an iterator's) hands
//! them to [`drop_values`] in its `Drop`: the outermost call drops them one by one, and a value
//! freed meanwhile hands its own values back to that call instead of dropping them, so the stack
//! never holds more than one container's drop at a time.

use std::cell::{Cell, RefCell};

use super::value::Value;

/// The state of this thread's outermost [`drop_values`].
struct Dropping {
    /// Whether a [`drop_values`] is running further up the stack.
    running: Cell<bool>,
    /// Values handed over while it runs, which it drops next.
    pending: RefCell<Vec<Value>>,
}

thread_local! {
    static DROPPING: Dropping = const {
        Dropping {
            running: Cell::new(false),
            pending: RefCell::new(Vec::new()),
        }
    };
}

/// The most values [`Dropping::pending`] keeps room for between two drops.
const PENDING_CAPACITY: usize = 1024;

/// Drops `values`, the contents of a container being dropped, without recursing into nested
/// containers (see the [module](self)).
pub fn drop_values(values: impl IntoIterator<Item = Value>) {
    // While the thread's locals are torn down there is no state: drop the plain way.
    let _ = DROPPING.try_with(|dropping| {
        if dropping.running.get() {
            // A value that holds no other value is dropped at once: its drop does not recurse.
            let nested = values.into_iter().filter(|value| !value.is_leaf());
            dropping.pending.borrow_mut().extend(nested);
            return;
        }
        dropping.running.set(true);
        for value in values {
            drop(value);
            loop {
                // Popped in its own statement: the drop borrows the pending list again.
                let next = dropping.pending.borrow_mut().pop();
                let Some(next) = next else { break };
                drop(next);
            }
        }
        dropping.pending.borrow_mut().shrink_to(PENDING_CAPACITY);
        dropping.running.set(false);
    });
}
