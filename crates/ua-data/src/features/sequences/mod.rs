//! Event sequences from logs: per user, the last `max_len` events at or
//! before a cut-off, each a token id plus numeric channels, right-padded —
//! the input rows of a sequence model (`ua_nn::layers::SequenceBranch`).
//!
//! ## Row layout
//!
//! [`EventSequences::to_matrix`] gives one row per user of
//! `steps · (1 + k)` columns, `k = channels.len()`:
//!
//! ```text
//! [ id(t0), id(t1), …, id(t_{steps-1}) | t0c0, t0c1, …, t0c{k-1}, t1c0, … ]
//!   token ids as f32, 0 = padding          channels per step, time-major
//! ```
//!
//! A user's events fill steps `0..length` oldest first, the most recent
//! event at step `length − 1`; steps from `length` on are padding (token 0,
//! channels 0). Token ids come from a [`Vocabulary`]: `0` padding, `1`
//! unknown, fitted tokens `2..`.
//!
//! ## Channels
//!
//! | [`Channel`] | serde name | value |
//! | --- | --- | --- |
//! | [`LogAmount`](Channel::LogAmount) | `log_amount` | `ln(1 + amount)`; 0 without an amount column; a negative or non-finite amount is an error naming the row |
//! | [`LogGapDays`](Channel::LogGapDays) | `log_gap_days` | `ln(1 + days since the user's previous event at or before the cut-off)`, 0 for the user's first event. The previous event counts even when it is older than the last `max_len`, so a step's gap does not depend on `max_len` |
//! | [`HourOfDay`](Channel::HourOfDay) | `hour_of_day` | UTC hour `/ 23`, in `[0, 1]`; always 0 when times come from a date column |
//!
//! ## No look-ahead
//!
//! Only events with `time ≤ cutoff` are read. Later events are counted in
//! [`SequenceReport::events_after_cutoff`] and influence nothing else: not
//! the users listed (a user whose events are all later is not a row, only
//! counted in [`SequenceReport::users_after_cutoff_only`]), not the
//! vocabulary ([`Vocabulary::fit_on`]), not the gaps, and their amounts and
//! tokens are not even checked.
//!
//! ## Order and cost
//!
//! Events are ordered by time per user; ties keep the input order. The
//! build is one pass over the log (users to dense ids, token ids, checks),
//! a counting sort by user, and a stable sort by time within each user
//! (skipped when the user's events are already in order). Tokens from a
//! categorical column ([`EventLog::from_codes`],
//! [`EventSequences::from_table`]) are mapped to vocabulary ids once per
//! level, not once per event.
//!
//! ```
//! use ua_data::features::sequences::{Channel, EventLog, EventSequences, SequenceConfig, Vocabulary};
//! let users = [7u64, 3, 7, 7];
//! let times = [3_600, 0, 86_400 + 7_200, 10 * 86_400]; // the last is after the cut-off
//! let tokens = ["view", "view", "buy", "view"];
//! let amounts = [0.0, 0.0, 9.0, 0.0];
//! let log = EventLog::new(&users, &times, &tokens).unwrap().with_amounts(&amounts).unwrap();
//! let cfg = SequenceConfig::new(3, 5 * 86_400).channels(vec![Channel::LogAmount, Channel::HourOfDay]);
//! let vocab = Vocabulary::fit_on(&log, &cfg, None).unwrap();
//! assert_eq!((vocab.id("view"), vocab.id("buy")), (2, 3));
//! let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();
//! assert_eq!(seq.users(), [3, 7]);
//! assert_eq!(seq.lengths(), [1, 2]);
//! let m = seq.to_matrix().unwrap();
//! let amount = 10f32.ln(); // ln(1 + 9)
//! let hour = |h: f32| h / 23.0;
//! assert_eq!(m.row(1).to_vec(),
//!     vec![2.0, 3.0, 0.0,  0.0, hour(1.0),  amount, hour(2.0),  0.0, 0.0]);
//! assert_eq!(seq.report().events_after_cutoff, 1);
//! ```

mod table;
mod vocab;

pub use table::{EventColumns, TOKEN_SEPARATOR, token_from_columns};
pub use vocab::{MAX_VOCABULARY, Vocabulary};

use std::collections::HashMap;
use std::hash::Hash;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use ua_tensor::budget::{check_allocation, elements};

use crate::table::hash::FastMap;
use crate::{CategoricalColumn, Error, Result};

/// Seconds in a day.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// A numeric channel of every step (see the [module table](self#channels)).
///
/// ```
/// use ua_data::features::sequences::Channel;
/// assert_eq!(serde_json::to_string(&Channel::LogGapDays).unwrap(), "\"log_gap_days\"");
/// assert_eq!("hour_of_day".parse::<Channel>().unwrap(), Channel::HourOfDay);
/// assert_eq!(Channel::LogAmount.name(), "log_amount");
/// let e = "log_price".parse::<Channel>().unwrap_err().to_string();
/// assert!(e.contains("log_amount, log_gap_days, hour_of_day"), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// `ln(1 + amount)`, 0 without an amount column.
    LogAmount,
    /// `ln(1 + days since the user's previous event)`, 0 for the first.
    LogGapDays,
    /// UTC hour of day `/ 23`, in `[0, 1]`.
    HourOfDay,
}

