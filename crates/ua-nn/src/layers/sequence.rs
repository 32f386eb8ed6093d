//! Composite layers for sequences: [`SequenceBranch`] (tokens and numeric
//! channels → embedding → convolutions → masked global pool) and
//! [`Parallel`] (column ranges through their own layers, outputs side by side).

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};
use serde::{Deserialize, Serialize};

use crate::layer::first_rows;
use crate::layer::{Layer, Mode, Param, check_grad, check_out, rows_of};
use crate::layers::conv1d::{Conv1D, load_conv};
use crate::layers::embedding::Embedding;
use crate::layers::pool::{PoolCore, Pooling};
use crate::persist::{LayerRegistry, SavedLayer};
use crate::{Result, Scalar};

/// Rows per block at inference, so the intermediate sequences of a block
/// stay small whatever block size the caller passes.
const INFER_ROWS: usize = 256;

/// The saved form of a [`SequenceBranch`] (type name `"sequence_branch"`).
#[derive(Serialize, Deserialize)]
struct BranchData {
    steps: usize,
    numeric_channels: usize,
    pooling: Pooling,
    embedding: SavedLayer,
    convs: Vec<SavedLayer>,
}

/// A sequence model as one layer: token ids and numeric channels per step →
/// [`Embedding`] → [`Conv1D`] layers → a global pool over each row's own
/// length.
///
/// **Input row** (`steps·(1 + numeric_channels)` columns): first the `steps`
/// token ids (as numbers, right-padded with the embedding's padding index),
/// then `numeric_channels` values per step, time-major
/// (`[t0c0, t0c1, …, t1c0, …]`). **Output**: the last convolution's
/// `out_channels` (without convolutions: the embedding's `dim` plus
/// `numeric_channels`, pooled).
///
/// **Lengths come from the padding.** A row's length is one past its last
/// token that is not the padding index (trailing padding is not part of the
/// sequence; a padding token inside the sequence is a step whose embedding
/// is zero). Beyond the length, numeric channels are read as zero, every
/// convolution's output is zeroed (with [`Padding::Valid`](crate::layers::Padding)
/// only windows wholly inside the sequence count) and the pool ignores those
/// steps, so the output does not depend on what lies beyond the length nor on
/// how far a row is padded; a row of padding only gives zeros. The
/// convolutions are computed at the valid steps only (padding costs no
/// matrix-product work), in training and at inference. With
/// [`Pooling::Max`] the backward pass of the last convolution uses only the
/// step each (row, channel) maximum came from — the rest of its output
/// gradient is zero — so it costs `kernel_width·in_channels` products per
/// (row, channel) instead of two matrix products over every step; with no
/// numeric channels and one convolution, those gradient terms go straight
/// to the embedding table's rows. Because the
/// mask travels inside the layer, the model trains in a plain
/// [`Sequential`](crate::Sequential) with the usual `fit`, optimizers, early
/// stopping and class weights, and [`Parallel`] puts it beside static features.
///
/// Parameters are visited embedding first, then each convolution (weights,
/// biases); saving writes the children as nested saved layers.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, Layer, Mode, layers::{Conv1D, Embedding, Pooling, SequenceBranch}};
/// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
/// let emb = Embedding::<f64>::new(10, 4, 1).unwrap().with_padding_index(Some(0)).unwrap();
/// // 4 embedding dims + 1 numeric channel per step → 8 filters of width 3
/// let conv = Conv1D::new(5, 8, 3, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(2)).unwrap();
/// let mut branch = SequenceBranch::new(6, 1, emb, vec![conv], Pooling::Max).unwrap();
/// assert_eq!(branch.output_dim(6 * 2).unwrap(), 8);
/// //         tokens (length 3, then padding)  | amount per step
/// let x = array![[4.0, 2.0, 7.0, 0.0, 0.0, 0.0, 0.5, 1.0, -1.0, 9.0, 9.0, 9.0]];
/// let y = branch.forward(x.view(), Mode::Train).unwrap().to_owned();
/// // what lies beyond the length does not matter
/// let z = array![[4.0, 2.0, 7.0, 0.0, 0.0, 0.0, 0.5, 1.0, -1.0, 0.0, -3.0, 0.0]];
/// assert_eq!(branch.infer(z.view()).unwrap(), y);
/// assert_eq!(branch.lengths(), [3]);
/// ```
#[derive(Debug, Clone)]
pub struct SequenceBranch<S: Scalar> {
    steps: usize,
    numeric: usize,
    embedding: Embedding<S>,
    convs: Vec<Conv1D<S>>,
    pool: PoolCore<S>,
    /// Valid steps per row: `valid[0]` of the input, `valid[i + 1]` after convolution `i`.
    valid: Vec<Vec<usize>>,
    /// The convolutions' input: embedding and numeric channels per step.
    x0: Array2<S>,
    gemb: Array2<S>,
    gin: Array2<S>,
    rows: usize,
}

