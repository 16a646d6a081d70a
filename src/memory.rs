//! The global allocator, wrapped to count the heap bytes each thread holds: `tasklint run
//! --max-memory` stops a program whose interpreter thread holds more than the cap.
//!
//! The count of a thread is what it allocated minus what it freed. A thread that frees memory
//! another thread allocated counts negative bytes, so the count is only meaningful as a
//! difference over a stretch of work done by one thread (the interpreter runs on one thread).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread.
    static HELD: Cell<isize> = const { Cell::new(0) };
}

/// The heap bytes the current thread allocated and has not freed, since it started.
pub fn thread_held_bytes() -> isize {
    HELD.with(Cell::get)
}

/// Adds `delta` to the current thread's count. During the thread's teardown the counter may be
/// gone already; that allocation is not counted.
fn count(delta: isize) {
    let _ = HELD.try_with(|held| held.set(held.get().wrapping_add(delta)));
}

/// An allocator that forwards to `A` and counts the bytes each thread holds.
pub struct CountingAllocator<A>(pub A);

// SAFETY: every method forwards to the wrapped allocator with the caller's arguments unchanged
// and returns its result; the only other work is updating a `const`-initialized thread-local
// counter, which neither allocates nor unwinds.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
        let ptr = unsafe { self.0.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { self.0.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` was allocated by this allocator with `layout`.
        unsafe { self.0.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract for `ptr`, `layout`
        // and `new_size`.
        let new = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_holds_what_it_allocated_until_it_frees_it() {
        let before = thread_held_bytes();
        let buffer = vec![0u8; 1 << 20];
        let held = thread_held_bytes() - before;
        assert!(held >= 1 << 20, "{held}");
        drop(buffer);
        assert!(thread_held_bytes() - before < 1 << 20);
    }
}
