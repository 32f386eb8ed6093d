//! # ua-analytics — user analytics models, the tools that compose them, and their metrics
//!
//! What an e-commerce team asks of its user data, as models with one small
//! vocabulary, and the generic tools that accept any of them:
//!
//! | module | what |
//! | --- | --- |
//! | [`traits`] | the estimator traits: [`Classifier`] → [`Predictor`], [`Segmenter`], [`Detector`] → [`RiskScorer`], [`Recommender`], and [`Dataset`] (a matrix or a table) |
//! | [`prediction`] | logistic regression, the MLP classifier, the propensity model (automatic preprocessing + a classifier), repeat-purchase features |
//! | [`segmentation`] | k-means (Lloyd/Elkan, k-means++), mini-batch k-means, cluster quality, k selection, RFM scores and named segments |
//! | [`recommend`] | recommendation from implicit feedback: popularity, item-kNN, RP3β, EASE, implicit ALS, BPR; filters, evaluation, tuning, serving by external ids |
//! | [`clv`] | customer lifetime value: BG/NBD and MBG/NBD (P(alive), expected purchases), the Gamma-Gamma spend model, discounted CLV |
//! | [`risk`] | risk scores (higher = riskier): the isolation forest |
//! | [`pipeline`] | [`Pipeline`](pipeline::Pipeline): any table preprocessor + any classifier, fitted, cross-validated, saved and served as one |
//! | [`selection`] | `evaluate`, stratified `cross_validate`, `grid_search`, `permutation_importance` — over any model |
//! | [`metrics`] | classification, calibration, thresholds, ranking (recommenders) and regression metrics, with hand-computed tests |
//! | `testkit` (feature `testkit`) | the shared estimator checks every model passes: determinism, batch = row by row, save/load, bad input → `Err`, `Send + Sync` |
//!
//! ## Design
//!
//! * **Parameters, fit, fitted.** A model's hyper-parameters are a plain
//!   struct with `Default` and builder setters, checked when `fit` is called
//!   (a bad value is [`Error::InvalidParameter`] naming it). `fit` returns a
//!   separate fitted type, which keeps the parameters it was fitted with and
//!   serves through `&self`: fitted models are `Send + Sync` and score from
//!   many threads without a lock.
//! * **Traits with consumers.** [`Classifier`] and [`Predictor`] are generic
//!   over their input — a feature matrix or, through a [`Pipeline`](pipeline::Pipeline),
//!   a [`ua_data::Table`] — so the same `cross_validate`, `grid_search`,
//!   `permutation_importance`, `testkit::check_classifier` and example code
//!   serve every model; nothing dispatches on a closed list of model kinds.
//! * **One saved-model format.** Every fitted object saves and loads through
//!   [`ua_tensor::persist::Persist`] (an envelope with format, kind, format
//!   version and crate version), and is validated when loaded.
//! * **Errors nest.** [`Error`] wraps the errors of `ua-tensor`, `ua-nn`
//!   (so `Error::Nn(ua_nn::Error::Diverged { .. })` can be matched to retry),
//!   `ua-data` and the envelope unchanged.
//! * **Binary labels are `u8` 0/1**, probabilities `f32`, metric values `f64`.
//!
//! ```
//! use ndarray::Array2;
//! use ua_analytics::prediction::{LogisticRegression, MlpClassifier};
//! use ua_analytics::selection::cross_validate;
//! use ua_analytics::{Classifier, Predictor};
//!
//! let x = Array2::from_shape_fn((300, 2), |(i, j)| ((i * 7 + j * 13) % 29) as f32 / 14.0 - 1.0);
//! let y: Vec<u8> = x.rows().into_iter().map(|r| u8::from(r[0] * r[1] > 0.0)).collect();
//!
//! // The same tool on two different models.
//! let linear = cross_validate(&LogisticRegression::new(), &x, &y, 3, 1).unwrap();
//! let mlp = MlpClassifier::new().hidden(&[32]).dropout(0.0).learning_rate(0.02).epochs(300).early_stopping(None);
//! let network = cross_validate(&mlp, &x, &y, 3, 1).unwrap();
//! assert!(network.roc_auc.mean > linear.roc_auc.mean + 0.2); // an XOR-like rule is not linear
//!
//! let fitted = mlp.fit(x.view(), &y).unwrap();
//! let p = fitted.predict_proba(x.view()).unwrap();
//! assert_eq!(p.len(), 300);
//! ```
#![warn(missing_docs)]

pub mod clv;
mod error;
pub mod metrics;
pub mod pipeline;
pub mod prediction;
pub mod recommend;
pub mod risk;
pub mod segmentation;
pub mod selection;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod traits;

pub use error::{Error, Result};
pub use traits::{
    Classifier, Dataset, Detector, Predictor, Recommender, RecommenderModel, RiskScorer, Segmenter,
};
pub use ua_tensor::ndarray;
