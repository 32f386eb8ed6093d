//! Loss functions: [`MeanSquaredError`], [`BinaryCrossEntropy`],
//! [`CategoricalCrossEntropy`] and [`LogLoss`].
//!
//! Every loss is the *mean over rows* of a per-row loss, optionally weighted
//! per row (`Σ wᵢ·lᵢ / n`, the Keras convention, so class weights scale the
//! gradient without changing its normalisation). Gradients are written into
//! a buffer the caller owns.
//!
//! The transcendental parts (softplus and sigmoid of logits, the logarithms
//! of probabilities, log-softmax) run on the vectorised
//! [`ua_tensor::vmath`] kernels, a chunk of up to 256 elements at a time.

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis, Zip};
use ua_tensor::vmath::Kernels;

use crate::{Result, Scalar};

/// A differentiable training objective.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Loss, losses::MeanSquaredError};
/// fn mean_loss(l: &dyn Loss<f64>) -> f64 {
///     l.loss(array![[1.0], [3.0]].view(), array![[1.0], [1.0]].view(), None).unwrap()
/// }
/// assert_eq!(mean_loss(&MeanSquaredError), 2.0); // (0 + 4) / 2
/// ```
pub trait Loss<S: Scalar>: Send + Sync {
    /// A short name for messages and history.
    ///
    /// ```
    /// use ua_nn::{Loss, losses::BinaryCrossEntropy};
    /// assert_eq!(Loss::<f32>::name(&BinaryCrossEntropy::new()), "binary_cross_entropy");
    /// ```
    fn name(&self) -> &'static str;

    /// The mean loss of `pred` against `target`, with optional per-row
    /// weights; writes `∂loss/∂pred` into `grad` (same shape as `pred`).
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// use ua_nn::{Loss, losses::MeanSquaredError};
    /// let mut g = Array2::zeros((2, 1));
    /// let (p, t, w) = (array![[2.0f64], [0.0]], array![[0.0], [0.0]], array![1.0, 3.0]);
    /// let l = MeanSquaredError.loss_and_grad_into(p.view(), t.view(), Some(w.view()), g.view_mut()).unwrap();
    /// assert_eq!(l, 2.0);                  // (1·4 + 3·0) / 2
    /// assert_eq!(g, array![[2.0], [0.0]]); // 1·2·(2 − 0) / 2
    /// ```
    fn loss_and_grad_into(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
        weights: Option<ArrayView1<'_, S>>,
        grad: ArrayViewMut2<'_, S>,
    ) -> Result<S>;

    /// The mean loss only.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::MeanSquaredError};
    /// let l = MeanSquaredError.loss(array![[1.0f32, 2.0]].view(), array![[1.0, 0.0]].view(), None).unwrap();
    /// assert_eq!(l, 2.0); // (0 + 4) / 2
    /// ```
    fn loss(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
        weights: Option<ArrayView1<'_, S>>,
    ) -> Result<S>;

    /// `(loss, gradient)` in a new array (convenience; training uses
    /// [`loss_and_grad_into`](Loss::loss_and_grad_into)).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::MeanSquaredError};
    /// let (l, g) = MeanSquaredError.loss_and_grad(array![[3.0f64]].view(), array![[1.0]].view()).unwrap();
    /// assert_eq!((l, g[[0, 0]]), (4.0, 4.0));
    /// ```
    fn loss_and_grad(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
    ) -> Result<(S, Array2<S>)> {
        let mut g = Array2::zeros(pred.dim());
        let l = self.loss_and_grad_into(pred, target, None, g.view_mut())?;
        Ok((l, g))
    }

    /// Fraction of rows classified correctly, for losses of classifiers
    /// (`None` for regression losses).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::{BinaryCrossEntropy, MeanSquaredError}};
    /// let (p, t) = (array![[0.9f32], [0.2], [0.6]], array![[1.0], [0.0], [0.0]]);
    /// assert_eq!(BinaryCrossEntropy::new().accuracy(p.view(), t.view()), Some(2.0 / 3.0));
    /// assert_eq!(MeanSquaredError.accuracy(p.view(), t.view()), None);
    /// ```
    fn accuracy(&self, _pred: ArrayView2<'_, S>, _target: ArrayView2<'_, S>) -> Option<f64> {
        None
    }
}

