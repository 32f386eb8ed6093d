//! [`Autoencoder`]: an anomaly scorer that learns to reconstruct ordinary
//! rows through a narrow bottleneck; rows it reconstructs badly are the
//! risky ones.
//!
//! The fitted model is a scaler (fitted inside, on the training rows) and a
//! symmetric network `d → e₁ → … → eₖ → … → e₁ → d` on [`ua_nn::Sequential`],
//! trained with mean squared error and Adam through [`Sequential::fit`],
//! with early stopping on a seeded validation share and the best epoch's
//! weights put back. Scores, per-feature errors and explanations are all
//! computed in the scaled space, so every column counts on the same scale.
//!
//! Unlike [`RobustZ`](super::RobustZ), which looks at one column at a time,
//! the autoencoder notices rows whose columns are each ordinary but whose
//! *combination* breaks the correlations of the training data.

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, s};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_data::scale::{FittedScaler, Scaler};
use ua_nn::losses::MeanSquaredError;
use ua_nn::optim::Adam;
use ua_nn::{Activation, EarlyStopping, FitConfig, History, Sequential};
use ua_tensor::check::ensure_finite;
use ua_tensor::persist::Persist;

use super::Contamination;
use super::iforest::{quantile, upper_quantile};
use crate::error::parameter;
use crate::pipeline::max_feature_abs;
use crate::{Error, Result, RiskScorer};

/// The widest layer an [`Autoencoder`] accepts (checked before any weight
/// is allocated).
///
/// ```
/// assert_eq!(ua_analytics::risk::AUTOENCODER_MAX_UNITS, 1 << 16);
/// ```
pub const AUTOENCODER_MAX_UNITS: usize = 1 << 16;

/// Rows scaled, reconstructed and scored per parallel task (the network's
/// own inference block, so one task is one pass through the layers).
const BLOCK: usize = ua_nn::INFERENCE_BATCH;

/// Rows needed on the training side of the validation split.
const MIN_TRAINING_ROWS: usize = 2;

/// Hyper-parameters of the autoencoder anomaly scorer; [`fit`](Self::fit)
/// checks them and trains a [`FittedAutoencoder`].
///
/// Defaults, chosen for tabular data of 5–100 columns: encoder widths
/// `[max(2, d/2), max(1, d/4)]` (so `d → d/2 → d/4 → d/2 → d`), tanh
/// hidden layers and a linear output, a standard scaler, Adam with learning
/// rate 1e-3, batches of 64 rows, at most 100 epochs, early stopping on
/// 10 % of the rows with patience 10, the automatic threshold
/// ([`Contamination::Auto`]), seed 42.
///
/// ```
/// use ua_analytics::RiskScorer;
/// use ua_analytics::ndarray::Array2;
/// use ua_analytics::risk::Autoencoder;
/// // Four columns that move together (one latent factor), and one row that
/// // breaks the pattern without an extreme value in any column.
/// let mut x = Array2::from_shape_fn((400, 4), |(i, j)| {
///     let t = (i as f32 * 0.37).sin();
///     t * [1.0, -0.5, 0.8, 0.3][j] + 0.01 * ((i * 7 + j * 3) % 5) as f32
/// });
/// x.row_mut(7).assign(&ua_analytics::ndarray::array![0.5, 0.25, -0.4, 0.15]);
/// let model = Autoencoder::new().learning_rate(0.01).fit(x.view()).unwrap();
/// let scores = model.risk_score(x.view()).unwrap();
/// let top = (0..400).max_by(|&a, &b| scores[a].total_cmp(&scores[b])).unwrap();
/// assert_eq!(top, 7);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Autoencoder {
    /// Widths of the encoder's layers from the input side down to the
    /// bottleneck (the decoder mirrors them); `None`: `[max(2, d/2),
    /// max(1, d/4)]` for `d` columns.
    pub encoder: Option<Vec<usize>>,
    /// Activation of every hidden layer (the output layer is linear).
    /// Default tanh.
    pub activation: Activation,
    /// The scaler fitted on the training rows. Default standard (mean 0,
    /// standard deviation 1; a constant column maps to 0).
    pub scaler: Scaler,
    /// Adam's learning rate. Default 1e-3.
    pub learning_rate: f64,
    /// Most passes over the training rows. Default 100.
    pub epochs: usize,
    /// Rows per mini-batch. Default 64.
    pub batch_size: usize,
    /// Share of the rows held out (seeded) to stop training early, in
    /// (0, 1). Default 0.1.
    pub validation_share: f64,
    /// Epochs without a lower validation loss before training stops (≥ 1).
    /// Default 10.
    pub patience: usize,
    /// How the threshold of [`FittedAutoencoder::flag`] is set:
    /// [`Contamination::Fraction`]`(c)` flags the share `c` of the fitting
    /// rows, [`Contamination::Auto`] (default) uses Tukey's upper fence of
    /// their scores (see [`FittedAutoencoder::threshold`]).
    pub contamination: Contamination,
    /// Seed of the initial weights, the validation split and the shuffling.
    pub seed: u64,
}

