//! Binary labels (0/1) from a table column: the target of a purchase, churn
//! or repeat-purchase model.
//!
//! [`binary_labels`] accepts a boolean column, a numeric 0/1 column, or a
//! categorical column of yes/no words — or, with a `positive` value, any
//! boolean, numeric or categorical column where that value means 1. A
//! missing label, a value that is neither class, or a `positive` value that
//! never occurs is an error naming the column, where the row is (its file
//! line for a table read from CSV, see [`Table::locate`]) and the value:
//! labels are never guessed.
//!
//! ```
//! use ua_data::labels::binary_labels;
//! use ua_data::{Column, Table};
//! let t = Table::new(vec![
//!     ("churned".into(), Column::categorical(&["yes", "no", "Y"])),
//!     ("plan".into(), Column::categorical(&["gold", "free", "gold"])),
//! ]).unwrap();
//! assert_eq!(binary_labels(&t, "churned", None).unwrap(), vec![1, 0, 1]);
//! assert_eq!(binary_labels(&t, "plan", Some("gold")).unwrap(), vec![1, 0, 1]);
//! let err = binary_labels(&t, "plan", None).unwrap_err().to_string();
//! assert!(err.contains("column `plan`: `gold` at row 1 is not a yes/no value"), "{err}");
//! ```

use crate::{Column, Error, Result, Table};

const OP: &str = "binary_labels";

/// Reads a yes/no word: `1 true yes y t` → true, `0 false no n f` → false
/// (case and surrounding spaces ignored).
///
/// ```
/// use ua_data::labels::parse_yes_no;
/// assert_eq!(parse_yes_no(" YES "), Some(true));
/// assert_eq!(parse_yes_no("f"), Some(false));
/// assert_eq!(parse_yes_no("maybe"), None);
/// ```
pub fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument { op: OP, message }
}

fn bad_value(table: &Table, column: &str, row: usize, value: String, expected: &str) -> Error {
    Error::BadValue {
        op: OP,
        column: column.to_owned(),
        at: table.locate(row),
        value,
        expected: expected.to_owned(),
    }
}

/// Up to `max` distinct values of a column, for messages.
fn distinct_values(col: &Column, max: usize) -> String {
    let mut seen: Vec<String> = Vec::new();
    for i in 0..col.len() {
        let v = col.get(i).map(|v| v.to_string()).unwrap_or_default();
        if !seen.contains(&v) {
            if seen.len() == max {
                seen.push("...".into());
                break;
            }
            seen.push(v);
        }
    }
    seen.join(", ")
}

