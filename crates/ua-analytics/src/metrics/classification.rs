//! Metrics of hard 0/1 predictions: the confusion matrix and everything
//! derived from it (accuracy, precision, recall, F1, F-beta, rates).
//!
//! Undefined ratios are `None`, never 0: a ratio whose denominator is zero —
//! precision with no predicted positives, recall with no actual positives,
//! F1/F-beta when tp + fp + fn = 0, and likewise for the other rates — has
//! no value, and reporting 0.0 (scikit-learn's `zero_division=0`) would make
//! "the model flagged nothing" look like "the model was always wrong".

use std::fmt;

use ndarray::{ArrayView1, AsArray};
use serde::{Deserialize, Serialize};

use super::input::{bad_label, labels_and_scores, same_len_non_empty};
use crate::{Error, Result};

/// `num / den`, or `None` when `den` is zero (the ratio is undefined).
#[inline]
pub(crate) fn ratio(num: u64, den: u64) -> Option<f64> {
    if den == 0 {
        None
    } else {
        Some(num as f64 / den as f64)
    }
}

/// Counts of a binary classification: true/false positives and negatives.
///
/// A row is *predicted positive* when its prediction is 1 (or, for
/// [`ConfusionMatrix::at_threshold`], when its score is `>= threshold`).
/// Every rate is `None` when its denominator is zero (undefined, see the
/// module docs), never 0.0.
///
/// `Display` prints the 2×2 table (rows: actual class, columns: predicted).
///
/// ```
/// use ua_analytics::metrics::ConfusionMatrix;
/// let cm = ConfusionMatrix::from_predictions(&[1u8, 1, 0, 0, 1], &[1u8, 0, 0, 1, 1]).unwrap();
/// assert_eq!((cm.tp, cm.fp, cm.tn, cm.fn_), (2, 1, 1, 1));
/// assert_eq!(cm.precision(), Some(2.0 / 3.0));
/// println!("{cm}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// True positives: actual 1, predicted 1.
    pub tp: u64,
    /// False positives: actual 0, predicted 1.
    pub fp: u64,
    /// True negatives: actual 0, predicted 0.
    pub tn: u64,
    /// False negatives: actual 1, predicted 0 (`fn` is a Rust keyword; it is
    /// serialised as `"fn"`).
    #[serde(rename = "fn")]
    pub fn_: u64,
}

impl ConfusionMatrix {
    /// Counts from 0/1 labels and 0/1 predictions of equal length.
    ///
    /// Errors: different lengths ([`Error::ShapeMismatch`]), empty input
    /// ([`Error::Empty`]), a value other than 0/1 ([`Error::InvalidArgument`]
    /// naming the array and index).
    ///
    /// ```
    /// use ua_analytics::metrics::ConfusionMatrix;
    /// let cm = ConfusionMatrix::from_predictions(&[0u8, 1], &[1u8, 1]).unwrap();
    /// assert_eq!((cm.tp, cm.fp), (1, 1));
    /// ```
    pub fn from_predictions<'a, 'b>(
        y_true: impl AsArray<'a, u8>,
        y_pred: impl AsArray<'b, u8>,
    ) -> Result<Self> {
        const OP: &str = "confusion_matrix";
        let (y_true, y_pred): (ArrayView1<'_, u8>, ArrayView1<'_, u8>) =
            (y_true.into(), y_pred.into());
        same_len_non_empty(OP, "y_true", y_true.len(), "y_pred", y_pred.len())?;
        // counts[2 * actual + predicted]
        let mut counts = [0u64; 4];
        for (i, (&t, &p)) in y_true.iter().zip(y_pred.iter()).enumerate() {
            if t > 1 {
                return Err(bad_label(OP, "y_true", i, t));
            }
            if p > 1 {
                return Err(bad_label(OP, "y_pred", i, p));
            }
            counts[usize::from(2 * t + p)] += 1;
        }
        Ok(Self {
            tn: counts[0],
            fp: counts[1],
            fn_: counts[2],
            tp: counts[3],
        })
    }

