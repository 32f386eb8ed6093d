//! RFM segmentation: quintile scores, the named marketing segments, and
//! k-means on standardised `log1p(recency, frequency, monetary)`.
//!
//! The input is the per-customer [`RfmFeatures`] of `ua-data` (recency in
//! days from the last purchase to the as-of date, frequency = distinct
//! purchase days, monetary = total amount).
//!
//! ## Scores (1–5)
//!
//! Each of R, F and M is scored by **rank quintiles with ties sharing a
//! score**: for `n` customers, a customer whose value is strictly *worse*
//! than that of `b` other customers gets
//!
//! ```text
//! score = 1 + ⌊5 · b / n⌋        (so 1 ≤ score ≤ 5)
//! ```
//!
//! "Worse" means a larger recency for R (score 5 = most recent) and a
//! smaller frequency or monetary value for F and M (score 5 = most
//! purchases / money). Equal values always share a score, the scores do not
//! depend on the order of the customers, and the worst value always scores
//! one. With distinct values this is the usual split into five groups of
//! (nearly) equal size; with heavy ties (most customers have frequency 1)
//! a whole tie group takes the score of its first rank, so some scores can
//! be empty — e.g. if 60 % of customers bought once, they all score F = 1
//! and the next frequency starts at F = 4.
//!
//! ## Named segments
//!
//! The named segments come from the (R, F) scores, with the widely used RFM
//! segment map (the "RFM grid" of marketing analytics), in which `Lost` is
//! carved out of `Hibernating` as its bottom corner:
//!
//! | segment | R | F |
//! | --- | --- | --- |
//! | Champions | 5 | 4–5 |
//! | Loyal Customers | 3–4 | 4–5 |
//! | Potential Loyalists | 4–5 | 2–3 |
//! | New Customers | 5 | 1 |
//! | Promising | 4 | 1 |
//! | Need Attention | 3 | 3 |
//! | About to Sleep | 3 | 1–2 |
//! | At Risk | 1–2 | 3–4 |
//! | Can't Lose Them | 1–2 | 5 |
//! | Hibernating | 1–2 | 1–2, except R 1 F 1 |
//! | Lost | 1 | 1 |
//!
//! Every one of the 25 (R, F) pairs belongs to exactly one segment (checked
//! exhaustively in the tests). As a grid (rows R, columns F = 1..5):
//!
//! ```text
//! R 5: New Customers  Potential Loyalists  Potential Loyalists  Champions        Champions
//! R 4: Promising      Potential Loyalists  Potential Loyalists  Loyal Customers  Loyal Customers
//! R 3: About to Sleep About to Sleep       Need Attention       Loyal Customers  Loyal Customers
//! R 2: Hibernating    Hibernating          At Risk              At Risk          Can't Lose Them
//! R 1: Lost           Hibernating          At Risk              At Risk          Can't Lose Them
//! ```
//!
//! ## k-means on RFM
//!
//! [`LogRfmScaler`] maps each customer to
//! `((log1p(r) − μ_r)/σ_r, (log1p(f) − μ_f)/σ_f, (log1p(m) − μ_m)/σ_m)` with
//! the mean and population standard deviation over all customers;
//! [`RfmKMeans::fit`] runs [`KMeans`] on that matrix and renumbers the
//! clusters by size (cluster 0 is the largest). [`KFitSummary::evaluate`]
//! fits one `k` and reports inertia, silhouette, Davies–Bouldin,
//! iterations and the fit time, as the `segment` example prints them.
//!
//! ```
//! use ua_analytics::segmentation::rfm::{RfmScores, RfmSegment};
//! use ua_data::features::rfm::{RfmConfig, RfmFeatures};
//! // Five customers: "e" bought recently and often, "a" long ago and once.
//! let c = ["a", "b", "b", "c", "d", "d", "d", "e", "e", "e", "e"];
//! let day = [1, 20, 30, 40, 50, 60, 70, 80, 85, 90, 95];
//! let amount = [5.0; 11];
//! let f = RfmFeatures::compute(&c, &day, &amount, None,
//!     &RfmConfig { as_of: 100, holdout_end: None }).unwrap();
//! let s = RfmScores::from_features(&f).unwrap();
//! assert_eq!(s.r, [1, 2, 3, 4, 5]);
//! assert_eq!(s.f, [1, 3, 1, 4, 5]);
//! assert_eq!(s.segments()[4], RfmSegment::Champions);
//! assert_eq!(s.segments()[0], RfmSegment::Lost);
//! ```

use std::time::Instant;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_data::features::rfm::RfmFeatures;

use super::{FittedKMeans, KMeans, davies_bouldin_score, silhouette_score_sampled};
use crate::{Error, Result, Segmenter};

/// Largest number of customers the silhouette in [`KFitSummary::evaluate`]
/// is computed on; above it, a seeded sample of this size is used.
pub const SILHOUETTE_MAX_ROWS: usize = 50_000;

