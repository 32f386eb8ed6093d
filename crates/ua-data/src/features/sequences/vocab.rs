//! The token vocabulary of event sequences: fitted tokens numbered `2..`,
//! with `0` for padding and `1` for tokens it does not know.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::{EventLog, SequenceConfig};
use crate::{Error, Result};

/// Largest vocabulary: token ids travel as `f32` in the
/// [`to_matrix`](super::EventSequences::to_matrix) layout, exact up to 2²⁴.
pub const MAX_VOCABULARY: usize = 1 << 24;

/// Fitted tokens and their ids: `0` is padding ([`Vocabulary::PADDING`]),
/// `1` the reserved unknown token ([`Vocabulary::UNKNOWN`]) and the fitted
/// tokens are `2, 3, …` from the most frequent down (ties by token text).
///
/// Fit it on the training users only ([`Vocabulary::fit_on`] with a set of
/// users, or [`Vocabulary::fit`] on the tokens of the training rows); then
/// every user — training, validation, new — is encoded with the same ids,
/// and a token the training users never produced becomes `1`.
///
/// Saved with serde or, as a fitted object, through the workspace's
/// envelope ([`Persist`]); reading checks that the tokens are distinct.
///
/// ```
/// use ua_data::features::sequences::Vocabulary;
/// let v = Vocabulary::fit(["view|3", "cart|3", "view|3", "view|7"], 1, None).unwrap();
/// assert_eq!(v.len(), 5); // padding, unknown, 3 tokens
/// assert_eq!(v.id("view|3"), 2); // most frequent first
/// assert_eq!(v.id("cart|3"), 3); // then ties by text
/// assert_eq!(v.id("view|7"), 4);
/// assert_eq!(v.id("never seen"), Vocabulary::UNKNOWN);
/// assert_eq!(v.token(2), Some("view|3"));
/// assert_eq!(v.token(Vocabulary::PADDING), None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "VocabularyRepr")]
pub struct Vocabulary {
    /// Token text of id `i + 2`.
    tokens: Vec<String>,
    /// How often token `i + 2` was seen when fitting.
    counts: Vec<usize>,
    #[serde(skip)]
    index: HashMap<String, u32>,
}

#[derive(Deserialize)]
struct VocabularyRepr {
    tokens: Vec<String>,
    counts: Vec<usize>,
}

impl TryFrom<VocabularyRepr> for Vocabulary {
    type Error = String;
    fn try_from(r: VocabularyRepr) -> std::result::Result<Self, String> {
        if r.tokens.len() != r.counts.len() {
            return Err(format!(
                "vocabulary: {} tokens but {} counts",
                r.tokens.len(),
                r.counts.len()
            ));
        }
        Vocabulary::from_parts(r.tokens, r.counts).map_err(|e| e.to_string())
    }
}

const OP_FIT: &str = "Vocabulary::fit";

impl Vocabulary {
    /// The id of padding (right of a sequence's last event).
    pub const PADDING: u32 = 0;
    /// The id of a token the vocabulary does not know.
    pub const UNKNOWN: u32 = 1;
    /// The id of the first fitted token.
    pub const FIRST: u32 = 2;

