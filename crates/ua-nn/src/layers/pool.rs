//! Global pooling over the time steps of a sequence, with a length per row.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};
use serde::{Deserialize, Serialize};

use crate::layer::first_rows;
use crate::layer::{Layer, Mode, check_grad, check_out, rows_of};
use crate::persist::SavedLayer;
use crate::{Result, Scalar};

/// What a global pool computes over the valid steps of each channel.
///
/// ```
/// use ua_nn::layers::Pooling;
/// assert_ne!(Pooling::Max, Pooling::Avg);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// The largest value ([`GlobalMaxPool1D`]).
    Max,
    /// The mean ([`GlobalAvgPool1D`]).
    Avg,
}

/// "No step chosen" in the max pool's record (a row of length 0).
const NONE: usize = usize::MAX;

/// The saved form of a pool (type names `"global_max_pool1d"`, `"global_avg_pool1d"`).
#[derive(Serialize, Deserialize)]
struct PoolData {
    channels: usize,
}

/// The shared machinery of the two global pools.
#[derive(Debug, Clone)]
pub(crate) struct PoolCore<S: Scalar> {
    kind: Pooling,
    channels: usize,
    out: Array2<S>,
    gin: Array2<S>,
    /// Max: the input column chosen for each (row, channel) of the last
    /// training forward, [`NONE`] for a row of length 0.
    arg: Vec<usize>,
    /// Valid steps of each row of the last training forward.
    lens: Vec<usize>,
    rows: usize,
    steps: usize,
}

impl<S: Scalar> PoolCore<S> {
    pub(crate) fn new(kind: Pooling, channels: usize) -> Result<Self> {
        if channels == 0 {
            return Err(crate::error::invalid(
                pool_name(kind),
                "channels must be ≥ 1, got 0",
            ));
        }
        Ok(PoolCore {
            kind,
            channels,
            out: Array2::zeros((0, channels)),
            gin: Array2::zeros((0, 0)),
            arg: Vec::new(),
            lens: Vec::new(),
            rows: 0,
            steps: 0,
        })
    }

    pub(crate) fn kind(&self) -> Pooling {
        self.kind
    }

    pub(crate) fn steps_of(&self, input_dim: usize) -> Result<usize> {
        if input_dim == 0 || !input_dim.is_multiple_of(self.channels) {
            return Err(crate::error::shape(
                pool_name(self.kind),
                format!(
                    "a positive multiple of channels {} input columns (steps × channels, time-major)",
                    self.channels
                ),
                format!("{input_dim} columns"),
            ));
        }
        Ok(input_dim / self.channels)
    }

    /// Checks `lengths` against the batch: one per row, none above `steps`.
    fn check_lengths(&self, rows: usize, steps: usize, lengths: Option<&[usize]>) -> Result<()> {
        let Some(lengths) = lengths else {
            return Ok(());
        };
        if lengths.len() != rows {
            return Err(crate::error::shape(
                format!("{} lengths", pool_name(self.kind)),
                format!("{rows} lengths (one per row)"),
                lengths.len(),
            ));
        }
        if let Some((r, &l)) = lengths.iter().enumerate().find(|&(_, &l)| l > steps) {
            return Err(crate::error::invalid(
                format!("{} lengths", pool_name(self.kind)),
                format!("row {r}: length {l} is more than the {steps} steps of the input"),
            ));
        }
        Ok(())
    }

    /// Pools `input` into `out`; with `arg`, records the chosen columns (max).
    fn pool_into(
        &self,
        input: ArrayView2<'_, S>,
        lengths: Option<&[usize]>,
        mut out: ArrayViewMut2<'_, S>,
        mut arg: Option<&mut Vec<usize>>,
    ) -> Result<()> {
        let steps = self.steps_of(input.ncols())?;
        self.check_lengths(input.nrows(), steps, lengths)?;
        check_out(pool_name(self.kind), &out, (input.nrows(), self.channels))?;
        let c = self.channels;
        if let Some(a) = arg.as_deref_mut() {
            a.clear();
            a.resize(input.nrows() * c, NONE);
        }
        // Rows are contiguous in every buffer the layers write; a strided
        // row (a caller's own view) is copied first.
        let (mut xbuf, mut obuf) = (Vec::new(), Vec::new());
        let mut at = vec![S::zero(); if arg.is_some() { c } else { 0 }];
        for (r, (x, mut o)) in input.rows().into_iter().zip(out.rows_mut()).enumerate() {
            let len = lengths.map_or(steps, |l| l[r]);
            let x: &[S] = match x.as_slice() {
                Some(x) => x,
                None => {
                    xbuf.clear();
                    xbuf.extend(x.iter().copied());
                    &xbuf
                }
            };
            let a = arg.as_deref_mut().map(|a| &mut a[r * c..(r + 1) * c]);
            match o.as_slice_mut() {
                Some(o) => pool_row(self.kind, x, len, o, a, &mut at),
                None => {
                    obuf.clear();
                    obuf.resize(c, S::zero());
                    pool_row(self.kind, x, len, &mut obuf, a, &mut at);
                    o.iter_mut().zip(&obuf).for_each(|(d, &v)| *d = v);
                }
            }
        }
        Ok(())
    }

