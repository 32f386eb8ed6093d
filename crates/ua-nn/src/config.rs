//! The settings and the record of a training run: [`FitConfig`],
//! [`EarlyStopping`], [`EpochLog`], [`Control`] and [`History`].

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::class_weight::ClassWeight;
use crate::optim::LrSchedule;
use crate::{Result, Scalar};

/// When to stop training early — the one early-stopping type of the
/// workspace.
///
/// Training stops when the validation loss has not decreased by more than
/// `min_delta` for `patience` epochs. The validation loss is computed on
/// [`FitConfig::validation_data`] if given, else on the share
/// [`FitConfig::validation_fraction`] if given, else on a seeded random
/// `validation_fraction` of the rows held out by the early stopping itself.
/// Checked when `fit` starts (an `Err` names the parameter).
///
/// ```
/// use ua_nn::EarlyStopping;
/// let es = EarlyStopping::default();
/// assert_eq!((es.validation_fraction, es.patience, es.min_delta, es.restore_best), (0.1, 10, 0.0, true));
/// let es = EarlyStopping::new().patience(5).min_delta(1e-4).validation_fraction(0.2).restore_best(false);
/// assert_eq!(es.patience, 5);
/// let json = serde_json::to_string(&es).unwrap();
/// assert_eq!(serde_json::from_str::<EarlyStopping>(&json).unwrap(), es);
/// // missing fields take their defaults
/// assert_eq!(serde_json::from_str::<EarlyStopping>(r#"{"patience": 3}"#).unwrap().validation_fraction, 0.1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EarlyStopping {
    /// Share of the rows held out for validation, in (0, 1), when the fit
    /// has no validation data or fraction of its own.
    pub validation_fraction: f64,
    /// Epochs without improvement of the validation loss before stopping (≥ 1).
    pub patience: usize,
    /// Minimum decrease that counts as an improvement (≥ 0).
    pub min_delta: f64,
    /// Put back the weights of the best epoch when training ends.
    pub restore_best: bool,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            validation_fraction: 0.1,
            patience: 10,
            min_delta: 0.0,
            restore_best: true,
        }
    }
}

impl EarlyStopping {
    /// The defaults: 10 % held out, patience 10, `min_delta` 0, restore the best.
    ///
    /// ```
    /// assert_eq!(ua_nn::EarlyStopping::new(), ua_nn::EarlyStopping::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the patience.
    ///
    /// ```
    /// assert_eq!(ua_nn::EarlyStopping::new().patience(3).patience, 3);
    /// ```
    pub fn patience(mut self, epochs: usize) -> Self {
        self.patience = epochs;
        self
    }

    /// Sets the minimum improvement.
    ///
    /// ```
    /// assert_eq!(ua_nn::EarlyStopping::new().min_delta(0.01).min_delta, 0.01);
    /// ```
    pub fn min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// Sets whether the best epoch's weights are put back.
    ///
    /// ```
    /// assert!(!ua_nn::EarlyStopping::new().restore_best(false).restore_best);
    /// ```
    pub fn restore_best(mut self, restore: bool) -> Self {
        self.restore_best = restore;
        self
    }

    /// Sets the share of rows held out.
    ///
    /// ```
    /// assert_eq!(ua_nn::EarlyStopping::new().validation_fraction(0.25).validation_fraction, 0.25);
    /// ```
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.validation_fraction = fraction;
        self
    }

    /// Checks the settings; the error names the parameter.
    ///
    /// ```
    /// use ua_nn::EarlyStopping;
    /// assert!(EarlyStopping::new().validate().is_ok());
    /// let e = EarlyStopping::new().patience(0).validate().unwrap_err();
    /// assert_eq!(e.to_string(), "early stopping: invalid argument: patience must be ≥ 1, got 0");
    /// assert!(EarlyStopping::new().validation_fraction(1.0).validate().is_err());
    /// assert!(EarlyStopping::new().min_delta(f64::NAN).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(crate::error::invalid("early stopping", m));
        if self.patience == 0 {
            return bad("patience must be ≥ 1, got 0".into());
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return bad(format!(
                "min_delta must be finite and ≥ 0, got {}",
                self.min_delta
            ));
        }
        let f = self.validation_fraction;
        if !(f > 0.0 && f < 1.0) {
            return bad(format!("validation_fraction must be in (0, 1), got {f}"));
        }
        Ok(())
    }
}

