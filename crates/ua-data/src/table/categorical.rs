//! Dictionary-encoded strings: [`CategoricalColumn`] and its row-by-row
//! [`CategoricalBuilder`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Dictionary-encoded strings: one `u32` code per row into a list of distinct
/// levels (in order of first appearance unless built otherwise). Missing rows
/// hold the code [`CategoricalColumn::MISSING`].
///
/// Two categorical columns may number the same string differently; compare
/// levels by string (joins and concatenation do).
///
/// ```
/// use ua_data::CategoricalColumn;
/// let c = CategoricalColumn::from_strs(&[Some("b"), Some("a"), None, Some("b")]);
/// assert_eq!(c.levels(), &["b".to_string(), "a".to_string()]);
/// assert_eq!(c.codes(), &[0, 1, CategoricalColumn::MISSING, 0]);
/// assert_eq!(c.get(1), Some("a"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CategoricalRepr")]
pub struct CategoricalColumn {
    pub(super) codes: Vec<u32>,
    pub(super) levels: Vec<String>,
}

#[derive(Deserialize)]
struct CategoricalRepr {
    codes: Vec<u32>,
    levels: Vec<String>,
}

impl TryFrom<CategoricalRepr> for CategoricalColumn {
    type Error = Error;
    fn try_from(r: CategoricalRepr) -> Result<Self> {
        CategoricalColumn::from_codes(r.codes, r.levels)
    }
}

impl CategoricalColumn {
    /// The code of a missing row.
    pub const MISSING: u32 = u32::MAX;

    /// From codes and levels. Every code must be `< levels.len()` or
    /// [`MISSING`](Self::MISSING), and levels must be distinct.
    ///
    /// ```
    /// use ua_data::CategoricalColumn;
    /// let c = CategoricalColumn::from_codes(vec![1, 0], vec!["x".into(), "y".into()]).unwrap();
    /// assert_eq!(c.get(0), Some("y"));
    /// assert!(CategoricalColumn::from_codes(vec![2], vec!["x".into()]).is_err());
    /// ```
    pub fn from_codes(codes: Vec<u32>, levels: Vec<String>) -> Result<Self> {
        if levels.len() >= Self::MISSING as usize {
            return Err(Error::InvalidArgument {
                op: "CategoricalColumn::from_codes",
                message: format!("{} levels is more than a u32 code can hold", levels.len()),
            });
        }
        let mut seen = HashMap::with_capacity(levels.len());
        for (i, l) in levels.iter().enumerate() {
            if let Some(j) = seen.insert(l.as_str(), i) {
                return Err(Error::InvalidArgument {
                    op: "CategoricalColumn::from_codes",
                    message: format!("level `{l}` appears twice (positions {j} and {i})"),
                });
            }
        }
        let n = levels.len() as u32;
        if let Some((row, &c)) = codes
            .iter()
            .enumerate()
            .find(|&(_, &c)| c >= n && c != Self::MISSING)
        {
            return Err(Error::InvalidArgument {
                op: "CategoricalColumn::from_codes",
                message: format!("code {c} at row {row} but only {n} levels"),
            });
        }
        Ok(CategoricalColumn { codes, levels })
    }

    /// Codes and levels already known to be consistent (crate-internal fast path).
    pub(crate) fn from_parts_unchecked(codes: Vec<u32>, levels: Vec<String>) -> Self {
        CategoricalColumn { codes, levels }
    }

