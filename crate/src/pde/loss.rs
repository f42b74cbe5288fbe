//! The physics-informed loss `sum_t w_t mean_s r_t(s)^2` and its gradient, on the threads of
//! crate::par. Each term's points go in chunks whose size depends on the term's point count
//! alone; a chunk sums its squared residuals, and its gradient from zero, in buffers of its
//! own, and the chunks are added in chunk order. So the bits are the same for any number of
//! threads, and in both modules (the single-thread one runs the same chunks in a loop).

use super::Term;
use crate::model::derivatives::{spaced, JetNet, Work};
use crate::par;
use crate::symbolic::USER_BASE;
use std::ops::Range;

/// Points per chunk at least, and chunks per term at most (larger terms get larger chunks).
const CHUNK: usize = 32;
const MAX_CHUNKS: usize = 256;
/// The gradient buffers of one run of chunks at most, in numbers (32 MB).
const GRAD_BUDGET: usize = 1 << 22;

/// The chunks of a term of `n` points: (points per chunk, chunks).
fn chunks(n: usize) -> (usize, usize) {
    let size = n.div_ceil(MAX_CHUNKS).max(CHUNK);
    (size, n.div_ceil(size))
}

/// One thread's buffers for a point's passes.
struct Scratch {
    w: Work,
    /// The point's quantities and their adjoints.
    q: Vec<f64>,
    qbar: Vec<f64>,
    /// The adjoint of the output jets.
    ybar: Vec<f64>,
    /// The program's values and their adjoints.
    v: Vec<f64>,
    adj: Vec<f64>,
}

impl Scratch {
    /// For `net` and programs of at most `len` instructions.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn new(net: &JetNet, len: usize) -> Scratch {
        let ny = net.layers[net.layers.len() - 1].n_out * net.jet();
        let nq = net.d + ny;
        let zeros = |n: usize| spaced(vec![0.0; n]);
        Scratch { w: net.work(), q: zeros(nq), qbar: zeros(nq), ybar: zeros(ny), v: zeros(len), adj: zeros(len) }
    }
}

/// The loss `sum_t w_t mean(r_t^2)` at parameters `p`, with each term's `mean(r_t^2)`
/// after it; with `grad`, its gradient is added there.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn loss(net: &JetNet, p: &[f64], terms: &[Term], mut grad: Option<&mut [f64]>) -> Vec<f64> {
    let np = p.len();
    // a user's function (in an equation or on a symbolic edge) runs in the host: this thread only
    let host = terms.iter().any(|t| t.prog.calls_host()) || net.layers.iter().any(|l| l.sym.iter().any(|&s| s >= USER_BASE));
    let slots = if host { 1 } else { par::width() };
    let longest = terms.iter().map(|t| t.prog.len()).max().unwrap_or(0);
    let mut scratch: Vec<Scratch> = (0..slots).map(|_| Scratch::new(net, longest)).collect();
    let most = terms.iter().map(|t| chunks(t.n).1).max().unwrap_or(0).max(1);
    // a cache line apart, as the scratch (see `spaced`)
    let stride = np + 8;
    // chunks per run (each a buffer): eight per thread, so that the threads finish close
    // together and a thread the host holds up delays few runs; within the budget. The sums
    // do not depend on it: each number's runs in chunk order.
    let wave = match grad {
        Some(_) if slots > 1 => (8 * slots).min(GRAD_BUDGET / stride).max(slots).min(most),
        Some(_) => 1,
        None => most,
    };
    let mut bufs = vec![0.0; if grad.is_some() { wave * stride } else { 0 }];
    let mut sums = vec![0.0; most];
    let mut out = vec![0.0; terms.len() + 1];
    for (t, term) in terms.iter().enumerate() {
        let (size, nc) = chunks(term.n);
        for first in (0..nc).step_by(wave) {
            let k = wave.min(nc - first);
            let with_grad = grad.is_some();
            let (sc, bs, ss) = (par::Shared::new(&mut scratch), par::Shared::new(&mut bufs), par::Shared::new(&mut sums));
            let task = |c: usize, slot: usize| {
                // SAFETY: a slot is one thread's alone, and chunk c's buffers are its task's alone.
                let (s, g, sum) =
                    unsafe { (&mut sc.slice(slot..slot + 1)[0], with_grad.then(|| bs.slice(c * stride..c * stride + np)), ss.slice(first + c..first + c + 1)) };
                let c = first + c;
                sum[0] = chunk(net, p, term, c * size..((c + 1) * size).min(term.n), s, g);
            };
            // SAFETY: each task writes its chunk's buffers and its slot's scratch, and allocates nothing.
            unsafe { par::run(k, slots, &task) };
            // on this thread: a number per chunk and parameter, against a chunk's passes per point
            if let Some(g) = grad.as_deref_mut() {
                for b in bufs[..k * stride].chunks_exact(stride) {
                    g.iter_mut().zip(b).for_each(|(a, &b)| *a += b);
                }
            }
        }
        out[t + 1] = sums[..nc].iter().fold(0.0, |a, &b| a + b) / term.n.max(1) as f64;
        out[0] += term.weight * out[t + 1];
    }
    out
}

