//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV";
//! Hardie's note 025) and customer lifetime value.
//!
//! A customer's transaction values are Gamma(p, ν) around their own mean
//! p/ν, with ν ~ Gamma(q, v) across customers. Fitted on customers with
//! repeat purchases (x > 0) and their mean repeat spend m > 0; for one
//! customer
//!
//! ```text
//! ln L = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v)
//! ```
//!
//! The model assumes that spend does not depend on purchase frequency; the
//! fit reports the Pearson correlation between x and m of the customers it
//! used ([`GammaGammaReport::frequency_spend_correlation`]) so a user can
//! see when that assumption fails. Customers with x = 0 or m ≤ 0 are left
//! out of the fit and counted.
//!
//! ```
//! use ua_analytics::clv::{GammaGamma, simulate_gamma_gamma};
//! let (x, m) = simulate_gamma_gamma(3000, (6.0, 4.0, 15.0), 10, 3).unwrap();
//! let fit = GammaGamma::new().fit(&x, &m).unwrap();
//! assert!(fit.convergence.converged);
//! assert_eq!(fit.report.used, 3000);
//! let spend = fit.expected_average_spend(&[0.0, 5.0], &[0.0, 40.0]).unwrap();
//! assert!((spend[0] - fit.p * fit.v / (fit.q - 1.0)).abs() < 1e-9); // the population mean
//! ```

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma};
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::bgnbd::FittedBgNbd;
use super::optim::{Convergence, multi_start};
use super::special::{digamma, ln_gamma};
use super::{CustomerHistories, pearson};
use crate::error::parameter;
use crate::{Error, Result};

/// The hyper-parameters of a Gamma-Gamma fit.
///
/// ```
/// let g = ua_analytics::clv::GammaGamma::new().l2(0.0).max_iter(300).tolerance(1e-9);
/// assert_eq!(g.max_iter, 300);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// L2 penalty on (p, q, v) added to the mean negative log-likelihood
    /// (lifetimes' `penalizer_coef`). ≥ 0.
    pub l2: f64,
    /// BFGS iterations per start (≥ 1).
    pub max_iter: usize,
    /// Convergence when the gradient max-norm (log-parameters) is at most this (> 0).
    pub tolerance: f64,
}

impl Default for GammaGamma {
    fn default() -> Self {
        GammaGamma {
            l2: 0.0,
            max_iter: 1000,
            tolerance: 1e-7,
        }
    }
}

const OP_FIT: &str = "GammaGamma::fit";

/// Which customers the spend model used and what it found about its
/// independence assumption.
///
/// ```
/// use ua_analytics::clv::GammaGamma;
/// let fit = GammaGamma::new().fit(&[0.0, 2.0, 3.0, 1.0, 4.0, 2.0], &[0.0, 10.0, -1.0, 12.0, 9.0, 14.0]).unwrap();
/// assert_eq!((fit.report.used, fit.report.excluded_no_repeat, fit.report.excluded_nonpositive_spend), (4, 1, 1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GammaGammaReport {
    /// Customers given.
    pub customers: usize,
    /// Customers the fit used (x > 0 and m > 0).
    pub used: usize,
    /// Left out: no repeat purchase (x = 0), so no repeat spend.
    pub excluded_no_repeat: usize,
    /// Left out: x > 0 but mean repeat spend ≤ 0 (refunds, free orders).
    pub excluded_nonpositive_spend: usize,
    /// Pearson correlation of x and m over the customers used; the model
    /// assumes it is about 0. `None` when x or m is constant.
    pub frequency_spend_correlation: Option<f64>,
}

