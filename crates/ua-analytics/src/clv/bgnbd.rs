//! BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel &
//! Filiztekin 2007) by maximum likelihood.
//!
//! While alive, a customer buys as a Poisson process with rate
//! λ ~ Gamma(r, α); after each repeat purchase (BG/NBD), or also right after
//! the first one (MBG/NBD), the customer drops out with probability
//! p ~ Beta(a, b). For a customer with history (x, t_x, T) the
//! log-likelihood is
//!
//! ```text
//! ln L = ln Γ(r+x) − ln Γ(r) + r ln α
//!      + ln Γ(a+b) + ln Γ(b+x') − ln Γ(b) − ln Γ(a+b+x')          x' = x (BG), x+1 (MBG)
//!      + logaddexp( −(r+x) ln(α+T),
//!                   ln a − ln(b+x'−1) − (r+x) ln(α+t_x) )          BG: 2nd branch only for x > 0
//! ```
//!
//! (the form of lifetimes and of Hardie's note 004), evaluated from `ln Γ`
//! differences so that large x or T never overflow.
//!
//! ```
//! use ua_analytics::clv::{BgNbd, CustomerHistories};
//! let h = ua_analytics::clv::simulate_bgnbd(2000, (0.5, 6.0, 0.7, 3.0), 40.0, 11).unwrap();
//! let fit = BgNbd::new().fit(&h).unwrap();
//! assert!(fit.convergence.converged);
//! let one = CustomerHistories::new(vec![4.0], vec![30.0], vec![40.0]).unwrap();
//! let p = fit.probability_alive(&one).unwrap()[0];
//! let e = fit.expected_purchases(&one, 10.0).unwrap()[0];
//! assert!(p > 0.5 && e > 0.0);
//! ```

use ndarray::{Array1, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma};
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::CustomerHistories;
use super::optim::{Convergence, multi_start};
use super::special::{digamma, hyp2f1, ln_gamma, ln_hyp2f1};
use crate::error::parameter;
use crate::{Error, Predictor, Result};

/// Which model of the family.
///
/// ```
/// use ua_analytics::clv::BgNbdVariant;
/// assert_ne!(BgNbdVariant::BgNbd, BgNbdVariant::Modified);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BgNbdVariant {
    /// BG/NBD: dropout only after repeat purchases (a customer with x = 0 is alive).
    BgNbd,
    /// MBG/NBD: dropout also right after the first purchase.
    Modified,
}

/// The hyper-parameters of a BG/NBD or MBG/NBD fit.
///
/// ```
/// use ua_analytics::clv::{BgNbd, BgNbdVariant};
/// let p = BgNbd::new().modified().l2(0.001).max_iter(500).tolerance(1e-7);
/// assert_eq!(p.variant, BgNbdVariant::Modified);
/// assert_eq!(BgNbd::default().variant, BgNbdVariant::BgNbd);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// BG/NBD or MBG/NBD.
    pub variant: BgNbdVariant,
    /// L2 penalty on (r, α, a, b), α in units where the largest age is 1
    /// (lifetimes' `penalizer_coef`), added to the mean negative log-likelihood. ≥ 0.
    pub l2: f64,
    /// BFGS iterations per start (≥ 1).
    pub max_iter: usize,
    /// Convergence when the max-norm of the gradient (w.r.t. the log-parameters) is at most this (> 0).
    pub tolerance: f64,
}

impl Default for BgNbd {
    fn default() -> Self {
        BgNbd {
            variant: BgNbdVariant::BgNbd,
            l2: 0.0,
            max_iter: 1000,
            tolerance: 1e-7,
        }
    }
}

const OP_FIT: &str = "BgNbd::fit";

impl BgNbd {
    /// BG/NBD, no penalty, 1,000 iterations, tolerance 1e-7 (lifetimes' `tol`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Switches to MBG/NBD.
    pub fn modified(mut self) -> Self {
        self.variant = BgNbdVariant::Modified;
        self
    }

    /// Sets the L2 penalty.
    pub fn l2(mut self, l2: f64) -> Self {
        self.l2 = l2;
        self
    }

    /// Sets the iterations per start.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }

    /// Sets the gradient tolerance.
    pub fn tolerance(mut self, t: f64) -> Self {
        self.tolerance = t;
        self
    }

