//! A KAN layer: one learnable 1-D function per edge, summed per output node.
//!
//! `out_o = sum_i mask_io * (scale_base_io * b(x_i) + scale_sp_io * spline_io(x_i))
//!        + sum_i [sym_io != 0] * (c * f(a * x_i + b') + d) + bias_o`
//!
//! The spline part evaluates the `k+1` non-zero basis functions of each input once and
//! reuses them for every output: per sample and input that is `k+2` SIMD `axpy`s over
//! the outputs (forward) and as many `dot`s more (backward), whatever the grid size.
//!
//! # Shapes (in the model's flat parameter vector, from `off`)
//! `coef (in, coeff, out)` with `coeff = G + k`, then `scale_base (in, out)`,
//! `scale_sp (in, out)`, `affine (in, out, 4)` = `(a, b, c, d)` of symbolic edges.
//! Not trained: `knots (in, G + 2k + 1)`, `mask (in, out)` followed by `bias (out)` (pykan's
//! subnode_bias: where pruning leaves the constants of what it removes), `sym (in, out)`.
//!
//! ```
//! use kanwasm_core::layer::{Layer, Base};
//! use kanwasm_core::autodiff::Tensor;
//! let l: Layer<f64> = Layer::new(2, 3, 5, 3, -1.0, 1.0, Base::Silu, 0);
//! let params = vec![0.0; l.n_params()];
//! let y = l.forward(&Tensor::from_vec(1, 2, vec![0.1, 0.2]), &params);
//! assert_eq!((y.rows, y.cols), (1, 3));
//! ```

//!
//! The layer's parts, a file each: [`cache`] the basis windows of a batch (shared by the
//! forward, the backward and the regulariser), this file the forward pass, [`backward`] its
//! gradients, [`ops`] the tape ops over both, [`gram`] the regulariser's edge statistics
//! from sums over the batch and [`fold`] the same folded into the layer's backward.

use crate::autodiff::{silu_both, Tensor};
use crate::bspline::{self, MAX_K};
use crate::par;
use crate::pool::Aligned;
use crate::real::Real;
use crate::symbolic;

mod backward;
mod cache;
mod fold;
mod gram;
mod ops;
#[cfg(test)]
mod tests;

pub use cache::BasisCache;
use gram::Gram;
pub use ops::{EdgeScaleOp, KanOp, SharedCache};

/// The residual (base) function `b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Base {
    Silu,
    Identity,
    Zero,
}

