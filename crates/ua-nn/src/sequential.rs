//! [`Sequential`]: a stack of layers, and its builder.
//!
//! Inference and evaluation (`&self`) live in `inference.rs`, training
//! (`&mut self`) in `train.rs`, saving in `persist.rs`.

use ndarray::{Array2, ArrayView2};
use ua_tensor::activation::Activation;
use ua_tensor::init::{Initializer, seeded_rng};

use crate::layer::{Layer, MAX_PARAMS, Mode, Param};
use crate::layers::{
    Conv1D, Dense, Dropout, Embedding, GlobalAvgPool1D, GlobalMaxPool1D, LeakyReLU, Padding,
    Pooling, ReLU, Sigmoid, Softmax, Tanh, check_conv_size, check_dense_size,
};
use crate::{Error, Result, Scalar};

/// A feed-forward network: layers applied one after the other.
///
/// Build it with [`Sequential::builder`] (or [`Sequential::from_layers`] for
/// layers of your own), train it with [`fit`](Sequential::fit) (`&mut self`),
/// run it with [`predict`](Sequential::predict) (`&self`: a fitted model is
/// `Send + Sync` and serves from many threads without a lock), save it with
/// [`Persist`](crate::Persist). `Clone` copies every layer through
/// [`Layer::boxed_clone`], custom layers included.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, Sequential};
/// let model = Sequential::<f32>::builder(2)
///     .dense(8, Activation::Relu)
///     .dropout(0.5)
///     .dense(1, Activation::Sigmoid)
///     .seed(42)
///     .build()
///     .unwrap();
/// let p = model.predict(array![[0.3, -1.2]].view()).unwrap();
/// assert_eq!(p.dim(), (1, 1));
/// assert!(p[[0, 0]] > 0.0 && p[[0, 0]] < 1.0);
/// let copy = model.clone();
/// assert_eq!(copy.predict(array![[0.3, -1.2]].view()).unwrap(), p);
/// ```
pub struct Sequential<S: Scalar> {
    pub(crate) input_dim: usize,
    pub(crate) output_dim: usize,
    /// Output width of every layer, first to last.
    pub(crate) widths: Vec<usize>,
    pub(crate) layers: Vec<Box<dyn Layer<S>>>,
    /// Buffer for ∂loss/∂output, reused across training steps.
    pub(crate) loss_grad: Array2<S>,
}

impl<S: Scalar> Clone for Sequential<S> {
    fn clone(&self) -> Self {
        Sequential {
            input_dim: self.input_dim,
            output_dim: self.output_dim,
            widths: self.widths.clone(),
            layers: self.layers.iter().map(|l| l.boxed_clone()).collect(),
            loss_grad: Array2::zeros((0, self.output_dim)),
        }
    }
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
/// checks every setting and size (before allocating) and draws the initial
/// weights from the seed.
///
/// ```
/// use ua_nn::{Activation, Sequential};
/// let m = Sequential::<f64>::builder(4).dense(3, Activation::Tanh).softmax().build().unwrap();
/// assert_eq!((m.input_dim(), m.output_dim(), m.n_params()), (4, 3, 15));
/// ```
#[derive(Debug, Clone)]
pub struct SequentialBuilder<S: Scalar> {
    input_dim: usize,
    seed: u64,
    steps: Vec<Step<S>>,
}

/// A layer given whole to [`SequentialBuilder::layer`].
struct Given<S: Scalar>(Box<dyn Layer<S>>);

impl<S: Scalar> Clone for Given<S> {
    fn clone(&self) -> Self {
        Given(self.0.boxed_clone())
    }
}

impl<S: Scalar> std::fmt::Debug for Given<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone)]
enum Step<S: Scalar> {
    Embedding {
        vocab: usize,
        dim: usize,
        padding: Option<usize>,
    },
    Conv1D {
        out_channels: usize,
        kernel_width: usize,
        padding: Padding,
        activation: Activation,
    },
    Pool(Pooling),
    Layer(Given<S>),
    Dense {
        units: usize,
        activation: Activation,
        init: Option<Initializer>,
    },
    Dropout(f64),
    Activation(&'static str, f64),
}

/// Re-labels an argument error with the layer it belongs to.
fn at_layer(e: Error, op: String) -> Error {
    match e {
        Error::InvalidArgument { message, .. } => Error::InvalidArgument { op, message },
        Error::Tensor(ua_tensor::Error::InvalidArgument { message, .. }) => {
            Error::InvalidArgument { op, message }
        }
        other => other,
    }
}

impl<S: Scalar> SequentialBuilder<S> {
    /// Appends a dense layer with `units` outputs and a fused activation.
    /// Weights use He-uniform for ReLU-family activations and Glorot-uniform
    /// otherwise (override with [`dense_with_init`](Self::dense_with_init)).
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(3).dense(5, Activation::Relu).build().unwrap();
    /// assert_eq!(m.n_params(), 3 * 5 + 5);
    /// ```
    pub fn dense(mut self, units: usize, activation: Activation) -> Self {
        self.steps.push(Step::Dense {
            units,
            activation,
            init: None,
        });
        self
    }

