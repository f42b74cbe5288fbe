//! The basis windows of a batch, computed once and shared by a layer's forward, backward
//! and regulariser.

use super::fold::Fold;
use super::{Base, Gram, Layer};
use crate::autodiff::{silu_both, Tensor};
use crate::bspline;
use crate::cubic::CubicSpans;
use crate::par;
use crate::pool::{self, Aligned, Pooled};
use crate::real::Real;
use std::cell::RefCell;

/// Everything a layer needs per (sample, input), computed once per batch and shared by
/// the forward, the backward and the regulariser: the basis window (values and first
/// derivatives) and the base function with its derivative.
/// Input-major, so a pass over one input's samples reads memory in order:
/// `row (in, n)`, `val`/`der (in, n, k+1)`, `b`/`db (in, n)`; entry `q = i * n + s`.
/// Every window holds `k+1` bases inside the basis: where an entry's non-zero bases run
/// past either end of it (or `x` lies outside the knots), the window is moved inside and
/// the bases that do not exist get the value 0, so kernels need no special cases.
#[derive(Debug, Default)]
pub struct BasisCache<T: Pooled> {
    /// The effective weights `(w, wb)` of the parameters the cache was built with (a tape
    /// evaluates one parameter vector), so forward, backward and regulariser share them.
    pub eff: Option<(Aligned<T>, Aligned<T>)>,
    pub n: usize,
    /// The offset of the window's first row in the effective weights `(in, coeff, out)`.
    pub row: Vec<usize>,
    /// The entries whose windows were moved inside (or lie outside the knots), ascending.
    pub moved: Vec<usize>,
    pub val: Vec<T>,
    pub der: Vec<T>,
    pub b: Vec<T>,
    pub db: Vec<T>,
    /// The cache outlives one evaluation (the first layer's, over a whole fit on the full
    /// data): the backward pass then sorts every input's samples into `groups` once and
    /// keeps them there; otherwise `groups` holds one input's at a time.
    pub keep: bool,
    pub(super) groups: RefCell<Option<Groups<T>>>,
    /// The regulariser's sums over the batch (see [`Gram`]), made by its first use.
    pub(super) gram: RefCell<Option<Gram>>,
    /// The regulariser's share of the layer's backward, when it folds (see [`Fold`]).
    pub(super) fold: RefCell<Option<Fold>>,
}

impl<T: Pooled> Drop for BasisCache<T> {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.row));
        pool::give(std::mem::take(&mut self.moved));
        for v in [&mut self.val, &mut self.der, &mut self.b, &mut self.db] {
            pool::give(std::mem::take(v));
        }
    }
}

/// Effective weights borrowed from a [`BasisCache`], or computed for one call (these go
/// back to the pool when dropped).
pub(super) enum Eff<'c, T: Pooled> {
    Borrowed(&'c [T]),
    Owned(Aligned<T>),
}

impl<T: Pooled> std::ops::Deref for Eff<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Eff::Borrowed(w) => w,
            Eff::Owned(w) => w,
        }
    }
}

/// The samples of [`Layer::weight_grads_grouped`] for `n` samples and `nb` bases, in
/// `slots` slots of one input each: the groups' bounds, and the grouped samples in group
/// order with their 5 factors (base, then the window) and output-gradient offsets; `ready`
/// once every slot is filled. Each thread sorting samples has scratch of its own: each
/// sample's group (its window's first basis, or none) and the groups' next free places.
#[derive(Debug, Default)]
pub(super) struct Groups<T: Pooled> {
    n: usize,
    nb: usize,
    pub(super) key: Vec<u32>,
    pub(super) start: Vec<usize>,
    pub(super) next: Vec<usize>,
    pub(super) alpha: Vec<T>,
    pub(super) goff: Vec<u32>,
    pub(super) ready: bool,
}

impl<T: Pooled> Drop for Groups<T> {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.key));
        pool::give(std::mem::take(&mut self.start));
        pool::give(std::mem::take(&mut self.next));
        pool::give(std::mem::take(&mut self.alpha));
        pool::give(std::mem::take(&mut self.goff));
    }
}

impl<T: Real> Groups<T> {
    /// Groups in `slots` slots with scratch for `threads` threads.
    pub(super) fn new(n: usize, nb: usize, slots: usize, threads: usize) -> Self {
        Groups {
            n,
            nb,
            key: pool::zeros(n * threads),
            start: pool::zeros(slots * (nb + 1)),
            next: pool::zeros(nb * threads),
            alpha: pool::zeros(5 * n * slots),
            goff: pool::zeros(n * slots),
            ready: false,
        }
    }

