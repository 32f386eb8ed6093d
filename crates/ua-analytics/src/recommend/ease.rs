//! EASE (Steck, 2019): the item × item weights `B` that best reconstruct the
//! interaction matrix from itself, `min ‖X − XB‖² + λ‖B‖²` with a zero
//! diagonal, in closed form: `P = (XᵀX + λI)⁻¹`, `B[i, j] = −P[i, j] / P[j, j]`
//! for `i ≠ j`, `B[j, j] = 0`.
//!
//! The Gram matrix and its inverse are dense `items × items`, so memory
//! grows with the square of the catalogue and time with its cube: EASE
//! refuses catalogues above [`Ease::max_items`] with an error that says so
//! and points to the sparse item models.

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::linalg::Cholesky;
use ua_tensor::sparse::CsrMatrix;

use super::item_item::{FittedItemModel, ItemModelParams, ItemWeights};
use crate::error::parameter;
use crate::traits::RecommenderModel;
use crate::{Error, Result};

/// EASE parameters.
///
/// ```
/// use ua_analytics::recommend::{Ease, Filter};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
/// let x = CsrMatrix::from_triplets(3, 3, &[0, 0, 1, 1, 2, 2], &[0, 1, 0, 1, 0, 2], &[1.0f32; 6]).unwrap();
/// let m = Ease::new().lambda(1.0).fit(&x).unwrap();
/// assert_eq!(m.recommend(2, 1, &Filter::exclude_seen()).unwrap()[0].0, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ease {
    /// L2 regularisation λ > 0. Default 500 (the paper's value on large logs).
    pub lambda: f64,
    /// Largest catalogue accepted. Default 10,000 items (an 800 MB Gram matrix).
    pub max_items: usize,
}

impl Default for Ease {
    fn default() -> Self {
        Ease {
            lambda: 500.0,
            max_items: 10_000,
        }
    }
}

/// A fitted EASE model.
pub type FittedEase = FittedItemModel<Ease>;

impl Ease {
    /// The defaults: λ = 500, at most 10,000 items.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Ease::new().lambda, 500.0);
    /// ```
    pub fn new() -> Self {
        Ease::default()
    }

    /// Sets λ.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Ease::new().lambda(50.0).lambda, 50.0);
    /// ```
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }

    /// Sets the largest catalogue accepted.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Ease::new().max_items(20_000).max_items, 20_000);
    /// ```
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.max_items = max_items;
        self
    }
}

impl ItemModelParams for Ease {
    const KIND: &'static str = "ua-analytics/ease";

