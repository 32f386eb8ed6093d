//! A multi-layer perceptron classifier on [`ua_nn`]: the design document's
//! network (Dense/ReLU/Dropout, sigmoid output, binary cross-entropy, Adam)
//! with early stopping, class weights and a seed.
//!
//! Inputs should be scaled (the propensity model's pipeline does that).

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use ua_nn::losses::BinaryCrossEntropy;
use ua_nn::optim::Adam;
use ua_nn::{Activation, ClassWeight, EarlyStopping, FitConfig, History, Sequential};

use super::{check_scoring_data, check_training_data, invalid};
use crate::error::parameter;
use crate::pipeline::check_feature_range;
use crate::{Classifier, Predictor, Result};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::persist::Persist;

/// The widest hidden layer [`MlpClassifier`] accepts (checked before any
/// weight is allocated).
pub const MAX_UNITS: usize = 1 << 16;

/// Hyper-parameters of the MLP classifier. The defaults are the design
/// document's network: Dense(64, ReLU) → Dropout(0.5) → Dense(32, ReLU) →
/// Dropout(0.5) → Dense(1, sigmoid), Adam(1e-3), batch 32, up to 100 epochs
/// with early stopping, seed 42.
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::MlpClassifier;
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0);
/// let y: Vec<u8> = x.rows().into_iter().map(|r| u8::from(r[0] > r[1])).collect();
/// let model = MlpClassifier::new().hidden(&[16]).dropout(0.0).learning_rate(0.01)
///     .epochs(50).fit(x.view(), &y).unwrap();
/// let p = model.predict(x.view(), 0.5).unwrap();
/// let acc = p.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / 200.0;
/// assert!(acc > 0.9, "{acc}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpClassifier {
    /// Units of each hidden ReLU layer. Default `[64, 32]`.
    pub hidden: Vec<usize>,
    /// Dropout rate after each hidden layer, in [0, 1). Default 0.5.
    pub dropout: f64,
    /// Adam's learning rate. Default 1e-3.
    pub learning_rate: f64,
    /// Most passes over the training rows. Default 100.
    pub epochs: usize,
    /// Rows per mini-batch. Default 32.
    pub batch_size: usize,
    /// Early stopping; `None` trains all epochs on all rows.
    pub early_stopping: Option<EarlyStopping>,
    /// Class weights in the loss; `None`: every row weighs 1.
    pub class_weight: Option<ClassWeight>,
    /// L2 penalty on the weights (`l2·Σw²` added to the loss). Default 0.
    pub l2: f64,
    /// Seed of the initial weights, dropout masks, shuffling and validation split.
    pub seed: u64,
}

impl Default for MlpClassifier {
    fn default() -> Self {
        MlpClassifier {
            hidden: vec![64, 32],
            dropout: 0.5,
            learning_rate: 1e-3,
            epochs: 100,
            batch_size: 32,
            early_stopping: Some(EarlyStopping::default()),
            class_weight: None,
            l2: 0.0,
            seed: 42,
        }
    }
}

/// A trained MLP classifier and its training history.
///
/// The network is kept behind a mutex because inference reuses buffers;
/// scoring from several threads is safe (calls take turns).
/// Serialise it with serde: the saved form holds the hyper-parameters, the
/// history and `ua-nn`'s versioned model file, and predicts identically
/// after loading.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::{FittedMlpClassifier, MlpClassifier};
/// let x = array![[0.0f32], [1.0], [0.1], [0.9]];
/// let m = MlpClassifier::new().hidden(&[4]).early_stopping(None).epochs(3)
///     .fit(x.view(), &[0, 1, 0, 1]).unwrap();
/// let json = serde_json::to_string(&m).unwrap();
/// let back: FittedMlpClassifier = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.predict_proba(x.view()).unwrap(), m.predict_proba(x.view()).unwrap());
/// ```
#[derive(Debug, Serialize, Deserialize)]
pub struct FittedMlpClassifier {
    params: MlpClassifier,
    n_features: usize,
    history: History,
    network: Sequential<f32>,
}

