//! Interpretability: attribution scores, pruning (into new handles) and symbolic edges.

use super::model::{dispatch, insert, tensor, with_model, AnyModel};
use super::{slice, slice_mut, status};
use crate::autodiff::Tensor;
use crate::error::{Failure, Res};
use crate::model::Model;
use crate::real::Real;

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
        let sug = dispatch!(m, m => m.suggest(l as usize, i as usize, j as usize, &lib, weight, (a_lo, a_hi), (b_lo, b_hi), &samples_of(m, x, n)?, false))?;
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
        let done = dispatch!(m, m => {
            let xs = samples_of(m, x, n)?;
            m.changing(|m| m.auto_symbolic(&lib, r2_th, weight, (a_lo, a_hi), (b_lo, b_hi), &xs))
        })?;
        let o = slice_mut(out, cap * 5)?;
        for (r, d) in done.iter().take(cap).enumerate() {
            o[r * 5..r * 5 + 5].copy_from_slice(&[d.0 as f64, d.1 as f64, d.2 as f64, d.3 as f64, d.4]);
        }
        slice_mut(count, 1)?[0] = done.len().min(cap) as u32;
        Ok(())
    }))
}