    /// Checks the hyper-parameters.
    ///
    /// ```
    /// let e = ua_analytics::clv::BgNbd::new().l2(-1.0).check().unwrap_err();
    /// assert!(e.to_string().contains("parameter l2"), "{e}");
    /// ```
    pub fn check(&self) -> Result<()> {
        super::optim::check_settings(OP_FIT, self.l2, self.max_iter, self.tolerance)
    }

    /// Fits the model by maximum likelihood (see the [module](self) docs).
    ///
    /// Errors: bad hyper-parameters, every age T = 0 (no observation
    /// time: nothing to fit), or no starting point with a finite
    /// likelihood. A fit that stops before the gradient tolerance is *not*
    /// an error: see [`FittedBgNbd::convergence`].
    ///
    /// ```
    /// use ua_analytics::clv::{BgNbd, CustomerHistories};
    /// let h = CustomerHistories::new(vec![0.0, 0.0], vec![0.0, 0.0], vec![0.0, 0.0]).unwrap();
    /// let e = BgNbd::new().fit(&h).unwrap_err();
    /// assert!(e.to_string().contains("every customer has age T = 0"), "{e}");
    /// ```
    pub fn fit(&self, histories: &CustomerHistories) -> Result<FittedBgNbd> {
        self.check()?;
        let max_t = histories.age().iter().copied().fold(0.0f64, f64::max);
        if max_t <= 0.0 {
            return Err(Error::InvalidArgument {
                op: OP_FIT,
                message: "every customer has age T = 0 (calibration end on the first purchase \
                          day): there is no observation time to fit; choose a later \
                          calibration end"
                    .into(),
            });
        }
        let scale = 1.0 / max_t;
        let data = Grouped::new(histories, scale);
        let n = histories.len() as f64;
        let (variant, l2) = (self.variant, self.l2);
        let objective = |theta: &[f64], g: &mut [f64]| -> f64 {
            let p = [
                theta[0].exp(),
                theta[1].exp(),
                theta[2].exp(),
                theta[3].exp(),
            ];
            let mut grad = [0.0; 4];
            let sum = data.log_likelihood(variant, p, &mut grad);
            for k in 0..4 {
                g[k] = p[k] * (-grad[k] / n + 2.0 * l2 * p[k]);
            }
            -sum / n + l2 * p.iter().map(|v| v * v).sum::<f64>()
        };
        // Starts in log units: lifetimes' 0.1, all ones, and a low-r/low-a point.
        let starts = [
            vec![0.1; 4],
            vec![0.0; 4],
            vec![(0.3f64).ln(), (0.3f64).ln(), (0.7f64).ln(), (2.5f64).ln()],
        ];
        let (theta, value, convergence) = multi_start(
            "BG/NBD starts",
            &objective,
            &starts,
            self.max_iter,
            self.tolerance,
        );
        if !value.is_finite() || theta.len() != 4 {
            return Err(Error::Undefined {
                op: OP_FIT,
                message: format!(
                    "no starting point gave a finite likelihood ({})",
                    convergence.message
                ),
            });
        }
        let mut fitted = FittedBgNbd {
            params: self.clone(),
            r: theta[0].exp(),
            alpha: theta[1].exp() / scale,
            a: theta[2].exp(),
            b: theta[3].exp(),
            log_likelihood: 0.0,
            n_customers: histories.len(),
            convergence,
        };
        fitted.log_likelihood = fitted.log_likelihood_of(histories);
        Ok(fitted)
    }
}

/// The fitting data with identical customers merged (weights) and the
/// terms that depend only on x computed once per distinct x: the `ln Γ` and
/// digamma parts of the likelihood, which dominate its cost.
struct Grouped {
    /// Distinct frequencies.
    xs: Vec<f64>,
    /// (index into `xs`, t_x, T, weight) per distinct customer.
    rows: Vec<(usize, f64, f64, f64)>,
}

