//! Criterion benchmarks of the risk scorers: the autoencoder's fit and its
//! scoring on 20,000 × 16 rows (`risk::planted_anomalies`, seed 42). Run
//! with `cargo bench -p ua-analytics --bench risk`.
//!
//! Before measuring, it prints the ROC-AUC of the planted rows for the
//! autoencoder fitted on all rows, fitted on the ordinary rows only, and
//! for the isolation forest, so that quality and time come from one run.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use ua_analytics::RiskScorer;
use ua_analytics::metrics::roc_auc;
use ua_analytics::ndarray::Axis;
use ua_analytics::risk::{Autoencoder, IsolationForest, planted_anomalies};

fn bench_autoencoder(c: &mut Criterion) {
    let (x, y) = planted_anomalies(20_000, 16, 42).expect("data");
    let model = Autoencoder::new().fit(x.view()).expect("fit");
    let scores = model.risk_score(x.view()).expect("score");
    let ordinary: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 0).collect();
    let clean = Autoencoder::new()
        .fit(x.select(Axis(0), &ordinary).view())
        .expect("fit on ordinary rows");
    let forest = IsolationForest::new().fit(x.view()).expect("forest");
    let h = model.history();
    eprintln!(
        "autoencoder 20000x16: {} epochs (best {}, stopped early: {}); ROC-AUC {:.4} fitted on all rows, \
         {:.4} fitted on the ordinary rows; isolation forest {:.4}",
        h.epochs.len(),
        h.best_epoch,
        h.stopped_early,
        roc_auc(&y, &scores).expect("auc"),
        roc_auc(&y, &clean.risk_score(x.view()).expect("score")).expect("auc"),
        roc_auc(&y, &forest.risk_score(x.view()).expect("score")).expect("auc"),
    );
    let mut g = c.benchmark_group("autoencoder");
    g.sample_size(10);
    g.bench_function("fit_20000x16_default", |b| {
        b.iter(|| Autoencoder::new().fit(black_box(x.view())).expect("fit"))
    });
    g.bench_function("risk_score_20000x16", |b| {
        b.iter(|| model.risk_score(black_box(x.view())).expect("score"))
    });
    g.bench_function("explain_top3_20000x16", |b| {
        b.iter(|| model.explain(black_box(x.view()), 3).expect("explain"))
    });
    g.finish();
}

criterion_group!(benches, bench_autoencoder);
criterion_main!(benches);
