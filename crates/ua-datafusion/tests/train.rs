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
