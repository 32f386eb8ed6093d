//! [`FittedColumnTransformer`]: what was learned on the training table,
//! applied to any table with the same columns — as a matrix, as a matrix
//! with row ids and a report, or as a table.

use std::borrow::Cow;
use std::sync::Arc;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::report::{EncodingSummary, ExcludedColumn, FeatureMatrix, FitReport, TransformReport};
use super::schema::{ColumnSchema, conform};
use super::step::FittedStep;
use crate::encode::column;
use crate::transform::{distinct_names, ensure_finite_column, locate, show_number};
use crate::{Column, Error, Result, Table, Transform};

/// One fitted step and the columns it reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FittedBlock {
    pub(super) columns: Vec<String>,
    pub(super) step: Arc<dyn FittedStep>,
    pub(super) features: Vec<String>,
}

/// The values of a step output column as features: numbers as they are,
/// booleans as 0/1, dates as day counts. A missing or non-finite value, or
/// a categorical column, is an error naming the column (and the row's
/// file line, else its 1-based row).
pub(super) fn feature_values<'a>(
    op: &'static str,
    name: &str,
    col: &'a Column,
    table: &Table,
) -> Result<Cow<'a, [f64]>> {
    let first_missing = (0..col.len()).find(|&i| col.is_missing(i));
    if let Some(first_row) = first_missing {
        return Err(Error::MissingAt {
            op,
            column: name.to_owned(),
            count: col.missing_count(),
            at: table.locate(first_row),
        });
    }
    Ok(match col {
        Column::Numeric(c) => {
            ensure_finite_column(op, name, c.values(), c.missing_mask(), table)?;
            Cow::Borrowed(c.values())
        }
        Column::Boolean(c) => Cow::Owned(
            c.values()
                .iter()
                .map(|v| f64::from(u8::from(v.unwrap_or(false))))
                .collect(),
        ),
        Column::Date(c) => Cow::Owned(c.days().iter().map(|&d| f64::from(d)).collect()),
        Column::Categorical(_) => {
            return Err(Error::TypeMismatch {
                op,
                column: name.to_owned(),
                expected: "numeric, boolean or date (encode categorical columns)".into(),
                found: "categorical".into(),
            });
        }
    })
}

/// A fitted [`ColumnTransformer`](super::ColumnTransformer): the input
/// schema, the id column and every fitted step, ready to turn any table with
/// the same columns into features. Saved and loaded as one file through
/// [`Persist`] (user-written steps included, see
/// [`FittedStep`]); ship it with the model it feeds.
///
/// At transform time, a missing column is an error naming it, extra columns
/// are ignored, a column read with another type than at fit time is
/// converted back when that is lossless (otherwise
/// [`Error::SchemaMismatch`] says what to do), and unseen categories follow
/// the encoder's `handle_unknown`.
///
/// ```
/// use ua_data::pipeline::{ColumnTransformer, FittedColumnTransformer};
/// use ua_data::{Column, Table};
/// use ua_tensor::persist::Persist;
/// let t = Table::new(vec![
///     ("age".into(), Column::numeric(vec![20.0, 40.0])),
///     ("city".into(), Column::categorical(&["Paris", "Lyon"])),
/// ]).unwrap();
/// let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
/// let loaded = FittedColumnTransformer::from_json(&pipe.to_json().unwrap()).unwrap();
/// assert_eq!(loaded.transform_matrix(&t).unwrap(), pipe.transform_matrix(&t).unwrap());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedColumnTransformer {
    schema: Vec<ColumnSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_column: Option<String>,
    blocks: Vec<FittedBlock>,
    feature_names: Vec<String>,
    /// Columns `auto` left out (files without it load with none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    excluded: Vec<ExcludedColumn>,
}

impl FittedColumnTransformer {
    pub(super) fn new(
        schema: Vec<ColumnSchema>,
        id_column: Option<String>,
        blocks: Vec<FittedBlock>,
        feature_names: Vec<String>,
        excluded: Vec<ExcludedColumn>,
    ) -> Self {
        FittedColumnTransformer {
            schema,
            id_column,
            blocks,
            feature_names,
            excluded,
        }
    }

