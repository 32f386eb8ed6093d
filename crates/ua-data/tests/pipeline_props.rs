//! Property tests of the preprocessing pipeline and the saved steps:
//!
//! * random tables (numeric, text, boolean and date columns, with missing
//!   values) → `ColumnTransformer::auto` fitted on one, applied to others
//!   with the same schema: no panic, every value finite, one row per input
//!   row and one column per feature;
//! * tables with a missing column, a column of another type or an extra
//!   column: rejected with an error naming the column, converted when the
//!   schema allows, or (extra column) ignored;
//! * every fitted step of ua-data read back from mutated saved JSON
//!   (truncated, a byte flipped, a number replaced by a huge, negative or
//!   NaN-like value, an array shortened): `from_json` never panics, and
//!   whatever it accepts can be used without panicking.
//!
//! Cases per property: `UA_PROPTEST_CASES` (default 64), e.g.
//! `UA_PROPTEST_CASES=2000 cargo test -p ua-data --test pipeline_props`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use ua_data::clean::{Clipper, FittedClipper, FittedImputer, Impute, Imputer};
use ua_data::encode::{
    FittedOneHotEncoder, FittedOrdinalEncoder, HandleUnknown, OneHotEncoder, OrdinalEncoder,
};
use ua_data::pipeline::{
    Chain, ColumnTransformer, FittedChain, FittedColumnTransformer, FittedPassthrough, Passthrough,
};
use ua_data::scale::{
    FittedMinMaxScaler, FittedRobustScaler, FittedScaler, FittedStandardScaler, MinMaxScaler,
    RobustScaler, Scaler, StandardScaler,
};
use ua_data::transform::{
    DatePart, DateParts, FittedDateParts, FittedLog1p, FittedQuantileBinner, Log1p, QuantileBinner,
};
use ua_data::{Column, ColumnType, Table, Transform, Transformer};
use ua_tensor::persist::Persist;

/// `UA_PROPTEST_CASES` or 64.
fn cases() -> u32 {
    std::env::var("UA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // No regression files: failures print their minimal input.
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases())
    }
}

/// The types of the generated columns (a table always has a numeric one).
fn schema() -> impl Strategy<Value = Vec<ColumnType>> {
    prop::collection::vec(
        prop_oneof![
            Just(ColumnType::Numeric),
            Just(ColumnType::Categorical),
            Just(ColumnType::Boolean),
            Just(ColumnType::Date),
        ],
        0..5,
    )
    .prop_map(|mut v| {
        v.insert(0, ColumnType::Numeric);
        v
    })
}

/// A number: ordinary, huge (finite) or tiny.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1e6f64..1e6,
        1 => prop_oneof![Just(1e300), Just(-1e300), Just(f64::MAX), Just(-f64::MIN_POSITIVE)],
        1 => -1e-300f64..1e-300,
    ]
}

/// One column of `n` rows of type `t`; missing values (but not in row 0,
/// so the training table has a value in every column; dates never, since
/// the date recipe refuses them).
fn column(t: ColumnType, n: usize) -> BoxedStrategy<Column> {
    let present = move |i: usize, p: bool| i == 0 || p;
    match t {
        ColumnType::Numeric => prop::collection::vec((number(), prop::bool::weighted(0.85)), n)
            .prop_map(move |v| {
                Column::numeric_opt(
                    v.into_iter()
                        .enumerate()
                        .map(|(i, (x, p))| present(i, p).then_some(x))
                        .collect(),
                )
            })
            .boxed(),
        ColumnType::Categorical => {
            prop::collection::vec(("[a-e]{1,2}|[A-Z0-9]{0,3}", prop::bool::weighted(0.85)), n)
                .prop_map(move |v| {
                    let v: Vec<Option<String>> = v
                        .into_iter()
                        .enumerate()
                        .map(|(i, (s, p))| present(i, p).then_some(s))
                        .collect();
                    let v: Vec<Option<&str>> = v.iter().map(|o| o.as_deref()).collect();
                    Column::categorical_opt(&v)
                })
                .boxed()
        }
        ColumnType::Boolean => {
            prop::collection::vec(prop::option::weighted(0.85, any::<bool>()), n)
                .prop_map(|mut v| {
                    v[0] = Some(v[0].unwrap_or(true));
                    Column::boolean_opt(v)
                })
                .boxed()
        }
        ColumnType::Date => prop::collection::vec(-30_000i32..60_000, n)
            .prop_map(Column::date)
            .boxed(),
    }
}

