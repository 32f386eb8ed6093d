//! # ua-data — preprocessing for user-analytics (work in progress)
#![warn(missing_docs)]

mod error;

pub use error::{Error, Result};
pub use ua_tensor::ndarray;
