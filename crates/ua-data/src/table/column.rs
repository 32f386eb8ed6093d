//! Typed columns with explicit missing values.
//!
//! Four storage types, each contiguous:
//!
//! | type | storage | missing |
//! | --- | --- | --- |
//! | [`NumericColumn`] | `Vec<f64>` | `Vec<bool>` mask (the slot holds NaN) |
//! | [`CategoricalColumn`] | `Vec<u32>` codes into `Vec<String>` levels | code [`CategoricalColumn::MISSING`] |
//! | [`BooleanColumn`] | `Vec<Option<bool>>` | `None` |
//! | [`DateColumn`] | `Vec<i32>` days since 1970-01-01 | `Vec<bool>` mask (the slot holds 0) |
//!
//! Missing is never encoded as a special number: a numeric NaN that is *not*
//! marked missing is a value (and [`crate::Table::numeric_matrix`] passes it
//! through, so callers that need finite numbers check with
//! `ua_tensor::check::ensure_finite`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The logical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Real numbers (`f64`).
    Numeric,
    /// Strings from a finite set of levels, dictionary-encoded.
    Categorical,
    /// `true` / `false`.
    Boolean,
    /// Calendar dates, days since 1970-01-01.
    Date,
}

impl ColumnType {
    /// Lower-case name, as used in messages and JSON: `numeric`, `categorical`, `boolean`, `date`.
    ///
    /// ```
    /// assert_eq!(ua_data::ColumnType::Date.name(), "date");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Numeric => "numeric",
            ColumnType::Categorical => "categorical",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One cell of a table, as returned by [`Column::get`].
///
/// Text borrows from the column (`Cow::Borrowed`); use
/// [`Value::into_owned`] to keep a value beyond the table's lifetime, or build
/// one with [`Value::text`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value<'a> {
    /// No value.
    Missing,
    /// A number.
    Number(f64),
    /// A categorical level.
    Text(Cow<'a, str>),
    /// A boolean.
    Bool(bool),
    /// A date, days since 1970-01-01.
    Date(i32),
}

impl Value<'_> {
    /// An owned text value.
    ///
    /// ```
    /// use ua_data::Value;
    /// assert_eq!(Value::text("a"), Value::Text("a".into()));
    /// ```
    pub fn text(s: impl Into<String>) -> Value<'static> {
        Value::Text(Cow::Owned(s.into()))
    }

    /// Copies borrowed text so that the value lives on its own.
    ///
    /// ```
    /// use ua_data::Column;
    /// let v = Column::categorical(&["a"]).get(0).into_owned();
    /// assert_eq!(v, ua_data::Value::text("a"));
    /// ```
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Missing => Value::Missing,
            Value::Number(x) => Value::Number(x),
            Value::Text(s) => Value::Text(Cow::Owned(s.into_owned())),
            Value::Bool(b) => Value::Bool(b),
            Value::Date(d) => Value::Date(d),
        }
    }

    /// Whether this is [`Value::Missing`].
    ///
    /// ```
    /// assert!(ua_data::Value::Missing.is_missing());
    /// ```
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// The column type this value belongs to (`None` for `Missing`).
    ///
    /// ```
    /// use ua_data::{ColumnType, Value};
    /// assert_eq!(Value::Number(1.0).column_type(), Some(ColumnType::Numeric));
    /// ```
    pub fn column_type(&self) -> Option<ColumnType> {
        match self {
            Value::Missing => None,
            Value::Number(_) => Some(ColumnType::Numeric),
            Value::Text(_) => Some(ColumnType::Categorical),
            Value::Bool(_) => Some(ColumnType::Boolean),
            Value::Date(_) => Some(ColumnType::Date),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("NA"),
            Value::Number(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => f.write_str(&crate::date::format_date(*d)),
        }
    }
}

fn check_mask_len(op: &'static str, values: usize, mask: usize) -> Result<()> {
    if values != mask {
        return Err(Error::LengthMismatch {
            op,
            column: "missing mask".into(),
            expected: values,
            found: mask,
        });
    }
    Ok(())
}

/// Real numbers with an explicit missing mask.
///
/// ```
/// use ua_data::NumericColumn;
/// let c = NumericColumn::from_options(vec![Some(1.5), None]);
/// assert_eq!(c.get(0), Some(1.5));
/// assert_eq!(c.get(1), None);
/// assert_eq!(c.missing_count(), 1);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "NumericRepr")]
pub struct NumericColumn {
    values: Vec<f64>,
    missing: Vec<bool>,
}

