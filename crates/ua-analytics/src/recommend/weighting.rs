//! Re-weighting of interaction values before a model sees them: confidence
//! (`1 + α·w`), log confidence, BM25 and TF-IDF.

use serde::{Deserialize, Serialize};
use ua_tensor::sparse::CsrMatrix;

use crate::Result;
use crate::error::parameter;

/// How the interaction weights `w` (users × items) are transformed.
///
/// BM25 and TF-IDF follow Python's implicit (`bm25_weight`, `tfidf_weight`)
/// so that results compare: with N users and `df` users per item,
/// `idf = ln N − ln(1 + df)` (an item nearly every user has gets a weight
/// ≤ 0: it tells nothing about taste); BM25 multiplies
/// `w·(k1 + 1) / (k1·norm + w)` by it, where `norm = 1 − b + b·len / mean len`
/// and `len` is the user's total weight; TF-IDF is `√w · idf`.
///
/// ```
/// use ua_analytics::recommend::InteractionWeighting;
/// use ua_tensor::sparse::CsrMatrix;
/// let x = CsrMatrix::from_triplets(1, 2, &[0, 0], &[0, 1], &[1.0f32, 3.0]).unwrap();
/// let c = InteractionWeighting::Confidence { alpha: 2.0 }.apply(&x).unwrap();
/// assert_eq!(c.data(), &[3.0, 7.0]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub enum InteractionWeighting {
    /// The weights as they are.
    #[default]
    None,
    /// `1 + alpha·w` (Hu, Koren & Volinsky's confidence), `alpha > 0`.
    Confidence {
        /// Confidence per unit of weight.
        alpha: f32,
    },
    /// `1 + alpha·ln(1 + w / epsilon)`, for heavy-tailed counts.
    LogConfidence {
        /// Confidence scale, > 0.
        alpha: f32,
        /// Weight scale, > 0.
        epsilon: f32,
    },
    /// Okapi BM25 over users' histories (implicit's defaults: `k1 = 100`, `b = 0.8`).
    Bm25 {
        /// Saturation, > 0.
        k1: f32,
        /// Length normalisation, in [0, 1].
        b: f32,
    },
    /// `√w · idf`.
    TfIdf,
}

impl InteractionWeighting {
    /// BM25 with implicit's defaults (`k1 = 100`, `b = 0.8`).
    ///
    /// ```
    /// use ua_analytics::recommend::InteractionWeighting;
    /// assert_eq!(InteractionWeighting::bm25(), InteractionWeighting::Bm25 { k1: 100.0, b: 0.8 });
    /// ```
    pub fn bm25() -> Self {
        InteractionWeighting::Bm25 { k1: 100.0, b: 0.8 }
    }

    /// Checks the parameters; a bad value is an error naming it.
    ///
    /// ```
    /// use ua_analytics::recommend::InteractionWeighting;
    /// let e = InteractionWeighting::Confidence { alpha: -1.0 }.validate().unwrap_err();
    /// assert!(e.to_string().contains("alpha"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        const OP: &str = "interaction weighting";
        let positive = |name: &'static str, v: f32| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(parameter(
                    OP,
                    name,
                    format!("must be finite and > 0, got {v}"),
                ))
            }
        };
        match *self {
            InteractionWeighting::None | InteractionWeighting::TfIdf => Ok(()),
            InteractionWeighting::Confidence { alpha } => positive("alpha", alpha),
            InteractionWeighting::LogConfidence { alpha, epsilon } => {
                positive("alpha", alpha)?;
                positive("epsilon", epsilon)
            }
            InteractionWeighting::Bm25 { k1, b } => {
                positive("k1", k1)?;
                if (0.0..=1.0).contains(&b) {
                    Ok(())
                } else {
                    Err(parameter(OP, "b", format!("must be in [0, 1], got {b}")))
                }
            }
        }
    }

    /// The re-weighted matrix (same pattern). Errors: a bad parameter, or
    /// a weight that is negative or not finite (naming its user and item).
    ///
    /// ```
    /// use ua_analytics::recommend::InteractionWeighting;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(2, 1, &[0], &[0], &[4.0f32]).unwrap();
    /// // One of 2 users has the item: idf = ln 2 − ln 2 = 0.
    /// assert_eq!(InteractionWeighting::TfIdf.apply(&x).unwrap().data(), &[0.0]);
    /// ```
    pub fn apply(&self, x: &CsrMatrix<f32>) -> Result<CsrMatrix<f32>> {
        self.validate()?;
        super::check_interactions("interaction weighting", x)?;
        let out = match *self {
            InteractionWeighting::None => x.clone(),
            InteractionWeighting::Confidence { alpha } => x.map_values(|w| 1.0 + alpha * w),
            InteractionWeighting::LogConfidence { alpha, epsilon } => {
                x.map_values(|w| 1.0 + alpha * (w / epsilon).ln_1p())
            }
            InteractionWeighting::TfIdf => {
                let idf = idf(x);
                map_entries(x, |_, j, w| w.sqrt() * idf[j])?
            }
            InteractionWeighting::Bm25 { k1, b } => {
                let idf = idf(x);
                let lengths: Vec<f64> = (0..x.n_rows())
                    .map(|u| {
                        x.row(u)
                            .map_or(0.0, |(_, w)| w.iter().map(|&v| f64::from(v)).sum())
                    })
                    .collect();
                let mean = lengths.iter().sum::<f64>() / lengths.len().max(1) as f64;
                let (k1, b) = (f64::from(k1), f64::from(b));
                map_entries(x, |u, j, w| {
                    let norm = if mean > 0.0 {
                        1.0 - b + b * lengths[u] / mean
                    } else {
                        1.0
                    };
                    let w = f64::from(w);
                    (w * (k1 + 1.0) / (k1 * norm + w) * f64::from(idf[j])) as f32
                })?
            }
        };
        Ok(out)
    }
}

