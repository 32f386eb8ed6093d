//! Criterion benchmarks of the recommenders on a synthetic log shaped like
//! ml-latest-small (600 users × 5,000 items, about 60,000 interactions,
//! popularity-skewed, two planted tastes): the fit of item-kNN, EASE,
//! implicit ALS and BPR (item-kNN and ALS also inside rayon pools of one
//! and of two threads, BPR's parallel mode on two), and `recommend_batch`
//! (top 10, seen items excluded) for every user. Run with
//! `cargo bench -p ua-analytics --bench recommend`; figures go to
//! `docs/benchmarks.md` (recommendation section).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ua_analytics::recommend::{Bpr, BprMode, Ease, Filter, ImplicitAls, ItemKnn};
use ua_analytics::{Recommender, RecommenderModel};
use ua_tensor::rand::rngs::SmallRng;
use ua_tensor::rand::{Rng, SeedableRng};
use ua_tensor::sparse::CsrMatrix;

const USERS: usize = 600;
const ITEMS: usize = 5_000;

/// Each user draws 20–180 distinct items, mostly from their taste's half of
/// the catalogue, with a popularity skew (item index ~ u², so low indices
/// are popular).
fn synthetic_log() -> CsrMatrix<f32> {
    let mut rng = SmallRng::seed_from_u64(7);
    let (mut rows, mut cols) = (Vec::new(), Vec::new());
    for u in 0..USERS {
        let taste = u % 2;
        let n = rng.random_range(20..180);
        let mut seen = vec![false; ITEMS];
        let mut drawn = 0;
        while drawn < n {
            let x: f64 = rng.random();
            let half = ((x * x) * (ITEMS / 2) as f64) as usize;
            let side = if rng.random::<f64>() < 0.8 {
                taste
            } else {
                1 - taste
            };
            let item = side * (ITEMS / 2) + half.min(ITEMS / 2 - 1);
            if !std::mem::replace(&mut seen[item], true) {
                rows.push(u);
                cols.push(item);
                drawn += 1;
            }
        }
    }
    let vals = vec![1.0f32; rows.len()];
    CsrMatrix::from_triplets(USERS, ITEMS, &rows, &cols, &vals).expect("valid triplets")
}

/// A rayon pool of `threads` threads (the fits run inside it).
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn bench_fit(c: &mut Criterion) {
    let x = synthetic_log();
    let (one, two) = (pool(1), pool(2));
    let mut g = c.benchmark_group("recommend_fit");
    g.sample_size(10);
    g.bench_function("itemknn_k100", |b| {
        b.iter(|| ItemKnn::new().fit(black_box(&x)).expect("fit"))
    });
    for (threads, pool) in [(1, &one), (2, &two)] {
        g.bench_function(format!("itemknn_k100_threads{threads}"), |b| {
            b.iter(|| pool.install(|| ItemKnn::new().fit(black_box(&x)).expect("fit")))
        });
    }
    g.bench_function("ease_lambda500", |b| {
        b.iter(|| Ease::new().fit(black_box(&x)).expect("fit"))
    });
    g.bench_function("als_64f_15it_cg3", |b| {
        b.iter(|| ImplicitAls::new().fit(black_box(&x)).expect("fit"))
    });
    for (threads, pool) in [(1, &one), (2, &two)] {
        g.bench_function(format!("als_64f_15it_cg3_threads{threads}"), |b| {
            b.iter(|| pool.install(|| ImplicitAls::new().fit(black_box(&x)).expect("fit")))
        });
    }
    g.bench_function("bpr_64f_100ep", |b| {
        b.iter(|| Bpr::new().fit(black_box(&x)).expect("fit"))
    });
    g.bench_function("bpr_64f_100ep_parallel_threads2", |b| {
        b.iter(|| {
            two.install(|| {
                Bpr::new()
                    .mode(BprMode::Parallel)
                    .fit(black_box(&x))
                    .expect("fit")
            })
        })
    });
    g.finish();
}

fn bench_recommend(c: &mut Criterion) {
    let x = synthetic_log();
    let users: Vec<usize> = (0..USERS).collect();
    let knn = ItemKnn::new().fit(&x).expect("fit");
    let als = ImplicitAls::new().fit(&x).expect("fit");
    let ease = Ease::new().fit(&x).expect("fit");
    let mut g = c.benchmark_group("recommend_batch_all_users_top10");
    g.sample_size(10);
    let filter = Filter::exclude_seen();
    g.bench_function("itemknn", |b| {
        b.iter(|| {
            knn.recommend_batch(black_box(&users), 10, &filter)
                .expect("recommend")
        })
    });
    g.bench_function("als", |b| {
        b.iter(|| {
            als.recommend_batch(black_box(&users), 10, &filter)
                .expect("recommend")
        })
    });
    g.bench_function("ease", |b| {
        b.iter(|| {
            ease.recommend_batch(black_box(&users), 10, &filter)
                .expect("recommend")
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
}

criterion_group! {
    name = recommend;
    config = config();
    targets = bench_fit, bench_recommend
}
criterion_main!(recommend);