impl GammaGamma {
    /// No penalty, 1,000 iterations, tolerance 1e-7 (lifetimes' `tol`).
    pub fn new() -> Self {
        Self::default()
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
    /// let e = ua_analytics::clv::GammaGamma::new().tolerance(-1.0).check().unwrap_err();
    /// assert!(e.to_string().contains("parameter tolerance"), "{e}");
    /// ```
    pub fn check(&self) -> Result<()> {
        super::optim::check_settings(OP_FIT, self.l2, self.max_iter, self.tolerance)
    }

    /// Fits on per-customer repeat purchases `frequency` (x) and mean
    /// repeat spend `mean_spend` (m). Customers with x = 0 or m ≤ 0 are
    /// excluded and counted in [`FittedGammaGamma::report`].
    ///
    /// Errors: different lengths; a NaN, infinite or negative x, or a
    /// fractional x, or a NaN/infinite m (naming the customer); fewer than
    /// two customers usable.
    ///
    /// ```
    /// use ua_analytics::clv::GammaGamma;
    /// let e = GammaGamma::new().fit(&[1.0, 2.0], &[3.0, f64::NAN]).unwrap_err();
    /// assert!(e.to_string().contains("customer 2 (index 1): mean spend m = NaN"), "{e}");
    /// let e = GammaGamma::new().fit(&[0.0, 2.0], &[0.0, 5.0]).unwrap_err();
    /// assert!(e.to_string().contains("1 customer(s) with x > 0 and spend > 0"), "{e}");
    /// ```
    pub fn fit(&self, frequency: &[f64], mean_spend: &[f64]) -> Result<FittedGammaGamma> {
        self.check()?;
        check_spend_inputs(OP_FIT, frequency, mean_spend)?;
        let mut report = GammaGammaReport {
            customers: frequency.len(),
            used: 0,
            excluded_no_repeat: 0,
            excluded_nonpositive_spend: 0,
            frequency_spend_correlation: None,
        };
        let (mut x, mut m) = (Vec::new(), Vec::new());
        for (&xi, &mi) in frequency.iter().zip(mean_spend) {
            if xi == 0.0 {
                report.excluded_no_repeat += 1;
            } else if mi <= 0.0 {
                report.excluded_nonpositive_spend += 1;
            } else {
                x.push(xi);
                m.push(mi);
            }
        }
        report.used = x.len();
        if x.len() < 2 {
            return Err(Error::InvalidArgument {
                op: OP_FIT,
                message: format!(
                    "{} customer(s) with x > 0 and spend > 0, at least 2 are needed \
                     ({} without repeat purchases, {} with spend ≤ 0 left out)",
                    x.len(),
                    report.excluded_no_repeat,
                    report.excluded_nonpositive_spend
                ),
            });
        }
        report.frequency_spend_correlation = pearson(&x, &m);
        let n = x.len() as f64;
        let data = SpendData::new(&x, &m);
        let l2 = self.l2;
        let objective = |theta: &[f64], g: &mut [f64]| -> f64 {
            let prm = [theta[0].exp(), theta[1].exp(), theta[2].exp()];
            let mut grad = [0.0; 3];
            let sum = data.log_likelihood(prm, &mut grad);
            for k in 0..3 {
                g[k] = prm[k] * (-grad[k] / n + 2.0 * l2 * prm[k]);
            }
            -sum / n + l2 * prm.iter().map(|v| v * v).sum::<f64>()
        };
        let mean_m = m.iter().sum::<f64>() / n;
        let starts = [
            vec![0.1; 3],
            vec![0.0; 3],
            vec![2f64.ln(), 3f64.ln(), (2.0 * mean_m).ln()],
        ];
        let (theta, value, convergence) = multi_start(
            "Gamma-Gamma starts",
            &objective,
            &starts,
            self.max_iter,
            self.tolerance,
        );
        if !value.is_finite() || theta.len() != 3 {
            return Err(Error::Undefined {
                op: OP_FIT,
                message: format!(
                    "no starting point gave a finite likelihood ({})",
                    convergence.message
                ),
            });
        }
        let (p, q, v) = (theta[0].exp(), theta[1].exp(), theta[2].exp());
        let log_likelihood = (0..x.len())
            .map(|i| customer_ll([p, q, v], x[i], m[i], None))
            .sum();
        Ok(FittedGammaGamma {
            params: self.clone(),
            p,
            q,
            v,
            log_likelihood,
            report,
            convergence,
        })
    }
}

fn check_spend_inputs(op: &'static str, frequency: &[f64], mean_spend: &[f64]) -> Result<()> {
    if frequency.len() != mean_spend.len() {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("{} mean spends (one per frequency)", frequency.len()),
            found: format!("{}", mean_spend.len()),
        });
    }
    if frequency.is_empty() {
        return Err(Error::Empty { op });
    }
    for (i, (&x, &m)) in frequency.iter().zip(mean_spend).enumerate() {
        let at = format!("customer {} (index {i})", i + 1);
        if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
            return Err(Error::InvalidArgument {
                op,
                message: format!("{at}: frequency x = {x} must be a whole number ≥ 0"),
            });
        }
        if !m.is_finite() {
            return Err(Error::InvalidArgument {
                op,
                message: format!("{at}: mean spend m = {m} must be finite"),
            });
        }
    }
    Ok(())
}

