//! Optimisers over a flat parameter vector: Adam and LBFGS with a strong-Wolfe line search.
//!
//! LBFGS follows the behaviour pykan relies on (PyTorch's LBFGS): each `step` runs up to
//! `max_iter` quasi-Newton iterations; the curvature history persists across steps; the
//! very first direction is steepest descent with step `min(1, 1/|g|_1) * lr`.
//!
//! ```
//! use kanwasm_core::optim::{Lbfgs, LbfgsConfig};
//! // minimise (x-3)^2
//! let mut x = vec![0.0f64];
//! let mut opt = Lbfgs::new(LbfgsConfig::default());
//! for _ in 0..5 {
//!     opt.step(&mut x, &mut |p: &[f64]| (((p[0] - 3.0).powi(2)), vec![2.0 * (p[0] - 3.0)]));
//! }
//! assert!((x[0] - 3.0).abs() < 1e-10);
//! ```

use crate::par;
use crate::pool;
use crate::real::Real;
use std::sync::atomic::{AtomicBool, Ordering};

/// An objective: its value and gradient at a point.
pub type Objective<'a, T> = dyn FnMut(&[T]) -> (T, Vec<T>) + 'a;

/// Adam with bias correction (Kingma & Ba), as in PyTorch (no weight decay).
#[derive(Clone, Debug)]
pub struct Adam<T> {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    m: Vec<T>,
    v: Vec<T>,
    t: i32,
}

impl<T: Real> Adam<T> {
    pub fn new(n: usize, lr: f64) -> Self {
        Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, m: vec![T::ZERO; n], v: vec![T::ZERO; n], t: 0 }
    }

    /// The step's constants: `(b1, b2, bias corrections 1 and 2, lr, eps)`.
    fn begin(&mut self) -> [T; 6] {
        self.t += 1;
        let (b1, b2) = (T::from_f64(self.beta1), T::from_f64(self.beta2));
        let bc1 = T::from_f64(1.0 - self.beta1.powi(self.t));
        let bc2 = T::from_f64(1.0 - self.beta2.powi(self.t)).sqrt();
        [b1, b2, bc1, bc2, T::from_f64(self.lr), T::from_f64(self.eps)]
    }

    /// Updates the moments `m`, `v` of one parameter with its gradient `g`; returns the
    /// change to subtract from the parameter. `c` from [`Self::begin`].
    #[inline(always)]
    fn delta(c: &[T; 6], m: &mut T, v: &mut T, g: T) -> T {
        let [b1, b2, bc1, bc2, lr, eps] = *c;
        *m = b1 * *m + (T::ONE - b1) * g;
        *v = b2 * *v + (T::ONE - b2) * g * g;
        lr * (*m / bc1) / (v.sqrt() / bc2 + eps)
    }

    /// One update of `params (n)` from `grad (n)`: `params` stay as they are and the updated
    /// values go to `out` (same length), so a caller can keep both. Returns whether the
    /// updated values are all finite.
    #[inline(never)]
    pub fn step_into(&mut self, params: &[T], grad: &[T], out: &mut [T]) -> bool {
        let c = self.begin();
        let n = out.len().min(params.len()).min(grad.len()).min(self.m.len());
        // each parameter on its own: parts of any size, on any thread, give the same bits
        let parts = par::parts(n, 1 << 14);
        let finite = AtomicBool::new(true);
        let (os, ms, vs) = (par::Shared::new(&mut out[..n]), par::Shared::new(&mut self.m[..n]), par::Shared::new(&mut self.v[..n]));
        let task = |t: usize, _slot: usize| {
            let r = par::part(n, parts, t);
            // SAFETY: the parts are disjoint.
            let (out, m, v) = unsafe { (os.slice(r.clone()), ms.slice(r.clone()), vs.slice(r.clone())) };
            let mut ok = true;
            // zipped slices (no index checks), so the loop vectorises
            let rows = out.iter_mut().zip(&params[r.clone()]).zip(&grad[r]).zip(m.iter_mut().zip(v.iter_mut()));
            for (((o, &p), &g), (m, v)) in rows {
                *o = p - Self::delta(&c, m, v, g);
                ok &= o.is_finite();
            }
            if !ok {
                finite.store(false, Ordering::Relaxed);
            }
        };
        // SAFETY: each task writes its own part and allocates nothing.
        unsafe { par::run(parts, usize::MAX, &task) };
        finite.into_inner()
    }
}

