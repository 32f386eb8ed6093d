//! `ua_kmeans_step` and `kmeans_fit` against the in-memory Lloyd of
//! `ua_analytics` (`KMeans::fit_from`, same initial centres), over a
//! MemTable split into several partitions, with and without a small memory
//! pool; bad input.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::*;
use ua_analytics::ndarray::{Array2, ArrayView2};
use ua_analytics::segmentation::{KMeans, gaussian_blobs};
use ua_datafusion::train::logreg::{LogRegFit, logreg_fit};
use ua_datafusion::train::{KMeansStep, centres_json, kmeans_fit};
use ua_datafusion::{KMeansFit, register};

/// `x`'s columns `x0..x{d-1}` as a MemTable of `parts` partitions of
/// uneven sizes (each partition 2 batches).
fn table(x: ArrayView2<'_, f64>, parts: usize) -> MemTable {
    let d = x.ncols();
    let schema = Arc::new(Schema::new(
        (0..d)
            .map(|j| Field::new(format!("x{j}"), DataType::Float64, false))
            .collect::<Vec<_>>(),
    ));
    let n = x.nrows();
    // Cut points: uneven (the first partition is the smallest).
    let mut cuts = vec![0];
    for p in 1..parts {
        cuts.push(n * p * (p + 1) / (parts * (parts + 1)));
    }
    cuts.push(n);
    let batch = |a: usize, b: usize| {
        let cols: Vec<ArrayRef> = (0..d)
            .map(|j| {
                Arc::new(Float64Array::from_iter_values((a..b).map(|i| x[[i, j]]))) as ArrayRef
            })
            .collect();
        RecordBatch::try_new(schema.clone(), cols).unwrap()
    };
    let partitions: Vec<Vec<RecordBatch>> = cuts
        .windows(2)
        .map(|w| {
            let mid = (w[0] + w[1]) / 2;
            vec![batch(w[0], mid), batch(mid, w[1])]
        })
        .collect();
    MemTable::try_new(schema, partitions).unwrap()
}

fn names(d: usize) -> Vec<String> {
    (0..d).map(|j| format!("x{j}")).collect()
}