/// Rank-quintile scores 1–5 with ties sharing a score (see the module docs):
/// `1 + ⌊5·b/n⌋` where `b` is the number of values strictly worse.
///
/// With `higher_is_better` a smaller value is worse (frequency, monetary);
/// without it a larger value is worse (recency). Errors on an empty input or
/// a NaN (naming its position).
///
/// ```
/// use ua_analytics::segmentation::rfm::quintile_scores;
/// let f = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 6.0];
/// assert_eq!(quintile_scores(&f, true).unwrap(), [1, 1, 1, 1, 1, 3, 3, 4, 5, 5]);
/// let recency = [0.0, 10.0, 20.0, 30.0, 40.0];
/// assert_eq!(quintile_scores(&recency, false).unwrap(), [5, 4, 3, 2, 1]);
/// ```
pub fn quintile_scores(values: &[f64], higher_is_better: bool) -> Result<Vec<u8>> {
    const OP: &str = "quintile_scores";
    let n = values.len();
    if n == 0 {
        return Err(Error::Empty { op: OP });
    }
    if let Some(i) = values.iter().position(|v| v.is_nan()) {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!("value at position {i} is NaN; scores need comparable values"),
        });
    }
    // Indices from worst to best.
    let mut order: Vec<usize> = (0..n).collect();
    if higher_is_better {
        order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    } else {
        order.sort_unstable_by(|&a, &b| values[b].total_cmp(&values[a]));
    }
    let mut scores = vec![0u8; n];
    let mut start = 0;
    while start < n {
        let v = values[order[start]];
        let mut end = start + 1;
        while end < n && values[order[end]] == v {
            end += 1;
        }
        // `start` values are strictly worse than this tie group.
        let score = 1 + (5 * start / n).min(4);
        for &i in &order[start..end] {
            scores[i] = score as u8;
        }
        start = end;
    }
    Ok(scores)
}

/// R, F and M scores (1–5) of every customer, in the order of the features.
///
/// ```
/// use ua_analytics::segmentation::rfm::RfmScores;
/// // Three customers: scores 1 + ⌊5·b/3⌋ for b = 0, 1, 2 worse customers.
/// let s = RfmScores::from_columns(&[3, 30, 300], &[4, 2, 1], &[90.0, 20.0, 5.0]).unwrap();
/// assert_eq!(s.r, [4, 2, 1]);
/// assert_eq!(s.f, [4, 2, 1]);
/// assert_eq!(s.m, [4, 2, 1]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmScores {
    /// Recency score, 5 = most recent purchase.
    pub r: Vec<u8>,
    /// Frequency score, 5 = most distinct purchase days.
    pub f: Vec<u8>,
    /// Monetary score, 5 = largest total amount.
    pub m: Vec<u8>,
}

impl RfmScores {
    /// Scores from the three columns (one entry per customer, same lengths).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmScores;
    /// assert!(RfmScores::from_columns(&[1, 2], &[1], &[1.0, 2.0]).is_err());
    /// ```
    pub fn from_columns(recency_days: &[i32], frequency: &[u32], monetary: &[f64]) -> Result<Self> {
        const OP: &str = "RfmScores::from_columns";
        check_lengths(OP, recency_days.len(), frequency.len(), monetary.len())?;
        let r: Vec<f64> = recency_days.iter().map(|&v| f64::from(v)).collect();
        let f: Vec<f64> = frequency.iter().map(|&v| f64::from(v)).collect();
        Ok(RfmScores {
            r: quintile_scores(&r, false)?,
            f: quintile_scores(&f, true)?,
            m: quintile_scores(monetary, true)?,
        })
    }

    /// Scores of the customers of `features`. An empty set of features (no
    /// customer bought on or before the as-of date) is an error.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmScores;
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[1u64, 2], &[5, 9], &[1.0, 2.0], None,
    ///     &RfmConfig { as_of: 10, holdout_end: None }).unwrap();
    /// assert_eq!(RfmScores::from_features(&f).unwrap().r, [1, 3]);
    /// ```
    pub fn from_features<K>(features: &RfmFeatures<K>) -> Result<Self> {
        if features.customers.is_empty() {
            return Err(no_customers("RfmScores::from_features"));
        }
        Self::from_columns(
            &features.recency_days,
            &features.frequency,
            &features.monetary,
        )
    }

