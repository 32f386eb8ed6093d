//! Compressed sparse row (CSR) matrices, for user–item interaction data.
//!
//! [`CsrMatrix`] stores, row after row, the column index (`u32`) and the value
//! of every stored entry: `indptr[i]..indptr[i + 1]` is the range of row `i`
//! in `indices` and `data`. Column indices are strictly increasing within each
//! row (sorted, no duplicates); every constructor — including
//! deserialisation — checks this, so the other methods can rely on it and
//! never panic.
//!
//! An ALS recommender solves one small system per user from that user's row
//! ([`CsrMatrix::row`]) and per item from the rows of the transpose
//! ([`CsrMatrix::transpose`], the CSC view of the same data), so the type is
//! kept lean: three flat vectors and two sizes.
//!
//! Explicit zeros are stored like any other value (nothing is dropped); values
//! are not checked for finiteness (use [`crate::check`] on the inputs).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::shape_mismatch;
use crate::{Error, Result, Scalar};

/// Largest number of rows or columns: indices are stored as `u32`.
pub const MAX_DIM: usize = u32::MAX as usize;

/// A sparse matrix in compressed sparse row form. See the [module docs](self).
///
/// Serialises as `{n_rows, n_cols, indptr, indices, data}`; deserialising
/// validates the structure like [`CsrMatrix::from_parts`].
///
/// ```
/// use ua_tensor::sparse::CsrMatrix;
/// // user 0 bought items 1 and 3; user 2 bought item 0 twice.
/// let m = CsrMatrix::from_triplets(3, 4, &[0, 0, 2, 2], &[3, 1, 0, 0], &[1.0f32, 1.0, 1.0, 1.0])
///     .unwrap();
/// assert_eq!(m.shape(), (3, 4));
/// assert_eq!(m.nnz(), 3); // the duplicate (2, 0) was summed
/// assert_eq!(m.row(0), Some((&[1u32, 3][..], &[1.0f32, 1.0][..])));
/// assert_eq!(m.row(2), Some((&[0u32][..], &[2.0f32][..])));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    try_from = "CsrParts<S>",
    bound(serialize = "S: Scalar", deserialize = "S: Scalar")
)]
pub struct CsrMatrix<S> {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<S>,
}

/// The unchecked serialised form; turned into a matrix by `from_parts`.
#[derive(Deserialize)]
#[serde(bound(deserialize = "S: Scalar"))]
struct CsrParts<S> {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<S>,
}

impl<S: Scalar> TryFrom<CsrParts<S>> for CsrMatrix<S> {
    type Error = Error;
    fn try_from(p: CsrParts<S>) -> Result<Self> {
        CsrMatrix::from_parts(p.n_rows, p.n_cols, p.indptr, p.indices, p.data)
    }
}

fn check_dims(op: &'static str, n_rows: usize, n_cols: usize) -> Result<()> {
    if n_rows > MAX_DIM || n_cols > MAX_DIM {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "shape {n_rows}×{n_cols} exceeds the largest supported dimension {MAX_DIM}"
            ),
        });
    }
    Ok(())
}

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

impl<S: Scalar> CsrMatrix<S> {
    /// An `n_rows × n_cols` matrix with no stored entries.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::<f32>::zeros(2, 5).unwrap();
    /// assert_eq!((m.shape(), m.nnz()), ((2, 5), 0));
    /// ```
    pub fn zeros(n_rows: usize, n_cols: usize) -> Result<Self> {
        check_dims("sparse zeros", n_rows, n_cols)?;
        Ok(CsrMatrix {
            n_rows,
            n_cols,
            indptr: vec![0; n_rows + 1],
            indices: Vec::new(),
            data: Vec::new(),
        })
    }

