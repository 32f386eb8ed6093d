//! Special functions in log space for the customer-base likelihoods:
//! `ln Γ`, the digamma function `ψ`, and `ln ₂F₁(a, b; c; z)` for positive
//! parameters and `0 ≤ z < 1`.
//!
//! `ln Γ` and `ψ` shift the argument up to ≥ 20 with the recurrences
//! `Γ(x+1) = xΓ(x)`, `ψ(x+1) = ψ(x) + 1/x` and then use the asymptotic
//! (Stirling) series, accurate to about 1e-15 relative for every positive
//! argument. The hypergeometric series is summed term by term in log space
//! with a running maximum, so parameters in the thousands (a customer with
//! many purchases) never overflow.
//!
//! ```
//! use ua_analytics::clv::special::{digamma, ln_gamma, ln_hyp2f1};
//! assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);
//! assert!((digamma(1.0) + 0.577_215_664_901_532_9).abs() < 1e-13);
//! // ₂F₁(a, b; b; z) = (1 − z)^(−a), here far beyond f64's range before the log.
//! let v = ln_hyp2f1(5000.0, 3.0, 3.0, 0.5).unwrap();
//! assert!((v - 5000.0 * 2f64.ln()).abs() < 1e-8 * v);
//! ```

use std::f64::consts::PI;

/// Below this, arguments are shifted up with the recurrence.
const SHIFT_TO: f64 = 20.0;

/// `ln Γ(x)` for `x > 0` (NaN for `x ≤ 0` or NaN, +∞ for +∞).
///
/// ```
/// use ua_analytics::clv::special::ln_gamma;
/// assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
/// assert!(ln_gamma(-1.0).is_nan());
/// ```
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let mut x = x;
    let mut shift = 0.0;
    // ln(x (x+1) ... (x+n−1)) accumulated as a product, taken log in chunks.
    let mut prod = 1.0;
    while x < SHIFT_TO {
        prod *= x;
        x += 1.0;
        if prod < 1e-250 {
            shift += prod.ln();
            prod = 1.0;
        }
    }
    shift += prod.ln();
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv
        * (1.0 / 12.0
            - inv2
                * (1.0 / 360.0
                    - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0 - inv2 * (1.0 / 1188.0)))));
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * PI).ln() + series - shift
}

/// The digamma function `ψ(x) = d ln Γ(x) / dx` for `x > 0` (NaN otherwise).
///
/// ```
/// use ua_analytics::clv::special::digamma;
/// // ψ(x + 1) = ψ(x) + 1/x
/// assert!((digamma(3.5) - digamma(2.5) - 1.0 / 2.5).abs() < 1e-14);
/// ```
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < SHIFT_TO {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv2 = 1.0 / (x * x);
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0)))));
    acc + x.ln() - 0.5 / x - series
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)` for `a, b > 0`.
///
/// ```
/// use ua_analytics::clv::special::ln_beta;
/// assert!((ln_beta(2.0, 3.0) - (1.0f64 / 12.0).ln()).abs() < 1e-14);
/// ```
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Most terms [`ln_hyp2f1`] sums before it gives up.
pub const HYP2F1_MAX_TERMS: usize = 2_000_000;

/// `ln ₂F₁(a, b; c; z)` for `a, b, c > 0` and `0 ≤ z < 1`, by the power
/// series `Σ (a)ₖ(b)ₖ / ((c)ₖ k!) zᵏ` summed in log space (every term is
/// positive, so there is no cancellation). It stops when a rigorous bound
/// of the remaining tail (a geometric series with the largest ratio any
/// later term can have) is below e^−39 ≈ 1e-17 of the sum.
///
/// Errors (a message for the caller to wrap): a parameter not positive and
/// finite, `z` outside `[0, 1)`, or no convergence within
/// [`HYP2F1_MAX_TERMS`] terms (z very close to 1).
///
/// ```
/// use ua_analytics::clv::special::ln_hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
/// let z: f64 = 0.9;
/// let exact = (-(1.0 - z).ln() / z).ln();
/// assert!((ln_hyp2f1(1.0, 1.0, 2.0, z).unwrap() - exact).abs() < 1e-13);
/// assert!(ln_hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
/// ```
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, String> {
    for (name, v) in [("a", a), ("b", b), ("c", c)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!(
                "hypergeometric 2F1: parameter {name} = {v} must be positive and finite"
            ));
        }
    }
    if !(0.0..1.0).contains(&z) {
        return Err(format!("hypergeometric 2F1: z = {z} must be in [0, 1)"));
    }
    if z == 0.0 {
        return Ok(0.0);
    }
    let ln_z = z.ln();
    // sum = exp(m) · s
    let (mut m, mut s) = (0.0f64, 1.0f64);
    let mut ln_term = 0.0f64;
    for k in 0..HYP2F1_MAX_TERMS {
        let kf = k as f64;
        let ratio_ln = ((a + kf) * (b + kf) / ((c + kf) * (kf + 1.0))).ln() + ln_z;
        ln_term += ratio_ln;
        if ln_term > m {
            s = s * (m - ln_term).exp() + 1.0;
            m = ln_term;
        } else {
            s += (ln_term - m).exp();
        }
        // A bound on every later ratio: each of the factors (a+j)/(c+j),
        // (b+j)/(j+1) — or, paired the other way, (a+j)/(j+1), (b+j)/(c+j) —
        // moves monotonically towards 1, so for j ≥ k it is at most
        // max(its value at k, 1). With ρ = z · bound < 1 the tail after this
        // term is at most term · ρ/(1 − ρ).
        let next = kf + 1.0;
        let up = |v: f64| v.max(1.0);
        let bound = (up((a + next) / (c + next)) * up((b + next) / (next + 1.0)))
            .min(up((a + next) / (next + 1.0)) * up((b + next) / (c + next)));
        let rho_ln = bound.ln() + ln_z;
        if rho_ln < 0.0 {
            let tail = ln_term + rho_ln - (-rho_ln.exp()).ln_1p();
            if tail - (m + s.ln()) < -39.0 {
                return Ok(m + s.ln());
            }
        }
    }
    Err(format!(
        "hypergeometric 2F1({a}, {b}; {c}; {z}) did not converge in {HYP2F1_MAX_TERMS} terms \
         (z too close to 1: shorten the horizon)"
    ))
}

