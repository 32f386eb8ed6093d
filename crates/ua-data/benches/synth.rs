//! Speed of the synthetic shop and of the feature extraction on its output.
//!
//! `cargo bench -p ua-data --bench synth`
//!
//! The shop is the default config with 20 000 users (about 3.3 million
//! events); throughput is reported in events per second.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ua_data::features::interactions::{InteractionsBuilder, Weighting};
use ua_data::features::rfm::{RfmConfig, RfmFeatures};
use ua_data::synth::{ShopConfig, generate};

fn config() -> ShopConfig {
    ShopConfig {
        n_users: 20_000,
        n_items: 2_000,
        n_categories: 20,
        ..ShopConfig::default()
    }
}

fn bench_synth(c: &mut Criterion) {
    let cfg = config();
    let shop = generate(&cfg).expect("valid config");
    let n_events = shop.events.len() as u64;
    eprintln!(
        "shop: {} users, {} items, {} events, {} orders, {} rayon threads",
        shop.users.len(),
        shop.items.len(),
        n_events,
        shop.orders.len(),
        rayon::current_num_threads()
    );

    let mut g = c.benchmark_group("synth");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n_events));
    g.bench_function("generate_20k_users", |b| {
        b.iter(|| generate(black_box(&cfg)).expect("valid config"))
    });
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    g.bench_function("generate_20k_users_1_thread", |b| {
        b.iter(|| single.install(|| generate(black_box(&cfg)).expect("valid config")))
    });
    g.bench_function("interactions_count_all_events", |b| {
        b.iter(|| {
            InteractionsBuilder::new(Weighting::Count)
                .build(&shop.events.user_id, &shop.events.item_id, None)
                .expect("non-empty log")
        })
    });
    g.finish();

    let mut g = c.benchmark_group("rfm");
    g.sample_size(10);
    g.throughput(Throughput::Elements(shop.orders.len() as u64));
    let rfm = RfmConfig {
        as_of: cfg.start_day + 270,
        holdout_end: Some(cfg.end_day()),
    };
    g.bench_function("rfm_all_orders", |b| {
        b.iter(|| {
            RfmFeatures::compute(
                &shop.orders.user_id,
                &shop.orders.day,
                &shop.orders.amount,
                None,
                black_box(&rfm),
            )
            .expect("valid log")
        })
    });
    g.finish();
}

criterion_group!(benches, bench_synth);
criterion_main!(benches);
