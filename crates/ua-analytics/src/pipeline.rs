//! [`Pipeline`]: any table preprocessor feeding any classifier, fitted,
//! evaluated, saved and served as one object.
//!
//! ```text
//! Table ─► (drop id/excluded columns) ─► preprocessor (fitted on training rows) ─► Table of numbers ─► Array2<f32> ─► classifier ─► P(y = 1)
//! ```
//!
//! The preprocessor is any [`ua_data::Transformer`] — the
//! [`ColumnTransformer`](ua_data::pipeline::ColumnTransformer) with its
//! imputers, scalers and encoders, or a step of your own — and the
//! classifier any [`Classifier`] on a feature matrix. A [`Pipeline`] is
//! itself a `Classifier<Table>`, so [`cross_validate`](crate::selection::cross_validate)
//! and [`grid_search`](crate::selection::grid_search) refit the
//! preprocessing inside every training fold, and its fitted form is a
//! `Predictor<&Table>`.
//!
//! What is learned on the training rows (fill values, category levels,
//! scaler statistics) is what transforms every table scored later; the
//! fitted preprocessor and model are saved together in one file through the
//! common envelope, and the loaded pipeline scores identically.
//!
//! An optional id column is kept out of the features and returned with the
//! scores, so they can be joined back to the users they belong to.
//!
//! The same pipeline with an unsupervised risk model (a
//! [`Detector`](crate::Detector), e.g. the isolation forest) in place of the
//! classifier fits without labels: [`Pipeline::fit_unsupervised`] gives a
//! [`FittedDetectorPipeline`], a `RiskScorer<&Table>` saved as one file.
//!
//! ```
//! use ua_analytics::pipeline::Pipeline;
//! use ua_analytics::prediction::LogisticRegression;
//! use ua_analytics::Predictor;
//! use ua_data::pipeline::ColumnTransformer;
//! use ua_data::{Column, Table};
//! use ua_tensor::persist::Persist;
//!
//! let n = 200;
//! let visits: Vec<f64> = (0..n).map(|i| (i % 20) as f64).collect();
//! let ids: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
//! let users = Table::new(vec![
//!     ("user_id".into(), Column::categorical(&ids)),
//!     ("visits".into(), Column::numeric(visits)),
//! ]).unwrap();
//! let bought: Vec<u8> = (0..n).map(|i| u8::from(i % 20 >= 10)).collect();
//!
//! let prep = ColumnTransformer::auto(&users, None, &["user_id"]).unwrap();
//! let pipe = Pipeline::new(prep, LogisticRegression::new()).id_column("user_id");
//! let model = pipe.fit(&users, &bought).unwrap();
//! assert_eq!(model.feature_names(), &["visits"]);
//!
//! let scored = model.score_table(&users.head(3), "p_buy").unwrap();
//! assert_eq!(scored.column_names(), ["user_id", "p_buy"]);
//!
//! let json = model.to_json().unwrap();
//! let back = ua_analytics::pipeline::FittedPipeline::from_json(&json).unwrap();
//! assert_eq!(back.predict_proba(&users).unwrap(), model.predict_proba(&users).unwrap());
//! # let _: &ua_analytics::pipeline::FittedPipeline<ColumnTransformer, LogisticRegression> = &back;
//! ```

use std::borrow::Cow;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_data::{Column, Table, Transform, Transformer};
use ua_tensor::check::max_abs_for_squares;
use ua_tensor::persist::Persist;

use crate::error::parameter;
use crate::{Classifier, Detector, Error, Predictor, Result, RiskScorer};

/// The bounds a preprocessor of a [`Pipeline`] meets: a table transformer
/// whose fitted step can be saved. Implemented for every such type.
pub trait Preprocessor:
    Transformer<Fitted = Self::Step> + Clone + std::fmt::Debug + Send + Sync
{
    /// The fitted step.
    type Step: Transform + Persist + std::fmt::Debug + Send + Sync;
}

impl<P> Preprocessor for P
where
    P: Transformer + Clone + std::fmt::Debug + Send + Sync,
    P::Fitted: Persist + std::fmt::Debug + Send + Sync,
{
    type Step = P::Fitted;
}

/// The parameters of a pipeline: a preprocessor, a classifier, and which
/// columns stay out of the features.
///
/// ```
/// use ua_analytics::pipeline::Pipeline;
/// use ua_analytics::prediction::LogisticRegression;
/// use ua_data::pipeline::ColumnTransformer;
/// let p = Pipeline::new(ColumnTransformer::new(), LogisticRegression::new())
///     .id_column("user_id")
///     .exclude(&["signup_channel"]);
/// assert_eq!(p.excluded(), ["user_id", "signup_channel"]);
/// ```
#[derive(Debug, Clone)]
pub struct Pipeline<P, C> {
    /// The table preprocessor.
    pub preprocessor: P,
    /// The classifier on the preprocessed features.
    pub classifier: C,
    columns: ColumnRoles,
}

/// Which columns of a table stay out of the features.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnRoles {
    /// The column that identifies rows, returned with the scores.
    pub id_column: Option<String>,
    /// Columns removed before preprocessing.
    pub exclude: Vec<String>,
}

impl ColumnRoles {
    /// The id column, then the excluded ones.
    fn excluded(&self) -> Vec<&str> {
        self.id_column
            .iter()
            .chain(&self.exclude)
            .map(String::as_str)
            .collect()
    }

    /// `table` without the columns that stay out of the preprocessing (the
    /// excluded ones, and the id column unless the preprocessor reads it
    /// itself: `id_to_preprocessor`); borrowed, not copied, when it has
    /// none of them.
    fn preprocessor_input<'t>(
        &self,
        table: &'t Table,
        id_to_preprocessor: bool,
    ) -> Result<Cow<'t, Table>> {
        let id = self.id_column.as_deref().filter(|_| !id_to_preprocessor);
        let present: Vec<&str> = id
            .into_iter()
            .chain(self.exclude.iter().map(String::as_str))
            .filter(|c| table.has_column(c))
            .collect();
        Ok(if present.is_empty() {
            Cow::Borrowed(table)
        } else {
            Cow::Owned(table.drop_columns(&present)?)
        })
    }

    /// The preprocessed table without the id column a preprocessor that
    /// reads it returns with its output: the id is never a feature.
    fn without_id(&self, features: Table) -> Result<Table> {
        match &self.id_column {
            Some(id) if features.has_column(id) => Ok(features.drop_columns(&[id.as_str()])?),
            _ => Ok(features),
        }
    }
}