/// Checks shapes of prediction, target, weights and gradient buffer.
fn check<S: Scalar>(
    name: &str,
    pred: &ArrayView2<'_, S>,
    target: &ArrayView2<'_, S>,
    weights: Option<&ArrayView1<'_, S>>,
    grad: Option<&ArrayViewMut2<'_, S>>,
) -> Result<()> {
    if pred.dim() != target.dim() {
        return Err(crate::error::shape(
            format!("{name} loss"),
            format!(
                "targets of shape {} (as the predictions)",
                crate::error::dims(pred.dim())
            ),
            crate::error::dims(target.dim()),
        ));
    }
    if pred.nrows() == 0 {
        return Err(crate::Error::Empty {
            op: format!("{name} loss"),
        });
    }
    if let Some(w) = weights
        && w.len() != pred.nrows()
    {
        return Err(crate::error::shape(
            format!("{name} loss weights"),
            format!("{} weights (one per row)", pred.nrows()),
            w.len(),
        ));
    }
    if let Some(g) = grad
        && g.dim() != pred.dim()
    {
        return Err(crate::error::shape(
            format!("{name} loss gradient"),
            crate::error::dims(pred.dim()),
            crate::error::dims(g.dim()),
        ));
    }
    Ok(())
}

/// Per-row weight, 1 when no weights are given.
#[inline(always)]
fn w_at<S: Scalar>(weights: &Option<ArrayView1<'_, S>>, i: usize) -> S {
    match weights {
        Some(w) => w[i],
        None => S::one(),
    }
}

/// Runs `per_elem(pred, target) -> (loss, dloss/dpred)` over all elements,
/// weighting row `i` by `wᵢ` and dividing by `n · cols_divisor`.
fn elementwise<S: Scalar>(
    pred: ArrayView2<'_, S>,
    target: ArrayView2<'_, S>,
    weights: Option<ArrayView1<'_, S>>,
    mut grad: Option<ArrayViewMut2<'_, S>>,
    divisor: S,
    per_elem: impl Fn(S, S) -> (S, S),
) -> S {
    let scale = S::one() / divisor;
    let mut total = S::zero();
    for i in 0..pred.nrows() {
        let wi = w_at(&weights, i) * scale;
        let (p, t) = (pred.row(i), target.row(i));
        let mut row_loss = S::zero();
        match grad.as_mut() {
            Some(g) => {
                let mut gr = g.row_mut(i);
                Zip::from(&mut gr).and(&p).and(&t).for_each(|gv, &pv, &tv| {
                    let (l, d) = per_elem(pv, tv);
                    row_loss = row_loss + l;
                    *gv = d * wi;
                });
            }
            None => {
                Zip::from(&p)
                    .and(&t)
                    .for_each(|&pv, &tv| row_loss = row_loss + per_elem(pv, tv).0);
            }
        }
        total = total + row_loss * wi;
    }
    total
}

/// Elements per chunk of [`chunked`] (three stack buffers of this size).
const CHUNK: usize = 256;

