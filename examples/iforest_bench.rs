//! Measures the isolation forest: fit and score times (not the loading),
//! and the ROC-AUC of its scores when the points have labels.
//!
//! ```text
//! cargo run --release --example iforest_bench -- \
//!     [--rows 200000 --dims 16 [--data-seed 42] | --points FILE [--label-col COL]] \
//!     [--trees 100] [--sample-size 256] [--threads N] [--seed 42] \
//!     [--write-points FILE [--force]] [--json]
//! ```
//!
//! * Generated data (default): `ua_analytics::risk::planted_anomalies` —
//!   standard normal columns, every 100th row (`i % 100 == 0`) shifted by
//!   +3 in columns 0..3, labelled 1 (the ROC-AUC is computed against it).
//! * `--points FILE`: a numeric CSV with a header; `--label-col COL` names
//!   a 0/1 column used only for the ROC-AUC (never for fitting). Missing,
//!   non-numeric or non-finite values are errors with their file line.
//! * `--write-points FILE` writes the points (and the label as the last
//!   column `label`) so that another tool can fit identical data.
//! * `--threads N` runs in a rayon pool of `N` threads; default: all cores.
//!   The scores are the same for every thread count.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ua_analytics::RiskScorer;
use ua_analytics::metrics::roc_auc;
use ua_analytics::ndarray::{Array2, ArrayView2};
use ua_analytics::risk::{IsolationForest, planted_anomalies};
use ua_data::csv_io::{CsvOptions, read_csv};
use user_analytics::cli::{self, Command, Error, Flag};

