//! The only `extern "C"` surface of the core: raw pointers, lengths, scalars and
//! handles in; status codes out. Ergonomics and validation for users live in TypeScript
//! (`ts/wasm.ts` and its callers); this layer checks again so that bad input becomes a
//! status code, never a trap.
//!
//! Status codes: 0 ok, 1 invalid argument, 2 numeric failure, 3 out of memory,
//! 4 invalid handle, 5 corrupt data. After a non-zero status, `kw_error_ptr` and
//! `kw_error_len` give the UTF-8 message.

use crate::bspline;
use crate::error::{Failure, Res, BAD_HANDLE, OK};
use crate::real::Real;
use std::alloc::{alloc, dealloc, Layout};
use std::cell::RefCell;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the failure for `kw_error_*` and returns its code.
pub fn status(r: Res<()>) -> i32 {
    match r {
        Ok(()) => OK,
        Err(f) => {
            LAST_ERROR.with(|e| *e.borrow_mut() = f.msg);
            f.code
        }
    }
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_error_ptr() -> *const u8 {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_error_len() -> usize {
    LAST_ERROR.with(|e| e.borrow().len())
}

/// Allocates `bytes` (8-byte aligned) for the caller; 0 when out of memory.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_alloc(bytes: usize) -> *mut u8 {
    match Layout::from_size_align(bytes.max(8), 8) {
        // SAFETY: the layout has non-zero size.
        Ok(l) => unsafe { alloc(l) },
        Err(_) => core::ptr::null_mut(),
    }
}

/// Frees a block from `kw_alloc` with the same `bytes`.
///
/// # Safety
/// `ptr` is null or came from `kw_alloc(bytes)` and was not freed since.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub unsafe extern "C" fn kw_free(ptr: *mut u8, bytes: usize) {
    if ptr.is_null() {
        return;
    }
    if let Ok(l) = Layout::from_size_align(bytes.max(8), 8) {
        // SAFETY: `ptr` came from `kw_alloc(bytes)` (the caller's contract).
        unsafe { dealloc(ptr, l) }
    }
}

