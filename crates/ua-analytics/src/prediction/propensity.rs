//! The propensity model: the automatic column recipe of `ua-data` in front of
//! logistic regression or the MLP — an instance of the general
//! [`Pipeline`], trained from a [`Table`] and a target column.
//!
//! [`ModelKind`] is the choice the command-line examples offer between the
//! two built-in classifiers (it is itself a [`Classifier`], so a saved
//! propensity model loads without knowing which one it holds); any other
//! classifier goes into a [`Pipeline`] directly.

use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_data::Table;
use ua_data::labels::binary_labels;
use ua_data::pipeline::ColumnTransformer;
use ua_tensor::persist::Persist;

use super::{
    FittedLogisticRegression, FittedMlpClassifier, LogisticRegression, MlpClassifier, invalid,
};
use crate::pipeline::{FittedPipeline, Pipeline};
use crate::{Classifier, Error, Predictor, Result};

/// Which built-in classifier sits behind the pipeline, with its
/// hyper-parameters.
///
/// ```
/// use ua_analytics::prediction::{LogisticRegression, ModelKind};
/// assert_eq!(ModelKind::default(), ModelKind::Logistic(LogisticRegression::default()));
/// assert_eq!(ModelKind::default().name(), "logistic");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// L2-regularised logistic regression.
    Logistic(LogisticRegression),
    /// The MLP classifier.
    Mlp(MlpClassifier),
}

impl Default for ModelKind {
    fn default() -> Self {
        ModelKind::Logistic(LogisticRegression::default())
    }
}

impl ModelKind {
    /// `"logistic"` or `"mlp"`.
    pub fn name(&self) -> &'static str {
        match self {
            ModelKind::Logistic(_) => "logistic",
            ModelKind::Mlp(_) => "mlp",
        }
    }
}

/// A fitted classifier of either built-in kind.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::{FittedClassifier, LogisticRegression};
/// let m = LogisticRegression::new().fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
/// let c = FittedClassifier::Logistic(m);
/// assert_eq!(c.n_features(), 1);
/// assert!(c.predict_proba(array![[2.0f32]].view()).unwrap()[0] > 0.5);
/// ```
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FittedClassifier {
    /// A fitted logistic regression.
    Logistic(FittedLogisticRegression),
    /// A fitted MLP (boxed: it is much larger than the logistic model).
    Mlp(Box<FittedMlpClassifier>),
}

impl FittedClassifier {
    /// Number of feature columns the model was fitted on.
    pub fn n_features(&self) -> usize {
        match self {
            FittedClassifier::Logistic(m) => m.n_features(),
            FittedClassifier::Mlp(m) => m.n_features(),
        }
    }
}

impl Predictor<ArrayView2<'_, f32>> for FittedClassifier {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        match self {
            FittedClassifier::Logistic(m) => m.predict_proba(x),
            FittedClassifier::Mlp(m) => m.predict_proba(x),
        }
    }
}

impl Persist for FittedClassifier {
    const KIND: &'static str = "ua-analytics/classifier";
    fn validate(&self) -> std::result::Result<(), String> {
        match self {
            FittedClassifier::Logistic(m) => m.validate(),
            FittedClassifier::Mlp(m) => m.validate(),
        }
    }
}

impl Classifier for ModelKind {
    type Params = Self;
    type Fitted = FittedClassifier;
    fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedClassifier> {
        Ok(match self {
            ModelKind::Logistic(m) => FittedClassifier::Logistic(m.fit(x, y)?),
            ModelKind::Mlp(m) => FittedClassifier::Mlp(Box::new(m.fit(x, y)?)),
        })
    }
    fn params(&self) -> Self {
        self.clone()
    }
    fn params_of(fitted: &FittedClassifier) -> Self {
        match fitted {
            FittedClassifier::Logistic(m) => ModelKind::Logistic(m.params().clone()),
            FittedClassifier::Mlp(m) => ModelKind::Mlp(m.params().clone()),
        }
    }
}

/// What the propensity examples fit: the automatic column recipe, then a
/// built-in classifier.
pub type FittedPropensityModel = FittedPipeline<ColumnTransformer, ModelKind>;

/// Hyper-parameters of a propensity model: which column to predict, which
/// value counts as positive, which columns to leave out, and the classifier.
///
/// * Labels follow [`ua_data::labels::binary_labels`]: a boolean target, a
///   numeric 0/1 target, or yes/no text; with `positive`, that value is 1
///   and every other 0.
/// * Every other column is a feature through [`ColumnTransformer::auto`]:
///   numbers median-imputed and standard-scaled, categories and booleans
///   most-frequent-imputed and one-hot encoded (unseen categories become
///   all zeros), dates expanded into parts.
///
/// ```
/// use ua_analytics::prediction::{MlpClassifier, ModelKind, PropensityConfig};
/// let cfg = PropensityConfig::new("plan").positive("premium").drop(&["user_id"])
///     .model(ModelKind::Mlp(MlpClassifier::new()));
/// assert_eq!(cfg.drop, vec!["user_id".to_string()]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropensityConfig {
    /// The target column.
    pub target: String,
    /// The value of the target that counts as positive.
    pub positive: Option<String>,
    /// Columns left out of the features.
    pub drop: Vec<String>,
    /// The classifier.
    pub model: ModelKind,
}

