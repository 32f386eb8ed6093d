//! The layers: [`Dense`], [`Dropout`], [`Embedding`], the activation layers,
//! and for sequences [`Conv1D`], [`GlobalMaxPool1D`], [`GlobalAvgPool1D`],
//! [`SequenceBranch`] (embedding → convolutions → pool over each row's own
//! length) and [`Parallel`] (column ranges through their own layers, side by
//! side: a sequence branch beside static features).
//!
//! Each implements [`Layer`](crate::Layer) (training through `&mut self`,
//! inference through `&self`) and saves under a type name that
//! [`LayerRegistry::new`](crate::persist::LayerRegistry::new) pre-registers:
//! `dense`, `dropout`, `embedding`, `sigmoid`, `relu`, `tanh`, `leaky_relu`,
//! `softmax`, `conv1d`, `global_max_pool1d`, `global_avg_pool1d`,
//! `sequence_branch`, `parallel`.

mod activations;
mod conv1d;
mod dense;
mod dropout;
mod embedding;
mod pool;
mod sequence;

pub use activations::{LeakyReLU, ReLU, Sigmoid, Softmax, Tanh};
pub use conv1d::{Conv1D, Padding};
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::{Embedding, INDEX_TOLERANCE};
pub use pool::{GlobalAvgPool1D, GlobalMaxPool1D, Pooling};
pub use sequence::{Parallel, SequenceBranch};

pub(crate) use conv1d::check_conv_size;

pub(crate) use dense::check_dense_size;

/// Loaders of the built-in layers, by type name.
pub(crate) fn builtin_loaders<S: crate::Scalar>() -> [(&'static str, crate::persist::LoadFn<S>); 13]
{
    [
        ("dense", dense::load::<S>),
        ("dropout", dropout::load::<S>),
        ("embedding", embedding::load::<S>),
        ("sigmoid", activations::load::<S>),
        ("relu", activations::load::<S>),
        ("tanh", activations::load::<S>),
        ("leaky_relu", activations::load::<S>),
        ("softmax", activations::load::<S>),
        ("conv1d", conv1d::load::<S>),
        ("global_max_pool1d", pool::load::<S>),
        ("global_avg_pool1d", pool::load::<S>),
        ("sequence_branch", sequence::load_branch::<S>),
        ("parallel", sequence::load_parallel::<S>),
    ]
}
