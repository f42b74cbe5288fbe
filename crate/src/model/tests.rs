use super::*;

pub(super) fn dataset(n: usize, seed: u64) -> Data<f64> {
    let mut r = Rng::new(seed);
    let x: Vec<f64> = (0..2 * n).map(|_| r.uniform() * 2.0 - 1.0).collect();
    let y: Vec<f64> = (0..n).map(|s| ((std::f64::consts::PI * x[2 * s]).sin() + x[2 * s + 1].powi(2)).exp()).collect();
    Data { x: Tensor::from_vec(n, 2, x), y: Tensor::from_vec(n, 1, y) }
}

#[test]
fn a_diverging_adam_fit_goes_back_to_the_last_finite_step() {
    // Adam reports the loss before its step: the step whose update overflows is seen only
    // at the next one, which must return to that step's starting point
    let cfg = ModelConfig { width: vec![(2, 0), (3, 0), (1, 0)], ..Default::default() };
    let mut m: Model<f64> = Model::new(&cfg).unwrap();
    let d = dataset(64, 3);
    let fc = FitConfig { opt: Opt::Adam, lr: 1e300, update_grid: false, ..Default::default() };
    m.fit_begin(d.clone(), None, fc).unwrap();
    let before = m.params.clone();
    let first = m.fit_step().expect("the first loss is measured before any step");
    assert!(first.train.is_finite());
    let err = m.fit_step().expect_err("the second loss is not finite");
    assert_eq!(err.code, crate::error::NUMERIC);
    assert!(err.msg.contains("from before step 0"), "{}", err.msg);
    assert_eq!(m.params, before);
    m.fit_end();
    assert!(m.predict(&d.x).data.iter().all(|v| v.is_finite()));
}

#[test]
fn a_failed_change_leaves_the_model_as_it_was() {
    let cfg = ModelConfig { width: vec![(2, 0), (3, 0), (1, 0)], ..Default::default() };
    let mut m: Model<f64> = Model::new(&cfg).unwrap();
    let (params, knots) = (m.params.clone(), m.layers[0].knots.clone());
    let r: Res<()> = m.changing(|m| {
        m.params.iter_mut().for_each(|v| *v += 1.0);
        m.layers[0].knots.clear();
        assert!(m.undo.is_some(), "the state before the change is kept while it runs");
        Err(Failure::invalid("stop"))
    });
    assert!(r.is_err() && m.undo.is_none());
    assert_eq!((m.params.clone(), m.layers[0].knots.clone()), (params, knots));
    m.changing(|m| {
        m.params[0] = 7.0;
        Ok(())
    })
    .unwrap();
    assert_eq!(m.params[0], 7.0);
}

#[test]
fn a_kept_first_layer_cache_gives_the_same_bits() {
    // inputs past the grid (moved windows), with and without the regulariser (whose
    // edge scales share the cache), over several parameter vectors on one cache
    let cfg = ModelConfig { width: vec![(2, 0), (4, 0), (1, 0)], grid: vec![5], ..Default::default() };
    let m: Model<f64> = Model::new(&cfg).unwrap();
    let mut d = dataset(45, 5);
    d.x.data.iter_mut().for_each(|v| *v *= 1.3);
    for lamb in [0.0, 0.01] {
        let fc = FitConfig { lamb, ..Default::default() };
        let kept = SharedCache::default();
        let mut r = Rng::new(4);
        for _ in 0..3 {
            let p: Vec<f64> = m.params.iter().map(|v| v + 0.2 * (r.uniform() - 0.5)).collect();
            let (f0, g0, ..) = m.objective(&p, &d, &fc, None);
            let (f1, g1, ..) = m.objective(&p, &d, &fc, Some(&kept));
            assert_eq!(f0.to_bits(), f1.to_bits(), "lamb {lamb}");
            assert!(g0.iter().zip(&g1).all(|(a, b)| a.to_bits() == b.to_bits()), "lamb {lamb}");
            let c = kept.borrow();
            let c = c.as_ref().expect("the kept cache is filled");
            assert!(c.keep && !c.moved.is_empty());
        }
    }
}

#[test]
fn objective_gradient_with_regulariser_and_mult_nodes() {
    // the regulariser of the layers after the first folds into their backward (one output
    // after a mult node's inputs, two outputs): see also `folded_regulariser_matches_its_own_passes`
    for width in [vec![(2, 0), (2, 1), (1, 0)], vec![(2, 0), (3, 0), (2, 0)]] {
        let (m, d, fc, p) = regularised_case(&width, 4, 20, (3, 2), 0.1);
        objective_matches_central_differences(&m, &p, &d, &fc, 7, &format!("{width:?}"));
    }
}

