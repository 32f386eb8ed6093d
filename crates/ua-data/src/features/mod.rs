//! Feature extraction from transaction and interaction logs.
//!
//! | module | what |
//! | --- | --- |
//! | [`customer_base`] | the calibration/holdout summary for customer-base models: repeat purchase days x, recency t_x, age T, mean repeat spend, holdout purchases |
//! | [`sequences`] | per user the last N events before a cut-off as token ids and numeric channels (log amount, log gap, hour), right-padded, with a vocabulary fitted on training users; the input rows of `ua_nn`'s `SequenceBranch` |
//! | [`rfm`] | per-customer recency, frequency, monetary value, tenure, inter-purchase time, and a holdout "bought again" label |
//! | [`interactions`] | a user × item sparse matrix with dense id maps, for recommenders |
//! | [`interaction_split`] | per-user hold-out splits of an interaction log (temporal, last k, random) |
//! | [`velocity`] | per-user behaviour velocity for risk: busiest hour/day, spend in 24 h, night share, distinct cards/devices, new accounts |
//!
//! They read plain column slices (ids, days, amounts) or a [`Table`], and
//! report what they left out instead of dropping rows silently.
//!
//! ```
//! use ua_data::features::rfm::{RfmConfig, RfmFeatures};
//! let customers = [1u64, 1, 2];
//! let days = [10, 20, 15];
//! let amounts = [5.0, 7.0, 3.0];
//! let f = RfmFeatures::compute(&customers, &days, &amounts, None,
//!     &RfmConfig { as_of: 21, holdout_end: None }).unwrap();
//! assert_eq!(f.customers, vec![1, 2]);
//! assert_eq!(f.recency_days, vec![1, 6]);
//! ```

pub mod customer_base;
pub mod interaction_split;
pub mod interactions;
pub mod rfm;
pub mod sequences;
pub mod velocity;

use serde::{Deserialize, Serialize};

use crate::date::{format_date, from_ymd, parse_date};
use crate::table::{Column, Table};
use crate::{Error, Result};

/// Checks cut-off dates (`(name, day)`, days since 1970-01-01) against a
/// transaction log that runs from day `first` to day `last`: each must lie
/// from the first transaction day to the day after the last one. Returns
/// the message for the first cut-off out of range — naming it, the data's
/// range in ISO dates and the latest date allowed — for the caller to wrap
/// in its own error. The RFM and customer-base builders use it, and so do
/// engines that compute the same features elsewhere (`ua-datafusion`).
///
/// ```
/// use ua_data::date::parse_date;
/// use ua_data::features::check_cutoffs;
/// let (first, last) = (parse_date("2024-01-01").unwrap(), parse_date("2024-03-31").unwrap());
/// assert!(check_cutoffs(first, last, &[("as_of", last + 1)]).is_ok());
/// let e = check_cutoffs(first, last, &[("as_of", last), ("holdout_end", last + 2)]).unwrap_err();
/// assert_eq!(e, "holdout_end 2024-04-02 is after the last transaction (2024-03-31); \
///                the data runs from 2024-01-01 to 2024-03-31; use a date up to 2024-04-01, \
///                the day after the last transaction");
/// let e = check_cutoffs(first, last, &[("as_of", first - 1)]).unwrap_err();
/// assert!(e.starts_with("as_of 2023-12-31 is before the first transaction (2024-01-01)"), "{e}");
/// ```
pub fn check_cutoffs(
    first: i32,
    last: i32,
    cutoffs: &[(&str, i32)],
) -> std::result::Result<(), String> {
    let range = || {
        format!(
            "the data runs from {} to {}",
            format_date(first),
            format_date(last)
        )
    };
    for &(name, day) in cutoffs {
        if day < first {
            return Err(format!(
                "{name} {} is before the first transaction ({}), so no customer has history; {}",
                format_date(day),
                format_date(first),
                range()
            ));
        }
        if i64::from(day) > i64::from(last) + 1 {
            return Err(format!(
                "{name} {} is after the last transaction ({}); {}; \
                 use a date up to {}, the day after the last transaction",
                format_date(day),
                format_date(last),
                range(),
                format_date(last.saturating_add(1))
            ));
        }
    }
    Ok(())
}

