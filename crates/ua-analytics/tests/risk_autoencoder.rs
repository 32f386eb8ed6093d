//! The autoencoder anomaly scorer on data with a planted answer: rows on a
//! two-factor linear manifold in 8 columns, with 1 % of rows whose columns
//! 2 and 5 break the correlations while staying ordinary one by one — the
//! per-column robust z-scores cannot see them, the autoencoder must. Also
//! the shared estimator checks, the shifted anomalies of
//! `risk::planted_anomalies`, saving and loading, and bad input.

use ndarray::{Array2, Axis, ShapeBuilder, s};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use ua_analytics::metrics::roc_auc;
use ua_analytics::risk::{
    Autoencoder, Contamination, FittedAutoencoder, RobustZ, planted_anomalies,
};
use ua_analytics::testkit::check_risk_scorer;
use ua_analytics::{Error, RiskScorer};
use ua_tensor::persist::Persist;

/// The columns whose correlation the planted rows break.
const PLANTED: [usize; 2] = [2, 5];

/// `n` rows of 8 columns `x = W·f + 0.05·ε` with two standard normal
/// factors `f`; every 100th row (i % 100 == 50) gets columns 2 and 5
/// replaced by independent draws, uniform within ±1.5 of the column's
/// standard deviation — ordinary values, wrong combination. Labels: 1 for
/// those rows.
fn manifold(n: usize, seed: u64) -> (Array2<f32>, Vec<u8>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let loadings: Vec<[f32; 2]> = (0..8)
        .map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)])
        .collect();
    let sd: Vec<f32> = loadings
        .iter()
        .map(|w| (w[0] * w[0] + w[1] * w[1] + 0.05 * 0.05).sqrt())
        .collect();
    let mut x = Array2::zeros((n, 8));
    let mut y = vec![0u8; n];
    for i in 0..n {
        let f: [f32; 2] = [
            StandardNormal.sample(&mut rng),
            StandardNormal.sample(&mut rng),
        ];
        for j in 0..8 {
            let e: f32 = StandardNormal.sample(&mut rng);
            x[[i, j]] = loadings[j][0] * f[0] + loadings[j][1] * f[1] + 0.05 * e;
        }
        if i % 100 == 50 {
            y[i] = 1;
            for &j in &PLANTED {
                x[[i, j]] = rng.random_range(-1.5..1.5) * sd[j];
            }
        }
    }
    (x, y)
}

#[test]
fn finds_rows_that_break_the_correlations_where_robust_z_cannot() {
    let (x, y) = manifold(5_000, 1);
    let model = Autoencoder::new().fit(x.view()).unwrap();
    let scores = model.risk_score(x.view()).unwrap();
    let auc = roc_auc(&y, &scores).unwrap();
    let z = RobustZ::fit(x.view()).unwrap();
    let z_auc = roc_auc(&y, &z.risk_score(x.view()).unwrap()).unwrap();
    assert!(auc >= 0.95, "autoencoder ROC-AUC {auc}");
    assert!(
        z_auc < 0.7 && auc - z_auc > 0.25,
        "robust z {z_auc} vs autoencoder {auc}"
    );
    // The explanations of the planted rows name the planted columns.
    let planted: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 1).collect();
    let why = model
        .explain(x.select(Axis(0), &planted).view(), 2)
        .unwrap();
    let named = why.iter().filter(|w| PLANTED.contains(&w[0].0)).count();
    assert!(
        named as f64 >= 0.8 * planted.len() as f64,
        "top feature planted in {named} of {} rows",
        planted.len()
    );
}

/// `risk::planted_anomalies` is 16 independent standard normal columns
/// with every 100th row shifted by +3 in columns 0..3: no structure but the
/// shift. Fitted on the rows known to be ordinary (novelty detection: a
/// history of good customers), the autoencoder finds the shifted rows of a
/// fresh draw. (Fitted on the contaminated rows themselves, the shift is
/// the strongest direction of variance in the data and the bottleneck
/// learns to reconstruct it; see docs/benchmarks.md for that figure.)
#[test]
fn trained_on_ordinary_rows_finds_the_shifted_planted_anomalies() {
    let (x, y) = planted_anomalies(5_000, 16, 3).unwrap();
    let ordinary: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 0).collect();
    let model = Autoencoder::new()
        .fit(x.select(Axis(0), &ordinary).view())
        .unwrap();
    let (fresh, labels) = planted_anomalies(5_000, 16, 4).unwrap();
    let auc = roc_auc(&labels, &model.risk_score(fresh.view()).unwrap()).unwrap();
    assert!(auc >= 0.9, "ROC-AUC {auc}");
    // The shifted columns 0..3 explain most planted rows.
    let planted: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == 1).collect();
    let why = model
        .explain(fresh.select(Axis(0), &planted).view(), 1)
        .unwrap();
    let named = why.iter().filter(|w| w[0].0 < 3).count();
    assert!(
        named as f64 >= 0.8 * planted.len() as f64,
        "top feature among the shifted columns in {named} of {} rows",
        planted.len()
    );
}

