//! The bad-input matrix of issue 9: the example programs run as
//! subprocesses on small bad inputs (written to a temporary directory) and
//! the public model loaders get broken files. Every case asserts the exit
//! status, that nothing panicked, and the key words of the message (flag,
//! file line, column, value).
//!
//! `cargo test` builds the examples before it runs this file; they are
//! found next to the test binary (`target/debug/examples/NAME`). Running
//! only this file (`cargo test --test bad_input`) after changing an example
//! needs `cargo build --examples` first.
//!
//! Tests whose names start with `issue9_` check behaviour that issue 9 asks
//! of the libraries (identifier inference, provenance of row numbers,
//! undefined metrics, overflow, dates, one-hot cardinality).

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use user_analytics::analytics::pipeline::FittedPipeline;
use user_analytics::analytics::prediction::{FittedPropensityModel, ModelKind};
use user_analytics::analytics::segmentation::KMeans;
use user_analytics::data::pipeline::ColumnTransformer;
use user_analytics::ndarray::array;
use user_analytics::tensor::persist::Persist;

use common::example;

fn temp_dir(test: &str) -> PathBuf {
    common::temp_dir("bad_input", test)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn run_with_env<S: AsRef<std::ffi::OsStr>>(name: &str, args: &[S], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(example(name));
    cmd.args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("UA_MEMORY_BUDGET");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the example starts")
}

/// Runs `name args`, checks the exit status, that it did not panic, and
/// that every word is in stderr (or in stdout for exit status 0 and no
/// stderr match). Returns (stdout, stderr).
fn case_env(
    name: &str,
    args: &[&str],
    env: &[(&str, &str)],
    code: i32,
    words: &[&str],
) -> (String, String) {
    let out = run_with_env(name, args, env);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let ctx = format!("{name} {args:?}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "panic: {ctx}"
    );
    assert_eq!(out.status.code(), Some(code), "exit status: {ctx}");
    for w in words {
        assert!(
            stderr.contains(w) || (code == 0 && stdout.contains(w)),
            "{w:?} missing: {ctx}"
        );
    }
    (stdout, stderr)
}

fn case(name: &str, args: &[&str], code: i32, words: &[&str]) -> (String, String) {
    case_env(name, args, &[], code, words)
}

const EXAMPLES: [&str; 12] = [
    "churn_pipeline",
    "clv",
    "iforest_bench",
    "kmeans_bench",
    "linear_sgd",
    "predict",
    "profile_csv",
    "quickstart",
    "repeat_purchase",
    "risk",
    "segment",
    "train_mlp",
];

/// `n` users: churn = calls ≥ 4, an id column, a text plan.
fn churn_csv(n: usize) -> String {
    let mut s = String::from("id,calls,minutes,plan,churn\n");
    for i in 0..n {
        let calls = (i * 7) % 10;
        let plan = ["basic", "gold", "family"][i % 3];
        let churn = if calls >= 4 { "yes" } else { "no" };
        s.push_str(&format!("{i},{calls},{}.5,{plan},{churn}\n", 100 + i % 17));
    }
    s
}

/// Transactions of `n` customers with ids `C0000i`, 1997.
fn tx_csv(n: usize) -> String {
    let mut s = String::from("customer,date,amount\n");
    for c in 0..n {
        for k in 0..(1 + c % 3) {
            s.push_str(&format!(
                "C{c:04},1997-{:02}-{:02},{}.25\n",
                1 + (c + k) % 12,
                1 + (c * 3 + k) % 28,
                5 + c % 13
            ));
        }
    }
    s
}

fn seg_args<'a>(file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "--transactions",
        file,
        "--customer-col",
        "customer",
        "--date-col",
        "date",
        "--amount-col",
        "amount",
    ];
    a.extend_from_slice(extra);
    a
}

fn repeat_args<'a>(file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = seg_args(file, &[]);
    a.extend_from_slice(&[
        "--calibration-end",
        "1997-06-30",
        "--holdout-end",
        "1997-12-31",
        "--model",
        "logistic",
    ]);
    a.extend_from_slice(extra);
    a
}

// ---- flags -----------------------------------------------------------------

#[test]
fn every_example_prints_help_with_defaults_and_exits_0() {
    for ex in EXAMPLES {
        for flag in ["--help", "-h"] {
            let (stdout, _) = case(ex, &[flag], 0, &[]);
            assert!(
                stdout.starts_with(&format!("usage: {ex}")),
                "{ex}: {stdout}"
            );
            assert!(
                stdout.contains("(default") && stdout.contains("Exit status"),
                "{ex}: {stdout}"
            );
        }
    }
}

#[test]
fn every_example_rejects_an_unknown_flag_with_status_2() {
    for ex in EXAMPLES {
        case(ex, &["--bogus"], 2, &["unknown flag --bogus"]);
        // A near miss gets a suggestion.
        if !["profile_csv", "clv"].contains(&ex) {
            case(
                ex,
                &["--sed", "1"],
                2,
                &["unknown flag --sed", "did you mean --seed?"],
            );
        }
    }
}

