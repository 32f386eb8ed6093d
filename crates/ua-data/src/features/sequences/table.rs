//! Event sequences from a [`Table`]: composite tokens from columns and the
//! table front ends of [`EventSequences`] and [`Vocabulary`].

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{EventLog, EventSequences, SECONDS_PER_DAY, SequenceConfig, Source, Vocabulary};
use crate::date::format_date;
use crate::features::{Key, read_key_column};
use crate::table::{Column, Table};
use crate::{CategoricalColumn, Error, Result};

/// Separator between the parts of a composite token (`"view|3"`).
pub const TOKEN_SEPARATOR: &str = "|";

/// The columns of an event table: user id, time, the columns that make up
/// the token, and an optional amount.
///
/// * `user`: whole numbers (numeric) or text (categorical), read as [`Key`];
/// * `time`: a numeric column of seconds since 1970-01-01 00:00 UTC
///   (fractions of a second are dropped, rounding down), **or** a date
///   column (days): then an event's time is midnight of its day
///   (`day · 86 400`) and [`HourOfDay`](super::Channel::HourOfDay) is 0;
/// * `tokens`: one or more columns joined by [`token_from_columns`];
/// * `amount`: numeric.
///
/// ```
/// use ua_data::features::sequences::EventColumns;
/// let cols = EventColumns::new("user_id", "timestamp", &["event", "category"]).amount("price");
/// assert_eq!(cols.tokens, ["event", "category"]);
/// assert_eq!(cols.amount.as_deref(), Some("price"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventColumns {
    /// The user id column.
    pub user: String,
    /// The time column (seconds since 1970 UTC, or a date column).
    pub time: String,
    /// The columns joined into the token, in this order.
    pub tokens: Vec<String>,
    /// The amount column, if any.
    pub amount: Option<String>,
}

impl EventColumns {
    /// User, time and token columns, no amount.
    ///
    /// ```
    /// let c = ua_data::features::sequences::EventColumns::new("u", "t", &["event"]);
    /// assert_eq!((c.user.as_str(), c.time.as_str(), c.amount), ("u", "t", None));
    /// ```
    pub fn new(user: &str, time: &str, tokens: &[&str]) -> Self {
        EventColumns {
            user: user.into(),
            time: time.into(),
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
            amount: None,
        }
    }

    /// Sets the amount column.
    ///
    /// ```
    /// let c = ua_data::features::sequences::EventColumns::new("u", "t", &["e"]).amount("a");
    /// assert_eq!(c.amount.as_deref(), Some("a"));
    /// ```
    pub fn amount(mut self, column: &str) -> Self {
        self.amount = Some(column.into());
        self
    }
}

/// Codes per row and the text of each code for one column.
fn column_codes(table: &Table, name: &str) -> Result<(Vec<u32>, Vec<String>)> {
    const MISSING: u32 = CategoricalColumn::MISSING;
    let col = table.column(name)?;
    Ok(match col {
        Column::Categorical(c) => (c.codes().to_vec(), c.levels().to_vec()),
        Column::Boolean(c) => {
            let codes = c
                .values()
                .iter()
                .map(|v| v.map_or(MISSING, u32::from))
                .collect();
            (codes, vec!["false".into(), "true".into()])
        }
        Column::Numeric(c) => {
            let mut seen: HashMap<u64, u32> = HashMap::new();
            let mut levels = Vec::new();
            let codes = c
                .iter()
                .map(|v| match v {
                    None => MISSING,
                    Some(x) => {
                        let x = if x == 0.0 { 0.0 } else { x }; // -0 and 0 alike
                        *seen.entry(x.to_bits()).or_insert_with(|| {
                            levels.push(if x.fract() == 0.0 && x.abs() < 1e15 {
                                format!("{}", x as i64)
                            } else {
                                x.to_string()
                            });
                            levels.len() as u32 - 1
                        })
                    }
                })
                .collect();
            (codes, levels)
        }
        Column::Date(c) => {
            let mut seen: HashMap<i32, u32> = HashMap::new();
            let mut levels = Vec::new();
            let codes = c
                .iter()
                .map(|v| match v {
                    None => MISSING,
                    Some(d) => *seen.entry(d).or_insert_with(|| {
                        levels.push(format_date(d));
                        levels.len() as u32 - 1
                    }),
                })
                .collect();
            (codes, levels)
        }
    })
}