    /// Number of customers.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmScores;
    /// assert_eq!(RfmScores::from_columns(&[1], &[1], &[1.0]).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.r.len()
    }

    /// Whether there are no customers.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmScores;
    /// assert!(!RfmScores::from_columns(&[1], &[1], &[1.0]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.r.is_empty()
    }

    /// The named segment of every customer, from its (R, F) scores.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::{RfmScores, RfmSegment};
    /// let s = RfmScores { r: vec![5, 1], f: vec![5, 1], m: vec![3, 3] };
    /// assert_eq!(s.segments(), [RfmSegment::Champions, RfmSegment::Lost]);
    /// ```
    pub fn segments(&self) -> Vec<RfmSegment> {
        self.r
            .iter()
            .zip(&self.f)
            .map(|(&r, &f)| RfmSegment::from_scores_clamped(r, f))
            .collect()
    }

    /// The three scores as one code per customer, `100·R + 10·F + M`
    /// (e.g. 545), as marketers write them.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmScores;
    /// let s = RfmScores { r: vec![5], f: vec![4], m: vec![3] };
    /// assert_eq!(s.codes(), [543]);
    /// ```
    pub fn codes(&self) -> Vec<u16> {
        self.r
            .iter()
            .zip(&self.f)
            .zip(&self.m)
            .map(|((&r, &f), &m)| 100 * u16::from(r) + 10 * u16::from(f) + u16::from(m))
            .collect()
    }
}

fn check_lengths(op: &'static str, r: usize, f: usize, m: usize) -> Result<()> {
    if r != f || r != m {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("recency, frequency and monetary of equal length ({r})"),
            found: format!("lengths {r}, {f}, {m}"),
        });
    }
    if r == 0 {
        return Err(Error::Empty { op });
    }
    Ok(())
}

fn no_customers(op: &'static str) -> Error {
    Error::InvalidArgument {
        op,
        message: "no customer has a purchase on or before the as-of date \
                  (is the as-of date before the first purchase?)"
            .into(),
    }
}

/// The named RFM segments of marketing practice (see the module docs for
/// the exact score rules). Serialised as the display name.
///
/// ```
/// use ua_analytics::segmentation::rfm::RfmSegment;
/// assert_eq!(RfmSegment::from_scores(4, 1).unwrap(), RfmSegment::Promising);
/// assert_eq!(RfmSegment::CantLoseThem.name(), "Can't Lose Them");
/// assert_eq!(RfmSegment::ALL.len(), 11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RfmSegment {
    /// R 5, F 4–5: bought recently, buy often.
    #[serde(rename = "Champions")]
    Champions,
    /// R 3–4, F 4–5: buy often, fairly recently.
    #[serde(rename = "Loyal Customers")]
    LoyalCustomers,
    /// R 4–5, F 2–3: recent, with a few purchases.
    #[serde(rename = "Potential Loyalists")]
    PotentialLoyalists,
    /// R 5, F 1: first purchase very recently.
    #[serde(rename = "New Customers")]
    NewCustomers,
    /// R 4, F 1: recent one-time buyers.
    #[serde(rename = "Promising")]
    Promising,
    /// R 3, F 3: middling recency and frequency.
    #[serde(rename = "Need Attention")]
    NeedAttention,
    /// R 3, F 1–2: fading, few purchases.
    #[serde(rename = "About to Sleep")]
    AboutToSleep,
    /// R 1–2, F 3–4: bought often, but long ago.
    #[serde(rename = "At Risk")]
    AtRisk,
    /// R 1–2, F 5: the most frequent buyers, gone quiet.
    #[serde(rename = "Can't Lose Them")]
    CantLoseThem,
    /// R 1–2, F 1–2 except R 1 F 1: long ago, few purchases.
    #[serde(rename = "Hibernating")]
    Hibernating,
    /// R 1, F 1: the least recent one-time buyers.
    #[serde(rename = "Lost")]
    Lost,
}

impl RfmSegment {
    /// Every segment, in the order of the module docs' table (best first).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::ALL[0], RfmSegment::Champions);
    /// assert_eq!(RfmSegment::ALL[10], RfmSegment::Lost);
    /// ```
    pub const ALL: [RfmSegment; 11] = [
        RfmSegment::Champions,
        RfmSegment::LoyalCustomers,
        RfmSegment::PotentialLoyalists,
        RfmSegment::NewCustomers,
        RfmSegment::Promising,
        RfmSegment::NeedAttention,
        RfmSegment::AboutToSleep,
        RfmSegment::AtRisk,
        RfmSegment::CantLoseThem,
        RfmSegment::Hibernating,
        RfmSegment::Lost,
    ];

    /// The segment of an (R, F) score pair; scores outside 1–5 are an error.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::from_scores(2, 5).unwrap(), RfmSegment::CantLoseThem);
    /// assert!(RfmSegment::from_scores(0, 3).is_err());
    /// ```
    pub fn from_scores(r: u8, f: u8) -> Result<Self> {
        if !(1..=5).contains(&r) || !(1..=5).contains(&f) {
            return Err(Error::InvalidArgument {
                op: "RfmSegment::from_scores",
                message: format!("scores must be 1..=5, found R {r}, F {f}"),
            });
        }
        Ok(Self::from_scores_clamped(r, f))
    }

