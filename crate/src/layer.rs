//! A KAN layer: one learnable 1-D function per edge, summed per output node.
//!
//! `out_o = sum_i mask_io * (scale_base_io * b(x_i) + scale_sp_io * spline_io(x_i))
//!        + sum_i [sym_io != 0] * (c * f(a * x_i + b') + d)`
//!
//! The spline part evaluates the `k+1` non-zero basis functions of each input once and
//! reuses them for every output: per sample and input that is `k+2` SIMD `axpy`s over
//! the outputs (forward) and as many `dot`s more (backward), whatever the grid size.
//!
//! # Shapes (in the model's flat parameter vector, from `off`)
//! `coef (in, coeff, out)` with `coeff = G + k`, then `scale_base (in, out)`,
//! `scale_sp (in, out)`, `affine (in, out, 4)` = `(a, b, c, d)` of symbolic edges.
//! Not trained: `knots (in, G + 2k + 1)`, `mask (in, out)`, `sym (in, out)` function ids.
//!
//! ```
//! use kanwasm_core::layer::{Layer, Base};
//! use kanwasm_core::autodiff::Tensor;
//! let l: Layer<f64> = Layer::new(2, 3, 5, 3, -1.0, 1.0, Base::Silu, 0);
//! let params = vec![0.0; l.n_params()];
//! let y = l.forward(&Tensor::from_vec(1, 2, vec![0.1, 0.2]), &params);
//! assert_eq!((y.rows, y.cols), (1, 3));
//! ```

use crate::autodiff::{silu_both, std_rows, std_rows_backward, Fused, Tensor};
use crate::bspline::{self, MAX_K};
use crate::pool::{self, Aligned, Pooled};
use crate::real::Real;
use crate::symbolic;
use std::cell::RefCell;
use std::rc::Rc;

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
    /// `(in, out)`, 0 or 1.
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

/// Everything a layer needs per (sample, input), computed once per batch and shared by
/// the forward, the backward and the regulariser: the basis window (values and first
/// derivatives) and the base function with its derivative.
/// Input-major, so a pass over one input's samples reads memory in order:
/// `row (in, n)`, `val`/`der (in, n, k+1)`, `b`/`db (in, n)`; entry `q = i * n + s`.
/// Every window holds `k+1` bases inside the basis: where an entry's non-zero bases run
/// past either end of it (or `x` lies outside the knots), the window is moved inside and
/// the bases that do not exist get the value 0, so kernels need no special cases.
#[derive(Debug, Default)]
pub struct BasisCache<T: Pooled> {
    /// The effective weights `(w, wb)` of the parameters the cache was built with (a tape
    /// evaluates one parameter vector), so forward, backward and regulariser share them.
    pub eff: Option<(Aligned<T>, Aligned<T>)>,
    pub n: usize,
    /// The offset of the window's first row in the effective weights `(in, coeff, out)`.
    pub row: Vec<usize>,
    /// The entries whose windows were moved inside (or lie outside the knots), ascending.
    pub moved: Vec<usize>,
    pub val: Vec<T>,
    pub der: Vec<T>,
    pub b: Vec<T>,
    pub db: Vec<T>,
    /// The cache outlives one evaluation (the first layer's, over a whole fit on the full
    /// data): the backward pass then sorts every input's samples into `groups` once and
    /// keeps them there; otherwise `groups` holds one input's at a time.
    pub keep: bool,
    groups: RefCell<Option<Groups<T>>>,
}

impl<T: Pooled> Drop for BasisCache<T> {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.row));
        pool::give(std::mem::take(&mut self.moved));
        for v in [&mut self.val, &mut self.der, &mut self.b, &mut self.db] {
            pool::give(std::mem::take(v));
        }
    }
}

/// Effective weights borrowed from a [`BasisCache`], or computed for one call (these go
/// back to the pool when dropped).
enum Eff<'c, T: Pooled> {
    Borrowed(&'c [T]),
    Owned(Aligned<T>),
}

impl<T: Pooled> std::ops::Deref for Eff<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Eff::Borrowed(w) => w,
            Eff::Owned(w) => w,
        }
    }
}

/// The samples of [`Layer::weight_grads_grouped`] for `n` samples and `nb` bases, in
/// `slots` slots of one input each: each sample's group (its window's first basis, or
/// none), the groups' bounds, and the grouped samples in group order with their 5 factors
/// (base, then the window) and output-gradient offsets; `ready` once every slot is filled.
#[derive(Debug, Default)]
struct Groups<T: Pooled> {
    key: Vec<u32>,
    start: Vec<usize>,
    next: Vec<usize>,
    alpha: Vec<T>,
    goff: Vec<u32>,
    ready: bool,
}

impl<T: Pooled> Drop for Groups<T> {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.key));
        pool::give(std::mem::take(&mut self.start));
        pool::give(std::mem::take(&mut self.next));
        pool::give(std::mem::take(&mut self.alpha));
        pool::give(std::mem::take(&mut self.goff));
    }
}

impl<T: Real> Groups<T> {
    fn new(n: usize, nb: usize, slots: usize) -> Self {
        Groups {
            key: pool::zeros(n),
            start: pool::zeros(slots * (nb + 1)),
            next: pool::zeros(nb),
            alpha: pool::zeros(5 * n * slots),
            goff: pool::zeros(n * slots),
            ready: false,
        }
    }
}

impl<T: Real> Layer<T> {
    /// The basis windows and base values of `x (n, in)`, with the derivatives a backward
    /// pass needs.
    pub fn basis_cache(&self, x: &Tensor<T>) -> BasisCache<T> {
        self.basis_cache_with(x, true)
    }

