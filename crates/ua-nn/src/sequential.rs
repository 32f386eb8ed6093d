//! [`Sequential`]: a stack of layers, its builder, inference and evaluation.

use ndarray::{Array2, ArrayView1, ArrayView2, s};
use ua_tensor::activation::Activation;
use ua_tensor::init::{Initializer, seeded_rng};

use crate::layer::{Layer, Mode, Param};
use crate::layers::{Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh};
use crate::losses::Loss;
use crate::{Result, Scalar};

/// Rows per batch when predicting or evaluating.
pub const INFERENCE_BATCH: usize = 4096;

/// A feed-forward network: layers applied one after the other.
///
/// Build it with [`Sequential::builder`], train it with
/// [`fit`](Sequential::fit), run it with [`predict`](Sequential::predict),
/// save it with [`save`](Sequential::save).
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, Sequential};
/// let mut model = Sequential::<f32>::builder(2)
///     .dense(8, Activation::Relu)
///     .dropout(0.5)
///     .dense(1, Activation::Sigmoid)
///     .seed(42)
///     .build()
///     .unwrap();
/// let p = model.predict(array![[0.3, -1.2]].view()).unwrap();
/// assert_eq!(p.dim(), (1, 1));
/// assert!(p[[0, 0]] > 0.0 && p[[0, 0]] < 1.0);
/// ```
pub struct Sequential<S: Scalar> {
    pub(crate) input_dim: usize,
    pub(crate) output_dim: usize,
    pub(crate) layers: Vec<Box<dyn Layer<S>>>,
    /// Buffer for ∂loss/∂output, reused across steps.
    pub(crate) loss_grad: Array2<S>,
}

impl<S: Scalar> std::fmt::Debug for Sequential<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequential")
            .field("input_dim", &self.input_dim)
            .field(
                "layers",
                &self.layers.iter().map(|l| l.name()).collect::<Vec<_>>(),
            )
            .field("n_params", &self.n_params())
            .finish()
    }
}

/// Describes the layers to stack; [`build`](SequentialBuilder::build)
/// checks the widths and draws the initial weights from the seed.
#[derive(Debug, Clone)]
pub struct SequentialBuilder<S: Scalar> {
    input_dim: usize,
    seed: u64,
    steps: Vec<Step>,
    _scalar: std::marker::PhantomData<S>,
}

#[derive(Debug, Clone)]
enum Step {
    Dense {
        units: usize,
        activation: Activation,
        init: Option<Initializer>,
    },
    Dropout(f64),
    Activation(&'static str, f64),
}

impl<S: Scalar> SequentialBuilder<S> {
    /// Appends a dense layer with `units` outputs and a fused activation.
    /// Weights use He-uniform for ReLU-family activations and Glorot-uniform
    /// otherwise (override with [`dense_with_init`](Self::dense_with_init)).
    pub fn dense(mut self, units: usize, activation: Activation) -> Self {
        self.steps.push(Step::Dense {
            units,
            activation,
            init: None,
        });
        self
    }

    /// Appends a dense layer with an explicit initialiser.
    pub fn dense_with_init(
        mut self,
        units: usize,
        activation: Activation,
        init: Initializer,
    ) -> Self {
        self.steps.push(Step::Dense {
            units,
            activation,
            init: Some(init),
        });
        self
    }

    /// Appends an inverted-dropout layer with drop probability `rate`.
    pub fn dropout(mut self, rate: f64) -> Self {
        self.steps.push(Step::Dropout(rate));
        self
    }

