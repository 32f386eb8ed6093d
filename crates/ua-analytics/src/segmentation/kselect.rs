//! How many segments: [`evaluate_k_range`] and its [`KReport`]. The rule,
//! the silhouette policy and the checks are documented on
//! [`evaluate_k_range`] (this module is private; its items are re-exported
//! by `segmentation`).

use std::ops::RangeInclusive;
use std::time::Instant;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;

use super::kmeans::{KMeans, ensure_distinct, prepare_named};
use super::quality::{
    calinski_harabasz_score, davies_bouldin_score, silhouette_score, silhouette_score_sampled,
};
use crate::error::parameter;
use crate::{Error, Result};

/// Rows the default silhouette policy computes on: all rows up to this
/// many, else a seeded sample of this size.
///
/// ```
/// use ua_analytics::segmentation::{SILHOUETTE_MAX_ROWS, SilhouetteMode};
/// assert_eq!(SilhouetteMode::default(), SilhouetteMode::Sampled { size: SILHOUETTE_MAX_ROWS, seed: 0 });
/// ```
pub const SILHOUETTE_MAX_ROWS: usize = 50_000;

/// Which silhouette [`evaluate_k_range`] computes (see its "silhouette
/// policy").
///
/// ```
/// use ua_analytics::segmentation::SilhouetteMode;
/// let m = SilhouetteMode::Sampled { size: 5000, seed: 1 };
/// assert_ne!(m, SilhouetteMode::Exact);
/// assert_eq!(m.rows_used(3000), 3000); // all rows: exact
/// assert_eq!(m.rows_used(80_000), 5000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SilhouetteMode {
    /// No silhouette (it is the expensive score).
    Skip,
    /// Exact silhouette on all rows.
    Exact,
    /// Exact on all rows when there are at most `size`, else on a seeded
    /// sample of `size` rows.
    Sampled {
        /// Rows in the sample (at least 1).
        size: usize,
        /// Seed of the sample.
        seed: u64,
    },
}

impl Default for SilhouetteMode {
    fn default() -> Self {
        SilhouetteMode::Sampled {
            size: SILHOUETTE_MAX_ROWS,
            seed: 0,
        }
    }
}

impl SilhouetteMode {
    /// Rows the silhouette is computed on for data of `n` rows (0 when
    /// skipped).
    ///
    /// ```
    /// use ua_analytics::segmentation::SilhouetteMode;
    /// assert_eq!(SilhouetteMode::Exact.rows_used(10), 10);
    /// assert_eq!(SilhouetteMode::Skip.rows_used(10), 0);
    /// ```
    pub fn rows_used(self, n: usize) -> usize {
        match self {
            SilhouetteMode::Skip => 0,
            SilhouetteMode::Exact => n,
            SilhouetteMode::Sampled { size, .. } => size.min(n),
        }
    }

    /// The policy in words, for data of `n` rows.
    fn describe(self, n: usize) -> String {
        match self {
            SilhouetteMode::Skip => "skipped".into(),
            SilhouetteMode::Sampled { size, seed } if size < n => {
                format!("on a seeded sample of {size} of {n} rows, seed {seed}")
            }
            _ => format!("exact, on all {n} rows"),
        }
    }
}

/// The figures of one `k` (scores that are undefined for it are `None`).
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::{KMeans, SilhouetteMode, evaluate_k_range};
/// let x = array![[0.0], [0.1], [5.0], [5.1]];
/// let r = evaluate_k_range(x.view(), 2..=2, &KMeans::default().seed(1), SilhouetteMode::Exact).unwrap();
/// let s = &r.scores[0];
/// assert_eq!((s.k, s.silhouette_rows), (2, 4));
/// assert!((s.inertia - 0.01).abs() < 1e-9 && s.silhouette.unwrap() > 0.9);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KScores {
    /// Number of clusters.
    pub k: usize,
    /// Training inertia of the fit (plot it against `k` for the elbow).
    pub inertia: f64,
    /// Iterations of the kept run.
    pub n_iter: usize,
    /// Whether the kept run converged before `max_iter`.
    pub converged: bool,
    /// Mean silhouette (higher is better), per the [`SilhouetteMode`].
    pub silhouette: Option<f64>,
    /// Rows the silhouette was computed on (0 when it is `None`).
    pub silhouette_rows: usize,
    /// Davies–Bouldin index (lower is better).
    pub davies_bouldin: Option<f64>,
    /// Calinski–Harabasz index (higher is better).
    pub calinski_harabasz: Option<f64>,
    /// Wall-clock seconds of the fit (all `n_init` runs, not the scores).
    pub fit_seconds: f64,
}

