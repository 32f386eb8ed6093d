//! # user-analytics
//!
//! The facade of the user-analytics workspace: it re-exports the five crates
//! under short names and a [`prelude`] with the types most programs use.
//!
//! | module | crate | what |
//! | --- | --- | --- |
//! | [`tensor`] | `ua-tensor` | numeric kernels |
//! | [`nn`] | `ua-nn` | layers, losses, optimizers, training |
//! | [`data`] | `ua-data` | tables, CSV, preprocessing, features, synthetic shop |
//! | [`analytics`] | `ua-analytics` | prediction, segmentation, metrics |
//! | [`report`] | `ua-report` | deterministic SVG charts, curve points, HTML report pages |
//! | [`cli`] | this crate | flag parsing and input/output guards for the examples |
//! | [`progress`] | this crate | a one-line progress display of the library's progress events, on a terminal only |
//!
//! The README follows; its example is compiled and run as a doc test.
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod cli;
pub mod progress;

pub use ua_analytics as analytics;
pub use ua_data as data;
pub use ua_nn as nn;
/// Deterministic SVG charts, curve points and self-contained HTML report pages.
pub use ua_report as report;
pub use ua_tensor as tensor;
pub use ua_tensor::ndarray;

/// The types most programs need, in one `use`: the estimator traits and
/// the tools that consume them, the models, the preprocessing pipeline, the
/// saved-model format, tables and CSV.
pub mod prelude {
    pub use ua_analytics::clv::{BgNbd, CustomerHistories, GammaGamma};
    pub use ua_analytics::metrics::ClassificationReport;
    pub use ua_analytics::pipeline::{FittedPipeline, Pipeline};
    pub use ua_analytics::prediction::{
        ClassWeight, EarlyStopping, LogisticRegression, MlpClassifier, ModelKind, PropensityConfig,
    };
    pub use ua_analytics::recommend::Filter;
    pub use ua_analytics::risk::{
        AlertPolicy, AlertRule, Autoencoder, Combined, IsolationForest, RobustZ, Supervised,
        evaluate_at_budget,
    };
    pub use ua_analytics::segmentation::profile::SegmentProfiles;
    pub use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    pub use ua_analytics::segmentation::{KMeans, MiniBatchKMeans};
    pub use ua_analytics::selection::{
        GridSearch, Metric, cross_validate, evaluate, grid_search, permutation_importance,
    };
    pub use ua_analytics::{
        Classifier, Dataset, Detector, Predictor, Recommender, RecommenderModel, RiskScorer,
        Segmenter,
    };
    pub use ua_data::csv_io::{CsvOptions, read_csv, write_csv};
    pub use ua_data::features::rfm::{RfmConfig, RfmFeatures, default_as_of};
    pub use ua_data::labels::binary_labels;
    pub use ua_data::pipeline::{Chain, ColumnTransformer, FittedStep, NumericSteps, Stateless};
    pub use ua_data::scale::StandardScaler;
    pub use ua_data::split::TrainTestSplit;
    pub use ua_data::synth::{ShopConfig, generate};
    pub use ua_data::{Column, ColumnType, Table, Transform, Transformer};
    pub use ua_nn::losses::{BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError};
    pub use ua_nn::optim::{Adam, AdamW, Sgd};
    pub use ua_nn::{Activation, FitConfig, Layer, Loss, Optimizer, Sequential};
    pub use ua_tensor::Scalar;
    pub use ua_tensor::ndarray::{Array1, Array2, ArrayView1, ArrayView2, array, s};
    pub use ua_tensor::persist::Persist;
}
