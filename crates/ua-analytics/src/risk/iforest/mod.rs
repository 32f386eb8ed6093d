//! [`IsolationForest`] (Liu, Ting & Zhou 2008): anomalies are the points
//! that random axis-parallel splits isolate in few steps.

mod tree;

pub use tree::average_path_length;

use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_tensor::check::ensure_finite;
use ua_tensor::persist::Persist;

use crate::error::parameter;
use crate::{Error, Result, RiskScorer};
use tree::{Forest, Grow};

/// Most trees a forest may have.
pub const MAX_TREES: usize = 100_000;

/// How the anomaly threshold of a fitted forest is set.
///
/// ```
/// use ua_analytics::risk::Contamination;
/// assert_eq!(Contamination::default(), Contamination::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Contamination {
    /// Score > 0.5, as in the paper (and scikit-learn's `"auto"`).
    #[default]
    Auto,
    /// This share of the training rows (in (0, 0.5]) scores above the
    /// threshold.
    Fraction(f64),
}

/// The parameters of an isolation forest.
///
/// ```
/// use ua_analytics::risk::IsolationForest;
/// use ua_analytics::RiskScorer;
/// use ua_analytics::ndarray::Array2;
/// // 200 points on a grid and one far away.
/// let mut x = Array2::from_shape_fn((201, 2), |(i, j)| ((i * (j + 3)) % 17) as f32);
/// x.row_mut(200).fill(60.0);
/// let forest = IsolationForest::new().seed(7).fit(x.view()).unwrap();
/// let scores = forest.risk_score(x.view()).unwrap();
/// let top = (0..201).max_by(|&a, &b| scores[a].total_cmp(&scores[b])).unwrap();
/// assert_eq!(top, 200);
/// assert!(scores[200] > 0.6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IsolationForest {
    /// Number of trees (default 100).
    pub n_trees: usize,
    /// Rows drawn (without replacement) for each tree, ψ (default 256;
    /// clamped to the number of rows, which the fitted model reports).
    pub sample_size: usize,
    /// Share of the features each tree may split on, in (0, 1] (default
    /// 1: all); at least one feature.
    pub max_features: f64,
    /// How the anomaly threshold is set.
    pub contamination: Contamination,
    /// Seed of the subsamples and splits.
    pub seed: u64,
}

impl Default for IsolationForest {
    fn default() -> Self {
        IsolationForest {
            n_trees: 100,
            sample_size: 256,
            max_features: 1.0,
            contamination: Contamination::Auto,
            seed: 42,
        }
    }
}

/// What a fit did with the parameters it was given.
///
/// ```
/// use ua_analytics::risk::IsolationForest;
/// use ua_analytics::ndarray::Array2;
/// let x = Array2::from_shape_fn((50, 3), |(i, j)| (i * 7 + j) as f32);
/// let forest = IsolationForest::new().fit(x.view()).unwrap();
/// let r = forest.report();
/// assert_eq!((r.sample_size_requested, r.sample_size), (256, 50));
/// assert!(r.to_string().contains("clamped to the 50 rows"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Rows of the training data.
    pub rows: usize,
    /// ψ as asked.
    pub sample_size_requested: usize,
    /// ψ as used (≤ rows).
    pub sample_size: usize,
    /// Features each tree could split on.
    pub features_per_tree: usize,
    /// Depth limit of the trees, ⌈log2 ψ⌉.
    pub depth_limit: usize,
}

impl std::fmt::Display for FitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} rows; subsample ψ = {}", self.rows, self.sample_size)?;
        if self.sample_size < self.sample_size_requested {
            write!(
                f,
                " (asked {}, clamped to the {} rows)",
                self.sample_size_requested, self.rows
            )?;
        }
        write!(
            f,
            "; {} feature(s) per tree; depth limit {}",
            self.features_per_tree, self.depth_limit
        )
    }
}

impl IsolationForest {
    /// The defaults: 100 trees, ψ = 256, all features, automatic threshold,
    /// seed 42.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of trees.
    pub fn trees(mut self, n: usize) -> Self {
        self.n_trees = n;
        self
    }

    /// Sets ψ, the rows per tree.
    pub fn sample_size(mut self, n: usize) -> Self {
        self.sample_size = n;
        self
    }

    /// Sets the share of features each tree may split on.
    pub fn max_features(mut self, share: f64) -> Self {
        self.max_features = share;
        self
    }

