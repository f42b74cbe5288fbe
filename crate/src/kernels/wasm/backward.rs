//! The backward kernels: the weight gradients of a layer, and its inputs' share of d/dx
//! (twins of the same names in [`super::super::scalar`]).

use super::{ext32, ext64};
use core::arch::wasm32::*;

macro_rules! backward {
    ($t:ty, $lanes:expr, $splat:ident, $add:ident, $mul:ident, $ext:ident, $grad:ident, $ger:ident, $grad_n:ident, $ger_n:ident, $group:ident, $group_n:ident, $base_n:ident) => {
        /// `V` vectors from `o` on of the 4 window rows (`no` apart in `gw`), held in
        /// registers while every sample of the group adds its multiples of its output
        /// gradient; the base row `gwb`, when given, takes its share in a second pass.
        #[inline(always)]
        unsafe fn $group_n<const V: usize>(alpha: &[[$t; 5]], goff: &[u32], g: *const $t, gw: *mut $t, no: usize, o: usize) {
            let mut acc = [[$splat(0.0); V]; 4];
            for r in 0..4 {
                let p = gw.add(r * no + o);
                for l in 0..V {
                    acc[r][l] = v128_load(p.add(l * $lanes) as *const v128);
                }
            }
            for (a, &go) in alpha.iter().zip(goff) {
                let p = g.add(go as usize + o);
                let mut gv = [$splat(0.0); V];
                for l in 0..V {
                    gv[l] = v128_load(p.add(l * $lanes) as *const v128);
                }
                for r in 0..4 {
                    let va = $splat(a[r + 1]);
                    for l in 0..V {
                        acc[r][l] = $add(acc[r][l], $mul(va, gv[l]));
                    }
                }
            }
            for r in 0..4 {
                let p = gw.add(r * no + o);
                for l in 0..V {
                    v128_store(p.add(l * $lanes) as *mut v128, acc[r][l]);
                }
            }
        }

        /// The base row's share: `V` vectors of `gwb` from `o` on in registers.
        #[inline(always)]
        unsafe fn $base_n<const V: usize>(alpha: &[[$t; 5]], goff: &[u32], g: *const $t, gwb: *mut $t, o: usize) {
            let mut acc = [$splat(0.0); V];
            for l in 0..V {
                acc[l] = v128_load(gwb.add(o + l * $lanes) as *const v128);
            }
            for (a, &go) in alpha.iter().zip(goff) {
                let p = g.add(go as usize + o);
                let va = $splat(a[0]);
                for l in 0..V {
                    acc[l] = $add(acc[l], $mul(va, v128_load(p.add(l * $lanes) as *const v128)));
                }
            }
            for l in 0..V {
                v128_store(gwb.add(o + l * $lanes) as *mut v128, acc[l]);
            }
        }

        /// The weight gradients of a group of samples that share one full window of 4
        /// bases (cubic splines): for each sample `m`, with `a = alpha[5m..5m+5]` and its
        /// output gradient `g[goff[m]..][..no]`, `gwb += a[0] * g` and
        /// `gw_r += a[1 + r] * g` for the 4 rows stored `no = gwb.len()` apart in `gw`.
        /// Blocks of the rows stay in registers across the whole group.
        pub fn $group(alpha: &[$t], goff: &[u32], g: &[$t], gwb: &mut [$t], gw: &mut [$t]) {
            let no = gwb.len();
            let (alpha, _) = alpha.as_chunks::<5>();
            let m = alpha.len().min(goff.len());
            let (alpha, goff) = (&alpha[..m], &goff[..m]);
            assert!(gw.len() >= 4 * no);
            for &go in goff {
                assert!(go as usize + no <= g.len());
            }
            let (gp, gbp, gwp) = (g.as_ptr(), gwb.as_mut_ptr(), gw.as_mut_ptr());
            let mut o = 0;
            // SAFETY: every sample's gradient row holds no elements from its offset, the
            // base row no and gw 4 rows of no (asserted); blocks end at or before no.
            unsafe {
                while o + 2 * $lanes <= no {
                    $group_n::<2>(alpha, goff, gp, gwp, no, o);
                    o += 2 * $lanes;
                }
                if o + $lanes <= no {
                    $group_n::<1>(alpha, goff, gp, gwp, no, o);
                    o += $lanes;
                }
                let tail = o;
                o = 0;
                while o + 4 * $lanes <= no {
                    $base_n::<4>(alpha, goff, gp, gbp, o);
                    o += 4 * $lanes;
                }
                while o + $lanes <= no {
                    $base_n::<1>(alpha, goff, gp, gbp, o);
                    o += $lanes;
                }
                for o in tail..no {
                    let mut acc = [*gbp.add(o), *gwp.add(o), *gwp.add(no + o), *gwp.add(2 * no + o), *gwp.add(3 * no + o)];
                    for (a, &go) in alpha.iter().zip(goff) {
                        let gv = *gp.add(go as usize + o);
                        for r in 0..5 {
                            acc[r] += a[r] * gv;
                        }
                    }
                    *gbp.add(o) = acc[0];
                    for r in 0..4 {
                        *gwp.add(r * no + o) = acc[r + 1];
                    }
                }
            }
        }

        /// `V` vectors of `g` from `o` on, held in registers while the base row and the
        /// `v.len()` rows stored `no` apart in `gw` take their multiples.
        #[inline(always)]
        unsafe fn $ger_n<const V: usize>(g: *const $t, base: Option<($t, *mut $t)>, v: &[$t], gw: *mut $t, no: usize, o: usize) {
            let mut gv = [$splat(0.0); V];
            let gp = g.add(o);
            for l in 0..V {
                gv[l] = v128_load(gp.add(l * $lanes) as *const v128);
            }
            // each row's vectors at constant offsets from one address
            let row = |va: v128, p: *mut $t| {
                for l in 0..V {
                    let pl = p.add(l * $lanes) as *mut v128;
                    v128_store(pl, $add(v128_load(pl), $mul(va, gv[l])));
                }
            };
            if let Some((b, gwb)) = base {
                row($splat(b), gwb.add(o));
            }
            for (r, a) in v.iter().enumerate() {
                row($splat(*a), gw.add(r * no + o));
            }
        }

        /// `gwb += b * g` for the base row `(b, gwb)` when given, and `gw_r += v[r] * g`
        /// for the `v.len()` rows stored `no = g.len()` apart in `gw`.
        pub fn $ger(g: &[$t], base: Option<($t, &mut [$t])>, v: &[$t], gw: &mut [$t]) {
            let no = g.len();
            assert!(gw.len() >= v.len() * no);
            let base = base.map(|(b, gwb)| {
                assert!(gwb.len() >= no);
                (b, gwb.as_mut_ptr())
            });
            let (gp, gwp) = (g.as_ptr(), gw.as_mut_ptr());
            let mut o = 0;
            // SAFETY: gw holds v.len() rows of no elements and the base row no elements
            // (asserted); blocks end at or before no; the rows are separate from g.
            unsafe {
                while o + 4 * $lanes <= no {
                    $ger_n::<4>(gp, base, v, gwp, no, o);
                    o += 4 * $lanes;
                }
                if o + 2 * $lanes <= no {
                    $ger_n::<2>(gp, base, v, gwp, no, o);
                    o += 2 * $lanes;
                }
                if o + $lanes <= no {
                    $ger_n::<1>(gp, base, v, gwp, no, o);
                    o += $lanes;
                }
                while o < no {
                    let go = *gp.add(o);
                    if let Some((b, gwb)) = base {
                        *gwb.add(o) += b * go;
                    }
                    for (r, a) in v.iter().enumerate() {
                        *gwp.add(r * no + o) += *a * go;
                    }
                    o += 1;
                }
            }
        }

        /// `V` vectors of `g` from `o` on, held in registers while the base row and the
        /// `v.len()` window rows (`no` apart in `w` and `gw`) take their gradients;
        /// returns the lanes of the block's share of `d/dx`.
        #[inline(always)]
        unsafe fn $grad_n<const V: usize>(
            g: *const $t,
            base: Option<($t, $t, *const $t, *mut $t)>,
            v: &[$t],
            d: &[$t],
            w: *const $t,
            gw: *mut $t,
            no: usize,
            o: usize,
        ) -> v128 {
            let mut gv = [$splat(0.0); V];
            let mut ws = [$splat(0.0); V];
            let gp = g.add(o);
            for l in 0..V {
                gv[l] = v128_load(gp.add(l * $lanes) as *const v128);
            }
            // each row's vectors at constant offsets from one address
            let mut row = |va: v128, vd: v128, pw: *const $t, pg: *mut $t| {
                for l in 0..V {
                    let p = pg.add(l * $lanes) as *mut v128;
                    v128_store(p, $add(v128_load(p), $mul(va, gv[l])));
                    ws[l] = $add(ws[l], $mul(vd, v128_load(pw.add(l * $lanes) as *const v128)));
                }
            };
            if let Some((b, db, wb, gwb)) = base {
                row($splat(b), $splat(db), wb.add(o), gwb.add(o));
            }
            for r in 0..v.len() {
                row($splat(v[r]), $splat(d[r]), w.add(r * no + o), gw.add(r * no + o));
            }
            let mut acc = $mul(ws[0], gv[0]);
            for l in 1..V {
                acc = $add(acc, $mul(ws[l], gv[l]));
            }
            acc
        }

        /// The gradients of one (sample, input): the base row `(b, db, wb, gwb)` when
        /// given, then `v.len()` window rows stored `no = g.len()` apart in `w` and `gw`:
        /// `gw_r += v[r] * g`, `gwb += b * g`; returns
        /// `db * dot(wb, g) + sum_r d[r] * dot(w_r, g)`.
        #[allow(clippy::type_complexity)]
        pub fn $grad(g: &[$t], base: Option<($t, $t, &[$t], &mut [$t])>, v: &[$t], d: &[$t], w: &[$t], gw: &mut [$t]) -> $t {
            let no = g.len();
            let cnt = v.len().min(d.len());
            assert!(w.len() >= cnt * no && gw.len() >= cnt * no);
            let base = base.map(|(b, db, wb, gwb)| {
                assert!(wb.len() >= no && gwb.len() >= no);
                (b, db, wb.as_ptr(), gwb.as_mut_ptr())
            });
            let (v, d) = (&v[..cnt], &d[..cnt]);
            let (gp, wp, gwp) = (g.as_ptr(), w.as_ptr(), gw.as_mut_ptr());
            let mut acc = $splat(0.0);
            let mut o = 0;
            let mut dx: $t = 0.0;
            // SAFETY: w and gw hold cnt rows of no elements, the base rows no elements
            // (asserted); blocks end at or before no; gradient rows are separate buffers
            // from w, wb and g.
            unsafe {
                while o + 4 * $lanes <= no {
                    acc = $add(acc, $grad_n::<4>(gp, base, v, d, wp, gwp, no, o));
                    o += 4 * $lanes;
                }
                if o + 2 * $lanes <= no {
                    acc = $add(acc, $grad_n::<2>(gp, base, v, d, wp, gwp, no, o));
                    o += 2 * $lanes;
                }
                if o + $lanes <= no {
                    acc = $add(acc, $grad_n::<1>(gp, base, v, d, wp, gwp, no, o));
                    o += $lanes;
                }
                for l in 0..$lanes {
                    dx += $ext(acc, l);
                }
                while o < no {
                    let go = *gp.add(o);
                    let mut wsum = 0.0;
                    if let Some((b, db, wb, gwb)) = base {
                        *gwb.add(o) += b * go;
                        wsum += db * *wb.add(o);
                    }
                    for r in 0..cnt {
                        *gwp.add(r * no + o) += v[r] * go;
                        wsum += d[r] * *wp.add(r * no + o);
                    }
                    dx += wsum * go;
                    o += 1;
                }
            }
            dx
        }
    };
}