#[test]
fn passes_the_estimator_checks_across_inference_blocks() {
    // 4,200 rows: two inference blocks of the network (4,096 rows each);
    // every row scored alone must equal its score in the batch.
    let (x, _) = manifold(4_200, 2);
    check_risk_scorer(
        || Autoencoder::new().epochs(5).seed(9).fit(x.view()),
        x.view(),
    )
    .unwrap();
    // Another seed is another model.
    let a = Autoencoder::new().epochs(5).seed(9).fit(x.view()).unwrap();
    let b = Autoencoder::new().epochs(5).seed(10).fit(x.view()).unwrap();
    assert_ne!(
        a.risk_score(x.view()).unwrap(),
        b.risk_score(x.view()).unwrap()
    );
}

#[test]
fn scores_are_mean_squared_errors_in_the_scaled_space() {
    let (x, _) = manifold(500, 3);
    let model = Autoencoder::new().epochs(10).fit(x.view()).unwrap();
    let errors = model.reconstruction_errors(x.view()).unwrap();
    let z = model.scaler().transform_matrix(x.view()).unwrap();
    let recon = model.network().predict(z.view()).unwrap();
    for i in [0, 17, 499] {
        for j in 0..8 {
            let e = recon[[i, j]] - z[[i, j]];
            assert_eq!(errors[[i, j]], e * e, "row {i}, feature {j}");
        }
    }
    let scores = model.risk_score(x.view()).unwrap();
    for i in [0, 17, 499] {
        let mean = errors.row(i).iter().map(|&v| f64::from(v)).sum::<f64>() / 8.0;
        assert_eq!(scores[i], mean as f32);
    }
    // The training loss of the best epoch is about the mean score of the
    // training rows (the validation rows are a tenth).
    let h = model.history();
    let best = h.epochs[h.best_epoch - 1].val_loss.unwrap();
    let mean_score = scores.mean().unwrap() as f64;
    assert!(
        (mean_score - best).abs() < 0.5 * best,
        "mean score {mean_score}, best validation loss {best}"
    );
    // Explanations rank each row's errors.
    let why = model.explain(x.view(), 3).unwrap();
    for (i, w) in why.iter().enumerate() {
        assert_eq!(w.len(), 3);
        let mut sorted: Vec<f32> = errors.row(i).to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        assert_eq!(w.iter().map(|p| p.1).collect::<Vec<_>>(), sorted[..3]);
        assert!(w.iter().all(|&(j, e)| errors[[i, j]] == e));
    }
    // Any memory layout gives the same scores: column-major, strided rows.
    let mut fortran = Array2::zeros(x.dim().f());
    fortran.assign(&x);
    assert_eq!(model.risk_score(fortran.view()).unwrap(), scores);
    let every_other = model.risk_score(x.slice(s![..;2, ..])).unwrap();
    assert!(
        every_other
            .iter()
            .enumerate()
            .all(|(k, &v)| v == scores[2 * k])
    );
    // More than the columns: all of them.
    assert_eq!(model.explain(x.slice(s![..1, ..]), 20).unwrap()[0].len(), 8);
}

#[test]
fn thresholds_follow_the_contamination() {
    let (x, _) = manifold(2_000, 4);
    let fitted = |c| {
        Autoencoder::new()
            .epochs(10)
            .contamination(c)
            .fit(x.view())
            .unwrap()
    };
    let share = fitted(Contamination::Fraction(0.05));
    let flagged = share.flag(x.view()).unwrap().iter().filter(|&&f| f).count();
    assert!(
        (95..=105).contains(&flagged),
        "{flagged} of 2000 flagged at 5 %"
    );
    // Strictly above: with 2,001 rows the half-way threshold is the median
    // score itself, which is not flagged.
    let (odd, _) = manifold(2_001, 4);
    let half = Autoencoder::new()
        .epochs(3)
        .contamination(Contamination::Fraction(0.5))
        .fit(odd.view())
        .unwrap();
    let mut sorted = half.risk_score(odd.view()).unwrap().to_vec();
    sorted.sort_by(f32::total_cmp);
    assert_eq!(half.threshold(), sorted[1_000]);
    let flagged = half
        .flag(odd.view())
        .unwrap()
        .iter()
        .filter(|&&f| f)
        .count();
    let above = sorted.iter().filter(|&&v| v > sorted[1_000]).count();
    assert_eq!(flagged, above);
    // Auto: Tukey's upper fence of the training scores, by hand.
    let auto = fitted(Contamination::Auto);
    let mut s = auto.risk_score(x.view()).unwrap().to_vec();
    s.sort_by(f32::total_cmp);
    let q = |p: f64| {
        let pos = p * (s.len() - 1) as f64;
        let lo = pos.floor() as usize;
        f64::from(s[lo]) + (pos - lo as f64) * (f64::from(s[lo + 1]) - f64::from(s[lo]))
    };
    let fence = q(0.75) + 1.5 * (q(0.75) - q(0.25));
    assert!(
        (f64::from(auto.threshold()) - fence).abs() < 1e-6 * fence,
        "{} vs {fence}",
        auto.threshold()
    );
    let above = s.iter().filter(|&&v| f64::from(v) > fence).count();
    let flagged = auto.flag(x.view()).unwrap().iter().filter(|&&f| f).count();
    assert!(flagged.abs_diff(above) <= 1, "{flagged} vs {above}");
}

