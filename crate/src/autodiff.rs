//! Reverse-mode automatic differentiation on a tape of 2-D tensor operations.
//!
//! Values are computed as operations are pushed (eager), and [`Tape::backward`] walks the
//! tape once in reverse, each op applying its own backward rule. Parameters live in one
//! flat slice owned by the caller (the optimiser's vector); their gradients come back as
//! a flat vector of the same length. Heavy operations are fused ops ([`Fused`]) with a
//! hand-written backward, such as the KAN layer (`layer/ops.rs`).
//!
//! ```
//! use kanwasm_core::autodiff::{Tape, Axis};
//! let params = [3.0f64, 4.0];
//! let mut tape = Tape::new(&params);
//! let p = tape.param(0, 1, 2);
//! let sq = tape.square(p);
//! let loss = tape.sum(sq, Axis::All); // 3^2 + 4^2
//! assert_eq!(tape.value(loss).data[0], 25.0);
//! let g = tape.backward(loss);
//! assert_eq!(g, vec![6.0, 8.0]);
//! ```
//!
//! # Shapes
//! Every tensor is `(rows, cols)`; rows are the batch axis. Binary ops broadcast an
//! operand of shape `(1, c)`, `(r, 1)` or `(1, 1)` against `(r, c)`.

use crate::pool::{self, Pooled};
use crate::real::Real;

pub type Id = usize;

/// A row-major 2-D tensor. Its buffer comes from, and goes back to, the [`pool`].
#[derive(Debug, PartialEq)]
pub struct Tensor<T: Pooled> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<T>,
}

impl<T: Pooled> Drop for Tensor<T> {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.data));
    }
}

impl<T: Pooled> Clone for Tensor<T> {
    fn clone(&self) -> Self {
        Tensor { rows: self.rows, cols: self.cols, data: pool::copy(&self.data) }
    }
}

impl<T: Real> Tensor<T> {
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Tensor { rows, cols, data: pool::zeros(rows * cols) }
    }
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Self {
        assert_eq!(data.len(), rows * cols, "tensor: {} values for shape ({rows}, {cols})", data.len());
        Tensor { rows, cols, data }
    }
    /// A (1, 1) tensor holding `v`, in a buffer from the pool.
    pub fn scalar(v: T) -> Self {
        let mut data = pool::take(1);
        data.push(v);
        Tensor { rows: 1, cols: 1, data }
    }
    #[inline]
    pub fn at(&self, r: usize, c: usize) -> T {
        self.data[r * self.cols + c]
    }
}

/// Which axis a reduction removes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Axis {
    /// Reduce over rows: `(r, c) -> (1, c)`.
    Rows,
    /// Reduce over columns: `(r, c) -> (r, 1)`.
    Cols,
    /// Reduce everything: `(r, c) -> (1, 1)`.
    All,
}

/// An operation with its own forward and backward, over tape tensors and parameters.
pub trait Fused<T: Real> {
    fn name(&self) -> &'static str;
    fn forward(&self, inputs: &[&Tensor<T>], params: &[T]) -> Tensor<T>;
    /// Adds the gradients of `sum(out_grad * out)` into `input_grads` (same shapes as the
    /// inputs) and `param_grads` (the flat parameter vector).
    fn backward(&self, inputs: &[&Tensor<T>], params: &[T], out: &Tensor<T>, out_grad: &Tensor<T>, input_grads: &mut [Tensor<T>], param_grads: &mut [T]);
}

enum Op<'a, T: Real> {
    Input,
    Param(usize),
    #[cfg(test)]
    MatMul(Id, Id),
    Add(Id, Id),
    Sub(Id, Id),
    Mul(Id, Id),
    Div(Id, Id),
    Scale(Id, T),
    AddScalar(Id, T),
    Sum(Id, Axis),
    Mean(Id, Axis),
    Square(Id),
    Sqrt(Id),
    Exp(Id),
    Log(Id),
    Silu(Id),
    StdRows(Id),
    Mse(Id, Id),
    SoftmaxCe(Id, Vec<usize>),
    Fused(Box<dyn Fused<T> + 'a>, Vec<Id>),
}

