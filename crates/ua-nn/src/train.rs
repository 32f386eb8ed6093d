//! The training loop: [`FitConfig`], [`Sequential::fit`] and [`History`].
//!
//! One step gathers a shuffled mini-batch into a buffer, runs the layers
//! forward, writes the loss gradient into a buffer, back-propagates, then
//! lets the optimizer update every parameter in place. After the first step
//! nothing is allocated.

use std::time::Instant;

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use ua_tensor::init::seeded_rng;

use crate::layer::{Mode, ParamKind};
use crate::losses::Loss;
use crate::optim::{LrSchedule, Optimizer};
use crate::sequential::Sequential;
use crate::{Result, Scalar};

/// Per-class weights for the loss.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassWeight {
    /// `n / (n_classes · count(class))`, as scikit-learn's `"balanced"`.
    Balanced,
    /// One weight per class (index = class; for one output column, `[w0, w1]`).
    Manual(Vec<f64>),
}

/// When to stop training early.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement of the validation loss before stopping.
    pub patience: usize,
    /// Minimum decrease that counts as an improvement.
    pub min_delta: f64,
    /// Put back the weights of the best epoch when training ends.
    pub restore_best: bool,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            patience: 10,
            min_delta: 0.0,
            restore_best: true,
        }
    }
}

/// What happened in one epoch, passed to the progress callback and kept in
/// the [`History`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (with regularisation).
    pub loss: f64,
    /// Training accuracy over the epoch's batches (classification losses).
    pub accuracy: Option<f64>,
    /// Validation loss, when validation data is used.
    pub val_loss: Option<f64>,
    /// Validation accuracy, when validation data is used.
    pub val_accuracy: Option<f64>,
    /// Learning rate used in the epoch.
    pub learning_rate: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
}

/// What the progress callback tells the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this epoch.
    Stop,
}

type Callback<'a> = Box<dyn FnMut(&EpochLog) -> Control + 'a>;

/// The settings of [`Sequential::fit`]. Every value is checked when `fit` starts.
///
/// ```
/// use ua_nn::{FitConfig, EarlyStopping};
/// let cfg = FitConfig::<f32>::new()
///     .epochs(100)
///     .batch_size(32)
///     .seed(42)
///     .validation_fraction(0.2)
///     .early_stopping(EarlyStopping { patience: 5, ..Default::default() })
///     .on_epoch(|log| { if log.epoch % 10 == 0 { println!("{log:?}"); } ua_nn::Control::Continue });
/// assert_eq!(cfg.batch_size, 32);
/// ```
pub struct FitConfig<'a, S: Scalar> {
    /// Passes over the training data.
    pub epochs: usize,
    /// Rows per mini-batch.
    pub batch_size: usize,
    /// Shuffle rows every epoch.
    pub shuffle: bool,
    /// Seed for shuffling and the validation split.
    pub seed: u64,
    /// Share of the training rows held out for validation (seeded random rows).
    pub validation_fraction: Option<f64>,
    /// Explicit validation data (takes precedence over the fraction).
    pub validation_data: Option<(ArrayView2<'a, S>, ArrayView2<'a, S>)>,
    /// Early stopping on the validation loss (needs validation data).
    pub early_stopping: Option<EarlyStopping>,
    /// Class weights, turned into per-row weights of the loss.
    pub class_weight: Option<ClassWeight>,
    /// L1 penalty on weights: adds `l1·Σ|w|` to the loss.
    pub l1: f64,
    /// L2 penalty on weights: adds `l2·Σw²` to the loss (Keras' convention).
    pub l2: f64,
    /// Rescale all gradients so their global L2 norm is at most this.
    pub clip_norm: Option<f64>,
    /// Learning-rate schedule over epochs (base = the optimizer's rate).
    pub schedule: LrSchedule,
    callback: Option<Callback<'a>>,
}

