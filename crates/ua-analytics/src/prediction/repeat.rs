//! Repeat-purchase prediction from a transaction log.
//!
//! A calibration end and a holdout end split time: the per-customer RFM
//! features (recency, distinct purchase days, transactions, monetary total,
//! mean order value, quantity total, tenure, mean days between purchases;
//! see [`ua_data::features::rfm`]) are computed from the transactions up to
//! the calibration end, and the label `bought_in_holdout` says whether the
//! customer bought again in `(calibration_end, holdout_end]`. The resulting
//! table goes straight into a [`PropensityConfig`]. To score customers
//! later, compute the same features at a later date (e.g. the holdout end)
//! with [`RepeatPurchase::scoring_table`].

use ua_data::Table;
use ua_data::date::format_date;
use ua_data::features::rfm::{RfmConfig, RfmFeatures, RfmReport};

use super::{FittedPropensityModel, ModelKind, PropensityConfig, invalid};
use crate::Result;

/// Where the transaction columns are and how time is split (days since
/// 1970-01-01, see [`ua_data::date`]).
///
/// ```
/// use ua_analytics::prediction::RepeatPurchase;
/// use ua_data::date::parse_date;
/// let rp = RepeatPurchase::new("customer", "date", "amount",
///     parse_date("2024-06-30").unwrap(), parse_date("2024-09-30").unwrap())
///     .quantity_col("qty");
/// assert_eq!(rp.quantity_col.as_deref(), Some("qty"));
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RepeatPurchase {
    /// Customer id column (whole numbers or text).
    pub customer_col: String,
    /// Transaction date column (dates, `YYYYMMDD` numbers or date text).
    pub date_col: String,
    /// Amount column (≥ 0).
    pub amount_col: String,
    /// Optional quantity column (≥ 0).
    pub quantity_col: Option<String>,
    /// Last day of the calibration period (inclusive).
    pub calibration_end: i32,
    /// Last day of the holdout period (inclusive), after `calibration_end`.
    pub holdout_end: i32,
}

/// The per-customer table and what went into it.
///
/// ```
/// use ua_analytics::prediction::RepeatPurchase;
/// use ua_data::{Column, Table};
/// let log = Table::new(vec![
///     ("c".into(), Column::numeric(vec![1.0, 1.0, 2.0])),
///     ("d".into(), Column::date(vec![1, 12, 3])),
///     ("a".into(), Column::numeric(vec![5.0, 6.0, 7.0])),
/// ]).unwrap();
/// // Cut-offs lie within the data (days 1–12; the holdout may end the day after).
/// let f = RepeatPurchase::new("c", "d", "a", 10, 13).training_table(&log).unwrap();
/// assert_eq!(f.table.n_rows(), 2);
/// assert_eq!(f.report.rows_in_holdout, 1);
/// ```
#[derive(Debug, Clone)]
pub struct RepeatPurchaseFeatures {
    /// One row per customer with history: `customer`, the RFM features and
    /// (for training) `bought_in_holdout`.
    pub table: Table,
    /// Rows and customers used and left out.
    pub report: RfmReport,
}

impl RepeatPurchase {
    /// The target column of the training table.
    pub const TARGET: &'static str = "bought_in_holdout";
    /// The customer id column of the feature tables (not a feature).
    pub const CUSTOMER: &'static str = "customer";

    /// A split at `calibration_end` / `holdout_end` of a log with the given
    /// customer, date and amount columns.
    ///
    /// ```
    /// let rp = ua_analytics::prediction::RepeatPurchase::new("c", "d", "a", 10, 20);
    /// assert_eq!((rp.calibration_end, rp.holdout_end), (10, 20));
    /// ```
    pub fn new(
        customer_col: &str,
        date_col: &str,
        amount_col: &str,
        calibration_end: i32,
        holdout_end: i32,
    ) -> Self {
        RepeatPurchase {
            customer_col: customer_col.into(),
            date_col: date_col.into(),
            amount_col: amount_col.into(),
            quantity_col: None,
            calibration_end,
            holdout_end,
        }
    }

    /// Adds a quantity column (its total becomes the `quantity` feature).
    ///
    /// ```
    /// let rp = ua_analytics::prediction::RepeatPurchase::new("c", "d", "a", 10, 20).quantity_col("q");
    /// assert_eq!(rp.quantity_col.as_deref(), Some("q"));
    /// ```
    pub fn quantity_col(mut self, name: &str) -> Self {
        self.quantity_col = Some(name.into());
        self
    }

    fn features(&self, log: &Table, config: &RfmConfig) -> Result<RepeatPurchaseFeatures> {
        let f = RfmFeatures::from_table(
            log,
            &self.customer_col,
            &self.date_col,
            &self.amount_col,
            self.quantity_col.as_deref(),
            config,
        )?;
        if f.is_empty() {
            return Err(invalid(
                "RepeatPurchase",
                format!(
                    "no customer has a transaction on or before {} ({} rows, all later)",
                    format_date(config.as_of),
                    f.report.rows_total
                ),
            ));
        }
        let mut table = f.to_table()?;
        if table.has_column("holdout_monetary") {
            // The holdout spend is the future: a feature made of it would leak the label.
            table = table.drop_columns(&["holdout_monetary"])?;
        }
        Ok(RepeatPurchaseFeatures {
            table,
            report: f.report,
        })
    }