#[test]
fn folded_regulariser_matches_its_own_passes() {
    // A fit's objective folds the regulariser of layers of one or two outputs (not the
    // data's) into their backward; `regulariser` alone takes the sums over the batch and
    // passes of its own, as physics fits use it.
    for width in [vec![(2, 0), (3, 0), (2, 0)], vec![(2, 0), (4, 0), (1, 0)], vec![(2, 0), (2, 1), (1, 0)]] {
        let (m, d, fc, p) = regularised_case(&width, 5, 60, (8, 3), 0.2);
        let (_, g, _, reg) = m.objective(&p, &d, &fc, None);
        let (_, mut want, _, _) = m.objective(&p, &d, &FitConfig { lamb: 0.0, ..fc.clone() }, None);
        let reg2 = m.regulariser(&p, &d.x, (fc.lamb, fc.lamb_l1, fc.lamb_entropy), Some(&mut want));
        assert!((reg - reg2).abs() <= 1e-12 * reg.abs(), "{width:?}: regulariser {reg} against {reg2}");
        let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (i, (a, b)) in g.iter().zip(&want).enumerate() {
            assert!((a - b).abs() <= 1e-11 * scale, "{width:?} param {i}: {a} against {b}");
        }
    }
}

/// A model of `width` on grid `g`, `n` samples with one target per output (the dataset's
/// times 1, 2, ...), lamb 0.3, and its parameters moved by up to `jitter / 2`; `seeds` are
/// the data's and the move's.
fn regularised_case(width: &[(usize, usize)], g: usize, n: usize, seeds: (u64, u64), jitter: f64) -> (Model<f64>, Data<f64>, FitConfig, Vec<f64>) {
    let cfg = ModelConfig { width: width.to_vec(), grid: vec![g], ..Default::default() };
    let m: Model<f64> = Model::new(&cfg).unwrap();
    let mut d = dataset(n, seeds.0);
    let no = m.n_out();
    d.y = Tensor::from_vec(n, no, (0..n * no).map(|q| d.y.data[q / no] * (1 + q % no) as f64).collect());
    let mut r = Rng::new(seeds.1);
    let p: Vec<f64> = m.params.iter().map(|v| v + jitter * (r.uniform() - 0.5)).collect();
    (m, d, FitConfig { lamb: 0.3, ..Default::default() }, p)
}

/// Asserts that the objective's gradient at `p` matches central differences (step 1e-6) on
/// every `every`-th parameter.
fn objective_matches_central_differences(m: &Model<f64>, p: &[f64], d: &Data<f64>, fc: &FitConfig, every: usize, label: &str) {
    let (f0, g, _, _) = m.objective(p, d, fc, None);
    let mut q = p.to_vec();
    for i in (0..p.len()).step_by(every) {
        let h = 1e-6;
        q[i] = p[i] + h;
        let fp = m.objective(&q, d, fc, None).0;
        q[i] = p[i] - h;
        let fm = m.objective(&q, d, fc, None).0;
        q[i] = p[i];
        let fd = (fp - fm) / (2.0 * h);
        assert!((fd - g[i]).abs() <= 1e-6 * fd.abs().max(g[i].abs()).max(1e-3), "{label} param {i}: {} vs {fd} (f {f0})", g[i]);
    }
}

#[test]
fn objective_gradient_through_multiplication_nodes_of_arity_3_and_4() {
    let cfg = ModelConfig { width: vec![(3, 0), (1, 2), (1, 0)], grid: vec![3], mult_arity: vec![3, 4], ..Default::default() };
    let m: Model<f64> = Model::new(&cfg).unwrap();
    assert_eq!((m.layers[0].n_out, m.layers[1].n_in), (1 + 3 + 4, 3));
    let mut r = Rng::new(5);
    let x = Tensor::from_vec(16, 3, (0..48).map(|_| r.uniform() * 2.0 - 1.0).collect());
    let y = Tensor::from_vec(16, 1, (0..16).map(|_| r.uniform()).collect());
    let d = Data { x, y };
    let fc = FitConfig::default();
    let p: Vec<f64> = m.params.iter().map(|v| v + 0.1 * (r.uniform() - 0.5)).collect();
    objective_matches_central_differences(&m, &p, &d, &fc, 3, "arity 3 and 4");
    // the node multiplies its three subnodes: predict against the layer's own outputs
    let xs = Tensor::from_vec(1, 3, vec![0.3, -0.5, 0.7]);
    let sub = m.layers[0].forward(&xs, &m.params);
    let acts = m.activations(&xs);
    let prod3 = sub.data[1] * sub.data[2] * sub.data[3];
    let prod4 = sub.data[4] * sub.data[5] * sub.data[6] * sub.data[7];
    assert_eq!(acts[1].data, vec![sub.data[0], prod3, prod4]);
    assert!(Model::<f64>::new(&ModelConfig { mult_arity: vec![2], ..cfg.clone() }).is_err(), "one arity for two nodes");
    assert!(Model::<f64>::new(&ModelConfig { mult_arity: vec![1, 2], ..cfg }).is_err(), "arity 1");
}

