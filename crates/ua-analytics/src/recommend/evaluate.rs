//! Scoring a fitted recommender on held-out interactions.

use serde::{Deserialize, Serialize};
use ua_tensor::sparse::CsrMatrix;

use super::Filter;
use crate::metrics::{RankingSummary, mean_ranking_metrics};
use crate::traits::Recommender;
use crate::{Error, Result};

/// Ranking quality of a recommender on held-out interactions.
///
/// ```
/// use ua_analytics::recommend::{evaluate, Popularity};
/// use ua_analytics::RecommenderModel;
/// use ua_tensor::sparse::CsrMatrix;
/// let train = CsrMatrix::from_triplets(2, 3, &[0, 1], &[0, 0], &[1.0f32, 1.0]).unwrap();
/// let model = Popularity::new().fit(&train).unwrap();
/// let test = CsrMatrix::from_triplets(2, 3, &[0], &[1], &[1.0f32]).unwrap();
/// let r = evaluate(&model, &test, 2).unwrap();
/// // User 0 gets [1, 2] (item 0 is theirs): the hit is at rank 1.
/// assert_eq!((r.ranking.users_evaluated, r.users_without_test_items, r.mrr), (1, 1, 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecommendationReport {
    /// Precision, recall, NDCG, MAP and hit rate at k over the evaluated users.
    pub ranking: RankingSummary,
    /// Mean reciprocal rank of the first held-out item within the top k (0 when none).
    pub mrr: f64,
    /// Share of the catalogue recommended to at least one evaluated user.
    pub coverage: f64,
    /// Users (rows of the test matrix) with no held-out item: not evaluated.
    pub users_without_test_items: usize,
}

