//! A layer's backward pass: the gradients of its effective weights, chained to its
//! parameters, and of its inputs.

use super::cache::{BasisCache, GroupView, Groups, GroupsAt};
use super::fold::Fold;
use super::{sym_eval, Base, Layer};
use crate::autodiff::Tensor;
use crate::par;
use crate::pool;
use crate::real::Real;

impl<T: Real> Layer<T> {
    /// Adds the gradients of `sum(gy * forward(x))` to `gx (n, in)` and `pg` (flat).
    pub fn backward(&self, x: &Tensor<T>, p: &[T], gy: &Tensor<T>, gx: &mut [T], pg: &mut [T]) {
        self.backward_cached(x, p, gy, gx, pg, &self.basis_cache(x), true, false)
    }

    /// The backward pass from a [`BasisCache`] of `x`.
    /// `need_dx: false` skips the gradient with respect to `x` (a layer fed by the data).
    /// `exclusive`: no other op adds to this layer's gradient blocks in `pg`, which are still
    /// zero, so the effective-weight gradients build up there in place of scratch buffers.
    pub fn backward_cached(&self, x: &Tensor<T>, p: &[T], gy: &Tensor<T>, gx: &mut [T], pg: &mut [T], c: &BasisCache<T>, need_dx: bool, exclusive: bool) {
        let (w, wb) = self.eff(c, p);
        let (g_coef, g_sb, g_sp, g_aff) = self.grad_blocks(pg);
        // On threads each task chains its own inputs' gradients (see `Chain`); the
        // single-thread module chains them all after the tasks, in fewer bytes.
        let ni = self.n_in;
        if exclusive {
            let chain = par::THREADED.then(|| Chain { to: None, g_sp: par::Shared::new(g_sp) });
            self.accumulate(x, p, gy, gx, c, need_dx, &w, &wb, g_coef, g_sb, g_aff, chain.as_ref());
            if !par::THREADED {
                self.chain_effective(0..ni, p, None, g_coef, g_sb, g_sp);
            }
        } else {
            let (mut gw, mut gwb) = (pool::zeros(w.len()), pool::zeros(wb.len()));
            let chain = par::THREADED.then(|| Chain { to: Some((par::Shared::new(g_coef), par::Shared::new(g_sb))), g_sp: par::Shared::new(g_sp) });
            self.accumulate(x, p, gy, gx, c, need_dx, &w, &wb, &mut gw, &mut gwb, g_aff, chain.as_ref());
            if !par::THREADED {
                self.chain_effective(0..ni, p, Some((&gw, &gwb)), g_coef, g_sb, g_sp);
            }
            pool::give(gw);
            pool::give(gwb);
        }
    }

    /// The backward pass of a layer without numeric edges (see [`Self::numeric`]): the
    /// symbolic edges' affine gradients into `pg` and the input gradient into `gx`, each
    /// summed in the order [`Self::accumulate`] keeps, so the bits are the same.
    #[inline(never)]
    /// `kept`: the values and derivatives [`Self::forward_symbolic`] kept (or empty).
    pub fn backward_symbolic(&self, x: &Tensor<T>, p: &[T], gy: &Tensor<T>, gx: &mut [T], pg: &mut [T], kept: &[T]) {
        let (no, ni) = (self.n_out, self.n_in);
        let aff = &p[self.aff_off()..self.end()];
        let g_aff = self.grad_blocks(pg).3;
        let mut kept = kept.chunks_exact(2);
        for s in 0..x.rows {
            let grow = &gy.data[s * no..(s + 1) * no];
            for i in 0..ni {
                let xv = x.data[s * ni + i];
                let mut dx = T::ZERO;
                for o in 0..no {
                    let e = i * no + o;
                    if self.sym[e] != 0 {
                        let a = &aff[4 * e..4 * e + 4];
                        let (f, df) = match kept.next() {
                            Some(k) => (k[0], k[1]),
                            None => sym_eval(self.sym[e], a[0] * xv + a[1]),
                        };
                        dx += sym_grads(grow[o], a, f, df, xv, &mut g_aff[4 * e..4 * e + 4]);
                    }
                }
                gx[s * ni + i] += dx;
            }
        }
    }

