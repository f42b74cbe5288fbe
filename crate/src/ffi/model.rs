//! The model table (handles to models of either element type) and the exports that make,
//! copy, free, evaluate, read and change models. Every entry point converts `f64` buffers to
//! the model's element type.

use super::layout::ModelSettings;
use super::{slice, slice_mut, status};
use crate::autodiff::Tensor;
use crate::bspline;
use crate::error::{Failure, Res, BAD_HANDLE};
use crate::layer::{Base, Layer};
use crate::model::{Model, ModelConfig};
use crate::real::Real;
use std::cell::RefCell;

#[derive(Clone)]
pub enum AnyModel {
    F32(Model<f32>),
    F64(Model<f64>),
}

/// A live model and whether a call is working on it. The model is boxed so that its address
/// survives the table growing while a call holds it.
pub(super) struct Slot {
    model: Box<AnyModel>,
    busy: bool,
}

crate::main_local! {
    static MODELS: RefCell<Vec<Option<Slot>>> = const { RefCell::new(Vec::new()) };
}

macro_rules! dispatch {
    ($m:expr, $v:ident => $body:expr) => {
        match $m {
            AnyModel::F32($v) => $body,
            AnyModel::F64($v) => $body,
        }
    };
}
pub(super) use dispatch;

#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(super) fn insert(m: AnyModel) -> u32 {
    let slot = Some(Slot { model: Box::new(m), busy: false });
    MODELS.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(i) = t.iter().position(|s| s.is_none()) {
            t[i] = slot;
            i as u32 + 1
        } else {
            t.push(slot);
            t.len() as u32
        }
    })
}

/// The model behind `h` without the table's borrow check or the busy mark: only for
/// reading a model after a trap, when a borrow or mark may have been left behind.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(super) fn peek(h: u32) -> Option<*const AnyModel> {
    // SAFETY: no call is running (the host reads after a trap ended the last one), so
    // nothing writes the table while it is read.
    MODELS.with(|t| {
        let table: &Vec<Option<Slot>> = unsafe { &*t.as_ptr() };
        table.get((h as usize).wrapping_sub(1)).and_then(|s| s.as_ref()).map(|s| &*s.model as *const AnyModel)
    })
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn in_use(h: u32) -> Failure {
    Failure::invalid(format!("model handle {h} is in use by a call in progress"))
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn not_live(h: u32) -> Failure {
    Failure { code: BAD_HANDLE, msg: format!("model handle {h} is not live (disposed?)") }
}

pub(super) fn with_model<R>(h: u32, f: impl FnOnce(&mut AnyModel) -> Res<R>) -> Res<R> {
    // The model stays in its slot while a call works on it, marked busy so that a nested
    // call (a host function calling back) cannot alias it. Should the call trap, out of
    // memory, the slot still holds the model for the host to carry to a fresh instance.
    let m: *mut AnyModel = MODELS.with(|t| match t.borrow_mut().get_mut((h as usize).wrapping_sub(1)) {
        Some(Some(s)) if s.busy => Err(in_use(h)),
        Some(Some(s)) => {
            s.busy = true;
            Ok(&mut *s.model as *mut AnyModel)
        }
        _ => Err(not_live(h)),
    })?;
    // SAFETY: the box is alive until its slot is emptied, which kw_model_free refuses while
    // the slot is busy; busy also keeps every other `&mut` to it away.
    let r = f(unsafe { &mut *m });
    MODELS.with(|t| {
        if let Some(Some(s)) = t.borrow_mut().get_mut(h as usize - 1) {
            s.busy = false;
        }
    });
    r
}

pub(super) fn tensor<T: Real>(p: *const f64, rows: usize, cols: usize) -> Res<Tensor<T>> {
    let s = slice(p, rows * cols)?;
    Ok(Tensor::from_vec(rows, cols, s.iter().map(|&v| T::from_f64(v)).collect()))
}

pub(super) fn write_out<T: Real>(t: &[T], out: *mut f64) -> Res<()> {
    let o = slice_mut(out, t.len())?;
    for (a, &b) in o.iter_mut().zip(t) {
        *a = b.to_f64();
    }
    Ok(())
}

/// A new model from the settings at `cfg` (a [`ModelSettings`]); its handle to `out (1)`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_new(cfg: *const ModelSettings, out: *mut u32) -> i32 {
    status((|| {
        let c = &slice(cfg, 1)?[0];
        let w = slice(c.width, 2 * c.n_nodes as usize)?;
        let cfg = ModelConfig {
            width: w.chunks(2).map(|c| (c[0] as usize, c[1] as usize)).collect(),
            grid: slice(c.grid, c.n_grid as usize)?.iter().map(|&g| g as usize).collect(),
            k: slice(c.k, c.n_k as usize)?.iter().map(|&g| g as usize).collect(),
            range: (c.range_min, c.range_max),
            base: Base::from_code(c.base).ok_or_else(|| Failure::invalid("KAN: unknown base function"))?,
            noise_scale: c.noise_scale,
            grid_eps: c.grid_eps,
            seed: c.seed as u64,
            scale_base_mu: c.scale_base_mu,
            scale_base_sigma: c.scale_base_sigma,
            scale_sp: c.scale_sp,
            train_sb: c.sb_trainable != 0,
            train_sp: c.sp_trainable != 0,
            mult_arity: slice(c.arity, c.n_arity as usize)?.iter().map(|&a| a as usize).collect(),
        };
        let m = match c.dtype {
            0 => AnyModel::F32(Model::new(&cfg)?),
            1 => AnyModel::F64(Model::new(&cfg)?),
            _ => return Err(Failure::invalid("KAN: dtype code must be 0 (float32) or 1 (float64)")),
        };
        slice_mut(out, 1)?[0] = insert(m);
        Ok(())
    })())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_free(h: u32) -> i32 {
    status(MODELS.with(|t| {
        let mut t = t.borrow_mut();
        match t.get_mut((h as usize).wrapping_sub(1)) {
            Some(Some(s)) if s.busy => Err(in_use(h)),
            Some(s @ Some(_)) => {
                *s = None;
                // the buffers kept for its steps go back to the allocator as well
                crate::pool::clear();
                Ok(())
            }
            _ => Err(not_live(h)),
        }
    }))
}

/// Number of live models (for leak checks).
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_count() -> u32 {
    MODELS.with(|t| t.borrow().iter().filter(|s| s.is_some()).count() as u32)
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_clone(h: u32, out: *mut u32) -> i32 {
    status((|| {
        let c = with_model(h, |m| Ok(m.clone()))?;
        slice_mut(out, 1)?[0] = insert(c);
        Ok(())
    })())
}

/// Trainable parameters (NaN for a bad handle).
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_num_params(h: u32) -> f64 {
    with_model(h, |m| Ok(dispatch!(m, m => m.num_params() as f64))).unwrap_or(f64::NAN)
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_predict(h: u32, x: *const f64, n: usize, out: *mut f64) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let xt = tensor(x, n, m.n_in())?;
            write_out(&m.predict(&xt).data, out)
        })
    }))
}

