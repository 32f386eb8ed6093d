//! The input schema a fitted pipeline keeps, and the lossless conversion of
//! a column read with another type than at fit time.
//!
//! CSV type inference looks at one file at a time: a product code column of
//! digits is numeric in one file and categorical in another, a 0/1 flag is
//! boolean or numeric. A fitted pipeline remembers each input column's type
//! and converts a column found with another type back to it when nothing is
//! lost — numbers to the levels they print as, levels that all read as
//! numbers (or dates, or true/false) to those — and otherwise fails with an
//! [`Error::SchemaMismatch`] naming the column, both types, the first value
//! at fault and how to read the file instead.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::date::{format_date, parse_date};
use crate::{
    BooleanColumn, CategoricalBuilder, Column, ColumnType, DateColumn, Error, NumericColumn, Result,
};

/// One input column as seen when the pipeline was fitted.
///
/// ```
/// use ua_data::pipeline::ColumnSchema;
/// use ua_data::{Column, ColumnType};
/// let s = ColumnSchema::of("zip", &Column::categorical(&["0150", "75001"]));
/// assert_eq!(s.dtype, ColumnType::Categorical);
/// assert_eq!(s.non_canonical_number.as_deref(), Some("0150"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSchema {
    /// The column name.
    pub name: String,
    /// Its type at fit time.
    pub dtype: ColumnType,
    /// For a categorical column: a training level that reads as a number
    /// but is not written the way that number prints (`007`, `1.50`, `+3`).
    /// When there is one, numbers found later cannot be turned back into
    /// levels safely, so a numeric column is refused instead of converted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_canonical_number: Option<String>,
}

impl ColumnSchema {
    /// The schema entry of column `name`.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnSchema;
    /// use ua_data::{Column, ColumnType};
    /// let s = ColumnSchema::of("n", &Column::numeric(vec![1.0]));
    /// assert_eq!((s.name.as_str(), s.dtype, s.non_canonical_number), ("n", ColumnType::Numeric, None));
    /// ```
    pub fn of(name: &str, column: &Column) -> Self {
        let non_canonical_number = match column {
            Column::Categorical(c) => c
                .levels()
                .iter()
                .find(|l| {
                    l.trim()
                        .parse::<f64>()
                        .is_ok_and(|x| number_as_level(x) != **l)
                })
                .cloned(),
            _ => None,
        };
        ColumnSchema {
            name: name.to_owned(),
            dtype: column.dtype(),
            non_canonical_number,
        }
    }
}

/// How a number prints as a categorical level: Rust's shortest round-trip
/// decimal form, without exponent or trailing `.0` (`7`, `-3`, `2.5`,
/// `100000000000000000000`), and `0` for both zeros.
///
/// ```
/// use ua_data::pipeline::number_as_level;
/// assert_eq!(number_as_level(7.0), "7");
/// assert_eq!(number_as_level(-0.0), "0");
/// assert_eq!(number_as_level(2.5), "2.5");
/// ```
pub fn number_as_level(x: f64) -> String {
    if x == 0.0 { "0".into() } else { format!("{x}") }
}

fn variant(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Numeric => "Numeric",
        ColumnType::Categorical => "Categorical",
        ColumnType::Boolean => "Boolean",
        ColumnType::Date => "Date",
    }
}

fn mismatch(op: &'static str, s: &ColumnSchema, found: ColumnType, reason: String) -> Error {
    Error::SchemaMismatch {
        op,
        column: s.name.clone(),
        expected: s.dtype,
        found,
        reason,
        hint: format!(
            "read it with CsvOptions::with_type(\"{}\", ColumnType::{}) or convert the column before transforming",
            s.name,
            variant(s.dtype)
        ),
    }
}

