//! Cubic B-spline windows on uneven knots (the knots a grid update leaves) as polynomials
//! per knot interval: on `[t_i, t_{i+1})` each of the 4 non-zero bases is a cubic in
//! `u = x - t_i`, so a window costs a table look-up and 4 Horner evaluations instead of the
//! Cox-de Boor scheme's 6 divisions and a span search. The table is made once per input
//! and basis pass, by running that scheme on polynomials instead of numbers.
//!
//! ```
//! use kanwasm_core::bspline::{eval_with_deriv, uniform_knots};
//! use kanwasm_core::cubic::CubicSpans;
//! let mut t: Vec<f64> = uniform_knots(4, 3, -1.0, 1.0);
//! t[5] = 0.1; // uneven
//! let spans = CubicSpans::new(&t);
//! let (mut v, mut d, mut v2, mut d2) = ([0.0; 4], [0.0; 4], [0.0; 4], [0.0; 4]);
//! assert_eq!(spans.eval(0.3, &mut v, &mut d), eval_with_deriv(&t, 3, 0.3, &mut v2, &mut d2));
//! assert!(v.iter().zip(&v2).all(|(a, b)| (a - b).abs() < 1e-14));
//! ```

use crate::real::Real;

/// Coefficients per interval: 4 bases x (4 value + 3 derivative coefficients).
const PER: usize = 28;

/// Knots up to which an interval is found by counting (grids up to 10 intervals, k = 3).
const FEW: usize = 17;

/// The per-interval polynomials of the cubic bases on the knots `t`, and a bucket table
/// that finds an interval without a search.
#[derive(Debug, Default)]
pub struct CubicSpans<T> {
    t: Vec<T>,
    /// `coef[PER * i..]`: value coefficients `a[m][r]` (power `m`, basis `r`) at `4m + r`,
    /// then derivative coefficients `m * a[m][r]` at `16 + 4(m-1) + r`.
    coef: Vec<T>,
    /// The interval of each bucket's lower end; buckets are `1 / scale` wide from `t[0]`.
    first: Vec<usize>,
    scale: T,
}

impl<T: Real> CubicSpans<T> {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(t: &[T]) -> Self {
        let mut s = CubicSpans { t: Vec::new(), coef: Vec::new(), first: Vec::new(), scale: T::ZERO };
        s.build(t);
        s
    }

