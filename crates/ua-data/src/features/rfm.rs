//! RFM (recency, frequency, monetary) and related per-customer features from
//! a transaction log, as of a date, with an optional holdout label.
//!
//! For every customer with at least one transaction on or before
//! [`RfmConfig::as_of`], over those transactions:
//!
//! | feature | definition |
//! | --- | --- |
//! | `recency_days` | `as_of − last purchase day` |
//! | `frequency` | number of distinct purchase days |
//! | `n_transactions` | number of transaction rows |
//! | `monetary` | total amount |
//! | `mean_order_value` | `monetary / n_transactions` |
//! | `quantity` | total quantity (only when a quantity column is given) |
//! | `tenure_days` | `as_of − first purchase day` |
//! | `mean_days_between` | `(last − first) / (frequency − 1)`, the mean gap between consecutive distinct purchase days; **`None`** (a missing value in [`RfmFeatures::to_table`]) when `frequency == 1` |
//! | `bought_in_holdout` | any transaction with `as_of < day ≤ holdout_end` (only with a holdout end) |
//! | `holdout_monetary` | total amount in the holdout period (only with a holdout end) |
//!
//! Customers whose first transaction is after `as_of` have no history and are
//! not included; [`RfmReport`] says how many there were and how many rows
//! fell into each period. Rows after the holdout end (or after `as_of`
//! without a holdout) are ignored and counted. Customers are listed sorted by
//! id.
//!
//! ## Cut-off dates
//!
//! `as_of` and `holdout_end` must lie within the data: from the day of the
//! first transaction to the **day after the last one** (the usual as-of
//! date, which [`default_as_of`] derives). A cut-off outside that range is an
//! error that gives the data's range in ISO dates — a `holdout_end` of
//! 2030-01-01 for a log that ends in 1998 would label every customer as a
//! non-buyer, and an `as_of` far after the data makes every recency huge.
//!
//! ```
//! use ua_data::features::rfm::{RfmConfig, RfmFeatures};
//! let customer = ["b", "a", "a", "a", "c"];
//! let day = [5, 1, 4, 4, 12];
//! let amount = [10.0, 2.0, 3.0, 5.0, 1.0];
//! let cfg = RfmConfig { as_of: 10, holdout_end: Some(13) };
//! let f = RfmFeatures::compute(&customer, &day, &amount, None, &cfg).unwrap();
//! assert_eq!(f.customers, ["a", "b"]);
//! assert_eq!(f.recency_days, [6, 5]);
//! assert_eq!(f.frequency, [2, 1]);
//! assert_eq!(f.monetary, [10.0, 10.0]);
//! assert_eq!(f.mean_days_between, [Some(3.0), None]);
//! assert_eq!(f.report.customers_excluded, 1); // "c" only bought after as_of
//! ```

use serde::{Deserialize, Serialize};

use super::{IdColumn, Key, read_day_column, read_key_column, read_numeric};
use crate::date::format_date;
use crate::table::{Column, Table};
use crate::{Error, Result};

/// The observation date and the optional end of the holdout period, in days
/// since 1970-01-01 (see [`crate::date`]).
///
/// ```
/// let cfg = ua_data::features::rfm::RfmConfig { as_of: 19_800, holdout_end: Some(19_890) };
/// assert!(cfg.holdout_end.unwrap() > cfg.as_of);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmConfig {
    /// Last day whose transactions count as history (inclusive).
    pub as_of: i32,
    /// Last day of the holdout period (inclusive), which must be after `as_of`.
    pub holdout_end: Option<i32>,
}

/// What went into the features and what was left out.
///
/// ```
/// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
/// let f = RfmFeatures::compute(&[1u64, 2], &[1, 9], &[1.0, 1.0], None,
///     &RfmConfig { as_of: 5, holdout_end: None }).unwrap();
/// assert_eq!((f.report.rows_in_window, f.report.rows_ignored), (1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RfmReport {
    /// Rows in the log.
    pub rows_total: usize,
    /// Rows with `day ≤ as_of` (the history the features are computed from).
    pub rows_in_window: usize,
    /// Rows with `as_of < day ≤ holdout_end` (used for the label only).
    pub rows_in_holdout: usize,
    /// Rows after the holdout end, or after `as_of` without a holdout: ignored.
    pub rows_ignored: usize,
    /// Distinct customers in the log.
    pub customers_total: usize,
    /// Customers with history, i.e. rows of the output.
    pub customers: usize,
    /// Customers left out because their first transaction is after `as_of`.
    pub customers_excluded: usize,
}