/// The fitting data with the x-only terms computed once per distinct x
/// and ln m, ln x once per customer.
struct SpendData {
    /// Distinct frequencies.
    xs: Vec<f64>,
    /// (index into `xs`, x, m, ln m + ln x) per customer.
    rows: Vec<(usize, f64, f64, f64)>,
}

impl SpendData {
    fn new(x: &[f64], m: &[f64]) -> SpendData {
        let mut xs: Vec<f64> = x.to_vec();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let rows = x
            .iter()
            .zip(m)
            .map(|(&xi, &mi)| {
                let k = xs.partition_point(|&v| v < xi);
                (k, xi, mi, mi.ln() + xi.ln())
            })
            .collect();
        SpendData { xs, rows }
    }

    /// Σ ln L and its gradient w.r.t. (p, q, v), added to `grad`; the same
    /// value as summing [`customer_ll`] over the customers.
    fn log_likelihood(&self, [p, q, v]: [f64; 3], grad: &mut [f64; 3]) -> f64 {
        let (lg_q, dg_q, ln_v) = (ln_gamma(q), digamma(q), v.ln());
        // Per distinct x: ln Γ(px+q) − ln Γ(px), ψ(px+q), ψ(px).
        let per_x: Vec<[f64; 3]> = self
            .xs
            .iter()
            .map(|&x| {
                let px = p * x;
                [
                    ln_gamma(px + q) - ln_gamma(px),
                    digamma(px + q),
                    digamma(px),
                ]
            })
            .collect();
        let mut sum = 0.0;
        for &(k, x, m, ln_mx) in &self.rows {
            let c = &per_x[k];
            let px = p * x;
            let xmv = x * m + v;
            let ln_xmv = xmv.ln();
            sum += c[0] - lg_q + q * ln_v + px * ln_mx - m.ln() - (px + q) * ln_xmv;
            grad[0] += x * (c[1] - c[2] + ln_mx - ln_xmv);
            grad[1] += c[1] - dg_q + ln_v - ln_xmv;
            grad[2] += q / v - (px + q) / xmv;
        }
        sum
    }
}

/// Log-likelihood of one customer; adds d lnL / d(p, q, v) to `grad`.
fn customer_ll([p, q, v]: [f64; 3], x: f64, m: f64, grad: Option<&mut [f64; 3]>) -> f64 {
    let px = p * x;
    let ln_xmv = (x * m + v).ln();
    if let Some(g) = grad {
        let d = digamma(px + q);
        g[0] += x * (d - digamma(px) + m.ln() + x.ln() - ln_xmv);
        g[1] += d - digamma(q) + v.ln() - ln_xmv;
        g[2] += q / v - (px + q) / (x * m + v);
    }
    ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + (px - 1.0) * m.ln() + px * x.ln()
        - (px + q) * ln_xmv
}

