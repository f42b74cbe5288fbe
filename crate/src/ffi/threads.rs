//! The threads of the threaded build (dist/kanwasm-mt.wasm): how many a call may use, and
//! the loop each worker thread runs (see crate::par).

use crate::par;

/// Later calls use up to `n` threads (1: the calling thread alone). A build without
/// workers ignores it; the bits of every result are the same either way.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_set_threads(n: u32) {
    par::set_threads(n as usize);
}

/// How many threads a call would use now: those asked for, at most the workers ready plus one.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_threads() -> u32 {
    par::width() as u32
}

/// Runs worker `id` (1 to 63) for good; called by the worker thread's host once its stack
/// pointer and thread-local block are set up (the host ends the thread to stop it).
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
#[no_mangle]
pub extern "C" fn kw_worker_loop(id: u32) {
    par::worker_loop(id as usize);
}