    /// [`Self::basis_cache`]; `with_der: false` (inference) leaves `der` empty and skips
    /// the derivatives where the evaluation allows it.
    pub fn basis_cache_with(&self, x: &Tensor<T>, with_der: bool) -> BasisCache<T> {
        let (ni, k, nt) = (self.n_in, self.k, self.nt());
        let n = x.rows;
        let w = k + 1;
        // Entries are appended in (input, sample) order, so nothing is zero-filled first.
        let mut c = BasisCache {
            eff: None,
            keep: false,
            groups: Default::default(),
            n,
            row: pool::take(n * ni),
            moved: pool::take(n * ni),
            val: pool::take(n * ni * w),
            der: if with_der { pool::take(n * ni * w) } else { Vec::new() },
            b: pool::take(n * ni),
            db: pool::take(n * ni),
        };
        let mut tp = Vec::new();
        for i in 0..ni {
            let t = self.knots_of(i);
            debug_assert_eq!(t.len(), nt);
            let xs = x.data[i..].iter().step_by(ni.max(1)).take(n).copied();
            self.push_base(&mut c, xs.clone());
            // cubic splines on uniform knots (no grid update yet) take a division-free path,
            // 4 samples at a time
            match bspline::uniform_step(t).filter(|_| k == 3).map(|h| T::ONE / h) {
                Some(inv_h) => self.push_cubic(&mut c, i, xs, with_der, t[0], inv_h),
                None => {
                    bspline::pad_knots(t, k, &mut tp);
                    let mut scratch = [T::ZERO; bspline::WIN];
                    self.push_input(&mut c, i, xs, with_der, |xv, val, der| bspline::eval_padded(t, &tp, k, xv, val, der.unwrap_or(&mut scratch)))
                }
            }
        }
        c
    }
}

impl<T: Real> Layer<T> {
    /// Appends the base function and its derivative at the samples `xs` to `c.b` and `c.db`,
    /// in a loop of its own over contiguous memory (in float32 it vectorises: see
    /// `Real::sigmoid`).
    fn push_base(&self, c: &mut BasisCache<T>, xs: impl Iterator<Item = T>) {
        let m0 = c.b.len();
        c.b.extend(xs);
        c.db.resize(c.b.len(), T::ZERO);
        let (bs, dbs) = (&mut c.b[m0..], &mut c.db[m0..]);
        match self.base {
            Base::Silu => {
                for (b, db) in bs.iter_mut().zip(dbs.iter_mut()) {
                    (*b, *db) = silu_both(*b);
                }
            }
            base => {
                for (b, db) in bs.iter_mut().zip(dbs.iter_mut()) {
                    (*b, *db) = base.eval(*b);
                }
            }
        }
    }

    /// [`Self::push_input`] for cubic windows on uniform knots from `t0`, `1 / inv_h` apart:
    /// 4 samples at a time through [`Real::cubic4`], and one by one where it declines (a
    /// window not wholly inside the basis) and for the last `n % 4` samples.
    fn push_cubic(&self, c: &mut BasisCache<T>, i: usize, mut xs: impl Iterator<Item = T>, with_der: bool, t0: T, inv_h: T) {
        let (nt, no) = (self.nt(), self.n_out);
        let rows0 = i * self.nb() * no;
        let (mut val, mut der) = ([T::ZERO; 16], [T::ZERO; 16]);
        loop {
            let mut x = [T::ZERO; 4];
            let mut m = 0;
            for (xv, v) in x.iter_mut().zip(xs.by_ref()) {
                *xv = v;
                m += 1;
            }
            match T::cubic4(&x, t0, inv_h, nt, &mut val, with_der.then_some(&mut der)).filter(|_| m == 4) {
                Some(first) => {
                    c.row.extend(first.map(|j0| rows0 + j0 * no));
                    c.val.extend_from_slice(&val);
                    if with_der {
                        c.der.extend_from_slice(&der);
                    }
                }
                None => {
                    self.push_input(c, i, x.into_iter().take(m), with_der, |xv, val, der| bspline::eval_uniform_fixed::<T, 3, 4>(t0, inv_h, nt, xv, val, der))
                }
            }
            if m < 4 {
                break;
            }
        }
    }

    /// Appends input `i`'s window entries for the samples `xs` to `c`; `eval(x, val, der)`
    /// writes the window (and, given `der`, its derivatives) and returns its first basis,
    /// which may lie outside `0..nb` (`None`: no basis is non-zero).
    #[inline(always)]
    fn push_input(
        &self,
        c: &mut BasisCache<T>,
        i: usize,
        xs: impl Iterator<Item = T>,
        with_der: bool,
        mut eval: impl FnMut(T, &mut [T], Option<&mut [T]>) -> Option<isize>,
    ) {
        let w = self.k + 1;
        // the last first basis of a window inside the basis (nb = g + k >= k + 1)
        let top = (self.nb() - w) as isize;
        let (rows0, no) = (i * self.nb() * self.n_out, self.n_out);
        let mut val = [T::ZERO; bspline::WIN];
        let mut der = [T::ZERO; bspline::WIN];
        for xv in xs {
            let st = eval(xv, &mut val[..w], if with_der { Some(&mut der[..w]) } else { None });
            let j0 = match st {
                Some(st) if (0..=top).contains(&st) => st,
                // moved inside, keeping the bases that exist (none when x is outside)
                st => {
                    c.moved.push(c.row.len());
                    let j0 = st.map_or(0, |st| st.clamp(0, top));
                    let (v0, d0) = (val, der);
                    for r in 0..w {
                        // basis j0 + r is the evaluated window's entry j0 + r - st, if any
                        let src = st.map(|st| j0 + r as isize - st).filter(|src| (0..w as isize).contains(src));
                        val[r] = src.map_or(T::ZERO, |src| v0[src as usize]);
                        der[r] = src.map_or(T::ZERO, |src| d0[src as usize]);
                    }
                    j0
                }
            };
            c.row.push(rows0 + j0 as usize * no);
            c.val.extend_from_slice(&val[..w]);
            if with_der {
                c.der.extend_from_slice(&der[..w]);
            }
        }
    }