    /// What fitting decided: the columns
    /// [`auto`](super::ColumnTransformer::auto) left out as identifiers
    /// (with the reason) and, per one-hot encoded column, the levels kept
    /// and the training rows grouped as infrequent. Print it with `{}`.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let levels: Vec<&str> = (0..600).map(|i| if i < 590 { "web" } else if i < 597 { "ios" } else { "fax" }).collect();
    /// let t = Table::new(vec![("device".into(), Column::categorical(&levels))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
    /// let e = &pipe.fit_report().encodings[0];
    /// assert_eq!((e.levels_kept, e.infrequent_levels, e.infrequent_rows), (2, 1, 3)); // fax: 3 < 5 rows
    /// assert!(pipe.fit_report().to_string().contains("`device`: 2 levels kept"));
    /// ```
    pub fn fit_report(&self) -> FitReport {
        let encodings = self
            .blocks
            .iter()
            .flat_map(|b| b.step.one_hot_columns())
            .map(|c| EncodingSummary {
                column: c.column().to_owned(),
                levels_kept: c.levels().len(),
                infrequent_levels: c.infrequent_levels().len(),
                infrequent_rows: c.infrequent_rows(),
            })
            .collect();
        FitReport {
            excluded: self.excluded.clone(),
            encodings,
        }
    }

