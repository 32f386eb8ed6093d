//! Criterion benchmarks of the sequence layers at the shape of issue 12:
//! batch 256, 50 steps, 32 input channels, 64 filters of width 3.
//!
//! `cargo bench -p ua-nn --bench sequence`
//!
//! `conv1d/*` times the layer (im2col + GEMM). `conv1d_alternatives/*` times
//! two other ways to compute the same forward pass, kept here to justify the
//! choice: `per_row_shifted_gemm` (for each row and each tap, one small GEMM
//! of the shifted steps, no unfolding) and `batch_gemm_then_shift_add` (one
//! GEMM of every step by all taps' weights side by side, then a shifted sum
//! of the taps). `sequence_branch/*` times the masked composite (embedding
//! 1,000 × 32 → Conv1D 64 × 3 ReLU → masked max pool) on lengths uniform in
//! 5..=50, and (`*_full_length`) on rows that are all 50 tokens long. Its
//! backward pass takes the max pool's chosen steps only
//! (`Conv1D::backward_at`), so it costs far less than `conv1d/forward_backward`,
//! which times the dense backward of the bare layer.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array2, ArrayView2, s};
use rand::Rng;
use ua_nn::layers::{Conv1D, Embedding, Padding, Pooling, SequenceBranch};
use ua_nn::{Activation, Layer, Mode};
use ua_tensor::gemm::{Trans, gemm_into};
use ua_tensor::init::{Initializer, seeded_rng};

const BATCH: usize = 256;
const STEPS: usize = 50;
const C_IN: usize = 32;
const C_OUT: usize = 64;
const WIDTH: usize = 3;

fn data(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0f32..1.0))
}

fn layer() -> Conv1D<f32> {
    Conv1D::new(
        C_IN,
        C_OUT,
        WIDTH,
        Activation::Relu,
        Initializer::HeUniform,
        &mut seeded_rng(3),
    )
    .expect("layer")
    .with_padding(Padding::Same)
}

fn conv1d(c: &mut Criterion) {
    let mut g = c.benchmark_group("conv1d");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    let x = data(BATCH, STEPS * C_IN, 1);
    let go = data(BATCH, STEPS * C_OUT, 2);
    let mut conv = layer();
    g.bench_function("forward", |b| {
        b.iter(|| black_box(conv.forward(x.view(), Mode::Train).expect("forward").len()))
    });
    g.bench_function("forward_backward", |b| {
        b.iter(|| {
            conv.forward(x.view(), Mode::Train).expect("forward");
            black_box(
                conv.backward(x.view(), go.view(), true)
                    .expect("backward")
                    .map(|g| g.len()),
            )
        })
    });
    g.bench_function("forward_backward_no_input_grad", |b| {
        b.iter(|| {
            conv.forward(x.view(), Mode::Train).expect("forward");
            black_box(
                conv.backward(x.view(), go.view(), false)
                    .expect("backward")
                    .is_none(),
            )
        })
    });
    let mut out = Array2::zeros((BATCH, STEPS * C_OUT));
    g.bench_function("infer", |b| {
        b.iter(|| {
            conv.infer_into(x.view(), out.view_mut()).expect("infer");
            black_box(out[[0, 0]])
        })
    });
    g.finish();
}

/// Forward by one small GEMM per row and tap over the shifted steps.
fn per_row_shifted_gemm(
    w: &Array2<f32>,
    bias: &[f32],
    x: ArrayView2<'_, f32>,
    out: &mut Array2<f32>,
) {
    let pad = (WIDTH - 1) / 2;
    for (xr, mut orow) in x.rows().into_iter().zip(out.rows_mut()) {
        let xm = xr.into_shape_with_order((STEPS, C_IN)).expect("row");
        let mut om = orow
            .view_mut()
            .into_shape_with_order((STEPS, C_OUT))
            .expect("row");
        for (t, mut o) in om.rows_mut().into_iter().enumerate() {
            let _ = t;
            o.assign(&ndarray::aview1(bias));
        }
        for k in 0..WIDTH {
            // output step t reads input step t + k − pad
            let (t0, t1) = (
                pad.saturating_sub(k),
                (STEPS + pad).saturating_sub(k).min(STEPS),
            );
            let src = xm.slice(s![t0 + k - pad..t1 + k - pad, ..]);
            let wk = w.slice(s![k * C_IN..(k + 1) * C_IN, ..]);
            gemm_into(
                1.0,
                src,
                Trans::No,
                wk,
                Trans::No,
                1.0,
                om.slice_mut(s![t0..t1, ..]),
            )
            .expect("gemm");
        }
        om.mapv_inplace(|v| v.max(0.0));
    }
}