/// Like [`elementwise`], but the transcendental work of a chunk of up to
/// [`CHUNK`] elements is done first, vectorised: `prep(z, a, b)` fills `a`
/// and `b` from the predictions `z` of the chunk (taken in row-major order
/// across rows, so an `n × 1` output is one long vector), then
/// `per_elem(z, t, a, b) -> (loss, dloss/dpred)` runs per element. Rows are
/// weighted and summed exactly as in `elementwise`.
fn chunked<S: Scalar>(
    pred: ArrayView2<'_, S>,
    target: ArrayView2<'_, S>,
    weights: Option<ArrayView1<'_, S>>,
    mut grad: Option<ArrayViewMut2<'_, S>>,
    divisor: S,
    prep: impl Fn(&[S], &mut [S], &mut [S]),
    per_elem: impl Fn(S, S, S, S) -> (S, S),
) -> S {
    let scale = S::one() / divisor;
    let (nrows, ncols) = pred.dim();
    let mut zs = pred.iter();
    let mut ts = target.iter();
    let mut gs = grad.as_mut().map(|g| g.iter_mut());
    let (mut zbuf, mut tbuf) = ([S::zero(); CHUNK], [S::zero(); CHUNK]);
    let (mut abuf, mut bbuf) = ([S::zero(); CHUNK], [S::zero(); CHUNK]);
    let (mut i, mut j) = (0usize, 0usize);
    let mut wi = if nrows > 0 {
        w_at(&weights, 0) * scale
    } else {
        S::zero()
    };
    let mut row_loss = S::zero();
    let mut total = S::zero();
    loop {
        let mut c = 0;
        for ((zb, tb), (&z, &t)) in zbuf
            .iter_mut()
            .zip(tbuf.iter_mut())
            .zip(zs.by_ref().zip(ts.by_ref()))
        {
            *zb = z;
            *tb = t;
            c += 1;
        }
        if c == 0 {
            break;
        }
        prep(&zbuf[..c], &mut abuf[..c], &mut bbuf[..c]);
        for q in 0..c {
            let (l, d) = per_elem(zbuf[q], tbuf[q], abuf[q], bbuf[q]);
            row_loss = row_loss + l;
            if let Some(gv) = gs.as_mut().and_then(|g| g.next()) {
                *gv = d * wi;
            }
            j += 1;
            if j == ncols {
                total = total + row_loss * wi;
                row_loss = S::zero();
                j = 0;
                i += 1;
                if i < nrows {
                    wi = w_at(&weights, i) * scale;
                }
            }
        }
    }
    total
}

/// Implements the two `Loss` entry points through the type's `run` method.
macro_rules! delegate_to_run {
    () => {
        fn loss_and_grad_into(
            &self,
            pred: ArrayView2<'_, S>,
            target: ArrayView2<'_, S>,
            weights: Option<ArrayView1<'_, S>>,
            grad: ArrayViewMut2<'_, S>,
        ) -> Result<S> {
            self.run(pred, target, weights, Some(grad))
        }
        fn loss(
            &self,
            pred: ArrayView2<'_, S>,
            target: ArrayView2<'_, S>,
            weights: Option<ArrayView1<'_, S>>,
        ) -> Result<S> {
            self.run(pred, target, weights, None)
        }
    };
}

/// Mean squared error `mean((pred − target)²)` over all elements.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Loss, losses::MeanSquaredError};
/// let (l, g) = MeanSquaredError.loss_and_grad(array![[1.0f64, 3.0]].view(), array![[0.0, 1.0]].view()).unwrap();
/// assert_eq!(l, 2.5);                 // (1 + 4) / 2
/// assert_eq!(g, array![[1.0, 2.0]]);  // 2·(p − t) / 2
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MeanSquaredError;

impl<S: Scalar> Loss<S> for MeanSquaredError {
    fn name(&self) -> &'static str {
        "mse"
    }
    fn loss_and_grad_into(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
        weights: Option<ArrayView1<'_, S>>,
        grad: ArrayViewMut2<'_, S>,
    ) -> Result<S> {
        check("mse", &pred, &target, weights.as_ref(), Some(&grad))?;
        let div = S::lit(pred.len() as f64);
        let two = S::lit(2.0);
        Ok(elementwise(
            pred,
            target,
            weights,
            Some(grad),
            div,
            |p, t| {
                let d = p - t;
                (d * d, two * d)
            },
        ))
    }
    fn loss(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
        weights: Option<ArrayView1<'_, S>>,
    ) -> Result<S> {
        check("mse", &pred, &target, weights.as_ref(), None)?;
        let div = S::lit(pred.len() as f64);
        Ok(elementwise(pred, target, weights, None, div, |p, t| {
            ((p - t) * (p - t), S::zero())
        }))
    }
}