/// A fitted Gamma-Gamma model.
///
/// ```
/// use ua_analytics::clv::{FittedGammaGamma, GammaGamma, simulate_gamma_gamma};
/// use ua_tensor::persist::Persist;
/// let (x, m) = simulate_gamma_gamma(500, (6.0, 4.0, 15.0), 10, 3).unwrap();
/// let fit = GammaGamma::new().fit(&x, &m).unwrap();
/// assert_eq!(FittedGammaGamma::from_json(&fit.to_json().unwrap()).unwrap(), fit);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedGammaGamma {
    /// The hyper-parameters it was fitted with.
    pub params: GammaGamma,
    /// Shape of the transaction values.
    pub p: f64,
    /// Shape of the Gamma distribution of ν across customers.
    pub q: f64,
    /// Rate of the Gamma distribution of ν across customers.
    pub v: f64,
    /// Log-likelihood of the customers used (no penalty).
    pub log_likelihood: f64,
    /// Customers used and excluded; the frequency–spend correlation.
    pub report: GammaGammaReport,
    /// How the optimiser ended.
    pub convergence: Convergence,
}

/// How a CLV is summed: over `horizon` time units, in periods of `period`
/// units, each discounted at `discount_rate` per period.
///
/// The convention is lifetimes' `customer_lifetime_value` (which, with
/// `freq="D"`, uses 30-day periods and a monthly rate): with period ends
/// `t_k = min(k · period, horizon)`, `k = 1 … ⌈horizon / period⌉`,
///
/// ```text
/// CLV = Σ_k  spend · (E[X(t_k)] − E[X(t_{k−1})]) / (1 + discount_rate)^(t_k / period)
/// ```
///
/// where `E[X(t)]` is the customer's expected purchases in `(T, T + t]`
/// and `spend` the conditional expected average spend. For a horizon that
/// is a whole number of periods this is exactly lifetimes' figure; a
/// partial last period is discounted at its fractional time.
///
/// ```
/// let s = ua_analytics::clv::ClvSettings { horizon: 365.0, discount_rate: 0.01, period: 30.0 };
/// assert!(s.check().is_ok());
/// assert!(ua_analytics::clv::ClvSettings { period: 0.0, ..s }.check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvSettings {
    /// Length of the future summed over (time units, ≥ 0).
    pub horizon: f64,
    /// Discount rate per period (≥ 0).
    pub discount_rate: f64,
    /// Length of one discounting period (time units, > 0); 30 for days like lifetimes.
    pub period: f64,
}

/// lifetimes' defaults for a log in days: 12 months of 30 days, 1 % per
/// month.
///
/// ```
/// use ua_analytics::clv::ClvSettings;
/// let s = ClvSettings::default();
/// assert_eq!((s.horizon, s.discount_rate, s.period), (360.0, 0.01, 30.0));
/// assert!(s.check().is_ok());
/// ```
impl Default for ClvSettings {
    fn default() -> Self {
        ClvSettings {
            horizon: 360.0,
            discount_rate: 0.01,
            period: 30.0,
        }
    }
}

impl ClvSettings {
    /// Checks the three values, naming the one that is wrong.
    pub fn check(&self) -> Result<()> {
        const OP: &str = "ClvSettings";
        if !(self.horizon.is_finite() && self.horizon >= 0.0) {
            return Err(parameter(
                OP,
                "horizon",
                format!("must be finite and ≥ 0, got {}", self.horizon),
            ));
        }
        if !(self.discount_rate.is_finite() && self.discount_rate >= 0.0) {
            return Err(parameter(
                OP,
                "discount_rate",
                format!("must be finite and ≥ 0, got {}", self.discount_rate),
            ));
        }
        if !(self.period.is_finite() && self.period > 0.0) {
            return Err(parameter(
                OP,
                "period",
                format!("must be finite and > 0, got {}", self.period),
            ));
        }
        if self.horizon / self.period > 100_000.0 {
            return Err(parameter(
                OP,
                "period",
                format!(
                    "{} periods of {} in a horizon of {}: at most 100,000",
                    (self.horizon / self.period).ceil(),
                    self.period,
                    self.horizon
                ),
            ));
        }
        Ok(())
    }
}

const OP_PRED: &str = "FittedGammaGamma";

