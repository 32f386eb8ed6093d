//! Event sequences from logs (issue 12, item 2): exact matrices on a
//! hand-computed log, padding and truncation, the vocabulary, no look-ahead
//! past the cut-off, serde, bad input, and the synthetic shop.

use std::collections::{HashMap, HashSet};

use rand::{Rng, SeedableRng, rngs::StdRng};
use ua_data::csv_io::{CsvOptions, read_csv_reader};
use ua_data::features::Key;
use ua_data::features::sequences::{
    Channel, EventColumns, EventLog, EventSequences, SequenceConfig, Vocabulary, token_from_columns,
};
use ua_data::join::left_join;
use ua_data::synth::{ShopConfig, generate};
use ua_data::{Column, Table};
use ua_tensor::persist::Persist;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// Three users; user 10 has a tie (rows 0 and 4 at the same second).
struct Hand {
    users: Vec<u64>,
    times: Vec<i64>,
    tokens: Vec<&'static str>,
    amounts: Vec<f64>,
}

fn hand() -> Hand {
    Hand {
        users: vec![10, 20, 10, 30, 10, 20],
        times: vec![
            DAY + 5 * HOUR,
            2 * DAY + 23 * HOUR,
            3 * DAY + 5 * HOUR,
            0,
            DAY + 5 * HOUR,
            DAY + 11 * HOUR,
        ],
        tokens: vec!["view", "buy", "cart", "view", "buy", "view"],
        amounts: vec![0.0, 4.0, 1.0, 0.0, 3.0, 0.0],
    }
}

fn l1p(x: f64) -> f32 {
    x.ln_1p() as f32
}

#[test]
fn hand_computed_log_gives_the_exact_matrix() {
    let h = hand();
    let log = EventLog::new(&h.users, &h.times, &h.tokens)
        .unwrap()
        .with_amounts(&h.amounts)
        .unwrap();
    let cfg = SequenceConfig::new(4, 4 * DAY);
    let vocab = Vocabulary::fit_on(&log, &cfg, None).unwrap();
    // view ×3, buy ×2, cart ×1
    assert_eq!(
        (vocab.id("view"), vocab.id("buy"), vocab.id("cart")),
        (2, 3, 4)
    );
    assert_eq!(vocab.len(), 5);
    let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();
    assert_eq!(seq.users(), [10, 20, 30]);
    assert_eq!(seq.lengths(), [3, 2, 1]);
    let m = seq.to_matrix().unwrap();
    assert_eq!(m.dim(), (3, 4 * 4));
    let h5 = 5.0 / 23.0;
    #[rustfmt::skip]
    let expected: Vec<Vec<f32>> = vec![
        // user 10: view (row 0), buy (row 4, same second, kept after row 0), cart 2 days later
        vec![2.0, 3.0, 4.0, 0.0,
             0.0, 0.0, h5,   l1p(3.0), 0.0, h5,   l1p(1.0), l1p(2.0), h5,   0.0, 0.0, 0.0],
        // user 20: view at 11h, buy 1.5 days later at 23h
        vec![2.0, 3.0, 0.0, 0.0,
             0.0, 0.0, 11.0 / 23.0,   l1p(4.0), l1p(1.5), 1.0,   0.0, 0.0, 0.0,   0.0, 0.0, 0.0],
        // user 30: one view at midnight
        vec![2.0, 0.0, 0.0, 0.0,
             0.0, 0.0, 0.0,   0.0, 0.0, 0.0,   0.0, 0.0, 0.0,   0.0, 0.0, 0.0],
    ];
    for (r, e) in expected.iter().enumerate() {
        assert_eq!(m.row(r).to_vec(), *e, "row {r}");
    }
    let mask = seq.mask();
    assert_eq!(
        mask.row(0).to_vec(),
        vec![true, true, true, false],
        "mask follows the lengths"
    );
    assert_eq!(mask.row(2).to_vec(), vec![true, false, false, false]);
    let r = seq.report();
    assert_eq!(
        (
            r.events,
            r.events_used,
            r.events_truncated,
            r.events_after_cutoff
        ),
        (6, 6, 0, 0)
    );
    assert_eq!((r.users, r.unknown_tokens), (3, 0));

    // Channels in another order and a subset: the columns follow.
    let cfg2 = cfg
        .clone()
        .channels(vec![Channel::HourOfDay, Channel::LogAmount]);
    let m2 = EventSequences::build(&log, &cfg2, &vocab)
        .unwrap()
        .to_matrix()
        .unwrap();
    assert_eq!(m2.ncols(), 4 * 3);
    assert_eq!(
        m2.row(1).to_vec(),
        vec![
            2.0,
            3.0,
            0.0,
            0.0,
            11.0 / 23.0,
            0.0,
            1.0,
            l1p(4.0),
            0.0,
            0.0,
            0.0,
            0.0
        ]
    );
    // Without amounts the amount channel is 0.
    let plain = EventLog::new(&h.users, &h.times, &h.tokens).unwrap();
    let m3 = EventSequences::build(&plain, &cfg2, &vocab)
        .unwrap()
        .to_matrix()
        .unwrap();
    assert_eq!(m3[[1, 7]], 0.0);
    assert_eq!(m3[[1, 6]], 1.0);
}

