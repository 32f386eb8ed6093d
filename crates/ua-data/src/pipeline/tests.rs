use approx::assert_abs_diff_eq;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use ua_tensor::persist::{Persist, PersistError};

use super::*;
use crate::clean::Imputer;
use crate::scale::{Scaler, StandardScaler};
use crate::transform::{DatePart, Log1p};
use crate::{Column, ColumnType, Error, Result, Table, Transform, Transformer, Value};

fn table(cols: Vec<(&str, Column)>) -> Table {
    Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
}

fn bits(x: &ndarray::Array2<f32>) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn numeric_block_imputes_logs_and_scales_by_hand() {
    // x: [0, e−1, missing, e²−1]; median of non-missing after sort = e−1.
    let e = std::f64::consts::E;
    let t = table(vec![(
        "x",
        Column::numeric_opt(vec![Some(0.0), Some(e - 1.0), None, Some(e * e - 1.0)]),
    )]);
    let pipe = ColumnTransformer::new()
        .numeric(
            &["x"],
            NumericSteps {
                impute: Some(Impute::Median),
                log1p: true,
                scale: Some(Scaler::min_max()),
            },
        )
        .fit(&t)
        .unwrap();
    // After imputation and log1p: [0, 1, 1, 2] → min-max [0, .5, .5, 1].
    let (x, report) = pipe.transform_matrix_with_report(&t).unwrap();
    let expect = [0.0f32, 0.5, 0.5, 1.0];
    for (a, b) in x.column(0).iter().zip(expect) {
        assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
    }
    assert_eq!(report.column("x").unwrap().imputed, 1);
    assert_eq!(report.n_rows, 4);
}

#[test]
fn numeric_impute_strategies() {
    let t = table(vec![(
        "x",
        Column::numeric_opt(vec![Some(3.0), Some(1.0), Some(3.0), None, Some(10.0)]),
    )]);
    let fill = |i: Impute| {
        let steps = NumericSteps {
            impute: Some(i),
            log1p: false,
            scale: None,
        };
        let pipe = ColumnTransformer::new()
            .numeric(&["x"], steps)
            .fit(&t)
            .unwrap();
        pipe.transform_matrix(&t).unwrap()[[3, 0]]
    };
    assert_eq!(fill(Impute::Mean), 17.0 / 4.0);
    assert_eq!(fill(Impute::Median), 3.0);
    assert_eq!(fill(Impute::MostFrequent), 3.0);
    assert_eq!(fill(Impute::constant(-1.0)), -1.0);
    let bad = NumericSteps {
        impute: Some(Impute::constant("a")),
        ..Default::default()
    };
    let err = ColumnTransformer::new()
        .numeric(&["x"], bad)
        .fit(&t)
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "impute", .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("categorical constant `a`"),
        "{err}"
    );
}

#[test]
fn fit_errors_name_the_column() {
    let t = table(vec![
        ("a", Column::numeric_opt(vec![Some(1.0), None])),
        ("c", Column::categorical(&["x", "y"])),
    ]);
    let no_impute = NumericSteps {
        impute: None,
        ..Default::default()
    };
    let err = ColumnTransformer::new()
        .numeric(&["a"], no_impute)
        .fit(&t)
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingAt { column, at, .. } if column == "a" && at == "row 2"),
        "{err}"
    );
    let err = ColumnTransformer::new()
        .numeric(&["c"], NumericSteps::default())
        .fit(&t)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`c` has type categorical, expected numeric"),
        "{err}"
    );
    let err = ColumnTransformer::new()
        .numeric(&["a"], NumericSteps::default())
        .passthrough(&["a"])
        .fit(&t)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`a` is named in more than one block"),
        "{err}"
    );
    let err = ColumnTransformer::new()
        .passthrough(&["c"])
        .fit(&t)
        .unwrap_err();
    assert!(
        err.to_string().contains("`c` has type categorical"),
        "{err}"
    );
    let bad_impute = CategoricalSteps {
        impute: Some(Impute::Median),
        ..Default::default()
    };
    let err = ColumnTransformer::new()
        .categorical(&["c"], bad_impute)
        .fit(&t)
        .unwrap_err();
    assert!(err.to_string().contains("`c` is categorical"), "{err}");
    let err = ColumnTransformer::new()
        .dates(&["c"], DateSteps::default())
        .fit(&t)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`c` has type categorical, expected date"),
        "{err}"
    );
    let err = ColumnTransformer::new().fit(&t).unwrap_err();
    assert!(err.to_string().contains("names no columns"), "{err}");
    let err = ColumnTransformer::new()
        .passthrough(&["zz"])
        .fit(&t)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { ref name, .. } if name == "zz"));
    let err = ColumnTransformer::new()
        .passthrough(&["a"])
        .fit(&t.head(0))
        .unwrap_err();
    assert!(err.to_string().contains("no rows"), "{err}");
}

