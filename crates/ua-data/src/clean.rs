//! Cleaning: dropping incomplete rows, imputing missing values, removing
//! duplicate rows, clipping outliers — each reporting what it changed.
//!
//! Nothing is dropped or filled silently: [`drop_missing`] returns a
//! [`DropReport`], [`FittedImputer::transform_with_report`] an
//! [`ImputeReport`], [`dedup`] the number of removed rows and
//! [`FittedClipper::transform_with_report`] a [`ClipReport`].
//! The [`Imputer`] and the [`Clipper`] follow the fit/transform split of
//! [`crate::Transformer`]: fit on the training split, apply the fitted values
//! everywhere else.
//!
//! ```
//! use ua_data::{Column, Table, Transformer, Value};
//! use ua_data::clean::{drop_missing, Impute, Imputer};
//!
//! let t = Table::new(vec![
//!     ("age".into(), Column::numeric_opt(vec![Some(30.0), None, Some(50.0)])),
//!     ("city".into(), Column::categorical_opt(&[Some("Paris"), Some("Oslo"), None])),
//! ]).unwrap();
//! let (complete, report) = drop_missing(&t, None).unwrap();
//! assert_eq!((complete.n_rows(), report.rows_dropped), (1, 2));
//!
//! let imputer = Imputer::new()
//!     .all_numeric(Impute::Median)
//!     .column("city", Impute::constant("unknown"));
//! let (filled, report) = imputer.fit(&t).unwrap().transform_with_report(&t).unwrap();
//! assert_eq!(filled.numeric("age").unwrap().get(1), Some(40.0));
//! assert_eq!(filled.categorical("city").unwrap().get(2), Some("unknown"));
//! assert_eq!(report.total(), 2);
//! ```

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use crate::describe::quantile_sorted;
use crate::pipeline::{FittedStep, TransformReport};
use crate::table::hash::FastMap;
use crate::table::keys::RowKeys;
use crate::{
    BooleanColumn, CategoricalColumn, Column, ColumnType, DateColumn, Error, NumericColumn, Result,
    Table, Transform, Transformer, Value,
};

/// What [`drop_missing`] removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropReport {
    /// Rows in the input.
    pub rows_before: usize,
    /// Rows removed.
    pub rows_dropped: usize,
    /// For each checked column with at least one missing value among the
    /// removed rows: how many removed rows were missing there (a row missing
    /// in two columns counts in both).
    pub missing_by_column: Vec<(String, usize)>,
}

fn names_or_all<'a>(table: &'a Table, subset: Option<&'a [&'a str]>) -> Result<Vec<&'a str>> {
    match subset {
        Some(s) => {
            for n in s {
                table.column_index(n)?;
            }
            Ok(s.to_vec())
        }
        None => Ok(table.column_names()),
    }
}

/// Removes the rows that have a missing value in any of `subset` (all columns
/// if `None`).
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::clean::drop_missing;
/// let t = Table::new(vec![
///     ("a".into(), Column::numeric_opt(vec![None, Some(1.0), None])),
///     ("b".into(), Column::boolean_opt(vec![Some(true), Some(false), None])),
/// ]).unwrap();
/// let (out, r) = drop_missing(&t, Some(&["b"])).unwrap();
/// assert_eq!(out.n_rows(), 2);
/// assert_eq!(r.missing_by_column, vec![("b".to_string(), 1)]);
/// assert!(drop_missing(&t, Some(&["z"])).is_err());
/// ```
pub fn drop_missing(table: &Table, subset: Option<&[&str]>) -> Result<(Table, DropReport)> {
    let names = names_or_all(table, subset)?;
    let n = table.n_rows();
    let masks: Vec<Vec<bool>> = names
        .iter()
        .map(|c| table.column(c).map(Column::missing_mask))
        .collect::<Result<_>>()?;
    let mut keep = vec![true; n];
    for m in &masks {
        for (k, &miss) in keep.iter_mut().zip(m) {
            *k &= !miss;
        }
    }
    let missing_by_column = names
        .iter()
        .zip(&masks)
        .map(|(name, m)| (name.to_string(), m.iter().filter(|&&x| x).count()))
        .filter(|(_, c)| *c > 0)
        .collect();
    let out = table.filter(&keep)?;
    let report = DropReport {
        rows_before: n,
        rows_dropped: n - out.n_rows(),
        missing_by_column,
    };
    Ok((out, report))
}