const CMD: Command = Command {
    name: "iforest_bench",
    about: "Measures the isolation forest (fit and score time, ROC-AUC against planted or \
            given labels) on generated points or the points of a CSV file.",
    flags: &[
        Flag::value("--rows", "N", "generated points").default("200000"),
        Flag::value("--dims", "D", "dimensions of the generated points").default("16"),
        Flag::value("--data-seed", "N", "seed of the generated points").default("42"),
        Flag::value("--points", "FILE", "read the points from a numeric CSV"),
        Flag::value(
            "--label-col",
            "COL",
            "0/1 column of --points for the ROC-AUC (not a feature)",
        ),
        Flag::value("--trees", "N", "trees").default("100"),
        Flag::value("--sample-size", "N", "rows per tree (ψ)").default("256"),
        Flag::value("--threads", "N", "rayon threads (default: all cores)"),
        Flag::value("--seed", "N", "seed of the forest").default("42"),
        Flag::value(
            "--write-points",
            "FILE",
            "write the points (and labels) as CSV",
        ),
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
    data_seed: u64,
    points: Option<String>,
    label_col: Option<String>,
    trees: usize,
    sample_size: usize,
    threads: Option<usize>,
    seed: u64,
    write_points: Option<String>,
    force: bool,
    json: bool,
}

fn parse_args() -> Result<Args, Error> {
    let m = CMD.parse(std::env::args_os().skip(1))?;
    let a = Args {
        rows: m.required("--rows")?,
        dims: m.required("--dims")?,
        data_seed: m.required("--data-seed")?,
        points: m.value("--points")?,
        label_col: m.value("--label-col")?,
        trees: m.required("--trees")?,
        sample_size: m.required("--sample-size")?,
        threads: m.value("--threads")?,
        seed: m.required("--seed")?,
        write_points: m.value("--write-points")?,
        force: m.switch("--force"),
        json: m.switch("--json"),
    };
    if a.points.is_some() && (m.given("--rows") || m.given("--dims") || m.given("--data-seed")) {
        return Err(Error::usage(
            "--rows, --dims and --data-seed are for generated points; --points FILE reads them",
        ));
    }
    if a.points.is_none() && a.label_col.is_some() {
        return Err(Error::usage("--label-col needs --points FILE"));
    }
    if a.force && a.write_points.is_none() {
        return Err(Error::usage("--force only applies to --write-points FILE"));
    }
    for (flag, v) in [
        ("--rows", a.rows),
        ("--dims", a.dims),
        ("--trees", a.trees),
        ("--threads", a.threads.unwrap_or(1)),
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
    if a.points.is_none() {
        cli::check_size(
            "--rows × --dims: the generated points",
            &[a.rows, a.dims],
            4,
        )?;
    }
    Ok(a)
}

/// The points of `path` (every column but the label) and the labels.
fn read_points(path: &str, label: Option<&str>) -> Result<(Array2<f32>, Option<Vec<u8>>), Error> {
    cli::check_not_empty("--points", Path::new(path))?;
    let table = read_csv(path, &CsvOptions::default().infer_dates(false))
        .map_err(|e| Error::failed(e.to_string()))?;
    if table.n_rows() == 0 {
        return Err(Error::failed(format!("{path}: no data rows")));
    }
    let names: Vec<&str> = table
        .column_names()
        .into_iter()
        .filter(|n| Some(*n) != label)
        .collect();
    let x = cli::numeric_matrix(&table, &names, path, 1)?.mapv(|v| v as f32);
    let y = match label {
        None => None,
        Some(col) => {
            let values = cli::numeric_matrix(&table, &[col], path, 1)?;
            let mut y = Vec::with_capacity(values.nrows());
            for (i, &v) in values.column(0).iter().enumerate() {
                if v != 0.0 && v != 1.0 {
                    return Err(Error::failed(format!(
                        "{path}, line {}: --label-col {col} is {v}, expected 0 or 1",
                        i + 2
                    )));
                }
                y.push(u8::from(v == 1.0));
            }
            Some(y)
        }
    };
    Ok((x, y))
}

fn write_points(path: &str, x: ArrayView2<'_, f32>, y: Option<&[u8]>) -> Result<(), Error> {
    use std::io::Write;
    let io = |e: std::io::Error| Error::failed(format!("{path}: {e}"));
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    let mut header: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    if y.is_some() {
        header.push("label".into());
    }
    writeln!(w, "{}", header.join(",")).map_err(io)?;
    for (i, row) in x.rows().into_iter().enumerate() {
        let mut fields: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        if let Some(y) = y {
            fields.push(y[i].to_string());
        }
        writeln!(w, "{}", fields.join(",")).map_err(io)?;
    }
    w.flush().map_err(io)
}

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("iforest_bench: error: {e}");
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
    let (x, y) = match &a.points {
        Some(path) => read_points(path, a.label_col.as_deref())?,
        None => {
            let (x, y) = planted_anomalies(a.rows, a.dims, a.data_seed)
                .map_err(|e| Error::failed(e.to_string()))?;
            (x, Some(y))
        }
    };
    if let Some(path) = &a.write_points {
        write_points(path, x.view(), y.as_deref())?;
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = a.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| Error::failed(e.to_string()))?;
    let threads = pool.current_num_threads();
    let params = IsolationForest::new()
        .trees(a.trees)
        .sample_size(a.sample_size)
        .seed(a.seed);
    let failed = |e: ua_analytics::Error| Error::failed(e.to_string());
    let (forest, fit_seconds, scores, score_seconds) = pool.install(|| {
        let t = Instant::now();
        let forest = params.fit(x.view()).map_err(failed)?;
        let fit_seconds = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let scores = forest.risk_score(x.view()).map_err(failed)?;
        Ok::<_, Error>((forest, fit_seconds, scores, t.elapsed().as_secs_f64()))
    })?;
    let auc = match &y {
        Some(y) => Some(roc_auc(y, &scores).map_err(failed)?),
        None => None,
    };
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "rows": x.nrows(), "dims": x.ncols(), "trees": a.trees,
                "sample_size": forest.report().sample_size, "threads": threads,
                "fit_seconds": fit_seconds, "score_seconds": score_seconds,
                "total_seconds": fit_seconds + score_seconds, "roc_auc": auc,
            })
        );
    } else {
        println!("isolation forest: {}", forest.report());
        println!(
            "{} trees on {threads} thread(s): fit {fit_seconds:.3} s, score {score_seconds:.3} s",
            a.trees
        );
        match auc {
            Some(auc) => println!("ROC-AUC {auc:.4}"),
            None => println!("ROC-AUC: no labels"),
        }
    }
    Ok(())
}