/// Per-customer RFM features, one entry per customer in every column,
/// customers sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmFeatures<K> {
    /// Customer ids, sorted.
    pub customers: Vec<K>,
    /// Days from the last purchase to `as_of`.
    pub recency_days: Vec<i32>,
    /// Distinct purchase days.
    pub frequency: Vec<u32>,
    /// Transaction rows.
    pub n_transactions: Vec<u32>,
    /// Total amount.
    pub monetary: Vec<f64>,
    /// `monetary / n_transactions`.
    pub mean_order_value: Vec<f64>,
    /// Total quantity, when a quantity column was given.
    pub quantity: Option<Vec<f64>>,
    /// Days from the first purchase to `as_of`.
    pub tenure_days: Vec<i32>,
    /// Mean gap between consecutive distinct purchase days; `None` for one purchase day.
    pub mean_days_between: Vec<Option<f64>>,
    /// Whether the customer bought in the holdout period, when one was given.
    pub bought_in_holdout: Option<Vec<bool>>,
    /// Amount spent in the holdout period, when one was given.
    pub holdout_monetary: Option<Vec<f64>>,
    /// Rows and customers used and left out.
    pub report: RfmReport,
}

const OP: &str = "RfmFeatures::compute";

fn invalid(message: String) -> Error {
    Error::InvalidArgument { op: OP, message }
}

impl<K: Ord + Clone> RfmFeatures<K> {
    /// Computes the features from parallel columns: customer id, day (days
    /// since 1970-01-01), amount and optional quantity of each transaction.
    ///
    /// Errors: columns of different lengths, an empty log, a negative or
    /// non-finite amount or quantity ([`Error::BadValue`] at its 1-based
    /// row), `holdout_end ≤ as_of`, and a cut-off outside the data (see
    /// [Cut-off dates](self#cut-off-dates)): the message gives the data's
    /// range as ISO dates.
    ///
    /// ```
    /// use ua_data::date::parse_date;
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let cfg = RfmConfig { as_of: 10, holdout_end: None };
    /// let err = RfmFeatures::compute(&[1u64], &[1], &[-2.0], None, &cfg).unwrap_err();
    /// assert!(err.to_string().contains("`-2` at row 1"), "{err}");
    ///
    /// let days = [parse_date("1997-01-01").unwrap(), parse_date("1998-06-30").unwrap()];
    /// let late = RfmConfig { as_of: days[1] - 30, holdout_end: parse_date("2030-01-01") };
    /// let err = RfmFeatures::compute(&[1u64, 2], &days, &[1.0, 2.0], None, &late).unwrap_err();
    /// assert!(err.to_string().contains(
    ///     "holdout_end 2030-01-01 is after the last transaction (1998-06-30); \
    ///      the data runs from 1997-01-01 to 1998-06-30"), "{err}");
    /// ```
    pub fn compute(
        customers: &[K],
        days: &[i32],
        amounts: &[f64],
        quantities: Option<&[f64]>,
        config: &RfmConfig,
    ) -> Result<Self> {
        Self::compute_located(
            customers,
            days,
            (amounts, "amounts"),
            quantities.map(|q| (q, "quantities")),
            config,
            &|row| format!("row {}", row + 1),
        )
    }

