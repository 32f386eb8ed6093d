//! The design document's linear model (section 4.4), done correctly: predict
//! a continuous target from age and income with mean squared error and SGD.
//!
//! ```text
//! cargo run --release --example linear_sgd -- [--users 2000] [--epochs 50] [--seed 7]
//! ```
//!
//! `--help` lists the flags with their defaults; usage errors exit with
//! status 2. `--users` is checked against the memory budget
//! (`UA_MEMORY_BUDGET`) before anything is generated.
//!
//! Data (seed `--seed`, 7): 2,000 users (`--users`), age ~ U(18, 70), income ~ U(20,000,
//! 120,000); the planted target is annual spend = 200 + 15·age +
//! 0.01·income plus Gaussian noise (σ = 50). Features are standardised on the training split (raw
//! incomes would make SGD diverge), the model is one linear `Dense` layer
//! trained with MSE and SGD (momentum 0.9), and the learned coefficients are
//! mapped back to original units and compared with the planted ones.

use std::process::ExitCode;

use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use user_analytics::analytics::metrics::{r2_score, rmse};
use user_analytics::cli::{self, Command, Error, Flag};
use user_analytics::data::scale::StandardScaler;
use user_analytics::data::split::train_test_split;
use user_analytics::nn::layers::Dense;
use user_analytics::nn::losses::MeanSquaredError;
use user_analytics::nn::optim::Sgd;
use user_analytics::nn::{Activation, FitConfig, Sequential};

const CMD: Command = Command {
    name: "linear_sgd",
    about: "A linear model trained with MSE and SGD on synthetic users; the learned \
            coefficients are compared with the planted ones.",
    flags: &[
        Flag::value("--users", "N", "synthetic users (at least 10)").default("2000"),
        Flag::value("--epochs", "N", "training epochs").default("50"),
        Flag::value("--seed", "N", "seed of the data").default("7"),
    ],
    positional: None,
};

struct Args {
    users: usize,
    epochs: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, Error> {
    let m = CMD.parse(std::env::args_os().skip(1))?;
    let a = Args {
        users: m.required("--users")?,
        epochs: m.required("--epochs")?,
        seed: m.required("--seed")?,
    };
    if a.users < 10 {
        return Err(Error::usage(format!(
            "--users must be at least 10 (80/20 split), found {}",
            a.users
        )));
    }
    if a.epochs == 0 {
        return Err(Error::usage("--epochs must be at least 1, found 0"));
    }
    // x (2 columns) and y, f64, plus the split copies.
    cli::check_size("--users: the synthetic users", &[a.users, 3], 16)?;
    Ok(a)
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(a.seed);
    let noise = Normal::new(0.0, 50.0)?;
    let n = a.users;
    let mut x = Array2::<f64>::zeros((n, 2));
    let mut y = Array2::<f64>::zeros((n, 1));
    for i in 0..n {
        let age: f64 = rng.random_range(18.0..70.0);
        let income: f64 = rng.random_range(20_000.0..120_000.0);
        x[[i, 0]] = age;
        x[[i, 1]] = income;
        y[[i, 0]] = 200.0 + 15.0 * age + 0.01 * income + noise.sample(&mut rng);
    }
    let (train, test) = train_test_split(n, 0.2, 42, None)?;
    let scaler = StandardScaler::default().fit_matrix(x.select(Axis(0), &train).view())?;
    let x_train = scaler.transform_matrix(x.select(Axis(0), &train).view())?;
    let x_test = scaler.transform_matrix(x.select(Axis(0), &test).view())?;
    let (y_train, y_test) = (y.select(Axis(0), &train), y.select(Axis(0), &test));

    let mut model = Sequential::<f64>::builder(2)
        .dense(1, Activation::Identity)
        .seed(1)
        .build()?;
    let history = model.fit(
        x_train.view(),
        y_train.view(),
        &MeanSquaredError,
        &mut Sgd::new(0.01).momentum(0.9),
        FitConfig::new().epochs(a.epochs).batch_size(32).seed(1),
    )?;
    let losses = history.loss();
    println!(
        "training MSE: epoch 1 {:.1}, epoch {} {:.1}",
        losses.first().copied().unwrap_or(f64::NAN),
        losses.len(),
        losses.last().copied().unwrap_or(f64::NAN)
    );

    let pred = model.predict(x_test.view())?;
    println!(
        "test RMSE {:.2}  R² {:.4}",
        rmse(y_test.column(0), pred.column(0))?,
        r2_score(y_test.column(0), pred.column(0))?
    );

    // Back to original units: y = b + Σ w_j (x_j − μ_j) / σ_j.
    if let Some(dense) = model.layers()[0].downcast_ref::<Dense<f64>>() {
        let (weights, bias) = (dense.weights(), dense.bias());
        let (mean, scale) = (scaler.mean(), scaler.scale());
        let w_age = weights[[0, 0]] / scale[0];
        let w_income = weights[[1, 0]] / scale[1];
        let intercept = bias[0] - w_age * mean[0] - w_income * mean[1];
        println!("learned: spend = {intercept:.1} + {w_age:.3}·age + {w_income:.5}·income");
        println!("planted: spend = 200.0 + 15.000·age + 0.01000·income");
    }
    Ok(())
}

fn main() -> ExitCode {
    let a = match parse_args() {
        Ok(a) => a,
        Err(Error::Help(h)) => {
            println!("{h}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("linear_sgd: error: {e}");
            return ExitCode::from(e.code());
        }
    };
    match run(&a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linear_sgd: error: {e}");
            ExitCode::FAILURE
        }
    }
}
