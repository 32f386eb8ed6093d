//! K-means clustering: k-means++ (greedy) or random seeding, `n_init`
//! restarts, and Lloyd or Elkan iterations.
//!
//! | file | what |
//! | --- | --- |
//! | `params` | [`KMeans`], [`Algorithm`], [`Init`]: the hyper-parameters and their checks |
//! | `fit` | [`KMeans::fit`] and [`KMeans::fit_from`]; input preparation shared with mini-batch k-means |
//! | `init` | k-means++ (one pass over the data per centre) and random seeding |
//! | `assign` | nearest centre of each row, fused with the centre sums |
//! | `lloyd`, `elkan` | the two iterations and the centre update they share |
//! | `fitted` | [`FittedKMeans`]: centres, labels, `predict`, `transform`, `inertia`, `score` |
//! | `persist` | saving and loading through the envelope, and the invariants checked at load |
//!
//! * **Lloyd** assigns every point with `ua_tensor::distance::nearest_rows_into`
//!   over chunks of 256 rows — for `k`, `d` ≤ 64 a direct register-blocked
//!   kernel (`Σ (x_t − c_t)²`, no product to pack), else the product
//!   `‖x‖² + ‖c‖² − 2·x·cᵀ` — and adds each chunk to the new centre sums in
//!   `f64` while it is in cache.
//! * **Elkan** keeps an upper bound per point and a lower bound per point and
//!   centre, and uses the triangle inequality with the centre–centre
//!   distances to skip most distance computations. From the same initial
//!   centres it reaches the same labels and inertia as Lloyd.
//!
//! Both follow scikit-learn's loop: stop when the labels no longer change or
//! when the total squared centre shift is at most `tol × mean per-feature
//! variance`, or after `max_iter` iterations; an empty cluster is re-seeded
//! at the point farthest from its centre. The work is split into blocks that
//! depend only on the number of rows and reduced in block order, so the
//! parallel (`rayon`) and sequential paths give bit-identical results for a
//! given seed.

mod assign;
mod elkan;
mod fit;
mod fitted;
mod init;
mod lloyd;
mod params;
mod persist;

pub(crate) use fit::{Run, check_memory, ensure_distinct, mean_variance, prepare, prepare_named};
pub use fitted::{FittedKMeans, KMeansParams};
pub(crate) use init::initial_centers;
pub use params::{Algorithm, Init, KMeans, MAX_N_INIT};
pub(crate) use params::{check_k, check_k_against_rows, check_n_init, check_tol, sealed};
