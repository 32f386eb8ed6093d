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

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use ua_tensor::stable::{sigmoid, softplus};

use super::{ClassWeights, check_scoring_data, check_training_data, invalid};
use crate::{Predictor, Result};

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
    pub class_weight: Option<ClassWeights>,
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
    /// use ua_analytics::prediction::{ClassWeights, LogisticRegression};
    /// let m = LogisticRegression::new().class_weight(ClassWeights::Balanced);
    /// assert_eq!(m.class_weight, Some(ClassWeights::Balanced));
    /// ```
    pub fn class_weight(mut self, cw: ClassWeights) -> Self {
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
            return Err(invalid(
                OP,
                format!("C must be finite and > 0, got {}", self.c),
            ));
        }
        if self.max_iter == 0 {
            return Err(invalid(OP, "max_iter must be ≥ 1".into()));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(invalid(
                OP,
                format!("tol must be finite and > 0, got {}", self.tol),
            ));
        }
        Ok(())
    }

    /// Fits the model on features `x` (rows × features) and labels `y` (0/1).
    ///
    /// Errors: a bad hyper-parameter, lengths that differ, no rows, NaN or
    /// infinite features, a label other than 0/1, one class only.
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
        let cw = match self.class_weight {
            Some(c) => c.weights(y)?,
            None => [1.0, 1.0],
        };
        let problem = Problem::new(x, y, cw, self.c, self.fit_intercept);
        let p = problem.n_params();
        let solver = match self.solver {
            Solver::Auto if p <= Self::NEWTON_MAX_PARAMS => Solver::Newton,
            Solver::Auto => Solver::Lbfgs,
            s => s,
        };
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
        check_scoring_data("LogisticRegression::decision_function", &x, self.coef.len())?;
        let w: Array1<f32> = self.coef.iter().map(|&v| v as f32).collect();
        let b = self.intercept as f32;
        Ok(x.dot(&w).mapv_into(|z| z + b))
    }
}

impl Predictor<ArrayView2<'_, f32>> for FittedLogisticRegression {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        Ok(self.decision_function(x)?.mapv_into(sigmoid))
    }
}

/// The training data in f64 with an optional column of ones, row weights
/// and the penalty.
struct Problem {
    /// n × p design matrix (features, then 1 for the intercept).
    xa: Array2<f64>,
    y: Vec<f64>,
    /// Row weights divided by their sum S.
    s: Vec<f64>,
    /// `1 / (C·S)`.
    lambda: f64,
    /// Number of penalised parameters (the features).
    n_penalised: usize,
}

struct Outcome {
    theta: Array1<f64>,
    n_iter: usize,
    converged: bool,
    gradient_norm: f64,
    objective: f64,
}

impl Problem {
    fn new(x: ArrayView2<'_, f32>, y: &[u8], cw: [f64; 2], c: f64, intercept: bool) -> Self {
        let (n, d) = x.dim();
        let p = d + usize::from(intercept);
        let mut xa = Array2::<f64>::ones((n, p));
        xa.slice_mut(ndarray::s![.., ..d])
            .zip_mut_with(&x, |o, &v| *o = f64::from(v));
        let raw: Vec<f64> = y.iter().map(|&v| cw[usize::from(v == 1)]).collect();
        let total: f64 = raw.iter().sum();
        Problem {
            xa,
            y: y.iter().map(|&v| f64::from(v)).collect(),
            s: raw.iter().map(|w| w / total).collect(),
            lambda: 1.0 / (c * total),
            n_penalised: d,
        }
    }

    fn n_params(&self) -> usize {
        self.xa.ncols()
    }

    /// Objective at linear scores `z` and parameters `theta`.
    fn objective(&self, z: &Array1<f64>, theta: &Array1<f64>) -> f64 {
        let data: f64 = z
            .iter()
            .zip(&self.y)
            .zip(&self.s)
            .map(|((&z, &y), &s)| s * (softplus(z) - y * z))
            .sum();
        let pen: f64 = theta
            .iter()
            .take(self.n_penalised)
            .map(|w| w * w)
            .sum::<f64>();
        data + 0.5 * self.lambda * pen
    }