fn table_of(types: &[ColumnType], n: usize) -> BoxedStrategy<Table> {
    let cols: Vec<BoxedStrategy<Column>> = types.iter().map(|&t| column(t, n)).collect();
    cols.prop_map(|cols| {
        Table::new(
            cols.into_iter()
                .enumerate()
                .map(|(i, c)| (format!("c{i}"), c))
                .collect(),
        )
        .unwrap()
    })
    .boxed()
}

/// A schema, a training table and a second table with the same schema.
fn two_tables() -> impl Strategy<Value = (Vec<ColumnType>, Table, Table)> {
    (schema(), 1usize..40, 1usize..30).prop_flat_map(|(types, n, m)| {
        (
            Just(types.clone()),
            table_of(&types, n),
            table_of(&types, m),
        )
    })
}

/// Runs `f`, turning a panic into a test failure with its message.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(e) => {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{what} panicked: {msg}")
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn auto_pipelines_transform_same_schema_tables_to_finite_features(
        (_types, train, test) in two_tables()
    ) {
        let pipe = no_panic("fit", || {
            ColumnTransformer::auto(&train, None, &[]).and_then(|s| s.fit(&train))
        });
        let pipe = match pipe {
            Ok(p) => p,
            // Fitting may refuse a table (a statistic beyond f64); the
            // message names the column.
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("`c"), "fit error without a column: {msg}");
                return Ok(());
            }
        };
        prop_assert!(pipe.n_features() > 0);
        for t in [&train, &test] {
            match no_panic("transform", || pipe.transform_features(t)) {
                Ok(out) => {
                    prop_assert_eq!(out.x.dim(), (t.n_rows(), pipe.n_features()));
                    prop_assert!(out.x.iter().all(|v| v.is_finite()));
                    prop_assert_eq!(out.report.n_rows, t.n_rows());
                }
                // Only huge values may fail, with the column, place and value.
                Err(e) => {
                    let msg = e.to_string();
                    prop_assert!(
                        msg.contains("column `c") && msg.contains(" at row ") && msg.contains("range"),
                        "{msg}"
                    );
                }
            }
        }
        // Saved and loaded: the same features.
        let loaded = FittedColumnTransformer::from_json(&pipe.to_json().unwrap()).unwrap();
        if let (Ok(a), Ok(b)) = (pipe.transform_matrix(&test), loaded.transform_matrix(&test)) {
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn tables_with_another_schema_are_rejected_naming_the_column(
        (types, train, test) in two_tables(),
        pick in any::<prop::sample::Index>(),
        change in 0u8..3,
    ) {
        let Ok(pipe) = ColumnTransformer::auto(&train, None, &[]).and_then(|s| s.fit(&train)) else {
            return Ok(());
        };
        // Only tables the pipeline accepts as they are (no huge values).
        if pipe.transform_matrix(&test).is_err() {
            return Ok(());
        }
        let inputs = pipe.input_columns();
        let name = pick.get(&inputs).to_string();
        let j: usize = name[1..].parse().unwrap();
        match change {
            // A missing column: an error naming it.
            0 => {
                let t = test.drop_columns(&[&name]).unwrap();
                let msg = no_panic("transform", || pipe.transform_matrix(&t)).unwrap_err().to_string();
                prop_assert!(msg.contains(&format!("unknown column `{name}`")), "{msg}");
            }
            // Another type: converted (when lossless) or an error naming it.
            1 => {
                let other = match types[j] {
                    ColumnType::Date => Column::numeric(vec![1.5; test.n_rows()]),
                    ColumnType::Numeric => Column::date(vec![3; test.n_rows()]),
                    ColumnType::Boolean => Column::categorical(&vec!["maybe"; test.n_rows()]),
                    ColumnType::Categorical => Column::date(vec![4; test.n_rows()]),
                };
                let mut t = test.clone();
                t.replace_column(&name, other).unwrap();
                match no_panic("transform", || pipe.transform_matrix(&t)) {
                    Ok(x) => {
                        // Only text accepts another type (dates print as levels).
                        prop_assert_eq!(types[j], ColumnType::Categorical);
                        prop_assert!(x.iter().all(|v| v.is_finite()));
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        prop_assert!(msg.contains(&format!("`{name}`")), "{msg}");
                    }
                }
            }
            // An extra column: ignored.
            _ => {
                let mut t = test.clone();
                t.add_column("extra", Column::categorical(&vec!["x"; test.n_rows()])).unwrap();
                let a = pipe.transform_matrix(&t).map_err(|e| e.to_string());
                let b = pipe.transform_matrix(&test).map_err(|e| e.to_string());
                prop_assert_eq!(a, b);
            }
        }
    }
}

