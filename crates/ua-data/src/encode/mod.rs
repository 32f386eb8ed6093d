//! Encoding categorical (and boolean) columns as numbers: [`OneHotEncoder`]
//! (one 0/1 indicator column per category) and [`OrdinalEncoder`] (one
//! column holding the category's index).
//!
//! Categories are learned at fit time, sorted alphabetically (booleans have
//! the categories `false` and `true`), so the same table always gives the
//! same columns in the same order. A level that appears in a column's
//! dictionary but in none of its rows (e.g. after a train/test split) is not
//! a category.
//!
//! ## Fit on the training split only
//!
//! The categories are those of the **training** rows. A category that only
//! appears later (a city first seen in the test split, a new user's
//! country) is *unknown*: [`HandleUnknown::Error`] reports it with its
//! column, place (the file line for a table read from CSV, else the row)
//! and value; [`HandleUnknown::Ignore`] encodes it as all zeros
//! (one-hot) or as `unknown_value` (ordinal) — or, for a one-hot encoder
//! with an infrequent bucket, as `column=(infrequent)`.
//!
//! ## Cardinality limits
//!
//! As scikit-learn's `OneHotEncoder`, [`OneHotEncoder::min_frequency`]
//! groups categories with fewer training rows, and
//! [`OneHotEncoder::max_categories`] caps the indicators per column (the
//! infrequent one included; the most frequent categories keep theirs, equal
//! counts broken by name), so a column of ten thousand codes cannot become
//! ten thousand features. [`OneHotColumn::infrequent_rows`] says how many
//! training rows were grouped. Re-fitting on the test split
//! instead would silently give the model columns it was not trained on.
//!
//! ```
//! use ua_data::encode::{HandleUnknown, OneHotEncoder};
//! use ua_data::{Column, Table, Transform, Transformer};
//!
//! let train = Table::new(vec![("city".into(), Column::categorical(&["Paris", "Lyon", "Paris"]))]).unwrap();
//! let enc = OneHotEncoder::new(&["city"]).handle_unknown(HandleUnknown::Ignore).fit(&train).unwrap();
//! assert_eq!(enc.feature_names(), vec!["city=Lyon", "city=Paris"]);
//!
//! let test = Table::new(vec![("city".into(), Column::categorical(&["Rome", "Lyon"]))]).unwrap();
//! let out = enc.transform(&test).unwrap();
//! assert_eq!(out.numeric("city=Lyon").unwrap().values(), &[0.0, 1.0]);
//! assert_eq!(out.numeric("city=Paris").unwrap().values(), &[0.0, 0.0]); // Rome: all zeros
//! ```

mod onehot;
mod ordinal;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use onehot::{FittedOneHotEncoder, OneHotColumn, OneHotEncoder};
pub use ordinal::{FittedOrdinalEncoder, OrdinalColumn, OrdinalEncoder};

use crate::{CategoricalColumn, Column, ColumnType, Error, Result, Table};

/// The column types an encoder accepts.
const ENCODABLE: [ColumnType; 2] = [ColumnType::Categorical, ColumnType::Boolean];

const MISSING: u32 = CategoricalColumn::MISSING;

/// What to do with a category that was not seen at fit time.
///
/// ```
/// use ua_data::encode::HandleUnknown;
/// assert_eq!(HandleUnknown::default(), HandleUnknown::Error);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleUnknown {
    /// Encode it as all zeros (one-hot; or as `column=(infrequent)` when
    /// the encoder has that indicator) or as the ordinal `unknown_value`.
    Ignore,
    /// Return [`Error::UnknownCategory`] naming the column, the place
    /// (file line, else row) and the value.
    #[default]
    Error,
}

/// Whether a one-hot encoder drops one indicator per column.
///
/// Dropping the first category removes the exact collinearity of a full set
/// of indicators (useful for unregularised linear models); the first
/// category is then encoded as all zeros — as are unknown and missing values.
///
/// ```
/// use ua_data::encode::DropCategory;
/// assert_eq!(DropCategory::default(), DropCategory::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCategory {
    /// One indicator per category.
    #[default]
    None,
    /// No indicator for the alphabetically first category.
    First,
}

