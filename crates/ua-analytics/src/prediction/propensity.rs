//! The propensity model: a fitted preprocessing pipeline and a classifier in
//! one object, trained from a [`Table`] and a target column, scoring new
//! tables, saved and loaded as one versioned JSON file.

use std::path::Path;

use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_data::pipeline::{ColumnTransformer, FittedColumnTransformer, TransformReport};
use ua_data::{Column, Table};

use super::{
    FittedLogisticRegression, FittedMlpClassifier, LogisticRegression, MlpClassifier, invalid,
};
use crate::{Error, Predictor, Result};

/// The `format` string of saved propensity models.
pub const FORMAT: &str = "user-analytics/propensity-model";
/// The current `format_version` of saved propensity models.
pub const FORMAT_VERSION: u32 = 1;

/// Which classifier sits behind the pipeline, with its hyper-parameters.
///
/// ```
/// use ua_analytics::prediction::{LogisticRegression, ModelKind};
/// assert_eq!(ModelKind::default(), ModelKind::Logistic(LogisticRegression::default()));
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

/// A fitted classifier of either kind.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::{FittedClassifier, LogisticRegression};
/// let m = LogisticRegression::new().fit(array![[1.0f32], [-1.0]].view(), &[1, 0]).unwrap();
/// let c = FittedClassifier::Logistic(m);
/// assert_eq!(c.n_features(), 1);
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

/// What to predict from which columns, and with which classifier.
///
/// * `target`: the column to predict. Without `positive`, a boolean target's
///   `true`, a numeric target's `1` (the column must hold only 0 and 1) and a
///   categorical target's `1`/`true`/`yes`/`y`/`t` levels (case-insensitive;
///   the others must be `0`/`false`/`no`/`n`/`f`) are the positive class.
///   With `positive`, the rows whose value equals it are positive (compared
///   as text for categories, as a number for numbers, as a boolean for booleans).
/// * `drop`: columns that are not features (identifiers, leaks).
/// * Every other column is a feature: numbers are median-imputed and
///   standard-scaled, categories and booleans most-frequent-imputed and
///   one-hot encoded (unseen categories become all zeros), dates expanded
///   into year, month, weekday and day of year (see
///   [`ColumnTransformer::auto`]).
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

/// What the model was trained on.
///
/// ```
/// use ua_analytics::prediction::TrainingSummary;
/// let s = TrainingSummary { n_rows: 10, n_positive: 3, n_features: 4, imputed: vec![("age".into(), 2)] };
/// assert_eq!(s.n_rows - s.n_positive, 7);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Training rows.
    pub n_rows: usize,
    /// Rows of the positive class.
    pub n_positive: usize,
    /// Features after preprocessing.
    pub n_features: usize,
    /// Input columns with missing values in training, and how many were imputed.
    pub imputed: Vec<(String, usize)>,
}

/// A trained propensity model: the fitted preprocessing pipeline and the
/// classifier, scoring any table that has the training columns.
///
/// ```
/// use ua_analytics::prediction::{FittedPropensityModel, PropensityConfig};
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("spend".into(), Column::numeric_opt(vec![Some(1.0), None, Some(9.0), Some(8.0), Some(2.0), Some(7.0)])),
///     ("churn".into(), Column::categorical(&["yes", "yes", "no", "no", "yes", "no"])),
/// ]).unwrap();
/// let model = PropensityConfig::new("churn").fit(&t).unwrap();
/// assert_eq!(model.summary().imputed, vec![("spend".to_string(), 1)]);
/// let path = std::env::temp_dir().join("ua_propensity_doc.json");
/// model.save(&path).unwrap();
/// let back = FittedPropensityModel::load(&path).unwrap();
/// assert_eq!(back.score(&t).unwrap(), model.score(&t).unwrap());
/// # std::fs::remove_file(&path).ok();
/// ```
#[derive(Debug)]
pub struct FittedPropensityModel {
    pub(super) config: PropensityConfig,
    pub(super) pipeline: FittedColumnTransformer,
    pub(super) classifier: FittedClassifier,
    pub(super) summary: TrainingSummary,
}

