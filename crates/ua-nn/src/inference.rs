//! Inference and evaluation through `&self`: [`Sequential::predict`],
//! [`Sequential::predict_parallel`] and [`Sequential::evaluate`].
//!
//! Rows are processed in blocks; each block runs through the layers'
//! [`infer_into`](crate::Layer::infer_into) between two scratch buffers
//! owned by the calling thread (kept between calls, so that serving small
//! batches allocates only the output), and the last layer writes straight
//! into the output. The model itself is only read,
//! so one `&Sequential` serves any number of threads, and the result of a
//! block does not depend on which thread ran it.

use std::any::Any;
use std::cell::RefCell;

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, s};

use crate::layer::Mode;
use crate::losses::Loss;
use crate::sequential::Sequential;
use crate::{Result, Scalar};

/// Rows per block when predicting or evaluating (fewer for very wide models,
/// so that a scratch buffer stays under 2²² values).
///
/// ```
/// assert_eq!(ua_nn::INFERENCE_BATCH, 4096);
/// ```
pub const INFERENCE_BATCH: usize = 4096;

/// Most values one inference scratch buffer holds.
const MAX_SCRATCH: usize = 1 << 22;

/// The two ping-pong buffers of one inference thread, grown on demand.
#[derive(Default)]
struct Scratch<S> {
    a: Vec<S>,
    b: Vec<S>,
}

/// Scratch buffers larger than this (in values) are not kept between calls.
const KEEP_SCRATCH: usize = 1 << 20;

thread_local! {
    /// Each thread keeps its scratch buffers (one per element type) between
    /// calls, so that predicting small batches allocates only the output.
    static SCRATCH: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// This thread's scratch buffers for `S`, returned to the thread when dropped.
struct ScratchGuard<S: Scalar>(Option<Box<Scratch<S>>>);

impl<S: Scalar> ScratchGuard<S> {
    fn take() -> Self {
        let kept = SCRATCH.with(|cache| {
            let mut cache = cache.borrow_mut();
            let pos = cache.iter().position(|b| b.is::<Scratch<S>>())?;
            cache.swap_remove(pos).downcast::<Scratch<S>>().ok()
        });
        ScratchGuard(Some(kept.unwrap_or_default()))
    }

    fn get(&mut self) -> &mut Scratch<S> {
        self.0.get_or_insert_with(Box::default)
    }
}

impl<S: Scalar> Drop for ScratchGuard<S> {
    fn drop(&mut self) {
        if let Some(s) = self.0.take()
            && s.a.len() + s.b.len() <= KEEP_SCRATCH
        {
            // `try_with`: the thread may be shutting down.
            let _ = SCRATCH.try_with(|cache| cache.borrow_mut().push(s));
        }
    }
}

/// A `rows × cols` view of the front of `buf`.
fn front<S>(buf: &[S], rows: usize, cols: usize) -> Result<ArrayView2<'_, S>> {
    ArrayView2::from_shape((rows, cols), &buf[..rows * cols])
        .map_err(|e| crate::error::invalid("inference scratch", e.to_string()))
}

/// A mutable `rows × cols` view of the front of `buf`, growing it if needed.
fn front_mut<S: Scalar>(
    buf: &mut Vec<S>,
    rows: usize,
    cols: usize,
) -> Result<ArrayViewMut2<'_, S>> {
    let len = rows * cols;
    if buf.len() < len {
        buf.resize(len, S::zero());
    }
    ArrayViewMut2::from_shape((rows, cols), &mut buf[..len])
        .map_err(|e| crate::error::invalid("inference scratch", e.to_string()))
}

impl<S: Scalar> Sequential<S> {
    /// Rows per inference block: [`INFERENCE_BATCH`], or fewer when the
    /// widest layer would make a scratch buffer exceed [`MAX_SCRATCH`].
    pub(crate) fn block_rows(&self) -> usize {
        let widest = self.widths.iter().copied().max().unwrap_or(1).max(1);
        INFERENCE_BATCH.min((MAX_SCRATCH / widest).max(1))
    }

