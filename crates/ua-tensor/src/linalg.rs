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
//! For large dense matrices (EASE's item × item Gram matrix) the blocked,
//! parallel kernels do the work in matrix products: [`cholesky_lower`]
//! (in place, `ndarray` arrays, `f32` or `f64`), [`lower_triangular_inverse`],
//! [`spd_inverse`] (`A⁻¹ = L⁻ᵀL⁻¹`, about n³ flops against the 2n³ of an
//! LU-based inverse) and [`gram_matrix`] (`ZᵀZ`, lower block triangle
//! only). They agree with the direct versions above to rounding (tested at
//! sizes that are and are not multiples of the block).
//!
//! ```
//! use ua_tensor::linalg::Cholesky;
//! // A = [[4, 2], [2, 3]], b = [2, 1] → x = [0.5, 0]
//! let chol = Cholesky::factor(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
//! let mut b = [2.0, 1.0];
//! chol.solve_in_place(&mut b).unwrap();
//! assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12);
//! ```

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, s};
use rayon::prelude::*;

use crate::Scalar;
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

/// Rows and columns per block of the blocked kernels ([`cholesky_lower`],
/// [`lower_triangular_inverse`], [`spd_inverse`], [`gram_matrix`]): large
/// enough for the matrix products to run at full speed, small enough that
/// a 2-core machine gets many blocks to share.
pub const BLOCK: usize = 96;

fn check_square<S>(op: &'static str, a: &ArrayView2<'_, S>) -> Result<usize> {
    let (r, c) = a.dim();
    if r != c {
        return Err(Error::ShapeMismatch {
            op,
            expected: "a square matrix".into(),
            found: format!("{r} × {c}"),
        });
    }
    Ok(r)
}

/// The unblocked factor of a small diagonal block, in place (lower
/// triangle); `offset` is the block's first row, for the error message.
fn factor_block<S: Scalar>(mut a: ArrayViewMut2<'_, S>, offset: usize) -> Result<()> {
    let b = a.nrows();
    for j in 0..b {
        let mut diag = a[[j, j]];
        for k in 0..j {
            diag = diag - a[[j, k]] * a[[j, k]];
        }
        if !(diag > S::zero() && diag.is_finite()) {
            return Err(Error::InvalidArgument {
                op: "cholesky",
                message: format!(
                    "the matrix is not positive definite (pivot {} is {diag}); add a ridge to the diagonal",
                    offset + j
                ),
            });
        }
        let ljj = diag.sqrt();
        a[[j, j]] = ljj;
        for i in j + 1..b {
            let mut v = a[[i, j]];
            for k in 0..j {
                v = v - a[[i, k]] * a[[j, k]];
            }
            a[[i, j]] = v / ljj;
        }
    }
    Ok(())
}

/// Blocked Cholesky factorisation in place: on success the lower triangle
/// of `a` holds `L` with `A = L·Lᵀ` and the strict upper triangle is zero.
/// Only the lower triangle of `a` is read.
///
/// Right-looking, [`BLOCK`] columns at a time: the diagonal block is
/// factored directly, the panel below it by a triangular solve (rows in
/// parallel), and the trailing lower triangle is updated by matrix
/// products (`ndarray`'s `general_mat_mul`) over row blocks in parallel
/// (rayon), so nearly all the n³/3 flops run in the GEMM kernel. The result
/// does not depend on the number of threads.
///
/// Errors: a matrix that is not square, a non-finite entry (located), or a
/// pivot that is not positive (the matrix is not numerically positive
/// definite; the error names the pivot and its value).
///
/// ```
/// use ua_tensor::linalg::cholesky_lower;
/// use ua_tensor::ndarray::array;
/// let mut a = array![[4.0f64, 2.0], [2.0, 3.0]];
/// cholesky_lower(&mut a).unwrap();
/// assert_eq!(a, array![[2.0, 0.0], [1.0, 2f64.sqrt()]]);
/// let mut bad = array![[1.0f64, 2.0], [2.0, 1.0]];
/// assert!(cholesky_lower(&mut bad).unwrap_err().to_string().contains("pivot 1"));
/// ```
pub fn cholesky_lower<S: Scalar>(a: &mut Array2<S>) -> Result<()> {
    cholesky_lower_blocked(a, BLOCK)
}

