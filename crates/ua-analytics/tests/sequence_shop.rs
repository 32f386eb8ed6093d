//! Sequence models on the synthetic shop: a planted order motif in the
//! event log that the sequence network finds and the bag of events and the
//! RFM-only model cannot; purchase sequences aligned with the RFM table,
//! without look-ahead, with a vocabulary of the training customers only.

use ndarray::{Array2, Axis, s};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ua_analytics::Predictor;
use ua_analytics::metrics::roc_auc;
use ua_analytics::prediction::evaluate::Holdout;
use ua_analytics::prediction::{
    BagOfEvents, LogisticRegression, PurchaseSequences, RepeatPurchase, SequenceClassifier,
};
use ua_data::features::read_keys;
use ua_data::features::sequences::{Channel, EventColumns};
use ua_data::synth::{EventKind, Shop, ShopConfig, generate};
use ua_data::{Column, Table};

fn shop(n_users: usize) -> Shop {
    generate(&ShopConfig {
        n_users,
        ..ShopConfig::small()
    })
    .unwrap()
}

/// The repeat-purchase split of the shop's orders: calibration = the first
/// 80 days.
fn split(shop: &Shop) -> RepeatPurchase {
    let cal = shop.config.start_day + 79;
    RepeatPurchase::new("user_id", "date", "amount", cal, shop.config.end_day())
}

/// The shop's event log as a table, with `extra` events `(user, item,
/// kind, time)` appended.
fn events_table(shop: &Shop, extra: &[(u64, u64, EventKind, i64)]) -> Table {
    let e = &shop.events;
    let users: Vec<f64> = e
        .user_id
        .iter()
        .map(|&u| u as f64)
        .chain(extra.iter().map(|x| x.0 as f64))
        .collect();
    let items: Vec<f64> = e
        .item_id
        .iter()
        .map(|&i| i as f64)
        .chain(extra.iter().map(|x| x.1 as f64))
        .collect();
    let kinds: Vec<&str> = e
        .kind
        .iter()
        .copied()
        .chain(extra.iter().map(|x| x.2))
        .map(EventKind::as_str)
        .collect();
    let times: Vec<f64> = e
        .timestamp
        .iter()
        .map(|&t| t as f64)
        .chain(extra.iter().map(|x| x.3 as f64))
        .collect();
    Table::new(vec![
        ("user_id".into(), Column::numeric(users)),
        ("item_id".into(), Column::numeric(items)),
        ("event".into(), Column::categorical(&kinds)),
        ("timestamp".into(), Column::numeric(times)),
    ])
    .unwrap()
}

fn event_sequences(max_len: usize) -> PurchaseSequences {
    PurchaseSequences {
        max_len,
        events: Some(EventColumns::new(
            "user_id",
            "timestamp",
            &["event", "item_id"],
        )),
        channels: vec![Channel::LogGapDays, Channel::HourOfDay],
        min_count: 1,
    }
}