    /// Training forward; `lengths: None` means every step is valid.
    pub(crate) fn forward(
        &mut self,
        input: ArrayView2<'_, S>,
        lengths: Option<&[usize]>,
    ) -> Result<ArrayView2<'_, S>> {
        let n = input.nrows();
        let mut out = std::mem::take(&mut self.out);
        let mut arg = std::mem::take(&mut self.arg);
        let done = self.pool_into(
            input,
            lengths,
            rows_of(&mut out, n, self.channels),
            (self.kind == Pooling::Max).then_some(&mut arg),
        );
        self.out = out;
        self.arg = arg;
        if done.is_ok() {
            let steps = input.ncols() / self.channels;
            self.rows = n;
            self.steps = steps;
            self.lens.clear();
            match lengths {
                Some(l) => self.lens.extend_from_slice(l),
                None => self.lens.resize(n, steps),
            }
        } else {
            (self.rows, self.steps) = (0, 0);
        }
        done?;
        Ok(self.output())
    }

    /// Max pool: the input column chosen for each (row, channel) of the
    /// last training forward, row-major `rows × channels` (`usize::MAX` for
    /// a row of length 0); `None` for the average pool. The pool's input
    /// gradient is `grad_output[[r, ch]]` at column `columns[r·channels + ch]`
    /// of row `r` and zero elsewhere, so a layer before it can use these
    /// positions instead of that mostly-zero matrix.
    pub(crate) fn max_columns(&self) -> Option<&[usize]> {
        (self.kind == Pooling::Max).then(|| &self.arg[..self.rows * self.channels])
    }

    pub(crate) fn output(&self) -> ArrayView2<'_, S> {
        first_rows(&self.out, self.rows)
    }

    pub(crate) fn backward(
        &mut self,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let (n, c) = (self.rows, self.channels);
        check_grad(pool_name(self.kind), &grad_output, (n, c))?;
        if !need_input_grad {
            return Ok(None);
        }
        let mut gin = rows_of(&mut self.gin, n, self.steps * c);
        gin.fill(S::zero());
        for (r, (g, mut d)) in grad_output
            .rows()
            .into_iter()
            .zip(gin.rows_mut())
            .enumerate()
        {
            let len = self.lens[r];
            if len == 0 {
                continue;
            }
            match self.kind {
                Pooling::Max => {
                    for ch in 0..c {
                        let at = self.arg[r * c + ch];
                        if at != NONE {
                            d[at] = d[at] + g[ch];
                        }
                    }
                }
                Pooling::Avg => {
                    let inv = S::one() / S::lit(len as f64);
                    for t in 0..len {
                        d.slice_mut(s![t * c..(t + 1) * c])
                            .zip_mut_with(&g, |a, &v| *a = v * inv);
                    }
                }
            }
        }
        Ok(Some(first_rows(&self.gin, n)))
    }

    pub(crate) fn infer_into(
        &self,
        input: ArrayView2<'_, S>,
        lengths: Option<&[usize]>,
        out: ArrayViewMut2<'_, S>,
    ) -> Result<()> {
        self.pool_into(input, lengths, out, None)
    }
}

/// Steps up to which every scalar type holds the step numbers exactly (2^24,
/// an f32's integers): rows up to this long take the vectorised arg-max.
const EXACT_STEPS: usize = 1 << 24;