impl FittedGammaGamma {
    /// The population mean of average spend, `p v / (q − 1)`; an error when
    /// q ≤ 1 (the mean is infinite).
    ///
    /// ```
    /// use ua_analytics::clv::{GammaGamma, simulate_gamma_gamma};
    /// let (x, m) = simulate_gamma_gamma(800, (6.0, 4.0, 15.0), 10, 3).unwrap();
    /// let fit = GammaGamma::new().fit(&x, &m).unwrap();
    /// assert!((fit.population_mean_spend().unwrap() / (6.0 * 15.0 / 3.0) - 1.0).abs() < 0.1);
    /// ```
    pub fn population_mean_spend(&self) -> Result<f64> {
        if self.q <= 1.0 {
            return Err(Error::Undefined {
                op: OP_PRED,
                message: format!(
                    "q = {} ≤ 1: the population mean spend p·v/(q − 1) is infinite; the spend \
                     data has too heavy a tail for this model",
                    self.q
                ),
            });
        }
        Ok(self.p * self.v / (self.q - 1.0))
    }

    /// Log-likelihood of customers `(x, m)` under the fitted parameters (no
    /// penalty), over the customers the fit would use (x > 0 and m > 0);
    /// errors as [`GammaGamma::fit`] for bad inputs.
    ///
    /// ```
    /// use ua_analytics::clv::{GammaGamma, simulate_gamma_gamma};
    /// let (x, m) = simulate_gamma_gamma(300, (6.0, 4.0, 15.0), 10, 3).unwrap();
    /// let fit = GammaGamma::new().fit(&x, &m).unwrap();
    /// assert_eq!(fit.log_likelihood_of(&x, &m).unwrap(), fit.log_likelihood);
    /// ```
    pub fn log_likelihood_of(&self, frequency: &[f64], mean_spend: &[f64]) -> Result<f64> {
        check_spend_inputs(OP_PRED, frequency, mean_spend)?;
        Ok(frequency
            .iter()
            .zip(mean_spend)
            .filter(|&(&x, &m)| x > 0.0 && m > 0.0)
            .map(|(&x, &m)| customer_ll([self.p, self.q, self.v], x, m, None))
            .sum())
    }

    /// Conditional expected average spend per transaction,
    /// `p (v + x m) / (p x + q − 1)`: a weighted mean of the customer's own
    /// mean spend and the population mean. Customers the fit would have
    /// left out (x = 0 or m ≤ 0) get the population mean. Errors as
    /// [`GammaGamma::fit`] for bad inputs, and when q ≤ 1.
    ///
    /// ```
    /// use ua_analytics::clv::{GammaGamma, simulate_gamma_gamma};
    /// let (x, m) = simulate_gamma_gamma(800, (6.0, 4.0, 15.0), 10, 3).unwrap();
    /// let fit = GammaGamma::new().fit(&x, &m).unwrap();
    /// let e = fit.expected_average_spend(&[1.0, 50.0], &[100.0, 100.0]).unwrap();
    /// assert!(e[1] > e[0]); // more purchases: more weight on the customer's own mean
    /// ```
    pub fn expected_average_spend(
        &self,
        frequency: &[f64],
        mean_spend: &[f64],
    ) -> Result<Vec<f64>> {
        check_spend_inputs(OP_PRED, frequency, mean_spend)?;
        let population = self.population_mean_spend()?;
        Ok(frequency
            .iter()
            .zip(mean_spend)
            .map(|(&x, &m)| {
                if x > 0.0 && m > 0.0 {
                    self.p * (self.v + x * m) / (self.p * x + self.q - 1.0)
                } else {
                    population
                }
            })
            .collect())
    }