#[test]
fn ordinal_and_dates_and_passthrough_blocks() {
    let t = table(vec![
        (
            "size",
            Column::categorical_opt(&[Some("m"), Some("s"), None, Some("m")]),
        ),
        ("d", Column::date(vec![0, 1, 2, 3])),
        ("ok", Column::boolean(vec![true, false, true, true])),
    ]);
    let pipe = ColumnTransformer::new()
        .categorical(
            &["size"],
            CategoricalSteps {
                impute: Some(Impute::MostFrequent),
                encode: Encode::Ordinal {
                    unknown_value: Some(-1.0),
                },
            },
        )
        .dates(
            &["d"],
            DateSteps {
                parts: vec![DatePart::Weekday],
                scale: None,
            },
        )
        .passthrough(&["ok"])
        .fit(&t)
        .unwrap();
    assert_eq!(pipe.feature_names(), &["size", "d.weekday", "ok"]);
    let x = pipe.transform_matrix(&t).unwrap();
    // m = 0, s = 1, missing → most frequent "m" = 0; 1970-01-01 is a Thursday (3).
    assert_eq!(x.column(0).to_vec(), vec![0.0, 1.0, 0.0, 0.0]);
    assert_eq!(x.column(1).to_vec(), vec![3.0, 4.0, 5.0, 6.0]);
    assert_eq!(x.column(2).to_vec(), vec![1.0, 0.0, 1.0, 1.0]);
    let (_, report) = pipe
        .transform_matrix_with_report(&table(vec![
            ("size", Column::categorical(&["xl"])),
            ("d", Column::date(vec![4])),
            ("ok", Column::boolean(vec![true])),
        ]))
        .unwrap();
    assert_eq!(report.column("size").unwrap().unknown_categories, 1);
    let test = table(vec![
        ("size", Column::categorical(&["xl"])),
        ("d", Column::date_opt(vec![Some(4)])),
        ("ok", Column::boolean_opt(vec![None])),
    ]);
    let err = pipe.transform_matrix(&test).unwrap_err();
    assert!(
        matches!(&err, Error::MissingAt { column, .. } if column == "ok"),
        "{err}"
    );
    // Ordinal encoding without imputation cannot hide a missing category.
    let strict = ColumnTransformer::new().categorical(
        &["size"],
        CategoricalSteps {
            impute: None,
            encode: Encode::Ordinal {
                unknown_value: None,
            },
        },
    );
    let err = strict.fit(&t).unwrap_err();
    assert!(
        matches!(&err, Error::MissingAt { column, at, .. } if column == "size" && at == "row 3"),
        "{err}"
    );
    // A date block refuses missing dates at fit.
    let gap = table(vec![("d", Column::date_opt(vec![Some(1), None]))]);
    let err = ColumnTransformer::auto(&gap, None, &[])
        .unwrap()
        .fit(&gap)
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingAt { column, at, .. } if column == "d" && at == "row 2"),
        "{err}"
    );
}

#[test]
fn transform_as_table_uses_feature_names() {
    let t = table(vec![("c", Column::categorical(&["a", "b"]))]);
    let pipe = ColumnTransformer::auto(&t, None, &[])
        .unwrap()
        .fit(&t)
        .unwrap();
    let out = Transform::transform(&pipe, &t).unwrap();
    assert_eq!(out.column_names(), vec!["c=a", "c=b"]);
    assert_eq!(out.numeric("c=b").unwrap().values(), &[0.0, 1.0]);
}

#[test]
fn one_hot_without_imputation_reports_missing_as_zeros() {
    let t = table(vec![(
        "c",
        Column::categorical_opt(&[Some("a"), None, Some("b")]),
    )]);
    let pipe = ColumnTransformer::new()
        .categorical(
            &["c"],
            CategoricalSteps {
                impute: None,
                encode: Encode::one_hot(crate::encode::HandleUnknown::Ignore),
            },
        )
        .fit(&t)
        .unwrap();
    let (x, report) = pipe.transform_matrix_with_report(&t).unwrap();
    assert_eq!(x.row(1).to_vec(), vec![0.0, 0.0]);
    let c = report.column("c").unwrap();
    assert_eq!(
        (c.imputed, c.missing_as_zeros, c.unknown_categories),
        (0, 1, 0)
    );
    assert!(!report.is_clean());
}

/// A step written outside the built-ins: adds a constant learned at fit
/// time (the training maximum) to every numeric column, and reports every
/// row as imputed so that reporting through the trait is tested too.
#[derive(Clone)]
struct AddMax;

#[derive(Debug, Serialize, Deserialize)]
struct FittedAddMax {
    max: f64,
}

impl Transformer for AddMax {
    type Fitted = FittedAddMax;
    fn fit(&self, t: &Table) -> Result<FittedAddMax> {
        let mut max = f64::MIN;
        for (name, _) in t.columns() {
            max = t.numeric(name)?.non_missing().fold(max, f64::max);
        }
        Ok(FittedAddMax { max })
    }
}

impl Transform for FittedAddMax {
    fn transform(&self, t: &Table) -> Result<Table> {
        let mut out = t.clone();
        for (name, _) in t.columns() {
            let v = t
                .numeric(name)?
                .values()
                .iter()
                .map(|v| v + self.max)
                .collect();
            out.replace_column(name, Column::numeric(v))?;
        }
        Ok(out)
    }
}

#[typetag::serde(name = "ua-data-test/add-max")]
impl FittedStep for FittedAddMax {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        if self.max.is_finite() {
            Ok(())
        } else {
            Err("max is not finite".into())
        }
    }

    fn transform_reporting(&self, t: &Table, report: &mut TransformReport) -> Result<Table> {
        for name in t.column_names() {
            report.column_mut(name).imputed += t.n_rows();
        }
        self.transform(t)
    }
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn pipelines_are_send_and_sync() {
    assert_send_sync::<ColumnTransformer>();
    assert_send_sync::<FittedColumnTransformer>();
    assert_send_sync::<Chain>();
    assert_send_sync::<FittedChain>();
}

fn mixed() -> Table {
    table(vec![
        ("user", Column::categorical(&["u1", "u2", "u3"])),
        ("spend", Column::numeric(vec![1.0, 4.0, 2.0])),
        (
            "visits",
            Column::numeric_opt(vec![Some(3.0), None, Some(5.0)]),
        ),
        ("plan", Column::categorical(&["1", "2", "1"])),
        ("vip", Column::boolean(vec![true, false, true])),
    ])
}

fn custom_spec() -> ColumnTransformer {
    ColumnTransformer::new()
        .step(
            &["spend"],
            Chain::new(AddMax).then(StandardScaler::default()),
        )
        .numeric(&["visits"], NumericSteps::default())
        .categorical(&["plan"], CategoricalSteps::default())
        .remainder(Remainder::Passthrough)
        .id_column("user")
}

