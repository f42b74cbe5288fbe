//! The SIMD128 kernels, built for wasm32 only. Each has a scalar twin of the same name
//! in [`super::scalar`]; the parity checks in [`super::parity`] hold them together, run
//! through the benchmark module's `kw_kernel_parity` (test/node/kernels.test.js).

use core::arch::wasm32::*;

mod backward;
mod forward;
pub use backward::{dx_window_f32, dx_window_f64, ger_group_f32, ger_group_f64, ger_window_f32, ger_window_f64, grad_window_f32, grad_window_f64};
pub use forward::{axpy_windows_f32, axpy_windows_f64};

#[inline]
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc0 = f32x4_splat(0.0);
    let mut acc1 = f32x4_splat(0.0);
    let mut i = 0;
    // SAFETY: every load reads 4 (or 8) elements that lie inside `a[..n]` and `b[..n]`;
    // v128_load has no alignment requirement.
    unsafe {
        while i + 8 <= n {
            let pa = a.as_ptr().add(i) as *const v128;
            let pb = b.as_ptr().add(i) as *const v128;
            acc0 = f32x4_add(acc0, f32x4_mul(v128_load(pa), v128_load(pb)));
            acc1 = f32x4_add(acc1, f32x4_mul(v128_load(pa.add(1)), v128_load(pb.add(1))));
            i += 8;
        }
        if i + 4 <= n {
            let pa = a.as_ptr().add(i) as *const v128;
            let pb = b.as_ptr().add(i) as *const v128;
            acc0 = f32x4_add(acc0, f32x4_mul(v128_load(pa), v128_load(pb)));
            i += 4;
        }
    }
    let acc = f32x4_add(acc0, acc1);
    let mut s = (f32x4_extract_lane::<0>(acc) + f32x4_extract_lane::<1>(acc)) + (f32x4_extract_lane::<2>(acc) + f32x4_extract_lane::<3>(acc));
    while i < n {
        s += a[i] * b[i];
        i += 1;
    }
    s
}

#[inline]
pub fn dot_f64(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc0 = f64x2_splat(0.0);
    let mut acc1 = f64x2_splat(0.0);
    let mut i = 0;
    // SAFETY: loads stay inside `a[..n]` and `b[..n]`.
    unsafe {
        while i + 4 <= n {
            let pa = a.as_ptr().add(i) as *const v128;
            let pb = b.as_ptr().add(i) as *const v128;
            acc0 = f64x2_add(acc0, f64x2_mul(v128_load(pa), v128_load(pb)));
            acc1 = f64x2_add(acc1, f64x2_mul(v128_load(pa.add(1)), v128_load(pb.add(1))));
            i += 4;
        }
        if i + 2 <= n {
            let pa = a.as_ptr().add(i) as *const v128;
            let pb = b.as_ptr().add(i) as *const v128;
            acc0 = f64x2_add(acc0, f64x2_mul(v128_load(pa), v128_load(pb)));
            i += 2;
        }
    }
    let acc = f64x2_add(acc0, acc1);
    let mut s = f64x2_extract_lane::<0>(acc) + f64x2_extract_lane::<1>(acc);
    while i < n {
        s += a[i] * b[i];
        i += 1;
    }
    s
}

#[inline]
pub fn axpy_f32(alpha: f32, x: &[f32], y: &mut [f32]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let va = f32x4_splat(alpha);
    let mut i = 0;
    // SAFETY: loads and stores stay inside `x[..n]` and `y[..n]`.
    unsafe {
        while i + 4 <= n {
            let px = x.as_ptr().add(i) as *const v128;
            let py = y.as_mut_ptr().add(i) as *mut v128;
            v128_store(py, f32x4_add(v128_load(py), f32x4_mul(va, v128_load(px))));
            i += 4;
        }
    }
    while i < n {
        y[i] += alpha * x[i];
        i += 1;
    }
}

#[inline]
pub fn axpy_f64(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let va = f64x2_splat(alpha);
    let mut i = 0;
    // SAFETY: loads and stores stay inside `x[..n]` and `y[..n]`.
    unsafe {
        while i + 2 <= n {
            let px = x.as_ptr().add(i) as *const v128;
            let py = y.as_mut_ptr().add(i) as *mut v128;
            v128_store(py, f64x2_add(v128_load(py), f64x2_mul(va, v128_load(px))));
            i += 2;
        }
    }
    if i < n {
        y[i] += alpha * x[i];
    }
}

