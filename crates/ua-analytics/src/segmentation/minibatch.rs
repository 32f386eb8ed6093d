//! Mini-batch k-means (Sculley 2010, with scikit-learn's refinements) for
//! data too large for a full pass per iteration: each step assigns a random
//! batch of rows with the same fused distance-product kernel as
//! [`KMeans`](super::KMeans) and moves each centre towards the mean of its
//! batch members with a per-centre learning rate `1 / (points seen)`.
//!
//! Stopping: after `max_iter` passes' worth of steps, or when the smoothed
//! batch inertia has not improved for `max_no_improvement` steps, or (with
//! `tol > 0`) when the squared centre shift of a step is within
//! `tol × mean per-feature variance`. Centres that attract too few points
//! (fewer than `reassignment_ratio × the largest count`) are moved to random
//! batch points every `10` steps. The final labels and inertia come from one
//! full assignment pass.

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;

use super::kernel::{Acc, assign_all, assign_rows, inertia, internal, row_sq_norms};
use super::kmeans::{Algorithm, check_k, check_memory, check_n_init, check_tol};
use super::kmeans::{
    FittedKMeans, Init, KMeansParams, Run, check_k_against_rows, ensure_distinct, initial_centers,
    mean_variance, prepare, prepare_named, sealed,
};
use super::quality::ensure_finite_named;
use crate::Result;
use crate::error::parameter;

/// A fitted [`MiniBatchKMeans`]: the same centres, labels and serving
/// methods as a fitted [`KMeans`](super::KMeans), with the mini-batch
/// parameters it was fitted with. Saves and loads through the envelope
/// (kinds `ua-analytics/minibatch-kmeans-f32` and `-f64`).
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::{FittedMiniBatchKMeans, MiniBatchKMeans};
/// use ua_tensor::persist::Persist;
/// let x = array![[0.0f32, 0.0], [0.2, 0.1], [9.0, 9.0], [9.1, 8.8]];
/// let fit = MiniBatchKMeans::new(2).batch_size(2).seed(5).fit(x.view()).unwrap();
/// assert_eq!(fit.params().batch_size, 2);
/// let back = FittedMiniBatchKMeans::<f32>::from_json(&fit.to_json().unwrap()).unwrap();
/// assert_eq!(back.predict(x.view()).unwrap(), fit.labels());
/// ```
pub type FittedMiniBatchKMeans<S> = FittedKMeans<S, MiniBatchKMeans>;

/// Hyper-parameters of mini-batch k-means. Checked by [`MiniBatchKMeans::fit`].
///
/// ```
/// use ua_analytics::segmentation::{MiniBatchKMeans, gaussian_blobs, adjusted_rand_index};
/// let (x, y) = gaussian_blobs::<f32>(5000, 2, 4, 0.4, 20.0, 3).unwrap();
/// let fit = MiniBatchKMeans::new(4).batch_size(256).seed(1).fit(x.view()).unwrap();
/// assert!(adjusted_rand_index(fit.labels(), y.view()).unwrap() > 0.95);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchKMeans {
    /// Number of clusters.
    pub k: usize,
    /// Rows per mini-batch (drawn with replacement).
    pub batch_size: usize,
    /// Maximum number of passes over the data (steps = passes × n / batch).
    pub max_iter: usize,
    /// Stop when a step's squared centre shift is within `tol` × mean
    /// per-feature variance (0 switches this test off).
    pub tol: f64,
    /// Stop after this many steps without improvement of the smoothed batch
    /// inertia (0 switches this test off).
    pub max_no_improvement: usize,
    /// Number of seedings (each on a sample of `3 × batch_size` rows; the
    /// one with the lowest inertia on that sample is kept).
    pub n_init: usize,
    /// Seeding method.
    pub init: Init,
    /// Centres with fewer points than this fraction of the largest count
    /// are re-seeded.
    pub reassignment_ratio: f64,
    /// Seed of the random number generator.
    pub seed: u64,
    /// Use rayon for the seeding and the final assignment.
    pub parallel: bool,
    /// The names of the columns of `x`, for error messages only (a NaN or
    /// a value too large to square is reported in `column "amount"`
    /// instead of `column 2 (0-based)`), as
    /// [`KMeans::feature_names`](super::KMeans#structfield.feature_names);
    /// `None` by default and then not saved. When set, their number must
    /// equal the number of columns given to `fit` and `predict` (checked
    /// again when a saved model is loaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_names: Option<Vec<String>>,
}