impl PropensityConfig {
    /// Predict `target` with the default logistic regression, every other
    /// column a feature.
    pub fn new(target: impl Into<String>) -> Self {
        PropensityConfig {
            target: target.into(),
            positive: None,
            drop: Vec::new(),
            model: ModelKind::default(),
        }
    }

    /// The target value that counts as positive (e.g. `"yes"`, `"premium"`).
    ///
    /// ```
    /// let c = ua_analytics::prediction::PropensityConfig::new("churn").positive("yes");
    /// assert_eq!(c.positive.as_deref(), Some("yes"));
    /// ```
    pub fn positive(mut self, value: impl Into<String>) -> Self {
        self.positive = Some(value.into());
        self
    }

    /// Columns to leave out of the features (ids, leaks).
    ///
    /// ```
    /// let c = ua_analytics::prediction::PropensityConfig::new("y").drop(&["id"]);
    /// assert_eq!(c.drop, ["id"]);
    /// ```
    pub fn drop(mut self, columns: &[&str]) -> Self {
        self.drop.extend(columns.iter().map(|c| (*c).to_owned()));
        self
    }

    /// The classifier.
    ///
    /// ```
    /// use ua_analytics::prediction::{MlpClassifier, ModelKind, PropensityConfig};
    /// let c = PropensityConfig::new("y").model(ModelKind::Mlp(MlpClassifier::new()));
    /// assert_eq!(c.model.name(), "mlp");
    /// ```
    pub fn model(mut self, model: ModelKind) -> Self {
        self.model = model;
        self
    }

    /// The 0/1 labels of `table`'s target column; both classes must occur.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("plan".into(), Column::categorical(&["free", "gold", "free"]))]).unwrap();
    /// assert_eq!(PropensityConfig::new("plan").positive("gold").labels(&t).unwrap(), [0, 1, 0]);
    /// let err = PropensityConfig::new("plan").positive("platinum").labels(&t).unwrap_err();
    /// assert!(err.to_string().contains("platinum"), "{err}");
    /// let one = Table::new(vec![("y".into(), Column::numeric(vec![1.0, 1.0]))]).unwrap();
    /// assert!(PropensityConfig::new("y").labels(&one).unwrap_err().to_string().contains("one class"));
    /// ```
    pub fn labels(&self, table: &Table) -> Result<Vec<u8>> {
        let y = binary_labels(table, &self.target, self.positive.as_deref())?;
        let n_pos = y.iter().filter(|&&v| v == 1).count();
        if n_pos == 0 || n_pos == y.len() {
            return Err(Error::Undefined {
                op: "PropensityConfig::labels",
                message: format!(
                    "target column `{}` has one class only: all {} rows are {}",
                    self.target,
                    y.len(),
                    if n_pos == 0 { "negative" } else { "positive" }
                ),
            });
        }
        Ok(y)
    }

    /// The pipeline for tables shaped like `table`: the automatic column
    /// recipe over every column but the target and the dropped ones, then
    /// the classifier. Nothing is learned here (only column names and types
    /// are read), so it can be built from the whole table and fitted on a
    /// training split.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("id".into(), Column::categorical(&["a", "b"])),
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("y".into(), Column::numeric(vec![0.0, 1.0])),
    /// ]).unwrap();
    /// let p = PropensityConfig::new("y").drop(&["id"]).pipeline(&t).unwrap();
    /// assert_eq!(p.preprocessor.columns(), ["x"]);
    /// assert_eq!(p.excluded(), ["y", "id"]);
    /// ```
    pub fn pipeline(&self, table: &Table) -> Result<Pipeline<ColumnTransformer, ModelKind>> {
        let drop: Vec<&str> = self.drop.iter().map(String::as_str).collect();
        let spec = ColumnTransformer::auto(table, Some(&self.target), &drop)?;
        if spec.columns().is_empty() {
            return Err(invalid(
                "PropensityConfig::fit",
                format!(
                    "no feature column left after removing the target `{}` and the dropped columns {}",
                    self.target,
                    self.drop.join(", ")
                ),
            ));
        }
        let mut excluded = vec![self.target.as_str()];
        excluded.extend(&drop);
        Ok(Pipeline::new(spec, self.model.clone()).exclude(&excluded))
    }

    /// Fits the pipeline and the classifier on `table` (labels from its
    /// target column).
    ///
    /// Errors: every error of [`labels`](Self::labels); a `drop` column that
    /// does not exist; no feature column left; a feature column that is
    /// entirely missing or holds NaN/∞ (each naming the column); bad
    /// classifier settings.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("age".into(), Column::numeric_opt(vec![None, None, None])),
    ///     ("y".into(), Column::numeric(vec![0.0, 1.0, 1.0])),
    /// ]).unwrap();
    /// let err = PropensityConfig::new("y").fit(&t).unwrap_err();
    /// assert!(err.to_string().contains("age"), "{err}");
    /// ```
    pub fn fit(&self, table: &Table) -> Result<FittedPropensityModel> {
        let y = self.labels(table)?;
        self.pipeline(table)?.fit(table, &y)
    }
}
