use super::*;
use crate::bspline;
use crate::rng::Rng;

/// Central finite differences against `backward`, relative error <= tol.
pub fn gradcheck<'l>(params: &[f64], build: &dyn Fn(&mut Tape<'l, f64>) -> Id, tol: f64) {
    let tape_grad = {
        let mut t = Tape::new(params);
        let root = build(&mut t);
        t.backward(root)
    };
    let f = |p: &[f64]| {
        let mut t = Tape::new(p);
        let root = build(&mut t);
        t.value(root).data[0]
    };
    let mut p = params.to_vec();
    for i in 0..params.len() {
        let h = 1e-6 * (1.0 + params[i].abs());
        p[i] = params[i] + h;
        let fp = f(&p);
        p[i] = params[i] - h;
        let fm = f(&p);
        p[i] = params[i];
        let fd = (fp - fm) / (2.0 * h);
        let err = (fd - tape_grad[i]).abs() / (1e-8f64).max(fd.abs().max(tape_grad[i].abs()));
        assert!(err <= tol || (fd - tape_grad[i]).abs() < 1e-9, "param {i}: tape {} vs fd {fd} (rel {err:e})", tape_grad[i]);
    }
}

fn rand(rng: &mut Rng, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n).map(|_| lo + (hi - lo) * rng.uniform()).collect()
}

/// Contracts any tensor to a scalar with fixed weights so every entry matters.
fn contract(t: &mut Tape<f64>, id: Id) -> Id {
    let (r, c) = (t.value(id).rows, t.value(id).cols);
    let w: Vec<f64> = (0..r * c).map(|i| 0.3 + ((i * 7919) % 13) as f64 / 10.0).collect();
    let wid = t.input(Tensor::from_vec(r, c, w));
    let m = t.mul(id, wid);
    t.sum(m, Axis::All)
}

#[test]
fn gradcheck_elementwise_and_reductions() {
    let mut rng = Rng::new(11);
    let p = rand(&mut rng, 12 + 4 + 3 + 1, 0.2, 1.7);
    type B = fn(&mut Tape<f64>, Id, Id) -> Id;
    let ops: Vec<(&str, B)> = vec![
        ("add", |t, a, _| {
            let b = t.param(12, 1, 4);
            t.add(a, b)
        }),
        ("sub_col", |t, a, _| {
            let b = t.param(16, 3, 1);
            t.sub(a, b)
        }),
        ("mul", |t, a, b| t.mul(a, b)),
        ("div", |t, a, _| {
            let b = t.param(16, 3, 1);
            t.div(a, b)
        }),
        ("div_scalar", |t, a, _| {
            let b = t.param(19, 1, 1);
            t.div(a, b)
        }),
        ("scale", |t, a, _| t.scale(a, -1.7)),
        ("add_scalar", |t, a, _| t.add_scalar(a, 0.4)),
        ("square", |t, a, _| t.square(a)),
        ("sqrt", |t, a, _| t.sqrt(a)),
        ("exp", |t, a, _| t.exp(a)),
        ("log", |t, a, _| t.log(a)),
        ("silu", |t, a, _| {
            let s = t.add_scalar(a, -1.0);
            t.silu(s)
        }),
        ("sum_rows", |t, a, _| t.sum(a, Axis::Rows)),
        ("sum_cols", |t, a, _| t.sum(a, Axis::Cols)),
        ("mean_rows", |t, a, _| t.mean(a, Axis::Rows)),
        ("mean_cols", |t, a, _| t.mean(a, Axis::Cols)),
        ("mean_all", |t, a, _| t.mean(a, Axis::All)),
        ("std_rows", |t, a, _| t.std_rows(a)),
        ("mse", |t, a, b| t.mse(a, b)),
        ("softmax_ce", |t, a, _| t.softmax_ce(a, vec![2, 0, 3])),
    ];
    for (name, op) in ops {
        let build = move |t: &mut Tape<f64>| {
            let a = t.param(0, 3, 4);
            let b = {
                let x = t.param(0, 3, 4);
                t.scale(x, 0.5)
            };
            let y = op(t, a, b);
            contract(t, y)
        };
        eprintln!("gradcheck {name}");
        gradcheck(&p, &build, 1e-6);
    }
}

