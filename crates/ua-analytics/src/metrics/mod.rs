//! Evaluation metrics: classification, ranking by score, calibration,
//! threshold choice, regression and recommender ranking metrics.
//!
//! # Conventions
//!
//! * **Inputs.** Every label, score and target array is `impl AsArray<T>`: an
//!   `&Array1<T>`, an `ArrayView1<T>`, a slice, `&Vec<T>` or `&[T; N]`.
//!   Labels are `u8` with 0 = negative and 1 = positive; any other value is
//!   an [`Error::InvalidArgument`] naming the array and index. Scores and
//!   probabilities are `f32` (what models output); all sums are taken in
//!   `f64` and results are `f64`.
//! * **Bad input.** Lengths must match ([`Error::ShapeMismatch`] gives both),
//!   empty input is [`Error::Empty`], a NaN score is an error naming its
//!   index. Scores may be any other number, ±∞ included; probabilities
//!   (log-loss, Brier, calibration, [`ClassificationReport`]) must lie in
//!   [0, 1]. Regression metrics take `f32` or `f64` and reject NaN and ±∞.
//! * **Thresholds.** A row is predicted positive when `score >= threshold`.
//!   Curves and threshold searches use one threshold per distinct score.
//! * **Ties.** Tied scores are never split: ROC-AUC counts a tied
//!   positive/negative pair as 1/2 (Mann–Whitney with average ranks; all
//!   scores equal → 0.5), and average precision, the curves and the
//!   threshold searches treat a tie group as one threshold.
//! * **Undefined → `None`, never 0.0.** A ratio with a zero denominator has
//!   no value: precision with no predicted positives, recall with no
//!   positives, F1/F-beta when tp + fp + fn = 0 (and specificity, FPR, FNR,
//!   NPV likewise) are `Option<f64>`, `None` when undefined
//!   ([`ClassificationReport`] prints `undefined`, serde writes `null`).
//!   scikit-learn's `zero_division=0` would print "the model flagged nothing"
//!   as "precision 0.0000".
//! * **Undefined whole-input metrics → error, never NaN.** ROC-AUC, average
//!   precision and the curves need both classes; R² needs non-constant
//!   targets; recall, NDCG and AP@k need a user with relevant items. These
//!   return [`Error::Undefined`] with the reason ([`mean_ranking_metrics`]
//!   skips such users and counts them; [`ClassificationReport`] stores
//!   `None`).
//! * **Log-loss** clips probabilities to [1e-15, 1 − 1e-15]
//!   ([`LOG_LOSS_EPS`]).
//! * **Cost.** Score-ranking metrics sort once: O(n log n), one buffer of n
//!   (score, label) pairs.
//! * **Recommender ranking metrics** (precision@k, recall@k, NDCG@k, MAP@k,
//!   hit rate@k) are defined in the table at [`RankingMetrics`]; k beyond
//!   the list length is allowed (precision@k still divides by k), a repeated
//!   item is an error.
//!
//! ```
//! use ua_analytics::metrics::{ClassificationReport, best_f1_threshold, roc_auc};
//! let y = [0u8, 0, 1, 1, 0, 1];
//! let p = [0.1f32, 0.4, 0.35, 0.8, 0.2, 0.9];
//! assert!((roc_auc(&y, &p).unwrap() - 8.0 / 9.0).abs() < 1e-12);
//! let best = best_f1_threshold(&y, &p).unwrap();
//! let report = ClassificationReport::compute(&y, &p, best.threshold).unwrap();
//! assert_eq!(report.f1, Some(best.f1));
//! ```

#[cfg(doc)]
use crate::Error;

mod calibration;
mod classification;
mod curves;
mod input;
mod ranking;
mod regression;
mod report;
mod threshold;
pub(crate) use threshold::budget_rows;

pub use calibration::{
    Binning, CalibrationBin, CalibrationTable, LOG_LOSS_EPS, brier_score, calibration_table,
    log_loss,
};
pub use classification::{
    ConfusionMatrix, accuracy, confusion_matrix, f1_score, fbeta_score, precision, recall,
};
pub use curves::{
    PrPoint, RocPoint, average_precision, precision_recall_curve, roc_auc, roc_curve,
};
pub use ranking::{
    RankingMetrics, RankingSummary, average_precision_at_k, hit_rate_at_k, mean_ranking_metrics,
    ndcg_at_k, precision_at_k, ranking_metrics_at_k, recall_at_k,
};
pub use regression::{mae, mse, r2_score, rmse};
pub use report::ClassificationReport;
pub use threshold::{
    ThresholdChoice, best_f1_threshold, threshold_for_precision, threshold_for_recall,
    threshold_for_top_fraction,
};