    /// Gradient at scores `z`; fills `r` with the weighted residuals.
    fn gradient(&self, z: &Array1<f64>, theta: &Array1<f64>, r: &mut Array1<f64>) -> Array1<f64> {
        for (((ri, &zi), &yi), &si) in r.iter_mut().zip(z).zip(&self.y).zip(&self.s) {
            *ri = si * (sigmoid(zi) - yi);
        }
        let mut g = self.xa.t().dot(r);
        for j in 0..self.n_penalised {
            g[j] += self.lambda * theta[j];
        }
        g
    }

    /// Backtracking Armijo search along `dir` from `theta` (scores `z`,
    /// objective `f`, directional derivative `slope` < 0). Returns the step,
    /// the new scores and objective, or `None` when no step decreases `f`.
    fn line_search(
        &self,
        theta: &Array1<f64>,
        z: &Array1<f64>,
        f: f64,
        dir: &Array1<f64>,
        slope: f64,
        first_step: f64,
    ) -> Option<(f64, Array1<f64>, f64)> {
        let zd = self.xa.dot(dir);
        let mut t = first_step;
        for _ in 0..60 {
            let z_new = z + &(&zd * t);
            let theta_new = theta + &(dir * t);
            let f_new = self.objective(&z_new, &theta_new);
            if f_new.is_finite() && f_new <= f + 1e-4 * t * slope {
                return Some((t, z_new, f_new));
            }
            t *= 0.5;
        }
        None
    }
}

