//! A customer's transactions as a sequence beside their RFM summary: the
//! rows [`SequenceClassifier`](super::SequenceClassifier) and
//! [`BagOfEvents`](super::BagOfEvents) read for repeat-purchase
//! prediction.
//!
//! Each transaction up to the cut-off is one step — the token `purchase`
//! and its channels (by default `ln(1 + amount)` and `ln(1 + days since the
//! previous transaction)`), the last `max_len` of them, right-padded
//! (`ua_data::features::sequences`). Or the steps come from a separate
//! event log with its own columns ([`PurchaseSequences::events`]): views,
//! carts and purchases with a token such as event type × category, times
//! in seconds (then the hour of day is a channel too). The static part of each row is the
//! customer's RFM table row through the automatic column recipe (median
//! imputation, standard scaling). The vocabulary and the recipe are fitted
//! on the training customers only and kept in [`FittedPurchaseSequences`],
//! which builds the rows of any later table the same way.

use std::collections::HashSet;

use ndarray::{Array2, Axis, concatenate};
use serde::{Deserialize, Serialize};
use ua_data::features::sequences::{
    Channel, EventColumns, EventSequences, SequenceConfig, SequenceReport, Vocabulary,
};
use ua_data::features::{Key, read_keys};
use ua_data::pipeline::{ColumnTransformer, FittedColumnTransformer};
use ua_data::{Column, Table};

use super::invalid;
use super::repeat::{RepeatPurchase, RepeatPurchaseFeatures};
use super::sequence::SequenceLayout;
use crate::Result;
use ua_tensor::persist::Persist;

/// The token of every transaction when no token column is given.
pub const PURCHASE_TOKEN: &str = "purchase";

/// The column holding [`PURCHASE_TOKEN`] in the copy of the log.
const TOKEN_COLUMN: &str = "__ua_purchase_token";

/// How transactions become sequence steps (see the [module docs](self)).
///
/// ```
/// use ua_analytics::prediction::PurchaseSequences;
/// let p = PurchaseSequences::default();
/// assert_eq!((p.max_len, p.events.is_none(), p.channels.len()), (50, true, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseSequences {
    /// The most recent transactions kept per customer. Default 50.
    pub max_len: usize,
    /// The columns of the event table the steps are read from (user, time,
    /// token columns, optional amount); `None` (default): the transaction
    /// log itself, each transaction the token [`PURCHASE_TOKEN`] with its
    /// amount. The user ids must be of the same kind as the log's customer
    /// ids (numbers or texts).
    pub events: Option<EventColumns>,
    /// Numbers per step. Default: log amount and log gap in days.
    pub channels: Vec<Channel>,
    /// Tokens seen fewer times among the training customers' transactions
    /// map to "unknown". Default 1.
    pub min_count: usize,
}

impl Default for PurchaseSequences {
    fn default() -> Self {
        PurchaseSequences {
            max_len: 50,
            events: None,
            channels: vec![Channel::LogAmount, Channel::LogGapDays],
            min_count: 1,
        }
    }
}

/// The vocabulary and the static-feature recipe fitted on the training
/// customers; builds rows for any customers. Saved through the envelope
/// (kind `ua-analytics/purchase-sequences`), beside the classifier that
/// reads its rows.
///
/// ```
/// use ua_analytics::prediction::{PurchaseSequences, RepeatPurchase};
/// use ua_data::{Column, Table};
/// let log = Table::new(vec![
///     ("c".into(), Column::categorical(&["a", "a", "b", "a"])),
///     ("d".into(), Column::date(vec![1, 4, 2, 12])),
///     ("x".into(), Column::numeric(vec![5.0, 6.0, 7.0, 3.0])),
/// ]).unwrap();
/// let rp = RepeatPurchase::new("c", "d", "x", 10, 13);
/// let f = rp.training_table(&log).unwrap();
/// let seq = PurchaseSequences::default().fit(&rp, &log, &f, &[0, 1]).unwrap();
/// let (x, report) = seq.rows(&log, &f, 10).unwrap();
/// let layout = seq.layout();
/// assert_eq!(x.ncols(), layout.n_columns());
/// // customer a: two purchases (token 2 = "purchase"), b: one
/// assert_eq!(x.slice(ndarray::s![.., ..3]), ndarray::array![[2.0f32, 2.0, 0.0], [2.0, 0.0, 0.0]]);
/// assert_eq!(report.events_after_cutoff, 1); // day 12 is after the cut-off
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedPurchaseSequences {
    spec: PurchaseSequences,
    columns: RepeatPurchase,
    vocabulary: Vocabulary,
    statics: FittedColumnTransformer,
}

