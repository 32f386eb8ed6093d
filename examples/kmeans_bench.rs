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
//! * `--points FILE`: a numeric CSV read with `ua_data::csv_io::read_csv`:
//!   one header row (`--no-header` if there is none), `--columns a,b` picks
//!   columns by name (default: all), `--delimiter` as elsewhere. A missing,
//!   non-numeric or non-finite value is an error with its file line and
//!   column.
//! * `--help` lists the flags with their defaults; usage errors exit with
//!   status 2, failures with status 1. `--rows × --dims` is checked against
//!   the memory budget (`UA_MEMORY_BUDGET`, default 8 GiB) before anything is
//!   generated; an inertia that overflows is an error, not a result.
//! * `--write-points FILE` (never the `--points` file; an existing file only
//!   with `--force`) writes the points (as read or generated, shortest
//!   round-trip decimal form) so that another tool can fit identical data.
//! * `--silhouette N` also times the exact silhouette of the first `N` points
//!   with their fitted labels.
//! * `--threads N` runs in a rayon pool of `N` threads (`1` = the sequential
//!   path); the default is rayon's (all cores).
//! * Besides the wall-clock `seconds` of the fit, `cpu_seconds` is the CPU
//!   time all threads of the process spent on a core during the fit (Linux:
//!   the sum of `/proc/self/task/*/schedstat`; absent elsewhere). On a
//!   loaded machine the wall clock counts the time other processes held the
//!   cores; the CPU time does not (it still feels their cache traffic).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ua_analytics::ndarray::{Array1, Array2, ArrayView2, s};
use ua_analytics::segmentation::{
    Algorithm, KMeans, MiniBatchKMeans, gaussian_blobs, silhouette_score,
};
use ua_data::csv_io::{CsvOptions, read_csv};
use ua_tensor::Scalar;
use user_analytics::cli::{self, Command, Delimiter, Error, Flag};

const CMD: Command = Command {
    name: "kmeans_bench",
    about: "Measures k-means (fit time, iterations, inertia) on a seeded mixture of Gaussians \
            or on the points of a CSV file.",
    flags: &[
        Flag::value("--rows", "N", "generated points").default("200000"),
        Flag::value("--dims", "D", "dimensions of the generated points").default("8"),
        Flag::value(
            "--points",
            "FILE",
            "read the points from a numeric CSV instead",
        ),
        Flag::value(
            "--columns",
            "COL,COL",
            "columns of --points to use (default: all)",
        ),
        Flag::switch(
            "--no-header",
            "--points has no header line (columns column_1, ...)",
        ),
        Flag::value(
            "--delimiter",
            "C",
            "field separator of --points: , ; | or tab",
        )
        .default(","),
        Flag::value("--k", "N", "number of clusters").default("8"),
        Flag::value("--n-init", "N", "k-means++ restarts").default("1"),
        Flag::value(
            "--threads",
            "N",
            "rayon threads (1 = sequential; default: all cores)",
        ),
        Flag::value("--algorithm", "lloyd|elkan|minibatch", "the algorithm").default("lloyd"),
        Flag::value("--seed", "N", "seed of k-means").default("0"),
        Flag::value("--data-seed", "N", "seed of the generated points").default("42"),
        Flag::value("--std", "S", "noise of the generated points").default("1.0"),
        Flag::value("--dtype", "f64|f32", "float type of the fit").default("f64"),
        Flag::value("--max-iter", "N", "iteration limit").default("300"),
        Flag::value("--tol", "T", "convergence tolerance").default("1e-4"),
        Flag::value(
            "--silhouette",
            "N",
            "also time the exact silhouette of the first N points",
        ),
        Flag::value("--write-points", "FILE", "write the points as CSV"),
        Flag::switch("--force", "replace the --write-points file if it exists"),
        Flag::switch("--json", "print one JSON object"),
    ],
    positional: None,
};

/// More threads than this is a typo, not a plan.
const MAX_THREADS: usize = 1024;

struct Args {
    rows: usize,
    dims: usize,
    points: Option<String>,
    columns: Vec<String>,
    no_header: bool,
    delimiter: u8,
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
    force: bool,
    json: bool,
}

