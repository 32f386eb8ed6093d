//! The `clv` example (issue 12) run as a subprocess: its flags, its output
//! files, its JSON keys and its bad inputs — a calibration end before the
//! first transaction, customers with one purchase only, negative or missing
//! amounts, unreadable dates. Every case asserts the exit status, that
//! nothing panicked, and the key words of the message.
//!
//! `cargo test` builds the examples before it runs this file; running only
//! this file after changing the example needs `cargo build --examples` first.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use user_analytics::data::date::{format_date, parse_date};

fn example() -> PathBuf {
    common::example("clv")
}

fn temp_dir(test: &str) -> PathBuf {
    common::temp_dir("clv", test)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Runs `clv args`, checks the exit status, no panic, and that every word
/// is in stderr (or stdout for status 0). Returns (stdout, stderr).
fn case(args: &[&str], code: i32, words: &[&str]) -> (String, String) {
    let out = Command::new(example())
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "clv {args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "clv {args:?} panicked: {stderr}"
    );
    let text = if code == 0 { &stdout } else { &stderr };
    for w in words {
        assert!(text.contains(w), "clv {args:?}: {w:?} not in\n{text}");
    }
    (stdout, stderr)
}

/// A 1997 log of `n` customers: first purchase in January–March, then up
/// to `c % 8` repeat purchases at irregular gaps of 7 to 66 days, amounts varying;
/// and customer `Z`, whose only purchase on 1997-12-31 ends the log.
fn log(n: usize) -> String {
    let start = parse_date("1997-01-01").unwrap();
    let mut s = String::from("customer,date,amount\nZ,1997-12-31,1.00\n");
    for c in 0..n {
        let first = start + (c * 13 % 90) as i32;
        let mut day = first;
        for k in 0..=(c % 8) {
            if day > start + 364 {
                break;
            }
            s.push_str(&format!(
                "C{c:04},{},{}.50\n",
                format_date(day),
                5 + (c * 7 + k * 3) % 40
            ));
            day += (7 + (c * 31 + k * 17) % 60) as i32;
        }
    }
    s
}

fn args<'a>(file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "--transactions",
        file,
        "--customer-col",
        "customer",
        "--date-col",
        "date",
        "--amount-col",
        "amount",
        "--calibration-end",
        "1997-06-30",
    ];
    a.extend_from_slice(extra);
    a
}

#[test]
fn help_lists_the_defaults_and_unknown_flags_are_usage_errors() {
    let (stdout, _) = case(&["--help"], 0, &["usage: clv", "Exit status"]);
    for d in [
        "(default 365)",
        "(default 0.01)",
        "(default 30)",
        "(default bgnbd)",
    ] {
        assert!(stdout.contains(d), "{d} not in {stdout}");
    }
    case(&["--bogus"], 2, &["unknown flag --bogus"]);
}

#[test]
fn flag_values_are_checked_and_name_the_flag() {
    let dir = temp_dir("flags");
    let f = write(&dir, "tx.csv", &log(40));
    for (extra, words) in [
        (
            &["--horizon-days", "-5"][..],
            &["--horizon-days must be"][..],
        ),
        (&["--discount", "abc"], &["--discount"]),
        (&["--discount", "-0.5"], &["--discount must be a rate"]),
        (&["--period-days", "0"], &["--period-days must be"]),
        (&["--l2", "NaN"], &["--l2", "not a finite number"]),
        (
            &["--model", "pareto"],
            &["--model must be bgnbd or mbgnbd", "pareto"],
        ),
        (
            &["--holdout-end", "1997-05-01"],
            &["--holdout-end (1997-05-01) must be after --calibration-end (1997-06-30)"],
        ),
        (
            &["--holdout-end", "1997-13-40"],
            &["--holdout-end", "is not a date"],
        ),
    ] {
        case(&args(&f, extra), 2, words);
    }
    // Flags of the file go together.
    case(
        &["--transactions", &f, "--calibration-end", "1997-06-30"],
        2,
        &["go together"],
    );
    case(&["--holdout-end", "1997-12-31"], 2, &["go together"]);
}