macro_rules! cubic {
    ($t:ty, $lanes:expr, $splat:ident, $add:ident, $sub:ident, $mul:ident, $floor:ident, $ge:ident, $le:ident, $tr:ident, $name:ident) => {
        /// [`crate::real::Real::cubic4`]: `$lanes` samples a vector, each step of the
        /// recursion of `bspline::eval_uniform_fixed` (K = 3) as one vector operation,
        /// so each lane computes what the scalar code computes, bit for bit.
        pub fn $name(x: &[$t; 4], t0: $t, inv_h: $t, nt: usize, val: &mut [$t; 16], mut der: Option<&mut [$t; 16]>) -> Option<[usize; 4]> {
            let c = |v: $t| $splat(v);
            let (vt0, vh) = (c(t0), c(inv_h));
            let (lo, hi) = (c(3.0), c(nt.saturating_sub(5) as $t));
            let mut zs = [c(0.0); 4 / $lanes];
            let mut ok = c(0.0);
            for h in 0..4 / $lanes {
                // SAFETY: x holds 4 values, the block `$lanes` of them from h * $lanes.
                let xv = unsafe { v128_load(x.as_ptr().add(h * $lanes) as *const v128) };
                zs[h] = $mul($sub(xv, vt0), vh);
                let f = $floor(zs[h]);
                // the window lies inside the basis: first interval 3 ..= nt - 5 (NaN fails)
                let inside = v128_and($ge(f, lo), $le(f, hi));
                ok = if h == 0 { inside } else { v128_and(ok, inside) };
            }
            if !i32x4_all_true(ok) {
                return None;
            }
            let mut first = [0; 4];
            for h in 0..4 / $lanes {
                let z = zs[h];
                let f = $floor(z);
                let u = $sub(z, f);
                let mut nv = [c(1.0), c(0.0), c(0.0), c(0.0)];
                let mut quot = [c(0.0); 4];
                for j in 1..=3 {
                    let inv_j = c(1.0 / j as $t);
                    let mut saved = c(0.0);
                    for r in 0..j {
                        let q = $mul(nv[r], inv_j);
                        if j == 3 {
                            quot[r] = q;
                        }
                        nv[r] = $add(saved, $mul($sub(c((r + 1) as $t), u), q));
                        saved = $mul($add(u, c((j - r - 1) as $t)), q);
                    }
                    nv[j] = saved;
                }
                // SAFETY: a v128 is `$lanes` values of `$t`, bit for bit.
                let fl: [$t; $lanes] = unsafe { core::mem::transmute(f) };
                for l in 0..$lanes {
                    // the window's first basis: 3 intervals before the sample's
                    first[h * $lanes + l] = fl[l] as usize - 3;
                }
                // SAFETY: val and der hold 16 values, 4 vectors of them from h * 4 * $lanes.
                let put = |out: &mut [$t; 16], v: [v128; 4]| unsafe {
                    for (m, v) in $tr(v).into_iter().enumerate() {
                        v128_store(out.as_mut_ptr().add(h * 4 * $lanes + m * $lanes) as *mut v128, v);
                    }
                };
                put(val, nv);
                if let Some(d) = der.as_deref_mut() {
                    let kf = c(3.0 * inv_h);
                    let z0 = c(0.0);
                    put(d, [$mul(kf, $sub(z0, quot[0])), $mul(kf, $sub(quot[0], quot[1])), $mul(kf, $sub(quot[1], quot[2])), $mul(kf, $sub(quot[2], z0))]);
                }
            }
            Some(first)
        }
    };
}