    /// Sets how the threshold is chosen.
    pub fn contamination(mut self, c: Contamination) -> Self {
        self.contamination = c;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn check(&self) -> Result<()> {
        const OP: &str = "IsolationForest";
        if self.n_trees == 0 || self.n_trees > MAX_TREES {
            return Err(parameter(
                OP,
                "n_trees",
                format!("must be in 1..={MAX_TREES}, got {}", self.n_trees),
            ));
        }
        if self.sample_size < 2 {
            return Err(parameter(
                OP,
                "sample_size",
                format!("must be at least 2, got {}", self.sample_size),
            ));
        }
        if !(self.max_features > 0.0 && self.max_features <= 1.0) {
            return Err(parameter(
                OP,
                "max_features",
                format!("must be in (0, 1], got {}", self.max_features),
            ));
        }
        if let Contamination::Fraction(c) = self.contamination
            && !(c > 0.0 && c <= 0.5)
        {
            return Err(parameter(
                OP,
                "contamination",
                format!("must be in (0, 0.5], got {c}"),
            ));
        }
        Ok(())
    }

    /// Grows the forest on the rows of `x` (at least 2 rows, finite values),
    /// in parallel over trees; the same seed gives the same forest for any
    /// number of threads.
    pub fn fit(&self, x: ArrayView2<'_, f32>) -> Result<FittedIsolationForest> {
        const OP: &str = "IsolationForest::fit";
        self.check()?;
        let (n, d) = x.dim();
        if n < 2 || d == 0 {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!("needs at least 2 rows and 1 column, got {n} × {d}"),
            });
        }
        ensure_finite(OP, &x)?;
        let sample_size = self.sample_size.min(n);
        let nodes = ua_tensor::budget::elements(OP, &[self.n_trees, 2 * sample_size])?;
        ua_tensor::budget::check_allocation(OP, "the trees' nodes", nodes, 12)?;
        let features = ((self.max_features * d as f64).ceil() as usize).clamp(1, d);
        let depth_limit = (sample_size as f64).log2().ceil() as usize;
        let grow = Grow {
            x,
            sample_size,
            depth_limit,
            features,
            seed: self.seed,
        };
        let trees = grow.trees(self.n_trees);
        let mut fitted = FittedIsolationForest {
            params: *self,
            n_features: d,
            forest: Forest::from_trees(trees),
            normaliser: average_path_length(sample_size),
            threshold: 0.5,
            report: FitReport {
                rows: n,
                sample_size_requested: self.sample_size,
                sample_size,
                features_per_tree: features,
                depth_limit,
            },
        };
        if let Contamination::Fraction(c) = self.contamination {
            let scores = fitted.scores(x);
            fitted.threshold = upper_quantile(&scores, c);
        }
        Ok(fitted)
    }
}

impl crate::Detector for IsolationForest {
    type Fitted = FittedIsolationForest;
    fn fit(&self, x: ArrayView2<'_, f32>) -> Result<FittedIsolationForest> {
        IsolationForest::fit(self, x)
    }
}

/// The score above which a share `c` of `scores` lies (the (1 − c)
/// quantile, linear interpolation as NumPy's default percentile); the
/// autoencoder's contamination threshold uses it too.
pub(crate) fn upper_quantile(scores: &[f32], c: f64) -> f32 {
    quantile(scores, 1.0 - c)
}

/// The `q` quantile of `scores` (non-empty), interpolated linearly.
pub(crate) fn quantile(scores: &[f32], q: f64) -> f32 {
    let mut sorted = scores.to_vec();
    sorted.sort_by(f32::total_cmp);
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
    let hi = (lo + 1).min(sorted.len() - 1);
    (f64::from(sorted[lo]) + frac * (f64::from(sorted[hi]) - f64::from(sorted[lo]))) as f32
}

/// A fitted isolation forest: scores rows (higher = more anomalous, in
/// (0, 1]), flags those above its threshold, and explains which features
/// isolated a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedIsolationForest {
    params: IsolationForest,
    n_features: usize,
    forest: Forest,
    normaliser: f64,
    threshold: f32,
    report: FitReport,
}

/// Rows scored per parallel task.
const CHUNK: usize = 256;

impl FittedIsolationForest {
    /// The parameters it was fitted with.
    pub fn params(&self) -> &IsolationForest {
        &self.params
    }

    /// What the fit did (ψ used, features per tree, depth limit).
    pub fn report(&self) -> &FitReport {
        &self.report
    }

