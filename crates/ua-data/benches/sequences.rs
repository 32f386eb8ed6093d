//! Speed of building event sequences (issue 12, item 2).
//!
//! `cargo bench -p ua-data --bench sequences`
//!
//! A log of 1,000,000 events over 100,000 users in random order (times
//! uniform over a year, 1,000 distinct tokens with a skewed distribution,
//! amounts for every event), cut off at 90 % of the year, 50 steps, all
//! three channels. Throughput is in events per second.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng, rngs::StdRng};
use ua_data::features::sequences::{EventLog, EventSequences, SequenceConfig, Vocabulary};

const EVENTS: usize = 1_000_000;
const USERS: u64 = 100_000;
const LEVELS: usize = 1_000;
const YEAR: i64 = 365 * 86_400;

struct Log {
    users: Vec<u64>,
    times: Vec<i64>,
    codes: Vec<u32>,
    levels: Vec<String>,
    amounts: Vec<f64>,
}

fn log() -> Log {
    let mut rng = StdRng::seed_from_u64(12);
    let levels = (0..LEVELS).map(|i| format!("view|{i}")).collect();
    Log {
        users: (0..EVENTS).map(|_| rng.random_range(0..USERS)).collect(),
        times: (0..EVENTS).map(|_| rng.random_range(0..YEAR)).collect(),
        // skewed: the square of a uniform favours small codes
        codes: (0..EVENTS)
            .map(|_| {
                let u: f64 = rng.random();
                (u * u * LEVELS as f64) as u32
            })
            .collect(),
        levels,
        amounts: (0..EVENTS).map(|_| rng.random_range(0.0..200.0)).collect(),
    }
}

fn bench_sequences(c: &mut Criterion) {
    let l = log();
    let cfg = SequenceConfig::new(50, YEAR / 10 * 9);
    let codes = EventLog::from_codes(&l.users, &l.times, &l.codes, &l.levels)
        .unwrap()
        .with_amounts(&l.amounts)
        .unwrap();
    let text: Vec<&str> = l
        .codes
        .iter()
        .map(|&c| l.levels[c as usize].as_str())
        .collect();
    let text_log = EventLog::new(&l.users, &l.times, &text)
        .unwrap()
        .with_amounts(&l.amounts)
        .unwrap();
    let vocab = Vocabulary::fit_on(&codes, &cfg, None).unwrap();
    let seq = EventSequences::build(&codes, &cfg, &vocab).unwrap();
    eprintln!(
        "sequences: {} events, {} users, vocabulary {}, report {:?}, rayon threads (unused) {}",
        EVENTS,
        seq.len(),
        vocab.len(),
        seq.report(),
        rayon::current_num_threads()
    );

    let mut g = c.benchmark_group("sequences");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("fit_vocabulary_codes_1M", |b| {
        b.iter(|| black_box(Vocabulary::fit_on(black_box(&codes), &cfg, None).unwrap()))
    });
    g.bench_function("build_codes_1M_events_100k_users", |b| {
        b.iter(|| black_box(EventSequences::build(black_box(&codes), &cfg, &vocab).unwrap()))
    });
    g.bench_function("build_text_1M_events_100k_users", |b| {
        b.iter(|| black_box(EventSequences::build(black_box(&text_log), &cfg, &vocab).unwrap()))
    });
    g.bench_function("to_matrix_100k_users", |b| {
        b.iter(|| black_box(seq.to_matrix().unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench_sequences);
criterion_main!(benches);
