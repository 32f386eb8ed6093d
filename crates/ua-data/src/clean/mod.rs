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

mod clip;
mod impute;

use serde::{Deserialize, Serialize};

pub use clip::{ClipReport, Clipper, FittedClipper, winsorize};
pub use impute::{FittedImputer, Impute, ImputeReport, Imputer};

use crate::table::keys::RowKeys;
use crate::{Column, Result, Table};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{FittedStep, TransformReport};
    use crate::{Error, Transform, Transformer, Value};
    use ua_tensor::persist::Persist;

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

        // Non-finite numbers cannot come from a file (JSON has none), but a
        // value built in code is checked the same way.
        let nan = FittedImputer {
            fills: vec![("x".into(), Value::Number(f64::NAN))],
        };
        assert!(nan.validate().unwrap_err().contains("not finite"));
        let fine = FittedImputer {
            fills: vec![
                ("x".into(), Value::Number(1.0)),
                ("y".into(), Value::Bool(true)),
            ],
        };
        assert!(fine.validate().is_ok());

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
