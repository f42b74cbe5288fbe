//! Buffers kept for reuse, so a training step after the first asks the allocator for no
//! tensor, basis cache, weight or gradient buffer: each is taken from here and given back
//! when it is dropped.
//!
//! ```
//! use kanwasm_core::pool;
//! let v: Vec<f32> = pool::zeros(1000);
//! let at = v.as_ptr();
//! pool::give(v);
//! let w: Vec<f32> = pool::take(800);
//! assert_eq!((w.len(), w.as_ptr()), (0, at)); // the same buffer, emptied
//! ```
//!
//! Element types of one alignment share a pool (per thread). A pool keeps at most
//! [`MAX_KEPT`] buffers and [`MAX_BYTES`] bytes; past either, the smallest buffer goes back
//! to the allocator. [`clear`] empties every pool (the end of a fit does).

use std::alloc::{dealloc, Layout};
use std::cell::RefCell;
use std::mem::{size_of, size_of_val, ManuallyDrop};

/// Buffers kept per alignment (4 or 8 bytes).
pub const MAX_KEPT: usize = 256;
/// Bytes kept per alignment.
pub const MAX_BYTES: usize = 128 << 20;

/// Element types with a pool: their size is their alignment, 4 or 8 bytes, so a kept
/// buffer of `bytes` serves any of them of that alignment as `bytes / size` elements
/// under the layout it was allocated with.
///
/// # Safety
/// All-zero bytes must be a value of the type ([`zeros`] writes them).
pub unsafe trait Pooled: Copy + Default + 'static {}
unsafe impl Pooled for f32 {}
unsafe impl Pooled for f64 {}
unsafe impl Pooled for u32 {}
unsafe impl Pooled for usize {}

/// Kept buffers `(pointer, bytes)` of one alignment, smallest first (a request finds its
/// buffer by bisection), and their bytes in all.
struct Shelf {
    kept: Vec<(*mut u8, usize)>,
    bytes: usize,
}

crate::main_local! {
    static SHELVES: RefCell<[Shelf; 2]> = const { RefCell::new([Shelf { kept: Vec::new(), bytes: 0 }, Shelf { kept: Vec::new(), bytes: 0 }]) };
}

fn align_of_shelf(s: usize) -> usize {
    4 << s
}

fn shelf_of<T: Pooled>() -> usize {
    const { assert!(size_of::<T>() == std::mem::align_of::<T>() && (size_of::<T>() == 4 || size_of::<T>() == 8)) };
    (size_of::<T>() == 8) as usize
}

/// The smallest kept buffer of at least `bytes` on shelf `s`, taken off it, unless even
/// that one is more than 4 times (and 4 KiB) larger: a small request does not hold on to
/// a large buffer that a large one will need.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn take_raw(bytes: usize, s: usize) -> Option<(*mut u8, usize)> {
    SHELVES.with(|sh| {
        let sh = &mut sh.borrow_mut()[s];
        let best = sh.kept.partition_point(|b| b.1 < bytes);
        if sh.kept.get(best)?.1 > bytes.saturating_mul(4).max(4096) {
            return None;
        }
        let b = sh.kept.remove(best);
        sh.bytes -= b.1;
        Some(b)
    })
}

/// Keeps the buffer `(p, bytes)` on shelf `s`; past the bounds the smallest buffers
/// (the cheapest to remake) go back to the allocator.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
fn give_raw(p: *mut u8, bytes: usize, s: usize) {
    let mut freed = Vec::new();
    SHELVES.with(|sh| {
        let sh = &mut sh.borrow_mut()[s];
        // the list's room once, so keeping a buffer never allocates
        if sh.kept.capacity() == 0 {
            sh.kept.reserve_exact(MAX_KEPT + 1);
        }
        let at = sh.kept.partition_point(|b| b.1 < bytes);
        sh.kept.insert(at, (p, bytes));
        sh.bytes += bytes;
        while sh.kept.len() > MAX_KEPT || sh.bytes > MAX_BYTES {
            let b = sh.kept.remove(0);
            sh.bytes -= b.1;
            freed.push(b);
        }
    });
    for (p, bytes) in freed {
        release(p, bytes, s);
    }
}

/// Frees a buffer that was kept on shelf `s`.
fn release(p: *mut u8, bytes: usize, s: usize) {
    // SAFETY: a kept buffer was allocated as `bytes / align` elements of size `align`
    unsafe { dealloc(p, Layout::from_size_align_unchecked(bytes, align_of_shelf(s))) };
}

/// An empty vector with room for at least `cap` elements: the smallest kept buffer that
/// is large enough, else a new one.
pub fn take<T: Pooled>(cap: usize) -> Vec<T> {
    if cap == 0 {
        return Vec::new();
    }
    match take_raw(cap * size_of::<T>(), shelf_of::<T>()) {
        // SAFETY: the buffer was allocated with T's alignment and a multiple of its size
        Some((p, bytes)) => unsafe { Vec::from_raw_parts(p as *mut T, 0, bytes / size_of::<T>()) },
        None => Vec::with_capacity(cap),
    }
}

