//! # user-analytics
//!
//! The facade of the user-analytics workspace: it re-exports the four crates
//! under short names and a [`prelude`] with the types most programs use.
//!
//! | module | crate | what |
//! | --- | --- | --- |
//! | [`tensor`] | `ua-tensor` | numeric kernels |
//! | [`nn`] | `ua-nn` | layers, losses, optimizers, training |
//! | [`data`] | `ua-data` | tables, CSV, preprocessing, features, synthetic shop |
//! | [`analytics`] | `ua-analytics` | prediction, segmentation, metrics |
//!
//! The README follows; its example is compiled and run as a doc test.
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub use ua_analytics as analytics;
pub use ua_data as data;
pub use ua_nn as nn;
pub use ua_tensor as tensor;
pub use ua_tensor::ndarray;

/// The types most programs need, in one `use`.
pub mod prelude {
    pub use ua_analytics::prediction::{
        LogisticRegression, MlpClassifier, ModelKind, PropensityConfig,
    };
    pub use ua_analytics::segmentation::{KMeans, MiniBatchKMeans};
    pub use ua_analytics::{Predictor, Segmenter};
    pub use ua_data::csv_io::{CsvOptions, read_csv};
    pub use ua_data::{Column, Table, Transform, Transformer};
    pub use ua_nn::losses::{BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError};
    pub use ua_nn::optim::{Adam, AdamW, Sgd};
    pub use ua_nn::{Activation, EarlyStopping, FitConfig, Layer, Loss, Optimizer, Sequential};
    pub use ua_tensor::Scalar;
    pub use ua_tensor::ndarray::{Array1, Array2, ArrayView1, ArrayView2, array, s};
}
