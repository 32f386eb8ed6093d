//! Honest hyper-parameter choice for recommenders: the validation split is
//! cut out of the *training* log with the same per-user rule as the test
//! split, every candidate is scored there, and the best is refitted on all
//! training interactions — the test interactions are never looked at.

use std::hash::Hash;

use serde::{Deserialize, Serialize};
use ua_data::features::interaction_split::{HoldoutRule, split_interactions};
use ua_data::features::interactions::{
    Interactions, InteractionsBuilder, InteractionsReport, Weighting,
};
use ua_tensor::sparse::CsrMatrix;

use super::{RecommendationReport, evaluate};
use crate::traits::RecommenderModel;
use crate::{Error, Result};

/// The rows of an interaction log: one user, item and optional time and
/// weight per row.
#[derive(Debug, Clone, Copy)]
pub struct LogRows<'a, U, I> {
    /// User of each row.
    pub users: &'a [U],
    /// Item of each row.
    pub items: &'a [I],
    /// Time of each row (needed by the temporal rule).
    pub times: Option<&'a [i64]>,
    /// Weight of each row (1 each when `None`).
    pub weights: Option<&'a [f64]>,
}

impl<U: Ord + Hash + Clone, I: Ord + Hash + Clone> LogRows<'_, U, I> {
    /// The interactions of the rows `rows`, summed per (user, item) (weights,
    /// or 1 per row without weights), in the
    /// index space of `like` (rows with a user or item unknown to it are
    /// left out and counted in the report). No rows in the index space of
    /// `like` give an all-zero matrix of its shape; no rows without `like`
    /// are an error (there is no index space to build).
    ///
    /// ```
    /// use ua_analytics::recommend::LogRows;
    /// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
    /// let (users, items) = (["a", "a", "b"], [1, 2, 1]);
    /// let log = LogRows { users: &users, items: &items, times: None, weights: None };
    /// let all = InteractionsBuilder::new(Weighting::Count).build(&users, &items, None).unwrap();
    /// let part = log.select(&[0, 2], Some(&all)).unwrap();
    /// assert_eq!(part.matrix.shape(), (2, 2));
    /// assert_eq!(part.matrix.nnz(), 2);
    /// assert!(log.select(&[3], None).is_err()); // no row 3
    /// let short = LogRows { times: Some(&[1]), ..log };
    /// assert!(short.select(&[0], None).unwrap_err().to_string().contains("1 times"));
    /// ```
    pub fn select(
        &self,
        rows: &[usize],
        like: Option<&Interactions<U, I>>,
    ) -> Result<Interactions<U, I>> {
        let n = self.users.len();
        let lengths = [
            self.items.len(),
            self.times.map_or(n, <[i64]>::len),
            self.weights.map_or(n, <[f64]>::len),
        ];
        if lengths.iter().any(|&l| l != n) {
            return Err(Error::InvalidArgument {
                op: "select log rows",
                message: format!(
                    "{n} users, {} items, {} times and {} weights; one per row each",
                    lengths[0], lengths[1], lengths[2]
                ),
            });
        }
        if let Some(&r) = rows.iter().find(|&&r| r >= n) {
            return Err(Error::InvalidArgument {
                op: "select log rows",
                message: format!("row {r} is out of range for a log of {n} rows"),
            });
        }
        if let (true, Some(like)) = (rows.is_empty(), like) {
            // No rows in a known index space: an all-zero matrix of its shape.
            let (n_users, n_items) = (like.users.len(), like.items.len());
            let matrix =
                CsrMatrix::from_parts(n_users, n_items, vec![0; n_users + 1], vec![], vec![])?;
            return Ok(Interactions {
                matrix,
                users: like.users.clone(),
                items: like.items.clone(),
                report: InteractionsReport::default(),
            });
        }
        let users: Vec<U> = rows.iter().map(|&r| self.users[r].clone()).collect();
        let items: Vec<I> = rows.iter().map(|&r| self.items[r].clone()).collect();
        let weights: Option<Vec<f64>> = self.weights.map(|w| rows.iter().map(|&r| w[r]).collect());
        // Rows of one (user, item) pair add up: their weights, or 1 each.
        let weighting = if weights.is_some() {
            Weighting::Sum
        } else {
            Weighting::Count
        };
        let mut builder = InteractionsBuilder::new(weighting);
        if let Some(like) = like {
            builder = builder
                .with_users(like.users.clone())
                .with_items(like.items.clone());
        }
        Ok(builder.build(&users, &items, weights.as_deref())?)
    }
}