/// Removes repeated rows (equal in every column of `subset`, or in all
/// columns if `None`), keeping the first occurrence. Missing equals missing
/// here; categorical values compare by string. Returns the table and the
/// number of rows removed.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::clean::dedup;
/// let t = Table::new(vec![
///     ("u".into(), Column::categorical(&["a", "b", "a"])),
///     ("x".into(), Column::numeric(vec![1.0, 2.0, 3.0])),
/// ]).unwrap();
/// assert_eq!(dedup(&t, None).unwrap().1, 0);
/// let (out, removed) = dedup(&t, Some(&["u"])).unwrap();
/// assert_eq!((out.n_rows(), removed), (2, 1));
/// assert_eq!(out.numeric("x").unwrap().values(), &[1.0, 2.0]);
/// ```
pub fn dedup(table: &Table, subset: Option<&[&str]>) -> Result<(Table, usize)> {
    let names = names_or_all(table, subset)?;
    if names.is_empty() {
        return Ok((table.clone(), 0));
    }
    let cols: Vec<&Column> = names
        .iter()
        .map(|n| table.column(n))
        .collect::<Result<_>>()?;
    let keys = RowKeys::new(&cols, &[], table.n_rows());
    let (_, first) = keys.group_ids();
    let removed = table.n_rows() - first.len();
    Ok((table.take_unchecked(&first), removed))
}

/// How missing values are filled — the one imputation rule of the crate,
/// used by the [`Imputer`] and by the [`pipeline`](crate::pipeline) blocks.
/// Statistics are learned from the present training values at fit time.
///
/// ```
/// use ua_data::clean::Impute;
/// use ua_data::Value;
/// assert_eq!(Impute::constant(0.0), Impute::Constant(Value::Number(0.0)));
/// assert_eq!(Impute::constant("unknown"), Impute::constant("unknown"));
/// assert_ne!(Impute::Mean, Impute::Median);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impute {
    /// Mean of the present training values (numeric columns).
    Mean,
    /// Median of the present training values (numeric columns).
    Median,
    /// Most frequent present training value (any type; ties go to the
    /// smallest value, `false` before `true`, or the alphabetically first level).
    MostFrequent,
    /// A fixed value of the column's type: a number, a level (a level not
    /// seen in training is added), a boolean or a date.
    Constant(Value<'static>),
}

impl Impute {
    /// A constant fill: `Impute::constant(0.0)`, `Impute::constant("unknown")`,
    /// `Impute::constant(false)`.
    ///
    /// ```
    /// use ua_data::clean::Impute;
    /// assert!(matches!(Impute::constant(true), Impute::Constant(ua_data::Value::Bool(true))));
    /// ```
    pub fn constant(value: impl Into<Value<'static>>) -> Self {
        Impute::Constant(value.into())
    }

    /// The name of the strategy, for messages: `mean`, `median`,
    /// `most_frequent`, `constant`.
    ///
    /// ```
    /// assert_eq!(ua_data::clean::Impute::MostFrequent.name(), "most_frequent");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Impute::Mean => "mean",
            Impute::Median => "median",
            Impute::MostFrequent => "most_frequent",
            Impute::Constant(_) => "constant",
        }
    }
}

/// Fills missing values; configure per column and/or per column type, then
/// [`fit`](Transformer::fit). A column named with [`column`](Self::column)
/// uses that strategy; other columns use the strategy of their type, if one
/// is set; columns with neither are left as they are.
///
/// ```
/// use ua_data::{Column, ColumnType, Table, Transformer};
/// use ua_data::clean::{Impute, Imputer};
/// let t = Table::new(vec![("x".into(), Column::numeric_opt(vec![None, None]))]).unwrap();
/// let err = Imputer::new().all_numeric(Impute::Mean).fit(&t).unwrap_err();
/// assert!(err.to_string().contains("`x`"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imputer {
    per_column: Vec<(String, Impute)>,
    per_type: Vec<(ColumnType, Impute)>,
}

impl Imputer {
    /// An imputer that fills nothing until configured.
    ///
    /// ```
    /// let _ = ua_data::clean::Imputer::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Strategy for column `name` (overrides the type's strategy).
    ///
    /// ```
    /// use ua_data::clean::{Impute, Imputer};
    /// let _ = Imputer::new().column("age", Impute::Median);
    /// ```
    pub fn column(mut self, name: impl Into<String>, strategy: Impute) -> Self {
        let name = name.into();
        self.per_column.retain(|(n, _)| n != &name);
        self.per_column.push((name, strategy));
        self
    }

    /// Strategy for every column of type `dtype`.
    ///
    /// ```
    /// use ua_data::{ColumnType, clean::{Impute, Imputer}};
    /// let _ = Imputer::new().all_of_type(ColumnType::Categorical, Impute::MostFrequent);
    /// ```
    pub fn all_of_type(mut self, dtype: ColumnType, strategy: Impute) -> Self {
        self.per_type.retain(|(t, _)| *t != dtype);
        self.per_type.push((dtype, strategy));
        self
    }