/// LBFGS settings. Defaults are pykan's: lr 1, history 10, 20 iterations and 25
/// evaluations per step, strong Wolfe, tolerances so small that steps never stop early.
#[derive(Clone, Debug)]
pub struct LbfgsConfig {
    pub lr: f64,
    pub max_iter: usize,
    pub max_eval: usize,
    pub tolerance_grad: f64,
    pub tolerance_change: f64,
    pub tolerance_ys: f64,
    pub history: usize,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        LbfgsConfig { lr: 1.0, max_iter: 20, max_eval: 25, tolerance_grad: 1e-32, tolerance_change: 1e-32, tolerance_ys: 1e-32, history: 10 }
    }
}

/// LBFGS state (kept across steps).
#[derive(Clone, Debug)]
pub struct Lbfgs<T> {
    pub cfg: LbfgsConfig,
    d: Vec<T>,
    t: T,
    s_hist: Vec<Vec<T>>,
    y_hist: Vec<Vec<T>>,
    rho: Vec<T>,
    h_diag: T,
    prev_g: Vec<T>,
    /// The two-loop recursion's coefficients, one per history entry.
    al: Vec<T>,
    n_iter: usize,
    /// Objective evaluations of the last step.
    pub evals: usize,
}

fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    T::dot(a, b)
}

fn max_abs<T: Real>(a: &[T]) -> T {
    a.iter().fold(T::ZERO, |m, v| m.max(v.abs()))
}

/// Minimiser of the cubic interpolating `(x1, f1, g1)` and `(x2, f2, g2)`, clamped to
/// `[lo, hi]`; the midpoint where the cubic has no minimum.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn cubic_min<T: Real>(x1: T, f1: T, g1: T, x2: T, f2: T, g2: T, lo: T, hi: T) -> T {
    let d1 = g1 + g2 - T::from_f64(3.0) * (f1 - f2) / (x1 - x2);
    let d2sq = d1 * d1 - g1 * g2;
    if d2sq >= T::ZERO {
        let d2 = d2sq.sqrt();
        let two = T::from_f64(2.0);
        let pos = if x1 <= x2 { x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + two * d2)) } else { x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + two * d2)) };
        if pos.is_finite() {
            return pos.max(lo).min(hi);
        }
    }
    (lo + hi) / T::from_f64(2.0)
}

impl<T: Real> Lbfgs<T> {
    pub fn new(cfg: LbfgsConfig) -> Self {
        Lbfgs { cfg, d: vec![], t: T::ZERO, s_hist: vec![], y_hist: vec![], rho: vec![], h_diag: T::ONE, prev_g: vec![], al: vec![], n_iter: 0, evals: 0 }
    }

