//! Training: the settings, the objective (loss plus pykan's regulariser) with its gradient,
//! and the fit loop, one optimiser step per call so the host can yield between steps.

use super::revive::Revival;
use super::{check_finite, Model};
use crate::autodiff::{Tape, Tensor};
use crate::error::{Failure, Res};
use crate::layer::{Layer, SharedCache};
use crate::optim::{Adam, Lbfgs, LbfgsConfig};
use crate::par;
use crate::pool;
use crate::real::Real;
use crate::rng::Rng;

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
    /// Races of a revived copy allowed per fit (0: none); see [`super::revive`].
    pub revive: usize,
    /// Steps of stall before a check, and the length of a race.
    pub revive_steps: usize,
}

// The defaults users get live in ts/config.ts alone; these are the native tests' starting point.
#[cfg(test)]
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
            revive: 3,
            revive_steps: 5,
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
            if par::THREADED {
                // SAFETY: fill_bytes writes every row.
                let mut d = unsafe { pool::unfilled::<T>(ids.len() * t.cols) };
                par::fill_bytes(pool::bytes_of(&mut d), t.cols * T::BYTES, Some(pool::bytes(&t.data)), Some(ids));
                return Tensor::from_vec(ids.len(), t.cols, d);
            }
            let mut d = pool::take(ids.len() * t.cols);
            for &i in ids {
                d.extend_from_slice(&t.data[i * t.cols..(i + 1) * t.cols]);
            }
            Tensor::from_vec(ids.len(), t.cols, d)
        };
        Data { x: pick(&self.x), y: pick(&self.y) }
    }
}

pub(super) struct FitState<T: Real> {
    pub(super) cfg: FitConfig,
    pub(super) train: Data<T>,
    pub(super) test: Option<Data<T>>,
    pub(super) lbfgs: Lbfgs<T>,
    adam: Adam<T>,
    /// The parameter vector before the last Adam step, reused for the next one.
    spare: Vec<T>,
    rng: Rng,
    pub(super) step: usize,
    /// The watch for a stuck fit (None where it does not apply).
    revive: Option<Revival<T>>,
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
            revive: self.revive.as_ref().map(Revival::copy),
            first: SharedCache::default(),
            first_for: Default::default(),
        })
    }
}

impl<T: Real> Model<T> {
    /// `(objective, gradient, loss, reg)` at `params` on `data`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn objective(&self, params: &[T], data: &Data<T>, cfg: &FitConfig, first: Option<&SharedCache<T>>) -> (T, Vec<T>, T, T) {
        let mut t = Tape::borrowing(params);
        let (out, ins) = self.build(&mut t, &data.x, cfg.lamb > 0.0, first);
        let loss = Self::loss_node(&mut t, out, &data.y, cfg.loss);
        let (obj, reg) = if cfg.lamb > 0.0 {
            let r = self.reg(&mut t, &ins, cfg.lamb_l1, cfg.lamb_entropy, true);
            let rs = t.scale(r, T::from_f64(cfg.lamb));
            (t.add(loss, rs), Some(r))
        } else {
            (loss, None)
        };
        let mut g = t.backward(obj);
        self.drop_untrained(&mut g);
        let rv = reg.map(|r| t.value(r).data[0]).unwrap_or(T::ZERO);
        (t.value(obj).data[0], g, t.value(loss).data[0], rv)
    }

    /// Zeroes the gradient of the scales the model does not train (sbTrainable, spTrainable).
    fn drop_untrained(&self, g: &mut [T]) {
        for layer in &self.layers {
            if !self.cfg.train_sb {
                g[layer.sb_off()..layer.sp_off()].iter_mut().for_each(|v| *v = T::ZERO);
            }
            if !self.cfg.train_sp {
                g[layer.sp_off()..layer.aff_off()].iter_mut().for_each(|v| *v = T::ZERO);
            }
        }
    }

    /// pykan's regulariser alone (as `objective` adds it, with weights `l1` and `entropy`)
    /// over the layer inputs of `x`'s forward pass at `params`; with `grad`, `lamb` times its
    /// gradient is added there. Physics-informed fitting adds it to a loss of its own.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn regulariser(&self, params: &[T], x: &Tensor<T>, (lamb, l1, entropy): (f64, f64, f64), grad: Option<&mut [T]>) -> T {
        let mut t = Tape::borrowing(params);
        let (_, ins) = self.build(&mut t, x, true, None);
        let r = self.reg(&mut t, &ins, l1, entropy, false);
        if let Some(grad) = grad {
            let rs = t.scale(r, T::from_f64(lamb));
            let mut g = t.backward(rs);
            self.drop_untrained(&mut g);
            grad.iter_mut().zip(&g).for_each(|(a, &b)| *a += b);
            pool::give(g);
        }
        t.value(r).data[0]
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
            revive: Revival::new(&cfg, train.x.rows, self.n_in()),
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
        let mut r = self.fit_step_inner(&mut st);
        // float64 models only: the test is a constant, so float32's code stays out of the module
        let watched = if T::BYTES == 8 { st.revive.take() } else { None };
        if let (Ok(rep), Some(mut rv)) = (r.as_mut(), watched) {
            self.revive_after(&mut rv, &mut st, rep);
            st.revive = Some(rv);
        }
        self.fit = Some(st);
        r
    }

    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn fit_step_inner(&mut self, st: &mut FitState<T>) -> Res<StepReport> {
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
        let regrid = cfg.update_grid && st.step.is_multiple_of(freq) && st.step < cfg.stop_grid_update_step;
        if regrid {
            self.begin_change();
            if let Err(e) = self.update_grid(&batch.x) {
                self.end_change(false);
                return Err(e);
            }
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
        let mut back = false;
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
                if l.is_finite() {
                    params.resize(self.params.len(), T::ZERO);
                    finite = Some(st.adam.step_into(&self.params, &g, &mut params));
                } else {
                    // Adam reports the loss before its step, so the step before went wrong:
                    // its starting point, still in `params`, is the last one known good
                    finite = Some(false);
                    back = params.len() == self.params.len();
                }
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
            if regrid {
                self.end_change(false);
            } else if finite {
                // the step was taken but its loss is not finite: undo it
                std::mem::swap(&mut self.params, &mut params);
            }
            st.lbfgs = Lbfgs::new(st.lbfgs.cfg.clone());
            let kept = if back && st.step > 0 {
                std::mem::swap(&mut self.params, &mut params);
                st.step - 1
            } else {
                st.step
            };
            return Err(Failure::numeric(format!(
                "fit: the loss became non-finite at step {}; the model keeps its parameters from before step {kept}, the last whose loss was finite (try a smaller lr or enable lamb)",
                st.step
            )));
        }
        self.end_change(true);
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
