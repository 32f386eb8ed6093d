//! Reductions over matrix rows and columns: column sums (the bias gradient of
//! a dense layer), row sums, per-column mean and variance, per-row squared
//! norms, per-row argmax, and a compensated sum of a slice.
//!
//! The kernels run as contiguous loops the compiler can vectorise:
//!
//! * sums *over rows* (one result per column) add each row into the output
//!   slice, `out[j] += x[i, j]`, an element-wise loop with no dependency
//!   between lanes;
//! * sums *along rows* (one result per row) use eight independent
//!   accumulators, so the float additions can be spread over SIMD lanes.
//!
//! Non-finite values are not checked here (use [`crate::check::ensure_finite`]
//! at the boundary); NaN propagates into the sums that contain it.

use ndarray::{Array1, ArrayView2, ArrayViewMut1, Axis, Zip};

use crate::error::shape_mismatch;
use crate::{Error, Result, Scalar};

/// Number of independent accumulators in the lane-split slice reductions.
const LANES: usize = 8;

/// `Σ a[i]` with eight accumulators (vectorisable; same result every call).
#[inline]
pub(crate) fn lane_sum<S: Scalar>(a: &[S]) -> S {
    let mut acc = [S::zero(); LANES];
    let chunks = a.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            acc[l] = acc[l] + c[l];
        }
    }
    let mut s = fold_lanes(acc);
    for &v in rest {
        s = s + v;
    }
    s
}

/// `Σ a[i]·b[i]` with eight accumulators; the caller guarantees equal lengths.
#[inline]
pub(crate) fn lane_dot<S: Scalar>(a: &[S], b: &[S]) -> S {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [S::zero(); LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] = acc[l] + x[l] * y[l];
        }
    }
    let mut s = fold_lanes(acc);
    for (&x, &y) in ra.iter().zip(rb) {
        s = s + x * y;
    }
    s
}

/// `Σ (a[i] − b[i])²` with eight accumulators; the caller guarantees equal lengths.
#[inline]
pub(crate) fn lane_sq_diff<S: Scalar>(a: &[S], b: &[S]) -> S {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [S::zero(); LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            let d = x[l] - y[l];
            acc[l] = acc[l] + d * d;
        }
    }
    let mut s = fold_lanes(acc);
    for (&x, &y) in ra.iter().zip(rb) {
        let d = x - y;
        s = s + d * d;
    }
    s
}

