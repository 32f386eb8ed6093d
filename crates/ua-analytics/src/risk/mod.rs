//! Risk control: scores where higher means riskier ([`RiskScorer`]), for
//! fraud, abuse and bad-credit screening.
//!
//! | scorer | idea | fitted type |
//! | --- | --- | --- |
//! | [`IsolationForest`] | random splits isolate anomalies in few steps | [`FittedIsolationForest`] |
//! | [`RobustZ`] | largest robust z-score (median / MAD) over the features | itself (fitted by [`RobustZ::fit`]) |
//! | [`Autoencoder`] | mean squared reconstruction error of a bottleneck network (rows that break the columns' correlations) | [`FittedAutoencoder`] |
//! | any [`Classifier`](crate::Classifier) (e.g. a [`Pipeline`](crate::pipeline::Pipeline) with class weights) | P(bad) learned from labelled cases | [`Supervised`] around its fitted model |
//! | any [`Detector`](crate::Detector) behind a table preprocessor | the detector on preprocessed columns | [`FittedDetectorPipeline`](crate::pipeline::FittedDetectorPipeline) (from [`Pipeline::fit_unsupervised`](crate::pipeline::Pipeline::fit_unsupervised)) |
//! | [`Combined`] | rank average of several scorers' quantiles | itself (fitted by [`Combined::fit`]) |
//!
//! Scores become alerts through an [`AlertRule`]: a threshold chosen on a
//! labelled calibration split for a precision target, a recall target or a
//! review budget ([`AlertPolicy`]), reported with bootstrap intervals;
//! [`budget_curve`] shows precision and recall against the share flagged;
//! [`evaluate_at_budget`] measures a scorer on labelled test rows (ROC-AUC,
//! PR-AUC, precision and recall when the top share is flagged).
//!
//! ```
//! use ua_analytics::RiskScorer;
//! use ua_analytics::ndarray::Array2;
//! use ua_analytics::risk::IsolationForest;
//! let mut x = Array2::from_shape_fn((500, 4), |(i, j)| ((i * 13 + j * 7) % 29) as f32);
//! x.row_mut(3).fill(200.0);
//! let forest = IsolationForest::new().fit(x.view()).unwrap();
//! let s = forest.risk_score(x.view()).unwrap();
//! assert!(s.iter().enumerate().all(|(i, &v)| i == 3 || v < s[3]));
//! ```
//!
//! [`RiskScorer`]: crate::RiskScorer

mod autoencoder;
mod combine;
mod decision;
mod evaluate;
mod iforest;
mod planted;
mod robust;
mod supervised;

pub use autoencoder::{AUTOENCODER_MAX_UNITS, Autoencoder, AutoencoderReport, FittedAutoencoder};
pub use combine::{Combined, RankAverage, SavedScorers, ScorerSet};
pub use decision::{AlertPolicy, AlertRule, BudgetPoint, Interval, budget_curve};
pub use evaluate::{BudgetEvaluation, evaluate_at_budget, flagged_rows};
pub use iforest::{
    Contamination, FitReport, FittedIsolationForest, IsolationForest, MAX_TREES,
    average_path_length,
};
pub use planted::planted_anomalies;
pub use robust::RobustZ;
pub use supervised::Supervised;