impl Default for Autoencoder {
    fn default() -> Self {
        Autoencoder {
            encoder: None,
            activation: Activation::Tanh,
            scaler: Scaler::standard(),
            learning_rate: 1e-3,
            epochs: 100,
            batch_size: 64,
            validation_share: 0.1,
            patience: 10,
            contamination: Contamination::Auto,
            seed: 42,
        }
    }
}

impl Autoencoder {
    /// The defaults (see the type's docs).
    ///
    /// ```
    /// use ua_analytics::risk::Autoencoder;
    /// let p = Autoencoder::new();
    /// assert_eq!((p.epochs, p.batch_size, p.validation_share, p.patience), (100, 64, 0.1, 10));
    /// assert_eq!(p.layer_widths(16), [8, 4, 8, 16]);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the encoder's widths, input side first, bottleneck last.
    ///
    /// ```
    /// use ua_analytics::risk::Autoencoder;
    /// assert_eq!(Autoencoder::new().encoder(&[6, 3]).layer_widths(10), [6, 3, 6, 10]);
    /// ```
    pub fn encoder(mut self, widths: &[usize]) -> Self {
        self.encoder = Some(widths.to_vec());
        self
    }

    /// Sets the hidden layers' activation.
    ///
    /// ```
    /// use ua_analytics::risk::Autoencoder;
    /// use ua_nn::Activation;
    /// assert_eq!(Autoencoder::new().activation(Activation::Relu).activation, Activation::Relu);
    /// ```
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Sets the scaler fitted inside (e.g. [`Scaler::robust`] for median
    /// and interquartile range).
    ///
    /// ```
    /// use ua_analytics::risk::Autoencoder;
    /// use ua_data::scale::Scaler;
    /// assert_eq!(Autoencoder::new().scaler(Scaler::robust()).scaler, Scaler::robust());
    /// ```
    pub fn scaler(mut self, scaler: Scaler) -> Self {
        self.scaler = scaler;
        self
    }

    /// Sets Adam's learning rate.
    ///
    /// ```
    /// assert_eq!(ua_analytics::risk::Autoencoder::new().learning_rate(0.01).learning_rate, 0.01);
    /// ```
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.learning_rate = lr;
        self
    }

    /// Sets the epoch limit.
    ///
    /// ```
    /// assert_eq!(ua_analytics::risk::Autoencoder::new().epochs(5).epochs, 5);
    /// ```
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the mini-batch size.
    ///
    /// ```
    /// assert_eq!(ua_analytics::risk::Autoencoder::new().batch_size(32).batch_size, 32);
    /// ```
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets the share of rows held out for early stopping.
    ///
    /// ```
    /// assert_eq!(ua_analytics::risk::Autoencoder::new().validation_share(0.2).validation_share, 0.2);
    /// ```
    pub fn validation_share(mut self, share: f64) -> Self {
        self.validation_share = share;
        self
    }

    /// Sets the early-stopping patience.
    ///
    /// ```
    /// assert_eq!(ua_analytics::risk::Autoencoder::new().patience(3).patience, 3);
    /// ```
    pub fn patience(mut self, epochs: usize) -> Self {
        self.patience = epochs;
        self
    }

    /// Sets how the threshold is chosen.
    ///
    /// ```
    /// use ua_analytics::risk::{Autoencoder, Contamination};
    /// let p = Autoencoder::new().contamination(Contamination::Fraction(0.05));
    /// assert_eq!(p.contamination, Contamination::Fraction(0.05));
    /// ```
    pub fn contamination(mut self, c: Contamination) -> Self {
        self.contamination = c;
        self
    }