#[test]
fn hellokan_path_reaches_pykan_accuracy() {
    let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![3], seed: 42, ..Default::default() };
    let mut m: Model<f64> = Model::new(&cfg).unwrap();
    let (train, test) = (dataset(1000, 1), dataset(1000, 2));
    m.fit_begin(train.clone(), Some(test.clone()), FitConfig { lamb: 1e-3, ..Default::default() }).unwrap();
    let mut last = None;
    let t0 = std::time::Instant::now();
    for _ in 0..50 {
        last = Some(m.fit_step().unwrap());
    }
    eprintln!("50 steps in {:?}", t0.elapsed());
    m.fit_end();
    let r = last.unwrap();
    eprintln!("grid 3: train {:.3e} test {:.3e} reg {:.3e}", r.train, r.test, r.reg);
    assert!(r.test <= 3e-2, "{r:?}");
    let mut m2 = m.refine(10).unwrap();
    let before = m2.metric(&test, Loss::Mse);
    eprintln!("refined to 10: test {before:.3e}");
    m2.fit_begin(train, Some(test), FitConfig::default()).unwrap();
    for _ in 0..50 {
        last = Some(m2.fit_step().unwrap());
    }
    let r = last.unwrap();
    eprintln!("grid 10: train {:.3e} test {:.3e}", r.train, r.test);
    assert!(r.test <= 1e-3, "{r:?}");
}

mod interpret {
    use super::dataset as ds;
    use super::*;
    use crate::symbolic::{lookup, LIB};

    fn run(m: &mut Model<f64>, train: &Data<f64>, test: &Data<f64>, steps: usize, cfg: FitConfig) -> StepReport {
        m.fit_begin(train.clone(), Some(test.clone()), cfg).unwrap();
        let mut last = None;
        for _ in 0..steps {
            last = Some(m.fit_step().unwrap());
        }
        m.fit_end();
        last.unwrap()
    }

    /// The model's outputs on `x` and the sum, per sample, of the edges of layer `l` leaving
    /// the inputs `gone` into output `o` (symbolic parts included).
    fn outputs_and_removed(m: &Model<f64>, x: &Tensor<f64>, l: usize, gone: &[usize], o: usize) -> (Vec<f64>, Vec<f64>) {
        let acts = m.activations(x);
        let ly = &m.layers[l];
        let mut buf = vec![0.0; ly.n_out];
        let removed = (0..x.rows)
            .map(|s| {
                gone.iter()
                    .map(|&i| {
                        ly.edge_values(i, acts[l].data[s * ly.n_in + i], &m.params, true, &mut buf);
                        buf[o]
                    })
                    .sum()
            })
            .collect();
        (m.predict(x).data.clone(), removed)
    }

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    #[test]
    fn pruned_nodes_leave_their_means_in_the_bias() {
        let (train, test) = (ds(200, 1), ds(200, 2));
        let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![3], seed: 42, ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        run(&mut m, &train, &test, 10, FitConfig { lamb: 1e-3, ..Default::default() });
        let x = m.cache.clone().unwrap();
        // a threshold above every score keeps the best hidden node only; no edge is masked
        let sc = m.attribute(&x);
        let best = (0..5).max_by(|&a, &b| sc.nodes[1][a].total_cmp(&sc.nodes[1][b])).unwrap();
        let gone: Vec<usize> = (0..5).filter(|&q| q != best).collect();
        let (y0, removed) = outputs_and_removed(&m, &x, 1, &gone, 0);
        let p = m.prune(f64::MAX, -1.0, &x).unwrap();
        assert_eq!(p.cfg.width[1], (1, 0));
        assert!(mean(&removed).abs() > 1e-2, "the removed nodes have a mean to lose: {}", mean(&removed));
        // the output loses the removed edges' deviations from their mean, nothing else
        let (y1, mr) = (p.predict(&x).data.clone(), mean(&removed));
        for s in 0..x.rows {
            let want = y0[s] - removed[s] + mr;
            assert!((y1[s] - want).abs() <= 1e-12 * (1.0 + want.abs()), "sample {s}: {} vs {want}", y1[s]);
        }
        // the bias saves through every copy of the model
        assert_eq!(p.clone().layers[1].bias(), p.layers[1].bias());
        assert!((p.to_f64().layers[1].bias()[0] - mr).abs() < 1e-12);
    }