impl Default for MiniBatchKMeans {
    fn default() -> Self {
        MiniBatchKMeans {
            k: 8,
            batch_size: 1024,
            max_iter: 100,
            tol: 0.0,
            max_no_improvement: 10,
            n_init: 3,
            init: Init::KMeansPlusPlus,
            reassignment_ratio: 0.01,
            seed: 0,
            parallel: true,
            feature_names: None,
        }
    }
}

impl MiniBatchKMeans {
    /// Default hyper-parameters with `k` clusters.
    ///
    /// ```
    /// let m = ua_analytics::segmentation::MiniBatchKMeans::new(5);
    /// assert_eq!((m.k, m.batch_size), (5, 1024));
    /// ```
    pub fn new(k: usize) -> Self {
        MiniBatchKMeans {
            k,
            ..Self::default()
        }
    }

    /// Sets the batch size.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::MiniBatchKMeans::new(2).batch_size(64).batch_size, 64);
    /// ```
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets the maximum number of passes.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::MiniBatchKMeans::new(2).max_iter(3).max_iter, 3);
    /// ```
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets the centre-shift tolerance.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::MiniBatchKMeans::new(2).tol(1e-3).tol, 1e-3);
    /// ```
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the patience of the early stop on the smoothed inertia.
    ///
    /// ```
    /// let m = ua_analytics::segmentation::MiniBatchKMeans::new(2).max_no_improvement(0);
    /// assert_eq!(m.max_no_improvement, 0);
    /// ```
    pub fn max_no_improvement(mut self, steps: usize) -> Self {
        self.max_no_improvement = steps;
        self
    }

    /// Sets the number of seedings.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::MiniBatchKMeans::new(2).n_init(1).n_init, 1);
    /// ```
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Sets the seeding method.
    ///
    /// ```
    /// use ua_analytics::segmentation::{Init, MiniBatchKMeans};
    /// assert_eq!(MiniBatchKMeans::new(2).init(Init::Random).init, Init::Random);
    /// ```
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Sets the re-seeding threshold.
    ///
    /// ```
    /// let m = ua_analytics::segmentation::MiniBatchKMeans::new(2).reassignment_ratio(0.0);
    /// assert_eq!(m.reassignment_ratio, 0.0);
    /// ```
    pub fn reassignment_ratio(mut self, ratio: f64) -> Self {
        self.reassignment_ratio = ratio;
        self
    }

    /// Sets the random seed.
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::MiniBatchKMeans::new(2).seed(4).seed, 4);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Switches rayon parallelism on or off (results are identical).
    ///
    /// ```
    /// assert!(!ua_analytics::segmentation::MiniBatchKMeans::new(2).parallel(false).parallel);
    /// ```
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// Names the columns of `x` in error messages (see
    /// [`feature_names`](Self#structfield.feature_names)); the clustering
    /// itself does not change. The fitted model keeps them for `predict`,
    /// its quality scores ([`FittedKMeans::silhouette_score`], …) and
    /// through a save.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::MiniBatchKMeans;
    /// let x = array![[1.0, 1e300], [2.0, 0.0], [3.0, 1.0]];
    /// let named = MiniBatchKMeans::new(2).feature_names(&["visits", "amount"]);
    /// let err = named.fit(x.view()).unwrap_err();
    /// assert!(err.to_string().contains("column \"amount\" holds 1e300"), "{err}");
    /// let err = MiniBatchKMeans::new(2).feature_names(&["visits"]).fit(x.view()).unwrap_err();
    /// assert!(err.to_string().contains("1 names for 2 columns"), "{err}");
    /// ```
    pub fn feature_names(mut self, names: &[&str]) -> Self {
        self.feature_names = Some(names.iter().map(|&n| n.to_owned()).collect());
        self
    }

    /// The checks that do not depend on the data.
    fn check_params(&self, op: &'static str) -> Result<()> {
        check_k(op, self.k)?;
        if self.batch_size == 0 {
            return Err(parameter(op, "batch_size", "must be at least 1, found 0"));
        }
        if self.max_iter == 0 {
            return Err(parameter(op, "max_iter", "must be at least 1, found 0"));
        }
        check_n_init(op, self.n_init)?;
        check_tol(op, self.tol)?;
        if !(self.reassignment_ratio.is_finite() && (0.0..=1.0).contains(&self.reassignment_ratio))
        {
            return Err(parameter(
                op,
                "reassignment_ratio",
                format!("must be in [0, 1], found {}", self.reassignment_ratio),
            ));
        }
        Ok(())
    }

    /// Number of mini-batch steps for `n` rows: `⌈max_iter · n / batch⌉`
    /// with `batch = min(batch_size, n)`; `None` when it overflows.
    fn steps(&self, n: usize) -> Option<usize> {
        let batch = self.batch_size.min(n).max(1);
        Some(self.max_iter.checked_mul(n)?.div_ceil(batch).max(1))
    }

    /// Clusters the rows of `x`. The result is a [`FittedMiniBatchKMeans`]
    /// whose `n_iter` is the number of mini-batch steps and whose labels and
    /// training inertia come from a full assignment pass. Errors as
    /// [`KMeans::fit`](super::KMeans::fit); in addition `batch_size` must be
    /// at least 1, `reassignment_ratio` in `[0, 1]`, and `max_iter × rows`
    /// must not overflow (each an [`Error::InvalidParameter`](crate::Error::InvalidParameter)
    /// naming the parameter).
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::MiniBatchKMeans;
    /// let x = array![[0.0, 0.0], [0.2, 0.1], [9.0, 9.0], [9.1, 8.8]];
    /// let fit = MiniBatchKMeans::new(2).batch_size(2).seed(5).fit(x.view()).unwrap();
    /// assert_eq!(fit.labels()[0], fit.labels()[1]);
    /// assert_ne!(fit.labels()[0], fit.labels()[2]);
    /// assert!(MiniBatchKMeans::new(0).fit(x.view()).is_err());
    /// assert!(MiniBatchKMeans::new(2).max_iter(usize::MAX).fit(x.view()).is_err());
    /// ```
    pub fn fit<S: Scalar>(&self, x: ArrayView2<'_, S>) -> Result<FittedMiniBatchKMeans<S>> {
        const OP: &str = "MiniBatchKMeans::fit";
        self.check_params(OP)?;
        let names = self.feature_names.as_deref();
        let x = match names {
            None => prepare(OP, x)?,
            Some(_) => {
                // NaN/±inf named too (`prepare_named` names the column of
                // a value too large to square only).
                ensure_finite_named(OP, x, names)?;
                prepare_named(OP, x, names)?
            }
        };
        let x = x.view();
        let (n, d) = x.dim();
        let k = self.k;
        check_k_against_rows(OP, k, n)?;
        check_memory(OP, n, d, k, Algorithm::Lloyd)?;
        let steps = self.steps(n).ok_or_else(|| {
            parameter(
                OP,
                "max_iter",
                format!(
                    "max_iter × rows = {} × {n} overflows; use a smaller max_iter",
                    self.max_iter
                ),
            )
        })?;
        ensure_distinct(OP, x, k)?;
        let tol = self.tol * mean_variance(x);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let batch = self.batch_size.min(n);

        // Seeding on samples; keep the one with the lowest sample inertia.
        let init_size = batch.saturating_mul(3).max(k).min(n);
        let mut best: Option<(f64, Array2<S>)> = None;
        for _ in 0..self.n_init {
            let idx = rand::seq::index::sample(&mut rng, n, init_size).into_vec();
            let sample = x.select(ndarray::Axis(0), &idx);
            let source = if ensure_distinct(OP, sample.view(), k).is_ok() {
                sample.view()
            } else {
                x
            };
            let c = initial_centers(source, k, self.init, &mut rng, self.parallel)?;
            let labels = assign_all(sample.view(), c.view(), self.parallel)?;
            let inr = inertia(sample.view(), c.view(), &labels, self.parallel)?;
            if best.as_ref().is_none_or(|(b, _)| inr < *b) {
                best = Some((inr, c));
            }
        }
        let mut centers = best.ok_or_else(|| internal("no mini-batch seeding"))?.1;

        let xs = x
            .as_slice()
            .ok_or_else(|| internal("mini-batch: x not contiguous"))?;
        let mut counts = vec![0.0f64; k];
        let mut xb = Array2::<S>::zeros((batch, d));
        let mut labels_b = vec![0usize; batch];
        let mut idx = vec![0usize; batch];
        let alpha = (2.0 * batch as f64 / (n as f64 + 1.0)).min(1.0);
        let mut ewa: Option<f64> = None;
        let mut best_ewa = f64::INFINITY;
        let mut no_improvement = 0usize;
        let mut converged = false;
        let mut n_steps = 0;
        for step in 0..steps {
            n_steps = step + 1;
            for (t, mut row) in idx.iter_mut().zip(xb.rows_mut()) {
                *t = rng.random_range(0..n);
                row.assign(&x.row(*t));
            }
            let cnorm = row_sq_norms(centers.view());
            let mut acc = Acc::new(k, d);
            assign_rows(
                xb.view(),
                None,
                centers.view(),
                &cnorm,
                0,
                &mut labels_b,
                None,
                Some(&mut acc),
            )?;
            let batch_inertia = inertia(xb.view(), centers.view(), &labels_b, false)?;
            // Centre update with per-centre learning rate.
            let mut shift = 0.0f64;
            for j in 0..k {
                let b = acc.counts[j] as f64;
                if b == 0.0 {
                    continue;
                }
                counts[j] += b;
                for t in 0..d {
                    let old = centers[[j, t]].as_f64();
                    let new = old + (acc.sums[j * d + t] - b * old) / counts[j];
                    shift += (new - old) * (new - old);
                    centers[[j, t]] = S::lit(new);
                }
            }
            // Re-seed starving centres every 10 steps.
            if self.reassignment_ratio > 0.0 && (step + 1) % 10 == 0 {
                let max_c = counts.iter().copied().fold(0.0, f64::max);
                let floor = self.reassignment_ratio * max_c;
                let starving: Vec<usize> = (0..k).filter(|&j| counts[j] < floor).collect();
                if !starving.is_empty() && starving.len() < k {
                    let min_kept = (0..k)
                        .filter(|&j| counts[j] >= floor)
                        .map(|j| counts[j])
                        .fold(f64::INFINITY, f64::min);
                    let pick = rand::seq::index::sample(&mut rng, batch, starving.len().min(batch));
                    for (&j, p) in starving.iter().zip(pick.iter()) {
                        let src = idx[p];
                        centers
                            .row_mut(j)
                            .assign(&ndarray::ArrayView1::from(&xs[src * d..(src + 1) * d]));
                        counts[j] = min_kept;
                    }
                }
            }
            let mean_inertia = batch_inertia / batch as f64;
            let e = match ewa {
                None => mean_inertia,
                Some(prev) => prev * (1.0 - alpha) + mean_inertia * alpha,
            };
            ewa = Some(e);
            if tol > 0.0 && shift <= tol {
                converged = true;
                break;
            }
            if e < best_ewa {
                best_ewa = e;
                no_improvement = 0;
            } else {
                no_improvement += 1;
            }
            if self.max_no_improvement > 0 && no_improvement >= self.max_no_improvement {
                converged = true;
                break;
            }
        }
        let labels = assign_all(x, centers.view(), self.parallel)?;
        let total = inertia(x, centers.view(), &labels, self.parallel)?;
        Ok(FittedKMeans::from_run(
            self.clone(),
            Run {
                centers,
                labels,
                inertia: total,
                n_iter: n_steps,
                converged,
            },
        ))
    }
}

