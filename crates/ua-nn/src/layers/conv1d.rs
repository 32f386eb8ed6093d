//! One-dimensional convolution over time-major sequences.

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, s};
use rand::Rng;
use serde::{Deserialize, Serialize};
use ua_tensor::activation::{Activation, activation_backward_into, bias_add_activate};
use ua_tensor::gemm::{Trans, gemm_into};
use ua_tensor::init::Initializer;

use crate::layer::first_rows;
use crate::layer::{Layer, MAX_PARAMS, Mode, Param, ParamKind, check_out, rows_of};
use crate::persist::SavedLayer;
use crate::{Result, Scalar};

/// How a [`Conv1D`] treats the ends of a sequence.
///
/// ```
/// use ua_nn::layers::Padding;
/// assert_ne!(Padding::Same, Padding::Valid);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Zeros around the sequence so that the output has as many steps as the
    /// input (`(span − 1) / 2` zeros before, the rest after, as in Keras and
    /// PyTorch, where `span = (kernel_width − 1)·dilation + 1`).
    Same,
    /// No padding: `steps − span + 1` output steps, each window inside the
    /// sequence.
    Valid,
}

/// Rows of input processed per im2col block: the block's unfolded matrix
/// (`rows·steps × kernel·in_channels`) stays within about this many values,
/// so it lives in cache while the product reads it.
const BLOCK_VALUES: usize = 1 << 15;

/// The saved form of a [`Conv1D`] (type name `"conv1d"`).
#[derive(Serialize, Deserialize)]
struct Conv1DData {
    in_channels: usize,
    out_channels: usize,
    kernel_width: usize,
    dilation: usize,
    padding: Padding,
    activation: Activation,
    /// Row-major `(kernel_width·in_channels) × out_channels`, widened to `f64`.
    weights: Vec<f64>,
    bias: Vec<f64>,
}

/// Checks a convolution's sizes before anything is allocated; returns the
/// parameter count `kernel_width·in_channels·out_channels + out_channels`.
pub(crate) fn check_conv_size(
    in_channels: usize,
    out_channels: usize,
    kernel_width: usize,
    dilation: usize,
) -> Result<usize> {
    let bad = |m: String| Err(crate::error::invalid("conv1d layer", m));
    for (name, v) in [
        ("in_channels", in_channels),
        ("out_channels", out_channels),
        ("kernel_width", kernel_width),
        ("dilation", dilation),
    ] {
        if v == 0 {
            return bad(format!("{name} must be ≥ 1, got 0"));
        }
    }
    if (kernel_width - 1)
        .checked_mul(dilation)
        .and_then(|s| s.checked_add(1))
        .is_none()
    {
        return bad(format!(
            "kernel_width {kernel_width} with dilation {dilation} overflows"
        ));
    }
    match kernel_width
        .checked_mul(in_channels)
        .and_then(|k| k.checked_mul(out_channels))
        .and_then(|w| w.checked_add(out_channels))
    {
        Some(n) if n <= MAX_PARAMS => Ok(n),
        Some(n) => bad(format!(
            "kernel_width {kernel_width} × in_channels {in_channels} × out_channels {out_channels} \
             gives {n} parameters, more than the limit of {MAX_PARAMS} (MAX_PARAMS)"
        )),
        None => bad(format!(
            "kernel_width {kernel_width} × in_channels {in_channels} × out_channels {out_channels} \
             overflows; the limit is {MAX_PARAMS} parameters (MAX_PARAMS)"
        )),
    }
}

/// Rebuilds a [`Conv1D`] from its saved form.
pub(crate) fn load_conv<S: Scalar>(saved: &SavedLayer) -> Result<Conv1D<S>> {
    let d: Conv1DData = saved.decode()?;
    check_conv_size(d.in_channels, d.out_channels, d.kernel_width, d.dilation)?;
    let rows = d.kernel_width * d.in_channels;
    let want = rows * d.out_channels;
    if d.weights.len() != want {
        return Err(crate::error::shape(
            "conv1d layer weights",
            format!("{want} weights ({rows}×{})", d.out_channels),
            format!("{} weights", d.weights.len()),
        ));
    }
    let w = Array2::from_shape_vec(
        (rows, d.out_channels),
        d.weights.iter().map(|&v| S::lit(v)).collect(),
    )
    .map_err(|e| crate::error::invalid("conv1d layer weights", e.to_string()))?;
    let b = Array1::from_iter(d.bias.iter().map(|&v| S::lit(v)));
    Conv1D::from_weights(w, b, d.in_channels, d.activation)?
        .with_padding(d.padding)
        .with_dilation(d.dilation)
}

pub(crate) fn load<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    Ok(Box::new(load_conv::<S>(saved)?))
}

/// A 1-D convolution over sequences stored as time-major rows.
///
/// A row of the input holds `steps` time steps of `in_channels` values each,
/// time-major (`[t0c0, t0c1, …, t1c0, …]`, the layout
/// [`Embedding`](crate::layers::Embedding) writes), so the input has
/// `steps·in_channels` columns and `steps` follows from the width. The output
/// is time-major too: `out_steps·out_channels` columns, where `out_steps` is
/// `steps` with [`Padding::Same`] and `steps − span + 1` with
/// [`Padding::Valid`] (`span = (kernel_width − 1)·dilation + 1`); stride 1.
///
/// `y[t, o] = f(b[o] + Σ_k Σ_c x[t + k·dilation − pad, c] · W[k·in_channels + c, o])`,
/// with `x` zero outside the sequence and `f` a fused [`Activation`].
///
/// The product is im2col + GEMM: a block of rows is unfolded into a
/// `rows·out_steps × kernel_width·in_channels` matrix (each line one
/// window), multiplied by `W` in one [`gemm_into`] call straight into the
/// output buffer (whose rows are exactly `out_steps × out_channels`), then
/// the bias and activation are applied in one pass. The backward pass
/// unfolds the same blocks again (rather than keeping the whole unfolded
/// batch), adds `unfoldedᵀ·∂z` to the weight gradient and folds
/// `∂z·Wᵀ` back onto the input gradient. Buffers grow to the largest batch
/// seen; a training step allocates nothing after the first. Inside a
/// [`SequenceBranch`](crate::layers::SequenceBranch) followed by a max pool,
/// the output gradient is non-zero at one step per (row, channel) only, and
/// the branch uses a positioned backward pass that visits just those steps.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, Layer, Mode, layers::{Conv1D, Padding}};
/// // One input channel, one output channel, kernel [1, 2] (a shifted sum).
/// let mut c = Conv1D::<f64>::from_weights(array![[1.0], [2.0]], array![0.0], 1, Activation::Identity)
///     .unwrap()
///     .with_padding(Padding::Valid);
/// let y = c.forward(array![[1.0, 10.0, 100.0]].view(), Mode::Train).unwrap();
/// assert_eq!(y, array![[21.0, 210.0]]); // 1 + 2·10, 10 + 2·100
/// let c = c.with_padding(Padding::Same);
/// assert_eq!(c.infer(array![[1.0, 10.0, 100.0]].view()).unwrap(), array![[21.0, 210.0, 100.0]]);
/// ```
#[derive(Debug, Clone)]
pub struct Conv1D<S: Scalar> {
    /// `(kernel_width·in_channels) × out_channels`.
    w: Array2<S>,
    b: Array1<S>,
    gw: Array2<S>,
    gb: Array1<S>,
    in_channels: usize,
    kernel_width: usize,
    dilation: usize,
    padding: Padding,
    activation: Activation,
    out: Array2<S>,
    gz: Array2<S>,
    gin: Array2<S>,
    /// The unfolded block (forward) / its gradient (backward).
    cols: Vec<S>,
    /// A contiguous copy of one input row when the input is strided.
    row_copy: Vec<S>,
    /// Compacted output lines (masked forward) / their gradient (backward).
    lines: Vec<S>,
    rows: usize,
    steps: usize,
}

