//! Models learn planted answers; training is deterministic; bad input is an error.

use ndarray::{Array1, Array2, Axis, array};
use rand::Rng;
use ua_nn::layers::Dense;
use ua_nn::losses::{BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError};
use ua_nn::optim::{Adam, LrSchedule, Sgd};
use ua_nn::{
    Activation, ClassWeight, Control, EarlyStopping, Error, FitConfig, Persist, Sequential,
};
use ua_tensor::init::seeded_rng;

/// Two concentric rings: label 1 inside radius 1, 0 in the ring 1.4..2.2.
fn rings(n: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let mut rng = seeded_rng(seed);
    let mut x = Array2::zeros((n, 2));
    let mut y = Array2::zeros((n, 1));
    for i in 0..n {
        let inside = i % 2 == 0;
        let r: f32 = if inside {
            rng.random_range(0.0..1.0)
        } else {
            rng.random_range(1.4..2.2)
        };
        let a: f32 = rng.random_range(0.0..std::f32::consts::TAU);
        x[[i, 0]] = r * a.cos();
        x[[i, 1]] = r * a.sin();
        y[[i, 0]] = f32::from(inside);
    }
    (x, y)
}

fn accuracy(p: &Array2<f32>, y: &Array2<f32>) -> f64 {
    p.iter()
        .zip(y.iter())
        .filter(|(p, y)| (**p >= 0.5) == (**y >= 0.5))
        .count() as f64
        / y.len() as f64
}

fn design_network(seed: u64) -> Sequential<f32> {
    Sequential::builder(2)
        .dense(64, Activation::Relu)
        .dropout(0.5)
        .dense(32, Activation::Relu)
        .dropout(0.5)
        .dense(1, Activation::Sigmoid)
        .seed(seed)
        .build()
        .unwrap()
}

#[test]
fn design_network_learns_concentric_rings() {
    let (x, y) = rings(1200, 1);
    let (xt, yt) = rings(600, 2);
    let mut m = design_network(42);
    let h = m
        .fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.01),
            FitConfig::new().epochs(40).seed(7),
        )
        .unwrap();
    assert_eq!(h.epochs.len(), 40);
    let acc = accuracy(&m.predict(xt.view()).unwrap(), &yt);
    assert!(acc >= 0.97, "held-out accuracy {acc}");
    assert!(h.loss()[39] < h.loss()[0] * 0.5);
}

#[test]
fn xor_with_tanh_and_sgd_nesterov() {
    let mut rng = seeded_rng(3);
    let n = 800;
    let x = Array2::from_shape_fn((n, 2), |_| rng.random_range(-1.0f32..1.0));
    let y = Array2::from_shape_fn((n, 1), |(i, _)| f32::from(x[[i, 0]] * x[[i, 1]] > 0.0));
    let mut m = Sequential::<f32>::builder(2)
        .dense(16, Activation::Tanh)
        .dense(1, Activation::Identity)
        .seed(1)
        .build()
        .unwrap();
    let mut opt = Sgd::new(0.1).momentum(0.9).nesterov(true);
    m.fit(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::from_logits(),
        &mut opt,
        FitConfig::new().epochs(150).batch_size(32).seed(1),
    )
    .unwrap();
    let logits = m.predict(x.view()).unwrap();
    let acc = logits
        .iter()
        .zip(y.iter())
        .filter(|(z, t)| (**z > 0.0) == (**t > 0.5))
        .count() as f64
        / n as f64;
    assert!(acc >= 0.97, "XOR accuracy {acc}");
}

#[test]
fn linear_regression_recovers_planted_weights() {
    let mut rng = seeded_rng(5);
    let n = 500;
    let x = Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0f64..1.0));
    let w = array![[1.5], [-2.0], [0.5]];
    let y = x.dot(&w) + 0.25;
    let mut m = Sequential::<f64>::builder(3)
        .dense(1, Activation::Identity)
        .seed(0)
        .build()
        .unwrap();
    m.fit(
        x.view(),
        y.view(),
        &MeanSquaredError,
        &mut Sgd::new(0.1),
        FitConfig::new().epochs(300).batch_size(50),
    )
    .unwrap();
    let dense = m.layers()[0].downcast_ref::<Dense<f64>>().unwrap();
    let (weights, bias) = (dense.weights(), dense.bias());
    for (got, want) in weights.iter().zip([1.5, -2.0, 0.5]) {
        assert!((got - want).abs() < 1e-3, "weights {weights}");
    }
    assert!((bias[0] - 0.25).abs() < 1e-3, "bias {bias}");
}

