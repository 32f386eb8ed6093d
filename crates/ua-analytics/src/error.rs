//! The one error type of `ua-analytics`.
//!
//! Errors of the crates below nest unchanged ([`Error::Tensor`],
//! [`Error::Nn`], [`Error::Data`], [`Error::Persist`]), so a caller can match
//! the inner variant — e.g. retry with a smaller learning rate on
//! `Error::Nn(ua_nn::Error::Diverged { .. })`.

/// What went wrong while fitting, scoring or evaluating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Inputs whose shapes or lengths do not fit together.
    #[error("{op}: shape mismatch, expected {expected}, found {found}")]
    ShapeMismatch {
        /// The operation that was asked for.
        op: &'static str,
        /// What would have fitted.
        expected: String,
        /// What was given.
        found: String,
    },
    /// An input with no rows where some are required.
    #[error("{op}: input is empty")]
    Empty {
        /// The operation that was asked for.
        op: &'static str,
    },
    /// A hyper-parameter outside its allowed range.
    #[error("{op}: parameter {name}: {message}")]
    InvalidParameter {
        /// The model or tool whose parameter it is.
        op: &'static str,
        /// The parameter, as its setter is called.
        name: &'static str,
        /// What was given and what is allowed.
        message: String,
    },
    /// An argument outside its allowed range.
    #[error("{op}: invalid argument: {message}")]
    InvalidArgument {
        /// The operation that was asked for.
        op: &'static str,
        /// What was wrong and what is allowed.
        message: String,
    },
    /// A metric or model that is not defined for the data given
    /// (e.g. ROC-AUC with one class only).
    #[error("{op}: undefined: {message}")]
    Undefined {
        /// The operation that was asked for.
        op: &'static str,
        /// Why it is undefined.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// An error from a numeric kernel.
    #[error(transparent)]
    Tensor(#[from] ua_tensor::Error),
    /// An error from a neural network (e.g. [`ua_nn::Error::Diverged`]).
    #[error(transparent)]
    Nn(#[from] ua_nn::Error),
    /// An error from preprocessing.
    #[error(transparent)]
    Data(#[from] ua_data::Error),
    /// A model file that could not be saved or loaded.
    #[error(transparent)]
    Persist(#[from] ua_tensor::persist::PersistError),
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// An [`Error::InvalidParameter`].
pub(crate) fn parameter(op: &'static str, name: &'static str, message: impl Into<String>) -> Error {
    Error::InvalidParameter {
        op,
        name,
        message: message.into(),
    }
}