impl<S: Scalar> SequenceBranch<S> {
    /// A branch over `steps` tokens with `numeric_channels` numbers per step.
    ///
    /// Errors when the embedding has no padding index (it marks where each
    /// sequence ends), `steps` is 0, the first convolution's `in_channels` is
    /// not `embedding.dim() + numeric_channels`, the channels of consecutive
    /// convolutions do not chain, or a valid convolution has no complete
    /// window in `steps` steps.
    ///
    /// ```
    /// use ua_nn::{Activation, layers::{Conv1D, Embedding, Pooling, SequenceBranch}};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let emb = || Embedding::<f32>::new(10, 4, 1).unwrap().with_padding_index(Some(0)).unwrap();
    /// let conv = || Conv1D::new(4, 8, 3, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(2)).unwrap();
    /// assert!(SequenceBranch::new(5, 0, emb(), vec![conv()], Pooling::Avg).is_ok());
    /// let e = SequenceBranch::new(5, 2, emb(), vec![conv()], Pooling::Avg).unwrap_err().to_string();
    /// assert!(e.contains("in_channels 4, expected 6"), "{e}");
    /// let e = SequenceBranch::new(5, 0, Embedding::new(10, 4, 1).unwrap(), vec![conv()], Pooling::Max).unwrap_err();
    /// assert!(e.to_string().contains("padding index"), "{e}");
    /// ```
    pub fn new(
        steps: usize,
        numeric_channels: usize,
        embedding: Embedding<S>,
        convs: Vec<Conv1D<S>>,
        pooling: Pooling,
    ) -> Result<Self> {
        let bad = |m: String| Err(crate::error::invalid("sequence branch", m));
        if embedding.padding_index().is_none() {
            return bad(
                "the embedding needs a padding index (Embedding::with_padding_index): trailing \
                 padding marks where each sequence ends"
                    .into(),
            );
        }
        if steps == 0 {
            return bad("steps must be ≥ 1, got 0".into());
        }
        numeric_channels
            .checked_add(1)
            .and_then(|c| c.checked_mul(steps))
            .ok_or_else(|| {
                crate::error::invalid(
                    "sequence branch",
                    format!("steps {steps} × (1 + numeric_channels {numeric_channels}) overflows"),
                )
            })?;
        let mut channels = embedding.dim() + numeric_channels;
        let mut t = steps;
        for (i, c) in convs.iter().enumerate() {
            if c.in_channels() != channels {
                let what = if i == 0 {
                    format!(
                        "embedding dim {} + numeric_channels {numeric_channels}",
                        embedding.dim()
                    )
                } else {
                    format!("out_channels of convolution {i}")
                };
                return bad(format!(
                    "convolution {} has in_channels {}, expected {channels} ({what})",
                    i + 1,
                    c.in_channels()
                ));
            }
            t = c.out_steps(t).map_err(|e| {
                crate::error::invalid("sequence branch", format!("convolution {}: {e}", i + 1))
            })?;
            channels = c.out_channels();
        }
        let pool = PoolCore::new(pooling, channels)?;
        Ok(SequenceBranch {
            steps,
            numeric: numeric_channels,
            valid: vec![Vec::new(); convs.len() + 1],
            embedding,
            convs,
            pool,
            x0: Array2::zeros((0, 0)),
            gemb: Array2::zeros((0, 0)),
            gin: Array2::zeros((0, 0)),
            rows: 0,
        })
    }

    /// Token steps per row.
    ///
    /// ```
    /// use ua_nn::layers::{Embedding, Pooling, SequenceBranch};
    /// let emb = Embedding::<f32>::new(5, 2, 0).unwrap().with_padding_index(Some(0)).unwrap();
    /// let b = SequenceBranch::new(7, 3, emb, vec![], Pooling::Avg).unwrap();
    /// assert_eq!((b.steps(), b.numeric_channels(), b.input_dim()), (7, 3, 28));
    /// assert_eq!(b.pooling(), Pooling::Avg);
    /// ```
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Numeric channels per step (see [`steps`](Self::steps)).
    ///
    /// ```
    /// use ua_nn::layers::{Embedding, Pooling, SequenceBranch};
    /// let emb = Embedding::<f32>::new(5, 2, 0).unwrap().with_padding_index(Some(0)).unwrap();
    /// assert_eq!(SequenceBranch::new(7, 0, emb, vec![], Pooling::Max).unwrap().numeric_channels(), 0);
    /// ```
    pub fn numeric_channels(&self) -> usize {
        self.numeric
    }

    /// Input columns: `steps·(1 + numeric_channels)` (see [`steps`](Self::steps)).
    ///
    /// ```
    /// use ua_nn::layers::{Embedding, Pooling, SequenceBranch};
    /// let emb = Embedding::<f32>::new(5, 2, 0).unwrap().with_padding_index(Some(0)).unwrap();
    /// assert_eq!(SequenceBranch::new(4, 1, emb, vec![], Pooling::Max).unwrap().input_dim(), 8);
    /// ```
    pub fn input_dim(&self) -> usize {
        self.steps * (1 + self.numeric)
    }

    /// The pooling (see [`steps`](Self::steps)).
    ///
    /// ```
    /// use ua_nn::layers::{Embedding, Pooling, SequenceBranch};
    /// let emb = Embedding::<f32>::new(5, 2, 0).unwrap().with_padding_index(Some(0)).unwrap();
    /// assert_eq!(SequenceBranch::new(4, 1, emb, vec![], Pooling::Max).unwrap().pooling(), Pooling::Max);
    /// ```
    pub fn pooling(&self) -> Pooling {
        self.pool.kind()
    }

    /// The embedding.
    ///
    /// ```
    /// use ua_nn::layers::{Embedding, Pooling, SequenceBranch};
    /// let emb = Embedding::<f32>::new(5, 2, 0).unwrap().with_padding_index(Some(0)).unwrap();
    /// let b = SequenceBranch::new(4, 1, emb, vec![], Pooling::Max).unwrap();
    /// assert_eq!(b.embedding().vocab(), 5);
    /// ```
    pub fn embedding(&self) -> &Embedding<S> {
        &self.embedding
    }

