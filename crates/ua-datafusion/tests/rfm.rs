//! The RFM query against `ua_data`'s in-memory builder on the same orders,
//! read from a hive-partitioned Parquet log.

use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::*;
use ua_data::Table;
use ua_data::arrow_io::{ParquetWriteOptions, write_parquet};
use ua_data::date::ymd;
use ua_data::features::rfm::{RfmConfig, RfmFeatures};
use ua_data::synth::{ShopConfig, generate};
use ua_datafusion::collect_table;
use ua_datafusion::rfm::{RfmColumns, rfm_features, rfm_sql};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("ua_df_rfm_{}_{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `orders` as `dir/month=YYYY-MM/part-0.parquet`, returning the
/// number of partitions.
fn write_by_month(orders: &Table, dir: &Path) -> usize {
    let days = orders.date("date").unwrap();
    let month = |i: usize| {
        let (y, m, _) = ymd(days.get(i).unwrap());
        format!("{y:04}-{m:02}")
    };
    let mut months: Vec<String> = (0..orders.n_rows()).map(month).collect();
    let rows_of = months.clone();
    months.sort();
    months.dedup();
    for m in &months {
        let mask: Vec<bool> = rows_of.iter().map(|r| r == m).collect();
        let part = orders.filter(&mask).unwrap();
        let d = dir.join(format!("month={m}"));
        std::fs::create_dir_all(&d).unwrap();
        write_parquet(
            &part,
            d.join("part-0.parquet"),
            &ParquetWriteOptions::default().timestamp_seconds(&["timestamp"]),
        )
        .unwrap();
    }
    months.len()
}

async fn orders_context(dir: &TempDir) -> (SessionContext, Table) {
    let shop = generate(&ShopConfig::small()).unwrap();
    let orders = shop.orders_table().unwrap();
    let log = dir.0.join("orders");
    let partitions = write_by_month(&orders, &log);
    assert!(partitions >= 3, "{partitions} partitions");
    let ctx = SessionContext::new();
    ctx.register_parquet(
        "orders",
        log.to_str().unwrap(),
        ParquetReadOptions::default().table_partition_cols(vec![("month".into(), DataType::Utf8)]),
    )
    .await
    .unwrap();
    (ctx, orders)
}

/// Same columns; equal values (sums to 1e-9 relative: the engine adds in
/// another order).
fn assert_same_features(own: &Table, got: &Table) {
    assert_eq!(own.column_names(), got.column_names());
    assert_eq!(own.n_rows(), got.n_rows());
    for (name, c) in own.columns() {
        let g = got.column(name).unwrap();
        for i in 0..own.n_rows() {
            match (c.get(i), g.get(i)) {
                (Some(ua_data::Value::Number(a)), Some(ua_data::Value::Number(b)))
                    if name.contains("monetary") || name == "mean_order_value" =>
                {
                    assert!(
                        (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                        "{name}, row {i}: {a} vs {b}"
                    );
                }
                (a, b) => assert_eq!(a, b, "{name}, row {i}"),
            }
        }
    }
}

#[tokio::test]
async fn rfm_query_equals_the_in_memory_builder_with_a_holdout() {
    let dir = TempDir::new("holdout");
    let (ctx, orders) = orders_context(&dir).await;
    let days = orders.date("date").unwrap();
    let first = days.iter().flatten().min().unwrap();
    let last = days.iter().flatten().max().unwrap();
    let cfg = RfmConfig {
        as_of: first + (last - first) * 2 / 3,
        holdout_end: Some(last - 10),
    };
    let own = RfmFeatures::from_table(&orders, "user_id", "date", "amount", Some("quantity"), &cfg)
        .unwrap();
    let cols = RfmColumns::new("user_id", "date", "amount").quantity("quantity");
    let (df, report) = rfm_features(&ctx, "orders", &cols, &cfg).await.unwrap();
    assert_eq!(report, own.report);
    assert!(report.rows_ignored > 0 && report.rows_in_holdout > 0 && report.customers_excluded > 0);
    let got = collect_table(df).await.unwrap();
    let own = own.to_table().unwrap();
    assert!(own.n_rows() > 50);
    assert_same_features(&own, &got);
    // Someone bought in the holdout and someone did not; some customers
    // have one purchase day (no mean gap).
    let b = got.boolean("bought_in_holdout").unwrap();
    assert!(b.values().contains(&Some(true)) && b.values().contains(&Some(false)));
    assert!(got.numeric("mean_days_between").unwrap().missing_count() > 0);
}

#[tokio::test]
async fn rfm_query_equals_the_in_memory_builder_at_the_default_as_of() {
    let dir = TempDir::new("default");
    let (ctx, orders) = orders_context(&dir).await;
    let as_of = ua_data::features::rfm::default_as_of_at(&orders, "date", i32::MAX)
        .unwrap()
        .as_of;
    let cfg = RfmConfig {
        as_of,
        holdout_end: None,
    };
    let own = RfmFeatures::from_table(&orders, "user_id", "date", "amount", None, &cfg).unwrap();
    let cols = RfmColumns::new("user_id", "date", "amount");
    let (df, report) = rfm_features(&ctx, "orders", &cols, &cfg).await.unwrap();
    assert_eq!(report, own.report);
    assert_eq!(report.rows_in_window, orders.n_rows());
    assert_same_features(&own.to_table().unwrap(), &collect_table(df).await.unwrap());
    // The query text alone gives the same rows (no checks).
    let plain = collect_table(ctx.sql(&rfm_sql("orders", &cols, &cfg)).await.unwrap())
        .await
        .unwrap();
    assert_same_features(&own.to_table().unwrap(), &plain);
}

async fn rfm_error(ctx: &SessionContext, cols: &RfmColumns, cfg: &RfmConfig) -> String {
    rfm_features(ctx, "t", cols, cfg)
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn bad_logs_and_cutoffs_are_errors_like_the_in_memory_builder() {
    let ctx = SessionContext::new();
    ctx.sql(
        "CREATE TABLE t (user_id BIGINT, day INT, amount DOUBLE, qty DOUBLE) AS VALUES \
         (1, 19000, 5.0, 1.0), (1, 19004, 7.0, NULL), (2, 19002, -1.0, 1.0), (2, 19010, 3.0, 1.0)",
    )
    .await
    .unwrap();
    let cols = RfmColumns::new("user_id", "day", "amount");
    let ok = RfmConfig {
        as_of: 19_005,
        holdout_end: None,
    };
    let e = rfm_error(&ctx, &cols, &ok).await;
    assert!(
        e.contains("column `amount` has 1 value(s) that are not a finite amount ≥ 0"),
        "{e}"
    );
    let e = rfm_error(&ctx, &cols.clone().quantity("qty"), &ok).await;
    assert!(
        e.contains("column `qty` has 1 missing value(s) of 4"),
        "{e}"
    );

    ctx.sql("CREATE TABLE good AS SELECT user_id, day, abs(amount) AS amount FROM t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let e = rfm_features(
        &ctx,
        "good",
        &cols,
        &RfmConfig {
            as_of: 19_020,
            holdout_end: None,
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("as_of 2022-01-28 is after the last transaction (2022-01-18); the data runs from 2022-01-08 to 2022-01-18"),
        "{e}"
    );
    let e = rfm_features(
        &ctx,
        "good",
        &cols,
        &RfmConfig {
            as_of: 19_005,
            holdout_end: Some(19_005),
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("holdout_end 2022-01-13 must be after as_of 2022-01-13"),
        "{e}"
    );
    let e = rfm_features(&ctx, "good", &RfmColumns::new("user", "day", "amount"), &ok)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("user"), "{e}");
    ctx.sql("CREATE TABLE empty AS SELECT * FROM good WHERE day < 0")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let e = rfm_features(&ctx, "empty", &cols, &ok)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("the transaction log `empty` is empty"), "{e}");
}
