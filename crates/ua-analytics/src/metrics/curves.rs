//! Metrics of a ranking by score: ROC-AUC, average precision (PR-AUC), the
//! ROC curve and the precision–recall curve.
//!
//! All of them rest on one sort of the rows by score (O(n log n)), after which
//! rows with equal scores form one *tie group*: a threshold is placed at each
//! distinct score, and a row is flagged when `score >= threshold`, so tied
//! rows are always flagged together.

use ndarray::{ArrayView1, AsArray};
use serde::Serialize;

use super::input::{both_classes, labels_and_scores};
use crate::Result;

/// Rows grouped by distinct score, highest score first, with the number of
/// positives and negatives in each group.
#[derive(Debug, Clone)]
pub(crate) struct ScoreGroups {
    /// Distinct scores, strictly decreasing.
    pub thresholds: Vec<f32>,
    /// Positives whose score equals `thresholds[g]`.
    pub pos: Vec<u64>,
    /// Negatives whose score equals `thresholds[g]`.
    pub neg: Vec<u64>,
    /// Total positives.
    pub n_pos: u64,
    /// Total negatives.
    pub n_neg: u64,
}

impl ScoreGroups {
    /// Validates the input (0/1 labels, no NaN score, equal non-zero lengths)
    /// and groups it. One allocation of n (score, label) pairs and one sort.
    pub(crate) fn new(
        op: &'static str,
        y_true: ArrayView1<'_, u8>,
        y_score: ArrayView1<'_, f32>,
    ) -> Result<Self> {
        let n_pos = labels_and_scores(op, y_true, y_score)?;
        let n = y_true.len() as u64;
        let mut pairs: Vec<(f32, u8)> = y_score
            .iter()
            .copied()
            .zip(y_true.iter().copied())
            .collect();
        // Descending; NaN was rejected above. total_cmp puts -0.0 right below
        // +0.0, and the `==` grouping below merges them.
        pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let mut g = Self {
            thresholds: Vec::new(),
            pos: Vec::new(),
            neg: Vec::new(),
            n_pos,
            n_neg: n - n_pos,
        };
        let mut iter = pairs.iter();
        if let Some(&(s0, l0)) = iter.next() {
            let (mut cur, mut p, mut q) = (s0, u64::from(l0), u64::from(1 - l0));
            for &(s, l) in iter {
                if s != cur {
                    g.push(cur, p, q);
                    (cur, p, q) = (s, 0, 0);
                }
                p += u64::from(l);
                q += u64::from(1 - l);
            }
            g.push(cur, p, q);
        }
        Ok(g)
    }

    fn push(&mut self, t: f32, p: u64, q: u64) {
        self.thresholds.push(t);
        self.pos.push(p);
        self.neg.push(q);
    }

    /// `(threshold, cumulative tp, cumulative fp)` at each distinct score,
    /// highest threshold first.
    pub(crate) fn cumulative(&self) -> impl Iterator<Item = (f32, u64, u64)> + '_ {
        let (mut tp, mut fp) = (0u64, 0u64);
        self.thresholds
            .iter()
            .zip(self.pos.iter().zip(self.neg.iter()))
            .map(move |(&t, (&p, &q))| {
                tp += p;
                fp += q;
                (t, tp, fp)
            })
    }

    /// Mann–Whitney AUC; needs both classes (checked by the caller).
    fn auc(&self) -> f64 {
        // Each (positive, negative) pair counts 1 when the positive scores
        // higher and 1/2 when tied — the U statistic with average ranks.
        // Doubled so that it stays an exact integer.
        let mut pos_above = 0u128;
        let mut twice_u = 0u128;
        for (&p, &q) in self.pos.iter().zip(self.neg.iter()) {
            twice_u += u128::from(q) * (2 * pos_above + u128::from(p));
            pos_above += u128::from(p);
        }
        twice_u as f64 / (2.0 * self.n_pos as f64 * self.n_neg as f64)
    }

    /// Average precision; needs at least one positive.
    fn average_precision(&self) -> f64 {
        self.cumulative()
            .zip(self.pos.iter())
            // each cumulative point flags its tie group, so tp + fp ≥ 1
            .map(|((_, tp, fp), &p)| p as f64 * tp as f64 / (tp + fp).max(1) as f64)
            .sum::<f64>()
            / self.n_pos as f64
    }
}