    /// Output feature names, one per matrix column: numeric and passthrough
    /// columns keep their name, one-hot features are `column=category`,
    /// date parts `column.part`; a step of your own names its outputs.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![0, 40]))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
    /// assert_eq!(pipe.feature_names(), &["d.year", "d.month", "d.weekday", "d.day_of_year"]);
    /// ```
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Number of output features.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("b".into(), Column::boolean(vec![true, false]))]).unwrap();
    /// assert_eq!(ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap().n_features(), 2);
    /// ```
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The input columns the steps read, in step order (the id column is not
    /// one of them).
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// let pipe = ColumnTransformer::new().passthrough(&["x"]).fit(&t).unwrap();
    /// assert_eq!(pipe.input_columns(), vec!["x"]);
    /// ```
    pub fn input_columns(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .flat_map(|b| b.columns.iter().map(String::as_str))
            .collect()
    }

    /// The input schema: name and type of every column read at fit time
    /// (steps' columns and the id column), in the training table's order.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, ColumnType, Table};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// let pipe = ColumnTransformer::new().passthrough(&["x"]).fit(&t).unwrap();
    /// assert_eq!(pipe.schema()[0].dtype, ColumnType::Numeric);
    /// ```
    pub fn schema(&self) -> &[ColumnSchema] {
        &self.schema
    }

    /// The id column, if the spec named one.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("id".into(), Column::numeric(vec![7.0])),
    ///     ("x".into(), Column::numeric(vec![1.0])),
    /// ]).unwrap();
    /// let pipe = ColumnTransformer::new().passthrough(&["x"]).id_column("id").fit(&t).unwrap();
    /// assert_eq!(pipe.id_column(), Some("id"));
    /// ```
    pub fn id_column(&self) -> Option<&str> {
        self.id_column.as_deref()
    }

    /// The fitted steps with the input columns each reads, in order.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
    /// let (cols, step) = pipe.steps().next().unwrap();
    /// assert_eq!(cols, &["x"]);
    /// assert!(format!("{step:?}").contains("FittedStandardScaler"));
    /// ```
    pub fn steps(&self) -> impl Iterator<Item = (&[String], &dyn FittedStep)> + '_ {
        self.blocks
            .iter()
            .map(|b| (b.columns.as_slice(), b.step.as_ref()))
    }

    /// The feature matrix of `table` (rows × [`n_features`](Self::n_features)).
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let train = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 3.0]))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&train, None, &[]).unwrap().fit(&train).unwrap();
    /// assert_eq!(pipe.transform_matrix(&train).unwrap().column(0).to_vec(), vec![-1.0, 1.0]);
    /// let other = Table::new(vec![("y".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// let err = pipe.transform_matrix(&other).unwrap_err().to_string();
    /// assert!(err.contains("unknown column `x`"), "{err}");
    /// ```
    pub fn transform_matrix(&self, table: &Table) -> Result<Array2<f32>> {
        self.transform_features(table).map(|f| f.x)
    }

    /// The feature matrix of `table` and a per-column account of imputed,
    /// unknown and zero-encoded values.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let train = Table::new(vec![("c".into(), Column::categorical(&["a", "b", "a"]))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&train, None, &[]).unwrap().fit(&train).unwrap();
    /// let test = Table::new(vec![("c".into(), Column::categorical_opt(&[Some("z"), None]))]).unwrap();
    /// let (x, report) = pipe.transform_matrix_with_report(&test).unwrap();
    /// assert_eq!(x, ua_data::ndarray::array![[0.0, 0.0], [1.0, 0.0]]); // z unknown; missing → "a"
    /// let c = report.column("c").unwrap();
    /// assert_eq!((c.unknown_categories, c.imputed), (1, 1));
    /// ```
    pub fn transform_matrix_with_report(
        &self,
        table: &Table,
    ) -> Result<(Array2<f32>, TransformReport)> {
        self.transform_features(table).map(|f| (f.x, f.report))
    }

    /// The feature matrix, the row ids (with an id column) and the report.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("order".into(), Column::numeric(vec![17.0, 18.0])),
    ///     ("amount".into(), Column::numeric_opt(vec![Some(5.0), None])),
    /// ]).unwrap();
    /// let pipe = ColumnTransformer::auto(&t, None, &["order"]).unwrap().id_column("order").fit(&t).unwrap();
    /// let out = pipe.transform_features(&t).unwrap();
    /// assert_eq!(out.ids, Some(Column::numeric(vec![17.0, 18.0])));
    /// assert_eq!(out.report.total_imputed(), 1);
    /// ```
    pub fn transform_features(&self, table: &Table) -> Result<FeatureMatrix> {
        const OP: &str = "ColumnTransformer::transform";
        // The f32 matrix and the f64 step outputs it is copied from.
        let count = ua_tensor::budget::elements(OP, &[table.n_rows(), self.n_features()])?;
        ua_tensor::budget::check_allocation(
            OP,
            &format!(
                "the feature matrix of {} rows × {} features (with the step outputs)",
                table.n_rows(),
                self.n_features()
            ),
            count,
            12,
        )?;
        let (outputs, ids, report) = self.run(OP, table)?;
        let width: usize = outputs.iter().map(Table::n_cols).sum();
        if width != self.n_features() {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!(
                    "corrupt pipeline: its steps make {width} features but it lists {} feature \
                     names (validate it after loading)",
                    self.n_features()
                ),
            });
        }
        let mut columns: Vec<(&str, Cow<'_, [f64]>)> = Vec::with_capacity(width);
        for out in &outputs {
            for (name, col) in out.columns() {
                columns.push((name, feature_values(OP, name, col, out)?));
            }
        }
        // Filled in blocks of rows, column by column: each column is read
        // sequentially and the block being written stays in the L1 cache.
        const BLOCK: usize = 64;
        let mut x = Array2::<f32>::zeros((table.n_rows(), width));
        if width > 0 {
            let rows = x.as_slice_mut().expect("a new array is contiguous");
            for (b, block) in rows.chunks_mut(BLOCK * width).enumerate() {
                let start = b * BLOCK;
                for (j, (_, values)) in columns.iter().enumerate() {
                    let src = &values[start..start + block.len() / width];
                    for (dst, &v) in block[j..].iter_mut().step_by(width).zip(src) {
                        *dst = v as f32;
                    }
                }
            }
        }
        // A finite f64 beyond the f32 range became ±inf (the step outputs
        // are already checked finite).
        if let Some(at) = x.iter().position(|v| v.is_infinite()) {
            let (r, j) = (at / width, at % width);
            let (name, values) = &columns[j];
            return Err(Error::BadValue {
                op: OP,
                column: (*name).to_owned(),
                at: locate(table, r),
                value: show_number(values[r]),
                expected: "a feature value (after the pipeline's steps) within the f32 range of \
                           the feature matrix, ±3.4e38; check the input row, and if it is right \
                           scale or log-transform the column"
                    .into(),
            });
        }
        Ok(FeatureMatrix { x, ids, report })
    }

    /// Applies every step: the step outputs, the id column and the report.
    fn run(
        &self,
        op: &'static str,
        table: &Table,
    ) -> Result<(Vec<Table>, Option<Column>, TransformReport)> {
        let mut conformed: Vec<(&str, Cow<'_, Column>)> = Vec::with_capacity(self.schema.len());
        for s in &self.schema {
            let at = |row: usize| table.locate(row);
            conformed.push((&s.name, conform(op, s, column(table, &s.name, op)?, &at)?));
        }
        let get = |name: &str| -> Result<Column> {
            conformed
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| c.as_ref().clone())
                .ok_or_else(|| Error::InvalidArgument {
                    op,
                    message: format!("corrupt pipeline: column `{name}` is not in its schema"),
                })
        };
        let n = table.n_rows();
        let mut report = TransformReport {
            n_rows: n,
            columns: Vec::new(),
        };
        let mut outputs = Vec::with_capacity(self.blocks.len());
        for (i, b) in self.blocks.iter().enumerate() {
            let mut sub = Table::new(
                b.columns
                    .iter()
                    .map(|c| Ok((c.clone(), get(c)?)))
                    .collect::<Result<Vec<_>>>()?,
            )?;
            // Errors inside the steps then give the rows' file lines.
            sub.set_source_lines(table.source_lines().map(<[u64]>::to_vec))?;
            for c in &b.columns {
                report.column_mut(c);
            }
            let mut out = b.step.transform_reporting(&sub, &mut report)?;
            if out.source_lines().is_none() && out.n_rows() == n {
                out.set_source_lines(table.source_lines().map(<[u64]>::to_vec))?;
            }
            if out.column_names() != b.features || out.n_rows() != n {
                return Err(Error::InvalidArgument {
                    op,
                    message: format!(
                        "step {} (columns {}) gave {} rows with columns [{}]; at fit time it \
                         gave columns [{}]",
                        i + 1,
                        b.columns.join(", "),
                        out.n_rows(),
                        out.column_names().join(", "),
                        b.features.join(", ")
                    ),
                });
            }
            outputs.push(out);
        }
        let ids = self.id_column.as_deref().map(get).transpose()?;
        Ok((outputs, ids, report))
    }

    fn invariants(&self) -> std::result::Result<(), String> {
        distinct_names("schema column", self.schema.iter().map(|s| s.name.as_str()))?;
        let in_schema = |c: &str| self.schema.iter().any(|s| s.name == c);
        if let Some(id) = &self.id_column
            && !in_schema(id)
        {
            return Err(format!("the id column `{id}` is not in the schema"));
        }
        if self.blocks.is_empty() {
            return Err("the pipeline has no step".into());
        }
        let inputs = self.input_columns();
        distinct_names("input column", inputs.iter().copied())?;
        for (i, b) in self.blocks.iter().enumerate() {
            if b.columns.is_empty() {
                return Err(format!("step {} reads no column", i + 1));
            }
            if let Some(c) = b.columns.iter().find(|c| !in_schema(c)) {
                return Err(format!(
                    "step {} reads `{c}`, which is not in the schema",
                    i + 1
                ));
            }
            if let Some(c) = b
                .columns
                .iter()
                .find(|c| self.id_column.as_ref() == Some(*c))
            {
                return Err(format!("step {} reads the id column `{c}`", i + 1));
            }
            b.step
                .check_invariants()
                .map_err(|e| format!("step {} ({}): {e}", i + 1, b.columns.join(", ")))?;
        }
        let features: Vec<&String> = self.blocks.iter().flat_map(|b| &b.features).collect();
        if features.len() != self.feature_names.len() {
            return Err(format!(
                "the steps make {} features but the pipeline lists {} feature names",
                features.len(),
                self.feature_names.len()
            ));
        }
        if let Some((j, (step, listed))) = features
            .iter()
            .zip(&self.feature_names)
            .enumerate()
            .find(|(_, (a, b))| **a != *b)
        {
            return Err(format!(
                "feature {j} is named `{listed}` but its step makes `{step}`"
            ));
        }
        distinct_names(
            "feature",
            self.feature_names
                .iter()
                .map(String::as_str)
                .chain(self.id_column.as_deref()),
        )
    }
}