/// The inputs of layer `l` (`l = L` gives the outputs). Shapes: `x (n, in) -> (n, width_l)`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_activations(h: u32, x: *const f64, n: usize, l: u32, out: *mut f64) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let xt = tensor(x, n, m.n_in())?;
            let acts = m.activations(&xt);
            let a = acts.get(l as usize).ok_or_else(|| Failure::invalid(format!("activations: layer {l} out of range")))?;
            write_out(&a.data, out)
        })
    }))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_update_grid(h: u32, x: *const f64, n: usize) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let xt = tensor(x, n, m.n_in())?;
            m.changing(|m| m.update_grid(&xt))
        })
    }))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_refine(h: u32, g: u32, out: *mut u32) -> i32 {
    status((|| {
        let c = with_model(h, |m| {
            Ok(match m {
                AnyModel::F32(m) => AnyModel::F32(m.refine(g as usize)?),
                AnyModel::F64(m) => AnyModel::F64(m.refine(g as usize)?),
            })
        })?;
        slice_mut(out, 1)?[0] = insert(c);
        Ok(())
    })())
}

/// Layer shape: `out = [n_in, n_out, G, k, base]`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_layer_dims(h: u32, l: u32, out: *mut u32) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let ly = m.layers.get(l as usize).ok_or_else(|| Failure::invalid(format!("layer {l} out of range")))?;
            slice_mut(out, 5)?.copy_from_slice(&[ly.n_in as u32, ly.n_out as u32, ly.g as u32, ly.k as u32, ly.base.code()]);
            Ok(())
        })
    }))
}

/// The arity of each multiplication node of node layer `l` (0..=L) into `out (cap)`, then 0s
/// up to `cap`: a layer has at most as many mult nodes as nodes.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_mult_arity(h: u32, l: u32, out: *mut u32, cap: usize) -> i32 {
    status(with_model(h, |m| {
        let cfg = dispatch!(m, m => &m.cfg);
        if l as usize >= cfg.width.len() {
            return Err(Failure::invalid("kw_model_mult_arity: node layer out of range"));
        }
        let o = slice_mut(out, cap)?;
        o.fill(0);
        for (v, &a) in o.iter_mut().zip(cfg.arity(l as usize)) {
            *v = a as u32;
        }
        Ok(())
    }))
}