fn parse_args() -> Result<Args, Error> {
    let m = CMD.parse(std::env::args_os().skip(1))?;
    let a = Args {
        rows: m.required("--rows")?,
        dims: m.required("--dims")?,
        points: m.value("--points")?,
        columns: m.list("--columns"),
        no_header: m.switch("--no-header"),
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
        k: m.required("--k")?,
        n_init: m.required("--n-init")?,
        threads: m.value("--threads")?,
        algorithm: m.required("--algorithm")?,
        seed: m.required("--seed")?,
        data_seed: m.required("--data-seed")?,
        std: m.required("--std")?,
        dtype: m.required("--dtype")?,
        max_iter: m.required("--max-iter")?,
        tol: m.required("--tol")?,
        silhouette: m.value("--silhouette")?,
        write_points: m.value("--write-points")?,
        force: m.switch("--force"),
        json: m.switch("--json"),
    };
    if a.points.is_some()
        && (m.given("--rows") || m.given("--dims") || m.given("--data-seed") || m.given("--std"))
    {
        return Err(Error::usage(
            "--rows, --dims, --data-seed and --std are for generated points; --points FILE reads them from the file",
        ));
    }
    if a.points.is_none() && (!a.columns.is_empty() || a.no_header || m.given("--delimiter")) {
        return Err(Error::usage(
            "--columns, --no-header and --delimiter need --points FILE",
        ));
    }
    if a.force && a.write_points.is_none() {
        return Err(Error::usage("--force only applies to --write-points FILE"));
    }
    for (flag, v) in [
        ("--rows", a.rows),
        ("--dims", a.dims),
        ("--k", a.k),
        ("--n-init", a.n_init),
        ("--max-iter", a.max_iter),
        ("--threads", a.threads.unwrap_or(1)),
        ("--silhouette", a.silhouette.unwrap_or(1)),
    ] {
        if v == 0 {
            return Err(Error::usage(format!("{flag} must be at least 1, found 0")));
        }
    }
    if a.threads.unwrap_or(1) > MAX_THREADS {
        return Err(Error::usage(format!(
            "--threads {} is more than {MAX_THREADS} threads; use at most the number of cores",
            a.threads.unwrap_or(1)
        )));
    }
    // Both are finite (checked by the parser).
    if a.std <= 0.0 || a.tol < 0.0 {
        return Err(Error::usage(format!(
            "--std must be > 0 and --tol ≥ 0, found --std {} --tol {}",
            a.std, a.tol
        )));
    }
    if !["lloyd", "elkan", "minibatch"].contains(&a.algorithm.as_str()) {
        return Err(Error::usage(format!(
            "--algorithm: '{}' is not one of lloyd, elkan, minibatch",
            a.algorithm
        )));
    }
    if !["f64", "f32"].contains(&a.dtype.as_str()) {
        return Err(Error::usage(format!(
            "--dtype: '{}' is not one of f64, f32",
            a.dtype
        )));
    }
    if a.points.is_none() {
        // The generated points (f64, plus an f32 copy) before generating them.
        let bytes = if a.dtype == "f32" { 12 } else { 8 };
        cli::check_size(
            "--rows × --dims: the generated points",
            &[a.rows, a.dims],
            bytes,
        )?;
    }
    Ok(a)
}

/// Reads the points through ua-data's CSV reader: a header line unless
/// `--no-header`, the `--columns` (default all), every value a finite number
/// (errors give the file line and column).
fn read_points(a: &Args, path: &str) -> Result<Array2<f64>, Error> {
    cli::check_not_empty("--points", Path::new(path))?;
    if let Some(w) = cli::delimiter_warning(Path::new(path), a.delimiter) {
        eprintln!("{w}");
    }
    let opts = CsvOptions::default()
        .delimiter(a.delimiter)
        .has_header(!a.no_header)
        .infer_dates(false);
    let table = read_csv(path, &opts).map_err(|e| Error::failed(e.to_string()))?;
    if table.n_rows() == 0 {
        return Err(Error::failed(format!(
            "{path}: no data rows (a header line, then one point per line{})",
            if a.no_header {
                ""
            } else {
                "; pass --no-header if the file has no header"
            }
        )));
    }
    let names: Vec<&str> = if a.columns.is_empty() {
        table.column_names()
    } else {
        a.columns.iter().map(String::as_str).collect()
    };
    if !a.no_header
        && table
            .column_names()
            .iter()
            .all(|n| n.trim().parse::<f64>().is_ok())
    {
        return Err(Error::usage(format!(
            "{path}, line 1: the header {:?} looks like data (all numbers); pass --no-header \
             if the file has no header line",
            table.column_names().join(",")
        )));
    }
    let header_lines = usize::from(!a.no_header);
    cli::numeric_matrix(&table, &names, path, header_lines)
}

