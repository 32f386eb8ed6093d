//! Integration tests of `ua_analytics::metrics` through the public API:
//! scikit-learn reference values, hand-computed ties and degenerate cases,
//! brute-force cross-checks on seeded random data, and a planted answer on
//! 10⁶ rows.

use approx::assert_abs_diff_eq;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use ua_analytics::Error;
use ua_analytics::metrics::*;
use ua_analytics::ndarray::{Array1, ArrayView1, array};

#[test]
fn sklearn_reference_values() {
    // sklearn docs: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8]
    //   roc_auc_score → 0.75, average_precision_score → 0.8333…
    //   roc_curve(drop_intermediate=False): fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1]
    //   precision_recall_curve: precision [.5, .667, .5, 1, 1], recall [1, 1, .5, .5, 0],
    //   thresholds [.1, .35, .4, .8] (ascending; ours descending, without the last point)
    let y = array![0u8, 0, 1, 1];
    let s = array![0.1f32, 0.4, 0.35, 0.8];
    assert_eq!(roc_auc(&y, &s).unwrap(), 0.75);
    assert_abs_diff_eq!(
        average_precision(&y, &s).unwrap(),
        0.8333333333333333,
        epsilon = 1e-12
    );
    let roc = roc_curve(&y, &s).unwrap();
    let th: Vec<f32> = roc.iter().map(|p| p.threshold).collect();
    assert_eq!(th, [f32::INFINITY, 0.8, 0.4, 0.35, 0.1]);
    let pr = precision_recall_curve(y.view(), s.view()).unwrap();
    let prec: Vec<f64> = pr.iter().rev().map(|p| p.precision).collect();
    let rec: Vec<f64> = pr.iter().rev().map(|p| p.recall).collect();
    assert_abs_diff_eq!(prec.as_slice(), [0.5, 2.0 / 3.0, 0.5, 1.0].as_slice());
    assert_eq!(rec, [1.0, 1.0, 0.5, 0.5]);

    // sklearn docs: log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
    //   = 0.21616…  (labels spam = 1, P(spam) = .9, .1, .2, .65)
    let l = log_loss(&[1u8, 0, 0, 1], &[0.9f32, 0.1, 0.2, 0.65]).unwrap();
    assert_abs_diff_eq!(l, 0.21616187468057912, epsilon = 1e-7);
    // sklearn docs: brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) = 0.0375
    assert_abs_diff_eq!(
        brier_score(&[0u8, 1, 1, 0], &[0.1f32, 0.9, 0.8, 0.3]).unwrap(),
        0.0375,
        epsilon = 1e-7
    );
    // sklearn docs: precision/recall/f1 of y = [0,1,1,0,1,1], ŷ = [0,0,1,0,0,1] (binary)
    //   tp 2, fp 0, fn 2 → precision 1, recall 0.5, f1 2/3
    let (t, p) = ([0u8, 1, 1, 0, 1, 1], [0u8, 0, 1, 0, 0, 1]);
    assert_eq!(precision(&t, &p).unwrap(), Some(1.0));
    assert_eq!(recall(&t, &p).unwrap(), Some(0.5));
    assert_abs_diff_eq!(f1_score(&t, &p).unwrap().unwrap(), 2.0 / 3.0);
    // F-beta, β = 0.5: 1.25·2 / (1.25·2 + 0.25·2 + 0) = 2.5/3 = 0.8333
    assert_abs_diff_eq!(
        fbeta_score(&t, &p, 0.5).unwrap().unwrap(),
        2.5 / 3.0,
        epsilon = 1e-12
    );
}

