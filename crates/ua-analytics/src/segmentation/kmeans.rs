//! K-means clustering: k-means++ (greedy) or random seeding, `n_init`
//! restarts, and Lloyd or Elkan iterations.
//!
//! * **Lloyd** assigns every point with the distance product
//!   `‖x‖² + ‖c‖² − 2·x·cᵀ` over chunks of 256 rows (one `gemm_into` per
//!   chunk into a preallocated buffer), fused with the argmin and the
//!   accumulation of the new centre sums in `f64`.
//! * **Elkan** keeps an upper bound per point and a lower bound per point and
//!   centre, and uses the triangle inequality with the centre–centre
//!   distances to skip most distance computations. From the same initial
//!   centres it reaches the same labels and inertia as Lloyd.
//!
//! Both follow scikit-learn's loop: stop when the labels no longer change or
//! when the total squared centre shift is at most `tol × mean per-feature
//! variance`, or after `max_iter` iterations; an empty cluster is re-seeded
//! at the point farthest from its centre. The work is split into blocks that
//! depend only on the number of rows and reduced in block order, so the
//! parallel (`rayon`) and sequential paths give bit-identical results for a
//! given seed.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, CowArray, Ix2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::check::ensure_finite;

use super::kernel::{
    Acc, assign_all, assign_rows, block_rows, dist_s, inertia, internal, map_blocks, row_sq_norms,
    sq_dist_f64,
};
use crate::{Error, Result, Segmenter};

/// Version of the serialised [`FittedKMeans`] layout.
pub const FORMAT_VERSION: u32 = 1;

/// The iteration used by [`KMeans`].
///
/// ```
/// use ua_analytics::segmentation::Algorithm;
/// assert_eq!(Algorithm::default(), Algorithm::Lloyd);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Full assignment every iteration with distance products (best for
    /// small `k` and low dimension, where the products are cheap).
    #[default]
    Lloyd,
    /// Elkan's triangle-inequality bounds: fewer distance computations, more
    /// memory (`n × k` lower bounds).
    Elkan,
}

/// How the initial centres are chosen.
///
/// ```
/// use ua_analytics::segmentation::Init;
/// assert_eq!(Init::default(), Init::KMeansPlusPlus);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// Greedy k-means++: each new centre is the best of `2 + ⌊ln k⌋`
    /// candidates drawn with probability proportional to the squared
    /// distance to the nearest chosen centre.
    #[default]
    KMeansPlusPlus,
    /// `k` distinct rows drawn uniformly.
    Random,
}

/// Hyper-parameters of k-means. Checked when [`KMeans::fit`] is called.
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::KMeans;
/// let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]];
/// let fit = KMeans::new(2).seed(7).fit(x.view()).unwrap();
/// let l = fit.labels();
/// assert_eq!(l[0], l[1]);
/// assert_ne!(l[0], l[2]);
/// assert!((fit.inertia() - 0.01).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeans {
    /// Number of clusters (≥ 1, at most the number of distinct points).
    pub k: usize,
    /// Number of seedings; the run with the lowest inertia is kept.
    pub n_init: usize,
    /// Maximum number of iterations per run.
    pub max_iter: usize,
    /// Convergence tolerance on the total squared centre shift, relative to
    /// the mean per-feature variance of the data (as in scikit-learn).
    pub tol: f64,
    /// Lloyd or Elkan iterations.
    pub algorithm: Algorithm,
    /// Seeding method.
    pub init: Init,
    /// Seed of the random number generator.
    pub seed: u64,
    /// Use rayon over row blocks (the result is identical either way).
    pub parallel: bool,
}

impl Default for KMeans {
    fn default() -> Self {
        KMeans {
            k: 8,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            algorithm: Algorithm::Lloyd,
            init: Init::KMeansPlusPlus,
            seed: 0,
            parallel: true,
        }
    }
}

impl KMeans {
    /// Default hyper-parameters with `k` clusters.
    ///
    /// ```
    /// let km = ua_analytics::segmentation::KMeans::new(3);
    /// assert_eq!((km.k, km.n_init, km.max_iter), (3, 1, 300));
    /// ```
    pub fn new(k: usize) -> Self {
        KMeans {
            k,
            ..Self::default()
        }
    }

