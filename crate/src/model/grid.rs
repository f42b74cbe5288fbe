//! Grids: pykan's grid update from samples (knots at the samples' percentiles, splines
//! refit to keep their shape) and grid extension (`refine`).

use super::{check_finite, Model};
use crate::autodiff::Tensor;
use crate::bspline;
use crate::error::{Failure, Res};
use crate::layer::Layer;
use crate::linalg;
use crate::real::Real;
use crate::rng::Rng;

/// pykan's adaptive grid: `G + 1` points mixing sample percentiles with a uniform grid,
/// from a sorted column. Samples spread over less than `min_span` get a uniform grid of
/// width `min_span` around their centre instead: a near-constant input (a node the
/// regulariser switched off) would otherwise get knots so dense that its spline's slope
/// explodes and stalls the optimiser. `None` when there are no finite samples.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn adaptive_grid(sorted: &[f64], g: usize, eps: f64, min_span: f64) -> Option<Vec<f64>> {
    let n = sorted.len();
    if n == 0 || !sorted[0].is_finite() || !sorted[n - 1].is_finite() {
        return None;
    }
    let (lo, hi) = (sorted[0], sorted[n - 1]);
    if !(hi - lo >= min_span) || hi - lo <= 0.0 {
        let c = 0.5 * (lo + hi);
        let w = min_span.max(1e-300);
        let h = w / g as f64;
        return Some((0..=g).map(|i| c - 0.5 * w + h * i as f64).collect());
    }
    let mut ada: Vec<f64> = (0..g).map(|i| sorted[((n as f64 / g as f64) * i as f64) as usize]).collect();
    ada.push(hi);
    let h = (ada[g] - ada[0]) / g as f64;
    Some((0..=g).map(|i| eps * (ada[0] + h * i as f64) + (1.0 - eps) * ada[i]).collect())
}

/// Narrowest grid a hidden layer's input gets, relative to the width of `gridRange`.
pub const MIN_HIDDEN_SPAN: f64 = 0.01;

/// Extends `G + 1` grid points by `k` knots on each side with the mean spacing.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn extend_grid(grid: &[f64], k: usize) -> Vec<f64> {
    let g = grid.len() - 1;
    let h = (grid[g] - grid[0]) / g as f64;
    let mut t = Vec::with_capacity(g + 1 + 2 * k);
    for m in (1..=k).rev() {
        t.push(grid[0] - h * m as f64);
    }
    t.extend_from_slice(grid);
    for m in 1..=k {
        t.push(grid[g] + h * m as f64);
    }
    t
}

/// Sorts sample values ascending (one copy of the sort for both float types).
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn sort_samples(v: &mut [f64]) {
    v.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(core::cmp::Ordering::Equal));
}

