//! Segmentation: planted clusters are recovered, Lloyd and Elkan agree,
//! results are deterministic per seed and per thread count, quality scores
//! match hand-computed values, fitted models keep their parameters and
//! save/load identically, the k report recommends the planted k, and bad
//! input or parameters are clear errors (never panics or hangs).

use approx::assert_relative_eq;
use ua_analytics::Error;
use ua_analytics::Segmenter;
use ua_analytics::ndarray::{Array1, Array2, array};
use ua_analytics::segmentation::{
    Algorithm, FittedKMeans, FittedMiniBatchKMeans, Init, KCriterion, KMeans, MAX_N_INIT,
    MiniBatchKMeans, SilhouetteMode, adjusted_rand_index, calinski_harabasz_score,
    davies_bouldin_score, evaluate_k_range, gaussian_blobs, silhouette_samples, silhouette_score,
    silhouette_score_sampled,
};
use ua_tensor::persist::Persist;

fn labels(v: &[usize]) -> Array1<usize> {
    Array1::from(v.to_vec())
}

#[test]
fn planted_blobs_are_recovered_by_every_variant() {
    let (x, truth) = gaussian_blobs::<f64>(3000, 4, 5, 0.6, 10.0, 21).unwrap();
    for alg in [Algorithm::Lloyd, Algorithm::Elkan] {
        let fit = KMeans::new(5)
            .n_init(3)
            .algorithm(alg)
            .seed(5)
            .fit(x.view())
            .unwrap();
        let ari = adjusted_rand_index(fit.labels(), truth.view()).unwrap();
        assert!(ari >= 0.95, "{alg:?}: ARI {ari}");
        assert!(fit.converged());
    }
    let x32 = x.mapv(|v| v as f32);
    let fit = KMeans::new(5).n_init(3).seed(5).fit(x32.view()).unwrap();
    let ari = adjusted_rand_index(fit.labels(), truth.view()).unwrap();
    assert!(ari >= 0.95, "f32: ARI {ari}");
    let fit = MiniBatchKMeans::new(5)
        .batch_size(256)
        .seed(2)
        .fit(x.view())
        .unwrap();
    let ari = adjusted_rand_index(fit.labels(), truth.view()).unwrap();
    assert!(ari >= 0.95, "mini-batch: ARI {ari}");
}

#[test]
fn hand_computed_two_clusters() {
    let x = array![[0.0], [1.0], [10.0], [11.0]];
    let fit = KMeans::new(2).seed(0).fit(x.view()).unwrap();
    let mut c: Vec<f64> = fit.centers().iter().copied().collect();
    c.sort_by(f64::total_cmp);
    assert_eq!(c, vec![0.5, 10.5]);
    assert_relative_eq!(fit.training_inertia(), 1.0, epsilon = 1e-12);
    let l = fit.labels();
    assert_eq!(l[0], l[1]);
    assert_eq!(l[2], l[3]);
    assert_ne!(l[0], l[2]);
}

#[test]
fn lloyd_and_elkan_agree_from_the_same_start() {
    // Overlapping blobs: many iterations, many boundary points.
    let (x, _) = gaussian_blobs::<f64>(2000, 3, 6, 3.0, 5.0, 8).unwrap();
    for init in [Init::KMeansPlusPlus, Init::Random] {
        for seed in [1, 2, 3] {
            let base = KMeans::new(6).init(init).seed(seed).tol(0.0);
            let lloyd = base.clone().fit(x.view()).unwrap();
            let elkan = base.algorithm(Algorithm::Elkan).fit(x.view()).unwrap();
            assert!(lloyd.n_iter() > 3, "too easy a case: {}", lloyd.n_iter());
            assert_eq!(lloyd.labels(), elkan.labels(), "{init:?} seed {seed}");
            assert_eq!(lloyd.n_iter(), elkan.n_iter());
            assert_relative_eq!(
                lloyd.training_inertia(),
                elkan.training_inertia(),
                max_relative = 1e-12
            );
            assert_eq!(lloyd.centers(), elkan.centers());
        }
    }
    // And from explicitly given centres, in f32.
    let x32 = x.mapv(|v| v as f32);
    let c0 = x32.slice(ua_analytics::ndarray::s![..6, ..]).to_owned();
    let lloyd = KMeans::new(6).fit_from(x32.view(), c0.view()).unwrap();
    let elkan = KMeans::new(6)
        .algorithm(Algorithm::Elkan)
        .fit_from(x32.view(), c0.view())
        .unwrap();
    assert_eq!(lloyd.labels(), elkan.labels());
    assert_relative_eq!(
        lloyd.training_inertia(),
        elkan.training_inertia(),
        max_relative = 1e-9
    );
}

