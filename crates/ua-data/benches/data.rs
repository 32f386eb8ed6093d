//! Benchmarks of the table hot paths: CSV reading, hash join, group-by,
//! and a fitted preprocessing pipeline's two output paths (table, matrix).
//!
//! `cargo bench -p ua-data --bench data`

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ua_data::csv_io::{CsvOptions, read_csv};
use ua_data::groupby::{Agg, group_by};
use ua_data::join::inner_join;
use ua_data::pipeline::ColumnTransformer;
use ua_data::traits::Transform;
use ua_data::{Column, Table};

/// xorshift64*: deterministic data without depending on rand's API.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Writes a 1,000,000 × 10 orders file: 3 categorical, 4 numeric (one with
/// 5 % NA), 1 integer, 1 date, 1 boolean column.
fn write_orders(path: &std::path::Path, rows: usize) {
    let f = std::fs::File::create(path).expect("create bench file");
    let mut w = std::io::BufWriter::new(f);
    writeln!(
        w,
        "order_id,user,item,category,amount,quantity,price,discount,day,promo"
    )
    .unwrap();
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let cats = [
        "books", "toys", "garden", "food", "music", "tools", "sports", "beauty",
    ];
    for i in 0..rows {
        let q = 1 + r.below(5);
        let price = (r.unit() * 200.0 * 100.0).round() / 100.0;
        let discount = if r.below(20) == 0 {
            "NA".to_string()
        } else {
            format!("{:.2}", r.unit() * 0.3)
        };
        let day = 1 + r.below(28);
        let month = 1 + r.below(12);
        writeln!(
            w,
            "{i},u{},item_{},{},{:.2},{q},{price},{discount},2024-{month:02}-{day:02},{}",
            r.below(100_000),
            r.below(10_000),
            cats[r.below(cats.len() as u64) as usize],
            price * q as f64,
            if r.below(2) == 0 { "true" } else { "false" },
        )
        .unwrap();
    }
    w.flush().unwrap();
}

fn bench_read_csv(c: &mut Criterion) {
    let path =
        std::env::temp_dir().join(format!("ua_data_bench_orders_{}.csv", std::process::id()));
    write_orders(&path, 1_000_000);
    let opts = CsvOptions::default();
    let t = read_csv(&path, &opts).expect("read");
    assert_eq!((t.n_rows(), t.n_cols()), (1_000_000, 10));
    let mut g = c.benchmark_group("csv");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(2));
    g.bench_function("read_csv_1m_x_10", |b| {
        b.iter(|| black_box(read_csv(&path, &opts).unwrap()))
    });
    g.finish();
    let _ = std::fs::remove_file(&path);
}

fn join_tables(categorical: bool) -> (Table, Table) {
    let mut r = Rng(42);
    let n_left = 1_000_000;
    let n_right = 100_000;
    let key = |ids: Vec<u64>| {
        if categorical {
            let s: Vec<String> = ids.iter().map(|i| format!("u{i}")).collect();
            Column::categorical(&s)
        } else {
            Column::numeric(ids.into_iter().map(|i| i as f64).collect())
        }
    };
    let left = Table::new(vec![
        (
            "user".into(),
            key((0..n_left).map(|_| r.below(n_right)).collect()),
        ),
        (
            "amount".into(),
            Column::numeric((0..n_left).map(|_| r.unit()).collect()),
        ),
        (
            "day".into(),
            Column::date((0..n_left).map(|_| r.below(365) as i32).collect()),
        ),
    ])
    .unwrap();
    // Right keys in shuffled order so the join cannot rely on sortedness.
    let mut ids: Vec<u64> = (0..n_right).collect();
    for i in (1..ids.len()).rev() {
        ids.swap(i, r.below(i as u64 + 1) as usize);
    }
    let right = Table::new(vec![
        ("user".into(), key(ids)),
        (
            "age".into(),
            Column::numeric((0..n_right).map(|_| 18.0 + r.below(60) as f64).collect()),
        ),
        (
            "segment".into(),
            Column::categorical(
                &(0..n_right)
                    .map(|_| format!("s{}", r.below(5)))
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
    .unwrap();
    (left, right)
}

fn bench_join(c: &mut Criterion) {
    let mut g = c.benchmark_group("join");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    for (name, cat) in [
        ("inner_join_1m_x_100k_numeric_key", false),
        ("inner_join_1m_x_100k_categorical_key", true),
    ] {
        let (l, r) = join_tables(cat);
        assert_eq!(inner_join(&l, &r, &["user"]).unwrap().n_rows(), 1_000_000);
        g.bench_function(name, |b| {
            b.iter(|| black_box(inner_join(&l, &r, &["user"]).unwrap()))
        });
    }
    g.finish();
}

fn bench_group_by(c: &mut Criterion) {
    let (l, _) = join_tables(true);
    let aggs = [
        Agg::Count,
        Agg::Sum("amount".into()),
        Agg::Mean("amount".into()),
        Agg::Max("day".into()),
    ];
    let mut g = c.benchmark_group("group_by");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("group_by_1m_rows_100k_groups_4_aggs", |b| {
        b.iter(|| black_box(group_by(&l, &["user"], &aggs).unwrap()))
    });
    g.finish();
}

/// 100,000 users × 8 input columns: 5 numeric (one with 5 % missing), 2
/// categorical (4 and 30 levels), 1 boolean — the shape of a churn table.
fn users_table() -> Table {
    let n = 100_000;
    let mut rng = Rng(42);
    let mut num = |scale: f64| -> Vec<f64> { (0..n).map(|_| rng.unit() * scale).collect() };
    let (age, income, orders, spend) = (num(60.0), num(9e4), num(40.0), num(5e3));
    let mut rng = Rng(7);
    let gaps: Vec<Option<f64>> = (0..n)
        .map(|_| (rng.below(20) != 0).then(|| rng.unit() * 365.0))
        .collect();
    let tier: Vec<String> = (0..n).map(|_| format!("tier_{}", rng.below(4))).collect();
    let city: Vec<String> = (0..n).map(|_| format!("city_{}", rng.below(30))).collect();
    let mobile: Vec<bool> = (0..n).map(|_| rng.below(2) == 0).collect();
    Table::new(vec![
        ("age".into(), Column::numeric(age)),
        ("income".into(), Column::numeric(income)),
        ("orders".into(), Column::numeric(orders)),
        ("spend".into(), Column::numeric(spend)),
        ("days_since_order".into(), Column::numeric_opt(gaps)),
        ("tier".into(), Column::categorical(&tier)),
        ("city".into(), Column::categorical(&city)),
        ("mobile".into(), Column::boolean(mobile)),
    ])
    .unwrap()
}

/// The automatic pipeline (impute, scale, one-hot) fitted on 100k users:
/// its table output (what a user-written step after it would read) against
/// its direct f32 matrix output (what a model reads).
fn bench_pipeline_transform(c: &mut Criterion) {
    let t = users_table();
    let fitted = ColumnTransformer::auto(&t, None, &[])
        .unwrap()
        .fit(&t)
        .unwrap();
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("transform_table_100k_x_8", |b| {
        b.iter(|| black_box(fitted.transform(&t).unwrap()))
    });
    g.bench_function("transform_matrix_100k_x_8", |b| {
        b.iter(|| black_box(fitted.transform_matrix(&t).unwrap()))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_read_csv,
    bench_join,
    bench_group_by,
    bench_pipeline_transform
);
criterion_main!(benches);
