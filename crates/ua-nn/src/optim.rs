//! Optimizers ([`Sgd`], [`Adam`], [`AdamW`]), learning-rate schedules and
//! gradient clipping.
//!
//! An optimizer updates one parameter at a time: the model visits its
//! parameters in a fixed order and hands each to [`Optimizer::update`] with
//! its position (`slot`), under which the optimizer keeps its state
//! (momentum, moment estimates). State is allocated on the first step only.

use serde::{Deserialize, Serialize};

use crate::layer::{Param, ParamKind};
use crate::{Result, Scalar};

/// Updates parameters from their gradients.
///
/// ```
/// use ua_nn::{Optimizer, Param, ParamKind, optim::{Adam, Sgd}};
/// fn step(opt: &mut dyn Optimizer<f64>, w: &mut [f64], g: &mut [f64]) {
///     opt.begin_step();
///     opt.update(0, Param { kind: ParamKind::Weight, value: w, grad: g });
/// }
/// let (mut w, mut g) = (vec![1.0], vec![1.0]);
/// step(&mut Sgd::new(0.5), &mut w, &mut g);
/// assert_eq!(w, [0.5]);
/// step(&mut Adam::new(0.1), &mut w, &mut g); // Adam's first step is ≈ lr·sign(g)
/// assert!((w[0] - 0.4).abs() < 1e-6);
/// ```
pub trait Optimizer<S: Scalar>: Send {
    /// Checks the hyper-parameters (called once by `fit`).
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Sgd};
    /// assert!(Sgd::<f32>::new(0.1).validate().is_ok());
    /// let e = Sgd::<f32>::new(0.1).momentum(1.5).validate().unwrap_err();
    /// assert!(e.to_string().contains("momentum must be in [0, 1), got 1.5"), "{e}");
    /// ```
    fn validate(&self) -> Result<()>;
    /// Marks the start of a step (advances the step counter).
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Adam};
    /// let mut a = Adam::<f32>::new(0.1);
    /// a.begin_step();
    /// a.begin_step();
    /// assert_eq!(a.steps(), 2);
    /// ```
    fn begin_step(&mut self);
    /// Applies one step to the parameter at position `slot`.
    ///
    /// ```
    /// use ua_nn::{Optimizer, Param, ParamKind, optim::Sgd};
    /// let mut sgd = Sgd::new(0.1).weight_decay(1.0);
    /// let (mut w, mut b) = (vec![1.0f64], vec![1.0f64]);
    /// sgd.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut vec![0.0] });
    /// sgd.update(1, Param { kind: ParamKind::Bias, value: &mut b, grad: &mut vec![0.0] });
    /// assert_eq!((w[0], b[0]), (0.9, 1.0)); // decay applies to weights only
    /// ```
    fn update(&mut self, slot: usize, param: Param<'_, S>);
    /// The current learning rate.
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Sgd};
    /// assert_eq!(Sgd::<f32>::new(0.3).learning_rate(), 0.3);
    /// ```
    fn learning_rate(&self) -> f64;
    /// Sets the learning rate (schedules call this each epoch).
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Adam};
    /// let mut a = Adam::<f32>::new(0.1);
    /// a.set_learning_rate(0.05);
    /// assert_eq!(a.learning_rate(), 0.05);
    /// ```
    fn set_learning_rate(&mut self, lr: f64);
}

fn check_lr(op: &str, lr: f64) -> Result<()> {
    if !(lr.is_finite() && lr > 0.0) {
        return Err(crate::error::invalid(
            op,
            format!("learning rate must be > 0 and finite, got {lr}"),
        ));
    }
    Ok(())
}

fn check_range(op: &str, what: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
    if !(v.is_finite() && v >= lo && v < hi) {
        return Err(crate::error::invalid(
            op,
            format!("{what} must be in [{lo}, {hi}), got {v}"),
        ));
    }
    Ok(())
}

/// Per-slot state vectors, created on first use.
#[derive(Debug, Clone, Default)]
struct SlotState<S> {
    slots: Vec<Vec<S>>,
}

impl<S: Scalar> SlotState<S> {
    fn get(&mut self, slot: usize, len: usize) -> &mut Vec<S> {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, Vec::new);
        }
        let v = &mut self.slots[slot];
        if v.len() != len {
            *v = vec![S::zero(); len];
        }
        v
    }
}

