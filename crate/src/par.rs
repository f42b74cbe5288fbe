//! Work shared between the calling thread and worker threads of the threaded build.
//!
//! ```
//! use kanwasm_core::par;
//! let mut out = vec![0u32; 8];
//! let at = par::Shared::new(&mut out);
//! // SAFETY: each task writes its own element and nothing else; no allocation, no thread-local.
//! unsafe { par::run(8, usize::MAX, &|t, _slot| at.slice(t..t + 1)[0] = 2 * t as u32) };
//! assert_eq!(out, [0, 2, 4, 6, 8, 10, 12, 14]);
//! ```
//!
//! A job is a number of tasks and one function of (task, slot), run by `width()`
//! participants, the caller (slot 0) and workers (slots 1..): each claims the tasks of its own
//! block one by one, then helps with the other blocks, so which thread runs a task varies
//! from run to run. Callers make every task write its own part of the output, in an order
//! fixed by the task alone, so the bits do not depend on the number of threads; `slot`
//! indexes scratch space that the caller set aside per participant. Only the build with the
//! `atomics` target feature (dist/kanwasm-mt.wasm) has workers: each is a wasm instance on
//! the same shared memory in a host thread (a Web Worker or a Node worker thread) that sits
//! in [`worker_loop`]. Elsewhere `run` is a loop.
//!
//! Workers never allocate and never touch thread-locals (their allocations would race the
//! caller's rescue after running out of memory, and their thread-locals are not the
//! caller's), so a task must not either: buffers are made before `run`.

use std::ops::Range;

/// Whether this build has workers (dist/kanwasm-mt.wasm). Code that only pays off on
/// several threads tests it, so the single-thread module keeps its bytes.
pub const THREADED: bool = cfg!(all(target_arch = "wasm32", target_feature = "atomics"));

/// A buffer that tasks write in disjoint parts (see [`Shared::slice`]).
pub struct Shared<T> {
    ptr: *mut T,
    len: usize,
}

// SAFETY: tasks reach the buffer only through `slice`, whose contract keeps their parts apart.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    pub fn new(v: &mut [T]) -> Self {
        Shared { ptr: v.as_mut_ptr(), len: v.len() }
    }

    /// Adds `v` to element `e`.
    ///
    /// # Safety
    /// No other thread reaches element `e` meanwhile, and the buffer is alive.
    #[inline]
    pub unsafe fn add(&self, e: usize, v: T)
    where
        T: Copy + std::ops::AddAssign,
    {
        assert!(e < self.len);
        // SAFETY: within the buffer (asserted), and not shared (the caller's contract).
        unsafe { *self.ptr.add(e) += v };
    }

    /// The part `r` of the buffer.
    ///
    /// # Safety
    /// No other live slice of the same buffer overlaps `r`, and the buffer outlives it.
    #[allow(clippy::mut_from_ref)]
    #[inline]
    pub unsafe fn slice(&self, r: Range<usize>) -> &mut [T] {
        assert!(r.start <= r.end && r.end <= self.len);
        // SAFETY: within the buffer (asserted), and not aliased (the caller's contract).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(r.start), r.end - r.start) }
    }
}

/// A reference shared with the tasks of a [`run`] although its type is not `Sync` (a basis
/// cache, whose `RefCell` the tasks never touch): read it through [`Self::get`].
pub struct Ref<'a, T>(&'a T);

// SAFETY: tasks only read through it; `run`'s contract forbids the rest.
unsafe impl<T> Sync for Ref<'_, T> {}

impl<'a, T> Ref<'a, T> {
    pub fn new(r: &'a T) -> Self {
        Ref(r)
    }
    pub fn get(&self) -> &'a T {
        self.0
    }
}

/// Runs `f(task, slot)` for every task in `0..tasks`, with `slot < slots.min(width())`.
///
/// # Safety
/// Tasks may run at the same time on other threads: `f` must write only what its task owns,
/// and must neither allocate nor use thread-locals (see the module's notes).
pub unsafe fn run(tasks: usize, slots: usize, f: &(dyn Fn(usize, usize) + Sync)) {
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    if tasks > 1 && slots > 1 && width() > 1 {
        // SAFETY: passed on from the caller.
        return unsafe { pool::run(tasks, slots, f) };
    }
    let _ = slots;
    for t in 0..tasks {
        f(t, 0);
    }
}

/// How many threads take part in a [`run`]: the number asked for by [`set_threads`], at most
/// the workers ready plus the caller. Always 1 in a build without workers.
pub fn width() -> usize {
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    return pool::width();
    #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
    1
}

/// Asks for `n` threads in later runs (1: the caller alone).
pub fn set_threads(n: usize) {
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    pool::set_threads(n);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
    let _ = n;
}