    /// [`compute`](Self::compute) with the names of the amount and quantity
    /// columns and a function that says where a row is, for messages.
    fn compute_located(
        customers: &[K],
        days: &[i32],
        (amounts, amount_name): (&[f64], &str),
        quantities: Option<(&[f64], &str)>,
        config: &RfmConfig,
        locate: &dyn Fn(usize) -> String,
    ) -> Result<Self> {
        let quantity_name = quantities.map_or("", |q| q.1);
        let quantities = quantities.map(|q| q.0);
        let n = customers.len();
        for (name, len) in [
            ("days", days.len()),
            ("amounts", amounts.len()),
            ("quantities", quantities.map_or(n, <[f64]>::len)),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    op: OP,
                    column: name.into(),
                    expected: n,
                    found: len,
                });
            }
        }
        if n == 0 {
            return Err(invalid("the transaction log is empty".into()));
        }
        if let Some(end) = config.holdout_end
            && end <= config.as_of
        {
            return Err(invalid(format!(
                "holdout_end {} must be after as_of {}",
                format_date(end),
                format_date(config.as_of)
            )));
        }
        let bad = |column: &str, row: usize, v: f64, expected: &str| Error::BadValue {
            op: OP,
            column: column.to_owned(),
            at: locate(row),
            value: v.to_string(),
            expected: expected.to_owned(),
        };
        if let Some(row) = amounts.iter().position(|a| !(a.is_finite() && *a >= 0.0)) {
            return Err(bad(
                amount_name,
                row,
                amounts[row],
                "a finite amount ≥ 0 (remove refunds or net them out first)",
            ));
        }
        if let Some(q) = quantities
            && let Some(row) = q.iter().position(|v| !(v.is_finite() && *v >= 0.0))
        {
            return Err(bad(quantity_name, row, q[row], "a finite quantity ≥ 0"));
        }
        check_cutoffs(days, config)?;

        // Rows sorted by (customer, day); ties keep the input order.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| customers[a].cmp(&customers[b]).then(days[a].cmp(&days[b])));

        let holdout = config.holdout_end.is_some();
        let mut out = RfmFeatures {
            customers: Vec::new(),
            recency_days: Vec::new(),
            frequency: Vec::new(),
            n_transactions: Vec::new(),
            monetary: Vec::new(),
            mean_order_value: Vec::new(),
            quantity: quantities.map(|_| Vec::new()),
            tenure_days: Vec::new(),
            mean_days_between: Vec::new(),
            bought_in_holdout: holdout.then(Vec::new),
            holdout_monetary: holdout.then(Vec::new),
            report: RfmReport {
                rows_total: n,
                ..RfmReport::default()
            },
        };

        let mut start = 0;
        while start < n {
            let key = &customers[order[start]];
            let mut end = start + 1;
            while end < n && customers[order[end]] == *key {
                end += 1;
            }
            out.report.customers_total += 1;
            out.add_customer(key, &order[start..end], days, amounts, quantities, config);
            start = end;
        }
        Ok(out)
    }

    /// Adds one customer from its rows (sorted by day).
    fn add_customer(
        &mut self,
        key: &K,
        rows: &[usize],
        days: &[i32],
        amounts: &[f64],
        quantities: Option<&[f64]>,
        config: &RfmConfig,
    ) {
        let (mut first, mut last, mut prev) = (None::<i32>, 0i32, None::<i32>);
        let (mut freq, mut n_tx, mut money, mut qty) = (0u32, 0u32, 0.0f64, 0.0f64);
        let (mut in_holdout, mut holdout_money) = (false, 0.0f64);
        for &r in rows {
            let d = days[r];
            if d <= config.as_of {
                self.report.rows_in_window += 1;
                first.get_or_insert(d);
                last = d;
                if prev != Some(d) {
                    freq += 1;
                    prev = Some(d);
                }
                n_tx += 1;
                money += amounts[r];
                qty += quantities.map_or(0.0, |q| q[r]);
            } else if config.holdout_end.is_some_and(|end| d <= end) {
                self.report.rows_in_holdout += 1;
                in_holdout = true;
                holdout_money += amounts[r];
            } else {
                self.report.rows_ignored += 1;
            }
        }
        let Some(first) = first else {
            self.report.customers_excluded += 1;
            return;
        };
        self.report.customers += 1;
        self.customers.push(key.clone());
        self.recency_days.push(config.as_of - last);
        self.frequency.push(freq);
        self.n_transactions.push(n_tx);
        self.monetary.push(money);
        self.mean_order_value.push(money / f64::from(n_tx));
        if let Some(q) = self.quantity.as_mut() {
            q.push(qty);
        }
        self.tenure_days.push(config.as_of - first);
        self.mean_days_between
            .push((freq > 1).then(|| f64::from(last - first) / f64::from(freq - 1)));
        if let Some(b) = self.bought_in_holdout.as_mut() {
            b.push(in_holdout);
        }
        if let Some(m) = self.holdout_monetary.as_mut() {
            m.push(holdout_money);
        }
    }

    /// Number of customers (rows of the features).
    ///
    /// ```
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[3u64, 1, 3], &[1, 2, 3], &[1.0; 3], None,
    ///     &RfmConfig { as_of: 4, holdout_end: None }).unwrap();
    /// assert_eq!(f.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether no customer has history before `as_of`. Since `as_of` may
    /// not be before the first transaction, features that
    /// [`compute`](Self::compute) returned are never empty; an `as_of`
    /// before the data is an error instead.
    ///
    /// ```
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[1u64, 2], &[5, 9], &[1.0, 1.0], None,
    ///     &RfmConfig { as_of: 5, holdout_end: None }).unwrap();
    /// assert!(!f.is_empty());
    /// assert_eq!(f.report.customers_excluded, 1);
    /// let early = RfmConfig { as_of: 4, holdout_end: None };
    /// let err = RfmFeatures::compute(&[1u64], &[9], &[1.0], None, &early).unwrap_err();
    /// assert!(err.to_string().contains("before the first transaction"), "{err}");
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
}

