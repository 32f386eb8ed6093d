//! Measuring example: trains the design document's network and reports
//! training and inference throughput.
//!
//! ```text
//! cargo run --release --example train_mlp -- [--rows 100000] [--features 16]
//!     [--batch-size 32] [--epochs 3] [--threads 1] [--data FILE [--delimiter ,]] [--seed 42] [--json]
//! ```
//!
//! `--help` lists the flags with their defaults; usage errors exit with
//! status 2, failures with status 1. `--rows × --features` is checked
//! against the memory budget (`UA_MEMORY_BUDGET`, default 8 GiB) before
//! anything is generated.
//!
//! Network: Dense(64, relu) → Dropout(0.5) → Dense(32, relu) → Dropout(0.5)
//! → Dense(1, sigmoid); Adam(1e-3); binary cross-entropy; shuffled
//! mini-batches. `train_samples_per_sec` times the training loop only (not
//! data generation or loading); `infer_samples_per_sec` times inference in
//! eval mode in batches of 4096 rows.
//!
//! Without `--data`, the data set is generated (seeded): per row `features`
//! standard normals z0..z{features-1} and one more, e; raw features
//! x_j = exp(z_j) for j < 4 and x_j = z_j otherwise, each standardised;
//! label = 1 if 1.2·z0·z1 + sin(2·z2) + 0.6·z3² − 0.6 + 0.8·z4 − 0.7·z5·z6 +
//! 0.5·tanh(z7 + z8) + 0.4·e > 0 (about 49 % positives; the other z are
//! noise). With `--data FILE`, a CSV with a header whose last column is the
//! 0/1 label and whose other columns are numeric features; a missing,
//! non-numeric or non-finite value is an error naming its file line and column.
//!
//! Training runs on one thread (at these batch sizes threads cost more than
//! they give). Inference runs on one thread with `--threads 1` (`predict`),
//! and with `--threads N > 1` on a rayon pool of N threads
//! (`predict_parallel`: the threads share the one model through `&self`).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ndarray::{Array2, Axis, s};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use user_analytics::cli::{self, Command, Delimiter, Error, Flag};
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::nn::losses::BinaryCrossEntropy;
use user_analytics::nn::optim::Adam;
use user_analytics::nn::{Activation, FitConfig, Sequential};

const CMD: Command = Command {
    name: "train_mlp",
    about: "Trains the design document's network on planted (or --data) rows and reports \
            training and inference throughput.",
    flags: &[
        Flag::value("--rows", "N", "generated rows").default("100000"),
        Flag::value("--features", "N", "generated features (at least 9)").default("16"),
        Flag::value("--batch-size", "N", "mini-batch size").default("32"),
        Flag::value("--epochs", "N", "training epochs").default("3"),
        Flag::value("--threads", "N", "inference threads").default("1"),
        Flag::value(
            "--data",
            "FILE",
            "CSV with a header: numeric features, then a 0/1 label",
        ),
        Flag::value(
            "--delimiter",
            "C",
            "field separator of --data: , ; | or tab",
        )
        .default(","),
        Flag::value("--seed", "N", "seed of the data and the network").default("42"),
        Flag::switch("--json", "print one JSON object"),
    ],
    positional: None,
};

/// More threads than this is a typo, not a plan.
const MAX_THREADS: usize = 1024;

struct Args {
    rows: usize,
    features: usize,
    batch_size: usize,
    epochs: usize,
    threads: usize,
    seed: u64,
    data: Option<String>,
    delimiter: u8,
    json: bool,
}

fn parse_args() -> Result<Args, Error> {
    let m = CMD.parse(std::env::args_os().skip(1))?;
    let a = Args {
        rows: m.required("--rows")?,
        features: m.required("--features")?,
        batch_size: m.required("--batch-size")?,
        epochs: m.required("--epochs")?,
        threads: m.required("--threads")?,
        seed: m.required("--seed")?,
        data: m.value("--data")?,
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
        json: m.switch("--json"),
    };
    if a.data.is_some() && (m.given("--rows") || m.given("--features")) {
        return Err(Error::usage(
            "--rows and --features are for generated data; --data FILE brings its own",
        ));
    }
    if a.data.is_none() && m.given("--delimiter") {
        return Err(Error::usage("--delimiter needs --data FILE"));
    }
    if a.features < 9 {
        return Err(Error::usage(format!(
            "--features must be at least 9 (the planted rule uses z0..z8), got {}",
            a.features
        )));
    }
    for (flag, v) in [
        ("--rows", a.rows),
        ("--threads", a.threads),
        ("--batch-size", a.batch_size),
        ("--epochs", a.epochs),
    ] {
        if v == 0 {
            return Err(Error::usage(format!("{flag} must be at least 1, found 0")));
        }
    }
    if a.threads > MAX_THREADS {
        return Err(Error::usage(format!(
            "--threads {} is more than {MAX_THREADS} threads; use at most the number of cores",
            a.threads
        )));
    }
    if a.data.is_none() {
        // f64 while generating, then the f32 copy.
        cli::check_size(
            "--rows × --features: the generated data",
            &[a.rows, a.features],
            12,
        )?;
    }
    Ok(a)
}