/// Stochastic gradient descent with optional momentum, Nesterov momentum and
/// L2 weight decay (PyTorch's formulation: `g ← g + λw; b ← μb + g;
/// w ← w − lr·(Nesterov ? g + μb : b)`). Weight decay applies to weights, not biases.
///
/// ```
/// use ua_nn::{Optimizer, Param, ParamKind, optim::Sgd};
/// let mut opt = Sgd::new(0.1);
/// let (mut w, mut g) = (vec![1.0f64], vec![2.0]);
/// opt.begin_step();
/// opt.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut g });
/// assert!((w[0] - 0.8).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<S: Scalar = f32> {
    /// Learning rate.
    pub lr: f64,
    /// Momentum factor μ (0 = plain SGD).
    pub momentum: f64,
    /// Use Nesterov momentum.
    pub nesterov: bool,
    /// L2 weight decay λ.
    pub weight_decay: f64,
    state: SlotState<S>,
}

impl<S: Scalar> Sgd<S> {
    /// Plain SGD with learning rate `lr`.
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Sgd};
    /// let s = Sgd::<f32>::new(0.01);
    /// assert_eq!((s.lr, s.momentum, s.nesterov, s.weight_decay), (0.01, 0.0, false, 0.0));
    /// assert!(Sgd::<f32>::new(0.0).validate().is_err());
    /// ```
    pub fn new(lr: f64) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            state: SlotState::default(),
        }
    }
    /// Sets the momentum factor.
    ///
    /// ```
    /// use ua_nn::{Optimizer, Param, ParamKind, optim::Sgd};
    /// let mut opt = Sgd::new(0.1).momentum(0.9);
    /// let mut w = vec![0.0f64];
    /// for _ in 0..2 {
    ///     opt.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut vec![1.0] });
    /// }
    /// assert!((w[0] + 0.29).abs() < 1e-12); // −0.1·1 − 0.1·(0.9·1 + 1)
    /// ```
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// Switches Nesterov momentum on or off.
    ///
    /// ```
    /// use ua_nn::{Optimizer, Param, ParamKind, optim::Sgd};
    /// let mut opt = Sgd::new(0.1).momentum(0.9).nesterov(true);
    /// let mut w = vec![0.0f64];
    /// opt.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut vec![1.0] });
    /// assert!((w[0] + 0.19).abs() < 1e-12); // −0.1·(g + μ·b) = −0.1·(1 + 0.9)
    /// assert!(Sgd::<f32>::new(0.1).nesterov(true).validate().is_err()); // needs momentum
    /// ```
    pub fn nesterov(mut self, on: bool) -> Self {
        self.nesterov = on;
        self
    }
    /// Sets the L2 weight decay.
    ///
    /// ```
    /// use ua_nn::{Optimizer, Param, ParamKind, optim::Sgd};
    /// let mut opt = Sgd::new(0.1).weight_decay(0.5);
    /// let mut w = vec![1.0f64];
    /// opt.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut vec![0.0] });
    /// assert!((w[0] - 0.95).abs() < 1e-12); // 1 − 0.1·0.5·1
    /// ```
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
}

impl<S: Scalar> Optimizer<S> for Sgd<S> {
    fn validate(&self) -> Result<()> {
        check_lr("sgd", self.lr)?;
        check_range("sgd", "momentum", self.momentum, 0.0, 1.0)?;
        check_range("sgd", "weight decay", self.weight_decay, 0.0, f64::INFINITY)?;
        if self.nesterov && self.momentum == 0.0 {
            return Err(crate::error::invalid(
                "sgd",
                "Nesterov momentum needs momentum > 0",
            ));
        }
        Ok(())
    }
    fn begin_step(&mut self) {}
    fn update(&mut self, slot: usize, p: Param<'_, S>) {
        let lr = S::lit(self.lr);
        let wd = if p.kind == ParamKind::Weight {
            S::lit(self.weight_decay)
        } else {
            S::zero()
        };
        if self.momentum == 0.0 {
            for (w, &g) in p.value.iter_mut().zip(p.grad.iter()) {
                *w = *w - lr * (g + wd * *w);
            }
            return;
        }
        let mu = S::lit(self.momentum);
        let nesterov = self.nesterov;
        let buf = self.state.get(slot, p.value.len());
        for ((w, &g), b) in p.value.iter_mut().zip(p.grad.iter()).zip(buf.iter_mut()) {
            let g = g + wd * *w;
            *b = mu * *b + g;
            let step = if nesterov { g + mu * *b } else { *b };
            *w = *w - lr * step;
        }
    }
    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}

