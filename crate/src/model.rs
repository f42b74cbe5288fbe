//! The KAN model: a stack of layers over one flat parameter vector, with pykan's
//! initialisation, regularisation, grid update, grid extension (refine) and the fit loop
//! (one optimiser step per call, so the host can yield between steps).
//!
//! ```
//! use kanwasm_core::model::{Model, ModelConfig};
//! use kanwasm_core::autodiff::Tensor;
//! let m: Model<f64> = Model::new(&ModelConfig { width: vec![(2, 0), (3, 0), (1, 0)], ..Default::default() }).unwrap();
//! let y = m.predict(&Tensor::from_vec(2, 2, vec![0.1, 0.2, -0.3, 0.4]));
//! assert_eq!((y.rows, y.cols), (2, 1));
//! ```
//!
//! # Shapes
//! `width[l] = (sum nodes, mult nodes)`; layer `l` maps `sum_l + mult_l` inputs to
//! `sum_{l+1} + 2 * mult_{l+1}` outputs, and each mult node multiplies two of them.

use crate::autodiff::{Axis, Fused, Id, Tape, Tensor};
use crate::bspline;
use crate::error::{Failure, Res};
use crate::layer::{Base, EdgeScaleOp, KanOp, Layer, SharedCache};
use crate::linalg;
use crate::optim::{Adam, Lbfgs, LbfgsConfig};
use crate::pool;
use crate::real::Real;
use crate::rng::Rng;

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
}

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
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loss {
    Mse,
    CrossEntropy,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Opt {
    Lbfgs,
    Adam,
}

#[derive(Clone, Debug)]
pub struct FitConfig {
    pub opt: Opt,
    pub lr: f64,
    /// Samples per step; 0 (or >= train size) for the full batch.
    pub batch: usize,
    pub lamb: f64,
    pub lamb_l1: f64,
    pub lamb_entropy: f64,
    pub update_grid: bool,
    pub grid_update_num: usize,
    pub stop_grid_update_step: usize,
    pub loss: Loss,
    pub seed: u64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            opt: Opt::Lbfgs,
            lr: 1.0,
            batch: 0,
            lamb: 0.0,
            lamb_l1: 1.0,
            lamb_entropy: 2.0,
            update_grid: true,
            grid_update_num: 10,
            stop_grid_update_step: 50,
            loss: Loss::Mse,
            seed: 0,
        }
    }
}

/// Labelled data: inputs `(n, in)`, labels `(n, out)` (or `(n, 1)` class indices).
#[derive(Clone, Debug)]
pub struct Data<T: Real> {
    pub x: Tensor<T>,
    pub y: Tensor<T>,
}

impl<T: Real> Data<T> {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn gather(&self, ids: &[usize]) -> Data<T> {
        let pick = |t: &Tensor<T>| {
            let mut d = pool::take(ids.len() * t.cols);
            for &i in ids {
                d.extend_from_slice(&t.data[i * t.cols..(i + 1) * t.cols]);
            }
            Tensor::from_vec(ids.len(), t.cols, d)
        };
        Data { x: pick(&self.x), y: pick(&self.y) }
    }
}

struct FitState<T: Real> {
    cfg: FitConfig,
    train: Data<T>,
    test: Option<Data<T>>,
    lbfgs: Lbfgs<T>,
    adam: Adam<T>,
    /// The parameter vector before the last Adam step, reused for the next one.
    spare: Vec<T>,
    rng: Rng,
    step: usize,
    /// The first layer's basis cache over the whole training input, for the steps on the
    /// full data, and what it was built for: the layer's outputs, order and knots. Another
    /// grid (a grid update) or shape (pruning between steps) clears it.
    first: SharedCache<T>,
    first_for: (usize, usize, Vec<T>),
}

/// The first layer's kept cache `first` (see `FitState::first`), cleared when `l0` is not
/// the layer it was built for (`built_for`).
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn first_cache<'f, T: Real>(first: &'f SharedCache<T>, built_for: &mut (usize, usize, Vec<T>), l0: &Layer<T>) -> &'f SharedCache<T> {
    if built_for.0 != l0.n_out || built_for.1 != l0.k || built_for.2 != l0.knots {
        *first.borrow_mut() = None;
        *built_for = (l0.n_out, l0.k, l0.knots.clone());
    }
    first
}

/// One step's figures: train metric, test metric (NaN without test data), regulariser.
#[derive(Clone, Copy, Debug)]
pub struct StepReport {
    pub train: f64,
    pub test: f64,
    pub reg: f64,
}

#[derive(Clone)]
pub struct Model<T: Real> {
    pub cfg: ModelConfig,
    pub layers: Vec<Layer<T>>,
    pub params: Vec<T>,
    /// Inputs of the last fit or grid update; `refine` fits the new grid to them.
    pub cache: Option<Tensor<T>>,
    fit: Option<Box<FitState<T>>>,
}

impl<T: Real> Clone for Box<FitState<T>> {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn clone(&self) -> Self {
        Box::new(FitState {
            cfg: self.cfg.clone(),
            train: self.train.clone(),
            test: self.test.clone(),
            lbfgs: self.lbfgs.clone(),
            adam: self.adam.clone(),
            spare: Vec::new(),
            rng: self.rng.clone(),
            step: self.step,
            first: SharedCache::default(),
            first_for: Default::default(),
        })
    }
}

