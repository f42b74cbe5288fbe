//! Multiplication nodes on jets (value, gradient, Hessian of `d` inputs): the product rule
//! forward and its adjoint, applied pairwise left to right for a node of any arity
//! (see [`super::derivatives`]).
//!
//! # Shapes
//! A jet is `1 + d (+ d * d)` numbers, as in [`super::derivatives`]; a node's factors are
//! `a` jets one after the other.

/// The jet `z` of a multiplication node from its factors' jets, multiplied left to right;
/// `left (J)` is scratch (the caller's: this runs on worker threads, which may not allocate).
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(super) fn node_forward(d: usize, order: usize, factors: &[f64], z: &mut [f64], left: &mut [f64]) {
    let j = z.len();
    z.copy_from_slice(&factors[..j]);
    let left = &mut left[..j];
    for f in factors[j..].chunks(j) {
        left.copy_from_slice(z);
        jet_mul(d, order, left, f, z);
    }
}

/// The factors' adjoints `fb` from the node's adjoint `zb`: back through the prefix products
/// p[t] = f0 ... ft, as z = p[a-2] f[a-1], p[a-2] = p[a-3] f[a-2], ...; `scratch ((a + 2) J)`
/// holds the prefixes and two adjoints.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(super) fn node_backward(d: usize, order: usize, factors: &[f64], zb: &[f64], fb: &mut [f64], scratch: &mut [f64]) {
    let j = zb.len();
    let a = factors.len() / j;
    let (prefix, rest) = scratch.split_at_mut(a * j);
    let (pb, left) = rest.split_at_mut(j);
    let left = &mut left[..j];
    prefix.copy_from_slice(factors);
    pb.copy_from_slice(zb);
    for t in 1..a {
        let (done, rest) = prefix.split_at_mut(t * j);
        jet_mul(d, order, &done[(t - 1) * j..], &factors[t * j..(t + 1) * j], &mut rest[..j]);
    }
    for t in (1..a).rev() {
        mult_backward(d, order, pb, &prefix[(t - 1) * j..t * j], &factors[t * j..(t + 1) * j], left, &mut fb[t * j..(t + 1) * j]);
        pb.copy_from_slice(left);
    }
    fb[..j].copy_from_slice(pb);
}

/// The jet of the product `a b` into `z`.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn jet_mul(d: usize, order: usize, a: &[f64], b: &[f64], z: &mut [f64]) {
    z[0] = a[0] * b[0];
    if order >= 1 {
        for q in 0..d {
            z[1 + q] = a[0] * b[1 + q] + b[0] * a[1 + q];
        }
        if order >= 2 {
            for q in 0..d {
                for r in 0..d {
                    let h = 1 + d + q * d + r;
                    z[h] = a[0] * b[h] + b[0] * a[h] + a[1 + q] * b[1 + r] + b[1 + q] * a[1 + r];
                }
            }
        }
    }
}

/// Adjoints of the factors `a`, `b` of a multiplication node from its adjoint `zb`.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn mult_backward(d: usize, order: usize, zb: &[f64], a: &[f64], b: &[f64], ab: &mut [f64], bb: &mut [f64]) {
    ab[0] = zb[0] * b[0];
    bb[0] = zb[0] * a[0];
    for v in ab[1..].iter_mut().chain(bb[1..].iter_mut()) {
        *v = 0.0;
    }
    if order >= 1 {
        for q in 0..d {
            ab[0] += zb[1 + q] * b[1 + q];
            bb[0] += zb[1 + q] * a[1 + q];
            ab[1 + q] += b[0] * zb[1 + q];
            bb[1 + q] += a[0] * zb[1 + q];
        }
    }
    if order >= 2 {
        for q in 0..d {
            for r in 0..d {
                let (h, ht) = (1 + d + q * d + r, 1 + d + r * d + q);
                ab[0] += zb[h] * b[h];
                bb[0] += zb[h] * a[h];
                ab[h] += b[0] * zb[h];
                bb[h] += a[0] * zb[h];
                ab[1 + q] += (zb[h] + zb[ht]) * b[1 + r];
                bb[1 + q] += (zb[h] + zb[ht]) * a[1 + r];
            }
        }
    }
}
