//! Item-based k-nearest neighbours: items are similar when the same users
//! interacted with them (cosine or asymmetric cosine over the users × items
//! matrix, optionally BM25- or TF-IDF-weighted); each item keeps its K most
//! similar items, and a user scores an item by summing its similarities to
//! the user's items.

use serde::{Deserialize, Serialize};
use ua_tensor::sparse::CsrMatrix;

use super::InteractionWeighting;
use super::item_item::{FittedItemModel, ItemModelParams, ItemWeights, neighbours};
use crate::Result;
use crate::error::parameter;
use crate::traits::RecommenderModel;

/// Item-kNN parameters.
///
/// Similarity of items `i` and `j` with column vectors `xᵢ`, `xⱼ` (after
/// [`ItemKnn::weighting`]):
/// `xᵢ·xⱼ / (‖xᵢ‖^(2α) · ‖xⱼ‖^(2(1−α)) + shrink)` — cosine at α = 0.5, the
/// asymmetric cosine of Aiolli (2013) otherwise; `shrink` damps
/// similarities built on few common users.
///
/// ```
/// use ua_analytics::recommend::{Filter, ItemKnn};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
/// // Users 0 and 1 both have items 0 and 1; user 2 has item 0 only.
/// let x = CsrMatrix::from_triplets(3, 3, &[0, 0, 1, 1, 2, 2], &[0, 1, 0, 1, 0, 2], &[1.0f32; 6]).unwrap();
/// let m = ItemKnn::new().neighbours(50).fit(&x).unwrap();
/// assert_eq!(m.recommend(2, 1, &Filter::exclude_seen()).unwrap()[0].0, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemKnn {
    /// Neighbours kept per item (K), ≥ 1. Default 100.
    pub neighbours: usize,
    /// Asymmetry α in [0, 1]; 0.5 is the cosine. Default 0.5.
    pub alpha: f32,
    /// Shrinkage added to the denominator, ≥ 0. Default 0.
    pub shrink: f32,
    /// Re-weighting of the interactions before the similarity. Default none.
    pub weighting: InteractionWeighting,
}

impl Default for ItemKnn {
    fn default() -> Self {
        ItemKnn {
            neighbours: 100,
            alpha: 0.5,
            shrink: 0.0,
            weighting: InteractionWeighting::None,
        }
    }
}

/// A fitted item-kNN model.
pub type FittedItemKnn = FittedItemModel<ItemKnn>;

impl ItemKnn {
    /// The defaults: cosine, K = 100, no shrinkage, no re-weighting.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ItemKnn::new().neighbours, 100);
    /// ```
    pub fn new() -> Self {
        ItemKnn::default()
    }

    /// Sets K, the neighbours kept per item.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ItemKnn::new().neighbours(20).neighbours, 20);
    /// ```
    pub fn neighbours(mut self, k: usize) -> Self {
        self.neighbours = k;
        self
    }

    /// Sets the asymmetry α (0.5: cosine).
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ItemKnn::new().alpha(0.2).alpha, 0.2);
    /// ```
    pub fn alpha(mut self, alpha: f32) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets the shrinkage.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ItemKnn::new().shrink(10.0).shrink, 10.0);
    /// ```
    pub fn shrink(mut self, shrink: f32) -> Self {
        self.shrink = shrink;
        self
    }

    /// Sets the re-weighting of the interactions.
    ///
    /// ```
    /// use ua_analytics::recommend::{InteractionWeighting, ItemKnn};
    /// let m = ItemKnn::new().weighting(InteractionWeighting::bm25());
    /// assert_eq!(m.weighting, InteractionWeighting::bm25());
    /// ```
    pub fn weighting(mut self, weighting: InteractionWeighting) -> Self {
        self.weighting = weighting;
        self
    }
}

impl ItemModelParams for ItemKnn {
    const KIND: &'static str = "ua-analytics/item-knn";

    fn validate(&self) -> Result<()> {
        const OP: &str = "item-kNN";
        if self.neighbours == 0 {
            return Err(parameter(OP, "neighbours", "must be at least 1, got 0"));
        }
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(parameter(
                OP,
                "alpha",
                format!("must be in [0, 1], got {}", self.alpha),
            ));
        }
        if !(self.shrink >= 0.0 && self.shrink.is_finite()) {
            return Err(parameter(
                OP,
                "shrink",
                format!("must be finite and ≥ 0, got {}", self.shrink),
            ));
        }
        self.weighting.validate()
    }
}

impl RecommenderModel for ItemKnn {
    type Params = ItemKnn;
    type Fitted = FittedItemKnn;

