//! Interpretability: attribution scores, pruning, and symbolic edges (suggestions,
//! fitting, and fixing every edge at once).

use super::{Model, SymbolicFix};
use crate::autodiff::Tensor;
use crate::error::{Failure, Res};
use crate::real::Real;

pub use crate::symrank::Suggestion;
use crate::symsearch::Samples;

/// Attribution scores: per node layer (`L + 1`), and per layer `(out, in)` row-major.
#[derive(Clone, Debug)]
pub struct Scores {
    pub nodes: Vec<Vec<f64>>,
    pub edges: Vec<Vec<f64>>,
    /// The means of the edges over the samples, per layer `(out, in)` (what pruning folds
    /// into the biases).
    pub means: Vec<Vec<f64>>,
}

impl<T: Real> Model<T> {
    /// The samples interpretability works on: `x`, or the inputs of the last fit.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn samples(&self, x: Option<Tensor<T>>) -> Res<Tensor<T>> {
        match x.or_else(|| self.cache.clone()) {
            Some(t) if t.rows >= 2 => Ok(t),
            _ => Err(Failure::invalid("no samples: pass an input with at least 2 rows, or fit the model first")),
        }
    }

    /// Edge and node scores computed backwards from the outputs (pykan's `attribute`):
    /// edge score = std of the edge's output x score of the (sub)node it feeds /
    /// (std of that subnode + 1e-4); node score = sum of its outgoing edge scores;
    /// scores are averaged over the outputs they are traced from.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn attribute(&self, x: &Tensor<T>) -> Scores {
        let nl = self.layers.len();
        let acts = self.activations(x);
        let mut edge_std = Vec::with_capacity(nl);
        let mut sub_std = Vec::with_capacity(nl);
        let mut means = Vec::with_capacity(nl);
        for (l, layer) in self.layers.iter().enumerate() {
            let (ni, no) = (layer.n_in, layer.n_out);
            let xin = &acts[l];
            let mut buf = vec![T::ZERO; no];
            let (mut s1, mut s2) = (vec![0.0f64; ni * no], vec![0.0f64; ni * no]);
            for s in 0..xin.rows {
                for i in 0..ni {
                    layer.edge_values(i, xin.data[s * ni + i], &self.params, true, &mut buf);
                    for o in 0..no {
                        let v = buf[o].to_f64();
                        s1[o * ni + i] += v;
                        s2[o * ni + i] += v * v;
                    }
                }
            }
            let n = xin.rows as f64;
            let std = |a: f64, b: f64| ((b - a * a / n).max(0.0) / (n - 1.0).max(1.0)).sqrt();
            edge_std.push((0..ni * no).map(|e| std(s1[e], s2[e])).collect::<Vec<_>>());
            means.push(s1.iter().map(|v| v / n).collect());
            let sub = layer.forward(xin, &self.params);
            let ss = crate::autodiff::std_rows(&sub);
            sub_std.push(ss.data.iter().map(|v| v.to_f64()).collect::<Vec<_>>());
        }
        let k_out = self.n_out();
        // s[k][q]: score of node q (of the current node layer) traced from output k
        let mut s: Vec<Vec<f64>> = (0..k_out).map(|k| (0..k_out).map(|q| if q == k { 1.0 } else { 0.0 }).collect()).collect();
        let mut nodes = vec![Vec::new(); nl + 1];
        let mut edges = vec![Vec::new(); nl];
        let mean =
            |rows: &Vec<Vec<f64>>, len: usize| -> Vec<f64> { (0..len).map(|q| rows.iter().map(|r| r[q]).sum::<f64>() / rows.len().max(1) as f64).collect() };
        nodes[nl] = mean(&s, k_out);
        for l in (0..nl).rev() {
            let layer = &self.layers[l];
            let (ni, no) = (layer.n_in, layer.n_out);
            let owner = self.cfg.subnode_owner(l + 1);
            let mut e_acc = vec![0.0; ni * no];
            let mut next = vec![vec![0.0; ni]; k_out];
            for k in 0..k_out {
                // subnode scores: a mult node passes its score to each factor
                let sub: Vec<f64> = owner.iter().map(|&q| s[k][q]).collect();
                debug_assert_eq!(no, owner.len());
                for j in 0..no {
                    for i in 0..ni {
                        let e = edge_std[l][j * ni + i] * sub[j] / (sub_std[l][j] + 1e-4);
                        e_acc[j * ni + i] += e / k_out as f64;
                        next[k][i] += e;
                    }
                }
            }
            edges[l] = e_acc;
            nodes[l] = mean(&next, ni);
            s = next;
        }
        Scores { nodes, edges, means }
    }

    /// A model with only the nodes `keep[l]` of every node layer (sorted indices; the
    /// input and output layers must keep what the caller wants to keep). The mean of every
    /// edge leaving a removed node (`means`, [`Scores::means`]) moves into the bias of the
    /// output it fed, so the outputs lose only the removed parts' spread.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn subset(&self, keep: &[Vec<usize>], means: &[Vec<f64>]) -> Res<Model<T>> {
        let nl = self.layers.len();
        let mut cfg = self.cfg.clone();
        for l in 0..=nl {
            let (sum, _) = self.cfg.width[l];
            let ks = keep[l].iter().filter(|&&q| q < sum).count();
            cfg.width[l] = (ks, keep[l].len() - ks);
            if keep[l].is_empty() {
                return Err(Failure::invalid(format!("subset: node layer {l} would have no nodes")));
            }
        }
        // the kept mult nodes keep their arities
        let subnodes = kept_subnodes(&self.cfg, keep, &mut cfg.mult_arity);
        let mut layers = Vec::with_capacity(nl);
        let mut params = Vec::new();
        for l in 0..nl {
            let src = &self.layers[l];
            let (ins, outs) = (&keep[l], &subnodes[l + 1]);
            let (ni, no, nb, nt) = (ins.len(), outs.len(), src.nb(), src.nt());
            let mut ly = src.clone();
            ly.n_in = ni;
            ly.n_out = no;
            ly.off = params.len();
            ly.knots = ins.iter().flat_map(|&i| src.knots_of(i).to_vec()).collect();
            debug_assert_eq!(ly.knots.len(), ni * nt);
            ly.mask = ins.iter().flat_map(|&i| outs.iter().map(move |&o| src.mask[i * src.n_out + o])).collect();
            ly.sym = ins.iter().flat_map(|&i| outs.iter().map(move |&o| src.sym[i * src.n_out + o])).collect();
            ly.mask.extend(outs.iter().map(|&o| src.bias()[o]));
            for i in (0..src.n_in).filter(|i| !ins.contains(i)) {
                for (oo, &o) in outs.iter().enumerate() {
                    ly.bias_mut()[oo] += T::from_f64(means[l][o * src.n_in + i]);
                }
            }
            let p = &self.params;
            let mut block = vec![T::ZERO; ly.n_params()];
            for (ii, &i) in ins.iter().enumerate() {
                for j in 0..nb {
                    for (oo, &o) in outs.iter().enumerate() {
                        block[(ii * nb + j) * no + oo] = p[src.coef_off() + (i * nb + j) * src.n_out + o];
                    }
                }
            }
            let base = ni * nb * no;
            for (ii, &i) in ins.iter().enumerate() {
                for (oo, &o) in outs.iter().enumerate() {
                    let (e, e0) = (ii * no + oo, i * src.n_out + o);
                    block[base + e] = p[src.sb_off() + e0];
                    block[base + ni * no + e] = p[src.sp_off() + e0];
                    for q in 0..4 {
                        block[base + 2 * ni * no + e * 4 + q] = p[src.aff_off() + e0 * 4 + q];
                    }
                }
            }
            params.extend(block);
            layers.push(ly);
        }
        let cache = self.cache.as_ref().map(|c| {
            let ins = &keep[0];
            let mut d = Vec::with_capacity(c.rows * ins.len());
            for r in 0..c.rows {
                for &i in ins {
                    d.push(c.data[r * c.cols + i]);
                }
            }
            Tensor::from_vec(c.rows, ins.len(), d)
        });
        Ok(Model { cfg, layers, params, cache, fit: None, undo: None })
    }

    /// pykan's prune: drop hidden nodes scoring at most `node_th` (keeping at least the best
    /// one per layer), then mask numeric edges of the smaller model scoring at most `edge_th`.
    /// The means over `x` of what goes move into the biases ([`Scores::means`]).
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn prune(&self, node_th: f64, edge_th: f64, x: &Tensor<T>) -> Res<Model<T>> {
        let sc = self.attribute(x);
        let nl = self.layers.len();
        let mut keep: Vec<Vec<usize>> = Vec::with_capacity(nl + 1);
        for l in 0..=nl {
            let n = sc.nodes[l].len();
            if l == 0 || l == nl {
                keep.push((0..n).collect());
                continue;
            }
            keep.push(above(&sc.nodes[l], node_th));
        }
        let mut m = self.subset(&keep, &sc.means)?;
        let sc2 = m.attribute(x);
        for (l, layer) in m.layers.iter_mut().enumerate() {
            let (ni, no) = (layer.n_in, layer.n_out);
            for i in 0..ni {
                for o in 0..no {
                    // numeric edges only: a symbolic edge keeps its function, and the whole
                    // edge's mean is then the numeric part's
                    let e = i * no + o;
                    if sc2.edges[l][o * ni + i] <= edge_th && layer.mask[e] != T::ZERO && layer.sym[e] == 0 {
                        layer.mask[e] = T::ZERO;
                        layer.bias_mut()[o] += T::from_f64(sc2.means[l][o * ni + i]);
                    }
                }
            }
        }
        Ok(m)
    }

    /// Inputs scoring above `th` (at least the best one) and the model restricted to them,
    /// with the means over `x` of the removed inputs' edges in the first layer's biases.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn prune_inputs(&self, th: f64, x: &Tensor<T>) -> Res<(Model<T>, Vec<usize>)> {
        let sc = self.attribute(x);
        let k = above(&sc.nodes[0], th);
        let mut keep = vec![k.clone()];
        for l in 1..=self.layers.len() {
            keep.push((0..self.cfg.width[l].0 + self.cfg.width[l].1).collect());
        }
        Ok((self.subset(&keep, &sc.means)?, k))
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    fn check_edge(&self, l: usize, i: usize, j: usize) -> Res<()> {
        let ly = self.layers.get(l).ok_or_else(|| Failure::invalid(format!("symbolic: layer {l} out of range (depth {})", self.layers.len())))?;
        if i >= ly.n_in || j >= ly.n_out {
            return Err(Failure::invalid(format!("symbolic: edge ({l}, {i}, {j}) out of range: layer {l} has {} inputs and {} outputs", ly.n_in, ly.n_out)));
        }
        Ok(())
    }

    /// The inputs and outputs of edge `(l, i, j)` on the samples `x`.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn edge_samples(&self, l: usize, i: usize, j: usize, x: &Tensor<T>) -> (Vec<f64>, Vec<f64>) {
        let acts = self.activations(x);
        let ly = &self.layers[l];
        let xin = &acts[l];
        let mut buf = vec![T::ZERO; ly.n_out];
        let mut xs = Vec::with_capacity(xin.rows);
        let mut ys = Vec::with_capacity(xin.rows);
        for s in 0..xin.rows {
            let xv = xin.data[s * ly.n_in + i];
            ly.edge_values(i, xv, &self.params, true, &mut buf);
            xs.push(xv.to_f64());
            ys.push(buf[j].to_f64());
        }
        (xs, ys)
    }

    /// Candidates for edge `(l, i, j)` from `lib` (ids with complexities), best first, their
    /// parameters [`well_scaled`]; with `best_only`, only as many as it takes to know the best
    /// ([`crate::symrank::rank`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn suggest(
        &self,
        l: usize,
        i: usize,
        j: usize,
        lib: &[(u16, f64)],
        weight_simple: f64,
        ar: (f64, f64),
        br: (f64, f64),
        x: &Tensor<T>,
        best_only: bool,
    ) -> Res<Vec<Suggestion>> {
        self.check_edge(l, i, j)?;
        let (xs, ys) = self.edge_samples(l, i, j, x);
        let mut found = crate::symrank::rank(&xs, &ys, lib, weight_simple, ar, br, best_only);
        // as fixing the edge sets them, so a suggestion's parameters can be set as they are
        for s in &mut found {
            let f = &mut s.fit;
            [f.a, f.b, f.c, f.d] = well_scaled(s.id, [f.a, f.b, f.c, f.d]);
        }
        Ok(found)
    }

    /// Makes edge `(l, i, j)` symbolic with function `id`, fitting `(a, b, c, d)` to the
    /// edge's samples when `fit`, else `(1, 0, 1, 0)`; the numeric part is masked.
    /// Returns r2 (NaN without fitting).
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn fix_symbolic(&mut self, l: usize, i: usize, j: usize, id: u16, fit: bool, ar: (f64, f64), br: (f64, f64), x: Option<&Tensor<T>>) -> Res<f64> {
        self.check_edge(l, i, j)?;
        let (aff, r2) = if fit {
            let x = x.ok_or_else(|| Failure::invalid("fixSymbolic: fitting needs samples; pass an input or fit first"))?;
            let (xs, ys) = self.edge_samples(l, i, j, x);
            let ft = Samples::new(&xs, &ys).fit(id, ar, br);
            ([ft.a, ft.b, ft.c, ft.d], ft.r2)
        } else {
            ([1.0, 0.0, 1.0, 0.0], f64::NAN)
        };
        self.set_symbolic(l, i, j, id, aff);
        Ok(r2)
    }

    /// Edge `(l, i, j)` becomes `c * f(a*x + b) + d` with `aff = [a, b, c, d]`, in the
    /// [`well_scaled`] form of the same function.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub(super) fn set_symbolic(&mut self, l: usize, i: usize, j: usize, id: u16, aff: [f64; 4]) {
        let aff = well_scaled(id, aff);
        let ly = &mut self.layers[l];
        let e = i * ly.n_out + j;
        ly.sym[e] = id;
        ly.mask[e] = T::ZERO;
        let a = ly.aff_off() + e * 4;
        for q in 0..4 {
            self.params[a + q] = T::from_f64(aff[q]);
        }
    }

    /// Fixes every live numeric edge to its best candidate whose r2 reaches `r2_th`.
    /// Returns `(l, i, j, id, r2)` per edge fixed.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn auto_symbolic(
        &mut self,
        lib: &[(u16, f64)],
        r2_th: f64,
        weight_simple: f64,
        ar: (f64, f64),
        br: (f64, f64),
        x: &Tensor<T>,
    ) -> Res<Vec<SymbolicFix>> {
        let mut done = Vec::new();
        for l in 0..self.layers.len() {
            let (ni, no) = (self.layers[l].n_in, self.layers[l].n_out);
            for i in 0..ni {
                for j in 0..no {
                    let e = i * no + j;
                    if self.layers[l].sym[e] != 0 || self.layers[l].mask[e] == T::ZERO {
                        continue;
                    }
                    let best = self.suggest(l, i, j, lib, weight_simple, ar, br, x, true)?;
                    if let Some(b) = best.first() {
                        if b.fit.r2 >= r2_th {
                            let ft = b.fit;
                            self.set_symbolic(l, i, j, b.id, [ft.a, ft.b, ft.c, ft.d]);
                            done.push((l, i, j, b.id, ft.r2));
                        }
                    }
                }
            }
        }
        Ok(done)
    }
}

