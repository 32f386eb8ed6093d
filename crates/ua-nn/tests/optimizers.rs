//! Optimizer steps against values computed by hand (textbook formulas).

use approx::assert_abs_diff_eq;
use ua_nn::optim::{Adam, AdamW, LrSchedule, Sgd};
use ua_nn::{Optimizer, Param, ParamKind};

/// Runs `grads` through `opt` on one scalar parameter starting at 1.0.
fn run(opt: &mut dyn Optimizer<f64>, kind: ParamKind, grads: &[f64]) -> Vec<f64> {
    let mut w = vec![1.0];
    grads
        .iter()
        .map(|&g| {
            let mut gv = vec![g];
            opt.begin_step();
            opt.update(
                0,
                Param {
                    kind,
                    value: &mut w,
                    grad: &mut gv,
                },
            );
            w[0]
        })
        .collect()
}

#[test]
fn sgd_plain_momentum_nesterov_and_weight_decay() {
    // w ← w − 0.1·2
    assert_eq!(
        run(&mut Sgd::new(0.1), ParamKind::Weight, &[2.0]),
        vec![0.8]
    );
    // b₁ = 2 → w = 0.8; b₂ = 0.9·2 + 2 = 3.8 → w = 0.8 − 0.38 = 0.42
    let w = run(
        &mut Sgd::new(0.1).momentum(0.9),
        ParamKind::Weight,
        &[2.0, 2.0],
    );
    assert_abs_diff_eq!(w[1], 0.42, epsilon = 1e-12);
    // Nesterov: step₁ = 2 + 0.9·2 = 3.8 → 0.62; b₂ = 3.8, step₂ = 2 + 0.9·3.8 = 5.42 → 0.078
    let w = run(
        &mut Sgd::new(0.1).momentum(0.9).nesterov(true),
        ParamKind::Weight,
        &[2.0, 2.0],
    );
    assert_abs_diff_eq!(w[0], 0.62, epsilon = 1e-12);
    assert_abs_diff_eq!(w[1], 0.078, epsilon = 1e-12);
    // weight decay 0.1: g' = 2 + 0.1·1 = 2.1 → 0.79; biases are not decayed → 0.8
    let mut sgd = Sgd::new(0.1).weight_decay(0.1);
    assert_abs_diff_eq!(
        run(&mut sgd, ParamKind::Weight, &[2.0])[0],
        0.79,
        epsilon = 1e-12
    );
    let mut sgd = Sgd::new(0.1).weight_decay(0.1);
    assert_abs_diff_eq!(
        run(&mut sgd, ParamKind::Bias, &[2.0])[0],
        0.8,
        epsilon = 1e-12
    );
}

#[test]
fn adam_matches_kingma_and_ba() {
    // Reference values from the textbook algorithm (lr 0.1, β 0.9/0.999, ε 1e-8)
    // computed step by step: m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), w −= lr·m̂/(√v̂+ε).
    let mut adam = Adam::new(0.1).epsilon(1e-8);
    let w = run(&mut adam, ParamKind::Weight, &[1.0, 0.5, -2.0]);
    assert_abs_diff_eq!(w[0], 0.900000001, epsilon = 1e-12);
    assert_abs_diff_eq!(w[1], 0.8067820382981611, epsilon = 1e-12);
    assert_abs_diff_eq!(w[2], 0.8274177408620569, epsilon = 1e-12);
    assert_eq!(adam.steps(), 3);
    // The design document's variant (ε subtracted from the gradient) would give
    // 1 − 0.1·(1 − 1e-8)/1 on the first step; Adam adds ε to the denominator.
}

#[test]
fn adamw_decays_weights_but_not_biases() {
    let mut opt = AdamW::new(0.1, 0.5).epsilon(1e-8);
    let w = run(&mut opt, ParamKind::Weight, &[1.0, 0.5]);
    assert_abs_diff_eq!(w[0], 0.850000001, epsilon = 1e-12);
    assert_abs_diff_eq!(w[1], 0.714282038248161, epsilon = 1e-12);
    let mut opt = AdamW::new(0.1, 0.5).epsilon(1e-8);
    let b = run(&mut opt, ParamKind::Bias, &[1.0, 0.5]);
    assert_abs_diff_eq!(b[1], 0.8067820382981611, epsilon = 1e-12);
}

#[test]
fn bad_hyper_parameters_are_rejected() {
    assert!(Optimizer::<f64>::validate(&Sgd::<f64>::new(0.0)).is_err());
    assert!(Optimizer::<f64>::validate(&Sgd::<f64>::new(0.1).momentum(1.0)).is_err());
    assert!(Optimizer::<f64>::validate(&Sgd::<f64>::new(0.1).nesterov(true)).is_err());
    assert!(Optimizer::<f64>::validate(&Adam::<f64>::new(f64::NAN)).is_err());
    assert!(Optimizer::<f64>::validate(&Adam::<f64>::new(0.1).betas(0.9, 1.0)).is_err());
    assert!(Optimizer::<f64>::validate(&Adam::<f64>::new(0.1).epsilon(0.0)).is_err());
    assert!(
        LrSchedule::Step {
            every: 0,
            gamma: 0.5
        }
        .validate()
        .is_err()
    );
    assert!(
        LrSchedule::Cosine {
            epochs: 10,
            min_lr: -1.0
        }
        .validate()
        .is_err()
    );
}

#[test]
fn schedules() {
    let c = LrSchedule::Cosine {
        epochs: 10,
        min_lr: 0.01,
    };
    assert_abs_diff_eq!(c.rate(0.1, 0), 0.1, epsilon = 1e-15);
    assert_abs_diff_eq!(c.rate(0.1, 10), 0.01, epsilon = 1e-15);
    assert_abs_diff_eq!(c.rate(0.1, 20), 0.01, epsilon = 1e-15);
    let s = LrSchedule::Step {
        every: 3,
        gamma: 0.1,
    };
    assert_abs_diff_eq!(s.rate(1.0, 5), 0.1, epsilon = 1e-15);
    assert_abs_diff_eq!(s.rate(1.0, 6), 0.01, epsilon = 1e-15);
}