#[test]
fn user_step_composes_reports_and_saves_in_one_file() {
    let t = mixed();
    let pipe = custom_spec().fit(&t).unwrap();
    assert_eq!(
        pipe.feature_names(),
        &["spend", "visits", "plan=1", "plan=2", "vip"]
    );
    let out = pipe.transform_features(&t).unwrap();
    // spend + 4 → [5, 8, 6]: mean 19/3, population std sqrt(14/9).
    let (m, s) = (19.0 / 3.0, (14.0f64 / 9.0).sqrt());
    for (r, v) in [5.0, 8.0, 6.0].into_iter().enumerate() {
        assert_abs_diff_eq!(out.x[[r, 0]], ((v - m) / s) as f32, epsilon = 1e-6);
    }
    assert_eq!(out.x.column(4).to_vec(), vec![1.0, 0.0, 1.0]);
    assert_eq!(out.ids, Some(Column::categorical(&["u1", "u2", "u3"])));
    assert_eq!(out.report.column("spend").unwrap().imputed, 3);
    assert_eq!(out.report.column("visits").unwrap().imputed, 1);
    assert_eq!(
        out.report
            .columns
            .iter()
            .map(|c| c.column.as_str())
            .collect::<Vec<_>>(),
        vec!["spend", "visits", "plan", "vip"]
    );

    let json = pipe.to_json().unwrap();
    assert!(json.contains("ua-data-test/add-max"), "{json}");
    let loaded = FittedColumnTransformer::from_json(&json).unwrap();
    assert_eq!(loaded.to_json().unwrap(), json);
    assert_eq!(bits(&loaded.transform_matrix(&t).unwrap()), bits(&out.x));
    let path = std::env::temp_dir().join(format!("ua-data-pipe-{}.json", std::process::id()));
    pipe.save(&path).unwrap();
    let from_file = FittedColumnTransformer::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(bits(&from_file.transform_matrix(&t).unwrap()), bits(&out.x));

    // The table output starts with the id column.
    let as_table = Transform::transform(&loaded, &t).unwrap();
    assert_eq!(
        as_table.column_names(),
        vec!["user", "spend", "visits", "plan=1", "plan=2", "vip"]
    );
}

#[test]
fn id_column_rules() {
    let t = mixed();
    let err = ColumnTransformer::new()
        .passthrough(&["user", "spend"])
        .id_column("user")
        .fit(&t)
        .unwrap_err();
    assert!(err.to_string().contains("`user` is the id column"), "{err}");
    let err = ColumnTransformer::new()
        .passthrough(&["spend"])
        .id_column("nope")
        .fit(&t)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { ref name, .. } if name == "nope"));
    // A feature may not take the id column's name.
    let clash = table(vec![
        ("d", Column::numeric(vec![1.0])),
        ("x", Column::date(vec![0])),
    ]);
    let spec = ColumnTransformer::new()
        .step(&["x"], crate::transform::DateParts::all(&[DatePart::Year]))
        .id_column("d");
    assert!(spec.fit(&clash).is_ok());
    let renamed = table(vec![
        ("x.year", Column::numeric(vec![1.0])),
        ("x", Column::date(vec![0])),
    ]);
    let err = ColumnTransformer::new()
        .step(&["x"], crate::transform::DateParts::all(&[DatePart::Year]))
        .id_column("x.year")
        .fit(&renamed)
        .unwrap_err();
    assert!(err.to_string().contains("would be named `x.year`"), "{err}");
    // Without an id column, no ids come back.
    let pipe = ColumnTransformer::new()
        .passthrough(&["spend"])
        .fit(&t)
        .unwrap();
    assert_eq!(pipe.transform_features(&t).unwrap().ids, None);
}

#[test]
fn remainder_policies() {
    let t = mixed();
    let dropped = ColumnTransformer::new()
        .passthrough(&["spend"])
        .id_column("user")
        .fit(&t)
        .unwrap();
    assert_eq!(dropped.feature_names(), &["spend"]);
    assert_eq!(
        dropped
            .schema()
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        vec!["user", "spend"]
    );
    // The remainder passes through unchanged: a missing value in it is an
    // error, and so is a categorical remainder column.
    let spec = ColumnTransformer::new()
        .passthrough(&["spend"])
        .remainder(Remainder::Passthrough)
        .id_column("user");
    let err = spec.fit(&t).unwrap_err();
    assert!(
        matches!(&err, Error::MissingAt { column, .. } if column == "visits"),
        "{err}"
    );
    let err = spec.fit(&t.drop_columns(&["visits"]).unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("`plan` has type categorical"),
        "{err}"
    );
    // Everything named: nothing remains, and that is fine.
    let all = ColumnTransformer::auto(&t, None, &["user"])
        .unwrap()
        .remainder(Remainder::Passthrough)
        .id_column("user")
        .fit(&t)
        .unwrap();
    assert_eq!(all.n_features(), 6);
    // Only the remainder: a spec with no step is usable.
    let only = ColumnTransformer::new()
        .remainder(Remainder::Passthrough)
        .fit(&t.select(&["spend", "vip"]).unwrap())
        .unwrap();
    assert_eq!(only.feature_names(), &["spend", "vip"]);
}

