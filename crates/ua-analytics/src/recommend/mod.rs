//! Personalised recommendation from implicit feedback (views, carts,
//! purchases): every model is a [`RecommenderModel`](crate::RecommenderModel)
//! (hyper-parameters) whose `fit` on a users × items interaction matrix
//! gives a [`Recommender`](crate::Recommender) (serving through `&self`,
//! saved through the common envelope).
//!
//! | model | idea | fitted type |
//! | --- | --- | --- |
//! | [`Popularity`] | the items most users have | [`FittedPopularity`] |
//! | [`ItemKnn`] | cosine / asymmetric cosine item neighbours, optional BM25 / TF-IDF | [`FittedItemKnn`] |
//! | [`Rp3Beta`] | 3-step random walk with a popularity penalty | [`FittedRp3Beta`] |
//! | [`Ease`] | closed-form item weights from a regularised Gram inverse | [`FittedEase`] |
//! | [`Bpr`] | matrix factorisation trained on sampled (positive, negative) pairs; deterministic, or parallel by stratified SGD (reproducible per thread count) | [`FittedBpr`] |
//! | [`ImplicitAls`] | implicit-feedback matrix factorisation (CG or Cholesky), fold-in of new users | [`FittedImplicitAls`] |
//! | [`TwoTower`] | neural two-tower (ua-nn): item embeddings vs a user tower over the history's embeddings, in-batch softmax with logQ correction | [`FittedTwoTower`] |
//!
//! The interaction matrix comes from `ua_data`'s interaction builder
//! (external ids ↔ dense indices); [`InteractionWeighting`] re-weights it
//! (confidence, log, BM25, TF-IDF). Ranking goes through a [`Filter`] — the
//! user's own items are left out only when the filter says so — and
//! [`evaluate()`] scores a fitted model on held-out interactions with the
//! ranking metrics of [`crate::metrics`]; [`tune()`] chooses parameters on a
//! validation split cut out of the training log only. [`IdRecommender`]
//! serves a fitted model by the shop's own user and item ids, with a
//! popularity fallback for new users when asked for.
//!
//! ```
//! use ua_analytics::recommend::{evaluate, Filter, ItemKnn, Popularity};
//! use ua_analytics::{Recommender, RecommenderModel};
//! use ua_tensor::sparse::CsrMatrix;
//!
//! // Two tastes: users 0–2 like items 0–2, users 3–5 like items 3–5.
//! let (mut users, mut items) = (vec![], vec![]);
//! for u in 0..6u32 {
//!     for i in 0..3u32 {
//!         if i != u % 3 {
//!             users.push(u as usize);
//!             items.push((3 * (u / 3) + i) as usize);
//!         }
//!     }
//! }
//! let ones = vec![1.0f32; users.len()];
//! let train = CsrMatrix::from_triplets(6, 6, &users, &items, &ones).unwrap();
//! let knn = ItemKnn::new().fit(&train).unwrap();
//! // User 0 has items 1 and 2; the missing item of their taste is 0.
//! assert_eq!(knn.recommend(0, 1, &Filter::exclude_seen()).unwrap()[0].0, 0);
//! let test = CsrMatrix::from_triplets(6, 6, &[0, 3], &[0, 3], &[1.0f32, 1.0]).unwrap();
//! let report = evaluate(&knn, &test, 1).unwrap();
//! assert_eq!(report.ranking.hit_rate, 1.0);
//! ```

mod als;
mod bpr;
mod ease;
mod evaluate;
mod factors;
mod filter;
mod item_item;
mod item_knn;
mod popularity;
mod rp3beta;
mod serve;
mod tune;
mod two_tower;
mod weighting;

pub use als::{AlsSolver, FittedImplicitAls, ImplicitAls, MAX_FACTORS};
pub use bpr::{Bpr, BprMode, FittedBpr};
pub use ease::{Ease, FittedEase};
pub use evaluate::{RecommendationReport, evaluate};
pub use filter::Filter;
pub use item_item::{FittedItemModel, ItemModelParams, ItemWeights};
pub use item_knn::{FittedItemKnn, ItemKnn};
pub use popularity::{FittedPopularity, Popularity};
pub use rp3beta::{FittedRp3Beta, Rp3Beta};
pub use serve::{IdRecommender, Recommendations, Source, UnknownUser};
pub use tune::{LogRows, TuneReport, tune};
pub use two_tower::{FittedTwoTower, TwoTower, TwoTowerLoss};
pub use weighting::InteractionWeighting;

use ua_tensor::sparse::CsrMatrix;

use crate::{Error, Result};

/// Checks an interaction matrix before a fit: at least one user, item and
/// interaction, and every weight finite and ≥ 0 (the error names the user
/// and item of the first bad one).
pub(crate) fn check_interactions(op: &'static str, x: &CsrMatrix<f32>) -> Result<()> {
    if x.n_rows() == 0 || x.n_cols() == 0 || x.nnz() == 0 {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "no interactions ({} users × {} items, {} stored); fit needs at least one",
                x.n_rows(),
                x.n_cols(),
                x.nnz()
            ),
        });
    }
    for u in 0..x.n_rows() {
        let (items, w) = x.row(u).unwrap_or((&[], &[]));
        if let Some(p) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "user {u}, item {}: weight {}; interaction weights must be finite and ≥ 0",
                    items[p], w[p]
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A binary users × items matrix from (user, item) pairs.
    pub(crate) fn csr(users: usize, items: usize, pairs: &[(usize, usize)]) -> CsrMatrix<f32> {
        let (u, i): (Vec<usize>, Vec<usize>) = pairs.iter().copied().unzip();
        CsrMatrix::from_triplets(users, items, &u, &i, &vec![1.0; pairs.len()]).unwrap()
    }

    /// 40 users × 20 items, planted rank 2: even users interact with most of
    /// items 0–9, odd users with most of items 10–19.
    pub(crate) fn planted_groups() -> CsrMatrix<f32> {
        let mut pairs = vec![];
        for u in 0..40 {
            for i in 0..10 {
                if (u * 7 + i * 3) % 5 != 0 {
                    pairs.push((u, (u % 2) * 10 + i));
                }
            }
        }
        csr(40, 20, &pairs)
    }

    #[test]
    fn empty_and_bad_weights_are_errors() {
        let e = check_interactions("t", &CsrMatrix::<f32>::zeros(2, 2).unwrap()).unwrap_err();
        assert!(e.to_string().contains("no interactions"), "{e}");
        let x = CsrMatrix::from_triplets(2, 3, &[0, 1], &[0, 2], &[1.0f32, -2.0]).unwrap();
        let e = check_interactions("t", &x).unwrap_err().to_string();
        assert!(e.contains("user 1, item 2: weight -2"), "{e}");
        let x = CsrMatrix::from_triplets(1, 1, &[0], &[0], &[f32::NAN]).unwrap();
        assert!(check_interactions("t", &x).is_err());
    }
}
