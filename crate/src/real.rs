//! `Real`: the floating-point types the core is generic over (`f32` and `f64`).
//!
//! ```
//! use kanwasm_core::real::Real;
//! fn half<T: Real>(x: T) -> T { x * T::from_f64(0.5) }
//! assert_eq!(half(3.0f64), 1.5);
//! ```
//! All transcendental functions come from Rust's own math (compiled into the wasm),
//! so a given input gives the same bits in every JavaScript engine.

use core::fmt::Debug;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

pub trait Real:
    Copy
    + Debug
    + Default
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    const ZERO: Self;
    const ONE: Self;
    /// Machine epsilon.
    const EPSILON: Self;
    /// Bytes per element.
    const BYTES: usize;
    /// Name used in saved files ("F32" / "F64").
    const DTYPE: &'static str;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn from_usize(v: usize) -> Self {
        Self::from_f64(v as f64)
    }
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn sqrt(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tan(self) -> Self;
    fn tanh(self) -> Self;
    fn asin(self) -> Self;
    fn acos(self) -> Self;
    fn atan(self) -> Self;
    fn atanh(self) -> Self;
    fn abs(self) -> Self;
    fn floor(self) -> Self;
    fn powf(self, e: Self) -> Self;
    fn powi(self, e: i32) -> Self;
    fn is_finite(self) -> bool;
    fn max(self, o: Self) -> Self {
        if self > o { self } else { o }
    }
    fn min(self, o: Self) -> Self {
        if self < o { self } else { o }
    }
    fn signum0(self) -> Self {
        if self > Self::ZERO {
            Self::ONE
        } else if self < Self::ZERO {
            -Self::ONE
        } else {
            Self::ZERO
        }
    }
    /// `dot(a, b)` over equal-length slices, SIMD on wasm32.
    fn dot(a: &[Self], b: &[Self]) -> Self;
    /// `y += alpha * x`, SIMD on wasm32.
    fn axpy(alpha: Self, x: &[Self], y: &mut [Self]);
    /// `y += sum_r alpha[r] * rows[r]` in one pass (see `simd::fused`).
    fn axpy_rows(alpha: &[Self], rows: &[&[Self]], y: &mut [Self]);
    /// `gw[r] += v[r] * g`, returning `sum_r d[r] * dot(w[r], g)`, in one pass.
    #[allow(clippy::type_complexity)]
    fn grad_window(g: &[Self], base: Option<(Self, Self, &[Self], &mut [Self])>, v: &[Self], d: &[Self], w: &[Self], gw: &mut [Self]) -> Self;
    fn ger_window(g: &[Self], base: Option<(Self, &mut [Self])>, v: &[Self], gw: &mut [Self]);
    /// Weight gradients of samples sharing one cubic window: for sample `m`,
    /// `gwb += alpha[5m] * g_m` and `gw_r += alpha[5m+1+r] * g_m` (4 rows `gwb.len()` apart),
    /// `g_m = g[goff[m]..][..gwb.len()]`.
    fn ger_group(alpha: &[Self], goff: &[u32], g: &[Self], gwb: &mut [Self], gw: &mut [Self]);
}

macro_rules! impl_real {
    ($t:ty, $name:expr, $dot:ident, $axpy:ident, $axpy_rows:ident, $grad_window:ident, $ger_window:ident, $ger_group:ident) => {
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
            fn dot(a: &[Self], b: &[Self]) -> Self {
                crate::simd::$dot(a, b)
            }
            #[inline(always)]
            fn axpy(alpha: Self, x: &[Self], y: &mut [Self]) {
                crate::simd::$axpy(alpha, x, y)
            }
            #[inline(always)]
            fn axpy_rows(alpha: &[Self], rows: &[&[Self]], y: &mut [Self]) {
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                return crate::simd::fused_wasm::$axpy_rows(alpha, rows, y);
                #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
                crate::simd::fused_scalar::axpy_rows(alpha, rows, y)
            }
            #[inline(always)]
            fn grad_window(g: &[Self], base: Option<(Self, Self, &[Self], &mut [Self])>, v: &[Self], d: &[Self], w: &[Self], gw: &mut [Self]) -> Self {
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                return crate::simd::fused_wasm::$grad_window(g, base, v, d, w, gw);
                #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
                crate::simd::fused_scalar::grad_window(g, base, v, d, w, gw)
            }
            #[inline(always)]
            fn ger_window(g: &[Self], base: Option<(Self, &mut [Self])>, v: &[Self], gw: &mut [Self]) {
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                return crate::simd::fused_wasm::$ger_window(g, base, v, gw);
                #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
                crate::simd::fused_scalar::ger_window(g, base, v, gw)
            }
            #[inline(always)]
            fn ger_group(alpha: &[Self], goff: &[u32], g: &[Self], gwb: &mut [Self], gw: &mut [Self]) {
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                return crate::simd::fused_wasm::$ger_group(alpha, goff, g, gwb, gw);
                #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
                crate::simd::fused_scalar::ger_group(alpha, goff, g, gwb, gw)
            }
        }
    };
}

impl_real!(f32, "F32", dot_f32, axpy_f32, axpy_rows_f32, grad_window_f32, ger_window_f32, ger_group_f32);
impl_real!(f64, "F64", dot_f64, axpy_f64, axpy_rows_f64, grad_window_f64, ger_window_f64, ger_group_f64);