    /// The convolutions, first to last.
    ///
    /// ```
    /// use ua_nn::layers::{Embedding, Pooling, SequenceBranch};
    /// let emb = Embedding::<f32>::new(5, 2, 0).unwrap().with_padding_index(Some(0)).unwrap();
    /// assert!(SequenceBranch::new(4, 1, emb, vec![], Pooling::Max).unwrap().convs().is_empty());
    /// ```
    pub fn convs(&self) -> &[Conv1D<S>] {
        &self.convs
    }

    /// The lengths of the rows of the last training forward (see
    /// [`SequenceBranch`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::{Embedding, Pooling, SequenceBranch}};
    /// let emb = Embedding::<f32>::new(5, 2, 0).unwrap().with_padding_index(Some(0)).unwrap();
    /// let mut b = SequenceBranch::new(4, 0, emb, vec![], Pooling::Max).unwrap();
    /// b.forward(array![[1.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]].view(), Mode::Train).unwrap();
    /// assert_eq!(b.lengths(), [3, 0]); // inner padding counts, trailing does not
    /// ```
    pub fn lengths(&self) -> &[usize] {
        &self.valid[0][..self.rows.min(self.valid[0].len())]
    }

    fn check_input(&self, input: &ArrayView2<'_, S>) -> Result<()> {
        let want = self.input_dim();
        if input.ncols() != want {
            return Err(crate::error::shape(
                "sequence branch",
                format!(
                    "{want} input columns ({} tokens + {} numeric channels × {} steps)",
                    self.steps, self.numeric, self.steps
                ),
                format!("{} columns", input.ncols()),
            ));
        }
        Ok(())
    }

    /// Lengths from the (already validated) tokens: one past the last
    /// non-padding token.
    fn lengths_of(&self, tokens: ArrayView2<'_, S>, lens: &mut Vec<usize>) {
        let pad = self.embedding.padding_index().unwrap_or(usize::MAX) as f64;
        lens.clear();
        lens.extend(tokens.rows().into_iter().map(|row| {
            row.iter()
                .rposition(|&v| v.as_f64().round() != pad)
                .map_or(0, |i| i + 1)
        }));
    }

    /// Writes the convolutions' input: per step the embedding, then the
    /// numeric channels (zero beyond each row's length).
    fn interleave(
        &self,
        emb: ArrayView2<'_, S>,
        numeric: ArrayView2<'_, S>,
        lens: &[usize],
        mut x0: ArrayViewMut2<'_, S>,
    ) {
        let (e, k) = (self.embedding.dim(), self.numeric);
        let c = e + k;
        for (r, mut row) in x0.rows_mut().into_iter().enumerate() {
            copy_steps(emb.row(r), (e, 0), row.view_mut(), (c, 0), e, self.steps);
            if k > 0 {
                copy_steps(numeric.row(r), (k, 0), row.view_mut(), (c, e), k, lens[r]);
                for t in lens[r]..self.steps {
                    row.slice_mut(s![t * c + e..(t + 1) * c]).fill(S::zero());
                }
            }
        }
    }

    fn conv_channels(&self) -> usize {
        self.embedding.dim() + self.numeric
    }

    /// Eval-mode output of a block of rows into `out`, in buffers that
    /// `scratch` keeps from block to block.
    fn infer_block(
        &self,
        input: ArrayView2<'_, S>,
        mut out: ArrayViewMut2<'_, S>,
        scratch: &mut InferScratch<S>,
    ) -> Result<()> {
        let n = input.nrows();
        let bad = |e: ndarray::ShapeError| {
            crate::error::invalid("sequence branch inference", e.to_string())
        };
        let tokens = input.slice(s![.., ..self.steps]);
        let numeric = input.slice(s![.., self.steps..]);
        let InferScratch {
            emb,
            a,
            b,
            cols,
            row_copy,
            compact,
            lens,
        } = scratch;
        let ew = self.steps * self.embedding.dim();
        grow(emb, n * ew);
        self.embedding.infer_into(
            tokens,
            ArrayViewMut2::from_shape((n, ew), &mut emb[..n * ew]).map_err(bad)?,
        )?;
        self.lengths_of(tokens, lens);
        let xw = self.steps * self.conv_channels();
        grow(a, n * xw);
        self.interleave(
            ArrayView2::from_shape((n, ew), &emb[..n * ew]).map_err(bad)?,
            numeric,
            lens,
            ArrayViewMut2::from_shape((n, xw), &mut a[..n * xw]).map_err(bad)?,
        );
        let (mut t, mut width) = (self.steps, xw);
        for c in &self.convs {
            let t_out = c.out_steps(t)?;
            let oc = c.out_channels();
            let yw = t_out * oc;
            grow(b, n * yw);
            let x = ArrayView2::from_shape((n, width), &a[..n * width]).map_err(bad)?;
            let y = ArrayViewMut2::from_shape((n, yw), &mut b[..n * yw]).map_err(bad)?;
            // only the valid output steps are computed; the rest are zero
            for len in lens.iter_mut() {
                *len = c.valid_out_steps(*len, t_out);
            }
            c.infer_with(x, y, Some(lens), (cols, row_copy, compact))?;
            std::mem::swap(a, b);
            (t, width) = (t_out, yw);
        }
        let x = ArrayView2::from_shape((n, width), &a[..n * width]).map_err(bad)?;
        self.pool.infer_into(x, Some(lens), out.view_mut())
    }
}