impl PropensityConfig {
    /// Predict `target` with the default logistic regression, every other
    /// column a feature.
    ///
    /// ```
    /// let cfg = ua_analytics::prediction::PropensityConfig::new("churned");
    /// assert!(cfg.positive.is_none() && cfg.drop.is_empty());
    /// ```
    pub fn new(target: impl Into<String>) -> Self {
        PropensityConfig {
            target: target.into(),
            positive: None,
            drop: Vec::new(),
            model: ModelKind::default(),
        }
    }

    /// Sets the positive value of the target.
    ///
    /// ```
    /// let cfg = ua_analytics::prediction::PropensityConfig::new("plan").positive("gold");
    /// assert_eq!(cfg.positive.as_deref(), Some("gold"));
    /// ```
    pub fn positive(mut self, value: impl Into<String>) -> Self {
        self.positive = Some(value.into());
        self
    }

    /// Sets the columns to leave out.
    ///
    /// ```
    /// let cfg = ua_analytics::prediction::PropensityConfig::new("y").drop(&["id"]);
    /// assert_eq!(cfg.drop, ["id"]);
    /// ```
    pub fn drop(mut self, columns: &[&str]) -> Self {
        self.drop = columns.iter().map(|&c| c.to_owned()).collect();
        self
    }

    /// Sets the classifier.
    ///
    /// ```
    /// use ua_analytics::prediction::{LogisticRegression, ModelKind, PropensityConfig};
    /// let cfg = PropensityConfig::new("y").model(ModelKind::Logistic(LogisticRegression::new().c(0.1)));
    /// assert!(matches!(cfg.model, ModelKind::Logistic(ref m) if m.c == 0.1));
    /// ```
    pub fn model(mut self, model: ModelKind) -> Self {
        self.model = model;
        self
    }

    /// The 0/1 labels of `table`'s target column under this config's rules.
    ///
    /// Errors, naming the column, row or value: no target column, a missing
    /// target value, a date target, a value that is not a recognised 0/1
    /// value (without `positive`), a `positive` value that never occurs,
    /// and a target with one class only.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("plan".into(), Column::categorical(&["free", "gold", "free"]))]).unwrap();
    /// assert_eq!(PropensityConfig::new("plan").positive("gold").labels(&t).unwrap(), [0, 1, 0]);
    /// let err = PropensityConfig::new("plan").positive("platinum").labels(&t).unwrap_err();
    /// assert!(err.to_string().contains("\"platinum\" never occurs"), "{err}");
    /// ```
    pub fn labels(&self, table: &Table) -> Result<Vec<u8>> {
        const OP: &str = "PropensityConfig::labels";
        let name = self.target.as_str();
        let col = table.column(name).map_err(|_| {
            invalid(
                OP,
                format!(
                    "target column `{name}` is not in the table; columns: {}",
                    table.column_names().join(", ")
                ),
            )
        })?;
        if let Some(first) = (0..col.len()).find(|&i| col.is_missing(i)) {
            return Err(invalid(
                OP,
                format!(
                    "target column `{name}` has {} missing value(s), first at row {first}; \
                     drop those rows before fitting",
                    col.missing_count()
                ),
            ));
        }
        let y = match (col, self.positive.as_deref()) {
            (Column::Boolean(c), positive) => {
                let want = match positive {
                    None => true,
                    Some(p) => parse_bool(p).ok_or_else(|| {
                        invalid(
                            OP,
                            format!("target column `{name}` is boolean; positive value {p:?} is not true/false"),
                        )
                    })?,
                };
                c.values()
                    .iter()
                    .map(|v| u8::from(*v == Some(want)))
                    .collect()
            }
            (Column::Numeric(c), None) => c
                .values()
                .iter()
                .enumerate()
                .map(|(row, &v)| match v {
                    0.0 => Ok(0),
                    1.0 => Ok(1),
                    _ => Err(invalid(
                        OP,
                        format!(
                            "target column `{name}`, row {row}: value {v} is not 0 or 1; \
                             set `positive` to the value that counts as positive"
                        ),
                    )),
                })
                .collect::<Result<Vec<u8>>>()?,
            (Column::Numeric(c), Some(p)) => {
                let want: f64 = p.trim().parse().map_err(|_| {
                    invalid(OP, format!("target column `{name}` is numeric; positive value {p:?} is not a number"))
                })?;
                c.values().iter().map(|&v| u8::from(v == want)).collect()
            }
            (Column::Categorical(c), None) => {
                let level_class: Vec<Option<u8>> = c
                    .levels()
                    .iter()
                    .map(|l| parse_bool(l).map(u8::from))
                    .collect();
                c.codes()
                    .iter()
                    .enumerate()
                    .map(|(row, &k)| {
                        level_class.get(k as usize).copied().flatten().ok_or_else(|| {
                            invalid(
                                OP,
                                format!(
                                    "target column `{name}`, row {row}: value {:?} is not a yes/no value; \
                                     set `positive` to the value that counts as positive",
                                    c.get(row).unwrap_or("")
                                ),
                            )
                        })
                    })
                    .collect::<Result<Vec<u8>>>()?
            }
            (Column::Categorical(c), Some(p)) => match c.level_code(p) {
                Some(code) => c.codes().iter().map(|&k| u8::from(k == code)).collect(),
                None => vec![0; c.len()],
            },
            (Column::Date(_), _) => {
                return Err(invalid(
                    OP,
                    format!(
                        "target column `{name}` holds dates; a target must be boolean, numeric or categorical"
                    ),
                ));
            }
        };
        let n_pos = y.iter().filter(|&&v| v == 1).count();
        if let Some(p) = &self.positive
            && n_pos == 0
        {
            return Err(invalid(
                OP,
                format!(
                    "positive value {p:?} never occurs in target column `{name}` (values: {})",
                    distinct_values(col, 10)
                ),
            ));
        }
        if n_pos == 0 || n_pos == y.len() {
            return Err(Error::Undefined {
                op: OP,
                message: format!(
                    "target column `{name}` has one class only: all {} rows are {}",
                    y.len(),
                    if n_pos == 0 { "negative" } else { "positive" }
                ),
            });
        }
        Ok(y)
    }