    fn validate(&self) -> Result<()> {
        if !(self.lambda > 0.0 && self.lambda.is_finite()) {
            return Err(parameter(
                "EASE",
                "lambda",
                format!("must be finite and > 0, got {}", self.lambda),
            ));
        }
        if self.max_items == 0 {
            return Err(parameter("EASE", "max_items", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// The dense Gram matrix `XᵀX` (items × items), in parallel over items.
fn gram(x: &CsrMatrix<f32>) -> Array2<f64> {
    let n = x.n_cols();
    let xt = x.transpose();
    let mut g = Array2::<f64>::zeros((n, n));
    g.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            let (users, a) = xt.row(i).unwrap_or((&[], &[]));
            for (&u, &a_ui) in users.iter().zip(a) {
                let (items, b) = x.row(u as usize).unwrap_or((&[], &[]));
                for (&j, &b_uj) in items.iter().zip(b) {
                    row[j as usize] += f64::from(a_ui) * f64::from(b_uj);
                }
            }
        });
    g
}

impl RecommenderModel for Ease {
    type Params = Ease;
    type Fitted = FittedEase;

    fn fit(&self, interactions: &CsrMatrix<f32>) -> Result<FittedEase> {
        const OP: &str = "EASE";
        self.validate()?;
        super::check_interactions(OP, interactions)?;
        let n = interactions.n_cols();
        if n > self.max_items {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!(
                    "the catalogue has {n} items, above max_items = {}: EASE inverts a dense {n} × {n} matrix \
                     (memory grows with items², time with items³); raise max_items if the machine can take it, \
                     or use ItemKnn or Rp3Beta, which keep sparse neighbours",
                    self.max_items
                ),
            });
        }
        // The Gram matrix, its factor and the inverse (f64), then B (f32).
        check_allocation(OP, "the item × item matrices", elements(OP, &[n, n, 3])?, 8)?;
        let mut g = gram(interactions);
        for i in 0..n {
            g[[i, i]] += self.lambda;
        }
        let g = g.into_raw_vec_and_offset().0;
        let chol = Cholesky::factor(&g, n)?;
        drop(g);
        let mut p = Array2::<f64>::zeros((n, n));
        p.axis_iter_mut(Axis(0))
            .into_par_iter()
            .enumerate()
            .try_for_each(|(j, mut row)| {
                // Row j of the symmetric inverse = the solution for e_j.
                let mut e = vec![0.0; n];
                e[j] = 1.0;
                chol.solve_in_place(&mut e)?;
                row.iter_mut().zip(e).for_each(|(r, v)| *r = v);
                Ok::<_, Error>(())
            })?;
        let diag: Vec<f64> = (0..n).map(|j| p[[j, j]]).collect();
        let b = Array2::from_shape_fn((n, n), |(i, j)| {
            if i == j {
                0.0
            } else {
                (-p[[i, j]] / diag[j]) as f32
            }
        });
        Ok(FittedItemModel::new(
            *self,
            interactions.clone(),
            ItemWeights::Dense(b),
        ))
    }

    fn params(&self) -> Ease {
        *self
    }

    fn params_of(fitted: &FittedEase) -> Ease {
        *fitted.params()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::tests::csr;

    #[test]
    fn closed_form_by_hand_on_two_items() {
        // Both users have both items: XᵀX = [[2, 2], [2, 2]], λ = 1:
        // G = [[3, 2], [2, 3]], P = [[3, −2], [−2, 3]] / 5,
        // B[0, 1] = −P[0, 1] / P[1, 1] = 2/3 = B[1, 0].
        let x = csr(2, 2, &[(0, 0), (0, 1), (1, 0), (1, 1)]);
        let m = Ease::new().lambda(1.0).fit(&x).unwrap();
        let ItemWeights::Dense(b) = m.item_weights() else {
            panic!("EASE is dense")
        };
        assert!((b[[0, 1]] - 2.0 / 3.0).abs() < 1e-6 && (b[[1, 0]] - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!((b[[0, 0]], b[[1, 1]]), (0.0, 0.0));
    }

    #[test]
    fn weights_solve_the_regularised_least_squares() {
        // Optimality: for every column j, (G + λI)·b_j − Gram_j = −μ_j e_j
        // (the Lagrange term of the zero diagonal): off-diagonal residuals vanish.
        let x = csr(
            4,
            3,
            &[
                (0, 0),
                (0, 1),
                (1, 1),
                (1, 2),
                (2, 0),
                (2, 2),
                (3, 0),
                (3, 1),
                (3, 2),
            ],
        );
        let lambda = 0.5;
        let m = Ease::new().lambda(lambda).fit(&x).unwrap();
        let ItemWeights::Dense(b) = m.item_weights() else {
            panic!("EASE is dense")
        };
        let g = gram(&x);
        for j in 0..3 {
            for i in 0..3 {
                if i == j {
                    continue;
                }
                let lhs: f64 = (0..3)
                    .map(|k| g[[i, k]] * f64::from(b[[k, j]]))
                    .sum::<f64>()
                    + lambda * f64::from(b[[i, j]]);
                assert!(
                    (lhs - g[[i, j]]).abs() < 1e-5,
                    "({i}, {j}): {lhs} vs {}",
                    g[[i, j]]
                );
            }
        }
    }

    #[test]
    fn catalogue_cap_and_bad_lambda_are_errors() {
        let x = csr(1, 3, &[(0, 0), (0, 2)]);
        let e = Ease::new().max_items(2).fit(&x).unwrap_err().to_string();
        assert!(
            e.contains("3 items") && e.contains("max_items = 2") && e.contains("ItemKnn"),
            "{e}"
        );
        assert!(Ease::new().max_items(3).fit(&x).is_ok());
        for l in [0.0, -1.0, f64::NAN] {
            assert!(
                Ease::new()
                    .lambda(l)
                    .fit(&x)
                    .unwrap_err()
                    .to_string()
                    .contains("lambda")
            );
        }
    }
}
