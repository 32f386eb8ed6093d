//! Integration test of the preprocessing pipeline: fit on a training table,
//! transform a test table with an unseen category and missing values, check
//! the exact numbers, and round-trip the fitted pipeline through its saved
//! file.

use approx::assert_abs_diff_eq;
use ua_data::encode::HandleUnknown;
use ua_data::pipeline::{
    CategoricalSteps, ColumnTransformer, Encode, FittedColumnTransformer, NumericSteps,
};
use ua_data::scale::Scaler;
use ua_data::split::train_test_split;
use ua_data::{Column, Error, Table};
use ua_tensor::persist::Persist;

fn train_table() -> Table {
    Table::new(vec![
        (
            "age".into(),
            Column::numeric_opt(vec![Some(20.0), Some(30.0), None, Some(50.0)]),
        ),
        (
            "income".into(),
            Column::numeric(vec![1000.0, 2000.0, 3000.0, 4000.0]),
        ),
        (
            "city".into(),
            Column::categorical_opt(&[Some("Paris"), Some("Lyon"), Some("Paris"), None]),
        ),
        (
            "bought".into(),
            Column::boolean(vec![true, false, true, false]),
        ),
    ])
    .unwrap()
}

fn test_table() -> Table {
    // Columns in another order, plus an extra column the pipeline ignores.
    Table::new(vec![
        ("note".into(), Column::categorical(&["x", "y"])),
        (
            "city".into(),
            Column::categorical_opt(&[Some("Rome"), None]),
        ),
        ("income".into(), Column::numeric(vec![2500.0, 5500.0])),
        ("age".into(), Column::numeric_opt(vec![None, Some(40.0)])),
    ])
    .unwrap()
}

fn spec() -> ColumnTransformer {
    ColumnTransformer::new()
        .numeric(&["age"], NumericSteps::default())
        .numeric(
            &["income"],
            NumericSteps {
                impute: None,
                log1p: false,
                scale: Some(Scaler::min_max()),
            },
        )
        .categorical(&["city"], CategoricalSteps::default())
}

#[test]
fn fit_on_train_transform_test_exact_numbers() {
    let pipe = spec().fit(&train_table()).unwrap();
    assert_eq!(
        pipe.feature_names(),
        &["age", "income", "city=Lyon", "city=Paris"]
    );
    assert_eq!(pipe.n_features(), 4);

    let (x, report) = pipe.transform_matrix_with_report(&test_table()).unwrap();
    // age: training median of [20, 30, 50] = 30 fills the gap → [20, 30, 30, 50],
    // mean 32.5, population variance 475 / 4 = 118.75.
    let std = 118.75f64.sqrt();
    let expect = [
        // age imputed with 30; Rome unseen → all zeros; income (2500 − 1000) / 3000.
        [((30.0 - 32.5) / std) as f32, 0.5, 0.0, 0.0],
        // age 40; missing city → training most frequent "Paris"; income beyond the range.
        [((40.0 - 32.5) / std) as f32, 1.5, 0.0, 1.0],
    ];
    assert_eq!(x.dim(), (2, 4));
    for (r, row) in expect.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            assert_abs_diff_eq!(x[[r, c]], v, epsilon = 1e-6);
        }
    }
    let age = report.column("age").unwrap();
    assert_eq!(age.imputed, 1);
    let city = report.column("city").unwrap();
    assert_eq!((city.imputed, city.unknown_categories), (1, 1));
    assert_eq!(report.total_imputed(), 2);
    assert!(!report.is_clean());
}

