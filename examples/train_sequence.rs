//! Measuring example: trains issue 12's sequence CNN beside static features
//! and reports training and inference throughput.
//!
//! ```text
//! cargo run --release --example train_sequence -- [--batch-size 256] [--epochs 3] [--threads 1]
//!     [--rows 100000] [--steps 50] [--min-length 5] [--numeric-channels 0] [--seed 42] [--json]
//! ```
//!
//! `--help` lists the flags with their defaults; usage errors exit with
//! status 2, failures with status 1.
//!
//! **Network** (one `Sequential`, trained by the ordinary `fit`):
//! `Parallel{ [tokens | numeric channels] → SequenceBranch(Embedding(1000, 32,
//! padding 0) → Conv1D(64 filters, width 3, same padding, ReLU) → max pool over
//! each row's length), [8 static features] → as they are }` → Dense(32, relu)
//! → Dense(1, sigmoid); Adam(1e-3); binary cross-entropy; shuffled
//! mini-batches. With the default `--numeric-channels 0` the convolution sees
//! the 32 embedding channels only (the shape of the PyTorch figure in the
//! issue: ≈ 1.8 MFLOP per sequence per training step).
//!
//! **Data** (generated, seeded): `--rows` sequences of up to `--steps` tokens,
//! each length uniform in `min-length..=steps` (default `5..=50`), right-padded with 0; tokens uniform in
//! `3..1000`; `--numeric-channels` standard normals per valid step (zeros in
//! the padding); 8 standard-normal static features s0..s7. In half of the rows
//! (chosen at random, m = 1) the motif "token 1 directly followed by token 2"
//! is planted at a random place; in the other half the two tokens are planted
//! in the other order ("2 then 1"), so a bag of tokens cannot tell the halves
//! apart and a model must see order. Label = 1 when
//! `3·(2m − 1) + s0 − 0.5·s1 + 0.5·ε > 0` (ε standard normal).
//!
//! `train_samples_per_sec` times `fit` only (not data generation);
//! `infer_samples_per_sec` times eval-mode inference over all rows in blocks
//! of 4,096. Both are wall-clock rates. On Linux the JSON also carries the
//! CPU time the calling thread spent in each phase (from
//! `/proc/thread-self/schedstat`, nanoseconds on the CPU) and the rates per
//! CPU second (`train_samples_per_cpu_sec`, `infer_samples_per_cpu_sec`,
//! with `--threads 1` only): on a machine shared with other work these say
//! what one core does when it runs this program, where the wall-clock rates
//! also count the time other processes held the core. Training runs on one thread; inference runs on one thread with
//! `--threads 1` (`predict`) and with `--threads N > 1` on a rayon pool of N
//! threads (`predict_parallel`).

use std::process::ExitCode;
use std::time::Instant;

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use user_analytics::cli::{self, Command, Error, Flag};
use user_analytics::nn::layers::{Conv1D, Embedding, Padding, Parallel, Pooling, SequenceBranch};
use user_analytics::nn::losses::BinaryCrossEntropy;
use user_analytics::nn::optim::Adam;
use user_analytics::nn::ua_tensor::init::{Initializer, seeded_rng};
use user_analytics::nn::{Activation, FitConfig, Layer, Sequential};

const CMD: Command = Command {
    name: "train_sequence",
    about: "Trains a 1-D CNN over token sequences beside static features on planted data and \
            reports training and inference throughput.",
    flags: &[
        Flag::value("--batch-size", "N", "mini-batch size").default("256"),
        Flag::value("--epochs", "N", "training epochs").default("3"),
        Flag::value("--threads", "N", "inference threads").default("1"),
        Flag::value("--rows", "N", "generated sequences").default("100000"),
        Flag::value("--steps", "N", "longest sequence (at least 5)").default("50"),
        Flag::value(
            "--min-length",
            "N",
            "shortest sequence (2..=steps; --min-length = --steps: no padding)",
        )
        .default("5"),
        Flag::value(
            "--numeric-channels",
            "N",
            "numeric values per step beside each token",
        )
        .default("0"),
        Flag::value("--seed", "N", "seed of the data and the network").default("42"),
        Flag::switch("--json", "print one JSON object"),
    ],
    positional: None,
};