    /// Customer lifetime value over `settings.horizon` (see
    /// [`ClvSettings`] for the convention), from the transaction model
    /// `purchases` and this spend model. `mean_spend[i]` belongs to the
    /// customer of `histories` row i.
    ///
    /// ```
    /// use ua_analytics::clv::{BgNbd, ClvSettings, GammaGamma, simulate_bgnbd, simulate_gamma_gamma};
    /// let h = simulate_bgnbd(600, (0.5, 6.0, 0.7, 3.0), 40.0, 4).unwrap();
    /// let bg = BgNbd::new().fit(&h).unwrap();
    /// let (x, m) = simulate_gamma_gamma(600, (6.0, 4.0, 15.0), 10, 3).unwrap();
    /// let gg = GammaGamma::new().fit(&x, &m).unwrap();
    /// let spend = vec![30.0; h.len()];
    /// let none = ClvSettings { horizon: 60.0, discount_rate: 0.0, period: 30.0 };
    /// let clv = gg.customer_lifetime_value(&bg, &h, &spend, &none).unwrap();
    /// // Without discounting, CLV = expected purchases × expected average spend.
    /// let e = bg.expected_purchases(&h, 60.0).unwrap();
    /// let s = gg.expected_average_spend(h.frequency(), &spend).unwrap();
    /// assert!((clv[0] - e[0] * s[0]).abs() < 1e-9 * (1.0 + clv[0]));
    /// ```
    pub fn customer_lifetime_value(
        &self,
        purchases: &FittedBgNbd,
        histories: &CustomerHistories,
        mean_spend: &[f64],
        settings: &ClvSettings,
    ) -> Result<Vec<f64>> {
        settings.check()?;
        let spend = self.expected_average_spend(histories.frequency(), mean_spend)?;
        let periods = (settings.horizon / settings.period).ceil() as usize;
        let mut clv = vec![0.0; histories.len()];
        let mut previous = vec![0.0; histories.len()];
        for k in 1..=periods {
            let t_k = (k as f64 * settings.period).min(settings.horizon);
            let cumulative = purchases.expected_purchases(histories, t_k)?;
            let discount = (1.0 + settings.discount_rate).powf(t_k / settings.period);
            for i in 0..clv.len() {
                clv[i] += spend[i] * (cumulative[i] - previous[i]) / discount;
            }
            previous = cumulative;
        }
        Ok(clv)
    }
}

impl Persist for FittedGammaGamma {
    const KIND: &'static str = "ua-analytics/gamma-gamma";

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.check().map_err(|e| e.to_string())?;
        for (name, v) in [("p", self.p), ("q", self.q), ("v", self.v)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!(
                    "parameter {name} = {v} must be positive and finite"
                ));
            }
        }
        let r = &self.report;
        if r.used + r.excluded_no_repeat + r.excluded_nonpositive_spend != r.customers {
            return Err(format!(
                "report counts do not add up: {} used + {} + {} excluded ≠ {} customers",
                r.used, r.excluded_no_repeat, r.excluded_nonpositive_spend, r.customers
            ));
        }
        if !self.log_likelihood.is_finite() {
            return Err(format!(
                "log_likelihood {} is not finite",
                self.log_likelihood
            ));
        }
        Ok(())
    }
}

