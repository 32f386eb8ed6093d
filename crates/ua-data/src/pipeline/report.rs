//! What a transform did: per input column, how many values were imputed,
//! unknown or encoded as zeros ([`TransformReport`]), and the feature matrix
//! with its row ids ([`FeatureMatrix`]).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::Column;

/// What the transform did to one input column.
///
/// ```
/// use ua_data::pipeline::ColumnReport;
/// let r = ColumnReport { column: "age".into(), imputed: 2, unknown_categories: 0, missing_as_zeros: 0 };
/// assert_eq!(r.imputed, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// The input column.
    pub column: String,
    /// Missing values replaced by the training fill value.
    pub imputed: usize,
    /// Categories unseen at fit time, encoded as all zeros, as
    /// `column=(infrequent)` (one-hot with an infrequent indicator) or as the
    /// ordinal `unknown_value`.
    pub unknown_categories: usize,
    /// Missing categories left as all-zero indicators (one-hot without imputation).
    pub missing_as_zeros: usize,
}

impl ColumnReport {
    /// An entry with all counts at zero.
    ///
    /// ```
    /// let r = ua_data::pipeline::ColumnReport::new("age");
    /// assert_eq!((r.column.as_str(), r.imputed), ("age", 0));
    /// ```
    pub fn new(column: &str) -> Self {
        ColumnReport {
            column: column.to_owned(),
            imputed: 0,
            unknown_categories: 0,
            missing_as_zeros: 0,
        }
    }
}

/// What a fitted pipeline did, per input column in spec order.
///
/// ```
/// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
/// use ua_data::{Column, Table};
/// let train = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 3.0]))]).unwrap();
/// let pipe = ColumnTransformer::new().numeric(&["x"], NumericSteps::default()).fit(&train).unwrap();
/// let test = Table::new(vec![("x".into(), Column::numeric_opt(vec![None, Some(2.0)]))]).unwrap();
/// let (_, report) = pipe.transform_matrix_with_report(&test).unwrap();
/// assert_eq!(report.column("x").unwrap().imputed, 1);
/// assert_eq!(report.total_imputed(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TransformReport {
    /// Rows transformed.
    pub n_rows: usize,
    /// One entry per input column.
    pub columns: Vec<ColumnReport>,
}

impl TransformReport {
    /// The entry of input column `name`.
    ///
    /// ```
    /// let r = ua_data::pipeline::TransformReport { n_rows: 0, columns: vec![] };
    /// assert!(r.column("x").is_none());
    /// ```
    pub fn column(&self, name: &str) -> Option<&ColumnReport> {
        self.columns.iter().find(|c| c.column == name)
    }

    /// The entry of `name` to add counts to, created (at zero) if absent —
    /// what a [`FittedStep`](super::FittedStep) reports through.
    ///
    /// ```
    /// let mut r = ua_data::pipeline::TransformReport::default();
    /// r.column_mut("age").imputed += 3;
    /// r.column_mut("age").imputed += 1;
    /// assert_eq!(r.column("age").unwrap().imputed, 4);
    /// assert_eq!(r.columns.len(), 1);
    /// ```
    pub fn column_mut(&mut self, name: &str) -> &mut ColumnReport {
        let i = match self.columns.iter().position(|c| c.column == name) {
            Some(i) => i,
            None => {
                self.columns.push(ColumnReport::new(name));
                self.columns.len() - 1
            }
        };
        &mut self.columns[i]
    }

    /// Imputed values over all columns.
    ///
    /// ```
    /// let r = ua_data::pipeline::TransformReport { n_rows: 0, columns: vec![] };
    /// assert_eq!(r.total_imputed(), 0);
    /// ```
    pub fn total_imputed(&self) -> usize {
        self.columns.iter().map(|c| c.imputed).sum()
    }

    /// Whether no value was imputed, unknown or zeroed.
    ///
    /// ```
    /// let mut r = ua_data::pipeline::TransformReport { n_rows: 3, columns: vec![] };
    /// assert!(r.is_clean());
    /// r.column_mut("c").missing_as_zeros = 1;
    /// assert!(!r.is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.columns
            .iter()
            .all(|c| c.imputed == 0 && c.unknown_categories == 0 && c.missing_as_zeros == 0)
    }
}