/// Area under the ROC curve: the probability that a random positive scores
/// higher than a random negative, ties counting 1/2.
///
/// Computed as the Mann–Whitney U statistic with average ranks for ties
/// (equivalently, the trapezoidal area under [`roc_curve`]), after one sort:
/// O(n log n). Scores can be any non-NaN numbers (±∞ included); only their
/// order matters. All scores equal gives 0.5.
///
/// Errors: [`crate::Error::Undefined`] when `y_true` holds one class only;
/// mismatched lengths, empty input, labels other than 0/1 and NaN scores as
/// described in the [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::roc_auc;
/// // sklearn's example: 3 of the 4 positive/negative pairs are ordered correctly
/// let auc = roc_auc(&[0u8, 0, 1, 1], &[0.1f32, 0.4, 0.35, 0.8]).unwrap();
/// assert_eq!(auc, 0.75);
/// assert_eq!(roc_auc(&[0u8, 1], &[0.3f32, 0.3]).unwrap(), 0.5); // a tie counts 1/2
/// assert!(roc_auc(&[1u8, 1], &[0.3f32, 0.4]).is_err()); // one class only
/// ```
pub fn roc_auc<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
) -> Result<f64> {
    const OP: &str = "roc_auc";
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    both_classes(OP, g.n_pos, g.n_pos + g.n_neg)?;
    Ok(g.auc())
}

/// Average precision (area under the precision–recall curve), scikit-learn's
/// definition: AP = Σₙ (Rₙ − Rₙ₋₁) · Pₙ over the thresholds at the distinct
/// scores, highest first, with R₀ = 0. Tied scores form one threshold, so a
/// tie group contributes its positives at the precision of the whole group.
/// There is no interpolation. One sort: O(n log n).
///
/// Errors: [`crate::Error::Undefined`] when `y_true` holds one class only
/// (with positives only AP would be trivially 1 whatever the scores; with
/// negatives only recall is undefined); other input errors as described in
/// the [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::average_precision;
/// // sklearn's example: positives at ranks 1 and 3 → (1/2)·1 + (1/2)·(2/3) = 5/6
/// let ap = average_precision(&[0u8, 0, 1, 1], &[0.1f32, 0.4, 0.35, 0.8]).unwrap();
/// assert!((ap - 5.0 / 6.0).abs() < 1e-12);
/// ```
pub fn average_precision<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
) -> Result<f64> {
    const OP: &str = "average_precision";
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    both_classes(OP, g.n_pos, g.n_pos + g.n_neg)?;
    Ok(g.average_precision())
}

/// ROC-AUC and average precision from one sort (used by the report).
/// `None` when one class only.
pub(crate) fn auc_and_ap(
    op: &'static str,
    y_true: ArrayView1<'_, u8>,
    y_score: ArrayView1<'_, f32>,
) -> Result<(Option<f64>, Option<f64>)> {
    let g = ScoreGroups::new(op, y_true, y_score)?;
    if g.n_pos == 0 || g.n_neg == 0 {
        return Ok((None, None));
    }
    Ok((Some(g.auc()), Some(g.average_precision())))
}

/// One point of a ROC curve.
///
/// Serialisable for reports; not deserialisable, because JSON has no +∞
/// (serde_json writes the first point's threshold as `null`).
///
/// ```
/// use ua_analytics::metrics::roc_curve;
/// let first = roc_curve(&[0u8, 1], &[0.2f32, 0.7]).unwrap()[0];
/// assert_eq!((first.threshold, first.fpr, first.tpr), (f32::INFINITY, 0.0, 0.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RocPoint {
    /// Rows with `score >= threshold` are flagged. The first point of a curve
    /// has threshold +∞ and flags nothing (unless some score is itself +∞).
    pub threshold: f32,
    /// False positive rate fp / negatives at this threshold.
    pub fpr: f64,
    /// True positive rate (recall) tp / positives at this threshold.
    pub tpr: f64,
    /// Flagged positives.
    pub tp: u64,
    /// Flagged negatives.
    pub fp: u64,
}

