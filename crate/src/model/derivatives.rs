//! Exact derivatives of a model's outputs with respect to its inputs, and their reverse mode.
//!
//! Every node carries a jet: its value, gradient and (order 2) Hessian with respect to the
//! model's `d` inputs. An edge `y = phi(x)` maps the jet of `x` to
//! `(phi, phi' g, phi'' g g^T + phi' H)`; sum nodes add jets, multiplication nodes follow
//! the product rule. `phi` and its derivatives come from the edge's spline (B-spline
//! derivatives on its knots; 0 outside them, as in the forward pass), its base function and
//! its symbolic function. [`JetNet::backward_one`] is the hand-written reverse of that
//! forward pass: it takes the adjoint of the output jets and adds the gradient of every
//! parameter, which physics-informed fitting needs.
//!
//! Everything runs in f64 for both model dtypes (one copy of this code in the module); the
//! values a user sees come from the model's own forward pass.
//!
//! ```
//! use kanwasm_core::model::{Model, ModelConfig};
//! use kanwasm_core::model::derivatives::JetNet;
//! # use kanwasm_core::layer::Base;
//! let cfg = ModelConfig {
//!     width: vec![(2, 0), (3, 0), (1, 0)],
//!     grid: vec![3],
//!     k: vec![3],
//!     range: (-1.0, 1.0),
//!     base: Base::Silu,
//!     noise_scale: 0.3,
//!     grid_eps: 0.02,
//!     seed: 1,
//!     scale_base_mu: 0.0,
//!     scale_base_sigma: 1.0,
//!     scale_sp: 1.0,
//!     train_sb: true,
//!     train_sp: true,
//!     mult_arity: vec![],
//! };
//! let m: Model<f64> = Model::new(&cfg).unwrap();
//! let (net, p) = JetNet::of(&m, 2);
//! let (mut grad, mut hess) = (vec![0.0; 2], vec![0.0; 4]);
//! net.derivatives(&p, &[0.1, -0.3], &mut grad, Some(&mut hess));
//! assert_eq!(hess[1], hess[2]); // symmetric
//! ```
//!
//! # Shapes
//! A jet is `J = 1 + d (+ d * d)` numbers: value, gradient `(d)`, Hessian `(d, d)` row-major.

use crate::bspline::{self, WIN};
use crate::layer::{Base, Layer};
use crate::model::Model;
use crate::real::Real;
use crate::symbolic;

use super::product::{node_backward, node_forward};

/// A model's layers and parameters in f64, with the order of derivatives it propagates.
#[derive(Clone, Debug)]
pub struct JetNet {
    pub layers: Vec<Layer<f64>>,
    /// The sum nodes fed by each layer, and the arity of each of its multiplication nodes.
    nodes: Vec<(usize, Vec<usize>)>,
    /// Inputs of the model.
    pub d: usize,
    /// 0, 1 or 2: the highest derivative carried.
    pub order: usize,
    train_sb: bool,
    train_sp: bool,
}

/// Per (input, value): the window of basis derivatives and the edge derivatives it gives.
struct Edges {
    st: Option<isize>,
    /// `bw[r * WIN + m]`: r-th derivative of basis `st + m`.
    bw: [f64; 4 * WIN],
    /// r-th derivative of the base function.
    b: [f64; 4],
    /// `s[r * no + o]`: r-th derivative of the spline (coefficients only).
    s: Vec<f64>,
    /// `phi[r * no + o]`: r-th derivative of the whole edge.
    phi: Vec<f64>,
}

/// Buffers for one sample's forward and backward passes.
pub struct Work {
    /// Jets of every layer's inputs; the last holds the model's outputs.
    pub acts: Vec<Vec<f64>>,
    /// Jets of every layer's outputs before multiplication nodes.
    subs: Vec<Vec<f64>>,
    /// Adjoints of the same.
    adj_acts: Vec<f64>,
    adj_subs: Vec<f64>,
    /// The edges of every layer's inputs `[l][i]`, from the forward pass for the backward.
    edges: Vec<Vec<Edges>>,
    /// Multiplication nodes' scratch, `(arity + 2) J` for the largest arity.
    node: Vec<f64>,
}