    /// Strategy for every numeric column.
    ///
    /// ```
    /// use ua_data::clean::{Impute, Imputer};
    /// let _ = Imputer::new().all_numeric(Impute::Mean);
    /// ```
    pub fn all_numeric(self, strategy: Impute) -> Self {
        self.all_of_type(ColumnType::Numeric, strategy)
    }

    /// Strategy for every categorical column.
    ///
    /// ```
    /// use ua_data::clean::{Impute, Imputer};
    /// let _ = Imputer::new().all_categorical(Impute::MostFrequent);
    /// ```
    pub fn all_categorical(self, strategy: Impute) -> Self {
        self.all_of_type(ColumnType::Categorical, strategy)
    }
}

/// The fill value of a numeric column for a statistic strategy (mean,
/// median, most frequent; ties of the most frequent value go to the
/// smallest). Shared by [`Imputer`] and the column-transformer pipeline.
/// An entirely missing column is an error naming it.
pub(crate) fn numeric_fill_value(
    op: &'static str,
    name: &str,
    c: &NumericColumn,
    strategy: &Impute,
) -> Result<f64> {
    let what = match strategy {
        Impute::Mean => "mean",
        Impute::Median => "median",
        Impute::MostFrequent => "most frequent value",
        Impute::Constant(_) => {
            return Err(Error::InvalidArgument {
                op,
                message: format!("column `{name}`: a constant fill is not a statistic"),
            });
        }
    };
    let mut v: Vec<f64> = c.non_missing().collect();
    if v.is_empty() {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "column `{name}` is entirely missing in the training data: cannot compute its {what}"
            ),
        });
    }
    Ok(match strategy {
        Impute::Mean => v.iter().sum::<f64>() / v.len() as f64,
        Impute::Median => {
            v.sort_unstable_by(f64::total_cmp);
            quantile_sorted(&v, 0.5).unwrap_or(f64::NAN)
        }
        _ => {
            let mut counts: FastMap<u64, usize> = FastMap::default();
            for x in &v {
                *counts.entry((x + 0.0).to_bits()).or_default() += 1;
            }
            counts
                .iter()
                .map(|(&b, &n)| (f64::from_bits(b), n))
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.total_cmp(&a.0)))
                .map_or(f64::NAN, |best| best.0)
        }
    })
}

fn most_frequent(name: &str, col: &Column) -> Result<Value<'static>> {
    let none = || Error::InvalidArgument {
        op: "Imputer::fit",
        message: format!(
            "column `{name}` has no present values: cannot compute the most frequent value"
        ),
    };
    match col {
        Column::Categorical(c) => {
            let counts = c.level_counts();
            let best = (0..counts.len())
                .filter(|&k| counts[k] > 0)
                .max_by(|&a, &b| {
                    counts[a]
                        .cmp(&counts[b])
                        .then_with(|| c.levels()[b].cmp(&c.levels()[a]))
                })
                .ok_or_else(none)?;
            Ok(Value::text(c.levels()[best].clone()))
        }
        Column::Boolean(c) => {
            let t = c.values().iter().filter(|v| **v == Some(true)).count();
            let f = c.values().iter().filter(|v| **v == Some(false)).count();
            if t + f == 0 {
                return Err(none());
            }
            Ok(Value::Bool(t > f))
        }
        Column::Numeric(c) => Ok(Value::Number(numeric_fill_value(
            "Imputer::fit",
            name,
            c,
            &Impute::MostFrequent,
        )?)),
        Column::Date(c) => {
            let mut counts: FastMap<i32, usize> = FastMap::default();
            for d in c.iter().flatten() {
                *counts.entry(d).or_default() += 1;
            }
            let best = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .ok_or_else(none)?;
            Ok(Value::Date(*best.0))
        }
    }
}

fn check_value_type(op: &'static str, name: &str, col: ColumnType, v: &Value<'_>) -> Result<()> {
    match v.column_type() {
        Some(t) if t == col => Ok(()),
        found => Err(Error::TypeMismatch {
            op,
            column: name.to_owned(),
            expected: format!("a fill value of type {col}"),
            found: found.map_or("a missing value".into(), |t| format!("a {t} fill value")),
        }),
    }
}

impl Transformer for Imputer {
    type Fitted = FittedImputer;

