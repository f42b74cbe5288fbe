//! The scalar kernels: the native path, and the reference the SIMD kernels of
//! [`super::wasm`] are held to. Every kernel there has a twin here of the same name
//! (`dot_f32`, `cubic4_f64`, ...), written as the plain loop whose arithmetic the SIMD
//! version reorders at most by summing in lanes.

use crate::bspline;
use crate::real::Real;

macro_rules! kernels {
    ($t:ty, $dot:ident, $axpy:ident) => {
        /// `sum_i a[i] * b[i]` over `min(a.len(), b.len())` elements.
        #[inline]
        pub fn $dot(a: &[$t], b: &[$t]) -> $t {
            let n = a.len().min(b.len());
            let mut s: $t = 0.0;
            for i in 0..n {
                s += a[i] * b[i];
            }
            s
        }
        /// `y[i] += alpha * x[i]` over `min(x.len(), y.len())` elements.
        #[inline]
        pub fn $axpy(alpha: $t, x: &[$t], y: &mut [$t]) {
            let n = x.len().min(y.len());
            let (x, y) = (&x[..n], &mut y[..n]);
            for i in 0..n {
                y[i] += alpha * x[i];
            }
        }
    };
}
kernels!(f32, dot_f32, axpy_f32);
kernels!(f64, dot_f64, axpy_f64);

/// [`Real::cubic4`], sample by sample: each sample through the scalar Cox-de Boor recursion
/// of [`bspline::eval_uniform_fixed`], which the SIMD kernel follows lane by lane.
pub fn cubic4<T: Real>(x: &[T; 4], t0: T, inv_h: T, nt: usize, val: &mut [T; 16], mut der: Option<&mut [T; 16]>) -> Option<[usize; 4]> {
    let mut first = [0; 4];
    for s in 0..4 {
        let d = der.as_deref_mut().map(|d| &mut d[4 * s..4 * s + 4]);
        let st = bspline::eval_uniform_fixed::<T, 3, 4>(t0, inv_h, nt, x[s], &mut val[4 * s..4 * s + 4], d)?;
        first[s] = usize::try_from(st).ok().filter(|&st| st + 8 <= nt)?;
    }
    Some(first)
}

pub fn dx_window<T: Real>(g: &[T], db: T, wb: &[T], d: &[T; 4], w: &[T]) -> T {
    let no = g.len();
    let mut dx = T::ZERO;
    for (o, &go) in g.iter().enumerate() {
        let mut t = db * wb[o];
        for (r, &dr) in d.iter().enumerate() {
            t += dr * w[r * no + o];
        }
        dx += t * go;
    }
    dx
}

pub fn axpy_windows<T: Real>(b: &[T], val: &[T], row: &[usize], n: usize, gap: usize, m: usize, w1: usize, wb: &[T], w: &[T], no: usize, y: &mut [T]) {
    for (s, ys) in y.chunks_exact_mut(no).take(n).enumerate() {
        for (o, yo) in ys.iter_mut().enumerate() {
            let mut acc = *yo;
            for j in 0..m {
                let q = j * gap + s;
                acc += b[q] * wb[j * no + o];
                for r in 0..w1 {
                    acc += val[w1 * q + r] * w[row[q] + r * no + o];
                }
            }
            *yo = acc;
        }
    }
}

pub fn ger_window<T: Real>(g: &[T], mut base: Option<(T, &mut [T])>, v: &[T], gw: &mut [T]) {
    let no = g.len();
    for (o, &go) in g.iter().enumerate() {
        if let Some((b, gwb)) = base.as_mut() {
            gwb[o] += *b * go;
        }
        for (r, a) in v.iter().enumerate() {
            gw[r * no + o] += *a * go;
        }
    }
}

pub fn ger_group<T: Real>(alpha: &[T], goff: &[u32], g: &[T], gwb: &mut [T], gw: &mut [T]) {
    let no = gwb.len();
    for o in 0..no {
        let mut acc = [gwb[o], gw[o], gw[no + o], gw[2 * no + o], gw[3 * no + o]];
        for (a, &go) in alpha.chunks_exact(5).zip(goff) {
            let gv = g[go as usize + o];
            for r in 0..5 {
                acc[r] += a[r] * gv;
            }
        }
        gwb[o] = acc[0];
        for r in 0..4 {
            gw[r * no + o] = acc[r + 1];
        }
    }
}

