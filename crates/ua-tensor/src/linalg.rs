//! Dense linear solves for the small symmetric systems the models build:
//! Newton steps of logistic regression (p × p Hessians), and the per-user
//! least-squares solves of matrix factorisation.
//!
//! [`Cholesky`] factors a symmetric positive-definite matrix `A = L·Lᵀ`
//! once and solves `A·x = b` for any number of right-hand sides; a matrix
//! that is not numerically positive definite is an error, never a NaN
//! answer. [`solve_spd_with_jitter`] retries with a growing ridge `A + δ·I`
//! for near-singular systems and reports the δ it needed.
//!
//! ```
//! use ua_tensor::linalg::Cholesky;
//! // A = [[4, 2], [2, 3]], b = [2, 1] → x = [0.5, 0]
//! let chol = Cholesky::factor(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
//! let mut b = [2.0, 1.0];
//! chol.solve_in_place(&mut b).unwrap();
//! assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12);
//! ```

use crate::error::{Error, Result};

/// The Cholesky factor `L` (lower triangular, row-major p × p) of a
/// symmetric positive-definite matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Cholesky {
    l: Vec<f64>,
    p: usize,
}

impl Cholesky {
    /// Factors the row-major `p × p` matrix `a` (only its lower triangle is
    /// read).
    ///
    /// Errors: `a.len() != p·p`, or a pivot that is not positive and finite
    /// (the matrix is not numerically positive definite); the error names
    /// the pivot.
    ///
    /// ```
    /// use ua_tensor::linalg::Cholesky;
    /// assert!(Cholesky::factor(&[1.0, 2.0, 2.0, 1.0], 2).is_err()); // indefinite
    /// let c = Cholesky::factor(&[9.0], 1).unwrap();
    /// assert_eq!(c.factor_matrix(), &[3.0]);
    /// ```
    pub fn factor(a: &[f64], p: usize) -> Result<Cholesky> {
        let mut l = a.to_vec();
        factor_in_place(&mut l, p)?;
        Ok(Cholesky { l, p })
    }

    /// The order `p` of the matrix.
    ///
    /// ```
    /// assert_eq!(ua_tensor::linalg::Cholesky::factor(&[2.0], 1).unwrap().order(), 1);
    /// ```
    pub fn order(&self) -> usize {
        self.p
    }

    /// The factor `L`, row-major; entries above the diagonal are left as
    /// they were in the input.
    ///
    /// ```
    /// use ua_tensor::linalg::Cholesky;
    /// let c = Cholesky::factor(&[4.0, 0.0, 2.0, 2.0], 2).unwrap();
    /// assert_eq!(c.factor_matrix()[..1], [2.0]); // √4
    /// assert_eq!(c.factor_matrix()[2..], [1.0, 1.0]); // 2/2, √(2 − 1)
    /// ```
    pub fn factor_matrix(&self) -> &[f64] {
        &self.l
    }

    /// Solves `A·x = b`, overwriting `b` with `x`.
    ///
    /// ```
    /// use ua_tensor::linalg::Cholesky;
    /// let c = Cholesky::factor(&[4.0, 0.0, 0.0, 16.0], 2).unwrap();
    /// let mut b = [1.0, 1.0];
    /// c.solve_in_place(&mut b).unwrap();
    /// assert_eq!(b, [0.25, 0.0625]); // exact in binary
    /// assert!(c.solve_in_place(&mut [1.0]).is_err());
    /// ```
    pub fn solve_in_place(&self, b: &mut [f64]) -> Result<()> {
        if b.len() != self.p {
            return Err(Error::ShapeMismatch {
                op: "cholesky solve",
                expected: format!("a right-hand side of length {}", self.p),
                found: format!("length {}", b.len()),
            });
        }
        solve_factored(&self.l, self.p, b);
        Ok(())
    }
}

/// Factors in place: the lower triangle of `a` becomes `L`.
fn factor_in_place(a: &mut [f64], p: usize) -> Result<()> {
    let square = p.checked_mul(p);
    if square != Some(a.len()) {
        return Err(Error::ShapeMismatch {
            op: "cholesky",
            expected: format!("{p} × {p} values"),
            found: format!("{} values", a.len()),
        });
    }
    for j in 0..p {
        let mut diag = a[j * p + j];
        for k in 0..j {
            diag -= a[j * p + k] * a[j * p + k];
        }
        if !(diag > 0.0 && diag.is_finite()) {
            return Err(Error::InvalidArgument {
                op: "cholesky",
                message: format!("the matrix is not positive definite (pivot {j} is {diag})"),
            });
        }
        let ljj = diag.sqrt();
        a[j * p + j] = ljj;
        for i in j + 1..p {
            let mut v = a[i * p + j];
            for k in 0..j {
                v -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = v / ljj;
        }
    }
    Ok(())
}

/// Forward then backward substitution with the factor `l`.
fn solve_factored(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let mut v = b[i];
        for k in 0..i {
            v -= l[i * p + k] * b[k];
        }
        b[i] = v / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut v = b[i];
        for k in i + 1..p {
            v -= l[k * p + i] * b[k];
        }
        b[i] = v / l[i * p + i];
    }
}