/// `v` with a cache line's room to spare after its elements. Threads each write their own
/// [`Work`] for every sample; without the room, the small buffers of two threads' scratch
/// can share cache lines, which then pass between the cores at every write.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn spaced<T>(mut v: Vec<T>) -> Vec<T> {
    v.reserve_exact(64usize.div_ceil(std::mem::size_of::<T>().max(1)));
    v
}

/// `(b, b', b'', b''')` of the base function at `x`.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn base_derivs(base: Base, x: f64) -> [f64; 4] {
    match base {
        Base::Silu => {
            let s = x.sigmoid();
            let q = s * (1.0 - s);
            let u = 1.0 - 2.0 * s;
            [x * s, s * (1.0 + x * (1.0 - s)), q * (2.0 + x * u), q * (3.0 * u + x * (1.0 - 6.0 * s + 6.0 * s * s))]
        }
        Base::Identity => [x, 1.0, 0.0, 0.0],
        Base::Zero => [0.0; 4],
    }
}

impl JetNet {
    /// The model's structure and parameters in f64, carrying derivatives up to `order`.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn of<T: Real>(m: &Model<T>, order: usize) -> (JetNet, Vec<f64>) {
        let m = m.to_f64();
        let (d, c) = (m.n_in(), &m.cfg);
        let nodes = (1..c.width.len()).map(|l| (c.width[l].0, c.arity(l).to_vec())).collect();
        let net = JetNet { nodes, d, order, train_sb: c.train_sb, train_sp: c.train_sp, layers: m.layers };
        (net, m.params)
    }

    /// Numbers per jet.
    pub fn jet(&self) -> usize {
        let d = self.d;
        1 + if self.order >= 1 { d } else { 0 } + if self.order >= 2 { d * d } else { 0 }
    }

    /// Buffers for one sample's passes, each with room to spare after it (see [`spaced`]).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn work(&self) -> Work {
        let j = self.jet();
        let zeros = |n: usize| spaced(vec![0.0; n]);
        let mut acts = vec![zeros(self.d * j)];
        let mut subs = Vec::new();
        let mut widest = self.d;
        for ly in &self.layers {
            subs.push(zeros(ly.n_out * j));
            acts.push(zeros(ly.n_out * j));
            widest = widest.max(ly.n_out).max(ly.n_in);
        }
        let edges = self
            .layers
            .iter()
            .map(|l| spaced((0..l.n_in).map(|_| Edges { st: None, bw: [0.0; 4 * WIN], b: [0.0; 4], s: zeros(4 * l.n_out), phi: zeros(4 * l.n_out) }).collect()))
            .collect();
        let arity = self.nodes.iter().flat_map(|(_, a)| a.iter().copied()).max().unwrap_or(0);
        let (acts, subs, edges) = (spaced(acts), spaced(subs), spaced(edges));
        Work { acts, subs, adj_acts: zeros(widest * j), adj_subs: zeros(widest * j), edges, node: zeros((arity + 2) * j) }
    }

    /// The basis window, base and edge derivatives up to `nd` of input `i` of `ly` at `x`.
    fn edges(ly: &Layer<f64>, p: &[f64], i: usize, x: f64, nd: usize, e: &mut Edges) {
        let (no, nb, k) = (ly.n_out, ly.nb(), ly.k);
        let t = ly.knots_of(i);
        e.st = windows(t, k, x, nd, &mut e.bw);
        e.b = base_derivs(ly.base, x);
        let coef = &p[ly.coef_off()..ly.sb_off()];
        let (sb, sp, aff) = (&p[ly.sb_off()..ly.sp_off()], &p[ly.sp_off()..ly.aff_off()], &p[ly.aff_off()..ly.end()]);
        e.s[..(nd + 1) * no].iter_mut().for_each(|v| *v = 0.0);
        if let Some(st) = e.st {
            for m in 0..=k {
                let j = st + m as isize;
                if j < 0 || j as usize >= nb {
                    continue;
                }
                let row = &coef[(i * nb + j as usize) * no..(i * nb + j as usize + 1) * no];
                for r in 0..=nd {
                    let bv = e.bw[r * WIN + m];
                    for (s, &c) in e.s[r * no..(r + 1) * no].iter_mut().zip(row) {
                        *s += bv * c;
                    }
                }
            }
        }
        for o in 0..no {
            let q = i * no + o;
            for r in 0..=nd {
                e.phi[r * no + o] = ly.mask[q] * (sb[q] * e.b[r] + sp[q] * e.s[r * no + o]);
            }
            if ly.sym[q] != 0 {
                let a = &aff[q * 4..q * 4 + 4];
                let f = sym_derivs(ly.sym[q], a[0] * x + a[1]);
                let mut ar = 1.0;
                for r in 0..=nd {
                    e.phi[r * no + o] += a[2] * ar * f[r] + if r == 0 { a[3] } else { 0.0 };
                    ar *= a[0];
                }
            }
        }
    }

    /// The jets of one sample `x (d)`: `w.acts[l]` for every layer's inputs, the last being
    /// the model's outputs. It and [`Self::backward_one`] allocate nothing: the physics-informed
    /// loss runs them in tasks on worker threads (crate::par), with a [`Work`] per thread.
    pub fn forward_one(&self, p: &[f64], x: &[f64], w: &mut Work) {
        let (d, j, order) = (self.d, self.jet(), self.order);
        let a0 = &mut w.acts[0];
        a0.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..d {
            a0[i * j] = x[i];
            if order >= 1 {
                a0[i * j + 1 + i] = 1.0;
            }
        }
        for (l, ly) in self.layers.iter().enumerate() {
            let (ni, no) = (ly.n_in, ly.n_out);
            let sub = &mut w.subs[l];
            sub.iter_mut().for_each(|v| *v = 0.0);
            for (o, &b) in ly.bias().iter().enumerate() {
                sub[o * j] = b;
            }
            for i in 0..ni {
                let xj = &w.acts[l][i * j..(i + 1) * j];
                // one derivative more than the jets need: the backward pass takes it from here
                let e = &mut w.edges[l][i];
                Self::edges(ly, p, i, xj[0], order + 1, e);
                let phi = &e.phi;
                for o in 0..no {
                    let y = &mut sub[o * j..(o + 1) * j];
                    y[0] += phi[o];
                    if order >= 1 {
                        let p1 = phi[no + o];
                        for a in 0..d {
                            y[1 + a] += p1 * xj[1 + a];
                        }
                        if order >= 2 {
                            let p2 = phi[2 * no + o];
                            for a in 0..d {
                                for b in 0..d {
                                    y[1 + d + a * d + b] += p2 * xj[1 + a] * xj[1 + b] + p1 * xj[1 + d + a * d + b];
                                }
                            }
                        }
                    }
                }
            }
            let (sum, arity) = &self.nodes[l];
            let sum = *sum;
            let (head, tail) = w.acts.split_at_mut(l + 1);
            let _ = head;
            let out = &mut tail[0];
            out[..sum * j].copy_from_slice(&sub[..sum * j]);
            let mut at = sum;
            for (m, &a) in arity.iter().enumerate() {
                node_forward(d, order, &sub[at * j..(at + a) * j], &mut out[(sum + m) * j..(sum + m + 1) * j], &mut w.node);
                at += a;
            }
        }
    }

    /// Reverse of [`Self::forward_one`] (which must have run on this sample, leaving `w`):
    /// given `ybar`, the adjoint of the output jets `(out, J)`, adds the gradient of
    /// `sum ybar * outputs` with respect to every parameter to `pg`.
    pub fn backward_one(&self, p: &[f64], ybar: &[f64], w: &mut Work, pg: &mut [f64]) {
        let (d, j, order) = (self.d, self.jet(), self.order);
        let nl = self.layers.len();
        w.adj_acts[..ybar.len()].copy_from_slice(ybar);
        for l in (0..nl).rev() {
            let ly = &self.layers[l];
            let (ni, no) = (ly.n_in, ly.n_out);
            // multiplication nodes: adjoints of the node jets to the subnode jets
            let (sum, arity) = &self.nodes[l];
            let sum = *sum;
            let (za, sa) = (&w.adj_acts, &mut w.adj_subs);
            sa[..sum * j].copy_from_slice(&za[..sum * j]);
            let sub = &w.subs[l];
            let mut at = sum;
            for (m, &a) in arity.iter().enumerate() {
                node_backward(d, order, &sub[at * j..(at + a) * j], &za[(sum + m) * j..(sum + m + 1) * j], &mut sa[at * j..(at + a) * j], &mut w.node);
                at += a;
            }
            // edges: subnode adjoints to input adjoints and parameter gradients
            let xa = &mut w.adj_acts;
            xa[..ni * j].iter_mut().for_each(|v| *v = 0.0);
            for i in 0..ni {
                let xj = &w.acts[l][i * j..(i + 1) * j];
                let e = &w.edges[l][i];
                let xb = &mut xa[i * j..(i + 1) * j];
                for o in 0..no {
                    let yb = &w.adj_subs[o * j..(o + 1) * j];
                    let mut fb = [yb[0], 0.0, 0.0];
                    let (p1, p2) = (e.phi[no + o], if order >= 1 { e.phi[2 * no + o] } else { 0.0 });
                    if order >= 1 {
                        for a in 0..d {
                            fb[1] += yb[1 + a] * xj[1 + a];
                            xb[1 + a] += p1 * yb[1 + a];
                        }
                    }
                    if order >= 2 {
                        for a in 0..d {
                            for b in 0..d {
                                let (h, ht) = (1 + d + a * d + b, 1 + d + b * d + a);
                                fb[1] += yb[h] * xj[h];
                                fb[2] += yb[h] * xj[1 + a] * xj[1 + b];
                                xb[1 + a] += p2 * (yb[h] + yb[ht]) * xj[1 + b];
                                xb[h] += p1 * yb[h];
                            }
                        }
                    }
                    xb[0] += fb[0] * p1 + fb[1] * p2 + if order >= 2 { fb[2] * e.phi[3 * no + o] } else { 0.0 };
                    self.param_grads(ly, p, i, o, xj[0], &fb[..=order], e, pg);
                }
            }
        }
    }

    /// Adds `sum_r fb[r] * d phi^(r) / d theta` for edge `(i, o)` to the gradient `pg`.
    fn param_grads(&self, ly: &Layer<f64>, p: &[f64], i: usize, o: usize, x: f64, fb: &[f64], e: &Edges, pg: &mut [f64]) {
        let (no, nb, k) = (ly.n_out, ly.nb(), ly.k);
        let q = i * no + o;
        let m = ly.mask[q];
        if m != 0.0 {
            let sp = p[ly.sp_off() + q];
            if let Some(st) = e.st {
                for w in 0..=k {
                    let jj = st + w as isize;
                    if jj >= 0 && (jj as usize) < nb {
                        let g: f64 = fb.iter().enumerate().map(|(r, f)| f * e.bw[r * WIN + w]).sum();
                        pg[ly.coef_off() + (i * nb + jj as usize) * no + o] += m * sp * g;
                    }
                }
            }
            if self.train_sp {
                pg[ly.sp_off() + q] += m * fb.iter().enumerate().map(|(r, f)| f * e.s[r * no + o]).sum::<f64>();
            }
            if self.train_sb {
                pg[ly.sb_off() + q] += m * fb.iter().enumerate().map(|(r, f)| f * e.b[r]).sum::<f64>();
            }
        }
        if ly.sym[q] != 0 {
            let a = &p[ly.aff_off() + 4 * q..ly.aff_off() + 4 * q + 4];
            let f = sym_derivs(ly.sym[q], a[0] * x + a[1]);
            let g = &mut pg[ly.aff_off() + 4 * q..ly.aff_off() + 4 * q + 4];
            // phi^(r) = c a^r f^(r)(a x + b) (+ d for r = 0)
            let mut ar = 1.0;
            for (r, &fr) in fb.iter().enumerate() {
                let da = c_a_prime(a[2], a[0], r, f[r], f[r + 1], x);
                g[0] += fr * da;
                g[1] += fr * a[2] * ar * f[r + 1];
                g[2] += fr * ar * f[r];
                if r == 0 {
                    g[3] += fr;
                }
                ar *= a[0];
            }
        }
    }

    /// Gradient `(out, d)` and, with `hess`, Hessian `(out, d, d)` of the outputs at one
    /// sample `x (d)`. Needs `order >= 1` (2 for the Hessian).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn derivatives(&self, p: &[f64], x: &[f64], grad: &mut [f64], hess: Option<&mut [f64]>) {
        let mut w = self.work();
        self.derivatives_with(p, x, grad, hess, &mut w);
    }

    /// [`Self::derivatives`] with caller-owned buffers (for many samples).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn derivatives_with(&self, p: &[f64], x: &[f64], grad: &mut [f64], hess: Option<&mut [f64]>, w: &mut Work) {
        let (d, j) = (self.d, self.jet());
        self.forward_one(p, x, w);
        let out = &w.acts[self.layers.len()];
        let no = out.len() / j;
        for o in 0..no {
            grad[o * d..(o + 1) * d].copy_from_slice(&out[o * j + 1..o * j + 1 + d]);
        }
        if let Some(h) = hess {
            for o in 0..no {
                h[o * d * d..(o + 1) * d * d].copy_from_slice(&out[o * j + 1 + d..(o + 1) * j]);
            }
        }
    }
}

