//! The whole batch path on DataFusion: a synthetic shop of `--users` users
//! written as a hive-partitioned Parquet order log, RFM features built by a
//! query over it, a purchase model trained in process on a sample of the
//! customers, every customer scored by `ua_score` inside the engine, and the
//! scores written as Parquet. Prints rows/s per stage, the held-out ROC-AUC
//! of the scores and the process's peak memory.
//!
//! ```text
//! cargo run --release --manifest-path crates/ua-datafusion/Cargo.toml --example scale_demo -- \
//!     [--users 200000] [--out DIR] [--force] [--seed 42] [--sample-every 10] [--memory-limit-mb N]
//! ```
//!
//! Layout under `--out` (default `target/scale_demo`): `orders/month=YYYY-MM/part-0.parquet`
//! (the log), `features/` and `scores/` (Parquet files written by the
//! engine). An existing `--out` is replaced only with `--force`.
//!
//! The features are `ua_data::features::rfm` as a query
//! ([`ua_datafusion::rfm::rfm_features`]): history up to 90 days before
//! the last order, and the label "bought in those last 90 days". Every
//! `--sample-every`-th customer (by id) trains the pipeline (automatic
//! preprocessing + logistic regression); the next id of each group is the
//! held-out set whose ROC-AUC is printed. `--memory-limit-mb` bounds the
//! engine's memory pool (sorts and aggregations spill or fail with the
//! engine's error instead of growing without limit).

use std::path::{Path, PathBuf};
use std::time::Instant;

use datafusion::arrow::datatypes::DataType;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::*;
use ua_analytics::metrics::roc_auc;
use ua_analytics::pipeline::Pipeline;
use ua_analytics::prediction::{LogisticRegression, ModelKind};
use ua_data::Table;
use ua_data::arrow_io::{ParquetWriteOptions, write_parquet};
use ua_data::date::ymd;
use ua_data::features::rfm::RfmConfig;
use ua_data::labels::binary_labels;
use ua_data::pipeline::ColumnTransformer;
use ua_data::synth::{ShopConfig, generate};
use ua_datafusion::rfm::{RfmColumns, rfm_features};
use ua_datafusion::{collect_table, register, score_expr};
use ua_tensor::persist::Persist;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: scale_demo [--users N] [--out DIR] [--force] [--seed N] \
[--sample-every N] [--memory-limit-mb N]

  --users N            synthetic customers (default 200000)
  --out DIR            where orders/, features/ and scores/ go (default target/scale_demo)
  --force              replace an existing --out
  --seed N             seed of the synthetic shop and the model (default 42)
  --sample-every N     every N-th customer trains the model, the next one is held out (default 10)
  --memory-limit-mb N  the engine's memory pool in MiB (default: unbounded)";

/// The flags.
#[derive(Debug)]
pub struct Args {
    /// `--users`.
    pub users: usize,
    /// `--out`.
    pub out: PathBuf,
    /// `--force`.
    pub force: bool,
    /// `--seed`.
    pub seed: u64,
    /// `--sample-every`.
    pub sample_every: u64,
    /// `--memory-limit-mb`.
    pub memory_limit_mb: Option<usize>,
}

/// What a run found (also printed).
#[derive(Debug)]
pub struct Summary {
    /// Orders in the log.
    pub orders: usize,
    /// Monthly partitions written.
    pub partitions: usize,
    /// Customers with features.
    pub customers: usize,
    /// Rows in the written scores.
    pub scored: usize,
    /// Customers the model was trained on.
    pub trained_on: usize,
    /// ROC-AUC of the scores on the held-out group.
    pub held_out_auc: f64,
}