#[test]
fn the_network_finds_a_planted_motif_the_bag_and_rfm_cannot() {
    let shop = shop(2_500);
    let rp = split(&shop);
    let orders = shop.orders_table().unwrap();
    let features = rp.training_table(&orders).unwrap();
    let customers = read_keys(&features.table, RepeatPurchase::CUSTOMER).unwrap();
    // Every customer views a new item Z twice and puts it in the cart once,
    // in the last hour before the cut-off: "view, view, cart" (m = 1) or
    // "cart, view, view" (m = 0) — the same bag of events. Label = m, 5 %
    // flipped.
    let z = shop.items.len() as u64 + 1;
    let end = (i64::from(rp.calibration_end) + 1) * 86_400 - 1;
    let mut rng = StdRng::seed_from_u64(7);
    let (mut extra, mut y) = (Vec::new(), Vec::new());
    for c in &customers {
        let ua_data::features::Key::Int(user) = c else {
            panic!("the shop's user ids are numbers")
        };
        let m = rng.random_bool(0.5);
        let kinds = if m {
            [EventKind::View, EventKind::View, EventKind::Cart]
        } else {
            [EventKind::Cart, EventKind::View, EventKind::View]
        };
        for (k, kind) in kinds.into_iter().enumerate() {
            extra.push((*user as u64, z, kind, end - 600 + 60 * k as i64));
        }
        y.push(u8::from(m != rng.random_bool(0.05)));
    }
    let events = events_table(&shop, &extra);
    let (train, test) = Holdout::stratified(0.3, 1).split(&y).unwrap();
    let seq = event_sequences(30)
        .fit(&rp, &events, &features, &train)
        .unwrap();
    let (x, report) = seq.rows(&events, &features, rp.calibration_end).unwrap();
    assert_eq!(report.users, customers.len());
    assert_eq!(report.users_without_events, 0);
    let layout = seq.layout();
    let pick = |rows: &[usize]| {
        (
            x.select(Axis(0), rows),
            rows.iter().map(|&i| y[i]).collect::<Vec<u8>>(),
        )
    };
    let (x_train, y_train) = pick(&train);
    let (x_test, y_test) = pick(&test);
    let auc = |p: ndarray::Array1<f32>| roc_auc(&y_test, &p).unwrap();

    let net = SequenceClassifier::new(layout)
        .embedding_dim(16)
        .filters(32)
        .learning_rate(3e-3)
        .fit(x_train.view(), &y_train)
        .unwrap();
    let auc_net = auc(net.predict_proba(x_test.view()).unwrap());
    let bag = BagOfEvents::new(layout)
        .fit(x_train.view(), &y_train)
        .unwrap();
    let auc_bag = auc(bag.predict_proba(x_test.view()).unwrap());
    let rfm = |x: &Array2<f32>| x.slice(s![.., layout.sequence_columns()..]).to_owned();
    let logistic = LogisticRegression::new()
        .fit(rfm(&x_train).view(), &y_train)
        .unwrap();
    let auc_rfm = auc(logistic.predict_proba(rfm(&x_test).view()).unwrap());
    assert!(
        auc_net > 0.85,
        "network {auc_net}, bag {auc_bag}, RFM {auc_rfm}"
    );
    assert!(auc_bag < 0.65, "bag {auc_bag}");
    assert!(auc_rfm < 0.65, "RFM {auc_rfm}");
    assert!(auc_net - auc_bag.max(auc_rfm) > 0.2);
}

#[test]
fn purchase_sequences_align_with_the_rfm_table_and_never_look_ahead() {
    let shop = shop(300);
    let rp = split(&shop);
    let orders = shop.orders_table().unwrap();
    let features = rp.training_table(&orders).unwrap();
    let n = features.table.n_rows();
    let train: Vec<usize> = (0..n).filter(|i| i % 4 != 0).collect();
    let spec = PurchaseSequences::default();
    let seq = spec.fit(&rp, &orders, &features, &train).unwrap();
    let (x, report) = seq.rows(&orders, &features, rp.calibration_end).unwrap();
    assert_eq!(x.nrows(), n);
    assert_eq!(report.users, n);
    assert!(report.events_after_cutoff > 0);
    // Each row's length is the customer's calibration transactions (≤ 50).
    let layout = seq.layout();
    let lengths = layout.lengths(x.view()).unwrap();
    let customers = read_keys(&features.table, RepeatPurchase::CUSTOMER).unwrap();
    let (ids, days) = (
        read_keys(&orders, "user_id").unwrap(),
        orders.date("date").unwrap(),
    );
    for (row, c) in customers.iter().enumerate().step_by(17) {
        let count = ids
            .iter()
            .zip(days.iter())
            .filter(|(u, d)| *u == c && d.unwrap() <= rp.calibration_end)
            .count();
        assert_eq!(lengths[row], count.min(50), "customer {c}");
    }
    // The static part is the RFM table through the fitted recipe.
    assert_eq!(seq.static_names().len(), layout.static_features);
    assert!(seq.static_names().iter().any(|n| n == "recency_days"));

    // Transactions after the calibration end change nothing.
    let mut later = orders.clone();
    let amounts: Vec<f64> = orders
        .numeric("amount")
        .unwrap()
        .values()
        .iter()
        .zip(days.iter())
        .map(|(a, d)| {
            if d.unwrap() > rp.calibration_end {
                1e6
            } else {
                *a
            }
        })
        .collect();
    later
        .replace_column("amount", Column::numeric(amounts))
        .unwrap();
    let (x_later, _) = spec
        .fit(&rp, &later, &features, &train)
        .unwrap()
        .rows(&later, &features, rp.calibration_end)
        .unwrap();
    assert_eq!(x_later, x);
}