/// A categorical or boolean column as codes into levels.
pub(crate) struct Coded<'a> {
    pub(crate) codes: Cow<'a, [u32]>,
    pub(crate) levels: Cow<'a, [String]>,
}

/// Looks up `name` in `table`, re-tagging an unknown-column error with `op`.
pub(crate) fn column<'a>(table: &'a Table, name: &str, op: &'static str) -> Result<&'a Column> {
    table.column(name).map_err(|e| match e {
        Error::UnknownColumn {
            name, available, ..
        } => Error::UnknownColumn {
            op,
            name,
            available,
        },
        other => other,
    })
}

/// The categorical or boolean column `name` as codes; other types are a
/// [`Error::TypeMismatch`].
pub(crate) fn coded<'a>(table: &'a Table, name: &str, op: &'static str) -> Result<Coded<'a>> {
    match column(table, name, op)? {
        Column::Categorical(c) => Ok(Coded {
            codes: Cow::Borrowed(c.codes()),
            levels: Cow::Borrowed(c.levels()),
        }),
        Column::Boolean(b) => Ok(Coded {
            codes: Cow::Owned(
                b.values()
                    .iter()
                    .map(|v| v.map_or(MISSING, u32::from))
                    .collect(),
            ),
            levels: Cow::Owned(vec!["false".into(), "true".into()]),
        }),
        other => Err(Error::TypeMismatch {
            op,
            column: name.to_owned(),
            expected: "categorical or boolean".into(),
            found: other.dtype().name().into(),
        }),
    }
}

/// Per-level row counts of a coded column (levels that occur in no row are
/// left out), sorted by level, and the number of missing rows.
fn level_counts<'a>(coded: &'a Coded<'_>) -> (BTreeMap<&'a str, usize>, usize) {
    let mut by_code = vec![0usize; coded.levels.len()];
    let mut n_missing = 0usize;
    for &c in coded.codes.iter() {
        match by_code.get_mut(c as usize) {
            Some(k) => *k += 1,
            None => n_missing += 1,
        }
    }
    let counts: BTreeMap<&str, usize> = coded
        .levels
        .iter()
        .zip(&by_code)
        .filter(|(_, k)| **k > 0)
        .map(|(l, &k)| (l.as_str(), k))
        .collect();
    (counts, n_missing)
}

/// Whether `levels` is sorted strictly (so binary search finds every level once).
fn check_sorted(column: &str, what: &str, levels: &[String]) -> std::result::Result<(), String> {
    match levels.windows(2).find(|w| w[0] >= w[1]) {
        Some(w) => Err(format!(
            "column `{column}`: {what} must be sorted without duplicates, found `{}` before `{}`",
            w[0], w[1]
        )),
        None => Ok(()),
    }
}

/// The error for a column with no category to learn: every value missing
/// (located at its first row), or no row at all.
fn no_category(op: &'static str, name: &str, table: &Table, n_missing: usize) -> Error {
    if table.n_rows() == 0 {
        return ua_tensor::Error::Empty { op }.into();
    }
    Error::MissingAt {
        op,
        column: name.to_owned(),
        count: n_missing,
        at: table.locate(0),
    }
}

