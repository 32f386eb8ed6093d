//! Classifiers over behaviour-event sequences: the design document's
//! convolutional network ([`SequenceClassifier`]) and the order-blind
//! baseline beside it ([`BagOfEvents`]).
//!
//! Both read the same rows, laid out by a [`SequenceLayout`]:
//!
//! ```text
//! [ steps token ids, right-padded with 0 | numeric channels per step, time-major | static features ]
//! ```
//!
//! Token 0 is padding and token 1 is "unknown" (what a vocabulary fitted on
//! the training users maps an unseen event to); a row's length is one past
//! its last non-zero token. `ua_data::features::sequences` builds exactly
//! this layout from an event log; the static features are usually the
//! customer's RFM summary.
//!
//! **The network** (`SequenceClassifier`): Embedding(vocab, 32, padding 0)
//! and the numeric channels → Conv1D(64 filters, width 3, same padding,
//! ReLU) → max pool over each row's own length → concatenated with the
//! static features → Dense(32, ReLU) → Dropout → Dense(1, sigmoid), trained
//! by Adam on binary cross-entropy with early stopping on a stratified
//! validation split, class weights and a seed, exactly as
//! [`MlpClassifier`](super::MlpClassifier). Numeric channels are
//! standardised with statistics over the valid steps of the training rows,
//! static features over the training rows; both are saved with the model.
//!
//! **The baseline** (`BagOfEvents`): per row the count of each token
//! (order ignored; `ln(1 + count)` by default) next to the static features,
//! standardised, into [`LogisticRegression`]. Where the baseline does as
//! well as the network, the order of events carries no extra signal.

use ndarray::{Array1, Array2, ArrayView2, s};
use serde::{Deserialize, Serialize};
use ua_data::scale::{FittedStandardScaler, StandardScaler};
use ua_nn::layers::{Conv1D, Embedding, Padding, Parallel, Pooling, SequenceBranch};
use ua_nn::{Activation, ClassWeight, EarlyStopping, History, Layer, Sequential};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::init::{Initializer, seeded_rng};
use ua_tensor::persist::Persist;

use super::logistic::{FittedLogisticRegression, LogisticRegression};
use super::mlp::{Training, check_dropout, train_binary};
use super::{check_training_data, invalid};
use crate::error::parameter;
use crate::{Classifier, Error, Predictor, Result};

/// The largest vocabulary, embedding width, filter count or hidden width
/// accepted (checked before anything is allocated).
pub const MAX_SEQUENCE_UNITS: usize = 1 << 20;

/// The widest convolution accepted (same padding: a window may be wider
/// than a sequence).
const MAX_KERNEL_WIDTH: usize = 1 << 10;

/// Where the tokens, numeric channels and static features sit in a row.
///
/// ```
/// use ua_analytics::prediction::SequenceLayout;
/// // 4 steps, 1 channel per step, 2 static features, tokens 0..10
/// let layout = SequenceLayout::new(4, 1, 2, 10);
/// assert_eq!(layout.n_columns(), 4 + 4 + 2);
/// let x = ndarray::array![[3.0f32, 5.0, 0.0, 0.0, 0.1, 0.2, 0.0, 0.0, 1.0, 2.0]];
/// assert_eq!(layout.lengths(x.view()).unwrap(), [2]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceLayout {
    /// Token columns (the longest sequence).
    pub steps: usize,
    /// Numbers per step (e.g. log amount, log gap, hour of day).
    pub numeric_channels: usize,
    /// Static feature columns after the sequence.
    pub static_features: usize,
    /// Token ids lie in `0..vocab_size` (0 = padding, 1 = unknown).
    pub vocab_size: usize,
}

impl SequenceLayout {
    /// A layout of `steps` tokens with `numeric_channels` numbers each,
    /// then `static_features` columns; tokens below `vocab_size`.
    ///
    /// ```
    /// let l = ua_analytics::prediction::SequenceLayout::new(50, 3, 8, 1000);
    /// assert_eq!(l.sequence_columns(), 200);
    /// ```
    pub fn new(
        steps: usize,
        numeric_channels: usize,
        static_features: usize,
        vocab_size: usize,
    ) -> Self {
        SequenceLayout {
            steps,
            numeric_channels,
            static_features,
            vocab_size,
        }
    }

    /// Columns of the sequence part: `steps · (1 + numeric_channels)`.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::SequenceLayout::new(5, 2, 1, 9).sequence_columns(), 15);
    /// ```
    pub fn sequence_columns(&self) -> usize {
        self.steps
            .saturating_mul(self.numeric_channels.saturating_add(1))
    }

    /// Columns of a row: the sequence part and the static features.
    ///
    /// ```
    /// assert_eq!(ua_analytics::prediction::SequenceLayout::new(5, 2, 1, 9).n_columns(), 16);
    /// ```
    pub fn n_columns(&self) -> usize {
        self.sequence_columns().saturating_add(self.static_features)
    }