/// The score a recommendation was made on.
///
/// ```
/// use ua_analytics::segmentation::KCriterion;
/// assert_eq!(serde_json::to_string(&KCriterion::Silhouette).unwrap(), "\"silhouette\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KCriterion {
    /// Highest mean silhouette.
    Silhouette,
    /// Highest Calinski–Harabasz index (the silhouette was skipped or undefined).
    CalinskiHarabasz,
}

/// What [`evaluate_k_range`] found: the figures of every `k` and the `k`
/// its documented rule recommends, with the reason.
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::{KCriterion, KMeans, SilhouetteMode, evaluate_k_range};
/// let x = array![[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]];
/// let r = evaluate_k_range(x.view(), 1..=3, &KMeans::default().seed(1), SilhouetteMode::Exact).unwrap();
/// assert_eq!(r.recommended_k, Some(2));
/// assert_eq!(r.criterion, Some(KCriterion::Silhouette));
/// assert!(r.reason.starts_with("k = 2 has the highest mean silhouette"), "{}", r.reason);
/// assert!(r.scores_for(1).unwrap().silhouette.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KReport {
    /// Rows of the data.
    pub rows: usize,
    /// The silhouette policy used.
    pub silhouette_mode: SilhouetteMode,
    /// One entry per `k`, in increasing `k`.
    pub scores: Vec<KScores>,
    /// The recommended `k`, when any score is defined.
    pub recommended_k: Option<usize>,
    /// The score the recommendation was made on.
    pub criterion: Option<KCriterion>,
    /// The recommendation (or its absence) in words.
    pub reason: String,
}

impl KReport {
    /// The figures of `k`, if it was in the range.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::{KMeans, SilhouetteMode, evaluate_k_range};
    /// let x = array![[0.0], [1.0], [9.0]];
    /// let r = evaluate_k_range(x.view(), 1..=2, &KMeans::default(), SilhouetteMode::Skip).unwrap();
    /// assert_eq!(r.scores_for(2).unwrap().k, 2);
    /// assert!(r.scores_for(3).is_none());
    /// ```
    pub fn scores_for(&self, k: usize) -> Option<&KScores> {
        self.scores.iter().find(|s| s.k == k)
    }
}

