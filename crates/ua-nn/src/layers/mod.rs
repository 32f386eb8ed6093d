//! The layers: [`Dense`], [`Dropout`], [`Embedding`] and the activation layers.
//!
//! Each implements [`Layer`](crate::Layer) (training through `&mut self`,
//! inference through `&self`) and saves under a type name that
//! [`LayerRegistry::new`](crate::persist::LayerRegistry::new) pre-registers:
//! `dense`, `dropout`, `embedding`, `sigmoid`, `relu`, `tanh`, `leaky_relu`,
//! `softmax`.

mod activations;
mod dense;
mod dropout;
mod embedding;

pub use activations::{LeakyReLU, ReLU, Sigmoid, Softmax, Tanh};
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::{Embedding, INDEX_TOLERANCE};

pub(crate) use dense::check_dense_size;

/// Loaders of the built-in layers, by type name.
pub(crate) fn builtin_loaders<S: crate::Scalar>() -> [(&'static str, crate::persist::LoadFn<S>); 8]
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
    ]
}