/// Which output steps of each row are computed: all `all` of them, or with
/// `valid`, the first `valid[r]` of row `r` (the others are zero and get no
/// gradient). The unfolded lines of a block are the computed steps of its
/// rows, one after the other.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lines<'a> {
    all: usize,
    valid: Option<&'a [usize]>,
}

impl Lines<'_> {
    fn of(&self, r: usize) -> usize {
        self.valid.map_or(self.all, |v| v[r].min(self.all))
    }

    /// The rows `r0..r1` of the next block (at least one row, else at most
    /// `max_lines` lines) and their number of lines.
    fn next_block(&self, r0: usize, n: usize, max_lines: usize) -> (usize, usize) {
        let (mut r1, mut total) = (r0, 0);
        while r1 < n && (r1 == r0 || total + self.of(r1) <= max_lines) {
            total += self.of(r1);
            r1 += 1;
        }
        (r1, total)
    }
}

/// The geometry of one convolution call.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    steps: usize,
    out_steps: usize,
    in_channels: usize,
    kernel_width: usize,
    dilation: usize,
    /// Zeros before the first step.
    pad: usize,
}

impl Geometry {
    fn window(&self) -> usize {
        self.kernel_width * self.in_channels
    }

    /// Lines (output steps) per im2col block.
    fn block_lines(&self) -> usize {
        (BLOCK_VALUES / self.window().max(1)).max(1)
    }
}