/// Binary cross-entropy, on probabilities (the output of a sigmoid layer) or
/// on logits (a linear last layer; then the sigmoid is fused into the loss,
/// which is exact for any logit).
///
/// On probabilities, `p` is clipped to `[ε, 1 − ε]` (ε = 1e-7, as Keras) so
/// that `ln 0` never occurs. Optional class weights multiply the loss of
/// negatives and positives. Targets must be in `[0, 1]`.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Loss, losses::BinaryCrossEntropy};
/// let bce = BinaryCrossEntropy::from_logits();
/// let (l, g) = bce.loss_and_grad(array![[0.0f64]].view(), array![[1.0]].view()).unwrap();
/// assert!((l - 2f64.ln()).abs() < 1e-12);
/// assert_eq!(g[[0, 0]], -0.5); // σ(0) − 1
/// // stable for huge logits:
/// let l = bce.loss(array![[1e4f32]].view(), array![[0.0]].view(), None).unwrap();
/// assert_eq!(l, 1e4);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BinaryCrossEntropy {
    from_logits: bool,
    epsilon: f64,
    class_weights: Option<(f64, f64)>,
}

impl Default for BinaryCrossEntropy {
    fn default() -> Self {
        Self::new()
    }
}

impl BinaryCrossEntropy {
    /// On probabilities in `(0, 1)` (after a sigmoid).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::BinaryCrossEntropy};
    /// let bce = BinaryCrossEntropy::new();
    /// let l = bce.loss(array![[0.5f64]].view(), array![[1.0]].view(), None).unwrap();
    /// assert!((l - 2f64.ln()).abs() < 1e-12);
    /// assert!(!bce.is_from_logits());
    /// ```
    pub fn new() -> Self {
        BinaryCrossEntropy {
            from_logits: false,
            epsilon: 1e-7,
            class_weights: None,
        }
    }

    /// On logits (no sigmoid in the model; the loss applies it stably).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::BinaryCrossEntropy};
    /// let l = BinaryCrossEntropy::from_logits().loss(array![[0.0f64]].view(), array![[1.0]].view(), None).unwrap();
    /// assert!((l - 2f64.ln()).abs() < 1e-12); // σ(0) = 0.5
    /// ```
    pub fn from_logits() -> Self {
        BinaryCrossEntropy {
            from_logits: true,
            ..Self::new()
        }
    }

    /// Multiplies the loss of rows with target 0 by `negative` and of rows
    /// with target 1 by `positive` (soft targets interpolate).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::BinaryCrossEntropy};
    /// let (p, t) = (array![[0.5f64], [0.5]], array![[1.0], [0.0]]);
    /// let plain = BinaryCrossEntropy::new().loss(p.view(), t.view(), None).unwrap();
    /// let weighted = BinaryCrossEntropy::new().with_class_weights(1.0, 3.0).loss(p.view(), t.view(), None).unwrap();
    /// assert!((weighted - 2.0 * plain).abs() < 1e-12); // (3 + 1) / 2 times the unweighted mean
    /// // The rule of ClassWeight: finite, ≥ 0, positive sum.
    /// let e = BinaryCrossEntropy::new().with_class_weights(-1.0, 1.0).loss(p.view(), t.view(), None).unwrap_err();
    /// assert!(e.to_string().contains("class 0 (negative) must be finite and ≥ 0"), "{e}");
    /// assert!(BinaryCrossEntropy::new().with_class_weights(0.0, 0.0).loss(p.view(), t.view(), None).is_err());
    /// ```
    pub fn with_class_weights(mut self, negative: f64, positive: f64) -> Self {
        self.class_weights = Some((negative, positive));
        self
    }

    /// The probability clip `ε` (on-probability mode only).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::BinaryCrossEntropy};
    /// // p = 0 would give ln 0; it is clipped to ε
    /// let l = BinaryCrossEntropy::new().with_epsilon(1e-3).loss(array![[0.0f64]].view(), array![[1.0]].view(), None).unwrap();
    /// assert!((l + 1e-3f64.ln()).abs() < 1e-12);
    /// assert!(BinaryCrossEntropy::new().with_epsilon(0.7).loss(array![[0.5f64]].view(), array![[1.0]].view(), None).is_err());
    /// ```
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Whether predictions are logits.
    ///
    /// ```
    /// use ua_nn::losses::BinaryCrossEntropy;
    /// assert!(BinaryCrossEntropy::from_logits().is_from_logits());
    /// assert!(!BinaryCrossEntropy::new().is_from_logits());
    /// ```
    pub fn is_from_logits(&self) -> bool {
        self.from_logits
    }

