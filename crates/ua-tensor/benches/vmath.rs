//! Criterion benchmarks of the vectorised transcendental functions
//! (`ua_tensor::vmath`): the scalar `libm` formulas the library used before
//! against the portable, AVX2+FMA and AVX-512 kernels, in `f32` and `f64`,
//! over 256 × 64 (rows of 64 for the row functions) and 4096 elements.
//!
//! Run with `cargo bench -p ua-tensor --bench vmath`; a filter such as
//! `-- 'vmath/sigmoid/f32'` runs one group. Figures are recorded in
//! `docs/bench-notes/vmath.md`. Instruction sets this CPU lacks are skipped.
//!
//! With `VMATH_COUNT=1` the binary skips criterion and runs sigmoid over
//! 256 × 64 scalar and vectorised 200 times each, for instruction counts:
//! `VMATH_COUNT=1 valgrind --tool=callgrind target/release/deps/vmath-<hash>`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use ua_tensor::Scalar;
use ua_tensor::rand::rngs::SmallRng;
use ua_tensor::rand::{Rng, SeedableRng};
use ua_tensor::stable;
use ua_tensor::vmath::{Isa, Kernels};

/// The shapes: `(label, rows, cols)`; row functions work per row.
const SHAPES: [(&str, usize, usize); 3] = [
    ("256x64", 256, 64),
    ("4096", 1, 4096),
    ("4096x10", 4096, 10),
];

#[derive(Clone, Copy)]
enum Func {
    Exp,
    Ln,
    Sigmoid,
    Softplus,
    Tanh,
    LogSumExp,
    Softmax,
}

impl Func {
    const ALL: [Func; 7] = [
        Func::Exp,
        Func::Ln,
        Func::Sigmoid,
        Func::Softplus,
        Func::Tanh,
        Func::LogSumExp,
        Func::Softmax,
    ];

    fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Ln => "ln",
            Func::Sigmoid => "sigmoid",
            Func::Softplus => "softplus",
            Func::Tanh => "tanh",
            Func::LogSumExp => "log_sum_exp",
            Func::Softmax => "softmax",
        }
    }

    /// The scalar formulas of `ua_tensor::stable` / `libm`, element by
    /// element (what the library ran before vmath).
    fn scalar<S: Scalar>(self, data: &mut [S], cols: usize) -> S {
        let mut acc = S::zero();
        match self {
            Func::Exp => data.iter_mut().for_each(|v| *v = v.exp()),
            Func::Ln => data.iter_mut().for_each(|v| *v = v.ln()),
            Func::Sigmoid => data.iter_mut().for_each(|v| *v = stable::sigmoid(*v)),
            Func::Softplus => data.iter_mut().for_each(|v| *v = stable::softplus(*v)),
            Func::Tanh => data.iter_mut().for_each(|v| *v = v.tanh()),
            Func::LogSumExp => {
                for row in data.chunks(cols) {
                    let m = row.iter().copied().fold(S::neg_infinity(), S::max);
                    let s: S = row.iter().map(|&x| (x - m).exp()).sum();
                    acc = acc + m + s.ln();
                }
            }
            Func::Softmax => {
                for row in data.chunks_mut(cols) {
                    let m = row.iter().copied().fold(S::neg_infinity(), S::max);
                    let mut sum = S::zero();
                    for v in row.iter_mut() {
                        *v = (*v - m).exp();
                        sum = sum + *v;
                    }
                    let inv = S::one() / sum;
                    row.iter_mut().for_each(|v| *v = *v * inv);
                }
            }
        }
        acc
    }

    fn vector<S: Scalar>(self, k: Kernels, data: &mut [S], cols: usize) -> S {
        let mut acc = S::zero();
        match self {
            Func::Exp => k.exp_inplace(data),
            Func::Ln => k.ln_inplace(data),
            Func::Sigmoid => k.sigmoid_inplace(data),
            Func::Softplus => k.softplus_inplace(data),
            Func::Tanh => k.tanh_inplace(data),
            Func::LogSumExp => {
                for row in data.chunks(cols) {
                    acc = acc + k.log_sum_exp(row);
                }
            }
            Func::Softmax => data.chunks_mut(cols).for_each(|row| k.softmax_inplace(row)),
        }
        acc
    }
}

fn bench_precision<S: Scalar>(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(14);
    let isas: Vec<Isa> = Isa::available();
    for func in Func::ALL {
        for (label, rows, cols) in SHAPES {
            let n = rows * cols;
            let data: Vec<S> = (0..n)
                .map(|_| {
                    let u: f64 = rng.random_range(-5.0..5.0);
                    S::lit(if matches!(func, Func::Ln) {
                        u + 5.001
                    } else {
                        u
                    })
                })
                .collect();
            let mut group = c.benchmark_group(format!("vmath/{}/{}/{label}", func.name(), S::NAME));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function("scalar_libm", |b| {
                b.iter_batched_ref(
                    || data.clone(),
                    |d| black_box(func.scalar(d, cols)),
                    BatchSize::SmallInput,
                )
            });
            for &isa in &isas {
                let k = Kernels::new(isa).expect("available");
                group.bench_function(format!("{isa:?}").to_lowercase(), |b| {
                    b.iter_batched_ref(
                        || data.clone(),
                        |d| black_box(func.vector(k, d, cols)),
                        BatchSize::SmallInput,
                    )
                });
            }
            group.finish();
        }
    }
}

fn bench_f32(c: &mut Criterion) {
    bench_precision::<f32>(c);
}

fn bench_f64(c: &mut Criterion) {
    bench_precision::<f64>(c);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
        .nresamples(20_000)
        .without_plots()
}

criterion_group! {
    name = vmath;
    config = config();
    targets = bench_f32, bench_f64
}

/// Iterations of the instruction-count mode.
const COUNT_ITERS: usize = 200;

/// Sigmoid over 256 × 64 `f32` with the scalar formula, `COUNT_ITERS` times
/// (a separate function so callgrind can attribute its instructions).
#[inline(never)]
fn count_sigmoid_scalar(data: &mut [f32]) {
    for _ in 0..COUNT_ITERS {
        Func::Sigmoid.scalar(black_box(&mut *data), 64);
    }
}

/// The same through the vmath kernels of `isa`.
#[inline(never)]
fn count_sigmoid_vmath(data: &mut [f32], k: Kernels) {
    for _ in 0..COUNT_ITERS {
        k.sigmoid_inplace(black_box(&mut *data));
    }
}

/// Instruction-count mode (`VMATH_COUNT=1`, run under
/// `valgrind --tool=callgrind`): no criterion, just the two functions above
/// on the best instruction set valgrind supports (it has no AVX-512).
fn count() {
    let mut rng = SmallRng::seed_from_u64(14);
    let base: Vec<f32> = (0..256 * 64).map(|_| rng.random_range(-5.0..5.0)).collect();
    let mut a = base.clone();
    count_sigmoid_scalar(&mut a);
    let mut b = base;
    count_sigmoid_vmath(&mut b, Kernels::detected());
    println!("isa {:?}: {} iterations each", Isa::detected(), COUNT_ITERS);
}

fn main() {
    if std::env::var_os("VMATH_COUNT").is_some() {
        count();
        return;
    }
    vmath();
    Criterion::default().configure_from_args().final_summary();
}