impl Channel {
    /// Every channel, in the order of the module table.
    pub const ALL: [Channel; 3] = [Channel::LogAmount, Channel::LogGapDays, Channel::HourOfDay];

    /// The serde / command-line name (`log_amount`, `log_gap_days`, `hour_of_day`).
    ///
    /// ```
    /// assert_eq!(ua_data::features::sequences::Channel::HourOfDay.name(), "hour_of_day");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Channel::LogAmount => "log_amount",
            Channel::LogGapDays => "log_gap_days",
            Channel::HourOfDay => "hour_of_day",
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Channel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Channel> {
        Channel::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| Error::InvalidArgument {
                op: "Channel::from_str",
                message: format!(
                    "unknown channel `{s}`; expected one of log_amount, log_gap_days, hour_of_day"
                ),
            })
    }
}

/// How sequences are cut and encoded. Plain data with serde; checked when
/// used ([`validate`](Self::validate)).
///
/// ```
/// use ua_data::features::sequences::{Channel, SequenceConfig};
/// let cfg = SequenceConfig::new(50, 1_700_000_000).min_count(5).max_vocab(Some(1_000));
/// assert_eq!(cfg.channels, Channel::ALL);
/// let json = serde_json::to_string(&cfg).unwrap();
/// assert!(json.contains("\"log_amount\""), "{json}");
/// assert_eq!(serde_json::from_str::<SequenceConfig>(&json).unwrap(), cfg);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceConfig {
    /// Steps per sequence: the most recent `max_len` events are kept. ≥ 1.
    pub max_len: usize,
    /// Seconds since 1970-01-01 00:00 UTC: events with `time ≤ cutoff`
    /// are used, later ones only counted. With times from a date column
    /// (midnight of each day), [`SequenceConfig::end_of_day`] of the last
    /// day to include is a fitting cut-off.
    pub cutoff: i64,
    /// The numeric channels of each step, in this order; no channel twice.
    pub channels: Vec<Channel>,
    /// Tokens seen fewer times when fitting a vocabulary become unknown (0
    /// acts as 1).
    pub min_count: usize,
    /// Keep at most this many tokens (the most frequent; ties by text);
    /// `None` for no limit, never `Some(0)`.
    pub max_vocab: Option<usize>,
}

impl SequenceConfig {
    /// `max_len` steps up to `cutoff`, every channel, `min_count` 1, no
    /// vocabulary limit.
    ///
    /// ```
    /// let cfg = ua_data::features::sequences::SequenceConfig::new(20, 0);
    /// assert_eq!((cfg.max_len, cfg.min_count, cfg.max_vocab), (20, 1, None));
    /// ```
    pub fn new(max_len: usize, cutoff: i64) -> Self {
        SequenceConfig {
            max_len,
            cutoff,
            channels: Channel::ALL.to_vec(),
            min_count: 1,
            max_vocab: None,
        }
    }

    /// Sets the channels.
    ///
    /// ```
    /// use ua_data::features::sequences::{Channel, SequenceConfig};
    /// let cfg = SequenceConfig::new(20, 0).channels(vec![]);
    /// assert!(cfg.channels.is_empty());
    /// ```
    pub fn channels(mut self, channels: Vec<Channel>) -> Self {
        self.channels = channels;
        self
    }

    /// Sets `min_count`.
    ///
    /// ```
    /// let cfg = ua_data::features::sequences::SequenceConfig::new(20, 0).min_count(3);
    /// assert_eq!(cfg.min_count, 3);
    /// ```
    pub fn min_count(mut self, min_count: usize) -> Self {
        self.min_count = min_count;
        self
    }

    /// Sets `max_vocab`.
    ///
    /// ```
    /// let cfg = ua_data::features::sequences::SequenceConfig::new(20, 0).max_vocab(Some(9));
    /// assert_eq!(cfg.max_vocab, Some(9));
    /// ```
    pub fn max_vocab(mut self, max_vocab: Option<usize>) -> Self {
        self.max_vocab = max_vocab;
        self
    }

    /// The last second of `day` (days since 1970-01-01): the cut-off that
    /// includes every event of that day and none of the next.
    ///
    /// ```
    /// use ua_data::features::sequences::SequenceConfig;
    /// assert_eq!(SequenceConfig::end_of_day(1), 2 * 86_400 - 1);
    /// ```
    pub fn end_of_day(day: i32) -> i64 {
        (i64::from(day) + 1) * SECONDS_PER_DAY - 1
    }

    /// Checks the parameters: `max_len ≥ 1`, `max_vocab ≠ Some(0)`, no
    /// channel twice.
    ///
    /// ```
    /// use ua_data::features::sequences::{Channel, SequenceConfig};
    /// let e = SequenceConfig::new(0, 0).validate().unwrap_err().to_string();
    /// assert!(e.contains("parameter `max_len`"), "{e}");
    /// let twice = SequenceConfig::new(5, 0).channels(vec![Channel::HourOfDay, Channel::HourOfDay]);
    /// assert!(twice.validate().unwrap_err().to_string().contains("`hour_of_day` twice"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        const OP: &str = "SequenceConfig";
        if self.max_len == 0 {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "max_len",
                message: "0 steps leaves no room for an event; use at least 1 (e.g. 50)".into(),
            });
        }
        if self.max_vocab == Some(0) {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "max_vocab",
                message: "0 would make every token unknown; use None for no limit or a number ≥ 1"
                    .into(),
            });
        }
        for (i, c) in self.channels.iter().enumerate() {
            if self.channels[..i].contains(c) {
                return Err(Error::InvalidParameter {
                    op: OP,
                    name: "channels",
                    message: format!("`{c}` twice; list each channel once"),
                });
            }
        }
        Ok(())
    }
}