    /// Runs one block of rows (already checked) through the layers in eval
    /// mode, writing the model's output into `out`.
    fn infer_block(
        &self,
        x: ArrayView2<'_, S>,
        mut out: ArrayViewMut2<'_, S>,
        scratch: &mut Scratch<S>,
    ) -> Result<()> {
        let n = x.nrows();
        let Some(last) = self.layers.iter().rposition(|l| !l.is_identity(Mode::Eval)) else {
            // Every layer passes its input through (`from_layers` checked
            // that such layers keep the width).
            if out.dim() != x.dim() {
                return Err(crate::error::shape(
                    "inference through identity layers",
                    crate::error::dims(x.dim()),
                    crate::error::dims(out.dim()),
                ));
            }
            out.assign(&x);
            return Ok(());
        };
        let (a, b) = (&mut scratch.a, &mut scratch.b);
        // None: the current activations are `x`; Some(true): in `a`; Some(false): in `b`.
        let mut src: Option<bool> = None;
        let mut width = self.input_dim;
        for (i, layer) in self.layers[..=last].iter().enumerate() {
            let w = self.widths[i];
            if layer.is_identity(Mode::Eval) {
                if w != width {
                    return Err(crate::error::shape(
                        format!("layer {} ({}) at inference", i + 1, layer.name()),
                        format!("an identity layer to keep {width} columns"),
                        format!("{w} columns"),
                    ));
                }
                continue;
            }
            let (input, dst, dst_is_a) = match src {
                None => (x.view(), &mut *a, true),
                Some(true) => (front(a, n, width)?, &mut *b, false),
                Some(false) => (front(b, n, width)?, &mut *a, true),
            };
            if i == last {
                layer.infer_into(input, out.view_mut())?;
            } else {
                layer.infer_into(input, front_mut(dst, n, w)?)?;
                src = Some(dst_is_a);
            }
            width = w;
        }
        Ok(())
    }

    /// Outputs for every row of `x` (inference: dropout off), computed in
    /// blocks of [`INFERENCE_BATCH`] rows on the calling thread.
    ///
    /// Takes `&self`: a fitted model can be shared (`&Sequential`, `Arc`)
    /// by many threads that predict at once, without a lock. Errors if `x`
    /// has the wrong number of columns, no rows, or a non-finite value.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(2).dense(1, Activation::Sigmoid).build().unwrap();
    /// let p = m.predict(array![[0.0, 0.0], [1.0, -1.0]].view()).unwrap();
    /// assert_eq!(p[[0, 0]], 0.5); // zero bias, zero input
    /// let e = m.predict(array![[1.0, 2.0, 3.0]].view()).unwrap_err();
    /// assert!(e.to_string().contains("expected 2 feature columns"), "{e}");
    /// ```
    pub fn predict(&self, x: ArrayView2<'_, S>) -> Result<Array2<S>> {
        self.check_x("predict", &x)?;
        let block = self.block_rows();
        let mut out = Array2::zeros((x.nrows(), self.output_dim));
        let mut scratch = ScratchGuard::take();
        for (xb, ob) in x
            .axis_chunks_iter(Axis(0), block)
            .zip(out.axis_chunks_iter_mut(Axis(0), block))
        {
            self.infer_block(xb, ob, scratch.get())?;
        }
        Ok(out)
    }

    /// Like [`predict`](Self::predict), but runs the blocks of rows on the
    /// current rayon thread pool, all threads reading the one model (no
    /// copies), each with its own scratch buffers. The blocks are the same
    /// as `predict`'s, so the result is identical to `predict`'s, bit for
    /// bit, whatever the number of threads. Inputs of at most two blocks run
    /// on the calling thread.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(4).dense(8, Activation::Relu).dense(1, Activation::Sigmoid).build().unwrap();
    /// let x = Array2::from_shape_fn((10_000, 4), |(i, j)| ((i + j) % 7) as f32 / 7.0);
    /// assert_eq!(m.predict_parallel(x.view()).unwrap(), m.predict(x.view()).unwrap());
    /// ```
    pub fn predict_parallel(&self, x: ArrayView2<'_, S>) -> Result<Array2<S>> {
        use ndarray::parallel::prelude::*;
        let block = self.block_rows();
        if x.nrows() <= 2 * block {
            return self.predict(x);
        }
        self.check_x("predict", &x)?;
        let mut out = Array2::zeros((x.nrows(), self.output_dim));
        x.axis_chunks_iter(Axis(0), block)
            .into_par_iter()
            .zip(out.axis_chunks_iter_mut(Axis(0), block).into_par_iter())
            .try_for_each_init(ScratchGuard::take, |scratch, (xb, ob)| {
                self.infer_block(xb, ob, scratch.get())
            })?;
        Ok(out)
    }