    fn fit(&self, interactions: &CsrMatrix<f32>) -> Result<FittedItemKnn> {
        self.validate()?;
        super::check_interactions("item-kNN", interactions)?;
        let x = self.weighting.apply(interactions)?;
        // Squared column norms, then ‖xᵢ‖^(2α) and ‖xⱼ‖^(2(1−α)).
        let mut sq = vec![0.0f64; x.n_cols()];
        for (&j, &v) in x.indices().iter().zip(x.data()) {
            sq[j as usize] += f64::from(v) * f64::from(v);
        }
        let alpha = f64::from(self.alpha);
        let left: Vec<f64> = sq.iter().map(|s| s.powf(alpha)).collect();
        let right: Vec<f64> = sq.iter().map(|s| s.powf(1.0 - alpha)).collect();
        let shrink = f64::from(self.shrink);
        let weights = neighbours(&x, &x, self.neighbours, |i, j, dot| {
            let d = left[i] * right[j] + shrink;
            if d > 0.0 {
                (f64::from(dot) / d) as f32
            } else {
                0.0
            }
        })?;
        Ok(FittedItemModel::new(
            *self,
            interactions.clone(),
            ItemWeights::Sparse(weights),
        ))
    }

    fn params(&self) -> ItemKnn {
        *self
    }

    fn params_of(fitted: &FittedItemKnn) -> ItemKnn {
        *fitted.params()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::tests::csr;
    use crate::traits::Recommender;

    #[test]
    fn cosine_by_hand() {
        // item 0: users {0, 1}; item 1: users {0, 1, 2}; item 2: user {2}.
        let x = csr(3, 3, &[(0, 0), (1, 0), (0, 1), (1, 1), (2, 1), (2, 2)]);
        let m = ItemKnn::new().fit(&x).unwrap();
        let s01 = 2.0 / (2f32.sqrt() * 3f32.sqrt());
        let s12 = 1.0 / 3f32.sqrt();
        let sim = m.similar_items(1, 2).unwrap();
        assert_eq!(sim[0].0, 0);
        assert!(
            (sim[0].1 - s01).abs() < 1e-6 && (sim[1].1 - s12).abs() < 1e-6,
            "{sim:?}"
        );
        // Asymmetric α = 1: dot / ‖xᵢ‖² — item 2 → item 1 is 1/1.
        let m = ItemKnn::new().alpha(1.0).fit(&x).unwrap();
        assert!((m.similar_items(2, 1).unwrap()[0].1 - 1.0).abs() < 1e-6);
        // Shrink 1: 2 / (√6 + 1).
        let m = ItemKnn::new().shrink(1.0).fit(&x).unwrap();
        let got = m.similar_items(0, 1).unwrap()[0].1;
        assert!((got - 2.0 / (6f32.sqrt() + 1.0)).abs() < 1e-6, "{got}");
    }

    #[test]
    fn bad_parameters_are_named() {
        let x = csr(1, 2, &[(0, 0)]);
        for (m, name) in [
            (ItemKnn::new().neighbours(0), "neighbours"),
            (ItemKnn::new().alpha(1.5), "alpha"),
            (ItemKnn::new().shrink(-1.0), "shrink"),
        ] {
            let e = m.fit(&x).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn setters_and_params_keep_the_values_given() {
        let m = ItemKnn::new()
            .neighbours(7)
            .alpha(0.25)
            .shrink(2.0)
            .weighting(InteractionWeighting::Confidence { alpha: 3.0 });
        assert_eq!(
            m,
            ItemKnn {
                neighbours: 7,
                alpha: 0.25,
                shrink: 2.0,
                weighting: InteractionWeighting::Confidence { alpha: 3.0 },
            }
        );
        assert_eq!(RecommenderModel::params(&m), m);
        let x = csr(2, 3, &[(0, 0), (0, 1), (1, 1), (1, 2)]);
        let fitted = m.fit(&x).unwrap();
        assert_eq!(ItemKnn::params_of(&fitted), m);
        assert_eq!(*fitted.params(), m);
    }

    #[test]
    fn the_norms_use_the_interaction_weights() {
        // item 0: user 0 with weight 2, user 1 with weight 1; item 1: user 0
        // with weight 3. x₀·x₁ = 6, ‖x₀‖² = 5, ‖x₁‖² = 9.
        let x =
            CsrMatrix::from_triplets(2, 2, &[0, 0, 1], &[0, 1, 0], &[2.0f32, 3.0, 1.0]).unwrap();
        let m = ItemKnn::new().fit(&x).unwrap();
        let cosine = 6.0 / (5f32.sqrt() * 3.0);
        for (item, other) in [(0, 1), (1, 0)] {
            let got = m.similar_items(item, 1).unwrap();
            assert_eq!(got[0].0, other);
            assert!((got[0].1 - cosine).abs() < 1e-6, "{item}: {got:?}");
        }
        // α = 1: x₀·x₁ / ‖xᵢ‖² — 6/5 from item 0, 6/9 from item 1.
        let m = ItemKnn::new().alpha(1.0).fit(&x).unwrap();
        assert!((m.similar_items(0, 1).unwrap()[0].1 - 1.2).abs() < 1e-6);
        assert!((m.similar_items(1, 1).unwrap()[0].1 - 6.0 / 9.0).abs() < 1e-6);
    }
}