impl<K: IdColumn> RfmFeatures<K> {
    /// The features as a [`Table`]: `customer` (numeric for integer ids,
    /// categorical for text), `recency_days`, `frequency`, `n_transactions`,
    /// `monetary`, `mean_order_value`, `quantity` (when given), `tenure_days`,
    /// `mean_days_between` (missing for one purchase day), and with a
    /// holdout `bought_in_holdout` (boolean) and `holdout_monetary`.
    ///
    /// ```
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[7u64, 7, 7], &[1, 3, 8], &[2.0, 4.0, 1.0], None,
    ///     &RfmConfig { as_of: 5, holdout_end: Some(9) }).unwrap();
    /// let t = f.to_table().unwrap();
    /// assert_eq!(t.numeric("mean_order_value").unwrap().values(), &[3.0]);
    /// assert_eq!(t.boolean("bought_in_holdout").unwrap().get(0), Some(true));
    /// ```
    pub fn to_table(&self) -> Result<Table> {
        let ints = |v: &[i32]| Column::numeric(v.iter().map(|&x| f64::from(x)).collect());
        let uints = |v: &[u32]| Column::numeric(v.iter().map(|&x| f64::from(x)).collect());
        let mut cols: Vec<(String, Column)> = vec![
            ("customer".into(), K::to_column(&self.customers)),
            ("recency_days".into(), ints(&self.recency_days)),
            ("frequency".into(), uints(&self.frequency)),
            ("n_transactions".into(), uints(&self.n_transactions)),
            ("monetary".into(), Column::numeric(self.monetary.clone())),
            (
                "mean_order_value".into(),
                Column::numeric(self.mean_order_value.clone()),
            ),
        ];
        if let Some(q) = &self.quantity {
            cols.push(("quantity".into(), Column::numeric(q.clone())));
        }
        cols.push(("tenure_days".into(), ints(&self.tenure_days)));
        cols.push((
            "mean_days_between".into(),
            Column::numeric_opt(self.mean_days_between.clone()),
        ));
        if let Some(b) = &self.bought_in_holdout {
            cols.push(("bought_in_holdout".into(), Column::boolean(b.clone())));
        }
        if let Some(m) = &self.holdout_monetary {
            cols.push(("holdout_monetary".into(), Column::numeric(m.clone())));
        }
        Table::new(cols)
    }
}

impl RfmFeatures<Key> {
    /// Reads the transaction columns of a table and computes the features.
    ///
    /// * `customer_col`: numeric whole numbers or categorical (ids become
    ///   [`Key::Int`] / [`Key::Text`]);
    /// * `date_col`: a date column, `YYYYMMDD` numbers, or `YYYY-MM-DD` /
    ///   `YYYYMMDD` text;
    /// * `amount_col` and the optional `quantity_col`: numeric.
    ///
    /// Missing or unreadable values are errors naming the column, the value
    /// and where it is ([`Table::locate`]: the file line for a table read
    /// from CSV); cut-offs are checked as in [`compute`](Self::compute).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// use ua_data::features::{Key, rfm::{RfmConfig, RfmFeatures}};
    /// let t = Table::new(vec![
    ///     ("user".into(), Column::categorical(&["u1", "u2", "u1"])),
    ///     ("date".into(), Column::numeric(vec![20240101.0, 20240105.0, 20240110.0])),
    ///     ("amount".into(), Column::numeric(vec![10.0, 5.0, 20.0])),
    /// ]).unwrap();
    /// let as_of = ua_data::date::parse_date("2024-01-11").unwrap();
    /// let f = RfmFeatures::from_table(&t, "user", "date", "amount", None,
    ///     &RfmConfig { as_of, holdout_end: None }).unwrap();
    /// assert_eq!(f.customers, [Key::from("u1"), Key::from("u2")]);
    /// assert_eq!(f.recency_days, [1, 6]);
    /// assert_eq!(f.mean_days_between[0], Some(9.0));
    /// ```
    pub fn from_table(
        table: &Table,
        customer_col: &str,
        date_col: &str,
        amount_col: &str,
        quantity_col: Option<&str>,
        config: &RfmConfig,
    ) -> Result<Self> {
        const OP_T: &str = "RfmFeatures::from_table";
        let days = read_day_column(OP_T, table, date_col)?;
        let amounts = read_numeric(OP_T, table, amount_col)?;
        let quantities = quantity_col
            .map(|q| read_numeric(OP_T, table, q))
            .transpose()?;
        let keys: Vec<Key> = read_key_column(OP_T, table, customer_col)?.into_keys();
        RfmFeatures::compute_located(
            &keys,
            &days,
            (&amounts, amount_col),
            quantities.as_deref().zip(quantity_col),
            config,
            &|row| table.locate(row),
        )
    }
}