/// The tokens of an event log: text per event, or codes into levels.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tokens<'a> {
    Text(&'a [&'a str]),
    Codes {
        codes: &'a [u32],
        levels: &'a [String],
    },
}

/// Where the columns of a log came from, for messages.
#[derive(Debug, Clone, Copy)]
struct Source<'a> {
    table: Option<&'a crate::Table>,
    token: &'a str,
    amount: &'a str,
}

impl Source<'_> {
    fn locate(&self, row: usize) -> String {
        match self.table {
            Some(t) => t.locate(row),
            None => format!("row {}", row + 1),
        }
    }
}

const SLICES: Source<'static> = Source {
    table: None,
    token: "tokens",
    amount: "amounts",
};

/// An event log as parallel slices: who, when (seconds since 1970 UTC),
/// which token and, optionally, which amount. Nothing is copied.
///
/// ```
/// use ua_data::features::sequences::EventLog;
/// let log = EventLog::new(&["u1", "u2"], &[5, 9], &["view", "cart"]).unwrap();
/// assert_eq!(log.len(), 2);
/// let e = EventLog::new(&["u1"], &[5, 9], &["view"]).unwrap_err().to_string();
/// assert!(e.contains("`times` has length 2, expected 1"), "{e}");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EventLog<'a, K> {
    pub(crate) users: &'a [K],
    pub(crate) times: &'a [i64],
    pub(crate) tokens: Tokens<'a>,
    amounts: Option<&'a [f64]>,
    /// Rows whose amount is missing (from a table).
    amount_missing: Option<&'a [bool]>,
    source: Source<'a>,
}

const OP_LOG: &str = "EventLog";

fn check_len(op: &'static str, column: &str, expected: usize, found: usize) -> Result<()> {
    if expected != found {
        return Err(Error::LengthMismatch {
            op,
            column: column.into(),
            expected,
            found,
        });
    }
    Ok(())
}

impl<'a, K> EventLog<'a, K> {
    /// A log with one token text per event (compose event type, category
    /// or item id into one text beforehand, e.g. `"view|3"`). Errors when
    /// the slices differ in length.
    ///
    /// ```
    /// use ua_data::features::sequences::EventLog;
    /// let log = EventLog::new(&[1u64, 1], &[0, 60], &["view|3", "cart|3"]).unwrap();
    /// assert!(!log.is_empty());
    /// ```
    pub fn new(users: &'a [K], times: &'a [i64], tokens: &'a [&'a str]) -> Result<Self> {
        check_len(OP_LOG, "times", users.len(), times.len())?;
        check_len(OP_LOG, "tokens", users.len(), tokens.len())?;
        Ok(EventLog {
            users,
            times,
            tokens: Tokens::Text(tokens),
            amounts: None,
            amount_missing: None,
            source: SLICES,
        })
    }

    /// A log whose tokens are codes into `levels` (a categorical column's
    /// [`codes`](CategoricalColumn::codes) and
    /// [`levels`](CategoricalColumn::levels)): each level is looked up in
    /// the vocabulary once. A code of [`CategoricalColumn::MISSING`] is a
    /// missing token, an error if the event is before the cut-off, as is a
    /// code `≥ levels.len()`.
    ///
    /// ```
    /// use ua_data::features::sequences::EventLog;
    /// let levels = vec!["view".to_string(), "cart".to_string()];
    /// let log = EventLog::from_codes(&[1u64, 1], &[0, 60], &[0, 1], &levels).unwrap();
    /// assert_eq!(log.len(), 2);
    /// ```
    pub fn from_codes(
        users: &'a [K],
        times: &'a [i64],
        codes: &'a [u32],
        levels: &'a [String],
    ) -> Result<Self> {
        check_len(OP_LOG, "times", users.len(), times.len())?;
        check_len(OP_LOG, "codes", users.len(), codes.len())?;
        Ok(EventLog {
            users,
            times,
            tokens: Tokens::Codes { codes, levels },
            amounts: None,
            amount_missing: None,
            source: Source {
                token: "codes",
                ..SLICES
            },
        })
    }

    /// Adds the amount of each event (for [`Channel::LogAmount`]; without
    /// amounts the channel is 0). Errors when the length differs; negative
    /// and non-finite amounts are errors when the sequences are built (only
    /// for events up to the cut-off).
    ///
    /// ```
    /// use ua_data::features::sequences::EventLog;
    /// let log = EventLog::new(&[1u64], &[0], &["buy"]).unwrap();
    /// assert!(log.with_amounts(&[12.5]).is_ok());
    /// assert!(log.with_amounts(&[1.0, 2.0]).is_err());
    /// ```
    pub fn with_amounts(mut self, amounts: &'a [f64]) -> Result<Self> {
        check_len(OP_LOG, "amounts", self.users.len(), amounts.len())?;
        self.amounts = Some(amounts);
        Ok(self)
    }

    /// Number of events.
    ///
    /// ```
    /// let log = ua_data::features::sequences::EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// assert_eq!(log.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether the log has no event.
    ///
    /// ```
    /// let log = ua_data::features::sequences::EventLog::<u64>::new(&[], &[], &[]).unwrap();
    /// assert!(log.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// What went into the sequences and what was left out. For every log:
