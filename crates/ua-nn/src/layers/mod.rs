//! The layers: [`Dense`], [`Dropout`] and the activation layers.

mod activations;
mod dense;
mod dropout;

pub use activations::{LeakyReLU, ReLU, Sigmoid, Softmax, Tanh};
pub use dense::Dense;
pub use dropout::Dropout;