    /// This layer's blocks of the flat parameter gradient: coef `(in, coeff, out)`,
    /// scale_base and scale_sp `(in, out)`, affine `(in, out, 4)`.
    #[allow(clippy::type_complexity)]
    pub(super) fn grad_blocks<'g>(&self, pg: &'g mut [T]) -> (&'g mut [T], &'g mut [T], &'g mut [T], &'g mut [T]) {
        let e = self.n_in * self.n_out;
        let (g_coef, rest) = pg[self.coef_off()..self.end()].split_at_mut(e * self.nb());
        let (g_sb, rest) = rest.split_at_mut(e);
        let (g_sp, g_aff) = rest.split_at_mut(e);
        (g_coef, g_sb, g_sp, g_aff)
    }

    /// The gradients of the effective weights into `gw`, `gwb`, of the symbolic edges'
    /// affine parameters into `g_aff`, and (with `need_dx`) of the inputs into `gx`.
    /// Inputs go in parts, one task each (see crate::par): everything an input adds to lies
    /// in its own rows of `gw`, `gwb`, `g_aff` and its own column of `gx`, summed in sample
    /// order, so the bits do not depend on the threads. Symbolic edges keep to the calling
    /// thread: a user's function runs in the host, which only that thread can call.
    fn accumulate(
        &self,
        x: &Tensor<T>,
        p: &[T],
        gy: &Tensor<T>,
        gx: &mut [T],
        c: &BasisCache<T>,
        need_dx: bool,
        w: &[T],
        wb: &[T],
        gw: &mut [T],
        gwb: &mut [T],
        g_aff: &mut [T],
        chain: Option<&Chain<T>>,
    ) {
        let (no, ni, nb) = (self.n_out, self.n_in, self.nb());
        let n = x.rows;
        // Cubic windows with a base branch go in groups of samples that share a window,
        // whose gradient rows then stay in registers (see `Real::ger_group`); d/dx, when
        // needed, follows sample by sample (`Real::dx_window`). A kept cache sorts every
        // input's samples once, each input into a slot of its own, unless those slots would
        // take more than 64 MB; otherwise each thread has a slot that serves input after input.
        // A cache of one evaluation and a layer of one output: each sample adds straight to
        // the rows of its window (see `grads_one_output`), which sorting would not repay.
        let grouped = self.k == 3 && self.base != Base::Zero && !(no == 1 && !c.keep && !self.has_sym());
        let all = c.keep && 5 * n * ni * T::BYTES <= 64 << 20;
        let (parts, threads) = match self.has_sym() {
            true => (1, 1),
            false => (par::parts(ni, 1), par::width()),
        };
        let mut slots = c.groups.borrow_mut();
        let groups = grouped.then(|| match all {
            true => {
                let gr = slots.get_or_insert_with(|| Groups::new(n, nb, ni, threads));
                gr.scratch(threads);
                gr
            }
            false => slots.insert(Groups::new(n, nb, threads, threads)),
        });
        let ready = groups.as_ref().is_some_and(|g| g.ready);
        let gr_at = groups.map(GroupsAt::new);
        // the regulariser's gradients, when they fold in (see `super::fold`): each thread
        // makes each of its inputs' output gradients in a buffer of its own
        let fold = c.fold.borrow_mut().take().filter(|f| !f.k.is_empty());
        let mut gyb = pool::zeros(if fold.is_some() { threads * n * no } else { 0 });
        let gybs = par::Shared::new(&mut gyb);
        let (cr, gxs) = (par::Ref::new(c), par::Shared::new(gx));
        let (gws, gwbs, gas) = (par::Shared::new(gw), par::Shared::new(gwb), par::Shared::new(g_aff));
        let task = |t: usize, slot: usize| {
            let r = par::part(ni, parts, t);
            // SAFETY: the input ranges of the tasks are disjoint, and so are their rows.
            let (gw, gwb, g_aff) =
                unsafe { (gws.slice(r.start * nb * no..r.end * nb * no), gwbs.slice(r.start * no..r.end * no), gas.slice(4 * r.start * no..4 * r.end * no)) };
            let out = Part { i0: r.start, gw, gwb, g_aff, gx: &gxs };
            // SAFETY: each thread has its own buffer.
            let folded = fold.as_ref().map(|f| (f, unsafe { gybs.slice(slot * n * no..(slot + 1) * n * no) }));
            self.accumulate_inputs(r.clone(), slot, x, p, gy, folded, cr.get(), need_dx, w, wb, out, gr_at.as_ref(), all, ready);
            if let Some(ch) = chain.filter(|_| par::THREADED) {
                let (rw, rb) = (r.start * nb * no..r.end * nb * no, r.start * no..r.end * no);
                // SAFETY: as above, and the slices before are gone.
                unsafe {
                    let (gw, gwb, g_sp) = (gws.slice(rw.clone()), gwbs.slice(rb.clone()), ch.g_sp.slice(rb.clone()));
                    match &ch.to {
                        Some((gc, gsb)) => self.chain_effective(r, p, Some((gw, gwb)), gc.slice(rw), gsb.slice(rb), g_sp),
                        None => self.chain_effective(r, p, None, gw, gwb, g_sp),
                    }
                }
            }
        };
        // SAFETY: each task writes its own inputs' gradients; nothing allocates.
        unsafe { par::run(parts, threads, &task) };
        if let Some(gr) = slots.as_mut().filter(|_| grouped) {
            gr.ready = all;
        }
        pool::give(gyb);
    }

    /// [`Self::accumulate`] for the inputs `r`, into `out` (the gradients of those inputs);
    /// with `fold`, each input's output gradient has the regulariser's in a buffer.
    #[allow(clippy::too_many_arguments)]
    fn accumulate_inputs(
        &self,
        r: std::ops::Range<usize>,
        slot: usize,
        x: &Tensor<T>,
        p: &[T],
        gy: &Tensor<T>,
        mut fold: Option<(&Fold, &mut [T])>,
        c: &BasisCache<T>,
        need_dx: bool,
        w: &[T],
        wb: &[T],
        out: Part<'_, T>,
        groups: Option<&GroupsAt<T>>,
        all: bool,
        ready: bool,
    ) {
        let (no, ni, nb) = (self.n_out, self.n_in, self.nb());
        let sym = self.has_sym();
        let aff = &p[self.aff_off()..self.end()];
        let n = x.rows;
        let grouped = groups.is_some();
        let Part { i0, gw, gwb, g_aff, gx } = out;
        for i in r {
            let gy: &[T] = match fold.as_mut() {
                Some((f, buf)) => {
                    self.fold_into(f, i, &gy.data, buf);
                    buf
                }
                None => &gy.data,
            };
            // this input's gradient rows, and the offset of its first row in `w`
            let li = i - i0;
            let gw_i = &mut gw[li * nb * no..(li + 1) * nb * no];
            let gwb_i = &mut gwb[li * no..(li + 1) * no];
            let g_aff_i = &mut g_aff[4 * li * no..4 * (li + 1) * no];
            let row0 = i * nb * no;
            if let Some(gr) = groups {
                // SAFETY: the slot is this input's (all) or this thread's, and the scratch
                // this thread's.
                let mut v = unsafe { gr.view(if all { i } else { slot }, slot) };
                if !ready {
                    self.fill_groups(i, c, &mut v);
                }
                self.weight_grads_grouped(i, gy, c, gw_i, gwb_i, &v);
                if !sym && !need_dx {
                    continue;
                }
            } else if !sym && no == 1 && self.k == 3 && self.base != Base::Zero {
                self.grads_one_output(i, gy, c, need_dx, (w, wb[i]), gw_i, &mut gwb_i[0], gx);
                continue;
            }
            for s in 0..n {
                let grow = &gy[s * no..(s + 1) * no];
                let q = i * n + s;
                let mut dx = T::ZERO;
                if need_dx && grouped {
                    let rows = c.row[q];
                    let d: &[T; 4] = c.der[4 * q..4 * q + 4].try_into().expect("cubic windows have 4 derivatives");
                    dx = match no {
                        // the kernel's sum for one output, without the call
                        1 => T::ZERO + slope_one(c.db[q], wb[i], d, w[rows..rows + 4].try_into().unwrap()) * grow[0],
                        _ => T::dx_window(grow, c.db[q], &wb[i * no..(i + 1) * no], d, &w[rows..rows + 4 * no]),
                    };
                } else if need_dx {
                    dx = self.edge_grads(q, i, grow, c, w, wb, &mut gw_i[c.row[q] - row0..], gwb_i);
                } else if !grouped {
                    self.weight_grads(q, grow, c, &mut gw_i[c.row[q] - row0..], gwb_i);
                }
                if sym {
                    let xv = x.data[s * ni + i];
                    for o in 0..no {
                        let id = self.sym[i * no + o];
                        if id != 0 {
                            let e = (i * no + o) * 4;
                            let a = &aff[e..e + 4];
                            let (f, df) = sym_eval(id, a[0] * xv + a[1]);
                            dx += sym_grads(grow[o], a, f, df, xv, &mut g_aff_i[4 * o..4 * o + 4]);
                        }
                    }
                }
                // SAFETY: column i of gx belongs to this task alone.
                unsafe { gx.add(s * ni + i, dx) };
            }
        }
    }

    /// The gradients of input `i` of a layer of one output and cubic windows with a base
    /// branch, sample by sample in order: each window's weight rows (from `gw_i`, the
    /// input's), the base weight's, and with `need_dx` the input's (the effective weights
    /// `(w, wb)`, `wb` the input's base weight).
    #[allow(clippy::too_many_arguments)]
    fn grads_one_output(&self, i: usize, gy: &[T], c: &BasisCache<T>, need_dx: bool, (w, wb): (&[T], T), gw_i: &mut [T], gwb: &mut T, gx: &par::Shared<T>) {
        let (n, row0) = (c.n, i * self.nb());
        let q = i * n..(i + 1) * n;
        let ents = c.row[q.clone()].iter().zip(&c.b[q]).zip(c.val[4 * i * n..4 * (i + 1) * n].chunks_exact(4));
        let mut gb = T::ZERO;
        for (s, (((&rows, &b), v), &g)) in ents.zip(gy).enumerate() {
            let gw: &mut [T; 4] = (&mut gw_i[rows - row0..rows - row0 + 4]).try_into().unwrap();
            for r in 0..4 {
                gw[r] += v[r] * g;
            }
            gb += b * g;
            if need_dx {
                let t = slope_one(c.db[i * n + s], wb, c.der[4 * (i * n + s)..][..4].try_into().unwrap(), w[rows..rows + 4].try_into().unwrap());
                // SAFETY: column i of gx belongs to this task alone.
                unsafe { gx.add(s * self.n_in + i, T::ZERO + t * g) };
            }
        }
        *gwb += gb;
    }

    /// Sorts the samples of input `i` whose window lies wholly inside the basis (cubic
    /// windows) by window into the slot `v`, stably, so that sums keep sample order.
    fn fill_groups(&self, i: usize, c: &BasisCache<T>, v: &mut GroupView<'_, T>) {
        let (no, nb, n) = (self.n_out, self.nb(), c.n);
        let start = &mut *v.start;
        start.iter_mut().for_each(|v| *v = 0);
        let mut m = c.moved.partition_point(|&q| q < i * n);
        for s in 0..n {
            let q = i * n + s;
            if c.moved.get(m) == Some(&q) {
                m += 1;
                v.key[s] = u32::MAX;
            } else {
                // rows are multiples of no: one output needs no division
                let j = if no == 1 { c.row[q] } else { c.row[q] / no } - i * nb;
                v.key[s] = j as u32;
                start[j + 1] += 1;
            }
        }
        for j in 0..nb {
            start[j + 1] += start[j];
        }
        v.next.copy_from_slice(&start[..nb]);
        for s in (0..n).filter(|&s| v.key[s] != u32::MAX) {
            let j = v.key[s] as usize;
            let pos = v.next[j];
            v.next[j] += 1;
            let q = i * n + s;
            v.goff[pos] = (s * no) as u32;
            v.alpha[5 * pos] = c.b[q];
            v.alpha[5 * pos + 1..5 * pos + 5].copy_from_slice(&c.val[4 * q..4 * q + 4]);
        }
    }

    /// [`Self::weight_grads`] for every sample of input `i` (cubic windows) into its rows
    /// `gw_i`, `gwb_i`: the moved windows one by one in sample order, then each group of the
    /// slot `v` (see [`Self::fill_groups`]) through [`Real::ger_group`].
    fn weight_grads_grouped(&self, i: usize, gy: &[T], c: &BasisCache<T>, gw_i: &mut [T], gwb_i: &mut [T], v: &GroupView<'_, T>) {
        let (no, nb, n) = (self.n_out, self.nb(), c.n);
        let row0 = i * nb * no;
        let lo = c.moved.partition_point(|&q| q < i * n);
        for &q in c.moved[lo..].iter().take_while(|&&q| q < (i + 1) * n) {
            let s = q - i * n;
            self.weight_grads(q, &gy[s * no..(s + 1) * no], c, &mut gw_i[c.row[q] - row0..], gwb_i);
        }
        let start = &*v.start;
        for j in 0..nb {
            let (a, b) = (start[j], start[j + 1]);
            if a < b {
                let rows = j * no;
                T::ger_group(&v.alpha[5 * a..5 * b], &v.goff[a..b], gy, gwb_i, &mut gw_i[rows..rows + 4 * no]);
            }
        }
    }

    /// The weight half of [`Self::edge_grads`]: `gw_j += B_j * g` and `gwb += b * g` only,
    /// `gw` from the window's first row, `gwb` the input's row.
    #[inline(never)]
    fn weight_grads(&self, q: usize, g: &[T], c: &BasisCache<T>, gw: &mut [T], gwb: &mut [T]) {
        let w1 = self.k + 1;
        let no = self.n_out;
        let base = if self.base != Base::Zero { Some((c.b[q], gwb)) } else { None };
        T::ger_window(g, base, &c.val[q * w1..(q + 1) * w1], &mut gw[..w1 * no]);
    }

    /// For one (sample, input) `q`: adds `g (out)` times the basis into the effective-weight
    /// gradients (`gw` from the window's first row, `gwb` the input's row) and returns
    /// `d/dx` of `sum_o g_o * numeric_edge_o(x)`.
    #[inline]
    pub(super) fn edge_grads(&self, q: usize, i: usize, g: &[T], c: &BasisCache<T>, w: &[T], wb: &[T], gw: &mut [T], gwb: &mut [T]) -> T {
        let (no, k) = (self.n_out, self.k);
        let w1 = k + 1;
        let rows = c.row[q];
        let (v, d) = (&c.val[q * w1..(q + 1) * w1], &c.der[q * w1..(q + 1) * w1]);
        let base = if self.base != Base::Zero { Some((c.b[q], c.db[q], &wb[i * no..(i + 1) * no], gwb)) } else { None };
        T::grad_window(g, base, v, d, &w[rows..rows + w1 * no], &mut gw[..w1 * no])
    }

    /// Chains gradients of the effective weights `w = coef * sp * mask`, `wb = sb * mask`
    /// of the inputs `ins` into their parameter gradient blocks (each slice from the first
    /// of them): `d coef += gw * mask * sp`, `d sp += gw * mask * coef`, `d sb += gwb * mask`.
    /// `raw` holds `(gw, gwb)`; `None` means they were accumulated in `g_coef` and `g_sb`
    /// themselves (otherwise zero), which are then overwritten.
    pub(super) fn chain_effective(&self, ins: std::ops::Range<usize>, p: &[T], raw: Option<(&[T], &[T])>, g_coef: &mut [T], g_sb: &mut [T], g_sp: &mut [T]) {
        let (nb, no, i0) = (self.nb(), self.n_out, ins.start);
        let coef = &p[self.coef_off() + i0 * nb * no..self.sb_off()];
        let sp = &p[self.sp_off() + i0 * no..self.aff_off()];
        let mask = &self.mask[i0 * no..ins.end * no];
        // separate slices per row, so the loops vectorise
        for i in 0..ins.len() {
            let (spi, mi) = (&sp[i * no..(i + 1) * no], &mask[i * no..(i + 1) * no]);
            let g_spi = &mut g_sp[i * no..(i + 1) * no];
            for j in 0..nb {
                let r = (i * nb + j) * no..(i * nb + j + 1) * no;
                let (cr, gcr) = (&coef[r.clone()], &mut g_coef[r.clone()]);
                match raw {
                    Some((gw, _)) => {
                        let gwr = &gw[r];
                        for o in 0..no {
                            let gm = gwr[o] * mi[o];
                            gcr[o] += gm * spi[o];
                            g_spi[o] += gm * cr[o];
                        }
                    }
                    None => {
                        for o in 0..no {
                            let gm = gcr[o] * mi[o];
                            g_spi[o] += gm * cr[o];
                            gcr[o] = gm * spi[o];
                        }
                    }
                }
            }
        }
        match raw {
            Some((_, gwb)) => {
                for ((g, &a), &m) in g_sb.iter_mut().zip(gwb).zip(mask) {
                    *g += a * m;
                }
            }
            None => {
                for (g, &m) in g_sb.iter_mut().zip(mask) {
                    *g *= m;
                }
            }
        }
    }
}

