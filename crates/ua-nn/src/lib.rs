//! # ua-nn — neural networks for user-analytics
//!
//! Small, fast feed-forward networks for tabular user data, built on the
//! kernels of [`ua_tensor`].
//!
//! | piece | types |
//! | --- | --- |
//! | layers | [`Layer`] trait; [`layers::Dense`] (fused activation), [`layers::Dropout`], [`layers::Embedding`] (indices as input values, padding index, sparse gradient rows), [`layers::Sigmoid`], [`layers::ReLU`], [`layers::Tanh`], [`layers::LeakyReLU`], [`layers::Softmax`]; for sequences [`layers::Conv1D`] (time-major, same/valid padding, dilation; im2col + GEMM), [`layers::GlobalMaxPool1D`] / [`layers::GlobalAvgPool1D`] (with a length per row), [`layers::SequenceBranch`] (tokens + numeric channels → embedding → convolutions → pool over each row's length, read from the padding), [`layers::Parallel`] (column ranges through their own layers, side by side: a sequence beside static features) |
//! | losses | [`Loss`] trait; [`losses::MeanSquaredError`], [`losses::BinaryCrossEntropy`], [`losses::CategoricalCrossEntropy`], [`losses::LogLoss`] |
//! | optimizers | [`Optimizer`] trait; [`optim::Sgd`], [`optim::Adam`], [`optim::AdamW`], [`optim::LrSchedule`] |
//! | models | [`Sequential`] with a builder; `fit` with [`FitConfig`], [`EarlyStopping`], [`ClassWeight`] → [`History`]; `predict`, `predict_parallel`, `evaluate` |
//! | saving | [`Persist`] (the workspace's envelope), [`persist::SavedLayer`], [`persist::LayerRegistry`] |
//! | checking | [`gradcheck::check_layer`], [`gradcheck::check_loss`] |
//!
//! ## Design
//!
//! * **No graph, no tape.** A layer is a struct; a model is a `Vec` of boxed
//!   layers. Dense layers are one GEMM plus one fused bias-and-activation
//!   pass; the backward pass takes the activation's derivative from the
//!   stored output.
//! * **Training needs `&mut`, inference does not.** [`Layer::forward`] and
//!   [`Layer::backward`] (`&mut self`) work in buffers the layer owns, grown
//!   to the largest batch seen, so a training step allocates nothing; the
//!   training loop gathers mini-batches into preallocated buffers and
//!   optimizers keep their state per parameter slot. [`Layer::infer_into`]
//!   (`&self`) writes into buffers the caller owns, so
//!   [`Sequential::predict`], [`Sequential::evaluate`] and
//!   [`Sequential::predict_parallel`] take `&self`: a fitted `Sequential` is
//!   `Send + Sync`, one copy serves many threads without a lock, and the
//!   parallel path splits rows into the same blocks as the serial one, so
//!   both give the same bits.
//! * **An open set of layers.** Any type implementing [`Layer`] goes into
//!   [`Sequential::from_layers`]; [`Layer::boxed_clone`] makes every model
//!   `Clone`; [`Layer::to_saved`] writes a layer as a type name plus JSON
//!   data, and a [`persist::LayerRegistry`] maps type names back to loaders.
//!   The built-in layers are pre-registered, so a model of them loads with
//!   plain [`Persist::load`]; one with layers of your own loads with
//!   [`Sequential::load_with`] and a registry that knows them. A type the
//!   registry does not know is an error naming it.
//! * **One saved-model format.** [`Sequential`] implements
//!   [`Persist`](ua_tensor::persist::Persist): the workspace's envelope
//!   (format, kind `ua-nn/sequential`, format version, crate version) around
//!   the element type, the input width and the layers. Loading checks the
//!   envelope, the element type and that the widths chain; weights
//!   round-trip bit for bit. `Sequential` is also `Serialize`/`Deserialize`
//!   (deserialising with the built-in layers), so a model can sit inside
//!   another saved object.
//! * **Errors, not panics.** Wrong widths, empty or non-finite inputs, bad
//!   hyper-parameters (the error names the parameter and the layer), sizes
//!   beyond [`MAX_PARAMS`] (checked, overflow included, before anything is
//!   allocated) and corrupt model files are [`Error`]s that say what was
//!   expected; a loss that turns NaN stops `fit` with the epoch and batch.
//! * **Generic over [`Scalar`]** (`f32` for speed, `f64` for gradient checks).
//!
//! The design document's network, trained on a planted rule, then shared by
//! two threads:
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
//!
//! let model = &model; // inference needs no `mut`
//! let (a, b) = std::thread::scope(|s| {
//!     let a = s.spawn(|| model.predict(x.view()).unwrap());
//!     let b = s.spawn(|| model.predict(x.view()).unwrap());
//!     (a.join().unwrap(), b.join().unwrap())
//! });
//! assert_eq!(a, b);
//! ```
#![warn(missing_docs)]

mod class_weight;
mod config;
mod error;
pub mod gradcheck;
mod inference;
mod layer;
pub mod layers;
pub mod losses;
pub mod optim;
pub mod persist;
mod sequential;
mod train;

pub use class_weight::ClassWeight;
pub use config::{Control, EarlyStopping, EpochLog, FitConfig, History};
pub use error::{Error, Result};
pub use inference::INFERENCE_BATCH;
pub use layer::{Layer, MAX_PARAMS, Mode, Param, ParamKind};
pub use losses::Loss;
pub use optim::Optimizer;
pub use persist::{Persist, PersistError};
pub use sequential::{Sequential, SequentialBuilder};
pub use ua_tensor::activation::Activation;
pub use ua_tensor::{self, Scalar, ndarray};
