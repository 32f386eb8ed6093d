//! EASE (Steck, 2019): the item × item weights `B` that best reconstruct the
//! interaction matrix from itself, `min ‖X − XB‖² + λ‖B‖²` with a zero
//! diagonal, in closed form: `P = (XᵀX + λI)⁻¹`, `B[i, j] = −P[i, j] / P[j, j]`
//! for `i ≠ j`, `B[j, j] = 0`.
//!
//! The inverse is computed exactly through Cholesky factors, by the cheaper
//! of two forms: the blocked SPD inverse of `XᵀX + λI`
//! ([`ua_tensor::linalg::spd_inverse`], about items³ flops) or, when there
//! are fewer users than items, the Woodbury identity
//! `(XᵀX + λI)⁻¹ = (I − ZᵀZ)/λ`, `Z = L⁻¹X`, `L·Lᵀ = XXᵀ + λI` (users × users;
//! about users·items² flops). Both run in parallel matrix products.
//!
//! The Gram matrix and its inverse are dense `items × items`, so memory
//! grows with the square of the catalogue and time with its cube: EASE
//! refuses catalogues above [`Ease::max_items`] with an error that says so
//! and points to the sparse item models.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::linalg::{cholesky_lower, gram_matrix, lower_triangular_inverse, spd_inverse};
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

/// `P = (XᵀX + λI)⁻¹`, exactly, by whichever of two Cholesky-based forms
/// is cheaper: with at least as many users as items, the blocked SPD
/// inverse of the item × item matrix (about items³ flops); with fewer
/// users than items, the Woodbury identity
/// `(λI + XᵀX)⁻¹ = (I − ZᵀZ)/λ` with `Z = L⁻¹X` and `L·Lᵀ = λI + XXᵀ` (users ×
/// users), about users·items² flops.
fn regularised_inverse(x: &CsrMatrix<f32>, lambda: f64) -> Result<Array2<f64>> {
    if x.n_rows() < x.n_cols() {
        inverse_through_users(x, lambda)
    } else {
        inverse_through_items(x, lambda)
    }
}

fn inverse_through_items(x: &CsrMatrix<f32>, lambda: f64) -> Result<Array2<f64>> {
    let mut g = gram(x);
    g.diag_mut().mapv_inplace(|v| v + lambda);
    Ok(spd_inverse(g.view())?)
}

