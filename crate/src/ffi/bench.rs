//! Exports for benchmarks and tests only, built with the cargo feature `bench` into a module
//! of their own (scripts/build-wasm.sh): the SIMD peak probe and the forward-kernel timer
//! (bench/run.mjs), the sparse basis (bench/basis.mjs), and the kernels' parity checks
//! (test/node/kernels.test.js).

use super::model::{dispatch, tensor, with_model, AnyModel};
use super::{slice, slice_mut, status};
use crate::bspline;
use crate::error::{Failure, Res};
use crate::kernels::parity::CHECKS;
use crate::real::Real;

/// The forward spline kernel alone, `reps` times over every layer on `x (n, in)` (see
/// `Model::kernel_forward`); writes the checksum to `out[0]`. For benchmarks.
#[no_mangle]
pub extern "C" fn kw_model_kernel_forward(h: u32, x: *const f64, n: usize, reps: u32, out: *mut f64) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let xt = tensor(x, n, m.n_in())?;
            let s = m.kernel_forward(&xt, reps as usize);
            slice_mut(out, 1)?[0] = s.to_f64();
            Ok(())
        })
    }))
}

/// Peak multiply-add probe for benchmarks: 96 flops per iteration (12 f32x4 chains).
#[no_mangle]
pub extern "C" fn kw_simd_peak_f32(iters: u32) -> f32 {
    crate::kernels::peak_probe_f32(iters)
}

/// Sparse basis: for each `x`, the `k+1` possibly non-zero values (`vals (n, k+1)`) and the
/// index of the first (`starts (n)`, i32::MIN outside the knot span). The cost per point does
/// not depend on the number of knots.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn basis_sparse<T: Real>(x: *const T, n: usize, t: *const T, nt: usize, k: u32, starts: *mut i32, vals: *mut T) -> Res<()> {
    let t = slice(t, nt)?;
    bspline::check_knots(t, k as usize)?;
    let k = k as usize;
    let x = slice(x, n)?;
    let st = slice_mut(starts, n)?;
    let v = slice_mut(vals, n * (k + 1))?;
    let mut tp = Vec::new();
    bspline::pad_knots(t, k, &mut tp);
    let mut der = vec![T::ZERO; k + 1];
    for (s, &xv) in x.iter().enumerate() {
        let w = &mut v[s * (k + 1)..(s + 1) * (k + 1)];
        match bspline::eval_padded(t, &tp, k, xv, w, &mut der) {
            Some(a) => st[s] = a as i32,
            None => {
                st[s] = i32::MIN;
                w.iter_mut().for_each(|e| *e = T::ZERO);
            }
        }
    }
    Ok(())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_bspline_sparse_f64(x: *const f64, n: usize, t: *const f64, nt: usize, k: u32, starts: *mut i32, vals: *mut f64) -> i32 {
    status(basis_sparse(x, n, t, nt, k, starts, vals))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_bspline_sparse_f32(x: *const f32, n: usize, t: *const f32, nt: usize, k: u32, starts: *mut i32, vals: *mut f32) -> i32 {
    status(basis_sparse(x, n, t, nt, k, starts, vals))
}

/// The number of kernels `kw_kernel_parity` checks.
#[no_mangle]
pub extern "C" fn kw_kernel_parity_count() -> u32 {
    CHECKS.len() as u32
}

/// Checks kernel `i` (SIMD in this module) against its scalar twin; the message of a
/// failure names the kernel and the first disagreement.
#[no_mangle]
pub extern "C" fn kw_kernel_parity(i: u32) -> i32 {
    status(match CHECKS.get(i as usize) {
        Some((name, check)) => check().map_err(|e| Failure::invalid(format!("{name}: {e}"))),
        None => Err(Failure::invalid(format!("kernel {i}: there are {} kernels", CHECKS.len()))),
    })
}