/// Adam (Kingma & Ba, 2015) with bias correction:
/// `m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// w ← w − lr · m̂ / (√v̂ + ε)` with `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`.
/// `weight_decay` adds `λw` to the gradient of weights (classic L2, as
/// PyTorch's `Adam`); for decoupled decay use [`AdamW`].
///
/// ```
/// use ua_nn::{Optimizer, Param, ParamKind, optim::Adam};
/// let mut opt = Adam::new(0.001);
/// let (mut w, mut g) = (vec![1.0f64], vec![0.5]);
/// opt.begin_step();
/// opt.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut g });
/// // first step moves by lr·sign(g) (up to ε)
/// assert!((w[0] - (1.0 - 0.001)).abs() < 1e-9);
/// ```
#[derive(Debug, Clone)]
pub struct Adam<S: Scalar = f32> {
    /// Learning rate.
    pub lr: f64,
    /// Decay of the first-moment estimate.
    pub beta1: f64,
    /// Decay of the second-moment estimate.
    pub beta2: f64,
    /// Added to the denominator.
    pub epsilon: f64,
    /// L2 penalty added to weight gradients (coupled).
    pub weight_decay: f64,
    decoupled: bool,
    t: u64,
    /// `(t, β₁, β₂)` and the bias corrections `1 − β₁ᵗ`, `√(1 − β₂ᵗ)`
    /// computed for them: the same for every tensor of a step.
    corrections: Option<(CorrectionKey, (f64, f64))>,
    m: SlotState<S>,
    v: SlotState<S>,
}

impl<S: Scalar> Adam<S> {
    /// Adam with the usual defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-7 (Keras').
    ///
    /// ```
    /// use ua_nn::optim::Adam;
    /// let a = Adam::<f32>::new(1e-3);
    /// assert_eq!((a.lr, a.beta1, a.beta2, a.epsilon, a.steps()), (1e-3, 0.9, 0.999, 1e-7, 0));
    /// ```
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
            decoupled: false,
            t: 0,
            corrections: None,
            m: SlotState::default(),
            v: SlotState::default(),
        }
    }
    /// Sets β₁ and β₂.
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Adam};
    /// let a = Adam::<f32>::new(0.1).betas(0.8, 0.99);
    /// assert_eq!((a.beta1, a.beta2), (0.8, 0.99));
    /// assert!(Adam::<f32>::new(0.1).betas(1.0, 0.99).validate().is_err());
    /// ```
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }
    /// Sets ε.
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Adam};
    /// assert_eq!(Adam::<f32>::new(0.1).epsilon(1e-8).epsilon, 1e-8);
    /// assert!(Adam::<f32>::new(0.1).epsilon(0.0).validate().is_err());
    /// ```
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// Sets the (coupled) L2 weight decay.
    ///
    /// ```
    /// use ua_nn::{Optimizer, Param, ParamKind, optim::Adam};
    /// // With a zero gradient, coupled decay alone drives the step: g = λ·w = 0.5.
    /// let mut opt = Adam::new(0.1).weight_decay(0.5);
    /// let mut w = vec![1.0f64];
    /// opt.begin_step();
    /// opt.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut vec![0.0] });
    /// assert!((w[0] - 0.9).abs() < 1e-6); // Adam's first step ≈ lr
    /// ```
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
    /// Steps taken so far.
    ///
    /// ```
    /// use ua_nn::{Optimizer, optim::Adam};
    /// let mut a = Adam::<f64>::new(0.1);
    /// assert_eq!(a.steps(), 0);
    /// a.begin_step();
    /// assert_eq!(a.steps(), 1);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }
}

