//! Behaviour-velocity features per user from an order or event log, the
//! raw material of risk rules and risk models: how many orders in the
//! busiest hour and day, how much spend in the busiest day, the share of
//! orders at night, how many distinct payment methods / devices / addresses,
//! and whether the account is new.
//!
//! ```
//! use ua_data::features::velocity::{VelocityConfig, VelocityFeatures};
//! let users = [1u64, 1, 1, 2];
//! // user 1: three orders within 40 minutes, one at 02:00 UTC; user 2: one at noon
//! let ts = [7_200, 8_400, 9_600, 43_200];
//! let amounts = [10.0, 20.0, 30.0, 5.0];
//! let f = VelocityFeatures::compute(&users, &ts, &amounts, &[], &VelocityConfig::at(86_400)).unwrap();
//! assert_eq!(f.customers, [1, 2]);
//! assert_eq!(f.max_orders_1h, [3, 1]);
//! assert_eq!(f.max_spend_24h, [60.0, 5.0]);
//! assert_eq!(f.night_share, [1.0, 0.0]);
//! ```

use std::collections::HashSet;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use super::{IdColumn, Key, read_key_column, read_numeric};
use crate::table::{Column, Table};
use crate::{Error, Result};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// What the velocity features are measured against.
///
/// ```
/// use ua_data::features::velocity::VelocityConfig;
/// let c = VelocityConfig::at(1_700_000_000);
/// assert_eq!((c.night_start_hour, c.night_end_hour, c.new_account_days), (0, 6, 7));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VelocityConfig {
    /// The time the features describe (seconds since 1970-01-01 UTC); rows
    /// after it are an error.
    pub as_of: i64,
    /// Night starts at this local hour (inclusive, 0–23).
    pub night_start_hour: u8,
    /// Night ends at this local hour (exclusive, 0–23; may wrap past
    /// midnight, e.g. 22 → 6).
    pub night_end_hour: u8,
    /// Local time = UTC + this many hours (−12..=14).
    pub utc_offset_hours: i8,
    /// An account first seen less than this many days before `as_of` is new.
    pub new_account_days: u32,
}

impl VelocityConfig {
    /// Night 00:00–06:00 UTC, new accounts < 7 days, as of `as_of`.
    pub fn at(as_of: i64) -> Self {
        VelocityConfig {
            as_of,
            night_start_hour: 0,
            night_end_hour: 6,
            utc_offset_hours: 0,
            new_account_days: 7,
        }
    }

    fn check(&self, op: &'static str) -> Result<()> {
        let bad = |message: String| Err(Error::InvalidArgument { op, message });
        if self.night_start_hour > 23 || self.night_end_hour > 23 {
            return bad(format!(
                "night hours {}–{} must lie in 0..=23",
                self.night_start_hour, self.night_end_hour
            ));
        }
        if !(-12..=14).contains(&self.utc_offset_hours) {
            return bad(format!(
                "utc_offset_hours {} must lie in -12..=14",
                self.utc_offset_hours
            ));
        }
        Ok(())
    }

    fn is_night(&self, ts: i64) -> bool {
        let local = ts + i64::from(self.utc_offset_hours) * HOUR;
        let hour = local.rem_euclid(DAY) / HOUR;
        let (start, end) = (
            i64::from(self.night_start_hour),
            i64::from(self.night_end_hour),
        );
        if start <= end {
            (start..end).contains(&hour)
        } else {
            hour >= start || hour < end
        }
    }
}