/// The buffers of [`SequenceBranch`] inference, reused from block to block.
struct InferScratch<S> {
    emb: Vec<S>,
    a: Vec<S>,
    b: Vec<S>,
    cols: Vec<S>,
    row_copy: Vec<S>,
    compact: Vec<S>,
    lens: Vec<usize>,
}

/// Grows `v` to at least `len` values.
fn grow<S: Scalar>(v: &mut Vec<S>, len: usize) {
    if v.len() < len {
        v.resize(len, S::zero());
    }
}

impl<S: Scalar> Layer<S> for SequenceBranch<S> {
    fn name(&self) -> &'static str {
        "sequence_branch"
    }

    fn output_dim(&self, input_dim: usize) -> Result<usize> {
        self.check_input(
            &ArrayView2::<S>::from_shape((0, input_dim), &[])
                .map_err(|e| crate::error::invalid("sequence branch", e.to_string()))?,
        )?;
        Ok(self
            .convs
            .last()
            .map_or(self.conv_channels(), |c| c.out_channels()))
    }

    fn forward(&mut self, input: ArrayView2<'_, S>, mode: Mode) -> Result<ArrayView2<'_, S>> {
        self.check_input(&input)?;
        self.rows = 0;
        let n = input.nrows();
        let tokens = input.slice(s![.., ..self.steps]);
        let numeric = input.slice(s![.., self.steps..]);
        self.embedding.forward(tokens, mode)?;
        let mut valid = std::mem::take(&mut self.valid);
        self.lengths_of(tokens, &mut valid[0]);
        // Without numeric channels the embedding's output is the
        // convolutions' input as it is; otherwise interleave the two.
        if self.numeric > 0 {
            let mut x0 = std::mem::take(&mut self.x0);
            let width = self.steps * self.conv_channels();
            self.interleave(
                self.embedding.output(),
                numeric,
                &valid[0],
                rows_of(&mut x0, n, width),
            );
            self.x0 = x0;
        }
        let x0 = if self.numeric > 0 {
            first_rows(&self.x0, n)
        } else {
            self.embedding.output()
        };
        let mut t = self.steps;
        let mut done = Ok(());
        for i in 0..self.convs.len() {
            let (before, rest) = self.convs.split_at_mut(i);
            let input = match before.last() {
                Some(prev) => prev.output(),
                None => x0.view(),
            };
            let conv = &mut rest[0];
            // (`?` would leave `valid` taken; errors end the loop instead.)
            let t_out = match conv.out_steps(t) {
                Ok(t_out) => t_out,
                Err(e) => {
                    done = Err(e);
                    break;
                }
            };
            let (prev, next) = valid.split_at_mut(i + 1);
            next[0].clear();
            next[0].extend(prev[i].iter().map(|&l| conv.valid_out_steps(l, t_out)));
            // only the valid output steps are computed; the rest are zero
            if let Err(e) = conv.forward_masked(input, Some(&next[0])) {
                done = Err(e);
                break;
            }
            t = t_out;
        }
        let last = valid.len() - 1;
        if done.is_ok() {
            let features = match self.convs.last() {
                Some(c) => c.output(),
                None => x0.view(),
            };
            done = self.pool.forward(features, Some(&valid[last])).map(|_| ());
        }
        self.valid = valid;
        done?;
        self.rows = n;
        Ok(self.pool.output())
    }

    fn output(&self) -> ArrayView2<'_, S> {
        self.pool.output()
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let n = self.rows;
        if input.dim() != (n, self.input_dim()) || n == 0 {
            return Err(crate::error::shape(
                "sequence branch backward input",
                format!(
                    "{} (the last forward input)",
                    crate::error::dims((n, self.input_dim()))
                ),
                crate::error::dims(input.dim()),
            ));
        }
        check_grad(
            "sequence branch",
            &grad_output,
            (n, self.pool.output().ncols()),
        )?;
        let (e, k, steps) = (self.embedding.dim(), self.numeric, self.steps);
        let c = e + k;
        let SequenceBranch {
            embedding,
            convs,
            pool,
            valid,
            x0,
            gemb,
            gin,
            ..
        } = self;
        if let (0, [conv], Some(at)) = (k, &mut convs[..], pool.max_columns()) {
            // Tokens only, one convolution, a max pool: the convolution's
            // input is the embedding's output, and each of its few non-zero
            // input-gradient terms goes straight to a row of the table.
            let mut table = embedding.table_steps();
            conv.backward_at_with(&mut table, (grad_output, pool.output(), at))?;
            if !need_input_grad {
                return Ok(None);
            }
            rows_of(gin, n, steps).fill(S::zero());
            return Ok(Some(first_rows(&self.gin, n)));
        }
        let x0 = if k > 0 {
            x0.slice(s![..n, ..])
        } else {
            embedding.output()
        };
        let no_grad = || crate::error::invalid("sequence branch backward", "no pool gradient");
        let mut rest = &mut convs[..];
        let rest_len = rest.len();
        // After a max pool the last convolution's output gradient is non-zero
        // at one step per (row, channel): that convolution takes the pool's
        // chosen positions instead of the mostly-zero dense gradient.
        let mut grad = match pool.max_columns() {
            Some(at) if !rest.is_empty() => {
                let (init, last) = std::mem::take(&mut rest).split_at_mut(rest_len - 1);
                let last = &mut last[0];
                let input = match init.last() {
                    Some(prev) => prev.output(),
                    None => x0.view(),
                };
                let g = last
                    .backward_at(input, (grad_output, pool.output(), at), true)?
                    .ok_or_else(no_grad)?;
                rest = init;
                g
            }
            _ => pool.backward(grad_output, true)?.ok_or_else(no_grad)?,
        };
        while let Some((last, init)) = rest.split_last_mut() {
            let input = match init.last() {
                Some(prev) => prev.output(),
                None => x0.view(),
            };
            let i = init.len();
            match last.backward_masked(input, grad, true, Some(&valid[i + 1]))? {
                Some(g) => grad = g,
                None => break,
            }
            rest = init;
        }
        // `grad` is ∂L/∂x0: split it into the embedding's and the channels'.
        if k == 0 {
            // ∂L/∂x0 is the embedding's gradient as it is.
            embedding.backward(input.slice(s![.., ..steps]), grad, false)?;
            if !need_input_grad {
                return Ok(None);
            }
            rows_of(gin, n, steps).fill(S::zero());
            return Ok(Some(first_rows(&self.gin, n)));
        }
        let mut ge = rows_of(gemb, n, steps * e);
        for (dst, src) in ge.rows_mut().into_iter().zip(grad.rows()) {
            copy_steps(src, (c, 0), dst, (e, 0), e, steps);
        }
        if need_input_grad {
            let mut gi = rows_of(gin, n, steps * (1 + k));
            gi.fill(S::zero());
            if k > 0 {
                for (r, (dst, src)) in gi.rows_mut().into_iter().zip(grad.rows()).enumerate() {
                    copy_steps(src, (c, e), dst, (k, steps), k, valid[0][r]);
                }
            }
        }
        embedding.backward(input.slice(s![.., ..steps]), gemb.slice(s![..n, ..]), false)?;
        if !need_input_grad {
            return Ok(None);
        }
        Ok(Some(first_rows(&self.gin, n)))
    }

    fn infer_into(&self, input: ArrayView2<'_, S>, mut out: ArrayViewMut2<'_, S>) -> Result<()> {
        self.check_input(&input)?;
        let width = self.output_dim(input.ncols())?;
        check_out("sequence branch", &out, (input.nrows(), width))?;
        let n = input.nrows();
        let mut scratch = InferScratch {
            emb: Vec::new(),
            a: Vec::new(),
            b: Vec::new(),
            cols: Vec::new(),
            row_copy: Vec::new(),
            compact: Vec::new(),
            lens: Vec::new(),
        };
        let mut r0 = 0;
        while r0 < n {
            let r1 = (r0 + INFER_ROWS).min(n);
            self.infer_block(
                input.slice(s![r0..r1, ..]),
                out.slice_mut(s![r0..r1, ..]),
                &mut scratch,
            )?;
            r0 = r1;
        }
        Ok(())
    }

    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(Param<'_, S>)) {
        self.embedding.visit_params(visit);
        for c in &mut self.convs {
            c.visit_params(visit);
        }
    }

    fn n_params(&self) -> usize {
        self.embedding.n_params() + self.convs.iter().map(|c| c.n_params()).sum::<usize>()
    }

    fn to_saved(&self) -> Result<SavedLayer> {
        SavedLayer::new(
            "sequence_branch",
            &BranchData {
                steps: self.steps,
                numeric_channels: self.numeric,
                pooling: self.pool.kind(),
                embedding: self.embedding.to_saved()?,
                convs: self
                    .convs
                    .iter()
                    .map(|c| c.to_saved())
                    .collect::<Result<_>>()?,
            },
        )
    }
}