impl<S: Scalar> Optimizer<S> for Adam<S> {
    fn validate(&self) -> Result<()> {
        let name = if self.decoupled { "adamw" } else { "adam" };
        check_lr(name, self.lr)?;
        check_range(name, "beta1", self.beta1, 0.0, 1.0)?;
        check_range(name, "beta2", self.beta2, 0.0, 1.0)?;
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(crate::error::invalid(
                name,
                format!("epsilon must be > 0, got {}", self.epsilon),
            ));
        }
        check_range(name, "weight decay", self.weight_decay, 0.0, f64::INFINITY)
    }
    fn begin_step(&mut self) {
        self.t += 1;
    }
    fn update(&mut self, slot: usize, p: Param<'_, S>) {
        let t = self.t.max(1) as i32;
        let (b1, b2) = (S::lit(self.beta1), S::lit(self.beta2));
        let (c1, c2) = (S::one() - b1, S::one() - b2);
        // Bias corrections folded into the step size and ε (PyTorch's form):
        // w −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
        let key = (t, self.beta1, self.beta2);
        let (bc1, bc2_sqrt) = match self.corrections {
            Some((k, c)) if k == key => c,
            _ => {
                let c = (1.0 - self.beta1.powi(t), (1.0 - self.beta2.powi(t)).sqrt());
                self.corrections = Some((key, c));
                c
            }
        };
        let step = S::lit(self.lr / bc1);
        let inv_bc2 = S::lit(1.0 / bc2_sqrt);
        let eps = S::lit(self.epsilon);
        let is_weight = p.kind == ParamKind::Weight;
        let wd = if is_weight {
            S::lit(self.weight_decay)
        } else {
            S::zero()
        };
        let (coupled_wd, decoupled_wd) = if self.decoupled {
            (S::zero(), S::lit(self.lr) * wd)
        } else {
            (wd, S::zero())
        };
        let len = p.value.len();
        let m = self.m.get(slot, len);
        let v = self.v.get(slot, len);
        let rule = AdamRule {
            b1,
            b2,
            c1,
            c2,
            step,
            inv_bc2,
            eps,
            coupled_wd,
            decoupled_wd,
        };
        adam_wide(p.value, p.grad, m, v, rule);
    }
    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}

/// What Adam's bias corrections depend on: the step and the betas.
type CorrectionKey = (i32, f64, f64);

/// The constants of one Adam step (see [`Adam`]'s `update`).
#[derive(Clone, Copy)]
struct AdamRule<S> {
    b1: S,
    b2: S,
    c1: S,
    c2: S,
    step: S,
    inv_bc2: S,
    eps: S,
    coupled_wd: S,
    decoupled_wd: S,
}

/// One Adam step over a parameter tensor: moments `m`, `v` and values `w`
/// updated in place from the gradient `grad`.
#[inline(always)]
fn adam_plain<S: Scalar>(w: &mut [S], grad: &[S], m: &mut [S], v: &mut [S], r: AdamRule<S>) {
    for (((w, &g), mi), vi) in w.iter_mut().zip(grad).zip(m.iter_mut()).zip(v.iter_mut()) {
        let g = g + r.coupled_wd * *w;
        *mi = r.b1 * *mi + r.c1 * g;
        *vi = r.b2 * *vi + r.c2 * g * g;
        *w = *w - r.decoupled_wd * *w - r.step * *mi / (vi.sqrt() * r.inv_bc2 + r.eps);
    }
}

ua_tensor::wide_fn! {
    /// [`adam_plain`] on the widest vectors the CPU has (the square root and
    /// division are exact in every copy: the same numbers).
    fn adam_wide<S: Scalar> => adam_plain(w: &mut [S], grad: &[S], m: &mut [S], v: &mut [S], r: AdamRule<S>)
}

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay
/// `w ← w − lr·λ·w` applied to weights (not biases), default λ = 0.01.
///
/// ```
/// use ua_nn::{Optimizer, Param, ParamKind, optim::AdamW};
/// let mut opt = AdamW::new(0.1, 0.5);
/// let (mut w, mut g) = (vec![1.0f64], vec![0.0]);
/// opt.begin_step();
/// opt.update(0, Param { kind: ParamKind::Weight, value: &mut w, grad: &mut g });
/// assert!((w[0] - 0.95).abs() < 1e-12); // only the decay: 1 − 0.1·0.5·1
/// ```
pub struct AdamW;