/// Equal when the missing masks are equal and the non-missing values are
/// equal (`==` on `f64`, so a non-missing NaN is unequal to itself).
impl PartialEq for NumericColumn {
    fn eq(&self, other: &Self) -> bool {
        self.missing == other.missing
            && self
                .values
                .iter()
                .zip(&other.values)
                .zip(&self.missing)
                .all(|((a, b), &m)| m || a == b)
    }
}

#[derive(Deserialize)]
struct NumericRepr {
    values: Vec<Option<f64>>,
    missing: Vec<bool>,
}

impl TryFrom<NumericRepr> for NumericColumn {
    type Error = Error;
    fn try_from(r: NumericRepr) -> Result<Self> {
        // JSON has no NaN: serde_json writes it as null, read it back as NaN.
        let values = r
            .values
            .into_iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect();
        NumericColumn::new(values, r.missing)
    }
}

impl NumericColumn {
    /// Values and a missing mask of the same length (`true` = missing). The
    /// slots of missing values are set to NaN.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::new(vec![1.0, 2.0], vec![false, true]).unwrap();
    /// assert_eq!(c.get(1), None);
    /// ```
    pub fn new(mut values: Vec<f64>, missing: Vec<bool>) -> Result<Self> {
        check_mask_len("NumericColumn::new", values.len(), missing.len())?;
        for (v, &m) in values.iter_mut().zip(&missing) {
            if m {
                *v = f64::NAN;
            }
        }
        Ok(NumericColumn { values, missing })
    }

    /// A column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![1.0]).len(), 1);
    /// ```
    pub fn from_values(values: Vec<f64>) -> Self {
        let missing = vec![false; values.len()];
        NumericColumn { values, missing }
    }

    /// From optional values (`None` = missing).
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_options(vec![None]).missing_count(), 1);
    /// ```
    pub fn from_options(values: Vec<Option<f64>>) -> Self {
        let missing = values.iter().map(Option::is_none).collect();
        let values = values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        NumericColumn { values, missing }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![]).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::NumericColumn::from_values(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The raw values; the slot of a missing value holds NaN — check
    /// [`missing_mask`](Self::missing_mask) before using it.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![2.0]).values(), &[2.0]);
    /// ```
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// `true` where the value is missing.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::from_options(vec![Some(1.0), None]);
    /// assert_eq!(c.missing_mask(), &[false, true]);
    /// ```
    pub fn missing_mask(&self) -> &[bool] {
        &self.missing
    }

    /// Value at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![3.0]).get(0), Some(3.0));
    /// ```
    pub fn get(&self, i: usize) -> Option<f64> {
        match self.missing.get(i) {
            Some(false) => self.values.get(i).copied(),
            _ => None,
        }
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(ua_data::NumericColumn::from_options(vec![None]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        self.missing.get(i).copied().unwrap_or(false)
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_options(vec![None, Some(1.0)]).missing_count(), 1);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.missing.iter().filter(|&&m| m).count()
    }

    /// Rows as options.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::from_options(vec![Some(1.0), None]);
    /// assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some(1.0), None]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        self.values
            .iter()
            .zip(&self.missing)
            .map(|(&v, &m)| if m { None } else { Some(v) })
    }

    /// The non-missing values, in row order.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::from_options(vec![Some(1.0), None, Some(2.0)]);
    /// assert_eq!(c.non_missing().collect::<Vec<_>>(), vec![1.0, 2.0]);
    /// ```
    pub fn non_missing(&self) -> impl Iterator<Item = f64> + '_ {
        self.values
            .iter()
            .zip(&self.missing)
            .filter(|&(_, &m)| !m)
            .map(|(&v, _)| v)
    }

    /// Splits into values and mask.
    ///
    /// ```
    /// let (v, m) = ua_data::NumericColumn::from_values(vec![1.0]).into_parts();
    /// assert_eq!((v, m), (vec![1.0], vec![false]));
    /// ```
    pub fn into_parts(self) -> (Vec<f64>, Vec<bool>) {
        (self.values, self.missing)
    }
}

/// Calendar dates (days since 1970-01-01) with an explicit missing mask.
///
/// ```
/// use ua_data::{DateColumn, date::parse_date};
/// let c = DateColumn::from_options(vec![parse_date("2024-01-01"), None]);
/// assert_eq!(c.get(0), parse_date("2024-01-01"));
/// assert_eq!(c.get(1), None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DateRepr")]
pub struct DateColumn {
    days: Vec<i32>,
    missing: Vec<bool>,
}

#[derive(Deserialize)]
struct DateRepr {
    days: Vec<i32>,
    missing: Vec<bool>,
}

impl TryFrom<DateRepr> for DateColumn {
    type Error = Error;
    fn try_from(r: DateRepr) -> Result<Self> {
        DateColumn::new(r.days, r.missing)
    }
}