    /// Appends a stand-alone ReLU layer.
    pub fn relu(mut self) -> Self {
        self.steps.push(Step::Activation("relu", 0.0));
        self
    }
    /// Appends a stand-alone sigmoid layer.
    pub fn sigmoid(mut self) -> Self {
        self.steps.push(Step::Activation("sigmoid", 0.0));
        self
    }
    /// Appends a stand-alone tanh layer.
    pub fn tanh(mut self) -> Self {
        self.steps.push(Step::Activation("tanh", 0.0));
        self
    }
    /// Appends a stand-alone leaky-ReLU layer.
    pub fn leaky_relu(mut self, alpha: f64) -> Self {
        self.steps.push(Step::Activation("leaky_relu", alpha));
        self
    }
    /// Appends a softmax layer.
    pub fn softmax(mut self) -> Self {
        self.steps.push(Step::Activation("softmax", 0.0));
        self
    }

    /// Seed for the initial weights and the dropout masks.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds the model, checking every setting.
    pub fn build(self) -> Result<Sequential<S>> {
        if self.input_dim == 0 {
            return Err(crate::error::invalid(
                "sequential model",
                "input dimension must be ≥ 1",
            ));
        }
        let mut rng = seeded_rng(self.seed);
        let mut layers: Vec<Box<dyn Layer<S>>> = Vec::with_capacity(self.steps.len());
        let mut width = self.input_dim;
        for (i, step) in self.steps.iter().enumerate() {
            let layer: Box<dyn Layer<S>> = match *step {
                Step::Dense {
                    units,
                    activation,
                    init,
                } => {
                    if units == 0 {
                        return Err(crate::error::invalid(
                            "sequential model",
                            format!("layer {}: dense layer needs ≥ 1 unit", i + 1),
                        ));
                    }
                    let init = init.unwrap_or(match activation {
                        Activation::Relu | Activation::LeakyRelu { .. } => Initializer::HeUniform,
                        _ => Initializer::GlorotUniform,
                    });
                    Box::new(Dense::new(width, units, activation, init, &mut rng)?)
                }
                Step::Dropout(rate) => {
                    // Each dropout layer gets its own stream derived from the seed.
                    let seed = self
                        .seed
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        .wrapping_add(i as u64 + 1);
                    Box::new(Dropout::new(rate, seed).map_err(|e| {
                        crate::error::invalid("sequential model", format!("layer {}: {e}", i + 1))
                    })?)
                }
                Step::Activation(name, alpha) => match name {
                    "relu" => Box::new(ReLU::new()),
                    "sigmoid" => Box::new(Sigmoid::new()),
                    "tanh" => Box::new(Tanh::new()),
                    "leaky_relu" => Box::new(LeakyReLU::new(alpha)?),
                    _ => Box::new(Softmax::new()),
                },
            };
            width = layer.output_dim(width)?;
            layers.push(layer);
        }
        Sequential::from_layers(self.input_dim, layers)
    }
}

impl<S: Scalar> Sequential<S> {
    /// Starts describing a model whose inputs have `input_dim` columns.
    pub fn builder(input_dim: usize) -> SequentialBuilder<S> {
        SequentialBuilder {
            input_dim,
            seed: 0,
            steps: Vec::new(),
            _scalar: std::marker::PhantomData,
        }
    }

    /// A model from layers built by hand (custom [`Layer`] implementations
    /// welcome). Checks that consecutive widths fit.
    pub fn from_layers(input_dim: usize, layers: Vec<Box<dyn Layer<S>>>) -> Result<Self> {
        if layers.is_empty() {
            return Err(crate::error::invalid(
                "sequential model",
                "needs at least one layer",
            ));
        }
        let mut width = input_dim;
        for (i, l) in layers.iter().enumerate() {
            width = l.output_dim(width).map_err(|e| {
                crate::error::invalid(
                    "sequential model",
                    format!("layer {} ({}): {e}", i + 1, l.name()),
                )
            })?;
        }
        Ok(Sequential {
            input_dim,
            output_dim: width,
            layers,
            loss_grad: Array2::zeros((0, width)),
        })
    }

    /// Number of input columns.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// Number of output columns.
    pub fn output_dim(&self) -> usize {
        self.output_dim
    }

    /// Total number of trainable scalars.
    pub fn n_params(&self) -> usize {
        self.layers.iter().map(|l| l.n_params()).sum()
    }

