//! Numerically stable element functions and row-wise normalisations.
//!
//! Each function is written so that no intermediate overflows: inputs of
//! ±1e4 (or ±1e30) give finite, correct results, never NaN.
//!
//! The one-value functions ([`sigmoid`], [`softplus`], [`log_sigmoid`]) use
//! the scalar `libm`; the slice and row functions ([`log_sum_exp`],
//! [`softmax_rows_inplace`], [`log_softmax_rows_inplace`], ...) run on the
//! vectorised [`crate::vmath`] kernels.

use ndarray::{Array1, ArrayView2, ArrayViewMut2, Axis};

use crate::{Scalar, vmath};

/// The logistic function `1 / (1 + e^-x)`, stable for any finite `x`.
///
/// ```
/// use ua_tensor::stable::sigmoid;
/// assert_eq!(sigmoid(0.0f32), 0.5);
/// assert_eq!(sigmoid(1e4f32), 1.0);
/// assert_eq!(sigmoid(-1e4f32), 0.0);
/// ```
#[inline(always)]
pub fn sigmoid<S: Scalar>(x: S) -> S {
    if x >= S::zero() {
        S::one() / (S::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (S::one() + e)
    }
}

/// `ln(1 + e^x)`, stable for any finite `x`.
///
/// ```
/// use ua_tensor::stable::softplus;
/// assert!((softplus(0.0f64) - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(softplus(1e4f64), 1e4);
/// assert_eq!(softplus(-1e4f64), 0.0);
/// ```
#[inline(always)]
pub fn softplus<S: Scalar>(x: S) -> S {
    // max(x, 0) + ln(1 + e^-|x|)
    x.max(S::zero()) + (-x.abs()).exp().ln_1p()
}

/// `ln(sigmoid(x)) = -softplus(-x)`, stable for any finite `x`.
///
/// ```
/// use ua_tensor::stable::log_sigmoid;
/// assert_eq!(log_sigmoid(-1e4f32), -1e4);
/// assert!(log_sigmoid(1e4f32).abs() < 1e-30);
/// ```
#[inline(always)]
pub fn log_sigmoid<S: Scalar>(x: S) -> S {
    -softplus(-x)
}

/// `ln Σ e^{x_i}` of a slice, stable (shifted by the maximum).
/// Returns `-∞` for an empty slice.
///
/// ```
/// use ua_tensor::stable::log_sum_exp;
/// let v = log_sum_exp(&[1e4f64, 1e4]);
/// assert!((v - (1e4 + 2f64.ln())).abs() < 1e-9);
/// ```
pub fn log_sum_exp<S: Scalar>(xs: &[S]) -> S {
    vmath::log_sum_exp(xs)
}

/// Row-wise `ln Σ_j e^{x_ij}`.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::stable::log_sum_exp_rows;
/// let r = log_sum_exp_rows(array![[0.0f32, 0.0], [-1e4, -1e4]].view());
/// assert!((r[0] - 2f32.ln()).abs() < 1e-6);
/// assert!((r[1] - (-1e4 + 2f32.ln())).abs() < 1e-2);
/// ```
pub fn log_sum_exp_rows<S: Scalar>(x: ArrayView2<'_, S>) -> Array1<S> {
    let mut scratch = Vec::new();
    x.axis_iter(Axis(0))
        .map(|row| match row.as_slice() {
            Some(s) => vmath::log_sum_exp(s),
            None => {
                scratch.clear();
                scratch.extend(row.iter().copied());
                vmath::log_sum_exp(&scratch)
            }
        })
        .collect()
}

/// Applies `f` to every row of `x` in place, through a scratch row when the
/// row is not contiguous.
fn for_each_row<S: Scalar>(mut x: ArrayViewMut2<'_, S>, f: impl Fn(&mut [S])) {
    let mut scratch = Vec::new();
    for mut row in x.axis_iter_mut(Axis(0)) {
        if let Some(r) = row.as_slice_mut() {
            f(r);
        } else {
            scratch.clear();
            scratch.extend(row.iter().copied());
            f(&mut scratch);
            row.iter_mut().zip(&scratch).for_each(|(v, &s)| *v = s);
        }
    }
}

/// Replaces each row of `x` by its softmax, in place (shifted by the row
/// maximum, so `±1e4` inputs are fine).
///
/// ```
/// use ndarray::array;
/// use ua_tensor::stable::softmax_rows_inplace;
/// let mut x = array![[1e4f32, 1e4, -1e4]];
/// softmax_rows_inplace(x.view_mut());
/// assert_eq!(x, array![[0.5, 0.5, 0.0]]);
/// ```
pub fn softmax_rows_inplace<S: Scalar>(x: ArrayViewMut2<'_, S>) {
    let k = vmath::Kernels::detected();
    for_each_row(x, |r| k.softmax_inplace(r));
}

/// Replaces each row of `x` by its log-softmax, in place.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::stable::log_softmax_rows_inplace;
/// let mut x = array![[0.0f64, 0.0]];
/// log_softmax_rows_inplace(x.view_mut());
/// assert!((x[[0, 0]] + 2f64.ln()).abs() < 1e-15);
/// ```
pub fn log_softmax_rows_inplace<S: Scalar>(x: ArrayViewMut2<'_, S>) {
    let k = vmath::Kernels::detected();
    for_each_row(x, |r| k.log_softmax_inplace(r));
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn extreme_inputs_stay_finite() {
        for &x in &[-1e4f32, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4] {
            assert!(sigmoid(x).is_finite());
            assert!(softplus(x).is_finite());
            assert!(log_sigmoid(x).is_finite());
        }
        for &x in &[-1e4f64, -1e30, 1e30] {
            assert!(softplus(x).is_finite() && log_sigmoid(x).is_finite());
        }
        let mut m = array![[1e4f64, -1e4, 0.0], [-1e4, -1e4, -1e4]];
        softmax_rows_inplace(m.view_mut());
        assert!(m.iter().all(|v| v.is_finite()));
        assert_abs_diff_eq!(m.row(1).sum(), 1.0, epsilon = 1e-12);
        let mut l = array![[1e4f64, -1e4]];
        log_softmax_rows_inplace(l.view_mut());
        assert_abs_diff_eq!(l[[0, 0]], 0.0, epsilon = 1e-12);
        assert_abs_diff_eq!(l[[0, 1]], -2e4, epsilon = 1e-9);
    }

    #[test]
    fn agrees_with_naive_formulas_in_safe_range() {
        for i in -50..=50 {
            let x = i as f64 * 0.3;
            assert_abs_diff_eq!(sigmoid(x), 1.0 / (1.0 + (-x).exp()), epsilon = 1e-15);
            assert_abs_diff_eq!(softplus(x), (1.0 + x.exp()).ln(), epsilon = 1e-12);
            assert_abs_diff_eq!(
                log_sigmoid(x),
                (1.0 / (1.0 + (-x).exp())).ln(),
                epsilon = 1e-12
            );
        }
        let v = [0.1f64, -2.0, 3.0];
        let naive = v.iter().map(|x| x.exp()).sum::<f64>().ln();
        assert_abs_diff_eq!(log_sum_exp(&v), naive, epsilon = 1e-12);
        assert_eq!(log_sum_exp::<f64>(&[]), f64::NEG_INFINITY);
    }

    #[test]
    fn rows_match_the_slice_kernels_for_any_layout() {
        let x = array![
            [0.5f32, -2.0, 3.0, 1e4],
            [-1e4, 0.0, 7.5, -3.25],
            [1.0, 1.0, 1.0, 1.0]
        ];
        // Row-major and column-major (rows not contiguous) give the same bits.
        let mut a = x.clone();
        let mut b = x.t().as_standard_layout().into_owned().reversed_axes();
        assert!(b.row(0).as_slice().is_none());
        softmax_rows_inplace(a.view_mut());
        softmax_rows_inplace(b.view_mut());
        assert_eq!(a, b);
        let mut want = x.row(1).to_vec();
        vmath::softmax_inplace(&mut want);
        assert_eq!(a.row(1).to_vec(), want);
        assert_abs_diff_eq!(a.row(1).sum(), 1.0, epsilon = 1e-6);
        assert_eq!(a.row(2).to_vec(), vec![0.25; 4]);
        let mut a = x.clone();
        let mut b = x.t().as_standard_layout().into_owned().reversed_axes();
        log_softmax_rows_inplace(a.view_mut());
        log_softmax_rows_inplace(b.view_mut());
        assert_eq!(a, b);
        assert_abs_diff_eq!(a[[0, 3]], 0.0, epsilon = 1e-6);
        let r = log_sum_exp_rows(
            x.t()
                .as_standard_layout()
                .into_owned()
                .reversed_axes()
                .view(),
        );
        assert_eq!(r, log_sum_exp_rows(x.view()));
        assert_abs_diff_eq!(r[2], 1.0 + 4f32.ln(), epsilon = 1e-6);
        assert_eq!(r[0], 1e4);
    }
}
