//! The [`Layer`] trait and the parameter handles optimizers work on.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};

use crate::persist::LayerSpec;
use crate::{Result, Scalar};

/// Whether a forward pass is part of training (dropout active) or inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Training: stochastic layers (dropout) are active.
    Train,
    /// Inference: stochastic layers are the identity.
    Eval,
}

/// What a parameter is, so that weight decay and L1/L2 penalties apply to
/// weights but not to biases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix (penalised by regularisation and weight decay).
    Weight,
    /// A bias vector (not penalised).
    Bias,
}

/// One trainable tensor: its values and its accumulated gradient, both as
/// flat contiguous slices of the same length.
#[derive(Debug)]
pub struct Param<'a, S> {
    /// Weight or bias.
    pub kind: ParamKind,
    /// The values, updated in place by an optimizer.
    pub value: &'a mut [S],
    /// The gradient accumulated by `backward` since the last zeroing.
    pub grad: &'a mut [S],
}

/// A layer of a feed-forward network.
///
/// Each layer owns the buffers of its output and of its input gradient, sized
/// for the largest batch seen, so that a training step allocates nothing.
/// `forward` keeps whatever `backward` needs (e.g. the output, the dropout
/// mask); `backward` receives the same `input` again (the previous layer's
/// output, which the model keeps), so inputs are never copied.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Layer, Mode, layers::Dense, Activation};
/// use ua_nn::ua_tensor::init::seeded_rng;
/// let mut d = Dense::<f64>::new(2, 1, Activation::Identity, Default::default(), &mut seeded_rng(1)).unwrap();
/// let x = array![[1.0, 2.0]];
/// let y = d.forward(x.view(), Mode::Train).unwrap().to_owned();
/// assert_eq!(y.dim(), (1, 1));
/// let g = d.backward(x.view(), array![[1.0]].view(), true).unwrap().unwrap();
/// assert_eq!(g.dim(), (1, 2)); // ∂y/∂x = wᵀ
/// ```
pub trait Layer<S: Scalar>: Send + Sync {
    /// A short name for messages (`"dense"`, `"dropout"`, ...).
    fn name(&self) -> &'static str;

    /// Output width for an input of `input_dim` columns, or an error if the
    /// layer cannot take that width.
    fn output_dim(&self, input_dim: usize) -> Result<usize>;

    /// Computes the layer's output for `input` into the layer's own buffer
    /// and returns a view of it.
    fn forward(&mut self, input: ArrayView2<'_, S>, mode: Mode) -> Result<ArrayView2<'_, S>>;

    /// The output of the last `forward` call.
    fn output(&self) -> ArrayView2<'_, S>;

    /// Given `∂L/∂output`, accumulates the parameter gradients and, when
    /// `need_input_grad`, returns `∂L/∂input` (`None` otherwise: the first
    /// layer of a model skips that product). `input` must be the input of the
    /// last `forward` call, which must have been in [`Mode::Train`].
    fn backward(
        &mut self,
        input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>>;

    /// Calls `visit` once for every trainable parameter, always in the same
    /// order (optimizers key their state on that order).
    fn visit_params(&mut self, _visit: &mut dyn FnMut(Param<'_, S>)) {}

    /// Number of trainable scalars.
    fn n_params(&self) -> usize {
        0
    }

    /// True when, in `mode`, the layer passes its input through unchanged
    /// (dropout at inference); models skip such layers.
    fn is_identity(&self, _mode: Mode) -> bool {
        false
    }

    /// Makes the layer's randomness repeat: after `freeze_randomness(true)`
    /// a training-mode forward reuses the last random draw (dropout mask).
    /// Used by the gradient checker; a no-op for deterministic layers.
    fn freeze_randomness(&mut self, _frozen: bool) {}

    /// The layer's architecture and weights for saving. Layers that cannot
    /// be saved return an error saying so.
    fn spec(&self) -> Result<LayerSpec> {
        Err(crate::Error::InvalidArgument {
            op: "save".into(),
            message: format!("layer `{}` does not support saving", self.name()),
        })
    }
}

/// Returns the first `rows` rows of `buf`, growing it (never shrinking) to at
/// least `rows × cols`. Allocates only when a larger batch than before arrives.
pub(crate) fn rows_of<S: Scalar>(
    buf: &mut Array2<S>,
    rows: usize,
    cols: usize,
) -> ArrayViewMut2<'_, S> {
    if buf.nrows() < rows || buf.ncols() != cols {
        *buf = Array2::zeros((rows.max(buf.nrows()), cols));
    }
    buf.slice_mut(s![..rows, ..])
}

/// Checks that `input` has `expected` columns and at least one row.
pub(crate) fn check_input<S>(
    layer: &str,
    input: &ArrayView2<'_, S>,
    expected: usize,
) -> Result<()> {
    if input.ncols() != expected {
        return Err(crate::error::shape(
            format!("{layer} forward"),
            format!("{expected} input columns"),
            format!("{} columns", input.ncols()),
        ));
    }
    Ok(())
}

/// Checks that a gradient has the shape of the layer's last output.
pub(crate) fn check_grad<S>(
    layer: &str,
    grad: &ArrayView2<'_, S>,
    out: (usize, usize),
) -> Result<()> {
    if grad.dim() != out {
        return Err(crate::error::shape(
            format!("{layer} backward"),
            format!("gradient of shape {out:?} (the last forward output)"),
            format!("{:?}", grad.dim()),
        ));
    }
    Ok(())
}