    #[test]
    fn masked_edges_and_pruned_inputs_leave_their_means_in_the_bias() {
        let (train, test) = (ds(200, 3), ds(200, 4));
        let cfg = ModelConfig { width: vec![(2, 0), (1, 0)], grid: vec![5], seed: 7, ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        run(&mut m, &train, &test, 10, FitConfig::default());
        let x = m.cache.clone().unwrap();
        let y0 = m.predict(&x).data.clone();
        // every edge masked: a single layer then outputs the mean of its outputs before
        let p = m.prune(-1.0, f64::MAX, &x).unwrap();
        assert!(p.layers[0].mask[..2].iter().all(|&v| v == 0.0));
        let y1 = p.predict(&x).data.clone();
        assert!(y1.iter().all(|&v| (v - mean(&y0)).abs() < 1e-12), "{} vs {}", y1[0], mean(&y0));
        // pruning inputs: the best input stays, the other leaves its mean
        let (q, kept) = m.prune_inputs(f64::MAX, &x).unwrap();
        let gone: Vec<usize> = (0..2).filter(|i| !kept.contains(i)).collect();
        let (_, removed) = outputs_and_removed(&m, &x, 0, &gone, 0);
        assert!(mean(&removed).abs() > 1e-2, "{}", mean(&removed));
        let xq = Tensor::from_vec(x.rows, 1, (0..x.rows).map(|s| x.data[s * 2 + kept[0]]).collect());
        let y2 = q.predict(&xq).data.clone();
        for s in 0..x.rows {
            let want = y0[s] - removed[s] + mean(&removed);
            assert!((y2[s] - want).abs() <= 1e-12 * (1.0 + want.abs()), "sample {s}: {} vs {want}", y2[s]);
        }
    }

    #[test]
    fn hellokan_to_formula() {
        let (train, test) = (ds(1000, 1), ds(1000, 2));
        let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![3], seed: 42, ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let r = run(&mut m, &train, &test, 50, FitConfig { lamb: 1e-3, ..Default::default() });
        eprintln!("g3 {:.2e}", r.test);
        let x = m.cache.clone().unwrap();
        let sc = m.attribute(&x);
        eprintln!("node scores {:?}", sc.nodes);
        let before = m.metric(&test, Loss::Mse);
        let mut p = m.prune(1e-2, 3e-2, &x).unwrap();
        let after = p.metric(&test, Loss::Mse);
        eprintln!("pruned width {:?}, test RMSE {before:.3e} -> {after:.3e}", p.cfg.width);
        // the removed nodes' constants stay in the biases: without them the RMSE was about 1
        assert!(p.cfg.width[1].0 < 5 && after < 2.0 * before.max(1e-2), "{before} -> {after}");
        let r = run(&mut p, &train, &test, 50, FitConfig::default());
        eprintln!("pruned fit {:.2e}", r.test);
        let mut f = p.refine(10).unwrap();
        let r = run(&mut f, &train, &test, 50, FitConfig::default());
        eprintln!("g10 {:.2e}", r.test);
        let lib: Vec<(u16, f64)> = ["x", "x^2", "x^3", "x^4", "exp", "log", "sqrt", "tanh", "sin", "abs"]
            .iter()
            .map(|n| (lookup(n).unwrap(), LIB[lookup(n).unwrap() as usize - 1].1 as f64))
            .collect();
        let x = f.cache.clone().unwrap();
        let t0 = std::time::Instant::now();
        let done = f.auto_symbolic(&lib, 0.0, 0.8, (-10.0, 10.0), (-10.0, 10.0), &x).unwrap();
        eprintln!("auto {:?} in {:?}", done.iter().map(|d| (d.0, d.1, d.2, LIB[d.3 as usize - 1].0, d.4)).collect::<Vec<_>>(), t0.elapsed());
        let r = run(&mut f, &train, &test, 50, FitConfig::default());
        eprintln!("symbolic {:.2e}", r.test);
        for (l, ly) in f.layers.iter().enumerate() {
            eprintln!("layer {l} aff {:?}", &f.params[ly.aff_off()..ly.end()]);
        }
        assert!(r.test < 1e-8, "{r:?}");
    }
}

mod perf {
    use super::*;
    #[test]
    #[ignore]
    fn breakdown() {
        for (w, g, n) in
            [(vec![(784usize, 0usize), (64, 0), (10, 0)], 5usize, 256usize), (vec![(100, 0), (100, 0)], 100, 512), (vec![(100, 0), (100, 0)], 5, 512)]
        {
            let cfg = ModelConfig { width: w.clone(), grid: vec![g], ..Default::default() };
            let m: Model<f32> = Model::new(&cfg).unwrap();
            let mut r = Rng::new(1);
            let ni = w[0].0;
            let x = Tensor::from_vec(n, ni, (0..n * ni).map(|_| (r.uniform() * 2.0 - 1.0) as f32).collect());
            let l0 = &m.layers[0];
            let reps = 5;
            let t = std::time::Instant::now();
            for _ in 0..reps {
                std::hint::black_box(l0.basis_cache(&x));
            }
            let tc = t.elapsed() / reps;
            let c = l0.basis_cache(&x);
            let t = std::time::Instant::now();
            let mut y = Tensor::zeros(1, 1);
            for _ in 0..reps {
                y = l0.forward_cached(&x, &m.params, &c);
            }
            let tf = t.elapsed() / reps;
            let mut gx = vec![0.0f32; n * ni];
            let mut pg = vec![0.0f32; m.params.len()];
            let t = std::time::Instant::now();
            for _ in 0..reps {
                l0.backward_cached(&x, &m.params, &y, &mut gx, &mut pg, &c, false, false);
            }
            let tb = t.elapsed() / reps;
            let y = Tensor::from_vec(n, m.n_out(), vec![0.0; n * m.n_out()]);
            let d = Data { x: x.clone(), y };
            let fc = FitConfig::default();
            let t = std::time::Instant::now();
            for _ in 0..reps {
                std::hint::black_box(m.objective(&m.params, &d, &fc, None));
            }
            let to = t.elapsed() / reps;
            let flops = 2.0 * 4.0 * (l0.n_in * l0.n_out * n) as f64;
            eprintln!("{w:?} G{g} n{n}: cache {tc:?} fwd {tf:?} ({:.2} GF/s) bwd {tb:?} objective {to:?}", flops / tf.as_secs_f64() / 1e9);
        }
    }