    /// Sets the seed.
    ///
    /// ```
    /// assert_eq!(ua_analytics::risk::Autoencoder::new().seed(7).seed, 7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The output widths of the network's layers for `d` input columns:
    /// the encoder, then the decoder mirroring it, then `d`.
    ///
    /// ```
    /// use ua_analytics::risk::Autoencoder;
    /// assert_eq!(Autoencoder::new().layer_widths(8), [4, 2, 4, 8]);
    /// assert_eq!(Autoencoder::new().layer_widths(3), [2, 1, 2, 3]);
    /// assert_eq!(Autoencoder::new().encoder(&[5]).layer_widths(9), [5, 9]);
    /// ```
    pub fn layer_widths(&self, d: usize) -> Vec<usize> {
        let encoder = match &self.encoder {
            Some(widths) => widths.clone(),
            None => vec![(d / 2).max(2), (d / 4).max(1)],
        };
        let mut widths = encoder.clone();
        widths.extend(encoder.iter().rev().skip(1));
        widths.push(d);
        widths
    }

    fn check(&self) -> Result<()> {
        const OP: &str = "Autoencoder";
        if let Some(widths) = &self.encoder {
            if widths.is_empty() {
                return Err(parameter(
                    OP,
                    "encoder",
                    "needs at least one layer width (the bottleneck), got none",
                ));
            }
            if let Some(&w) = widths
                .iter()
                .find(|&&w| w == 0 || w > AUTOENCODER_MAX_UNITS)
            {
                return Err(parameter(
                    OP,
                    "encoder",
                    format!("layer widths must be in 1..={AUTOENCODER_MAX_UNITS}, got {w}"),
                ));
            }
        }
        if let Activation::LeakyRelu { alpha } = self.activation
            && !(alpha.is_finite() && alpha >= 0.0)
        {
            return Err(parameter(
                OP,
                "activation",
                format!("the leaky ReLU's alpha must be finite and ≥ 0, got {alpha}"),
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(parameter(
                OP,
                "learning_rate",
                format!("must be finite and > 0, got {}", self.learning_rate),
            ));
        }
        if self.epochs == 0 {
            return Err(parameter(OP, "epochs", "must be at least 1, got 0"));
        }
        if self.batch_size == 0 {
            return Err(parameter(OP, "batch_size", "must be at least 1, got 0"));
        }
        if !(self.validation_share > 0.0 && self.validation_share < 1.0) {
            return Err(parameter(
                OP,
                "validation_share",
                format!("must be in (0, 1), got {}", self.validation_share),
            ));
        }
        if self.patience == 0 {
            return Err(parameter(OP, "patience", "must be at least 1, got 0"));
        }
        if let Contamination::Fraction(c) = self.contamination
            && !(c > 0.0 && c <= 0.5)
        {
            return Err(parameter(
                OP,
                "contamination",
                format!("must be in (0, 0.5], got {c}"),
            ));
        }
        Ok(())
    }

    /// The untrained network for `d` columns.
    fn network(&self, d: usize) -> Result<Sequential<f32>> {
        let widths = self.layer_widths(d);
        let mut b = Sequential::<f32>::builder(d).seed(self.seed);
        for &w in &widths[..widths.len() - 1] {
            b = b.dense(w, self.activation);
        }
        Ok(b.dense(d, Activation::Identity).build()?)
    }

    /// Rows `(training, validation)` of `n`, seeded; errors when either
    /// side would be too small.
    fn split(&self, op: &'static str, n: usize) -> Result<(Vec<usize>, Vec<usize>)> {
        let share = self.validation_share;
        // ceil(share · n), as ua_data's split takes it.
        let n_val = (share * n as f64).ceil() as usize;
        if n_val < 1 || n.saturating_sub(n_val) < MIN_TRAINING_ROWS {
            let needed = rows_needed(share);
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "{n} rows with validation_share {share} leave {} rows to train on and {n_val} \
                     to stop early; at least {MIN_TRAINING_ROWS} training rows and 1 validation \
                     row are needed ({needed} rows at this share): give more rows or a smaller \
                     validation_share",
                    n.saturating_sub(n_val)
                ),
            });
        }
        let (mut train, mut val) = ua_data::split::TrainTestSplit {
            test_fraction: share,
            shuffle: true,
            seed: self.seed,
        }
        .split(n)?;
        train.sort_unstable();
        val.sort_unstable();
        Ok((train, val))
    }

    /// Fits the scaler on the training rows of `x`, then trains the network
    /// to reconstruct them, stopping early on the held-out rows and keeping
    /// the best epoch's weights; finally sets the threshold from the scores
    /// of all rows of `x`. The same seed gives the same model, bit for bit.
    ///
    /// Errors: bad parameters ([`Error::InvalidParameter`] naming it), no
    /// column, NaN or infinite values (row and column named), too few rows
    /// for the validation split, a network or data larger than the memory
    /// budget, a loss that diverges (lower the learning rate).
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = array![[1.0f32, 2.0], [2.0, 4.1]];
    /// let e = Autoencoder::new().fit(x.view()).unwrap_err().to_string();
    /// assert!(e.contains("2 rows with validation_share 0.1"), "{e}");
    /// let e = Autoencoder::new().epochs(0).fit(x.view()).unwrap_err().to_string();
    /// assert!(e.contains("parameter epochs"), "{e}");
    /// let bad = array![[1.0f32, 2.0], [f32::NAN, 4.0]];
    /// let e = Autoencoder::new().fit(bad.view()).unwrap_err().to_string();
    /// assert!(e.contains("row 1, column 0"), "{e}");
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f32>) -> Result<FittedAutoencoder> {
        const OP: &str = "Autoencoder::fit";
        self.check()?;
        let (n, d) = x.dim();
        if n == 0 || d == 0 {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!("needs rows and at least 1 column, got {n} × {d}"),
            });
        }
        ensure_finite(OP, &x)?;
        // The training rows, the scaled copy of x and its training and
        // validation parts.
        let values = ua_tensor::budget::elements(OP, &[n, d, 3])?;
        ua_tensor::budget::check_allocation(
            OP,
            &format!("three copies of the {n} × {d} rows (training rows, scaled, split)"),
            values,
            std::mem::size_of::<f32>(),
        )?;
        let (train_rows, val_rows) = self.split(OP, n)?;
        let x_train = x.select(Axis(0), &train_rows);
        let scaler = self.scaler.fit_matrix(x_train.view())?;
        let scaled = scaler.transform_matrix(x)?;
        check_scaled_range(OP, scaled.view())?;
        let z_train = scaled.select(Axis(0), &train_rows);
        let z_val = scaled.select(Axis(0), &val_rows);
        let mut network = self.network(d)?;
        let config = FitConfig::new()
            .epochs(self.epochs)
            .batch_size(self.batch_size)
            .seed(self.seed)
            .validation_data(z_val.view(), z_val.view())
            .early_stopping(
                EarlyStopping::new()
                    .patience(self.patience)
                    .restore_best(true),
            );
        let history = network.fit(
            z_train.view(),
            z_train.view(),
            &MeanSquaredError,
            &mut Adam::new(self.learning_rate),
            config,
        )?;
        let mut fitted = FittedAutoencoder {
            params: self.clone(),
            n_features: d,
            scaler,
            network,
            history,
            threshold: 0.0,
            report: AutoencoderReport {
                rows: n,
                training_rows: train_rows.len(),
                validation_rows: val_rows.len(),
                layer_widths: self.layer_widths(d),
            },
        };
        let scores = fitted.scores_of_scaled(scaled.view())?;
        fitted.threshold = match self.contamination {
            Contamination::Auto => tukey_fence(&scores),
            Contamination::Fraction(c) => upper_quantile(&scores, c),
        };
        Ok(fitted)
    }
}