#[test]
fn save_and_load_gives_identical_output() {
    let pipe = spec().fit(&train_table()).unwrap();
    let json = pipe.to_json().unwrap();
    assert!(json.contains("\"kind\":\"ua-data/column-transformer\""));
    assert!(json.contains("\"format_version\":1"));
    let loaded = FittedColumnTransformer::from_json(&json).unwrap();
    assert_eq!(loaded.to_json().unwrap(), json);
    let a = pipe.transform_matrix(&test_table()).unwrap();
    let b = loaded.transform_matrix(&test_table()).unwrap();
    assert_eq!(
        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn auto_spec_drops_target_and_encodes_by_type() {
    let train = train_table();
    let pipe = ColumnTransformer::auto(&train, Some("bought"), &[])
        .unwrap()
        .fit(&train)
        .unwrap();
    assert_eq!(
        pipe.feature_names(),
        &["age", "income", "city=Lyon", "city=Paris"]
    );
    let x = pipe.transform_matrix(&train).unwrap();
    // Standard-scaled training columns have mean 0.
    for j in 0..2 {
        assert_abs_diff_eq!(x.column(j).sum(), 0.0, epsilon = 1e-5);
    }
    assert_eq!(x.column(3).to_vec(), vec![1.0, 0.0, 1.0, 1.0]); // missing → Paris
    assert!(matches!(
        ColumnTransformer::auto(&train, Some("nope"), &[]),
        Err(Error::UnknownColumn { .. })
    ));
}

#[test]
fn bad_input_is_an_error_naming_the_column() {
    let pipe = spec().fit(&train_table()).unwrap();

    // A missing column.
    let no_income = test_table().drop_columns(&["income"]).unwrap();
    match pipe.transform_matrix(&no_income).unwrap_err() {
        Error::UnknownColumn { name, .. } => assert_eq!(name, "income"),
        e => panic!("unexpected {e}"),
    }
    // A column of the wrong type that cannot be converted back.
    let mut wrong = test_table();
    wrong
        .replace_column("age", Column::categorical(&["old", "young"]))
        .unwrap();
    let err = pipe.transform_matrix(&wrong).unwrap_err().to_string();
    assert!(
        err.contains("column `age` was numeric when the pipeline was fitted but is categorical")
            && err.contains("row 1 holds `old`"),
        "{err}"
    );
    // ... and one that can: the same numbers as text.
    let mut as_text = test_table();
    as_text
        .replace_column("income", Column::categorical(&["2500", "5500"]))
        .unwrap();
    assert_eq!(
        pipe.transform_matrix(&as_text).unwrap(),
        pipe.transform_matrix(&test_table()).unwrap()
    );
    // A missing value where the block does not impute.
    let mut gap = test_table();
    gap.replace_column("income", Column::numeric_opt(vec![Some(1.0), None]))
        .unwrap();
    assert!(matches!(
        pipe.transform_matrix(&gap).unwrap_err(),
        Error::MissingAt { column, at, .. } if column == "income" && at == "row 2"
    ));
    // An unseen category with handle_unknown = Error.
    let strict = ColumnTransformer::new()
        .categorical(
            &["city"],
            CategoricalSteps {
                impute: None,
                encode: Encode::one_hot(HandleUnknown::Error),
            },
        )
        .fit(&train_table())
        .unwrap();
    match strict.transform_matrix(&test_table()).unwrap_err() {
        Error::UnknownCategory {
            column, at, value, ..
        } => assert_eq!(
            (column.as_str(), at.as_str(), value.as_str()),
            ("city", "row 1", "Rome")
        ),
        e => panic!("unexpected {e}"),
    }
    // An all-missing numeric column at fit time.
    let mut empty_age = train_table();
    empty_age
        .replace_column("age", Column::numeric_opt(vec![None; 4]))
        .unwrap();
    let err = spec().fit(&empty_age).unwrap_err().to_string();
    assert!(err.contains("`age`"), "{err}");
}

#[test]
fn split_then_fit_on_train_only() {
    // 20 rows; the pipeline learns from the 15 training rows only.
    let n = 20;
    let t = Table::new(vec![
        ("x".into(), Column::numeric((0..n).map(f64::from).collect())),
        (
            "seg".into(),
            Column::categorical(
                &(0..n)
                    .map(|i| if i % 2 == 0 { "a" } else { "b" })
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
    .unwrap();
    let labels: Vec<usize> = (0..n as usize).map(|i| i % 2).collect();
    let (train_idx, test_idx) = train_test_split(n as usize, 0.25, 3, Some(&labels)).unwrap();
    assert_eq!((train_idx.len(), test_idx.len()), (15, 5));
    let train = t.take(&train_idx).unwrap();
    let test = t.take(&test_idx).unwrap();
    let pipe = ColumnTransformer::auto(&train, None, &[])
        .unwrap()
        .fit(&train)
        .unwrap();
    let x_test = pipe.transform_matrix(&test).unwrap();
    // Scaled with the training mean and std, recomputed here by hand.
    let xs: Vec<f64> = train_idx.iter().map(|&i| i as f64).collect();
    let mean = xs.iter().sum::<f64>() / 15.0;
    let std = (xs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 15.0).sqrt();
    for (r, &i) in test_idx.iter().enumerate() {
        assert_abs_diff_eq!(
            x_test[[r, 0]],
            ((i as f64 - mean) / std) as f32,
            epsilon = 1e-5
        );
        let is_b = f32::from(u8::from(i % 2 == 1));
        assert_eq!((x_test[[r, 1]], x_test[[r, 2]]), (1.0 - is_b, is_b));
    }
}