/// The `k+1` basis functions of order `k` at `x` and their derivatives up to `nd` (at most 3),
/// `bw[r * WIN + m]` for basis `start + m`, from one Cox-de Boor triangle: the value levels are
/// shared, and derivative `r` raises level `k - r` by `r` derivative levels. `None` outside
/// the knots (every basis is 0 there, as in the forward pass).
fn windows(t: &[f64], k: usize, x: f64, nd: usize, bw: &mut [f64; 4 * WIN]) -> Option<isize> {
    let i = bspline::find_span(t, x)?;
    // two buffers used in turn (no copies of whole windows); saved[r]: the order k - r level
    let mut buf = [[0.0; WIN]; 2];
    let mut saved = [[0.0; WIN]; 4];
    buf[0][0] = 1.0;
    let mut c = 0;
    for p in 0..=k {
        if p > 0 {
            let (x0, x1) = buf.split_at_mut(1);
            let (old, new) = if c == 0 { (&x0[0], &mut x1[0]) } else { (&x1[0], &mut x0[0]) };
            bspline::level(t, i, p, x, false, old, new);
            c = 1 - c;
        }
        if k - p <= nd {
            saved[k - p][..=p].copy_from_slice(&buf[c][..=p]);
        }
    }
    for r in 0..=nd.min(k) {
        let mut c = 0;
        buf[0][..=k - r].copy_from_slice(&saved[r][..=k - r]);
        for p in k - r + 1..=k {
            let (x0, x1) = buf.split_at_mut(1);
            let (old, new) = if c == 0 { (&x0[0], &mut x1[0]) } else { (&x1[0], &mut x0[0]) };
            bspline::level(t, i, p, x, true, old, new);
            c = 1 - c;
        }
        bw[r * WIN..r * WIN + k + 1].copy_from_slice(&buf[c][..=k]);
    }
    for r in k + 1..=nd {
        bw[r * WIN..r * WIN + k + 1].iter_mut().for_each(|v| *v = 0.0);
    }
    Some(i as isize - k as isize)
}