    /// Sets the number of clusters.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::KMeans::default().k(4).k, 4);
    /// ```
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Sets the number of seedings.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::KMeans::new(2).n_init(5).n_init, 5);
    /// ```
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Sets the maximum number of iterations per run.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::KMeans::new(2).max_iter(10).max_iter, 10);
    /// ```
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets the relative tolerance on the centre shift.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::KMeans::new(2).tol(0.0).tol, 0.0);
    /// ```
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the iteration algorithm.
    ///
    /// ```
    /// use ua_analytics::segmentation::{Algorithm, KMeans};
    /// assert_eq!(KMeans::new(2).algorithm(Algorithm::Elkan).algorithm, Algorithm::Elkan);
    /// ```
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sets the seeding method.
    ///
    /// ```
    /// use ua_analytics::segmentation::{Init, KMeans};
    /// assert_eq!(KMeans::new(2).init(Init::Random).init, Init::Random);
    /// ```
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Sets the random seed.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::KMeans::new(2).seed(9).seed, 9);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Switches rayon parallelism on or off (results are identical).
    ///
    /// ```
    /// assert!(!ua_analytics::segmentation::KMeans::new(2).parallel(false).parallel);
    /// ```
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    fn validate(&self, op: &'static str) -> Result<()> {
        let bad = |message: String| Err(Error::InvalidArgument { op, message });
        if self.k == 0 {
            return bad("k must be at least 1, found 0".into());
        }
        if self.n_init == 0 {
            return bad("n_init must be at least 1, found 0".into());
        }
        if self.max_iter == 0 {
            return bad("max_iter must be at least 1, found 0".into());
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return bad(format!("tol must be finite and ≥ 0, found {}", self.tol));
        }
        Ok(())
    }

    /// Clusters the rows of `x` (`n × d`, finite, at least `k` distinct rows).
    ///
    /// Errors: `k`, `n_init` or `max_iter` of 0, a negative or non-finite
    /// `tol`, an empty `x`, a NaN or infinite value (its position is named),
    /// or fewer than `k` distinct rows.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::{Algorithm, KMeans};
    /// let x = array![[1.0f32, 1.0], [1.5, 2.0], [8.0, 8.0], [9.0, 8.5], [1.0, 0.5]];
    /// let lloyd = KMeans::new(2).seed(3).fit(x.view()).unwrap();
    /// let elkan = KMeans::new(2).seed(3).algorithm(Algorithm::Elkan).fit(x.view()).unwrap();
    /// assert_eq!(lloyd.labels(), elkan.labels());
    /// assert!(KMeans::new(6).fit(x.view()).is_err()); // only 5 distinct points
    /// ```
    pub fn fit<S: Scalar>(&self, x: ArrayView2<'_, S>) -> Result<FittedKMeans<S>> {
        const OP: &str = "KMeans::fit";
        self.validate(OP)?;
        let x = prepare(OP, x)?;
        let x = x.view();
        ensure_distinct(OP, x, self.k)?;
        let tol = self.tol * mean_variance(x);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut best: Option<Run<S>> = None;
        for _ in 0..self.n_init {
            let run_seed: u64 = rng.random();
            let mut run_rng = StdRng::seed_from_u64(run_seed);
            let init = initial_centers(x, self.k, self.init, &mut run_rng, self.parallel)?;
            let run = match self.algorithm {
                Algorithm::Lloyd => lloyd(x, init, self.max_iter, tol, self.parallel)?,
                Algorithm::Elkan => elkan(x, init, self.max_iter, tol, self.parallel)?,
            };
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let run = best.ok_or_else(|| internal("no k-means run"))?;
        Ok(FittedKMeans {
            format_version: FORMAT_VERSION,
            centers: run.centers,
            labels: Array1::from(run.labels),
            inertia: run.inertia,
            n_iter: run.n_iter,
            converged: run.converged,
        })
    }

    /// Runs the iterations from given initial centres (`k × d`), e.g. to
    /// compare algorithms from the same start. `self.k`, `init`, `n_init`
    /// and `seed` are not used.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::KMeans;
    /// let x = array![[0.0, 0.0], [1.0, 0.0], [9.0, 0.0], [10.0, 0.0]];
    /// let c0 = array![[0.0, 0.0], [1.0, 0.0]];
    /// let fit = KMeans::new(2).fit_from(x.view(), c0.view()).unwrap();
    /// assert_eq!(fit.centers(), array![[0.5, 0.0], [9.5, 0.0]]);
    /// ```
    pub fn fit_from<S: Scalar>(
        &self,
        x: ArrayView2<'_, S>,
        centers: ArrayView2<'_, S>,
    ) -> Result<FittedKMeans<S>> {
        const OP: &str = "KMeans::fit_from";
        let k = centers.nrows();
        KMeans { k, ..self.clone() }.validate(OP)?;
        let x = prepare(OP, x)?;
        let x = x.view();
        if centers.ncols() != x.ncols() {
            return Err(Error::ShapeMismatch {
                op: OP,
                expected: format!("initial centres with {} columns", x.ncols()),
                found: format!("{} columns", centers.ncols()),
            });
        }
        ensure_finite(OP, &centers)?;
        ensure_distinct(OP, x, k)?;
        let tol = self.tol * mean_variance(x);
        let init = centers.as_standard_layout().into_owned();
        let run = match self.algorithm {
            Algorithm::Lloyd => lloyd(x, init, self.max_iter, tol, self.parallel)?,
            Algorithm::Elkan => elkan(x, init, self.max_iter, tol, self.parallel)?,
        };
        Ok(FittedKMeans {
            format_version: FORMAT_VERSION,
            centers: run.centers,
            labels: Array1::from(run.labels),
            inertia: run.inertia,
            n_iter: run.n_iter,
            converged: run.converged,
        })
    }
}

