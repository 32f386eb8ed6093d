//! Customer lifetime value: which customers are still "alive", how often
//! they will buy, what they will spend, and what they are worth.
//!
//! | item | what |
//! | --- | --- |
//! | [`CustomerHistories`] | checked (x, t_x, T) per customer: repeat purchases, recency, age |
//! | [`BgNbd`] → [`FittedBgNbd`] | BG/NBD and MBG/NBD by maximum likelihood: P(alive), expected purchases (per customer and for a new one), P(buys again) |
//! | [`BuysAgain`] | a [`Predictor`](crate::Predictor) of "buys at least once in the next `horizon`" over rows `[x, t_x, T]` |
//! | [`GammaGamma`] → [`FittedGammaGamma`] | the Gamma-Gamma spend model: conditional expected average spend, CLV over a horizon with a discount rate |
//! | [`special`] | `ln Γ`, digamma, `ln ₂F₁` in log space |
//!
//! The summary these models are fitted on comes from a transaction log via
//! [`ua_data::features::customer_base::CustomerBase`] (lifetimes'
//! definitions: x = repeat purchase days, t_x = last − first purchase day,
//! T = calibration end − first purchase day, mean repeat spend).
//!
//! ## Fitting
//!
//! Parameters are optimised as logarithms (so they stay positive) by BFGS
//! with analytic gradients (digamma terms) from several starts; the
//! likelihood is computed from `ln Γ` differences and a log-sum-exp of the
//! two branches of the BG/NBD likelihood, so frequencies in the thousands
//! and ages of decades do not overflow. As in lifetimes, BG/NBD is fitted
//! with time rescaled so that the largest T is 1 (α is rescaled back), and
//! the optional L2 penalty `l2 · Σ θ²` is on the parameters in those units,
//! added to the **mean** negative log-likelihood. Every fitted model carries
//! a [`Convergence`] report (converged flag, iterations, gradient norm,
//! starts): a fit that did not converge still returns its best point, with
//! `converged: false`.
//!
//! ```
//! use ua_analytics::clv::{BgNbd, CustomerHistories, GammaGamma};
//! // Simulate 3,000 customers from known BG/NBD parameters, then recover them.
//! let h = ua_analytics::clv::simulate_bgnbd(3000, (0.25, 4.0, 0.8, 2.5), 52.0, 7).unwrap();
//! let fit = BgNbd::new().fit(&h).unwrap();
//! assert!(fit.convergence.converged);
//! assert!((fit.r / 0.25 - 1.0).abs() < 0.25, "r = {}", fit.r);
//! let p = fit.probability_alive(&h).unwrap();
//! assert!(p.iter().all(|&p| (0.0..=1.0).contains(&p)));
//! let e = fit.expected_purchases(&h, 52.0).unwrap();
//! assert_eq!(e.len(), 3000);
//! # let _ = GammaGamma::new();
//! ```

pub mod bgnbd;
pub mod gamma_gamma;
pub(crate) mod optim;
pub mod special;

pub use bgnbd::{BgNbd, BgNbdVariant, BuysAgain, FittedBgNbd, simulate_bgnbd};
pub use gamma_gamma::{
    ClvSettings, FittedGammaGamma, GammaGamma, GammaGammaReport, simulate_gamma_gamma,
};
pub use optim::Convergence;

use serde::{Deserialize, Serialize};
use ua_data::features::customer_base::CustomerBase;

use crate::{Error, Result};

/// Per-customer purchase histories, checked: frequency x (repeat
/// purchases, a whole number ≥ 0), recency t_x (time of the last purchase
/// after the first, `0 ≤ t_x ≤ T`, and 0 when x = 0) and age T (time from
/// the first purchase to the end of the calibration period), in one time
/// unit (days in the `clv` example).
///
/// ```
/// use ua_analytics::clv::CustomerHistories;
/// let h = CustomerHistories::new(vec![0.0, 3.0], vec![0.0, 20.0], vec![30.0, 40.0]).unwrap();
/// assert_eq!(h.len(), 2);
/// let e = CustomerHistories::new(vec![2.0], vec![50.0], vec![40.0]).unwrap_err();
/// assert!(e.to_string().contains("customer 1 (index 0): recency t_x = 50 is greater than age T = 40"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerHistories {
    frequency: Vec<f64>,
    recency: Vec<f64>,
    age: Vec<f64>,
}

const OP_H: &str = "CustomerHistories::new";

