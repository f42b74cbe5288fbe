//! A training step after the first takes every buffer whose size depends on the batch or
//! the widths from the buffer pool: what it still asks the allocator for is the tape's
//! bookkeeping, the same few bytes at any batch size and width (for LBFGS, per evaluation
//! of the objective).

use kanwasm_core::autodiff::Tensor;
use kanwasm_core::layer::Base;
use kanwasm_core::model::{Data, FitConfig, Loss, Model, ModelConfig, Opt};
use kanwasm_core::real::Real;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts this thread's allocations: (calls, bytes, largest).
struct Counting;

thread_local! {
    static COUNT: Cell<(usize, usize, usize)> = const { Cell::new((0, 0, 0)) };
}

fn note(size: usize) {
    // `try_with`: a thread being torn down has no counter left
    let _ = COUNT.try_with(|c| {
        let (n, b, m) = c.get();
        c.set((n + 1, b + size, m.max(size)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(l.size());
        System.alloc(l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note(l.size());
        System.alloc_zeroed(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        note(n);
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// (calls, bytes, largest) of the third training step, after two that fill the pool.
fn third_step<T: Real>(width: usize, n: usize, batch: usize, lamb: f64, opt: Opt) -> (usize, usize, usize) {
    let w = vec![(5, 0), (width, 0), (3, 0)];
    // the library's defaults (ts/config.ts) but for the grid
    let mc = ModelConfig {
        width: w,
        grid: vec![7],
        k: vec![3],
        range: (-1.0, 1.0),
        base: Base::Silu,
        noise_scale: 0.3,
        grid_eps: 0.02,
        seed: 1,
        scale_base_mu: 0.0,
        scale_base_sigma: 1.0,
        scale_sp: 1.0,
        train_sb: true,
        train_sp: true,
        mult_arity: vec![],
    };
    let mut m: Model<T> = Model::new(&mc).unwrap();
    // a fifth of the inputs lie past the grid [-1, 1]: their windows are moved inside
    let x = Tensor::from_vec(n, 5, (0..n * 5).map(|i| T::from_f64(((i * 7919) % 1000) as f64 / 400.0 - 1.25)).collect());
    let y = Tensor::from_vec(n, 3, (0..n * 3).map(|i| T::from_f64(((i * 31) % 100) as f64 / 100.0)).collect());
    let lr = if opt == Opt::Adam { 1e-3 } else { 1.0 };
    let cfg = FitConfig {
        opt,
        lr,
        batch,
        lamb,
        lamb_l1: 1.0,
        lamb_entropy: 2.0,
        update_grid: false,
        grid_update_num: 10,
        stop_grid_update_step: 50,
        loss: Loss::Mse,
        seed: 0,
        revive: 3,
        revive_steps: 5,
    };
    m.fit_begin(Data { x, y }, None, cfg).unwrap();
    m.fit_step().unwrap();
    m.fit_step().unwrap();
    COUNT.with(|c| c.set((0, 0, 0)));
    let r = m.fit_step().unwrap();
    let counted = COUNT.with(|c| c.get());
    assert!(r.train.is_finite());
    m.fit_end();
    counted
}

fn check<T: Real>() {
    for lamb in [0.0, 0.01] {
        // full batch, then a drawn batch (gathered each step)
        for (n, batch) in [(64, 0), (400, 64)] {
            let small = third_step::<T>(8, n, batch, lamb, Opt::Adam);
            let wide = third_step::<T>(40, n, batch, lamb, Opt::Adam);
            let big = third_step::<T>(40, 4 * n, 4 * batch, lamb, Opt::Adam);
            let what = format!("{} lamb {lamb}, n {n}, batch {batch}: (calls, bytes, largest)", T::DTYPE);
            assert_eq!(small, wide, "{what} differ between widths 8 and 40");
            assert_eq!(wide, big, "{what} differ between batches {n} and {}", 4 * n);
            // what is left is the tape's list of nodes (5 KiB with the regulariser's 60-odd
            // nodes), op boxes and the like; the second layer's basis values and derivatives
            // for 256 samples alone take 320 KiB in float32
            assert!(small.2 <= 8 * 1024 && small.1 <= 24 * 1024, "{what}: {small:?}");
        }
    }
}

/// LBFGS evaluates the objective a varying number of times a step (at most 25, its
/// `max_eval`), so only the size of its largest allocation is the same at every width and
/// batch: none of its parameter, gradient or trial vectors comes from the allocator.
fn check_lbfgs<T: Real>() {
    for lamb in [0.0, 0.01] {
        for (n, batch) in [(64, 0), (400, 64)] {
            let what = format!("{} LBFGS lamb {lamb}, n {n}, batch {batch}: (calls, bytes, largest)", T::DTYPE);
            // the width-40 model's float32 parameters take 20 KB, its hidden activations for
            // 256 samples 40 KB: either would be the largest allocation; in all, at most 25
            // evaluations and the closing loss, each within an Adam step's bound
            let all = [
                third_step::<T>(8, n, batch, lamb, Opt::Lbfgs),
                third_step::<T>(40, n, batch, lamb, Opt::Lbfgs),
                third_step::<T>(40, 4 * n, 4 * batch, lamb, Opt::Lbfgs),
            ];
            for c in all {
                assert_eq!(c.2, all[0].2, "{what}: the largest allocation differs: {all:?}");
                assert!(c.2 <= 8 * 1024 && c.1 <= 26 * 24 * 1024, "{what}: {c:?}");
            }
        }
    }
}

#[test]
fn an_lbfgs_step_takes_its_buffers_from_the_pool() {
    check_lbfgs::<f32>();
    check_lbfgs::<f64>();
}

#[test]
fn a_training_step_takes_its_buffers_from_the_pool_f32() {
    check::<f32>();
}

#[test]
fn a_training_step_takes_its_buffers_from_the_pool_f64() {
    check::<f64>();
}
