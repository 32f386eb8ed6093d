//! Criterion benchmarks of the `ua-tensor` hot kernels, in `f32`.
//!
//! Run with `cargo bench -p ua-tensor --bench kernels`; figures are recorded
//! in `docs/bench-notes/tensor.md`. Each benchmark keeps a short warm-up and
//! measurement so the whole run takes well under two minutes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ua_tensor::activation::{Activation, bias_add_activate};
use ua_tensor::distance::{nearest_rows, pairwise_sq_distances};
use ua_tensor::gemm::{Implementation, Trans, gemm_into, gemm_into_with};
use ua_tensor::linalg::{Cholesky, cholesky_lower, gram_matrix, spd_inverse};
use ua_tensor::ndarray::{Array1, Array2};
use ua_tensor::rand::rngs::SmallRng;
use ua_tensor::rand::{Rng, SeedableRng};
use ua_tensor::sparse::CsrMatrix;
use ua_tensor::stable::softmax_rows_inplace;
use ua_tensor::topk::top_k;

fn random_matrix(rng: &mut SmallRng, rows: usize, cols: usize) -> Array2<f32> {
    Array2::from_shape_simple_fn((rows, cols), || rng.random_range(-1.0f32..1.0))
}

/// One product of the 16→64→32→1 MLP's training step: `op(a)·op(b)` with
/// `a` stored `a_shape`, `b` stored `b_shape`.
struct Product {
    what: &'static str,
    a_shape: (usize, usize),
    ta: Trans,
    b_shape: (usize, usize),
    tb: Trans,
}

fn mlp_products(batch: usize) -> Vec<Product> {
    vec![
        // forward x·W
        Product {
            what: "fwd_x.W_16x64",
            a_shape: (batch, 16),
            ta: Trans::No,
            b_shape: (16, 64),
            tb: Trans::No,
        },
        Product {
            what: "fwd_x.W_64x32",
            a_shape: (batch, 64),
            ta: Trans::No,
            b_shape: (64, 32),
            tb: Trans::No,
        },
        Product {
            what: "fwd_x.W_32x1",
            a_shape: (batch, 32),
            ta: Trans::No,
            b_shape: (32, 1),
            tb: Trans::No,
        },
        // weight gradient xᵀ·g: (16×batch)·(batch×64)
        Product {
            what: "bwd_xT.g_16x64",
            a_shape: (batch, 16),
            ta: Trans::Yes,
            b_shape: (batch, 64),
            tb: Trans::No,
        },
        // input gradient g·Wᵀ: (batch×64)·(64×16), W stored 16×64
        Product {
            what: "bwd_g.WT_64x16",
            a_shape: (batch, 64),
            ta: Trans::No,
            b_shape: (16, 64),
            tb: Trans::Yes,
        },
    ]
}

fn bench_gemm(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(1);
    let mut group = c.benchmark_group("gemm_into");
    for batch in [32usize, 256] {
        for p in mlp_products(batch) {
            let a = random_matrix(&mut rng, p.a_shape.0, p.a_shape.1);
            let b = random_matrix(&mut rng, p.b_shape.0, p.b_shape.1);
            let (m, k) = match p.ta {
                Trans::No => p.a_shape,
                Trans::Yes => (p.a_shape.1, p.a_shape.0),
            };
            let n = match p.tb {
                Trans::No => p.b_shape.1,
                Trans::Yes => p.b_shape.0,
            };
            let mut out = Array2::<f32>::zeros((m, n));
            group.throughput(Throughput::Elements((2 * m * k * n) as u64));
            let id = format!("b{batch}/{}/{m}x{k}x{n}", p.what);
            group.bench_function(id, |bch| {
                bch.iter(|| {
                    gemm_into(
                        1.0,
                        black_box(a.view()),
                        p.ta,
                        black_box(b.view()),
                        p.tb,
                        0.0,
                        out.view_mut(),
                    )
                    .unwrap();
                })
            });
        }
    }
    group.finish();
}

/// One product: `(name, a_shape, ta, b_shape, tb)`.
type NamedProduct = (String, (usize, usize), Trans, (usize, usize), Trans);

