//! Fully connected layer with an optional fused activation.

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};
use rand::Rng;
use serde::{Deserialize, Serialize};
use ua_tensor::activation::{Activation, activation_backward_sum_into};
use ua_tensor::gemm::{Trans, gemm_bias_act_into, gemm_into};
use ua_tensor::init::Initializer;

use crate::layer::first_rows;
use crate::layer::{
    Layer, MAX_PARAMS, Mode, Param, ParamKind, check_grad, check_input, check_out, rows_of,
};
use crate::persist::SavedLayer;
use crate::{Result, Scalar};

/// Checks a dense layer's size before anything is allocated: both widths
/// ≥ 1 and `input_dim·units + units` ≤ [`MAX_PARAMS`], with overflow checked.
/// Returns the parameter count.
pub(crate) fn check_dense_size(input_dim: usize, units: usize) -> Result<usize> {
    let bad = |m: String| Err(crate::error::invalid("dense layer", m));
    if input_dim == 0 {
        return bad("input_dim must be ≥ 1, got 0".into());
    }
    if units == 0 {
        return bad("units must be ≥ 1, got 0".into());
    }
    match input_dim
        .checked_mul(units)
        .and_then(|w| w.checked_add(units))
    {
        Some(n) if n <= MAX_PARAMS => Ok(n),
        Some(n) => bad(format!(
            "input_dim {input_dim} × units {units} gives {n} parameters, more than the limit of \
             {MAX_PARAMS} (MAX_PARAMS)"
        )),
        None => bad(format!(
            "input_dim {input_dim} × units {units} overflows; the limit is {MAX_PARAMS} parameters \
             (MAX_PARAMS)"
        )),
    }
}

/// The saved form of a [`Dense`] layer (type name `"dense"`).
#[derive(Serialize, Deserialize)]
struct DenseData {
    input_dim: usize,
    output_dim: usize,
    activation: Activation,
    /// Row-major `input_dim × output_dim`, widened to `f64` (exact for `f32`).
    weights: Vec<f64>,
    bias: Vec<f64>,
}

/// Rebuilds a [`Dense`] layer from its saved form.
pub(crate) fn load<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    let d: DenseData = saved.decode()?;
    check_dense_size(d.input_dim, d.output_dim)?;
    let want = d.input_dim * d.output_dim;
    if d.weights.len() != want {
        return Err(crate::error::shape(
            "dense layer weights",
            format!("{want} weights ({}×{})", d.input_dim, d.output_dim),
            format!("{} weights", d.weights.len()),
        ));
    }
    let w = Array2::from_shape_vec(
        (d.input_dim, d.output_dim),
        d.weights.iter().map(|&v| S::lit(v)).collect(),
    )
    .map_err(|e| crate::error::invalid("dense layer weights", e.to_string()))?;
    let b = Array1::from_iter(d.bias.iter().map(|&v| S::lit(v)));
    Ok(Box::new(Dense::from_weights(w, b, d.activation)?))
}

/// `y = f(x·W + b)`: a matrix product, then the bias add and the activation
/// fused into one pass over the output.
///
/// `W` is `input_dim × output_dim` (row-major), `b` has `output_dim` entries
/// and starts at zero. The backward pass derives `f'` from the stored output,
/// so no pre-activation copy is kept.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, Layer, Mode, layers::Dense};
/// let mut d = Dense::<f32>::from_weights(array![[1.0, -1.0], [2.0, 0.5]], array![0.0, 1.0], Activation::Relu).unwrap();
/// let y = d.forward(array![[1.0, 1.0]].view(), Mode::Eval).unwrap();
/// assert_eq!(y, array![[3.0, 0.5]]);
/// ```
#[derive(Debug, Clone)]
pub struct Dense<S: Scalar> {
    w: Array2<S>,
    b: Array1<S>,
    gw: Array2<S>,
    gb: Array1<S>,
    activation: Activation,
    out: Array2<S>,
    gz: Array2<S>,
    gin: Array2<S>,
    rows: usize,
}

