//! A residual as a small program over one collocation point's quantities: the inputs, and
//! each output's value, gradient and Hessian (its jet). The TypeScript equation compiler
//! writes it; here it is checked, evaluated, and differentiated in reverse with respect to
//! every quantity, so the loss gradient can flow on into the network's jets.
//!
//! ```
//! use kanwasm_core::pde::program::Program;
//! // r = q0 * q1 - 2
//! let code = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 4.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 3.0, 2.0, 3.0, 0.0];
//! let p = Program::parse(&code, 2).unwrap();
//! let mut v = vec![0.0; p.len()];
//! assert_eq!(p.eval(&[3.0, 4.0], &mut v), 10.0);
//! let (mut adj, mut qbar) = (vec![0.0; p.len()], vec![0.0; 2]);
//! p.backward(&v, &mut adj, &mut qbar);
//! assert_eq!(qbar, vec![4.0, 3.0]);
//! ```
//!
//! # Encoding
//! Four numbers per instruction, `[op, a, b, c]`; instruction `i` computes value `v_i` from
//! earlier values `v_a`, `v_b` (indices below `i`): 0 constant `a`, 1 quantity `q_a`,
//! 2 `v_a + v_b`, 3 `v_a - v_b`, 4 `v_a * v_b`, 5 `v_a / v_b`, 6 `v_a ^ v_b`, 7 `-v_a`,
//! 8 `f_b(v_a)` with `b` a symbolic library id. The last value is the residual.

use crate::symbolic;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Const(f64),
    Var(usize),
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Div(usize, usize),
    Pow(usize, usize),
    Neg(usize),
    Func(usize, u16),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    ops: Vec<Op>,
}

impl Program {
    /// Checks and decodes `code` for points of `nq` quantities.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn parse(code: &[f64], nq: usize) -> Result<Program, String> {
        if code.is_empty() || !code.len().is_multiple_of(4) {
            return Err(format!("program: {} numbers do not make whole instructions of 4", code.len()));
        }
        let mut ops = Vec::with_capacity(code.len() / 4);
        for (i, c) in code.chunks(4).enumerate() {
            let bad = |what: &str| format!("program: instruction {i} has {what}");
            let idx = |v: f64, below: usize| -> Result<usize, String> {
                if v >= 0.0 && v.fract() == 0.0 && (v as usize) < below {
                    Ok(v as usize)
                } else {
                    // (no float formatting: it would add some 15 KB to the module)
                    Err(bad(&format!("an operand outside 0..{below}")))
                }
            };
            let (a, b) = (c[1], c[2]);
            ops.push(match c[0] as i32 {
                0 if a.is_finite() => Op::Const(a),
                1 => Op::Var(idx(a, nq)?),
                2 => Op::Add(idx(a, i)?, idx(b, i)?),
                3 => Op::Sub(idx(a, i)?, idx(b, i)?),
                4 => Op::Mul(idx(a, i)?, idx(b, i)?),
                5 => Op::Div(idx(a, i)?, idx(b, i)?),
                6 => Op::Pow(idx(a, i)?, idx(b, i)?),
                7 => Op::Neg(idx(a, i)?),
                8 => {
                    let lib = symbolic::LIB.len() as f64;
                    if !(b >= 1.0 && b.fract() == 0.0 && (b <= lib || (b >= symbolic::USER_BASE as f64 && b <= 65535.0))) {
                        return Err(bad("an unknown function id"));
                    }
                    Op::Func(idx(a, i)?, b as u16)
                }
                _ => return Err(bad("an unknown op or a non-finite constant")),
            });
        }
        Ok(Program { ops })
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Whether it calls a user's function, which runs in the host on the calling thread only.
    pub fn calls_host(&self) -> bool {
        self.ops.iter().any(|op| matches!(*op, Op::Func(_, id) if id >= symbolic::USER_BASE))
    }

    /// The residual at quantities `q`; `v (len)` receives every instruction's value.
    pub fn eval(&self, q: &[f64], v: &mut [f64]) -> f64 {
        for (i, op) in self.ops.iter().enumerate() {
            v[i] = match *op {
                Op::Const(c) => c,
                Op::Var(a) => q[a],
                Op::Add(a, b) => v[a] + v[b],
                Op::Sub(a, b) => v[a] - v[b],
                Op::Mul(a, b) => v[a] * v[b],
                Op::Div(a, b) => v[a] / v[b],
                Op::Pow(a, b) => v[a].powf(v[b]),
                Op::Neg(a) => -v[a],
                Op::Func(a, id) => symbolic::eval::<f64>(id, v[a]).0,
            };
        }
        v[self.ops.len() - 1]
    }