/// Pools the first `len` steps of one time-major row `x` into `o` (one value
/// per channel); for max, records the chosen column of each channel in `arg`
/// (the first step holding the maximum), using `at` (at least one value per
/// channel) as scratch.
fn pool_row<S: Scalar>(
    kind: Pooling,
    x: &[S],
    len: usize,
    o: &mut [S],
    arg: Option<&mut [usize]>,
    at: &mut [S],
) {
    let c = o.len();
    if len == 0 {
        o.fill(S::zero());
        return;
    }
    o.copy_from_slice(&x[..c]);
    match (kind, arg) {
        (Pooling::Max, Some(a)) if len <= EXACT_STEPS && at.len() >= c => {
            // Branch-free, so the compiler vectorises it: the step where each
            // channel's maximum was first reached is kept as a number of `S`
            // beside the maximum and chosen by the same comparison (exact
            // for steps below 2^24, the integers an f32 holds).
            let at = &mut at[..c];
            at.fill(S::zero());
            for (t, step) in x[c..len * c].chunks_exact(c).enumerate() {
                let now = S::lit((t + 1) as f64);
                for ((best, when), &v) in o.iter_mut().zip(at.iter_mut()).zip(step) {
                    let up = v > *best;
                    *best = if up { v } else { *best };
                    // `when + 1·(now − when)` is `now` exactly (integers);
                    // written as arithmetic so that it stays a vector
                    // blend rather than a conditional store per lane
                    let m = if up { S::one() } else { S::zero() };
                    *when = *when + m * (now - *when);
                }
            }
            for (ch, (v, &when)) in a.iter_mut().zip(at.iter()).enumerate() {
                *v = when.as_f64() as usize * c + ch;
            }
        }
        (Pooling::Max, Some(a)) => {
            a.iter_mut().enumerate().for_each(|(ch, v)| *v = ch);
            for (t, step) in x[c..len * c].chunks_exact(c).enumerate() {
                for (ch, (&v, best)) in step.iter().zip(o.iter_mut()).enumerate() {
                    if v > *best {
                        *best = v;
                        a[ch] = (t + 1) * c + ch;
                    }
                }
            }
        }
        (Pooling::Max, None) => {
            for step in x[c..len * c].chunks_exact(c) {
                o.iter_mut().zip(step).for_each(|(b, &v)| *b = b.max(v));
            }
        }
        (Pooling::Avg, _) => {
            for step in x[c..len * c].chunks_exact(c) {
                o.iter_mut().zip(step).for_each(|(b, &v)| *b = *b + v);
            }
            let inv = S::one() / S::lit(len as f64);
            o.iter_mut().for_each(|v| *v = *v * inv);
        }
    }
}

fn pool_name(kind: Pooling) -> &'static str {
    match kind {
        Pooling::Max => "global_max_pool1d",
        Pooling::Avg => "global_avg_pool1d",
    }
}

pub(crate) fn load<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    let d: PoolData = saved.decode()?;
    Ok(if saved.type_name == "global_avg_pool1d" {
        Box::new(GlobalAvgPool1D::new(d.channels)?)
    } else {
        Box::new(GlobalMaxPool1D::new(d.channels)?)
    })
}