/// A fitted k-means model: centres, training labels, inertia and the
/// number of iterations. Serialisable with serde (`format_version` = 1).
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::{FittedKMeans, KMeans};
/// let x = array![[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0]];
/// let fit = KMeans::new(2).seed(1).fit(x.view()).unwrap();
/// let json = serde_json::to_string(&fit).unwrap();
/// let back: FittedKMeans<f64> = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.centers(), fit.centers());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Scalar", deserialize = "S: Scalar"))]
pub struct FittedKMeans<S: Scalar> {
    format_version: u32,
    centers: Array2<S>,
    labels: Array1<usize>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
}

impl<S: Scalar> FittedKMeans<S> {
    pub(crate) fn from_parts(
        centers: Array2<S>,
        labels: Vec<usize>,
        inertia: f64,
        n_iter: usize,
        converged: bool,
    ) -> Self {
        FittedKMeans {
            format_version: FORMAT_VERSION,
            centers,
            labels: Array1::from(labels),
            inertia,
            n_iter,
            converged,
        }
    }

    /// The `k × d` cluster centres.
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[1.0, 2.0], [3.0, 4.0]].view()).unwrap();
    /// assert_eq!(fit.centers(), array![[2.0, 3.0]]);
    /// ```
    pub fn centers(&self) -> ArrayView2<'_, S> {
        self.centers.view()
    }

    /// Cluster index of each training row.
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[1.0], [3.0]].view()).unwrap();
    /// assert_eq!(fit.labels().to_vec(), vec![0, 0]);
    /// ```
    pub fn labels(&self) -> ArrayView1<'_, usize> {
        self.labels.view()
    }

    /// Sum of squared distances of the training rows to their centres.
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[1.0], [3.0]].view()).unwrap();
    /// assert_eq!(fit.inertia(), 2.0);
    /// ```
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Iterations of the kept run.
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[1.0], [3.0]].view()).unwrap();
    /// assert!(fit.n_iter() >= 1);
    /// ```
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the kept run stopped before `max_iter` (labels stable or
    /// centre shift within `tol`).
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[1.0], [3.0]].view()).unwrap();
    /// assert!(fit.converged());
    /// ```
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Number of clusters.
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(2).fit(array![[1.0], [3.0]].view()).unwrap();
    /// assert_eq!(fit.k(), 2);
    /// ```
    pub fn k(&self) -> usize {
        self.centers.nrows()
    }

    /// Number of feature columns.
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(2).fit(array![[1.0, 0.0], [3.0, 0.0]].view()).unwrap();
    /// assert_eq!(fit.n_features(), 2);
    /// ```
    pub fn n_features(&self) -> usize {
        self.centers.ncols()
    }

    fn check_input<'a>(
        &self,
        op: &'static str,
        x: ArrayView2<'a, S>,
    ) -> Result<CowArray<'a, S, Ix2>> {
        if self.format_version != FORMAT_VERSION || self.k() == 0 {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "not a usable fitted model: format_version {} (expected {FORMAT_VERSION}), {} centres",
                    self.format_version,
                    self.k()
                ),
            });
        }
        if x.ncols() != self.n_features() {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!("{} columns", self.n_features()),
                found: format!("{} columns", x.ncols()),
            });
        }
        ensure_finite(op, &x)?;
        Ok(standard(x))
    }

    /// Nearest centre of each row of `x` (same number of columns as the
    /// training data; an empty `x` gives an empty result).
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let x = array![[0.0], [0.5], [10.0], [10.5]];
    /// let fit = KMeans::new(2).seed(2).fit(x.view()).unwrap();
    /// let p = fit.predict(array![[0.2], [9.0]].view()).unwrap();
    /// assert_eq!(p[0], fit.labels()[0]);
    /// assert_eq!(p[1], fit.labels()[2]);
    /// assert!(fit.predict(array![[0.2, 1.0]].view()).is_err());
    /// ```
    pub fn predict(&self, x: ArrayView2<'_, S>) -> Result<Array1<usize>> {
        let x = self.check_input("FittedKMeans::predict", x)?;
        Ok(Array1::from(assign_all(
            x.view(),
            self.centers.view(),
            true,
        )?))
    }

    /// Euclidean distance of each row of `x` to each centre (`n × k`).
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[0.0f64, 0.0], [2.0, 0.0]].view()).unwrap();
    /// let d = fit.transform(array![[1.0, 3.0]].view()).unwrap();
    /// assert!((d[[0, 0]] - 3.0).abs() < 1e-12);
    /// ```
    pub fn transform(&self, x: ArrayView2<'_, S>) -> Result<Array2<S>> {
        let x = self.check_input("FittedKMeans::transform", x)?;
        let x = x.view();
        let (n, k) = (x.nrows(), self.k());
        let mut out = Array2::<S>::zeros((n, k));
        let xs = x
            .as_slice()
            .ok_or_else(|| internal("transform: x not contiguous"))?;
        let cs = self
            .centers
            .as_slice()
            .ok_or_else(|| internal("transform: centres not contiguous"))?;
        let d = x.ncols();
        if let Some(o) = out.as_slice_mut() {
            o.par_chunks_mut(k.max(1)).enumerate().for_each(|(i, row)| {
                let xi = &xs[i * d..(i + 1) * d];
                for (j, v) in row.iter_mut().enumerate() {
                    *v = dist_s(xi, &cs[j * d..(j + 1) * d]);
                }
            });
        }
        Ok(out)
    }

    /// Exact sum of squared distances of the rows of `x` to their nearest
    /// centre (the k-means objective on new data).
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[0.0], [2.0]].view()).unwrap();
    /// assert_eq!(fit.score(array![[4.0]].view()).unwrap(), 9.0);
    /// ```
    pub fn score(&self, x: ArrayView2<'_, S>) -> Result<f64> {
        let x = self.check_input("FittedKMeans::score", x)?;
        let labels = assign_all(x.view(), self.centers.view(), true)?;
        inertia(x.view(), self.centers.view(), &labels, true)
    }
}