/// `events_used + events_truncated + events_after_cutoff = events`.
///
/// ```
/// use ua_data::features::sequences::{EventLog, EventSequences, SequenceConfig, Vocabulary};
/// let log = EventLog::new(&[1u64, 1, 1, 2], &[1, 2, 3, 9], &["a", "b", "c", "d"]).unwrap();
/// let cfg = SequenceConfig::new(2, 5);
/// let seq = EventSequences::build(&log, &cfg, &Vocabulary::fit(["a", "b"], 1, None).unwrap()).unwrap();
/// let r = seq.report();
/// assert_eq!((r.events_used, r.events_truncated, r.events_after_cutoff), (2, 1, 1));
/// assert_eq!((r.unknown_tokens, r.users_truncated, r.users_after_cutoff_only), (1, 1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SequenceReport {
    /// Events in the log.
    pub events: usize,
    /// Events in the sequences (at or before the cut-off, among the last `max_len`).
    pub events_used: usize,
    /// Events at or before the cut-off but older than a user's last `max_len`.
    pub events_truncated: usize,
    /// Events after the cut-off: excluded (no look-ahead).
    pub events_after_cutoff: usize,
    /// Events in the sequences whose token the vocabulary does not know (id 1).
    pub unknown_tokens: usize,
    /// Rows (users) of the sequences.
    pub users: usize,
    /// Users with more than `max_len` events up to the cut-off.
    pub users_truncated: usize,
    /// Users whose every event is after the cut-off: not rows of the sequences.
    pub users_after_cutoff_only: usize,
    /// Rows of padding only: users asked for by
    /// [`rows_for`](EventSequences::rows_for) without events up to the
    /// cut-off (0 for [`build`](EventSequences::build)).
    pub users_without_events: usize,
}

/// Per user, the last `steps` events as token ids and channel values,
/// right-padded (see the [row layout](self#row-layout)).
///
/// Users are listed in ascending order by [`build`](Self::build), in the
/// requested order by [`rows_for`](Self::rows_for). Saved with serde;
/// reading checks that the sizes agree.
///
/// ```
/// use ua_data::features::sequences::{EventLog, EventSequences, SequenceConfig, Vocabulary};
/// let log = EventLog::new(&["b", "a", "b"], &[0, 0, 86_400], &["x", "y", "x"]).unwrap();
/// let cfg = SequenceConfig::new(3, 100_000).channels(vec![]);
/// let vocab = Vocabulary::fit_on(&log, &cfg, None).unwrap();
/// let seq = EventSequences::build(&log, &cfg, &vocab).unwrap();
/// assert_eq!(seq.users(), ["a", "b"]);
/// assert_eq!(seq.tokens(), [3, 0, 0, 2, 2, 0]);
/// let json = serde_json::to_string(&seq).unwrap();
/// assert_eq!(serde_json::from_str::<EventSequences<String>>(&json).unwrap().users(), ["a", "b"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SequencesRepr<K>")]
#[serde(bound(deserialize = "K: Deserialize<'de>"))]
pub struct EventSequences<K> {
    users: Vec<K>,
    steps: usize,
    channels: Vec<Channel>,
    vocab_len: usize,
    /// `users × steps` token ids.
    tokens: Vec<u32>,
    /// `users × steps × channels` values.
    values: Vec<f32>,
    lengths: Vec<usize>,
    report: SequenceReport,
}

#[derive(Deserialize)]
struct SequencesRepr<K> {
    users: Vec<K>,
    steps: usize,
    channels: Vec<Channel>,
    vocab_len: usize,
    tokens: Vec<u32>,
    values: Vec<f32>,
    lengths: Vec<usize>,
    report: SequenceReport,
}

impl<K> TryFrom<SequencesRepr<K>> for EventSequences<K> {
    type Error = String;
    fn try_from(r: SequencesRepr<K>) -> std::result::Result<Self, String> {
        let n = r.users.len();
        let k = r.channels.len();
        let sizes = n
            .checked_mul(r.steps)
            .and_then(|t| t.checked_mul(k).map(|v| (t, v)));
        let Some((n_tokens, n_values)) = sizes else {
            return Err("event sequences: sizes overflow".into());
        };
        if r.tokens.len() != n_tokens || r.values.len() != n_values || r.lengths.len() != n {
            return Err(format!(
                "event sequences: {n} users × {} steps × {k} channels need {n_tokens} tokens, \
                 {n_values} values and {n} lengths; found {}, {} and {}",
                r.steps,
                r.tokens.len(),
                r.values.len(),
                r.lengths.len()
            ));
        }
        if let Some(l) = r.lengths.iter().find(|&&l| l > r.steps) {
            return Err(format!(
                "event sequences: a length of {l} exceeds {} steps",
                r.steps
            ));
        }
        if let Some(t) = r.tokens.iter().find(|&&t| t as usize >= r.vocab_len) {
            return Err(format!(
                "event sequences: token id {t} outside the vocabulary of {}",
                r.vocab_len
            ));
        }
        Ok(EventSequences {
            users: r.users,
            steps: r.steps,
            channels: r.channels,
            vocab_len: r.vocab_len,
            tokens: r.tokens,
            values: r.values,
            lengths: r.lengths,
            report: r.report,
        })
    }
}