    /// A layer on the uniform grid of `g` intervals over `[a, b]`, all edges numeric.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(n_in: usize, n_out: usize, g: usize, k: usize, a: f64, b: f64, base: Base, off: usize) -> Self {
        let t: Vec<T> = bspline::uniform_knots(g, k, a, b);
        let mut knots = Vec::with_capacity(n_in * t.len());
        for _ in 0..n_in {
            knots.extend_from_slice(&t);
        }
        Layer { n_in, n_out, g, k, knots, mask: vec![T::ONE; n_in * n_out], sym: vec![0; n_in * n_out], base, off }
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

    /// The effective weights from the cache when it holds them, else computed (and given
    /// back to the pool when dropped).
    fn eff<'c>(&self, c: &'c BasisCache<T>, p: &[T]) -> (Eff<'c, T>, Eff<'c, T>) {
        match &c.eff {
            Some((w, wb)) => (Eff::Borrowed(w), Eff::Borrowed(wb)),
            None => {
                let (w, wb) = self.effective(p);
                (Eff::Owned(w), Eff::Owned(wb))
            }
        }
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
        self.forward_cached(x, p, &self.basis_cache_with(x, false))
    }

    /// Forward pass from a [`BasisCache`] of `x`.
    pub fn forward_cached(&self, x: &Tensor<T>, p: &[T], c: &BasisCache<T>) -> Tensor<T> {
        let (no, ni) = (self.n_out, self.n_in);
        let (w, wb) = self.eff(c, p);
        let mut out = Tensor::zeros(x.rows, no);
        let sym = self.has_sym();
        let aff = &p[self.aff_off()..self.end()];
        let n = x.rows;
        if no >= 4 {
            // Inputs go in blocks whose weights stay in cache; for every sample, the kernel
            // lists the block's base rows and window rows with their factors once, then sums
            // them into the sample's outputs, a block of outputs in registers at a time.
            let (ib, w1) = (self.input_block(), self.k + 1);
            for i0 in (0..ni).step_by(ib) {
                let (m, q) = ((i0 + ib).min(ni) - i0, i0 * n);
                T::axpy_windows(&c.b[q..], &c.val[w1 * q..], &c.row[q..], n, m, w1, &wb[i0 * no..], &w, no, &mut out.data);
            }
        } else {
            // Fewer outputs than a SIMD vector: each (sample, input) adds its rows into the
            // sample's outputs in place, in the kernel's order.
            for s in 0..n {
                let orow = &mut out.data[s * no..(s + 1) * no];
                for i in 0..ni {
                    self.add_edge_rows(c, i * n + s, i, &w, &wb, orow);
                }
            }
        }
        if sym {
            for s in 0..n {
                let orow = &mut out.data[s * no..(s + 1) * no];
                for i in 0..ni {
                    let xv = x.data[s * ni + i];
                    for o in 0..no {
                        let id = self.sym[i * no + o];
                        if id != 0 {
                            let a = &aff[(i * no + o) * 4..(i * no + o) * 4 + 4];
                            orow[o] += a[2] * sym_eval(id, a[0] * xv + a[1]).0 + a[3];
                        }
                    }
                }
            }
        }
        out
    }

    /// Adds the gradients of `sum(gy * forward(x))` to `gx (n, in)` and `pg` (flat).
    pub fn backward(&self, x: &Tensor<T>, p: &[T], gy: &Tensor<T>, gx: &mut [T], pg: &mut [T]) {
        self.backward_cached(x, p, gy, gx, pg, &self.basis_cache(x), true, false)
    }

    /// The backward pass from a [`BasisCache`] of `x`.
    /// `need_dx: false` skips the gradient with respect to `x` (a layer fed by the data).
    /// `exclusive`: no other op adds to this layer's gradient blocks in `pg`, which are still
    /// zero, so the effective-weight gradients build up there in place of scratch buffers.
    pub fn backward_cached(&self, x: &Tensor<T>, p: &[T], gy: &Tensor<T>, gx: &mut [T], pg: &mut [T], c: &BasisCache<T>, need_dx: bool, exclusive: bool) {
        let (w, wb) = self.eff(c, p);
        let (g_coef, g_sb, g_sp, g_aff) = self.grad_blocks(pg);
        if exclusive {
            self.accumulate(x, p, gy, gx, c, need_dx, &w, &wb, g_coef, g_sb, g_aff);
            self.chain_effective(p, None, g_coef, g_sb, g_sp);
        } else {
            let (mut gw, mut gwb) = (pool::zeros(w.len()), pool::zeros(wb.len()));
            self.accumulate(x, p, gy, gx, c, need_dx, &w, &wb, &mut gw, &mut gwb, g_aff);
            self.chain_effective(p, Some((&gw, &gwb)), g_coef, g_sb, g_sp);
            pool::give(gw);
            pool::give(gwb);
        }
    }

    /// This layer's blocks of the flat parameter gradient: coef `(in, coeff, out)`,
    /// scale_base and scale_sp `(in, out)`, affine `(in, out, 4)`.
    #[allow(clippy::type_complexity)]
    fn grad_blocks<'g>(&self, pg: &'g mut [T]) -> (&'g mut [T], &'g mut [T], &'g mut [T], &'g mut [T]) {
        let e = self.n_in * self.n_out;
        let (g_coef, rest) = pg[self.coef_off()..self.end()].split_at_mut(e * self.nb());
        let (g_sb, rest) = rest.split_at_mut(e);
        let (g_sp, g_aff) = rest.split_at_mut(e);
        (g_coef, g_sb, g_sp, g_aff)
    }

    /// The gradients of the effective weights into `gw`, `gwb`, of the symbolic edges'
    /// affine parameters into `g_aff`, and (with `need_dx`) of the inputs into `gx`.
    fn accumulate(
        &self,
        x: &Tensor<T>,
        p: &[T],
        gy: &Tensor<T>,
        gx: &mut [T],
        c: &BasisCache<T>,
        need_dx: bool,
        w: &[T],
        wb: &[T],
        gw: &mut [T],
        gwb: &mut [T],
        g_aff: &mut [T],
    ) {
        let (no, ni) = (self.n_out, self.n_in);
        let sym = self.has_sym();
        let aff = &p[self.aff_off()..self.end()];
        let n = x.rows;
        // Cubic windows with a base branch go in groups of samples that share a window,
        // whose gradient rows then stay in registers (see `Real::ger_group`); d/dx, when
        // needed, follows sample by sample (`Real::dx_window`). A kept cache sorts every
        // input's samples once, each input into a slot of its own, unless those slots would
        // take more than 64 MB; otherwise one slot serves input after input.
        let grouped = self.k == 3 && self.base != Base::Zero;
        let all = c.keep && 5 * n * ni * T::BYTES <= 64 << 20;
        let mut slots = c.groups.borrow_mut();
        let mut groups = grouped.then(|| match all {
            true => slots.get_or_insert_with(|| Groups::new(n, self.nb(), ni)),
            false => slots.insert(Groups::new(n, self.nb(), 1)),
        });
        for i in 0..ni {
            if let Some(gr) = groups.as_deref_mut() {
                let slot = if all { i } else { 0 };
                if !gr.ready {
                    self.fill_groups(i, c, gr, slot);
                }
                self.weight_grads_grouped(i, gy, c, gw, gwb, gr, slot);
                if !sym && !need_dx {
                    continue;
                }
            }
            for s in 0..n {
                let grow = &gy.data[s * no..(s + 1) * no];
                let q = i * n + s;
                let mut dx = T::ZERO;
                if need_dx && grouped {
                    let rows = c.row[q];
                    let d = c.der[4 * q..4 * q + 4].try_into().expect("cubic windows have 4 derivatives");
                    dx = T::dx_window(grow, c.db[q], &wb[i * no..(i + 1) * no], d, &w[rows..rows + 4 * no]);
                } else if need_dx {
                    dx = self.edge_grads(q, i, grow, c, w, wb, gw, gwb);
                } else if !grouped {
                    self.weight_grads(q, i, grow, c, gw, gwb);
                }
                if sym {
                    let xv = x.data[s * ni + i];
                    for o in 0..no {
                        let id = self.sym[i * no + o];
                        if id != 0 {
                            let e = (i * no + o) * 4;
                            let a = &aff[e..e + 4];
                            let (f, df) = sym_eval(id, a[0] * xv + a[1]);
                            let g = grow[o];
                            g_aff[e] += g * a[2] * df * xv;
                            g_aff[e + 1] += g * a[2] * df;
                            g_aff[e + 2] += g * f;
                            g_aff[e + 3] += g;
                            dx += g * a[2] * df * a[0];
                        }
                    }
                }
                gx[s * ni + i] += dx;
            }
        }
        if let Some(gr) = groups {
            gr.ready = all;
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

    /// Sorts the samples of input `i` whose window lies wholly inside the basis (cubic
    /// windows) by window into slot `slot` of `gr`, stably, so that sums keep sample order.
    fn fill_groups(&self, i: usize, c: &BasisCache<T>, gr: &mut Groups<T>, slot: usize) {
        let (no, nb, n) = (self.n_out, self.nb(), c.n);
        let (start, at) = (&mut gr.start[slot * (nb + 1)..(slot + 1) * (nb + 1)], slot * n);
        start.iter_mut().for_each(|v| *v = 0);
        let mut m = c.moved.partition_point(|&q| q < i * n);
        for s in 0..n {
            let q = i * n + s;
            if c.moved.get(m) == Some(&q) {
                m += 1;
                gr.key[s] = u32::MAX;
            } else {
                let j = c.row[q] / no - i * nb;
                gr.key[s] = j as u32;
                start[j + 1] += 1;
            }
        }
        for j in 0..nb {
            start[j + 1] += start[j];
        }
        gr.next.copy_from_slice(&start[..nb]);
        for s in (0..n).filter(|&s| gr.key[s] != u32::MAX) {
            let j = gr.key[s] as usize;
            let pos = at + gr.next[j];
            gr.next[j] += 1;
            let q = i * n + s;
            gr.goff[pos] = (s * no) as u32;
            gr.alpha[5 * pos] = c.b[q];
            gr.alpha[5 * pos + 1..5 * pos + 5].copy_from_slice(&c.val[4 * q..4 * q + 4]);
        }
    }

    /// [`Self::weight_grads`] for every sample of input `i` (cubic windows): the moved
    /// windows one by one in sample order, then each group of slot `slot` of `gr` (see
    /// [`Self::fill_groups`]) through [`Real::ger_group`].
    #[allow(clippy::too_many_arguments)]
    fn weight_grads_grouped(&self, i: usize, gy: &Tensor<T>, c: &BasisCache<T>, gw: &mut [T], gwb: &mut [T], gr: &Groups<T>, slot: usize) {
        let (no, nb, n) = (self.n_out, self.nb(), c.n);
        let lo = c.moved.partition_point(|&q| q < i * n);
        for &q in c.moved[lo..].iter().take_while(|&&q| q < (i + 1) * n) {
            let s = q - i * n;
            self.weight_grads(q, i, &gy.data[s * no..(s + 1) * no], c, gw, gwb);
        }
        let (start, at) = (&gr.start[slot * (nb + 1)..(slot + 1) * (nb + 1)], slot * n);
        let gwb_i = &mut gwb[i * no..(i + 1) * no];
        for j in 0..nb {
            let (a, b) = (at + start[j], at + start[j + 1]);
            if a < b {
                let rows = (i * nb + j) * no;
                T::ger_group(&gr.alpha[5 * a..5 * b], &gr.goff[a..b], &gy.data, gwb_i, &mut gw[rows..rows + 4 * no]);
            }
        }
    }

    /// The weight half of [`Self::edge_grads`]: `gw_j += B_j * g` and `gwb += b * g` only.
    #[inline(never)]
    fn weight_grads(&self, q: usize, i: usize, g: &[T], c: &BasisCache<T>, gw: &mut [T], gwb: &mut [T]) {
        let (no, k) = (self.n_out, self.k);
        let w1 = k + 1;
        let rows = c.row[q];
        let base = if self.base != Base::Zero { Some((c.b[q], &mut gwb[i * no..(i + 1) * no])) } else { None };
        T::ger_window(g, base, &c.val[q * w1..(q + 1) * w1], &mut gw[rows..rows + w1 * no]);
    }

    /// For one (sample, input) `q`: adds `g (out)` times the basis into the effective-weight
    /// gradients and returns `d/dx` of `sum_o g_o * numeric_edge_o(x)`.
    #[inline]
    fn edge_grads(&self, q: usize, i: usize, g: &[T], c: &BasisCache<T>, w: &[T], wb: &[T], gw: &mut [T], gwb: &mut [T]) -> T {
        let (no, k) = (self.n_out, self.k);
        let w1 = k + 1;
        let mut dx = T::ZERO;
        let has_base = self.base != Base::Zero;
        let rows = c.row[q];
        let (v, d) = (&c.val[q * w1..(q + 1) * w1], &c.der[q * w1..(q + 1) * w1]);
        let base = if has_base { Some((c.b[q], c.db[q], &wb[i * no..(i + 1) * no], &mut gwb[i * no..(i + 1) * no])) } else { None };
        dx += T::grad_window(g, base, v, d, &w[rows..rows + w1 * no], &mut gw[rows..rows + w1 * no]);
        dx
    }

    /// Chains gradients of the effective weights `w = coef * sp * mask`, `wb = sb * mask`
    /// into the parameter gradient blocks: `d coef += gw * mask * sp`, `d sp += gw * mask * coef`,
    /// `d sb += gwb * mask`. `raw` holds `(gw, gwb)`; `None` means they were accumulated in
    /// `g_coef` and `g_sb` themselves (otherwise zero), which are then overwritten.
    fn chain_effective(&self, p: &[T], raw: Option<(&[T], &[T])>, g_coef: &mut [T], g_sb: &mut [T], g_sp: &mut [T]) {
        let (nb, no, ni) = (self.nb(), self.n_out, self.n_in);
        let coef = &p[self.coef_off()..self.sb_off()];
        let sp = &p[self.sp_off()..self.aff_off()];
        // separate slices per row, so the loops vectorise
        for i in 0..ni {
            let (spi, mi) = (&sp[i * no..(i + 1) * no], &self.mask[i * no..(i + 1) * no]);
            let g_spi = &mut g_sp[i * no..(i + 1) * no];
            for j in 0..nb {
                let r = (i * nb + j) * no..(i * nb + j + 1) * no;
                let (cr, gcr) = (&coef[r.clone()], &mut g_coef[r.clone()]);
                match raw {
                    Some((gw, _)) => {
                        let gwr = &gw[r];
                        for o in 0..no {
                            let gm = gwr[o] * mi[o];
                            gcr[o] += gm * spi[o];
                            g_spi[o] += gm * cr[o];
                        }
                    }
                    None => {
                        for o in 0..no {
                            let gm = gcr[o] * mi[o];
                            g_spi[o] += gm * cr[o];
                            gcr[o] = gm * spi[o];
                        }
                    }
                }
            }
        }
        match raw {
            Some((_, gwb)) => {
                for ((g, &a), &m) in g_sb.iter_mut().zip(gwb).zip(&self.mask) {
                    *g += a * m;
                }
            }
            None => {
                for (g, &m) in g_sb.iter_mut().zip(&self.mask) {
                    *g *= m;
                }
            }
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

/// A basis cache shared by the ops of one layer on one tape.
pub type SharedCache<T> = Rc<RefCell<Option<BasisCache<T>>>>;

/// The layer as a fused tape op: inputs `[x (n, in)]`, output `(n, out)`. The forward
/// fills `cache`, which the backward and an [`EdgeScaleOp`] on the same input reuse.
pub struct KanOp<'a, T: Pooled> {
    pub layer: &'a Layer<T>,
    pub cache: SharedCache<T>,
    /// Whether the backward computes the gradient of the input (not for the data).
    pub need_dx: bool,
    /// Whether the basis cache holds basis derivatives: for the input gradient, and for an
    /// [`EdgeScaleOp`] sharing the cache.
    pub need_der: bool,
    /// Whether this op is the only one that adds to the layer's parameter gradients (no
    /// regulariser on the tape): they then build up in place (see `backward_cached`).
    pub exclusive: bool,
    /// Whether `cache` outlives the tape (the same input on every tape, and the layer's
    /// knots unchanged: the owner clears it otherwise). Its effective weights are dropped
    /// when the op is made, as a new tape may bring new parameters; the basis, and the
    /// backward pass's groups of samples (see [`BasisCache::keep`]), stay.
    pub keep: bool,
}

impl<'a, T: Real> KanOp<'a, T> {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(layer: &'a Layer<T>) -> Self {
        KanOp { layer, cache: Rc::new(RefCell::new(None)), need_dx: true, need_der: true, exclusive: false, keep: false }
    }

    /// The op on a cache that outlives the tape (see [`Self::keep`]).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn kept(layer: &'a Layer<T>, cache: SharedCache<T>) -> Self {
        if let Some(c) = cache.borrow_mut().as_mut() {
            c.eff = None;
        }
        KanOp { cache, keep: true, ..Self::new(layer) }
    }
}

fn cached<'c, T: Real>(cache: &'c SharedCache<T>, layer: &Layer<T>, x: &Tensor<T>, p: &[T], with_der: bool, keep: bool) -> std::cell::Ref<'c, BasisCache<T>> {
    // rebuilt when missing, or when basis derivatives are asked for but were not computed
    // by the first user of the cache (keeping its `keep`)
    let rebuild = match &*cache.borrow() {
        None => Some(false),
        Some(c) => (with_der && c.der.is_empty() && !c.val.is_empty()).then_some(c.keep),
    };
    if let Some(was_kept) = rebuild {
        let mut c = layer.basis_cache_with(x, with_der);
        c.keep = was_kept;
        *cache.borrow_mut() = Some(c);
    }
    {
        // a kept cache comes to each new tape without effective weights (see `KanOp::keep`)
        let mut guard = cache.borrow_mut();
        let c = guard.as_mut().expect("the cache was just filled");
        c.keep |= keep;
        if c.eff.is_none() {
            c.eff = Some(layer.effective(p));
        }
    }
    std::cell::Ref::map(cache.borrow(), |c| c.as_ref().unwrap())
}

