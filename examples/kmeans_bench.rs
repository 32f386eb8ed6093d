//! Measures k-means: the fit time (not the loading), the iterations and the
//! inertia, on a seeded mixture of Gaussians or on the points of a CSV file.
//!
//! ```text
//! cargo run --release --example kmeans_bench -- \
//!     [--rows 200000 --dims 8 | --points FILE] --k 8 [--n-init 1] [--threads N] \
//!     [--algorithm lloyd|elkan|minibatch] [--seed S] [--dtype f64|f32] \
//!     [--max-iter 300] [--tol 1e-4] [--silhouette N] [--write-points FILE] [--json] \
//!     [--data-seed 42] [--std 1.0]
//! ```
//!
//! * Generated data (default): `gaussian_blobs(rows, dims, 8 centres,
//!   std `--std` (default 1.0), centre box ±10, `--data-seed` (default 42))` — the centres are
//!   uniform in `[−10, 10)^dims`, point `i` belongs to centre `i mod 8` and
//!   adds `N(0, 1)` noise per dimension (see
//!   `ua_analytics::segmentation::gaussian_blobs`).
//! * `--points FILE`: a numeric CSV with one header row; every column is a
//!   dimension.
//! * `--write-points FILE` writes the points (as read or generated, shortest
//!   round-trip decimal form) so that another tool can fit identical data.
//! * `--silhouette N` also times the exact silhouette of the first `N` points
//!   with their fitted labels.
//! * `--threads N` runs in a rayon pool of `N` threads (`1` = the sequential
//!   path); the default is rayon's (all cores).

use std::time::Instant;

use ua_analytics::ndarray::{Array1, Array2, ArrayView2, s};
use ua_analytics::segmentation::{
    Algorithm, KMeans, MiniBatchKMeans, gaussian_blobs, silhouette_score,
};
use ua_tensor::Scalar;

struct Args {
    rows: usize,
    dims: usize,
    points: Option<String>,
    k: usize,
    n_init: usize,
    threads: Option<usize>,
    algorithm: String,
    seed: u64,
    data_seed: u64,
    std: f64,
    dtype: String,
    max_iter: usize,
    tol: f64,
    silhouette: Option<usize>,
    write_points: Option<String>,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut p = pico_args::Arguments::from_env();
    let e = |e: pico_args::Error| e.to_string();
    let a = Args {
        rows: p
            .opt_value_from_str("--rows")
            .map_err(e)?
            .unwrap_or(200_000),
        dims: p.opt_value_from_str("--dims").map_err(e)?.unwrap_or(8),
        points: p.opt_value_from_str("--points").map_err(e)?,
        k: p.opt_value_from_str("--k").map_err(e)?.unwrap_or(8),
        n_init: p.opt_value_from_str("--n-init").map_err(e)?.unwrap_or(1),
        threads: p.opt_value_from_str("--threads").map_err(e)?,
        algorithm: p
            .opt_value_from_str("--algorithm")
            .map_err(e)?
            .unwrap_or_else(|| "lloyd".to_string()),
        seed: p.opt_value_from_str("--seed").map_err(e)?.unwrap_or(0),
        data_seed: p
            .opt_value_from_str("--data-seed")
            .map_err(e)?
            .unwrap_or(42),
        std: p.opt_value_from_str("--std").map_err(e)?.unwrap_or(1.0),
        dtype: p
            .opt_value_from_str("--dtype")
            .map_err(e)?
            .unwrap_or_else(|| "f64".to_string()),
        max_iter: p
            .opt_value_from_str("--max-iter")
            .map_err(e)?
            .unwrap_or(300),
        tol: p.opt_value_from_str("--tol").map_err(e)?.unwrap_or(1e-4),
        silhouette: p.opt_value_from_str("--silhouette").map_err(e)?,
        write_points: p.opt_value_from_str("--write-points").map_err(e)?,
        json: p.contains("--json"),
    };
    let rest = p.finish();
    if !rest.is_empty() {
        return Err(format!("unknown arguments: {rest:?}"));
    }
    Ok(a)
}

/// Reads a numeric CSV with a header row; every column is a dimension.
fn read_points(path: &str) -> Result<Array2<f64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| format!("{path}: empty file"))?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let d = names.len();
    let mut values = Vec::new();
    let mut n = 0;
    for (ln, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut count = 0;
        for (c, field) in line.split(',').enumerate() {
            let v: f64 = field.trim().parse().map_err(|_| {
                format!(
                    "{path}: line {}, column {:?}: not a number: {field:?}",
                    ln + 2,
                    names.get(c).unwrap_or(&"?")
                )
            })?;
            values.push(v);
            count += 1;
        }
        if count != d {
            return Err(format!(
                "{path}: line {}: expected {d} fields, found {count}",
                ln + 2
            ));
        }
        n += 1;
    }
    Array2::from_shape_vec((n, d), values).map_err(|e| e.to_string())
}