impl Grouped {
    fn new(h: &CustomerHistories, scale: f64) -> Grouped {
        let mut keyed: Vec<(f64, f64, f64)> = (0..h.len())
            .map(|i| (h.frequency()[i], h.recency()[i], h.age()[i]))
            .collect();
        keyed.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
        });
        let mut xs: Vec<f64> = Vec::new();
        let mut rows: Vec<(usize, f64, f64, f64)> = Vec::new();
        let mut last: Option<(f64, f64, f64)> = None;
        for k in keyed {
            if last == Some(k) {
                if let Some(r) = rows.last_mut() {
                    r.3 += 1.0;
                }
                continue;
            }
            if xs.last() != Some(&k.0) {
                xs.push(k.0);
            }
            rows.push((xs.len() - 1, k.1 * scale, k.2 * scale, 1.0));
            last = Some(k);
        }
        Grouped { xs, rows }
    }

    /// Σ weight · ln L and its gradient w.r.t. (r, α, a, b), added to `grad`;
    /// the same value as summing [`customer_ll`] over the customers.
    fn log_likelihood(
        &self,
        variant: BgNbdVariant,
        [r, alpha, a, b]: [f64; 4],
        grad: &mut [f64; 4],
    ) -> f64 {
        let shift = match variant {
            BgNbdVariant::BgNbd => 0.0,
            BgNbdVariant::Modified => 1.0,
        };
        // Per distinct x: value, d/dr, d/da, d/db of the x-only terms.
        let (lg_r, dg_r, lg_b, dg_b, lg_ab, dg_ab) = (
            ln_gamma(r),
            digamma(r),
            ln_gamma(b),
            digamma(b),
            ln_gamma(a + b),
            digamma(a + b),
        );
        let per_x: Vec<[f64; 4]> = self
            .xs
            .iter()
            .map(|&x| {
                let xp = x + shift;
                let d_abx = digamma(a + b + xp);
                [
                    ln_gamma(r + x) - lg_r + lg_ab + ln_gamma(b + xp) - lg_b - ln_gamma(a + b + xp),
                    digamma(r + x) - dg_r,
                    dg_ab - d_abx,
                    dg_ab + digamma(b + xp) - dg_b - d_abx,
                ]
            })
            .collect();
        let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
        let mut sum = 0.0;
        for &(xi, tx, t, w) in &self.rows {
            let x = self.xs[xi];
            let xp = x + shift;
            let c = &per_x[xi];
            let has_second = variant == BgNbdVariant::Modified || x > 0.0;
            let ln_at = (alpha + t).ln();
            let ln_atx = (alpha + tx).ln();
            let a3 = -(r + x) * ln_at;
            let (mix, s4) = if has_second {
                let a4 = ln_a - (b + xp - 1.0).ln() - (r + x) * ln_atx;
                let m = a3.max(a4);
                let mix = m + ((a3 - m).exp() + (a4 - m).exp()).ln();
                (mix, (a4 - mix).exp())
            } else {
                (a3, 0.0)
            };
            let s3 = 1.0 - s4;
            sum += w * (c[0] + r * ln_alpha + mix);
            grad[0] += w * (c[1] + ln_alpha - s3 * ln_at - s4 * ln_atx);
            grad[1] += w * (r / alpha - (r + x) * (s3 / (alpha + t) + s4 / (alpha + tx)));
            grad[2] += w * (c[2] + s4 / a);
            grad[3] += w * (c[3] - if has_second { s4 / (b + xp - 1.0) } else { 0.0 });
        }
        sum
    }
}

/// Log-likelihood of one customer; adds d lnL / d(r, α, a, b) to `grad`.
fn customer_ll(
    variant: BgNbdVariant,
    [r, alpha, a, b]: [f64; 4],
    x: f64,
    tx: f64,
    t: f64,
    grad: Option<&mut [f64; 4]>,
) -> f64 {
    let xp = match variant {
        BgNbdVariant::BgNbd => x,
        BgNbdVariant::Modified => x + 1.0,
    };
    let has_second = variant == BgNbdVariant::Modified || x > 0.0;
    let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
    let a2 = ln_gamma(a + b) + ln_gamma(b + xp) - ln_gamma(b) - ln_gamma(a + b + xp);
    let ln_at = (alpha + t).ln();
    let ln_atx = (alpha + tx).ln();
    let a3 = -(r + x) * ln_at;
    let (mix, s4) = if has_second {
        let a4 = a.ln() - (b + xp - 1.0).ln() - (r + x) * ln_atx;
        let m = a3.max(a4);
        let mix = m + ((a3 - m).exp() + (a4 - m).exp()).ln();
        (mix, (a4 - mix).exp())
    } else {
        (a3, 0.0)
    };
    if let Some(g) = grad {
        let s3 = 1.0 - s4;
        g[0] += digamma(r + x) - digamma(r) + alpha.ln() - s3 * ln_at - s4 * ln_atx;
        g[1] += r / alpha - s3 * (r + x) / (alpha + t) - s4 * (r + x) / (alpha + tx);
        let common = digamma(a + b) - digamma(a + b + xp);
        g[2] += common + s4 / a;
        g[3] += common + digamma(b + xp) - digamma(b);
        if has_second {
            g[3] -= s4 / (b + xp - 1.0);
        }
    }
    a1 + a2 + mix
}