    /// Counts when a row is predicted positive iff `score >= threshold`
    /// (the rule of [`crate::Predictor::predict`]).
    ///
    /// Errors as [`ConfusionMatrix::from_predictions`], plus a NaN score or
    /// NaN threshold ([`Error::InvalidArgument`]).
    ///
    /// ```
    /// use ua_analytics::metrics::ConfusionMatrix;
    /// let cm = ConfusionMatrix::at_threshold(&[0u8, 1, 1], &[0.2f32, 0.5, 0.4], 0.5).unwrap();
    /// assert_eq!((cm.tp, cm.fp, cm.tn, cm.fn_), (1, 0, 1, 1));
    /// ```
    pub fn at_threshold<'a, 'b>(
        y_true: impl AsArray<'a, u8>,
        y_score: impl AsArray<'b, f32>,
        threshold: f32,
    ) -> Result<Self> {
        const OP: &str = "confusion_matrix_at_threshold";
        let (y_true, y_score): (ArrayView1<'_, u8>, ArrayView1<'_, f32>) =
            (y_true.into(), y_score.into());
        if threshold.is_nan() {
            return Err(Error::InvalidArgument {
                op: OP,
                message: "threshold is NaN".into(),
            });
        }
        labels_and_scores(OP, y_true, y_score)?;
        Ok(Self::count_at(y_true, y_score, threshold))
    }

    /// Counting loop of [`ConfusionMatrix::at_threshold`] on checked input.
    pub(crate) fn count_at(
        y_true: ArrayView1<'_, u8>,
        y_score: ArrayView1<'_, f32>,
        threshold: f32,
    ) -> Self {
        let mut counts = [0u64; 4];
        for (&t, &s) in y_true.iter().zip(y_score.iter()) {
            counts[usize::from(2 * t + u8::from(s >= threshold)) & 3] += 1;
        }
        Self {
            tn: counts[0],
            fp: counts[1],
            fn_: counts[2],
            tp: counts[3],
        }
    }

    /// Builds the matrix from cumulative counts at a threshold.
    pub(crate) fn from_counts(tp: u64, fp: u64, positives: u64, negatives: u64) -> Self {
        Self {
            tp,
            fp,
            tn: negatives - fp,
            fn_: positives - tp,
        }
    }

