//! The synthetic shop: determinism, invariants of the tables, and the
//! documented hidden structure really being recoverable from the data.

use std::collections::HashMap;

use ua_data::synth::{EventKind, Shop, ShopConfig, generate};

fn small() -> Shop {
    generate(&ShopConfig::small()).unwrap()
}

#[test]
fn same_seed_same_shop_for_any_thread_count_and_other_seed_differs() {
    let cfg = ShopConfig {
        n_users: 700, // three rayon chunks
        ..ShopConfig::small()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| generate(&cfg).unwrap());
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap()
        .install(|| generate(&cfg).unwrap());
    assert_eq!(one, three);
    let other = generate(&ShopConfig { seed: 43, ..cfg }).unwrap();
    assert_ne!(one.events.item_id, other.events.item_id);
    assert_ne!(one.users.age, other.users.age);
}

#[test]
fn invariants_of_users_items_events_orders() {
    let shop = small();
    let cfg = &shop.config;
    let (u, it, e, o) = (&shop.users, &shop.items, &shop.events, &shop.orders);
    assert_eq!(u.len(), 300);
    assert_eq!(it.len(), 80);
    assert_eq!(u.hidden_taste.dim(), (300, 8));
    assert_eq!(it.hidden_factors.dim(), (80, 8));
    assert!(
        u.user_id
            .iter()
            .enumerate()
            .all(|(i, &id)| id == i as u64 + 1)
    );
    assert!(u.age.iter().all(|a| (18..=80).contains(a)));
    assert!(u.city_tier.iter().all(|t| (1..=3).contains(t)));
    assert!(u.hidden_segment.iter().all(|&s| usize::from(s) < 4));
    assert!(
        u.hidden_purchase_prob
            .iter()
            .all(|p| (0.0..=1.0).contains(p))
    );
    assert_eq!(u.is_fraud.iter().filter(|&&f| f).count(), 15); // 5 % of 300
    assert!(it.category.iter().all(|&c| c < 6));
    assert!(it.price.iter().all(|&p| p >= 0.5));

    // Events: sorted by user then time; inside the window; after signup;
    // before the lapse day; day consistent with the timestamp.
    assert!(e.len() > 5_000, "only {} events", e.len());
    for i in 0..e.len() {
        let ui = (e.user_id[i] - 1) as usize;
        assert!(e.item_id[i] >= 1 && e.item_id[i] <= 80);
        assert_eq!(i64::from(e.day[i]), e.timestamp[i].div_euclid(86_400));
        assert!(e.day[i] >= cfg.start_day && e.day[i] <= cfg.end_day());
        assert!(e.day[i] >= u.signup_day[ui]);
        assert!(e.day[i] < u.hidden_lapse_day[ui]);
        match e.kind[i] {
            EventKind::View => assert_eq!((e.quantity[i], e.order_id[i]), (0, 0)),
            EventKind::Cart => assert!(e.quantity[i] >= 1 && e.order_id[i] == 0),
            EventKind::Purchase => assert!(e.quantity[i] >= 1 && e.order_id[i] >= 1),
        }
        if i > 0 {
            let key = |j: usize| (e.user_id[j], e.timestamp[j]);
            assert!(key(i - 1) <= key(i), "events out of order at {i}");
        }
    }

    // Orders: ids 1..=n; amounts and units equal the sums over their purchase events.
    assert!(
        o.order_id
            .iter()
            .enumerate()
            .all(|(i, &id)| id == i as u64 + 1)
    );
    let mut amount = vec![0.0; o.len()];
    let mut units = vec![0u32; o.len()];
    let mut lines = vec![0u32; o.len()];
    for i in 0..e.len() {
        if e.kind[i] == EventKind::Purchase {
            let k = (e.order_id[i] - 1) as usize;
            amount[k] += f64::from(e.quantity[i]) * it.price[(e.item_id[i] - 1) as usize];
            units[k] += e.quantity[i];
            lines[k] += 1;
            assert_eq!(o.user_id[k], e.user_id[i]);
            assert_eq!(o.timestamp[k], e.timestamp[i]);
        }
    }
    for k in 0..o.len() {
        assert!((amount[k] - o.amount[k]).abs() < 0.006, "order {k}");
        assert_eq!(units[k], o.quantity[k]);
        assert_eq!(lines[k], o.n_items[k]);
        assert_eq!(o.is_fraud[k], u.is_fraud[(o.user_id[k] - 1) as usize]);
    }
}