/// An external id read from a table column: a whole number (from a numeric
/// column) or a text (from a categorical column). Integers sort before texts;
/// within a kind the natural order applies (so `2 < 10`).
///
/// ```
/// use ua_data::features::Key;
/// assert!(Key::Int(2) < Key::Int(10));
/// assert_eq!(Key::from("u7").to_string(), "u7");
/// assert_eq!(Key::from(5i64), Key::Int(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Key {
    /// A whole-number id.
    Int(i64),
    /// A text id.
    Text(String),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Int(i) => write!(f, "{i}"),
            Key::Text(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Key {
    fn from(v: i64) -> Key {
        Key::Int(v)
    }
}

impl From<&str> for Key {
    fn from(v: &str) -> Key {
        Key::Text(v.to_string())
    }
}

impl From<String> for Key {
    fn from(v: String) -> Key {
        Key::Text(v)
    }
}

/// Id types that can be written back into a [`Table`] column: integers as a
/// numeric column (as text when one is beyond ±2⁵³, where `f64` would round
/// two ids to one), texts as a categorical column.
///
/// ```
/// use ua_data::features::IdColumn;
/// use ua_data::ColumnType;
/// assert_eq!(u64::to_column(&[1, 2]).dtype(), ColumnType::Numeric);
/// assert_eq!(String::to_column(&["a".to_string()]).dtype(), ColumnType::Categorical);
/// // 2⁵³ + 1 is not an f64: the ids stay distinct as text.
/// let big = u64::to_column(&[1 << 53, (1 << 53) + 1]);
/// assert_eq!(big.dtype(), ColumnType::Categorical);
/// assert_eq!(big.get(1).unwrap().to_string(), "9007199254740993");
/// ```
pub trait IdColumn: Sized {
    /// A column holding `ids` in order.
    fn to_column(ids: &[Self]) -> Column;
}

/// Integers up to this magnitude are exact in an `f64`.
const EXACT_IN_F64: u128 = 1 << 53;

/// `ids` as numbers when every one is exact in an `f64`, else as text.
fn integer_ids(ids: impl ExactSizeIterator<Item = i128> + Clone) -> Column {
    if ids.clone().all(|v| v.unsigned_abs() <= EXACT_IN_F64) {
        Column::numeric(ids.map(|v| v as f64).collect())
    } else {
        Column::categorical(&ids.map(|v| v.to_string()).collect::<Vec<_>>())
    }
}

macro_rules! int_id_column {
    ($($t:ty),*) => {$(
        impl IdColumn for $t {
            fn to_column(ids: &[Self]) -> Column {
                integer_ids(ids.iter().map(|&v| v as i128))
            }
        }
    )*};
}
int_id_column!(u32, u64, usize, i32, i64);

impl IdColumn for String {
    fn to_column(ids: &[Self]) -> Column {
        Column::categorical(ids)
    }
}

impl IdColumn for &str {
    fn to_column(ids: &[Self]) -> Column {
        Column::categorical(ids)
    }
}

impl IdColumn for Key {
    /// Numeric if every id is an integer exact in an `f64`, else categorical
    /// (integers as text).
    fn to_column(ids: &[Self]) -> Column {
        if ids.iter().all(|k| matches!(k, Key::Int(_))) {
            integer_ids(ids.iter().map(|k| match k {
                Key::Int(i) => i128::from(*i),
                Key::Text(_) => 0,
            }))
        } else {
            let text: Vec<String> = ids.iter().map(Key::to_string).collect();
            Column::categorical(&text)
        }
    }
}

/// A customer / user / item key read from a table column: integers from a
/// numeric column, text from a categorical one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyColumn {
    Int(Vec<i64>),
    Text(Vec<String>),
}

impl KeyColumn {
    /// The ids as [`Key`]s (one allocation per text id).
    pub(crate) fn into_keys(self) -> Vec<Key> {
        match self {
            KeyColumn::Int(v) => v.into_iter().map(Key::Int).collect(),
            KeyColumn::Text(v) => v.into_iter().map(Key::Text).collect(),
        }
    }
}

