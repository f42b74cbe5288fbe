//! The allocator of the wasm build: the system allocator, plus a record of the last request
//! it could not serve.
//!
//! Running out of memory ends a wasm call with a trap (`handle_alloc_error` aborts, and
//! with `panic=immediate-abort` no hook runs first), and a trap says only `unreachable`. The
//! record lets the host tell memory exhaustion from a bug after the trap, read through
//! `kw_oom_bytes`, and answer with `OUT_OF_MEMORY` rather than `INTERNAL`.
//!
//! ```
//! use kanwasm_core::alloc::take_failed;
//! assert_eq!(take_failed(), 0); // nothing has failed natively
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static FAILED: AtomicUsize = AtomicUsize::new(0);

/// The size of the last request the allocator could not serve (0 when none), cleared by
/// the read.
pub fn take_failed() -> usize {
    FAILED.swap(0, Ordering::Relaxed)
}

fn note(p: *mut u8, bytes: usize) -> *mut u8 {
    if p.is_null() {
        FAILED.store(bytes.max(1), Ordering::Relaxed);
    }
    p
}

/// [`System`] with failures recorded. Its methods stay out of line: inlined into every
/// allocation site, the check made the module 9 KB larger.
pub struct Recording;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Recording {
    #[inline(never)]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(unsafe { System.alloc(l) }, l.size())
    }
    #[inline(never)]
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note(unsafe { System.alloc_zeroed(l) }, l.size())
    }
    #[inline(never)]
    unsafe fn realloc(&self, p: *mut u8, l: Layout, bytes: usize) -> *mut u8 {
        note(unsafe { System.realloc(p, l, bytes) }, bytes)
    }
    #[inline(never)]
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

// Native test binaries bring allocators of their own (tests/alloc.rs counts allocations).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static GLOBAL: Recording = Recording;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_a_failed_request_once() {
        let r = Recording;
        // larger than any address space can serve: the system allocator returns null
        let l = Layout::from_size_align(isize::MAX as usize - 4095, 4096).unwrap();
        // SAFETY: a valid layout; a null result is the point.
        let p = unsafe { r.alloc(l) };
        assert!(p.is_null());
        assert_eq!(take_failed(), l.size());
        assert_eq!(take_failed(), 0);
        let l = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: a valid layout; the block is freed with it.
        let p = unsafe { r.alloc(l) };
        assert!(!p.is_null());
        unsafe { r.dealloc(p, l) };
        assert_eq!(take_failed(), 0);
    }
}
