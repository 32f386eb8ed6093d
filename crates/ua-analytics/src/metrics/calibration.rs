//! Metrics of predicted probabilities: log-loss, Brier score and the
//! calibration (reliability) table.
//!
//! Probabilities must lie in [0, 1]; anything else (NaN included) is an error
//! naming the index.

use std::fmt;

use ndarray::{ArrayView1, AsArray};
use serde::{Deserialize, Serialize};

use super::input::labels_and_probabilities;
use crate::{Error, Result};

/// Probabilities are clipped to [`LOG_LOSS_EPS`, 1 − `LOG_LOSS_EPS`] before
/// taking logarithms in [`log_loss`], so that a confident wrong prediction
/// costs at most −ln(1e-15) ≈ 34.54 instead of +∞.
///
/// ```
/// use ua_analytics::metrics::{log_loss, LOG_LOSS_EPS};
/// assert_eq!(log_loss(&[1u8], &[0.0f32]).unwrap(), -LOG_LOSS_EPS.ln());
/// ```
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Mean binary cross-entropy, −(1/n) Σ [y ln p + (1 − y) ln(1 − p)], in
/// nats, with p clipped to [1e-15, 1 − 1e-15] (see [`LOG_LOSS_EPS`];
/// scikit-learn's former default).
///
/// Errors: probabilities outside [0, 1] or NaN, labels other than 0/1,
/// mismatched lengths, empty input.
///
/// ```
/// use ua_analytics::metrics::log_loss;
/// // −(ln 0.8 + ln 0.6) / 2
/// let l = log_loss(&[1u8, 0], &[0.8f32, 0.4]).unwrap();
/// assert!((l - (-(0.8f64.ln() + 0.6f64.ln()) / 2.0)).abs() < 1e-7);
/// ```
pub fn log_loss<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_prob: impl AsArray<'b, f32>,
) -> Result<f64> {
    let (y, p): (ArrayView1<'_, u8>, ArrayView1<'_, f32>) = (y_true.into(), y_prob.into());
    labels_and_probabilities("log_loss", y, p)?;
    Ok(log_loss_unchecked(y, p))
}

pub(crate) fn log_loss_unchecked(y: ArrayView1<'_, u8>, p: ArrayView1<'_, f32>) -> f64 {
    let sum: f64 = y
        .iter()
        .zip(p.iter())
        .map(|(&t, &p)| {
            let p = f64::from(p).clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if t == 1 { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    sum / y.len() as f64
}

/// Brier score: mean squared difference between probability and label,
/// (1/n) Σ (p − y)². 0 is perfect, 0.25 is what p = 0.5 everywhere scores.
///
/// Errors as for [`log_loss`].
///
/// ```
/// use ua_analytics::metrics::brier_score;
/// // ((1 − 0.8)² + (0.4 − 0)²) / 2 = (0.04 + 0.16) / 2 = 0.1
/// assert!((brier_score(&[1u8, 0], &[0.8f32, 0.4]).unwrap() - 0.1).abs() < 1e-7);
/// ```
pub fn brier_score<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_prob: impl AsArray<'b, f32>,
) -> Result<f64> {
    let (y, p): (ArrayView1<'_, u8>, ArrayView1<'_, f32>) = (y_true.into(), y_prob.into());
    labels_and_probabilities("brier_score", y, p)?;
    Ok(brier_unchecked(y, p))
}

pub(crate) fn brier_unchecked(y: ArrayView1<'_, u8>, p: ArrayView1<'_, f32>) -> f64 {
    let sum: f64 = y
        .iter()
        .zip(p.iter())
        .map(|(&t, &p)| {
            let d = f64::from(p) - f64::from(t);
            d * d
        })
        .sum();
    sum / y.len() as f64
}

/// How [`calibration_table`] cuts [0, 1] into bins.
///
/// ```
/// use ua_analytics::metrics::{calibration_table, Binning};
/// let p = [0.1f32, 0.15, 0.2, 0.9];
/// let y = [0u8, 0, 1, 1];
/// assert_eq!(calibration_table(&y, &p, 4, Binning::Uniform).unwrap().bins.len(), 4);
/// assert_eq!(calibration_table(&y, &p, 4, Binning::Quantile).unwrap().bins.len(), 4);
/// assert_eq!(calibration_table(&y, &p, 2, Binning::Quantile).unwrap().bins[0].count, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Binning {
    /// `n_bins` equal-width bins; bin i holds the probabilities p with
    /// ⌊p · n_bins⌋ = i (p = 1 goes to the last bin). Empty bins are kept,
    /// with `count` 0 and no means.
    Uniform,
    /// Up to `n_bins` bins with (nearly) equal numbers of rows, cut by rank.
    /// Tied probabilities always share a bin, so heavy ties (or fewer rows
    /// than bins) give fewer bins. No bin is empty.
    Quantile,
}

/// One row of a [`CalibrationTable`].
///
/// ```
/// use ua_analytics::metrics::{calibration_table, Binning};
/// let t = calibration_table(&[0u8, 1], &[0.2f32, 0.3], 2, Binning::Uniform).unwrap();
/// let b = t.bins[0]; // [0, 0.5): both rows
/// assert_eq!((b.count, b.positives, b.observed_rate), (2, 1, Some(0.5)));
/// assert_eq!(t.bins[1].mean_predicted, None); // empty bin
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge: the bin edge for [`Binning::Uniform`], the smallest
    /// probability in the bin for [`Binning::Quantile`].
    pub lower: f64,
    /// Upper edge: the bin edge for [`Binning::Uniform`], the largest
    /// probability in the bin for [`Binning::Quantile`].
    pub upper: f64,
    /// Rows in the bin.
    pub count: u64,
    /// Positives in the bin.
    pub positives: u64,
    /// Mean predicted probability of the bin's rows; `None` for an empty bin.
    pub mean_predicted: Option<f64>,
    /// Fraction of positives among the bin's rows; `None` for an empty bin.
    pub observed_rate: Option<f64>,
}