impl DateColumn {
    /// Day counts and a missing mask of the same length (`true` = missing);
    /// the slots of missing values are set to 0.
    ///
    /// ```
    /// let c = ua_data::DateColumn::new(vec![1, 2], vec![false, true]).unwrap();
    /// assert_eq!(c.get(1), None);
    /// ```
    pub fn new(mut days: Vec<i32>, missing: Vec<bool>) -> Result<Self> {
        check_mask_len("DateColumn::new", days.len(), missing.len())?;
        for (v, &m) in days.iter_mut().zip(&missing) {
            if m {
                *v = 0;
            }
        }
        Ok(DateColumn { days, missing })
    }

    /// A column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![0]).get(0), Some(0));
    /// ```
    pub fn from_days(days: Vec<i32>) -> Self {
        let missing = vec![false; days.len()];
        DateColumn { days, missing }
    }

    /// From optional day counts.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_options(vec![None]).missing_count(), 1);
    /// ```
    pub fn from_options(days: Vec<Option<i32>>) -> Self {
        let missing = days.iter().map(Option::is_none).collect();
        let days = days.into_iter().map(|v| v.unwrap_or(0)).collect();
        DateColumn { days, missing }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![1, 2]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.days.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::DateColumn::from_days(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// Raw day counts (the slot of a missing value holds 0).
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).days(), &[5]);
    /// ```
    pub fn days(&self) -> &[i32] {
        &self.days
    }

    /// `true` where the value is missing.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).missing_mask(), &[false]);
    /// ```
    pub fn missing_mask(&self) -> &[bool] {
        &self.missing
    }

    /// Day count at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).get(0), Some(5));
    /// ```
    pub fn get(&self, i: usize) -> Option<i32> {
        match self.missing.get(i) {
            Some(false) => self.days.get(i).copied(),
            _ => None,
        }
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(!ua_data::DateColumn::from_days(vec![5]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        self.missing.get(i).copied().unwrap_or(false)
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).missing_count(), 0);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.missing.iter().filter(|&&m| m).count()
    }

    /// Rows as options.
    ///
    /// ```
    /// let c = ua_data::DateColumn::from_options(vec![Some(3), None]);
    /// assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some(3), None]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Option<i32>> + '_ {
        self.days
            .iter()
            .zip(&self.missing)
            .map(|(&v, &m)| if m { None } else { Some(v) })
    }
}

/// `true`/`false` values, `None` = missing.
///
/// ```
/// let c = ua_data::BooleanColumn::from_options(vec![Some(true), None]);
/// assert_eq!(c.get(0), Some(true));
/// assert_eq!(c.missing_count(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BooleanColumn {
    values: Vec<Option<bool>>,
}

impl BooleanColumn {
    /// From optional values.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_options(vec![Some(false)]).get(0), Some(false));
    /// ```
    pub fn from_options(values: Vec<Option<bool>>) -> Self {
        BooleanColumn { values }
    }

    /// A column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).get(0), Some(true));
    /// ```
    pub fn from_values(values: Vec<bool>) -> Self {
        BooleanColumn {
            values: values.into_iter().map(Some).collect(),
        }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::BooleanColumn::from_values(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values (`None` = missing).
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).values(), &[Some(true)]);
    /// ```
    pub fn values(&self) -> &[Option<bool>] {
        &self.values
    }

    /// Value at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).get(1), None);
    /// ```
    pub fn get(&self, i: usize) -> Option<bool> {
        self.values.get(i).copied().flatten()
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(ua_data::BooleanColumn::from_options(vec![None]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        matches!(self.values.get(i), Some(None))
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_options(vec![None]).missing_count(), 1);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.values.iter().filter(|v| v.is_none()).count()
    }
}

/// Dictionary-encoded strings: one `u32` code per row into a list of distinct
/// levels (in order of first appearance unless built otherwise). Missing rows
/// hold the code [`CategoricalColumn::MISSING`].
///
/// Two categorical columns may number the same string differently; compare
/// levels by string (joins and concatenation do).
///
/// ```
/// use ua_data::CategoricalColumn;
/// let c = CategoricalColumn::from_strs(&[Some("b"), Some("a"), None, Some("b")]);
/// assert_eq!(c.levels(), &["b".to_string(), "a".to_string()]);
/// assert_eq!(c.codes(), &[0, 1, CategoricalColumn::MISSING, 0]);
/// assert_eq!(c.get(1), Some("a"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CategoricalRepr")]
pub struct CategoricalColumn {
    codes: Vec<u32>,
    levels: Vec<String>,
}

#[derive(Deserialize)]
struct CategoricalRepr {
    codes: Vec<u32>,
    levels: Vec<String>,
}

impl TryFrom<CategoricalRepr> for CategoricalColumn {
    type Error = Error;
    fn try_from(r: CategoricalRepr) -> Result<Self> {
        CategoricalColumn::from_codes(r.codes, r.levels)
    }
}

impl CategoricalColumn {
    /// The code of a missing row.
    pub const MISSING: u32 = u32::MAX;