#[test]
fn deterministic_per_seed_and_thread_count() {
    let (x, _) = gaussian_blobs::<f64>(5000, 5, 7, 2.0, 6.0, 3).unwrap();
    for alg in [Algorithm::Lloyd, Algorithm::Elkan] {
        let km = KMeans::new(7).n_init(2).algorithm(alg).seed(11);
        let a = km.fit(x.view()).unwrap();
        let b = km.fit(x.view()).unwrap();
        assert_eq!(a, b);
        let seq = km.clone().parallel(false).fit(x.view()).unwrap();
        // Identical but for the recorded `parallel` flag.
        assert!(!seq.params().parallel);
        assert_eq!(
            a.centers(),
            seq.centers(),
            "parallel and sequential paths differ"
        );
        assert_eq!(a.labels(), seq.labels());
        assert_eq!(a.training_inertia(), seq.training_inertia());
        assert_eq!(a.n_iter(), seq.n_iter());
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let p = pool.install(|| km.fit(x.view()).unwrap());
            assert_eq!(a, p, "{threads} threads");
        }
        let other = km.clone().seed(12).fit(x.view()).unwrap();
        assert!(other.training_inertia().is_finite());
        assert_ne!(other.labels(), a.labels(), "the seed is used");
    }
}

#[test]
fn convergence_is_reported_honestly() {
    // Overlapping blobs from a poor start: one iteration is not enough.
    let (x, _) = gaussian_blobs::<f64>(2000, 3, 6, 3.0, 5.0, 8).unwrap();
    let c0 = x.slice(ua_analytics::ndarray::s![..6, ..]).to_owned();
    for alg in [Algorithm::Lloyd, Algorithm::Elkan] {
        let km = KMeans::new(6).algorithm(alg).tol(0.0);
        let one = km
            .clone()
            .max_iter(1)
            .fit_from(x.view(), c0.view())
            .unwrap();
        assert!(!one.converged(), "{alg:?}");
        assert_eq!(one.n_iter(), 1);
        let full = km.fit_from(x.view(), c0.view()).unwrap();
        assert!(full.converged() && full.n_iter() > 1, "{alg:?}");
        assert!(full.training_inertia() < one.training_inertia());
    }
}

#[test]
fn more_inits_never_worse_than_the_first() {
    let (x, _) = gaussian_blobs::<f64>(1500, 2, 9, 1.5, 10.0, 4).unwrap();
    let one = KMeans::new(9)
        .init(Init::Random)
        .seed(3)
        .fit(x.view())
        .unwrap();
    let five = KMeans::new(9)
        .init(Init::Random)
        .n_init(5)
        .seed(3)
        .fit(x.view())
        .unwrap();
    assert!(five.training_inertia() <= one.training_inertia());
}

#[test]
fn empty_cluster_is_reseeded_at_the_farthest_point() {
    let x = array![
        [0.0, 0.0],
        [0.0, 1.0],
        [1.0, 0.0],
        [10.0, 10.0],
        [10.0, 11.0]
    ];
    // Centre 2 is far from everything: it would stay empty.
    let c0 = array![[0.0, 0.0], [10.0, 10.0], [1000.0, 1000.0]];
    for alg in [Algorithm::Lloyd, Algorithm::Elkan] {
        let fit = KMeans::new(3)
            .algorithm(alg)
            .fit_from(x.view(), c0.view())
            .unwrap();
        let mut counts = [0usize; 3];
        fit.labels().iter().for_each(|&l| counts[l] += 1);
        assert!(counts.iter().all(|&c| c > 0), "{alg:?}: {counts:?}");
        // The optimum with 3 clusters splits the pair {(10,10),(10,11)} or
        // one of the near-origin points off: inertia well below 2-means'.
        assert!(
            fit.training_inertia() < 1.5,
            "{alg:?}: {}",
            fit.training_inertia()
        );
        assert!(fit.centers().iter().all(|v: &f64| v.abs() < 20.0));
    }
}

