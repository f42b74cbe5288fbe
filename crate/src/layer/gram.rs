//! The regulariser's edge statistics from each input's Gram matrix: an edge's output is
//! `y_s = c . phi_s`, its coefficients `c` (base weight, then the spline's) against the
//! input's features `phi_s` (base value, then the basis window), so the mean and variance
//! over the batch follow from `sum_s phi_s` and the banded `sum_s phi_s phi_s^T` alone, and
//! so do their gradients with respect to `c`. These sums depend on the layer's input only:
//! a pass over the batch per input instead of one per edge, and none at all for the first
//! layer over a whole fit, whose input is the data (the sums stay in its kept cache).
//! Everything is summed in f64, also for f32 models, which keeps the variance's difference
//! of sums accurate (pykan's two-pass std over the samples is what it reproduces).

use super::{Base, BasisCache, Layer};
use crate::autodiff::{std_rows, Tensor};
use crate::bspline::WIN;
use crate::pool;
use crate::real::Real;

/// Per input, at `i * stride`: `sum b`, `sum b^2`, `sum b B_j` (nb), `sum B_j` (nb) and
/// `sum B_j B_{j+d}` (nb x (k+1), `d = 0..=k`), over the batch; and the inputs' unbiased
/// std over the batch, which a kept cache (the data's) then holds for the whole fit too.
#[derive(Debug, Default)]
pub struct Gram {
    n: usize,
    sums: Vec<f64>,
    sx: Vec<f64>,
}

impl Drop for Gram {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.sums));
        pool::give(std::mem::take(&mut self.sx));
    }
}

impl Gram {
    /// The inputs' std `(1, in)`, as [`std_rows`] gave it in the model's type.
    pub(super) fn input_std<T: Real>(&self) -> Tensor<T> {
        let mut d = pool::take(self.sx.len());
        d.extend(self.sx.iter().map(|&v| T::from_f64(v)));
        Tensor::from_vec(1, d.len(), d)
    }
}

/// Entries per chunk: the hot passes read each chunk's features as f64 from a buffer that
/// stays in cache, so they exist once for both element types.
const CHUNK: usize = 64;

/// Where an input's entries are: `(first entry, its offset in the effective weights,
/// 1 / outputs, whether the layer has a base function)`.
pub(super) type At = (usize, usize, f64, bool);

/// The features of the entries `qs` of a basis cache into `phi (w1 per entry)`: the base
/// value, then the window of values (`c.val`), or with `der` of derivatives (`c.db`,
/// `c.der`); and, in the values' pass, each window's first basis into `j0` (`row / no -
/// i * nb`, with `1 / no`, rounded, as `row` is a multiple of `no`, so no integer division).
#[inline(never)]
fn load<T: Real>(c: &BasisCache<T>, der: bool, qs: core::ops::Range<usize>, at: At, w1: usize, phi: &mut [f64], j0: &mut [usize]) {
    let (b, v) = if der { (&c.db, &c.der) } else { (&c.b, &c.val) };
    let w = w1 - 1;
    for ((q, p), j) in qs.zip(phi.chunks_exact_mut(w1)).zip(j0.iter_mut()) {
        p[0] = if at.3 { b[q].to_f64() } else { 0.0 };
        p[1..].iter_mut().zip(&v[q * w..(q + 1) * w]).for_each(|(p, x)| *p = x.to_f64());
        if !der {
            *j = first_basis(c, q, at);
        }
    }
}

/// The first basis of entry `q`'s window (see [`load`]).
#[inline(always)]
fn first_basis<T: Real>(c: &BasisCache<T>, q: usize, at: At) -> usize {
    window_start(c.row[q], at)
}

/// The first basis of the window whose first row in the effective weights is `row`.
#[inline(always)]
pub(super) fn window_start(row: usize, at: At) -> usize {
    match at.2 == 1.0 {
        true => row - at.1,
        false => ((row - at.1) as f64 * at.2 + 0.5) as usize,
    }
}

/// The features of entry `q` of a cache of cubic windows, as [`load`] gives them. The
/// cubic passes read them straight from the cache: a copy into a chunk cost as much as
/// the pass itself.
#[inline(always)]
fn cubic_features<T: Real>(c: &BasisCache<T>, der: bool, q: usize, at: At) -> [f64; 5] {
    let (b, v) = if der { (&c.db, &c.der) } else { (&c.b, &c.val) };
    features(b[q], v[4 * q..4 * q + 4].try_into().unwrap(), at)
}

