//! Runs the logic of the `predict` and `repeat_purchase` examples (their
//! source files are included as modules) on synthetic data and on small CSV
//! files written to a temporary directory: the protocol, the JSON keys, the
//! saved model, and a clear error for each kind of bad input.

#[allow(dead_code)]
#[path = "../examples/predict.rs"]
mod predict;

#[allow(dead_code)]
#[path = "../examples/repeat_purchase.rs"]
mod repeat_purchase;

#[allow(dead_code)]
#[path = "../examples/churn_pipeline.rs"]
mod churn_pipeline;

#[allow(dead_code)]
#[path = "../examples/recommend.rs"]
mod recommend;

#[allow(dead_code)]
#[path = "../examples/risk.rs"]
mod risk;

use std::ffi::OsString;
use std::path::PathBuf;

use serde_json::json;

use user_analytics::analytics::Predictor;
use user_analytics::analytics::prediction::FittedPropensityModel;
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::data::labels::binary_labels;
use user_analytics::tensor::persist::Persist;

/// The `Evaluation` fields, then the flattened `ClassificationReport`.
const KEYS: [&str; 17] = [
    "model",
    "train_rows",
    "test_rows",
    "n_features",
    "n",
    "positives",
    "threshold",
    "brier",
    "confusion",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "pr_auc",
    "log_loss",
    "fit_seconds",
];

fn args(s: &[&str]) -> Vec<OsString> {
    s.iter().map(OsString::from).collect()
}

/// A fresh directory for one test's files.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ua_examples_cli_{}_{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// `n` customers: `calls` decides churn (calls ≥ 4 → yes), `plan` and
/// `minutes` are noise; an `id` column to drop.
fn churn_csv(n: usize) -> String {
    let mut s = String::from("id,calls,minutes,plan,churn\n");
    for i in 0..n {
        let calls = (i * 7) % 10;
        let minutes = 100.0 + ((i * 13) % 50) as f64 / 2.0;
        let plan = ["basic", "gold", "family"][i % 3];
        let churn = if calls >= 4 { "yes" } else { "no" };
        s.push_str(&format!("{i},{calls},{minutes},{plan},{churn}\n"));
    }
    s
}

fn predict_json(a: &[&str]) -> serde_json::Value {
    let parsed = predict::parse_args(args(a)).unwrap();
    let out = predict::run(&parsed).unwrap();
    serde_json::from_str(&out).unwrap()
}

fn predict_err(a: &[&str]) -> String {
    match predict::parse_args(args(a)).and_then(|p| predict::run(&p)) {
        Ok(out) => panic!("expected an error for {a:?}, got {out}"),
        Err(e) => e.to_string(),
    }
}

