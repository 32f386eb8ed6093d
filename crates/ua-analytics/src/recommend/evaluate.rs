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
/// items; no user with a held-out item.
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