impl<T: Real> Fused<T> for KanOp<'_, T> {
    fn name(&self) -> &'static str {
        "kan_layer"
    }
    fn forward(&self, ins: &[&Tensor<T>], p: &[T]) -> Tensor<T> {
        let c = cached(&self.cache, self.layer, ins[0], p, self.need_der, self.keep);
        self.layer.forward_cached(ins[0], p, &c)
    }
    fn backward(&self, ins: &[&Tensor<T>], p: &[T], _out: &Tensor<T>, gy: &Tensor<T>, gs: &mut [Tensor<T>], pg: &mut [T]) {
        let c = cached(&self.cache, self.layer, ins[0], p, self.need_der, self.keep);
        self.layer.backward_cached(ins[0], p, gy, &mut gs[0].data, pg, &c, self.need_dx, self.exclusive);
    }
}

/// The regularisation's edge scales as a fused op, as pykan computes them:
/// `a_oi = std_s(numeric edge output) / (std_s(x_i) + 0.1)` (unbiased std over the batch).
/// Inputs `[x (n, in)]`, output `(out, in)`. Edge outputs are recomputed from the basis
/// cache rather than stored (`n * in * out` values would not fit for wide layers).
pub struct EdgeScaleOp<'a, T: Pooled> {
    pub layer: &'a Layer<T>,
    pub cache: SharedCache<T>,
    /// Per-edge mean and std of the outputs from the forward, `(in, out)` each.
    moments: RefCell<Option<(Vec<T>, Vec<T>)>>,
}