impl sealed::Sealed for MiniBatchKMeans {
    fn max_steps(&self, n_rows: usize) -> usize {
        self.steps(n_rows).unwrap_or(usize::MAX)
    }
    fn parallel(&self) -> bool {
        self.parallel
    }
    fn column_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }
}

impl KMeansParams for MiniBatchKMeans {
    fn n_clusters(&self) -> usize {
        self.k
    }
    fn check(&self) -> Result<()> {
        self.check_params("MiniBatchKMeans")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segmentation::gaussian_blobs;

    #[test]
    fn deterministic_and_close_to_full_kmeans() {
        let (x, _) = gaussian_blobs::<f64>(4000, 3, 5, 1.0, 10.0, 17).unwrap();
        let mb = MiniBatchKMeans::new(5).batch_size(200).seed(9);
        let a = mb.fit(x.view()).unwrap();
        assert_eq!(a, mb.fit(x.view()).unwrap());
        let seq = mb.clone().parallel(false).fit(x.view()).unwrap();
        assert_eq!(a.centers(), seq.centers());
        assert_eq!(a.labels(), seq.labels());
        assert_eq!(a.n_iter(), seq.n_iter());
        let full = crate::segmentation::KMeans::new(5)
            .n_init(3)
            .seed(1)
            .fit(x.view())
            .unwrap();
        assert!(
            a.training_inertia() <= full.training_inertia() * 1.05,
            "{} vs {}",
            a.training_inertia(),
            full.training_inertia()
        );
    }

    #[test]
    fn errors_name_the_column_when_names_are_given() {
        use crate::Error;
        use ndarray::array;
        use ua_tensor::persist::Persist;
        let has = |e: Error, want: &str| {
            let msg = e.to_string();
            assert!(msg.contains(want), "`{want}` not in: {msg}");
        };
        let named = MiniBatchKMeans::new(2)
            .seed(3)
            .feature_names(&["visits", "amount"]);
        assert_eq!(
            named.feature_names,
            Some(vec!["visits".to_owned(), "amount".to_owned()])
        );
        // Setting names changes nothing else.
        assert_eq!(
            MiniBatchKMeans {
                feature_names: None,
                ..named.clone()
            },
            MiniBatchKMeans::new(2).seed(3)
        );
        let huge = array![[1.0, 2.0], [2.0, 1e300], [3.0, 0.0], [4.0, 1.0]];
        has(
            named.fit(huge.view()).unwrap_err(),
            "column \"amount\" holds 1e300 at row 1",
        );
        has(
            MiniBatchKMeans::new(2).fit(huge.view()).unwrap_err(),
            "column 1 (0-based) holds 1e300",
        );
        let nan = array![[1.0, 2.0], [2.0, 1.0], [3.0, 0.0], [f64::NAN, 1.0]];
        let e = named.fit(nan.view()).unwrap_err();
        assert!(
            matches!(&e, Error::Tensor(ua_tensor::Error::NonFinite { .. })),
            "{e}"
        );
        has(
            e,
            "non-finite value (NaN) at row 3 (0-based), column \"visits\"",
        );
        has(
            MiniBatchKMeans::new(2).fit(nan.view()).unwrap_err(),
            "row 3, column 0 (0-based index (3, 0))",
        );
        // A wrong number of names is a parameter error.
        let e = MiniBatchKMeans::new(2)
            .feature_names(&["a", "b", "c"])
            .fit(huge.view())
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::InvalidParameter {
                    name: "feature_names",
                    ..
                }
            ),
            "{e}"
        );
        has(e, "3 names for 2 columns");
        // The clustering is the same with and without names.
        let ok = array![[1.0, 2.0], [2.0, 1.0], [9.0, 9.0], [8.0, 9.5], [1.5, 1.5]];
        let fit = named.fit(ok.view()).unwrap();
        let plain_fit = MiniBatchKMeans::new(2).seed(3).fit(ok.view()).unwrap();
        assert_eq!(fit.centers(), plain_fit.centers());
        assert_eq!(fit.labels(), plain_fit.labels());
        // The names are saved and used by the loaded model.
        let back = FittedMiniBatchKMeans::<f64>::from_json(&fit.to_json().unwrap()).unwrap();
        assert_eq!(back.params().feature_names, named.feature_names);
        has(
            back.predict(huge.view()).unwrap_err(),
            "column \"amount\" holds 1e300",
        );
        has(
            back.silhouette_score(nan.view()).unwrap_err(),
            "row 3 (0-based), column \"visits\"",
        );
        // Without names nothing is saved, so older files still load.
        let plain = plain_fit.to_json().unwrap();
        assert!(!plain.contains("feature_names"), "{plain}");
        assert_eq!(
            FittedMiniBatchKMeans::<f64>::from_json(&plain)
                .unwrap()
                .params()
                .feature_names,
            None
        );
        // A saved list of another length than the columns is refused.
        let json = fit
            .to_json()
            .unwrap()
            .replace("\"amount\"", "\"amount\",\"x\"");
        let e = FittedMiniBatchKMeans::<f64>::from_json(&json)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("name 3 feature(s) but the centres have 2 columns"),
            "{e}"
        );
    }
}