impl<S: Scalar> Conv1D<S> {
    /// A convolution with weights drawn from `init` (fan-in
    /// `kernel_width·in_channels`, fan-out `out_channels`) and zero biases,
    /// [`Padding::Same`] and dilation 1 (change them with
    /// [`with_padding`](Self::with_padding) and
    /// [`with_dilation`](Self::with_dilation)).
    ///
    /// Errors, before allocating, when a size is 0 or the layer would hold
    /// more than [`MAX_PARAMS`] parameters.
    ///
    /// ```
    /// use ua_nn::{Activation, Layer, layers::Conv1D};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let c = Conv1D::<f32>::new(32, 64, 3, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(1)).unwrap();
    /// assert_eq!((c.in_channels(), c.out_channels(), c.kernel_width()), (32, 64, 3));
    /// assert_eq!(c.n_params(), 3 * 32 * 64 + 64);
    /// assert_eq!(c.output_dim(50 * 32).unwrap(), 50 * 64);
    /// let e = Conv1D::<f32>::new(0, 4, 3, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(1));
    /// assert!(e.unwrap_err().to_string().contains("in_channels must be ≥ 1"));
    /// ```
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_width: usize,
        activation: Activation,
        init: Initializer,
        rng: &mut impl Rng,
    ) -> Result<Self> {
        check_conv_size(in_channels, out_channels, kernel_width, 1)?;
        let w = init.matrix::<S>(kernel_width * in_channels, out_channels, rng)?;
        Self::from_weights(w, Array1::zeros(out_channels), in_channels, activation)
    }

    /// A convolution with the given weights: `w` is
    /// `(kernel_width·in_channels) × out_channels`, row `k·in_channels + c`
    /// holding tap `k` of input channel `c`; `b` has `out_channels` entries.
    /// Errors on inconsistent sizes, non-finite values or a bad activation
    /// parameter.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0], [2.0], [3.0], [4.0]], array![0.0], 2, Activation::Relu).unwrap();
    /// assert_eq!(c.kernel_width(), 2);
    /// let e = Conv1D::<f64>::from_weights(array![[1.0], [2.0], [3.0]], array![0.0], 2, Activation::Relu).unwrap_err();
    /// assert!(e.to_string().contains("multiple of in_channels 2"), "{e}");
    /// ```
    pub fn from_weights(
        w: Array2<S>,
        b: Array1<S>,
        in_channels: usize,
        activation: Activation,
    ) -> Result<Self> {
        activation.validate()?;
        if in_channels == 0 || w.nrows() == 0 || !w.nrows().is_multiple_of(in_channels) {
            return Err(crate::error::invalid(
                "conv1d layer",
                format!(
                    "the weight matrix has {} rows; it needs kernel_width·in_channels rows, a \
                     positive multiple of in_channels {in_channels}",
                    w.nrows()
                ),
            ));
        }
        let kernel_width = w.nrows() / in_channels;
        check_conv_size(in_channels, w.ncols(), kernel_width, 1)?;
        if w.ncols() != b.len() {
            return Err(crate::error::shape(
                "conv1d layer",
                format!("{} biases (one per output channel)", w.ncols()),
                b.len(),
            ));
        }
        ua_tensor::check::ensure_finite("conv1d layer weights", &w)?;
        ua_tensor::check::ensure_finite("conv1d layer biases", &b)?;
        let w = w.as_standard_layout().into_owned();
        let (i, o) = w.dim();
        Ok(Conv1D {
            gw: Array2::zeros((i, o)),
            gb: Array1::zeros(o),
            w,
            b,
            in_channels,
            kernel_width,
            dilation: 1,
            padding: Padding::Same,
            activation,
            out: Array2::zeros((0, 0)),
            gz: Array2::zeros((0, 0)),
            gin: Array2::zeros((0, 0)),
            cols: Vec::new(),
            row_copy: Vec::new(),
            lines: Vec::new(),
            rows: 0,
            steps: 0,
        })
    }

    /// Sets the padding (see [`Padding`]).
    ///
    /// ```
    /// use ua_nn::{Activation, Layer, layers::{Conv1D, Padding}};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let c = Conv1D::<f32>::new(2, 4, 3, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(0)).unwrap();
    /// let c = c.with_padding(Padding::Valid);
    /// assert_eq!(c.padding(), Padding::Valid);
    /// assert_eq!(c.output_dim(10 * 2).unwrap(), 8 * 4); // 10 − 3 + 1 steps
    /// ```
    pub fn with_padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }

    /// Sets the dilation (spacing of the kernel taps, ≥ 1). Errors on 0 or
    /// a span that overflows.
    ///
    /// ```
    /// use ua_nn::{Activation, Layer, layers::{Conv1D, Padding}};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let c = Conv1D::<f32>::new(1, 1, 3, Activation::Identity, Initializer::HeUniform, &mut seeded_rng(0)).unwrap();
    /// let c = c.with_padding(Padding::Valid).with_dilation(2).unwrap();
    /// assert_eq!((c.dilation(), c.span()), (2, 5));
    /// assert_eq!(c.output_dim(7).unwrap(), 3);
    /// let e = c.output_dim(4).unwrap_err().to_string();
    /// assert!(e.contains("at least 5 steps"), "{e}");
    /// ```
    pub fn with_dilation(mut self, dilation: usize) -> Result<Self> {
        check_conv_size(
            self.in_channels,
            self.w.ncols(),
            self.kernel_width,
            dilation,
        )?;
        self.dilation = dilation;
        Ok(self)
    }

    /// The weights, `(kernel_width·in_channels) × out_channels`.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f32>::from_weights(array![[1.0, 2.0]], array![0.5, 0.0], 1, Activation::Tanh).unwrap();
    /// assert_eq!(c.weights(), &array![[1.0, 2.0]]);
    /// assert_eq!(c.bias(), &array![0.5, 0.0]);
    /// assert_eq!(c.activation(), Activation::Tanh);
    /// ```
    pub fn weights(&self) -> &Array2<S> {
        &self.w
    }

    /// The biases, one per output channel (see [`weights`](Self::weights)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0]], array![-0.5], 1, Activation::Relu).unwrap();
    /// assert_eq!(c.bias(), &array![-0.5]);
    /// ```
    pub fn bias(&self) -> &Array1<S> {
        &self.b
    }

    /// The fused activation (see [`weights`](Self::weights)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0]], array![0.0], 1, Activation::Relu).unwrap();
    /// assert_eq!(c.activation(), Activation::Relu);
    /// ```
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Channels per input step.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0], [1.0]], array![0.0], 2, Activation::Relu).unwrap();
    /// assert_eq!((c.in_channels(), c.out_channels(), c.kernel_width()), (2, 1, 1));
    /// ```
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// Channels per output step (see [`in_channels`](Self::in_channels)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0, 2.0, 3.0]], array![0.0, 0.0, 0.0], 1, Activation::Relu).unwrap();
    /// assert_eq!(c.out_channels(), 3);
    /// ```
    pub fn out_channels(&self) -> usize {
        self.w.ncols()
    }

    /// Taps of the kernel (see [`in_channels`](Self::in_channels)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0], [2.0], [3.0]], array![0.0], 1, Activation::Relu).unwrap();
    /// assert_eq!(c.kernel_width(), 3);
    /// ```
    pub fn kernel_width(&self) -> usize {
        self.kernel_width
    }

    /// Spacing of the taps (see [`with_dilation`](Self::with_dilation)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0]], array![0.0], 1, Activation::Relu).unwrap();
    /// assert_eq!(c.dilation(), 1);
    /// ```
    pub fn dilation(&self) -> usize {
        self.dilation
    }

    /// Steps one window covers: `(kernel_width − 1)·dilation + 1`.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Conv1D};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0], [2.0], [3.0]], array![0.0], 1, Activation::Relu).unwrap();
    /// assert_eq!(c.with_dilation(3).unwrap().span(), 7);
    /// ```
    pub fn span(&self) -> usize {
        (self.kernel_width - 1) * self.dilation + 1
    }

    /// The padding (see [`Padding`] and [`with_padding`](Self::with_padding)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::{Conv1D, Padding}};
    /// let c = Conv1D::<f64>::from_weights(array![[1.0]], array![0.0], 1, Activation::Relu).unwrap();
    /// assert_eq!(c.padding(), Padding::Same);
    /// ```
    pub fn padding(&self) -> Padding {
        self.padding
    }

    /// Output steps for an input of `steps` steps, or an error when a valid
    /// convolution has no complete window.
    pub(crate) fn out_steps(&self, steps: usize) -> Result<usize> {
        match self.padding {
            Padding::Same => Ok(steps),
            Padding::Valid => {
                if steps < self.span() {
                    Err(crate::error::invalid(
                        "conv1d layer",
                        format!(
                            "valid padding needs at least {} steps (kernel_width {}, dilation {}), \
                             the input has {steps}",
                            self.span(),
                            self.kernel_width,
                            self.dilation
                        ),
                    ))
                } else {
                    Ok(steps - self.span() + 1)
                }
            }
        }
    }

    /// How many of the output steps are valid when the first `len` input
    /// steps are (for masked sequences): `len` with same padding, the
    /// windows that lie wholly inside the first `len` steps with valid padding.
    pub(crate) fn valid_out_steps(&self, len: usize, out_steps: usize) -> usize {
        match self.padding {
            Padding::Same => len.min(out_steps),
            Padding::Valid => (len + 1).saturating_sub(self.span()).min(out_steps),
        }
    }

    /// Input steps for an input of `input_dim` columns.
    fn steps_of(&self, input_dim: usize) -> Result<usize> {
        if input_dim == 0 || !input_dim.is_multiple_of(self.in_channels) {
            return Err(crate::error::shape(
                "conv1d layer",
                format!(
                    "a positive multiple of in_channels {} input columns (steps × channels, time-major)",
                    self.in_channels
                ),
                format!("{input_dim} columns"),
            ));
        }
        Ok(input_dim / self.in_channels)
    }

    fn geometry(&self, input_dim: usize) -> Result<Geometry> {
        let steps = self.steps_of(input_dim)?;
        let out_steps = self.out_steps(steps)?;
        let pad = match self.padding {
            Padding::Same => (self.span() - 1) / 2,
            Padding::Valid => 0,
        };
        Ok(Geometry {
            steps,
            out_steps,
            in_channels: self.in_channels,
            kernel_width: self.kernel_width,
            dilation: self.dilation,
            pad,
        })
    }

    /// `out = f(conv(input))` at the steps `lines` asks for (zeros at the
    /// others), block by block; the `Vec`s are scratch.
    fn forward_into(
        &self,
        g: &Geometry,
        input: ArrayView2<'_, S>,
        mut out: ArrayViewMut2<'_, S>,
        lines: Lines<'_>,
        (cols, row_copy, compact): (&mut Vec<S>, &mut Vec<S>, &mut Vec<S>),
    ) -> Result<()> {
        let n = input.nrows();
        let oc = self.w.ncols();
        let window = g.window();
        let bad = |e: ndarray::ShapeError| crate::error::invalid("conv1d forward", e.to_string());
        let mut r0 = 0;
        while r0 < n {
            let (r1, total) = lines.next_block(r0, n, g.block_lines());
            unfold(g, input.slice(s![r0..r1, ..]), r0, lines, cols, row_copy);
            let a =
                ArrayView2::from_shape((total, window), &cols[..total * window]).map_err(bad)?;
            if total == (r1 - r0) * g.out_steps {
                // every step of every row (no mask, or the block's rows are
                // all full length): the block of `out` is these lines, contiguous
                let mut o = out.slice_mut(s![r0..r1, ..]);
                let o = lines_view(&mut o, total, oc, "conv1d forward")?;
                affine(self, a, o)?;
            } else {
                if compact.len() < total * oc {
                    compact.resize(total * oc, S::zero());
                }
                let z = ArrayViewMut2::from_shape((total, oc), &mut compact[..total * oc])
                    .map_err(bad)?;
                affine(self, a, z)?;
                let mut off = 0;
                for r in r0..r1 {
                    let seg = lines.of(r) * oc;
                    let mut row = out.row_mut(r);
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = if j < seg { compact[off + j] } else { S::zero() };
                    }
                    off += seg;
                }
            }
            r0 = r1;
        }
        Ok(())
    }

    /// Inference into `out` (contiguous, `rows × out_steps·out_channels`)
    /// with caller-owned scratch, for composite layers.
    ///
    /// With `valid`, only the first `valid[r]` output steps of row `r` are
    /// computed; the rest are zero.
    pub(crate) fn infer_with(
        &self,
        input: ArrayView2<'_, S>,
        out: ArrayViewMut2<'_, S>,
        valid: Option<&[usize]>,
        scratch: (&mut Vec<S>, &mut Vec<S>, &mut Vec<S>),
    ) -> Result<()> {
        let g = self.geometry(input.ncols())?;
        check_out(
            "conv1d",
            &out,
            (input.nrows(), g.out_steps * self.w.ncols()),
        )?;
        check_valid(valid, input.nrows())?;
        let lines = Lines {
            all: g.out_steps,
            valid,
        };
        self.forward_into(&g, input, out, lines, scratch)
    }

    /// The training forward pass; see [`Layer::forward`]. With `valid`,
    /// only the first `valid[r]` output steps of row `r` are computed (the
    /// rest are zero); pass the same `valid` to
    /// [`backward_masked`](Self::backward_masked).
    pub(crate) fn forward_masked(
        &mut self,
        input: ArrayView2<'_, S>,
        valid: Option<&[usize]>,
    ) -> Result<()> {
        self.rows = 0;
        self.steps = 0;
        let g = self.geometry(input.ncols())?;
        check_valid(valid, input.nrows())?;
        let n = input.nrows();
        let oc = self.w.ncols();
        let mut out = std::mem::take(&mut self.out);
        let mut cols = std::mem::take(&mut self.cols);
        let mut row_copy = std::mem::take(&mut self.row_copy);
        let mut compact = std::mem::take(&mut self.lines);
        let lines = Lines {
            all: g.out_steps,
            valid,
        };
        let done = self.forward_into(
            &g,
            input,
            rows_of(&mut out, n, g.out_steps * oc),
            lines,
            (&mut cols, &mut row_copy, &mut compact),
        );
        self.out = out;
        self.cols = cols;
        self.row_copy = row_copy;
        self.lines = compact;
        if done.is_ok() {
            (self.rows, self.steps) = (n, g.steps);
        }
        done
    }

    /// The backward pass, treating the gradient at output steps at or beyond
    /// `valid[r]` as zero when `valid` is given.
    pub(crate) fn backward_masked(
        &mut self,
        input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
        valid: Option<&[usize]>,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let n = self.rows;
        let oc = self.w.ncols();
        if self.steps == 0 || input.dim() != (n, self.steps * self.in_channels) {
            return Err(crate::error::shape(
                "conv1d backward input",
                format!(
                    "{} (the last forward input)",
                    crate::error::dims((n, self.steps * self.in_channels))
                ),
                crate::error::dims(input.dim()),
            ));
        }
        let g = self.geometry(input.ncols())?;
        let width = g.out_steps * oc;
        crate::layer::check_grad("conv1d", &grad_output, (n, width))?;
        check_valid(valid, n)?;
        // ∂L/∂z = ∂L/∂y ⊙ f'(z), with f' taken from y.
        {
            let y = first_rows(&self.out, n);
            let mut gz = rows_of(&mut self.gz, n, width);
            activation_backward_into(self.activation, y, grad_output, gz.view_mut())?;
            if let Some(valid) = valid {
                for (r, &len) in valid.iter().enumerate().take(n) {
                    gz.slice_mut(s![r, (len * oc).min(width)..]).fill(S::zero());
                }
            }
        }
        if let Some(gb) = self.gb.as_slice_mut() {
            // The buffer is contiguous: its first n rows are n·out_steps lines.
            if let Some(all) = self.gz.as_slice() {
                for line in all[..n * width].chunks_exact(oc) {
                    gb.iter_mut().zip(line).for_each(|(a, &v)| *a = *a + v);
                }
            }
        }
        if need_input_grad {
            rows_of(&mut self.gin, n, g.steps * g.in_channels).fill(S::zero());
        }
        let lines = Lines {
            all: g.out_steps,
            valid,
        };
        let mut cols = std::mem::take(&mut self.cols);
        let mut row_copy = std::mem::take(&mut self.row_copy);
        let mut compact = std::mem::take(&mut self.lines);
        let mut r0 = 0;
        let mut result = Ok(());
        while r0 < n && result.is_ok() {
            let (r1, total) = lines.next_block(r0, n, g.block_lines());
            result = self.backward_block(
                &g,
                input.slice(s![r0..r1, ..]),
                (r0, total, lines),
                need_input_grad,
                (&mut cols, &mut row_copy, &mut compact),
            );
            r0 = r1;
        }
        self.cols = cols;
        self.row_copy = row_copy;
        self.lines = compact;
        result?;
        if !need_input_grad {
            return Ok(None);
        }
        Ok(Some(first_rows(&self.gin, n)))
    }

    /// The backward pass when the gradient w.r.t. the output is non-zero at
    /// one step per (row, output channel) at most — what a global max pool
    /// sends back. `at[r·out_channels + o]` is the output column
    /// (`t·out_channels + o`) of row `r` that channel `o`'s gradient
    /// `grad[[r, o]]` flows to, or `usize::MAX` for none (a row of length 0);
    /// `chosen[[r, o]]` is this layer's output at that column (what the max
    /// pool returned), so the activation's derivative needs no look-up in
    /// the large output buffer.
    ///
    /// Gives the same gradients as [`backward_masked`](Self::backward_masked)
    /// with a dense gradient holding `grad[[r, o]]` at column `at[r·oc + o]`
    /// and zeros elsewhere, but each entry costs `kernel_width·in_channels`
    /// products for the weights (and as many for the input) instead of a
    /// matrix product over every step: with a max pool after the
    /// convolution, a training step's backward pass is about `steps` times
    /// cheaper than the dense one.
    pub(crate) fn backward_at(
        &mut self,
        input: ArrayView2<'_, S>,
        (grad, chosen, at): (ArrayView2<'_, S>, ArrayView2<'_, S>, &[usize]),
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let n = self.rows;
        let in_width = self.steps * self.in_channels;
        if input.dim() != (n, in_width) {
            return Err(self.not_last_input(input.dim()));
        }
        let input = input.as_standard_layout();
        let mut gin = std::mem::take(&mut self.gin);
        if need_input_grad {
            rows_of(&mut gin, n, in_width).fill(S::zero());
        }
        // `rows_of` keeps the buffer row-major with exactly `in_width` columns
        let flat = gin.as_slice_mut().filter(|_| need_input_grad);
        let done = match input.as_slice() {
            Some(x) => {
                let mut steps = DenseSteps {
                    x,
                    gin: flat,
                    width: in_width,
                    channels: self.in_channels,
                };
                self.backward_at_with(&mut steps, (grad, chosen, at))
            }
            None => Err(crate::error::invalid(
                "conv1d backward",
                "the input is not contiguous (internal error)",
            )),
        };
        self.gin = gin;
        done?;
        if !need_input_grad {
            return Ok(None);
        }
        Ok(Some(first_rows(&self.gin, n)))
    }

    fn not_last_input(&self, found: (usize, usize)) -> crate::Error {
        crate::error::shape(
            "conv1d backward input",
            format!(
                "{} (the last forward input)",
                crate::error::dims((self.rows, self.steps * self.in_channels))
            ),
            crate::error::dims(found),
        )
    }

    /// [`backward_at`](Self::backward_at) reading the last forward's input
    /// steps from `input` and handing it each input-gradient term (only
    /// steps inside the sequence); the weight and bias gradients accumulate
    /// as in `backward_at`.
    pub(crate) fn backward_at_with(
        &mut self,
        input: &mut impl InputSteps<S>,
        (grad, chosen, at): (ArrayView2<'_, S>, ArrayView2<'_, S>, &[usize]),
    ) -> Result<()> {
        let n = self.rows;
        let oc = self.w.ncols();
        if self.steps == 0 || input.dims() != (n, self.steps) {
            let (rows, steps) = input.dims();
            return Err(self.not_last_input((rows, steps * self.in_channels)));
        }
        let g = self.geometry(self.steps * self.in_channels)?;
        let width = g.out_steps * oc;
        crate::layer::check_grad("conv1d", &grad, (n, oc))?;
        crate::layer::check_grad("conv1d chosen outputs", &chosen, (n, oc))?;
        if at.len() != n * oc {
            return Err(crate::error::shape(
                "conv1d gradient positions",
                format!("{} positions ({n} rows × {oc} channels)", n * oc),
                at.len(),
            ));
        }
        if let Some((i, &j)) = at
            .iter()
            .enumerate()
            .find(|&(i, &j)| j != usize::MAX && (j >= width || j % oc != i % oc))
        {
            return Err(crate::error::invalid(
                "conv1d gradient positions",
                format!(
                    "row {}, channel {}: column {j} is not a step of that channel (the output \
                     has {width} columns, {oc} channels per step)",
                    i / oc,
                    i % oc
                ),
            ));
        }
        let window = g.window();
        let ic = g.in_channels;
        // Wᵀ and the weight gradient's transpose (out_channels × window):
        // each entry then reads and writes contiguous lines.
        let mut wt = std::mem::take(&mut self.cols);
        let mut gwt = std::mem::take(&mut self.lines);
        wt.clear();
        wt.resize(oc * window, S::zero());
        gwt.clear();
        gwt.resize(oc * window, S::zero());
        for ((j, o), &v) in self.w.indexed_iter() {
            wt[o * window + j] = v;
        }
        let act = self.activation;
        for r in 0..n {
            for o in 0..oc {
                let col = at[r * oc + o];
                if col == usize::MAX {
                    continue;
                }
                let dz = grad[[r, o]] * act.derivative_from_output(chosen[[r, o]]);
                if dz == S::zero() {
                    continue; // adds nothing (e.g. ReLU at or below zero)
                }
                self.gb[o] = self.gb[o] + dz;
                let t = col / oc;
                let gline = &mut gwt[o * window..(o + 1) * window];
                let wline = &wt[o * window..(o + 1) * window];
                for k in 0..g.kernel_width {
                    let Some(src) = (t + k * g.dilation).checked_sub(g.pad) else {
                        continue;
                    };
                    if src >= g.steps {
                        continue;
                    }
                    gline[k * ic..(k + 1) * ic]
                        .iter_mut()
                        .zip(input.step(r, src))
                        .for_each(|(a, &v)| *a = *a + dz * v);
                    input.add_gradient(r, src, dz, &wline[k * ic..(k + 1) * ic]);
                }
            }
        }
        for ((j, o), v) in self.gw.indexed_iter_mut() {
            *v = *v + gwt[o * window + j];
        }
        self.cols = wt;
        self.lines = gwt;
        Ok(())
    }

    /// One block of rows `r0..r0 + input.nrows()` (`total` lines) of the
    /// backward pass.
    fn backward_block(
        &mut self,
        g: &Geometry,
        input: ArrayView2<'_, S>,
        (r0, total, lines): (usize, usize, Lines<'_>),
        need_input_grad: bool,
        (cols, row_copy, compact): (&mut Vec<S>, &mut Vec<S>, &mut Vec<S>),
    ) -> Result<()> {
        let oc = self.w.ncols();
        let window = g.window();
        let r1 = r0 + input.nrows();
        let bad = |e: ndarray::ShapeError| crate::error::invalid("conv1d backward", e.to_string());
        unfold(g, input, r0, lines, cols, row_copy);
        let mut gz_block = self.gz.slice_mut(s![r0..r1, ..]);
        let gz = if lines.valid.is_none() {
            lines_view(&mut gz_block, total, oc, "conv1d backward")?
        } else {
            // gather the computed steps' gradients, one line after the other
            if compact.len() < total * oc {
                compact.resize(total * oc, S::zero());
            }
            let mut off = 0;
            for (i, row) in gz_block.rows().into_iter().enumerate() {
                let seg = lines.of(r0 + i) * oc;
                for (d, &v) in compact[off..off + seg].iter_mut().zip(row.iter()) {
                    *d = v;
                }
                off += seg;
            }
            ArrayViewMut2::from_shape((total, oc), &mut compact[..total * oc]).map_err(bad)?
        };
        let gz = gz.view();
        {
            let a =
                ArrayView2::from_shape((total, window), &cols[..total * window]).map_err(bad)?;
            // ∂L/∂W += unfoldedᵀ · ∂z
            gemm_into(
                S::one(),
                a,
                Trans::Yes,
                gz,
                Trans::No,
                S::one(),
                self.gw.view_mut(),
            )?;
        }
        if !need_input_grad {
            return Ok(());
        }
        // ∂L/∂unfolded = ∂z · Wᵀ, then folded back onto the input steps.
        {
            let dcols = ArrayViewMut2::from_shape((total, window), &mut cols[..total * window])
                .map_err(bad)?;
            gemm_into(
                S::one(),
                gz,
                Trans::No,
                self.w.view(),
                Trans::Yes,
                S::zero(),
                dcols,
            )?;
        }
        let mut gin = self.gin.slice_mut(s![r0..r1, ..]);
        fold(g, &cols[..total * window], &mut gin, r0, lines);
        Ok(())
    }
}