impl<S: Scalar> Dense<S> {
    /// A layer with weights drawn from `init` and zero biases.
    ///
    /// Errors, before allocating, when a width is 0 or the layer would hold
    /// more than [`MAX_PARAMS`] parameters.
    ///
    /// ```
    /// use ua_nn::{Activation, layers::Dense};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let d = Dense::<f32>::new(16, 64, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(1)).unwrap();
    /// assert_eq!((d.input_dim(), d.units()), (16, 64));
    /// assert!(d.bias().iter().all(|&b| b == 0.0));
    /// let e = Dense::<f32>::new(4, 1 << 62, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(1));
    /// assert!(e.unwrap_err().to_string().contains("overflows"));
    /// ```
    pub fn new(
        input_dim: usize,
        output_dim: usize,
        activation: Activation,
        init: Initializer,
        rng: &mut impl Rng,
    ) -> Result<Self> {
        check_dense_size(input_dim, output_dim)?;
        let w = init.matrix::<S>(input_dim, output_dim, rng)?;
        Self::from_weights(w, Array1::zeros(output_dim), activation)
    }

    /// A layer with the given weights (`input_dim × output_dim`) and biases.
    /// Errors on mismatched lengths, empty or non-finite weights, or a bad
    /// activation parameter.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Dense};
    /// assert!(Dense::<f64>::from_weights(array![[1.0]], array![0.0, 1.0], Activation::Relu).is_err());
    /// assert!(Dense::<f64>::from_weights(array![[f64::NAN]], array![0.0], Activation::Relu).is_err());
    /// ```
    pub fn from_weights(w: Array2<S>, b: Array1<S>, activation: Activation) -> Result<Self> {
        activation.validate()?;
        if w.ncols() != b.len() {
            return Err(crate::error::shape(
                "dense layer",
                format!("{} biases (one per weight column)", w.ncols()),
                b.len(),
            ));
        }
        if w.is_empty() {
            return Err(crate::Error::Empty {
                op: "dense layer weights".into(),
            });
        }
        ua_tensor::check::ensure_finite("dense layer weights", &w)?;
        ua_tensor::check::ensure_finite("dense layer biases", &b)?;
        let w = w.as_standard_layout().into_owned();
        let (i, o) = w.dim();
        Ok(Dense {
            gw: Array2::zeros((i, o)),
            gb: Array1::zeros(o),
            w,
            b,
            activation,
            out: Array2::zeros((0, o)),
            gz: Array2::zeros((0, o)),
            gin: Array2::zeros((0, i)),
            rows: 0,
        })
    }

    /// The weight matrix, `input_dim × output_dim`.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Dense};
    /// let d = Dense::<f32>::from_weights(array![[1.0, 2.0]], array![0.5, 0.0], Activation::Tanh).unwrap();
    /// assert_eq!(d.weights(), &array![[1.0, 2.0]]);
    /// assert_eq!(d.bias(), &array![0.5, 0.0]);
    /// assert_eq!(d.activation(), Activation::Tanh);
    /// assert_eq!((d.input_dim(), d.units()), (1, 2));
    /// ```
    pub fn weights(&self) -> &Array2<S> {
        &self.w
    }

    /// The bias vector.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Dense};
    /// let d = Dense::<f64>::from_weights(array![[1.0]], array![-0.5], Activation::Relu).unwrap();
    /// assert_eq!(d.bias(), &array![-0.5]);
    /// ```
    pub fn bias(&self) -> &Array1<S> {
        &self.b
    }

    /// The fused activation.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, layers::Dense};
    /// let d = Dense::<f64>::from_weights(array![[1.0]], array![0.0], Activation::Sigmoid).unwrap();
    /// assert_eq!(d.activation(), Activation::Sigmoid);
    /// ```
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Number of input columns.
    ///
    /// ```
    /// use ua_nn::{Activation, layers::Dense};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let d = Dense::<f32>::new(7, 2, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(0)).unwrap();
    /// assert_eq!(d.input_dim(), 7);
    /// ```
    pub fn input_dim(&self) -> usize {
        self.w.nrows()
    }