#[test]
fn bag_of_events_counts_the_tokens_of_the_sequences() {
    let h = hand();
    let log = EventLog::new(&h.users, &h.times, &h.tokens).unwrap();
    let cfg = SequenceConfig::new(2, 4 * DAY);
    // "cart" is not in the vocabulary: unknown (column 0).
    let vocab = Vocabulary::fit(["view", "buy"], 1, None).unwrap();
    let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();
    let bag = seq.bag_of_events().unwrap();
    assert_eq!(bag.dim(), (3, 3));
    // columns: unknown, buy (id 2: a tie with view, broken by text), view
    assert_eq!((vocab.id("buy"), vocab.id("view")), (2, 3));
    // user 10 keeps its last two events: buy, cart
    assert_eq!(bag.row(0).to_vec(), vec![1.0, 1.0, 0.0]);
    assert_eq!(bag.row(1).to_vec(), vec![0.0, 1.0, 1.0]);
    assert_eq!(bag.row(2).to_vec(), vec![0.0, 0.0, 1.0]);
    assert_eq!(seq.report().unknown_tokens, 1);
}

#[test]
fn right_padding_lengths_and_last_n_truncation_in_time_order() {
    // One user with 6 events in shuffled time order (ties at t = 30), one with 1.
    let users = [1u64, 1, 2, 1, 1, 1, 1];
    let times = [50, 10, 5, 30, 40, 30, 20];
    let tokens = ["e50", "e10", "x", "e30a", "e40", "e30b", "e20"];
    let log = EventLog::new(&users, &times, &tokens).unwrap();
    let cfg = SequenceConfig::new(3, 100).channels(vec![Channel::LogGapDays]);
    let vocab = Vocabulary::fit(tokens, 1, None).unwrap();
    let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();
    // the 3 most recent of user 1, oldest first; e30a before e30b (input order)
    let got: Vec<&str> = seq.tokens()[..3]
        .iter()
        .map(|&t| vocab.token(t).unwrap())
        .collect();
    assert_eq!(got, ["e30b", "e40", "e50"]);
    assert_eq!(seq.lengths(), [3, 1]);
    assert_eq!(&seq.tokens()[3..], [vocab.id("x"), 0, 0]);
    // gaps count from the previous event even when it was truncated away
    let gap = |s: i64| l1p(s as f64 / DAY as f64);
    assert_eq!(&seq.values()[..3], [gap(0), gap(10), gap(10)]);
    assert_eq!(&seq.values()[3..], [0.0, 0.0, 0.0]);
    let r = seq.report();
    assert_eq!(
        (r.events_used, r.events_truncated, r.users_truncated),
        (4, 3, 1)
    );

    // With room for all, e30a precedes e30b and everything is right-padded.
    let long = SequenceConfig::new(8, 100).channels(vec![]);
    let seq = EventSequences::build(&log, &long, &vocab).unwrap();
    let got: Vec<&str> = seq.tokens()[..6]
        .iter()
        .map(|&t| vocab.token(t).unwrap())
        .collect();
    assert_eq!(got, ["e10", "e20", "e30a", "e30b", "e40", "e50"]);
    assert_eq!(&seq.tokens()[6..8], [0, 0]);
    assert_eq!(seq.lengths(), [6, 1]);
    assert_eq!(seq.row_width(), 8);
}