/// Every product of one training step of the 16→64→32→1 network, oriented
/// as `ua-nn`'s Dense layer calls them.
fn all_mlp_products(batch: usize) -> Vec<NamedProduct> {
    let mut v = Vec::new();
    for (i, o) in [(16usize, 64usize), (64, 32), (32, 1)] {
        v.push((
            format!("fwd_x.W_{i}x{o}"),
            (batch, i),
            Trans::No,
            (i, o),
            Trans::No,
        ));
        v.push((
            format!("bwd_xT.g_{i}x{o}"),
            (batch, i),
            Trans::Yes,
            (batch, o),
            Trans::No,
        ));
        v.push((
            format!("bwd_g.WT_{o}x{i}"),
            (batch, o),
            Trans::No,
            (i, o),
            Trans::Yes,
        ));
    }
    v
}

/// Runs `op(a)·op(b)` on one implementation, reporting FLOP/s.
fn bench_product(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: String,
    imp: Implementation,
    a: &Array2<f32>,
    ta: Trans,
    b: &Array2<f32>,
    tb: Trans,
) {
    let m = if ta == Trans::No {
        a.nrows()
    } else {
        a.ncols()
    };
    let k = if ta == Trans::No {
        a.ncols()
    } else {
        a.nrows()
    };
    let n = if tb == Trans::No {
        b.ncols()
    } else {
        b.nrows()
    };
    let mut out = Array2::<f32>::zeros((m, n));
    group.throughput(Throughput::Elements((2 * m * k * n) as u64));
    group.bench_function(id, |bch| {
        bch.iter(|| {
            gemm_into_with(
                imp,
                1.0,
                black_box(a.view()),
                ta,
                black_box(b.view()),
                tb,
                0.0,
                out.view_mut(),
            )
            .unwrap();
        })
    });
}

/// The small kernels (`Auto`) against `matrixmultiply` (`Large`, what
/// `gemm_into` used before) on every product of the training step, and
/// both on square-ish products of growing size, which is how the
/// thresholds `SMALL_MAX_N` / `SMALL_MAX_KN` were measured. "Elements" in
/// the throughput are flops.
fn bench_gemm_paths(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(3);
    let mut group = c.benchmark_group("gemm_paths");
    for batch in [32usize, 256] {
        for (what, a_shape, ta, b_shape, tb) in all_mlp_products(batch) {
            let a = random_matrix(&mut rng, a_shape.0, a_shape.1);
            let b = random_matrix(&mut rng, b_shape.0, b_shape.1);
            for (name, imp) in [
                ("large", Implementation::Large),
                ("auto", Implementation::Auto),
            ] {
                let id = format!("b{batch}/{what}/{name}");
                bench_product(&mut group, id, imp, &a, ta, &b, tb);
            }
        }
    }
    for (m, k, n) in [
        (256, 64, 64),
        (256, 128, 128),
        (256, 256, 256),
        (256, 512, 256),
        (512, 512, 512),
    ] {
        let a = random_matrix(&mut rng, m, k);
        let b = random_matrix(&mut rng, k, n);
        for (name, imp) in [
            ("large", Implementation::Large),
            ("small", Implementation::Small),
        ] {
            let id = format!("square/{m}x{k}x{n}/{name}");
            bench_product(&mut group, id, imp, &a, Trans::No, &b, Trans::No);
        }
    }
    group.finish();
}