impl<'a, T: Real> EdgeScaleOp<'a, T> {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(layer: &'a Layer<T>, cache: SharedCache<T>) -> Self {
        EdgeScaleOp { layer, cache, moments: RefCell::new(None) }
    }

    /// Calls `f(s, i, y)` with the numeric edge outputs `y (out)` of every (sample, input),
    /// input by input.
    fn for_each_edge(&self, x: &Tensor<T>, c: &BasisCache<T>, w: &[T], wb: &[T], mut f: impl FnMut(usize, usize, &[T])) {
        let l = self.layer;
        let (ni, no) = (l.n_in, l.n_out);
        let n = x.rows;
        let mut y = pool::zeros(no);
        for i in 0..ni {
            for s in 0..n {
                y.iter_mut().for_each(|e| *e = T::ZERO);
                l.add_edge_rows(c, i * n + s, i, w, wb, &mut y);
                f(s, i, &y);
            }
        }
        pool::give(y);
    }

    fn moments(&self, x: &Tensor<T>, c: &BasisCache<T>, w: &[T], wb: &[T]) -> (Vec<T>, Vec<T>) {
        let (ni, no) = (self.layer.n_in, self.layer.n_out);
        let n = x.rows;
        // shifted sums (shift = the first sample's outputs) keep the variance accurate
        let mut shift: Vec<T> = pool::zeros(ni * no);
        let mut s1: Vec<T> = pool::zeros(ni * no);
        let mut s2: Vec<T> = pool::zeros(ni * no);
        self.for_each_edge(x, c, w, wb, |s, i, y| {
            let e = &mut shift[i * no..(i + 1) * no];
            if s == 0 {
                e.copy_from_slice(y);
            }
            for o in 0..no {
                let d = y[o] - e[o];
                s1[i * no + o] += d;
                s2[i * no + o] += d * d;
            }
        });
        let nf = T::from_usize(n.max(1));
        let dn = T::from_usize(n.saturating_sub(1).max(1));
        let mut mean: Vec<T> = pool::zeros(ni * no);
        let mut std: Vec<T> = pool::zeros(ni * no);
        for e in 0..ni * no {
            let m = s1[e] / nf;
            mean[e] = shift[e] + m;
            std[e] = ((s2[e] - s1[e] * m).max(T::ZERO) / dn).sqrt();
        }
        for v in [shift, s1, s2] {
            pool::give(v);
        }
        (mean, std)
    }
}

