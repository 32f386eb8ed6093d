//! The design document's linear model (section 4.4), done correctly: predict
//! a continuous target from age and income with mean squared error and SGD.
//!
//! ```text
//! cargo run --release --example linear_sgd
//! ```
//!
//! Data (seed 7): 2,000 users, age ~ U(18, 70), income ~ U(20,000,
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
use user_analytics::data::scale::StandardScaler;
use user_analytics::data::split::train_test_split;
use user_analytics::nn::layers::Dense;
use user_analytics::nn::losses::MeanSquaredError;
use user_analytics::nn::optim::Sgd;
use user_analytics::nn::{Activation, FitConfig, Sequential};

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(7);
    let noise = Normal::new(0.0, 50.0)?;
    let n = 2_000;
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
        FitConfig::new().epochs(50).batch_size(32).seed(1),
    )?;
    println!(
        "training MSE: epoch 1 {:.1}, epoch 50 {:.1}",
        history.loss()[0],
        history.loss()[49]
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
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linear_sgd: {e}");
            ExitCode::FAILURE
        }
    }
}