/// The output of
/// [`FittedColumnTransformer::transform_features`](super::FittedColumnTransformer::transform_features):
/// the feature matrix, the row ids (when the pipeline has an
/// [`id_column`](super::ColumnTransformer::id_column)) in the same row order,
/// and the report.
///
/// ```
/// use ua_data::pipeline::ColumnTransformer;
/// use ua_data::{Column, Table, Value};
/// let t = Table::new(vec![
///     ("user_id".into(), Column::categorical(&["u1", "u2"])),
///     ("spend".into(), Column::numeric(vec![1.0, 3.0])),
/// ]).unwrap();
/// let pipe = ColumnTransformer::new().passthrough(&["spend"]).id_column("user_id").fit(&t).unwrap();
/// let out = pipe.transform_features(&t).unwrap();
/// assert_eq!(out.x.nrows(), 2);
/// assert_eq!(out.ids.unwrap().get(1), Some(Value::Text("u2".into())));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    /// Rows × features, in the order of the input rows.
    pub x: Array2<f32>,
    /// The id column of the input rows (converted to its type at fit time),
    /// or `None` without an id column.
    pub ids: Option<Column>,
    /// What was imputed, unknown or zeroed, per input column.
    pub report: TransformReport,
}

/// A column that [`ColumnTransformer::auto`](super::ColumnTransformer::auto)
/// left out of the features, and why (see
/// [`keep_id_like`](super::ColumnTransformer::keep_id_like) to keep it).
///
/// ```
/// use ua_data::pipeline::ExcludedColumn;
/// let e = ExcludedColumn { column: "order_id".into(), reason: "all 900 values are distinct".into() };
/// assert_eq!(e.to_string(), "`order_id`: all 900 values are distinct");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedColumn {
    /// The input column.
    pub column: String,
    /// Why it is not a feature.
    pub reason: String,
}

impl std::fmt::Display for ExcludedColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.column, self.reason)
    }
}

/// What one one-hot encoded input column became at fit time.
///
/// ```
/// use ua_data::pipeline::EncodingSummary;
/// let s = EncodingSummary { column: "city".into(), levels_kept: 49, infrequent_levels: 120, infrequent_rows: 310 };
/// assert_eq!(s.to_string(), "`city`: 49 levels kept, 120 levels (310 training rows) as infrequent");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodingSummary {
    /// The input column.
    pub column: String,
    /// Categories with their own indicator.
    pub levels_kept: usize,
    /// Categories grouped into `column=(infrequent)`.
    pub infrequent_levels: usize,
    /// Training rows (after imputation) encoded as infrequent.
    pub infrequent_rows: usize,
}

impl std::fmt::Display for EncodingSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}`: {} levels kept, {} levels ({} training rows) as infrequent",
            self.column, self.levels_kept, self.infrequent_levels, self.infrequent_rows
        )
    }
}

/// What fitting a [`ColumnTransformer`](super::ColumnTransformer) decided:
/// the columns [`auto`](super::ColumnTransformer::auto) left out (ids,
/// free text) and, per one-hot encoded column, how many categories kept
/// their own feature and how many training rows fell into
/// `column=(infrequent)`. Given by
/// [`FittedColumnTransformer::fit_report`](super::FittedColumnTransformer::fit_report);
/// it is saved with the pipeline.
///
/// ```
/// use ua_data::pipeline::ColumnTransformer;
/// use ua_data::{Column, Table};
/// let ids: Vec<String> = (0..30).map(|i| format!("u{i}")).collect();
/// let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
/// let plan: Vec<&str> = (0..30).map(|i| if i % 3 == 0 { "pro" } else { "free" }).collect();
/// let t = Table::new(vec![
///     ("user".into(), Column::categorical(&ids)),
///     ("plan".into(), Column::categorical(&plan)),
/// ]).unwrap();
/// let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
/// let report = pipe.fit_report();
/// assert_eq!(report.excluded[0].column, "user");
/// assert_eq!(report.encodings[0].levels_kept, 2);
/// assert_eq!(pipe.feature_names(), &["plan=free", "plan=pro"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FitReport {
    /// Columns left out of the features, with the reason.
    pub excluded: Vec<ExcludedColumn>,
    /// One entry per one-hot encoded input column, in step order.
    pub encodings: Vec<EncodingSummary>,
}

impl std::fmt::Display for FitReport {
    /// One line per excluded column, then one per encoded column.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.excluded {
            writeln!(f, "left out {e}")?;
        }
        for e in &self.encodings {
            writeln!(f, "one-hot {e}")?;
        }
        Ok(())
    }
}