/// The planted data set described in the module docs.
pub fn generate(rows: usize, features: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::<f64>::zeros((rows, features));
    let mut y = Array2::<f32>::zeros((rows, 1));
    let mut z = vec![0.0f64; features];
    for i in 0..rows {
        for v in z.iter_mut() {
            *v = StandardNormal.sample(&mut rng);
        }
        let e: f64 = StandardNormal.sample(&mut rng);
        let score = 1.2 * z[0] * z[1] + (2.0 * z[2]).sin() + 0.6 * z[3] * z[3] - 0.6 + 0.8 * z[4]
            - 0.7 * z[5] * z[6]
            + 0.5 * (z[7] + z[8]).tanh()
            + 0.4 * e;
        y[[i, 0]] = f32::from(score > 0.0);
        for (j, &zj) in z.iter().enumerate() {
            x[[i, j]] = if j < 4 { zj.exp() } else { zj };
        }
    }
    // Standardise each column (population std).
    for mut col in x.axis_iter_mut(Axis(1)) {
        let m = col.mean().unwrap_or(0.0);
        let sd = col
            .mapv(|v| (v - m) * (v - m))
            .mean()
            .unwrap_or(1.0)
            .sqrt()
            .max(1e-12);
        col.mapv_inplace(|v| (v - m) / sd);
    }
    (x.mapv(|v| v as f32), y)
}

fn load(path: &str, delimiter: u8) -> Result<(Array2<f32>, Array2<f32>), Error> {
    cli::check_not_empty("--data", Path::new(path))?;
    if let Some(w) = cli::delimiter_warning(Path::new(path), delimiter) {
        eprintln!("{w}");
    }
    let opts = CsvOptions::default().delimiter(delimiter);
    let table = read_csv(path, &opts).map_err(|e| e.to_string())?;
    let names = table.column_names();
    if names.len() < 2 {
        return Err(Error::failed(format!(
            "{path}: needs at least one feature column and a label column, found {} column(s)",
            names.len()
        )));
    }
    if table.n_rows() == 0 {
        return Err(Error::failed(format!("{path}: no data rows")));
    }
    let all = cli::numeric_matrix(&table, &names, path, 1)?;
    if let Some(((row, col), bad)) = all
        .indexed_iter()
        .find(|(_, v)| v.abs() > f64::from(f32::MAX))
    {
        return Err(Error::failed(format!(
            "{path}, line {}, column `{}`: value {bad:e} does not fit the network's f32 numbers; \
             rescale the column",
            row + 2,
            names[col]
        )));
    }
    let d = names.len() - 1;
    let x = all.slice(s![.., ..d]).mapv(|v| v as f32);
    let y = all.slice(s![.., d..]).mapv(|v| v as f32);
    if let Some(row) = y.iter().position(|v| *v != 0.0 && *v != 1.0) {
        return Err(Error::failed(format!(
            "{path}, line {}, column `{}`: the label must be 0 or 1, found {}",
            row + 2,
            names[d],
            y[[row, 0]]
        )));
    }
    Ok((x, y))
}

fn run(a: &Args) -> Result<(), Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build_global()
        .map_err(|e| e.to_string())?;
    let (x, y) = match &a.data {
        Some(path) => load(path, a.delimiter)?,
        None => generate(a.rows, a.features, a.seed),
    };
    let n = x.nrows();
    let mut model = Sequential::<f32>::builder(x.ncols())
        .dense(64, Activation::Relu)
        .dropout(0.5)
        .dense(32, Activation::Relu)
        .dropout(0.5)
        .dense(1, Activation::Sigmoid)
        .seed(a.seed)
        .build()
        .map_err(|e| e.to_string())?;
    let mut adam = Adam::new(1e-3);
    let json = a.json;
    let cfg = FitConfig::new()
        .epochs(a.epochs)
        .batch_size(a.batch_size)
        .seed(a.seed)
        .on_epoch(move |log| {
            if !json {
                eprintln!(
                    "epoch {:>3}: loss {:.4}  accuracy {:.4}  ({:.2} s)",
                    log.epoch,
                    log.loss,
                    log.accuracy.unwrap_or(f64::NAN),
                    log.seconds
                );
            }
            user_analytics::nn::Control::Continue
        });
    let t = Instant::now();
    let history = model
        .fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut adam,
            cfg,
        )
        .map_err(|e| e.to_string())?;
    let train_secs = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let p = if a.threads > 1 {
        model.predict_parallel(x.view())
    } else {
        model.predict(x.view())
    }
    .map_err(|e| e.to_string())?;
    let infer_secs = t.elapsed().as_secs_f64();
    let correct = p
        .iter()
        .zip(y.iter())
        .filter(|(p, y)| (**p >= 0.5) == (**y >= 0.5))
        .count();

    let train_sps = (n * history.epochs.len()) as f64 / train_secs;
    let infer_sps = n as f64 / infer_secs;
    let final_loss = history.loss().last().copied().unwrap_or(f64::NAN);
    let train_accuracy = correct as f64 / n as f64;
    if a.json {
        let out = serde_json::json!({
            "rows": n,
            "features": x.ncols(),
            "batch_size": a.batch_size,
            "epochs": history.epochs.len(),
            "threads": a.threads,
            "train_samples_per_sec": train_sps,
            "infer_samples_per_sec": infer_sps,
            "final_loss": final_loss,
            "train_accuracy": train_accuracy,
        });
        println!("{out}");
    } else {
        println!("rows                   {n} × {} features", x.ncols());
        println!("train_samples_per_sec  {train_sps:.0}");
        println!("infer_samples_per_sec  {infer_sps:.0}");
        println!("final_loss             {final_loss:.4}");
        println!("train_accuracy         {train_accuracy:.4}");
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("train_mlp: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