/// Parses the flags; `Ok(None)` for `--help`. Errors name the flag.
pub fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        users: 200_000,
        out: PathBuf::from("target/scale_demo"),
        force: false,
        seed: 42,
        sample_every: 10,
        memory_limit_mb: None,
    };
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        if flag == "--force" {
            a.force = true;
            continue;
        }
        let value = match args.next_if(|v| !v.starts_with("--")) {
            Some(v) => v,
            None if flag.starts_with("--") => return Err(format!("{flag} needs a value")),
            None => return Err(format!("unexpected argument `{flag}`")),
        };
        let number = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number, got `{v}`"))
        };
        match flag.as_str() {
            "--users" => a.users = number(&value)? as usize,
            "--out" => a.out = PathBuf::from(value),
            "--seed" => a.seed = number(&value)?,
            "--sample-every" => a.sample_every = number(&value)?,
            "--memory-limit-mb" => a.memory_limit_mb = Some(number(&value)? as usize),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if a.users < 100 {
        return Err(format!("--users {} is too few; use at least 100", a.users));
    }
    if a.sample_every < 2 {
        return Err("--sample-every must be at least 2 (one group trains, one is held out)".into());
    }
    if a.memory_limit_mb == Some(0) {
        return Err("--memory-limit-mb must be at least 1".into());
    }
    Ok(Some(a))
}

/// One stage's line: rows, seconds, rows per second.
fn stage(name: &str, rows: usize, start: Instant) -> f64 {
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<34} {rows:>11} rows {secs:>8.2} s {:>12.0} rows/s",
        rows as f64 / secs
    );
    secs
}

/// Writes `orders` as `dir/month=YYYY-MM/part-0.parquet`; returns the
/// number of partitions.
fn write_by_month(orders: &Table, dir: &Path) -> AnyResult<usize> {
    let days = orders.date("date")?;
    let months: Vec<String> = days
        .iter()
        .map(|d| {
            let (y, m, _) = ymd(d.unwrap_or_default());
            format!("{y:04}-{m:02}")
        })
        .collect();
    let mut distinct = months.clone();
    distinct.sort();
    distinct.dedup();
    let options = ParquetWriteOptions::default().timestamp_seconds(&["timestamp"]);
    for m in &distinct {
        let mask: Vec<bool> = months.iter().map(|r| r == m).collect();
        let part_dir = dir.join(format!("month={m}"));
        std::fs::create_dir_all(&part_dir)?;
        write_parquet(
            &orders.filter(&mask)?,
            part_dir.join("part-0.parquet"),
            &options,
        )?;
    }
    Ok(distinct.len())
}