/// Velocity features, one entry per customer (ascending customer id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VelocityFeatures<K> {
    /// Customer ids, ascending.
    pub customers: Vec<K>,
    /// Orders (rows) per customer.
    pub orders: Vec<u32>,
    /// Distinct UTC days with an order.
    pub active_days: Vec<u32>,
    /// Most orders within any 1-hour window.
    pub max_orders_1h: Vec<u32>,
    /// Most orders within any 24-hour window.
    pub max_orders_24h: Vec<u32>,
    /// Largest spend within any 24-hour window.
    pub max_spend_24h: Vec<f64>,
    /// Total spend / active days.
    pub spend_per_active_day: Vec<f64>,
    /// Share of orders at night (local time).
    pub night_share: Vec<f64>,
    /// Days from the first order to `as_of`.
    pub days_since_first_seen: Vec<f64>,
    /// First seen less than `new_account_days` before `as_of`.
    pub new_account: Vec<bool>,
    /// For each attribute column (payment method, device, address, ...):
    /// its name and the number of distinct values per customer.
    pub distinct: Vec<(String, Vec<u32>)>,
}

impl<K: Ord + Hash + Clone> VelocityFeatures<K> {
    /// Features from parallel columns: the customer, the time (seconds
    /// since 1970-01-01 UTC) and the amount of each order, and optional
    /// attribute columns `(name, values)` whose distinct values are counted.
    ///
    /// Errors: columns of different lengths, no rows, a non-finite or
    /// negative amount, a time after `as_of` (each naming the row), a bad
    /// configuration.
    pub fn compute(
        customers: &[K],
        timestamps: &[i64],
        amounts: &[f64],
        attributes: &[(&str, &[Key])],
        config: &VelocityConfig,
    ) -> Result<Self> {
        const OP: &str = "VelocityFeatures::compute";
        config.check(OP)?;
        let n = customers.len();
        let lengths = [timestamps.len(), amounts.len()]
            .into_iter()
            .chain(attributes.iter().map(|(_, v)| v.len()));
        if let Some(len) = lengths.into_iter().find(|&l| l != n) {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!("{n} customers but a column of {len} values"),
            });
        }
        if n == 0 {
            return Err(Error::InvalidArgument {
                op: OP,
                message: "the log has no rows".into(),
            });
        }
        for i in 0..n {
            if !(amounts[i].is_finite() && amounts[i] >= 0.0) {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: format!(
                        "row {}: amount {} is not a finite amount ≥ 0",
                        i + 1,
                        amounts[i]
                    ),
                });
            }
            if timestamps[i] > config.as_of {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: format!(
                        "row {}: time {} is after as_of {}",
                        i + 1,
                        timestamps[i],
                        config.as_of
                    ),
                });
            }
        }
        // Rows grouped by customer, in time order within a customer.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            customers[a]
                .cmp(&customers[b])
                .then(timestamps[a].cmp(&timestamps[b]))
        });
        let mut f = VelocityFeatures::empty(attributes);
        for group in order.chunk_by(|&a, &b| customers[a] == customers[b]) {
            f.push(
                group,
                timestamps,
                amounts,
                attributes,
                config,
                customers[group[0]].clone(),
            );
        }
        Ok(f)
    }

    fn empty(attributes: &[(&str, &[Key])]) -> Self {
        VelocityFeatures {
            customers: Vec::new(),
            orders: Vec::new(),
            active_days: Vec::new(),
            max_orders_1h: Vec::new(),
            max_orders_24h: Vec::new(),
            max_spend_24h: Vec::new(),
            spend_per_active_day: Vec::new(),
            night_share: Vec::new(),
            days_since_first_seen: Vec::new(),
            new_account: Vec::new(),
            distinct: attributes
                .iter()
                .map(|(name, _)| ((*name).to_owned(), Vec::new()))
                .collect(),
        }
    }

    /// Appends one customer's features from their rows `group` (in time order).
    fn push(
        &mut self,
        group: &[usize],
        ts: &[i64],
        amounts: &[f64],
        attributes: &[(&str, &[Key])],
        config: &VelocityConfig,
        customer: K,
    ) {
        let times: Vec<i64> = group.iter().map(|&r| ts[r]).collect();
        let spend: Vec<f64> = group.iter().map(|&r| amounts[r]).collect();
        let mut days: Vec<i64> = times.iter().map(|t| t.div_euclid(DAY)).collect();
        days.dedup();
        let total: f64 = spend.iter().sum();
        let night = times.iter().filter(|&&t| config.is_night(t)).count();
        let first_seen_days = (config.as_of - times[0]) as f64 / DAY as f64;
        self.customers.push(customer);
        self.orders.push(group.len() as u32);
        self.active_days.push(days.len() as u32);
        self.max_orders_1h
            .push(window_max(&times, &vec![1.0; times.len()], HOUR) as u32);
        self.max_orders_24h
            .push(window_max(&times, &vec![1.0; times.len()], DAY) as u32);
        self.max_spend_24h.push(window_max(&times, &spend, DAY));
        self.spend_per_active_day.push(total / days.len() as f64);
        self.night_share.push(night as f64 / group.len() as f64);
        self.days_since_first_seen.push(first_seen_days);
        self.new_account
            .push(first_seen_days < f64::from(config.new_account_days));
        for ((_, values), (_, counts)) in attributes.iter().zip(&mut self.distinct) {
            let set: HashSet<&Key> = group.iter().map(|&r| &values[r]).collect();
            counts.push(set.len() as u32);
        }
    }

    /// The features as a table: the customer id column `customer_col`, then
    /// one column per feature (`distinct_<name>` for the attributes).
    pub fn to_table(&self, customer_col: &str) -> Result<Table>
    where
        K: Into<Key>,
    {
        let ids: Vec<Key> = self.customers.iter().cloned().map(Into::into).collect();
        let id_column = Key::to_column(&ids);
        let u = |v: &[u32]| Column::numeric(v.iter().map(|&x| f64::from(x)).collect());
        let mut columns = vec![
            (customer_col.to_owned(), id_column),
            ("orders".into(), u(&self.orders)),
            ("active_days".into(), u(&self.active_days)),
            ("max_orders_1h".into(), u(&self.max_orders_1h)),
            ("max_orders_24h".into(), u(&self.max_orders_24h)),
            (
                "max_spend_24h".into(),
                Column::numeric(self.max_spend_24h.clone()),
            ),
            (
                "spend_per_active_day".into(),
                Column::numeric(self.spend_per_active_day.clone()),
            ),
            (
                "night_share".into(),
                Column::numeric(self.night_share.clone()),
            ),
            (
                "days_since_first_seen".into(),
                Column::numeric(self.days_since_first_seen.clone()),
            ),
            (
                "new_account".into(),
                Column::boolean(self.new_account.clone()),
            ),
        ];
        for (name, counts) in &self.distinct {
            columns.push((format!("distinct_{name}"), u(counts)));
        }
        Table::new(columns)
    }
}

