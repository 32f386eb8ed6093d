//! Behaviour prediction: binary classifiers, a propensity model that carries
//! its preprocessing, permutation importance and repeat-purchase prediction.
//!
//! | piece | types |
//! | --- | --- |
//! | classifiers on arrays | [`LogisticRegression`] → [`FittedLogisticRegression`], [`MlpClassifier`] → [`FittedMlpClassifier`], both [`Predictor`](crate::Predictor)s |
//! | from a table to a score | [`PropensityConfig`] → [`FittedPropensityModel`] (`score`, `feature_names`, `save`/`load`) |
//! | what drives the score | [`FittedPropensityModel::permutation_importance`] → [`ColumnImportance`] |
//! | will a customer buy again | [`RepeatPurchase`] builds the per-customer table from a transaction log |
//!
//! ## Design
//!
//! * **Hyper-parameters and fitted models are separate types.**
//!   `LogisticRegression`, `MlpClassifier` and `PropensityConfig` are plain
//!   structs with `Default` and builder-style setters; nothing is checked
//!   until `fit`, which returns an error (never a panic) for a bad value and
//!   a separate fitted type otherwise. An unfitted model cannot predict.
//! * **A proper solver.** Logistic regression minimises scikit-learn's
//!   objective `½‖w‖² + C·Σ sᵢ·logloss(yᵢ, xᵢ·w + b)` (the intercept is not
//!   penalised, `sᵢ` are class weights) in f64 with Newton's method and a
//!   backtracking line search, or L-BFGS for many features. It stops on the
//!   gradient norm and reports `n_iter` and `converged`; it does not abort.
//! * **The design document's network.** [`MlpClassifier`] defaults to
//!   Dense(64, ReLU) → Dropout(0.5) → Dense(32, ReLU) → Dropout(0.5) →
//!   Dense(1, sigmoid), binary cross-entropy, Adam(1e-3), batch 32, with
//!   early stopping on a 10 % validation split (patience 10, best weights
//!   restored), class weights and a seed.
//! * **The pipeline travels with the model.** [`FittedPropensityModel`] holds
//!   the fitted [`ua_data::pipeline::FittedColumnTransformer`] (median
//!   imputation + standard scaling of numbers, most-frequent imputation +
//!   one-hot encoding of categories with unseen categories ignored) next to
//!   the classifier. What was learned on the training table — fill values,
//!   category lists, scaler statistics — is what transforms every table that
//!   is scored later, and both are saved in one versioned JSON file.
//!
//! ```
//! use ua_analytics::prediction::{ModelKind, PropensityConfig};
//! use ua_data::{Column, Table};
//! let n = 200;
//! let visits: Vec<f64> = (0..n).map(|i| (i % 20) as f64).collect();
//! let device: Vec<&str> = (0..n).map(|i| if i % 3 == 0 { "app" } else { "web" }).collect();
//! let bought: Vec<bool> = (0..n).map(|i| (i % 20) >= 10).collect();
//! let train = Table::new(vec![
//!     ("visits".into(), Column::numeric(visits)),
//!     ("device".into(), Column::categorical(&device)),
//!     ("bought".into(), Column::boolean(bought)),
//! ]).unwrap();
//! let model = PropensityConfig::new("bought").fit(&train).unwrap();
//! assert_eq!(model.feature_names(), &["visits", "device=app", "device=web"]);
//! let p = model.score(&train).unwrap();
//! assert!(p[19] > 0.5 && p[0] < 0.5);
//! ```

pub mod evaluate;
mod importance;
mod logistic;
mod mlp;
mod propensity;
mod repeat;

pub use importance::ColumnImportance;
pub use logistic::{FittedLogisticRegression, LogisticRegression, Solver};
pub use mlp::{FittedMlpClassifier, MlpClassifier, MlpEarlyStopping};
pub use propensity::{
    FORMAT, FORMAT_VERSION, FittedClassifier, FittedPropensityModel, ModelKind, PropensityConfig,
    TrainingSummary,
};
pub use repeat::{RepeatPurchase, RepeatPurchaseFeatures};

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How the two classes are weighted in the loss.
///
/// ```
/// use ua_analytics::prediction::ClassWeights;
/// // 3 negatives, 1 positive: "balanced" gives n / (2 · count)
/// let w = ClassWeights::Balanced.weights(&[0, 0, 0, 1]).unwrap();
/// assert_eq!(w, [4.0 / 6.0, 2.0]);
/// let w = ClassWeights::Manual { negative: 1.0, positive: 5.0 }.weights(&[0, 1]).unwrap();
/// assert_eq!(w, [1.0, 5.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeights {
    /// `n / (2 · count(class))`, scikit-learn's `"balanced"`.
    Balanced,
    /// Fixed weights of the negative (0) and positive (1) class.
    Manual {
        /// Weight of class 0.
        negative: f64,
        /// Weight of class 1.
        positive: f64,
    },
}

