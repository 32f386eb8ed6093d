//! The [`Layer`] trait and the parameter handles optimizers work on.

use std::any::Any;

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};

use crate::persist::SavedLayer;
use crate::{Result, Scalar};

/// The most trainable scalars a model may hold (2²⁸ ≈ 268 million, 1 GiB
/// of `f32` weights before gradients and optimizer state).
///
/// Layer sizes are checked against it (with overflow-checked products)
/// *before* anything is allocated, so an absurd size is an [`Error`](crate::Error),
/// never an allocation abort.
///
/// ```
/// use ua_nn::{Activation, MAX_PARAMS, Sequential};
/// assert_eq!(MAX_PARAMS, 1 << 28);
/// assert!(Sequential::<f32>::builder(1 << 20).dense(1 << 10, Activation::Relu).build().is_err());
/// ```
pub const MAX_PARAMS: usize = 1 << 28;

/// Whether a training-style forward pass runs stochastic layers.
///
/// [`Layer::forward`] takes a mode; inference ([`Layer::infer_into`]) is
/// always deterministic and needs none.
///
/// ```
/// use ndarray::Array2;
/// use ua_nn::{Layer, Mode, layers::Dropout};
/// let mut d = Dropout::<f32>::new(0.5, 7).unwrap();
/// let x = Array2::<f32>::ones((4, 4));
/// assert_ne!(d.forward(x.view(), Mode::Train).unwrap(), x); // some units dropped
/// assert_eq!(d.forward(x.view(), Mode::Eval).unwrap(), x);  // the identity
/// assert!(d.is_identity(Mode::Eval) && !d.is_identity(Mode::Train));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Training: stochastic layers (dropout) are active.
    Train,
    /// Inference: stochastic layers are the identity.
    Eval,
}

/// What a parameter is, so that weight decay and L1/L2 penalties apply to
/// weights but not to biases.
///
/// ```
/// use ua_nn::{Layer, ParamKind, layers::Dense, Activation};
/// use ndarray::array;
/// let mut d = Dense::<f32>::from_weights(array![[1.0, 2.0]], array![0.0, 0.0], Activation::Identity).unwrap();
/// let mut kinds = Vec::new();
/// d.visit_params(&mut |p| kinds.push(p.kind));
/// assert_eq!(kinds, [ParamKind::Weight, ParamKind::Bias]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix (penalised by regularisation and weight decay).
    Weight,
    /// A bias vector (not penalised).
    Bias,
}