    /// The training table: features from the calibration period and the
    /// `bought_in_holdout` label, one row per customer with a transaction on
    /// or before `calibration_end`. Rows after `holdout_end` are ignored and
    /// counted in the report.
    ///
    /// Errors: `holdout_end ≤ calibration_end`; a missing column, missing
    /// value, unreadable date or negative amount (naming column and row);
    /// no customer with history.
    ///
    /// ```
    /// use ua_analytics::prediction::RepeatPurchase;
    /// use ua_data::{Column, Table};
    /// let log = Table::new(vec![
    ///     ("c".into(), Column::categorical(&["a", "a", "b"])),
    ///     ("d".into(), Column::date(vec![1, 15, 2])),
    ///     ("x".into(), Column::numeric(vec![5.0, 6.0, 7.0])),
    /// ]).unwrap();
    /// let rp = RepeatPurchase::new("c", "d", "x", 10, 16);
    /// let t = rp.training_table(&log).unwrap().table;
    /// assert_eq!(t.boolean("bought_in_holdout").unwrap().values(), &[Some(true), Some(false)]);
    /// assert!(!t.has_column("holdout_monetary"));
    /// let e = RepeatPurchase::new("c", "d", "x", 10, 10).training_table(&log).unwrap_err();
    /// // dates print as ISO dates, not day numbers
    /// assert!(e.to_string().contains("holdout_end (1970-01-11) must be after calibration_end (1970-01-11)"), "{e}");
    /// ```
    pub fn training_table(&self, log: &Table) -> Result<RepeatPurchaseFeatures> {
        if self.holdout_end <= self.calibration_end {
            return Err(invalid(
                "RepeatPurchase::training_table",
                format!(
                    "holdout_end ({}) must be after calibration_end ({}); both are \
                     inclusive, so the holdout needs at least one day",
                    format_date(self.holdout_end),
                    format_date(self.calibration_end)
                ),
            ));
        }
        self.features(
            log,
            &RfmConfig {
                as_of: self.calibration_end,
                holdout_end: Some(self.holdout_end),
            },
        )
    }

    /// Features of every customer with a transaction on or before `as_of`,
    /// computed from those transactions (no label), to be scored by a model
    /// trained on [`training_table`](Self::training_table). Rows after
    /// `as_of` are ignored and counted in the report.
    ///
    /// ```
    /// use ua_analytics::prediction::RepeatPurchase;
    /// use ua_data::{Column, Table};
    /// let log = Table::new(vec![
    ///     ("c".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("d".into(), Column::date(vec![1, 15])),
    ///     ("x".into(), Column::numeric(vec![5.0, 6.0])),
    /// ]).unwrap();
    /// let f = RepeatPurchase::new("c", "d", "x", 10, 16).scoring_table(&log, 16).unwrap();
    /// assert_eq!(f.table.n_rows(), 2);
    /// assert!(!f.table.has_column("bought_in_holdout"));
    /// ```
    pub fn scoring_table(&self, log: &Table, as_of: i32) -> Result<RepeatPurchaseFeatures> {
        self.features(
            log,
            &RfmConfig {
                as_of,
                holdout_end: None,
            },
        )
    }

    /// The propensity configuration for the training table: target
    /// `bought_in_holdout`, the `customer` id left out, `model` behind it.
    ///
    /// ```
    /// use ua_analytics::prediction::{ModelKind, RepeatPurchase};
    /// let cfg = RepeatPurchase::new("c", "d", "a", 10, 20).propensity_config(ModelKind::default());
    /// assert_eq!((cfg.target.as_str(), cfg.drop.as_slice()), ("bought_in_holdout", &["customer".to_string()][..]));
    /// ```
    pub fn propensity_config(&self, model: ModelKind) -> PropensityConfig {
        PropensityConfig::new(Self::TARGET)
            .drop(&[Self::CUSTOMER])
            .model(model)
    }

    /// Builds the training table and fits the propensity model on it.
    ///
    /// ```
    /// use ua_analytics::prediction::{ModelKind, RepeatPurchase};
    /// use ua_data::{Column, Table};
    /// // customers 0..40; the even ones buy often and come back.
    /// let (mut c, mut d, mut a) = (vec![], vec![], vec![]);
    /// for cust in 0..40 {
    ///     let days: &[i32] = if cust % 2 == 0 { &[1, 4, 8, 15] } else { &[2] };
    ///     for &day in days { c.push(cust as f64); d.push(day); a.push(10.0); }
    /// }
    /// let log = Table::new(vec![
    ///     ("c".into(), Column::numeric(c)), ("d".into(), Column::date(d)), ("a".into(), Column::numeric(a)),
    /// ]).unwrap();
    /// let (model, features) = RepeatPurchase::new("c", "d", "a", 10, 16).fit(&log, ModelKind::default()).unwrap();
    /// let p = ua_analytics::Predictor::predict_proba(&model, &features.table).unwrap();
    /// assert!(p[0] > 0.5 && p[1] < 0.5);
    /// ```
    pub fn fit(
        &self,
        log: &Table,
        model: ModelKind,
    ) -> Result<(FittedPropensityModel, RepeatPurchaseFeatures)> {
        let features = self.training_table(log)?;
        let fitted = self.propensity_config(model).fit(&features.table)?;
        Ok((fitted, features))
    }
}
