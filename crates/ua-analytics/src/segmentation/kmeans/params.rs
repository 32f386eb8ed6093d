//! The hyper-parameters of k-means and the checks made when `fit` is
//! called: every bad value is an [`Error::InvalidParameter`](crate::Error::InvalidParameter)
//! naming the parameter, raised before anything proportional to it is
//! allocated.

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::parameter;

/// Largest `n_init` accepted (each restart is a full k-means run; more than
/// this many is a mistake, not a setting).
///
/// ```
/// use ua_analytics::ndarray::array;
/// use ua_analytics::segmentation::{KMeans, MAX_N_INIT};
/// let x = array![[0.0], [1.0]];
/// assert!(KMeans::new(1).n_init(MAX_N_INIT + 1).fit(x.view()).is_err());
/// ```
pub const MAX_N_INIT: usize = 1000;

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
/// assert!((fit.training_inertia() - 0.01).abs() < 1e-9);
/// assert_eq!(fit.params(), &KMeans::new(2).seed(7));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeans {
    /// Number of clusters (≥ 1, at most the number of distinct points).
    pub k: usize,
    /// Number of seedings (1 to [`MAX_N_INIT`]); the run with the lowest
    /// inertia is kept.
    pub n_init: usize,
    /// Maximum number of iterations per run (≥ 1).
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
    /// The names of the columns of `x`, for error messages only (a value
    /// too large to square is reported as `column "amount"` instead of
    /// `column 2 (0-based)`); `None` by default. When set, their number
    /// must equal the number of columns given to `fit` and `predict`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_names: Option<Vec<String>>,
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
            feature_names: None,
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

    /// Names the columns of `x` in error messages (see
    /// [`feature_names`](Self#structfield.feature_names)); the clustering
    /// itself does not change.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::KMeans;
    /// let x = array![[1.0, 1e300], [2.0, 0.0], [3.0, 1.0]];
    /// let err = KMeans::new(2).feature_names(&["visits", "amount"]).fit(x.view()).unwrap_err();
    /// assert!(err.to_string().contains("column \"amount\" holds 1e300"), "{err}");
    /// let err = KMeans::new(2).feature_names(&["visits"]).fit(x.view()).unwrap_err();
    /// assert!(err.to_string().contains("1 names for 2 columns"), "{err}");
    /// ```
    pub fn feature_names(mut self, names: &[&str]) -> Self {
        self.feature_names = Some(names.iter().map(|&n| n.to_owned()).collect());
        self
    }

    /// The checks that do not depend on the data.
    pub(crate) fn check_params(&self, op: &'static str) -> Result<()> {
        check_k(op, self.k)?;
        check_n_init(op, self.n_init)?;
        if self.max_iter == 0 {
            return Err(parameter(op, "max_iter", "must be at least 1, found 0"));
        }
        check_tol(op, self.tol)
    }

    /// The checks against an input of `n` rows, made before anything of
    /// size `k`, `k·d` or `n·k` is allocated.
    pub(crate) fn check_shape(&self, op: &'static str, n: usize) -> Result<()> {
        check_k_against_rows(op, self.k, n)?;
        // k ≤ n, so the k × d centres are no larger than the input itself.
        if self.algorithm == Algorithm::Elkan {
            // Elkan keeps n × k lower bounds.
            let fits = n
                .checked_mul(self.k)
                .and_then(|v| v.checked_mul(std::mem::size_of::<f64>()))
                .is_some_and(|bytes| bytes <= isize::MAX as usize);
            if !fits {
                return Err(parameter(
                    op,
                    "algorithm",
                    format!(
                        "Elkan needs {n} × {} lower bounds, more than can be addressed; use Algorithm::Lloyd",
                        self.k
                    ),
                ));
            }
        }
        Ok(())
    }
}

pub(crate) fn check_k(op: &'static str, k: usize) -> Result<()> {
    if k == 0 {
        return Err(parameter(op, "k", "must be at least 1, found 0"));
    }
    Ok(())
}

pub(crate) fn check_n_init(op: &'static str, n_init: usize) -> Result<()> {
    if !(1..=MAX_N_INIT).contains(&n_init) {
        return Err(parameter(
            op,
            "n_init",
            format!("must be in 1..={MAX_N_INIT}, found {n_init}"),
        ));
    }
    Ok(())
}

pub(crate) fn check_tol(op: &'static str, tol: f64) -> Result<()> {
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(parameter(
            op,
            "tol",
            format!("must be finite and ≥ 0, found {tol}"),
        ));
    }
    Ok(())
}

/// `k` must not exceed the number of rows `n`.
pub(crate) fn check_k_against_rows(op: &'static str, k: usize, n: usize) -> Result<()> {
    if k > n {
        return Err(parameter(
            op,
            "k",
            format!("must be at most the number of rows ({n}), found {k}"),
        ));
    }
    Ok(())
}