/// What a fitted pipeline keeps of its parameters (the fitted preprocessor
/// holds the rest): the classifier's parameters and the column roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineParams<C> {
    /// The classifier's parameters.
    pub classifier: C,
    /// The id and excluded columns.
    pub columns: ColumnRoles,
}

impl<P, C> Pipeline<P, C> {
    /// `preprocessor` then `classifier`.
    pub fn new(preprocessor: P, classifier: C) -> Self {
        Pipeline {
            preprocessor,
            classifier,
            columns: ColumnRoles::default(),
        }
    }

    /// A column that identifies rows (a user id): kept out of the features
    /// and returned with the scores by [`FittedPipeline::score_table`].
    /// Naming it on the preprocessor instead (a `ColumnTransformer`'s
    /// `id_column`, see [`Transformer::id_column`]) does the same; naming two
    /// different columns is an error at fit.
    pub fn id_column(mut self, name: impl Into<String>) -> Self {
        self.columns.id_column = Some(name.into());
        self
    }

    /// Columns removed before preprocessing (the target, columns that leak
    /// it, free text). Columns not in a table are ignored.
    pub fn exclude(mut self, columns: &[&str]) -> Self {
        self.columns
            .exclude
            .extend(columns.iter().map(|c| (*c).to_owned()));
        self
    }

    /// Every column kept out of the features: the id column, then the
    /// excluded ones.
    pub fn excluded(&self) -> Vec<&str> {
        self.columns.excluded()
    }
}

/// What a pipeline was fitted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Training rows.
    pub n_rows: usize,
    /// Rows of the positive class.
    pub n_positive: usize,
    /// Input columns the preprocessor read.
    pub input_columns: Vec<String>,
}

/// A fitted [`Pipeline`]: the fitted preprocessor, the fitted model, the
/// feature names, and the parameters it was fitted with. Scores any table
/// with the training columns through `&self`.
#[derive(Serialize, Deserialize)]
#[serde(bound(
    serialize = "P: Preprocessor, C: Classifier",
    deserialize = "P: Preprocessor, C: Classifier"
))]
pub struct FittedPipeline<P: Preprocessor, C: Classifier> {
    params: PipelineParams<C::Params>,
    preprocessor: P::Step,
    model: C::Fitted,
    feature_names: Vec<String>,
    summary: TrainingSummary,
}

impl<P: Preprocessor, C: Classifier> std::fmt::Debug for FittedPipeline<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedPipeline")
            .field("params", &self.params)
            .field("preprocessor", &self.preprocessor)
            .field("model", &self.model)
            .field("feature_names", &self.feature_names)
            .field("summary", &self.summary)
            .finish()
    }
}

/// The features of a preprocessed table: every column numeric (or boolean,
/// as 0/1) with no missing value, as an `f32` matrix.
///
/// ```
/// use ua_analytics::pipeline::feature_matrix;
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("a".into(), Column::numeric(vec![1.0, 2.0])),
///     ("b".into(), Column::boolean(vec![true, false])),
/// ]).unwrap();
/// assert_eq!(feature_matrix(&t).unwrap(), ndarray::array![[1.0f32, 1.0], [2.0, 0.0]]);
/// let text = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
/// assert!(feature_matrix(&text).unwrap_err().to_string().contains("encoder"));
/// ```
pub fn feature_matrix(table: &Table) -> Result<Array2<f32>> {
    const OP: &str = "pipeline features";
    let (n, p) = (table.n_rows(), table.n_cols());
    let mut x = Array2::<f32>::zeros((n, p));
    for (j, (name, column)) in table.columns().enumerate() {
        let missing = |count: usize| Error::InvalidArgument {
            op: OP,
            message: format!(
                "column `{name}` still has {count} missing value(s) after preprocessing; add an imputer for it"
            ),
        };
        match column {
            Column::Numeric(c) => {
                if c.missing_count() > 0 {
                    return Err(missing(c.missing_count()));
                }
                for (i, &v) in c.values().iter().enumerate() {
                    let v32 = v as f32;
                    if !v32.is_finite() {
                        return Err(Error::InvalidArgument {
                            op: OP,
                            message: format!(
                                "column `{name}`, row {i}: value {v:e} is not a finite f32 after preprocessing"
                            ),
                        });
                    }
                    x[[i, j]] = v32;
                }
            }
            Column::Boolean(c) => {
                if c.missing_count() > 0 {
                    return Err(missing(c.missing_count()));
                }
                for (i, v) in c.values().iter().enumerate() {
                    x[[i, j]] = f32::from(u8::from(v == &Some(true)));
                }
            }
            other => {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: format!(
                        "column `{name}` is {} after preprocessing; add an encoder or date-part step for it",
                        other.dtype().name()
                    ),
                });
            }
        }
    }
    Ok(x)
}