    /// Makes room for the scratch of `threads` threads (kept groups made for fewer).
    pub(super) fn scratch(&mut self, threads: usize) {
        if self.key.len() < threads * self.n {
            self.key.resize(threads * self.n, 0);
            self.next.resize(threads * self.nb, 0);
        }
    }
}

/// [`Groups`] shared with the tasks of a backward pass, which reach their parts through
/// [`GroupsAt::view`].
pub(super) struct GroupsAt<T> {
    n: usize,
    nb: usize,
    key: par::Shared<u32>,
    next: par::Shared<usize>,
    start: par::Shared<usize>,
    alpha: par::Shared<T>,
    goff: par::Shared<u32>,
}

/// One slot of [`Groups`] and one thread's scratch.
pub(super) struct GroupView<'a, T> {
    pub(super) key: &'a mut [u32],
    pub(super) next: &'a mut [usize],
    pub(super) start: &'a mut [usize],
    pub(super) alpha: &'a mut [T],
    pub(super) goff: &'a mut [u32],
}

impl<T: Real> GroupsAt<T> {
    pub(super) fn new(g: &mut Groups<T>) -> Self {
        let (n, nb) = (g.n, g.nb);
        GroupsAt {
            n,
            nb,
            key: par::Shared::new(&mut g.key),
            next: par::Shared::new(&mut g.next),
            start: par::Shared::new(&mut g.start),
            alpha: par::Shared::new(&mut g.alpha),
            goff: par::Shared::new(&mut g.goff),
        }
    }

    /// Slot `slot` with the scratch of thread `thread`.
    ///
    /// # Safety
    /// No other live view has the same slot or the same thread.
    pub(super) unsafe fn view(&self, slot: usize, thread: usize) -> GroupView<'_, T> {
        let (n, nb) = (self.n, self.nb);
        // SAFETY: slots and threads own disjoint ranges (the caller's contract).
        unsafe {
            GroupView {
                key: self.key.slice(thread * n..(thread + 1) * n),
                next: self.next.slice(thread * nb..(thread + 1) * nb),
                start: self.start.slice(slot * (nb + 1)..(slot + 1) * (nb + 1)),
                alpha: self.alpha.slice(5 * slot * n..5 * (slot + 1) * n),
                goff: self.goff.slice(slot * n..(slot + 1) * n),
            }
        }
    }
}

impl<T: Real> Layer<T> {
    /// The basis windows and base values of `x (n, in)`, with the derivatives a backward
    /// pass needs.
    pub fn basis_cache(&self, x: &Tensor<T>) -> BasisCache<T> {
        self.basis_cache_with(x, true)
    }