impl<S: Scalar> Segmenter<ArrayView2<'_, S>> for FittedKMeans<S> {
    fn n_segments(&self) -> usize {
        self.k()
    }

    fn assign(&self, x: ArrayView2<'_, S>) -> Result<Array1<usize>> {
        self.predict(x)
    }
}

/// `x` itself when in standard (row-major) layout, else a row-major copy.
pub(crate) fn standard<S: Scalar>(x: ArrayView2<'_, S>) -> CowArray<'_, S, Ix2> {
    if x.is_standard_layout() {
        CowArray::from(x)
    } else {
        CowArray::from(x.as_standard_layout().into_owned())
    }
}

/// Checks emptiness and finiteness; returns a standard-layout view/copy.
pub(crate) fn prepare<'a, S: Scalar>(
    op: &'static str,
    x: ArrayView2<'a, S>,
) -> Result<CowArray<'a, S, Ix2>> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::Empty { op });
    }
    ensure_finite(op, &x)?;
    Ok(standard(x))
}

/// Errors when `x` has fewer than `k` distinct rows. Stops as soon as `k`
/// distinct rows are found (usually after a few rows).
pub(crate) fn ensure_distinct<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    k: usize,
) -> Result<()> {
    let n = x.nrows();
    if k > n {
        return Err(Error::InvalidArgument {
            op,
            message: format!("k = {k} is larger than the number of points ({n})"),
        });
    }
    let mut found: Vec<usize> = Vec::with_capacity(k);
    for (i, row) in x.rows().into_iter().enumerate() {
        if found.len() >= k {
            break;
        }
        if !found.iter().any(|&j| x.row(j) == row) {
            found.push(i);
        }
    }
    if found.len() < k {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "k = {k} is larger than the number of distinct points ({})",
                found.len()
            ),
        });
    }
    Ok(())
}

/// Mean over features of the (population) variance.
pub(crate) fn mean_variance<S: Scalar>(x: ArrayView2<'_, S>) -> f64 {
    let n = x.nrows() as f64;
    let d = x.ncols();
    let x = standard(x);
    let Some(xs) = x.as_slice() else {
        return 0.0;
    };
    let mut mean = vec![0.0f64; d];
    for row in xs.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v.as_f64();
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; d];
    for row in xs.chunks_exact(d) {
        for ((a, m), v) in var.iter_mut().zip(&mean).zip(row) {
            let t = v.as_f64() - m;
            *a += t * t;
        }
    }
    var.iter().sum::<f64>() / (n * d as f64)
}

pub(crate) struct Run<S> {
    pub centers: Array2<S>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iter: usize,
    pub converged: bool,
}

