//! Measuring example: the design document's network written by hand on
//! plain `ndarray` — the baseline a Rust developer would otherwise write
//! (issue 14 compares `train_mlp` against it and against PyTorch).
//!
//! ```text
//! cargo run --release --example mlp_by_hand -- [--rows 100000] [--features 16]
//!     [--batch-size 32] [--epochs 3] [--seed 42] [--json]
//! ```
//!
//! Same data (`train_mlp`'s planted generator, same seed), network
//! (Dense 64 relu → Dropout 0.5 → Dense 32 relu → Dropout 0.5 → Dense 1
//! sigmoid, Glorot-uniform weights), loss (binary cross-entropy on the
//! logit), optimiser (Adam 1e-3) and shuffled mini-batches as `train_mlp`,
//! on one thread: products with `ndarray`'s `dot` (matrixmultiply),
//! element-wise passes with `mapv`/`Zip`, nothing from this workspace's
//! kernels. `train_samples_per_sec` times the training loop only;
//! `infer_samples_per_sec` the forward pass in batches of 4096.

#[allow(dead_code)]
#[path = "train_mlp.rs"]
mod train_mlp;

use std::process::ExitCode;
use std::time::Instant;

use ndarray::{Array1, Array2, ArrayView2, Axis, Zip};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use user_analytics::cli::{Command, Error, Flag};

const CMD: Command = Command {
    name: "mlp_by_hand",
    about: "Trains the design document's network written by hand on ndarray (a baseline for \
            train_mlp) and reports training and inference throughput.",
    flags: &[
        Flag::value("--rows", "N", "generated rows").default("100000"),
        Flag::value("--features", "N", "generated features (at least 9)").default("16"),
        Flag::value("--batch-size", "N", "mini-batch size").default("32"),
        Flag::value("--epochs", "N", "training epochs").default("3"),
        Flag::value("--seed", "N", "seed of the data and the weights").default("42"),
        Flag::switch("--json", "print one JSON object"),
    ],
    positional: None,
};

/// One dense layer with its Adam moments.
struct Layer {
    w: Array2<f32>,
    b: Array1<f32>,
    mw: Array2<f32>,
    vw: Array2<f32>,
    mb: Array1<f32>,
    vb: Array1<f32>,
}

impl Layer {
    fn new(inputs: usize, outputs: usize, rng: &mut StdRng) -> Self {
        let limit = (6.0 / (inputs + outputs) as f32).sqrt();
        Layer {
            w: Array2::from_shape_fn((inputs, outputs), |_| rng.random_range(-limit..limit)),
            b: Array1::zeros(outputs),
            mw: Array2::zeros((inputs, outputs)),
            vw: Array2::zeros((inputs, outputs)),
            mb: Array1::zeros(outputs),
            vb: Array1::zeros(outputs),
        }
    }

    fn forward(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        x.dot(&self.w) + &self.b
    }

    /// Adam step (bias-corrected) with the gradients `gw`, `gb`.
    fn adam(&mut self, gw: &Array2<f32>, gb: &Array1<f32>, t: i32) {
        let (lr, b1, b2, eps) = (1e-3f32, 0.9f32, 0.999f32, 1e-8f32);
        let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
        Zip::from(&mut self.w)
            .and(&mut self.mw)
            .and(&mut self.vw)
            .and(gw)
            .for_each(|w, m, v, &g| {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *w -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
            });
        Zip::from(&mut self.b)
            .and(&mut self.mb)
            .and(&mut self.vb)
            .and(gb)
            .for_each(|w, m, v, &g| {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *w -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
            });
    }
}

/// ReLU then inverted dropout (keep 0.5, scale 2); returns the output and
/// the factor each element was multiplied by (0 or 2, and 0 where ReLU cut).
fn relu_dropout(z: Array2<f32>, rng: &mut StdRng) -> (Array2<f32>, Array2<f32>) {
    let factor = z.mapv(|v| {
        if v > 0.0 && rng.random::<bool>() {
            2.0
        } else {
            0.0
        }
    });
    (&z * &factor, factor)
}

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