/// The multiplication nodes as a fused op: `(n, s + 2m) -> (n, s + m)`.
struct MultOp {
    sum: usize,
    mult: usize,
}

impl<T: Real> Fused<T> for MultOp {
    fn name(&self) -> &'static str {
        "mult_nodes"
    }
    fn forward(&self, ins: &[&Tensor<T>], _p: &[T]) -> Tensor<T> {
        mult_forward(ins[0], self.sum, self.mult)
    }
    fn backward(&self, ins: &[&Tensor<T>], _p: &[T], _o: &Tensor<T>, gy: &Tensor<T>, gs: &mut [Tensor<T>], _pg: &mut [T]) {
        let x = ins[0];
        let (s, m) = (self.sum, self.mult);
        for r in 0..x.rows {
            for c in 0..s {
                gs[0].data[r * x.cols + c] += gy.data[r * (s + m) + c];
            }
            for j in 0..m {
                let g = gy.data[r * (s + m) + s + j];
                let (a, b) = (x.data[r * x.cols + s + 2 * j], x.data[r * x.cols + s + 2 * j + 1]);
                gs[0].data[r * x.cols + s + 2 * j] += g * b;
                gs[0].data[r * x.cols + s + 2 * j + 1] += g * a;
            }
        }
    }
}

fn mult_forward<T: Real>(x: &Tensor<T>, s: usize, m: usize) -> Tensor<T> {
    let mut o = Tensor::zeros(x.rows, s + m);
    for r in 0..x.rows {
        for c in 0..s {
            o.data[r * (s + m) + c] = x.data[r * x.cols + c];
        }
        for j in 0..m {
            o.data[r * (s + m) + s + j] = x.data[r * x.cols + s + 2 * j] * x.data[r * x.cols + s + 2 * j + 1];
        }
    }
    o
}

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
            let n_out = w[l + 1].0 + 2 * w[l + 1].1;
            let layer = Layer::new(n_in, n_out, grids[l], ks[l], a, b, cfg.base, off);
            off = layer.end();
            layers.push(layer);
        }
        let mut m = Model { cfg: cfg.clone(), layers, params: vec![T::ZERO; off], cache: None, fit: None };
        m.cfg.grid = grids;
        m.cfg.k = ks;
        m.initialise()?;
        Ok(m)
    }

    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn initialise(&mut self) -> Res<()> {
        let mut rng = Rng::new(self.cfg.seed);
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
                let sb = c.scale_base_mu * inv + c.scale_base_sigma * (rng.uniform() * 2.0 - 1.0) * inv;
                self.params[layer.sb_off() + e] = T::from_f64(sb);
                self.params[layer.sp_off() + e] = T::from_f64(c.scale_sp * inv);
                let a = layer.aff_off() + e * 4;
                self.params[a] = T::ONE;
                self.params[a + 1] = T::ZERO;
                self.params[a + 2] = T::ONE;
                self.params[a + 3] = T::ZERO;
            }
        }
        Ok(())
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
            acts.push(if m > 0 { mult_forward(&y, s, m) } else { y });
        }
        acts
    }

    /// Benchmark of the forward spline kernel alone: prepares every layer's input, basis
    /// cache and effective weights for `x`, then runs the layers' forward kernels `reps`
    /// times. Returns the sum of the last outputs so the work is observable. Timing
    /// `reps = R` against `reps = 0` gives R times the kernel's cost.
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
            // basis derivatives only where an input gradient or the regulariser needs them
            op.need_der = op.need_dx || with_reg;
            op.exclusive = !with_reg;
            ins.push((h, op.cache.clone()));
            h = t.fused(Box::new(op), vec![h]);
            let (s, m) = self.cfg.width[l + 1];
            if m > 0 {
                h = t.fused(Box::new(MultOp { sum: s, mult: m }), vec![h]);
            }
        }
        (h, ins)
    }

    /// pykan's sparsity regulariser over the layer inputs `ins`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn reg<'a>(&'a self, t: &mut Tape<'a, T>, ins: &[(Id, SharedCache<T>)], l1: f64, ent: f64) -> Id {
        let mut total: Option<Id> = None;
        let inv_ln2 = T::from_f64(1.0 / core::f64::consts::LN_2);
        for (l, layer) in self.layers.iter().enumerate() {
            let a = t.fused(Box::new(EdgeScaleOp::new(layer, ins[l].1.clone())), vec![ins[l].0]);
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

    /// `(objective, gradient, loss, reg)` at `params` on `data`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn objective(&self, params: &[T], data: &Data<T>, cfg: &FitConfig, first: Option<&SharedCache<T>>) -> (T, Vec<T>, T, T) {
        let mut t = Tape::borrowing(params);
        let (out, ins) = self.build(&mut t, &data.x, cfg.lamb > 0.0, first);
        let loss = Self::loss_node(&mut t, out, &data.y, cfg.loss);
        let (obj, reg) = if cfg.lamb > 0.0 {
            let r = self.reg(&mut t, &ins, cfg.lamb_l1, cfg.lamb_entropy);
            let rs = t.scale(r, T::from_f64(cfg.lamb));
            (t.add(loss, rs), Some(r))
        } else {
            (loss, None)
        };
        let mut g = t.backward(obj);
        for layer in &self.layers {
            if !self.cfg.train_sb {
                g[layer.sb_off()..layer.sp_off()].iter_mut().for_each(|v| *v = T::ZERO);
            }
            if !self.cfg.train_sp {
                g[layer.sp_off()..layer.aff_off()].iter_mut().for_each(|v| *v = T::ZERO);
            }
        }
        let rv = reg.map(|r| t.value(r).data[0]).unwrap_or(T::ZERO);
        (t.value(obj).data[0], g, t.value(loss).data[0], rv)
    }

    /// RMSE (for `Mse`) or mean cross-entropy of the current model on `data`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn metric(&self, data: &Data<T>, loss: Loss) -> f64 {
        let p = self.predict(&data.x);
        match loss {
            Loss::Mse => {
                let s: f64 = p.data.iter().zip(&data.y.data).map(|(&a, &b)| (a - b).to_f64().powi(2)).sum();
                (s / p.data.len().max(1) as f64).sqrt()
            }
            Loss::CrossEntropy => {
                let mut t: Tape<T> = Tape::new(&[]);
                let o = t.input(p);
                let l = Self::loss_node(&mut t, o, &data.y, loss);
                t.value(l).data[0].to_f64()
            }
        }
    }

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

    /// Starts a fit: takes the data and the settings; `step` then advances one step.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn fit_begin(&mut self, train: Data<T>, test: Option<Data<T>>, cfg: FitConfig) -> Res<()> {
        check_data(&train, self.n_in(), self.n_out(), cfg.loss, "train")?;
        if let Some(t) = &test {
            check_data(t, self.n_in(), self.n_out(), cfg.loss, "test")?;
        }
        let n = self.params.len();
        let lb = Lbfgs::new(LbfgsConfig { lr: cfg.lr, ..Default::default() });
        self.fit = Some(Box::new(FitState {
            rng: Rng::new(cfg.seed),
            adam: Adam::new(n, cfg.lr),
            spare: Vec::new(),
            lbfgs: lb,
            cfg,
            train,
            test,
            step: 0,
            first: SharedCache::default(),
            first_for: Default::default(),
        }));
        Ok(())
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn fit_end(&mut self) {
        if let Some(f) = self.fit.take() {
            self.cache = Some(f.train.x);
        }
        pool::clear();
    }

    /// One training step. On a non-finite loss the parameters (and grids) return to
    /// where they were before the step and a numeric failure is reported.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn fit_step(&mut self) -> Res<StepReport> {
        let mut st = self.fit.take().ok_or_else(|| Failure::invalid("fit: no fit in progress"))?;
        let r = self.fit_step_inner(&mut st);
        self.fit = Some(st);
        r
    }

    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn fit_step_inner(&mut self, st: &mut FitState<T>) -> Res<StepReport> {
        let cfg = st.cfg.clone();
        let n = st.train.x.rows;
        let gathered;
        let batch: &Data<T> = if cfg.batch == 0 || cfg.batch >= n {
            &st.train
        } else {
            let ids = st.rng.choose(n, cfg.batch);
            gathered = st.train.gather(&ids);
            pool::give(ids);
            &gathered
        };
        let freq = (cfg.stop_grid_update_step / cfg.grid_update_num.max(1)).max(1);
        // the optimiser works on a copy, so only a grid update needs undoing on failure
        let mut saved = None;
        if cfg.update_grid && st.step.is_multiple_of(freq) && st.step < cfg.stop_grid_update_step {
            saved = Some((self.params.clone(), self.layers.clone()));
            self.update_grid(&batch.x)?;
        }
        // on the full data, the first layer's basis (and the backward pass's grouping of
        // its samples) carries over from step to step while its grid stays
        let first = std::ptr::eq(batch, &st.train).then(|| first_cache(&st.first, &mut st.first_for, &self.layers[0]));
        let mut params = match cfg.opt {
            Opt::Lbfgs => pool::copy(&self.params),
            Opt::Adam => std::mem::take(&mut st.spare),
        };
        let mut last_reg = T::ZERO;
        let mut finite = None;
        // Adam reports the loss before its step (as pykan); LBFGS the loss where it ends
        let loss_before = match cfg.opt {
            Opt::Lbfgs => {
                let mut f = |p: &[T]| {
                    let (o, g, _, r) = self.objective(p, batch, &cfg, first);
                    last_reg = r;
                    (o, g)
                };
                st.lbfgs.step(&mut params, &mut f);
                None
            }
            Opt::Adam => {
                let (_, g, l, r) = self.objective(&self.params, batch, &cfg, first);
                last_reg = r;
                params.resize(self.params.len(), T::ZERO);
                finite = Some(st.adam.step_into(&self.params, &g, &mut params));
                pool::give(g);
                Some(l.to_f64())
            }
        };
        let finite = finite.unwrap_or_else(|| params.iter().all(|v| v.is_finite()));
        if finite {
            // the new parameters go in; `params` keeps the old ones until the loss is known
            std::mem::swap(&mut self.params, &mut params);
        }
        let train = match loss_before {
            Some(l) if cfg.loss == Loss::Mse => l.sqrt(),
            Some(l) => l,
            None => self.metric(batch, cfg.loss),
        };
        if !finite || !train.is_finite() {
            if let Some((p, l)) = saved {
                self.params = p;
                self.layers = l;
            } else if finite {
                // the step was taken but its loss is not finite: undo it
                std::mem::swap(&mut self.params, &mut params);
            }
            st.lbfgs = Lbfgs::new(st.lbfgs.cfg.clone());
            return Err(Failure::numeric(format!(
                "fit: the loss became non-finite at step {}; the model keeps its parameters from before that step (try a smaller lr or enable lamb)",
                st.step
            )));
        }
        match cfg.opt {
            // the old parameters: the next Adam step writes over them
            Opt::Adam => st.spare = params,
            Opt::Lbfgs => pool::give(params),
        }
        let test = st.test.as_ref().map(|d| self.metric(d, cfg.loss)).unwrap_or(f64::NAN);
        let reg = if cfg.lamb > 0.0 { last_reg.to_f64() } else { 0.0 };
        st.step += 1;
        Ok(StepReport { train, test, reg })
    }
}

