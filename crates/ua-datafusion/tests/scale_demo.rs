//! The `scale_demo` example end to end on a small shop: the log written as
//! monthly partitions, every customer with features scored by the engine,
//! the scores on disk as Parquet, and the planted purchase propensity found
//! on the held-out customers.

#[path = "../examples/scale_demo.rs"]
mod scale_demo;

use ua_data::arrow_io::{ParquetReadOptions, read_parquet};

fn args(extra: &[&str]) -> Vec<String> {
    extra.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_demo_scores_every_customer_of_a_small_shop() {
    let out = std::env::temp_dir().join(format!("ua_df_scale_demo_{}", std::process::id()));
    let out_s = out.to_str().unwrap();
    let a = args(&["--users", "2000", "--out", out_s, "--force", "--seed", "5"]);
    let a = scale_demo::parse_args(a.into_iter()).unwrap().unwrap();
    let s = scale_demo::run(&a).await.unwrap();

    assert!(s.partitions >= 12, "{s:?}"); // a year of orders by month
    assert!(s.orders > s.customers, "{s:?}");
    assert!(s.customers > 1_000 && s.customers <= 2_000, "{s:?}");
    assert_eq!(s.scored, s.customers, "{s:?}");
    // Every 10th customer id trains the model.
    let share = s.trained_on as f64 / s.customers as f64;
    assert!((0.07..0.13).contains(&share), "{s:?}");
    // The synthetic shop plants who buys again; RFM features find it.
    assert!(s.held_out_auc > 0.75, "{s:?}");

    // The scores on disk: one row per customer, probabilities.
    let mut rows = 0;
    for entry in std::fs::read_dir(out.join("scores")).unwrap() {
        let path = entry.unwrap().path();
        let t = read_parquet(&path, &ParquetReadOptions::default()).unwrap();
        assert_eq!(t.column_names(), ["customer", "bought_in_holdout", "score"]);
        let scores = t.numeric("score").unwrap();
        assert!(scores.values().iter().all(|p| (0.0..=1.0).contains(p)));
        rows += t.n_rows();
    }
    assert_eq!(rows, s.customers);

    // Without --force an existing output directory is kept.
    let again = args(&["--users", "2000", "--out", out_s]);
    let again = scale_demo::parse_args(again.into_iter()).unwrap().unwrap();
    let e = scale_demo::run(&again).await.unwrap_err().to_string();
    assert!(e.contains("exists; pass --force"), "{e}");
    assert!(out.join("scores").exists());
    std::fs::remove_dir_all(&out).unwrap();
}
