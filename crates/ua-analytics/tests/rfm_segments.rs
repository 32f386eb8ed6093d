//! RFM scores, named segments and segment profiles on a hand-made
//! transaction log, with every expected number computed by hand; RFM
//! k-means on raw values through every input form, and its saved file.

use approx::assert_relative_eq;
use ua_analytics::Segmenter;
use ua_analytics::segmentation::profile::SegmentProfiles;
use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns, RfmKMeans, RfmScores, RfmSegment};
use ua_analytics::segmentation::{KMeans, SilhouetteMode, evaluate_k_range};
use ua_data::ColumnType;
use ua_data::csv_io::{CsvOptions, read_csv_reader};
use ua_data::date::parse_date;
use ua_data::features::rfm::{RfmConfig, RfmFeatures};
use ua_tensor::persist::{Persist, PersistError};

/// Ten customers; as of 2024-03-31:
///
/// | customer | recency | frequency | monetary | R | F | M | segment |
/// | --- | --- | --- | --- | --- | --- | --- | --- |
/// | c01 | 1 | 5 | 250 | 5 | 5 | 5 | Champions |
/// | c02 | 3 | 4 | 120 | 5 | 4 | 4 | Champions |
/// | c03 | 4 | 1 | 500 | 4 | 1 | 5 | Promising |
/// | c04 | 11 | 2 | 80 | 4 | 3 | 3 | Potential Loyalists |
/// | c05 | 21 | 1 (two rows, one day) | 25 | 3 | 1 | 2 | About to Sleep |
/// | c06 | 30 | 3 | 60 | 3 | 4 | 3 | Loyal Customers |
/// | c07 | 45 | 1 | 5 | 2 | 1 | 1 | Hibernating |
/// | c08 | 59 | 6 | 150 | 2 | 5 | 4 | Can't Lose Them |
/// | c09 | 71 | 2 | 26 | 1 | 3 | 2 | At Risk |
/// | c10 | 89 | 1 | 8 | 1 | 1 | 1 | Lost |
///
/// Scores are `1 + ⌊5·b/10⌋` with `b` customers strictly worse: R from the
/// distinct recencies (b = 9 − rank); F: four 1s (b 0 → 1), two 2s (b 4 →
/// 3), 3 (b 6 → 4), 4 (b 7 → 4), 5 (b 8 → 5), 6 (b 9 → 5).
/// Rows after as-of (c01, c07, c10 in April) are the holdout label.
const LOG: &str = "\
customer,date,amount
c01,20240330,50
c01,20240325,50
c01,20240320,50
c01,20240310,50
c01,20240301,50
c02,20240328,30
c02,20240315,30
c02,20240301,30
c02,20240215,30
c03,20240327,500
c04,20240320,40
c04,20240201,40
c05,20240310,10
c05,20240310,15
c06,20240301,20
c06,20240201,20
c06,20240105,20
c07,20240215,5
c08,20240201,25
c08,20240125,25
c08,20240120,25
c08,20240115,25
c08,20240110,25
c08,20240105,25
c09,20240120,12
c09,20240110,14
c10,20240102,8
c01,20240405,99
c07,20240410,7
c10,20240420,3
";

fn features(holdout: bool) -> RfmFeatures<ua_data::features::Key> {
    let opts = CsvOptions::default().with_type("date", ColumnType::Date);
    let t = read_csv_reader(LOG.as_bytes(), "log.csv", &opts).unwrap();
    let cfg = RfmConfig {
        as_of: parse_date("2024-03-31").unwrap(),
        holdout_end: holdout.then(|| parse_date("2024-04-21").unwrap()),
    };
    RfmFeatures::from_table(&t, "customer", "date", "amount", None, &cfg).unwrap()
}

