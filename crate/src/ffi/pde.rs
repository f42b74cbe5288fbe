//! The boundary of input derivatives and physics-informed fitting (`model::derivatives`,
//! `pde`): flat f64 buffers in, status codes out, as the rest of the FFI.

use super::model::{with_model, AnyModel};
use super::{slice, slice_mut, status};
use crate::error::{Failure, Res};
use crate::model::derivatives::JetNet;

/// The model of handle `h` as a [`JetNet`] of `order`, with its parameters.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn net_of(h: u32, order: usize) -> Res<(JetNet, Vec<f64>)> {
    with_model(h, |m| {
        Ok(match m {
            AnyModel::F32(m) => JetNet::of(m, order),
            AnyModel::F64(m) => JetNet::of(m, order),
        })
    })
}

/// Gradients `(n, out, in)` and, for `order` 2, Hessians `(n, out, in, in)` of the outputs
/// at `x (n, in)`. (Values come from `kw_model_predict`, the model's own forward pass.)
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_derivatives(h: u32, x: *const f64, n: usize, order: u32, grad: *mut f64, hess: *mut f64) -> i32 {
    status((|| {
        if !(1..=2).contains(&order) {
            return Err(Failure::invalid(format!("derivatives: order must be 1 or 2, got {order}")));
        }
        let (net, p) = net_of(h, order as usize)?;
        let (d, no) = (net.d, net.layers[net.layers.len() - 1].n_out);
        let xs = slice(x, n * d)?;
        if xs.iter().any(|v| !v.is_finite()) {
            return Err(Failure::invalid("derivatives: input holds a non-finite value"));
        }
        let g = slice_mut(grad, n * no * d)?;
        let mut hs = if order == 2 { Some(slice_mut(hess, n * no * d * d)?) } else { None };
        let mut w = net.work();
        for s in 0..n {
            let hrow = hs.as_deref_mut().map(|h| &mut h[s * no * d * d..(s + 1) * no * d * d]);
            net.derivatives_with(&p, &xs[s * d..(s + 1) * d], &mut g[s * no * d..(s + 1) * no * d], hrow, &mut w);
        }
        Ok(())
    })())
}

use super::layout::PdeSettings;
use crate::model::Opt;
use crate::pde::program::Program;
use crate::pde::{PdeConfig, PdeFit, Term};
use std::cell::RefCell;

crate::main_local! {
    static FITS: RefCell<Vec<Option<PdeFit>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on fit `id` (taken out of the table meanwhile).
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn with_fit<R>(id: u32, f: impl FnOnce(&mut PdeFit) -> Res<R>) -> Res<R> {
    let mut fit = FITS
        .with(|t| t.borrow_mut().get_mut((id as usize).wrapping_sub(1)).and_then(|s| s.take()))
        .ok_or_else(|| Failure::invalid(format!("fitPDE: fit {id} is not live")))?;
    let r = f(&mut fit);
    FITS.with(|t| t.borrow_mut()[id as usize - 1] = Some(fit));
    r
}

/// Starts a physics-informed fit of model `h` with the settings at `cfg` (a
/// [`PdeSettings`]) and writes its id to `out`. Term `t` has `counts[t]` points (rows of
/// `points (sum counts, in)`, in order), a program of `lens[t]` instructions (in `code`, 4
/// numbers each) and weight `weights[t]`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_pde_new(
    h: u32,
    nterms: usize,
    counts: *const u32,
    points: *const f64,
    lens: *const u32,
    code: *const f64,
    weights: *const f64,
    cfg: *const PdeSettings,
    out: *mut u32,
) -> i32 {
    status((|| {
        let c = &slice(cfg, 1)?[0];
        let order = c.order as usize;
        let (net, _) = net_of(h, order.min(2))?;
        let (d, j) = (net.d, net.jet());
        let nq = d + net.layers[net.layers.len() - 1].n_out * j;
        let (counts, lens, weights) = (slice(counts, nterms)?, slice(lens, nterms)?, slice(weights, nterms)?);
        let (np, nc) = (counts.iter().map(|&v| v as usize).sum::<usize>(), lens.iter().map(|&v| 4 * v as usize).sum::<usize>());
        let (pts, code) = (slice(points, np * d)?, slice(code, nc)?);
        if order > 2 || nterms == 0 || pts.iter().any(|v| !v.is_finite()) || weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(Failure::invalid("fitPDE: the problem needs terms, finite points, weights >= 0 and derivatives of order at most 2"));
        }
        let (mut at, mut ac) = (0, 0);
        let mut terms = Vec::with_capacity(nterms);
        for t in 0..nterms {
            let (n, l) = (counts[t] as usize, 4 * lens[t] as usize);
            let prog = Program::parse(&code[ac..ac + l], nq).map_err(|e| Failure::invalid(format!("fitPDE: terms[{t}]: {e}")))?;
            terms.push(Term { x: pts[at * d..(at + n) * d].to_vec(), n, prog, weight: weights[t] });
            at += n;
            ac += l;
        }
        let pc = PdeConfig {
            opt: if c.opt == 0 { Opt::Lbfgs } else { Opt::Adam },
            lr: c.lr,
            update_grid: c.update_grid != 0,
            grid_update_num: c.grid_update_num as usize,
            stop_grid_update_step: c.stop_grid_update_step as usize,
            lamb: c.lamb,
            lamb_l1: c.lamb_l1,
            lamb_entropy: c.lamb_entropy,
        };
        let fit = PdeFit::new(terms, order, pc);
        let id = FITS.with(|t| {
            let mut t = t.borrow_mut();
            t.push(Some(fit));
            t.len() as u32
        });
        slice_mut(out, 1)?[0] = id;
        Ok(())
    })())
}

/// One step of fit `id` on model `h` (`train: 1`), or only the loss of the model as it is
/// (`train: 0`); writes the loss, each term's mean squared residual and the regulariser (0
/// with lamb 0) to `out (2 + terms)`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_pde_step(id: u32, h: u32, train: u32, out: *mut f64) -> i32 {
    status(with_fit(id, |fit| {
        let r = with_model(h, |m| match (m, train != 0) {
            (AnyModel::F32(m), true) => fit.step(m),
            (AnyModel::F64(m), true) => fit.step(m),
            (AnyModel::F32(m), false) => Ok(fit.evaluate(m)),
            (AnyModel::F64(m), false) => Ok(fit.evaluate(m)),
        })?;
        slice_mut(out, r.len())?.copy_from_slice(&r);
        Ok(())
    }))
}

/// Ends fit `id`, freeing it.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_pde_free(id: u32) -> i32 {
    FITS.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(s) = t.get_mut((id as usize).wrapping_sub(1)) {
            *s = None;
        }
        while matches!(t.last(), Some(None)) {
            t.pop();
        }
    });
    0
}
