//! Measuring example: trains the design document's network and reports
//! training and inference throughput.
//!
//! ```text
//! cargo run --release --example train_mlp -- [--rows 100000] [--features 16]
//!     [--batch-size 32] [--epochs 3] [--threads 1] [--data FILE] [--seed 42] [--json]
//! ```
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
//! 0/1 label and whose other columns are numeric features.
//!
//! Training runs on one thread (at these batch sizes threads cost more than
//! they give). Inference runs on one thread with `--threads 1` (`predict`),
//! and with `--threads N > 1` on a rayon pool of N threads
//! (`predict_parallel`: the threads share the one model through `&self`).

use std::process::ExitCode;
use std::time::Instant;

use ndarray::{Array2, Axis, s};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::nn::losses::BinaryCrossEntropy;
use user_analytics::nn::optim::Adam;
use user_analytics::nn::{Activation, FitConfig, Sequential};

struct Args {
    rows: usize,
    features: usize,
    batch_size: usize,
    epochs: usize,
    threads: usize,
    seed: u64,
    data: Option<String>,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut p = pico_args::Arguments::from_env();
    let e = |e: pico_args::Error| e.to_string();
    let a = Args {
        rows: p
            .opt_value_from_str("--rows")
            .map_err(e)?
            .unwrap_or(100_000),
        features: p.opt_value_from_str("--features").map_err(e)?.unwrap_or(16),
        batch_size: p
            .opt_value_from_str("--batch-size")
            .map_err(e)?
            .unwrap_or(32),
        epochs: p.opt_value_from_str("--epochs").map_err(e)?.unwrap_or(3),
        threads: p.opt_value_from_str("--threads").map_err(e)?.unwrap_or(1),
        seed: p.opt_value_from_str("--seed").map_err(e)?.unwrap_or(42),
        data: p.opt_value_from_str("--data").map_err(e)?,
        json: p.contains("--json"),
    };
    let rest = p.finish();
    if !rest.is_empty() {
        return Err(format!("unknown arguments: {rest:?}"));
    }
    if a.features < 9 {
        return Err(format!(
            "--features must be at least 9 (the planted rule uses z0..z8), got {}",
            a.features
        ));
    }
    if a.rows == 0 || a.threads == 0 {
        return Err("--rows and --threads must be at least 1".into());
    }
    Ok(a)
}

/// The planted data set described in the module docs.
fn generate(rows: usize, features: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
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

fn load(path: &str) -> Result<(Array2<f32>, Array2<f32>), String> {
    let table = read_csv(path, &CsvOptions::default()).map_err(|e| e.to_string())?;
    let names = table.column_names();
    if names.len() < 2 {
        return Err(format!(
            "{path}: needs at least one feature column and a label column"
        ));
    }
    let all = table.numeric_matrix(&names).map_err(|e| e.to_string())?;
    let d = names.len() - 1;
    let x = all.slice(s![.., ..d]).mapv(|v| v as f32);
    let y = all.slice(s![.., d..]).mapv(|v| v as f32);
    if let Some(bad) = y.iter().find(|v| **v != 0.0 && **v != 1.0) {
        return Err(format!(
            "{path}: label column `{}` must hold 0/1, found {bad}",
            names[d]
        ));
    }
    Ok((x, y))
}

fn run(a: &Args) -> Result<(), String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build_global()
        .map_err(|e| e.to_string())?;
    let (x, y) = match &a.data {
        Some(path) => load(path)?,
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
        Err(e) => {
            eprintln!("train_mlp: {e}");
            ExitCode::FAILURE
        }
    }
}