fn inverse_through_users(x: &CsrMatrix<f32>, lambda: f64) -> Result<Array2<f64>> {
    let (n_users, n_items) = x.shape();
    let mut dense = Array2::<f64>::zeros((n_users, n_items));
    for (u, mut row) in dense.axis_iter_mut(Axis(0)).enumerate() {
        let (items, w) = x.row(u).unwrap_or((&[], &[]));
        for (&i, &v) in items.iter().zip(w) {
            row[i as usize] = f64::from(v);
        }
    }
    let mut k = gram_matrix(dense.t());
    k.diag_mut().mapv_inplace(|v| v + lambda);
    cholesky_lower(&mut k)?;
    let w = lower_triangular_inverse(k.view())?;
    drop(k);
    let mut z = Array2::<f64>::zeros((n_users, n_items));
    general_mat_mul(1.0, &w, &dense, 0.0, &mut z);
    drop(dense);
    let mut p = gram_matrix(z.view());
    p.mapv_inplace(|v| -v / lambda);
    p.diag_mut().mapv_inplace(|v| v + 1.0 / lambda);
    Ok(p)
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
        // The Gram matrix (or the users' one) and the inverse (f64), then B (f32).
        check_allocation(OP, "the item × item matrices", elements(OP, &[n, n, 3])?, 8)?;
        let p = regularised_inverse(interactions, self.lambda)?;
        let mut b = Array2::<f32>::zeros((n, n));
        b.axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(p.axis_iter(Axis(0)))
            .enumerate()
            .for_each(|(i, (mut b_row, p_row))| {
                // B = I − P·diag(1/diag(P)): B[i, j] = −P[i, j] / P[j, j], B[j, j] = 0.
                for (j, (bv, &pv)) in b_row.iter_mut().zip(p_row).enumerate() {
                    *bv = if i == j {
                        0.0
                    } else {
                        (-pv / p[[j, j]]) as f32
                    };
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

    #[test]
    fn both_inverse_forms_equal_the_direct_inverse() {
        // 5 users × 9 items (the users' form) and its transpose, 9 users × 5
        // items (the items' form); both checked against P·(XᵀX + λI) = I and
        // against each other.
        let pairs: Vec<(usize, usize)> = (0..5)
            .flat_map(|u| {
                (0..9)
                    .filter(move |i| (u * 7 + i * 3) % 4 != 0)
                    .map(move |i| (u, i))
            })
            .collect();
        let x = csr(5, 9, &pairs);
        let xt = x.transpose();
        for (m, lambda) in [(&x, 2.0), (&xt, 0.7)] {
            let g = gram(m);
            let n = m.n_cols();
            let forms = [
                inverse_through_items(m, lambda).unwrap(),
                inverse_through_users(m, lambda).unwrap(),
            ];
            for p in &forms {
                let id = (&g + &(Array2::<f64>::eye(n) * lambda)).dot(p);
                for ((i, j), v) in id.indexed_iter() {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((v - want).abs() < 1e-10, "{n} items ({i}, {j}): {v}");
                }
            }
            let diff = forms[0]
                .iter()
                .zip(&forms[1])
                .fold(0.0f64, |d, (a, b)| d.max((a - b).abs()));
            assert!(diff < 1e-12, "{diff}");
        }
        // fit picks the users' form for x (5 < 9) and gives the items' form's weights.
        let m = Ease::new().lambda(2.0).fit(&x).unwrap();
        let ItemWeights::Dense(b) = m.item_weights() else {
            panic!("EASE is dense")
        };
        let p = inverse_through_items(&x, 2.0).unwrap();
        for ((i, j), &v) in b.indexed_iter() {
            let want = if i == j { 0.0 } else { -p[[i, j]] / p[[j, j]] };
            assert!(
                (f64::from(v) - want).abs() < 1e-6,
                "({i}, {j}): {v} vs {want}"
            );
        }
    }

    #[test]
    fn the_gram_matrix_and_the_weights_use_the_interaction_weights() {
        // One user with weights 2 and 3: XᵀX = [[4, 6], [6, 9]].
        let x = CsrMatrix::from_triplets(1, 2, &[0, 0], &[0, 1], &[2.0f32, 3.0]).unwrap();
        assert_eq!(gram(&x), ndarray::array![[4.0, 6.0], [6.0, 9.0]]);
        // λ = 1: XᵀX + I = [[5, 6], [6, 10]], P = [[10, −6], [−6, 5]] / 14,
        // B[0, 1] = −P[0, 1] / P[1, 1] = 6/5, B[1, 0] = −P[1, 0] / P[0, 0] = 6/10.
        let m = Ease::new().lambda(1.0).fit(&x).unwrap();
        let ItemWeights::Dense(b) = m.item_weights() else {
            panic!("EASE is dense")
        };
        assert!((b[[0, 1]] - 1.2).abs() < 1e-6, "{}", b[[0, 1]]);
        assert!((b[[1, 0]] - 0.6).abs() < 1e-6, "{}", b[[1, 0]]);
        // The items' form on the same weights (its transpose has more users
        // than items): X = [[2], [3]] gives P = 1 / (13 + λ).
        let p = inverse_through_items(&x.transpose(), 1.0).unwrap();
        assert!((p[[0, 0]] - 1.0 / 14.0).abs() < 1e-12, "{}", p[[0, 0]]);
    }

    #[test]
    fn fitted_models_keep_their_parameters() {
        let p = Ease::new().lambda(3.0).max_items(50);
        assert_eq!(p.params(), p);
        let m = p.fit(&csr(2, 2, &[(0, 0), (1, 1)])).unwrap();
        assert_eq!(Ease::params_of(&m), p);
    }
}