macro_rules! global_pool {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $type_name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name<S: Scalar>(PoolCore<S>);

        impl<S: Scalar> $name<S> {
            /// A pool over sequences of `channels` values per step. Errors when
            /// `channels` is 0.
            ///
            /// ```
            #[doc = concat!("use ua_nn::layers::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::<f32>::new(64).unwrap().channels(), 64);")]
            #[doc = concat!("assert!(", stringify!($name), "::<f32>::new(0).is_err());")]
            /// ```
            pub fn new(channels: usize) -> Result<Self> {
                Ok($name(PoolCore::new($kind, channels)?))
            }

            /// Values per step (the output width).
            ///
            /// ```
            #[doc = concat!("use ua_nn::layers::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::<f64>::new(3).unwrap().channels(), 3);")]
            /// ```
            pub fn channels(&self) -> usize {
                self.0.channels
            }

            /// Training forward over the first `lengths[r]` steps of each row
            /// `r` (steps beyond are ignored; a row of length 0 gives zeros);
            /// [`backward`](Layer::backward) then sends gradient to the valid
            /// steps only. Errors when `lengths` does not have one entry per
            /// row or a length exceeds the steps.
            ///
            /// ```
            /// use ndarray::array;
            #[doc = concat!("use ua_nn::{Layer, layers::", stringify!($name), "};")]
            #[doc = concat!("let mut p = ", stringify!($name), "::<f64>::new(1).unwrap();")]
            /// let x = array![[1.0, 3.0, 100.0], [5.0, 7.0, 9.0]];
            /// let y = p.forward_masked(x.view(), &[2, 0]).unwrap().to_owned();
            /// assert_eq!(y[[1, 0]], 0.0); // length 0: zeros, no NaN
            /// let g = p.backward(x.view(), array![[1.0], [1.0]].view(), true).unwrap().unwrap();
            /// assert_eq!((g[[0, 2]], g.row(1).sum()), (0.0, 0.0)); // no gradient beyond the length
            /// let e = p.forward_masked(x.view(), &[4, 1]).unwrap_err().to_string();
            /// assert!(e.contains("row 0: length 4 is more than the 3 steps"), "{e}");
            /// ```
            pub fn forward_masked(
                &mut self,
                input: ArrayView2<'_, S>,
                lengths: &[usize],
            ) -> Result<ArrayView2<'_, S>> {
                self.0.forward(input, Some(lengths))
            }

            /// Inference over the first `lengths[r]` steps of each row (see
            /// [`forward_masked`](Self::forward_masked)).
            ///
            /// ```
            /// use ndarray::array;
            #[doc = concat!("use ua_nn::layers::", stringify!($name), ";")]
            #[doc = concat!("let p = ", stringify!($name), "::<f64>::new(2).unwrap();")]
            /// let y = p.infer_masked(array![[1.0, 2.0, 3.0, 4.0]].view(), &[1]).unwrap();
            /// assert_eq!(y, array![[1.0, 2.0]]); // only the first step counts
            /// ```
            pub fn infer_masked(
                &self,
                input: ArrayView2<'_, S>,
                lengths: &[usize],
            ) -> Result<Array2<S>> {
                let mut out = Array2::zeros((input.nrows(), self.0.channels));
                self.0.infer_into(input, Some(lengths), out.view_mut())?;
                Ok(out)
            }
        }

        impl<S: Scalar> Layer<S> for $name<S> {
            fn name(&self) -> &'static str {
                $type_name
            }

            /// `input_dim = steps·channels`; the output has `channels` columns.
            fn output_dim(&self, input_dim: usize) -> Result<usize> {
                self.0.steps_of(input_dim)?;
                Ok(self.0.channels)
            }

            /// Pools over every step (use [`forward_masked`](Self::forward_masked)
            /// for rows of different lengths).
            fn forward(&mut self, input: ArrayView2<'_, S>, _mode: Mode) -> Result<ArrayView2<'_, S>> {
                self.0.forward(input, None)
            }

            fn output(&self) -> ArrayView2<'_, S> {
                self.0.output()
            }

            fn backward(
                &mut self,
                input: ArrayView2<'_, S>,
                grad_output: ArrayView2<'_, S>,
                need_input_grad: bool,
            ) -> Result<Option<ArrayView2<'_, S>>> {
                let want = (self.0.rows, self.0.steps * self.0.channels);
                if input.dim() != want {
                    return Err(crate::error::shape(
                        concat!($type_name, " backward input"),
                        format!("{} (the last forward input)", crate::error::dims(want)),
                        crate::error::dims(input.dim()),
                    ));
                }
                self.0.backward(grad_output, need_input_grad)
            }

            fn infer_into(&self, input: ArrayView2<'_, S>, out: ArrayViewMut2<'_, S>) -> Result<()> {
                self.0.infer_into(input, None, out)
            }

            fn boxed_clone(&self) -> Box<dyn Layer<S>> {
                Box::new(self.clone())
            }

            fn to_saved(&self) -> Result<SavedLayer> {
                SavedLayer::new($type_name, &PoolData { channels: self.0.channels })
            }
        }
    };
}

global_pool!(
    /// The largest value of each channel over the steps of a time-major
    /// sequence: `[rows, steps·channels] → [rows, channels]`.
    ///
    /// As a plain [`Layer`] it pools over every step. Over rows of different
    /// lengths, [`forward_masked`](Self::forward_masked) and
    /// [`infer_masked`](Self::infer_masked) take a length per row and ignore
    /// the steps beyond it; a row of length 0 gives 0 (not −∞ or NaN) and no
    /// gradient. [`SequenceBranch`](crate::layers::SequenceBranch) derives
    /// the lengths from the padding of its tokens, so a model with a masked
    /// pool trains inside a plain [`Sequential`](crate::Sequential). The
    /// gradient goes to the step that held the maximum (the first, on ties).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::GlobalMaxPool1D};
    /// let mut p = GlobalMaxPool1D::<f64>::new(2).unwrap();
    /// // two steps of two channels: [t0c0, t0c1, t1c0, t1c1]
    /// let x = array![[1.0, 5.0, 3.0, 2.0]];
    /// assert_eq!(p.forward(x.view(), Mode::Train).unwrap(), array![[3.0, 5.0]]);
    /// let g = p.backward(x.view(), array![[10.0, 20.0]].view(), true).unwrap().unwrap();
    /// assert_eq!(g, array![[0.0, 20.0, 10.0, 0.0]]);
    /// ```
    GlobalMaxPool1D,
    Pooling::Max,
    "global_max_pool1d"
);

