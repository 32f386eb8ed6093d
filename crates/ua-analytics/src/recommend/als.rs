//! Implicit-feedback matrix factorisation by alternating least squares
//! (Hu, Koren & Volinsky, 2008): every interaction `w` becomes a preference
//! 1 with confidence `c = 1 + α·w`, every other (user, item) pair a
//! preference 0 with confidence 1, and user factors `X` and item factors
//! `Y` minimise `Σ c·(p − x·y)² + λ(‖X‖² + ‖Y‖²)` one side at a time.
//!
//! Each half-sweep computes `YᵀY` once; a user's system
//! `(YᵀY + λI + Σᵢ (cᵢ − 1)·yᵢyᵢᵀ)·x = Σᵢ cᵢ·yᵢ` then touches only the
//! user's own items. It is solved either by a few conjugate-gradient steps
//! warm-started from the previous factors (Takács et al., as in Python's
//! implicit; the default) or exactly by Cholesky. Users are solved in
//! parallel (rayon) with per-thread scratch; each solve depends only on the
//! fixed side, so the result is the same for any number of threads.
//!
//! A new or updated user is *folded in*: the exact solve against the fixed
//! item factors, no retraining.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::linalg::solve_spd_with_jitter;
use ua_tensor::persist::Persist;
use ua_tensor::progress::{Event, report};
use ua_tensor::sparse::CsrMatrix;

use super::factors::{cosine_similar, score_known_users, scores_into};
use super::item_item::{check_history, check_out, history_row};
use crate::Result;
use crate::error::parameter;
use crate::traits::{ItemIndex, Recommender, RecommenderModel, UserIndex};

/// How each least-squares system is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlsSolver {
    /// Conjugate gradient, warm-started, this many steps per system (≥ 1).
    ConjugateGradient {
        /// Steps per user per half-sweep.
        steps: usize,
    },
    /// The exact solve (Cholesky of the factors × factors system).
    Cholesky,
}

/// Implicit ALS parameters.
///
/// ```
/// use ua_analytics::recommend::{Filter, ImplicitAls};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
/// // Two groups of users with disjoint tastes.
/// let users = [0, 0, 1, 1, 2, 3, 3, 4, 4, 5];
/// let items = [0, 1, 0, 2, 1, 3, 4, 3, 5, 4];
/// let x = CsrMatrix::from_triplets(6, 6, &users, &items, &[1.0f32; 10]).unwrap();
/// let m = ImplicitAls::new().factors(4).iterations(20).fit(&x).unwrap();
/// // User 2 (item 1 only) belongs to the first group: items 0–2.
/// let top = m.recommend(2, 1, &Filter::exclude_seen()).unwrap();
/// assert!(top[0].0 < 3, "{top:?}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImplicitAls {
    /// Latent factors per user and item, ≥ 1. Default 64.
    pub factors: usize,
    /// L2 regularisation λ ≥ 0. Default 0.05.
    pub regularization: f32,
    /// Confidence per unit of weight, `c = 1 + alpha·w`, > 0. Default 1.
    pub alpha: f32,
    /// Alternating sweeps (users then items), ≥ 1. Default 15.
    pub iterations: usize,
    /// The solver. Default three conjugate-gradient steps.
    pub solver: AlsSolver,
    /// Seed of the initial factors. Default 42.
    pub seed: u64,
}

impl Default for ImplicitAls {
    fn default() -> Self {
        ImplicitAls {
            factors: 64,
            regularization: 0.05,
            alpha: 1.0,
            iterations: 15,
            solver: AlsSolver::ConjugateGradient { steps: 3 },
            seed: 42,
        }
    }
}

impl ImplicitAls {
    /// The defaults: 64 factors, λ = 0.05, α = 1, 15 iterations, CG with 3
    /// steps, seed 42.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ImplicitAls::new().factors, 64);
    /// ```
    pub fn new() -> Self {
        ImplicitAls::default()
    }

    /// Sets the number of factors.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ImplicitAls::new().factors(8).factors, 8);
    /// ```
    pub fn factors(mut self, factors: usize) -> Self {
        self.factors = factors;
        self
    }

    /// Sets λ.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ImplicitAls::new().regularization(0.1).regularization, 0.1);
    /// ```
    pub fn regularization(mut self, lambda: f32) -> Self {
        self.regularization = lambda;
        self
    }

    /// Sets α.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ImplicitAls::new().alpha(40.0).alpha, 40.0);
    /// ```
    pub fn alpha(mut self, alpha: f32) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets the number of sweeps.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ImplicitAls::new().iterations(5).iterations, 5);
    /// ```
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// Sets the solver.
    ///
    /// ```
    /// use ua_analytics::recommend::{AlsSolver, ImplicitAls};
    /// assert_eq!(ImplicitAls::new().solver(AlsSolver::Cholesky).solver, AlsSolver::Cholesky);
    /// ```
    pub fn solver(mut self, solver: AlsSolver) -> Self {
        self.solver = solver;
        self
    }

    /// Sets the seed.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::ImplicitAls::new().seed(7).seed, 7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters; a bad value is an error naming it.
    ///
    /// ```
    /// let e = ua_analytics::recommend::ImplicitAls::new().factors(0).validate().unwrap_err();
    /// assert!(e.to_string().contains("factors"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        const OP: &str = "implicit ALS";
        if self.factors == 0 || self.factors > MAX_FACTORS {
            return Err(parameter(
                OP,
                "factors",
                format!("must be in 1..={MAX_FACTORS}, got {}", self.factors),
            ));
        }
        if !(self.regularization >= 0.0 && self.regularization.is_finite()) {
            return Err(parameter(
                OP,
                "regularization",
                format!("must be finite and ≥ 0, got {}", self.regularization),
            ));
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err(parameter(
                OP,
                "alpha",
                format!("must be finite and > 0, got {}", self.alpha),
            ));
        }
        if self.iterations == 0 {
            return Err(parameter(OP, "iterations", "must be at least 1, got 0"));
        }
        if self.solver == (AlsSolver::ConjugateGradient { steps: 0 }) {
            return Err(parameter(
                OP,
                "solver",
                "conjugate gradient needs at least 1 step",
            ));
        }
        Ok(())
    }
}