/// What happened while encoding one column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EncodeCounts {
    /// Unknown categories encoded as zeros / `unknown_value`.
    pub(crate) unknown: usize,
    /// Missing values left as zeros (one-hot) or missing (ordinal).
    pub(crate) missing: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{FittedStep, TransformReport};
    use crate::{Transform, Transformer};

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn one_hot_write_refuses_an_output_of_the_wrong_rows_or_width() {
        use onehot::Limits;
        let t = table(vec![(
            "city",
            Column::categorical(&["Paris", "Lyon", "Paris"]),
        )]);
        let c = coded(&t, "city", "test").unwrap();
        let col = OneHotColumn::fit(
            "city",
            &c,
            HandleUnknown::Error,
            DropCategory::None,
            Limits::default(),
            &t,
        )
        .unwrap();
        let mut right = ndarray::Array2::<f32>::zeros((3, 2));
        col.write("test", &c, &t, right.view_mut()).unwrap();
        assert_eq!(right.sum(), 3.0);
        // Wrong rows with the right width, and the right rows with a wrong width.
        for dim in [(2, 2), (3, 3)] {
            let mut out = ndarray::Array2::<f32>::zeros(dim);
            let e = col
                .write("test", &c, &t, out.view_mut())
                .unwrap_err()
                .to_string();
            assert!(e.contains("(3, 2)"), "{dim:?}: {e}");
        }
    }

    #[test]
    fn one_hot_handles_unknown_missing_and_keeps_column_order() {
        let train = table(vec![
            ("id", Column::numeric(vec![1.0, 2.0, 3.0])),
            ("city", Column::categorical(&["Paris", "Lyon", "Paris"])),
            ("vip", Column::boolean(vec![true, false, false])),
        ]);
        let enc = OneHotEncoder::new(&["city", "vip"])
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&train)
            .unwrap();
        let test = table(vec![
            ("id", Column::numeric(vec![4.0, 5.0, 6.0])),
            (
                "city",
                Column::categorical_opt(&[Some("Rome"), None, Some("Paris")]),
            ),
            (
                "vip",
                Column::boolean_opt(vec![None, Some(true), Some(false)]),
            ),
        ]);
        let out = enc.transform(&test).unwrap();
        assert_eq!(
            out.column_names(),
            vec!["id", "city=Lyon", "city=Paris", "vip=false", "vip=true"]
        );
        assert_eq!(out.numeric("city=Lyon").unwrap().values(), &[0.0, 0.0, 0.0]);
        assert_eq!(
            out.numeric("city=Paris").unwrap().values(),
            &[0.0, 0.0, 1.0]
        );
        assert_eq!(out.numeric("vip=false").unwrap().values(), &[0.0, 0.0, 1.0]);
        assert_eq!(out.numeric("vip=true").unwrap().values(), &[0.0, 1.0, 0.0]);
    }

    #[test]
    fn one_hot_unknown_error_names_column_row_and_value() {
        let train = table(vec![("city", Column::categorical(&["Paris", "Lyon"]))]);
        let enc = OneHotEncoder::new(&["city"]).fit(&train).unwrap();
        let test = table(vec![("city", Column::categorical(&["Lyon", "Rome"]))]);
        match enc.transform(&test).unwrap_err() {
            Error::UnknownCategory {
                column, at, value, ..
            } => assert_eq!(
                (column.as_str(), at.as_str(), value.as_str()),
                ("city", "row 2", "Rome")
            ),
            e => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn one_hot_ignores_dictionary_levels_without_rows() {
        let full = table(vec![("c", Column::categorical(&["a", "b", "c"]))]);
        let train = full.take(&[0, 2]).unwrap(); // "b" stays in the dictionary
        let enc = OneHotEncoder::new(&["c"]).fit(&train).unwrap();
        assert_eq!(enc.feature_names(), vec!["c=a", "c=c"]);
    }

    #[test]
    fn one_hot_drop_first_and_min_frequency() {
        let t = table(vec![(
            "c",
            Column::categorical(&["a", "b", "b", "c", "c", "c", "d"]),
        )]);
        let enc = OneHotEncoder::new(&["c"])
            .drop(DropCategory::First)
            .min_frequency(2)
            .fit(&t)
            .unwrap();
        // Frequent: b (2), c (3); infrequent: a, d. Drop first frequent (b).
        assert_eq!(enc.feature_names(), vec!["c=c", "c=(infrequent)"]);
        let out = enc.transform(&t).unwrap();
        assert_eq!(
            out.numeric("c=c").unwrap().values(),
            &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
        );
        assert_eq!(
            out.numeric("c=(infrequent)").unwrap().values(),
            &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn bad_columns_are_named() {
        let t = table(vec![("d", Column::date(vec![1]))]);
        let err = OneHotEncoder::new(&["d"]).fit(&t).unwrap_err().to_string();
        assert!(err.contains("`d` has type date"), "{err}");
        let err = OneHotEncoder::new(&["zz"]).fit(&t).unwrap_err().to_string();
        assert!(
            err.contains("unknown column `zz`") && err.contains("OneHotEncoder::fit"),
            "{err}"
        );
        let all_missing = table(vec![("c", Column::categorical_opt::<&str>(&[None, None]))]);
        let err = OneHotEncoder::new(&["c"])
            .fit(&all_missing)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`c` has 2 missing"), "{err}");
    }

    fn cat(levels: &[&str]) -> Table {
        table(vec![("c", Column::categorical(levels))])
    }

    #[test]
    fn max_categories_keeps_the_most_frequent_with_ties_by_name() {
        // a:3 b:3 c:2 d:1 e:1
        let t = cat(&["e", "a", "b", "c", "a", "b", "d", "c", "a", "b"]);
        let enc = OneHotEncoder::new(&["c"])
            .max_categories(3)
            .fit(&t)
            .unwrap();
        let col = &enc.columns()[0];
        assert_eq!(col.levels(), &["a", "b"]);
        assert_eq!(col.infrequent_levels(), &["c", "d", "e"]);
        assert_eq!(col.infrequent_rows(), 4);
        assert_eq!(enc.feature_names(), vec!["c=a", "c=b", "c=(infrequent)"]);
        // Ties among the counts: b, c, d have 2 rows each; two slots go to b, c.
        let t = cat(&["d", "c", "b", "a", "b", "c", "d"]);
        let enc = OneHotEncoder::new(&["c"])
            .max_categories(3)
            .fit(&t)
            .unwrap();
        assert_eq!(enc.columns()[0].levels(), &["b", "c"]);
        assert_eq!(enc.columns()[0].infrequent_rows(), 3);
        // Exactly at the limit: nothing grouped.
        let t = cat(&["x", "y", "z"]);
        let enc = OneHotEncoder::new(&["c"])
            .max_categories(3)
            .fit(&t)
            .unwrap();
        assert_eq!(enc.columns()[0].levels(), &["x", "y", "z"]);
        assert_eq!(enc.columns()[0].infrequent_rows(), 0);
        let enc = OneHotEncoder::new(&["c"])
            .max_categories(2)
            .fit(&t)
            .unwrap();
        assert_eq!(enc.feature_names(), vec!["c=x", "c=(infrequent)"]);
        assert_eq!(enc.columns()[0].infrequent_rows(), 2);
        // With min_frequency: a, b frequent and c infrequent make 3 indicators.
        let t = cat(&["a", "a", "b", "b", "c"]);
        let both = |max: usize| {
            OneHotEncoder::new(&["c"])
                .min_frequency(2)
                .max_categories(max)
                .fit(&t)
                .unwrap()
                .feature_names()
        };
        assert_eq!(both(3), vec!["c=a", "c=b", "c=(infrequent)"]);
        assert_eq!(both(2), vec!["c=a", "c=(infrequent)"]);
        // The limit counts the infrequent bucket: 1 would be a constant feature.
        for bad in [0, 1] {
            let err = OneHotEncoder::new(&["c"])
                .max_categories(bad)
                .fit(&t)
                .unwrap_err();
            assert!(
                matches!(
                    &err,
                    Error::InvalidParameter {
                        name: "max_categories",
                        ..
                    }
                ),
                "{err}"
            );
            assert!(err.to_string().contains(&format!("got {bad}")), "{err}");
        }
    }

    #[test]
    fn unseen_levels_go_to_the_infrequent_bucket_only_when_ignoring() {
        let train = cat(&["a", "a", "b"]);
        let test = cat(&["zz", "b", "a"]);
        let ignore = OneHotEncoder::new(&["c"])
            .min_frequency(2)
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&train)
            .unwrap();
        assert!(ignore.columns()[0].unknown_goes_to_infrequent());
        let out = ignore.transform(&test).unwrap();
        assert_eq!(out.numeric("c=a").unwrap().values(), &[0.0, 0.0, 1.0]);
        assert_eq!(
            out.numeric("c=(infrequent)").unwrap().values(),
            &[1.0, 1.0, 0.0]
        );
        // Strict encoders still refuse it, naming the value.
        let strict = OneHotEncoder::new(&["c"])
            .min_frequency(2)
            .fit(&train)
            .unwrap();
        assert!(!strict.columns()[0].unknown_goes_to_infrequent());
        match strict.transform(&test).unwrap_err() {
            Error::UnknownCategory { column, value, .. } => {
                assert_eq!((column.as_str(), value.as_str()), ("c", "zz"))
            }
            e => panic!("unexpected {e}"),
        }
        // Without an infrequent bucket an unseen level is all zeros.
        let plain = OneHotEncoder::new(&["c"])
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&train)
            .unwrap();
        assert!(!plain.columns()[0].unknown_goes_to_infrequent());
        let out = plain.transform(&test).unwrap();
        assert_eq!(out.n_cols(), 2);
        assert_eq!(out.numeric("c=a").unwrap().values(), &[0.0, 0.0, 1.0]);
        assert_eq!(out.numeric("c=b").unwrap().values(), &[0.0, 1.0, 0.0]);
        // Drop-first keeps the bucket as the last feature.
        let dropped = OneHotEncoder::new(&["c"])
            .min_frequency(2)
            .drop(DropCategory::First)
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&train)
            .unwrap();
        let out = dropped.transform(&test).unwrap();
        assert_eq!(out.column_names(), vec!["c=(infrequent)"]);
        assert_eq!(
            out.numeric("c=(infrequent)").unwrap().values(),
            &[1.0, 1.0, 0.0]
        );
    }

    #[test]
    fn encoders_saved_before_the_limits_still_load_and_behave_as_saved() {
        use ua_tensor::persist::Persist;
        let train = cat(&["a", "a", "b"]);
        let enc = OneHotEncoder::new(&["c"])
            .min_frequency(2)
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&train)
            .unwrap();
        let json = enc.to_json().unwrap();
        assert!(json.contains("\"infrequent_rows\":1"), "{json}");
        let old = json
            .replace(",\"unknown_to_infrequent\":true", "")
            .replace(",\"infrequent_rows\":1", "");
        assert!(
            !old.contains("infrequent_rows") && !old.contains("unknown_to"),
            "{old}"
        );
        let loaded = FittedOneHotEncoder::from_json(&old).unwrap();
        assert_eq!(loaded.columns()[0].infrequent_rows(), 0);
        assert!(!loaded.columns()[0].unknown_goes_to_infrequent());
        let out = loaded.transform(&cat(&["zz", "b"])).unwrap();
        assert_eq!(out.numeric("c=(infrequent)").unwrap().values(), &[0.0, 1.0]);
        // A count of infrequent rows without infrequent levels is refused.
        let broken = json.replace("\"infrequent\":[\"b\"]", "\"infrequent\":[]");
        let err = FittedOneHotEncoder::from_json(&broken)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1 infrequent training rows but no infrequent level"),
            "{err}"
        );
    }

    #[test]
    fn ordinal_codes_unknown_and_missing() {
        let train = table(vec![("s", Column::categorical(&["m", "s", "l", "m"]))]);
        let strict = OrdinalEncoder::new(&["s"]).fit(&train).unwrap();
        let test = table(vec![(
            "s",
            Column::categorical_opt(&[Some("l"), None, Some("s")]),
        )]);
        let out = strict.transform(&test).unwrap();
        let col = out.numeric("s").unwrap();
        assert_eq!(
            (col.get(0), col.get(1), col.get(2)),
            (Some(0.0), None, Some(2.0))
        );
        let test2 = table(vec![("s", Column::categorical(&["xl"]))]);
        assert!(matches!(
            strict.transform(&test2),
            Err(Error::UnknownCategory { at, .. }) if at == "row 1"
        ));
    }

    #[test]
    fn encoders_report_save_load_and_refuse_broken_files() {
        use crate::testutil::{edit, envelope_policy, invalid};
        use serde_json::json;
        let t = table(vec![
            ("c", Column::categorical(&["b", "a", "b", "c"])),
            ("v", Column::boolean(vec![true, false, true, true])),
            ("n", Column::numeric(vec![1.0, 2.0, 3.0, 4.0])),
        ]);
        let oh = OneHotEncoder::all()
            .min_frequency(2)
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&t)
            .unwrap();
        assert_eq!(
            oh.feature_names(),
            vec!["c=b", "c=(infrequent)", "v=true", "v=(infrequent)"]
        );
        let test = table(vec![
            ("c", Column::categorical_opt(&[Some("z"), None, Some("a")])),
            (
                "v",
                Column::boolean_opt(vec![None, Some(false), Some(true)]),
            ),
        ]);
        let mut report = TransformReport::default();
        let out = oh.transform_reporting(&test, &mut report).unwrap();
        // Unseen `z` joins the infrequent bucket; missing stays all zeros.
        assert_eq!(
            out.numeric("c=(infrequent)").unwrap().values(),
            &[1.0, 0.0, 1.0]
        );
        assert_eq!(out.numeric("c=b").unwrap().values(), &[0.0, 0.0, 0.0]);
        let c = report.column("c").unwrap();
        assert_eq!((c.unknown_categories, c.missing_as_zeros), (1, 1));
        let v = report.column("v").unwrap();
        assert_eq!((v.unknown_categories, v.missing_as_zeros), (0, 1));

        let json = envelope_policy(&oh);
        let o = |k: &str, v: serde_json::Value| invalid::<FittedOneHotEncoder>(&edit(&json, k, v));
        assert!(
            o("levels", json!(["b", "a"]))
                .contains("sorted without duplicates, found `b` before `a`")
        );
        assert!(o("levels", json!(["b", "b"])).contains("sorted without duplicates"));
        assert!(o("infrequent", json!(["c", "a"])).contains("infrequent levels must be sorted"));
        assert!(
            o("infrequent", json!(["a", "b"]))
                .contains("level `b` is both frequent and infrequent")
        );
        let empty = edit(&edit(&json, "levels", json!([])), "infrequent", json!([]));
        assert!(invalid::<FittedOneHotEncoder>(&empty).contains("column `c` has no category"));
        assert!(o("column", json!("v")).contains("column `v` appears twice"));
        // Columns `a=b` (level `c`) and `a` (level `b=c`) both make `a=b=c`.
        let col = |name: &str, level: &str| {
            json!({"column": name, "levels": [level], "infrequent": [],
                   "drop_first": false, "handle_unknown": "error"})
        };
        let clash = edit(&json, "columns", json!([col("a=b", "c"), col("a", "b=c")]));
        assert!(invalid::<FittedOneHotEncoder>(&clash).contains("feature `a=b=c` appears twice"));

        let ord = OrdinalEncoder::all().unknown_value(-1.0).fit(&t).unwrap();
        let mut report = TransformReport::default();
        let out = ord.transform_reporting(&test, &mut report).unwrap();
        assert_eq!(
            out.numeric("c").unwrap().iter().collect::<Vec<_>>(),
            vec![Some(-1.0), None, Some(0.0)]
        );
        assert_eq!(report.column("c").unwrap().unknown_categories, 1);
        let json = envelope_policy(&ord);
        let d = |k: &str, v: serde_json::Value| invalid::<FittedOrdinalEncoder>(&edit(&json, k, v));
        assert!(d("levels", json!(["b", "a"])).contains("sorted without duplicates"));
        assert!(d("levels", json!([])).contains("no category"));
        assert!(d("column", json!("v")).contains("appears twice"));
        let bad = OrdinalEncoder::all()
            .unknown_value(f64::NAN)
            .fit(&t)
            .unwrap_err();
        assert!(matches!(
            bad,
            Error::InvalidParameter {
                name: "unknown_value",
                ..
            }
        ));
    }
}