#[test]
fn predict_transform_score_and_serde() {
    let (x, _) = gaussian_blobs::<f64>(600, 3, 3, 0.5, 10.0, 9).unwrap();
    let fit = KMeans::new(3).seed(1).fit(x.view()).unwrap();
    assert_eq!(fit.predict(x.view()).unwrap(), fit.labels());
    assert_eq!(fit.assign(x.view()).unwrap(), fit.labels());
    assert_eq!(fit.n_segments(), 3);
    let d = fit.transform(x.view()).unwrap();
    assert_eq!(d.dim(), (600, 3));
    for (i, row) in d.rows().into_iter().enumerate().take(20) {
        for j in 0..3 {
            let diff = &x.row(i) - &fit.centers().row(j);
            assert_relative_eq!(row[j], diff.dot(&diff).sqrt(), max_relative = 1e-12);
        }
        let argmin = (0..3).min_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
        assert_eq!(argmin, fit.labels()[i]);
    }
    // inertia(x) is the positive objective; score(x) its negative.
    assert_relative_eq!(
        fit.inertia(x.view()).unwrap(),
        fit.training_inertia(),
        max_relative = 1e-12
    );
    assert_eq!(
        fit.score(x.view()).unwrap(),
        -fit.inertia(x.view()).unwrap()
    );
    let far = x.mapv(|v| v + 100.0);
    assert!(fit.score(far.view()).unwrap() < fit.score(x.view()).unwrap());
    let back = FittedKMeans::<f64>::from_json(&fit.to_json().unwrap()).unwrap();
    assert_eq!(back, fit);
    assert_eq!(back.params(), &KMeans::new(3).seed(1));
    assert_eq!(back.transform(x.view()).unwrap(), d);
}

/// Any segmenter, through the trait: the consumer the trait exists for.
fn sizes_of<X, M: Segmenter<X>>(model: &M, x: X) -> Vec<usize> {
    let mut sizes = vec![0; model.n_segments()];
    for l in model.assign(x).unwrap() {
        sizes[l] += 1;
    }
    sizes
}

#[test]
fn every_fitted_model_keeps_its_parameters_and_serves_through_the_trait() {
    let (x, _) = gaussian_blobs::<f32>(900, 2, 3, 0.4, 10.0, 5).unwrap();
    let km = KMeans::new(3).n_init(2).max_iter(50).seed(9);
    let fit = km.fit(x.view()).unwrap();
    assert_eq!(fit.params(), &km);
    assert_eq!(sizes_of(&fit, x.view()), vec![300, 300, 300]);
    let mb = MiniBatchKMeans::new(3).batch_size(128).seed(4);
    let mfit: FittedMiniBatchKMeans<f32> = mb.fit(x.view()).unwrap();
    assert_eq!(mfit.params(), &mb);
    assert_eq!(sizes_of(&mfit, x.view()), vec![300, 300, 300]);
    let back = FittedMiniBatchKMeans::<f32>::from_json(&mfit.to_json().unwrap()).unwrap();
    assert_eq!(back, mfit);
    assert!(mfit.n_iter() >= 1);
    assert!(mfit.inertia(x.view()).unwrap() > 0.0);
    // Through a file, and across kinds.
    let path = std::env::temp_dir().join(format!("ua-seg-kmeans-{}.json", std::process::id()));
    fit.save(&path).unwrap();
    assert_eq!(FittedKMeans::<f32>::load(&path).unwrap(), fit);
    let e = FittedKMeans::<f64>::load(&path).unwrap_err();
    assert!(e.to_string().contains("kmeans-f32"), "{e}");
    let e = FittedMiniBatchKMeans::<f32>::load(&path).unwrap_err();
    assert!(
        e.to_string()
            .contains("expected ua-analytics/minibatch-kmeans-f32"),
        "{e}"
    );
    std::fs::remove_file(&path).unwrap();
}

fn parameter_name(e: Error) -> &'static str {
    match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("not a parameter error: {other}"),
    }
}

