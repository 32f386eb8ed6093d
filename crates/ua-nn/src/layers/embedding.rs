//! A lookup table of learned vectors, indexed by the values of the input.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use ua_tensor::init::Initializer;

use crate::layer::first_rows;
use crate::layer::{Layer, MAX_PARAMS, Mode, Param, ParamKind, check_grad, check_out, rows_of};
use crate::layers::conv1d::InputSteps;
use crate::persist::SavedLayer;
use crate::{Result, Scalar};

/// How far from an integer an index may be and still count as that integer.
///
/// An [`Embedding`] reads its indices from a floating-point input matrix.
/// Indices made with `i as f32` are exact; the tolerance lets an index that
/// went through float arithmetic (or a finite-difference nudge in
/// [`gradcheck`](crate::gradcheck)) still count, while `2.5` is an error.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Layer, layers::{Embedding, INDEX_TOLERANCE}};
/// let e = Embedding::<f64>::new(4, 2, 0).unwrap();
/// assert!(e.infer(array![[3.0 - INDEX_TOLERANCE / 2.0]].view()).is_ok());
/// assert!(e.infer(array![[2.5]].view()).is_err());
/// ```
pub const INDEX_TOLERANCE: f64 = 1e-3;

/// Checks an embedding table's size before anything is allocated: both
/// sizes ≥ 1, `vocab·dim` ≤ [`MAX_PARAMS`] (overflow checked) and every
/// index below `vocab` exactly representable in `S` (`f32` holds integers
/// up to 2²⁴). Returns `vocab·dim`.
fn check_size<S: Scalar>(vocab: usize, dim: usize) -> Result<usize> {
    fn bad<T>(m: String) -> Result<T> {
        Err(crate::error::invalid("embedding layer", m))
    }
    if vocab == 0 {
        return bad("vocab must be ≥ 1, got 0".into());
    }
    if dim == 0 {
        return bad("dim must be ≥ 1, got 0".into());
    }
    let n = match vocab.checked_mul(dim) {
        Some(n) if n <= MAX_PARAMS => n,
        Some(n) => bad::<usize>(format!(
            "vocab {vocab} × dim {dim} gives {n} parameters, more than the limit of {MAX_PARAMS} \
             (MAX_PARAMS)"
        ))?,
        None => bad::<usize>(format!(
            "vocab {vocab} × dim {dim} overflows; the limit is {MAX_PARAMS} parameters (MAX_PARAMS)"
        ))?,
    };
    let exact = 2.0 / S::epsilon().as_f64();
    if (vocab - 1) as f64 > exact {
        return bad(format!(
            "vocab {vocab}: indices above {exact} are not exact in {}; use f64 or a smaller vocabulary",
            S::NAME
        ));
    }
    Ok(n)
}

/// Reads the index at `(row, col)` of an embedding input: a finite value
/// within [`INDEX_TOLERANCE`] of an integer in `0..vocab`.
fn index_at<S: Scalar>(v: S, row: usize, col: usize, vocab: usize) -> Result<usize> {
    let x = v.as_f64();
    let r = x.round();
    let why = if !x.is_finite() {
        "is not a number"
    } else if (x - r).abs() > INDEX_TOLERANCE {
        "is not an integer"
    } else if r < 0.0 {
        "is negative"
    } else if r >= vocab as f64 {
        "is not below the vocabulary size"
    } else {
        return Ok(r as usize);
    };
    Err(crate::error::invalid(
        "embedding input",
        format!(
            "row {row}, column {col}: value {x} {why}; expected an integer index in 0..{vocab}"
        ),
    ))
}

/// The saved form of an [`Embedding`] (type name `"embedding"`).
#[derive(Serialize, Deserialize)]
struct EmbeddingData {
    vocab: usize,
    dim: usize,
    padding_index: Option<usize>,
    /// Row-major `vocab × dim`, widened to `f64` (exact for `f32`).
    weights: Vec<f64>,
}

/// Rebuilds an [`Embedding`] from its saved form.
pub(crate) fn load<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    let d: EmbeddingData = saved.decode()?;
    let want = check_size::<S>(d.vocab, d.dim)?;
    if d.weights.len() != want {
        return Err(crate::error::shape(
            "embedding layer weights",
            format!("{want} weights ({}×{})", d.vocab, d.dim),
            format!("{} weights", d.weights.len()),
        ));
    }
    let table = Array2::from_shape_vec(
        (d.vocab, d.dim),
        d.weights.iter().map(|&v| S::lit(v)).collect(),
    )
    .map_err(|e| crate::error::invalid("embedding layer weights", e.to_string()))?;
    if let Some(p) = d.padding_index
        && p < d.vocab
        && table.row(p).iter().any(|&v| v != S::zero())
    {
        return Err(crate::error::invalid(
            "embedding layer weights",
            format!("the padding row {p} must be all zeros in a saved layer"),
        ));
    }
    Ok(Box::new(
        Embedding::from_weights(table)?.with_padding_index(d.padding_index)?,
    ))
}