    /// Number of output columns (units).
    ///
    /// ```
    /// use ua_nn::{Activation, layers::Dense};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let d = Dense::<f32>::new(7, 2, Activation::Relu, Initializer::HeUniform, &mut seeded_rng(0)).unwrap();
    /// assert_eq!(d.units(), 2);
    /// ```
    pub fn units(&self) -> usize {
        self.w.ncols()
    }
}

impl<S: Scalar> Layer<S> for Dense<S> {
    fn name(&self) -> &'static str {
        "dense"
    }

    fn output_dim(&self, input_dim: usize) -> Result<usize> {
        if input_dim != self.w.nrows() {
            return Err(crate::error::shape(
                "dense layer",
                format!("{} input columns", self.w.nrows()),
                input_dim,
            ));
        }
        Ok(self.w.ncols())
    }

    fn forward(&mut self, input: ArrayView2<'_, S>, _mode: Mode) -> Result<ArrayView2<'_, S>> {
        check_input("dense forward", &input, self.w.nrows())?;
        let n = input.nrows();
        let o = self.w.ncols();
        let out = rows_of(&mut self.out, n, o);
        affine_activate(&self.w, &self.b, self.activation, input, out)?;
        self.rows = n;
        Ok(self.output())
    }

    fn output(&self) -> ArrayView2<'_, S> {
        first_rows(&self.out, self.rows)
    }

    fn infer_into(&self, input: ArrayView2<'_, S>, mut out: ArrayViewMut2<'_, S>) -> Result<()> {
        check_input("dense inference", &input, self.w.nrows())?;
        check_out("dense", &out, (input.nrows(), self.w.ncols()))?;
        affine_activate(&self.w, &self.b, self.activation, input, out.view_mut())
    }

    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let n = self.rows;
        let (i, o) = self.w.dim();
        check_grad("dense", &grad_output, (n, o))?;
        if input.dim() != (n, i) {
            return Err(crate::error::shape(
                "dense backward input",
                format!("{} (the last forward input)", crate::error::dims((n, i))),
                crate::error::dims(input.dim()),
            ));
        }
        // ∂L/∂z = ∂L/∂y ⊙ f'(z), with f' taken from y; ∂L/∂b += Σ_rows ∂L/∂z
        // in the same pass.
        let identity = self.activation == Activation::Identity;
        let gz = if identity {
            grad_output
        } else {
            let y = first_rows(&self.out, n);
            let gz = rows_of(&mut self.gz, n, o);
            let gb = self
                .gb
                .as_slice_mut()
                .expect("the bias gradient is one contiguous row");
            activation_backward_sum_into(self.activation, y, grad_output, gz, gb)?;
            first_rows(&self.gz, n)
        };
        // ∂L/∂W += xᵀ·gz ; ∂L/∂b += Σ_rows gz
        gemm_into(
            S::one(),
            input,
            Trans::Yes,
            gz,
            Trans::No,
            S::one(),
            self.gw.view_mut(),
        )?;
        if let (true, Some(gb)) = (identity, self.gb.as_slice_mut()) {
            for row in gz.rows() {
                match row.as_slice() {
                    Some(r) => gb.iter_mut().zip(r).for_each(|(a, &g)| *a = *a + g),
                    None => gb
                        .iter_mut()
                        .zip(row.iter())
                        .for_each(|(a, &g)| *a = *a + g),
                }
            }
        }
        if !need_input_grad {
            return Ok(None);
        }
        // ∂L/∂x = gz·Wᵀ
        let gin = rows_of(&mut self.gin, n, i);
        gemm_into(
            S::one(),
            gz,
            Trans::No,
            self.w.view(),
            Trans::Yes,
            S::zero(),
            gin,
        )?;
        Ok(Some(first_rows(&self.gin, n)))
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
            "dense",
            &DenseData {
                input_dim: self.w.nrows(),
                output_dim: self.w.ncols(),
                activation: self.activation,
                weights: self.w.iter().map(|v| v.as_f64()).collect(),
                bias: self.b.iter().map(|v| v.as_f64()).collect(),
            },
        )
    }
}