#[inline(always)]
fn fold_lanes<S: Scalar>(acc: [S; LANES]) -> S {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// `out[j] += row[j]` for every `j` (lengths already checked).
#[inline]
fn add_row<S: Scalar>(out: &mut [S], row: &[S]) {
    for (o, &v) in out.iter_mut().zip(row) {
        *o = *o + v;
    }
}

/// Adds every row of `x` into `out` (the accumulating core of the column sums).
fn accumulate_rows<S: Scalar>(x: ArrayView2<'_, S>, mut out: ArrayViewMut1<'_, S>) {
    if let Some(o) = out.as_slice_mut() {
        if x.is_standard_layout() {
            // Row-major: one contiguous `o += row` per row.
            for row in x.rows() {
                if let Some(r) = row.as_slice() {
                    add_row(o, r);
                }
            }
            return;
        }
        if x.t().is_standard_layout() {
            // Column-major (e.g. a transposed view): each column is contiguous.
            for (oj, col) in o.iter_mut().zip(x.columns()) {
                if let Some(c) = col.as_slice() {
                    *oj = *oj + lane_sum(c);
                }
            }
            return;
        }
    }
    for row in x.rows() {
        Zip::from(&mut out).and(&row).for_each(|o, &v| *o = *o + v);
    }
}

fn check_col_out(op: &'static str, x: &ArrayView2<'_, impl Scalar>, out_len: usize) -> Result<()> {
    if out_len != x.ncols() {
        return Err(shape_mismatch(
            op,
            format!("output of length {} (one per column of x)", x.ncols()),
            format!("length {out_len}"),
        ));
    }
    Ok(())
}

/// Column sums into a preallocated output: `out[j] = Σ_i x[i, j]`.
///
/// This is the bias gradient of a dense layer (sum of the output gradient over
/// the batch). For a row-major `x` it is a contiguous `out += row` loop per
/// row; `out`'s old contents are overwritten.
///
/// ```
/// use ndarray::{array, Array1};
/// use ua_tensor::reduce::sum_rows_into;
/// let g = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let mut db = Array1::from_elem(3, f32::NAN); // stale contents are ignored
/// sum_rows_into(g.view(), db.view_mut()).unwrap();
/// assert_eq!(db, array![5.0, 7.0, 9.0]);
/// ```
pub fn sum_rows_into<S: Scalar>(x: ArrayView2<'_, S>, mut out: ArrayViewMut1<'_, S>) -> Result<()> {
    check_col_out("column sums", &x, out.len())?;
    out.fill(S::zero());
    accumulate_rows(x, out);
    Ok(())
}

/// Accumulating column sums: `out[j] += Σ_i x[i, j]`.
///
/// For gradients accumulated over several mini-batches or shards.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::add_sum_rows_into;
/// let g = array![[1.0f64, 2.0], [3.0, 4.0]];
/// let mut db = array![10.0f64, 20.0];
/// add_sum_rows_into(g.view(), db.view_mut()).unwrap();
/// assert_eq!(db, array![14.0, 26.0]);
/// ```
pub fn add_sum_rows_into<S: Scalar>(x: ArrayView2<'_, S>, out: ArrayViewMut1<'_, S>) -> Result<()> {
    check_col_out("accumulating column sums", &x, out.len())?;
    accumulate_rows(x, out);
    Ok(())
}

/// Column sums into a new array (one entry per column; zeros when `x` has no rows).
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::sum_rows;
/// assert_eq!(sum_rows(array![[1.0f32, 2.0], [3.0, 4.0]].view()), array![4.0, 6.0]);
/// ```
pub fn sum_rows<S: Scalar>(x: ArrayView2<'_, S>) -> Array1<S> {
    let mut out = Array1::zeros(x.ncols());
    accumulate_rows(x, out.view_mut());
    out
}

/// Row sums into a preallocated output: `out[i] = Σ_j x[i, j]`.
///
/// ```
/// use ndarray::{array, Array1};
/// use ua_tensor::reduce::row_sums_into;
/// let x = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let mut s = Array1::zeros(2);
/// row_sums_into(x.view(), s.view_mut()).unwrap();
/// assert_eq!(s, array![6.0, 15.0]);
/// ```
pub fn row_sums_into<S: Scalar>(x: ArrayView2<'_, S>, mut out: ArrayViewMut1<'_, S>) -> Result<()> {
    if out.len() != x.nrows() {
        return Err(shape_mismatch(
            "row sums",
            format!("output of length {} (one per row of x)", x.nrows()),
            format!("length {}", out.len()),
        ));
    }
    Zip::from(&mut out).and(x.rows()).for_each(|o, row| {
        *o = match row.as_slice() {
            Some(r) => lane_sum(r),
            None => row.iter().fold(S::zero(), |a, &v| a + v),
        }
    });
    Ok(())
}

/// Row sums into a new array.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::row_sums;
/// assert_eq!(row_sums(array![[1.0f64, 2.0], [3.0, 4.0]].view()), array![3.0, 7.0]);
/// ```
pub fn row_sums<S: Scalar>(x: ArrayView2<'_, S>) -> Array1<S> {
    let mut out = Array1::zeros(x.nrows());
    // Lengths match by construction.
    let _ = row_sums_into(x, out.view_mut());
    out
}

/// Squared Euclidean norm of every row into a preallocated output:
/// `out[i] = Σ_j x[i, j]²`.
///
/// ```
/// use ndarray::{array, Array1};
/// use ua_tensor::reduce::row_sq_norms_into;
/// let x = array![[3.0f32, 4.0], [1.0, -1.0]];
/// let mut n = Array1::zeros(2);
/// row_sq_norms_into(x.view(), n.view_mut()).unwrap();
/// assert_eq!(n, array![25.0, 2.0]);
/// ```
pub fn row_sq_norms_into<S: Scalar>(
    x: ArrayView2<'_, S>,
    mut out: ArrayViewMut1<'_, S>,
) -> Result<()> {
    if out.len() != x.nrows() {
        return Err(shape_mismatch(
            "row squared norms",
            format!("output of length {} (one per row of x)", x.nrows()),
            format!("length {}", out.len()),
        ));
    }
    Zip::from(&mut out).and(x.rows()).for_each(|o, row| {
        *o = match row.as_slice() {
            Some(r) => lane_dot(r, r),
            None => row.iter().fold(S::zero(), |a, &v| a + v * v),
        }
    });
    Ok(())
}

/// Squared Euclidean norm of every row, into a new array.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::row_sq_norms;
/// assert_eq!(row_sq_norms(array![[3.0f64, 4.0]].view()), array![25.0]);
/// ```
pub fn row_sq_norms<S: Scalar>(x: ArrayView2<'_, S>) -> Array1<S> {
    let mut out = Array1::zeros(x.nrows());
    let _ = row_sq_norms_into(x, out.view_mut());
    out
}

/// Which denominator a variance uses.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::{column_mean_var, Variance};
/// let x = array![[0.0f32], [2.0]];
/// assert_eq!(column_mean_var(x.view(), Variance::Population).unwrap().1[0], 1.0);
/// assert_eq!(column_mean_var(x.view(), Variance::Sample).unwrap().1[0], 2.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variance {
    /// Divide by `n` (the variance of the data as a population; what a
    /// standard scaler uses).
    Population,
    /// Divide by `n − 1` (the unbiased estimate from a sample; needs `n ≥ 2`).
    Sample,
}