#[test]
fn gradcheck_matmul() {
    let mut rng = Rng::new(5);
    let p = rand(&mut rng, 6 + 12, -1.0, 1.0);
    gradcheck(
        &p,
        &|t| {
            let a = t.param(0, 2, 3);
            let b = t.param(6, 3, 4);
            let c = t.matmul(a, b);
            contract(t, c)
        },
        1e-6,
    );
}

#[test]
fn gradcheck_bspline_op() {
    let mut rng = Rng::new(8);
    let knots: Vec<f64> = bspline::uniform_knots(5, 3, -1.0, 1.0);
    let nb = 8;
    let mut p = rand(&mut rng, 2 * nb, -1.0, 1.0);
    p.extend(rand(&mut rng, 10, -1.2, 1.2)); // x (5, 2)
    gradcheck(
        &p,
        &|t| {
            let c = t.param(0, 2, nb);
            let x = t.param(2 * nb, 5, 2);
            let y = t.fused(Box::new(BSplineOp { knots: knots.clone(), k: 3 }), vec![x, c]);
            contract(t, y)
        },
        1e-6,
    );
}

#[test]
fn matmul_by_hand() {
    let p = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut t = Tape::new(&p);
    let a = t.param(0, 2, 1);
    let b = t.param(2, 1, 2);
    let c = t.matmul(a, b);
    assert_eq!(t.value(c).data, vec![3.0, 4.0, 6.0, 8.0]);
}

/// Fused B-spline evaluation: `y[s][i] = sum_m coef[i][m] B_m(x[s][i])` on shared knots.
/// Inputs: `x (n, d)`, `coef (d, coeff)`; output `(n, d)`.
struct BSplineOp<T> {
    pub knots: Vec<T>,
    pub k: usize,
}

impl<T: Real> Fused<T> for BSplineOp<T> {
    fn name(&self) -> &'static str {
        "bspline"
    }
    fn forward(&self, ins: &[&Tensor<T>], _p: &[T]) -> Tensor<T> {
        let (x, c) = (ins[0], ins[1]);
        let mut out = Tensor::zeros(x.rows, x.cols);
        let mut w = vec![T::ZERO; self.k + 1];
        for s in 0..x.rows {
            for i in 0..x.cols {
                if let Some(st) = bspline::eval(&self.knots, self.k, x.at(s, i), 0, &mut w) {
                    let mut acc = T::ZERO;
                    for (m, &v) in w.iter().enumerate() {
                        let j = st + m as isize;
                        if j >= 0 && (j as usize) < c.cols {
                            acc += v * c.at(i, j as usize);
                        }
                    }
                    out.data[s * x.cols + i] = acc;
                }
            }
        }
        out
    }
    fn backward(&self, ins: &[&Tensor<T>], _p: &[T], _out: &Tensor<T>, gy: &Tensor<T>, gs: &mut [Tensor<T>], _pg: &mut [T]) {
        let (x, c) = (ins[0], ins[1]);
        let (mut v, mut d) = (vec![T::ZERO; self.k + 1], vec![T::ZERO; self.k + 1]);
        for s in 0..x.rows {
            for i in 0..x.cols {
                let g = gy.at(s, i);
                if let Some(st) = bspline::eval_with_deriv(&self.knots, self.k, x.at(s, i), &mut v, &mut d) {
                    let mut dx = T::ZERO;
                    for m in 0..=self.k {
                        let j = st + m as isize;
                        if j >= 0 && (j as usize) < c.cols {
                            let j = j as usize;
                            gs[1].data[i * c.cols + j] += g * v[m];
                            dx += d[m] * c.at(i, j);
                        }
                    }
                    gs[0].data[s * x.cols + i] += g * dx;
                }
            }
        }
    }
}