    fn fit(&self, table: &Table) -> Result<FittedImputer> {
        for (n, _) in &self.per_column {
            table.column_index(n).map_err(|e| match e {
                Error::UnknownColumn {
                    name, available, ..
                } => Error::UnknownColumn {
                    op: "Imputer::fit",
                    name,
                    available,
                },
                other => other,
            })?;
        }
        let mut fills = Vec::new();
        for (name, col) in table.columns() {
            let strategy = self
                .per_column
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s)
                .or_else(|| {
                    self.per_type
                        .iter()
                        .find(|(t, _)| *t == col.dtype())
                        .map(|(_, s)| s)
                });
            let Some(strategy) = strategy else { continue };
            let value = match strategy {
                Impute::Mean | Impute::Median => {
                    let c = table.numeric(name).map_err(|_| Error::TypeMismatch {
                        op: "Imputer::fit",
                        column: name.to_owned(),
                        expected: "numeric (mean/median imputation)".into(),
                        found: col.dtype().name().into(),
                    })?;
                    Value::Number(numeric_fill_value("Imputer::fit", name, c, strategy)?)
                }
                Impute::MostFrequent => most_frequent(name, col)?,
                Impute::Constant(v) => {
                    check_value_type("Imputer::fit", name, col.dtype(), v)?;
                    v.clone()
                }
            };
            fills.push((name.to_owned(), value));
        }
        Ok(FittedImputer { fills })
    }
}

/// The values an [`Imputer`] learned: one fill value per column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedImputer {
    /// `(column, value)` pairs, in the order of the training table.
    pub fills: Vec<(String, Value<'static>)>,
}

/// How many values a [`FittedImputer`] filled, per column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImputeReport {
    /// `(column, values filled)` for every fitted column, zero included.
    pub imputed: Vec<(String, usize)>,
}

impl ImputeReport {
    /// Total number of values filled.
    ///
    /// ```
    /// let r = ua_data::clean::ImputeReport { imputed: vec![("a".into(), 2), ("b".into(), 1)] };
    /// assert_eq!(r.total(), 3);
    /// ```
    pub fn total(&self) -> usize {
        self.imputed.iter().map(|(_, n)| n).sum()
    }
}

fn fill_column(col: &Column, v: &Value<'_>) -> Option<Column> {
    Some(match (col, v) {
        (Column::Numeric(c), Value::Number(x)) => Column::Numeric(NumericColumn::from_values(
            c.iter().map(|o| o.unwrap_or(*x)).collect(),
        )),
        (Column::Date(c), Value::Date(x)) => Column::Date(DateColumn::from_days(
            c.iter().map(|o| o.unwrap_or(*x)).collect(),
        )),
        (Column::Boolean(c), Value::Bool(x)) => Column::Boolean(BooleanColumn::from_values(
            c.values().iter().map(|o| o.unwrap_or(*x)).collect(),
        )),
        (Column::Categorical(c), Value::Text(s)) => {
            let mut levels = c.levels().to_vec();
            let code = match c.level_code(s) {
                Some(k) => k,
                None => {
                    levels.push(s.to_string());
                    (levels.len() - 1) as u32
                }
            };
            let codes = c
                .codes()
                .iter()
                .map(|&k| {
                    if k == CategoricalColumn::MISSING {
                        code
                    } else {
                        k
                    }
                })
                .collect();
            Column::Categorical(CategoricalColumn::from_parts_unchecked(codes, levels))
        }
        _ => return None,
    })
}

impl FittedImputer {
    /// Fills the missing values and reports how many were filled per column.
    /// Every fitted column must be present with its training type.
    ///
    /// ```
    /// use ua_data::{Column, Table, Transformer};
    /// use ua_data::clean::{Impute, Imputer};
    /// let train = Table::new(vec![("x".into(), Column::numeric_opt(vec![Some(1.0), Some(3.0)]))]).unwrap();
    /// let fitted = Imputer::new().all_numeric(Impute::Mean).fit(&train).unwrap();
    /// let test = Table::new(vec![("x".into(), Column::numeric_opt(vec![None, Some(5.0)]))]).unwrap();
    /// let (out, report) = fitted.transform_with_report(&test).unwrap();
    /// assert_eq!(out.numeric("x").unwrap().values(), &[2.0, 5.0]);
    /// assert_eq!(report.imputed, vec![("x".to_string(), 1)]);
    /// ```
    pub fn transform_with_report(&self, table: &Table) -> Result<(Table, ImputeReport)> {
        let mut out = table.clone();
        let mut imputed = Vec::with_capacity(self.fills.len());
        for (name, v) in &self.fills {
            let col = table.column(name).map_err(|e| match e {
                Error::UnknownColumn {
                    name, available, ..
                } => Error::UnknownColumn {
                    op: "FittedImputer::transform",
                    name,
                    available,
                },
                other => other,
            })?;
            check_value_type("FittedImputer::transform", name, col.dtype(), v)?;
            let n = col.missing_count();
            if n > 0
                && let Some(filled) = fill_column(col, v)
            {
                out.replace_column(name, filled)?;
            }
            imputed.push((name.clone(), n));
        }
        Ok((out, ImputeReport { imputed }))
    }
}