    /// The rule table itself, on scores known to be in 1..=5 (values
    /// outside are clamped).
    fn from_scores_clamped(r: u8, f: u8) -> Self {
        use RfmSegment::*;
        match (r.clamp(1, 5), f.clamp(1, 5)) {
            (5, 4..=5) => Champions,
            (3..=4, 4..=5) => LoyalCustomers,
            (4..=5, 2..=3) => PotentialLoyalists,
            (5, 1) => NewCustomers,
            (4, 1) => Promising,
            (3, 3) => NeedAttention,
            (3, 1..=2) => AboutToSleep,
            (1..=2, 3..=4) => AtRisk,
            (1..=2, 5) => CantLoseThem,
            (1, 1) => Lost,
            _ => Hibernating, // (1, 2), (2, 1), (2, 2)
        }
    }

    /// The display name ("Loyal Customers").
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::rfm::RfmSegment::AtRisk.name(), "At Risk");
    /// ```
    pub fn name(self) -> &'static str {
        use RfmSegment::*;
        match self {
            Champions => "Champions",
            LoyalCustomers => "Loyal Customers",
            PotentialLoyalists => "Potential Loyalists",
            NewCustomers => "New Customers",
            Promising => "Promising",
            NeedAttention => "Need Attention",
            AboutToSleep => "About to Sleep",
            AtRisk => "At Risk",
            CantLoseThem => "Can't Lose Them",
            Hibernating => "Hibernating",
            Lost => "Lost",
        }
    }

    /// The score rule of the segment, as in the module docs' table.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::Champions.rule(), "R 5, F 4-5");
    /// ```
    pub fn rule(self) -> &'static str {
        use RfmSegment::*;
        match self {
            Champions => "R 5, F 4-5",
            LoyalCustomers => "R 3-4, F 4-5",
            PotentialLoyalists => "R 4-5, F 2-3",
            NewCustomers => "R 5, F 1",
            Promising => "R 4, F 1",
            NeedAttention => "R 3, F 3",
            AboutToSleep => "R 3, F 1-2",
            AtRisk => "R 1-2, F 3-4",
            CantLoseThem => "R 1-2, F 5",
            Hibernating => "R 1-2, F 1-2 except R 1 F 1",
            Lost => "R 1, F 1",
        }
    }

    /// Position in [`RfmSegment::ALL`] (0 = Champions … 10 = Lost).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::Lost.index(), 10);
    /// ```
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for RfmSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Standardisation of `log1p(recency_days, frequency, monetary)` with the
/// mean and population standard deviation of each column (a column with
/// standard deviation 0 is only centred, as in scikit-learn).
///
/// ```
/// use ua_analytics::segmentation::rfm::LogRfmScaler;
/// let (x, scaler) = LogRfmScaler::fit_transform(&[0, 2], &[1, 3], &[0.0, 4.0]).unwrap();
/// // log1p: recency 0 and ln 3, so the mean is ln 3 / 2 and each row is ∓1.
/// assert!((scaler.mean[0] - 3f64.ln() / 2.0).abs() < 1e-12);
/// assert!((x[[0, 0]] + 1.0).abs() < 1e-12 && (x[[1, 2]] - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRfmScaler {
    /// Mean of `log1p` of recency, frequency, monetary.
    pub mean: [f64; 3],
    /// Population standard deviation of the same (1 where it was 0).
    pub std: [f64; 3],
}

/// Feature names of the columns [`LogRfmScaler`] produces, in order.
pub const LOG_RFM_COLUMNS: [&str; 3] = ["log1p_recency_days", "log1p_frequency", "log1p_monetary"];

impl LogRfmScaler {
    /// Fits the scaler on the columns and returns the standardised `n × 3`
    /// matrix with it. Errors: different lengths, no rows, a negative
    /// recency or monetary value, a non-finite monetary value.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::LogRfmScaler;
    /// assert!(LogRfmScaler::fit_transform(&[1], &[1], &[-1.0]).is_err());
    /// ```
    pub fn fit_transform(
        recency_days: &[i32],
        frequency: &[u32],
        monetary: &[f64],
    ) -> Result<(Array2<f64>, LogRfmScaler)> {
        let mut x = log_matrix("LogRfmScaler::fit", recency_days, frequency, monetary)?;
        let n = x.nrows() as f64;
        let mut mean = [0.0; 3];
        let mut std = [1.0; 3];
        for (j, col) in x.columns().into_iter().enumerate() {
            let (lo, hi) = col
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            if lo == hi {
                // Constant column: centred exactly, not scaled.
                mean[j] = lo;
                continue;
            }
            let mu = col.sum() / n;
            let sd = (col.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n).sqrt();
            mean[j] = mu;
            // As scikit-learn: a deviation within rounding of 0 is not used.
            std[j] = if sd > 10.0 * f64::EPSILON * mu.abs().max(1.0) {
                sd
            } else {
                1.0
            };
        }
        let scaler = LogRfmScaler { mean, std };
        scaler.standardise(&mut x);
        Ok((x, scaler))
    }

