//! [`ColumnTransformer`]: which step applies to which columns, what happens
//! to the columns no step names, and which column identifies the rows.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

#[allow(unused_imports)] // named in doc links
use super::blocks::{AUTO_MAX_CATEGORIES, AUTO_MIN_FREQUENCY};
use super::blocks::{CategoricalSteps, DateSteps, Encode, NumericSteps};
use super::fitted::{FittedBlock, FittedColumnTransformer, feature_values};
use super::report::ExcludedColumn;
use super::schema::ColumnSchema;
use super::step::{ErasedTransformer, FittedStep, Passthrough};
use crate::clean::Impute;
use crate::encode::column;
use crate::{Column, ColumnType, Error, Result, Table, Transformer};

/// The categorical recipe of `auto` for a training table of `n_rows` rows.
fn auto_categorical(n_rows: usize) -> CategoricalSteps {
    CategoricalSteps {
        impute: Some(Impute::MostFrequent),
        encode: Encode::one_hot_limited(n_rows),
    }
}

/// What happens to the input columns that no step names (and that are not
/// the id column).
///
/// ```
/// use ua_data::pipeline::{ColumnTransformer, NumericSteps, Remainder};
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("age".into(), Column::numeric(vec![20.0, 40.0])),
///     ("vip".into(), Column::boolean(vec![true, false])),
/// ]).unwrap();
/// let spec = ColumnTransformer::new().numeric(&["age"], NumericSteps::default());
/// assert_eq!(spec.clone().fit(&t).unwrap().feature_names(), &["age"]); // Drop is the default
/// let kept = spec.remainder(Remainder::Passthrough).fit(&t).unwrap();
/// assert_eq!(kept.feature_names(), &["age", "vip"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remainder {
    /// Leave them out of the features (the default, as in scikit-learn).
    #[default]
    Drop,
    /// Copy them into the features after every step's output, as
    /// [`Passthrough`] does: numbers, booleans as 0/1, dates as day counts
    /// (a categorical remainder column is an error at fit: encode or drop it).
    Passthrough,
}

/// One group of columns and the step applied to them.
#[derive(Clone)]
struct SpecBlock {
    columns: Vec<String>,
    step: Arc<dyn ErasedTransformer>,
}

/// A preprocessing spec: steps, each applied to a selection of columns, a
/// [`Remainder`] policy and an optional id column. Fitting it on the
/// training table gives a [`FittedColumnTransformer`] that turns any table
/// with the same columns into the feature matrix a model consumes.
///
/// Each step sees only its own columns (as a table) and its output columns
/// become features, step after step in the order they were added. A step
/// is any [`Transformer`] whose fitted type is a [`FittedStep`]: the
/// built-in recipes ([`NumericSteps`], [`CategoricalSteps`], [`DateSteps`],
/// [`Passthrough`]), any scaler, encoder, imputer or transform of this
/// crate, a [`Chain`](super::Chain) of them, or a step of your own.
///
/// ```
/// use ua_data::pipeline::{Chain, ColumnTransformer, NumericSteps};
/// use ua_data::scale::StandardScaler;
/// use ua_data::transform::Log1p;
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("user_id".into(), Column::categorical(&["u1", "u2"])),
///     ("spend".into(), Column::numeric(vec![0.0, 10.0])),
///     ("visits".into(), Column::numeric(vec![3.0, 5.0])),
///     ("vip".into(), Column::boolean(vec![true, false])),
/// ]).unwrap();
/// let spec = ColumnTransformer::new()
///     .numeric(&["visits"], NumericSteps { impute: None, log1p: false, scale: None })
///     .step(&["spend"], Chain::new(Log1p::all()).then(StandardScaler::default()))
///     .passthrough(&["vip"])
///     .id_column("user_id");
/// let x = spec.fit(&t).unwrap().transform_matrix(&t).unwrap();
/// assert_eq!(x, ua_data::ndarray::array![[3.0, -1.0, 1.0], [5.0, 1.0, 0.0]]);
/// ```
#[derive(Clone, Default)]
pub struct ColumnTransformer {
    blocks: Vec<SpecBlock>,
    remainder: Remainder,
    id_column: Option<String>,
    /// Columns `auto` left out, with their type (to add them back).
    excluded: Vec<(ExcludedColumn, ColumnType)>,
    /// Training rows `auto` saw (for the limits of a kept column).
    auto_rows: usize,
    /// Names given to `keep_id_like` that `auto` had not left out.
    not_excluded: Vec<String>,
}

/// Non-missing values a column needs before `auto` calls it an identifier
/// because they are all distinct: in smaller tables distinct values are
/// common for real features.
pub(super) const ID_MIN_VALUES: usize = 20;