#[test]
fn vocabulary_min_count_max_vocab_and_unknown() {
    let rows = ["a", "b", "b", "c", "c", "c", "d", "d", "d", "e"];
    let v = Vocabulary::fit(rows, 2, None).unwrap();
    // c and d ×3 (tie by text), b ×2; a and e once: unknown
    assert_eq!(
        (v.id("c"), v.id("d"), v.id("b"), v.id("a"), v.id("e")),
        (2, 3, 4, 1, 1)
    );
    assert_eq!((v.len(), v.n_tokens()), (5, 3));
    assert_eq!(
        (v.count(2), v.count(4), v.count(5)),
        (Some(3), Some(2), None)
    );
    let v = Vocabulary::fit(rows, 1, Some(2)).unwrap();
    assert_eq!((v.id("c"), v.id("d"), v.id("b")), (2, 3, 1));
    assert_eq!(v.len(), 4);
    // min_count 0 acts as 1; the order of the input does not matter
    let mut rev = rows;
    rev.reverse();
    assert_eq!(
        Vocabulary::fit(rev, 0, None).unwrap(),
        Vocabulary::fit(rows, 1, None).unwrap()
    );
    let e = Vocabulary::fit(rows, 1, Some(0)).unwrap_err().to_string();
    assert!(
        e.contains("parameter `max_vocab`") && e.contains("None"),
        "{e}"
    );
    assert_eq!(v.token(0), None);
    assert_eq!(v.token(1), None);
    assert_eq!(v.token(3), Some("d"));
    assert_eq!(v.token(4), None);
}

#[test]
fn vocabulary_fitted_on_training_users_maps_test_only_tokens_to_unknown() {
    let users = ["train1", "train2", "test", "test", "train1"];
    let times = [1, 2, 3, 4, 5];
    let tokens = ["view|1", "view|1", "view|9", "view|1", "cart|1"];
    let log = EventLog::new(&users, &times, &tokens).unwrap();
    let cfg = SequenceConfig::new(4, 10).channels(vec![]);
    let train: HashSet<&str> = ["train1", "train2"].into();
    let vocab = Vocabulary::fit_on(&log, &cfg, Some(&train)).unwrap();
    assert_eq!(vocab.id("view|9"), Vocabulary::UNKNOWN);
    assert_eq!((vocab.id("view|1"), vocab.id("cart|1")), (2, 3));
    let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();
    assert_eq!(seq.users(), ["test", "train1", "train2"]);
    assert_eq!(&seq.tokens()[..4], [1, 2, 0, 0]);
    assert_eq!(seq.report().unknown_tokens, 1);
    // Fitted on everyone, the test token is known.
    let all = Vocabulary::fit_on(&log, &cfg, None).unwrap();
    assert_ne!(all.id("view|9"), Vocabulary::UNKNOWN);
}

/// A random log of `n` events over `users` users, times in `[0, span)`.
fn random_log(
    rng: &mut StdRng,
    n: usize,
    users: u64,
    span: i64,
) -> (Vec<u64>, Vec<i64>, Vec<String>, Vec<f64>) {
    let u = (0..n).map(|_| rng.random_range(0..users)).collect();
    let t = (0..n).map(|_| rng.random_range(0..span)).collect();
    let k = (0..n)
        .map(|_| format!("tok{}", rng.random_range(0..12)))
        .collect();
    let a = (0..n).map(|_| rng.random_range(0.0..100.0)).collect();
    (u, t, k, a)
}

fn build_all(
    users: &[u64],
    times: &[i64],
    tokens: &[String],
    amounts: &[f64],
    cfg: &SequenceConfig,
    train: &HashSet<u64>,
) -> (Vocabulary, EventSequences<u64>) {
    let toks: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let log = EventLog::new(users, times, &toks)
        .unwrap()
        .with_amounts(amounts)
        .unwrap();
    let vocab = Vocabulary::fit_on(&log, cfg, Some(train)).unwrap();
    let seq = EventSequences::build(&log, cfg, &vocab).unwrap();
    (vocab, seq)
}

