//! Curve points computed from scores and labels, so that the charts draw
//! what the model did rather than numbers typed by hand.
//!
//! Scores are "higher = more likely positive". Every curve is computed over
//! the *distinct* thresholds: rows with equal scores are crossed together,
//! so a tie moves the curve diagonally instead of in an order that depends on
//! the row order. Inputs are checked: scores must be finite (the error names
//! `scores` and the index), labels must match the scores in length, and a
//! curve that needs positives (or negatives) says so when there are none.

use crate::error::{Error, Result, check_finite, check_len, empty, invalid};

/// One point of a ROC curve.
///
/// ```
/// let p = ua_report::curves::roc_points(&[0.8, 0.2], &[true, false]).unwrap();
/// assert_eq!((p[1].threshold, p[1].fpr, p[1].tpr), (0.8, 0.0, 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RocPoint {
    /// Rows with score ≥ `threshold` are predicted positive (`+inf` for the
    /// first point, where nothing is).
    pub threshold: f64,
    /// False-positive rate: negatives predicted positive / negatives.
    pub fpr: f64,
    /// True-positive rate (recall): positives predicted positive / positives.
    pub tpr: f64,
}

/// One point of a precision–recall curve.
///
/// ```
/// let p = ua_report::curves::pr_points(&[0.8, 0.2], &[true, false]).unwrap();
/// assert_eq!((p[0].threshold, p[0].recall, p[0].precision), (0.8, 1.0, 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrPoint {
    /// Rows with score ≥ `threshold` are predicted positive.
    pub threshold: f64,
    /// Positives found / all positives.
    pub recall: f64,
    /// Positives found / rows predicted positive.
    pub precision: f64,
}

/// One point of a cumulative gain curve.
///
/// ```
/// let g = ua_report::curves::gain_points(&[0.8, 0.2], &[true, false]).unwrap();
/// assert_eq!((g[1].fraction_targeted, g[1].fraction_captured, g[1].lift), (0.5, 1.0, Some(2.0)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainPoint {
    /// Share of rows targeted (highest scores first).
    pub fraction_targeted: f64,
    /// Share of all positives among the targeted rows.
    pub fraction_captured: f64,
    /// `fraction_captured / fraction_targeted` (1 = random; `None` at 0 targeted).
    pub lift: Option<f64>,
}

/// One bin of a calibration (reliability) curve.
///
/// ```
/// let b = ua_report::curves::calibration_bins(&[0.3], &[true], 2).unwrap();
/// assert_eq!((b[0].lower, b[0].upper, b[0].count), (0.0, 0.5, 1));
/// assert_eq!((b[1].count, b[1].mean_predicted), (0, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationBin {
    /// Lower edge of the bin (inclusive).
    pub lower: f64,
    /// Upper edge of the bin (exclusive, inclusive for the last bin).
    pub upper: f64,
    /// Rows whose probability falls in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin (`None` when it is empty).
    pub mean_predicted: Option<f64>,
    /// Share of positives in the bin (`None` when it is empty).
    pub fraction_positive: Option<f64>,
}

/// Largest number of bins accepted by [`calibration_bins`] (and by
/// [`histogram_chart`](crate::histogram_chart)).
///
/// ```
/// use ua_report::curves::{MAX_BINS, calibration_bins};
/// assert!(calibration_bins(&[0.5], &[true], MAX_BINS + 1).is_err());
/// ```
pub const MAX_BINS: usize = 1000;

/// Checks scores and labels and returns the row order by descending score
/// (ties in row order) with the counts of positives and negatives.
fn ranked(scores: &[f64], labels: &[bool]) -> Result<(Vec<usize>, usize, usize)> {
    if scores.is_empty() {
        return Err(empty("scores"));
    }
    check_len("labels (one per score)", scores.len(), labels.len())?;
    check_finite("scores", scores.iter().copied())?;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let pos = labels.iter().filter(|&&l| l).count();
    Ok((order, pos, labels.len() - pos))
}

/// Cumulative (rows, positives) after each group of equal scores, with the
/// group's score, in descending score order.
fn groups(scores: &[f64], labels: &[bool], order: &[usize]) -> Vec<(f64, usize, usize)> {
    let mut out = Vec::new();
    let (mut rows, mut tp) = (0usize, 0usize);
    for (k, &i) in order.iter().enumerate() {
        rows += 1;
        tp += usize::from(labels[i]);
        let last_of_group = k + 1 == order.len() || scores[order[k + 1]] != scores[i];
        if last_of_group {
            out.push((scores[i], rows, tp));
        }
    }
    out
}

