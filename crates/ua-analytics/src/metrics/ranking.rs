//! Ranking metrics for recommenders, per user and averaged over users:
//! precision@k, recall@k, NDCG@k, average precision@k (MAP@k) and hit
//! rate@k, with binary relevance.
//!
//! Definitions and rules: see [`RankingMetrics`].

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// All ranking metrics of one user at one cut-off k.
///
/// A user is described by a *ranked list* of item indices (best first, as a
/// [`crate::Recommender`] returns them) and the *relevant* items (e.g. the
/// items the user bought in the test period). Definitions, with
/// h = number of relevant items among the first min(k, list length) and
/// R = number of relevant items:
///
/// | metric | value |
/// | --- | --- |
/// | precision@k | h / k — the denominator is k even when the list is shorter (missing slots count as misses) |
/// | recall@k | h / R |
/// | NDCG@k | DCG / IDCG, DCG = Σ_{i ≤ k, item i relevant} 1 / log₂(i + 1), IDCG = Σ_{i ≤ min(k, R)} 1 / log₂(i + 1) |
/// | AP@k | Σ_{i ≤ k, item i relevant} (hits in the first i) / i, divided by min(k, R) |
/// | hit rate@k | 1 if h > 0, else 0 |
///
/// Rules: `k = 0` is an error; a ranked list with a repeated item, or a
/// relevant set with a repeated item, is an error naming the user and the
/// item; `k` larger than the list is allowed (see precision@k). A user with
/// no relevant items has undefined recall, NDCG and AP, so the per-user
/// functions return [`Error::Undefined`] for them and
/// [`mean_ranking_metrics`] skips them, reporting how many it skipped.
///
/// ```
/// use ua_analytics::metrics::ranking_metrics_at_k;
/// let m = ranking_metrics_at_k(&[7, 3, 9], &[3], 3).unwrap();
/// assert_eq!((m.hits, m.precision, m.recall, m.hit), (1, 1.0 / 3.0, 1.0, 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankingMetrics {
    /// Relevant items among the first min(k, list length) of the list.
    pub hits: usize,
    /// hits / k.
    pub precision: f64,
    /// hits / number of relevant items.
    pub recall: f64,
    /// Normalised discounted cumulative gain at k.
    pub ndcg: f64,
    /// Average precision at k.
    pub average_precision: f64,
    /// 1.0 if any relevant item is in the first k, else 0.0.
    pub hit: f64,
}

/// Reusable buffers so that averaging over many users allocates once.
#[derive(Default)]
struct Scratch {
    relevant: Vec<usize>,
    ranked: Vec<usize>,
}

fn evaluate(
    op: &'static str,
    user: Option<usize>,
    ranked: &[usize],
    relevant: &[usize],
    k: usize,
    scratch: &mut Scratch,
) -> Result<Option<RankingMetrics>> {
    let who = || user.map_or_else(String::new, |u| format!("user {u}: "));
    // Duplicates in either list make every metric ambiguous.
    for (name, list, buf) in [
        ("ranked list", ranked, &mut scratch.ranked),
        ("relevant items", relevant, &mut scratch.relevant),
    ] {
        buf.clear();
        buf.extend_from_slice(list);
        buf.sort_unstable();
        if let Some(w) = buf.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "{}item {} appears more than once in the {name}",
                    who(),
                    w[0]
                ),
            });
        }
    }
    if relevant.is_empty() {
        return Ok(None);
    }
    let rel = &scratch.relevant; // sorted
    let n_rel = rel.len();
    let (mut hits, mut dcg, mut ap_sum) = (0usize, 0.0f64, 0.0f64);
    for (i, item) in ranked.iter().take(k).enumerate() {
        if rel.binary_search(item).is_ok() {
            hits += 1;
            let rank = (i + 1) as f64;
            dcg += 1.0 / (rank + 1.0).log2();
            ap_sum += hits as f64 / rank;
        }
    }
    let ideal = k.min(n_rel);
    let idcg: f64 = (1..=ideal).map(|r| 1.0 / (r as f64 + 1.0).log2()).sum();
    Ok(Some(RankingMetrics {
        hits,
        precision: hits as f64 / k as f64,
        recall: hits as f64 / n_rel as f64,
        ndcg: dcg / idcg,
        average_precision: ap_sum / ideal as f64,
        hit: if hits > 0 { 1.0 } else { 0.0 },
    }))
}