fn write_points(path: &str, x: ArrayView2<'_, f64>) -> Result<(), String> {
    use std::io::Write;
    let f = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut w = std::io::BufWriter::new(f);
    let header: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    let io = |e: std::io::Error| format!("{path}: {e}");
    writeln!(w, "{}", header.join(",")).map_err(io)?;
    for row in x.rows() {
        let fields: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        writeln!(w, "{}", fields.join(",")).map_err(io)?;
    }
    Ok(())
}

struct Outcome {
    seconds: f64,
    iterations: usize,
    inertia: f64,
    silhouette: Option<(f64, f64)>,
}

/// What a fit reports, whichever algorithm made it; `seconds` times the
/// library's `fit` call alone.
struct Fit {
    seconds: f64,
    labels: Array1<usize>,
    iterations: usize,
    inertia: f64,
}

fn fit<S: Scalar>(x: ArrayView2<'_, S>, a: &Args, parallel: bool) -> Result<Fit, String> {
    let e = |e: ua_analytics::Error| e.to_string();
    match a.algorithm.as_str() {
        "lloyd" | "elkan" => {
            let alg = if a.algorithm == "lloyd" {
                Algorithm::Lloyd
            } else {
                Algorithm::Elkan
            };
            let t = Instant::now();
            let f = KMeans::new(a.k)
                .n_init(a.n_init)
                .algorithm(alg)
                .seed(a.seed)
                .max_iter(a.max_iter)
                .tol(a.tol)
                .parallel(parallel)
                .fit(x)
                .map_err(e)?;
            Ok(Fit {
                seconds: t.elapsed().as_secs_f64(),
                iterations: f.n_iter(),
                inertia: f.training_inertia(),
                labels: f.labels().to_owned(),
            })
        }
        "minibatch" => {
            let t = Instant::now();
            let f = MiniBatchKMeans::new(a.k)
                .n_init(a.n_init)
                .seed(a.seed)
                .parallel(parallel)
                .fit(x)
                .map_err(e)?;
            Ok(Fit {
                seconds: t.elapsed().as_secs_f64(),
                iterations: f.n_iter(),
                inertia: f.training_inertia(),
                labels: f.labels().to_owned(),
            })
        }
        other => Err(format!(
            "unknown --algorithm {other:?} (lloyd|elkan|minibatch)"
        )),
    }
}

fn run<S: Scalar>(x: ArrayView2<'_, S>, a: &Args, parallel: bool) -> Result<Outcome, String> {
    let fit = fit(x, a, parallel)?;
    let silhouette = match a.silhouette {
        None => None,
        Some(m) => {
            let m = m.min(x.nrows());
            let t = Instant::now();
            let s = silhouette_score(x.slice(s![..m, ..]), fit.labels.slice(s![..m]))
                .map_err(|e| e.to_string())?;
            Some((s, t.elapsed().as_secs_f64()))
        }
    };
    Ok(Outcome {
        seconds: fit.seconds,
        iterations: fit.iterations,
        inertia: fit.inertia,
        silhouette,
    })
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("kmeans_bench: {e}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<(), String> {
    let a = parse_args()?;
    let x: Array2<f64> = match &a.points {
        Some(path) => read_points(path)?,
        None => {
            gaussian_blobs::<f64>(a.rows, a.dims, 8, a.std, 10.0, a.data_seed)
                .map_err(|e| e.to_string())?
                .0
        }
    };
    if let Some(path) = &a.write_points {
        write_points(path, x.view())?;
    }
    let parallel = a.threads != Some(1);
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = a.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| e.to_string())?;
    let threads = pool.current_num_threads();
    let out = pool.install(|| match a.dtype.as_str() {
        "f64" => run(x.view(), &a, parallel),
        "f32" => {
            let x32 = x.mapv(|v| v as f32);
            run(x32.view(), &a, parallel)
        }
        other => Err(format!("unknown --dtype {other:?} (f64|f32)")),
    })?;
    let (n, d) = x.dim();
    if a.json {
        let mut v = serde_json::json!({
            "rows": n, "dims": d, "k": a.k, "n_init": a.n_init, "threads": threads,
            "algorithm": a.algorithm, "seed": a.seed, "dtype": a.dtype,
            "seconds": out.seconds, "iterations": out.iterations, "inertia": out.inertia,
        });
        if let Some((s, secs)) = out.silhouette {
            v["silhouette"] = serde_json::json!(s);
            v["silhouette_seconds"] = serde_json::json!(secs);
            v["silhouette_points"] = serde_json::json!(a.silhouette.unwrap_or(0).min(n));
        }
        println!("{v}");
    } else {
        println!(
            "data: {n} x {d}, k = {}, n_init = {}, {} threads, {}, {}",
            a.k, a.n_init, threads, a.algorithm, a.dtype
        );
        println!("seconds: {:.4}", out.seconds);
        println!("iterations: {}", out.iterations);
        println!("inertia: {:.6}", out.inertia);
        if let Some((s, secs)) = out.silhouette {
            println!("silhouette: {s:.6}");
            println!("silhouette_seconds: {secs:.4}");
        }
    }
    Ok(())
}