    /// One step (up to `max_iter` iterations). `f(x)` returns the objective and its
    /// gradient. Returns the objective at the start of the step.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn step(&mut self, x: &mut [T], f: &mut Objective<T>) -> T {
        let c = self.cfg.clone();
        let tol_change = T::from_f64(c.tolerance_change);
        let (mut loss, mut g) = f(x);
        let orig = loss;
        self.evals = 1;
        if !loss.is_finite() || max_abs(&g) <= T::from_f64(c.tolerance_grad) {
            pool::give(g);
            return orig;
        }
        let mut prev_loss;
        for it in 1..=c.max_iter {
            self.n_iter += 1;
            if self.n_iter == 1 {
                self.d.clear();
                self.d.extend(g.iter().map(|&v| -v));
                self.s_hist.clear();
                self.y_hist.clear();
                self.rho.clear();
                self.h_diag = T::ONE;
            } else {
                let (mut y, mut s) = (pool::take(g.len()), pool::take(self.d.len()));
                y.extend(g.iter().zip(&self.prev_g).map(|(&a, &b)| a - b));
                s.extend(self.d.iter().map(|&v| v * self.t));
                let ys = dot(&y, &s);
                if ys > T::from_f64(c.tolerance_ys) {
                    if self.s_hist.len() == c.history {
                        pool::give(self.s_hist.remove(0));
                        pool::give(self.y_hist.remove(0));
                        self.rho.remove(0);
                    }
                    self.h_diag = ys / dot(&y, &y);
                    self.rho.push(T::ONE / ys);
                    self.s_hist.push(s);
                    self.y_hist.push(y);
                } else {
                    pool::give(y);
                    pool::give(s);
                }
                // two-loop recursion: d = -H g
                let n = self.s_hist.len();
                let al = &mut self.al;
                al.clear();
                al.resize(n, T::ZERO);
                // the previous direction's buffer
                let mut q = std::mem::take(&mut self.d);
                q.clear();
                q.extend(g.iter().map(|&v| -v));
                for i in (0..n).rev() {
                    al[i] = dot(&self.s_hist[i], &q) * self.rho[i];
                    T::axpy(-al[i], &self.y_hist[i], &mut q);
                }
                q.iter_mut().for_each(|v| *v *= self.h_diag);
                for i in 0..n {
                    let be = dot(&self.y_hist[i], &q) * self.rho[i];
                    T::axpy(al[i] - be, &self.s_hist[i], &mut q);
                }
                self.d = q;
            }
            self.prev_g.clear();
            self.prev_g.extend_from_slice(&g);
            prev_loss = loss;
            self.t = if self.n_iter == 1 {
                let l1 = g.iter().fold(T::ZERO, |s, v| s + v.abs());
                T::ONE.min(T::ONE / l1) * T::from_f64(c.lr)
            } else {
                T::from_f64(c.lr)
            };
            let gtd = dot(&g, &self.d);
            if gtd > -tol_change {
                break;
            }
            let (fl, gl, t, ls_evals) = strong_wolfe(f, x, self.t, &self.d, loss, &g, gtd, tol_change, 25);
            self.t = t;
            T::axpy(t, &self.d, x);
            loss = fl;
            pool::give(std::mem::replace(&mut g, gl));
            self.evals += ls_evals;
            if it == c.max_iter || self.evals >= c.max_eval {
                break;
            }
            if !loss.is_finite() || max_abs(&g) <= T::from_f64(c.tolerance_grad) {
                break;
            }
            if max_abs(&self.d) * t.abs() <= tol_change || (loss - prev_loss).abs() < tol_change {
                break;
            }
        }
        pool::give(g);
        orig
    }
}