impl MlpClassifier {
    /// The defaults (see the type's docs).
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().hidden, vec![64, 32]);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the hidden layer widths.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().hidden(&[8]).hidden, vec![8]);
    /// ```
    pub fn hidden(mut self, units: &[usize]) -> Self {
        self.hidden = units.to_vec();
        self
    }

    /// Sets the dropout rate.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().dropout(0.2).dropout, 0.2);
    /// ```
    pub fn dropout(mut self, rate: f64) -> Self {
        self.dropout = rate;
        self
    }

    /// Sets Adam's learning rate.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().learning_rate(0.01).learning_rate, 0.01);
    /// ```
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.learning_rate = lr;
        self
    }

    /// Sets the epoch limit.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().epochs(5).epochs, 5);
    /// ```
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the mini-batch size.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().batch_size(64).batch_size, 64);
    /// ```
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets (or with `None` switches off) early stopping.
    ///
    /// ```
    /// assert!(ua_analytics::prediction::MlpClassifier::new().early_stopping(None).early_stopping.is_none());
    /// ```
    pub fn early_stopping(mut self, es: Option<EarlyStopping>) -> Self {
        self.early_stopping = es;
        self
    }

    /// Sets class weights.
    ///
    /// ```
    /// use ua_analytics::prediction::MlpClassifier;
    /// use ua_nn::ClassWeight;
    /// let m = MlpClassifier::new().class_weight(ClassWeight::Balanced);
    /// assert_eq!(m.class_weight, Some(ClassWeight::Balanced));
    /// ```
    pub fn class_weight(mut self, cw: ClassWeight) -> Self {
        self.class_weight = Some(cw);
        self
    }

    /// Sets the L2 penalty on weights.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().l2(1e-4).l2, 1e-4);
    /// ```
    pub fn l2(mut self, l2: f64) -> Self {
        self.l2 = l2;
        self
    }

    /// Sets the seed.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::MlpClassifier::new().seed(7).seed, 7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<()> {
        const OP: &str = "MlpClassifier::fit";
        if let Some(&w) = self.hidden.iter().find(|&&w| w == 0 || w > MAX_UNITS) {
            return Err(parameter(
                OP,
                "hidden",
                format!("layer widths must be in 1..={MAX_UNITS}, got {w}"),
            ));
        }
        check_dropout(OP, self.dropout)?;
        self.training().check(OP)?;
        Ok(())
    }

    fn training(&self) -> Training<'_> {
        Training {
            learning_rate: self.learning_rate,
            epochs: self.epochs,
            batch_size: self.batch_size,
            early_stopping: self.early_stopping.as_ref(),
            class_weight: self.class_weight.as_ref(),
            l2: self.l2,
            seed: self.seed,
        }
    }

    /// The untrained network for `n_features` inputs.
    fn network(&self, n_features: usize) -> Result<Sequential<f32>> {
        let mut b = Sequential::<f32>::builder(n_features).seed(self.seed);
        for &units in &self.hidden {
            b = b.dense(units, Activation::Relu);
            if self.dropout > 0.0 {
                b = b.dropout(self.dropout);
            }
        }
        b.dense(1, Activation::Sigmoid)
            .build()
            .map_err(crate::Error::from)
    }

    /// Trains the network on features `x` (rows × features, scaled) and
    /// labels `y` (0/1).
    ///
    /// Errors: bad hyper-parameters, lengths that differ, no rows, NaN or
    /// infinite features, a feature too large for `f32` products (|x| above
    /// about `6.5e18 / √d`, e.g. an unscaled `1e30`: standardise it first;
    /// the error names column, row and value), labels other than 0/1, one
    /// class only, too few rows for the validation split, or a loss that
    /// diverges.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_analytics::prediction::MlpClassifier;
    /// let x = array![[0.0f32], [1.0]];
    /// let err = MlpClassifier::new().fit(x.view(), &[0, 1]).unwrap_err();
    /// assert!(err.to_string().contains("validation"), "{err}"); // 10 % of 2 rows is no row
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedMlpClassifier> {
        const OP: &str = "MlpClassifier::fit";
        self.validate()?;
        check_training_data(OP, &x, y)?;
        check_feature_range(OP, &x, None, None)?;
        // The training and validation rows are copied once (n × d f32);
        // the network checks its own parameters and batch buffers.
        check_allocation(
            OP,
            &format!(
                "the copy of the {} training rows × {} features",
                x.nrows(),
                x.ncols()
            ),
            elements(OP, &[x.nrows(), x.ncols()])?,
            std::mem::size_of::<f32>(),
        )?;
        let mut net = self.network(x.ncols())?;
        let history = train_binary(OP, &mut net, x, y, &self.training())?;
        Ok(FittedMlpClassifier {
            params: self.clone(),
            n_features: x.ncols(),
            history,
            network: net,
        })
    }
}