    /// From codes and levels. Every code must be `< levels.len()` or
    /// [`MISSING`](Self::MISSING), and levels must be distinct.
    ///
    /// ```
    /// use ua_data::CategoricalColumn;
    /// let c = CategoricalColumn::from_codes(vec![1, 0], vec!["x".into(), "y".into()]).unwrap();
    /// assert_eq!(c.get(0), Some("y"));
    /// assert!(CategoricalColumn::from_codes(vec![2], vec!["x".into()]).is_err());
    /// ```
    pub fn from_codes(codes: Vec<u32>, levels: Vec<String>) -> Result<Self> {
        if levels.len() >= Self::MISSING as usize {
            return Err(Error::InvalidArgument {
                op: "CategoricalColumn::from_codes",
                message: format!("{} levels is more than a u32 code can hold", levels.len()),
            });
        }
        let mut seen = HashMap::with_capacity(levels.len());
        for (i, l) in levels.iter().enumerate() {
            if let Some(j) = seen.insert(l.as_str(), i) {
                return Err(Error::InvalidArgument {
                    op: "CategoricalColumn::from_codes",
                    message: format!("level {l:?} appears twice (positions {j} and {i})"),
                });
            }
        }
        let n = levels.len() as u32;
        if let Some((row, &c)) = codes
            .iter()
            .enumerate()
            .find(|&(_, &c)| c >= n && c != Self::MISSING)
        {
            return Err(Error::InvalidArgument {
                op: "CategoricalColumn::from_codes",
                message: format!("code {c} at row {row} but only {n} levels"),
            });
        }
        Ok(CategoricalColumn { codes, levels })
    }

    /// Codes and levels already known to be consistent (crate-internal fast path).
    pub(crate) fn from_parts_unchecked(codes: Vec<u32>, levels: Vec<String>) -> Self {
        CategoricalColumn { codes, levels }
    }

    /// From optional strings; levels are numbered in order of first appearance.
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), None]);
    /// assert_eq!(c.missing_count(), 1);
    /// ```
    pub fn from_strs<S: AsRef<str>>(values: &[Option<S>]) -> Self {
        let mut b = CategoricalBuilder::with_capacity(values.len());
        for v in values {
            b.push(v.as_ref().map(AsRef::as_ref));
        }
        b.finish()
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::CategoricalColumn::from_strs::<&str>(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The codes, one per row ([`MISSING`](Self::MISSING) for missing rows).
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).codes(), &[0]);
    /// ```
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The distinct levels; code `k` means `levels()[k]`.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).levels(), &["a".to_string()]);
    /// ```
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// Number of levels.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a"), Some("a")]).n_levels(), 1);
    /// ```
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// The string at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).get(0), Some("a"));
    /// ```
    pub fn get(&self, i: usize) -> Option<&str> {
        let c = *self.codes.get(i)?;
        self.levels.get(c as usize).map(String::as_str)
    }

    /// The code at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[None, Some("a")]).code(1), Some(0));
    /// ```
    pub fn code(&self, i: usize) -> Option<u32> {
        self.codes.get(i).copied().filter(|&c| c != Self::MISSING)
    }

    /// The code of a level, if the column has it (linear search).
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), Some("b")]);
    /// assert_eq!(c.level_code("b"), Some(1));
    /// assert_eq!(c.level_code("z"), None);
    /// ```
    pub fn level_code(&self, level: &str) -> Option<u32> {
        self.levels
            .iter()
            .position(|l| l == level)
            .map(|p| p as u32)
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(ua_data::CategoricalColumn::from_strs(&[None::<&str>]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        self.codes.get(i) == Some(&Self::MISSING)
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[None::<&str>]).missing_count(), 1);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.codes.iter().filter(|&&c| c == Self::MISSING).count()
    }

    /// How many rows hold each level (indexed by code).
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), Some("b"), Some("a"), None]);
    /// assert_eq!(c.level_counts(), vec![2, 1]);
    /// ```
    pub fn level_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.levels.len()];
        for &c in &self.codes {
            if let Some(k) = counts.get_mut(c as usize) {
                *k += 1;
            }
        }
        counts
    }

    /// Rows as optional strings.
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), None]);
    /// assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some("a"), None]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        self.codes
            .iter()
            .map(|&c| self.levels.get(c as usize).map(String::as_str))
    }

    /// Splits into codes and levels.
    ///
    /// ```
    /// let (codes, levels) = ua_data::CategoricalColumn::from_strs(&[Some("a")]).into_parts();
    /// assert_eq!((codes, levels), (vec![0], vec!["a".to_string()]));
    /// ```
    pub fn into_parts(self) -> (Vec<u32>, Vec<String>) {
        (self.codes, self.levels)
    }
}