#[test]
fn features_of_the_hand_made_log() {
    let f = features(false);
    assert_eq!(f.len(), 10);
    assert_eq!(f.recency_days, [1, 3, 4, 11, 21, 30, 45, 59, 71, 89]);
    assert_eq!(f.frequency, [5, 4, 1, 2, 1, 3, 1, 6, 2, 1]);
    assert_eq!(
        f.monetary,
        [250.0, 120.0, 500.0, 80.0, 25.0, 60.0, 5.0, 150.0, 26.0, 8.0]
    );
    assert_eq!(f.report.rows_ignored, 3);
}

#[test]
fn scores_and_named_segments_by_hand() {
    let s = RfmScores::from_features(&features(false)).unwrap();
    assert_eq!(s.r, [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    assert_eq!(s.f, [5, 4, 1, 3, 1, 4, 1, 5, 3, 1]);
    assert_eq!(s.m, [5, 4, 5, 3, 2, 3, 1, 4, 2, 1]);
    assert_eq!(
        s.codes(),
        [555, 544, 415, 433, 312, 343, 211, 254, 132, 111]
    );
    use RfmSegment::*;
    assert_eq!(
        s.segments(),
        [
            Champions,
            Champions,
            Promising,
            PotentialLoyalists,
            AboutToSleep,
            LoyalCustomers,
            Hibernating,
            CantLoseThem,
            AtRisk,
            Lost
        ]
    );
}

#[test]
fn named_segment_profiles_by_hand() {
    let f = features(true);
    let seg = RfmScores::from_features(&f).unwrap().segments();
    let p = SegmentProfiles::from_rfm_segments(&f, &seg).unwrap();
    assert_eq!(p.customers, 10);
    assert_eq!(p.total_revenue, 1224.0);
    assert_eq!(p.label_name.as_deref(), Some("bought_in_holdout"));
    assert_eq!(p.profiles.len(), 11);
    let champions = &p.profiles[RfmSegment::Champions.index()];
    assert_eq!(champions.segment, "Champions");
    assert_eq!((champions.size, champions.share), (2, 0.2));
    assert_relative_eq!(champions.revenue_share, 370.0 / 1224.0);
    assert_eq!(champions.label_rate, Some(0.5)); // c01 bought in April, c02 did not
    let summary: Vec<(&str, f64, f64)> = champions
        .features
        .iter()
        .map(|s| (s.name.as_str(), s.mean, s.median))
        .collect();
    assert_eq!(
        summary,
        [
            ("recency_days", 2.0, 2.0),
            ("frequency", 4.5, 4.5),
            ("monetary", 185.0, 185.0)
        ]
    );
    let lost = &p.profiles[RfmSegment::Lost.index()];
    assert_eq!((lost.size, lost.label_rate), (1, Some(1.0)));
    assert_eq!(lost.features[2].median, 8.0);
    for empty in [RfmSegment::NewCustomers, RfmSegment::NeedAttention] {
        let e = &p.profiles[empty.index()];
        assert_eq!((e.size, e.label_rate), (0, None), "{}", e.segment);
    }
    let promising = &p.profiles[RfmSegment::Promising.index()];
    assert_eq!(promising.label_rate, Some(0.0));
    let text = p.to_string();
    assert!(text.contains("bought_in_holdout rate"), "{text}");
    assert!(text.contains("Can't Lose Them"), "{text}");
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["profiles"][0]["segment"], "Champions");
    assert_eq!(json["profiles"][0]["features"][2]["mean"], 185.0);
}

#[test]
fn two_way_partition_profile_by_hand() {
    // recent (c01..c04) vs the rest (c05..c10)
    let f = features(false);
    let assignment = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    let p = SegmentProfiles::from_rfm(&f, &assignment, &["recent", "older"]).unwrap();
    let (a, b) = (&p.profiles[0], &p.profiles[1]);
    assert_eq!((a.size, b.size), (4, 6));
    assert_relative_eq!(a.revenue_share, 950.0 / 1224.0);
    assert_relative_eq!(b.revenue_share, 274.0 / 1224.0);
    assert_eq!(a.features[0].mean, 4.75); // (1 + 3 + 4 + 11) / 4
    assert_eq!(a.features[0].median, 3.5);
    assert_eq!(a.features[2].median, 185.0); // 80 120 | 250 500
    assert_eq!(b.features[0].mean, 52.5); // 315 / 6
    assert_eq!(b.features[0].median, 52.0); // (45 + 59) / 2
    assert_relative_eq!(b.features[1].mean, 14.0 / 6.0);
    assert_eq!(b.features[1].median, 1.5);
    assert_eq!(b.features[2].median, 25.5); // 5 8 25 | 26 60 150
    assert!(a.label_rate.is_none());
}

#[test]
fn kmeans_on_the_log_puts_frequent_recent_buyers_together() {
    let f = features(false);
    let seg = RfmKMeans::fit(&f, &KMeans::new(2).n_init(10).seed(42)).unwrap();
    assert_eq!(seg.sizes().iter().sum::<usize>(), 10);
    assert!(seg.sizes()[0] >= seg.sizes()[1]);
    // c01 (recent, frequent, big) and c10 (lapsed one-timer) are apart.
    assert_ne!(seg.labels()[0], seg.labels()[9]);
    let (x, _) = LogRfmScaler::fit_transform(&f).unwrap();
    for j in 0..3 {
        let col = x.column(j);
        assert_relative_eq!(col.sum() / 10.0, 0.0, epsilon = 1e-12);
        assert_relative_eq!(col.mapv(|v| v * v).sum() / 10.0, 1.0, epsilon = 1e-12);
    }
}

#[test]
fn bad_inputs_are_clear_errors() {
    // A negative amount: the row is named.
    let bad = LOG.replace("c04,20240201,40", "c04,20240201,-40");
    let opts = CsvOptions::default().with_type("date", ColumnType::Date);
    let t = read_csv_reader(bad.as_bytes(), "log.csv", &opts).unwrap();
    let cfg = RfmConfig {
        as_of: parse_date("2024-03-31").unwrap(),
        holdout_end: None,
    };
    let e = RfmFeatures::from_table(&t, "customer", "date", "amount", None, &cfg).unwrap_err();
    assert!(
        e.to_string().contains("-40") && e.to_string().contains("line 13"),
        "{e}"
    );

    // An unparseable date: file, line and column.
    let bad = LOG.replace("c06,20240201", "c06,2024-02-31");
    let e = read_csv_reader(bad.as_bytes(), "log.csv", &opts).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("log.csv") && msg.contains("line 17") && msg.contains("`date`"),
        "{msg}"
    );

    // An as-of date before the first purchase: refused with the data's range.
    let t = read_csv_reader(LOG.as_bytes(), "log.csv", &opts).unwrap();
    let early = RfmConfig {
        as_of: parse_date("2023-12-31").unwrap(),
        holdout_end: None,
    };
    let e = RfmFeatures::from_table(&t, "customer", "date", "amount", None, &early).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("before the first transaction") && m.contains("2024-01-02 to 2024-04-20"),
        "{m}"
    );
}