    /// Mean loss (and accuracy, for classification losses) on `(x, y)` in
    /// inference mode, in blocks; `&self` like [`predict`](Self::predict).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Sequential, losses::MeanSquaredError};
    /// // a zero-initialised identity layer predicts 0 everywhere
    /// let m = Sequential::<f64>::builder(1)
    ///     .dense_with_init(1, Activation::Identity, ua_nn::ua_tensor::init::Initializer::Zeros)
    ///     .build().unwrap();
    /// let (loss, acc) = m.evaluate(array![[1.0], [2.0]].view(), array![[1.0], [3.0]].view(), &MeanSquaredError).unwrap();
    /// assert_eq!(loss, 5.0); // (1² + 3²) / 2
    /// assert!(acc.is_none());
    /// ```
    pub fn evaluate(
        &self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        loss: &dyn Loss<S>,
    ) -> Result<(f64, Option<f64>)> {
        self.check_x("evaluate", &x)?;
        if y.dim() != (x.nrows(), self.output_dim) {
            return Err(crate::error::shape(
                "evaluate targets",
                crate::error::dims((x.nrows(), self.output_dim)),
                crate::error::dims(y.dim()),
            ));
        }
        let n = x.nrows();
        let block = self.block_rows().min(n);
        let mut pred = Array2::zeros((block, self.output_dim));
        let mut scratch = ScratchGuard::take();
        let (mut total, mut correct, mut has_acc) = (0.0, 0.0, true);
        let mut start = 0;
        while start < n {
            let end = (start + block).min(n);
            let rows = end - start;
            let yb = y.slice(s![start..end, ..]);
            self.infer_block(
                x.slice(s![start..end, ..]),
                pred.slice_mut(s![..rows, ..]),
                scratch.get(),
            )?;
            let pb = pred.slice(s![..rows, ..]);
            total += loss.loss(pb, yb, None)?.as_f64() * rows as f64;
            match loss.accuracy(pb, yb) {
                Some(a) => correct += a * rows as f64,
                None => has_acc = false,
            }
            start = end;
        }
        Ok((total / n as f64, has_acc.then_some(correct / n as f64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Activation;

    fn model(width: usize) -> Sequential<f32> {
        Sequential::builder(2)
            .dense(width, Activation::Relu)
            .dense(1, Activation::Identity)
            .build()
            .unwrap()
    }

    #[test]
    fn blocks_shrink_only_for_wide_models() {
        assert_eq!(model(64).block_rows(), INFERENCE_BATCH);
        // 2²² / 2¹⁰ = 4096 rows: still the full batch.
        assert_eq!(model(1 << 10).block_rows(), INFERENCE_BATCH);
        assert_eq!(model(1 << 11).block_rows(), 2048);
        assert_eq!(model(3000).block_rows(), (1 << 22) / 3000);
        // wider than a whole scratch buffer: one row at a time
        let wide = Sequential::<f32> {
            widths: vec![(1 << 22) + 1, 1],
            ..model(4)
        };
        assert_eq!(wide.block_rows(), 1);
    }

    fn kept_f32() -> Vec<(usize, usize)> {
        SCRATCH.with(|c| {
            c.borrow()
                .iter()
                .filter_map(|b| b.downcast_ref::<Scratch<f32>>())
                .map(|s| (s.a.len(), s.b.len()))
                .collect()
        })
    }

    #[test]
    fn predict_parallel_runs_up_to_two_blocks_on_the_calling_thread() {
        // The calling thread's scratch cache shows where the blocks ran: a
        // thread outside the rayon pool only waits while the pool works.
        let run = |rows: usize| {
            std::thread::spawn(move || {
                let x = Array2::<f32>::zeros((rows, 2));
                model(8).predict_parallel(x.view()).unwrap();
                kept_f32()
            })
            .join()
            .unwrap()
        };
        assert_eq!(run(1), [(8, 0)]);
        assert_eq!(run(2 * INFERENCE_BATCH), [(INFERENCE_BATCH * 8, 0)]);
        assert!(run(2 * INFERENCE_BATCH + 1).is_empty());
    }

    #[test]
    fn each_thread_keeps_small_scratch_buffers_and_drops_large_ones() {
        std::thread::spawn(|| {
            let x = Array2::from_shape_fn((100, 2), |(i, j)| (i + j) as f32 / 50.0);
            let small = model(8);
            assert!(kept_f32().is_empty());
            small.predict(x.view()).unwrap();
            // 100 rows through 8 units; the 1-unit output goes straight to `out`.
            assert_eq!(kept_f32(), [(800, 0)]);
            small.predict(x.view()).unwrap();
            assert_eq!(kept_f32(), [(800, 0)], "reused, not added");
            // 100 × 2¹⁵ values > KEEP_SCRATCH: used, then dropped.
            let big = model(1 << 15);
            let taken = big.predict(x.view()).unwrap();
            assert_eq!(taken.dim(), (100, 1));
            assert!(kept_f32().is_empty());
            // Reused and grown: 4096 rows × 64 units.
            let x = Array2::<f32>::zeros((3 * INFERENCE_BATCH, 2));
            model(64).predict(x.view()).unwrap();
            assert_eq!(kept_f32(), [(INFERENCE_BATCH * 64, 0)]);
            let two_hidden = |units| {
                Sequential::<f32>::builder(2)
                    .dense(units, Activation::Relu)
                    .dense(units, Activation::Relu)
                    .dense(1, Activation::Identity)
                    .build()
                    .unwrap()
            };
            // Both buffers at half the limit: exactly the limit, kept.
            let half = KEEP_SCRATCH / 2;
            two_hidden(half / INFERENCE_BATCH)
                .predict(x.view())
                .unwrap();
            assert_eq!(kept_f32(), [(half, half)]);
            // Both a little above half: together over the limit, dropped.
            two_hidden(half / INFERENCE_BATCH + 32)
                .predict(x.view())
                .unwrap();
            assert!(kept_f32().is_empty());
        })
        .join()
        .unwrap();
    }
}
