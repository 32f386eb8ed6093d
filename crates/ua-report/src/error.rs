//! The crate's one error type.

use std::fmt;

/// What was wrong with the data given to a chart, a curve helper or a table.
///
/// Every variant names where the problem is (the series or parameter) and
/// what was expected, so the caller can fix the input.
///
/// ```
/// use ua_report::{Error, curves::roc_points};
/// let err = roc_points(&[0.2, f64::NAN], &[true, false]).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { index: 1, .. }));
/// assert!(err.to_string().contains("scores"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A value that must be a finite number is NaN or infinite.
    NonFinite {
        /// The series, parameter or column holding the value.
        series: String,
        /// 0-based position of the value in that series.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A series, chart or table has nothing to draw.
    Empty {
        /// What was empty.
        what: String,
    },
    /// Two inputs that must have the same length do not.
    LengthMismatch {
        /// What was compared.
        what: String,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A parameter is outside its allowed range.
    InvalidParameter {
        /// The parameter's name.
        name: String,
        /// The offending value, as text.
        value: String,
        /// What is allowed.
        expected: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NonFinite {
                series,
                index,
                value,
            } => write!(
                f,
                "series `{series}`: value at index {index} is {value}, expected a finite number; \
                 remove or impute non-finite values before charting"
            ),
            Error::Empty { what } => write!(f, "{what} is empty: there is nothing to draw"),
            Error::LengthMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what}: expected length {expected}, found {found}; pass one entry per item"
            ),
            Error::InvalidParameter {
                name,
                value,
                expected,
            } => write!(f, "parameter `{name}` is {value}, expected {expected}"),
        }
    }
}

impl std::error::Error for Error {}

/// The crate's result type.
///
/// ```
/// fn chart() -> ua_report::Result<usize> { Ok(1) }
/// assert_eq!(chart().unwrap(), 1);
/// ```
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that every value of `values` is finite, naming `series` and the
/// first bad index otherwise.
pub(crate) fn check_finite(series: &str, values: impl IntoIterator<Item = f64>) -> Result<()> {
    for (index, value) in values.into_iter().enumerate() {
        if !value.is_finite() {
            return Err(Error::NonFinite {
                series: series.to_string(),
                index,
                value,
            });
        }
    }
    Ok(())
}

/// Checks that two lengths agree.
pub(crate) fn check_len(what: &str, expected: usize, found: usize) -> Result<()> {
    if expected != found {
        return Err(Error::LengthMismatch {
            what: what.to_string(),
            expected,
            found,
        });
    }
    Ok(())
}

/// An empty-input error.
pub(crate) fn empty(what: impl Into<String>) -> Error {
    Error::Empty { what: what.into() }
}

/// A parameter error.
pub(crate) fn invalid(name: &str, value: impl fmt::Display, expected: &str) -> Error {
    Error::InvalidParameter {
        name: name.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}