/// The gradients a task of [`Layer::accumulate`] writes: its inputs' rows (from input `i0`)
/// and, one element at a time, their columns of `gx`.
struct Part<'a, T> {
    i0: usize,
    gw: &'a mut [T],
    gwb: &'a mut [T],
    g_aff: &'a mut [T],
    gx: &'a par::Shared<T>,
}

/// Where the tasks of [`Layer::accumulate`] chain their inputs' gradients to the parameters
/// (the threaded module): `g_sp`, and `(g_coef, g_sb)` unless the effective-weight
/// gradients were built up in those.
struct Chain<T> {
    to: Option<(par::Shared<T>, par::Shared<T>)>,
    g_sp: par::Shared<T>,
}

/// One symbolic edge `c f(a x + b) + d` at a sample, given its output gradient `g`, the
/// value `f` and derivative `df` there: adds the gradients of `(a, b, c, d)` to `ga` and
/// returns the input gradient's share.
#[inline(always)]
fn sym_grads<T: Real>(g: T, a: &[T], f: T, df: T, xv: T, ga: &mut [T]) -> T {
    ga[0] += g * a[2] * df * xv;
    ga[1] += g * a[2] * df;
    ga[2] += g * f;
    ga[3] += g;
    g * a[2] * df * a[0]
}

/// The slope of a one-output edge at a sample: base slope `db` times its weight `wb`, plus
/// the window's derivatives `d` against their weights `w`, in that order.
#[inline(always)]
fn slope_one<T: Real>(db: T, wb: T, d: &[T; 4], w: &[T; 4]) -> T {
    let mut t = db * wb;
    for r in 0..4 {
        t += d[r] * w[r];
    }
    t
}