#[test]
fn champions_order_more_than_one_timers_and_lapse_ends_activity() {
    let shop = generate(&ShopConfig {
        n_users: 1500,
        fraud_rate: 0.0,
        ..ShopConfig::small()
    })
    .unwrap();
    let u = &shop.users;
    let mut orders = vec![0usize; u.len()];
    for &id in &shop.orders.user_id {
        orders[(id - 1) as usize] += 1;
    }
    let mean = |seg: u8| {
        let (s, n) = (0..u.len())
            .filter(|&i| u.hidden_segment[i] == seg)
            .fold((0usize, 0usize), |(s, n), i| (s + orders[i], n + 1));
        s as f64 / n as f64
    };
    let (champ, regular, one) = (mean(0), mean(1), mean(3));
    assert!(champ > 3.0 * regular, "{champ} vs {regular}");
    assert!(regular > 1.5 * one, "{regular} vs {one}");

    // Bargain hunters (price sensitivity 1.5) view cheaper items than champions (0).
    let mut price_sum = [0.0f64; 4];
    let mut views = [0usize; 4];
    for i in 0..shop.events.len() {
        if shop.events.kind[i] == EventKind::View {
            let seg = usize::from(u.hidden_segment[(shop.events.user_id[i] - 1) as usize]);
            price_sum[seg] += shop.items.price[(shop.events.item_id[i] - 1) as usize];
            views[seg] += 1;
        }
    }
    let (p_champ, p_bargain) = (
        price_sum[0] / views[0] as f64,
        price_sum[2] / views[2] as f64,
    );
    assert!(p_bargain < 0.75 * p_champ, "{p_bargain} vs {p_champ}");

    // One-timers lapse early: their median lapse comes well before champions'.
    let median_life = |seg: u8| {
        let mut v: Vec<i32> = (0..u.len())
            .filter(|&i| u.hidden_segment[i] == seg)
            .map(|i| u.hidden_lapse_day[i] - u.signup_day[i].max(shop.config.start_day))
            .collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    assert!(median_life(3) * 5 < median_life(0));
}

#[test]
fn fraud_orders_are_large_nocturnal_many_item_and_right_after_signup() {
    let shop = generate(&ShopConfig {
        n_users: 1000,
        ..ShopConfig::small()
    })
    .unwrap();
    let (u, o) = (&shop.users, &shop.orders);
    let (mut fa, mut fn_, mut fnight, mut fitems) = (0.0, 0usize, 0usize, 0u32);
    let (mut na, mut nn, mut nnight, mut nitems) = (0.0, 0usize, 0usize, 0u32);
    for k in 0..o.len() {
        let night = o.timestamp[k].rem_euclid(86_400) < 6 * 3600;
        if o.is_fraud[k] {
            fa += o.amount[k];
            fn_ += 1;
            fnight += usize::from(night);
            fitems += o.n_items[k];
            let ui = (o.user_id[k] - 1) as usize;
            let age = o.day[k] - u.signup_day[ui];
            assert!(
                (0..=3).contains(&age),
                "fraud order {age} days after signup"
            );
        } else {
            na += o.amount[k];
            nn += 1;
            nnight += usize::from(night);
            nitems += o.n_items[k];
        }
    }
    assert!(fn_ >= 50 && nn >= 500, "{fn_} fraud / {nn} normal orders");
    let (fmean, nmean) = (fa / fn_ as f64, na / nn as f64);
    assert!(fmean > 4.0 * nmean, "fraud mean {fmean} vs {nmean}");
    assert!(fnight as f64 / fn_ as f64 > 0.6);
    assert!((nnight as f64 / nn as f64) < 0.1);
    assert!(fitems as f64 / fn_ as f64 > 2.0 * nitems as f64 / nn as f64);
}

#[test]
fn conversion_rises_with_the_documented_propensity() {
    let shop = generate(&ShopConfig {
        n_users: 1500,
        fraud_rate: 0.0,
        ..ShopConfig::small()
    })
    .unwrap();
    let (u, e) = (&shop.users, &shop.events);
    // Per session: did it have a cart, did it end in a purchase.
    let mut carted: HashMap<u64, (u64, bool)> = HashMap::new();
    for i in 0..e.len() {
        match e.kind[i] {
            EventKind::Cart => {
                carted
                    .entry(e.session_id[i])
                    .or_insert((e.user_id[i], false));
            }
            EventKind::Purchase => {
                carted
                    .entry(e.session_id[i])
                    .or_insert((e.user_id[i], false))
                    .1 = true;
            }
            EventKind::View => {}
        }
    }
    // Quartiles of the hidden purchase probability, conversion per quartile.
    let mut probs = u.hidden_purchase_prob.clone();
    probs.sort_by(f64::total_cmp);
    let cut = [
        probs[probs.len() / 4],
        probs[probs.len() / 2],
        probs[3 * probs.len() / 4],
    ];
    let quartile = |p: f64| cut.iter().filter(|&&c| p >= c).count();
    let mut conv = [(0usize, 0usize); 4];
    let (mut sum_p, mut n) = (0.0, 0usize);
    for &(user, bought) in carted.values() {
        let p = u.hidden_purchase_prob[(user - 1) as usize];
        let q = quartile(p);
        conv[q].0 += usize::from(bought);
        conv[q].1 += 1;
        sum_p += p;
        n += 1;
    }
    let rate: Vec<f64> = conv.iter().map(|&(b, t)| b as f64 / t as f64).collect();
    for w in rate.windows(2) {
        assert!(w[0] < w[1], "conversion by propensity quartile {rate:?}");
    }
    // Overall conversion matches the mean propensity of carted sessions.
    let overall = conv.iter().map(|c| c.0).sum::<usize>() as f64 / n as f64;
    assert!(
        (overall - sum_p / n as f64).abs() < 0.03,
        "{overall} vs {}",
        sum_p / n as f64
    );
}

#[test]
fn views_follow_the_hidden_tastes() {
    let shop = small();
    let (u, e) = (&shop.users, &shop.events);
    // For every active non-fraud user: the true choice probability of the
    // items they viewed, against the uniform 1 / n_items.
    let n_items = shop.items.len();
    let mut start = 0;
    let (mut lift_sum, mut users) = (0.0, 0);
    while start < e.len() {
        let uid = e.user_id[start];
        let mut end = start;
        while end < e.len() && e.user_id[end] == uid {
            end += 1;
        }
        let ui = (uid - 1) as usize;
        if !u.is_fraud[ui] && end - start >= 20 {
            let logits = shop.true_preference_logits(ui).unwrap();
            let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = logits.iter().map(|l| (l - max).exp()).sum();
            let views: Vec<usize> = (start..end)
                .filter(|&i| e.kind[i] == EventKind::View)
                .map(|i| (e.item_id[i] - 1) as usize)
                .collect();
            let mean_p = views
                .iter()
                .map(|&j| (logits[j] - max).exp() / z)
                .sum::<f64>()
                / views.len() as f64;
            lift_sum += mean_p * n_items as f64;
            users += 1;
        }
        start = end;
    }
    // Viewed items are several times likelier than a uniform pick.
    assert!(users > 50);
    assert!(
        lift_sum / users as f64 > 3.0,
        "lift {}",
        lift_sum / users as f64
    );
}

#[test]
fn csvs_are_written_and_read_back() {
    let shop = generate(&ShopConfig {
        n_users: 40,
        n_items: 20,
        ..ShopConfig::small()
    })
    .unwrap();
    let dir = std::env::temp_dir().join(format!("ua_data_synth_test_{}", std::process::id()));
    let paths = shop.write_csvs(&dir).unwrap();
    let names: Vec<_> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["users.csv", "items.csv", "events.csv", "orders.csv"]
    );

    let mut rdr = csv::Reader::from_path(&paths[2]).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "user_id",
            "item_id",
            "event",
            "timestamp",
            "date",
            "session_id",
            "quantity",
            "order_id"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), shop.events.len());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0].parse::<u64>().unwrap(), shop.events.user_id[i]);
        assert_eq!(EventKind::parse(&r[2]), Some(shop.events.kind[i]));
        assert_eq!(r[3].parse::<i64>().unwrap(), shop.events.timestamp[i]);
        assert_eq!(ua_data::date::parse_date(&r[4]), Some(shop.events.day[i]));
    }

    let mut rdr = csv::Reader::from_path(&paths[3]).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), shop.orders.len());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[4].parse::<f64>().unwrap(), shop.orders.amount[i]);
        assert_eq!(r[7].parse::<bool>().unwrap(), shop.orders.is_fraud[i]);
    }

    let mut rdr = csv::Reader::from_path(&paths[0]).unwrap();
    assert_eq!(rdr.headers().unwrap().len(), 10 + 8);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 40);
    assert_eq!(
        rows[5][10].parse::<f32>().unwrap(),
        shop.users.hidden_taste[[5, 0]]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tables_mirror_the_columns() {
    let shop = small();
    let users = shop.users_table().unwrap();
    assert_eq!(users.n_cols(), 10 + 8);
    let seg = users.categorical("hidden_segment_name").unwrap();
    assert_eq!(
        seg.get(0),
        Some(
            shop.config.segments[usize::from(shop.users.hidden_segment[0])]
                .name
                .as_str()
        )
    );
    let orders = shop.orders_table().unwrap();
    assert_eq!(
        orders.date("date").unwrap().days(),
        shop.orders.day.as_slice()
    );
    let events = shop.events_table().unwrap();
    let oid = events.numeric("order_id").unwrap();
    let n_purchases = shop
        .events
        .kind
        .iter()
        .filter(|&&k| k == EventKind::Purchase)
        .count();
    assert_eq!(oid.len() - oid.missing_count(), n_purchases);
    assert_eq!(shop.items_table().unwrap().n_rows(), 80);
}