fn needs(what: &str, class: &str) -> Error {
    invalid(
        "labels",
        format!("no {class} rows"),
        &format!("at least one {class} row for {what}"),
    )
}

/// The ROC curve over the distinct thresholds, from (0, 0) to (1, 1).
///
/// Errors when `scores` is empty or has a non-finite value, the lengths
/// differ, or either class is absent (the rates would be 0/0).
///
/// ```
/// use ua_report::curves::roc_points;
/// // Two rows tie at 0.5 (one positive, one negative): one diagonal step.
/// let p = roc_points(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]).unwrap();
/// let xy: Vec<_> = p.iter().map(|p| (p.fpr, p.tpr)).collect();
/// assert_eq!(xy, [(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]);
/// ```
pub fn roc_points(scores: &[f64], labels: &[bool]) -> Result<Vec<RocPoint>> {
    let (order, pos, neg) = ranked(scores, labels)?;
    if pos == 0 {
        return Err(needs("a ROC curve", "positive"));
    }
    if neg == 0 {
        return Err(needs("a ROC curve", "negative"));
    }
    let mut out = vec![RocPoint {
        threshold: f64::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
    }];
    for (threshold, rows, tp) in groups(scores, labels, &order) {
        out.push(RocPoint {
            threshold,
            fpr: (rows - tp) as f64 / neg as f64,
            tpr: tp as f64 / pos as f64,
        });
    }
    Ok(out)
}

/// Area under a curve given as (x, y) points in order of x, by the
/// trapezoidal rule (ties on a ROC curve count as half, as they should).
///
/// ```
/// use ua_report::curves::{auc, roc_points};
/// let p = roc_points(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]).unwrap();
/// let xy: Vec<_> = p.iter().map(|p| (p.fpr, p.tpr)).collect();
/// assert_eq!(auc(&xy), 0.875);
/// ```
pub fn auc(points: &[(f64, f64)]) -> f64 {
    points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
        .sum()
}

/// The precision–recall curve over the distinct thresholds, in order of
/// increasing recall (the first point is the highest threshold).
///
/// Errors when `scores` is empty or non-finite, the lengths differ, or there
/// is no positive row.
///
/// ```
/// use ua_report::curves::pr_points;
/// let p = pr_points(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]).unwrap();
/// let rp: Vec<_> = p.iter().map(|p| (p.recall, p.precision)).collect();
/// assert_eq!(rp, [(0.5, 1.0), (1.0, 2.0 / 3.0), (1.0, 0.5)]);
/// ```
pub fn pr_points(scores: &[f64], labels: &[bool]) -> Result<Vec<PrPoint>> {
    let (order, pos, _) = ranked(scores, labels)?;
    if pos == 0 {
        return Err(needs("a precision-recall curve", "positive"));
    }
    Ok(groups(scores, labels, &order)
        .into_iter()
        .map(|(threshold, rows, tp)| PrPoint {
            threshold,
            recall: tp as f64 / pos as f64,
            precision: tp as f64 / rows as f64,
        })
        .collect())
}

/// Average precision: Σ (Rₙ − Rₙ₋₁) · Pₙ over the points of [`pr_points`]
/// (the step-wise area, no interpolation).
///
/// ```
/// use ua_report::curves::{average_precision, pr_points};
/// let p = pr_points(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]).unwrap();
/// assert!((average_precision(&p) - (0.5 + 0.5 * 2.0 / 3.0)).abs() < 1e-12);
/// ```
pub fn average_precision(points: &[PrPoint]) -> f64 {
    let mut prev = 0.0;
    let mut sum = 0.0;
    for p in points {
        sum += (p.recall - prev) * p.precision;
        prev = p.recall;
    }
    sum
}