fn cholesky_lower_blocked<S: Scalar>(a: &mut Array2<S>, nb: usize) -> Result<()> {
    const OP: &str = "cholesky";
    let n = check_square(OP, &a.view())?;
    for i in 0..n {
        for j in 0..=i {
            if !a[[i, j]].is_finite() {
                return Err(Error::NonFinite {
                    op: OP,
                    position: format!("row {i}, column {j}"),
                    value: a[[i, j]].to_string(),
                });
            }
        }
    }
    for k0 in (0..n).step_by(nb) {
        let k1 = (k0 + nb).min(n);
        factor_block(a.slice_mut(s![k0..k1, k0..k1]), k0)?;
        if k1 == n {
            break;
        }
        let l11 = a.slice(s![k0..k1, k0..k1]).to_owned();
        // Panel: rows below solve x·L11ᵀ = a (forward substitution per row).
        a.slice_mut(s![k1.., k0..k1])
            .axis_iter_mut(Axis(0))
            .into_par_iter()
            .for_each(|mut row| {
                for j in 0..k1 - k0 {
                    let mut v = row[j];
                    for t in 0..j {
                        v = v - row[t] * l11[[j, t]];
                    }
                    row[j] = v / l11[[j, j]];
                }
            });
        let panel = a.slice(s![k1.., k0..k1]).to_owned();
        // Trailing lower triangle: A22 −= L21·L21ᵀ, one row block at a time
        // (each writes only its own rows, up to its diagonal block).
        a.slice_mut(s![k1.., k1..])
            .axis_chunks_iter_mut(Axis(0), nb)
            .into_par_iter()
            .enumerate()
            .for_each(|(blk, mut rows)| {
                let r0 = blk * nb;
                let r1 = r0 + rows.nrows();
                let mut target = rows.slice_mut(s![.., ..r1]);
                general_mat_mul(
                    -S::one(),
                    &panel.slice(s![r0..r1, ..]),
                    &panel.slice(s![..r1, ..]).t(),
                    S::one(),
                    &mut target,
                );
            });
    }
    for i in 0..n {
        a.slice_mut(s![i, i + 1..]).fill(S::zero());
    }
    Ok(())
}

/// The inverse of a small lower-triangular block (forward substitution on
/// the identity).
fn invert_block<S: Scalar>(l: ArrayView2<'_, S>) -> Array2<S> {
    let b = l.nrows();
    let mut w = Array2::<S>::zeros((b, b));
    for c in 0..b {
        for i in c..b {
            let mut v = if i == c { S::one() } else { S::zero() };
            for t in c..i {
                v = v - l[[i, t]] * w[[t, c]];
            }
            w[[i, c]] = v / l[[i, i]];
        }
    }
    w
}

/// The inverse `W = L⁻¹` of a lower-triangular matrix (entries above the
/// diagonal are ignored); `W` is lower triangular.
///
/// Blocked: the column blocks of `W` are independent (`W[:, J] = L⁻¹·E_J`)
/// and computed in parallel; within one, each block row is a matrix
/// product with the rows above it (n³/3 flops in all, in the GEMM kernel).
///
/// Errors: not square; a zero or non-finite diagonal entry (the matrix is
/// singular; the error names the row).
///
/// ```
/// use ua_tensor::linalg::lower_triangular_inverse;
/// use ua_tensor::ndarray::array;
/// let l = array![[2.0f64, 0.0], [1.0, 4.0]];
/// let w = lower_triangular_inverse(l.view()).unwrap();
/// assert_eq!(w, array![[0.5, 0.0], [-0.125, 0.25]]);
/// assert!(lower_triangular_inverse(array![[1.0f64, 0.0], [3.0, 0.0]].view()).is_err());
/// ```
pub fn lower_triangular_inverse<S: Scalar>(l: ArrayView2<'_, S>) -> Result<Array2<S>> {
    lower_triangular_inverse_blocked(l, BLOCK)
}