/// A fitted BG/NBD or MBG/NBD model. Time is in the unit of the histories
/// it was fitted on (days in the `clv` example).
///
/// ```
/// use ua_analytics::clv::BgNbd;
/// use ua_tensor::persist::Persist;
/// let h = ua_analytics::clv::simulate_bgnbd(500, (0.5, 6.0, 0.7, 3.0), 40.0, 3).unwrap();
/// let fit = BgNbd::new().fit(&h).unwrap();
/// let back = ua_analytics::clv::FittedBgNbd::from_json(&fit.to_json().unwrap()).unwrap();
/// assert_eq!(back, fit);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedBgNbd {
    /// The hyper-parameters it was fitted with.
    pub params: BgNbd,
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Rate (in the time unit) of the Gamma distribution of purchase rates.
    pub alpha: f64,
    /// First shape of the Beta distribution of dropout probabilities.
    pub a: f64,
    /// Second shape of the Beta distribution of dropout probabilities.
    pub b: f64,
    /// Log-likelihood of the fitting data in its own time unit, without the penalty.
    pub log_likelihood: f64,
    /// Customers it was fitted on.
    pub n_customers: usize,
    /// How the optimiser ended.
    pub convergence: Convergence,
}

const OP_PRED: &str = "FittedBgNbd";

fn check_horizon(op: &'static str, t: f64) -> Result<()> {
    if t.is_finite() && t >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            op,
            message: format!("horizon t = {t} must be finite and ≥ 0"),
        })
    }
}

impl FittedBgNbd {
    /// The parameters `[r, α, a, b]`.
    pub fn parameters(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// Total log-likelihood of `histories` under the fitted parameters (no penalty).
    ///
    /// ```
    /// use ua_analytics::clv::{BgNbd, CustomerHistories};
    /// let h = ua_analytics::clv::simulate_bgnbd(300, (0.5, 6.0, 0.7, 3.0), 40.0, 5).unwrap();
    /// let fit = BgNbd::new().fit(&h).unwrap();
    /// assert_eq!(fit.log_likelihood_of(&h), fit.log_likelihood);
    /// ```
    pub fn log_likelihood_of(&self, histories: &CustomerHistories) -> f64 {
        let p = self.parameters();
        (0..histories.len())
            .map(|i| {
                customer_ll(
                    self.params.variant,
                    p,
                    histories.frequency()[i],
                    histories.recency()[i],
                    histories.age()[i],
                    None,
                )
            })
            .sum()
    }

    /// ln of the odds "dropped out" : "alive" for one customer.
    fn ln_dead_odds(&self, x: f64, tx: f64, t: f64) -> Option<f64> {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let ratio = (r + x) * ((alpha + t).ln() - (alpha + tx).ln());
        match self.params.variant {
            BgNbdVariant::BgNbd if x == 0.0 => None,
            BgNbdVariant::BgNbd => Some(ratio + a.ln() - (b + x - 1.0).ln()),
            BgNbdVariant::Modified => Some(ratio + a.ln() - (b + x).ln()),
        }
    }

    fn alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        self.ln_dead_odds(x, tx, t)
            .map_or(1.0, |l| ua_tensor::stable::sigmoid(-l))
    }