/// The input of a [`Conv1D`]'s positioned backward pass
/// ([`Conv1D::backward_at_with`]): its steps, and where the input-gradient
/// terms go.
pub(crate) trait InputSteps<S> {
    /// Rows and steps of the input.
    fn dims(&self) -> (usize, usize);
    /// The `in_channels` values of step `step` of row `row`.
    fn step(&self, row: usize, step: usize) -> &[S];
    /// `∂L/∂x[row, step, c] += dz·w[c]` for each channel `c`.
    fn add_gradient(&mut self, row: usize, step: usize, dz: S, w: &[S]);
}

/// A contiguous row-major input, with a dense input gradient of the same
/// shape or none.
struct DenseSteps<'a, S> {
    x: &'a [S],
    gin: Option<&'a mut [S]>,
    /// Values per row (`steps·channels`).
    width: usize,
    channels: usize,
}

impl<S: Scalar> InputSteps<S> for DenseSteps<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (
            self.x.len() / self.width.max(1),
            self.width / self.channels.max(1),
        )
    }

    fn step(&self, row: usize, step: usize) -> &[S] {
        let at = row * self.width + step * self.channels;
        &self.x[at..at + self.channels]
    }

    fn add_gradient(&mut self, row: usize, step: usize, dz: S, w: &[S]) {
        if let Some(gin) = self.gin.as_deref_mut() {
            let at = row * self.width + step * self.channels;
            gin[at..at + self.channels]
                .iter_mut()
                .zip(w)
                .for_each(|(a, &v)| *a = *a + dz * v);
        }
    }
}

