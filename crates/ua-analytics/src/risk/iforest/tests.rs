use ndarray::{Array2, s};

use super::*;
use crate::metrics::roc_auc;

/// The generated case: standard normal columns, every 100th row
/// shifted by +3 in columns 0, 1 and 2 (the planted anomalies).
fn planted(n: usize, d: usize, seed: u64) -> (Array2<f32>, Vec<u8>) {
    crate::risk::planted_anomalies(n, d, seed).unwrap()
}

#[test]
fn planted_anomalies_are_found() {
    let (x, y) = planted(20_000, 16, 5);
    // The ROC-AUC of one forest depends on its random draw (0.91–0.97 over
    // seeds 0–9 on these points; scikit-learn's spreads as much): the
    // claim is about the average forest, and no seed may fail badly.
    let aucs: Vec<f64> = (0..10)
        .map(|seed| {
            let forest = IsolationForest::new().seed(seed).fit(x.view()).unwrap();
            roc_auc(&y, &forest.risk_score(x.view()).unwrap()).unwrap()
        })
        .collect();
    let mean = aucs.iter().sum::<f64>() / aucs.len() as f64;
    assert!(mean >= 0.94, "mean ROC-AUC {mean}: {aucs:?}");
    assert!(aucs.iter().all(|&a| a >= 0.9), "{aucs:?}");
    let forest = IsolationForest::new().seed(3).fit(x.view()).unwrap();
    let scores = forest.risk_score(x.view()).unwrap();
    assert!(scores.iter().all(|&v| v > 0.0 && v <= 1.0));
    // The anomalies score above 0.5 on average, the rest below.
    let mean = |label: u8| {
        let v: Vec<f32> = (0..y.len())
            .filter(|&i| y[i] == label)
            .map(|i| scores[i])
            .collect();
        v.iter().sum::<f32>() / v.len() as f32
    };
    assert!(mean(1) > 0.5 && mean(0) < 0.5, "{} {}", mean(1), mean(0));
}

#[test]
fn explanations_name_the_planted_features() {
    let (x, y) = planted(5_000, 8, 11);
    let forest = IsolationForest::new().seed(2).fit(x.view()).unwrap();
    let why = forest.explain(x.view(), 2).unwrap();
    let outliers: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 1).collect();
    let planted_first = outliers.iter().filter(|&&i| why[i][0].0 < 3).count();
    // By chance a column would come first 3/8 of the time.
    assert!(
        planted_first * 10 >= outliers.len() * 8,
        "{planted_first} of {}",
        outliers.len()
    );
    for w in &why {
        assert!(
            w.len() <= 2 && w.windows(2).all(|p| p[0].1 >= p[1].1),
            "{w:?}"
        );
        assert!(
            w.iter()
                .all(|&(f, share)| f < 8 && share > 0.0 && share <= 1.0)
        );
    }
    assert!(forest.explain(x.view(), 0).is_err());
}

#[test]
fn the_same_seed_gives_the_same_forest_for_any_number_of_threads() {
    let (x, _) = planted(3_000, 5, 1);
    let fit_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let f = IsolationForest::new().seed(9).fit(x.view()).unwrap();
            let scores = f.risk_score(x.view()).unwrap();
            (f.to_json().unwrap(), scores)
        })
    };
    let (one, s1) = fit_with(1);
    let (two, s2) = fit_with(2);
    assert_eq!(one, two);
    assert_eq!(s1, s2);
    let other = IsolationForest::new().seed(10).fit(x.view()).unwrap();
    assert_ne!(other.risk_score(x.view()).unwrap(), s1);
}

#[test]
fn scores_match_the_definition_on_a_tiny_forest() {
    // Two rows: every tree splits them once (depth 1 each, leaves of one
    // point: c(1) = 0), so E[h] = 1 and the score is 2^(−1/c(2)) = 0.5.
    let x = ndarray::array![[0.0f32, 5.0], [1.0, 5.0]];
    let forest = IsolationForest::new().trees(7).fit(x.view()).unwrap();
    assert_eq!(forest.report().depth_limit, 1);
    assert_eq!(forest.risk_score(x.view()).unwrap().to_vec(), [0.5, 0.5]);
    // A far point falls in one of the two leaves too: also depth 1.
    let far = ndarray::array![[100.0f32, -3.0]];
    assert_eq!(forest.risk_score(far.view()).unwrap()[0], 0.5);
    // Constant data cannot be split: the root is a leaf of c(ψ) and the
    // score is exactly 2^-1.
    let flat = Array2::<f32>::ones((10, 3));
    let f = IsolationForest::new().trees(3).fit(flat.view()).unwrap();
    assert_eq!(f.risk_score(flat.view()).unwrap().to_vec(), vec![0.5; 10]);
}