    fn validate(&self) -> Result<()> {
        if !(self.epsilon > 0.0 && self.epsilon < 0.5) {
            return Err(crate::error::invalid(
                "binary cross-entropy",
                format!("epsilon must be in (0, 0.5), got {}", self.epsilon),
            ));
        }
        if let Some((a, b)) = self.class_weights {
            crate::class_weight::check_manual("binary cross-entropy class weights", &[a, b])?;
        }
        Ok(())
    }

    fn run<S: Scalar>(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
        weights: Option<ArrayView1<'_, S>>,
        grad: Option<ArrayViewMut2<'_, S>>,
    ) -> Result<S> {
        self.validate()?;
        check(
            "binary cross-entropy",
            &pred,
            &target,
            weights.as_ref(),
            grad.as_ref(),
        )?;
        if let Some((i, t)) = target
            .iter()
            .enumerate()
            .find(|(_, t)| !(**t >= S::zero() && **t <= S::one()))
        {
            return Err(crate::error::invalid(
                "binary cross-entropy",
                format!(
                    "targets must be in [0, 1], found {t} at row {}",
                    i / target.ncols().max(1)
                ),
            ));
        }
        let div = S::lit(pred.len() as f64);
        let (cw0, cw1) = self
            .class_weights
            .map(|(a, b)| (S::lit(a), S::lit(b)))
            .unwrap_or((S::one(), S::one()));
        let cw = move |t: S| cw0 + (cw1 - cw0) * t;
        let k = Kernels::detected();
        if self.from_logits {
            // l = softplus(z) − t·z ; dl/dz = σ(z) − t
            let prep = |z: &[S], sp: &mut [S], sg: &mut [S]| {
                sp.copy_from_slice(z);
                sg.copy_from_slice(z);
                k.softplus_inplace(sp);
                k.sigmoid_inplace(sg);
            };
            Ok(chunked(
                pred,
                target,
                weights,
                grad,
                div,
                prep,
                |z, t, sp, sg| {
                    let c = cw(t);
                    ((sp - t * z) * c, (sg - t) * c)
                },
            ))
        } else {
            let eps = S::lit(self.epsilon);
            let hi = S::one() - eps;
            let clip = move |p: S| p.max(eps).min(hi);
            // a = ln(p_c), b = ln(1 − p_c) for the clipped p_c
            let prep = |p: &[S], a: &mut [S], b: &mut [S]| {
                for ((av, bv), &pv) in a.iter_mut().zip(b.iter_mut()).zip(p) {
                    let pc = clip(pv);
                    *av = pc;
                    *bv = S::one() - pc;
                }
                k.ln_inplace(a);
                k.ln_inplace(b);
            };
            Ok(chunked(
                pred,
                target,
                weights,
                grad,
                div,
                prep,
                |p, t, lp, lq| {
                    let pc = clip(p);
                    let c = cw(t);
                    let l = -(t * lp + (S::one() - t) * lq);
                    // d/dp of the clipped expression, kept finite: (p − t) / (p(1 − p)).
                    (l * c, (pc - t) / (pc * (S::one() - pc)) * c)
                },
            ))
        }
    }
}

fn binary_accuracy<S: Scalar>(
    pred: ArrayView2<'_, S>,
    target: ArrayView2<'_, S>,
    threshold: S,
) -> Option<f64> {
    if pred.dim() != target.dim() || pred.is_empty() {
        return None;
    }
    let half = S::lit(0.5);
    let correct = Zip::from(&pred).and(&target).fold(0usize, |acc, &p, &t| {
        acc + usize::from((p >= threshold) == (t >= half))
    });
    Some(correct as f64 / pred.len() as f64)
}

impl<S: Scalar> Loss<S> for BinaryCrossEntropy {
    fn name(&self) -> &'static str {
        "binary_cross_entropy"
    }
    delegate_to_run!();
    fn accuracy(&self, pred: ArrayView2<'_, S>, target: ArrayView2<'_, S>) -> Option<f64> {
        let threshold = if self.from_logits {
            S::zero()
        } else {
            S::lit(0.5)
        };
        binary_accuracy(pred, target, threshold)
    }
}

