//! Feature extraction on tables and on the synthetic shop: RFM with a holdout
//! label, and the user × item interaction matrix.

use ua_data::csv_io::{CsvOptions, read_csv};
use ua_data::features::Key;
use ua_data::features::interactions::{InteractionsBuilder, Weighting};
use ua_data::features::rfm::{RfmConfig, RfmFeatures};
use ua_data::synth::{EventKind, ShopConfig, generate};
use ua_data::{Column, Table};

#[test]
fn rfm_from_a_table_with_text_dates_matches_hand_computation() {
    let t = Table::new(vec![
        (
            "customer".into(),
            Column::categorical(&["x", "y", "x", "x", "z"]),
        ),
        (
            "date".into(),
            Column::categorical(&[
                "2024-03-01",
                "2024-03-05",
                "20240311",
                "2024-03-11",
                "2024-04-02",
            ]),
        ),
        (
            "amount".into(),
            Column::numeric(vec![10.0, 4.0, 6.0, 2.0, 9.0]),
        ),
        ("qty".into(), Column::numeric(vec![1.0, 1.0, 2.0, 1.0, 1.0])),
    ])
    .unwrap();
    let as_of = ua_data::date::parse_date("2024-03-31").unwrap();
    // The holdout may not run past the day after the last transaction
    // (2024-04-02): a longer window would label from data that is not there.
    let cfg = RfmConfig {
        as_of,
        holdout_end: Some(as_of + 3),
    };
    let f = RfmFeatures::from_table(&t, "customer", "date", "amount", Some("qty"), &cfg).unwrap();
    assert_eq!(f.customers, [Key::from("x"), Key::from("y")]);
    assert_eq!(f.recency_days, [20, 26]);
    assert_eq!(f.frequency, [2, 1]);
    assert_eq!(f.n_transactions, [3, 1]);
    assert_eq!(f.monetary, [18.0, 4.0]);
    assert_eq!(f.mean_order_value, [6.0, 4.0]);
    assert_eq!(f.quantity.as_deref(), Some(&[4.0, 1.0][..]));
    assert_eq!(f.tenure_days, [30, 26]);
    assert_eq!(f.mean_days_between, [Some(10.0), None]);
    assert_eq!(f.bought_in_holdout.as_deref(), Some(&[false, false][..]));
    assert_eq!(f.report.customers_excluded, 1); // z: first purchase in the holdout
    assert_eq!(f.report.rows_in_holdout, 1);

    let out = f.to_table().unwrap();
    assert_eq!(out.n_rows(), 2);
    assert_eq!(out.categorical("customer").unwrap().get(1), Some("y"));
    assert_eq!(out.numeric("quantity").unwrap().values(), &[4.0, 1.0]);

    // Bad dates and missing columns are errors naming column and row.
    let bad = Table::new(vec![
        ("c".into(), Column::numeric(vec![1.0, 2.0])),
        (
            "d".into(),
            Column::categorical(&["2024-03-01", "03/05/2024"]),
        ),
        ("a".into(), Column::numeric(vec![1.0, 1.0])),
    ])
    .unwrap();
    let e = RfmFeatures::from_table(&bad, "c", "d", "a", None, &cfg)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`d`") && e.contains("at row 2") && e.contains("03/05/2024"),
        "{e}"
    );
    let e = RfmFeatures::from_table(&bad, "c", "date", "a", None, &cfg)
        .unwrap_err()
        .to_string();
    assert!(e.contains("date"), "{e}");
}