/// `out = activation(input · w + b)`: the one fused product (bias and
/// activation applied to each output row as it is finished) that training
/// (`forward`) and inference (`infer_into`) share.
fn affine_activate<S: Scalar>(
    w: &Array2<S>,
    b: &Array1<S>,
    activation: Activation,
    input: ArrayView2<'_, S>,
    out: ArrayViewMut2<'_, S>,
) -> Result<()> {
    gemm_bias_act_into(
        input,
        Trans::No,
        w.view(),
        Trans::No,
        b.view(),
        activation,
        out,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gradients of a ReLU and an identity layer by hand: ∂L/∂z masks
    /// the rows where the output is 0, ∂L/∂b sums ∂L/∂z over the rows,
    /// ∂L/∂W = xᵀ·∂L/∂z, ∂L/∂x = ∂L/∂z·Wᵀ.
    #[test]
    fn backward_by_hand_for_relu_and_identity() {
        let w = ndarray::array![[1.0f64, -1.0], [2.0, 0.5]];
        let b = ndarray::array![0.0f64, 0.25];
        let x = ndarray::array![[1.0f64, 1.0], [-1.0, 0.5]];
        let g = ndarray::array![[0.5f64, 2.0], [3.0, -1.0]];
        // z = x·W + b = [[3, -0.25], [0, 1.5]]; ReLU zeroes z ≤ 0.
        let mut relu = Dense::from_weights(w.clone(), b.clone(), Activation::Relu).unwrap();
        relu.forward(x.view(), Mode::Train).unwrap();
        let gin = relu
            .backward(x.view(), g.view(), true)
            .unwrap()
            .unwrap()
            .to_owned();
        let gz = ndarray::array![[0.5, 0.0], [0.0, -1.0]];
        assert_eq!(gin, gz.dot(&w.t()));
        assert_eq!(relu.gb, ndarray::array![0.5, -1.0]);
        assert_eq!(relu.gw, x.t().dot(&gz));
        let mut identity = Dense::from_weights(w.clone(), b, Activation::Identity).unwrap();
        identity.forward(x.view(), Mode::Train).unwrap();
        let gin = identity
            .backward(x.view(), g.view(), true)
            .unwrap()
            .unwrap()
            .to_owned();
        assert_eq!(gin, g.dot(&w.t()));
        assert_eq!(identity.gb, ndarray::array![3.5, 1.0]);
        assert_eq!(identity.gw, x.t().dot(&g));
    }

    #[test]
    fn the_size_limit_is_inclusive_and_overflow_is_caught() {
        // (2¹⁴ − 1)·2¹⁴ + 2¹⁴ = 2²⁸ parameters: exactly the limit.
        assert_eq!(
            check_dense_size((1 << 14) - 1, 1 << 14).unwrap(),
            MAX_PARAMS
        );
        assert!(check_dense_size(1 << 14, 1 << 14).is_err());
        assert_eq!(check_dense_size(1, 1).unwrap(), 2);
        assert_eq!(check_dense_size(3, 4).unwrap(), 16);
        // input·units fits in usize but + units does not.
        let e = check_dense_size(usize::MAX, 1).unwrap_err().to_string();
        assert!(e.contains("overflows"), "{e}");
        let e = check_dense_size(2, usize::MAX / 2).unwrap_err().to_string();
        assert!(e.contains("overflows"), "{e}");
        let e = check_dense_size(0, 3).unwrap_err().to_string();
        assert!(e.contains("input_dim must be ≥ 1"), "{e}");
    }
}