/// Checks that a mask has one length per row.
fn check_valid(valid: Option<&[usize]>, rows: usize) -> Result<()> {
    match valid {
        Some(v) if v.len() != rows => Err(crate::error::shape(
            "conv1d valid steps",
            format!("{rows} lengths (one per row)"),
            v.len(),
        )),
        _ => Ok(()),
    }
}

/// The first `lines·cols` values of a block of a contiguous row-major
/// buffer, seen as `lines × cols` (the buffer's rows are `out_steps × cols`
/// time-major, so this is a reshape, not a copy).
fn lines_view<'a, S: Scalar>(
    block: &'a mut ArrayViewMut2<'_, S>,
    lines: usize,
    cols: usize,
    op: &str,
) -> Result<ArrayViewMut2<'a, S>> {
    let slice = block.as_slice_mut().ok_or_else(|| {
        crate::error::invalid(op, "the output buffer is not contiguous (internal error)")
    })?;
    ArrayViewMut2::from_shape((lines, cols), &mut slice[..lines * cols])
        .map_err(|e| crate::error::invalid(op, e.to_string()))
}

/// `out = f(a·W + b)`.
fn affine<S: Scalar>(
    c: &Conv1D<S>,
    a: ArrayView2<'_, S>,
    mut out: ArrayViewMut2<'_, S>,
) -> Result<()> {
    gemm_into(
        S::one(),
        a,
        Trans::No,
        c.w.view(),
        Trans::No,
        S::zero(),
        out.view_mut(),
    )?;
    bias_add_activate(out, c.b.view(), c.activation)?;
    Ok(())
}

