//! Regression metrics: mean absolute error, mean squared error, root mean
//! squared error and the coefficient of determination R².
//!
//! Inputs are `f32` or `f64` ([`ua_tensor::Scalar`]); sums are taken in
//! `f64`. NaN or infinite values are errors naming the array and index.

use ndarray::{ArrayView1, AsArray};
use ua_tensor::Scalar;

use super::input::same_len_non_empty;
use crate::{Error, Result};

fn check<S: Scalar>(
    op: &'static str,
    y_true: ArrayView1<'_, S>,
    y_pred: ArrayView1<'_, S>,
) -> Result<()> {
    same_len_non_empty(op, "y_true", y_true.len(), "y_pred", y_pred.len())?;
    for (name, a) in [("y_true", y_true), ("y_pred", y_pred)] {
        if let Some(i) = a.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument {
                op,
                message: format!("{name}[{i}] = {}; values must be finite", a[i]),
            });
        }
    }
    Ok(())
}

fn mean_of<S: Scalar>(
    y_true: ArrayView1<'_, S>,
    y_pred: ArrayView1<'_, S>,
    f: impl Fn(f64) -> f64,
) -> f64 {
    let s: f64 = y_true
        .iter()
        .zip(y_pred.iter())
        .map(|(&t, &p)| f(p.as_f64() - t.as_f64()))
        .sum();
    s / y_true.len() as f64
}

/// Mean absolute error, (1/n) Σ |ŷ − y|.
///
/// Errors: mismatched lengths, empty input, NaN/infinite values.
///
/// ```
/// use ua_analytics::metrics::mae;
/// // (|2.5 − 3| + |0 − (−0.5)| + |2 − 2| + |8 − 7|) / 4 = 0.5 (sklearn's example)
/// assert_eq!(mae(&[3.0f64, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]).unwrap(), 0.5);
/// ```
pub fn mae<'a, 'b, S: Scalar>(
    y_true: impl AsArray<'a, S>,
    y_pred: impl AsArray<'b, S>,
) -> Result<f64> {
    let (t, p) = (y_true.into(), y_pred.into());
    check("mae", t, p)?;
    Ok(mean_of(t, p, f64::abs))
}

/// Mean squared error, (1/n) Σ (ŷ − y)².
///
/// Errors: mismatched lengths, empty input, NaN/infinite values.
///
/// ```
/// use ua_analytics::metrics::mse;
/// // (0.25 + 0.25 + 0 + 1) / 4 = 0.375 (sklearn's example)
/// assert_eq!(mse(&[3.0f64, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]).unwrap(), 0.375);
/// ```
pub fn mse<'a, 'b, S: Scalar>(
    y_true: impl AsArray<'a, S>,
    y_pred: impl AsArray<'b, S>,
) -> Result<f64> {
    let (t, p) = (y_true.into(), y_pred.into());
    check("mse", t, p)?;
    Ok(mean_of(t, p, |d| d * d))
}

/// Root mean squared error, √MSE, in the units of the target.
///
/// Errors: mismatched lengths, empty input, NaN/infinite values.
///
/// ```
/// use ua_analytics::metrics::rmse;
/// assert!((rmse(&[3.0f64, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]).unwrap() - 0.375f64.sqrt()).abs() < 1e-15);
/// ```
pub fn rmse<'a, 'b, S: Scalar>(
    y_true: impl AsArray<'a, S>,
    y_pred: impl AsArray<'b, S>,
) -> Result<f64> {
    let (t, p) = (y_true.into(), y_pred.into());
    check("rmse", t, p)?;
    Ok(mean_of(t, p, |d| d * d).sqrt())
}

