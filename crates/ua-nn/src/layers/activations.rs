//! Stand-alone activation layers: [`Sigmoid`], [`ReLU`], [`Tanh`],
//! [`LeakyReLU`] and [`Softmax`].
//!
//! A [`Dense`](super::Dense) layer can fuse its activation (cheaper); these
//! layers exist for architectures that need the activation on its own.
//! Sigmoid, tanh and softmax run on the vectorised [`ua_tensor::vmath`]
//! kernels (training and inference give the same bits).

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, Zip, s};
use serde::{Deserialize, Serialize};
use ua_tensor::activation::{Activation, activate_inplace, activation_backward_into};
use ua_tensor::stable::softmax_rows_inplace;

use crate::layer::first_rows;
use crate::layer::{Layer, Mode, check_grad, check_out, rows_of};
use crate::persist::SavedLayer;
use crate::{Result, Scalar};

/// The saved form of a [`LeakyReLU`] (type name `"leaky_relu"`).
#[derive(Serialize, Deserialize)]
struct LeakyData {
    alpha: f64,
}

/// Rebuilds a parameter-free activation layer (or a leaky ReLU) from its
/// saved form.
pub(crate) fn load<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    Ok(match saved.type_name.as_str() {
        "sigmoid" => Box::new(Sigmoid::new()),
        "relu" => Box::new(ReLU::new()),
        "tanh" => Box::new(Tanh::new()),
        "softmax" => Box::new(Softmax::new()),
        "leaky_relu" => Box::new(LeakyReLU::new(saved.decode::<LeakyData>()?.alpha)?),
        other => {
            return Err(crate::Error::UnknownLayerType {
                type_name: other.to_string(),
                registered: "sigmoid, relu, tanh, softmax, leaky_relu".into(),
            });
        }
    })
}

/// Output and input-gradient buffers shared by the activation layers.
#[derive(Debug, Clone)]
struct Buffers<S: Scalar> {
    out: Array2<S>,
    gin: Array2<S>,
    rows: usize,
    cols: usize,
}

impl<S: Scalar> Default for Buffers<S> {
    fn default() -> Self {
        Buffers {
            out: Array2::zeros((0, 0)),
            gin: Array2::zeros((0, 0)),
            rows: 0,
            cols: 0,
        }
    }
}

impl<S: Scalar> Buffers<S> {
    fn output(&self) -> ArrayView2<'_, S> {
        first_rows(&self.out, self.rows)
    }

    fn forward(&mut self, input: ArrayView2<'_, S>, act: Activation) -> ArrayView2<'_, S> {
        let (n, d) = input.dim();
        self.rows = n;
        self.cols = d;
        let mut out = rows_of(&mut self.out, n, d);
        out.assign(&input);
        // Sigmoid and tanh vectorised (ua_tensor::vmath), one pass.
        activate_inplace(out, act);
        self.output()
    }

    fn backward(
        &mut self,
        name: &str,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
        act: Activation,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let (n, d) = (self.rows, self.cols);
        check_grad(name, &grad_output, (n, d))?;
        if !need_input_grad {
            return Ok(None);
        }
        let gin = rows_of(&mut self.gin, n, d);
        activation_backward_into(act, first_rows(&self.out, n), grad_output, gin)?;
        Ok(Some(first_rows(&self.gin, n)))
    }
}