    fn validate(&self, op: &'static str) -> Result<()> {
        if self.steps == 0 {
            return Err(parameter(op, "layout.steps", "must be ≥ 1"));
        }
        if !(2..=MAX_SEQUENCE_UNITS).contains(&self.vocab_size) {
            return Err(parameter(
                op,
                "layout.vocab_size",
                format!(
                    "must be in 2..={MAX_SEQUENCE_UNITS} (0 = padding, 1 = unknown), got {}",
                    self.vocab_size
                ),
            ));
        }
        elements(op, &[self.steps, self.numeric_channels.saturating_add(1)])?;
        if self.n_columns() == usize::MAX {
            return Err(parameter(op, "layout", "the row width overflows"));
        }
        Ok(())
    }

    /// Checks rows against the layout: the width, at least one row, finite
    /// values, and tokens that are whole numbers in `0..vocab_size`. The
    /// error names the row and step of a bad token.
    ///
    /// ```
    /// use ua_analytics::prediction::SequenceLayout;
    /// let layout = SequenceLayout::new(2, 0, 0, 5);
    /// assert!(layout.check("score", ndarray::array![[4.0f32, 0.0]].view()).is_ok());
    /// let e = layout.check("score", ndarray::array![[1.0f32, 7.0]].view()).unwrap_err();
    /// assert!(e.to_string().contains("row 0, step 1: token 7"), "{e}");
    /// ```
    pub fn check(&self, op: &'static str, x: ArrayView2<'_, f32>) -> Result<()> {
        self.validate(op)?;
        if x.ncols() != self.n_columns() {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!(
                    "{} columns ({} steps × (1 token + {} channels) + {} static features)",
                    self.n_columns(),
                    self.steps,
                    self.numeric_channels,
                    self.static_features
                ),
                found: format!("{} columns", x.ncols()),
            });
        }
        if x.nrows() == 0 {
            return Err(Error::Empty { op });
        }
        ua_tensor::check::ensure_finite(op, &x)?;
        let vocab = self.vocab_size as f32;
        for (r, row) in x.rows().into_iter().enumerate() {
            for (t, &v) in row.iter().take(self.steps).enumerate() {
                if !(v >= 0.0 && v < vocab && v.fract() == 0.0) {
                    return Err(invalid(
                        op,
                        format!(
                            "row {r}, step {t}: token {v} is not a whole number in 0..{} \
                             (0 = padding, 1 = unknown; map tokens the vocabulary does not \
                             know to 1)",
                            self.vocab_size
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Each row's length: one past its last non-padding token (checks the
    /// rows first, see [`check`](Self::check)).
    ///
    /// ```
    /// use ua_analytics::prediction::SequenceLayout;
    /// let layout = SequenceLayout::new(3, 0, 0, 9);
    /// let x = ndarray::array![[0.0f32, 0.0, 0.0], [2.0, 0.0, 3.0]];
    /// assert_eq!(layout.lengths(x.view()).unwrap(), [0, 3]);
    /// ```
    pub fn lengths(&self, x: ArrayView2<'_, f32>) -> Result<Vec<usize>> {
        self.check("SequenceLayout::lengths", x)?;
        Ok(self.lengths_unchecked(x))
    }

    fn lengths_unchecked(&self, x: ArrayView2<'_, f32>) -> Vec<usize> {
        x.rows()
            .into_iter()
            .map(|row| {
                row.iter()
                    .take(self.steps)
                    .rposition(|&v| v != 0.0)
                    .map_or(0, |t| t + 1)
            })
            .collect()
    }

    /// Column of numeric channel `c` at step `t`.
    fn channel_col(&self, t: usize, c: usize) -> usize {
        self.steps + t * self.numeric_channels + c
    }
}

/// Mean and scale of the numeric channels (over valid steps) and of the
/// static features, learned on the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RowScaling {
    channels: Option<FittedStandardScaler>,
    statics: Option<FittedStandardScaler>,
}

impl RowScaling {
    fn fit(layout: &SequenceLayout, x: ArrayView2<'_, f32>) -> Result<Self> {
        let k = layout.numeric_channels;
        let lengths = layout.lengths_unchecked(x);
        let valid: usize = lengths.iter().sum();
        let channels = if k > 0 && valid > 0 {
            let mut steps = Array2::<f32>::zeros((valid, k));
            let mut i = 0;
            for (row, &len) in x.rows().into_iter().zip(&lengths) {
                for t in 0..len {
                    for c in 0..k {
                        steps[[i, c]] = row[layout.channel_col(t, c)];
                    }
                    i += 1;
                }
            }
            Some(StandardScaler::default().fit_matrix(steps.view())?)
        } else {
            None
        };
        let statics = if layout.static_features > 0 {
            let block = x.slice(s![.., layout.sequence_columns()..]);
            Some(StandardScaler::default().fit_matrix(block)?)
        } else {
            None
        };
        Ok(RowScaling { channels, statics })
    }

    /// A scaled copy of checked rows `x` (tokens untouched).
    fn apply(&self, layout: &SequenceLayout, x: ArrayView2<'_, f32>) -> Array2<f32> {
        let mut out = x.to_owned();
        let affine = |s: &FittedStandardScaler| -> Vec<(f32, f32)> {
            s.mean()
                .iter()
                .zip(s.scale())
                .map(|(&m, &sc)| (m as f32, (1.0 / sc) as f32))
                .collect()
        };
        if let Some(ch) = &self.channels {
            let a = affine(ch);
            for mut row in out.rows_mut() {
                for t in 0..layout.steps {
                    for (c, &(m, f)) in a.iter().enumerate() {
                        let v = &mut row[layout.channel_col(t, c)];
                        *v = (*v - m) * f;
                    }
                }
            }
        }
        if let Some(st) = &self.statics {
            let a = affine(st);
            let start = layout.sequence_columns();
            for mut row in out.rows_mut() {
                for (j, &(m, f)) in a.iter().enumerate() {
                    let v = &mut row[start + j];
                    *v = (*v - m) * f;
                }
            }
        }
        out
    }

    fn check_against(&self, layout: &SequenceLayout) -> std::result::Result<(), String> {
        let width = |s: &Option<FittedStandardScaler>| s.as_ref().map_or(0, |s| s.n_features());
        let ch = width(&self.channels);
        if ch != 0 && ch != layout.numeric_channels {
            return Err(format!(
                "the channel scaling has {ch} channels, the layout {}",
                layout.numeric_channels
            ));
        }
        if width(&self.statics) != layout.static_features {
            return Err(format!(
                "the static scaling has {} features, the layout {}",
                width(&self.statics),
                layout.static_features
            ));
        }
        Ok(())
    }
}

/// Hyper-parameters of the sequence network (see the [module docs](self)).
/// The defaults are the issue's architecture: embedding 32, 64 filters of
/// width 3, max pooling, Dense 32 with dropout 0.2, Adam(1e-3), batch 64, up
/// to 50 epochs with early stopping, seed 42.
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
/// // 6 steps, tokens 2..6; label: token 5 directly after token 4.
/// let rows = 200;
/// let mut x = Array2::<f32>::zeros((rows, 6));
/// let mut y = Vec::new();
/// for i in 0..rows {
///     for t in 0..6 { x[[i, t]] = (2 + (i * 7 + t * 3) % 3) as f32; }
///     let at = i % 5;
///     let (a, b) = if i % 2 == 0 { (4.0, 5.0) } else { (5.0, 4.0) };
///     x[[i, at]] = a;
///     x[[i, at + 1]] = b;
///     y.push(u8::from(i % 2 == 0));
/// }
/// let model = SequenceClassifier::new(SequenceLayout::new(6, 0, 0, 6))
///     .embedding_dim(8).filters(8).hidden(8).epochs(40).early_stopping(None)
///     .learning_rate(0.01).fit(x.view(), &y).unwrap();
/// let p = model.predict(x.view(), 0.5).unwrap();
/// let correct = p.iter().zip(&y).filter(|(a, b)| a == b).count();
/// // Both orders hold the same tokens: a bag of tokens gets half of them right.
/// assert!(correct >= 170, "{correct}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceClassifier {
    /// Where tokens, channels and static features sit in a row.
    pub layout: SequenceLayout,
    /// Width of the token embedding. Default 32.
    pub embedding_dim: usize,
    /// Convolution filters. Default 64.
    pub filters: usize,
    /// Convolution width in steps (same padding), 1..=1024. Default 3.
    pub kernel_width: usize,
    /// Max or mean over each row's valid steps. Default max.
    pub pooling: Pooling,
    /// Units of the dense ReLU layer after the concatenation. Default 32.
    pub hidden: usize,
    /// Dropout after the dense layer, in [0, 1). Default 0.2.
    pub dropout: f64,
    /// Adam's learning rate. Default 1e-3.
    pub learning_rate: f64,
    /// Most passes over the training rows. Default 50.
    pub epochs: usize,
    /// Rows per mini-batch. Default 64.
    pub batch_size: usize,
    /// Early stopping; `None` trains all epochs on all rows.
    pub early_stopping: Option<EarlyStopping>,
    /// Class weights in the loss; `None`: every row weighs 1.
    pub class_weight: Option<ClassWeight>,
    /// L2 penalty on the weights. Default 0.
    pub l2: f64,
    /// Seed of the initial weights, dropout, shuffling and validation split.
    pub seed: u64,
}

macro_rules! setters {
    ($ty:ident { $($(#[$doc:meta])* $name:ident : $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                $(#[$doc])*
                pub fn $name(mut self, value: $t) -> Self {
                    self.$name = value;
                    self
                }
            )*
        }
    };
}

setters!(SequenceClassifier {
    /// Sets the embedding width.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).embedding_dim(8).embedding_dim, 8);
    /// ```
    embedding_dim: usize,
    /// Sets the number of convolution filters.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).filters(16).filters, 16);
    /// ```
    filters: usize,
    /// Sets the convolution width.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).kernel_width(5).kernel_width, 5);
    /// ```
    kernel_width: usize,
    /// Sets the pooling.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// use ua_nn::layers::Pooling;
    /// let m = SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).pooling(Pooling::Avg);
    /// assert_eq!(m.pooling, Pooling::Avg);
    /// ```
    pooling: Pooling,
    /// Sets the dense layer's width.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).hidden(8).hidden, 8);
    /// ```
    hidden: usize,
    /// Sets the dropout rate.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).dropout(0.0).dropout, 0.0);
    /// ```
    dropout: f64,
    /// Sets Adam's learning rate.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).learning_rate(0.01).learning_rate, 0.01);
    /// ```
    learning_rate: f64,
    /// Sets the epoch limit.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).epochs(3).epochs, 3);
    /// ```
    epochs: usize,
    /// Sets the mini-batch size.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).batch_size(256).batch_size, 256);
    /// ```
    batch_size: usize,
    /// Sets (or with `None` switches off) early stopping.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).early_stopping(None).early_stopping.is_none());
    /// ```
    early_stopping: Option<EarlyStopping>,
    /// Sets (or with `None` switches off) class weights.
    ///
    /// ```
    /// use ua_analytics::prediction::{ClassWeight, SequenceClassifier, SequenceLayout};
    /// let m = SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).class_weight(Some(ClassWeight::Balanced));
    /// assert_eq!(m.class_weight, Some(ClassWeight::Balanced));
    /// ```
    class_weight: Option<ClassWeight>,
    /// Sets the L2 penalty.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).l2(1e-4).l2, 1e-4);
    /// ```
    l2: f64,
    /// Sets the seed.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// assert_eq!(SequenceClassifier::new(SequenceLayout::new(5, 0, 0, 9)).seed(7).seed, 7);
    /// ```
    seed: u64,
});

impl SequenceClassifier {
    /// The defaults (see the type's docs) for rows laid out as `layout`.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// let m = SequenceClassifier::new(SequenceLayout::new(50, 3, 8, 1000));
    /// assert_eq!((m.embedding_dim, m.filters, m.kernel_width, m.hidden), (32, 64, 3, 32));
    /// ```
    pub fn new(layout: SequenceLayout) -> Self {
        SequenceClassifier {
            layout,
            embedding_dim: 32,
            filters: 64,
            kernel_width: 3,
            pooling: Pooling::Max,
            hidden: 32,
            dropout: 0.2,
            learning_rate: 1e-3,
            epochs: 50,
            batch_size: 64,
            early_stopping: Some(EarlyStopping::default()),
            class_weight: None,
            l2: 0.0,
            seed: 42,
        }
    }

    fn validate(&self) -> Result<()> {
        const OP: &str = "SequenceClassifier::fit";
        self.layout.validate(OP)?;
        for (name, v) in [
            ("embedding_dim", self.embedding_dim),
            ("filters", self.filters),
            ("hidden", self.hidden),
        ] {
            if !(1..=MAX_SEQUENCE_UNITS).contains(&v) {
                return Err(parameter(
                    OP,
                    name,
                    format!("must be in 1..={MAX_SEQUENCE_UNITS}, got {v}"),
                ));
            }
        }
        if !(1..=MAX_KERNEL_WIDTH).contains(&self.kernel_width) {
            return Err(parameter(
                OP,
                "kernel_width",
                format!(
                    "must be in 1..={MAX_KERNEL_WIDTH}, got {}",
                    self.kernel_width
                ),
            ));
        }
        check_dropout(OP, self.dropout)?;
        self.training().check(OP)?;
        // The embedding table is the one large parameter.
        check_allocation(
            OP,
            "the embedding table (vocabulary × embedding_dim)",
            elements(OP, &[self.layout.vocab_size, self.embedding_dim])?,
            std::mem::size_of::<f32>() * 4, // weights, gradient, two Adam moments
        )?;
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

    /// The untrained network.
    fn network(&self) -> Result<Sequential<f32>> {
        let l = &self.layout;
        let embedding = Embedding::<f32>::new(l.vocab_size, self.embedding_dim, self.seed)?
            .with_padding_index(Some(0))?;
        let conv = Conv1D::new(
            self.embedding_dim + l.numeric_channels,
            self.filters,
            self.kernel_width,
            Activation::Relu,
            Initializer::HeUniform,
            &mut seeded_rng(self.seed.wrapping_add(1)),
        )?
        .with_padding(Padding::Same);
        let branch = SequenceBranch::new(
            l.steps,
            l.numeric_channels,
            embedding,
            vec![conv],
            self.pooling,
        )?;
        let mut branches = vec![(
            branch.input_dim(),
            vec![Box::new(branch) as Box<dyn Layer<f32>>],
        )];
        if l.static_features > 0 {
            branches.push((l.static_features, Vec::new()));
        }
        let mut b = Sequential::<f32>::builder(l.n_columns())
            .layer(Box::new(Parallel::new(branches)?))
            .dense(self.hidden, Activation::Relu);
        if self.dropout > 0.0 {
            b = b.dropout(self.dropout);
        }
        Ok(b.dense(1, Activation::Sigmoid).seed(self.seed).build()?)
    }

    /// Learns the scaling of the channels and static features on `x`, then
    /// trains the network on the scaled rows with labels `y` (0/1).
    ///
    /// Errors: bad hyper-parameters or layout, rows that do not match the
    /// layout (width, a token that is not a whole number below the
    /// vocabulary size — naming row and step — NaN or infinite values), labels
    /// other than 0/1, one class only, too few rows for the validation split.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// let x = ndarray::array![[2.0f32, 3.0], [3.0, 0.0]];
    /// let e = SequenceClassifier::new(SequenceLayout::new(2, 0, 0, 3)).fit(x.view(), &[0, 1]).unwrap_err();
    /// assert!(e.to_string().contains("row 0, step 1: token 3"), "{e}");
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedSequenceClassifier> {
        const OP: &str = "SequenceClassifier::fit";
        self.validate()?;
        self.layout.check(OP, x)?;
        check_training_data(OP, &x, y)?;
        check_allocation(
            OP,
            &format!(
                "the scaled copy of the {} rows × {} columns",
                x.nrows(),
                x.ncols()
            ),
            elements(OP, &[x.nrows(), x.ncols()])?,
            std::mem::size_of::<f32>() * 2,
        )?;
        let scaling = RowScaling::fit(&self.layout, x)?;
        let scaled = scaling.apply(&self.layout, x);
        let mut network = self.network()?;
        let history = train_binary(OP, &mut network, scaled.view(), y, &self.training())?;
        Ok(FittedSequenceClassifier {
            params: self.clone(),
            scaling,
            history,
            network,
        })
    }
}

/// A trained [`SequenceClassifier`]: the scaling learned on the training
/// rows, the network and its history. Scores through `&self`; saves through
/// the envelope (kind `ua-analytics/sequence-classifier`).
///
/// ```
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::{FittedSequenceClassifier, SequenceClassifier, SequenceLayout};
/// use ua_tensor::persist::Persist;
/// let x = ndarray::array![[2.0f32, 3.0, 1.5], [3.0, 0.0, -0.5], [2.0, 2.0, 0.5], [3.0, 3.0, 0.0]];
/// let m = SequenceClassifier::new(SequenceLayout::new(2, 0, 1, 4)).early_stopping(None).epochs(2)
///     .fit(x.view(), &[0, 1, 0, 1]).unwrap();
/// let back = FittedSequenceClassifier::from_json(&m.to_json().unwrap()).unwrap();
/// assert_eq!(back.predict_proba(x.view()).unwrap(), m.predict_proba(x.view()).unwrap());
/// // An empty sequence (padding only) is scored from its static features.
/// let empty = ndarray::array![[0.0f32, 0.0, 1.0]];
/// assert!(m.predict_proba(empty.view()).unwrap()[0].is_finite());
/// ```
#[derive(Debug, Serialize, Deserialize)]
pub struct FittedSequenceClassifier {
    params: SequenceClassifier,
    scaling: RowScaling,
    history: History,
    network: Sequential<f32>,
}

impl FittedSequenceClassifier {
    /// The hyper-parameters (and layout) the network was trained with.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// let x = ndarray::array![[2.0f32], [3.0]];
    /// let m = SequenceClassifier::new(SequenceLayout::new(1, 0, 0, 4)).kernel_width(1)
    ///     .early_stopping(None).epochs(1).fit(x.view(), &[0, 1]).unwrap();
    /// assert_eq!(m.params().layout.vocab_size, 4);
    /// ```
    pub fn params(&self) -> &SequenceClassifier {
        &self.params
    }

    /// The per-epoch losses and accuracies, the best epoch and whether
    /// training stopped early.
    ///
    /// ```
    /// use ua_analytics::prediction::{SequenceClassifier, SequenceLayout};
    /// let x = ndarray::array![[2.0f32], [3.0]];
    /// let m = SequenceClassifier::new(SequenceLayout::new(1, 0, 0, 4)).kernel_width(1)
    ///     .early_stopping(None).epochs(3).fit(x.view(), &[0, 1]).unwrap();
    /// assert_eq!(m.history().epochs.len(), 3);
    /// ```
    pub fn history(&self) -> &History {
        &self.history
    }
}

impl Predictor<ArrayView2<'_, f32>> for FittedSequenceClassifier {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        const OP: &str = "FittedSequenceClassifier::predict_proba";
        self.params.layout.check(OP, x)?;
        let scaled = self.scaling.apply(&self.params.layout, x);
        let out = self.network.predict(scaled.view())?;
        Ok(out.column(0).to_owned())
    }
}

impl Persist for FittedSequenceClassifier {
    const KIND: &'static str = "ua-analytics/sequence-classifier";

    /// Checks the parameters, the network's invariants, that it reads the
    /// layout's columns into one output, and the scaling's widths.
    fn validate(&self) -> std::result::Result<(), String> {
        self.params.validate().map_err(|e| e.to_string())?;
        self.network.validate()?;
        let cols = self.params.layout.n_columns();
        if self.network.input_dim() != cols || self.network.output_dim() != 1 {
            return Err(format!(
                "the network has {} inputs and {} outputs, expected {cols} and 1",
                self.network.input_dim(),
                self.network.output_dim()
            ));
        }
        self.scaling.check_against(&self.params.layout)
    }
}

impl Classifier for SequenceClassifier {
    type Params = Self;
    type Fitted = FittedSequenceClassifier;
    fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedSequenceClassifier> {
        SequenceClassifier::fit(self, x, y)
    }
    fn params(&self) -> Self {
        self.clone()
    }
    fn params_of(fitted: &FittedSequenceClassifier) -> Self {
        fitted.params.clone()
    }
}

/// The order-blind baseline: token counts and static features,
/// standardised, into [`LogisticRegression`] (see the [module docs](self)).
///
/// ```
/// use ua_analytics::Predictor;
/// use ua_analytics::prediction::{BagOfEvents, SequenceLayout};
/// // label: the row holds token 4 (anywhere)
/// let x = ndarray::array![[4.0f32, 2.0], [2.0, 3.0], [3.0, 4.0], [2.0, 2.0], [4.0, 0.0], [3.0, 0.0]];
/// let y = [1, 0, 1, 0, 1, 0];
/// let m = BagOfEvents::new(SequenceLayout::new(2, 0, 0, 5)).fit(x.view(), &y).unwrap();
/// let p = m.predict(x.view(), 0.5).unwrap();
/// assert_eq!(p.to_vec(), y);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BagOfEvents {
    /// Where tokens, channels and static features sit in a row (channels
    /// are not used).
    pub layout: SequenceLayout,
    /// Count features as `ln(1 + count)` (default) or raw counts.
    pub log_counts: bool,
    /// The logistic regression on the standardised features.
    pub logistic: LogisticRegression,
}

/// A fitted [`BagOfEvents`] (kind `ua-analytics/bag-of-events`).
///
/// ```
/// use ua_analytics::prediction::{BagOfEvents, FittedBagOfEvents, SequenceLayout};
/// use ua_tensor::persist::Persist;
/// let x = ndarray::array![[4.0f32, 2.0], [2.0, 3.0], [3.0, 4.0], [2.0, 2.0]];
/// let m = BagOfEvents::new(SequenceLayout::new(2, 0, 0, 5)).fit(x.view(), &[1, 0, 1, 0]).unwrap();
/// let back = FittedBagOfEvents::from_json(&m.to_json().unwrap()).unwrap();
/// assert_eq!(back.feature_names(), ["token_1", "token_2", "token_3", "token_4"]);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedBagOfEvents {
    params: BagOfEvents,
    scaler: FittedStandardScaler,
    model: FittedLogisticRegression,
}

impl BagOfEvents {
    /// The baseline for rows laid out as `layout`, with log counts and the
    /// default [`LogisticRegression`].
    ///
    /// ```
    /// use ua_analytics::prediction::{BagOfEvents, SequenceLayout};
    /// assert!(BagOfEvents::new(SequenceLayout::new(5, 0, 2, 9)).log_counts);
    /// ```
    pub fn new(layout: SequenceLayout) -> Self {
        BagOfEvents {
            layout,
            log_counts: true,
            logistic: LogisticRegression::new(),
        }
    }

    /// Sets the logistic regression.
    ///
    /// ```
    /// use ua_analytics::prediction::{BagOfEvents, LogisticRegression, SequenceLayout};
    /// let b = BagOfEvents::new(SequenceLayout::new(5, 0, 0, 9)).logistic(LogisticRegression::new().c(0.1));
    /// assert_eq!(b.logistic.c, 0.1);
    /// ```
    pub fn logistic(mut self, logistic: LogisticRegression) -> Self {
        self.logistic = logistic;
        self
    }

    /// Sets whether counts enter as `ln(1 + count)`.
    ///
    /// ```
    /// use ua_analytics::prediction::{BagOfEvents, SequenceLayout};
    /// assert!(!BagOfEvents::new(SequenceLayout::new(5, 0, 0, 9)).log_counts(false).log_counts);
    /// ```
    pub fn log_counts(mut self, log_counts: bool) -> Self {
        self.log_counts = log_counts;
        self
    }

    /// The unscaled features of checked rows: one count column per token
    /// `1..vocab_size` (padding is not counted), then the static features.
    fn features(&self, op: &'static str, x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        let l = &self.layout;
        let tokens = l.vocab_size - 1;
        let width = tokens + l.static_features;
        check_allocation(
            op,
            &format!("the {} rows × {width} token-count features", x.nrows()),
            elements(op, &[x.nrows(), width])?,
            std::mem::size_of::<f32>(),
        )?;
        let mut f = Array2::<f32>::zeros((x.nrows(), width));
        for (row, mut out) in x.rows().into_iter().zip(f.rows_mut()) {
            for &v in row.iter().take(l.steps) {
                if v != 0.0 {
                    out[v as usize - 1] += 1.0;
                }
            }
            if self.log_counts {
                out.slice_mut(s![..tokens]).mapv_inplace(f32::ln_1p);
            }
            let statics = row.slice(s![l.sequence_columns()..]);
            out.slice_mut(s![tokens..]).assign(&statics);
        }
        Ok(f)
    }

    /// Counts the tokens of each row of `x`, standardises the counts and
    /// static features on these rows, and fits the logistic regression.
    ///
    /// Errors as [`SequenceLayout::check`] and
    /// [`LogisticRegression::fit`].
    ///
    /// ```
    /// use ua_analytics::prediction::{BagOfEvents, SequenceLayout};
    /// let x = ndarray::array![[4.0f32, 2.0], [2.0, 3.0]];
    /// assert!(BagOfEvents::new(SequenceLayout::new(2, 0, 0, 5)).fit(x.view(), &[1, 1]).is_err());
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedBagOfEvents> {
        const OP: &str = "BagOfEvents::fit";
        self.layout.check(OP, x)?;
        check_training_data(OP, &x, y)?;
        let f = self.features(OP, x)?;
        let scaler = StandardScaler::default().fit_matrix(f.view())?;
        let model = self
            .logistic
            .fit(scaler.transform_matrix(f.view())?.view(), y)?;
        Ok(FittedBagOfEvents {
            params: self.clone(),
            scaler,
            model,
        })
    }
}

impl FittedBagOfEvents {
    /// Names of the model's features: `token_1` … `token_{vocab−1}`, then
    /// `static_0` … (in the row's order).
    ///
    /// ```
    /// use ua_analytics::prediction::{BagOfEvents, SequenceLayout};
    /// let x = ndarray::array![[2.0f32, 0.5], [3.0, 1.5]];
    /// let m = BagOfEvents::new(SequenceLayout::new(1, 0, 1, 4)).fit(x.view(), &[0, 1]).unwrap();
    /// assert_eq!(m.feature_names(), ["token_1", "token_2", "token_3", "static_0"]);
    /// ```
    pub fn feature_names(&self) -> Vec<String> {
        let l = &self.params.layout;
        (1..l.vocab_size)
            .map(|t| format!("token_{t}"))
            .chain((0..l.static_features).map(|j| format!("static_{j}")))
            .collect()
    }

    /// The fitted logistic regression (its coefficients are per standardised
    /// feature, in [`feature_names`](Self::feature_names) order).
    ///
    /// ```
    /// use ua_analytics::prediction::{BagOfEvents, SequenceLayout};
    /// let x = ndarray::array![[2.0f32], [3.0], [2.0], [3.0]];
    /// let m = BagOfEvents::new(SequenceLayout::new(1, 0, 0, 4)).fit(x.view(), &[0, 1, 0, 1]).unwrap();
    /// assert!(m.logistic().coef()[2] > 0.0); // token 3 → class 1
    /// ```
    pub fn logistic(&self) -> &FittedLogisticRegression {
        &self.model
    }
}

impl Predictor<ArrayView2<'_, f32>> for FittedBagOfEvents {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        const OP: &str = "FittedBagOfEvents::predict_proba";
        self.params.layout.check(OP, x)?;
        let f = self.params.features(OP, x)?;
        self.model
            .predict_proba(self.scaler.transform_matrix(f.view())?.view())
    }
}

