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

use serde::{Deserialize, Serialize};

use super::categorical::{CategoricalBuilder, CategoricalColumn};
use super::typed::{BooleanColumn, DateColumn, NumericColumn};
use super::value::{ColumnType, Value};
use crate::{Error, Result};

/// One column of a [`crate::Table`].
///
/// ```
/// use ua_data::{Column, ColumnType, Value};
/// let c = Column::numeric_opt(vec![Some(1.0), None]);
/// assert_eq!(c.len(), 2);
/// assert_eq!(c.dtype(), ColumnType::Numeric);
/// assert_eq!(c.get(0), Some(Value::Number(1.0)));
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
    /// assert_eq!(ua_data::Column::date(vec![0]).get(0), Some(ua_data::Value::Date(0)));
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

    /// The value at row `i`: [`Value::Missing`] for a missing value, and
    /// `None` when `i` is out of range (so the two cannot be confused).
    ///
    /// ```
    /// use ua_data::{Column, Value};
    /// let c = Column::categorical_opt(&[Some("a"), None]);
    /// assert_eq!(c.get(0), Some(Value::Text("a".into())));
    /// assert_eq!(c.get(1), Some(Value::Missing));
    /// assert_eq!(c.get(5), None);
    /// ```
    pub fn get(&self, i: usize) -> Option<Value<'_>> {
        if i >= self.len() {
            return None;
        }
        let v = match self {
            Column::Numeric(c) => c.get(i).map(Value::Number),
            Column::Categorical(c) => c.get(i).map(|s| Value::Text(Cow::Borrowed(s))),
            Column::Boolean(c) => c.get(i).map(Value::Bool),
            Column::Date(c) => c.get(i).map(Value::Date),
        };
        Some(v.unwrap_or(Value::Missing))
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
            _ => self.get(i).map_or_else(String::new, |v| v.to_string()),
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
        assert!(matches!(c.get(0), Some(Value::Number(x)) if x.is_nan()));
        let c = Column::numeric_opt(vec![None, Some(1.0)]);
        assert_eq!(c.missing_count(), 1);
        assert_eq!(c.get(0), Some(Value::Missing));
        // Out of range is not "missing".
        assert_eq!(c.get(2), None);
        for c in [
            Column::boolean_opt(vec![None]),
            Column::date_opt(vec![None]),
            Column::categorical_opt::<&str>(&[None]),
        ] {
            assert_eq!(c.get(0), Some(Value::Missing));
            assert_eq!(c.get(1), None);
        }
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
            (0..self.len())
                .map(|i| self.get(i).map(|v| v.to_string()).unwrap_or_default())
                .collect()
        }
    }

    #[test]
    fn serde_roundtrip_and_validation() {
        let c = Column::numeric_opt(vec![Some(1.0), None, Some(f64::NAN)]);
        let s = serde_json::to_string(&c).unwrap();
        let back: Column = serde_json::from_str(&s).unwrap();
        assert_eq!(back.missing_count(), 1);
        assert!(matches!(back.get(2), Some(Value::Number(x)) if x.is_nan()));
        let c = Column::categorical_opt(&[Some("a"), None]);
        let back: Column = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        let bad = r#"{"type":"categorical","data":{"codes":[3],"levels":["a"]}}"#;
        assert!(serde_json::from_str::<Column>(bad).is_err());
        let bad = r#"{"type":"date","data":{"days":[3],"missing":[]}}"#;
        assert!(serde_json::from_str::<Column>(bad).is_err());
    }
}
