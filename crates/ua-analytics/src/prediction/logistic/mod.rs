//! L2-regularised logistic regression solved to convergence (Newton/IRLS
//! with a line search, or L-BFGS), with class weights.
//!
//! The objective is scikit-learn's, divided by `C·Σsᵢ` (which does not move
//! the minimum):
//!
//! ```text
//! F(w, b) = (1/S)·Σᵢ sᵢ·[softplus(zᵢ) − yᵢ·zᵢ] + ‖w‖² / (2·C·S),   zᵢ = xᵢ·w + b,  S = Σᵢ sᵢ
//! ```
//!
//! where `sᵢ` is the weight of row `i`'s class (1 without class weights).
//! The intercept `b` is not penalised. All arithmetic is in f64.

mod solver;

use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::stable::sigmoid;

use solver::{Problem, lbfgs, newton};

use super::{check_scoring_data, check_training_data};
use crate::error::parameter;
use crate::pipeline::check_feature_range;
use crate::{Classifier, Predictor, Result};
use ua_nn::ClassWeight;
use ua_tensor::persist::Persist;

/// Which optimiser minimises the objective.
///
/// ```
/// use ua_analytics::prediction::Solver;
/// assert_eq!(Solver::default(), Solver::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Newton for up to [`NEWTON_MAX_PARAMS`](LogisticRegression::NEWTON_MAX_PARAMS)
    /// parameters, L-BFGS beyond.
    #[default]
    Auto,
    /// Newton's method (IRLS) with a backtracking line search: a few
    /// iterations, each O(n·d²) plus a d³ Cholesky solve.
    Newton,
    /// Limited-memory BFGS (10 pairs) with a backtracking line search: more
    /// iterations, each O(n·d).
    Lbfgs,
}

/// Hyper-parameters of an L2-regularised logistic regression.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::LogisticRegression;
/// let x = array![[0.0f32], [1.0], [2.0], [3.0], [4.0], [5.0]];
/// let y = [0u8, 0, 1, 0, 1, 1];
/// let model = LogisticRegression::new().c(10.0).fit(x.view(), &y).unwrap();
/// assert!(model.converged());
/// assert!(model.coef()[0] > 0.0);
/// let p = model.predict_proba(array![[0.0f32], [5.0]].view()).unwrap();
/// assert!(p[0] < 0.5 && p[1] > 0.5);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Inverse L2 strength (scikit-learn's `C`), > 0. Default 1.
    pub c: f64,
    /// Fit an (unpenalised) intercept. Default true.
    pub fit_intercept: bool,
    /// Most solver iterations. Default 100.
    pub max_iter: usize,
    /// Stop when the largest gradient component of the (scaled) objective
    /// is at most this. Default 1e-6.
    pub tol: f64,
    /// Class weights; `None`: every row weighs 1.
    pub class_weight: Option<ClassWeight>,
    /// The optimiser. Default [`Solver::Auto`].
    pub solver: Solver,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        LogisticRegression {
            c: 1.0,
            fit_intercept: true,
            max_iter: 100,
            tol: 1e-6,
            class_weight: None,
            solver: Solver::Auto,
        }
    }
}

/// A fitted logistic regression: coefficients, intercept and how the solver
/// ended.
///
/// When the solver does not reach the tolerance within `max_iter`
/// iterations (or the line search cannot decrease the objective any
/// further), `fit` still returns the best model found, with
/// [`converged`](Self::converged) `false` and the final
/// [`gradient_norm`](Self::gradient_norm); check it when it matters.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::prediction::{FittedLogisticRegression, LogisticRegression};
/// let x = array![[1.0f32], [-1.0]];
/// let m = LogisticRegression::new().fit(x.view(), &[1, 0]).unwrap();
/// let json = serde_json::to_string(&m).unwrap();
/// let back: FittedLogisticRegression = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, m);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLogisticRegression {
    params: LogisticRegression,
    coef: Vec<f64>,
    intercept: f64,
    n_iter: usize,
    converged: bool,
    gradient_norm: f64,
    objective: f64,
    solver: Solver,
}