/// The ids of a key column as [`Key`]s: whole numbers from a numeric
/// column, texts from a categorical one — the keys the feature builders of
/// this module list their customers and users by.
///
/// Errors: an unknown column, a missing or fractional id (naming the
/// column and where the row is), another column type.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::features::{Key, read_keys};
/// let t = Table::new(vec![("c".into(), Column::numeric(vec![7.0, 3.0]))]).unwrap();
/// assert_eq!(read_keys(&t, "c").unwrap(), [Key::Int(7), Key::Int(3)]);
/// let t = Table::new(vec![("c".into(), Column::numeric(vec![1.5]))]).unwrap();
/// assert!(read_keys(&t, "c").unwrap_err().to_string().contains("1.5"));
/// ```
pub fn read_keys(table: &Table, column: &str) -> Result<Vec<Key>> {
    Ok(read_key_column("read_keys", table, column)?.into_keys())
}

/// Reads a key column: a numeric column of whole numbers or a categorical
/// column. Missing or fractional values are errors naming the column and
/// where the row is ([`Table::locate`]).
pub(crate) fn read_key_column(op: &'static str, table: &Table, name: &str) -> Result<KeyColumn> {
    match table.column(name)? {
        Column::Numeric(c) => {
            let mut out = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                match v {
                    Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => out.push(x as i64),
                    Some(x) => {
                        return Err(bad_value(
                            op,
                            table,
                            name,
                            row,
                            x.to_string(),
                            "a whole-number id below 9e15 (read id columns as text)",
                        ));
                    }
                    None => return Err(missing(op, table, name, c.missing_count(), row)),
                }
            }
            Ok(KeyColumn::Int(out))
        }
        Column::Categorical(c) => {
            let mut out = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                match v {
                    Some(s) => out.push(s.to_string()),
                    None => return Err(missing(op, table, name, c.missing_count(), row)),
                }
            }
            Ok(KeyColumn::Text(out))
        }
        other => Err(Error::TypeMismatch {
            op,
            column: name.to_string(),
            expected: "numeric (whole numbers) or categorical".into(),
            found: other.dtype().to_string(),
        }),
    }
}

fn missing(op: &'static str, table: &Table, column: &str, count: usize, row: usize) -> Error {
    Error::MissingAt {
        op,
        column: column.to_string(),
        count,
        at: table.locate(row),
    }
}

fn bad_value(
    op: &'static str,
    table: &Table,
    column: &str,
    row: usize,
    value: String,
    expected: &str,
) -> Error {
    Error::BadValue {
        op,
        column: column.to_string(),
        at: table.locate(row),
        value,
        expected: expected.to_string(),
    }
}

/// Reads a numeric column without missing values.
pub(crate) fn read_numeric(op: &'static str, table: &Table, name: &str) -> Result<Vec<f64>> {
    let c = table.numeric(name)?;
    if let Some(row) = c.missing_mask().iter().position(|&m| m) {
        return Err(missing(op, table, name, c.missing_count(), row));
    }
    Ok(c.values().to_vec())
}

