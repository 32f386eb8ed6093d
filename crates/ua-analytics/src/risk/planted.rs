//! A seeded data set with planted anomalies, for tests, benchmarks and
//! side-by-side runs against other tools.

use ndarray::{Array2, s};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::{Error, Result};

/// `rows` × `dims` standard normal values where every 100th row
/// (`i % 100 == 0`) is shifted by +3 in its first three columns (fewer when
/// `dims < 3`): the planted anomalies, labelled 1.
///
/// ```
/// use ua_analytics::risk::planted_anomalies;
/// let (x, y) = planted_anomalies(1_000, 16, 42).unwrap();
/// assert_eq!((x.dim(), y.iter().filter(|&&v| v == 1).count()), ((1_000, 16), 10));
/// assert_eq!((y[0], y[1], y[100]), (1, 0, 1));
/// assert!(planted_anomalies(10, 0, 1).is_err());
/// ```
pub fn planted_anomalies(rows: usize, dims: usize, seed: u64) -> Result<(Array2<f32>, Vec<u8>)> {
    const OP: &str = "planted_anomalies";
    if rows == 0 || dims == 0 {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!("needs at least one row and one column, got {rows} × {dims}"),
        });
    }
    let count = ua_tensor::budget::elements(OP, &[rows, dims])?;
    ua_tensor::budget::check_allocation(OP, "the points", count, 4)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::from_shape_simple_fn((rows, dims), || StandardNormal.sample(&mut rng));
    let mut y = vec![0u8; rows];
    let shifted = dims.min(3);
    for i in (0..rows).step_by(100) {
        y[i] = 1;
        x.slice_mut(s![i, ..shifted]).mapv_inplace(|v| v + 3.0);
    }
    Ok((x, y))
}