/// Copies `width` values per step for `steps` steps from `src` (step `t`
/// at `t·src_step + src_off`) to `dst` (at `t·dst_step + dst_off`).
fn copy_steps<S: Scalar>(
    src: ndarray::ArrayView1<'_, S>,
    (src_step, src_off): (usize, usize),
    mut dst: ndarray::ArrayViewMut1<'_, S>,
    (dst_step, dst_off): (usize, usize),
    width: usize,
    steps: usize,
) {
    match (src.as_slice(), dst.as_slice_mut()) {
        (Some(a), Some(b)) => {
            for t in 0..steps {
                b[t * dst_step + dst_off..][..width]
                    .copy_from_slice(&a[t * src_step + src_off..][..width]);
            }
        }
        _ => {
            for t in 0..steps {
                for j in 0..width {
                    dst[t * dst_step + dst_off + j] = src[t * src_step + src_off + j];
                }
            }
        }
    }
}

pub(crate) fn load_branch<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    let d: BranchData = saved.decode()?;
    if d.embedding.type_name != "embedding" {
        return Err(crate::error::invalid(
            "sequence branch",
            format!(
                "the embedding is saved as type {}, expected embedding",
                d.embedding.type_name
            ),
        ));
    }
    let emb = crate::layers::embedding::load::<S>(&d.embedding)?
        .downcast_ref::<Embedding<S>>()
        .cloned()
        .ok_or_else(|| {
            crate::error::invalid("sequence branch", "the embedding did not load as one")
        })?;
    let convs = d
        .convs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.type_name != "conv1d" {
                return Err(crate::error::invalid(
                    "sequence branch",
                    format!(
                        "convolution {} is saved as type {}, expected conv1d",
                        i + 1,
                        c.type_name
                    ),
                ));
            }
            load_conv::<S>(c)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Box::new(SequenceBranch::new(
        d.steps,
        d.numeric_channels,
        emb,
        convs,
        d.pooling,
    )?))
}