    /// From distinct tokens in id order (`tokens[i]` gets id `i + 2`) and
    /// their counts.
    fn from_parts(tokens: Vec<String>, counts: Vec<usize>) -> Result<Self> {
        if tokens.len() > MAX_VOCABULARY - 2 {
            return Err(Error::InvalidArgument {
                op: OP_FIT,
                message: format!(
                    "{} tokens is more than the {} ids that stay exact as f32; set max_vocab",
                    tokens.len(),
                    MAX_VOCABULARY - 2
                ),
            });
        }
        let mut index = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if index.insert(t.clone(), i as u32 + Self::FIRST).is_some() {
                return Err(Error::InvalidArgument {
                    op: OP_FIT,
                    message: format!("token `{t}` appears twice in the vocabulary"),
                });
            }
        }
        Ok(Vocabulary {
            tokens,
            counts,
            index,
        })
    }

    /// Fits the vocabulary on `tokens` (one item per event): tokens seen
    /// fewer than `min_count` times are left out (and will read as
    /// [`UNKNOWN`](Self::UNKNOWN)); with `max_vocab`, only the `max_vocab`
    /// most frequent tokens are kept, ties broken by token text so that
    /// the result does not depend on the input order.
    ///
    /// Errors: `max_vocab` of `Some(0)`, or more than
    /// [`MAX_VOCABULARY`]` − 2` tokens kept.
    ///
    /// ```
    /// use ua_data::features::sequences::Vocabulary;
    /// let rows = ["a", "b", "b", "c", "c", "c", "d"];
    /// let v = Vocabulary::fit(rows, 2, None).unwrap();
    /// assert_eq!((v.id("c"), v.id("b"), v.id("a")), (2, 3, 1));
    /// let v = Vocabulary::fit(rows, 1, Some(2)).unwrap();
    /// assert_eq!(v.len(), 4);
    /// assert_eq!(v.id("b"), 3);
    /// assert_eq!(v.id("d"), 1);
    /// ```
    pub fn fit<'s>(
        tokens: impl IntoIterator<Item = &'s str>,
        min_count: usize,
        max_vocab: Option<usize>,
    ) -> Result<Self> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for t in tokens {
            *counts.entry(t).or_insert(0) += 1;
        }
        Self::from_counts(counts, min_count, max_vocab)
    }

    /// Keeps the tokens with `count ≥ min_count`, most frequent first (ties
    /// by text), at most `max_vocab`.
    fn from_counts(
        counts: HashMap<&str, usize>,
        min_count: usize,
        max_vocab: Option<usize>,
    ) -> Result<Self> {
        if max_vocab == Some(0) {
            return Err(Error::InvalidParameter {
                op: OP_FIT,
                name: "max_vocab",
                message: "0 would make every token unknown; use None for no limit or a number ≥ 1"
                    .into(),
            });
        }
        let mut kept: Vec<(&str, usize)> = counts
            .into_iter()
            .filter(|&(_, c)| c >= min_count)
            .collect();
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        if let Some(m) = max_vocab {
            kept.truncate(m);
        }
        let (tokens, counts) = kept.into_iter().map(|(t, c)| (t.to_string(), c)).unzip();
        Self::from_parts(tokens, counts)
    }

    /// Fits the vocabulary on the events of `log` at or before
    /// `config.cutoff` (never later ones), of the users in `users` only
    /// (all users with `None`), with `config.min_count` and
    /// `config.max_vocab`. Every event up to the cut-off counts, including
    /// those older than the last `max_len` that a sequence keeps.
    ///
    /// Pass the set of training users so that validation and test users
    /// do not shape the vocabulary; their own tokens then read as
    /// [`UNKNOWN`](Self::UNKNOWN).
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use ua_data::features::sequences::{EventLog, SequenceConfig, Vocabulary};
    /// let users = [1u64, 1, 2, 2];
    /// let times = [10, 20, 10, 99];
    /// let log = EventLog::new(&users, &times, &["a", "b", "c", "late"]).unwrap();
    /// let cfg = SequenceConfig::new(5, 50);
    /// let train: HashSet<u64> = [1].into();
    /// let v = Vocabulary::fit_on(&log, &cfg, Some(&train)).unwrap();
    /// assert_eq!((v.id("a"), v.id("b"), v.id("c")), (2, 3, 1));
    /// let all = Vocabulary::fit_on(&log, &cfg, None).unwrap();
    /// assert_eq!(all.len(), 5); // "late" is after the cut-off
    /// ```
    pub fn fit_on<K: Hash + Eq>(
        log: &EventLog<'_, K>,
        config: &SequenceConfig,
        users: Option<&HashSet<K>>,
    ) -> Result<Self> {
        config.validate()?;
        let keep = |row: usize| {
            log.times[row] <= config.cutoff && users.is_none_or(|u| u.contains(&log.users[row]))
        };
        let mut counts: HashMap<&str, usize> = HashMap::new();
        match log.tokens {
            super::Tokens::Text(tokens) => {
                for (row, t) in tokens.iter().enumerate() {
                    if keep(row) {
                        *counts.entry(t).or_insert(0) += 1;
                    }
                }
            }
            super::Tokens::Codes { codes, levels } => {
                let mut per_code = vec![0usize; levels.len()];
                for (row, &c) in codes.iter().enumerate() {
                    if keep(row) {
                        // Missing and out-of-range codes are reported when
                        // the sequences are built; they are not tokens.
                        if let Some(n) = per_code.get_mut(c as usize) {
                            *n += 1;
                        }
                    }
                }
                for (level, n) in levels.iter().zip(per_code) {
                    if n > 0 {
                        *counts.entry(level).or_insert(0) += n;
                    }
                }
            }
        }
        Self::from_counts(counts, config.min_count, config.max_vocab)
    }

    /// The id of `token`: `2..len()` for a fitted token, else
    /// [`UNKNOWN`](Self::UNKNOWN).
    ///
    /// ```
    /// let v = ua_data::features::sequences::Vocabulary::fit(["x"], 1, None).unwrap();
    /// assert_eq!((v.id("x"), v.id("y")), (2, 1));
    /// ```
    pub fn id(&self, token: &str) -> u32 {
        self.index.get(token).copied().unwrap_or(Self::UNKNOWN)
    }

    /// The text of fitted token `id`; `None` for padding, unknown and ids
    /// `≥ len()`.
    ///
    /// ```
    /// let v = ua_data::features::sequences::Vocabulary::fit(["x"], 1, None).unwrap();
    /// assert_eq!((v.token(2), v.token(1), v.token(3)), (Some("x"), None, None));
    /// ```
    pub fn token(&self, id: u32) -> Option<&str> {
        let i = id.checked_sub(Self::FIRST)? as usize;
        self.tokens.get(i).map(String::as_str)
    }

    /// How often the fitted token `id` was seen when fitting; `None` for
    /// padding, unknown and ids `≥ len()`.
    ///
    /// ```
    /// let v = ua_data::features::sequences::Vocabulary::fit(["x", "x"], 1, None).unwrap();
    /// assert_eq!(v.count(2), Some(2));
    /// assert_eq!(v.count(1), None);
    /// ```
    pub fn count(&self, id: u32) -> Option<usize> {
        let i = id.checked_sub(Self::FIRST)? as usize;
        self.counts.get(i).copied()
    }

    /// Number of ids, padding and unknown included: the `vocab_size` of an
    /// embedding that reads these ids.
    ///
    /// ```
    /// let v = ua_data::features::sequences::Vocabulary::fit(["x", "y"], 1, None).unwrap();
    /// assert_eq!(v.len(), 4);
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.tokens.len() + Self::FIRST as usize
    }

    /// Number of fitted tokens (`len() − 2`).
    ///
    /// ```
    /// let v = ua_data::features::sequences::Vocabulary::fit(["x", "y"], 1, None).unwrap();
    /// assert_eq!(v.n_tokens(), 2);
    /// ```
    pub fn n_tokens(&self) -> usize {
        self.tokens.len()
    }
}

impl Persist for Vocabulary {
    const KIND: &'static str = "ua-data/vocabulary";
}