/// Refuses a numeric input value beyond the `f32` range the models compute
/// in (|v| > 3.4e38, e.g. a planted 1e308), naming the column, the place
/// ([`Table::locate`]: the file line of a table read from CSV, else the
/// 1-based row) and the value — before preprocessing, where such a
/// value would overflow a scaler's mean and be reported, at a wrong row, as
/// an infinity.
fn check_input_range(op: &'static str, table: &Table) -> Result<()> {
    for (name, column) in table.columns() {
        if let Column::Numeric(c) = column {
            let values = c.values();
            if let Some((i, v)) = values
                .iter()
                .enumerate()
                .find(|(_, v)| v.is_finite() && v.abs() > f64::from(f32::MAX))
            {
                return Err(Error::InvalidArgument {
                    op,
                    message: format!(
                        "column `{name}`, {}: value {v:e} is beyond the range the models \
                         compute in (±{:e}); rescale the column or remove the row",
                        table.locate(i),
                        f32::MAX
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The largest |feature| the classifiers accept: the square of a feature,
/// summed over the `d` columns, must stay within `f32` (about
/// `6.5e18 / √d`, see [`max_abs_for_squares`]). They score in `f32` (the
/// logistic log-odds `x·w`, the network's layers) and the network squares
/// its gradients (Adam); beyond this products overflow to ±inf and training
/// or scoring silently gives NaN.
pub(crate) fn max_feature_abs(d: usize) -> f64 {
    max_abs_for_squares::<f32>(d, 1)
}

/// Refuses a finite feature value too large for the classifiers
/// ([`max_feature_abs`]), naming its column — by `names` when given, else
/// the 0-based index — its row (located in `rows`, the table `x` was made
/// from, when given: its file line; else the 0-based row), the value and
/// the limit, and saying how to fix it.
pub(crate) fn check_feature_range(
    op: &'static str,
    x: &ArrayView2<'_, f32>,
    names: Option<&[String]>,
    rows: Option<&ua_data::Table>,
) -> Result<()> {
    let limit = max_feature_abs(x.ncols());
    for (i, row) in x.rows().into_iter().enumerate() {
        if let Some((j, &v)) = row
            .iter()
            .enumerate()
            .find(|(_, v)| f64::from(v.abs()) > limit)
        {
            let column = match names.and_then(|n| n.get(j)) {
                Some(name) => format!("column `{name}`"),
                None => format!("column {j} (0-based)"),
            };
            let at = match rows {
                Some(t) if t.n_rows() == x.nrows() => t.locate(i),
                _ => format!("row {i} (0-based)"),
            };
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "{column} holds {v:e} at {at}, beyond ±{limit:.2e}: products of \
                     values this large overflow f32 in training and scoring; standardise the \
                     column (StandardScaler, or fit through a Pipeline) or divide it by a power \
                     of ten"
                ),
            });
        }
    }
    Ok(())
}

/// What fitting a pipeline's preprocessing on a table gives: the fitted
/// step, the training features, and what scoring needs to repeat it.
struct Prepared<S> {
    step: S,
    x: Array2<f32>,
    feature_names: Vec<String>,
    roles: ColumnRoles,
    input_columns: Vec<String>,
}

impl<P: Preprocessor, C> Pipeline<P, C> {
    /// The column roles with the id column named in one place: the
    /// pipeline's own, or else the preprocessor's
    /// ([`Transformer::id_column`]). Both named and different is an error.
    fn resolved_roles(&self, op: &'static str) -> Result<ColumnRoles> {
        let own = self.columns.id_column.as_deref();
        let inner = self.preprocessor.id_column();
        if let (Some(a), Some(b)) = (own, inner)
            && a != b
        {
            return Err(parameter(
                op,
                "id_column",
                format!(
                    "the pipeline's id column is `{a}` but its preprocessor's is `{b}`; \
                     name the id column in one place"
                ),
            ));
        }
        Ok(ColumnRoles {
            id_column: own.or(inner).map(str::to_owned),
            exclude: self.columns.exclude.clone(),
        })
    }

    /// Checks the id column, fits the preprocessor on `table` (without the
    /// excluded columns) and makes the training feature matrix.
    fn prepare(&self, op: &'static str, table: &Table) -> Result<Prepared<P::Step>> {
        let roles = self.resolved_roles(op)?;
        if let Some(id) = &roles.id_column
            && !table.has_column(id)
        {
            return Err(parameter(
                op,
                "id_column",
                format!("column `{id}` is not in the table"),
            ));
        }
        let id_to_preprocessor = self.preprocessor.id_column().is_some();
        let input = roles.preprocessor_input(table, id_to_preprocessor)?;
        check_input_range(op, &input)?;
        let step = self.preprocessor.fit(&input)?;
        let features = roles.without_id(step.transform(&input)?)?;
        let feature_names: Vec<String> = features
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        if feature_names.is_empty() {
            return Err(Error::InvalidArgument {
                op,
                message: "the preprocessor produced no feature column".into(),
            });
        }
        let x = feature_matrix(&features)?;
        // A passed-through column can still hold values too large for the
        // model's f32 products: name it by its feature name and file line.
        check_feature_range(op, &x.view(), Some(&feature_names), Some(&input))?;
        Ok(Prepared {
            step,
            x,
            feature_names,
            roles,
            input_columns: input
                .column_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        })
    }

    /// Fits the preprocessor on `table` (without the excluded columns) and
    /// the unsupervised risk model (a [`Detector`](crate::Detector)) on its
    /// output: no labels. The fitted pipeline scores tables
    /// ([`RiskScorer<&Table>`](crate::RiskScorer)).
    ///
    /// Errors: every error of the preprocessor and the detector.
    ///
    /// ```
    /// use ua_analytics::pipeline::{FittedDetectorPipeline, Pipeline};
    /// use ua_analytics::risk::IsolationForest;
    /// use ua_analytics::RiskScorer;
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// use ua_tensor::persist::Persist;
    ///
    /// let n = 300;
    /// let ids: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    /// let orders: Vec<f64> = (0..n).map(|i| if i == 42 { 60.0 } else { (i % 4) as f64 }).collect();
    /// let t = Table::new(vec![
    ///     ("user_id".into(), Column::categorical(&ids)),
    ///     ("orders_1h".into(), Column::numeric(orders)),
    /// ]).unwrap();
    /// let prep = ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();
    /// let pipe = Pipeline::new(prep, IsolationForest::new()).id_column("user_id");
    /// let model = pipe.fit_unsupervised(&t).unwrap();
    /// let s = model.risk_score(&t).unwrap();
    /// assert!((0..n).all(|i| i == 42 || s[i] < s[42]));
    /// let scored = model.score_table(&t, "risk").unwrap();
    /// assert_eq!(scored.column_names(), ["user_id", "risk"]);
    /// let back = FittedDetectorPipeline::<ColumnTransformer, IsolationForest>::from_json(
    ///     &model.to_json().unwrap()).unwrap();
    /// assert_eq!(back.risk_score(&t).unwrap(), s);
    /// ```
    pub fn fit_unsupervised(&self, table: &Table) -> Result<FittedDetectorPipeline<P, C>>
    where
        C: Detector,
    {
        let prepared = self.prepare("Pipeline::fit_unsupervised", table)?;
        let model = self.classifier.fit(prepared.x.view())?;
        Ok(FittedDetectorPipeline {
            detector: self.classifier.clone(),
            columns: prepared.roles,
            preprocessor: prepared.step,
            model,
            feature_names: prepared.feature_names,
            input_columns: prepared.input_columns,
            n_rows: table.n_rows(),
        })
    }
}

impl<P: Preprocessor, C: Classifier> Pipeline<P, C> {
    /// Fits the preprocessor on `table` (without the excluded columns) and
    /// the classifier on its output with labels `y` (0/1, one per row).
    ///
    /// Errors: labels not one per row, and every error of the preprocessor
    /// and the classifier (each names its column or parameter).
    pub fn fit(&self, table: &Table, y: &[u8]) -> Result<FittedPipeline<P, C>> {
        const OP: &str = "Pipeline::fit";
        if y.len() != table.n_rows() {
            return Err(Error::ShapeMismatch {
                op: OP,
                expected: format!("{} labels (one per row)", table.n_rows()),
                found: format!("{} labels", y.len()),
            });
        }
        let prepared = self.prepare(OP, table)?;
        let model = self.classifier.fit(prepared.x.view(), y)?;
        Ok(FittedPipeline {
            params: PipelineParams {
                classifier: self.classifier.params(),
                columns: prepared.roles,
            },
            preprocessor: prepared.step,
            model,
            feature_names: prepared.feature_names,
            summary: TrainingSummary {
                n_rows: y.len(),
                n_positive: y.iter().filter(|&&v| v == 1).count(),
                input_columns: prepared.input_columns,
            },
        })
    }
}

impl<P: Preprocessor, C: Classifier> Classifier<Table> for Pipeline<P, C> {
    type Params = PipelineParams<C::Params>;
    type Fitted = FittedPipeline<P, C>;
    fn fit(&self, x: &Table, y: &[u8]) -> Result<FittedPipeline<P, C>> {
        Pipeline::fit(self, x, y)
    }
    fn params(&self) -> PipelineParams<C::Params> {
        PipelineParams {
            classifier: self.classifier.params(),
            columns: self.columns.clone(),
        }
    }
    fn params_of(fitted: &FittedPipeline<P, C>) -> PipelineParams<C::Params> {
        fitted.params.clone()
    }
}

impl<P: Preprocessor, C: Classifier> FittedPipeline<P, C> {
    /// The parameters the pipeline was fitted with (the classifier's and
    /// the column roles).
    pub fn params(&self) -> &PipelineParams<C::Params> {
        &self.params
    }
    /// The fitted preprocessor.
    pub fn preprocessor(&self) -> &P::Step {
        &self.preprocessor
    }
    /// The fitted model.
    pub fn model(&self) -> &C::Fitted {
        &self.model
    }
    /// Names of the features the model reads, in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }
    /// What the pipeline was fitted on.
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// `table` restricted to the input columns the preprocessor read at fit
    /// (what [`permutation_importance`](crate::selection::permutation_importance)
    /// should shuffle).
    ///
    /// Errors: an input column missing from `table`.
    pub fn input_table(&self, table: &Table) -> Result<Table> {
        let names: Vec<&str> = self
            .summary
            .input_columns
            .iter()
            .map(String::as_str)
            .collect();
        Ok(table.select(&names)?)
    }

    /// The feature matrix of `table`, exactly as the model sees it.
    pub fn features(&self, table: &Table) -> Result<Array2<f32>> {
        table_features(
            "FittedPipeline::features",
            &self.preprocessor,
            &self.params.columns,
            &self.feature_names,
            &self.summary.input_columns,
            table,
        )
    }

    /// The table's id column (if the pipeline has one) and P(y = 1) as a
    /// column named `score_name`, one row per input row.
    ///
    /// Errors: the id column missing from `table`, and every scoring error.
    pub fn score_table(&self, table: &Table, score_name: &str) -> Result<Table> {
        let p = self.predict_proba(table)?;
        with_ids(
            "FittedPipeline::score_table",
            &self.params.columns,
            table,
            score_name,
            &p,
        )
    }
}

/// The feature matrix of `table` through a fitted preprocessing `step`, as
/// at fit: the same roles, input columns and feature names (else an error).
fn table_features<S: Transform>(
    op: &'static str,
    step: &S,
    roles: &ColumnRoles,
    feature_names: &[String],
    input_columns: &[String],
    table: &Table,
) -> Result<Array2<f32>> {
    let id_to_preprocessor = roles
        .id_column
        .as_ref()
        .is_some_and(|id| input_columns.contains(id));
    let input = roles.preprocessor_input(table, id_to_preprocessor)?;
    check_input_range(op, &input)?;
    let features = roles.without_id(step.transform(&input)?)?;
    let names = features.column_names();
    if names != feature_names {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("features {}", feature_names.join(", ")),
            found: format!("features {}", names.join(", ")),
        });
    }
    let x = feature_matrix(&features)?;
    check_feature_range(op, &x.view(), Some(feature_names), Some(&input))?;
    Ok(x)
}

/// The table's id column (when `roles` name one) and `scores` as a column
/// named `score_name`.
fn with_ids(
    op: &'static str,
    roles: &ColumnRoles,
    table: &Table,
    score_name: &str,
    scores: &Array1<f32>,
) -> Result<Table> {
    let mut columns = Vec::with_capacity(2);
    if let Some(id) = &roles.id_column {
        let col = table.column(id).map_err(|_| {
            parameter(
                op,
                "id_column",
                format!("column `{id}` is not in the table to score"),
            )
        })?;
        columns.push((id.clone(), col.clone()));
    }
    columns.push((
        score_name.to_owned(),
        Column::numeric(scores.iter().map(|&v| f64::from(v)).collect()),
    ));
    Ok(Table::new(columns)?)
}

/// A fitted unsupervised pipeline ([`Pipeline::fit_unsupervised`]): the
/// fitted preprocessor and risk model; scores any table with the training
/// columns through `&self`, higher = riskier. Saves as one file.
#[derive(Serialize, Deserialize)]
#[serde(bound(
    serialize = "P: Preprocessor, D: Detector + Serialize",
    deserialize = "P: Preprocessor, D: Detector + serde::de::DeserializeOwned"
))]
pub struct FittedDetectorPipeline<P: Preprocessor, D: Detector> {
    detector: D,
    columns: ColumnRoles,
    preprocessor: P::Step,
    model: D::Fitted,
    feature_names: Vec<String>,
    input_columns: Vec<String>,
    n_rows: usize,
}

