//! Customer segmentation: k-means and how to choose the number of segments.
//!
//! | item | what |
//! | --- | --- |
//! | [`KMeans`] → [`FittedKMeans`] | k-means++ seeding, `n_init` restarts, Lloyd or Elkan iterations, f32/f64, parallel and deterministic |
//! | [`MiniBatchKMeans`] | k-means on random mini-batches, for data too large for a full pass per iteration |
//! | [`silhouette_score`], [`silhouette_score_sampled`], [`davies_bouldin_score`], [`calinski_harabasz_score`] | internal quality of a partition |
//! | [`adjusted_rand_index`] | agreement of two partitions (e.g. with planted clusters) |
//! | [`evaluate_k_range`] | fits k over a range and reports inertia (elbow) and every score |
//! | [`gaussian_blobs`] | a seeded mixture of Gaussians with known labels |
//!
//! ## Design
//!
//! The hot loop is the assignment of every point to its nearest centre. It
//! is computed as `‖x‖² + ‖c‖² − 2·x·cᵀ` with one matrix product
//! ([`ua_tensor::gemm::gemm_into`]) per chunk of 256 rows into a preallocated
//! buffer, fused with the argmin and with the accumulation of the new centre
//! sums (in `f64`). Rows are split into blocks that depend only on the
//! number of rows; blocks run in parallel with `rayon` and their partial sums
//! are folded in block order, so results are bit-identical whatever the
//! thread count, and identical to the single-thread path
//! (`KMeans::parallel(false)`). The exact silhouette uses the same blocked
//! products over points sorted by cluster, so the per-cluster distance sums
//! are contiguous loops.
//!
//! ```
//! use ua_analytics::segmentation::{KMeans, adjusted_rand_index, gaussian_blobs};
//! let (x, truth) = gaussian_blobs::<f64>(600, 2, 3, 0.5, 20.0, 1).unwrap();
//! let fit = KMeans::new(3).seed(4).fit(x.view()).unwrap();
//! let ari = adjusted_rand_index(fit.labels(), truth.view()).unwrap();
//! assert!(ari > 0.99);
//! ```

mod blobs;
mod kernel;
mod kmeans;
mod minibatch;
pub mod profile;
mod quality;
pub mod rfm;

pub use blobs::gaussian_blobs;
pub use kmeans::{Algorithm, FORMAT_VERSION, FittedKMeans, Init, KMeans};
pub use minibatch::MiniBatchKMeans;
pub use quality::{
    KReport, SilhouetteMode, adjusted_rand_index, calinski_harabasz_score, davies_bouldin_score,
    evaluate_k_range, silhouette_samples, silhouette_score, silhouette_score_sampled,
};