/// Simulates `n` customers of the Gamma-Gamma model with parameters
/// `(p, q, v)`, for tests: x uniform in `1..=max_frequency`, ν ~ Gamma(q,
/// rate v), x transaction values ~ Gamma(p, rate ν); returns (x, mean
/// spend). Seeded.
///
/// ```
/// let (x, m) = ua_analytics::clv::simulate_gamma_gamma(50, (6.0, 4.0, 15.0), 5, 1).unwrap();
/// assert!(x.iter().all(|&x| (1.0..=5.0).contains(&x)) && m.iter().all(|&m| m > 0.0));
/// ```
pub fn simulate_gamma_gamma(
    n: usize,
    (p, q, v): (f64, f64, f64),
    max_frequency: u32,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    const OP: &str = "simulate_gamma_gamma";
    for (name, val) in [("p", p), ("q", q), ("v", v)] {
        if !(val.is_finite() && val > 0.0) {
            return Err(parameter(OP, name, format!("must be > 0, got {val}")));
        }
    }
    if max_frequency == 0 {
        return Err(parameter(OP, "max_frequency", "must be at least 1"));
    }
    let nu_dist = Gamma::new(q, 1.0 / v).map_err(|e| parameter(OP, "q", e.to_string()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut xs, mut ms) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x = rng.random_range(1..=max_frequency);
        let nu: f64 = nu_dist.sample(&mut rng).max(1e-300);
        let values = Gamma::new(p, 1.0 / nu).map_err(|e| parameter(OP, "p", e.to_string()))?;
        let total: f64 = (0..x).map(|_| values.sample(&mut rng)).sum();
        xs.push(f64::from(x));
        ms.push(total / f64::from(x));
    }
    Ok((xs, ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let prm = [5.0, 3.5, 12.0];
        for &(x, m) in &[(1.0, 20.0), (7.0, 3.5), (250.0, 80.0)] {
            let mut g = [0.0; 3];
            customer_ll(prm, x, m, Some(&mut g));
            for k in 0..3 {
                let h = 1e-6 * prm[k];
                let (mut up, mut dn) = (prm, prm);
                up[k] += h;
                dn[k] -= h;
                let fd = (customer_ll(up, x, m, None) - customer_ll(dn, x, m, None)) / (2.0 * h);
                assert!(
                    (g[k] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                    "x={x} param {k}: {} vs {fd}",
                    g[k]
                );
            }
        }
    }

    #[test]
    fn grouped_likelihood_equals_the_sum_over_customers() {
        let (x, m) = ([1.0, 3.0, 3.0, 8.0], [20.0, 4.5, 30.0, 12.0]);
        let data = SpendData::new(&x, &m);
        assert_eq!(data.xs, [1.0, 3.0, 8.0]);
        let prm = [5.0, 3.5, 12.0];
        let (mut g, mut g_ref) = ([0.0; 3], [0.0; 3]);
        let v = data.log_likelihood(prm, &mut g);
        let v_ref: f64 = (0..4)
            .map(|i| customer_ll(prm, x[i], m[i], Some(&mut g_ref)))
            .sum();
        assert!((v - v_ref).abs() < 1e-12 * v_ref.abs(), "{v} vs {v_ref}");
        for k in 0..3 {
            assert!(
                (g[k] - g_ref[k]).abs() < 1e-12 * (1.0 + g_ref[k].abs()),
                "{g:?} vs {g_ref:?}"
            );
        }
    }

    #[test]
    fn settings_and_inputs_name_what_is_wrong() {
        let s = ClvSettings {
            horizon: 10.0,
            discount_rate: 0.0,
            period: 1.0,
        };
        for (bad, word) in [
            (ClvSettings { horizon: -1.0, ..s }, "horizon"),
            (
                ClvSettings {
                    discount_rate: f64::NAN,
                    ..s
                },
                "discount_rate",
            ),
            (ClvSettings { period: 1e-9, ..s }, "at most 100,000"),
        ] {
            let e = bad.check().unwrap_err().to_string();
            assert!(e.contains(word), "{e}");
        }
        let e = GammaGamma::new()
            .fit(&[1.0, 2.5], &[1.0, 2.0])
            .unwrap_err()
            .to_string();
        assert!(e.contains("customer 2 (index 1): frequency x = 2.5"), "{e}");
        let e = GammaGamma::new()
            .fit(&[1.0], &[1.0, 2.0])
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 mean spends") && e.contains("found 2"), "{e}");
    }

    #[test]
    fn q_at_most_one_is_an_error_not_infinity() {
        let (x, m) = simulate_gamma_gamma(200, (6.0, 4.0, 15.0), 10, 3).unwrap();
        let mut fit = GammaGamma::new().fit(&x, &m).unwrap();
        fit.q = 0.9;
        let e = fit
            .expected_average_spend(&[1.0], &[5.0])
            .unwrap_err()
            .to_string();
        assert!(e.contains("q = 0.9 ≤ 1"), "{e}");
    }

    #[test]
    fn load_checks_the_report_counts() {
        let (x, m) = simulate_gamma_gamma(100, (6.0, 4.0, 15.0), 10, 3).unwrap();
        let fit = GammaGamma::new().fit(&x, &m).unwrap();
        let json = fit
            .to_json()
            .unwrap()
            .replace("\"used\":100", "\"used\":99");
        let e = FittedGammaGamma::from_json(&json).unwrap_err().to_string();
        assert!(e.contains("do not add up"), "{e}");
    }
}