impl VelocityFeatures<Key> {
    /// Features from a log table: customer ids (whole numbers or text), the
    /// time as seconds since 1970-01-01 UTC (a numeric column), the amount,
    /// and attribute columns (any type) whose distinct values are counted.
    /// Missing or bad values are errors naming the column and file line.
    ///
    /// ```
    /// use ua_data::csv_io::{read_csv_reader, CsvOptions};
    /// use ua_data::features::velocity::{VelocityConfig, VelocityFeatures};
    /// let csv = "user,ts,amount,card\na,100,5,c1\na,200,7,c2\nb,300,1,c3\n";
    /// let log = read_csv_reader(csv.as_bytes(), "log.csv", &CsvOptions::default()).unwrap();
    /// let f = VelocityFeatures::from_table(&log, "user", "ts", "amount", &["card"], &VelocityConfig::at(1_000)).unwrap();
    /// assert_eq!(f.distinct[0].1, [2, 1]);
    /// assert_eq!(f.to_table("user").unwrap().column_names()[10], "distinct_card");
    /// ```
    pub fn from_table(
        table: &Table,
        customer_col: &str,
        time_col: &str,
        amount_col: &str,
        attribute_cols: &[&str],
        config: &VelocityConfig,
    ) -> Result<Self> {
        const OP: &str = "VelocityFeatures::from_table";
        let customers = read_key_column(OP, table, customer_col)?.into_keys();
        let times = read_numeric(OP, table, time_col)?;
        let mut ts = Vec::with_capacity(times.len());
        for (row, &t) in times.iter().enumerate() {
            if t.fract() != 0.0 || t.abs() > 1e15 {
                return Err(Error::BadValue {
                    op: OP,
                    column: time_col.to_owned(),
                    at: table.locate(row),
                    value: t.to_string(),
                    expected: "whole seconds since 1970-01-01 UTC".into(),
                });
            }
            ts.push(t as i64);
        }
        let amounts = read_numeric(OP, table, amount_col)?;
        let attributes: Vec<(&str, Vec<Key>)> = attribute_cols
            .iter()
            .map(|c| Ok((*c, read_key_column(OP, table, c)?.into_keys())))
            .collect::<Result<_>>()?;
        let borrowed: Vec<(&str, &[Key])> =
            attributes.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        Self::compute(&customers, &ts, &amounts, &borrowed, config)
    }
}