impl<P: Preprocessor, D: Detector> std::fmt::Debug for FittedDetectorPipeline<P, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedDetectorPipeline")
            .field("detector", &self.detector)
            .field("columns", &self.columns)
            .field("preprocessor", &self.preprocessor)
            .field("model", &self.model)
            .field("feature_names", &self.feature_names)
            .field("n_rows", &self.n_rows)
            .finish()
    }
}

impl<P: Preprocessor, D: Detector> FittedDetectorPipeline<P, D> {
    /// The detector's parameters.
    pub fn detector(&self) -> &D {
        &self.detector
    }
    /// The fitted preprocessor.
    pub fn preprocessor(&self) -> &P::Step {
        &self.preprocessor
    }
    /// The fitted risk model.
    pub fn model(&self) -> &D::Fitted {
        &self.model
    }
    /// Names of the features the model reads, in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }
    /// Rows it was fitted on.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }
    /// Which columns stay out of the features: the id column returned with
    /// the scores, and the excluded ones.
    ///
    /// ```
    /// use ua_analytics::pipeline::Pipeline;
    /// use ua_analytics::risk::IsolationForest;
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("user_id".into(), Column::categorical(&["a", "b", "c", "d"])),
    ///     ("orders".into(), Column::numeric(vec![1.0, 2.0, 3.0, 40.0])),
    /// ]).unwrap();
    /// let prep = ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();
    /// let model = Pipeline::new(prep, IsolationForest::new()).id_column("user_id")
    ///     .fit_unsupervised(&t).unwrap();
    /// assert_eq!(model.columns().id_column.as_deref(), Some("user_id"));
    /// assert_eq!(model.input_columns(), ["orders"]);
    /// ```
    pub fn columns(&self) -> &ColumnRoles {
        &self.columns
    }
    /// The columns the preprocessor reads, in the training table's order.
    ///
    /// ```
    /// # use ua_analytics::pipeline::Pipeline;
    /// # use ua_analytics::risk::IsolationForest;
    /// # use ua_data::pipeline::ColumnTransformer;
    /// # use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("a".into(), Column::numeric(vec![1.0, 2.0, 3.0])),
    ///     ("b".into(), Column::numeric(vec![0.0, 2.0, 1.0])),
    /// ]).unwrap();
    /// let prep = ColumnTransformer::auto(&t, None, &[]).unwrap();
    /// let model = Pipeline::new(prep, IsolationForest::new()).fit_unsupervised(&t).unwrap();
    /// assert_eq!(model.input_columns(), ["a", "b"]);
    /// ```
    pub fn input_columns(&self) -> &[String] {
        &self.input_columns
    }
    /// The feature matrix of `table`, exactly as the model sees it.
    pub fn features(&self, table: &Table) -> Result<Array2<f32>> {
        table_features(
            "FittedDetectorPipeline::features",
            &self.preprocessor,
            &self.columns,
            &self.feature_names,
            &self.input_columns,
            table,
        )
    }
    /// The table's id column (if the pipeline has one) and the risk score as
    /// a column named `score_name`.
    pub fn score_table(&self, table: &Table, score_name: &str) -> Result<Table> {
        let s = self.risk_score(table)?;
        with_ids(
            "FittedDetectorPipeline::score_table",
            &self.columns,
            table,
            score_name,
            &s,
        )
    }
}