fn max_abs(v: &Array1<f64>) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Cholesky factorisation `A = L·Lᵀ` in place (lower triangle; row-major
/// p × p). Returns false when `A` is not numerically positive definite.
fn cholesky_in_place(a: &mut [f64], p: usize) -> bool {
    for j in 0..p {
        let mut diag = a[j * p + j];
        for k in 0..j {
            diag -= a[j * p + k] * a[j * p + k];
        }
        if !(diag > 0.0 && diag.is_finite()) {
            return false;
        }
        let ljj = diag.sqrt();
        a[j * p + j] = ljj;
        for i in j + 1..p {
            let mut v = a[i * p + j];
            for k in 0..j {
                v -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = v / ljj;
        }
    }
    true
}

/// Solves `L·Lᵀ·x = b` with the factor from [`cholesky_in_place`].
fn cholesky_solve(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let mut v = b[i];
        for k in 0..i {
            v -= l[i * p + k] * b[k];
        }
        b[i] = v / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut v = b[i];
        for k in i + 1..p {
            v -= l[k * p + i] * b[k];
        }
        b[i] = v / l[i * p + i];
    }
}

/// Newton's method: `H·Δ = −g` with `H = Xᵀ·diag(s·p·(1−p))·X + λ·I`,
/// solved by Cholesky (with growing jitter if `H` is numerically singular),
/// then a backtracking line search.
fn newton(pb: &Problem, mut theta: Array1<f64>, max_iter: usize, tol: f64) -> Outcome {
    let (n, p) = pb.xa.dim();
    let mut z = pb.xa.dot(&theta);
    let mut f = pb.objective(&z, &theta);
    let mut r = Array1::<f64>::zeros(n);
    let mut weighted = Array2::<f64>::zeros((n, p));
    let mut h = Array2::<f64>::zeros((p, p));
    let mut g = pb.gradient(&z, &theta, &mut r);
    let mut n_iter = 0;
    let mut converged = max_abs(&g) <= tol;
    while !converged && n_iter < max_iter {
        // weighted = diag(√(s·p(1−p)))·X, so H = weightedᵀ·weighted + λI.
        for ((mut row, x_row), (&zi, &si)) in weighted
            .axis_iter_mut(Axis(0))
            .zip(pb.xa.axis_iter(Axis(0)))
            .zip(z.iter().zip(&pb.s))
        {
            let q = sigmoid(zi);
            let w = (si * q * (1.0 - q)).sqrt();
            row.zip_mut_with(&x_row, |o, &v| *o = w * v);
        }
        general_mat_mul(1.0, &weighted.t(), &weighted, 0.0, &mut h);
        for j in 0..pb.n_penalised {
            h[[j, j]] += pb.lambda;
        }
        let max_diag = (0..p).fold(0.0f64, |m, j| m.max(h[[j, j]]));
        let mut jitter = 0.0;
        let mut step = None;
        for _ in 0..12 {
            let mut a: Vec<f64> = h.iter().copied().collect();
            for j in 0..p {
                a[j * p + j] += jitter;
            }
            if cholesky_in_place(&mut a, p) {
                let mut b: Vec<f64> = g.iter().map(|v| -v).collect();
                cholesky_solve(&a, p, &mut b);
                step = Some(Array1::from(b));
                break;
            }
            jitter = if jitter == 0.0 {
                1e-12 * max_diag.max(1e-12)
            } else {
                jitter * 100.0
            };
        }
        // Fall back to steepest descent if the Hessian cannot be factored.
        let dir = step.unwrap_or_else(|| g.mapv(|v| -v));
        let mut slope = g.dot(&dir);
        let dir = if slope < 0.0 {
            dir
        } else {
            slope = -g.dot(&g);
            g.mapv(|v| -v)
        };
        n_iter += 1;
        match pb.line_search(&theta, &z, f, &dir, slope, 1.0) {
            Some((t, z_new, f_new)) => {
                theta.scaled_add(t, &dir);
                z = z_new;
                f = f_new;
                g = pb.gradient(&z, &theta, &mut r);
                converged = max_abs(&g) <= tol;
            }
            None => break,
        }
    }
    Outcome {
        gradient_norm: max_abs(&g),
        theta,
        n_iter,
        converged,
        objective: f,
    }
}

/// L-BFGS with the last 10 curvature pairs and a backtracking line search.
fn lbfgs(pb: &Problem, mut theta: Array1<f64>, max_iter: usize, tol: f64) -> Outcome {
    const M: usize = 10;
    let n = pb.xa.nrows();
    let mut z = pb.xa.dot(&theta);
    let mut f = pb.objective(&z, &theta);
    let mut r = Array1::<f64>::zeros(n);
    let mut g = pb.gradient(&z, &theta, &mut r);
    let mut pairs: std::collections::VecDeque<(Array1<f64>, Array1<f64>, f64)> =
        std::collections::VecDeque::with_capacity(M);
    let mut n_iter = 0;
    let mut converged = max_abs(&g) <= tol;
    while !converged && n_iter < max_iter {
        // Two-loop recursion: dir = −H·g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(pairs.len());
        for (s, y, rho) in pairs.iter().rev() {
            let a = rho * s.dot(&q);
            q.scaled_add(-a, y);
            alphas.push(a);
        }
        if let Some((s, y, _)) = pairs.back() {
            q *= s.dot(y) / y.dot(y);
        }
        for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
            let b = rho * y.dot(&q);
            q.scaled_add(a - b, s);
        }
        let mut dir = q.mapv(|v| -v);
        let mut slope = g.dot(&dir);
        if slope >= 0.0 {
            pairs.clear();
            dir = g.mapv(|v| -v);
            slope = -g.dot(&g);
        }
        let first = if pairs.is_empty() {
            (1.0 / max_abs(&g).max(1e-12)).min(1.0)
        } else {
            1.0
        };
        n_iter += 1;
        let Some((t, z_new, f_new)) = pb.line_search(&theta, &z, f, &dir, slope, first) else {
            break;
        };
        let s = &dir * t;
        theta += &s;
        z = z_new;
        f = f_new;
        let g_new = pb.gradient(&z, &theta, &mut r);
        let y = &g_new - &g;
        let sy = s.dot(&y);
        if sy > 1e-12 * s.dot(&s).sqrt() * y.dot(&y).sqrt() {
            if pairs.len() == M {
                pairs.pop_front();
            }
            pairs.push_back((s, y, 1.0 / sy));
        }
        g = g_new;
        converged = max_abs(&g) <= tol;
    }
    Outcome {
        gradient_norm: max_abs(&g),
        theta,
        n_iter,
        converged,
        objective: f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;
    use rand::Rng;
    use rand_distr::{Distribution, StandardNormal};
    use ua_tensor::init::seeded_rng;

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
            .class_weight(ClassWeights::Balanced)
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
