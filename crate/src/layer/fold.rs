//! The regulariser of a layer of cubic windows and at most [`MAX_OUT`] outputs, folded
//! into the layer's own backward pass. [`super::gram`] takes the edge statistics from each
//! input's sums over the batch and their gradients from passes of their own; when the
//! outputs are fewer than the window's width, each edge's values cost less than those sums,
//! and the gradient with respect to an edge's output, `gcoef (y_s - mean)`, can join the
//! gradient the layer's backward brings for that output: the same pass over the samples
//! then serves both.
//!
//! The forward keeps every edge's values ([`Fold::y`]); the regulariser's backward, which
//! runs before the layer's on the tape, leaves its factors there ([`Fold::k`]); the layer's
//! backward then adds `k (y - mean)` to each input's copy of its output gradient. Only a fit's
//! objective folds, where the layer's backward always follows; a cache kept over a whole
//! fit (the data's) makes its sums once and keeps to them.

use super::gram::{features, mean_std, window_start};
use super::{BasisCache, Layer};
use crate::pool;
use crate::real::Real;

/// The most outputs of a layer whose regulariser folds.
const MAX_OUT: usize = 2;

/// What the layer's backward needs of the regulariser: every edge's value at every entry,
/// `(in, n, out)`, and per edge `(in, out)` the factor and mean of its gradient (empty until
/// the regulariser's backward has run).
#[derive(Debug, Default)]
pub(super) struct Fold {
    pub(super) y: Vec<f64>,
    pub(super) k: Vec<f64>,
    pub(super) mean: Vec<f64>,
}

impl Drop for Fold {
    fn drop(&mut self) {
        for v in [&mut self.y, &mut self.k, &mut self.mean] {
            pool::give(std::mem::take(v));
        }
    }
}

impl<T: Real> Layer<T> {
    /// Whether the regulariser over the cache `c` folds into this layer's backward: in
    /// float64 models only, the type pykan's workflows fit in (float32 ones keep to the sums,
    /// and the module to one copy of this code).
    pub(super) fn folds(&self, c: &BasisCache<T>) -> bool {
        T::BYTES == 8 && self.k == 3 && self.n_out <= MAX_OUT && !c.keep && !self.has_sym()
    }

    /// Mean and unbiased std over the batch of every numeric edge's output, `(in, out)` each,
    /// as [`super::gram::Shape::moments`] gives them, for the effective weights `(w, wb)` in
    /// f64; every edge's value goes to the cache's [`Fold`].
    #[inline(never)]
    pub(super) fn fold_moments(&self, c: &BasisCache<T>, w: &[f64], wb: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (ni, no, nb1, n) = (self.n_in, self.n_out, 1 + self.nb(), c.n);
        let sh = self.shape();
        let (mut mean, mut std) = (pool::zeros(ni * no), pool::zeros(ni * no));
        let mut y = pool::zeros(ni * n * no);
        let mut coef = pool::zeros(no * nb1);
        for i in 0..ni {
            for (o, e) in coef.chunks_exact_mut(nb1).enumerate() {
                e[0] = sh.edge_coef(w, wb, i, o, &mut e[1..]);
            }
            let at = sh.at(i, n);
            let mut sums = [[0.0; 2]; MAX_OUT];
            let q = at.0..at.0 + n;
            let ents = c.b[q.clone()].iter().zip(&c.row[q]).zip(c.val[4 * at.0..4 * (at.0 + n)].chunks_exact(4));
            for (((&b, &r), v), ys) in ents.zip(y[i * n * no..(i + 1) * n * no].chunks_exact_mut(no)) {
                let (p, j) = (features(b, v.try_into().unwrap(), at), window_start(r, at));
                for ((e, s), yo) in coef.chunks_exact(nb1).zip(sums.iter_mut()).zip(ys) {
                    let cw: &[f64; 4] = e[1 + j..5 + j].try_into().unwrap();
                    let v = e[0] * p[0] + cw[0] * p[1] + cw[1] * p[2] + cw[2] * p[3] + cw[3] * p[4];
                    *yo = v;
                    s[0] += v;
                    s[1] += v * v;
                }
            }
            for (o, s) in sums.iter().take(no).enumerate() {
                (mean[i * no + o], std[i * no + o]) = mean_std(s[0], s[1], n);
            }
        }
        pool::give(coef);
        *c.fold.borrow_mut() = Some(Fold { y, k: Vec::new(), mean: Vec::new() });
        (mean, std)
    }

    /// Input `i`'s output gradient with the regulariser's folded in: `gy (n, out)` plus
    /// `k (y - mean)` of each of its edges, into `out (n, out)`.
    pub(super) fn fold_into(&self, f: &Fold, i: usize, gy: &[T], out: &mut [T]) {
        let (no, n) = (self.n_out, gy.len() / self.n_out.max(1));
        let (k, m) = (&f.k[i * no..(i + 1) * no], &f.mean[i * no..(i + 1) * no]);
        let y = &f.y[i * n * no..(i + 1) * n * no];
        for ((os, gs), ys) in out.chunks_exact_mut(no).zip(gy.chunks_exact(no)).zip(y.chunks_exact(no)) {
            for o in 0..no {
                os[o] = gs[o] + T::from_f64(k[o] * (ys[o] - m[o]));
            }
        }
    }
}