#[test]
fn multiclass_softmax_cross_entropy() {
    // Three well-separated blobs.
    let mut rng = seeded_rng(11);
    let centres = [(-2.0f32, 0.0f32), (2.0, 0.0), (0.0, 2.5)];
    let n = 600;
    let mut x = Array2::zeros((n, 2));
    let mut y = Array2::zeros((n, 3));
    for i in 0..n {
        let c = i % 3;
        x[[i, 0]] = centres[c].0 + rng.random_range(-0.7..0.7);
        x[[i, 1]] = centres[c].1 + rng.random_range(-0.7..0.7);
        y[[i, c]] = 1.0;
    }
    let mut m = Sequential::<f32>::builder(2)
        .dense(16, Activation::Relu)
        .dense(3, Activation::Identity)
        .seed(2)
        .build()
        .unwrap();
    let loss = CategoricalCrossEntropy::new();
    let h = m
        .fit(
            x.view(),
            y.view(),
            &loss,
            &mut Adam::new(0.02),
            FitConfig::new().epochs(30),
        )
        .unwrap();
    assert!(
        h.accuracy().last().copied().unwrap() > 0.98,
        "{:?}",
        h.accuracy()
    );
    let (_, acc) = m.evaluate(x.view(), y.view(), &loss).unwrap();
    assert!(acc.unwrap() > 0.98);
}

#[test]
fn same_seed_same_weights_different_seed_different() {
    let (x, y) = rings(200, 9);
    let run = |seed| {
        let mut m = design_network(seed);
        m.fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.01),
            FitConfig::new().epochs(3).seed(seed),
        )
        .unwrap();
        m.to_json().unwrap()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    // Pure-noise labels: validation loss stops improving quickly.
    let mut rng = seeded_rng(21);
    let x = Array2::from_shape_fn((300, 4), |_| rng.random_range(-1.0f32..1.0));
    let y = Array2::from_shape_fn((300, 1), |_| f32::from(rng.random::<bool>()));
    let mut m = Sequential::<f32>::builder(4)
        .dense(64, Activation::Relu)
        .dense(1, Activation::Sigmoid)
        .seed(3)
        .build()
        .unwrap();
    let h = m
        .fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.05),
            FitConfig::new()
                .epochs(200)
                .early_stopping(EarlyStopping::new().patience(5).validation_fraction(0.3)),
        )
        .unwrap();
    assert!(h.stopped_early, "ran {} epochs", h.epochs.len());
    assert_eq!(h.epochs.len(), h.best_epoch + 5);
    assert!(h.restored_best);
    let vl = h.val_loss();
    let best = vl.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(vl[h.best_epoch - 1], best);
}

#[test]
fn callback_sees_every_epoch_and_can_stop() {
    let (x, y) = rings(100, 4);
    let mut seen = Vec::new();
    let mut m = design_network(1);
    let h = m
        .fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.01),
            FitConfig::new()
                .epochs(10)
                .schedule(LrSchedule::Step {
                    every: 2,
                    gamma: 0.5,
                })
                .on_epoch(|log| {
                    seen.push((log.epoch, log.learning_rate));
                    if log.epoch == 4 {
                        Control::Stop
                    } else {
                        Control::Continue
                    }
                }),
        )
        .unwrap();
    assert_eq!(seen, vec![(1, 0.01), (2, 0.01), (3, 0.005), (4, 0.005)]);
    assert_eq!(h.epochs.len(), 4);
    assert!(h.stopped_early);
}