/// Reads a day column: a date column, a numeric column of `YYYYMMDD`
/// numbers, or a categorical column of `YYYY-MM-DD` / `YYYYMMDD` strings.
/// Missing or unparseable values are errors naming the column, where the
/// row is ([`Table::locate`]) and the value.
pub(crate) fn read_day_column(op: &'static str, table: &Table, name: &str) -> Result<Vec<i32>> {
    let unparseable = |row: usize, value: String| {
        bad_value(
            op,
            table,
            name,
            row,
            value,
            "a date (a date column, YYYYMMDD numbers or YYYY-MM-DD / YYYYMMDD text)",
        )
    };
    let missing = |count: usize, row: usize| missing(op, table, name, count, row);
    match table.column(name)? {
        Column::Date(c) => {
            if let Some(row) = c.missing_mask().iter().position(|&m| m) {
                return Err(missing(c.missing_count(), row));
            }
            Ok(c.days().to_vec())
        }
        Column::Numeric(c) => {
            let mut out = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                let x = v.ok_or_else(|| missing(c.missing_count(), row))?;
                let day = (x.fract() == 0.0 && (0.0..1.0e8).contains(&x))
                    .then(|| {
                        let v = x as u32;
                        from_ymd((v / 10_000) as i32, v / 100 % 100, v % 100)
                    })
                    .flatten()
                    .ok_or_else(|| unparseable(row, x.to_string()))?;
                out.push(day);
            }
            Ok(out)
        }
        Column::Categorical(c) => {
            let mut out = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                let s = v.ok_or_else(|| missing(c.missing_count(), row))?;
                out.push(parse_date(s.trim()).ok_or_else(|| unparseable(row, s.to_string()))?);
            }
            Ok(out)
        }
        other => Err(Error::TypeMismatch {
            op,
            column: name.to_string(),
            expected: "date, numeric YYYYMMDD or text dates".into(),
            found: other.dtype().to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_ids_beyond_f64_precision_stay_distinct_as_text() {
        use crate::ColumnType;
        let edge = 1i64 << 53;
        // ±2⁵³ are exact: numbers.
        let c = Key::to_column(&[Key::Int(edge), Key::Int(-edge)]);
        assert_eq!(c.dtype(), ColumnType::Numeric);
        assert_eq!(c.get(1).unwrap().to_string(), (-edge as f64).to_string());
        // One past it would round onto its neighbour: text, every id kept.
        for ids in [[edge + 1, edge], [-edge - 1, 3]] {
            let keys: Vec<Key> = ids.iter().map(|&i| Key::Int(i)).collect();
            let c = Key::to_column(&keys);
            assert_eq!(c.dtype(), ColumnType::Categorical, "{ids:?}");
            assert_eq!(c.get(0).unwrap().to_string(), ids[0].to_string());
            let c = i64::to_column(&ids);
            assert_eq!(c.dtype(), ColumnType::Categorical, "{ids:?}");
        }
        assert_eq!(usize::to_column(&[7]).dtype(), ColumnType::Numeric);
    }

    #[test]
    fn day_columns_of_three_kinds_and_errors_name_the_row() {
        let t = Table::new(vec![
            ("d".into(), Column::date(vec![19_723, 19_724])),
            ("n".into(), Column::numeric(vec![20240101.0, 20240102.0])),
            ("s".into(), Column::categorical(&["2024-01-01", "20240102"])),
            (
                "bad_n".into(),
                Column::numeric(vec![20240101.0, 20241301.0]),
            ),
            ("bad_s".into(), Column::categorical(&["2024-01-01", "soon"])),
            (
                "gap".into(),
                Column::numeric_opt(vec![Some(20240101.0), None]),
            ),
            ("flag".into(), Column::boolean(vec![true, false])),
        ])
        .unwrap();
        for c in ["d", "n", "s"] {
            assert_eq!(read_day_column("t", &t, c).unwrap(), vec![19_723, 19_724]);
        }
        let e = read_day_column("t", &t, "bad_n").unwrap_err().to_string();
        assert!(
            e.contains("column `bad_n`: `20241301` at row 2 is not a date"),
            "{e}"
        );
        let e = read_day_column("t", &t, "bad_s").unwrap_err().to_string();
        assert!(
            e.contains("column `bad_s`: `soon` at row 2 is not a date"),
            "{e}"
        );
        let e = read_day_column("t", &t, "gap").unwrap_err().to_string();
        assert!(
            e.contains("column `gap` has 1 missing value(s), first at row 2"),
            "{e}"
        );
        // Rows read from a file are located by their line.
        let csv = "d\n2024-01-01\n2024-01-02\nsoon\n";
        let f = crate::csv_io::read_csv_reader(
            csv.as_bytes(),
            "d.csv",
            &crate::csv_io::CsvOptions::default(),
        )
        .unwrap();
        let e = read_day_column("t", &f.take(&[2]).unwrap(), "d")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`soon` at line 4 is not a date"), "{e}");
        assert!(read_day_column("t", &t, "flag").is_err());
        assert!(read_day_column("t", &t, "nope").is_err());
    }

    #[test]
    fn key_columns_integer_or_text() {
        let t = Table::new(vec![
            ("i".into(), Column::numeric(vec![3.0, 10.0])),
            ("s".into(), Column::categorical(&["a", "b"])),
            ("f".into(), Column::numeric(vec![1.5, 2.0])),
        ])
        .unwrap();
        assert_eq!(
            read_key_column("t", &t, "i").unwrap(),
            KeyColumn::Int(vec![3, 10])
        );
        assert_eq!(
            read_key_column("t", &t, "s").unwrap(),
            KeyColumn::Text(vec!["a".into(), "b".into()])
        );
        let e = read_key_column("t", &t, "f").unwrap_err().to_string();
        assert!(
            e.contains("column `f`: `1.5` at row 1 is not a whole-number id"),
            "{e}"
        );
    }
}
