//! The estimator traits: what every model of this crate implements, and what
//! the generic tools (evaluation, cross-validation, permutation importance,
//! grid search, the pipeline, the test kit, the examples) consume.
//!
//! | trait | implemented by | consumed by |
//! | --- | --- | --- |
//! | [`Dataset`] | `Array2<f32>`, [`ua_data::Table`] | cross-validation, grid search, permutation importance, test kit |
//! | [`Classifier`] | `LogisticRegression`, `MlpClassifier`, `Pipeline` | `cross_validate`, `grid_search`, `Pipeline`, `testkit` |
//! | [`Predictor`] | their fitted types | `evaluate`, `permutation_importance`, `FittedPipeline`, `testkit`, examples |
//! | [`Segmenter`] | `FittedKMeans<f32/f64>`, `FittedMiniBatchKMeans`, `RfmKMeans` | segment profiles, `testkit` |
//! | [`RiskScorer`], [`Recommender`] | the risk and recommendation models | the risk and recommendation tools |
//!
//! Parameters and fitted models are separate types: a [`Classifier`] holds
//! hyper-parameters only and [`Classifier::fit`] returns its `Fitted` type,
//! which serves through `&self` — it is `Send + Sync`, so one fitted model
//! scores from many threads without a lock — and saves through the common
//! envelope ([`Persist`]).
//!
//! The input type is a parameter: a model on a feature matrix is a
//! `Predictor<ArrayView2<'_, f32>>`, a pipeline that starts from a table is a
//! `Predictor<&Table>`, and the generic tools accept either through
//! [`Dataset`].
//!
//! Binary labels are `u8` 0/1 everywhere in the workspace.
//!
//! ```
//! use ndarray::Array2;
//! use ua_analytics::prediction::LogisticRegression;
//! use ua_analytics::{Classifier, Predictor};
//!
//! // Any classifier, fitted and scored through the traits.
//! fn fit_and_score<C: Classifier>(c: &C, x: &Array2<f32>, y: &[u8]) -> ua_analytics::Result<Vec<f32>> {
//!     let fitted = c.fit(x.view(), y)?;
//!     Ok(fitted.predict_proba(x.view())?.to_vec())
//! }
//! let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f32 / 10.0 - 2.0);
//! let y: Vec<u8> = (0..40).map(|i| u8::from(i >= 20)).collect();
//! let p = fit_and_score(&LogisticRegression::new(), &x, &y).unwrap();
//! assert!(p[0] < 0.5 && p[39] > 0.5);
//! ```

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ua_data::Table;
use ua_tensor::persist::Persist;

use crate::Result;

/// Rows of inputs a model reads — a feature matrix or a table — that the
/// generic tools can split by row.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::Dataset;
/// let x = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
/// assert_eq!(x.n_rows(), 3);
/// assert_eq!(x.select_rows(&[2, 0]).unwrap(), array![[5.0f32, 6.0], [1.0, 2.0]]);
/// assert!(x.select_rows(&[3]).is_err());
/// ```
pub trait Dataset: Sized + Send + Sync + 'static {
    /// What a model reads: a borrowed view of the rows.
    type View<'a>: Copy;
    /// The borrowed view a model reads.
    fn view(&self) -> Self::View<'_>;
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// The rows at `rows`, in that order (out-of-range indices are an error).
    fn select_rows(&self, rows: &[usize]) -> Result<Self>;
    /// Number of input columns (features of a matrix, columns of a table).
    fn n_columns(&self) -> usize;
    /// The name of input column `j` (`x0`, `x1`, ... for a matrix).
    fn column_name(&self, j: usize) -> String;
    /// Reorders the values of column `j` alone: row `i` gets the value of
    /// row `order[i]` (used by permutation importance).
    fn permute_column(&mut self, j: usize, order: &[usize]) -> Result<()>;
}

fn check_order(op: &'static str, order: &[usize], n: usize) -> Result<()> {
    if order.len() != n || order.iter().any(|&i| i >= n) {
        return Err(crate::Error::InvalidArgument {
            op,
            message: format!(
                "the order must hold {n} row indices below {n}, got {} indices",
                order.len()
            ),
        });
    }
    Ok(())
}