impl CustomerHistories {
    /// Checks and keeps the three columns. Errors name the customer (1-based
    /// position and 0-based index), the value and what is expected:
    /// different lengths, no customer, a NaN, infinite or negative value, a
    /// fractional frequency, `t_x > T`, or `t_x > 0` with `x = 0`.
    ///
    /// ```
    /// use ua_analytics::clv::CustomerHistories;
    /// let e = CustomerHistories::new(vec![1.5], vec![1.0], vec![2.0]).unwrap_err();
    /// assert!(e.to_string().contains("frequency x = 1.5 is not a whole number"), "{e}");
    /// let e = CustomerHistories::new(vec![0.0], vec![3.0], vec![5.0]).unwrap_err();
    /// assert!(e.to_string().contains("recency t_x = 3 with frequency x = 0"), "{e}");
    /// let e = CustomerHistories::new(vec![1.0], vec![f64::NAN], vec![5.0]).unwrap_err();
    /// assert!(e.to_string().contains("recency t_x = NaN"), "{e}");
    /// ```
    pub fn new(frequency: Vec<f64>, recency: Vec<f64>, age: Vec<f64>) -> Result<Self> {
        let n = frequency.len();
        for (name, len) in [("recency", recency.len()), ("age", age.len())] {
            if len != n {
                return Err(Error::ShapeMismatch {
                    op: OP_H,
                    expected: format!("{n} values of {name} (one per frequency)"),
                    found: format!("{len}"),
                });
            }
        }
        if n == 0 {
            return Err(Error::Empty { op: OP_H });
        }
        let bad = |i: usize, message: String| Error::InvalidArgument {
            op: OP_H,
            message: format!("customer {} (index {i}): {message}", i + 1),
        };
        for i in 0..n {
            let (x, tx, t) = (frequency[i], recency[i], age[i]);
            for (name, v) in [("frequency x", x), ("recency t_x", tx), ("age T", t)] {
                if !v.is_finite() || v < 0.0 {
                    return Err(bad(i, format!("{name} = {v} must be finite and ≥ 0")));
                }
            }
            if x.fract() != 0.0 {
                return Err(bad(
                    i,
                    format!("frequency x = {x} is not a whole number of repeat purchases"),
                ));
            }
            if tx > t {
                return Err(bad(
                    i,
                    format!(
                        "recency t_x = {tx} is greater than age T = {t}; t_x is the last \
                         purchase time after the first and T the calibration end after the \
                         first, so t_x ≤ T"
                    ),
                ));
            }
            if x == 0.0 && tx != 0.0 {
                return Err(bad(
                    i,
                    format!(
                        "recency t_x = {tx} with frequency x = 0: a customer without repeat \
                         purchases has t_x = 0"
                    ),
                ));
            }
        }
        Ok(CustomerHistories {
            frequency,
            recency,
            age,
        })
    }

    /// The histories of a calibration summary built from a transaction log
    /// (valid by construction).
    ///
    /// ```
    /// use ua_analytics::clv::CustomerHistories;
    /// use ua_data::features::customer_base::{CustomerBase, CustomerBaseConfig};
    /// let s = CustomerBase::compute(&[1u64, 1, 2], &[0, 7, 3], &[5.0, 6.0, 2.0],
    ///     &CustomerBaseConfig { calibration_end: 8, holdout_end: None }).unwrap();
    /// let h = CustomerHistories::from_summary(&s).unwrap();
    /// assert_eq!((h.frequency(), h.recency(), h.age()), (&[1.0, 0.0][..], &[7.0, 0.0][..], &[8.0, 5.0][..]));
    /// ```
    pub fn from_summary<K>(summary: &CustomerBase<K>) -> Result<Self> {
        CustomerHistories::new(
            summary.frequency.iter().map(|&x| f64::from(x)).collect(),
            summary.recency.iter().map(|&x| f64::from(x)).collect(),
            summary.age.iter().map(|&x| f64::from(x)).collect(),
        )
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Always false: histories hold at least one customer.
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// x: repeat purchases per customer.
    pub fn frequency(&self) -> &[f64] {
        &self.frequency
    }

    /// t_x: time of the last purchase after the first.
    pub fn recency(&self) -> &[f64] {
        &self.recency
    }

    /// T: time from the first purchase to the end of the calibration period.
    pub fn age(&self) -> &[f64] {
        &self.age
    }
}

/// Pearson correlation of two equally long slices; `None` when fewer than
/// two values or either is constant.
pub(crate) fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len().min(b.len());
    if n < 2 {
        return None;
    }
    let ma = a.iter().sum::<f64>() / n as f64;
    let mb = b.iter().sum::<f64>() / n as f64;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa.sqrt() * sbb.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_reject_each_kind_of_bad_value_naming_the_customer() {
        let cases: [(f64, f64, f64, &str); 6] = [
            (
                -1.0,
                0.0,
                1.0,
                "customer 2 (index 1): frequency x = -1 must be finite and ≥ 0",
            ),
            (
                1.0,
                -2.0,
                1.0,
                "customer 2 (index 1): recency t_x = -2 must be finite",
            ),
            (1.0, 0.0, f64::INFINITY, "age T = inf must be finite"),
            (2.5, 1.0, 3.0, "frequency x = 2.5 is not a whole number"),
            (1.0, 4.0, 3.0, "recency t_x = 4 is greater than age T = 3"),
            (0.0, 1.0, 3.0, "recency t_x = 1 with frequency x = 0"),
        ];
        for (x, tx, t, words) in cases {
            let e = CustomerHistories::new(vec![1.0, x], vec![1.0, tx], vec![2.0, t])
                .unwrap_err()
                .to_string();
            assert!(e.contains(words), "{e} lacks {words}");
        }
        let e = CustomerHistories::new(vec![1.0], vec![1.0, 2.0], vec![2.0])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("1 values of recency") && e.contains("found 2"),
            "{e}"
        );
        let e = CustomerHistories::new(vec![], vec![], vec![]).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn pearson_by_hand() {
        // a = 1,2,3; b = 2,4,7: Σ(a−ā)(b−b̄) = 5, Σ(a−ā)² = 2, Σ(b−b̄)² = 38/3
        let r = pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0]).unwrap();
        assert!(
            (r - 5.0 / (2.0f64 * 38.0 / 3.0).sqrt()).abs() < 1e-12,
            "{r}"
        );
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
    }
}