/// A calibration (reliability) table: per bin of predicted probability, how
/// many rows, the mean prediction and the observed positive rate. A
/// calibrated model has `mean_predicted ≈ observed_rate` in every bin.
///
/// `Display` prints one line per bin.
///
/// ```
/// use ua_analytics::metrics::{calibration_table, Binning};
/// let t = calibration_table(&[0u8, 0, 1, 1], &[0.1f32, 0.2, 0.7, 0.9], 2, Binning::Uniform).unwrap();
/// assert_eq!(t.bins[0].count, 2);
/// assert_eq!(t.bins[1].observed_rate, Some(1.0));
/// println!("{t}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationTable {
    /// The binning that produced the table.
    pub binning: Binning,
    /// Total rows.
    pub n: u64,
    /// Bins in increasing order of probability.
    pub bins: Vec<CalibrationBin>,
}

impl CalibrationTable {
    /// Expected calibration error: Σ (count / n) · |mean_predicted − observed_rate|
    /// over the non-empty bins.
    ///
    /// ```
    /// use ua_analytics::metrics::{calibration_table, Binning};
    /// // bin [0, .5): mean p .15, observed 0; bin [.5, 1]: mean p .8, observed 1
    /// // ECE = ½·0.15 + ½·0.2 = 0.175
    /// let t = calibration_table(&[0u8, 0, 1, 1], &[0.1f32, 0.2, 0.7, 0.9], 2, Binning::Uniform).unwrap();
    /// assert!((t.expected_calibration_error() - 0.175).abs() < 1e-7);
    /// ```
    pub fn expected_calibration_error(&self) -> f64 {
        self.bins
            .iter()
            .filter_map(|b| match (b.mean_predicted, b.observed_rate) {
                (Some(m), Some(o)) => Some(b.count as f64 * (m - o).abs()),
                _ => None,
            })
            .sum::<f64>()
            / self.n as f64
    }
}

impl fmt::Display for CalibrationTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>17}  {:>8}  {:>14}  {:>13}",
            "bin", "count", "mean predicted", "observed rate"
        )?;
        for b in &self.bins {
            let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
            writeln!(
                f,
                "[{:.4}, {:.4}]  {:>8}  {:>14}  {:>13}",
                b.lower,
                b.upper,
                b.count,
                opt(b.mean_predicted),
                opt(b.observed_rate)
            )?;
        }
        Ok(())
    }
}