const OP_BUILD: &str = "EventSequences::build";

impl<K: Ord + Hash + Clone> EventSequences<K> {
    /// Builds the sequences of every user with at least one event at or
    /// before `config.cutoff`, with the ids of `vocab` (unknown tokens → 1).
    ///
    /// Errors (each naming the column and the row — `row N`, 1-based, or the
    /// file line for a table read from CSV): an invalid `config`; a
    /// missing or invalid token code, a missing, negative or non-finite
    /// amount of an event up to the cut-off; no event at or before the
    /// cut-off; sizes over the memory budget (`ua_tensor::budget`).
    ///
    /// ```
    /// use ua_data::features::sequences::{EventLog, EventSequences, SequenceConfig, Vocabulary};
    /// let log = EventLog::new(&[1u64], &[0], &["buy"]).unwrap().with_amounts(&[-5.0]).unwrap();
    /// let v = Vocabulary::fit(["buy"], 1, None).unwrap();
    /// let e = EventSequences::build(&log, &SequenceConfig::new(4, 10), &v).unwrap_err().to_string();
    /// assert!(e.contains("column `amounts`: `-5` at row 1"), "{e}");
    /// let e = EventSequences::build(&log, &SequenceConfig::new(4, -1), &v).unwrap_err().to_string();
    /// assert!(e.contains("no event at or before the cut-off -1"), "{e}");
    /// ```
    pub fn build(
        log: &EventLog<'_, K>,
        config: &SequenceConfig,
        vocab: &Vocabulary,
    ) -> Result<Self> {
        config.validate()?;
        let n = log.len();
        let src = log.source;
        let cutoff = config.cutoff;

        // The vocabulary id of every level, once.
        let level_ids: Vec<u32> = match log.tokens {
            Tokens::Codes { levels, .. } => levels.iter().map(|l| vocab.id(l)).collect(),
            Tokens::Text(_) => Vec::new(),
        };
        let token_id = |row: usize| -> Result<u32> {
            match log.tokens {
                Tokens::Text(t) => Ok(vocab.id(t[row])),
                Tokens::Codes { codes, levels } => {
                    let c = codes[row];
                    match level_ids.get(c as usize) {
                        Some(&id) => Ok(id),
                        None if c == CategoricalColumn::MISSING => Err(Error::MissingAt {
                            op: OP_BUILD,
                            column: src.token.into(),
                            count: codes
                                .iter()
                                .zip(log.times)
                                .filter(|&(&c, &t)| c == CategoricalColumn::MISSING && t <= cutoff)
                                .count(),
                            at: src.locate(row),
                        }),
                        None => Err(Error::BadValue {
                            op: OP_BUILD,
                            column: src.token.into(),
                            at: src.locate(row),
                            value: c.to_string(),
                            expected: format!("a code below the {} levels", levels.len()),
                        }),
                    }
                }
            }
        };

        if n > u32::MAX as usize {
            return Err(Error::InvalidArgument {
                op: OP_BUILD,
                message: format!(
                    "{n} events is more than the {} one build handles; split the log by user",
                    u32::MAX
                ),
            });
        }
        // Pass 1: dense user ids (keys cloned once per user), used events
        // per user, token ids, checks.
        let mut dense: FastMap<K, u32> = FastMap::default();
        let mut first_row: Vec<usize> = Vec::new();
        let mut user_of: Vec<u32> = Vec::with_capacity(n);
        let mut used: Vec<u32> = Vec::new();
        let mut ids: Vec<u32> = Vec::with_capacity(n);
        let mut after = 0usize;
        for row in 0..n {
            let key = &log.users[row];
            let u = match dense.get(key) {
                Some(&u) => u,
                None => {
                    let u = used.len() as u32;
                    dense.insert(key.clone(), u);
                    first_row.push(row);
                    used.push(0);
                    u
                }
            };
            user_of.push(u);
            if log.times[row] > cutoff {
                after += 1;
                ids.push(Vocabulary::PADDING);
                continue;
            }
            used[u as usize] += 1;
            ids.push(token_id(row)?);
            if let Some(a) = log.amounts {
                check_amount(log, row, a[row], cutoff)?;
            }
        }
        drop(dense);
        let events_before = n - after;
        if events_before == 0 {
            let first = log.times.iter().min();
            return Err(Error::InvalidArgument {
                op: OP_BUILD,
                message: match first {
                    Some(f) => format!(
                        "no event at or before the cut-off {cutoff}: the first event is at {f}; \
                         use a later cut-off"
                    ),
                    None => format!("no event at or before the cut-off {cutoff}: the log is empty"),
                },
            });
        }

        // Users with events up to the cut-off, ascending: output rows.
        let user = |u: u32| &log.users[first_row[u as usize]];
        let mut by_dense: Vec<u32> = (0..used.len() as u32)
            .filter(|&u| used[u as usize] > 0)
            .collect();
        let users_after_cutoff_only = used.len() - by_dense.len();
        by_dense.sort_unstable_by(|&a, &b| user(a).cmp(user(b)));
        let n_users = by_dense.len();
        let mut out_row = vec![u32::MAX; used.len()];
        for (i, &u) in by_dense.iter().enumerate() {
            out_row[u as usize] = i as u32;
        }

        // Counting sort of the used events by output row, input order kept.
        let mut start = vec![0usize; n_users + 1];
        for (&u, s) in by_dense.iter().zip(&mut start[1..]) {
            *s = used[u as usize] as usize;
        }
        for i in 0..n_users {
            start[i + 1] += start[i];
        }
        // The events themselves move (not row indices), so that each user's
        // events are contiguous below: one scattered write per event
        // instead of three scattered reads later.
        let mut fill = start.clone();
        let mut order = vec![
            Event {
                time: 0,
                amount: 0.0,
                id: 0
            };
            events_before
        ];
        for row in 0..n {
            let time = log.times[row];
            if time <= cutoff {
                let r = out_row[user_of[row] as usize] as usize;
                order[fill[r]] = Event {
                    time,
                    amount: log.amounts.map_or(0.0, |a| a[row]),
                    id: ids[row],
                };
                fill[r] += 1;
            }
        }
        drop(user_of);

        let steps = config.max_len;
        let k = config.channels.len();
        check_allocation(
            OP_BUILD,
            "the event sequences",
            elements(OP_BUILD, &[n_users, steps, 1 + k])?,
            4,
        )?;
        let mut tokens = vec![Vocabulary::PADDING; n_users * steps];
        let mut values = vec![0f32; n_users * steps * k];
        let mut lengths = Vec::with_capacity(n_users);
        let mut report = SequenceReport {
            events: n,
            events_after_cutoff: after,
            users: n_users,
            users_after_cutoff_only,
            ..SequenceReport::default()
        };
        for r in 0..n_users {
            // One user's events, sorted by time (stable: ties in input order).
            let events = &mut order[start[r]..start[r + 1]];
            if !events.is_sorted_by_key(|e| e.time) {
                events.sort_by_key(|e| e.time);
            }
            let len = events.len().min(steps);
            let skip = events.len() - len;
            report.events_truncated += skip;
            report.users_truncated += usize::from(skip > 0);
            report.events_used += len;
            lengths.push(len);
            let tok = &mut tokens[r * steps..r * steps + len];
            let val = &mut values[r * steps * k..(r * steps + len) * k];
            for (j, t) in tok.iter_mut().enumerate() {
                let i = skip + j;
                let e = events[i];
                *t = e.id;
                report.unknown_tokens += usize::from(e.id == Vocabulary::UNKNOWN);
                let v = &mut val[j * k..(j + 1) * k];
                for (slot, c) in v.iter_mut().zip(&config.channels) {
                    *slot = match c {
                        Channel::LogAmount => e.amount.ln_1p() as f32,
                        Channel::LogGapDays => match i.checked_sub(1) {
                            Some(p) => {
                                let gap = i128::from(e.time) - i128::from(events[p].time);
                                (gap as f64 / SECONDS_PER_DAY as f64).ln_1p() as f32
                            }
                            None => 0.0,
                        },
                        Channel::HourOfDay => {
                            (e.time.rem_euclid(SECONDS_PER_DAY) / 3_600) as f32 / 23.0
                        }
                    };
                }
            }
        }
        Ok(EventSequences {
            users: by_dense.into_iter().map(|u| user(u).clone()).collect(),
            steps,
            channels: config.channels.clone(),
            vocab_len: vocab.len(),
            tokens,
            values,
            lengths,
            report,
        })
    }
}