impl<S: Scalar> Default for FitConfig<'_, S> {
    fn default() -> Self {
        FitConfig {
            epochs: 10,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            validation_fraction: None,
            validation_data: None,
            early_stopping: None,
            class_weight: None,
            l1: 0.0,
            l2: 0.0,
            clip_norm: None,
            schedule: LrSchedule::Constant,
            callback: None,
        }
    }
}

impl<'a, S: Scalar> FitConfig<'a, S> {
    /// The defaults: 10 epochs, batch 32, shuffled with seed 0.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the number of epochs.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }
    /// Sets the batch size.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Switches per-epoch shuffling.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Holds out a share of the rows for validation.
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.validation_fraction = Some(fraction);
        self
    }
    /// Validates on the given data.
    pub fn validation_data(mut self, x: ArrayView2<'a, S>, y: ArrayView2<'a, S>) -> Self {
        self.validation_data = Some((x, y));
        self
    }
    /// Stops early on the validation loss.
    pub fn early_stopping(mut self, es: EarlyStopping) -> Self {
        self.early_stopping = Some(es);
        self
    }
    /// Weights the classes.
    pub fn class_weight(mut self, cw: ClassWeight) -> Self {
        self.class_weight = Some(cw);
        self
    }
    /// L1 and L2 penalties on weights.
    pub fn regularization(mut self, l1: f64, l2: f64) -> Self {
        self.l1 = l1;
        self.l2 = l2;
        self
    }
    /// Clips the global gradient norm.
    pub fn clip_norm(mut self, max_norm: f64) -> Self {
        self.clip_norm = Some(max_norm);
        self
    }
    /// Sets the learning-rate schedule.
    pub fn schedule(mut self, schedule: LrSchedule) -> Self {
        self.schedule = schedule;
        self
    }
    /// Calls `f` after every epoch; returning [`Control::Stop`] ends training.
    pub fn on_epoch(mut self, f: impl FnMut(&EpochLog) -> Control + 'a) -> Self {
        self.callback = Some(Box::new(f));
        self
    }

    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(crate::error::invalid("fit", m));
        if self.epochs == 0 {
            return bad("epochs must be ≥ 1".into());
        }
        if self.batch_size == 0 {
            return bad("batch size must be ≥ 1".into());
        }
        if let Some(f) = self.validation_fraction
            && !(f > 0.0 && f < 1.0)
        {
            return bad(format!("validation fraction must be in (0, 1), got {f}"));
        }
        for (name, v) in [("l1", self.l1), ("l2", self.l2)] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(format!("{name} penalty must be ≥ 0, got {v}"));
            }
        }
        if let Some(c) = self.clip_norm
            && !(c.is_finite() && c > 0.0)
        {
            return bad(format!("clip norm must be > 0, got {c}"));
        }
        if self.early_stopping.is_some()
            && self.validation_fraction.is_none()
            && self.validation_data.is_none()
        {
            return bad("early stopping needs validation data or a validation fraction".into());
        }
        self.schedule.validate()
    }
}

/// The per-epoch record of a training run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One entry per epoch run.
    pub epochs: Vec<EpochLog>,
    /// 1-based epoch with the lowest validation loss (or training loss
    /// without validation).
    pub best_epoch: usize,
    /// Whether early stopping (or the callback) ended training.
    pub stopped_early: bool,
    /// Whether the best epoch's weights were put back at the end.
    pub restored_best: bool,
}

impl History {
    /// Training loss per epoch.
    pub fn loss(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.loss).collect()
    }
    /// Validation loss per epoch (empty without validation).
    pub fn val_loss(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.val_loss).collect()
    }
    /// Training accuracy per epoch (empty for regression losses).
    pub fn accuracy(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.accuracy).collect()
    }
    /// Validation accuracy per epoch.
    pub fn val_accuracy(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.val_accuracy).collect()
    }
}

/// Regularisation and clipping applied in every step.
struct Penalties {
    l1: f64,
    l2: f64,
    clip_norm: Option<f64>,
}