/// The tasks for `n` items in parts of at least `min` items: up to eight per participant,
/// so that a run's threads finish close together (it ends with its slowest thread) and a
/// thread slowed by the host's other work holds up little; one alone (the caller's loop
/// over whole layers, as before threads, which keeps weights in cache longest).
pub fn parts(n: usize, min: usize) -> usize {
    let w = width();
    let most = if w > 1 { 8 * w } else { 1 };
    n.div_ceil(min.max(1)).clamp(1, most).min(n.max(1))
}

/// Part `t` of `parts` nearly even parts of `0..n`.
pub fn part(n: usize, parts: usize, t: usize) -> Range<usize> {
    (n * t / parts)..(n * (t + 1) / parts)
}

/// Fills `dst` in parts on the threads, row by row (`row` bytes, the last one may be
/// shorter): row `k` from row `ids[k]` of `src` (row `k` without `ids`), or zeros without
/// `src`. The large buffers of a training step (its batch, the tape's copy of it, a
/// gradient's zeros) would otherwise be made on one thread between parallel runs; as bytes,
/// the module has one copy of this code for every element type.
#[inline(never)]
pub fn fill_bytes(dst: &mut [u8], row: usize, src: Option<&[u8]>, ids: Option<&[usize]>) {
    let (n, row) = (dst.len(), row.max(1));
    let rows = n.div_ceil(row);
    let parts = parts(n, 1 << 18).min(rows.max(1));
    let at = Shared::new(dst);
    let task = |t: usize, _slot: usize| {
        for k in part(rows, parts, t) {
            let r = k * row..((k + 1) * row).min(n);
            // SAFETY: the parts' rows are disjoint.
            let d = unsafe { at.slice(r.clone()) };
            match (src, ids) {
                (Some(s), Some(ids)) => d.copy_from_slice(&s[ids[k] * row..][..d.len()]),
                (Some(s), None) => d.copy_from_slice(&s[r]),
                (None, _) => d.fill(0),
            }
        }
    };
    // SAFETY: each task writes its own rows and allocates nothing.
    unsafe { run(parts, usize::MAX, &task) };
}

/// Runs worker `id` (1 ..= [`MAX_WORKERS`]) for good; the host calls it once per worker
/// thread after setting up the thread's stack and thread-local block, and ends the thread
/// (a Worker's terminate) when it retires the instance.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub fn worker_loop(id: usize) {
    pool::worker_loop(id)
}

/// Workers at most.
pub const MAX_WORKERS: usize = 63;

/// A value only the calling thread uses (the core's tables, buffers and last error), read
/// with `with` as a thread-local is. In the threaded build it is a plain static: workers
/// never touch these, and a thread-local with a destructor would bring std's list of
/// destructors, and with it a second copy of the allocator, into the module (about 5 KB).
pub struct MainLocal<T>(pub T);

// SAFETY: only the thread that calls the module's exports reaches a MainLocal (tasks of
// `run` may not: see its contract).
unsafe impl<T> Sync for MainLocal<T> {}

impl<T> MainLocal<T> {
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

/// `main_local! { static NAME: T = const { INIT }; }`: a [`MainLocal`] in the threaded
/// build, a `thread_local!` elsewhere (native tests run on several threads).
#[macro_export]
macro_rules! main_local {
    (static $name:ident: $t:ty = const { $init:expr };) => {
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        static $name: $crate::par::MainLocal<$t> = $crate::par::MainLocal($init);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
        thread_local! {
            static $name: $t = const { $init };
        }
    };
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
mod pool {
    use super::MAX_WORKERS;
    use core::arch::wasm32::{memory_atomic_notify, memory_atomic_wait32};
    use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering::*};

    // Each worker has its own go word: the caller wakes exactly the workers of a run. A
    // worker joins the run only while it is open (OPEN holds its generation) and counts
    // itself in ACTIVE first, so the caller, once the tasks are all claimed, closes the run
    // and waits for the workers inside it alone: one woken late (the host had no core for
    // it) skips the run instead of holding the caller up.
    static GO: [AtomicI32; MAX_WORKERS + 1] = [const { AtomicI32::new(0) }; MAX_WORKERS + 1];
    static ALIVE: [AtomicI32; MAX_WORKERS + 1] = [const { AtomicI32::new(0) }; MAX_WORKERS + 1];
    // set while a worker sleeps on its go word: only then does waking it need a notify
    static ASLEEP: [AtomicI32; MAX_WORKERS + 1] = [const { AtomicI32::new(0) }; MAX_WORKERS + 1];
    static ASKED: AtomicUsize = AtomicUsize::new(1);
    static GEN: AtomicI32 = AtomicI32::new(0);
    static OPEN: AtomicI32 = AtomicI32::new(0);
    static ACTIVE: AtomicI32 = AtomicI32::new(0);
    // the job: the function (a wide pointer, as two words), the tasks, in one block per
    // participant, and each block's next task
    static JOB: [AtomicUsize; 2] = [const { AtomicUsize::new(0) }; 2];
    static TASKS: AtomicUsize = AtomicUsize::new(0);
    static BLOCKS: AtomicUsize = AtomicUsize::new(1);
    static NEXT: [AtomicUsize; MAX_WORKERS + 1] = [const { AtomicUsize::new(0) }; MAX_WORKERS + 1];

    /// Polls of its go word a worker makes before it sleeps (about a tenth of a millisecond):
    /// the runs of a training step follow each other within that, and waking a sleeping
    /// thread takes longer than a poll.
    const SPIN: u32 = 1 << 18;

    type Job<'a> = *const (dyn Fn(usize, usize) + Sync + 'a);

