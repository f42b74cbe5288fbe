//! The settings structs that cross the boundary by pointer, each field at a fixed offset:
//! enums and flags as u32 codes, reals as f64, arrays as a pointer and a count. ts/raw/layout.ts
//! mirrors every struct field by field, and `kw_layout` describes each one as the compiler
//! laid it out, so a test in every runtime catches the two sides drifting apart.
//!
//! Defaults are not written here: the TypeScript side fills every field (ts/config.ts).

/// The description type of a field: how the TS mirror writes it.
pub trait Wire {
    const NAME: &'static str;
}
impl Wire for u32 {
    const NAME: &'static str = "u32";
}
impl Wire for f64 {
    const NAME: &'static str = "f64";
}
impl Wire for *const u32 {
    const NAME: &'static str = "ptr";
}

/// Declares a `#[repr(C)]` struct and its description "Name size;field:type:offset;...",
/// computed at compile time from the struct itself (size_of, offset_of!).
macro_rules! layout {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident: $t:ty,)* }) => {
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
        }
        impl $name {
            const FIELDS: &'static [(&'static str, &'static str, usize)] =
                &[$((stringify!($f), <$t as Wire>::NAME, core::mem::offset_of!($name, $f)),)*];
            const DESC_LEN: usize = desc_len(stringify!($name), core::mem::size_of::<$name>(), Self::FIELDS);
            /// The layout as the compiler made it, for `kw_layout`.
            pub const DESC: [u8; Self::DESC_LEN] = desc(stringify!($name), core::mem::size_of::<$name>(), Self::FIELDS);
        }
        // every byte belongs to a field in wasm32: no padding the compiler chose on its own
        #[cfg(target_pointer_width = "32")]
        const _: () = assert!(core::mem::size_of::<$name>() == 0 $(+ core::mem::size_of::<$t>())*);
    };
}

layout! {
    /// The settings of `kw_fit_begin` (crate FitConfig). Counts past u32::MAX saturate, as
    /// an f64 cast to usize does.
    pub struct FitSettings {
        /// OPT_CODE: 0 lbfgs, 1 adam.
        pub opt: u32,
        /// LOSS_CODE: 0 mse, 1 crossentropy.
        pub loss: u32,
        /// 0 or 1.
        pub update_grid: u32,
        /// Samples per step; 0 is the full batch.
        pub batch: u32,
        pub grid_update_num: u32,
        pub stop_grid_update_step: u32,
        /// Races of a revived copy per fit, 0 for none (crate model::revive).
        pub revive: u32,
        /// Steps of stall before a check, and of a race.
        pub revive_steps: u32,
        pub lr: f64,
        pub lamb: f64,
        pub lamb_l1: f64,
        pub lamb_entropy: f64,
        /// An integer up to 2^53, which an f64 holds exactly.
        pub seed: f64,
    }
}

layout! {
    /// The settings of `kw_model_new` (crate ModelConfig).
    pub struct ModelSettings {
        /// DTYPE_CODE: 0 float32, 1 float64.
        pub dtype: u32,
        /// BASE_CODE: 0 silu, 1 identity, 2 zero.
        pub base: u32,
        /// 0 or 1: whether fit trains scale_base, and scale_sp.
        pub sb_trainable: u32,
        pub sp_trainable: u32,
        /// Node layers; `width` holds [sum, mult] per layer, `n_nodes * 2` u32s.
        pub n_nodes: u32,
        pub width: *const u32,
        /// Grid intervals and spline orders: one entry per layer, or one for all.
        pub n_grid: u32,
        pub grid: *const u32,
        pub n_k: u32,
        pub k: *const u32,
        pub range_min: f64,
        pub range_max: f64,
        pub noise_scale: f64,
        pub grid_eps: f64,
        /// An integer up to 2^53.
        pub seed: f64,
        pub scale_base_mu: f64,
        pub scale_base_sigma: f64,
        pub scale_sp: f64,
        /// The arity of every multiplication node, node layer by node layer: `n_arity`
        /// u32s, or none for all 2.
        pub n_arity: u32,
        pub arity: *const u32,
    }
}