/// Whether a column name reads as a key: `id`, `key`, `…_id`, `…-id`,
/// `… id`, `…Id` (camel case), `…_key`, `…_uuid`, `uuid`.
fn key_like_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if matches!(lower.as_str(), "id" | "key" | "uuid") {
        return true;
    }
    let camel_id = name.ends_with("Id")
        && name[..name.len() - 2]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    camel_id
        || ["_id", "-id", " id", "_key", "-key", " key", "_uuid"]
            .iter()
            .any(|suffix| lower.ends_with(suffix))
}

/// Why `auto` should leave column `name` out of the features, if it looks
/// like an identifier: a text column whose non-missing values (at least
/// [`ID_MIN_VALUES`]) are all distinct, or a numeric column with a key-like
/// name whose non-missing values are distinct integers.
pub(super) fn id_like_reason(name: &str, col: &Column) -> Option<String> {
    let n = col.len() - col.missing_count();
    if n < ID_MIN_VALUES {
        return None;
    }
    match col {
        Column::Categorical(c) => {
            let mut seen = vec![false; c.levels().len()];
            for &code in c.codes() {
                if let Some(s) = seen.get_mut(code as usize) {
                    if *s {
                        return None;
                    }
                    *s = true;
                }
            }
            Some(format!(
                "all {n} non-missing values are distinct (an identifier or free text): one-hot \
                 encoding it would give one feature per row and nothing a model can use on new rows"
            ))
        }
        Column::Numeric(c) if key_like_name(name) => {
            let mut values: Vec<f64> = c.non_missing().collect();
            if values.iter().any(|v| !v.is_finite() || v.fract() != 0.0) {
                return None;
            }
            values.sort_unstable_by(f64::total_cmp);
            if values.windows(2).any(|w| w[0] == w[1]) {
                return None;
            }
            Some(format!(
                "its name reads as a key and all {n} non-missing values are distinct integers \
                 (an identifier, not a quantity)"
            ))
        }
        _ => None,
    }
}

impl fmt::Debug for ColumnTransformer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ColumnTransformer")
            .field(
                "blocks",
                &self
                    .blocks
                    .iter()
                    .map(|b| (&b.columns, b.step.type_name()))
                    .collect::<Vec<_>>(),
            )
            .field("remainder", &self.remainder)
            .field("id_column", &self.id_column)
            .field("excluded", &self.excluded)
            .finish()
    }
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|&c| c.to_owned()).collect()
}