/// Chooses the initial centres.
pub(crate) fn initial_centers<S: Scalar>(
    x: ArrayView2<'_, S>,
    k: usize,
    init: Init,
    rng: &mut StdRng,
    parallel: bool,
) -> Result<Array2<S>> {
    match init {
        Init::KMeansPlusPlus => kmeans_plusplus(x, k, rng, parallel),
        Init::Random => {
            let n = x.nrows();
            let d = x.ncols();
            let mut c = Array2::<S>::zeros((k, d));
            let idx = rand::seq::index::sample(rng, n, k);
            for (j, i) in idx.iter().enumerate() {
                c.row_mut(j).assign(&x.row(i));
            }
            Ok(c)
        }
    }
}

/// Greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's
/// `2 + ⌊ln k⌋` local trials per step).
fn kmeans_plusplus<S: Scalar>(
    x: ArrayView2<'_, S>,
    k: usize,
    rng: &mut StdRng,
    parallel: bool,
) -> Result<Array2<S>> {
    let (n, d) = x.dim();
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("k-means++: x not contiguous"))?;
    let row = |i: usize| &xs[i * d..(i + 1) * d];
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers = Array2::<S>::zeros((k, d));
    let first = rng.random_range(0..n);
    centers.row_mut(0).assign(&x.row(first));
    let xnorm = row_sq_norms(x);
    let br = block_rows(n);
    let mut closest: Vec<f64> = vec![0.0; n];
    {
        let c0 = row(first);
        let fill = |(b, part): (usize, &mut [f64])| {
            for (r, v) in part.iter_mut().enumerate() {
                *v = sq_dist_f64(row(b * br + r), c0);
            }
        };
        if parallel {
            closest.par_chunks_mut(br).enumerate().for_each(fill);
        } else {
            closest.chunks_mut(br).enumerate().for_each(fill);
        }
    }
    let mut cum = vec![0.0f64; n];
    let mut cand = vec![0usize; trials];
    let mut cand_x = Array2::<S>::zeros((trials, d));
    // Squared distances of every point to every candidate (`n × trials`),
    // from the product ‖x‖² + ‖c‖² − 2·x·cᵀ over chunks of rows.
    let mut cand_d = vec![0.0f64; n * trials];
    for c in 1..k {
        let mut acc = 0.0;
        for (cv, &v) in cum.iter_mut().zip(&closest) {
            acc += v;
            *cv = acc;
        }
        let pot = acc;
        for (t, mut crow) in cand.iter_mut().zip(cand_x.rows_mut()) {
            let r = rng.random::<f64>() * pot;
            *t = cum.partition_point(|&v| v <= r).min(n - 1);
            crow.assign(&x.row(*t));
        }
        let cnorm = row_sq_norms(cand_x.view());
        let cv = cand_x.view();
        let closest_ref = &closest;
        let xnorm_ref = &xnorm;
        // Potential of each candidate per block; blocks folded in order.
        let pots_of = |(b, part): (usize, &mut [f64])| -> Result<Vec<f64>> {
            let start = b * br;
            let rows = part.len() / trials;
            let mut buf = Array2::<S>::zeros((super::kernel::CHUNK.min(rows), trials));
            let mut pots = vec![0.0f64; trials];
            let mut cs = 0;
            while cs < rows {
                let ce = (cs + super::kernel::CHUNK).min(rows);
                let m = ce - cs;
                let mut g = buf.slice_mut(ndarray::s![..m, ..]);
                ua_tensor::gemm::gemm_into(
                    S::lit(-2.0),
                    x.slice(ndarray::s![start + cs..start + ce, ..]),
                    ua_tensor::gemm::Trans::No,
                    cv,
                    ua_tensor::gemm::Trans::Yes,
                    S::zero(),
                    g.view_mut(),
                )?;
                for r in 0..m {
                    let i = start + cs + r;
                    let xn = xnorm_ref[i];
                    let out = &mut part[(cs + r) * trials..(cs + r + 1) * trials];
                    for t in 0..trials {
                        let v = (xn + cnorm[t] + g[[r, t]]).as_f64();
                        let v = if v > 0.0 { v } else { 0.0 };
                        out[t] = v;
                        let cl = closest_ref[i];
                        pots[t] += if v < cl { v } else { cl };
                    }
                }
                cs = ce;
            }
            Ok(pots)
        };
        let parts: Vec<Vec<f64>> = if parallel {
            cand_d
                .par_chunks_mut(br * trials)
                .enumerate()
                .map(pots_of)
                .collect::<Result<_>>()?
        } else {
            cand_d
                .chunks_mut(br * trials)
                .enumerate()
                .map(pots_of)
                .collect::<Result<_>>()?
        };
        let mut pots = vec![0.0f64; trials];
        for p in parts {
            for (t, v) in pots.iter_mut().zip(p) {
                *t += v;
            }
        }
        let mut best_t = 0;
        for t in 1..trials {
            if pots[t] < pots[best_t] {
                best_t = t;
            }
        }
        centers.row_mut(c).assign(&x.row(cand[best_t]));
        let cd = &cand_d;
        let update = |(b, part): (usize, &mut [f64])| {
            for (r, v) in part.iter_mut().enumerate() {
                let dd = cd[(b * br + r) * trials + best_t];
                if dd < *v {
                    *v = dd;
                }
            }
        };
        if parallel {
            closest.par_chunks_mut(br).enumerate().for_each(update);
        } else {
            closest.chunks_mut(br).enumerate().for_each(update);
        }
    }
    Ok(centers)
}

