//! Revival of a fit that is stuck with an input switched off.
//!
//! pykan's initialisation draws every `scale_base` with a random sign, and from some draws
//! LBFGS settles where one input's edges carry almost nothing while the loss stays high: on
//! pykan's hellokan task, exp(sin(pi x1) + x2^2), a [2,1,1] KAN ends at RMSE 0.6 from 11 of
//! the seeds 0 to 19, its second input's edges flat and its outer edge folded so that x1 alone
//! gives the best fit it can. Gradients cannot leave that state: x2 could enter only through an
//! outer function that is monotone over a wider range.
//!
//! The watch, on LBFGS fits of the MSE on the full data by float64 models (float32 models, for
//! speed, go without: the module's byte budget): when the train RMSE has fallen by less
//! than [`STALL`] over `revive_steps` steps, [`Model::missed_inputs`] looks for an input the
//! model ignores although the data depend on it. If one is found, a copy of the model starts
//! again from pykan's initialisation with every base scale `+1/sqrt(n_in)` (one sign
//! throughout, the draw that never folds) and new spline noise, its grids moved to its own
//! activations, and takes `revive_steps` steps beside the model (a race: after each of the
//! model's steps the copy's state takes its place in the same fit for one step of its own). It
//! replaces the model only if its objective is then lower; otherwise the model goes on as if
//! nothing had happened, so a fit that revival does not change gives the same bits as one
//! without it. At most `revive` races run per fit, each from its own draw.

use super::Model;
use super::{Data, FitConfig, FitState, Loss, Opt, StepReport};
use crate::autodiff::Tensor;
use crate::layer::Layer;
use crate::optim::Lbfgs;
use crate::real::Real;
use crate::rng::Rng;

/// A fit stalls when its train RMSE fell by less than this fraction over `revive_steps` steps.
pub const STALL: f64 = 0.01;
/// An input is quiet when its attribution score (pykan's: how much of the outputs' spread
/// passes through it) is below this share of the highest.
pub const QUIET: f64 = 0.5;
/// A quiet input is missed when the residual's means over bins of it explain more than this
/// share of the labels' variance (a converged fit leaves far less: about 1e-5 on
/// hellokan; a stuck one 0.05 to 0.1).
pub const MISSED: f64 = 0.01;
/// The check reads at most this many samples, evenly strided over the training data.
const CHECK_SAMPLES: usize = 512;
/// Equal bins over an input's range, for the residual's dependence on it.
const BINS: usize = 8;
/// Mixed into the fit's seed for each race's draw.
const SALT: u64 = 0x7265_7669_7665;

/// The watch's bookkeeping within a fit (the same for either element type).
#[derive(Clone)]
struct Watch {
    /// Races still allowed.
    left: usize,
    /// Races started, numbering their draws.
    started: u64,
    /// Steps of stall before a check, and of a race.
    steps: usize,
    /// Train RMSEs since the last check.
    recent: Vec<f64>,
}

impl Watch {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn new(cfg: &FitConfig, n: usize, n_in: usize) -> Option<Self> {
        let full = cfg.batch == 0 || cfg.batch >= n;
        let applies = cfg.revive > 0 && cfg.revive_steps > 0 && cfg.opt == Opt::Lbfgs && cfg.loss == Loss::Mse && full && n_in > 1;
        applies.then(|| Watch { left: cfg.revive, started: 0, steps: cfg.revive_steps, recent: Vec::with_capacity(cfg.revive_steps + 1) })
    }

    /// Takes the train RMSE of a step; true when the fit has stalled over the last `steps`
    /// steps and races remain. After a check the next comes `steps` steps later at the earliest.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn stalled(&mut self, train: f64) -> bool {
        self.recent.push(train);
        if self.left == 0 || self.recent.len() <= self.steps {
            return false;
        }
        let before = self.recent[0];
        self.recent.clear();
        !(train < before * (1.0 - STALL))
    }

    /// The draw of the next race, from the fit's seed.
    fn draw(&mut self, seed: u64) -> Rng {
        self.started += 1;
        self.left -= 1;
        Rng::new(seed ^ SALT.wrapping_add(self.started - 1))
    }
}

/// The watch's state within a fit: its bookkeeping, and in a race the state the model is not
/// in (the copy's while the model steps, and the other way round), with the race's steps left.
pub(super) struct Revival<T: Real> {
    watch: Watch,
    race: Option<(Side<T>, usize)>,
}

