//! Criterion benchmarks of the neural-network hot paths.
//!
//! `cargo bench -p ua-nn --bench nn`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::Rng;
use ua_nn::layers::{Dense, Embedding};
use ua_nn::losses::BinaryCrossEntropy;
use ua_nn::optim::Adam;
use ua_nn::{Activation, Layer, Mode, Optimizer, Param, ParamKind, Sequential};
use ua_tensor::init::{Initializer, seeded_rng};

fn data(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0f32..1.0))
}

fn design_network(input: usize) -> Sequential<f32> {
    Sequential::builder(input)
        .dense(64, Activation::Relu)
        .dropout(0.5)
        .dense(32, Activation::Relu)
        .dropout(0.5)
        .dense(1, Activation::Sigmoid)
        .seed(42)
        .build()
        .expect("valid network")
}

fn dense_layer(c: &mut Criterion) {
    let mut g = c.benchmark_group("dense_16x64_relu");
    g.measurement_time(Duration::from_secs(2)).sample_size(30);
    for batch in [32usize, 256] {
        let x = data(batch, 16, 1);
        let go = data(batch, 64, 2);
        let mut layer = Dense::<f32>::new(
            16,
            64,
            Activation::Relu,
            Initializer::HeUniform,
            &mut seeded_rng(3),
        )
        .expect("layer");
        g.bench_with_input(BenchmarkId::new("forward", batch), &batch, |b, _| {
            b.iter(|| {
                black_box(layer.forward(x.view(), Mode::Train).expect("forward"));
            })
        });
        g.bench_with_input(
            BenchmarkId::new("forward_backward", batch),
            &batch,
            |b, _| {
                b.iter(|| {
                    layer.forward(x.view(), Mode::Train).expect("forward");
                    black_box(layer.backward(x.view(), go.view(), true).expect("backward"));
                })
            },
        );
    }
    g.finish();
}

fn training_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("design_network_train_step");
    g.measurement_time(Duration::from_secs(3)).sample_size(30);
    for batch in [32usize, 256] {
        let x = data(batch, 16, 4);
        let y = data(batch, 1, 5).mapv(|v| f32::from(v > 0.0));
        let mut model = design_network(16);
        let mut adam = Adam::new(1e-3);
        let loss = BinaryCrossEntropy::new();
        g.bench_with_input(BenchmarkId::from_parameter(batch), &batch, |b, _| {
            b.iter(|| {
                black_box(
                    model
                        .train_batch(x.view(), y.view(), &loss, &mut adam)
                        .expect("step"),
                )
            })
        });
    }
    g.finish();
}

fn adam_step(c: &mut Criterion) {
    // The design network has 16·64 + 64 + 64·32 + 32 + 32 + 1 = 3,201 parameters.
    let mut w = vec![0.1f32; 3201];
    let mut grad = vec![0.01f32; 3201];
    let mut adam = Adam::<f32>::new(1e-3);
    c.bench_function("adam_step_3201_params", |b| {
        b.iter(|| {
            adam.begin_step();
            adam.update(
                0,
                Param {
                    kind: ParamKind::Weight,
                    value: &mut w,
                    grad: &mut grad,
                },
            );
        })
    });
}

fn inference(c: &mut Criterion) {
    // `predict` takes `&self`; `mut` keeps this file usable against the
    // older `&mut self` API for before/after comparisons.
    #[allow(unused_mut)]
    let mut model = design_network(16);
    let mut g = c.benchmark_group("design_network_predict");
    g.measurement_time(Duration::from_secs(3)).sample_size(30);
    for rows in [1usize, 64, 4096] {
        let x = data(rows, 16, 6);
        g.bench_function(format!("{rows}_rows"), |b| {
            b.iter(|| black_box(model.predict(x.view()).expect("predict")))
        });
    }
    g.finish();
}

fn embedding_layer(c: &mut Criterion) {
    // A (256, 20) batch of indices into a 10,000 × 32 table.
    let (vocab, dim, batch, seq) = (10_000usize, 32usize, 256usize, 20usize);
    let mut rng = seeded_rng(7);
    let x = Array2::from_shape_fn((batch, seq), |_| rng.random_range(0..vocab) as f32);
    let go = data(batch, seq * dim, 8);
    let mut layer = Embedding::<f32>::new(vocab, dim, 9).expect("valid embedding");
    let mut g = c.benchmark_group("embedding_10k_x32_batch_256x20");
    g.measurement_time(Duration::from_secs(3)).sample_size(30);
    g.bench_function("forward_backward", |b| {
        b.iter(|| {
            layer.forward(x.view(), Mode::Train).expect("forward");
            black_box(
                layer
                    .backward(x.view(), go.view(), false)
                    .expect("backward"),
            );
            layer.zero_grad();
        })
    });
    g.bench_function("infer", |b| {
        b.iter(|| black_box(layer.infer(x.view()).expect("infer")))
    });
    // The dense update Sequential's loop does after it: Adam over the whole table.
    let mut adam = Adam::<f32>::new(1e-3);
    g.bench_function("forward_backward_adam_step", |b| {
        b.iter(|| {
            layer.forward(x.view(), Mode::Train).expect("forward");
            layer
                .backward(x.view(), go.view(), false)
                .expect("backward");
            adam.begin_step();
            layer.visit_params(&mut |p| adam.update(0, p));
            layer.zero_grad();
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    dense_layer,
    training_step,
    adam_step,
    inference,
    embedding_layer
);
criterion_main!(benches);