fn lower_triangular_inverse_blocked<S: Scalar>(
    l: ArrayView2<'_, S>,
    nb: usize,
) -> Result<Array2<S>> {
    const OP: &str = "lower_triangular_inverse";
    let n = check_square(OP, &l)?;
    if let Some(i) = (0..n).find(|&i| !(l[[i, i]] != S::zero() && l[[i, i]].is_finite())) {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!(
                "diagonal entry {i} is {}; a triangular matrix with a zero or non-finite diagonal has no inverse",
                l[[i, i]]
            ),
        });
    }
    for i in 0..n {
        for j in 0..i {
            if !l[[i, j]].is_finite() {
                return Err(Error::NonFinite {
                    op: OP,
                    position: format!("row {i}, column {j}"),
                    value: l[[i, j]].to_string(),
                });
            }
        }
    }
    let starts: Vec<usize> = (0..n).step_by(nb).collect();
    let diag_inv: Vec<Array2<S>> = starts
        .par_iter()
        .map(|&i0| {
            let i1 = (i0 + nb).min(n);
            invert_block(l.slice(s![i0..i1, i0..i1]))
        })
        .collect();
    let mut w = Array2::<S>::zeros((n, n));
    w.axis_chunks_iter_mut(Axis(1), nb)
        .into_par_iter()
        .enumerate()
        .for_each(|(jb, mut col)| {
            let j0 = jb * nb;
            let bj = col.ncols();
            col.slice_mut(s![j0..j0 + bj, ..]).assign(&diag_inv[jb]);
            let mut t = Array2::<S>::zeros((nb, bj));
            for (ib, &i0) in starts.iter().enumerate().skip(jb + 1) {
                let i1 = (i0 + nb).min(n);
                let mut t = t.slice_mut(s![..i1 - i0, ..]);
                // T = L[I, J..I] · W[J..I, J]; W[I, J] = −L[I, I]⁻¹ · T.
                general_mat_mul(
                    S::one(),
                    &l.slice(s![i0..i1, j0..i0]),
                    &col.slice(s![j0..i0, ..]),
                    S::zero(),
                    &mut t,
                );
                general_mat_mul(
                    -S::one(),
                    &diag_inv[ib],
                    &t,
                    S::zero(),
                    &mut col.slice_mut(s![i0..i1, ..]),
                );
            }
        });
    Ok(w)
}

/// `ZᵀZ` (the columns' Gram matrix) when `triangular` is false; when it is
/// true, `Z` is taken as lower triangular and the known zeros above the
/// diagonal are skipped. The lower block triangle is computed by matrix
/// products over row blocks in parallel, then mirrored.
fn transpose_times_self<S: Scalar>(z: ArrayView2<'_, S>, triangular: bool, nb: usize) -> Array2<S> {
    let n = z.ncols();
    let mut g = Array2::<S>::zeros((n, n));
    g.axis_chunks_iter_mut(Axis(0), nb)
        .into_par_iter()
        .enumerate()
        .for_each(|(ib, mut rows)| {
            let i0 = ib * nb;
            let i1 = i0 + rows.nrows();
            let k0 = if triangular { i0 } else { 0 };
            general_mat_mul(
                S::one(),
                &z.slice(s![k0.., i0..i1]).t(),
                &z.slice(s![k0.., ..i1]),
                S::zero(),
                &mut rows.slice_mut(s![.., ..i1]),
            );
        });
    for i in 0..n {
        for j in i + 1..n {
            g[[i, j]] = g[[j, i]];
        }
    }
    g
}

/// `ZᵀZ` for a dense `m × n` matrix `Z`: the `n × n` symmetric Gram matrix
/// of its columns, computing only the lower block triangle (about m·n²
/// flops, in parallel over row blocks) and mirroring it.
///
/// ```
/// use ua_tensor::linalg::gram_matrix;
/// use ua_tensor::ndarray::array;
/// let z = array![[1.0f64, 2.0], [3.0, 4.0], [0.0, 1.0]];
/// assert_eq!(gram_matrix(z.view()), array![[10.0, 14.0], [14.0, 21.0]]);
/// ```
pub fn gram_matrix<S: Scalar>(z: ArrayView2<'_, S>) -> Array2<S> {
    transpose_times_self(z, false, BLOCK)
}