/// What a model in a fit is made of: its parameters, its layers, its optimiser's state.
type Side<T> = (Vec<T>, Vec<Layer<T>>, Lbfgs<T>);

impl<T: Real> Revival<T> {
    /// The watch for a fit with settings `cfg` on `n` training samples of `n_in` inputs, or
    /// `None` where it does not apply (turned off, float32, Adam, batches, cross-entropy, one
    /// input).
    pub(super) fn new(cfg: &FitConfig, n: usize, n_in: usize) -> Option<Self> {
        let w = if T::BYTES == 8 { Watch::new(cfg, n, n_in) } else { None };
        w.map(|watch| Revival { watch, race: None })
    }

    /// The same watch without a race in progress (for a copy of the fit).
    pub(super) fn copy(&self) -> Self {
        Revival { watch: self.watch.clone(), race: None }
    }
}

/// The objective a step ended at: MSE plus the weighted regulariser.
fn objective(r: &StepReport, cfg: &FitConfig) -> f64 {
    r.train * r.train + cfg.lamb * r.reg
}

impl<T: Real> Model<T> {
    /// Exchanges the model's state in the fit `st` with `side`.
    fn exchange(&mut self, side: &mut Side<T>, st: &mut FitState<T>) {
        std::mem::swap(&mut self.params, &mut side.0);
        std::mem::swap(&mut self.layers, &mut side.1);
        std::mem::swap(&mut st.lbfgs, &mut side.2);
    }

    /// After each successful step of the fit `st` (whose watch `rv` is out of it meanwhile):
    /// gives the copy in a race its step (the same step number, on the same data), ends the
    /// race (the copy becomes the model when its objective is lower; `rep` then reports the
    /// copy's step), or checks for a stall and starts a race.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn revive_after(&mut self, rv: &mut Revival<T>, st: &mut FitState<T>, rep: &mut StepReport) {
        if let Some((mut side, left)) = rv.race.take() {
            // the copy takes the model's place for its step: the same step number, the same data
            self.exchange(&mut side, st);
            st.step -= 1;
            let r = self.fit_step_inner(st);
            // a failed step is not counted; that copy leaves the race
            st.step += usize::from(r.is_err());
            let won = matches!(&r, Ok(tr) if left == 1 && objective(tr, &st.cfg) < objective(rep, &st.cfg));
            if won {
                // the copy stays, and the model's old state goes
                *rep = r.unwrap_or(*rep);
                return;
            }
            self.exchange(&mut side, st);
            if r.is_ok() && left > 1 {
                rv.race = Some((side, left - 1));
            }
            return;
        }
        if !rv.watch.stalled(rep.train) || self.missed_inputs(&st.train).is_empty() {
            return;
        }
        let (steps, seed, regrid) = (st.cfg.revive_steps, st.cfg.seed, st.cfg.update_grid);
        let (mut params, mut layers) = (self.params.clone(), self.layers.clone());
        let fresh = self.init_numeric(&mut rv.watch.draw(seed), 1.0, 0.0, false);
        let fresh = fresh.and_then(|_| if regrid { self.update_grid(&st.train.x) } else { Ok(()) });
        // the model takes its state back; the copy's waits for its first step
        std::mem::swap(&mut self.params, &mut params);
        std::mem::swap(&mut self.layers, &mut layers);
        if fresh.is_ok() {
            rv.race = Some(((params, layers, Lbfgs::new(st.lbfgs.cfg.clone())), steps));
        }
    }

    /// The inputs the model ignores although the data depend on them: among the inputs whose
    /// attribution score ([`Model::attribute`]) is not 0 (a pruned input's is), those scoring
    /// below [`QUIET`] times the highest, and whose bins explain more than [`MISSED`] of the
    /// labels' variance through the residual (see [`explained`]). Reads at most 512 samples
    /// of `d` (MSE labels).
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn missed_inputs(&self, d: &Data<T>) -> Vec<usize> {
        let (n, ni, no) = (d.x.rows, self.n_in(), self.n_out());
        let stride = n.div_ceil(CHECK_SAMPLES).max(1);
        let m = n.div_ceil(stride);
        let mut x = Tensor::zeros(m, ni);
        for r in 0..m {
            x.data[r * ni..(r + 1) * ni].copy_from_slice(&d.x.data[r * stride * ni..(r * stride + 1) * ni]);
        }
        let p = self.predict(&x);
        // inputs, labels and predictions in f64, so that what follows is compiled once
        let mut v: Vec<f64> = x.data.iter().map(|a| a.to_f64()).collect();
        v.extend((0..m * no).map(|q| d.y.data[(q / no) * stride * no + q % no].to_f64()));
        v.extend(p.data.iter().map(|a| a.to_f64()));
        missed(&v, ni, no, &self.attribute(&x).nodes[0])
    }
}