const VOCAB: usize = 1000;
const EMBEDDING: usize = 32;
const FILTERS: usize = 64;
const STATIC: usize = 8;
/// More threads than this is a typo, not a plan.
const MAX_THREADS: usize = 1024;

struct Args {
    batch_size: usize,
    epochs: usize,
    threads: usize,
    rows: usize,
    steps: usize,
    min_length: usize,
    numeric: usize,
    seed: u64,
    json: bool,
}

fn parse_args() -> Result<Args, Error> {
    let m = CMD.parse(std::env::args_os().skip(1))?;
    let a = Args {
        batch_size: m.required("--batch-size")?,
        epochs: m.required("--epochs")?,
        threads: m.required("--threads")?,
        rows: m.required("--rows")?,
        steps: m.required("--steps")?,
        min_length: m.required("--min-length")?,
        numeric: m.required("--numeric-channels")?,
        seed: m.required("--seed")?,
        json: m.switch("--json"),
    };
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
    if a.steps < 5 {
        return Err(Error::usage(format!(
            "--steps must be at least 5 (lengths are uniform in 5..=steps), found {}",
            a.steps
        )));
    }
    if a.min_length < 2 || a.min_length > a.steps {
        return Err(Error::usage(format!(
            "--min-length must be in 2..={} (the planted motif needs two steps), found {}",
            a.steps, a.min_length
        )));
    }
    if a.threads > MAX_THREADS {
        return Err(Error::usage(format!(
            "--threads {} is more than {MAX_THREADS} threads; use at most the number of cores",
            a.threads
        )));
    }
    let width = a
        .steps
        .checked_mul(1 + a.numeric)
        .and_then(|w| w.checked_add(STATIC))
        .ok_or_else(|| Error::usage("--steps × --numeric-channels overflows"))?;
    cli::check_size(
        "--rows × the row width: the generated data",
        &[a.rows, width],
        4,
    )?;
    Ok(a)
}

/// The planted data set described in the module docs: rows
/// `[steps tokens | steps·numeric channels | 8 static]` and 0/1 labels.
fn generate(a: &Args) -> (Array2<f32>, Array2<f32>) {
    let (steps, k) = (a.steps, a.numeric);
    let width = steps * (1 + k) + STATIC;
    let mut rng = StdRng::seed_from_u64(a.seed);
    let mut x = Array2::<f32>::zeros((a.rows, width));
    let mut y = Array2::<f32>::zeros((a.rows, 1));
    let normal = |rng: &mut StdRng| -> f64 { StandardNormal.sample(rng) };
    for (mut row, label) in x.rows_mut().into_iter().zip(y.iter_mut()) {
        let len = rng.random_range(a.min_length..=steps);
        for t in 0..len {
            row[t] = rng.random_range(3..VOCAB) as f32;
            for c in 0..k {
                row[steps + t * k + c] = normal(&mut rng) as f32;
            }
        }
        let motif = rng.random::<bool>();
        let at = rng.random_range(0..len - 1);
        let (first, second) = if motif { (1.0, 2.0) } else { (2.0, 1.0) };
        row[at] = first;
        row[at + 1] = second;
        let s: Vec<f64> = (0..STATIC).map(|_| normal(&mut rng)).collect();
        for (j, &v) in s.iter().enumerate() {
            row[steps * (1 + k) + j] = v as f32;
        }
        let m = if motif { 1.0 } else { -1.0 };
        let score = 3.0 * m + s[0] - 0.5 * s[1] + 0.5 * normal(&mut rng);
        *label = f32::from(score > 0.0);
    }
    (x, y)
}