impl LogisticRegression {
    /// Above this many parameters (features + intercept), [`Solver::Auto`] uses L-BFGS.
    pub const NEWTON_MAX_PARAMS: usize = 300;

    /// The defaults: `C = 1`, intercept, 100 iterations, tolerance 1e-6, no class weights.
    ///
    /// ```
    /// let m = ua_analytics::prediction::LogisticRegression::new();
    /// assert_eq!((m.c, m.max_iter), (1.0, 100));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the inverse regularisation strength `C`.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::LogisticRegression::new().c(0.1).c, 0.1);
    /// ```
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }

    /// Switches the intercept.
    ///
    /// ```
    /// assert!(!ua_analytics::prediction::LogisticRegression::new().fit_intercept(false).fit_intercept);
    /// ```
    pub fn fit_intercept(mut self, on: bool) -> Self {
        self.fit_intercept = on;
        self
    }

    /// Sets the iteration limit.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::LogisticRegression::new().max_iter(500).max_iter, 500);
    /// ```
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets the gradient tolerance.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::LogisticRegression::new().tol(1e-8).tol, 1e-8);
    /// ```
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets class weights.
    ///
    /// ```
    /// use ua_analytics::prediction::LogisticRegression;
    /// use ua_nn::ClassWeight;
    /// let m = LogisticRegression::new().class_weight(ClassWeight::Balanced);
    /// assert_eq!(m.class_weight, Some(ClassWeight::Balanced));
    /// ```
    pub fn class_weight(mut self, cw: ClassWeight) -> Self {
        self.class_weight = Some(cw);
        self
    }

    /// Chooses the solver.
    ///
    /// ```
    /// use ua_analytics::prediction::{LogisticRegression, Solver};
    /// assert_eq!(LogisticRegression::new().solver(Solver::Lbfgs).solver, Solver::Lbfgs);
    /// ```
    pub fn solver(mut self, solver: Solver) -> Self {
        self.solver = solver;
        self
    }

    fn validate(&self) -> Result<()> {
        const OP: &str = "LogisticRegression::fit";
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(parameter(
                OP,
                "c",
                format!("must be finite and > 0, got {}", self.c),
            ));
        }
        if self.max_iter == 0 {
            return Err(parameter(OP, "max_iter", "must be ≥ 1"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(parameter(
                OP,
                "tol",
                format!("must be finite and > 0, got {}", self.tol),
            ));
        }
        Ok(())
    }

    /// Fits the model on features `x` (rows × features) and labels `y` (0/1).
    ///
    /// Errors: a bad hyper-parameter, lengths that differ, no rows, NaN or
    /// infinite features, a feature too large for the `f32` log-odds
    /// (|x| above about `6.5e18 / √d`, e.g. an unscaled `1e30`: standardise
    /// it first; the error names column, row and value), a label other than
    /// 0/1, one class only.
    /// Non-convergence is not an error (see [`FittedLogisticRegression`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_analytics::prediction::LogisticRegression;
    /// let x = array![[0.0f32], [1.0]];
    /// assert!(LogisticRegression::new().fit(x.view(), &[1, 1]).is_err()); // one class
    /// assert!(LogisticRegression::new().c(0.0).fit(x.view(), &[0, 1]).is_err());
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedLogisticRegression> {
        const OP: &str = "LogisticRegression::fit";
        self.validate()?;
        check_training_data(OP, &x, y)?;
        check_feature_range(OP, &x, None, None)?;
        let cw = match &self.class_weight {
            Some(c) => c.binary_weights(y)?,
            None => [1.0, 1.0],
        };
        let p = x.ncols() + usize::from(self.fit_intercept);
        let solver = match self.solver {
            Solver::Auto if p <= Self::NEWTON_MAX_PARAMS => Solver::Newton,
            Solver::Auto => Solver::Lbfgs,
            s => s,
        };
        check_fit_memory(OP, x.nrows(), p, solver)?;
        let problem = Problem::new(x, y, cw, self.c, self.fit_intercept);
        debug_assert_eq!(problem.n_params(), p);
        let mut theta = Array1::<f64>::zeros(p);
        if self.fit_intercept {
            // Start at the (weighted) log-odds of the positives.
            let pos: f64 = y.iter().map(|&v| if v == 1 { cw[1] } else { 0.0 }).sum();
            let neg: f64 = y.iter().map(|&v| if v == 1 { 0.0 } else { cw[0] }).sum();
            if pos > 0.0 && neg > 0.0 {
                theta[p - 1] = (pos / neg).ln();
            }
        }
        let outcome = match solver {
            Solver::Lbfgs => lbfgs(&problem, theta, self.max_iter, self.tol),
            _ => newton(&problem, theta, self.max_iter, self.tol),
        };
        let d = x.ncols();
        let intercept = if self.fit_intercept {
            outcome.theta[d]
        } else {
            0.0
        };
        Ok(FittedLogisticRegression {
            params: self.clone(),
            coef: outcome.theta.iter().take(d).copied().collect(),
            intercept,
            n_iter: outcome.n_iter,
            converged: outcome.converged,
            gradient_norm: outcome.gradient_norm,
            objective: outcome.objective,
            solver,
        })
    }
}