/// An embedding: row `k` of a learned `vocab × dim` table is the vector of
/// token (user, item, event type...) `k`.
///
/// It works inside [`Sequential`](crate::Sequential) like any other layer,
/// so it takes its indices as the *values* of the input matrix (as Keras
/// does): an input of `batch × seq_len` integer-valued numbers gives an
/// output of `batch × (seq_len·dim)`, token `t`'s vector in columns
/// `t·dim..(t+1)·dim`. An index that is NaN, negative, not an integer
/// (beyond [`INDEX_TOLERANCE`]) or not below `vocab` is an error naming its
/// row, column and value.
///
/// * **Initialisation**: uniform in ±0.05, Keras' default for embeddings.
///   The scale does not depend on `vocab` or `dim` (there is no fan-in: each
///   output is one table entry), and it keeps the first dot products of two
///   embeddings near zero. [`Embedding::with_init`] takes any other
///   [`Initializer`].
/// * **Padding**: with [`with_padding_index`](Embedding::with_padding_index)
///   one index (usually 0) maps to a zero vector that is never trained: its
///   row is zeroed, the forward pass writes zeros for it without reading the
///   table, and its gradient is never accumulated.
/// * **Sparse gradients**: `backward` adds into the rows that occurred in
///   the batch only and remembers them, so [`zero_grad`](Embedding::zero_grad)
///   clears only those rows ([`touched_rows`](Embedding::touched_rows) lists
///   them). The [`Optimizer`](crate::Optimizer) interface takes whole
///   parameters, so the *update* stays dense (and Adam's moments need it
///   anyway: a row whose gradient is zero still moves with its momentum);
///   `Sequential`'s training loop also zeroes whole gradients after each
///   step. Both cost `O(vocab·dim)` per step, like PyTorch's dense-gradient
///   embedding under Adam.
/// * **Input gradient**: indices have no gradient; `backward` returns zeros
///   of the input's shape, so an embedding can sit anywhere in a model
///   (usually it is the first layer, which is never asked for one).
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Layer, Mode, layers::Embedding};
/// let table = array![[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]];
/// let mut e = Embedding::<f64>::from_weights(table).unwrap().with_padding_index(Some(0)).unwrap();
/// // two rows of two tokens each → two rows of 2·2 columns
/// let x = array![[1.0, 2.0], [2.0, 0.0]];
/// let y = e.forward(x.view(), Mode::Train).unwrap().to_owned();
/// assert_eq!(y, array![[1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 0.0, 0.0]]);
/// let gin = e.backward(x.view(), array![[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 5.0, 5.0]].view(), true).unwrap();
/// assert_eq!(gin.unwrap(), array![[0.0, 0.0], [0.0, 0.0]]); // no gradient w.r.t. indices
/// assert_eq!(e.touched_rows(), [1, 2]); // the padding row 0 is never touched
/// assert_eq!(e.gradient(), &array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]);
/// let err = e.infer(array![[3.0, 1.0]].view()).unwrap_err().to_string();
/// assert!(err.contains("row 0, column 0: value 3 is not below the vocabulary size"), "{err}");
/// ```
#[derive(Debug, Clone)]
pub struct Embedding<S: Scalar> {
    table: Array2<S>,
    grad: Array2<S>,
    padding: Option<usize>,
    /// Rows whose gradient may be non-zero since the last `zero_grad`.
    touched: Vec<usize>,
    is_touched: Vec<bool>,
    /// The indices of the last training forward, row-major `rows × seq_len`.
    indices: Vec<usize>,
    out: Array2<S>,
    gin: Array2<S>,
    rows: usize,
    seq_len: usize,
}

impl<S: Scalar> Embedding<S> {
    /// A `vocab × dim` table drawn uniformly from ±0.05 with `seed`.
    ///
    /// Errors, before allocating, when a size is 0, the table would hold
    /// more than [`MAX_PARAMS`] values, or `vocab` has indices `S` cannot
    /// hold exactly.
    ///
    /// ```
    /// use ua_nn::{Layer, layers::Embedding};
    /// let e = Embedding::<f32>::new(1000, 16, 7).unwrap();
    /// assert_eq!((e.vocab(), e.dim(), e.n_params()), (1000, 16, 16_000));
    /// assert!(e.table().iter().all(|v| v.abs() <= 0.05));
    /// let err = Embedding::<f32>::new(1 << 20, 1 << 10, 7).unwrap_err().to_string();
    /// assert!(err.contains("MAX_PARAMS"), "{err}");
    /// assert!(Embedding::<f32>::new(0, 4, 7).unwrap_err().to_string().contains("vocab must be ≥ 1"));
    /// ```
    pub fn new(vocab: usize, dim: usize, seed: u64) -> Result<Self> {
        Self::with_init(
            vocab,
            dim,
            Initializer::Uniform {
                low: -0.05,
                high: 0.05,
            },
            seed,
        )
    }