#[test]
fn events_after_the_cutoff_change_nothing_and_events_before_do() {
    for seed in 0..20 {
        let mut rng = StdRng::seed_from_u64(seed);
        let cutoff = 30 * DAY;
        let (mut u, mut t, mut k, mut a) = random_log(&mut rng, 200, 15, cutoff + 1);
        let cfg = SequenceConfig::new(6, cutoff).min_count(2);
        let train: HashSet<u64> = (0..10).collect();
        let (v0, s0) = build_all(&u, &t, &k, &a, &cfg, &train);
        let m0 = s0.to_matrix().unwrap();

        // Append arbitrary later events, interleaved at random positions:
        // known and new users, new tokens, bad amounts, huge times.
        let mut extra = 0;
        for _ in 0..rng.random_range(1..100) {
            let at = rng.random_range(0..=u.len());
            u.insert(at, rng.random_range(0..30));
            t.insert(at, cutoff + rng.random_range(1..i64::MAX / 2));
            k.insert(at, format!("late{}", rng.random_range(0..3)));
            a.insert(at, [-1.0, f64::NAN, 5.0][rng.random_range(0..3)]);
            extra += 1;
        }
        let (v1, s1) = build_all(&u, &t, &k, &a, &cfg, &train);
        let m1 = s1.to_matrix().unwrap();
        assert_eq!(v1, v0, "seed {seed}: vocabulary changed");
        assert_eq!(s1.users(), s0.users(), "seed {seed}");
        let bits = |m: &ndarray::Array2<f32>| m.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&m1), bits(&m0), "seed {seed}: matrix changed");
        assert_eq!(s1.report().events_after_cutoff, extra);
        assert_eq!(s1.report().events_used, s0.report().events_used);

        // Moving a user's latest event before the cut-off an hour earlier
        // changes its hour channel (the latest event is always kept), and a
        // new early token changes the vocabulary.
        let i = (0..t.len())
            .filter(|&j| t[j] <= cutoff)
            .max_by_key(|&j| t[j])
            .unwrap();
        let mut t2 = t.clone();
        t2[i] -= HOUR;
        let (_, s2) = build_all(&u, &t2, &k, &a, &cfg, &train);
        assert_ne!(bits(&s2.to_matrix().unwrap()), bits(&m0), "seed {seed}");
        let mut a2 = a.clone();
        a2[i] += 1.0;
        let (_, s3) = build_all(&u, &t, &k, &a2, &cfg, &train);
        assert_ne!(bits(&s3.to_matrix().unwrap()), bits(&m0), "seed {seed}");
        let i = t.iter().position(|&x| x <= cutoff).unwrap();
        let mut k2 = k.clone();
        k2[i] = "brand_new".into();
        k2.push("brand_new".into());
        u.push(u[i]);
        t.push(t[i]);
        a.push(1.0);
        let train_all: HashSet<u64> = (0..30).collect();
        let (v3, _) = build_all(&u, &t, &k2, &a, &cfg, &train_all);
        assert_ne!(v3.id("brand_new"), Vocabulary::UNKNOWN, "seed {seed}");
    }
}

#[test]
fn an_earlier_amount_changes_the_matrix() {
    let h = hand();
    let cfg = SequenceConfig::new(4, 4 * DAY);
    let vocab = Vocabulary::fit(h.tokens.iter().copied(), 1, None).unwrap();
    let build = |amounts: &[f64]| {
        let log = EventLog::new(&h.users, &h.times, &h.tokens)
            .unwrap()
            .with_amounts(amounts)
            .unwrap();
        EventSequences::build(&log, &cfg, &vocab)
            .unwrap()
            .to_matrix()
            .unwrap()
    };
    let mut a = h.amounts.clone();
    let before = build(&a);
    a[3] = 7.0; // user 30's only event
    let after = build(&a);
    assert_ne!(before.row(2), after.row(2));
    assert_eq!(before.row(0), after.row(0));
}