    /// Number of rows.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// let cm = ConfusionMatrix { tp: 1, fp: 2, tn: 3, fn_: 4 };
    /// assert_eq!(cm.n(), 10);
    /// ```
    pub fn n(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Actual positives, tp + fn.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 2, tn: 3, fn_: 4 }.positives(), 5);
    /// ```
    pub fn positives(&self) -> u64 {
        self.tp + self.fn_
    }

    /// Actual negatives, tn + fp.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 2, tn: 3, fn_: 4 }.negatives(), 5);
    /// ```
    pub fn negatives(&self) -> u64 {
        self.tn + self.fp
    }

    /// Predicted positives (flagged rows), tp + fp.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 2, tn: 3, fn_: 4 }.predicted_positives(), 3);
    /// ```
    pub fn predicted_positives(&self) -> u64 {
        self.tp + self.fp
    }

    /// (tp + tn) / n; `None` for an empty matrix (n = 0).
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 2, tn: 3, fn_: 4 }.accuracy(), Some(0.4));
    /// assert_eq!(ConfusionMatrix::default().accuracy(), None);
    /// ```
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.tp + self.tn, self.n())
    }

    /// tp / (tp + fp); `None` (undefined) when nothing is predicted positive.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 3, tn: 3, fn_: 4 }.precision(), Some(0.25));
    /// assert_eq!(ConfusionMatrix { tp: 0, fp: 0, tn: 3, fn_: 4 }.precision(), None);
    /// ```
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Recall = true positive rate = sensitivity, tp / (tp + fn); `None`
    /// when there are no actual positives.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 2, tn: 3, fn_: 3 }.recall(), Some(0.25));
    /// assert_eq!(ConfusionMatrix { tp: 0, fp: 2, tn: 3, fn_: 0 }.recall(), None);
    /// ```
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Specificity = true negative rate, tn / (tn + fp); `None` with no
    /// actual negatives.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 1, tn: 3, fn_: 4 }.specificity(), Some(0.75));
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 0, tn: 0, fn_: 4 }.specificity(), None);
    /// ```
    pub fn specificity(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fp)
    }

    /// False positive rate, fp / (fp + tn); `None` with no actual negatives.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 1, tn: 3, fn_: 4 }.false_positive_rate(), Some(0.25));
    /// ```
    pub fn false_positive_rate(&self) -> Option<f64> {
        ratio(self.fp, self.fp + self.tn)
    }

    /// False negative rate = miss rate, fn / (fn + tp); `None` with no
    /// actual positives.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 1, tn: 3, fn_: 3 }.false_negative_rate(), Some(0.75));
    /// ```
    pub fn false_negative_rate(&self) -> Option<f64> {
        ratio(self.fn_, self.fn_ + self.tp)
    }

    /// Negative predictive value, tn / (tn + fn); `None` when nothing is
    /// predicted negative.
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 1, tn: 3, fn_: 1 }.negative_predictive_value(), Some(0.75));
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 1, tn: 0, fn_: 0 }.negative_predictive_value(), None);
    /// ```
    pub fn negative_predictive_value(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fn_)
    }

    /// F1 = 2·tp / (2·tp + fp + fn), the harmonic mean of precision and
    /// recall; `None` when tp + fp + fn = 0 (no positives, none predicted).
    /// With positives but none predicted it is 0.0 (defined: every positive
    /// was missed).
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// // precision 1/2, recall 1/3: 2·1 / (2 + 1 + 2) = 0.4
    /// assert_eq!(ConfusionMatrix { tp: 1, fp: 1, tn: 3, fn_: 2 }.f1(), Some(0.4));
    /// assert_eq!(ConfusionMatrix { tp: 0, fp: 0, tn: 3, fn_: 2 }.f1(), Some(0.0));
    /// assert_eq!(ConfusionMatrix { tp: 0, fp: 0, tn: 3, fn_: 0 }.f1(), None);
    /// ```
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// F-beta = (1+β²)·tp / ((1+β²)·tp + β²·fn + fp): recall is weighted β
    /// times as much as precision. `Ok(None)` (undefined) when
    /// tp + fp + fn = 0.
    ///
    /// Errors: β not finite or not > 0 ([`Error::InvalidArgument`]).
    ///
    /// ```
    /// # use ua_analytics::metrics::ConfusionMatrix;
    /// let cm = ConfusionMatrix { tp: 1, fp: 1, tn: 3, fn_: 2 };
    /// assert_eq!(cm.f_beta(1.0).unwrap(), cm.f1());
    /// // β = 2: 5·1 / (5·1 + 4·2 + 1) = 5/14
    /// assert!((cm.f_beta(2.0).unwrap().unwrap() - 5.0 / 14.0).abs() < 1e-15);
    /// assert_eq!(ConfusionMatrix { tp: 0, fp: 0, tn: 3, fn_: 0 }.f_beta(2.0).unwrap(), None);
    /// ```
    pub fn f_beta(&self, beta: f64) -> Result<Option<f64>> {
        if !(beta.is_finite() && beta > 0.0) {
            return Err(Error::InvalidArgument {
                op: "fbeta_score",
                message: format!("beta = {beta}; it must be finite and > 0"),
            });
        }
        let b2 = beta * beta;
        let num = (1.0 + b2) * self.tp as f64;
        let den = num + b2 * self.fn_ as f64 + self.fp as f64;
        Ok(if den == 0.0 { None } else { Some(num / den) })
    }
}

impl fmt::Display for ConfusionMatrix {
    /// ```text
    ///              predicted 0  predicted 1
    /// actual 0              tn           fp
    /// actual 1              fn           tp
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = [self.tp, self.fp, self.tn, self.fn_]
            .iter()
            .map(|v| v.to_string().len())
            .max()
            .unwrap_or(1)
            .max("predicted 0".len());
        writeln!(f, "{:10}  {:>w$}  {:>w$}", "", "predicted 0", "predicted 1")?;
        writeln!(f, "{:10}  {:>w$}  {:>w$}", "actual 0", self.tn, self.fp)?;
        write!(f, "{:10}  {:>w$}  {:>w$}", "actual 1", self.fn_, self.tp)
    }
}