impl Dataset for Array2<f32> {
    type View<'a> = ArrayView2<'a, f32>;
    fn view(&self) -> ArrayView2<'_, f32> {
        ArrayView2::from(self)
    }
    fn n_rows(&self) -> usize {
        self.nrows()
    }
    fn select_rows(&self, rows: &[usize]) -> Result<Self> {
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.nrows()) {
            return Err(crate::Error::InvalidArgument {
                op: "select rows",
                message: format!("row {bad} is out of range for {} rows", self.nrows()),
            });
        }
        Ok(self.select(Axis(0), rows))
    }
    fn n_columns(&self) -> usize {
        self.ncols()
    }
    fn column_name(&self, j: usize) -> String {
        format!("x{j}")
    }
    fn permute_column(&mut self, j: usize, order: &[usize]) -> Result<()> {
        check_order("permute column", order, self.nrows())?;
        if j >= self.ncols() {
            return Err(crate::Error::InvalidArgument {
                op: "permute column",
                message: format!("column {j} is out of range for {} columns", self.ncols()),
            });
        }
        let permuted: Vec<f32> = order.iter().map(|&i| self[[i, j]]).collect();
        self.column_mut(j)
            .iter_mut()
            .zip(permuted)
            .for_each(|(v, p)| *v = p);
        Ok(())
    }
}

impl Dataset for Table {
    type View<'a> = &'a Table;
    fn view(&self) -> &Table {
        self
    }
    fn n_rows(&self) -> usize {
        Table::n_rows(self)
    }
    fn select_rows(&self, rows: &[usize]) -> Result<Self> {
        Ok(self.take(rows)?)
    }
    fn n_columns(&self) -> usize {
        self.n_cols()
    }
    fn column_name(&self, j: usize) -> String {
        self.column_names()
            .get(j)
            .map_or_else(|| format!("#{j}"), |n| (*n).to_owned())
    }
    fn permute_column(&mut self, j: usize, order: &[usize]) -> Result<()> {
        check_order("permute column", order, Table::n_rows(self))?;
        let name = self
            .column_names()
            .get(j)
            .map(|n| (*n).to_owned())
            .ok_or_else(|| crate::Error::InvalidArgument {
                op: "permute column",
                message: format!("column {j} is out of range for {} columns", self.n_cols()),
            })?;
        let permuted = self.column(&name)?.take(order)?;
        self.replace_column(&name, permuted)?;
        Ok(())
    }
}

/// A fitted binary classifier: the probability of the positive class for
/// each row of an input `X` (`ArrayView2<'_, f32>` or `&Table`).
pub trait Predictor<X>: Send + Sync {
    /// P(y = 1 | x) for each row of `x`.
    fn predict_proba(&self, x: X) -> Result<Array1<f32>>;

    /// Labels 0/1: 1 where the probability is ≥ `threshold`.
    fn predict(&self, x: X, threshold: f32) -> Result<Array1<u8>> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(crate::error::parameter(
                "predict",
                "threshold",
                format!("must be in [0, 1], got {threshold}"),
            ));
        }
        Ok(self.predict_proba(x)?.mapv(|p| u8::from(p >= threshold)))
    }
}

/// The hyper-parameters of a binary classifier over inputs `D`; fitting
/// them on labelled rows gives a [`Predictor`].
///
/// Parameters are checked when `fit` is called: a bad value is an
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming it.
pub trait Classifier<D: Dataset = Array2<f32>>: Clone + std::fmt::Debug + Send + Sync {
    /// What a fitted model keeps of these parameters and saves with itself:
    /// `Self` for a model; for a [`Pipeline`](crate::pipeline::Pipeline), its
    /// classifier's and its column settings (the fitted preprocessor holds
    /// the rest).
    type Params: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + Send + Sync;
    /// The fitted model: serves through `&self`, saves through the envelope.
    type Fitted: for<'a> Predictor<D::View<'a>> + Persist + std::fmt::Debug;

    /// Fits on inputs `x` with labels `y` (0/1, one per row).
    fn fit(&self, x: D::View<'_>, y: &[u8]) -> Result<Self::Fitted>;

    /// These parameters as a fitted model keeps them.
    fn params(&self) -> Self::Params;

    /// The parameters a fitted model was fitted with.
    fn params_of(fitted: &Self::Fitted) -> Self::Params;
}

/// A fitted risk model: one score per row, higher = riskier.
pub trait RiskScorer<X>: Send + Sync {
    /// Risk score of each row of `x` (higher = riskier).
    fn risk_score(&self, x: X) -> Result<Array1<f32>>;
}

/// A fitted segmentation: the segment of each row of an input `X`.
pub trait Segmenter<X>: Send + Sync {
    /// Number of segments.
    fn n_segments(&self) -> usize;
    /// Segment index (0-based, < `n_segments()`) of each row of `x`.
    fn assign(&self, x: X) -> Result<Array1<usize>>;
}

/// Dense user index, as produced by `ua_data`'s interaction builder.
pub type UserIndex = usize;
/// Dense item index, as produced by `ua_data`'s interaction builder.
pub type ItemIndex = usize;

/// A fitted recommender.
pub trait Recommender: Send + Sync {
    /// The `k` best items for `user` with their scores, best first. Items the
    /// user interacted with in training are left out only when `exclude_seen`.
    fn recommend(
        &self,
        user: UserIndex,
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<(ItemIndex, f32)>>;
}
