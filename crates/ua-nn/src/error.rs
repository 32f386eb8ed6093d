//! The one error type of `ua-nn`.

/// What went wrong while building, training, running, saving or loading a network.
#[derive(Debug, thiserror::Error)]
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
        /// What was wrong and what is allowed.
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
    /// A saved model that cannot be read back.
    #[error("model file {path}: {message}")]
    Format {
        /// The file (or `<memory>`).
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing a model file failed.
    #[error("model file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An error from a numeric kernel (shapes, non-finite input, ...).
    #[error(transparent)]
    Tensor(#[from] ua_tensor::Error),
}

/// `Result` with [`Error`].
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