/// Forward by one GEMM of every step by all taps, then a shifted sum.
fn batch_gemm_then_shift_add(
    w_taps: &Array2<f32>,
    bias: &[f32],
    x: ArrayView2<'_, f32>,
    z: &mut Array2<f32>,
    out: &mut Array2<f32>,
) {
    let pad = (WIDTH - 1) / 2;
    let xs = x
        .into_shape_with_order((BATCH * STEPS, C_IN))
        .expect("steps");
    gemm_into(
        1.0,
        xs,
        Trans::No,
        w_taps.view(),
        Trans::No,
        0.0,
        z.view_mut(),
    )
    .expect("gemm");
    let zs = z.as_slice().expect("contiguous");
    let os = out.as_slice_mut().expect("contiguous");
    for r in 0..BATCH {
        for t in 0..STEPS {
            let o = &mut os[(r * STEPS + t) * C_OUT..(r * STEPS + t + 1) * C_OUT];
            o.copy_from_slice(bias);
            for k in 0..WIDTH {
                if let Some(src) = (t + k).checked_sub(pad).filter(|&s| s < STEPS) {
                    let line = &zs[(r * STEPS + src) * WIDTH * C_OUT + k * C_OUT..][..C_OUT];
                    o.iter_mut().zip(line).for_each(|(a, &v)| *a += v);
                }
            }
            o.iter_mut().for_each(|v| *v = v.max(0.0));
        }
    }
}

fn conv1d_alternatives(c: &mut Criterion) {
    let mut g = c.benchmark_group("conv1d_alternatives");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    let x = data(BATCH, STEPS * C_IN, 1);
    let conv = layer();
    let w = conv.weights().clone();
    let bias = conv.bias().to_vec();
    let mut want = Array2::zeros((BATCH, STEPS * C_OUT));
    conv.infer_into(x.view(), want.view_mut()).expect("infer");

    let mut out = Array2::zeros((BATCH, STEPS * C_OUT));
    per_row_shifted_gemm(&w, &bias, x.view(), &mut out);
    assert!(
        out.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4),
        "per-row result differs"
    );
    g.bench_function("per_row_shifted_gemm_forward", |b| {
        b.iter(|| {
            per_row_shifted_gemm(&w, &bias, x.view(), &mut out);
            black_box(out[[0, 0]])
        })
    });

    // all taps side by side: C_IN × (WIDTH·C_OUT)
    let w_taps = Array2::from_shape_fn((C_IN, WIDTH * C_OUT), |(c, j)| {
        w[[(j / C_OUT) * C_IN + c, j % C_OUT]]
    });
    let mut z = Array2::zeros((BATCH * STEPS, WIDTH * C_OUT));
    batch_gemm_then_shift_add(&w_taps, &bias, x.view(), &mut z, &mut out);
    assert!(
        out.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4),
        "shift-add result differs"
    );
    g.bench_function("batch_gemm_then_shift_add_forward", |b| {
        b.iter(|| {
            batch_gemm_then_shift_add(&w_taps, &bias, x.view(), &mut z, &mut out);
            black_box(out[[0, 0]])
        })
    });
    g.finish();
}

fn sequence_branch(c: &mut Criterion) {
    let mut g = c.benchmark_group("sequence_branch");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    let mut rng = seeded_rng(7);
    let x = Array2::from_shape_fn((BATCH, STEPS), |_| 0.0f32);
    let mut x = x;
    for mut row in x.rows_mut() {
        let len = rng.random_range(5..=STEPS);
        for t in 0..len {
            row[t] = rng.random_range(1..1000) as f32;
        }
    }
    let emb = Embedding::<f32>::new(1000, C_IN, 1)
        .and_then(|e| e.with_padding_index(Some(0)))
        .expect("embedding");
    let mut branch =
        SequenceBranch::new(STEPS, 0, emb, vec![layer()], Pooling::Max).expect("branch");
    let go = data(BATCH, C_OUT, 2);
    g.bench_function("forward_backward", |b| {
        b.iter(|| {
            branch.forward(x.view(), Mode::Train).expect("forward");
            black_box(
                branch
                    .backward(x.view(), go.view(), false)
                    .expect("backward")
                    .is_none(),
            )
        })
    });
    let mut out = Array2::zeros((BATCH, C_OUT));
    g.bench_function("infer", |b| {
        b.iter(|| {
            branch.infer_into(x.view(), out.view_mut()).expect("infer");
            black_box(out[[0, 0]])
        })
    });
    // every row 50 tokens long: no step is padding (the speed target)
    let full = Array2::from_shape_fn((BATCH, STEPS), |_| rng.random_range(1..1000) as f32);
    g.bench_function("forward_backward_full_length", |b| {
        b.iter(|| {
            branch.forward(full.view(), Mode::Train).expect("forward");
            black_box(
                branch
                    .backward(full.view(), go.view(), false)
                    .expect("backward")
                    .is_none(),
            )
        })
    });
    g.bench_function("infer_full_length", |b| {
        b.iter(|| {
            branch
                .infer_into(full.view(), out.view_mut())
                .expect("infer");
            black_box(out[[0, 0]])
        })
    });
    g.finish();
}

criterion_group!(benches, conv1d, conv1d_alternatives, sequence_branch);
criterion_main!(benches);
