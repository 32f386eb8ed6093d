//! Risk on the synthetic shop: its planted fraudsters (bursts of large,
//! mostly nocturnal orders right after signup) are found by the velocity
//! features, by an isolation forest on them, and flagged at a review budget.

use ndarray::Array2;
use ua_analytics::RiskScorer;
use ua_analytics::metrics::roc_auc;
use ua_analytics::risk::{AlertPolicy, AlertRule, IsolationForest};
use ua_data::features::velocity::{VelocityConfig, VelocityFeatures};
use ua_data::synth::{ShopConfig, generate};

/// Velocity features of every customer of a small shop, and who is a fraudster.
fn shop_velocity() -> (VelocityFeatures<u64>, Vec<u8>) {
    let config = ShopConfig {
        n_users: 3_000,
        ..ShopConfig::small()
    };
    let shop = generate(&config).unwrap();
    let o = &shop.orders;
    let as_of = o.timestamp.iter().max().copied().unwrap();
    let f = VelocityFeatures::compute(
        &o.user_id,
        &o.timestamp,
        &o.amount,
        &[],
        &VelocityConfig::at(as_of),
    )
    .unwrap();
    let fraud: Vec<u8> = f
        .customers
        .iter()
        .map(|&u| u8::from(shop.users.is_fraud[u as usize - 1])) // ids are index + 1
        .collect();
    (f, fraud)
}

#[test]
fn velocity_features_separate_the_planted_fraudsters() {
    let (f, fraud) = shop_velocity();
    assert!(fraud.iter().filter(|&&v| v == 1).count() >= 10);
    let night: Vec<f32> = f.night_share.iter().map(|&v| v as f32).collect();
    let spend: Vec<f32> = f.max_spend_24h.iter().map(|&v| v as f32).collect();
    let auc_night = roc_auc(&fraud, &night).unwrap();
    let auc_spend = roc_auc(&fraud, &spend).unwrap();
    assert!(
        auc_night > 0.8 && auc_spend > 0.8,
        "night {auc_night}, spend {auc_spend}"
    );
}

#[test]
fn an_isolation_forest_on_velocity_features_flags_fraudsters_at_a_budget() {
    let (f, fraud) = shop_velocity();
    let n = f.customers.len();
    let columns = [
        f.max_orders_24h
            .iter()
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>(),
        f.max_spend_24h.clone(),
        f.night_share.clone(),
        f.spend_per_active_day.clone(),
    ];
    let x = Array2::from_shape_fn((n, columns.len()), |(i, j)| columns[j][i].ln_1p() as f32);
    let forest = IsolationForest::new().seed(5).fit(x.view()).unwrap();
    let scores = forest.risk_score(x.view()).unwrap();
    let auc = roc_auc(&fraud, &scores).unwrap();
    assert!(auc > 0.9, "ROC-AUC {auc}");
    // Calibrate a 5 % review budget on even customers, check it on odd ones.
    let pick = |parity: usize| -> (Vec<u8>, Vec<f32>) {
        (0..n)
            .filter(|i| i % 2 == parity)
            .map(|i| (fraud[i], scores[i]))
            .unzip()
    };
    let (y_cal, s_cal) = pick(0);
    let (y_test, s_test) = pick(1);
    let rule = AlertRule::choose(AlertPolicy::TopFraction(0.05), &y_cal, &s_cal, 200, 1).unwrap();
    let flags = rule.flag(&s_test);
    let flagged = flags.iter().filter(|&&v| v).count();
    let hits = flags
        .iter()
        .zip(&y_test)
        .filter(|&(&f, &y)| f && y == 1)
        .count();
    let base_rate = fraud.iter().filter(|&&v| v == 1).count() as f64 / n as f64;
    assert!(
        flagged > 0 && (flagged as f64) < 0.1 * s_test.len() as f64,
        "{flagged}"
    );
    assert!(
        hits as f64 / flagged as f64 > 4.0 * base_rate,
        "{hits} of {flagged}; base rate {base_rate}"
    );
}

#[test]
fn robust_z_rules_on_velocity_features_find_the_fraudsters() {
    use ua_analytics::risk::RobustZ;
    let (f, fraud) = shop_velocity();
    let n = f.customers.len();
    let columns = [
        f.max_orders_24h
            .iter()
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>(),
        f.max_spend_24h.clone(),
    ];
    let x = Array2::from_shape_fn((n, 2), |(i, j)| columns[j][i].ln_1p() as f32);
    let rule = RobustZ::fit(x.view()).unwrap();
    let auc = roc_auc(&fraud, &rule.risk_score(x.view()).unwrap()).unwrap();
    assert!(auc > 0.9, "ROC-AUC {auc}");
}