/// The design document's log-loss, `−(1/N) Σ [y ln p + (1 − y) ln(1 − p)]`
/// on probabilities, with `p` clipped to `[1e-15, 1 − 1e-15]` as
/// scikit-learn's `log_loss` does. It is binary cross-entropy on
/// probabilities under the name the evaluation literature uses.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Loss, losses::LogLoss};
/// let l = LogLoss.loss(array![[0.5f64], [0.5]].view(), array![[1.0], [0.0]].view(), None).unwrap();
/// assert!((l - 2f64.ln()).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LogLoss;

impl LogLoss {
    fn run<S: Scalar>(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
        weights: Option<ArrayView1<'_, S>>,
        grad: Option<ArrayViewMut2<'_, S>>,
    ) -> Result<S> {
        BinaryCrossEntropy::new()
            .with_epsilon(1e-15)
            .run(pred, target, weights, grad)
    }
}

impl<S: Scalar> Loss<S> for LogLoss {
    fn name(&self) -> &'static str {
        "log_loss"
    }
    delegate_to_run!();
    fn accuracy(&self, pred: ArrayView2<'_, S>, target: ArrayView2<'_, S>) -> Option<f64> {
        binary_accuracy(pred, target, S::lit(0.5))
    }
}

/// Categorical cross-entropy over one-hot (or soft) target rows.
///
/// By default on logits with the softmax fused in (`∂L/∂z = softmax(z) − y`,
/// exact and stable); [`CategoricalCrossEntropy::on_probabilities`] takes the
/// output of a softmax layer instead (clipped at 1e-7).
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Loss, losses::CategoricalCrossEntropy};
/// let cce = CategoricalCrossEntropy::new();
/// let (l, g) = cce.loss_and_grad(array![[0.0f64, 0.0]].view(), array![[1.0, 0.0]].view()).unwrap();
/// assert!((l - 2f64.ln()).abs() < 1e-12);
/// assert_eq!(g, array![[-0.5, 0.5]]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CategoricalCrossEntropy {
    from_logits: bool,
}

impl Default for CategoricalCrossEntropy {
    fn default() -> Self {
        Self::new()
    }
}

impl CategoricalCrossEntropy {
    /// On logits, softmax fused.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::CategoricalCrossEntropy};
    /// let l = CategoricalCrossEntropy::new().loss(array![[0.0f64, 0.0]].view(), array![[1.0, 0.0]].view(), None).unwrap();
    /// assert!((l - 2f64.ln()).abs() < 1e-12);
    /// ```
    pub fn new() -> Self {
        CategoricalCrossEntropy { from_logits: true }
    }

    /// On probabilities (rows summing to one).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Loss, losses::CategoricalCrossEntropy};
    /// let cce = CategoricalCrossEntropy::on_probabilities();
    /// let l = cce.loss(array![[0.25f64, 0.75]].view(), array![[0.0, 1.0]].view(), None).unwrap();
    /// assert!((l + 0.75f64.ln()).abs() < 1e-12);
    /// ```
    pub fn on_probabilities() -> Self {
        CategoricalCrossEntropy { from_logits: false }
    }