    /// P(alive at the end of the calibration period | x, t_x, T) per
    /// customer. Under BG/NBD a customer without repeat purchases (x = 0)
    /// cannot have dropped out yet: P(alive) = 1; under MBG/NBD it is
    /// `1 / (1 + a/b · ((α+T)/α)^r)`.
    ///
    /// ```
    /// use ua_analytics::clv::{BgNbd, CustomerHistories};
    /// let h = ua_analytics::clv::simulate_bgnbd(800, (0.5, 6.0, 0.7, 3.0), 40.0, 9).unwrap();
    /// let fit = BgNbd::new().fit(&h).unwrap();
    /// let q = CustomerHistories::new(vec![0.0, 5.0, 5.0], vec![0.0, 39.0, 5.0], vec![40.0; 3]).unwrap();
    /// let p = fit.probability_alive(&q).unwrap();
    /// assert_eq!(p[0], 1.0);
    /// assert!(p[1] > p[2]); // a recent last purchase means more likely alive
    /// ```
    pub fn probability_alive(&self, histories: &CustomerHistories) -> Result<Vec<f64>> {
        Ok((0..histories.len())
            .map(|i| {
                self.alive(
                    histories.frequency()[i],
                    histories.recency()[i],
                    histories.age()[i],
                )
            })
            .collect())
    }