impl AdamW {
    /// An [`Adam`] with decoupled weight decay `weight_decay`.
    ///
    /// ```
    /// use ua_nn::optim::AdamW;
    /// let a = AdamW::new::<f32>(0.01, 0.1);
    /// assert_eq!((a.lr, a.weight_decay), (0.01, 0.1));
    /// ```
    #[allow(clippy::new_ret_no_self)]
    pub fn new<S: Scalar>(lr: f64, weight_decay: f64) -> Adam<S> {
        let mut a = Adam::new(lr);
        a.weight_decay = weight_decay;
        a.decoupled = true;
        a
    }
}

/// How the learning rate changes from epoch to epoch.
///
/// ```
/// use ua_nn::optim::LrSchedule;
/// let s = LrSchedule::Step { every: 10, gamma: 0.5 };
/// assert_eq!(s.rate(0.1, 0), 0.1);
/// assert_eq!(s.rate(0.1, 10), 0.05);
/// let c = LrSchedule::Cosine { epochs: 100, min_lr: 0.0 };
/// assert!((c.rate(0.1, 50) - 0.05).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum LrSchedule {
    /// The base rate throughout.
    #[default]
    Constant,
    /// Multiply by `gamma` every `every` epochs.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Decay factor.
        gamma: f64,
    },
    /// Cosine annealing from the base rate to `min_lr` over `epochs` epochs.
    Cosine {
        /// Length of the annealing.
        epochs: usize,
        /// Final learning rate.
        min_lr: f64,
    },
}