/// The velocity table of the shop (one row per customer, with its id) and
/// who is a fraudster.
fn shop_table() -> (ua_data::Table, Vec<u8>) {
    let (f, fraud) = shop_velocity();
    // Ids as text, as a CSV id column would be read (and kept out of the features).
    let text = VelocityFeatures {
        customers: f.customers.iter().map(|u| format!("u{u}")).collect(),
        orders: f.orders,
        active_days: f.active_days,
        max_orders_1h: f.max_orders_1h,
        max_orders_24h: f.max_orders_24h,
        max_spend_24h: f.max_spend_24h,
        spend_per_active_day: f.spend_per_active_day,
        night_share: f.night_share,
        days_since_first_seen: f.days_since_first_seen,
        new_account: f.new_account,
        distinct: f.distinct,
    };
    (text.to_table("user_id").unwrap(), fraud)
}

#[test]
fn a_supervised_pipeline_with_class_weights_finds_the_fraudsters_on_held_out_customers() {
    use ua_analytics::pipeline::Pipeline;
    use ua_analytics::prediction::{ClassWeight, LogisticRegression};
    use ua_analytics::risk::{Supervised, evaluate_at_budget};
    use ua_data::pipeline::ColumnTransformer;

    let (table, fraud) = shop_table();
    let n = table.n_rows();
    let (train, test): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % 4 != 0);
    let part = |rows: &[usize]| {
        (
            table.take(rows).unwrap(),
            rows.iter().map(|&i| fraud[i]).collect::<Vec<u8>>(),
        )
    };
    let ((t_train, y_train), (t_test, y_test)) = (part(&train), part(&test));
    let prep = ColumnTransformer::auto(&t_train, None, &["user_id"]).unwrap();
    let pipe = Pipeline::new(
        prep,
        LogisticRegression::new().class_weight(ClassWeight::Balanced),
    )
    .id_column("user_id");
    let risk = Supervised(pipe.fit(&t_train, &y_train).unwrap());
    let scores = risk.risk_score(&t_test).unwrap();
    let e = evaluate_at_budget(&y_test, &scores, 0.1).unwrap();
    let base_rate = e.positives as f64 / e.rows as f64;
    assert!(e.roc_auc > 0.95, "{e:?}");
    // A 10 % review budget catches most fraudsters at many times the base rate.
    assert!(
        e.recall_at_budget > 0.8 && e.precision_at_budget > 4.0 * base_rate,
        "{e:?}"
    );

    // The same table through an unsupervised pipeline (no labels), and both
    // rank-averaged: one scorer of tables, saved as one file.
    use ua_analytics::pipeline::FittedDetectorPipeline;
    use ua_analytics::risk::{Combined, IsolationForest};
    use ua_tensor::persist::Persist;
    let prep = ColumnTransformer::auto(&t_train, None, &["user_id"]).unwrap();
    let forest = Pipeline::new(prep, IsolationForest::new().seed(3))
        .id_column("user_id")
        .fit_unsupervised(&t_train)
        .unwrap();
    assert!(!forest.feature_names().contains(&"user_id".to_string()));
    let forest_auc = roc_auc(&y_test, &forest.risk_score(&t_test).unwrap()).unwrap();
    assert!(forest_auc > 0.85, "{forest_auc}");
    let both = Combined::fit((forest, risk), &t_train).unwrap();
    let s = both.risk_score(&t_test).unwrap();
    let auc = roc_auc(&y_test, &s).unwrap();
    assert!(auc > 0.95, "{auc}");
    type Both = Combined<(
        FittedDetectorPipeline<ColumnTransformer, IsolationForest>,
        Supervised<ua_analytics::pipeline::FittedPipeline<ColumnTransformer, LogisticRegression>>,
    )>;
    let back = Both::from_json(&both.to_json().unwrap()).unwrap();
    assert_eq!(back.risk_score(&t_test).unwrap(), s);
    // One row at a time scores as in the batch (the quantiles are fixed at fit).
    for i in [0, 7, 100] {
        let one = both.risk_score(&t_test.take(&[i]).unwrap()).unwrap();
        assert_eq!(one[0].to_bits(), s[i].to_bits(), "row {i}");
    }
}