/// One event up to the cut-off, as the build moves it.
#[derive(Debug, Clone, Copy)]
struct Event {
    time: i64,
    amount: f64,
    id: u32,
}

/// A missing, negative or non-finite amount is an error naming the row.
fn check_amount<K>(log: &EventLog<'_, K>, row: usize, a: f64, cutoff: i64) -> Result<()> {
    let src = log.source;
    if let Some(m) = log.amount_missing
        && m[row]
    {
        return Err(Error::MissingAt {
            op: OP_BUILD,
            column: src.amount.into(),
            count: m
                .iter()
                .zip(log.times)
                .filter(|&(&m, &t)| m && t <= cutoff)
                .count(),
            at: src.locate(row),
        });
    }
    if !(a.is_finite() && a >= 0.0) {
        return Err(Error::BadValue {
            op: OP_BUILD,
            column: src.amount.into(),
            at: src.locate(row),
            value: a.to_string(),
            expected: "a finite amount ≥ 0 (remove refunds or net them out first)".into(),
        });
    }
    Ok(())
}

impl<K> EventSequences<K> {
    /// The users, one per row.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[2u64, 1], &[0, 0], &["a", "a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(1, 0), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.users(), [1, 2]);
    /// ```
    pub fn users(&self) -> &[K] {
        &self.users
    }