    /// Builds a matrix from `(row, column, value)` triplets given as three
    /// equal-length slices, in any order.
    ///
    /// Duplicate positions are **summed** (in triplet order), so
    /// `values.len() - nnz()` tells how many were merged; column indices come
    /// out sorted within each row. Construction is a counting sort by row,
    /// `O(nnz + n_rows)`, followed by a sort of each row's entries only where
    /// they are not already in column order.
    ///
    /// Errors: slices of different lengths; a row or column index out of
    /// range (the message names the triplet position and the bad index).
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 3, &[1, 0, 1], &[2, 1, 0], &[5.0f64, 4.0, 3.0]).unwrap();
    /// assert_eq!(m.indptr(), &[0, 1, 3]);
    /// assert_eq!(m.indices(), &[1, 0, 2]);
    /// assert_eq!(m.data(), &[4.0, 3.0, 5.0]);
    /// let err = CsrMatrix::from_triplets(2, 3, &[0, 2], &[0, 0], &[1.0f64, 1.0]).unwrap_err();
    /// assert!(err.to_string().contains("triplet 1: row 2"));
    /// ```
    pub fn from_triplets(
        n_rows: usize,
        n_cols: usize,
        rows: &[usize],
        cols: &[usize],
        values: &[S],
    ) -> Result<Self> {
        const OP: &str = "sparse matrix from triplets";
        check_dims(OP, n_rows, n_cols)?;
        let nnz = values.len();
        if rows.len() != nnz || cols.len() != nnz {
            return Err(shape_mismatch(
                OP,
                format!("rows, cols and values of one length (values has {nnz})"),
                format!(
                    "rows of length {}, cols of length {}",
                    rows.len(),
                    cols.len()
                ),
            ));
        }
        // Pass 1: validate and count entries per row.
        let mut indptr = vec![0usize; n_rows + 1];
        for (t, (&r, &c)) in rows.iter().zip(cols).enumerate() {
            if r >= n_rows {
                return Err(invalid(
                    OP,
                    format!("triplet {t}: row {r} out of range for {n_rows} rows"),
                ));
            }
            if c >= n_cols {
                return Err(invalid(
                    OP,
                    format!("triplet {t}: column {c} out of range for {n_cols} columns"),
                ));
            }
            indptr[r + 1] += 1;
        }
        for i in 0..n_rows {
            indptr[i + 1] += indptr[i];
        }
        // Pass 2: stable scatter of (column, triplet position) into row buckets.
        let mut keyed = vec![(0u32, 0usize); nnz];
        {
            let mut next = indptr[..n_rows].to_vec();
            for (t, (&r, &c)) in rows.iter().zip(cols).enumerate() {
                let p = next[r];
                keyed[p] = (c as u32, t);
                next[r] = p + 1;
            }
        }
        // Pass 3: order each row by column (ties by triplet position) and sum
        // duplicates while copying out.
        let mut indices = Vec::with_capacity(nnz);
        let mut data = Vec::with_capacity(nnz);
        let mut lo = 0usize;
        for i in 0..n_rows {
            let hi = indptr[i + 1];
            let seg = &mut keyed[lo..hi];
            if !seg.windows(2).all(|w| w[0].0 < w[1].0) {
                seg.sort_unstable();
            }
            let start = indices.len();
            for &(c, t) in seg.iter() {
                let v = values[t];
                match (indices.last(), data.last_mut()) {
                    (Some(&last), Some(acc)) if indices.len() > start && last == c => {
                        *acc = *acc + v;
                    }
                    _ => {
                        indices.push(c);
                        data.push(v);
                    }
                }
            }
            indptr[i] = start;
            lo = hi;
        }
        indptr[n_rows] = indices.len();
        indices.shrink_to_fit();
        data.shrink_to_fit();
        Ok(CsrMatrix {
            n_rows,
            n_cols,
            indptr,
            indices,
            data,
        })
    }

    /// Builds a matrix from its CSR arrays, checking every invariant:
    /// `indptr` has `n_rows + 1` non-decreasing entries from 0 to `nnz`,
    /// `indices` and `data` both have `nnz` entries, and the column indices of
    /// each row are strictly increasing and below `n_cols`.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_parts(2, 3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0f32, 2.0, 3.0])
    ///     .unwrap();
    /// assert_eq!(m.row(1), Some((&[1u32][..], &[3.0f32][..])));
    /// // Unsorted columns in row 0 are rejected.
    /// let e = CsrMatrix::from_parts(1, 3, vec![0, 2], vec![2, 0], vec![1.0f32, 2.0]).unwrap_err();
    /// assert!(e.to_string().contains("row 0"));
    /// ```
    pub fn from_parts(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<S>,
    ) -> Result<Self> {
        const OP: &str = "sparse matrix from parts";
        check_dims(OP, n_rows, n_cols)?;
        if indptr.len() != n_rows + 1 {
            return Err(shape_mismatch(
                OP,
                format!("indptr of length {} (n_rows + 1)", n_rows + 1),
                format!("length {}", indptr.len()),
            ));
        }
        if indices.len() != data.len() {
            return Err(shape_mismatch(
                OP,
                format!("data as long as indices ({})", indices.len()),
                format!("data of length {}", data.len()),
            ));
        }
        if indptr.first() != Some(&0) {
            return Err(invalid(
                OP,
                format!("indptr[0] must be 0, found {:?}", indptr.first()),
            ));
        }
        if indptr.last() != Some(&indices.len()) {
            return Err(invalid(
                OP,
                format!(
                    "indptr[{n_rows}] must equal the number of stored entries {}, found {:?}",
                    indices.len(),
                    indptr.last()
                ),
            ));
        }
        for (i, w) in indptr.windows(2).enumerate() {
            if w[0] > w[1] {
                return Err(invalid(
                    OP,
                    format!("indptr decreases at row {i}: {} then {}", w[0], w[1]),
                ));
            }
        }
        for (i, w) in indptr.windows(2).enumerate() {
            let lo = w[0];
            let hi = w[1];
            let row = indices.get(lo..hi).unwrap_or(&[]);
            for (k, &c) in row.iter().enumerate() {
                if c as usize >= n_cols {
                    return Err(invalid(
                        OP,
                        format!(
                            "row {i}, entry {}: column {c} out of range for {n_cols} columns",
                            lo + k
                        ),
                    ));
                }
                if k > 0 && row[k - 1] >= c {
                    return Err(invalid(
                        OP,
                        format!(
                            "row {i}, entry {}: column {c} does not increase after {} \
                             (columns must be sorted and unique)",
                            lo + k,
                            row[k - 1]
                        ),
                    ));
                }
            }
        }
        Ok(CsrMatrix {
            n_rows,
            n_cols,
            indptr,
            indices,
            data,
        })
    }

    /// `(n_rows, n_cols)`.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// assert_eq!(CsrMatrix::<f64>::zeros(3, 4).unwrap().shape(), (3, 4));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.n_rows, self.n_cols)
    }

    /// Number of rows.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// assert_eq!(CsrMatrix::<f64>::zeros(3, 4).unwrap().n_rows(), 3);
    /// ```
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// assert_eq!(CsrMatrix::<f64>::zeros(3, 4).unwrap().n_cols(), 4);
    /// ```
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored entries.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 2, &[0, 1], &[1, 1], &[1.0f32, 0.0]).unwrap();
    /// assert_eq!(m.nnz(), 2); // explicit zeros are kept
    /// ```
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Row pointers: row `i` occupies `indptr()[i]..indptr()[i + 1]`.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 2, &[1], &[0], &[1.0f32]).unwrap();
    /// assert_eq!(m.indptr(), &[0, 0, 1]);
    /// ```
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column indices of all stored entries, row after row.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(1, 3, &[0, 0], &[2, 0], &[1.0f32, 2.0]).unwrap();
    /// assert_eq!(m.indices(), &[0, 2]);
    /// ```
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Values of all stored entries, row after row.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(1, 3, &[0, 0], &[2, 0], &[1.0f32, 2.0]).unwrap();
    /// assert_eq!(m.data(), &[2.0, 1.0]);
    /// ```
    pub fn data(&self) -> &[S] {
        &self.data
    }

    /// Column indices and values of row `i`, or `None` when `i` is out of range.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 3, &[0, 0], &[2, 1], &[5.0f32, 4.0]).unwrap();
    /// assert_eq!(m.row(0), Some((&[1u32, 2][..], &[4.0f32, 5.0][..])));
    /// assert_eq!(m.row(1), Some((&[][..], &[][..])));
    /// assert_eq!(m.row(2), None);
    /// ```
    pub fn row(&self, i: usize) -> Option<(&[u32], &[S])> {
        let lo = *self.indptr.get(i)?;
        let hi = *self.indptr.get(i + 1)?;
        Some((self.indices.get(lo..hi)?, self.data.get(lo..hi)?))
    }

    /// Number of stored entries in row `i`, or `None` when `i` is out of range.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 3, &[0, 0], &[2, 1], &[5.0f32, 4.0]).unwrap();
    /// assert_eq!((m.row_nnz(0), m.row_nnz(1), m.row_nnz(2)), (Some(2), Some(0), None));
    /// ```
    pub fn row_nnz(&self, i: usize) -> Option<usize> {
        let lo = *self.indptr.get(i)?;
        let hi = *self.indptr.get(i + 1)?;
        Some(hi - lo)
    }

    /// The transpose, as a CSR matrix (equivalently, this matrix in CSC form:
    /// row `j` of the result lists the rows of column `j`, in increasing
    /// order). `O(nnz + n_cols)`.
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 3, &[0, 1, 1], &[2, 0, 2], &[1.0f32, 2.0, 3.0]).unwrap();
    /// let t = m.transpose();
    /// assert_eq!(t.shape(), (3, 2));
    /// assert_eq!(t.row(2), Some((&[0u32, 1][..], &[1.0f32, 3.0][..])));
    /// assert_eq!(t.transpose(), m);
    /// ```
    pub fn transpose(&self) -> CsrMatrix<S> {
        let nnz = self.nnz();
        let mut indptr = vec![0usize; self.n_cols + 1];
        for &c in &self.indices {
            indptr[c as usize + 1] += 1;
        }
        for j in 0..self.n_cols {
            indptr[j + 1] += indptr[j];
        }
        let mut next = indptr[..self.n_cols].to_vec();
        let mut indices = vec![0u32; nnz];
        let mut data = vec![S::zero(); nnz];
        for (i, w) in self.indptr.windows(2).enumerate() {
            for k in w[0]..w[1] {
                let c = self.indices[k] as usize;
                let p = next[c];
                indices[p] = i as u32;
                data[p] = self.data[k];
                next[c] = p + 1;
            }
        }
        CsrMatrix {
            n_rows: self.n_cols,
            n_cols: self.n_rows,
            indptr,
            indices,
            data,
        }
    }

    /// Sparse × dense product `self · b`, with `b` of shape `n_cols × k`.
    ///
    /// Each output row is a sum of scaled rows of `b` (contiguous `axpy`
    /// loops when `b` is row-major). Errors when `b` has the wrong number of
    /// rows.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 3, &[0, 0, 1], &[0, 2, 1], &[1.0f32, 2.0, 3.0]).unwrap();
    /// let b = array![[1.0f32, 10.0], [2.0, 20.0], [3.0, 30.0]];
    /// assert_eq!(m.mul_dense(b.view()).unwrap(), array![[7.0, 70.0], [6.0, 60.0]]);
    /// ```
    pub fn mul_dense(&self, b: ArrayView2<'_, S>) -> Result<Array2<S>> {
        if b.nrows() != self.n_cols {
            return Err(shape_mismatch(
                "sparse × dense product",
                format!("right operand with {} rows", self.n_cols),
                format!("{} rows ({}×{})", b.nrows(), b.nrows(), b.ncols()),
            ));
        }
        let mut out = Array2::<S>::zeros((self.n_rows, b.ncols()));
        for (mut orow, w) in out.rows_mut().into_iter().zip(self.indptr.windows(2)) {
            let cols = &self.indices[w[0]..w[1]];
            let vals = &self.data[w[0]..w[1]];
            for (&c, &v) in cols.iter().zip(vals) {
                let brow = b.row(c as usize);
                match (orow.as_slice_mut(), brow.as_slice()) {
                    (Some(o), Some(br)) => {
                        for (x, &y) in o.iter_mut().zip(br) {
                            *x = *x + v * y;
                        }
                    }
                    _ => orow.scaled_add(v, &brow),
                }
            }
        }
        Ok(out)
    }

    /// Sparse matrix × vector `self · x`, with `x` of length `n_cols`.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 3, &[0, 0, 1], &[0, 2, 1], &[1.0f64, 2.0, 3.0]).unwrap();
    /// assert_eq!(m.mul_vec(array![1.0, 2.0, 3.0].view()).unwrap(), array![7.0, 6.0]);
    /// assert!(m.mul_vec(array![1.0, 2.0].view()).is_err());
    /// ```
    pub fn mul_vec(&self, x: ArrayView1<'_, S>) -> Result<Array1<S>> {
        if x.len() != self.n_cols {
            return Err(shape_mismatch(
                "sparse matrix × vector",
                format!("vector of length {}", self.n_cols),
                format!("length {}", x.len()),
            ));
        }
        Ok(self
            .indptr
            .windows(2)
            .map(|w| {
                let cols = &self.indices[w[0]..w[1]];
                let vals = &self.data[w[0]..w[1]];
                cols.iter()
                    .zip(vals)
                    .fold(S::zero(), |acc, (&c, &v)| acc + v * x[c as usize])
            })
            .collect())
    }

    /// The dense `n_rows × n_cols` matrix (missing entries are 0). Allocates
    /// the full matrix: for small matrices, tests and debugging.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(2, 2, &[1], &[0], &[4.0f32]).unwrap();
    /// assert_eq!(m.to_dense(), array![[0.0, 0.0], [4.0, 0.0]]);
    /// ```
    pub fn to_dense(&self) -> Array2<S> {
        let mut out = Array2::<S>::zeros((self.n_rows, self.n_cols));
        for (mut orow, w) in out.rows_mut().into_iter().zip(self.indptr.windows(2)) {
            for (&c, &v) in self.indices[w[0]..w[1]].iter().zip(&self.data[w[0]..w[1]]) {
                orow[c as usize] = v;
            }
        }
        out
    }

    /// A matrix with the same sparsity pattern and `f` applied to every
    /// stored value (e.g. confidence weights `1 + α·r` for implicit ALS).
    ///
    /// ```
    /// use ua_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_triplets(1, 3, &[0, 0], &[0, 2], &[1.0f32, 3.0]).unwrap();
    /// let c = m.map_values(|r| 1.0 + 40.0 * r);
    /// assert_eq!(c.data(), &[41.0, 121.0]);
    /// assert_eq!(c.indices(), m.indices());
    /// ```
    pub fn map_values(&self, f: impl FnMut(S) -> S) -> CsrMatrix<S> {
        CsrMatrix {
            n_rows: self.n_rows,
            n_cols: self.n_cols,
            indptr: self.indptr.clone(),
            indices: self.indices.clone(),
            data: self.data.iter().copied().map(f).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    /// The hand-made 3×4 matrix
    /// ```text
    /// [ 0  2  0  1 ]
    /// [ 0  0  0  0 ]
    /// [ 5  0  3  0 ]
    /// ```
    /// given unsorted, with (0, 1) split into two duplicates 1.5 + 0.5.
    fn hand() -> CsrMatrix<f64> {
        CsrMatrix::from_triplets(
            3,
            4,
            &[2, 0, 0, 2, 0],
            &[2, 3, 1, 0, 1],
            &[3.0, 1.0, 1.5, 5.0, 0.5],
        )
        .unwrap()
    }

    fn dense() -> Array2<f64> {
        array![
            [0.0, 2.0, 0.0, 1.0],
            [0.0, 0.0, 0.0, 0.0],
            [5.0, 0.0, 3.0, 0.0]
        ]
    }

    #[test]
    fn triplets_give_sorted_merged_rows() {
        let m = hand();
        assert_eq!(m.shape(), (3, 4));
        assert_eq!(m.nnz(), 4);
        assert_eq!(m.indptr(), &[0, 2, 2, 4]);
        assert_eq!(m.indices(), &[1, 3, 0, 2]);
        assert_eq!(m.data(), &[2.0, 1.0, 5.0, 3.0]);
        assert_eq!(m.row(1), Some((&[][..], &[][..])));
        assert_eq!(m.row(3), None);
        assert_eq!(m.row_nnz(2), Some(2));
        assert_eq!(m.to_dense(), dense());
        // from_parts accepts exactly what from_triplets produced.
        let p = CsrMatrix::from_parts(
            3,
            4,
            m.indptr().to_vec(),
            m.indices().to_vec(),
            m.data().to_vec(),
        )
        .unwrap();
        assert_eq!(p, m);
    }

    #[test]
    fn duplicates_are_summed_in_triplet_order() {
        // 1e16 + 1 + (-1e16): in triplet order the 1 is lost; the result must
        // be that of summing in the given order, deterministically.
        let m = CsrMatrix::from_triplets(
            1,
            2,
            &[0, 0, 0, 0],
            &[1, 1, 0, 1],
            &[1e16f64, 1.0, 7.0, -1e16],
        )
        .unwrap();
        assert_eq!(m.indices(), &[0, 1]);
        assert_eq!(m.data(), &[7.0, (1e16 + 1.0) - 1e16]);
    }

    #[test]
    fn triplet_errors_name_the_position() {
        let e = CsrMatrix::from_triplets(3, 4, &[0, 1], &[0], &[1.0f32, 2.0]).unwrap_err();
        assert!(e.to_string().contains("cols of length 1"), "{e}");
        let e = CsrMatrix::from_triplets(3, 4, &[0, 1, 2], &[0, 4, 0], &[1.0f32; 3]).unwrap_err();
        assert!(
            e.to_string()
                .contains("triplet 1: column 4 out of range for 4 columns"),
            "{e}"
        );
        let e = CsrMatrix::from_triplets(3, 4, &[0, 1, 3], &[0, 0, 0], &[1.0f32; 3]).unwrap_err();
        assert!(e.to_string().contains("triplet 2: row 3"), "{e}");
        let empty = CsrMatrix::<f32>::from_triplets(0, 0, &[], &[], &[]).unwrap();
        assert_eq!(
            (empty.shape(), empty.nnz(), empty.indptr()),
            ((0, 0), 0, &[0usize][..])
        );
    }

    #[test]
    fn from_parts_rejects_each_broken_invariant() {
        let ok = || {
            (
                vec![0usize, 2, 2, 4],
                vec![1u32, 3, 0, 2],
                vec![2.0f64, 1.0, 5.0, 3.0],
            )
        };
        let (p, i, d) = ok();
        assert!(CsrMatrix::from_parts(3, 4, p, i, d).is_ok());
        let (_, i, d) = ok();
        assert!(CsrMatrix::from_parts(3, 4, vec![0, 2, 4], i, d).is_err()); // short indptr
        let (p, i, _) = ok();
        assert!(CsrMatrix::from_parts(3, 4, p, i, vec![1.0]).is_err()); // data length
        let (_, i, d) = ok();
        assert!(CsrMatrix::from_parts(3, 4, vec![1, 2, 2, 4], i, d).is_err()); // indptr[0]
        let (_, i, d) = ok();
        let e = CsrMatrix::from_parts(3, 4, vec![0, 3, 2, 4], i, d).unwrap_err();
        assert!(e.to_string().contains("decreases at row 1"), "{e}");
        let (_, i, d) = ok();
        assert!(CsrMatrix::from_parts(3, 4, vec![0, 2, 2, 3], i, d).is_err()); // last
        let (p, _, d) = ok();
        let e = CsrMatrix::from_parts(3, 4, p, vec![1, 3, 0, 4], d).unwrap_err();
        assert!(e.to_string().contains("row 2, entry 3: column 4"), "{e}");
        let (p, _, d) = ok();
        let e = CsrMatrix::from_parts(3, 4, p, vec![1, 1, 0, 2], d).unwrap_err();
        assert!(e.to_string().contains("row 0, entry 1"), "{e}");
    }

    #[test]
    fn transpose_is_the_csc_view() {
        let m = hand();
        let t = m.transpose();
        assert_eq!(t.shape(), (4, 3));
        assert_eq!(t.to_dense(), dense().t());
        assert_eq!(t.indptr(), &[0, 1, 2, 3, 4]);
        assert_eq!(t.row(0), Some((&[2u32][..], &[5.0][..])));
        assert_eq!(t.transpose(), m);
        // Transposes pass the structural checks.
        assert!(
            CsrMatrix::from_parts(
                4,
                3,
                t.indptr().to_vec(),
                t.indices().to_vec(),
                t.data().to_vec()
            )
            .is_ok()
        );
    }

    #[test]
    fn products_match_dense() {
        let m = hand();
        let b = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64 - 4.0);
        assert_eq!(m.mul_dense(b.view()).unwrap(), dense().dot(&b));
        // Column-major b takes the strided path.
        let bt = b.t().to_owned();
        assert_eq!(m.mul_dense(bt.t()).unwrap(), dense().dot(&b));
        let v = array![1.0, -2.0, 0.5, 4.0];
        assert_eq!(m.mul_vec(v.view()).unwrap(), dense().dot(&v));
        let e = m
            .mul_dense(Array2::<f64>::zeros((3, 2)).view())
            .unwrap_err();
        assert!(
            e.to_string().contains("4 rows") && e.to_string().contains("3 rows"),
            "{e}"
        );
        assert!(m.mul_vec(array![1.0].view()).is_err());
    }

    #[test]
    fn map_values_keeps_pattern() {
        let m = hand().map_values(|v| v * 10.0);
        assert_eq!(m.to_dense(), dense() * 10.0);
    }

    #[test]
    fn deserialisation_path_validates() {
        // `#[serde(try_from = "CsrParts")]`: deserialised data goes through
        // this conversion (a serde_json round trip needs serde_json as a
        // dev-dependency, which this crate does not have).
        let m = hand();
        let parts = |indices: Vec<u32>| CsrParts {
            n_rows: 3,
            n_cols: 4,
            indptr: m.indptr().to_vec(),
            indices,
            data: m.data().to_vec(),
        };
        assert_eq!(CsrMatrix::try_from(parts(m.indices().to_vec())).unwrap(), m);
        let e = CsrMatrix::try_from(parts(vec![3, 1, 0, 2])).unwrap_err();
        assert!(e.to_string().contains("row 0"), "{e}");
    }
}