/// Copies rows `rows` of `src` into the first rows of `dst` (a plain
/// `memcpy` per row when both are row-major).
fn gather_rows<S: Scalar>(src: ArrayView2<'_, S>, rows: &[usize], dst: &mut Array2<S>) {
    let d = src.ncols();
    match (src.as_slice(), dst.as_slice_mut()) {
        (Some(s), Some(t)) => {
            for (r, &i) in rows.iter().enumerate() {
                t[r * d..(r + 1) * d].copy_from_slice(&s[i * d..(i + 1) * d]);
            }
        }
        _ => {
            for (r, &i) in rows.iter().enumerate() {
                dst.row_mut(r).assign(&src.row(i));
            }
        }
    }
}

/// Row weights from class weights (targets: one column of 0/1, or one-hot
/// rows). "Balanced" weights count classes over `counted_rows` only (the
/// training rows, not the held-out validation rows).
fn row_weights<S: Scalar>(
    y: ArrayView2<'_, S>,
    cw: &ClassWeight,
    counted_rows: &[usize],
) -> Result<Array1<S>> {
    let n_classes = if y.ncols() == 1 { 2 } else { y.ncols() };
    let class_of = |row: ndarray::ArrayView1<'_, S>| -> usize {
        if row.len() == 1 {
            usize::from(row[0] >= S::lit(0.5))
        } else {
            row.iter()
                .enumerate()
                .fold((0, S::neg_infinity()), |(bi, bv), (i, &v)| {
                    if v > bv { (i, v) } else { (bi, bv) }
                })
                .0
        }
    };
    let classes: Vec<usize> = y.axis_iter(Axis(0)).map(class_of).collect();
    let weights: Vec<f64> = match cw {
        ClassWeight::Manual(w) => {
            if w.len() != n_classes {
                return Err(crate::error::shape(
                    "class weights",
                    format!("{n_classes} weights (one per class)"),
                    w.len(),
                ));
            }
            if let Some(bad) = w.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(crate::error::invalid(
                    "class weights",
                    format!("weights must be finite and ≥ 0, got {bad}"),
                ));
            }
            w.clone()
        }
        ClassWeight::Balanced => {
            let mut counts = vec![0usize; n_classes];
            counted_rows.iter().for_each(|&i| counts[classes[i]] += 1);
            let n = counted_rows.len() as f64;
            counts
                .iter()
                .map(|&c| {
                    if c == 0 {
                        0.0
                    } else {
                        n / (n_classes as f64 * c as f64)
                    }
                })
                .collect()
        }
    };
    Ok(classes.iter().map(|&c| S::lit(weights[c])).collect())
}

