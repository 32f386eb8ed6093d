//! The sequence classifier and its bag-of-events baseline: the shared
//! estimator checks, a planted order motif only the network can see, the
//! scaling learned on valid steps only, and bad input.

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use ua_analytics::Predictor;
use ua_analytics::metrics::roc_auc;
use ua_analytics::prediction::{BagOfEvents, SequenceClassifier, SequenceLayout};
use ua_analytics::testkit::check_classifier;

const STEPS: usize = 12;
const VOCAB: usize = 40;

/// Rows of `STEPS` tokens (lengths 4..=STEPS, tokens 3..VOCAB), one numeric
/// channel per step and two static features. In every row tokens 1 and 2
/// appear once each, next to each other: "1 then 2" in rows with m = 1,
/// "2 then 1" in the others — the same bag of tokens. Label = m, flipped
/// for 5 % of the rows; the channel and static features are noise.
fn motif_rows(n: usize, seed: u64) -> (Array2<f32>, Vec<u8>, SequenceLayout) {
    let layout = SequenceLayout::new(STEPS, 1, 2, VOCAB);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::<f32>::zeros((n, layout.n_columns()));
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let len = rng.random_range(4..=STEPS);
        for t in 0..len {
            x[[i, t]] = rng.random_range(3..VOCAB) as f32;
            x[[i, STEPS + t]] = rng.sample::<f32, _>(StandardNormal);
        }
        let m = rng.random_bool(0.5);
        let at = rng.random_range(0..len - 1);
        let (a, b) = if m { (1.0, 2.0) } else { (2.0, 1.0) };
        x[[i, at]] = a;
        x[[i, at + 1]] = b;
        for j in 0..2 {
            x[[i, 2 * STEPS + j]] = rng.sample::<f32, _>(StandardNormal);
        }
        let flip = rng.random_bool(0.05);
        y.push(u8::from(m != flip));
    }
    (x, y, layout)
}

fn small_network(layout: SequenceLayout) -> SequenceClassifier {
    SequenceClassifier::new(layout)
        .embedding_dim(8)
        .filters(16)
        .hidden(8)
        .learning_rate(5e-3)
        .batch_size(32)
}

#[test]
fn the_network_sees_the_order_the_bag_cannot() {
    let (x, y, layout) = motif_rows(2_000, 1);
    let (xt, yt, _) = motif_rows(1_000, 2);
    let net = small_network(layout).epochs(40).fit(x.view(), &y).unwrap();
    let bag = BagOfEvents::new(layout).fit(x.view(), &y).unwrap();
    let auc_net = roc_auc(&yt, &net.predict_proba(xt.view()).unwrap()).unwrap();
    let auc_bag = roc_auc(&yt, &bag.predict_proba(xt.view()).unwrap()).unwrap();
    // 5 % flipped labels cap the AUC near 0.95.
    assert!(auc_net > 0.88, "network AUC {auc_net}");
    assert!(auc_bag < 0.6, "bag-of-events AUC {auc_bag}");
    // Early stopping ran and kept its best epoch.
    let h = net.history();
    assert!(h.best_epoch >= 1 && h.best_epoch <= h.epochs.len());
}

#[test]
fn both_pass_the_shared_estimator_checks() {
    let (x, y, layout) = motif_rows(120, 3);
    check_classifier(&small_network(layout).epochs(3), &x, &y).unwrap();
    check_classifier(&BagOfEvents::new(layout), &x, &y).unwrap();
}

#[test]
fn channel_scaling_reads_valid_steps_only() {
    // What lies in the channels beyond a row's length changes nothing: not
    // the learned scaling (fitted over valid steps) nor the network.
    let (x, y, layout) = motif_rows(300, 4);
    let mut garbage = x.clone();
    for mut row in garbage.rows_mut() {
        let len = (0..STEPS).rposition(|t| row[t] != 0.0).unwrap() + 1;
        for t in len..STEPS {
            row[STEPS + t] = 1e6;
        }
    }
    assert_ne!(garbage, x);
    let m = small_network(layout).epochs(3);
    let a = m.fit(x.view(), &y).unwrap();
    let b = m.fit(garbage.view(), &y).unwrap();
    let pa = a.predict_proba(x.view()).unwrap();
    assert_eq!(pa, b.predict_proba(x.view()).unwrap());
    assert_eq!(pa, a.predict_proba(garbage.view()).unwrap());
}

#[test]
fn static_features_are_standardised_inside() {
    // An affine change of a static column gives the same model (up to
    // rounding): its mean and scale are learned on the training rows.
    let (x, y, layout) = motif_rows(300, 5);
    let mut shifted = x.clone();
    shifted
        .column_mut(2 * STEPS)
        .mapv_inplace(|v| 1_000.0 + 250.0 * v);
    let m = small_network(layout).epochs(3);
    let pa = m
        .fit(x.view(), &y)
        .unwrap()
        .predict_proba(x.view())
        .unwrap();
    let pb = m
        .fit(shifted.view(), &y)
        .unwrap()
        .predict_proba(shifted.view())
        .unwrap();
    let worst = pa
        .iter()
        .zip(&pb)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-3, "largest difference {worst}");
}