/// The cumulative gain curve: targeting rows from the highest score down,
/// the share of all positives captured, from (0, 0) to (1, 1), one point per
/// distinct score.
///
/// Errors when `scores` is empty or non-finite, the lengths differ, or there
/// is no positive row.
///
/// ```
/// use ua_report::curves::gain_points;
/// let g = gain_points(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]).unwrap();
/// let xy: Vec<_> = g.iter().map(|g| (g.fraction_targeted, g.fraction_captured)).collect();
/// assert_eq!(xy, [(0.0, 0.0), (0.25, 0.5), (0.75, 1.0), (1.0, 1.0)]);
/// assert_eq!(g[1].lift, Some(2.0));
/// ```
pub fn gain_points(scores: &[f64], labels: &[bool]) -> Result<Vec<GainPoint>> {
    let (order, pos, _) = ranked(scores, labels)?;
    if pos == 0 {
        return Err(needs("a gain curve", "positive"));
    }
    let n = scores.len() as f64;
    let mut out = vec![GainPoint {
        fraction_targeted: 0.0,
        fraction_captured: 0.0,
        lift: None,
    }];
    for (_, rows, tp) in groups(scores, labels, &order) {
        let targeted = rows as f64 / n;
        let captured = tp as f64 / pos as f64;
        out.push(GainPoint {
            fraction_targeted: targeted,
            fraction_captured: captured,
            lift: Some(captured / targeted),
        });
    }
    Ok(out)
}