/// One branch of a [`Parallel`].
struct Branch<S: Scalar> {
    inputs: usize,
    outputs: usize,
    layers: Vec<Box<dyn Layer<S>>>,
}

impl<S: Scalar> Clone for Branch<S> {
    fn clone(&self) -> Self {
        Branch {
            inputs: self.inputs,
            outputs: self.outputs,
            layers: self.layers.iter().map(|l| l.boxed_clone()).collect(),
        }
    }
}

/// The saved form of a [`Parallel`] (type name `"parallel"`).
#[derive(Serialize, Deserialize)]
struct ParallelData {
    branches: Vec<BranchSaved>,
}

#[derive(Serialize, Deserialize)]
struct BranchSaved {
    inputs: usize,
    layers: Vec<SavedLayer>,
}

/// Runs consecutive ranges of the input columns through their own stacks of
/// layers and puts the outputs side by side — the way to combine a sequence
/// branch with static features in one [`Sequential`](crate::Sequential).
///
/// Branch `i` reads the next `inputs_i` columns; an empty stack passes its
/// columns through unchanged. The output columns are the branches' outputs
/// in order. Training mode, randomness freezing, parameters (in branch
/// order), cloning and saving all go through to the children, so optimizers,
/// gradient clipping, early stopping's restore-best and persistence see
/// every parameter. Children are saved as nested saved layers; the built-in
/// registry loads children of the built-in types, and
/// [`Parallel::loader`] makes a loader that knows your own.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, Layer, Mode, layers::{Dense, Parallel, ReLU}};
/// let d = Dense::<f64>::from_weights(array![[1.0], [1.0]], array![0.0], Activation::Identity).unwrap();
/// let mut p = Parallel::new(vec![
///     (2, vec![Box::new(d) as Box<dyn Layer<f64>>]), // columns 0..2 → their sum
///     (1, vec![]),                                   // column 2 as it is
///     (1, vec![Box::new(ReLU::new())]),              // column 3 through a ReLU
/// ]).unwrap();
/// assert_eq!((p.input_dim(), p.output_dim(4).unwrap()), (4, 3));
/// let y = p.forward(array![[1.0, 2.0, 5.0, -1.0]].view(), Mode::Train).unwrap();
/// assert_eq!(y, array![[3.0, 5.0, 0.0]]);
/// ```
pub struct Parallel<S: Scalar> {
    branches: Vec<Branch<S>>,
    input_dim: usize,
    output_dim: usize,
    out: Array2<S>,
    gin: Array2<S>,
    rows: usize,
}

impl<S: Scalar> Clone for Parallel<S> {
    fn clone(&self) -> Self {
        Parallel {
            branches: self.branches.clone(),
            input_dim: self.input_dim,
            output_dim: self.output_dim,
            out: Array2::zeros((0, self.output_dim)),
            gin: Array2::zeros((0, self.input_dim)),
            rows: 0,
        }
    }
}

impl<S: Scalar> std::fmt::Debug for Parallel<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<(usize, Vec<&str>)> = self
            .branches
            .iter()
            .map(|b| (b.inputs, b.layers.iter().map(|l| l.name()).collect()))
            .collect();
        f.debug_struct("Parallel")
            .field("branches", &shown)
            .finish()
    }
}

impl<S: Scalar> Parallel<S> {
    /// Branches as `(input columns, layers)`, in column order. Errors when
    /// there is no branch, a branch reads 0 columns, or a branch's layers do
    /// not chain (the error names the branch and the layer).
    ///
    /// ```
    /// use ua_nn::{Layer, layers::{Parallel, Softmax}};
    /// assert!(Parallel::<f32>::new(vec![]).is_err());
    /// let e = Parallel::<f32>::new(vec![(0, vec![])]).unwrap_err().to_string();
    /// assert!(e.contains("branch 1 reads 0 columns"), "{e}");
    /// ```
    #[allow(clippy::type_complexity)] // (columns, layers) pairs read best spelled out
    pub fn new(branches: Vec<(usize, Vec<Box<dyn Layer<S>>>)>) -> Result<Self> {
        let bad = |m: String| Err(crate::error::invalid("parallel layer", m));
        if branches.is_empty() {
            return bad("needs at least one branch".into());
        }
        let mut input_dim = 0usize;
        let mut output_dim = 0usize;
        let mut built = Vec::with_capacity(branches.len());
        for (b, (inputs, layers)) in branches.into_iter().enumerate() {
            if inputs == 0 {
                return bad(format!(
                    "branch {} reads 0 columns; each branch needs ≥ 1",
                    b + 1
                ));
            }
            let mut width = inputs;
            for (i, l) in layers.iter().enumerate() {
                width = l.output_dim(width).map_err(|e| {
                    crate::error::invalid(
                        "parallel layer",
                        format!("branch {}, layer {} ({}): {e}", b + 1, i + 1, l.name()),
                    )
                })?;
            }
            input_dim = input_dim.checked_add(inputs).ok_or_else(|| {
                crate::error::invalid("parallel layer", "the input widths overflow")
            })?;
            output_dim = output_dim.checked_add(width).ok_or_else(|| {
                crate::error::invalid("parallel layer", "the output widths overflow")
            })?;
            built.push(Branch {
                inputs,
                outputs: width,
                layers,
            });
        }
        Ok(Parallel {
            branches: built,
            input_dim,
            output_dim,
            out: Array2::zeros((0, output_dim)),
            gin: Array2::zeros((0, input_dim)),
            rows: 0,
        })
    }

