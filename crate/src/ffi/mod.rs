//! The only `extern "C"` surface of the core: raw pointers, lengths, scalars and
//! handles in; status codes out. Ergonomics and validation for users live in TypeScript
//! (`ts/raw/` and its callers); this layer checks again so that bad input becomes a
//! status code, never a trap.
//!
//! Status codes ([`crate::error`]): 0 ok, 1 invalid argument, 2 numeric failure, 3 out of
//! memory, 4 invalid handle, 5 corrupt data. After a non-zero status, `kw_error_ptr` and
//! `kw_error_len` give the UTF-8 message.
//!
//! This file holds memory, errors and the B-spline basis; [`model`] the model table and the
//! exports that make, read and change models; [`fit`] training; [`interpret`] attribution,
//! pruning and symbolic edges; [`layout`] the settings structs passed by pointer, and their
//! descriptions. `bench` (the cargo feature of the same name) holds the exports that only
//! benchmarks and tests call; the release module leaves them out. The dot products stay in
//! the release module: `rawKernel()` declares them (ts/raw/exports.ts) and the
//! test cases that every runtime runs on the published package use them.

use crate::bspline;
use crate::error::{Failure, Res, OK};
use crate::real::Real;
use std::alloc::{alloc, dealloc, Layout};
use std::cell::RefCell;

#[cfg(feature = "bench")]
mod bench;
mod fit;
mod interpret;
pub mod layout;
mod model;
mod pde;
mod rescue;
mod threads;

crate::main_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the failure for `kw_error_*` and returns its code.
pub(crate) fn status(r: Res<()>) -> i32 {
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