/// What [`tune`] found: the best candidate refitted on all training
/// interactions, and every candidate's validation score.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(
    serialize = "M: Serialize",
    deserialize = "M: serde::de::DeserializeOwned"
))]
pub struct TuneReport<M> {
    /// The best candidate (highest validation NDCG@k; ties to the first).
    pub best: M,
    /// Each candidate with its validation scores, in the order given.
    pub trials: Vec<(M, RecommendationReport)>,
    /// Training rows used for the validation split's fits.
    pub inner_train_rows: usize,
    /// Training rows held out for validation.
    pub validation_rows: usize,
}

/// Cuts a validation split out of the training log `log` with `rule`,
/// scores every candidate on it by NDCG@k, and refits the best on `train`
/// (the interactions of the whole training log, whose index space the
/// validation matrices share). Returns the fitted best model and the report.
///
/// Errors: no candidates; a validation split with no user to evaluate
/// (too few interactions per user for the rule, [`Error::Undefined`]); any
/// fit error.
///
/// ```
/// use ua_analytics::recommend::{tune, ItemKnn, LogRows};
/// use ua_data::features::interaction_split::HoldoutRule;
/// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
/// // 12 users, two tastes, 8 time-ordered interactions each.
/// let (mut users, mut items, mut times) = (vec![], vec![], vec![]);
/// for u in 0..12u32 {
///     for t in 0..8u32 {
///         users.push(u);
///         items.push(10 * (u % 2) + (u + t) % 10);
///         times.push(i64::from(t));
///     }
/// }
/// let log = LogRows { users: &users, items: &items, times: Some(&times), weights: None };
/// let train = InteractionsBuilder::new(Weighting::Count).build(&users, &items, None).unwrap();
/// let grid = [ItemKnn::new().neighbours(2), ItemKnn::new().neighbours(50)];
/// let (fitted, report) = tune(&grid, &log, &train, &HoldoutRule::temporal(0.25, 4), 3).unwrap();
/// assert_eq!(report.trials.len(), 2);
/// assert!(report.validation_rows > 0);
/// # let _ = fitted;
/// ```
pub fn tune<M, U, I>(
    candidates: &[M],
    log: &LogRows<'_, U, I>,
    train: &Interactions<U, I>,
    rule: &HoldoutRule,
    k: usize,
) -> Result<(M::Fitted, TuneReport<M>)>
where
    M: RecommenderModel,
    U: Ord + Hash + Clone,
    I: Ord + Hash + Clone,
{
    const OP: &str = "tune recommender";
    if candidates.is_empty() {
        return Err(Error::InvalidArgument {
            op: OP,
            message: "no candidate parameters to choose from".into(),
        });
    }
    let split = split_interactions(log.users, log.items, log.times, rule)?;
    if split.test.is_empty() {
        return Err(Error::Undefined {
            op: OP,
            message: format!(
                "the rule {rule:?} holds out no training row: none of the {} users has enough \
                 interactions for it, so there is nothing to validate on; lower min_interactions",
                split.users_train_only
            ),
        });
    }
    let inner = log.select(&split.train, Some(train))?;
    let validation = log.select(&split.test, Some(train))?;
    let mut trials = Vec::with_capacity(candidates.len());
    let mut best: Option<(usize, f64)> = None;
    for (c, candidate) in candidates.iter().enumerate() {
        let fitted = candidate.fit(&inner.matrix)?;
        let report = evaluate(&fitted, &validation.matrix, k)?;
        if best.is_none_or(|(_, score)| report.ranking.ndcg > score) {
            best = Some((c, report.ranking.ndcg));
        }
        trials.push((candidate.clone(), report));
    }
    let (b, _) = best.expect("at least one candidate");
    let fitted = candidates[b].fit(&train.matrix)?;
    Ok((
        fitted,
        TuneReport {
            best: candidates[b].clone(),
            trials,
            inner_train_rows: split.train.len(),
            validation_rows: split.test.len(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::{Filter, ItemKnn};
    use crate::traits::Recommender;

    /// 12 users with two tastes, 8 time-ordered interactions each (the doc
    /// example's log).
    fn log_columns() -> (Vec<u32>, Vec<u32>, Vec<i64>) {
        let (mut users, mut items, mut times) = (vec![], vec![], vec![]);
        for u in 0..12u32 {
            for t in 0..8u32 {
                users.push(u);
                items.push(10 * (u % 2) + (u + t) % 10);
                times.push(i64::from(t));
            }
        }
        (users, items, times)
    }

    #[test]
    fn select_sums_weights_and_counts_rows_unknown_to_the_like_matrix() {
        let users = ["a", "a", "b", "c"];
        let items = [1, 1, 2, 1];
        let weights = [2.0, 3.5, 1.0, 4.0];
        let log = LogRows {
            users: &users,
            items: &items,
            times: None,
            weights: Some(&weights),
        };
        let all = log.select(&[0, 1, 2], None).unwrap();
        // a: item 1 = 2 + 3.5; b: item 2 = 1.
        assert_eq!(all.matrix.shape(), (2, 2));
        assert_eq!(all.matrix.data(), &[5.5, 1.0]);
        assert_eq!(all.report.rows_merged, 1);
        // Rows 2 and 3 in a's and b's index space: c is unknown, counted.
        let part = log.select(&[2, 3], Some(&all)).unwrap();
        assert_eq!(part.matrix.shape(), (2, 2));
        assert_eq!(part.matrix.row(1), Some((&[1u32][..], &[1.0f32][..])));
        assert_eq!(part.report.rows_unknown_user, 1);
        // No rows: all zeros in a given index space, an error without one.
        let none = log.select(&[], Some(&all)).unwrap();
        assert_eq!((none.matrix.shape(), none.matrix.nnz()), ((2, 2), 0));
        assert_eq!((none.users.ids(), none.report.rows), (all.users.ids(), 0));
        assert_eq!(none.items, all.items);
        let e = log.select(&[], None).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        // Without weights each row counts 1.
        let count = LogRows {
            weights: None,
            ..log
        };
        assert_eq!(count.select(&[0, 1], None).unwrap().matrix.data(), &[2.0]);
    }

    #[test]
    fn select_rejects_a_row_past_the_end_and_columns_of_other_lengths() {
        let (users, items) = (["a", "b", "c"], [1, 2, 3]);
        let log = LogRows {
            users: &users,
            items: &items,
            times: None,
            weights: None,
        };
        let e = log.select(&[0, 3], None).unwrap_err().to_string();
        assert!(
            e.contains("row 3 is out of range for a log of 3 rows"),
            "{e}"
        );
        assert!(log.select(&[2], None).is_ok());
        let short = LogRows {
            items: &items[..2],
            ..log
        };
        let e = short.select(&[0], None).unwrap_err().to_string();
        assert!(e.contains("3 users, 2 items, 3 times and 3 weights"), "{e}");
        let long = LogRows {
            weights: Some(&[1.0, 1.0, 1.0, 1.0]),
            ..log
        };
        let e = long.select(&[0], None).unwrap_err().to_string();
        assert!(e.contains("and 4 weights"), "{e}");
    }

    #[test]
    fn tune_picks_the_best_validation_ndcg_and_refits_it_on_all_training_rows() {
        let (users, items, times) = log_columns();
        let log = LogRows {
            users: &users,
            items: &items,
            times: Some(&times),
            weights: None,
        };
        let train = InteractionsBuilder::new(Weighting::Count)
            .build(&users, &items, None)
            .unwrap();
        let rule = HoldoutRule::temporal(0.25, 4);
        let grid = [
            ItemKnn::new().neighbours(1),
            ItemKnn::new().neighbours(50),
            ItemKnn::new().neighbours(2),
        ];
        let (fitted, report) = tune(&grid, &log, &train, &rule, 3).unwrap();
        // The counts of the validation split are the split's.
        let split = split_interactions(&users, &items, Some(&times), &rule).unwrap();
        assert_eq!(report.inner_train_rows, split.train.len());
        assert_eq!(report.validation_rows, split.test.len());
        assert_eq!(report.validation_rows, 12 * 2);
        // One trial per candidate, in order, each scored by evaluate on the
        // validation split; the best is the first with the highest NDCG.
        assert_eq!(report.trials.len(), 3);
        let inner = log.select(&split.train, Some(&train)).unwrap();
        let validation = log.select(&split.test, Some(&train)).unwrap();
        let mut best = (0, f64::NEG_INFINITY);
        for (c, (params, r)) in report.trials.iter().enumerate() {
            assert_eq!(params, &grid[c]);
            let want =
                evaluate(&grid[c].fit(&inner.matrix).unwrap(), &validation.matrix, 3).unwrap();
            assert_eq!(r, &want);
            if r.ranking.ndcg > best.1 {
                best = (c, r.ranking.ndcg);
            }
        }
        let ndcgs: Vec<f64> = report.trials.iter().map(|t| t.1.ranking.ndcg).collect();
        assert!(
            ndcgs[0] != ndcgs[1],
            "the grid must tell candidates apart: {ndcgs:?}"
        );
        assert_eq!(report.best, grid[best.0]);
        // The returned model is the best refitted on all training rows.
        let refit = grid[best.0].fit(&train.matrix).unwrap();
        for u in 0..12 {
            assert_eq!(
                fitted.recommend(u, 3, &Filter::exclude_seen()).unwrap(),
                refit.recommend(u, 3, &Filter::exclude_seen()).unwrap()
            );
        }
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        let (users, items, times) = log_columns();
        let log = LogRows {
            users: &users,
            items: &items,
            times: Some(&times),
            weights: None,
        };
        let train = InteractionsBuilder::new(Weighting::Count)
            .build(&users, &items, None)
            .unwrap();
        // 20 items: 50 and 100 neighbours keep every neighbour alike.
        let grid = [
            ItemKnn::new().neighbours(50),
            ItemKnn::new().neighbours(100),
        ];
        let (_, report) = tune(&grid, &log, &train, &HoldoutRule::temporal(0.25, 4), 3).unwrap();
        assert_eq!(report.trials[0].1, report.trials[1].1);
        assert_eq!(report.best, grid[0]);
    }

    #[test]
    fn no_candidates_or_nothing_to_validate_are_errors() {
        let (users, items, times) = log_columns();
        let log = LogRows {
            users: &users,
            items: &items,
            times: Some(&times),
            weights: None,
        };
        let train = InteractionsBuilder::new(Weighting::Count)
            .build(&users, &items, None)
            .unwrap();
        let none: [ItemKnn; 0] = [];
        let e = tune(&none, &log, &train, &HoldoutRule::temporal(0.25, 4), 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no candidate parameters"), "{e}");
        // Every user has 8 rows: a rule needing 9 splits nobody.
        let e = tune(
            &[ItemKnn::new()],
            &log,
            &train,
            &HoldoutRule::temporal(0.25, 9),
            3,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("none of the 12 users") && e.contains("nothing to validate on"),
            "{e}"
        );
    }
}