    /// Fits on the customers of `features` (see [`LogRfmScaler::fit_transform`]).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::LogRfmScaler;
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[1u64, 2], &[5, 9], &[1.0, 2.0], None,
    ///     &RfmConfig { as_of: 10, holdout_end: None }).unwrap();
    /// let (x, _) = LogRfmScaler::fit_features(&f).unwrap();
    /// assert_eq!(x.dim(), (2, 3));
    /// ```
    pub fn fit_features<K>(features: &RfmFeatures<K>) -> Result<(Array2<f64>, LogRfmScaler)> {
        if features.customers.is_empty() {
            return Err(no_customers("LogRfmScaler::fit"));
        }
        Self::fit_transform(
            &features.recency_days,
            &features.frequency,
            &features.monetary,
        )
    }

    /// Standardises new customers with the fitted means and deviations.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::LogRfmScaler;
    /// let s = LogRfmScaler { mean: [0.0; 3], std: [1.0; 3] };
    /// let x = s.transform(&[0], &[0], &[0.0]).unwrap();
    /// assert_eq!(x.row(0).to_vec(), vec![0.0, 0.0, 0.0]);
    /// ```
    pub fn transform(
        &self,
        recency_days: &[i32],
        frequency: &[u32],
        monetary: &[f64],
    ) -> Result<Array2<f64>> {
        let mut x = log_matrix("LogRfmScaler::transform", recency_days, frequency, monetary)?;
        self.standardise(&mut x);
        Ok(x)
    }

    fn standardise(&self, x: &mut Array2<f64>) {
        for mut row in x.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - self.mean[j]) / self.std[j];
            }
        }
    }
}

/// The unscaled `n × 3` matrix of `log1p` values, checked.
fn log_matrix(
    op: &'static str,
    recency_days: &[i32],
    frequency: &[u32],
    monetary: &[f64],
) -> Result<Array2<f64>> {
    let n = recency_days.len();
    check_lengths(op, n, frequency.len(), monetary.len())?;
    if let Some(i) = recency_days.iter().position(|&r| r < 0) {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "recency_days at customer {i} is {}; it must be ≥ 0",
                recency_days[i]
            ),
        });
    }
    if let Some(i) = monetary.iter().position(|m| !(m.is_finite() && *m >= 0.0)) {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "monetary at customer {i} is {}; it must be finite and ≥ 0",
                monetary[i]
            ),
        });
    }
    let mut x = Array2::<f64>::zeros((n, 3));
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        row[0] = f64::from(recency_days[i]).ln_1p();
        row[1] = f64::from(frequency[i]).ln_1p();
        row[2] = monetary[i].ln_1p();
    }
    Ok(x)
}

/// What one k-means fit gave: the figures the `segment` example prints per
/// `k`. Scores that are undefined (e.g. one non-empty cluster) are `None`.
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::KMeans;
/// use ua_analytics::segmentation::rfm::KFitSummary;
/// let x = array![[0.0], [0.1], [5.0], [5.1]];
/// let (s, fit) = KFitSummary::evaluate(x.view(), &KMeans::new(2).seed(1), 7).unwrap();
/// assert_eq!((s.k, fit.k()), (2, 2));
/// assert!(s.silhouette.unwrap() > 0.9);
/// assert!((s.inertia - 0.01).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KFitSummary {
    /// Number of clusters.
    pub k: usize,
    /// Sum of squared distances to the nearest centre.
    pub inertia: f64,
    /// Mean silhouette over all rows, or over a seeded sample of
    /// [`SILHOUETTE_MAX_ROWS`] rows when there are more.
    pub silhouette: Option<f64>,
    /// Davies–Bouldin index (lower is better).
    pub davies_bouldin: Option<f64>,
    /// Iterations of the kept k-means run.
    pub iterations: usize,
    /// Wall-clock seconds of the fit (all `n_init` runs, not the scores).
    pub fit_seconds: f64,
}