#[test]
fn path_length_normaliser_by_hand() {
    assert_eq!(average_path_length(0), 0.0);
    // c(3) = 2(H(2)) − 2·2/3 with H(2) ≈ ln 2 + γ.
    let c3 = 2.0 * (2f64.ln() + 0.577_215_664_901_532_9) - 4.0 / 3.0;
    assert!((average_path_length(3) - c3).abs() < 1e-12);
    assert!(average_path_length(1000) > average_path_length(999));
}

#[test]
fn contamination_sets_the_share_flagged_on_training_rows() {
    let (x, _) = planted(4_000, 6, 4);
    for c in [0.01, 0.05, 0.2] {
        let f = IsolationForest::new()
            .contamination(Contamination::Fraction(c))
            .fit(x.view())
            .unwrap();
        let flagged = f.flag(x.view()).unwrap().iter().filter(|&&v| v).count();
        let expected = c * 4_000.0;
        assert!(
            (flagged as f64 - expected).abs() <= 2.0,
            "contamination {c}: {flagged} flagged"
        );
    }
    let auto = IsolationForest::new().fit(x.view()).unwrap();
    assert_eq!(auto.threshold(), 0.5);
}

#[test]
fn upper_quantile_interpolates_like_numpy() {
    // np.percentile([1, 2, 3, 4, 5], 75) = 4.0; 90 → 4.6.
    let v = [5.0f32, 1.0, 3.0, 2.0, 4.0];
    assert_eq!(upper_quantile(&v, 0.25), 4.0);
    assert!((upper_quantile(&v, 0.1) - 4.6).abs() < 1e-6);
    assert_eq!(upper_quantile(&v, 0.5), 3.0);
}

#[test]
fn feature_subsampling_limits_the_split_features() {
    let (x, _) = planted(2_000, 10, 8);
    let f = IsolationForest::new()
        .max_features(0.25)
        .fit(x.view())
        .unwrap();
    assert_eq!(f.report().features_per_tree, 3);
    // Each tree splits on at most 3 distinct features.
    for (t, &root) in f.forest.roots.iter().enumerate() {
        let end = f
            .forest
            .roots
            .get(t + 1)
            .map_or(f.forest.feature.len(), |&e| e as usize);
        let mut used: Vec<u32> = (root as usize..end)
            .filter(|&i| f.forest.child[i] as usize != i)
            .map(|i| f.forest.feature[i])
            .collect();
        used.sort_unstable();
        used.dedup();
        assert!(used.len() <= 3, "tree {t}: {used:?}");
    }
    assert_eq!(
        IsolationForest::new()
            .max_features(0.01)
            .fit(x.view())
            .unwrap()
            .report()
            .features_per_tree,
        1
    );
}

#[test]
fn trees_respect_the_depth_limit_and_the_subsample() {
    let (x, _) = planted(1_000, 4, 2);
    let f = IsolationForest::new()
        .sample_size(64)
        .trees(20)
        .fit(x.view())
        .unwrap();
    assert_eq!(f.report().depth_limit, 6);
    // At most 2ψ − 1 nodes per tree, and every leaf's path length is its
    // depth (≤ 6) + c(points in the leaf) ≤ 6 + c(ψ).
    assert!(f.forest.feature.len() <= 20 * 127);
    assert!(f.forest.max_depth <= 6);
    let max_leaf = f.forest.path.iter().fold(0.0f32, |a, &b| a.max(b));
    assert!(
        max_leaf <= 6.0 + average_path_length(64) as f32,
        "{max_leaf}"
    );
}