impl LrSchedule {
    /// The learning rate for 0-based `epoch` given the base rate.
    ///
    /// ```
    /// use ua_nn::optim::LrSchedule;
    /// assert_eq!(LrSchedule::Constant.rate(0.1, 99), 0.1);
    /// assert_eq!(LrSchedule::Step { every: 2, gamma: 0.5 }.rate(1.0, 5), 0.25); // two decays by epoch 5
    /// let c = LrSchedule::Cosine { epochs: 10, min_lr: 0.01 };
    /// assert_eq!(c.rate(0.1, 0), 0.1);
    /// assert!((c.rate(0.1, 10) - 0.01).abs() < 1e-15);
    /// assert!((c.rate(0.1, 20) - 0.01).abs() < 1e-15); // stays at min_lr
    /// ```
    pub fn rate(&self, base: f64, epoch: usize) -> f64 {
        match *self {
            LrSchedule::Constant => base,
            LrSchedule::Step { every, gamma } => base * gamma.powi((epoch / every.max(1)) as i32),
            LrSchedule::Cosine { epochs, min_lr } => {
                let t = (epoch.min(epochs) as f64) / (epochs.max(1) as f64);
                min_lr + 0.5 * (base - min_lr) * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }

    /// Checks the parameters.
    ///
    /// ```
    /// use ua_nn::optim::LrSchedule;
    /// assert!(LrSchedule::Step { every: 10, gamma: 0.5 }.validate().is_ok());
    /// assert!(LrSchedule::Step { every: 0, gamma: 0.5 }.validate().is_err());
    /// assert!(LrSchedule::Cosine { epochs: 5, min_lr: -1.0 }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        match *self {
            LrSchedule::Constant => Ok(()),
            LrSchedule::Step { every, gamma } => {
                if every == 0 || !(gamma.is_finite() && gamma > 0.0) {
                    return Err(crate::error::invalid(
                        "step schedule",
                        format!("needs every ≥ 1 and gamma > 0, got every {every}, gamma {gamma}"),
                    ));
                }
                Ok(())
            }
            LrSchedule::Cosine { epochs, min_lr } => {
                if epochs == 0 || !(min_lr.is_finite() && min_lr >= 0.0) {
                    return Err(crate::error::invalid(
                        "cosine schedule",
                        format!("needs epochs ≥ 1 and min_lr ≥ 0, got {epochs}, {min_lr}"),
                    ));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_corrections_follow_the_step_and_the_betas() {
        // One tensor updated at steps 1 and 2, the betas changed between two
        // tensors of step 2: each update equals a fresh optimizer's.
        let update = |opt: &mut Adam<f64>, slot| {
            let (mut w, mut g) = (vec![1.0], vec![0.5]);
            opt.update(
                slot,
                Param {
                    kind: ParamKind::Weight,
                    value: &mut w,
                    grad: &mut g,
                },
            );
            w[0]
        };
        let fresh = |beta1, beta2, steps| {
            let mut o = Adam::<f64>::new(0.1).betas(beta1, beta2);
            for _ in 0..steps {
                o.begin_step();
            }
            update(&mut o, 0)
        };
        let mut opt = Adam::<f64>::new(0.1);
        opt.begin_step();
        assert_eq!(update(&mut opt, 0), fresh(0.9, 0.999, 1));
        opt.begin_step();
        assert_eq!(update(&mut opt, 1), fresh(0.9, 0.999, 2));
        opt.beta1 = 0.5;
        assert_eq!(update(&mut opt, 2), fresh(0.5, 0.999, 2));
        opt.beta2 = 0.9;
        assert_eq!(update(&mut opt, 3), fresh(0.5, 0.9, 2));
        assert_ne!(fresh(0.5, 0.9, 2), fresh(0.5, 0.999, 2));
        // And the value is textbook Adam: m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ),
        // w −= lr·m̂/(√v̂ + ε), here after two steps with gradients 0.5, −0.25.
        let mut opt = Adam::<f64>::new(0.1).betas(0.8, 0.9);
        let mut w = vec![1.0];
        for g in [0.5, -0.25] {
            opt.begin_step();
            opt.update(
                0,
                Param {
                    kind: ParamKind::Weight,
                    value: &mut w,
                    grad: &mut [g],
                },
            );
        }
        let (mut want, mut m, mut v) = (1.0f64, 0.0f64, 0.0f64);
        for (t, g) in [(1, 0.5f64), (2, -0.25)] {
            m = 0.8 * m + 0.2 * g;
            v = 0.9 * v + 0.1 * g * g;
            let (m_hat, v_hat) = (m / (1.0 - 0.8f64.powi(t)), v / (1.0 - 0.9f64.powi(t)));
            want -= 0.1 * m_hat / (v_hat.sqrt() + 1e-7);
        }
        assert!((w[0] - want).abs() < 1e-12, "{} vs {want}", w[0]);
    }

    #[test]
    fn the_wide_adam_step_is_the_plain_one_bit_for_bit() {
        let rule = AdamRule {
            b1: 0.9f32,
            b2: 0.999,
            c1: 0.1,
            c2: 0.001,
            step: 0.01,
            inv_bc2: 31.6,
            eps: 1e-7,
            coupled_wd: 0.01,
            decoupled_wd: 0.001,
        };
        // 37 values: two 16-lane blocks and a tail.
        let val = |i: usize, s: f32| ((i * 37 + 11) % 19) as f32 / 7.0 - s;
        let start: Vec<[Vec<f32>; 4]> = (0..2)
            .map(|_| {
                [
                    (0..37).map(|i| val(i, 1.0)).collect(),
                    (0..37).map(|i| val(i + 3, 1.3)).collect(),
                    (0..37).map(|i| val(i + 5, 1.1) / 10.0).collect(),
                    (0..37).map(|i| val(i + 7, 0.0) / 100.0).collect(),
                ]
            })
            .collect();
        let [mut w1, g1, mut m1, mut v1] = start[0].clone();
        let [mut w2, g2, mut m2, mut v2] = start[1].clone();
        adam_wide(&mut w1, &g1, &mut m1, &mut v1, rule);
        adam_plain(&mut w2, &g2, &mut m2, &mut v2, rule);
        assert_eq!((&w1, &m1, &v1), (&w2, &m2, &v2));
        // And it is Adam: value 0 by hand.
        let [w0, g0, m0, v0] = &start[0];
        let g = g0[0] + 0.01 * w0[0];
        let m = 0.9 * m0[0] + 0.1 * g;
        let v = 0.999 * v0[0] + 0.001 * g * g;
        let w = w0[0] - 0.001 * w0[0] - 0.01 * m / (v.sqrt() * 31.6 + 1e-7);
        assert_eq!((w1[0], m1[0], v1[0]), (w, m, v));
    }
}
