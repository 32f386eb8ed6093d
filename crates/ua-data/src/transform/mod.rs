//! Column-wise numeric transforms on a [`Table`]: [`Log1p`] (for skewed
//! amounts such as spend or order counts), [`QuantileBinner`] (equal-count
//! bins with edges learned from the data) and [`DateParts`] (year, month,
//! day, weekday and day of year of a date column).
//!
//! Each is a [`Transformer`](crate::Transformer) whose fitted type applies the step to new
//! tables; missing values stay missing. An empty column list means every
//! column of the type the step works on (numeric, or date for
//! [`DateParts`]), which is how the steps are used inside a
//! [`ColumnTransformer`](crate::pipeline::ColumnTransformer) block: there
//! the step sees only the columns of its block. [`log1p_matrix`] is the same
//! `ln(1 + x)` on a plain matrix.
//!
//! ## Fit on the training split only
//!
//! The bin edges of a [`QuantileBinner`] are quantiles of the **training**
//! rows; validation rows and new users are binned with those same edges, so
//! that bin 3 means the same spend range everywhere. (`Log1p` and
//! `DateParts` learn nothing, but follow the same fit/transform shape so they
//! slot into the same pipelines.)
//!
//! ```
//! use ua_data::transform::QuantileBinner;
//! use ua_data::{Column, Table, Transform, Transformer};
//! let train = Table::new(vec![("spend".into(), Column::numeric(vec![1.0, 2.0, 3.0, 4.0, 5.0]))]).unwrap();
//! let binner = QuantileBinner::new(&["spend"], 2).fit(&train).unwrap();
//! assert_eq!(binner.columns()[0].edges(), &[3.0]); // the training median
//! let test = Table::new(vec![("spend".into(), Column::numeric(vec![0.5, 3.0, 99.0]))]).unwrap();
//! assert_eq!(binner.transform(&test).unwrap().numeric("spend").unwrap().values(), &[0.0, 1.0, 1.0]);
//! ```

mod binning;
mod dates;
mod log1p;

pub use binning::{BinEdges, FittedQuantileBinner, QuantileBinner};
pub use dates::{DatePart, DateParts, FittedDateParts};
pub use log1p::{FittedLog1p, Log1p, log1p_matrix};

use crate::encode::column;
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table};

/// `names` if not empty, else every column of `table` whose type is in `types`.
pub(crate) fn resolve_columns(
    table: &Table,
    names: &[String],
    types: &[ColumnType],
) -> Vec<String> {
    if !names.is_empty() {
        return names.to_vec();
    }
    table
        .columns()
        .filter(|(_, c)| types.contains(&c.dtype()))
        .map(|(n, _)| n.to_owned())
        .collect()
}

/// Errors when a fitted step lists a column twice.
pub(crate) fn distinct_names<'a>(
    what: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> std::result::Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(format!("{what} `{n}` appears twice"));
        }
    }
    Ok(())
}

/// The numeric column `name`, with errors naming `op` and the column.
pub(crate) fn numeric<'a>(
    table: &'a Table,
    name: &str,
    op: &'static str,
) -> Result<&'a NumericColumn> {
    match column(table, name, op)? {
        Column::Numeric(c) => Ok(c),
        other => Err(Error::TypeMismatch {
            op,
            column: name.to_owned(),
            expected: "numeric".into(),
            found: other.dtype().name().into(),
        }),
    }
}