/// The most factors accepted (a factors × factors system per user).
pub const MAX_FACTORS: usize = 4096;

/// A fitted implicit ALS model: user and item factors and the training
/// interactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedImplicitAls {
    params: ImplicitAls,
    history: CsrMatrix<f32>,
    user_factors: Array2<f32>,
    item_factors: Array2<f32>,
}

impl FittedImplicitAls {
    /// Users × factors.
    ///
    /// ```
    /// use ua_analytics::recommend::ImplicitAls;
    /// use ua_analytics::RecommenderModel;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(2, 3, &[0, 1], &[0, 2], &[1.0f32, 1.0]).unwrap();
    /// let m = ImplicitAls::new().factors(4).fit(&x).unwrap();
    /// assert_eq!((m.user_factors().dim(), m.item_factors().dim()), ((2, 4), (3, 4)));
    /// ```
    pub fn user_factors(&self) -> &Array2<f32> {
        &self.user_factors
    }

    /// Items × factors.
    pub fn item_factors(&self) -> &Array2<f32> {
        &self.item_factors
    }

    /// The factors of a user given by a history (ascending distinct items,
    /// weights ≥ 0): the exact least-squares solve against the item factors.
    fn fold_in(&self, items: &[u32], weights: &[f32]) -> Result<Array1<f32>> {
        let yty = gram(&self.item_factors);
        let mut scratch = Scratch::new(self.params.factors);
        let mut x = Array1::zeros(self.params.factors);
        solve_exact(
            &yty,
            &self.item_factors,
            items,
            weights,
            &self.params,
            &mut scratch,
            x.view_mut(),
        )?;
        Ok(x)
    }
}

/// `AᵀA` (factors × factors) in f64.
fn gram(a: &Array2<f32>) -> Array2<f64> {
    let a64 = a.mapv(f64::from);
    a64.t().dot(&a64)
}

