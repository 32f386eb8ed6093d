//! # ua-tensor — the numeric kernels of user-analytics
//!
//! Everything above this crate (layers, models, scalers, k-means, ...) spends
//! its time in a handful of kernels, and they live here:
//!
//! | module | what |
//! | --- | --- |
//! | [`scalar`] | the [`Scalar`] trait, implemented for `f32` and `f64` |
//! | [`gemm`] | matrix products with transposes, into preallocated outputs; fused bias + activation (`gemm_bias_act_into`) |
//! | [`activation`] | element-wise activations, fused with the bias add, and their derivatives |
//! | [`stable`] | overflow-free sigmoid, softplus, log-sigmoid, log-sum-exp, softmax |
//! | [`wide`] | [`wide_fn!`]: a plain loop compiled for AVX-512F / AVX2 / the baseline, chosen at run time (bit-identical results) |
//! | [`vmath`] | vectorised `exp`, `ln`, sigmoid, softplus, `tanh`, log-sum-exp, softmax over slices (AVX-512 / AVX2+FMA chosen at run time, portable fallback; stated ulp bounds) |
//! | [`init`] | seeded Glorot/He initialisers |
//! | [`budget`] | size guards before work starts: overflowing element counts and allocations over the memory budget (`UA_MEMORY_BUDGET`) |
//! | [`check`] | finiteness/emptiness checks that say where the bad value is |
//! | [`reduce`] | column/row sums, column mean and variance, row norms, argmax, compensated sum |
//! | [`distance`] | pairwise squared distances (direct register-blocked kernel for d, k ≤ 64; chunked products beyond), nearest rows, vector distances, cosine |
//! | [`topk`] | top-k selection (partial, deterministic, NaN last) of slices and rows |
//! | [`sparse`] | CSR sparse matrices (triplet construction, transpose, products) |
//! | [`linalg`] | Cholesky factorisation and symmetric positive-definite solves (with a growing ridge); blocked parallel Cholesky (`cholesky_lower`), `lower_triangular_inverse`, `spd_inverse` and `gram_matrix` on the GEMM |
//! | [`persist`] | the one saved-model envelope every fitted object of the workspace uses ([`persist::Persist`]) |
//! | [`progress`] | progress events of long work (epochs, iterations) for an observer the program installs; the library never prints |
//!
//! ## Design
//!
//! * **No allocation in hot loops.** Kernels write into buffers the caller
//!   owns (`*_into`, `*_inplace`); convenience versions that allocate exist
//!   beside them for one-off use.
//! * **Small products are ours, large ones `matrixmultiply`'s.** `gemm_into`
//!   runs the shapes this library lives on (right operand ≤ 256 columns and
//!   ≤ 65,536 values, or one column) on register-blocked AVX-512F /
//!   AVX2+FMA / portable kernels chosen at run time, without packing, and
//!   larger products on `ndarray::linalg::general_mat_mul` (the
//!   `matrixmultiply` crate in pure Rust, its AVX-512 kernels switched on).
//!   No system BLAS, and one level of parallelism (the callers' `rayon`
//!   loops), never threads inside threads.
//! * **Transcendentals are vectorised.** Activations, softmax and the losses
//!   go through [`vmath`] (run-time ISA choice, ulp bounds tested).
//! * **Errors, not panics.** Every entry point that takes user-shaped input
//!   returns [`Result`], whose [`Error`] names the operation and the expected
//!   and found shapes.
//! * **One `ndarray`.** The crate re-exports [`ndarray`] so that users of the
//!   workspace never meet two versions of `ArrayBase`.
//!
//! ```
//! use ua_tensor::ndarray::array;
//! use ua_tensor::gemm::{matmul, Trans};
//! use ua_tensor::activation::{bias_add_activate, Activation};
//!
//! let x = array![[1.0f32, 2.0]];
//! let w = array![[0.5f32, -1.0], [0.25, 1.0]];
//! let mut z = matmul(x.view(), Trans::No, w.view(), Trans::No).unwrap();
//! bias_add_activate(z.view_mut(), array![0.0f32, -1.0].view(), Activation::Relu).unwrap();
//! assert_eq!(z, array![[1.0, 0.0]]);
//! ```
#![warn(missing_docs)]

pub mod activation;
pub mod budget;
pub mod check;
pub mod distance;
mod error;
pub mod gemm;
pub mod init;
pub mod linalg;
pub mod persist;
pub mod progress;
pub mod reduce;
pub mod scalar;
pub mod sparse;
pub mod stable;
pub mod topk;
pub mod vmath;
pub mod wide;

pub use error::{Error, Result};
pub use scalar::Scalar;

pub use ndarray;
pub use ndarray_rand;
pub use rand;