/// Recommends `k` items to every user with held-out interactions in `test`
/// (users × items, the model's indices), leaving out each user's training
/// items, and scores the lists against the held-out items.
///
/// Errors: `k = 0`; a test matrix whose shape is not the model's users ×
/// items; no user with a held-out item ([`Error::Undefined`]).
pub fn evaluate<R: Recommender + ?Sized>(
    model: &R,
    test: &CsrMatrix<f32>,
    k: usize,
) -> Result<RecommendationReport> {
    const OP: &str = "evaluate recommender";
    if test.shape() != (model.n_users(), model.n_items()) {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!(
                "the test matrix is {} × {}, the model knows {} users × {} items; build it with the training id maps",
                test.n_rows(),
                test.n_cols(),
                model.n_users(),
                model.n_items()
            ),
        });
    }
    let users: Vec<usize> = (0..test.n_rows())
        .filter(|&u| test.row_nnz(u).unwrap_or(0) > 0)
        .collect();
    let without = test.n_rows() - users.len();
    if users.is_empty() {
        return Err(Error::Undefined {
            op: OP,
            message: format!(
                "none of the {} users of the test matrix has a held-out item; nothing to evaluate \
                 (users need enough interactions to be split)",
                test.n_rows()
            ),
        });
    }
    let lists = model.recommend_batch(&users, k, &Filter::exclude_seen())?;
    let ranked: Vec<Vec<usize>> = lists
        .iter()
        .map(|l| l.iter().map(|&(i, _)| i).collect())
        .collect();
    let relevant: Vec<Vec<usize>> = users
        .iter()
        .map(|&u| {
            test.row(u)
                .map(|(items, _)| items.iter().map(|&i| i as usize).collect())
                .unwrap_or_default()
        })
        .collect();
    let ranking = mean_ranking_metrics(
        ranked
            .iter()
            .zip(&relevant)
            .map(|(r, t)| (r.as_slice(), t.as_slice())),
        k,
    )?;
    let mut recommended = vec![false; model.n_items()];
    let mut rr = 0.0;
    for (r, t) in ranked.iter().zip(&relevant) {
        if let Some(pos) = r.iter().position(|i| t.binary_search(i).is_ok()) {
            rr += 1.0 / (pos + 1) as f64;
        }
        for &i in r {
            recommended[i] = true;
        }
    }
    Ok(RecommendationReport {
        ranking: RankingSummary {
            users_skipped: ranking.users_skipped + without,
            ..ranking
        },
        mrr: rr / users.len() as f64,
        coverage: recommended.iter().filter(|&&r| r).count() as f64 / model.n_items() as f64,
        users_without_test_items: without,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::Popularity;
    use crate::traits::RecommenderModel;
    use approx::assert_abs_diff_eq;

    /// 3 users × 4 items. Training: user 0 has item 0, user 1 items 0–1,
    /// user 2 items 0–2, so popularity ranks 0 (3 users), 1 (2), 2 (1), 3 (0).
    fn fitted() -> crate::recommend::FittedPopularity {
        let train =
            CsrMatrix::from_triplets(3, 4, &[0, 1, 1, 2, 2, 2], &[0, 0, 1, 0, 1, 2], &[1.0f32; 6])
                .unwrap();
        Popularity::new().fit(&train).unwrap()
    }

    #[test]
    fn report_hand_computed_with_a_user_without_test_items() {
        // Test: user 0 → item 2, user 1 → nothing, user 2 → item 3. k = 2:
        // user 0 gets [1, 2] (hit at rank 2), user 2 gets [3] (hit at rank 1).
        let test = CsrMatrix::from_triplets(3, 4, &[0, 2], &[2, 3], &[1.0f32, 1.0]).unwrap();
        let r = evaluate(&fitted(), &test, 2).unwrap();
        assert_eq!(r.users_without_test_items, 1);
        assert_eq!((r.ranking.users_evaluated, r.ranking.users_skipped), (2, 1));
        assert_eq!(r.ranking.k, 2);
        // precision: (1/2 + 1/2) / 2; recall 1 each; hit rate 1.
        assert_abs_diff_eq!(r.ranking.precision, 0.5);
        assert_abs_diff_eq!(r.ranking.recall, 1.0);
        assert_abs_diff_eq!(r.ranking.hit_rate, 1.0);
        // NDCG: user 0 1/log2(3), user 2 1.
        assert_abs_diff_eq!(
            r.ranking.ndcg,
            (1.0 / 3f64.log2() + 1.0) / 2.0,
            epsilon = 1e-12
        );
        // MRR = (1/2 + 1/1) / 2; coverage: items 1, 2, 3 of 4.
        assert_abs_diff_eq!(r.mrr, 0.75);
        assert_abs_diff_eq!(r.coverage, 0.75);
    }

    #[test]
    fn misses_count_zero_in_mrr_and_coverage_counts_each_item_once() {
        // k = 1: user 0 gets [1] (miss: wants 3), user 1 gets [2] (miss: wants 3),
        // user 2 gets [3] (hit at rank 1).
        let test =
            CsrMatrix::from_triplets(3, 4, &[0, 1, 2], &[3, 3, 3], &[1.0f32, 1.0, 1.0]).unwrap();
        let r = evaluate(&fitted(), &test, 1).unwrap();
        assert_eq!(
            (r.users_without_test_items, r.ranking.users_skipped),
            (0, 0)
        );
        assert_abs_diff_eq!(r.mrr, 1.0 / 3.0);
        assert_abs_diff_eq!(r.ranking.hit_rate, 1.0 / 3.0);
        assert_abs_diff_eq!(r.coverage, 3.0 / 4.0);
        // Only user 0: its one recommendation covers 1 of 4 items.
        let test = CsrMatrix::from_triplets(3, 4, &[0], &[1], &[1.0f32]).unwrap();
        let r = evaluate(&fitted(), &test, 1).unwrap();
        assert_eq!(
            (r.users_without_test_items, r.ranking.users_evaluated),
            (2, 1)
        );
        assert_abs_diff_eq!(r.coverage, 0.25);
        assert_abs_diff_eq!(r.mrr, 1.0);
    }

    #[test]
    fn bad_input_is_an_error_naming_the_problem() {
        let model = fitted();
        // A test matrix in another index space.
        let test = CsrMatrix::from_triplets(2, 4, &[0], &[1], &[1.0f32]).unwrap();
        let e = evaluate(&model, &test, 2).unwrap_err().to_string();
        assert!(
            e.contains("2 × 4") && e.contains("3 users × 4 items") && e.contains("id maps"),
            "{e}"
        );
        let test = CsrMatrix::from_triplets(3, 5, &[0], &[1], &[1.0f32]).unwrap();
        let e = evaluate(&model, &test, 2).unwrap_err().to_string();
        assert!(e.contains("3 × 5"), "{e}");
        // No held-out item anywhere: nothing to evaluate, said so.
        let empty = CsrMatrix::<f32>::from_triplets(3, 4, &[], &[], &[]).unwrap();
        let e = evaluate(&model, &empty, 2).unwrap_err();
        assert!(matches!(e, Error::Undefined { .. }), "{e}");
        assert!(e.to_string().contains("none of the 3 users"), "{e}");
        // k = 0.
        let test = CsrMatrix::from_triplets(3, 4, &[0], &[1], &[1.0f32]).unwrap();
        let e = evaluate(&model, &test, 0).unwrap_err().to_string();
        assert!(e.contains("parameter k") && e.contains("at least 1"), "{e}");
    }
}