/// The process's peak resident memory (`VmHWM`), in MiB, where Linux tells.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Runs the four stages, printing one line each; see the module docs.
pub async fn run(a: &Args) -> AnyResult<Summary> {
    if a.out.exists() {
        if !a.force {
            return Err(format!(
                "--out {} exists; pass --force to replace it",
                a.out.display()
            )
            .into());
        }
        std::fs::remove_dir_all(&a.out)?;
    }
    let log_dir = a.out.join("orders");
    let (features_dir, scores_dir) = (a.out.join("features"), a.out.join("scores"));

    // 1. The synthetic shop's orders as a hive-partitioned Parquet log.
    let t = Instant::now();
    let config = ShopConfig {
        n_users: a.users,
        seed: a.seed,
        ..ShopConfig::default()
    };
    let orders = generate(&config)?.orders_table()?;
    let n_orders = orders.n_rows();
    let partitions = write_by_month(&orders, &log_dir)?;
    stage("generate + write Parquet log", n_orders, t);
    let days = orders.date("date")?;
    let last = days
        .iter()
        .flatten()
        .max()
        .ok_or("the shop has no orders")?;
    drop(orders);

    // 2. RFM features over the log, on the engine (memory pool bounded
    //    when asked), written as Parquet.
    let mut runtime = RuntimeEnvBuilder::new();
    if let Some(mb) = a.memory_limit_mb {
        runtime = runtime.with_memory_limit(mb << 20, 1.0);
    }
    let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime.build_arc()?);
    register(&ctx);
    let log_path = format!("{}/", log_dir.display());
    ctx.register_parquet(
        "orders",
        &log_path,
        ParquetReadOptions::default().table_partition_cols(vec![("month".into(), DataType::Utf8)]),
    )
    .await?;
    let t = Instant::now();
    let rfm = RfmConfig {
        as_of: last - 90,
        holdout_end: Some(last),
    };
    let columns = RfmColumns::new("user_id", "date", "amount").quantity("quantity");
    let (features, report) = rfm_features(&ctx, "orders", &columns, &rfm).await?;
    let features_path = format!("{}/", features_dir.display());
    features
        .write_parquet(&features_path, DataFrameWriteOptions::new(), None)
        .await?;
    stage("RFM features (engine → Parquet)", n_orders, t);
    println!(
        "  {} customers; {} rows of history, {} in the 90-day holdout",
        report.customers, report.rows_in_window, report.rows_in_holdout
    );
    ctx.register_parquet("features", &features_path, ParquetReadOptions::default())
        .await?;

    // 3. Train on a sample of the customers, in process.
    let t = Instant::now();
    let k = a.sample_every;
    let sample = ctx
        .sql(&format!("SELECT * FROM features WHERE customer % {k} = 0"))
        .await?;
    let train = collect_table(sample).await?;
    let y = binary_labels(&train, "bought_in_holdout", None)?;
    let leak = ["bought_in_holdout", "holdout_monetary"];
    let prep = ColumnTransformer::auto(&train, Some("bought_in_holdout"), &["customer", leak[1]])?
        .id_column("customer");
    let model = Pipeline::new(prep, ModelKind::Logistic(LogisticRegression::new()))
        .exclude(&leak)
        .fit(&train, &y)?;
    let model_json = model.to_json()?;
    stage("train on the sample (in process)", train.n_rows(), t);

    // 4. Score every customer on the engine; write the scores.
    let t = Instant::now();
    let scored = ctx.table("features").await?.select(vec![
        col("customer"),
        col("bought_in_holdout"),
        score_expr(&model_json)?.alias("score"),
    ])?;
    let scores_path = format!("{}/", scores_dir.display());
    let written = scored
        .write_parquet(&scores_path, DataFrameWriteOptions::new(), None)
        .await?;
    // The engine answers a write with one row: the number of rows written.
    let n_scored = written
        .first()
        .and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<datafusion::arrow::array::UInt64Array>()
        })
        .map(|c| c.value(0) as usize)
        .ok_or("the engine did not say how many scores it wrote")?;
    stage("score every customer (ua_score)", n_scored, t);

    // Held-out quality: the group after the training one.
    ctx.register_parquet("scores", &scores_path, ParquetReadOptions::default())
        .await?;
    let held_out = ctx
        .sql(&format!(
            "SELECT score, bought_in_holdout FROM scores WHERE customer % {k} = 1"
        ))
        .await?;
    let held_out = collect_table(held_out).await?;
    let y_held = binary_labels(&held_out, "bought_in_holdout", None)?;
    let s: Vec<f32> = held_out
        .numeric("score")?
        .values()
        .iter()
        .map(|&v| v as f32)
        .collect();
    let auc = roc_auc(&y_held, &s)?;
    if let Some(mib) = peak_memory_mib() {
        println!("peak memory (VmHWM) {mib:.0} MiB");
    }
    Ok(Summary {
        orders: n_orders,
        partitions,
        customers: report.customers,
        scored: n_scored,
        trained_on: train.n_rows(),
        held_out_auc: auc,
    })
}

#[allow(dead_code)] // not called where a test includes this file
fn main() -> std::process::ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return std::process::ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(s) => {
            println!(
                "{} orders in {} monthly partitions; {} customers scored; held-out ROC-AUC \
                 {:.4} (model trained on {} customers); files in {}",
                s.orders,
                s.partitions,
                s.scored,
                s.held_out_auc,
                s.trained_on,
                args.out.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Option<Args>, String> {
        parse_args(s.split_whitespace().map(String::from))
    }

    #[test]
    fn flags_parse_and_bad_ones_name_the_flag() {
        let a = parse("--users 500 --seed 7 --force --memory-limit-mb 64")
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.users, a.seed, a.force, a.memory_limit_mb),
            (500, 7, true, Some(64))
        );
        assert!(parse("--help").unwrap().is_none());
        for (args, words) in [
            ("--users", "--users needs a value"),
            ("--users abc", "--users takes a whole number, got `abc`"),
            ("--users 5", "--users 5 is too few"),
            ("--sample-every 1", "--sample-every must be at least 2"),
            (
                "--memory-limit-mb 0",
                "--memory-limit-mb must be at least 1",
            ),
            ("--bogus 1", "unknown flag --bogus"),
            ("stray", "unexpected argument `stray`"),
        ] {
            let e = parse(args).unwrap_err();
            assert!(e.contains(words), "{args}: {e}");
        }
    }
}
