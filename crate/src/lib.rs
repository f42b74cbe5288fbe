#![cfg_attr(target_arch = "wasm32", feature(optimize_attribute))]
#![cfg_attr(all(target_arch = "wasm32", target_feature = "atomics"), feature(stdarch_wasm_atomic_wait))]
//! kanwasm_core: the compute core of kanwasm.
//!
//! Kolmogorov-Arnold Networks on a tape of tensor operations, built for
//! `wasm32-unknown-unknown` with SIMD128 and tested natively with `cargo test`.
//! The only foreign surface is [`ffi`]; everything else is plain Rust.

pub mod alloc;
pub mod autodiff;
pub mod bspline;
pub mod cubic;
pub mod error;
pub mod ffi;
pub mod kernels;
pub mod layer;
pub mod linalg;
pub mod model;
pub mod optim;
pub mod par;
pub mod pde;
pub mod pool;
pub mod real;
pub mod rng;
pub mod symbolic;
pub mod symrank;
pub mod symsearch;