/// The ROC curve: the point (0, 0) with threshold +∞, then one point per
/// distinct score, highest threshold first (like scikit-learn's `roc_curve`
/// with `drop_intermediate=False`). The last point is (1, 1).
///
/// Errors: [`crate::Error::Undefined`] when `y_true` holds one class only
/// (one of the two rates would divide by zero); other input errors as
/// described in the [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::roc_curve;
/// let pts = roc_curve(&[0u8, 0, 1, 1], &[0.1f32, 0.4, 0.35, 0.8]).unwrap();
/// let fpr: Vec<f64> = pts.iter().map(|p| p.fpr).collect();
/// let tpr: Vec<f64> = pts.iter().map(|p| p.tpr).collect();
/// assert_eq!(fpr, [0.0, 0.0, 0.5, 0.5, 1.0]);
/// assert_eq!(tpr, [0.0, 0.5, 0.5, 1.0, 1.0]);
/// assert_eq!(pts[1].threshold, 0.8);
/// ```
pub fn roc_curve<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
) -> Result<Vec<RocPoint>> {
    const OP: &str = "roc_curve";
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    both_classes(OP, g.n_pos, g.n_pos + g.n_neg)?;
    let mut pts = Vec::with_capacity(g.thresholds.len() + 1);
    pts.push(RocPoint {
        threshold: f32::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
        tp: 0,
        fp: 0,
    });
    pts.extend(g.cumulative().map(|(threshold, tp, fp)| RocPoint {
        threshold,
        fpr: fp as f64 / g.n_neg as f64,
        tpr: tp as f64 / g.n_pos as f64,
        tp,
        fp,
    }));
    Ok(pts)
}

/// One point of a precision–recall curve.
///
/// ```
/// use ua_analytics::metrics::precision_recall_curve;
/// let last = *precision_recall_curve(&[0u8, 1], &[0.2f32, 0.7]).unwrap().last().unwrap();
/// assert_eq!((last.threshold, last.precision, last.recall), (0.2, 0.5, 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrPoint {
    /// Rows with `score >= threshold` are flagged.
    pub threshold: f32,
    /// tp / (tp + fp) at this threshold (never 0/0: at least one row is flagged).
    pub precision: f64,
    /// tp / positives at this threshold.
    pub recall: f64,
    /// Flagged positives.
    pub tp: u64,
    /// Flagged negatives.
    pub fp: u64,
}