global_pool!(
    /// The mean of each channel over the steps of a time-major sequence:
    /// `[rows, steps·channels] → [rows, channels]`.
    ///
    /// As a plain [`Layer`] it averages every step. Over rows of different
    /// lengths, [`forward_masked`](Self::forward_masked) and
    /// [`infer_masked`](Self::infer_masked) divide by each row's own length
    /// and ignore the steps beyond it; a row of length 0 gives 0 (not NaN)
    /// and no gradient.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::GlobalAvgPool1D};
    /// let mut p = GlobalAvgPool1D::<f64>::new(2).unwrap();
    /// let x = array![[1.0, 5.0, 3.0, 2.0]];
    /// assert_eq!(p.forward(x.view(), Mode::Train).unwrap(), array![[2.0, 3.5]]);
    /// let g = p.backward(x.view(), array![[10.0, 20.0]].view(), true).unwrap().unwrap();
    /// assert_eq!(g, array![[5.0, 10.0, 5.0, 10.0]]);
    /// assert_eq!(p.infer_masked(x.view(), &[1]).unwrap(), array![[1.0, 5.0]]);
    /// ```
    GlobalAvgPool1D,
    Pooling::Avg,
    "global_avg_pool1d"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// `pool_row`'s max with arg-max: the vectorised path (scratch given)
    /// and the scalar one (no scratch).
    fn both(x: &[f32], len: usize, c: usize) -> [(Vec<f32>, Vec<usize>); 2] {
        [c, 0].map(|scratch| {
            let (mut o, mut a, mut at) = (vec![0.0; c], vec![NONE; c], vec![0.0; scratch]);
            pool_row(Pooling::Max, x, len, &mut o, Some(&mut a), &mut at);
            (o, a)
        })
    }

    #[test]
    fn the_arg_max_is_the_first_step_holding_the_maximum() {
        // 3 channels × 4 steps; channel 0 ties at steps 1 and 3, channel 1
        // peaks at step 0, channel 2 at the last valid step
        let x = [
            1.0, 9.0, -5.0, //
            4.0, 2.0, -4.0, //
            0.0, 3.0, -3.0, //
            4.0, 8.0, 7.0,
        ];
        for (o, a) in both(&x, 3, 3) {
            assert_eq!(o, [4.0, 9.0, -3.0]);
            assert_eq!(a, [3, 1, 8]); // columns t·3 + ch
        }
        for (o, a) in both(&x, 4, 3) {
            assert_eq!(o, [4.0, 9.0, 7.0]);
            assert_eq!(a, [3, 1, 11]);
        }
        for (o, a) in both(&x, 1, 3) {
            assert_eq!(o, [1.0, 9.0, -5.0]);
            assert_eq!(a, [0, 1, 2]);
        }
    }

    #[test]
    fn the_vectorised_arg_max_agrees_with_the_scalar_one() {
        let mut rng = ua_tensor::init::seeded_rng(5);
        for &(c, steps) in &[(1, 1), (3, 7), (5, 13), (64, 50), (17, 33)] {
            // few distinct values: many ties
            let x: Vec<f32> = (0..c * steps)
                .map(|_| (rand::Rng::random_range(&mut rng, 0..7) as f32) - 3.0)
                .collect();
            for len in [1, steps / 2 + 1, steps] {
                let [fast, slow] = both(&x, len, c);
                assert_eq!(fast, slow, "c {c} steps {steps} len {len}");
                for (ch, &col) in fast.1.iter().enumerate() {
                    assert_eq!(col % c, ch);
                    assert!(col / c < len);
                    assert_eq!(x[col], fast.0[ch]);
                    assert!(x[ch..len * c].iter().step_by(c).all(|&v| v <= fast.0[ch]));
                }
            }
        }
    }
}