/// im2col: writes one line of `kernel_width·in_channels` values per
/// computed output step (see [`Lines`]) of the rows `r0..` in `input` into
/// `cols` (grown as needed), zeros where a tap falls outside the sequence.
fn unfold<S: Scalar>(
    g: &Geometry,
    input: ArrayView2<'_, S>,
    r0: usize,
    lines: Lines<'_>,
    cols: &mut Vec<S>,
    row_copy: &mut Vec<S>,
) {
    let window = g.window();
    let ic = g.in_channels;
    let total: usize = (0..input.nrows()).map(|i| lines.of(r0 + i)).sum();
    if cols.len() < total * window {
        cols.resize(total * window, S::zero());
    }
    let mut base = 0;
    for (i, row) in input.rows().into_iter().enumerate() {
        let x: &[S] = match row.as_slice() {
            Some(x) => x,
            None => {
                row_copy.clear();
                row_copy.extend(row.iter().copied());
                row_copy
            }
        };
        let count = lines.of(r0 + i);
        for t in 0..count {
            let line = &mut cols[base + t * window..base + (t + 1) * window];
            for k in 0..g.kernel_width {
                let dst = &mut line[k * ic..(k + 1) * ic];
                // source step t + k·dilation − pad, if inside the sequence
                match (t + k * g.dilation).checked_sub(g.pad) {
                    Some(src) if src < g.steps => {
                        dst.copy_from_slice(&x[src * ic..(src + 1) * ic]);
                    }
                    _ => dst.fill(S::zero()),
                }
            }
        }
        base += count * window;
    }
}

/// col2im: adds each line's values back onto the input steps they came
/// from (the lines of [`unfold`] for the same rows).
fn fold<S: Scalar>(
    g: &Geometry,
    dcols: &[S],
    gin: &mut ArrayViewMut2<'_, S>,
    r0: usize,
    lines: Lines<'_>,
) {
    let window = g.window();
    let ic = g.in_channels;
    let mut base = 0;
    for (i, mut row) in gin.rows_mut().into_iter().enumerate() {
        let count = lines.of(r0 + i);
        let Some(x) = row.as_slice_mut() else {
            base += count * window;
            continue; // the layer's own buffer is always contiguous
        };
        for t in 0..count {
            let line = &dcols[base + t * window..base + (t + 1) * window];
            for k in 0..g.kernel_width {
                if let Some(src) = (t + k * g.dilation).checked_sub(g.pad)
                    && src < g.steps
                {
                    x[src * ic..(src + 1) * ic]
                        .iter_mut()
                        .zip(&line[k * ic..(k + 1) * ic])
                        .for_each(|(a, &v)| *a = *a + v);
                }
            }
        }
        base += count * window;
    }
}