/// Joins `columns` of each row into one token text, parts separated by
/// [`TOKEN_SEPARATOR`] (`"view|3"`), as a categorical column: the text of
/// each distinct combination is made once, not once per row. Categorical
/// columns give their text, whole numbers print without a decimal point
/// (`3`, not `3.0`), dates as ISO dates, booleans as `true`/`false`. A row
/// with a missing part is missing. Combinations that print the same (a part
/// containing `|`) are one token.
///
/// Errors: no column, an unknown column.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::features::sequences::token_from_columns;
/// let t = Table::new(vec![
///     ("event".into(), Column::categorical(&["view", "cart", "view"])),
///     ("category".into(), Column::numeric(vec![3.0, 3.0, 3.0])),
/// ]).unwrap();
/// let tok = token_from_columns(&t, &["event", "category"]).unwrap();
/// assert_eq!(tok.levels(), ["view|3", "cart|3"]);
/// assert_eq!(tok.codes(), [0, 1, 0]);
/// assert!(token_from_columns(&t, &[]).is_err());
/// ```
pub fn token_from_columns(table: &Table, columns: &[&str]) -> Result<CategoricalColumn> {
    const MISSING: u32 = CategoricalColumn::MISSING;
    let Some((first, rest)) = columns.split_first() else {
        return Err(Error::InvalidArgument {
            op: "token_from_columns",
            message: "no token column given; name at least one (e.g. the event type)".into(),
        });
    };
    let (mut codes, mut levels) = column_codes(table, first)?;
    for name in rest {
        let (part, part_levels) = column_codes(table, name)?;
        let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
        let mut next_levels = Vec::new();
        for (c, &p) in codes.iter_mut().zip(&part) {
            if *c == MISSING || p == MISSING {
                *c = MISSING;
                continue;
            }
            *c = *pairs.entry((*c, p)).or_insert_with(|| {
                next_levels.push(format!(
                    "{}{TOKEN_SEPARATOR}{}",
                    levels[*c as usize], part_levels[p as usize]
                ));
                next_levels.len() as u32 - 1
            });
        }
        levels = next_levels;
    }
    // Merge levels that print the same, then keep only levels in use.
    let mut by_text: HashMap<&str, u32> = HashMap::new();
    let mut out_levels: Vec<String> = Vec::new();
    let mut remap = vec![MISSING; levels.len()];
    let mut used = vec![false; levels.len()];
    for &c in &codes {
        if c != MISSING {
            used[c as usize] = true;
        }
    }
    for (i, l) in levels.iter().enumerate() {
        if used[i] {
            remap[i] = *by_text.entry(l).or_insert_with(|| {
                out_levels.push(l.clone());
                out_levels.len() as u32 - 1
            });
        }
    }
    for c in &mut codes {
        if *c != MISSING {
            *c = remap[*c as usize];
        }
    }
    CategoricalColumn::from_codes(codes, out_levels)
}

/// An event table read into plain vectors.
struct TableEvents {
    users: Vec<Key>,
    times: Vec<i64>,
    tokens: CategoricalColumn,
    amounts: Option<(Vec<f64>, Vec<bool>)>,
}

/// Seconds since 1970 from a numeric (seconds) or date (days) column.
fn read_times(op: &'static str, table: &Table, name: &str) -> Result<Vec<i64>> {
    let missing = |count: usize, row: usize| Error::MissingAt {
        op,
        column: name.into(),
        count,
        at: table.locate(row),
    };
    match table.column(name)? {
        Column::Numeric(c) => {
            let mut out = Vec::with_capacity(c.len());
            for (row, v) in c.iter().enumerate() {
                let x = v.ok_or_else(|| missing(c.missing_count(), row))?;
                if !(x.is_finite() && x.abs() < 9.0e15) {
                    return Err(Error::BadValue {
                        op,
                        column: name.into(),
                        at: table.locate(row),
                        value: x.to_string(),
                        expected: "a finite time in seconds since 1970-01-01 UTC (below 9e15)"
                            .into(),
                    });
                }
                out.push(x.floor() as i64);
            }
            Ok(out)
        }
        Column::Date(c) => {
            if let Some(row) = c.missing_mask().iter().position(|&m| m) {
                return Err(missing(c.missing_count(), row));
            }
            Ok(c.days()
                .iter()
                .map(|&d| i64::from(d) * SECONDS_PER_DAY)
                .collect())
        }
        other => Err(Error::TypeMismatch {
            op,
            column: name.into(),
            expected: "numeric (seconds since 1970-01-01 UTC) or date".into(),
            found: other.dtype().to_string(),
        }),
    }
}