#[test]
fn early_stopping_keeps_the_best_epoch_and_reports_the_split() {
    let (x, _) = manifold(1_000, 5);
    // A large learning rate and patience 1 stop early.
    let model = Autoencoder::new()
        .learning_rate(0.05)
        .patience(1)
        .validation_share(0.2)
        .fit(x.view())
        .unwrap();
    let h = model.history();
    assert!(
        h.stopped_early && h.epochs.len() < 100,
        "{} epochs",
        h.epochs.len()
    );
    let val = h.val_loss();
    let best = val.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(val[h.best_epoch - 1], best);
    assert_eq!(h.restored_best, h.best_epoch != h.epochs.len());
    let r = model.report();
    assert_eq!(
        (r.rows, r.training_rows, r.validation_rows),
        (1_000, 800, 200)
    );
    assert_eq!(r.layer_widths, [4, 2, 4, 8]);
    assert_eq!(model.params().patience, 1);
}

#[test]
fn a_constant_column_gives_no_nan_and_explains_a_change_in_it() {
    let (mut x, _) = manifold(800, 6);
    x.column_mut(3).fill(7.5);
    let model = Autoencoder::new().epochs(20).fit(x.view()).unwrap();
    let scores = model.risk_score(x.view()).unwrap();
    assert!(scores.iter().all(|v| v.is_finite()));
    let mut odd = x.slice(s![..1, ..]).to_owned();
    odd[[0, 3]] = 9.5; // the scale of a constant column is 1
    let why = model.explain(odd.view(), 1).unwrap();
    assert_eq!(why[0][0].0, 3);
    assert!(model.risk_score(odd.view()).unwrap()[0] > scores[0]);
}

#[test]
fn saves_and_loads_through_the_envelope_and_refuses_corrupt_files() {
    let (x, _) = manifold(600, 7);
    let model = Autoencoder::new()
        .epochs(5)
        .scaler(ua_data::scale::Scaler::robust())
        .contamination(Contamination::Fraction(0.1))
        .fit(x.view())
        .unwrap();
    assert!(matches!(
        model.scaler(),
        ua_data::scale::FittedScaler::Robust(_)
    ));
    let json = model.to_json().unwrap();
    assert!(
        json.contains("\"kind\":\"ua-analytics/autoencoder\""),
        "{}",
        &json[..120]
    );
    let back = FittedAutoencoder::from_json(&json).unwrap();
    assert_eq!(
        back.risk_score(x.view()).unwrap(),
        model.risk_score(x.view()).unwrap()
    );
    assert_eq!(
        (
            back.threshold(),
            back.history(),
            back.report(),
            back.params()
        ),
        (
            model.threshold(),
            model.history(),
            model.report(),
            model.params()
        )
    );
    let path = std::env::temp_dir().join(format!("ua-ae-test-{}.json", std::process::id()));
    model.save(&path).unwrap();
    let loaded = FittedAutoencoder::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        loaded.explain(x.view(), 2).unwrap(),
        model.explain(x.view(), 2).unwrap()
    );

    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let refuse = |edit: &dyn Fn(&mut serde_json::Value), words: &str| {
        let mut bad = v.clone();
        edit(&mut bad);
        let e = FittedAutoencoder::from_json(&bad.to_string())
            .unwrap_err()
            .to_string();
        assert!(e.contains(words), "expected `{words}` in: {e}");
    };
    refuse(
        &|m| m["model"]["threshold"] = serde_json::json!(-1.0),
        "threshold -1",
    );
    refuse(
        &|m| m["model"]["n_features"] = serde_json::json!(7),
        "reads 8 columns, the model 7",
    );
    refuse(
        &|m| m["model"]["params"]["encoder"] = serde_json::json!([5, 2]),
        "parameters give [5, 2, 5, 8]",
    );
    refuse(
        &|m| m["model"]["report"]["validation_rows"] = serde_json::json!(0),
        "do not split",
    );
    refuse(
        &|m| m["model"]["params"]["validation_share"] = serde_json::json!(1.5),
        "validation_share",
    );
    refuse(
        &|m| m["kind"] = serde_json::json!("ua-analytics/robust-z"),
        "robust-z",
    );
}