/// What the fitted type needs from its parameters beyond the public
/// [`KMeansParams`](super::KMeansParams) methods; not nameable outside the crate.
pub(crate) mod sealed {
    /// Internal methods of the k-means parameter types.
    pub trait Sealed {
        /// Most iterations (or mini-batch steps) a fit on `n_rows` rows can report.
        fn max_steps(&self, n_rows: usize) -> usize;
        /// Whether serving uses rayon.
        fn parallel(&self) -> bool;
        /// The names of the input columns, for error messages.
        fn column_names(&self) -> Option<&[String]> {
            None
        }
    }
}

impl sealed::Sealed for KMeans {
    fn max_steps(&self, _n_rows: usize) -> usize {
        self.max_iter
    }
    fn parallel(&self) -> bool {
        self.parallel
    }
    fn column_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn name_of(e: Error) -> &'static str {
        match e {
            Error::InvalidParameter { name, .. } => name,
            other => panic!("not a parameter error: {other}"),
        }
    }

    #[test]
    fn each_setter_changes_its_field_only() {
        let km = KMeans::new(5)
            .n_init(4)
            .max_iter(17)
            .tol(0.5)
            .algorithm(Algorithm::Elkan)
            .init(Init::Random)
            .seed(99)
            .parallel(false);
        let want = KMeans {
            k: 5,
            n_init: 4,
            max_iter: 17,
            tol: 0.5,
            algorithm: Algorithm::Elkan,
            init: Init::Random,
            seed: 99,
            parallel: false,
            feature_names: None,
        };
        assert_eq!(km, want);
        let named = km.clone().feature_names(&["a", "b"]);
        assert_eq!(named.feature_names, Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            KMeans {
                feature_names: None,
                ..named
            },
            km
        );
        assert_eq!(km.clone().k(3).k, 3);
        assert_eq!(KMeans::default().k(5).n_init(4).k, 5);
        assert_eq!(KMeans::new(7).init(Init::Random).k, 7);
        assert_eq!(KMeans::new(7).algorithm(Algorithm::Elkan).k, 7);
        let d = KMeans::default();
        assert_eq!(
            (d.k, d.n_init, d.max_iter, d.tol, d.seed, d.parallel),
            (8, 1, 300, 1e-4, 0, true)
        );
        assert_eq!(
            (d.algorithm, d.init),
            (Algorithm::Lloyd, Init::KMeansPlusPlus)
        );
        assert_eq!(sealed::Sealed::max_steps(&km, 123), 17);
        assert!(!sealed::Sealed::parallel(&km));
        assert!(sealed::Sealed::parallel(&KMeans::default()));
    }

    #[test]
    fn every_bad_value_names_its_parameter() {
        let op = "t";
        assert_eq!(name_of(KMeans::new(0).check_params(op).unwrap_err()), "k");
        for n_init in [0, MAX_N_INIT + 1, usize::MAX] {
            let e = KMeans::new(2).n_init(n_init).check_params(op).unwrap_err();
            assert_eq!(name_of(e), "n_init");
        }
        assert!(KMeans::new(2).n_init(MAX_N_INIT).check_params(op).is_ok());
        assert!(KMeans::new(2).n_init(1).check_params(op).is_ok());
        let e = KMeans::new(2).max_iter(0).check_params(op).unwrap_err();
        assert_eq!(name_of(e), "max_iter");
        assert!(KMeans::new(2).max_iter(1).check_params(op).is_ok());
        for tol in [-1e-12, f64::NAN, f64::INFINITY] {
            let e = KMeans::new(2).tol(tol).check_params(op).unwrap_err();
            assert_eq!(name_of(e), "tol");
        }
        assert!(KMeans::new(2).tol(0.0).check_params(op).is_ok());
    }

    #[test]
    fn shape_checks_k_against_rows_and_elkan_memory() {
        assert!(KMeans::new(3).check_shape("t", 3).is_ok());
        let e = KMeans::new(4).check_shape("t", 3).unwrap_err();
        assert!(
            e.to_string()
                .contains("at most the number of rows (3), found 4"),
            "{e}"
        );
        assert_eq!(name_of(e), "k");
        let huge = KMeans::new(usize::MAX).check_shape("t", 3).unwrap_err();
        assert_eq!(name_of(huge), "k");
        // n × k × 8 bytes beyond the address space: refused before allocating.
        let big = usize::MAX / 16;
        let elkan = KMeans::new(big).algorithm(Algorithm::Elkan);
        assert_eq!(
            name_of(elkan.check_shape("t", big).unwrap_err()),
            "algorithm"
        );
        assert!(KMeans::new(big).check_shape("t", big).is_ok());
        assert!(
            KMeans::new(1 << 20)
                .algorithm(Algorithm::Elkan)
                .check_shape("t", 1 << 20)
                .is_ok()
        );
    }
}