    pub fn set_threads(n: usize) {
        ASKED.store(n.clamp(1, MAX_WORKERS + 1), Relaxed);
    }

    pub fn width() -> usize {
        let asked = ASKED.load(Relaxed);
        (1..asked).find(|&id| ALIVE[id].load(Acquire) == 0).unwrap_or(asked)
    }

    fn work(slot: usize) {
        // SAFETY: the caller of `run` published the job before opening the run, and keeps
        // the function alive until every thread inside the run has left it.
        let f: &(dyn Fn(usize, usize) + Sync) = unsafe { &*core::mem::transmute::<[usize; 2], Job<'static>>([JOB[0].load(Acquire), JOB[1].load(Acquire)]) };
        let (tasks, blocks) = (TASKS.load(Acquire), BLOCKS.load(Acquire));
        // Each participant works through its own block of tasks first, then helps with the
        // others' from their fronts. Runs over the same items in the same number of tasks
        // (a layer's basis and its backward, by input) then mostly give each thread the
        // items it touched before, whose data its own cache still holds.
        for k in 0..blocks {
            let b = (slot + k) % blocks;
            let end = super::part(tasks, blocks, b).end;
            loop {
                let t = NEXT[b].fetch_add(1, AcqRel);
                if t >= end {
                    break;
                }
                f(t, slot);
            }
        }
    }

    pub unsafe fn run(tasks: usize, slots: usize, f: &(dyn Fn(usize, usize) + Sync)) {
        let w = width().min(slots).min(tasks);
        // SAFETY: only the lifetime is erased; the function outlives the run (see `work`).
        let [a, b] = unsafe { core::mem::transmute::<Job<'_>, [usize; 2]>(f as Job<'_>) };
        JOB[0].store(a, Release);
        JOB[1].store(b, Release);
        TASKS.store(tasks, Release);
        BLOCKS.store(w, Release);
        for (b, next) in NEXT.iter().enumerate().take(w) {
            next.store(super::part(tasks, w, b).start, Release);
        }
        let mut gen = GEN.load(Relaxed).wrapping_add(1);
        if gen == 0 {
            gen = 1;
        }
        GEN.store(gen, Relaxed);
        OPEN.store(gen, SeqCst);
        for id in 1..w {
            // after the go word, so a worker about to sleep either is seen here or sees it
            GO[id].store(gen, SeqCst);
            if ASLEEP[id].load(SeqCst) != 0 {
                // SAFETY: GO[id] is a live, aligned i32 of the shared memory.
                unsafe { memory_atomic_notify(GO[id].as_ptr(), 1) };
            }
        }
        work(0);
        OPEN.store(0, SeqCst);
        // spun, not waited for: a browser's main thread may not block
        while ACTIVE.load(SeqCst) != 0 {
            core::hint::spin_loop();
        }
    }

    pub fn worker_loop(id: usize) {
        if id == 0 || id > MAX_WORKERS {
            return;
        }
        let mut seen = GO[id].load(Acquire);
        ALIVE[id].store(1, Release);
        let mut idle = 0;
        loop {
            let gen = GO[id].load(Acquire);
            if gen == seen {
                idle += 1;
                if idle > SPIN {
                    ASLEEP[id].store(1, SeqCst);
                    // SAFETY: GO[id] is a live, aligned i32 of the shared memory.
                    unsafe { memory_atomic_wait32(GO[id].as_ptr(), seen, -1) };
                    ASLEEP[id].store(0, SeqCst);
                }
                continue;
            }
            (seen, idle) = (gen, 0);
            // in the count before the check: a run closed after the check waits for this thread
            ACTIVE.fetch_add(1, SeqCst);
            if OPEN.load(SeqCst) == gen {
                work(id);
            }
            ACTIVE.fetch_sub(1, SeqCst);
        }
    }
}