/// The inputs of `v` ((m, n_in) inputs, (m, r) labels, (m, r) predictions) whose score is not
/// 0 but below [`QUIET`] times the highest of `scores`, and whose bins explain more than
/// [`MISSED`] of the labels' variance through the residual.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn missed(v: &[f64], ni: usize, r: usize, scores: &[f64]) -> Vec<usize> {
    let m = v.len() / (ni + 2 * r);
    let (x, yp) = v.split_at(m * ni);
    let (y, p) = yp.split_at(m * r);
    let res: Vec<f64> = y.iter().zip(p).map(|(a, b)| a - b).collect();
    let label_var = spread(y, r);
    let top = scores.iter().fold(0.0f64, |a, &b| a.max(b));
    let mut col = vec![0.0; m];
    let mut found = Vec::new();
    for i in 0..ni {
        if scores[i] > 0.0 && scores[i] < QUIET * top {
            for (s, c) in col.iter_mut().enumerate() {
                *c = x[s * ni + i];
            }
            if explained(&col, &res, r) > MISSED * label_var {
                found.push(i);
            }
        }
    }
    found
}

/// The variance of the `m` values `f(0..m)`.
fn spread_of(m: usize, f: impl Fn(usize) -> f64) -> f64 {
    let mean = (0..m).map(&f).sum::<f64>() / m.max(1) as f64;
    (0..m).map(|s| (f(s) - mean).powi(2)).sum::<f64>() / m.max(1) as f64
}

/// The variance of `v (m, r)`, summed over its columns.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn spread(v: &[f64], r: usize) -> f64 {
    (0..r).map(|o| spread_of(v.len() / r.max(1), |s| v[s * r + o])).sum()
}

