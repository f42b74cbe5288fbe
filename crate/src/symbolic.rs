//! The symbolic function library: every function with its derivative, guarded so that
//! evaluation never produces NaN or infinity (poles are capped, domains are clamped), and
//! the `(a, b, c, d)` fit of `c * f(a*x + b) + d` to an edge's samples.
//!
//! ```
//! use kanwasm_core::symbolic::{lookup, eval};
//! let sin = lookup("sin").unwrap();
//! let (f, df) = eval(sin, 0.0f64);
//! assert_eq!((f, df), (0.0, 1.0));
//! ```

use crate::real::Real;

/// The largest magnitude a guarded pole reaches.
pub const Y_MAX: f64 = 1e6;

/// Built-in functions: (name, complexity). Index + 1 is the function id on an edge
/// (0 means a numeric edge). User functions get ids after these.
pub const LIB: [(&str, u32); 29] = [
    ("x", 1),
    ("x^2", 2),
    ("x^3", 3),
    ("x^4", 3),
    ("x^5", 3),
    ("1/x", 2),
    ("1/x^2", 2),
    ("1/x^3", 3),
    ("1/x^4", 4),
    ("1/x^5", 5),
    ("sqrt", 2),
    ("x^0.5", 2),
    ("x^1.5", 4),
    ("1/sqrt(x)", 2),
    ("1/x^0.5", 2),
    ("exp", 2),
    ("log", 2),
    ("abs", 3),
    ("sin", 2),
    ("cos", 2),
    ("tan", 3),
    ("tanh", 3),
    ("sgn", 3),
    ("arcsin", 4),
    ("arccos", 4),
    ("arctan", 4),
    ("arctanh", 4),
    ("0", 0),
    ("gaussian", 3),
];

/// The id of a built-in function by name.
pub fn lookup(name: &str) -> Option<u16> {
    LIB.iter().position(|(n, _)| *n == name).map(|i| i as u16 + 1)
}

/// `x^p` for `|x| >= x0`, and the tangent-free cap `x0^p` (sign kept for odd powers)
/// inside, where `x0 = Y_MAX^(1/p)` for negative powers.
fn pole<T: Real>(x: T, p: i32) -> (T, T) {
    let x0 = T::from_f64(Y_MAX.powf(1.0 / p as f64).recip());
    if x.abs() < x0 {
        let s = if p % 2 != 0 && x < T::ZERO { -T::ONE } else { T::ONE };
        return (s * x0.powi(-p), T::ZERO);
    }
    (x.powi(-p), T::from_f64(-(p as f64)) * x.powi(-p - 1))
}

/// `x^p` for `|x| <= Y_MAX`, constant beyond (so `p <= 5` stays finite in f32).
fn power<T: Real>(x: T, p: i32) -> (T, T) {
    let y = T::from_f64(Y_MAX);
    let c = x.max(-y).min(y);
    (c.powi(p), if c == x { T::from_f64(p as f64) * c.powi(p - 1) } else { T::ZERO })
}

/// Value and derivative of built-in function `id` at `x` (guarded: always finite).
pub fn eval<T: Real>(id: u16, x: T) -> (T, T) {
    let one = T::ONE;
    let two = T::from_f64(2.0);
    let half = T::from_f64(0.5);
    let tiny = T::from_f64(1e-12);
    let clamp1 = |v: T| v.max(-one).min(one);
    match id {
        1 => (x, one),
        2..=5 => power(x, id as i32),
        6 => pole(x, 1),
        7 => pole(x, 2),
        8 => pole(x, 3),
        9 => pole(x, 4),
        10 => pole(x, 5),
        // square roots are taken of max(x, 0); the slope is capped near 0
        11 | 12 => {
            let v = x.max(T::ZERO);
            let s = v.sqrt();
            (s, if v > tiny { half / s } else { half / tiny.sqrt() })
        }
        13 => {
            let v = x.max(T::ZERO).min(T::from_f64(Y_MAX));
            (v * v.sqrt(), if v == x { T::from_f64(1.5) * v.sqrt() } else { T::ZERO })
        }
        14 | 15 => {
            let x0 = T::from_f64(1.0 / (Y_MAX * Y_MAX));
            let v = x.max(x0);
            let s = v.sqrt();
            (one / s, if x > x0 { -half / (v * s) } else { T::ZERO })
        }
        16 => {
            let c = x.min(T::from_f64(if T::BYTES == 4 { 80.0 } else { 700.0 }));
            let e = c.exp();
            (e, if x == c { e } else { T::ZERO })
        }
        17 => {
            let x0 = T::from_f64((-Y_MAX.ln()).exp().max(1e-30));
            let a = x.abs().max(x0);
            (a.ln(), if x.abs() >= x0 { one / x } else { T::ZERO })
        }
        18 => (x.abs(), x.signum0()),
        19 => (x.sin(), x.cos()),
        20 => (x.cos(), -x.sin()),
        21 => {
            let t = x.tan();
            let y = T::from_f64(Y_MAX);
            let tc = t.max(-y).min(y);
            (tc, if t == tc { one + t * t } else { T::ZERO })
        }
        22 => {
            let t = x.tanh();
            (t, one - t * t)
        }
        23 => (x.signum0(), T::ZERO),
        24 | 25 => {
            let c = clamp1(x);
            let d = one / (one - c * c).max(tiny).sqrt();
            let d = if c == x { d } else { T::ZERO };
            if id == 24 { (c.asin(), d) } else { (c.acos(), -d) }
        }
        26 => (x.atan(), one / (one + x * x)),
        27 => {
            let lim = one - T::from_f64(if T::BYTES == 4 { 1e-6 } else { 1e-12 });
            let c = x.max(-lim).min(lim);
            (c.atanh(), if c == x { one / (one - c * c) } else { T::ZERO })
        }
        28 => (T::ZERO, T::ZERO),
        29 => {
            let e = (-x * x).exp();
            (e, -two * x * e)
        }
        _ => (T::ZERO, T::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences_and_stay_finite() {
        for id in 1..=LIB.len() as u16 {
            for s in 0..41 {
                let x = -2.0 + 4.0 * s as f64 / 40.0 + 0.0137;
                let (f, d) = eval(id, x);
                assert!(f.is_finite() && d.is_finite(), "{} at {x}", LIB[id as usize - 1].0);
                let h = 1e-6;
                let fd = (eval(id, x + h).0 - eval(id, x - h).0) / (2.0 * h);
                let interior = ![11, 12, 13, 14, 15, 24, 25, 27].contains(&id) || (x > 0.01 && x < 0.99);
                if interior && id != 23 && id != 18 {
                    assert!((fd - d).abs() <= 1e-5 * (1.0 + d.abs()), "{}: {fd} vs {d} at {x}", LIB[id as usize - 1].0);
                }
            }
            for &x in &[0.0f64, -0.0, 1.0, -1.0, 1e-300, -1e300, 1e300] {
                let (f, d) = eval(id, x);
                assert!(f.is_finite() && d.is_finite(), "{} at {x}: {f} {d}", LIB[id as usize - 1].0);
            }
        }
    }
}