/// The features of a cubic window `x` with base value `b` (see [`cubic_features`]).
#[inline(always)]
pub(super) fn features<T: Real>(b: T, x: &[T; 4], at: At) -> [f64; 5] {
    [if at.3 { b.to_f64() } else { 0.0 }, x[0].to_f64(), x[1].to_f64(), x[2].to_f64(), x[3].to_f64()]
}

/// Calls `f(phi, dphi, j0)` for the `n` entries from `at` chunk by chunk (`dphi` empty
/// unless `der`).
#[inline(always)]
fn chunks<T: Real>(c: &BasisCache<T>, n: usize, at: At, w1: usize, der: bool, mut f: impl FnMut(usize, &[f64], &[f64], &[usize])) {
    let mut phi = [0.0; CHUNK * (WIN + 1)];
    let mut dphi = [0.0; CHUNK * (WIN + 1)];
    let mut j0 = [0usize; CHUNK];
    let mut s = 0;
    while s < n {
        let m = CHUNK.min(n - s);
        let qs = at.0 + s..at.0 + s + m;
        load(c, false, qs.clone(), at, w1, &mut phi[..m * w1], &mut j0[..m]);
        if der {
            load(c, true, qs, at, w1, &mut dphi[..m * w1], &mut j0[..m]);
        }
        f(s, &phi[..m * w1], &dphi[..if der { m * w1 } else { 0 }], &j0[..m]);
        s += m;
    }
}

/// Sums `phi` and `phi phi^T` (upper half) of a chunk's entries into the block of each
/// one's window position (`w1 (w1 + 1)` each).
#[inline(never)]
fn sum_blocks(phi: &[f64], j0: &[usize], w1: usize, blocks: &mut [f64]) {
    for (p, &j) in phi.chunks_exact(w1).zip(j0) {
        add_block(p, w1, &mut blocks[j * w1 * (w1 + 1)..(j + 1) * w1 * (w1 + 1)]);
    }
}

/// [`sum_blocks`] over the `n` entries from `at` of a cache of cubic windows.
#[inline(never)]
fn sum_blocks_cubic<T: Real>(c: &BasisCache<T>, n: usize, at: At, blocks: &mut [f64]) {
    for q in at.0..at.0 + n {
        let (p, j) = (cubic_features(c, false, q, at), first_basis(c, q, at));
        add_block(&p, 5, &mut blocks[j * 30..(j + 1) * 30]);
    }
}

/// One entry's `phi` and `phi phi^T` (upper half) into its block.
#[inline(always)]
fn add_block(p: &[f64], w1: usize, blk: &mut [f64]) {
    for a in 0..w1 {
        blk[a] += p[a];
        for b in a..w1 {
            blk[w1 + a * w1 + b] += p[a] * p[b];
        }
    }
}

/// `phi_s . (A phi'_s) - v . phi'_s` of a chunk's entries into `out`, with `A` and `v`
/// restricted to each window position in `blocks` (`w1 x w1`) and `vhat` (`w1`).
#[inline(never)]
fn input_pass(phi: &[f64], dphi: &[f64], j0: &[usize], w1: usize, blocks: &[f64], vhat: &[f64], out: &mut [f64]) {
    for (((p, dp), &j), o) in phi.chunks_exact(w1).zip(dphi.chunks_exact(w1)).zip(j0).zip(out.iter_mut()) {
        *o = input_entry(p, dp, w1, &blocks[j * w1 * w1..(j + 1) * w1 * w1], &vhat[j * w1..(j + 1) * w1]);
    }
}

/// [`input_pass`] over the `n` entries from `at` of a cache of cubic windows, each added to
/// its sample's entry `(s, i)` of `gx (n, ni)`.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn input_pass_cubic<T: Real>(c: &BasisCache<T>, n: usize, at: At, blocks: &[f64], vhat: &[f64], gx: &mut [T], i: usize, ni: usize) {
    for (s, q) in (at.0..at.0 + n).enumerate() {
        let (p, dp, j) = (cubic_features(c, false, q, at), cubic_features(c, true, q, at), first_basis(c, q, at));
        gx[s * ni + i] += T::from_f64(input_entry(&p, &dp, 5, &blocks[j * 25..(j + 1) * 25], &vhat[j * 5..(j + 1) * 5]));
    }
}

