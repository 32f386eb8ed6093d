//! Imputation: [`Impute`] (the one imputation rule) and the [`Imputer`].

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use crate::describe::quantile_sorted;
use crate::pipeline::{FittedStep, TransformReport};
use crate::table::hash::FastMap;
use crate::{
    BooleanColumn, CategoricalColumn, Column, ColumnType, DateColumn, Error, NumericColumn, Result,
    Table, Transform, Transformer, Value,
};

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
/// smallest), for [`Impute`]'s statistic strategies.
/// An entirely missing column is an error naming it.
fn numeric_fill_value(
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