impl<P: Preprocessor, D: Detector> RiskScorer<&Table> for FittedDetectorPipeline<P, D> {
    fn risk_score(&self, table: &Table) -> Result<Array1<f32>> {
        let x = self.features(table)?;
        self.model.risk_score(x.view())
    }
}

impl<P: Preprocessor, D: Detector + Serialize + serde::de::DeserializeOwned> Persist
    for FittedDetectorPipeline<P, D>
{
    const KIND: &'static str = "ua-analytics/detector-pipeline";

    /// Validates the preprocessor and the model, and checks that the model
    /// reads as many features as the preprocessor makes.
    fn validate(&self) -> std::result::Result<(), String> {
        self.preprocessor
            .validate()
            .map_err(|e| format!("preprocessor: {e}"))?;
        self.model.validate().map_err(|e| format!("model: {e}"))?;
        let probe = Array2::<f32>::zeros((1, self.feature_names.len()));
        self.model
            .risk_score(probe.view())
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "the model does not read the {} features of the preprocessor: {e}",
                    self.feature_names.len()
                )
            })
    }
}

impl<P: Preprocessor, C: Classifier> Predictor<&Table> for FittedPipeline<P, C> {
    fn predict_proba(&self, table: &Table) -> Result<Array1<f32>> {
        let x = self.features(table)?;
        self.model.predict_proba(x.view())
    }
}

impl<P: Preprocessor, C: Classifier> Persist for FittedPipeline<P, C> {
    const KIND: &'static str = "ua-analytics/pipeline";