    /// Expected purchases in `(T, T + t]` of one customer.
    fn conditional_one(&self, t: f64, x: f64, tx: f64, age: f64) -> Result<f64> {
        if t == 0.0 {
            return Ok(0.0);
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let (hb, hc, lead) = match self.params.variant {
            BgNbdVariant::BgNbd => (b + x, a + b + x - 1.0, (a + b + x - 1.0) / (a - 1.0)),
            BgNbdVariant::Modified => (b + x + 1.0, a + b + x, (a + b + x) / (a - 1.0)),
        };
        let z = t / (alpha + age + t);
        let undefined = |m: String| Error::Undefined {
            op: OP_PRED,
            message: format!("expected purchases: {m}"),
        };
        let ln_decay = (r + x) * ((alpha + age).ln() - (alpha + age + t).ln());
        // In log space while c > 0 (large histories); a + b < 1 makes c
        // negative for customers without repeat purchases, where the
        // hypergeometric value may be negative and is small.
        let bracket = if hc > 0.0 {
            -(ln_hyp2f1(r + x, hb, hc, z).map_err(undefined)? + ln_decay).exp_m1()
        } else {
            1.0 - ln_decay.exp() * hyp2f1(r + x, hb, hc, z).map_err(undefined)?
        };
        let value = lead * bracket * self.alive(x, tx, age);
        if value.is_finite() {
            Ok(value.max(0.0))
        } else {
            Err(Error::Undefined {
                op: OP_PRED,
                message: format!(
                    "expected purchases are not finite for a = {a} (the formula divides by a − 1)"
                ),
            })
        }
    }

    /// Expected purchases in the next `t` time units, `(T, T + t]`, given
    /// each customer's history (Fader, Hardie & Lee 2005, eq. 10; MBG/NBD:
    /// Batislam et al. 2007).
    ///
    /// Errors: `t` negative or not finite; a hypergeometric term that does
    /// not converge (a horizon enormous next to α + T); a = 1 exactly.
    ///
    /// ```
    /// use ua_analytics::clv::{BgNbd, CustomerHistories};
    /// let h = ua_analytics::clv::simulate_bgnbd(800, (0.5, 6.0, 0.7, 3.0), 40.0, 9).unwrap();
    /// let fit = BgNbd::new().fit(&h).unwrap();
    /// let q = CustomerHistories::new(vec![1.0, 8.0], vec![30.0, 30.0], vec![40.0; 2]).unwrap();
    /// let e = fit.expected_purchases(&q, 20.0).unwrap();
    /// assert!(e[1] > e[0]);
    /// assert!(fit.expected_purchases(&q, -1.0).is_err());
    /// ```
    pub fn expected_purchases(&self, histories: &CustomerHistories, t: f64) -> Result<Vec<f64>> {
        check_horizon(OP_PRED, t)?;
        (0..histories.len())
            .map(|i| {
                self.conditional_one(
                    t,
                    histories.frequency()[i],
                    histories.recency()[i],
                    histories.age()[i],
                )
            })
            .collect()
    }

    /// Expected repeat purchases in `(0, t]` of a new customer (just made a
    /// first purchase at time 0).
    ///
    /// ```
    /// use ua_analytics::clv::BgNbd;
    /// let h = ua_analytics::clv::simulate_bgnbd(800, (0.5, 6.0, 0.7, 3.0), 40.0, 9).unwrap();
    /// let fit = BgNbd::new().fit(&h).unwrap();
    /// let (e10, e40) = (fit.expected_purchases_new_customer(10.0).unwrap(),
    ///                   fit.expected_purchases_new_customer(40.0).unwrap());
    /// assert!(0.0 < e10 && e10 < e40);
    /// ```
    pub fn expected_purchases_new_customer(&self, t: f64) -> Result<f64> {
        check_horizon(OP_PRED, t)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let (hb, hc, lead) = match self.params.variant {
            BgNbdVariant::BgNbd => (b, a + b - 1.0, (a + b - 1.0) / (a - 1.0)),
            BgNbdVariant::Modified => (b + 1.0, a + b, b / (a - 1.0)),
        };
        let undefined = |m: String| Error::Undefined {
            op: OP_PRED,
            message: format!("expected purchases of a new customer: {m}"),
        };
        let (z, ln_decay) = (t / (alpha + t), r * (alpha.ln() - (alpha + t).ln()));
        let bracket = if hc > 0.0 {
            -(ln_hyp2f1(r, hb, hc, z).map_err(undefined)? + ln_decay).exp_m1()
        } else {
            1.0 - ln_decay.exp() * hyp2f1(r, hb, hc, z).map_err(undefined)?
        };
        let value = lead * bracket;
        if value.is_finite() {
            Ok(value.max(0.0))
        } else {
            Err(Error::Undefined {
                op: OP_PRED,
                message: format!("expected purchases are not finite for a = {a}"),
            })
        }
    }

    /// P(at least one purchase in `(T, T + t]` | history) per customer:
    /// `P(alive) · (1 − ((α+T)/(α+T+t))^(r+x))` — an alive customer cannot
    /// drop out without buying, and its purchase rate given the history is
    /// Gamma(r + x, α + T).
    ///
    /// ```
    /// use ua_analytics::clv::{BgNbd, CustomerHistories};
    /// let h = ua_analytics::clv::simulate_bgnbd(800, (0.5, 6.0, 0.7, 3.0), 40.0, 9).unwrap();
    /// let fit = BgNbd::new().fit(&h).unwrap();
    /// let q = CustomerHistories::new(vec![6.0], vec![39.0], vec![40.0]).unwrap();
    /// let p = fit.probability_buys_again(&q, 30.0).unwrap()[0];
    /// assert!(p > 0.5 && p <= fit.probability_alive(&q).unwrap()[0]);
    /// ```
    pub fn probability_buys_again(
        &self,
        histories: &CustomerHistories,
        t: f64,
    ) -> Result<Vec<f64>> {
        check_horizon(OP_PRED, t)?;
        Ok((0..histories.len())
            .map(|i| {
                let (x, tx, age) = (
                    histories.frequency()[i],
                    histories.recency()[i],
                    histories.age()[i],
                );
                let none_while_alive =
                    (self.r + x) * ((self.alpha + age).ln() - (self.alpha + age + t).ln());
                self.alive(x, tx, age) * -none_while_alive.exp_m1()
            })
            .collect())
    }
}

impl Persist for FittedBgNbd {
    const KIND: &'static str = "ua-analytics/bgnbd";

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.check().map_err(|e| e.to_string())?;
        for (name, v) in [
            ("r", self.r),
            ("alpha", self.alpha),
            ("a", self.a),
            ("b", self.b),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!(
                    "parameter {name} = {v} must be positive and finite"
                ));
            }
        }
        if !self.log_likelihood.is_finite() {
            return Err(format!(
                "log_likelihood {} is not a finite value",
                self.log_likelihood
            ));
        }
        let c = &self.convergence;
        if !(c.gradient_norm.is_finite() && c.gradient_norm >= 0.0) || c.starts_converged > c.starts
        {
            return Err(format!(
                "convergence report is inconsistent: gradient norm {}, {} of {} starts converged",
                c.gradient_norm, c.starts_converged, c.starts
            ));
        }
        Ok(())
    }
}