    /// Appends a dense layer with an explicit initialiser.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential, layers::Dense};
    /// use ua_nn::ua_tensor::init::Initializer;
    /// let m = Sequential::<f32>::builder(2)
    ///     .dense_with_init(2, Activation::Identity, Initializer::Constant { value: 0.5 })
    ///     .build().unwrap();
    /// let d = m.layers()[0].downcast_ref::<Dense<f32>>().unwrap();
    /// assert!(d.weights().iter().all(|&w| w == 0.5));
    /// ```
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

    /// Appends an inverted-dropout layer with drop probability `rate` in `[0, 1)`.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let e = Sequential::<f32>::builder(2).dense(4, Activation::Relu).dropout(1.5).build().unwrap_err();
    /// assert_eq!(e.to_string(), "dropout layer 2: invalid argument: rate must be in [0, 1), got 1.5");
    /// ```
    pub fn dropout(mut self, rate: f64) -> Self {
        self.steps.push(Step::Dropout(rate));
        self
    }

    /// Appends a stand-alone ReLU layer.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::Sequential;
    /// let m = Sequential::<f32>::builder(2).relu().build().unwrap();
    /// assert_eq!(m.predict(array![[-1.0, 1.0]].view()).unwrap(), array![[0.0, 1.0]]);
    /// ```
    pub fn relu(mut self) -> Self {
        self.steps.push(Step::Activation("relu", 0.0));
        self
    }

    /// Appends a stand-alone sigmoid layer.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::Sequential;
    /// let m = Sequential::<f64>::builder(1).sigmoid().build().unwrap();
    /// assert_eq!(m.predict(array![[0.0]].view()).unwrap(), array![[0.5]]);
    /// ```
    pub fn sigmoid(mut self) -> Self {
        self.steps.push(Step::Activation("sigmoid", 0.0));
        self
    }

    /// Appends a stand-alone tanh layer.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::Sequential;
    /// let m = Sequential::<f64>::builder(1).tanh().build().unwrap();
    /// assert_eq!(m.predict(array![[0.0]].view()).unwrap(), array![[0.0]]);
    /// ```
    pub fn tanh(mut self) -> Self {
        self.steps.push(Step::Activation("tanh", 0.0));
        self
    }

    /// Appends a stand-alone leaky-ReLU layer with slope `alpha` in `[0, 1)`.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::Sequential;
    /// let m = Sequential::<f64>::builder(1).leaky_relu(0.5).build().unwrap();
    /// assert_eq!(m.predict(array![[-2.0]].view()).unwrap(), array![[-1.0]]);
    /// assert!(Sequential::<f64>::builder(1).leaky_relu(2.0).build().is_err());
    /// ```
    pub fn leaky_relu(mut self, alpha: f64) -> Self {
        self.steps.push(Step::Activation("leaky_relu", alpha));
        self
    }