struct Scratch {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Scratch {
    fn new(f: usize) -> Self {
        Scratch {
            a: vec![0.0; f * f],
            b: vec![0.0; f],
        }
    }
}

/// The buffers of the one-row conjugate-gradient reference.
#[cfg(test)]
struct CgScratch {
    r: Vec<f32>,
    p: Vec<f32>,
    ap: Vec<f32>,
}

/// `a·b` with 16 independent partial sums, so that the compiler vectorises
/// it (a single running sum is a chain of dependent additions it may not
/// reorder). Always inlined, so that it is compiled for the vector
/// instructions of its caller.
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

fn row(y: &Array2<f32>, i: u32) -> &[f32] {
    y.row(i as usize)
        .to_slice()
        .expect("factor matrices are standard layout")
}

/// The exact solve of one user's system into `x`.
fn solve_exact(
    yty: &Array2<f64>,
    y: &Array2<f32>,
    items: &[u32],
    weights: &[f32],
    params: &ImplicitAls,
    s: &mut Scratch,
    mut x: ArrayViewMut1<'_, f32>,
) -> Result<()> {
    let f = params.factors;
    let lambda = f64::from(params.regularization);
    for r in 0..f {
        for c in 0..f {
            s.a[r * f + c] = yty[[r, c]] + if r == c { lambda } else { 0.0 };
        }
    }
    s.b.fill(0.0);
    for (&i, &w) in items.iter().zip(weights) {
        let yi = row(y, i);
        let c = 1.0 + f64::from(params.alpha) * f64::from(w);
        for r in 0..f {
            let yr = f64::from(yi[r]);
            s.b[r] += c * yr;
            let cy = (c - 1.0) * yr;
            for (a, &yc) in s.a[r * f..(r + 1) * f].iter_mut().zip(yi) {
                *a += cy * f64::from(yc);
            }
        }
    }
    let (solution, _) = solve_spd_with_jitter(&s.a, f, &s.b)?;
    for (xv, v) in x.iter_mut().zip(solution) {
        *xv = v as f32;
    }
    Ok(())
}

#[cfg(test)]
/// `out = S·v` for the symmetric `S` (YᵀY): as the sum of rows `v[c]·S[c, :]`
/// (by symmetry, equal to the columns'), so the inner loop is a
/// vectorisable update with no horizontal sums.
fn symmetric_times(s: &Array2<f32>, v: &[f32], out: &mut [f32]) {
    out.fill(0.0);
    let rows = s.as_slice().expect("YᵀY is standard layout");
    for (row, &vc) in rows.chunks_exact(out.len()).zip(v) {
        for (o, &m) in out.iter_mut().zip(row) {
            *o += vc * m;
        }
    }
}

#[cfg(test)]
/// A few warm-started conjugate-gradient steps (as many as the solver
/// says) on one user's system.
fn solve_cg(
    yty: &Array2<f32>,
    y: &Array2<f32>,
    items: &[u32],
    weights: &[f32],
    params: &ImplicitAls,
    s: &mut CgScratch,
    mut x: ArrayViewMut1<'_, f32>,
) {
    let x = x.as_slice_mut().expect("factor rows are contiguous");
    let lambda = params.regularization;
    let steps = match params.solver {
        AlsSolver::ConjugateGradient { steps } => steps,
        AlsSolver::Cholesky => 0,
    };
    // r = b − A·x, with A·x = (YᵀY + λI)·x + Σ (c − 1)(yᵢ·x) yᵢ and b = Σ c·yᵢ.
    symmetric_times(yty, x, &mut s.r);
    for (r, xv) in s.r.iter_mut().zip(x.iter()) {
        *r = -*r - lambda * xv;
    }
    for (&i, &w) in items.iter().zip(weights) {
        let yi = row(y, i);
        let c = 1.0 + params.alpha * w;
        let coef = c - (c - 1.0) * dot(yi, x);
        for (r, &v) in s.r.iter_mut().zip(yi) {
            *r += coef * v;
        }
    }
    s.p.copy_from_slice(&s.r);
    let mut rs_old = dot(&s.r, &s.r);
    for _ in 0..steps {
        if rs_old < 1e-20 {
            break;
        }
        symmetric_times(yty, &s.p, &mut s.ap);
        for (ap, p) in s.ap.iter_mut().zip(&s.p) {
            *ap += lambda * p;
        }
        for (&i, &w) in items.iter().zip(weights) {
            let yi = row(y, i);
            let coef = params.alpha * w * dot(yi, &s.p);
            for (ap, &v) in s.ap.iter_mut().zip(yi) {
                *ap += coef * v;
            }
        }
        let step = rs_old / dot(&s.p, &s.ap);
        if !step.is_finite() {
            break;
        }
        for ((xv, p), (r, ap)) in x.iter_mut().zip(&s.p).zip(s.r.iter_mut().zip(&s.ap)) {
            *xv += step * p;
            *r -= step * ap;
        }
        let rs_new = dot(&s.r, &s.r);
        let beta = rs_new / rs_old;
        for (p, r) in s.p.iter_mut().zip(&s.r) {
            *p = r + beta * *p;
        }
        rs_old = rs_new;
    }
}

/// Solves every row of `x` against the fixed factors `y`, with the
/// interactions `c` (rows of `c` = rows of `x`).
fn half_sweep(
    x: &mut Array2<f32>,
    y: &Array2<f32>,
    c: &CsrMatrix<f32>,
    params: &ImplicitAls,
) -> Result<()> {
    let yty64 = gram(y);
    match params.solver {
        AlsSolver::Cholesky => {
            let f = params.factors;
            x.axis_iter_mut(Axis(0))
                .into_par_iter()
                .enumerate()
                .try_for_each_init(
                    || Scratch::new(f),
                    |s, (u, xu)| {
                        let (items, weights) = c.row(u).unwrap_or((&[], &[]));
                        solve_exact(&yty64, y, items, weights, params, s, xu)
                    },
                )
        }
        AlsSolver::ConjugateGradient { steps } => {
            half_sweep_cg(x, y, c, &yty64.mapv(|v| v as f32), params, steps);
            Ok(())
        }
    }
}

/// The conjugate-gradient half-sweep for all rows at once: every row runs
/// the same warm-started steps as [`solve_cg`], but the dense part of each
/// product, `YᵀY·p`, is one matrix product `P·YᵀY` over all rows per step
/// (the GEMM kernel, with its wide vector instructions) instead of one
/// matrix–vector product per row; each row then adds its own items' terms
/// and takes its step, in parallel. A row whose residual vanished (or
/// whose step is not finite) stops, as in [`solve_cg`].
fn half_sweep_cg(
    x: &mut Array2<f32>,
    y: &Array2<f32>,
    c: &CsrMatrix<f32>,
    yty: &Array2<f32>,
    params: &ImplicitAls,
    steps: usize,
) {
    let (n, f) = x.dim();
    let (lambda, alpha) = (params.regularization, params.alpha);
    let items_of = |u: usize| c.row(u).unwrap_or((&[], &[]));
    // r = b − A·x = −YᵀY·x − λx + Σ (c − (c − 1)·yᵢ·x)·yᵢ.
    let mut r = Array2::<f32>::zeros((n, f));
    general_mat_mul(-1.0, &*x, yty, 0.0, &mut r);
    Zip::indexed(r.rows_mut())
        .and(x.rows())
        .par_for_each(|u, mut ru, xu| {
            let (items, weights) = items_of(u);
            let row = CgRow {
                y,
                items,
                weights,
                lambda,
                alpha,
            };
            residual_wide(
                &row,
                ru.as_slice_mut().expect("standard layout"),
                xu.as_slice().expect("standard layout"),
            );
        });
    let mut p = r.clone();
    let mut rs: Array1<f32> = r
        .rows()
        .into_iter()
        .map(|ru| {
            dot(
                ru.as_slice().expect("standard layout"),
                ru.as_slice().expect("standard layout"),
            )
        })
        .collect();
    let mut ap = Array2::<f32>::zeros((n, f));
    for _ in 0..steps {
        general_mat_mul(1.0, &p, yty, 0.0, &mut ap);
        Zip::indexed(x.rows_mut())
            .and(r.rows_mut())
            .and(p.rows_mut())
            .and(ap.rows_mut())
            .and(&mut rs)
            .par_for_each(|u, mut xu, mut ru, mut pu, mut apu, rs_old| {
                let (items, weights) = items_of(u);
                let row = CgRow {
                    y,
                    items,
                    weights,
                    lambda,
                    alpha,
                };
                step_wide(
                    &row,
                    [
                        xu.as_slice_mut().expect("standard layout"),
                        ru.as_slice_mut().expect("standard layout"),
                        pu.as_slice_mut().expect("standard layout"),
                        apu.as_slice_mut().expect("standard layout"),
                    ],
                    rs_old,
                );
            });
    }
}

/// What one row's conjugate-gradient work needs besides its own vectors:
/// the fixed factors, the row's items and weights, λ and α.
struct CgRow<'a> {
    y: &'a Array2<f32>,
    items: &'a [u32],
    weights: &'a [f32],
    lambda: f32,
    alpha: f32,
}

/// The first residual of one row: on entry `ru = −YᵀY·x`, on return
/// `r = b − A·x = −YᵀY·x − λx + Σ (c − (c − 1)·yᵢ·x)·yᵢ`.
#[inline(always)]
fn residual_row(row: &CgRow<'_>, ru: &mut [f32], xu: &[f32]) {
    for (rv, xv) in ru.iter_mut().zip(xu) {
        *rv -= row.lambda * xv;
    }
    for (&i, &w) in row.items.iter().zip(row.weights) {
        let yi = self::row(row.y, i);
        let conf = 1.0 + row.alpha * w;
        let coef = conf - (conf - 1.0) * dot(yi, xu);
        for (rv, &v) in ru.iter_mut().zip(yi) {
            *rv += coef * v;
        }
    }
}