    /// Adds the gradient of the residual with respect to the quantities into `qbar`, from
    /// the values `v` of [`Self::eval`] at them; `adj (len)` is scratch.
    pub fn backward(&self, v: &[f64], adj: &mut [f64], qbar: &mut [f64]) {
        adj.iter_mut().for_each(|x| *x = 0.0);
        adj[self.ops.len() - 1] = 1.0;
        for (i, op) in self.ops.iter().enumerate().rev() {
            let g = adj[i];
            if g == 0.0 {
                continue;
            }
            match *op {
                Op::Const(_) => {}
                Op::Var(a) => qbar[a] += g,
                Op::Add(a, b) => {
                    adj[a] += g;
                    adj[b] += g;
                }
                Op::Sub(a, b) => {
                    adj[a] += g;
                    adj[b] -= g;
                }
                Op::Mul(a, b) => {
                    adj[a] += g * v[b];
                    adj[b] += g * v[a];
                }
                Op::Div(a, b) => {
                    adj[a] += g / v[b];
                    adj[b] -= g * v[i] / v[b];
                }
                Op::Pow(a, b) => {
                    adj[a] += g * v[b] * v[a].powf(v[b] - 1.0);
                    // the exponent's slope, where the base allows a logarithm
                    if v[a] > 0.0 {
                        adj[b] += g * v[i] * v[a].ln();
                    }
                }
                Op::Neg(a) => adj[a] -= g,
                Op::Func(a, id) => adj[a] += g * symbolic::eval::<f64>(id, v[a]).1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_mode_matches_finite_differences() {
        // r = sin(q0) * q1^3 / (q2 - 2.5) + q0^q1 - (-q2)
        let sin = symbolic::lookup("sin").unwrap() as f64;
        #[rustfmt::skip]
        let code = [
            1.0, 0.0, 0.0, 0.0,  1.0, 1.0, 0.0, 0.0,  1.0, 2.0, 0.0, 0.0,  8.0, 0.0, sin, 0.0,
            0.0, 3.0, 0.0, 0.0,  6.0, 1.0, 4.0, 0.0,  4.0, 3.0, 5.0, 0.0,  0.0, 2.5, 0.0, 0.0,
            3.0, 2.0, 7.0, 0.0,  5.0, 6.0, 8.0, 0.0,  6.0, 0.0, 1.0, 0.0,  2.0, 9.0, 10.0, 0.0,
            7.0, 2.0, 0.0, 0.0,  3.0, 11.0, 12.0, 0.0,
        ];
        let p = Program::parse(&code, 3).unwrap();
        let q = [0.7, 1.3, -0.4];
        let mut v = vec![0.0; p.len()];
        let r = p.eval(&q, &mut v);
        let want = 0.7f64.sin() * 1.3f64.powi(3) / (-0.4 - 2.5) + 0.7f64.powf(1.3) + -0.4;
        assert!((r - want).abs() < 1e-14, "{r} vs {want}");
        let (mut adj, mut qbar) = (vec![0.0; p.len()], vec![0.0; 3]);
        p.backward(&v, &mut adj, &mut qbar);
        for k in 0..3 {
            let (mut qp, mut qm) = (q, q);
            qp[k] += 1e-6;
            qm[k] -= 1e-6;
            let fd = (p.eval(&qp, &mut v) - p.eval(&qm, &mut v)) / 2e-6;
            assert!((fd - qbar[k]).abs() < 1e-8, "q{k}: {} vs {fd}", qbar[k]);
        }
    }

    #[test]
    fn malformed_programs_are_refused() {
        assert!(Program::parse(&[], 1).is_err());
        assert!(Program::parse(&[1.0, 2.0, 0.0, 0.0], 2).is_err(), "quantity out of range");
        assert!(Program::parse(&[2.0, 0.0, 0.0, 0.0], 2).is_err(), "operand not below the instruction");
        assert!(Program::parse(&[0.0, f64::NAN, 0.0, 0.0], 2).is_err(), "non-finite constant");
        assert!(Program::parse(&[1.0, 0.0, 0.0, 0.0, 8.0, 0.0, 50.0, 0.0], 2).is_err(), "unknown function");
        assert!(Program::parse(&[9.0, 0.0, 0.0, 0.0], 2).is_err(), "unknown op");
    }
}
