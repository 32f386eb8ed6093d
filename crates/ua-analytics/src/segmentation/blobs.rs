//! A seeded mixture of isotropic Gaussians with known labels, for tests,
//! benchmarks and examples (the generator of `examples/kmeans_bench.rs`).

use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use ua_tensor::Scalar;

use crate::{Error, Result};

/// `n` points in `d` dimensions from `centers` Gaussians, with their labels.
///
/// The generator, fixed so that figures can be reproduced:
/// 1. `rng = StdRng::seed_from_u64(seed)` (ChaCha12);
/// 2. the `centers × d` centre coordinates are drawn, row by row, uniformly
///    from `[−center_box, center_box)`;
/// 3. point `i` (in order) belongs to component `i mod centers`; its
///    coordinates are the centre's plus `std · N(0, 1)` draws, one per
///    dimension, in order.
///
/// Values are generated in `f64` and rounded to `S`.
///
/// ```
/// use ua_analytics::segmentation::gaussian_blobs;
/// let (x, y) = gaussian_blobs::<f32>(10, 3, 2, 1.0, 10.0, 42).unwrap();
/// assert_eq!(x.dim(), (10, 3));
/// assert_eq!(y.to_vec(), vec![0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
/// assert!(gaussian_blobs::<f64>(10, 3, 0, 1.0, 10.0, 42).is_err());
/// assert!(gaussian_blobs::<f64>(usize::MAX, 3, 2, 1.0, 10.0, 42).is_err());
/// ```
pub fn gaussian_blobs<S: Scalar>(
    n: usize,
    d: usize,
    centers: usize,
    std: f64,
    center_box: f64,
    seed: u64,
) -> Result<(Array2<S>, Array1<usize>)> {
    const OP: &str = "gaussian_blobs";
    if n == 0 || d == 0 || centers == 0 {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!(
                "n, d and centers must be at least 1, found n = {n}, d = {d}, centers = {centers}"
            ),
        });
    }
    if !(std.is_finite() && std >= 0.0 && center_box.is_finite() && center_box > 0.0) {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!(
                "std must be finite and ≥ 0 and center_box finite and > 0, found std = {std}, center_box = {center_box}"
            ),
        });
    }
    let fits = |a: usize, b: usize| {
        a.checked_mul(b)
            .and_then(|v| v.checked_mul(std::mem::size_of::<f64>()))
            .is_some_and(|bytes| bytes <= isize::MAX as usize)
    };
    if !(fits(n, d) && fits(centers, d)) {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!(
                "n × d = {n} × {d} and centers × d = {centers} × {d} must fit in memory"
            ),
        });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let c: Vec<f64> = (0..centers * d)
        .map(|_| rng.random_range(-center_box..center_box))
        .collect();
    let mut x = Array2::<S>::zeros((n, d));
    let mut y = Array1::<usize>::zeros(n);
    for (i, (mut row, label)) in x.rows_mut().into_iter().zip(y.iter_mut()).enumerate() {
        let l = i % centers;
        *label = l;
        for (t, v) in row.iter_mut().enumerate() {
            let z: f64 = rng.sample(StandardNormal);
            *v = S::lit(c[l * d + t] + std * z);
        }
    }
    Ok((x, y))
}
