//! Long fits report their iterations to a progress observer: k-means (Lloyd
//! and Elkan) and implicit ALS, one event per iteration in order.

use std::sync::{Arc, Mutex};

use ndarray::Array2;
use ua_analytics::RecommenderModel;
use ua_analytics::recommend::ImplicitAls;
use ua_analytics::segmentation::{Algorithm, KMeans};
use ua_tensor::progress::{Event, Observer, observe};
use ua_tensor::sparse::CsrMatrix;

#[derive(Default)]
struct Record(Mutex<Vec<(String, usize, Option<usize>)>>);

impl Observer for Record {
    fn event(&self, e: &Event<'_>) {
        self.0
            .lock()
            .unwrap()
            .push((e.task.to_owned(), e.step, e.total));
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