#[test]
fn absurd_hyper_parameters_are_errors_naming_them_not_panics() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [5.0, 5.0]];
    let k = |km: KMeans| parameter_name(km.fit(x.view()).unwrap_err());
    assert_eq!(k(KMeans::default().k(usize::MAX)), "k");
    assert_eq!(k(KMeans::default().k(5)), "k");
    assert_eq!(k(KMeans::new(2).n_init(usize::MAX)), "n_init");
    assert_eq!(k(KMeans::new(2).n_init(MAX_N_INIT + 1)), "n_init");
    assert_eq!(k(KMeans::new(2).max_iter(0)), "max_iter");
    assert_eq!(k(KMeans::new(usize::MAX).algorithm(Algorithm::Elkan)), "k");
    // A huge max_iter is fine: the run stops when it converges.
    assert!(
        KMeans::new(2)
            .max_iter(usize::MAX)
            .fit(x.view())
            .unwrap()
            .converged()
    );
    let e = KMeans::new(2)
        .fit_from(x.view(), Array2::<f64>::zeros((0, 2)).view())
        .unwrap_err();
    assert_eq!(parameter_name(e), "centers");
    let m = |mb: MiniBatchKMeans| parameter_name(mb.fit(x.view()).unwrap_err());
    assert_eq!(m(MiniBatchKMeans::new(usize::MAX)), "k");
    assert_eq!(m(MiniBatchKMeans::new(0)), "k");
    assert_eq!(m(MiniBatchKMeans::new(2).batch_size(0)), "batch_size");
    assert_eq!(m(MiniBatchKMeans::new(2).max_iter(usize::MAX)), "max_iter");
    assert_eq!(m(MiniBatchKMeans::new(2).max_iter(0)), "max_iter");
    assert_eq!(m(MiniBatchKMeans::new(2).n_init(usize::MAX)), "n_init");
    assert_eq!(m(MiniBatchKMeans::new(2).n_init(0)), "n_init");
    assert_eq!(m(MiniBatchKMeans::new(2).tol(-1.0)), "tol");
    assert_eq!(
        m(MiniBatchKMeans::new(2).reassignment_ratio(1.5)),
        "reassignment_ratio"
    );
    assert_eq!(
        m(MiniBatchKMeans::new(2).reassignment_ratio(f64::NAN)),
        "reassignment_ratio"
    );
    // Large but valid values work: a batch larger than the data, one step.
    let fit = MiniBatchKMeans::new(2)
        .batch_size(usize::MAX)
        .max_iter(1)
        .seed(1)
        .fit(x.view())
        .unwrap();
    assert_eq!(fit.k(), 2);
    assert!(fit.n_iter() <= 1);
    assert!(
        MiniBatchKMeans::new(2)
            .reassignment_ratio(1.0)
            .fit(x.view())
            .is_ok()
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]];
    let e = KMeans::new(0).fit(x.view()).unwrap_err();
    assert!(
        e.to_string()
            .contains("parameter k: must be at least 1, found 0"),
        "{e}"
    );
    let e = KMeans::new(3).fit(x.view()).unwrap_err();
    assert!(e.to_string().contains("distinct rows (2), found 3"), "{e}");
    let e = KMeans::new(4).fit(x.view()).unwrap_err();
    assert!(e.to_string().contains("number of rows (3), found 4"), "{e}");
    let nan = array![[0.0, 1.0], [f64::NAN, 0.0]];
    let e = KMeans::new(1).fit(nan.view()).unwrap_err();
    assert!(e.to_string().contains("row 1, column 0"), "{e}");
    let inf = array![[0.0f32, f32::INFINITY], [1.0, 0.0]];
    let e = KMeans::new(1).fit(inf.view()).unwrap_err();
    assert!(e.to_string().contains("inf"), "{e}");
    let empty = Array2::<f64>::zeros((0, 3));
    assert!(matches!(
        KMeans::new(1).fit(empty.view()),
        Err(Error::Empty { .. })
    ));
    let no_cols = Array2::<f64>::zeros((3, 0));
    assert!(matches!(
        KMeans::new(1).fit(no_cols.view()),
        Err(Error::Empty { .. })
    ));
    for (bad, name) in [
        (KMeans::new(2).tol(-1.0), "tol"),
        (KMeans::new(2).tol(f64::NAN), "tol"),
        (KMeans::new(2).n_init(0), "n_init"),
        (KMeans::new(2).max_iter(0), "max_iter"),
    ] {
        let e = bad.fit(x.view()).unwrap_err();
        assert!(e.to_string().contains(&format!("parameter {name}:")), "{e}");
        assert_eq!(parameter_name(e), name);
    }
    assert!(MiniBatchKMeans::new(2).batch_size(0).fit(x.view()).is_err());
    assert!(MiniBatchKMeans::new(3).fit(x.view()).is_err());
    let fit = KMeans::new(2).fit(x.view()).unwrap();
    let e = fit.predict(array![[1.0, 2.0, 3.0]].view()).unwrap_err();
    assert!(e.to_string().contains("2 columns"), "{e}");
    assert!(fit.predict(array![[f64::NAN, 0.0]].view()).is_err());
    assert!(fit.inertia(array![[1.0]].view()).is_err());
    assert!(fit.transform(array![[f64::INFINITY, 0.0]].view()).is_err());
    // No rows is an error, as for every scoring entry point.
    let e = fit
        .predict(Array2::<f64>::zeros((0, 2)).view())
        .unwrap_err();
    assert!(matches!(e, ua_analytics::Error::Empty { .. }), "{e}");
    let e = silhouette_score(x.view(), labels(&[0, 1]).view()).unwrap_err();
    assert!(e.to_string().contains("3 labels"), "{e}");
    let e = silhouette_score(x.view(), labels(&[0, 0, 0]).view()).unwrap_err();
    assert!(matches!(e, Error::Undefined { .. }), "{e}");
    assert!(davies_bouldin_score(x.view(), labels(&[0, 1, 2]).view()).is_err());
    assert!(adjusted_rand_index(labels(&[0]).view(), labels(&[0, 1]).view()).is_err());
}

