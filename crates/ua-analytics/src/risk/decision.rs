//! The decision layer: turn risk scores into alerts. An [`AlertPolicy`]
//! (a precision target, a recall target, or a review budget) chooses a
//! threshold on a labelled calibration split; the [`AlertRule`] reports the
//! precision and recall expected at it, with bootstrap intervals, and flags
//! new rows. [`budget_curve`] shows precision and recall against the share
//! of rows flagged.

use ndarray::AsArray;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::metrics::{
    ThresholdChoice, threshold_for_precision, threshold_for_recall, threshold_for_top_fraction,
};
use crate::{Error, Result};

/// How the alert threshold is chosen on the calibration rows.
///
/// ```
/// use ua_analytics::risk::AlertPolicy;
/// assert_eq!(AlertPolicy::TopFraction(0.1).to_string(), "flag the top 10% of rows");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum AlertPolicy {
    /// The lowest threshold whose precision reaches the target (most
    /// positives caught at that precision).
    Precision(f64),
    /// The highest threshold whose recall reaches the target (fewest
    /// alerts at that recall).
    Recall(f64),
    /// A review budget as a share of rows, in (0, 1].
    TopFraction(f64),
    /// A review budget as a number of rows (per calibration set; at least 1).
    TopN(usize),
}

impl std::fmt::Display for AlertPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AlertPolicy::Precision(p) => write!(f, "precision ≥ {p}"),
            AlertPolicy::Recall(r) => write!(f, "recall ≥ {r}"),
            AlertPolicy::TopFraction(x) => write!(f, "flag the top {}% of rows", x * 100.0),
            AlertPolicy::TopN(n) => write!(f, "flag the top {n} rows"),
        }
    }
}

/// A 95 % bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// 2.5th percentile.
    pub low: f64,
    /// 97.5th percentile.
    pub high: f64,
}

/// A chosen alert threshold and what to expect from it.
///
/// ```
/// use ua_analytics::risk::{AlertPolicy, AlertRule};
/// // 1,000 calibration rows: the riskier half holds 90 % of the positives.
/// let y: Vec<u8> = (0..1000).map(|i| u8::from(i % 10 == 0 || (i >= 500 && i % 10 == 1))).collect();
/// let s: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
/// let rule = AlertRule::choose(AlertPolicy::TopFraction(0.5), &y, &s, 200, 7).unwrap();
/// assert_eq!(rule.flagged, 500);
/// assert!((rule.precision - 0.2).abs() < 1e-12);
/// let ci = rule.precision_interval.unwrap();
/// assert!(ci.low < 0.2 && 0.2 < ci.high);
/// assert_eq!(rule.flag(&[0.9, 0.1]), [true, false]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    /// The policy it was chosen by.
    pub policy: AlertPolicy,
    /// Rows with `score >= threshold` are flagged.
    pub threshold: f32,
    /// Calibration rows flagged (ties at the threshold included).
    pub flagged: u64,
    /// Share of calibration rows flagged.
    pub flagged_fraction: f64,
    /// Precision on the calibration rows.
    pub precision: f64,
    /// Recall on the calibration rows (`None` without positives).
    pub recall: Option<f64>,
    /// Bootstrap interval of the precision at this threshold (`None` when
    /// resampling was not asked for).
    pub precision_interval: Option<Interval>,
    /// Bootstrap interval of the recall at this threshold.
    pub recall_interval: Option<Interval>,
    /// Calibration rows.
    pub calibration_rows: usize,
}

