//! Physics-informed fitting: a model trained so that residuals of equations vanish at
//! collocation points. Each term pairs points with a residual [`Program`] and a weight; the
//! loss is `sum_t weight_t * mean_s r_t(s)^2`, and its gradient with respect to every
//! parameter is exact: the program's reverse mode gives the adjoint of the output jets,
//! and [`JetNet::backward_one`] carries it back through the derivative propagation.
//! It runs on the threads of crate::par in chunks of each term's points fixed by their
//! number ([`loss`]), so its bits do not depend on the threads.
//! With `lamb > 0` the objective adds pykan's sparsity regulariser, as `fit` does, over the
//! layer inputs of a forward pass through every term's points, with its exact gradient.
//!
//! ```
//! use kanwasm_core::model::{Model, ModelConfig, Opt};
//! use kanwasm_core::pde::{PdeConfig, PdeFit, Term};
//! use kanwasm_core::pde::program::Program;
//! # use kanwasm_core::layer::Base;
//! let cfg = ModelConfig {
//!     width: vec![(1, 0), (3, 0), (1, 0)],
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
//! let mut m: Model<f64> = Model::new(&cfg).unwrap();
//! // u = 0.5 at x = 0 (quantities of a point: x, u, u_x)
//! let prog = Program::parse(&[1.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 3.0, 0.0, 1.0, 0.0], 3).unwrap();
//! let term = Term { x: vec![0.0], n: 1, prog, weight: 1.0 };
//! let pc = PdeConfig {
//!     opt: Opt::Lbfgs,
//!     lr: 1.0,
//!     update_grid: false,
//!     grid_update_num: 10,
//!     stop_grid_update_step: 50,
//!     lamb: 0.0,
//!     lamb_l1: 1.0,
//!     lamb_entropy: 2.0,
//! };
//! let mut fit = PdeFit::new(vec![term], 1, pc);
//! for _ in 0..5 {
//!     fit.step(&mut m).unwrap();
//! }
//! assert!(fit.step(&mut m).unwrap()[0] < 1e-12);
//! ```
//!
//! # Shapes
//! A point's quantities are its inputs `(d)` followed by each output's jet `(out, J)`,
//! `J = 1 + d (+ d * d)` for order 1 (2); a term's points are `(n, d)`.

mod loss;
pub mod program;

pub use loss::loss;

use crate::autodiff::Tensor;
use crate::error::{Failure, Res};
use crate::model::derivatives::JetNet;
use crate::model::{Model, Opt};
use crate::optim::{Adam, Lbfgs, LbfgsConfig};
use crate::real::Real;
use program::Program;

/// Collocation points with their residual and weight.
#[derive(Clone, Debug)]
pub struct Term {
    /// Points `(n, d)`.
    pub x: Vec<f64>,
    pub n: usize,
    pub prog: Program,
    pub weight: f64,
}

#[derive(Clone, Debug)]
pub struct PdeConfig {
    pub opt: Opt,
    pub lr: f64,
    pub update_grid: bool,
    pub grid_update_num: usize,
    pub stop_grid_update_step: usize,
    /// The regulariser's weight and those of its L1 and entropy parts, as in `FitConfig`.
    pub lamb: f64,
    pub lamb_l1: f64,
    pub lamb_entropy: f64,
}

// The defaults users get live in ts/config.ts alone; these are the native tests' starting point.
#[cfg(test)]
impl Default for PdeConfig {
    fn default() -> Self {
        PdeConfig { opt: Opt::Lbfgs, lr: 1.0, update_grid: false, grid_update_num: 10, stop_grid_update_step: 50, lamb: 0.0, lamb_l1: 1.0, lamb_entropy: 2.0 }
    }
}

/// The regulariser of a step: the model in f64 and every term's points, `(sum n, d)`.
pub struct Sparsity {
    model: Model<f64>,
    x: Tensor<f64>,
    weights: (f64, f64, f64),
}

impl Sparsity {
    /// The regulariser at `p`; with `grad`, `lamb` times its gradient is added there.
    pub fn value(&self, p: &[f64], grad: Option<&mut [f64]>) -> f64 {
        self.model.regulariser(p, &self.x, self.weights, grad)
    }
}

