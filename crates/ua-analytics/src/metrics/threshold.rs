//! Choosing a decision threshold on scores: the F1-optimal threshold, the
//! smallest threshold reaching a target precision, the largest reaching a
//! target recall, and the threshold that flags a top fraction of rows.
//!
//! Candidate thresholds are the distinct scores; a row is flagged when
//! `score >= threshold`, so tied rows are flagged together. Each function
//! returns a [`ThresholdChoice`]: the threshold and the metrics there.

use ndarray::AsArray;
use serde::{Deserialize, Serialize};

use super::classification::ConfusionMatrix;
use super::curves::ScoreGroups;
use crate::{Error, Result};

/// A chosen threshold and the classification metrics at it.
///
/// ```
/// use ua_analytics::metrics::best_f1_threshold;
/// let c = best_f1_threshold(&[0u8, 1, 1], &[0.2f32, 0.6, 0.9]).unwrap();
/// assert_eq!(c.threshold, 0.6);
/// assert_eq!((c.confusion.tp, c.confusion.fp, c.flagged), (2, 0, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdChoice {
    /// Rows with `score >= threshold` are flagged positive.
    pub threshold: f32,
    /// Number of flagged rows (tp + fp).
    pub flagged: u64,
    /// Flagged rows / all rows.
    pub flagged_fraction: f64,
    /// Precision at the threshold (always defined: every candidate
    /// threshold is a score, so at least one row is flagged).
    pub precision: f64,
    /// Recall at the threshold; `None` when `y_true` has no positives (only
    /// possible in [`threshold_for_top_fraction`]; the other searches
    /// refuse such labels).
    pub recall: Option<f64>,
    /// F1 at the threshold (always defined: at least one row is flagged, so
    /// 2·tp + fp + fn ≥ 1).
    pub f1: f64,
    /// The full confusion matrix at the threshold.
    pub confusion: ConfusionMatrix,
}

impl ThresholdChoice {
    fn new(threshold: f32, tp: u64, fp: u64, g: &ScoreGroups) -> Self {
        let confusion = ConfusionMatrix::from_counts(tp, fp, g.n_pos, g.n_neg);
        // Callers pass cumulative counts at a score, so tp + fp ≥ 1 and the
        // ratios below have non-zero denominators.
        let flagged = tp + fp;
        Self {
            threshold,
            flagged,
            flagged_fraction: flagged as f64 / confusion.n().max(1) as f64,
            precision: tp as f64 / flagged.max(1) as f64,
            recall: confusion.recall(),
            f1: (2 * tp) as f64 / (2 * tp + fp + confusion.fn_).max(1) as f64,
            confusion,
        }
    }
}

fn need_positives(op: &'static str, g: &ScoreGroups) -> Result<()> {
    if g.n_pos == 0 {
        return Err(Error::Undefined {
            op,
            message: format!(
                "y_true has no positives among {} rows; precision, recall and F1 are 0 at every threshold",
                g.n_neg
            ),
        });
    }
    Ok(())
}

fn check_target(op: &'static str, name: &str, target: f64) -> Result<()> {
    if !(target > 0.0 && target <= 1.0) {
        return Err(Error::InvalidArgument {
            op,
            message: format!("{name} = {target}; it must lie in (0, 1]"),
        });
    }
    Ok(())
}

/// The threshold with the highest F1; among equal F1 the highest threshold
/// (fewest flagged rows).
///
/// Errors: [`Error::Undefined`] when `y_true` has no positives (F1 is 0
/// everywhere); input errors as described in the [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::best_f1_threshold;
/// // t = 0.8: tp 1 fp 0 fn 2 → F1 0.5; t = 0.7: tp 2 fp 1 fn 1 → 2/3;
/// // t = 0.4: tp 3 fp 1 fn 0 → 6/7 (best); t = 0.1: tp 3 fp 2 → 0.75
/// let c = best_f1_threshold(&[1u8, 0, 1, 1, 0], &[0.8f32, 0.7, 0.7, 0.4, 0.1]).unwrap();
/// assert_eq!(c.threshold, 0.4);
/// assert!((c.f1 - 6.0 / 7.0).abs() < 1e-12);
/// ```
pub fn best_f1_threshold<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
) -> Result<ThresholdChoice> {
    const OP: &str = "best_f1_threshold";
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    need_positives(OP, &g)?;
    let mut best: Option<ThresholdChoice> = None;
    for (t, tp, fp) in g.cumulative() {
        let c = ThresholdChoice::new(t, tp, fp, &g);
        if best.is_none_or(|b| c.f1 > b.f1) {
            best = Some(c);
        }
    }
    best.ok_or(Error::Empty { op: OP })
}