/// The fewest rows that leave [`MIN_TRAINING_ROWS`] training rows after
/// holding out `ceil(share · n)` (`n ≥ 2 / (1 − share)`, checked near that
/// bound against rounding).
fn rows_needed(share: f64) -> usize {
    let ok = |n: usize| n.saturating_sub((share * n as f64).ceil() as usize) >= MIN_TRAINING_ROWS;
    let bound = (MIN_TRAINING_ROWS as f64 / (1.0 - share)).ceil();
    if bound >= 1e15 {
        return usize::MAX;
    }
    let start = (bound as usize)
        .saturating_sub(2)
        .max(MIN_TRAINING_ROWS + 1);
    (start..start + 8).find(|&n| ok(n)).unwrap_or(usize::MAX)
}

/// Refuses a scaled value too large for the network's `f32` products (its
/// square summed over the columns must stay finite), naming the row and
/// column.
fn check_scaled_range(op: &'static str, z: ArrayView2<'_, f32>) -> Result<()> {
    let limit = max_feature_abs(z.ncols());
    for (i, row) in z.rows().into_iter().enumerate() {
        if let Some((j, &v)) = row
            .iter()
            .enumerate()
            .find(|(_, v)| f64::from(v.abs()) > limit)
        {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "row {i}, column {j}: the value scales to {v:e}, beyond ±{limit:.2e} where the \
                     network's f32 products overflow; it lies that many training scales from the \
                     centre: check the value (a unit or parsing error?)"
                ),
            });
        }
    }
    Ok(())
}

/// Tukey's upper fence `Q3 + 1.5 · (Q3 − Q1)` of `scores`.
fn tukey_fence(scores: &[f32]) -> f32 {
    let (q1, q3) = (quantile(scores, 0.25), quantile(scores, 0.75));
    (f64::from(q3) + 1.5 * (f64::from(q3) - f64::from(q1))) as f32
}

