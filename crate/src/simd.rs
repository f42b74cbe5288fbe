//! The hot kernels: `dot` and `axpy` in f32 and f64, with a wasm32 SIMD128 path and a
//! scalar twin of the same name in [`scalar`].
//!
//! ```
//! use kanwasm_core::simd;
//! let a = [1.0f64, 2.0, 3.0];
//! assert_eq!(simd::dot_f64(&a, &a), 14.0);
//! assert_eq!(simd::scalar::dot_f64(&a, &a), 14.0);
//! ```
//! The SIMD versions sum in lanes, so they differ from the scalar twins by rounding only;
//! the wasm parity test holds them within a few ulps of the condition number.

/// Scalar twins: the reference for the SIMD kernels, and the native path.
pub mod scalar {
    macro_rules! kernels {
        ($t:ty, $dot:ident, $axpy:ident) => {
            /// `sum_i a[i] * b[i]` over `min(a.len(), b.len())` elements.
            #[inline]
            pub fn $dot(a: &[$t], b: &[$t]) -> $t {
                let n = a.len().min(b.len());
                let mut s: $t = 0.0;
                for i in 0..n {
                    s += a[i] * b[i];
                }
                s
            }
            /// `y[i] += alpha * x[i]` over `min(x.len(), y.len())` elements.
            #[inline]
            pub fn $axpy(alpha: $t, x: &[$t], y: &mut [$t]) {
                let n = x.len().min(y.len());
                let (x, y) = (&x[..n], &mut y[..n]);
                for i in 0..n {
                    y[i] += alpha * x[i];
                }
            }
        };
    }
    kernels!(f32, dot_f32, axpy_f32);
    kernels!(f64, dot_f64, axpy_f64);
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use scalar::{axpy_f32, axpy_f64, dot_f32, dot_f64};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use core::arch::wasm32::*;

    #[inline]
    pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc0 = f32x4_splat(0.0);
        let mut acc1 = f32x4_splat(0.0);
        let mut i = 0;
        // SAFETY: every load reads 4 (or 8) elements that lie inside `a[..n]` and `b[..n]`;
        // v128_load has no alignment requirement.
        unsafe {
            while i + 8 <= n {
                let pa = a.as_ptr().add(i) as *const v128;
                let pb = b.as_ptr().add(i) as *const v128;
                acc0 = f32x4_add(acc0, f32x4_mul(v128_load(pa), v128_load(pb)));
                acc1 = f32x4_add(acc1, f32x4_mul(v128_load(pa.add(1)), v128_load(pb.add(1))));
                i += 8;
            }
            if i + 4 <= n {
                let pa = a.as_ptr().add(i) as *const v128;
                let pb = b.as_ptr().add(i) as *const v128;
                acc0 = f32x4_add(acc0, f32x4_mul(v128_load(pa), v128_load(pb)));
                i += 4;
            }
        }
        let acc = f32x4_add(acc0, acc1);
        let mut s = (f32x4_extract_lane::<0>(acc) + f32x4_extract_lane::<1>(acc)) + (f32x4_extract_lane::<2>(acc) + f32x4_extract_lane::<3>(acc));
        while i < n {
            s += a[i] * b[i];
            i += 1;
        }
        s
    }

    #[inline]
    pub fn dot_f64(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc0 = f64x2_splat(0.0);
        let mut acc1 = f64x2_splat(0.0);
        let mut i = 0;
        // SAFETY: loads stay inside `a[..n]` and `b[..n]`.
        unsafe {
            while i + 4 <= n {
                let pa = a.as_ptr().add(i) as *const v128;
                let pb = b.as_ptr().add(i) as *const v128;
                acc0 = f64x2_add(acc0, f64x2_mul(v128_load(pa), v128_load(pb)));
                acc1 = f64x2_add(acc1, f64x2_mul(v128_load(pa.add(1)), v128_load(pb.add(1))));
                i += 4;
            }
            if i + 2 <= n {
                let pa = a.as_ptr().add(i) as *const v128;
                let pb = b.as_ptr().add(i) as *const v128;
                acc0 = f64x2_add(acc0, f64x2_mul(v128_load(pa), v128_load(pb)));
                i += 2;
            }
        }
        let acc = f64x2_add(acc0, acc1);
        let mut s = f64x2_extract_lane::<0>(acc) + f64x2_extract_lane::<1>(acc);
        while i < n {
            s += a[i] * b[i];
            i += 1;
        }
        s
    }

    #[inline]
    pub fn axpy_f32(alpha: f32, x: &[f32], y: &mut [f32]) {
        let n = x.len().min(y.len());
        let (x, y) = (&x[..n], &mut y[..n]);
        let va = f32x4_splat(alpha);
        let mut i = 0;
        // SAFETY: loads and stores stay inside `x[..n]` and `y[..n]`.
        unsafe {
            while i + 4 <= n {
                let px = x.as_ptr().add(i) as *const v128;
                let py = y.as_mut_ptr().add(i) as *mut v128;
                v128_store(py, f32x4_add(v128_load(py), f32x4_mul(va, v128_load(px))));
                i += 4;
            }
        }
        while i < n {
            y[i] += alpha * x[i];
            i += 1;
        }
    }

    #[inline]
    pub fn axpy_f64(alpha: f64, x: &[f64], y: &mut [f64]) {
        let n = x.len().min(y.len());
        let (x, y) = (&x[..n], &mut y[..n]);
        let va = f64x2_splat(alpha);
        let mut i = 0;
        // SAFETY: loads and stores stay inside `x[..n]` and `y[..n]`.
        unsafe {
            while i + 2 <= n {
                let px = x.as_ptr().add(i) as *const v128;
                let py = y.as_mut_ptr().add(i) as *mut v128;
                v128_store(py, f64x2_add(v128_load(py), f64x2_mul(va, v128_load(px))));
                i += 2;
            }
        }
        if i < n {
            y[i] += alpha * x[i];
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use wasm::{axpy_f32, axpy_f64, dot_f32, dot_f64};

#[cfg(test)]
mod tests {
    use super::*;

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
}

/// A peak-throughput probe: `iters` rounds of multiply-add on 12 independent f32x4
/// accumulators (96 flops a round). Returns a value that depends on every round so the
/// loop cannot be removed. Benchmarks divide 96 * iters by the time taken.
///
/// Twelve chains, because a multiply-add chain has the latency of a multiply plus an add:
/// with 8 chains the loop waits on latency and reads about 30% below what the vector units
/// do; 12 keep them busy and still fit V8's 15 vector registers on x64 (14 spill).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(never)]
pub fn peak_probe_f32(iters: u32) -> f32 {
    use core::arch::wasm32::*;
    // opaque factors: a constant folded into the loop is rebuilt at every use by some
    // engines' code generators, which then measure their constant handling, not the units
    let a = f32x4_splat(core::hint::black_box(0.999_999));
    let b = f32x4_splat(core::hint::black_box(1e-7));
    let mut acc = [f32x4_splat(1.0); 12];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = f32x4_add(f32x4_mul(*v, a), b);
        }
    }
    let mut s = f32x4_splat(0.0);
    for v in acc {
        s = f32x4_add(s, v);
    }
    f32x4_extract_lane::<0>(s)
}