impl Transform for FittedColumnTransformer {
    /// The features as a table: the id column first (if any), then one
    /// numeric column per feature, named by
    /// [`feature_names`](FittedColumnTransformer::feature_names). Values
    /// are the `f64` step outputs (the matrix holds them rounded to `f32`).
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table, Transform};
    /// let t = Table::new(vec![
    ///     ("id".into(), Column::categorical(&["a", "b"])),
    ///     ("c".into(), Column::categorical(&["x", "y"])),
    /// ]).unwrap();
    /// let pipe = ColumnTransformer::auto(&t, None, &["id"]).unwrap().id_column("id").fit(&t).unwrap();
    /// let out = pipe.transform(&t).unwrap();
    /// assert_eq!(out.column_names(), vec!["id", "c=x", "c=y"]);
    /// ```
    fn transform(&self, table: &Table) -> Result<Table> {
        const OP: &str = "ColumnTransformer::transform";
        let (outputs, ids, _) = self.run(OP, table)?;
        let mut cols = Vec::with_capacity(self.n_features() + 1);
        if let (Some(name), Some(ids)) = (&self.id_column, ids) {
            cols.push((name.clone(), ids));
        }
        for out in &outputs {
            for (name, col) in out.columns() {
                let values = feature_values(OP, name, col, out)?.into_owned();
                cols.push((name.to_owned(), Column::numeric(values)));
            }
        }
        Table::new(cols)
    }
}

impl Persist for FittedColumnTransformer {
    const KIND: &'static str = "ua-data/column-transformer";

    /// Schema names are distinct and hold the id column and every step's
    /// columns; steps read distinct columns (not the id) and pass their own
    /// checks; the feature names are the steps' outputs, distinct and
    /// different from the id column.
    fn validate(&self) -> std::result::Result<(), String> {
        self.invariants()
    }
}