/// Implements [`Layer`] for an element-wise activation layer that has a
/// `buf: Buffers<S>` field and an `activation(&self) -> (label, Activation)`
/// method and a `saved(&self) -> Result<SavedLayer>` method.
macro_rules! impl_activation_layer {
    ($name:ident) => {
        impl<S: Scalar> Layer<S> for $name<S> {
            fn name(&self) -> &'static str {
                self.activation().0
            }
            fn output_dim(&self, input_dim: usize) -> Result<usize> {
                Ok(input_dim)
            }
            fn forward(
                &mut self,
                input: ArrayView2<'_, S>,
                _mode: Mode,
            ) -> Result<ArrayView2<'_, S>> {
                let act = self.activation().1;
                Ok(self.buf.forward(input, act))
            }
            fn output(&self) -> ArrayView2<'_, S> {
                self.buf.output()
            }
            fn infer_into(
                &self,
                input: ArrayView2<'_, S>,
                out: ArrayViewMut2<'_, S>,
            ) -> Result<()> {
                let (label, act) = self.activation();
                check_out(label, &out, input.dim())?;
                let mut out = out;
                out.assign(&input);
                activate_inplace(out, act);
                Ok(())
            }
            fn boxed_clone(&self) -> Box<dyn Layer<S>> {
                Box::new(self.clone())
            }
            fn backward(
                &mut self,
                _input: ArrayView2<'_, S>,
                grad_output: ArrayView2<'_, S>,
                need_input_grad: bool,
            ) -> Result<Option<ArrayView2<'_, S>>> {
                let (label, act) = self.activation();
                self.buf.backward(label, grad_output, need_input_grad, act)
            }
            fn to_saved(&self) -> Result<SavedLayer> {
                self.saved()
            }
        }
    };
}

/// Declares a parameter-free activation layer.
macro_rules! activation_layer {
    ($(#[$doc:meta])* $name:ident, $label:literal, $act:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default)]
        pub struct $name<S: Scalar> {
            buf: Buffers<S>,
        }

        impl<S: Scalar> $name<S> {
            /// A new layer.
            ///
            #[doc = concat!(
                "```\nuse ua_nn::Layer;\nlet l = ua_nn::layers::", stringify!($name),
                "::<f32>::new();\nassert_eq!(l.name(), \"", $label,
                "\");\nassert_eq!((l.n_params(), l.output_dim(5).unwrap()), (0, 5));\n```"
            )]
            pub fn new() -> Self {
                Self { buf: Buffers::default() }
            }

            fn activation(&self) -> (&'static str, Activation) {
                ($label, $act)
            }

            fn saved(&self) -> Result<SavedLayer> {
                SavedLayer::new($label, &())
            }
        }

        impl_activation_layer!($name);
    };
}

activation_layer!(
    /// `1 / (1 + e^-x)`, element-wise (stable for any input).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::Sigmoid};
    /// let mut l = Sigmoid::<f64>::new();
    /// assert_eq!(l.forward(array![[0.0]].view(), Mode::Eval).unwrap()[[0, 0]], 0.5);
    /// ```
    Sigmoid, "sigmoid", Activation::Sigmoid
);
activation_layer!(
    /// `max(x, 0)`, element-wise.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::ReLU};
    /// let mut l = ReLU::<f32>::new();
    /// assert_eq!(l.forward(array![[-1.0, 2.0]].view(), Mode::Eval).unwrap(), array![[0.0, 2.0]]);
    /// ```
    ReLU, "relu", Activation::Relu
);
activation_layer!(
    /// `tanh(x)`, element-wise.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, Mode, layers::Tanh};
    /// let mut l = Tanh::<f64>::new();
    /// assert_eq!(l.forward(array![[0.0]].view(), Mode::Eval).unwrap()[[0, 0]], 0.0);
    /// ```
    Tanh, "tanh", Activation::Tanh
);

/// `x` for `x > 0`, `alpha·x` otherwise, element-wise.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Layer, Mode, layers::LeakyReLU};
/// let mut l = LeakyReLU::<f32>::new(0.1).unwrap();
/// assert_eq!(l.forward(array![[-1.0, 2.0]].view(), Mode::Eval).unwrap(), array![[-0.1, 2.0]]);
/// ```
#[derive(Debug, Clone)]
pub struct LeakyReLU<S: Scalar> {
    alpha: f64,
    buf: Buffers<S>,
}

impl<S: Scalar> LeakyReLU<S> {
    /// A leaky ReLU with negative slope `alpha` in `[0, 1)`.
    ///
    /// ```
    /// use ua_nn::layers::LeakyReLU;
    /// assert_eq!(LeakyReLU::<f32>::new(0.2).unwrap().alpha(), 0.2);
    /// assert!(LeakyReLU::<f32>::new(1.5).is_err());
    /// ```
    pub fn new(alpha: f64) -> Result<Self> {
        Activation::LeakyRelu { alpha }.validate()?;
        Ok(LeakyReLU {
            alpha,
            buf: Buffers::default(),
        })
    }