impl ColumnTransformer {
    /// An empty spec (remainder dropped, no id column).
    ///
    /// ```
    /// assert!(ua_data::pipeline::ColumnTransformer::new().columns().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a step applied to `columns`: `transformer` is fitted on the
    /// training table restricted to those columns, and its output columns
    /// become features. Any `Send + Sync` [`Transformer`] whose fitted type
    /// is a [`FittedStep`] will do, including your own (see [`FittedStep`]).
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::transform::QuantileBinner;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("spend".into(), Column::numeric(vec![1.0, 2.0, 3.0, 4.0]))]).unwrap();
    /// let pipe = ColumnTransformer::new().step(&["spend"], QuantileBinner::all(2)).fit(&t).unwrap();
    /// assert_eq!(pipe.transform_matrix(&t).unwrap().column(0).to_vec(), vec![0.0, 0.0, 1.0, 1.0]);
    /// ```
    pub fn step<T>(mut self, columns: &[&str], transformer: T) -> Self
    where
        T: Transformer + Send + Sync + 'static,
        T::Fitted: FittedStep + 'static,
    {
        self.blocks.push(SpecBlock {
            columns: names(columns),
            step: Arc::new(transformer),
        });
        self
    }

    /// Adds numeric columns with their steps (impute → log1p → scale).
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
    /// let spec = ColumnTransformer::new().numeric(&["age", "income"], NumericSteps::default());
    /// assert_eq!(spec.columns(), vec!["age", "income"]);
    /// ```
    pub fn numeric(self, columns: &[&str], steps: NumericSteps) -> Self {
        self.step(columns, steps)
    }

    /// Adds categorical or boolean columns with their steps (impute → encode).
    ///
    /// ```
    /// use ua_data::pipeline::{CategoricalSteps, ColumnTransformer};
    /// let spec = ColumnTransformer::new().categorical(&["city"], CategoricalSteps::default());
    /// assert_eq!(spec.columns(), vec!["city"]);
    /// ```
    pub fn categorical(self, columns: &[&str], steps: CategoricalSteps) -> Self {
        self.step(columns, steps)
    }

    /// Adds date columns, expanded into calendar parts (then scaled).
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, DateSteps};
    /// let spec = ColumnTransformer::new().dates(&["signup"], DateSteps::default());
    /// assert_eq!(spec.columns(), vec!["signup"]);
    /// ```
    pub fn dates(self, columns: &[&str], steps: DateSteps) -> Self {
        self.step(columns, steps)
    }

    /// Adds columns copied as they are: numbers, booleans as 0/1, dates as
    /// days since 1970-01-01 (see [`Passthrough`]). A missing value in them
    /// is an error.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// assert_eq!(ColumnTransformer::new().passthrough(&["is_new"]).columns(), vec!["is_new"]);
    /// ```
    pub fn passthrough(self, columns: &[&str]) -> Self {
        self.step(columns, Passthrough)
    }

    /// Sets what happens to the columns no step names (default
    /// [`Remainder::Drop`]). With [`Remainder::Passthrough`], remove the
    /// target column from the table first, or it becomes a feature.
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, Remainder};
    /// let spec = ColumnTransformer::new().remainder(Remainder::Passthrough);
    /// assert_eq!(spec.get_remainder(), Remainder::Passthrough);
    /// ```
    pub fn remainder(mut self, remainder: Remainder) -> Self {
        self.remainder = remainder;
        self
    }

    /// The remainder policy.
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, Remainder};
    /// assert_eq!(ColumnTransformer::new().get_remainder(), Remainder::Drop);
    /// ```
    pub fn get_remainder(&self) -> Remainder {
        self.remainder
    }

    /// Names the column that identifies the rows (a user or order id): it
    /// is kept out of the features, remembered in the schema, and returned
    /// with the rows by [`FittedColumnTransformer::transform_features`] (and
    /// as the first column of the table output) so that scores can be joined
    /// back. No step may name it.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// assert_eq!(ColumnTransformer::new().id_column("user_id").get_id_column(), Some("user_id"));
    /// ```
    pub fn id_column(mut self, name: impl Into<String>) -> Self {
        self.id_column = Some(name.into());
        self
    }

    /// The id column, if one is set.
    ///
    /// ```
    /// assert_eq!(ua_data::pipeline::ColumnTransformer::new().get_id_column(), None);
    /// ```
    pub fn get_id_column(&self) -> Option<&str> {
        self.id_column.as_deref()
    }

    /// Every input column named by a step, in step order (the remainder is
    /// only known at fit time).
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
    /// let spec = ColumnTransformer::new().passthrough(&["b"]).numeric(&["a"], NumericSteps::default());
    /// assert_eq!(spec.columns(), vec!["b", "a"]);
    /// ```
    pub fn columns(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .flat_map(|b| b.columns.iter().map(String::as_str))
            .collect()
    }

    /// A spec chosen from the column types of `table`, leaving out `target`
    /// and the columns in `drop`:
    ///
    /// * numeric → median imputation + standard scaling;
    /// * categorical and boolean → most-frequent imputation + one-hot
    ///   encoding with cardinality limits ([`Encode::one_hot_limited`]: at
    ///   most [`AUTO_MAX_CATEGORIES`] features per column, categories in
    ///   fewer than `min(`[`AUTO_MIN_FREQUENCY`]`, ⌈1 % of rows⌉)` rows
    ///   grouped as `column=(infrequent)`); unseen categories go to the
    ///   infrequent feature when there is one, else all zeros;
    /// * date → year, month, weekday, day of year, standard-scaled.
    ///
    /// **Identifiers are left out**: a text column whose non-missing values
    /// (at least 20) are all distinct, and a numeric column named like a key
    /// (`id`, `…_id`, `…Id`, `key`, `…_key`, `uuid`) whose values are
    /// distinct integers. They are listed, with the reason, in the fitted
    /// pipeline's [`fit_report`](super::FittedColumnTransformer::fit_report);
    /// [`keep_id_like`](Self::keep_id_like) keeps one on purpose. Name the
    /// row identifier with [`id_column`](Self::id_column) (after listing it
    /// in `drop`) to get it back with the features. Unknown names in
    /// `target` or `drop` are an error.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("user".into(), Column::categorical(&["u1", "u2"])),
    ///     ("age".into(), Column::numeric(vec![30.0, 50.0])),
    ///     ("device".into(), Column::categorical(&["ios", "web"])),
    ///     ("churned".into(), Column::boolean(vec![true, false])),
    /// ]).unwrap();
    /// let spec = ColumnTransformer::auto(&t, Some("churned"), &["user"]).unwrap().id_column("user");
    /// let pipe = spec.fit(&t).unwrap();
    /// assert_eq!(pipe.feature_names(), &["age", "device=ios", "device=web"]);
    /// ```
    pub fn auto(table: &Table, target: Option<&str>, drop: &[&str]) -> Result<Self> {
        const OP: &str = "ColumnTransformer::auto";
        for name in target.iter().chain(drop) {
            column(table, name, OP)?;
        }
        let (mut num, mut cat, mut date) = (Vec::new(), Vec::new(), Vec::new());
        let mut excluded = Vec::new();
        for (name, col) in table.columns() {
            if Some(name) == target || drop.contains(&name) {
                continue;
            }
            if let Some(reason) = id_like_reason(name, col) {
                let e = ExcludedColumn {
                    column: name.to_owned(),
                    reason,
                };
                excluded.push((e, col.dtype()));
                continue;
            }
            match col.dtype() {
                ColumnType::Numeric => num.push(name),
                ColumnType::Categorical | ColumnType::Boolean => cat.push(name),
                ColumnType::Date => date.push(name),
            }
        }
        let mut spec = ColumnTransformer::new();
        if !num.is_empty() {
            spec = spec.numeric(&num, NumericSteps::default());
        }
        let n = table.n_rows();
        if !cat.is_empty() {
            spec = spec.categorical(&cat, auto_categorical(n));
        }
        if !date.is_empty() {
            spec = spec.dates(&date, DateSteps::default());
        }
        spec.excluded = excluded;
        spec.auto_rows = n;
        Ok(spec)
    }

    /// Keeps columns that [`auto`](Self::auto) left out as identifiers:
    /// each becomes a feature with the recipe `auto` gives its type (a text
    /// column is one-hot encoded with the same cardinality limits, so most
    /// of its values end up in `column=(infrequent)`; use
    /// [`categorical`](Self::categorical) on a spec of your own for other
    /// limits). A name `auto` did not leave out is an error at
    /// [`fit`](Self::fit).
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("store_id".into(), Column::numeric((0..25).map(f64::from).collect())),
    ///     ("sales".into(), Column::numeric((0..25).map(|i| f64::from(i % 4)).collect())),
    /// ]).unwrap();
    /// let auto = ColumnTransformer::auto(&t, None, &[]).unwrap();
    /// assert_eq!(auto.columns(), vec!["sales"]);
    /// let kept = auto.keep_id_like(&["store_id"]);
    /// assert_eq!(kept.columns(), vec!["sales", "store_id"]);
    /// assert!(kept.fit(&t).unwrap().fit_report().excluded.is_empty());
    /// let err = ColumnTransformer::auto(&t, None, &[]).unwrap().keep_id_like(&["sales"]).fit(&t).unwrap_err();
    /// assert!(err.to_string().contains("`sales`"), "{err}");
    /// ```
    pub fn keep_id_like(mut self, columns: &[&str]) -> Self {
        for &name in columns {
            match self.excluded.iter().position(|(e, _)| e.column == name) {
                Some(i) => {
                    let (_, dtype) = self.excluded.remove(i);
                    self = match dtype {
                        ColumnType::Numeric => self.numeric(&[name], NumericSteps::default()),
                        ColumnType::Date => self.dates(&[name], DateSteps::default()),
                        ColumnType::Categorical | ColumnType::Boolean => {
                            let steps = auto_categorical(self.auto_rows);
                            self.categorical(&[name], steps)
                        }
                    };
                }
                None => self.not_excluded.push(name.to_owned()),
            }
        }
        self
    }

    /// The columns [`auto`](Self::auto) left out as identifiers, with the
    /// reason (the fitted pipeline's
    /// [`fit_report`](super::FittedColumnTransformer::fit_report) lists them too).
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let codes: Vec<String> = (0..20).map(|i| format!("A{i:03}")).collect();
    /// let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    /// let t = Table::new(vec![
    ///     ("sku".into(), Column::categorical(&codes)),
    ///     ("price".into(), Column::numeric(vec![1.0; 20])),
    /// ]).unwrap();
    /// let spec = ColumnTransformer::auto(&t, None, &[]).unwrap();
    /// assert_eq!(spec.excluded()[0].column, "sku");
    /// assert!(spec.excluded()[0].reason.contains("all 20 non-missing values are distinct"));
    /// ```
    pub fn excluded(&self) -> Vec<&ExcludedColumn> {
        self.excluded.iter().map(|(e, _)| e).collect()
    }

    /// Learns every step from the training table and records the input
    /// schema (the name and type of every column read).
    ///
    /// Errors (each naming the column): an unknown column, a column named by
    /// two steps, an id column that a step also names, a column of the wrong
    /// type for its step, missing values where nothing imputes them, NaN or
    /// infinite values, a step output that cannot be a feature (a
    /// categorical column, a missing value), two features with the same
    /// name; also an empty table or a spec that reads no column.
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("age".into(), Column::numeric_opt(vec![None, None]))]).unwrap();
    /// let err = ColumnTransformer::new().numeric(&["age"], NumericSteps::default()).fit(&t).unwrap_err();
    /// assert!(err.to_string().contains("`age`"), "{err}");
    /// ```
    pub fn fit(&self, table: &Table) -> Result<FittedColumnTransformer> {
        const OP: &str = "ColumnTransformer::fit";
        let invalid = |message: String| Error::InvalidArgument { op: OP, message };
        if let Some(name) = self.not_excluded.first() {
            let left_out: Vec<&str> = self
                .excluded
                .iter()
                .map(|(e, _)| e.column.as_str())
                .collect();
            return Err(invalid(format!(
                "keep_id_like(`{name}`): the automatic recipe did not leave `{name}` out \
                 (columns it left out: {})",
                if left_out.is_empty() {
                    "none".to_owned()
                } else {
                    left_out.join(", ")
                }
            )));
        }
        let named = self.columns();
        for (i, name) in named.iter().enumerate() {
            if named[..i].contains(name) {
                return Err(invalid(format!(
                    "column `{name}` is named in more than one block"
                )));
            }
            column(table, name, OP)?;
        }
        if let Some(id) = &self.id_column {
            column(table, id, OP)?;
            if named.contains(&id.as_str()) {
                return Err(invalid(format!(
                    "column `{id}` is the id column and cannot also be a feature; remove it from \
                     the steps (with auto, list it in `drop`)"
                )));
            }
        }
        if table.n_rows() == 0 {
            return Err(invalid("the training table has no rows".into()));
        }
        let mut blocks: Vec<SpecBlock> = self.blocks.clone();
        if self.remainder == Remainder::Passthrough {
            let rest: Vec<String> = table
                .column_names()
                .into_iter()
                .filter(|n| !named.contains(n) && self.id_column.as_deref() != Some(n))
                .map(String::from)
                .collect();
            if !rest.is_empty() {
                blocks.push(SpecBlock {
                    columns: rest,
                    step: Arc::new(Passthrough),
                });
            }
        }
        if blocks.is_empty() {
            return Err(invalid("the spec names no columns".into()));
        }
        let read = |n: &str| {
            self.id_column.as_deref() == Some(n)
                || blocks.iter().any(|b| b.columns.iter().any(|c| c == n))
        };
        let schema: Vec<ColumnSchema> = table
            .columns()
            .filter(|(n, _)| read(n))
            .map(|(n, c)| ColumnSchema::of(n, c))
            .collect();
        let mut fitted = Vec::with_capacity(blocks.len());
        for b in &blocks {
            let cols: Vec<&str> = b.columns.iter().map(String::as_str).collect();
            if cols.is_empty() {
                return Err(invalid(format!(
                    "a step ({}) names no column",
                    b.step.type_name()
                )));
            }
            let sub = table.select(&cols)?;
            let step = b.step.fit_shared(&sub)?;
            let out = step.transform(&sub)?;
            for (name, col) in out.columns() {
                feature_values(OP, name, col, &out)?;
            }
            fitted.push(FittedBlock {
                columns: b.columns.clone(),
                features: out.column_names().into_iter().map(String::from).collect(),
                step,
            });
        }
        let feature_names: Vec<String> = fitted.iter().flat_map(|b| b.features.clone()).collect();
        let mut sorted: Vec<&str> = feature_names.iter().map(String::as_str).collect();
        sorted.extend(self.id_column.as_deref());
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(format!(
                "two features (or a feature and the id column) would be named `{}`; rename the \
                 column that clashes",
                w[0]
            )));
        }
        Ok(FittedColumnTransformer::new(
            schema,
            self.id_column.clone(),
            fitted,
            feature_names,
            self.excluded.iter().map(|(e, _)| e.clone()).collect(),
        ))
    }
}

impl Transformer for ColumnTransformer {
    type Fitted = FittedColumnTransformer;

    /// Same as [`ColumnTransformer::fit`].
    fn fit(&self, table: &Table) -> Result<FittedColumnTransformer> {
        ColumnTransformer::fit(self, table)
    }

    /// Same as [`ColumnTransformer::get_id_column`].
    fn id_column(&self) -> Option<&str> {
        self.get_id_column()
    }
}