impl AlertRule {
    /// Chooses the threshold for `policy` on calibration labels `y` (0/1)
    /// and scores `scores` (higher = riskier), then resamples the
    /// calibration rows `bootstrap` times (with replacement, seeded) to
    /// give 95 % intervals of the precision and recall at that threshold
    /// (`bootstrap = 0`: no intervals).
    ///
    /// Errors: a target or budget outside (0, 1] (or a `TopN` of 0), labels
    /// not 0/1 or of another length than the scores, a NaN score, no rows;
    /// a precision/recall target with no positive label or that no
    /// threshold reaches (the message says the best available).
    pub fn choose<'a, 'b>(
        policy: AlertPolicy,
        y: impl AsArray<'a, u8>,
        scores: impl AsArray<'b, f32>,
        bootstrap: usize,
        seed: u64,
    ) -> Result<AlertRule> {
        let (y, scores) = (y.into(), scores.into());
        let n = y.len();
        let choice: ThresholdChoice = match policy {
            AlertPolicy::Precision(p) => threshold_for_precision(y, scores, p)?,
            AlertPolicy::Recall(r) => threshold_for_recall(y, scores, r)?,
            AlertPolicy::TopFraction(f) => threshold_for_top_fraction(y, scores, f)?,
            AlertPolicy::TopN(rows) => {
                if rows == 0 || rows > n {
                    return Err(crate::error::parameter(
                        "AlertRule::choose",
                        "TopN",
                        format!("must be in 1..={n} (the calibration rows), got {rows}"),
                    ));
                }
                threshold_for_top_fraction(y, scores, rows as f64 / n as f64)?
            }
        };
        let (precision_interval, recall_interval) = if bootstrap == 0 {
            (None, None)
        } else {
            let flags: Vec<bool> = scores.iter().map(|&s| s >= choice.threshold).collect();
            let labels: Vec<bool> = y.iter().map(|&v| v == 1).collect();
            bootstrap_intervals(&labels, &flags, bootstrap, seed)
        };
        Ok(AlertRule {
            policy,
            threshold: choice.threshold,
            flagged: choice.flagged,
            flagged_fraction: choice.flagged_fraction,
            precision: choice.precision,
            recall: choice.recall,
            precision_interval,
            recall_interval,
            calibration_rows: n,
        })
    }

    /// Whether each score is at or above the threshold.
    pub fn flag(&self, scores: &[f32]) -> Vec<bool> {
        scores.iter().map(|&s| s >= self.threshold).collect()
    }
}

/// Percentile intervals of precision and recall over `rounds` resamples of
/// the rows (skipping resamples where a ratio is undefined).
fn bootstrap_intervals(
    labels: &[bool],
    flags: &[bool],
    rounds: usize,
    seed: u64,
) -> (Option<Interval>, Option<Interval>) {
    let n = labels.len();
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut precisions, mut recalls) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
        for _ in 0..n {
            let i = rng.random_range(0..n);
            match (flags[i], labels[i]) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                (false, false) => {}
            }
        }
        if tp + fp > 0 {
            precisions.push(tp as f64 / (tp + fp) as f64);
        }
        if tp + fn_ > 0 {
            recalls.push(tp as f64 / (tp + fn_) as f64);
        }
    }
    (percentiles(precisions), percentiles(recalls))
}

/// The 2.5th and 97.5th percentiles (nearest rank), or `None` for no values.
fn percentiles(mut v: Vec<f64>) -> Option<Interval> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Some(Interval {
        low: at(0.025),
        high: at(0.975),
    })
}

/// One point of the precision–recall-versus-budget curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BudgetPoint {
    /// The budget asked for (share of rows).
    pub fraction: f64,
    /// Rows actually flagged (ties at the boundary included).
    pub flagged: u64,
    /// Precision of the flagged rows.
    pub precision: f64,
    /// Recall (`None` without positives).
    pub recall: Option<f64>,
}

