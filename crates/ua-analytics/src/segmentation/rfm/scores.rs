//! Rank-quintile R, F and M scores (1–5) of customers.

use serde::{Deserialize, Serialize};
use ua_data::features::rfm::RfmFeatures;

use super::named_segments::RfmSegment;
use crate::{Error, Result};

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

pub(crate) fn check_lengths(op: &'static str, r: usize, f: usize, m: usize) -> Result<()> {
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

pub(crate) fn no_customers(op: &'static str) -> Error {
    Error::InvalidArgument {
        op,
        message: "no customer has a purchase on or before the as-of date \
                  (is the as-of date before the first purchase?)"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn codes_and_lengths() {
        let s = RfmScores {
            r: vec![1, 5],
            f: vec![2, 5],
            m: vec![3, 1],
        };
        assert_eq!(s.codes(), [123, 551]);
        assert_eq!((s.len(), s.is_empty()), (2, false));
        let e = RfmScores::from_columns(&[1, 2], &[1, 2], &[1.0]).unwrap_err();
        assert!(e.to_string().contains("lengths 2, 2, 1"), "{e}");
        assert!(RfmScores::from_columns(&[1], &[1, 2], &[1.0]).is_err());
        assert!(matches!(
            RfmScores::from_columns(&[], &[], &[]),
            Err(Error::Empty { .. })
        ));
    }
}
