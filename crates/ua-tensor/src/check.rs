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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, Array3, array};

    #[test]
    fn positions_name_row_and_column() {
        let e = ensure_finite("op", &array![[1.0, 2.0], [3.0, f64::INFINITY]]).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("row 1, column 1") && m.contains("(1, 1)"), "{m}");
        assert!(m.contains("inf") && m.starts_with("op:"), "{m}");
        let e = ensure_finite("op", &Array1::from(vec![0.0, f32::NAN])).unwrap_err();
        assert!(e.to_string().contains("index 1"), "{e}");
        let mut a = Array3::<f64>::zeros((2, 2, 2));
        a[[1, 0, 1]] = f64::NAN;
        let e = ensure_finite("op", &a).unwrap_err();
        assert!(e.to_string().contains("index [1, 0, 1]"), "{e}");
        // the first bad value is reported, in row-major order
        let e = ensure_finite("op", &array![[0.0, f64::NAN], [f64::NAN, 0.0]]).unwrap_err();
        assert!(e.to_string().contains("row 0, column 1"), "{e}");
        assert!(ensure_finite("op", &Array1::<f64>::zeros(3)).is_ok());
        // a non-contiguous view (every other column) takes the other pass
        let mut wide = Array2::<f64>::zeros((3, 4));
        wide[[2, 2]] = f64::NAN;
        let strided = wide.slice(ndarray::s![.., ..;2]);
        assert!(strided.as_slice_memory_order().is_none());
        let e = ensure_finite("op", &strided).unwrap_err();
        assert!(e.to_string().contains("row 2, column 1"), "{e}");
        let e = ensure_finite("op", &strided.t()).unwrap_err();
        assert!(e.to_string().contains("row 1, column 2"), "{e}");
        wide[[2, 2]] = 0.0;
        wide[[0, 1]] = f64::NAN; // outside the view
        assert!(ensure_finite("op", &wide.slice(ndarray::s![.., ..;2])).is_ok());
        assert!(ensure_non_empty("op", &Array1::<f64>::zeros(0)).is_err());
        assert!(ensure_non_empty("op", &Array1::<f64>::zeros(1)).is_ok());
    }

    #[test]
    fn limit_is_the_largest_safe_magnitude() {
        // f64, d = 2, n = 1000: per distance sqrt(MAX / 16), summed
        // sqrt(MAX / 16000) — the smaller one
        let m = max_abs_for_squares::<f64>(2, 1000);
        assert_eq!(m, (f64::MAX / 16_000.0).sqrt());
        // f32: the per-distance bound in f32 is the smaller one
        let m = max_abs_for_squares::<f32>(3, 10);
        assert_eq!(m, (f64::from(f32::MAX) / 24.0).sqrt());
        // zero sizes count as one
        assert_eq!(
            max_abs_for_squares::<f64>(0, 0),
            max_abs_for_squares::<f64>(1, 1)
        );
        // at the limit: the sum of n squared distances stays finite
        let (d, n) = (4usize, 100usize);
        let m = max_abs_for_squares::<f64>(d, n);
        let worst = (2.0 * m) * (2.0 * m) * d as f64 * n as f64;
        assert!(worst.is_finite());
        assert!(((4.0 * m) * (4.0 * m) * d as f64 * n as f64 * 2.0).is_infinite());
    }

    #[test]
    fn squares_guard_names_the_worst_column_and_its_row() {
        let lim = max_abs_for_squares::<f64>(3, 3);
        let x = array![
            [1.0, 2.0, 3.0],
            [-lim * 2.0, 0.0, 0.0],
            [0.0, 0.0, lim * 4.0]
        ];
        let e = ensure_squares_fit("km", x.view(), 3, None).unwrap_err();
        let m = e.to_string();
        // column 2 holds the largest magnitude (4·lim), at row 2
        assert!(
            m.contains("column 2 (0-based)") && m.contains("at row 2"),
            "{m}"
        );
        assert!(m.contains("3 rows × 3 columns in f64"), "{m}");
        let e = ensure_squares_fit("km", x.view(), 3, Some(&["a", "b", "c"])).unwrap_err();
        assert!(e.to_string().contains("column \"c\""), "{e}");
        // a names slice too short falls back to the index
        let e = ensure_squares_fit("km", x.view(), 3, Some(&["a"])).unwrap_err();
        assert!(e.to_string().contains("column 2 (0-based)"), "{e}");
        // negative values count by magnitude
        let neg = array![[0.0], [-max_abs_for_squares::<f64>(1, 2) * 1.5]];
        let e = ensure_squares_fit("km", neg.view(), 2, None).unwrap_err();
        assert!(e.to_string().contains("at row 1"), "{e}");
        // exactly at the limit is allowed; just above is not
        let at = array![[max_abs_for_squares::<f64>(1, 1)]];
        assert!(ensure_squares_fit("km", at.view(), 1, None).is_ok());
        let above = array![[max_abs_for_squares::<f64>(1, 1) * 1.000001]];
        assert!(ensure_squares_fit("km", above.view(), 1, None).is_err());
        // more terms lower the limit
        let v = array![[max_abs_for_squares::<f64>(1, 10)]];
        assert!(ensure_squares_fit("km", v.view(), 10, None).is_ok());
        assert!(ensure_squares_fit("km", v.view(), 1000, None).is_err());
        // the first row holding the column maximum is named
        let twice = array![[0.0], [lim * 8.0], [lim * 8.0]];
        let e = ensure_squares_fit("km", twice.view(), 3, None).unwrap_err();
        assert!(e.to_string().contains("at row 1"), "{e}");
        // NaN is ignored here (ensure_finite reports it)
        assert!(ensure_squares_fit("km", array![[f64::NAN, 1.0]].view(), 1, None).is_ok());
    }
}