impl FittedMlpClassifier {
    /// Number of feature columns the network was trained on.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_analytics::prediction::MlpClassifier;
    /// let x = array![[0.0f32, 1.0], [1.0, 0.0]];
    /// let m = MlpClassifier::new().early_stopping(None).epochs(1).fit(x.view(), &[0, 1]).unwrap();
    /// assert_eq!(m.n_features(), 2);
    /// ```
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The per-epoch losses and accuracies, the best epoch and whether
    /// training stopped early.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_analytics::prediction::MlpClassifier;
    /// let x = array![[0.0f32], [1.0]];
    /// let m = MlpClassifier::new().early_stopping(None).epochs(4).fit(x.view(), &[0, 1]).unwrap();
    /// assert_eq!(m.history().epochs.len(), 4);
    /// ```
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The hyper-parameters the network was trained with.
    ///
    /// ```
    /// use ndarray::array;
    /// use ua_analytics::prediction::MlpClassifier;
    /// let m = MlpClassifier::new().early_stopping(None).epochs(1)
    ///     .fit(array![[0.0f32], [1.0]].view(), &[0, 1]).unwrap();
    /// assert_eq!(m.params().hidden, vec![64, 32]);
    /// ```
    pub fn params(&self) -> &MlpClassifier {
        &self.params
    }
}

impl Classifier for MlpClassifier {
    type Params = Self;
    type Fitted = FittedMlpClassifier;
    fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedMlpClassifier> {
        MlpClassifier::fit(self, x, y)
    }
    fn params(&self) -> Self {
        self.clone()
    }
    fn params_of(fitted: &FittedMlpClassifier) -> Self {
        fitted.params.clone()
    }
}

impl Persist for FittedMlpClassifier {
    const KIND: &'static str = "ua-analytics/mlp-classifier";

    /// Checks the parameters, the network's own invariants, and that it
    /// reads `n_features` inputs into one output.
    fn validate(&self) -> std::result::Result<(), String> {
        self.params.validate().map_err(|e| e.to_string())?;
        self.network.validate()?;
        if self.network.input_dim() != self.n_features || self.network.output_dim() != 1 {
            return Err(format!(
                "the network has {} inputs and {} outputs, expected {} and 1",
                self.network.input_dim(),
                self.network.output_dim(),
                self.n_features
            ));
        }
        Ok(())
    }
}

impl Predictor<ArrayView2<'_, f32>> for FittedMlpClassifier {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        const OP: &str = "FittedMlpClassifier::predict_proba";
        check_scoring_data(OP, &x, self.n_features)?;
        check_feature_range(OP, &x, None, None)?;
        let out = self.network.predict(x).map_err(crate::Error::from)?;
        Ok(out.column(0).to_owned())
    }
}

/// How a binary network is trained: Adam, mini-batches, an L2 penalty, and
/// optionally early stopping on a stratified validation split and class
/// weights (shared by the MLP and the sequence classifier).
pub(super) struct Training<'a> {
    pub learning_rate: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub early_stopping: Option<&'a EarlyStopping>,
    pub class_weight: Option<&'a ClassWeight>,
    pub l2: f64,
    pub seed: u64,
}

impl Training<'_> {
    /// Checks the learning rate, epochs, batch size, L2 penalty and early
    /// stopping; an error names the parameter.
    pub(super) fn check(&self, op: &'static str) -> Result<()> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(parameter(
                op,
                "learning_rate",
                format!("must be finite and > 0, got {}", self.learning_rate),
            ));
        }
        if self.epochs == 0 {
            return Err(parameter(op, "epochs", "must be ≥ 1"));
        }
        if self.batch_size == 0 {
            return Err(parameter(op, "batch_size", "must be ≥ 1"));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(parameter(
                op,
                "l2",
                format!("must be finite and ≥ 0, got {}", self.l2),
            ));
        }
        if let Some(es) = self.early_stopping {
            es.validate()?;
        }
        Ok(())
    }
}

/// Checks a dropout rate: in [0, 1).
pub(super) fn check_dropout(op: &'static str, rate: f64) -> Result<()> {
    if !(0.0..1.0).contains(&rate) {
        return Err(parameter(
            op,
            "dropout",
            format!("must be in [0, 1), got {rate}"),
        ));
    }
    Ok(())
}

