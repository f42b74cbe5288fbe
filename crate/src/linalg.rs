//! Least squares for many small problems, in f64.
//!
//! [`lstsq`] solves `min ||A x - B||` by Householder QR and reports rank deficiency as an
//! error. [`curve2coef`] fits spline coefficients to sampled curves (one problem per
//! edge, all outputs of an input sharing one design matrix), with a tiny ridge so that
//! basis functions no sample touches get coefficient 0 instead of an error.
//!
//! ```
//! use kanwasm_core::linalg::lstsq;
//! // fit y = 2 + 3 t through three exact points
//! let a = [1.0, 0.0, 1.0, 1.0, 1.0, 2.0];
//! let b = [2.0, 5.0, 8.0];
//! let x = lstsq(&a, 3, 2, &b, 1).unwrap();
//! assert!((x[0] - 2.0).abs() < 1e-12 && (x[1] - 3.0).abs() < 1e-12);
//! ```

use crate::bspline;
use crate::real::Real;

/// Least squares by Householder QR. Shapes: `a (m, n)` row-major with `m >= n`,
/// `b (m, r)`; returns `x (n, r)`. Fails when `a` is rank deficient
/// (`|R_jj| <= max(m, n) * eps * max|R_ii|`) or holds non-finite numbers.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn lstsq(a: &[f64], m: usize, n: usize, b: &[f64], r: usize) -> Result<Vec<f64>, String> {
    if a.len() != m * n || b.len() != m * r {
        return Err(format!("lstsq: A has {} values for shape ({m}, {n}), B has {} for ({m}, {r})", a.len(), b.len()));
    }
    if m < n {
        return Err(format!("lstsq: A ({m}, {n}) has fewer rows than columns; the system is underdetermined"));
    }
    if a.iter().chain(b.iter()).any(|v| !v.is_finite()) {
        return Err("lstsq: A or B holds a non-finite number".into());
    }
    let mut q = a.to_vec();
    let mut y = b.to_vec();
    let mut diag = vec![0.0; n];
    householder(&mut q, m, n, &mut y, r, &mut diag);
    let dmax = diag.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    let tol = (m.max(n) as f64) * f64::EPSILON * dmax;
    if dmax == 0.0 {
        return Err(format!("lstsq: A ({m}, {n}) is zero; rank 0"));
    }
    if let Some(j) = diag.iter().position(|v| v.abs() <= tol) {
        let rank = diag.iter().filter(|v| v.abs() > tol).count();
        return Err(format!("lstsq: A ({m}, {n}) is rank deficient (rank {rank} < {n}, column {j} depends on the others)"));
    }
    Ok(back_substitute(&q, n, &diag, &y, r))
}

/// In-place Householder QR of `q (m, n)`, applying the reflections to `y (m, r)`.
/// Afterwards the strict upper triangle of `q` and `diag` hold `R`.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn householder(q: &mut [f64], m: usize, n: usize, y: &mut [f64], r: usize, diag: &mut [f64]) {
    let (mut v, mut f) = (Vec::with_capacity(m), Vec::with_capacity(n.max(r)));
    for j in 0..n {
        let mut norm = 0.0;
        for i in j..m {
            norm += q[i * n + j] * q[i * n + j];
        }
        let norm = norm.sqrt();
        if norm == 0.0 {
            diag[j] = 0.0;
            continue;
        }
        let alpha = if q[j * n + j] > 0.0 { -norm } else { norm };
        // v = x - alpha e1, stored in column j rows j..m
        q[j * n + j] -= alpha;
        let vnorm2: f64 = (j..m).map(|i| q[i * n + j] * q[i * n + j]).sum();
        diag[j] = alpha;
        if vnorm2 == 0.0 {
            continue;
        }
        v.clear();
        v.extend((j..m).map(|i| q[i * n + j]));
        reflect(&v, vnorm2, &mut q[j * n..], n, j + 1, n, &mut f);
        reflect(&v, vnorm2, &mut y[j * r..], r, 0, r, &mut f);
    }
}