    fn run<S: Scalar>(
        &self,
        pred: ArrayView2<'_, S>,
        target: ArrayView2<'_, S>,
        weights: Option<ArrayView1<'_, S>>,
        grad: Option<ArrayViewMut2<'_, S>>,
    ) -> Result<S> {
        check(
            "categorical cross-entropy",
            &pred,
            &target,
            weights.as_ref(),
            grad.as_ref(),
        )?;
        let n = pred.nrows();
        let inv_n = S::one() / S::lit(n as f64);
        let mut total = S::zero();
        let mut grad = grad;
        let eps = S::lit(1e-7);
        // One row at a time through small scratch rows: no n×k temporary.
        let k = Kernels::detected();
        let mut scratch = vec![S::zero(); pred.ncols()];
        let mut probs = vec![S::zero(); if grad.is_some() { pred.ncols() } else { 0 }];
        for i in 0..n {
            let wi = w_at(&weights, i);
            let (p, t) = (pred.row(i), target.row(i));
            let mut row_loss = S::zero();
            if self.from_logits {
                for (s, &v) in scratch.iter_mut().zip(p.iter()) {
                    *s = v;
                }
                k.log_softmax_inplace(&mut scratch);
                for (&ls, &tv) in scratch.iter().zip(t.iter()) {
                    row_loss = row_loss - tv * ls;
                }
                if let Some(g) = grad.as_mut() {
                    let tsum: S = t.iter().copied().sum();
                    probs.copy_from_slice(&scratch);
                    k.exp_inplace(&mut probs);
                    for ((gv, &sj), &tv) in g.row_mut(i).iter_mut().zip(probs.iter()).zip(t.iter())
                    {
                        // ∂/∂z_j [−Σ t_k log softmax_k] = softmax_j·Σt − t_j
                        *gv = (sj * tsum - tv) * wi * inv_n;
                    }
                }
            } else {
                for (&pv, &tv) in p.iter().zip(t.iter()) {
                    row_loss = row_loss - tv * pv.max(eps).ln();
                }
                if let Some(g) = grad.as_mut() {
                    for ((gv, &pv), &tv) in g.row_mut(i).iter_mut().zip(p.iter()).zip(t.iter()) {
                        *gv = -tv / pv.max(eps) * wi * inv_n;
                    }
                }
            }
            total = total + row_loss * wi;
        }
        Ok(total * inv_n)
    }
}