/// Naive silhouette: double loop of scalar distances.
fn naive_silhouette(x: &Array2<f64>, l: &[usize]) -> Vec<f64> {
    let n = x.nrows();
    let m = l.iter().max().unwrap() + 1;
    (0..n)
        .map(|i| {
            let mut sums = vec![0.0; m];
            let mut cnt = vec![0usize; m];
            for j in 0..n {
                let diff = &x.row(i) - &x.row(j);
                sums[l[j]] += diff.dot(&diff).sqrt();
                cnt[l[j]] += 1;
            }
            if cnt[l[i]] == 1 {
                return 0.0;
            }
            let a = sums[l[i]] / (cnt[l[i]] - 1) as f64;
            let b = (0..m)
                .filter(|&c| c != l[i] && cnt[c] > 0)
                .map(|c| sums[c] / cnt[c] as f64)
                .fold(f64::INFINITY, f64::min);
            (b - a) / a.max(b)
        })
        .collect()
}

#[test]
fn silhouette_matches_hand_and_naive_values() {
    // Hand case: 1-D points 0, 2 | 5 | 9, 11.
    // point 0: a = 2, b = min(5, 10) = 5 → 0.6
    // point 2: a = 2, b = min(3, 8) = 3 → 1/3
    // point 5: alone → 0
    // point 9: a = 2, b = min(4, 8) = 4 → 0.5
    // point 11: a = 2, b = min(6, 10) = 6 → 2/3
    let x = array![[0.0], [2.0], [5.0], [9.0], [11.0]];
    let l = labels(&[0, 0, 1, 2, 2]);
    let s = silhouette_samples(x.view(), l.view()).unwrap();
    let want = [0.6, 1.0 / 3.0, 0.0, 0.5, 2.0 / 3.0];
    for (a, b) in s.iter().zip(want) {
        assert_relative_eq!(*a, b, epsilon = 1e-12);
    }
    assert_relative_eq!(
        silhouette_score(x.view(), l.view()).unwrap(),
        want.iter().sum::<f64>() / 5.0,
        epsilon = 1e-12
    );
    // Sparse label values are fine.
    let l2 = labels(&[7, 7, 100, 3, 3]);
    assert_eq!(silhouette_samples(x.view(), l2.view()).unwrap(), s);

    // Larger random case, several blocks (n > 512), unsorted labels.
    let (x, _) = gaussian_blobs::<f64>(700, 3, 4, 2.0, 4.0, 6).unwrap();
    let l: Vec<usize> = (0..700).map(|i| (i * 7 + i / 3) % 5).collect();
    let got = silhouette_samples(x.view(), Array1::from(l.clone()).view()).unwrap();
    let want = naive_silhouette(&x, &l);
    // Distances are rounded to f32 before summation (documented): 1e-6.
    for (a, b) in got.iter().zip(&want) {
        assert_relative_eq!(*a, *b, epsilon = 1e-6);
    }
    // f32 input gives the same answer up to input rounding.
    let x32 = x.mapv(|v| v as f32);
    let s32 = silhouette_score(x32.view(), Array1::from(l).view()).unwrap();
    assert_relative_eq!(s32, want.iter().sum::<f64>() / 700.0, epsilon = 1e-5);
}