/// One conjugate-gradient step of one row (`[x, r, p, ap]`, with
/// `ap = YᵀY·p` on entry): completes `A·p` with λ and the row's items,
/// steps `x` and `r`, and sets the next direction. A row whose residual
/// vanished carries `rs_old` below the threshold (or −1 when its step was
/// not finite) and is left alone.
#[inline(always)]
fn step_row(row: &CgRow<'_>, [xu, ru, pu, apu]: [&mut [f32]; 4], rs_old: &mut f32) {
    if *rs_old < 1e-20 {
        return;
    }
    for (a, pv) in apu.iter_mut().zip(pu.iter()) {
        *a += row.lambda * pv;
    }
    for (&i, &w) in row.items.iter().zip(row.weights) {
        let yi = self::row(row.y, i);
        let coef = row.alpha * w * dot(yi, pu);
        for (a, &v) in apu.iter_mut().zip(yi) {
            *a += coef * v;
        }
    }
    let step = *rs_old / dot(pu, apu);
    if !step.is_finite() {
        *rs_old = -1.0;
        return;
    }
    for ((xv, pv), (rv, av)) in xu
        .iter_mut()
        .zip(pu.iter())
        .zip(ru.iter_mut().zip(apu.iter()))
    {
        *xv += step * pv;
        *rv -= step * av;
    }
    let rs_new = dot(ru, ru);
    let beta = rs_new / *rs_old;
    for (pv, rv) in pu.iter_mut().zip(ru.iter()) {
        *pv = rv + beta * *pv;
    }
    *rs_old = rs_new;
}