/// `a -= v (2 v^T a / vnorm2)` on the columns `c0..c1` of `a` (rows `ld` apart, one row per
/// entry of `v`). Row by row, so memory is read in order; each column's dot product still
/// adds its rows in order, from -0.0 as `sum` does, so the result is the same to the bit as
/// a column-by-column pass.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn reflect(v: &[f64], vnorm2: f64, a: &mut [f64], ld: usize, c0: usize, c1: usize, f: &mut Vec<f64>) {
    f.clear();
    f.resize(c1 - c0, -0.0);
    for (i, &vi) in v.iter().enumerate() {
        for (s, &x) in f.iter_mut().zip(&a[i * ld + c0..i * ld + c1]) {
            *s += vi * x;
        }
    }
    for s in f.iter_mut() {
        *s = 2.0 * *s / vnorm2;
    }
    for (i, &vi) in v.iter().enumerate() {
        for (x, &s) in a[i * ld + c0..i * ld + c1].iter_mut().zip(f.iter()) {
            *x -= s * vi;
        }
    }
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn back_substitute(q: &[f64], n: usize, diag: &[f64], y: &[f64], r: usize) -> Vec<f64> {
    let mut x = vec![0.0; n * r];
    for c in 0..r {
        for j in (0..n).rev() {
            let mut s = y[j * r + c];
            for l in j + 1..n {
                s -= q[j * n + l] * x[l * r + c];
            }
            x[j * r + c] = s / diag[j];
        }
    }
    x
}