#[test]
fn serde_round_trips() {
    let h = hand();
    let log = EventLog::new(&h.users, &h.times, &h.tokens)
        .unwrap()
        .with_amounts(&h.amounts)
        .unwrap();
    let cfg = SequenceConfig::new(3, 4 * DAY).max_vocab(Some(2));
    let vocab = Vocabulary::fit_on(&log, &cfg, None).unwrap();
    let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();

    let back: EventSequences<u64> =
        serde_json::from_str(&serde_json::to_string(&seq).unwrap()).unwrap();
    assert_eq!(back, seq);
    assert_eq!(back.to_matrix().unwrap(), seq.to_matrix().unwrap());
    let cfg_back: SequenceConfig =
        serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(cfg_back, cfg);
    let v_back: Vocabulary = serde_json::from_str(&serde_json::to_string(&vocab).unwrap()).unwrap();
    assert_eq!(v_back, vocab);
    assert_eq!(v_back.id("view"), vocab.id("view"));
    let v_env = Vocabulary::from_json(&vocab.to_json().unwrap()).unwrap();
    assert_eq!(v_env.id("buy"), 3);

    // Broken contents are rejected with a reason.
    let dup = r#"{"tokens":["a","a"],"counts":[1,1]}"#;
    let e = serde_json::from_str::<Vocabulary>(dup)
        .unwrap_err()
        .to_string();
    assert!(e.contains("token `a` appears twice"), "{e}");
    let ragged = r#"{"tokens":["a"],"counts":[]}"#;
    let e = serde_json::from_str::<Vocabulary>(ragged)
        .unwrap_err()
        .to_string();
    assert!(e.contains("1 tokens but 0 counts"), "{e}");
    let mut json: serde_json::Value = serde_json::to_value(&seq).unwrap();
    json["tokens"].as_array_mut().unwrap().pop();
    let e = serde_json::from_value::<EventSequences<u64>>(json)
        .unwrap_err()
        .to_string();
    assert!(e.contains("need 9 tokens"), "{e}");
    let mut json: serde_json::Value = serde_json::to_value(&seq).unwrap();
    json["tokens"][0] = 99.into();
    let e = serde_json::from_value::<EventSequences<u64>>(json)
        .unwrap_err()
        .to_string();
    assert!(e.contains("token id 99 outside the vocabulary of 4"), "{e}");
    let mut json: serde_json::Value = serde_json::to_value(&seq).unwrap();
    json["lengths"][0] = 4.into();
    let e = serde_json::from_value::<EventSequences<u64>>(json)
        .unwrap_err()
        .to_string();
    assert!(e.contains("a length of 4 exceeds 3 steps"), "{e}");
}

#[test]
fn rows_for_aligns_to_another_table_with_padding_rows_counted() {
    let h = hand();
    let log = EventLog::new(&h.users, &h.times, &h.tokens).unwrap();
    let cfg = SequenceConfig::new(2, 4 * DAY).channels(vec![Channel::HourOfDay]);
    let vocab = Vocabulary::fit_on(&log, &cfg, None).unwrap();
    let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();
    let aligned = seq.rows_for(&[30, 99, 10]).unwrap();
    let m = seq.to_matrix().unwrap();
    let a = aligned.to_matrix().unwrap();
    assert_eq!(a.row(0), m.row(2));
    assert!(a.row(1).iter().all(|&x| x == 0.0));
    assert_eq!(a.row(2), m.row(0));
    assert_eq!(aligned.lengths(), [1, 0, 2]);
    assert_eq!(aligned.report().users_without_events, 1);
    assert_eq!(aligned.report().users, 3);
    assert_eq!(aligned.report().events_used, seq.report().events_used);
    assert_eq!(aligned.bag_of_events().unwrap().row(1).sum(), 0.0);
}

fn table_log() -> Table {
    Table::new(vec![
        ("user".into(), Column::categorical(&["a", "b", "a", "b"])),
        (
            "ts".into(),
            Column::numeric(vec![3.0 * 3600.0 + 0.9, 0.0, DAY as f64, 2.0 * DAY as f64]),
        ),
        ("day".into(), Column::date(vec![0, 0, 1, 2])),
        (
            "event".into(),
            Column::categorical(&["view", "view", "cart", "view"]),
        ),
        ("cat".into(), Column::numeric(vec![3.0, 4.0, 3.0, 4.0])),
        ("price".into(), Column::numeric(vec![1.0, 2.0, 3.0, 4.0])),
    ])
    .unwrap()
}