/// `d/da [c a^r f^(r)(a x + b)] = c (r a^(r-1) f^(r) + a^r x f^(r+1))`.
fn c_a_prime(c: f64, a: f64, r: usize, fr: f64, fr1: f64, x: f64) -> f64 {
    let ar = a.powi(r as i32);
    let dar = if r == 0 { 0.0 } else { r as f64 * a.powi(r as i32 - 1) };
    c * (dar * fr + ar * x * fr1)
}

/// `f, f', f'', f'''` of symbolic function `id` at `u`.
fn sym_derivs(id: u16, u: f64) -> [f64; 4] {
    let (f, f1) = symbolic::eval::<f64>(id, u);
    let (f2, f3) = symbolic::higher(id, u);
    [f, f1, f2, f3]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autodiff::Tensor;
    use crate::model::ModelConfig;
    use crate::rng::Rng;

    /// A model with spline edges, multiplication nodes (of arity 3 and 2) and symbolic edges
    /// in both layers, its parameters moved off their initial values.
    fn model() -> Model<f64> {
        let cfg = ModelConfig { width: vec![(2, 0), (2, 2), (2, 0)], grid: vec![5], mult_arity: vec![3, 2], ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let mut r = Rng::new(7);
        for v in m.params.iter_mut() {
            *v += 0.3 * (r.uniform() - 0.5);
        }
        m.fix_symbolic(0, 1, 2, symbolic::lookup("sin").unwrap(), false, (-1.0, 1.0), (-1.0, 1.0), None).unwrap();
        m.fix_symbolic(1, 2, 0, symbolic::lookup("x^2").unwrap(), false, (-1.0, 1.0), (-1.0, 1.0), None).unwrap();
        let l0 = &m.layers[0];
        let a = l0.aff_off() + 4 * (l0.n_out + 2);
        m.params[a..a + 4].copy_from_slice(&[1.3, 0.2, 0.7, -0.1]);
        m
    }

    /// Points inside the grid, and outside it on either side; none on a knot (-0.2 is one of
    /// grid 5's), where the third derivative jumps and central differences of the second
    /// are off by O(h): with the arity-3 node, 3e-4 at (-0.2, -1.61) for h = 1e-4.
    fn points() -> Vec<[f64; 2]> {
        vec![[0.31, -0.47], [-0.83, 0.66], [1.37, 0.12], [-0.23, -1.61], [2.4, -2.2]]
    }

    #[test]
    fn derivatives_match_central_differences_of_predict() {
        let m = model();
        let (net, p) = JetNet::of(&m, 2);
        let f = |x: [f64; 2]| m.predict(&Tensor::from_vec(1, 2, x.to_vec())).data.clone();
        for x in points() {
            let (mut g, mut hs) = (vec![0.0; 4], vec![0.0; 8]);
            net.derivatives(&p, &x, &mut g, Some(&mut hs));
            let mut w = net.work();
            net.forward_one(&p, &x, &mut w);
            let y = f(x);
            for o in 0..2 {
                assert!((w.acts[2][o * 7] - y[o]).abs() <= 1e-12 * (1.0 + y[o].abs()), "value at {x:?}");
            }
            let h = 1e-5;
            for a in 0..2 {
                let (mut xp, mut xm) = (x, x);
                xp[a] += h;
                xm[a] -= h;
                let (yp, ym) = (f(xp), f(xm));
                for o in 0..2 {
                    let fd = (yp[o] - ym[o]) / (2.0 * h);
                    let e = g[o * 2 + a];
                    assert!((fd - e).abs() <= 1e-6 * (1.0 + e.abs()), "dy{o}/dx{a} at {x:?}: {e} vs {fd}");
                }
            }
            let h = 1e-4;
            for a in 0..2 {
                for b in 0..2 {
                    let at = |sa: f64, sb: f64| {
                        let mut z = x;
                        z[a] += sa * h;
                        z[b] += sb * h;
                        f(z)
                    };
                    let (pp, pm, mp, mm) = (at(1.0, 1.0), at(1.0, -1.0), at(-1.0, 1.0), at(-1.0, -1.0));
                    for o in 0..2 {
                        let fd = (pp[o] - pm[o] - mp[o] + mm[o]) / (4.0 * h * h);
                        let e = hs[o * 4 + a * 2 + b];
                        assert!((fd - e).abs() <= 1e-4 * (1.0 + e.abs()), "d2y{o}/dx{a}dx{b} at {x:?}: {e} vs {fd}");
                    }
                }
            }
        }
    }

    #[test]
    fn reverse_mode_matches_finite_differences_of_the_jets() {
        let m = model();
        for order in 0..=2 {
            let (net, p) = JetNet::of(&m, order);
            let j = net.jet();
            let mut r = Rng::new(3 + order as u64);
            let wts: Vec<f64> = (0..2 * j).map(|_| r.uniform() - 0.5).collect();
            // L = sum over samples of wts . (output jets)
            let loss = |p: &[f64]| -> f64 {
                let mut w = net.work();
                points()
                    .iter()
                    .map(|x| {
                        net.forward_one(p, x, &mut w);
                        w.acts[2].iter().zip(&wts).map(|(a, b)| a * b).sum::<f64>()
                    })
                    .sum()
            };
            let mut g = vec![0.0; p.len()];
            let mut w = net.work();
            for x in points() {
                net.forward_one(&p, &x, &mut w);
                net.backward_one(&p, &wts, &mut w, &mut g);
            }
            let mut q = p.clone();
            for i in 0..p.len() {
                let h = 1e-6 * (1.0 + p[i].abs());
                q[i] = p[i] + h;
                let lp = loss(&q);
                q[i] = p[i] - h;
                let lm = loss(&q);
                q[i] = p[i];
                let fd = (lp - lm) / (2.0 * h);
                assert!((fd - g[i]).abs() <= 1e-6 * (1.0 + fd.abs()), "order {order}, param {i}: {} vs {fd}", g[i]);
            }
        }
    }
}
