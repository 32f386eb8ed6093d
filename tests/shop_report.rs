//! The main example end to end (issue 13): `shop_report` runs on a small
//! synthetic shop and on the same shop written as the user's own files;
//! the page and every chart are well-formed XML with what they should
//! hold; `summary.json` holds the figures the page prints; the same seed
//! gives byte-identical files; the saved models load; bad flags are clear
//! errors.
//!
//! `cargo test` builds the example before it runs this file (running only
//! this file after changing the example needs `cargo build --examples`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use user_analytics::analytics::prediction::FittedPropensityModel;
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::tensor::persist::Persist;

fn example() -> PathBuf {
    common::example("shop_report")
}

fn temp_dir(test: &str) -> PathBuf {
    common::temp_dir("shop_report", test)
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(example())
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run shop_report");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn ok(args: &[&str]) -> (String, String) {
    let out = run(args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Every file the report lists, and the page and summary themselves.
fn files(dir: &Path) -> Vec<String> {
    summary(dir)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .chain(["summary.json".to_owned(), "index.html".to_owned()])
        .collect()
}

/// The page as XML (its `<!DOCTYPE html>` is allowed).
fn parse(html: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, opts).expect("the page is well-formed XML")
}

/// Checks the page and its charts; returns the section titles.
fn check_page(html: &str) -> Vec<String> {
    let doc = parse(html);
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"));
    assert!(!html.contains("https://"), "no network");
    let svgs: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .collect();
    assert!(svgs.len() >= 10, "{} charts", svgs.len());
    for svg in &svgs {
        assert!(
            svg.attribute("viewBox").is_some(),
            "a chart without viewBox"
        );
        assert_eq!(svg.attribute("role"), Some("img"));
        let title = svg
            .children()
            .find(|c| c.tag_name().name() == "title")
            .and_then(|t| t.text())
            .unwrap_or_default();
        assert!(!title.is_empty(), "a chart without a title");
        let width: f64 = svg
            .attribute("viewBox")
            .unwrap()
            .split_whitespace()
            .nth(2)
            .unwrap()
            .parse()
            .unwrap();
        assert!(width <= 1200.0, "{title}: {width} px wide");
    }
    doc.descendants()
        .filter(|n| n.tag_name().name() == "h2")
        .filter_map(|n| n.text().map(str::to_owned))
        .collect()
}

fn chart_titles(html: &str) -> Vec<String> {
    let doc = parse(html);
    doc.descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .filter_map(|svg| {
            svg.children()
                .find(|c| c.tag_name().name() == "title")
                .and_then(|t| t.text().map(str::to_owned))
        })
        .collect()
}

#[test]
fn the_synthetic_shop_report_is_complete_honest_and_reproducible() {
    let dir = temp_dir("synthetic");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let (stdout, stderr) = ok(&[
        "--out",
        a.to_str().unwrap(),
        "--shop-users",
        "400",
        "--seed",
        "7",
    ]);
    assert_eq!(
        stdout.trim(),
        format!("report: {}", a.join("index.html").display())
    );
    // One line per stage with its time on stderr.
    for stage in [
        "data:",
        "purchase: done (",
        "value: done (",
        "sequence: done (",
        "recommend: done (",
        "risk: done (",
        "segments: done (",
    ] {
        assert!(stderr.contains(stage), "{stage} missing in {stderr}");
    }
    let (_, quiet) = ok(&[
        "--out",
        b.to_str().unwrap(),
        "--shop-users",
        "400",
        "--seed",
        "7",
        "--quiet",
    ]);
    assert!(quiet.is_empty(), "--quiet printed {quiet}");

    // Byte-identical files from the same seed.
    let listed = files(&a);
    assert_eq!(listed, files(&b));
    for f in &listed {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two runs with seed 7");
    }

    let html = std::fs::read_to_string(a.join("index.html")).unwrap();
    let titles = check_page(&html);
    let s = summary(&a);
    let sections = s["sections"].as_object().unwrap();
    for name in sections.keys() {
        assert!(
            titles.contains(name),
            "section {name} has no heading: {titles:?}"
        );
    }
    for required in [
        "Who will buy",
        "What customers are worth",
        "Behaviour sequences",
        "What to recommend",
        "Risky accounts",
        "Customer segments",
    ] {
        assert!(sections.contains_key(required), "{required} missing");
    }
    // The figures in summary.json are the ones the page prints.
    let buy = &sections["Who will buy"];
    for model in ["logistic", "mlp"] {
        let auc = buy[format!("{model}_test")]["roc_auc"].as_f64().unwrap();
        assert!(auc > 0.6, "{model}: held-out ROC-AUC {auc}");
        assert!(
            html.contains(&format!("{auc:.3}")),
            "{model} AUC {auc:.3} not on the page"
        );
    }
    let seq = &sections["Behaviour sequences"]["roc_auc"];
    for key in ["sequence", "bag_of_events", "rfm_logistic"] {
        let auc = seq[key].as_f64().unwrap();
        assert!(
            html.contains(&format!("{auc:.3}")),
            "{key} {auc:.3} not on the page"
        );
    }
    // The charts the issue names, by words of their titles.
    let charts = chart_titles(&html);
    for wanted in [
        "ROC curve",
        "Precision and recall",
        "Cumulative gain",
        "Calibration",
        "loss per epoch",
        "Confusion matrix",
        "permutation importance",
        "Scores of the",
        "BG/NBD expected",
        "CLV over the next",
        "sequence vs bag vs RFM",
        "NDCG@10 per model",
        "Choosing the number of segments",
        "principal components",
        "RFM grid",
    ] {
        assert!(
            charts.iter().any(|t| t.contains(wanted)),
            "no chart titled …{wanted}… in {charts:?}"
        );
    }
    // Risk: at review budgets with enough fraud labels, else the forest's scores.
    assert!(
        charts
            .iter()
            .any(|t| t.contains("at each review budget")
                || t.contains("Isolation-forest risk scores")),
        "no risk chart in {charts:?}"
    );
    // The propensity pipeline comes first in name order and loads.
    let mut models: Vec<_> = listed.iter().filter(|f| f.starts_with("models/")).collect();
    models.sort();
    assert_eq!(models[0], "models/01_propensity_pipeline.json");
    FittedPropensityModel::load(a.join(models[0])).unwrap();
    let scores = std::fs::read_to_string(a.join("purchase_scores.csv")).unwrap();
    assert!(
        scores.starts_with("customer,p_buy_next_60d\n"),
        "{}",
        &scores[..60]
    );
    assert_eq!(
        scores.lines().count() - 1,
        buy["scored_customers"].as_u64().unwrap() as usize
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_users_own_files_work_with_column_flags() {
    let dir = temp_dir("files");
    let shop = generate(&ShopConfig {
        n_users: 300,
        ..ShopConfig::small()
    })
    .unwrap();
    shop.write_csvs(&dir).unwrap();
    let out = dir.join("report");
    let orders = dir.join("orders.csv");
    let events = dir.join("events.csv");
    let args = [
        "--orders",
        orders.to_str().unwrap(),
        "--user-col",
        "user_id",
        "--date-col",
        "date",
        "--amount-col",
        "amount",
        "--fraud-col",
        "is_fraud",
        "--events",
        events.to_str().unwrap(),
        "--item-col",
        "item_id",
        "--event-col",
        "event",
        "--time-col",
        "timestamp",
        "--horizon-days",
        "30",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    ok(&args);
    let s = summary(&out);
    assert!(s["source"].as_str().unwrap().contains("orders.csv"));
    assert_eq!(s["sections"]["Who will buy"]["horizon_days"], 30);
    check_page(&std::fs::read_to_string(out.join("index.html")).unwrap());

    // An event log alone: the orders are its purchase events.
    let only_events = dir.join("report_events");
    ok(&[
        "--events",
        events.to_str().unwrap(),
        "--user-col",
        "user_id",
        "--item-col",
        "item_id",
        "--event-col",
        "event",
        "--time-col",
        "timestamp",
        "--horizon-days",
        "30",
        "--out",
        only_events.to_str().unwrap(),
        "--quiet",
    ]);
    let s = summary(&only_events);
    assert!(
        s["source"]
            .as_str()
            .unwrap()
            .contains("the orders are its purchase events"),
        "{}",
        s["source"]
    );
    assert!(s["sections"]["Who will buy"]["customers"].as_u64().unwrap() > 50);

    // Orders without an amount are left out and counted, not a failure.
    let text = std::fs::read_to_string(&orders).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let amount_at = header.iter().position(|h| *h == "amount").unwrap();
    for line in lines.iter_mut().skip(1).step_by(50) {
        let mut fields: Vec<&str> = line.split(',').collect();
        fields[amount_at] = "";
        *line = fields.join(",");
    }
    let holes = dir.join("orders_holes.csv");
    std::fs::write(&holes, lines.join("\n") + "\n").unwrap();
    let out_holes = dir.join("report_holes");
    ok(&[
        "--orders",
        holes.to_str().unwrap(),
        "--user-col",
        "user_id",
        "--horizon-days",
        "30",
        "--out",
        out_holes.to_str().unwrap(),
        "--quiet",
    ]);
    let source = summary(&out_holes)["source"].as_str().unwrap().to_owned();
    let expected = (1..lines.len()).step_by(50).count();
    assert!(
        source.contains(&format!("; {expected} orders without an amount left out")),
        "{source}"
    );

    // Bad input: clear errors, no panics.
    let missing = dir.join("nope.csv");
    for (flags, code, words) in [
        (
            vec!["--shop-users", "10"],
            2,
            "--shop-users must be in 50..=200000",
        ),
        (
            vec!["--horizon-days", "0"],
            2,
            "--horizon-days must be in 1..=3650",
        ),
        (vec!["--as-of", "2024-13-01"], 2, "is not a date"),
        (vec!["--orders", missing.to_str().unwrap()], 1, "nope.csv"),
        (
            vec![
                "--events",
                events.to_str().unwrap(),
                "--purchase-event",
                "buy",
            ],
            1,
            "no `buy` event",
        ),
        (
            // Not a failure of the run: the stages that need history are
            // skipped with the reason (see the test below).
            vec!["--horizon-days", "400", "--shop-users", "60"],
            0,
            "purchase: skipped — --horizon-days 400 leaves no history",
        ),
    ] {
        let mut all = flags.clone();
        let out_dir = dir.join("bad");
        all.extend(["--out", out_dir.to_str().unwrap(), "--quiet"]);
        let o = run(&all);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{flags:?}: {stderr}");
        assert!(stderr.contains(words), "{flags:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stage_that_cannot_run_is_skipped_with_its_reason_and_the_rest_still_run() {
    // Thirty one-off orders over nine days: with the default 60-day horizon
    // there is no history for the purchase and value models, but segments
    // and risk scores can still be built.
    let dir = temp_dir("skipped");
    let orders = dir.join("orders.csv");
    let mut csv = String::from("user_id,date,amount\n");
    for i in 1..=30 {
        csv.push_str(&format!("u{i},2024-01-0{},{}.5\n", i % 9 + 1, i * 3));
    }
    std::fs::write(&orders, csv).unwrap();
    let out = dir.join("report");
    let o = run(&[
        "--orders",
        orders.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: purchase: skipped — --horizon-days 60 leaves no history"),
        "{stderr}"
    );
    assert!(stderr.contains("segments: done"), "{stderr}");
    let s = summary(&out);
    assert_eq!(s["failed_stages"], serde_json::json!(["purchase", "value"]));
    let why = s["sections"]["Who will buy"]["skipped"].as_str().unwrap();
    assert!(why.contains("the orders start 2024-01-01"), "{why}");
    assert!(s["sections"]["Customer segments"]["skipped"].is_null());
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let doc = parse(&html);
    let h2: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "h2")
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        h2[2..],
        [
            "Who will buy",
            "What customers are worth",
            "Behaviour sequences",
            "What to recommend",
            "Risky accounts",
            "Customer segments"
        ],
        "{h2:?}"
    );
    assert!(html.contains("Who will buy: skipped — --horizon-days 60"));
    // With --quiet the warning is still said: the report is incomplete.
    let o = run(&[
        "--orders",
        orders.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("value: skipped"), "{stderr}");
    assert!(!stderr.contains("segments: done"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
