//! The forward kernel: every sample's outputs from the bases and weights of a block of
//! inputs ([`super::super::scalar::axpy_windows`] is its twin).

use core::arch::wasm32::*;

macro_rules! forward {
    ($t:ty, $lanes:expr, $splat:ident, $add:ident, $mul:ident, $win:ident, $win_n:ident, $win_big:ident) => {
        /// `V` vectors of `y` from `o` on, held in registers while the `len` listed rows
        /// stream by, one per step: row `t` starts at address `adr[t]` (its provenance
        /// exposed) and is scaled by `fac[t]`.
        #[inline(always)]
        unsafe fn $win_n<const V: usize>(fac: *const $t, adr: *const usize, len: usize, y: *mut $t, o: usize) {
            let mut acc = [$splat(0.0); V];
            for v in 0..V {
                acc[v] = v128_load(y.add(o + v * $lanes) as *const v128);
            }
            for t in 0..len {
                let a = $splat(*fac.add(t));
                let p = core::ptr::with_exposed_provenance::<$t>(*adr.add(t)).add(o);
                // written last vector first: LLVM emits the steps in the reverse order, so
                // the module loads the row in ascending addresses, the order in which V8
                // keeps each load next to its multiply
                for v in (0..V).rev() {
                    acc[v] = $add(acc[v], $mul(a, v128_load(p.add(v * $lanes) as *const v128)));
                }
            }
            for v in 0..V {
                v128_store(y.add(o + v * $lanes) as *mut v128, acc[v]);
            }
        }

        /// 12 vectors of `y` from `o` on, and a 13th when `wide`, held in registers as the
        /// narrow blocks hold theirs. A function of its own: scripts/build-wasm.sh keeps
        /// wasm-opt from inlining it, so V8 compiles the step loop as an outermost loop,
        /// which it does not unroll, and scripts/top-test-loops.mjs moves the loop's exit
        /// test to the top. Both keep V8 from issuing all of a step's loads first, which
        /// spills the accumulators.
        #[inline(never)]
        unsafe fn $win_big(fac: *const $t, adr: *const usize, len: usize, y: *mut $t, o: usize, wide: bool) {
            const V: usize = 12;
            let mut acc = [$splat(0.0); V];
            let mut acc13 = $splat(0.0);
            for v in 0..V {
                acc[v] = v128_load(y.add(o + v * $lanes) as *const v128);
            }
            if wide {
                acc13 = v128_load(y.add(o + V * $lanes) as *const v128);
            }
            for t in 0..len {
                let a = $splat(*fac.add(t));
                let p = core::ptr::with_exposed_provenance::<$t>(*adr.add(t)).add(o);
                if wide {
                    acc13 = $add(acc13, $mul(a, v128_load(p.add(V * $lanes) as *const v128)));
                }
                // last vector first, as in the narrow blocks
                for v in (0..V).rev() {
                    acc[v] = $add(acc[v], $mul(a, v128_load(p.add(v * $lanes) as *const v128)));
                }
            }
            for v in 0..V {
                v128_store(y.add(o + v * $lanes) as *mut v128, acc[v]);
            }
            if wide {
                v128_store(y.add(o + V * $lanes) as *mut v128, acc13);
            }
        }

        /// Every sample's outputs from a block of `m` inputs with windows of `w1` bases:
        /// for sample `s < n`, `y_s += sum_j (b[q] * wb_j + sum_r val[w1 q + r] *
        /// w[row[q] + r no..][..no])` with `q = j gap + s`, `wb_j = wb[j no..][..no]`,
        /// `r < w1`, `y_s = y[s no..][..no]`. Per sample, the rows of a run of inputs (base
        /// row, then window rows, input by input) are listed once with their factors (one
        /// sample ahead); then blocks of `y_s` stay in registers while the listed rows
        /// stream by, a row a step.
        pub fn $win(b: &[$t], val: &[$t], row: &[usize], n: usize, gap: usize, m: usize, w1: usize, wb: &[$t], w: &[$t], no: usize, y: &mut [$t]) {
            const LIST: usize = 160;
            if m == 0 || n == 0 {
                return;
            }
            let last = (m - 1) * gap + n - 1;
            assert!(
                w1 < LIST
                    && b.len() > last
                    && row.len() > last
                    && val.len() >= w1 * (last + 1)
                    && wb.len() >= m * no
                    && w.len() >= w1 * no
                    && y.len() >= n * no
            );
            // output blocks: as many of 12 or 13 vectors as the outputs allow (V8 11 keeps
            // 12 to 14 accumulators in registers in such a loop, but spills 7 to 11), the
            // rest in blocks of at most 6, as even as they can be
            let nv = no / $lanes;
            let nbig = nv / 12;
            let n13 = (nv - 12 * nbig).min(nbig);
            let rest = nv - 12 * nbig - n13;
            let nsmall = rest.div_ceil(6);
            let (vlo, nhi) = if nsmall > 0 { (rest / nsmall, rest % nsmall) } else { (0, 0) };
            let per = LIST / (w1 + 1);
            let wmax = w.len() - w1 * no;
            // two lists, written before they are read (entries `..len` of a run): sample
            // s + 1's goes into one while the kernels read sample s's from the other, so
            // that they never read what was stored just before
            let mut fac = [core::mem::MaybeUninit::<$t>::uninit(); 2 * LIST];
            let mut adr = [core::mem::MaybeUninit::<usize>::uninit(); 2 * LIST];
            let (bp, vp, rp) = (b.as_ptr(), val.as_ptr(), row.as_ptr());
            // the rows go into the list as addresses (exposed, so the kernels can make
            // pointers of them again); a window's 4 rows, `no` apart, as one vector
            let (wba, wa) = (wb.as_ptr().expose_provenance(), w.as_ptr().expose_provenance());
            let stride = no * core::mem::size_of::<$t>();
            let steps = u32x4(0, stride as u32, 2 * stride as u32, 3 * stride as u32);
            let (fp0, ap0) = (fac.as_mut_ptr() as *mut $t, adr.as_mut_ptr() as *mut usize);
            let mut j0 = 0;
            while j0 < m {
                let j1 = (j0 + per).min(m);
                let len = (w1 + 1) * (j1 - j0);
                for s in 0..=n {
                    if s < n {
                        let (fp, ap) = (fp0.wrapping_add((s & 1) * LIST), ap0.wrapping_add((s & 1) * LIST));
                        let mut e = 0;
                        for j in j0..j1 {
                            let q = j * gap + s;
                            // SAFETY: q <= last, so the entries read lie within b, val and
                            // row (asserted above); at most LIST entries are written.
                            unsafe {
                                let r0 = *rp.add(q);
                                assert!(r0 <= wmax);
                                *fp.add(e) = *bp.add(q);
                                *ap.add(e) = wba + j * stride;
                                let (vq, pw, f) = (vp.add(w1 * q), wa + r0 * core::mem::size_of::<$t>(), fp.add(e + 1));
                                if w1 == 4 {
                                    // cubic: the window's values and rows go over as whole
                                    // vectors (addresses are 32 bits wide in wasm32)
                                    for c in 0..4 / $lanes {
                                        v128_store(f.add(c * $lanes) as *mut v128, v128_load(vq.add(c * $lanes) as *const v128));
                                    }
                                    v128_store(ap.add(e + 1) as *mut v128, i32x4_add(u32x4_splat(pw as u32), steps));
                                } else {
                                    for r in 0..w1 {
                                        // one by one (a copy of a few values is not worth
                                        // a call to memory.copy)
                                        *f.add(r) = core::ptr::read_volatile(vq.add(r));
                                        *ap.add(e + 1 + r) = pw + r * stride;
                                    }
                                }
                            }
                            e += w1 + 1;
                        }
                    }
                    if s == 0 {
                        continue;
                    }
                    let s = s - 1;
                    let yp = y[s * no..].as_mut_ptr();
                    let (fp, ap) = (fp0.wrapping_add((s & 1) * LIST) as *const $t, ap0.wrapping_add((s & 1) * LIST) as *const usize);
                    let mut o = 0;
                    // SAFETY: every listed row holds `no` entries from its address (its
                    // window within w, its base row within wb: asserted); the blocks end
                    // at or before no, within y_s.
                    unsafe {
                        for k in 0..nbig + nsmall {
                            let v = if k < nbig { 12 + usize::from(k < n13) } else { vlo + usize::from(k - nbig < nhi) };
                            match v {
                                13 => $win_big(fp, ap, len, yp, o, true),
                                12 => $win_big(fp, ap, len, yp, o, false),
                                6 => $win_n::<6>(fp, ap, len, yp, o),
                                5 => $win_n::<5>(fp, ap, len, yp, o),
                                4 => $win_n::<4>(fp, ap, len, yp, o),
                                3 => $win_n::<3>(fp, ap, len, yp, o),
                                2 => $win_n::<2>(fp, ap, len, yp, o),
                                _ => $win_n::<1>(fp, ap, len, yp, o),
                            }
                            o += v * $lanes;
                        }
                        while o < no {
                            let mut acc = *yp.add(o);
                            for t in 0..len {
                                acc += *fp.add(t) * *core::ptr::with_exposed_provenance::<$t>(*ap.add(t)).add(o);
                            }
                            *yp.add(o) = acc;
                            o += 1;
                        }
                    }
                }
                j0 = j1;
            }
        }
    };
}

forward!(f32, 4, f32x4_splat, f32x4_add, f32x4_mul, axpy_windows_f32, win_n_f32, win_big_f32);
forward!(f64, 2, f64x2_splat, f64x2_add, f64x2_mul, axpy_windows_f64, win_n_f64, win_big_f64);