impl Base {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn from_code(c: u32) -> Option<Base> {
        [Base::Silu, Base::Identity, Base::Zero].get(c as usize).copied()
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn code(self) -> u32 {
        self as u32
    }
    #[inline]
    pub fn eval<T: Real>(self, x: T) -> (T, T) {
        match self {
            Base::Silu => silu_both(x),
            Base::Identity => (x, T::ONE),
            Base::Zero => (T::ZERO, T::ZERO),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Layer<T> {
    pub n_in: usize,
    pub n_out: usize,
    /// Grid intervals `G`.
    pub g: usize,
    pub k: usize,
    /// `(in, G + 2k + 1)`.
    pub knots: Vec<T>,
    /// `(in, out)`, 0 or 1, then the bias `(out)` ([`Layer::bias`]): one vector, so that the
    /// bias costs the module no copying and freeing code of its own.
    pub mask: Vec<T>,
    /// `(in, out)`: 0 for a numeric edge, else the symbolic function id.
    pub sym: Vec<u16>,
    pub base: Base,
    /// Offset of this layer's parameters in the model's vector.
    pub off: usize,
}

/// Value and derivative of symbolic function `id` at `x`. Evaluated in f64 for either
/// element type (one copy of the library in the module; float32 models round the result).
/// User-defined functions are evaluated by the caller's table; built-ins here.
#[inline]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn sym_eval<T: Real>(id: u16, x: T) -> (T, T) {
    let (f, df) = symbolic::eval::<f64>(id, x.to_f64());
    (T::from_f64(f), T::from_f64(df))
}

impl<T: Real> Layer<T> {
    /// A layer on the uniform grid of `g` intervals over `[a, b]`, all edges numeric.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(n_in: usize, n_out: usize, g: usize, k: usize, a: f64, b: f64, base: Base, off: usize) -> Self {
        let t: Vec<T> = bspline::uniform_knots(g, k, a, b);
        let mut mask = vec![T::ONE; n_in * n_out];
        mask.resize(n_in * n_out + n_out, T::ZERO);
        let mut knots = Vec::with_capacity(n_in * t.len());
        for _ in 0..n_in {
            knots.extend_from_slice(&t);
        }
        Layer { n_in, n_out, g, k, knots, mask, sym: vec![0; n_in * n_out], base, off }
    }

    pub fn nb(&self) -> usize {
        self.g + self.k
    }
    pub fn nt(&self) -> usize {
        self.g + 2 * self.k + 1
    }
    pub fn coef_off(&self) -> usize {
        self.off
    }
    pub fn sb_off(&self) -> usize {
        self.off + self.n_in * self.nb() * self.n_out
    }
    pub fn sp_off(&self) -> usize {
        self.sb_off() + self.n_in * self.n_out
    }
    pub fn aff_off(&self) -> usize {
        self.sp_off() + self.n_in * self.n_out
    }
    pub fn n_params(&self) -> usize {
        self.n_in * self.n_out * (self.nb() + 6)
    }
    pub fn end(&self) -> usize {
        self.off + self.n_params()
    }
    /// The constant added to each output, `(out)`: the tail of `mask`.
    pub fn bias(&self) -> &[T] {
        &self.mask[self.n_in * self.n_out..]
    }
    pub fn bias_mut(&mut self) -> &mut [T] {
        let n = self.n_in * self.n_out;
        &mut self.mask[n..]
    }
    pub fn knots_of(&self, i: usize) -> &[T] {
        &self.knots[i * self.nt()..(i + 1) * self.nt()]
    }

    /// Effective spline weights `coef * scale_sp * mask`, `(in, coeff, out)`, and base
    /// weights `scale_base * mask`, `(in, out)`, each starting on a cache line.
    pub fn effective(&self, p: &[T]) -> (Aligned<T>, Aligned<T>) {
        let (nb, no) = (self.nb(), self.n_out);
        let coef = &p[self.coef_off()..self.sb_off()];
        let sb = &p[self.sb_off()..self.sp_off()];
        let sp = &p[self.sp_off()..self.aff_off()];
        if par::THREADED {
            return self.effective_par(p);
        }
        // filled in layout order, so the buffer needs no zeroing first
        let mut w = Aligned::take(coef.len());
        for i in 0..self.n_in {
            let (spi, mi) = (&sp[i * no..(i + 1) * no], &self.mask[i * no..(i + 1) * no]);
            for j in 0..nb {
                let base = (i * nb + j) * no;
                w.extend(coef[base..base + no].iter().zip(spi).zip(mi).map(|((&c, &s), &m)| c * s * m));
            }
        }
        let mut wb = Aligned::take(sb.len());
        wb.extend(sb.iter().zip(&self.mask).map(|(&a, &m)| a * m));
        (w, wb)
    }

    /// [`Self::effective`] on threads: inputs in parts, each writing its own rows.
    fn effective_par(&self, p: &[T]) -> (Aligned<T>, Aligned<T>) {
        let (nb, no, ni) = (self.nb(), self.n_out, self.n_in);
        let (coef, sb) = (&p[self.coef_off()..self.sb_off()], &p[self.sb_off()..self.sp_off()]);
        let sp = &p[self.sp_off()..self.aff_off()];
        // SAFETY: the tasks write every row of both.
        let (mut w, mut wb) = unsafe { (Aligned::unfilled(coef.len()), Aligned::unfilled(sb.len())) };
        let (ws, wbs) = (par::Shared::new(w.slice_mut()), par::Shared::new(wb.slice_mut()));
        let parts = par::parts(ni * nb * no, 1 << 14).min(ni);
        let task = |t: usize, _slot: usize| {
            let r = par::part(ni, parts, t);
            // SAFETY: the parts' rows are disjoint.
            let (w, wb) = unsafe { (ws.slice(r.start * nb * no..r.end * nb * no), wbs.slice(r.start * no..r.end * no)) };
            for (li, i) in r.clone().enumerate() {
                let (spi, mi) = (&sp[i * no..(i + 1) * no], &self.mask[i * no..(i + 1) * no]);
                for j in 0..nb {
                    let (src, dst) = ((i * nb + j) * no, (li * nb + j) * no);
                    for (((d, &c), &s), &m) in w[dst..dst + no].iter_mut().zip(&coef[src..src + no]).zip(spi).zip(mi) {
                        *d = c * s * m;
                    }
                }
            }
            let e = r.start * no..r.end * no;
            for ((d, &a), &m) in wb.iter_mut().zip(&sb[e.clone()]).zip(&self.mask[e]) {
                *d = a * m;
            }
        };
        // SAFETY: each task writes its own rows and allocates nothing.
        unsafe { par::run(parts, usize::MAX, &task) };
        (w, wb)
    }

    /// Inputs per block of the forward pass: as many as keep the block's weights (base
    /// and spline rows) within about 24 KiB, at least one.
    fn input_block(&self) -> usize {
        let per_input = (self.nb() + 1) * self.n_out * T::BYTES;
        (24 * 1024 / per_input.max(1)).clamp(1, self.n_in.max(1))
    }

    fn has_sym(&self) -> bool {
        self.sym.iter().any(|&s| s != 0)
    }

    /// Forward pass. Shapes: `x (n, in) -> (n, out)`.
    pub fn forward(&self, x: &Tensor<T>, p: &[T]) -> Tensor<T> {
        if !self.numeric() {
            return self.forward_symbolic(x, p, None);
        }
        self.forward_cached(x, p, &self.basis_cache_with(x, false))
    }

    /// Forward pass from a [`BasisCache`] of `x`.
    pub fn forward_cached(&self, x: &Tensor<T>, p: &[T], c: &BasisCache<T>) -> Tensor<T> {
        let (no, ni) = (self.n_out, self.n_in);
        let (w, wb) = self.eff(c, p);
        let mut out = Tensor::zeros(x.rows, no);
        let sym = self.has_sym();
        let n = x.rows;
        // Rows go in parts, one task each (see crate::par): a row's sums run in the same
        // order whichever part holds it, so the bits do not depend on the threads.
        // every part reads all of the layer's weights: once they outgrow a core's cache,
        // one part per thread, or the parts' rereads make the forward memory-bound
        let big = (self.nb() + 1) * ni * no * T::BYTES > 256 << 10;
        let parts = if big { par::parts(n, 32).min(par::width()) } else { par::parts(n, 32) };
        let at = par::Shared::new(&mut out.data);
        let (w, wb, cr) = (&*w, &*wb, par::Ref::new(c));
        let task = |t: usize, _slot: usize| {
            let c = cr.get();
            let rows = par::part(n, parts, t);
            // SAFETY: the parts are disjoint.
            let y = unsafe { at.slice(rows.start * no..rows.end * no) };
            if no >= 4 {
                // Inputs go in blocks whose weights stay in cache; for every sample, the
                // kernel lists the block's base rows and window rows with their factors
                // once, then sums them into the sample's outputs, a block of outputs in
                // registers at a time.
                let (ib, w1) = (self.input_block(), self.k + 1);
                for i0 in (0..ni).step_by(ib) {
                    let (m, q) = ((i0 + ib).min(ni) - i0, i0 * n + rows.start);
                    T::axpy_windows(&c.b[q..], &c.val[w1 * q..], &c.row[q..], rows.len(), n, m, w1, &wb[i0 * no..], w, no, y);
                }
            } else if no == 1 {
                // One output (a model's last layer, often): the same sums as below, kept in
                // a register across the inputs
                let (w1, base) = (self.k + 1, self.base != Base::Zero);
                for (s, yo) in rows.zip(y.iter_mut()) {
                    let mut acc = *yo;
                    for i in 0..ni {
                        let q = i * n + s;
                        if base {
                            acc += c.b[q] * wb[i];
                        }
                        let (r0, v) = (c.row[q], &c.val[q * w1..(q + 1) * w1]);
                        for (r, &a) in v.iter().enumerate() {
                            acc += a * w[r0 + r];
                        }
                    }
                    *yo = acc;
                }
            } else {
                // Fewer outputs than a SIMD vector: each (sample, input) adds its rows into
                // the sample's outputs in place, in the kernel's order.
                for (s, orow) in rows.zip(y.chunks_exact_mut(no.max(1))) {
                    for i in 0..ni {
                        self.add_edge_rows(c, i * n + s, i, w, wb, orow);
                    }
                }
            }
        };
        // SAFETY: each task writes its own rows of `out` and allocates nothing.
        unsafe { par::run(parts, usize::MAX, &task) };
        if sym {
            self.add_symbolic(x, p, &mut out, None);
        }
        self.add_bias(&mut out);
        out
    }

    /// Whether any edge keeps a numeric part (a mask entry not 0). Once every edge is
    /// symbolic or pruned, the splines add exact zeros, so their passes can be left out.
    pub fn numeric(&self) -> bool {
        self.mask[..self.n_in * self.n_out].iter().any(|&m| m != T::ZERO)
    }

    /// The forward pass of a layer without numeric edges: symbolic edges and bias alone,
    /// the same bits as [`Self::forward_cached`] gives it. `keep` receives each symbolic
    /// edge's value and derivative, sample by sample, for [`Self::backward_symbolic`].
    #[inline(never)]
    pub fn forward_symbolic(&self, x: &Tensor<T>, p: &[T], keep: Option<&mut Vec<T>>) -> Tensor<T> {
        let mut out = Tensor::zeros(x.rows, self.n_out);
        self.add_symbolic(x, p, &mut out, keep);
        self.add_bias(&mut out);
        out
    }

    /// `out (n, out) +=` the symbolic edges' outputs, sample by sample (see `keep` above).
    #[inline(never)]
    fn add_symbolic(&self, x: &Tensor<T>, p: &[T], out: &mut Tensor<T>, mut keep: Option<&mut Vec<T>>) {
        if let Some(k) = keep.as_deref_mut() {
            k.clear();
        }
        let (no, ni) = (self.n_out, self.n_in);
        let aff = &p[self.aff_off()..self.end()];
        for s in 0..x.rows {
            let orow = &mut out.data[s * no..(s + 1) * no];
            for i in 0..ni {
                let xv = x.data[s * ni + i];
                for o in 0..no {
                    let id = self.sym[i * no + o];
                    if id != 0 {
                        let a = &aff[(i * no + o) * 4..(i * no + o) * 4 + 4];
                        let (f, df) = sym_eval(id, a[0] * xv + a[1]);
                        orow[o] += a[2] * f + a[3];
                        if let Some(k) = keep.as_deref_mut() {
                            k.extend([f, df]);
                        }
                    }
                }
            }
        }
    }

    /// `out (n, out) += bias`, row by row; nothing when every bias is 0.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn add_bias(&self, out: &mut Tensor<T>) {
        let bias = self.bias();
        if bias.iter().any(|&b| b != T::ZERO) {
            for (q, v) in out.data.iter_mut().enumerate() {
                *v += bias[q % self.n_out];
            }
        }
    }