/// The scalar twin of the probe (one lane, same arithmetic).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub fn peak_probe_f32(iters: u32) -> f32 {
    let mut acc = [1.0f32; 48];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = *v * 0.999_999 + 1e-7;
        }
    }
    acc.iter().sum::<f32>() / 4.0
}

/// Scalar twins of the fused kernels.
pub mod fused_scalar {
    use crate::real::Real;

    /// [`crate::real::Real::cubic4`], sample by sample.
    pub fn cubic4<T: Real>(x: &[T; 4], t0: T, inv_h: T, nt: usize, val: &mut [T; 16], mut der: Option<&mut [T; 16]>) -> Option<[usize; 4]> {
        let mut first = [0; 4];
        for s in 0..4 {
            let d = der.as_deref_mut().map(|d| &mut d[4 * s..4 * s + 4]);
            let st = crate::bspline::eval_uniform_fixed::<T, 3, 4>(t0, inv_h, nt, x[s], &mut val[4 * s..4 * s + 4], d)?;
            first[s] = usize::try_from(st).ok().filter(|&st| st + 8 <= nt)?;
        }
        Some(first)
    }

    pub fn dx_window<T: Real>(g: &[T], db: T, wb: &[T], d: &[T; 4], w: &[T]) -> T {
        let no = g.len();
        let mut dx = T::ZERO;
        for (o, &go) in g.iter().enumerate() {
            let mut t = db * wb[o];
            for (r, &dr) in d.iter().enumerate() {
                t += dr * w[r * no + o];
            }
            dx += t * go;
        }
        dx
    }

    pub fn axpy_windows<T: Real>(b: &[T], val: &[T], row: &[usize], n: usize, m: usize, w1: usize, wb: &[T], w: &[T], no: usize, y: &mut [T]) {
        for (s, ys) in y.chunks_exact_mut(no).take(n).enumerate() {
            for (o, yo) in ys.iter_mut().enumerate() {
                let mut acc = *yo;
                for j in 0..m {
                    let q = j * n + s;
                    acc += b[q] * wb[j * no + o];
                    for r in 0..w1 {
                        acc += val[w1 * q + r] * w[row[q] + r * no + o];
                    }
                }
                *yo = acc;
            }
        }
    }