/// Cut-offs must lie from the first transaction day to the day after the
/// last one (the log is not empty here).
fn check_cutoffs(days: &[i32], config: &RfmConfig) -> Result<()> {
    let first = days.iter().copied().min().unwrap_or(0);
    let last = days.iter().copied().max().unwrap_or(0);
    let mut cutoffs = vec![("as_of", config.as_of)];
    cutoffs.extend(config.holdout_end.map(|end| ("holdout_end", end)));
    super::check_cutoffs(first, last, &cutoffs).map_err(invalid)
}

/// What [`default_as_of`] found: the default as-of date and the data's range.
///
/// ```
/// use ua_data::features::rfm::AsOfDate;
/// let a = AsOfDate { as_of: 11, first: 1, last: 10 };
/// assert_eq!(a.as_of, a.last + 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsOfDate {
    /// The day after the last transaction.
    pub as_of: i32,
    /// The first transaction day.
    pub first: i32,
    /// The last transaction day.
    pub last: i32,
}

impl AsOfDate {
    /// The RFM configuration with this as-of date and no holdout period.
    ///
    /// ```
    /// use ua_data::features::rfm::{AsOfDate, RfmConfig};
    /// let a = AsOfDate { as_of: 11, first: 1, last: 10 };
    /// assert_eq!(a.rfm_config(), RfmConfig { as_of: 11, holdout_end: None });
    /// ```
    pub fn rfm_config(&self) -> RfmConfig {
        RfmConfig {
            as_of: self.as_of,
            holdout_end: None,
        }
    }
}

/// The default as-of date of a transaction log: the day after its last
/// transaction, with the log's range. Use it wherever a tool needs an
/// as-of date the user did not give.
///
/// A few stray rows must not move it silently (rows dated 2099 would make
/// every recency about 37,000 days), so **rows dated after today's date**
/// (the system clock, UTC) **are an error**, not excluded: the message
/// names the first such row — its file line for a table read from CSV — its
/// date, and how many rows are in the future; fix or drop them, or give the
/// as-of date explicitly. `date_col` is read as in
/// [`RfmFeatures::from_table`] (a date column, `YYYYMMDD` numbers or text);
/// a missing date, an unreadable one or an empty log is an error too. See
/// [`default_as_of_at`] to fix "today" (reproducible runs, tests).
///
/// ```
/// use ua_data::csv_io::{read_csv_reader, CsvOptions};
/// use ua_data::date::parse_date;
/// use ua_data::features::rfm::default_as_of;
/// let csv = "user,day\nu1,2024-01-05\nu2,2024-02-10\n";
/// let log = read_csv_reader(csv.as_bytes(), "log.csv", &CsvOptions::default()).unwrap();
/// let a = default_as_of(&log, "day").unwrap();
/// assert_eq!(a.as_of, parse_date("2024-02-11").unwrap());
/// assert_eq!(a.first, parse_date("2024-01-05").unwrap());
/// ```
pub fn default_as_of(table: &Table, date_col: &str) -> Result<AsOfDate> {
    default_as_of_at(table, date_col, crate::date::today())
}

