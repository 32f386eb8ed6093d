//! Saving and loading models: architecture and weights as versioned JSON.
//!
//! The file is an envelope `{format, format_version, dtype, input_dim,
//! layers}`; weights are written as decimal numbers that read back to the
//! same bits (`f32 → f64` is exact and JSON numbers round-trip `f64`), so a
//! loaded model predicts bit-identically. A wrong format, an unknown version,
//! a different element type or inconsistent shapes are errors, never panics.

use std::path::Path;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use ua_tensor::activation::Activation;

use crate::layer::Layer;
use crate::layers::{Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh};
use crate::sequential::Sequential;
use crate::{Error, Result, Scalar};

/// The `format` string of model files.
pub const FORMAT: &str = "user-analytics/sequential";
/// The current `format_version`.
pub const FORMAT_VERSION: u32 = 1;

/// One saved layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerSpec {
    /// A dense layer; `weights` is row-major `input_dim × output_dim`.
    Dense {
        /// Input columns.
        input_dim: usize,
        /// Output columns.
        output_dim: usize,
        /// Fused activation.
        activation: Activation,
        /// Row-major weights.
        weights: Vec<f64>,
        /// Biases.
        bias: Vec<f64>,
    },
    /// A dropout layer.
    Dropout {
        /// Drop probability.
        rate: f64,
        /// Mask seed.
        seed: u64,
    },
    /// Sigmoid layer.
    Sigmoid,
    /// ReLU layer.
    Relu,
    /// Tanh layer.
    Tanh,
    /// Leaky ReLU layer.
    LeakyRelu {
        /// Negative slope.
        alpha: f64,
    },
    /// Softmax layer.
    Softmax,
}

impl LayerSpec {
    fn build<S: Scalar>(&self) -> Result<Box<dyn Layer<S>>> {
        Ok(match self {
            LayerSpec::Dense {
                input_dim,
                output_dim,
                activation,
                weights,
                bias,
            } => {
                let w = Array2::from_shape_vec(
                    (*input_dim, *output_dim),
                    weights.iter().map(|&v| S::lit(v)).collect(),
                )
                .map_err(|_| {
                    format_err(format!(
                        "dense layer says {input_dim}×{output_dim} but holds {} weights",
                        weights.len()
                    ))
                })?;
                Box::new(Dense::from_weights(
                    w,
                    Array1::from_iter(bias.iter().map(|&v| S::lit(v))),
                    *activation,
                )?)
            }
            LayerSpec::Dropout { rate, seed } => Box::new(Dropout::new(*rate, *seed)?),
            LayerSpec::Sigmoid => Box::new(Sigmoid::new()),
            LayerSpec::Relu => Box::new(ReLU::new()),
            LayerSpec::Tanh => Box::new(Tanh::new()),
            LayerSpec::LeakyRelu { alpha } => Box::new(LeakyReLU::new(*alpha)?),
            LayerSpec::Softmax => Box::new(Softmax::new()),
        })
    }
}

fn format_err(message: String) -> Error {
    Error::Format {
        path: "<memory>".into(),
        message,
    }
}

/// The saved form of a [`Sequential`] model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The version the file was written with.
    pub format_version: u32,
    /// Element type of the model (`"f32"` or `"f64"`).
    pub dtype: String,
    /// Input columns.
    pub input_dim: usize,
    /// The layers, first to last.
    pub layers: Vec<LayerSpec>,
}

impl<S: Scalar> Sequential<S> {
    /// The model as a serialisable value (architecture and weights).
    pub fn to_model_file(&self) -> Result<ModelFile> {
        Ok(ModelFile {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            dtype: S::NAME.into(),
            input_dim: self.input_dim,
            layers: self
                .layers
                .iter()
                .map(|l| l.spec())
                .collect::<Result<_>>()?,
        })
    }

    /// Rebuilds a model from its saved form, checking format, version,
    /// element type and shapes.
    pub fn from_model_file(file: &ModelFile) -> Result<Self> {
        if file.format != FORMAT {
            return Err(format_err(format!(
                "not a user-analytics model (format is {:?}, expected {FORMAT:?})",
                file.format
            )));
        }
        if file.format_version != FORMAT_VERSION {
            return Err(format_err(format!(
                "format version {} is not supported (this build reads {FORMAT_VERSION})",
                file.format_version
            )));
        }
        if file.dtype != S::NAME {
            return Err(format_err(format!(
                "model was saved as {} but is loaded as {}",
                file.dtype,
                S::NAME
            )));
        }
        let layers = file
            .layers
            .iter()
            .map(|l| l.build())
            .collect::<Result<Vec<_>>>()?;
        Sequential::from_layers(file.input_dim, layers).map_err(|e| format_err(e.to_string()))
    }

    /// The model as a JSON string.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(3).dense(2, Activation::Tanh).build().unwrap();
    /// let json = m.to_json().unwrap();
    /// let back = Sequential::<f32>::from_json(&json).unwrap();
    /// assert_eq!(back.to_json().unwrap(), json);
    /// assert!(Sequential::<f32>::from_json("{\"format\": 1}").is_err());
    /// ```
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&self.to_model_file()?).map_err(|e| format_err(e.to_string()))
    }

    /// Reads a model from a JSON string.
    pub fn from_json(json: &str) -> Result<Self> {
        let file: ModelFile = serde_json::from_str(json)
            .map_err(|e| format_err(format!("not a valid model file: {e}")))?;
        Self::from_model_file(&file)
    }

    /// Writes the model to `path` as JSON.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let json = self.to_json()?;
        std::fs::write(path, json).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Reads a model written by [`save`](Self::save).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let json = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: name.clone(),
            source,
        })?;
        Self::from_json(&json).map_err(|e| match e {
            Error::Format { message, .. } => Error::Format {
                path: name,
                message,
            },
            other => other,
        })
    }
}
