//! Panic isolation: a panic while analyzing one file (or writing the output) becomes a one-line
//! error with its message and location, and the run goes on.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};

thread_local! {
    /// Where the last panic on this thread happened, recorded by [`QuietPanics`]' hook.
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

type PanicHook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// While alive, panics print nothing (they are reported as one line by [`catch_panic`]'s
/// caller) and only record their location; the previous hook is restored on drop.
pub struct QuietPanics {
    previous: Option<PanicHook>,
}

impl QuietPanics {
    pub fn install() -> Self {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            PANIC_LOCATION.with(|cell| *cell.borrow_mut() = location);
        }));
        QuietPanics {
            previous: Some(previous),
        }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        // `set_hook` may not be called while panicking; the quiet hook then stays.
        if let Some(previous) = self.previous.take() {
            if !std::thread::panicking() {
                panic::set_hook(previous);
            }
        }
    }
}

/// Runs `f`, turning a panic into its message (with its location when [`QuietPanics`] is
/// installed).
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    PANIC_LOCATION.with(|cell| cell.borrow_mut().take());
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_owned()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "panic with a non-text payload".to_owned()
        };
        match PANIC_LOCATION.with(|cell| cell.borrow_mut().take()) {
            Some(location) => format!("{message} (at {location})"),
            None => message,
        }
    })
}

/// The environment variable that makes a debug build's front-ends panic on one file, for the
/// tests of panic isolation: `TASKLINT_DEBUG_PANIC_ON=b.py` panics while analyzing every file
/// whose reported path ends with `b.py`.
#[cfg(debug_assertions)]
pub const DEBUG_PANIC_ON: &str = "TASKLINT_DEBUG_PANIC_ON";

/// Panics if this is a debug build and [`DEBUG_PANIC_ON`] names the end of `path`; called by
/// each front-end before it analyzes a file. Tests need a real panic inside a front-end to show
/// that it is isolated end to end, and no input should cause one. Release builds (what
/// `cargo install` builds) compile this to nothing, so no user can reach it; in a debug build it
/// takes an explicitly set variable with an unmistakable name.
#[inline]
pub fn debug_panic_point(path: &str) {
    #[cfg(debug_assertions)]
    if let Some(target) = std::env::var_os(DEBUG_PANIC_ON) {
        let target = target.to_string_lossy();
        if !target.is_empty() && path.ends_with(&*target) {
            panic!("panic requested by {DEBUG_PANIC_ON} for `{path}`");
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_location() {
        let _quiet = QuietPanics::install();
        let caught = catch_panic(|| -> u8 { panic!("detector bug {}", 7) });
        let message = caught.unwrap_err();
        assert!(message.starts_with("detector bug 7 (at "), "{message}");
        assert!(message.contains("panics.rs"), "{message}");
        assert_eq!(catch_panic(|| 3), Ok(3));
    }
}