/// `ln N − ln(1 + df)` per item.
fn idf(x: &CsrMatrix<f32>) -> Vec<f32> {
    let mut df = vec![0u32; x.n_cols()];
    for &j in x.indices() {
        df[j as usize] += 1;
    }
    let n = (x.n_rows() as f64).ln();
    df.iter()
        .map(|&d| (n - f64::from(d).ln_1p()) as f32)
        .collect()
}

/// Applies `f(user, item, weight)` to every stored entry.
fn map_entries(x: &CsrMatrix<f32>, f: impl Fn(usize, usize, f32) -> f32) -> Result<CsrMatrix<f32>> {
    let mut data = Vec::with_capacity(x.nnz());
    for u in 0..x.n_rows() {
        let (items, w) = x.row(u).unwrap_or((&[], &[]));
        data.extend(items.iter().zip(w).map(|(&j, &v)| f(u, j as usize, v)));
    }
    Ok(CsrMatrix::from_parts(
        x.n_rows(),
        x.n_cols(),
        x.indptr().to_vec(),
        x.indices().to_vec(),
        data,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bm25_and_tfidf_match_implicit_by_hand() {
        // 3 users × 2 items; item 0 in 1 user, item 1 in 2 users.
        let x =
            CsrMatrix::from_triplets(3, 2, &[0, 0, 1], &[0, 1, 1], &[2.0f32, 1.0, 3.0]).unwrap();
        let idf0 = 3f64.ln() - 2f64.ln();
        // item 1: idf = ln 3 − ln 3 = 0, so both of its entries are 0.
        let t = InteractionWeighting::TfIdf.apply(&x).unwrap();
        assert!((f64::from(t.data()[0]) - 2f64.sqrt() * idf0).abs() < 1e-6);
        assert!(t.data()[1].abs() < 1e-6 && t.data()[2].abs() < 1e-6);
        // BM25: lengths 3, 3, 0 → mean 2; user 0's norm = 0.2 + 0.8·1.5 = 1.4.
        let b = InteractionWeighting::Bm25 { k1: 1.5, b: 0.8 }
            .apply(&x)
            .unwrap();
        let want = 2.0 * 2.5 / (1.5 * 1.4 + 2.0) * idf0;
        assert!(
            (f64::from(b.data()[0]) - want).abs() < 1e-6,
            "{:?}",
            b.data()
        );
        let l = InteractionWeighting::LogConfidence {
            alpha: 2.0,
            epsilon: 0.5,
        }
        .apply(&x)
        .unwrap();
        assert!((l.data()[0] - (1.0 + 2.0 * 5f32.ln())).abs() < 1e-5);
    }

    #[test]
    fn bad_parameters_name_themselves() {
        for (w, name) in [
            (InteractionWeighting::Confidence { alpha: 0.0 }, "alpha"),
            (
                InteractionWeighting::LogConfidence {
                    alpha: 1.0,
                    epsilon: f32::NAN,
                },
                "epsilon",
            ),
            (InteractionWeighting::Bm25 { k1: 1.0, b: 1.5 }, "b"),
            (InteractionWeighting::Bm25 { k1: -1.0, b: 0.5 }, "k1"),
        ] {
            let e = w.validate().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
        assert!(
            InteractionWeighting::Bm25 { k1: 1.0, b: 1.0 }
                .validate()
                .is_ok()
        );
        assert!(
            InteractionWeighting::Bm25 { k1: 1.0, b: 0.0 }
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn confidence_and_none_by_hand() {
        let x =
            CsrMatrix::from_triplets(2, 3, &[0, 0, 1], &[0, 2, 1], &[1.0f32, 3.0, 0.5]).unwrap();
        let c = InteractionWeighting::Confidence { alpha: 4.0 }
            .apply(&x)
            .unwrap();
        assert_eq!(c.data(), &[5.0, 13.0, 3.0]);
        assert_eq!((c.indptr(), c.indices()), (x.indptr(), x.indices()));
        assert_eq!(InteractionWeighting::None.apply(&x).unwrap(), x);
        assert_eq!(InteractionWeighting::default(), InteractionWeighting::None);
        assert_eq!(
            InteractionWeighting::bm25(),
            InteractionWeighting::Bm25 { k1: 100.0, b: 0.8 }
        );
    }

    #[test]
    fn bm25_of_every_entry_and_of_all_zero_weights() {
        // 4 users × 2 items; item 0 in 1 user, item 1 in 2 users.
        let x =
            CsrMatrix::from_triplets(4, 2, &[0, 0, 1], &[0, 1, 1], &[2.0f32, 1.0, 3.0]).unwrap();
        let (k1, b) = (1.5f64, 0.8f64);
        let idf = [4f64.ln() - 2f64.ln(), 4f64.ln() - 3f64.ln()];
        // lengths 3, 3, 0, 0 → mean 1.5: norm = 1 − b + b·3/1.5 = 1.8 for users 0 and 1.
        let norm = 1.0 - b + b * 3.0 / 1.5;
        let want = [(2.0, 0), (1.0, 1), (3.0, 1)]
            .map(|(w, j): (f64, usize)| w * (k1 + 1.0) / (k1 * norm + w) * idf[j]);
        let got = InteractionWeighting::Bm25 { k1: 1.5, b: 0.8 }
            .apply(&x)
            .unwrap();
        for (g, w) in got.data().iter().zip(want) {
            assert!(
                (f64::from(*g) - w).abs() < 1e-6,
                "{:?} vs {want:?}",
                got.data()
            );
        }
        // TF-IDF of the same entries.
        let t = InteractionWeighting::TfIdf.apply(&x).unwrap();
        let want = [(2.0, 0), (1.0, 1), (3.0, 1)].map(|(w, j): (f64, usize)| w.sqrt() * idf[j]);
        for (g, w) in t.data().iter().zip(want) {
            assert!(
                (f64::from(*g) - w).abs() < 1e-6,
                "{:?} vs {want:?}",
                t.data()
            );
        }
        // Stored zeros only: every length is 0, BM25 stays 0 (not NaN).
        let z = CsrMatrix::from_triplets(2, 2, &[0, 1], &[0, 1], &[0.0f32, 0.0]).unwrap();
        let got = InteractionWeighting::Bm25 { k1: 1.5, b: 0.8 }
            .apply(&z)
            .unwrap();
        assert_eq!(got.data(), &[0.0, 0.0]);
    }

    #[test]
    fn negative_or_non_finite_weights_are_errors_naming_user_and_item() {
        let x = CsrMatrix::from_triplets(2, 3, &[0, 1], &[0, 2], &[1.0f32, -2.0]).unwrap();
        for w in [
            InteractionWeighting::None,
            InteractionWeighting::TfIdf,
            InteractionWeighting::bm25(),
        ] {
            let e = w.apply(&x).unwrap_err().to_string();
            assert!(e.contains("user 1, item 2: weight -2"), "{e}");
        }
        let e = InteractionWeighting::Confidence {
            alpha: f32::INFINITY,
        }
        .apply(&x)
        .unwrap_err()
        .to_string();
        assert!(e.contains("alpha") && e.contains("inf"), "{e}");
    }
}
