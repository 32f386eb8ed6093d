//! Integration tests of `ua_analytics::prediction` on seeded generated data.

use rand::Rng;
use ua_analytics::Predictor;
use ua_analytics::metrics::roc_auc;
use ua_analytics::prediction::{
    FittedClassifier, FittedPropensityModel, LogisticRegression, MlpClassifier, ModelKind,
    PropensityConfig, RepeatPurchase,
};
use ua_analytics::selection::{Metric, permutation_importance};
use ua_data::synth::{ShopConfig, generate};
use ua_data::{Column, Table};
use ua_tensor::init::seeded_rng;
use ua_tensor::persist::Persist;

/// A customer table with a planted rule: churn ~ σ(1.5·calls_z −
/// 1.0·tenure_z + 1.2·[plan = basic] − 0.5), plus noise columns, a constant
/// column, a user id and missing values in `tenure` (5 %) and `plan` (3 %).
fn churn_table(n: usize, seed: u64) -> Table {
    let mut rng = seeded_rng(seed);
    let (mut id, mut calls, mut tenure, mut plan, mut noise, mut region, mut churn) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n {
        let c = rng.random_range(0.0..10.0f64);
        let t = rng.random_range(1.0..60.0f64);
        let p = ["basic", "plus", "pro"][rng.random_range(0..3)];
        let z = 1.5 * (c - 5.0) / 2.9 - 1.0 * (t - 30.5) / 17.0
            + if p == "basic" { 1.2 } else { 0.0 }
            - 0.5;
        churn.push(if rng.random::<f64>() < 1.0 / (1.0 + (-z).exp()) {
            "yes"
        } else {
            "no"
        });
        id.push(i as f64);
        calls.push(c);
        tenure.push((rng.random::<f64>() >= 0.05).then_some(t));
        plan.push((rng.random::<f64>() >= 0.03).then_some(p));
        noise.push(rng.random_range(-1.0..1.0f64));
        region.push(["n", "s", "e", "w"][rng.random_range(0..4)]);
    }
    Table::new(vec![
        ("user_id".into(), Column::numeric(id)),
        ("calls".into(), Column::numeric(calls)),
        ("tenure".into(), Column::numeric_opt(tenure)),
        ("plan".into(), Column::categorical_opt(&plan)),
        ("noise".into(), Column::numeric(noise)),
        ("region".into(), Column::categorical(&region)),
        ("constant".into(), Column::numeric(vec![3.0; n])),
        ("churn".into(), Column::categorical(&churn)),
    ])
    .unwrap()
}

fn auc(model: &FittedPropensityModel, t: &Table) -> f64 {
    let y = PropensityConfig::new("churn").labels(t).unwrap();
    roc_auc(y.as_slice(), &model.predict_proba(t).unwrap()).unwrap()
}

/// ROC-AUC of the planted logit itself on the test table: the ceiling.
fn oracle_auc(t: &Table) -> f64 {
    let calls = t.numeric("calls").unwrap().values();
    let tenure = t.numeric("tenure").unwrap();
    let plan = t.categorical("plan").unwrap();
    let z: Vec<f32> = (0..t.n_rows())
        .map(|i| {
            let tn = tenure.get(i).unwrap_or(30.5);
            (1.5 * (calls[i] - 5.0) / 2.9 - (tn - 30.5) / 17.0
                + if plan.get(i) == Some("basic") {
                    1.2
                } else {
                    0.0
                }) as f32
        })
        .collect();
    let y = PropensityConfig::new("churn").labels(t).unwrap();
    roc_auc(y.as_slice(), z.as_slice()).unwrap()
}

#[test]
fn logistic_propensity_finds_the_planted_rule() {
    let train = churn_table(3000, 1);
    let test = churn_table(1500, 2);
    let model = PropensityConfig::new("churn")
        .drop(&["user_id"])
        .fit(&train)
        .unwrap();
    assert_eq!(
        model.feature_names(),
        &[
            "calls",
            "tenure",
            "noise",
            "constant",
            "plan=basic",
            "plan=plus",
            "plan=pro",
            "region=e",
            "region=n",
            "region=s",
            "region=w"
        ]
    );
    let s = model.summary();
    assert_eq!(s.n_rows, 3000);
    let (_, imputed) = model
        .preprocessor()
        .transform_matrix_with_report(&train)
        .unwrap();
    assert!(imputed.column("tenure").unwrap().imputed > 100);
    let FittedClassifier::Logistic(lr) = model.model() else {
        panic!("default is logistic")
    };
    assert!(lr.converged());
    let w = lr.coef();
    // Directions of the planted rule; the constant column gets weight 0.
    assert!(w[0] > 1.0 && w[1] < -0.6, "{w:?}");
    assert!(w[4] > w[5] + 0.8 && w[4] > w[6] + 0.8, "{w:?}");
    assert!(w[2].abs() < 0.15 && w[3].abs() < 1e-9, "{w:?}");
    let (ours, ceiling) = (auc(&model, &test), oracle_auc(&test));
    println!("logistic ROC-AUC {ours:.4}, oracle {ceiling:.4}");
    // The model can only lose to the oracle through estimation noise and
    // the 5 % imputed tenure values.
    assert!(ours > ceiling - 0.02, "auc {ours} vs oracle {ceiling}");
}