/// The arrays of a layer, by `what`: 0 knots `(in, G+2k+1)`, 1 coef `(in, G+k, out)`,
/// 2 scale_base `(in, out)`, 3 scale_sp `(in, out)`, 4 affine `(in, out, 4)`,
/// 5 mask `(in, out)`, 6 symbolic function ids `(in, out)`, 7 bias `(out)`.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(super) fn layer_range<T: Real>(ly: &Layer<T>, what: u32) -> Res<(usize, usize)> {
    Ok(match what {
        1 => (ly.coef_off(), ly.sb_off()),
        2 => (ly.sb_off(), ly.sp_off()),
        3 => (ly.sp_off(), ly.aff_off()),
        4 => (ly.aff_off(), ly.end()),
        _ => return Err(Failure::invalid(format!("layer array {what} is unknown"))),
    })
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(super) fn layer_len<T: Real>(ly: &Layer<T>, what: u32) -> Res<usize> {
    Ok(match what {
        0 => ly.knots.len(),
        5 | 6 => ly.n_in * ly.n_out,
        7 => ly.n_out,
        _ => {
            let (a, b) = layer_range(ly, what)?;
            b - a
        }
    })
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_get(h: u32, l: u32, what: u32, out: *mut f64, len: usize) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let ly = m.layers.get(l as usize).ok_or_else(|| Failure::invalid(format!("layer {l} out of range")))?;
            let n = layer_len(ly, what)?;
            if n != len {
                return Err(Failure::invalid(format!("layer {l} array {what} has {n} values, buffer holds {len}")));
            }
            match what {
                0 => write_out(&ly.knots, out),
                5 => write_out(&ly.mask[..n], out),
                7 => write_out(ly.bias(), out),
                6 => {
                    let ids: Vec<f64> = ly.sym.iter().map(|&s| s as f64).collect();
                    write_out(&ids, out)
                }
                _ => {
                    let (a, b) = layer_range(ly, what)?;
                    write_out(&m.params[a..b], out)
                }
            }
        })
    }))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_set(h: u32, l: u32, what: u32, src: *const f64, len: usize) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let li = l as usize;
            let ly = m.layers.get(li).ok_or_else(|| Failure::invalid(format!("layer {l} out of range")))?;
            let n = layer_len(ly, what)?;
            if n != len {
                return Err(Failure::invalid(format!("layer {l} array {what} needs {n} values, got {len}")));
            }
            let s = slice(src, len)?;
            if s.iter().any(|v| !v.is_finite()) {
                return Err(Failure::invalid(format!("layer {l} array {what} holds a non-finite value")));
            }
            match what {
                0 => {
                    let nt = ly.nt();
                    let kt: Vec<_> = s.iter().map(|&v| Real::from_f64(v)).collect();
                    for i in 0..ly.n_in {
                        bspline::check_knots(&kt[i * nt..(i + 1) * nt], ly.k)?;
                    }
                    m.layers[li].knots = kt;
                }
                5 | 7 => {
                    if what == 5 && s.iter().any(|&v| v != 0.0 && v != 1.0) {
                        return Err(Failure::invalid("mask values must be 0 or 1"));
                    }
                    // one vector holds the mask, then the bias: each is written in place
                    let at = if what == 5 { 0 } else { ly.n_in * ly.n_out };
                    m.layers[li].mask[at..].iter_mut().zip(s).for_each(|(d, &v)| *d = Real::from_f64(v));
                }
                6 => {
                    let lib = crate::symbolic::LIB.len() as f64;
                    let user = crate::symbolic::USER_BASE as f64;
                    if s.iter().any(|&v| v < 0.0 || (v > lib && v < user) || v > 65535.0 || v.fract() != 0.0) {
                        return Err(Failure::invalid("symbolic ids must name library functions"));
                    }
                    m.layers[li].sym = s.iter().map(|&v| v as u16).collect();
                }
                _ => {
                    let (a, b) = layer_range(ly, what)?;
                    for (d, &v) in m.params[a..b].iter_mut().zip(s) {
                        *d = Real::from_f64(v);
                    }
                }
            }
            Ok(())
        })
    }))
}

/// Edge outputs of input `i` of layer `l` at `x (n)`: `out (n, n_out)`, symbolic included.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_edge_values(h: u32, l: u32, i: u32, x: *const f64, n: usize, out: *mut f64) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let ly = m.layers.get(l as usize).ok_or_else(|| Failure::invalid(format!("layer {l} out of range")))?;
            if i as usize >= ly.n_in {
                return Err(Failure::invalid(format!("layer {l} has {} inputs, asked for {i}", ly.n_in)));
            }
            let xs = slice(x, n)?;
            let o = slice_mut(out, n * ly.n_out)?;
            let mut buf = vec![Real::from_f64(0.0); ly.n_out];
            for (s, &xv) in xs.iter().enumerate() {
                ly.edge_values(i as usize, Real::from_f64(xv), &m.params, true, &mut buf);
                for (q, v) in buf.iter().enumerate() {
                    o[s * ly.n_out + q] = v.to_f64();
                }
            }
            Ok(())
        })
    }))
}
