//! The KAN model: a stack of layers over one flat parameter vector, with pykan's
//! initialisation, regularisation, grid update, grid extension (refine) and the fit loop
//! (one optimiser step per call, so the host can yield between steps).
//!
//! ```
//! use kanwasm_core::model::{Model, ModelConfig};
//! use kanwasm_core::autodiff::Tensor;
//! use kanwasm_core::layer::Base;
//! let cfg = ModelConfig {
//!     width: vec![(2, 0), (3, 0), (1, 0)],
//!     grid: vec![3],
//!     k: vec![3],
//!     range: (-1.0, 1.0),
//!     base: Base::Silu,
//!     noise_scale: 0.3,
//!     grid_eps: 0.02,
//!     seed: 1,
//!     scale_base_mu: 0.0,
//!     scale_base_sigma: 1.0,
//!     scale_sp: 1.0,
//!     train_sb: true,
//!     train_sp: true,
//!     mult_arity: vec![],
//! };
//! let m: Model<f64> = Model::new(&cfg).unwrap();
//! let y = m.predict(&Tensor::from_vec(2, 2, vec![0.1, 0.2, -0.3, 0.4]));
//! assert_eq!((y.rows, y.cols), (2, 1));
//! ```
//!
//! # Shapes
//! `width[l] = (sum nodes, mult nodes)`; layer `l` maps `sum_l + mult_l` inputs to
//! `sum_{l+1} + (sum of the arities of mult_{l+1})` outputs (subnodes), and each mult node
//! multiplies `arity` consecutive ones (2 unless `mult_arity` says otherwise).
//!
//! A file per concern: this one the network (configuration, initialisation, forward pass
//! and its tape), [`fit`] the objective and the training loop, [`grid`] grid update and
//! refinement, [`interpret`] attribution, pruning and symbolic edges.

use crate::autodiff::{Axis, Fused, Id, Tape, Tensor};
use crate::bspline;
use crate::error::{Failure, Res};
use crate::layer::{Base, EdgeScaleOp, KanOp, Layer, SharedCache};
use crate::linalg;
use crate::real::Real;
use crate::rng::Rng;

pub mod derivatives;
mod fit;
mod grid;
mod interpret;
mod product;
pub mod revive;
#[cfg(test)]
mod tests;

use fit::FitState;
pub use fit::{Data, FitConfig, Loss, Opt, StepReport};
pub use grid::{adaptive_grid, extend_grid, MIN_HIDDEN_SPAN};
pub use interpret::{Scores, Suggestion};

/// The largest number of factors of one multiplication node.
pub const MAX_ARITY: usize = 64;

/// An edge fixed to a symbolic function: `(layer, in, out, function id, r2)`.
pub type SymbolicFix = (usize, usize, usize, u16, f64);

#[derive(Clone, Debug)]
pub struct ModelConfig {
    pub width: Vec<(usize, usize)>,
    /// Grid intervals per layer (one entry is used for every layer).
    pub grid: Vec<usize>,
    /// Spline order per layer (one entry is used for every layer).
    pub k: Vec<usize>,
    pub range: (f64, f64),
    pub base: Base,
    pub noise_scale: f64,
    pub grid_eps: f64,
    pub seed: u64,
    pub scale_base_mu: f64,
    pub scale_base_sigma: f64,
    pub scale_sp: f64,
    /// Whether `scale_base` and `scale_sp` are trained (pykan's sb_trainable, sp_trainable).
    pub train_sb: bool,
    pub train_sp: bool,
    /// The arity of every multiplication node, node layer by node layer (pykan's mult_arity);
    /// empty: all 2. [`Model::new`] fills it in.
    pub mult_arity: Vec<usize>,
}

impl ModelConfig {
    /// The arity of each multiplication node of node layer `l` (after [`Model::new`]).
    pub fn arity(&self, l: usize) -> &[usize] {
        let first: usize = self.width[..l].iter().map(|&(_, m)| m).sum();
        &self.mult_arity[first..first + self.width[l].1]
    }

