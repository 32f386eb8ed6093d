//! The calibration/holdout summary of a transaction log that customer-base
//! models (BG/NBD, Gamma-Gamma) are fitted on.
//!
//! A customer's transactions are first grouped by day (several rows on one
//! day are one purchase, their amounts summed), then, over the days on or
//! before the calibration end (inclusive):
//!
//! | field | symbol | definition |
//! | --- | --- | --- |
//! | `frequency` | x | repeat purchase days: distinct purchase days − 1 |
//! | `recency` | t_x | last purchase day − first purchase day (0 when x = 0) |
//! | `age` | T | calibration end − first purchase day |
//! | `mean_repeat_spend` | m | mean over the repeat purchase days of each day's total amount; 0 when x = 0 |
//! | `holdout_frequency` | | distinct purchase days with `calibration_end < day ≤ holdout_end` (with a holdout) |
//! | `holdout_spend` | | total amount in the holdout period (with a holdout) |
//!
//! These are the definitions of Python's lifetimes
//! (`calibration_and_holdout_data` with `freq="D"`), so the same log gives
//! the same summary. The first purchase is not a repeat purchase: it is left
//! out of `frequency` and of `mean_repeat_spend`.
//!
//! Amounts may be zero or negative (refunds): they are summed per day as
//! given, and [`CustomerBaseReport::nonpositive_repeat_spend`] counts the
//! customers with repeat purchases whose mean repeat spend is ≤ 0 (a spend
//! model must leave them out). NaN or infinite amounts are errors naming the
//! row. Customers whose first purchase is after the calibration end have no
//! history and are counted, not listed. A calibration end before the first
//! transaction, or after the day after the last one, is an error giving the
//! data's range.
//!
//! ```
//! use ua_data::features::customer_base::{CustomerBase, CustomerBaseConfig};
//! let customer = ["a", "a", "a", "a", "b", "c"];
//! let day = [0, 0, 10, 30, 5, 45];
//! let amount = [2.0, 3.0, 10.0, 20.0, 7.0, 1.0];
//! let cfg = CustomerBaseConfig { calibration_end: 40, holdout_end: Some(46) };
//! let s = CustomerBase::compute(&customer, &day, &amount, &cfg).unwrap();
//! assert_eq!(s.customers, ["a", "b"]);
//! assert_eq!(s.frequency, [2, 0]);          // a: days 0, 10, 30 → 2 repeat days
//! assert_eq!(s.recency, [30, 0]);
//! assert_eq!(s.age, [40, 35]);
//! assert_eq!(s.mean_repeat_spend, [15.0, 0.0]);
//! assert_eq!(s.report.customers_excluded, 1); // c first bought on day 45
//! ```

use serde::{Deserialize, Serialize};

use super::{Key, read_day_column, read_key_column, read_numeric};
use crate::date::format_date;
use crate::table::Table;
use crate::{Error, Result};

/// The calibration end and the optional holdout end, inclusive, in days
/// since 1970-01-01 (see [`crate::date`]).
///
/// ```
/// let c = ua_data::features::customer_base::CustomerBaseConfig { calibration_end: 100, holdout_end: None };
/// assert!(c.holdout_end.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerBaseConfig {
    /// Last day of the calibration period (inclusive).
    pub calibration_end: i32,
    /// Last day of the holdout period (inclusive), after `calibration_end`.
    pub holdout_end: Option<i32>,
}

/// What went into the summary and what was left out.
///
/// ```
/// use ua_data::features::customer_base::{CustomerBase, CustomerBaseConfig};
/// let s = CustomerBase::compute(&[1u64, 1, 2], &[0, 3, 9], &[1.0, -4.0, 1.0],
///     &CustomerBaseConfig { calibration_end: 5, holdout_end: None }).unwrap();
/// assert_eq!(s.report.rows_ignored, 1);
/// assert_eq!(s.report.nonpositive_repeat_spend, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerBaseReport {
    /// Rows in the log.
    pub rows_total: usize,
    /// Rows on or before the calibration end.
    pub rows_in_calibration: usize,
    /// Rows in `(calibration_end, holdout_end]`.
    pub rows_in_holdout: usize,
    /// Rows after the holdout end (or after the calibration end without a holdout): ignored.
    pub rows_ignored: usize,
    /// Distinct customers in the log.
    pub customers_total: usize,
    /// Customers with calibration history (the rows of the summary).
    pub customers: usize,
    /// Customers whose first purchase is after the calibration end (not listed).
    pub customers_excluded: usize,
    /// Listed customers with one purchase day only (x = 0; valid for BG/NBD, no spend information).
    pub one_purchase_day: usize,
    /// Listed customers with x > 0 whose mean repeat spend is ≤ 0.
    pub nonpositive_repeat_spend: usize,
}