#[test]
fn sampled_silhouette_is_seeded_and_close() {
    let (x, y) = gaussian_blobs::<f64>(3000, 2, 4, 1.0, 8.0, 12).unwrap();
    let exact = silhouette_score(x.view(), y.view()).unwrap();
    let a = silhouette_score_sampled(x.view(), y.view(), 1000, 1).unwrap();
    let b = silhouette_score_sampled(x.view(), y.view(), 1000, 1).unwrap();
    let c = silhouette_score_sampled(x.view(), y.view(), 1000, 2).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!((a - exact).abs() < 0.03, "{a} vs {exact}");
    assert_eq!(
        silhouette_score_sampled(x.view(), y.view(), 5000, 1).unwrap(),
        exact
    );
}

#[test]
fn davies_bouldin_and_calinski_harabasz_hand_cases() {
    // Clusters {0, 2} (centroid 1, s = 1), {10, 14} (centroid 12, s = 2),
    // {30} (centroid 30, s = 0).
    // R01 = 3/11, R02 = 1/29, R12 = 2/18 → D0 = 3/11, D1 = 3/11, D2 = 1/9.
    let x = array![[0.0], [2.0], [10.0], [14.0], [30.0]];
    let l = labels(&[0, 0, 1, 1, 2]);
    let db = davies_bouldin_score(x.view(), l.view()).unwrap();
    assert_relative_eq!(
        db,
        (3.0 / 11.0 + 3.0 / 11.0 + 1.0 / 9.0) / 3.0,
        epsilon = 1e-12
    );
    // Mean 11.2; B = 2·10.2² + 2·0.8² + 18.8² = 208.08 + 1.28 + 353.44 = 562.8
    // W = 1 + 1 + 4 + 4 + 0 = 10; CH = (562.8 / 2) / (10 / 2) = 56.28
    let ch = calinski_harabasz_score(x.view(), l.view()).unwrap();
    assert_relative_eq!(ch, 56.28, epsilon = 1e-9);
    // Zero within-cluster dispersion → 1 (as scikit-learn).
    let x = array![[0.0], [0.0], [5.0]];
    let l = labels(&[0, 0, 1]);
    assert_eq!(calinski_harabasz_score(x.view(), l.view()).unwrap(), 1.0);
}