    /// Fits the pipeline and the classifier on `table`.
    ///
    /// Errors: every error of [`labels`](Self::labels); a `drop` column that
    /// does not exist; no feature column left; a feature column that is
    /// entirely missing, holds NaN/∞, or would give clashing feature names
    /// (each naming the column); bad classifier settings.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("age".into(), Column::numeric_opt(vec![None, None, None])),
    ///     ("y".into(), Column::numeric(vec![0.0, 1.0, 1.0])),
    /// ]).unwrap();
    /// let err = PropensityConfig::new("y").fit(&t).unwrap_err();
    /// assert!(err.to_string().contains("`age`"), "{err}");
    /// ```
    pub fn fit(&self, table: &Table) -> Result<FittedPropensityModel> {
        let y = self.labels(table)?;
        let drop: Vec<&str> = self.drop.iter().map(String::as_str).collect();
        let spec = ColumnTransformer::auto(table, Some(&self.target), &drop)?;
        if spec.columns().is_empty() {
            return Err(invalid(
                "PropensityConfig::fit",
                format!(
                    "no feature column left after removing the target `{}` and dropped columns {:?}",
                    self.target, self.drop
                ),
            ));
        }
        let pipeline = spec.fit(table)?;
        let (x, report) = pipeline.transform_with_report(table)?;
        let classifier = match &self.model {
            ModelKind::Logistic(m) => FittedClassifier::Logistic(m.fit(x.view(), &y)?),
            ModelKind::Mlp(m) => FittedClassifier::Mlp(Box::new(m.fit(x.view(), &y)?)),
        };
        let summary = TrainingSummary {
            n_rows: y.len(),
            n_positive: y.iter().filter(|&&v| v == 1).count(),
            n_features: pipeline.n_features(),
            imputed: report
                .columns
                .iter()
                .filter(|c| c.imputed > 0)
                .map(|c| (c.column.clone(), c.imputed))
                .collect(),
        };
        Ok(FittedPropensityModel {
            config: self.clone(),
            pipeline,
            classifier,
            summary,
        })
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// Up to `max` distinct values of a column, for messages.
fn distinct_values(col: &Column, max: usize) -> String {
    let mut seen: Vec<String> = Vec::new();
    for i in 0..col.len() {
        let v = col.get(i).to_string();
        if !seen.contains(&v) {
            if seen.len() == max {
                seen.push("...".into());
                break;
            }
            seen.push(v);
        }
    }
    seen.join(", ")
}

impl FittedPropensityModel {
    /// P(positive) for every row of `table`, which must have every input
    /// column the model was trained on (extra columns, including the target,
    /// are ignored). Missing values get the training fill values and unseen
    /// categories encode as all zeros.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![0.0, 1.0, 2.0, 3.0])),
    ///     ("y".into(), Column::boolean(vec![false, true, false, true])),
    /// ]).unwrap();
    /// let model = PropensityConfig::new("y").fit(&t).unwrap();
    /// let other = Table::new(vec![("z".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// let err = model.score(&other).unwrap_err().to_string();
    /// assert!(err.contains("column `x`"), "{err}");
    /// ```
    pub fn score(&self, table: &Table) -> Result<Array1<f32>> {
        self.score_with_report(table).map(|(p, _)| p)
    }

    /// [`score`](Self::score) plus what the pipeline did per column
    /// (imputed values, unseen categories).
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("c".into(), Column::categorical(&["a", "b", "a", "b"])),
    ///     ("y".into(), Column::numeric(vec![0.0, 1.0, 0.0, 1.0])),
    /// ]).unwrap();
    /// let model = PropensityConfig::new("y").fit(&t).unwrap();
    /// let new = Table::new(vec![("c".into(), Column::categorical_opt(&[Some("zzz"), None]))]).unwrap();
    /// let (p, report) = model.score_with_report(&new).unwrap();
    /// assert_eq!(p.len(), 2);
    /// assert_eq!(report.column("c").unwrap().unknown_categories, 1);
    /// ```
    pub fn score_with_report(&self, table: &Table) -> Result<(Array1<f32>, TransformReport)> {
        for name in self.pipeline.input_columns() {
            if !table.has_column(name) {
                return Err(invalid(
                    "FittedPropensityModel::score",
                    format!(
                        "the table has no column `{name}`, which the model was trained on \
                         (it needs: {})",
                        self.pipeline.input_columns().join(", ")
                    ),
                ));
            }
        }
        let (x, report) = self.pipeline.transform_with_report(table)?;
        Ok((self.classifier.predict_proba(x.view())?, report))
    }

    /// Hard 0/1 predictions at `threshold` on the score.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![0.0, 1.0, 5.0, 6.0])),
    ///     ("y".into(), Column::numeric(vec![0.0, 0.0, 1.0, 1.0])),
    /// ]).unwrap();
    /// let model = PropensityConfig::new("y").fit(&t).unwrap();
    /// assert_eq!(model.predict(&t, 0.5).unwrap().to_vec(), vec![0, 0, 1, 1]);
    /// ```
    pub fn predict(&self, table: &Table, threshold: f32) -> Result<Array1<u8>> {
        Ok(self.score(table)?.mapv(|p| u8::from(p >= threshold)))
    }

    /// The 0/1 labels of a table's target column, by the training rules.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![0.0, 1.0])),
    ///     ("y".into(), Column::categorical(&["No", "Yes"])),
    /// ]).unwrap();
    /// let model = PropensityConfig::new("y").fit(&t).unwrap();
    /// assert_eq!(model.labels(&t).unwrap(), [0, 1]);
    /// ```
    pub fn labels(&self, table: &Table) -> Result<Vec<u8>> {
        self.config.labels(table)
    }

    /// One name per feature the classifier sees (`column`, `column=level`,
    /// `column.part`).
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("c".into(), Column::categorical(&["a", "b"])),
    ///     ("y".into(), Column::boolean(vec![false, true])),
    /// ]).unwrap();
    /// assert_eq!(PropensityConfig::new("y").fit(&t).unwrap().feature_names(), &["c=a", "c=b"]);
    /// ```
    pub fn feature_names(&self) -> &[String] {
        self.pipeline.feature_names()
    }

    /// The table columns the model reads.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("id".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("y".into(), Column::boolean(vec![false, true])),
    /// ]).unwrap();
    /// let m = PropensityConfig::new("y").drop(&["id"]).fit(&t).unwrap();
    /// assert_eq!(m.input_columns(), vec!["x"]);
    /// ```
    pub fn input_columns(&self) -> Vec<&str> {
        self.pipeline.input_columns()
    }

    /// The configuration the model was trained with.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("y".into(), Column::boolean(vec![false, true])),
    /// ]).unwrap();
    /// assert_eq!(PropensityConfig::new("y").fit(&t).unwrap().config().target, "y");
    /// ```
    pub fn config(&self) -> &PropensityConfig {
        &self.config
    }

    /// The fitted preprocessing pipeline.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("y".into(), Column::boolean(vec![false, true])),
    /// ]).unwrap();
    /// assert_eq!(PropensityConfig::new("y").fit(&t).unwrap().pipeline().n_features(), 1);
    /// ```
    pub fn pipeline(&self) -> &FittedColumnTransformer {
        &self.pipeline
    }

    /// The fitted classifier (e.g. for the logistic coefficients).
    ///
    /// ```
    /// use ua_analytics::prediction::{FittedClassifier, PropensityConfig};
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0, 3.0, 4.0])),
    ///     ("y".into(), Column::boolean(vec![false, false, true, true])),
    /// ]).unwrap();
    /// let m = PropensityConfig::new("y").fit(&t).unwrap();
    /// let FittedClassifier::Logistic(lr) = m.classifier() else { panic!() };
    /// assert!(lr.coef()[0] > 0.0);
    /// ```
    pub fn classifier(&self) -> &FittedClassifier {
        &self.classifier
    }

    /// Rows, positives, features and imputed values of the training table.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0, 3.0])),
    ///     ("y".into(), Column::boolean(vec![false, true, true])),
    /// ]).unwrap();
    /// let s = PropensityConfig::new("y").fit(&t).unwrap().summary().clone();
    /// assert_eq!((s.n_rows, s.n_positive, s.n_features), (3, 2, 1));
    /// ```
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// The model as a JSON envelope `{format, format_version, config,
    /// summary, pipeline, classifier}`.
    ///
    /// ```
    /// use ua_analytics::prediction::{FittedPropensityModel, PropensityConfig};
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("y".into(), Column::boolean(vec![false, true])),
    /// ]).unwrap();
    /// let json = PropensityConfig::new("y").fit(&t).unwrap().to_json().unwrap();
    /// assert!(json.contains("\"format_version\":1"));
    /// assert!(FittedPropensityModel::from_json(&json).is_ok());
    /// ```
    pub fn to_json(&self) -> Result<String> {
        let file = FileRef {
            format: FORMAT,
            format_version: FORMAT_VERSION,
            config: &self.config,
            summary: &self.summary,
            pipeline: &self.pipeline,
            classifier: &self.classifier,
        };
        serde_json::to_string(&file).map_err(|e| {
            invalid(
                "FittedPropensityModel::save",
                format!("cannot serialise: {e}"),
            )
        })
    }

    /// Reads a model from [`to_json`](Self::to_json)'s output, checking the
    /// format and version.
    ///
    /// ```
    /// use ua_analytics::prediction::FittedPropensityModel;
    /// let err = FittedPropensityModel::from_json(r#"{"format":"x","format_version":1}"#).unwrap_err();
    /// assert!(err.to_string().contains("not a propensity model"), "{err}");
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        const OP: &str = "FittedPropensityModel::load";
        let head: Header = serde_json::from_str(json)
            .map_err(|e| invalid(OP, format!("not a valid model file: {e}")))?;
        if head.format != FORMAT {
            return Err(invalid(
                OP,
                format!(
                    "not a propensity model (format is {:?}, expected {FORMAT:?})",
                    head.format
                ),
            ));
        }
        if head.format_version != FORMAT_VERSION {
            return Err(invalid(
                OP,
                format!(
                    "format version {} is not supported (this build reads {FORMAT_VERSION})",
                    head.format_version
                ),
            ));
        }
        let file: File = serde_json::from_str(json)
            .map_err(|e| invalid(OP, format!("corrupt model file: {e}")))?;
        if file.classifier.n_features() != file.pipeline.n_features() {
            return Err(invalid(
                OP,
                format!(
                    "corrupt model file: the pipeline makes {} features, the classifier takes {}",
                    file.pipeline.n_features(),
                    file.classifier.n_features()
                ),
            ));
        }
        Ok(FittedPropensityModel {
            config: file.config,
            pipeline: file.pipeline,
            classifier: file.classifier,
            summary: file.summary,
        })
    }

    /// Writes the model to `path` as one JSON file.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("x".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("y".into(), Column::boolean(vec![false, true])),
    /// ]).unwrap();
    /// let m = PropensityConfig::new("y").fit(&t).unwrap();
    /// assert!(m.save("/nonexistent-dir/model.json").unwrap_err().to_string().contains("/nonexistent-dir/model.json"));
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let json = self.to_json()?;
        std::fs::write(path, json).map_err(|source| io_error(path, source))
    }

    /// Reads a model written by [`save`](Self::save).
    ///
    /// ```
    /// use ua_analytics::prediction::FittedPropensityModel;
    /// assert!(FittedPropensityModel::load("/nonexistent/model.json").is_err());
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| io_error(path, source))?;
        Self::from_json(&json).map_err(|e| match e {
            Error::InvalidArgument { op, message } => Error::InvalidArgument {
                op,
                message: format!("{}: {message}", path.display()),
            },
            other => other,
        })
    }
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Data(ua_data::Error::Io {
        path: path.display().to_string(),
        source,
    })
}

