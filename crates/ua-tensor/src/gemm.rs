//! Matrix products into preallocated outputs.
//!
//! Training calls the same three product shapes every step (`x·W`, `xᵀ·g`,
//! `g·Wᵀ`); [`gemm_into`] writes each into a buffer the caller owns, so the
//! loop allocates nothing. The products go to `ndarray::linalg::general_mat_mul`
//! (the `matrixmultiply` crate, with its AVX-512 kernels switched on by this
//! workspace), which reads transposed operands through their strides without
//! copying them.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use crate::error::shape_mismatch;
use crate::{Result, Scalar};

/// Whether an operand of [`gemm_into`] is used as stored or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trans {
    /// Use the matrix as stored.
    No,
    /// Use the transpose of the matrix (a stride swap, no copy).
    Yes,
}

fn oriented<'a, S>(m: ArrayView2<'a, S>, t: Trans) -> ArrayView2<'a, S> {
    match t {
        Trans::No => m,
        Trans::Yes => m.reversed_axes(),
    }
}

/// `c ← alpha · op(a) · op(b) + beta · c`, where `op` transposes when asked.
///
/// With `beta == 0` the old contents of `c` are not read (NaN in `c` does not
/// leak into the result). Returns an error, not a panic, when the shapes do
/// not fit.
///
/// ```
/// use ndarray::{array, Array2};
/// use ua_tensor::gemm::{gemm_into, Trans};
/// let a = array![[1.0f32, 2.0], [3.0, 4.0]];
/// let b = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]]; // 3×2, used transposed
/// let mut c = Array2::zeros((2, 3));
/// gemm_into(1.0, a.view(), Trans::No, b.view(), Trans::Yes, 0.0, c.view_mut()).unwrap();
/// assert_eq!(c, array![[1.0, 2.0, 3.0], [3.0, 4.0, 7.0]]);
/// ```
pub fn gemm_into<S: Scalar>(
    alpha: S,
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
    beta: S,
    mut c: ArrayViewMut2<'_, S>,
) -> Result<()> {
    let a = oriented(a, ta);
    let b = oriented(b, tb);
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    if k != k2 {
        return Err(shape_mismatch(
            "matrix product",
            format!("right operand with {k} rows"),
            format!("{k2} rows ({k2}×{n})"),
        ));
    }
    if c.dim() != (m, n) {
        return Err(shape_mismatch("matrix product output", (m, n), c.dim()));
    }
    if beta == S::zero() {
        // general_mat_mul treats beta == 0 as "do not read c" only on some
        // paths; make it explicit so stale NaNs never survive.
        if k == 0 {
            c.fill(S::zero());
            return Ok(());
        }
    }
    general_mat_mul(alpha, &a, &b, beta, &mut c);
    Ok(())
}

/// `op(a) · op(b)` into a new matrix.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::gemm::{matmul, Trans};
/// let a = array![[1.0f64, 2.0], [3.0, 4.0]];
/// let c = matmul(a.view(), Trans::Yes, a.view(), Trans::No).unwrap(); // aᵀa
/// assert_eq!(c, array![[10.0, 14.0], [14.0, 20.0]]);
/// ```
pub fn matmul<S: Scalar>(
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
) -> Result<Array2<S>> {
    let m = oriented(a.view(), ta).nrows();
    let n = oriented(b.view(), tb).ncols();
    let mut c = Array2::zeros((m, n));
    gemm_into(S::one(), a, ta, b, tb, S::zero(), c.view_mut())?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn all_transpose_combinations_match_naive() {
        let a = array![[1.0f64, -2.0, 0.5], [3.0, 4.0, -1.0]]; // 2×3
        let b = array![[2.0f64, 1.0], [0.0, -1.0], [1.5, 3.0]]; // 3×2
        let want = a.dot(&b);
        let c = matmul(a.view(), Trans::No, b.view(), Trans::No).unwrap();
        assert_eq!(c, want);
        let at = a.t().to_owned();
        let bt = b.t().to_owned();
        assert_eq!(
            matmul(at.view(), Trans::Yes, b.view(), Trans::No).unwrap(),
            want
        );
        assert_eq!(
            matmul(a.view(), Trans::No, bt.view(), Trans::Yes).unwrap(),
            want
        );
        assert_eq!(
            matmul(at.view(), Trans::Yes, bt.view(), Trans::Yes).unwrap(),
            want
        );
    }

    #[test]
    fn accumulates_with_beta_and_ignores_stale_nan_with_beta_zero() {
        let a = array![[1.0f32, 2.0]];
        let b = array![[3.0f32], [4.0]];
        let mut c = array![[1.0f32]];
        gemm_into(
            2.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::No,
            1.0,
            c.view_mut(),
        )
        .unwrap();
        assert_eq!(c[[0, 0]], 23.0);
        let mut c = array![[f32::NAN]];
        gemm_into(
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::No,
            0.0,
            c.view_mut(),
        )
        .unwrap();
        assert_eq!(c[[0, 0]], 11.0);
    }

    #[test]
    fn agrees_with_the_naive_product_for_every_layout_alpha_and_beta() {
        let mut seed = 1u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        };
        for &(m, k, n) in &[
            (32, 16, 64),
            (32, 64, 1),
            (1, 32, 1),
            (5, 3, 7),
            (17, 33, 2),
            (256, 64, 16),
        ] {
            for ta in [Trans::No, Trans::Yes] {
                for tb in [Trans::No, Trans::Yes] {
                    let a_shape = if ta == Trans::No { (m, k) } else { (k, m) };
                    let b_shape = if tb == Trans::No { (k, n) } else { (n, k) };
                    let a = Array2::from_shape_fn(a_shape, |_| next());
                    let b = Array2::from_shape_fn(b_shape, |_| next());
                    let c0 = Array2::from_shape_fn((m, n), |_| next());
                    let (ao, bo) = (oriented(a.view(), ta), oriented(b.view(), tb));
                    let want = Array2::from_shape_fn((m, n), |(i, j)| {
                        0.3 * c0[[i, j]]
                            + 0.7 * (0..k).map(|p| ao[[i, p]] * bo[[p, j]]).sum::<f64>()
                    });
                    let mut c = c0.clone();
                    gemm_into(0.7, a.view(), ta, b.view(), tb, 0.3, c.view_mut()).unwrap();
                    for (x, y) in c.iter().zip(want.iter()) {
                        assert!(
                            (x - y).abs() < 1e-12,
                            "{m}×{k}×{n} {ta:?} {tb:?}: {x} vs {y}"
                        );
                    }
                    let mut c32 = c0.mapv(|v| v as f32);
                    let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
                    gemm_into(0.7, a32.view(), ta, b32.view(), tb, 0.3, c32.view_mut()).unwrap();
                    for (x, y) in c32.iter().zip(want.iter()) {
                        assert!(
                            (*x as f64 - y).abs() < 1e-4,
                            "f32 {m}×{k}×{n} {ta:?} {tb:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn shape_errors_name_the_sizes() {
        let a = Array2::<f32>::zeros((2, 3));
        let b = Array2::<f32>::zeros((2, 3));
        let e = matmul(a.view(), Trans::No, b.view(), Trans::No).unwrap_err();
        assert!(e.to_string().contains("3 rows"), "{e}");
        let mut c = Array2::<f32>::zeros((3, 3));
        let e = gemm_into(
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::Yes,
            0.0,
            c.view_mut(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("(2, 2)"), "{e}");
    }
}