/// New centres from the merged sums; empty clusters are re-seeded at the
/// points farthest from their (old) centre, as scikit-learn does.
/// Returns the new centres and the total squared shift.
fn update_centers<S: Scalar>(
    x: ArrayView2<'_, S>,
    old: ArrayView2<'_, S>,
    labels: &[usize],
    mut acc: Acc,
    parallel: bool,
) -> Result<(Array2<S>, f64)> {
    let (k, d) = old.dim();
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("update_centers: x not contiguous"))?;
    let empty: Vec<usize> = (0..k).filter(|&j| acc.counts[j] == 0).collect();
    if !empty.is_empty() {
        let os = old
            .as_slice()
            .ok_or_else(|| internal("update_centers: centres not contiguous"))?;
        let dist: Vec<f64> = map_blocks(x.nrows(), parallel, |_, a, b| {
            (a..b)
                .map(|i| {
                    let l = labels[i];
                    sq_dist_f64(&xs[i * d..(i + 1) * d], &os[l * d..(l + 1) * d])
                })
                .collect::<Vec<f64>>()
        })
        .into_iter()
        .flatten()
        .collect();
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        let m = empty.len().min(order.len());
        let by_far = |a: &usize, b: &usize| dist[*b].total_cmp(&dist[*a]).then(a.cmp(b));
        if m < order.len() {
            order.select_nth_unstable_by(m, by_far);
        }
        order.truncate(m);
        order.sort_unstable_by(by_far);
        for (&j, &far) in empty.iter().zip(&order) {
            let old_j = labels[far];
            let xi = &xs[far * d..(far + 1) * d];
            for (t, v) in acc.sums[old_j * d..(old_j + 1) * d].iter_mut().zip(xi) {
                *t -= v.as_f64();
            }
            acc.counts[old_j] -= 1;
            for (t, v) in acc.sums[j * d..(j + 1) * d].iter_mut().zip(xi) {
                *t = v.as_f64();
            }
            acc.counts[j] = 1;
        }
    }
    let mut new = Array2::<S>::zeros((k, d));
    let mut shift = 0.0f64;
    for j in 0..k {
        let cnt = acc.counts[j];
        for t in 0..d {
            let v = if cnt > 0 {
                S::lit(acc.sums[j * d + t] / cnt as f64)
            } else {
                old[[j, t]]
            };
            new[[j, t]] = v;
            let diff = v.as_f64() - old[[j, t]].as_f64();
            shift += diff * diff;
        }
    }
    Ok((new, shift))
}

/// Lloyd iterations from `centers`.
pub(crate) fn lloyd<S: Scalar>(
    x: ArrayView2<'_, S>,
    mut centers: Array2<S>,
    max_iter: usize,
    tol: f64,
    parallel: bool,
) -> Result<Run<S>> {
    let (n, d) = x.dim();
    let k = centers.nrows();
    let br = block_rows(n);
    let mut labels = vec![0usize; n];
    let mut labels_old = vec![usize::MAX; n];
    let mut converged = false;
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let cnorm = row_sq_norms(centers.view());
        let cv = centers.view();
        let run = |(b, lab): (usize, &mut [usize])| -> Result<Acc> {
            let mut acc = Acc::new(k, d);
            assign_rows(x, None, cv, &cnorm, b * br, lab, None, Some(&mut acc))?;
            Ok(acc)
        };
        let parts: Vec<Acc> = if parallel {
            labels
                .par_chunks_mut(br)
                .enumerate()
                .map(run)
                .collect::<Result<_>>()?
        } else {
            labels
                .chunks_mut(br)
                .enumerate()
                .map(run)
                .collect::<Result<_>>()?
        };
        let acc = Acc::merge(parts, k, d);
        let (new, shift) = update_centers(x, centers.view(), &labels, acc, parallel)?;
        centers = new;
        if labels == labels_old {
            strict = true;
            converged = true;
            break;
        }
        if shift <= tol {
            converged = true;
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        labels = assign_all(x, centers.view(), parallel)?;
    }
    let inertia = inertia(x, centers.view(), &labels, parallel)?;
    Ok(Run {
        centers,
        labels,
        inertia,
        n_iter,
        converged,
    })
}