#[test]
fn from_table_with_seconds_or_dates_and_composite_tokens() {
    let t = table_log();
    let cols = EventColumns::new("user", "ts", &["event", "cat"]).amount("price");
    let cfg = SequenceConfig::new(3, DAY);
    let vocab = Vocabulary::fit_table(&t, &cols, &cfg, None).unwrap();
    // view|3, view|4, cart|3 once each up to the cut-off: by text
    assert_eq!(
        (vocab.id("cart|3"), vocab.id("view|3"), vocab.id("view|4")),
        (2, 3, 4)
    );
    let seq = EventSequences::from_table(&t, &cols, &cfg, &vocab).unwrap();
    assert_eq!(seq.users(), [Key::from("a"), Key::from("b")]);
    assert_eq!(seq.tokens(), [3, 2, 0, 4, 0, 0]);
    // fractional seconds round down: hour 3
    assert_eq!(
        &seq.values()[..6],
        [
            l1p(1.0),
            0.0,
            3.0 / 23.0,
            l1p(3.0),
            l1p((DAY as f64 - 3.0 * 3600.0) / DAY as f64),
            0.0
        ]
    );
    assert_eq!(seq.report().events_after_cutoff, 1);

    // A date column: midnight of each day, hour 0, gaps in whole days.
    let cols = EventColumns::new("user", "day", &["event"]);
    let cfg = SequenceConfig::new(3, SequenceConfig::end_of_day(1))
        .channels(vec![Channel::LogGapDays, Channel::HourOfDay]);
    let vocab = Vocabulary::fit_table(&t, &cols, &cfg, None).unwrap();
    let seq = EventSequences::from_table(&t, &cols, &cfg, &vocab).unwrap();
    assert_eq!(seq.lengths(), [2, 1]);
    assert_eq!(&seq.values()[..4], [0.0, 0.0, l1p(1.0), 0.0]);
    // training users only, as keys
    let train: HashSet<Key> = [Key::from("b")].into();
    let v = Vocabulary::fit_table(&t, &cols, &cfg, Some(&train)).unwrap();
    assert_eq!((v.id("view"), v.id("cart")), (2, 1));
}