/// The sum of `r^2` over points `r` of `term`, in order; with `g`, their gradient written
/// there (from zero).
#[inline(never)]
fn chunk(net: &JetNet, p: &[f64], term: &Term, r: Range<usize>, s: &mut Scratch, mut g: Option<&mut [f64]>) -> f64 {
    let (d, last, len) = (net.d, net.layers.len(), term.prog.len());
    let Scratch { w, q, qbar, ybar, v, adj } = s;
    let (v, adj) = (&mut v[..len], &mut adj[..len]);
    if let Some(g) = g.as_deref_mut() {
        g.fill(0.0);
    }
    let mut sum = 0.0;
    for i in r {
        let x = &term.x[i * d..(i + 1) * d];
        net.forward_one(p, x, w);
        q[..d].copy_from_slice(x);
        q[d..].copy_from_slice(&w.acts[last]);
        let res = term.prog.eval(q, v);
        sum += res * res;
        if let Some(g) = g.as_deref_mut() {
            qbar.fill(0.0);
            term.prog.backward(v, adj, qbar);
            let scale = 2.0 * term.weight * res / term.n as f64;
            for (y, &b) in ybar.iter_mut().zip(&qbar[d..]) {
                *y = scale * b;
            }
            net.backward_one(p, ybar, w, g);
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, ModelConfig};
    use crate::pde::program::Program;
    use crate::rng::Rng;

    #[test]
    fn chunks_depend_on_the_point_count_alone_and_cover_every_point() {
        for n in [0, 1, 31, 32, 33, 100, 8191, 8192, 8193, 100_000] {
            let (size, nc) = chunks(n);
            assert!(size >= CHUNK && nc <= MAX_CHUNKS, "{n}: {size} x {nc}");
            assert!(nc * size >= n && (nc == 0 || (nc - 1) * size < n), "{n}: {size} x {nc}");
        }
    }

    /// A term of 150 points (5 chunks) on a model with a multiplication node: the chunked loss
    /// equals the sum over points taken one by one, and its gradient central differences.
    #[test]
    fn chunked_loss_matches_points_one_by_one_and_finite_differences() {
        let cfg = ModelConfig { width: vec![(2, 0), (2, 1), (1, 0)], grid: vec![4], ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let mut rng = Rng::new(11);
        m.params.iter_mut().for_each(|v| *v += 0.2 * (rng.uniform() - 0.5));
        // r = u_xx + u * u_y - x (quantities x, y, u, u_x, u_y, u_xx, u_xy, u_yx, u_yy)
        let code = [1.0, 5.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 1.0, 4.0, 0.0, 0.0, 4.0, 1.0, 2.0, 0.0, 2.0, 0.0, 3.0, 0.0, 1.0, 0.0, 0.0, 0.0, 3.0, 4.0, 5.0, 0.0];
        let prog = Program::parse(&code, 9).unwrap();
        let n = 150;
        let x: Vec<f64> = (0..2 * n).map(|_| 1.8 * rng.uniform() - 0.9).collect();
        let terms = vec![Term { x: x.clone(), n, prog: prog.clone(), weight: 0.7 }];
        let (net, p) = JetNet::of(&m, 2);
        let mut g = vec![0.0; p.len()];
        let l = loss(&net, &p, &terms, Some(&mut g));
        let mut one = 0.0;
        for s in 0..n {
            one += loss(&net, &p, &[Term { x: x[2 * s..2 * s + 2].to_vec(), n: 1, prog: prog.clone(), weight: 0.7 }], None)[1];
        }
        assert!((l[1] - one / n as f64).abs() <= 1e-13 * l[1], "{} vs {}", l[1], one / n as f64);
        assert!((l[0] - 0.7 * l[1]).abs() <= 1e-15 * l[0]);
        crate::pde::tests::matches_central_differences(&p, &g, |q| loss(&net, q, &terms, None)[0]);
        // what was in the gradient is kept: the loss adds to it
        let mut twice = g.clone();
        loss(&net, &p, &terms, Some(&mut twice));
        assert!(twice.iter().zip(&g).all(|(a, b)| (a - 2.0 * b).abs() <= 1e-12 * (1.0 + b.abs())));
    }
}
