//! Long fits report their iterations to a progress observer: k-means (Lloyd
//! and Elkan) and implicit ALS, one event per iteration in order; the
//! isolation forest its trees in rounds; the CLV models each optimiser
//! start. Listening never changes the result.

use std::sync::{Arc, Mutex};

use ndarray::Array2;
use ua_analytics::RecommenderModel;
use ua_analytics::clv::{BgNbd, GammaGamma, simulate_bgnbd, simulate_gamma_gamma};
use ua_analytics::recommend::ImplicitAls;
use ua_analytics::risk::IsolationForest;
use ua_analytics::segmentation::{Algorithm, KMeans};
use ua_tensor::progress::{Event, Observer, observe};
use ua_tensor::sparse::CsrMatrix;

#[derive(Default)]
struct Record(Mutex<Vec<(String, usize, Option<usize>)>>, Mutex<Vec<f64>>);

impl Observer for Record {
    fn event(&self, e: &Event<'_>) {
        self.0
            .lock()
            .unwrap()
            .push((e.task.to_owned(), e.step, e.total));
        self.1.lock().unwrap().extend(e.figures.iter().map(|f| f.1));
    }
}

#[test]
fn k_means_reports_every_iteration() {
    let x = Array2::from_shape_fn((120, 2), |(i, j)| {
        (i % 3) as f64 * 10.0 + ((i * 7 + j * 3) % 5) as f64
    });
    for algorithm in [Algorithm::Lloyd, Algorithm::Elkan] {
        let rec = Arc::new(Record::default());
        let m = observe(rec.clone(), || {
            KMeans::new(3)
                .algorithm(algorithm)
                .n_init(1)
                .max_iter(50)
                .seed(2)
                .fit(x.view())
        })
        .unwrap();
        let events = rec.0.lock().unwrap();
        let steps: Vec<usize> = events.iter().map(|e| e.1).collect();
        assert_eq!(steps, (1..=m.n_iter()).collect::<Vec<_>>(), "{algorithm:?}");
        assert!(events.iter().all(|e| e.0 == "k-means" && e.2 == Some(50)));
    }
}

#[test]
fn als_reports_every_iteration() {
    let (rows, cols): (Vec<usize>, Vec<usize>) = (0..30)
        .flat_map(|u| (0..4).map(move |k| (u, (u * 3 + k * 5) % 20)))
        .unzip();
    let x = CsrMatrix::from_triplets(30, 20, &rows, &cols, &vec![1.0f32; rows.len()]).unwrap();
    let rec = Arc::new(Record::default());
    observe(rec.clone(), || {
        ImplicitAls::new().factors(4).iterations(7).fit(&x)
    })
    .unwrap();
    let events = rec.0.lock().unwrap();
    assert_eq!(
        *events,
        (1..=7)
            .map(|i| ("ALS".to_owned(), i, Some(7)))
            .collect::<Vec<_>>()
    );
}

#[test]
fn the_isolation_forest_reports_its_trees_in_rounds_and_grows_the_same_forest() {
    let x = Array2::from_shape_fn((300, 3), |(i, j)| ((i * 31 + j * 17) % 97) as f32);
    for trees in [1usize, 7, 100, 250] {
        let forest = IsolationForest::new().trees(trees).seed(5);
        let rec = Arc::new(Record::default());
        let observed = observe(rec.clone(), || forest.fit(x.view())).unwrap();
        assert_eq!(observed, forest.fit(x.view()).unwrap(), "{trees} trees");
        let events = rec.0.lock().unwrap();
        let steps: Vec<usize> = events.iter().map(|e| e.1).collect();
        assert_eq!(steps.last(), Some(&trees), "{steps:?}");
        assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
        assert!(events.iter().all(|e| e.0 == "trees" && e.2 == Some(trees)));
        // About twenty rounds for a large forest, never one per tree.
        if trees >= 100 {
            assert!((2..=25).contains(&steps.len()), "{steps:?}");
        }
    }
    // The round size: a twentieth of the forest, but at least four trees per
    // thread — exactly twenty rounds of 50 for 1,000 trees (up to 12
    // threads), and rounds of 4 × threads for a small forest.
    let threads = rayon::current_num_threads();
    for (trees, round) in [(1_000usize, 50usize.max(4 * threads)), (7, 4 * threads)] {
        let rec = Arc::new(Record::default());
        observe(rec.clone(), || {
            IsolationForest::new()
                .trees(trees)
                .sample_size(16)
                .fit(x.view())
        })
        .unwrap();
        let steps: Vec<usize> = rec.0.lock().unwrap().iter().map(|e| e.1).collect();
        let want: Vec<usize> = (1..=trees.div_ceil(round))
            .map(|r| (r * round).min(trees))
            .collect();
        assert_eq!(steps, want, "{trees} trees, {threads} threads");
    }
}

#[test]
fn the_clv_models_report_each_optimiser_start_with_the_best_objective() {
    let h = simulate_bgnbd(2_000, (0.25, 4.0, 0.8, 2.5), 52.0, 3).unwrap();
    let rec = Arc::new(Record::default());
    let fit = observe(rec.clone(), || BgNbd::new().fit(&h)).unwrap();
    let starts = fit.convergence.starts;
    assert!(starts >= 2);
    assert_eq!(
        *rec.0.lock().unwrap(),
        (1..=starts)
            .map(|i| ("BG/NBD starts".to_owned(), i, Some(starts)))
            .collect::<Vec<_>>()
    );
    let objectives = rec.1.lock().unwrap().clone();
    // The best objective so far never rises.
    assert!(
        objectives.windows(2).all(|w| w[1] <= w[0]),
        "{objectives:?}"
    );
    assert_eq!(fit, BgNbd::new().fit(&h).unwrap());

    let (freq, spend) = simulate_gamma_gamma(1_000, (6.0, 4.0, 15.0), 5, 1).unwrap();
    let rec = Arc::new(Record::default());
    let gg = observe(rec.clone(), || GammaGamma::new().fit(&freq, &spend)).unwrap();
    let events = rec.0.lock().unwrap();
    assert_eq!(events.len(), gg.convergence.starts);
    assert!(events.iter().all(|e| e.0 == "Gamma-Gamma starts"));
}