fn keys_of(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted_keys() -> Vec<String> {
    let mut k: Vec<String> = KEYS.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

#[test]
fn predict_without_arguments_runs_on_the_synthetic_shop() {
    let a = predict::parse_args(vec![]).unwrap();
    assert_eq!((a.model.as_str(), a.seed), ("mlp", 42));
    let text = predict::run(&a).unwrap();
    for part in [
        "synthetic shop",
        "roc_auc",
        "confusion matrix",
        "top columns",
    ] {
        assert!(text.contains(part), "{part:?} missing in:\n{text}");
    }
    let v = predict_json(&["--model", "logistic", "--json"]);
    assert_eq!(keys_of(&v), sorted_keys());
    assert_eq!(v["model"], "logistic");
    // 300 users, stratified 80/20
    assert_eq!(
        (v["train_rows"].as_u64(), v["test_rows"].as_u64()),
        (Some(240), Some(60))
    );
    // views and cart events drive ordering in the simulator
    assert!(v["roc_auc"].as_f64().unwrap() > 0.7, "{v}");
}

#[test]
fn predict_csv_with_test_rows_and_saved_model() {
    let dir = temp_dir("predict_csv");
    let csv = write(&dir, "churn.csv", &churn_csv(200));
    let mut rows = String::from("row\n");
    for i in (0..200).step_by(5) {
        rows.push_str(&format!("{i}\n"));
    }
    let test_rows = write(&dir, "test_rows.csv", &rows);
    let model_path = dir.join("model.json").display().to_string();
    let common = [
        "--csv",
        &csv,
        "--target",
        "churn",
        "--positive",
        "yes",
        "--drop",
        "id",
        "--test-rows",
        &test_rows,
        "--json",
    ];
    for (i, model) in ["logistic", "mlp"].into_iter().enumerate() {
        let mut a = common.to_vec();
        a.extend(["--model", model, "--save", &model_path]);
        if i > 0 {
            // The first run wrote the file: replacing it needs --force.
            let err = predict_err(&a);
            assert!(
                err.contains("model.json already exists; pass --force"),
                "{err}"
            );
            a.push("--force");
        }
        let v = predict_json(&a);
        assert_eq!(keys_of(&v), sorted_keys());
        assert_eq!(v["model"], model);
        assert_eq!(
            (v["train_rows"].as_u64(), v["test_rows"].as_u64()),
            (Some(160), Some(40))
        );
        // calls, minutes, plan=basic/gold/family
        assert_eq!(v["n_features"].as_u64(), Some(5));
        assert!(v["roc_auc"].as_f64().unwrap() > 0.95, "{model}: {v}");
        // The saved model scores the test rows the way it was evaluated.
        let model = FittedPropensityModel::load(&model_path).unwrap();
        let table = read_csv(&csv, &CsvOptions::default()).unwrap();
        let idx: Vec<usize> = (0..200).step_by(5).collect();
        let test = table.take(&idx).unwrap();
        let y = binary_labels(&test, "churn", Some("yes")).unwrap();
        let p = model.predict_proba(&test).unwrap();
        let auc = user_analytics::analytics::metrics::roc_auc(&y, &p).unwrap();
        assert_eq!(Some(auc), v["roc_auc"].as_f64());
        // Scoring a table without a trained column names the column.
        let err = model
            .predict_proba(&test.drop_columns(&["calls"]).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown column `calls`"), "{err}");
    }
    // The readable report for the same run.
    let text =
        predict::run(&predict::parse_args(args(&common[..common.len() - 1])).unwrap()).unwrap();
    assert!(
        text.contains("160 training rows") && text.contains("40 test rows"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn predict_bad_input_is_a_clear_error() {
    let dir = temp_dir("predict_bad");
    let csv = write(&dir, "churn.csv", &churn_csv(60));
    let err = predict_err(&["--csv", &csv, "--target", "gone"]);
    assert!(err.contains("unknown column `gone`"), "{err}");
    let err = predict_err(&["--csv", &csv, "--target", "churn", "--positive", "maybe"]);
    assert!(
        err.contains("`maybe` never occurs in column `churn`"),
        "{err}"
    );
    let one_class = write(&dir, "one.csv", "x,y\n1,no\n2,no\n3,no\n");
    let err = predict_err(&["--csv", &one_class, "--target", "y"]);
    assert!(
        err.contains("target column `y` has one class only"),
        "{err}"
    );
    let missing = write(
        &dir,
        "missing.csv",
        &(0..20).fold(String::from("x,empty,y\n"), |s, i| {
            s + &format!("{i},,{}\n", i % 2)
        }),
    );
    let err = predict_err(&["--csv", &missing, "--target", "y", "--model", "logistic"]);
    assert!(err.contains("`empty`"), "{err}");
    // A typo in a numeric column: the line and the value are named.
    let mut typo = churn_csv(30);
    typo = typo.replacen("\n5,5,", "\n5,5x,", 1);
    let typo = write(&dir, "typo.csv", &typo);
    let err = predict_err(&["--csv", &typo, "--target", "churn", "--positive", "yes"]);
    assert!(
        err.contains("column `calls` is numeric in 29 of 30 rows"),
        "{err}"
    );
    assert!(err.contains("line 7") && err.contains("5x"), "{err}");
    // ... unless the column is declared text.
    let v = predict_json(&[
        "--csv",
        &typo,
        "--target",
        "churn",
        "--positive",
        "yes",
        "--text",
        "calls",
        "--model",
        "logistic",
        "--json",
    ]);
    assert_eq!(v["test_rows"].as_u64(), Some(6));
    // ... or dropped.
    let v = predict_json(&[
        "--csv",
        &typo,
        "--target",
        "churn",
        "--positive",
        "yes",
        "--drop",
        "calls",
        "--model",
        "logistic",
        "--json",
    ]);
    // minutes, plan=3; `id` (distinct integers, a key's name) is left out as id-like.
    assert_eq!(v["n_features"].as_u64(), Some(4));
    let empty = write(&dir, "empty.csv", "");
    let err = predict_err(&["--csv", &empty, "--target", "y"]);
    assert!(err.contains("no data rows"), "{err}");
    let header = write(&dir, "header.csv", "x,y\n");
    let err = predict_err(&["--csv", &header, "--target", "y"]);
    assert!(err.contains("no data rows"), "{err}");
    let out_of_range = write(&dir, "rows1.csv", "row\n1\n60\n");
    let err = predict_err(&[
        "--csv",
        &csv,
        "--target",
        "churn",
        "--test-rows",
        &out_of_range,
    ]);
    assert!(
        err.contains("line 3: row index 60 is out of range: the data has 60 rows"),
        "{err}"
    );
    let err = predict_err(&["--model", "forest"]);
    assert!(err.contains("--model must be mlp or logistic"), "{err}");
    let err = predict_err(&["--positive", "yes"]);
    assert!(err.contains("need --csv FILE"), "{err}");
    let err = predict_err(&["--csv", &csv]);
    assert!(err.contains("--csv needs --target"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn test_rows_file_errors_name_the_line() {
    let parse = |t: &str| predict::parse_test_rows(t, "rows.csv", 10);
    assert_eq!(parse("row\n3\n0\n\n9\n").unwrap(), vec![3, 0, 9]);
    let err = parse("row\n3\nabc\n").unwrap_err();
    assert!(
        err.contains("rows.csv, line 3: \"abc\" is not a row index"),
        "{err}"
    );
    let err = parse("row\n-1\n").unwrap_err();
    assert!(err.contains("line 2: \"-1\" is not a row index"), "{err}");
    let err = parse("row\n4\n4\n").unwrap_err();
    assert!(
        err.contains("line 3: row index 4 is listed twice (also on line 2)"),
        "{err}"
    );
    let err = parse("4\n5\n").unwrap_err();
    assert!(err.contains("line 1: expected a header"), "{err}");
    let err = parse("row,x\n4,1\n").unwrap_err();
    assert!(err.contains("line 1: expected one column"), "{err}");
    assert!(parse("").unwrap_err().contains("the file is empty"));
    assert!(parse("row\n").unwrap_err().contains("no row index"));
}

/// 120 customers over 1997: even customers buy every 20 days all year,
/// odd ones twice in January only. Dates as YYYYMMDD, ids zero-padded.
fn transactions_csv() -> String {
    use user_analytics::data::date::{format_date, parse_date};
    let start = parse_date("1997-01-01").unwrap();
    let mut s = String::from("customer_id,date,quantity,amount\n");
    for c in 0..120 {
        let days: Vec<i32> = if c % 2 == 0 {
            (0..18).map(|k| k * 20 + c % 7).collect()
        } else {
            vec![c % 9, 10 + c % 11]
        };
        for d in days {
            let date = format_date(start + d).replace('-', "");
            s.push_str(&format!("{c:05},{date},{},{}.50\n", 1 + c % 3, 10 + c % 17));
        }
    }
    s
}

fn repeat_args(file: &str, extra: &[&str]) -> Vec<OsString> {
    let mut a = vec![
        "--transactions",
        file,
        "--customer-col",
        "customer_id",
        "--date-col",
        "date",
        "--amount-col",
        "amount",
        "--quantity-col",
        "quantity",
        "--calibration-end",
        "1997-06-30",
        "--holdout-end",
        "1997-12-13", // the last transaction date
    ];
    a.extend_from_slice(extra);
    args(&a)
}

#[test]
fn repeat_purchase_synthetic_and_csv() {
    let a = repeat_purchase::parse_args(vec![]).unwrap();
    assert!(a.log.is_none());
    let text = repeat_purchase::run(&a).unwrap();
    for part in [
        "synthetic shop orders",
        "bought again in the holdout",
        "roc_auc",
    ] {
        assert!(text.contains(part), "{part:?} missing in:\n{text}");
    }
    let dir = temp_dir("repeat_csv");
    let file = write(&dir, "tx.csv", &transactions_csv());
    for model in ["logistic", "mlp"] {
        let a =
            repeat_purchase::parse_args(repeat_args(&file, &["--model", model, "--json"])).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&repeat_purchase::run(&a).unwrap()).unwrap();
        assert_eq!(keys_of(&v), sorted_keys());
        // 120 customers, stratified 80/20 → 96 / 24
        assert_eq!(
            (v["train_rows"].as_u64(), v["test_rows"].as_u64()),
            (Some(96), Some(24))
        );
        assert_eq!(v["n_features"].as_u64(), Some(8));
        assert!(v["roc_auc"].as_f64().unwrap() > 0.95, "{model}: {v}");
    }
    let a = repeat_purchase::parse_args(repeat_args(&file, &[])).unwrap();
    let text = repeat_purchase::run(&a).unwrap();
    assert!(
        text.contains("bought again in the holdout: 60 of 120 customers"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn repeat_purchase_sequence_models() {
    // The synthetic shop: the sequence models read its event log.
    let a = repeat_purchase::parse_args(args(&["--model", "sequence"])).unwrap();
    let text = repeat_purchase::run(&a).unwrap();
    assert!(
        text.contains("sequences: the last 50 events per customer (the shop's event log)"),
        "{text}"
    );
    assert!(
        text.contains("model: sequence") && text.contains("roc_auc"),
        "{text}"
    );
    // A transaction file: each customer's purchases, 20 kept.
    let dir = temp_dir("repeat_seq");
    let file = write(&dir, "tx.csv", &transactions_csv());
    for model in ["sequence", "bag"] {
        let a = repeat_purchase::parse_args(repeat_args(
            &file,
            &["--model", model, "--max-events", "20", "--json"],
        ))
        .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&repeat_purchase::run(&a).unwrap()).unwrap();
        assert_eq!(keys_of(&v), sorted_keys());
        assert_eq!(v["model"].as_str(), Some(model));
        assert_eq!(
            (v["train_rows"].as_u64(), v["test_rows"].as_u64()),
            (Some(96), Some(24))
        );
        // 20 steps × (token + log amount + log gap) + 8 RFM features
        assert_eq!(v["n_features"].as_u64(), Some(68));
        assert!(v["roc_auc"].as_f64().unwrap() > 0.9, "{model}: {v}");
    }
    for (flags, expected) in [
        (
            &["--max-events", "0"][..],
            "--max-events must be in 1..=10000, got 0",
        ),
        (&["--model", "gru"][..], "mlp, logistic, sequence or bag"),
    ] {
        let err = repeat_purchase::parse_args(repeat_args(&file, flags))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn repeat_purchase_bad_input_is_a_clear_error() {
    let dir = temp_dir("repeat_bad");
    let file = write(&dir, "tx.csv", &transactions_csv());
    let err = repeat_purchase::parse_args(args(&[
        "--transactions",
        &file,
        "--customer-col",
        "customer_id",
        "--date-col",
        "date",
        "--amount-col",
        "amount",
        "--calibration-end",
        "1997-06-30",
        "--holdout-end",
        "1997-01-31",
    ]))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("--holdout-end (1997-01-31) must be after --calibration-end"),
        "{err}"
    );
    let err = repeat_purchase::parse_args(args(&["--transactions", &file]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("go together"), "{err}");
    let err = repeat_purchase::parse_args(args(&["--calibration-end", "1997-13-01"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"1997-13-01\" is not a date"), "{err}");
    let bad_date = write(
        &dir,
        "bad_date.csv",
        "customer_id,date,quantity,amount\n1,19970101,1,5\n1,1997xx02,1,5\n",
    );
    let a = repeat_purchase::parse_args(repeat_args(&bad_date, &[])).unwrap();
    let err = repeat_purchase::run(&a).unwrap_err().to_string();
    assert!(err.contains("line 3") && err.contains("1997xx02"), "{err}");
    let no_amount = write(
        &dir,
        "no_amount.csv",
        "customer_id,date,quantity\n1,19970101,1\n",
    );
    let a = repeat_purchase::parse_args(repeat_args(&no_amount, &[])).unwrap();
    let err = repeat_purchase::run(&a).unwrap_err().to_string();
    assert!(err.contains("amount"), "{err}");
    let empty = write(&dir, "empty.csv", "customer_id,date,quantity,amount\n");
    let a = repeat_purchase::parse_args(repeat_args(&empty, &[])).unwrap();
    let err = repeat_purchase::run(&a).unwrap_err().to_string();
    assert!(err.contains("no data rows"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn churn_pipeline_runs_on_a_csv_with_ids_and_saves_one_model() {
    let dir = temp_dir("churn_pipeline");
    let csv = write(&dir, "users.csv", &churn_csv(200));
    let out = dir.join("out").display().to_string();
    let a = churn_pipeline::parse_args(args(&[
        "--csv",
        &csv,
        "--target",
        "churn",
        "--positive",
        "yes",
        "--id-col",
        "id",
        "--out",
        &out,
        "--json",
    ]))
    .unwrap();
    let (_, v) = churn_pipeline::report(&a).unwrap();
    assert_eq!(v["users"], 200);
    let models: Vec<&str> = v["cross_validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["logistic", "mlp"]);
    // churn = calls ≥ 4: both models find it.
    for c in v["cross_validation"].as_array().unwrap() {
        assert!(c["cv"]["roc_auc"]["mean"].as_f64().unwrap() > 0.9, "{c}");
    }
    assert!(v["holdout"]["roc_auc"].as_f64().unwrap() > 0.9, "{v}");
    assert_eq!(v["scored"], 40);
    // The saved model loads, and the scores file has the ids of the held-out users.
    let model = std::path::Path::new(&out).join("model.json");
    let loaded = user_analytics::analytics::pipeline::FittedPipeline::<
        user_analytics::data::pipeline::ColumnTransformer,
        user_analytics::analytics::prediction::ModelKind,
    >::load(&model)
    .unwrap();
    let scores = read_csv(
        std::path::Path::new(&out).join("scores.csv"),
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(scores.column_names(), ["id", "p_churn"]);
    let users = read_csv(
        &csv,
        &CsvOptions::default().with_type("id", user_analytics::data::ColumnType::Categorical),
    )
    .unwrap();
    assert_eq!(loaded.predict_proba(&users).unwrap().len(), 200);
    // Bad arguments are errors, not panics.
    assert!(churn_pipeline::parse_args(args(&["--csv", &csv])).is_err());
    let a = churn_pipeline::parse_args(args(&[
        "--csv", &csv, "--target", "nope", "--id-col", "id", "--out", &out,
    ]))
    .unwrap();
    // The first run's files are there: replaced only with --force.
    let err = churn_pipeline::report(&a).unwrap_err().to_string();
    assert!(
        err.contains("model.json already exists; pass --force"),
        "{err}"
    );
    let a = churn_pipeline::parse_args(args(&[
        "--csv", &csv, "--target", "nope", "--id-col", "id", "--out", &out, "--force",
    ]))
    .unwrap();
    assert!(
        churn_pipeline::report(&a)
            .unwrap_err()
            .to_string()
            .contains("nope")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A log of 30 users with two tastes (items a0..a5 or b0..b5), 5 distinct
/// items each, one row per hour (qty 2 on even hours, else 1); zero-padded
/// user ids that must stay distinct.
fn taste_log() -> String {
    let mut out = String::from("user,item,ts,qty\n");
    for u in 0..30 {
        let taste = if u % 2 == 0 { "a" } else { "b" };
        for t in 0..5 {
            out += &format!(
                "{:05},{taste}{},{},{}\n",
                u,
                (u + t) % 6,
                3600 * t,
                2 - t % 2
            );
        }
    }
    out
}

#[test]
fn recommend_reports_the_json_keys_and_recommends_within_a_taste() {
    let dir = temp_dir("recommend");
    let log = write(&dir, "log.csv", &taste_log());
    let base = [
        "--interactions",
        log.as_str(),
        "--user-col",
        "user",
        "--item-col",
        "item",
        "--time-col",
        "ts",
    ];
    let mut a: Vec<&str> = base.to_vec();
    a.extend(["--model", "itemknn", "--k", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&recommend::run(args(&a)).unwrap()).unwrap();
    let keys = [
        "model",
        "users_evaluated",
        "catalogue_items",
        "precision_at_k",
        "recall_at_k",
        "ndcg_at_k",
        "map_at_k",
        "hit_rate_at_k",
        "mrr",
        "coverage",
        "fit_seconds",
        "recommend_seconds",
        "params",
        "rows_merged",
        "rows_below_min_weight",
        "users_not_evaluated",
    ];
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), keys.len(), "{v}");
    for k in keys {
        assert!(obj.contains_key(k), "missing {k}: {v}");
    }
    // 30 users (00000 … 00029 kept apart), each with 5 rows: one test row each.
    assert_eq!(v["users_evaluated"], 30);
    assert_eq!(v["catalogue_items"], 12);
    // The held-out item is one of the user's 2 unseen items of their taste,
    // the only unseen items item-kNN scores above 0.
    assert!(v["hit_rate_at_k"].as_f64().unwrap() > 0.9, "{v}");
    // The text report shows example users with their histories.
    let text = recommend::run(args(&base)).unwrap();
    assert!(text.contains("user 00000: history"), "{text}");
    // The neural two-tower model runs through the same protocol and, with
    // its parameters from the flags, finds the tastes too.
    let mut a: Vec<&str> = base.to_vec();
    a.extend([
        "--model",
        "two-tower",
        "--k",
        "2",
        "--factors",
        "8",
        "--epochs",
        "30",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&recommend::run(args(&a)).unwrap()).unwrap();
    assert_eq!(
        (v["model"].as_str(), v["params"]["dim"].as_u64()),
        (Some("two-tower"), Some(8))
    );
    assert!(v["hit_rate_at_k"].as_f64().unwrap() > 0.5, "{v}");
}

#[test]
fn recommend_test_rows_weights_and_bad_input() {
    let dir = temp_dir("recommend_bad");
    let log = write(&dir, "log.csv", &taste_log());
    // Test rows: the last row of each of the first 10 users.
    let rows: String = (0..10).map(|u| format!("{}\n", u * 5 + 4)).collect();
    let test_rows = write(&dir, "test.csv", &format!("row\n{rows}"));
    let base = [
        "--interactions",
        log.as_str(),
        "--user-col",
        "user",
        "--item-col",
        "item",
    ];
    let mut a: Vec<&str> = base.to_vec();
    a.extend([
        "--test-rows",
        test_rows.as_str(),
        "--weight-col",
        "qty",
        "--min-weight",
        "2",
        "--k",
        "3",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&recommend::run(args(&a)).unwrap()).unwrap();
    // Rows with qty 1 are dropped; the listed rows (hour 4, qty 2) all stay.
    assert_eq!(v["users_evaluated"], 10, "{v}");
    let bad_rows = write(&dir, "bad_rows.csv", "row\n150\n");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--model", "svd"], "--model"),
        (vec!["--k", "0"], "--k"),
        (vec!["--test-rows", bad_rows.as_str()], "0..150"),
        (vec!["--time-col", "nope"], "nope"),
        (vec!["--min-weight", "1"], "--weight-col"),
    ];
    for (extra, key) in cases {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(extra.iter().copied());
        let e = recommend::run(args(&a)).unwrap_err().to_string();
        assert!(e.contains(key), "{extra:?}: {e}");
    }
    let neg = write(&dir, "neg.csv", "user,item,w\n1,a,1\n1,b,-2\n");
    let e = recommend::run(args(&[
        "--interactions",
        &neg,
        "--user-col",
        "user",
        "--item-col",
        "item",
        "--weight-col",
        "w",
    ]))
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 3") && e.contains("-2"), "{e}");
    let e = recommend::run(args(&["--interactions", &log, "--user-col", "user"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--item-col"), "{e}");
}

#[test]
fn recommend_model_parameter_flags_reach_the_model_and_are_checked() {
    let dir = temp_dir("recommend_flags");
    let log = write(&dir, "log.csv", &taste_log());
    let base = [
        "--interactions",
        log.as_str(),
        "--user-col",
        "user",
        "--item-col",
        "item",
        "--time-col",
        "ts",
        "--json",
    ];
    let run_json = |extra: &[&str]| -> serde_json::Value {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(extra.iter().copied());
        serde_json::from_str(&recommend::run(args(&a)).unwrap()).unwrap()
    };
    let v = run_json(&[
        "--model",
        "als",
        "--factors",
        "4",
        "--iterations",
        "3",
        "--alpha",
        "2.5",
        "--regularization",
        "0.5",
        "--cg-steps",
        "0",
    ]);
    let p = &v["params"];
    assert_eq!(
        (
            &p["factors"],
            &p["iterations"],
            &p["alpha"],
            &p["regularization"],
            &p["solver"]
        ),
        (
            &json!(4),
            &json!(3),
            &json!(2.5),
            &json!(0.5),
            &json!("Cholesky")
        ),
        "{v}"
    );
    let v = run_json(&[
        "--model",
        "bpr",
        "--factors",
        "3",
        "--epochs",
        "2",
        "--learning-rate",
        "0.25",
        "--bpr-mode",
        "parallel",
    ]);
    let p = &v["params"];
    assert_eq!(
        (&p["factors"], &p["epochs"], &p["learning_rate"], &p["mode"]),
        (&json!(3), &json!(2), &json!(0.25), &json!("Parallel")),
        "{v}"
    );
    let v = run_json(&[
        "--model",
        "itemknn",
        "--neighbours",
        "7",
        "--weighting",
        "tfidf",
    ]);
    assert_eq!(
        (&v["params"]["neighbours"], &v["params"]["weighting"]),
        (&json!(7), &json!("TfIdf")),
        "{v}"
    );
    let v = run_json(&["--model", "rp3beta", "--beta", "0.25", "--alpha", "0.5"]);
    assert_eq!(
        (&v["params"]["beta"], &v["params"]["alpha"]),
        (&json!(0.25), &json!(0.5)),
        "{v}"
    );
    let v = run_json(&["--model", "ease", "--lambda", "3"]);
    assert_eq!(v["params"]["lambda"], json!(3.0), "{v}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--model", "itemknn", "--factors", "4"],
            "--factors applies to --model als or bpr or two-tower, not to itemknn",
        ),
        (
            vec!["--model", "ease", "--tune", "--lambda", "3"],
            "--lambda sets a parameter that --tune chooses",
        ),
        (
            vec!["--model", "itemknn", "--weighting", "idf"],
            "'idf' is not one of none, bm25, tfidf",
        ),
        (
            vec!["--model", "bpr", "--bpr-mode", "fast"],
            "'fast' is not one of deterministic, parallel",
        ),
        (vec!["--model", "als", "--factors", "0"], "factors"),
        (vec!["--model", "ease", "--lambda", "-1"], "lambda"),
    ];
    for (extra, key) in cases {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(extra.iter().copied());
        let e = recommend::run(args(&a)).unwrap_err().to_string();
        assert!(e.contains(key), "{extra:?}: {e}");
    }
}

// ---- risk ------------------------------------------------------------------

/// The `risk` example's JSON with a label.
const RISK_KEYS: [&str; 11] = [
    "model",
    "rows",
    "test_rows",
    "roc_auc",
    "pr_auc",
    "budget",
    "flagged",
    "precision_at_budget",
    "recall_at_budget",
    "fit_seconds",
    "score_seconds",
];

fn risk_json(extra: &[&str]) -> serde_json::Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(extra);
    let out = risk::run(&risk::parse_args(args(&a)).unwrap()).unwrap();
    serde_json::from_str(&out).unwrap()
}

#[test]
fn risk_finds_the_synthetic_shops_fraudsters_with_every_model() {
    for (model, min_auc, min_recall) in [
        ("iforest", 0.9, 0.7),
        ("autoencoder", 0.9, 0.4),
        ("supervised", 0.95, 0.8),
        ("combined", 0.95, 0.8),
    ] {
        let v = risk_json(&["--model", model]);
        for k in RISK_KEYS {
            assert!(v.get(k).is_some(), "{model}: key {k} missing in {v}");
        }
        assert_eq!(v["model"], model);
        let n_test = v["test_rows"].as_u64().unwrap();
        assert_eq!(
            v["flagged"].as_u64().unwrap(),
            (n_test as f64 * 0.1).ceil() as u64
        );
        let auc = v["roc_auc"].as_f64().unwrap();
        let recall = v["recall_at_budget"].as_f64().unwrap();
        assert!(auc >= min_auc, "{model}: ROC-AUC {auc}");
        assert!(recall >= min_recall, "{model}: recall at 10 % {recall}");
    }
}

#[test]
fn risk_runs_are_deterministic_for_a_seed() {
    let strip = |mut v: serde_json::Value| {
        let o = v.as_object_mut().unwrap();
        o.remove("fit_seconds");
        o.remove("score_seconds");
        v
    };
    let a = strip(risk_json(&["--seed", "7"]));
    assert_eq!(a, strip(risk_json(&["--seed", "7"])));
    assert_ne!(
        a,
        strip(risk_json(&["--seed", "8"])),
        "the seed must matter"
    );
}

#[test]
fn risk_without_a_label_lists_the_riskiest_rows_with_their_reasons() {
    let dir = temp_dir("risk_unlabelled");
    let mut text = String::from("account,orders_1h,night_share,amount\n");
    for i in 0..300 {
        let (orders, amount) = if i == 123 {
            (40, 25.0)
        } else {
            (i % 4, 20.0 + (i % 13) as f64)
        };
        text.push_str(&format!(
            "acct{i:03},{orders},{},{amount}\n",
            (i % 5) as f64 / 10.0
        ));
    }
    let csv = write(&dir, "accounts.csv", &text);
    for model in ["iforest", "autoencoder", "combined"] {
        let v = risk_json(&[
            "--csv", &csv, "--id-col", "account", "--model", model, "--top", "3",
        ]);
        assert_eq!(v["test_rows"], 300);
        assert_eq!(v["flagged"], 30);
        let top = v["top"].as_array().unwrap();
        assert_eq!(top.len(), 3);
        assert_eq!(top[0]["id"], "acct123", "{model}: {v}");
        assert_eq!(
            top[0]["features"][0]["feature"], "orders_1h",
            "{model}: {v}"
        );
        let scores: Vec<f64> = top.iter().map(|t| t["score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }
    // The readable form names the row and the reason too.
    let a = args(&["--csv", &csv, "--id-col", "account", "--model", "iforest"]);
    let out = risk::run(&risk::parse_args(a).unwrap()).unwrap();
    assert!(out.contains("acct123") && out.contains("isolated"), "{out}");
}
