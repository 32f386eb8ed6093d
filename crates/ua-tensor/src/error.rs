//! The one error type of `ua-tensor`.

/// What went wrong in a numeric kernel. Every variant names the operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two operands do not fit together.
    #[error("{op}: shape mismatch, expected {expected}, found {found}")]
    ShapeMismatch {
        /// The operation that was asked for.
        op: &'static str,
        /// The shape that would have fitted.
        expected: String,
        /// The shape that was given.
        found: String,
    },
    /// An input had no elements where some are required.
    #[error("{op}: input is empty")]
    Empty {
        /// The operation that was asked for.
        op: &'static str,
    },
    /// A NaN or infinite value where finite numbers are required.
    #[error("{op}: non-finite value ({value}) at {position}")]
    NonFinite {
        /// The operation that was asked for.
        op: &'static str,
        /// Where the value sits, e.g. `row 3, column 1`.
        position: String,
        /// The value, printed.
        value: String,
    },
    /// An argument outside its allowed range.
    #[error("{op}: invalid argument: {message}")]
    InvalidArgument {
        /// The operation that was asked for.
        op: &'static str,
        /// What was wrong and what is allowed.
        message: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Builds an [`Error::ShapeMismatch`] from anything printable.
pub(crate) fn shape_mismatch(
    op: &'static str,
    expected: impl std::fmt::Debug,
    found: impl std::fmt::Debug,
) -> Error {
    Error::ShapeMismatch {
        op,
        expected: format!("{expected:?}"),
        found: format!("{found:?}"),
    }
}
