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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hundredth_row_is_shifted_by_three_in_its_first_three_columns() {
        let (x, y) = planted_anomalies(250, 5, 9).unwrap();
        // The same draws without the shift.
        let mut rng = StdRng::seed_from_u64(9);
        let base: Array2<f32> =
            Array2::from_shape_simple_fn((250, 5), || StandardNormal.sample(&mut rng));
        for i in 0..250 {
            assert_eq!(y[i], u8::from(i % 100 == 0), "row {i}");
            for j in 0..5 {
                let shift = if i % 100 == 0 && j < 3 { 3.0 } else { 0.0 };
                assert_eq!(x[[i, j]], base[[i, j]] + shift, "row {i}, column {j}");
            }
        }
        // With fewer than three columns, all of them are shifted.
        let (narrow, _) = planted_anomalies(101, 2, 9).unwrap();
        let mut rng = StdRng::seed_from_u64(9);
        let base: Array2<f32> =
            Array2::from_shape_simple_fn((101, 2), || StandardNormal.sample(&mut rng));
        assert_eq!(narrow[[0, 0]], base[[0, 0]] + 3.0);
        assert_eq!(narrow[[100, 1]], base[[100, 1]] + 3.0);
        assert_eq!(narrow[[99, 1]], base[[99, 1]]);
    }

    #[test]
    fn no_rows_or_no_columns_is_an_error() {
        for (rows, dims) in [(0, 3), (10, 0), (0, 0)] {
            let e = planted_anomalies(rows, dims, 1).unwrap_err().to_string();
            assert!(
                e.contains(&format!(
                    "needs at least one row and one column, got {rows} × {dims}"
                )),
                "{e}"
            );
        }
    }
}
