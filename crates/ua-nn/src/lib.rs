//! # ua-nn — neural networks for user-analytics
//!
//! Small, fast feed-forward networks for tabular user data, built on the
//! kernels of [`ua_tensor`].
//!
//! | piece | types |
//! | --- | --- |
//! | layers | [`Layer`] trait; [`layers::Dense`] (fused activation), [`layers::Dropout`], [`layers::Sigmoid`], [`layers::ReLU`], [`layers::Tanh`], [`layers::LeakyReLU`], [`layers::Softmax`] |
//! | losses | [`Loss`] trait; [`losses::MeanSquaredError`], [`losses::BinaryCrossEntropy`], [`losses::CategoricalCrossEntropy`], [`losses::LogLoss`] |
//! | optimizers | [`Optimizer`] trait; [`optim::Sgd`], [`optim::Adam`], [`optim::AdamW`], [`optim::LrSchedule`] |
//! | models | [`Sequential`] with a builder, [`FitConfig`] → [`History`], `predict`, `evaluate`, `save`/`load` |
//! | checking | [`gradcheck::check_layer`], [`gradcheck::check_loss`] |
//!
//! ## Design
//!
//! * **No graph, no tape.** A layer is a struct with a `forward` and a
//!   `backward`; a model is a `Vec` of boxed layers. Dense layers are one
//!   GEMM plus one fused bias-and-activation pass; the backward pass takes
//!   the activation's derivative from the stored output.
//! * **No allocation per step.** Each layer owns its output and
//!   input-gradient buffers, grown to the largest batch seen; the training
//!   loop gathers mini-batches into preallocated buffers; optimizers keep
//!   their state per parameter slot, allocated on the first step.
//! * **Inputs are not copied.** `backward` receives the layer's input again
//!   (the previous layer's output, which that layer still holds).
//! * **Errors, not panics.** Wrong widths, empty or non-finite inputs, bad
//!   hyper-parameters and corrupt model files are [`Error`]s that say what
//!   was expected; a loss that turns NaN stops `fit` with the epoch and batch.
//! * **Generic over [`Scalar`]** (`f32` for speed, `f64` for gradient checks).
//!
//! The design document's network, trained on a planted rule:
//!
//! ```
//! use ndarray::Array2;
//! use ua_nn::{Activation, FitConfig, Sequential, losses::BinaryCrossEntropy, optim::Adam};
//! let x = Array2::from_shape_fn((400, 2), |(i, j)| ((i * 7 + j * 13) % 17) as f32 / 8.5 - 1.0);
//! let y = Array2::from_shape_fn((400, 1), |(i, _)| f32::from(x[[i, 0]] + x[[i, 1]] > 0.0));
//! let mut model = Sequential::<f32>::builder(2)
//!     .dense(64, Activation::Relu).dropout(0.5)
//!     .dense(32, Activation::Relu).dropout(0.5)
//!     .dense(1, Activation::Sigmoid)
//!     .seed(42).build().unwrap();
//! let history = model
//!     .fit(x.view(), y.view(), &BinaryCrossEntropy::new(), &mut Adam::new(0.01), FitConfig::new().epochs(30).seed(42))
//!     .unwrap();
//! assert!(history.accuracy().last().unwrap() > &0.9);
//! ```
#![warn(missing_docs)]

mod error;
pub mod gradcheck;
mod layer;
pub mod layers;
pub mod losses;
pub mod optim;
pub mod persist;
mod sequential;
mod train;

pub use error::{Error, Result};
pub use layer::{Layer, Mode, Param, ParamKind};
pub use losses::Loss;
pub use optim::Optimizer;
pub use sequential::{INFERENCE_BATCH, Sequential, SequentialBuilder};
pub use train::{ClassWeight, Control, EarlyStopping, EpochLog, FitConfig, History};
pub use ua_tensor::activation::Activation;
pub use ua_tensor::{self, Scalar, ndarray};