async fn fit_on(
    ctx: &SessionContext,
    x: ArrayView2<'_, f64>,
    init: &[Vec<f64>],
    max_iter: usize,
    tol: f64,
) -> KMeansFit {
    ctx.register_table("pts", Arc::new(table(x, 3))).unwrap();
    let df = ctx.table("pts").await.unwrap();
    let cols = names(x.ncols());
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    kmeans_fit(&df, &cols, init, max_iter, tol).await.unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

/// Blobs and initial centres taken from rows `init` (noisy points).
fn data(std: f64, center_box: f64, init: [usize; 4]) -> (Array2<f64>, Vec<usize>, Vec<Vec<f64>>) {
    let (x, y) = gaussian_blobs::<f64>(1_200, 3, 4, std, center_box, 7).unwrap();
    let init: Vec<Vec<f64>> = init.iter().map(|&i| x.row(i).to_vec()).collect();
    (x, y.to_vec(), init)
}

/// Overlapping blobs, a start in two of the four components (rows
/// `i mod 4` belong to component `i mod 4`): many iterations.
fn hard() -> (Array2<f64>, Vec<usize>, Vec<Vec<f64>>) {
    data(1.0, 10.0, [0, 1, 4, 5])
}

fn check_against_memory(
    fit: &KMeansFit,
    x: ArrayView2<'_, f64>,
    init: &[Vec<f64>],
    max_iter: usize,
    tol: f64,
) {
    let k = init.len();
    let c0 = Array2::from_shape_vec((k, x.ncols()), init.concat()).unwrap();
    let own = KMeans::new(k)
        .max_iter(max_iter)
        .tol(tol)
        .parallel(false)
        .fit_from(x, c0.view())
        .unwrap();
    assert_eq!(fit.iterations, own.n_iter());
    assert_eq!(fit.converged, own.converged());
    assert_eq!(fit.rows, x.nrows() as u64);
    for (j, c) in fit.centres.iter().enumerate() {
        for (t, v) in c.iter().enumerate() {
            assert!(
                close(*v, own.centers()[[j, t]]),
                "centre {j} coordinate {t}: {v} vs {}",
                own.centers()[[j, t]]
            );
        }
    }
    assert!(
        close(fit.inertia, own.training_inertia()),
        "{} vs {}",
        fit.inertia,
        own.training_inertia()
    );
    let mut counts = vec![0u64; k];
    own.labels().iter().for_each(|&l| counts[l] += 1);
    assert_eq!(fit.counts, counts);
    assert_eq!(fit.empty, 0);
}

#[tokio::test]
async fn kmeans_fit_equals_in_memory_lloyd_over_partitions() {
    let (x, _, init) = hard();
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    let fit = fit_on(&ctx, x.view(), &init, 100, 1e-4).await;
    check_against_memory(&fit, x.view(), &init, 100, 1e-4);
    // Not trivially one step.
    assert!(fit.iterations >= 3, "{} iterations", fit.iterations);
    assert!(fit.converged);

    // max_iter stops early, as in memory.
    let ctx = SessionContext::new();
    let fit = fit_on(&ctx, x.view(), &init, 2, 1e-4).await;
    assert_eq!(fit.iterations, 2);
    assert!(!fit.converged);
    check_against_memory(&fit, x.view(), &init, 2, 1e-4);
}

#[tokio::test]
async fn planted_blobs_are_recovered() {
    // Separated blobs, one starting row per component.
    let (x, y, init) = data(0.5, 20.0, [0, 1, 2, 3]);
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    let fit = fit_on(&ctx, x.view(), &init, 100, 1e-4).await;
    check_against_memory(&fit, x.view(), &init, 100, 1e-4);

    // The planted blobs are recovered: each centre is within 0.3 of one
    // component's mean, and each component's size is a centre's count.
    let d = x.ncols();
    let mut means = vec![vec![0.0; d]; 4];
    let mut sizes = vec![0u64; 4];
    for (i, &l) in y.iter().enumerate() {
        sizes[l] += 1;
        for t in 0..d {
            means[l][t] += x[[i, t]];
        }
    }
    for (m, &s) in means.iter_mut().zip(&sizes) {
        m.iter_mut().for_each(|v| *v /= s as f64);
    }
    let mut matched = vec![false; 4];
    for (c, &cnt) in fit.centres.iter().zip(&fit.counts) {
        let (l, dist) = means
            .iter()
            .enumerate()
            .map(|(l, m)| {
                (
                    l,
                    m.iter()
                        .zip(c)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt(),
                )
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        assert!(dist < 0.3, "centre {c:?} is {dist} from component {l}");
        assert_eq!(cnt, sizes[l]);
        matched[l] = true;
    }
    assert_eq!(matched, [true; 4]);
}

#[tokio::test]
async fn kmeans_fit_within_a_small_memory_pool() {
    let (x, _, init) = hard();
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(1 << 20)))
        .build_arc()
        .unwrap();
    let ctx =
        SessionContext::new_with_config_rt(SessionConfig::new().with_target_partitions(2), runtime);
    let fit = fit_on(&ctx, x.view(), &init, 100, 1e-4).await;
    check_against_memory(&fit, x.view(), &init, 100, 1e-4);
}

#[tokio::test]
async fn one_step_by_sql_matches_a_plain_loop_and_keeps_empty_centres() {
    let (x, _, _) = hard();
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(3));
    register(&ctx);
    ctx.register_table("pts", Arc::new(table(x.view(), 4)))
        .unwrap();
    // Centre 3 is far from every row: empty, kept.
    let centres = vec![
        x.row(0).to_vec(),
        x.row(1).to_vec(),
        x.row(2).to_vec(),
        vec![1e6, 1e6, 1e6],
    ];
    let sql = format!(
        "SELECT ua_kmeans_step('{}', x0, x1, x2) FROM pts",
        centres_json(&centres)
    );
    let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    let json = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .value(0);
    let step = KMeansStep::from_json(json).unwrap();

    // The plain loop: nearest centre (first minimum), sums, counts.
    let (k, d) = (4, 3);
    let mut sums = vec![vec![0.0; d]; k];
    let mut counts = vec![0u64; k];
    let mut inertia = 0.0;
    for row in x.rows() {
        let dist: Vec<f64> = centres
            .iter()
            .map(|c| c.iter().zip(row).map(|(a, b)| (a - b) * (a - b)).sum())
            .collect();
        let best = (0..k).fold(0, |b, j| if dist[j] < dist[b] { j } else { b });
        counts[best] += 1;
        inertia += dist[best];
        for t in 0..d {
            sums[best][t] += row[t];
        }
    }
    assert_eq!(step.counts, counts);
    assert_eq!(counts[3], 0);
    assert_eq!(step.empty, 1);
    assert_eq!(step.centres[3], centres[3]);
    assert!(
        close(step.inertia, inertia),
        "{} vs {inertia}",
        step.inertia
    );
    let mut shift = 0.0;
    for j in 0..3 {
        for t in 0..d {
            let want = sums[j][t] / counts[j] as f64;
            assert!(close(step.centres[j][t], want), "{j},{t}");
            shift += (want - centres[j][t]).powi(2);
        }
    }
    assert!(close(step.shift, shift), "{} vs {shift}", step.shift);
}