#[allow(clippy::type_complexity)]
pub fn grad_window<T: Real>(g: &[T], mut base: Option<(T, T, &[T], &mut [T])>, v: &[T], d: &[T], w: &[T], gw: &mut [T]) -> T {
    let no = g.len();
    let mut dx = T::ZERO;
    for (o, &go) in g.iter().enumerate() {
        let mut wsum = T::ZERO;
        if let Some((b, db, wb, gwb)) = base.as_mut() {
            gwb[o] += *b * go;
            wsum += *db * wb[o];
        }
        for r in 0..v.len().min(d.len()) {
            gw[r * no + o] += v[r] * go;
            wsum += d[r] * w[r * no + o];
        }
        dx += wsum * go;
    }
    dx
}

/// [`Real::cubic_poly`], basis by basis.
pub fn cubic_poly<T: Real>(c: &[T; 28], u: T, val: &mut [T; 4], der: &mut [T; 4]) {
    for r in 0..4 {
        val[r] = ((c[12 + r] * u + c[8 + r]) * u + c[4 + r]) * u + c[r];
        der[r] = (c[24 + r] * u + c[20 + r]) * u + c[16 + r];
    }
}

/// The f32 and f64 names of the generic kernels, the names the SIMD kernels carry.
macro_rules! twins {
    ($t:ty, $cubic4:ident, $dx_window:ident, $axpy_windows:ident, $ger_window:ident, $ger_group:ident, $grad_window:ident, $cubic_poly:ident) => {
        #[inline]
        pub fn $cubic_poly(c: &[$t; 28], u: $t, val: &mut [$t; 4], der: &mut [$t; 4]) {
            cubic_poly(c, u, val, der)
        }
        #[inline]
        pub fn $cubic4(x: &[$t; 4], t0: $t, inv_h: $t, nt: usize, val: &mut [$t; 16], der: Option<&mut [$t; 16]>) -> Option<[usize; 4]> {
            cubic4(x, t0, inv_h, nt, val, der)
        }
        #[inline]
        pub fn $dx_window(g: &[$t], db: $t, wb: &[$t], d: &[$t; 4], w: &[$t]) -> $t {
            dx_window(g, db, wb, d, w)
        }
        #[inline]
        pub fn $axpy_windows(b: &[$t], val: &[$t], row: &[usize], n: usize, gap: usize, m: usize, w1: usize, wb: &[$t], w: &[$t], no: usize, y: &mut [$t]) {
            axpy_windows(b, val, row, n, gap, m, w1, wb, w, no, y)
        }
        #[inline]
        pub fn $ger_window(g: &[$t], base: Option<($t, &mut [$t])>, v: &[$t], gw: &mut [$t]) {
            ger_window(g, base, v, gw)
        }
        #[inline]
        pub fn $ger_group(alpha: &[$t], goff: &[u32], g: &[$t], gwb: &mut [$t], gw: &mut [$t]) {
            ger_group(alpha, goff, g, gwb, gw)
        }
        #[inline]
        #[allow(clippy::type_complexity)]
        pub fn $grad_window(g: &[$t], base: Option<($t, $t, &[$t], &mut [$t])>, v: &[$t], d: &[$t], w: &[$t], gw: &mut [$t]) -> $t {
            grad_window(g, base, v, d, w, gw)
        }
    };
}
twins!(f32, cubic4_f32, dx_window_f32, axpy_windows_f32, ger_window_f32, ger_group_f32, grad_window_f32, cubic_poly_f32);
twins!(f64, cubic4_f64, dx_window_f64, axpy_windows_f64, ger_window_f64, ger_group_f64, grad_window_f64, cubic_poly_f64);

/// The scalar twin of the probe (one lane, same arithmetic).
pub fn peak_probe_f32(iters: u32) -> f32 {
    let mut acc = [1.0f32; 48];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = *v * 0.999_999 + 1e-7;
        }
    }
    acc.iter().sum::<f32>() / 4.0
}