    /// Input columns (the sum of the branches' inputs).
    ///
    /// ```
    /// use ua_nn::layers::Parallel;
    /// assert_eq!(Parallel::<f32>::new(vec![(3, vec![]), (2, vec![])]).unwrap().input_dim(), 5);
    /// ```
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// The layers of branch `i`, or `None` past the last branch.
    ///
    /// ```
    /// use ua_nn::{Layer, layers::{Parallel, ReLU}};
    /// let p = Parallel::<f32>::new(vec![(3, vec![]), (2, vec![Box::new(ReLU::new()) as Box<dyn Layer<f32>>])]).unwrap();
    /// assert_eq!(p.branch(1).unwrap()[0].name(), "relu");
    /// assert!(p.branch(0).unwrap().is_empty() && p.branch(2).is_none());
    /// ```
    pub fn branch(&self, i: usize) -> Option<&[Box<dyn Layer<S>>]> {
        self.branches.get(i).map(|b| b.layers.as_slice())
    }

    /// A loader for `"parallel"` layers whose children are rebuilt by
    /// `registry` (register your own layer types there first). The built-in
    /// registry's `"parallel"` loader knows the built-in layers only.
    ///
    /// ```
    /// use ua_nn::{Layer, Persist, Sequential, layers::{Parallel, ReLU}, persist::{LayerRegistry, SavedLayer}};
    /// // A custom layer type saved as "my/relu".
    /// #[derive(Clone)]
    /// struct MyRelu(ReLU<f32>);
    /// # impl Layer<f32> for MyRelu {
    /// #     fn name(&self) -> &'static str { "my_relu" }
    /// #     fn output_dim(&self, d: usize) -> ua_nn::Result<usize> { Ok(d) }
    /// #     fn forward(&mut self, x: ndarray::ArrayView2<'_, f32>, m: ua_nn::Mode) -> ua_nn::Result<ndarray::ArrayView2<'_, f32>> { self.0.forward(x, m) }
    /// #     fn output(&self) -> ndarray::ArrayView2<'_, f32> { self.0.output() }
    /// #     fn backward(&mut self, x: ndarray::ArrayView2<'_, f32>, g: ndarray::ArrayView2<'_, f32>, n: bool) -> ua_nn::Result<Option<ndarray::ArrayView2<'_, f32>>> { self.0.backward(x, g, n) }
    /// #     fn infer_into(&self, x: ndarray::ArrayView2<'_, f32>, o: ndarray::ArrayViewMut2<'_, f32>) -> ua_nn::Result<()> { self.0.infer_into(x, o) }
    /// #     fn boxed_clone(&self) -> Box<dyn Layer<f32>> { Box::new(self.clone()) }
    /// #     fn to_saved(&self) -> ua_nn::Result<SavedLayer> { SavedLayer::new("my/relu", &()) }
    /// # }
    /// let p = Parallel::new(vec![(2, vec![Box::new(MyRelu(ReLU::new())) as Box<dyn Layer<f32>>])]).unwrap();
    /// let m = Sequential::from_layers(2, vec![Box::new(p) as Box<dyn Layer<f32>>]).unwrap();
    /// let json = m.to_json().unwrap();
    /// assert!(Sequential::<f32>::from_json(&json).is_err()); // "my/relu" is unknown there
    /// let mut reg = LayerRegistry::<f32>::new().with("my/relu", |_| Ok(Box::new(MyRelu(ReLU::new())) as Box<dyn Layer<f32>>));
    /// reg.register("parallel", Parallel::loader(reg.clone()));
    /// let back = Sequential::<f32>::from_json_with(&json, &reg).unwrap();
    /// assert_eq!(back.to_json().unwrap(), json);
    /// ```
    pub fn loader(
        registry: LayerRegistry<S>,
    ) -> impl Fn(&SavedLayer) -> Result<Box<dyn Layer<S>>> + Send + Sync + 'static {
        move |saved| load_parallel_with(saved, &registry)
    }
}

