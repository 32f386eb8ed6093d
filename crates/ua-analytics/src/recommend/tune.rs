//! Honest hyper-parameter choice for recommenders: the validation split is
//! cut out of the *training* log with the same per-user rule as the test
//! split, every candidate is scored there, and the best is refitted on all
//! training interactions — the test interactions are never looked at.

use std::hash::Hash;

use serde::{Deserialize, Serialize};
use ua_data::features::interaction_split::{HoldoutRule, split_interactions};
use ua_data::features::interactions::{Interactions, InteractionsBuilder, Weighting};

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
    /// left out and counted in the report).
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
/// (too few interactions per user for the rule); any fit error.
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