    /// Appends a softmax layer.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::Sequential;
    /// let m = Sequential::<f64>::builder(2).softmax().build().unwrap();
    /// assert_eq!(m.predict(array![[1.0, 1.0]].view()).unwrap(), array![[0.5, 0.5]]);
    /// ```
    pub fn softmax(mut self) -> Self {
        self.steps.push(Step::Activation("softmax", 0.0));
        self
    }

    /// Appends an [`Embedding`] of `vocab` rows of `dim` values (indices as
    /// input values, `padding_index` read as zeros and never trained). Its
    /// table is drawn from the model seed and the layer's position.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential, layers::Padding};
    /// let m = Sequential::<f32>::builder(50)           // 50 token ids per row
    ///     .embedding(1000, 32, Some(0))                // → 50 steps × 32
    ///     .conv1d(64, 3, Padding::Same, Activation::Relu) // → 50 steps × 64
    ///     .global_max_pool1d()                         // → 64
    ///     .dense(1, Activation::Sigmoid)
    ///     .build().unwrap();
    /// assert_eq!(m.n_params(), 1000 * 32 + 3 * 32 * 64 + 64 + 64 + 1);
    /// let e = Sequential::<f32>::builder(5).embedding(10, 2, Some(10)).build().unwrap_err();
    /// assert!(e.to_string().contains("padding_index 10 must be below vocab 10"), "{e}");
    /// ```
    pub fn embedding(mut self, vocab: usize, dim: usize, padding_index: Option<usize>) -> Self {
        self.steps.push(Step::Embedding {
            vocab,
            dim,
            padding: padding_index,
        });
        self
    }

    /// Appends a [`Conv1D`] with `out_channels` filters of `kernel_width`
    /// taps (dilation 1; for another, pass a [`Conv1D`] to
    /// [`layer`](Self::layer)). Its input channels are the channels of the
    /// layer before, which must be an embedding or a convolution (possibly
    /// followed by activation or dropout layers). Weights are He-uniform for
    /// ReLU-family activations and Glorot-uniform otherwise.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential, layers::Padding};
    /// let m = Sequential::<f32>::builder(10).embedding(20, 4, Some(0))
    ///     .conv1d(8, 3, Padding::Valid, Activation::Relu).build().unwrap();
    /// assert_eq!(m.output_dim(), 8 * 8); // 10 − 3 + 1 steps of 8 channels
    /// let e = Sequential::<f32>::builder(10).conv1d(8, 3, Padding::Same, Activation::Relu).build().unwrap_err();
    /// assert!(e.to_string().contains("conv1d layer 1"), "{e}");
    /// ```
    pub fn conv1d(
        mut self,
        out_channels: usize,
        kernel_width: usize,
        padding: Padding,
        activation: Activation,
    ) -> Self {
        self.steps.push(Step::Conv1D {
            out_channels,
            kernel_width,
            padding,
            activation,
        });
        self
    }

    /// Appends a [`GlobalMaxPool1D`] over every step of the sequence the
    /// layer before writes (an embedding or a convolution). For rows of
    /// different lengths use a [`SequenceBranch`](crate::layers::SequenceBranch),
    /// which masks the padding.
    ///
    /// ```
    /// use ua_nn::{Sequential};
    /// let m = Sequential::<f32>::builder(6).embedding(9, 3, None).global_max_pool1d().build().unwrap();
    /// assert_eq!(m.output_dim(), 3);
    /// ```
    pub fn global_max_pool1d(mut self) -> Self {
        self.steps.push(Step::Pool(Pooling::Max));
        self
    }

    /// Appends a [`GlobalAvgPool1D`] (see [`global_max_pool1d`](Self::global_max_pool1d)).
    ///
    /// ```
    /// use ua_nn::{Sequential};
    /// let m = Sequential::<f32>::builder(6).embedding(9, 3, None).global_avg_pool1d().build().unwrap();
    /// assert_eq!(m.output_dim(), 3);
    /// ```
    pub fn global_avg_pool1d(mut self) -> Self {
        self.steps.push(Step::Pool(Pooling::Avg));
        self
    }