/// One trainable tensor: its values and its accumulated gradient, both as
/// flat contiguous slices of the same length.
///
/// ```
/// use ua_nn::{Optimizer, Param, ParamKind, optim::Sgd};
/// let (mut value, mut grad) = (vec![1.0f32, 2.0], vec![0.5, -0.5]);
/// Sgd::new(0.1).update(0, Param { kind: ParamKind::Weight, value: &mut value, grad: &mut grad });
/// assert_eq!(value, [0.95, 2.05]);
/// ```
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
/// Two paths run through a layer:
///
/// * **Training** (`&mut self`): [`forward`](Layer::forward) writes the output
///   into the layer's own buffer (sized for the largest batch seen, so a
///   training step allocates nothing) and keeps what
///   [`backward`](Layer::backward) needs; `backward` receives the same input
///   again (the previous layer's output, which that layer still holds), so
///   inputs are never copied.
/// * **Inference** (`&self`): [`infer_into`](Layer::infer_into) writes the
///   eval-mode output into a buffer the caller owns and touches no state, so a
///   fitted model is `Sync` and serves from many threads at once. It must
///   agree with `forward(.., Mode::Eval)`
///   ([`gradcheck::check_layer`](crate::gradcheck::check_layer) checks it).
///
/// A layer can be cloned through [`boxed_clone`](Layer::boxed_clone), and
/// saved through [`to_saved`](Layer::to_saved) plus a loader registered in a
/// [`LayerRegistry`](crate::persist::LayerRegistry) (the built-in layers are
/// pre-registered). `tests/custom_layer.rs` shows a complete user-defined layer.
///
/// ```
/// use ndarray::{array, Array2};
/// use ua_nn::{Layer, Mode, layers::Dense, Activation};
/// use ua_nn::ua_tensor::init::seeded_rng;
/// let mut d = Dense::<f64>::new(2, 1, Activation::Identity, Default::default(), &mut seeded_rng(1)).unwrap();
/// let x = array![[1.0, 2.0]];
/// let y = d.forward(x.view(), Mode::Train).unwrap().to_owned();
/// assert_eq!(y.dim(), (1, 1));
/// let g = d.backward(x.view(), array![[1.0]].view(), true).unwrap().unwrap();
/// assert_eq!(g.dim(), (1, 2)); // ∂y/∂x = wᵀ
/// // inference through &self gives the same numbers
/// let mut out = Array2::zeros((1, 1));
/// d.infer_into(x.view(), out.view_mut()).unwrap();
/// assert_eq!(out, y);
/// ```
pub trait Layer<S: Scalar>: Any + Send + Sync {
    /// A short name for messages (`"dense"`, `"dropout"`, ...).
    ///
    /// ```
    /// use ua_nn::{Layer, layers::{Dropout, Softmax}};
    /// assert_eq!(Softmax::<f32>::new().name(), "softmax");
    /// assert_eq!(Dropout::<f32>::new(0.1, 0).unwrap().name(), "dropout");
    /// ```
    fn name(&self) -> &'static str;

    /// Output width for an input of `input_dim` columns, or an error if the
    /// layer cannot take that width.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Layer, layers::{Dense, ReLU}};
    /// let d = Dense::<f32>::from_weights(array![[1.0, 2.0, 3.0]], array![0.0, 0.0, 0.0], Activation::Relu).unwrap();
    /// assert_eq!(d.output_dim(1).unwrap(), 3);
    /// assert!(d.output_dim(2).is_err());
    /// assert_eq!(ReLU::<f32>::new().output_dim(7).unwrap(), 7);
    /// ```
    fn output_dim(&self, input_dim: usize) -> Result<usize>;