/// The same edge function `c * f(a*x + b) + d` with `a` and `b` of order one where `f` lets
/// `c` and `d` take up their scale: `x` (`a = 1, b = 0`), `x^2..x^5` and `abs` (`a = 1`), `exp`
/// (`b = 0`). The search leaves such `a` and `b` anywhere along the directions that do not
/// change the function, often at its range's ends (`9.9e-6 * exp(10 - w)` for `0.22 * exp(-w)`);
/// there the loss varies a million times faster in `c` than in `b`, and training stalls.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub(super) fn well_scaled(id: u16, [a, b, c, d]: [f64; 4]) -> [f64; 4] {
    let out = match id {
        1 => [1.0, 0.0, c * a, c * b + d],
        2..=5 if a != 0.0 => [1.0, b / a, c * a.powi(id as i32), d],
        18 if a != 0.0 => [1.0, b / a, c * a.abs(), d],
        16 => [a, 0.0, c * b.exp(), d],
        _ => return [a, b, c, d],
    };
    if out.iter().all(|v| v.is_finite()) {
        out
    } else {
        [a, b, c, d]
    }
}

/// The nodes scoring above `th`, at least the best one.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn above(scores: &[f64], th: f64) -> Vec<usize> {
    let mut k: Vec<usize> = (0..scores.len()).filter(|&q| scores[q] > th).collect();
    if k.is_empty() {
        k.push((0..scores.len()).max_by(|&a, &b| scores[a].total_cmp(&scores[b])).unwrap_or(0));
    }
    k
}

/// For every node layer, the subnodes of the nodes in `keep` (layer l-1's outputs that stay);
/// `arity` becomes the kept multiplication nodes' arities. Not generic: one copy for both dtypes.
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn kept_subnodes(cfg: &super::ModelConfig, keep: &[Vec<usize>], arity: &mut Vec<usize>) -> Vec<Vec<usize>> {
    arity.clear();
    (0..keep.len())
        .map(|l| {
            let (sum, owner) = (cfg.width[l].0, cfg.subnode_owner(l));
            arity.extend(keep[l].iter().filter(|&&q| q >= sum).map(|&q| cfg.arity(l)[q - sum]));
            keep[l].iter().flat_map(|&q| owner.iter().enumerate().filter(move |&(_, &o)| o == q).map(|(j, _)| j)).collect()
        })
        .collect()
}