    /// The negative slope.
    ///
    /// ```
    /// use ua_nn::layers::LeakyReLU;
    /// assert_eq!(LeakyReLU::<f64>::new(0.01).unwrap().alpha(), 0.01);
    /// ```
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    fn activation(&self) -> (&'static str, Activation) {
        ("leaky_relu", Activation::LeakyRelu { alpha: self.alpha })
    }

    fn saved(&self) -> Result<SavedLayer> {
        SavedLayer::new("leaky_relu", &LeakyData { alpha: self.alpha })
    }
}

impl_activation_layer!(LeakyReLU);

/// Row-wise softmax (shifted by the row maximum, so large inputs are safe).
///
/// For classification prefer a linear last layer with
/// [`CategoricalCrossEntropy`](crate::losses::CategoricalCrossEntropy) on
/// logits, which fuses the two; this layer is for models that need the
/// probabilities inside the network.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Layer, Mode, layers::Softmax};
/// let mut l = Softmax::<f64>::new();
/// let y = l.forward(array![[0.0, 0.0]].view(), Mode::Eval).unwrap();
/// assert_eq!(y, array![[0.5, 0.5]]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Softmax<S: Scalar> {
    buf: Buffers<S>,
}

impl<S: Scalar> Softmax<S> {
    /// A new softmax layer.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Layer, layers::Softmax};
    /// let y = Softmax::<f64>::new().infer(array![[0.0, 2f64.ln()]].view()).unwrap();
    /// assert!((y[[0, 1]] - 2.0 / 3.0).abs() < 1e-15);
    /// ```
    pub fn new() -> Self {
        Self {
            buf: Buffers::default(),
        }
    }
}

impl<S: Scalar> Layer<S> for Softmax<S> {
    fn name(&self) -> &'static str {
        "softmax"
    }
    fn output_dim(&self, input_dim: usize) -> Result<usize> {
        Ok(input_dim)
    }
    fn forward(&mut self, input: ArrayView2<'_, S>, _mode: Mode) -> Result<ArrayView2<'_, S>> {
        let b = &mut self.buf;
        let (n, d) = input.dim();
        b.rows = n;
        b.cols = d;
        let mut out = rows_of(&mut b.out, n, d);
        out.assign(&input);
        softmax_rows_inplace(out);
        Ok(b.output())
    }
    fn output(&self) -> ArrayView2<'_, S> {
        self.buf.output()
    }
    fn infer_into(&self, input: ArrayView2<'_, S>, mut out: ArrayViewMut2<'_, S>) -> Result<()> {
        check_out("softmax", &out, input.dim())?;
        out.assign(&input);
        softmax_rows_inplace(out);
        Ok(())
    }
    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }
    fn backward(
        &mut self,
        _input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let b = &mut self.buf;
        let (n, d) = (b.rows, b.cols);
        check_grad("softmax", &grad_output, (n, d))?;
        if !need_input_grad {
            return Ok(None);
        }
        // ∂L/∂x_i = y_i ⊙ (g_i − ⟨g_i, y_i⟩)
        let mut gin = rows_of(&mut b.gin, n, d);
        let y = b.out.slice(s![..n, ..]);
        for ((mut gi, yi), gr) in gin
            .axis_iter_mut(Axis(0))
            .zip(y.axis_iter(Axis(0)))
            .zip(grad_output.axis_iter(Axis(0)))
        {
            let dot: S = yi.iter().zip(gr.iter()).map(|(&a, &g)| a * g).sum();
            Zip::from(&mut gi)
                .and(&yi)
                .and(&gr)
                .for_each(|o, &yv, &g| *o = yv * (g - dot));
        }
        Ok(Some(b.gin.slice(s![..n, ..])))
    }
    fn to_saved(&self) -> Result<SavedLayer> {
        SavedLayer::new("softmax", &())
    }
}