    /// A `vocab × dim` table drawn from `init` with `seed` (e.g.
    /// `Initializer::Normal { std: (1.0 / dim as f64).sqrt() }`).
    ///
    /// ```
    /// use ua_nn::layers::Embedding;
    /// use ua_nn::ua_tensor::init::Initializer;
    /// let e = Embedding::<f64>::with_init(3, 2, Initializer::Constant { value: 0.5 }, 1).unwrap();
    /// assert!(e.table().iter().all(|&v| v == 0.5));
    /// ```
    pub fn with_init(vocab: usize, dim: usize, init: Initializer, seed: u64) -> Result<Self> {
        check_size::<S>(vocab, dim)?;
        let table = init.matrix::<S>(vocab, dim, &mut StdRng::seed_from_u64(seed))?;
        Self::from_weights(table)
    }

    /// An embedding with the given `vocab × dim` table. Errors when it is
    /// empty, too large, or holds a non-finite value.
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// use ua_nn::layers::Embedding;
    /// let e = Embedding::<f32>::from_weights(array![[1.0, 2.0], [3.0, 4.0]]).unwrap();
    /// assert_eq!((e.vocab(), e.dim()), (2, 2));
    /// assert!(Embedding::<f32>::from_weights(array![[f32::NAN]]).is_err());
    /// assert!(Embedding::<f32>::from_weights(Array2::zeros((0, 3))).is_err());
    /// ```
    pub fn from_weights(table: Array2<S>) -> Result<Self> {
        let (vocab, dim) = table.dim();
        check_size::<S>(vocab, dim)?;
        ua_tensor::check::ensure_finite("embedding layer weights", &table)?;
        let table = table.as_standard_layout().into_owned();
        Ok(Embedding {
            grad: Array2::zeros((vocab, dim)),
            table,
            padding: None,
            touched: Vec::new(),
            is_touched: vec![false; vocab],
            indices: Vec::new(),
            out: Array2::zeros((0, 0)),
            gin: Array2::zeros((0, 0)),
            rows: 0,
            seq_len: 0,
        })
    }

    /// Sets (or with `None` removes) the padding index: its row is zeroed
    /// now, reads as zeros, and is never trained. Errors when the index is
    /// not below `vocab`.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::layers::Embedding;
    /// let e = Embedding::<f64>::new(5, 3, 1).unwrap().with_padding_index(Some(0)).unwrap();
    /// assert_eq!(e.padding_index(), Some(0));
    /// assert!(e.table().row(0).iter().all(|&v| v == 0.0));
    /// let err = Embedding::<f64>::new(5, 3, 1).unwrap().with_padding_index(Some(5)).unwrap_err();
    /// assert!(err.to_string().contains("padding_index 5 must be below vocab 5"), "{err}");
    /// ```
    pub fn with_padding_index(mut self, padding: Option<usize>) -> Result<Self> {
        if let Some(p) = padding {
            if p >= self.vocab() {
                return Err(crate::error::invalid(
                    "embedding layer",
                    format!("padding_index {p} must be below vocab {}", self.vocab()),
                ));
            }
            self.table.row_mut(p).fill(S::zero());
            self.grad.row_mut(p).fill(S::zero());
        }
        self.padding = padding;
        Ok(self)
    }

    /// The padding index, if any.
    ///
    /// ```
    /// use ua_nn::layers::Embedding;
    /// assert_eq!(Embedding::<f32>::new(2, 2, 0).unwrap().padding_index(), None);
    /// ```
    pub fn padding_index(&self) -> Option<usize> {
        self.padding
    }

    /// Number of rows (distinct indices).
    ///
    /// ```
    /// use ua_nn::layers::Embedding;
    /// assert_eq!(Embedding::<f32>::new(9, 2, 0).unwrap().vocab(), 9);
    /// ```
    pub fn vocab(&self) -> usize {
        self.table.nrows()
    }

    /// Length of each vector.
    ///
    /// ```
    /// use ua_nn::layers::Embedding;
    /// assert_eq!(Embedding::<f32>::new(9, 2, 0).unwrap().dim(), 2);
    /// ```
    pub fn dim(&self) -> usize {
        self.table.ncols()
    }