    pub fn ger_window<T: Real>(g: &[T], mut base: Option<(T, &mut [T])>, v: &[T], gw: &mut [T]) {
        let no = g.len();
        for (o, &go) in g.iter().enumerate() {
            if let Some((b, gwb)) = base.as_mut() {
                gwb[o] += *b * go;
            }
            for (r, a) in v.iter().enumerate() {
                gw[r * no + o] += *a * go;
            }
        }
    }

    pub fn ger_group<T: Real>(alpha: &[T], goff: &[u32], g: &[T], gwb: &mut [T], gw: &mut [T]) {
        let no = gwb.len();
        for o in 0..no {
            let mut acc = [gwb[o], gw[o], gw[no + o], gw[2 * no + o], gw[3 * no + o]];
            for (a, &go) in alpha.chunks_exact(5).zip(goff) {
                let gv = g[go as usize + o];
                for r in 0..5 {
                    acc[r] += a[r] * gv;
                }
            }
            gwb[o] = acc[0];
            for r in 0..4 {
                gw[r * no + o] = acc[r + 1];
            }
        }
    }

    #[allow(clippy::type_complexity)]
    pub fn grad_window<T: Real>(g: &[T], mut base: Option<(T, T, &[T], &mut [T])>, v: &[T], d: &[T], w: &[T], gw: &mut [T]) -> T {
        let no = g.len();
        let mut dx = T::ZERO;
        for (o, &go) in g.iter().enumerate() {
            let mut wsum = T::ZERO;
            if let Some((b, db, wb, gwb)) = base.as_mut() {
                gwb[o] += *b * go;
                wsum += *db * wb[o];
            }
            for r in 0..v.len().min(d.len()) {
                gw[r * no + o] += v[r] * go;
                wsum += d[r] * w[r * no + o];
            }
            dx += wsum * go;
        }
        dx
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod fused_wasm {
    use core::arch::wasm32::*;

    macro_rules! kernels {
        ($t:ty, $lanes:expr, $splat:ident, $add:ident, $mul:ident, $ext:ident, $grad:ident, $ger:ident, $grad_n:ident, $ger_n:ident, $group:ident, $group_n:ident, $base_n:ident, $win:ident, $win_n:ident, $win_big:ident) => {
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
            /// w[row[q] + r no..][..no])` with `q = j n + s`, `wb_j = wb[j no..][..no]`,
            /// `r < w1`, `y_s = y[s no..][..no]`. Per sample, the rows of a run of inputs (base
            /// row, then window rows, input by input) are listed once with their factors (one
            /// sample ahead); then blocks of `y_s` stay in registers while the listed rows
            /// stream by, a row a step.
            pub fn $win(b: &[$t], val: &[$t], row: &[usize], n: usize, m: usize, w1: usize, wb: &[$t], w: &[$t], no: usize, y: &mut [$t]) {
                const LIST: usize = 160;
                if m == 0 || n == 0 {
                    return;
                }
                let last = (m - 1) * n + n - 1;
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
                                let q = j * n + s;
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

    macro_rules! cubic {
        ($t:ty, $lanes:expr, $splat:ident, $add:ident, $sub:ident, $mul:ident, $floor:ident, $ge:ident, $le:ident, $tr:ident, $name:ident) => {
            /// [`crate::real::Real::cubic4`]: `$lanes` samples a vector, each step of the
            /// recursion of `bspline::eval_uniform_fixed` (K = 3) as one vector operation,
            /// so each lane computes what the scalar code computes, bit for bit.
            pub fn $name(x: &[$t; 4], t0: $t, inv_h: $t, nt: usize, val: &mut [$t; 16], mut der: Option<&mut [$t; 16]>) -> Option<[usize; 4]> {
                let c = |v: $t| $splat(v);
                let (vt0, vh) = (c(t0), c(inv_h));
                let (lo, hi) = (c(3.0), c(nt.saturating_sub(5) as $t));
                let mut zs = [c(0.0); 4 / $lanes];
                let mut ok = c(0.0);
                for h in 0..4 / $lanes {
                    // SAFETY: x holds 4 values, the block `$lanes` of them from h * $lanes.
                    let xv = unsafe { v128_load(x.as_ptr().add(h * $lanes) as *const v128) };
                    zs[h] = $mul($sub(xv, vt0), vh);
                    let f = $floor(zs[h]);
                    // the window lies inside the basis: first interval 3 ..= nt - 5 (NaN fails)
                    let inside = v128_and($ge(f, lo), $le(f, hi));
                    ok = if h == 0 { inside } else { v128_and(ok, inside) };
                }
                if !i32x4_all_true(ok) {
                    return None;
                }
                let mut first = [0; 4];
                for h in 0..4 / $lanes {
                    let z = zs[h];
                    let f = $floor(z);
                    let u = $sub(z, f);
                    let mut nv = [c(1.0), c(0.0), c(0.0), c(0.0)];
                    let mut quot = [c(0.0); 4];
                    for j in 1..=3 {
                        let inv_j = c(1.0 / j as $t);
                        let mut saved = c(0.0);
                        for r in 0..j {
                            let q = $mul(nv[r], inv_j);
                            if j == 3 {
                                quot[r] = q;
                            }
                            nv[r] = $add(saved, $mul($sub(c((r + 1) as $t), u), q));
                            saved = $mul($add(u, c((j - r - 1) as $t)), q);
                        }
                        nv[j] = saved;
                    }
                    // SAFETY: a v128 is `$lanes` values of `$t`, bit for bit.
                    let fl: [$t; $lanes] = unsafe { core::mem::transmute(f) };
                    for l in 0..$lanes {
                        // the window's first basis: 3 intervals before the sample's
                        first[h * $lanes + l] = fl[l] as usize - 3;
                    }
                    // SAFETY: val and der hold 16 values, 4 vectors of them from h * 4 * $lanes.
                    let put = |out: &mut [$t; 16], v: [v128; 4]| unsafe {
                        for (m, v) in $tr(v).into_iter().enumerate() {
                            v128_store(out.as_mut_ptr().add(h * 4 * $lanes + m * $lanes) as *mut v128, v);
                        }
                    };
                    put(val, nv);
                    if let Some(d) = der.as_deref_mut() {
                        let kf = c(3.0 * inv_h);
                        let z0 = c(0.0);
                        put(d, [$mul(kf, $sub(z0, quot[0])), $mul(kf, $sub(quot[0], quot[1])), $mul(kf, $sub(quot[1], quot[2])), $mul(kf, $sub(quot[2], z0))]);
                    }
                }
                Some(first)
            }
        };
    }

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

    /// The 4 x 4 transpose: vector `m` of the result holds lane `m` of `a`, `b`, `c`, `d`.
    #[inline(always)]
    fn tr32([a, b, c, d]: [v128; 4]) -> [v128; 4] {
        let (t0, t1) = (i32x4_shuffle::<0, 4, 1, 5>(a, b), i32x4_shuffle::<2, 6, 3, 7>(a, b));
        let (t2, t3) = (i32x4_shuffle::<0, 4, 1, 5>(c, d), i32x4_shuffle::<2, 6, 3, 7>(c, d));
        [i32x4_shuffle::<0, 1, 4, 5>(t0, t2), i32x4_shuffle::<2, 3, 6, 7>(t0, t2), i32x4_shuffle::<0, 1, 4, 5>(t1, t3), i32x4_shuffle::<2, 3, 6, 7>(t1, t3)]
    }
    /// Two lanes of four vectors, lane by lane: lane 0 of `a`, `b`; of `c`, `d`; then lane 1.
    #[inline(always)]
    fn tr64([a, b, c, d]: [v128; 4]) -> [v128; 4] {
        [i64x2_shuffle::<0, 2>(a, b), i64x2_shuffle::<0, 2>(c, d), i64x2_shuffle::<1, 3>(a, b), i64x2_shuffle::<1, 3>(c, d)]
    }

    cubic!(f32, 4, f32x4_splat, f32x4_add, f32x4_sub, f32x4_mul, f32x4_floor, f32x4_ge, f32x4_le, tr32, cubic4_f32);
    cubic!(f64, 2, f64x2_splat, f64x2_add, f64x2_sub, f64x2_mul, f64x2_floor, f64x2_ge, f64x2_le, tr64, cubic4_f64);

    #[inline(always)]
    fn ext32(v: v128, l: usize) -> f32 {
        match l {
            0 => f32x4_extract_lane::<0>(v),
            1 => f32x4_extract_lane::<1>(v),
            2 => f32x4_extract_lane::<2>(v),
            _ => f32x4_extract_lane::<3>(v),
        }
    }
    #[inline(always)]
    fn ext64(v: v128, l: usize) -> f64 {
        if l == 0 {
            f64x2_extract_lane::<0>(v)
        } else {
            f64x2_extract_lane::<1>(v)
        }
    }

    kernels!(
        f32,
        4,
        f32x4_splat,
        f32x4_add,
        f32x4_mul,
        ext32,
        grad_window_f32,
        ger_window_f32,
        grad_n_f32,
        ger_n_f32,
        ger_group_f32,
        group_n_f32,
        base_n_f32,
        axpy_windows_f32,
        win_n_f32,
        win_big_f32
    );
    kernels!(
        f64,
        2,
        f64x2_splat,
        f64x2_add,
        f64x2_mul,
        ext64,
        grad_window_f64,
        ger_window_f64,
        grad_n_f64,
        ger_n_f64,
        ger_group_f64,
        group_n_f64,
        base_n_f64,
        axpy_windows_f64,
        win_n_f64,
        win_big_f64
    );
}
