//! The baseline every comparison starts with: recommend the items most
//! users interacted with.

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;
use ua_tensor::sparse::CsrMatrix;
use ua_tensor::topk::top_k_masked;

use super::item_item::{check_history, check_out, history_row};
use crate::Result;
use crate::traits::{ItemIndex, Recommender, RecommenderModel, UserIndex, unknown};

/// Popularity: every user gets the items with the most distinct users in
/// training (ties to the lower item index). It has no parameters.
///
/// ```
/// use ua_analytics::recommend::{Filter, Popularity};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
/// // Item 1 has 2 users, item 0 one.
/// let x = CsrMatrix::from_triplets(2, 3, &[0, 1, 1], &[1, 1, 0], &[1.0f32, 5.0, 1.0]).unwrap();
/// let m = Popularity::new().fit(&x).unwrap();
/// assert_eq!(m.recommend(0, 2, &Filter::none()).unwrap(), vec![(1, 2.0), (0, 1.0)]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Popularity {}

impl Popularity {
    /// The popularity baseline.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Popularity::new(), Default::default());
    /// ```
    pub fn new() -> Self {
        Popularity {}
    }
}

/// A fitted popularity model: the training interactions and each item's
/// number of users.
///
/// ```
/// use ua_analytics::recommend::{FittedPopularity, Popularity};
/// use ua_analytics::RecommenderModel;
/// use ua_tensor::persist::Persist;
/// use ua_tensor::sparse::CsrMatrix;
/// let x = CsrMatrix::from_triplets(1, 2, &[0], &[1], &[1.0f32]).unwrap();
/// let m = Popularity::new().fit(&x).unwrap();
/// assert_eq!(m.counts(), &[0.0, 1.0]);
/// assert_eq!(FittedPopularity::from_json(&m.to_json().unwrap()).unwrap(), m);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPopularity {
    history: CsrMatrix<f32>,
    counts: Vec<f32>,
}

impl FittedPopularity {
    /// Users per item.
    pub fn counts(&self) -> &[f32] {
        &self.counts
    }
}

impl RecommenderModel for Popularity {
    type Params = Popularity;
    type Fitted = FittedPopularity;

    fn fit(&self, interactions: &CsrMatrix<f32>) -> Result<FittedPopularity> {
        super::check_interactions("popularity", interactions)?;
        let mut counts = vec![0.0f32; interactions.n_cols()];
        for &j in interactions.indices() {
            counts[j as usize] += 1.0;
        }
        Ok(FittedPopularity {
            history: interactions.clone(),
            counts,
        })
    }

    fn params(&self) -> Popularity {
        *self
    }

    fn params_of(_: &FittedPopularity) -> Popularity {
        Popularity {}
    }
}

impl Recommender for FittedPopularity {
    fn n_users(&self) -> usize {
        self.history.n_rows()
    }

    fn n_items(&self) -> usize {
        self.history.n_cols()
    }

    fn seen_items(&self, user: UserIndex) -> Result<&[u32]> {
        history_row(&self.history, user).map(|(items, _)| items)
    }

    fn score_user(&self, user: UserIndex, out: &mut [f32]) -> Result<()> {
        history_row(&self.history, user)?;
        self.score_history(&[], &[], out)
    }

    fn score_history(&self, _: &[u32], _: &[f32], out: &mut [f32]) -> Result<()> {
        check_out(out, self.n_items())?;
        out.copy_from_slice(&self.counts);
        Ok(())
    }

    /// The most popular other items (popularity knows no similarity).
    fn similar_items(&self, item: ItemIndex, k: usize) -> Result<Vec<(ItemIndex, f32)>> {
        if item >= self.n_items() {
            return Err(unknown("similar items", "item", item, self.n_items()));
        }
        Ok(top_k_masked(&self.counts, k, |j| j == item))
    }
}

impl Persist for FittedPopularity {
    const KIND: &'static str = "ua-analytics/popularity";