fn check_k(op: &'static str, k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidArgument {
            op,
            message: "k = 0; the cut-off must be at least 1".into(),
        });
    }
    Ok(())
}

/// Precision, recall, NDCG, AP and hit at cut-off `k` for one user (see the
/// definitions in the module docs of [`crate::metrics`] and above).
///
/// Errors: `k == 0` or a repeated item in `ranked` or `relevant`
/// ([`Error::InvalidArgument`]); `relevant` empty ([`Error::Undefined`]).
///
/// ```
/// use ua_analytics::metrics::ranking_metrics_at_k;
/// // ranked [1, 2, 3, 4], relevant {2, 4, 5}, k = 3: one hit at rank 2
/// let m = ranking_metrics_at_k(&[1, 2, 3, 4], &[2, 4, 5], 3).unwrap();
/// assert_eq!(m.precision, 1.0 / 3.0);
/// assert_eq!(m.recall, 1.0 / 3.0);
/// assert_eq!(m.average_precision, 0.5 / 3.0); // (1/2) / min(3, 3)
/// ```
pub fn ranking_metrics_at_k(
    ranked: &[usize],
    relevant: &[usize],
    k: usize,
) -> Result<RankingMetrics> {
    const OP: &str = "ranking_metrics_at_k";
    check_k(OP, k)?;
    evaluate(OP, None, ranked, relevant, k, &mut Scratch::default())?.ok_or_else(|| {
        Error::Undefined {
            op: OP,
            message: "the user has no relevant items; recall, NDCG and AP divide by their number"
                .into(),
        }
    })
}

/// precision@k = (relevant items in the first k) / k for one user. Errors as
/// [`ranking_metrics_at_k`].
///
/// ```
/// use ua_analytics::metrics::precision_at_k;
/// // 2 of the first 4 are relevant; k = 5 > list length still divides by 5
/// assert_eq!(precision_at_k(&[1, 2, 3, 4], &[2, 4, 9], 4).unwrap(), 0.5);
/// assert_eq!(precision_at_k(&[1, 2, 3, 4], &[2, 4, 9], 5).unwrap(), 0.4);
/// ```
pub fn precision_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> Result<f64> {
    Ok(ranking_metrics_at_k(ranked, relevant, k)?.precision)
}

/// recall@k = (relevant items in the first k) / (number of relevant items)
/// for one user. Errors as [`ranking_metrics_at_k`].
///
/// ```
/// use ua_analytics::metrics::recall_at_k;
/// assert_eq!(recall_at_k(&[1, 2, 3, 4], &[2, 4, 9, 8], 4).unwrap(), 0.5);
/// ```
pub fn recall_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> Result<f64> {
    Ok(ranking_metrics_at_k(ranked, relevant, k)?.recall)
}

/// NDCG@k with binary relevance and a log₂(rank + 1) discount; the ideal
/// DCG places min(k, number of relevant) relevant items first. Errors as
/// [`ranking_metrics_at_k`].
///
/// ```
/// use ua_analytics::metrics::ndcg_at_k;
/// // hit at rank 2 only: DCG = 1/log₂3; ideal (1 relevant) = 1/log₂2 = 1
/// let n = ndcg_at_k(&[5, 6, 7], &[6], 3).unwrap();
/// assert!((n - 1.0 / 3f64.log2()).abs() < 1e-15);
/// ```
pub fn ndcg_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> Result<f64> {
    Ok(ranking_metrics_at_k(ranked, relevant, k)?.ndcg)
}

/// Average precision@k: the mean of precision@i over the ranks i ≤ k that
/// hold a relevant item, divided by min(k, number of relevant) (so a list
/// that finds every reachable relevant item first scores 1). Errors as
/// [`ranking_metrics_at_k`].
///
/// ```
/// use ua_analytics::metrics::average_precision_at_k;
/// // hits at ranks 1 and 3: (1/1 + 2/3) / min(3, 2) = 5/6
/// let ap = average_precision_at_k(&[4, 5, 6], &[4, 6], 3).unwrap();
/// assert!((ap - 5.0 / 6.0).abs() < 1e-15);
/// ```
pub fn average_precision_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> Result<f64> {
    Ok(ranking_metrics_at_k(ranked, relevant, k)?.average_precision)
}