/// The `f64` values a fit allocates for `n` rows and `p` parameters
/// (features + intercept): the design matrix copy (n × p), for Newton also
/// its weighted copy (n × p) and the Hessian (p × p), for L-BFGS its
/// history of 2·10 vectors of p; plus a few vectors of n. Checked against
/// the memory budget ([`ua_tensor::budget`], `UA_MEMORY_BUDGET`, default
/// 8 GiB) before anything is allocated: a one-hot encoded id column of 32k
/// values on 50k rows asks for 12.8 GB and is refused with the estimate
/// instead of aborting in the allocator.
fn check_fit_memory(op: &'static str, n: usize, p: usize, solver: Solver) -> Result<()> {
    let design = elements(op, &[n, p])?;
    let count = match solver {
        Solver::Newton => design
            .saturating_mul(2)
            .saturating_add(elements(op, &[p, p])?),
        _ => design.saturating_add(elements(op, &[p, 24])?),
    }
    .saturating_add(elements(op, &[n, 4])?);
    let what = format!(
        "the {solver:?} fit of {n} rows × {p} parameters (features + intercept; a one-hot \
         encoded high-cardinality column makes many)"
    );
    check_allocation(op, &what, count, std::mem::size_of::<f64>())?;
    Ok(())
}

impl FittedLogisticRegression {
    /// The weight of each feature.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new()
    ///     .fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// assert_eq!(m.coef().len(), 1);
    /// ```
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// The hyper-parameters the model was fitted with.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new().c(3.0)
    ///     .fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// assert_eq!(m.params().c, 3.0);
    /// ```
    pub fn params(&self) -> &LogisticRegression {
        &self.params
    }

    /// The intercept (0 when fitted without one).
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new()
    ///     .fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// assert!(m.intercept().abs() < 1e-9); // symmetric data
    /// ```
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// Solver iterations run.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new()
    ///     .fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// assert!(m.n_iter() <= 10);
    /// ```
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the gradient tolerance was reached.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new().max_iter(1)
    ///     .fit(array![[1.0f32], [-1.0], [0.5]].view(), &[1, 0, 0]).unwrap();
    /// assert!(!m.converged()); // one Newton step is not enough here
    /// ```
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Largest gradient component of the scaled objective at the solution.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new()
    ///     .fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// assert!(m.gradient_norm() <= 1e-6);
    /// ```
    pub fn gradient_norm(&self) -> f64 {
        self.gradient_norm
    }

    /// The scaled objective `F(w, b)` (see the module docs) at the solution.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new()
    ///     .fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// assert!(m.objective() > 0.0 && m.objective() < 2f64.ln());
    /// ```
    pub fn objective(&self) -> f64 {
        self.objective
    }

