//! The memory-budget guards of the models, under a tiny budget.
//!
//! `UA_MEMORY_BUDGET` is process-wide, so this file holds exactly one test
//! (each integration test file runs in its own process): it sets a 1 MiB
//! budget first and then checks every guard in turn.

use ndarray::Array2;
use ua_analytics::prediction::{LogisticRegression, MlpClassifier, Solver};
use ua_analytics::segmentation::{Algorithm, KMeans, MiniBatchKMeans};
use ua_nn::{Activation, Sequential};

fn data(n: usize, d: usize) -> (Array2<f32>, Vec<u8>) {
    let x = Array2::from_shape_fn((n, d), |(i, j)| ((i * 31 + j * 17) % 97) as f32 / 97.0);
    let y = (0..n).map(|i| u8::from(i % 2 == 0)).collect();
    (x, y)
}

fn assert_budget_error(e: impl std::fmt::Display, what: &str) {
    let m = e.to_string();
    assert!(
        m.contains("memory budget") && m.contains("UA_MEMORY_BUDGET") && m.contains(what),
        "{m}"
    );
}

#[test]
fn every_model_checks_its_allocations_against_the_budget() {
    // SAFETY: the only test of this process sets the variable before any
    // other thread reads the environment.
    unsafe { std::env::set_var("UA_MEMORY_BUDGET", "1M") };

    // Logistic regression: 2,000 rows × 100 features → a 1.6 MB design
    // matrix copy (f64) alone is over 1 MiB; the error gives the estimate.
    let (x, y) = data(2_000, 100);
    let e = LogisticRegression::new().fit(x.view(), &y).unwrap_err();
    assert_budget_error(&e, "2000 rows × 101 parameters");
    // Small enough: 200 × 10 fits.
    let (xs, ys) = data(200, 10);
    assert!(LogisticRegression::new().fit(xs.view(), &ys).is_ok());
    // Newton's p × p Hessian: 4 rows but 400 features → 401² f64 = 1.3 MB.
    let (xw, yw) = data(4, 400);
    let e = LogisticRegression::new()
        .solver(Solver::Newton)
        .fit(xw.view(), &yw)
        .unwrap_err();
    assert_budget_error(&e, "Newton");
    // L-BFGS has no Hessian and fits in the budget.
    assert!(
        LogisticRegression::new()
            .solver(Solver::Lbfgs)
            .fit(xw.view(), &yw)
            .is_ok()
    );

    // MLP: the parameter buffers of a 100 → 1000 → 1 network (≈ 100k
    // parameters × 4 buffers × 4 bytes = 1.6 MB).
    let e = MlpClassifier::new()
        .hidden(&[1000])
        .fit(x.view(), &y)
        .unwrap_err();
    assert_budget_error(&e, "parameters");
    // Sequential directly, f64.
    let e = Sequential::<f64>::builder(400)
        .dense(400, Activation::Relu)
        .build()
        .unwrap_err();
    assert_budget_error(&e, "160400 parameters");
    // The batch activations: a batch of 2,000 rows through 100 + 64 + 32 + 1
    // columns, three buffers each, is ≈ 4.7 MB.
    let e = MlpClassifier::new()
        .batch_size(2_000)
        .early_stopping(None)
        .fit(x.view(), &y)
        .unwrap_err();
    assert_budget_error(&e, "batch of 2000 rows");

    // k-means: Elkan's n × k bounds for 20,000 rows and k = 10 are 1.6 MB.
    let xk = Array2::from_shape_fn((20_000, 1), |(i, _)| i as f64);
    let e = KMeans::new(10)
        .algorithm(Algorithm::Elkan)
        .fit(xk.view())
        .unwrap_err();
    assert_budget_error(&e, "Elkan");
    assert_budget_error(&e, "20000 rows");
    let e = MiniBatchKMeans::new(10)
        .fit(Array2::from_shape_fn((60_000, 1), |(i, _)| i as f64).view())
        .unwrap_err();
    assert_budget_error(&e, "60000 rows");
    // A small k-means fits.
    let small = Array2::from_shape_fn((500, 2), |(i, j)| (i * (j + 1)) as f64);
    assert!(KMeans::new(3).fit(small.view()).is_ok());
}