/// Per-customer calibration (and holdout) summary, customers sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerBase<K> {
    /// Customer ids, sorted.
    pub customers: Vec<K>,
    /// x: repeat purchase days in the calibration period.
    pub frequency: Vec<u32>,
    /// t_x: last − first purchase day.
    pub recency: Vec<i32>,
    /// T: calibration end − first purchase day.
    pub age: Vec<i32>,
    /// Mean total amount of the repeat purchase days (0 when x = 0).
    pub mean_repeat_spend: Vec<f64>,
    /// Distinct purchase days in the holdout period, when one was given.
    pub holdout_frequency: Option<Vec<u32>>,
    /// Total amount in the holdout period, when one was given.
    pub holdout_spend: Option<Vec<f64>>,
    /// Rows and customers used and left out.
    pub report: CustomerBaseReport,
}

const OP: &str = "CustomerBase::compute";

fn invalid(message: String) -> Error {
    Error::InvalidArgument { op: OP, message }
}

impl<K: Ord + Clone> CustomerBase<K> {
    /// Builds the summary from parallel columns: customer id, day (days
    /// since 1970-01-01) and amount of each transaction.
    ///
    /// Errors: columns of different lengths, an empty log, a NaN or
    /// infinite amount ([`Error::BadValue`] at its 1-based row), a holdout
    /// end not after the calibration end, and cut-offs outside the data
    /// (the message gives the data's range).
    ///
    /// ```
    /// use ua_data::features::customer_base::{CustomerBase, CustomerBaseConfig};
    /// let cfg = CustomerBaseConfig { calibration_end: 3, holdout_end: None };
    /// let e = CustomerBase::compute(&[1u64], &[5], &[1.0], &cfg).unwrap_err();
    /// assert!(e.to_string().contains("calibration_end 1970-01-04 is before the first transaction"), "{e}");
    /// let e = CustomerBase::compute(&[1u64, 1], &[1, 2], &[1.0, f64::NAN], &cfg).unwrap_err();
    /// assert!(e.to_string().contains("at row 2"), "{e}");
    /// ```
    pub fn compute(
        customers: &[K],
        days: &[i32],
        amounts: &[f64],
        config: &CustomerBaseConfig,
    ) -> Result<Self> {
        Self::compute_located(customers, days, amounts, "amounts", config, &|row| {
            format!("row {}", row + 1)
        })
    }