#[test]
fn cut_offs_outside_the_data_are_usage_errors_giving_the_range() {
    let dir = temp_dir("cutoffs");
    let f = write(&dir, "tx.csv", &log(40));
    let mut a = args(&f, &[]);
    a[9] = "1996-12-01";
    case(
        &a,
        2,
        &[
            "--calibration-end 1996-12-01 must be within the transaction dates",
            "before the first transaction leaves no customer",
            "runs 1997-01-01 ..",
        ],
    );
    case(
        &args(&f, &["--holdout-end", "1999-01-01"]),
        2,
        &["--holdout-end 1999-01-01 is after the last transaction date"],
    );
}

#[test]
fn bad_values_name_the_file_line_and_column() {
    let dir = temp_dir("values");
    let good = log(40);
    let mut lines: Vec<&str> = good.lines().collect();
    lines[5] = "C0002,1997-02-30,5.00";
    let f = write(&dir, "date.csv", &(lines.join("\n") + "\n"));
    let (_, e) = case(&args(&f, &[]), 1, &["line 6"]);
    assert!(e.contains("date") && e.contains("1997-02-30"), "{e}");
    let mut lines: Vec<&str> = good.lines().collect();
    lines[7] = "C0003,1997-02-03,lots";
    let f = write(&dir, "amount.csv", &(lines.join("\n") + "\n"));
    let (_, e) = case(&args(&f, &[]), 1, &["line 8"]);
    assert!(e.contains("amount") && e.contains("lots"), "{e}");
    let mut lines: Vec<&str> = good.lines().collect();
    lines[3] = "C0001,1997-01-14,";
    let f = write(&dir, "missing.csv", &(lines.join("\n") + "\n"));
    let (_, e) = case(&args(&f, &[]), 1, &["line 4"]);
    assert!(e.contains("amount") && e.contains("missing"), "{e}");
    let f = write(&dir, "empty.csv", "");
    case(&args(&f, &[]), 1, &["is empty"]);
    let f = write(&dir, "header.csv", "customer,date,amount\n");
    case(&args(&f, &[]), 1, &["no data rows"]);
    let f = write(&dir, "cols.csv", &good.replace("amount", "value"));
    case(&args(&f, &[]), 1, &["amount"]);
}

#[test]
fn one_purchase_customers_only_is_a_clear_error_from_the_spend_model() {
    let dir = temp_dir("single");
    let mut s = String::from("customer,date,amount\n");
    for c in 0..30 {
        s.push_str(&format!("C{c},1997-01-{:02},10\n", 1 + c % 28));
    }
    s.push_str("C99,1997-12-31,10\n");
    let f = write(&dir, "tx.csv", &s);
    case(
        &args(&f, &[]),
        1,
        &[
            "GammaGamma::fit",
            "0 customer(s) with x > 0 and spend > 0",
            "30 without repeat purchases",
        ],
    );
}

#[test]
fn negative_spend_customers_are_left_out_of_the_spend_model_and_counted() {
    let dir = temp_dir("refund");
    let mut s = log(60);
    // Customer R: a purchase, then a refund larger than the repeat purchase.
    s.push_str("R1,1997-01-05,30\nR1,1997-02-05,10\nR1,1997-02-05,-25\n");
    let f = write(&dir, "tx.csv", &s);
    let (out, _) = case(
        &args(&f, &["--holdout-end", "1997-12-31"]),
        0,
        &["1 with mean repeat spend ≤ 0", "holdout (184 days)"],
    );
    assert!(out.contains("without repeat purchases"), "{out}");
    let (json, _) = case(&args(&f, &["--json"]), 0, &[]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["gamma_gamma"]["excluded_nonpositive_spend"], 1);
    assert_eq!(v["customers"], 61);
}