/// Half the distances between centres (`k × k`, row-major) and, per centre,
/// half the distance to its nearest other centre.
fn center_half_distances<S: Scalar>(c: ArrayView2<'_, S>) -> Result<(Vec<S>, Vec<S>)> {
    let k = c.nrows();
    let d = c.ncols();
    let cs = c
        .as_slice()
        .ok_or_else(|| internal("elkan: centres not contiguous"))?;
    let half = S::lit(0.5);
    let mut h = vec![S::zero(); k * k];
    for i in 0..k {
        for j in (i + 1)..k {
            let v = dist_s(&cs[i * d..(i + 1) * d], &cs[j * d..(j + 1) * d]) * half;
            h[i * k + j] = v;
            h[j * k + i] = v;
        }
    }
    let next: Vec<S> = (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i)
                .map(|j| h[i * k + j])
                .fold(S::infinity(), |a, b| a.min(b))
        })
        .collect();
    Ok((h, next))
}

/// One Elkan assignment of the point `xi` (bounds `lo`, upper bound `u`,
/// current `label`): returns the new label and upper bound.
#[inline]
fn elkan_point<S: Scalar>(
    xi: &[S],
    cs: &[S],
    half: &[S],
    next: &[S],
    lo: &mut [S],
    mut label: usize,
    mut u: S,
) -> (usize, S) {
    let d = xi.len();
    let k = lo.len();
    if u <= next[label] {
        return (label, u);
    }
    let mut tight = false;
    for j in 0..k {
        if j != label && u > lo[j] && u > half[label * k + j] {
            if !tight {
                u = dist_s(xi, &cs[label * d..(label + 1) * d]);
                lo[label] = u;
                tight = true;
            }
            if u > lo[j] || u > half[label * k + j] {
                let dj = dist_s(xi, &cs[j * d..(j + 1) * d]);
                lo[j] = dj;
                if dj < u {
                    label = j;
                    u = dj;
                }
            }
        }
    }
    (label, u)
}

/// One block of Elkan's state: block index, labels, upper bounds, lower bounds.
type ElkanBlock<'a, S> = (usize, ((&'a mut [usize], &'a mut [S]), &'a mut [S]));

