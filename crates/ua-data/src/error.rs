//! The one error type of `ua-data`.

/// What went wrong while loading, cleaning or transforming data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument outside its allowed range.
    #[error("{op}: invalid argument: {message}")]
    InvalidArgument {
        /// The operation that was asked for.
        op: &'static str,
        /// What was wrong and what is allowed.
        message: String,
    },
    /// An error from a numeric kernel.
    #[error(transparent)]
    Tensor(#[from] ua_tensor::Error),
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
