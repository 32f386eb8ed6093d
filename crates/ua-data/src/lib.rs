//! # ua-data — preprocessing for user-analytics (work in progress)
#![warn(missing_docs)]
pub use ua_tensor::ndarray;