#[test]
fn json_keys_of_issue_12_and_nulls_without_a_holdout() {
    let dir = temp_dir("json");
    let f = write(&dir, "tx.csv", &log(80));
    let (out, _) = case(
        &args(&f, &["--holdout-end", "1997-12-31", "--json"]),
        0,
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for k in [
        "customers",
        "holdout_mae",
        "holdout_rmse",
        "roc_auc_buys_again",
        "fit_seconds",
    ] {
        assert!(v.get(k).is_some(), "{k} missing in {out}");
    }
    for k in ["r", "alpha", "a", "b", "log_likelihood", "converged"] {
        assert!(v["bgnbd"].get(k).is_some(), "bgnbd.{k} missing in {out}");
    }
    for k in ["p", "q", "v"] {
        assert!(v["gamma_gamma"][k].as_f64().unwrap() > 0.0, "{out}");
    }
    assert_eq!(v["customers"], 80);
    assert!(v["holdout_mae"].as_f64().unwrap() >= 0.0);
    assert!(v["holdout_rmse"].as_f64().unwrap() >= v["holdout_mae"].as_f64().unwrap());
    let (out, _) = case(&args(&f, &["--json"]), 0, &[]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["holdout_mae"].is_null() && v["roc_auc_buys_again"].is_null(),
        "{out}"
    );
}

#[test]
fn the_output_csv_has_one_row_per_customer_and_never_overwrites_an_input() {
    let dir = temp_dir("output");
    let f = write(&dir, "tx.csv", &log(50));
    let out = dir.join("clv.csv").display().to_string();
    case(
        &args(&f, &["--holdout-end", "1997-12-31", "--output", &out]),
        0,
        &[&out],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "customer,frequency,recency,T,mean_repeat_spend,p_alive,expected_purchases,\
         expected_average_spend,clv,holdout_purchases,expected_holdout_purchases,\
         p_buys_again_holdout"
    );
    assert_eq!(lines.count(), 50);
    case(
        &args(&f, &["--output", &out]),
        2,
        &["already exists; pass --force"],
    );
    case(&args(&f, &["--output", &out, "--force"]), 0, &[]);
    case(
        &args(&f, &["--output", &f, "--force"]),
        2,
        &["is the input given to --transactions"],
    );
    assert!(
        std::fs::read_to_string(&f)
            .unwrap()
            .starts_with("customer,date,amount")
    );
}

#[test]
fn without_arguments_it_runs_on_the_synthetic_shop() {
    let (out, _) = case(&["--json"], 0, &[]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["customers"].as_u64().unwrap() > 100, "{out}");
    assert_eq!(v["bgnbd"]["converged"], true, "{out}");
    assert!(v["holdout_mae"].as_f64().is_some(), "{out}");
    let auc = v["roc_auc_buys_again"].as_f64().unwrap();
    assert!(auc > 0.6, "{out}");
}

#[test]
fn a_fit_that_does_not_converge_is_reported_not_silent() {
    // Every customer buys at a fixed gap: no heterogeneity, so the BG/NBD
    // likelihood keeps rising towards the edge of the parameter space and
    // the optimiser stops without meeting its gradient tolerance.
    let dir = temp_dir("edge");
    let start = parse_date("1997-01-01").unwrap();
    let mut s = String::from("customer,date,amount\nZ,1997-12-31,1.00\n");
    for c in 0..80usize {
        let first = start + (c * 13 % 90) as i32;
        for k in 0..=(c % 6) {
            let day = first + (k * (9 + c % 23)) as i32;
            s.push_str(&format!(
                "C{c:04},{},{}.50\n",
                format_date(day),
                5 + (c * 7 + k * 3) % 40
            ));
        }
    }
    let f = write(&dir, "tx.csv", &s);
    let (out, err) = case(
        &args(&f, &["--holdout-end", "1997-12-31"]),
        0,
        &["NOT converged"],
    );
    assert!(
        err.contains("clv: warning: a fit did not converge (BG/NBD:"),
        "{err}"
    );
    let (json, _) = case(&args(&f, &["--json"]), 0, &[]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["bgnbd"]["converged"], false, "{json}");
    assert!(
        out.contains("NOT converged after") && out.contains(" of 3 starts converged"),
        "{out}"
    );
}
