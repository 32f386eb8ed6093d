//! RFM segmentation: quintile scores, the named marketing segments, and
//! k-means on standardised `log1p(recency, frequency, monetary)`.
//!
//! The input is the per-customer [`RfmFeatures`](ua_data::features::rfm::RfmFeatures) of `ua-data` (recency in
//! days from the last purchase to the as-of date, frequency = distinct
//! purchase days, monetary = total amount).
//!
//! ## Scores (1–5)
//!
//! Each of R, F and M is scored by **rank quintiles with ties sharing a
//! score**: for `n` customers, a customer whose value is strictly *worse*
//! than that of `b` other customers gets
//!
//! ```text
//! score = 1 + ⌊5 · b / n⌋        (so 1 ≤ score ≤ 5)
//! ```
//!
//! "Worse" means a larger recency for R (score 5 = most recent) and a
//! smaller frequency or monetary value for F and M (score 5 = most
//! purchases / money). Equal values always share a score, the scores do not
//! depend on the order of the customers, and the worst value always scores
//! one. With distinct values this is the usual split into five groups of
//! (nearly) equal size; with heavy ties (most customers have frequency 1)
//! a whole tie group takes the score of its first rank, so some scores can
//! be empty — e.g. if 60 % of customers bought once, they all score F = 1
//! and the next frequency starts at F = 4.
//!
//! ## Named segments
//!
//! The named segments come from the (R, F) scores, with the widely used RFM
//! segment map (the "RFM grid" of marketing analytics), in which `Lost` is
//! carved out of `Hibernating` as its bottom corner:
//!
//! | segment | R | F |
//! | --- | --- | --- |
//! | Champions | 5 | 4–5 |
//! | Loyal Customers | 3–4 | 4–5 |
//! | Potential Loyalists | 4–5 | 2–3 |
//! | New Customers | 5 | 1 |
//! | Promising | 4 | 1 |
//! | Need Attention | 3 | 3 |
//! | About to Sleep | 3 | 1–2 |
//! | At Risk | 1–2 | 3–4 |
//! | Can't Lose Them | 1–2 | 5 |
//! | Hibernating | 1–2 | 1–2, except R 1 F 1 |
//! | Lost | 1 | 1 |
//!
//! Every one of the 25 (R, F) pairs belongs to exactly one segment (checked
//! exhaustively in the tests). As a grid (rows R, columns F = 1..5):
//!
//! ```text
//! R 5: New Customers  Potential Loyalists  Potential Loyalists  Champions        Champions
//! R 4: Promising      Potential Loyalists  Potential Loyalists  Loyal Customers  Loyal Customers
//! R 3: About to Sleep About to Sleep       Need Attention       Loyal Customers  Loyal Customers
//! R 2: Hibernating    Hibernating          At Risk              At Risk          Can't Lose Them
//! R 1: Lost           Hibernating          At Risk              At Risk          Can't Lose Them
//! ```
//!
//! ## k-means on RFM
//!
//! [`LogRfmScaler`] maps each customer to the standardised `log1p` of its
//! recency, frequency and monetary value — ua-data's `Log1p` step, then
//! ua-data's `StandardScaler` (mean and population standard deviation over
//! the training customers; its zero-variance rule). [`RfmKMeans::fit`] runs
//! [`KMeans`](super::KMeans) on that matrix and renumbers the clusters by
//! size (cluster 0 is the largest). The model reads raw values
//! ([`RfmInput`]: a table with the columns of [`RFM_COLUMNS`],
//! [`RfmColumns`] or `&RfmFeatures`) and scales them itself, when fitting
//! and when assigning new customers, with the scaler it stores and saves.
//! How many clusters: [`evaluate_k_range`](super::evaluate_k_range) on the
//! scaler's output, the same report as for any feature matrix.
//!
//! | file | what |
//! | --- | --- |
//! | `scores` | [`quintile_scores`], [`RfmScores`] |
//! | `named_segments` | [`RfmSegment`] and its score map |
//! | `scaler` | [`RfmInput`], [`RfmColumns`], [`LogRfmScaler`] |
//! | `model` | [`RfmKMeans`] |
//!
//! ```
//! use ua_analytics::segmentation::rfm::{RfmScores, RfmSegment};
//! use ua_data::features::rfm::{RfmConfig, RfmFeatures};
//! // Five customers: "e" bought recently and often, "a" long ago and once.
//! let c = ["a", "b", "b", "c", "d", "d", "d", "e", "e", "e", "e"];
//! let day = [1, 20, 30, 40, 50, 60, 70, 80, 85, 90, 95];
//! let amount = [5.0; 11];
//! let f = RfmFeatures::compute(&c, &day, &amount, None,
//!     &RfmConfig { as_of: 96, holdout_end: None }).unwrap();
//! let s = RfmScores::from_features(&f).unwrap();
//! assert_eq!(s.r, [1, 2, 3, 4, 5]);
//! assert_eq!(s.f, [1, 3, 1, 4, 5]);
//! assert_eq!(s.segments()[4], RfmSegment::Champions);
//! assert_eq!(s.segments()[0], RfmSegment::Lost);
//! ```

mod model;
mod named_segments;
mod scaler;
mod scores;

pub use model::RfmKMeans;
pub use named_segments::RfmSegment;
pub use scaler::{LOG_RFM_COLUMNS, LogRfmScaler, RFM_COLUMNS, RfmColumns, RfmInput};
pub use scores::{RfmScores, quintile_scores};