/// A mutation of a saved file.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    FlipByte(prop::sample::Index, u8),
    ReplaceNumber(prop::sample::Index, &'static str),
    ShortenArray(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let numbers = prop::sample::select(vec![
        "1e999",
        "-1e999",
        "1e308",
        "-1",
        "-0",
        "0",
        "NaN",
        "null",
        "\"NaN\"",
        "1.5",
        "18446744073709551616",
        "-9223372036854775809",
        "4294967295",
        "[]",
        "{}",
        "true",
    ]);
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        (any::<prop::sample::Index>(), numbers).prop_map(|(i, n)| Mutation::ReplaceNumber(i, n)),
        any::<prop::sample::Index>().prop_map(Mutation::ShortenArray),
    ]
}

/// `json` with `m` applied (bytes may stop being UTF-8: then lossily).
fn mutate(json: &str, m: &Mutation) -> String {
    match m {
        Mutation::Truncate(i) => {
            let mut k = i.index(json.len());
            while !json.is_char_boundary(k) {
                k -= 1;
            }
            json[..k].to_owned()
        }
        Mutation::FlipByte(i, b) => {
            let mut bytes = json.as_bytes().to_vec();
            let k = i.index(bytes.len());
            bytes[k] ^= b;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Mutation::ReplaceNumber(i, new) => {
            // The spans of JSON numbers outside strings.
            let b = json.as_bytes();
            let (mut spans, mut in_str, mut k) = (Vec::new(), false, 0);
            while k < b.len() {
                let c = b[k];
                if in_str {
                    if c == b'\\' {
                        k += 1;
                    } else if c == b'"' {
                        in_str = false;
                    }
                    k += 1;
                } else if c == b'"' {
                    in_str = true;
                    k += 1;
                } else if c == b'-' || c.is_ascii_digit() {
                    let start = k;
                    while k < b.len()
                        && matches!(b[k], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    {
                        k += 1;
                    }
                    spans.push((start, k));
                } else {
                    k += 1;
                }
            }
            if spans.is_empty() {
                return json.to_owned();
            }
            let (s, e) = spans[i.index(spans.len())];
            format!("{}{new}{}", &json[..s], &json[e..])
        }
        Mutation::ShortenArray(i) => {
            // Drop the last element of one non-empty array.
            let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
            let mut arrays = 0;
            count_arrays(&v, &mut arrays);
            if arrays > 0 {
                let target = i.index(arrays);
                let mut seen = 0;
                shorten(&mut v, target, &mut seen);
            }
            v.to_string()
        }
    }
}

fn count_arrays(v: &serde_json::Value, n: &mut usize) {
    match v {
        serde_json::Value::Array(a) => {
            if !a.is_empty() {
                *n += 1;
            }
            a.iter().for_each(|c| count_arrays(c, n));
        }
        serde_json::Value::Object(o) => o.values().for_each(|c| count_arrays(c, n)),
        _ => {}
    }
}

fn shorten(v: &mut serde_json::Value, target: usize, seen: &mut usize) -> bool {
    match v {
        serde_json::Value::Array(a) => {
            if !a.is_empty() {
                if *seen == target {
                    a.pop();
                    return true;
                }
                *seen += 1;
            }
            a.iter_mut().any(|c| shorten(c, target, seen))
        }
        serde_json::Value::Object(o) => o.values_mut().any(|c| shorten(c, target, seen)),
        _ => false,
    }
}

/// A table every step below can be fitted on.
fn fixture() -> Table {
    Table::new(vec![
        (
            "n".into(),
            Column::numeric_opt(vec![
                Some(1.0),
                None,
                Some(3.0),
                Some(10.0),
                Some(2.0),
                Some(7.0),
            ]),
        ),
        (
            "p".into(),
            Column::numeric(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
        ),
        (
            "c".into(),
            Column::categorical_opt(&[Some("a"), Some("b"), None, Some("a"), Some("c"), Some("a")]),
        ),
        (
            "b".into(),
            Column::boolean(vec![true, false, true, true, false, true]),
        ),
        (
            "d".into(),
            Column::date(vec![0, 31, 400, 9000, 12000, 20000]),
        ),
    ])
    .unwrap()
}

/// Loads every mutation of `value`'s file as `T`: never a panic; what loads
/// is used on `table` without a panic.
fn check_loader<T: Persist + Transform>(value: &T, table: &Table, m: &Mutation) {
    let json = value.to_json().unwrap();
    let bad = mutate(&json, m);
    let loaded = no_panic(&format!("{} from_json", T::KIND), || T::from_json(&bad));
    if let Ok(v) = loaded {
        no_panic(&format!("{} transform after load", T::KIND), || {
            let _ = v.transform(table);
        });
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fitted_steps_never_panic_on_mutated_files(m in mutation()) {
        let t = fixture();
        let numeric = t.select(&["n", "p"]).unwrap();
        let complete = t.select(&["p"]).unwrap();
        let cats = t.select(&["c", "b"]).unwrap();
        let onehot = OneHotEncoder::all().min_frequency(2).max_categories(3)
            .handle_unknown(HandleUnknown::Ignore).fit(&t).unwrap();
        check_loader::<FittedOneHotEncoder>(&onehot, &t, &m);
        let ordinal = OrdinalEncoder::all().fit(&cats).unwrap();
        check_loader::<FittedOrdinalEncoder>(&ordinal, &cats, &m);
        check_loader::<FittedStandardScaler>(&StandardScaler::default().fit(&complete).unwrap(), &complete, &m);
        check_loader::<FittedMinMaxScaler>(&MinMaxScaler::default().fit(&complete).unwrap(), &complete, &m);
        check_loader::<FittedRobustScaler>(&RobustScaler::default().fit(&complete).unwrap(), &complete, &m);
        check_loader::<FittedScaler>(&Scaler::robust().fit(&complete).unwrap(), &complete, &m);
        check_loader::<FittedImputer>(&Imputer::new().all_numeric(Impute::Median).fit(&numeric).unwrap(), &numeric, &m);
        check_loader::<FittedClipper>(&Clipper::new(0.1, 0.9).fit(&complete).unwrap(), &complete, &m);
        check_loader::<FittedLog1p>(&Log1p::all().fit(&complete).unwrap(), &complete, &m);
        check_loader::<FittedQuantileBinner>(&QuantileBinner::all(3).fit(&complete).unwrap(), &complete, &m);
        check_loader::<FittedDateParts>(&DateParts::all(&[DatePart::Year, DatePart::Weekday]).fit(&t).unwrap(), &t, &m);
        check_loader::<FittedPassthrough>(&Passthrough.fit(&complete).unwrap(), &complete, &m);
        let chain = Chain::new(Log1p::all()).then(StandardScaler::default()).fit(&complete).unwrap();
        check_loader::<FittedChain>(&chain, &complete, &m);
        let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
        check_loader::<FittedColumnTransformer>(&pipe, &t, &m);
    }
}