/// The variance of `res (m, r)`, summed over its columns, that its means over [`BINS`] equal
/// bins of `x (m)` explain (the between-bin part), less twice what bins explain of pure
/// noise ((BINS - 1) / m of the whole).
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn explained(x: &[f64], res: &[f64], r: usize) -> f64 {
    let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let m = x.len() as f64;
    if !(lo < hi) {
        return 0.0;
    }
    let mut count = [0.0; BINS];
    let mut sum = vec![0.0; BINS * r];
    for (s, &xv) in x.iter().enumerate() {
        let b = (((xv - lo) / (hi - lo) * BINS as f64) as usize).min(BINS - 1);
        count[b] += 1.0;
        for o in 0..r {
            sum[b * r + o] += res[s * r + o];
        }
    }
    // the between-bin sum of squares: sum_b S_b^2 / n_b - S^2 / m, per column
    let mut between = 0.0;
    for o in 0..r {
        let mut all = 0.0;
        for b in 0..BINS {
            all += sum[b * r + o];
            if count[b] > 0.0 {
                between += sum[b * r + o] * sum[b * r + o] / count[b];
            }
        }
        between -= all * all / m;
    }
    let chance = 2.0 * (BINS - 1) as f64 / m * spread(res, r) * m;
    ((between - chance) / m).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::super::tests::dataset;
    use super::super::ModelConfig;
    use super::*;

    fn hellokan_211(seed: u64) -> Model<f64> {
        Model::new(&ModelConfig { width: vec![(2, 0), (1, 0), (1, 0)], seed, ..Default::default() }).unwrap()
    }

    /// Turns input `i`'s first-layer edges almost off: both scales divided by 1000.
    fn silence(m: &mut Model<f64>, i: usize) {
        let l0 = m.layers[0].clone();
        for o in 0..l0.n_out {
            m.params[l0.sb_off() + i * l0.n_out + o] *= 1e-3;
            m.params[l0.sp_off() + i * l0.n_out + o] *= 1e-3;
        }
    }

    #[test]
    fn an_input_is_missed_when_quiet_while_the_labels_depend_on_it() {
        let d = dataset(300, 2);
        let mut m = hellokan_211(0);
        assert_eq!(m.missed_inputs(&d), Vec::<usize>::new(), "both inputs carry their share");
        silence(&mut m, 1);
        assert_eq!(m.missed_inputs(&d), vec![1]);
        // the same quiet input, but labels that do not depend on it
        let mut only_x1 = d.clone();
        for s in 0..only_x1.y.rows {
            only_x1.y.data[s] = (std::f64::consts::PI * only_x1.x.data[2 * s]).sin().exp();
        }
        assert_eq!(m.missed_inputs(&only_x1), Vec::<usize>::new());
        // a pruned input (every edge masked) is left alone
        m.layers[0].mask[1] = 0.0;
        assert_eq!(m.missed_inputs(&d), Vec::<usize>::new());
    }

    #[test]
    fn spread_and_explained_variance() {
        assert_eq!(spread(&[1.0, 10.0, 3.0, 10.0], 2), 1.0);
        // a residual that is a function of x's bin is explained whole, less the chance part;
        // noise independent of x hardly at all
        let mut r = Rng::new(4);
        let x: Vec<f64> = (0..400).map(|_| r.uniform() * 4.0 - 1.0).collect();
        let (lo, hi) = x.iter().fold((9.0f64, -9.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let stairs: Vec<f64> = x.iter().map(|v| ((((v - lo) / (hi - lo) * 8.0) as usize).min(7) as f64).powi(2)).collect();
        let total = spread(&stairs, 1);
        let chance = 2.0 * 7.0 / 400.0 * total;
        assert!((explained(&x, &stairs, 1) - (total - chance)).abs() < 1e-9 * total);
        let noise: Vec<f64> = (0..400).map(|_| r.uniform() - 0.5).collect();
        assert_eq!(explained(&x, &noise, 1), 0.0);
        assert_eq!(explained(&[0.5; 4], &[1.0, 2.0, 3.0, 4.0], 1), 0.0);
        // two columns: their parts add up
        let both: Vec<f64> = stairs.iter().flat_map(|&v| [v, 2.0 * v]).collect();
        assert!((explained(&x, &both, 2) - 5.0 * (total - chance)).abs() < 1e-9 * total);
    }

    fn fit(m: &mut Model<f64>, d: &Data<f64>, steps: usize, revive: usize) -> Vec<StepReport> {
        let cfg = FitConfig { revive, ..Default::default() };
        m.fit_begin(d.clone(), None, cfg).unwrap();
        let reps = (0..steps).map(|_| m.fit_step().unwrap()).collect();
        m.fit_end();
        reps
    }

    #[test]
    fn stuck_seeds_converge_with_revival_and_stall_without() {
        // exp(sin(pi x1) + x2^2), [2,1,1]: from these seeds LBFGS leaves x2 out
        let d = dataset(200, 1);
        for seed in [1, 4] {
            let off = fit(&mut hellokan_211(seed), &d, 30, 0);
            assert!(off.last().unwrap().train > 0.3, "seed {seed} without revival: {:?}", off.last());
            let mut m = hellokan_211(seed);
            let on = fit(&mut m, &d, 30, 3);
            assert!(on.last().unwrap().train < 3e-2, "seed {seed} with revival: {:?}", on.last());
            assert!(m.missed_inputs(&d).is_empty());
        }
    }

    #[test]
    fn a_fit_revival_does_not_change_keeps_its_bits() {
        let d = dataset(200, 1);
        let (mut a, mut b) = (hellokan_211(0), hellokan_211(0));
        let (ra, rb) = (fit(&mut a, &d, 30, 0), fit(&mut b, &d, 30, 3));
        assert_eq!(a.params, b.params);
        assert!(ra.iter().zip(&rb).all(|(x, y)| x.train.to_bits() == y.train.to_bits()));
        assert!(Revival::<f64>::new(&FitConfig { opt: Opt::Adam, ..Default::default() }, 200, 2).is_none());
        assert!(Revival::<f64>::new(&FitConfig { batch: 50, ..Default::default() }, 200, 2).is_none());
        assert!(Revival::<f64>::new(&FitConfig::default(), 200, 1).is_none());
        assert!(Revival::<f32>::new(&FitConfig::default(), 200, 2).is_none());
        assert!(Revival::<f64>::new(&FitConfig::default(), 200, 2).is_some());
    }
}