layout! {
    /// The settings of `kw_pde_new` (crate PdeConfig, and the order of derivatives the
    /// problem's equations use).
    pub struct PdeSettings {
        /// 0, 1 or 2: the highest derivative any equation takes.
        pub order: u32,
        /// OPT_CODE: 0 lbfgs, 1 adam.
        pub opt: u32,
        /// 0 or 1.
        pub update_grid: u32,
        pub grid_update_num: u32,
        pub stop_grid_update_step: u32,
        /// 0: puts the reals on 8 bytes with no padding of the compiler's own.
        pub pad: u32,
        pub lr: f64,
        pub lamb: f64,
        pub lamb_l1: f64,
        pub lamb_entropy: f64,
    }
}

/// `which` of `kw_layout`.
pub const LAYOUT_FIT: u32 = 0;
pub const LAYOUT_MODEL: u32 = 1;
pub const LAYOUT_PDE: u32 = 2;

const fn digits(mut v: usize) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

const fn desc_len(name: &str, size: usize, fields: &[(&str, &str, usize)]) -> usize {
    let mut n = name.len() + 1 + digits(size);
    let mut i = 0;
    while i < fields.len() {
        n += 1 + fields[i].0.len() + 1 + fields[i].1.len() + 1 + digits(fields[i].2);
        i += 1;
    }
    n
}

const fn put_str(out: &mut [u8], mut at: usize, s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        out[at] = b[i];
        at += 1;
        i += 1;
    }
    at
}

const fn put_num(out: &mut [u8], at: usize, v: usize) -> usize {
    let n = digits(v);
    let mut i = 0;
    let mut v = v;
    while i < n {
        out[at + n - 1 - i] = b'0' + (v % 10) as u8;
        v /= 10;
        i += 1;
    }
    at + n
}

const fn desc<const N: usize>(name: &str, size: usize, fields: &[(&str, &str, usize)]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = put_str(&mut out, 0, name);
    out[at] = b' ';
    at = put_num(&mut out, at + 1, size);
    let mut i = 0;
    while i < fields.len() {
        out[at] = b';';
        at = put_str(&mut out, at + 1, fields[i].0);
        out[at] = b':';
        at = put_str(&mut out, at + 1, fields[i].1);
        out[at] = b':';
        at = put_num(&mut out, at + 1, fields[i].2);
        i += 1;
    }
    out
}

/// The description of layout `which` (LAYOUT_FIT, LAYOUT_MODEL, LAYOUT_PDE); empty for another.
pub fn describe(which: u32) -> &'static [u8] {
    match which {
        LAYOUT_FIT => &FitSettings::DESC,
        LAYOUT_MODEL => &ModelSettings::DESC,
        LAYOUT_PDE => &PdeSettings::DESC,
        _ => &[],
    }
}

/// Where the UTF-8 description of layout `which` lies: "Name size;field:type:offset;...".
#[no_mangle]
pub extern "C" fn kw_layout(which: u32) -> *const u8 {
    describe(which).as_ptr()
}

/// The byte length of that description, 0 for an unknown `which`.
#[no_mangle]
pub extern "C" fn kw_layout_len(which: u32) -> usize {
    describe(which).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_follow_the_structs() {
        let fit = core::str::from_utf8(describe(LAYOUT_FIT)).unwrap();
        assert!(fit.starts_with("FitSettings 72;opt:u32:0;loss:u32:4;"), "{fit}");
        assert!(fit.contains(";revive:u32:24;revive_steps:u32:28;lr:f64:32;"), "{fit}");
        assert!(fit.ends_with(";lamb_entropy:f64:56;seed:f64:64"), "{fit}");
        let model = core::str::from_utf8(describe(LAYOUT_MODEL)).unwrap();
        let size = core::mem::size_of::<ModelSettings>();
        assert!(model.starts_with(&format!("ModelSettings {size};dtype:u32:0;")), "{model}");
        assert_eq!(model.split(';').count(), 21);
        let pde = core::str::from_utf8(describe(LAYOUT_PDE)).unwrap();
        assert!(pde.starts_with("PdeSettings 56;order:u32:0;opt:u32:4;"), "{pde}");
        assert!(pde.ends_with(";lr:f64:24;lamb:f64:32;lamb_l1:f64:40;lamb_entropy:f64:48"), "{pde}");
        assert!(describe(3).is_empty());
        // natively the pointers take 8 bytes, in wasm32 4: the offsets after them differ
        if cfg!(target_pointer_width = "32") {
            assert!(model.ends_with(";scale_sp:f64:96;n_arity:u32:104;arity:ptr:108"), "{model}");
        }
    }
}