/// What a step minimises at `p`: the loss (with each term's `mean(r^2)` after it) and the
/// regulariser (0 without one); with `grad`, the gradient of `loss + lamb * reg` is added there.
pub fn objective(net: &JetNet, reg: Option<&Sparsity>, p: &[f64], terms: &[Term], mut grad: Option<&mut [f64]>) -> (Vec<f64>, f64) {
    let l = loss(net, p, terms, grad.as_deref_mut());
    (l, reg.map_or(0.0, |s| s.value(p, grad)))
}

/// A physics-informed fit in progress: the problem, the settings and the optimiser, whose
/// state carries over from step to step. The optimiser works in f64 for both dtypes.
pub struct PdeFit {
    pub terms: Vec<Term>,
    pub order: usize,
    pub cfg: PdeConfig,
    lbfgs: Lbfgs<f64>,
    adam: Option<Adam<f64>>,
    pub step: usize,
}

impl PdeFit {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(terms: Vec<Term>, order: usize, cfg: PdeConfig) -> PdeFit {
        let lbfgs = Lbfgs::new(LbfgsConfig { lr: cfg.lr, ..Default::default() });
        PdeFit { terms, order, cfg, lbfgs, adam: None, step: 0 }
    }

    /// Every term's points together, `(sum n, d)`: what grid updates adapt to.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn points<T: Real>(&self, d: usize) -> Tensor<T> {
        let x: Vec<T> = self.terms.iter().flat_map(|t| t.x.iter().map(|&v| T::from_f64(v))).collect();
        Tensor::from_vec(x.len() / d.max(1), d, x)
    }

    /// The regulariser of model `m` over every term's points, when `lamb > 0`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn sparsity<T: Real>(&self, m: &Model<T>) -> Option<Sparsity> {
        let c = &self.cfg;
        (c.lamb > 0.0).then(|| Sparsity { model: m.to_f64(), x: self.points(m.n_in()), weights: (c.lamb, c.lamb_l1, c.lamb_entropy) })
    }

    /// The loss, each term's `mean(r^2)` and the regulariser (0 with `lamb` 0) for model `m`
    /// as it is.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn evaluate<T: Real>(&self, m: &Model<T>) -> Vec<f64> {
        let (net, p) = JetNet::of(m, self.order);
        let (mut l, r) = objective(&net, self.sparsity(m).as_ref(), &p, &self.terms, None);
        l.push(r);
        l
    }

    /// One optimiser step on `p`; returns the losses and the regulariser before it for Adam
    /// (as `fit` reports), `None` for LBFGS.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn optimise(&mut self, net: &JetNet, reg: Option<&Sparsity>, p: &mut Vec<f64>) -> Option<(Vec<f64>, f64)> {
        let (terms, lamb) = (&self.terms, self.cfg.lamb);
        let f = |q: &[f64]| {
            let mut g = vec![0.0; q.len()];
            let l = objective(net, reg, q, terms, Some(&mut g));
            (l, g)
        };
        match self.cfg.opt {
            Opt::Lbfgs => {
                self.lbfgs.step(p, &mut |q| {
                    let ((l, r), g) = f(q);
                    (l[0] + lamb * r, g)
                });
                None
            }
            Opt::Adam => {
                let (l, g) = f(p);
                let adam = self.adam.get_or_insert_with(|| Adam::new(p.len(), self.cfg.lr));
                let mut next = vec![0.0; p.len()];
                adam.step_into(p, &g, &mut next);
                *p = next;
                Some(l)
            }
        }
    }

    /// Optimises `p` one step on `net` and returns the losses and the regulariser after it
    /// (before it for Adam), or a numeric failure (and a fresh LBFGS history) when anything
    /// is not finite.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn advance(&mut self, net: &JetNet, reg: Option<&Sparsity>, p: &mut Vec<f64>) -> Res<Vec<f64>> {
        let before = self.optimise(net, reg, p);
        let (mut after, r) = before.unwrap_or_else(|| objective(net, reg, p, &self.terms, None));
        after.push(r);
        if p.iter().chain(&after).all(|v| v.is_finite()) {
            return Ok(after);
        }
        self.lbfgs = Lbfgs::new(self.lbfgs.cfg.clone());
        Err(Failure::numeric(format!(
            "fitPDE: the loss became non-finite at step {}; the model keeps its parameters from before that step (try a smaller lr)",
            self.step
        )))
    }

    /// One training step of model `m` (grid update first when due). Returns the loss, each
    /// term's `mean(r^2)` and the regulariser. On a non-finite loss the model keeps its
    /// parameters and grids from before the step and a numeric failure is reported.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn step<T: Real>(&mut self, m: &mut Model<T>) -> Res<Vec<f64>> {
        let c = &self.cfg;
        let freq = (c.stop_grid_update_step / c.grid_update_num.max(1)).max(1);
        let saved = (m.params.clone(), m.layers.clone());
        let grid = c.update_grid && self.step.is_multiple_of(freq) && self.step < c.stop_grid_update_step;
        let r = match grid {
            true => m.update_grid(&self.points(m.n_in())),
            false => Ok(()),
        }
        .and_then(|_| {
            let (net, mut p) = JetNet::of(m, self.order);
            let reg = self.sparsity(m);
            let after = self.advance(&net, reg.as_ref(), &mut p)?;
            for (a, &b) in m.params.iter_mut().zip(&p) {
                *a = T::from_f64(b);
            }
            Ok(after)
        });
        if r.is_err() {
            (m.params, m.layers) = saved;
        } else if self.step == 0 {
            // refine fits new grids to the collocation points, as it does to a fit's inputs
            m.cache = Some(self.points(m.n_in()));
        }
        self.step += r.is_ok() as usize;
        r
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::ModelConfig;
    use crate::rng::Rng;
    use crate::symbolic;
    use core::f64::consts::PI;

    /// Builds a program instruction by instruction; each call returns the new value's index.
    #[derive(Default)]
    struct B(Vec<f64>);
    impl B {
        fn op(&mut self, op: f64, a: f64, b: f64) -> f64 {
            self.0.extend([op, a, b, 0.0]);
            (self.0.len() / 4 - 1) as f64
        }
        fn done(self, nq: usize) -> Program {
            Program::parse(&self.0, nq).unwrap()
        }
    }

    /// Terms on a [2, [2, 1], 1] model at order 2 (J = 7, quantities x, y, u, u_x, u_y,
    /// u_xx, u_xy, u_yx, u_yy): u_xx + u_yy + u * u_x - sin(x) inside, u^2 - 1/4 on a side.
    fn problem() -> (Model<f64>, Vec<Term>) {
        let cfg = ModelConfig { width: vec![(2, 0), (2, 1), (1, 0)], grid: vec![4], ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let mut r = Rng::new(5);
        m.params.iter_mut().for_each(|v| *v += 0.2 * (r.uniform() - 0.5));
        m.fix_symbolic(0, 0, 1, symbolic::lookup("sin").unwrap(), false, (0.0, 1.0), (0.0, 1.0), None).unwrap();
        let mut b = B::default();
        let (uxx, uyy, u, ux, x) = (b.op(1.0, 5.0, 0.0), b.op(1.0, 8.0, 0.0), b.op(1.0, 2.0, 0.0), b.op(1.0, 3.0, 0.0), b.op(1.0, 0.0, 0.0));
        let lap = b.op(2.0, uxx, uyy);
        let adv = b.op(4.0, u, ux);
        let sum = b.op(2.0, lap, adv);
        let s = b.op(8.0, x, symbolic::lookup("sin").unwrap() as f64);
        b.op(3.0, sum, s);
        let inner = b.done(9);
        let mut b = B::default();
        let (u, y, two) = (b.op(1.0, 2.0, 0.0), b.op(0.0, 0.25, 0.0), b.op(0.0, 2.0, 0.0));
        let u2 = b.op(6.0, u, two);
        b.op(3.0, u2, y);
        let side = b.done(9);
        let mut pts = Vec::new();
        for s in 0..12 {
            pts.extend([-0.9 + 0.15 * s as f64, 0.7 - 0.13 * s as f64]);
        }
        let edge: Vec<f64> = (0..5).flat_map(|s| [1.0, -1.0 + 0.5 * s as f64]).collect();
        (m, vec![Term { x: pts, n: 12, prog: inner, weight: 0.3 }, Term { x: edge, n: 5, prog: side, weight: 2.0 }])
    }

    #[test]
    fn loss_gradient_matches_finite_differences() {
        let (m, terms) = problem();
        let (net, p) = JetNet::of(&m, 2);
        let mut g = vec![0.0; p.len()];
        let l0 = loss(&net, &p, &terms, Some(&mut g));
        assert!((l0[0] - (0.3 * l0[1] + 2.0 * l0[2])).abs() < 1e-14);
        matches_central_differences(&p, &g, |q| loss(&net, q, &terms, None)[0]);
    }

    /// Asserts that `g` is the gradient of `f` at `p` (central differences, step 1e-6
    /// relative) and that more than half of it is non-zero, so the check has teeth.
    pub(crate) fn matches_central_differences(p: &[f64], g: &[f64], f: impl Fn(&[f64]) -> f64) {
        let mut q = p.to_vec();
        let mut nonzero = 0;
        for i in 0..p.len() {
            let h = 1e-6 * (1.0 + p[i].abs());
            q[i] = p[i] + h;
            let lp = f(&q);
            q[i] = p[i] - h;
            let lm = f(&q);
            q[i] = p[i];
            let fd = (lp - lm) / (2.0 * h);
            assert!((fd - g[i]).abs() <= 1e-6 * (1.0 + fd.abs()), "param {i}: {} vs {fd}", g[i]);
            nonzero += (g[i] != 0.0) as usize;
        }
        assert!(nonzero > p.len() / 2, "{nonzero} of {} gradients are non-zero", p.len());
    }

    #[test]
    fn objective_gradient_with_the_regulariser_matches_finite_differences() {
        let (m, terms) = problem();
        let cfg = PdeConfig { lamb: 0.05, lamb_l1: 1.3, lamb_entropy: 2.0, ..Default::default() };
        let fit = PdeFit::new(terms, 2, cfg);
        let reg = fit.sparsity(&m).unwrap();
        let (net, p) = JetNet::of(&m, 2);
        let f = |q: &[f64]| {
            let (l, r) = objective(&net, Some(&reg), q, &fit.terms, None);
            l[0] + 0.05 * r
        };
        let mut g = vec![0.0; p.len()];
        let (l, r) = objective(&net, Some(&reg), &p, &fit.terms, Some(&mut g));
        // the regulariser is a sizeable part of the objective, so its gradient is tested too
        assert!(0.05 * r > 0.01 * l[0] && r.is_finite(), "loss {} reg {r}", l[0]);
        let mut g0 = vec![0.0; p.len()];
        loss(&net, &p, &fit.terms, Some(&mut g0));
        let mut q = p.clone();
        let mut differ = 0;
        for i in 0..p.len() {
            let h = 1e-6 * (1.0 + p[i].abs());
            q[i] = p[i] + h;
            let lp = f(&q);
            q[i] = p[i] - h;
            let lm = f(&q);
            q[i] = p[i];
            let fd = (lp - lm) / (2.0 * h);
            assert!((fd - g[i]).abs() <= 1e-6 * (1.0 + fd.abs()), "param {i}: {} vs {fd}", g[i]);
            differ += ((g[i] - g0[i]).abs() > 1e-6) as usize;
        }
        assert!(differ > p.len() / 4, "the regulariser moves only {differ} of {} gradients", p.len());
    }

    /// Poisson's equation u_xx + u_yy = -2 pi^2 sin(pi x) sin(pi y) on a 7 x 7 mesh of
    /// [-1, 1]^2 with u = 0 on 24 boundary points.
    fn poisson() -> Vec<Term> {
        let mut b = B::default();
        let (uxx, uyy, x, y, pi) = (b.op(1.0, 5.0, 0.0), b.op(1.0, 8.0, 0.0), b.op(1.0, 0.0, 0.0), b.op(1.0, 1.0, 0.0), b.op(0.0, PI, 0.0));
        let sin = symbolic::lookup("sin").unwrap() as f64;
        let (px, py) = (b.op(4.0, pi, x), b.op(4.0, pi, y));
        let (sx, sy) = (b.op(8.0, px, sin), b.op(8.0, py, sin));
        let c = b.op(0.0, 2.0 * PI * PI, 0.0);
        let ss = b.op(4.0, sx, sy);
        let f = b.op(4.0, c, ss);
        let lap = b.op(2.0, uxx, uyy);
        b.op(2.0, lap, f);
        let inner = b.done(9);
        let mut b = B::default();
        b.op(1.0, 2.0, 0.0);
        let side = b.done(9);
        let at = |i: usize| -1.0 + i as f64 / 3.0;
        let mesh: Vec<f64> = (0..49).flat_map(|s| [at(s / 7), at(s % 7)]).collect();
        let edge: Vec<f64> = (0..6).flat_map(|i| [at(i), -1.0, at(i + 1), 1.0, -1.0, at(i + 1), 1.0, at(i)]).collect();
        vec![Term { x: mesh, n: 49, prog: inner, weight: 0.01 }, Term { x: edge, n: 24, prog: side, weight: 1.0 }]
    }

    #[test]
    fn lamb_lowers_the_edge_scales_of_a_poisson_fit() {
        let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![5], seed: 3, ..Default::default() };
        let start: Model<f64> = Model::new(&cfg).unwrap();
        let fitted = |lamb: f64| {
            let mut m = start.clone();
            let mut fit = PdeFit::new(poisson(), 2, PdeConfig { lamb, ..Default::default() });
            let mut last = vec![];
            for _ in 0..20 {
                last = fit.step(&mut m).unwrap();
            }
            // the L1 part alone: the sum of every edge's scale over the collocation points
            let x = fit.points::<f64>(2);
            let l1 = m.regulariser(&m.params, &x, (1.0, 1.0, 0.0), None);
            (last, l1)
        };
        let (plain, l1_plain) = fitted(0.0);
        let (sparse, l1_sparse) = fitted(1e-3);
        eprintln!("lamb 0: loss {} L1 {l1_plain}; lamb 1e-3: loss {} reg {} L1 {l1_sparse}", plain[0], sparse[0], sparse[3]);
        assert_eq!(plain[3], 0.0, "no regulariser is reported with lamb 0");
        assert!(sparse[3] > 0.0 && sparse[3].is_finite(), "the regulariser is reported: {}", sparse[3]);
        assert!(l1_sparse < 0.8 * l1_plain, "L1 of the edge scales: {l1_sparse} with lamb vs {l1_plain} without");
        assert!(sparse[0] < 1e-2, "the regularised fit still solves the equation: loss {}", sparse[0]);
    }

    #[test]
    fn steps_lower_the_loss_and_a_failed_step_changes_nothing() {
        let (mut m, terms) = problem();
        let cfg = PdeConfig { update_grid: true, grid_update_num: 2, stop_grid_update_step: 4, ..Default::default() };
        let mut fit = PdeFit::new(terms, 2, cfg);
        let l0 = fit.evaluate(&m)[0];
        let mut last = l0;
        for _ in 0..6 {
            last = fit.step(&mut m).unwrap()[0];
        }
        eprintln!("{l0} -> {last}");
        assert!(last < 0.1 * l0, "{l0} -> {last}");
        let before = m.params.clone();
        fit.terms[1].x[0] = f64::NAN;
        assert!(fit.step(&mut m).is_err());
        assert!(m.params.iter().zip(&before).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
#[cfg(test)]
mod perf {
    use super::*;
    use crate::model::ModelConfig;
    #[test]
    #[ignore]
    fn poisson_eval_speed() {
        let cfg = ModelConfig { width: vec![(2, 0), (10, 0), (1, 0)], grid: vec![5], ..Default::default() };
        let m: Model<f64> = Model::new(&cfg).unwrap();
        let (net, p) = JetNet::of(&m, 2);
        let prog = Program::parse(&[1.0, 5.0, 0.0, 0.0, 1.0, 8.0, 0.0, 0.0, 2.0, 0.0, 1.0, 0.0], 9).unwrap();
        let x: Vec<f64> = (0..1000).flat_map(|s| [(s as f64 * 0.37).sin(), (s as f64 * 0.91).cos()]).collect();
        let terms = vec![Term { x, n: 1000, prog, weight: 1.0 }];
        let mut g = vec![0.0; p.len()];
        let t = std::time::Instant::now();
        for _ in 0..10 {
            loss(&net, &p, &terms, Some(&mut g));
        }
        eprintln!("per point {:?}", t.elapsed() / 10000);
    }
}