    /// Appends a layer built by hand (a [`Parallel`](crate::layers::Parallel)
    /// of a sequence branch and static features, a dilated [`Conv1D`], a
    /// layer of your own). Its width is checked at [`build`](Self::build).
    ///
    /// ```
    /// use ua_nn::{Activation, Layer, Sequential, layers::{Embedding, Parallel, Pooling, SequenceBranch}};
    /// let emb = Embedding::<f32>::new(100, 8, 1).unwrap().with_padding_index(Some(0)).unwrap();
    /// let seq = SequenceBranch::new(20, 0, emb, vec![], Pooling::Avg).unwrap();
    /// // a row: 20 tokens, then 3 static features
    /// let both = Parallel::new(vec![(20, vec![Box::new(seq) as Box<dyn Layer<f32>>]), (3, vec![])]).unwrap();
    /// let m = Sequential::<f32>::builder(23).layer(Box::new(both)).dense(1, Activation::Sigmoid).build().unwrap();
    /// assert_eq!(m.layers()[0].output_dim(23).unwrap(), 8 + 3);
    /// ```
    pub fn layer(mut self, layer: Box<dyn Layer<S>>) -> Self {
        self.steps.push(Step::Layer(Given(layer)));
        self
    }

    /// Seed for the initial weights and the dropout masks (default 0).
    ///
    /// ```
    /// use ua_nn::{Activation, Persist, Sequential};
    /// let m = |seed| Sequential::<f32>::builder(2).dense(2, Activation::Relu).seed(seed).build().unwrap();
    /// assert_eq!(m(1).to_json().unwrap(), m(1).to_json().unwrap());
    /// assert_ne!(m(1).to_json().unwrap(), m(2).to_json().unwrap());
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds the model, checking every setting. Sizes are checked (with
    /// overflow-checked products, against [`MAX_PARAMS`]) before any weight
    /// is allocated; errors name the layer and the parameter.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let e = Sequential::<f32>::builder(1 << 40).dense(1 << 40, Activation::Relu).build().unwrap_err();
    /// assert!(e.to_string().starts_with("dense layer 1: invalid argument: input_dim"), "{e}");
    /// assert!(Sequential::<f32>::builder(0).relu().build().is_err());
    /// ```
    pub fn build(self) -> Result<Sequential<S>> {
        if self.input_dim == 0 {
            return Err(crate::error::invalid(
                "sequential model",
                "input_dim must be ≥ 1, got 0",
            ));
        }
        // Check every size first, so that nothing is allocated for a model
        // that cannot be built.
        let mut width = self.input_dim;
        let mut total = 0usize;
        // Channels per step of the sequence the previous layer writes, if any.
        let mut channels: Option<usize> = None;
        for (i, step) in self.steps.iter().enumerate() {
            let op = || format!("{} layer {}", step_name(step), i + 1);
            let n = match step {
                &Step::Dense {
                    units, activation, ..
                } => {
                    let n = check_dense_size(width, units).map_err(|e| at_layer(e, op()))?;
                    activation
                        .validate()
                        .map_err(|e| at_layer(e.into(), op()))?;
                    (width, channels) = (units, None);
                    n
                }
                &Step::Embedding { vocab, dim, .. } => {
                    let n = vocab
                        .checked_mul(dim)
                        .filter(|&n| n <= MAX_PARAMS)
                        .ok_or_else(|| {
                            crate::error::invalid(
                                op(),
                                format!(
                                    "vocab {vocab} × dim {dim} is more than the limit of \
                                     {MAX_PARAMS} parameters (MAX_PARAMS)"
                                ),
                            )
                        })?;
                    width = width.checked_mul(dim).ok_or_else(|| {
                        crate::error::invalid(op(), format!("{width} steps × dim {dim} overflows"))
                    })?;
                    channels = Some(dim);
                    n
                }
                &Step::Conv1D {
                    out_channels,
                    kernel_width,
                    activation,
                    padding,
                } => {
                    let in_channels = channels.ok_or_else(|| {
                        crate::error::invalid(
                            op(),
                            "the layer before must write a sequence (an embedding or a conv1d \
                             layer) whose channels are this layer's input channels; for other \
                             inputs pass Conv1D::new(..) to SequentialBuilder::layer",
                        )
                    })?;
                    let n = check_conv_size(in_channels, out_channels, kernel_width, 1)
                        .map_err(|e| at_layer(e, op()))?;
                    activation
                        .validate()
                        .map_err(|e| at_layer(e.into(), op()))?;
                    let steps = width / in_channels;
                    let out_steps = match padding {
                        Padding::Same => steps,
                        Padding::Valid => (steps + 1)
                            .checked_sub(kernel_width)
                            .filter(|&t| t > 0)
                            .ok_or_else(|| {
                                crate::error::invalid(
                                    op(),
                                    format!(
                                        "valid padding needs at least kernel_width {kernel_width} \
                                     steps, the input has {steps}"
                                    ),
                                )
                            })?,
                    };
                    width = out_steps.checked_mul(out_channels).ok_or_else(|| {
                        crate::error::invalid(op(), "steps × out_channels overflows")
                    })?;
                    channels = Some(out_channels);
                    n
                }
                Step::Pool(_) => {
                    width = channels.ok_or_else(|| {
                        crate::error::invalid(
                            op(),
                            "the layer before must write a sequence (an embedding or a conv1d layer)",
                        )
                    })?;
                    channels = None;
                    0
                }
                Step::Layer(Given(l)) => {
                    width = l.output_dim(width).map_err(|e| at_layer(e, op()))?;
                    channels = None;
                    l.n_params()
                }
                Step::Dropout(_) | Step::Activation(..) => 0,
            };
            total = total
                .checked_add(n)
                .filter(|&t| t <= MAX_PARAMS)
                .ok_or_else(|| {
                    crate::error::invalid(
                        op(),
                        format!(
                            "the layers up to this one hold more than {MAX_PARAMS} parameters \
                             (MAX_PARAMS)"
                        ),
                    )
                })?;
        }
        // Weights, their gradients and up to two optimiser moments (Adam)
        // per parameter, against the memory budget (UA_MEMORY_BUDGET).
        ua_tensor::budget::check_allocation(
            "sequential model",
            &format!("{total} parameters with their gradients and optimiser state"),
            (total as u128).saturating_mul(4),
            std::mem::size_of::<S>(),
        )?;
        let mut rng = seeded_rng(self.seed);
        let mut layers: Vec<Box<dyn Layer<S>>> = Vec::with_capacity(self.steps.len());
        let mut width = self.input_dim;
        let mut channels = 0;
        for (i, step) in self.steps.iter().enumerate() {
            let op = || format!("{} layer {}", step_name(step), i + 1);
            // Each layer that draws random numbers gets its own stream
            // derived from the seed and its position.
            let stream = self
                .seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(i as u64 + 1);
            let layer: Box<dyn Layer<S>> = match *step {
                Step::Embedding {
                    vocab,
                    dim,
                    padding,
                } => {
                    channels = dim;
                    Box::new(
                        Embedding::new(vocab, dim, stream)
                            .and_then(|e| e.with_padding_index(padding))
                            .map_err(|e| at_layer(e, op()))?,
                    )
                }
                Step::Conv1D {
                    out_channels,
                    kernel_width,
                    padding,
                    activation,
                } => {
                    let init = match activation {
                        Activation::Relu | Activation::LeakyRelu { .. } => Initializer::HeUniform,
                        _ => Initializer::GlorotUniform,
                    };
                    let c = Conv1D::new(
                        channels,
                        out_channels,
                        kernel_width,
                        activation,
                        init,
                        &mut rng,
                    )
                    .map_err(|e| at_layer(e, op()))?
                    .with_padding(padding);
                    channels = out_channels;
                    Box::new(c)
                }
                Step::Pool(Pooling::Max) => {
                    Box::new(GlobalMaxPool1D::new(channels).map_err(|e| at_layer(e, op()))?)
                }
                Step::Pool(Pooling::Avg) => {
                    Box::new(GlobalAvgPool1D::new(channels).map_err(|e| at_layer(e, op()))?)
                }
                Step::Layer(ref given) => given.0.boxed_clone(),
                Step::Dense {
                    units,
                    activation,
                    init,
                } => {
                    let init = init.unwrap_or(match activation {
                        Activation::Relu | Activation::LeakyRelu { .. } => Initializer::HeUniform,
                        _ => Initializer::GlorotUniform,
                    });
                    Box::new(
                        Dense::new(width, units, activation, init, &mut rng)
                            .map_err(|e| at_layer(e, format!("dense layer {}", i + 1)))?,
                    )
                }
                Step::Dropout(rate) => Box::new(
                    Dropout::new(rate, stream)
                        .map_err(|e| at_layer(e, format!("dropout layer {}", i + 1)))?,
                ),
                Step::Activation(name, alpha) => match name {
                    "relu" => Box::new(ReLU::new()),
                    "sigmoid" => Box::new(Sigmoid::new()),
                    "tanh" => Box::new(Tanh::new()),
                    "leaky_relu" => Box::new(
                        LeakyReLU::new(alpha)
                            .map_err(|e| at_layer(e, format!("leaky_relu layer {}", i + 1)))?,
                    ),
                    _ => Box::new(Softmax::new()),
                },
            };
            width = layer.output_dim(width)?;
            layers.push(layer);
        }
        Sequential::from_layers(self.input_dim, layers)
    }
}

/// The layer name used in builder messages.
fn step_name<S: Scalar>(step: &Step<S>) -> &'static str {
    match step {
        Step::Dense { .. } => "dense",
        Step::Embedding { .. } => "embedding",
        Step::Conv1D { .. } => "conv1d",
        Step::Pool(Pooling::Max) => "global_max_pool1d",
        Step::Pool(Pooling::Avg) => "global_avg_pool1d",
        Step::Layer(g) => g.0.name(),
        Step::Dropout(_) => "dropout",
        Step::Activation(name, _) => name,
    }
}

impl<S: Scalar> Sequential<S> {
    /// Starts describing a model whose inputs have `input_dim` columns (see
    /// [`SequentialBuilder`]).
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(3).dense(1, Activation::Sigmoid).build().unwrap();
    /// assert_eq!(m.input_dim(), 3);
    /// ```
    pub fn builder(input_dim: usize) -> SequentialBuilder<S> {
        SequentialBuilder {
            input_dim,
            seed: 0,
            steps: Vec::new(),
        }
    }

