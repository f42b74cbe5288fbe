//! Kernel by kernel, the active kernel (SIMD on wasm32) against its scalar twin on seeded
//! random inputs whose lengths reach every block size and tail of the SIMD loops.
//!
//! Natively the active kernels are the scalar ones, so there these checks only show that
//! they run and can fail (kernels/tests.rs); their point is the wasm build, where the
//! benchmark module exports them (`kw_kernel_parity`) and test/node/kernels.test.js runs
//! each. Outputs that both versions compute in the same order must agree bit for bit;
//! sums the SIMD versions take in lanes must agree within `(terms + 2) * eps * sum|term|`.

use super::{active, scalar};
use crate::real::Real;
use crate::rng::Rng;

/// Output widths: single elements, every SIMD block size (1, 2, 4, 6, 12 and 13 vectors of
/// 2 or 4 lanes) and the tails after them.
const WIDTHS: [usize; 14] = [1, 2, 3, 4, 5, 7, 8, 9, 17, 24, 31, 48, 53, 117];

type Check = fn() -> Result<(), String>;

/// Every check, by kernel name.
pub const CHECKS: [(&str, Check); 18] = [
    ("dot_f32", || dot::<f32>(active::dot_f32, scalar::dot_f32)),
    ("dot_f64", || dot::<f64>(active::dot_f64, scalar::dot_f64)),
    ("axpy_f32", || axpy::<f32>(active::axpy_f32, scalar::axpy_f32)),
    ("axpy_f64", || axpy::<f64>(active::axpy_f64, scalar::axpy_f64)),
    ("axpy_windows_f32", || axpy_windows::<f32>(active::axpy_windows_f32, scalar::axpy_windows_f32)),
    ("axpy_windows_f64", || axpy_windows::<f64>(active::axpy_windows_f64, scalar::axpy_windows_f64)),
    ("ger_window_f32", || ger_window::<f32>(active::ger_window_f32, scalar::ger_window_f32)),
    ("ger_window_f64", || ger_window::<f64>(active::ger_window_f64, scalar::ger_window_f64)),
    ("ger_group_f32", || ger_group::<f32>(active::ger_group_f32, scalar::ger_group_f32)),
    ("ger_group_f64", || ger_group::<f64>(active::ger_group_f64, scalar::ger_group_f64)),
    ("grad_window_f32", || grad_window::<f32>(active::grad_window_f32, scalar::grad_window_f32)),
    ("grad_window_f64", || grad_window::<f64>(active::grad_window_f64, scalar::grad_window_f64)),
    ("dx_window_f32", || dx_window::<f32>(active::dx_window_f32, scalar::dx_window_f32)),
    ("dx_window_f64", || dx_window::<f64>(active::dx_window_f64, scalar::dx_window_f64)),
    ("cubic4_f32", || cubic4::<f32>(active::cubic4_f32, scalar::cubic4_f32)),
    ("cubic4_f64", || cubic4::<f64>(active::cubic4_f64, scalar::cubic4_f64)),
    ("cubic_poly_f32", || cubic_poly::<f32>(active::cubic_poly_f32, scalar::cubic_poly_f32)),
    ("cubic_poly_f64", || cubic_poly::<f64>(active::cubic_poly_f64, scalar::cubic_poly_f64)),
];

fn rand<T: Real>(r: &mut Rng, n: usize) -> Vec<T> {
    (0..n).map(|_| T::from_f64(2.0 * r.uniform() - 1.0)).collect()
}

fn same<T: Real>(what: &str, n: usize, a: &[T], b: &[T]) -> Result<(), String> {
    match a.iter().zip(b).position(|(x, y)| x.to_f64().to_bits() != y.to_f64().to_bits()) {
        None if a.len() == b.len() => Ok(()),
        None => Err(format!("{what} (width {n}): {} values against {}", a.len(), b.len())),
        Some(i) => Err(format!("{what} (width {n}): element {i} is {:?}, its twin gives {:?}", a[i], b[i])),
    }
}