/// "Buys again within `horizon`" as a [`Predictor`] over rows
/// `[x, t_x, T]` (f32, in the model's time unit):
/// [`FittedBgNbd::probability_buys_again`]. Rows with bad histories are
/// errors naming the row.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::Predictor;
/// use ua_analytics::clv::{BgNbd, BuysAgain};
/// let h = ua_analytics::clv::simulate_bgnbd(800, (0.5, 6.0, 0.7, 3.0), 40.0, 9).unwrap();
/// let model = BuysAgain { model: BgNbd::new().fit(&h).unwrap(), horizon: 30.0 };
/// let p = model.predict_proba(array![[6.0f32, 39.0, 40.0], [0.0, 0.0, 40.0]].view()).unwrap();
/// assert!(p[0] > p[1]);
/// let e = model.predict_proba(array![[1.0f32, 50.0, 40.0]].view()).unwrap_err();
/// assert!(e.to_string().contains("customer 1 (index 0)"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuysAgain {
    /// The fitted transaction model.
    pub model: FittedBgNbd,
    /// Length of the period after T, in the model's time unit.
    pub horizon: f64,
}

impl Predictor<ArrayView2<'_, f32>> for BuysAgain {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        if x.ncols() != 3 {
            return Err(Error::ShapeMismatch {
                op: "BuysAgain::predict_proba",
                expected: "3 columns: frequency x, recency t_x, age T".into(),
                found: format!("{} columns", x.ncols()),
            });
        }
        if x.nrows() == 0 {
            return Ok(Array1::zeros(0));
        }
        let col = |j: usize| x.column(j).iter().map(|&v| f64::from(v)).collect();
        let h = CustomerHistories::new(col(0), col(1), col(2))?;
        let p = self.model.probability_buys_again(&h, self.horizon)?;
        Ok(p.into_iter().map(|v| v as f32).collect())
    }
}

impl Persist for BuysAgain {
    const KIND: &'static str = "ua-analytics/bgnbd-buys-again";

    fn validate(&self) -> std::result::Result<(), String> {
        self.model.validate()?;
        if self.horizon.is_finite() && self.horizon >= 0.0 {
            Ok(())
        } else {
            Err(format!("horizon {} must be finite and ≥ 0", self.horizon))
        }
    }
}