/// The mean and unbiased std of `n` values from their sum and sum of squares.
pub(super) fn mean_std(sum: f64, sq: f64, n: usize) -> (f64, f64) {
    let m = sum / n as f64;
    (m, ((sq - sum * m).max(0.0) / n.saturating_sub(1).max(1) as f64).sqrt())
}

/// One entry's `phi . (A phi') - v . phi'`.
#[inline(always)]
fn input_entry(p: &[f64], dp: &[f64], w1: usize, blk: &[f64], vh: &[f64]) -> f64 {
    let mut t = 0.0;
    for col in 0..w1 {
        let mut u = -vh[col];
        for a in 0..w1 {
            u += p[a] * blk[a * w1 + col];
        }
        t += u * dp[col];
    }
    t
}

/// A layer's shape as the statistics need it: inputs, outputs, bases, window `k + 1`, and
/// whether it has a base function. The statistics work on f64 copies of the effective
/// weights, so apart from the passes over a basis cache they exist once for both types.
#[derive(Clone, Copy)]
pub(super) struct Shape {
    ni: usize,
    no: usize,
    nb: usize,
    w: usize,
    base: bool,
}

impl<T: Real> Layer<T> {
    pub(super) fn shape(&self) -> Shape {
        Shape { ni: self.n_in, no: self.n_out, nb: self.nb(), w: self.k + 1, base: self.base != Base::Zero }
    }

    /// The sums of [`Gram`] over the batch of the cache `c` of the input `x`. Each sample's
    /// products go to a dense block per window position (no branches in the pass over the
    /// samples), folded into the band at the end.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn gram(&self, c: &BasisCache<T>, x: &Tensor<T>) -> Gram {
        let sh = self.shape();
        let (n, w1) = (c.n, sh.w + 1);
        let mut sums = pool::zeros(sh.ni * sh.stride());
        // per window position: the sums of phi (w1), then of phi phi^T (w1 x w1, upper half)
        let mut blocks = pool::zeros((sh.nb + 1 - sh.w) * w1 * (w1 + 1));
        for (i, g) in sums.chunks_exact_mut(sh.stride()).enumerate() {
            blocks.iter_mut().for_each(|v| *v = 0.0);
            match w1 {
                5 => sum_blocks_cubic(c, n, sh.at(i, n), &mut blocks),
                _ => chunks(c, n, sh.at(i, n), w1, false, |_, phi, _, j0| sum_blocks(phi, j0, w1, &mut blocks)),
            }
            sh.fold(&blocks, g);
        }
        pool::give(blocks);
        let sx = std_rows(x);
        let mut xs = pool::take(sx.data.len());
        xs.extend(sx.data.iter().map(|v| v.to_f64()));
        Gram { n, sums, sx: xs }
    }

    /// Adds `sum_o gcoef_io (y_sio - mean_io) dy_sio/dx_si` to `gx (n, in)`: per input,
    /// `phi_s^T A phi'_s - v . phi'_s` with `A = sum_o gcoef c c^T` (its band) and
    /// `v = sum_o gcoef mean c`, so the pass over the samples does not depend on the outputs.
    /// `(w, wb)`: the effective weights in f64.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn gram_input_grads(&self, c: &BasisCache<T>, w: &[f64], wb: &[f64], gcoef: &[f64], mean: &[f64], gx: &mut [T]) {
        let sh = self.shape();
        let (n, w1, npos) = (c.n, sh.w + 1, sh.nb + 1 - sh.w);
        let (mut blocks, mut vhat) = (pool::zeros(npos * w1 * w1), pool::zeros(npos * w1));
        let mut t = [0.0; CHUNK];
        for i in 0..sh.ni {
            sh.input_blocks(i, w, wb, gcoef, mean, &mut blocks, &mut vhat);
            if w1 == 5 {
                input_pass_cubic(c, n, sh.at(i, n), &blocks, &vhat, gx, i, sh.ni);
                continue;
            }
            chunks(c, n, sh.at(i, n), w1, true, |s0, phi, dphi, j0| {
                let t = &mut t[..j0.len()];
                input_pass(phi, dphi, j0, w1, &blocks, &vhat, t);
                for (s, v) in (s0..).zip(t.iter()) {
                    gx[s * sh.ni + i] += T::from_f64(*v);
                }
            });
        }
        pool::give(blocks);
        pool::give(vhat);
    }
}