macro_rules! poly {
    ($t:ty, $lanes:expr, $splat:ident, $add:ident, $mul:ident, $name:ident) => {
        /// [`crate::real::Real::cubic_poly`]: `$lanes` bases a vector, each in the scalar
        /// code's order of operations, so bit for bit the same.
        #[inline(always)]
        pub fn $name(c: &[$t; 28], u: $t, val: &mut [$t; 4], der: &mut [$t; 4]) {
            let u = $splat(u);
            for h in 0..4 / $lanes {
                // SAFETY: every block of `$lanes` read lies in `c` (28 values), every one
                // written in `val` or `der` (4 values).
                unsafe {
                    let at = |k: usize| v128_load(c.as_ptr().add(k + h * $lanes) as *const v128);
                    let v = $add($mul($add($mul($add($mul(at(12), u), at(8)), u), at(4)), u), at(0));
                    let d = $add($mul($add($mul(at(24), u), at(20)), u), at(16));
                    v128_store(val.as_mut_ptr().add(h * $lanes) as *mut v128, v);
                    v128_store(der.as_mut_ptr().add(h * $lanes) as *mut v128, d);
                }
            }
        }
    };
}

poly!(f32, 4, f32x4_splat, f32x4_add, f32x4_mul, cubic_poly_f32);
poly!(f64, 2, f64x2_splat, f64x2_add, f64x2_mul, cubic_poly_f64);

/// The 4 x 4 transpose: vector `m` of the result holds lane `m` of `a`, `b`, `c`, `d`.
#[inline(always)]
fn tr32([a, b, c, d]: [v128; 4]) -> [v128; 4] {
    let (t0, t1) = (i32x4_shuffle::<0, 4, 1, 5>(a, b), i32x4_shuffle::<2, 6, 3, 7>(a, b));
    let (t2, t3) = (i32x4_shuffle::<0, 4, 1, 5>(c, d), i32x4_shuffle::<2, 6, 3, 7>(c, d));
    [i32x4_shuffle::<0, 1, 4, 5>(t0, t2), i32x4_shuffle::<2, 3, 6, 7>(t0, t2), i32x4_shuffle::<0, 1, 4, 5>(t1, t3), i32x4_shuffle::<2, 3, 6, 7>(t1, t3)]
}
/// Two lanes of four vectors, lane by lane: lane 0 of `a`, `b`; of `c`, `d`; then lane 1.
#[inline(always)]
fn tr64([a, b, c, d]: [v128; 4]) -> [v128; 4] {
    [i64x2_shuffle::<0, 2>(a, b), i64x2_shuffle::<0, 2>(c, d), i64x2_shuffle::<1, 3>(a, b), i64x2_shuffle::<1, 3>(c, d)]
}

cubic!(f32, 4, f32x4_splat, f32x4_add, f32x4_sub, f32x4_mul, f32x4_floor, f32x4_ge, f32x4_le, tr32, cubic4_f32);
cubic!(f64, 2, f64x2_splat, f64x2_add, f64x2_sub, f64x2_mul, f64x2_floor, f64x2_ge, f64x2_le, tr64, cubic4_f64);

#[inline(always)]
fn ext32(v: v128, l: usize) -> f32 {
    match l {
        0 => f32x4_extract_lane::<0>(v),
        1 => f32x4_extract_lane::<1>(v),
        2 => f32x4_extract_lane::<2>(v),
        _ => f32x4_extract_lane::<3>(v),
    }
}
#[inline(always)]
fn ext64(v: v128, l: usize) -> f64 {
    if l == 0 {
        f64x2_extract_lane::<0>(v)
    } else {
        f64x2_extract_lane::<1>(v)
    }
}

/// A peak-throughput probe: `iters` rounds of multiply-add on 12 independent f32x4
/// accumulators (96 flops a round). Returns a value that depends on every round so the
/// loop cannot be removed. Benchmarks divide 96 * iters by the time taken.
///
/// Twelve chains, because a multiply-add chain has the latency of a multiply plus an add:
/// with 8 chains the loop waits on latency and reads about 30% below what the vector units
/// do; 12 keep them busy and still fit V8's 15 vector registers on x64 (14 spill).
#[inline(never)]
pub fn peak_probe_f32(iters: u32) -> f32 {
    // opaque factors: a constant folded into the loop is rebuilt at every use by some
    // engines' code generators, which then measure their constant handling, not the units
    let a = f32x4_splat(core::hint::black_box(0.999_999));
    let b = f32x4_splat(core::hint::black_box(1e-7));
    let mut acc = [f32x4_splat(1.0); 12];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = f32x4_add(f32x4_mul(*v, a), b);
        }
    }
    let mut s = f32x4_splat(0.0);
    for v in acc {
        s = f32x4_add(s, v);
    }
    f32x4_extract_lane::<0>(s)
}