#[test]
fn balanced_class_weights_lift_recall_of_the_rare_class() {
    // 10% positives, overlapping classes: balanced weights must raise recall.
    let mut rng = seeded_rng(8);
    let n = 2000;
    let y = Array2::from_shape_fn((n, 1), |(i, _)| f32::from(i % 10 == 0));
    let x = Array2::from_shape_fn((n, 1), |(i, _)| {
        y[[i, 0]] * 1.0 + rng.random_range(-1.0f32..1.0)
    });
    let recall = |cw: Option<ClassWeight>| {
        let mut m = Sequential::<f32>::builder(1)
            .dense(1, Activation::Sigmoid)
            .seed(0)
            .build()
            .unwrap();
        let mut cfg = FitConfig::new().epochs(20);
        if let Some(cw) = cw {
            cfg = cfg.class_weight(cw);
        }
        m.fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.05),
            cfg,
        )
        .unwrap();
        let p = m.predict(x.view()).unwrap();
        let tp = p
            .iter()
            .zip(y.iter())
            .filter(|(p, y)| **p >= 0.5 && **y == 1.0)
            .count();
        tp as f64 / (n / 10) as f64
    };
    let plain = recall(None);
    let balanced = recall(Some(ClassWeight::Balanced));
    assert!(balanced > plain + 0.2, "plain {plain}, balanced {balanced}");
}

#[test]
fn l2_penalty_shrinks_weights_and_clipping_keeps_training_finite() {
    let mut rng = seeded_rng(2);
    let x = Array2::from_shape_fn((200, 5), |_| rng.random_range(-1.0f64..1.0));
    let y = x.sum_axis(Axis(1)).insert_axis(Axis(1));
    let norm = |l2: f64| {
        let mut m = Sequential::<f64>::builder(5)
            .dense(1, Activation::Identity)
            .seed(0)
            .build()
            .unwrap();
        m.fit(
            x.view(),
            y.view(),
            &MeanSquaredError,
            &mut Sgd::new(0.05),
            FitConfig::new()
                .epochs(100)
                .regularization(0.0, l2)
                .clip_norm(1.0),
        )
        .unwrap();
        let dense = m.layers()[0].downcast_ref::<Dense<f64>>().unwrap();
        dense.weights().iter().map(|w| w * w).sum::<f64>().sqrt()
    };
    let (free, shrunk) = (norm(0.0), norm(1.0));
    assert!((free - 5f64.sqrt()).abs() < 0.05, "unpenalised norm {free}");
    assert!(shrunk < 0.5 * free, "{shrunk} vs {free}");
}

#[test]
fn divergence_is_reported_with_epoch_and_batch() {
    let x = Array2::from_shape_fn((64, 1), |(i, _)| i as f32);
    let y = x.mapv(|v| 1e3 * v);
    let mut m = Sequential::<f32>::builder(1)
        .dense(1, Activation::Identity)
        .build()
        .unwrap();
    let e = m
        .fit(
            x.view(),
            y.view(),
            &MeanSquaredError,
            &mut Sgd::new(10.0),
            FitConfig::new().epochs(50),
        )
        .unwrap_err();
    match e {
        Error::Diverged { epoch, batch, .. } => assert!(epoch >= 1 && batch >= 1),
        other => panic!("expected divergence, got {other}"),
    }
}