    /// The solver that was used (never [`Solver::Auto`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_analytics::prediction::{LogisticRegression, Solver};
    /// let m = LogisticRegression::new().fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// assert_eq!(m.solver(), Solver::Newton);
    /// ```
    pub fn solver(&self) -> Solver {
        self.solver
    }

    /// Number of feature columns the model was fitted on.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new()
    ///     .fit(array![[1.0f32, 0.0], [-1.0, 0.5]].view(), &[1, 0]).unwrap();
    /// assert_eq!(m.n_features(), 2);
    /// ```
    pub fn n_features(&self) -> usize {
        self.coef.len()
    }

    /// The linear score `x·w + b` of each row (the log-odds).
    ///
    /// ```
    /// use ndarray::array;
    /// let m = ua_analytics::prediction::LogisticRegression::new()
    ///     .fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
    /// let z = m.decision_function(array![[0.0f32]].view()).unwrap();
    /// assert!(z[0].abs() < 1e-6);
    /// ```
    pub fn decision_function(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        const OP: &str = "LogisticRegression::decision_function";
        check_scoring_data(OP, &x, self.coef.len())?;
        check_feature_range(OP, &x, None, None)?;
        let w: Array1<f32> = self.coef.iter().map(|&v| v as f32).collect();
        let b = self.intercept as f32;
        Ok(x.dot(&w).mapv_into(|z| z + b))
    }
}

impl Classifier for LogisticRegression {
    type Params = Self;
    type Fitted = FittedLogisticRegression;
    fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedLogisticRegression> {
        LogisticRegression::fit(self, x, y)
    }
    fn params(&self) -> Self {
        self.clone()
    }
    fn params_of(fitted: &FittedLogisticRegression) -> Self {
        fitted.params.clone()
    }
}

impl Persist for FittedLogisticRegression {
    const KIND: &'static str = "ua-analytics/logistic-regression";

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.validate().map_err(|e| e.to_string())?;
        if self.coef.is_empty() {
            return Err("the model has no coefficients".into());
        }
        if let Some(j) = self.coef.iter().position(|v| !v.is_finite()) {
            return Err(format!("coefficient {j} is {}", self.coef[j]));
        }
        if !self.intercept.is_finite() || (!self.params.fit_intercept && self.intercept != 0.0) {
            return Err(format!(
                "intercept {} does not fit fit_intercept = {}",
                self.intercept, self.params.fit_intercept
            ));
        }
        Ok(())
    }
}