ua_tensor::wide_fn! {
    /// [`residual_row`] compiled for the widest vector instructions the CPU has.
    fn residual_wide => residual_row(row: &CgRow<'_>, ru: &mut [f32], xu: &[f32])
}

ua_tensor::wide_fn! {
    /// [`step_row`] compiled for the widest vector instructions the CPU has.
    fn step_wide => step_row(row: &CgRow<'_>, vectors: [&mut [f32]; 4], rs_old: &mut f32)
}

impl RecommenderModel for ImplicitAls {
    type Params = ImplicitAls;
    type Fitted = FittedImplicitAls;

    fn fit(&self, interactions: &CsrMatrix<f32>) -> Result<FittedImplicitAls> {
        const OP: &str = "implicit ALS";
        self.validate()?;
        super::check_interactions(OP, interactions)?;
        let (n_users, n_items) = interactions.shape();
        check_allocation(
            OP,
            "the factor matrices",
            elements(OP, &[n_users + n_items, self.factors])?,
            4,
        )?;
        let mut rng = SmallRng::seed_from_u64(self.seed);
        let scale = 0.01;
        let mut init =
            |n: usize| Array2::from_shape_fn((n, self.factors), |_| rng.random::<f32>() * scale);
        let mut users = init(n_users);
        let mut items = init(n_items);
        let by_item = interactions.transpose();
        for it in 0..self.iterations {
            half_sweep(&mut users, &items, interactions, self)?;
            half_sweep(&mut items, &users, &by_item, self)?;
            report(&Event::new("ALS", it + 1, Some(self.iterations)));
        }
        Ok(FittedImplicitAls {
            params: *self,
            history: interactions.clone(),
            user_factors: users,
            item_factors: items,
        })
    }

    fn params(&self) -> ImplicitAls {
        *self
    }

    fn params_of(fitted: &FittedImplicitAls) -> ImplicitAls {
        fitted.params
    }
}

impl Recommender for FittedImplicitAls {
    fn n_users(&self) -> usize {
        self.history.n_rows()
    }

    fn n_items(&self) -> usize {
        self.history.n_cols()
    }

    fn seen_items(&self, user: UserIndex) -> Result<&[u32]> {
        history_row(&self.history, user).map(|(items, _)| items)
    }

    fn score_user(&self, user: UserIndex, out: &mut [f32]) -> Result<()> {
        check_out(out, self.n_items())?;
        history_row(&self.history, user)?;
        scores_into(&self.item_factors, self.user_factors.row(user), None, out);
        Ok(())
    }

    fn score_history(&self, items: &[u32], weights: &[f32], out: &mut [f32]) -> Result<()> {
        check_out(out, self.n_items())?;
        let x = self.fold_in(items, weights)?;
        scores_into(&self.item_factors, x.view(), None, out);
        Ok(())
    }

    /// One matrix product for the whole block of users.
    fn score_users(&self, users: &[UserIndex], out: ArrayViewMut2<'_, f32>) -> Result<()> {
        score_known_users(
            &self.history,
            &self.user_factors,
            &self.item_factors,
            None,
            users,
            out,
        )
    }

    /// Cosine similarity of the item factors.
    fn similar_items(&self, item: ItemIndex, k: usize) -> Result<Vec<(ItemIndex, f32)>> {
        cosine_similar(&self.item_factors, item, k)
    }
}

impl Persist for FittedImplicitAls {
    const KIND: &'static str = "ua-analytics/implicit-als";

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.validate().map_err(|e| e.to_string())?;
        check_history(&self.history)?;
        let f = self.params.factors;
        let (n_users, n_items) = self.history.shape();
        if self.user_factors.dim() != (n_users, f) || self.item_factors.dim() != (n_items, f) {
            return Err(format!(
                "factor matrices {:?} and {:?}, expected ({n_users}, {f}) and ({n_items}, {f})",
                self.user_factors.dim(),
                self.item_factors.dim()
            ));
        }
        if self
            .user_factors
            .iter()
            .chain(&self.item_factors)
            .any(|v| !v.is_finite())
        {
            return Err("a factor is not finite".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::tests::{csr, planted_groups};
    use ua_tensor::topk::top_k_masked;

    #[test]
    fn recovers_the_planted_groups() {
        let x = planted_groups();
        for solver in [
            AlsSolver::Cholesky,
            AlsSolver::ConjugateGradient { steps: 3 },
        ] {
            let m = ImplicitAls::new()
                .factors(4)
                .iterations(15)
                .solver(solver)
                .fit(&x)
                .unwrap();
            let mut scores = vec![0.0; 20];
            for u in 0..40 {
                m.score_user(u, &mut scores).unwrap();
                let own: f32 = scores[(u % 2) * 10..(u % 2) * 10 + 10].iter().sum::<f32>() / 10.0;
                let other: f32 = scores[(1 - u % 2) * 10..(1 - u % 2) * 10 + 10]
                    .iter()
                    .sum::<f32>()
                    / 10.0;
                assert!(
                    own > 0.5 && other.abs() < 0.1,
                    "{solver:?} user {u}: {own} vs {other}"
                );
            }
        }
    }

    #[test]
    fn fold_in_is_the_exact_solve_and_matches_the_trained_user() {
        let x = planted_groups();
        let params = ImplicitAls::new()
            .factors(4)
            .iterations(30)
            .solver(AlsSolver::Cholesky);
        let m = params.fit(&x).unwrap();
        // Fold-in = one exact user half-sweep against the final item factors.
        let mut users = m.user_factors.clone();
        half_sweep(&mut users, &m.item_factors, &x, &params).unwrap();
        let (mut trained, mut folded) = (vec![0.0; 20], vec![0.0; 20]);
        for u in [0, 7, 21] {
            let (items, w) = x.row(u).unwrap();
            let f = m.fold_in(items, w).unwrap();
            for (a, b) in f.iter().zip(users.row(u)) {
                assert!((a - b).abs() < 1e-5, "user {u}: {a} vs {b}");
            }
            // And, converged, it scores like the trained user: same top 5.
            m.score_user(u, &mut trained).unwrap();
            m.score_history(items, w, &mut folded).unwrap();
            for (a, b) in trained.iter().zip(&folded) {
                assert!((a - b).abs() < 1e-2, "user {u}: {a} vs {b}");
            }
            let top = |s: &[f32]| {
                top_k_masked(s, 5, |_| false)
                    .into_iter()
                    .map(|p| p.0)
                    .collect::<Vec<_>>()
            };
            assert_eq!(top(&trained), top(&folded), "user {u}");
        }
    }

    #[test]
    fn conjugate_gradient_approaches_the_exact_solve() {
        let x = planted_groups();
        let exact = ImplicitAls::new()
            .factors(4)
            .iterations(1)
            .solver(AlsSolver::Cholesky)
            .fit(&x)
            .unwrap();
        let many = ImplicitAls::new()
            .factors(4)
            .iterations(1)
            .solver(AlsSolver::ConjugateGradient { steps: 50 })
            .fit(&x)
            .unwrap();
        let d = (&exact.user_factors - &many.user_factors)
            .mapv(f32::abs)
            .fold(0.0f32, |a, &b| a.max(b));
        assert!(d < 1e-3, "{d}");
    }

    #[test]
    fn bad_parameters_are_named() {
        let x = csr(1, 2, &[(0, 0)]);
        for (m, name) in [
            (ImplicitAls::new().factors(0), "factors"),
            (ImplicitAls::new().factors(MAX_FACTORS + 1), "factors"),
            (ImplicitAls::new().regularization(-1.0), "regularization"),
            (ImplicitAls::new().alpha(0.0), "alpha"),
            (ImplicitAls::new().iterations(0), "iterations"),
            (
                ImplicitAls::new().solver(AlsSolver::ConjugateGradient { steps: 0 }),
                "solver",
            ),
        ] {
            let e = m.fit(&x).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn dot_equals_the_plain_sum_for_every_length() {
        for n in [0, 1, 15, 16, 17, 64, 100] {
            let a: Vec<f32> = (0..n).map(|i| (i % 7) as f32 - 3.0).collect();
            let b: Vec<f32> = (0..n).map(|i| (i % 5) as f32 * 0.5).collect();
            let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert_eq!(dot(&a, &b), want, "length {n}");
        }
        // Unequal lengths: the common prefix.
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0]), 14.0);
    }

    #[test]
    fn the_wide_copies_compute_the_same_bits_as_the_plain_rows() {
        // 20 factors (a 16-lane chunk and a tail), 6 items of 9 for the row.
        let f = 20;
        let val = |i: usize, s: usize| (((i * 37 + s * 11) % 29) as f32 - 14.0) / 9.0;
        let y = Array2::from_shape_fn((9, f), |(i, k)| val(i * f + k, 1));
        let (items, weights) = ([0u32, 2, 3, 5, 7, 8], [1.0f32, 2.0, 0.5, 3.0, 1.0, 4.0]);
        let row = CgRow {
            y: &y,
            items: &items,
            weights: &weights,
            lambda: 0.3,
            alpha: 1.5,
        };
        let start: Vec<Vec<f32>> = (0..4)
            .map(|v| (0..f).map(|k| val(k, v + 2)).collect())
            .collect();
        let (mut plain, mut wide) = (start.clone(), start.clone());
        residual_row(&row, &mut plain[1], &start[0]);
        residual_wide(&row, &mut wide[1], &start[0]);
        assert_ne!(plain[1], start[1]);
        let (mut rs_plain, mut rs_wide) = (2.5f32, 2.5f32);
        for _ in 0..3 {
            let [x, r, p, ap] = &mut plain[..] else {
                unreachable!()
            };
            step_row(&row, [x, r, p, ap], &mut rs_plain);
            let [x, r, p, ap] = &mut wide[..] else {
                unreachable!()
            };
            step_wide(&row, [x, r, p, ap], &mut rs_wide);
        }
        let bits =
            |v: &Vec<Vec<f32>>| -> Vec<u32> { v.iter().flatten().map(|x| x.to_bits()).collect() };
        assert_eq!(bits(&plain), bits(&wide));
        assert_eq!(rs_plain.to_bits(), rs_wide.to_bits());
        assert_ne!(plain[0], start[0], "the steps moved x");
    }

    #[test]
    fn symmetric_times_is_the_matrix_vector_product() {
        let s = ndarray::array![[2.0f32, -1.0, 0.5], [-1.0, 3.0, 4.0], [0.5, 4.0, 1.0]];
        let v = [1.0f32, 2.0, -2.0];
        let mut out = [9.0f32; 3];
        symmetric_times(&s, &v, &mut out);
        assert_eq!(out, [-1.0, -3.0, 6.5]);
    }

    #[test]
    fn batched_cg_half_sweep_equals_the_one_row_solves() {
        // 9 users × 7 items, user 4 without items; weights 1–3; 3 factors.
        let pairs: Vec<(usize, usize)> = (0..9)
            .flat_map(|u| {
                (0..7)
                    .filter(move |i| u != 4 && (u * 5 + i * 3) % 4 == 0)
                    .map(move |i| (u, i))
            })
            .collect();
        let (rows, cols): (Vec<usize>, Vec<usize>) = pairs.iter().copied().unzip();
        let vals: Vec<f32> = (0..rows.len()).map(|k| 1.0 + (k % 3) as f32).collect();
        let c = CsrMatrix::from_triplets(9, 7, &rows, &cols, &vals).unwrap();
        let y = Array2::from_shape_fn((7, 3), |(i, k)| ((i * 3 + k * 7) % 5) as f32 * 0.2 - 0.3);
        let x0 = Array2::from_shape_fn((9, 3), |(u, k)| ((u + k * 2) % 4) as f32 * 0.1);
        for steps in [1, 3, 6] {
            let params = ImplicitAls::new()
                .factors(3)
                .alpha(2.0)
                .regularization(0.3)
                .solver(AlsSolver::ConjugateGradient { steps });
            let yty = gram(&y).mapv(|v| v as f32);
            let mut batched = x0.clone();
            half_sweep_cg(&mut batched, &y, &c, &yty, &params, steps);
            let mut s = CgScratch {
                r: vec![0.0; 3],
                p: vec![0.0; 3],
                ap: vec![0.0; 3],
            };
            for u in 0..9 {
                let mut xu = x0.row(u).to_owned();
                let (items, weights) = c.row(u).unwrap();
                solve_cg(&yty, &y, items, weights, &params, &mut s, xu.view_mut());
                for k in 0..3 {
                    let (got, want) = (batched[[u, k]], xu[k]);
                    assert!(
                        (got - want).abs() < 1e-5 * (1.0 + want.abs()),
                        "steps {steps} user {u}: {got} vs {want}"
                    );
                }
            }
            // The sweep moved the factors (it is not a no-op).
            assert!(
                (&batched - &x0).iter().any(|d| d.abs() > 1e-3),
                "steps {steps}"
            );
        }
    }

    #[test]
    fn the_exact_solve_satisfies_the_users_normal_equations() {
        // 5 items × 3 factors; a user with items 0, 2, 3 at weights 1, 2.5, 4.
        let y = Array2::from_shape_fn((5, 3), |(i, k)| ((i * 3 + k * 7) % 5) as f32 * 0.3 - 0.5);
        let (items, weights) = ([0u32, 2, 3], [1.0f32, 2.5, 4.0]);
        let (f, alpha, lambda) = (3, 2.0f32, 0.7f32);
        let params = ImplicitAls::new()
            .factors(f)
            .alpha(alpha)
            .regularization(lambda);
        let mut s = Scratch::new(f);
        let mut x = Array1::zeros(f);
        solve_exact(
            &gram(&y),
            &y,
            &items,
            &weights,
            &params,
            &mut s,
            x.view_mut(),
        )
        .unwrap();
        // A = YᵀY + λI + Σ (cᵢ − 1)·yᵢyᵢᵀ and b = Σ cᵢ·yᵢ with cᵢ = 1 + α·wᵢ,
        // built entry by entry in f64.
        let yv = |i: usize, k: usize| f64::from(y[[i, k]]);
        let mut a = vec![vec![0.0f64; f]; f];
        let mut b = vec![0.0f64; f];
        for (r, a_r) in a.iter_mut().enumerate() {
            for (k, a_rk) in a_r.iter_mut().enumerate() {
                *a_rk = (0..5).map(|i| yv(i, r) * yv(i, k)).sum::<f64>();
                if r == k {
                    *a_rk += f64::from(lambda);
                }
            }
        }
        for (&i, &w) in items.iter().zip(&weights) {
            let (i, c) = (i as usize, 1.0 + f64::from(alpha) * f64::from(w));
            for (r, (a_r, b_r)) in a.iter_mut().zip(&mut b).enumerate() {
                *b_r += c * yv(i, r);
                for (k, a_rk) in a_r.iter_mut().enumerate() {
                    *a_rk += (c - 1.0) * yv(i, r) * yv(i, k);
                }
            }
        }
        assert!(x.iter().any(|v| v.abs() > 0.1), "{x}");
        for (r, (a_r, &b_r)) in a.iter().zip(&b).enumerate() {
            let ax: f64 = a_r.iter().zip(&x).map(|(a, &x)| a * f64::from(x)).sum();
            assert!(
                (ax - b_r).abs() < 1e-4 * (1.0 + b_r.abs()),
                "row {r}: A·x = {ax}, b = {b_r}"
            );
        }
    }

    #[test]
    fn parameter_bounds_are_inclusive_and_non_finite_values_are_refused() {
        for ok in [
            ImplicitAls::new().factors(1),
            ImplicitAls::new().factors(MAX_FACTORS),
            ImplicitAls::new().regularization(0.0),
            ImplicitAls::new().alpha(1e-6),
            ImplicitAls::new().iterations(1),
            ImplicitAls::new().solver(AlsSolver::ConjugateGradient { steps: 1 }),
            ImplicitAls::new().solver(AlsSolver::Cholesky),
        ] {
            assert!(ok.validate().is_ok(), "{ok:?}");
        }
        for (bad, name, value) in [
            (
                ImplicitAls::new().regularization(f32::INFINITY),
                "regularization",
                "inf",
            ),
            (
                ImplicitAls::new().regularization(f32::NAN),
                "regularization",
                "NaN",
            ),
            (ImplicitAls::new().alpha(f32::INFINITY), "alpha", "inf"),
            (ImplicitAls::new().alpha(-1.0), "alpha", "-1"),
        ] {
            let e = bad.validate().unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(value), "{e}");
        }
    }

    #[test]
    fn loading_refuses_broken_contents() {
        use ua_tensor::persist::Persist;
        // 2 users × 3 items, 2 factors.
        let m = ImplicitAls::new()
            .factors(2)
            .iterations(2)
            .fit(&csr(2, 3, &[(0, 0), (1, 2)]))
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&m.to_json().unwrap()).unwrap();
        let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = json.clone();
            edit(&mut v);
            FittedImplicitAls::from_json(&v.to_string())
                .unwrap_err()
                .to_string()
        };
        let e = broken(&|v| v["model"]["params"]["iterations"] = 0.into());
        assert!(e.contains("iterations"), "{e}");
        let e = broken(&|v| v["model"]["history"]["data"][0] = (-1.0).into());
        assert!(e.contains("weight -1"), "{e}");
        // Only the item factors have the wrong shape (2 × 3 instead of 3 × 2).
        let e = broken(&|v| v["model"]["item_factors"]["dim"] = serde_json::json!([2, 3]));
        assert!(e.contains("expected (2, 2) and (3, 2)"), "{e}");
        // JSON cannot hold a non-finite factor; the check sees one in memory.
        let mut bad = m.clone();
        bad.user_factors[[1, 0]] = f32::NAN;
        assert!(bad.validate().unwrap_err().contains("not finite"));
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(FittedImplicitAls::from_json(&json.to_string()).unwrap(), m);
    }

    #[test]
    fn a_row_below_the_residual_threshold_is_left_alone() {
        // No items and λ = 0: A·p is the `ap` given, so the step is rs / (p·ap).
        let y = Array2::<f32>::zeros((1, 2));
        let row = CgRow {
            y: &y,
            items: &[],
            weights: &[],
            lambda: 0.0,
            alpha: 1.0,
        };
        // Below 1e-20 the row has converged; at 1e-20 it still takes its step.
        for (rs, moves) in [(1e-21f32, false), (1e-20, true)] {
            let (mut x, mut r) = (vec![0.0f32; 2], vec![1.0f32, 0.0]);
            let (mut p, mut ap) = (vec![1.0f32, 0.0], vec![1.0f32, 0.0]);
            let mut rs_old = rs;
            step_row(&row, [&mut x, &mut r, &mut p, &mut ap], &mut rs_old);
            let want_x = if moves { vec![rs, 0.0] } else { vec![0.0, 0.0] };
            assert_eq!(x, want_x, "rs {rs}");
            // A step leaves the new residual's squared norm, r = 1 − 1e-20 ≈ 1.
            assert_eq!(rs_old, if moves { 1.0 } else { rs }, "rs {rs}");
        }
    }

    #[test]
    fn setters_and_params_keep_the_values_given() {
        // Every field away from its default, so that a setter returning the
        // defaults (or the wrong field) shows.
        let p = ImplicitAls::new()
            .factors(3)
            .regularization(0.25)
            .alpha(2.5)
            .iterations(2)
            .solver(AlsSolver::Cholesky)
            .seed(7);
        assert_eq!(
            (
                p.factors,
                p.regularization,
                p.alpha,
                p.iterations,
                p.solver,
                p.seed
            ),
            (3, 0.25, 2.5, 2, AlsSolver::Cholesky, 7)
        );
        assert_eq!(p.params(), p);
        let m = p.fit(&csr(2, 3, &[(0, 0), (1, 2)])).unwrap();
        assert_eq!(ImplicitAls::params_of(&m), p);
    }

    #[test]
    fn the_fitted_model_answers_from_its_factors_and_history() {
        // 3 users × 5 items: user 0 has items 1, 3; user 1 item 4; user 2
        // items 0, 2, 4 (weights 1, 3, 2).
        let x = CsrMatrix::from_triplets(
            3,
            5,
            &[0, 0, 1, 2, 2, 2],
            &[1, 3, 4, 0, 2, 4],
            &[1.0f32, 2.0, 1.0, 1.0, 3.0, 2.0],
        )
        .unwrap();
        let m = ImplicitAls::new()
            .factors(3)
            .iterations(3)
            .solver(AlsSolver::Cholesky)
            .fit(&x)
            .unwrap();
        assert_eq!((m.n_users(), m.n_items()), (3, 5));
        assert_eq!(m.seen_items(0).unwrap(), &[1, 3]);
        assert_eq!(m.seen_items(2).unwrap(), &[0, 2, 4]);
        let e = m.seen_items(3).unwrap_err().to_string();
        assert!(e.contains("unknown user 3"), "{e}");
        let (xu, y) = (m.user_factors(), m.item_factors());
        assert_eq!((xu.dim(), y.dim()), ((3, 3), (5, 3)));
        assert_eq!((xu, y), (&m.user_factors, &m.item_factors));
        // A block of users scores xᵤ·yᵢ, here summed in f64.
        let dot64 = |a: ndarray::ArrayView1<'_, f32>, b: ndarray::ArrayView1<'_, f32>| {
            a.iter()
                .zip(b)
                .map(|(&p, &q)| f64::from(p) * f64::from(q))
                .sum::<f64>()
        };
        let mut block = Array2::from_elem((2, 5), f32::NAN);
        m.score_users(&[2, 0], block.view_mut()).unwrap();
        for (r, u) in [2usize, 0].into_iter().enumerate() {
            for i in 0..5 {
                let want = dot64(xu.row(u), y.row(i));
                let got = f64::from(block[[r, i]]);
                assert!(
                    (got - want).abs() < 1e-5 * (1.0 + want.abs()),
                    "user {u} item {i}: {got} vs {want}"
                );
            }
        }
        assert!(block.iter().any(|v| v.abs() > 0.1), "{block}");
        // Similar items: the cosine of the item factors, best first, never
        // the item itself.
        let cos = |a: usize, b: usize| {
            dot64(y.row(a), y.row(b))
                / (dot64(y.row(a), y.row(a)) * dot64(y.row(b), y.row(b))).sqrt()
        };
        let mut want: Vec<(usize, f64)> =
            (0..5).filter(|&j| j != 2).map(|j| (j, cos(2, j))).collect();
        want.sort_by(|a, b| b.1.total_cmp(&a.1));
        // The order is not a near tie (else the check below would be luck).
        assert!(
            want[0].1 - want[1].1 > 1e-3 && want[1].1 - want[2].1 > 1e-3,
            "{want:?}"
        );
        let got = m.similar_items(2, 2).unwrap();
        assert_eq!(got.len(), 2, "{got:?}");
        for ((gi, gs), (wi, ws)) in got.iter().zip(&want) {
            assert_eq!(gi, wi, "{got:?} vs {want:?}");
            assert!((f64::from(*gs) - ws).abs() < 1e-5, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn the_first_sweep_starts_from_small_seeded_factors() {
        // This pins the initialisation: factors uniform in [0, 0.01) from the
        // seed's SmallRng, all user rows first, then the item rows. With one
        // Cholesky iteration the user factors are then the exact solve of
        // each user's normal equations against the initial item factors.
        let x = CsrMatrix::from_triplets(
            4,
            6,
            &[0, 0, 1, 2, 2, 3],
            &[0, 3, 1, 2, 5, 4],
            &[1.0f32, 2.0, 3.0, 1.0, 4.0, 2.0],
        )
        .unwrap();
        let (f, seed, alpha, lambda) = (3, 7, 2.0f32, 1e-3f32);
        let m = ImplicitAls::new()
            .factors(f)
            .iterations(1)
            .solver(AlsSolver::Cholesky)
            .seed(seed)
            .alpha(alpha)
            .regularization(lambda)
            .fit(&x)
            .unwrap();
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut draw = |n: usize| Array2::from_shape_fn((n, f), |_| rng.random::<f32>() * 0.01);
        let _initial_users = draw(4);
        let y0 = draw(6);
        assert!(y0.iter().all(|&v| (0.0..0.01).contains(&v)));
        // A = Y₀ᵀY₀ + λI + Σ (cᵢ − 1)·yᵢyᵢᵀ, b = Σ cᵢ·yᵢ, cᵢ = 1 + α·wᵢ, in f64.
        let yv = |i: usize, k: usize| f64::from(y0[[i, k]]);
        for u in 0..4 {
            let (items, weights) = x.row(u).unwrap();
            let mut a = Array2::from_shape_fn((f, f), |(r, k)| {
                let diagonal = if r == k { f64::from(lambda) } else { 0.0 };
                (0..6).map(|i| yv(i, r) * yv(i, k)).sum::<f64>() + diagonal
            });
            let mut b = Array1::<f64>::zeros(f);
            for (&i, &w) in items.iter().zip(weights) {
                let (i, c) = (i as usize, 1.0 + f64::from(alpha) * f64::from(w));
                b.zip_mut_with(&y0.row(i), |b, &y| *b += c * f64::from(y));
                for ((r, k), a) in a.indexed_iter_mut() {
                    *a += (c - 1.0) * yv(i, r) * yv(i, k);
                }
            }
            let xu = m.user_factors.row(u).mapv(f64::from);
            let scale = b.iter().fold(0.0f64, |s, v| s.max(v.abs()));
            assert!(scale > 0.0, "user {u}");
            let ax = a.dot(&xu);
            for (r, (ax, b)) in ax.iter().zip(&b).enumerate() {
                assert!(
                    (ax - b).abs() < 1e-4 * scale,
                    "user {u} row {r}: A·x = {ax}, b = {b}"
                );
            }
        }
    }

    #[test]
    fn each_sweep_reports_its_number() {
        use std::sync::{Arc, Mutex};
        use ua_tensor::progress::{Observer, observe};
        struct Log(Mutex<Vec<(String, usize, Option<usize>)>>);
        impl Observer for Log {
            fn event(&self, e: &Event<'_>) {
                let mut log = self.0.lock().unwrap();
                log.push((e.task.to_string(), e.step, e.total));
            }
        }
        let log = Arc::new(Log(Mutex::new(vec![])));
        let x = csr(2, 3, &[(0, 0), (1, 2)]);
        observe(log.clone(), || {
            ImplicitAls::new().factors(2).iterations(3).fit(&x).unwrap()
        });
        let got = log.0.lock().unwrap().clone();
        let want: Vec<_> = (1..=3).map(|s| ("ALS".to_string(), s, Some(3))).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn the_size_guard_counts_the_user_and_item_factors() {
        // n users and n items with n² · 4 bytes over the budget: users × items
        // would not fit, but the factors are 2n · 4 bytes and are accepted.
        let budget = ua_tensor::budget::memory_budget().unwrap();
        let n = ((budget / 4) as f64).sqrt() as usize + 1;
        assert!((n as u128) * (n as u128) * 4 > budget, "{n}");
        let x = CsrMatrix::from_triplets(n, n, &[0, n - 1], &[n - 1, 0], &[1.0f32, 2.0]).unwrap();
        let m = ImplicitAls::new().factors(1).iterations(1).fit(&x).unwrap();
        assert_eq!(
            (m.user_factors.dim(), m.item_factors.dim()),
            ((n, 1), (n, 1))
        );
        // Factors of users + items beyond the budget are refused, naming it.
        let huge = CsrMatrix::from_triplets(1, u32::MAX as usize, &[0], &[5], &[1.0f32]).unwrap();
        let e = ImplicitAls::new()
            .factors(MAX_FACTORS)
            .fit(&huge)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the factor matrices") && e.contains("UA_MEMORY_BUDGET"),
            "{e}"
        );
    }
}