/// Coefficient of determination, R² = 1 − SS_res / SS_tot with
/// SS_res = Σ (y − ŷ)² and SS_tot = Σ (y − ȳ)². 1 is perfect, 0 is what
/// predicting the mean scores, and it is negative for worse predictions.
///
/// Constant targets (SS_tot = 0, including n = 1): R² is 0/0 and this
/// function returns [`Error::Undefined`] — never NaN, and not
/// scikit-learn's substitute values (1.0 for a perfect fit, else 0.0). Use
/// [`mae`] or [`rmse`] for such data.
///
/// Errors: also mismatched lengths, empty input, NaN/infinite values.
///
/// ```
/// use ua_analytics::metrics::r2_score;
/// // sklearn's example: ȳ = 2.875, SS_tot = 29.1875, SS_res = 1.5 → 1 − 1.5/29.1875
/// let r2 = r2_score(&[3.0f64, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]).unwrap();
/// assert!((r2 - 0.9486081370449679).abs() < 1e-12);
/// assert!(r2_score(&[2.0f32, 2.0], &[2.0f32, 2.0]).is_err()); // constant target
/// ```
pub fn r2_score<'a, 'b, S: Scalar>(
    y_true: impl AsArray<'a, S>,
    y_pred: impl AsArray<'b, S>,
) -> Result<f64> {
    const OP: &str = "r2_score";
    let (t, p): (ArrayView1<'_, S>, ArrayView1<'_, S>) = (y_true.into(), y_pred.into());
    check(OP, t, p)?;
    let n = t.len() as f64;
    let mean = t.iter().map(|v| v.as_f64()).sum::<f64>() / n;
    let ss_tot: f64 = t.iter().map(|v| (v.as_f64() - mean).powi(2)).sum();
    let ss_res = mean_of(t, p, |d| d * d) * n;
    if ss_tot == 0.0 {
        return Err(Error::Undefined {
            op: OP,
            message: format!(
                "y_true is constant ({} rows all equal to {mean}); R² divides by its variance, which is 0",
                t.len()
            ),
        });
    }
    Ok(1.0 - ss_res / ss_tot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn hand_computed_f32_and_f64() {
        // y = [1, 2, 3, 4], ŷ = [2, 2, 2, 2]: errors 1, 0, −1, −2
        // MAE = 4/4 = 1; MSE = (1+0+1+4)/4 = 1.5; RMSE = √1.5
        // ȳ = 2.5, SS_tot = 2.25+0.25+0.25+2.25 = 5, SS_res = 6 → R² = 1 − 6/5 = −0.2
        let y = [1.0f32, 2.0, 3.0, 4.0];
        let p = [2.0f32; 4];
        assert_eq!(mae(&y, &p).unwrap(), 1.0);
        assert_eq!(mse(&y, &p).unwrap(), 1.5);
        assert_abs_diff_eq!(rmse(&y, &p).unwrap(), 1.5f64.sqrt());
        assert_abs_diff_eq!(r2_score(&y, &p).unwrap(), -0.2, epsilon = 1e-12);
        let y64 = y.map(f64::from);
        assert_abs_diff_eq!(r2_score(&y64, &y64).unwrap(), 1.0);
        // predicting the mean gives R² = 0
        assert_abs_diff_eq!(r2_score(&y64, &[2.5f64; 4]).unwrap(), 0.0);
    }

    #[test]
    fn degenerate_and_bad_input() {
        let e = r2_score(&[5.0f64, 5.0, 5.0], &[5.0f64, 5.0, 4.0]).unwrap_err();
        assert!(
            matches!(e, Error::Undefined { .. }) && e.to_string().contains("constant"),
            "{e}"
        );
        assert!(r2_score(&[1.0f64], &[1.0f64]).is_err());
        let e = mae(&[1.0f64, f64::INFINITY], &[1.0f64, 1.0]).unwrap_err();
        assert!(e.to_string().contains("y_true[1]"), "{e}");
        let e = rmse(&[1.0f32, 2.0], &[1.0f32, f32::NAN]).unwrap_err();
        assert!(e.to_string().contains("y_pred[1]"), "{e}");
        assert!(matches!(
            mse(&[1.0f64], &[1.0f64, 2.0]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            mae::<f64>(&[] as &[f64], &[] as &[f64]),
            Err(Error::Empty { .. })
        ));
    }
}