/// The smallest threshold whose precision is `>= target_precision`: of all
/// thresholds meeting the precision target, the one with the highest recall.
/// (Precision is not monotone in the threshold, so some higher thresholds
/// may miss the target.)
///
/// Errors: [`Error::InvalidArgument`] unless `0 < target_precision <= 1`;
/// [`Error::Undefined`] when `y_true` has no positives or no threshold
/// reaches the target (the message gives the best precision available);
/// input errors as described in the [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::threshold_for_precision;
/// // precision at 0.8, 0.7, 0.4, 0.1: 1, 2/3, 3/4, 3/5
/// let y = [1u8, 0, 1, 1, 0];
/// let s = [0.8f32, 0.7, 0.7, 0.4, 0.1];
/// let c = threshold_for_precision(&y, &s, 0.7).unwrap();
/// assert_eq!((c.threshold, c.precision, c.recall), (0.4, 0.75, Some(1.0)));
/// assert!(threshold_for_precision(&y, &s, 0.9).unwrap().threshold == 0.8);
/// ```
pub fn threshold_for_precision<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
    target_precision: f64,
) -> Result<ThresholdChoice> {
    const OP: &str = "threshold_for_precision";
    check_target(OP, "target_precision", target_precision)?;
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    need_positives(OP, &g)?;
    let mut found: Option<ThresholdChoice> = None;
    let mut best_p = 0.0f64;
    for (t, tp, fp) in g.cumulative() {
        let c = ThresholdChoice::new(t, tp, fp, &g);
        best_p = best_p.max(c.precision);
        if c.precision >= target_precision {
            found = Some(c);
        }
    }
    found.ok_or_else(|| Error::Undefined {
        op: OP,
        message: format!(
            "no threshold reaches precision {target_precision}; the highest precision at any threshold is {best_p}"
        ),
    })
}

/// The largest threshold whose recall is `>= target_recall`: the fewest
/// flagged rows (and, as recall only grows when the threshold falls, the
/// best precision attainable on the way down) that reach the recall target.
///
/// Errors: [`Error::InvalidArgument`] unless `0 < target_recall <= 1`;
/// [`Error::Undefined`] when `y_true` has no positives; input errors as
/// described in the [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::threshold_for_recall;
/// // recall at 0.8, 0.7, 0.4, 0.1: 1/3, 2/3, 1, 1
/// let c = threshold_for_recall(&[1u8, 0, 1, 1, 0], &[0.8f32, 0.7, 0.7, 0.4, 0.1], 0.6).unwrap();
/// assert_eq!(c.threshold, 0.7);
/// assert!((c.recall.unwrap() - 2.0 / 3.0).abs() < 1e-12);
/// ```
pub fn threshold_for_recall<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
    target_recall: f64,
) -> Result<ThresholdChoice> {
    const OP: &str = "threshold_for_recall";
    check_target(OP, "target_recall", target_recall)?;
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    need_positives(OP, &g)?;
    g.cumulative()
        .map(|(t, tp, fp)| ThresholdChoice::new(t, tp, fp, &g))
        .find(|c| c.recall.is_some_and(|r| r >= target_recall))
        // The lowest threshold has recall 1; reached only if rounding makes
        // tp / n_pos fall below a target of 1.
        .ok_or_else(|| Error::Undefined {
            op: OP,
            message: format!("no threshold reaches recall {target_recall}"),
        })
}