    /// The `vocab × dim` table.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::layers::Embedding;
    /// let e = Embedding::<f64>::from_weights(array![[1.0], [2.0]]).unwrap();
    /// assert_eq!(e.table(), &array![[1.0], [2.0]]);
    /// ```
    pub fn table(&self) -> &Array2<S> {
        &self.table
    }

    /// The gradient accumulated since the last [`zero_grad`](Self::zero_grad)
    /// (`vocab × dim`; non-zero only in [`touched_rows`](Self::touched_rows)).
    /// See [`Embedding`] for an example.
    ///
    /// ```
    /// use ua_nn::layers::Embedding;
    /// assert!(Embedding::<f32>::new(3, 2, 0).unwrap().gradient().iter().all(|&g| g == 0.0));
    /// ```
    pub fn gradient(&self) -> &Array2<S> {
        &self.grad
    }

    /// The rows `backward` added gradient to since the last
    /// [`zero_grad`](Self::zero_grad), in the order they were first touched.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::Embedding};
    /// let mut e = Embedding::<f64>::new(10, 2, 0).unwrap();
    /// let x = array![[7.0, 3.0, 7.0]];
    /// e.forward(x.view(), Mode::Train).unwrap();
    /// e.backward(x.view(), ndarray::Array2::ones((1, 6)).view(), false).unwrap();
    /// assert_eq!(e.touched_rows(), [7, 3]);
    /// assert_eq!(e.gradient().row(7).to_vec(), [2.0, 2.0]); // row 7 occurred twice
    /// e.zero_grad();
    /// assert!(e.touched_rows().is_empty() && e.gradient().iter().all(|&g| g == 0.0));
    /// ```
    pub fn touched_rows(&self) -> &[usize] {
        &self.touched
    }

    /// Clears the gradient of the touched rows only (`O(touched·dim)`, not
    /// `O(vocab·dim)`). See [`touched_rows`](Self::touched_rows).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::Embedding};
    /// let mut e = Embedding::<f32>::new(4, 1, 0).unwrap();
    /// e.forward(array![[1.0]].view(), Mode::Train).unwrap();
    /// e.backward(array![[1.0]].view(), array![[3.0]].view(), false).unwrap();
    /// assert_eq!(e.gradient()[[1, 0]], 3.0);
    /// e.zero_grad();
    /// assert_eq!(e.gradient()[[1, 0]], 0.0);
    /// ```
    pub fn zero_grad(&mut self) {
        for &r in &self.touched {
            self.grad.row_mut(r).fill(S::zero());
            self.is_touched[r] = false;
        }
        self.touched.clear();
    }

    /// The last training forward's output as the input of a convolution's
    /// positioned backward pass ([`InputSteps`]): steps are read from the
    /// table (small, so it stays in cache, unlike the `rows × seq_len·dim`
    /// output) and each gradient term `dz·w` goes straight to the gradient
    /// of the table row that token used, exactly as [`backward`](Layer::backward)
    /// would add it from a dense output gradient — padding is skipped,
    /// touched rows are recorded — without building that dense gradient.
    pub(crate) fn table_steps(&mut self) -> TableSteps<'_, S> {
        let (rows, seq_len) = (self.rows, self.seq_len);
        TableSteps {
            indices: &self.indices[..rows * seq_len],
            rows,
            seq_len,
            table: &self.table,
            padding: self.padding,
            grad: &mut self.grad,
            touched: &mut self.touched,
            is_touched: &mut self.is_touched,
        }
    }

    /// Writes the vectors of `input`'s indices into `out` (shapes checked by
    /// the caller), recording the indices in `record` when given.
    fn gather(
        &self,
        input: ArrayView2<'_, S>,
        mut out: ArrayViewMut2<'_, S>,
        mut record: Option<&mut Vec<usize>>,
    ) -> Result<()> {
        let (vocab, dim) = self.table.dim();
        for ((r, row), mut dst) in input.rows().into_iter().enumerate().zip(out.rows_mut()) {
            for (t, &v) in row.iter().enumerate() {
                let k = index_at(v, r, t, vocab)?;
                if let Some(rec) = record.as_deref_mut() {
                    rec.push(k);
                }
                let mut d = dst.slice_mut(s![t * dim..(t + 1) * dim]);
                if Some(k) == self.padding {
                    d.fill(S::zero());
                } else {
                    d.assign(&self.table.row(k));
                }
            }
        }
        Ok(())
    }
}

/// See [`Embedding::table_steps`].
pub(crate) struct TableSteps<'a, S: Scalar> {
    indices: &'a [usize],
    rows: usize,
    seq_len: usize,
    table: &'a Array2<S>,
    padding: Option<usize>,
    grad: &'a mut Array2<S>,
    touched: &'a mut Vec<usize>,
    is_touched: &'a mut Vec<bool>,
}

