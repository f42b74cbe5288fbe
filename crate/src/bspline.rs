//! B-spline bases in pykan's knot convention, evaluated sparsely.
//!
//! A uniform grid of `G` intervals on `[a, b]` is extended by `k` knots on each side:
//! `t_j = a + h*j`, `j = -k ..= G+k`, `h = (b-a)/G`, so there are `G+2k+1` knots and
//! `coeff = G + k` basis functions of order `k`. At any `x` at most `k+1` of them are
//! non-zero; [`eval`] finds the knot interval and computes only those (Cox-de Boor on a
//! window, `O(k^2)` work whatever `G` is). Outside `[t_0, t_last)` every basis is 0.
//!
//! ```
//! use kanwasm_core::bspline::{uniform_knots, eval};
//! let t: Vec<f64> = uniform_knots(5, 3, -1.0, 1.0);
//! let mut w = [0.0; 4];
//! let start = eval(&t, 3, 0.1, 0, &mut w).unwrap();
//! assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14); // partition of unity inside [a, b]
//! assert_eq!(start, 2); // x lies in [t_5, t_6): bases 2..=5 are non-zero
//! ```

use crate::real::Real;

/// The largest supported order; windows live on the stack.
pub const MAX_K: usize = 24;
/// The length of a window buffer: `k + 1` values for any supported order.
pub const WIN: usize = MAX_K + 1;

/// Knots of a uniform grid. Shapes: returns `G + 2k + 1` knots.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn uniform_knots<T: Real>(g: usize, k: usize, a: f64, b: f64) -> Vec<T> {
    let h = (b - a) / g as f64;
    (0..g + 2 * k + 1).map(|j| T::from_f64(a + h * (j as f64 - k as f64))).collect()
}

/// Number of basis functions of order `k` on `n_knots` knots.
#[inline]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn n_basis(n_knots: usize, k: usize) -> usize {
    n_knots.saturating_sub(k + 1)
}