/// The inverse of a symmetric positive-definite matrix through its
/// Cholesky factor: `A⁻¹ = L⁻ᵀ·L⁻¹` ([`cholesky_lower`], then
/// [`lower_triangular_inverse`], then the product of the triangle with its
/// transpose), about n³ flops in all, nearly all in parallel matrix
/// products — a third of what an LU-based general inverse needs. Only the
/// lower triangle of `a` is read; the result is exactly symmetric.
///
/// Errors: as [`cholesky_lower`] (not square, non-finite, not positive
/// definite).
///
/// ```
/// use ua_tensor::linalg::spd_inverse;
/// use ua_tensor::ndarray::array;
/// let a = array![[4.0f64, 2.0], [2.0, 3.0]];
/// let p = spd_inverse(a.view()).unwrap();
/// let id = a.dot(&p);
/// assert!((id[[0, 0]] - 1.0).abs() < 1e-12 && id[[0, 1]].abs() < 1e-12);
/// assert_eq!(p[[0, 1]], p[[1, 0]]);
/// assert!(spd_inverse(array![[0.0f64]].view()).is_err());
/// ```
pub fn spd_inverse<S: Scalar>(a: ArrayView2<'_, S>) -> Result<Array2<S>> {
    spd_inverse_blocked(a, BLOCK)
}