backward!(f32, 4, f32x4_splat, f32x4_add, f32x4_mul, ext32, grad_window_f32, ger_window_f32, grad_n_f32, ger_n_f32, ger_group_f32, group_n_f32, base_n_f32);
backward!(f64, 2, f64x2_splat, f64x2_add, f64x2_mul, ext64, grad_window_f64, ger_window_f64, grad_n_f64, ger_n_f64, ger_group_f64, group_n_f64, base_n_f64);

macro_rules! dx_window {
    ($t:ty, $lanes:expr, $splat:ident, $add:ident, $mul:ident, $ext:ident, $name:ident) => {
        /// [`crate::real::Real::dx_window`]: two vectors of outputs a step, each with an
        /// accumulator of its own. Out of line, in the module too (scripts/build-wasm.sh).
        #[inline(never)]
        pub fn $name(g: &[$t], db: $t, wb: &[$t], d: &[$t; 4], w: &[$t]) -> $t {
            let no = g.len();
            assert!(wb.len() >= no && w.len() >= 4 * no);
            let (gp, bp, wp) = (g.as_ptr(), wb.as_ptr(), w.as_ptr());
            let (sb, sd) = ($splat(db), d.map(|v| $splat(v)));
            // SAFETY: g, the base row and the 4 rows (no apart in w) hold no elements
            // from each vector's offset, which ends at or before no (asserted above).
            let term = |o: usize| unsafe {
                let mut t = $mul(sb, v128_load(bp.add(o) as *const v128));
                for r in 0..4 {
                    t = $add(t, $mul(sd[r], v128_load(wp.add(r * no + o) as *const v128)));
                }
                $mul(t, v128_load(gp.add(o) as *const v128))
            };
            let (mut a0, mut a1) = ($splat(0.0), $splat(0.0));
            let mut o = 0;
            while o + 2 * $lanes <= no {
                a0 = $add(a0, term(o));
                a1 = $add(a1, term(o + $lanes));
                o += 2 * $lanes;
            }
            if o + $lanes <= no {
                a0 = $add(a0, term(o));
                o += $lanes;
            }
            let acc = $add(a0, a1);
            let mut dx: $t = 0.0;
            for l in 0..$lanes {
                dx += $ext(acc, l);
            }
            for o in o..no {
                let mut t = db * wb[o];
                for r in 0..4 {
                    t += d[r] * w[r * no + o];
                }
                dx += t * g[o];
            }
            dx
        }
    };
}

dx_window!(f32, 4, f32x4_splat, f32x4_add, f32x4_mul, ext32, dx_window_f32);
dx_window!(f64, 2, f64x2_splat, f64x2_add, f64x2_mul, ext64, dx_window_f64);