/// Calibration bins: `n_bins` equal-width bins over [0, 1]; each reports how
/// many rows fall in it, their mean predicted probability and the observed
/// share of positives. Empty bins are kept (with `None` means) so that the
/// counts add up to the number of rows.
///
/// Errors when `probs` is empty, a probability is not finite or outside
/// [0, 1] (naming `probs` and the index), the lengths differ, or `n_bins` is
/// 0 or above [`MAX_BINS`].
///
/// ```
/// use ua_report::curves::calibration_bins;
/// let b = calibration_bins(&[0.1, 0.2, 0.8, 1.0], &[false, true, true, true], 2).unwrap();
/// assert_eq!(b[0].count, 2);
/// assert_eq!(b[0].mean_predicted, Some(0.15000000000000002));
/// assert_eq!(b[0].fraction_positive, Some(0.5));
/// assert_eq!((b[1].count, b[1].fraction_positive), (2, Some(1.0)));
/// ```
pub fn calibration_bins(
    probs: &[f64],
    labels: &[bool],
    n_bins: usize,
) -> Result<Vec<CalibrationBin>> {
    if n_bins == 0 || n_bins > MAX_BINS {
        return Err(invalid("n_bins", n_bins, &format!("1..={MAX_BINS}")));
    }
    if probs.is_empty() {
        return Err(empty("probs"));
    }
    check_len("labels (one per probability)", probs.len(), labels.len())?;
    check_finite("probs", probs.iter().copied())?;
    if let Some(index) = probs.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(invalid(
            &format!("probs[{index}]"),
            probs[index],
            "a probability in [0, 1]",
        ));
    }
    let mut count = vec![0usize; n_bins];
    let mut sum_p = vec![0.0f64; n_bins];
    let mut pos = vec![0usize; n_bins];
    for (&p, &l) in probs.iter().zip(labels) {
        let b = ((p * n_bins as f64) as usize).min(n_bins - 1);
        count[b] += 1;
        sum_p[b] += p;
        pos[b] += usize::from(l);
    }
    Ok((0..n_bins)
        .map(|b| {
            let c = count[b];
            CalibrationBin {
                lower: b as f64 / n_bins as f64,
                upper: (b + 1) as f64 / n_bins as f64,
                count: c,
                mean_predicted: (c > 0).then(|| sum_p[b] / c as f64),
                fraction_positive: (c > 0).then(|| pos[b] as f64 / c as f64),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: [f64; 6] = [0.8, 0.8, 0.6, 0.4, 0.4, 0.1];
    const L: [bool; 6] = [true, false, true, true, false, false];

    #[test]
    fn roc_by_hand_with_ties() {
        // Groups: 0.8 → (rows 2, tp 1), 0.6 → (3, 2), 0.4 → (5, 3), 0.1 → (6, 3).
        let p = roc_points(&S, &L).unwrap();
        let xy: Vec<_> = p.iter().map(|p| (p.fpr, p.tpr)).collect();
        let third = 1.0 / 3.0;
        assert_eq!(
            xy,
            [
                (0.0, 0.0),
                (third, third),
                (third, 2.0 * third),
                (2.0 * third, 1.0),
                (1.0, 1.0)
            ]
        );
        let th: Vec<_> = p.iter().map(|p| p.threshold).collect();
        assert_eq!(th, [f64::INFINITY, 0.8, 0.6, 0.4, 0.1]);
        // AUC by pair counting: positive beats negative 5 times, ties 2 times
        // (half each), out of 9 pairs: 6/9. Trapezoids: 1/18 + 0 + 5/18 + 6/18.
        let a = auc(&xy);
        assert!((a - 2.0 / 3.0).abs() < 1e-12, "{a}");
    }

    #[test]
    fn roc_is_independent_of_row_order() {
        let s2 = [0.1, 0.4, 0.8, 0.4, 0.6, 0.8];
        let l2 = [false, false, false, true, true, true];
        assert_eq!(roc_points(&S, &L).unwrap(), roc_points(&s2, &l2).unwrap());
    }

    #[test]
    fn pr_and_gain_by_hand() {
        let p = pr_points(&S, &L).unwrap();
        let rp: Vec<_> = p.iter().map(|p| (p.recall, p.precision)).collect();
        let third = 1.0 / 3.0;
        assert_eq!(
            rp,
            [
                (third, 0.5),
                (2.0 * third, 2.0 / 3.0),
                (1.0, 0.6),
                (1.0, 0.5)
            ]
        );
        let ap = average_precision(&p);
        assert!((ap - (third * 0.5 + third * 2.0 / 3.0 + third * 0.6)).abs() < 1e-12);
        let g = gain_points(&S, &L).unwrap();
        let xy: Vec<_> = g
            .iter()
            .map(|g| (g.fraction_targeted, g.fraction_captured))
            .collect();
        assert_eq!(
            xy,
            [
                (0.0, 0.0),
                (2.0 / 6.0, third),
                (0.5, 2.0 * third),
                (5.0 / 6.0, 1.0),
                (1.0, 1.0)
            ]
        );
        assert_eq!(g[0].lift, None);
        assert!((g[2].lift.unwrap() - 4.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn calibration_by_hand() {
        let probs = [0.05, 0.15, 0.25, 0.35, 0.95, 0.5];
        let labels = [false, false, true, false, true, true];
        let b = calibration_bins(&probs, &labels, 4).unwrap();
        let counts: Vec<_> = b.iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 2, 1, 1]);
        assert_eq!(b[0].fraction_positive, Some(0.0));
        assert_eq!(b[1].fraction_positive, Some(0.5));
        assert!((b[1].mean_predicted.unwrap() - 0.3).abs() < 1e-12);
        assert_eq!((b[2].lower, b[2].upper), (0.5, 0.75));
        assert_eq!(b[2].mean_predicted, Some(0.5));
        let b = calibration_bins(&[0.0, 0.0], &[true, false], 3).unwrap();
        assert_eq!(b[1].count, 0);
        assert_eq!(b[1].mean_predicted, None);
        assert_eq!(b[1].fraction_positive, None);
    }

    #[test]
    fn bad_input_is_named() {
        let e = roc_points(&[0.1, f64::INFINITY], &[true, false])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("scores") && e.contains("index 1") && e.contains("inf"),
            "{e}"
        );
        let e = roc_points(&[0.1, 0.2], &[true]).unwrap_err().to_string();
        assert!(e.contains("expected length 2, found 1"), "{e}");
        let e = roc_points(&[0.1, 0.2], &[true, true])
            .unwrap_err()
            .to_string();
        assert!(e.contains("negative"), "{e}");
        let e = roc_points(&[0.1, 0.2], &[false, false])
            .unwrap_err()
            .to_string();
        assert!(e.contains("positive"), "{e}");
        let e = pr_points(&[0.1], &[false]).unwrap_err().to_string();
        assert!(e.contains("positive"), "{e}");
        let e = gain_points(&[], &[]).unwrap_err().to_string();
        assert!(e.contains("scores is empty"), "{e}");
        let e = calibration_bins(&[0.5, 1.5], &[true, false], 10)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("probs[1]") && e.contains("1.5") && e.contains("[0, 1]"),
            "{e}"
        );
        let e = calibration_bins(&[0.5], &[true], 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_bins"), "{e}");
        let e = calibration_bins(&[0.5], &[true], MAX_BINS + 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_bins") && e.contains("1001"), "{e}");
        assert!(calibration_bins(&[0.5], &[true], MAX_BINS).is_ok());
        let e = calibration_bins(&[], &[], 5).unwrap_err().to_string();
        assert!(e.contains("probs is empty"), "{e}");
    }
}