impl<S: Scalar> Layer<S> for Conv1D<S> {
    fn name(&self) -> &'static str {
        "conv1d"
    }

    /// `input_dim = steps·in_channels`; the output has `out_steps·out_channels` columns.
    fn output_dim(&self, input_dim: usize) -> Result<usize> {
        let g = self.geometry(input_dim)?;
        g.out_steps.checked_mul(self.w.ncols()).ok_or_else(|| {
            crate::error::invalid(
                "conv1d layer",
                format!(
                    "{} steps × {} out_channels overflows",
                    g.out_steps,
                    self.w.ncols()
                ),
            )
        })
    }

    fn forward(&mut self, input: ArrayView2<'_, S>, _mode: Mode) -> Result<ArrayView2<'_, S>> {
        self.forward_masked(input, None)?;
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
        self.backward_masked(input, grad_output, need_input_grad, None)
    }

    fn infer_into(&self, input: ArrayView2<'_, S>, out: ArrayViewMut2<'_, S>) -> Result<()> {
        let g = self.geometry(input.ncols())?;
        check_out(
            "conv1d",
            &out,
            (input.nrows(), g.out_steps * self.w.ncols()),
        )?;
        let (mut cols, mut row_copy, mut compact) = (Vec::new(), Vec::new(), Vec::new());
        let lines = Lines {
            all: g.out_steps,
            valid: None,
        };
        let scratch = (&mut cols, &mut row_copy, &mut compact);
        if out.is_standard_layout() {
            self.forward_into(&g, input, out, lines, scratch)
        } else {
            let mut tmp = Array2::zeros(out.dim());
            self.forward_into(&g, input, tmp.view_mut(), lines, scratch)?;
            let mut out = out;
            out.assign(&tmp);
            Ok(())
        }
    }

    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(Param<'_, S>)) {
        if let (Some(value), Some(grad)) = (self.w.as_slice_mut(), self.gw.as_slice_mut()) {
            visit(Param {
                kind: ParamKind::Weight,
                value,
                grad,
            });
        }
        if let (Some(value), Some(grad)) = (self.b.as_slice_mut(), self.gb.as_slice_mut()) {
            visit(Param {
                kind: ParamKind::Bias,
                value,
                grad,
            });
        }
    }

    fn n_params(&self) -> usize {
        self.w.len() + self.b.len()
    }

    fn to_saved(&self) -> Result<SavedLayer> {
        SavedLayer::new(
            "conv1d",
            &Conv1DData {
                in_channels: self.in_channels,
                out_channels: self.w.ncols(),
                kernel_width: self.kernel_width,
                dilation: self.dilation,
                padding: self.padding,
                activation: self.activation,
                weights: self.w.iter().map(|v| v.as_f64()).collect(),
                bias: self.b.iter().map(|v| v.as_f64()).collect(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Direct definition of the convolution, for comparison.
    fn naive(c: &Conv1D<f64>, x: &Array2<f64>) -> Array2<f64> {
        let ic = c.in_channels();
        let oc = c.out_channels();
        let steps = x.ncols() / ic;
        let g = c.geometry(x.ncols()).unwrap();
        Array2::from_shape_fn((x.nrows(), g.out_steps * oc), |(r, j)| {
            let (t, o) = (j / oc, j % oc);
            let mut z = c.bias()[o];
            for k in 0..c.kernel_width() {
                let src = (t + k * c.dilation()) as isize - g.pad as isize;
                if src >= 0 && (src as usize) < steps {
                    for ch in 0..ic {
                        z += x[[r, src as usize * ic + ch]] * c.weights()[[k * ic + ch, o]];
                    }
                }
            }
            c.activation().apply(z)
        })
    }

    #[test]
    fn matches_the_direct_definition_for_both_paddings_and_dilations() {
        let mut rng = ua_tensor::init::seeded_rng(3);
        for (padding, dilation, kw, steps) in [
            (Padding::Same, 1, 3, 7),
            (Padding::Same, 2, 3, 7),
            (Padding::Same, 1, 4, 5),
            (Padding::Valid, 1, 3, 7),
            (Padding::Valid, 2, 2, 6),
            (Padding::Same, 3, 2, 1),
        ] {
            let c = Conv1D::<f64>::new(
                2,
                3,
                kw,
                Activation::Tanh,
                Initializer::GlorotUniform,
                &mut rng,
            )
            .unwrap()
            .with_padding(padding)
            .with_dilation(dilation)
            .unwrap();
            let x = Array2::from_shape_fn((3, steps * 2), |(i, j)| {
                ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0
            });
            let want = naive(&c, &x);
            let got = c.infer(x.view()).unwrap();
            assert_eq!(got.dim(), want.dim());
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12, "{padding:?} {dilation}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn same_padding_puts_the_extra_zero_after_the_sequence_for_even_spans() {
        // kernel [1, 10] over [1, 2, 3]: span 2, no zero before, one after.
        let c = Conv1D::<f64>::from_weights(
            array![[1.0], [10.0]],
            array![0.0],
            1,
            Activation::Identity,
        )
        .unwrap();
        assert_eq!(
            c.infer(array![[1.0, 2.0, 3.0]].view()).unwrap(),
            array![[21.0, 32.0, 3.0]]
        );
    }

    #[test]
    fn valid_lengths_count_only_windows_inside_the_sequence() {
        let c = Conv1D::<f64>::from_weights(
            array![[1.0], [1.0], [1.0]],
            array![0.0],
            1,
            Activation::Identity,
        )
        .unwrap();
        assert_eq!(c.valid_out_steps(4, 10), 4);
        assert_eq!(c.valid_out_steps(12, 10), 10);
        let c = c.with_padding(Padding::Valid).with_dilation(2).unwrap(); // span 5
        assert_eq!(c.valid_out_steps(5, 6), 1);
        assert_eq!(c.valid_out_steps(4, 6), 0);
        assert_eq!(c.valid_out_steps(0, 6), 0);
        assert_eq!(c.valid_out_steps(10, 6), 6);
        assert_eq!(c.valid_out_steps(9, 6), 5);
    }

    #[test]
    fn a_masked_pass_computes_the_valid_steps_and_zeroes_the_rest() {
        let mut rng = ua_tensor::init::seeded_rng(4);
        let mut c = Conv1D::<f64>::new(
            2,
            3,
            3,
            Activation::Tanh,
            Initializer::GlorotUniform,
            &mut rng,
        )
        .unwrap();
        let x = Array2::from_shape_fn((4, 6 * 2), |(i, j)| ((i * 5 + j) % 7) as f64 / 3.0 - 1.0);
        let full = c.infer(x.view()).unwrap();
        // all rows full length (with a length beyond the steps): written
        // straight into the output, as without a mask
        c.forward_masked(x.view(), Some(&[6, 6, 9, 6])).unwrap();
        assert_eq!(c.output(), full);
        let valid = [6, 0, 2, 9]; // 9 is clamped to the 6 steps
        c.forward_masked(x.view(), Some(&valid)).unwrap();
        let y = c.output().to_owned();
        for (r, &len) in valid.iter().enumerate() {
            for j in 0..18 {
                let want = if j < len.min(6) * 3 {
                    full[[r, j]]
                } else {
                    0.0
                };
                assert_eq!(y[[r, j]], want, "row {r} column {j}");
            }
        }
        let mut inferred = Array2::zeros((4, 18));
        let (mut a, mut b, mut d) = (Vec::new(), Vec::new(), Vec::new());
        c.infer_with(
            x.view(),
            inferred.view_mut(),
            Some(&valid),
            (&mut a, &mut b, &mut d),
        )
        .unwrap();
        assert_eq!(inferred, y);
        let e = c
            .forward_masked(x.view(), Some(&valid[..3]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("4 lengths (one per row)"), "{e}");
    }

    /// The gradients of `backward_masked` with the dense gradient that holds
    /// `grad[[r, o]]` at column `at[r·oc + o]`, against `backward_at`.
    #[test]
    fn the_positioned_backward_equals_the_dense_one_with_mostly_zero_gradient() {
        let mut rng = ua_tensor::init::seeded_rng(9);
        for (padding, dilation, kw, steps, act) in [
            (Padding::Same, 1, 3, 7, Activation::Relu),
            (Padding::Same, 2, 3, 7, Activation::Tanh),
            (Padding::Same, 1, 4, 5, Activation::Tanh),
            (Padding::Valid, 1, 3, 7, Activation::Relu),
            (Padding::Valid, 2, 2, 6, Activation::Sigmoid),
            (Padding::Same, 3, 2, 1, Activation::Identity),
        ] {
            let (ic, oc, n) = (3, 4, 5);
            let make = |rng: &mut _| {
                Conv1D::<f64>::new(ic, oc, kw, act, Initializer::GlorotUniform, rng)
                    .unwrap()
                    .with_padding(padding)
                    .with_dilation(dilation)
                    .unwrap()
            };
            let mut dense = make(&mut rng);
            dense
                .b
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = 0.1 * i as f64 - 0.15);
            let mut sparse = dense.clone();
            let x = Array2::from_shape_fn((n, steps * ic), |(i, j)| {
                ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0
            });
            let out_steps = dense.geometry(x.ncols()).unwrap().out_steps;
            let width = out_steps * oc;
            let grad = Array2::from_shape_fn((n, oc), |(r, o)| 0.5 + r as f64 - 0.7 * o as f64);
            // one position per (row, channel); row 1 has none (length 0)
            let at: Vec<usize> = (0..n * oc)
                .map(|i| {
                    let (r, o) = (i / oc, i % oc);
                    if r == 1 {
                        usize::MAX
                    } else {
                        ((r * 3 + o * 5) % out_steps) * oc + o
                    }
                })
                .collect();
            let mut gdense = Array2::<f64>::zeros((n, width));
            for (i, &col) in at.iter().enumerate() {
                if col != usize::MAX {
                    gdense[[i / oc, col]] = grad[[i / oc, i % oc]];
                }
            }
            dense.forward(x.view(), Mode::Train).unwrap();
            let y = sparse.forward(x.view(), Mode::Train).unwrap();
            let chosen = Array2::from_shape_fn((n, oc), |(r, o)| match at[r * oc + o] {
                usize::MAX => 0.0,
                col => y[[r, col]],
            });
            let want_in = dense
                .backward(x.view(), gdense.view(), true)
                .unwrap()
                .unwrap()
                .to_owned();
            let got_in = sparse
                .backward_at(x.view(), (grad.view(), chosen.view(), &at), true)
                .unwrap()
                .unwrap()
                .to_owned();
            let close = |a: &Array2<f64>, b: &Array2<f64>, what: &str| {
                assert_eq!(a.dim(), b.dim(), "{what}");
                for (p, q) in a.iter().zip(b) {
                    assert!(
                        (p - q).abs() < 1e-12,
                        "{what} {padding:?} {dilation} {kw}: {p} vs {q}"
                    );
                }
            };
            close(&got_in, &want_in, "input gradient");
            close(&sparse.gw, &dense.gw, "weight gradient");
            // (one step with dilation 3: no tap lands inside, only the bias moves)
            assert!(
                steps == 1 || dense.gw.iter().any(|&v| v != 0.0),
                "nothing moved"
            );
            assert!(dense.gb.iter().any(|&v| v != 0.0), "nothing moved");
            for (p, q) in sparse.gb.iter().zip(&dense.gb) {
                assert!((p - q).abs() < 1e-12, "bias gradient: {p} vs {q}");
            }
            // gradients accumulate; without the input gradient only W and b move
            let before = sparse.gw.clone();
            assert!(
                sparse
                    .backward_at(x.view(), (grad.view(), chosen.view(), &at), false)
                    .unwrap()
                    .is_none()
            );
            close(&sparse.gw, &(&before * 2.0), "accumulated weight gradient");
        }
    }

    #[test]
    fn the_positioned_backward_checks_its_positions() {
        let mut c = Conv1D::<f64>::from_weights(
            array![[1.0, 2.0], [3.0, 4.0]],
            array![0.0, 0.0],
            1,
            Activation::Identity,
        )
        .unwrap();
        let x = array![[1.0, 2.0, 3.0]];
        let g = array![[1.0, 1.0]];
        let y = array![[0.0, 0.0]]; // (identity: the derivative does not depend on it)
        let e = c
            .backward_at(x.view(), (g.view(), y.view(), &[0, 1]), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the last forward input"), "{e}");
        c.forward(x.view(), Mode::Train).unwrap();
        let e = c
            .backward_at(x.view(), (g.view(), y.view(), &[0]), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 positions (1 rows × 2 channels)"), "{e}");
        // column 2 is channel 0 of step 1, not channel 1
        let e = c
            .backward_at(x.view(), (g.view(), y.view(), &[0, 2]), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 0, channel 1: column 2"), "{e}");
        // 3 steps × 2 channels = 6 columns
        let e = c
            .backward_at(x.view(), (g.view(), y.view(), &[6, 1]), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("column 6") && e.contains("6 columns"), "{e}");
        let gi = c
            .backward_at(x.view(), (g.view(), y.view(), &[4, 1]), true)
            .unwrap()
            .unwrap()
            .to_owned();
        // y[t=2,o=0] = 1·x2 + 3·0 (same padding, span 2: the zero after), y[t=0,o=1] = 2·x0 + 4·x1
        assert_eq!(gi, array![[2.0, 4.0, 1.0]]);
        assert_eq!(c.gw, array![[3.0, 1.0], [0.0, 2.0]]); // x2 and nothing for o = 0; x0, x1 for o = 1
    }

    #[test]
    fn blocks_hold_whole_rows_up_to_the_line_budget() {
        let valid = [3, 0, 4, 2, 5];
        let lines = Lines {
            all: 4,
            valid: Some(&valid),
        };
        assert_eq!(lines.of(4), 4);
        assert_eq!(lines.next_block(0, 5, 7), (3, 7));
        assert_eq!(lines.next_block(3, 5, 7), (5, 6));
        // a row longer than the budget still makes a block of its own
        assert_eq!(lines.next_block(2, 5, 1), (3, 4));
        assert_eq!(lines.next_block(1, 5, 1), (2, 0)); // an empty row alone
        let all = Lines {
            all: 4,
            valid: None,
        };
        assert_eq!(all.next_block(0, 5, 8), (2, 8));
        assert_eq!(all.next_block(4, 5, 8), (5, 4));
    }

    #[test]
    fn sizes_are_checked_with_overflow() {
        assert_eq!(check_conv_size(2, 3, 4, 1).unwrap(), 2 * 3 * 4 + 3);
        let e = check_conv_size(1 << 22, 1 << 22, 1 << 22, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("overflows"), "{e}");
        let e = check_conv_size(1 << 10, 1 << 10, 1 << 9, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than the limit"), "{e}");
        for (args, name) in [
            ((0, 1, 1, 1), "in_channels"),
            ((1, 0, 1, 1), "out_channels"),
            ((1, 1, 0, 1), "kernel_width"),
            ((1, 1, 1, 0), "dilation"),
        ] {
            let e = check_conv_size(args.0, args.1, args.2, args.3)
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("{name} must be ≥ 1, got 0")), "{e}");
        }
        let e = check_conv_size(1, 1, 3, usize::MAX)
            .unwrap_err()
            .to_string();
        assert!(e.contains("dilation"), "{e}");
    }
}
