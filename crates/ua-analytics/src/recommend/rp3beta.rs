//! RP3β (Paudel et al., 2017): a three-step random walk user → item → user
//! → item on the interaction graph gives item-to-item transition
//! probabilities, divided by the target item's popularity to the power β so
//! that long-tail items get their chance.

use serde::{Deserialize, Serialize};
use ua_tensor::sparse::CsrMatrix;

use super::item_item::{FittedItemModel, ItemModelParams, ItemWeights, neighbours};
use crate::Result;
use crate::error::parameter;
use crate::traits::RecommenderModel;

/// RP3β parameters.
///
/// With `P_ui = w_ui / Σⱼ w_uj` (user → item) and `P_iu = w_ui / Σᵥ w_vi`
/// (item → user): `W[i, j] = Σᵤ P_iu^α · P_uj^α / deg(j)^β`, where `deg(j)`
/// is the number of users of item `j`; each item keeps its K largest.
///
/// ```
/// use ua_analytics::recommend::{Filter, Rp3Beta};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
/// let x = CsrMatrix::from_triplets(3, 3, &[0, 0, 1, 1, 2, 2], &[0, 1, 0, 1, 0, 2], &[1.0f32; 6]).unwrap();
/// let m = Rp3Beta::new().beta(0.0).fit(&x).unwrap();
/// assert_eq!(m.recommend(2, 1, &Filter::exclude_seen()).unwrap()[0].0, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rp3Beta {
    /// Neighbours kept per item (K), ≥ 1. Default 100.
    pub neighbours: usize,
    /// Exponent α > 0 on the transition probabilities. Default 1.
    pub alpha: f32,
    /// Popularity penalty β ≥ 0. Default 0.5.
    pub beta: f32,
}

impl Default for Rp3Beta {
    fn default() -> Self {
        Rp3Beta {
            neighbours: 100,
            alpha: 1.0,
            beta: 0.5,
        }
    }
}

/// A fitted RP3β model.
pub type FittedRp3Beta = FittedItemModel<Rp3Beta>;

impl Rp3Beta {
    /// The defaults: K = 100, α = 1, β = 0.5.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Rp3Beta::new().beta, 0.5);
    /// ```
    pub fn new() -> Self {
        Rp3Beta::default()
    }

    /// Sets K.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Rp3Beta::new().neighbours(7).neighbours, 7);
    /// ```
    pub fn neighbours(mut self, k: usize) -> Self {
        self.neighbours = k;
        self
    }

    /// Sets α.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Rp3Beta::new().alpha(0.8).alpha, 0.8);
    /// ```
    pub fn alpha(mut self, alpha: f32) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets β.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Rp3Beta::new().beta(0.3).beta, 0.3);
    /// ```
    pub fn beta(mut self, beta: f32) -> Self {
        self.beta = beta;
        self
    }
}

impl ItemModelParams for Rp3Beta {
    const KIND: &'static str = "ua-analytics/rp3beta";

    fn validate(&self) -> Result<()> {
        const OP: &str = "RP3beta";
        if self.neighbours == 0 {
            return Err(parameter(OP, "neighbours", "must be at least 1, got 0"));
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err(parameter(
                OP,
                "alpha",
                format!("must be finite and > 0, got {}", self.alpha),
            ));
        }
        if !(self.beta >= 0.0 && self.beta.is_finite()) {
            return Err(parameter(
                OP,
                "beta",
                format!("must be finite and ≥ 0, got {}", self.beta),
            ));
        }
        Ok(())
    }
}

/// Divides every entry by its row sum (rows with sum 0 stay 0).
fn row_normalised(x: &CsrMatrix<f32>, power: f32) -> Result<CsrMatrix<f32>> {
    let mut data = Vec::with_capacity(x.nnz());
    for r in 0..x.n_rows() {
        let (_, v) = x.row(r).unwrap_or((&[], &[]));
        let sum: f64 = v.iter().map(|&w| f64::from(w)).sum();
        data.extend(v.iter().map(|&w| {
            if sum > 0.0 {
                ((f64::from(w) / sum) as f32).powf(power)
            } else {
                0.0
            }
        }));
    }
    Ok(CsrMatrix::from_parts(
        x.n_rows(),
        x.n_cols(),
        x.indptr().to_vec(),
        x.indices().to_vec(),
        data,
    )?)
}

impl RecommenderModel for Rp3Beta {
    type Params = Rp3Beta;
    type Fitted = FittedRp3Beta;