struct Node<'a, T: Real> {
    op: Op<'a, T>,
    val: Tensor<T>,
}

/// The tape. `params` is (a copy of) the flat parameter vector that `param` leaves
/// point into; `'a` is the lifetime of what fused ops borrow.
pub struct Tape<'a, T: Real> {
    params: std::borrow::Cow<'a, [T]>,
    nodes: Vec<Node<'a, T>>,
}

#[inline]
fn sigmoid<T: Real>(x: T) -> T {
    x.sigmoid()
}

/// `x * sigmoid(x)` and its derivative.
#[inline]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn silu<T: Real>(x: T) -> T {
    x * sigmoid(x)
}
#[inline]
pub fn silu_grad<T: Real>(x: T) -> T {
    let s = sigmoid(x);
    s * (T::ONE + x * (T::ONE - s))
}
/// `(silu(x), silu'(x))` from one sigmoid.
#[inline]
pub fn silu_both<T: Real>(x: T) -> (T, T) {
    let s = sigmoid(x);
    (x * s, s * (T::ONE + x * (T::ONE - s)))
}

#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn bshape(a: &Tensor<impl Real>, b: &Tensor<impl Real>, op: &str) -> (usize, usize) {
    let dim = |x: usize, y: usize| {
        if x == y || y == 1 {
            Some(x)
        } else if x == 1 {
            Some(y)
        } else {
            None
        }
    };
    match (dim(a.rows, b.rows), dim(a.cols, b.cols)) {
        (Some(r), Some(c)) => (r, c),
        _ => panic!("{op}: shapes ({}, {}) and ({}, {}) do not broadcast", a.rows, a.cols, b.rows, b.cols),
    }
}

#[inline]
fn bat<T: Real>(t: &Tensor<T>, r: usize, c: usize) -> T {
    t.data[(if t.rows == 1 { 0 } else { r }) * t.cols + if t.cols == 1 { 0 } else { c }]
}

/// Adds `g (r, c)` into `acc`, summing over the axes along which `acc` was broadcast.
/// (`dyn`: one copy serves every elementwise op; these run on small tensors.)
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn reduce_into<T: Real>(acc: &mut Tensor<T>, g: &Tensor<T>, scale: &dyn Fn(usize, usize) -> T) {
    for r in 0..g.rows {
        for c in 0..g.cols {
            let rr = if acc.rows == 1 { 0 } else { r };
            let cc = if acc.cols == 1 { 0 } else { c };
            acc.data[rr * acc.cols + cc] += g.data[r * g.cols + c] * scale(r, c);
        }
    }
}

impl<'a, T: Real> Tape<'a, T> {
    /// A tape over a copy of `params`.
    pub fn new(params: &[T]) -> Self {
        Tape { params: std::borrow::Cow::Owned(params.to_vec()), nodes: Vec::new() }
    }

    /// A tape over `params` without copying them (they must outlive the tape's ops).
    pub fn borrowing(params: &'a [T]) -> Self {
        Tape { params: std::borrow::Cow::Borrowed(params), nodes: Vec::new() }
    }

    pub fn value(&self, id: Id) -> &Tensor<T> {
        &self.nodes[id].val
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn push(&mut self, op: Op<'a, T>, val: Tensor<T>) -> Id {
        self.nodes.push(Node { op, val });
        self.nodes.len() - 1
    }

    /// A constant (no gradient is returned for it).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn input(&mut self, t: Tensor<T>) -> Id {
        self.push(Op::Input, t)
    }