    fn compute_located(
        customers: &[K],
        days: &[i32],
        amounts: &[f64],
        amount_name: &str,
        config: &CustomerBaseConfig,
        locate: &dyn Fn(usize) -> String,
    ) -> Result<Self> {
        let n = customers.len();
        for (name, len) in [("days", days.len()), ("amounts", amounts.len())] {
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
        if let Some(row) = amounts.iter().position(|a| !a.is_finite()) {
            return Err(Error::BadValue {
                op: OP,
                column: amount_name.to_owned(),
                at: locate(row),
                value: amounts[row].to_string(),
                expected: "a finite amount".into(),
            });
        }
        check_cutoffs(days, config)?;

        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| customers[a].cmp(&customers[b]).then(days[a].cmp(&days[b])));
        let holdout = config.holdout_end.is_some();
        let mut out = CustomerBase {
            customers: Vec::new(),
            frequency: Vec::new(),
            recency: Vec::new(),
            age: Vec::new(),
            mean_repeat_spend: Vec::new(),
            holdout_frequency: holdout.then(Vec::new),
            holdout_spend: holdout.then(Vec::new),
            report: CustomerBaseReport {
                rows_total: n,
                ..CustomerBaseReport::default()
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
            out.add_customer(key, &order[start..end], days, amounts, config);
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
        config: &CustomerBaseConfig,
    ) {
        let (mut first, mut last) = (None::<i32>, 0i32);
        let (mut purchase_days, mut repeat_total) = (0u32, 0.0f64);
        let (mut hold_days, mut hold_spend, mut hold_prev) = (0u32, 0.0f64, None::<i32>);
        for &r in rows {
            let d = days[r];
            if d <= config.calibration_end {
                self.report.rows_in_calibration += 1;
                if first.is_none() {
                    first = Some(d);
                    purchase_days = 1;
                } else if d != last {
                    purchase_days += 1;
                }
                if first != Some(d) {
                    repeat_total += amounts[r];
                }
                last = d;
            } else if config.holdout_end.is_some_and(|e| d <= e) {
                self.report.rows_in_holdout += 1;
                if hold_prev != Some(d) {
                    hold_days += 1;
                    hold_prev = Some(d);
                }
                hold_spend += amounts[r];
            } else {
                self.report.rows_ignored += 1;
            }
        }
        let Some(first) = first else {
            self.report.customers_excluded += 1;
            return;
        };
        let x = purchase_days - 1;
        let m = if x > 0 {
            repeat_total / f64::from(x)
        } else {
            0.0
        };
        self.report.customers += 1;
        if x == 0 {
            self.report.one_purchase_day += 1;
        } else if m <= 0.0 {
            self.report.nonpositive_repeat_spend += 1;
        }
        self.customers.push(key.clone());
        self.frequency.push(x);
        self.recency.push(last - first);
        self.age.push(config.calibration_end - first);
        self.mean_repeat_spend.push(m);
        if let Some(h) = self.holdout_frequency.as_mut() {
            h.push(hold_days);
        }
        if let Some(h) = self.holdout_spend.as_mut() {
            h.push(hold_spend);
        }
    }

    /// Number of customers.
    ///
    /// ```
    /// use ua_data::features::customer_base::{CustomerBase, CustomerBaseConfig};
    /// let s = CustomerBase::compute(&[2u64, 1], &[1, 1], &[1.0, 1.0],
    ///     &CustomerBaseConfig { calibration_end: 1, holdout_end: None }).unwrap();
    /// assert_eq!(s.len(), 2);
    /// assert!(!s.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether no customer is listed (never the case for a summary that
    /// [`compute`](Self::compute) returned: the calibration end is not before the data).
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
}

impl CustomerBase<Key> {
    /// Reads the customer, date and amount columns of a table (as
    /// [`RfmFeatures::from_table`](super::rfm::RfmFeatures::from_table)
    /// does: ids numeric or text, dates as a date column, `YYYYMMDD` numbers
    /// or text) and builds the summary. Errors name the column, the value
    /// and the file line of a table read from CSV.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// use ua_data::date::parse_date;
    /// use ua_data::features::customer_base::{CustomerBase, CustomerBaseConfig};
    /// let t = Table::new(vec![
    ///     ("id".into(), Column::categorical(&["u1", "u1", "u2"])),
    ///     ("date".into(), Column::categorical(&["2024-01-01", "2024-01-08", "2024-01-03"])),
    ///     ("amount".into(), Column::numeric(vec![5.0, 7.0, 3.0])),
    /// ]).unwrap();
    /// let cfg = CustomerBaseConfig { calibration_end: parse_date("2024-01-09").unwrap(), holdout_end: None };
    /// let s = CustomerBase::from_table(&t, "id", "date", "amount", &cfg).unwrap();
    /// assert_eq!((s.frequency[0], s.recency[0], s.age[0]), (1, 7, 8));
    /// ```
    pub fn from_table(
        table: &Table,
        customer_col: &str,
        date_col: &str,
        amount_col: &str,
        config: &CustomerBaseConfig,
    ) -> Result<Self> {
        const OP_T: &str = "CustomerBase::from_table";
        let days = read_day_column(OP_T, table, date_col)?;
        let amounts = read_numeric(OP_T, table, amount_col)?;
        let keys = read_key_column(OP_T, table, customer_col)?.into_keys();
        CustomerBase::compute_located(&keys, &days, &amounts, amount_col, config, &|row| {
            table.locate(row)
        })
    }
}

/// The calibration end must lie from the first transaction to the day
/// after the last; the holdout end after the calibration end and not past
/// the day after the last transaction.
fn check_cutoffs(days: &[i32], config: &CustomerBaseConfig) -> Result<()> {
    if let Some(end) = config.holdout_end
        && end <= config.calibration_end
    {
        return Err(invalid(format!(
            "holdout_end {} must be after calibration_end {}",
            format_date(end),
            format_date(config.calibration_end)
        )));
    }
    let first = days.iter().copied().min().unwrap_or(0);
    let last = days.iter().copied().max().unwrap_or(0);
    let mut cutoffs = vec![("calibration_end", config.calibration_end)];
    cutoffs.extend(config.holdout_end.map(|e| ("holdout_end", e)));
    super::check_cutoffs(first, last, &cutoffs).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_summary_with_holdout() {
        // a: days 0 (2 rows), 10, 30 in calibration; 45 and 45 in holdout; 70 ignored.
        // b: day 5 only. c: first purchase day 45 (excluded). d: days 1, 3 with a refund.
        let rows = [
            ("a", 0, 2.0),
            ("a", 10, 10.0),
            ("b", 5, 7.0),
            ("a", 0, 3.0),
            ("a", 30, 20.0),
            ("a", 45, 4.0),
            ("a", 45, 6.0),
            ("a", 48, 1.0),
            ("c", 45, 1.0),
            ("a", 70, 9.0),
            ("d", 1, 5.0),
            ("d", 3, -5.0),
        ];
        let ids: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let days: Vec<i32> = rows.iter().map(|r| r.1).collect();
        let amounts: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let cfg = CustomerBaseConfig {
            calibration_end: 40,
            holdout_end: Some(60),
        };
        let s = CustomerBase::compute(&ids, &days, &amounts, &cfg).unwrap();
        assert_eq!(s.customers, ["a", "b", "d"]);
        assert_eq!(s.frequency, [2, 0, 1]);
        assert_eq!(s.recency, [30, 0, 2]);
        assert_eq!(s.age, [40, 35, 39]);
        assert_eq!(s.mean_repeat_spend, [15.0, 0.0, -5.0]);
        assert_eq!(s.holdout_frequency.as_deref(), Some(&[2, 0, 0][..]));
        assert_eq!(s.holdout_spend.as_deref(), Some(&[11.0, 0.0, 0.0][..]));
        let r = s.report;
        assert_eq!(
            (
                r.rows_total,
                r.rows_in_calibration,
                r.rows_in_holdout,
                r.rows_ignored
            ),
            (12, 7, 4, 1)
        );
        assert_eq!(
            (r.customers_total, r.customers, r.customers_excluded),
            (4, 3, 1)
        );
        assert_eq!((r.one_purchase_day, r.nonpositive_repeat_spend), (1, 1));
    }

    #[test]
    fn bad_cutoffs_and_lengths_are_errors() {
        let cfg = |c, h| CustomerBaseConfig {
            calibration_end: c,
            holdout_end: h,
        };
        let e = CustomerBase::compute(&[1u64], &[10], &[1.0], &cfg(12, Some(11)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be after calibration_end"), "{e}");
        let e = CustomerBase::compute(&[1u64], &[10], &[1.0], &cfg(30, None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is after the last transaction"), "{e}");
        assert!(e.contains("use a date up to 1970-01-12"), "{e}");
        // The day after the last transaction is allowed.
        assert!(CustomerBase::compute(&[1u64], &[10], &[1.0], &cfg(11, None)).is_ok());
        let e = CustomerBase::compute(&[1u64, 2], &[10], &[1.0, 1.0], &cfg(11, None))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("days") && e.contains('2') && e.contains('1'),
            "{e}"
        );
        let e = CustomerBase::<u64>::compute(&[], &[], &[], &cfg(11, None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn table_errors_name_the_file_line() {
        let csv = "id,date,amount\nu1,2024-01-01,5\nu1,2024-01-03,x\n";
        let t = crate::csv_io::read_csv_reader(
            csv.as_bytes(),
            "tx.csv",
            &crate::csv_io::CsvOptions::default().with_type("amount", crate::ColumnType::Numeric),
        );
        // A non-number in a numeric column is rejected by the reader or here, naming line 3.
        let e = match t {
            Err(e) => e.to_string(),
            Ok(t) => {
                let cfg = CustomerBaseConfig {
                    calibration_end: crate::date::parse_date("2024-01-03").unwrap(),
                    holdout_end: None,
                };
                CustomerBase::from_table(&t, "id", "date", "amount", &cfg)
                    .unwrap_err()
                    .to_string()
            }
        };
        assert!(e.contains("line 3"), "{e}");
    }
}
