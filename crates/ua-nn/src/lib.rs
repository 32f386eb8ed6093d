//! # ua-nn — neural networks for user-analytics (work in progress)
#![warn(missing_docs)]
pub use ua_tensor::{self, Scalar, ndarray};