#[test]
fn mlp_propensity_matches_logistic_on_a_linear_rule() {
    let train = churn_table(3000, 3);
    let test = churn_table(1500, 4);
    let model = PropensityConfig::new("churn")
        .drop(&["user_id"])
        .model(ModelKind::Mlp(MlpClassifier::new()))
        .fit(&train)
        .unwrap();
    let FittedClassifier::Mlp(mlp) = model.model() else {
        panic!("mlp")
    };
    assert!(mlp.history().epochs.len() <= 100);
    let (ours, ceiling) = (auc(&model, &test), oracle_auc(&test));
    println!("mlp ROC-AUC {ours:.4}, oracle {ceiling:.4}");
    assert!(ours > ceiling - 0.03, "auc {ours} vs oracle {ceiling}");
}

#[test]
fn scoring_handles_unknown_categories_missing_values_and_saves() {
    let train = churn_table(800, 5);
    let model = PropensityConfig::new("churn")
        .positive("yes")
        .drop(&["user_id"])
        .fit(&train)
        .unwrap();
    // A new user: unseen plan and region, missing tenure; no target, no id.
    let new = Table::new(vec![
        ("calls".into(), Column::numeric(vec![9.0, 1.0])),
        ("tenure".into(), Column::numeric_opt(vec![None, Some(50.0)])),
        ("plan".into(), Column::categorical(&["enterprise", "pro"])),
        ("noise".into(), Column::numeric(vec![0.0, 0.0])),
        (
            "region".into(),
            Column::categorical_opt(&[None, Some("mars")]),
        ),
        ("constant".into(), Column::numeric(vec![3.0, 7.0])),
    ])
    .unwrap();
    let p = model.predict_proba(&new).unwrap();
    let (_, report) = model
        .preprocessor()
        .transform_matrix_with_report(&new)
        .unwrap();
    assert!(p.iter().all(|v| v.is_finite()) && p[0] > p[1]);
    assert_eq!(report.column("tenure").unwrap().imputed, 1);
    assert_eq!(report.column("plan").unwrap().unknown_categories, 1);
    assert_eq!(report.column("region").unwrap().unknown_categories, 1);
    // One file holds pipeline and classifier; a loaded model scores identically.
    for kind in [
        ModelKind::Logistic(LogisticRegression::new()),
        ModelKind::Mlp(MlpClassifier::new().epochs(3)),
    ] {
        let m = PropensityConfig::new("churn")
            .drop(&["user_id"])
            .model(kind)
            .fit(&train)
            .unwrap();
        let path =
            std::env::temp_dir().join(format!("ua_prediction_test_{}.json", std::process::id()));
        m.save(&path).unwrap();
        let back = FittedPropensityModel::load(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(
            back.predict_proba(&new).unwrap(),
            m.predict_proba(&new).unwrap()
        );
        assert_eq!(back.feature_names(), m.feature_names());
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let t = churn_table(200, 6);
    let err = |r: ua_analytics::Result<FittedPropensityModel>| r.unwrap_err().to_string();
    let e = err(PropensityConfig::new("churned").fit(&t));
    assert!(e.contains("unknown column `churned`"), "{e}");
    let e = err(PropensityConfig::new("churn").positive("maybe").fit(&t));
    assert!(e.contains("`maybe` never occurs in column `churn`"), "{e}");
    let one = t
        .filter(
            &t.categorical("churn")
                .unwrap()
                .iter()
                .map(|v| v == Some("no"))
                .collect::<Vec<_>>(),
        )
        .unwrap();
    let e = err(PropensityConfig::new("churn").fit(&one));
    assert!(e.contains("`churn` has one class only"), "{e}");
    let e = err(PropensityConfig::new("churn").positive("yes").fit(&one));
    assert!(e.contains("never occurs"), "{e}");
    let e = err(PropensityConfig::new("churn").drop(&["nope"]).fit(&t));
    assert!(e.contains("`nope`"), "{e}");
    // A feature column with no value at all.
    let mut empty = t.clone();
    empty
        .add_column("blank", Column::numeric_opt(vec![None; 200]))
        .unwrap();
    let e = err(PropensityConfig::new("churn").fit(&empty));
    assert!(e.contains("`blank`"), "{e}");
    let mut empty = t.clone();
    empty
        .add_column(
            "blank_cat",
            Column::categorical_opt::<&str>(&vec![None; 200]),
        )
        .unwrap();
    let e = err(PropensityConfig::new("churn").fit(&empty));
    assert!(e.contains("`blank_cat`"), "{e}");
    // Scoring a table without a trained column names it.
    let m = PropensityConfig::new("churn")
        .drop(&["user_id"])
        .fit(&t)
        .unwrap();
    let lacking = t.drop_columns(&["tenure"]).unwrap();
    let e = m.predict_proba(&lacking).unwrap_err().to_string();
    assert!(e.contains("unknown column `tenure`"), "{e}");
    // The id column is not needed at scoring time since it was dropped.
    assert!(
        m.predict_proba(&t.drop_columns(&["user_id", "churn"]).unwrap())
            .is_ok()
    );
}

#[test]
fn permutation_importance_ranks_the_drivers() {
    let train = churn_table(2000, 7);
    let test = churn_table(1000, 8);
    let model = PropensityConfig::new("churn")
        .drop(&["user_id"])
        .fit(&train)
        .unwrap();
    let y = PropensityConfig::new("churn").labels(&test).unwrap();
    let inputs = model.input_table(&test).unwrap();
    let importance =
        |seed| permutation_importance(&inputs, &y, &model, Metric::RocAuc, 5, seed).unwrap();
    let imp = importance(42);
    let names: Vec<&str> = imp.iter().map(|c| c.column.as_str()).collect();
    // calls (|w| = 1.5 per sd) > tenure (1.0) > plan (1.2 on one level of three).
    assert_eq!(&names[..3], &["calls", "tenure", "plan"], "{imp:?}");
    for c in &imp[3..] {
        // noise, region and the constant column: no real drop.
        assert!(c.mean_drop.abs() < 0.01, "{c:?}");
    }
    assert!(
        imp[0].mean_drop > 0.1 && imp[0].mean_drop > 5.0 * imp[0].std_drop,
        "{:?}",
        imp[0]
    );
    // Same seed, same answer.
    assert_eq!(importance(42), imp);
    assert_ne!(importance(43), imp);
}

/// The synthetic shop's orders as a transaction log.
fn shop_log() -> (Table, ShopConfig) {
    let cfg = ShopConfig::small();
    let shop = generate(&cfg).unwrap();
    let o = &shop.orders;
    let log = Table::new(vec![
        (
            "user".into(),
            Column::numeric(o.user_id.iter().map(|&u| u as f64).collect()),
        ),
        ("day".into(), Column::date(o.day.clone())),
        ("amount".into(), Column::numeric(o.amount.clone())),
        (
            "qty".into(),
            Column::numeric(o.quantity.iter().map(|&q| f64::from(q)).collect()),
        ),
    ])
    .unwrap();
    (log, cfg)
}

#[test]
fn repeat_purchase_on_the_synthetic_shop() {
    let (log, cfg) = shop_log();
    let cal_end = cfg.start_day + 79;
    let rp =
        RepeatPurchase::new("user", "day", "amount", cal_end, cfg.end_day()).quantity_col("qty");
    let features = rp.training_table(&log).unwrap();
    let t = &features.table;
    for c in [
        "recency_days",
        "frequency",
        "monetary",
        "tenure_days",
        "mean_order_value",
        "quantity",
    ] {
        assert!(t.has_column(c), "{c}");
    }
    assert_eq!(
        features.report.rows_in_window + features.report.rows_in_holdout,
        log.n_rows()
    );
    // Half the customers for training, half held out (by row parity).
    let (even, odd): (Vec<usize>, Vec<usize>) = (0..t.n_rows()).partition(|i| i % 2 == 0);
    let (train, test) = (t.take(&even).unwrap(), t.take(&odd).unwrap());
    let model = rp
        .propensity_config(ModelKind::default())
        .fit(&train)
        .unwrap();
    let config = rp.propensity_config(ModelKind::default());
    let y = config.labels(&test).unwrap();
    let auc = roc_auc(y.as_slice(), &model.predict_proba(&test).unwrap()).unwrap();
    // Lapsing customers (segment lifetimes 30–400 days) stop buying, so
    // recency and frequency separate who comes back. Measured 0.805 on this
    // seed; 0.7 leaves a margin and is far above chance (0.5).
    println!("repeat-purchase ROC-AUC {auc:.4}");
    assert!(auc > 0.7, "repeat-purchase auc {auc}");
    let inputs = model.input_table(&test).unwrap();
    let imp = permutation_importance(&inputs, &y, &model, Metric::RocAuc, 3, 1).unwrap();
    assert!(
        ["recency_days", "frequency", "n_transactions", "tenure_days"]
            .contains(&imp[0].column.as_str()),
        "{imp:?}"
    );
    // Scoring at the holdout end uses the same columns.
    let later = rp.scoring_table(&log, cfg.end_day()).unwrap();
    let p = model.predict_proba(&later.table).unwrap();
    assert_eq!(p.len(), later.table.n_rows());
}

#[test]
fn purchase_propensity_rule_of_the_shop_is_found() {
    // The shop converts carted sessions with σ(… + 0.9·ln(income/50 000)
    // + 0.25·(age − 40)/10 − 0.35·(tier − 1) + segment offset). With the
    // observable demographics as features, a model of "converted at least
    // once in the window, given a cart" must put positive weight on income
    // and age and negative on tier: the coefficients' signs are the rule.
    let shop = generate(&ShopConfig {
        n_users: 1500,
        ..ShopConfig::small()
    })
    .unwrap();
    let users = shop.users_table().unwrap();
    let n = users.n_rows();
    let prob = users
        .numeric("hidden_purchase_prob")
        .unwrap()
        .values()
        .to_vec();
    let mut rng = seeded_rng(3);
    // Label drawn from the hidden per-session propensity itself (one carted
    // session each): the cleanest view of the documented rule.
    let bought: Vec<bool> = prob.iter().map(|&p| rng.random::<f64>() < p).collect();
    let features = users.select(&["age", "income", "city_tier"]).unwrap();
    let mut t = features.clone();
    t.add_column("bought", Column::boolean(bought)).unwrap();
    let (even, odd): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % 2 == 0);
    let (train, test) = (t.take(&even).unwrap(), t.take(&odd).unwrap());
    let model = PropensityConfig::new("bought").fit(&train).unwrap();
    let FittedClassifier::Logistic(lr) = model.model() else {
        panic!()
    };
    let w = lr.coef();
    assert!(
        w[0] > 0.0 && w[1] > 0.0 && w[2] < 0.0,
        "age, income, tier weights {w:?}"
    );
    let y = PropensityConfig::new("bought").labels(&test).unwrap();
    let ours = roc_auc(y.as_slice(), &model.predict_proba(&test).unwrap()).unwrap();
    let truth: Vec<f32> = odd.iter().map(|&i| prob[i] as f32).collect();
    let ceiling = roc_auc(y.as_slice(), truth.as_slice()).unwrap();
    // The segment offset is hidden, so the model sits below the ceiling but
    // clearly above chance: measured 0.677 (ceiling 0.712) on this seed.
    println!("shop propensity ROC-AUC {ours:.4}, ceiling {ceiling:.4}, weights {w:?}");
    assert!(
        ours > 0.6 && ours <= ceiling + 0.02,
        "auc {ours}, ceiling {ceiling}"
    );
}

/// A finite but huge value (1e308) in a feature column is reported with the
/// column name and the (1-based) row, not as `non-finite value (-inf) at index (0, 2)`.
#[test]
fn huge_feature_value_is_named_by_column_and_row() {
    use ua_analytics::prediction::PropensityConfig;
    use ua_data::{Column, Table};
    let n = 40;
    let mut spend: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
    spend[13] = 1e308;
    let t = Table::new(vec![
        (
            "visits".into(),
            Column::numeric((0..n).map(|i| (i % 5) as f64).collect()),
        ),
        ("spend".into(), Column::numeric(spend)),
        (
            "y".into(),
            Column::numeric((0..n).map(|i| (i % 2) as f64).collect()),
        ),
    ])
    .unwrap();
    let e = PropensityConfig::new("y").fit(&t).unwrap_err().to_string();
    assert!(e.contains("spend"), "{e}");
    assert!(!e.contains("index ("), "{e}");
    assert!(e.contains("row 14") && e.contains("1e308"), "{e}");
}