/// The largest sum of `weights` over rows whose times lie within any window
/// `[t, t + width)` (times ascending); two pointers, O(n).
fn window_max(times: &[i64], weights: &[f64], width: i64) -> f64 {
    let (mut start, mut sum, mut best) = (0, 0.0, 0.0f64);
    for end in 0..times.len() {
        sum += weights[end];
        while times[end] - times[start] >= width {
            sum -= weights[start];
            start += 1;
        }
        best = best.max(sum);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_by_hand() {
        // Orders at 0, 30 min, 59 min, 61 min, 25 h.
        let t = [0, 1_800, 3_540, 3_660, 90_000];
        let ones = [1.0; 5];
        assert_eq!(window_max(&t, &ones, HOUR), 3.0); // 0, 30, 59 min (61 min is 1 h 1 min after 0)
        assert_eq!(window_max(&t, &ones, DAY), 4.0);
        let spend = [1.0, 2.0, 4.0, 8.0, 0.5];
        assert_eq!(window_max(&t, &spend, HOUR), 14.0); // 30, 59, 61 min
        assert_eq!(window_max(&t, &spend, DAY), 15.0); // the first four
        assert_eq!(window_max(&[5], &[2.5], HOUR), 2.5);
    }

    #[test]
    fn features_per_customer_by_hand() {
        let users = ["b", "a", "a", "a", "b"].map(String::from);
        // a: day 0 at 01:00, 01:10 and day 2 at 13:00; b: day 1 23:00 and day 1 23:30
        let ts = [
            DAY + 23 * HOUR,
            HOUR,
            HOUR + 600,
            2 * DAY + 13 * HOUR,
            DAY + 23 * HOUR + 1_800,
        ];
        let amounts = [3.0, 10.0, 20.0, 40.0, 4.0];
        let cards: Vec<Key> = ["x", "y", "y", "z", "x"].map(Key::from).to_vec();
        let config = VelocityConfig {
            night_start_hour: 22,
            night_end_hour: 2,
            ..VelocityConfig::at(3 * DAY)
        };
        let f =
            VelocityFeatures::compute(&users, &ts, &amounts, &[("card", &cards)], &config).unwrap();
        assert_eq!(f.customers, ["a", "b"]);
        assert_eq!(f.orders, [3, 2]);
        assert_eq!(f.active_days, [2, 1]);
        assert_eq!(f.max_orders_1h, [2, 2]);
        assert_eq!(f.max_orders_24h, [2, 2]);
        assert_eq!(f.max_spend_24h, [40.0, 7.0]);
        assert_eq!(f.spend_per_active_day, [35.0, 7.0]);
        // night 22:00–02:00: a's 01:00 and 01:10; both of b's.
        assert_eq!(f.night_share, [2.0 / 3.0, 1.0]);
        assert_eq!(
            f.days_since_first_seen[0],
            (3 * DAY - HOUR) as f64 / DAY as f64
        );
        assert_eq!(f.new_account, [true, true]);
        assert_eq!(f.distinct, [("card".to_string(), vec![2, 1])]);
        let table = f.to_table("user").unwrap();
        assert_eq!(table.n_rows(), 2);
        assert_eq!(table.categorical("user").unwrap().get(1), Some("b"));
        let old = VelocityConfig {
            new_account_days: 1,
            ..config
        };
        let f = VelocityFeatures::compute(&users, &ts, &amounts, &[], &old).unwrap();
        assert_eq!(f.new_account, [false, false]);
    }

    #[test]
    fn local_time_shifts_the_night() {
        let c = VelocityConfig {
            utc_offset_hours: -5,
            ..VelocityConfig::at(DAY)
        };
        // 03:00 UTC is 22:00 the day before in UTC−5: not night (0–6).
        assert!(!c.is_night(3 * HOUR));
        assert!(c.is_night(8 * HOUR)); // 03:00 local
        assert!(VelocityConfig::at(0).is_night(-HOUR * 20)); // 04:00 on 1969-12-31
    }

    #[test]
    fn bad_logs_are_errors_naming_the_row() {
        let c = VelocityConfig::at(1_000);
        let e = VelocityFeatures::compute(&[1u64, 2], &[1, 2], &[1.0], &[], &c).unwrap_err();
        assert!(
            e.to_string().contains("2 customers but a column of 1"),
            "{e}"
        );
        let e = VelocityFeatures::<u64>::compute(&[], &[], &[], &[], &c).unwrap_err();
        assert!(e.to_string().contains("no rows"), "{e}");
        let e =
            VelocityFeatures::compute(&[1u64, 2], &[1, 2], &[1.0, f64::NAN], &[], &c).unwrap_err();
        assert!(e.to_string().contains("row 2: amount NaN"), "{e}");
        let e = VelocityFeatures::compute(&[1u64, 2], &[1, 2], &[1.0, -3.0], &[], &c).unwrap_err();
        assert!(e.to_string().contains("row 2: amount -3"), "{e}");
        let e = VelocityFeatures::compute(&[1u64], &[5_000], &[1.0], &[], &c).unwrap_err();
        assert!(
            e.to_string()
                .contains("row 1: time 5000 is after as_of 1000"),
            "{e}"
        );
        let bad = VelocityConfig {
            night_end_hour: 24,
            ..c.clone()
        };
        assert!(VelocityFeatures::compute(&[1u64], &[5], &[1.0], &[], &bad).is_err());
        let bad = VelocityConfig {
            utc_offset_hours: 15,
            ..c
        };
        assert!(VelocityFeatures::compute(&[1u64], &[5], &[1.0], &[], &bad).is_err());
    }

    #[test]
    fn configuration_bounds_are_inclusive() {
        let ok = |c: VelocityConfig| VelocityFeatures::compute(&[1u64], &[5], &[1.0], &[], &c);
        let base = VelocityConfig::at(1_000);
        // Hour 23 and offsets -12 and +14 are the last valid values.
        for c in [
            VelocityConfig {
                night_start_hour: 23,
                night_end_hour: 23,
                ..base.clone()
            },
            VelocityConfig {
                utc_offset_hours: -12,
                ..base.clone()
            },
            VelocityConfig {
                utc_offset_hours: 14,
                ..base.clone()
            },
        ] {
            assert!(ok(c.clone()).is_ok(), "{c:?}");
        }
        let bad_start = VelocityConfig {
            night_start_hour: 24,
            ..base.clone()
        };
        let e = ok(bad_start).unwrap_err().to_string();
        assert!(e.contains("night hours 24–6 must lie in 0..=23"), "{e}");
        let bad_end = VelocityConfig {
            night_end_hour: 24,
            ..base.clone()
        };
        let e = ok(bad_end).unwrap_err().to_string();
        assert!(e.contains("night hours 0–24 must lie in 0..=23"), "{e}");
        let bad_offset = VelocityConfig {
            utc_offset_hours: -13,
            ..base
        };
        let e = ok(bad_offset).unwrap_err().to_string();
        assert!(
            e.contains("utc_offset_hours -13 must lie in -12..=14"),
            "{e}"
        );
    }

    #[test]
    fn night_starts_inclusive_and_ends_exclusive() {
        // Wrapping past midnight, 22:00–02:00.
        let wrap = VelocityConfig {
            night_start_hour: 22,
            night_end_hour: 2,
            ..VelocityConfig::at(DAY)
        };
        assert!(!wrap.is_night(22 * HOUR - 1));
        assert!(wrap.is_night(22 * HOUR));
        assert!(wrap.is_night(2 * HOUR - 1));
        assert!(!wrap.is_night(2 * HOUR));
        // Not wrapping, 00:00–06:00.
        let plain = VelocityConfig::at(DAY);
        assert!(plain.is_night(0));
        assert!(plain.is_night(6 * HOUR - 1));
        assert!(!plain.is_night(6 * HOUR));
        assert!(!plain.is_night(DAY - 1));
    }

    #[test]
    fn an_order_at_as_of_counts_and_new_accounts_end_at_the_limit() {
        // An order exactly at `as_of` is allowed: first seen 0 days ago.
        let f = VelocityFeatures::compute(
            &[1u64],
            &[7 * DAY],
            &[2.0],
            &[],
            &VelocityConfig::at(7 * DAY),
        )
        .unwrap();
        assert_eq!((f.days_since_first_seen[0], f.new_account[0]), (0.0, true));
        // First seen exactly `new_account_days` (7) days before: no longer new;
        // one second later it still is.
        let f = VelocityFeatures::compute(
            &[1u64, 2],
            &[0, 1],
            &[1.0, 1.0],
            &[],
            &VelocityConfig::at(7 * DAY),
        )
        .unwrap();
        assert_eq!(f.days_since_first_seen[0], 7.0);
        assert_eq!(f.new_account, [false, true]);
    }

    #[test]
    fn table_times_beyond_1e15_seconds_are_refused() {
        use crate::csv_io::{CsvOptions, read_csv_reader};
        let read = |ts: &str| {
            let csv = format!("user,ts,amount\na,{ts},5\n");
            let log = read_csv_reader(csv.as_bytes(), "log.csv", &CsvOptions::default()).unwrap();
            VelocityFeatures::from_table(
                &log,
                "user",
                "ts",
                "amount",
                &[],
                &VelocityConfig::at(1_000_000_000_000_000),
            )
        };
        // 1e15 s is the last whole time accepted; 2e15 is refused.
        let f = read("1e15").unwrap();
        assert_eq!(f.days_since_first_seen, [0.0]);
        let e = read("2e15").unwrap_err().to_string();
        assert!(
            e.contains("at line 2") && e.contains("whole seconds"),
            "{e}"
        );
        let e = read("-2e15").unwrap_err().to_string();
        assert!(e.contains("whole seconds"), "{e}");
    }

    #[test]
    fn table_errors_give_the_file_line() {
        use crate::csv_io::{CsvOptions, read_csv_reader};
        let csv = "user,ts,amount\na,100,5\na,200.5,7\n";
        let log = read_csv_reader(csv.as_bytes(), "log.csv", &CsvOptions::default()).unwrap();
        let e = VelocityFeatures::from_table(
            &log,
            "user",
            "ts",
            "amount",
            &[],
            &VelocityConfig::at(1_000),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("`200.5` at line 3") && e.contains("whole seconds"),
            "{e}"
        );
        let ok = read_csv_reader(
            "user,ts,amount\na,100,5\n".as_bytes(),
            "ok.csv",
            &CsvOptions::default(),
        )
        .unwrap();
        let e = VelocityFeatures::from_table(
            &ok,
            "user",
            "ts",
            "amount",
            &["card"],
            &VelocityConfig::at(1_000),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("card"), "{e}");
    }
}