    /// [`Self::basis_cache`]; `with_der: false` (inference) leaves `der` empty and skips
    /// the derivatives where the evaluation allows it.
    pub fn basis_cache_with(&self, x: &Tensor<T>, with_der: bool) -> BasisCache<T> {
        let (ni, k, nt) = (self.n_in, self.k, self.nt());
        let n = x.rows;
        let w = k + 1;
        // SAFETY: the tasks below write every entry of row, val, der, b and db (each input
        // all of its n), and the first nmoved[i] of input i's part of moved, which are all
        // that is read of it.
        let mut c = unsafe {
            BasisCache {
                eff: None,
                keep: false,
                groups: Default::default(),
                gram: Default::default(),
                fold: Default::default(),
                n,
                row: pool::unfilled(n * ni),
                moved: pool::unfilled(n * ni),
                val: pool::unfilled(n * ni * w),
                der: if with_der { pool::unfilled(n * ni * w) } else { Vec::new() },
                b: pool::unfilled(n * ni),
                db: pool::unfilled(n * ni),
            }
        };
        // Inputs go in parts, one task each (see crate::par): an input's entries, and its
        // moved entries (in a region of `moved` of its own, gathered in order below), depend
        // on that input alone. Each thread pads knots into a buffer of its own. A part has
        // about a thousand entries at least: a few rows (a test set's) are not worth a run.
        let parts = par::parts(ni, 1024usize.div_ceil(n.max(1)));
        let slots = par::width();
        let mut tps: Vec<Vec<T>> = (0..slots).map(|_| Vec::with_capacity(nt + 2 * k)).collect();
        let mut spans: Vec<CubicSpans<T>> = (0..slots).map(|_| CubicSpans::default()).collect();
        let mut nmoved: Vec<usize> = pool::zeros(ni);
        {
            let BasisCache { row, moved, val, der, b, db, .. } = &mut c;
            let sh = (par::Shared::new(row), par::Shared::new(moved), par::Shared::new(val), par::Shared::new(der), par::Shared::new(b), par::Shared::new(db));
            let (tp_at, nm_at) = (par::Shared::new(&mut tps), par::Shared::new(&mut nmoved));
            let sp_at = par::Shared::new(&mut spans);
            let task = |t: usize, slot: usize| {
                // SAFETY: each thread has its own knot buffer
                let tp = unsafe { &mut tp_at.slice(slot..slot + 1)[0] };
                // SAFETY: and its own interval table
                let spans = unsafe { &mut sp_at.slice(slot..slot + 1)[0] };
                for i in par::part(ni, parts, t) {
                    let (e, v) = (i * n..(i + 1) * n, i * n * w..(i + 1) * n * w);
                    // SAFETY: the entries of input i belong to this task alone.
                    let mut s = unsafe {
                        Sink {
                            row: sh.0.slice(e.clone()),
                            moved: sh.1.slice(e.clone()),
                            val: sh.2.slice(v.clone()),
                            der: if with_der { sh.3.slice(v) } else { &mut [] },
                            b: sh.4.slice(e.clone()),
                            db: sh.5.slice(e),
                            q0: i * n,
                            at: 0,
                            nmoved: 0,
                        }
                    };
                    let t = self.knots_of(i);
                    debug_assert_eq!(t.len(), nt);
                    let xs = x.data[i..].iter().step_by(ni.max(1)).take(n).copied();
                    self.push_base(&mut s, xs.clone());
                    // cubic splines on uniform knots (no grid update yet) take a division-free
                    // path, 4 samples at a time
                    match bspline::uniform_step(t).filter(|_| k == 3).map(|h| T::ONE / h) {
                        Some(inv_h) => self.push_cubic(&mut s, i, xs, with_der, t[0], inv_h),
                        // on uneven knots (after a grid update), cubic splines take per-interval
                        // polynomials, other orders the Cox-de Boor scheme
                        None => {
                            if k == 3 {
                                spans.build(t);
                            } else {
                                bspline::pad_knots(t, k, tp);
                            }
                            let mut scratch = [T::ZERO; bspline::WIN];
                            let (tp, spans) = (&*tp, &*spans);
                            self.push_input(&mut s, i, xs, with_der, |xv, val, der| {
                                let der = der.unwrap_or(&mut scratch);
                                if k == 3 {
                                    spans.eval(xv, val, der)
                                } else {
                                    bspline::eval_padded(t, tp, k, xv, val, der)
                                }
                            })
                        }
                    }
                    debug_assert_eq!(s.at, n, "every entry of input {i} written");
                    // SAFETY: input i's count belongs to this task alone.
                    unsafe { nm_at.slice(i..i + 1)[0] = s.nmoved };
                }
            };
            // SAFETY: each task writes its own inputs' entries; the knot buffers have room.
            unsafe { par::run(parts, slots, &task) };
        }
        // the moved entries of every input, in order, to the front
        let mut m = 0;
        for (i, &cnt) in nmoved.iter().enumerate() {
            c.moved.copy_within(i * n..i * n + cnt, m);
            m += cnt;
        }
        c.moved.truncate(m);
        pool::give(nmoved);
        c
    }
}

/// One input's part of a [`BasisCache`] being filled, entry by entry from `at` on (`q0` is
/// the cache entry of its first sample), and its moved entries so far.
struct Sink<'a, T> {
    row: &'a mut [usize],
    moved: &'a mut [usize],
    val: &'a mut [T],
    der: &'a mut [T],
    b: &'a mut [T],
    db: &'a mut [T],
    q0: usize,
    at: usize,
    nmoved: usize,
}

impl<T: Real> Layer<T> {
    /// Writes the base function and its derivative at the samples `xs` into `c.b` and
    /// `c.db`, in a loop of its own over contiguous memory (in float32 it vectorises: see
    /// `Real::sigmoid`).
    fn push_base(&self, c: &mut Sink<'_, T>, xs: impl Iterator<Item = T>) {
        for (b, x) in c.b.iter_mut().zip(xs) {
            *b = x;
        }
        let (bs, dbs) = (&mut *c.b, &mut *c.db);
        match self.base {
            Base::Silu => {
                for (b, db) in bs.iter_mut().zip(dbs.iter_mut()) {
                    (*b, *db) = silu_both(*b);
                }
            }
            base => {
                for (b, db) in bs.iter_mut().zip(dbs.iter_mut()) {
                    (*b, *db) = base.eval(*b);
                }
            }
        }
    }