/// Precision and recall when the top `fraction` of rows is flagged, for
/// each fraction in `fractions` (each in (0, 1]).
///
/// ```
/// use ua_analytics::risk::budget_curve;
/// let y = [1u8, 0, 1, 0];
/// let s = [0.9f32, 0.8, 0.7, 0.1];
/// let c = budget_curve(&y, &s, &[0.25, 0.5, 1.0]).unwrap();
/// assert_eq!(c.iter().map(|p| p.precision).collect::<Vec<_>>(), [1.0, 0.5, 0.5]);
/// assert_eq!(c[2].recall, Some(1.0));
/// assert!(budget_curve(&y, &s, &[0.0]).is_err());
/// ```
pub fn budget_curve<'a, 'b>(
    y: impl AsArray<'a, u8>,
    scores: impl AsArray<'b, f32>,
    fractions: &[f64],
) -> Result<Vec<BudgetPoint>> {
    let (y, scores) = (y.into(), scores.into());
    if fractions.is_empty() {
        return Err(Error::InvalidArgument {
            op: "budget_curve",
            message: "no budget fraction given".into(),
        });
    }
    fractions
        .iter()
        .map(|&fraction| {
            let c = threshold_for_top_fraction(y, scores, fraction)?;
            Ok(BudgetPoint {
                fraction,
                flagged: c.flagged,
                precision: c.precision,
                recall: c.recall,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2,000 rows; the positive rate rises with the score: row i is
    /// positive with probability i / 2000 (seeded).
    fn calibration() -> (Vec<u8>, Vec<f32>) {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 2_000;
        let y = (0..n)
            .map(|i| u8::from(rng.random::<f64>() < i as f64 / n as f64))
            .collect();
        let s = (0..n).map(|i| i as f32 / n as f32).collect();
        (y, s)
    }

    #[test]
    fn each_policy_meets_its_target_on_the_calibration_rows() {
        let (y, s) = calibration();
        let p = AlertRule::choose(AlertPolicy::Precision(0.8), &y, &s, 0, 0).unwrap();
        assert!(p.precision >= 0.8 && p.precision_interval.is_none());
        let r = AlertRule::choose(AlertPolicy::Recall(0.5), &y, &s, 0, 0).unwrap();
        assert!(r.recall.unwrap() >= 0.5);
        let t = AlertRule::choose(AlertPolicy::TopFraction(0.1), &y, &s, 0, 0).unwrap();
        assert_eq!((t.flagged, t.calibration_rows), (200, 2000));
        let n = AlertRule::choose(AlertPolicy::TopN(150), &y, &s, 0, 0).unwrap();
        assert_eq!(n.flagged, 150);
        assert_eq!(n.flag(&s).iter().filter(|&&f| f).count(), 150);
        // Every row is a valid budget too.
        let all = AlertRule::choose(AlertPolicy::TopN(2000), &y, &s, 0, 0).unwrap();
        assert_eq!((all.flagged, all.recall), (2000, Some(1.0)));
    }

    #[test]
    fn thresholds_hold_on_held_out_rows_within_their_intervals() {
        // Calibrate on one draw, check on another draw of the same process.
        let (y, s) = calibration();
        let rule = AlertRule::choose(AlertPolicy::TopFraction(0.2), &y, &s, 500, 1).unwrap();
        let mut rng = StdRng::seed_from_u64(99);
        let (mut tp, mut fp) = (0u64, 0u64);
        for i in 0..2_000 {
            let score = i as f32 / 2_000.0;
            let positive = rng.random::<f64>() < i as f64 / 2_000.0;
            if score >= rule.threshold {
                if positive { tp += 1 } else { fp += 1 }
            }
        }
        let held_out = tp as f64 / (tp + fp) as f64;
        let ci = rule.precision_interval.unwrap();
        assert!(
            ci.low <= rule.precision && rule.precision <= ci.high,
            "{ci:?}"
        );
        assert!(ci.high - ci.low < 0.15, "{ci:?}");
        assert!(
            ci.low - 0.05 <= held_out && held_out <= ci.high + 0.05,
            "{held_out} {ci:?}"
        );
        let rci = rule.recall_interval.unwrap();
        assert!(rci.low <= rule.recall.unwrap() && rule.recall.unwrap() <= rci.high);
        // Same seed, same intervals.
        let again = AlertRule::choose(AlertPolicy::TopFraction(0.2), &y, &s, 500, 1).unwrap();
        assert_eq!(again, rule);
    }

    #[test]
    fn policies_describe_themselves() {
        let shown: Vec<String> = [
            AlertPolicy::Precision(0.9),
            AlertPolicy::Recall(0.5),
            AlertPolicy::TopFraction(0.02),
            AlertPolicy::TopN(40),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            shown,
            [
                "precision ≥ 0.9",
                "recall ≥ 0.5",
                "flag the top 2% of rows",
                "flag the top 40 rows"
            ]
        );
    }

    #[test]
    fn resamples_without_flagged_rows_or_positives_are_skipped() {
        // Ten rows, one positive, which is also the top score: TopN(1) flags
        // it alone. About 0.9^10 ≈ 35 % of the resamples miss it; they have
        // neither a flagged row nor a positive and are skipped, and in all
        // the others precision and recall are exactly 1.
        let y = [1u8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let s: Vec<f32> = (0..10).map(|i| 1.0 - i as f32 / 10.0).collect();
        let rule = AlertRule::choose(AlertPolicy::TopN(1), &y, &s, 200, 5).unwrap();
        assert_eq!(
            (rule.flagged, rule.precision, rule.recall),
            (1, 1.0, Some(1.0))
        );
        let one = Some(Interval {
            low: 1.0,
            high: 1.0,
        });
        assert_eq!((rule.precision_interval, rule.recall_interval), (one, one));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=200).map(f64::from).collect();
        // ceil(0.025·200) = 5th value, ceil(0.975·200) = 195th.
        assert_eq!(
            percentiles(v),
            Some(Interval {
                low: 5.0,
                high: 195.0
            })
        );
        assert_eq!(percentiles(vec![]), None);
        assert_eq!(
            percentiles(vec![0.5]),
            Some(Interval {
                low: 0.5,
                high: 0.5
            })
        );
    }

    #[test]
    fn bad_policies_and_inputs_are_errors() {
        let (y, s) = calibration();
        let err = |p| AlertRule::choose(p, &y, &s, 0, 0).unwrap_err().to_string();
        assert!(err(AlertPolicy::TopFraction(0.0)).contains("fraction"));
        assert!(err(AlertPolicy::TopFraction(1.5)).contains("fraction"));
        assert!(err(AlertPolicy::Precision(f64::NAN)).contains("target_precision"));
        assert!(err(AlertPolicy::Recall(0.0)).contains("target_recall"));
        assert!(err(AlertPolicy::TopN(0)).contains("TopN"));
        assert!(err(AlertPolicy::TopN(2001)).contains("1..=2000"));
        // The top-scored row is negative, so no threshold is 100 % precise.
        let mut top_wrong = y.clone();
        top_wrong[1999] = 0;
        let e = AlertRule::choose(AlertPolicy::Precision(1.0), &top_wrong, &s, 0, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no threshold reaches precision"), "{e}");
        let e = AlertRule::choose(AlertPolicy::TopN(1), &y[..3], &s, 0, 0).unwrap_err();
        assert!(e.to_string().contains("length"), "{e}");
        let none = vec![0u8; 2000];
        assert!(AlertRule::choose(AlertPolicy::Recall(0.5), &none, &s, 0, 0).is_err());
        // A budget needs no positives; its recall is then undefined.
        let b = AlertRule::choose(AlertPolicy::TopFraction(0.5), &none, &s, 50, 0).unwrap();
        assert_eq!((b.recall, b.recall_interval), (None, None));
        assert_eq!(
            b.precision_interval,
            Some(Interval {
                low: 0.0,
                high: 0.0
            })
        );
        assert!(budget_curve(&y, &s, &[]).is_err());
    }

    #[test]
    fn the_budget_curve_trades_precision_for_recall() {
        let (y, s) = calibration();
        let fractions = [0.05, 0.1, 0.25, 0.5, 1.0];
        let c = budget_curve(&y, &s, &fractions).unwrap();
        assert_eq!(c.len(), 5);
        assert!(
            c.windows(2)
                .all(|w| w[0].recall <= w[1].recall && w[0].flagged < w[1].flagged)
        );
        assert_eq!(c[4].recall, Some(1.0));
        let positives = y.iter().filter(|&&v| v == 1).count() as f64;
        assert!((c[4].precision - positives / 2000.0).abs() < 1e-12);
        assert!(c[0].precision > c[4].precision + 0.3);
    }
}