#[test]
fn token_from_columns_joins_each_distinct_combination_once() {
    let t = Table::new(vec![
        (
            "e".into(),
            Column::categorical_opt(&[Some("a|b"), Some("a"), None, Some("x")]),
        ),
        ("c".into(), Column::categorical(&["c", "b|c", "c", "y"])),
        ("d".into(), Column::date(vec![0, 0, 0, 1])),
        ("f".into(), Column::boolean(vec![true, true, false, false])),
        ("n".into(), Column::numeric(vec![-0.0, 0.0, 1.5, 2.0])),
    ])
    .unwrap();
    // "a|b"+"c" and "a"+"b|c" print alike: one token
    let tok = token_from_columns(&t, &["e", "c"]).unwrap();
    assert_eq!(tok.levels(), ["a|b|c", "x|y"]);
    assert_eq!(tok.codes(), [0, 0, u32::MAX, 1]);
    let tok = token_from_columns(&t, &["d", "f", "n"]).unwrap();
    assert_eq!(
        tok.levels(),
        [
            "1970-01-01|true|0",
            "1970-01-01|false|1.5",
            "1970-01-02|false|2"
        ]
    );
    assert_eq!(tok.codes(), [0, 0, 1, 2]);
    let e = token_from_columns(&t, &["e", "nope"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown column `nope`"), "{e}");
}

#[test]
fn bad_input_errors_name_the_row_column_and_value() {
    let err = |r: ua_data::Result<EventSequences<Key>>| r.unwrap_err().to_string();
    let vocab = Vocabulary::fit(["view"], 1, None).unwrap();
    let cfg = SequenceConfig::new(4, 10 * DAY);
    let csv = "user,ts,event,price\nu1,0,view,1\n,60,view,2\nu2,120,,3\nu2,NA,view,4\nu3,5,view,-2\nu3,6,view,NA\n";
    let t = read_csv_reader(csv.as_bytes(), "events.csv", &CsvOptions::default()).unwrap();
    let cols = EventColumns::new("user", "ts", &["event"]).amount("price");
    let only = |rows: &[usize]| t.take(rows).unwrap();

    let e = err(EventSequences::from_table(
        &only(&[0, 1]),
        &cols,
        &cfg,
        &vocab,
    ));
    assert!(
        e.contains("column `user` has 1 missing value(s), first at line 3"),
        "{e}"
    );
    let e = err(EventSequences::from_table(
        &only(&[0, 2]),
        &cols,
        &cfg,
        &vocab,
    ));
    assert!(
        e.contains("column `event` has 1 missing value(s), first at line 4"),
        "{e}"
    );
    let e = err(EventSequences::from_table(
        &only(&[0, 3]),
        &cols,
        &cfg,
        &vocab,
    ));
    assert!(
        e.contains("column `ts` has 1 missing value(s), first at line 5"),
        "{e}"
    );
    let e = err(EventSequences::from_table(
        &only(&[0, 4]),
        &cols,
        &cfg,
        &vocab,
    ));
    assert!(
        e.contains("column `price`: `-2` at line 6 is not a finite amount ≥ 0"),
        "{e}"
    );
    let e = err(EventSequences::from_table(
        &only(&[0, 5]),
        &cols,
        &cfg,
        &vocab,
    ));
    assert!(
        e.contains("column `price` has 1 missing value(s), first at line 7"),
        "{e}"
    );
    // A missing token after the cut-off is not looked at (amounts: see the
    // look-ahead test, which appends NaN and negative amounts).
    let early = SequenceConfig::new(4, 100);
    let ok = EventSequences::from_table(&only(&[0, 2]), &cols, &early, &vocab).unwrap();
    assert_eq!(ok.report().events_after_cutoff, 1);
    assert_eq!(ok.report().users_after_cutoff_only, 1); // u2's only event is at 120

    // Non-finite and fractional-less checks on the time column.
    let bad_time = Table::new(vec![
        ("user".into(), Column::numeric(vec![1.0, 2.0])),
        ("ts".into(), Column::numeric(vec![0.0, f64::INFINITY])),
        ("event".into(), Column::categorical(&["view", "view"])),
        ("flag".into(), Column::boolean(vec![true, false])),
    ])
    .unwrap();
    let plain = EventColumns::new("user", "ts", &["event"]);
    let e = err(EventSequences::from_table(&bad_time, &plain, &cfg, &vocab));
    assert!(
        e.contains("column `ts`: `inf` at row 2 is not a finite time"),
        "{e}"
    );
    let e = err(EventSequences::from_table(
        &bad_time,
        &EventColumns::new("user", "flag", &["event"]),
        &cfg,
        &vocab,
    ));
    assert!(
        e.contains("column `flag` has type boolean, expected numeric (seconds"),
        "{e}"
    );
    let e = err(EventSequences::from_table(
        &only(&[0]),
        &EventColumns::new("user", "ts", &[]),
        &cfg,
        &vocab,
    ));
    assert!(e.contains("no token column given"), "{e}");

    // max_len 0 and a repeated channel.
    let e = err(EventSequences::from_table(
        &only(&[0]),
        &cols,
        &SequenceConfig::new(0, 0),
        &vocab,
    ));
    assert!(e.contains("parameter `max_len`: 0 steps"), "{e}");
    let twice = SequenceConfig::new(2, 0).channels(vec![Channel::LogAmount, Channel::LogAmount]);
    let e = Vocabulary::fit_table(&only(&[0]), &cols, &twice, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("parameter `channels`: `log_amount` twice"),
        "{e}"
    );

    // Slices: lengths, NaN amount, missing and out-of-range codes.
    let e = EventLog::new(&[1u64, 2], &[0, 1], &["a"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("`tokens` has length 1, expected 2"), "{e}");
    let log = EventLog::new(&[1u64, 2], &[0, 1], &["a", "b"]).unwrap();
    let e = log.with_amounts(&[1.0]).unwrap_err().to_string();
    assert!(e.contains("`amounts` has length 1, expected 2"), "{e}");
    let log = log.with_amounts(&[1.0, f64::NAN]).unwrap();
    let e = EventSequences::build(&log, &cfg, &vocab)
        .unwrap_err()
        .to_string();
    assert!(e.contains("column `amounts`: `NaN` at row 2"), "{e}");
    let levels = vec!["view".to_string()];
    let e = EventLog::from_codes(&[1u64], &[0, 1], &[0], &levels)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`times` has length 2, expected 1"), "{e}");
    let log = EventLog::from_codes(&[1u64, 1, 1], &[0, 1, 2], &[0, 7, u32::MAX], &levels).unwrap();
    let e = EventSequences::build(&log, &cfg, &vocab)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column `codes`: `7` at row 2 is not a code below the 1 levels"),
        "{e}"
    );
    let log = EventLog::from_codes(&[1u64, 1], &[0, 2], &[0, u32::MAX], &levels).unwrap();
    let e = EventSequences::build(&log, &cfg, &vocab)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column `codes` has 1 missing value(s), first at row 2"),
        "{e}"
    );
    // Nothing up to the cut-off, or nothing at all.
    let log = EventLog::new(&[1u64], &[500], &["a"]).unwrap();
    let e = EventSequences::build(&log, &SequenceConfig::new(2, 10), &vocab)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no event at or before the cut-off 10: the first event is at 500"),
        "{e}"
    );
    let empty = EventLog::<u64>::new(&[], &[], &[]).unwrap();
    let e = EventSequences::build(&empty, &cfg, &vocab)
        .unwrap_err()
        .to_string();
    assert!(e.contains("the log is empty"), "{e}");
}