#[test]
fn roc_auc_ties_by_hand() {
    // [0.5, 0.5, 0.5, 0.9] with labels [1, 0, 0, 1]:
    //   pos .5: vs neg .5, .5 → ½ + ½ = 1;  pos .9: vs both → 2;  3 of 4 pairs
    assert_eq!(
        roc_auc(&[1u8, 0, 0, 1], &[0.5f32, 0.5, 0.5, 0.9]).unwrap(),
        0.75
    );
    // labels [0, 0, 1, 0]: the only positive ties with two negatives and is
    //   below the .9 negative: (½ + ½ + 0)/3 = 1/3
    assert_abs_diff_eq!(
        roc_auc(&[0u8, 0, 1, 0], &[0.5f32, 0.5, 0.5, 0.9]).unwrap(),
        1.0 / 3.0
    );
    // every score equal → 0.5; AP = prevalence
    let y = [1u8, 0, 0, 1, 0];
    assert_eq!(roc_auc(&y, &[0.7f32; 5]).unwrap(), 0.5);
    assert_abs_diff_eq!(average_precision(&y, &[0.7f32; 5]).unwrap(), 0.4);
}

#[test]
fn degenerate_cases() {
    let e = roc_auc(&[1u8, 1, 1], &[0.1f32, 0.5, 0.9]).unwrap_err();
    assert!(matches!(e, Error::Undefined { .. }), "{e}");
    let e = average_precision(&[0u8, 0], &[0.1f32, 0.5]).unwrap_err();
    assert!(matches!(e, Error::Undefined { .. }), "{e}");
    // precision with nothing predicted positive is undefined (None): not
    // 0.0, not NaN, not an error
    assert_eq!(precision(&[1u8, 0, 1], &[0u8, 0, 0]).unwrap(), None);
    // one-class report: AUCs and recall None (no positives); precision 0/1
    // (one negative flagged) is defined
    let r = ClassificationReport::compute(&[0u8, 0, 0], &[0.1f32, 0.6, 0.2], 0.5).unwrap();
    assert_eq!((r.roc_auc, r.pr_auc), (None, None));
    assert_eq!(
        (r.precision, r.recall, r.accuracy),
        (Some(0.0), None, 2.0 / 3.0)
    );
    // R² with constant targets is an error, never NaN
    assert!(matches!(
        r2_score(&[3.0f64; 4], &[3.0f64; 4]),
        Err(Error::Undefined { .. })
    ));
}

#[test]
fn input_errors_name_position_and_lengths() {
    let e = roc_auc(&[0u8, 1, 7], &[0.1f32, 0.2, 0.3]).unwrap_err();
    assert!(e.to_string().contains("y_true[2] = 7"), "{e}");
    let e = average_precision(&[0u8, 1, 1], &[0.1f32, f32::NAN, 0.3]).unwrap_err();
    assert!(e.to_string().contains("y_score[1] is NaN"), "{e}");
    let e = roc_curve(&[0u8, 1, 1], &[0.1f32, 0.3]).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("length 3") && msg.contains("length 2"),
        "{msg}"
    );
    let empty_y: [u8; 0] = [];
    let empty_s: [f32; 0] = [];
    for r in [
        roc_auc(&empty_y, &empty_s),
        average_precision(&empty_y, &empty_s),
        log_loss(&empty_y, &empty_s),
        brier_score(&empty_y, &empty_s),
    ] {
        assert!(matches!(r, Err(Error::Empty { .. })));
    }
}

#[test]
fn accepts_arrays_views_slices_and_vecs() {
    let y_arr: Array1<u8> = array![0, 1, 1, 0];
    let s_vec: Vec<f32> = vec![0.2, 0.9, 0.4, 0.5];
    let a = roc_auc(&y_arr, &s_vec).unwrap();
    assert_eq!(a, roc_auc(y_arr.view(), ArrayView1::from(&s_vec)).unwrap());
    assert_eq!(
        a,
        roc_auc(y_arr.as_slice().unwrap(), s_vec.as_slice()).unwrap()
    );
    // strided view: every other element of a longer array
    let long_s = array![0.2f32, -1.0, 0.9, -1.0, 0.4, -1.0, 0.5, -1.0];
    let strided = long_s.slice(ndarray_s());
    assert_eq!(a, roc_auc(&y_arr, strided).unwrap());
    // pos .9 > both negs (2); pos .4 > .2, < .5 (1) → 3/4
    assert_eq!(a, 0.75);
}

