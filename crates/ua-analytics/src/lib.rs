//! # ua-analytics — user analytics models and metrics (work in progress)
#![warn(missing_docs)]
pub use ua_tensor::ndarray;