/// `len` zeros in a buffer from [`take`].
#[inline(never)]
pub fn zeros<T: Pooled>(len: usize) -> Vec<T> {
    if crate::par::THREADED && len >= 1 << 16 {
        // SAFETY: every byte is written next, and all-zero bytes are a value of T.
        let mut v = unsafe { unfilled::<T>(len) };
        crate::par::fill_bytes(bytes_of(&mut v), 1 << 12, None, None);
        return v;
    }
    let mut v = take::<T>(len);
    // short only when len * size overflowed usize
    assert!(v.capacity() >= len);
    // SAFETY: room for `len` elements (asserted), and all-zero bytes are a value of every
    // pooled type
    unsafe {
        std::ptr::write_bytes(v.as_mut_ptr(), 0, len);
        v.set_len(len);
    }
    v
}

/// `len` elements in a buffer from [`take`], holding whatever it held before: for a caller
/// that writes every element before it reads any, and would pay for zeros in vain (a basis
/// cache filled by several threads, each its own part).
///
/// # Safety
/// Every element is written before it is read.
#[inline(never)]
pub unsafe fn unfilled<T: Pooled>(len: usize) -> Vec<T> {
    let mut v = take::<T>(len);
    assert!(v.capacity() >= len);
    // SAFETY: room for `len` elements (asserted); each is written before it is read (the
    // caller's contract)
    unsafe { v.set_len(len) };
    v
}

/// The bytes of `v` (threads fill large buffers as bytes: one copy of that code).
pub fn bytes_of<T: Pooled>(v: &mut [T]) -> &mut [u8] {
    // SAFETY: the elements' bytes; every byte pattern is a u8, and the callers write only
    // values of T (copies of them, or zeros).
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, size_of_val(v)) }
}

/// The bytes of `v`, to read.
pub fn bytes<T: Pooled>(v: &[T]) -> &[u8] {
    // SAFETY: the elements' bytes, each a u8.
    unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, size_of_val(v)) }
}

/// A copy of `s` in a buffer from [`take`].
#[inline(never)]
pub fn copy<T: Pooled>(s: &[T]) -> Vec<T> {
    if crate::par::THREADED && s.len() >= 1 << 16 {
        // SAFETY: every byte is written next.
        let mut v = unsafe { unfilled::<T>(s.len()) };
        crate::par::fill_bytes(bytes_of(&mut v), 1 << 12, Some(bytes(s)), None);
        return v;
    }
    let mut v = take(s.len());
    v.extend_from_slice(s);
    v
}

/// Keeps `v`'s buffer for a later [`take`] (one larger than [`MAX_BYTES`] is freed).
#[inline(never)]
pub fn give<T: Pooled>(v: Vec<T>) {
    let bytes = v.capacity() * size_of::<T>();
    if bytes > 0 && bytes <= MAX_BYTES {
        let mut v = ManuallyDrop::new(v);
        give_raw(v.as_mut_ptr() as *mut u8, bytes, shelf_of::<T>());
    }
}

/// Returns every kept buffer to the allocator.
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", optimize(size))]
pub fn clear() {
    for s in 0..2 {
        let kept = SHELVES.with(|sh| {
            let sh = &mut sh.borrow_mut()[s];
            sh.bytes = 0;
            std::mem::take(&mut sh.kept)
        });
        for (p, bytes) in kept {
            release(p, bytes, s);
        }
    }
}

/// Bytes of a cache line: [`Aligned`] buffers start on one.
pub const LINE: usize = 64;

/// A pooled buffer whose elements start on a cache line, so that SIMD loads of rows whose
/// length is a multiple of the vector never straddle two lines. Grows like a vector (up to
/// the room it was taken with, then by reallocating, which may lose the alignment) and
/// goes back to the pool when dropped.
#[derive(Debug)]
pub struct Aligned<T: Pooled> {
    buf: Vec<T>,
    off: usize,
}

impl<T: Pooled> Aligned<T> {
    /// An empty buffer with room for `cap` elements from a cache-line boundary.
    pub fn take(cap: usize) -> Self {
        let mut buf = take::<T>(cap + LINE / size_of::<T>());
        let off = pad_to_line(buf.as_mut_ptr() as *mut u8) / size_of::<T>();
        // SAFETY: the room is at least LINE / size elements, and `pad_to_line` zeroed the
        // `off` elements before the boundary (all-zero bytes are a value of T)
        unsafe { buf.set_len(off) };
        Aligned { buf, off }
    }

