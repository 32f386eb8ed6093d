//! Input validation shared by every crate: finiteness and emptiness checks
//! that report where the offending value is, and the magnitude guard of
//! squared-distance kernels ([`ensure_squares_fit`]).

use ndarray::{ArrayBase, ArrayView2, Data, Dimension, IntoDimension};

use crate::{Error, Result, Scalar};

/// Returns an error naming the first NaN or infinite element of `a`.
///
/// The position is `row R, column C` (0-based) for matrices, `index I` for
/// vectors and the index tuple otherwise. Callers that know column names
/// (a pipeline's features) should check first and name the column
/// themselves.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::check::ensure_finite;
/// assert!(ensure_finite("fit", &array![[1.0f32, 2.0]]).is_ok());
/// let err = ensure_finite("fit", &array![[1.0f32, f32::NAN]]).unwrap_err();
/// assert!(err.to_string().contains("row 0, column 1"), "{err}");
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
                position: position(idx.into_dimension().slice()),
                value: format!("{v}"),
            });
        }
    }
    Ok(())
}

/// `row R, column C` for two indices, `index I` for one, else the tuple.
fn position(idx: &[usize]) -> String {
    match idx {
        [r, c] => format!("row {r}, column {c} (0-based index ({r}, {c}))"),
        [i] => format!("index {i}"),
        other => format!("index {other:?}"),
    }
}

/// The largest |value| of each column of `x` (NaN is ignored; 0 for an
/// empty column), with the row where it occurs (first occurrence).
fn column_max_abs<S: Scalar>(x: ArrayView2<'_, S>) -> Vec<(f64, usize)> {
    let mut out = vec![(0.0f64, 0usize); x.ncols()];
    for (i, row) in x.rows().into_iter().enumerate() {
        for (o, v) in out.iter_mut().zip(row) {
            let a = v.as_f64().abs();
            if a > o.0 {
                *o = (a, i);
            }
        }
    }
    out
}

/// The largest |value| squared distances can be formed from without
/// overflow: for `n_terms` summed squared distances of `d` coordinates,
/// each `(x − c)² ≤ (2·m)²` with `m` the largest |value|, so
/// `4·m²·d·n_terms` must stay below the type's largest value (with a
/// factor 2 of headroom for the expanded form `‖x‖² + ‖c‖² − 2·x·c`).
///
/// ```
/// use ua_tensor::check::max_abs_for_squares;
/// // f64, 1000 points in 2 dimensions: about 1.5e152
/// let m = max_abs_for_squares::<f64>(2, 1000);
/// assert!(m > 1e152 && m < 1e153);
/// assert!(max_abs_for_squares::<f32>(1, 1) < 1e19);
/// ```
pub fn max_abs_for_squares<S: Scalar>(d: usize, n_terms: usize) -> f64 {
    let per_distance = (S::max_value().as_f64() / (8.0 * d.max(1) as f64)).sqrt();
    let summed = (f64::MAX / (8.0 * d.max(1) as f64 * n_terms.max(1) as f64)).sqrt();
    per_distance.min(summed)
}

/// Refuses finite values so large that squared distances between rows of
/// `x` (and sums of `n_terms` of them, e.g. an inertia over all rows)
/// would overflow to infinity — e.g. a planted `1e308`. Sums are taken in
/// `f64`, single distances in `S`. The error names the column (its
/// name from `names` when given, else its 0-based index), the row and the
/// value, and gives the limit ([`max_abs_for_squares`]).
///
/// Callers scale instead where that is cheap; this guard is for kernels
/// that report sums of squares, which cannot be represented once the data
/// are this large.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::check::ensure_squares_fit;
/// let x = array![[1.0f64, 2.0], [3.0, 1e308]];
/// assert!(ensure_squares_fit("kmeans", x.view(), 2, None).is_err());
/// let err = ensure_squares_fit("kmeans", x.view(), 2, Some(&["recency", "amount"])).unwrap_err();
/// let msg = err.to_string();
/// assert!(msg.contains("column \"amount\"") && msg.contains("row 1") && msg.contains("1e308"), "{msg}");
/// assert!(ensure_squares_fit("kmeans", x.slice(ndarray::s![.., ..1]), 2, None).is_ok());
/// ```
pub fn ensure_squares_fit<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    n_terms: usize,
    names: Option<&[&str]>,
) -> Result<()> {
    let limit = max_abs_for_squares::<S>(x.ncols(), n_terms);
    let maxes = column_max_abs(x);
    let worst = maxes
        .iter()
        .enumerate()
        .filter(|(_, (m, _))| *m > limit)
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0));
    let Some((j, &(m, row))) = worst else {
        return Ok(());
    };
    let column = match names.and_then(|n| n.get(j)) {
        Some(name) => format!("column {name:?}"),
        None => format!("column {j} (0-based)"),
    };
    let value = x[[row, j]].as_f64();
    Err(Error::InvalidArgument {
        op,
        message: format!(
            "{column} holds {value:e} at row {row} (0-based); squared distances of values this \
             large overflow to infinity (|value| must be at most {limit:.3e} for {} rows × {} \
             columns in {}, largest here {m:.3e}): rescale the column (e.g. divide it by a \
             power of ten) or remove the row",
            x.nrows(),
            x.ncols(),
            S::NAME
        ),
    })
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
