//! The layer on a tape: [`KanOp`] (the layer as one fused op) and [`EdgeScaleOp`] (the
//! regulariser's per-edge scales), sharing one [`BasisCache`] per layer and input.

use super::{BasisCache, Layer};
use crate::autodiff::{std_rows, std_rows_backward, Fused, Tensor};
use crate::pool::{self, Pooled};
use crate::real::Real;
use std::cell::RefCell;
use std::rc::Rc;

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
    /// A layer without numeric edges: each symbolic edge's value and derivative per
    /// sample from the forward, which the backward then reads instead of evaluating again.
    sym: RefCell<Vec<T>>,
}

impl<'a, T: Real> KanOp<'a, T> {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(layer: &'a Layer<T>) -> Self {
        KanOp { layer, cache: Rc::new(RefCell::new(None)), need_dx: true, need_der: true, exclusive: false, keep: false, sym: Default::default() }
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
        // a layer whose edges are all symbolic needs no basis (the regulariser, if any,
        // makes its own cache)
        if !self.layer.numeric() {
            return self.layer.forward_symbolic(ins[0], p, Some(&mut self.sym.borrow_mut()));
        }
        let c = cached(&self.cache, self.layer, ins[0], p, self.need_der, self.keep);
        self.layer.forward_cached(ins[0], p, &c)
    }
    fn backward(&self, ins: &[&Tensor<T>], p: &[T], _out: &Tensor<T>, gy: &Tensor<T>, gs: &mut [Tensor<T>], pg: &mut [T]) {
        if !self.layer.numeric() {
            return self.layer.backward_symbolic(ins[0], p, gy, &mut gs[0].data, pg, &self.sym.borrow());
        }
        let c = cached(&self.cache, self.layer, ins[0], p, self.need_der, self.keep);
        self.layer.backward_cached(ins[0], p, gy, &mut gs[0].data, pg, &c, self.need_dx, self.exclusive);
    }
}

/// The regularisation's edge scales as a fused op, as pykan computes them:
/// `a_oi = std_s(numeric edge output) / (std_s(x_i) + 0.1)` (unbiased std over the batch).
/// Inputs `[x (n, in)]`, output `(out, in)`. The edge outputs' moments and their gradients
/// come from each input's sums over the batch ([`super::gram`]), kept in the basis cache.
pub struct EdgeScaleOp<'a, T: Pooled> {
    pub layer: &'a Layer<T>,
    pub cache: SharedCache<T>,
    /// Whether the backward computes the gradient of the input (not for the data).
    pub need_dx: bool,
    /// Whether the layer's own backward follows on the tape (a fit's objective), so that
    /// the gradients may fold into it (see [`super::fold`]).
    pub fold: bool,
    /// Per-edge mean and std of the outputs from the forward, `(in, out)` each, and the
    /// inputs' std `(1, in)`.
    moments: RefCell<Option<Moments<T>>>,
}

/// See `EdgeScaleOp::moments`: per-edge means and stds, the inputs' stds.
type Moments<T> = (Vec<f64>, Vec<f64>, Tensor<T>);

impl<'a, T: Real> EdgeScaleOp<'a, T> {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(layer: &'a Layer<T>, cache: SharedCache<T>, need_dx: bool) -> Self {
        EdgeScaleOp { layer, cache, need_dx, fold: false, moments: RefCell::new(None) }
    }

    /// The edges' moments and the inputs' std: from the edges' values where the gradients
    /// fold into the layer's backward, else from the sums over the batch that the cache
    /// holds (made by their first use).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn moments(&self, c: &BasisCache<T>, x: &Tensor<T>, w: &[f64], wb: &[f64]) -> Moments<T> {
        if self.fold && self.layer.folds(c) {
            let (mean, sy) = self.layer.fold_moments(c, w, wb);
            return (mean, sy, std_rows(x));
        }
        let mut g = c.gram.borrow_mut();
        let g = g.get_or_insert_with(|| self.layer.gram(c, x));
        let (mean, sy) = self.layer.shape().moments(g, w, wb);
        (mean, sy, g.input_std())
    }
}