impl TableEvents {
    /// Reads the columns; a token part missing in an event up to the
    /// cut-off is an error naming its column (later events are not checked).
    fn read(op: &'static str, table: &Table, cols: &EventColumns, cutoff: i64) -> Result<Self> {
        let users = read_key_column(op, table, &cols.user)?.into_keys();
        let times = read_times(op, table, &cols.time)?;
        for name in &cols.tokens {
            let col = table.column(name)?;
            let rows = (0..col.len()).filter(|&r| times[r] <= cutoff && col.is_missing(r));
            let count = rows.clone().count();
            if let Some(row) = rows.into_iter().next() {
                return Err(Error::MissingAt {
                    op,
                    column: name.clone(),
                    count,
                    at: table.locate(row),
                });
            }
        }
        let names: Vec<&str> = cols.tokens.iter().map(String::as_str).collect();
        let tokens = token_from_columns(table, &names)?;
        let amounts = match &cols.amount {
            None => None,
            Some(a) => {
                let c = table.numeric(a)?;
                Some((c.values().to_vec(), c.missing_mask().to_vec()))
            }
        };
        Ok(TableEvents {
            users,
            times,
            tokens,
            amounts,
        })
    }

    fn log<'a>(&'a self, table: &'a Table, cols: &'a EventColumns) -> Result<EventLog<'a, Key>> {
        let mut log = EventLog::from_codes(
            &self.users,
            &self.times,
            self.tokens.codes(),
            self.tokens.levels(),
        )?;
        if let Some((values, missing)) = &self.amounts {
            log = log.with_amounts(values)?;
            log.amount_missing = Some(missing);
        }
        log.source = Source {
            table: Some(table),
            token: cols.tokens.first().map_or("tokens", String::as_str),
            amount: cols.amount.as_deref().unwrap_or("amount"),
        };
        Ok(log)
    }
}

impl EventSequences<Key> {
    /// Reads an event table (see [`EventColumns`] for the column types) and
    /// builds the sequences with `vocab`, as [`build`](Self::build) does.
    ///
    /// Errors name the column and the row as [`Table::locate`] does (the
    /// file line for a table read from CSV): a missing user or time
    /// anywhere, a non-finite time, a missing token part or a missing,
    /// negative or non-finite amount in an event up to the cut-off, a
    /// column of the wrong type or an unknown column.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// use ua_data::features::Key;
    /// use ua_data::features::sequences::{EventColumns, EventSequences, SequenceConfig, Vocabulary};
    /// let t = Table::new(vec![
    ///     ("user".into(), Column::categorical(&["u1", "u2", "u1"])),
    ///     ("ts".into(), Column::numeric(vec![0.0, 60.0, 86_400.0])),
    ///     ("event".into(), Column::categorical(&["view", "view", "cart"])),
    ///     ("category".into(), Column::numeric(vec![3.0, 4.0, 3.0])),
    /// ]).unwrap();
    /// let cols = EventColumns::new("user", "ts", &["event", "category"]);
    /// let cfg = SequenceConfig::new(4, 86_400).channels(vec![]);
    /// let vocab = Vocabulary::fit_table(&t, &cols, &cfg, None).unwrap();
    /// let seq = EventSequences::from_table(&t, &cols, &cfg, &vocab).unwrap();
    /// assert_eq!(seq.users(), [Key::from("u1"), Key::from("u2")]);
    /// assert_eq!(vocab.token(seq.tokens()[1]), Some("cart|3"));
    /// ```
    pub fn from_table(
        table: &Table,
        columns: &EventColumns,
        config: &SequenceConfig,
        vocab: &Vocabulary,
    ) -> Result<Self> {
        config.validate()?;
        let events =
            TableEvents::read("EventSequences::from_table", table, columns, config.cutoff)?;
        EventSequences::build(&events.log(table, columns)?, config, vocab)
    }
}