    /// [`Self::push_input`] for cubic windows on uniform knots from `t0`, `1 / inv_h` apart:
    /// 4 samples at a time through [`Real::cubic4`], and one by one where it declines (a
    /// window not wholly inside the basis) and for the last `n % 4` samples.
    fn push_cubic(&self, c: &mut Sink<'_, T>, i: usize, mut xs: impl Iterator<Item = T>, with_der: bool, t0: T, inv_h: T) {
        let (nt, no) = (self.nt(), self.n_out);
        let rows0 = i * self.nb() * no;
        let (mut val, mut der) = ([T::ZERO; 16], [T::ZERO; 16]);
        loop {
            let mut x = [T::ZERO; 4];
            let mut m = 0;
            for (xv, v) in x.iter_mut().zip(xs.by_ref()) {
                *xv = v;
                m += 1;
            }
            match T::cubic4(&x, t0, inv_h, nt, &mut val, with_der.then_some(&mut der)).filter(|_| m == 4) {
                Some(first) => {
                    let at = c.at;
                    for (r, j0) in c.row[at..at + 4].iter_mut().zip(first) {
                        *r = rows0 + j0 * no;
                    }
                    c.val[4 * at..4 * at + 16].copy_from_slice(&val);
                    if with_der {
                        c.der[4 * at..4 * at + 16].copy_from_slice(&der);
                    }
                    c.at += 4;
                }
                None => {
                    self.push_input(c, i, x.into_iter().take(m), with_der, |xv, val, der| bspline::eval_uniform_fixed::<T, 3, 4>(t0, inv_h, nt, xv, val, der))
                }
            }
            if m < 4 {
                break;
            }
        }
    }

    /// Writes input `i`'s window entries for the samples `xs` to `c`; `eval(x, val, der)`
    /// writes the window (and, given `der`, its derivatives) and returns its first basis,
    /// which may lie outside `0..nb` (`None`: no basis is non-zero).
    #[inline(always)]
    fn push_input(
        &self,
        c: &mut Sink<'_, T>,
        i: usize,
        xs: impl Iterator<Item = T>,
        with_der: bool,
        mut eval: impl FnMut(T, &mut [T], Option<&mut [T]>) -> Option<isize>,
    ) {
        let w = self.k + 1;
        // the last first basis of a window inside the basis (nb = g + k >= k + 1)
        let top = (self.nb() - w) as isize;
        let (rows0, no) = (i * self.nb() * self.n_out, self.n_out);
        // windows go straight into the cache (a window on the stack and its copy cost as
        // much as evaluating it); derivatives nobody asked for into a scratch buffer
        let mut scratch = [T::ZERO; bspline::WIN];
        for xv in xs {
            let at = c.at;
            let val = &mut c.val[w * at..w * (at + 1)];
            let der = if with_der { &mut c.der[w * at..w * (at + 1)] } else { &mut scratch[..w] };
            let st = eval(xv, val, if with_der { Some(&mut *der) } else { None });
            let j0 = match st {
                Some(st) if (0..=top).contains(&st) => st,
                // moved inside, keeping the bases that exist (none when x is outside)
                st => {
                    c.moved[c.nmoved] = c.q0 + at;
                    c.nmoved += 1;
                    let j0 = st.map_or(0, |st| st.clamp(0, top));
                    // basis j0 + r is the evaluated window's entry j0 + r - st, if any: moved
                    // in place (forwards for a shift down, backwards for one up)
                    let shift = st.map_or(w as isize, |st| j0 - st);
                    let mut mv = |r: usize| {
                        let src = r as isize + shift;
                        let ok = (0..w as isize).contains(&src);
                        val[r] = if ok { val[src as usize] } else { T::ZERO };
                        der[r] = if ok { der[src as usize] } else { T::ZERO };
                    };
                    match shift >= 0 {
                        true => (0..w).for_each(&mut mv),
                        false => (0..w).rev().for_each(&mut mv),
                    }
                    j0
                }
            };
            c.row[at] = rows0 + j0 as usize * no;
            c.at += 1;
        }
    }

    /// The effective weights from the cache when it holds them, else computed (and given
    /// back to the pool when dropped).
    pub(super) fn eff<'c>(&self, c: &'c BasisCache<T>, p: &[T]) -> (Eff<'c, T>, Eff<'c, T>) {
        match &c.eff {
            Some((w, wb)) => (Eff::Borrowed(w), Eff::Borrowed(wb)),
            None => {
                let (w, wb) = self.effective(p);
                (Eff::Owned(w), Eff::Owned(wb))
            }
        }
    }
}
