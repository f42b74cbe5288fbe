//! The library's functions ranked on an edge's samples, the fits on the threads (crate::par).
//!
//! Every built-in function is a task that fits into its own slot, and the calling thread
//! then ranks them in the library's order, as one thread would. A ranking that only wants the
//! best skips a function that cannot beat the best score so far even at r2 = 1; a task skips
//! only when a fit already done proves that it would be skipped, and the calling thread fits
//! whatever the ranking needs and no task did (user functions, which the host evaluates on
//! the calling thread alone), so the list is the same bits for any number of threads. The
//! edges of autoSymbolic go one after another, each on all the threads: an edge's 29 fits of
//! a few milliseconds keep two threads busy to within one fit.
//!
//! ```
//! use kanwasm_core::symbolic::lookup;
//! use kanwasm_core::symrank::rank;
//! let x: Vec<f64> = (0..200).map(|i| -1.0 + i as f64 / 100.0).collect();
//! let y: Vec<f64> = x.iter().map(|v| 0.5 * v.exp()).collect();
//! let lib = [(lookup("x").unwrap(), 1.0), (lookup("exp").unwrap(), 2.0)];
//! let ranked = rank(&x, &y, &lib, 0.8, (-10.0, 10.0), (-10.0, 10.0), false);
//! assert_eq!(ranked[0].id, lookup("exp").unwrap());
//! ```

use crate::par;
use crate::symbolic::{score, Fit, USER_BASE};
use crate::symsearch::Samples;
use std::sync::atomic::{AtomicU64, Ordering};

/// One candidate of [`rank`]: a library function, its complexity, its fit and pykan's score.
#[derive(Clone, Debug)]
pub struct Suggestion {
    pub id: u16,
    pub complexity: f64,
    pub fit: Fit,
    pub score: f64,
}

/// A task's score slot before the task has fitted (a NaN no score has).
const NOT_FITTED: u64 = u64::MAX;

/// The functions of `lib` (ids with complexities) fitted to the edge samples `(x, y)`, best
/// (lowest `score(complexity, r2, w)`) first, ties in the library's order. With `best_only`
/// (and `w` in [0, 1]) a function that could not beat the best score so far even at r2 = 1 is
/// left out: the first is the same, the list shorter.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn rank(x: &[f64], y: &[f64], lib: &[(u16, f64)], w: f64, ar: (f64, f64), br: (f64, f64), best_only: bool) -> Vec<Suggestion> {
    let s = &Samples::new(x, y);
    let prune = best_only && (0.0..=1.0).contains(&w);
    let (tasks, per) = (lib.len(), s.scratch_len());
    let slots = par::width().min(tasks).max(1);
    // each slot's scratch, then each function's fit as (a, b, c, d, r2)
    let mut buf = vec![0.0; slots * per + 5 * tasks];
    let scores: Vec<AtomicU64> = (0..tasks).map(|_| AtomicU64::new(NOT_FITTED)).collect();
    let fit_at = |t: usize| slots * per + 5 * t..slots * per + 5 * t + 5;
    // the single-thread module fits only as the ranking below asks, one function after another
    if par::THREADED || cfg!(test) {
        let at = par::Shared::new(&mut buf);
        let task = |t: usize, slot: usize| {
            let (id, cx) = lib[t];
            // skipped by the ranking for sure: a function before it already scores as well
            let bound = score(cx, 1.0, w);
            // (NOT_FITTED is a NaN, below nothing)
            if id >= USER_BASE || (prune && scores[..t].iter().any(|v| f64::from_bits(v.load(Ordering::Acquire)) <= bound)) {
                return;
            }
            // SAFETY: slot `slot`'s scratch is this thread's alone during the run, and task `t`
            // owns fit `t`, past every scratch.
            let f = s.fit_in(id, ar, br, unsafe { at.slice(slot * per..(slot + 1) * per) });
            unsafe { at.slice(fit_at(t)) }.copy_from_slice(&[f.a, f.b, f.c, f.d, f.r2]);
            scores[t].store(score(cx, f.r2, w).to_bits(), Ordering::Release);
        };
        // SAFETY: a task writes its fit, its score and its slot's scratch only; fitting a
        // built-in function allocates nothing and touches no thread-local.
        unsafe { par::run(tasks, slots, &task) };
    }
    let mut out: Vec<Suggestion> = Vec::with_capacity(tasks);
    let mut best = f64::INFINITY;
    for (t, &(id, cx)) in lib.iter().enumerate() {
        if prune && score(cx, 1.0, w) >= best {
            continue;
        }
        let fit = if scores[t].load(Ordering::Relaxed) != NOT_FITTED {
            let f = &buf[fit_at(t)];
            Fit { a: f[0], b: f[1], c: f[2], d: f[3], r2: f[4] }
        } else {
            s.fit_in(id, ar, br, &mut buf[..per])
        };
        let score = score(cx, fit.r2, w);
        best = best.min(score);
        out.push(Suggestion { id, complexity: cx, fit, score });
    }
    sort(&mut out);
    out
}