#[test]
fn schema_converts_lossless_type_changes_and_refuses_others() {
    let t = mixed();
    let pipe = custom_spec().fit(&t).unwrap();
    let expect = pipe.transform_matrix(&t).unwrap();
    assert_eq!(
        pipe.schema()
            .iter()
            .find(|s| s.name == "plan")
            .unwrap()
            .dtype,
        ColumnType::Categorical
    );
    // Another file: plan read as numbers, vip as 0/1, spend as text.
    let mut other = t.clone();
    other
        .replace_column("plan", Column::numeric(vec![1.0, 2.0, 1.0]))
        .unwrap();
    other
        .replace_column("vip", Column::numeric(vec![1.0, 0.0, 1.0]))
        .unwrap();
    other
        .replace_column("spend", Column::categorical(&["1", "4", "2.0"]))
        .unwrap();
    let got = pipe.transform_matrix(&other).unwrap();
    assert_eq!(bits(&got), bits(&expect));

    // Text that is not a number where a number was seen.
    let mut bad = t.clone();
    bad.replace_column("spend", Column::categorical(&["1", "N/A", "2"]))
        .unwrap();
    match pipe.transform_matrix(&bad).unwrap_err() {
        Error::SchemaMismatch {
            column,
            expected,
            found,
            reason,
            hint,
            ..
        } => {
            assert_eq!(column, "spend");
            assert_eq!(
                (expected, found),
                (ColumnType::Numeric, ColumnType::Categorical)
            );
            // Placed as the table places rows (1-based; `line N` from a file).
            assert!(reason.contains("row 2 holds `N/A`"), "{reason}");
            assert!(
                hint.contains("CsvOptions::with_type(\"spend\", ColumnType::Numeric)"),
                "{hint}"
            );
        }
        e => panic!("unexpected {e}"),
    }
    // Levels with leading zeros cannot come back from numbers.
    let zips = table(vec![("zip", Column::categorical(&["07001", "75001"]))]);
    let zpipe = ColumnTransformer::auto(&zips, None, &[])
        .unwrap()
        .fit(&zips)
        .unwrap();
    let as_numbers = table(vec![("zip", Column::numeric(vec![7001.0]))]);
    let err = zpipe.transform_matrix(&as_numbers).unwrap_err().to_string();
    assert!(
        err.contains("column `zip` was categorical when the pipeline was fitted but is numeric")
            && err.contains("`07001`")
            && err.contains("ColumnType::Categorical"),
        "{err}"
    );
    // The id column is converted too (numbers back to the text ids).
    let ids = table(vec![
        ("id", Column::categorical(&["10", "11"])),
        ("x", Column::numeric(vec![1.0, 2.0])),
    ]);
    let ipipe = ColumnTransformer::new()
        .passthrough(&["x"])
        .id_column("id")
        .fit(&ids)
        .unwrap();
    let numeric_ids = table(vec![
        ("x", Column::numeric(vec![5.0])),
        ("id", Column::numeric(vec![12.0])),
    ]);
    let out = ipipe.transform_features(&numeric_ids).unwrap();
    assert_eq!(out.ids.unwrap().get(0), Some(Value::text("12")));
}

/// Replaces the first value under `key` (depth first) with `new`.
fn set_first(v: &mut Json, key: &str, new: &Json) -> bool {
    match v {
        Json::Object(m) => {
            if let Some(slot) = m.get_mut(key) {
                *slot = new.clone();
                return true;
            }
            m.values_mut().any(|c| set_first(c, key, new))
        }
        Json::Array(a) => a.iter_mut().any(|c| set_first(c, key, new)),
        _ => false,
    }
}

fn edited(json: &str, key: &str, new: Json) -> String {
    let mut v: Json = serde_json::from_str(json).unwrap();
    assert!(set_first(&mut v, key, &new), "no `{key}` in the file");
    v.to_string()
}

fn invalid(json: &str) -> String {
    match FittedColumnTransformer::from_json(json) {
        Err(e @ PersistError::Invalid { .. }) => e.to_string(),
        other => panic!("expected an invalid-contents error, got {other:?}"),
    }
}

#[test]
fn broken_pipeline_files_are_errors() {
    let t = mixed();
    let json = custom_spec().fit(&t).unwrap().to_json().unwrap();
    assert!(matches!(
        FittedColumnTransformer::from_json(&json[..json.len() / 2]),
        Err(PersistError::Corrupt { .. })
    ));
    assert!(matches!(
        crate::clean::FittedImputer::from_json(&json),
        Err(PersistError::WrongKind { .. })
    ));
    let newer = json.replace("\"format_version\":1", "\"format_version\":2");
    assert!(matches!(
        FittedColumnTransformer::from_json(&newer),
        Err(PersistError::UnsupportedVersion { found: 2, .. })
    ));
    let msg = invalid(&edited(
        &json,
        "feature_names",
        json!(["a", "b", "c", "d", "e"]),
    ));
    assert!(
        msg.contains("feature 0 is named `a` but its step makes `spend`"),
        "{msg}"
    );
    let msg = invalid(&edited(
        &json,
        "feature_names",
        json!(["spend", "visits", "plan=1", "plan=2"]),
    ));
    assert!(msg.contains("5 features but the pipeline lists 4"), "{msg}");
    let msg = invalid(&edited(&json, "id_column", json!("gone")));
    assert!(
        msg.contains("id column `gone` is not in the schema"),
        "{msg}"
    );
    let msg = invalid(&edited(&json, "scale", json!([0.0])));
    assert!(msg.contains("scale of column 0 must be > 0"), "{msg}");
    let msg = invalid(&edited(&json, "max", json!(null)));
    assert!(!msg.is_empty());
    let msg = invalid(&edited(&json, "levels", json!(["1", "1"])));
    assert!(msg.contains("sorted without duplicates"), "{msg}");
    let msg = invalid(&edited(&json, "columns", json!(["spend", "nowhere"])));
    assert!(
        msg.contains("`nowhere`, which is not in the schema"),
        "{msg}"
    );
    let msg = invalid(&json.replace("ua-data-test/add-max", "someone-else/step"));
    assert!(msg.contains("someone-else/step"), "{msg}");
    let mut schema: Json = serde_json::from_str(&json).unwrap();
    let first = schema["model"]["schema"][0].clone();
    schema["model"]["schema"]
        .as_array_mut()
        .unwrap()
        .push(first);
    let msg = invalid(&schema.to_string());
    assert!(msg.contains("schema column `user` appears twice"), "{msg}");
    let msg = invalid(&edited(&json, "blocks", json!([])));
    assert!(msg.contains("no step"), "{msg}");
    // Read without validation, a broken pipeline errs when used instead of panicking.
    let unchecked = |j: &str| -> FittedColumnTransformer {
        serde_json::from_value(serde_json::from_str::<Json>(j).unwrap()["model"].clone()).unwrap()
    };
    let short = unchecked(&edited(&json, "feature_names", json!(["spend"])));
    let err = short.transform_matrix(&t).unwrap_err().to_string();
    assert!(err.contains("make 5 features but it lists 1"), "{err}");
    assert!(short.validate().is_err());
}