/// One candidate of [`Model::suggest`].
#[derive(Clone, Debug)]
pub struct Suggestion {
    pub id: u16,
    pub complexity: f64,
    pub fit: crate::symbolic::Fit,
    pub score: f64,
}

/// Sorts sample values ascending (one copy of the sort for both float types).
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn sort_samples(v: &mut [f64]) {
    v.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(core::cmp::Ordering::Equal));
}

/// Orders suggestions best (lowest score) first; ties keep the library's order.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn rank_suggestions(v: &mut [Suggestion]) {
    // insertion sort, stable: the list is the symbolic library, a few dozen entries, and
    // this keeps a general sort's code out of the module
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1].score.total_cmp(&v[j].score) == core::cmp::Ordering::Greater {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Attribution scores: per node layer (`L + 1`), and per layer `(out, in)` row-major.
#[derive(Clone, Debug)]
pub struct Scores {
    pub nodes: Vec<Vec<f64>>,
    pub edges: Vec<Vec<f64>>,
}

impl<T: Real> Model<T> {
    /// The samples interpretability works on: `x`, or the inputs of the last fit.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn samples(&self, x: Option<Tensor<T>>) -> Res<Tensor<T>> {
        match x.or_else(|| self.cache.clone()) {
            Some(t) if t.rows >= 2 => Ok(t),
            _ => Err(Failure::invalid("no samples: pass an input with at least 2 rows, or fit the model first")),
        }
    }

    /// Edge and node scores computed backwards from the outputs (pykan's `attribute`):
    /// edge score = std of the edge's output x score of the (sub)node it feeds /
    /// (std of that subnode + 1e-4); node score = sum of its outgoing edge scores;
    /// scores are averaged over the outputs they are traced from.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn attribute(&self, x: &Tensor<T>) -> Scores {
        let nl = self.layers.len();
        let acts = self.activations(x);
        let mut edge_std = Vec::with_capacity(nl);
        let mut sub_std = Vec::with_capacity(nl);
        for (l, layer) in self.layers.iter().enumerate() {
            let (ni, no) = (layer.n_in, layer.n_out);
            let xin = &acts[l];
            let mut buf = vec![T::ZERO; no];
            let (mut s1, mut s2) = (vec![0.0f64; ni * no], vec![0.0f64; ni * no]);
            for s in 0..xin.rows {
                for i in 0..ni {
                    layer.edge_values(i, xin.data[s * ni + i], &self.params, true, &mut buf);
                    for o in 0..no {
                        let v = buf[o].to_f64();
                        s1[o * ni + i] += v;
                        s2[o * ni + i] += v * v;
                    }
                }
            }
            let n = xin.rows as f64;
            let std = |a: f64, b: f64| ((b - a * a / n).max(0.0) / (n - 1.0).max(1.0)).sqrt();
            edge_std.push((0..ni * no).map(|e| std(s1[e], s2[e])).collect::<Vec<_>>());
            let sub = layer.forward(xin, &self.params);
            let ss = crate::autodiff::std_rows(&sub);
            sub_std.push(ss.data.iter().map(|v| v.to_f64()).collect::<Vec<_>>());
        }
        let k_out = self.n_out();
        // s[k][q]: score of node q (of the current node layer) traced from output k
        let mut s: Vec<Vec<f64>> = (0..k_out).map(|k| (0..k_out).map(|q| if q == k { 1.0 } else { 0.0 }).collect()).collect();
        let mut nodes = vec![Vec::new(); nl + 1];
        let mut edges = vec![Vec::new(); nl];
        let mean =
            |rows: &Vec<Vec<f64>>, len: usize| -> Vec<f64> { (0..len).map(|q| rows.iter().map(|r| r[q]).sum::<f64>() / rows.len().max(1) as f64).collect() };
        nodes[nl] = mean(&s, k_out);
        for l in (0..nl).rev() {
            let layer = &self.layers[l];
            let (ni, no) = (layer.n_in, layer.n_out);
            let (sum, mult) = self.cfg.width[l + 1];
            let mut e_acc = vec![0.0; ni * no];
            let mut next = vec![vec![0.0; ni]; k_out];
            for k in 0..k_out {
                // subnode scores: a mult node passes its score to both factors
                let sub: Vec<f64> = (0..no).map(|j| if j < sum { s[k][j] } else { s[k][sum + (j - sum) / 2] }).collect();
                debug_assert_eq!(no, sum + 2 * mult);
                for j in 0..no {
                    for i in 0..ni {
                        let e = edge_std[l][j * ni + i] * sub[j] / (sub_std[l][j] + 1e-4);
                        e_acc[j * ni + i] += e / k_out as f64;
                        next[k][i] += e;
                    }
                }
            }
            edges[l] = e_acc;
            nodes[l] = mean(&next, ni);
            s = next;
        }
        Scores { nodes, edges }
    }

    /// A model with only the nodes `keep[l]` of every node layer (sorted indices; the
    /// input and output layers must keep what the caller wants to keep).
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn subset(&self, keep: &[Vec<usize>]) -> Res<Model<T>> {
        let nl = self.layers.len();
        let mut cfg = self.cfg.clone();
        for l in 0..=nl {
            let (sum, _) = self.cfg.width[l];
            let ks = keep[l].iter().filter(|&&q| q < sum).count();
            cfg.width[l] = (ks, keep[l].len() - ks);
            if keep[l].is_empty() {
                return Err(Failure::invalid(format!("subset: node layer {l} would have no nodes")));
            }
        }
        let subnodes = |l: usize| -> Vec<usize> {
            let (sum, _) = self.cfg.width[l];
            keep[l].iter().flat_map(|&q| if q < sum { vec![q] } else { vec![sum + 2 * (q - sum), sum + 2 * (q - sum) + 1] }).collect()
        };
        let mut layers = Vec::with_capacity(nl);
        let mut params = Vec::new();
        for l in 0..nl {
            let src = &self.layers[l];
            let (ins, outs) = (&keep[l], subnodes(l + 1));
            let (ni, no, nb, nt) = (ins.len(), outs.len(), src.nb(), src.nt());
            let mut ly = src.clone();
            ly.n_in = ni;
            ly.n_out = no;
            ly.off = params.len();
            ly.knots = ins.iter().flat_map(|&i| src.knots_of(i).to_vec()).collect();
            debug_assert_eq!(ly.knots.len(), ni * nt);
            ly.mask = ins.iter().flat_map(|&i| outs.iter().map(move |&o| src.mask[i * src.n_out + o])).collect();
            ly.sym = ins.iter().flat_map(|&i| outs.iter().map(move |&o| src.sym[i * src.n_out + o])).collect();
            let p = &self.params;
            let mut block = vec![T::ZERO; ly.n_params()];
            for (ii, &i) in ins.iter().enumerate() {
                for j in 0..nb {
                    for (oo, &o) in outs.iter().enumerate() {
                        block[(ii * nb + j) * no + oo] = p[src.coef_off() + (i * nb + j) * src.n_out + o];
                    }
                }
            }
            let base = ni * nb * no;
            for (ii, &i) in ins.iter().enumerate() {
                for (oo, &o) in outs.iter().enumerate() {
                    let (e, e0) = (ii * no + oo, i * src.n_out + o);
                    block[base + e] = p[src.sb_off() + e0];
                    block[base + ni * no + e] = p[src.sp_off() + e0];
                    for q in 0..4 {
                        block[base + 2 * ni * no + e * 4 + q] = p[src.aff_off() + e0 * 4 + q];
                    }
                }
            }
            params.extend(block);
            layers.push(ly);
        }
        let cache = self.cache.as_ref().map(|c| {
            let ins = &keep[0];
            let mut d = Vec::with_capacity(c.rows * ins.len());
            for r in 0..c.rows {
                for &i in ins {
                    d.push(c.data[r * c.cols + i]);
                }
            }
            Tensor::from_vec(c.rows, ins.len(), d)
        });
        Ok(Model { cfg, layers, params, cache, fit: None })
    }

    /// pykan's prune: drop hidden nodes scoring at most `node_th` (keeping at least the best
    /// one per layer), then mask numeric edges of the smaller model scoring at most `edge_th`.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn prune(&self, node_th: f64, edge_th: f64, x: &Tensor<T>) -> Res<Model<T>> {
        let sc = self.attribute(x);
        let nl = self.layers.len();
        let mut keep: Vec<Vec<usize>> = Vec::with_capacity(nl + 1);
        for l in 0..=nl {
            let n = sc.nodes[l].len();
            if l == 0 || l == nl {
                keep.push((0..n).collect());
                continue;
            }
            let mut k: Vec<usize> = (0..n).filter(|&q| sc.nodes[l][q] > node_th).collect();
            if k.is_empty() {
                let best = (0..n).max_by(|&a, &b| sc.nodes[l][a].total_cmp(&sc.nodes[l][b])).unwrap_or(0);
                k.push(best);
            }
            keep.push(k);
        }
        let mut m = self.subset(&keep)?;
        let sc2 = m.attribute(&x.clone());
        for (l, layer) in m.layers.iter_mut().enumerate() {
            let (ni, no) = (layer.n_in, layer.n_out);
            for i in 0..ni {
                for o in 0..no {
                    if sc2.edges[l][o * ni + i] <= edge_th {
                        layer.mask[i * no + o] = T::ZERO;
                    }
                }
            }
        }
        Ok(m)
    }

    /// Inputs scoring above `th` (at least the best one) and the model restricted to them.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn prune_inputs(&self, th: f64, x: &Tensor<T>) -> Res<(Model<T>, Vec<usize>)> {
        let sc = self.attribute(x);
        let n = sc.nodes[0].len();
        let mut k: Vec<usize> = (0..n).filter(|&q| sc.nodes[0][q] > th).collect();
        if k.is_empty() {
            k.push((0..n).max_by(|&a, &b| sc.nodes[0][a].total_cmp(&sc.nodes[0][b])).unwrap_or(0));
        }
        let mut keep = vec![k.clone()];
        for l in 1..=self.layers.len() {
            keep.push((0..self.cfg.width[l].0 + self.cfg.width[l].1).collect());
        }
        Ok((self.subset(&keep)?, k))
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn check_edge(&self, l: usize, i: usize, j: usize) -> Res<()> {
        let ly = self.layers.get(l).ok_or_else(|| Failure::invalid(format!("symbolic: layer {l} out of range (depth {})", self.layers.len())))?;
        if i >= ly.n_in || j >= ly.n_out {
            return Err(Failure::invalid(format!("symbolic: edge ({l}, {i}, {j}) out of range: layer {l} has {} inputs and {} outputs", ly.n_in, ly.n_out)));
        }
        Ok(())
    }

    /// The inputs and outputs of edge `(l, i, j)` on the samples `x`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn edge_samples(&self, l: usize, i: usize, j: usize, x: &Tensor<T>) -> (Vec<f64>, Vec<f64>) {
        let acts = self.activations(x);
        let ly = &self.layers[l];
        let xin = &acts[l];
        let mut buf = vec![T::ZERO; ly.n_out];
        let mut xs = Vec::with_capacity(xin.rows);
        let mut ys = Vec::with_capacity(xin.rows);
        for s in 0..xin.rows {
            let xv = xin.data[s * ly.n_in + i];
            ly.edge_values(i, xv, &self.params, true, &mut buf);
            xs.push(xv.to_f64());
            ys.push(buf[j].to_f64());
        }
        (xs, ys)
    }

    /// Candidates for edge `(l, i, j)` from `lib` (ids with complexities), best first.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn suggest(
        &self,
        l: usize,
        i: usize,
        j: usize,
        lib: &[(u16, f64)],
        weight_simple: f64,
        ar: (f64, f64),
        br: (f64, f64),
        x: &Tensor<T>,
    ) -> Res<Vec<Suggestion>> {
        self.check_edge(l, i, j)?;
        let (xs, ys) = self.edge_samples(l, i, j, x);
        let mut out: Vec<Suggestion> = lib
            .iter()
            .map(|&(id, cx)| {
                let f = |v: f64| crate::symbolic::eval::<f64>(id, v).0;
                let fit = crate::symbolic::fit_params(&xs, &ys, &f, ar, br, 101, 3);
                Suggestion { id, complexity: cx, fit, score: crate::symbolic::score(cx, fit.r2, weight_simple) }
            })
            .collect();
        rank_suggestions(&mut out);
        Ok(out)
    }

    /// Makes edge `(l, i, j)` symbolic with function `id`, fitting `(a, b, c, d)` to the
    /// edge's samples when `fit`, else `(1, 0, 1, 0)`; the numeric part is masked.
    /// Returns r2 (NaN without fitting).
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn fix_symbolic(&mut self, l: usize, i: usize, j: usize, id: u16, fit: bool, ar: (f64, f64), br: (f64, f64), x: Option<&Tensor<T>>) -> Res<f64> {
        self.check_edge(l, i, j)?;
        let (aff, r2) = if fit {
            let x = x.ok_or_else(|| Failure::invalid("fixSymbolic: fitting needs samples; pass an input or fit first"))?;
            let (xs, ys) = self.edge_samples(l, i, j, x);
            let f = |v: f64| crate::symbolic::eval::<f64>(id, v).0;
            let ft = crate::symbolic::fit_params(&xs, &ys, &f, ar, br, 101, 3);
            ([ft.a, ft.b, ft.c, ft.d], ft.r2)
        } else {
            ([1.0, 0.0, 1.0, 0.0], f64::NAN)
        };
        let ly = &mut self.layers[l];
        let e = i * ly.n_out + j;
        ly.sym[e] = id;
        ly.mask[e] = T::ZERO;
        let a = ly.aff_off() + e * 4;
        for q in 0..4 {
            self.params[a + q] = T::from_f64(aff[q]);
        }
        Ok(r2)
    }

    /// Fixes every live numeric edge to its best candidate whose r2 reaches `r2_th`.
    /// Returns `(l, i, j, id, r2)` per edge fixed.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn auto_symbolic(
        &mut self,
        lib: &[(u16, f64)],
        r2_th: f64,
        weight_simple: f64,
        ar: (f64, f64),
        br: (f64, f64),
        x: &Tensor<T>,
    ) -> Res<Vec<SymbolicFix>> {
        let mut done = Vec::new();
        for l in 0..self.layers.len() {
            let (ni, no) = (self.layers[l].n_in, self.layers[l].n_out);
            for i in 0..ni {
                for j in 0..no {
                    let e = i * no + j;
                    if self.layers[l].sym[e] != 0 || self.layers[l].mask[e] == T::ZERO {
                        continue;
                    }
                    let best = self.suggest(l, i, j, lib, weight_simple, ar, br, x)?;
                    if let Some(b) = best.first() {
                        if b.fit.r2 >= r2_th {
                            let r2 = self.fix_symbolic(l, i, j, b.id, true, ar, br, Some(x))?;
                            done.push((l, i, j, b.id, r2));
                        }
                    }
                }
            }
        }
        Ok(done)
    }
}