/// What a fit did with the rows it was given.
///
/// ```
/// use ua_analytics::ndarray::Array2;
/// use ua_analytics::risk::Autoencoder;
/// let x = Array2::from_shape_fn((50, 4), |(i, j)| ((i * 7 + j * 3) % 11) as f32);
/// let model = Autoencoder::new().epochs(3).fit(x.view()).unwrap();
/// let r = model.report();
/// assert_eq!((r.rows, r.training_rows, r.validation_rows), (50, 45, 5));
/// assert_eq!(r.layer_widths, [2, 1, 2, 4]);
/// assert!(r.to_string().starts_with("50 rows: 45 trained the network, 5 stopped it early"), "{r}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoencoderReport {
    /// Rows given to `fit`.
    pub rows: usize,
    /// Rows the scaler and the network were fitted on.
    pub training_rows: usize,
    /// Rows held out for early stopping.
    pub validation_rows: usize,
    /// Output widths of the layers, first to last.
    pub layer_widths: Vec<usize>,
}

impl std::fmt::Display for AutoencoderReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let widths: Vec<String> = self.layer_widths.iter().map(|w| w.to_string()).collect();
        write!(
            f,
            "{} rows: {} trained the network, {} stopped it early; layers {} → {}",
            self.rows,
            self.training_rows,
            self.validation_rows,
            self.layer_widths.last().copied().unwrap_or(0),
            widths.join(" → ")
        )
    }
}

/// A trained autoencoder: scores rows by their mean squared reconstruction
/// error in the scaled space (higher = riskier), gives the error per row and
/// feature, explains a row by its worst-reconstructed features, and flags
/// rows above its threshold. Inference goes through `&self`, so one model
/// serves many threads; saves and loads through the common envelope (kind
/// `ua-analytics/autoencoder`).
///
/// ```
/// use ua_analytics::RiskScorer;
/// use ua_analytics::ndarray::Array2;
/// use ua_analytics::risk::{Autoencoder, FittedAutoencoder};
/// use ua_tensor::persist::Persist;
/// let x = Array2::from_shape_fn((100, 3), |(i, j)| ((i * (j + 2)) % 7) as f32);
/// let model = Autoencoder::new().epochs(5).fit(x.view()).unwrap();
/// let back = FittedAutoencoder::from_json(&model.to_json().unwrap()).unwrap();
/// assert_eq!(back.risk_score(x.view()).unwrap(), model.risk_score(x.view()).unwrap());
/// assert_eq!(back.history().epochs.len(), 5);
/// ```
#[derive(Debug, Serialize, Deserialize)]
pub struct FittedAutoencoder {
    params: Autoencoder,
    n_features: usize,
    scaler: FittedScaler,
    network: Sequential<f32>,
    history: History,
    threshold: f32,
    report: AutoencoderReport,
}

impl FittedAutoencoder {
    /// The parameters it was fitted with.
    ///
    /// ```
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = Array2::from_shape_fn((30, 2), |(i, j)| (i * (j + 1) % 5) as f32);
    /// assert_eq!(Autoencoder::new().epochs(2).fit(x.view()).unwrap().params().epochs, 2);
    /// ```
    pub fn params(&self) -> &Autoencoder {
        &self.params
    }

    /// Number of input columns.
    ///
    /// ```
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = Array2::from_shape_fn((30, 2), |(i, j)| (i * (j + 1) % 5) as f32);
    /// assert_eq!(Autoencoder::new().epochs(1).fit(x.view()).unwrap().n_features(), 2);
    /// ```
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The training record: loss and validation loss per epoch, the best
    /// epoch (whose weights the model holds), whether training stopped early.
    ///
    /// ```
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = Array2::from_shape_fn((60, 3), |(i, j)| ((i * 5 + j) % 9) as f32);
    /// let h = Autoencoder::new().epochs(4).fit(x.view()).unwrap().history().clone();
    /// assert_eq!(h.val_loss().len(), 4);
    /// assert!((1..=4).contains(&h.best_epoch));
    /// ```
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Rows used for training and validation, and the layer widths.
    ///
    /// ```
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = Array2::from_shape_fn((40, 6), |(i, j)| ((i * j) % 7) as f32);
    /// let m = Autoencoder::new().epochs(1).validation_share(0.25).fit(x.view()).unwrap();
    /// assert_eq!((m.report().training_rows, m.report().validation_rows), (30, 10));
    /// ```
    pub fn report(&self) -> &AutoencoderReport {
        &self.report
    }