fn defined(r: Result<f64>) -> Result<Option<f64>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Error::Undefined { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Fits `base` with each `k` of `ks` (its own `k` is ignored) on `x` and
/// returns one [`KReport`]: per `k` the training inertia (for an elbow
/// plot), the silhouette, the Davies–Bouldin and Calinski–Harabasz indices,
/// and the `k` it recommends with the reason. The RFM segmentation uses the
/// same function on its standardised features.
///
/// # The rule
///
/// 1. The recommended `k` has the **highest mean silhouette** (among equal
///    values, the smallest `k`). The silhouette is on a fixed scale
///    (−1 to 1), compares each point's own cluster with the nearest other
///    one, and does not improve with `k` by itself the way inertia does.
/// 2. When the silhouette is skipped ([`SilhouetteMode::Skip`]) or undefined
///    for every `k`, the **highest Calinski–Harabasz index** (ties again to
///    the smallest `k`).
/// 3. When neither is defined for any `k` (a range of `k = 1` only, or
///    partitions with a single non-empty cluster), there is no
///    recommendation.
///
/// Every score is undefined (`None`) where its definition needs
/// `2 ≤ clusters ≤ rows − 1`, e.g. at `k = 1`.
///
/// # The silhouette policy
///
/// [`SilhouetteMode::Exact`] uses all rows (`O(n²)` distances);
/// [`SilhouetteMode::Sampled`] uses all rows when there are at most `size`
/// of them and otherwise a seeded sample of `size` rows drawn without
/// replacement, with distances among the sampled rows only (scikit-learn's
/// `sample_size`). The default is `Sampled { size: `[`SILHOUETTE_MAX_ROWS`]`, seed: 0 }`.
/// Each [`KScores::silhouette_rows`] records how many rows the value is
/// computed on, and [`KReport::reason`] states the policy.
///
/// # Checks before any fit
///
/// The range, the parameters and the data are checked before the first
/// fit, so a bad request fails at once instead of after minutes of work:
/// the range must be non-empty, start at 1 or more and end at most at the
/// number of rows − 1 (the scores need `2 ≤ k ≤ rows − 1`; a range of
/// `1..=1` may use every row) and at the number of distinct rows (each an
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming `ks`);
/// a sample size of 0 names `silhouette`; the other parameters are checked
/// as [`KMeans::fit`] checks them, for the largest `k`. An empty `x` or a
/// NaN/infinite value is an error too, and so is a value whose squared
/// distances would overflow — naming its column by name when `base` has
/// [`feature_names`](KMeans::feature_names).
///
/// ```
/// use ua_analytics::ndarray::Array2;
/// use ua_analytics::segmentation::{KMeans, SilhouetteMode, evaluate_k_range};
/// // Three groups around (0, 0), (10, 0) and (0, 10), with a small jitter.
/// let x = Array2::from_shape_fn((300, 2), |(i, j)| {
///     let centre = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]][i % 3][j];
///     centre + ((i * 7919 + j * 104_729) % 101) as f64 / 101.0
/// });
/// let report = evaluate_k_range(x.view(), 1..=5, &KMeans::default().seed(1), SilhouetteMode::Exact).unwrap();
/// assert_eq!(report.scores.len(), 5);
/// assert_eq!(report.recommended_k, Some(3));
/// // A range beyond the number of rows is refused before any fit.
/// assert!(evaluate_k_range(x.view(), 2..=usize::MAX, &KMeans::default(), SilhouetteMode::Skip).is_err());
/// ```
pub fn evaluate_k_range<S: Scalar>(
    x: ArrayView2<'_, S>,
    ks: RangeInclusive<usize>,
    base: &KMeans,
    silhouette: SilhouetteMode,
) -> Result<KReport> {
    const OP: &str = "evaluate_k_range";
    let (lo, hi) = (*ks.start(), *ks.end());
    if ks.is_empty() {
        return Err(parameter(
            OP,
            "ks",
            format!("the range {lo}..={hi} is empty; expected LO..=HI with LO ≤ HI"),
        ));
    }
    if lo == 0 {
        return Err(parameter(
            OP,
            "ks",
            format!("k starts at 1, found the range {lo}..={hi}"),
        ));
    }
    if let SilhouetteMode::Sampled { size: 0, .. } = silhouette {
        return Err(parameter(
            OP,
            "silhouette",
            "the sample size must be at least 1, found 0",
        ));
    }
    let largest = base.clone().k(hi);
    largest.check_params(OP)?;
    let x = prepare_named(OP, x, base.feature_names.as_deref())?;
    let x = x.view();
    let n = x.nrows();
    // Every score needs 2 ≤ k ≤ n − 1, so a range ending beyond n − 1 (or
    // at n, which puts each row in its own cluster) cannot be scored: it is
    // refused before the first fit instead of fitting every k (a hang for
    // 2..3000) or allocating for an absurd end (2..usize::MAX).
    let max_k = if hi <= 1 { n } else { n.saturating_sub(1) };
    if hi > max_k {
        return Err(parameter(
            OP,
            "ks",
            format!(
                "the range {lo}..={hi} ends beyond what {n} rows allow: k can be at most \
                 {max_k} (the scores need 2 ≤ k ≤ rows − 1); end the range at {max_k} or below"
            ),
        ));
    }
    largest.check_shape(OP, n)?;
    ensure_distinct(OP, x, hi).map_err(|e| match e {
        Error::InvalidParameter { message, .. } => {
            parameter(OP, "ks", format!("{message} (the end of {lo}..={hi})"))
        }
        other => other,
    })?;

    let mut scores = Vec::with_capacity(hi - lo + 1);
    for k in lo..=hi {
        let t0 = Instant::now();
        let fit = base.clone().k(k).fit(x)?;
        let fit_seconds = t0.elapsed().as_secs_f64();
        let labels = fit.labels();
        let sil = match silhouette {
            SilhouetteMode::Skip => None,
            SilhouetteMode::Exact => defined(silhouette_score(x, labels))?,
            SilhouetteMode::Sampled { size, seed } => {
                defined(silhouette_score_sampled(x, labels, size, seed))?
            }
        };
        scores.push(KScores {
            k,
            inertia: fit.training_inertia(),
            n_iter: fit.n_iter(),
            converged: fit.converged(),
            silhouette: sil,
            silhouette_rows: if sil.is_some() {
                silhouette.rows_used(n)
            } else {
                0
            },
            davies_bouldin: defined(davies_bouldin_score(x, labels))?,
            calinski_harabasz: defined(calinski_harabasz_score(x, labels))?,
            fit_seconds,
        });
    }
    let (recommended_k, criterion, reason) = recommend(&scores, silhouette, n, lo, hi);
    Ok(KReport {
        rows: n,
        silhouette_mode: silhouette,
        scores,
        recommended_k,
        criterion,
        reason,
    })
}

/// The `k` with the highest value of `score` (the first, i.e. smallest,
/// among equal values).
fn best_by(scores: &[KScores], score: fn(&KScores) -> Option<f64>) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for s in scores {
        if let Some(v) = score(s)
            && best.is_none_or(|(_, b)| v > b)
        {
            best = Some((s.k, v));
        }
    }
    best
}