/// By score, stable: insertion sort (a few dozen entries), which keeps a general sort's code
/// out of the module.
fn sort(out: &mut [Suggestion]) {
    for i in 1..out.len() {
        let mut j = i;
        while j > 0 && out[j - 1].score.total_cmp(&out[j].score) == core::cmp::Ordering::Greater {
            out.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolic::{lookup, register_native, LIB};

    /// One edge ranked the plain way: every function fitted in the library's order, those that
    /// cannot beat the best so far skipped (the search before its fits became tasks).
    fn one_by_one(s: &Samples, lib: &[(u16, f64)], w: f64, best_only: bool) -> Vec<(u16, u64, [u64; 5])> {
        let (ar, br) = ((-10.0, 10.0), (-10.0, 10.0));
        let prune = best_only && (0.0..=1.0).contains(&w);
        let mut out: Vec<Suggestion> = Vec::new();
        let mut best = f64::INFINITY;
        for &(id, cx) in lib {
            if prune && score(cx, 1.0, w) >= best {
                continue;
            }
            let fit = s.fit(id, ar, br);
            let sc = score(cx, fit.r2, w);
            best = best.min(sc);
            out.push(Suggestion { id, complexity: cx, fit, score: sc });
        }
        sort(&mut out);
        out.iter().map(bits).collect()
    }

    fn bits(s: &Suggestion) -> (u16, u64, [u64; 5]) {
        let f = s.fit;
        (s.id, s.score.to_bits(), [f.a, f.b, f.c, f.d, f.r2].map(f64::to_bits))
    }

    /// The ranking from fits made as tasks is, to the bit, the plain one's, with and without
    /// `best_only`, with user functions (fitted on the calling thread) anywhere in the library.
    #[test]
    fn tasks_rank_as_one_at_a_time() {
        let user = register_native(|x| x * x * x - 0.6 * x);
        let shapes: [fn(f64) -> f64; 4] = [|x| (2.0 * x + 0.3).sin(), |x| x * x * x - 0.6 * x, |x| 0.5 * x.exp() - 0.2, |x| 3.0 * x];
        let edges: Vec<(Vec<f64>, Vec<f64>)> = shapes
            .iter()
            .map(|g| {
                let x: Vec<f64> = (0..150).map(|i| -1.0 + 2.0 * ((i * 37) % 150) as f64 / 149.0).collect();
                let y: Vec<f64> = x.iter().map(|&v| g(v)).collect();
                (x, y)
            })
            .collect();
        let mut all: Vec<(u16, f64)> = (1..=LIB.len() as u16).map(|id| (id, LIB[id as usize - 1].1 as f64)).collect();
        let small = vec![(lookup("x").unwrap(), 1.0), (user, 2.0), (lookup("sin").unwrap(), 2.0), (lookup("exp").unwrap(), 2.0)];
        all.insert(3, (user, 2.0));
        for lib in [all, small] {
            for (w, best_only) in [(0.8, true), (0.8, false), (0.0, true), (1.5, true)] {
                for (e, (x, y)) in edges.iter().enumerate() {
                    let got = rank(x, y, &lib, w, (-10.0, 10.0), (-10.0, 10.0), best_only);
                    assert_eq!(
                        got.iter().map(bits).collect::<Vec<_>>(),
                        one_by_one(&Samples::new(x, y), &lib, w, best_only),
                        "edge {e}, w {w}, best_only {best_only}"
                    );
                    // the cubic edge takes the user function (unless complexity outweighs fit)
                    if e == 1 && w < 1.0 {
                        assert_eq!(got[0].id, user, "w {w}");
                    }
                }
            }
        }
    }
}