    fn fit(&self, interactions: &CsrMatrix<f32>) -> Result<FittedRp3Beta> {
        self.validate()?;
        super::check_interactions("RP3beta", interactions)?;
        // user → item: rows of X normalised; item → user: rows of Xᵀ
        // normalised, transposed back to the users × items layout.
        let user_to_item = row_normalised(interactions, self.alpha)?;
        let item_to_user = row_normalised(&interactions.transpose(), self.alpha)?.transpose();
        let mut degree = vec![0.0f64; interactions.n_cols()];
        for &j in interactions.indices() {
            degree[j as usize] += 1.0;
        }
        let penalty: Vec<f64> = degree
            .iter()
            .map(|d| d.powf(f64::from(self.beta)))
            .collect();
        let weights = neighbours(&item_to_user, &user_to_item, self.neighbours, |_, j, p| {
            (f64::from(p) / penalty[j]) as f32
        })?;
        Ok(FittedItemModel::new(
            *self,
            interactions.clone(),
            ItemWeights::Sparse(weights),
        ))
    }

    fn params(&self) -> Rp3Beta {
        *self
    }

    fn params_of(fitted: &FittedRp3Beta) -> Rp3Beta {
        *fitted.params()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::tests::csr;
    use crate::traits::Recommender;

    #[test]
    fn three_step_walk_by_hand() {
        // user 0: items {0, 1}; user 1: items {1, 2}.
        let x = csr(2, 3, &[(0, 0), (0, 1), (1, 1), (1, 2)]);
        // From item 1: to users 0, 1 with ½ each; each user to their 2 items
        // with ½: W[1, 0] = ¼, W[1, 2] = ¼ (before the penalty).
        let m = Rp3Beta::new().beta(0.0).fit(&x).unwrap();
        assert_eq!(m.similar_items(1, 5).unwrap(), vec![(0, 0.25), (2, 0.25)]);
        // From item 0: user 0 (prob 1) → item 1 with ½.
        assert_eq!(m.similar_items(0, 5).unwrap(), vec![(1, 0.5)]);
        // β = 1 divides by the target's degree: item 1 has 2 users.
        let m = Rp3Beta::new().beta(1.0).fit(&x).unwrap();
        assert_eq!(m.similar_items(0, 5).unwrap(), vec![(1, 0.25)]);
        // α = 2 squares each transition: ¼ · ¼ summed over one path... item 0 → user 0 (1²) → item 1 (½²).
        let m = Rp3Beta::new().beta(0.0).alpha(2.0).fit(&x).unwrap();
        assert_eq!(m.similar_items(0, 5).unwrap(), vec![(1, 0.25)]);
    }

    #[test]
    fn bad_parameters_are_named() {
        let x = csr(1, 2, &[(0, 0)]);
        for (m, name) in [
            (Rp3Beta::new().neighbours(0), "neighbours"),
            (Rp3Beta::new().alpha(0.0), "alpha"),
            (Rp3Beta::new().beta(-0.1), "beta"),
        ] {
            let e = m.fit(&x).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn users_whose_weights_are_all_zero_add_nothing_to_the_walk() {
        // As in `three_step_walk_by_hand`, plus user 2 with items 1 and 2 at
        // weight 0: its row sum is 0, so its transitions are 0 (not 0 / 0)
        // and the walk from item 1 is the same as without it.
        let x = CsrMatrix::from_triplets(
            3,
            3,
            &[0, 0, 1, 1, 2, 2],
            &[0, 1, 1, 2, 1, 2],
            &[1.0f32, 1.0, 1.0, 1.0, 0.0, 0.0],
        )
        .unwrap();
        assert_eq!(x.nnz(), 6);
        let m = Rp3Beta::new().beta(0.0).fit(&x).unwrap();
        assert_eq!(m.similar_items(1, 5).unwrap(), vec![(0, 0.25), (2, 0.25)]);
        assert_eq!(m.similar_items(0, 5).unwrap(), vec![(1, 0.5)]);
    }

    #[test]
    fn fitted_models_keep_their_parameters() {
        let p = Rp3Beta::new().neighbours(7).alpha(0.8).beta(0.3);
        assert_eq!(p.params(), p);
        let m = p
            .fit(&csr(2, 3, &[(0, 0), (0, 1), (1, 1), (1, 2)]))
            .unwrap();
        assert_eq!(Rp3Beta::params_of(&m), p);
    }
}
