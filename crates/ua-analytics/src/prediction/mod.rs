//! Behaviour prediction: binary classifiers, a propensity model that carries
//! its preprocessing, hold-out evaluation and repeat-purchase prediction.
//!
//! | piece | types |
//! | --- | --- |
//! | classifiers on arrays | [`LogisticRegression`] → [`FittedLogisticRegression`], [`MlpClassifier`] → [`FittedMlpClassifier`]: [`Classifier`](crate::Classifier)s whose fitted types are [`Predictor`](crate::Predictor)s |
//! | from a table to a score | [`PropensityConfig`] → [`FittedPropensityModel`], a [`FittedPipeline`](crate::pipeline::FittedPipeline) of the automatic column recipe and a [`ModelKind`] |
//! | hold-out evaluation | [`evaluate::evaluate_holdout`] → [`evaluate::Evaluation`] (with the one [`ClassificationReport`](crate::metrics::ClassificationReport)); what drives the score: [`crate::selection::permutation_importance`] |
//! | classifiers over event sequences | [`SequenceClassifier`] → [`FittedSequenceClassifier`] (embedding → 1-D convolution → masked max pool → beside static features → dense), the order-blind baseline [`BagOfEvents`] → [`FittedBagOfEvents`]; rows laid out by a [`SequenceLayout`] |
//! | will a customer buy again | [`RepeatPurchase`] builds the per-customer table from a transaction log; [`PurchaseSequences`] → [`FittedPurchaseSequences`] each customer's transactions as a sequence beside that table, for the sequence models |
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
//!   is scored later, and both are saved in one file through the envelope.
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
//! let p = ua_analytics::Predictor::predict_proba(&model, &train).unwrap();
//! assert!(p[19] > 0.5 && p[0] < 0.5);
//! ```

pub mod evaluate;
mod logistic;
mod mlp;
mod propensity;
mod purchase_sequences;
mod repeat;
mod sequence;

pub use logistic::{FittedLogisticRegression, LogisticRegression, Solver};
pub use mlp::{FittedMlpClassifier, MAX_UNITS, MlpClassifier};
pub use propensity::{FittedClassifier, FittedPropensityModel, ModelKind, PropensityConfig};
pub use purchase_sequences::{FittedPurchaseSequences, PURCHASE_TOKEN, PurchaseSequences};
pub use repeat::{RepeatPurchase, RepeatPurchaseFeatures};
pub use sequence::{
    BagOfEvents, FittedBagOfEvents, FittedSequenceClassifier, MAX_SEQUENCE_UNITS,
    SequenceClassifier, SequenceLayout,
};
/// The class-weight and early-stopping types of the workspace (from `ua-nn`).
pub use ua_nn::{ClassWeight, EarlyStopping};

use ndarray::ArrayView2;

use crate::{Error, Result};

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
