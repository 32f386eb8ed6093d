//! [`ClassificationReport`]: every binary-classification metric of a set of
//! predicted probabilities, computed in one call.

use std::fmt;

use ndarray::{ArrayView1, AsArray};
use serde::{Deserialize, Serialize};

use super::calibration::{brier_unchecked, log_loss_unchecked};
use super::classification::ConfusionMatrix;
use super::curves::auc_and_ap;
use super::input::labels_and_probabilities;
use crate::{Error, Result};

/// The metrics of predicted probabilities against 0/1 labels, with hard
/// predictions `p >= threshold` for the threshold-dependent ones.
///
/// Metrics that can be undefined are `Option`s, `None` when undefined —
/// never 0.0: `precision` when nothing is predicted positive, `recall` with
/// no positive label, `f1` when both hold, `roc_auc` and `pr_auc` (average
/// precision) when `y_true` holds one class only (where [`super::roc_auc`]
/// returns [`Error::Undefined`]). `Display` prints them as `undefined`,
/// serde writes `null`. Accuracy, log-loss and Brier are always defined
/// (the input is never empty).
///
/// ```
/// use ua_analytics::metrics::ClassificationReport;
/// let r = ClassificationReport::compute(&[0u8, 0, 1, 1], &[0.1f32, 0.4, 0.35, 0.8], 0.5).unwrap();
/// assert_eq!((r.n, r.positives), (4, 2));
/// assert_eq!(r.roc_auc, Some(0.75));
/// assert_eq!((r.precision, r.recall), (Some(1.0), Some(0.5)));
/// let json = serde_json::to_string(&r).unwrap();
/// assert!(json.contains("\"roc_auc\":0.75"));
/// println!("{r}");
///
/// // nothing reaches the threshold: precision is undefined, not 0
/// let r = ClassificationReport::compute(&[0u8, 1], &[0.1f32, 0.2], 0.5).unwrap();
/// assert_eq!((r.precision, r.recall, r.f1), (None, Some(0.0), Some(0.0)));
/// assert!(serde_json::to_string(&r).unwrap().contains("\"precision\":null"));
/// assert!(r.to_string().contains("precision undefined"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Number of rows.
    pub n: u64,
    /// Number of positive labels.
    pub positives: u64,
    /// Decision threshold for the hard predictions (`p >= threshold` is 1).
    pub threshold: f32,
    /// Accuracy at the threshold.
    pub accuracy: f64,
    /// Precision at the threshold; `None` if nothing is predicted positive.
    pub precision: Option<f64>,
    /// Recall at the threshold; `None` if there are no positives.
    pub recall: Option<f64>,
    /// F1 at the threshold; `None` if there are no positives and nothing is
    /// predicted positive.
    pub f1: Option<f64>,
    /// ROC-AUC; `None` with one class only.
    pub roc_auc: Option<f64>,
    /// Average precision; `None` with one class only.
    pub pr_auc: Option<f64>,
    /// Mean log-loss with probabilities clipped to [1e-15, 1 − 1e-15].
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Confusion matrix at the threshold.
    pub confusion: ConfusionMatrix,
}

impl ClassificationReport {
    /// Computes the report from 0/1 labels and probabilities in [0, 1] (one
    /// validation pass, one sort for the two AUCs, one counting pass).
    ///
    /// Errors: probabilities outside [0, 1] or NaN (scores that are not
    /// probabilities: use [`super::roc_auc`] and friends directly), a NaN
    /// threshold, labels other than 0/1, mismatched lengths, empty input.
    ///
    /// ```
    /// use ua_analytics::metrics::ClassificationReport;
    /// let r = ClassificationReport::compute(&[1u8, 1], &[0.9f32, 0.2], 0.5).unwrap();
    /// assert_eq!(r.roc_auc, None); // one class only
    /// assert_eq!(r.recall, Some(0.5));
    /// ```
    pub fn compute<'a, 'b>(
        y_true: impl AsArray<'a, u8>,
        y_prob: impl AsArray<'b, f32>,
        threshold: f32,
    ) -> Result<Self> {
        const OP: &str = "classification_report";
        let (y, p): (ArrayView1<'_, u8>, ArrayView1<'_, f32>) = (y_true.into(), y_prob.into());
        if threshold.is_nan() {
            return Err(Error::InvalidArgument {
                op: OP,
                message: "threshold is NaN".into(),
            });
        }
        let positives = labels_and_probabilities(OP, y, p)?;
        let (roc_auc, pr_auc) = auc_and_ap(OP, y, p)?;
        let confusion = ConfusionMatrix::count_at(y, p, threshold);
        Ok(Self {
            n: y.len() as u64,
            positives,
            threshold,
            // n ≥ 1: labels_and_probabilities refuses empty input
            accuracy: confusion.accuracy().ok_or(Error::Empty { op: OP })?,
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            roc_auc,
            pr_auc,
            log_loss: log_loss_unchecked(y, p),
            brier: brier_unchecked(y, p),
            confusion,
        })
    }
}

