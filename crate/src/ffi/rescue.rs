//! What the host needs after a trap: whether memory ran out, and each model's arrays where
//! they lie, read without allocating.
//!
//! A call that runs out of memory traps (see [`crate::alloc`]). The instance is not used
//! again: what the trapped call allocated can never be freed, and a borrow or mark it held
//! stays set. The host reads every live model through [`kw_model_view`] into a fresh
//! instance and carries on there. A model that the call was changing in place is read as
//! it was before the change ([`crate::model::Model::changing`]).

use super::model::{dispatch, layer_len, layer_range, peek, AnyModel};
use crate::layer::Layer;
use crate::real::Real;
use std::cell::Cell;

crate::main_local! {
    static VIEW_LEN: Cell<usize> = const { Cell::new(0) };
}

/// Bytes of the last request the allocator could not serve since the last read, 0 when
/// none: non-zero after a trap means the trap was memory running out.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_oom_bytes() -> usize {
    crate::alloc::take_failed()
}

/// Where array `what` of layer `l` of model `h` lies (the codes of `kw_model_get`), as the
/// model stores it: elements of its dtype, but u16 ids for `what` 6. `what` 8 (any `l`): the
/// inputs of the model's last fit (rows by inputs), which interpretability uses when given
/// none; a fresh instance takes them as the inputs of a fit begun and ended. The element count
/// is read next with [`kw_model_view_len`]. 0 when there is no such model, layer or array.
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_view(h: u32, l: u32, what: u32) -> *const u8 {
    VIEW_LEN.with(|c| c.set(0));
    let Some(m) = peek(h) else { return core::ptr::null() };
    // SAFETY: `peek` points into a live slot, and nothing changes the table between the trap
    // and this read.
    let m: &AnyModel = unsafe { &*m };
    dispatch!(m, m => {
        if what == 8 {
            let Some(t) = &m.cache else { return core::ptr::null() };
            VIEW_LEN.with(|c| c.set(t.data.len()));
            return t.data.as_ptr() as *const u8;
        }
        let (params, layers) = match &m.undo {
            Some(u) => (&u.0, &u.1),
            None => (&m.params, &m.layers),
        };
        view(params, layers, l as usize, what)
    })
}

/// The element count of the last [`kw_model_view`].
#[no_mangle]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub extern "C" fn kw_model_view_len() -> usize {
    VIEW_LEN.with(|c| c.get())
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn view<T: Real>(params: &[T], layers: &[Layer<T>], l: usize, what: u32) -> *const u8 {
    let Some(ly) = layers.get(l) else { return core::ptr::null() };
    let Ok(n) = layer_len(ly, what) else { return core::ptr::null() };
    let p = match what {
        0 => ly.knots.as_ptr() as *const u8,
        5 => ly.mask.as_ptr() as *const u8,
        6 => ly.sym.as_ptr() as *const u8,
        7 => ly.bias().as_ptr() as *const u8,
        _ => match layer_range(ly, what) {
            Ok((a, _)) => params[a..].as_ptr() as *const u8,
            Err(_) => return core::ptr::null(),
        },
    };
    VIEW_LEN.with(|c| c.set(n));
    p
}