/// Builds a [`CalibrationTable`] with `n_bins` bins (see [`Binning`]).
///
/// Errors: `n_bins == 0` ([`Error::InvalidArgument`]); probabilities outside
/// [0, 1] or NaN, labels other than 0/1, mismatched lengths, empty input.
///
/// ```
/// use ua_analytics::metrics::{calibration_table, Binning};
/// let y = [0u8, 1, 0, 1, 1, 1];
/// let p = [0.1f32, 0.2, 0.3, 0.6, 0.8, 0.9];
/// let t = calibration_table(&y, &p, 3, Binning::Quantile).unwrap();
/// let counts: Vec<u64> = t.bins.iter().map(|b| b.count).collect();
/// assert_eq!(counts, [2, 2, 2]);
/// assert_eq!(t.bins[0].observed_rate, Some(0.5));
/// ```
pub fn calibration_table<'a, 'b>(
    y_true: impl AsArray<'a, u8>,
    y_prob: impl AsArray<'b, f32>,
    n_bins: usize,
    binning: Binning,
) -> Result<CalibrationTable> {
    const OP: &str = "calibration_table";
    let (y, p): (ArrayView1<'_, u8>, ArrayView1<'_, f32>) = (y_true.into(), y_prob.into());
    if n_bins == 0 {
        return Err(Error::InvalidArgument {
            op: OP,
            message: "n_bins = 0; at least one bin is needed".into(),
        });
    }
    labels_and_probabilities(OP, y, p)?;
    let bins = match binning {
        Binning::Uniform => uniform_bins(y, p, n_bins),
        Binning::Quantile => quantile_bins(y, p, n_bins),
    };
    Ok(CalibrationTable {
        binning,
        n: y.len() as u64,
        bins,
    })
}

fn make_bin(lower: f64, upper: f64, count: u64, positives: u64, sum_p: f64) -> CalibrationBin {
    let (mean_predicted, observed_rate) = if count == 0 {
        (None, None)
    } else {
        (
            Some(sum_p / count as f64),
            Some(positives as f64 / count as f64),
        )
    };
    CalibrationBin {
        lower,
        upper,
        count,
        positives,
        mean_predicted,
        observed_rate,
    }
}

fn uniform_bins(
    y: ArrayView1<'_, u8>,
    p: ArrayView1<'_, f32>,
    n_bins: usize,
) -> Vec<CalibrationBin> {
    // Three flat accumulators rather than a vector of structs per row.
    let mut count = vec![0u64; n_bins];
    let mut pos = vec![0u64; n_bins];
    let mut sum_p = vec![0.0f64; n_bins];
    let nb = n_bins as f64;
    for (&t, &pr) in y.iter().zip(p.iter()) {
        let pr = f64::from(pr);
        // pr ∈ [0, 1] was checked; `as usize` saturates and min() keeps p = 1
        // in the last bin.
        let b = ((pr * nb) as usize).min(n_bins - 1);
        count[b] += 1;
        pos[b] += u64::from(t);
        sum_p[b] += pr;
    }
    (0..n_bins)
        .map(|b| {
            make_bin(
                b as f64 / nb,
                (b + 1) as f64 / nb,
                count[b],
                pos[b],
                sum_p[b],
            )
        })
        .collect()
}