/// Index `i` with `t_i <= x < t_{i+1}` (so `t_i < t_{i+1}`), or `None` outside
/// `[t_0, t_last)` or for NaN.
#[inline]
pub fn find_span<T: Real>(t: &[T], x: T) -> Option<usize> {
    let n = t.len();
    if n < 2 || !(x >= t[0]) || !(x < t[n - 1]) {
        return None;
    }
    // Guess from the mean spacing (exact for uniform grids), then walk; fall back to
    // bisection when the grid is far from uniform.
    let span = t[n - 1] - t[0];
    let mut i = ((x - t[0]) / span * T::from_usize(n - 1)).to_f64() as usize;
    if i > n - 2 {
        i = n - 2;
    }
    for _ in 0..4 {
        if x < t[i] {
            i -= 1;
        } else if x >= t[i + 1] {
            i += 1;
        } else {
            return Some(i);
        }
    }
    let (mut lo, mut hi) = (0usize, n - 1); // t[lo] <= x < t[hi]
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if x >= t[mid] {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

#[inline(always)]
fn ratio<T: Real>(num: T, den: T) -> T {
    if den == T::ZERO {
        T::ZERO
    } else {
        num / den
    }
}

/// One Cox-de Boor level on the window: from order `p-1` (entries `j = i-p+1 ..= i`)
/// to order `p` (entries `j = i-p ..= i`). `deriv` applies the derivative recursion
/// `B'_{j,p} = p/(t_{j+p}-t_j) B_{j,p-1} - p/(t_{j+p+1}-t_{j+1}) B_{j+1,p-1}`.
#[inline(always)]
pub(crate) fn level<T: Real>(t: &[T], i: usize, p: usize, x: T, deriv: bool, old: &[T; WIN], new: &mut [T; WIN]) {
    let n = t.len();
    let pf = T::from_usize(p);
    for m in 0..=p {
        let j = i as isize - p as isize + m as isize;
        if j < 0 || j as usize + p + 1 > n - 1 {
            new[m] = T::ZERO;
            continue;
        }
        let j = j as usize;
        let left = if m >= 1 { old[m - 1] } else { T::ZERO };
        let right = if m < p { old[m] } else { T::ZERO };
        let d1 = t[j + p] - t[j];
        let d2 = t[j + p + 1] - t[j + 1];
        new[m] = if deriv { ratio(pf, d1) * left - ratio(pf, d2) * right } else { ratio(x - t[j], d1) * left + ratio(t[j + p + 1] - x, d2) * right };
    }
}

/// The `k+1` possibly non-zero basis values (or their `deriv`-th derivative) at `x`.
///
/// Writes `out[m]` for basis `start + m`, `m = 0..=k`, and returns `start` (which may be
/// negative near the left end; such entries are 0, as are entries past the last basis).
/// Returns `None` when `x` is outside the knot span (every basis is 0 there).
pub fn eval<T: Real>(t: &[T], k: usize, x: T, deriv: usize, out: &mut [T]) -> Option<isize> {
    debug_assert!(k <= MAX_K && out.len() > k);
    let i = find_span(t, x)?;
    let mut a = [T::ZERO; WIN];
    let mut b = [T::ZERO; WIN];
    a[0] = T::ONE;
    if deriv > k {
        out[..=k].iter_mut().for_each(|v| *v = T::ZERO);
        return Some(i as isize - k as isize);
    }
    for p in 1..=k {
        level(t, i, p, x, p + deriv > k, &a, &mut b);
        core::mem::swap(&mut a, &mut b);
    }
    out[..=k].copy_from_slice(&a[..=k]);
    Some(i as isize - k as isize)
}

/// Values and first derivatives together (one shared pass up to order `k-1`).
pub fn eval_with_deriv<T: Real>(t: &[T], k: usize, x: T, val: &mut [T], der: &mut [T]) -> Option<isize> {
    let i = find_span(t, x)?;
    let mut a = [T::ZERO; WIN];
    let mut b = [T::ZERO; WIN];
    a[0] = T::ONE;
    if k == 0 {
        val[0] = T::ONE;
        der[0] = T::ZERO;
        return Some(i as isize);
    }
    for p in 1..k {
        level(t, i, p, x, false, &a, &mut b);
        core::mem::swap(&mut a, &mut b);
    }
    level(t, i, k, x, false, &a, &mut b);
    val[..=k].copy_from_slice(&b[..=k]);
    level(t, i, k, x, true, &a, &mut b);
    der[..=k].copy_from_slice(&b[..=k]);
    Some(i as isize - k as isize)
}

/// Dense basis matrix. Shapes: `xs (n)`, `out (n, coeff)` row-major with
/// `coeff = t.len() - k - 1`.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn basis_dense<T: Real>(t: &[T], k: usize, xs: &[T], deriv: usize, out: &mut [T]) {
    let nb = n_basis(t.len(), k);
    let mut w = [T::ZERO; WIN];
    for (s, &x) in xs.iter().enumerate() {
        let row = &mut out[s * nb..(s + 1) * nb];
        row.iter_mut().for_each(|v| *v = T::ZERO);
        if let Some(start) = eval(t, k, x, deriv, &mut w) {
            scatter(start, &w[..=k], row);
        }
    }
}

/// Adds a window returned by [`eval`] into a dense row, skipping entries that do not exist.
#[inline]
pub fn scatter<T: Real>(start: isize, w: &[T], row: &mut [T]) {
    for (m, &v) in w.iter().enumerate() {
        let j = start + m as isize;
        if j >= 0 && (j as usize) < row.len() {
            row[j as usize] += v;
        }
    }
}

/// The knots padded with `k` extra knots on each side (continuing the end spacings), so
/// that [`eval_padded`] never indexes outside. The padding only feeds basis functions that
/// do not exist; the values of the real ones depend on real knots alone. Out of line for
/// the reason [`eval_padded`] is.
#[inline(never)]
pub fn pad_knots<T: Real>(t: &[T], k: usize, out: &mut Vec<T>) {
    let n = t.len();
    out.clear();
    let h0 = (t[1] - t[0]).max(T::ONE);
    let h1 = (t[n - 1] - t[n - 2]).max(T::ONE);
    for m in (1..=k).rev() {
        out.push(t[0] - h0 * T::from_usize(m));
    }
    out.extend_from_slice(t);
    for m in 1..=k {
        out.push(t[n - 1] + h1 * T::from_usize(m));
    }
}

/// Values and first derivatives of the `k+1` window, the hot path of the KAN layer: the
/// triangular Cox-de Boor scheme (k(k+1)/2 divisions) on knots padded by [`pad_knots`],
/// the derivative taken from the last level's quotients. `t` are the real knots (for the
/// span search), `tp` the padded ones. Returns the window start as [`eval`] does.
///
/// Out of line, as it was while the sparse-basis export (now in the benchmark module only)
/// also called it: the release module's layer basis pass then compiles as it did when it
/// was measured (bench/RESULTS.md), not with this inlined into it (scripts/build-wasm.sh).
#[inline(never)]
pub fn eval_padded<T: Real>(t: &[T], tp: &[T], k: usize, x: T, val: &mut [T], der: &mut [T]) -> Option<isize> {
    // fixed orders get fully unrolled loops
    match k {
        1 => eval_fixed::<T, 1, 2>(t, tp, x, val, der),
        2 => eval_fixed::<T, 2, 3>(t, tp, x, val, der),
        3 => eval_fixed::<T, 3, 4>(t, tp, x, val, der),
        4 => eval_fixed::<T, 4, 5>(t, tp, x, val, der),
        5 => eval_fixed::<T, 5, 6>(t, tp, x, val, der),
        _ => eval_padded_any(t, tp, k, x, val, der),
    }
}

/// The triangular Cox-de Boor scheme on the knot window `tw` (`tw[k]` is the left knot of
/// x's interval): writes the `k+1` values to `nv` and the last level's quotients to `quot`.
/// Inlined with a constant `k`, the loops unroll.
#[inline(always)]
fn triangle<T: Real>(tw: &[T], k: usize, x: T, nv: &mut [T], quot: &mut [T]) {
    let mut left = [T::ZERO; WIN];
    let mut right = [T::ZERO; WIN];
    nv[0] = T::ONE;
    for j in 1..=k {
        left[j] = x - tw[k + 1 - j];
        right[j] = tw[k + j] - x;
        let mut saved = T::ZERO;
        for r in 0..j {
            let den = right[r + 1] + left[j - r];
            let q = if den == T::ZERO { T::ZERO } else { nv[r] / den };
            if j == k {
                quot[r] = q;
            }
            nv[r] = saved + right[r + 1] * q;
            saved = left[j - r] * q;
        }
        nv[j] = saved;
    }
}

/// First derivatives of the window from the last level's quotients:
/// `B'_m = k/h_scale * (quot[m-1] - quot[m])`, with `quot[-1] = quot[k] = 0`.
#[inline(always)]
fn derivatives<T: Real>(k: usize, scale: T, quot: &[T], der: &mut [T]) {
    let kf = T::from_usize(k) * scale;
    for m in 0..=k {
        let prev = if m > 0 { quot[m - 1] } else { T::ZERO };
        let cur = if m < k { quot[m] } else { T::ZERO };
        der[m] = kf * (prev - cur);
    }
}

#[inline(always)]
fn eval_fixed<T: Real, const K: usize, const W: usize>(t: &[T], tp: &[T], x: T, val: &mut [T], der: &mut [T]) -> Option<isize> {
    let i = find_span(t, x)?;
    let mut nv = [T::ZERO; W];
    let mut quot = [T::ZERO; W];
    triangle(&tp[i..i + 2 * K + 1], K, x, &mut nv, &mut quot);
    derivatives(K, T::ONE, &quot, der);
    val[..W].copy_from_slice(&nv);
    Some(i as isize - K as isize)
}

fn eval_padded_any<T: Real>(t: &[T], tp: &[T], k: usize, x: T, val: &mut [T], der: &mut [T]) -> Option<isize> {
    let i = find_span(t, x)?;
    if k == 0 {
        val[0] = T::ONE;
        der[0] = T::ZERO;
        return Some(i as isize);
    }
    let mut nv = [T::ZERO; WIN];
    let mut quot = [T::ZERO; WIN];
    triangle(&tp[i..i + 2 * k + 1], k, x, &mut nv, &mut quot);
    derivatives(k, T::ONE, &quot, der);
    val[..=k].copy_from_slice(&nv[..=k]);
    Some(i as isize - k as isize)
}

/// The common spacing of `t` when its knots are uniform (within a relative 1e-5, which
/// covers rounding of `a + h*j`), else `None`.
pub fn uniform_step<T: Real>(t: &[T]) -> Option<T> {
    let n = t.len();
    if n < 2 {
        return None;
    }
    let h = (t[n - 1] - t[0]) / T::from_usize(n - 1);
    if !(h > T::ZERO) {
        return None;
    }
    let tol = h * T::from_f64(1e-5);
    t.windows(2).all(|w| (w[1] - w[0] - h).abs() <= tol).then_some(h)
}

/// [`eval_padded`] for uniform knots `t_j = t0 + h*j` (`n` knots), without divisions or a
/// search: in units of `h` the Cox-de Boor denominators are the constants `1..=k`, so the
/// window depends on the position `u` inside the interval alone. `der` is filled when given.
#[inline]
pub fn eval_uniform<T: Real>(t0: T, inv_h: T, n: usize, k: usize, x: T, val: &mut [T], der: Option<&mut [T]>) -> Option<isize> {
    match k {
        1 => eval_uniform_fixed::<T, 1, 2>(t0, inv_h, n, x, val, der),
        2 => eval_uniform_fixed::<T, 2, 3>(t0, inv_h, n, x, val, der),
        3 => eval_uniform_fixed::<T, 3, 4>(t0, inv_h, n, x, val, der),
        4 => eval_uniform_fixed::<T, 4, 5>(t0, inv_h, n, x, val, der),
        5 => eval_uniform_fixed::<T, 5, 6>(t0, inv_h, n, x, val, der),
        _ => None,
    }
}

/// [`eval_uniform`] for the order `K` (`W = K + 1`), for callers that know it in advance.
#[inline(always)]
pub fn eval_uniform_fixed<T: Real, const K: usize, const W: usize>(t0: T, inv_h: T, n: usize, x: T, val: &mut [T], der: Option<&mut [T]>) -> Option<isize> {
    let z = (x - t0) * inv_h;
    if !(z >= T::ZERO) || !(z < T::from_usize(n - 1)) {
        return None;
    }
    let fi = z.floor();
    let i = (fi.to_f64() as usize).min(n - 2);
    let u = z - T::from_usize(i);
    let mut nv = [T::ZERO; W];
    let mut quot = [T::ZERO; W];
    nv[0] = T::ONE;
    for j in 1..=K {
        let inv_j = T::ONE / T::from_usize(j); // a constant once unrolled
        let mut saved = T::ZERO;
        for r in 0..j {
            // left[j - r] = u + (j - r) - 1, right[r + 1] = r + 1 - u
            let q = nv[r] * inv_j;
            if j == K {
                quot[r] = q;
            }
            nv[r] = saved + (T::from_usize(r + 1) - u) * q;
            saved = (u + T::from_usize(j - r - 1)) * q;
        }
        nv[j] = saved;
    }
    if let Some(der) = der {
        derivatives(K, inv_h, &quot, der);
    }
    val[..W].copy_from_slice(&nv);
    Some(i as isize - K as isize)
}

/// Checks a knot vector for the order `k`: finite, non-decreasing, long enough.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn check_knots<T: Real>(t: &[T], k: usize) -> Result<(), String> {
    if k > MAX_K {
        return Err(format!("bspline: order k={k} is above the supported maximum {MAX_K}"));
    }
    if t.len() < k + 2 {
        return Err(format!("bspline: {} knots cannot hold one basis of order k={k}; pass at least {}", t.len(), k + 2));
    }
    if let Some(j) = t.iter().position(|v| !v.is_finite()) {
        return Err(format!("bspline: knot {j} is not finite"));
    }
    if let Some(j) = t.windows(2).position(|w| w[1] < w[0]) {
        return Err(format!("bspline: knots must be non-decreasing, but knot {} < knot {j}", j + 1));
    }
    if t[t.len() - 1] <= t[0] {
        return Err("bspline: the knot span is empty (first knot equals last)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Textbook recursion over the whole basis, as the oracle for the window version.
    fn naive(t: &[f64], i: usize, p: usize, x: f64) -> f64 {
        if p == 0 {
            return if t[i] <= x && x < t[i + 1] { 1.0 } else { 0.0 };
        }
        let r = |n: f64, d: f64| if d == 0.0 { 0.0 } else { n / d };
        r(x - t[i], t[i + p] - t[i]) * naive(t, i, p - 1, x) + r(t[i + p + 1] - x, t[i + p + 1] - t[i + 1]) * naive(t, i + 1, p - 1, x)
    }

    #[test]
    fn window_matches_full_recursion() {
        for &(g, k) in &[(3usize, 0usize), (3, 1), (5, 3), (7, 2), (4, 5)] {
            let t: Vec<f64> = uniform_knots(g, k, -1.3, 0.7);
            let nb = n_basis(t.len(), k);
            let mut out = vec![0.0; nb];
            for s in 0..97 {
                let x = -2.5 + 3.9 * s as f64 / 96.0 + 1e-7;
                basis_dense(&t, k, &[x], 0, &mut out);
                for j in 0..nb {
                    assert!((out[j] - naive(&t, j, k, x)).abs() < 1e-14, "g{g} k{k} x{x} j{j}");
                }
            }
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let t: Vec<f64> = uniform_knots(6, 3, -1.0, 1.0);
        let nb = n_basis(t.len(), 3);
        let (mut v0, mut v1, mut d) = (vec![0.0; nb], vec![0.0; nb], vec![0.0; nb]);
        for s in 0..50 {
            let x = -1.6 + 3.2 * s as f64 / 49.0 + 0.0123;
            let e = 1e-6;
            for deriv in 1..=2 {
                basis_dense(&t, 3, &[x + e], deriv - 1, &mut v1);
                basis_dense(&t, 3, &[x - e], deriv - 1, &mut v0);
                basis_dense(&t, 3, &[x], deriv, &mut d);
                for j in 0..nb {
                    let fd = (v1[j] - v0[j]) / (2.0 * e);
                    assert!((fd - d[j]).abs() < 1e-6 * (1.0 + d[j].abs()), "deriv{deriv} x{x} j{j}: {fd} vs {}", d[j]);
                }
            }
        }
    }

    #[test]
    fn values_and_derivatives_together() {
        let t: Vec<f64> = uniform_knots(9, 4, 0.0, 2.0);
        let (mut v, mut d, mut v2, mut d2) = ([0.0; 5], [0.0; 5], [0.0; 5], [0.0; 5]);
        for s in 0..40 {
            let x = -0.7 + 3.4 * s as f64 / 39.0;
            let a = eval_with_deriv(&t, 4, x, &mut v, &mut d);
            let b = eval(&t, 4, x, 0, &mut v2);
            eval(&t, 4, x, 1, &mut d2);
            assert_eq!(a, b);
            if a.is_some() {
                assert_eq!(v, v2);
                assert_eq!(d, d2);
            }
        }
    }

    #[test]
    fn padded_evaluation_matches_recursion() {
        let mut t: Vec<f64> = uniform_knots(6, 3, -1.0, 1.0);
        t[5] += 0.05; // uneven
        let mut tp = Vec::new();
        let repeated = [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0];
        for (k, tt) in [(0usize, &t[..]), (1, &t[..]), (2, &t[..]), (3, &t[..]), (5, &t[..]), (2, &repeated[..])] {
            pad_knots(tt, k, &mut tp);
            let (mut v, mut d, mut v2, mut d2) = ([0.0; 8], [0.0; 8], [0.0; 8], [0.0; 8]);
            for s in 0..60 {
                let x = -2.3 + 4.6 * s as f64 / 59.0;
                let a = eval_padded(tt, &tp, k, x, &mut v, &mut d);
                let b = eval_with_deriv(tt, k, x, &mut v2, &mut d2);
                assert_eq!(a, b);
                if let Some(st) = a {
                    let nb = n_basis(tt.len(), k) as isize;
                    // entries of bases that do not exist (j < 0 or j >= nb) are never read
                    for m in 0..=k {
                        let j = st + m as isize;
                        if j >= 0 && j < nb {
                            assert!((v[m] - v2[m]).abs() < 1e-13 && (d[m] - d2[m]).abs() < 1e-11, "k{k} x{x} m{m}: {} {} vs {} {}", v[m], d[m], v2[m], d2[m]);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn uniform_evaluation_matches_recursion() {
        for k in 1..=5usize {
            let t: Vec<f64> = uniform_knots(7, k, -1.3, 0.9);
            let h = uniform_step(&t).unwrap();
            let (mut v, mut d, mut v2, mut d2) = ([0.0; 8], [0.0; 8], [0.0; 8], [0.0; 8]);
            for s in 0..200 {
                let x = -3.0 + 5.0 * s as f64 / 199.0 + 1e-9;
                let a = eval_uniform(t[0], 1.0 / h, t.len(), k, x, &mut v, Some(&mut d));
                let b = eval_with_deriv(&t, k, x, &mut v2, &mut d2);
                assert_eq!(a, b, "k{k} x{x}");
                if let Some(st) = a {
                    let nb = n_basis(t.len(), k) as isize;
                    for m in 0..=k {
                        let j = st + m as isize;
                        if j >= 0 && j < nb {
                            assert!((v[m] - v2[m]).abs() < 1e-12 && (d[m] - d2[m]).abs() < 1e-10, "k{k} x{x} m{m}");
                        }
                    }
                }
            }
        }
        let mut t: Vec<f64> = uniform_knots(5, 3, -1.0, 1.0);
        assert!(uniform_step(&t).is_some());
        t[4] += 0.01;
        assert!(uniform_step(&t).is_none());
    }

    #[test]
    fn span_search_on_uneven_knots() {
        let t = [0.0f64, 0.001, 0.002, 0.5, 0.9, 0.95, 10.0];
        assert_eq!(find_span(&t, 0.0), Some(0));
        assert_eq!(find_span(&t, 0.7), Some(3));
        assert_eq!(find_span(&t, 9.0), Some(5));
        assert_eq!(find_span(&t, 10.0), None);
        assert_eq!(find_span(&t, f64::NAN), None);
        let r = [0.0f64, 0.0, 1.0, 1.0, 2.0];
        assert_eq!(find_span(&r, 0.0), Some(1));
        assert_eq!(find_span(&r, 1.0), Some(3));
    }
}

#[cfg(test)]
mod perf {
    use super::*;
    #[test]
    #[ignore]
    fn eval_padded_cost() {
        let t: Vec<f32> = uniform_knots(5, 3, -1.0, 1.0);
        let mut tp = Vec::new();
        pad_knots(&t, 3, &mut tp);
        let (mut v, mut d) = ([0.0f32; 4], [0.0f32; 4]);
        let n = 1_000_000;
        let t0 = std::time::Instant::now();
        let mut acc = 0.0;
        for s in 0..n {
            let x = -1.0 + 2.0 * (s as f32 / n as f32);
            if let Some(st) = eval_padded(&t, &tp, 3, x, &mut v, &mut d) {
                acc += v[0] + d[1] + st as f32;
            }
        }
        eprintln!("eval_padded {:?} per call ({acc})", t0.elapsed() / n);
        let h = uniform_step(&t).unwrap();
        let t0 = std::time::Instant::now();
        for s in 0..n {
            let x = -1.0 + 2.0 * (s as f32 / n as f32);
            if let Some(st) = eval_uniform(t[0], 1.0 / h, t.len(), 3, x, &mut v, Some(&mut d)) {
                acc += v[0] + d[1] + st as f32;
            }
        }
        eprintln!("eval_uniform {:?} per call ({acc})", t0.elapsed() / n);
        let t0 = std::time::Instant::now();
        let mut sp = 0usize;
        for s in 0..n {
            let x = -1.0 + 2.0 * (s as f32 / n as f32);
            sp += find_span(&t, x).unwrap_or(0);
        }
        eprintln!("find_span {:?} per call ({sp})", t0.elapsed() / n);
        let t0 = std::time::Instant::now();
        for s in 0..n {
            let x = -1.0 + 2.0 * (s as f32 / n as f32);
            acc += crate::autodiff::silu(x);
        }
        eprintln!("silu {:?} per call ({acc})", t0.elapsed() / n);
    }
}