fn defined(r: Result<f64>) -> Result<Option<f64>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Error::Undefined { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl KFitSummary {
    /// Fits `kmeans` on `x`, times the fit, and computes the scores (the
    /// silhouette sample, when there are more than [`SILHOUETTE_MAX_ROWS`]
    /// rows, is drawn with `silhouette_seed`).
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::KFitSummary;
    /// let x = array![[0.0], [1.0]];
    /// assert!(KFitSummary::evaluate(x.view(), &KMeans::new(3), 0).is_err()); // k > points
    /// ```
    pub fn evaluate(
        x: ArrayView2<'_, f64>,
        kmeans: &KMeans,
        silhouette_seed: u64,
    ) -> Result<(KFitSummary, FittedKMeans<f64>)> {
        let t0 = Instant::now();
        let fit = kmeans.fit(x)?;
        let fit_seconds = t0.elapsed().as_secs_f64();
        let labels = fit.labels();
        let silhouette = defined(silhouette_score_sampled(
            x,
            labels,
            SILHOUETTE_MAX_ROWS,
            silhouette_seed,
        ))?;
        let davies_bouldin = defined(davies_bouldin_score(x, labels))?;
        Ok((
            KFitSummary {
                k: fit.k(),
                inertia: fit.inertia(),
                silhouette,
                davies_bouldin,
                iterations: fit.n_iter(),
                fit_seconds,
            },
            fit,
        ))
    }
}

/// K-means on standardised `log1p(recency, frequency, monetary)` with the
/// clusters renumbered by size: cluster 0 is the largest (ties keep the
/// k-means order). Assigns new customers through the same scaler.
///
/// ```
/// use ua_analytics::segmentation::KMeans;
/// use ua_analytics::segmentation::rfm::RfmKMeans;
/// // Ten frequent big spenders and twenty one-time small buyers.
/// let mut r = vec![2; 10]; r.extend([200; 20]);
/// let mut f = vec![12; 10]; f.extend([1; 20]);
/// let mut m = vec![900.0; 10]; m.extend([15.0; 20]);
/// let seg = RfmKMeans::fit(&r, &f, &m, &KMeans::new(2).seed(3)).unwrap();
/// assert_eq!(seg.sizes, [20, 10]);
/// assert_eq!(seg.labels[0], 1);
/// assert_eq!(seg.assign_columns(&[1], &[20], &[2000.0]).unwrap()[0], 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmKMeans {
    /// The scaler fitted on the training customers.
    pub scaler: LogRfmScaler,
    /// The fitted k-means (with its own cluster numbers).
    pub model: FittedKMeans<f64>,
    /// `relabel[c]` = size rank of k-means cluster `c`.
    pub relabel: Vec<usize>,
    /// Cluster (by size rank) of each training customer.
    pub labels: Vec<usize>,
    /// Size of each cluster, largest first.
    pub sizes: Vec<usize>,
}

impl RfmKMeans {
    /// Standardises the columns with a new [`LogRfmScaler`] and fits `kmeans`.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::RfmKMeans;
    /// assert!(RfmKMeans::fit(&[1, 2], &[1, 1], &[1.0, 2.0], &KMeans::new(5)).is_err());
    /// ```
    pub fn fit(
        recency_days: &[i32],
        frequency: &[u32],
        monetary: &[f64],
        kmeans: &KMeans,
    ) -> Result<Self> {
        let (x, scaler) = LogRfmScaler::fit_transform(recency_days, frequency, monetary)?;
        let model = kmeans.fit(x.view())?;
        Ok(Self::from_fit(scaler, model))
    }

    /// Wraps a k-means model fitted on `scaler`'s output and renumbers its
    /// clusters by size.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmKMeans};
    /// let (x, s) = LogRfmScaler::fit_transform(&[1, 2, 90], &[5, 5, 1], &[9.0, 8.0, 1.0]).unwrap();
    /// let seg = RfmKMeans::from_fit(s, KMeans::new(2).seed(0).fit(x.view()).unwrap());
    /// assert_eq!(seg.labels, [0, 0, 1]);
    /// ```
    pub fn from_fit(scaler: LogRfmScaler, model: FittedKMeans<f64>) -> Self {
        let k = model.k();
        let mut raw_sizes = vec![0usize; k];
        for &l in model.labels() {
            if let Some(s) = raw_sizes.get_mut(l) {
                *s += 1;
            }
        }
        let mut by_size: Vec<usize> = (0..k).collect();
        by_size.sort_by(|&a, &b| raw_sizes[b].cmp(&raw_sizes[a]).then(a.cmp(&b)));
        let mut relabel = vec![0usize; k];
        for (rank, &c) in by_size.iter().enumerate() {
            relabel[c] = rank;
        }
        let labels = model.labels().iter().map(|&l| relabel[l]).collect();
        let sizes = by_size.iter().map(|&c| raw_sizes[c]).collect();
        RfmKMeans {
            scaler,
            model,
            relabel,
            labels,
            sizes,
        }
    }

    /// Number of clusters.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::RfmKMeans;
    /// let seg = RfmKMeans::fit(&[1, 50], &[3, 1], &[9.0, 1.0], &KMeans::new(2)).unwrap();
    /// assert_eq!(seg.k(), 2);
    /// ```
    pub fn k(&self) -> usize {
        self.sizes.len()
    }