#[test]
fn rfm_on_the_shop_orders_via_csv_carries_the_lapse_signal() {
    let shop = generate(&ShopConfig {
        n_users: 800,
        ..ShopConfig::small()
    })
    .unwrap();
    let dir = std::env::temp_dir().join(format!("ua_data_features_test_{}", std::process::id()));
    let paths = shop.write_csvs(&dir).unwrap();
    let orders = read_csv(&paths[3], &CsvOptions::default()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(orders.n_rows(), shop.orders.len());

    let start = shop.config.start_day;
    let cfg = RfmConfig {
        as_of: start + 79,
        holdout_end: Some(start + 119),
    };
    let from_csv =
        RfmFeatures::from_table(&orders, "user_id", "date", "amount", Some("quantity"), &cfg)
            .unwrap();
    // Same result as from the in-memory columns.
    let qty: Vec<f64> = shop.orders.quantity.iter().map(|&q| f64::from(q)).collect();
    let direct = RfmFeatures::compute(
        &shop.orders.user_id,
        &shop.orders.day,
        &shop.orders.amount,
        Some(&qty),
        &cfg,
    )
    .unwrap();
    assert_eq!(from_csv.len(), direct.len());
    assert!(
        from_csv
            .customers
            .iter()
            .zip(&direct.customers)
            .all(|(k, &id)| *k == Key::Int(id as i64))
    );
    assert_eq!(from_csv.monetary, direct.monetary);
    assert_eq!(from_csv.mean_days_between, direct.mean_days_between);
    assert_eq!(from_csv.report, direct.report);
    let r = direct.report;
    assert_eq!(
        r.rows_total,
        r.rows_in_window + r.rows_in_holdout + r.rows_ignored
    );
    assert_eq!(r.customers_total, r.customers + r.customers_excluded);

    // Hidden truth: a user whose lapse day is on or before as_of never buys
    // again, and champions buy again far more often than one-timers.
    let label = direct.bought_in_holdout.as_ref().unwrap();
    let (mut again, mut n) = ([0usize; 4], [0usize; 4]);
    for (k, &id) in direct.customers.iter().enumerate() {
        let u = (id - 1) as usize;
        if shop.users.hidden_lapse_day[u] <= cfg.as_of + 1 {
            assert!(!label[k], "user {id} lapsed but bought again");
        }
        if !shop.users.is_fraud[u] {
            let seg = usize::from(shop.users.hidden_segment[u]);
            again[seg] += usize::from(label[k]);
            n[seg] += 1;
        }
    }
    let rate = |s: usize| again[s] as f64 / n[s] as f64;
    assert!(
        rate(0) > 0.8 && rate(3) < 0.3,
        "champions {} one-timers {}",
        rate(0),
        rate(3)
    );
}

#[test]
fn interactions_from_the_shop_events_table() {
    let shop = generate(&ShopConfig::small()).unwrap();
    let events = shop.events_table().unwrap();
    let views = InteractionsBuilder::new(Weighting::Count)
        .from_table(&events, "user_id", "item_id", None)
        .unwrap();
    let n_users = {
        let mut v = shop.events.user_id.clone();
        v.dedup(); // the log is sorted by user
        v.len()
    };
    let n_items = {
        let mut v = shop.events.item_id.clone();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    assert_eq!(views.matrix.shape(), (n_users, n_items));
    let total: f32 = views.matrix.data().iter().sum();
    assert_eq!(total as usize, shop.events.len());
    assert_eq!(views.report.entries, views.matrix.nnz());
    assert_eq!(
        views.report.rows,
        views.report.entries + views.report.rows_merged
    );

    // One pair checked by hand against the log.
    let (uid, iid) = (shop.events.user_id[0], shop.events.item_id[0]);
    let expected = (0..shop.events.len())
        .filter(|&i| shop.events.user_id[i] == uid && shop.events.item_id[i] == iid)
        .count();
    let r = views.user_index(&Key::Int(uid as i64)).unwrap();
    let c = views.item_index(&Key::Int(iid as i64)).unwrap() as u32;
    let (cols, vals) = views.matrix.row(r).unwrap();
    let pos = cols.iter().position(|&x| x == c).unwrap();
    assert_eq!(vals[pos] as usize, expected);
    assert_eq!(views.user_id(r), Some(&Key::Int(uid as i64)));

    // Purchases weighted by quantity, built from slices, in the views' index space.
    let rows: Vec<usize> = (0..shop.events.len())
        .filter(|&i| shop.events.kind[i] == EventKind::Purchase)
        .collect();
    let users: Vec<Key> = rows
        .iter()
        .map(|&i| Key::Int(shop.events.user_id[i] as i64))
        .collect();
    let items: Vec<Key> = rows
        .iter()
        .map(|&i| Key::Int(shop.events.item_id[i] as i64))
        .collect();
    let qty: Vec<f64> = rows
        .iter()
        .map(|&i| f64::from(shop.events.quantity[i]))
        .collect();
    let bought = InteractionsBuilder::new(Weighting::Sum)
        .with_users(views.users.clone())
        .with_items(views.items.clone())
        .build(&users, &items, Some(&qty))
        .unwrap();
    assert_eq!(bought.matrix.shape(), views.matrix.shape());
    let units: f32 = bought.matrix.data().iter().sum();
    let expected_units: u32 = shop.orders.quantity.iter().sum();
    assert_eq!(units as u32, expected_units);
    assert_eq!(
        bought.report.rows_unknown_user + bought.report.rows_unknown_item,
        0
    );
}
