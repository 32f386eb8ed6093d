//! [`FittedKMeans`]: the centres, training labels and figures of a fit, the
//! parameters it was fitted with, and serving through `&self` — `predict`
//! (nearest centre), `transform` (distances), `inertia` (k-means objective
//! on new rows) and `score` (its negative, "higher is better").

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, CowArray, Ix2};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::check::ensure_squares_fit;
use ua_tensor::check::max_abs_for_squares;

use super::assign::{assign_all, assign_all_inertia};
use super::fit::{Run, standard, str_names};
use super::params::{KMeans, sealed};
use crate::segmentation::kernel::{dist_s, internal};
use crate::{Error, Result, Segmenter};

/// The parameter types whose fits are a [`FittedKMeans`]: [`KMeans`] and
/// [`MiniBatchKMeans`](crate::segmentation::MiniBatchKMeans). Sealed.
///
/// ```
/// use ua_analytics::segmentation::{KMeans, KMeansParams, MiniBatchKMeans};
/// assert_eq!(KMeans::new(3).n_clusters(), 3);
/// assert!(MiniBatchKMeans::new(0).check().is_err());
/// ```
pub trait KMeansParams:
    sealed::Sealed
    + Clone
    + std::fmt::Debug
    + PartialEq
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// The number of clusters asked for.
    ///
    /// ```
    /// use ua_analytics::segmentation::{KMeansParams, MiniBatchKMeans};
    /// assert_eq!(MiniBatchKMeans::new(4).n_clusters(), 4);
    /// ```
    fn n_clusters(&self) -> usize;

    /// The checks `fit` makes before looking at the data (an
    /// [`Error::InvalidParameter`] naming the parameter).
    ///
    /// ```
    /// use ua_analytics::segmentation::{KMeans, KMeansParams};
    /// let e = KMeans::new(2).max_iter(0).check().unwrap_err();
    /// assert!(e.to_string().contains("max_iter"), "{e}");
    /// ```
    fn check(&self) -> Result<()>;
}

impl KMeansParams for KMeans {
    fn n_clusters(&self) -> usize {
        self.k
    }
    fn check(&self) -> Result<()> {
        self.check_params("KMeans")
    }
}

/// A fitted k-means model: centres, training labels, training inertia, the
/// number of iterations, and the parameters `P` it was fitted with
/// ([`KMeans`], or [`MiniBatchKMeans`](crate::segmentation::MiniBatchKMeans)
/// for a [`FittedMiniBatchKMeans`](crate::segmentation::FittedMiniBatchKMeans)).
///
/// It serves through `&self` (it is `Send + Sync`) and saves through the
/// common envelope ([`Persist`](ua_tensor::persist::Persist); kinds
/// `ua-analytics/kmeans-f32` and `ua-analytics/kmeans-f64`, so a file of one
/// precision does not load as the other). Loading checks every invariant:
/// finite centres, `k ≥ 1`, labels `< k`, parameters consistent with the
/// centres.
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::{FittedKMeans, KMeans};
/// use ua_tensor::persist::Persist;
/// let x = array![[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0]];
/// let fit = KMeans::new(2).seed(1).fit(x.view()).unwrap();
/// let json = fit.to_json().unwrap();
/// let back = FittedKMeans::<f64>::from_json(&json).unwrap();
/// assert_eq!(back, fit);
/// assert!(FittedKMeans::<f32>::from_json(&json).is_err()); // an f64 model
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "S: Scalar, P: Serialize",
    deserialize = "S: Scalar, P: DeserializeOwned"
))]
pub struct FittedKMeans<S: Scalar, P = KMeans> {
    pub(super) params: P,
    pub(super) centers: Array2<S>,
    pub(super) labels: Array1<usize>,
    pub(super) inertia: f64,
    pub(super) n_iter: usize,
    pub(super) converged: bool,
}

impl<S: Scalar, P: KMeansParams> FittedKMeans<S, P> {
    pub(crate) fn from_run(params: P, run: Run<S>) -> Self {
        FittedKMeans {
            params,
            centers: run.centers,
            labels: Array1::from(run.labels),
            inertia: run.inertia,
            n_iter: run.n_iter,
            converged: run.converged,
        }
    }