    /// Cluster (by size rank) of new customers given by their raw columns.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::RfmKMeans;
    /// let seg = RfmKMeans::fit(&[1, 2, 300], &[9, 8, 1], &[99.0, 90.0, 3.0], &KMeans::new(2).seed(1)).unwrap();
    /// assert_eq!(seg.assign_columns(&[400], &[1], &[2.0]).unwrap()[0], seg.labels[2]);
    /// ```
    pub fn assign_columns(
        &self,
        recency_days: &[i32],
        frequency: &[u32],
        monetary: &[f64],
    ) -> Result<Vec<usize>> {
        let x = self.scaler.transform(recency_days, frequency, monetary)?;
        Ok(self.assign(x.view())?.to_vec())
    }
}

impl Segmenter<ArrayView2<'_, f64>> for RfmKMeans {
    fn n_segments(&self) -> usize {
        self.k()
    }

    /// `x` holds already standardised rows (the output of
    /// [`LogRfmScaler::transform`]); the result uses the size-rank numbers.
    fn assign(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        let raw = self.model.predict(x)?;
        Ok(raw.mapv(|c| self.relabel.get(c).copied().unwrap_or(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn quintiles_of_distinct_values_are_equal_groups() {
        let v: Vec<f64> = (0..10).map(|i| f64::from(i) * 3.0).collect();
        assert_eq!(
            quintile_scores(&v, true).unwrap(),
            [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        );
        assert_eq!(
            quintile_scores(&v, false).unwrap(),
            [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
        );
        // n not a multiple of 5: ranks 0..7 → 1 + ⌊5i/7⌋ = 1 1 2 3 3 4 5
        let v7 = [7.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(quintile_scores(&v7, true).unwrap(), [5, 1, 1, 2, 3, 3, 4]);
    }

    #[test]
    fn ties_share_the_score_of_their_first_rank_and_order_does_not_matter() {
        let a = [2.0, 1.0, 1.0, 6.0, 1.0, 3.0, 1.0, 2.0, 4.0, 1.0];
        let s = quintile_scores(&a, true).unwrap();
        assert_eq!(s, [3, 1, 1, 5, 1, 4, 1, 3, 5, 1]);
        let mut rev = a;
        rev.reverse();
        let mut s_rev = quintile_scores(&rev, true).unwrap();
        s_rev.reverse();
        assert_eq!(s, s_rev);
        // all equal: everybody scores 1
        assert_eq!(quintile_scores(&[4.0; 6], true).unwrap(), [1; 6]);
        assert_eq!(quintile_scores(&[4.0; 6], false).unwrap(), [1; 6]);
    }

    #[test]
    fn quintile_errors() {
        assert!(matches!(
            quintile_scores(&[], true),
            Err(Error::Empty { .. })
        ));
        let e = quintile_scores(&[1.0, f64::NAN], true).unwrap_err();
        assert!(e.to_string().contains("position 1"), "{e}");
    }

    #[test]
    fn every_score_pair_has_exactly_one_segment_as_in_the_table() {
        // The grid of the module docs, rows R = 5..1, columns F = 1..5.
        use RfmSegment::*;
        let grid = [
            [
                NewCustomers,
                PotentialLoyalists,
                PotentialLoyalists,
                Champions,
                Champions,
            ],
            [
                Promising,
                PotentialLoyalists,
                PotentialLoyalists,
                LoyalCustomers,
                LoyalCustomers,
            ],
            [
                AboutToSleep,
                AboutToSleep,
                NeedAttention,
                LoyalCustomers,
                LoyalCustomers,
            ],
            [Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
            [Lost, Hibernating, AtRisk, AtRisk, CantLoseThem],
        ];
        let mut count = [0usize; 11];
        for r in 1..=5u8 {
            for f in 1..=5u8 {
                let s = RfmSegment::from_scores(r, f).unwrap();
                assert_eq!(s, grid[usize::from(5 - r)][usize::from(f - 1)], "R{r} F{f}");
                // The rule text names this pair (checked by parsing it).
                assert!(
                    rule_matches(s.rule(), r, f),
                    "{s}: {} vs R{r} F{f}",
                    s.rule()
                );
                // And no other segment's rule does.
                for other in RfmSegment::ALL {
                    if other != s {
                        assert!(
                            !rule_matches(other.rule(), r, f),
                            "{other} also claims R{r} F{f}"
                        );
                    }
                }
                count[s.index()] += 1;
            }
        }
        assert_eq!(count.iter().sum::<usize>(), 25);
        assert!(
            count.iter().all(|&c| c > 0),
            "every segment is used: {count:?}"
        );
        assert_eq!(count, [2, 4, 4, 1, 1, 1, 2, 4, 2, 3, 1]);
        for (i, s) in RfmSegment::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        assert!(RfmSegment::from_scores(6, 1).is_err());
        assert!(RfmSegment::from_scores(1, 0).is_err());
    }

    /// Parses "R a-b, F c-d[ except R x F y]".
    fn rule_matches(rule: &str, r: u8, f: u8) -> bool {
        let range = |s: &str| -> (u8, u8) {
            let mut it = s.split('-').map(|p| p.trim().parse::<u8>().unwrap());
            let lo = it.next().unwrap();
            (lo, it.next().unwrap_or(lo))
        };
        let (main, except) = match rule.split_once(" except ") {
            Some((m, e)) => (m, Some(e)),
            None => (rule, None),
        };
        let (rp, fp) = main.split_once(", ").unwrap();
        let (rl, rh) = range(rp.trim_start_matches("R "));
        let (fl, fh) = range(fp.trim_start_matches("F "));
        let inside = (rl..=rh).contains(&r) && (fl..=fh).contains(&f);
        let excluded = except.is_some_and(|e| {
            let (er, ef) = e.split_once(" F ").unwrap();
            er.trim_start_matches("R ").parse::<u8>().unwrap() == r
                && ef.parse::<u8>().unwrap() == f
        });
        inside && !excluded
    }

    #[test]
    fn serde_names_and_codes() {
        let j = serde_json::to_string(&RfmSegment::CantLoseThem).unwrap();
        assert_eq!(j, "\"Can't Lose Them\"");
        let back: RfmSegment = serde_json::from_str("\"About to Sleep\"").unwrap();
        assert_eq!(back, RfmSegment::AboutToSleep);
        let s = RfmScores {
            r: vec![1, 5],
            f: vec![2, 5],
            m: vec![3, 1],
        };
        assert_eq!(s.codes(), [123, 551]);
    }

    #[test]
    fn scaler_uses_population_std_and_survives_constant_columns() {
        let (x, s) = LogRfmScaler::fit_transform(&[0, 0, 0], &[1, 3, 7], &[5.0, 5.0, 5.0]).unwrap();
        // constant recency and monetary: centred only.
        assert_eq!(s.std[0], 1.0);
        assert_eq!(s.std[2], 1.0);
        assert_relative_eq!(s.mean[2], 6f64.ln());
        let lf = [2f64.ln(), 4f64.ln(), 8f64.ln()];
        let mu = lf.iter().sum::<f64>() / 3.0;
        let sd = (lf.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / 3.0).sqrt();
        assert_relative_eq!(s.mean[1], mu, epsilon = 1e-12);
        assert_relative_eq!(s.std[1], sd, epsilon = 1e-12);
        for i in 0..3 {
            assert_eq!(x[[i, 0]], 0.0);
            assert_eq!(x[[i, 2]], 0.0);
            assert_relative_eq!(x[[i, 1]], (lf[i] - mu) / sd, epsilon = 1e-12);
        }
        let again = s
            .transform(&[0, 0, 0], &[1, 3, 7], &[5.0, 5.0, 5.0])
            .unwrap();
        assert_eq!(again, x);
        assert!(LogRfmScaler::fit_transform(&[-1], &[1], &[1.0]).is_err());
        assert!(LogRfmScaler::fit_transform(&[1], &[1], &[f64::INFINITY]).is_err());
        assert!(LogRfmScaler::fit_transform(&[1, 2], &[1], &[1.0]).is_err());
        assert!(LogRfmScaler::fit_transform(&[], &[], &[]).is_err());
    }

    #[test]
    fn kmeans_on_rfm_finds_planted_groups_and_numbers_them_by_size() {
        // 30 lapsed one-timers, 20 regulars, 10 recent big spenders.
        let mut r = Vec::new();
        let mut f = Vec::new();
        let mut m = Vec::new();
        for i in 0..30 {
            r.push(300 + i);
            f.push(1);
            m.push(10.0 + f64::from(i % 3));
        }
        for i in 0..20 {
            r.push(40 + i);
            f.push(4 + (i as u32 % 2));
            m.push(120.0 + f64::from(i));
        }
        for i in 0..10 {
            r.push(i % 3);
            f.push(20 + i as u32);
            m.push(2000.0 + f64::from(i) * 10.0);
        }
        let seg = RfmKMeans::fit(&r, &f, &m, &KMeans::new(3).n_init(5).seed(11)).unwrap();
        assert_eq!(seg.sizes, [30, 20, 10]);
        assert_eq!(&seg.labels[..30], &[0; 30]);
        assert_eq!(&seg.labels[30..50], &[1; 20]);
        assert_eq!(&seg.labels[50..], &[2; 10]);
        assert_eq!(seg.n_segments(), 3);
        let (x, _) = LogRfmScaler::fit_transform(&r, &f, &m).unwrap();
        let again = seg.assign(x.view()).unwrap();
        assert_eq!(again.to_vec(), seg.labels);
        let (summary, _) = KFitSummary::evaluate(x.view(), &KMeans::new(3).seed(11), 1).unwrap();
        assert!(summary.silhouette.unwrap() > 0.7, "{summary:?}");
        assert!(summary.davies_bouldin.unwrap() < 0.5, "{summary:?}");
        assert!(summary.fit_seconds >= 0.0 && summary.iterations >= 1);
    }
}
