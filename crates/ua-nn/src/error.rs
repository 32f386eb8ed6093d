//! The one error type of `ua-nn`.

use ua_tensor::persist::PersistError;

/// What went wrong while building, training, running, saving or loading a network.
///
/// Every message names the operation (and, for hyper-parameters, the
/// parameter) and says what was expected and what was found.
///
/// ```
/// use ua_nn::{Activation, Error, Sequential};
/// let e = Sequential::<f32>::builder(4).dense(0, Activation::Relu).build().unwrap_err();
/// assert!(matches!(e, Error::InvalidArgument { .. }));
/// assert_eq!(e.to_string(), "dense layer 1: invalid argument: units must be ≥ 1, got 0");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Shapes that do not fit together (features vs the first layer,
    /// predictions vs targets, ...).
    #[error("{op}: shape mismatch, expected {expected}, found {found}")]
    ShapeMismatch {
        /// The operation that was asked for.
        op: String,
        /// What would have fitted.
        expected: String,
        /// What was given.
        found: String,
    },
    /// An input with no rows or no columns.
    #[error("{op}: input is empty")]
    Empty {
        /// The operation that was asked for.
        op: String,
    },
    /// A hyper-parameter or argument outside its allowed range.
    #[error("{op}: invalid argument: {message}")]
    InvalidArgument {
        /// The operation or setting.
        op: String,
        /// What was wrong (naming the parameter) and what is allowed.
        message: String,
    },
    /// The loss became NaN or infinite during training (epoch and batch
    /// are 0 when it happened in [`Sequential::train_batch`](crate::Sequential::train_batch)).
    #[error(
        "training diverged: loss is {value} at epoch {epoch}, batch {batch}; \
         lower the learning rate, clip gradients or check the inputs"
    )]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch.
        batch: usize,
        /// The non-finite loss, printed.
        value: String,
    },
    /// A saved layer whose type no loader is registered for.
    #[error(
        "unknown layer type {type_name} (registered: {registered}); register a loader for it \
         with LayerRegistry::register and load with Sequential::from_json_with or load_with"
    )]
    UnknownLayerType {
        /// The type name in the file.
        type_name: String,
        /// The type names the registry knows, comma-separated.
        registered: String,
    },
    /// A model file that could not be saved or read back (I/O, corrupt,
    /// another kind, a newer format version, inconsistent contents).
    #[error(transparent)]
    Persist(#[from] PersistError),
    /// An error from a numeric kernel (shapes, non-finite input, ...).
    #[error(transparent)]
    Tensor(#[from] ua_tensor::Error),
}

/// `Result` with [`Error`].
///
/// ```
/// use ua_nn::{Activation, Result, Sequential};
/// fn model(inputs: usize) -> Result<Sequential<f32>> {
///     Sequential::builder(inputs).dense(1, Activation::Sigmoid).build()
/// }
/// assert!(model(3).is_ok() && model(0).is_err());
/// ```
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn shape(op: impl Into<String>, expected: impl ToString, found: impl ToString) -> Error {
    Error::ShapeMismatch {
        op: op.into(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

pub(crate) fn invalid(op: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidArgument {
        op: op.into(),
        message: message.into(),
    }
}

/// `rows×cols`, the way shapes are printed in messages.
pub(crate) fn dims((rows, cols): (usize, usize)) -> String {
    format!("{rows}×{cols}")
}