impl Transform for FittedImputer {
    fn transform(&self, table: &Table) -> Result<Table> {
        self.transform_with_report(table).map(|(t, _)| t)
    }
}

impl FittedImputer {
    fn invariants(&self) -> std::result::Result<(), String> {
        for (i, (name, v)) in self.fills.iter().enumerate() {
            if self.fills[..i].iter().any(|(n, _)| n == name) {
                return Err(format!("column `{name}` has two fill values"));
            }
            match v {
                Value::Missing => return Err(format!("the fill value of `{name}` is missing")),
                Value::Number(x) if !x.is_finite() => {
                    return Err(format!("the fill value of `{name}` is not finite: {x}"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Persist for FittedImputer {
    const KIND: &'static str = "ua-data/imputer";

    /// Column names are distinct and every fill value is present and finite.
    fn validate(&self) -> std::result::Result<(), String> {
        self.invariants()
    }
}

#[typetag::serde(name = "ua-data/imputer")]
impl FittedStep for FittedImputer {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        self.invariants()
    }

    /// Fills and adds the number of filled values to each column's `imputed`.
    fn transform_reporting(&self, table: &Table, report: &mut TransformReport) -> Result<Table> {
        let (out, r) = self.transform_with_report(table)?;
        for (name, n) in r.imputed {
            report.column_mut(&name).imputed += n;
        }
        Ok(out)
    }
}

/// Clips numeric columns to quantiles learned at fit time (winsorizing).
///
/// ```
/// use ua_data::{Column, Table, Transformer};
/// use ua_data::clean::Clipper;
/// let t = Table::new(vec![("x".into(), Column::numeric((0..=100).map(f64::from).collect()))]).unwrap();
/// let fitted = Clipper::new(0.05, 0.95).fit(&t).unwrap();
/// assert_eq!(fitted.bounds[0], ("x".to_string(), 5.0, 95.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Clipper {
    lower: f64,
    upper: f64,
    columns: Option<Vec<String>>,
}

impl Clipper {
    /// Clip below quantile `lower` and above quantile `upper` (both in
    /// `[0, 1]`, checked at fit time), on every numeric column by default.
    ///
    /// ```
    /// let _ = ua_data::clean::Clipper::new(0.01, 0.99);
    /// ```
    pub fn new(lower: f64, upper: f64) -> Self {
        Clipper {
            lower,
            upper,
            columns: None,
        }
    }

    /// Restricts clipping to these numeric columns.
    ///
    /// ```
    /// let _ = ua_data::clean::Clipper::new(0.01, 0.99).columns(&["amount"]);
    /// ```
    pub fn columns(mut self, names: &[&str]) -> Self {
        self.columns = Some(names.iter().map(|s| s.to_string()).collect());
        self
    }
}

impl Transformer for Clipper {
    type Fitted = FittedClipper;

    fn fit(&self, table: &Table) -> Result<FittedClipper> {
        let ok = |q: f64| (0.0..=1.0).contains(&q);
        for (name, q) in [("lower", self.lower), ("upper", self.upper)] {
            if !ok(q) {
                return Err(Error::InvalidParameter {
                    op: "Clipper::fit",
                    name,
                    message: format!("a quantile must lie in [0, 1], found {q}"),
                });
            }
        }
        if self.lower > self.upper {
            return Err(Error::InvalidParameter {
                op: "Clipper::fit",
                name: "lower",
                message: format!(
                    "lower must not exceed upper, found lower {} and upper {}",
                    self.lower, self.upper
                ),
            });
        }
        let names: Vec<String> = match &self.columns {
            Some(c) => c.clone(),
            None => table
                .columns()
                .filter(|(_, c)| c.dtype() == ColumnType::Numeric)
                .map(|(n, _)| n.to_owned())
                .collect(),
        };
        let mut bounds = Vec::with_capacity(names.len());
        for name in names {
            let c = table.numeric(&name)?;
            let mut v: Vec<f64> = c.non_missing().filter(|x| !x.is_nan()).collect();
            if v.is_empty() {
                return Err(Error::InvalidArgument {
                    op: "Clipper::fit",
                    message: format!("column `{name}` has no present values in the training data"),
                });
            }
            v.sort_unstable_by(f64::total_cmp);
            let lo = quantile_sorted(&v, self.lower).unwrap_or(f64::NEG_INFINITY);
            let hi = quantile_sorted(&v, self.upper).unwrap_or(f64::INFINITY);
            bounds.push((name, lo, hi));
        }
        Ok(FittedClipper { bounds })
    }
}

/// Bounds learned by a [`Clipper`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedClipper {
    /// `(column, lower bound, upper bound)`.
    pub bounds: Vec<(String, f64, f64)>,
}

/// How many values a [`FittedClipper`] changed, per column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClipReport {
    /// `(column, raised to the lower bound, lowered to the upper bound)`.
    pub clipped: Vec<(String, usize, usize)>,
}

impl FittedClipper {
    /// Clips and reports how many values moved, per column. Missing values
    /// stay missing.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// use ua_data::clean::FittedClipper;
    /// let f = FittedClipper { bounds: vec![("x".into(), 0.0, 1.0)] };
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![-5.0, 0.5, 9.0]))]).unwrap();
    /// let (out, r) = f.transform_with_report(&t).unwrap();
    /// assert_eq!(out.numeric("x").unwrap().values(), &[0.0, 0.5, 1.0]);
    /// assert_eq!(r.clipped, vec![("x".to_string(), 1, 1)]);
    /// ```
    pub fn transform_with_report(&self, table: &Table) -> Result<(Table, ClipReport)> {
        let mut out = table.clone();
        let mut clipped = Vec::with_capacity(self.bounds.len());
        for (name, lo, hi) in &self.bounds {
            let c = table.numeric(name)?;
            let (mut below, mut above) = (0, 0);
            let values: Vec<f64> = c
                .values()
                .iter()
                .zip(c.missing_mask())
                .map(|(&x, &m)| {
                    if m {
                        x
                    } else if x < *lo {
                        below += 1;
                        *lo
                    } else if x > *hi {
                        above += 1;
                        *hi
                    } else {
                        x
                    }
                })
                .collect();
            out.replace_column(
                name,
                Column::Numeric(NumericColumn::new(values, c.missing_mask().to_vec())?),
            )?;
            clipped.push((name.clone(), below, above));
        }
        Ok((out, ClipReport { clipped }))
    }
}