/// What happened in one epoch, passed to the progress callback and kept in
/// the [`History`].
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, FitConfig, Sequential, losses::MeanSquaredError, optim::Sgd};
/// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
/// let h = m.fit(array![[1.0], [2.0]].view(), array![[2.0], [4.0]].view(), &MeanSquaredError,
///               &mut Sgd::new(0.05), FitConfig::new().epochs(2)).unwrap();
/// let log = &h.epochs[1];
/// assert_eq!((log.epoch, log.learning_rate, log.accuracy, log.val_loss), (2, 0.05, None, None));
/// ```
///
/// The wall-clock `seconds` are an observation of the run, not part of the
/// model: they are not saved (a model file depends only on the data, the
/// settings and the seed, byte for byte; a loaded log reads 0) and two logs
/// are equal when everything else is.
///
/// ```
/// use ua_nn::EpochLog;
/// let log = EpochLog { epoch: 1, loss: 0.5, accuracy: None, val_loss: None, val_accuracy: None,
///     learning_rate: 0.1, seconds: 2.5 };
/// let json = serde_json::to_string(&log).unwrap();
/// assert!(!json.contains("seconds"));
/// let back: EpochLog = serde_json::from_str(&json).unwrap();
/// assert_eq!((back.seconds, back == log), (0.0, true));
/// assert_ne!(EpochLog { loss: 0.6, ..log.clone() }, log);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Wall-clock seconds of the epoch (training and validation); not saved.
    #[serde(skip_serializing, default)]
    pub seconds: f64,
}

impl PartialEq for EpochLog {
    /// Equal training figures; `seconds` is not compared (see the type's docs).
    fn eq(&self, other: &Self) -> bool {
        self.epoch == other.epoch
            && self.loss == other.loss
            && self.accuracy == other.accuracy
            && self.val_loss == other.val_loss
            && self.val_accuracy == other.val_accuracy
            && self.learning_rate == other.learning_rate
    }
}

/// What the progress callback tells the loop.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, Control, FitConfig, Sequential, losses::MeanSquaredError, optim::Sgd};
/// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
/// let cfg = FitConfig::new().epochs(50).on_epoch(|log| if log.epoch == 3 { Control::Stop } else { Control::Continue });
/// let h = m.fit(array![[1.0]].view(), array![[1.0]].view(), &MeanSquaredError, &mut Sgd::new(0.1), cfg).unwrap();
/// assert_eq!(h.epochs.len(), 3);
/// assert!(h.stopped_early);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this epoch.
    Stop,
}

pub(crate) type Callback<'a> = Box<dyn FnMut(&EpochLog) -> Control + 'a>;