async fn bad_ctx() -> SessionContext {
    let ctx = SessionContext::new();
    register(&ctx);
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Float64, true),
        Field::new("n", DataType::Int32, false),
        Field::new("city", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)])),
            Arc::new(Int32Array::from(vec![1, 2, 3])),
            Arc::new(StringArray::from(vec!["x", "y", "z"])),
        ],
    )
    .unwrap();
    ctx.register_table(
        "t",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()),
    )
    .unwrap();
    ctx
}

async fn sql_err(ctx: &SessionContext, sql: &str) -> String {
    match ctx.sql(sql).await {
        Err(e) => e.to_string(),
        Ok(df) => df.collect().await.unwrap_err().to_string(),
    }
}

#[tokio::test]
async fn bad_calls_are_named() {
    let ctx = bad_ctx().await;
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[[0, 0]]', n, city) FROM t").await;
    assert!(
        e.contains("argument 3 (`city`)") && e.contains("not numeric"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[[0, 0, 0]]', n, n) FROM t").await;
    assert!(
        e.contains("3 coordinates") && e.contains("2 feature column(s)"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[[0, 0]', n, n) FROM t").await;
    assert!(
        e.contains("argument 1 (centres) is not a JSON list of lists"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[[0, \"x\"]]', n, n) FROM t").await;
    assert!(
        e.contains("argument 1 (centres) is not a JSON list of lists"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[[0, 1], [2]]', n, n) FROM t").await;
    assert!(
        e.contains("centre 2 has 1 coordinates, centre 1 has 2"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[]', n) FROM t").await;
    assert!(e.contains("k = 0"), "{e}");
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[[0]]') FROM t").await;
    assert!(e.contains("1 argument(s)"), "{e}");
    let e = sql_err(&ctx, "SELECT ua_kmeans_step(city, n) FROM t").await;
    assert!(e.contains("must be a literal"), "{e}");
    let e = sql_err(&ctx, "SELECT ua_kmeans_step(1, n) FROM t").await;
    assert!(
        e.contains("argument 1 (centres) must be a string literal"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_kmeans_step('[[0]]', a) FROM t").await;
    assert!(e.contains("argument 2 (`a`) is NULL at row 2"), "{e}");
    // An integer column is read as numbers.
    let b = ctx
        .sql("SELECT ua_kmeans_step('[[0]]', n) FROM t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let json = b[0]
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .value(0);
    let s = KMeansStep::from_json(json).unwrap();
    assert_eq!(
        (s.centres, s.counts, s.inertia),
        (vec![vec![2.0]], vec![3], 14.0)
    );
}

#[tokio::test]
async fn bad_driver_arguments_are_named() {
    let ctx = bad_ctx().await;
    let df = ctx.table("t").await.unwrap();
    let err = |r: datafusion::error::Result<KMeansFit>| r.unwrap_err().to_string();
    let e = err(kmeans_fit(&df, &["n", "city"], &[vec![0.0, 0.0]], 10, 1e-4).await);
    assert!(
        e.contains("column `city` has type Utf8, which is not numeric"),
        "{e}"
    );
    let e = err(kmeans_fit(&df, &["n", "nope"], &[vec![0.0, 0.0]], 10, 1e-4).await);
    assert!(
        e.contains("no column `nope`") && e.contains("a, n, city"),
        "{e}"
    );
    let e = err(kmeans_fit(&df, &["n"], &[vec![0.0, 0.0]], 10, 1e-4).await);
    assert!(
        e.contains("2 coordinates") && e.contains("1 feature column(s) (n)"),
        "{e}"
    );
    let e = err(kmeans_fit(&df, &["n"], &[], 10, 1e-4).await);
    assert!(e.contains("init") && e.contains("k = 0"), "{e}");
    let e = err(kmeans_fit(&df, &["n"], &[vec![f64::NAN]], 10, 1e-4).await);
    assert!(e.contains("coordinate 1 of centre 1 is NaN"), "{e}");
    let e = err(kmeans_fit(&df, &["n"], &vec![vec![0.0]; 4], 10, 1e-4).await);
    assert!(e.contains("3 row(s) for k = 4"), "{e}");
    let e = err(kmeans_fit(&df, &["n"], &[vec![0.0]], 0, 1e-4).await);
    assert!(e.contains("max_iter must be at least 1"), "{e}");
    let e = err(kmeans_fit(&df, &["n"], &[vec![0.0]], 10, -1.0).await);
    assert!(e.contains("tol must be finite and ≥ 0, found -1"), "{e}");
    let e = err(kmeans_fit(&df, &[], &[vec![0.0]], 10, 1e-4).await);
    assert!(e.contains("columns is empty"), "{e}");
    let e = err(kmeans_fit(&df, &["a"], &[vec![0.0]], 10, 1e-4).await);
    assert!(e.contains("`a`") && e.contains("NULL at row 2"), "{e}");
    // One column of integers, one centre: the mean.
    let fit = kmeans_fit(&df, &["n"], &[vec![0.0]], 10, 1e-4)
        .await
        .unwrap();
    assert_eq!(
        (fit.centres, fit.counts, fit.inertia, fit.iterations),
        (vec![vec![2.0]], vec![3], 2.0, 2)
    );
}

/// Throughput of one Lloyd step (`ua_kmeans_step`, k = 8) over 1M generated
/// rows × 8 features in a 2-partition MemTable (batches of 8192 rows),
/// 2 target partitions. A measurement, not a check of speed: run it with
/// `cargo test --release --manifest-path crates/ua-datafusion/Cargo.toml
/// --test train -- --ignored --nocapture one_step_throughput` (see
/// docs/benchmarks.md, "Training on DataFusion"). It asserts only that
/// every row was counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: run in release with --ignored --nocapture"]
async fn one_step_throughput() {
    let (n, d, k) = (1_000_000usize, 8usize, 8usize);
    // A cheap deterministic generator: 8 blobs on a grid plus hashed noise.
    let value = |i: usize, j: usize| {
        let h = (i as u64 ^ ((j as u64) << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((i % k) * 10) as f64 + ((h >> 11) as f64 / (1u64 << 53) as f64) - 0.5 + j as f64
    };
    let schema = Arc::new(Schema::new(
        (0..d)
            .map(|j| Field::new(format!("x{j}"), DataType::Float64, false))
            .collect::<Vec<_>>(),
    ));
    let batch_rows = 8192;
    let mut parts = vec![vec![], vec![]];
    let mut start = 0;
    while start < n {
        let end = (start + batch_rows).min(n);
        let cols: Vec<ArrayRef> = (0..d)
            .map(|j| {
                Arc::new(Float64Array::from_iter_values(
                    (start..end).map(|i| value(i, j)),
                )) as ArrayRef
            })
            .collect();
        parts[(start / batch_rows) % 2].push(RecordBatch::try_new(schema.clone(), cols).unwrap());
        start = end;
    }
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    register(&ctx);
    ctx.register_table("pts", Arc::new(MemTable::try_new(schema, parts).unwrap()))
        .unwrap();
    let centres: Vec<Vec<f64>> = (0..k)
        .map(|c| (0..d).map(|j| value(c, j)).collect())
        .collect();
    let cols: Vec<String> = names(d);
    let sql = format!(
        "SELECT ua_kmeans_step('{}', {}) FROM pts",
        centres_json(&centres),
        cols.join(", ")
    );
    let mut secs = vec![];
    for _ in 0..7 {
        let t = std::time::Instant::now();
        let b = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        secs.push(t.elapsed().as_secs_f64());
        let json = b[0]
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(0);
        let step = KMeansStep::from_json(json).unwrap();
        assert_eq!(step.counts.iter().sum::<u64>(), n as u64);
    }
    secs.sort_by(f64::total_cmp);
    println!(
        "one ua_kmeans_step, {n} rows x {d} features, k = {k}, 2 partitions: median {:.4} s \
         ({:.2} M rows/s), best {:.4} s ({:.2} M rows/s), 7 runs",
        secs[3],
        n as f64 / secs[3] / 1e6,
        secs[0],
        n as f64 / secs[0] / 1e6
    );
}

/// Labelled rows: y = 1 when a noisy linear score is positive.
fn labelled(n: usize) -> (Vec<[f64; 3]>, Vec<f64>) {
    let (x, _) = gaussian_blobs::<f64>(n, 3, 2, 1.5, 3.0, 11).unwrap();
    let mut rows = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for (i, r) in x.rows().into_iter().enumerate() {
        rows.push([r[0], r[1], r[2]]);
        let noise = ((i * 37) % 11) as f64 / 5.0 - 1.0;
        y.push(if 0.8 * r[0] - 0.5 * r[1] + 0.2 * r[2] + noise > 0.3 {
            1.0
        } else {
            0.0
        });
    }
    (rows, y)
}

fn labelled_table(rows: &[[f64; 3]], y: &[f64], parts: usize) -> MemTable {
    let schema = Arc::new(Schema::new(vec![
        Field::new("y", DataType::Int32, false),
        Field::new("a", DataType::Float64, false),
        Field::new("b", DataType::Float64, false),
        Field::new("c", DataType::Float64, false),
    ]));
    let n = rows.len();
    let batch = |s: usize, e: usize| {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from_iter_values(
                    y[s..e].iter().map(|&v| v as i32),
                )) as ArrayRef,
                Arc::new(Float64Array::from_iter_values(
                    rows[s..e].iter().map(|r| r[0]),
                )),
                Arc::new(Float64Array::from_iter_values(
                    rows[s..e].iter().map(|r| r[1]),
                )),
                Arc::new(Float64Array::from_iter_values(
                    rows[s..e].iter().map(|r| r[2]),
                )),
            ],
        )
        .unwrap()
    };
    let cuts: Vec<usize> = (0..=parts).map(|p| n * p * p / (parts * parts)).collect();
    let partitions = cuts.windows(2).map(|w| vec![batch(w[0], w[1])]).collect();
    MemTable::try_new(schema, partitions).unwrap()
}

#[tokio::test]
async fn logreg_fit_equals_a_plain_gradient_descent_loop() {
    let (rows, y) = labelled(900);
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    ctx.register_table("t", Arc::new(labelled_table(&rows, &y, 3)))
        .unwrap();
    let df = ctx.table("t").await.unwrap();
    let (epochs, lr) = (40, 0.3);
    let fit = logreg_fit(&df, "y", &["a", "b", "c"], epochs, lr)
        .await
        .unwrap();

    // The plain f64 loop: σ, log-loss, mean gradient, step.
    let n = rows.len() as f64;
    let (mut w, mut b) = ([0.0f64; 3], 0.0f64);
    let mut losses = vec![];
    for _ in 0..epochs {
        let (mut g, mut gb, mut loss) = ([0.0f64; 3], 0.0f64, 0.0f64);
        for (r, &yi) in rows.iter().zip(&y) {
            let z = b + w[0] * r[0] + w[1] * r[1] + w[2] * r[2];
            let p = 1.0 / (1.0 + (-z).exp());
            for t in 0..3 {
                g[t] += (p - yi) * r[t];
            }
            gb += p - yi;
            loss -= yi * p.ln() + (1.0 - yi) * (1.0 - p).ln();
        }
        losses.push(loss / n);
        for t in 0..3 {
            w[t] -= lr * g[t] / n;
        }
        b -= lr * gb / n;
    }
    assert_eq!(fit.rows, rows.len() as u64);
    for (t, (got, want)) in fit.weights.iter().zip(&w).enumerate() {
        assert!(close(*got, *want), "w{t}: {got} vs {want}");
    }
    assert!(close(fit.bias, b), "{} vs {b}", fit.bias);
    assert_eq!(fit.losses.len(), epochs);
    for (e, (a, want)) in fit.losses.iter().zip(&losses).enumerate() {
        assert!(close(*a, *want), "epoch {e}: {a} vs {want}");
    }
    // It learns: the loss falls and the weights have the planted signs.
    assert!(
        fit.losses[epochs - 1] < 0.8 * fit.losses[0],
        "{:?}",
        fit.losses
    );
    assert!(
        fit.weights[0] > 0.0 && fit.weights[1] < 0.0,
        "{:?}",
        fit.weights
    );
}

#[tokio::test]
async fn bad_logreg_input_is_named() {
    let ctx = bad_ctx().await;
    let e = sql_err(&ctx, "SELECT ua_logreg_grad('[0, 0]', n, city) FROM t").await;
    assert!(
        e.contains("argument 3 (`city`)") && e.contains("not numeric"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_logreg_grad('[0, 0, 0]', n, n) FROM t").await;
    assert!(
        e.contains("holds 3 numbers") && e.contains("1 feature column(s)"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_logreg_grad('[0, ', n, n) FROM t").await;
    assert!(
        e.contains("argument 1 (weights) is not a JSON list of numbers"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_logreg_grad('[0]', n, n) FROM t").await;
    assert!(e.contains("holds 1 number(s)"), "{e}");
    let e = sql_err(&ctx, "SELECT ua_logreg_grad('[0, 0]', n) FROM t").await;
    assert!(e.contains("2 argument(s)"), "{e}");
    // n is 1, 2, 3: row 2 is not a label.
    let e = sql_err(&ctx, "SELECT ua_logreg_grad('[0, 0]', n, n) FROM t").await;
    assert!(
        e.contains("label `n`") && e.contains("is 2 at row 2"),
        "{e}"
    );
    let e = sql_err(&ctx, "SELECT ua_logreg_grad('[0, 0]', n - n, a) FROM t").await;
    assert!(e.contains("`a`") && e.contains("NULL at row 2"), "{e}");
    let df = ctx.table("t").await.unwrap();
    let err = |r: datafusion::error::Result<LogRegFit>| r.unwrap_err().to_string();
    let e = err(logreg_fit(&df, "n", &["city"], 3, 0.1).await);
    assert!(e.contains("column `city` has type Utf8"), "{e}");
    let e = err(logreg_fit(&df, "nope", &["n"], 3, 0.1).await);
    assert!(e.contains("no column `nope`"), "{e}");
    let e = err(logreg_fit(&df, "n", &["n"], 0, 0.1).await);
    assert!(e.contains("epochs must be at least 1"), "{e}");
    let e = err(logreg_fit(&df, "n", &["n"], 3, 0.0).await);
    assert!(
        e.contains("learning_rate must be finite and > 0, found 0"),
        "{e}"
    );
    let e = err(logreg_fit(&df, "n", &[], 3, 0.1).await);
    assert!(e.contains("columns is empty"), "{e}");
}

#[tokio::test]
async fn ties_go_to_the_lowest_centre() {
    let ctx = bad_ctx().await;
    // n = 1, 2, 3. Row 2 is 1 from centres 1 and 3 (indices 0 and 1);
    // row 1 is at centre 1, row 3 at centre 3; centre 3 duplicated as
    // index 2 never wins.
    let b = ctx
        .sql("SELECT ua_kmeans_step('[[1], [3], [3]]', n) FROM t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let json = b[0]
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .value(0);
    let s = KMeansStep::from_json(json).unwrap();
    assert_eq!(s.counts, vec![2, 1, 0]);
    assert_eq!(s.centres, vec![vec![1.5], vec![3.0], vec![3.0]]);
    assert_eq!((s.inertia, s.shift, s.empty), (1.0, 0.25, 1));
}