    /// Computes the layer's output for `input` into the layer's own buffer
    /// and returns a view of it (training path).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::Tanh};
    /// let mut t = Tanh::<f64>::new();
    /// let y = t.forward(array![[0.0, 1.0]].view(), Mode::Train).unwrap();
    /// assert_eq!(y[[0, 0]], 0.0);
    /// assert!((y[[0, 1]] - 1f64.tanh()).abs() < 1e-15);
    /// ```
    fn forward(&mut self, input: ArrayView2<'_, S>, mode: Mode) -> Result<ArrayView2<'_, S>>;

    /// The output of the last `forward` call.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::ReLU};
    /// let mut r = ReLU::<f32>::new();
    /// r.forward(array![[-3.0, 3.0]].view(), Mode::Train).unwrap();
    /// assert_eq!(r.output(), array![[0.0, 3.0]]);
    /// ```
    fn output(&self) -> ArrayView2<'_, S>;

    /// Given `∂L/∂output`, accumulates the parameter gradients and, when
    /// `need_input_grad`, returns `∂L/∂input` (`None` otherwise: the first
    /// layer of a model skips that product). `input` must be the input of the
    /// last `forward` call, which must have been in [`Mode::Train`].
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::ReLU};
    /// let mut r = ReLU::<f64>::new();
    /// let x = array![[-1.0, 2.0]];
    /// r.forward(x.view(), Mode::Train).unwrap();
    /// let g = r.backward(x.view(), array![[5.0, 5.0]].view(), true).unwrap().unwrap();
    /// assert_eq!(g, array![[0.0, 5.0]]); // the gradient passes where x > 0
    /// assert!(r.backward(x.view(), array![[5.0, 5.0]].view(), false).unwrap().is_none());
    /// ```
    fn backward(
        &mut self,
        input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>>;

    /// Inference: writes the eval-mode output for `input` into `out`
    /// (`input.nrows() × output_dim(input.ncols())`), reading only `&self`.
    /// Errors (never panics) when `input` or `out` has the wrong shape.
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// use ua_nn::{Activation, Layer, layers::Dense};
    /// let d = Dense::<f32>::from_weights(array![[2.0], [1.0]], array![0.5], Activation::Identity).unwrap();
    /// let mut out = Array2::zeros((2, 1));
    /// d.infer_into(array![[1.0, 1.0], [0.0, -1.0]].view(), out.view_mut()).unwrap();
    /// assert_eq!(out, array![[3.5], [-0.5]]);
    /// assert!(d.infer_into(array![[1.0]].view(), out.view_mut()).is_err());
    /// ```
    fn infer_into(&self, input: ArrayView2<'_, S>, out: ArrayViewMut2<'_, S>) -> Result<()>;

    /// Inference into a new array (convenience over
    /// [`infer_into`](Layer::infer_into)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, layers::ReLU};
    /// assert_eq!(ReLU::<f32>::new().infer(array![[-1.0, 2.0]].view()).unwrap(), array![[0.0, 2.0]]);
    /// ```
    fn infer(&self, input: ArrayView2<'_, S>) -> Result<ndarray::Array2<S>> {
        let cols = self.output_dim(input.ncols())?;
        let mut out = Array2::zeros((input.nrows(), cols));
        self.infer_into(input, out.view_mut())?;
        Ok(out)
    }

    /// An independent copy of the layer (same weights and settings) behind a
    /// new box; `Sequential`'s `Clone` is built on it. Usually
    /// `Box::new(self.clone())`.
    ///
    /// ```
    /// use ua_nn::{Layer, layers::Dropout};
    /// let d = Dropout::<f32>::new(0.3, 1).unwrap();
    /// let copy: Box<dyn Layer<f32>> = d.boxed_clone();
    /// assert_eq!(copy.downcast_ref::<Dropout<f32>>().unwrap().rate(), 0.3);
    /// ```
    fn boxed_clone(&self) -> Box<dyn Layer<S>>;

    /// Calls `visit` once for every trainable parameter, always in the same
    /// order (optimizers key their state on that order).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Layer, layers::Dense};
    /// let mut d = Dense::<f64>::from_weights(array![[1.0, 2.0]], array![3.0, 4.0], Activation::Identity).unwrap();
    /// let mut values = Vec::new();
    /// d.visit_params(&mut |p| values.push(p.value.to_vec()));
    /// assert_eq!(values, [vec![1.0, 2.0], vec![3.0, 4.0]]);
    /// ```
    fn visit_params(&mut self, _visit: &mut dyn FnMut(Param<'_, S>)) {}

    /// Number of trainable scalars.
    ///
    /// ```
    /// use ua_nn::{Activation, Layer, layers::{Dense, Sigmoid}};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let d = Dense::<f32>::new(4, 3, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(0)).unwrap();
    /// assert_eq!(d.n_params(), 4 * 3 + 3);
    /// assert_eq!(Sigmoid::<f32>::new().n_params(), 0);
    /// ```
    fn n_params(&self) -> usize {
        0
    }

    /// True when, in `mode`, the layer passes its input through unchanged
    /// (dropout at inference); models skip such layers at inference.
    ///
    /// ```
    /// use ua_nn::{Layer, Mode, layers::{Dropout, ReLU}};
    /// assert!(Dropout::<f32>::new(0.5, 0).unwrap().is_identity(Mode::Eval));
    /// assert!(Dropout::<f32>::new(0.0, 0).unwrap().is_identity(Mode::Train));
    /// assert!(!ReLU::<f32>::new().is_identity(Mode::Eval));
    /// ```
    fn is_identity(&self, _mode: Mode) -> bool {
        false
    }

    /// Makes the layer's randomness repeat: after `freeze_randomness(true)`
    /// a training-mode forward reuses the last random draw (dropout mask).
    /// Used by the gradient checker; a no-op for deterministic layers.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use ua_nn::{Layer, Mode, layers::Dropout};
    /// let mut d = Dropout::<f32>::new(0.5, 3).unwrap();
    /// let x = Array2::<f32>::ones((8, 8));
    /// let first = d.forward(x.view(), Mode::Train).unwrap().to_owned();
    /// d.freeze_randomness(true);
    /// assert_eq!(d.forward(x.view(), Mode::Train).unwrap(), first); // the same mask
    /// d.freeze_randomness(false);
    /// assert_ne!(d.forward(x.view(), Mode::Train).unwrap(), first); // a new mask
    /// ```
    fn freeze_randomness(&mut self, _frozen: bool) {}

    /// The layer's saved form: the type name its loader is registered under
    /// and its settings and weights as JSON (see
    /// [`SavedLayer::new`]). The default says the layer cannot be saved.
    ///
    /// ```
    /// use ua_nn::{Layer, layers::LeakyReLU};
    /// let s = LeakyReLU::<f32>::new(0.2).unwrap().to_saved().unwrap();
    /// assert_eq!(s.type_name, "leaky_relu");
    /// assert_eq!(s.data["alpha"], 0.2);
    /// ```
    fn to_saved(&self) -> Result<SavedLayer> {
        Err(crate::error::invalid(
            "save",
            format!(
                "layer {} does not support saving; implement Layer::to_saved and register \
                 a loader in a LayerRegistry",
                self.name()
            ),
        ))
    }
}

impl<S: Scalar> std::fmt::Debug for dyn Layer<S> {
    /// The layer's name and parameter count (`dense (20 parameters)`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} parameters)", self.name(), self.n_params())
    }
}

impl<S: Scalar> dyn Layer<S> {
    /// The layer as its concrete type, if it is a `T`.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential, layers::{Dense, Dropout}};
    /// let m = Sequential::<f32>::builder(3).dense(2, Activation::Tanh).build().unwrap();
    /// let dense = m.layers()[0].downcast_ref::<Dense<f32>>().unwrap();
    /// assert_eq!(dense.weights().dim(), (3, 2));
    /// assert!(m.layers()[0].downcast_ref::<Dropout<f32>>().is_none());
    /// ```
    pub fn downcast_ref<T: Layer<S>>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref::<T>()
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
    // A full batch is the whole buffer: its view skips `slice`'s per-axis
    // work.
    if rows == buf.nrows() {
        return buf.view_mut();
    }
    buf.slice_mut(s![..rows, ..])
}

/// The first `rows` rows of `buf`: the whole buffer's view when it has
/// exactly that many (a full batch), else a slice.
pub(crate) fn first_rows<S>(buf: &Array2<S>, rows: usize) -> ArrayView2<'_, S> {
    if rows == buf.nrows() {
        return buf.view();
    }
    buf.slice(s![..rows, ..])
}

/// Checks that `input` has `expected` columns (`op`: e.g. `"dense forward"`).
pub(crate) fn check_input<S>(op: &str, input: &ArrayView2<'_, S>, expected: usize) -> Result<()> {
    if input.ncols() != expected {
        return Err(crate::error::shape(
            op,
            format!("{expected} input columns"),
            format!("{} columns", input.ncols()),
        ));
    }
    Ok(())
}

/// Checks that an inference output buffer is `rows × cols`.
pub(crate) fn check_out<S>(
    layer: &str,
    out: &ArrayViewMut2<'_, S>,
    want: (usize, usize),
) -> Result<()> {
    if out.dim() != want {
        return Err(crate::error::shape(
            format!("{layer} inference output"),
            crate::error::dims(want),
            crate::error::dims(out.dim()),
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
            format!(
                "gradient of shape {} (the last forward output)",
                crate::error::dims(out)
            ),
            crate::error::dims(grad.dim()),
        ));
    }
    Ok(())
}