    /// What the hidden layer's basis costs per evaluation of hellokan's [2,5,1] (uneven knots).
    #[test]
    #[ignore]
    fn hidden_basis_cost() {
        let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![3], seed: 42, ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let d = dataset(1000, 1);
        m.update_grid(&d.x).unwrap();
        let h = m.activations(&d.x)[1].clone();
        let l1 = &m.layers[1];
        let reps = 4000;
        for with_der in [true, false, true] {
            let t = std::time::Instant::now();
            for _ in 0..reps {
                std::hint::black_box(l1.basis_cache_with(&h, with_der));
            }
            eprintln!("der {with_der}: {:?} per basis cache of 5 x 1000", t.elapsed() / reps);
        }
    }

    /// The regulariser's share of an evaluation on hellokan's [2,5,1] over 1000 samples,
    /// after a grid update (uneven knots), with the first layer's cache kept as a fit keeps it.
    #[test]
    #[ignore]
    fn regulariser_cost() {
        let cfg = ModelConfig { width: vec![(2, 0), (5, 0), (1, 0)], grid: vec![3], seed: 42, ..Default::default() };
        let mut m: Model<f64> = Model::new(&cfg).unwrap();
        let d = dataset(1000, 1);
        m.update_grid(&d.x).unwrap();
        for lamb in [0.0, 1e-3, 0.0, 1e-3] {
            let fc = FitConfig { lamb, ..Default::default() };
            let kept = SharedCache::default();
            let reps = 400;
            let t = std::time::Instant::now();
            for _ in 0..reps {
                std::hint::black_box(m.objective(&m.params, &d, &fc, Some(&kept)));
            }
            eprintln!("lamb {lamb}: {:?} per evaluation", t.elapsed() / reps);
        }
    }
}

#[test]
fn a_symbolic_edge_is_set_well_scaled_and_trains_to_the_exact_formula() {
    // y = x^2 + exp(-w) on a 12 x 12 grid, with the (a, b, c, d) the symbolic search found
    // for a [2, 1, 1] model fitted to 115 of its rows: a and b at the search range's ends
    // (9.9e-6 * exp(10 - w), 0.0022 * (-10 x)^2, -0.46 * (-10 h + 3.4)), where LBFGS stalled
    // at RMSE 9.7e-7 for good
    use crate::symbolic::lookup;
    let cfg = ModelConfig { width: vec![(2, 0), (1, 0), (1, 0)], grid: vec![5], ..Default::default() };
    let mut m: Model<f64> = Model::new(&cfg).unwrap();
    let (mut xs, mut ys) = (vec![], vec![]);
    for i in 0..12 {
        for j in 0..12 {
            let (w, x) = (-1.0 + 2.0 * i as f64 / 11.0, -1.0 + 2.0 * j as f64 / 11.0);
            xs.extend([w, x]);
            ys.push(x * x + (-w).exp());
        }
    }
    let d = Data { x: Tensor::from_vec(144, 2, xs), y: Tensor::from_vec(144, 1, ys) };
    let found = [
        (0, 0, "exp", [-0.9999972672789523, 10.0, 9.937562748560289e-6, -0.6108803978316351]),
        (0, 1, "x^2", [-10.00000000000346, -6.616756710218465e-6, 0.0021888866459157897, -0.38929200677331527]),
        (1, 0, "x", [-10.000000011109082, 3.4000000111135433, -0.45685333479175727, 6.122619306298042]),
    ];
    let mut raw = m.clone();
    for &(l, i, name, aff) in &found {
        let id = lookup(name).unwrap();
        m.set_symbolic(l, i, 0, id, aff);
        raw.fix_symbolic(l, i, 0, id, false, (-10.0, 10.0), (-10.0, 10.0), None).unwrap();
        let a = raw.layers[l].aff_off() + i * 4;
        raw.params[a..a + 4].copy_from_slice(&aff);
        let a = m.layers[l].aff_off() + i * 4;
        assert!(m.params[a..a + 2].iter().all(|v| v.abs() <= 1.0), "{name}: {:?}", &m.params[a..a + 4]);
    }
    // the same functions
    let (p, q) = (m.predict(&d.x), raw.predict(&d.x));
    assert!(p.data.iter().zip(&q.data).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs()));
    let rmse0 = m.metric(&d, Loss::Mse);
    assert!(rmse0 > 1e-7 && rmse0 < 1e-6, "{rmse0}");
    m.fit_begin(d.clone(), None, FitConfig { update_grid: false, ..Default::default() }).unwrap();
    let last = (0..20).map(|_| m.fit_step().unwrap().train).last().unwrap();
    assert!(last < 1e-12, "RMSE {rmse0} -> {last}");
}