fn quantile_bins(
    y: ArrayView1<'_, u8>,
    p: ArrayView1<'_, f32>,
    n_bins: usize,
) -> Vec<CalibrationBin> {
    let mut pairs: Vec<(f32, u8)> = p.iter().copied().zip(y.iter().copied()).collect();
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let n = pairs.len();
    let mut bins = Vec::with_capacity(n_bins.min(n));
    let mut start = 0usize;
    for b in 0..n_bins {
        // Rank cut for equal-size bins, moved forward past a tie group.
        let mut end = ((b + 1) * n) / n_bins;
        if end <= start {
            continue;
        }
        while end < n && pairs[end].0 == pairs[end - 1].0 {
            end += 1;
        }
        let chunk = &pairs[start..end];
        let positives = chunk.iter().map(|&(_, t)| u64::from(t)).sum();
        let sum_p = chunk.iter().map(|&(v, _)| f64::from(v)).sum();
        bins.push(make_bin(
            f64::from(chunk[0].0),
            f64::from(chunk[chunk.len() - 1].0),
            chunk.len() as u64,
            positives,
            sum_p,
        ));
        start = end;
        if start == n {
            break;
        }
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn log_loss_hand_computed_and_clipped() {
        // y = [1, 0, 1], p = [0.9, 0.1, 0.5]: −(ln .9 + ln .9 + ln .5)/3
        let l = log_loss(&[1u8, 0, 1], &[0.9f32, 0.1, 0.5]).unwrap();
        let want = -(2.0 * 0.9f64.ln() + 0.5f64.ln()) / 3.0;
        assert_abs_diff_eq!(l, want, epsilon = 1e-7);
        // a confident wrong prediction costs −ln(1e-15), not ∞
        let l = log_loss(&[1u8], &[0.0f32]).unwrap();
        assert_abs_diff_eq!(l, -(1e-15f64).ln(), epsilon = 1e-9);
        assert_abs_diff_eq!(l, 34.538776394910684, epsilon = 1e-9);
        // a perfect prediction costs ≈ 1e-15, not exactly 0
        let l = log_loss(&[1u8, 0], &[1.0f32, 0.0]).unwrap();
        assert!(l > 0.0 && l < 1e-14, "{l}");
        // p = 0.5 everywhere → ln 2
        assert_abs_diff_eq!(
            log_loss(&[1u8, 0], &[0.5f32, 0.5]).unwrap(),
            2f64.ln(),
            epsilon = 1e-12
        );
    }

    #[test]
    fn brier_hand_computed() {
        // (0.1² + 0.1² + 0.5²)/3 = (0.01 + 0.01 + 0.25)/3 = 0.09
        let b = brier_score(&[1u8, 0, 1], &[0.9f32, 0.1, 0.5]).unwrap();
        assert_abs_diff_eq!(b, 0.09, epsilon = 1e-7);
        assert_eq!(brier_score(&[1u8, 0], &[1.0f32, 0.0]).unwrap(), 0.0);
        assert_eq!(brier_score(&[1u8, 0], &[0.0f32, 1.0]).unwrap(), 1.0);
    }

    #[test]
    fn probabilities_are_checked() {
        let e = log_loss(&[1u8, 0], &[0.5f32, -0.1]).unwrap_err();
        assert!(e.to_string().contains("y_prob[1]"), "{e}");
        assert!(brier_score(&[1u8], &[f32::NAN]).is_err());
        assert!(calibration_table(&[1u8], &[0.5f32], 0, Binning::Uniform).is_err());
    }

    #[test]
    fn uniform_table_hand_computed() {
        // 4 bins of width .25; p: .05 .2 | .3 | (none) | .8 .95 1.0
        let y = [0u8, 1, 0, 1, 1, 0];
        let p = [0.05f32, 0.2, 0.3, 0.8, 0.95, 1.0];
        let t = calibration_table(&y, &p, 4, Binning::Uniform).unwrap();
        assert_eq!(t.n, 6);
        let counts: Vec<u64> = t.bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 1, 0, 3]);
        assert_abs_diff_eq!(t.bins[0].mean_predicted.unwrap(), 0.125, epsilon = 1e-7);
        assert_eq!(t.bins[0].observed_rate, Some(0.5));
        assert_eq!(t.bins[2].mean_predicted, None);
        assert_eq!((t.bins[2].lower, t.bins[2].upper), (0.5, 0.75));
        // last bin: mean (.8 + .95 + 1)/3 = 2.75/3, observed 2/3
        assert_abs_diff_eq!(
            t.bins[3].mean_predicted.unwrap(),
            2.75 / 3.0,
            epsilon = 1e-7
        );
        assert_abs_diff_eq!(t.bins[3].observed_rate.unwrap(), 2.0 / 3.0);
        // ECE = (2·|.125−.5| + 1·|.3−0| + 3·|.91667−.66667|)/6 = (0.75 + 0.3 + 0.75)/6 = 0.3
        assert_abs_diff_eq!(t.expected_calibration_error(), 0.3, epsilon = 1e-7);
        assert_eq!(t.to_string().lines().count(), 5);
    }

    #[test]
    fn quantile_table_keeps_ties_together() {
        // sorted p: .1 .2 .2 .2 .5 .9 ; 3 bins → cuts at ranks 2, 4, 6
        // first cut at rank 2 falls inside the .2 tie group → moved to rank 4
        // bins: {.1 .2 .2 .2} {.5 .9}
        let y = [1u8, 0, 0, 1, 1, 1];
        let p = [0.2f32, 0.1, 0.2, 0.2, 0.9, 0.5];
        let t = calibration_table(&y, &p, 3, Binning::Quantile).unwrap();
        let counts: Vec<u64> = t.bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [4, 2]);
        assert_abs_diff_eq!(t.bins[0].lower, 0.1, epsilon = 1e-7);
        assert_abs_diff_eq!(t.bins[0].upper, 0.2, epsilon = 1e-7);
        assert_eq!(t.bins[0].positives, 2);
        assert_abs_diff_eq!(t.bins[0].mean_predicted.unwrap(), 0.175, epsilon = 1e-7);
        assert_eq!(t.bins[1].observed_rate, Some(1.0));
        // more bins than rows: one bin per row
        let t = calibration_table(&[0u8, 1], &[0.3f32, 0.6], 10, Binning::Quantile).unwrap();
        assert_eq!(t.bins.len(), 2);
        // every row lands in exactly one bin
        assert_eq!(t.bins.iter().map(|b| b.count).sum::<u64>(), 2);
    }
}