/// A sum of `terms` products whose magnitudes add to `mag`, summed in another order.
fn near<T: Real>(what: &str, n: usize, a: T, b: T, terms: usize, mag: f64) -> Result<(), String> {
    let tol = (terms + 2) as f64 * T::EPSILON.to_f64() * mag;
    if (a.to_f64() - b.to_f64()).abs() <= tol {
        Ok(())
    } else {
        Err(format!("{what} (width {n}): {a:?} against {b:?}, beyond {tol:e}"))
    }
}

pub(super) fn dot<T: Real>(simd: fn(&[T], &[T]) -> T, twin: fn(&[T], &[T]) -> T) -> Result<(), String> {
    let mut r = Rng::new(1);
    for n in WIDTHS.into_iter().chain([0, 1001, 4099]) {
        let (a, b) = (rand::<T>(&mut r, n), rand::<T>(&mut r, n));
        let mag = a.iter().zip(&b).map(|(x, y)| (*x * *y).abs().to_f64()).sum();
        near("dot", n, simd(&a, &b), twin(&a, &b), n, mag)?;
    }
    Ok(())
}

pub(super) fn axpy<T: Real>(simd: fn(T, &[T], &mut [T]), twin: fn(T, &[T], &mut [T])) -> Result<(), String> {
    let mut r = Rng::new(2);
    for n in WIDTHS {
        let (x, y) = (rand::<T>(&mut r, n), rand::<T>(&mut r, n));
        let alpha = T::from_f64(r.uniform());
        let (mut a, mut b) = (y.clone(), y);
        simd(alpha, &x, &mut a);
        twin(alpha, &x, &mut b);
        same("axpy", n, &a, &b)?;
    }
    Ok(())
}

type Windows<T> = fn(&[T], &[T], &[usize], usize, usize, usize, usize, &[T], &[T], usize, &mut [T]);

fn axpy_windows<T: Real>(simd: Windows<T>, twin: Windows<T>) -> Result<(), String> {
    let mut r = Rng::new(3);
    // w1 = 4 takes the cubic path; 50 inputs of 4 bases fill more than one list of rows
    for (no, w1, n, m) in WIDTHS.into_iter().flat_map(|no| [(no, 4, 3, 2), (no, 2, 2, 3), (no, 6, 1, 1), (no, 4, 2, 50)]) {
        let nb = w1 + 3;
        let (b, val) = (rand::<T>(&mut r, m * n), rand::<T>(&mut r, w1 * m * n));
        let (wb, w) = (rand::<T>(&mut r, m * no), rand::<T>(&mut r, m * nb * no));
        let row: Vec<usize> = (0..m * n).map(|q| ((q / n) * nb + r.below(nb - w1 + 1)) * no).collect();
        let y = rand::<T>(&mut r, n * no);
        let (mut a, mut c) = (y.clone(), y);
        simd(&b, &val, &row, n, n, m, w1, &wb, &w, no, &mut a);
        twin(&b, &val, &row, n, n, m, w1, &wb, &w, no, &mut c);
        // the last sample alone, its entries still n apart
        let (mut a1, mut c1) = (a[(n - 1) * no..].to_vec(), c[(n - 1) * no..].to_vec());
        simd(&b[n - 1..], &val[w1 * (n - 1)..], &row[n - 1..], 1, n, m, w1, &wb, &w, no, &mut a1);
        twin(&b[n - 1..], &val[w1 * (n - 1)..], &row[n - 1..], 1, n, m, w1, &wb, &w, no, &mut c1);
        same("axpy_windows", no, &a1, &c1)?;
        same("axpy_windows", no, &a, &c)?;
    }
    Ok(())
}

type Ger<T> = fn(&[T], Option<(T, &mut [T])>, &[T], &mut [T]);