/// The settings of [`Sequential::fit`](crate::Sequential::fit). Every value
/// is checked when `fit` starts; an `Err` names the parameter.
///
/// ```
/// use ua_nn::{FitConfig, EarlyStopping};
/// let cfg = FitConfig::<f32>::new()
///     .epochs(100)
///     .batch_size(32)
///     .seed(42)
///     .validation_fraction(0.2)
///     .early_stopping(EarlyStopping::new().patience(5))
///     .on_epoch(|log| { if log.epoch % 10 == 0 { println!("{log:?}"); } ua_nn::Control::Continue });
/// assert_eq!((cfg.epochs, cfg.batch_size, cfg.seed), (100, 32, 42));
/// assert_eq!(cfg.early_stopping.unwrap().patience, 5);
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
    /// Explicit validation data (takes precedence over the fractions).
    pub validation_data: Option<(ArrayView2<'a, S>, ArrayView2<'a, S>)>,
    /// Early stopping on the validation loss.
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
    pub(crate) callback: Option<Callback<'a>>,
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
    /// The defaults: 10 epochs, batch 32, shuffled with seed 0, no
    /// validation, no penalties.
    ///
    /// ```
    /// let cfg = ua_nn::FitConfig::<f32>::new();
    /// assert_eq!((cfg.epochs, cfg.batch_size, cfg.shuffle, cfg.seed), (10, 32, true, 0));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of epochs (≥ 1).
    ///
    /// ```
    /// assert_eq!(ua_nn::FitConfig::<f32>::new().epochs(3).epochs, 3);
    /// ```
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the batch size (≥ 1; capped at the number of training rows).
    ///
    /// ```
    /// assert_eq!(ua_nn::FitConfig::<f32>::new().batch_size(256).batch_size, 256);
    /// ```
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Switches per-epoch shuffling.
    ///
    /// ```
    /// assert!(!ua_nn::FitConfig::<f32>::new().shuffle(false).shuffle);
    /// ```
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Sets the seed of shuffling and of the validation split.
    ///
    /// ```
    /// assert_eq!(ua_nn::FitConfig::<f32>::new().seed(7).seed, 7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Holds out a share of the rows, in (0, 1), for validation.
    ///
    /// ```
    /// assert_eq!(ua_nn::FitConfig::<f32>::new().validation_fraction(0.25).validation_fraction, Some(0.25));
    /// ```
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.validation_fraction = Some(fraction);
        self
    }

    /// Validates on the given data instead of held-out rows.
    ///
    /// ```
    /// use ndarray::array;
    /// let (vx, vy) = (array![[1.0f32]], array![[0.0f32]]);
    /// let cfg = ua_nn::FitConfig::new().validation_data(vx.view(), vy.view());
    /// assert_eq!(cfg.validation_data.unwrap().0.dim(), (1, 1));
    /// ```
    pub fn validation_data(mut self, x: ArrayView2<'a, S>, y: ArrayView2<'a, S>) -> Self {
        self.validation_data = Some((x, y));
        self
    }

    /// Stops early on the validation loss (see [`EarlyStopping`]).
    ///
    /// ```
    /// let cfg = ua_nn::FitConfig::<f32>::new().early_stopping(ua_nn::EarlyStopping::new());
    /// assert!(cfg.early_stopping.is_some());
    /// ```
    pub fn early_stopping(mut self, es: EarlyStopping) -> Self {
        self.early_stopping = Some(es);
        self
    }

    /// Weights the classes (see [`ClassWeight`]).
    ///
    /// ```
    /// use ua_nn::{ClassWeight, FitConfig};
    /// let cfg = FitConfig::<f32>::new().class_weight(ClassWeight::Balanced);
    /// assert_eq!(cfg.class_weight, Some(ClassWeight::Balanced));
    /// ```
    pub fn class_weight(mut self, cw: ClassWeight) -> Self {
        self.class_weight = Some(cw);
        self
    }

    /// L1 and L2 penalties on weights (both finite and ≥ 0).
    ///
    /// ```
    /// let cfg = ua_nn::FitConfig::<f32>::new().regularization(0.0, 1e-4);
    /// assert_eq!((cfg.l1, cfg.l2), (0.0, 1e-4));
    /// ```
    pub fn regularization(mut self, l1: f64, l2: f64) -> Self {
        self.l1 = l1;
        self.l2 = l2;
        self
    }

    /// Clips the global gradient norm at `max_norm` (> 0).
    ///
    /// ```
    /// assert_eq!(ua_nn::FitConfig::<f32>::new().clip_norm(1.0).clip_norm, Some(1.0));
    /// ```
    pub fn clip_norm(mut self, max_norm: f64) -> Self {
        self.clip_norm = Some(max_norm);
        self
    }

    /// Sets the learning-rate schedule.
    ///
    /// ```
    /// use ua_nn::{FitConfig, optim::LrSchedule};
    /// let s = LrSchedule::Step { every: 10, gamma: 0.5 };
    /// assert_eq!(FitConfig::<f32>::new().schedule(s).schedule, s);
    /// ```
    pub fn schedule(mut self, schedule: LrSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Calls `f` after every epoch; returning [`Control::Stop`] ends
    /// training (see [`Control`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_nn::{Activation, Control, FitConfig, Sequential, losses::MeanSquaredError, optim::Sgd};
    /// let mut m = Sequential::<f64>::builder(1).dense(1, Activation::Identity).build().unwrap();
    /// let mut rates = Vec::new();
    /// let cfg = FitConfig::new()
    ///     .epochs(3)
    ///     .on_epoch(|log| { rates.push(log.learning_rate); Control::Continue });
    /// m.fit(array![[1.0]].view(), array![[2.0]].view(), &MeanSquaredError, &mut Sgd::new(0.1), cfg).unwrap();
    /// assert_eq!(rates, [0.1, 0.1, 0.1]);
    /// ```
    pub fn on_epoch(mut self, f: impl FnMut(&EpochLog) -> Control + 'a) -> Self {
        self.callback = Some(Box::new(f));
        self
    }

    /// Checks every setting; the error names the parameter.
    ///
    /// ```
    /// use ua_nn::FitConfig;
    /// assert!(FitConfig::<f32>::new().validate().is_ok());
    /// let e = FitConfig::<f32>::new().batch_size(0).validate().unwrap_err();
    /// assert_eq!(e.to_string(), "fit: invalid argument: batch_size must be ≥ 1, got 0");
    /// assert!(FitConfig::<f32>::new().regularization(-1.0, 0.0).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(crate::error::invalid("fit", m));
        if self.epochs == 0 {
            return bad("epochs must be ≥ 1, got 0".into());
        }
        if self.batch_size == 0 {
            return bad("batch_size must be ≥ 1, got 0".into());
        }
        if let Some(f) = self.validation_fraction
            && !(f > 0.0 && f < 1.0)
        {
            return bad(format!("validation_fraction must be in (0, 1), got {f}"));
        }
        for (name, v) in [("l1", self.l1), ("l2", self.l2)] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(format!("{name} penalty must be finite and ≥ 0, got {v}"));
            }
        }
        if let Some(c) = self.clip_norm
            && !(c.is_finite() && c > 0.0)
        {
            return bad(format!("clip_norm must be finite and > 0, got {c}"));
        }
        if let Some(es) = &self.early_stopping {
            es.validate()?;
        }
        if let Some(ClassWeight::Manual(w)) = &self.class_weight {
            crate::class_weight::check_manual("class weights", w)?;
        }
        self.schedule.validate()
    }
}

