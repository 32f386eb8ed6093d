//! # ua-analytics — user analytics models and metrics (work in progress)
#![warn(missing_docs)]

mod error;

pub use error::{Error, Result};
pub use ua_tensor::ndarray;