    /// Number of rows (users).
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[2u64, 1], &[0, 0], &["a", "a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(1, 0), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there is no row (only possible through
    /// [`rows_for`](Self::rows_for) with no users).
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(1, 0), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert!(!seq.is_empty());
    /// assert!(seq.rows_for(&[]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Steps per row (`max_len`).
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(7, 0), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.steps(), 7);
    /// ```
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The channels of each step, in column order.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// let cfg = SequenceConfig::new(2, 0).channels(vec![Channel::HourOfDay]);
    /// let seq = EventSequences::build(&log, &cfg, &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.channels(), [Channel::HourOfDay]);
    /// ```
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The size of the vocabulary the ids come from (padding and unknown
    /// included): the embedding's `vocab_size`.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(2, 0), &Vocabulary::fit(["a", "b"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.vocab_len(), 4);
    /// ```
    pub fn vocab_len(&self) -> usize {
        self.vocab_len
    }

    /// Events per row (the rest is padding).
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64, 2, 2], &[0, 0, 1], &["a", "a", "a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(4, 1), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.lengths(), [1, 2]);
    /// ```
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// What was used and left out.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64, 1], &[0, 5], &["a", "a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(4, 1), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.report().events_after_cutoff, 1);
    /// ```
    pub fn report(&self) -> &SequenceReport {
        &self.report
    }

    /// The token ids, `len() × steps()`, row-major.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(2, 0), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.tokens(), [2, 0]);
    /// ```
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// The channel values, `len() × steps() × channels().len()`, row-major
    /// and time-major within a row.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[12 * 3_600], &["a"]).unwrap();
    /// let cfg = SequenceConfig::new(2, 86_400).channels(vec![Channel::HourOfDay]);
    /// let seq = EventSequences::build(&log, &cfg, &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.values(), [12.0 / 23.0, 0.0]);
    /// ```
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Columns of a [`to_matrix`](Self::to_matrix) row: `steps · (1 + k)`.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(5, 0), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.row_width(), 5 * 4);
    /// ```
    pub fn row_width(&self) -> usize {
        self.steps * (1 + self.channels.len())
    }

    /// The input matrix of `ua_nn::layers::SequenceBranch::new(steps,
    /// channels.len(), …)`: per row the `steps` token ids as `f32`, then
    /// the channels per step, time-major (see the [row layout](self#row-layout)).
    /// Errors when it would exceed the memory budget.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64, 1], &[0, 3 * 3_600], &["a", "b"]).unwrap();
    /// let cfg = SequenceConfig::new(3, 86_400).channels(vec![Channel::HourOfDay]);
    /// let seq = EventSequences::build(&log, &cfg, &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// let m = seq.to_matrix().unwrap();
    /// assert_eq!(m.row(0).to_vec(), vec![2.0, 1.0, 0.0, 0.0, 3.0 / 23.0, 0.0]);
    /// ```
    pub fn to_matrix(&self) -> Result<Array2<f32>> {
        const OP: &str = "EventSequences::to_matrix";
        let (n, steps, k) = (self.len(), self.steps, self.channels.len());
        check_allocation(
            OP,
            "the sequence matrix",
            elements(OP, &[n, steps, 1 + k])?,
            4,
        )?;
        let width = self.row_width();
        let mut out = Array2::<f32>::zeros((n, width));
        for (r, mut row) in out.rows_mut().into_iter().enumerate() {
            let row = row.as_slice_mut().unwrap_or_default();
            let (tok, val) = row.split_at_mut(steps);
            for (o, &t) in tok.iter_mut().zip(&self.tokens[r * steps..(r + 1) * steps]) {
                *o = t as f32;
            }
            val.copy_from_slice(&self.values[r * steps * k..(r + 1) * steps * k]);
        }
        Ok(out)
    }

    /// `len() × steps()`: `true` where a step holds an event (the first
    /// `lengths()[r]` steps of row `r`).
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64], &[0], &["a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(3, 0), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// assert_eq!(seq.mask().row(0).to_vec(), vec![true, false, false]);
    /// ```
    pub fn mask(&self) -> Array2<bool> {
        Array2::from_shape_fn((self.len(), self.steps), |(r, t)| t < self.lengths[r])
    }

    /// Bag of events: per row the count of each token id `1..vocab_len()`
    /// in the sequence (column `j` counts id `j + 1`; padding is not a
    /// column, unknown is column 0) — the features of a bag-of-events
    /// baseline over the same events the sequences hold. Errors when it
    /// would exceed the memory budget.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64, 1, 1], &[0, 1, 2], &["a", "zz", "a"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(5, 9), &Vocabulary::fit(["a"], 1, None).unwrap()).unwrap();
    /// let bag = seq.bag_of_events().unwrap();
    /// assert_eq!(bag.row(0).to_vec(), vec![1.0, 2.0]); // unknown, "a"
    /// ```
    pub fn bag_of_events(&self) -> Result<Array2<f32>> {
        const OP: &str = "EventSequences::bag_of_events";
        let cols = self.vocab_len.saturating_sub(1);
        check_allocation(
            OP,
            "the bag of events",
            elements(OP, &[self.len(), cols])?,
            4,
        )?;
        let mut out = Array2::<f32>::zeros((self.len(), cols));
        for (r, mut row) in out.rows_mut().into_iter().enumerate() {
            for &t in &self.tokens[r * self.steps..r * self.steps + self.lengths[r]] {
                if let Some(c) = (t as usize).checked_sub(1).and_then(|c| row.get_mut(c)) {
                    *c += 1.0;
                }
            }
        }
        Ok(out)
    }
}