/// `column` with the type of `schema`: borrowed when the types agree,
/// converted when that loses nothing, else an [`Error::SchemaMismatch`]
/// whose reason places the bad value with `at(row)` (the table's
/// [`locate`](crate::Table::locate): `line 102` for a row read from a file).
pub(crate) fn conform<'a>(
    op: &'static str,
    schema: &ColumnSchema,
    column: &'a Column,
    at: &dyn Fn(usize) -> String,
) -> Result<Cow<'a, Column>> {
    let found = column.dtype();
    if found == schema.dtype {
        return Ok(Cow::Borrowed(column));
    }
    let fail = |reason: String| mismatch(op, schema, found, reason);
    let bad_value =
        |row: usize, value: &str, what: &str| fail(format!("{} holds `{value}`, {what}", at(row)));
    let converted = match (schema.dtype, column) {
        (ColumnType::Numeric, Column::Boolean(c)) => Column::Numeric(NumericColumn::from_options(
            c.values()
                .iter()
                .map(|v| v.map(|b| f64::from(u8::from(b))))
                .collect(),
        )),
        (ColumnType::Numeric, Column::Categorical(c)) => {
            let mut values = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                values.push(match v {
                    None => None,
                    Some(s) => match s.trim().parse::<f64>() {
                        Ok(x) if x.is_finite() => Some(x),
                        _ => return Err(bad_value(row, s, "which is not a finite number")),
                    },
                });
            }
            Column::Numeric(NumericColumn::from_options(values))
        }
        (ColumnType::Categorical, Column::Numeric(c)) => {
            if let Some(l) = &schema.non_canonical_number {
                return Err(fail(format!(
                    "its training levels include `{l}`, which a number cannot be printed back to \
                     (leading zeros, signs or trailing decimals are lost when a file is read as numbers)"
                )));
            }
            let mut b = CategoricalBuilder::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                match v {
                    Some(x) if !x.is_finite() => {
                        return Err(bad_value(
                            row,
                            &x.to_string(),
                            "which is not a finite number",
                        ));
                    }
                    Some(x) => b.push(Some(&number_as_level(x))),
                    None => b.push(None),
                }
            }
            Column::Categorical(b.finish())
        }
        (ColumnType::Categorical, Column::Boolean(c)) => Column::categorical_opt(
            &c.values()
                .iter()
                .map(|v| v.map(|b| if b { "true" } else { "false" }))
                .collect::<Vec<_>>(),
        ),
        (ColumnType::Categorical, Column::Date(c)) => {
            Column::categorical_opt(&c.iter().map(|d| d.map(format_date)).collect::<Vec<_>>())
        }
        (ColumnType::Boolean, Column::Numeric(c)) => {
            let mut values = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                values.push(match v {
                    None => None,
                    Some(0.0) => Some(false),
                    Some(1.0) => Some(true),
                    Some(x) => return Err(bad_value(row, &x.to_string(), "which is not 0 or 1")),
                });
            }
            Column::Boolean(BooleanColumn::from_options(values))
        }
        (ColumnType::Boolean, Column::Categorical(c)) => {
            let mut values = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                values.push(match v {
                    None => None,
                    Some(s) => match s.trim().to_ascii_lowercase().as_str() {
                        "true" | "1" => Some(true),
                        "false" | "0" => Some(false),
                        _ => return Err(bad_value(row, s, "which is not true/false or 1/0")),
                    },
                });
            }
            Column::Boolean(BooleanColumn::from_options(values))
        }
        (ColumnType::Date, Column::Categorical(c)) => {
            let mut days = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                days.push(match v {
                    None => None,
                    Some(s) => match parse_date(s.trim()) {
                        Some(d) => Some(d),
                        None => return Err(bad_value(row, s, "which is not a YYYY-MM-DD date")),
                    },
                });
            }
            Column::Date(DateColumn::from_options(days))
        }
        _ => {
            return Err(fail(format!(
                "there is no lossless conversion from {found} to {}",
                schema.dtype
            )));
        }
    };
    Ok(Cow::Owned(converted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn schema_of(name: &str, c: &Column) -> ColumnSchema {
        ColumnSchema::of(name, c)
    }

    /// Places rows as a table not read from a file does (1-based).
    fn at(row: usize) -> String {
        format!("row {}", row + 1)
    }

    fn conv(s: &ColumnSchema, c: &Column) -> Result<Column> {
        conform("t", s, c, &at).map(Cow::into_owned)
    }

    #[test]
    fn same_type_is_borrowed() {
        let c = Column::numeric(vec![1.0]);
        let s = schema_of("x", &c);
        assert!(matches!(
            conform("t", &s, &c, &at).unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn lossless_conversions() {
        // Categorical digits at fit, numbers now: back to the same levels.
        let s = schema_of("plan", &Column::categorical(&["1", "2", "10"]));
        let got = conv(&s, &Column::numeric_opt(vec![Some(10.0), None, Some(2.0)])).unwrap();
        assert_eq!(got, Column::categorical_opt(&[Some("10"), None, Some("2")]));
        let got = conv(&s, &Column::numeric(vec![2.5])).unwrap();
        assert_eq!(got.get(0), Some(Value::text("2.5")));
        // Numbers at fit, text now.
        let s = schema_of("age", &Column::numeric(vec![1.0]));
        let got = conv(
            &s,
            &Column::categorical_opt(&[Some(" 31"), None, Some("2.50")]),
        )
        .unwrap();
        assert_eq!(got, Column::numeric_opt(vec![Some(31.0), None, Some(2.5)]));
        let got = conv(
            &s,
            &Column::boolean_opt(vec![Some(true), None, Some(false)]),
        )
        .unwrap();
        assert_eq!(got, Column::numeric_opt(vec![Some(1.0), None, Some(0.0)]));
        // Booleans at fit.
        let s = schema_of("vip", &Column::boolean(vec![true]));
        let got = conv(&s, &Column::numeric_opt(vec![Some(0.0), Some(1.0), None])).unwrap();
        assert_eq!(
            got,
            Column::boolean_opt(vec![Some(false), Some(true), None])
        );
        let got = conv(&s, &Column::categorical(&["TRUE", "0", "false", "1"])).unwrap();
        assert_eq!(got, Column::boolean(vec![true, false, false, true]));
        // Text at fit: booleans and dates print as levels.
        let s = schema_of("c", &Column::categorical(&["x"]));
        let got = conv(&s, &Column::boolean_opt(vec![Some(true), None])).unwrap();
        assert_eq!(got, Column::categorical_opt(&[Some("true"), None]));
        let got = conv(&s, &Column::date_opt(vec![Some(0), None])).unwrap();
        assert_eq!(got, Column::categorical_opt(&[Some("1970-01-01"), None]));
        // Dates at fit, text now.
        let s = schema_of("d", &Column::date(vec![0]));
        let got = conv(&s, &Column::categorical_opt(&[Some("1970-01-02"), None])).unwrap();
        assert_eq!(got, Column::date_opt(vec![Some(1), None]));
    }

    fn expect_mismatch(r: Result<Column>, column: &str, needles: &[&str]) {
        match r {
            Err(e @ Error::SchemaMismatch { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(&format!("column `{column}`")), "{msg}");
                assert!(msg.contains("CsvOptions::with_type"), "{msg}");
                for n in needles {
                    assert!(msg.contains(n), "missing {n:?} in: {msg}");
                }
            }
            other => panic!("expected a schema mismatch, got {other:?}"),
        }
    }

    #[test]
    fn lossy_conversions_are_refused_with_row_value_and_hint() {
        let zip = schema_of("zip", &Column::categorical(&["07001", "75001"]));
        expect_mismatch(
            conv(&zip, &Column::numeric(vec![7001.0])),
            "zip",
            &[
                "was categorical",
                "is numeric",
                "`07001`",
                "ColumnType::Categorical",
            ],
        );
        let age = schema_of("age", &Column::numeric(vec![1.0]));
        expect_mismatch(
            conv(&age, &Column::categorical(&["31", "N/A"])),
            "age",
            &[
                "row 2 holds `N/A`",
                "not a finite number",
                "ColumnType::Numeric",
            ],
        );
        expect_mismatch(
            conv(&age, &Column::categorical(&["NaN"])),
            "age",
            &["row 1 holds `NaN`"],
        );
        expect_mismatch(
            conv(&age, &Column::date(vec![3])),
            "age",
            &["no lossless conversion"],
        );
        let vip = schema_of("vip", &Column::boolean(vec![true]));
        expect_mismatch(
            conv(&vip, &Column::numeric(vec![1.0, 2.0])),
            "vip",
            &["row 2 holds `2`", "not 0 or 1"],
        );
        expect_mismatch(
            conv(&vip, &Column::categorical(&["yes"])),
            "vip",
            &["row 1 holds `yes`"],
        );
        let d = schema_of("d", &Column::date(vec![0]));
        expect_mismatch(
            conv(&d, &Column::categorical(&["1970-01-01", "soon"])),
            "d",
            &["row 2 holds `soon`", "YYYY-MM-DD"],
        );
        expect_mismatch(conv(&d, &Column::numeric(vec![1.0])), "d", &["was date"]);
        let c = schema_of("c", &Column::categorical(&["a"]));
        expect_mismatch(
            conv(&c, &Column::numeric(vec![f64::INFINITY])),
            "c",
            &["row 1 holds `inf`"],
        );
    }

    #[test]
    fn numbers_print_as_levels_without_loss() {
        for (x, text) in [
            (7.0, "7"),
            (-3.0, "-3"),
            (0.0, "0"),
            (-0.0, "0"),
            (2.5, "2.5"),
            (1e15, "1000000000000000"),
            (1e20, "100000000000000000000"),
            (-9.3e18, "-9300000000000000000"),
            (1e-7, "0.0000001"),
        ] {
            assert_eq!(number_as_level(x), text);
            assert_eq!(text.parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn canonical_levels_are_recognised() {
        for (level, bad) in [
            ("7", false),
            ("-3", false),
            ("2.5", false),
            ("007", true),
            ("1.50", true),
            ("+3", true),
            (" 4", true),
            ("1e3", true),
            ("abc", false),
        ] {
            let s = schema_of("c", &Column::categorical(&[level]));
            assert_eq!(s.non_canonical_number.is_some(), bad, "{level}");
        }
    }
}
