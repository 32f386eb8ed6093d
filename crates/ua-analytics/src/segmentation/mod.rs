//! Customer segmentation: k-means and how to choose the number of segments.
//!
//! | item | what | module |
//! | --- | --- | --- |
//! | [`KMeans`] → [`FittedKMeans`] | k-means++ seeding, `n_init` restarts, Lloyd or Elkan iterations, f32/f64, parallel and deterministic; the fitted model keeps its parameters and saves through the envelope | `kmeans` |
//! | [`MiniBatchKMeans`] → [`FittedMiniBatchKMeans`] | k-means on random mini-batches, for data too large for a full pass per iteration | `minibatch` |
//! | [`silhouette_score`], [`silhouette_score_sampled`], [`davies_bouldin_score`], [`calinski_harabasz_score`] | internal quality of a partition | `quality` |
//! | [`FittedKMeans::silhouette_score`], `silhouette_score_sampled`, `davies_bouldin_score`, `calinski_harabasz_score` | the same scores of a fitted model's own partition of `x`, errors naming its feature columns | `quality` |
//! | [`adjusted_rand_index`] | agreement of two partitions (e.g. with planted clusters) | `quality` |
//! | [`evaluate_k_range`] → [`KReport`] | fits k over a range; per k inertia (elbow), silhouette, Davies–Bouldin, Calinski–Harabasz; the recommended k and why | `kselect` |
//! | [`rfm`] | RFM scores, the named marketing segments, k-means on standardised `log1p` RFM ([`rfm::RfmKMeans`]) | `rfm` |
//! | [`profile`] | what each segment looks like (sizes, revenue, label rate, feature means and medians) | `profile` |
//! | [`gaussian_blobs`] | a seeded mixture of Gaussians with known labels | `blobs` |
//!
//! Every fitted object ([`FittedKMeans`], [`FittedMiniBatchKMeans`],
//! [`rfm::RfmKMeans`]) implements [`Segmenter`](crate::Segmenter) and
//! [`Persist`](ua_tensor::persist::Persist); loading checks its invariants.
//! Hyper-parameters are checked when `fit` is called, and a bad value is an
//! [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming it.
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
mod kselect;
mod minibatch;
pub mod profile;
mod quality;
pub mod rfm;

pub use blobs::gaussian_blobs;
pub use kmeans::{Algorithm, FittedKMeans, Init, KMeans, KMeansParams, MAX_N_INIT};
pub use kselect::{
    KCriterion, KReport, KScores, SILHOUETTE_MAX_ROWS, SilhouetteMode, evaluate_k_range,
};
pub use minibatch::{FittedMiniBatchKMeans, MiniBatchKMeans};
pub use quality::{
    adjusted_rand_index, calinski_harabasz_score, davies_bouldin_score, silhouette_samples,
    silhouette_score, silhouette_score_sampled,
};