    /// The scaler fitted on the training rows.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::risk::Autoencoder;
    /// use ua_data::scale::FittedScaler;
    /// let x = ua_analytics::ndarray::Array2::from_shape_fn((40, 2), |(i, j)| (i + j) as f32);
    /// let m = Autoencoder::new().epochs(1).fit(x.view()).unwrap();
    /// assert!(matches!(m.scaler(), FittedScaler::Standard(_)));
    /// ```
    pub fn scaler(&self) -> &FittedScaler {
        &self.scaler
    }

    /// The trained network (scaled rows in, their reconstructions out).
    ///
    /// ```
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = Array2::from_shape_fn((40, 8), |(i, j)| ((i * j) % 5) as f32);
    /// let m = Autoencoder::new().epochs(1).fit(x.view()).unwrap();
    /// assert_eq!((m.network().input_dim(), m.network().output_dim()), (8, 8));
    /// ```
    pub fn network(&self) -> &Sequential<f32> {
        &self.network
    }

    /// Scores above this are flagged: with [`Contamination::Fraction`]`(c)`
    /// the training-score quantile that a share `c` of the fitting rows
    /// exceeds; with [`Contamination::Auto`] Tukey's upper fence
    /// `Q3 + 1.5 · IQR` of the fitting rows' scores (the reconstruction
    /// error has no fixed scale, so the isolation forest's 0.5 has no
    /// meaning here).
    ///
    /// ```
    /// use ua_analytics::RiskScorer;
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::{Autoencoder, Contamination};
    /// let x = Array2::from_shape_fn((101, 3), |(i, j)| ((i * (j + 2)) % 9) as f32);
    /// let m = Autoencoder::new().epochs(2).contamination(Contamination::Fraction(0.5)).fit(x.view()).unwrap();
    /// let mut s = m.risk_score(x.view()).unwrap().to_vec();
    /// s.sort_by(f32::total_cmp);
    /// assert_eq!(m.threshold(), s[50]); // the median of the 101 training scores
    /// ```
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    fn check_input(&self, op: &'static str, x: ArrayView2<'_, f32>) -> Result<()> {
        if x.ncols() != self.n_features {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!("{} columns (as in training)", self.n_features),
                found: format!("{} columns", x.ncols()),
            });
        }
        if x.nrows() == 0 {
            return Err(Error::Empty { op });
        }
        ensure_finite(op, &x)?;
        Ok(())
    }

    /// Checked rows, scaled with the training statistics; errors name the
    /// row and column of a value that scales beyond what the network's
    /// `f32` products allow.
    fn scaled(&self, op: &'static str, x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        let values = ua_tensor::budget::elements(op, &[x.nrows(), x.ncols()])?;
        ua_tensor::budget::check_allocation(
            op,
            &format!("the scaled copy of the {} × {} rows", x.nrows(), x.ncols()),
            values,
            std::mem::size_of::<f32>(),
        )?;
        let z = self.scaler.transform_matrix(x)?;
        check_scaled_range(op, z.view())?;
        Ok(z)
    }

    /// Squared errors of one block of already scaled rows into `out`.
    fn scaled_block_errors(
        &self,
        z: ArrayView2<'_, f32>,
        mut out: ArrayViewMut2<'_, f32>,
    ) -> Result<()> {
        let recon = self.network.predict(z)?;
        ndarray::Zip::from(&mut out)
            .and(&z)
            .and(&recon)
            .for_each(|o, &a, &b| {
                let e = b - a;
                *o = e * e;
            });
        Ok(())
    }

    /// Errors of checked rows, in parallel over blocks of rows; every row's
    /// values depend on that row only.
    fn errors(&self, op: &'static str, x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        let z = self.scaled(op, x)?;
        let mut out = Array2::zeros(x.dim());
        z.axis_chunks_iter(Axis(0), BLOCK)
            .into_par_iter()
            .zip(out.axis_chunks_iter_mut(Axis(0), BLOCK).into_par_iter())
            .try_for_each(|(zb, ob)| self.scaled_block_errors(zb, ob))?;
        Ok(out)
    }

    /// Scores of rows already scaled (at fit time).
    fn scores_of_scaled(&self, z: ArrayView2<'_, f32>) -> Result<Vec<f32>> {
        let mut scores = vec![0.0f32; z.nrows()];
        let mut buf = Array2::zeros((BLOCK.min(z.nrows()), z.ncols()));
        for (zb, sb) in z
            .axis_chunks_iter(Axis(0), BLOCK)
            .zip(scores.chunks_mut(BLOCK))
        {
            let mut eb = buf.slice_mut(s![..zb.nrows(), ..]);
            self.scaled_block_errors(zb, eb.view_mut())?;
            row_means(eb.view(), sb);
        }
        Ok(scores)
    }

    /// The squared reconstruction error of every row and feature in the
    /// scaled space, `(x̂ⱼ − zⱼ)²`; a row's risk score is the mean of its row.
    ///
    /// Errors: another number of columns than in training, no rows, a NaN
    /// or infinite value (row and column named), a value that scales beyond
    /// the range the network's `f32` products allow.
    ///
    /// ```
    /// use ua_analytics::RiskScorer;
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = Array2::from_shape_fn((80, 4), |(i, j)| ((i * (j + 3)) % 13) as f32);
    /// let m = Autoencoder::new().epochs(3).fit(x.view()).unwrap();
    /// let e = m.reconstruction_errors(x.view()).unwrap();
    /// let s = m.risk_score(x.view()).unwrap();
    /// assert_eq!(e.dim(), (80, 4));
    /// assert!((e.row(5).sum() / 4.0 - s[5]).abs() < 1e-6);
    /// ```
    pub fn reconstruction_errors(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        const OP: &str = "Autoencoder::reconstruction_errors";
        self.check_input(OP, x)?;
        self.errors(OP, x)
    }

    /// For each row of `x`, the `top` features with the largest squared
    /// reconstruction error as `(feature, error)`, largest first (ties to
    /// the lower feature) — the same shape as
    /// [`FittedIsolationForest::explain`](super::FittedIsolationForest::explain)
    /// and [`RobustZ::explain`](super::RobustZ::explain).
    ///
    /// ```
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::Autoencoder;
    /// let x = Array2::from_shape_fn((80, 4), |(i, j)| ((i * (j + 3)) % 13) as f32);
    /// let m = Autoencoder::new().epochs(3).fit(x.view()).unwrap();
    /// let why = m.explain(x.view(), 2).unwrap();
    /// let e = m.reconstruction_errors(x.view()).unwrap();
    /// assert_eq!(why.len(), 80);
    /// let (j, err) = why[0][0];
    /// assert_eq!(err, e[[0, j]]);
    /// assert!(e.row(0).iter().all(|&v| v <= err));
    /// assert!(m.explain(x.view(), 0).is_err());
    /// ```
    pub fn explain(&self, x: ArrayView2<'_, f32>, top: usize) -> Result<Vec<Vec<(usize, f32)>>> {
        const OP: &str = "Autoencoder::explain";
        self.check_input(OP, x)?;
        if top == 0 {
            return Err(parameter(OP, "top", "must be at least 1, got 0"));
        }
        let errors = self.errors(OP, x)?;
        Ok(errors
            .rows()
            .into_iter()
            .map(|row| {
                let row: Vec<f32> = row.to_vec();
                ua_tensor::topk::top_k_masked(&row, top, |_| false)
            })
            .collect())
    }

    /// Whether each row of `x` scores above the [threshold](Self::threshold).
    ///
    /// ```
    /// use ua_analytics::ndarray::Array2;
    /// use ua_analytics::risk::{Autoencoder, Contamination};
    /// let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * (j + 5)) % 13) as f32);
    /// let m = Autoencoder::new().epochs(3).contamination(Contamination::Fraction(0.1)).fit(x.view()).unwrap();
    /// let flagged = m.flag(x.view()).unwrap().iter().filter(|&&f| f).count();
    /// assert!((10..=30).contains(&flagged), "{flagged}");
    /// ```
    pub fn flag(&self, x: ArrayView2<'_, f32>) -> Result<Array1<bool>> {
        let scores = self.risk_score(x)?;
        Ok(scores.mapv(|s| s > self.threshold))
    }
}