fn load_parallel_with<S: Scalar>(
    saved: &SavedLayer,
    registry: &LayerRegistry<S>,
) -> Result<Box<dyn Layer<S>>> {
    let d: ParallelData = saved.decode()?;
    let branches = d
        .branches
        .iter()
        .enumerate()
        .map(|(b, br)| {
            let layers = br
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    registry.load_layer(l).map_err(|e| {
                        crate::error::invalid(
                            "parallel layer",
                            format!("branch {}, layer {} ({}): {e}", b + 1, i + 1, l.type_name),
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((br.inputs, layers))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Box::new(Parallel::new(branches)?))
}

pub(crate) fn load_parallel<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    load_parallel_with(saved, &LayerRegistry::new())
}

impl<S: Scalar> Layer<S> for Parallel<S> {
    fn name(&self) -> &'static str {
        "parallel"
    }

    fn output_dim(&self, input_dim: usize) -> Result<usize> {
        if input_dim != self.input_dim {
            return Err(crate::error::shape(
                "parallel layer",
                format!(
                    "{} input columns (the branches' inputs together)",
                    self.input_dim
                ),
                input_dim,
            ));
        }
        Ok(self.output_dim)
    }

    fn forward(&mut self, input: ArrayView2<'_, S>, mode: Mode) -> Result<ArrayView2<'_, S>> {
        crate::layer::check_input("parallel forward", &input, self.input_dim)?;
        self.rows = 0;
        let n = input.nrows();
        let mut out = std::mem::take(&mut self.out);
        let mut dst = rows_of(&mut out, n, self.output_dim);
        let (mut a, mut o) = (0, 0);
        let mut done = Ok(());
        for b in &mut self.branches {
            let x = input.slice(s![.., a..a + b.inputs]);
            let mut cur = x;
            let mut rest = &mut b.layers[..];
            while let Some((first, tail)) = rest.split_first_mut() {
                match first.forward(cur, mode) {
                    Ok(y) => cur = y,
                    Err(e) => {
                        done = Err(e);
                        break;
                    }
                }
                rest = tail;
            }
            if done.is_err() {
                break;
            }
            dst.slice_mut(s![.., o..o + b.outputs]).assign(&cur);
            a += b.inputs;
            o += b.outputs;
        }
        self.out = out;
        done?;
        self.rows = n;
        Ok(self.output())
    }

    fn output(&self) -> ArrayView2<'_, S> {
        first_rows(&self.out, self.rows)
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let n = self.rows;
        check_grad("parallel", &grad_output, (n, self.output_dim))?;
        if input.dim() != (n, self.input_dim) {
            return Err(crate::error::shape(
                "parallel backward input",
                format!(
                    "{} (the last forward input)",
                    crate::error::dims((n, self.input_dim))
                ),
                crate::error::dims(input.dim()),
            ));
        }
        let mut gin = std::mem::take(&mut self.gin);
        let mut gdst = need_input_grad.then(|| rows_of(&mut gin, n, self.input_dim));
        let (mut a, mut o) = (0, 0);
        let mut done = Ok(());
        for b in &mut self.branches {
            let x = input.slice(s![.., a..a + b.inputs]);
            let mut grad = grad_output.slice(s![.., o..o + b.outputs]);
            let mut rest = &mut b.layers[..];
            let mut reached_input = true;
            while let Some((last, init)) = rest.split_last_mut() {
                let input = match init.last() {
                    Some(prev) => prev.output(),
                    None => x.view(),
                };
                let need = !init.is_empty() || need_input_grad;
                match last.backward(input, grad, need) {
                    Ok(Some(g)) => grad = g,
                    Ok(None) => {
                        reached_input = false;
                        break;
                    }
                    Err(e) => {
                        done = Err(e);
                        break;
                    }
                }
                rest = init;
            }
            if done.is_err() {
                break;
            }
            if let Some(gdst) = gdst.as_mut() {
                let mut d = gdst.slice_mut(s![.., a..a + b.inputs]);
                if reached_input {
                    d.assign(&grad);
                } else {
                    d.fill(S::zero());
                }
            }
            a += b.inputs;
            o += b.outputs;
        }
        self.gin = gin;
        done?;
        if !need_input_grad {
            return Ok(None);
        }
        Ok(Some(first_rows(&self.gin, n)))
    }

    fn infer_into(&self, input: ArrayView2<'_, S>, mut out: ArrayViewMut2<'_, S>) -> Result<()> {
        crate::layer::check_input("parallel inference", &input, self.input_dim)?;
        check_out("parallel", &out, (input.nrows(), self.output_dim))?;
        let (mut a, mut o) = (0, 0);
        for b in &self.branches {
            let x = input.slice(s![.., a..a + b.inputs]);
            let mut dst = out.slice_mut(s![.., o..o + b.outputs]);
            match b.layers.split_last() {
                None => dst.assign(&x),
                Some((last, init)) => {
                    let mut cur: Option<Array2<S>> = None;
                    for l in init {
                        let src = cur.as_ref().map_or(x.view(), |c| c.view());
                        cur = Some(l.infer(src)?);
                    }
                    let src = cur.as_ref().map_or(x.view(), |c| c.view());
                    last.infer_into(src, dst)?;
                }
            }
            a += b.inputs;
            o += b.outputs;
        }
        Ok(())
    }

    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(Param<'_, S>)) {
        for b in &mut self.branches {
            for l in &mut b.layers {
                l.visit_params(visit);
            }
        }
    }

    fn n_params(&self) -> usize {
        self.branches
            .iter()
            .flat_map(|b| b.layers.iter())
            .map(|l| l.n_params())
            .sum()
    }

    fn freeze_randomness(&mut self, frozen: bool) {
        for b in &mut self.branches {
            for l in &mut b.layers {
                l.freeze_randomness(frozen);
            }
        }
    }

    fn to_saved(&self) -> Result<SavedLayer> {
        let branches = self
            .branches
            .iter()
            .enumerate()
            .map(|(bi, b)| {
                let layers = b
                    .layers
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        l.to_saved().map_err(|e| {
                            crate::error::invalid(
                                "save parallel layer",
                                format!("branch {}, layer {} ({}): {e}", bi + 1, i + 1, l.name()),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(BranchSaved {
                    inputs: b.inputs,
                    layers,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        SavedLayer::new("parallel", &ParallelData { branches })
    }
}