impl Shape {
    fn stride(&self) -> usize {
        2 + self.nb * (self.w + 2)
    }

    pub(super) fn at(&self, i: usize, n: usize) -> At {
        (i * n, i * self.nb * self.no, 1.0 / self.no as f64, self.base)
    }

    /// Adds one input's blocks of [`sum_blocks`] to its sums `g`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn fold(&self, blocks: &[f64], g: &mut [f64]) {
        let (nb, w, w1) = (self.nb, self.w, self.w + 1);
        let (head, rest) = g.split_at_mut(2);
        let (bw, rest) = rest.split_at_mut(nb);
        let (mw, ww) = rest.split_at_mut(nb);
        for (j0, blk) in blocks.chunks_exact(w1 * (w1 + 1)).enumerate() {
            let (m, pp) = blk.split_at(w1);
            head[0] += m[0];
            head[1] += pp[0];
            for r in 0..w {
                mw[j0 + r] += m[r + 1];
                bw[j0 + r] += pp[r + 1];
                for d in 0..w - r {
                    ww[(j0 + r) * w + d] += pp[(r + 1) * w1 + r + 1 + d];
                }
            }
        }
    }

    /// The coefficients `(base, spline)` of edge `(i, o)` in the effective weights.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn edge_coef(&self, w: &[f64], wb: &[f64], i: usize, o: usize, cw: &mut [f64]) -> f64 {
        let (nb, no) = (self.nb, self.no);
        for (j, v) in cw.iter_mut().enumerate() {
            *v = w[(i * nb + j) * no + o];
        }
        if self.base {
            wb[i * no + o]
        } else {
            0.0
        }
    }

    /// `G c` for input `i`'s Gram `G` and the coefficients `(cb, cw)`: the base entry, and
    /// the spline entries into `out (nb)`. With the column sums, the sums `sum_s y_s phi_s`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn times(&self, g: &Gram, i: usize, cb: f64, cw: &[f64], out: &mut [f64]) -> f64 {
        let (nb, w) = (self.nb, self.w);
        let s = &g.sums[i * self.stride()..(i + 1) * self.stride()];
        let (bw, ww) = (&s[2..2 + nb], &s[2 + 2 * nb..]);
        out.iter_mut().zip(bw).for_each(|(o, &b)| *o = b * cb);
        for j in 0..nb {
            let band = &ww[j * w..(j + 1) * w];
            out[j] += band[0] * cw[j];
            for d in 1..w.min(nb - j) {
                out[j] += band[d] * cw[j + d];
                out[j + d] += band[d] * cw[j];
            }
        }
        s[1] * cb + bw.iter().zip(cw).map(|(a, b)| a * b).sum::<f64>()
    }

    /// Mean and unbiased std over the batch of every numeric edge's output, `(in, out)` each,
    /// for the effective weights `(w, wb)` in f64.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn moments(&self, g: &Gram, w: &[f64], wb: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (ni, no, nb, n) = (self.ni, self.no, self.nb, g.n);
        let (mut mean, mut std) = (pool::zeros(ni * no), pool::zeros(ni * no));
        let (mut cw, mut gc) = (pool::zeros(nb), pool::zeros(nb));
        for i in 0..ni {
            let s = &g.sums[i * self.stride()..];
            for o in 0..no {
                let cb = self.edge_coef(w, wb, i, o, &mut cw);
                let sum = s[0] * cb + s[2 + nb..2 + 2 * nb].iter().zip(&cw).map(|(a, b)| a * b).sum::<f64>();
                let sq = self.times(g, i, cb, &cw, &mut gc) * cb + gc.iter().zip(&cw).map(|(a, b)| a * b).sum::<f64>();
                (mean[i * no + o], std[i * no + o]) = mean_std(sum, sq, n);
            }
        }
        pool::give(cw);
        pool::give(gc);
        (mean, std)
    }

    /// `sum_s gy_s dy_s/dc` for every edge into the effective weights' gradients `(gw, gwb)`,
    /// where `gy_s = gcoef (y_s - mean)` (`gcoef`, `mean` per edge, `(in, out)`).
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn weight_grads(&self, g: &Gram, w: &[f64], wb: &[f64], gcoef: &[f64], mean: &[f64], gw: &mut [f64], gwb: &mut [f64]) {
        let (ni, no, nb) = (self.ni, self.no, self.nb);
        let (mut cw, mut gc) = (pool::zeros(nb), pool::zeros(nb));
        for i in 0..ni {
            let s = &g.sums[i * self.stride()..];
            for o in 0..no {
                let (e, k) = (i * no + o, gcoef[i * no + o]);
                if k == 0.0 {
                    continue;
                }
                let cb = self.edge_coef(w, wb, i, o, &mut cw);
                let gb = self.times(g, i, cb, &cw, &mut gc);
                gwb[e] = k * (gb - mean[e] * s[0]);
                for j in 0..nb {
                    gw[(i * nb + j) * no + o] = k * (gc[j] - mean[e] * s[2 + nb + j]);
                }
            }
        }
        pool::give(cw);
        pool::give(gc);
    }

    /// Input `i`'s `A = sum_o gcoef c c^T` and `v = sum_o gcoef mean c` restricted to each
    /// window position, dense (base first, `w1 x w1` and `w1` each), so the pass over the
    /// samples runs without branches.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn input_blocks(&self, i: usize, w: &[f64], wb: &[f64], gcoef: &[f64], mean: &[f64], blocks: &mut [f64], vhat: &mut [f64]) {
        let (no, nb, wn, w1) = (self.no, self.nb, self.w, self.w + 1);
        let mut cw = pool::zeros(nb);
        // a_bb, v_b, a_bw (nb), v_w (nb), the band a_ww (nb x wn)
        let mut a = pool::zeros(2 + nb * (wn + 2));
        let (head, rest) = a.split_at_mut(2);
        let (abw, rest) = rest.split_at_mut(nb);
        let (vw, aww) = rest.split_at_mut(nb);
        for o in 0..no {
            let k = gcoef[i * no + o];
            if k == 0.0 {
                continue;
            }
            let cb = self.edge_coef(w, wb, i, o, &mut cw);
            let km = k * mean[i * no + o];
            head[0] += k * cb * cb;
            head[1] += km * cb;
            for j in 0..nb {
                abw[j] += k * cb * cw[j];
                vw[j] += km * cw[j];
                let band = &mut aww[j * wn..(j + 1) * wn];
                for d in 0..wn.min(nb - j) {
                    band[d] += k * cw[j] * cw[j + d];
                }
            }
        }
        for (j0, blk) in blocks.chunks_exact_mut(w1 * w1).enumerate() {
            blk[0] = head[0];
            for r in 0..wn {
                blk[r + 1] = abw[j0 + r];
                blk[(r + 1) * w1] = abw[j0 + r];
                for r2 in 0..wn {
                    let (lo, d) = if r <= r2 { (j0 + r, r2 - r) } else { (j0 + r2, r - r2) };
                    blk[(r + 1) * w1 + r2 + 1] = aww[lo * wn + d];
                }
            }
            vhat[j0 * w1] = head[1];
            for r in 0..wn {
                vhat[j0 * w1 + r + 1] = vw[j0 + r];
            }
        }
        pool::give(cw);
        pool::give(a);
    }
}

