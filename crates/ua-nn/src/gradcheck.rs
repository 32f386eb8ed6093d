//! Finite-difference gradient checks for layers and losses, public so that
//! users can check layers of their own.
//!
//! A layer is checked through the scalar `L = Σ r ⊙ layer(x)` with a fixed
//! random `r`: its analytic gradients (`backward` with `grad_output = r`) are
//! compared with central differences `(L(θ+h) − L(θ−h)) / 2h` for every
//! input element and every parameter. The reported error is the largest
//! [`relative_error`] over all of them. The check also compares the layer's
//! inference path ([`Layer::infer_into`], `&self`) with its eval-mode
//! `forward`, which must agree.

use ndarray::{Array2, ArrayView2};
use rand::Rng;
use ua_tensor::init::seeded_rng;

use crate::Result;
use crate::layer::{Layer, Mode};
use crate::losses::Loss;

/// Largest relative errors found by a gradient check.
///
/// ```
/// use ua_nn::gradcheck::GradCheck;
/// let r = GradCheck { input: 1e-9, params: 3e-8, inference: 0.0 };
/// assert_eq!(r.max(), 3e-8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// Largest relative error over the input gradient.
    pub input: f64,
    /// Largest relative error over all parameters (0 without parameters).
    pub params: f64,
    /// Largest relative difference between [`Layer::infer`] and
    /// `forward(.., Mode::Eval)` (0 when the two paths agree).
    pub inference: f64,
}

impl GradCheck {
    /// The largest of the three errors (see [`GradCheck`]).
    ///
    /// ```
    /// use ua_nn::gradcheck::GradCheck;
    /// assert_eq!(GradCheck { input: 0.5, params: 0.1, inference: 0.2 }.max(), 0.5);
    /// ```
    pub fn max(&self) -> f64 {
        self.input.max(self.params).max(self.inference)
    }
}

/// `|a − n| / max(|a|, |n|, floor)`: relative where the values are large,
/// absolute (divided by `floor` = 1e-6) where both are near zero.
///
/// ```
/// use ua_nn::gradcheck::relative_error;
/// assert_eq!(relative_error(2.0, 1.0), 0.5);
/// assert_eq!(relative_error(0.0, 1e-9), 1e-3); // absolute near zero
/// ```
pub fn relative_error(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-6)
}

fn weighted_sum(y: ArrayView2<'_, f64>, r: &Array2<f64>) -> f64 {
    y.iter().zip(r.iter()).map(|(a, b)| a * b).sum()
}

/// Checks `layer`'s `backward` against central differences at input `x`.
///
/// The layer's randomness is frozen for the check (dropout keeps one mask).
/// Avoid inputs within `h = 1e-6` of a kink (ReLU at 0).
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, gradcheck::check_layer, layers::Dense};
/// use ua_nn::ua_tensor::init::seeded_rng;
/// let mut d = Dense::<f64>::new(3, 2, Activation::Tanh, Default::default(), &mut seeded_rng(0)).unwrap();
/// let r = check_layer(&mut d, array![[0.1, -0.4, 0.7], [1.2, 0.3, -0.5]].view(), 7).unwrap();
/// assert!(r.max() < 1e-6, "{r:?}");
/// ```
pub fn check_layer(
    layer: &mut dyn Layer<f64>,
    x: ArrayView2<'_, f64>,
    seed: u64,
) -> Result<GradCheck> {
    let h = 1e-6;
    let mut rng = seeded_rng(seed);
    let eval = layer.forward(x, Mode::Eval)?.to_owned();
    let inferred = layer.infer(x)?;
    if inferred.dim() != eval.dim() {
        return Err(crate::error::shape(
            format!("{} inference", layer.name()),
            crate::error::dims(eval.dim()),
            crate::error::dims(inferred.dim()),
        ));
    }
    let inference = eval
        .iter()
        .zip(inferred.iter())
        .fold(0.0f64, |m, (&a, &b)| m.max(relative_error(a, b)));
    layer.freeze_randomness(false);
    let y0 = layer.forward(x, Mode::Train)?.to_owned();
    layer.freeze_randomness(true);
    let r = Array2::from_shape_fn(y0.dim(), |_| rng.random_range(-1.0..1.0));

    // Analytic gradients.
    layer.visit_params(&mut |p| p.grad.fill(0.0));
    layer.forward(x, Mode::Train)?;
    let gx = layer.backward(x, r.view(), true)?.map(|g| g.to_owned());
    let mut gp: Vec<Vec<f64>> = Vec::new();
    layer.visit_params(&mut |p| gp.push(p.grad.to_vec()));

    let loss_at = |layer: &mut dyn Layer<f64>, xv: ArrayView2<'_, f64>| -> Result<f64> {
        Ok(weighted_sum(layer.forward(xv, Mode::Train)?, &r))
    };

    let mut worst_in = 0.0f64;
    if let Some(gx) = gx {
        let mut xp = x.to_owned();
        for idx in 0..xp.len() {
            let orig = xp.as_slice().map_or(0.0, |s| s[idx]);
            let set = |xp: &mut Array2<f64>, v: f64| {
                if let Some(s) = xp.as_slice_mut() {
                    s[idx] = v;
                }
            };
            set(&mut xp, orig + h);
            let lp = loss_at(layer, xp.view())?;
            set(&mut xp, orig - h);
            let lm = loss_at(layer, xp.view())?;
            set(&mut xp, orig);
            let num = (lp - lm) / (2.0 * h);
            let ana = gx.as_slice().map_or(f64::NAN, |s| s[idx]);
            worst_in = worst_in.max(relative_error(ana, num));
        }
    }

    let mut worst_p = 0.0f64;
    for (pi, grads) in gp.iter().enumerate() {
        for (j, &ana) in grads.iter().enumerate() {
            let nudge = |layer: &mut dyn Layer<f64>, delta: f64| {
                let mut k = 0;
                layer.visit_params(&mut |p| {
                    if k == pi {
                        p.value[j] += delta;
                    }
                    k += 1;
                });
            };
            nudge(layer, h);
            let lp = loss_at(layer, x)?;
            nudge(layer, -2.0 * h);
            let lm = loss_at(layer, x)?;
            nudge(layer, h);
            worst_p = worst_p.max(relative_error(ana, (lp - lm) / (2.0 * h)));
        }
    }
    layer.freeze_randomness(false);
    Ok(GradCheck {
        input: worst_in,
        params: worst_p,
        inference,
    })
}

/// Checks a loss's gradient against central differences at `pred`; returns
/// the largest relative error.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{gradcheck::check_loss, losses::BinaryCrossEntropy};
/// let e = check_loss(&BinaryCrossEntropy::new(), array![[0.3], [0.8]].view(), array![[0.0], [1.0]].view()).unwrap();
/// assert!(e < 1e-6);
/// ```
pub fn check_loss(
    loss: &dyn Loss<f64>,
    pred: ArrayView2<'_, f64>,
    target: ArrayView2<'_, f64>,
) -> Result<f64> {
    let h = 1e-6;
    let (_, g) = loss.loss_and_grad(pred, target)?;
    let mut p = pred.to_owned();
    let mut worst = 0.0f64;
    for i in 0..p.nrows() {
        for j in 0..p.ncols() {
            let orig = p[[i, j]];
            p[[i, j]] = orig + h;
            let lp = loss.loss(p.view(), target, None)?;
            p[[i, j]] = orig - h;
            let lm = loss.loss(p.view(), target, None)?;
            p[[i, j]] = orig;
            worst = worst.max(relative_error(g[[i, j]], (lp - lm) / (2.0 * h)));
        }
    }
    Ok(worst)
}