    fn validate(&self) -> std::result::Result<(), String> {
        check_history(&self.history)?;
        if self.counts.len() != self.history.n_cols() {
            return Err(format!(
                "{} item counts for {} items",
                self.counts.len(),
                self.history.n_cols()
            ));
        }
        let mut users = vec![0.0f32; self.counts.len()];
        for &j in self.history.indices() {
            users[j as usize] += 1.0;
        }
        if users != self.counts {
            return Err("the item counts do not match the interactions".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::Filter;

    /// 3 users × 4 items: item 2 has 3 users, item 0 two, item 3 one,
    /// item 1 none; weights do not matter, only distinct users.
    fn fitted() -> FittedPopularity {
        let x = CsrMatrix::from_triplets(
            3,
            4,
            &[0, 0, 1, 1, 2, 2],
            &[2, 0, 2, 3, 2, 0],
            &[5.0f32, 1.0, 1.0, 9.0, 0.5, 2.0],
        )
        .unwrap();
        Popularity::new().fit(&x).unwrap()
    }

    #[test]
    fn counts_distinct_users_per_item_and_serves_them() {
        let m = fitted();
        assert_eq!(m.counts(), &[2.0, 0.0, 3.0, 1.0]);
        assert_eq!((m.n_users(), m.n_items()), (3, 4));
        assert_eq!(m.seen_items(1).unwrap(), &[2, 3]);
        assert!(
            m.seen_items(3)
                .unwrap_err()
                .to_string()
                .contains("unknown user 3")
        );
        let mut out = vec![-1.0f32; 4];
        m.score_user(0, &mut out).unwrap();
        assert_eq!(out, [2.0, 0.0, 3.0, 1.0]);
        assert!(m.score_user(3, &mut out).is_err());
        let mut out = vec![-1.0f32; 4];
        m.score_history(&[1], &[1.0], &mut out).unwrap();
        assert_eq!(out, [2.0, 0.0, 3.0, 1.0]);
        let e = m
            .score_history(&[], &[], &mut [0.0; 3])
            .unwrap_err()
            .to_string();
        assert!(e.contains("3 scores") && e.contains("4 items"), "{e}");
        assert_eq!(
            m.recommend(1, 2, &Filter::exclude_seen()).unwrap(),
            vec![(0, 2.0), (1, 0.0)]
        );
        assert_eq!(Popularity::new().params(), Popularity {});
        assert_eq!(Popularity::params_of(&m), Popularity::new());
    }

    #[test]
    fn similar_items_are_the_most_popular_other_items() {
        let m = fitted();
        assert_eq!(m.similar_items(2, 2).unwrap(), vec![(0, 2.0), (3, 1.0)]);
        assert_eq!(m.similar_items(0, 1).unwrap(), vec![(2, 3.0)]);
        assert_eq!(m.similar_items(3, 5).unwrap().len(), 3);
        let e = m.similar_items(4, 1).unwrap_err().to_string();
        assert!(e.contains("unknown item 4"), "{e}");
        assert!(m.similar_items(3, 1).is_ok());
    }

    #[test]
    fn loading_checks_the_counts_against_the_interactions() {
        let m = fitted();
        assert_eq!(m.validate(), Ok(()));
        let mut wrong = m.clone();
        wrong.counts[1] = 1.0;
        let e = wrong.validate().unwrap_err();
        assert!(e.contains("do not match"), "{e}");
        let mut short = m.clone();
        short.counts.pop();
        let e = short.validate().unwrap_err();
        assert!(e.contains("3 item counts for 4 items"), "{e}");
        let json = m.to_json().unwrap();
        assert_eq!(FittedPopularity::from_json(&json).unwrap(), m);
        let edited = json.replacen("[2.0,0.0,3.0,1.0]", "[2.0,0.0,3.0,2.0]", 1);
        assert_ne!(edited, json);
        assert!(FittedPopularity::from_json(&edited).is_err());
    }
}
