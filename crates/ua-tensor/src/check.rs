//! Input validation shared by every crate: finiteness and emptiness checks
//! that report where the offending value is.

use ndarray::{ArrayBase, Data, Dimension};

use crate::{Error, Result, Scalar};

/// Returns an error naming the first NaN or infinite element of `a`.
///
/// The position is given as an index tuple (`(row, column)` for matrices).
///
/// ```
/// use ndarray::array;
/// use ua_tensor::check::ensure_finite;
/// assert!(ensure_finite("fit", &array![[1.0f32, 2.0]]).is_ok());
/// let err = ensure_finite("fit", &array![[1.0f32, f32::NAN]]).unwrap_err();
/// assert!(err.to_string().contains("(0, 1)"));
/// ```
pub fn ensure_finite<S, A, D>(op: &'static str, a: &ArrayBase<A, D>) -> Result<()>
where
    S: Scalar,
    A: Data<Elem = S>,
    D: Dimension,
{
    // Fast path: one pass with no branches on the happy path.
    let all_finite = match a.as_slice_memory_order() {
        Some(s) => s.iter().fold(true, |ok, v| ok & v.is_finite()),
        None => a.iter().fold(true, |ok, v| ok & v.is_finite()),
    };
    if all_finite {
        return Ok(());
    }
    for (idx, v) in a.indexed_iter() {
        if !v.is_finite() {
            return Err(Error::NonFinite {
                op,
                position: format!("index {idx:?}"),
                value: format!("{v}"),
            });
        }
    }
    Ok(())
}

/// Returns [`Error::Empty`] when `a` has no elements.
///
/// ```
/// use ndarray::Array2;
/// use ua_tensor::check::ensure_non_empty;
/// assert!(ensure_non_empty("fit", &Array2::<f32>::zeros((0, 3))).is_err());
/// ```
pub fn ensure_non_empty<A, D>(op: &'static str, a: &ArrayBase<A, D>) -> Result<()>
where
    A: Data,
    D: Dimension,
{
    if a.is_empty() {
        Err(Error::Empty { op })
    } else {
        Ok(())
    }
}