/// Solves the symmetric system `a·x = b` (row-major `p × p`), adding a
/// ridge `δ·I` when `a` is not numerically positive definite: δ starts at
/// `1e-12 · max(1e-12, largest diagonal entry)` and grows ×100 up to 11
/// times. Returns the solution and the δ used (0 when none was needed).
///
/// Errors: wrong lengths (of `a` or `b`), non-finite entries, or a matrix that stays
/// indefinite even with the largest ridge.
///
/// ```
/// use ua_tensor::linalg::solve_spd_with_jitter;
/// // Singular: [[1, 1], [1, 1]]; the ridge makes it solvable.
/// let (x, delta) = solve_spd_with_jitter(&[1.0, 1.0, 1.0, 1.0], 2, &[2.0, 2.0]).unwrap();
/// assert!(delta > 0.0);
/// assert!((x[0] + x[1] - 2.0).abs() < 1e-6);
/// let (x, delta) = solve_spd_with_jitter(&[4.0], 1, &[8.0]).unwrap();
/// assert_eq!((x, delta), (vec![2.0], 0.0));
/// ```
pub fn solve_spd_with_jitter(a: &[f64], p: usize, b: &[f64]) -> Result<(Vec<f64>, f64)> {
    if p.checked_mul(p) != Some(a.len()) {
        return Err(Error::ShapeMismatch {
            op: "solve_spd_with_jitter",
            expected: format!("{p} × {p} matrix values"),
            found: format!("{} values", a.len()),
        });
    }
    if b.len() != p {
        return Err(Error::ShapeMismatch {
            op: "solve_spd_with_jitter",
            expected: format!("a right-hand side of length {p}"),
            found: format!("length {}", b.len()),
        });
    }
    if let Some(i) = a.iter().chain(b).position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            op: "solve_spd_with_jitter",
            position: if i < a.len() {
                format!("matrix entry {i}")
            } else {
                format!("right-hand side entry {}", i - a.len())
            },
            value: a
                .iter()
                .chain(b)
                .nth(i)
                .map_or_else(String::new, f64::to_string),
        });
    }
    let max_diag = (0..p).fold(0.0f64, |m, i| m.max(a[i * p + i]));
    let mut delta = 0.0;
    let mut work = a.to_vec();
    for attempt in 0..12 {
        if attempt > 0 {
            delta = if attempt == 1 {
                1e-12 * max_diag.max(1e-12)
            } else {
                delta * 100.0
            };
            work.copy_from_slice(a);
            for i in 0..p {
                work[i * p + i] += delta;
            }
        }
        if factor_in_place(&mut work, p).is_ok() {
            let mut x = b.to_vec();
            solve_factored(&work, p, &mut x);
            return Ok((x, delta));
        }
    }
    Err(Error::InvalidArgument {
        op: "solve_spd_with_jitter",
        message: format!("the matrix stays indefinite with a ridge of {delta}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A = M·Mᵀ + I for a fixed M: symmetric positive definite.
    fn spd(p: usize) -> Vec<f64> {
        let m: Vec<f64> = (0..p * p)
            .map(|i| ((i * 7 + 3) % 11) as f64 / 5.0 - 1.0)
            .collect();
        let mut a = vec![0.0; p * p];
        for i in 0..p {
            for j in 0..p {
                a[i * p + j] = (0..p).map(|k| m[i * p + k] * m[j * p + k]).sum::<f64>()
                    + f64::from(u8::from(i == j));
            }
        }
        a
    }

    fn matvec(a: &[f64], p: usize, x: &[f64]) -> Vec<f64> {
        (0..p)
            .map(|i| (0..p).map(|k| a[i * p + k] * x[k]).sum())
            .collect()
    }

    #[test]
    fn factor_times_its_transpose_is_the_matrix() {
        for p in [1, 2, 3, 7, 17] {
            let a = spd(p);
            let c = Cholesky::factor(&a, p).unwrap();
            let l = c.factor_matrix();
            for i in 0..p {
                for j in 0..=i {
                    let v: f64 = (0..=j).map(|k| l[i * p + k] * l[j * p + k]).sum();
                    assert!((v - a[i * p + j]).abs() < 1e-10, "p {p} ({i},{j})");
                }
            }
        }
    }

    #[test]
    fn solves_recover_a_planted_solution() {
        for p in [1, 3, 17] {
            let a = spd(p);
            let x: Vec<f64> = (0..p).map(|i| i as f64 - 1.5).collect();
            let mut b = matvec(&a, p, &x);
            Cholesky::factor(&a, p)
                .unwrap()
                .solve_in_place(&mut b)
                .unwrap();
            for (got, want) in b.iter().zip(&x) {
                assert!((got - want).abs() < 1e-9, "p {p}: {got} vs {want}");
            }
            let (y, delta) = solve_spd_with_jitter(&a, p, &matvec(&a, p, &x)).unwrap();
            assert_eq!(delta, 0.0);
            for (got, want) in y.iter().zip(&x) {
                assert!((got - want).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Cholesky::factor(&[1.0, 2.0, 3.0], 2).is_err());
        assert!(Cholesky::factor(&[0.0], 1).is_err());
        assert!(Cholesky::factor(&[f64::NAN], 1).is_err());
        assert!(Cholesky::factor(&[-1.0], 1).is_err());
        assert!(Cholesky::factor(&[], usize::MAX).is_err());
        assert!(solve_spd_with_jitter(&[1.0], 1, &[1.0, 2.0]).is_err());
        assert!(solve_spd_with_jitter(&[f64::INFINITY], 1, &[1.0]).is_err());
        assert!(solve_spd_with_jitter(&[1.0], 1, &[f64::NAN]).is_err());
        // Strongly indefinite: no ridge up to 1e-12·1e20 fixes −1e9 on the diagonal.
        assert!(solve_spd_with_jitter(&[-1e9], 1, &[1.0]).is_err());
    }

    #[test]
    fn order_is_the_matrix_size() {
        assert_eq!(Cholesky::factor(&spd(3), 3).unwrap().order(), 3);
    }

    #[test]
    fn wrong_lengths_and_bad_values_are_located() {
        // A short matrix is an error, not an index panic.
        let e = solve_spd_with_jitter(&[1.0, 0.0, 1.0], 2, &[1.0, 1.0]).unwrap_err();
        assert!(e.to_string().contains("2 × 2 matrix values"), "{e}");
        assert!(solve_spd_with_jitter(&[], usize::MAX, &[]).is_err());
        let e = solve_spd_with_jitter(&[1.0, 0.0, f64::NAN, 1.0], 2, &[1.0, 1.0]).unwrap_err();
        assert!(e.to_string().ends_with("matrix entry 2"), "{e}");
        assert!(e.to_string().contains("NaN"), "{e}");
        let e = solve_spd_with_jitter(&[1.0, 0.0, 0.0, 1.0], 2, &[f64::INFINITY, 1.0]).unwrap_err();
        assert!(e.to_string().ends_with("right-hand side entry 0"), "{e}");
    }

    #[test]
    fn the_ridge_is_scaled_by_the_largest_diagonal_and_added_to_the_diagonal() {
        // Singular 3 × 3 (u·uᵀ + v·vᵀ, u = [1, 2, 4], v = [3, −1, 1]);
        // its largest diagonal entry (17) sits at (2, 2), the last position.
        let a = [10.0, -1.0, 7.0, -1.0, 5.0, 7.0, 7.0, 7.0, 17.0];
        let b = [16.0, 11.0, 31.0]; // A·[1, 1, 1]: in the range of A
        let (x, delta) = solve_spd_with_jitter(&a, 3, &b).unwrap();
        assert!(delta > 0.0);
        // δ is 1e-12 · 17 times a power of 100.
        let k = (delta / 17e-12).log(100.0);
        assert!((k - k.round()).abs() < 1e-9, "{delta}");
        // x solves the ridge system (A + δ·I)·x = b.
        for i in 0..3 {
            let row: f64 = (0..3).map(|j| a[i * 3 + j] * x[j]).sum::<f64>() + delta * x[i];
            assert!(
                (row - b[i]).abs() < 1e-13 * b[i].abs(),
                "row {i}: {row} (δ {delta})"
            );
        }
    }

    #[test]
    fn jitter_starts_small_and_grows() {
        // Singular matrix: the first ridge (1e-12 · largest diagonal) is enough.
        let (_, delta) = solve_spd_with_jitter(&[4.0, 4.0, 4.0, 4.0], 2, &[1.0, 1.0]).unwrap();
        assert!((delta - 4e-12).abs() < 1e-24, "{delta}");
        // Pivot −1e-7 (largest diagonal clamps to 1e-12): 1e-24 · 100⁹ = 1e-6 is the first δ > 1e-7.
        let (x, delta) = solve_spd_with_jitter(&[-1e-7], 1, &[1.0]).unwrap();
        assert!((delta - 1e-6).abs() < 1e-15, "{delta}");
        assert!((x[0] - 1.0 / (1e-6 - 1e-7)).abs() < 1e-3);
    }
}