impl<S: Scalar> Sequential<S> {
    /// Trains the model on `(x, y)` (`y` has one column per output) with
    /// `loss` and `optimizer`, as `config` says. Returns the per-epoch history.
    ///
    /// Errors before training on bad settings or data (shapes, NaN, empty
    /// input); stops with [`Error::Diverged`](crate::Error::Diverged) naming
    /// the epoch and batch if the loss becomes NaN or infinite.
    ///
    /// ```
    /// use ndarray::{Array2, array};
    /// use ua_nn::{Activation, FitConfig, Sequential, losses::MeanSquaredError, optim::Sgd};
    /// // learn y = 2x
    /// let x = Array2::from_shape_fn((64, 1), |(i, _)| i as f64 / 64.0);
    /// let y = x.mapv(|v| 2.0 * v);
    /// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
    /// let h = m.fit(x.view(), y.view(), &MeanSquaredError, &mut Sgd::new(0.5), FitConfig::new().epochs(200)).unwrap();
    /// assert!(h.loss().last().unwrap() < &1e-6);
    /// ```
    pub fn fit(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        loss: &dyn Loss<S>,
        optimizer: &mut dyn Optimizer<S>,
        mut config: FitConfig<'_, S>,
    ) -> Result<History> {
        config.validate()?;
        optimizer.validate()?;
        self.check_x("fit", &x)?;
        if y.dim() != (x.nrows(), self.output_dim) {
            return Err(crate::error::shape(
                "fit targets",
                format!(
                    "{:?} (rows of x × model outputs)",
                    (x.nrows(), self.output_dim)
                ),
                format!("{:?}", y.dim()),
            ));
        }
        ua_tensor::check::ensure_finite("fit targets", &y)?;
        if let Some((vx, vy)) = &config.validation_data {
            self.check_x("validation data", vx)?;
            if vy.dim() != (vx.nrows(), self.output_dim) {
                return Err(crate::error::shape(
                    "validation targets",
                    format!("{:?}", (vx.nrows(), self.output_dim)),
                    format!("{:?}", vy.dim()),
                ));
            }
            ua_tensor::check::ensure_finite("validation targets", vy)?;
        }

        // Rows used for training vs the held-out validation share.
        let mut rng = seeded_rng(config.seed);
        let mut train_rows: Vec<usize> = (0..x.nrows()).collect();
        let mut val_rows: Vec<usize> = Vec::new();
        if config.validation_data.is_none()
            && let Some(f) = config.validation_fraction
        {
            train_rows.shuffle(&mut rng);
            let n_val = ((x.nrows() as f64) * f).round() as usize;
            if n_val == 0 || n_val >= x.nrows() {
                return Err(crate::error::invalid(
                    "fit",
                    format!(
                        "validation fraction {f} of {} rows leaves no training or no validation rows",
                        x.nrows()
                    ),
                ));
            }
            val_rows = train_rows.split_off(x.nrows() - n_val);
            val_rows.sort_unstable();
            train_rows.sort_unstable();
        }
        let held_out: Option<(Array2<S>, Array2<S>)> = (!val_rows.is_empty())
            .then(|| (x.select(Axis(0), &val_rows), y.select(Axis(0), &val_rows)));
        let weights: Option<Array1<S>> = match &config.class_weight {
            Some(cw) => Some(row_weights(y, cw, &train_rows)?),
            None => None,
        };

        let bs = config.batch_size.min(train_rows.len());
        let (d, k) = (x.ncols(), y.ncols());
        let mut xb = Array2::<S>::zeros((bs, d));
        let mut yb = Array2::<S>::zeros((bs, k));
        let mut wb = Array1::<S>::zeros(bs);
        let penalties = Penalties {
            l1: config.l1,
            l2: config.l2,
            clip_norm: config.clip_norm,
        };
        let base_lr = optimizer.learning_rate();
        let n_params_tensors = {
            let mut c = 0;
            self.visit_params(&mut |_, _| c += 1);
            c
        };
        let mut best_weights: Vec<Vec<S>> = vec![Vec::new(); n_params_tensors];
        let mut best: Option<(f64, usize)> = None;
        let mut since_best = 0usize;
        let mut history = History::default();
        self.zero_grad();

        for epoch in 1..=config.epochs {
            let t0 = Instant::now();
            let lr = config.schedule.rate(base_lr, epoch - 1);
            optimizer.set_learning_rate(lr);
            if config.shuffle {
                train_rows.shuffle(&mut rng);
            }
            let (mut loss_sum, mut acc_sum, mut has_acc, mut seen) = (0.0f64, 0.0f64, true, 0usize);
            for (bi, chunk) in train_rows.chunks(bs).enumerate() {
                let m = chunk.len();
                // Gather the batch into the preallocated buffers.
                gather_rows(x, chunk, &mut xb);
                gather_rows(y, chunk, &mut yb);
                if let Some(w) = &weights {
                    for (r, &i) in chunk.iter().enumerate() {
                        wb[r] = w[i];
                    }
                }
                let (xv, yv) = (xb.slice(s![..m, ..]), yb.slice(s![..m, ..]));
                let wv = weights.as_ref().map(|_| wb.slice(s![..m]));
                let (l, acc) = self
                    .step(xv, yv, wv, loss, optimizer, &penalties)
                    .map_err(|e| match e {
                        crate::Error::Diverged { value, .. } => crate::Error::Diverged {
                            epoch,
                            batch: bi + 1,
                            value,
                        },
                        other => other,
                    })?;
                match acc {
                    Some(a) => acc_sum += a * m as f64,
                    None => has_acc = false,
                }
                loss_sum += l * m as f64;
                seen += m;
            }
            let val = match (&config.validation_data, &held_out) {
                (Some((vx, vy)), _) => Some(self.evaluate_weighted(*vx, *vy, None, loss)?),
                (None, Some((vx, vy))) => {
                    Some(self.evaluate_weighted(vx.view(), vy.view(), None, loss)?)
                }
                _ => None,
            };
            let log = EpochLog {
                epoch,
                loss: loss_sum / seen as f64,
                accuracy: has_acc.then_some(acc_sum / seen as f64),
                val_loss: val.map(|v| v.0),
                val_accuracy: val.and_then(|v| v.1),
                learning_rate: lr,
                seconds: t0.elapsed().as_secs_f64(),
            };
            let monitored = log.val_loss.unwrap_or(log.loss);
            let min_delta = config.early_stopping.as_ref().map_or(0.0, |e| e.min_delta);
            let improved = best.is_none_or(|(b, _)| monitored < b - min_delta);
            if improved {
                best = Some((monitored, epoch));
                since_best = 0;
                if config
                    .early_stopping
                    .as_ref()
                    .is_some_and(|e| e.restore_best)
                {
                    self.visit_params(&mut |slot, p| {
                        best_weights[slot].clear();
                        best_weights[slot].extend_from_slice(p.value);
                    });
                }
            } else {
                since_best += 1;
            }
            let mut stop = false;
            if let Some(cb) = config.callback.as_mut() {
                stop = cb(&log) == Control::Stop;
            }
            history.epochs.push(log);
            if let Some(es) = &config.early_stopping
                && since_best >= es.patience
            {
                stop = true;
            }
            if stop {
                history.stopped_early = epoch < config.epochs;
                break;
            }
        }
        history.best_epoch = best.map_or(0, |b| b.1);
        if let Some(es) = &config.early_stopping
            && es.restore_best
            && history.best_epoch != history.epochs.len()
        {
            self.visit_params(&mut |slot, p| p.value.copy_from_slice(&best_weights[slot]));
            history.restored_best = true;
        }
        Ok(history)
    }