fn ndarray_s() -> ua_analytics::ndarray::SliceInfo<
    [ua_analytics::ndarray::SliceInfoElem; 1],
    ua_analytics::ndarray::Ix1,
    ua_analytics::ndarray::Ix1,
> {
    ua_analytics::ndarray::s![..;2]
}

/// Correctly ordered (positive, negative) pairs, ties ½, by double loop.
fn brute_auc(y: &[u8], s: &[f32]) -> f64 {
    let (mut num, mut den) = (0.0, 0u64);
    for (yi, si) in y.iter().zip(s) {
        for (yj, sj) in y.iter().zip(s) {
            if *yi == 1 && *yj == 0 {
                den += 1;
                num += if si > sj {
                    1.0
                } else if si == sj {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    num / den as f64
}

#[test]
fn roc_auc_equals_pair_fraction_on_random_ties() {
    let mut rng = SmallRng::seed_from_u64(7);
    for round in 0..10 {
        // 200 rows, scores on 10 levels → heavy ties
        let s: Vec<f32> = (0..200)
            .map(|_| f32::from(rng.random_range(0u8..10)) * 0.1)
            .collect();
        let y: Vec<u8> = s
            .iter()
            .map(|&v| u8::from(rng.random::<f32>() < 0.15 + 0.5 * v))
            .collect();
        let got = roc_auc(&y, &s).unwrap();
        assert_abs_diff_eq!(got, brute_auc(&y, &s), epsilon = 1e-12);
        // the curve's trapezoid area is the same number
        let roc = roc_curve(&y, &s).unwrap();
        let area: f64 = roc
            .windows(2)
            .map(|w| (w[1].fpr - w[0].fpr) * (w[0].tpr + w[1].tpr) / 2.0)
            .sum();
        assert_abs_diff_eq!(area, got, epsilon = 1e-12);
        // average precision from the PR curve: Σ (R_n − R_{n−1}) P_n
        let pr = precision_recall_curve(&y, &s).unwrap();
        let mut prev = 0.0;
        let ap: f64 = pr
            .iter()
            .map(|p| {
                let d = p.recall - prev;
                prev = p.recall;
                d * p.precision
            })
            .sum();
        assert_abs_diff_eq!(ap, average_precision(&y, &s).unwrap(), epsilon = 1e-12);
        assert!(
            got > 0.55,
            "round {round}: labels follow the score, AUC {got}"
        );
    }
}

#[test]
fn threshold_choices_agree_with_direct_counts() {
    let mut rng = SmallRng::seed_from_u64(11);
    let s: Vec<f32> = (0..300)
        .map(|_| f32::from(rng.random_range(0u8..50)) / 50.0)
        .collect();
    let y: Vec<u8> = s
        .iter()
        .map(|&v| u8::from(rng.random::<f32>() < v))
        .collect();
    let best = best_f1_threshold(&y, &s).unwrap();
    // no distinct score gives a higher F1 than the chosen one
    for &t in &s {
        let cm = ConfusionMatrix::at_threshold(&y, &s, t).unwrap();
        let f1 = cm.f1().expect("positives exist");
        assert!(f1 <= best.f1 + 1e-15, "t = {t}: {f1} > {}", best.f1);
    }
    assert_eq!(
        ConfusionMatrix::at_threshold(&y, &s, best.threshold).unwrap(),
        best.confusion
    );

    let c = threshold_for_precision(&y, &s, 0.8).unwrap();
    assert!(c.precision >= 0.8);
    // every lower distinct threshold misses the target
    for &t in s.iter().filter(|&&t| t < c.threshold) {
        let cm = ConfusionMatrix::at_threshold(&y, &s, t).unwrap();
        assert!(cm.precision().unwrap() < 0.8, "t = {t} also reaches it");
    }

    let c = threshold_for_recall(&y, &s, 0.9).unwrap();
    assert!(c.recall.unwrap() >= 0.9);
    for &t in s.iter().filter(|&&t| t > c.threshold) {
        let cm = ConfusionMatrix::at_threshold(&y, &s, t).unwrap();
        assert!(cm.recall().unwrap() < 0.9);
    }

    // 10% of 300 = 30 rows; ties at the boundary may add a few
    let c = threshold_for_top_fraction(&y, &s, 0.1).unwrap();
    let flagged = s.iter().filter(|&&v| v >= c.threshold).count() as u64;
    let above = s.iter().filter(|&&v| v > c.threshold).count() as u64;
    assert_eq!(flagged, c.flagged);
    assert!(
        above < 30 && flagged >= 30,
        "above {above}, flagged {flagged}"
    );
}

#[test]
fn calibration_of_a_calibrated_model() {
    // labels drawn with P(y = 1) = p: each uniform bin's observed rate is
    // close to its mean prediction
    let mut rng = SmallRng::seed_from_u64(3);
    let p: Vec<f32> = (0..20_000).map(|_| rng.random::<f32>()).collect();
    let y: Vec<u8> = p
        .iter()
        .map(|&v| u8::from(rng.random::<f32>() < v))
        .collect();
    let t = calibration_table(&y, &p, 10, Binning::Uniform).unwrap();
    assert_eq!(t.bins.iter().map(|b| b.count).sum::<u64>(), 20_000);
    for b in &t.bins {
        let (m, o) = (b.mean_predicted.unwrap(), b.observed_rate.unwrap());
        assert!(
            (m - o).abs() < 0.05,
            "bin [{}, {}]: mean {m}, observed {o}",
            b.lower,
            b.upper
        );
    }
    assert!(t.expected_calibration_error() < 0.02);
    let q = calibration_table(&y, &p, 10, Binning::Quantile).unwrap();
    assert_eq!(q.bins.len(), 10);
    assert!(q.bins.iter().all(|b| b.count == 2000));
    // an over-confident model (p pushed to the extremes) is visibly off
    let sharp: Vec<f32> = p
        .iter()
        .map(|&v| if v > 0.5 { 0.99 } else { 0.01 })
        .collect();
    let t = calibration_table(&y, &sharp, 10, Binning::Uniform).unwrap();
    assert!(t.expected_calibration_error() > 0.2);
    assert!(log_loss(&y, &sharp).unwrap() > log_loss(&y, &p).unwrap());
}

#[test]
fn ranking_metrics_precision_is_not_recall() {
    // user with 3 relevant items, list of 5 with hits at ranks 1 and 4
    //   precision@5 = 2/5, recall@5 = 2/3
    //   NDCG@5 = (1 + 1/log2 5) / (1 + 1/log2 3 + 1/log2 4)
    //   AP@5 = (1/1 + 2/4) / min(5, 3) = 0.5
    let ranked = [10usize, 20, 30, 40, 50];
    let relevant = [40usize, 10, 99];
    assert_abs_diff_eq!(precision_at_k(&ranked, &relevant, 5).unwrap(), 0.4);
    assert_abs_diff_eq!(recall_at_k(&ranked, &relevant, 5).unwrap(), 2.0 / 3.0);
    let ndcg = (1.0 + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2() + 0.5);
    assert_abs_diff_eq!(
        ndcg_at_k(&ranked, &relevant, 5).unwrap(),
        ndcg,
        epsilon = 1e-15
    );
    assert_abs_diff_eq!(average_precision_at_k(&ranked, &relevant, 5).unwrap(), 0.5);
    assert_eq!(hit_rate_at_k(&ranked, &relevant, 5).unwrap(), 1.0);
    // k = 3: only the rank-1 hit → P 1/3, R 1/3, AP (1/1)/3, NDCG 1/(1 + 1/log2 3 + 1/2)
    assert_abs_diff_eq!(precision_at_k(&ranked, &relevant, 3).unwrap(), 1.0 / 3.0);
    assert_abs_diff_eq!(recall_at_k(&ranked, &relevant, 3).unwrap(), 1.0 / 3.0);
    assert_abs_diff_eq!(
        average_precision_at_k(&ranked, &relevant, 3).unwrap(),
        1.0 / 3.0
    );
    // k = 8 > list length 5: precision divides by 8
    assert_abs_diff_eq!(precision_at_k(&ranked, &relevant, 8).unwrap(), 2.0 / 8.0);
    assert!(precision_at_k(&[1, 2, 2], &[2], 3).is_err());
}

#[test]
fn ranking_mean_matches_per_user_mean_on_random_users() {
    let mut rng = SmallRng::seed_from_u64(5);
    let mut ranked_all: Vec<Vec<usize>> = Vec::new();
    let mut relevant_all: Vec<Vec<usize>> = Vec::new();
    for _ in 0..50 {
        // ranked: a random permutation prefix of 0..30 (no duplicates)
        let mut items: Vec<usize> = (0..30).collect();
        for i in (1..items.len()).rev() {
            items.swap(i, rng.random_range(0..=i));
        }
        items.truncate(rng.random_range(0..12));
        ranked_all.push(items);
        let rel: Vec<usize> = (0..30).filter(|_| rng.random::<f32>() < 0.1).collect();
        relevant_all.push(rel);
    }
    let k = 10;
    let users = ranked_all
        .iter()
        .zip(&relevant_all)
        .map(|(r, t)| (r.as_slice(), t.as_slice()));
    let s = mean_ranking_metrics(users, k).unwrap();
    let mut per_user = Vec::new();
    let mut skipped = 0;
    for (r, t) in ranked_all.iter().zip(&relevant_all) {
        match ranking_metrics_at_k(r, t, k) {
            Ok(m) => per_user.push(m),
            Err(Error::Undefined { .. }) => skipped += 1,
            Err(e) => panic!("{e}"),
        }
    }
    let n = per_user.len() as f64;
    assert_eq!(
        (s.users_evaluated, s.users_skipped),
        (per_user.len(), skipped)
    );
    assert_eq!(s.users_evaluated + s.users_skipped, 50);
    let mean = |f: fn(&RankingMetrics) -> f64| per_user.iter().map(f).sum::<f64>() / n;
    assert_abs_diff_eq!(s.precision, mean(|m| m.precision), epsilon = 1e-12);
    assert_abs_diff_eq!(s.recall, mean(|m| m.recall), epsilon = 1e-12);
    assert_abs_diff_eq!(s.ndcg, mean(|m| m.ndcg), epsilon = 1e-12);
    assert_abs_diff_eq!(s.map, mean(|m| m.average_precision), epsilon = 1e-12);
    assert_abs_diff_eq!(s.hit_rate, mean(|m| m.hit), epsilon = 1e-12);
    // brute-force precision@k from the definition, for each evaluated user
    for ((r, t), m) in ranked_all
        .iter()
        .zip(&relevant_all)
        .filter(|(_, t)| !t.is_empty())
        .zip(&per_user)
    {
        let hits = r.iter().take(k).filter(|i| t.contains(i)).count();
        assert_eq!(m.precision, hits as f64 / k as f64);
        assert_eq!(m.recall, hits as f64 / t.len() as f64);
    }
}

#[test]
fn million_rows_planted_auc() {
    // scores 0, 1, …, n−1 with labels alternating 0, 1: the positive at
    // 2m + 1 beats the m + 1 negatives 0, 2, …, 2m. With h = n/2 positives
    // and negatives: Σ_{m<h} (m + 1) / h² = (h + 1) / (2h) = 0.5 + 1/n.
    let n = 1_000_000usize;
    let s: Array1<f32> = (0..n).map(|i| i as f32).collect();
    let y: Array1<u8> = (0..n).map(|i| (i % 2) as u8).collect();
    assert_abs_diff_eq!(
        roc_auc(&y, &s).unwrap(),
        0.5 + 1.0 / n as f64,
        epsilon = 1e-12
    );
    // AP: every row is its own threshold; going down from the top, the
    // j-th positive is met with 2j − 1 rows flagged, so
    // AP = (1/h) Σ_{j=1..h} j / (2j − 1).
    let h = n / 2;
    let want: f64 = (1..=h).map(|j| j as f64 / (2 * j - 1) as f64).sum::<f64>() / h as f64;
    assert_abs_diff_eq!(average_precision(&y, &s).unwrap(), want, epsilon = 1e-9);
}