fn spd_inverse_blocked<S: Scalar>(a: ArrayView2<'_, S>, nb: usize) -> Result<Array2<S>> {
    check_square("spd_inverse", &a)?;
    let mut l = a.to_owned();
    cholesky_lower_blocked(&mut l, nb)?;
    let w = lower_triangular_inverse_blocked(l.view(), nb)?;
    drop(l);
    Ok(transpose_times_self(w.view(), true, nb))
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

    fn to_array(a: &[f64], p: usize) -> Array2<f64> {
        Array2::from_shape_vec((p, p), a.to_vec()).unwrap()
    }

    /// The inverse column by column with the naive factor.
    fn naive_inverse(a: &[f64], p: usize) -> Array2<f64> {
        let c = Cholesky::factor(a, p).unwrap();
        let mut inv = Array2::zeros((p, p));
        for j in 0..p {
            let mut e = vec![0.0; p];
            e[j] = 1.0;
            c.solve_in_place(&mut e).unwrap();
            for i in 0..p {
                inv[[i, j]] = e[i];
            }
        }
        inv
    }

    fn max_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        a.iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
    }

    const SIZES: [usize; 6] = [1, 3, 17, 63, 65, 130];

    #[test]
    fn blocked_cholesky_equals_the_naive_factor() {
        for p in SIZES {
            let a = spd(p);
            let naive = to_array(Cholesky::factor(&a, p).unwrap().factor_matrix(), p);
            for nb in [4, 16, BLOCK] {
                let mut l = to_array(&a, p);
                cholesky_lower_blocked(&mut l, nb).unwrap();
                for i in 0..p {
                    for j in 0..p {
                        if j > i {
                            assert_eq!(l[[i, j]], 0.0, "p {p} nb {nb}: upper ({i},{j})");
                        } else {
                            let d = (l[[i, j]] - naive[[i, j]]).abs();
                            assert!(
                                d < 1e-9 * (1.0 + naive[[i, j]].abs()),
                                "p {p} nb {nb} ({i},{j}): {d}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn blocked_kernels_read_only_the_lower_triangle() {
        let p = 40;
        let a = spd(p);
        let mut poisoned = to_array(&a, p);
        for i in 0..p {
            for j in i + 1..p {
                poisoned[[i, j]] = f64::NAN;
            }
        }
        let want = naive_inverse(&a, p);
        let got = spd_inverse_blocked(poisoned.view(), 16).unwrap();
        assert!(max_diff(&got, &want) < 1e-9, "{}", max_diff(&got, &want));
        let mut l = to_array(&a, p);
        cholesky_lower_blocked(&mut l, 16).unwrap();
        let mut noisy = l.clone();
        for i in 0..p {
            for j in i + 1..p {
                noisy[[i, j]] = f64::NAN;
            }
        }
        let w = lower_triangular_inverse_blocked(noisy.view(), 16).unwrap();
        assert_eq!(w, lower_triangular_inverse_blocked(l.view(), 16).unwrap());
    }

    #[test]
    fn triangular_inverse_times_the_triangle_is_the_identity() {
        for p in SIZES {
            let mut l = to_array(&spd(p), p);
            cholesky_lower(&mut l).unwrap();
            // A diagonal far from 1 checks that the diagonal blocks are inverted too.
            l.mapv_inplace(|v| v * 3.0);
            for nb in [4, 16, BLOCK] {
                let w = lower_triangular_inverse_blocked(l.view(), nb).unwrap();
                let id = w.dot(&l);
                for i in 0..p {
                    for j in 0..p {
                        let want = if i == j { 1.0 } else { 0.0 };
                        assert!(
                            (id[[i, j]] - want).abs() < 1e-9,
                            "p {p} nb {nb} ({i},{j}): {}",
                            id[[i, j]]
                        );
                        if j > i {
                            assert_eq!(w[[i, j]], 0.0);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn spd_inverse_equals_the_naive_inverse() {
        for p in SIZES {
            let a = spd(p);
            let want = naive_inverse(&a, p);
            for nb in [4, 16, BLOCK] {
                let got = spd_inverse_blocked(to_array(&a, p).view(), nb).unwrap();
                let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                assert!(
                    max_diff(&got, &want) < 1e-9 * scale,
                    "p {p} nb {nb}: {}",
                    max_diff(&got, &want)
                );
                assert_eq!(got, got.t(), "p {p}: exactly symmetric");
            }
            // Through the public entry point, and in f32.
            let got = spd_inverse(to_array(&a, p).view()).unwrap();
            assert!(max_diff(&got, &want) < 1e-9 * (1.0 + want[[0, 0]].abs()));
            let a32 = to_array(&a, p).mapv(|v| v as f32);
            let got32 = spd_inverse(a32.view()).unwrap().mapv(f64::from);
            let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            assert!(
                max_diff(&got32, &want) < 1e-2 * scale,
                "f32 p {p}: {}",
                max_diff(&got32, &want)
            );
        }
    }

    #[test]
    fn gram_matrix_equals_the_naive_product() {
        for (m, n) in [(7, 130), (130, 5), (1, 1), (65, 63)] {
            let z = Array2::from_shape_fn((m, n), |(i, j)| ((i * 31 + j * 17) % 13) as f64 - 6.0);
            let want = z.t().dot(&z);
            for nb in [4, 16, BLOCK] {
                assert_eq!(
                    transpose_times_self(z.view(), false, nb),
                    want,
                    "{m} × {n} nb {nb}"
                );
            }
            assert_eq!(gram_matrix(z.view()), want);
        }
    }

    #[test]
    fn blocked_kernels_refuse_bad_input_and_say_where() {
        let e = cholesky_lower(&mut Array2::<f64>::zeros((2, 3)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("square") && e.contains("2 × 3"), "{e}");
        // A negative pivot in a later block is named by its global index.
        let mut a = Array2::<f64>::eye(40);
        a[[33, 33]] = -1.0;
        let e = cholesky_lower_blocked(&mut a, 16).unwrap_err().to_string();
        assert!(
            e.contains("pivot 33 is -1") && e.contains("not positive definite"),
            "{e}"
        );
        // An exactly zero pivot (a singular matrix) is refused, not divided by.
        let mut a = ndarray::array![[1.0f64, 1.0], [1.0, 1.0]];
        let e = cholesky_lower(&mut a).unwrap_err().to_string();
        assert!(e.contains("pivot 1 is 0"), "{e}");
        let e = cholesky_lower(&mut Array2::<f64>::zeros((1, 1))).unwrap_err();
        assert!(e.to_string().contains("pivot 0 is 0"), "{e}");
        let mut a = Array2::<f64>::eye(5);
        a[[4, 2]] = f64::INFINITY;
        let e = cholesky_lower(&mut a).unwrap_err().to_string();
        assert!(e.contains("row 4, column 2") && e.contains("inf"), "{e}");
        let mut l = Array2::<f64>::eye(5);
        l[[3, 3]] = 0.0;
        let e = lower_triangular_inverse(l.view()).unwrap_err().to_string();
        assert!(e.contains("diagonal entry 3 is 0"), "{e}");
        l[[3, 3]] = 1.0;
        l[[3, 1]] = f64::NAN;
        let e = lower_triangular_inverse(l.view()).unwrap_err().to_string();
        assert!(e.contains("row 3, column 1") && e.contains("NaN"), "{e}");
        let e = lower_triangular_inverse(Array2::<f64>::zeros((1, 2)).view()).unwrap_err();
        assert!(e.to_string().contains("1 × 2"), "{e}");
        let e = spd_inverse(Array2::<f64>::zeros((3, 1)).view()).unwrap_err();
        assert!(e.to_string().contains("3 × 1"), "{e}");
        // An empty matrix has an empty factor and inverse.
        assert_eq!(
            spd_inverse(Array2::<f64>::zeros((0, 0)).view())
                .unwrap()
                .dim(),
            (0, 0)
        );
    }
}