/// The network described in the module docs.
fn network(a: &Args) -> Result<Sequential<f32>, String> {
    let e = |e: user_analytics::nn::Error| e.to_string();
    let emb = Embedding::<f32>::new(VOCAB, EMBEDDING, a.seed)
        .and_then(|emb| emb.with_padding_index(Some(0)))
        .map_err(e)?;
    let conv = Conv1D::new(
        EMBEDDING + a.numeric,
        FILTERS,
        3,
        Activation::Relu,
        Initializer::HeUniform,
        &mut seeded_rng(a.seed.wrapping_add(1)),
    )
    .map_err(e)?
    .with_padding(Padding::Same);
    let seq = SequenceBranch::new(a.steps, a.numeric, emb, vec![conv], Pooling::Max).map_err(e)?;
    let both = Parallel::new(vec![
        (seq.input_dim(), vec![Box::new(seq) as Box<dyn Layer<f32>>]),
        (STATIC, vec![]),
    ])
    .map_err(e)?;
    Sequential::builder(a.steps * (1 + a.numeric) + STATIC)
        .layer(Box::new(both))
        .dense(32, Activation::Relu)
        .dense(1, Activation::Sigmoid)
        .seed(a.seed)
        .build()
        .map_err(e)
}

/// CPU time the calling thread has run, in seconds (Linux; `None` elsewhere).
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn run(a: &Args) -> Result<(), Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build_global()
        .map_err(|e| e.to_string())?;
    let (x, y) = generate(a);
    let n = x.nrows();
    let mut model = network(a)?;
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
    let cpu = thread_cpu_seconds();
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
    let train_cpu = cpu.zip(thread_cpu_seconds()).map(|(a, b)| b - a);

    let cpu = thread_cpu_seconds();
    let t = Instant::now();
    let p = if a.threads > 1 {
        model.predict_parallel(x.view())
    } else {
        model.predict(x.view())
    }
    .map_err(|e| e.to_string())?;
    let infer_secs = t.elapsed().as_secs_f64();
    // with more threads the work is not on this thread
    let infer_cpu = cpu
        .zip(thread_cpu_seconds())
        .map(|(a, b)| b - a)
        .filter(|_| a.threads == 1);
    let correct = p
        .iter()
        .zip(y.iter())
        .filter(|(p, y)| (**p >= 0.5) == (**y >= 0.5))
        .count();

    let train_sps = (n * history.epochs.len()) as f64 / train_secs;
    let infer_sps = n as f64 / infer_secs;
    let final_loss = history.loss().last().copied().unwrap_or(f64::NAN);
    let train_accuracy = correct as f64 / n as f64;
    let per_cpu = |samples: usize, secs: Option<f64>| secs.map(|s| samples as f64 / s);
    let train_per_cpu = per_cpu(n * history.epochs.len(), train_cpu);
    let infer_per_cpu = per_cpu(n, infer_cpu);
    if a.json {
        let out = serde_json::json!({
            "rows": n,
            "steps": a.steps,
            "min_length": a.min_length,
            "numeric_channels": a.numeric,
            "batch_size": a.batch_size,
            "epochs": history.epochs.len(),
            "threads": a.threads,
            "parameters": model.n_params(),
            "train_samples_per_sec": train_sps,
            "infer_samples_per_sec": infer_sps,
            "final_loss": final_loss,
            "train_accuracy": train_accuracy,
            "train_seconds": train_secs,
            "train_cpu_seconds": train_cpu,
            "train_samples_per_cpu_sec": train_per_cpu,
            "infer_cpu_seconds": infer_cpu,
            "infer_samples_per_cpu_sec": infer_per_cpu,
        });
        println!("{out}");
    } else {
        println!(
            "rows                   {n} sequences of up to {} tokens, {} numeric channels, {STATIC} static",
            a.steps, a.numeric
        );
        println!("parameters             {}", model.n_params());
        println!("train_samples_per_sec  {train_sps:.0}");
        println!("infer_samples_per_sec  {infer_sps:.0}");
        if let (Some(t), Some(i)) = (train_per_cpu, infer_per_cpu) {
            println!("per CPU second         train {t:.0}, infer {i:.0}");
        }
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
            eprintln!("train_sequence: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
