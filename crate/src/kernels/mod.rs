//! The hot kernels, and the implementation of [`Real`] for `f32` and `f64` that calls them.
//!
//! ```
//! use kanwasm_core::kernels::{self, scalar};
//! let a = [1.0f64, 2.0, 3.0];
//! assert_eq!(kernels::dot_f64(&a, &a), 14.0);
//! assert_eq!(scalar::dot_f64(&a, &a), 14.0);
//! ```
//!
//! Every kernel has a SIMD128 version in [`wasm`] (built for wasm32 only) and a scalar twin of
//! the same name in [`scalar`]; `active` names the one a build runs. The SIMD versions sum in
//! lanes where the scalar ones sum in order, so `dot`, `dx_window` and the d/dx of
//! `grad_window` differ from their twins by rounding; every other kernel computes each output
//! in the same order, bit for bit. [`parity`] checks both claims kernel by kernel.
//!
//! `Real` is declared in `real.rs` and implemented here rather than there because the
//! implementation is the choice of kernels, and the scalar `cubic4` is the B-spline recursion
//! of `bspline.rs`, which is generic over `Real`: so `bspline` and `kernels` both depend on
//! `real`, and `real` on neither.

use crate::real::{sigmoid_f32, sigmoid_f64, Real};

#[cfg(any(test, feature = "bench"))]
pub mod parity;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use scalar as active;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use wasm as active;

pub use active::{axpy_f32, axpy_f64, dot_f32, dot_f64, peak_probe_f32};

macro_rules! impl_real {
    ($t:ty, $name:expr, $sigmoid:ident, $dot:ident, $axpy:ident, $grad_window:ident, $ger_window:ident, $ger_group:ident, $axpy_windows:ident, $cubic4:ident, $dx_window:ident, $cubic_poly:ident) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = <$t>::EPSILON;
            const BYTES: usize = core::mem::size_of::<$t>();
            const DTYPE: &'static str = $name;
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline(always)]
            fn tan(self) -> Self {
                <$t>::tan(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline(always)]
            fn asin(self) -> Self {
                <$t>::asin(self)
            }
            #[inline(always)]
            fn acos(self) -> Self {
                <$t>::acos(self)
            }
            #[inline(always)]
            fn atan(self) -> Self {
                <$t>::atan(self)
            }
            #[inline(always)]
            fn atanh(self) -> Self {
                <$t>::atanh(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            #[inline(always)]
            fn powf(self, e: Self) -> Self {
                <$t>::powf(self, e)
            }
            #[inline(always)]
            fn powi(self, e: i32) -> Self {
                <$t>::powi(self, e)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn sigmoid(self) -> Self {
                $sigmoid(self)
            }
            #[inline(always)]
            fn dot(a: &[Self], b: &[Self]) -> Self {
                active::$dot(a, b)
            }
            #[inline(always)]
            fn axpy(alpha: Self, x: &[Self], y: &mut [Self]) {
                active::$axpy(alpha, x, y)
            }
            #[inline(always)]
            fn axpy_windows(
                b: &[Self],
                val: &[Self],
                row: &[usize],
                n: usize,
                gap: usize,
                m: usize,
                w1: usize,
                wb: &[Self],
                w: &[Self],
                no: usize,
                y: &mut [Self],
            ) {
                active::$axpy_windows(b, val, row, n, gap, m, w1, wb, w, no, y)
            }
            #[inline(always)]
            fn grad_window(g: &[Self], base: Option<(Self, Self, &[Self], &mut [Self])>, v: &[Self], d: &[Self], w: &[Self], gw: &mut [Self]) -> Self {
                active::$grad_window(g, base, v, d, w, gw)
            }
            #[inline(always)]
            fn ger_window(g: &[Self], base: Option<(Self, &mut [Self])>, v: &[Self], gw: &mut [Self]) {
                active::$ger_window(g, base, v, gw)
            }
            #[inline(always)]
            fn cubic4(x: &[Self; 4], t0: Self, inv_h: Self, nt: usize, val: &mut [Self; 16], der: Option<&mut [Self; 16]>) -> Option<[usize; 4]> {
                active::$cubic4(x, t0, inv_h, nt, val, der)
            }
            #[inline(always)]
            fn dx_window(g: &[Self], db: Self, wb: &[Self], d: &[Self; 4], w: &[Self]) -> Self {
                active::$dx_window(g, db, wb, d, w)
            }
            #[inline(always)]
            fn cubic_poly(c: &[Self; 28], u: Self, val: &mut [Self; 4], der: &mut [Self; 4]) {
                active::$cubic_poly(c, u, val, der)
            }
            #[inline(always)]
            fn ger_group(alpha: &[Self], goff: &[u32], g: &[Self], gwb: &mut [Self], gw: &mut [Self]) {
                active::$ger_group(alpha, goff, g, gwb, gw)
            }
        }
    };
}

impl_real!(
    f32,
    "F32",
    sigmoid_f32,
    dot_f32,
    axpy_f32,
    grad_window_f32,
    ger_window_f32,
    ger_group_f32,
    axpy_windows_f32,
    cubic4_f32,
    dx_window_f32,
    cubic_poly_f32
);
impl_real!(
    f64,
    "F64",
    sigmoid_f64,
    dot_f64,
    axpy_f64,
    grad_window_f64,
    ger_window_f64,
    ger_group_f64,
    axpy_windows_f64,
    cubic4_f64,
    dx_window_f64,
    cubic_poly_f64
);

#[cfg(test)]
mod tests;
