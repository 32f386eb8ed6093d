//! Cross-module checks of the reduction, distance, top-k and sparse kernels:
//! the `f32` and `f64` instantiations agree, and the kernels agree with each
//! other where they compute the same quantity in different ways.

use approx::assert_abs_diff_eq;
use ua_tensor::distance::{nearest_rows, pairwise_sq_distances, sq_euclidean};
use ua_tensor::gemm::{Trans, matmul};
use ua_tensor::ndarray::{Array2, Axis};
use ua_tensor::rand::rngs::SmallRng;
use ua_tensor::rand::{Rng, SeedableRng};
use ua_tensor::reduce::{Variance, argmax_rows, column_mean_var, row_sq_norms, sum_rows};
use ua_tensor::sparse::CsrMatrix;
use ua_tensor::topk::{top_k, top_k_rows};

fn data(seed: u64, n: usize, d: usize) -> Array2<f64> {
    let mut rng = SmallRng::seed_from_u64(seed);
    Array2::from_shape_simple_fn((n, d), || rng.random_range(-3.0..3.0))
}

#[test]
fn reductions_agree_between_f32_and_f64() {
    let x64 = data(7, 300, 11);
    let x32 = x64.mapv(|v| v as f32);
    let (s64, s32) = (sum_rows(x64.view()), sum_rows(x32.view()));
    let (m64, v64) = column_mean_var(x64.view(), Variance::Sample).unwrap();
    let (m32, v32) = column_mean_var(x32.view(), Variance::Sample).unwrap();
    for j in 0..11 {
        assert_abs_diff_eq!(s32[j] as f64, s64[j], epsilon = 1e-3);
        assert_abs_diff_eq!(m32[j] as f64, m64[j], epsilon = 1e-5);
        assert_abs_diff_eq!(v32[j] as f64, v64[j], epsilon = 1e-4);
        // Same numbers from ndarray's own reductions.
        assert_abs_diff_eq!(s64[j], x64.sum_axis(Axis(0))[j], epsilon = 1e-10);
        assert_abs_diff_eq!(v64[j], x64.var_axis(Axis(0), 1.0)[j], epsilon = 1e-10);
    }
    let (n64, n32) = (row_sq_norms(x64.view()), row_sq_norms(x32.view()));
    for i in 0..300 {
        assert_abs_diff_eq!(n32[i] as f64, n64[i], epsilon = 1e-3);
    }
}

#[test]
fn distance_kernels_agree_with_each_other_and_across_precisions() {
    let x64 = data(1, 520, 6);
    let y64 = data(2, 40, 6);
    let x32 = x64.mapv(|v| v as f32);
    let y32 = y64.mapv(|v| v as f32);
    let d64 = pairwise_sq_distances(x64.view(), y64.view()).unwrap();
    let d32 = pairwise_sq_distances(x32.view(), y32.view()).unwrap();
    // Pairwise = per-pair slice distance.
    for i in (0..520).step_by(13) {
        for j in 0..40 {
            let xi = x64.row(i).to_vec();
            let yj = y64.row(j).to_vec();
            assert_abs_diff_eq!(d64[[i, j]], sq_euclidean(&xi, &yj).unwrap(), epsilon = 1e-9);
            assert_abs_diff_eq!(d32[[i, j]] as f64, d64[[i, j]], epsilon = 1e-3);
        }
    }
    // Nearest rows = argmin of the pairwise matrix (random data: no ties).
    let neg = d64.mapv(|v| -v);
    let want = argmax_rows(neg.view()).unwrap();
    for parallel in [false, true] {
        let (i64_, n64) = nearest_rows(x64.view(), y64.view(), parallel).unwrap();
        let (i32_, n32) = nearest_rows(x32.view(), y32.view(), parallel).unwrap();
        assert_eq!(i64_, want);
        assert_eq!(i32_, want);
        for i in 0..520 {
            assert_eq!(n64[i], d64[[i, want[i]]]);
            assert_abs_diff_eq!(n32[i] as f64, n64[i], epsilon = 1e-3);
        }
    }
    // Top-1 of the negated distances is the nearest row too.
    let (best, _) = top_k_rows(neg.view(), 1);
    assert_eq!(best.column(0), want);
}

#[test]
fn sparse_products_agree_with_dense_products() {
    let mut rng = SmallRng::seed_from_u64(3);
    let (n, m, nnz) = (60usize, 45usize, 700usize);
    let rows: Vec<usize> = (0..nnz).map(|_| rng.random_range(0..n)).collect();
    let cols: Vec<usize> = (0..nnz).map(|_| rng.random_range(0..m)).collect();
    let vals: Vec<f64> = (0..nnz).map(|_| rng.random_range(1.0..5.0)).collect();
    let a = CsrMatrix::from_triplets(n, m, &rows, &cols, &vals).unwrap();
    let dense = a.to_dense();
    // Duplicates merged, nothing dropped: the total survives.
    assert_abs_diff_eq!(dense.sum(), vals.iter().sum::<f64>(), epsilon = 1e-9);
    assert!(a.nnz() < nnz);
    let b = data(4, m, 5);
    let want = matmul(dense.view(), Trans::No, b.view(), Trans::No).unwrap();
    let got = a.mul_dense(b.view()).unwrap();
    for (g, w) in got.iter().zip(want.iter()) {
        assert_abs_diff_eq!(*g, *w, epsilon = 1e-9);
    }
    // Aᵀ·B' through the transpose matches the dense transpose product.
    let c = data(5, n, 3);
    let got_t = a.transpose().mul_dense(c.view()).unwrap();
    let want_t = matmul(dense.view(), Trans::Yes, c.view(), Trans::No).unwrap();
    for (g, w) in got_t.iter().zip(want_t.iter()) {
        assert_abs_diff_eq!(*g, *w, epsilon = 1e-9);
    }
    // f32 copy agrees.
    let a_same = a.map_values(|v| v);
    let vals32: Vec<f32> = vals.iter().map(|&v| v as f32).collect();
    let b32 = CsrMatrix::from_triplets(n, m, &rows, &cols, &vals32).unwrap();
    assert_eq!(b32.indptr(), a_same.indptr());
    assert_eq!(b32.indices(), a_same.indices());
    for (x, y) in b32.data().iter().zip(a_same.data()) {
        assert_abs_diff_eq!(*x as f64, *y, epsilon = 1e-4);
    }
    // Recommending from a score row: the best unseen items by top_k.
    let scores = got.column(0).to_vec();
    let top = top_k(&scores, 3);
    let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(top[0].1, max);
}