/// Trains `net` (one sigmoid output) on rows `x` with labels `y` by binary
/// cross-entropy. With early stopping, a seeded stratified share of the rows
/// validates (and does not train); class weights are counted over the rows
/// that train only.
pub(super) fn train_binary(
    op: &'static str,
    net: &mut Sequential<f32>,
    x: ArrayView2<'_, f32>,
    y: &[u8],
    t: &Training<'_>,
) -> Result<History> {
    let (train_rows, val_rows) = match t.early_stopping {
        Some(es) => stratified_holdout(op, y, es.validation_fraction, t.seed)?,
        None => ((0..y.len()).collect(), Vec::new()),
    };
    let targets =
        |rows: &[usize]| Array2::from_shape_fn((rows.len(), 1), |(i, _)| f32::from(y[rows[i]]));
    let x_train = x.select(Axis(0), &train_rows);
    let y_train = targets(&train_rows);
    let x_val = x.select(Axis(0), &val_rows);
    let y_val = targets(&val_rows);
    let mut config = FitConfig::new()
        .epochs(t.epochs)
        .batch_size(t.batch_size)
        .seed(t.seed)
        .regularization(0.0, t.l2);
    if let Some(es) = t.early_stopping {
        config = config
            .validation_data(x_val.view(), y_val.view())
            .early_stopping(es.clone());
    }
    if let Some(cw) = t.class_weight {
        let train_labels: Vec<u8> = train_rows.iter().map(|&i| y[i]).collect();
        let [w0, w1] = cw.binary_weights(&train_labels)?;
        config = config.class_weight(ClassWeight::binary(w0, w1));
    }
    let mut adam = Adam::new(t.learning_rate);
    Ok(net.fit(
        x_train.view(),
        y_train.view(),
        &BinaryCrossEntropy::new(),
        &mut adam,
        config,
    )?)
}