/// The confusion matrix of 0/1 labels and 0/1 predictions; same as
/// [`ConfusionMatrix::from_predictions`].
///
/// ```
/// use ua_analytics::metrics::confusion_matrix;
/// let cm = confusion_matrix(&[0u8, 0, 1], &[0u8, 1, 1]).unwrap();
/// assert_eq!((cm.tn, cm.fp, cm.fn_, cm.tp), (1, 1, 0, 1));
/// ```
pub fn confusion_matrix<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_pred: impl AsArray<'b, u8>,
) -> Result<ConfusionMatrix> {
    ConfusionMatrix::from_predictions(y_true, y_pred)
}

/// Fraction of predictions equal to the label.
///
/// ```
/// use ua_analytics::metrics::accuracy;
/// assert_eq!(accuracy(&[0u8, 1, 1, 0], &[0u8, 1, 0, 0]).unwrap(), 0.75);
/// ```
pub fn accuracy<'a, 'b>(y_true: impl AsArray<'a, u8>, y_pred: impl AsArray<'b, u8>) -> Result<f64> {
    // from_predictions refuses empty input, so n > 0 and accuracy is defined.
    ConfusionMatrix::from_predictions(y_true, y_pred)?
        .accuracy()
        .ok_or(Error::Empty { op: "accuracy" })
}

/// tp / (tp + fp); `None` (undefined, not 0) when no row is predicted
/// positive.
///
/// ```
/// use ua_analytics::metrics::precision;
/// assert_eq!(precision(&[0u8, 1, 1, 0], &[1u8, 1, 0, 0]).unwrap(), Some(0.5));
/// assert_eq!(precision(&[0u8, 1], &[0u8, 0]).unwrap(), None); // nothing predicted positive
/// ```
pub fn precision<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_pred: impl AsArray<'b, u8>,
) -> Result<Option<f64>> {
    Ok(ConfusionMatrix::from_predictions(y_true, y_pred)?.precision())
}

/// tp / (tp + fn); `None` (undefined) when there are no actual positives.
///
/// ```
/// use ua_analytics::metrics::recall;
/// assert_eq!(recall(&[0u8, 1, 1, 1], &[1u8, 1, 0, 1]).unwrap(), Some(2.0 / 3.0));
/// assert_eq!(recall(&[0u8, 0], &[1u8, 0]).unwrap(), None); // no actual positives
/// ```
pub fn recall<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_pred: impl AsArray<'b, u8>,
) -> Result<Option<f64>> {
    Ok(ConfusionMatrix::from_predictions(y_true, y_pred)?.recall())
}

/// F1 = 2·tp / (2·tp + fp + fn); `None` (undefined) when tp + fp + fn = 0.
///
/// ```
/// use ua_analytics::metrics::f1_score;
/// // tp 2, fp 1, fn 1: 4 / (4 + 1 + 1)
/// assert_eq!(f1_score(&[0u8, 1, 1, 1], &[1u8, 1, 0, 1]).unwrap(), Some(4.0 / 6.0));
/// assert_eq!(f1_score(&[0u8, 0], &[0u8, 0]).unwrap(), None);
/// ```
pub fn f1_score<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_pred: impl AsArray<'b, u8>,
) -> Result<Option<f64>> {
    Ok(ConfusionMatrix::from_predictions(y_true, y_pred)?.f1())
}