impl Vocabulary {
    /// Reads an event table (see [`EventColumns`]) and fits the vocabulary
    /// on the events up to `config.cutoff` of `users` (all with `None`), as
    /// [`fit_on`](Self::fit_on) does.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use ua_data::{Column, Table};
    /// use ua_data::features::Key;
    /// use ua_data::features::sequences::{EventColumns, SequenceConfig, Vocabulary};
    /// let t = Table::new(vec![
    ///     ("user".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("day".into(), Column::date(vec![0, 0])),
    ///     ("item".into(), Column::numeric(vec![10.0, 20.0])),
    /// ]).unwrap();
    /// let cols = EventColumns::new("user", "day", &["item"]);
    /// let train: HashSet<Key> = [Key::Int(1)].into();
    /// let v = Vocabulary::fit_table(&t, &cols, &SequenceConfig::new(5, 0), Some(&train)).unwrap();
    /// assert_eq!((v.id("10"), v.id("20")), (2, Vocabulary::UNKNOWN));
    /// ```
    pub fn fit_table(
        table: &Table,
        columns: &EventColumns,
        config: &SequenceConfig,
        users: Option<&HashSet<Key>>,
    ) -> Result<Self> {
        config.validate()?;
        let events = TableEvents::read("Vocabulary::fit_table", table, columns, config.cutoff)?;
        Vocabulary::fit_on(&events.log(table, columns)?, config, users)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_codes_number_levels_by_first_appearance() {
        let t = Table::new(vec![
            (
                "n".into(),
                Column::numeric_opt(vec![
                    Some(2.0),
                    None,
                    Some(-0.0),
                    Some(2.0),
                    Some(0.0),
                    Some(1e16),
                ]),
            ),
            (
                "d".into(),
                Column::date_opt(vec![Some(1), Some(0), Some(1), None, Some(0), Some(2)]),
            ),
            (
                "b".into(),
                Column::boolean_opt(vec![
                    Some(false),
                    Some(true),
                    None,
                    Some(true),
                    Some(false),
                    Some(true),
                ]),
            ),
        ])
        .unwrap();
        let m = CategoricalColumn::MISSING;
        let (codes, levels) = column_codes(&t, "n").unwrap();
        assert_eq!(codes, [0, m, 1, 0, 1, 2]);
        assert_eq!(levels, ["2", "0", "10000000000000000"]);
        let (codes, levels) = column_codes(&t, "d").unwrap();
        assert_eq!(codes, [0, 1, 0, m, 1, 2]);
        assert_eq!(levels, ["1970-01-02", "1970-01-01", "1970-01-03"]);
        let (codes, levels) = column_codes(&t, "b").unwrap();
        assert_eq!(codes, [0, 1, m, 1, 0, 1]);
        assert_eq!(levels, ["false", "true"]);
    }

    #[test]
    fn times_from_seconds_round_down_and_dates_are_midnight() {
        let t = Table::new(vec![
            ("s".into(), Column::numeric(vec![-1.5, 59.9, 8.9e15])),
            ("d".into(), Column::date(vec![-1, 0, 2])),
            ("big".into(), Column::numeric(vec![0.0, 0.0, 9.0e15])),
            ("nan".into(), Column::numeric(vec![0.0, f64::NAN, 0.0])),
            ("gap".into(), Column::date_opt(vec![Some(0), Some(1), None])),
            ("c".into(), Column::categorical(&["a", "b", "c"])),
        ])
        .unwrap();
        assert_eq!(
            read_times("t", &t, "s").unwrap(),
            [-2, 59, 8_900_000_000_000_000]
        );
        assert_eq!(read_times("t", &t, "d").unwrap(), [-86_400, 0, 172_800]);
        let e = read_times("t", &t, "big").unwrap_err().to_string();
        assert!(
            e.contains("`9000000000000000` at row 3 is not a finite time"),
            "{e}"
        );
        let e = read_times("t", &t, "nan").unwrap_err().to_string();
        assert!(e.contains("at row 2"), "{e}");
        let e = read_times("t", &t, "gap").unwrap_err().to_string();
        assert!(
            e.contains("column `gap` has 1 missing value(s), first at row 3"),
            "{e}"
        );
        let e = read_times("t", &t, "c").unwrap_err().to_string();
        assert!(e.contains("has type categorical"), "{e}");
    }
}