/// The mean of each row of `errors` into `out`, summed in order in `f64`.
fn row_means(errors: ArrayView2<'_, f32>, out: &mut [f32]) {
    let d = errors.ncols() as f64;
    for (o, row) in out.iter_mut().zip(errors.rows()) {
        *o = (row.iter().map(|&v| f64::from(v)).sum::<f64>() / d) as f32;
    }
}

impl RiskScorer<ArrayView2<'_, f32>> for FittedAutoencoder {
    /// The mean squared reconstruction error of each row in the scaled
    /// space (≥ 0; about the training loss for ordinary rows). Errors as
    /// [`FittedAutoencoder::reconstruction_errors`].
    fn risk_score(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        const OP: &str = "Autoencoder::risk_score";
        self.check_input(OP, x)?;
        let z = self.scaled(OP, x)?;
        let mut scores = vec![0.0f32; x.nrows()];
        z.axis_chunks_iter(Axis(0), BLOCK)
            .into_par_iter()
            .zip(scores.par_chunks_mut(BLOCK))
            .try_for_each(|(zb, sb)| {
                let mut errors = Array2::zeros(zb.dim());
                self.scaled_block_errors(zb, errors.view_mut())?;
                row_means(errors.view(), sb);
                Ok::<(), Error>(())
            })?;
        Ok(Array1::from(scores))
    }
}