/// Builds a [`CategoricalColumn`] row by row, interning strings in a hash map
/// so that each distinct string is allocated once.
///
/// ```
/// use ua_data::CategoricalBuilder;
/// let mut b = CategoricalBuilder::new();
/// b.push(Some("x"));
/// b.push(None);
/// b.push(Some("x"));
/// let c = b.finish();
/// assert_eq!(c.codes(), &[0, ua_data::CategoricalColumn::MISSING, 0]);
/// ```
#[derive(Debug, Default, Clone)]
pub struct CategoricalBuilder {
    codes: Vec<u32>,
    levels: Vec<String>,
    index: super::hash::FastMap<String, u32>,
}

impl CategoricalBuilder {
    /// An empty builder.
    ///
    /// ```
    /// assert!(ua_data::CategoricalBuilder::new().finish().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `rows` rows.
    ///
    /// ```
    /// assert!(ua_data::CategoricalBuilder::with_capacity(10).finish().is_empty());
    /// ```
    pub fn with_capacity(rows: usize) -> Self {
        CategoricalBuilder {
            codes: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// The code of `level`, adding it if new.
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// assert_eq!(b.intern("a"), 0);
    /// assert_eq!(b.intern("b"), 1);
    /// assert_eq!(b.intern("a"), 0);
    /// ```
    pub fn intern(&mut self, level: &str) -> u32 {
        if let Some(&c) = self.index.get(level) {
            return c;
        }
        let c = self.levels.len() as u32;
        self.levels.push(level.to_owned());
        self.index.insert(level.to_owned(), c);
        c
    }

    /// Appends one row.
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// b.push(Some("a"));
    /// assert_eq!(b.finish().len(), 1);
    /// ```
    pub fn push(&mut self, value: Option<&str>) {
        let c = match value {
            Some(s) => self.intern(s),
            None => CategoricalColumn::MISSING,
        };
        self.codes.push(c);
    }

    /// Appends one row by code (as returned by [`intern`](Self::intern), or
    /// [`CategoricalColumn::MISSING`]).
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// let a = b.intern("a");
    /// b.push_code(a);
    /// assert_eq!(b.finish().get(0), Some("a"));
    /// ```
    pub fn push_code(&mut self, code: u32) {
        self.codes.push(code);
    }

    /// The finished column.
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// b.push(Some("a"));
    /// assert_eq!(b.finish().n_levels(), 1);
    /// ```
    pub fn finish(self) -> CategoricalColumn {
        let n = self.levels.len() as u32;
        let codes = self
            .codes
            .into_iter()
            .map(|c| if c < n { c } else { CategoricalColumn::MISSING })
            .collect();
        CategoricalColumn {
            codes,
            levels: self.levels,
        }
    }
}

/// One column of a [`crate::Table`].
///
/// ```
/// use ua_data::{Column, ColumnType, Value};
/// let c = Column::numeric_opt(vec![Some(1.0), None]);
/// assert_eq!(c.len(), 2);
/// assert_eq!(c.dtype(), ColumnType::Numeric);
/// assert_eq!(c.get(0), Value::Number(1.0));
/// assert!(c.is_missing(1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
pub enum Column {
    /// Real numbers.
    Numeric(NumericColumn),
    /// Dictionary-encoded strings.
    Categorical(CategoricalColumn),
    /// Booleans.
    Boolean(BooleanColumn),
    /// Dates.
    Date(DateColumn),
}

macro_rules! as_variant {
    ($name:ident, $variant:ident, $ty:ty, $expected:literal) => {
        #[doc = concat!("The ", $expected, " column inside, or a type error.")]
        ///
        /// The error cannot name the column (a column does not know its name);
        /// the same accessor on [`crate::Table`] does.
        ///
        /// ```
        /// use ua_data::Column;
        /// assert!(Column::numeric(vec![1.0]).as_numeric().is_ok());
        /// assert!(Column::numeric(vec![1.0]).as_date().is_err());
        /// ```
        pub fn $name(&self) -> Result<&$ty> {
            match self {
                Column::$variant(c) => Ok(c),
                other => Err(Error::TypeMismatch {
                    op: stringify!($name),
                    column: "(unnamed)".into(),
                    expected: $expected.into(),
                    found: other.dtype().name().into(),
                }),
            }
        }
    };
}

impl Column {
    /// A numeric column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::numeric(vec![1.0, 2.0]).len(), 2);
    /// ```
    pub fn numeric(values: Vec<f64>) -> Column {
        Column::Numeric(NumericColumn::from_values(values))
    }

    /// A numeric column from options (`None` = missing).
    ///
    /// ```
    /// assert_eq!(ua_data::Column::numeric_opt(vec![None]).missing_count(), 1);
    /// ```
    pub fn numeric_opt(values: Vec<Option<f64>>) -> Column {
        Column::Numeric(NumericColumn::from_options(values))
    }

    /// A categorical column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::categorical(&["a", "b", "a"]).len(), 3);
    /// ```
    pub fn categorical<S: AsRef<str>>(values: &[S]) -> Column {
        let mut b = CategoricalBuilder::with_capacity(values.len());
        for v in values {
            b.push(Some(v.as_ref()));
        }
        Column::Categorical(b.finish())
    }

    /// A categorical column from options.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::categorical_opt(&[Some("a"), None]).missing_count(), 1);
    /// ```
    pub fn categorical_opt<S: AsRef<str>>(values: &[Option<S>]) -> Column {
        Column::Categorical(CategoricalColumn::from_strs(values))
    }

    /// A boolean column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::boolean(vec![true]).len(), 1);
    /// ```
    pub fn boolean(values: Vec<bool>) -> Column {
        Column::Boolean(BooleanColumn::from_values(values))
    }

    /// A boolean column from options.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::boolean_opt(vec![None]).missing_count(), 1);
    /// ```
    pub fn boolean_opt(values: Vec<Option<bool>>) -> Column {
        Column::Boolean(BooleanColumn::from_options(values))
    }

    /// A date column (days since 1970-01-01) without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::date(vec![0]).get(0), ua_data::Value::Date(0));
    /// ```
    pub fn date(days: Vec<i32>) -> Column {
        Column::Date(DateColumn::from_days(days))
    }

    /// A date column from options.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::date_opt(vec![None]).missing_count(), 1);
    /// ```
    pub fn date_opt(days: Vec<Option<i32>>) -> Column {
        Column::Date(DateColumn::from_options(days))
    }

    /// A column of `len` missing values of type `dtype`.
    ///
    /// ```
    /// use ua_data::{Column, ColumnType};
    /// assert_eq!(Column::missing(ColumnType::Date, 3).missing_count(), 3);
    /// ```
    pub fn missing(dtype: ColumnType, len: usize) -> Column {
        match dtype {
            ColumnType::Numeric => Column::Numeric(NumericColumn {
                values: vec![f64::NAN; len],
                missing: vec![true; len],
            }),
            ColumnType::Categorical => Column::Categorical(CategoricalColumn {
                codes: vec![CategoricalColumn::MISSING; len],
                levels: Vec::new(),
            }),
            ColumnType::Boolean => Column::Boolean(BooleanColumn {
                values: vec![None; len],
            }),
            ColumnType::Date => Column::Date(DateColumn {
                days: vec![0; len],
                missing: vec![true; len],
            }),
        }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::boolean(vec![]).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(c) => c.len(),
            Column::Categorical(c) => c.len(),
            Column::Boolean(c) => c.len(),
            Column::Date(c) => c.len(),
        }
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::Column::boolean(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column's type.
    ///
    /// ```
    /// use ua_data::{Column, ColumnType};
    /// assert_eq!(Column::categorical(&["a"]).dtype(), ColumnType::Categorical);
    /// ```
    pub fn dtype(&self) -> ColumnType {
        match self {
            Column::Numeric(_) => ColumnType::Numeric,
            Column::Categorical(_) => ColumnType::Categorical,
            Column::Boolean(_) => ColumnType::Boolean,
            Column::Date(_) => ColumnType::Date,
        }
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(ua_data::Column::date_opt(vec![None]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        match self {
            Column::Numeric(c) => c.is_missing(i),
            Column::Categorical(c) => c.is_missing(i),
            Column::Boolean(c) => c.is_missing(i),
            Column::Date(c) => c.is_missing(i),
        }
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::Column::numeric(vec![1.0]).missing_count(), 0);
    /// ```
    pub fn missing_count(&self) -> usize {
        match self {
            Column::Numeric(c) => c.missing_count(),
            Column::Categorical(c) => c.missing_count(),
            Column::Boolean(c) => c.missing_count(),
            Column::Date(c) => c.missing_count(),
        }
    }

    /// A `true`-where-missing mask (allocates one `Vec<bool>`).
    ///
    /// ```
    /// assert_eq!(ua_data::Column::boolean_opt(vec![None, Some(true)]).missing_mask(), vec![true, false]);
    /// ```
    pub fn missing_mask(&self) -> Vec<bool> {
        match self {
            Column::Numeric(c) => c.missing_mask().to_vec(),
            Column::Categorical(c) => c
                .codes()
                .iter()
                .map(|&k| k == CategoricalColumn::MISSING)
                .collect(),
            Column::Boolean(c) => c.values().iter().map(Option::is_none).collect(),
            Column::Date(c) => c.missing_mask().to_vec(),
        }
    }

    /// The value at row `i` ([`Value::Missing`] if missing or out of range).
    ///
    /// ```
    /// use ua_data::{Column, Value};
    /// assert_eq!(Column::categorical(&["a"]).get(0), Value::Text("a".into()));
    /// assert_eq!(Column::categorical(&["a"]).get(5), Value::Missing);
    /// ```
    pub fn get(&self, i: usize) -> Value<'_> {
        let v = match self {
            Column::Numeric(c) => c.get(i).map(Value::Number),
            Column::Categorical(c) => c.get(i).map(|s| Value::Text(Cow::Borrowed(s))),
            Column::Boolean(c) => c.get(i).map(Value::Bool),
            Column::Date(c) => c.get(i).map(Value::Date),
        };
        v.unwrap_or(Value::Missing)
    }

    as_variant!(as_numeric, Numeric, NumericColumn, "numeric");
    as_variant!(
        as_categorical,
        Categorical,
        CategoricalColumn,
        "categorical"
    );
    as_variant!(as_boolean, Boolean, BooleanColumn, "boolean");
    as_variant!(as_date, Date, DateColumn, "date");

    /// Rows `indices` in that order; an index `>= len()` is an error.
    ///
    /// ```
    /// use ua_data::Column;
    /// let c = Column::numeric(vec![1.0, 2.0, 3.0]).take(&[2, 0]).unwrap();
    /// assert_eq!(c, Column::numeric(vec![3.0, 1.0]));
    /// assert!(Column::numeric(vec![1.0]).take(&[1]).is_err());
    /// ```
    pub fn take(&self, indices: &[usize]) -> Result<Column> {
        let n = self.len();
        if let Some(&bad) = indices.iter().find(|&&i| i >= n) {
            return Err(Error::InvalidArgument {
                op: "take",
                message: format!("row index {bad} out of range for {n} rows"),
            });
        }
        Ok(self.take_unchecked(indices))
    }

    /// `take` for indices already known to be in range.
    pub(crate) fn take_unchecked(&self, idx: &[usize]) -> Column {
        match self {
            Column::Numeric(c) => Column::Numeric(NumericColumn {
                values: idx.iter().map(|&i| c.values[i]).collect(),
                missing: idx.iter().map(|&i| c.missing[i]).collect(),
            }),
            Column::Categorical(c) => Column::Categorical(CategoricalColumn {
                codes: idx.iter().map(|&i| c.codes[i]).collect(),
                levels: c.levels.clone(),
            }),
            Column::Boolean(c) => Column::Boolean(BooleanColumn {
                values: idx.iter().map(|&i| c.values[i]).collect(),
            }),
            Column::Date(c) => Column::Date(DateColumn {
                days: idx.iter().map(|&i| c.days[i]).collect(),
                missing: idx.iter().map(|&i| c.missing[i]).collect(),
            }),
        }
    }

    /// Rows `indices` where `None` gives a missing value (used by left
    /// joins). Indices must be in range (checked by the caller).
    pub(crate) fn take_opt_unchecked(&self, idx: &[Option<usize>]) -> Column {
        match self {
            Column::Numeric(c) => Column::Numeric(NumericColumn {
                values: idx
                    .iter()
                    .map(|i| i.map_or(f64::NAN, |i| c.values[i]))
                    .collect(),
                missing: idx.iter().map(|i| i.is_none_or(|i| c.missing[i])).collect(),
            }),
            Column::Categorical(c) => Column::Categorical(CategoricalColumn {
                codes: idx
                    .iter()
                    .map(|i| i.map_or(CategoricalColumn::MISSING, |i| c.codes[i]))
                    .collect(),
                levels: c.levels.clone(),
            }),
            Column::Boolean(c) => Column::Boolean(BooleanColumn {
                values: idx.iter().map(|i| i.and_then(|i| c.values[i])).collect(),
            }),
            Column::Date(c) => Column::Date(DateColumn {
                days: idx.iter().map(|i| i.map_or(0, |i| c.days[i])).collect(),
                missing: idx.iter().map(|i| i.is_none_or(|i| c.missing[i])).collect(),
            }),
        }
    }

    /// The rows where `mask` is `true`; `mask` must have `len()` entries.
    ///
    /// ```
    /// use ua_data::Column;
    /// let c = Column::numeric(vec![1.0, 2.0]).filter(&[false, true]).unwrap();
    /// assert_eq!(c, Column::numeric(vec![2.0]));
    /// ```
    pub fn filter(&self, mask: &[bool]) -> Result<Column> {
        if mask.len() != self.len() {
            return Err(Error::LengthMismatch {
                op: "filter",
                column: "mask".into(),
                expected: self.len(),
                found: mask.len(),
            });
        }
        fn keep<T: Copy>(v: &[T], mask: &[bool]) -> Vec<T> {
            v.iter()
                .zip(mask)
                .filter(|&(_, &m)| m)
                .map(|(&x, _)| x)
                .collect()
        }
        Ok(match self {
            Column::Numeric(c) => Column::Numeric(NumericColumn {
                values: keep(&c.values, mask),
                missing: keep(&c.missing, mask),
            }),
            Column::Categorical(c) => Column::Categorical(CategoricalColumn {
                codes: keep(&c.codes, mask),
                levels: c.levels.clone(),
            }),
            Column::Boolean(c) => Column::Boolean(BooleanColumn {
                values: keep(&c.values, mask),
            }),
            Column::Date(c) => Column::Date(DateColumn {
                days: keep(&c.days, mask),
                missing: keep(&c.missing, mask),
            }),
        })
    }

    /// The value at row `i` formatted for display (`NA` when missing).
    pub(crate) fn display_cell(&self, i: usize) -> String {
        match self {
            Column::Numeric(c) => match c.get(i) {
                Some(x) => format_number(x),
                None => "NA".into(),
            },
            _ => self.get(i).to_string(),
        }
    }
}

/// Short number formatting for tables: integers without a decimal point,
/// others with up to 6 significant decimals.
pub(crate) fn format_number(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.is_finite() && (x.abs() >= 1e-4 && x.abs() < 1e15) {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_explicit_not_nan() {
        let c = Column::numeric(vec![f64::NAN, 1.0]);
        assert_eq!(c.missing_count(), 0);
        assert!(matches!(c.get(0), Value::Number(x) if x.is_nan()));
        let c = Column::numeric_opt(vec![None, Some(1.0)]);
        assert_eq!(c.missing_count(), 1);
        assert_eq!(c.get(0), Value::Missing);
    }

    #[test]
    fn type_error_names_found_type() {
        let e = Column::categorical(&["a"])
            .as_numeric()
            .unwrap_err()
            .to_string();
        assert!(e.contains("categorical") && e.contains("numeric"), "{e}");
    }

    #[test]
    fn take_opt_and_filter() {
        let c = Column::categorical_opt(&[Some("a"), None, Some("b")]);
        let t = c.take_opt_unchecked(&[Some(2), None, Some(1), Some(0)]);
        assert_eq!(t.pipe_strings(), vec!["b", "NA", "NA", "a"]);
        assert_eq!(t.missing_count(), 2);
        let n = Column::numeric(vec![1.0, 2.0]).take_opt_unchecked(&[None, Some(1)]);
        assert_eq!(n, Column::numeric_opt(vec![None, Some(2.0)]));
        let f = c.filter(&[true, false, true]).unwrap();
        assert_eq!(f.pipe_strings(), vec!["a", "b"]);
        assert!(c.filter(&[true]).is_err());
    }

    impl Column {
        fn pipe_strings(&self) -> Vec<String> {
            (0..self.len()).map(|i| self.get(i).to_string()).collect()
        }
    }

    #[test]
    fn serde_roundtrip_and_validation() {
        let c = Column::numeric_opt(vec![Some(1.0), None, Some(f64::NAN)]);
        let s = serde_json::to_string(&c).unwrap();
        let back: Column = serde_json::from_str(&s).unwrap();
        assert_eq!(back.missing_count(), 1);
        assert!(matches!(back.get(2), Value::Number(x) if x.is_nan()));
        let c = Column::categorical_opt(&[Some("a"), None]);
        let back: Column = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        let bad = r#"{"type":"categorical","data":{"codes":[3],"levels":["a"]}}"#;
        assert!(serde_json::from_str::<Column>(bad).is_err());
        let bad = r#"{"type":"date","data":{"days":[3],"missing":[]}}"#;
        assert!(serde_json::from_str::<Column>(bad).is_err());
    }
}