impl<S: Scalar> Loss<S> for CategoricalCrossEntropy {
    fn name(&self) -> &'static str {
        "categorical_cross_entropy"
    }
    delegate_to_run!();
    fn accuracy(&self, pred: ArrayView2<'_, S>, target: ArrayView2<'_, S>) -> Option<f64> {
        if pred.dim() != target.dim() || pred.nrows() == 0 {
            return None;
        }
        let argmax = |r: ArrayView1<'_, S>| {
            r.iter()
                .enumerate()
                .fold((0, S::neg_infinity()), |(bi, bv), (i, &v)| {
                    if v > bv { (i, v) } else { (bi, bv) }
                })
                .0
        };
        let correct = pred
            .axis_iter(Axis(0))
            .zip(target.axis_iter(Axis(0)))
            .filter(|(p, t)| argmax(p.view()) == argmax(t.view()))
            .count();
        Some(correct as f64 / pred.nrows() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};
    use ua_tensor::stable::{sigmoid, softplus};

    /// Logits, targets and row weights over more than one chunk (CHUNK = 256
    /// elements), so rows straddle chunk boundaries.
    fn data(n: usize, k: usize) -> (Array2<f64>, Array2<f64>, Array1<f64>) {
        let z = Array2::from_shape_fn((n, k), |(i, j)| ((i * 7 + j * 13) % 41) as f64 * 0.9 - 18.0);
        let t = Array2::from_shape_fn((n, k), |(i, j)| ((i + 2 * j) % 3) as f64 / 2.0);
        let w = Array1::from_shape_fn(n, |i| 0.5 + (i % 5) as f64 * 0.25);
        (z, t, w)
    }

    #[test]
    fn bce_on_logits_matches_the_scalar_formula_across_chunks() {
        for (n, k) in [(1, 1), (300, 1), (100, 3), (9, 257)] {
            let (z, t, w) = data(n, k);
            let bce = BinaryCrossEntropy::from_logits().with_class_weights(0.5, 2.0);
            let mut g = Array2::zeros((n, k));
            let l = bce
                .loss_and_grad_into(z.view(), t.view(), Some(w.view()), g.view_mut())
                .unwrap();
            let (mut want, div) = (0.0, (n * k) as f64);
            for i in 0..n {
                for j in 0..k {
                    let (zv, tv) = (z[[i, j]], t[[i, j]]);
                    let c = 0.5 + 1.5 * tv;
                    want += w[i] * c * (softplus(zv) - tv * zv) / div;
                    let gw = w[i] * c * (sigmoid(zv) - tv) / div;
                    assert!(
                        (g[[i, j]] - gw).abs() <= 1e-15 + 4e-16 * gw.abs(),
                        "{n}x{k} grad ({i}, {j}): {} vs {gw}",
                        g[[i, j]]
                    );
                }
            }
            assert!(
                (l - want).abs() <= 1e-13 * want.abs(),
                "{n}x{k}: {l} vs {want}"
            );
            // The loss alone and a column-major (non-contiguous rows) copy agree bit for bit.
            assert_eq!(bce.loss(z.view(), t.view(), Some(w.view())).unwrap(), l);
            let zc = z.t().as_standard_layout().into_owned().reversed_axes();
            let mut gc = Array2::zeros((n, k));
            let lc = bce
                .loss_and_grad_into(zc.view(), t.view(), Some(w.view()), gc.view_mut())
                .unwrap();
            assert_eq!((lc, &gc), (l, &g), "{n}x{k} column-major");
        }
        // f32 at ±1e4 stays finite and exact.
        let z = ndarray::array![[1e4f32], [-1e4]];
        let t = ndarray::array![[0.0f32], [1.0]];
        let (l, g) = BinaryCrossEntropy::from_logits()
            .loss_and_grad(z.view(), t.view())
            .unwrap();
        assert_eq!(l, 1e4);
        assert_eq!(g, ndarray::array![[0.5f32], [-0.5]]);
    }

    #[test]
    fn bce_on_probabilities_matches_the_scalar_formula() {
        let (z, t, w) = data(300, 2);
        let p = z.mapv(|v| {
            if v > 15.0 {
                1.0
            } else if v < -17.0 {
                0.0
            } else {
                sigmoid(v)
            }
        });
        let bce = BinaryCrossEntropy::new();
        let mut g = Array2::zeros(p.dim());
        let l = bce
            .loss_and_grad_into(p.view(), t.view(), Some(w.view()), g.view_mut())
            .unwrap();
        let div = p.len() as f64;
        let mut want = 0.0;
        for ((i, j), &pv) in p.indexed_iter() {
            let tv = t[[i, j]];
            let pc = pv.clamp(1e-7, 1.0 - 1e-7);
            want += w[i] * -(tv * pc.ln() + (1.0 - tv) * (1.0 - pc).ln()) / div;
            let gw = w[i] * (pc - tv) / (pc * (1.0 - pc)) / div;
            assert!(
                (g[[i, j]] - gw).abs() <= 1e-14 * gw.abs(),
                "({i}, {j}): {} vs {gw}",
                g[[i, j]]
            );
        }
        assert!((l - want).abs() <= 1e-13 * want, "{l} vs {want}");
        // LogLoss (ε = 1e-15) on clipped-at-the-ends probabilities is finite.
        let l = LogLoss.loss(p.view(), t.view(), None).unwrap();
        assert!(l.is_finite() && l > want * 0.5, "{l}");
    }

    #[test]
    fn categorical_on_logits_matches_the_scalar_formula() {
        let (z, t, w) = data(40, 7);
        let cce = CategoricalCrossEntropy::new();
        let mut g = Array2::zeros(z.dim());
        let l = cce
            .loss_and_grad_into(z.view(), t.view(), Some(w.view()), g.view_mut())
            .unwrap();
        let n = z.nrows() as f64;
        let mut want = 0.0;
        for i in 0..z.nrows() {
            let m = z.row(i).fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let lse = m + z.row(i).iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            let tsum: f64 = t.row(i).sum();
            for j in 0..z.ncols() {
                want -= w[i] * t[[i, j]] * (z[[i, j]] - lse) / n;
                let gw = w[i] * ((z[[i, j]] - lse).exp() * tsum - t[[i, j]]) / n;
                assert!(
                    (g[[i, j]] - gw).abs() <= 1e-15 + 1e-14 * gw.abs(),
                    "({i}, {j}): {} vs {gw}",
                    g[[i, j]]
                );
            }
        }
        assert!((l - want).abs() <= 1e-13 * want.abs(), "{l} vs {want}");
        assert_eq!(cce.loss(z.view(), t.view(), Some(w.view())).unwrap(), l);
    }
}