/// Splits rows into (train, validation) with `fraction` of each class held
/// out (seeded); both sides must hold both classes.
fn stratified_holdout(
    op: &'static str,
    y: &[u8],
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (train, val) = ua_data::split::TrainTestSplit {
        test_fraction: fraction,
        shuffle: true,
        seed,
    }
    .split_stratified(y)?;
    let positives = |rows: &[usize]| rows.iter().filter(|&&i| y[i] == 1).count();
    for (name, rows) in [("training", &train), ("validation", &val)] {
        let p = positives(rows);
        if p == 0 || p == rows.len() {
            return Err(invalid(
                op,
                format!(
                    "the {name} part of the early-stopping split ({} of {} rows, validation fraction {fraction}) \
                     holds one class only; use more rows, another validation fraction, or no early stopping",
                    rows.len(),
                    y.len()
                ),
            ));
        }
    }
    Ok((train, val))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use ua_tensor::init::seeded_rng;

    /// Two noisy concentric rings (radius 1 → class 0, radius 2 → class 1).
    fn circles(n: usize, seed: u64) -> (Array2<f32>, Vec<u8>) {
        let mut rng = seeded_rng(seed);
        let mut x = Array2::zeros((n, 2));
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let class = u8::from(i % 2 == 1);
            let r = if class == 1 { 2.0 } else { 1.0 } + rng.random_range(-0.25f32..0.25);
            let a = rng.random_range(0.0f32..std::f32::consts::TAU);
            x[[i, 0]] = r * a.cos();
            x[[i, 1]] = r * a.sin();
            y.push(class);
        }
        (x, y)
    }

    fn accuracy(p: &Array1<u8>, y: &[u8]) -> f64 {
        p.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
    }

    #[test]
    fn learns_concentric_circles_with_defaults() {
        let (x, y) = circles(1200, 1);
        let (xt, yt) = circles(600, 2);
        let model = MlpClassifier::new().fit(x.view(), &y).unwrap();
        let acc = accuracy(&model.predict(xt.view(), 0.5).unwrap(), &yt);
        assert!(acc >= 0.95, "held-out accuracy {acc}");
        // Early stopping ran on 10 % of the rows and kept the best epoch.
        let h = model.history();
        assert_eq!(h.val_loss().len(), h.epochs.len());
        assert!(h.best_epoch >= 1 && h.best_epoch <= h.epochs.len());
        // A linear model cannot do this (ring classes share their mean).
        let lin = super::super::LogisticRegression::new()
            .fit(x.view(), &y)
            .unwrap();
        assert!(accuracy(&lin.predict(xt.view(), 0.5).unwrap(), &yt) < 0.7);
    }

    #[test]
    fn same_seed_same_model_other_seed_other_model() {
        let (x, y) = circles(200, 3);
        let cfg = MlpClassifier::new().hidden(&[8]).epochs(5);
        let a = cfg
            .fit(x.view(), &y)
            .unwrap()
            .predict_proba(x.view())
            .unwrap();
        let b = cfg
            .fit(x.view(), &y)
            .unwrap()
            .predict_proba(x.view())
            .unwrap();
        let c = cfg
            .clone()
            .seed(1)
            .fit(x.view(), &y)
            .unwrap()
            .predict_proba(x.view())
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn save_load_round_trip_is_identical() {
        let (x, y) = circles(200, 4);
        let m = MlpClassifier::new()
            .hidden(&[8, 4])
            .epochs(5)
            .fit(x.view(), &y)
            .unwrap();
        let json = m.to_json().unwrap();
        let back = FittedMlpClassifier::from_json(&json).unwrap();
        assert_eq!(
            back.predict_proba(x.view()).unwrap(),
            m.predict_proba(x.view()).unwrap()
        );
        assert_eq!(back.history(), m.history());
        assert_eq!(back.params(), m.params());
        // A network that does not read n_features inputs is an error, not a panic.
        let bad = json.replace("\"n_features\":2", "\"n_features\":3");
        assert_ne!(bad, json);
        let e = FittedMlpClassifier::from_json(&bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 inputs and 1 outputs, expected 3"), "{e}");
        // So is a hidden width the parameters forbid.
        let bad = json.replace("\"hidden\":[8,4]", "\"hidden\":[0,4]");
        assert_ne!(bad, json);
        assert!(FittedMlpClassifier::from_json(&bad).is_err());
    }

    #[test]
    fn balanced_weights_raise_minority_probabilities() {
        // 10 % positives on a weak signal.
        let mut rng = seeded_rng(9);
        let n = 600;
        let x = Array2::from_shape_fn((n, 1), |_| rng.random_range(-1.0f32..1.0));
        let y: Vec<u8> = x
            .column(0)
            .iter()
            .map(|&v| u8::from(rng.random::<f32>() < 0.05 + 0.1 * (v + 1.0)))
            .collect();
        let base = MlpClassifier::new()
            .hidden(&[8])
            .dropout(0.0)
            .learning_rate(0.01)
            .epochs(20);
        let plain = base.clone().early_stopping(None).fit(x.view(), &y).unwrap();
        let bal = base
            .early_stopping(None)
            .class_weight(ClassWeight::Balanced)
            .fit(x.view(), &y)
            .unwrap();
        let mean = |m: &FittedMlpClassifier| m.predict_proba(x.view()).unwrap().mean().unwrap();
        assert!(mean(&plain) < 0.3, "{}", mean(&plain));
        assert!(mean(&bal) > 0.4, "{}", mean(&bal));
    }

    #[test]
    fn bad_settings_are_errors() {
        let (x, y) = circles(100, 5);
        for m in [
            MlpClassifier::new().hidden(&[0]),
            MlpClassifier::new().dropout(1.0),
            MlpClassifier::new().learning_rate(-1.0),
            MlpClassifier::new().epochs(0),
            MlpClassifier::new()
                .early_stopping(Some(EarlyStopping::new().validation_fraction(1.5))),
            MlpClassifier::new().hidden(&[MAX_UNITS + 1]),
            MlpClassifier::new().hidden(&[1 << 62]),
            MlpClassifier::new().batch_size(0),
            MlpClassifier::new().l2(f64::NAN),
        ] {
            assert!(m.fit(x.view(), &y).is_err(), "{m:?}");
        }
        let e = MlpClassifier::new()
            .hidden(&[1 << 62])
            .fit(x.view(), &y)
            .unwrap_err();
        assert!(
            matches!(e, crate::Error::InvalidParameter { name: "hidden", .. }),
            "{e}"
        );
        let e = MlpClassifier::new()
            .class_weight(ClassWeight::binary(-1.0, 1.0))
            .fit(x.view(), &y)
            .unwrap_err();
        assert!(e.to_string().contains("weight"), "{e}");
        let m = MlpClassifier::new()
            .hidden(&[4])
            .epochs(1)
            .fit(x.view(), &y)
            .unwrap();
        assert!(m.predict_proba(ndarray::array![[1.0f32]].view()).is_err());
    }
}