    /// One optimisation step on one batch: forward, loss, backward,
    /// penalties, clipping, update. Returns the batch loss (with penalties).
    ///
    /// For custom training loops; [`fit`](Self::fit) calls the same code.
    /// After the first call with a given batch size nothing is allocated.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Sequential, losses::MeanSquaredError, optim::Sgd};
    /// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
    /// let mut opt = Sgd::new(0.1);
    /// let (x, y) = (array![[1.0], [2.0]], array![[2.0], [4.0]]);
    /// let first = m.train_batch(x.view(), y.view(), &MeanSquaredError, &mut opt).unwrap();
    /// for _ in 0..100 { m.train_batch(x.view(), y.view(), &MeanSquaredError, &mut opt).unwrap(); }
    /// assert!(m.train_batch(x.view(), y.view(), &MeanSquaredError, &mut opt).unwrap() < first);
    /// ```
    pub fn train_batch(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        loss: &dyn Loss<S>,
        optimizer: &mut dyn Optimizer<S>,
    ) -> Result<f64> {
        self.check_x("train_batch", &x)?;
        if y.dim() != (x.nrows(), self.output_dim) {
            return Err(crate::error::shape(
                "train_batch targets",
                format!("{:?}", (x.nrows(), self.output_dim)),
                format!("{:?}", y.dim()),
            ));
        }
        ua_tensor::check::ensure_finite("train_batch targets", &y)?;
        let none = Penalties {
            l1: 0.0,
            l2: 0.0,
            clip_norm: None,
        };
        Ok(self.step(x, y, None, loss, optimizer, &none)?.0)
    }