/// The threshold for a review budget: flag the top `fraction` of rows.
///
/// The budget is b = ⌈fraction · n⌉ rows (at least 1); the threshold is the
/// score of the b-th highest row. Rows tied with it are flagged too, so
/// [`ThresholdChoice::flagged`] can exceed b when the boundary falls inside a
/// tie group — check it against your capacity. Labels only enter the
/// metrics reported at the threshold; one class only is allowed here.
///
/// Errors: [`Error::InvalidArgument`] unless `0 < fraction <= 1`; input
/// errors as described in the [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::threshold_for_top_fraction;
/// let y = [0u8, 1, 0, 1, 1, 0, 0, 0, 0, 0];
/// let s = [0.1f32, 0.9, 0.2, 0.8, 0.3, 0.7, 0.0, 0.4, 0.5, 0.6];
/// // top 20% of 10 rows = 2 rows: scores 0.9 and 0.8, both positive
/// let c = threshold_for_top_fraction(&y, &s, 0.2).unwrap();
/// assert_eq!((c.threshold, c.flagged, c.precision), (0.8, 2, 1.0));
/// ```
pub fn threshold_for_top_fraction<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
    fraction: f64,
) -> Result<ThresholdChoice> {
    const OP: &str = "threshold_for_top_fraction";
    check_target(OP, "fraction", fraction)?;
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    let n = g.n_pos + g.n_neg;
    let budget = budget_rows(fraction, n);
    g.cumulative()
        .find(|&(_, tp, fp)| tp + fp >= budget)
        .map(|(t, tp, fp)| ThresholdChoice::new(t, tp, fp, &g))
        .ok_or(Error::Empty { op: OP })
}