/// A slice over caller memory; null with length 0 is the empty slice.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(crate) fn slice<'a, T>(ptr: *const T, len: usize) -> Res<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || !(ptr as usize).is_multiple_of(core::mem::align_of::<T>()) {
        return Err(Failure::invalid("ffi: null or misaligned buffer"));
    }
    // SAFETY: the caller passes a live, aligned buffer of `len` elements.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(crate) fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> Res<&'a mut [T]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() || !(ptr as usize).is_multiple_of(core::mem::align_of::<T>()) {
        return Err(Failure::invalid("ffi: null or misaligned buffer"));
    }
    // SAFETY: as in `slice`, and the buffer is not aliased during the call.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_version() -> u32 {
    1
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn uniform_knots<T: Real>(grid: u32, k: u32, a: f64, b: f64, out: *mut T) -> Res<()> {
    if grid < 1 || k as usize > bspline::MAX_K || !(a < b) || !a.is_finite() || !b.is_finite() {
        return Err(Failure::invalid(format!(
            "bspline: need grid >= 1, 0 <= k <= {}, and a finite range with min < max; got grid={grid}, k={k}",
            bspline::MAX_K
        )));
    }
    let t: Vec<T> = bspline::uniform_knots(grid as usize, k as usize, a, b);
    slice_mut(out, t.len())?.copy_from_slice(&t);
    Ok(())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_uniform_knots_f64(grid: u32, k: u32, a: f64, b: f64, out: *mut f64) -> i32 {
    status(uniform_knots(grid, k, a, b, out))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_uniform_knots_f32(grid: u32, k: u32, a: f64, b: f64, out: *mut f32) -> i32 {
    status(uniform_knots(grid, k, a, b, out))
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn basis<T: Real>(x: *const T, n: usize, t: *const T, nt: usize, k: u32, deriv: u32, out: *mut T) -> Res<()> {
    let t = slice(t, nt)?;
    bspline::check_knots(t, k as usize)?;
    if deriv > 2 {
        return Err(Failure::invalid(format!("bspline: derivative must be 0, 1 or 2, got {deriv}")));
    }
    let x = slice(x, n)?;
    let out = slice_mut(out, n * bspline::n_basis(nt, k as usize))?;
    bspline::basis_dense(t, k as usize, x, deriv as usize, out);
    Ok(())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_bspline_basis_f64(x: *const f64, n: usize, t: *const f64, nt: usize, k: u32, deriv: u32, out: *mut f64) -> i32 {
    status(basis(x, n, t, nt, k, deriv, out))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_bspline_basis_f32(x: *const f32, n: usize, t: *const f32, nt: usize, k: u32, deriv: u32, out: *mut f32) -> i32 {
    status(basis(x, n, t, nt, k, deriv, out))
}

macro_rules! dot_exports {
    ($t:ty, $simd:ident, $scalar:ident, $k:ident) => {
        #[no_mangle]
        pub extern "C" fn $simd(a: *const $t, b: *const $t, n: usize) -> $t {
            match (slice(a, n), slice(b, n)) {
                (Ok(a), Ok(b)) => crate::kernels::$k(a, b),
                _ => <$t>::NAN,
            }
        }
        #[no_mangle]
        pub extern "C" fn $scalar(a: *const $t, b: *const $t, n: usize) -> $t {
            match (slice(a, n), slice(b, n)) {
                (Ok(a), Ok(b)) => crate::kernels::scalar::$k(a, b),
                _ => <$t>::NAN,
            }
        }
    };
}
dot_exports!(f32, kw_simd_dot_f32, kw_scalar_dot_f32, dot_f32);
dot_exports!(f64, kw_simd_dot_f64, kw_scalar_dot_f64, dot_f64);

// ---------------------------------------------------------------------------------------
// Models: handles into a table; every entry point converts f64 buffers to the model dtype.

use crate::autodiff::Tensor;
use crate::layer::{Base, Layer};
use crate::model::{Data, FitConfig, Loss, Model, ModelConfig, Opt};

#[derive(Clone)]
pub enum AnyModel {
    F32(Model<f32>),
    F64(Model<f64>),
}

thread_local! {
    static MODELS: RefCell<Vec<Option<AnyModel>>> = const { RefCell::new(Vec::new()) };
}

macro_rules! dispatch {
    ($m:expr, $v:ident => $body:expr) => {
        match $m {
            AnyModel::F32($v) => $body,
            AnyModel::F64($v) => $body,
        }
    };
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn insert(m: AnyModel) -> u32 {
    MODELS.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(i) = t.iter().position(|s| s.is_none()) {
            t[i] = Some(m);
            i as u32 + 1
        } else {
            t.push(Some(m));
            t.len() as u32
        }
    })
}

fn with_model<R>(h: u32, f: impl FnOnce(&mut AnyModel) -> Res<R>) -> Res<R> {
    // Take the model out while working so a nested call cannot alias it.
    let mut m = MODELS
        .with(|t| {
            let mut t = t.borrow_mut();
            t.get_mut((h as usize).wrapping_sub(1)).and_then(|s| s.take())
        })
        .ok_or_else(|| Failure { code: BAD_HANDLE, msg: format!("model handle {h} is not live (disposed?)") })?;
    let r = f(&mut m);
    MODELS.with(|t| t.borrow_mut()[h as usize - 1] = Some(m));
    r
}

fn tensor<T: Real>(p: *const f64, rows: usize, cols: usize) -> Res<Tensor<T>> {
    let s = slice(p, rows * cols)?;
    Ok(Tensor::from_vec(rows, cols, s.iter().map(|&v| T::from_f64(v)).collect()))
}

fn write_out<T: Real>(t: &[T], out: *mut f64) -> Res<()> {
    let o = slice_mut(out, t.len())?;
    for (a, &b) in o.iter_mut().zip(t) {
        *a = b.to_f64();
    }
    Ok(())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_new(
    dtype: u32,
    n_nodes: u32,
    width: *const u32,
    n_grid: u32,
    grid: *const u32,
    n_k: u32,
    k: *const u32,
    a: f64,
    b: f64,
    base: u32,
    noise_scale: f64,
    grid_eps: f64,
    seed: f64,
    sb_mu: f64,
    sb_sigma: f64,
    sp: f64,
    out: *mut u32,
) -> i32 {
    status((|| {
        let w = slice(width, 2 * n_nodes as usize)?;
        let cfg = ModelConfig {
            width: w.chunks(2).map(|c| (c[0] as usize, c[1] as usize)).collect(),
            grid: slice(grid, n_grid as usize)?.iter().map(|&g| g as usize).collect(),
            k: slice(k, n_k as usize)?.iter().map(|&g| g as usize).collect(),
            range: (a, b),
            base: Base::from_code(base).ok_or_else(|| Failure::invalid("KAN: unknown base function"))?,
            noise_scale,
            grid_eps,
            seed: seed as u64,
            scale_base_mu: sb_mu,
            scale_base_sigma: sb_sigma,
            scale_sp: sp,
            train_sb: true,
            train_sp: true,
        };
        let m = match dtype {
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
            Some(s @ Some(_)) => {
                *s = None;
                // the buffers kept for its steps go back to the allocator as well
                crate::pool::clear();
                Ok(())
            }
            _ => Err(Failure { code: BAD_HANDLE, msg: format!("model handle {h} is not live") }),
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
            let backup = m.clone();
            let r = m.update_grid(&xt);
            if r.is_err() {
                *m = backup;
            }
            r
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

/// The arrays of a layer, by `what`: 0 knots `(in, G+2k+1)`, 1 coef `(in, G+k, out)`,
/// 2 scale_base `(in, out)`, 3 scale_sp `(in, out)`, 4 affine `(in, out, 4)`,
/// 5 mask `(in, out)`, 6 symbolic function ids `(in, out)`.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn layer_range<T: Real>(ly: &Layer<T>, what: u32) -> Res<(usize, usize)> {
    Ok(match what {
        1 => (ly.coef_off(), ly.sb_off()),
        2 => (ly.sb_off(), ly.sp_off()),
        3 => (ly.sp_off(), ly.aff_off()),
        4 => (ly.aff_off(), ly.end()),
        _ => return Err(Failure::invalid(format!("layer array {what} is unknown"))),
    })
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn layer_len<T: Real>(ly: &Layer<T>, what: u32) -> Res<usize> {
    Ok(match what {
        0 => ly.knots.len(),
        5 | 6 => ly.n_in * ly.n_out,
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
                5 => write_out(&ly.mask, out),
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
                5 => {
                    if s.iter().any(|&v| v != 0.0 && v != 1.0) {
                        return Err(Failure::invalid("mask values must be 0 or 1"));
                    }
                    m.layers[li].mask = s.iter().map(|&v| Real::from_f64(v)).collect();
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

/// Sets the samples `refine` uses (as a fit or grid update would).
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_set_cache(h: u32, x: *const f64, n: usize) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            m.cache = if n == 0 { None } else { Some(tensor(x, n, m.n_in())?) };
            Ok(())
        })
    }))
}

/// Starts a fit. `cfg` = [opt (0 lbfgs, 1 adam), lr, batch (0 full), lamb, lamb_l1,
/// lamb_entropy, update_grid (0/1), grid_update_num, stop_grid_update_step,
/// loss (0 mse, 1 crossentropy), seed]. `ny` is the label width.
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
    cfg: *const f64,
    ncfg: usize,
) -> i32 {
    status(with_model(h, |m| {
        let c = slice(cfg, ncfg)?;
        if c.len() != 11 {
            return Err(Failure::invalid(format!("fit: settings need 11 numbers, got {}", c.len())));
        }
        let fc = FitConfig {
            opt: if c[0] == 0.0 { Opt::Lbfgs } else { Opt::Adam },
            lr: c[1],
            batch: c[2] as usize,
            lamb: c[3],
            lamb_l1: c[4],
            lamb_entropy: c[5],
            update_grid: c[6] != 0.0,
            grid_update_num: c[7] as usize,
            stop_grid_update_step: c[8] as usize,
            loss: if c[9] == 0.0 { Loss::Mse } else { Loss::CrossEntropy },
            seed: c[10] as u64,
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

/// The forward spline kernel alone, `reps` times over every layer on `x (n, in)` (see
/// `Model::kernel_forward`); writes the checksum to `out[0]`. For benchmarks.
#[no_mangle]
pub extern "C" fn kw_model_kernel_forward(h: u32, x: *const f64, n: usize, reps: u32, out: *mut f64) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let xt = tensor(x, n, m.n_in())?;
            let s = m.kernel_forward(&xt, reps as usize);
            slice_mut(out, 1)?[0] = s.to_f64();
            Ok(())
        })
    }))
}

/// Peak multiply-add probe for benchmarks: 96 flops per iteration (12 f32x4 chains).
#[no_mangle]
pub extern "C" fn kw_simd_peak_f32(iters: u32) -> f32 {
    crate::kernels::peak_probe_f32(iters)
}

/// Whether `scale_base` and `scale_sp` are trained (both by default).
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_set_trainable(h: u32, sb: u32, sp: u32) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            m.cfg.train_sb = sb != 0;
            m.cfg.train_sp = sp != 0;
        });
        Ok(())
    }))
}