/// Elkan iterations from `centers` (same stopping rule as [`lloyd`]).
pub(crate) fn elkan<S: Scalar>(
    x: ArrayView2<'_, S>,
    mut centers: Array2<S>,
    max_iter: usize,
    tol: f64,
    parallel: bool,
) -> Result<Run<S>> {
    let (n, d) = x.dim();
    let k = centers.nrows();
    let br = block_rows(n);
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("elkan: x not contiguous"))?;
    let mut labels = vec![0usize; n];
    let mut upper = vec![S::zero(); n];
    let mut lower = vec![S::zero(); n * k];

    // Initial bounds.
    {
        let (half, _) = center_half_distances(centers.view())?;
        let cs = centers
            .as_slice()
            .ok_or_else(|| internal("elkan: centres not contiguous"))?;
        let init = |(b, ((lab, up), lo)): ElkanBlock<'_, S>| {
            for r in 0..lab.len() {
                let i = b * br + r;
                let xi = &xs[i * d..(i + 1) * d];
                let lo = &mut lo[r * k..(r + 1) * k];
                let mut best = 0;
                let mut min_d = dist_s(xi, &cs[..d]);
                lo[0] = min_d;
                for j in 1..k {
                    if min_d > half[best * k + j] {
                        let dj = dist_s(xi, &cs[j * d..(j + 1) * d]);
                        lo[j] = dj;
                        if dj < min_d {
                            min_d = dj;
                            best = j;
                        }
                    }
                }
                lab[r] = best;
                up[r] = min_d;
            }
        };
        if parallel {
            labels
                .par_chunks_mut(br)
                .zip(upper.par_chunks_mut(br))
                .zip(lower.par_chunks_mut(br * k))
                .enumerate()
                .for_each(init);
        } else {
            labels
                .chunks_mut(br)
                .zip(upper.chunks_mut(br))
                .zip(lower.chunks_mut(br * k))
                .enumerate()
                .for_each(init);
        }
    }

    let mut labels_old = vec![usize::MAX; n];
    let mut converged = false;
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let (half, next) = center_half_distances(centers.view())?;
        let cs = centers
            .as_slice()
            .ok_or_else(|| internal("elkan: centres not contiguous"))?;
        let step = |(b, ((lab, up), lo)): ElkanBlock<'_, S>| {
            let mut acc = Acc::new(k, d);
            for r in 0..lab.len() {
                let i = b * br + r;
                let xi = &xs[i * d..(i + 1) * d];
                let lo = &mut lo[r * k..(r + 1) * k];
                let (label, u) = elkan_point(xi, cs, &half, &next, lo, lab[r], up[r]);
                lab[r] = label;
                up[r] = u;
                acc.add(label, xi);
            }
            acc
        };
        let parts: Vec<Acc> = if parallel {
            labels
                .par_chunks_mut(br)
                .zip(upper.par_chunks_mut(br))
                .zip(lower.par_chunks_mut(br * k))
                .enumerate()
                .map(step)
                .collect()
        } else {
            labels
                .chunks_mut(br)
                .zip(upper.chunks_mut(br))
                .zip(lower.chunks_mut(br * k))
                .enumerate()
                .map(step)
                .collect()
        };
        let acc = Acc::merge(parts, k, d);
        let (new, shift_tot) = update_centers(x, centers.view(), &labels, acc, parallel)?;
        // Per-centre shifts, then bound updates.
        let shifts: Vec<S> = (0..k)
            .map(|j| {
                let a = new.row(j);
                let b = centers.row(j);
                match (a.as_slice(), b.as_slice()) {
                    (Some(a), Some(b)) => dist_s(a, b),
                    _ => S::infinity(),
                }
            })
            .collect();
        let bump = |((lab, up), lo): ((&mut [usize], &mut [S]), &mut [S])| {
            for r in 0..lab.len() {
                up[r] = up[r] + shifts[lab[r]];
                for (l, &s) in lo[r * k..(r + 1) * k].iter_mut().zip(&shifts) {
                    *l = (*l - s).max(S::zero());
                }
            }
        };
        if parallel {
            labels
                .par_chunks_mut(br)
                .zip(upper.par_chunks_mut(br))
                .zip(lower.par_chunks_mut(br * k))
                .for_each(bump);
        } else {
            labels
                .chunks_mut(br)
                .zip(upper.chunks_mut(br))
                .zip(lower.chunks_mut(br * k))
                .for_each(bump);
        }
        centers = new;
        if labels == labels_old {
            strict = true;
            converged = true;
            break;
        }
        if shift_tot <= tol {
            converged = true;
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        // One more bounded assignment with the final centres.
        let (half, next) = center_half_distances(centers.view())?;
        let cs = centers
            .as_slice()
            .ok_or_else(|| internal("elkan: centres not contiguous"))?;
        for i in 0..n {
            let xi = &xs[i * d..(i + 1) * d];
            let lo = &mut lower[i * k..(i + 1) * k];
            labels[i] = elkan_point(xi, cs, &half, &next, lo, labels[i], upper[i]).0;
        }
    }
    let inertia = inertia(x, centers.view(), &labels, parallel)?;
    Ok(Run {
        centers,
        labels,
        inertia,
        n_iter,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn mean_variance_by_hand() {
        // columns: {0, 2} var 1, {1, 1} var 0 → mean 0.5
        let x = array![[0.0, 1.0], [2.0, 1.0]];
        assert_eq!(mean_variance(x.view()), 0.5);
        // Column-major input gives the same.
        let f = x.t().as_standard_layout().into_owned();
        assert_eq!(mean_variance(f.t()), 0.5);
    }

    #[test]
    fn distinct_rows_are_counted_exactly() {
        let x = array![[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [1.0, 2.0]];
        assert!(ensure_distinct("t", x.view(), 2).is_ok());
        let e = ensure_distinct("t", x.view(), 3).unwrap_err();
        assert!(e.to_string().contains("distinct points (2)"), "{e}");
    }

    #[test]
    fn kmeans_plusplus_picks_distinct_spread_points() {
        // Three far-apart groups: the three centres land in three groups.
        let x = array![[0.0], [0.1], [50.0], [50.1], [100.0], [100.1]];
        for seed in 0..10 {
            let mut rng = StdRng::seed_from_u64(seed);
            let c = kmeans_plusplus(x.view(), 3, &mut rng, false).unwrap();
            let mut groups: Vec<i64> = c.iter().map(|v: &f64| (v / 50.0).round() as i64).collect();
            groups.sort_unstable();
            assert_eq!(groups, vec![0, 1, 2], "seed {seed}: {c}");
        }
    }

    #[test]
    fn column_major_input_gives_the_same_fit() {
        let x = array![[0.0, 5.0], [1.0, 4.0], [9.0, 0.0], [8.0, 1.0], [4.0, 4.0]];
        let f = x.t().as_standard_layout().into_owned();
        let a = KMeans::new(2).seed(3).fit(x.view()).unwrap();
        let b = KMeans::new(2).seed(3).fit(f.t()).unwrap();
        assert_eq!(a, b);
    }
}
