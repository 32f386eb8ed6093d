//! # ua-analytics — user analytics models and metrics (work in progress)
#![warn(missing_docs)]

mod error;
pub mod metrics;
pub mod pipeline;
pub mod prediction;
pub mod segmentation;
pub mod selection;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod traits;

pub use error::{Error, Result};
pub use traits::{Classifier, Dataset, Predictor, Recommender, RiskScorer, Segmenter};
pub use ua_tensor::ndarray;