/// Strong-Wolfe line search along `d` from `x` (c1 = 1e-4, c2 = 0.9), bracketing then
/// zooming with cubic interpolation. Returns `(f, g, t, evaluations)` at the accepted step.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn strong_wolfe<T: Real>(f: &mut Objective<T>, x: &[T], mut t: T, d: &[T], f0: T, g0: &[T], gtd0: T, tol_change: T, max_ls: usize) -> (T, Vec<T>, T, usize) {
    let (c1, c2) = (T::from_f64(1e-4), T::from_f64(0.9));
    let d_norm = max_abs(d);
    // every vector here is a pool buffer: the trial point, and the gradients, which move
    // between the trial, the previous point and the bracket and go back once dropped
    let mut xt = pool::copy(x);
    let mut eval = |t: T, xt: &mut Vec<T>| {
        xt.copy_from_slice(x);
        T::axpy(t, d, xt);
        let (fv, gv) = f(xt);
        let gtd = dot(&gv, d);
        (fv, gv, gtd)
    };
    let (mut f_new, mut g_new, mut gtd_new) = eval(t, &mut xt);
    let mut evals = 1;
    // the previous point; its gradient is g0 until the search first moves on (None)
    let (mut t_prev, mut f_prev, mut g_prev, mut gtd_prev) = (T::ZERO, f0, None::<Vec<T>>, gtd0);
    let mut done = false;
    let mut ls_iter = 0;
    // the bracket: its first `nb` entries (t, f, g, gtd)
    let mut br = [(T::ZERO, T::ZERO, Vec::new(), T::ZERO), (T::ZERO, T::ZERO, Vec::new(), T::ZERO)];
    let nb;
    loop {
        let cut = ls_iter >= max_ls || !f_new.is_finite() || f_new > f0 + c1 * t * gtd0 || (ls_iter > 1 && f_new >= f_prev);
        if !cut && gtd_new.abs() <= -c2 * gtd0 {
            br[0] = (t, f_new, g_new, gtd_new);
            if let Some(g) = g_prev {
                pool::give(g);
            }
            nb = 1;
            done = true;
            break;
        }
        if cut || gtd_new >= T::ZERO {
            // out of iterations, the bracket starts at the start point; else at the previous one
            if ls_iter >= max_ls {
                if let Some(g) = g_prev {
                    pool::give(g);
                }
                br[0] = (T::ZERO, f0, pool::copy(g0), gtd0);
            } else {
                br[0] = (t_prev, f_prev, g_prev.unwrap_or_else(|| pool::copy(g0)), gtd_prev);
            }
            br[1] = (t, f_new, g_new, gtd_new);
            nb = 2;
            break;
        }
        let lo = t + T::from_f64(0.01) * (t - t_prev);
        let hi = t * T::from_f64(10.0);
        let tmp = t;
        t = cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, lo, hi);
        t_prev = tmp;
        f_prev = f_new;
        if let Some(g) = g_prev.replace(g_new) {
            pool::give(g);
        }
        gtd_prev = gtd_new;
        (f_new, g_new, gtd_new) = eval(t, &mut xt);
        evals += 1;
        ls_iter += 1;
    }
    // zoom
    let mut insuf = false;
    let (mut lo_i, mut hi_i) = if nb == 2 && br[0].1 > br[1].1 { (1, 0) } else { (0, 1) };
    while !done && ls_iter < max_ls && nb == 2 {
        let width = (br[1].0 - br[0].0).abs();
        if width * d_norm < tol_change {
            break;
        }
        let (bmin, bmax) = (br[0].0.min(br[1].0), br[0].0.max(br[1].0));
        t = cubic_min(br[0].0, br[0].1, br[0].3, br[1].0, br[1].1, br[1].3, bmin, bmax);
        let eps = T::from_f64(0.1) * (bmax - bmin);
        if (bmax - t).min(t - bmin) < eps {
            if insuf || t >= bmax || t <= bmin {
                t = if (t - bmax).abs() < (t - bmin).abs() { bmax - eps } else { bmin + eps };
                insuf = false;
            } else {
                insuf = true;
            }
        } else {
            insuf = false;
        }
        let (fz, gz, dz) = eval(t, &mut xt);
        evals += 1;
        ls_iter += 1;
        if !fz.is_finite() || fz > f0 + c1 * t * gtd0 || fz >= br[lo_i].1 {
            pool::give(std::mem::replace(&mut br[hi_i], (t, fz, gz, dz)).2);
            if br[0].1 <= br[1].1 {
                lo_i = 0;
                hi_i = 1;
            } else {
                lo_i = 1;
                hi_i = 0;
            }
        } else {
            if dz.abs() <= -c2 * gtd0 {
                done = true;
            } else if dz * (br[hi_i].0 - br[lo_i].0) >= T::ZERO {
                // the high end takes the low end's place, and the new point the low end's
                br.swap(lo_i, hi_i);
            }
            pool::give(std::mem::replace(&mut br[lo_i], (t, fz, gz, dz)).2);
        }
    }
    pool::give(xt);
    let [b0, b1] = br;
    let ((t, fv, gv, _), other) = if nb == 2 && lo_i == 1 { (b1, b0) } else { (b0, b1) };
    pool::give(other.2);
    (fv, gv, t, evals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::lstsq;
    use crate::rng::Rng;

    fn rosenbrock(p: &[f64]) -> (f64, Vec<f64>) {
        let (x, y) = (p[0], p[1]);
        let f = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
        (f, vec![-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
    }

    #[test]
    fn lbfgs_rosenbrock_under_100_iterations() {
        let mut p = vec![-1.2f64, 1.0];
        let mut opt = Lbfgs::new(LbfgsConfig { max_iter: 1, max_eval: 100, ..Default::default() });
        let mut iters = 0;
        while iters < 100 {
            opt.step(&mut p, &mut rosenbrock);
            iters += 1;
            if (p[0] - 1.0).abs() < 1e-8 && (p[1] - 1.0).abs() < 1e-8 {
                break;
            }
        }
        assert!(iters < 100, "took {iters} iterations, at {p:?}");
        assert!((p[0] - 1.0).abs() < 1e-8 && (p[1] - 1.0).abs() < 1e-8, "{p:?}");
    }

    fn random_lsq(seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>, usize, usize) {
        let (m, n) = (40, 6);
        let mut r = Rng::new(seed);
        let a: Vec<f64> = (0..m * n).map(|_| r.normal()).collect();
        let b: Vec<f64> = (0..m).map(|_| r.normal()).collect();
        let x = lstsq(&a, m, n, &b, 1).unwrap();
        (a, b, x, m, n)
    }

    fn lsq_obj(a: &[f64], b: &[f64], m: usize, n: usize, p: &[f64]) -> (f64, Vec<f64>) {
        let mut f = 0.0;
        let mut g = vec![0.0; n];
        for s in 0..m {
            let r: f64 = (0..n).map(|j| a[s * n + j] * p[j]).sum::<f64>() - b[s];
            f += r * r;
            for j in 0..n {
                g[j] += 2.0 * r * a[s * n + j];
            }
        }
        (f, g)
    }

    #[test]
    fn lbfgs_and_adam_solve_least_squares() {
        let (a, b, x, m, n) = random_lsq(9);
        let mut p = vec![0.0; n];
        let mut opt = Lbfgs::new(LbfgsConfig::default());
        for _ in 0..5 {
            opt.step(&mut p, &mut |q: &[f64]| lsq_obj(&a, &b, m, n, q));
        }
        for j in 0..n {
            assert!((p[j] - x[j]).abs() < 1e-9, "lbfgs j{j}: {} vs {}", p[j], x[j]);
        }
        let mut p = vec![0.0; n];
        let mut adam = Adam::new(n, 0.05);
        for it in 0..6000 {
            if it == 3000 {
                adam.lr = 0.005;
            }
            let (_, g) = lsq_obj(&a, &b, m, n, &p);
            let mut next = vec![0.0; n];
            assert!(adam.step_into(&p, &g, &mut next));
            p = next;
        }
        for j in 0..n {
            assert!((p[j] - x[j]).abs() < 1e-5, "adam j{j}: {} vs {}", p[j], x[j]);
        }
    }

    #[test]
    fn adam_first_step_is_lr_times_sign() {
        let p = vec![1.0f64, -2.0];
        let mut adam = Adam::new(2, 0.1);
        let mut next = vec![0.0; 2];
        assert!(adam.step_into(&p, &[3.0, -0.5], &mut next));
        assert!((next[0] - 0.9).abs() < 1e-7 && (next[1] + 1.9).abs() < 1e-7, "{next:?}");
        assert_eq!(p, [1.0, -2.0]);
        // a step to infinity is reported
        assert!(!adam.step_into(&p, &[f64::NAN, 0.0], &mut next));
    }
}