/// Customers of three planted kinds, as raw columns: 40 lapsed one-time
/// small buyers, 25 regulars, 15 recent frequent big spenders.
fn planted() -> (Vec<i32>, Vec<u32>, Vec<f64>) {
    let (mut r, mut f, mut m) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..40 {
        r.push(250 + 3 * i);
        f.push(1);
        m.push(8.0 + f64::from(i % 5));
    }
    for i in 0..25 {
        r.push(30 + i);
        f.push(3 + (i as u32 % 3));
        m.push(90.0 + 4.0 * f64::from(i));
    }
    for i in 0..15 {
        r.push(i % 4);
        f.push(15 + i as u32);
        m.push(1500.0 + 50.0 * f64::from(i));
    }
    (r, f, m)
}

#[test]
fn raw_rows_get_the_same_segments_through_assign_as_through_the_table_path() {
    let (r, f, m) = planted();
    let cols = RfmColumns::new(&r, &f, &m);
    let table = ua_data::Table::new(vec![
        (
            "customer".into(),
            ua_data::Column::numeric((0..80).map(f64::from).collect()),
        ),
        (
            "recency_days".into(),
            ua_data::Column::numeric(r.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "frequency".into(),
            ua_data::Column::numeric(f.iter().map(|&v| f64::from(v)).collect()),
        ),
        ("monetary".into(), ua_data::Column::numeric(m.clone())),
    ])
    .unwrap();
    let km = KMeans::new(3).n_init(5).seed(7);
    let seg = RfmKMeans::fit(&table, &km).unwrap();
    // The planted structure, numbered by size.
    assert_eq!(seg.sizes(), [40, 25, 15]);
    assert_eq!(&seg.labels()[..40], &[0; 40]);
    assert_eq!(&seg.labels()[40..65], &[1; 25]);
    assert_eq!(&seg.labels()[65..], &[2; 15]);
    // Raw rows through `assign` (scaled inside with the stored scaler) give
    // the labels of the table path, whole or row by row.
    assert_eq!(seg.assign(cols).unwrap().to_vec(), seg.labels());
    assert_eq!(seg.assign(&table).unwrap().to_vec(), seg.labels());
    for i in [0, 39, 40, 64, 65, 79] {
        let one = RfmColumns::new(&r[i..=i], &f[i..=i], &m[i..=i]);
        assert_eq!(seg.assign(one).unwrap()[0], seg.labels()[i], "customer {i}");
    }
    // Fitting from the columns gives the same model.
    assert_eq!(RfmKMeans::fit(cols, &km).unwrap(), seg);
    // New customers in raw units land in the segment they resemble.
    let new = RfmColumns::new(&[400, 45, 1], &[1, 4, 30], &[9.0, 120.0, 2500.0]);
    assert_eq!(seg.assign(new).unwrap().to_vec(), vec![0, 1, 2]);
    // The k report on the same standardised features recommends 3.
    let (x, _) = LogRfmScaler::fit_transform(cols).unwrap();
    let report = evaluate_k_range(x.view(), 2..=6, &km, SilhouetteMode::default()).unwrap();
    assert_eq!(report.recommended_k, Some(3), "{}", report.reason);
    // Bad raw input is an error, not a silent cluster.
    assert!(seg.assign(RfmColumns::new(&[-3], &[1], &[1.0])).is_err());
    assert!(seg.assign(RfmColumns::new(&[3, 4], &[1], &[1.0])).is_err());
}

#[test]
fn rfm_model_file_round_trip_and_edited_files() {
    let (r, f, m) = planted();
    let cols = RfmColumns::new(&r, &f, &m);
    let seg = RfmKMeans::fit(cols, &KMeans::new(3).n_init(5).seed(7)).unwrap();
    let dir = std::env::temp_dir().join(format!("ua-rfm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rfm.json");
    seg.save(&path).unwrap();
    let back = RfmKMeans::load(&path).unwrap();
    assert_eq!(back, seg);
    assert_eq!(back.assign(cols).unwrap(), seg.assign(cols).unwrap());
    assert_eq!(back.model().params(), &KMeans::new(3).n_init(5).seed(7));
    // An edited file with a label ≥ k is an error naming the file, not a panic.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["model"]["labels"][0] = 9.into();
    std::fs::write(&path, v.to_string()).unwrap();
    let e = RfmKMeans::load(&path).unwrap_err();
    assert!(matches!(e, PersistError::Invalid { .. }), "{e}");
    assert!(e.to_string().contains("labels must be < k = 3"), "{e}");
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
    // Same for the inner k-means labels.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["model"]["model"]["labels"]["data"][0] = 3.into();
    std::fs::write(&path, v.to_string()).unwrap();
    assert!(RfmKMeans::load(&path).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