#[test]
fn bad_input_is_an_error_that_says_where() {
    let (x, _) = manifold(300, 8);
    let model = Autoencoder::new().epochs(3).fit(x.view()).unwrap();
    // Width at scoring: expected vs found.
    let e = model
        .risk_score(x.slice(s![.., ..7]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("8 columns (as in training)") && e.contains("found 7 columns"),
        "{e}"
    );
    // NaN / infinity: row and column.
    let mut bad = x.clone();
    bad[[12, 4]] = f32::INFINITY;
    for e in [
        model.risk_score(bad.view()).unwrap_err().to_string(),
        model.explain(bad.view(), 1).unwrap_err().to_string(),
        model
            .reconstruction_errors(bad.view())
            .unwrap_err()
            .to_string(),
        Autoencoder::new().fit(bad.view()).unwrap_err().to_string(),
    ] {
        assert!(e.contains("row 12, column 4"), "{e}");
    }
    // A value far beyond the training scale (in a later inference block):
    // named, not turned into an infinite score.
    let mut far = Array2::from_elem((5_000, 8), 0.0f32);
    far[[4_500, 6]] = 1e25;
    let e = model.risk_score(far.view()).unwrap_err().to_string();
    assert!(
        e.contains("row 4500, column 6") && e.contains("beyond"),
        "{e}"
    );
    // Beyond f32 once scaled: the scaler's own error, same place.
    far[[4_500, 6]] = 3e38;
    let e = model.explain(far.view(), 1).unwrap_err().to_string();
    assert!(e.contains("row 4500, column 6"), "{e}");
    // No rows.
    assert!(matches!(
        model.risk_score(x.slice(s![..0, ..])),
        Err(Error::Empty { .. })
    ));
    // Too few rows for the validation split.
    let e = Autoencoder::new()
        .validation_share(0.5)
        .fit(x.slice(s![..3, ..]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("3 rows with validation_share 0.5") && e.contains("at least 2 training rows"),
        "{e}"
    );
    let e = Autoencoder::new()
        .fit(x.slice(s![.., ..0]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("300 × 0"), "{e}");
    assert!(
        model
            .explain(x.view(), 0)
            .unwrap_err()
            .to_string()
            .contains("parameter top")
    );
}

#[test]
fn bad_parameters_name_the_parameter() {
    let (x, _) = manifold(100, 9);
    let cases: Vec<(Autoencoder, &str, &str)> = vec![
        (
            Autoencoder::new().validation_share(0.0),
            "validation_share",
            "got 0",
        ),
        (
            Autoencoder::new().validation_share(1.0),
            "validation_share",
            "got 1",
        ),
        (
            Autoencoder::new().validation_share(f64::NAN),
            "validation_share",
            "NaN",
        ),
        (Autoencoder::new().epochs(0), "epochs", "got 0"),
        (Autoencoder::new().batch_size(0), "batch_size", "got 0"),
        (Autoencoder::new().patience(0), "patience", "got 0"),
        (
            Autoencoder::new().learning_rate(0.0),
            "learning_rate",
            "got 0",
        ),
        (
            Autoencoder::new().learning_rate(f64::INFINITY),
            "learning_rate",
            "inf",
        ),
        (Autoencoder::new().encoder(&[]), "encoder", "got none"),
        (Autoencoder::new().encoder(&[4, 0]), "encoder", "got 0"),
        (
            Autoencoder::new().encoder(&[1 << 17]),
            "encoder",
            "got 131072",
        ),
        (
            Autoencoder::new().activation(ua_nn::Activation::LeakyRelu { alpha: -1.0 }),
            "activation",
            "got -1",
        ),
        (
            Autoencoder::new().contamination(Contamination::Fraction(0.7)),
            "contamination",
            "got 0.7",
        ),
        (
            Autoencoder::new().contamination(Contamination::Fraction(0.0)),
            "contamination",
            "got 0",
        ),
    ];
    for (params, name, value) in cases {
        match params.fit(x.view()) {
            Err(Error::InvalidParameter {
                name: got, message, ..
            }) => {
                assert_eq!(got, name);
                assert!(message.contains(value), "{name}: {message}");
            }
            other => panic!("{name}: expected InvalidParameter, got {other:?}"),
        }
    }
    // The boundaries themselves are allowed.
    Autoencoder::new()
        .epochs(1)
        .contamination(Contamination::Fraction(0.5))
        .encoder(&[1])
        .fit(x.view())
        .unwrap();
}