#[test]
fn bad_parameters_and_inputs_are_errors_that_name_them() {
    let (x, _) = planted(300, 3, 1);
    let err = |m: IsolationForest| m.fit(x.view()).unwrap_err().to_string();
    assert!(err(IsolationForest::new().trees(0)).contains("n_trees"));
    assert!(err(IsolationForest::new().trees(MAX_TREES + 1)).contains("n_trees"));
    assert!(err(IsolationForest::new().sample_size(1)).contains("sample_size"));
    assert!(err(IsolationForest::new().max_features(0.0)).contains("max_features"));
    assert!(err(IsolationForest::new().max_features(f64::NAN)).contains("max_features"));
    assert!(err(IsolationForest::new().max_features(1.5)).contains("max_features"));
    for c in [0.0, 0.6, f64::NAN] {
        let e = err(IsolationForest::new().contamination(Contamination::Fraction(c)));
        assert!(e.contains("contamination"), "{e}");
    }
    let e = IsolationForest::new()
        .fit(x.slice(s![..1, ..]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least 2 rows"), "{e}");
    let mut bad = x.clone();
    bad[[7, 2]] = f32::NAN;
    let e = IsolationForest::new()
        .fit(bad.view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 7, column 2"), "{e}");
    let f = IsolationForest::new().fit(x.view()).unwrap();
    let e = f.risk_score(bad.view()).unwrap_err().to_string();
    assert!(e.contains("row 7, column 2"), "{e}");
    let e = f.risk_score(x.slice(s![.., ..2])).unwrap_err().to_string();
    assert!(e.contains("3 columns") && e.contains("2 columns"), "{e}");
    assert!(f.risk_score(x.slice(s![..0, ..])).is_err());
    assert_eq!(f.n_features(), 3);
    assert_eq!(f.params().sample_size, 256);
}

#[test]
fn strided_input_scores_like_contiguous_input() {
    let (x, _) = planted(500, 4, 6);
    let f = IsolationForest::new().fit(x.view()).unwrap();
    let fortran = x.t().as_standard_layout().t().to_owned();
    assert_eq!(
        f.risk_score(fortran.view()).unwrap(),
        f.risk_score(x.view()).unwrap()
    );
}

#[test]
fn loading_refuses_broken_forests() {
    let (x, _) = planted(400, 3, 3);
    let f = IsolationForest::new().trees(5).fit(x.view()).unwrap();
    let json = f.to_json().unwrap();
    assert_eq!(FittedIsolationForest::from_json(&json).unwrap(), f);
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        edit(&mut v["model"]);
        FittedIsolationForest::from_json(&v.to_string())
            .unwrap_err()
            .to_string()
    };
    let e = broken(&|m| m["forest"]["child"][0] = serde_json::json!(0));
    assert!(e.contains("leaf 0: threshold"), "{e}");
    let e = broken(&|m| m["forest"]["child"][0] = serde_json::json!(100_000));
    assert!(e.contains("children 100000"), "{e}");
    let e = broken(&|m| m["forest"]["max_depth"] = serde_json::json!(2));
    assert!(e.contains("deeper than the forest's 2"), "{e}");
    let e = broken(&|m| m["forest"]["max_depth"] = serde_json::json!(1_000_000_000_000u64));
    assert!(
        e.contains("max_depth 1000000000000 but the deepest leaf"),
        "{e}"
    );
    let e = broken(&|m| m["forest"]["path"][0] = serde_json::json!(1.0));
    assert!(e.contains("node 0: threshold"), "{e}");
    let e = broken(&|m| m["forest"]["feature"][0] = serde_json::json!(3));
    assert!(e.contains("feature 3 of 3"), "{e}");
    let e = broken(&|m| m["forest"]["roots"] = serde_json::json!([]));
    assert!(e.contains("no tree"), "{e}");
    let e = broken(&|m| m["normaliser"] = serde_json::json!(1.0));
    assert!(e.contains("normaliser"), "{e}");
    let e = broken(&|m| m["threshold"] = serde_json::json!(1.5));
    assert!(e.contains("threshold"), "{e}");
    let e = broken(&|m| m["params"]["n_trees"] = serde_json::json!(4));
    assert!(e.contains("5 trees"), "{e}");
    let e = broken(&|m| {
        m["forest"]["path"].as_array_mut().unwrap().pop();
    });
    assert!(e.contains("path lengths"), "{e}");
}

#[test]
fn report_says_when_the_subsample_was_clamped() {
    let (x, _) = planted(300, 3, 1);
    let r = IsolationForest::new()
        .fit(x.view())
        .unwrap()
        .report()
        .to_string();
    assert!(r.contains("ψ = 256") && !r.contains("clamped"), "{r}");
    let r = IsolationForest::new()
        .sample_size(1000)
        .fit(x.view())
        .unwrap()
        .report()
        .clone();
    assert_eq!(r.sample_size, 300);
    assert!(
        r.to_string()
            .contains("asked 1000, clamped to the 300 rows"),
        "{r}"
    );
}

#[test]
fn parameter_bounds_are_inclusive() {
    let ok = |m: IsolationForest| m.check().map_err(|e| e.to_string());
    assert_eq!(ok(IsolationForest::new().trees(MAX_TREES)), Ok(()));
    assert_eq!(ok(IsolationForest::new().sample_size(2)), Ok(()));
    assert_eq!(ok(IsolationForest::new().max_features(1.0)), Ok(()));
    assert_eq!(
        ok(IsolationForest::new().contamination(Contamination::Fraction(0.5))),
        Ok(())
    );
    let e = ok(IsolationForest::new().trees(MAX_TREES + 1)).unwrap_err();
    assert!(e.contains("must be in 1..=100000, got 100001"), "{e}");
}

#[test]
fn the_fitted_model_keeps_its_parameters_and_reports_what_it_used() {
    let (x, _) = planted(50, 4, 1);
    let p = IsolationForest::new()
        .trees(3)
        .sample_size(4)
        .max_features(0.5)
        .contamination(Contamination::Fraction(0.25))
        .seed(77);
    let f = p.fit(x.view()).unwrap();
    assert_eq!(*f.params(), p);
    assert_eq!(
        *f.report(),
        FitReport {
            rows: 50,
            sample_size_requested: 4,
            sample_size: 4,
            features_per_tree: 2,
            depth_limit: 2,
        }
    );
    assert_eq!(
        f.report().to_string(),
        "50 rows; subsample ψ = 4; 2 feature(s) per tree; depth limit 2"
    );
}

#[test]
fn a_row_scoring_exactly_the_threshold_is_not_flagged() {
    // Constant data scores exactly 0.5, the automatic threshold.
    let flat = Array2::<f32>::ones((10, 3));
    let f = IsolationForest::new().trees(3).fit(flat.view()).unwrap();
    assert_eq!(f.threshold(), 0.5);
    assert_eq!(f.risk_score(flat.view()).unwrap()[0], 0.5);
    assert_eq!(f.flag(flat.view()).unwrap().to_vec(), vec![false; 10]);
}

#[test]
fn upper_quantile_of_a_vanishing_share_is_the_maximum() {
    // 1 − 1e-20 rounds to 1: the position is the last value exactly.
    let v = [5.0f32, 1.0, 3.0, 2.0, 4.0];
    assert_eq!(upper_quantile(&v, 1e-20), 5.0);
    assert_eq!(upper_quantile(&[2.0, 8.0], 0.5), 5.0);
}

#[test]
fn an_oversized_forest_is_refused_before_it_is_grown() {
    if std::env::var_os(ua_tensor::budget::BUDGET_ENV).is_some() {
        return; // a budget set by the environment changes the limit
    }
    // 100,000 trees of up to 2 · 4,000 nodes of 12 bytes: 8.9 GiB > 8 GiB.
    let x = Array2::from_shape_fn((4_000, 1), |(i, _)| i as f32);
    let e = IsolationForest::new()
        .trees(MAX_TREES)
        .sample_size(4_000)
        .fit(x.view())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the trees' nodes needs 8.9 GiB (800000000 values)"),
        "{e}"
    );
}

#[test]
fn loading_accepts_the_boundaries_and_refuses_a_zero_threshold() {
    // ψ = 2 (the smallest) round-trips.
    let x = ndarray::array![[0.0f32, 5.0], [1.0, 5.0]];
    let f = IsolationForest::new().trees(4).fit(x.view()).unwrap();
    assert_eq!(f.report().sample_size, 2);
    let json = f.to_json().unwrap();
    assert_eq!(FittedIsolationForest::from_json(&json).unwrap(), f);
    let with_threshold = |t: f64| {
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["model"]["threshold"] = serde_json::json!(t);
        FittedIsolationForest::from_json(&v.to_string())
    };
    assert_eq!(with_threshold(1.0).unwrap().threshold(), 1.0);
    let e = with_threshold(0.0).unwrap_err().to_string();
    assert!(e.contains("threshold 0 is not in (0, 1]"), "{e}");
}