fn ger_window<T: Real>(simd: Ger<T>, twin: Ger<T>) -> Result<(), String> {
    let mut r = Rng::new(4);
    for (no, rows, with_base) in WIDTHS.into_iter().flat_map(|no| [(no, 4, true), (no, 3, false), (no, 1, true)]) {
        let (g, v) = (rand::<T>(&mut r, no), rand::<T>(&mut r, rows));
        let (gw, gwb) = (rand::<T>(&mut r, rows * no), rand::<T>(&mut r, no));
        let b = T::from_f64(r.uniform());
        let (mut gw1, mut gw2, mut gb1, mut gb2) = (gw.clone(), gw, gwb.clone(), gwb);
        simd(&g, with_base.then_some((b, &mut gb1[..])), &v, &mut gw1);
        twin(&g, with_base.then_some((b, &mut gb2[..])), &v, &mut gw2);
        same("ger_window rows", no, &gw1, &gw2)?;
        same("ger_window base row", no, &gb1, &gb2)?;
    }
    Ok(())
}

type Group<T> = fn(&[T], &[u32], &[T], &mut [T], &mut [T]);

fn ger_group<T: Real>(simd: Group<T>, twin: Group<T>) -> Result<(), String> {
    let mut r = Rng::new(5);
    for (no, samples) in WIDTHS.into_iter().flat_map(|no| [(no, 1), (no, 7)]) {
        let rows = 9;
        let g = rand::<T>(&mut r, rows * no);
        let goff: Vec<u32> = (0..samples).map(|_| (r.below(rows) * no) as u32).collect();
        let alpha = rand::<T>(&mut r, 5 * samples);
        let (gw, gwb) = (rand::<T>(&mut r, 4 * no), rand::<T>(&mut r, no));
        let (mut gw1, mut gw2, mut gb1, mut gb2) = (gw.clone(), gw, gwb.clone(), gwb);
        simd(&alpha, &goff, &g, &mut gb1, &mut gw1);
        twin(&alpha, &goff, &g, &mut gb2, &mut gw2);
        same("ger_group rows", no, &gw1, &gw2)?;
        same("ger_group base row", no, &gb1, &gb2)?;
    }
    Ok(())
}

type Grad<T> = fn(&[T], Option<(T, T, &[T], &mut [T])>, &[T], &[T], &[T], &mut [T]) -> T;

fn grad_window<T: Real>(simd: Grad<T>, twin: Grad<T>) -> Result<(), String> {
    let mut r = Rng::new(6);
    for (no, rows, with_base) in WIDTHS.into_iter().flat_map(|no| [(no, 4, true), (no, 2, false), (no, 5, true)]) {
        let (g, v, d) = (rand::<T>(&mut r, no), rand::<T>(&mut r, rows), rand::<T>(&mut r, rows));
        let (w, wb) = (rand::<T>(&mut r, rows * no), rand::<T>(&mut r, no));
        let (gw, gwb) = (rand::<T>(&mut r, rows * no), rand::<T>(&mut r, no));
        let (b, db) = (T::from_f64(r.uniform()), T::from_f64(r.uniform()));
        let (mut gw1, mut gw2, mut gb1, mut gb2) = (gw.clone(), gw, gwb.clone(), gwb);
        let x1 = simd(&g, with_base.then_some((b, db, &wb[..], &mut gb1[..])), &v, &d, &w, &mut gw1);
        let x2 = twin(&g, with_base.then_some((b, db, &wb[..], &mut gb2[..])), &v, &d, &w, &mut gw2);
        same("grad_window rows", no, &gw1, &gw2)?;
        same("grad_window base row", no, &gb1, &gb2)?;
        let base = if with_base { db.abs().to_f64() } else { 0.0 };
        near("grad_window d/dx", no, x1, x2, no * (rows + 1), magnitude(&g, base, &wb, &d, &w))?;
    }
    Ok(())
}