/// ⌈fraction · n⌉ in [1, n], robust to products like 0.3 · 10 =
/// 3.0000000000000004 that should count as whole numbers.
pub(crate) fn budget_rows(fraction: f64, n: u64) -> u64 {
    let x = fraction * n as f64;
    let r = x.round();
    let b = if (x - r).abs() <= 1e-9 * x.max(1.0) {
        r
    } else {
        x.ceil()
    };
    (b as u64).clamp(1, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    // rows:   0    1    2    3    4    5    6    7
    // label:  1    0    1    1    0    0    1    0
    // score: .9   .8   .8   .6   .5   .5   .3   .1
    // cumulative (t: tp fp): .9: 1 0 | .8: 2 1 | .6: 3 1 | .5: 3 3 | .3: 4 3 | .1: 4 4
    // precision:   1, 2/3, 3/4, 1/2, 4/7, 1/2
    // recall:      1/4, 1/2, 3/4, 3/4, 1, 1
    // F1 = 2tp/(2tp+fp+fn): 2/(2+0+3)=0.4, 4/(4+1+2)=4/7, 6/(6+1+1)=0.75, 6/(6+3+1)=0.6,
    //                       8/(8+3)=8/11≈0.727, 8/12≈0.667
    const Y: [u8; 8] = [1, 0, 1, 1, 0, 0, 1, 0];
    const S: [f32; 8] = [0.9, 0.8, 0.8, 0.6, 0.5, 0.5, 0.3, 0.1];

    #[test]
    fn best_f1_hand_computed() {
        let c = best_f1_threshold(&Y, &S).unwrap();
        assert_eq!(c.threshold, 0.6);
        assert_abs_diff_eq!(c.f1, 0.75);
        assert_eq!(
            c.confusion,
            ConfusionMatrix {
                tp: 3,
                fp: 1,
                tn: 3,
                fn_: 1
            }
        );
        assert_eq!(c.flagged, 4);
        assert_abs_diff_eq!(c.flagged_fraction, 0.5);
        // the reported metrics agree with a direct count at that threshold
        let cm = ConfusionMatrix::at_threshold(&Y, &S, c.threshold).unwrap();
        assert_eq!(cm, c.confusion);
    }

    #[test]
    fn best_f1_tie_takes_highest_threshold() {
        // t=.9: tp1 fp0 fn1 → F1 2/3; t=.2: tp2 fp2 fn0 → 4/6 = 2/3 → keep .9
        let c = best_f1_threshold(&[1u8, 0, 1, 0], &[0.9f32, 0.2, 0.2, 0.2]).unwrap();
        assert_eq!(c.threshold, 0.9);
    }

    #[test]
    fn precision_target_takes_smallest_threshold() {
        // precision ≥ 0.7 at .9 (1), .6 (0.75) → smallest is .6
        let c = threshold_for_precision(&Y, &S, 0.7).unwrap();
        assert_eq!(c.threshold, 0.6);
        // precision ≥ 0.5 everywhere → lowest threshold .1
        assert_eq!(threshold_for_precision(&Y, &S, 0.5).unwrap().threshold, 0.1);
        // ≥ 0.8: only .9
        assert_eq!(threshold_for_precision(&Y, &S, 0.8).unwrap().threshold, 0.9);
        // unreachable
        let e = threshold_for_precision(&[0u8, 1], &[0.9f32, 0.1], 0.9).unwrap_err();
        assert!(
            e.to_string()
                .contains("highest precision at any threshold is 0.5"),
            "{e}"
        );
    }

    #[test]
    fn recall_target_takes_largest_threshold() {
        assert_eq!(threshold_for_recall(&Y, &S, 0.5).unwrap().threshold, 0.8);
        assert_eq!(threshold_for_recall(&Y, &S, 0.51).unwrap().threshold, 0.6);
        let c = threshold_for_recall(&Y, &S, 1.0).unwrap();
        assert_eq!((c.threshold, c.confusion.fp), (0.3, 3));
    }

    #[test]
    fn top_fraction_budget_and_ties() {
        // 25% of 8 = 2 rows, but rows 1 and 2 tie at .8 → 3 flagged
        let c = threshold_for_top_fraction(&Y, &S, 0.25).unwrap();
        assert_eq!((c.threshold, c.flagged), (0.8, 3));
        // 12.5% = 1 row
        let c = threshold_for_top_fraction(&Y, &S, 0.125).unwrap();
        assert_eq!((c.threshold, c.flagged, c.precision), (0.9, 1, 1.0));
        // 1% of 8 → rounds up to 1 row
        assert_eq!(threshold_for_top_fraction(&Y, &S, 0.01).unwrap().flagged, 1);
        // 100% → everything
        assert_eq!(
            threshold_for_top_fraction(&Y, &S, 1.0).unwrap().threshold,
            0.1
        );
        // 0.3 · 10 is 3.0000000000000004 in f64: still a budget of 3
        assert_eq!(budget_rows(0.3, 10), 3);
        assert_eq!(budget_rows(0.31, 10), 4);
        // one class is fine here
        let c = threshold_for_top_fraction(&[0u8, 0, 0], &[0.1f32, 0.2, 0.3], 0.5).unwrap();
        assert_eq!((c.threshold, c.flagged, c.precision), (0.2, 2, 0.0));
        // ... where recall is undefined (no positives), F1 = 0/(0+2+0) = 0
        assert_eq!((c.recall, c.f1), (None, 0.0));
        assert_abs_diff_eq!(c.flagged_fraction, 2.0 / 3.0);
    }

    #[test]
    fn bad_targets_and_degenerate_labels() {
        for t in [0.0, -0.1, 1.1, f64::NAN] {
            assert!(matches!(
                threshold_for_precision(&Y, &S, t),
                Err(Error::InvalidArgument { .. })
            ));
            assert!(threshold_for_recall(&Y, &S, t).is_err());
            assert!(threshold_for_top_fraction(&Y, &S, t).is_err());
        }
        let y0 = [0u8, 0];
        let s = [0.1f32, 0.2];
        assert!(matches!(
            best_f1_threshold(&y0, &s),
            Err(Error::Undefined { .. })
        ));
        assert!(matches!(
            threshold_for_recall(&y0, &s, 0.5),
            Err(Error::Undefined { .. })
        ));
        // positives only: F1 = 1 at the lowest threshold
        let c = best_f1_threshold(&[1u8, 1], &s).unwrap();
        assert_eq!((c.threshold, c.f1), (0.1, 1.0));
    }
}