impl ClassWeights {
    /// The `[negative, positive]` weights for labels `y` (0/1).
    ///
    /// Errors on negative or non-finite manual weights, or (balanced) when a
    /// class is absent.
    ///
    /// ```
    /// use ua_analytics::prediction::ClassWeights;
    /// assert!(ClassWeights::Balanced.weights(&[1, 1]).is_err());
    /// ```
    pub fn weights(&self, y: &[u8]) -> Result<[f64; 2]> {
        match *self {
            ClassWeights::Manual { negative, positive } => {
                for (name, w) in [("negative", negative), ("positive", positive)] {
                    if !(w.is_finite() && w >= 0.0) {
                        return Err(invalid(
                            "class weights",
                            format!("{name} class weight must be finite and ≥ 0, got {w}"),
                        ));
                    }
                }
                if negative + positive <= 0.0 {
                    return Err(invalid("class weights", "both class weights are 0".into()));
                }
                Ok([negative, positive])
            }
            ClassWeights::Balanced => {
                let pos = y.iter().filter(|&&v| v == 1).count();
                let neg = y.len() - pos;
                if pos == 0 || neg == 0 {
                    return Err(Error::Undefined {
                        op: "class weights",
                        message: format!(
                            "balanced weights need both classes, got {neg} negatives and {pos} positives"
                        ),
                    });
                }
                let n = y.len() as f64;
                Ok([n / (2.0 * neg as f64), n / (2.0 * pos as f64)])
            }
        }
    }

    /// Checks manual weights (finite, ≥ 0, not both 0) without labels.
    pub(crate) fn check(&self, op: &'static str) -> Result<()> {
        if let ClassWeights::Manual { negative, positive } = *self {
            for w in [negative, positive] {
                if !(w.is_finite() && w >= 0.0) {
                    return Err(crate::error::parameter(
                        op,
                        "class_weight",
                        format!("weights must be finite and ≥ 0, got {negative} and {positive}"),
                    ));
                }
            }
            if negative + positive <= 0.0 {
                return Err(crate::error::parameter(
                    op,
                    "class_weight",
                    "both class weights are 0",
                ));
            }
        }
        Ok(())
    }

    fn to_nn(self, y: &[u8]) -> Result<ua_nn::ClassWeight> {
        let [neg, pos] = self.weights(y)?;
        Ok(ua_nn::ClassWeight::Manual(vec![neg, pos]))
    }
}

pub(crate) fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

/// Checks a training set: matching lengths, at least one row and column,
/// finite features, labels 0/1 with both classes present.
pub(crate) fn check_training_data(
    op: &'static str,
    x: &ArrayView2<'_, f32>,
    y: &[u8],
) -> Result<()> {
    if x.nrows() != y.len() {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("{} labels (one per row of x)", x.nrows()),
            found: format!("{} labels", y.len()),
        });
    }
    if x.nrows() == 0 {
        return Err(Error::Empty { op });
    }
    if x.ncols() == 0 {
        return Err(invalid(op, "x has no feature columns".into()));
    }
    ua_tensor::check::ensure_finite(op, x)?;
    if let Some(row) = y.iter().position(|&v| v > 1) {
        return Err(invalid(
            op,
            format!("label at row {row} is {}; labels must be 0 or 1", y[row]),
        ));
    }
    let pos = y.iter().filter(|&&v| v == 1).count();
    if pos == 0 || pos == y.len() {
        return Err(Error::Undefined {
            op,
            message: format!(
                "all {} labels are {}; a classifier needs both classes",
                y.len(),
                u8::from(pos > 0)
            ),
        });
    }
    Ok(())
}

/// Checks a matrix to be scored against the number of features fitted.
pub(crate) fn check_scoring_data(
    op: &'static str,
    x: &ArrayView2<'_, f32>,
    n_features: usize,
) -> Result<()> {
    if x.ncols() != n_features {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("{n_features} feature columns (as fitted)"),
            found: format!("{} columns", x.ncols()),
        });
    }
    if x.nrows() == 0 {
        return Err(Error::Empty { op });
    }
    ua_tensor::check::ensure_finite(op, x)?;
    Ok(())
}