/// F-beta score (see [`ConfusionMatrix::f_beta`]); β > 1 favours recall;
/// `None` when tp + fp + fn = 0.
///
/// ```
/// use ua_analytics::metrics::fbeta_score;
/// // tp 2, fp 1, fn 1, β = 0.5: 1.25·2 / (1.25·2 + 0.25·1 + 1) = 2.5 / 3.75
/// let f = fbeta_score(&[0u8, 1, 1, 1], &[1u8, 1, 0, 1], 0.5).unwrap().unwrap();
/// assert!((f - 2.5 / 3.75).abs() < 1e-12);
/// assert_eq!(fbeta_score(&[0u8], &[0u8], 2.0).unwrap(), None); // tp + fp + fn = 0
/// ```
pub fn fbeta_score<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_pred: impl AsArray<'b, u8>,
    beta: f64,
) -> Result<Option<f64>> {
    ConfusionMatrix::from_predictions(y_true, y_pred)?.f_beta(beta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    // y_true: 1 1 1 0 0 0 0 1
    // y_pred: 1 0 1 1 0 0 1 0
    // tp = rows 0,2 = 2; fn = rows 1,7 = 2; fp = rows 3,6 = 2; tn = rows 4,5 = 2
    const T: [u8; 8] = [1, 1, 1, 0, 0, 0, 0, 1];
    const P: [u8; 8] = [1, 0, 1, 1, 0, 0, 1, 0];

    #[test]
    fn hand_computed_counts_and_rates() {
        let cm = confusion_matrix(&T, &P).unwrap();
        assert_eq!(
            cm,
            ConfusionMatrix {
                tp: 2,
                fp: 2,
                tn: 2,
                fn_: 2
            }
        );
        assert_eq!(accuracy(&T, &P).unwrap(), 0.5);
        assert_eq!(precision(&T, &P).unwrap(), Some(0.5));
        assert_eq!(recall(&T, &P).unwrap(), Some(0.5));
        assert_eq!(f1_score(&T, &P).unwrap(), Some(0.5));
        assert_eq!(fbeta_score(&T, &P, 2.0).unwrap(), Some(0.5));
        // y_pred with one more positive on row 1: tp 3, fp 2, fn 1, tn 2
        let p2 = [1u8, 1, 1, 1, 0, 0, 1, 0];
        let cm = confusion_matrix(&T, &p2).unwrap();
        assert_eq!((cm.tp, cm.fp, cm.tn, cm.fn_), (3, 2, 2, 1));
        assert_eq!(cm.n(), 8);
        assert_eq!(cm.accuracy(), Some(5.0 / 8.0));
        let v = |o: Option<f64>| o.expect("defined");
        assert_abs_diff_eq!(v(cm.precision()), 0.6); // 3/5
        assert_abs_diff_eq!(v(cm.recall()), 0.75); // 3/4
        assert_abs_diff_eq!(v(cm.f1()), 6.0 / 9.0); // 2·3/(6+2+1)
        assert_abs_diff_eq!(v(cm.specificity()), 0.5); // 2/4
        assert_abs_diff_eq!(v(cm.false_positive_rate()), 0.5);
        assert_abs_diff_eq!(v(cm.false_negative_rate()), 0.25);
        assert_abs_diff_eq!(v(cm.negative_predictive_value()), 2.0 / 3.0);
        // F2 = 5·3 / (5·3 + 4·1 + 2) = 15/21
        assert_abs_diff_eq!(v(cm.f_beta(2.0).unwrap()), 15.0 / 21.0, epsilon = 1e-15);
        // F-beta equals the weighted harmonic mean of P and R
        let (p, r, b2) = (0.6, 0.75, 4.0);
        assert_abs_diff_eq!(
            v(cm.f_beta(2.0).unwrap()),
            (1.0 + b2) * p * r / (b2 * p + r),
            epsilon = 1e-12
        );
        // β = 0.5 on the asymmetric matrix: 1.25·3 / (1.25·3 + 0.25·1 + 2) = 3.75/6
        assert_abs_diff_eq!(v(cm.f_beta(0.5).unwrap()), 3.75 / 6.0, epsilon = 1e-15);
    }

    #[test]
    fn undefined_ratios_are_none_not_zero() {
        // nothing predicted positive, one positive: precision undefined,
        // recall 0 (defined: the positive was missed), F1 = 0/(0+0+1) = 0
        let cm = confusion_matrix(&[1u8, 0], &[0u8, 0]).unwrap();
        assert_eq!(cm.precision(), None);
        assert_eq!(precision(&[1u8, 0], &[0u8, 0]).unwrap(), None);
        assert_eq!(cm.recall(), Some(0.0));
        assert_eq!(cm.f1(), Some(0.0));
        assert_eq!(cm.negative_predictive_value(), Some(0.5));
        // no actual positives and none predicted: tp + fp + fn = 0
        let cm = confusion_matrix(&[0u8, 0], &[0u8, 0]).unwrap();
        assert_eq!(cm.f1(), None);
        assert_eq!(f1_score(&[0u8, 0], &[0u8, 0]).unwrap(), None);
        assert_eq!(cm.recall(), None);
        assert_eq!(recall(&[0u8, 0], &[0u8, 0]).unwrap(), None);
        assert_eq!(cm.false_negative_rate(), None);
        assert_eq!(cm.precision(), None);
        assert_eq!(cm.specificity(), Some(1.0));
        assert_eq!(cm.accuracy(), Some(1.0));
        assert_eq!(cm.f_beta(3.0).unwrap(), None);
        assert_eq!(fbeta_score(&[0u8, 0], &[0u8, 0], 3.0).unwrap(), None);
        // no actual negatives: specificity and FPR undefined
        let cm = confusion_matrix(&[1u8, 1], &[1u8, 1]).unwrap();
        assert_eq!(cm.specificity(), None);
        assert_eq!(cm.false_positive_rate(), None);
        // everything predicted positive: NPV undefined
        assert_eq!(cm.negative_predictive_value(), None);
        assert_eq!(cm.f1(), Some(1.0));
        // empty matrix
        assert_eq!(ConfusionMatrix::default().accuracy(), None);
        // the edge where only fp is non-zero: F-beta defined and 0
        let only_fp = ConfusionMatrix {
            tp: 0,
            fp: 1,
            tn: 0,
            fn_: 0,
        };
        assert_eq!(only_fp.f_beta(2.0).unwrap(), Some(0.0));
        assert_eq!(only_fp.f1(), Some(0.0));
    }

    #[test]
    fn threshold_rule_is_greater_or_equal() {
        let cm = ConfusionMatrix::at_threshold(&[1u8, 0, 1], &[0.5f32, 0.5, 0.49], 0.5).unwrap();
        assert_eq!((cm.tp, cm.fp, cm.tn, cm.fn_), (1, 1, 0, 1));
        assert!(ConfusionMatrix::at_threshold(&[1u8], &[0.5f32], f32::NAN).is_err());
    }

    #[test]
    fn bad_input_is_reported() {
        let e = confusion_matrix(&[0u8, 1, 1], &[0u8, 1, 3]).unwrap_err();
        assert!(e.to_string().contains("y_pred[2] = 3"), "{e}");
        let e = confusion_matrix(&[0u8, 1, 1], &[0u8, 1]).unwrap_err();
        assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
        assert!(matches!(
            confusion_matrix(&[0u8; 0], &[0u8; 0]),
            Err(Error::Empty { .. })
        ));
        assert!(ConfusionMatrix::default().f_beta(0.0).is_err());
        assert!(ConfusionMatrix::default().f_beta(f64::NAN).is_err());
    }

    #[test]
    fn display_is_a_two_by_two_table() {
        let cm = ConfusionMatrix {
            tp: 4,
            fp: 3,
            tn: 12,
            fn_: 1,
        };
        let s = cm.to_string();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("predicted 0") && lines[0].contains("predicted 1"));
        assert!(lines[1].starts_with("actual 0") && lines[1].trim_end().ends_with('3'));
        assert!(lines[1].contains("12"));
        assert!(lines[2].starts_with("actual 1") && lines[2].trim_end().ends_with('4'));
    }

    #[test]
    fn serialises_fn_field_as_fn() {
        let cm = ConfusionMatrix {
            tp: 1,
            fp: 2,
            tn: 3,
            fn_: 4,
        };
        let json = serde_json::to_string(&cm).unwrap();
        assert_eq!(json, r#"{"tp":1,"fp":2,"tn":3,"fn":4}"#);
        let back: ConfusionMatrix = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cm);
    }
}
