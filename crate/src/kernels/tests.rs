use super::parity::CHECKS;
use super::*;
use crate::bspline;

#[test]
fn dot_and_axpy_by_hand() {
    let a: Vec<f32> = (0..11).map(|i| i as f32).collect();
    let b: Vec<f32> = (0..11).map(|i| (i % 3) as f32).collect();
    let want: f32 = (0..11).map(|i| (i * (i % 3)) as f32).sum();
    assert_eq!(dot_f32(&a, &b), want);
    let mut y = vec![1.0f64; 5];
    axpy_f64(2.0, &[1.0, 2.0, 3.0, 4.0, 5.0], &mut y);
    assert_eq!(y, vec![3.0, 5.0, 7.0, 9.0, 11.0]);
}

#[test]
fn cubic4_matches_the_general_recursion() {
    // G = 6 intervals on [-1, 1] with 3 knots beyond each end: 13 knots, 9 bases
    let t: Vec<f64> = bspline::uniform_knots(6, 3, -1.0, 1.0);
    let (t0, inv_h) = (t[0], 3.0);
    let x = [-0.99, -0.2, 0.31, 0.98];
    let (mut val, mut der) = ([0.0; 16], [0.0; 16]);
    let first = <f64 as Real>::cubic4(&x, t0, inv_h, t.len(), &mut val, Some(&mut der)).unwrap();
    for s in 0..4 {
        let (mut v, mut d) = ([0.0; 4], [0.0; 4]);
        let st = bspline::eval_with_deriv(&t, 3, x[s], &mut v, &mut d).unwrap();
        assert_eq!(first[s] as isize, st);
        for r in 0..4 {
            assert!((val[4 * s + r] - v[r]).abs() < 1e-14 && (der[4 * s + r] - d[r]).abs() < 1e-12, "sample {s} basis {r}");
        }
    }
    // a window past the last basis: declined, for the caller's sample-by-sample path
    assert_eq!(<f64 as Real>::cubic4(&[0.0, 0.0, 0.0, 1.0], t0, inv_h, t.len(), &mut val, None), None);
}

#[test]
fn every_kernel_agrees_with_its_twin() {
    for (name, check) in CHECKS {
        check().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_parity_checks_notice_a_wrong_kernel() {
    // an off-by-one-lane dot, and an axpy whose last element is skipped
    let dot: fn(&[f64], &[f64]) -> f64 = |a, b| scalar::dot_f64(&a[a.len().min(1)..], &b[b.len().min(1)..]);
    assert!(parity::dot::<f64>(dot, scalar::dot_f64).is_err());
    let axpy: fn(f64, &[f64], &mut [f64]) = |al, x, y| scalar::axpy_f64(al, &x[..x.len().saturating_sub(1)], y);
    assert!(parity::axpy::<f64>(axpy, scalar::axpy_f64).is_err());
    let dx: parity::Dx<f32> = |g, db, wb, d, w| scalar::dx_window_f32(g, db, wb, d, w) * 1.0001;
    assert!(parity::dx_window::<f32>(dx, scalar::dx_window_f32).is_err());
}