/// The precision–recall curve: one point per distinct score, highest
/// threshold first, so recall increases along the list and the last point
/// has recall 1.
///
/// Unlike scikit-learn's `precision_recall_curve` (which lists thresholds in
/// increasing order and appends a threshold-less point (recall 0,
/// precision 1)), only real thresholds are listed.
///
/// Errors: [`crate::Error::Undefined`] when `y_true` holds one class only
/// (as for [`average_precision`]); other input errors as described in the
/// [module docs](crate::metrics).
///
/// ```
/// use ua_analytics::metrics::precision_recall_curve;
/// let pts = precision_recall_curve(&[0u8, 0, 1, 1], &[0.1f32, 0.4, 0.35, 0.8]).unwrap();
/// let p: Vec<f64> = pts.iter().map(|p| p.precision).collect();
/// let r: Vec<f64> = pts.iter().map(|p| p.recall).collect();
/// assert_eq!(p, [1.0, 0.5, 2.0 / 3.0, 0.5]);
/// assert_eq!(r, [0.5, 0.5, 1.0, 1.0]);
/// ```
pub fn precision_recall_curve<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_score: impl AsArray<'b, f32>,
) -> Result<Vec<PrPoint>> {
    const OP: &str = "precision_recall_curve";
    let g = ScoreGroups::new(OP, y_true.into(), y_score.into())?;
    both_classes(OP, g.n_pos, g.n_pos + g.n_neg)?;
    Ok(g.cumulative()
        .map(|(threshold, tp, fp)| PrPoint {
            threshold,
            // a point flags at least its own tie group: tp + fp ≥ 1
            precision: tp as f64 / (tp + fp).max(1) as f64,
            recall: tp as f64 / g.n_pos as f64,
            tp,
            fp,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use approx::assert_abs_diff_eq;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn auc_with_ties() {
        // scores [0.5, 0.5, 0.5, 0.9], labels [0, 1, 0, 1]
        // pairs (pos, neg): pos@0.5 vs two negs@0.5 → 1/2 + 1/2; pos@0.9 vs both → 1 + 1
        // = 3 of 4 → 0.75
        assert_eq!(
            roc_auc(&[0u8, 1, 0, 1], &[0.5f32, 0.5, 0.5, 0.9]).unwrap(),
            0.75
        );
        // all scores equal → 0.5
        assert_eq!(roc_auc(&[0u8, 1, 1, 0, 1], &[0.2f32; 5]).unwrap(), 0.5);
        // perfect and reversed ranking
        assert_eq!(roc_auc(&[0u8, 0, 1], &[0.1f32, 0.2, 0.3]).unwrap(), 1.0);
        assert_eq!(roc_auc(&[1u8, 0, 0], &[0.1f32, 0.2, 0.3]).unwrap(), 0.0);
        // -0.0 and +0.0 are the same score: one tie → 0.5
        assert_eq!(roc_auc(&[0u8, 1], &[0.0f32, -0.0]).unwrap(), 0.5);
        // infinite scores rank like any other number
        assert_eq!(
            roc_auc(&[0u8, 1], &[f32::NEG_INFINITY, f32::INFINITY]).unwrap(),
            1.0
        );
    }

    #[test]
    fn one_class_is_undefined() {
        type Metric = fn(&[u8], &[f32]) -> Result<f64>;
        let fs: [Metric; 2] = [|y, s| roc_auc(y, s), |y, s| average_precision(y, s)];
        for f in fs {
            let e = f(&[1u8, 1, 1], &[0.1f32, 0.2, 0.3]).unwrap_err();
            assert!(matches!(e, Error::Undefined { .. }), "{e}");
            assert!(e.to_string().contains("only class 1"), "{e}");
            let e = f(&[0u8, 0], &[0.1f32, 0.2]).unwrap_err();
            assert!(e.to_string().contains("only class 0"), "{e}");
        }
        assert!(roc_curve(&[0u8, 0], &[0.1f32, 0.2]).is_err());
        assert!(precision_recall_curve(&[1u8, 1], &[0.1f32, 0.2]).is_err());
    }

    #[test]
    fn average_precision_hand_computed_with_ties() {
        // scores 0.9(1) 0.8(0) 0.8(1) 0.8(0) 0.1(1)
        // thresholds: 0.9 → tp1 fp0, P=1, R=1/3
        //             0.8 → tp2 fp2, P=1/2, R=2/3
        //             0.1 → tp3 fp2, P=3/5, R=1
        // AP = 1/3·1 + 1/3·1/2 + 1/3·3/5 = (1 + 0.5 + 0.6)/3 = 0.7
        let y = [1u8, 0, 1, 0, 1];
        let s = [0.9f32, 0.8, 0.8, 0.8, 0.1];
        assert_abs_diff_eq!(average_precision(&y, &s).unwrap(), 0.7, epsilon = 1e-15);
        // all scores tied: one threshold, P = prevalence = 2/5, R = 1 → AP = 0.4
        assert_abs_diff_eq!(
            average_precision(&[1u8, 0, 1, 0, 0], &[0.3f32; 5]).unwrap(),
            0.4,
            epsilon = 1e-15
        );
        // perfect ranking → 1
        assert_eq!(
            average_precision(&[0u8, 1, 1], &[0.1f32, 0.8, 0.9]).unwrap(),
            1.0
        );
    }

    #[test]
    fn curves_with_ties_have_one_point_per_distinct_score() {
        let y = [1u8, 0, 1, 0, 1];
        let s = [0.9f32, 0.8, 0.8, 0.8, 0.1];
        let roc = roc_curve(&y, &s).unwrap();
        let th: Vec<f32> = roc.iter().map(|p| p.threshold).collect();
        assert_eq!(th, [f32::INFINITY, 0.9, 0.8, 0.1]);
        // tp: 0 1 2 3 of 3; fp: 0 0 2 2 of 2
        let tpr: Vec<f64> = roc.iter().map(|p| p.tpr).collect();
        let fpr: Vec<f64> = roc.iter().map(|p| p.fpr).collect();
        assert_eq!(tpr, [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]);
        assert_eq!(fpr, [0.0, 0.0, 1.0, 1.0]);
        let pr = precision_recall_curve(&y, &s).unwrap();
        assert_eq!(pr.len(), 3);
        assert_eq!((pr[1].tp, pr[1].fp, pr[1].precision), (2, 2, 0.5));
        assert_eq!(pr[2].precision, 0.6);
    }

    /// Brute force: fraction of (positive, negative) pairs ordered correctly,
    /// ties counting 1/2.
    fn brute_auc(y: &[u8], s: &[f32]) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..y.len() {
            for j in 0..y.len() {
                if y[i] == 1 && y[j] == 0 {
                    den += 1.0;
                    if s[i] > s[j] {
                        num += 1.0;
                    } else if s[i] == s[j] {
                        num += 0.5;
                    }
                }
            }
        }
        num / den
    }

    /// Brute force AP: for each distinct threshold t (descending), recall
    /// gain × precision of {score >= t}, each computed by a full scan.
    fn brute_ap(y: &[u8], s: &[f32]) -> f64 {
        let mut ts: Vec<f32> = s.to_vec();
        ts.sort_by(|a, b| b.total_cmp(a));
        ts.dedup();
        let n_pos = y.iter().filter(|&&v| v == 1).count() as f64;
        let mut prev_r = 0.0;
        let mut ap = 0.0;
        for t in ts {
            let tp = (0..y.len()).filter(|&i| s[i] >= t && y[i] == 1).count() as f64;
            let k = (0..y.len()).filter(|&i| s[i] >= t).count() as f64;
            let r = tp / n_pos;
            ap += (r - prev_r) * tp / k;
            prev_r = r;
        }
        ap
    }

    #[test]
    fn matches_brute_force_on_random_data_with_ties() {
        let mut rng = SmallRng::seed_from_u64(42);
        for _ in 0..5 {
            // scores on a coarse grid of 20 values → many ties; labels
            // correlated with the score
            let s: Vec<f32> = (0..200)
                .map(|_| rng.random_range(0..20) as f32 / 20.0)
                .collect();
            let y: Vec<u8> = s
                .iter()
                .map(|&v| u8::from(rng.random::<f32>() < 0.2 + 0.6 * v))
                .collect();
            let auc = roc_auc(&y, &s).unwrap();
            assert_abs_diff_eq!(auc, brute_auc(&y, &s), epsilon = 1e-12);
            assert!(auc > 0.6, "labels follow the score, AUC {auc}");
            assert_abs_diff_eq!(
                average_precision(&y, &s).unwrap(),
                brute_ap(&y, &s),
                epsilon = 1e-12
            );
            // trapezoidal area under the ROC curve equals the Mann–Whitney AUC
            let roc = roc_curve(&y, &s).unwrap();
            let trap: f64 = roc
                .windows(2)
                .map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0)
                .sum();
            assert_abs_diff_eq!(trap, auc, epsilon = 1e-12);
            assert_eq!(roc.len(), {
                let mut d = s.clone();
                d.sort_by(f32::total_cmp);
                d.dedup();
                d.len() + 1
            });
        }
    }
}