#[test]
fn empty_sequences_score_without_nan() {
    let (x, y, layout) = motif_rows(200, 6);
    let net = small_network(layout).epochs(2).fit(x.view(), &y).unwrap();
    let bag = BagOfEvents::new(layout).fit(x.view(), &y).unwrap();
    let mut empty = Array2::<f32>::zeros((3, layout.n_columns()));
    empty[[1, 2 * STEPS]] = 2.0;
    for p in [
        net.predict_proba(empty.view()).unwrap(),
        bag.predict_proba(empty.view()).unwrap(),
    ] {
        assert!(
            p.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
            "{p}"
        );
        // Rows 0 and 2 are identical; row 1 differs in a static feature.
        assert_eq!(p[0], p[2]);
        assert_ne!(p[0], p[1]);
    }
}

#[test]
fn bad_tokens_and_settings_are_errors_that_say_where() {
    let (x, y, layout) = motif_rows(100, 7);
    let net = small_network(layout).epochs(1).fit(x.view(), &y).unwrap();
    let bag = BagOfEvents::new(layout).fit(x.view(), &y).unwrap();
    for (value, what) in [
        (VOCAB as f32, "token 40"),
        (-1.0, "token -1"),
        (2.5, "token 2.5"),
    ] {
        let mut bad = x.clone();
        bad[[5, 3]] = value;
        for e in [
            net.predict_proba(bad.view()).unwrap_err().to_string(),
            bag.predict_proba(bad.view()).unwrap_err().to_string(),
            small_network(layout)
                .fit(bad.view(), &y)
                .unwrap_err()
                .to_string(),
        ] {
            assert!(e.contains(&format!("row 5, step 3: {what}")), "{e}");
            assert!(e.contains("0..40"), "{e}");
        }
    }
    let e = net
        .predict_proba(x.slice(ndarray::s![.., 1..]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("26 columns") && e.contains("found 25 columns"),
        "{e}"
    );
    for (m, name) in [
        (small_network(layout).kernel_width(5_000), "kernel_width"),
        (small_network(layout).kernel_width(0), "kernel_width"),
        (small_network(layout).filters(0), "filters"),
        (small_network(layout).embedding_dim(0), "embedding_dim"),
        (small_network(layout).hidden(usize::MAX), "hidden"),
        (small_network(layout).dropout(1.0), "dropout"),
        (small_network(layout).learning_rate(0.0), "learning_rate"),
        (small_network(layout).epochs(0), "epochs"),
        (small_network(layout).batch_size(0), "batch_size"),
        (small_network(layout).l2(-1.0), "l2"),
        (
            small_network(SequenceLayout::new(STEPS, 1, 2, 1)),
            "vocab_size",
        ),
        (small_network(SequenceLayout::new(0, 1, 2, VOCAB)), "steps"),
    ] {
        let e = m.fit(x.view(), &y).unwrap_err().to_string();
        assert!(e.contains(name), "{name}: {e}");
    }
    // A vocabulary whose embedding table would not fit in memory.
    let huge = SequenceLayout::new(STEPS, 1, 2, 1 << 20);
    let e = small_network(huge)
        .embedding_dim(1 << 20)
        .fit(x.view(), &y)
        .unwrap_err()
        .to_string();
    assert!(e.contains("embedding table"), "{e}");
}

#[test]
fn the_bag_names_one_feature_per_token_then_the_static_features() {
    let (x, y, layout) = motif_rows(100, 8);
    let bag = BagOfEvents::new(layout).fit(x.view(), &y).unwrap();
    let names = bag.feature_names();
    assert_eq!(names.len(), VOCAB - 1 + 2);
    assert_eq!(names[0], "token_1");
    assert_eq!(names[VOCAB - 2], format!("token_{}", VOCAB - 1));
    assert_eq!(names[VOCAB - 1..], ["static_0", "static_1"]);
    assert_eq!(bag.logistic().coef().len(), names.len());
}

#[test]
fn saved_models_that_do_not_match_their_layout_are_refused() {
    use ua_analytics::prediction::{FittedBagOfEvents, FittedSequenceClassifier};
    use ua_tensor::persist::Persist;
    let (x, y, layout) = motif_rows(100, 9);
    let net = small_network(layout).epochs(1).fit(x.view(), &y).unwrap();
    let bag = BagOfEvents::new(layout).fit(x.view(), &y).unwrap();
    // One more static feature in the saved layout than the model reads.
    let widen = |json: String| {
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["model"]["params"]["layout"]["static_features"] = serde_json::json!(3);
        v.to_string()
    };
    let e = FittedSequenceClassifier::from_json(&widen(net.to_json().unwrap()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("26 inputs") && e.contains("expected 27"), "{e}");
    let e = FittedBagOfEvents::from_json(&widen(bag.to_json().unwrap()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("the layout gives 42"), "{e}");
    // Untouched files load.
    assert!(FittedSequenceClassifier::from_json(&net.to_json().unwrap()).is_ok());
    assert!(FittedBagOfEvents::from_json(&bag.to_json().unwrap()).is_ok());
}