#[test]
fn flag_values_are_checked_and_errors_name_the_flag() {
    let dir = temp_dir("flags");
    let csv = write(&dir, "churn.csv", churn_csv(40));
    case(
        "predict",
        &["--csv", &csv, "--target", "--json"],
        2,
        &["--target needs a value, found --json"],
    );
    case(
        "predict",
        &["--seed", "abc"],
        2,
        &["--seed: 'abc' is not a non-negative integer"],
    );
    case("predict", &["--seed"], 2, &["--seed needs a value"]);
    case(
        "predict",
        &["--seed", "1", "--seed", "2"],
        2,
        &["--seed is given twice ('1' and '2')"],
    );
    case("predict", &["--json=yes"], 2, &["--json is a switch"]);
    case(
        "predict",
        &["--model", "forest"],
        2,
        &["--model must be mlp or logistic"],
    );
    case("predict", &["--csv", &csv], 2, &["--csv needs --target"]);
    case(
        "predict",
        &["--force"],
        2,
        &["--force only applies to --save"],
    );
    case(
        "quickstart",
        &["--seed", "-1"],
        2,
        &["--seed: '-1' is not a non-negative integer"],
    );
    case(
        "quickstart",
        &["--users", "5"],
        2,
        &["--users must be at least 10"],
    );
    case(
        "linear_sgd",
        &["--epochs", "0"],
        2,
        &["--epochs must be at least 1"],
    );
    case(
        "linear_sgd",
        &["extra"],
        2,
        &["unexpected argument 'extra'"],
    );
    case(
        "profile_csv",
        &[&csv, &csv],
        2,
        &["unexpected argument", "FILE is already"],
    );
    case(
        "profile_csv",
        &[&csv, "--type", "calls=weird"],
        2,
        &["--type: unknown type 'weird'"],
    );
    case(
        "profile_csv",
        &[&csv, "--type", "calls"],
        2,
        &["--type: expected COLUMN=TYPE"],
    );
    case(
        "profile_csv",
        &[&csv, "--delimiter", "::"],
        2,
        &["--delimiter: '::' is not one of"],
    );
    case(
        "kmeans_bench",
        &["--rows", "99999999999999999999999"],
        2,
        &["--rows: '99999999999999999999999' is too large"],
    );
    case(
        "kmeans_bench",
        &["--rows", "0"],
        2,
        &["--rows must be at least 1"],
    );
    case(
        "kmeans_bench",
        &["--k", "0"],
        2,
        &["--k must be at least 1"],
    );
    case(
        "kmeans_bench",
        &["--algorithm", "fast"],
        2,
        &["--algorithm: 'fast' is not one of"],
    );
    case("kmeans_bench", &["--dtype", "f16"], 2, &["--dtype: 'f16'"]);
    case(
        "kmeans_bench",
        &["--tol", "nan"],
        2,
        &["--tol: 'nan' is not a finite number"],
    );
    case(
        "kmeans_bench",
        &["--points", &csv, "--rows", "10"],
        2,
        &["--rows", "--points FILE reads them from the file"],
    );
    case(
        "train_mlp",
        &["--features", "3"],
        2,
        &["--features must be at least 9"],
    );
    case(
        "train_mlp",
        &["--batch-size", "0"],
        2,
        &["--batch-size must be at least 1"],
    );
    case(
        "segment",
        &["--as-of", "1997-02-30"],
        2,
        &["--as-of", "\"1997-02-30\""],
    );
    case(
        "repeat_purchase",
        &["--calibration-end", "soon"],
        2,
        &["--calibration-end: \"soon\" is not a date"],
    );
    case(
        "churn_pipeline",
        &["--target", "churn"],
        2,
        &["need --csv FILE"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn a_non_utf8_argument_is_a_usage_error() {
    use std::os::unix::ffi::OsStringExt;
    let bad = OsString::from_vec(vec![b'a', 0xff, b'b']);
    let out = run_with_env("predict", &[OsString::from("--csv"), bad], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--csv") && stderr.contains("not valid UTF-8"),
        "{stderr}"
    );
}

// ---- sizes -----------------------------------------------------------------

#[test]
fn size_flags_are_checked_against_the_memory_budget_before_work() {
    case(
        "train_mlp",
        &["--rows", "1000000000000"],
        2,
        &["--rows × --features", "TiB", "UA_MEMORY_BUDGET"],
    );
    case(
        "kmeans_bench",
        &["--rows", "100000000000"],
        2,
        &["--rows × --dims", "UA_MEMORY_BUDGET"],
    );
    case(
        "kmeans_bench",
        &[
            "--rows",
            "18446744073709551615",
            "--dims",
            "18446744073709551615",
        ],
        2,
        &["--rows × --dims", "EiB", "UA_MEMORY_BUDGET"],
    );
    case(
        "quickstart",
        &["--users", "10000000000000000000"],
        2,
        &["--users", "UA_MEMORY_BUDGET"],
    );
    case(
        "linear_sgd",
        &["--users", "10000000000000000000"],
        2,
        &["--users", "UA_MEMORY_BUDGET"],
    );
    // The budget comes from the environment.
    case_env(
        "train_mlp",
        &["--rows", "1000"],
        &[("UA_MEMORY_BUDGET", "1K")],
        2,
        &["over the memory budget of 1.0 KiB", "UA_MEMORY_BUDGET"],
    );
    case_env(
        "kmeans_bench",
        &["--rows", "100"],
        &[("UA_MEMORY_BUDGET", "lots")],
        2,
        &["UA_MEMORY_BUDGET", "lots"],
    );
}

#[test]
fn segment_k_range_is_checked_against_the_customers() {
    let dir = temp_dir("k_range");
    let tx = write(&dir, "tx.csv", tx_csv(6));
    case(
        "segment",
        &seg_args(&tx, &["--k-range", "2..50"]),
        2,
        &["--k-range", "6 customers", "at most 5"],
    );
    case(
        "segment",
        &seg_args(&tx, &["--k-range", "2..18446744073709551615"]),
        2,
        &["--k-range", "at most 5"],
    );
    case(
        "segment",
        &seg_args(&tx, &["--k-range", "2..18446744073709551616"]),
        2,
        &["--k-range", "too large", "18446744073709551616"],
    );
    case(
        "segment",
        &seg_args(&tx, &["--k-range", "1..4"]),
        2,
        &["--k-range: need 2 ≤ A ≤ B, found 1..4"],
    );
    case(
        "segment",
        &seg_args(&tx, &["--k-range", "5..3"]),
        2,
        &["--k-range: need 2 ≤ A ≤ B, found 5..3"],
    );
    case(
        "segment",
        &seg_args(&tx, &["--k-range", "two..8"]),
        2,
        &["--k-range: 'two..8'", "not a whole number"],
    );
    case(
        "segment",
        &seg_args(&tx, &["--k", "7"]),
        2,
        &["--k 7", "6 customers"],
    );
    // Within the limits it runs.
    let (stdout, _) = case(
        "segment",
        &seg_args(&tx, &["--k", "2", "--k-range", "2..3", "--json"]),
        0,
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["customers"], 6);
    assert_eq!(v["by_k"].as_array().unwrap().len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- never write over an input ----------------------------------------------

#[test]
fn predict_never_writes_over_its_input() {
    let dir = temp_dir("overwrite_predict");
    let text = churn_csv(40);
    let csv = write(&dir, "churn.csv", &text);
    let base = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "--csv",
            &csv,
            "--target",
            "churn",
            "--positive",
            "yes",
            "--model",
            "logistic",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let refs = |v: &[String]| -> Vec<String> { v.to_vec() };
    // The case from the issue: --save given the --csv path.
    for force in [false, true] {
        let mut a = base(&["--save", &csv]);
        if force {
            a.push("--force".into());
        }
        let a = refs(&a);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        case(
            "predict",
            &a,
            2,
            &["--save", "is the input given to --csv", "churn.csv"],
        );
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
    }
    // The same file under another name: ./, a hard link, a symlink.
    let dotted = format!("{}/./churn.csv", dir.display());
    let a = base(&["--save", &dotted]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    case("predict", &a, 2, &["is the input given to --csv"]);
    let link = dir.join("hard.csv");
    std::fs::hard_link(&csv, &link).unwrap();
    let link = link.display().to_string();
    let a = base(&["--save", &link, "--force"]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    case(
        "predict",
        &a,
        2,
        &["hard.csv", "is the input given to --csv"],
    );
    #[cfg(unix)]
    {
        let sym = dir.join("sym.csv");
        std::os::unix::fs::symlink(&csv, &sym).unwrap();
        let sym = sym.display().to_string();
        let a = base(&["--save", &sym, "--force"]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        case("predict", &a, 2, &["is the input given to --csv"]);
    }
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
    // --test-rows is an input too.
    let rows = write(&dir, "rows.csv", "row\n1\n2\n3\n4\n5\n6\n7\n8\n");
    let a = base(&["--test-rows", &rows, "--save", &rows, "--force"]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    case("predict", &a, 2, &["is the input given to --test-rows"]);
    // An existing other file: only with --force.
    let old = write(&dir, "old.json", "keep me");
    let a = base(&["--save", &old]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    case(
        "predict",
        &a,
        2,
        &["--save", "old.json already exists; pass --force"],
    );
    assert_eq!(std::fs::read_to_string(&old).unwrap(), "keep me");
    let a = base(&["--save", &old, "--force", "--json"]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    case("predict", &a, 0, &["\"model\":\"logistic\""]);
    assert!(FittedPropensityModel::load(&old).is_ok());
    // A directory is not a file to save to.
    let d = dir.display().to_string();
    let a = base(&["--save", &d]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    case("predict", &a, 2, &["--save", "is a directory"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn other_examples_never_write_over_their_inputs() {
    let dir = temp_dir("overwrite_other");
    let pts = write(&dir, "points.csv", "a,b\n1,2\n3,4\n5,6\n");
    case(
        "kmeans_bench",
        &[
            "--points",
            &pts,
            "--k",
            "2",
            "--write-points",
            &pts,
            "--force",
        ],
        2,
        &["--write-points", "is the input given to --points"],
    );
    assert_eq!(
        std::fs::read_to_string(&pts).unwrap(),
        "a,b\n1,2\n3,4\n5,6\n"
    );
    let existing = write(&dir, "out.csv", "keep");
    case(
        "kmeans_bench",
        &["--points", &pts, "--k", "2", "--write-points", &existing],
        2,
        &["out.csv already exists; pass --force"],
    );
    case(
        "kmeans_bench",
        &[
            "--points",
            &pts,
            "--k",
            "2",
            "--write-points",
            &existing,
            "--force",
        ],
        0,
        &["inertia"],
    );
    assert!(
        std::fs::read_to_string(&existing)
            .unwrap()
            .starts_with("x0,x1\n")
    );
    // churn_pipeline: the input inside --out, and existing outputs.
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let users = write(&out, "scores.csv", churn_csv(30));
    let o = out.display().to_string();
    let args = [
        "--csv",
        &users,
        "--target",
        "churn",
        "--positive",
        "yes",
        "--id-col",
        "id",
        "--out",
        &o,
        "--force",
    ];
    case(
        "churn_pipeline",
        &args,
        2,
        &["--out", "is the input given to --csv"],
    );
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    write(&other, "model.json", "{}");
    let users2 = write(&dir, "users.csv", churn_csv(30));
    let o2 = other.display().to_string();
    case(
        "churn_pipeline",
        &[
            "--csv",
            &users2,
            "--target",
            "churn",
            "--positive",
            "yes",
            "--id-col",
            "id",
            "--out",
            &o2,
        ],
        2,
        &["model.json already exists; pass --force"],
    );
    case(
        "churn_pipeline",
        &[
            "--csv", &users2, "--target", "churn", "--id-col", "id", "--out", &users2,
        ],
        2,
        &["--out", "is a file, expected a directory"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- files that are not there or not files ------------------------------------

#[test]
fn directories_and_missing_files_are_named() {
    let dir = temp_dir("paths");
    let d = dir.display().to_string();
    let gone = dir.join("gone.csv").display().to_string();
    let cases: [(&str, Vec<&str>, &str); 6] = [
        ("predict", vec!["--csv", "PATH", "--target", "y"], "--csv"),
        ("profile_csv", vec!["PATH"], "FILE"),
        ("kmeans_bench", vec!["--points", "PATH"], "--points"),
        ("train_mlp", vec!["--data", "PATH"], "--data"),
        ("segment", seg_args("PATH", &[]), "--transactions"),
        (
            "repeat_purchase",
            repeat_args("PATH", &[]),
            "--transactions",
        ),
    ];
    for (ex, args, flag) in &cases {
        let with = |p: &str| -> Vec<String> {
            args.iter()
                .map(|a| {
                    if *a == "PATH" {
                        p.to_owned()
                    } else {
                        a.to_string()
                    }
                })
                .collect()
        };
        let a = with(&d);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        case(ex, &a, 2, &[flag, "is a directory, expected a file"]);
        let a = with(&gone);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        case(ex, &a, 1, &[flag, "gone.csv", "cannot open"]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- delimiters --------------------------------------------------------------

#[test]
fn a_semicolon_or_tab_file_read_as_one_column_gets_a_hint() {
    let dir = temp_dir("delimiters");
    let semi = write(&dir, "semi.csv", churn_csv(40).replace(',', ";"));
    let tab = write(&dir, "tab.tsv", churn_csv(40).replace(',', "\t"));
    case(
        "predict",
        &["--csv", &semi, "--target", "churn"],
        1,
        &[
            "looks ;-separated; pass --delimiter ';'",
            "unknown column `churn`",
        ],
    );
    case(
        "predict",
        &[
            "--csv",
            &semi,
            "--target",
            "churn",
            "--positive",
            "yes",
            "--delimiter",
            ";",
            "--model",
            "logistic",
            "--json",
        ],
        0,
        &["\"test_rows\":8"],
    );
    let (stdout, stderr) = case("profile_csv", &[&semi], 0, &["--delimiter ';'"]);
    assert!(stdout.contains("columns: 1"), "{stdout}{stderr}");
    let (stdout, _) = case(
        "profile_csv",
        &[&tab, "--delimiter", "tab"],
        0,
        &["columns: 5"],
    );
    assert!(stdout.contains("plan"), "{stdout}");
    case(
        "profile_csv",
        &[&tab],
        0,
        &["looks tab-separated; pass --delimiter tab"],
    );
    let tx_semi = write(&dir, "tx.csv", tx_csv(8).replace(',', ";"));
    case(
        "segment",
        &seg_args(&tx_semi, &[]),
        1,
        &["pass --delimiter ';'"],
    );
    case(
        "segment",
        &seg_args(&tx_semi, &["--delimiter", ";", "--k", "2", "--json"]),
        0,
        &["\"customers\": 8"],
    );
    case(
        "repeat_purchase",
        &repeat_args(&tx_semi, &[]),
        1,
        &["pass --delimiter ';'"],
    );
    let pts = write(&dir, "p.csv", "a;b\n1;2\n3;4\n");
    case(
        "kmeans_bench",
        &["--points", &pts, "--k", "1"],
        1,
        &["pass --delimiter ';'"],
    );
    case(
        "kmeans_bench",
        &["--points", &pts, "--k", "1", "--delimiter", ";", "--json"],
        0,
        &["\"dims\":2"],
    );
    case("train_mlp", &["--data", &pts], 1, &["pass --delimiter ';'"]);
    let out = dir.join("out").display().to_string();
    case(
        "churn_pipeline",
        &[
            "--csv", &semi, "--target", "churn", "--id-col", "id", "--out", &out,
        ],
        1,
        &["pass --delimiter ';'"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- ids ---------------------------------------------------------------------

#[test]
fn zero_padded_customer_ids_stay_apart_in_the_examples() {
    let dir = temp_dir("ids");
    // Customers 00004 and 4 are two people; so are 007 and 7.
    let tx = write(
        &dir,
        "tx.csv",
        "customer,date,amount\n00004,1997-01-01,10\n4,1997-01-02,20\n007,1997-01-03,5\n7,1997-02-03,5\n8,1997-03-01,1\n",
    );
    let (stdout, _) = case("segment", &seg_args(&tx, &["--k", "2", "--json"]), 0, &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["customers"], 5, "{stdout}");
    // repeat_purchase: `0000i` and `i` are two customers each; the odd ones
    // buy again in March.
    let mut t = String::from("customer,date,amount\n");
    for i in 0..10 {
        for id in [format!("{i:05}"), format!("{i}")] {
            t.push_str(&format!("{id},1997-01-{:02},5\n", 1 + i));
            t.push_str(&format!("{id},1997-01-{:02},7\n", 12 + i));
            if i % 2 == 1 {
                t.push_str(&format!("{id},1997-03-{:02},5\n", 1 + i));
            }
        }
    }
    let tx2 = write(&dir, "tx2.csv", t);
    case(
        "repeat_purchase",
        &[
            "--transactions",
            &tx2,
            "--customer-col",
            "customer",
            "--date-col",
            "date",
            "--amount-col",
            "amount",
            "--calibration-end",
            "1997-01-31",
            "--holdout-end",
            "1997-03-10",
            "--model",
            "logistic",
        ],
        0,
        &[
            "customers: 20 total",
            "bought again in the holdout: 10 of 20 customers",
        ],
    );
    // predict: a --drop'ped id column is read as text (no numeric-typo error
    // for ids like `A7`), and the model trains.
    let mut users = churn_csv(40).replacen("\n3,", "\nA3,", 1);
    users = users.replacen("\n5,", "\n00005,", 1);
    let users = write(&dir, "users.csv", users);
    case(
        "predict",
        &[
            "--csv",
            &users,
            "--target",
            "churn",
            "--positive",
            "yes",
            "--drop",
            "id",
            "--model",
            "logistic",
            "--json",
        ],
        0,
        &["\"n_features\":5"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn churn_pipeline_keeps_zero_padded_ids_in_its_scores() {
    let dir = temp_dir("churn_ids");
    let mut text = String::from("id,calls,minutes,plan,churn\n");
    for i in 0..40 {
        let calls = (i * 7) % 10;
        let churn = if calls >= 4 { "yes" } else { "no" };
        text.push_str(&format!(
            "{i:05},{calls},{}.5,basic,{churn}\n",
            100 + i % 17
        ));
    }
    let csv = write(&dir, "users.csv", text);
    let out = dir.join("out").display().to_string();
    case(
        "churn_pipeline",
        &[
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
        ],
        0,
        &["\"users\":40"],
    );
    let scores = std::fs::read_to_string(Path::new(&out).join("scores.csv")).unwrap();
    let first = scores.lines().nth(1).unwrap();
    assert!(
        first.len() > 6
            && first.as_bytes()[..5].iter().all(u8::is_ascii_digit)
            && first.starts_with('0'),
        "ids lost their zeros: {scores}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- file contents -------------------------------------------------------------

#[test]
fn empty_header_only_and_one_row_files() {
    let dir = temp_dir("small_files");
    let empty = write(&dir, "empty.csv", "");
    let header = write(&dir, "header.csv", "customer,date,amount\n");
    let one = write(&dir, "one.csv", "customer,date,amount\nC1,1997-01-01,5\n");
    case(
        "predict",
        &["--csv", &empty, "--target", "y"],
        1,
        &["no data rows"],
    );
    case(
        "predict",
        &["--csv", &header, "--target", "y"],
        1,
        &["no data rows"],
    );
    case(
        "segment",
        &seg_args(&empty, &[]),
        1,
        &["--transactions", "empty.csv", "the file is empty"],
    );
    case("segment", &seg_args(&header, &[]), 1, &["no transactions"]);
    case(
        "segment",
        &seg_args(&one, &[]),
        2,
        &["--k 4 is more than the 1 customers"],
    );
    case(
        "repeat_purchase",
        &repeat_args(&header, &[]),
        1,
        &["no data rows"],
    );
    case("kmeans_bench", &["--points", &header], 1, &["no data rows"]);
    case(
        "kmeans_bench",
        &["--points", &empty],
        1,
        &["--points", "empty.csv", "the file is empty"],
    );
    case(
        "train_mlp",
        &["--data", &empty],
        1,
        &["--data", "the file is empty"],
    );
    case(
        "repeat_purchase",
        &repeat_args(&empty, &[]),
        1,
        &["the file is empty"],
    );
    case("train_mlp", &["--data", &header], 1, &["header.csv"]);
    let (stdout, _) = case("profile_csv", &[&header], 0, &["rows: 0"]);
    assert!(stdout.contains("columns: 3"), "{stdout}");
    let one_row = write(&dir, "one_row.csv", "x,y\n1,1\n");
    case(
        "predict",
        &["--csv", &one_row, "--target", "y", "--model", "logistic"],
        1,
        &["one class only"],
    );
    let pts1 = write(&dir, "p1.csv", "a,b\n1,2\n");
    case(
        "kmeans_bench",
        &["--points", &pts1, "--k", "2"],
        1,
        &["--k 2 is more than the 1 points"],
    );
    let (stdout, _) = case(
        "kmeans_bench",
        &["--points", &pts1, "--k", "1", "--json"],
        0,
        &[],
    );
    assert!(stdout.contains("\"rows\":1"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_values_name_the_line_the_column_and_the_text() {
    let dir = temp_dir("values");
    // A typo in a numeric column.
    let typo = write(
        &dir,
        "typo.csv",
        churn_csv(30).replacen("\n5,5,", "\n5,5x,", 1),
    );
    case(
        "predict",
        &["--csv", &typo, "--target", "churn", "--positive", "yes"],
        1,
        &["column `calls`", "line 7", "5x", "--text calls"],
    );
    // A ragged row.
    let ragged = write(&dir, "ragged.csv", "a,b\n1,2\n3\n");
    case(
        "profile_csv",
        &[&ragged],
        1,
        &["ragged.csv, line 3", "expected 2 fields"],
    );
    case("kmeans_bench", &["--points", &ragged], 1, &["line 3"]);
    // Non-UTF-8 bytes.
    let latin = write(&dir, "latin.csv", b"a,b\n1,caf\xe9\n".as_slice());
    case(
        "profile_csv",
        &[&latin],
        1,
        &["latin.csv, line 2, column `b`", "UTF-8"],
    );
    case("kmeans_bench", &["--points", &latin], 1, &["line 2", "`b`"]);
    // Amounts with a currency sign.
    let dollars = write(
        &dir,
        "dollars.csv",
        "customer,date,amount\nC1,1997-01-01,5\nC2,1997-01-02,$29.33\n",
    );
    case(
        "segment",
        &seg_args(&dollars, &[]),
        1,
        &["dollars.csv, line 3, column `amount`", "$29.33"],
    );
    case(
        "repeat_purchase",
        &repeat_args(&dollars, &[]),
        1,
        &["line 3, column `amount`", "$29.33"],
    );
    // Negative and missing amounts, bad and missing dates.
    let neg = write(
        &dir,
        "neg.csv",
        "customer,date,amount\nC1,1997-01-01,5\nC2,1997-01-02,-3\n",
    );
    case(
        "segment",
        &seg_args(&neg, &[]),
        1,
        &["line 3, column `amount`", "negative amount -3"],
    );
    let nodate = write(&dir, "nodate.csv", "customer,date,amount\nC1,,5\n");
    case(
        "segment",
        &seg_args(&nodate, &[]),
        1,
        &["line 2, column `date`", "missing date"],
    );
    let baddate = write(
        &dir,
        "baddate.csv",
        "customer,date,amount\nC1,1997-01-01,5\nC2,1997-13-45,5\n",
    );
    case(
        "segment",
        &seg_args(&baddate, &[]),
        1,
        &["line 3", "`date`", "1997-13-45"],
    );
    case(
        "repeat_purchase",
        &repeat_args(&baddate, &[]),
        1,
        &["line 3", "1997-13-45"],
    );
    let noid = write(&dir, "noid.csv", "customer,date,amount\n,1997-01-01,5\n");
    case(
        "segment",
        &seg_args(&noid, &[]),
        1,
        &["line 2, column `customer`", "missing customer id"],
    );
    let unknown = write(&dir, "unknown.csv", "cust,date,amount\nC1,1997-01-01,5\n");
    case(
        "segment",
        &seg_args(&unknown, &[]),
        1,
        &["unknown column `customer`", "cust"],
    );
    // Not a number, missing, NaN and ±inf in numeric files.
    let text = write(&dir, "text.csv", "a,b\n1,x\n2,y\n");
    case(
        "kmeans_bench",
        &["--points", &text],
        1,
        &["column `b` must hold numbers", "categorical"],
    );
    let missing = write(&dir, "missing.csv", "a,b,label\n1,2,0\n3,,1\n");
    case(
        "train_mlp",
        &["--data", &missing],
        1,
        &["missing.csv, line 3, column `b`", "missing value"],
    );
    let nan = write(&dir, "nan.csv", "a,b\n1,2\n3,NaN\n");
    case(
        "kmeans_bench",
        &["--points", &nan, "--k", "1"],
        1,
        &["nan.csv, line 3, column `b`", "missing"],
    );
    for (name, v) in [("inf.csv", "inf"), ("neginf.csv", "-inf")] {
        let f = write(&dir, name, format!("a,b\n1,2\n3,{v}\n5,6\n"));
        case(
            "kmeans_bench",
            &["--points", &f, "--k", "1"],
            1,
            &["line 3, column `b`", "not finite"],
        );
        let g = write(&dir, &format!("t{name}"), format!("a,label\n1,0\n{v},1\n"));
        case(
            "train_mlp",
            &["--data", &g],
            1,
            &["line 3, column `a`", "not finite"],
        );
    }
    let big = write(&dir, "big.csv", "a,label\n1,0\n1e39,1\n");
    case(
        "train_mlp",
        &["--data", &big],
        1,
        &["line 3, column `a`", "1e39", "f32"],
    );
    let label = write(&dir, "label.csv", "a,label\n1,0\n2,2\n");
    case(
        "train_mlp",
        &["--data", &label],
        1,
        &["line 3, column `label`", "0 or 1, found 2"],
    );
    let onecol = write(&dir, "onecol.csv", "a\n1\n");
    case(
        "train_mlp",
        &["--data", &onecol],
        1,
        &["feature column and a label column"],
    );
    // Header-less points: the first line looks like data.
    let nohead = write(&dir, "nohead.csv", "1,2\n3,4\n5,6\n");
    case(
        "kmeans_bench",
        &["--points", &nohead, "--k", "2"],
        2,
        &["line 1", "looks like data", "--no-header"],
    );
    let (stdout, _) = case(
        "kmeans_bench",
        &["--points", &nohead, "--k", "2", "--no-header", "--json"],
        0,
        &[],
    );
    assert!(stdout.contains("\"rows\":3"), "{stdout}");
    // Columns by name.
    let pts = write(&dir, "pts.csv", "a,b,name\n1,2,x\n3,4,y\n5,6,z\n");
    let (stdout, _) = case(
        "kmeans_bench",
        &["--points", &pts, "--columns", "a,b", "--k", "2", "--json"],
        0,
        &[],
    );
    assert!(stdout.contains("\"dims\":2"), "{stdout}");
    case(
        "kmeans_bench",
        &["--points", &pts, "--columns", "a,zz"],
        1,
        &["unknown column `zz`"],
    );
    // Test rows out of range.
    let csv = write(&dir, "churn.csv", churn_csv(40));
    let rows = write(&dir, "rows.csv", "row\n1\n40\n");
    case(
        "predict",
        &["--csv", &csv, "--target", "churn", "--test-rows", &rows],
        1,
        &["rows.csv, line 3", "row index 40 is out of range"],
    );
    case(
        "predict",
        &["--csv", &csv, "--target", "churn", "--positive", "maybe"],
        1,
        &["`maybe` never occurs in column `churn`"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn targets_missing_columns_and_wide_or_huge_files() {
    let dir = temp_dir("shapes");
    let mut s = String::from("x,empty,y\n");
    for i in 0..20 {
        s.push_str(&format!("{i},,{}\n", i % 2));
    }
    let allmiss = write(&dir, "allmiss.csv", s);
    case(
        "predict",
        &["--csv", &allmiss, "--target", "y", "--model", "logistic"],
        1,
        &["`empty`", "no non-missing value"],
    );
    let (stdout, _) = case("profile_csv", &[&allmiss], 0, &[]);
    assert!(stdout.contains("missing 20 (100.0 %)"), "{stdout}");
    let mut s = String::from("x,y\n");
    for i in 0..20 {
        s.push_str(&format!("{i},no\n"));
    }
    let oneclass = write(&dir, "oneclass.csv", s);
    case(
        "predict",
        &[
            "--csv",
            &oneclass,
            "--target",
            "y",
            "--positive",
            "no",
            "--model",
            "logistic",
        ],
        1,
        &["one class only"],
    );
    let mut s = String::from("x,y\n");
    for i in 0..30 {
        s.push_str(&format!("{i},{}\n", ["a", "b", "c"][i % 3]));
    }
    let three = write(&dir, "three.csv", s);
    case(
        "predict",
        &["--csv", &three, "--target", "y", "--model", "logistic"],
        1,
        &["column `y`", "`a`"],
    );
    case(
        "predict",
        &[
            "--csv",
            &three,
            "--target",
            "y",
            "--positive",
            "c",
            "--model",
            "logistic",
            "--json",
        ],
        0,
        &["\"train_rows\":24"],
    );
    // 200 columns.
    let names: Vec<String> = (0..200).map(|j| format!("c{j}")).collect();
    let mut s = names.join(",") + "\n";
    for i in 0..5 {
        let row: Vec<String> = (0..200).map(|j| format!("{}", i * 200 + j)).collect();
        s.push_str(&(row.join(",") + "\n"));
    }
    let wide = write(&dir, "wide.csv", s);
    case("profile_csv", &[&wide], 0, &["columns: 200"]);
    case(
        "kmeans_bench",
        &["--points", &wide, "--k", "2", "--json"],
        0,
        &["\"dims\":200"],
    );
    // A 10 MB field.
    let mut s = String::from("id,note\n1,");
    s.push_str(&"x".repeat(10 * 1024 * 1024));
    s.push_str("\n2,short\n");
    let huge = write(&dir, "huge.csv", s);
    let (stdout, _) = case("profile_csv", &[&huge, "--json"], 0, &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["rows"], 2);
    case(
        "kmeans_bench",
        &["--points", &huge],
        1,
        &["column `note` must hold numbers"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kmeans_bench_never_reports_an_overflowed_inertia() {
    let dir = temp_dir("overflow_kmeans");
    let pts = write(&dir, "p.csv", "a,b\n1e308,1\n-1e308,2\n0,3\n");
    let (stdout, stderr) = case("kmeans_bench", &["--points", &pts, "--k", "1"], 1, &[]);
    assert!(!stdout.contains("inertia: inf"), "{stdout}");
    assert!(stderr.contains("overflow"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cut_off_dates_outside_the_data_are_errors_giving_the_range() {
    let dir = temp_dir("cutoffs");
    let tx = write(
        &dir,
        "tx.csv",
        "customer,date,amount\nC1,1997-01-05,5\nC2,1997-02-01,5\nC1,1997-03-01,5\n",
    );
    let base = |cal: &'static str, hold: &'static str| -> Vec<String> {
        [
            "--transactions",
            &tx,
            "--customer-col",
            "customer",
            "--date-col",
            "date",
            "--amount-col",
            "amount",
            "--calibration-end",
            cal,
            "--holdout-end",
            hold,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for (cal, hold, words) in [
        (
            "1997-01-31",
            "2030-01-01",
            ["--holdout-end 2030-01-01", "1997-01-05 .. 1997-03-01"],
        ),
        (
            "1996-01-31",
            "1997-02-01",
            ["--calibration-end 1996-01-31", "1997-01-05 .. 1997-03-01"],
        ),
        (
            "1997-03-01",
            "1997-03-02",
            ["--calibration-end 1997-03-01", "before the last"],
        ),
    ] {
        let a = base(cal, hold);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        case("repeat_purchase", &a, 2, &words);
    }
    case(
        "segment",
        &seg_args(&tx, &["--as-of", "2030-01-01", "--k", "1"]),
        2,
        &[
            "--as-of 2030-01-01 is after the last purchase",
            "1997-01-05 .. 1997-03-01",
        ],
    );
    case(
        "segment",
        &seg_args(&tx, &["--as-of", "1990-01-01", "--k", "1"]),
        2,
        &["as-of date 1990-01-01 is before the first purchase"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- saved model files ---------------------------------------------------------

fn saved_model(dir: &Path) -> PathBuf {
    let csv = write(dir, "churn.csv", churn_csv(40));
    let model = dir.join("model.json");
    let m = model.display().to_string();
    case(
        "predict",
        &[
            "--csv",
            &csv,
            "--target",
            "churn",
            "--positive",
            "yes",
            "--model",
            "logistic",
            "--save",
            &m,
            "--json",
        ],
        0,
        &[],
    );
    model
}

#[test]
fn broken_saved_models_are_errors_not_panics() {
    let dir = temp_dir("models");
    let model = saved_model(&dir);
    let good = std::fs::read(&model).unwrap();
    assert!(FittedPropensityModel::load(&model).is_ok());
    let load = |name: &str, bytes: &[u8]| -> String {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        match FittedPropensityModel::load(&p) {
            Ok(_) => panic!("{name}: loaded a broken model"),
            Err(e) => e.to_string(),
        }
    };
    // Truncated at several points.
    for cut in [0, 1, good.len() / 3, good.len() / 2, good.len() - 2] {
        let e = load(&format!("cut{cut}.json"), &good[..cut]);
        assert!(e.contains(&format!("cut{cut}.json")), "{e}");
    }
    // Not JSON, non-UTF-8.
    let e = load("garbage.json", b"\x00\xff\xfe not json");
    assert!(e.contains("garbage.json"), "{e}");
    // Numbers edited out of range.
    let text = String::from_utf8(good.clone()).unwrap();
    let pos = text.find(|c: char| c.is_ascii_digit() && c != '0').unwrap();
    let mut edited = text.clone();
    edited.insert_str(pos, "9e999");
    let e = load("edited.json", edited.as_bytes());
    assert!(e.contains("edited.json"), "{e}");
    // A different kind of model in the file.
    let km = KMeans::new(1)
        .fit(array![[0.0f64, 1.0], [1.0, 0.0]].view())
        .unwrap();
    let km_path = dir.join("kmeans.json");
    km.save(&km_path).unwrap();
    let e = match FittedPropensityModel::load(&km_path) {
        Ok(_) => panic!("a k-means file loaded as a propensity model"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("kmeans.json") && e.contains("kmeans") && e.contains("expected"),
        "{e}"
    );
    // And the other way round: the pipeline file is not another pipeline type.
    let e = FittedPipeline::<ColumnTransformer, ModelKind>::load(&model)
        .map(|_| ())
        .err()
        .map(|e| e.to_string());
    if let Some(e) = e {
        assert!(e.contains("model.json"), "{e}");
    }
    // Missing file, directory.
    let e = FittedPropensityModel::load(dir.join("gone.json"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("gone.json"), "{e}");
    let e = FittedPropensityModel::load(&dir).err().unwrap().to_string();
    assert!(e.contains(&dir.display().to_string()), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- behaviour issue 9 asks of the libraries -------------------------------------

#[test]
fn issue9_zero_padded_ids_are_inferred_as_text() {
    let dir = temp_dir("infer_ids");
    let f = write(&dir, "ids.csv", "code,x\n00042,1\n42,2\n007,3\n");
    let (stdout, _) = case("profile_csv", &[&f, "--json"], 0, &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["columns"][0]["type"], "categorical", "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn issue9_a_bad_target_value_names_the_file_line() {
    let dir = temp_dir("target_line");
    let mut s = String::from("x,y\n");
    for i in 0..30 {
        s.push_str(&format!("{i},{}\n", ["0", "1", "2"][i % 3]));
    }
    let f = write(&dir, "three.csv", s);
    // The first `2` is data row 2, file line 4.
    case(
        "predict",
        &["--csv", &f, "--target", "y", "--model", "logistic"],
        1,
        &["line 4", "column `y`", "`2`"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn issue9_a_non_finite_feature_names_the_line_and_column() {
    let dir = temp_dir("inf_feature");
    let mut s = String::from("x,z,y\n");
    for i in 0..30 {
        let z = if i == 7 {
            "inf".to_owned()
        } else {
            (i * 2).to_string()
        };
        s.push_str(&format!("{i},{z},{}\n", i % 2));
    }
    let f = write(&dir, "inf.csv", s);
    case(
        "predict",
        &["--csv", &f, "--target", "y", "--model", "logistic"],
        1,
        &["line 9", "`z`", "inf"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn issue9_undefined_metrics_are_null_not_zero() {
    let dir = temp_dir("undefined");
    // 2 positives in 40 rows and no signal: the model predicts no positive
    // at threshold 0.5, so precision is undefined.
    let mut s = String::from("x,y\n");
    for i in 0..40 {
        s.push_str(&format!("{},{}\n", i % 5, u8::from(i % 20 == 0)));
    }
    let f = write(&dir, "rare.csv", s);
    let (stdout, _) = case(
        "predict",
        &[
            "--csv", &f, "--target", "y", "--model", "logistic", "--json",
        ],
        0,
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["precision"].is_null(), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn issue9_finite_huge_values_are_not_shown_as_infinity() {
    let dir = temp_dir("huge_values");
    let f = write(&dir, "big.csv", "a\n1e308\n1e308\n-1e308\n");
    // Either correct (scaled) statistics or an error naming the column;
    // never an overflowed mean shown as a result.
    let out = run_with_env("profile_csv", &[f.as_str(), "--json"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    match out.status.code() {
        Some(0) => assert!(
            !stdout.contains("inf") && !stdout.contains("null"),
            "{stdout}{stderr}"
        ),
        Some(1) => assert!(stderr.contains("`a`"), "{stderr}"),
        other => panic!("exit status {other:?}: {stderr}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn implausible_dates_are_errors_with_their_line() {
    let dir = temp_dir("dates");
    for (name, date) in [
        ("future.csv", "2101-01-01"),
        ("far.csv", "9999-12-31"),
        ("ancient.csv", "0001-01-01"),
    ] {
        let mut s = tx_csv(6);
        s.push_str(&format!("C0001,{date},5\n"));
        let f = write(&dir, name, s);
        case(
            "segment",
            &seg_args(&f, &["--k", "2"]),
            1,
            &[
                date,
                "line 14, column `date`",
                "plausible date between 1900-01-01 and 2100-12-31",
            ],
        );
    }
    // Rows dated in the future (2099 in a 2024 log) would move the default
    // as-of date and make every recency decades long: an error by line.
    let mut s = tx_csv(6);
    s.push_str("C0001,2099-06-01,5\n");
    let f = write(&dir, "future_rows.csv", s);
    case(
        "segment",
        &seg_args(&f, &["--k", "2"]),
        1,
        &["line 14", "2099-06-01", "after today"],
    );
    let mut s = tx_csv(6);
    s.push_str("C0002,1899-12-31,5\n");
    let f = write(&dir, "old.csv", s);
    case(
        "repeat_purchase",
        &repeat_args(&f, &[]),
        1,
        &["line 14, column `date`", "`1899-12-31` as a plausible date"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn issue9_a_unique_text_column_is_not_one_hot_encoded() {
    let dir = temp_dir("cardinality");
    let mut s = String::from("code,calls,churn\n");
    for i in 0..300 {
        let calls = (i * 7) % 10;
        s.push_str(&format!(
            "k{i},{calls},{}\n",
            if calls >= 4 { "yes" } else { "no" }
        ));
    }
    let f = write(&dir, "codes.csv", s);
    let (stdout, _) = case(
        "predict",
        &[
            "--csv",
            &f,
            "--target",
            "churn",
            "--positive",
            "yes",
            "--model",
            "logistic",
            "--json",
        ],
        0,
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["n_features"].as_u64().unwrap() <= 30, "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- recommend -------------------------------------------------------------------
//
// `recommend` reads an interaction log (user, item, optional time and
// weight), holds out each user's most recent rows (or the rows listed in
// `--test-rows`) and evaluates a recommender on them. Every case runs on a
// tiny log written to a temporary directory. Cases marked `#[ignore]` show a
// fault of examples/recommend.rs and say what to change there.

/// `users` users with `per_user` rows each (`user,item,time,w`): even users
/// take items i0–i9, odd users i10–i19; times go 100, 101, … down each
/// user's rows and weights 1, 2, 3, 1, ….
fn rec_csv(users: usize, per_user: usize) -> String {
    let mut s = String::from("user,item,time,w\n");
    for u in 0..users {
        for t in 0..per_user {
            let item = 10 * (u % 2) + (u + t) % 10;
            s.push_str(&format!("u{u},i{item},{},{}\n", 100 + t, 1 + t % 3));
        }
    }
    s
}

/// `log` with the cell `column` (0-based) of data row `row` (0-based, so
/// file line `row + 2`) replaced by `value`.
fn rec_edit(log: &str, row: usize, column: usize, value: &str) -> String {
    let mut lines: Vec<String> = log.lines().map(str::to_owned).collect();
    let mut cells: Vec<&str> = lines[row + 1].split(',').collect();
    cells[column] = value;
    lines[row + 1] = cells.join(",");
    lines.join("\n") + "\n"
}

fn rec_args<'a>(file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "--interactions",
        file,
        "--user-col",
        "user",
        "--item-col",
        "item",
    ];
    a.extend_from_slice(extra);
    a
}

/// The names of the files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A failing `recommend` run: the exit status, the key words, one error
/// line and no report on stdout, and no file written next to the inputs.
fn rec_fails_env(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    code: i32,
    words: &[&str],
) -> String {
    let before = files_in(dir);
    let (stdout, stderr) = case_env("recommend", args, env, code, words);
    assert!(
        stdout.is_empty(),
        "recommend {args:?} failed but printed a report:\n{stdout}"
    );
    assert!(
        stderr.starts_with("recommend: error: "),
        "recommend {args:?}: {stderr}"
    );
    assert_eq!(files_in(dir), before, "recommend {args:?} wrote a file");
    stderr
}

fn rec_fails(dir: &Path, args: &[&str], code: i32, words: &[&str]) -> String {
    rec_fails_env(dir, args, &[], code, words)
}

/// A successful `recommend` run's report.
fn rec_report(args: &[&str]) -> String {
    case("recommend", args, 0, &[]).0
}

#[test]
fn recommend_flag_values_are_checked_and_name_the_flag() {
    let dir = temp_dir("rec_flags");
    let f = write(&dir, "log.csv", rec_csv(12, 8));
    for (extra, words) in [
        (&["--k", "0"][..], &["--k must be at least 1"][..]),
        (&["--k", "abc"], &["--k", "'abc'"]),
        (&["--k", "-3"], &["--k", "'-3'"]),
        (&["--k", "1.5"], &["--k", "'1.5'"]),
        (
            &["--k", "99999999999999999999999"],
            &["--k", "'99999999999999999999999'", "too large"],
        ),
        (
            &["--model", "knn"],
            &[
                "--model",
                "'knn'",
                "popularity, itemknn, rp3beta, ease, als, bpr",
            ],
        ),
        (&["--threads", "0"], &["--threads must be in 1..=1024"]),
        (&["--threads", "5000"], &["--threads must be in 1..=1024"]),
        (&["--threads", "two"], &["--threads", "'two'"]),
        (&["--seed", "x"], &["--seed", "'x'"]),
        (&["--min-weight", "1"], &["--min-weight needs --weight-col"]),
        (
            &["--min-weight", "abc", "--weight-col", "w"],
            &["--min-weight", "'abc'"],
        ),
        (&["--k", "--json"], &["--k needs a value, found --json"]),
        (&["--tune", "yes"], &["yes"]),
    ] {
        rec_fails(&dir, &rec_args(&f, extra), 2, words);
    }
    rec_fails(
        &dir,
        &["--interactions", &f, "--user-col", "user"],
        2,
        &["--interactions needs --user-col and --item-col"],
    );
    rec_fails(
        &dir,
        &["--test-rows", &f],
        2,
        &["--test-rows need --interactions FILE"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_empty_files_and_missing_columns() {
    let dir = temp_dir("rec_files");
    let empty = write(&dir, "empty.csv", "");
    let f = write(&dir, "log.csv", rec_csv(12, 8));
    rec_fails(
        &dir,
        &rec_args(&empty, &[]),
        1,
        &["--interactions", "empty.csv", "the file is empty"],
    );
    // A missing id column is named, with the file and the columns there are.
    for (user, item) in [("customer", "item"), ("user", "sku")] {
        let args = ["--interactions", &f, "--user-col", user, "--item-col", item];
        let missing = if user == "user" { item } else { user };
        let e = rec_fails(
            &dir,
            &args,
            1,
            &[
                "log.csv",
                &format!("unknown column `{missing}`"),
                "available columns: user, item, time, w",
            ],
        );
        // named once, at the start of the message
        assert_eq!(e.matches("log.csv").count(), 1, "{e}");
        assert!(e.starts_with(&format!("recommend: error: {f}: ")), "{e}");
    }
    for (flag, missing) in [("--time-col", "when"), ("--weight-col", "qty")] {
        rec_fails(
            &dir,
            &rec_args(&f, &[flag, missing]),
            1,
            &[
                "log.csv",
                &format!("unknown column `{missing}`"),
                "available columns: user, item, time, w",
            ],
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]

fn recommend_a_header_only_file_is_named() {
    let dir = temp_dir("rec_header_only");
    let header = write(&dir, "header.csv", "user,item,time,w\n");
    rec_fails(
        &dir,
        &rec_args(&header, &[]),
        1,
        &["header.csv", "no data rows"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_bad_weights_name_the_line_the_column_and_the_value() {
    let dir = temp_dir("rec_weights");
    let log = rec_csv(12, 8);
    // Data row 4 is file line 6.
    for (name, bad, words) in [
        (
            "neg.csv",
            "-2",
            &[
                "neg.csv, line 6",
                "column `w`",
                "weight -2",
                "finite and ≥ 0",
            ][..],
        ),
        (
            "inf.csv",
            "inf",
            &["inf.csv, line 6", "column `w`", "weight inf"],
        ),
        (
            "nan.csv",
            "NaN",
            &["nan.csv, line 6", "column `w` is missing a weight"],
        ),
        (
            "blank.csv",
            "",
            &["blank.csv, line 6", "column `w` is missing a weight"],
        ),
        (
            "text.csv",
            "lots",
            &["text.csv", "column `w`", "`lots` at line 6"],
        ),
    ] {
        let f = write(&dir, name, rec_edit(&log, 4, 3, bad));
        rec_fails(&dir, &rec_args(&f, &["--weight-col", "w"]), 1, words);
    }
    // Finite in the file but past f32's range once stored.
    let f = write(&dir, "huge.csv", rec_edit(&log, 4, 3, "1e308"));
    rec_fails(
        &dir,
        &rec_args(&f, &["--weight-col", "w"]),
        1,
        &["huge.csv, line 6", "column `w`", "f32's range"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]

fn recommend_a_weight_past_f32_names_its_file_line() {
    let dir = temp_dir("rec_weight_f32");
    let f = write(&dir, "huge.csv", rec_edit(&rec_csv(12, 8), 4, 3, "1e308"));
    rec_fails(
        &dir,
        &rec_args(&f, &["--weight-col", "w"]),
        1,
        &["huge.csv, line 6", "column `w`", "1e308"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_reports_merged_duplicates_and_rows_below_min_weight() {
    let dir = temp_dir("rec_counts");
    let mut log = rec_csv(12, 8);
    // Two repeated (user, item) pairs, old enough to be training rows.
    log.push_str("u0,i1,50,1\nu3,i13,51,2\n");
    let f = write(&dir, "dup.csv", &log);
    let out = rec_report(&rec_args(
        &f,
        &["--time-col", "time", "--model", "popularity"],
    ));
    assert!(
        out.contains("98 rows kept (0 below --min-weight)")
            && out.contains("(2 rows merged into repeated pairs)")
            && out.contains("12 test rows"),
        "{out}"
    );
    // --min-weight 2 leaves out every row of weight 1, and says how many.
    let below = log.lines().skip(1).filter(|l| l.ends_with(",1")).count();
    assert!(below > 0);
    let out = rec_report(&rec_args(
        &f,
        &[
            "--time-col",
            "time",
            "--weight-col",
            "w",
            "--min-weight",
            "2",
            "--model",
            "popularity",
        ],
    ));
    assert!(
        out.contains(&format!(
            "{} rows kept ({below} below --min-weight)",
            98 - below
        )),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]

fn recommend_json_counts_what_was_merged_left_out_and_not_evaluated() {
    let dir = temp_dir("rec_json_counts");
    let mut log = rec_csv(12, 8);
    log.push_str("u0,i1,50,2\nu3,i13,51,2\nshort,i1,1,2\n");
    let f = write(&dir, "dup.csv", &log);
    let out = rec_report(&rec_args(
        &f,
        &[
            "--time-col",
            "time",
            "--weight-col",
            "w",
            "--min-weight",
            "2",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let below = log.lines().skip(1).filter(|l| l.ends_with(",1")).count();
    assert_eq!(
        v["rows_below_min_weight"].as_u64(),
        Some(below as u64),
        "{out}"
    );
    assert!(v["rows_merged"].as_u64().is_some_and(|m| m >= 1), "{out}");
    assert!(
        v["users_not_evaluated"].as_u64().is_some_and(|n| n >= 1),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_ease_refuses_a_catalogue_over_its_cap_or_the_memory_budget() {
    let dir = temp_dir("rec_ease");
    // 2,100 users × 5 rows of their own items, then one item of the next
    // user's (a test row in the catalogue): 10,500 items in training.
    let mut s = String::from("user,item,time\n");
    for u in 0..2100 {
        for t in 0..5 {
            s.push_str(&format!("u{u},i{},{t}\n", u * 5 + t));
        }
        s.push_str(&format!("u{u},i{},9\n", ((u + 1) % 2100) * 5));
    }
    let big = write(&dir, "big.csv", s);
    rec_fails(
        &dir,
        &rec_args(&big, &["--time-col", "time", "--model", "ease"]),
        1,
        &[
            "EASE",
            "the catalogue has 10500 items, above max_items = 10000",
            "ItemKnn or Rp3Beta",
        ],
    );
    // 20 items: EASE's 3 item × item matrices (9.4 KiB) are over a 4 KiB
    // budget, the interaction matrix is not.
    let small = write(&dir, "small.csv", rec_csv(12, 8));
    rec_fails_env(
        &dir,
        &rec_args(&small, &["--model", "ease"]),
        &[("UA_MEMORY_BUDGET", "4K")],
        1,
        &[
            "EASE",
            "item × item matrices needs 9.4 KiB",
            "UA_MEMORY_BUDGET",
        ],
    );
    // The interaction matrix itself over a 1 KiB budget: 84 training rows,
    // each a (u32, usize) pair, an index, a value and two offsets.
    let per_row = std::mem::size_of::<(u32, usize)>() + 4 + 4 + 2 * 4;
    let need = user_analytics::tensor::budget::human_bytes((84 * per_row) as u128);
    rec_fails_env(
        &dir,
        &rec_args(&small, &["--model", "popularity"]),
        &[("UA_MEMORY_BUDGET", "1K")],
        1,
        &[
            &format!("the interaction matrix needs {need} (84 values)"),
            "UA_MEMORY_BUDGET",
        ],
    );
    let (out, _) = case_env(
        "recommend",
        &rec_args(&small, &["--model", "popularity"]),
        &[("UA_MEMORY_BUDGET", "4K")],
        0,
        &[],
    );
    assert!(out.contains("users evaluated 12"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]

fn recommend_k_above_the_catalogue_is_refused() {
    let dir = temp_dir("rec_k");
    let f = write(&dir, "log.csv", rec_csv(12, 8));
    rec_fails(
        &dir,
        &rec_args(&f, &["--k", "18446744073709551615"]),
        2,
        &["--k", "18446744073709551615", "20 items"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_test_rows_files_are_checked() {
    let dir = temp_dir("rec_test_rows");
    let f = write(&dir, "log.csv", rec_csv(12, 8)); // 96 data rows
    let good = write(&dir, "good.csv", "row\n7\n15\n23\n");
    let out = rec_report(&rec_args(
        &f,
        &["--test-rows", &good, "--model", "popularity"],
    ));
    assert!(
        out.contains("3 test rows") && out.contains("users evaluated 3"),
        "{out}"
    );
    for (name, body, words) in [
        (
            "range.csv",
            "row\n7\n96\n",
            &["--test-rows", "range.csv, line 3", "96", "(0..96)"][..],
        ),
        (
            "neg.csv",
            "row\n-1\n",
            &["--test-rows", "neg.csv, line 2", "-1", "(0..96)"],
        ),
        (
            "frac.csv",
            "row\n2.5\n",
            &["--test-rows", "frac.csv, line 2", "2.5", "(0..96)"],
        ),
        (
            "text.csv",
            "row\n3\nseven\n",
            &[
                "--test-rows",
                "text.csv",
                "`seven` at line 3",
                "expected one column `row`",
            ],
        ),
        (
            "header.csv",
            "index\n3\n",
            &[
                "--test-rows",
                "header.csv",
                "unknown column `row`",
                "available columns: index",
            ],
        ),
        (
            "zero.csv",
            "",
            &["--test-rows", "zero.csv", "unknown column `row`"],
        ),
        // Header only: no test rows, so nothing to evaluate.
        (
            "only.csv",
            "row\n",
            &["log.csv", "96 training and 0 test interactions"],
        ),
        // All of u0's rows: the test user is unknown to training.
        (
            "u0.csv",
            "row\n0\n1\n2\n3\n4\n5\n6\n7\n",
            &["log.csv", "88 training and 0 test interactions"],
        ),
    ] {
        let p = write(&dir, name, body);
        rec_fails(&dir, &rec_args(&f, &["--test-rows", &p]), 1, words);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]

fn recommend_test_rows_repeated_or_bad_are_reported_plainly() {
    let dir = temp_dir("rec_test_rows_dup");
    let f = write(&dir, "log.csv", rec_csv(12, 8));
    let p = write(&dir, "dup.csv", "row\n7\n15\n7\n");
    rec_fails(
        &dir,
        &rec_args(&f, &["--test-rows", &p]),
        1,
        &["--test-rows", "dup.csv, line 4", "7"],
    );
    let p = write(&dir, "range.csv", "row\n96\n");
    let e = rec_fails(&dir, &rec_args(&f, &["--test-rows", &p]), 1, &["line 2"]);
    assert!(!e.contains("Some("), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_time_column_bad_values_name_the_line_and_value() {
    let dir = temp_dir("rec_time");
    let log = rec_csv(12, 8);
    let f = write(&dir, "frac.csv", rec_edit(&log, 3, 2, "103.5"));
    rec_fails(
        &dir,
        &rec_args(&f, &["--time-col", "time"]),
        1,
        &[
            "frac.csv, line 5",
            "column `time`",
            "time 103.5 is not a whole number",
        ],
    );
    let f = write(&dir, "gap.csv", rec_edit(&log, 8, 2, ""));
    rec_fails(
        &dir,
        &rec_args(&f, &["--time-col", "time"]),
        1,
        &["gap.csv, line 10", "column `time` is missing a time"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]

fn recommend_an_unparseable_time_names_its_line_and_value() {
    let dir = temp_dir("rec_time_text");
    let f = write(
        &dir,
        "text.csv",
        rec_edit(&rec_csv(12, 8), 3, 2, "yesterday"),
    );
    rec_fails(
        &dir,
        &rec_args(&f, &["--time-col", "time"]),
        1,
        &["text.csv", "line 5", "`time`", "yesterday"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_with_no_user_to_evaluate_is_a_clear_error() {
    let dir = temp_dir("rec_nobody");
    // Every user has 4 rows: below the 5 a user needs to be split.
    let f = write(&dir, "short.csv", rec_csv(12, 4));
    for extra in [&["--time-col", "time"][..], &[], &["--json"]] {
        rec_fails(
            &dir,
            &rec_args(&f, extra),
            1,
            &["short.csv: 48 training and 0 test interactions", "≥ 5 rows"],
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]

fn recommend_counts_the_users_too_short_to_evaluate() {
    let dir = temp_dir("rec_short_users");
    let mut log = rec_csv(12, 8);
    log.push_str("s1,i1,1,1\ns1,i2,2,1\ns2,i3,1,1\n");
    let f = write(&dir, "log.csv", &log);
    let out = rec_report(&rec_args(&f, &["--time-col", "time"]));
    assert!(out.contains("users evaluated 12"), "{out}");
    assert!(
        out.contains("2 users with fewer than 5 rows not evaluated"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recommend_serving_refuses_wrong_files_unknown_users_and_bad_flags() {
    let dir = temp_dir("rec_serve");
    let f = write(&dir, "log.csv", rec_csv(12, 8));
    let model = dir.join("model.json").display().to_string();
    let out = rec_report(&rec_args(&f, &["--model", "popularity", "--save", &model]));
    assert!(out.contains(&format!("saved {model}")), "{out}");
    // Another kind of model file: the envelope says what it holds.
    let km = KMeans::new(1)
        .fit(array![[0.0f64, 1.0], [1.0, 0.0]].view())
        .unwrap();
    let km_path = dir.join("kmeans.json");
    km.save(&km_path).unwrap();
    let km_path = km_path.display().to_string();
    rec_fails(
        &dir,
        &["--load", &km_path, "--user", "u0"],
        1,
        &[
            "--load",
            "kmeans.json",
            "kmeans",
            "expected ua-analytics/id-recommender",
        ],
    );
    // Truncated, not JSON, and an id-recommender whose model is unknown.
    let text = std::fs::read_to_string(&model).unwrap();
    let cut = write(&dir, "cut.json", &text[..text.len() / 2]);
    rec_fails(
        &dir,
        &["--load", &cut, "--user", "u0"],
        1,
        &[
            "--load",
            "cut.json",
            "not a readable user-analytics model file",
        ],
    );
    let csv_as_model = write(&dir, "model.csv", "user,item\nu0,i1\n");
    rec_fails(
        &dir,
        &["--load", &csv_as_model, "--user", "u0"],
        1,
        &["--load", "model.csv", "not a readable"],
    );
    let odd = write(&dir, "odd.json", text.replace("\"counts\"", "\"tallies\""));
    rec_fails(
        &dir,
        &["--load", &odd, "--user", "u0"],
        1,
        &[
            "--load",
            "odd.json",
            "an id-recommender file whose model is none of popularity, itemknn",
        ],
    );
    let missing = dir.join("nope.json").display().to_string();
    rec_fails(
        &dir,
        &["--load", &missing, "--user", "u0"],
        1,
        &["--load", "nope.json", "cannot open"],
    );
    let d = dir.display().to_string();
    rec_fails(
        &dir,
        &["--load", &d, "--user", "u0"],
        2,
        &["--load", "is a directory"],
    );
    // Unknown users: an error naming the id unless --fallback popular.
    rec_fails(
        &dir,
        &["--load", &model, "--user", "u0", "--user", "00u0"],
        1,
        &[
            "--user 00u0: unknown user",
            "knows 12 users",
            "--fallback popular",
        ],
    );
    // Flags: serving needs a request, fitting flags do not mix with --load,
    // serving flags need it, and values are checked.
    for (args, words) in [
        (
            vec!["--load", model.as_str()],
            vec!["--load needs --user ID"],
        ),
        (
            vec!["--load", model.as_str(), "--user", "u0", "--model", "als"],
            vec!["--model is for fitting a model", "with --load"],
        ),
        (
            vec!["--load", model.as_str(), "--user", "u0", "--tune"],
            vec!["--tune is for fitting a model"],
        ),
        (
            vec!["--user", "u0"],
            vec!["--user serves a saved model and needs --load FILE"],
        ),
        (
            vec![
                "--load",
                model.as_str(),
                "--user",
                "u0",
                "--fallback",
                "maybe",
            ],
            vec!["--fallback", "'maybe'", "error, popular"],
        ),
        (
            vec!["--load", model.as_str(), "--history", ",,"],
            vec!["--history needs at least one item id"],
        ),
        (
            vec!["--load", model.as_str(), "--user", ""],
            vec!["--user needs a user id"],
        ),
        (
            vec!["--load", model.as_str(), "--user", "u0", "--k", "21"],
            vec!["--k 21 is more than the catalogue's 20 items"],
        ),
    ] {
        rec_fails(&dir, &args, 2, &words);
    }
    // --max-items: EASE only, at least 1; --force only with --save.
    rec_fails(
        &dir,
        &rec_args(&f, &["--model", "ease", "--max-items", "0"]),
        2,
        &["--max-items must be at least 1"],
    );
    rec_fails(
        &dir,
        &rec_args(&f, &["--model", "itemknn", "--max-items", "50"]),
        2,
        &["--max-items applies to --model ease, not to itemknn"],
    );
    rec_fails(
        &dir,
        &rec_args(&f, &["--model", "ease", "--max-items", "lots"]),
        2,
        &["--max-items", "'lots'"],
    );
    rec_fails(
        &dir,
        &rec_args(&f, &["--force"]),
        2,
        &["--force only applies to --save FILE"],
    );
    // --save over an input or an existing file (no --force) is refused
    // before any work.
    rec_fails(
        &dir,
        &rec_args(&f, &["--save", &f]),
        2,
        &["--save", "is the input given to --interactions"],
    );
    rec_fails(
        &dir,
        &rec_args(&f, &["--save", &model]),
        2,
        &["--save", "model.json already exists; pass --force"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- risk ------------------------------------------------------------------

/// `n` accounts: `bad` = the first of every 10 (large, fast orders), an id.
fn accounts_csv(n: usize) -> String {
    let mut s = String::from("account,orders_1h,amount,bad\n");
    for i in 0..n {
        let bad = i % 10 == 0;
        let (orders, amount) = if bad {
            (7 + i % 3, 400.0)
        } else {
            (i % 3, 20.0 + (i % 17) as f64)
        };
        s.push_str(&format!("a{i:04},{orders},{amount},{}\n", u8::from(bad)));
    }
    s
}

#[test]
fn risk_refuses_bad_flags_and_bad_labels_with_clear_errors() {
    let dir = temp_dir("risk_flags");
    let csv = write(&dir, "accounts.csv", accounts_csv(200));
    for budget in ["0", "1.5", "-0.1"] {
        case(
            "risk",
            &["--csv", &csv, "--budget", budget],
            2,
            &["--budget", "(0, 1]"],
        );
    }
    case(
        "risk",
        &["--csv", &csv, "--model", "svm"],
        2,
        &["--model", "\"svm\""],
    );
    case(
        "risk",
        &["--csv", &csv, "--model", "supervised"],
        2,
        &["--model supervised needs --label"],
    );
    case("risk", &["--label", "bad"], 2, &["need --csv"]);
    case(
        "risk",
        &["--csv", &csv, "--label", "fraud"],
        2,
        &["--label column `fraud`", "account, orders_1h"],
    );
    case(
        "risk",
        &["--csv", &csv, "--id-col", "acct"],
        2,
        &["--id-col column `acct`"],
    );
    // One class: all rows good.
    let good = write(&dir, "good.csv", "orders,bad\n1,0\n2,0\n3,0\n");
    case(
        "risk",
        &["--csv", &good, "--label", "bad"],
        1,
        &["label `bad` has one class", "0 of 3"],
    );
    case(
        "risk",
        &["--csv", &csv, "--label", "bad", "--positive", "yes"],
        1,
        &["bad", "yes"],
    );
    // Every feature column dropped.
    case(
        "risk",
        &[
            "--csv",
            &csv,
            "--label",
            "bad",
            "--drop",
            "orders_1h,amount",
            "--id-col",
            "account",
        ],
        1,
        &["no feature column"],
    );
}

#[test]
fn risk_names_the_line_of_a_non_finite_value_and_reports_imputed_ones() {
    let dir = temp_dir("risk_values");
    let mut text = accounts_csv(100);
    text = text.replacen("a0003,0,23", "a0003,0,inf", 1);
    let inf = write(&dir, "inf.csv", &text);
    case(
        "risk",
        &["--csv", &inf, "--label", "bad"],
        1,
        &["line 5", "column `amount`", "not finite"],
    );
    let text = accounts_csv(100).replacen("a0003,0,23", "a0003,0,", 1);
    let gap = write(&dir, "gap.csv", &text);
    let (out, _) = case(
        "risk",
        &["--csv", &gap, "--label", "bad", "--id-col", "account"],
        0,
        &[],
    );
    assert!(
        out.contains("imputed: 1 missing value(s) of `amount`"),
        "{out}"
    );
    let (json, _) = case(
        "risk",
        &[
            "--csv", &gap, "--label", "bad", "--id-col", "account", "--json",
        ],
        0,
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["imputed_values"], 1, "{json}");
}

#[test]
fn risk_says_when_psi_is_clamped_and_when_ids_repeat() {
    let dir = temp_dir("risk_small");
    let text = accounts_csv(50)
        .replacen("a0002,", "a0001,", 1)
        .replacen("a0004,", "a0001,", 1);
    let csv = write(&dir, "small.csv", &text);
    let (out, _) = case(
        "risk",
        &[
            "--csv", &csv, "--label", "bad", "--id-col", "account", "--model", "iforest",
        ],
        0,
        &[],
    );
    assert!(
        out.contains("ψ = 256 was clamped to the 40 training rows"),
        "{out}"
    );
    assert!(out.contains("2 row(s) repeat an id"), "{out}");
}

#[test]
fn risk_checks_its_test_rows() {
    let dir = temp_dir("risk_rows");
    let csv = write(&dir, "accounts.csv", accounts_csv(100));
    let far = write(&dir, "far.csv", "row\n3\n100\n");
    case(
        "risk",
        &["--csv", &csv, "--label", "bad", "--test-rows", &far],
        1,
        &["line 3", "out of range"],
    );
    // Test rows of one class cannot be evaluated.
    let good = write(&dir, "good.csv", "row\n1\n2\n3\n");
    case(
        "risk",
        &["--csv", &csv, "--label", "bad", "--test-rows", &good],
        1,
        &["evaluating the 3 test rows"],
    );
}