    /// The layers, first to last.
    pub fn layers(&self) -> &[Box<dyn Layer<S>>] {
        &self.layers
    }

    /// Checks an input matrix: width, non-empty, finite values.
    pub(crate) fn check_x(&self, op: &'static str, x: &ArrayView2<'_, S>) -> Result<()> {
        if x.ncols() != self.input_dim {
            return Err(crate::error::shape(
                op,
                format!("{} feature columns (the model's input)", self.input_dim),
                format!("{} columns", x.ncols()),
            ));
        }
        if x.nrows() == 0 {
            return Err(crate::Error::Empty { op: op.into() });
        }
        ua_tensor::check::ensure_finite(op, x)?;
        Ok(())
    }

    /// Runs the layers on one batch (no input checks) and returns a view of
    /// the last layer's output. Layers that are the identity in `mode` are skipped.
    pub(crate) fn forward_batch<'a>(
        layers: &'a mut [Box<dyn Layer<S>>],
        x: ArrayView2<'a, S>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, S>> {
        let mut cur = x;
        let mut rest = layers;
        while let Some((first, tail)) = rest.split_first_mut() {
            if !first.is_identity(mode) || mode == Mode::Train {
                cur = first.forward(cur, mode)?;
            }
            rest = tail;
        }
        Ok(cur)
    }

    /// Back-propagates `grad` (∂L/∂output of the last forward pass in
    /// [`Mode::Train`] on input `x`) through all layers, accumulating
    /// parameter gradients.
    pub(crate) fn backward_batch(
        layers: &mut [Box<dyn Layer<S>>],
        x: ArrayView2<'_, S>,
        grad: ArrayView2<'_, S>,
    ) -> Result<()> {
        let mut rest = layers;
        let mut grad = grad;
        while let Some((last, init)) = rest.split_last_mut() {
            let input = match init.last() {
                Some(prev) => prev.output(),
                None => x.view(),
            };
            match last.backward(input, grad, !init.is_empty())? {
                Some(g) => grad = g,
                None => break,
            }
            rest = init;
        }
        Ok(())
    }