#[test]
fn a_well_scaled_edge_is_the_same_function_and_stays_as_it_is() {
    use crate::symbolic::{eval, lookup};
    let mut r = Rng::new(9);
    for name in ["x", "x^2", "x^3", "x^4", "x^5", "abs", "exp", "sin", "1/x"] {
        let id = lookup(name).unwrap();
        for _ in 0..20 {
            let aff: [f64; 4] = std::array::from_fn(|_| 20.0 * r.uniform() - 10.0);
            let w = super::interpret::well_scaled(id, aff);
            assert_eq!(super::interpret::well_scaled(id, w).map(f64::to_bits), w.map(f64::to_bits), "{name} {aff:?}");
            match name {
                "exp" => assert!(w[0] == aff[0] && w[1] == 0.0, "{w:?}"),
                "x" => assert!(w[0] == 1.0 && w[1] == 0.0, "{w:?}"),
                "sin" | "1/x" => assert_eq!(w, aff),
                _ => assert!(w[0] == 1.0 && (w[1] * aff[0] - aff[1]).abs() <= 1e-12, "{name} {w:?}"),
            }
            for q in 0..9 {
                let x = -1.0 + 0.25 * q as f64;
                let f = |[a, b, c, d]: [f64; 4]| c * eval(id, a * x + b).0 + d;
                let (u, v) = (f(aff), f(w));
                assert!((u - v).abs() <= 1e-12 * u.abs().max(1.0), "{name} {aff:?} at {x}: {u} vs {v}");
            }
        }
    }
}
