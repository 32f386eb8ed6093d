//! The one error type of `ua-analytics`.

/// What went wrong while fitting, scoring or evaluating.
#[derive(Debug, thiserror::Error)]
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
    /// A hyper-parameter or argument outside its allowed range.
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
    /// An error from a numeric kernel.
    #[error(transparent)]
    Tensor(#[from] ua_tensor::Error),
    /// An error from preprocessing.
    #[error(transparent)]
    Data(#[from] ua_data::Error),
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