fn run(m: &user_analytics::cli::Matches) -> Result<String, Error> {
    let (rows, features): (usize, usize) = (m.required("--rows")?, m.required("--features")?);
    let (batch, epochs): (usize, usize) = (m.required("--batch-size")?, m.required("--epochs")?);
    let seed: u64 = m.required("--seed")?;
    if features < 9 || rows == 0 || batch == 0 || epochs == 0 || rows > 10_000_000 {
        return Err(Error::usage(
            "--features must be at least 9; --rows in 1..=10000000, --batch-size and --epochs at \
             least 1"
                .to_string(),
        ));
    }
    let (x, y) = train_mlp::generate(rows, features, seed);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut layers = [
        Layer::new(features, 64, &mut rng),
        Layer::new(64, 32, &mut rng),
        Layer::new(32, 1, &mut rng),
    ];
    let mut order: Vec<usize> = (0..rows).collect();
    let (mut step, mut last_loss) = (0, f64::NAN);
    let t = Instant::now();
    for _ in 0..epochs {
        order.shuffle(&mut rng);
        let mut loss_sum = 0.0f64;
        for idx in order.chunks(batch) {
            step += 1;
            let xb = x.select(Axis(0), idx);
            let yb = y.select(Axis(0), idx);
            let n = idx.len() as f32;
            let (h1, f1) = relu_dropout(layers[0].forward(xb.view()), &mut rng);
            let (h2, f2) = relu_dropout(layers[1].forward(h1.view()), &mut rng);
            let logit = layers[2].forward(h2.view());
            let p = logit.mapv(sigmoid);
            // Mean BCE on the logit: softplus(z) − y·z; its gradient (p − y)/n.
            loss_sum += Zip::from(&logit).and(&yb).fold(0.0f64, |acc, &z, &t| {
                acc + f64::from(z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z)
            });
            let g3 = (&p - &yb) / n;
            let g2 = g3.dot(&layers[2].w.t()) * &f2;
            let g1 = g2.dot(&layers[1].w.t()) * &f1;
            let grads = [
                (xb.t().dot(&g1), g1.sum_axis(Axis(0))),
                (h1.t().dot(&g2), g2.sum_axis(Axis(0))),
                (h2.t().dot(&g3), g3.sum_axis(Axis(0))),
            ];
            for (layer, (gw, gb)) in layers.iter_mut().zip(&grads) {
                layer.adam(gw, gb, step);
            }
        }
        last_loss = loss_sum / rows as f64;
    }
    let train_secs = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut correct = 0usize;
    for (xb, yb) in x
        .axis_chunks_iter(Axis(0), 4096)
        .zip(y.axis_chunks_iter(Axis(0), 4096))
    {
        let h1 = layers[0].forward(xb).mapv(|v| v.max(0.0));
        let h2 = layers[1].forward(h1.view()).mapv(|v| v.max(0.0));
        let p = layers[2].forward(h2.view()).mapv(sigmoid);
        correct += Zip::from(&p)
            .and(&yb)
            .fold(0, |c, &p, &t| c + usize::from((p >= 0.5) == (t >= 0.5)));
    }
    let infer_secs = t.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "rows": rows,
        "batch_size": batch,
        "epochs": epochs,
        "train_samples_per_sec": (rows * epochs) as f64 / train_secs,
        "infer_samples_per_sec": rows as f64 / infer_secs,
        "final_loss": last_loss,
        "train_accuracy": correct as f64 / rows as f64,
    });
    if m.switch("--json") {
        return Ok(out.to_string());
    }
    Ok(out
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k:<22} {v}"))
        .collect::<Vec<_>>()
        .join("\n"))
}

fn main() -> ExitCode {
    match CMD.parse(std::env::args_os().skip(1)).and_then(|m| run(&m)) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mlp_by_hand: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