impl<T: Real> Fused<T> for EdgeScaleOp<'_, T> {
    fn name(&self) -> &'static str {
        "edge_scale"
    }
    fn forward(&self, ins: &[&Tensor<T>], p: &[T]) -> Tensor<T> {
        let x = ins[0];
        let (ni, no) = (self.layer.n_in, self.layer.n_out);
        let c = cached(&self.cache, self.layer, x, p, false, false);
        let (w, wb) = self.layer.eff(&c, p);
        let (mean, sy) = self.moments(x, &c, &w, &wb);
        let sx = std_rows(x);
        let mut out = Tensor::zeros(no, ni);
        for i in 0..ni {
            for o in 0..no {
                out.data[o * ni + i] = sy[i * no + o] / (sx.data[i] + T::from_f64(0.1));
            }
        }
        *self.moments.borrow_mut() = Some((mean, sy));
        out
    }
    fn backward(&self, ins: &[&Tensor<T>], p: &[T], _out: &Tensor<T>, ga: &Tensor<T>, gs: &mut [Tensor<T>], pg: &mut [T]) {
        let x = ins[0];
        let l = self.layer;
        let (ni, no) = (l.n_in, l.n_out);
        let c = cached(&self.cache, l, x, p, true, false);
        let (w, wb) = l.eff(&c, p);
        let (mean, sy) = match self.moments.borrow_mut().take() {
            Some(m) => m,
            None => self.moments(x, &c, &w, &wb),
        };
        let sx = std_rows(x);
        let eps = T::from_f64(0.1);
        let dn = T::from_usize(x.rows.saturating_sub(1).max(1));
        // d a_oi / d y_sio = gcoef_io * (y_sio - mean_io)
        let mut gcoef = pool::zeros(ni * no);
        let mut g_sx = pool::zeros(ni);
        for i in 0..ni {
            let den = sx.data[i] + eps;
            for o in 0..no {
                let g = ga.data[o * ni + i];
                let e = i * no + o;
                if sy[e] > T::ZERO {
                    gcoef[e] = g / den / (dn * sy[e]);
                }
                g_sx[i] -= g * sy[e] / (den * den);
            }
        }
        std_rows_backward(x, &sx, &g_sx, &mut gs[0].data);
        let mut gw = pool::zeros(w.len());
        let mut gwb = pool::zeros(wb.len());
        let mut gy = pool::zeros(no);
        let mut gx = pool::zeros(x.rows * ni);
        let n = x.rows;
        self.for_each_edge(x, &c, &w, &wb, |s, i, y| {
            for o in 0..no {
                let e = i * no + o;
                gy[o] = gcoef[e] * (y[o] - mean[e]);
            }
            gx[s * ni + i] += l.edge_grads(i * n + s, i, &gy, &c, &w, &wb, &mut gw, &mut gwb);
        });
        for (a, b) in gs[0].data.iter_mut().zip(&gx) {
            *a += *b;
        }
        let (g_coef, g_sb, g_sp, _) = l.grad_blocks(pg);
        l.chain_effective(p, Some((&gw, &gwb)), g_coef, g_sb, g_sp);
        for v in [gw, gwb, gy, gx, gcoef, g_sx, mean, sy] {
            pool::give(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autodiff::tests::gradcheck;
    use crate::autodiff::{silu, Axis, Tape};
    use crate::rng::Rng;

    fn setup(base: Base, with_sym: bool) -> (Layer<f64>, Vec<f64>) {
        setup_k(base, with_sym, 3)
    }

    fn setup_k(base: Base, with_sym: bool, k: usize) -> (Layer<f64>, Vec<f64>) {
        let mut l: Layer<f64> = Layer::new(3, 4, 5, k, -1.0, 1.0, base, 15);
        l.mask[5] = 0.0;
        if with_sym {
            l.sym[2] = symbolic::lookup("sin").unwrap();
            l.sym[7] = symbolic::lookup("x^2").unwrap();
        }
        let mut r = Rng::new(4);
        let p: Vec<f64> = (0..l.end() + 6 * 3).map(|_| r.uniform() * 2.0 - 1.0).collect();
        (l, p)
    }

    #[test]
    fn forward_matches_dense_definition() {
        let (l, p) = setup(Base::Silu, true);
        let x = Tensor::from_vec(2, 3, vec![0.3, -0.7, 1.4, -1.9, 0.05, 0.6]);
        let y = l.forward(&x, &p);
        let nb = l.nb();
        let mut row = vec![0.0; nb];
        for s in 0..2 {
            for o in 0..4 {
                let mut want = 0.0;
                for i in 0..3 {
                    let xv = x.at(s, i);
                    let e = i * 4 + o;
                    bspline::basis_dense(l.knots_of(i), 3, &[xv], 0, &mut row);
                    let spl: f64 = (0..nb).map(|j| row[j] * p[l.coef_off() + (i * nb + j) * 4 + o]).sum();
                    want += l.mask[e] * (p[l.sb_off() + e] * silu(xv) + p[l.sp_off() + e] * spl);
                    if l.sym[e] != 0 {
                        let a = &p[l.aff_off() + e * 4..l.aff_off() + e * 4 + 4];
                        want += a[2] * symbolic::eval(l.sym[e], a[0] * xv + a[1]).0 + a[3];
                    }
                }
                assert!((y.at(s, o) - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn forward_matches_dense_definition_past_the_grid_ends() {
        // windows that run past either end of the basis (or lie wholly outside the knots)
        // are moved inside with zero values for the bases that do not exist: on uniform
        // knots and on uneven ones (as after a grid update), for cubic and other orders
        for (k, uneven) in [(3, false), (3, true), (2, true), (1, false)] {
            let (ni, no, g) = (2, 6, 4);
            let mut l: Layer<f64> = Layer::new(ni, no, g, k, -1.0, 1.0, Base::Silu, 0);
            if uneven {
                let nt = l.nt();
                let t: Vec<f64> = (0..nt).map(|j| -1.6 + 3.2 * (j as f64 / (nt - 1) as f64).powf(1.3)).collect();
                for i in 0..ni {
                    l.knots[i * nt..(i + 1) * nt].copy_from_slice(&t);
                }
            }
            let mut r = Rng::new(11);
            let p: Vec<f64> = (0..l.end()).map(|_| r.uniform() * 2.0 - 1.0).collect();
            let n = 61;
            let x = Tensor::from_vec(n, ni, (0..n * ni).map(|q| -2.6 + 5.2 * q as f64 / (n * ni - 1) as f64).collect());
            let y = l.forward(&x, &p);
            let nb = l.nb();
            let mut row = vec![0.0; nb];
            for s in 0..n {
                for o in 0..no {
                    let mut want = 0.0;
                    for i in 0..ni {
                        let (xv, e) = (x.at(s, i), i * no + o);
                        bspline::basis_dense(l.knots_of(i), k, &[xv], 0, &mut row);
                        let spl: f64 = (0..nb).map(|j| row[j] * p[l.coef_off() + (i * nb + j) * no + o]).sum();
                        want += p[l.sb_off() + e] * silu(xv) + p[l.sp_off() + e] * spl;
                    }
                    assert!((y.at(s, o) - want).abs() < 1e-12, "k {k}, uneven {uneven}, x {:?}: {} vs {want}", (x.at(s, 0), x.at(s, 1)), y.at(s, o));
                }
            }
        }
    }

    #[test]
    fn grouped_weight_gradients_match_per_sample_ones() {
        // the data layer's path (no d/dx: samples grouped by window) against the path that
        // also takes d/dx (one sample at a time, checked by gradcheck below)
        let mut l: Layer<f64> = Layer::new(3, 6, 4, 3, -1.0, 1.0, Base::Silu, 0);
        l.sym[4] = symbolic::lookup("sin").unwrap();
        let mut r = Rng::new(9);
        let p: Vec<f64> = (0..l.end()).map(|_| r.uniform() * 2.0 - 1.0).collect();
        let n = 41;
        // inputs spread past both ends of the grid, so some samples fall outside
        let x = Tensor::from_vec(n, 3, (0..n * 3).map(|_| r.uniform() * 2.6 - 1.3).collect());
        let gy = Tensor::from_vec(n, 6, (0..n * 6).map(|_| r.uniform() - 0.5).collect());
        let c = l.basis_cache_with(&x, true);
        for exclusive in [false, true] {
            let mut gx = vec![0.0; n * 3];
            let (mut grouped, mut single) = (vec![0.0; l.end()], vec![0.0; l.end()]);
            l.backward_cached(&x, &p, &gy, &mut gx, &mut grouped, &c, false, exclusive);
            l.backward_cached(&x, &p, &gy, &mut gx, &mut single, &c, true, exclusive);
            for (j, (a, b)) in grouped.iter().zip(&single).enumerate() {
                assert!((a - b).abs() <= 1e-13 * a.abs().max(1.0), "param {j}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn gradcheck_layer_and_edge_scale() {
        for (base, k) in [(Base::Silu, 3), (Base::Identity, 2), (Base::Zero, 3), (Base::Silu, 9)] {
            let (l, p) = setup_k(base, true, k);
            let xo = l.end();
            gradcheck(
                &p,
                &|t: &mut Tape<'_, f64>| {
                    let x = t.param(xo, 6, 3);
                    let op = KanOp::new(&l);
                    let cache = op.cache.clone();
                    let y = t.fused(Box::new(op), vec![x]);
                    let sq = t.square(y);
                    let a = t.sum(sq, Axis::All);
                    let e = t.fused(Box::new(EdgeScaleOp::new(&l, cache)), vec![x]);
                    let es = t.sum(e, Axis::All);
                    t.add(a, es)
                },
                // high orders: finite differences lose digits
                if k > 5 { 3e-5 } else { 1e-6 },
            );
        }
    }
}