/// 0/1 labels from column `column` of `table`, one per row.
///
/// Without `positive`:
/// * a boolean column: `true` → 1, `false` → 0;
/// * a numeric column: 0 → 0, 1 → 1, any other value is an error;
/// * a categorical column: yes/no words as [`parse_yes_no`] reads them,
///   any other level is an error.
///
/// With `positive` (the value that counts as 1, everything else 0):
/// * a boolean column: `positive` must read as yes/no (`"false"` makes
///   `false` the positive class);
/// * a numeric column: `positive` must be a number;
/// * a categorical column: the level equal to `positive`; a level that
///   occurs in no row is an error listing the values found.
///
/// Errors (each naming the column): an unknown column, a date column, a
/// missing value ([`Error::MissingAt`]: the count and where the first one
/// is), a value that is neither class ([`Error::BadValue`]: where and the
/// value), an unusable `positive`. Places are given as [`Table::locate`]
/// does: the file line for a table read from CSV (also after splits and
/// filters), else the 1-based row. A column where
/// every row has the same class is returned as it is — a classifier that
/// needs both classes checks that itself.
///
/// ```
/// use ua_data::labels::binary_labels;
/// use ua_data::{Column, Error, Table};
/// let t = Table::new(vec![
///     ("bought".into(), Column::boolean(vec![true, false])),
///     ("orders".into(), Column::numeric(vec![0.0, 3.0])),
///     ("returned".into(), Column::numeric_opt(vec![Some(1.0), None])),
/// ]).unwrap();
/// assert_eq!(binary_labels(&t, "bought", None).unwrap(), vec![1, 0]);
/// assert_eq!(binary_labels(&t, "orders", Some("3")).unwrap(), vec![0, 1]);
/// let err = binary_labels(&t, "orders", None).unwrap_err();
/// assert!(matches!(&err, Error::BadValue { at, .. } if at == "row 2"), "{err}");
/// let err = binary_labels(&t, "returned", None).unwrap_err();
/// assert!(matches!(&err, Error::MissingAt { at, .. } if at == "row 2"), "{err}");
/// ```
pub fn binary_labels(table: &Table, column: &str, positive: Option<&str>) -> Result<Vec<u8>> {
    let col = crate::encode::column(table, column, OP)?;
    if let Some(first_row) = (0..col.len()).find(|&i| col.is_missing(i)) {
        return Err(Error::MissingAt {
            op: OP,
            column: column.to_owned(),
            count: col.missing_count(),
            at: table.locate(first_row),
        });
    }
    let y: Vec<u8> = match (col, positive) {
        (Column::Boolean(c), p) => {
            let want = match p {
                None => true,
                Some(p) => parse_yes_no(p).ok_or_else(|| {
                    invalid(format!(
                        "column `{column}` is boolean; the positive value `{p}` is not true/false"
                    ))
                })?,
            };
            c.values()
                .iter()
                .map(|v| u8::from(*v == Some(want)))
                .collect()
        }
        (Column::Numeric(c), None) => c
            .values()
            .iter()
            .enumerate()
            .map(|(row, &v)| {
                if v == 0.0 {
                    Ok(0)
                } else if v == 1.0 {
                    Ok(1)
                } else {
                    Err(bad_value(
                        table,
                        column,
                        row,
                        v.to_string(),
                        "0 or 1 (set the positive value if another number means 1)",
                    ))
                }
            })
            .collect::<Result<_>>()?,
        (Column::Numeric(c), Some(p)) => {
            let want: f64 = p.trim().parse().map_err(|_| {
                invalid(format!(
                    "column `{column}` is numeric; the positive value `{p}` is not a number"
                ))
            })?;
            c.values().iter().map(|&v| u8::from(v == want)).collect()
        }
        (Column::Categorical(c), None) => {
            let class: Vec<Option<bool>> = c.levels().iter().map(|l| parse_yes_no(l)).collect();
            c.codes()
                .iter()
                .enumerate()
                .map(|(row, &k)| match class.get(k as usize).copied().flatten() {
                    Some(b) => Ok(u8::from(b)),
                    None => Err(bad_value(
                        table,
                        column,
                        row,
                        c.get(row).unwrap_or_default().to_owned(),
                        "a yes/no value (1/0, true/false, yes/no, y/n, t/f); set the positive value if another value means 1",
                    )),
                })
                .collect::<Result<_>>()?
        }
        (Column::Categorical(c), Some(p)) => match c.level_code(p) {
            Some(code) => c.codes().iter().map(|&k| u8::from(k == code)).collect(),
            None => vec![0; c.len()],
        },
        (Column::Date(_), _) => {
            return Err(Error::TypeMismatch {
                op: OP,
                column: column.to_owned(),
                expected: "boolean, numeric or categorical (a label)".into(),
                found: "date".into(),
            });
        }
    };
    if let Some(p) = positive
        && !y.contains(&1)
    {
        return Err(invalid(format!(
            "the positive value `{p}` never occurs in column `{column}` (values: {})",
            distinct_values(col, 10)
        )));
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn every_rule_by_hand() {
        let t = table(vec![
            ("b", Column::boolean(vec![true, false, true])),
            ("n", Column::numeric(vec![1.0, 0.0, 0.0])),
            ("k", Column::numeric(vec![2.0, 5.0, 2.0])),
            ("w", Column::categorical(&["No", "t", " yes"])),
            ("c", Column::categorical(&["gold", "free", "Gold"])),
        ]);
        assert_eq!(binary_labels(&t, "b", None).unwrap(), vec![1, 0, 1]);
        assert_eq!(
            binary_labels(&t, "b", Some("false")).unwrap(),
            vec![0, 1, 0]
        );
        assert_eq!(binary_labels(&t, "b", Some("Y")).unwrap(), vec![1, 0, 1]);
        assert_eq!(binary_labels(&t, "n", None).unwrap(), vec![1, 0, 0]);
        assert_eq!(binary_labels(&t, "n", Some("0")).unwrap(), vec![0, 1, 1]);
        assert_eq!(binary_labels(&t, "k", Some(" 5 ")).unwrap(), vec![0, 1, 0]);
        assert_eq!(binary_labels(&t, "w", None).unwrap(), vec![0, 1, 1]);
        // A positive level is matched exactly (case matters).
        assert_eq!(binary_labels(&t, "c", Some("gold")).unwrap(), vec![1, 0, 0]);
        // One class is returned as is.
        let one = table(vec![("n", Column::numeric(vec![0.0, 0.0]))]);
        assert_eq!(binary_labels(&one, "n", None).unwrap(), vec![0, 0]);
    }

    fn err(t: &Table, c: &str, p: Option<&str>) -> (Error, String) {
        let e = binary_labels(t, c, p).unwrap_err();
        let s = e.to_string();
        (e, s)
    }

    #[test]
    fn errors_name_column_row_and_value() {
        let t = table(vec![
            ("b", Column::boolean_opt(vec![Some(true), None, None])),
            ("n", Column::numeric(vec![1.0, 0.5, 0.0])),
            ("c", Column::categorical(&["yes", "no", "maybe"])),
            ("d", Column::date(vec![1, 2, 3])),
            ("p", Column::categorical(&["a", "b", "a"])),
        ]);
        let (e, _) = err(&t, "b", None);
        assert!(
            matches!(e, Error::MissingAt { ref column, count: 2, ref at, .. } if column == "b" && at == "row 2")
        );
        let (e, s) = err(&t, "n", None);
        assert!(
            matches!(e, Error::BadValue { ref at, .. } if at == "row 2"),
            "{s}"
        );
        assert!(
            s.contains("column `n`: `0.5` at row 2 is not 0 or 1"),
            "{s}"
        );
        let (e, s) = err(&t, "c", None);
        assert!(
            matches!(e, Error::BadValue { ref at, .. } if at == "row 3"),
            "{s}"
        );
        assert!(s.contains("`maybe` at row 3 is not a yes/no value"), "{s}");
        let (e, s) = err(&t, "d", None);
        assert!(matches!(e, Error::TypeMismatch { .. }), "{s}");
        let (_, s) = err(&t, "p", Some("z"));
        assert!(
            s.contains("`z` never occurs in column `p` (values: a, b)"),
            "{s}"
        );
        let (_, s) = err(&t, "n", Some("lots"));
        assert!(s.contains("`lots` is not a number"), "{s}");
        let (_, s) = err(&t, "n", Some("7"));
        assert!(s.contains("never occurs"), "{s}");
        let one = table(vec![("b", Column::boolean(vec![true]))]);
        let (_, s) = err(&one, "b", Some("perhaps"));
        assert!(s.contains("`perhaps` is not true/false"), "{s}");
        let (e, _) = err(&t, "zz", None);
        assert!(matches!(e, Error::UnknownColumn { .. }));
    }

    #[test]
    fn errors_after_a_split_give_the_file_line() {
        let csv = "id,churned\na,yes\nb,no\nc,perhaps\nd,\ne,yes\n";
        let t = crate::csv_io::read_csv_reader(
            csv.as_bytes(),
            "c.csv",
            &crate::csv_io::CsvOptions::default(),
        )
        .unwrap();
        let part = t.take(&[4, 2]).unwrap();
        let (_, s) = err(&part, "churned", None);
        assert!(
            s.contains("`perhaps` at line 4 is not a yes/no value"),
            "{s}"
        );
        let part = t.take(&[4, 3, 1]).unwrap();
        let (_, s) = err(&part, "churned", None);
        assert!(s.contains("1 missing value(s), first at line 5"), "{s}");
    }

    #[test]
    fn distinct_values_are_capped() {
        let c = Column::numeric((0..20).map(f64::from).collect());
        assert_eq!(distinct_values(&c, 3), "0, 1, 2, ...");
        assert_eq!(distinct_values(&Column::numeric(vec![1.0, 1.0]), 3), "1");
    }
}