/// `₂F₁(a, b; c; z)` for `a, b > 0`, `0 ≤ z < 1` and `c > −1` not 0: through
/// [`ln_hyp2f1`] when `c > 0`; for `−1 < c < 0` (the BG/NBD term
/// `c = a + b − 1` of a customer without repeat purchases when `a + b < 1`)
/// by Gauss's contiguous relation in `c`,
///
/// `c(c−1)(z−1)·F(c−1) + c[c−1−(2c−a−b−1)z]·F(c) + (c−a)(c−b)z·F(c+1) = 0`,
///
/// taken at `c + 1`, from the two positive-`c` values `F(c+1)` and `F(c+2)`.
/// There the series' terms change sign and the value may be negative.
///
/// Errors: those of [`ln_hyp2f1`]; `c` not finite, at most −1, or 0 (a pole).
///
/// ```
/// use ua_analytics::clv::special::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
/// let z: f64 = 0.5;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z).unwrap() - (-(1.0 - z).ln() / z)).abs() < 1e-14);
/// // c = −0.5: the direct series 1 + Σ (a)ₖ(b)ₖ/((c)ₖ k!) zᵏ
/// let (a, b, c, z) = (0.5f64, 0.3f64, -0.5f64, 0.4f64);
/// let (mut term, mut sum) = (1.0f64, 1.0f64);
/// for k in 0..400 {
///     let k = k as f64;
///     term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
///     sum += term;
/// }
/// assert!((hyp2f1(a, b, c, z).unwrap() - sum).abs() < 1e-13 * sum.abs().max(1.0));
/// assert!(hyp2f1(a, b, 0.0, z).is_err() && hyp2f1(a, b, -1.5, z).is_err());
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, String> {
    if c > 0.0 {
        return Ok(ln_hyp2f1(a, b, c, z)?.exp());
    }
    if !(c.is_finite() && c > -1.0 && c != 0.0) {
        return Err(format!(
            "hypergeometric 2F1: parameter c = {c} must be positive, or in (−1, 0)"
        ));
    }
    let c1 = c + 1.0;
    let f1 = ln_hyp2f1(a, b, c1, z)?.exp();
    let f2 = ln_hyp2f1(a, b, c1 + 1.0, z)?.exp();
    let middle = c1 * (c1 - 1.0 - (2.0 * c1 - a - b - 1.0) * z) * f1;
    let upper = (c1 - a) * (c1 - b) * z * f2;
    Ok(-(middle + upper) / (c1 * c * (z - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn ln_gamma_at_known_points() {
        // ln Γ(n) = ln (n−1)!
        let mut fact = 1.0f64;
        for n in 1..=30 {
            assert_relative_eq!(
                ln_gamma(f64::from(n)),
                fact.ln(),
                epsilon = 1e-13,
                max_relative = 1e-14
            );
            fact *= f64::from(n);
        }
        assert_relative_eq!(ln_gamma(0.5), PI.sqrt().ln(), epsilon = 1e-14);
        // Γ(1.5) = √π / 2, Γ(1e-8) ≈ 1e8 − γ
        assert_relative_eq!(ln_gamma(1.5), (PI.sqrt() / 2.0).ln(), epsilon = 1e-14);
        assert_relative_eq!(
            ln_gamma(1e-8),
            (1e8 - 0.577_215_664_901_532_9f64).ln(),
            max_relative = 1e-12
        );
        // Stirling at large x: ln Γ(1e6) = (x − ½) ln x − x + ½ ln 2π + 1/(12x)
        let x = 1e6f64;
        let s = (x - 0.5) * x.ln() - x + 0.5 * (2.0 * PI).ln() + 1.0 / (12.0 * x);
        assert_relative_eq!(ln_gamma(x), s, max_relative = 1e-15);
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(f64::NAN).is_nan());
        assert_eq!(ln_gamma(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn digamma_is_the_derivative_of_ln_gamma() {
        const EULER: f64 = 0.577_215_664_901_532_9;
        assert_relative_eq!(digamma(1.0), -EULER, epsilon = 1e-14);
        assert_relative_eq!(digamma(0.5), -EULER - 2.0 * 2f64.ln(), epsilon = 1e-14);
        for &x in &[0.03f64, 0.7, 2.2, 9.9, 10.1, 57.0, 3000.0] {
            let h = 1e-5 * x.max(1.0);
            let fd = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert_relative_eq!(digamma(x), fd, max_relative = 1e-7, epsilon = 1e-7);
        }
        assert!(digamma(-2.0).is_nan());
    }

    #[test]
    fn hyp2f1_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z
        for &z in &[0.01, 0.3, 0.7, 0.95, 0.999] {
            let exact = (-(1.0f64 - z).ln() / z).ln();
            assert_relative_eq!(
                ln_hyp2f1(1.0, 1.0, 2.0, z).unwrap(),
                exact,
                max_relative = 1e-12
            );
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a), any b
        // (the last two: parameters far beyond k, from a fit at the edge of
        // the parameter space — the series must stop on its tail bound).
        for &(a, b, z) in &[
            (0.3f64, 2.0f64, 0.5f64),
            (40.0, 0.8, 0.9),
            (2500.0, 1700.0, 0.6),
            (1.47e16, 1.19, 7.3e-16),
            (3.25e6, 1.94e9, 1.78e-6),
        ] {
            let exact = -a * (-z).ln_1p();
            assert_relative_eq!(ln_hyp2f1(a, b, b, z).unwrap(), exact, max_relative = 1e-11);
        }
        // ₂F₁(½, 1; 3/2; z²) = atanh(z)/z
        let z = 0.8f64;
        assert_relative_eq!(
            ln_hyp2f1(0.5, 1.0, 1.5, z * z).unwrap(),
            (z.atanh() / z).ln(),
            max_relative = 1e-12
        );
        assert_eq!(ln_hyp2f1(1.0, 2.0, 3.0, 0.0).unwrap(), 0.0);
    }

    #[test]
    fn hyp2f1_below_zero_matches_the_direct_series() {
        // For −1 < c < 0 every term from k = 1 on has the sign of c: the
        // direct sum in f64 is accurate for these moderate z.
        for &(a, b, c, z) in &[
            (0.5f64, 0.3f64, -0.5f64, 0.4f64),
            (0.2, 0.7, -0.1, 0.8),
            (1.3, 0.05, -0.95, 0.3),
            (0.25, 0.6, -0.15, 0.0),
        ] {
            let (mut term, mut sum) = (1.0f64, 1.0f64);
            for k in 0..5_000 {
                let k = k as f64;
                term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
                sum += term;
            }
            let got = hyp2f1(a, b, c, z).unwrap();
            assert_relative_eq!(got, sum, max_relative = 1e-11, epsilon = 1e-14);
        }
        // Above zero it is the log-space series.
        assert_relative_eq!(
            hyp2f1(0.4, 0.9, 1.7, 0.6).unwrap(),
            ln_hyp2f1(0.4, 0.9, 1.7, 0.6).unwrap().exp(),
            max_relative = 1e-15
        );
        for c in [0.0, -1.0, -2.5, f64::NAN] {
            let e = hyp2f1(0.5, 0.5, c, 0.5).unwrap_err();
            assert!(e.contains("must be positive, or in (−1, 0)"), "{c}: {e}");
        }
    }

    #[test]
    fn hyp2f1_bad_arguments_are_errors() {
        let e = ln_hyp2f1(-1.0, 1.0, 1.0, 0.5).unwrap_err();
        assert!(e.contains("parameter a = -1"), "{e}");
        let e = ln_hyp2f1(1.0, 1.0, f64::NAN, 0.5).unwrap_err();
        assert!(e.contains("parameter c = NaN"), "{e}");
        let e = ln_hyp2f1(1.0, 1.0, 2.0, -0.1).unwrap_err();
        assert!(e.contains("must be in [0, 1)"), "{e}");
        let e = ln_hyp2f1(1.0, 1.0, 2.0, 1.0 - 1e-9).unwrap_err();
        assert!(e.contains("did not converge"), "{e}");
    }
}