/// Per-column mean, into a new array. Errors when `x` has no rows.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::column_means;
/// let m = column_means(array![[1.0f32, 10.0], [3.0, 20.0]].view()).unwrap();
/// assert_eq!(m, array![2.0, 15.0]);
/// ```
pub fn column_means<S: Scalar>(x: ArrayView2<'_, S>) -> Result<Array1<S>> {
    if x.nrows() == 0 {
        return Err(Error::Empty { op: "column means" });
    }
    let mut m = sum_rows(x);
    let inv_n = S::one() / count::<S>(x.nrows());
    m.mapv_inplace(|v| v * inv_n);
    Ok(m)
}

fn count<S: Scalar>(n: usize) -> S {
    S::from_usize(n).unwrap_or_else(|| S::lit(n as f64))
}

/// Per-column mean and variance, `(means, variances)`.
///
/// Numerically stable: the corrected two-pass algorithm (mean first, then the
/// sum of squared deviations minus the squared sum of deviations / n), so a
/// column like `1e8 + {1, 2, 3}` in `f64` gives variance exactly `2/3`, where
/// the one-pass `E[x²] − E[x]²` gives garbage. Variances are never negative.
///
/// Errors: no rows; [`Variance::Sample`] with fewer than 2 rows.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::{column_mean_var, Variance};
/// let x = array![[1.0f64, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0]];
/// let (m, v) = column_mean_var(x.view(), Variance::Population).unwrap();
/// assert_eq!(m, array![2.5, 5.0]);
/// assert_eq!(v, array![1.25, 0.0]);
/// let (_, s) = column_mean_var(x.view(), Variance::Sample).unwrap();
/// assert!((s[0] - 5.0 / 3.0).abs() < 1e-15);
/// ```
pub fn column_mean_var<S: Scalar>(
    x: ArrayView2<'_, S>,
    kind: Variance,
) -> Result<(Array1<S>, Array1<S>)> {
    let n = x.nrows();
    let ddof = match kind {
        Variance::Population => 0,
        Variance::Sample => 1,
    };
    if n == 0 {
        return Err(Error::Empty {
            op: "column mean and variance",
        });
    }
    if n <= ddof {
        return Err(Error::InvalidArgument {
            op: "column mean and variance",
            message: format!("the sample variance needs at least 2 rows, got {n}"),
        });
    }
    let mean = column_means(x)?;
    let d = x.ncols();
    let mut sq = Array1::<S>::zeros(d);
    let mut dev = Array1::<S>::zeros(d);
    let contiguous = (mean.as_slice(), x.is_standard_layout());
    if let (Some(m), true, Some(sq_s), Some(dev_s)) = (
        contiguous.0,
        contiguous.1,
        sq.as_slice_mut(),
        dev.as_slice_mut(),
    ) {
        for row in x.rows() {
            if let Some(r) = row.as_slice() {
                for (((s, e), &v), &mj) in sq_s.iter_mut().zip(dev_s.iter_mut()).zip(r).zip(m) {
                    let t = v - mj;
                    *s = *s + t * t;
                    *e = *e + t;
                }
            }
        }
    } else {
        for row in x.rows() {
            Zip::from(&mut sq)
                .and(&mut dev)
                .and(&row)
                .and(&mean)
                .for_each(|s, e, &v, &mj| {
                    let t = v - mj;
                    *s = *s + t * t;
                    *e = *e + t;
                });
        }
    }
    let nf = count::<S>(n);
    let denom = count::<S>(n - ddof);
    let var = Zip::from(&sq).and(&dev).map_collect(|&s, &e| {
        let v = (s - e * e / nf) / denom;
        if v < S::zero() { S::zero() } else { v }
    });
    Ok((mean, var))
}