impl Predictor<ArrayView2<'_, f32>> for FittedLogisticRegression {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        Ok(self.decision_function(x)?.mapv_into(sigmoid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;
    use ndarray::{Array2, Axis};
    use rand::Rng;
    use rand_distr::{Distribution, StandardNormal};
    use ua_tensor::init::seeded_rng;
    use ua_tensor::stable::softplus;

    /// n rows from a logistic model with the given weights and intercept.
    fn planted(n: usize, w: &[f64], b: f64, seed: u64) -> (Array2<f32>, Vec<u8>) {
        let mut rng = seeded_rng(seed);
        let x = Array2::from_shape_fn((n, w.len()), |_| {
            let v: f64 = StandardNormal.sample(&mut rng);
            v as f32
        });
        let y = x
            .axis_iter(Axis(0))
            .map(|row| {
                let z: f64 = row
                    .iter()
                    .zip(w)
                    .map(|(&a, &c)| f64::from(a) * c)
                    .sum::<f64>()
                    + b;
                u8::from(rng.random::<f64>() < sigmoid(z))
            })
            .collect();
        (x, y)
    }

    #[test]
    fn recovers_planted_coefficients_with_both_solvers() {
        let w = [1.5, -2.0, 0.5, 0.0];
        let (x, y) = planted(20_000, &w, -0.3, 7);
        for solver in [Solver::Newton, Solver::Lbfgs] {
            let m = LogisticRegression::new()
                .solver(solver)
                .max_iter(500)
                .fit(x.view(), &y)
                .unwrap();
            assert!(m.converged(), "{solver:?} did not converge: {m:?}");
            for (a, b) in m.coef().iter().zip(w) {
                assert_abs_diff_eq!(*a, b, epsilon = 0.1);
            }
            assert_abs_diff_eq!(m.intercept(), -0.3, epsilon = 0.1);
        }
        // Both solvers find the same optimum.
        let a = LogisticRegression::new()
            .solver(Solver::Newton)
            .fit(x.view(), &y)
            .unwrap();
        let b = LogisticRegression::new()
            .solver(Solver::Lbfgs)
            .max_iter(500)
            .fit(x.view(), &y)
            .unwrap();
        assert!(a.n_iter() < 15, "Newton took {} iterations", a.n_iter());
        for (u, v) in a.coef().iter().zip(b.coef()) {
            assert_abs_diff_eq!(*u, *v, epsilon = 1e-4);
        }
    }

    #[test]
    fn matches_closed_form_symmetric_optimum() {
        // x = ±1 with labels 1/0: by symmetry b = 0 and w solves
        // w = 2·C·σ(−w) (gradient of ½w² + C·2·softplus(−w)). Bisection.
        for c in [0.1, 1.0, 10.0] {
            let (mut lo, mut hi) = (0.0f64, 50.0f64);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if mid - 2.0 * c * sigmoid(-mid) < 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let m = LogisticRegression::new()
                .c(c)
                .tol(1e-10)
                .fit(array![[1.0f32], [-1.0]].view(), &[1, 0])
                .unwrap();
            assert_abs_diff_eq!(m.coef()[0], lo, epsilon = 1e-8);
            assert_abs_diff_eq!(m.intercept(), 0.0, epsilon = 1e-8);
        }
    }

    #[test]
    fn matches_brute_force_grid_on_tiny_problem() {
        // sklearn objective ½w² + C·Σ logloss, brute-forced on a fine grid.
        let x = array![[0.5f32], [1.5], [-1.0], [2.0], [0.0]];
        let y = [0u8, 1, 0, 1, 1];
        let c = 2.0;
        let obj = |w: f64, b: f64| {
            let data: f64 = x
                .iter()
                .zip(&y)
                .map(|(&xi, &yi)| {
                    let z = w * f64::from(xi) + b;
                    softplus(z) - f64::from(yi) * z
                })
                .sum();
            0.5 * w * w + c * data
        };
        let (mut best, mut bw, mut bb) = (f64::INFINITY, 0.0, 0.0);
        for i in 0..=800 {
            for j in 0..=800 {
                let (w, b) = (-2.0 + 6.0 * i as f64 / 800.0, -3.0 + 6.0 * j as f64 / 800.0);
                let o = obj(w, b);
                if o < best {
                    (best, bw, bb) = (o, w, b);
                }
            }
        }
        let m = LogisticRegression::new().c(c).fit(x.view(), &y).unwrap();
        assert!(m.converged());
        // Grid step is 0.0075: the optimum is within a step of the grid's best.
        assert_abs_diff_eq!(m.coef()[0], bw, epsilon = 0.01);
        assert_abs_diff_eq!(m.intercept(), bb, epsilon = 0.01);
        assert!(obj(m.coef()[0], m.intercept()) <= best + 1e-9);
        // The reported scaled objective is the sklearn one divided by C·n.
        assert_abs_diff_eq!(
            m.objective(),
            obj(m.coef()[0], m.intercept()) / (c * 5.0),
            epsilon = 1e-12
        );
    }

    #[test]
    fn separable_data_stays_finite() {
        let x = array![
            [-3.0f32, 1.0],
            [-2.0, 1.0],
            [-1.0, 1.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [3.0, 1.0]
        ];
        let y = [0u8, 0, 0, 1, 1, 1];
        for solver in [Solver::Newton, Solver::Lbfgs] {
            let m = LogisticRegression::new()
                .c(1e4)
                .solver(solver)
                .max_iter(1000)
                .fit(x.view(), &y)
                .unwrap();
            assert!(m.converged(), "{solver:?}: {m:?}");
            assert!(m.coef().iter().all(|v| v.is_finite()) && m.coef()[0] > 1.0);
            let p = m.predict_proba(x.view()).unwrap();
            assert!(p.iter().all(|v| v.is_finite()));
            assert_eq!(m.predict(x.view(), 0.5).unwrap().to_vec(), y.to_vec());
        }
    }

    #[test]
    fn constant_and_zero_columns_are_fine() {
        let (mut x, y) = planted(500, &[1.0, 0.0, 0.0], 0.0, 3);
        x.column_mut(1).fill(4.0);
        x.column_mut(2).fill(0.0);
        let m = LogisticRegression::new().fit(x.view(), &y).unwrap();
        assert!(m.converged());
        assert_abs_diff_eq!(m.coef()[2], 0.0, epsilon = 1e-12);
        assert!(m.coef().iter().all(|v| v.is_finite()));
        // Without an intercept the constant column plays its part.
        let m = LogisticRegression::new()
            .fit_intercept(false)
            .fit(x.view(), &y)
            .unwrap();
        assert!(m.converged() && m.intercept() == 0.0);
    }

    #[test]
    fn balanced_weights_move_the_threshold() {
        // 10 % positives: balanced weights raise the mean predicted probability to ~0.5.
        let (x, y) = planted(4000, &[1.0], -2.5, 11);
        let plain = LogisticRegression::new().fit(x.view(), &y).unwrap();
        let bal = LogisticRegression::new()
            .class_weight(ClassWeight::Balanced)
            .fit(x.view(), &y)
            .unwrap();
        let mean =
            |m: &FittedLogisticRegression| m.predict_proba(x.view()).unwrap().mean().unwrap();
        let rate = y.iter().filter(|&&v| v == 1).count() as f32 / y.len() as f32;
        assert_abs_diff_eq!(mean(&plain), rate, epsilon = 0.01);
        assert!(mean(&bal) > 0.4 && mean(&bal) < 0.6, "{}", mean(&bal));
        // Class weights only shift the intercept much, not the slope sign.
        assert!(bal.coef()[0] > 0.5);
    }

    #[test]
    fn not_converged_is_reported_not_raised() {
        let (x, y) = planted(300, &[2.0, -1.0], 0.5, 5);
        let m = LogisticRegression::new()
            .solver(Solver::Lbfgs)
            .max_iter(2)
            .fit(x.view(), &y)
            .unwrap();
        assert!(!m.converged());
        assert_eq!(m.n_iter(), 2);
        assert!(m.gradient_norm() > 1e-6);
    }

    #[test]
    fn bad_input_errors() {
        let x = array![[0.0f32], [1.0]];
        let fit = |x: ArrayView2<'_, f32>, y: &[u8]| LogisticRegression::new().fit(x, y);
        assert!(
            fit(x.view(), &[0])
                .unwrap_err()
                .to_string()
                .contains("2 labels")
        );
        assert!(
            fit(x.view(), &[0, 2])
                .unwrap_err()
                .to_string()
                .contains("row 1")
        );
        assert!(
            fit(x.view(), &[0, 0])
                .unwrap_err()
                .to_string()
                .contains("both classes")
        );
        let nan = array![[0.0f32], [f32::NAN]];
        assert!(fit(nan.view(), &[0, 1]).is_err());
        let m = fit(x.view(), &[0, 1]).unwrap();
        let err = m.predict_proba(array![[1.0f32, 2.0]].view()).unwrap_err();
        assert!(
            err.to_string().contains("expected 1 feature columns"),
            "{err}"
        );
        for bad in [
            LogisticRegression::new().tol(0.0),
            LogisticRegression::new().max_iter(0),
        ] {
            assert!(bad.fit(x.view(), &[0, 1]).is_err());
        }
    }
}