    /// The parameters `params[offset .. offset + rows*cols]` as a `(rows, cols)` tensor.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn param(&mut self, offset: usize, rows: usize, cols: usize) -> Id {
        let data = self.params[offset..offset + rows * cols].to_vec();
        self.push(Op::Param(offset), Tensor::from_vec(rows, cols, data))
    }

    /// `(r, n) @ (n, c) -> (r, c)`. Only tests build networks of matrix products (a KAN
    /// layer is one fused op), so only they compile it.
    #[cfg(test)]
    pub fn matmul(&mut self, a: Id, b: Id) -> Id {
        let (x, y) = (&self.nodes[a].val, &self.nodes[b].val);
        assert_eq!(x.cols, y.rows, "matmul: shapes ({}, {}) and ({}, {}) do not chain", x.rows, x.cols, y.rows, y.cols);
        let mut out = Tensor::zeros(x.rows, y.cols);
        for r in 0..x.rows {
            let orow = &mut out.data[r * y.cols..(r + 1) * y.cols];
            for n in 0..x.cols {
                T::axpy(x.data[r * x.cols + n], &y.data[n * y.cols..(n + 1) * y.cols], orow);
            }
        }
        self.push(Op::MatMul(a, b), out)
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn binary(&mut self, a: Id, b: Id, name: &str, f: impl Fn(T, T) -> T) -> Tensor<T> {
        let (x, y) = (&self.nodes[a].val, &self.nodes[b].val);
        let (r, c) = bshape(x, y, name);
        let mut out = Tensor::zeros(r, c);
        for i in 0..r {
            for j in 0..c {
                out.data[i * c + j] = f(bat(x, i, j), bat(y, i, j));
            }
        }
        out
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn add(&mut self, a: Id, b: Id) -> Id {
        let v = self.binary(a, b, "add", |x, y| x + y);
        self.push(Op::Add(a, b), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn sub(&mut self, a: Id, b: Id) -> Id {
        let v = self.binary(a, b, "sub", |x, y| x - y);
        self.push(Op::Sub(a, b), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn mul(&mut self, a: Id, b: Id) -> Id {
        let v = self.binary(a, b, "mul", |x, y| x * y);
        self.push(Op::Mul(a, b), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn div(&mut self, a: Id, b: Id) -> Id {
        let v = self.binary(a, b, "div", |x, y| x / y);
        self.push(Op::Div(a, b), v)
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn unary(&mut self, a: Id, f: impl Fn(T) -> T) -> Tensor<T> {
        let x = &self.nodes[a].val;
        let mut data = pool::take(x.data.len());
        data.extend(x.data.iter().map(|&v| f(v)));
        Tensor { rows: x.rows, cols: x.cols, data }
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn scale(&mut self, a: Id, s: T) -> Id {
        let v = self.unary(a, |x| x * s);
        self.push(Op::Scale(a, s), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn add_scalar(&mut self, a: Id, s: T) -> Id {
        let v = self.unary(a, |x| x + s);
        self.push(Op::AddScalar(a, s), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn square(&mut self, a: Id) -> Id {
        let v = self.unary(a, |x| x * x);
        self.push(Op::Square(a), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn sqrt(&mut self, a: Id) -> Id {
        let v = self.unary(a, |x| x.sqrt());
        self.push(Op::Sqrt(a), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn exp(&mut self, a: Id) -> Id {
        let v = self.unary(a, |x| x.exp());
        self.push(Op::Exp(a), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn log(&mut self, a: Id) -> Id {
        let v = self.unary(a, |x| x.ln());
        self.push(Op::Log(a), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn silu(&mut self, a: Id) -> Id {
        let v = self.unary(a, silu);
        self.push(Op::Silu(a), v)
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn reduce(x: &Tensor<T>, axis: Axis) -> Tensor<T> {
        match axis {
            Axis::Rows => {
                let mut o = Tensor::zeros(1, x.cols);
                for r in 0..x.rows {
                    for c in 0..x.cols {
                        o.data[c] += x.data[r * x.cols + c];
                    }
                }
                o
            }
            Axis::Cols => {
                let mut d = pool::take(x.rows);
                d.extend(x.data.chunks(x.cols.max(1)).map(|row| row.iter().fold(T::ZERO, |s, &v| s + v)));
                Tensor::from_vec(x.rows, 1, d)
            }
            Axis::All => Tensor::scalar(x.data.iter().fold(T::ZERO, |s, &v| s + v)),
        }
    }

    fn count(x: &Tensor<T>, axis: Axis) -> usize {
        match axis {
            Axis::Rows => x.rows,
            Axis::Cols => x.cols,
            Axis::All => x.rows * x.cols,
        }
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn sum(&mut self, a: Id, axis: Axis) -> Id {
        let v = Self::reduce(&self.nodes[a].val, axis);
        self.push(Op::Sum(a, axis), v)
    }
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn mean(&mut self, a: Id, axis: Axis) -> Id {
        let x = &self.nodes[a].val;
        let n = T::from_usize(Self::count(x, axis).max(1));
        let mut v = Self::reduce(x, axis);
        v.data.iter_mut().for_each(|e| *e /= n);
        self.push(Op::Mean(a, axis), v)
    }

    /// Unbiased standard deviation over the batch: `(r, c) -> (1, c)`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn std_rows(&mut self, a: Id) -> Id {
        let v = std_rows(&self.nodes[a].val);
        self.push(Op::StdRows(a), v)
    }

    /// Mean squared error between equal shapes, `-> (1, 1)`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn mse(&mut self, a: Id, b: Id) -> Id {
        let (x, y) = (&self.nodes[a].val, &self.nodes[b].val);
        assert!(x.rows == y.rows && x.cols == y.cols, "mse: shapes ({}, {}) and ({}, {}) differ", x.rows, x.cols, y.rows, y.cols);
        let s = x.data.iter().zip(&y.data).fold(T::ZERO, |s, (&p, &q)| s + (p - q) * (p - q));
        let v = Tensor::scalar(s / T::from_usize(x.data.len().max(1)));
        self.push(Op::Mse(a, b), v)
    }

    /// Mean softmax cross-entropy of logits `(n, classes)` against class indices `(n)`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn softmax_ce(&mut self, a: Id, labels: Vec<usize>) -> Id {
        let x = &self.nodes[a].val;
        assert_eq!(x.rows, labels.len(), "softmax_ce: {} rows of logits but {} labels", x.rows, labels.len());
        let mut s = T::ZERO;
        for (r, &l) in labels.iter().enumerate() {
            let row = &x.data[r * x.cols..(r + 1) * x.cols];
            let m = row.iter().fold(row[0], |a, &b| a.max(b));
            let z = row.iter().fold(T::ZERO, |s, &v| s + (v - m).exp());
            s += z.ln() + m - row[l];
        }
        let v = Tensor::scalar(s / T::from_usize(labels.len().max(1)));
        self.push(Op::SoftmaxCe(a, labels), v)
    }

    /// A fused op over the tensors `inputs`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn fused(&mut self, op: Box<dyn Fused<T> + 'a>, inputs: Vec<Id>) -> Id {
        let v = {
            let ins: Vec<&Tensor<T>> = inputs.iter().map(|&i| &self.nodes[i].val).collect();
            op.forward(&ins, &self.params)
        };
        self.push(Op::Fused(op, inputs), v)
    }

    /// Gradient of the scalar `root` with respect to the parameter vector.
    pub fn backward(&self, root: Id) -> Vec<T> {
        self.backward_with_inputs(root).0
    }

    /// Gradients with respect to the parameters and to every tape node.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn backward_with_inputs(&self, root: Id) -> (Vec<T>, Vec<Option<Tensor<T>>>) {
        let mut pg = pool::zeros(self.params.len());
        let mut g: Vec<Option<Tensor<T>>> = (0..self.nodes.len()).map(|_| None).collect();
        let rv = &self.nodes[root].val;
        let mut ones = pool::take(rv.data.len());
        ones.resize(rv.data.len(), T::ONE);
        g[root] = Some(Tensor::from_vec(rv.rows, rv.cols, ones));
        for id in (0..=root).rev() {
            let Some(gy) = g[id].take() else { continue };
            let node = &self.nodes[id];
            let y = &node.val;
            let val = |i: Id| &self.nodes[i].val;
            macro_rules! acc {
                ($i:expr, $f:expr) => {{
                    let i = $i;
                    let x = val(i);
                    let slot = g[i].get_or_insert_with(|| Tensor::zeros(x.rows, x.cols));
                    #[allow(clippy::redundant_closure_call)]
                    reduce_into(slot, &gy, &$f);
                }};
            }
            match &node.op {
                Op::Input => {}
                Op::Param(off) => {
                    for (k, v) in gy.data.iter().enumerate() {
                        pg[off + k] += *v;
                    }
                }
                #[cfg(test)]
                Op::MatMul(a, b) => {
                    let (x, w) = (val(*a), val(*b));
                    let mut ga = Tensor::zeros(x.rows, x.cols);
                    let mut gb = Tensor::zeros(w.rows, w.cols);
                    for r in 0..x.rows {
                        let grow = &gy.data[r * w.cols..(r + 1) * w.cols];
                        for n in 0..x.cols {
                            ga.data[r * x.cols + n] = T::dot(grow, &w.data[n * w.cols..(n + 1) * w.cols]);
                            T::axpy(x.data[r * x.cols + n], grow, &mut gb.data[n * w.cols..(n + 1) * w.cols]);
                        }
                    }
                    add_into(&mut g[*a], ga);
                    add_into(&mut g[*b], gb);
                }
                Op::Add(a, b) => {
                    acc!(*a, |_, _| T::ONE);
                    acc!(*b, |_, _| T::ONE);
                }
                Op::Sub(a, b) => {
                    acc!(*a, |_, _| T::ONE);
                    acc!(*b, |_, _| -T::ONE);
                }
                Op::Mul(a, b) => {
                    let (xa, xb) = (val(*a), val(*b));
                    acc!(*a, |r, c| bat(xb, r, c));
                    acc!(*b, |r, c| bat(xa, r, c));
                }
                Op::Div(a, b) => {
                    let (xa, xb) = (val(*a), val(*b));
                    acc!(*a, |r, c| T::ONE / bat(xb, r, c));
                    acc!(*b, |r, c| {
                        let d = bat(xb, r, c);
                        -bat(xa, r, c) / (d * d)
                    });
                }
                Op::Scale(a, s) => acc!(*a, |_, _| *s),
                Op::AddScalar(a, _) => acc!(*a, |_, _| T::ONE),
                Op::Square(a) => {
                    let x = val(*a);
                    acc!(*a, |r, c| T::from_f64(2.0) * x.at(r, c));
                }
                Op::Sqrt(a) => acc!(*a, |r, c| T::from_f64(0.5) / y.at(r, c)),
                Op::Exp(a) => acc!(*a, |r, c| y.at(r, c)),
                Op::Log(a) => {
                    let x = val(*a);
                    acc!(*a, |r, c| T::ONE / x.at(r, c));
                }
                Op::Silu(a) => {
                    let x = val(*a);
                    acc!(*a, |r, c| silu_grad(x.at(r, c)));
                }
                Op::Sum(a, axis) | Op::Mean(a, axis) => {
                    let x = val(*a);
                    let n = match &node.op {
                        Op::Mean(..) => T::from_usize(Self::count(x, *axis).max(1)),
                        _ => T::ONE,
                    };
                    let mut gx = Tensor::zeros(x.rows, x.cols);
                    for r in 0..x.rows {
                        for c in 0..x.cols {
                            gx.data[r * x.cols + c] = bat(&gy, r, c) / n;
                        }
                    }
                    add_into(&mut g[*a], gx);
                }
                Op::StdRows(a) => {
                    let x = val(*a);
                    let mut gx = Tensor::zeros(x.rows, x.cols);
                    std_rows_backward(x, y, &gy.data, &mut gx.data);
                    add_into(&mut g[*a], gx);
                }
                Op::Mse(a, b) => {
                    let (xa, xb) = (val(*a), val(*b));
                    let f = gy.data[0] * T::from_f64(2.0) / T::from_usize(xa.data.len().max(1));
                    let mut d = pool::take(xa.data.len());
                    d.extend(xa.data.iter().zip(&xb.data).map(|(&p, &q)| (p - q) * f));
                    let mut neg = pool::take(d.len());
                    neg.extend(d.iter().map(|&v| -v));
                    add_into(&mut g[*b], Tensor::from_vec(xa.rows, xa.cols, neg));
                    add_into(&mut g[*a], Tensor::from_vec(xa.rows, xa.cols, d));
                }
                Op::SoftmaxCe(a, labels) => {
                    let x = val(*a);
                    let f = gy.data[0] / T::from_usize(labels.len().max(1));
                    let mut gx = Tensor::zeros(x.rows, x.cols);
                    for (r, &l) in labels.iter().enumerate() {
                        let row = &x.data[r * x.cols..(r + 1) * x.cols];
                        let m = row.iter().fold(row[0], |a, &b| a.max(b));
                        let z = row.iter().fold(T::ZERO, |s, &v| s + (v - m).exp());
                        for c in 0..x.cols {
                            let p = (row[c] - m).exp() / z;
                            gx.data[r * x.cols + c] = f * (p - if c == l { T::ONE } else { T::ZERO });
                        }
                    }
                    add_into(&mut g[*a], gx);
                }
                Op::Fused(op, ins) => {
                    let xs: Vec<&Tensor<T>> = ins.iter().map(|&i| val(i)).collect();
                    let mut gs: Vec<Tensor<T>> = xs.iter().map(|x| Tensor::zeros(x.rows, x.cols)).collect();
                    op.backward(&xs, &self.params, y, &gy, &mut gs, &mut pg);
                    for (&i, gi) in ins.iter().zip(gs) {
                        add_into(&mut g[i], gi);
                    }
                }
            }
        }
        (pg, g)
    }
}

fn add_into<T: Real>(slot: &mut Option<Tensor<T>>, t: Tensor<T>) {
    match slot {
        Some(s) => s.data.iter_mut().zip(&t.data).for_each(|(a, &b)| *a += b),
        None => *slot = Some(t),
    }
}

/// Unbiased std over rows. Shapes: `(r, c) -> (1, c)`.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn std_rows<T: Real>(x: &Tensor<T>) -> Tensor<T> {
    let n = x.rows;
    let dn = T::from_usize(n.saturating_sub(1).max(1));
    let mut o = Tensor::zeros(1, x.cols);
    for c in 0..x.cols {
        let mean = (0..n).fold(T::ZERO, |s, r| s + x.at(r, c)) / T::from_usize(n.max(1));
        let var = (0..n).fold(T::ZERO, |s, r| {
            let d = x.at(r, c) - mean;
            s + d * d
        }) / dn;
        o.data[c] = var.sqrt();
    }
    o
}

/// Adds `d std / d x` times `gy (c)` into `gx (r, c)`; a zero std has gradient 0.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn std_rows_backward<T: Real>(x: &Tensor<T>, std: &Tensor<T>, gy: &[T], gx: &mut [T]) {
    let n = x.rows;
    let dn = T::from_usize(n.saturating_sub(1).max(1));
    for c in 0..x.cols {
        let s = std.data[c];
        if s == T::ZERO {
            continue;
        }
        let mean = (0..n).fold(T::ZERO, |acc, r| acc + x.at(r, c)) / T::from_usize(n.max(1));
        let f = gy[c] / (dn * s);
        for r in 0..n {
            gx[r * x.cols + c] += f * (x.at(r, c) - mean);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