// ---------------------------------------------------------------------------------------
// Interpretability: attribution, pruning, symbolic edges.

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn samples_of<T: Real>(m: &Model<T>, x: *const f64, n: usize) -> Res<Tensor<T>> {
    let t: Option<Tensor<T>> = if n == 0 { None } else { Some(tensor(x, n, m.n_in())?) };
    if let Some(t) = &t {
        if t.data.iter().any(|v: &T| !v.is_finite()) {
            return Err(Failure::invalid("input holds a non-finite value"));
        }
    }
    m.samples(t)
}

/// Scores on `x (n, in)` (n = 0: the last fit's inputs). `nodes` gets every node layer's
/// scores in order; `edges` every layer's `(out, in)` scores in order.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_attribute(h: u32, x: *const f64, n: usize, nodes: *mut f64, n_nodes: usize, edges: *mut f64, n_edges: usize) -> i32 {
    status(with_model(h, |m| {
        dispatch!(m, m => {
            let xs = samples_of(m, x, n)?;
            let sc = m.attribute(&xs);
            let nv: Vec<f64> = sc.nodes.concat();
            let ev: Vec<f64> = sc.edges.concat();
            if nv.len() != n_nodes || ev.len() != n_edges {
                return Err(Failure::invalid(format!("attribute: buffers hold {n_nodes} and {n_edges} values, need {} and {}", nv.len(), ev.len())));
            }
            slice_mut(nodes, n_nodes)?.copy_from_slice(&nv);
            slice_mut(edges, n_edges)?.copy_from_slice(&ev);
            Ok(())
        })
    }))
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn new_handle(m: AnyModel, out: *mut u32) -> Res<()> {
    let o = slice_mut(out, 1)?;
    o[0] = insert(m);
    Ok(())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_prune(h: u32, node_th: f64, edge_th: f64, x: *const f64, n: usize, out: *mut u32) -> i32 {
    status((|| {
        let p = with_model(h, |m| {
            Ok(match m {
                AnyModel::F32(m) => AnyModel::F32(m.prune(node_th, edge_th, &samples_of(m, x, n)?)?),
                AnyModel::F64(m) => AnyModel::F64(m.prune(node_th, edge_th, &samples_of(m, x, n)?)?),
            })
        })?;
        new_handle(p, out)
    })())
}

/// Writes the kept input indices to `kept (in)` and their count to `count`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_prune_inputs(h: u32, th: f64, x: *const f64, n: usize, out: *mut u32, kept: *mut u32, count: *mut u32) -> i32 {
    status((|| {
        let (p, k) = with_model(h, |m| {
            Ok(match m {
                AnyModel::F32(m) => {
                    let (p, k) = m.prune_inputs(th, &samples_of(m, x, n)?)?;
                    (AnyModel::F32(p), k)
                }
                AnyModel::F64(m) => {
                    let (p, k) = m.prune_inputs(th, &samples_of(m, x, n)?)?;
                    (AnyModel::F64(p), k)
                }
            })
        })?;
        let kv = slice_mut(kept, k.len())?;
        for (d, s) in kv.iter_mut().zip(&k) {
            *d = *s as u32;
        }
        slice_mut(count, 1)?[0] = k.len() as u32;
        new_handle(p, out)
    })())
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn lib_of(ids: *const u32, cx: *const f64, n: usize) -> Res<Vec<(u16, f64)>> {
    let ids = slice(ids, n)?;
    let cx = slice(cx, n)?;
    if n == 0 {
        return Err(Failure::invalid("symbolic: the library is empty"));
    }
    Ok(ids.iter().zip(cx).map(|(&i, &c)| (i as u16, c)).collect())
}

/// Candidates for edge (l, i, j), best first: `out (nlib, 7)` rows of
/// `[id, r2, complexity, a, b, c, d]`.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_suggest(
    h: u32,
    l: u32,
    i: u32,
    j: u32,
    ids: *const u32,
    cx: *const f64,
    nlib: usize,
    weight: f64,
    a_lo: f64,
    a_hi: f64,
    b_lo: f64,
    b_hi: f64,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> i32 {
    status(with_model(h, |m| {
        let lib = lib_of(ids, cx, nlib)?;
        let sug = dispatch!(m, m => m.suggest(l as usize, i as usize, j as usize, &lib, weight, (a_lo, a_hi), (b_lo, b_hi), &samples_of(m, x, n)?))?;
        let o = slice_mut(out, nlib * 7)?;
        for (r, s) in sug.iter().enumerate() {
            o[r * 7..r * 7 + 7].copy_from_slice(&[s.id as f64, s.fit.r2, s.complexity, s.fit.a, s.fit.b, s.fit.c, s.fit.d]);
        }
        Ok(())
    }))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_fix_symbolic(
    h: u32,
    l: u32,
    i: u32,
    j: u32,
    id: u32,
    fit: u32,
    a_lo: f64,
    a_hi: f64,
    b_lo: f64,
    b_hi: f64,
    x: *const f64,
    n: usize,
    r2: *mut f64,
) -> i32 {
    status(with_model(h, |m| {
        let r = dispatch!(m, m => {
            let xs = if fit != 0 { Some(samples_of(m, x, n)?) } else { None };
            m.fix_symbolic(l as usize, i as usize, j as usize, id as u16, fit != 0, (a_lo, a_hi), (b_lo, b_hi), xs.as_ref())
        })?;
        slice_mut(r2, 1)?[0] = r;
        Ok(())
    }))
}

/// Writes `(l, i, j, id, r2)` per edge fixed into `out` (room for every edge) and the count.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_auto_symbolic(
    h: u32,
    ids: *const u32,
    cx: *const f64,
    nlib: usize,
    r2_th: f64,
    weight: f64,
    a_lo: f64,
    a_hi: f64,
    b_lo: f64,
    b_hi: f64,
    x: *const f64,
    n: usize,
    out: *mut f64,
    cap: usize,
    count: *mut u32,
) -> i32 {
    status(with_model(h, |m| {
        let lib = lib_of(ids, cx, nlib)?;
        let backup = m.clone();
        let r = dispatch!(m, m => {
            let xs = samples_of(m, x, n)?;
            m.auto_symbolic(&lib, r2_th, weight, (a_lo, a_hi), (b_lo, b_hi), &xs)
        });
        let done = match r {
            Ok(d) => d,
            Err(e) => {
                *m = backup;
                return Err(e);
            }
        };
        let o = slice_mut(out, cap * 5)?;
        for (r, d) in done.iter().take(cap).enumerate() {
            o[r * 5..r * 5 + 5].copy_from_slice(&[d.0 as f64, d.1 as f64, d.2 as f64, d.3 as f64, d.4]);
        }
        slice_mut(count, 1)?[0] = done.len().min(cap) as u32;
        Ok(())
    }))
}

/// Sparse basis: for each `x`, the `k+1` possibly non-zero values (`vals (n, k+1)`) and the
/// index of the first (`starts (n)`, i32::MIN outside the knot span). The cost per point does
/// not depend on the number of knots.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn basis_sparse<T: Real>(x: *const T, n: usize, t: *const T, nt: usize, k: u32, starts: *mut i32, vals: *mut T) -> Res<()> {
    let t = slice(t, nt)?;
    bspline::check_knots(t, k as usize)?;
    let k = k as usize;
    let x = slice(x, n)?;
    let st = slice_mut(starts, n)?;
    let v = slice_mut(vals, n * (k + 1))?;
    let mut tp = Vec::new();
    bspline::pad_knots(t, k, &mut tp);
    let mut der = vec![T::ZERO; k + 1];
    for (s, &xv) in x.iter().enumerate() {
        let w = &mut v[s * (k + 1)..(s + 1) * (k + 1)];
        match bspline::eval_padded(t, &tp, k, xv, w, &mut der) {
            Some(a) => st[s] = a as i32,
            None => {
                st[s] = i32::MIN;
                w.iter_mut().for_each(|e| *e = T::ZERO);
            }
        }
    }
    Ok(())
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_bspline_sparse_f64(x: *const f64, n: usize, t: *const f64, nt: usize, k: u32, starts: *mut i32, vals: *mut f64) -> i32 {
    status(basis_sparse(x, n, t, nt, k, starts, vals))
}

#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_bspline_sparse_f32(x: *const f32, n: usize, t: *const f32, nt: usize, k: u32, starts: *mut i32, vals: *mut f32) -> i32 {
    status(basis_sparse(x, n, t, nt, k, starts, vals))
}