    /// A model from layers built by hand (custom [`Layer`] implementations
    /// welcome). Checks that consecutive widths fit.
    ///
    /// ```
    /// use ua_nn::{Activation, Layer, Sequential, layers::{Dense, ReLU}};
    /// use ua_nn::ua_tensor::init::{Initializer, seeded_rng};
    /// let d = Dense::<f32>::new(3, 2, Activation::Identity, Initializer::HeUniform, &mut seeded_rng(0)).unwrap();
    /// let layers: Vec<Box<dyn Layer<f32>>> = vec![Box::new(d), Box::new(ReLU::new())];
    /// let m = Sequential::from_layers(3, layers).unwrap();
    /// assert_eq!(m.output_dim(), 2);
    /// let d = Dense::<f32>::new(3, 2, Activation::Identity, Initializer::HeUniform, &mut seeded_rng(0)).unwrap();
    /// let e = Sequential::from_layers(4, vec![Box::new(d) as Box<dyn Layer<f32>>]).unwrap_err();
    /// assert!(e.to_string().contains("layer 1 (dense)"), "{e}");
    /// ```
    pub fn from_layers(input_dim: usize, layers: Vec<Box<dyn Layer<S>>>) -> Result<Self> {
        if input_dim == 0 {
            return Err(crate::error::invalid(
                "sequential model",
                "input_dim must be ≥ 1, got 0",
            ));
        }
        if layers.is_empty() {
            return Err(crate::error::invalid(
                "sequential model",
                "needs at least one layer",
            ));
        }
        let mut width = input_dim;
        let mut widths = Vec::with_capacity(layers.len());
        for (i, l) in layers.iter().enumerate() {
            let out = l.output_dim(width).map_err(|e| {
                crate::error::invalid(
                    "sequential model",
                    format!("layer {} ({}): {e}", i + 1, l.name()),
                )
            })?;
            if l.is_identity(Mode::Eval) && out != width {
                return Err(crate::error::invalid(
                    "sequential model",
                    format!(
                        "layer {} ({}) is the identity at inference but maps {width} columns to {out}",
                        i + 1,
                        l.name()
                    ),
                ));
            }
            width = out;
            widths.push(width);
        }
        Ok(Sequential {
            input_dim,
            output_dim: width,
            widths,
            layers,
            loss_grad: Array2::zeros((0, width)),
        })
    }