    /// The parameters the model was fitted with.
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::KMeans;
    /// let km = KMeans::new(1).n_init(3).seed(5);
    /// let fit = km.fit(array![[1.0, 2.0], [3.0, 4.0]].view()).unwrap();
    /// assert_eq!(fit.params(), &km);
    /// ```
    pub fn params(&self) -> &P {
        &self.params
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

    /// Sum of squared distances of the training rows to their centres
    /// (scikit-learn's `inertia_`; [`inertia`](Self::inertia) computes it
    /// for other rows).
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[1.0], [3.0]].view()).unwrap();
    /// assert_eq!(fit.training_inertia(), 2.0);
    /// ```
    pub fn training_inertia(&self) -> f64 {
        self.inertia
    }

    /// Iterations of the kept run (mini-batch steps for mini-batch k-means).
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
        if self.k() == 0 {
            // Only reachable through a model deserialised without `Persist`.
            return Err(Error::InvalidArgument {
                op,
                message: "not a usable fitted model: it has no centres".into(),
            });
        }
        if x.ncols() != self.n_features() {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!("{} columns", self.n_features()),
                found: format!("{} columns", x.ncols()),
            });
        }
        if x.nrows() == 0 {
            // As every other scoring entry point: no rows is an error.
            return Err(Error::Empty { op });
        }
        let names = sealed::Sealed::column_names(&self.params);
        let names = names.filter(|n| n.len() == x.ncols());
        crate::segmentation::quality::ensure_finite_named(op, x, names)?;
        // squared distances to the centres and their sum (the inertia)
        ensure_squares_fit(op, x, x.nrows(), str_names(names).as_deref())?;
        Ok(standard(x))
    }

    /// Nearest centre of each row of `x` (same number of columns as the
    /// training data; an `x` without rows is an error, as everywhere).
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
        let parallel = sealed::Sealed::parallel(&self.params);
        Ok(Array1::from(assign_all(
            x.view(),
            self.centers.view(),
            parallel,
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

    /// Sum of squared distances of the rows of `x` to their nearest centre:
    /// the k-means objective on new data (positive; lower is better).
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[0.0], [2.0]].view()).unwrap();
    /// assert_eq!(fit.inertia(array![[4.0]].view()).unwrap(), 9.0);
    /// ```
    pub fn inertia(&self, x: ArrayView2<'_, S>) -> Result<f64> {
        let x = self.check_input("FittedKMeans::inertia", x)?;
        let parallel = sealed::Sealed::parallel(&self.params);
        Ok(assign_all_inertia(x.view(), self.centers.view(), parallel)?.1)
    }

    /// The negative [`inertia`](Self::inertia) of `x`, so that higher is
    /// better — scikit-learn's `KMeans.score` and this workspace's meaning
    /// of "score".
    ///
    /// ```
    /// # use ua_analytics::ndarray::array;
    /// # use ua_analytics::segmentation::KMeans;
    /// let fit = KMeans::new(1).fit(array![[0.0], [2.0]].view()).unwrap();
    /// assert_eq!(fit.score(array![[4.0]].view()).unwrap(), -9.0);
    /// assert!(fit.score(array![[1.0]].view()).unwrap() > fit.score(array![[4.0]].view()).unwrap());
    /// ```
    pub fn score(&self, x: ArrayView2<'_, S>) -> Result<f64> {
        Ok(-self.inertia(x)?)
    }

    /// Every invariant of a fitted model; the message names the broken one.
    /// Called when a model is loaded.
    pub(crate) fn check_invariants(&self) -> std::result::Result<(), String> {
        let (k, d) = self.centers.dim();
        if k == 0 {
            return Err("the model has no centres; k must be at least 1".into());
        }
        if d == 0 {
            return Err("the centres have no features; expected at least 1 column".into());
        }
        if self.params.n_clusters() != k {
            return Err(format!(
                "the parameters ask for k = {} but the model has {k} centres",
                self.params.n_clusters()
            ));
        }
        self.params.check().map_err(|e| e.to_string())?;
        if let Some(names) = sealed::Sealed::column_names(&self.params)
            && names.len() != d
        {
            return Err(format!(
                "the parameters name {} feature(s) but the centres have {d} columns",
                names.len()
            ));
        }
        if let Some(((r, c), v)) = self.centers.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!(
                "centre {r}, feature {c} is {v}; centres must be finite"
            ));
        }
        let n = self.labels.len();
        let limit = max_abs_for_squares::<S>(d, n.max(1));
        if let Some(((r, c), v)) = self
            .centers
            .indexed_iter()
            .find(|(_, v)| v.as_f64().abs() > limit)
        {
            return Err(format!(
                "centre {r}, feature {c} is {v}; squared distances to it would overflow \
                 (|value| must be at most {limit:.3e})"
            ));
        }
        if n < k {
            return Err(format!(
                "{n} training labels for {k} centres; a fit has at least k rows"
            ));
        }
        if let Some((i, &l)) = self.labels.iter().enumerate().find(|&(_, &l)| l >= k) {
            return Err(format!(
                "training label {i} is {l}; labels must be < k = {k}"
            ));
        }
        if !(self.inertia.is_finite() && self.inertia >= 0.0) {
            return Err(format!(
                "training inertia is {}; it must be finite and ≥ 0",
                self.inertia
            ));
        }
        let max_steps = sealed::Sealed::max_steps(&self.params, n);
        if self.n_iter == 0 || self.n_iter > max_steps {
            return Err(format!(
                "n_iter is {}; expected 1..={max_steps} for these parameters",
                self.n_iter
            ));
        }
        Ok(())
    }
}

impl<S: Scalar, P: KMeansParams> Segmenter<ArrayView2<'_, S>> for FittedKMeans<S, P> {
    fn n_segments(&self) -> usize {
        self.k()
    }

    fn assign(&self, x: ArrayView2<'_, S>) -> Result<Array1<usize>> {
        self.predict(x)
    }
}