    /// From optional strings; levels are numbered in order of first appearance.
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), None]);
    /// assert_eq!(c.missing_count(), 1);
    /// ```
    pub fn from_strs<S: AsRef<str>>(values: &[Option<S>]) -> Self {
        let mut b = CategoricalBuilder::with_capacity(values.len());
        for v in values {
            b.push(v.as_ref().map(AsRef::as_ref));
        }
        b.finish()
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::CategoricalColumn::from_strs::<&str>(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The codes, one per row ([`MISSING`](Self::MISSING) for missing rows).
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).codes(), &[0]);
    /// ```
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The distinct levels; code `k` means `levels()[k]`.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).levels(), &["a".to_string()]);
    /// ```
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// Number of levels.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a"), Some("a")]).n_levels(), 1);
    /// ```
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// The string at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[Some("a")]).get(0), Some("a"));
    /// ```
    pub fn get(&self, i: usize) -> Option<&str> {
        let c = *self.codes.get(i)?;
        self.levels.get(c as usize).map(String::as_str)
    }

    /// The code at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[None, Some("a")]).code(1), Some(0));
    /// ```
    pub fn code(&self, i: usize) -> Option<u32> {
        self.codes.get(i).copied().filter(|&c| c != Self::MISSING)
    }

    /// The code of a level, if the column has it (linear search).
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), Some("b")]);
    /// assert_eq!(c.level_code("b"), Some(1));
    /// assert_eq!(c.level_code("z"), None);
    /// ```
    pub fn level_code(&self, level: &str) -> Option<u32> {
        self.levels
            .iter()
            .position(|l| l == level)
            .map(|p| p as u32)
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(ua_data::CategoricalColumn::from_strs(&[None::<&str>]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        self.codes.get(i) == Some(&Self::MISSING)
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::CategoricalColumn::from_strs(&[None::<&str>]).missing_count(), 1);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.codes.iter().filter(|&&c| c == Self::MISSING).count()
    }

    /// How many rows hold each level (indexed by code).
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), Some("b"), Some("a"), None]);
    /// assert_eq!(c.level_counts(), vec![2, 1]);
    /// ```
    pub fn level_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.levels.len()];
        for &c in &self.codes {
            if let Some(k) = counts.get_mut(c as usize) {
                *k += 1;
            }
        }
        counts
    }

    /// Rows as optional strings.
    ///
    /// ```
    /// let c = ua_data::CategoricalColumn::from_strs(&[Some("a"), None]);
    /// assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some("a"), None]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        self.codes
            .iter()
            .map(|&c| self.levels.get(c as usize).map(String::as_str))
    }

    /// Splits into codes and levels.
    ///
    /// ```
    /// let (codes, levels) = ua_data::CategoricalColumn::from_strs(&[Some("a")]).into_parts();
    /// assert_eq!((codes, levels), (vec![0], vec!["a".to_string()]));
    /// ```
    pub fn into_parts(self) -> (Vec<u32>, Vec<String>) {
        (self.codes, self.levels)
    }
}

/// Builds a [`CategoricalColumn`] row by row, interning strings in a hash map
/// so that each distinct string is allocated once.
///
/// ```
/// use ua_data::CategoricalBuilder;
/// let mut b = CategoricalBuilder::new();
/// b.push(Some("x"));
/// b.push(None);
/// b.push(Some("x"));
/// let c = b.finish();
/// assert_eq!(c.codes(), &[0, ua_data::CategoricalColumn::MISSING, 0]);
/// ```
#[derive(Debug, Default, Clone)]
pub struct CategoricalBuilder {
    pub(super) codes: Vec<u32>,
    pub(super) levels: Vec<String>,
    pub(super) index: super::hash::FastMap<String, u32>,
}

impl CategoricalBuilder {
    /// An empty builder.
    ///
    /// ```
    /// assert!(ua_data::CategoricalBuilder::new().finish().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `rows` rows.
    ///
    /// ```
    /// assert!(ua_data::CategoricalBuilder::with_capacity(10).finish().is_empty());
    /// ```
    pub fn with_capacity(rows: usize) -> Self {
        CategoricalBuilder {
            codes: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// The code of `level`, adding it if new.
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// assert_eq!(b.intern("a"), 0);
    /// assert_eq!(b.intern("b"), 1);
    /// assert_eq!(b.intern("a"), 0);
    /// ```
    pub fn intern(&mut self, level: &str) -> u32 {
        if let Some(&c) = self.index.get(level) {
            return c;
        }
        let c = self.levels.len() as u32;
        self.levels.push(level.to_owned());
        self.index.insert(level.to_owned(), c);
        c
    }

    /// Appends one row.
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// b.push(Some("a"));
    /// assert_eq!(b.finish().len(), 1);
    /// ```
    pub fn push(&mut self, value: Option<&str>) {
        let c = match value {
            Some(s) => self.intern(s),
            None => CategoricalColumn::MISSING,
        };
        self.codes.push(c);
    }

    /// Appends one row by code (as returned by [`intern`](Self::intern), or
    /// [`CategoricalColumn::MISSING`]).
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// let a = b.intern("a");
    /// b.push_code(a);
    /// assert_eq!(b.finish().get(0), Some("a"));
    /// ```
    pub fn push_code(&mut self, code: u32) {
        self.codes.push(code);
    }

    /// The finished column.
    ///
    /// ```
    /// let mut b = ua_data::CategoricalBuilder::new();
    /// b.push(Some("a"));
    /// assert_eq!(b.finish().n_levels(), 1);
    /// ```
    pub fn finish(self) -> CategoricalColumn {
        let n = self.levels.len() as u32;
        let codes = self
            .codes
            .into_iter()
            .map(|c| if c < n { c } else { CategoricalColumn::MISSING })
            .collect();
        CategoricalColumn {
            codes,
            levels: self.levels,
        }
    }
}