    /// Calls `visit(slot, param)` for every parameter in a fixed order.
    pub(crate) fn visit_params(&mut self, visit: &mut dyn FnMut(usize, Param<'_, S>)) {
        let mut slot = 0;
        for l in &mut self.layers {
            l.visit_params(&mut |p| {
                visit(slot, p);
                slot += 1;
            });
        }
    }

    /// Sets every accumulated gradient to zero.
    pub fn zero_grad(&mut self) {
        self.visit_params(&mut |_, p| p.grad.fill(S::zero()));
    }

    /// Outputs for every row of `x`, in inference mode (dropout off), in
    /// batches of [`INFERENCE_BATCH`] rows.
    ///
    /// Errors if `x` has the wrong number of columns, no rows, or a
    /// non-finite value.
    pub fn predict(&mut self, x: ArrayView2<'_, S>) -> Result<Array2<S>> {
        self.check_x("predict", &x)?;
        let n = x.nrows();
        let mut out = Array2::zeros((n, self.output_dim));
        let mut start = 0;
        while start < n {
            let end = (start + INFERENCE_BATCH).min(n);
            let y = Self::forward_batch(&mut self.layers, x.slice(s![start..end, ..]), Mode::Eval)?;
            out.slice_mut(s![start..end, ..]).assign(&y);
            start = end;
        }
        Ok(out)
    }

    /// An independent copy of the model (same architecture and weights, fresh
    /// buffers), made through its saved form. Fails for models with layers
    /// that cannot be saved.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(3).dense(2, Activation::Tanh).build().unwrap();
    /// assert_eq!(m.try_clone().unwrap().to_json().unwrap(), m.to_json().unwrap());
    /// ```
    pub fn try_clone(&self) -> Result<Self> {
        Self::from_model_file(&self.to_model_file()?)
    }

    /// Like [`predict`](Self::predict), but splits the rows into blocks of
    /// [`INFERENCE_BATCH`] rows and runs them on the current rayon thread
    /// pool, each thread with its own copy of the model. Results are
    /// identical to `predict`. Inputs of at most two blocks run on the
    /// calling thread.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use ua_nn::{Activation, Sequential};
    /// let mut m = Sequential::<f32>::builder(4).dense(8, Activation::Relu).dense(1, Activation::Sigmoid).build().unwrap();
    /// let x = Array2::from_shape_fn((10_000, 4), |(i, j)| ((i + j) % 7) as f32 / 7.0);
    /// assert_eq!(m.predict_parallel(x.view()).unwrap(), m.predict(x.view()).unwrap());
    /// ```
    pub fn predict_parallel(&self, x: ArrayView2<'_, S>) -> Result<Array2<S>> {
        use ndarray::Axis;
        use ndarray::parallel::prelude::*;
        if x.nrows() <= 2 * INFERENCE_BATCH {
            return self.try_clone()?.predict(x);
        }
        self.check_x("predict", &x)?;
        let mut out = Array2::zeros((x.nrows(), self.output_dim));
        let blocks: Vec<(ArrayView2<'_, S>, ndarray::ArrayViewMut2<'_, S>)> = x
            .axis_chunks_iter(Axis(0), INFERENCE_BATCH)
            .zip(out.axis_chunks_iter_mut(Axis(0), INFERENCE_BATCH))
            .collect();
        blocks
            .into_par_iter()
            .map_init(
                || self.try_clone(),
                |model, (xb, mut ob)| -> Result<()> {
                    let model = model
                        .as_mut()
                        .map_err(|e| crate::error::invalid("predict_parallel", e.to_string()))?;
                    ob.assign(&Self::forward_batch(&mut model.layers, xb, Mode::Eval)?);
                    Ok(())
                },
            )
            .collect::<Result<Vec<()>>>()?;
        Ok(out)
    }

    /// Mean loss (and accuracy, for classification losses) on `(x, y)` in
    /// inference mode, batched.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Sequential, losses::MeanSquaredError};
    /// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
    /// let (loss, acc) = m.evaluate(array![[1.0]].view(), array![[0.0]].view(), &MeanSquaredError).unwrap();
    /// assert!(loss >= 0.0 && acc.is_none());
    /// ```
    pub fn evaluate(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        loss: &dyn Loss<S>,
    ) -> Result<(f64, Option<f64>)> {
        self.evaluate_weighted(x, y, None, loss)
    }

    pub(crate) fn evaluate_weighted(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        w: Option<ArrayView1<'_, S>>,
        loss: &dyn Loss<S>,
    ) -> Result<(f64, Option<f64>)> {
        self.check_x("evaluate", &x)?;
        if y.dim() != (x.nrows(), self.output_dim) {
            return Err(crate::error::shape(
                "evaluate",
                format!("targets of shape {:?}", (x.nrows(), self.output_dim)),
                format!("{:?}", y.dim()),
            ));
        }
        let n = x.nrows();
        let (mut total, mut correct, mut has_acc) = (0.0, 0.0, true);
        let mut start = 0;
        while start < n {
            let end = (start + INFERENCE_BATCH).min(n);
            let rows = (end - start) as f64;
            let yb = y.slice(s![start..end, ..]);
            let wb = w.as_ref().map(|w| w.slice(s![start..end]));
            let pred =
                Self::forward_batch(&mut self.layers, x.slice(s![start..end, ..]), Mode::Eval)?;
            total += loss.loss(pred.view(), yb, wb)?.as_f64() * rows;
            match loss.accuracy(pred, yb) {
                Some(a) => correct += a * rows,
                None => has_acc = false,
            }
            start = end;
        }
        Ok((total / n as f64, has_acc.then_some(correct / n as f64)))
    }
}