#[test]
fn sizes_over_the_memory_budget_are_errors_before_allocation() {
    let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    let vocab = Vocabulary::fit(["a"], 1, None).unwrap();
    let e = EventSequences::build(&log, &SequenceConfig::new(usize::MAX / 2, 0), &vocab)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the event sequences needs") || e.contains("overflow"),
        "{e}"
    );
}

#[test]
fn the_synthetic_shop_builds_sequences_whose_counts_add_up() {
    let shop = generate(&ShopConfig::small()).unwrap();
    let items = shop.items_table().unwrap();
    let items = items.select(&["item_id", "category", "price"]).unwrap();
    let events = left_join(&shop.events_table().unwrap(), &items, &["item_id"]).unwrap();
    let n = events.n_rows();
    let ts = events.numeric("timestamp").unwrap().values().to_vec();
    let (lo, hi) = (
        ts.iter().copied().fold(f64::MAX, f64::min),
        ts.iter().copied().fold(f64::MIN, f64::max),
    );
    let cutoff = (lo + (hi - lo) * 0.7) as i64;
    let cols = EventColumns::new("user_id", "timestamp", &["event", "category"]).amount("price");
    let cfg = SequenceConfig::new(20, cutoff).min_count(3);

    // Vocabulary on the first half of the users (by id), sequences for all.
    let uid = events.numeric("user_id").unwrap().values();
    let mut ids: Vec<i64> = uid.iter().map(|&x| x as i64).collect();
    ids.sort_unstable();
    ids.dedup();
    let train: HashSet<Key> = ids[..ids.len() / 2].iter().map(|&i| Key::Int(i)).collect();
    let vocab = Vocabulary::fit_table(&events, &cols, &cfg, Some(&train)).unwrap();
    assert!(vocab.n_tokens() >= 3, "{}", vocab.n_tokens());
    assert!(vocab.token(2).unwrap().contains('|'));
    let seq = EventSequences::from_table(&events, &cols, &cfg, &vocab).unwrap();
    let r = *seq.report();
    assert_eq!(r.events, n);
    assert_eq!(
        r.events_used + r.events_after_cutoff + r.events_truncated,
        n
    );
    // independent counts
    let before: Vec<usize> = (0..n).filter(|&i| ts[i] as i64 <= cutoff).collect();
    assert_eq!(r.events_after_cutoff, n - before.len());
    let mut per_user: HashMap<i64, usize> = HashMap::new();
    for &i in &before {
        *per_user.entry(uid[i] as i64).or_insert(0) += 1;
    }
    assert_eq!(r.users, per_user.len());
    assert_eq!(r.users_after_cutoff_only, ids.len() - per_user.len());
    assert_eq!(
        r.events_truncated,
        per_user
            .values()
            .map(|&c| c.saturating_sub(20))
            .sum::<usize>()
    );
    assert_eq!(
        r.users_truncated,
        per_user.values().filter(|&&c| c > 20).count()
    );
    assert_eq!(seq.lengths().iter().sum::<usize>(), r.events_used);
    let m = seq.to_matrix().unwrap();
    assert_eq!(m.dim(), (r.users, 20 * 4));
    assert!(m.iter().all(|x| x.is_finite()));
    // hour channel in [0, 1]; unknown tokens as counted
    let k = 3;
    for row in m.rows() {
        for s in 0..20 {
            let h = row[20 + s * k + 2];
            assert!((0.0..=1.0).contains(&h), "{h}");
        }
    }
    let unknown = seq
        .tokens()
        .iter()
        .filter(|&&t| t == Vocabulary::UNKNOWN)
        .count();
    assert_eq!(r.unknown_tokens, unknown);
    assert_eq!(seq.bag_of_events().unwrap().sum() as usize, r.events_used);
}