impl<T: Real> Model<T> {
    /// Grid update from samples, layer by layer (pykan's `update_grid_from_samples`):
    /// each input's knots move to the samples' percentiles (mixed with a uniform grid by
    /// `grid_eps`) and its spline coefficients are refit so the edge functions keep their shape.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn update_grid(&mut self, x: &Tensor<T>) -> Res<()> {
        check_finite(x, "updateGrid")?;
        for l in 0..self.layers.len() {
            let acts = self.activations(x);
            let (layer, coef) = self.regrid_layer(&self.layers[l], &self.params, &acts[l], self.layers[l].g, l == 0)?;
            self.params[layer.coef_off()..layer.sb_off()].copy_from_slice(&coef);
            self.layers[l] = layer;
        }
        self.cache = Some(x.clone());
        Ok(())
    }

    /// The layer `src` moved to an adaptive grid of `g` intervals from its inputs `xin`,
    /// with coefficients fit to `src`'s splines. Returns the new layer (same offset
    /// semantics, new `g`) and its coefficient block `(in, g + k, out)`.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn regrid_layer(&self, src: &Layer<T>, params: &[T], xin: &Tensor<T>, g: usize, first: bool) -> Res<(Layer<T>, Vec<T>)> {
        let (ni, no, k) = (src.n_in, src.n_out, src.k);
        let nt = g + 2 * k + 1;
        let mut layer = src.clone();
        layer.g = g;
        layer.knots = vec![T::ZERO; ni * nt];
        let nb = g + k;
        let mut coef = vec![T::ZERO; ni * nb * no];
        let mut col = vec![0.0f64; xin.rows];
        let mut spl = vec![T::ZERO; no];
        for i in 0..ni {
            for s in 0..xin.rows {
                col[s] = xin.data[s * ni + i].to_f64();
            }
            sort_samples(&mut col);
            let min_span = if first { 0.0 } else { MIN_HIDDEN_SPAN * (self.cfg.range.1 - self.cfg.range.0) };
            let knots: Vec<f64> = match adaptive_grid(&col, g, self.cfg.grid_eps, min_span) {
                Some(grid) => extend_grid(&grid, k),
                None => {
                    // no usable samples: keep the old span, resampled to g intervals
                    let old = src.knots_of(i);
                    let (lo, hi) = (old[k].to_f64(), old[src.g + k].to_f64());
                    bspline::uniform_knots::<f64>(g, k, lo, hi)
                }
            };
            let kt: Vec<T> = knots.iter().map(|&v| T::from_f64(v)).collect();
            if bspline::check_knots(&kt, k).is_err() {
                return Err(Failure::numeric(format!("grid update: layer input {i} gives degenerate knots")));
            }
            let xs: Vec<T> = col.iter().map(|&v| T::from_f64(v)).collect();
            let mut ys = vec![0.0f64; xs.len() * no];
            for (s, &xv) in xs.iter().enumerate() {
                src.spline_values(i, xv, params, &mut spl);
                for o in 0..no {
                    ys[s * no + o] = spl[o].to_f64();
                }
            }
            let c = linalg::curve2coef(&xs, &ys, no, &kt, k, linalg::RIDGE).map_err(Failure::numeric)?;
            for (q, v) in c.iter().enumerate() {
                coef[i * nb * no + q] = T::from_f64(*v);
            }
            layer.knots[i * nt..(i + 1) * nt].copy_from_slice(&kt);
        }
        Ok((layer, coef))
    }

    /// Lays the layers out again from offset 0 after their sizes changed, moving each
    /// layer's blocks from `old` (indexed by the old layers `prev`).
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn relayout(&mut self, prev: &[Layer<T>], old: &[T], coefs: Vec<Vec<T>>) {
        let mut off = 0;
        for l in 0..self.layers.len() {
            self.layers[l].off = off;
            off = self.layers[l].end();
        }
        let mut p = vec![T::ZERO; off];
        for (l, layer) in self.layers.iter().enumerate() {
            let pl = &prev[l];
            p[layer.coef_off()..layer.sb_off()].copy_from_slice(&coefs[l]);
            p[layer.sb_off()..layer.end()].copy_from_slice(&old[pl.sb_off()..pl.end()]);
        }
        self.params = p;
    }

    /// Samples for refine when the model has seen no data: uniform in the grid range.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn default_samples(&self) -> Tensor<T> {
        let mut rng = Rng::new(self.cfg.seed ^ 0x5EED);
        let (a, b) = self.cfg.range;
        let n = 1000;
        Tensor::from_vec(n, self.n_in(), (0..n * self.n_in()).map(|_| T::from_f64(a + (b - a) * rng.uniform())).collect())
    }

    /// Grid extension: a new model with `g` intervals in every layer whose splines are
    /// least-squares fits of this model's, on grids adapted to the cached samples.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn refine(&self, g: usize) -> Res<Model<T>> {
        if g < 1 {
            return Err(Failure::invalid("refine: the new grid must be >= 1"));
        }
        let x = self.cache.clone().unwrap_or_else(|| self.default_samples());
        let acts = self.activations(&x);
        let mut m = self.clone();
        m.fit = None;
        let mut coefs = Vec::new();
        for l in 0..self.layers.len() {
            let (layer, coef) = self.regrid_layer(&self.layers[l], &self.params, &acts[l], g, l == 0)?;
            m.layers[l] = layer;
            coefs.push(coef);
        }
        m.cfg.grid = vec![g; self.layers.len()];
        m.relayout(&self.layers, &self.params, coefs);
        Ok(m)
    }
}