    /// Rebuilds the table for the knots `t` (at least 2), reusing its buffers.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn build(&mut self, t: &[T]) {
        let n = t.len();
        self.t.clear();
        self.t.extend_from_slice(t);
        self.coef.clear();
        self.coef.resize(PER * (n - 1), T::ZERO);
        // the knot beyond either end, as `bspline::pad_knots` places it: only bases that do
        // not exist depend on it
        let h0 = (t[1] - t[0]).max(T::ONE);
        let h1 = (t[n - 1] - t[n - 2]).max(T::ONE);
        let knot = |j: isize| match j {
            j if j < 0 => t[0] + h0 * T::from_f64(j as f64),
            j if j as usize >= n => t[n - 1] + h1 * T::from_usize(j as usize + 1 - n),
            j => t[j as usize],
        };
        for i in 0..n - 1 {
            if !(t[i + 1] > t[i]) {
                continue;
            }
            let ti = t[i];
            // Cox-de Boor on cubics in u: left_j = u + (t_i - t_{i+1-j}), right_j = (t_{i+j} - t_i) - u
            let mut nv = [[T::ZERO; 4]; 4];
            nv[0][0] = T::ONE;
            for j in 1..=3 {
                let mut saved = [T::ZERO; 4];
                for r in 0..j {
                    let lo = knot(i as isize + 1 + r as isize - j as isize);
                    let hi = knot((i + r + 1) as isize);
                    let den = hi - lo;
                    let inv = if den == T::ZERO { T::ZERO } else { T::ONE / den };
                    let q = nv[r].map(|c| c * inv);
                    // nv[r] = saved + (hi - t_i - u) q; saved = (u + t_i - lo') q with lo' of the next r
                    let (rc, lc) = (hi - ti, ti - knot(i as isize + 1 - (j - r) as isize));
                    let mut next = saved;
                    for m in 0..4 {
                        next[m] += rc * q[m] - if m > 0 { q[m - 1] } else { T::ZERO };
                        saved[m] = lc * q[m] + if m > 0 { q[m - 1] } else { T::ZERO };
                    }
                    nv[r] = next;
                }
                nv[j] = saved;
            }
            let c = &mut self.coef[PER * i..PER * (i + 1)];
            for r in 0..4 {
                for m in 0..4 {
                    c[4 * m + r] = nv[r][m];
                }
                for m in 1..4 {
                    c[16 + 4 * (m - 1) + r] = T::from_usize(m) * nv[r][m];
                }
            }
        }
        // two buckets per interval on average
        let nbk = 2 * (n - 1);
        self.scale = T::from_usize(nbk) / (t[n - 1] - t[0]);
        self.first.clear();
        let mut i = 0;
        for b in 0..nbk {
            let lo = t[0] + T::from_usize(b) / self.scale;
            while i + 2 < n && t[i + 1] <= lo {
                i += 1;
            }
            self.first.push(i);
        }
    }

    /// The window at `x` as `bspline::eval_with_deriv` gives it for `k = 3`: values to
    /// `val[..4]`, derivatives to `der[..4]`, and the first basis (`None` outside the knots).
    #[inline(always)]
    pub fn eval(&self, x: T, val: &mut [T], der: &mut [T]) -> Option<isize> {
        let t = &self.t;
        let n = t.len();
        if !(x >= t[0]) || !(x < t[n - 1]) {
            return None;
        }
        let i = if n <= FEW {
            // the last knot at or below x, counted without branches: a search's branches on
            // samples in no order cost more than these few comparisons
            t[1..n - 1].iter().map(|&k| (x >= k) as usize).sum()
        } else {
            let b = ((x - t[0]) * self.scale).to_f64() as usize;
            let mut i = self.first[b.min(self.first.len() - 1)];
            // rounding of the bucket may leave x a little outside the bucket's first interval
            while i > 0 && x < t[i] {
                i -= 1;
            }
            while x >= t[i + 1] {
                i += 1;
            }
            i
        };
        let u = x - t[i];
        let c: &[T; PER] = self.coef[PER * i..PER * (i + 1)].try_into().unwrap();
        // fixed-size views: one length check each, and the kernel's SIMD loads on wasm32
        let (val, der): (&mut [T; 4], &mut [T; 4]) = ((&mut val[..4]).try_into().unwrap(), (&mut der[..4]).try_into().unwrap());
        T::cubic_poly(c, u, val, der);
        Some(i as isize - 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bspline::{eval_with_deriv, uniform_knots};

    #[test]
    fn matches_cox_de_boor_on_uneven_knots() {
        // uneven, with a repeated knot and a wide end interval
        let mut t: Vec<f64> = uniform_knots(6, 3, -1.0, 1.0);
        t[5] = -0.2;
        t[6] = -0.2;
        t[8] = 0.55;
        t[12] = 3.0;
        let s = CubicSpans::new(&t);
        let (mut v, mut d, mut v2, mut d2) = ([0.0; 4], [0.0; 4], [0.0; 4], [0.0; 4]);
        for q in 0..=4000 {
            let x = -2.5 + 6.0 * q as f64 / 4000.0;
            let a = s.eval(x, &mut v, &mut d);
            let b = eval_with_deriv(&t, 3, x, &mut v2, &mut d2);
            assert_eq!(a, b, "x = {x}");
            if let Some(st) = a {
                // bases that do not exist (before 0, from t.len() - 4 on) are never read
                for r in (0..4).filter(|&r| (0..t.len() as isize - 4).contains(&(st + r as isize))) {
                    assert!((v[r] - v2[r]).abs() < 1e-13, "x = {x}: {v:?} {v2:?}");
                    assert!((d[r] - d2[r]).abs() < 1e-11 * (1.0 + d2[r].abs()), "x = {x}: {d:?} {d2:?}");
                }
            }
        }
    }

    #[test]
    fn interval_of_every_knot() {
        let t: Vec<f32> = vec![-1.0, -0.9, -0.899, -0.5, 0.0, 0.0, 0.3, 0.31, 1.0];
        let s = CubicSpans::new(&t);
        let (mut v, mut d) = ([0.0; 4], [0.0; 4]);
        for (j, &x) in t.iter().enumerate().take(t.len() - 1) {
            if t[j + 1] > x {
                assert_eq!(s.eval(x, &mut v, &mut d), Some(j as isize - 3));
            }
        }
        assert_eq!(s.eval(1.0, &mut v, &mut d), None);
        assert_eq!(s.eval(f32::NAN, &mut v, &mut d), None);
    }
}

#[cfg(test)]
mod perf {
    use super::*;
    use crate::bspline::*;
    #[test]
    #[ignore]
    fn spans_cost() {
        let mut t: Vec<f64> = uniform_knots(3, 3, -1.0, 1.0);
        t[4] += 0.01;
        let mut tp = Vec::new();
        pad_knots(&t, 3, &mut tp);
        let (mut v, mut d) = ([0.0f64; 4], [0.0f64; 4]);
        let n = 4_000_000;
        let xs: Vec<f64> = (0..n).map(|s| -1.0 + 2.0 * ((s * 7919) % n) as f64 / n as f64).collect();
        let t0 = std::time::Instant::now();
        let mut acc = 0.0;
        for &x in &xs {
            if let Some(st) = eval_padded(&t, &tp, 3, x, &mut v, &mut d) {
                acc += v[0] + d[1] + st as f64;
            }
        }
        eprintln!("eval_padded {:?} per call ({acc})", t0.elapsed() / n as u32);
        let s = CubicSpans::new(&t);
        let t0 = std::time::Instant::now();
        for &x in &xs {
            if let Some(st) = s.eval(x, &mut v, &mut d) {
                acc += v[0] + d[1] + st as f64;
            }
        }
        eprintln!("spans {:?} per call ({acc})", t0.elapsed() / n as u32);
        let t: Vec<f64> = uniform_knots(3, 3, -1.0, 1.0);
        let h = uniform_step(&t).unwrap();
        let t0 = std::time::Instant::now();
        for &x in &xs {
            if let Some(st) = eval_uniform(t[0], 1.0 / h, t.len(), 3, x, &mut v, Some(&mut d)) {
                acc += v[0] + d[1] + st as f64;
            }
        }
        eprintln!("uniform {:?} per call ({acc})", t0.elapsed() / n as u32);
    }
}