    /// Number of input columns.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(5).dense(2, Activation::Relu).build().unwrap();
    /// assert_eq!((m.input_dim(), m.output_dim()), (5, 2));
    /// ```
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// Number of output columns (see [`input_dim`](Self::input_dim)).
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(3).dense(4, Activation::Relu).dense(2, Activation::Identity).build().unwrap();
    /// assert_eq!(m.output_dim(), 2);
    /// ```
    pub fn output_dim(&self) -> usize {
        self.output_dim
    }

    /// Total number of trainable scalars.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(16).dense(64, Activation::Relu).dense(1, Activation::Sigmoid).build().unwrap();
    /// assert_eq!(m.n_params(), 16 * 64 + 64 + 64 + 1);
    /// ```
    pub fn n_params(&self) -> usize {
        self.layers.iter().map(|l| l.n_params()).sum()
    }

    /// The layers, first to last.
    ///
    /// ```
    /// use ua_nn::{Activation, Sequential};
    /// let m = Sequential::<f32>::builder(2).dense(4, Activation::Relu).dropout(0.2).sigmoid().build().unwrap();
    /// let names: Vec<_> = m.layers().iter().map(|l| l.name()).collect();
    /// assert_eq!(names, ["dense", "dropout", "sigmoid"]);
    /// ```
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