fn write_points(path: &str, x: ArrayView2<'_, f64>) -> Result<(), Error> {
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
    w.flush().map_err(io)?;
    Ok(())
}

/// CPU time (seconds) all threads of this process have spent on a core so
/// far, from `/proc/self/task/*/schedstat` (Linux); `None` elsewhere.
fn process_cpu_seconds() -> Option<f64> {
    let mut ns: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 * 1e-9)
}

struct Outcome {
    seconds: f64,
    cpu_seconds: Option<f64>,
    iterations: usize,
    inertia: f64,
    silhouette: Option<(f64, f64)>,
}

/// What a fit reports, whichever algorithm made it; `seconds` times the
/// library's `fit` call alone.
struct Fit {
    seconds: f64,
    cpu_seconds: Option<f64>,
    labels: Array1<usize>,
    iterations: usize,
    inertia: f64,
}

fn fit<S: Scalar>(x: ArrayView2<'_, S>, a: &Args, parallel: bool) -> Result<Fit, String> {
    if a.k > x.nrows() {
        return Err(format!("--k {} is more than the {} points", a.k, x.nrows()));
    }
    let e = |e: ua_analytics::Error| e.to_string();
    match a.algorithm.as_str() {
        "lloyd" | "elkan" => {
            let alg = if a.algorithm == "lloyd" {
                Algorithm::Lloyd
            } else {
                Algorithm::Elkan
            };
            let cpu = process_cpu_seconds();
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
            let seconds = t.elapsed().as_secs_f64();
            Ok(Fit {
                seconds,
                cpu_seconds: process_cpu_seconds().zip(cpu).map(|(b, a)| b - a),
                iterations: f.n_iter(),
                inertia: f.training_inertia(),
                labels: f.labels().to_owned(),
            })
        }
        "minibatch" => {
            let cpu = process_cpu_seconds();
            let t = Instant::now();
            let f = MiniBatchKMeans::new(a.k)
                .n_init(a.n_init)
                .seed(a.seed)
                .parallel(parallel)
                .fit(x)
                .map_err(e)?;
            let seconds = t.elapsed().as_secs_f64();
            Ok(Fit {
                seconds,
                cpu_seconds: process_cpu_seconds().zip(cpu).map(|(b, a)| b - a),
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
        cpu_seconds: fit.cpu_seconds,
        iterations: fit.iterations,
        inertia: fit.inertia,
        silhouette,
    })
}

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kmeans_bench: error: {e}");
            ExitCode::from(e.code())
        }
    }
}

fn real_main() -> Result<(), Error> {
    let a = parse_args()?;
    if let Some(out) = &a.write_points {
        let inputs: Vec<(&str, &Path)> = a
            .points
            .as_deref()
            .map(|p| ("--points", Path::new(p)))
            .into_iter()
            .collect();
        cli::check_output("--write-points", Path::new(out), &inputs, a.force)?;
    }
    let x: Array2<f64> = match &a.points {
        Some(path) => read_points(&a, path)?,
        None => {
            gaussian_blobs::<f64>(a.rows, a.dims, 8, a.std, 10.0, a.data_seed)
                .map_err(|e| e.to_string())?
                .0
        }
    };
    if a.dtype == "f32" {
        cli::check_size("the f32 copy of the points", &[x.nrows(), x.ncols()], 4)?;
    }
    cli::check_size("--k × points: distances per point", &[x.nrows(), a.k], 8)?;
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
    if !out.inertia.is_finite() {
        return Err(Error::failed(format!(
            "the inertia overflowed ({}): the points are too large for squared distances in {}; \
             rescale the data",
            out.inertia, a.dtype
        )));
    }
    let (n, d) = x.dim();
    if a.json {
        let mut v = serde_json::json!({
            "rows": n, "dims": d, "k": a.k, "n_init": a.n_init, "threads": threads,
            "algorithm": a.algorithm, "seed": a.seed, "dtype": a.dtype,
            "seconds": out.seconds, "iterations": out.iterations, "inertia": out.inertia,
        });
        if let Some(c) = out.cpu_seconds {
            v["cpu_seconds"] = serde_json::json!(c);
        }
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
        if let Some(c) = out.cpu_seconds {
            println!("cpu_seconds: {c:.4}");
        }
        println!("iterations: {}", out.iterations);
        println!("inertia: {:.6}", out.inertia);
        if let Some((s, secs)) = out.silhouette {
            println!("silhouette: {s:.6}");
            println!("silhouette_seconds: {secs:.4}");
        }
    }
    Ok(())
}