/// Hit rate@k for one user: 1.0 if any relevant item is in the first k, else
/// 0.0. Errors as [`ranking_metrics_at_k`].
///
/// ```
/// use ua_analytics::metrics::hit_rate_at_k;
/// assert_eq!(hit_rate_at_k(&[4, 5, 6], &[6], 2).unwrap(), 0.0);
/// assert_eq!(hit_rate_at_k(&[4, 5, 6], &[6], 3).unwrap(), 1.0);
/// ```
pub fn hit_rate_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> Result<f64> {
    Ok(ranking_metrics_at_k(ranked, relevant, k)?.hit)
}

/// Ranking metrics averaged over users (each user weighs the same).
///
/// ```
/// use ua_analytics::metrics::mean_ranking_metrics;
/// let users: [(&[usize], &[usize]); 2] = [(&[1, 2], &[1]), (&[3, 4], &[])];
/// let s = mean_ranking_metrics(users, 2).unwrap();
/// assert_eq!((s.users_evaluated, s.users_skipped, s.precision), (1, 1, 0.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankingSummary {
    /// The cut-off.
    pub k: usize,
    /// Users that entered the means.
    pub users_evaluated: usize,
    /// Users skipped because they have no relevant items.
    pub users_skipped: usize,
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// MAP@k: mean average precision@k.
    pub map: f64,
    /// Fraction of evaluated users with at least one hit in the first k.
    pub hit_rate: f64,
}