    /// Runs the layers on one batch in training mode (no input checks) and
    /// returns a view of the last layer's output.
    pub(crate) fn forward_train<'a>(
        layers: &'a mut [Box<dyn Layer<S>>],
        x: ArrayView2<'a, S>,
    ) -> Result<ArrayView2<'a, S>> {
        let mut cur = x;
        let mut rest = layers;
        while let Some((first, tail)) = rest.split_first_mut() {
            cur = first.forward(cur, Mode::Train)?;
            rest = tail;
        }
        Ok(cur)
    }

    /// Back-propagates `grad` (∂L/∂output of the last training forward pass
    /// on input `x`) through all layers, accumulating parameter gradients.
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

    /// Sets every accumulated gradient to zero (for custom training loops;
    /// `fit` and `train_batch` keep them zeroed between steps).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Layer, Mode, Sequential};
    /// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
    /// m.zero_grad();
    /// assert_eq!(m.predict(array![[0.0]].view()).unwrap(), array![[0.0]]); // zero bias
    /// ```
    pub fn zero_grad(&mut self) {
        self.visit_params(&mut |_, p| p.grad.fill(S::zero()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_layers_start_he_uniform_and_others_glorot_uniform() {
        let m = Sequential::<f64>::builder(16)
            .dense(64, Activation::Relu)
            .dense(64, Activation::LeakyRelu { alpha: 0.1 })
            .dense(64, Activation::Tanh)
            .build()
            .unwrap();
        let largest = |i: usize| {
            let d = m.layers()[i].downcast_ref::<Dense<f64>>().unwrap();
            d.weights().iter().fold(0.0f64, |a, w| a.max(w.abs()))
        };
        // He: U(±√(6/fan_in)); Glorot: U(±√(6/(fan_in + fan_out))).
        let (he16, he64, glorot) = (
            (6.0f64 / 16.0).sqrt(),
            (6.0f64 / 64.0).sqrt(),
            (6.0f64 / 128.0).sqrt(),
        );
        assert!(
            largest(0) <= he16 && largest(0) > 0.9 * he16,
            "{}",
            largest(0)
        );
        assert!(
            largest(1) <= he64 && largest(1) > 0.9 * he64,
            "{}",
            largest(1)
        );
        assert!(
            largest(2) <= glorot && largest(2) > 0.9 * glorot,
            "{}",
            largest(2)
        );
    }

    #[test]
    fn dropout_seeds_derive_from_the_model_seed_and_the_position() {
        // Pinned: saved models and masks must not change between versions.
        let m = Sequential::<f32>::builder(2)
            .relu()
            .dropout(0.5)
            .dropout(0.5)
            .seed(7)
            .build()
            .unwrap();
        let seed = |i: usize| {
            m.layers()[i].to_saved().unwrap().data["seed"]
                .as_u64()
                .unwrap()
        };
        let want = |pos: u64| 7u64.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(pos);
        assert_eq!((seed(1), seed(2)), (want(2), want(3)));
    }

    #[test]
    fn the_builders_embedding_is_the_layer_drawn_from_its_stream_with_the_padding_row_zero() {
        // Pinned like the dropout seeds: table from the model seed and the
        // layer's position, padding row zeroed, steps × dim into a dense layer.
        let m = Sequential::<f64>::builder(3)
            .embedding(6, 2, Some(4))
            .dense(1, Activation::Identity)
            .seed(11)
            .build()
            .unwrap();
        assert_eq!((m.input_dim(), m.output_dim()), (3, 1));
        assert_eq!(m.n_params(), 6 * 2 + 3 * 2 + 1);
        let emb = m.layers()[0].downcast_ref::<Embedding<f64>>().unwrap();
        let stream = 11u64.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
        let want = Embedding::<f64>::new(6, 2, stream)
            .unwrap()
            .with_padding_index(Some(4))
            .unwrap();
        assert_eq!(emb.table(), want.table());
        assert_eq!(emb.padding_index(), Some(4));
        assert!(emb.table().row(4).iter().all(|&v| v == 0.0));
        assert!(emb.table().row(3).iter().all(|&v| v != 0.0));
        // ids 1, 4 (padding), 5 → the dense layer sees their rows side by side
        let x = ndarray::array![[1.0, 4.0, 5.0]];
        let dense = m.layers()[1].downcast_ref::<Dense<f64>>().unwrap();
        let (t, w) = (emb.table(), dense.weights());
        let expected = t[[1, 0]] * w[[0, 0]]
            + t[[1, 1]] * w[[1, 0]]
            + t[[5, 0]] * w[[4, 0]]
            + t[[5, 1]] * w[[5, 0]]
            + dense.bias()[0];
        let got = m.predict(x.view()).unwrap()[[0, 0]];
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
        // No padding: every row drawn; a table over the parameter limit and
        // a padding index out of range are errors naming the layer.
        let m = Sequential::<f32>::builder(2)
            .embedding(3, 2, None)
            .build()
            .unwrap();
        let emb = m.layers()[0].downcast_ref::<Embedding<f32>>().unwrap();
        assert_eq!(emb.padding_index(), None);
        assert!(emb.table().iter().all(|&v| v != 0.0));
        let e = Sequential::<f32>::builder(2)
            .relu()
            .embedding(1 << 20, 1 << 9, None)
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("embedding layer 2") && e.contains("MAX_PARAMS"),
            "{e}"
        );
        let e = Sequential::<f32>::builder(2)
            .embedding(3, 2, Some(3))
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("embedding layer 1") && e.contains("padding_index 3 must be below vocab 3"),
            "{e}"
        );
    }
}
