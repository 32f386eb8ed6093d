//! The solvers of [`LogisticRegression`](super::LogisticRegression): the
//! objective and its gradient over the training data in f64, Newton/IRLS
//! with a Cholesky step, and L-BFGS, both with a backtracking line search.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use ua_tensor::linalg::solve_spd_with_jitter;
use ua_tensor::stable::{sigmoid, softplus};

/// The training data in f64 with an optional column of ones, row weights
/// and the penalty.
pub(super) struct Problem {
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

pub(super) struct Outcome {
    pub(super) theta: Array1<f64>,
    pub(super) n_iter: usize,
    pub(super) converged: bool,
    pub(super) gradient_norm: f64,
    pub(super) objective: f64,
}

impl Problem {
    pub(super) fn new(
        x: ArrayView2<'_, f32>,
        y: &[u8],
        cw: [f64; 2],
        c: f64,
        intercept: bool,
    ) -> Self {
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

    pub(super) fn n_params(&self) -> usize {
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

/// Newton's method: `H·Δ = −g` with `H = Xᵀ·diag(s·p·(1−p))·X + λ·I`,
/// solved by Cholesky (with growing jitter if `H` is numerically singular),
/// then a backtracking line search.
pub(super) fn newton(pb: &Problem, mut theta: Array1<f64>, max_iter: usize, tol: f64) -> Outcome {
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
        let neg_g: Vec<f64> = g.iter().map(|v| -v).collect();
        let h_flat: Vec<f64> = h.iter().copied().collect();
        let step = solve_spd_with_jitter(&h_flat, p, &neg_g)
            .ok()
            .map(|(x, _)| Array1::from(x));
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
pub(super) fn lbfgs(pb: &Problem, mut theta: Array1<f64>, max_iter: usize, tol: f64) -> Outcome {
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