impl Transform for FittedClipper {
    fn transform(&self, table: &Table) -> Result<Table> {
        self.transform_with_report(table).map(|(t, _)| t)
    }
}

impl FittedClipper {
    fn invariants(&self) -> std::result::Result<(), String> {
        for (i, (name, lo, hi)) in self.bounds.iter().enumerate() {
            if self.bounds[..i].iter().any(|(n, ..)| n == name) {
                return Err(format!("column `{name}` has two pairs of bounds"));
            }
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(format!(
                    "the bounds of `{name}` must be finite with lower <= upper, found {lo} and {hi}"
                ));
            }
        }
        Ok(())
    }
}

impl Persist for FittedClipper {
    const KIND: &'static str = "ua-data/clipper";

    /// Column names are distinct; bounds are finite with lower ≤ upper.
    fn validate(&self) -> std::result::Result<(), String> {
        self.invariants()
    }
}

#[typetag::serde(name = "ua-data/clipper")]
impl FittedStep for FittedClipper {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        self.invariants()
    }
}

/// Fits a [`Clipper`] on `table` and applies it to the same table.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::clean::winsorize;
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0, 3.0, 100.0]))]).unwrap();
/// let (out, r) = winsorize(&t, 0.0, 0.5, None).unwrap();
/// assert_eq!(out.numeric("x").unwrap().values(), &[1.0, 2.0, 2.5, 2.5]);
/// assert_eq!(r.clipped[0].2, 2);
/// ```
pub fn winsorize(
    table: &Table,
    lower: f64,
    upper: f64,
    columns: Option<&[&str]>,
) -> Result<(Table, ClipReport)> {
    let mut c = Clipper::new(lower, upper);
    if let Some(cols) = columns {
        c = c.columns(cols);
    }
    c.fit(table)?.transform_with_report(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table::new(vec![
            (
                "x".into(),
                Column::numeric_opt(vec![Some(1.0), None, Some(4.0), Some(4.0), None]),
            ),
            (
                "c".into(),
                Column::categorical_opt(&[Some("b"), Some("a"), None, Some("a"), Some("b")]),
            ),
            (
                "f".into(),
                Column::boolean_opt(vec![None, Some(true), Some(false), Some(false), None]),
            ),
            (
                "d".into(),
                Column::date_opt(vec![Some(5), Some(5), None, Some(2), Some(9)]),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn drop_report_counts_causes() {
        let (out, r) = drop_missing(&sample(), None).unwrap();
        assert_eq!(out.n_rows(), 1);
        assert_eq!(r.rows_before, 5);
        assert_eq!(r.rows_dropped, 4);
        assert_eq!(
            r.missing_by_column,
            vec![
                ("x".into(), 2),
                ("c".into(), 1),
                ("f".into(), 2),
                ("d".into(), 1)
            ]
        );
    }

    #[test]
    fn imputer_strategies() {
        let t = sample();
        let imp = Imputer::new()
            .all_numeric(Impute::Mean)
            .all_categorical(Impute::MostFrequent)
            .column("f", Impute::MostFrequent)
            .column("d", Impute::Constant(Value::Date(100)));
        let fitted = imp.fit(&t).unwrap();
        let (out, r) = fitted.transform_with_report(&t).unwrap();
        assert_eq!(
            out.numeric("x").unwrap().values(),
            &[1.0, 3.0, 4.0, 4.0, 3.0]
        );
        // a and b tie with 2 each: alphabetically first wins.
        assert_eq!(out.categorical("c").unwrap().get(2), Some("a"));
        assert_eq!(out.boolean("f").unwrap().get(0), Some(false));
        assert_eq!(out.date("d").unwrap().get(2), Some(100));
        assert_eq!(
            r.imputed,
            vec![
                ("x".into(), 2),
                ("c".into(), 1),
                ("f".into(), 2),
                ("d".into(), 1)
            ]
        );
        for (_, c) in out.columns() {
            assert_eq!(c.missing_count(), 0);
        }
        // Serde roundtrip of the fitted imputer gives the same result.
        let back: FittedImputer =
            serde_json::from_str(&serde_json::to_string(&fitted).unwrap()).unwrap();
        assert_eq!(back.transform(&t).unwrap(), out);
    }

    #[test]
    fn median_and_numeric_mode() {
        let t = Table::new(vec![(
            "x".into(),
            Column::numeric_opt(vec![Some(7.0), Some(1.0), None, Some(7.0), Some(2.0)]),
        )])
        .unwrap();
        let m = Imputer::new().column("x", Impute::Median).fit(&t).unwrap();
        assert_eq!(m.fills[0].1, Value::Number(4.5));
        let m = Imputer::new()
            .column("x", Impute::MostFrequent)
            .fit(&t)
            .unwrap();
        assert_eq!(m.fills[0].1, Value::Number(7.0));
    }

    #[test]
    fn imputer_errors() {
        let t = Table::new(vec![
            ("gone".into(), Column::numeric_opt(vec![None, None])),
            ("c".into(), Column::categorical(&["a", "b"])),
        ])
        .unwrap();
        for s in [Impute::Mean, Impute::Median] {
            let e = Imputer::new()
                .column("gone", s)
                .fit(&t)
                .unwrap_err()
                .to_string();
            assert!(e.contains("`gone` is entirely missing"), "{e}");
        }
        let e = Imputer::new()
            .column("gone", Impute::MostFrequent)
            .fit(&t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`gone`"), "{e}");
        // Constant fine even when all missing.
        let f = Imputer::new()
            .column("gone", Impute::Constant(Value::Number(0.0)))
            .fit(&t)
            .unwrap();
        assert_eq!(
            f.transform(&t).unwrap().numeric("gone").unwrap().values(),
            &[0.0, 0.0]
        );
        let e = Imputer::new()
            .column("c", Impute::Mean)
            .fit(&t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`c` has type categorical"), "{e}");
        let e = Imputer::new()
            .column("c", Impute::Constant(Value::Number(1.0)))
            .fit(&t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`c`"), "{e}");
        assert!(Imputer::new().column("zz", Impute::Mean).fit(&t).is_err());
        // Transform on a table without the fitted column.
        let f = Imputer::new()
            .column("c", Impute::MostFrequent)
            .fit(&t)
            .unwrap();
        let other = Table::new(vec![("d".into(), Column::numeric(vec![1.0]))]).unwrap();
        assert!(matches!(
            f.transform(&other),
            Err(Error::UnknownColumn { .. })
        ));
    }

    #[test]
    fn constant_new_level_is_added() {
        let t = Table::new(vec![(
            "c".into(),
            Column::categorical_opt(&[Some("a"), None]),
        )])
        .unwrap();
        let f = Imputer::new()
            .column("c", Impute::Constant(Value::text("other")))
            .fit(&t)
            .unwrap();
        let out = f.transform(&t).unwrap();
        assert_eq!(
            out.categorical("c").unwrap().levels(),
            &["a".to_string(), "other".to_string()]
        );
        assert_eq!(out.categorical("c").unwrap().get(1), Some("other"));
    }

    #[test]
    fn dedup_keeps_first_and_counts() {
        let t = Table::new(vec![
            (
                "a".into(),
                Column::numeric_opt(vec![Some(1.0), None, Some(1.0), None, Some(2.0)]),
            ),
            ("b".into(), Column::categorical(&["x", "y", "x", "y", "x"])),
            ("i".into(), Column::numeric(vec![0.0, 1.0, 2.0, 3.0, 4.0])),
        ])
        .unwrap();
        let (out, removed) = dedup(&t, Some(&["a", "b"])).unwrap();
        assert_eq!(removed, 2);
        assert_eq!(out.numeric("i").unwrap().values(), &[0.0, 1.0, 4.0]);
        assert!(dedup(&t, Some(&["nope"])).is_err());
    }

    #[test]
    fn clipper_fit_transform_and_errors() {
        let train = Table::new(vec![(
            "x".into(),
            Column::numeric_opt(vec![Some(0.0), Some(10.0), None, Some(20.0)]),
        )])
        .unwrap();
        let f = Clipper::new(0.25, 0.75).fit(&train).unwrap();
        assert_eq!(f.bounds, vec![("x".to_string(), 5.0, 15.0)]);
        let test = Table::new(vec![(
            "x".into(),
            Column::numeric_opt(vec![Some(-1.0), None, Some(100.0), Some(7.0)]),
        )])
        .unwrap();
        let (out, r) = f.transform_with_report(&test).unwrap();
        assert_eq!(
            out.numeric("x").unwrap().iter().collect::<Vec<_>>(),
            vec![Some(5.0), None, Some(15.0), Some(7.0)]
        );
        assert_eq!(r.clipped, vec![("x".to_string(), 1, 1)]);
        assert!(Clipper::new(0.9, 0.1).fit(&train).is_err());
        assert!(Clipper::new(-0.1, 0.5).fit(&train).is_err());
        let empty = Table::new(vec![("x".into(), Column::numeric_opt(vec![None]))]).unwrap();
        assert!(
            Clipper::new(0.1, 0.9)
                .fit(&empty)
                .unwrap_err()
                .to_string()
                .contains("`x`")
        );
    }

    #[test]
    fn imputer_and_clipper_report_save_load_and_refuse_broken_files() {
        use crate::testutil::{edit, envelope_policy, invalid};
        use serde_json::json;
        let t = sample();
        let imp = Imputer::new()
            .all_numeric(Impute::Median)
            .column("c", Impute::constant("none"))
            .fit(&t)
            .unwrap();
        let mut report = TransformReport::default();
        let out = imp.transform_reporting(&t, &mut report).unwrap();
        assert_eq!(out.numeric("x").unwrap().missing_count(), 0);
        assert_eq!(report.column("x").unwrap().imputed, 2);
        assert_eq!(report.column("c").unwrap().imputed, 1);
        let json = envelope_policy(&imp);
        let i = |k: &str, v: serde_json::Value| invalid::<FittedImputer>(&edit(&json, k, v));
        assert!(
            i(
                "fills",
                json!([["x", {"Number": 1.0}], ["x", {"Number": 2.0}]])
            )
            .contains("column `x` has two fill values")
        );
        assert!(i("fills", json!([["x", "Missing"]])).contains("the fill value of `x` is missing"));
        assert!(!i("fills", json!([["x", {"Number": null}]])).is_empty());

        let clip = Clipper::new(0.1, 0.9).fit(&t).unwrap();
        let json = envelope_policy(&clip);
        let c = |v: serde_json::Value| invalid::<FittedClipper>(&edit(&json, "bounds", v));
        assert!(c(json!([["x", 5.0, 1.0]])).contains("lower <= upper, found 5 and 1"));
        assert!(c(json!([["x", 1.0, 2.0], ["x", 1.0, 2.0]])).contains("two pairs of bounds"));
        assert!(!c(json!([["x", null, 2.0]])).is_empty());
        let ok =
            FittedClipper::from_json(&edit(&json, "bounds", json!([["x", 2.0, 2.0]]))).unwrap();
        assert_eq!(ok.bounds[0].1, 2.0);
        for (lo, hi, name) in [
            (-0.5, 0.5, "lower"),
            (0.5, 1.5, "upper"),
            (0.8, 0.2, "lower"),
        ] {
            let e = Clipper::new(lo, hi).fit(&t).unwrap_err();
            assert!(
                matches!(e, Error::InvalidParameter { name: n, .. } if n == name),
                "{lo} {hi}: {e}"
            );
        }
    }
}