impl PurchaseSequences {
    /// The event table and its columns: `events` as given, or the
    /// transaction log with the constant token column added.
    fn events(&self, rp: &RepeatPurchase, events: &Table) -> Result<(Table, EventColumns)> {
        if let Some(cols) = &self.events {
            return Ok((events.clone(), cols.clone()));
        }
        let mut t = events.clone();
        let n = t.n_rows();
        t.add_column(TOKEN_COLUMN, Column::categorical(&vec![PURCHASE_TOKEN; n]))?;
        let cols = EventColumns::new(&rp.customer_col, &rp.date_col, &[TOKEN_COLUMN])
            .amount(&rp.amount_col);
        Ok((t, cols))
    }

    fn config(&self, as_of: i32) -> SequenceConfig {
        SequenceConfig::new(self.max_len, SequenceConfig::end_of_day(as_of))
            .channels(self.channels.clone())
            .min_count(self.min_count)
    }

    /// Fits the vocabulary on the events up to `rp.calibration_end` of the
    /// customers at `train_rows` of `features.table` (the training table of
    /// `rp`), and the static recipe on those rows. `events` is the
    /// transaction log (or the event table named by
    /// [`events`](Self::events)).
    ///
    /// Errors: no training row or one out of range, an invalid setting
    /// (`max_len` 0, `min_count` 0), and the errors of reading the log
    /// (naming column and row).
    pub fn fit(
        &self,
        rp: &RepeatPurchase,
        events: &Table,
        features: &RepeatPurchaseFeatures,
        train_rows: &[usize],
    ) -> Result<FittedPurchaseSequences> {
        const OP: &str = "PurchaseSequences::fit";
        if train_rows.is_empty() {
            return Err(invalid(OP, "no training row".into()));
        }
        let train = features.table.take(train_rows)?;
        let customers: HashSet<Key> = read_keys(&train, RepeatPurchase::CUSTOMER)?
            .into_iter()
            .collect();
        let (table, cols) = self.events(rp, events)?;
        let vocabulary = Vocabulary::fit_table(
            &table,
            &cols,
            &self.config(rp.calibration_end),
            Some(&customers),
        )?;
        let target = train
            .has_column(RepeatPurchase::TARGET)
            .then_some(RepeatPurchase::TARGET);
        let statics =
            ColumnTransformer::auto(&train, target, &[RepeatPurchase::CUSTOMER])?.fit(&train)?;
        Ok(FittedPurchaseSequences {
            spec: self.clone(),
            columns: rp.clone(),
            vocabulary,
            statics,
        })
    }
}

impl FittedPurchaseSequences {
    /// Where tokens, channels and static features sit in the rows.
    pub fn layout(&self) -> SequenceLayout {
        SequenceLayout::new(
            self.spec.max_len,
            self.spec.channels.len(),
            self.statics.n_features(),
            self.vocabulary.len(),
        )
    }

    /// The vocabulary fitted on the training customers.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Names of the static features (after the sequence part of a row).
    pub fn static_names(&self) -> &[String] {
        self.statics.feature_names()
    }

    /// One row per row of `features.table` (same order): the customer's
    /// events up to `as_of` as a sequence, then their static
    /// features. `as_of` is the date `features` were computed at (the
    /// calibration end for the training table). A customer of the table
    /// without a transaction up to `as_of` gets a padding-only sequence
    /// (counted in the report's `users_without_events`).
    ///
    /// Errors: those of reading the events and the table (naming column and
    /// row), sizes over the memory budget.
    pub fn rows(
        &self,
        events: &Table,
        features: &RepeatPurchaseFeatures,
        as_of: i32,
    ) -> Result<(Array2<f32>, SequenceReport)> {
        let (table, cols) = self.spec.events(&self.columns, events)?;
        let customers = read_keys(&features.table, RepeatPurchase::CUSTOMER)?;
        let seq =
            EventSequences::from_table(&table, &cols, &self.spec.config(as_of), &self.vocabulary)?
                .rows_for(&customers)?;
        let statics = self.statics.transform_matrix(&features.table)?;
        let x = concatenate![Axis(1), seq.to_matrix()?, statics];
        Ok((x, *seq.report()))
    }
}

impl Persist for FittedPurchaseSequences {
    const KIND: &'static str = "ua-analytics/purchase-sequences";

    /// Checks the settings and that the vocabulary holds padding and
    /// unknown at least.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.spec.max_len == 0 || self.spec.min_count == 0 {
            return Err(format!(
                "max_len {} and min_count {} must be ≥ 1",
                self.spec.max_len, self.spec.min_count
            ));
        }
        if self.vocabulary.len() < 2 {
            return Err(format!(
                "the vocabulary holds {} ids, at least 2 (padding, unknown) expected",
                self.vocabulary.len()
            ));
        }
        Ok(())
    }
}