impl<K: Hash + Eq + Clone> EventSequences<K> {
    /// The rows of `users`, in that order, to sit beside another
    /// per-user table (e.g. RFM features): a user without a row here (no
    /// event up to the cut-off) gets a row of padding only, counted in
    /// [`SequenceReport::users_without_events`]; the other report fields
    /// are those of the full build. Errors when it would exceed the memory
    /// budget.
    ///
    /// ```
    /// # use ua_data::features::sequences::*;
    /// let log = EventLog::new(&[1u64, 2], &[0, 0], &["a", "b"]).unwrap();
    /// let seq = EventSequences::build(&log, &SequenceConfig::new(2, 0).channels(vec![]),
    ///     &Vocabulary::fit(["a", "b"], 1, None).unwrap()).unwrap();
    /// let aligned = seq.rows_for(&[2, 9, 1]).unwrap();
    /// assert_eq!(aligned.users(), [2, 9, 1]);
    /// assert_eq!(aligned.tokens(), [3, 0, 0, 0, 2, 0]);
    /// assert_eq!(aligned.lengths(), [1, 0, 1]);
    /// assert_eq!(aligned.report().users_without_events, 1);
    /// ```
    pub fn rows_for(&self, users: &[K]) -> Result<EventSequences<K>> {
        const OP: &str = "EventSequences::rows_for";
        let (steps, k) = (self.steps, self.channels.len());
        check_allocation(
            OP,
            "the aligned sequences",
            elements(OP, &[users.len(), steps, 1 + k])?,
            4,
        )?;
        let index: HashMap<&K, usize> =
            self.users.iter().enumerate().map(|(i, u)| (u, i)).collect();
        let mut tokens = vec![Vocabulary::PADDING; users.len() * steps];
        let mut values = vec![0f32; users.len() * steps * k];
        let mut lengths = vec![0usize; users.len()];
        let mut missing = 0;
        for (r, u) in users.iter().enumerate() {
            let Some(&i) = index.get(u) else {
                missing += 1;
                continue;
            };
            tokens[r * steps..(r + 1) * steps]
                .copy_from_slice(&self.tokens[i * steps..(i + 1) * steps]);
            values[r * steps * k..(r + 1) * steps * k]
                .copy_from_slice(&self.values[i * steps * k..(i + 1) * steps * k]);
            lengths[r] = self.lengths[i];
        }
        Ok(EventSequences {
            users: users.to_vec(),
            steps,
            channels: self.channels.clone(),
            vocab_len: self.vocab_len,
            tokens,
            values,
            lengths,
            report: SequenceReport {
                users: users.len(),
                users_without_events: missing,
                ..self.report
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_counts_cover_only_events_up_to_the_cutoff() {
        let levels = vec!["a".to_string()];
        let m = CategoricalColumn::MISSING;
        let users = [1u64, 1, 1, 1];
        let times = [0, 5, 6, 50];
        let codes = [0, m, m, m];
        let log = EventLog::from_codes(&users, &times, &codes, &levels).unwrap();
        let v = Vocabulary::fit(["a"], 1, None).unwrap();
        let e = EventSequences::build(&log, &SequenceConfig::new(3, 10), &v)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("column `codes` has 2 missing value(s), first at row 2"),
            "{e}"
        );
        let log = EventLog::new(&users, &times, &["a"; 4]).unwrap();
        let mut log = log.with_amounts(&[1.0, f64::NAN, 0.0, f64::NAN]).unwrap();
        let missing = [false, true, false, true];
        log.amount_missing = Some(&missing);
        let e = EventSequences::build(&log, &SequenceConfig::new(3, 10), &v)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("column `amounts` has 1 missing value(s), first at row 2"),
            "{e}"
        );
    }

    #[test]
    fn report_counts_truncated_users_and_unknown_tokens() {
        let users = [1u64, 1, 1, 2, 2, 3];
        let times = [3, 2, 1, 1, 2, 9];
        let tokens = ["a", "x", "a", "x", "a", "a"];
        let log = EventLog::new(&users, &times, &tokens).unwrap();
        let v = Vocabulary::fit(["a"], 1, None).unwrap();
        let seq = EventSequences::build(&log, &SequenceConfig::new(2, 5), &v).unwrap();
        assert_eq!(
            *seq.report(),
            SequenceReport {
                events: 6,
                events_used: 4,
                events_truncated: 1,
                events_after_cutoff: 1,
                unknown_tokens: 2,
                users: 2,
                users_truncated: 1,
                users_after_cutoff_only: 1,
                users_without_events: 0,
            }
        );
        assert_eq!(seq.tokens(), [1, 2, 1, 2]);
        assert_eq!(seq.vocab_len(), 3);
        assert_eq!(seq.channels(), Channel::ALL);
        // negative times and gaps across the epoch
        let log = EventLog::new(&[1u64, 1], &[-86_400 - 3_600, -3_600], &["a", "a"]).unwrap();
        let cfg = SequenceConfig::new(2, 0).channels(vec![Channel::LogGapDays, Channel::HourOfDay]);
        let seq = EventSequences::build(&log, &cfg, &v).unwrap();
        assert_eq!(seq.values(), [0.0, 1.0, 1f64.ln_1p() as f32, 1.0]);
    }
}
