//! Training: a fit starts with its data and settings, advances one step per call (so the
//! host can yield between steps), and ends.

use super::layout::FitSettings;
use super::model::{dispatch, tensor, with_model, AnyModel};
use super::{slice, slice_mut, status};
use crate::model::{Data, FitConfig, Loss, Opt};

/// Starts a fit with the settings at `cfg` (a [`FitSettings`]). `ny` is the label width.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_fit_begin(
    h: u32,
    tx: *const f64,
    ty: *const f64,
    n: usize,
    ny: usize,
    vx: *const f64,
    vy: *const f64,
    nv: usize,
    cfg: *const FitSettings,
) -> i32 {
    status(with_model(h, |m| {
        let c = &slice(cfg, 1)?[0];
        let fc = FitConfig {
            opt: if c.opt == 0 { Opt::Lbfgs } else { Opt::Adam },
            lr: c.lr,
            batch: c.batch as usize,
            lamb: c.lamb,
            lamb_l1: c.lamb_l1,
            lamb_entropy: c.lamb_entropy,
            update_grid: c.update_grid != 0,
            grid_update_num: c.grid_update_num as usize,
            stop_grid_update_step: c.stop_grid_update_step as usize,
            loss: if c.loss == 0 { Loss::Mse } else { Loss::CrossEntropy },
            seed: c.seed as u64,
            revive: c.revive as usize,
            revive_steps: c.revive_steps as usize,
        };
        dispatch!(m, m => {
            let ni = m.n_in();
            let train = Data { x: tensor(tx, n, ni)?, y: tensor(ty, n, ny)? };
            let test = if nv > 0 { Some(Data { x: tensor(vx, nv, ni)?, y: tensor(vy, nv, ny)? }) } else { None };
            m.fit_begin(train, test, fc)
        })
    }))
}

/// One step; writes `[train, test, reg]` to `out`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_fit_step(h: u32, out: *mut f64) -> i32 {
    status(with_model(h, |m| {
        let r = dispatch!(m, m => m.fit_step())?;
        slice_mut(out, 3)?.copy_from_slice(&[r.train, r.test, r.reg]);
        Ok(())
    }))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_fit_end(h: u32) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => m.fit_end());
        Ok(())
    }))
}