    fn step(
        &mut self,
        x: ArrayView2<'_, S>,
        y: ArrayView2<'_, S>,
        w: Option<ndarray::ArrayView1<'_, S>>,
        loss: &dyn Loss<S>,
        optimizer: &mut dyn Optimizer<S>,
        penalties: &Penalties,
    ) -> Result<(f64, Option<f64>)> {
        let (m, k) = y.dim();
        let mut grad = crate::layer::rows_of(&mut self.loss_grad, m, k);
        let pred = Self::forward_batch(&mut self.layers, x, Mode::Train)?;
        let mut l = loss
            .loss_and_grad_into(pred, y, w, grad.view_mut())?
            .as_f64();
        let acc = loss.accuracy(pred, y);
        Self::backward_batch(&mut self.layers, x, grad.view())?;
        l += self.apply_penalties(penalties.l1, penalties.l2);
        if !l.is_finite() {
            self.zero_grad();
            return Err(crate::Error::Diverged {
                epoch: 0,
                batch: 0,
                value: format!("{l}"),
            });
        }
        if let Some(c) = penalties.clip_norm {
            self.clip_gradients(c);
        }
        optimizer.begin_step();
        self.visit_params(&mut |slot, p| {
            optimizer.update(
                slot,
                Param {
                    kind: p.kind,
                    value: &mut *p.value,
                    grad: &mut *p.grad,
                },
            );
            p.grad.fill(S::zero());
        });
        Ok((l, acc))
    }

    /// Adds the L1/L2 penalty gradients to weight gradients; returns the
    /// penalty added to the loss.
    fn apply_penalties(&mut self, l1: f64, l2: f64) -> f64 {
        if l1 == 0.0 && l2 == 0.0 {
            return 0.0;
        }
        let (a, b) = (S::lit(l1), S::lit(2.0 * l2));
        let mut penalty = 0.0;
        self.visit_params(&mut |_, p| {
            if p.kind == ParamKind::Weight {
                for (g, &w) in p.grad.iter_mut().zip(p.value.iter()) {
                    let sign = if w > S::zero() {
                        S::one()
                    } else if w < S::zero() {
                        -S::one()
                    } else {
                        S::zero()
                    };
                    *g = *g + a * sign + b * w;
                    penalty += l1 * w.as_f64().abs() + l2 * w.as_f64() * w.as_f64();
                }
            }
        });
        penalty
    }

    /// Scales all gradients so their global L2 norm is at most `max_norm`.
    fn clip_gradients(&mut self, max_norm: f64) {
        let mut sq = 0.0f64;
        self.visit_params(&mut |_, p| {
            sq += p.grad.iter().map(|g| g.as_f64() * g.as_f64()).sum::<f64>()
        });
        let norm = sq.sqrt();
        if norm > max_norm {
            let f = S::lit(max_norm / norm);
            self.visit_params(&mut |_, p| p.grad.iter_mut().for_each(|g| *g = *g * f));
        }
    }
}

use crate::layer::Param;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn balanced_weights_count_only_the_training_rows() {
        // Rows 0..4 train (1 positive, 3 negatives); rows 4, 5 are held out.
        let y = array![[1.0f64], [0.0], [0.0], [0.0], [1.0], [1.0]];
        let w = row_weights(y.view(), &ClassWeight::Balanced, &[0, 1, 2, 3]).unwrap();
        // n / (2 · count): positives 4 / 2 = 2, negatives 4 / 6.
        assert_eq!(w[0], 2.0);
        assert!((w[1] - 4.0 / 6.0).abs() < 1e-15);
        assert_eq!(w[4], 2.0);
        let e = row_weights(y.view(), &ClassWeight::Manual(vec![1.0]), &[0]).unwrap_err();
        assert!(e.to_string().contains("2 weights"), "{e}");
    }
}