    /// For each subnode feeding node layer `l` (layer l-1's outputs), the node it belongs to.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn subnode_owner(&self, l: usize) -> Vec<usize> {
        let sum = self.width[l].0;
        let mut owner: Vec<usize> = (0..sum).collect();
        for (q, &a) in self.arity(l).iter().enumerate() {
            owner.extend(core::iter::repeat_n(sum + q, a));
        }
        owner
    }

    /// The arities filled in (all 2 when none are given), checked against the width.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn resolve_arity(&mut self) -> Res<()> {
        let n_mult: usize = self.width.iter().map(|&(_, m)| m).sum();
        // TypeScript checks multArity first and names the entry; the core only refuses
        if self.mult_arity.is_empty() {
            self.mult_arity = vec![2; n_mult];
        }
        if self.mult_arity.len() != n_mult || self.mult_arity.iter().any(|&a| !(2..=MAX_ARITY).contains(&a)) {
            return Err(Failure::invalid("KAN: multArity needs one arity in 2..=64 per multiplication node"));
        }
        Ok(())
    }
}

// The defaults users get live in ts/config.ts alone; these are the native tests' starting point.
#[cfg(test)]
impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            width: vec![(2, 0), (5, 0), (1, 0)],
            grid: vec![3],
            k: vec![3],
            range: (-1.0, 1.0),
            base: Base::Silu,
            noise_scale: 0.3,
            grid_eps: 0.02,
            seed: 1,
            scale_base_mu: 0.0,
            scale_base_sigma: 1.0,
            scale_sp: 1.0,
            train_sb: true,
            train_sp: true,
            mult_arity: vec![],
        }
    }
}

#[derive(Clone)]
pub struct Model<T: Real> {
    pub cfg: ModelConfig,
    pub layers: Vec<Layer<T>>,
    pub params: Vec<T>,
    /// Inputs of the last fit or grid update; `refine` fits the new grid to them.
    pub cache: Option<Tensor<T>>,
    fit: Option<Box<FitState<T>>>,
    /// Parameters and layers from before a change in progress ([`Model::changing`]): a
    /// change that fails returns to them, and after a trap the host reads them instead of
    /// the half-changed ones.
    pub undo: Option<Box<Snapshot<T>>>,
}

/// A model's parameters and layers at one moment.
pub type Snapshot<T> = (Vec<T>, Vec<Layer<T>>);

/// The multiplication nodes as a fused op: `(n, s + sum of arities) -> (n, s + m)`.
struct MultOp {
    sum: usize,
    arity: Vec<usize>,
}