    pub fn extend<I: IntoIterator<Item = T>>(&mut self, it: I) {
        self.buf.extend(it);
    }

    /// A buffer of `len` elements from a cache-line boundary, not yet written.
    ///
    /// # Safety
    /// Every element is written (through [`Self::slice_mut`]) before it is read.
    pub unsafe fn unfilled(len: usize) -> Self {
        let mut a = Self::take(len);
        assert!(a.buf.capacity() >= a.off + len);
        // SAFETY: room for them (asserted); the caller writes them before reading
        unsafe { a.buf.set_len(a.off + len) };
        a
    }

    pub fn slice_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.off..]
    }
}

/// Zeroes the bytes from `p` to the next cache-line boundary (fewer than [`LINE`]; `p` is
/// aligned to the element size, so they are whole elements) and returns their count.
#[inline(never)]
fn pad_to_line(p: *mut u8) -> usize {
    let n = p.align_offset(LINE).min(LINE - 1);
    // SAFETY: the caller's buffer has room for LINE bytes from p
    unsafe { std::ptr::write_bytes(p, 0, n) };
    n
}

impl<T: Pooled> std::ops::Deref for Aligned<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: off <= len, set in `take`; elements are only ever added
        unsafe { self.buf.get_unchecked(self.off..) }
    }
}

impl<T: Pooled> Clone for Aligned<T> {
    fn clone(&self) -> Self {
        let mut c = Aligned::take(self.len());
        c.extend(self.iter().copied());
        c
    }
}

impl<T: Pooled> Drop for Aligned<T> {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.buf));
    }
}

/// Buffers and bytes kept for the alignment of `T`.
pub fn kept<T: Pooled>() -> (usize, usize) {
    SHELVES.with(|sh| {
        let sh = &sh.borrow()[shelf_of::<T>()];
        (sh.kept.len(), sh.bytes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_the_smallest_buffer_that_fits_and_bounds_what_it_keeps() {
        clear();
        let (a, b): (Vec<f64>, Vec<f64>) = (zeros(100), zeros(300));
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        give(b);
        give(a);
        assert_eq!(kept::<f64>(), (2, 400 * 8));
        // 90 fits both: the 100 is taken; 200 fits only the 300
        let c: Vec<f64> = take(90);
        assert_eq!(c.as_ptr(), pa);
        let d: Vec<f64> = zeros(200);
        assert_eq!((d.as_ptr(), d.len()), (pb, 200));
        assert!(d.iter().all(|&v| v == 0.0));
        // nothing fits: a new buffer
        let e: Vec<f64> = take(1000);
        assert!(e.capacity() >= 1000 && e.as_ptr() != pa && e.as_ptr() != pb);
        // a buffer far larger than asked for stays for a request of its size
        let pe = e.as_ptr();
        give(e);
        let small: Vec<f64> = take(100);
        assert!(small.as_ptr() != pe && small.capacity() == 100);
        let again: Vec<f64> = take(600);
        assert_eq!(again.as_ptr(), pe);
        // a dirty buffer comes back zeroed from `zeros`
        let mut f: Vec<f32> = zeros(50);
        f.iter_mut().for_each(|v| *v = 7.0);
        give(f);
        assert!(zeros::<f32>(50).iter().all(|&v| v == 0.0));
        // float32 and u32 share their buffers: 50 x 4 bytes are 50 u32
        let g: Vec<f32> = take(50);
        let pg = g.as_ptr() as usize;
        give(g);
        let h: Vec<u32> = take(50);
        assert_eq!((h.as_ptr() as usize, h.capacity()), (pg, 50));
        drop(h);
        // at most MAX_KEPT buffers; the smallest leave first
        for n in 1..=MAX_KEPT + 5 {
            give(Vec::<u32>::with_capacity(n));
        }
        let (count, bytes) = kept::<u32>();
        assert_eq!(count, MAX_KEPT);
        assert_eq!(bytes, (6..=MAX_KEPT + 5).map(|n| n * 4).sum::<usize>());
        clear();
        assert_eq!(kept::<u32>(), (0, 0));
        assert_eq!(kept::<f64>(), (0, 0));
    }

    #[test]
    fn aligned_buffers_start_on_a_cache_line_and_go_back_to_the_pool() {
        clear();
        // whatever alignment the allocator gives a buffer of each size
        for shift in 0..8 {
            let mut a: Aligned<f32> = Aligned::take(100 + shift);
            a.extend((0..100).map(|i| i as f32));
            assert_eq!(a.as_ptr() as usize % LINE, 0);
            assert_eq!(a.len(), 100);
            assert_eq!(a[7], 7.0);
            let b = a.clone();
            assert_eq!((b.as_ptr() as usize % LINE, &b[..]), (0, &a[..]));
        }
        assert!(kept::<f32>().0 >= 2);
        clear();
    }
}