/// A number as an error message quotes it: plain for ordinary magnitudes,
/// in exponent form (`1e308`) for huge or tiny ones.
pub(crate) fn show_number(v: f64) -> String {
    let a = v.abs();
    if a.is_finite() && a != 0.0 && !(1e-5..1e15).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Where row `row` of `table` is, for an error message: `line N` for a
/// row read from a file, else `row N` (1-based), as [`Table::locate`].
pub(crate) fn locate(table: &Table, row: usize) -> String {
    table.locate(row)
}

/// Errors on the first NaN or infinite value that is not marked missing,
/// located in `table` (the table `values` belong to).
pub(crate) fn ensure_finite_column(
    op: &'static str,
    name: &str,
    values: &[f64],
    missing: &[bool],
    table: &Table,
) -> Result<()> {
    for (r, (v, &m)) in values.iter().zip(missing).enumerate() {
        if !m && !v.is_finite() {
            return Err(Error::BadValue {
                op,
                column: name.to_owned(),
                at: table.locate(r),
                value: format!("{v}"),
                expected: "a finite number (mark missing values as missing)".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::from_ymd;
    use crate::{Transform, Transformer};

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn log1p_values_missing_and_errors() {
        let t = table(vec![(
            "x",
            Column::numeric_opt(vec![Some(0.0), None, Some(1.0), Some(-0.5)]),
        )]);
        let out = Log1p::new(&["x"]).fit(&t).unwrap().transform(&t).unwrap();
        let c = out.numeric("x").unwrap();
        assert_eq!(c.get(0), Some(0.0));
        assert_eq!(c.get(1), None);
        assert!((c.get(2).unwrap() - 2f64.ln()).abs() < 1e-15);
        assert!((c.get(3).unwrap() - 0.5f64.ln()).abs() < 1e-15);
        let bad = table(vec![("x", Column::numeric(vec![0.0, -1.0]))]);
        let f = Log1p::new(&["x"]).fit(&t).unwrap();
        match f.transform(&bad).unwrap_err() {
            Error::BadValue { column, at, .. } => {
                assert_eq!((column.as_str(), at.as_str()), ("x", "row 2"))
            }
            e => panic!("unexpected {e}"),
        }
        let cat = table(vec![("x", Column::categorical(&["a"]))]);
        assert!(matches!(
            Log1p::new(&["x"]).fit(&cat),
            Err(Error::TypeMismatch { .. })
        ));
    }

    #[test]
    fn quantile_edges_match_numpy() {
        // np.quantile([1,2,3,4,5,6,7,8,9,10], [1/3, 2/3]) = [4.0, 7.0]
        let t = table(vec![(
            "x",
            Column::numeric_opt((1..=10).map(|v| Some(f64::from(v))).chain([None]).collect()),
        )]);
        let b = QuantileBinner::new(&["x"], 3).fit(&t).unwrap();
        assert_eq!(b.columns()[0].edges(), &[4.0, 7.0]);
        let out = b.transform(&t).unwrap();
        let c = out.numeric("x").unwrap();
        let bins: Vec<Option<f64>> = c.iter().collect();
        assert_eq!(
            bins,
            vec![
                Some(0.0),
                Some(0.0),
                Some(0.0),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(2.0),
                Some(2.0),
                Some(2.0),
                Some(2.0),
                None
            ]
        );
    }

    #[test]
    fn quantile_binner_merges_duplicate_edges() {
        // Quartiles of [0,0,0,0,0,0,1,2]: 0, 0, 0.25 → edges [0.25] after merging.
        let t = table(vec![(
            "x",
            Column::numeric(vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0]),
        )]);
        let b = QuantileBinner::new(&["x"], 4).fit(&t).unwrap();
        assert_eq!(b.columns()[0].edges(), &[0.25]);
        assert!(QuantileBinner::new(&["x"], 1).fit(&t).is_err());
    }

    #[test]
    fn date_parts_by_hand() {
        let d = from_ymd(2024, 12, 31).unwrap(); // a Tuesday, day 366 of a leap year
        let t = table(vec![
            ("id", Column::numeric(vec![1.0, 2.0])),
            ("d", Column::date_opt(vec![Some(d), None])),
        ]);
        let out = DateParts::new(&["d"], &DatePart::ALL)
            .fit(&t)
            .unwrap()
            .transform(&t)
            .unwrap();
        assert_eq!(
            out.column_names(),
            vec![
                "id",
                "d.year",
                "d.month",
                "d.day",
                "d.weekday",
                "d.day_of_year"
            ]
        );
        let get = |n: &str| out.numeric(n).unwrap().get(0).unwrap();
        assert_eq!(
            [
                get("d.year"),
                get("d.month"),
                get("d.day"),
                get("d.weekday"),
                get("d.day_of_year")
            ],
            [2024.0, 12.0, 31.0, 1.0, 366.0]
        );
        assert_eq!(out.numeric("d.month").unwrap().get(1), None);
        let err = DateParts::new(&["id"], &[DatePart::Year])
            .fit(&t)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`id` has type numeric, expected date"),
            "{err}"
        );
    }

    #[test]
    fn transforms_save_load_and_refuse_broken_files() {
        use crate::testutil::{edit, envelope_policy, invalid};
        use serde_json::json;
        let t = table(vec![
            ("x", Column::numeric(vec![0.0, 1.0, 2.0, 3.0, 4.0])),
            ("d", Column::date(vec![0, 1, 2, 3, 4])),
            ("c", Column::categorical(&["a", "b", "a", "b", "a"])),
        ]);
        let log = Log1p::all().fit(&t).unwrap();
        assert_eq!(log.columns(), &["x"]);
        let json = envelope_policy(&log);
        assert!(
            invalid::<FittedLog1p>(&edit(&json, "columns", json!(["x", "x"])))
                .contains("column `x` appears twice")
        );

        let bins = QuantileBinner::all(4).fit(&t).unwrap();
        assert_eq!(bins.columns()[0].edges(), &[1.0, 2.0, 3.0]);
        let json = envelope_policy(&bins);
        let b = |v: serde_json::Value| invalid::<FittedQuantileBinner>(&edit(&json, "edges", v));
        assert!(b(json!([1.0, 1.0])).contains("increase strictly, found 1 then 1"));
        assert!(b(json!([2.0, 1.0])).contains("increase strictly"));
        assert!(!b(json!([1.0, null])).is_empty());
        let e = QuantileBinner::all(1).fit(&t).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { name: "n_bins", .. }),
            "{e}"
        );

        let parts = DateParts::all(&[DatePart::Month, DatePart::Day])
            .fit(&t)
            .unwrap();
        assert_eq!(parts.feature_names(), vec!["d.month", "d.day"]);
        let json = envelope_policy(&parts);
        let p = |k: &str, v: serde_json::Value| invalid::<FittedDateParts>(&edit(&json, k, v));
        assert!(p("parts", json!(["month", "month"])).contains("date part `month` appears twice"));
        assert!(p("parts", json!([])).contains("no date part"));
        assert!(p("columns", json!(["d", "d"])).contains("column `d` appears twice"));
        for bad in [vec![], vec![DatePart::Day, DatePart::Day]] {
            let e = DateParts::all(&bad).fit(&t).unwrap_err();
            assert!(
                matches!(e, Error::InvalidParameter { name: "parts", .. }),
                "{e}"
            );
        }
    }
}