/// Cholesky solve of the symmetric positive definite `a (n, n)` against `b (n, r)`.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn cholesky_solve(a: &[f64], n: usize, b: &[f64], r: usize) -> Result<Vec<f64>, String> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for p in 0..j {
                s -= l[i * n + p] * l[j * n + p];
            }
            if i == j {
                if !(s > 0.0) {
                    return Err(format!("cholesky: matrix ({n}, {n}) is not positive definite (pivot {i})"));
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut x = b.to_vec();
    for c in 0..r {
        for i in 0..n {
            let mut s = x[i * r + c];
            for p in 0..i {
                s -= l[i * n + p] * x[p * r + c];
            }
            x[i * r + c] = s / l[i * n + i];
        }
        for i in (0..n).rev() {
            let mut s = x[i * r + c];
            for p in i + 1..n {
                s -= l[p * n + i] * x[p * r + c];
            }
            x[i * r + c] = s / l[i * n + i];
        }
    }
    Ok(x)
}

/// Default ridge of [`curve2coef`], relative to the largest column norm of the basis.
pub const RIDGE: f64 = 1e-10;

/// Fits the coefficients of `r` curves that share the sample points `x (m)` and the knot
/// vector `t` of order `k`. Shapes: `y (m, r)`; returns `coef (coeff, r)` with
/// `coeff = t.len() - k - 1`. Solved by QR of the basis stacked over `sqrt(ridge) I`,
/// so basis functions that no sample reaches get coefficient 0.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn curve2coef<T: Real>(x: &[T], y: &[f64], r: usize, t: &[T], k: usize, ridge: f64) -> Result<Vec<f64>, String> {
    let m = x.len();
    let n = bspline::n_basis(t.len(), k);
    let mut a = vec![0.0; (m + n) * n];
    let mut row = vec![T::ZERO; n];
    for s in 0..m {
        bspline::basis_dense(t, k, &x[s..s + 1], 0, &mut row);
        for j in 0..n {
            a[s * n + j] = row[j].to_f64();
        }
    }
    let scale = (0..n).map(|j| (0..m).map(|s| a[s * n + j] * a[s * n + j]).sum::<f64>()).fold(0.0f64, f64::max).max(1.0);
    let lam = (ridge * scale).sqrt();
    for j in 0..n {
        a[(m + j) * n + j] = lam;
    }
    let mut b = vec![0.0; (m + n) * r];
    b[..m * r].copy_from_slice(&y[..m * r]);
    lstsq(&a, m + n, n, &b, r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn normal_equations(a: &[f64], m: usize, n: usize, b: &[f64]) -> Vec<f64> {
        let mut ata = vec![0.0; n * n];
        let mut atb = vec![0.0; n];
        for i in 0..n {
            for j in 0..n {
                ata[i * n + j] = (0..m).map(|s| a[s * n + i] * a[s * n + j]).sum();
            }
            atb[i] = (0..m).map(|s| a[s * n + i] * b[s]).sum();
        }
        cholesky_solve(&ata, n, &atb, 1).unwrap()
    }

    #[test]
    fn reflect_row_by_row_equals_column_by_column_to_the_bit() {
        let mut rng = Rng::new(5);
        let (m, ld, c0, c1) = (37, 9, 2, 9);
        let v: Vec<f64> = (0..m).map(|i| if i == 3 { -0.0 } else { rng.normal() }).collect();
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        let mut a: Vec<f64> = (0..m * ld).map(|_| rng.normal()).collect();
        a[4 * ld + 5] = -0.0;
        let mut want = a.clone();
        for c in c0..c1 {
            let s: f64 = (0..m).map(|i| v[i] * want[i * ld + c]).sum();
            let f = 2.0 * s / vnorm2;
            for i in 0..m {
                want[i * ld + c] -= f * v[i];
            }
        }
        reflect(&v, vnorm2, &mut a, ld, c0, c1, &mut Vec::new());
        assert!(a.iter().zip(&want).all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn qr_agrees_with_normal_equations() {
        let mut rng = Rng::new(3);
        for &(m, n) in &[(10, 3), (50, 8), (200, 23), (7, 7)] {
            let a: Vec<f64> = (0..m * n).map(|_| rng.normal()).collect();
            let b: Vec<f64> = (0..m).map(|_| rng.normal()).collect();
            let x = lstsq(&a, m, n, &b, 1).unwrap();
            let z = normal_equations(&a, m, n, &b);
            for j in 0..n {
                assert!((x[j] - z[j]).abs() < 1e-10, "({m},{n}) j{j}: {} vs {}", x[j], z[j]);
            }
        }
    }

    #[test]
    fn rank_deficiency_is_an_error() {
        // third column = first + second
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 7.0, 8.0, 15.0, 1.0, 0.0, 1.0];
        let e = lstsq(&a, 4, 3, &[1.0, 2.0, 3.0, 4.0], 1).unwrap_err();
        assert!(e.contains("rank deficient"), "{e}");
        assert!(lstsq(&[0.0; 6], 3, 2, &[1.0; 3], 1).is_err());
        assert!(lstsq(&[1.0, f64::NAN], 2, 1, &[1.0; 2], 1).is_err());
    }

    #[test]
    fn curve2coef_reproduces_a_spline() {
        let t: Vec<f64> = bspline::uniform_knots(7, 3, -1.0, 1.0);
        let n = bspline::n_basis(t.len(), 3);
        let coef: Vec<f64> = (0..n).map(|j| (j as f64 * 0.7).sin()).collect();
        let xs: Vec<f64> = (0..300).map(|s| -1.0 + 2.0 * s as f64 / 299.0).collect();
        let mut row = vec![0.0; n];
        let ys: Vec<f64> = xs
            .iter()
            .map(|&x| {
                bspline::basis_dense(&t, 3, &[x], 0, &mut row);
                row.iter().zip(&coef).map(|(a, b)| a * b).sum()
            })
            .collect();
        let c = curve2coef(&xs, &ys, 1, &t, 3, 1e-14).unwrap();
        for j in 0..n {
            assert!((c[j] - coef[j]).abs() < 1e-6, "j{j}");
        }
    }
}