impl fmt::Display for ClassificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |v: Option<f64>| v.map_or_else(|| "undefined".into(), |v| format!("{v:.4}"));
        writeln!(
            f,
            "rows {}, positives {}, threshold {}",
            self.n, self.positives, self.threshold
        )?;
        writeln!(
            f,
            "accuracy {:.4}  precision {}  recall {}  f1 {}",
            self.accuracy,
            opt(self.precision),
            opt(self.recall),
            opt(self.f1)
        )?;
        writeln!(
            f,
            "roc_auc {}  pr_auc {}  log_loss {:.4}  brier {:.4}",
            opt(self.roc_auc),
            opt(self.pr_auc),
            self.log_loss,
            self.brier
        )?;
        writeln!(f, "confusion matrix (rows: actual, columns: predicted):")?;
        write!(f, "{}", self.confusion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{average_precision, brier_score, log_loss, roc_auc};
    use approx::assert_abs_diff_eq;

    #[test]
    fn agrees_with_the_single_metrics() {
        let y = [0u8, 1, 1, 0, 1, 0, 0, 1];
        let p = [0.2f32, 0.7, 0.5, 0.5, 0.9, 0.1, 0.6, 0.3];
        let r = ClassificationReport::compute(&y, &p, 0.5).unwrap();
        // flagged (p >= .5): rows 1 2 3 4 6 → tp 3 (1,2,4), fp 2 (3,6); fn 1 (row 7); tn 2
        assert_eq!(
            r.confusion,
            ConfusionMatrix {
                tp: 3,
                fp: 2,
                tn: 2,
                fn_: 1
            }
        );
        assert_eq!((r.n, r.positives), (8, 4));
        assert_abs_diff_eq!(r.accuracy, 5.0 / 8.0);
        assert_abs_diff_eq!(r.precision.unwrap(), 0.6);
        assert_abs_diff_eq!(r.recall.unwrap(), 0.75);
        assert_abs_diff_eq!(r.f1.unwrap(), 6.0 / 9.0);
        assert_eq!(r.roc_auc, Some(roc_auc(&y, &p).unwrap()));
        assert_eq!(r.pr_auc, Some(average_precision(&y, &p).unwrap()));
        assert_eq!(r.log_loss, log_loss(&y, &p).unwrap());
        assert_eq!(r.brier, brier_score(&y, &p).unwrap());
        // pairs: pos .7 > negs .2 .5 .1 .6 → 4; pos .5 vs .2 .1 → 2, tie .5 → 1/2; .6 → 0
        //        pos .9 → 4; pos .3 vs .2 .1 → 2 → (4 + 2.5 + 4 + 2)/16 = 12.5/16
        assert_abs_diff_eq!(r.roc_auc.unwrap(), 12.5 / 16.0);
        let text = r.to_string();
        assert!(
            text.contains("positives 4") && text.contains("predicted 1"),
            "{text}"
        );
    }

    #[test]
    fn undefined_metrics_are_none_printed_undefined_and_null() {
        // one class (all negative), one row flagged: precision 0/1 = 0 is
        // defined; recall, F1 (2·0/(0+1+0) = 0 → defined), AUCs undefined
        let r = ClassificationReport::compute(&[0u8, 0, 0], &[0.1f32, 0.6, 0.2], 0.5).unwrap();
        assert_eq!(r.precision, Some(0.0));
        assert_eq!(r.recall, None);
        assert_eq!(r.f1, Some(0.0));
        assert_eq!((r.roc_auc, r.pr_auc), (None, None));
        assert_abs_diff_eq!(r.accuracy, 2.0 / 3.0);
        // one class, nothing flagged: precision, recall and F1 all undefined
        let r = ClassificationReport::compute(&[0u8, 0], &[0.1f32, 0.2], 0.5).unwrap();
        assert_eq!((r.precision, r.recall, r.f1), (None, None, None));
        assert_eq!(r.accuracy, 1.0);
        let text = r.to_string();
        for key in [
            "precision undefined",
            "recall undefined",
            "f1 undefined",
            "roc_auc undefined",
            "pr_auc undefined",
        ] {
            assert!(text.contains(key), "{key} missing in {text}");
        }
        assert!(!text.contains("0.0000  recall"), "{text}");
        let json = serde_json::to_string(&r).unwrap();
        for key in ["precision", "recall", "f1", "roc_auc", "pr_auc"] {
            assert!(json.contains(&format!("\"{key}\":null")), "{key}: {json}");
        }
        let back: ClassificationReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        // positives, nothing flagged: precision undefined; recall and F1 are 0
        let r = ClassificationReport::compute(&[1u8, 0], &[0.1f32, 0.2], 0.5).unwrap();
        assert_eq!((r.precision, r.recall, r.f1), (None, Some(0.0), Some(0.0)));
        assert!(r.to_string().contains("precision undefined  recall 0.0000"));
    }

    #[test]
    fn rejects_non_probabilities() {
        let e = ClassificationReport::compute(&[0u8, 1], &[0.2f32, 3.0], 0.5).unwrap_err();
        assert!(e.to_string().contains("y_prob[1] = 3"), "{e}");
        assert!(ClassificationReport::compute(&[0u8, 1], &[0.2f32, 0.3], f32::NAN).is_err());
    }
}