/// Means of the per-user metrics over `users`, an iterator of
/// `(ranked list, relevant items)` pairs. Users with no relevant items are
/// skipped and counted in [`RankingSummary::users_skipped`].
///
/// Errors: `k == 0`, or a repeated item in some user's lists
/// ([`Error::InvalidArgument`], naming the user's position in the
/// iterator); no users ([`Error::Empty`]); every user skipped
/// ([`Error::Undefined`]).
///
/// ```
/// use ua_analytics::metrics::mean_ranking_metrics;
/// let ranked = [vec![1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]];
/// let relevant = [vec![2], vec![9], vec![]];
/// let users = ranked.iter().zip(&relevant).map(|(r, t)| (r.as_slice(), t.as_slice()));
/// let s = mean_ranking_metrics(users, 3).unwrap();
/// assert_eq!((s.users_evaluated, s.users_skipped), (2, 1));
/// assert_eq!(s.hit_rate, 0.5);
/// assert_eq!(s.precision, (1.0 / 3.0 + 0.0) / 2.0);
/// ```
pub fn mean_ranking_metrics<'a, I>(users: I, k: usize) -> Result<RankingSummary>
where
    I: IntoIterator<Item = (&'a [usize], &'a [usize])>,
{
    const OP: &str = "mean_ranking_metrics";
    check_k(OP, k)?;
    let mut scratch = Scratch::default();
    let (mut seen, mut evaluated) = (0usize, 0usize);
    let mut sums = [0.0f64; 5];
    for (u, (ranked, relevant)) in users.into_iter().enumerate() {
        seen += 1;
        if let Some(m) = evaluate(OP, Some(u), ranked, relevant, k, &mut scratch)? {
            evaluated += 1;
            for (s, v) in
                sums.iter_mut()
                    .zip([m.precision, m.recall, m.ndcg, m.average_precision, m.hit])
            {
                *s += v;
            }
        }
    }
    if seen == 0 {
        return Err(Error::Empty { op: OP });
    }
    if evaluated == 0 {
        return Err(Error::Undefined {
            op: OP,
            message: format!("none of the {seen} users has a relevant item"),
        });
    }
    let d = evaluated as f64;
    Ok(RankingSummary {
        k,
        users_evaluated: evaluated,
        users_skipped: seen - evaluated,
        precision: sums[0] / d,
        recall: sums[1] / d,
        ndcg: sums[2] / d,
        map: sums[3] / d,
        hit_rate: sums[4] / d,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn l2(x: f64) -> f64 {
        x.log2()
    }

    #[test]
    fn one_user_hand_computed() {
        // ranked: 10 11 12 13 14 ; relevant {11, 14, 20, 21}; k = 5
        // hits at ranks 2 and 5 → h = 2
        // precision = 2/5 = 0.4 (NOT 2/4 = recall, the classic mix-up)
        // recall = 2/4 = 0.5
        // DCG = 1/log2(3) + 1/log2(6); IDCG = min(5,4)=4 terms: 1 + 1/log2 3 + 1/log2 4 + 1/log2 5
        // AP = (1/2 + 2/5) / min(5, 4) = 0.9/4 = 0.225
        let m = ranking_metrics_at_k(&[10, 11, 12, 13, 14], &[21, 14, 20, 11], 5).unwrap();
        assert_eq!(m.hits, 2);
        assert_abs_diff_eq!(m.precision, 0.4);
        assert_abs_diff_eq!(m.recall, 0.5);
        let dcg = 1.0 / l2(3.0) + 1.0 / l2(6.0);
        let idcg = 1.0 + 1.0 / l2(3.0) + 0.5 + 1.0 / l2(5.0);
        assert_abs_diff_eq!(m.ndcg, dcg / idcg, epsilon = 1e-15);
        assert_abs_diff_eq!(m.average_precision, 0.225, epsilon = 1e-15);
        assert_eq!(m.hit, 1.0);
    }

    #[test]
    fn precision_is_not_recall() {
        // 1 relevant item, found at rank 1 of k = 4: precision 1/4, recall 1
        let m = ranking_metrics_at_k(&[3, 1, 2, 0], &[3], 4).unwrap();
        assert_eq!((m.precision, m.recall), (0.25, 1.0));
        // 10 relevant items, 2 found in k = 2: precision 1, recall 0.2
        let rel: Vec<usize> = (0..10).collect();
        let m = ranking_metrics_at_k(&[0, 1], &rel, 2).unwrap();
        assert_eq!((m.precision, m.recall), (1.0, 0.2));
        // NDCG and AP are 1: the ideal list has only k = 2 slots
        assert_abs_diff_eq!(m.ndcg, 1.0);
        assert_abs_diff_eq!(m.average_precision, 1.0);
    }

    #[test]
    fn k_beyond_the_list_and_cut_off() {
        // list of 2 with k = 4: the hit at rank 2 counts, precision divides by 4
        let m = ranking_metrics_at_k(&[5, 6], &[6, 7], 4).unwrap();
        assert_eq!((m.hits, m.precision, m.recall), (1, 0.25, 0.5));
        // IDCG over min(4, 2) = 2 slots: 1 + 1/log2 3; DCG = 1/log2 3
        assert_abs_diff_eq!(
            m.ndcg,
            (1.0 / l2(3.0)) / (1.0 + 1.0 / l2(3.0)),
            epsilon = 1e-15
        );
        // AP = (1/2) / min(4, 2) = 0.25
        assert_abs_diff_eq!(m.average_precision, 0.25);
        // items beyond k do not count
        let m = ranking_metrics_at_k(&[5, 6, 7], &[7], 2).unwrap();
        assert_eq!(
            (m.hits, m.hit, m.ndcg, m.average_precision),
            (0, 0.0, 0.0, 0.0)
        );
        // empty list: a miss, not an error
        let m = ranking_metrics_at_k(&[], &[7], 3).unwrap();
        assert_eq!((m.hits, m.precision), (0, 0.0));
    }

    #[test]
    fn errors() {
        let e = ranking_metrics_at_k(&[1, 2, 1], &[1], 2).unwrap_err();
        assert!(
            e.to_string()
                .contains("item 1 appears more than once in the ranked list"),
            "{e}"
        );
        let e = ranking_metrics_at_k(&[1, 2], &[4, 4], 2).unwrap_err();
        assert!(e.to_string().contains("relevant items"), "{e}");
        assert!(matches!(
            ranking_metrics_at_k(&[1], &[1], 0),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            ranking_metrics_at_k(&[1], &[], 1),
            Err(Error::Undefined { .. })
        ));
        let users: [(&[usize], &[usize]); 2] = [(&[1, 2], &[2]), (&[3, 3], &[3])];
        let e = mean_ranking_metrics(users, 2).unwrap_err();
        assert!(e.to_string().contains("user 1: item 3"), "{e}");
        let none: [(&[usize], &[usize]); 0] = [];
        assert!(matches!(
            mean_ranking_metrics(none, 2),
            Err(Error::Empty { .. })
        ));
        let skipped: [(&[usize], &[usize]); 1] = [(&[1], &[])];
        assert!(matches!(
            mean_ranking_metrics(skipped, 2),
            Err(Error::Undefined { .. })
        ));
    }

    #[test]
    fn mean_over_users_hand_computed() {
        // k = 2
        // user 0: [1, 2], rel {2}     → P 1/2, R 1, NDCG (1/log2 3)/1, AP (1/2)/1, hit 1
        // user 1: [3, 4], rel {3, 4}  → P 1,   R 1, NDCG 1,            AP 1,       hit 1
        // user 2: [5, 6], rel {}      → skipped
        // user 3: [7, 8], rel {9}     → P 0,   R 0, NDCG 0,            AP 0,       hit 0
        let users: [(&[usize], &[usize]); 4] = [
            (&[1, 2], &[2]),
            (&[3, 4], &[3, 4]),
            (&[5, 6], &[]),
            (&[7, 8], &[9]),
        ];
        let s = mean_ranking_metrics(users, 2).unwrap();
        assert_eq!((s.k, s.users_evaluated, s.users_skipped), (2, 3, 1));
        assert_abs_diff_eq!(s.precision, 1.5 / 3.0);
        assert_abs_diff_eq!(s.recall, 2.0 / 3.0);
        assert_abs_diff_eq!(s.ndcg, (1.0 / l2(3.0) + 1.0) / 3.0, epsilon = 1e-15);
        assert_abs_diff_eq!(s.map, 1.5 / 3.0);
        assert_abs_diff_eq!(s.hit_rate, 2.0 / 3.0);
    }

    #[test]
    fn single_metric_functions_agree() {
        let (r, t, k) = (&[9usize, 4, 7, 1][..], &[1usize, 7][..], 3);
        let m = ranking_metrics_at_k(r, t, k).unwrap();
        assert_eq!(precision_at_k(r, t, k).unwrap(), m.precision);
        assert_eq!(recall_at_k(r, t, k).unwrap(), m.recall);
        assert_eq!(ndcg_at_k(r, t, k).unwrap(), m.ndcg);
        assert_eq!(
            average_precision_at_k(r, t, k).unwrap(),
            m.average_precision
        );
        assert_eq!(hit_rate_at_k(r, t, k).unwrap(), m.hit);
        // hit at rank 3 only: P 1/3, R 1/2, AP (1/3)/2
        assert_abs_diff_eq!(m.precision, 1.0 / 3.0);
        assert_abs_diff_eq!(m.average_precision, 1.0 / 6.0);
    }

    #[test]
    fn single_metric_functions_on_a_miss() {
        // Relevant item 6 at rank 3, cut off at k = 2: every metric is 0.
        let (r, t) = (&[4usize, 5, 6][..], &[6usize][..]);
        assert_eq!(hit_rate_at_k(r, t, 2).unwrap(), 0.0);
        assert_eq!(precision_at_k(r, t, 2).unwrap(), 0.0);
        assert_eq!(recall_at_k(r, t, 2).unwrap(), 0.0);
        assert_eq!(ndcg_at_k(r, t, 2).unwrap(), 0.0);
        assert_eq!(average_precision_at_k(r, t, 2).unwrap(), 0.0);
        // At k = 3 the hit counts: hit 1, P 1/3, R 1, NDCG 1/log2 4, AP 1/3.
        assert_eq!(hit_rate_at_k(r, t, 3).unwrap(), 1.0);
        assert_abs_diff_eq!(precision_at_k(r, t, 3).unwrap(), 1.0 / 3.0);
        assert_eq!(recall_at_k(r, t, 3).unwrap(), 1.0);
        assert_abs_diff_eq!(ndcg_at_k(r, t, 3).unwrap(), 0.5);
        assert_abs_diff_eq!(average_precision_at_k(r, t, 3).unwrap(), 1.0 / 3.0);
        for f in [
            precision_at_k,
            recall_at_k,
            ndcg_at_k,
            average_precision_at_k,
            hit_rate_at_k,
        ] {
            assert!(matches!(f(r, &[], 2), Err(Error::Undefined { .. })));
            assert!(matches!(f(r, t, 0), Err(Error::InvalidArgument { .. })));
        }
    }
}
