//! `Real`: the floating-point types the core is generic over (`f32` and `f64`).
//!
//! ```
//! use kanwasm_core::real::Real;
//! fn half<T: Real>(x: T) -> T { x * T::from_f64(0.5) }
//! assert_eq!(half(3.0f64), 1.5);
//! ```
//! All transcendental functions come from Rust's own math (compiled into the wasm),
//! so a given input gives the same bits in every JavaScript engine. The trait is
//! implemented for `f32` and `f64` in [`crate::kernels`], where the kernels it names live.

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
    + crate::pool::Pooled
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
    /// `1 / (1 + e^-x)`; NaN stays NaN.
    fn sigmoid(self) -> Self;
    fn max(self, o: Self) -> Self {
        if self > o {
            self
        } else {
            o
        }
    }
    fn min(self, o: Self) -> Self {
        if self < o {
            self
        } else {
            o
        }
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
    /// Every sample's outputs `y (n, no)` from a block of `m` inputs, their cache entries
    /// `gap` apart (see `kernels::wasm`): the base row and the `w1` window rows of each input.
    fn axpy_windows(b: &[Self], val: &[Self], row: &[usize], n: usize, gap: usize, m: usize, w1: usize, wb: &[Self], w: &[Self], no: usize, y: &mut [Self]);
    /// `gw[r] += v[r] * g`, returning `sum_r d[r] * dot(w[r], g)`, in one pass.
    #[allow(clippy::type_complexity)]
    fn grad_window(g: &[Self], base: Option<(Self, Self, &[Self], &mut [Self])>, v: &[Self], d: &[Self], w: &[Self], gw: &mut [Self]) -> Self;
    fn ger_window(g: &[Self], base: Option<(Self, &mut [Self])>, v: &[Self], gw: &mut [Self]);
    /// Weight gradients of samples sharing one cubic window: for sample `m`,
    /// `gwb += alpha[5m] * g_m` and `gw_r += alpha[5m+1+r] * g_m` (4 rows `gwb.len()` apart),
    /// `g_m = g[goff[m]..][..gwb.len()]`.
    fn ger_group(alpha: &[Self], goff: &[u32], g: &[Self], gwb: &mut [Self], gw: &mut [Self]);
    /// The cubic windows of 4 samples `x` on the `nt` uniform knots from `t0`, `1 / inv_h`
    /// apart, as `bspline::eval_uniform_fixed` computes them: when every window lies inside
    /// the basis, sample `s`'s 4 values go to `val[4s..4s + 4]` (its derivatives, given
    /// `der`, to `der[4s..4s + 4]`) and its first basis is returned; else `None`.
    fn cubic4(x: &[Self; 4], t0: Self, inv_h: Self, nt: usize, val: &mut [Self; 16], der: Option<&mut [Self; 16]>) -> Option<[usize; 4]>;
    /// `dot(g, db * wb + sum_r d[r] * w_r)` for the base row `wb` and the 4 rows `w_r`
    /// stored `g.len()` apart in `w`: one (sample, input)'s share of `d/dx`.
    fn dx_window(g: &[Self], db: Self, wb: &[Self], d: &[Self; 4], w: &[Self]) -> Self;
    /// A cubic window on one knot interval from its polynomials in `u` (the offset into the
    /// interval): `val[r] = ((c[12+r] u + c[8+r]) u + c[4+r]) u + c[r]` and
    /// `der[r] = (c[24+r] u + c[20+r]) u + c[16+r]` (see `cubic::CubicSpans`).
    fn cubic_poly(c: &[Self; 28], u: Self, val: &mut [Self; 4], der: &mut [Self; 4]);
}

#[inline(always)]
pub(crate) fn sigmoid_f64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The f32 sigmoid from basic arithmetic alone, so that a loop over it vectorises (a call
/// to `expf` would not). `e^y` for `y = -x`: `y = n ln2 + r` with `|r| <= ln2 / 2`, `e^r`
/// by a degree-7 polynomial (Cephes' coefficients; relative error about 1e-7, as `expf`),
/// `2^n` written into the exponent bits. `y` is held to `[-87, 80]`, so `e^y` and the
/// sigmoid stay normal numbers (no subnormals in the hot loops, no overflow); the sigmoid
/// then differs from the exact one by less than 2e-35 in absolute terms.
#[inline(always)]
pub(crate) fn sigmoid_f32(x: f32) -> f32 {
    let y = -x;
    // clamp, not min/max, so that NaN passes through
    let y = y.clamp(-87.0, 80.0);
    let n = (y * core::f32::consts::LOG2_E + 0.5).floor();
    // ln 2 in two parts, the first exact in f32
    let r = (y - n * 0.693_359_4) - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 0.166_666_65) * r + 0.5;
    let e = (p * r * r + r + 1.0) * f32::from_bits(((n as i32 + 127) as u32) << 23);
    1.0 / (1.0 + e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_sigmoid_against_f64() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 5e-4; // [-100, 100]
            let got = sigmoid_f32(x) as f64;
            let want = 1.0 / (1.0 + (-(x as f64)).exp());
            let err = (got - want).abs();
            assert!(err <= 4.0 * f32::EPSILON as f64 * want + 2e-35, "x {x}: {got} vs {want}");
            if want > 1e-30 {
                worst = worst.max(err / want);
            }
        }
        // within a few ulps of the correctly rounded value (f32 epsilon is 1.2e-7)
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert!(sigmoid_f32(f32::NAN).is_nan());
        assert_eq!(sigmoid_f32(f32::INFINITY), 1.0);
        assert!(sigmoid_f32(f32::NEG_INFINITY) < 2e-35);
        assert!(sigmoid_f32(-200.0).is_normal());
    }
}