fn bench_elementwise(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(2);
    let z0 = random_matrix(&mut rng, 256, 64);
    let bias = Array1::from_shape_simple_fn(64, || rng.random_range(-0.5f32..0.5));
    let mut group = c.benchmark_group("bias_add_activate_256x64");
    for (name, act) in [("relu", Activation::Relu), ("sigmoid", Activation::Sigmoid)] {
        group.bench_function(name, |bch| {
            bch.iter_batched_ref(
                || z0.clone(),
                |z| bias_add_activate(z.view_mut(), black_box(bias.view()), act).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let logits = random_matrix(&mut rng, 4096, 10).mapv(|v| v * 5.0);
    c.bench_function("softmax_rows_inplace_4096x10", |bch| {
        bch.iter_batched_ref(
            || logits.clone(),
            |x| softmax_rows_inplace(x.view_mut()),
            BatchSize::SmallInput,
        )
    });
}

fn bench_distance(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(3);
    let x = random_matrix(&mut rng, 4096, 8);
    let centres = random_matrix(&mut rng, 8, 8);
    c.bench_function("pairwise_sq_distances_4096x8_vs_8", |bch| {
        bch.iter(|| pairwise_sq_distances(black_box(x.view()), black_box(centres.view())).unwrap())
    });
    let big = random_matrix(&mut rng, 200_000, 8);
    let mut group = c.benchmark_group("nearest_rows_200000x8_vs_8");
    for (name, parallel) in [("serial", false), ("parallel", true)] {
        group.bench_function(name, |bch| {
            bch.iter(|| {
                nearest_rows(black_box(big.view()), black_box(centres.view()), parallel).unwrap()
            })
        });
    }
    group.finish();
}

fn bench_topk_sparse(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(4);
    let scores: Vec<f32> = (0..100_000).map(|_| rng.random::<f32>()).collect();
    c.bench_function("top_k_100000_k10", |bch| {
        bch.iter(|| top_k(black_box(&scores), 10))
    });

    // 1,000,000 interactions of 50,000 users with 20,000 items, unsorted,
    // with the duplicates random sampling produces.
    let (n_users, n_items, nnz) = (50_000usize, 20_000usize, 1_000_000usize);
    let rows: Vec<usize> = (0..nnz).map(|_| rng.random_range(0..n_users)).collect();
    let cols: Vec<usize> = (0..nnz).map(|_| rng.random_range(0..n_items)).collect();
    let vals: Vec<f32> = (0..nnz).map(|_| rng.random_range(1.0f32..5.0)).collect();
    c.bench_function("csr_from_triplets_1M", |bch| {
        bch.iter(|| {
            CsrMatrix::from_triplets(
                n_users,
                n_items,
                black_box(&rows),
                black_box(&cols),
                black_box(&vals),
            )
            .unwrap()
        })
    });
}

/// A symmetric positive-definite `n × n` matrix: `MᵀM/n + I` for a random
/// `n × n` matrix `M`.
fn spd_matrix(rng: &mut SmallRng, n: usize) -> Array2<f64> {
    let m = random_matrix(rng, n, n).mapv(f64::from);
    let mut a = gram_matrix(m.view()) / n as f64;
    a.diag_mut().mapv_inplace(|v| v + 1.0);
    a
}

/// The blocked Cholesky factor and SPD inverse (f64) against the direct
/// row-by-row factor, and one size of EASE's scale on its own.
fn bench_linalg(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(11);
    let mut g = c.benchmark_group("linalg");
    g.sample_size(10);
    for n in [512, 1536] {
        let a = spd_matrix(&mut rng, n);
        g.bench_function(format!("cholesky_blocked_{n}_f64"), |b| {
            b.iter_batched(
                || a.clone(),
                |mut a| cholesky_lower(&mut a).unwrap(),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(format!("spd_inverse_blocked_{n}_f64"), |b| {
            b.iter(|| spd_inverse(black_box(a.view())).unwrap())
        });
        if n == 512 {
            let flat: Vec<f64> = a.iter().copied().collect();
            g.bench_function(format!("cholesky_direct_{n}_f64"), |b| {
                b.iter(|| Cholesky::factor(black_box(&flat), n).unwrap())
            });
            // The inverse the direct way: the factor, then one solve per column.
            g.bench_function(format!("spd_inverse_direct_{n}_f64"), |b| {
                b.iter(|| {
                    let ch = Cholesky::factor(black_box(&flat), n).unwrap();
                    let mut inv = vec![0.0; n * n];
                    for (j, col) in inv.chunks_mut(n).enumerate() {
                        col[j] = 1.0;
                        ch.solve_in_place(col).unwrap();
                    }
                    inv
                })
            });
        }
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .nresamples(20_000)
        .without_plots()
}

criterion_group! {
    name = kernels;
    config = config();
    targets = bench_gemm, bench_gemm_paths, bench_elementwise, bench_distance, bench_topk_sparse, bench_linalg
}
criterion_main!(kernels);