#[test]
fn bad_inputs_are_errors_that_name_the_problem() {
    let mut m = design_network(0);
    let x = Array2::<f32>::zeros((10, 2));
    let y = Array2::<f32>::zeros((10, 1));
    let bce = BinaryCrossEntropy::new();
    let fit = |m: &mut Sequential<f32>,
               x: &Array2<f32>,
               y: &Array2<f32>,
               lr: f64,
               cfg: FitConfig<'_, f32>| {
        m.fit(x.view(), y.view(), &bce, &mut Adam::new(lr), cfg)
            .unwrap_err()
            .to_string()
    };
    let e = fit(&mut m, &Array2::zeros((10, 3)), &y, 0.01, FitConfig::new());
    assert!(
        e.contains("2 feature columns") && e.contains("3 columns"),
        "{e}"
    );
    let e = fit(&mut m, &x, &Array2::zeros((9, 1)), 0.01, FitConfig::new());
    assert!(e.contains("fit targets"), "{e}");
    let e = fit(
        &mut m,
        &Array2::zeros((0, 2)),
        &Array2::zeros((0, 1)),
        0.01,
        FitConfig::new(),
    );
    assert!(e.contains("empty"), "{e}");
    let mut xn = x.clone();
    xn[[3, 1]] = f32::NAN;
    let e = fit(&mut m, &xn, &y, 0.01, FitConfig::new());
    assert!(e.contains("NaN") && e.contains("(3, 1)"), "{e}");
    let e = fit(&mut m, &x, &y, 0.01, FitConfig::new().batch_size(0));
    assert!(e.contains("batch_size must be ≥ 1, got 0"), "{e}");
    let e = fit(&mut m, &x, &y, 0.0, FitConfig::new());
    assert!(e.contains("learning rate"), "{e}");
    let e = fit(&mut m, &x, &y, -1.0, FitConfig::new());
    assert!(e.contains("learning rate"), "{e}");
    let mut yb = y.clone();
    yb[[0, 0]] = 2.0;
    let e = fit(&mut m, &x, &yb, 0.01, FitConfig::new());
    assert!(e.contains("[0, 1]"), "{e}");
    let e = Sequential::<f32>::builder(2)
        .dropout(1.0)
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("rate must be in [0, 1)"), "{e}");
    let e = Sequential::<f32>::builder(2)
        .dropout(-0.1)
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("rate"), "{e}");
    let e = m
        .predict(Array2::<f32>::zeros((4, 5)).view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("predict"), "{e}");
    let e = fit(
        &mut m,
        &x,
        &y,
        0.01,
        FitConfig::new().early_stopping(EarlyStopping::new().patience(0)),
    );
    assert_eq!(
        e,
        "early stopping: invalid argument: patience must be ≥ 1, got 0"
    );
    let e = fit(
        &mut m,
        &x,
        &y,
        0.01,
        FitConfig::new().early_stopping(EarlyStopping::new().validation_fraction(0.01)),
    );
    assert!(
        e.contains("validation_fraction 0.01 of 10 rows leaves no training or no validation"),
        "{e}"
    );
    let e = fit(
        &mut m,
        &x,
        &y,
        0.01,
        FitConfig::new().class_weight(ClassWeight::binary(-1.0, 1.0)),
    );
    assert!(
        e.contains("class 0 (negative) must be finite and ≥ 0"),
        "{e}"
    );
    // all-negative targets cannot be balanced
    let e = fit(
        &mut m,
        &x,
        &y,
        0.01,
        FitConfig::new().class_weight(ClassWeight::Balanced),
    );
    assert!(
        e.contains("class 1 (positive) has no rows among the 10"),
        "{e}"
    );
    let _ = Array1::<f32>::zeros(1);
}

#[test]
fn early_stopping_holds_out_its_own_share_unless_the_config_says_otherwise() {
    let mut rng = seeded_rng(31);
    let x = Array2::from_shape_fn((200, 3), |_| rng.random_range(-1.0f32..1.0));
    let y = Array2::from_shape_fn((200, 1), |(i, _)| f32::from(x[[i, 0]] > 0.1));
    let (vx, vy) = (
        x.slice(ndarray::s![..50, ..]),
        y.slice(ndarray::s![..50, ..]),
    );
    let run = |cfg: FitConfig<'_, f32>| {
        let mut m = Sequential::<f32>::builder(3)
            .dense(4, Activation::Tanh)
            .dense(1, Activation::Sigmoid)
            .seed(2)
            .build()
            .unwrap();
        m.fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.05),
            cfg.epochs(8).seed(4),
        )
        .unwrap()
    };
    let es = EarlyStopping::new().patience(100);
    // The early stopping's own fraction splits like the config's.
    let own = run(FitConfig::new().early_stopping(es.clone().validation_fraction(0.3)));
    let cfg = run(FitConfig::new()
        .validation_fraction(0.3)
        .early_stopping(es.clone()));
    assert_eq!(own.val_loss(), cfg.val_loss());
    assert_eq!(own.val_loss().len(), 8);
    // The config's fraction wins over the early stopping's.
    let both = run(FitConfig::new()
        .validation_fraction(0.3)
        .early_stopping(es.clone().validation_fraction(0.5)));
    assert_eq!(both.val_loss(), cfg.val_loss());
    // Explicit validation data wins over both; training then uses all rows.
    let data = run(FitConfig::new()
        .validation_fraction(0.3)
        .validation_data(vx, vy)
        .early_stopping(es.clone()));
    let plain = run(FitConfig::new().validation_data(vx, vy));
    assert_eq!(data.val_loss(), plain.val_loss());
    assert_ne!(data.val_loss(), cfg.val_loss());
    // Without early stopping and without a fraction nothing is held out.
    assert!(run(FitConfig::new()).val_loss().is_empty());
}