    /// Validates the preprocessor and the model, and checks that the model
    /// reads as many features as the preprocessor makes.
    fn validate(&self) -> std::result::Result<(), String> {
        self.preprocessor
            .validate()
            .map_err(|e| format!("preprocessor: {e}"))?;
        self.model.validate().map_err(|e| format!("model: {e}"))?;
        let probe = Array2::<f32>::zeros((1, self.feature_names.len()));
        let view: ArrayView2<'_, f32> = probe.view();
        self.model.predict_proba(view).map(|_| ()).map_err(|e| {
            format!(
                "the model does not read the {} features of the preprocessor: {e}",
                self.feature_names.len()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prediction::LogisticRegression;
    use crate::selection::cross_validate;
    use crate::testkit::check_classifier;

    /// A user-written step: centres and scales the numeric columns it names.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Standardize {
        columns: Vec<String>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct FittedStandardize {
        columns: Vec<String>,
        mean: Vec<f64>,
        std: Vec<f64>,
    }

    impl Transformer for Standardize {
        type Fitted = FittedStandardize;
        fn fit(&self, t: &Table) -> ua_data::Result<FittedStandardize> {
            let (mut mean, mut std) = (Vec::new(), Vec::new());
            for c in &self.columns {
                let v = t.numeric(c)?.values();
                let m = v.iter().sum::<f64>() / v.len() as f64;
                let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
                mean.push(m);
                std.push(if s > 0.0 { s } else { 1.0 });
            }
            Ok(FittedStandardize {
                columns: self.columns.clone(),
                mean,
                std,
            })
        }
    }

    impl Transform for FittedStandardize {
        fn transform(&self, t: &Table) -> ua_data::Result<Table> {
            let mut cols = Vec::new();
            for ((c, m), s) in self.columns.iter().zip(&self.mean).zip(&self.std) {
                let v = t.numeric(c)?.values();
                cols.push((
                    c.clone(),
                    Column::numeric(v.iter().map(|x| (x - m) / s).collect()),
                ));
            }
            Table::new(cols)
        }
    }

    impl Persist for FittedStandardize {
        const KIND: &'static str = "test/standardize";
        fn validate(&self) -> std::result::Result<(), String> {
            if self.std.iter().all(|s| *s > 0.0) && self.mean.len() == self.columns.len() {
                Ok(())
            } else {
                Err("bad scales".into())
            }
        }
    }

    /// 120 users: `spend` drives the label, `noise` does not; ids u0..u119.
    fn users() -> (Table, Vec<u8>) {
        let n = 120;
        let spend: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64 * 3.0).collect();
        let noise: Vec<f64> = (0..n).map(|i| ((i * 53) % 89) as f64).collect();
        let ids: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
        let y: Vec<u8> = spend.iter().map(|&s| u8::from(s > 150.0)).collect();
        let t = Table::new(vec![
            ("user_id".into(), Column::categorical(&ids)),
            ("spend".into(), Column::numeric(spend)),
            ("noise".into(), Column::numeric(noise)),
            (
                "churned".into(),
                Column::numeric(y.iter().map(|&v| f64::from(v)).collect()),
            ),
        ])
        .unwrap();
        (t, y)
    }

    fn pipe() -> Pipeline<Standardize, LogisticRegression> {
        Pipeline::new(
            Standardize {
                columns: vec!["spend".into(), "noise".into()],
            },
            LogisticRegression::new(),
        )
        .id_column("user_id")
        .exclude(&["churned"])
    }

    #[test]
    fn scores_come_back_with_their_ids_and_the_planted_rule_is_found() {
        let (t, y) = users();
        let model = pipe().fit(&t, &y).unwrap();
        assert_eq!(model.feature_names(), ["spend", "noise"]);
        assert_eq!(model.summary().input_columns, ["spend", "noise"]);
        assert_eq!(
            model.summary().n_positive,
            y.iter().filter(|&&v| v == 1).count()
        );
        let scored = model.score_table(&t.take(&[5, 0]).unwrap(), "p").unwrap();
        assert_eq!(scored.column_names(), ["user_id", "p"]);
        assert_eq!(scored.categorical("user_id").unwrap().get(0), Some("u5"));
        let report = crate::selection::evaluate(&model, &t, &y).unwrap();
        assert!(report.roc_auc.unwrap() > 0.99, "{report}");
        // The preprocessing was fitted on the rows given, not on others.
        let half = t.take(&(0..60).collect::<Vec<_>>()).unwrap();
        let m60 = pipe().fit(&half, &y[..60]).unwrap();
        let spend = half.numeric("spend").unwrap().values();
        let mean = spend.iter().sum::<f64>() / 60.0;
        assert!((m60.preprocessor().mean[0] - mean).abs() < 1e-9);
    }

    #[test]
    fn an_unsupervised_pipeline_scores_tables_and_refuses_what_does_not_fit() {
        use crate::risk::IsolationForest;
        let (mut t, _) = users();
        // Row 9 spends far more than anyone.
        let mut spend = t.numeric("spend").unwrap().values().to_vec();
        spend[9] = 1e4;
        t.replace_column("spend", Column::numeric(spend)).unwrap();
        let p = Pipeline::new(
            Standardize {
                columns: vec!["spend".into(), "noise".into()],
            },
            IsolationForest::new().trees(50),
        )
        .id_column("user_id")
        .exclude(&["churned"]);
        let m = p.fit_unsupervised(&t).unwrap();
        assert_eq!(m.feature_names(), ["spend", "noise"]);
        assert_eq!((m.n_rows(), m.detector().n_trees), (t.n_rows(), 50));
        let s = m.risk_score(&t).unwrap();
        let top = (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
        assert_eq!(top, 9);
        assert_eq!(m.features(&t).unwrap().ncols(), 2);
        let scored = m.score_table(&t, "risk").unwrap();
        assert_eq!(scored.categorical("user_id").unwrap().get(9), Some("u9"));
        // A table without a training column is an error naming it.
        let e = m
            .risk_score(&t.drop_columns(&["noise"]).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("noise"), "{e}");
        let e = m
            .score_table(&t.drop_columns(&["user_id"]).unwrap(), "r")
            .unwrap_err();
        assert!(e.to_string().contains("user_id"), "{e}");
        // Save → load scores identically; a model reading another width is refused.
        let json = m.to_json().unwrap();
        type Fitted = FittedDetectorPipeline<Standardize, IsolationForest>;
        assert_eq!(Fitted::from_json(&json).unwrap().risk_score(&t).unwrap(), s);
        let broken = json.replacen("\"n_features\":2", "\"n_features\":3", 1);
        assert_ne!(broken, json);
        match Fitted::from_json(&broken) {
            Err(e) => assert!(
                e.to_string().contains("does not read the 2 features"),
                "{e}"
            ),
            Ok(_) => panic!("a model of 3 features behind 2 was accepted"),
        }
        // No rows, or every column an id: errors.
        assert!(p.fit_unsupervised(&t.take(&[]).unwrap()).is_err());
    }

    #[test]
    fn pipeline_passes_the_estimator_checks_on_tables() {
        let (t, y) = users();
        check_classifier(&pipe(), &t, &y).unwrap();
    }

    #[test]
    fn cross_validation_refits_the_preprocessing_in_each_fold() {
        let (t, y) = users();
        let cv = cross_validate(&pipe(), &t, &y, 4, 3).unwrap();
        assert_eq!(cv.folds.len(), 4);
        assert!(
            cv.folds
                .iter()
                .all(|f| f.train_rows == 90 && f.test_rows == 30)
        );
        assert!(cv.roc_auc.mean > 0.98, "{cv}");
    }

    #[test]
    fn feature_range_errors_locate_rows_only_in_a_table_of_the_same_rows() {
        use ua_data::csv_io::{CsvOptions, read_csv_reader};
        let csv = &b"a,b\n1,1\n\n2,2\n"[..];
        let t = read_csv_reader(csv, "f.csv", &CsvOptions::default()).unwrap();
        let x = ndarray::array![[1.0f32], [1e30]];
        let names = ["a".to_string()];
        let e = check_feature_range("t", &x.view(), Some(&names), Some(&t))
            .unwrap_err()
            .to_string();
        assert!(e.contains("column `a` holds 1e30 at line 4"), "{e}"); // the blank line counts
        // A table of other rows cannot locate x's rows: the 0-based row it is.
        let three = ndarray::array![[1.0f32], [1e30], [2.0]];
        let e = check_feature_range("t", &three.view(), None, Some(&t))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("column 0 (0-based) holds 1e30 at row 1 (0-based)"),
            "{e}"
        );
    }

    /// `id` (numeric, so it could pass as a feature), `x` drives the label.
    fn numeric_ids() -> (Table, Vec<u8>) {
        let x: Vec<f64> = (0..60).map(|i| ((i * 37) % 11) as f64).collect();
        let y: Vec<u8> = x.iter().map(|&v| u8::from(v > 5.0)).collect();
        let t = Table::new(vec![
            (
                "id".into(),
                Column::numeric((0..60).map(f64::from).collect()),
            ),
            ("x".into(), Column::numeric(x)),
        ])
        .unwrap();
        (t, y)
    }

    #[test]
    fn an_id_column_named_on_the_preprocessor_is_never_a_feature() {
        use ua_data::pipeline::ColumnTransformer;
        let (t, y) = numeric_ids();
        let ct = ColumnTransformer::new().passthrough(&["x"]);
        let on_pipeline = Pipeline::new(ct.clone(), LogisticRegression::new())
            .id_column("id")
            .fit(&t, &y)
            .unwrap();
        let ct_id = ct.clone().id_column("id");
        for pipe in [
            Pipeline::new(ct_id.clone(), LogisticRegression::new()),
            Pipeline::new(ct_id.clone(), LogisticRegression::new()).id_column("id"),
        ] {
            let model = pipe.fit(&t, &y).unwrap();
            assert_eq!(model.feature_names(), ["x"]);
            assert_eq!(model.params().columns.id_column.as_deref(), Some("id"));
            assert_eq!(
                model.predict_proba(&t).unwrap(),
                on_pipeline.predict_proba(&t).unwrap()
            );
            let scored = model.score_table(&t.take(&[7]).unwrap(), "p").unwrap();
            assert_eq!(scored.column_names(), ["id", "p"]);
            assert_eq!(scored.numeric("id").unwrap().get(0), Some(7.0));
        }
        let e = Pipeline::new(ct_id, LogisticRegression::new())
            .id_column("x")
            .fit(&t, &y)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`x`") && e.contains("`id`") && e.contains("one place"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let (t, y) = users();
        let e = pipe().fit(&t, &y[..3]).unwrap_err().to_string();
        assert!(e.contains("120 labels"), "{e}");
        let no_ids = t.drop_columns(&["user_id"]).unwrap();
        let e = pipe().fit(&no_ids, &y).unwrap_err().to_string();
        assert!(e.contains("id_column") && e.contains("user_id"), "{e}");
        let model = pipe().fit(&t, &y).unwrap();
        let e = model.score_table(&no_ids, "p").unwrap_err().to_string();
        assert!(e.contains("user_id"), "{e}");
        let no_spend = t.drop_columns(&["spend"]).unwrap();
        assert!(model.predict_proba(&no_spend).is_err());
        // A preprocessor that leaves text behind.
        let keep_text = Pipeline::new(Standardize { columns: vec![] }, LogisticRegression::new());
        let e = keep_text.fit(&t, &y).unwrap_err().to_string();
        assert!(e.contains("no feature column"), "{e}");
        let text = Table::new(vec![("c".into(), Column::categorical(&["a", "b"]))]).unwrap();
        let e = feature_matrix(&text).unwrap_err().to_string();
        assert!(
            e.contains("`c` is categorical") && e.contains("encoder"),
            "{e}"
        );
        let gaps = Table::new(vec![(
            "g".into(),
            Column::numeric_opt(vec![Some(1.0), None]),
        )])
        .unwrap();
        let e = feature_matrix(&gaps).unwrap_err().to_string();
        assert!(e.contains("1 missing") && e.contains("imputer"), "{e}");
        let huge = Table::new(vec![("h".into(), Column::numeric(vec![1e300]))]).unwrap();
        assert!(
            feature_matrix(&huge)
                .unwrap_err()
                .to_string()
                .contains("1e300")
        );
    }

    #[test]
    fn features_too_large_for_f32_products_are_refused_by_column_and_place() {
        use crate::prediction::MlpClassifier;
        let n = 40;
        let y: Vec<u8> = (0..n).map(|i| u8::from(i % 2 == 0)).collect();
        let x = |big: f32| {
            Array2::from_shape_fn((n, 2), |(i, j)| match (i, j) {
                (13, 1) => big,
                (_, 0) => (i % 7) as f32,
                _ => {
                    if i % 2 == 0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
            })
        };
        let limit = max_feature_abs(2);
        // The limit is where a square summed over the columns leaves f32.
        assert!((limit * limit * 16.0) <= f64::from(f32::MAX));
        assert!((limit * limit * 16.0) > f64::from(f32::MAX) / 2.0);
        let over = (limit * 1.01) as f32;
        let under = (limit * 0.99) as f32;
        let logistic = LogisticRegression::new();
        let mlp = MlpClassifier::new().seed(1).epochs(3).early_stopping(None);
        for big in [over, -over, 1e30, 3e38] {
            for e in [
                logistic.fit(x(big).view(), &y).unwrap_err(),
                mlp.fit(x(big).view(), &y).unwrap_err(),
            ] {
                let m = e.to_string();
                assert!(
                    m.contains(&format!(
                        "column 1 (0-based) holds {big:e} at row 13 (0-based)"
                    )) && m.contains("standardise"),
                    "{m}"
                );
                assert!(m.contains("::fit"), "{m}");
            }
        }
        // Just below the limit both fit, and score finite probabilities.
        let fitted_log = logistic.fit(x(under).view(), &y).unwrap();
        let fitted_mlp = mlp.fit(x(under).view(), &y).unwrap();
        let p = fitted_log.predict_proba(x(under).view()).unwrap();
        assert!(p.iter().all(|v| v.is_finite()), "{p}");
        let p = fitted_mlp.predict_proba(x(under).view()).unwrap();
        assert!(p.iter().all(|v| v.is_finite()), "{p}");
        // Scoring refuses the values too (3e38 gave NaN probabilities).
        for e in [
            fitted_log.predict_proba(x(3e38).view()).unwrap_err(),
            fitted_mlp.predict_proba(x(3e38).view()).unwrap_err(),
        ] {
            let m = e.to_string();
            assert!(m.contains("column 1 (0-based) holds 3e38 at row 13"), "{m}");
        }
        // Through a pipeline: the feature's name and the file line (line 1
        // is the header and line 3 is blank, so row 13 is on line 16).
        let mut csv = String::from("id,visits,big,y\n");
        for (i, label) in y.iter().enumerate() {
            if i == 1 {
                csv.push('\n');
            }
            let big = if i == 13 {
                "1e30".to_owned()
            } else {
                format!("{}", i % 3)
            };
            csv.push_str(&format!("u{i},{},{big},{}\n", i % 7, label));
        }
        let t = ua_data::csv_io::read_csv_reader(csv.as_bytes(), "users.csv", &Default::default())
            .unwrap();
        let prep = ua_data::pipeline::ColumnTransformer::new().passthrough(&["visits", "big"]);
        let e = Pipeline::new(prep.clone(), LogisticRegression::new())
            .id_column("id")
            .exclude(&["y"])
            .fit(&t, &y)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Pipeline::fit") && e.contains("column `big` holds 1e30 at line 16"),
            "{e}"
        );
        // Scoring through a pipeline fitted on ordinary values.
        let ok = t
            .filter(&(0..n).map(|i| i != 13).collect::<Vec<_>>())
            .unwrap();
        let y_ok: Vec<u8> = (0..n).filter(|&i| i != 13).map(|i| y[i]).collect();
        let model = Pipeline::new(prep, LogisticRegression::new())
            .id_column("id")
            .exclude(&["y"])
            .fit(&ok, &y_ok)
            .unwrap();
        let e = model.predict_proba(&t).unwrap_err().to_string();
        assert!(e.contains("column `big` holds 1e30 at line 16"), "{e}");
        // A value beyond f32 altogether is caught before preprocessing, at
        // its line too.
        let beyond = csv.replace(",1e30,", ",1e300,");
        let t = ua_data::csv_io::read_csv_reader(beyond.as_bytes(), "u.csv", &Default::default())
            .unwrap();
        let e = model.predict_proba(&t).unwrap_err().to_string();
        assert!(e.contains("column `big`, line 16: value 1e300"), "{e}");
    }

    #[test]
    fn a_saved_pipeline_with_a_broken_part_does_not_load() {
        let (t, y) = users();
        let model = pipe().fit(&t, &y).unwrap();
        let json = model.to_json().unwrap();
        type Fitted = FittedPipeline<Standardize, LogisticRegression>;
        assert_eq!(
            Fitted::from_json(&json).unwrap().predict_proba(&t).unwrap(),
            model.predict_proba(&t).unwrap()
        );
        // Scale 0 breaks the preprocessor's invariant.
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut bad = v.clone();
        bad["model"]["preprocessor"]["std"][0] = 0.0.into();
        let e = Fitted::from_json(&bad.to_string()).unwrap_err().to_string();
        assert!(
            e.contains("preprocessor") && e.contains("bad scales"),
            "{e}"
        );
        // A model that reads three features behind a two-feature preprocessor.
        let mut bad = v;
        bad["model"]["model"]["coef"] = serde_json::json!([1.0, 2.0, 3.0]);
        let e = Fitted::from_json(&bad.to_string()).unwrap_err().to_string();
        assert!(e.contains("does not read the 2 features"), "{e}");
    }
}