#[test]
fn adjusted_rand_index_hand_cases() {
    // sklearn's docstring examples.
    let ari = |a: &[usize], b: &[usize]| adjusted_rand_index(labels(a).view(), labels(b).view());
    assert_eq!(ari(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap(), 1.0);
    assert_relative_eq!(
        ari(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap(),
        0.571_428_571_428_571_4,
        epsilon = 1e-12
    );
    assert_eq!(ari(&[0, 0, 1, 1], &[0, 0, 0, 0]).unwrap(), 0.0);
    assert_relative_eq!(
        ari(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(),
        -0.5,
        epsilon = 1e-12
    );
    assert_eq!(ari(&[0, 1, 2], &[5, 6, 7]).unwrap(), 1.0);
}

#[test]
fn k_range_finds_the_planted_number_of_segments() {
    // Four tight blobs on the corners of a square (planted, not random
    // centres, so that no two happen to lie close together).
    let (noise, y) = gaussian_blobs::<f64>(800, 2, 4, 0.5, 1e-9, 31).unwrap();
    let corners = [[0.0, 0.0], [20.0, 0.0], [0.0, 20.0], [20.0, 20.0]];
    let mut x = noise.clone();
    for (mut row, &l) in x.rows_mut().into_iter().zip(y.iter()) {
        row[0] += corners[l][0];
        row[1] += corners[l][1];
    }
    let r = evaluate_k_range(
        x.view(),
        1..=6,
        &KMeans::default().n_init(3).seed(2),
        SilhouetteMode::Sampled { size: 400, seed: 1 },
    )
    .unwrap();
    assert_eq!(
        r.scores.iter().map(|r| r.k).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert_eq!(r.rows, 800);
    assert!(r.scores[0].silhouette.is_none() && r.scores[0].davies_bouldin.is_none());
    assert_eq!(r.scores[0].silhouette_rows, 0);
    assert!(r.scores[1..].iter().all(|s| s.silhouette_rows == 400));
    for w in r.scores.windows(2) {
        assert!(w[1].inertia < w[0].inertia);
    }
    type Score = fn(&ua_analytics::segmentation::KScores) -> Option<f64>;
    let best_by = |f: Score, max: bool| {
        r.scores
            .iter()
            .filter_map(|rep| f(rep).map(|v| (rep.k, if max { v } else { -v })))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
            .0
    };
    assert_eq!(best_by(|r| r.silhouette, true), 4);
    assert_eq!(best_by(|r| r.calinski_harabasz, true), 4);
    assert_eq!(best_by(|r| r.davies_bouldin, false), 4);
    // The report's own choice, with its reason.
    assert_eq!(r.recommended_k, Some(4));
    assert_eq!(r.criterion, Some(KCriterion::Silhouette));
    assert!(
        r.reason.contains("k = 4") && r.reason.contains("seeded sample of 400 of 800"),
        "{}",
        r.reason
    );
    // The scores are those of the same fit done by hand.
    let fit4 = KMeans::new(4).n_init(3).seed(2).fit(x.view()).unwrap();
    let s4 = r.scores_for(4).unwrap();
    assert_eq!(s4.inertia, fit4.training_inertia());
    assert_eq!(
        s4.calinski_harabasz,
        Some(calinski_harabasz_score(x.view(), fit4.labels()).unwrap())
    );
    assert_eq!(
        s4.silhouette,
        Some(silhouette_score_sampled(x.view(), fit4.labels(), 400, 1).unwrap())
    );
    // Without the silhouette the Calinski–Harabasz index decides.
    let skip = evaluate_k_range(
        x.view(),
        2..=6,
        &KMeans::default().n_init(3).seed(2),
        SilhouetteMode::Skip,
    )
    .unwrap();
    assert_eq!(skip.recommended_k, Some(4));
    assert_eq!(skip.criterion, Some(KCriterion::CalinskiHarabasz));
    assert!(skip.scores.iter().all(|s| s.silhouette.is_none()));
    // k = 1 alone: nothing to compare.
    let one = evaluate_k_range(x.view(), 1..=1, &KMeans::default(), SilhouetteMode::Exact).unwrap();
    assert_eq!((one.recommended_k, one.criterion), (None, None));
}

#[test]
fn k_range_is_checked_before_any_fit() {
    let (x, _) = gaussian_blobs::<f64>(50, 2, 2, 0.5, 10.0, 3).unwrap();
    let base = KMeans::default();
    let mode = SilhouetteMode::Exact;
    let name = |ks: std::ops::RangeInclusive<usize>| {
        parameter_name(evaluate_k_range(x.view(), ks, &base, mode).unwrap_err())
    };
    assert_eq!(name(0..=3), "ks");
    #[allow(clippy::reversed_empty_ranges)]
    let empty = 5..=3;
    assert_eq!(name(empty), "ks");
    assert_eq!(name(2..=51), "ks");
    // Far beyond the rows: refused at once, no hang, no capacity overflow.
    assert_eq!(name(1..=usize::MAX), "ks");
    assert_eq!(name(usize::MAX..=usize::MAX), "ks");
    let e = evaluate_k_range(x.view(), 2..=51, &base, mode).unwrap_err();
    assert!(
        e.to_string().contains("50 rows allow: k can be at most 49"),
        "{e}"
    );
    // k = n puts every row alone: no score is defined, so the range must
    // end at n − 1 (the issue's `--k-range 2..3000` on 2,357 customers).
    let e = evaluate_k_range(x.view(), 2..=50, &base, SilhouetteMode::Skip).unwrap_err();
    assert!(
        e.to_string().contains("2..=50") && e.to_string().contains("at most 49"),
        "{e}"
    );
    let e = evaluate_k_range(x.view(), 2..=usize::MAX, &base, mode).unwrap_err();
    assert!(e.to_string().contains("at most 49"), "{e}");
    assert!(evaluate_k_range(x.view(), 48..=49, &base, SilhouetteMode::Skip).is_ok());
    // k = 1 alone may use a one-row input
    assert!(
        evaluate_k_range(
            x.slice(ua_analytics::ndarray::s![..1, ..]),
            1..=1,
            &base,
            mode
        )
        .is_ok()
    );
    // Fewer distinct rows than the end of the range.
    let dup = array![[0.0], [0.0], [1.0], [1.0], [2.0]];
    let e = evaluate_k_range(dup.view(), 1..=4, &base, mode).unwrap_err();
    assert_eq!(parameter_name(e), "ks");
    // The other parameters, for the largest k.
    let e = evaluate_k_range(x.view(), 2..=3, &base.clone().n_init(0), mode).unwrap_err();
    assert_eq!(parameter_name(e), "n_init");
    let e = evaluate_k_range(
        x.view(),
        2..=3,
        &base,
        SilhouetteMode::Sampled { size: 0, seed: 0 },
    )
    .unwrap_err();
    assert_eq!(parameter_name(e), "silhouette");
    // Bad data.
    let nan = array![[0.0], [f64::NAN], [1.0]];
    assert!(evaluate_k_range(nan.view(), 1..=2, &base, mode).is_err());
    let empty = Array2::<f64>::zeros((0, 2));
    assert!(matches!(
        evaluate_k_range(empty.view(), 1..=2, &base, mode),
        Err(Error::Empty { .. })
    ));
}

/// A planted point at 1e308 (finite) would make squared distances and the
/// inertia overflow to inf (the issue's `kmeans_bench` printed
/// `inertia: inf`): every entry point refuses it, naming column and row.
#[test]
fn huge_finite_values_are_refused_not_reported_as_inf() {
    let mut x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
    x[[17, 2]] = 1e308;
    let check = |e: Error| {
        let m = e.to_string();
        assert!(
            m.contains("column 2") && m.contains("row 17") && m.contains("1e308"),
            "{m}"
        );
        assert!(m.contains("overflow") && m.contains("rescale"), "{m}");
    };
    check(KMeans::new(3).seed(1).fit(x.view()).unwrap_err());
    check(
        KMeans::new(3)
            .algorithm(Algorithm::Elkan)
            .fit(x.view())
            .unwrap_err(),
    );
    check(MiniBatchKMeans::new(3).fit(x.view()).unwrap_err());
    check(
        evaluate_k_range(x.view(), 2..=4, &KMeans::default(), SilhouetteMode::Exact).unwrap_err(),
    );
    let labels = Array1::from_shape_fn(40, |i| i % 2);
    check(silhouette_score(x.view(), labels.view()).unwrap_err());
    // A model fitted on ordinary data refuses the huge row when scoring.
    let mut ok = x.clone();
    ok[[17, 2]] = 5.0;
    let fit = KMeans::new(2).seed(1).fit(ok.view()).unwrap();
    check(fit.inertia(x.view()).unwrap_err());
    check(fit.predict(x.view()).unwrap_err());
    // Large but safe values are fine and give a finite inertia that scales
    // by s² (distances are scale-equivariant).
    let s = 1e140;
    let big = ok.mapv(|v| v * s);
    let fit_big = KMeans::new(2).seed(1).fit(big.view()).unwrap();
    assert_eq!(fit_big.labels(), fit.labels());
    let ratio = fit_big.training_inertia() / (fit.training_inertia() * s * s);
    assert!(ratio.is_finite() && (ratio - 1.0).abs() < 1e-9, "{ratio}");
    // f32: squares overflow far earlier (f32::MAX ≈ 3.4e38)
    let mut x32 = ok.mapv(|v| v as f32);
    x32[[3, 0]] = 1e30;
    let e = KMeans::new(2).fit(x32.view()).unwrap_err();
    assert!(
        e.to_string().contains("column 0") && e.to_string().contains("row 3"),
        "{e}"
    );
}