#[test]
fn the_vocabulary_knows_the_training_customers_tokens_only() {
    let shop = shop(300);
    let rp = split(&shop);
    let orders = shop.orders_table().unwrap();
    let features = rp.training_table(&orders).unwrap();
    let customers = read_keys(&features.table, RepeatPurchase::CUSTOMER).unwrap();
    // One test customer views an item nobody else touches.
    let ua_data::features::Key::Int(lone) = customers[0] else {
        panic!("numeric ids")
    };
    let noon = (i64::from(rp.calibration_end) - 3) * 86_400 + 43_200;
    let events = events_table(&shop, &[(lone as u64, 9_999, EventKind::View, noon)]);
    let train: Vec<usize> = (1..customers.len()).collect();
    let seq = event_sequences(20)
        .fit(&rp, &events, &features, &train)
        .unwrap();
    assert_eq!(seq.vocabulary().id("view|9999"), 1); // unknown
    let (x, report) = seq.rows(&events, &features, rp.calibration_end).unwrap();
    assert!(report.unknown_tokens >= 1);
    let len = seq.layout().lengths(x.view()).unwrap()[0];
    // The lone customer's view is among their sequence's tokens, as "unknown".
    assert!((0..len).any(|t| x[[0, t]] == 1.0));
    // Fitted on every customer, the token is known.
    let all: Vec<usize> = (0..customers.len()).collect();
    let seq_all = event_sequences(20)
        .fit(&rp, &events, &features, &all)
        .unwrap();
    assert!(seq_all.vocabulary().id("view|9999") > 1);
}

#[test]
fn purchase_sequences_save_load_and_refuse_bad_settings() {
    use ua_analytics::prediction::FittedPurchaseSequences;
    use ua_tensor::persist::Persist;
    let shop = shop(200);
    let rp = split(&shop);
    let orders = shop.orders_table().unwrap();
    let features = rp.training_table(&orders).unwrap();
    let train: Vec<usize> = (0..features.table.n_rows()).collect();
    let seq = PurchaseSequences::default()
        .fit(&rp, &orders, &features, &train)
        .unwrap();
    let json = seq.to_json().unwrap();
    let back = FittedPurchaseSequences::from_json(&json).unwrap();
    assert_eq!(back.layout(), seq.layout());
    assert_eq!(
        back.rows(&orders, &features, rp.calibration_end).unwrap().0,
        seq.rows(&orders, &features, rp.calibration_end).unwrap().0
    );
    let edit = |path: &[&str], value: serde_json::Value| {
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut at = &mut v["model"];
        for p in path {
            at = &mut at[*p];
        }
        *at = value;
        v.to_string()
    };
    for (field, what) in [("max_len", "max_len 0"), ("min_count", "min_count 0")] {
        let e = FittedPurchaseSequences::from_json(&edit(&["spec", field], serde_json::json!(0)))
            .unwrap_err()
            .to_string();
        assert!(e.contains(what) && e.contains("must be ≥ 1"), "{e}");
    }
    // A vocabulary without any token (padding and unknown only) is usable.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["model"]["vocabulary"]["tokens"] = serde_json::json!([]);
    v["model"]["vocabulary"]["counts"] = serde_json::json!([]);
    let bare = FittedPurchaseSequences::from_json(&v.to_string()).unwrap();
    assert_eq!(bare.layout().vocab_size, 2);
}
