//! A small seeded generator (SplitMix64 seeding a xoshiro256++ stream), so that a seed
//! gives the same numbers in every runtime.
//!
//! ```
//! use kanwasm_core::rng::Rng;
//! let (mut a, mut b) = (Rng::new(7), Rng::new(7));
//! assert_eq!(a.uniform(), b.uniform());
//! ```

#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut s = [0u64; 4];
        for v in s.iter_mut() {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *v = x ^ (x >> 31);
        }
        Rng { s }
    }

    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// Uniform on [0, 1) with 53 random bits.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Standard normal (Box-Muller).
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * core::f64::consts::PI * u2).cos()
    }

    /// `k` distinct indices from [0, n) (partial Fisher-Yates), in draw order.
    #[cfg_attr(target_arch = "wasm32", optimize(size))]
    pub fn choose(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx = crate::pool::take(n);
        idx.extend(0..n);
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.below(n - i);
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn uniform_mean_and_choose() {
        let mut r = Rng::new(1);
        let m: f64 = (0..20000).map(|_| r.uniform()).sum::<f64>() / 20000.0;
        assert!((m - 0.5).abs() < 0.01);
        let c = r.choose(10, 10);
        let mut s = c.clone();
        s.sort();
        assert_eq!(s, (0..10).collect::<Vec<_>>());
    }
}