impl Persist for FittedBagOfEvents {
    const KIND: &'static str = "ua-analytics/bag-of-events";

    /// Checks the layout and that the scaler and the logistic regression
    /// read one column per token and static feature.
    fn validate(&self) -> std::result::Result<(), String> {
        let l = &self.params.layout;
        l.validate("FittedBagOfEvents::load")
            .map_err(|e| e.to_string())?;
        let width = l.vocab_size - 1 + l.static_features;
        if self.scaler.n_features() != width || self.model.n_features() != width {
            return Err(format!(
                "the scaler reads {} and the model {} features, the layout gives {width}",
                self.scaler.n_features(),
                self.model.n_features()
            ));
        }
        Ok(())
    }
}

impl Classifier for BagOfEvents {
    type Params = Self;
    type Fitted = FittedBagOfEvents;
    fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedBagOfEvents> {
        BagOfEvents::fit(self, x, y)
    }
    fn params(&self) -> Self {
        self.clone()
    }
    fn params_of(fitted: &FittedBagOfEvents) -> Self {
        fitted.params.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn bag_features_count_tokens_but_not_padding() {
        // 4 steps, 1 channel, 1 static feature, tokens 0..5
        let layout = SequenceLayout::new(4, 1, 1, 5);
        let x = array![
            [4.0f32, 2.0, 4.0, 0.0, 9.0, 9.0, 9.0, 9.0, 0.5],
            [0.0, 1.0, 0.0, 0.0, 9.0, 9.0, 9.0, 9.0, -2.0],
        ];
        let raw = BagOfEvents::new(layout).log_counts(false);
        let f = raw.features("test", x.view()).unwrap();
        assert_eq!(
            f,
            array![[0.0f32, 1.0, 0.0, 2.0, 0.5], [1.0, 0.0, 0.0, 0.0, -2.0]]
        );
        let logged = BagOfEvents::new(layout).features("test", x.view()).unwrap();
        assert_eq!(logged[[0, 3]], 3.0f32.ln());
        assert_eq!(logged[[0, 1]], 2.0f32.ln());
        assert_eq!(logged[[1, 4]], -2.0); // static features are not logged
    }

    #[test]
    fn row_scaling_uses_valid_steps_and_leaves_tokens() {
        // Channel values 1 and 3 at valid steps (mean 2, std 1); 100 in the padding.
        let layout = SequenceLayout::new(2, 1, 1, 5);
        let x = array![[2.0f32, 0.0, 1.0, 100.0, 10.0], [3.0, 4.0, 3.0, 2.0, 20.0]];
        // Valid steps: row 0 step 0 (1.0), row 1 steps 0 and 1 (3.0, 2.0).
        let s = RowScaling::fit(&layout, x.view()).unwrap();
        let ch = s.channels.as_ref().unwrap();
        assert_eq!(ch.mean(), &[2.0]);
        assert_eq!(ch.n_samples(), 3);
        let st = s.statics.as_ref().unwrap();
        assert_eq!((st.mean(), st.scale()), (&[15.0][..], &[5.0][..]));
        let out = s.apply(&layout, x.view());
        let sd = (2.0f32 / 3.0).sqrt();
        assert_eq!(out.slice(s![.., ..2]), x.slice(s![.., ..2]));
        assert!((out[[0, 2]] - (-1.0 / sd)).abs() < 1e-6, "{out}");
        assert!((out[[1, 3]] - 0.0).abs() < 1e-6, "{out}");
        assert_eq!(out.column(4).to_vec(), [-1.0, 1.0]);
        // Without channels or static features there is nothing to learn.
        let bare = SequenceLayout::new(2, 0, 0, 5);
        let none = RowScaling::fit(&bare, x.slice(s![.., ..2])).unwrap();
        assert!(none.channels.is_none() && none.statics.is_none());
        assert!(none.check_against(&bare).is_ok());
        assert!(s.check_against(&bare).is_err());
    }

    #[test]
    fn row_scaling_reads_each_channel_and_static_feature_in_its_own_column() {
        // 2 steps × 2 channels, 2 static features. Columns: tokens t0 t1 |
        // (t0, c0) (t0, c1) (t1, c0) (t1, c1) | s0 s1. Row 1 has one valid step.
        let layout = SequenceLayout::new(2, 2, 2, 5);
        let x = array![
            [2.0f32, 3.0, 1.0, 10.0, 3.0, 30.0, 0.0, 100.0],
            [4.0, 0.0, 5.0, 50.0, 99.0, 99.0, 2.0, 300.0],
        ];
        let s = RowScaling::fit(&layout, x.view()).unwrap();
        let ch = s.channels.as_ref().unwrap();
        // channel 0 over valid steps: 1, 3, 5; channel 1: 10, 30, 50
        assert_eq!(ch.n_samples(), 3);
        assert_eq!(ch.mean(), &[3.0, 30.0]);
        let st = s.statics.as_ref().unwrap();
        assert_eq!(
            (st.mean(), st.scale()),
            (&[1.0, 200.0][..], &[1.0, 100.0][..])
        );
        let out = s.apply(&layout, x.view());
        let sd0 = (8.0f32 / 3.0).sqrt();
        let sd1 = (800.0f32 / 3.0).sqrt();
        let expect = [
            ((0, 2), -2.0 / sd0),
            ((0, 3), -20.0 / sd1),
            ((0, 4), 0.0),
            ((0, 5), 0.0),
            ((1, 2), 2.0 / sd0),
            ((1, 3), 20.0 / sd1),
            ((0, 6), -1.0),
            ((0, 7), -1.0),
            ((1, 6), 1.0),
            ((1, 7), 1.0),
        ];
        for ((r, c), want) in expect {
            assert!((out[[r, c]] - want).abs() < 1e-5, "[{r}, {c}]: {out}");
        }
        assert_eq!(out.slice(s![.., ..2]), x.slice(s![.., ..2]));
        assert!(s.check_against(&layout).is_ok());
    }

    #[test]
    fn row_scaling_of_rows_without_valid_steps_learns_no_channels() {
        let layout = SequenceLayout::new(2, 1, 0, 5);
        let x = array![[0.0f32, 0.0, 7.0, 8.0], [0.0, 0.0, 1.0, 2.0]];
        let s = RowScaling::fit(&layout, x.view()).unwrap();
        assert!(s.channels.is_none() && s.statics.is_none());
        // No channel scaling is consistent with any channel count.
        assert!(s.check_against(&layout).is_ok());
        assert_eq!(s.apply(&layout, x.view()), x);
    }

    #[test]
    fn row_scaling_check_against_names_a_channel_count_mismatch() {
        let one = SequenceLayout::new(2, 1, 0, 5);
        let x = array![[2.0f32, 3.0, 1.0, 2.0], [4.0, 0.0, 5.0, 0.0]];
        let s = RowScaling::fit(&one, x.view()).unwrap();
        assert!(s.check_against(&one).is_ok());
        let e = s
            .check_against(&SequenceLayout::new(2, 2, 0, 5))
            .unwrap_err();
        assert!(e.contains("1 channels, the layout 2"), "{e}");
        let e = s
            .check_against(&SequenceLayout::new(2, 1, 3, 5))
            .unwrap_err();
        assert!(e.contains("0 features, the layout 3"), "{e}");
    }

    #[test]
    fn the_network_has_a_dropout_layer_only_for_a_positive_rate() {
        let layout = SequenceLayout::new(3, 0, 0, 5);
        let with = SequenceClassifier::new(layout)
            .dropout(0.2)
            .network()
            .unwrap();
        let without = SequenceClassifier::new(layout)
            .dropout(0.0)
            .network()
            .unwrap();
        assert_eq!(with.layers().len(), without.layers().len() + 1);
        // Without static features the network reads the token columns only.
        assert_eq!((without.input_dim(), without.output_dim()), (3, 1));
        let statics = SequenceClassifier::new(SequenceLayout::new(3, 1, 2, 5))
            .network()
            .unwrap();
        assert_eq!(statics.input_dim(), 3 * 2 + 2);
    }
}