#[derive(Serialize)]
struct FileRef<'a> {
    format: &'a str,
    format_version: u32,
    config: &'a PropensityConfig,
    summary: &'a TrainingSummary,
    pipeline: &'a FittedColumnTransformer,
    classifier: &'a FittedClassifier,
}

#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u32,
}

#[derive(Deserialize)]
struct File {
    config: PropensityConfig,
    summary: TrainingSummary,
    pipeline: FittedColumnTransformer,
    classifier: FittedClassifier,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn label_rules() {
        let cfg = PropensityConfig::new("t");
        let t = table(vec![("t", Column::numeric(vec![0.0, 1.0, 1.0]))]);
        assert_eq!(cfg.labels(&t).unwrap(), [0, 1, 1]);
        let t = table(vec![("t", Column::numeric(vec![0.0, 2.0]))]);
        let err = cfg.labels(&t).unwrap_err().to_string();
        assert!(err.contains("row 1: value 2"), "{err}");
        assert_eq!(cfg.clone().positive("2").labels(&t).unwrap(), [0, 1]);
        let t = table(vec![("t", Column::categorical(&["Yes", "no", "TRUE"]))]);
        assert_eq!(cfg.labels(&t).unwrap(), [1, 0, 1]);
        let t = table(vec![("t", Column::categorical(&["gold", "free"]))]);
        let err = cfg.labels(&t).unwrap_err().to_string();
        assert!(err.contains("row 0: value \"gold\""), "{err}");
        let t = table(vec![("t", Column::boolean(vec![true, false]))]);
        assert_eq!(cfg.clone().positive("false").labels(&t).unwrap(), [0, 1]);
        let t = table(vec![("t", Column::boolean_opt(vec![Some(true), None]))]);
        let err = cfg.labels(&t).unwrap_err().to_string();
        assert!(err.contains("first at row 1"), "{err}");
        let t = table(vec![("t", Column::numeric(vec![1.0, 1.0]))]);
        let err = cfg.labels(&t).unwrap_err().to_string();
        assert!(
            err.contains("one class only: all 2 rows are positive"),
            "{err}"
        );
        let err = PropensityConfig::new("nope")
            .labels(&t)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("target column `nope` is not in the table"),
            "{err}"
        );
        let err = cfg
            .clone()
            .positive("7")
            .labels(&t)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"7\" never occurs in target column `t` (values: 1)"),
            "{err}"
        );
    }

    #[test]
    fn version_and_corruption_are_checked() {
        let t = table(vec![
            ("x", Column::numeric(vec![0.0, 1.0, 2.0, 3.0])),
            ("y", Column::boolean(vec![false, true, false, true])),
        ]);
        let m = PropensityConfig::new("y").fit(&t).unwrap();
        let json = m.to_json().unwrap();
        let err = FittedPropensityModel::from_json(&json.replacen(
            "\"format_version\":1,",
            "\"format_version\":99,",
            1,
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("format version 99"), "{err}");
        assert!(FittedPropensityModel::from_json("{").is_err());
        assert!(FittedPropensityModel::from_json(&json[..json.len() / 2]).is_err());
    }
}