impl<T: Real> Fused<T> for MultOp {
    fn name(&self) -> &'static str {
        "mult_nodes"
    }
    fn forward(&self, ins: &[&Tensor<T>], _p: &[T]) -> Tensor<T> {
        mult_forward(ins[0], self.sum, &self.arity)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn backward(&self, ins: &[&Tensor<T>], _p: &[T], _o: &Tensor<T>, gy: &Tensor<T>, gs: &mut [Tensor<T>], _pg: &mut [T]) {
        let x = ins[0];
        let (s, m) = (self.sum, self.arity.len());
        for r in 0..x.rows {
            for c in 0..s {
                gs[0].data[r * x.cols + c] += gy.data[r * (s + m) + c];
            }
            let mut at = r * x.cols + s;
            for (j, &a) in self.arity.iter().enumerate() {
                // the product of the other factors, without dividing (a factor may be 0)
                for t in 0..a {
                    let mut others = gy.data[r * (s + m) + s + j];
                    for u in (0..a).filter(|&u| u != t) {
                        others *= x.data[at + u];
                    }
                    gs[0].data[at + t] += others;
                }
                at += a;
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn mult_forward<T: Real>(x: &Tensor<T>, s: usize, arity: &[usize]) -> Tensor<T> {
    let m = arity.len();
    let mut o = Tensor::zeros(x.rows, s + m);
    for r in 0..x.rows {
        for c in 0..s {
            o.data[r * (s + m) + c] = x.data[r * x.cols + c];
        }
        let mut at = s;
        for (j, &a) in arity.iter().enumerate() {
            let f = &x.data[r * x.cols + at..r * x.cols + at + a];
            // left to right, as x[0] * x[1] for arity 2
            o.data[r * (s + m) + s + j] = f[1..].iter().fold(f[0], |p, &v| p * v);
            at += a;
        }
    }
    o
}

impl<T: Real> Model<T> {
    /// A new model with pykan's initialisation. Fails on an invalid configuration.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(cfg: &ModelConfig) -> Res<Self> {
        let w = &cfg.width;
        if w.len() < 2 {
            return Err(Failure::invalid(format!("KAN: width needs at least 2 entries, got {}", w.len())));
        }
        if w.iter().any(|&(s, m)| s + m == 0) {
            return Err(Failure::invalid("KAN: every width entry needs at least one node"));
        }
        if w[0].1 != 0 || w[w.len() - 1].1 != 0 {
            return Err(Failure::invalid("KAN: the input and output layers cannot have multiplication nodes"));
        }
        let nl = w.len() - 1;
        let mut cfg = cfg.clone();
        cfg.resolve_arity()?;
        let per = |v: &Vec<usize>, name: &str| -> Res<Vec<usize>> {
            match v.len() {
                1 => Ok(vec![v[0]; nl]),
                n if n == nl => Ok(v.clone()),
                n => Err(Failure::invalid(format!("KAN: {name} has {n} entries; give one, or one per layer ({nl})"))),
            }
        };
        let grids = per(&cfg.grid, "grid")?;
        let ks = per(&cfg.k, "k")?;
        if grids.iter().any(|&g| g < 1) {
            return Err(Failure::invalid("KAN: grid must be >= 1"));
        }
        if ks.iter().any(|&k| k > bspline::MAX_K) {
            return Err(Failure::invalid(format!("KAN: k must be <= {}", bspline::MAX_K)));
        }
        let (a, b) = cfg.range;
        if !(a < b) || !a.is_finite() || !b.is_finite() {
            return Err(Failure::invalid("KAN: gridRange must be finite with min < max"));
        }
        let mut layers = Vec::with_capacity(nl);
        let mut off = 0;
        for l in 0..nl {
            let n_in = w[l].0 + w[l].1;
            let n_out = cfg.subnode_owner(l + 1).len();
            let layer = Layer::new(n_in, n_out, grids[l], ks[l], a, b, cfg.base, off);
            off = layer.end();
            layers.push(layer);
        }
        let mut m = Model { cfg: cfg.clone(), layers, params: vec![T::ZERO; off], cache: None, fit: None, undo: None };
        m.cfg.grid = grids;
        m.cfg.k = ks;
        m.initialise()?;
        Ok(m)
    }

    /// Runs a change of the model in place as one step: on failure the parameters and
    /// layers return to where they were, and while it runs they are kept in `undo`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn changing<R>(&mut self, f: impl FnOnce(&mut Self) -> Res<R>) -> Res<R> {
        self.begin_change();
        let r = f(self);
        self.end_change(r.is_ok());
        r
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(crate) fn begin_change(&mut self) {
        self.undo = Some(Box::new((self.params.clone(), self.layers.clone())));
    }

    /// Ends the change begun last: kept when `keep`, undone otherwise.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(crate) fn end_change(&mut self, keep: bool) {
        if let Some(u) = self.undo.take() {
            if !keep {
                (self.params, self.layers) = *u;
            }
        }
    }

    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn initialise(&mut self) -> Res<()> {
        let mut rng = Rng::new(self.cfg.seed);
        self.init_numeric(&mut rng, self.cfg.scale_base_mu, self.cfg.scale_base_sigma, true)
    }

    /// pykan's initialisation of every edge's numeric part, drawn from `rng`: coefficients
    /// fit to small noise, `scale_base = (mu + sigma U(-1, 1)) / sqrt(n_in)`, `scale_sp`; with
    /// `affine`, the symbolic affines too (identity). Masks and knots stay as they are.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(crate) fn init_numeric(&mut self, rng: &mut Rng, mu: f64, sigma: f64, affine: bool) -> Res<()> {
        let c = self.cfg.clone();
        for l in 0..self.layers.len() {
            let layer = self.layers[l].clone();
            let (ni, no, g, k) = (layer.n_in, layer.n_out, layer.g, layer.k);
            let inv = 1.0 / (ni as f64).sqrt();
            // spline coefficients: least-squares fit of small noise at the G+1 grid points
            for i in 0..ni {
                let xs: Vec<T> = layer.knots_of(i)[k..k + g + 1].to_vec();
                let ys: Vec<f64> = (0..(g + 1) * no).map(|_| (rng.uniform() - 0.5) * c.noise_scale / g as f64).collect();
                let coef = linalg::curve2coef(&xs, &ys, no, layer.knots_of(i), k, 1e-8).map_err(Failure::numeric)?;
                let base = layer.coef_off() + i * layer.nb() * no;
                for (q, v) in coef.iter().enumerate() {
                    self.params[base + q] = T::from_f64(*v);
                }
            }
            for e in 0..ni * no {
                let sb = mu * inv + sigma * (rng.uniform() * 2.0 - 1.0) * inv;
                self.params[layer.sb_off() + e] = T::from_f64(sb);
                self.params[layer.sp_off() + e] = T::from_f64(c.scale_sp * inv);
                if affine {
                    let a = layer.aff_off() + e * 4;
                    self.params[a..a + 4].copy_from_slice(&[T::ONE, T::ZERO, T::ONE, T::ZERO]);
                }
            }
        }
        Ok(())
    }

    /// The same model in f64, without a fit in progress: what computations that run in f64
    /// for either dtype (physics-informed fitting) need of the model.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn to_f64(&self) -> Model<f64> {
        let f = |v: &[T]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
        let layers = self
            .layers
            .iter()
            .map(|l| Layer { n_in: l.n_in, n_out: l.n_out, g: l.g, k: l.k, knots: f(&l.knots), mask: f(&l.mask), sym: l.sym.clone(), base: l.base, off: l.off })
            .collect();
        Model { cfg: self.cfg.clone(), layers, params: f(&self.params), cache: None, fit: None, undo: None }
    }

    pub fn n_in(&self) -> usize {
        self.layers[0].n_in
    }
    pub fn n_out(&self) -> usize {
        self.layers[self.layers.len() - 1].n_out
    }

    /// Trainable parameters: coefficients and scales of numeric edges, affine of symbolic ones.
    pub fn num_params(&self) -> usize {
        self.layers.iter().map(|l| l.n_in * l.n_out * (l.nb() + 2)).sum()
    }

    /// Layer inputs for every layer plus the output: `L + 1` tensors.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn activations(&self, x: &Tensor<T>) -> Vec<Tensor<T>> {
        let mut acts = vec![x.clone()];
        for (l, layer) in self.layers.iter().enumerate() {
            let y = layer.forward(&acts[l], &self.params);
            let (s, m) = self.cfg.width[l + 1];
            acts.push(if m > 0 { mult_forward(&y, s, self.cfg.arity(l + 1)) } else { y });
        }
        acts
    }

    /// Benchmark of the forward spline kernel alone: prepares every layer's input, basis
    /// cache and effective weights for `x`, then runs the layers' forward kernels `reps`
    /// times. Returns the sum of the last outputs so the work is observable. Timing
    /// `reps = R` against `reps = 0` gives R times the kernel's cost.
    #[cfg(feature = "bench")]
    pub fn kernel_forward(&self, x: &Tensor<T>, reps: usize) -> T {
        let acts = self.activations(x);
        let caches: Vec<_> = self
            .layers
            .iter()
            .zip(&acts)
            .map(|(layer, a)| {
                let mut c = layer.basis_cache_with(a, false);
                c.eff = Some(layer.effective(&self.params));
                c
            })
            .collect();
        let mut sum = T::ZERO;
        for _ in 0..reps {
            for ((layer, a), c) in self.layers.iter().zip(&acts).zip(&caches) {
                let y = layer.forward_cached(a, &self.params, c);
                sum += y.data.last().copied().unwrap_or(T::ZERO);
            }
        }
        sum
    }

    /// Shapes: `x (n, in) -> (n, out)`.
    pub fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        self.activations(x).pop().unwrap()
    }

    /// Builds the network on a tape; returns (output id, layer input ids). `with_reg`: the
    /// regulariser will follow and share the layers' basis caches.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn build<'a>(&'a self, t: &mut Tape<'a, T>, x: &Tensor<T>, with_reg: bool, first: Option<&SharedCache<T>>) -> (Id, Vec<(Id, SharedCache<T>)>) {
        let mut h = t.input(x.clone());
        let mut ins = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let mut op = match first {
                // `first` is the cache of this input under this grid (see `fit_step_inner`)
                Some(c) if l == 0 => KanOp::kept(layer, c.clone()),
                _ => KanOp::new(layer),
            };
            // the first layer's input is the data: no gradient needed there
            op.need_dx = l > 0;
            // basis derivatives only where an input gradient needs them (the regulariser's
            // too, which shares the cache)
            op.need_der = op.need_dx;
            op.exclusive = !with_reg;
            ins.push((h, op.cache.clone()));
            h = t.fused(Box::new(op), vec![h]);
            let (s, m) = self.cfg.width[l + 1];
            if m > 0 {
                h = t.fused(Box::new(MultOp { sum: s, arity: self.cfg.arity(l + 1).to_vec() }), vec![h]);
            }
        }
        (h, ins)
    }

    /// pykan's sparsity regulariser over the layer inputs `ins`. `fold`: every layer's
    /// backward follows on the tape (a fit's objective), so the regulariser's gradients may
    /// join them (see `layer::fold`).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn reg<'a>(&'a self, t: &mut Tape<'a, T>, ins: &[(Id, SharedCache<T>)], l1: f64, ent: f64, fold: bool) -> Id {
        let mut total: Option<Id> = None;
        let inv_ln2 = T::from_f64(1.0 / core::f64::consts::LN_2);
        for (l, layer) in self.layers.iter().enumerate() {
            let mut op = EdgeScaleOp::new(layer, ins[l].1.clone(), l > 0);
            op.fold = fold;
            let a = t.fused(Box::new(op), vec![ins[l].0]);
            let s = t.sum(a, Axis::All);
            let mut r = t.scale(s, T::from_f64(l1));
            for axis in [Axis::Cols, Axis::Rows] {
                let sums = t.sum(a, axis);
                let den = t.add_scalar(sums, T::ONE);
                let p = t.div(a, den);
                let pe = t.add_scalar(p, T::from_f64(1e-4));
                let lg = t.log(pe);
                let lg2 = t.scale(lg, inv_ln2);
                let pl = t.mul(p, lg2);
                let per = t.sum(pl, axis);
                let m = t.mean(per, Axis::All);
                let e = t.scale(m, T::from_f64(-ent));
                r = t.add(r, e);
            }
            total = Some(match total {
                Some(tt) => t.add(tt, r),
                None => r,
            });
        }
        total.unwrap()
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn loss_node<'a>(t: &mut Tape<'a, T>, out: Id, y: &Tensor<T>, loss: Loss) -> Id {
        match loss {
            Loss::Mse => {
                let yi = t.input(y.clone());
                t.mse(out, yi)
            }
            Loss::CrossEntropy => t.softmax_ce(out, y.data.iter().map(|v| v.to_f64() as usize).collect()),
        }
    }
}

fn check_finite<T: Real>(x: &Tensor<T>, op: &str) -> Res<()> {
    if let Some(i) = x.data.iter().position(|v| !v.is_finite()) {
        return Err(Failure::invalid(format!("{op}: input value {i} (row {}) is not finite", i / x.cols.max(1))));
    }
    Ok(())
}