impl Persist for FittedAutoencoder {
    const KIND: &'static str = "ua-analytics/autoencoder";

    /// Checks the parameters, the scaler's and the network's own
    /// invariants, that both read `n_features` columns, that the layers
    /// have the widths the parameters give, the row counts and the
    /// threshold.
    fn validate(&self) -> std::result::Result<(), String> {
        self.params.check().map_err(|e| e.to_string())?;
        Persist::validate(&self.scaler).map_err(|e| format!("scaler: {e}"))?;
        self.network
            .validate()
            .map_err(|e| format!("network: {e}"))?;
        let d = self.n_features;
        if self.scaler.n_features() != d {
            return Err(format!(
                "the scaler reads {} columns, the model {d}",
                self.scaler.n_features()
            ));
        }
        if self.network.input_dim() != d || self.network.output_dim() != d {
            return Err(format!(
                "the network maps {} columns to {}, expected {d} to {d}",
                self.network.input_dim(),
                self.network.output_dim()
            ));
        }
        let mut widths = Vec::new();
        let mut width = d;
        for layer in self.network.layers() {
            width = layer.output_dim(width).map_err(|e| e.to_string())?;
            if layer.name() == "dense" {
                widths.push(width);
            }
        }
        let expected = self.params.layer_widths(d);
        if widths != expected || self.report.layer_widths != expected {
            return Err(format!(
                "the network's layers are {widths:?} wide, the report says {:?} and the \
                 parameters give {expected:?}",
                self.report.layer_widths
            ));
        }
        let r = &self.report;
        if r.validation_rows == 0
            || r.training_rows < MIN_TRAINING_ROWS
            || r.training_rows + r.validation_rows != r.rows
        {
            return Err(format!(
                "{} rows do not split into {} training and {} validation rows",
                r.rows, r.training_rows, r.validation_rows
            ));
        }
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(format!(
                "threshold {} is not finite and ≥ 0",
                self.threshold
            ));
        }
        Ok(())
    }
}

impl crate::Detector for Autoencoder {
    type Fitted = FittedAutoencoder;
    fn fit(&self, x: ArrayView2<'_, f32>) -> Result<FittedAutoencoder> {
        Autoencoder::fit(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn quantiles_and_fence_by_hand() {
        let s = [4.0f32, 1.0, 3.0, 2.0, 5.0];
        // sorted 1 2 3 4 5: q(0.9) at position 3.6 → 4.6; Q1 = 2, Q3 = 4.
        assert!((upper_quantile(&s, 0.1) - 4.6).abs() < 1e-6);
        assert_eq!(quantile(&s, 0.25), 2.0);
        assert_eq!(quantile(&s, 0.75), 4.0);
        assert_eq!(tukey_fence(&s), 7.0);
        assert_eq!(quantile(&[3.0], 0.5), 3.0);
    }

    #[test]
    fn row_means_sum_in_order() {
        let e = array![[1.0f32, 2.0, 3.0], [0.0, 0.0, 0.5]];
        let mut out = [0.0f32; 2];
        row_means(e.view(), &mut out);
        assert_eq!(out, [2.0, 0.5 / 3.0]);
    }

    #[test]
    fn split_sizes_and_its_error() {
        let p = Autoencoder::new();
        let (t, v) = p.split("t", 20).unwrap();
        assert_eq!((t.len(), v.len()), (18, 2));
        assert!(t.windows(2).all(|w| w[0] < w[1]) && v.windows(2).all(|w| w[0] < w[1]));
        assert!(t.iter().all(|i| !v.contains(i)));
        // 3 rows at 0.1: 1 validation row, 2 training rows — just enough.
        assert_eq!(p.split("t", 3).unwrap().0.len(), 2);
        let e = p.split("t", 2).unwrap_err().to_string();
        assert!(
            e.contains("2 rows with validation_share 0.1 leave 1 rows"),
            "{e}"
        );
        assert!(e.contains("(3 rows at this share)"), "{e}");
        let e = p
            .clone()
            .validation_share(0.5)
            .split("t", 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(4 rows at this share)"), "{e}");
    }
}