    /// `y (out) += b * wb_i + sum_r B_r * w_r` for entry `q` (input `i`): the numeric edges'
    /// outputs of one (sample, input), the base row first, then the window rows.
    #[inline]
    fn add_edge_rows(&self, c: &BasisCache<T>, q: usize, i: usize, w: &[T], wb: &[T], y: &mut [T]) {
        let (no, w1) = (self.n_out, self.k + 1);
        // plain loops: no call overhead for the few outputs of the forward's small layers,
        // and the compiler vectorises them for many
        let mut add = |a: T, row: &[T]| {
            for (e, &wv) in y.iter_mut().zip(row) {
                *e += a * wv;
            }
        };
        if self.base != Base::Zero {
            add(c.b[q], &wb[i * no..(i + 1) * no]);
        }
        let rows = c.row[q];
        for r in 0..w1 {
            add(c.val[q * w1 + r], &w[rows + r * no..rows + (r + 1) * no]);
        }
    }

    /// Numeric edge outputs for one input value: `out[o] = mask * (sb * b(x) + sp * spline(x))`
    /// for input `i`, plus (when `with_sym`) the symbolic edges.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn edge_values(&self, i: usize, xv: T, p: &[T], with_sym: bool, out: &mut [T]) {
        let (nb, no, k) = (self.nb(), self.n_out, self.k);
        let coef = &p[self.coef_off()..self.sb_off()];
        let sb = &p[self.sb_off()..self.sp_off()];
        let sp = &p[self.sp_off()..self.aff_off()];
        let aff = &p[self.aff_off()..self.end()];
        let mut v = [T::ZERO; MAX_K + 1];
        let (b, _) = self.base.eval(xv);
        let mut spl = vec![T::ZERO; no];
        if let Some(st) = bspline::eval(self.knots_of(i), k, xv, 0, &mut v) {
            for m in 0..=k {
                let j = st + m as isize;
                if j >= 0 && (j as usize) < nb {
                    let r = (i * nb + j as usize) * no;
                    T::axpy(v[m], &coef[r..r + no], &mut spl);
                }
            }
        }
        for o in 0..no {
            let e = i * no + o;
            out[o] = self.mask[e] * (sb[e] * b + sp[e] * spl[o]);
            if with_sym && self.sym[e] != 0 {
                let a = &aff[e * 4..e * 4 + 4];
                out[o] += a[2] * sym_eval(self.sym[e], a[0] * xv + a[1]).0 + a[3];
            }
        }
    }

    /// The spline alone (`sum_j coef_ioj B_j(x)`) for input `i`, every output: `out (out)`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn spline_values(&self, i: usize, xv: T, p: &[T], out: &mut [T]) {
        let (nb, no, k) = (self.nb(), self.n_out, self.k);
        let coef = &p[self.coef_off()..self.sb_off()];
        out.iter_mut().for_each(|v| *v = T::ZERO);
        let mut v = [T::ZERO; MAX_K + 1];
        if let Some(st) = bspline::eval(self.knots_of(i), k, xv, 0, &mut v) {
            for m in 0..=k {
                let j = st + m as isize;
                if j >= 0 && (j as usize) < nb {
                    let r = (i * nb + j as usize) * no;
                    T::axpy(v[m], &coef[r..r + no], out);
                }
            }
        }
    }
}