#[test]
fn a_step_whose_output_changes_is_an_error() {
    /// Outputs one column per distinct value seen at transform time.
    #[derive(Debug, Serialize, Deserialize)]
    struct Unstable;
    impl Transform for Unstable {
        fn transform(&self, t: &Table) -> Result<Table> {
            let n = t.n_rows();
            let cols = (0..n)
                .map(|i| (format!("f{i}"), Column::numeric(vec![0.0; n])))
                .collect();
            Table::new(cols)
        }
    }
    #[typetag::serde(name = "ua-data-test/unstable")]
    impl FittedStep for Unstable {}
    struct MakeUnstable;
    impl Transformer for MakeUnstable {
        type Fitted = Unstable;
        fn fit(&self, _: &Table) -> Result<Unstable> {
            Ok(Unstable)
        }
    }
    let t = table(vec![("x", Column::numeric(vec![1.0, 2.0]))]);
    let pipe = ColumnTransformer::new()
        .step(&["x"], MakeUnstable)
        .fit(&t)
        .unwrap();
    assert_eq!(pipe.feature_names(), &["f0", "f1"]);
    let err = pipe.transform_matrix(&t.head(1)).unwrap_err().to_string();
    assert!(
        err.contains(
            "step 1 (columns x) gave 1 rows with columns [f0]; at fit time it gave columns [f0, f1]"
        ),
        "{err}"
    );
}

#[test]
fn imputer_and_log1p_compose_as_steps() {
    let t = table(vec![(
        "amount",
        Column::numeric_opt(vec![Some(0.0), None, Some(3.0)]),
    )]);
    let pipe = ColumnTransformer::new()
        .step(
            &["amount"],
            Chain::new(Imputer::new().all_numeric(Impute::constant(0.0))).then(Log1p::all()),
        )
        .fit(&t)
        .unwrap();
    let (x, report) = pipe.transform_matrix_with_report(&t).unwrap();
    assert_eq!(x.column(0).to_vec(), vec![0.0, 0.0, 3f64.ln_1p() as f32]);
    assert_eq!(report.column("amount").unwrap().imputed, 1);
}