/// Simulates `n` customers from BG/NBD with parameters `(r, α, a, b)`, for
/// tests and demonstrations: customer i is observed for an age T drawn
/// uniformly from `[max_age / 2, max_age]` (customers acquired over time);
/// λ ~ Gamma(r, rate α), p ~ Beta(a, b), purchases at Poisson(λ) times,
/// dropout with probability p after each repeat purchase. Seeded.
///
/// ```
/// let h = ua_analytics::clv::simulate_bgnbd(100, (0.5, 6.0, 0.7, 3.0), 40.0, 1).unwrap();
/// assert_eq!(h.len(), 100);
/// assert!(h.age().iter().all(|&t| (20.0..=40.0).contains(&t)));
/// assert!(ua_analytics::clv::simulate_bgnbd(10, (0.0, 1.0, 1.0, 1.0), 40.0, 1).is_err());
/// ```
pub fn simulate_bgnbd(
    n: usize,
    (r, alpha, a, b): (f64, f64, f64, f64),
    max_age: f64,
    seed: u64,
) -> Result<CustomerHistories> {
    const OP: &str = "simulate_bgnbd";
    let bad = |name: &'static str, v: f64| parameter(OP, name, format!("must be > 0, got {v}"));
    for (name, v) in [
        ("r", r),
        ("alpha", alpha),
        ("a", a),
        ("b", b),
        ("max_age", max_age),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(name, v));
        }
    }
    let rates = Gamma::new(r, 1.0 / alpha).map_err(|e| parameter(OP, "r", e.to_string()))?;
    let drops = Beta::new(a, b).map_err(|e| parameter(OP, "a", e.to_string()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut xs, mut txs, mut ts) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let age = max_age * (0.5 + 0.5 * rng.random::<f64>());
        let lambda: f64 = rates.sample(&mut rng).max(1e-300);
        let p: f64 = drops.sample(&mut rng);
        let (mut time, mut x, mut tx) = (0.0, 0.0, 0.0);
        loop {
            time += -(1.0 - rng.random::<f64>()).ln() / lambda;
            if time > age {
                break;
            }
            x += 1.0;
            tx = time;
            if rng.random::<f64>() < p {
                break;
            }
        }
        xs.push(x);
        txs.push(tx);
        ts.push(age);
    }
    CustomerHistories::new(xs, txs, ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finite differences of the per-customer log-likelihood agree with the
    /// analytic gradient, for both variants and x = 0 / x > 0.
    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let p = [0.6, 3.0, 0.8, 2.4];
        for variant in [BgNbdVariant::BgNbd, BgNbdVariant::Modified] {
            for &(x, tx, t) in &[(0.0, 0.0, 5.0), (3.0, 2.5, 4.0), (40.0, 9.0, 10.0)] {
                let mut g = [0.0; 4];
                customer_ll(variant, p, x, tx, t, Some(&mut g));
                for k in 0..4 {
                    let h = 1e-6 * p[k];
                    let (mut up, mut dn) = (p, p);
                    up[k] += h;
                    dn[k] -= h;
                    let fd = (customer_ll(variant, up, x, tx, t, None)
                        - customer_ll(variant, dn, x, tx, t, None))
                        / (2.0 * h);
                    assert!(
                        (g[k] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{variant:?} x={x} param {k}: analytic {} vs fd {fd}",
                        g[k]
                    );
                }
            }
        }
    }

    #[test]
    fn grouped_likelihood_equals_the_sum_over_customers() {
        let h = CustomerHistories::new(
            vec![0.0, 0.0, 3.0, 3.0, 3.0, 12.0],
            vec![0.0, 0.0, 20.0, 20.0, 15.0, 39.0],
            vec![30.0, 30.0, 40.0, 40.0, 40.0, 40.0],
        )
        .unwrap();
        let data = Grouped::new(&h, 0.5);
        assert_eq!(data.xs, [0.0, 3.0, 12.0]);
        assert_eq!(data.rows.len(), 4);
        assert_eq!(data.rows.iter().map(|r| r.3).sum::<f64>(), 6.0);
        let p = [0.6, 3.0, 0.8, 2.4];
        for variant in [BgNbdVariant::BgNbd, BgNbdVariant::Modified] {
            let mut g = [0.0; 4];
            let v = data.log_likelihood(variant, p, &mut g);
            let mut g_ref = [0.0; 4];
            let v_ref: f64 = (0..h.len())
                .map(|i| {
                    customer_ll(
                        variant,
                        p,
                        h.frequency()[i],
                        h.recency()[i] * 0.5,
                        h.age()[i] * 0.5,
                        Some(&mut g_ref),
                    )
                })
                .sum();
            assert!((v - v_ref).abs() < 1e-12 * v_ref.abs(), "{v} vs {v_ref}");
            for k in 0..4 {
                assert!(
                    (g[k] - g_ref[k]).abs() < 1e-12 * (1.0 + g_ref[k].abs()),
                    "{k}: {g:?} vs {g_ref:?}"
                );
            }
        }
    }

    #[test]
    fn bad_hyper_parameters_name_themselves() {
        let h = simulate_bgnbd(20, (0.5, 6.0, 0.7, 3.0), 40.0, 1).unwrap();
        for (p, word) in [
            (BgNbd::new().l2(f64::NAN), "l2"),
            (BgNbd::new().max_iter(0), "max_iter"),
            (BgNbd::new().tolerance(0.0), "tolerance"),
        ] {
            let e = p.fit(&h).unwrap_err().to_string();
            assert!(e.contains(&format!("parameter {word}")), "{e}");
        }
    }

    #[test]
    fn one_iteration_is_reported_as_not_converged() {
        let h = simulate_bgnbd(300, (0.5, 6.0, 0.7, 3.0), 40.0, 2).unwrap();
        let fit = BgNbd::new().max_iter(1).fit(&h).unwrap();
        assert!(!fit.convergence.converged);
        assert_eq!(fit.convergence.starts_converged, 0);
        assert!(fit.convergence.message.contains("max_iter = 1"));
        assert!(fit.convergence.gradient_norm > 1e-8);
    }

    #[test]
    fn persisted_model_is_validated_at_load() {
        let h = simulate_bgnbd(300, (0.5, 6.0, 0.7, 3.0), 40.0, 2).unwrap();
        let fit = BgNbd::new().fit(&h).unwrap();
        let json = fit.to_json().unwrap();
        let broken = json.replace(&format!("\"r\":{}", fit.r), "\"r\":-1.0");
        assert_ne!(broken, json);
        let e = FittedBgNbd::from_json(&broken).unwrap_err().to_string();
        assert!(e.contains("parameter r = -1 must be positive"), "{e}");
        let wrong = BuysAgain {
            model: fit,
            horizon: 10.0,
        }
        .to_json()
        .unwrap();
        assert!(FittedBgNbd::from_json(&wrong).is_err());
    }
}
