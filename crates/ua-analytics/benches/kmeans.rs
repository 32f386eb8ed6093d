//! Criterion benchmarks of the segmentation hot paths: one Lloyd fit on
//! 200,000 × 8 points (k = 8, one k-means++ init) and the exact silhouette
//! of 20,000 points. Run with `cargo bench -p ua-analytics --bench kmeans`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use ua_analytics::ndarray::s;
use ua_analytics::segmentation::{Algorithm, KMeans, gaussian_blobs, silhouette_score};

fn bench_kmeans(c: &mut Criterion) {
    let (x, _) = gaussian_blobs::<f64>(200_000, 8, 8, 1.0, 10.0, 42).expect("generator");
    let mut g = c.benchmark_group("kmeans");
    g.sample_size(10);
    for (name, alg) in [("lloyd", Algorithm::Lloyd), ("elkan", Algorithm::Elkan)] {
        g.bench_function(format!("fit_{name}_200000x8_k8_f64"), |b| {
            b.iter(|| {
                KMeans::new(8)
                    .algorithm(alg)
                    .seed(0)
                    .fit(black_box(x.view()))
                    .expect("fit")
                    .training_inertia()
            })
        });
    }
    let x32 = x.mapv(|v| v as f32);
    g.bench_function("fit_lloyd_200000x8_k8_f32", |b| {
        b.iter(|| {
            KMeans::new(8)
                .seed(0)
                .fit(black_box(x32.view()))
                .expect("fit")
                .training_inertia()
        })
    });
    let sub = x.slice(s![..20_000, ..]);
    let labels = KMeans::new(8)
        .seed(0)
        .fit(sub)
        .expect("fit")
        .labels()
        .to_owned();
    g.bench_function("silhouette_20000x8", |b| {
        b.iter(|| silhouette_score(black_box(sub), labels.view()).expect("silhouette"))
    });
    g.finish();
}

criterion_group!(benches, bench_kmeans);
criterion_main!(benches);
