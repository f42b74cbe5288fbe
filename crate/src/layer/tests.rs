use super::*;
use crate::autodiff::tests::gradcheck;
use crate::autodiff::{silu, Axis, Tape};
use crate::rng::Rng;

fn setup(base: Base, with_sym: bool) -> (Layer<f64>, Vec<f64>) {
    setup_k(base, with_sym, 3)
}

fn setup_k(base: Base, with_sym: bool, k: usize) -> (Layer<f64>, Vec<f64>) {
    let mut l: Layer<f64> = Layer::new(3, 4, 5, k, -1.0, 1.0, base, 15);
    l.mask[5] = 0.0;
    if with_sym {
        l.sym[2] = symbolic::lookup("sin").unwrap();
        l.sym[7] = symbolic::lookup("x^2").unwrap();
    }
    let mut r = Rng::new(4);
    let p: Vec<f64> = (0..l.end() + 6 * 3).map(|_| r.uniform() * 2.0 - 1.0).collect();
    (l, p)
}

#[test]
fn forward_matches_dense_definition() {
    let (l, p) = setup(Base::Silu, true);
    let x = Tensor::from_vec(2, 3, vec![0.3, -0.7, 1.4, -1.9, 0.05, 0.6]);
    let y = l.forward(&x, &p);
    let nb = l.nb();
    let mut row = vec![0.0; nb];
    for s in 0..2 {
        for o in 0..4 {
            let mut want = 0.0;
            for i in 0..3 {
                let xv = x.at(s, i);
                let e = i * 4 + o;
                bspline::basis_dense(l.knots_of(i), 3, &[xv], 0, &mut row);
                let spl: f64 = (0..nb).map(|j| row[j] * p[l.coef_off() + (i * nb + j) * 4 + o]).sum();
                want += l.mask[e] * (p[l.sb_off() + e] * silu(xv) + p[l.sp_off() + e] * spl);
                if l.sym[e] != 0 {
                    let a = &p[l.aff_off() + e * 4..l.aff_off() + e * 4 + 4];
                    want += a[2] * symbolic::eval(l.sym[e], a[0] * xv + a[1]).0 + a[3];
                }
            }
            assert!((y.at(s, o) - want).abs() < 1e-12);
        }
    }
}

#[test]
fn forward_matches_dense_definition_past_the_grid_ends() {
    // windows that run past either end of the basis (or lie wholly outside the knots)
    // are moved inside with zero values for the bases that do not exist: on uniform
    // knots and on uneven ones (as after a grid update), for cubic and other orders
    for (k, uneven) in [(3, false), (3, true), (2, true), (1, false)] {
        let (ni, no, g) = (2, 6, 4);
        let mut l: Layer<f64> = Layer::new(ni, no, g, k, -1.0, 1.0, Base::Silu, 0);
        if uneven {
            let nt = l.nt();
            let t: Vec<f64> = (0..nt).map(|j| -1.6 + 3.2 * (j as f64 / (nt - 1) as f64).powf(1.3)).collect();
            for i in 0..ni {
                l.knots[i * nt..(i + 1) * nt].copy_from_slice(&t);
            }
        }
        let mut r = Rng::new(11);
        let p: Vec<f64> = (0..l.end()).map(|_| r.uniform() * 2.0 - 1.0).collect();
        let n = 61;
        let x = Tensor::from_vec(n, ni, (0..n * ni).map(|q| -2.6 + 5.2 * q as f64 / (n * ni - 1) as f64).collect());
        let y = l.forward(&x, &p);
        let nb = l.nb();
        let mut row = vec![0.0; nb];
        for s in 0..n {
            for o in 0..no {
                let mut want = 0.0;
                for i in 0..ni {
                    let (xv, e) = (x.at(s, i), i * no + o);
                    bspline::basis_dense(l.knots_of(i), k, &[xv], 0, &mut row);
                    let spl: f64 = (0..nb).map(|j| row[j] * p[l.coef_off() + (i * nb + j) * no + o]).sum();
                    want += p[l.sb_off() + e] * silu(xv) + p[l.sp_off() + e] * spl;
                }
                assert!((y.at(s, o) - want).abs() < 1e-12, "k {k}, uneven {uneven}, x {:?}: {} vs {want}", (x.at(s, 0), x.at(s, 1)), y.at(s, o));
            }
        }
    }
}

#[test]
fn grouped_weight_gradients_match_per_sample_ones() {
    // the data layer's path (no d/dx: samples grouped by window) against the path that
    // also takes d/dx (one sample at a time, checked by gradcheck below)
    let mut l: Layer<f64> = Layer::new(3, 6, 4, 3, -1.0, 1.0, Base::Silu, 0);
    l.sym[4] = symbolic::lookup("sin").unwrap();
    let mut r = Rng::new(9);
    let p: Vec<f64> = (0..l.end()).map(|_| r.uniform() * 2.0 - 1.0).collect();
    let n = 41;
    // inputs spread past both ends of the grid, so some samples fall outside
    let x = Tensor::from_vec(n, 3, (0..n * 3).map(|_| r.uniform() * 2.6 - 1.3).collect());
    let gy = Tensor::from_vec(n, 6, (0..n * 6).map(|_| r.uniform() - 0.5).collect());
    let c = l.basis_cache_with(&x, true);
    for exclusive in [false, true] {
        let mut gx = vec![0.0; n * 3];
        let (mut grouped, mut single) = (vec![0.0; l.end()], vec![0.0; l.end()]);
        l.backward_cached(&x, &p, &gy, &mut gx, &mut grouped, &c, false, exclusive);
        l.backward_cached(&x, &p, &gy, &mut gx, &mut single, &c, true, exclusive);
        for (j, (a, b)) in grouped.iter().zip(&single).enumerate() {
            assert!((a - b).abs() <= 1e-13 * a.abs().max(1.0), "param {j}: {a} vs {b}");
        }
    }
}

#[test]
fn gradcheck_layer_and_edge_scale() {
    for (base, k) in [(Base::Silu, 3), (Base::Identity, 2), (Base::Zero, 3), (Base::Silu, 9)] {
        let (l, p) = setup_k(base, true, k);
        let xo = l.end();
        gradcheck(
            &p,
            &|t: &mut Tape<'_, f64>| {
                let x = t.param(xo, 6, 3);
                let op = KanOp::new(&l);
                let cache = op.cache.clone();
                let y = t.fused(Box::new(op), vec![x]);
                let sq = t.square(y);
                let a = t.sum(sq, Axis::All);
                let e = t.fused(Box::new(EdgeScaleOp::new(&l, cache, true)), vec![x]);
                let es = t.sum(e, Axis::All);
                t.add(a, es)
            },
            // high orders: finite differences lose digits
            if k > 5 { 3e-5 } else { 1e-6 },
        );
    }
}