#[cfg(test)]
mod perf {
    use super::*;
    use crate::autodiff::Tensor;
    #[test]
    #[ignore]
    fn gram_cost() {
        let l: Layer<f64> = Layer::new(5, 1, 3, 3, -1.0, 1.0, Base::Silu, 0);
        let n = 1000;
        let x = Tensor::from_vec(n, 5, (0..n * 5).map(|q| ((q * 7919) % 1000) as f64 / 500.0 - 1.0).collect());
        let c = l.basis_cache_with(&x, true);
        let p = vec![0.1; l.end()];
        let (w, wb) = l.effective(&p);
        let (w, wb) = (w.to_vec(), wb.to_vec());
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(l.gram(&c, &x));
        }
        eprintln!("gram {:?}", t.elapsed() / 1000);
        let g = l.gram(&c, &x);
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(l.shape().moments(&g, &w, &wb));
        }
        eprintln!("moments {:?}", t.elapsed() / 1000);
        let (mean, _) = l.shape().moments(&g, &w, &wb);
        let gc = vec![0.3; 5];
        let mut gx = vec![0.0; n * 5];
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            l.gram_input_grads(&c, &w, &wb, &gc, &mean, &mut gx);
        }
        eprintln!("input grads {:?}", t.elapsed() / 1000);
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(l.basis_cache_with(&x, true));
        }
        eprintln!("basis cache {:?}", t.elapsed() / 1000);
    }
}