    /// Number of input columns.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Scores above this are anomalies: 0.5 with [`Contamination::Auto`],
    /// else the training-score quantile.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    fn check_input(&self, op: &'static str, x: ArrayView2<'_, f32>) -> Result<()> {
        if x.ncols() != self.n_features {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!("{} columns (as in training)", self.n_features),
                found: format!("{} columns", x.ncols()),
            });
        }
        if x.nrows() == 0 {
            return Err(Error::Empty { op });
        }
        ensure_finite(op, &x)?;
        Ok(())
    }

    /// Scores of checked rows, `2^(−E[h(x)] / c(ψ))`, in parallel over
    /// chunks of rows (each row's sum runs over the trees in order, so the
    /// result does not depend on the number of threads).
    fn scores(&self, x: ArrayView2<'_, f32>) -> Vec<f32> {
        let (n, width) = x.dim();
        let trees = self.forest.roots.len() as f64;
        let mut out = vec![0.0f32; n];
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                let start = c * CHUNK;
                let rows = x.slice(ndarray::s![start..start + chunk.len(), ..]);
                let copy;
                let rows = match rows.as_slice() {
                    Some(rows) => rows,
                    None => {
                        copy = rows.as_standard_layout().into_owned();
                        copy.as_slice().expect("standard layout")
                    }
                };
                let mut total = vec![0.0f64; chunk.len()];
                self.forest.add_path_lengths(rows, width, &mut total);
                for (o, t) in chunk.iter_mut().zip(total) {
                    *o = 2f64.powf(-(t / trees) / self.normaliser) as f32;
                }
            });
        out
    }

    /// Whether each row of `x` scores above the threshold.
    ///
    /// ```
    /// use ua_analytics::risk::{Contamination, IsolationForest};
    /// use ua_analytics::ndarray::Array2;
    /// let x = Array2::from_shape_fn((100, 2), |(i, j)| ((i * (j + 5)) % 13) as f32);
    /// let forest = IsolationForest::new().contamination(Contamination::Fraction(0.1)).fit(x.view()).unwrap();
    /// let flagged = forest.flag(x.view()).unwrap().iter().filter(|&&f| f).count();
    /// assert!((5..=15).contains(&flagged), "{flagged}");
    /// ```
    pub fn flag(&self, x: ArrayView2<'_, f32>) -> Result<Array1<bool>> {
        let scores = self.risk_score(x)?;
        Ok(scores.mapv(|s| s > self.threshold))
    }

    /// For each row of `x`, the features that isolated it most often: for
    /// every tree, the feature of the split that sent the row into its
    /// leaf; returned as `(feature, share of trees)`, the `top` largest
    /// shares first (ties to the lower feature).
    ///
    /// ```
    /// use ua_analytics::risk::IsolationForest;
    /// use ua_analytics::ndarray::Array2;
    /// // Column 1 is where the last row is odd.
    /// let mut x = Array2::from_shape_fn((300, 3), |(i, j)| ((i * (j + 2)) % 11) as f32);
    /// x[[299, 1]] = 80.0;
    /// let forest = IsolationForest::new().seed(1).fit(x.view()).unwrap();
    /// let why = forest.explain(x.slice(ua_analytics::ndarray::s![299.., ..]), 1).unwrap();
    /// assert_eq!(why[0][0].0, 1);
    /// ```
    pub fn explain(&self, x: ArrayView2<'_, f32>, top: usize) -> Result<Vec<Vec<(usize, f32)>>> {
        const OP: &str = "IsolationForest::explain";
        self.check_input(OP, x)?;
        if top == 0 {
            return Err(parameter(OP, "top", "must be at least 1, got 0"));
        }
        let trees = self.forest.roots.len() as f32;
        Ok(x.outer_iter()
            .into_par_iter()
            .map(|r| {
                let row: Vec<f32> = r.to_vec();
                let mut shares = vec![0.0f32; self.n_features];
                for &root in &self.forest.roots {
                    if let (_, Some(node)) = self.forest.descend(root, &row) {
                        shares[self.forest.feature[node] as usize] += 1.0;
                    }
                }
                shares.iter_mut().for_each(|s| *s /= trees);
                ua_tensor::topk::top_k_masked(&shares, top, |f| shares[f] == 0.0)
            })
            .collect())
    }
}

impl RiskScorer<ArrayView2<'_, f32>> for FittedIsolationForest {
    /// Anomaly scores in (0, 1]; around 0.5 and below is ordinary, near 1 is
    /// isolated at once. Errors: another number of columns than in
    /// training, no rows, a NaN or infinite value (named by row and column).
    fn risk_score(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        self.check_input("IsolationForest::risk_score", x)?;
        Ok(Array1::from(self.scores(x)))
    }
}

impl Persist for FittedIsolationForest {
    const KIND: &'static str = "ua-analytics/isolation-forest";

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.check().map_err(|e| e.to_string())?;
        self.forest.check(self.n_features)?;
        if self.forest.roots.len() != self.params.n_trees {
            return Err(format!(
                "{} trees, the parameters say {}",
                self.forest.roots.len(),
                self.params.n_trees
            ));
        }
        let sample = self.report.sample_size;
        if sample < 2 || (average_path_length(sample) - self.normaliser).abs() > 1e-9 {
            return Err(format!(
                "normaliser {} does not match ψ = {sample}",
                self.normaliser
            ));
        }
        if !(self.threshold.is_finite() && self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(format!("threshold {} is not in (0, 1]", self.threshold));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