/// Sets `path` (object keys and array indices) inside the saved file.
fn edit_path(json: &str, path: &[&str], new: Json) -> String {
    let mut v: Json = serde_json::from_str(json).unwrap();
    let mut at = &mut v["model"];
    for p in path {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    assert!(!at.is_null(), "nothing at {path:?}");
    *at = new;
    v.to_string()
}

#[test]
fn every_step_kind_is_validated_inside_a_pipeline() {
    use crate::clean::Clipper;
    use crate::encode::{OneHotEncoder, OrdinalEncoder};
    use crate::scale::MinMaxScaler;
    use crate::transform::{DateParts, QuantileBinner};
    let t = table(vec![
        ("a", Column::numeric(vec![1.0, 2.0, 3.0, 9.0])),
        ("b", Column::numeric(vec![0.0, 10.0, 20.0, 30.0])),
        (
            "c",
            Column::numeric_opt(vec![Some(1.0), None, Some(3.0), Some(4.0)]),
        ),
        ("d", Column::numeric(vec![4.0, 3.0, 2.0, 1.0])),
        ("e", Column::date(vec![0, 400, 800, 1200])),
        ("f", Column::categorical(&["s", "m", "l", "m"])),
        ("g", Column::boolean(vec![true, false, true, false])),
        ("h", Column::categorical(&["x", "y", "x", "x"])),
        ("i", Column::numeric(vec![2.0, 4.0, 6.0, 8.0])),
        ("j", Column::numeric(vec![5.0, 6.0, 7.0, 8.0])),
    ]);
    let pipe = ColumnTransformer::new()
        .step(&["a"], Scaler::robust())
        .step(&["b"], Clipper::new(0.1, 0.9))
        .step(
            &["c"],
            Chain::new(Imputer::new().all_numeric(Impute::Median)).then(Log1p::all()),
        )
        .step(&["d"], QuantileBinner::all(2))
        .step(&["e"], DateParts::all(&[DatePart::Year]))
        .step(&["f"], OrdinalEncoder::all())
        .step(&["g"], Passthrough)
        .step(&["h"], OneHotEncoder::all())
        .step(&["i"], StandardScaler::default())
        .step(&["j"], MinMaxScaler::default())
        .fit(&t)
        .unwrap();
    assert_eq!(
        pipe.feature_names(),
        &[
            "a", "b", "c", "d", "e.year", "f", "g", "h=x", "h=y", "i", "j"
        ]
    );
    let json = pipe.to_json().unwrap();
    let loaded = FittedColumnTransformer::from_json(&json).unwrap();
    assert_eq!(
        bits(&loaded.transform_matrix(&t).unwrap()),
        bits(&pipe.transform_matrix(&t).unwrap())
    );
    let cases: Vec<(Vec<&str>, Json, &str)> = vec![
        (
            vec!["blocks", "0", "step", "ua-data/scaler", "scale"],
            json!([0.0]),
            "step 1 (a)",
        ),
        (
            vec!["blocks", "1", "step", "ua-data/clipper", "bounds"],
            json!([["b", 3.0, 1.0]]),
            "step 2 (b)",
        ),
        (
            vec![
                "blocks",
                "2",
                "step",
                "ua-data/chain",
                "steps",
                "0",
                "ua-data/imputer",
                "fills",
            ],
            json!([["c", "Missing"]]),
            "step 3 (c): step 1 of the chain",
        ),
        (
            vec![
                "blocks",
                "2",
                "step",
                "ua-data/chain",
                "steps",
                "1",
                "ua-data/log1p",
                "columns",
            ],
            json!(["c", "c"]),
            "step 3 (c): step 2 of the chain",
        ),
        (
            vec!["blocks", "2", "step", "ua-data/chain", "steps"],
            json!([]),
            "at least one step",
        ),
        (
            vec![
                "blocks",
                "3",
                "step",
                "ua-data/quantile-binner",
                "columns",
                "0",
                "edges",
            ],
            json!([2.0, 2.0]),
            "step 4 (d)",
        ),
        (
            vec!["blocks", "4", "step", "ua-data/date-parts", "spec", "parts"],
            json!([]),
            "step 5 (e)",
        ),
        (
            vec![
                "blocks",
                "5",
                "step",
                "ua-data/ordinal-encoder",
                "columns",
                "0",
                "levels",
            ],
            json!(["s", "m"]),
            "step 6 (f)",
        ),
        (
            vec!["blocks", "6", "step", "ua-data/passthrough", "columns"],
            json!(["g", "g"]),
            "step 7 (g)",
        ),
        (
            vec![
                "blocks",
                "7",
                "step",
                "ua-data/one-hot-encoder",
                "columns",
                "0",
                "levels",
            ],
            json!(["y", "x"]),
            "step 8 (h)",
        ),
        (
            vec!["blocks", "8", "step", "ua-data/standard-scaler", "var"],
            json!([-1.0]),
            "step 9 (i)",
        ),
        (
            vec!["blocks", "9", "step", "ua-data/min-max-scaler", "data_min"],
            json!([9.0]),
            "step 10 (j)",
        ),
        (
            vec!["blocks", "9", "columns"],
            json!(["i"]),
            "input column `i` appears twice",
        ),
        (
            vec!["blocks", "6", "columns"],
            json!([]),
            "step 7 reads no column",
        ),
    ];
    for (path, new, needle) in cases {
        let msg = invalid(&edit_path(&json, &path, new));
        assert!(msg.contains(needle), "{path:?}: {msg}");
    }
    // The id column may not be read by a step either.
    let with_id = ColumnTransformer::new()
        .passthrough(&["a"])
        .id_column("b")
        .fit(&t)
        .unwrap()
        .to_json()
        .unwrap();
    let msg = invalid(&edit_path(
        &with_id,
        &["blocks", "0", "columns"],
        json!(["b"]),
    ));
    assert!(msg.contains("step 1 reads the id column `b`"), "{msg}");
    let msg = invalid(&edit_path(&with_id, &["feature_names"], json!(["b"])));
    assert!(
        msg.contains("feature 0 is named `b` but its step makes `a`"),
        "{msg}"
    );
    let clash = edit_path(&with_id, &["blocks", "0", "features"], json!(["b"]));
    let msg = invalid(&edit_path(&clash, &["feature_names"], json!(["b"])));
    assert!(msg.contains("feature `b` appears twice"), "{msg}");
}

/// 600 rows: a unique order id (text), a numeric key, a real categorical
/// feature with a long tail, a numeric feature and a target.
fn shop(n: usize) -> Table {
    let ids: Vec<String> = (0..n).map(|i| format!("o{i:05}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    // country: 3 big levels, then 60 levels with 1..=4 rows each.
    let country: Vec<String> = (0..n)
        .map(|i| match i % 10 {
            0..=3 => "fr".to_owned(),
            4..=6 => "de".to_owned(),
            7 | 8 => "it".to_owned(),
            _ => format!("x{:02}", (i / 10) % 60),
        })
        .collect();
    let country: Vec<&str> = country.iter().map(String::as_str).collect();
    table(vec![
        ("order_id", Column::categorical(&ids)),
        (
            "customerId",
            Column::numeric((0..n).map(|i| (i * 7 + 3) as f64).collect()),
        ),
        ("country", Column::categorical(&country)),
        (
            "spend",
            Column::numeric((0..n).map(|i| (i % 13) as f64).collect()),
        ),
        (
            "bought",
            Column::boolean((0..n).map(|i| i % 3 == 0).collect()),
        ),
    ])
}

#[test]
fn auto_leaves_out_id_like_columns_and_reports_them() {
    let t = shop(600);
    let spec = ColumnTransformer::auto(&t, Some("bought"), &[]).unwrap();
    assert_eq!(spec.columns(), vec!["spend", "country"]);
    let excluded: Vec<&str> = spec.excluded().iter().map(|e| e.column.as_str()).collect();
    assert_eq!(excluded, vec!["order_id", "customerId"]);
    let pipe = spec.fit(&t).unwrap();
    let report = pipe.fit_report();
    assert_eq!(report.excluded.len(), 2);
    assert!(
        report.excluded[0]
            .reason
            .contains("all 600 non-missing values are distinct"),
        "{}",
        report.excluded[0]
    );
    assert!(
        report.excluded[1].reason.contains("name reads as a key"),
        "{}",
        report.excluded[1]
    );
    // The report survives save and load.
    let loaded = FittedColumnTransformer::from_json(&pipe.to_json().unwrap()).unwrap();
    assert_eq!(loaded.fit_report(), report);
    let shown = report.to_string();
    assert!(shown.contains("left out `order_id`"), "{shown}");
    // country: 60 tail levels of 1 row each over 600 rows (< 5) → infrequent.
    let e = &report.encodings[0];
    assert_eq!(e.column, "country");
    assert_eq!(
        (e.levels_kept, e.infrequent_levels, e.infrequent_rows),
        (3, 60, 60)
    );
    assert_eq!(
        pipe.feature_names(),
        &[
            "spend",
            "country=de",
            "country=fr",
            "country=it",
            "country=(infrequent)"
        ]
    );
    // An unseen country shares the infrequent feature.
    let mut new = t.take(&[9]).unwrap();
    new.replace_column("country", Column::categorical(&["zz"]))
        .unwrap();
    let (x, r) = pipe.transform_matrix_with_report(&new).unwrap();
    assert_eq!(x.row(0).to_vec()[1..], [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(r.column("country").unwrap().unknown_categories, 1);
}

#[test]
fn id_like_rules_need_enough_rows_distinct_values_and_integer_keys() {
    // 19 distinct values: too few to tell from a real feature.
    let t = shop(19);
    assert!(
        ColumnTransformer::auto(&t, None, &[])
            .unwrap()
            .excluded()
            .is_empty()
    );
    let t = shop(20);
    assert_eq!(
        ColumnTransformer::auto(&t, None, &[])
            .unwrap()
            .excluded()
            .len(),
        2
    );
    // One repeated value: not an identifier.
    let mut ids: Vec<String> = (0..30).map(|i| format!("u{i}")).collect();
    ids[29] = "u0".into();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let t = table(vec![("user", Column::categorical(&ids))]);
    assert!(
        ColumnTransformer::auto(&t, None, &[])
            .unwrap()
            .excluded()
            .is_empty()
    );
    // Missing values do not count; the distinct ones must number 20.
    let mut opt: Vec<Option<String>> = (0..25).map(|i| Some(format!("u{i}"))).collect();
    opt[3] = None;
    opt[4] = None;
    let opt: Vec<Option<&str>> = opt.iter().map(|o| o.as_deref()).collect();
    let t = table(vec![("user", Column::categorical_opt(&opt))]);
    let spec = ColumnTransformer::auto(&t, None, &[]).unwrap();
    assert!(
        spec.excluded()[0].reason.contains("all 23 non-missing"),
        "{:?}",
        spec.excluded()
    );
    // Numeric: distinct integers under a key name only.
    let ints = Column::numeric((0..30).map(f64::from).collect());
    let halves = Column::numeric((0..30).map(|i| f64::from(i) + 0.5).collect());
    let mut repeated: Vec<f64> = (0..30).map(f64::from).collect();
    repeated[1] = 0.0;
    for (name, col, excluded) in [
        ("user_id", ints.clone(), true),
        ("id", ints.clone(), true),
        ("ID", ints.clone(), true),
        ("order-id", ints.clone(), true),
        ("row key", ints.clone(), true),
        ("session_uuid", ints.clone(), true),
        ("userId", ints.clone(), true),
        ("paid", ints.clone(), false),
        ("valid", ints.clone(), false),
        ("PAID", ints.clone(), false),
        ("age", ints.clone(), false),
        ("user_id", halves.clone(), false),
        ("user_id", Column::numeric(repeated.clone()), false),
    ] {
        let t = table(vec![(name, col), ("x", Column::numeric(vec![1.0; 30]))]);
        let spec = ColumnTransformer::auto(&t, None, &[]).unwrap();
        assert_eq!(!spec.excluded().is_empty(), excluded, "{name}");
    }
    // Target and dropped columns are never reported.
    let t = shop(40);
    let spec = ColumnTransformer::auto(&t, Some("bought"), &["order_id"]).unwrap();
    let excluded: Vec<&str> = spec.excluded().iter().map(|e| e.column.as_str()).collect();
    assert_eq!(excluded, vec!["customerId"]);
}

#[test]
fn keep_id_like_adds_the_column_back_with_the_auto_recipe() {
    let t = shop(600);
    let spec = ColumnTransformer::auto(&t, Some("bought"), &[])
        .unwrap()
        .keep_id_like(&["order_id", "customerId"]);
    assert!(spec.excluded().is_empty());
    let pipe = spec.fit(&t).unwrap();
    assert!(pipe.fit_report().excluded.is_empty());
    // The kept text id goes through the same limits: every value once, all
    // below 5 rows → one infrequent feature (so no 600-column blow-up).
    let e = pipe
        .fit_report()
        .encodings
        .into_iter()
        .find(|e| e.column == "order_id")
        .unwrap();
    assert_eq!((e.levels_kept, e.infrequent_rows), (0, 600));
    assert!(pipe.feature_names().contains(&"customerId".to_owned()));
    assert!(
        pipe.feature_names()
            .contains(&"order_id=(infrequent)".to_owned())
    );
    let err = ColumnTransformer::auto(&t, Some("bought"), &[])
        .unwrap()
        .keep_id_like(&["spend"])
        .fit(&t)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("keep_id_like(`spend`)") && err.contains("left out: order_id, customerId"),
        "{err}"
    );
}

#[test]
fn auto_limits_cardinality_and_scales_min_frequency_with_the_rows() {
    // 120 levels, each 10 rows: no level is rare, but only 99 keep a feature.
    let levels: Vec<String> = (0..1200).map(|i| format!("l{:03}", i % 120)).collect();
    let levels: Vec<&str> = levels.iter().map(String::as_str).collect();
    let t = table(vec![("c", Column::categorical(&levels))]);
    let pipe = ColumnTransformer::auto(&t, None, &[])
        .unwrap()
        .fit(&t)
        .unwrap();
    assert_eq!(pipe.n_features(), AUTO_MAX_CATEGORIES);
    let e = &pipe.fit_report().encodings[0];
    assert_eq!(
        (e.levels_kept, e.infrequent_levels, e.infrequent_rows),
        (99, 21, 210)
    );
    // Ties broken by name: l000..l048 keep their feature.
    assert_eq!(pipe.feature_names()[0], "c=l000");
    assert_eq!(pipe.feature_names()[48], "c=l048");
    // Small tables keep every level (1 % of 4 rows rounds up to 1).
    let t = table(vec![("c", Column::categorical(&["a", "b", "a", "c"]))]);
    let pipe = ColumnTransformer::auto(&t, None, &[])
        .unwrap()
        .fit(&t)
        .unwrap();
    assert_eq!(pipe.feature_names(), &["c=a", "c=b", "c=c"]);
    assert_eq!(pipe.fit_report().encodings[0].infrequent_rows, 0);
    assert!(matches!(
        Encode::one_hot_limited(0),
        Encode::OneHot {
            min_frequency: Some(0),
            ..
        }
    ));
    assert!(matches!(
        Encode::one_hot_limited(499),
        Encode::OneHot {
            min_frequency: Some(5),
            ..
        }
    ));
    assert!(matches!(
        Encode::one_hot_limited(301),
        Encode::OneHot {
            min_frequency: Some(4),
            ..
        }
    ));
}

#[test]
fn pipeline_errors_give_the_file_line_of_the_row() {
    use crate::csv_io::{CsvOptions, read_csv_reader};
    let read =
        |csv: &str| read_csv_reader(csv.as_bytes(), "f.csv", &CsvOptions::default()).unwrap();
    let train = read("spend,plan\n1,a\n2,b\n3,a\n");
    let pipe = ColumnTransformer::auto(&train, None, &[])
        .unwrap()
        .fit(&train)
        .unwrap();
    // Line 4 holds a finite 1e308 whose z-score (1.22e308) is beyond f32.
    let test = read("spend,plan\n1,a\n2,b\n1e308,a\n");
    let err = pipe.transform_features(&test).unwrap_err().to_string();
    assert!(
        err.contains("column `spend`: `1.224744871391589e308` at line 4 is not a feature value")
            && err.contains("f32 range"),
        "{err}"
    );
    assert!(!err.contains("inf"), "{err}");
    // A column read as text where numbers were seen: the bad value's file
    // line, also after the rows were taken out of the table.
    let text = CsvOptions::default().with_type("spend", crate::ColumnType::Categorical);
    let test = read_csv_reader("spend,plan\n1,a\n\nlots,b\n".as_bytes(), "g.csv", &text).unwrap();
    for t in [test.clone(), test.take(&[1]).unwrap()] {
        let err = pipe.transform_features(&t).unwrap_err().to_string();
        assert!(err.contains("line 4 holds `lots`"), "{err}");
    }
}

/// A CSV with CRLF line ends and blank lines: data rows sit on file lines
/// 3, 4 and 6 (line 1 is the header, lines 2 and 5 are blank).
fn csv_with_gaps() -> Table {
    let csv = "id,city,size,amount,day,ok\r\n\
               \r\n\
               1,Paris,s,1.5,2024-01-02,true\r\n\
               2,Lyon,m,,2024-01-03,\r\n\
               \r\n\
               3,Rome,l,2.5,,false\r\n";
    let t =
        crate::csv_io::read_csv_reader(csv.as_bytes(), "gaps.csv", &Default::default()).unwrap();
    assert_eq!(t.source_lines(), Some(&[3, 4, 6][..]));
    t
}

#[test]
fn errors_on_a_csv_table_give_the_file_line_after_a_split() {
    let t = csv_with_gaps();
    let missing_at = |err: Error| match err {
        Error::MissingAt {
            column, count, at, ..
        } => (column, count, at),
        e => panic!("expected MissingAt, got {e}"),
    };
    // Scalers: the first missing amount is on line 4 (row 2 of the table).
    let nums = t.select(&["id", "amount"]).unwrap();
    for s in [Scaler::standard(), Scaler::min_max(), Scaler::robust()] {
        let err = s.fit(&nums).unwrap_err();
        assert!(err.to_string().contains("first at line 4"), "{err}");
        assert_eq!(missing_at(err), ("amount".into(), 1, "line 4".into()));
    }
    // Encoders fitted on the first two rows meet `Rome`/`l` on line 6, also
    // when the test rows were taken out of the table first.
    let train = t.take(&[0, 1]).unwrap();
    let test = t.take(&[2]).unwrap();
    let one_hot = crate::encode::OneHotEncoder::new(&["city"])
        .fit(&train)
        .unwrap();
    let ordinal = crate::encode::OrdinalEncoder::new(&["size"])
        .fit(&train)
        .unwrap();
    for (err, column, value) in [
        (one_hot.transform(&test).unwrap_err(), "city", "Rome"),
        (one_hot.transform(&t).unwrap_err(), "city", "Rome"),
        (ordinal.transform(&test).unwrap_err(), "size", "l"),
    ] {
        assert!(
            err.to_string()
                .contains(&format!("unknown category `{value}` at line 6")),
            "{err}"
        );
        match err {
            Error::UnknownCategory {
                column: c,
                at,
                value: v,
                ..
            } => assert_eq!(
                (c.as_str(), at.as_str(), v.as_str()),
                (column, "line 6", value)
            ),
            e => panic!("expected UnknownCategory, got {e}"),
        }
    }
    // A date block refuses the missing date on line 6.
    let dates = ColumnTransformer::new().dates(
        &["day"],
        DateSteps {
            parts: vec![DatePart::Month],
            scale: None,
        },
    );
    assert_eq!(
        missing_at(dates.fit(&t).unwrap_err()),
        ("day".into(), 1, "line 6".into())
    );
    // A passed-through boolean without imputation: missing on line 4.
    let pipe = ColumnTransformer::new()
        .passthrough(&["ok"])
        .fit(&t.take(&[0, 2]).unwrap())
        .unwrap();
    assert_eq!(
        missing_at(pipe.transform_matrix(&t).unwrap_err()),
        ("ok".into(), 1, "line 4".into())
    );
    // Ordinal encoding without imputation: a missing category at fit.
    let gap = crate::csv_io::read_csv_reader(
        "c,x\r\n\r\na,1\r\n,2\r\n".as_bytes(),
        "gap.csv",
        &Default::default(),
    )
    .unwrap();
    let strict = ColumnTransformer::new().categorical(
        &["c"],
        CategoricalSteps {
            impute: None,
            encode: Encode::Ordinal {
                unknown_value: None,
            },
        },
    );
    assert_eq!(
        missing_at(strict.fit(&gap).unwrap_err()),
        ("c".into(), 1, "line 4".into())
    );
}

#[test]
fn columns_without_any_value_point_at_their_first_row() {
    // All values missing: the count is the whole column and the place is
    // its first row (file line 3 here, after a blank line 2).
    let t = crate::csv_io::read_csv_reader(
        "c,x,y\n\n,,1\n,,2\n".as_bytes(),
        "empty.csv",
        &crate::csv_io::CsvOptions::default().with_type("c", ColumnType::Categorical),
    )
    .unwrap();
    let check = |err: Error, want: &str| {
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("`{want}` has 2 missing value(s), first at line 3")),
            "{msg}"
        );
    };
    check(
        crate::encode::OneHotEncoder::new(&["c"])
            .fit(&t)
            .unwrap_err(),
        "c",
    );
    check(
        crate::encode::OrdinalEncoder::new(&["c"])
            .fit(&t)
            .unwrap_err(),
        "c",
    );
    check(
        crate::transform::QuantileBinner::new(&["x"], 2)
            .fit(&t)
            .unwrap_err(),
        "x",
    );
    // No rows at all: an empty input, not a missing value at a made-up row.
    let none = t.take(&[]).unwrap();
    for err in [
        crate::encode::OneHotEncoder::new(&["c"])
            .fit(&none)
            .unwrap_err(),
        crate::encode::OrdinalEncoder::new(&["c"])
            .fit(&none)
            .unwrap_err(),
        crate::transform::QuantileBinner::new(&["x"], 2)
            .fit(&none)
            .unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::Tensor(ua_tensor::Error::Empty { .. })),
            "{err}"
        );
    }
}