fn check_finite<T: Real>(x: &Tensor<T>, op: &str) -> Res<()> {
    if let Some(i) = x.data.iter().position(|v| !v.is_finite()) {
        return Err(Failure::invalid(format!("{op}: input value {i} (row {}) is not finite", i / x.cols.max(1))));
    }
    Ok(())
}

fn check_data<T: Real>(d: &Data<T>, n_in: usize, n_out: usize, loss: Loss, name: &str) -> Res<()> {
    if d.x.rows == 0 {
        return Err(Failure::invalid(format!("fit: the {name} set is empty")));
    }
    if d.x.cols != n_in || d.y.rows != d.x.rows {
        return Err(Failure::invalid(format!(
            "fit: {name} inputs ({}, {}) and labels ({}, {}) do not fit a model with {n_in} inputs",
            d.x.rows, d.x.cols, d.y.rows, d.y.cols
        )));
    }
    match loss {
        Loss::Mse if d.y.cols != n_out => Err(Failure::invalid(format!("fit: {name} labels have {} columns, the model has {n_out} outputs", d.y.cols))),
        Loss::CrossEntropy if d.y.cols != 1 || d.y.data.iter().any(|v| v.to_f64() < 0.0 || v.to_f64() >= n_out as f64 || v.to_f64().fract() != 0.0) => {
            Err(Failure::invalid(format!("fit: crossentropy {name} labels must be one column of class indices 0..{}", n_out - 1)))
        }
        _ => {
            check_finite(&d.x, "fit")?;
            check_finite(&d.y, "fit")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn dataset(n: usize, seed: u64) -> Data<f64> {
        let mut r = Rng::new(seed);
        let x: Vec<f64> = (0..2 * n).map(|_| r.uniform() * 2.0 - 1.0).collect();
        let y: Vec<f64> = (0..n).map(|s| ((std::f64::consts::PI * x[2 * s]).sin() + x[2 * s + 1].powi(2)).exp()).collect();
        Data { x: Tensor::from_vec(n, 2, x), y: Tensor::from_vec(n, 1, y) }
    }

    #[test]
    fn a_kept_first_layer_cache_gives_the_same_bits() {
        // inputs past the grid (moved windows), with and without the regulariser (whose
        // edge scales share the cache), over several parameter vectors on one cache
        let cfg = ModelConfig { width: vec![(2, 0), (4, 0), (1, 0)], grid: vec![5], ..Default::default() };
        let m: Model<f64> = Model::new(&cfg).unwrap();
        let mut d = dataset(45, 5);
        d.x.data.iter_mut().for_each(|v| *v *= 1.3);
        for lamb in [0.0, 0.01] {
            let fc = FitConfig { lamb, ..Default::default() };
            let kept = SharedCache::default();
            let mut r = Rng::new(4);
            for _ in 0..3 {
                let p: Vec<f64> = m.params.iter().map(|v| v + 0.2 * (r.uniform() - 0.5)).collect();
                let (f0, g0, ..) = m.objective(&p, &d, &fc, None);
                let (f1, g1, ..) = m.objective(&p, &d, &fc, Some(&kept));
                assert_eq!(f0.to_bits(), f1.to_bits(), "lamb {lamb}");
                assert!(g0.iter().zip(&g1).all(|(a, b)| a.to_bits() == b.to_bits()), "lamb {lamb}");
                let c = kept.borrow();
                let c = c.as_ref().expect("the kept cache is filled");
                assert!(c.keep && !c.moved.is_empty());
            }
        }
    }

    #[test]
    fn objective_gradient_with_regulariser_and_mult_nodes() {
        let cfg = ModelConfig { width: vec![(2, 0), (2, 1), (1, 0)], grid: vec![4], ..Default::default() };
        let m: Model<f64> = Model::new(&cfg).unwrap();
        let d = dataset(20, 3);
        let fc = FitConfig { lamb: 0.3, ..Default::default() };
        let mut r = Rng::new(2);
        let p: Vec<f64> = m.params.iter().map(|v| v + 0.1 * (r.uniform() - 0.5)).collect();
        let (f0, g, _, _) = m.objective(&p, &d, &fc, None);
        let mut q = p.clone();
        for i in (0..p.len()).step_by(7) {
            let h = 1e-6;
            q[i] = p[i] + h;
            let fp = m.objective(&q, &d, &fc, None).0;
            q[i] = p[i] - h;
            let fm = m.objective(&q, &d, &fc, None).0;
            q[i] = p[i];
            let fd = (fp - fm) / (2.0 * h);
            assert!((fd - g[i]).abs() <= 1e-6 * fd.abs().max(g[i].abs()).max(1e-3), "param {i}: {} vs {fd} (f {f0})", g[i]);
        }
    }

    #[test]
    fn hellokan_path_reaches_pykan_accuracy() {
        let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![3], seed: 42, ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let (train, test) = (dataset(1000, 1), dataset(1000, 2));
        m.fit_begin(train.clone(), Some(test.clone()), FitConfig { lamb: 1e-3, ..Default::default() }).unwrap();
        let mut last = None;
        let t0 = std::time::Instant::now();
        for _ in 0..50 {
            last = Some(m.fit_step().unwrap());
        }
        eprintln!("50 steps in {:?}", t0.elapsed());
        m.fit_end();
        let r = last.unwrap();
        eprintln!("grid 3: train {:.3e} test {:.3e} reg {:.3e}", r.train, r.test, r.reg);
        assert!(r.test <= 3e-2, "{r:?}");
        let mut m2 = m.refine(10).unwrap();
        let before = m2.metric(&test, Loss::Mse);
        eprintln!("refined to 10: test {before:.3e}");
        m2.fit_begin(train, Some(test), FitConfig::default()).unwrap();
        for _ in 0..50 {
            last = Some(m2.fit_step().unwrap());
        }
        let r = last.unwrap();
        eprintln!("grid 10: train {:.3e} test {:.3e}", r.train, r.test);
        assert!(r.test <= 1e-3, "{r:?}");
    }
}

#[cfg(test)]
mod interpret {
    use super::tests::dataset as ds;
    use super::*;
    use crate::symbolic::{lookup, LIB};

    fn run(m: &mut Model<f64>, train: &Data<f64>, test: &Data<f64>, steps: usize, cfg: FitConfig) -> StepReport {
        m.fit_begin(train.clone(), Some(test.clone()), cfg).unwrap();
        let mut last = None;
        for _ in 0..steps {
            last = Some(m.fit_step().unwrap());
        }
        m.fit_end();
        last.unwrap()
    }

    #[test]
    fn hellokan_to_formula() {
        let (train, test) = (ds(1000, 1), ds(1000, 2));
        let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![3], seed: 42, ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let r = run(&mut m, &train, &test, 50, FitConfig { lamb: 1e-3, ..Default::default() });
        eprintln!("g3 {:.2e}", r.test);
        let x = m.cache.clone().unwrap();
        let sc = m.attribute(&x);
        eprintln!("node scores {:?}", sc.nodes);
        let mut p = m.prune(1e-2, 3e-2, &x).unwrap();
        eprintln!("pruned width {:?}", p.cfg.width);
        let r = run(&mut p, &train, &test, 50, FitConfig::default());
        eprintln!("pruned fit {:.2e}", r.test);
        let mut f = p.refine(10).unwrap();
        let r = run(&mut f, &train, &test, 50, FitConfig::default());
        eprintln!("g10 {:.2e}", r.test);
        let lib: Vec<(u16, f64)> = ["x", "x^2", "x^3", "x^4", "exp", "log", "sqrt", "tanh", "sin", "abs"]
            .iter()
            .map(|n| (lookup(n).unwrap(), LIB[lookup(n).unwrap() as usize - 1].1 as f64))
            .collect();
        let x = f.cache.clone().unwrap();
        let t0 = std::time::Instant::now();
        let done = f.auto_symbolic(&lib, 0.0, 0.8, (-10.0, 10.0), (-10.0, 10.0), &x).unwrap();
        eprintln!("auto {:?} in {:?}", done.iter().map(|d| (d.0, d.1, d.2, LIB[d.3 as usize - 1].0, d.4)).collect::<Vec<_>>(), t0.elapsed());
        let r = run(&mut f, &train, &test, 50, FitConfig::default());
        eprintln!("symbolic {:.2e}", r.test);
        for (l, ly) in f.layers.iter().enumerate() {
            eprintln!("layer {l} aff {:?}", &f.params[ly.aff_off()..ly.end()]);
        }
        assert!(r.test < 1e-8, "{r:?}");
    }
}

#[cfg(test)]
mod perf {
    use super::*;
    #[test]
    #[ignore]
    fn breakdown() {
        for (w, g, n) in
            [(vec![(784usize, 0usize), (64, 0), (10, 0)], 5usize, 256usize), (vec![(100, 0), (100, 0)], 100, 512), (vec![(100, 0), (100, 0)], 5, 512)]
        {
            let cfg = ModelConfig { width: w.clone(), grid: vec![g], ..Default::default() };
            let m: Model<f32> = Model::new(&cfg).unwrap();
            let mut r = Rng::new(1);
            let ni = w[0].0;
            let x = Tensor::from_vec(n, ni, (0..n * ni).map(|_| (r.uniform() * 2.0 - 1.0) as f32).collect());
            let l0 = &m.layers[0];
            let reps = 5;
            let t = std::time::Instant::now();
            for _ in 0..reps {
                std::hint::black_box(l0.basis_cache(&x));
            }
            let tc = t.elapsed() / reps;
            let c = l0.basis_cache(&x);
            let t = std::time::Instant::now();
            let mut y = Tensor::zeros(1, 1);
            for _ in 0..reps {
                y = l0.forward_cached(&x, &m.params, &c);
            }
            let tf = t.elapsed() / reps;
            let mut gx = vec![0.0f32; n * ni];
            let mut pg = vec![0.0f32; m.params.len()];
            let t = std::time::Instant::now();
            for _ in 0..reps {
                l0.backward_cached(&x, &m.params, &y, &mut gx, &mut pg, &c, false, false);
            }
            let tb = t.elapsed() / reps;
            let y = Tensor::from_vec(n, m.n_out(), vec![0.0; n * m.n_out()]);
            let d = Data { x: x.clone(), y };
            let fc = FitConfig::default();
            let t = std::time::Instant::now();
            for _ in 0..reps {
                std::hint::black_box(m.objective(&m.params, &d, &fc, None));
            }
            let to = t.elapsed() / reps;
            let flops = 2.0 * 4.0 * (l0.n_in * l0.n_out * n) as f64;
            eprintln!("{w:?} G{g} n{n}: cache {tc:?} fwd {tf:?} ({:.2} GF/s) bwd {tb:?} objective {to:?}", flops / tf.as_secs_f64() / 1e9);
        }
    }
}