impl<S: Scalar> InputSteps<S> for TableSteps<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.rows, self.seq_len)
    }

    /// The token's vector; for the padding index, whose vector the forward
    /// wrote as zeros, no values (a zero step adds nothing).
    fn step(&self, row: usize, step: usize) -> &[S] {
        let k = self.indices[row * self.seq_len + step];
        if Some(k) == self.padding {
            return &[];
        }
        self.table.row(k).to_slice().unwrap_or(&[])
    }

    fn add_gradient(&mut self, row: usize, step: usize, dz: S, w: &[S]) {
        let k = self.indices[row * self.seq_len + step];
        if Some(k) == self.padding {
            return;
        }
        if !self.is_touched[k] {
            self.is_touched[k] = true;
            self.touched.push(k);
        }
        if let Some(g) = self.grad.row_mut(k).into_slice() {
            g.iter_mut().zip(w).for_each(|(a, &v)| *a = *a + dz * v);
        }
    }
}

impl<S: Scalar> Layer<S> for Embedding<S> {
    fn name(&self) -> &'static str {
        "embedding"
    }

    /// `input_dim` is the sequence length; the output has `seq_len·dim` columns.
    fn output_dim(&self, input_dim: usize) -> Result<usize> {
        if input_dim == 0 {
            return Err(crate::error::invalid(
                "embedding layer",
                "the input needs at least one column (seq_len ≥ 1), got 0",
            ));
        }
        input_dim.checked_mul(self.dim()).ok_or_else(|| {
            crate::error::invalid(
                "embedding layer",
                format!("seq_len {input_dim} × dim {} overflows", self.dim()),
            )
        })
    }

    fn forward(&mut self, input: ArrayView2<'_, S>, _mode: Mode) -> Result<ArrayView2<'_, S>> {
        let cols = self.output_dim(input.ncols())?;
        let n = input.nrows();
        let mut out = std::mem::take(&mut self.out);
        let mut indices = std::mem::take(&mut self.indices);
        indices.clear();
        let done = self.gather(input, rows_of(&mut out, n, cols), Some(&mut indices));
        self.out = out;
        self.indices = indices;
        // A failed forward leaves nothing for backward to use.
        self.rows = if done.is_ok() { n } else { 0 };
        self.seq_len = if done.is_ok() { input.ncols() } else { 0 };
        done?;
        Ok(self.output())
    }

    fn output(&self) -> ArrayView2<'_, S> {
        let cols = self.seq_len * self.dim();
        self.out
            .slice(s![..self.rows, ..cols.min(self.out.ncols())])
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let (n, t) = (self.rows, self.seq_len);
        let dim = self.dim();
        check_grad("embedding", &grad_output, (n, t * dim))?;
        if input.dim() != (n, t) {
            return Err(crate::error::shape(
                "embedding backward input",
                format!("{} (the last forward input)", crate::error::dims((n, t))),
                crate::error::dims(input.dim()),
            ));
        }
        for (r, g) in grad_output.rows().into_iter().enumerate() {
            for (p, &k) in self.indices[r * t..(r + 1) * t].iter().enumerate() {
                if Some(k) == self.padding {
                    continue;
                }
                if !self.is_touched[k] {
                    self.is_touched[k] = true;
                    self.touched.push(k);
                }
                let src = g.slice(s![p * dim..(p + 1) * dim]);
                self.grad.row_mut(k).zip_mut_with(&src, |a, &b| *a = *a + b);
            }
        }
        if !need_input_grad {
            return Ok(None);
        }
        rows_of(&mut self.gin, n, t).fill(S::zero());
        Ok(Some(first_rows(&self.gin, n)))
    }

    fn infer_into(&self, input: ArrayView2<'_, S>, out: ArrayViewMut2<'_, S>) -> Result<()> {
        let cols = self.output_dim(input.ncols())?;
        check_out("embedding", &out, (input.nrows(), cols))?;
        self.gather(input, out, None)
    }

    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(Param<'_, S>)) {
        if let (Some(value), Some(grad)) = (self.table.as_slice_mut(), self.grad.as_slice_mut()) {
            visit(Param {
                kind: ParamKind::Weight,
                value,
                grad,
            });
        }
    }

    fn n_params(&self) -> usize {
        self.table.len()
    }

    fn to_saved(&self) -> Result<SavedLayer> {
        SavedLayer::new(
            "embedding",
            &EmbeddingData {
                vocab: self.vocab(),
                dim: self.dim(),
                padding_index: self.padding,
                weights: self.table.iter().map(|v| v.as_f64()).collect(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn sizes_are_checked_inclusively_and_overflow_is_caught() {
        assert_eq!(check_size::<f64>(1, 1).unwrap(), 1);
        assert_eq!(check_size::<f64>(3, 4).unwrap(), 12);
        assert_eq!(check_size::<f64>(1 << 14, 1 << 14).unwrap(), MAX_PARAMS);
        let e = check_size::<f64>((1 << 14) + 1, 1 << 14)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than the limit"), "{e}");
        let e = check_size::<f64>(usize::MAX / 2, 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("overflows"), "{e}");
        let e = check_size::<f64>(3, 0).unwrap_err().to_string();
        assert!(e.contains("dim must be ≥ 1, got 0"), "{e}");
        // f32 holds every integer up to 2²⁴ exactly, so a vocabulary of
        // 2²⁴ + 1 rows (largest index 2²⁴) fits and one more does not.
        assert!(check_size::<f32>((1 << 24) + 1, 1).is_ok());
        let e = check_size::<f32>((1 << 24) + 2, 1).unwrap_err().to_string();
        assert!(e.contains("not exact in f32"), "{e}");
        assert!(check_size::<f64>((1 << 24) + 2, 1).is_ok());
    }

    #[test]
    fn every_kind_of_bad_index_is_named_with_its_place() {
        let e = Embedding::<f64>::new(5, 2, 0).unwrap();
        for (v, why) in [
            (f64::NAN, "value NaN is not a number"),
            (f64::INFINITY, "value inf is not a number"),
            (1.5, "value 1.5 is not an integer"),
            (-1.0, "value -1 is negative"),
            (5.0, "value 5 is not below the vocabulary size"),
        ] {
            let x = array![[0.0, 1.0], [2.0, v]];
            let msg = e.infer(x.view()).unwrap_err().to_string();
            assert!(msg.contains(&format!("row 1, column 1: {why}")), "{msg}");
            assert!(msg.contains("expected an integer index in 0..5"), "{msg}");
        }
        // The tolerance is inclusive and symmetric; just beyond it is an error.
        for v in [
            4.0 - INDEX_TOLERANCE,
            0.0 + INDEX_TOLERANCE,
            -INDEX_TOLERANCE,
        ] {
            assert!(e.infer(array![[v]].view()).is_ok(), "{v}");
        }
        for v in [4.0 - 1.5 * INDEX_TOLERANCE, 1.5 * INDEX_TOLERANCE] {
            assert!(e.infer(array![[v]].view()).is_err(), "{v}");
        }
        // -0.4 rounds to 0 but is not within the tolerance of an integer.
        assert!(e.infer(array![[-0.4]].view()).is_err());
        assert_eq!(index_at(4.0f64, 0, 0, 5).unwrap(), 4);
        assert_eq!(index_at(-0.0f64, 0, 0, 5).unwrap(), 0);
    }

    #[test]
    fn a_failed_forward_leaves_nothing_to_backpropagate() {
        let mut e = Embedding::<f64>::new(3, 2, 0).unwrap();
        e.forward(array![[1.0]].view(), Mode::Train).unwrap();
        assert_eq!(e.output().dim(), (1, 2));
        assert!(e.forward(array![[1.0], [7.0]].view(), Mode::Train).is_err());
        assert_eq!(e.output().dim(), (0, 0));
        let msg = e
            .backward(
                array![[1.0], [7.0]].view(),
                Array2::ones((2, 2)).view(),
                false,
            )
            .unwrap_err()
            .to_string();
        assert!(msg.contains("embedding backward"), "{msg}");
        assert!(e.gradient().iter().all(|&g| g == 0.0));
    }

    #[test]
    fn the_input_gradient_is_zeros_of_the_input_shape_when_asked_for() {
        let mut e = Embedding::<f64>::new(3, 2, 0).unwrap();
        assert_eq!(e.name(), "embedding");
        let x = array![[1.0, 2.0, 0.0], [2.0, 2.0, 1.0]];
        e.forward(x.view(), Mode::Train).unwrap();
        let g = Array2::ones((2, 6));
        let gin = e.backward(x.view(), g.view(), true).unwrap().unwrap();
        assert_eq!(gin, Array2::<f64>::zeros((2, 3)));
        assert!(e.backward(x.view(), g.view(), false).unwrap().is_none());
        // Both calls accumulated: row 2 occurred three times per call.
        assert_eq!(e.gradient().row(2).to_vec(), [6.0, 6.0]);
    }

    #[test]
    fn backward_checks_the_input_and_gradient_shapes() {
        let mut e = Embedding::<f64>::new(3, 2, 0).unwrap();
        let x = array![[1.0, 2.0]];
        e.forward(x.view(), Mode::Train).unwrap();
        let msg = e
            .backward(x.view(), Array2::ones((1, 3)).view(), true)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("gradient of shape 1×4"), "{msg}");
        let msg = e
            .backward(
                array![[1.0, 2.0, 0.0]].view(),
                Array2::ones((1, 4)).view(),
                true,
            )
            .unwrap_err()
            .to_string();
        assert!(msg.contains("1×2 (the last forward input)"), "{msg}");
        assert!(e.touched_rows().is_empty());
    }

    #[test]
    fn gradients_accumulate_until_zeroed_and_padding_never_moves() {
        let table = array![[9.0, 9.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        let mut e = Embedding::<f64>::from_weights(table)
            .unwrap()
            .with_padding_index(Some(0))
            .unwrap();
        assert_eq!(e.table().row(0).to_vec(), [0.0, 0.0]);
        let x = array![[0.0, 2.0], [2.0, 3.0]];
        let g = array![[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]];
        for _ in 0..2 {
            e.forward(x.view(), Mode::Train).unwrap();
            e.backward(x.view(), g.view(), false).unwrap();
        }
        assert_eq!(e.touched_rows(), [2, 3]);
        assert_eq!(
            e.gradient(),
            &array![[0.0, 0.0], [0.0, 0.0], [16.0, 20.0], [14.0, 16.0]]
        );
        // Sequential's loop updates whole parameters: the padding row gets a
        // zero gradient, so even Adam leaves it at zero.
        let mut adam = crate::optim::Adam::<f64>::new(0.1);
        use crate::Optimizer;
        adam.begin_step();
        e.visit_params(&mut |p| adam.update(0, p));
        assert_eq!(e.table().row(0).to_vec(), [0.0, 0.0]);
        assert_ne!(e.table().row(2).to_vec(), [2.0, 2.0]);
        e.zero_grad();
        assert!(e.gradient().iter().all(|&g| g == 0.0));
        // After zeroing, rows are tracked afresh.
        e.forward(array![[1.0]].view(), Mode::Train).unwrap();
        e.backward(array![[1.0]].view(), array![[1.0, 1.0]].view(), false)
            .unwrap();
        assert_eq!(e.touched_rows(), [1]);
        // Removing the padding index makes row 0 an ordinary row.
        let e = e.with_padding_index(None).unwrap();
        assert_eq!(e.padding_index(), None);
        assert_eq!(e.infer(array![[0.0]].view()).unwrap().dim(), (1, 2));
    }

    #[test]
    fn table_steps_read_the_output_and_add_what_backward_would() {
        let table = array![[0.0, 0.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let mut dense = Embedding::<f64>::from_weights(table)
            .unwrap()
            .with_padding_index(Some(0))
            .unwrap();
        let x = array![[1.0, 3.0, 0.0], [3.0, 2.0, 1.0]];
        dense.forward(x.view(), Mode::Train).unwrap();
        let mut fast = dense.clone();
        // terms (row, step, dz, w), two of them on the same token 3 and one on padding
        let terms = [
            (0, 1, 2.0, [1.0, -1.0]),
            (1, 0, 0.5, [4.0, 2.0]),
            (0, 2, 3.0, [1.0, 1.0]),
            (1, 2, -1.0, [1.0, 3.0]),
        ];
        let mut g = Array2::<f64>::zeros((2, 6));
        for &(r, t, dz, w) in &terms {
            g[[r, 2 * t]] += dz * w[0];
            g[[r, 2 * t + 1]] += dz * w[1];
        }
        dense.backward(x.view(), g.view(), false).unwrap();
        let out = dense.output().to_owned();
        let mut steps = fast.table_steps();
        assert_eq!(steps.dims(), (2, 3));
        for r in 0..2 {
            for t in 0..3 {
                let v = steps.step(r, t).to_vec();
                if x[[r, t]] == 0.0 {
                    assert!(v.is_empty(), "padding has no values: {v:?}");
                } else {
                    assert_eq!(v, out.slice(s![r, 2 * t..2 * t + 2]).to_vec());
                }
            }
        }
        for &(r, t, dz, w) in &terms {
            steps.add_gradient(r, t, dz, &w);
        }
        assert_eq!(fast.gradient(), dense.gradient());
        assert_eq!(
            fast.gradient(),
            &array![[0.0, 0.0], [-1.0, -3.0], [0.0, 0.0], [4.0, -1.0]]
        );
        // only rows that received a term count as touched (backward touches
        // every token of the batch, token 2 with a zero gradient)
        assert_eq!(fast.touched_rows(), [3, 1]);
        assert_eq!(dense.touched_rows(), [1, 3, 2]);
    }

    #[test]
    fn the_output_width_is_seq_len_times_dim() {
        let e = Embedding::<f32>::new(3, 4, 0).unwrap();
        assert_eq!(e.output_dim(1).unwrap(), 4);
        assert_eq!(e.output_dim(5).unwrap(), 20);
        assert!(
            e.output_dim(0)
                .unwrap_err()
                .to_string()
                .contains("seq_len ≥ 1")
        );
        let msg = e.output_dim(usize::MAX).unwrap_err().to_string();
        assert!(msg.contains("overflows"), "{msg}");
        let mut out = Array2::zeros((1, 3));
        let msg = e
            .infer_into(array![[1.0]].view(), out.view_mut())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("1×4"), "{msg}");
    }

    #[test]
    fn a_saved_padding_row_must_be_zero_and_sizes_must_match() {
        let e = Embedding::<f32>::new(3, 2, 5)
            .unwrap()
            .with_padding_index(Some(1))
            .unwrap();
        let saved = e.to_saved().unwrap();
        assert_eq!(saved.data["padding_index"], 1);
        let back = load::<f32>(&saved).unwrap();
        let back = back.downcast_ref::<Embedding<f32>>().unwrap();
        assert_eq!(back.table(), e.table());
        assert_eq!(back.padding_index(), Some(1));
        let mut bad = saved.clone();
        bad.data["weights"][2] = serde_json::json!(0.5);
        let msg = load::<f32>(&bad).err().unwrap().to_string();
        assert!(msg.contains("padding row 1 must be all zeros"), "{msg}");
        let mut bad = saved.clone();
        bad.data["padding_index"] = serde_json::json!(3);
        let msg = load::<f32>(&bad).err().unwrap().to_string();
        assert!(
            msg.contains("padding_index 3 must be below vocab 3"),
            "{msg}"
        );
        let mut bad = saved.clone();
        bad.data["dim"] = serde_json::json!(3);
        let msg = load::<f32>(&bad).err().unwrap().to_string();
        assert!(msg.contains("9 weights (3×3)"), "{msg}");
        let mut bad = saved;
        bad.data["vocab"] = serde_json::json!(0);
        assert!(load::<f32>(&bad).is_err());
    }

    /// Sequences of 4 tokens from a vocabulary of 10 (0 = padding); the
    /// label is 1 when token 7 occurs.
    fn planted() -> (Array2<f32>, Array2<f32>) {
        let x = Array2::from_shape_fn((200, 4), |(i, t)| ((i * 7 + t * 3 + i / 5) % 10) as f32);
        let y = Array2::from_shape_fn((200, 1), |(i, _)| {
            f32::from(x.row(i).iter().any(|&v| v == 7.0))
        });
        (x, y)
    }

    fn model() -> crate::Sequential<f32> {
        let e = Embedding::<f32>::new(10, 3, 1)
            .unwrap()
            .with_padding_index(Some(0))
            .unwrap();
        let d = crate::layers::Dense::<f32>::new(
            12,
            1,
            crate::Activation::Sigmoid,
            Initializer::GlorotUniform,
            &mut ua_tensor::init::seeded_rng(2),
        )
        .unwrap();
        crate::Sequential::from_layers(4, vec![Box::new(e), Box::new(d)]).unwrap()
    }

    #[test]
    fn trains_inside_sequential_with_the_usual_loop_and_keeps_padding_zero() {
        use crate::{FitConfig, losses::BinaryCrossEntropy, optim::Adam};
        let (x, y) = planted();
        let mut m = model();
        let h = m
            .fit(
                x.view(),
                y.view(),
                &BinaryCrossEntropy::new(),
                &mut Adam::new(0.05),
                FitConfig::new().epochs(60).batch_size(32).seed(3),
            )
            .unwrap();
        let acc = *h.accuracy().last().unwrap();
        assert!(acc > 0.95, "accuracy {acc}");
        let e = m.layers()[0].downcast_ref::<Embedding<f32>>().unwrap();
        assert!(e.table().row(0).iter().all(|&v| v == 0.0));
        // Bad indices reach the user as errors through the model too.
        let msg = m
            .predict(array![[1.0, 2.0, 3.0, 10.0]].view())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("row 0, column 3: value 10"), "{msg}");
    }

    #[test]
    fn a_model_with_an_embedding_saves_and_loads_bit_identically() {
        use crate::Persist;
        let (x, _) = planted();
        let m = model();
        let json = m.to_json().unwrap();
        assert!(json.contains("\"type\":\"embedding\""), "{json}");
        let back = crate::Sequential::<f32>::from_json(&json).unwrap();
        assert_eq!(back.to_json().unwrap(), json);
        let (a, b) = (
            m.predict(x.view()).unwrap(),
            back.predict(x.view()).unwrap(),
        );
        assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
        let e = back.layers()[0].downcast_ref::<Embedding<f32>>().unwrap();
        assert_eq!(e.padding_index(), Some(0));
    }
}