/// The rule documented on [`evaluate_k_range`].
fn recommend(
    scores: &[KScores],
    mode: SilhouetteMode,
    n: usize,
    lo: usize,
    hi: usize,
) -> (Option<usize>, Option<KCriterion>, String) {
    let range = format!("k = {lo}..={hi}");
    if let Some((k, v)) = best_by(scores, |s| s.silhouette) {
        return (
            Some(k),
            Some(KCriterion::Silhouette),
            format!(
                "k = {k} has the highest mean silhouette ({v:.4}) of {range} \
                 (silhouette {}); rule: highest silhouette, ties to the smaller k",
                mode.describe(n)
            ),
        );
    }
    if let Some((k, v)) = best_by(scores, |s| s.calinski_harabasz) {
        let why = if mode == SilhouetteMode::Skip {
            "the silhouette was skipped"
        } else {
            "the silhouette is undefined for every k"
        };
        return (
            Some(k),
            Some(KCriterion::CalinskiHarabasz),
            format!(
                "k = {k} has the highest Calinski–Harabasz index ({v:.4}) of {range} ({why}); \
                 rule: highest Calinski–Harabasz, ties to the smaller k"
            ),
        );
    }
    (
        None,
        None,
        format!(
            "no k of {range} has a defined silhouette or Calinski–Harabasz index \
             (both need 2 ≤ clusters ≤ rows − 1), so there is no recommendation"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(k: usize, sil: Option<f64>, ch: Option<f64>) -> KScores {
        KScores {
            k,
            inertia: 1.0,
            n_iter: 1,
            converged: true,
            silhouette: sil,
            silhouette_rows: 0,
            davies_bouldin: None,
            calinski_harabasz: ch,
            fit_seconds: 0.0,
        }
    }

    #[test]
    fn rule_prefers_silhouette_then_calinski_harabasz_and_ties_go_to_the_smaller_k() {
        let s = [
            scores(1, None, None),
            scores(2, Some(0.5), Some(10.0)),
            scores(3, Some(0.7), Some(5.0)),
            scores(4, Some(0.7), Some(50.0)),
        ];
        let (k, c, why) = recommend(&s, SilhouetteMode::Exact, 100, 1, 4);
        assert_eq!((k, c), (Some(3), Some(KCriterion::Silhouette)));
        assert!(
            why.contains("0.7000") && why.contains("exact, on all 100 rows"),
            "{why}"
        );
        let no_sil = [
            scores(1, None, None),
            scores(2, None, Some(10.0)),
            scores(3, None, Some(30.0)),
            scores(4, None, Some(30.0)),
        ];
        let (k, c, why) = recommend(&no_sil, SilhouetteMode::Skip, 100, 1, 4);
        assert_eq!((k, c), (Some(3), Some(KCriterion::CalinskiHarabasz)));
        assert!(why.contains("skipped"), "{why}");
        let (_, _, why) = recommend(&no_sil, SilhouetteMode::Exact, 100, 1, 4);
        assert!(why.contains("undefined for every k"), "{why}");
        let (k, c, why) = recommend(&[scores(1, None, None)], SilhouetteMode::Exact, 9, 1, 1);
        assert_eq!((k, c), (None, None));
        assert!(why.contains("no recommendation"), "{why}");
        // Negative silhouettes still compete (the best of bad partitions).
        let neg = [scores(2, Some(-0.2), None), scores(3, Some(-0.1), None)];
        assert_eq!(recommend(&neg, SilhouetteMode::Exact, 9, 2, 3).0, Some(3));
    }

    #[test]
    fn the_range_may_end_at_rows_minus_one_but_not_at_rows() {
        let x = ndarray::array![[0.0], [1.0], [5.0], [9.0]];
        let base = KMeans::default().seed(1);
        let r = evaluate_k_range(x.view(), 2..=3, &base, SilhouetteMode::Skip).unwrap();
        assert_eq!(r.scores.iter().map(|s| s.k).collect::<Vec<_>>(), vec![2, 3]);
        let e = evaluate_k_range(x.view(), 2..=4, &base, SilhouetteMode::Skip).unwrap_err();
        assert!(e.to_string().contains("k can be at most 3"), "{e}");
        // 1..=1 may use every row, even a single one.
        let one = ndarray::array![[2.0]];
        let r = evaluate_k_range(one.view(), 1..=1, &base, SilhouetteMode::Skip).unwrap();
        assert_eq!((r.rows, r.scores.len()), (1, 1));
    }

    #[test]
    fn policy_descriptions() {
        let m = SilhouetteMode::Sampled { size: 10, seed: 3 };
        assert_eq!(m.describe(10), "exact, on all 10 rows");
        assert_eq!(
            m.describe(11),
            "on a seeded sample of 10 of 11 rows, seed 3"
        );
        assert_eq!(SilhouetteMode::Skip.describe(5), "skipped");
        assert_eq!(m.rows_used(11), 10);
        assert_eq!(m.rows_used(9), 9);
    }
}