/// [`default_as_of`] with "today" given (days since 1970-01-01): rows dated
/// after `today` are an error naming the first one.
///
/// ```
/// use ua_data::csv_io::{read_csv_reader, CsvOptions};
/// use ua_data::date::parse_date;
/// use ua_data::features::rfm::default_as_of_at;
/// let csv = "user,day\nu1,2024-01-05\nu2,2099-02-10\nu3,2024-02-01\n";
/// let log = read_csv_reader(csv.as_bytes(), "log.csv", &CsvOptions::default()).unwrap();
/// let today = parse_date("2024-06-01").unwrap();
/// let err = default_as_of_at(&log, "day", today).unwrap_err().to_string();
/// assert!(err.contains("`2099-02-10` at line 3 is not a date on or before today (2024-06-01)"), "{err}");
/// assert!(err.contains("1 row(s) are dated after today"), "{err}");
/// ```
pub fn default_as_of_at(table: &Table, date_col: &str, today: i32) -> Result<AsOfDate> {
    const OP_D: &str = "default_as_of";
    let days = read_day_column(OP_D, table, date_col)?;
    let (Some(&first), Some(&last)) = (days.iter().min(), days.iter().max()) else {
        return Err(Error::InvalidArgument {
            op: OP_D,
            message: format!("the transaction log is empty: no date in column `{date_col}`"),
        });
    };
    if last > today {
        let future = days.iter().filter(|&&d| d > today).count();
        let row = days.iter().position(|&d| d > today).unwrap_or(0);
        return Err(Error::BadValue {
            op: OP_D,
            column: date_col.to_owned(),
            at: table.locate(row),
            value: format_date(days[row]),
            expected: format!(
                "a date on or before today ({}): {future} row(s) are dated after today and \
                 would move the as-of date; fix or drop them, or give the as-of date explicitly",
                format_date(today)
            ),
        });
    }
    Ok(AsOfDate {
        as_of: last.saturating_add(1),
        first,
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The hand-made log of the module tests; as_of 120, holdout end 150.
    fn log() -> (Vec<&'static str>, Vec<i32>, Vec<f64>, Vec<f64>) {
        let rows = [
            ("alice", 100, 10.0, 1.0),
            ("bob", 90, 50.0, 3.0),
            ("alice", 100, 5.0, 2.0),
            ("dave", 120, 3.0, 1.0),
            ("alice", 110, 20.0, 1.0),
            ("carol", 125, 8.0, 1.0),
            ("alice", 130, 7.0, 1.0),
            ("bob", 200, 9.0, 1.0),
            ("dave", 80, 1.0, 1.0),
            ("dave", 95, 2.0, 1.0),
        ];
        (
            rows.iter().map(|r| r.0).collect(),
            rows.iter().map(|r| r.1).collect(),
            rows.iter().map(|r| r.2).collect(),
            rows.iter().map(|r| r.3).collect(),
        )
    }

    #[test]
    fn hand_computed_features_label_and_report() {
        let (c, d, a, q) = log();
        let cfg = RfmConfig {
            as_of: 120,
            holdout_end: Some(150),
        };
        let f = RfmFeatures::compute(&c, &d, &a, Some(&q), &cfg).unwrap();
        assert_eq!(f.customers, ["alice", "bob", "dave"]);
        assert_eq!(f.recency_days, [10, 30, 0]);
        assert_eq!(f.frequency, [2, 1, 3]);
        assert_eq!(f.n_transactions, [3, 1, 3]);
        assert_eq!(f.monetary, [35.0, 50.0, 6.0]);
        assert_relative_eq!(f.mean_order_value[0], 35.0 / 3.0);
        assert_eq!(f.mean_order_value[1..], [50.0, 2.0]);
        assert_eq!(f.quantity.as_deref(), Some(&[4.0, 3.0, 3.0][..]));
        assert_eq!(f.tenure_days, [20, 30, 40]);
        assert_eq!(f.mean_days_between, [Some(10.0), None, Some(20.0)]);
        assert_eq!(
            f.bought_in_holdout.as_deref(),
            Some(&[true, false, false][..])
        );
        assert_eq!(f.holdout_monetary.as_deref(), Some(&[7.0, 0.0, 0.0][..]));
        assert_eq!(
            f.report,
            RfmReport {
                rows_total: 10,
                rows_in_window: 7,
                rows_in_holdout: 2,
                rows_ignored: 1,
                customers_total: 4,
                customers: 3,
                customers_excluded: 1,
            }
        );
    }

    #[test]
    fn without_holdout_later_rows_are_ignored_and_no_label() {
        let (c, d, a, _) = log();
        let cfg = RfmConfig {
            as_of: 120,
            holdout_end: None,
        };
        let f = RfmFeatures::compute(&c, &d, &a, None, &cfg).unwrap();
        assert!(f.bought_in_holdout.is_none() && f.holdout_monetary.is_none());
        assert!(f.quantity.is_none());
        assert_eq!((f.report.rows_in_holdout, f.report.rows_ignored), (0, 3));
        let t = f.to_table().unwrap();
        assert_eq!(
            t.column_names(),
            [
                "customer",
                "recency_days",
                "frequency",
                "n_transactions",
                "monetary",
                "mean_order_value",
                "tenure_days",
                "mean_days_between"
            ]
        );
        let mdb = t.numeric("mean_days_between").unwrap();
        assert_eq!(
            (mdb.get(0), mdb.get(1), mdb.get(2)),
            (Some(10.0), None, Some(20.0))
        );
        assert_eq!(t.categorical("customer").unwrap().get(2), Some("dave"));
    }

    #[test]
    fn integer_keys_sort_numerically() {
        let f = RfmFeatures::compute(
            &[10u64, 2, 10],
            &[1, 2, 3],
            &[1.0, 2.0, 3.0],
            None,
            &RfmConfig {
                as_of: 3,
                holdout_end: None,
            },
        )
        .unwrap();
        assert_eq!(f.customers, [2, 10]);
        assert_eq!(f.monetary, [2.0, 4.0]);
        assert_eq!(
            f.to_table().unwrap().numeric("customer").unwrap().values(),
            &[2.0, 10.0]
        );
    }

    #[test]
    fn bad_input_is_an_error_that_says_where() {
        let cfg = RfmConfig {
            as_of: 10,
            holdout_end: None,
        };
        let e = RfmFeatures::<u64>::compute(&[], &[], &[], None, &cfg).unwrap_err();
        assert!(e.to_string().contains("empty"));
        let e = RfmFeatures::compute(&[1u64, 2], &[1], &[1.0, 1.0], None, &cfg).unwrap_err();
        assert!(e.to_string().contains("days"), "{e}");
        let e = RfmFeatures::compute(&[1u64, 2], &[1, 2], &[1.0, -3.0], None, &cfg).unwrap_err();
        assert!(
            e.to_string()
                .contains("column `amounts`: `-3` at row 2 is not a finite amount ≥ 0"),
            "{e}"
        );
        let e = RfmFeatures::compute(&[1u64], &[1], &[f64::NAN], None, &cfg).unwrap_err();
        assert!(e.to_string().contains("`NaN` at row 1"), "{e}");
        let e = RfmFeatures::compute(&[1u64, 1], &[1, 2], &[1.0, 1.0], Some(&[1.0, -1.0]), &cfg)
            .unwrap_err();
        assert!(
            e.to_string().contains("column `quantities`: `-1` at row 2"),
            "{e}"
        );
        let bad = RfmConfig {
            as_of: 10,
            holdout_end: Some(10),
        };
        let e = RfmFeatures::compute(&[1u64], &[1], &[1.0], None, &bad).unwrap_err();
        assert!(
            e.to_string()
                .contains("holdout_end 1970-01-11 must be after as_of 1970-01-11"),
            "{e}"
        );
    }

    fn day(s: &str) -> i32 {
        crate::date::parse_date(s).unwrap()
    }

    /// Log from 1997-01-01 to 1998-06-30.
    fn span() -> (Vec<u64>, Vec<i32>, Vec<f64>) {
        (
            vec![1, 2, 1],
            vec![day("1997-01-01"), day("1998-06-30"), day("1997-06-01")],
            vec![1.0, 2.0, 3.0],
        )
    }

    fn cutoff_err(as_of: i32, holdout_end: Option<i32>) -> String {
        let (c, d, a) = span();
        RfmFeatures::compute(&c, &d, &a, None, &RfmConfig { as_of, holdout_end })
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn cutoffs_outside_the_data_are_errors_with_the_range() {
        let range = "the data runs from 1997-01-01 to 1998-06-30";
        let e = cutoff_err(day("1998-01-01"), Some(day("2030-01-01")));
        assert!(
            e.contains("holdout_end 2030-01-01 is after the last transaction (1998-06-30)")
                && e.contains(range)
                && e.contains("up to 1998-07-01"),
            "{e}"
        );
        let e = cutoff_err(day("1998-07-02"), None);
        assert!(
            e.contains("as_of 1998-07-02 is after the last transaction (1998-06-30)")
                && e.contains(range),
            "{e}"
        );
        let e = cutoff_err(day("1996-12-31"), None);
        assert!(
            e.contains("as_of 1996-12-31 is before the first transaction (1997-01-01)")
                && e.contains(range),
            "{e}"
        );
        assert!(!e.contains("day "), "{e}");
        let e = cutoff_err(day("1998-07-01"), Some(day("1998-07-02")));
        assert!(e.contains("holdout_end 1998-07-02 is after"), "{e}");
        // The edges are allowed: the first day, the day after the last.
        let (c, d, a) = span();
        for (as_of, holdout_end) in [
            (day("1997-01-01"), None),
            (day("1998-07-01"), None),
            (day("1997-01-01"), Some(day("1998-07-01"))),
            (day("1998-06-29"), Some(day("1998-06-30"))),
        ] {
            let cfg = RfmConfig { as_of, holdout_end };
            assert!(
                RfmFeatures::compute(&c, &d, &a, None, &cfg).is_ok(),
                "{cfg:?}"
            );
        }
        let f = RfmFeatures::compute(
            &c,
            &d,
            &a,
            None,
            &RfmConfig {
                as_of: day("1997-01-01"),
                holdout_end: Some(day("1998-07-01")),
            },
        )
        .unwrap();
        assert_eq!(f.customers, [1]);
        assert_eq!(f.recency_days, [0]);
        assert_eq!(f.report.rows_in_holdout, 2);
    }

    #[test]
    fn from_table_locates_bad_amounts_by_file_line() {
        let csv = "user,day,amount\nu1,1997-01-01,5\nu2,1997-01-02,-4\nu1,1997-01-03,2\n";
        let log = crate::csv_io::read_csv_reader(
            csv.as_bytes(),
            "log.csv",
            &crate::csv_io::CsvOptions::default(),
        )
        .unwrap();
        let cfg = RfmConfig {
            as_of: day("1997-01-04"),
            holdout_end: None,
        };
        let part = log.take(&[2, 1]).unwrap();
        let e = RfmFeatures::from_table(&part, "user", "day", "amount", None, &cfg)
            .unwrap_err()
            .to_string();
        assert!(e.contains("column `amount`: `-4` at line 3"), "{e}");
        let e = RfmFeatures::from_table(&log, "user", "day", "amount", Some("amount"), &cfg)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`-4` at line 3"), "{e}");
    }

    #[test]
    fn default_as_of_is_the_day_after_the_last_and_refuses_future_rows() {
        let csv = "user,day\nu1,2024-01-05\nu2,2024-02-10\nu5,2024-06-01\nu3,2099-01-01\n\
                   u4,2030-05-05\nu6,2023-01-01\n";
        let log = crate::csv_io::read_csv_reader(
            csv.as_bytes(),
            "log.csv",
            &crate::csv_io::CsvOptions::default(),
        )
        .unwrap();
        let today = day("2024-06-01");
        let ok = default_as_of_at(&log.head(2), "day", today).unwrap();
        assert_eq!(
            ok,
            AsOfDate {
                as_of: day("2024-02-11"),
                first: day("2024-01-05"),
                last: day("2024-02-10"),
            }
        );
        // The last day may be today itself.
        let ok = default_as_of_at(&log.head(3), "day", today).unwrap();
        assert_eq!(ok.as_of, day("2024-06-02"));
        // Rows after today: the first one (not the one dated today, line 4)
        // and how many (2, not the 3 dated before or on today).
        let e = default_as_of_at(&log, "day", today)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "column `day`: `2099-01-01` at line 5 is not a date on or before today (2024-06-01)"
            ) && e.contains(": 2 row(s) are dated after today"),
            "{e}"
        );
        let e = default_as_of_at(&log.take(&[4, 3]).unwrap(), "day", today)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`2030-05-05` at line 6"), "{e}");
        let e = default_as_of_at(&log.head(0), "day", today)
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty"), "{e}");
        assert!(default_as_of_at(&log, "nope", today).is_err());
        // With the real clock, 2099 is in the future for a long while yet.
        let e = default_as_of(&log, "day").unwrap_err().to_string();
        assert!(e.contains("`2099-01-01` at line 5"), "{e}");
        assert_eq!(
            default_as_of(&log.head(2), "day").unwrap().as_of,
            day("2024-02-11")
        );
    }
}