/// Index of the largest entry of every row. Ties go to the lowest column
/// index; NaN counts as lower than every number (a row of only NaN gives 0).
///
/// Errors when `x` has rows but no columns.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::reduce::argmax_rows;
/// let p = array![[0.1f32, 0.7, 0.2], [0.5, 0.5, 0.0], [f32::NAN, -1.0, -2.0]];
/// assert_eq!(argmax_rows(p.view()).unwrap(), array![1, 0, 1]);
/// ```
pub fn argmax_rows<S: Scalar>(x: ArrayView2<'_, S>) -> Result<Array1<usize>> {
    if x.ncols() == 0 && x.nrows() > 0 {
        return Err(Error::InvalidArgument {
            op: "row argmax",
            message: format!("x has {} rows but no columns", x.nrows()),
        });
    }
    Ok(x.rows()
        .into_iter()
        .map(|row| {
            let mut best = 0usize;
            let mut best_v = S::nan();
            for (j, &v) in row.iter().enumerate() {
                // `!(v <= best_v)` is true for any number when best_v is NaN.
                if !v.is_nan() && (best_v.is_nan() || v > best_v) {
                    best = j;
                    best_v = v;
                }
            }
            best
        })
        .collect())
}

/// Compensated sum of a slice: Neumaier's improved Kahan summation carried
/// out in `f64` (so an `f32` slice is summed essentially exactly and rounded
/// once at the end). The error does not grow with the length, and large terms
/// that cancel do not swallow small ones.
///
/// Use it for totals over many terms (epoch losses, large-count means); the
/// inner kernels use plain vectorised sums. NaN in, NaN out.
///
/// ```
/// use ua_tensor::reduce::stable_sum;
/// // A naive left-to-right sum returns 0.0 here.
/// assert_eq!(stable_sum(&[1.0f64, 1e100, 1.0, -1e100]), 2.0);
/// assert_eq!(stable_sum::<f32>(&[]), 0.0);
/// ```
pub fn stable_sum<S: Scalar>(xs: &[S]) -> S {
    let mut sum = 0.0f64;
    let mut c = 0.0f64;
    for &v in xs {
        let v = v.as_f64();
        let t = sum + v;
        if sum.abs() >= v.abs() {
            c += (sum - t) + v;
        } else {
            c += (v - t) + sum;
        }
        sum = t;
    }
    S::lit(sum + c)
}