impl<T: Real> Fused<T> for EdgeScaleOp<'_, T> {
    fn name(&self) -> &'static str {
        "edge_scale"
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn forward(&self, ins: &[&Tensor<T>], p: &[T]) -> Tensor<T> {
        let x = ins[0];
        let (ni, no) = (self.layer.n_in, self.layer.n_out);
        let c = cached(&self.cache, self.layer, x, p, false, false);
        let (w, wb) = f64_eff(self.layer, &c, p);
        let (mean, sy, sx) = self.moments(&c, x, &w, &wb);
        let mut out = Tensor::zeros(no, ni);
        for i in 0..ni {
            for o in 0..no {
                out.data[o * ni + i] = T::from_f64(sy[i * no + o]) / (sx.data[i] + T::from_f64(0.1));
            }
        }
        *self.moments.borrow_mut() = Some((mean, sy, sx));
        pool::give(w);
        pool::give(wb);
        out
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn backward(&self, ins: &[&Tensor<T>], p: &[T], _out: &Tensor<T>, ga: &Tensor<T>, gs: &mut [Tensor<T>], pg: &mut [T]) {
        let x = ins[0];
        let l = self.layer;
        let (ni, no) = (l.n_in, l.n_out);
        // folded, the layer's backward makes the input gradient, with the derivatives it has
        let folds = self.fold && self.cache.borrow().as_ref().is_some_and(|c| l.folds(c));
        let c = cached(&self.cache, l, x, p, self.need_dx && !folds, false);
        let (mean, sy, sx) = match self.moments.borrow_mut().take() {
            Some(m) => m,
            None => {
                let (w, wb) = f64_eff(l, &c, p);
                let m = self.moments(&c, x, &w, &wb);
                pool::give(w);
                pool::give(wb);
                m
            }
        };
        let eps = T::from_f64(0.1);
        let dn = x.rows.saturating_sub(1).max(1) as f64;
        // d a_oi / d y_sio = gcoef_io * (y_sio - mean_io)
        let mut gcoef = pool::zeros(ni * no);
        let mut g_sx = pool::zeros(ni);
        for i in 0..ni {
            let den = sx.data[i] + eps;
            for o in 0..no {
                let g = ga.data[o * ni + i];
                let e = i * no + o;
                if sy[e] > 0.0 {
                    gcoef[e] = g.to_f64() / den.to_f64() / (dn * sy[e]);
                }
                g_sx[i] -= g * T::from_f64(sy[e]) / (den * den);
            }
        }
        // the data's gradient is not wanted (see `need_dx`)
        if self.need_dx {
            std_rows_backward(x, &sx, &g_sx, &mut gs[0].data);
        }
        if let Some(f) = c.fold.borrow_mut().as_mut().filter(|_| folds) {
            f.k = gcoef;
            f.mean = mean;
            pool::give(sy);
            pool::give(g_sx);
            return;
        }
        let (w, wb) = f64_eff(l, &c, p);
        let (mut gw, mut gwb) = (pool::zeros(w.len()), pool::zeros(wb.len()));
        let gram = c.gram.borrow();
        l.shape().weight_grads(gram.as_ref().expect("the forward made the sums"), &w, &wb, &gcoef, &mean, &mut gw, &mut gwb);
        if self.need_dx {
            l.gram_input_grads(&c, &w, &wb, &gcoef, &mean, &mut gs[0].data);
        }
        let (tw, twb) = (f64_to(&gw), f64_to(&gwb));
        let (g_coef, g_sb, g_sp, _) = l.grad_blocks(pg);
        l.chain_effective(0..ni, p, Some((&tw, &twb)), g_coef, g_sb, g_sp);
        pool::give(g_sx);
        pool::give(tw);
        pool::give(twb);
        for v in [gw, gwb, w, wb, gcoef, mean, sy] {
            pool::give(v);
        }
    }
}

/// The effective weights in f64, as the edge statistics take them.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn f64_eff<T: Real>(l: &Layer<T>, c: &BasisCache<T>, p: &[T]) -> (Vec<f64>, Vec<f64>) {
    let (w, wb) = l.eff(c, p);
    let f = |v: &[T]| {
        let mut o = pool::take(v.len());
        o.extend(v.iter().map(|x| x.to_f64()));
        o
    };
    (f(&w), f(&wb))
}

/// `v` in the model's type, in a pool buffer.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn f64_to<T: Real>(v: &[f64]) -> Vec<T> {
    let mut o = pool::take(v.len());
    o.extend(v.iter().map(|&x| T::from_f64(x)));
    o
}