/// The per-epoch record of a training run.
///
/// ```
/// use ndarray::array;
/// use ua_nn::{Activation, FitConfig, History, Sequential, losses::BinaryCrossEntropy, optim::Adam};
/// let (x, y) = (array![[-1.0f32], [1.0]], array![[0.0f32], [1.0]]);
/// let mut m = Sequential::<f32>::builder(1).dense(1, Activation::Sigmoid).build().unwrap();
/// let h: History = m.fit(x.view(), y.view(), &BinaryCrossEntropy::new(), &mut Adam::new(0.1),
///                        FitConfig::new().epochs(5).validation_data(x.view(), y.view())).unwrap();
/// assert_eq!((h.loss().len(), h.val_loss().len(), h.accuracy().len(), h.val_accuracy().len()), (5, 5, 5, 5));
/// assert!(h.loss()[4] < h.loss()[0]);
/// assert_eq!(h.val_accuracy()[4], 1.0);
/// assert!(!h.stopped_early && !h.restored_best);
/// ```
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
    ///
    /// ```
    /// use ua_nn::{EpochLog, History};
    /// let log = |loss, val: Option<f64>| EpochLog {
    ///     epoch: 1, loss, accuracy: val.map(|v| 1.0 - v), val_loss: val, val_accuracy: val.map(|v| 1.0 - v / 2.0),
    ///     learning_rate: 0.1, seconds: 0.0,
    /// };
    /// let h = History { epochs: vec![log(0.9, Some(0.5)), log(0.4, None)], ..Default::default() };
    /// assert_eq!(h.loss(), [0.9, 0.4]);
    /// ```
    pub fn loss(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.loss).collect()
    }
    /// Validation loss per epoch (empty without validation).
    ///
    /// ```
    /// use ua_nn::{EpochLog, History};
    /// let log = |loss, val: Option<f64>| EpochLog {
    ///     epoch: 1, loss, accuracy: val.map(|v| 1.0 - v), val_loss: val, val_accuracy: val.map(|v| 1.0 - v / 2.0),
    ///     learning_rate: 0.1, seconds: 0.0,
    /// };
    /// let h = History { epochs: vec![log(0.9, Some(0.5)), log(0.4, None)], ..Default::default() };
    /// assert_eq!(h.val_loss(), [0.5]); // the epoch without validation has none
    /// ```
    pub fn val_loss(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.val_loss).collect()
    }
    /// Training accuracy per epoch (empty for regression losses).
    ///
    /// ```
    /// use ua_nn::{EpochLog, History};
    /// let log = |loss, val: Option<f64>| EpochLog {
    ///     epoch: 1, loss, accuracy: val.map(|v| 1.0 - v), val_loss: val, val_accuracy: val.map(|v| 1.0 - v / 2.0),
    ///     learning_rate: 0.1, seconds: 0.0,
    /// };
    /// let h = History { epochs: vec![log(0.9, Some(0.5)), log(0.4, None)], ..Default::default() };
    /// assert_eq!(h.accuracy(), [0.5]);
    /// ```
    pub fn accuracy(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.accuracy).collect()
    }
    /// Validation accuracy per epoch.
    ///
    /// ```
    /// use ua_nn::{EpochLog, History};
    /// let log = |loss, val: Option<f64>| EpochLog {
    ///     epoch: 1, loss, accuracy: val.map(|v| 1.0 - v), val_loss: val, val_accuracy: val.map(|v| 1.0 - v / 2.0),
    ///     learning_rate: 0.1, seconds: 0.0,
    /// };
    /// let h = History { epochs: vec![log(0.9, Some(0.5)), log(0.4, None)], ..Default::default() };
    /// assert_eq!(h.val_accuracy(), [0.75]);
    /// ```
    pub fn val_accuracy(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.val_accuracy).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_stopping_bounds_are_exact() {
        let ok = |es: EarlyStopping| es.validate().is_ok();
        assert!(ok(EarlyStopping::new().patience(1)));
        assert!(!ok(EarlyStopping::new().patience(0)));
        assert!(ok(EarlyStopping::new().min_delta(0.0)));
        for bad in [-0.1, f64::INFINITY, f64::NAN] {
            assert!(!ok(EarlyStopping::new().min_delta(bad)), "min_delta {bad}");
        }
        assert!(ok(EarlyStopping::new().validation_fraction(1e-9)));
        assert!(ok(EarlyStopping::new().validation_fraction(0.999)));
        for bad in [0.0, 1.0, -0.5, f64::NAN] {
            let e = EarlyStopping::new().validation_fraction(bad).validate();
            let e = e.unwrap_err().to_string();
            assert!(e.contains("validation_fraction must be in (0, 1)"), "{e}");
        }
    }

    #[test]
    fn fit_config_bounds_are_exact_and_errors_name_the_parameter() {
        let err = |c: FitConfig<'_, f32>| c.validate().unwrap_err().to_string();
        let ok = |c: FitConfig<'_, f32>| c.validate().is_ok();
        assert!(ok(FitConfig::new().epochs(1).batch_size(1)));
        assert!(err(FitConfig::new().epochs(0)).contains("epochs must be ≥ 1"));
        assert!(ok(FitConfig::new().validation_fraction(1e-9)));
        assert!(ok(FitConfig::new().validation_fraction(0.999)));
        for bad in [0.0, 1.0, f64::NAN] {
            let e = err(FitConfig::new().validation_fraction(bad));
            assert!(e.contains("validation_fraction must be in (0, 1)"), "{e}");
        }
        assert!(ok(FitConfig::new().regularization(0.0, 0.5)));
        for bad in [-1e-9, f64::INFINITY, f64::NAN] {
            assert!(err(FitConfig::new().regularization(bad, 0.0)).contains("l1 penalty"));
            assert!(err(FitConfig::new().regularization(0.0, bad)).contains("l2 penalty"));
        }
        assert!(ok(FitConfig::new().clip_norm(1e-9)));
        for bad in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            let e = err(FitConfig::new().clip_norm(bad));
            assert!(e.contains("clip_norm must be finite and > 0"), "{e}");
        }
        let e = err(FitConfig::new().early_stopping(EarlyStopping::new().patience(0)));
        assert!(e.starts_with("early stopping:"), "{e}");
        let e = err(FitConfig::new().class_weight(ClassWeight::binary(0.0, 0.0)));
        assert!(e.contains("sum to 0"), "{e}");
        assert!(ok(FitConfig::new().class_weight(ClassWeight::Balanced)));
        let e = err(FitConfig::new().schedule(LrSchedule::Step {
            every: 0,
            gamma: 0.5,
        }));
        assert!(e.contains("step schedule"), "{e}");
    }
}