/// `sum_o |g_o| (|db wb_o| + sum_r |d_r w_ro|)`: the size of the terms of a d/dx sum.
fn magnitude<T: Real>(g: &[T], db: f64, wb: &[T], d: &[T], w: &[T]) -> f64 {
    let no = g.len();
    let row = |o: usize| db * wb[o].abs().to_f64() + d.iter().enumerate().map(|(r, dr)| (*dr * w[r * no + o]).abs().to_f64()).sum::<f64>();
    (0..no).map(|o| g[o].abs().to_f64() * row(o)).sum()
}

pub(super) type Dx<T> = fn(&[T], T, &[T], &[T; 4], &[T]) -> T;

pub(super) fn dx_window<T: Real>(simd: Dx<T>, twin: Dx<T>) -> Result<(), String> {
    let mut r = Rng::new(7);
    for no in WIDTHS {
        let (g, wb, w) = (rand::<T>(&mut r, no), rand::<T>(&mut r, no), rand::<T>(&mut r, 4 * no));
        let d: [T; 4] = core::array::from_fn(|_| T::from_f64(2.0 * r.uniform() - 1.0));
        let db = T::from_f64(r.uniform());
        let mag = magnitude(&g, db.to_f64(), &wb, &d, &w);
        near("dx_window", no, simd(&g, db, &wb, &d, &w), twin(&g, db, &wb, &d, &w), 5 * no, mag)?;
    }
    Ok(())
}

type Poly<T> = fn(&[T; 28], T, &mut [T; 4], &mut [T; 4]);

fn cubic_poly<T: Real>(simd: Poly<T>, twin: Poly<T>) -> Result<(), String> {
    let mut r = Rng::new(9);
    for round in 0..100 {
        let c: [T; 28] = rand(&mut r, 28).try_into().expect("28 values");
        let u = T::from_f64(0.5 + 0.5 * r.uniform());
        let [mut v1, mut v2, mut d1, mut d2] = [[T::ZERO; 4]; 4];
        simd(&c, u, &mut v1, &mut d1);
        twin(&c, u, &mut v2, &mut d2);
        same("cubic_poly values", round, &v1, &v2)?;
        same("cubic_poly derivatives", round, &d1, &d2)?;
    }
    Ok(())
}

type Cubic<T> = fn(&[T; 4], T, T, usize, &mut [T; 16], Option<&mut [T; 16]>) -> Option<[usize; 4]>;

fn cubic4<T: Real>(simd: Cubic<T>, twin: Cubic<T>) -> Result<(), String> {
    let mut r = Rng::new(8);
    for nt in [8, 9, 12, 27] {
        // knots t0 + j / inv_h; the samples' windows mostly inside the basis, a few beyond
        let (t0, inv_h) = (T::from_f64(-1.3), T::from_f64(2.5));
        let mut inside = 0;
        for round in 0..200 {
            // z = (x - t0) inv_h; windows lie inside the basis for z in [3, nt - 4)
            let x: [T; 4] = core::array::from_fn(|_| T::from_f64(-1.3 + (2.9 + (nt as f64 - 6.8) * r.uniform()) / 2.5));
            let [mut v1, mut v2, mut d1, mut d2] = [[T::ZERO; 16]; 4];
            let der = round % 2 == 0;
            let f1 = simd(&x, t0, inv_h, nt, &mut v1, der.then_some(&mut d1));
            let f2 = twin(&x, t0, inv_h, nt, &mut v2, der.then_some(&mut d2));
            if f1 != f2 {
                return Err(format!("cubic4 ({nt} knots) at {x:?}: first bases {f1:?} against {f2:?}"));
            }
            if f1.is_some() {
                inside += 1;
                same("cubic4 values", nt, &v1, &v2)?;
                same("cubic4 derivatives", nt, &d1, &d2)?;
            }
        }
        if inside == 0 {
            return Err(format!("cubic4 ({nt} knots): no round had every window inside"));
        }
    }
    Ok(())
}