/// Sum over `axis` written with the kernels above (`Axis(0)` = column sums).
///
/// ```
/// use ndarray::{array, Axis};
/// use ua_tensor::reduce::sum_axis;
/// let x = array![[1.0f32, 2.0], [3.0, 4.0]];
/// assert_eq!(sum_axis(x.view(), Axis(0)), array![4.0, 6.0]);
/// assert_eq!(sum_axis(x.view(), Axis(1)), array![3.0, 7.0]);
/// ```
pub fn sum_axis<S: Scalar>(x: ArrayView2<'_, S>, axis: Axis) -> Array1<S> {
    if axis.index() == 0 {
        sum_rows(x)
    } else {
        row_sums(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::{Array1, Array2, array, s};

    fn naive_col_sums(x: &Array2<f64>) -> Vec<f64> {
        (0..x.ncols())
            .map(|j| (0..x.nrows()).map(|i| x[[i, j]]).sum())
            .collect()
    }

    fn sample(n: usize, d: usize) -> Array2<f64> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            ((i * 31 + j * 17) % 23) as f64 * 0.25 - 2.0
        })
    }

    #[test]
    fn column_sums_match_naive_for_all_layouts() {
        let x = sample(37, 13);
        let want = naive_col_sums(&x);
        let mut out = Array1::from_elem(13, f64::NAN);
        sum_rows_into(x.view(), out.view_mut()).unwrap();
        for (a, b) in out.iter().zip(&want) {
            assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
        }
        // Column-major storage of the same matrix.
        let xt = x.t().to_owned();
        let mut out2 = Array1::zeros(13);
        sum_rows_into(xt.t(), out2.view_mut()).unwrap();
        for (a, b) in out2.iter().zip(&want) {
            assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
        }
        // Strided view and strided output.
        let mut big = Array1::<f64>::zeros(26);
        let strided_x = x.slice(s![.., ..;1]);
        sum_rows_into(strided_x, big.slice_mut(s![..;2])).unwrap();
        for (j, b) in want.iter().enumerate() {
            assert_abs_diff_eq!(big[2 * j], *b, epsilon = 1e-12);
            assert_eq!(big[2 * j + 1], 0.0);
        }
        let every_other = x.slice(s![.., ..;2]);
        let got = sum_rows(every_other);
        for (k, j) in (0..13).step_by(2).enumerate() {
            assert_abs_diff_eq!(got[k], want[j], epsilon = 1e-12);
        }
    }

    #[test]
    fn accumulating_sum_adds_and_shapes_are_checked() {
        let x = array![[1.0f32, 2.0], [3.0, 4.0]];
        let mut out = array![0.5f32, -0.5];
        add_sum_rows_into(x.view(), out.view_mut()).unwrap();
        add_sum_rows_into(x.view(), out.view_mut()).unwrap();
        assert_eq!(out, array![8.5, 11.5]);
        let mut wrong = Array1::<f32>::zeros(3);
        let e = sum_rows_into(x.view(), wrong.view_mut()).unwrap_err();
        assert!(e.to_string().contains("length 3"), "{e}");
        assert!(e.to_string().contains("length 2"), "{e}");
        assert!(add_sum_rows_into(x.view(), wrong.view_mut()).is_err());
        assert!(row_sums_into(x.view(), wrong.view_mut()).is_err());
        assert!(row_sq_norms_into(x.view(), wrong.view_mut()).is_err());
        // No rows: column sums are zeros.
        let empty = Array2::<f32>::zeros((0, 2));
        sum_rows_into(empty.view(), out.view_mut()).unwrap();
        assert_eq!(out, array![0.0, 0.0]);
    }

    #[test]
    fn row_sums_and_norms_match_naive_past_the_lane_width() {
        let x = sample(5, 21); // 21 = two full 8-lane chunks + remainder
        let rs = row_sums(x.view());
        let nn = row_sq_norms(x.view());
        for i in 0..5 {
            let s: f64 = x.row(i).iter().sum();
            let q: f64 = x.row(i).iter().map(|v| v * v).sum();
            assert_abs_diff_eq!(rs[i], s, epsilon = 1e-12);
            assert_abs_diff_eq!(nn[i], q, epsilon = 1e-12);
        }
        // Column-major rows (not contiguous) take the fallback path.
        let xt = x.t().to_owned();
        assert_eq!(row_sq_norms(xt.t()).len(), 5);
        for i in 0..5 {
            assert_abs_diff_eq!(row_sq_norms(xt.t())[i], nn[i], epsilon = 1e-12);
            assert_abs_diff_eq!(row_sums(xt.t())[i], rs[i], epsilon = 1e-12);
        }
        assert_eq!(sum_axis(x.view(), Axis(1)), rs);
    }

    #[test]
    fn mean_var_is_stable_under_a_large_offset() {
        // Values 1e8 + {1, 2, 3, 4}: one-pass E[x²]−E[x]² loses everything in f64.
        let x = Array2::from_shape_fn((4, 1), |(i, _)| 1e8 + (i + 1) as f64);
        let (m, v) = column_mean_var(x.view(), Variance::Population).unwrap();
        assert_eq!(m[0], 1e8 + 2.5);
        assert_eq!(v[0], 1.25);
        let (_, s) = column_mean_var(x.view(), Variance::Sample).unwrap();
        assert_abs_diff_eq!(s[0], 5.0 / 3.0, epsilon = 1e-15);
        // f32 with an offset of 1e4 still gives the right spread.
        let y = Array2::from_shape_fn((4, 1), |(i, _)| 1e4f32 + (i + 1) as f32);
        let (_, v) = column_mean_var(y.view(), Variance::Population).unwrap();
        assert_abs_diff_eq!(v[0], 1.25, epsilon = 1e-3);
    }

    #[test]
    fn mean_var_matches_naive_and_checks_row_counts() {
        let x = sample(11, 6);
        let (m, v) = column_mean_var(x.view(), Variance::Sample).unwrap();
        for j in 0..6 {
            let col: Vec<f64> = x.column(j).to_vec();
            let mean = col.iter().sum::<f64>() / 11.0;
            let var = col.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 10.0;
            assert_abs_diff_eq!(m[j], mean, epsilon = 1e-12);
            assert_abs_diff_eq!(v[j], var, epsilon = 1e-12);
        }
        // Column-major input takes the Zip path and agrees.
        let xt = x.t().to_owned();
        let (m2, v2) = column_mean_var(xt.t(), Variance::Sample).unwrap();
        for j in 0..6 {
            assert_abs_diff_eq!(m2[j], m[j], epsilon = 1e-12);
            assert_abs_diff_eq!(v2[j], v[j], epsilon = 1e-12);
        }
        let one = array![[1.0f64, 2.0]];
        let e = column_mean_var(one.view(), Variance::Sample).unwrap_err();
        assert!(e.to_string().contains("got 1"), "{e}");
        let (_, v) = column_mean_var(one.view(), Variance::Population).unwrap();
        assert_eq!(v, array![0.0, 0.0]);
        let none = Array2::<f64>::zeros((0, 2));
        assert!(matches!(
            column_mean_var(none.view(), Variance::Population),
            Err(Error::Empty { .. })
        ));
        assert!(column_means(none.view()).is_err());
    }

    #[test]
    fn argmax_ties_nan_and_empty() {
        let x = array![
            [1.0f64, 3.0, 3.0],
            [f64::NAN, f64::NAN, f64::NAN],
            [-5.0, f64::NAN, -4.0],
            [f64::NEG_INFINITY, f64::NEG_INFINITY, -1e300]
        ];
        assert_eq!(argmax_rows(x.view()).unwrap(), array![1, 0, 2, 2]);
        let no_cols = Array2::<f32>::zeros((2, 0));
        let e = argmax_rows(no_cols.view()).unwrap_err();
        assert!(e.to_string().contains("2 rows"), "{e}");
        let no_rows = Array2::<f32>::zeros((0, 0));
        assert_eq!(argmax_rows(no_rows.view()).unwrap().len(), 0);
    }

    #[test]
    fn stable_sum_beats_naive_sum() {
        // 1e6 copies of 0.1 in f32: the naive sum drifts by ~1 %.
        let v = vec![0.1f32; 1_000_000];
        let naive: f32 = v.iter().fold(0.0, |a, &b| a + b);
        let s = stable_sum(&v);
        let exact = 0.1f32 as f64 * 1e6;
        assert!((naive as f64 - exact).abs() > 100.0, "naive {naive}");
        assert!((s as f64 - exact).abs() < 0.01, "stable {s}");
        // f64 input: 1e6 copies of 0.1 summed to within a few ulps.
        let w = vec![0.1f64; 1_000_000];
        assert_abs_diff_eq!(stable_sum(&w), 100_000.0, epsilon = 1e-9);
        // Large terms that cancel do not swallow small ones.
        assert_eq!(stable_sum(&[1e8f32, 1.0, -1e8, 1.0]), 2.0);
        assert!(stable_sum(&[1.0f64, f64::NAN]).is_nan());
    }
}
