//! Encoding categorical (and boolean) columns as numbers: [`OneHotEncoder`]
//! (one 0/1 indicator column per category) and [`OrdinalEncoder`] (one
//! column holding the category's index).
//!
//! Categories are learned at fit time, sorted alphabetically (booleans have
//! the categories `false` and `true`), so the same table always gives the
//! same columns in the same order. A level that appears in a column's
//! dictionary but in none of its rows (e.g. after a train/test split) is not
//! a category.
//!
//! ## Fit on the training split only
//!
//! The categories are those of the **training** rows. A category that only
//! appears later (a city first seen in the test split, a new user's
//! country) is *unknown*: [`HandleUnknown::Error`] reports it with its
//! column, row and value; [`HandleUnknown::Ignore`] encodes it as all zeros
//! (one-hot) or as `unknown_value` (ordinal). Re-fitting on the test split
//! instead would silently give the model columns it was not trained on.
//!
//! ```
//! use ua_data::encode::{HandleUnknown, OneHotEncoder};
//! use ua_data::{Column, Table, Transform, Transformer};
//!
//! let train = Table::new(vec![("city".into(), Column::categorical(&["Paris", "Lyon", "Paris"]))]).unwrap();
//! let enc = OneHotEncoder::new(&["city"]).handle_unknown(HandleUnknown::Ignore).fit(&train).unwrap();
//! assert_eq!(enc.feature_names(), vec!["city=Lyon", "city=Paris"]);
//!
//! let test = Table::new(vec![("city".into(), Column::categorical(&["Rome", "Lyon"]))]).unwrap();
//! let out = enc.transform(&test).unwrap();
//! assert_eq!(out.numeric("city=Lyon").unwrap().values(), &[0.0, 1.0]);
//! assert_eq!(out.numeric("city=Paris").unwrap().values(), &[0.0, 0.0]); // Rome: all zeros
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use ndarray::{Array2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use crate::pipeline::{FittedStep, TransformReport};
use crate::transform::{distinct_names, resolve_columns};
use crate::{
    CategoricalColumn, Column, ColumnType, Error, NumericColumn, Result, Table, Transform,
    Transformer,
};

/// The column types an encoder accepts.
const ENCODABLE: [ColumnType; 2] = [ColumnType::Categorical, ColumnType::Boolean];

const MISSING: u32 = CategoricalColumn::MISSING;

/// What to do with a category that was not seen at fit time.
///
/// ```
/// use ua_data::encode::HandleUnknown;
/// assert_eq!(HandleUnknown::default(), HandleUnknown::Error);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleUnknown {
    /// Encode it as all zeros (one-hot) or as the ordinal `unknown_value`.
    Ignore,
    /// Return [`Error::UnknownCategory`] naming the column, row and value.
    #[default]
    Error,
}

/// Whether a one-hot encoder drops one indicator per column.
///
/// Dropping the first category removes the exact collinearity of a full set
/// of indicators (useful for unregularised linear models); the first
/// category is then encoded as all zeros — as are unknown and missing values.
///
/// ```
/// use ua_data::encode::DropCategory;
/// assert_eq!(DropCategory::default(), DropCategory::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCategory {
    /// One indicator per category.
    #[default]
    None,
    /// No indicator for the alphabetically first category.
    First,
}

/// A categorical or boolean column as codes into levels.
pub(crate) struct Coded<'a> {
    pub(crate) codes: Cow<'a, [u32]>,
    pub(crate) levels: Cow<'a, [String]>,
}

/// Looks up `name` in `table`, re-tagging an unknown-column error with `op`.
pub(crate) fn column<'a>(table: &'a Table, name: &str, op: &'static str) -> Result<&'a Column> {
    table.column(name).map_err(|e| match e {
        Error::UnknownColumn {
            name, available, ..
        } => Error::UnknownColumn {
            op,
            name,
            available,
        },
        other => other,
    })
}

/// The categorical or boolean column `name` as codes; other types are a
/// [`Error::TypeMismatch`].
pub(crate) fn coded<'a>(table: &'a Table, name: &str, op: &'static str) -> Result<Coded<'a>> {
    match column(table, name, op)? {
        Column::Categorical(c) => Ok(Coded {
            codes: Cow::Borrowed(c.codes()),
            levels: Cow::Borrowed(c.levels()),
        }),
        Column::Boolean(b) => Ok(Coded {
            codes: Cow::Owned(
                b.values()
                    .iter()
                    .map(|v| v.map_or(MISSING, u32::from))
                    .collect(),
            ),
            levels: Cow::Owned(vec!["false".into(), "true".into()]),
        }),
        other => Err(Error::TypeMismatch {
            op,
            column: name.to_owned(),
            expected: "categorical or boolean".into(),
            found: other.dtype().name().into(),
        }),
    }
}

/// Per-level row counts of a coded column (levels that occur in no row are
/// left out), sorted by level, and the number of missing rows.
fn level_counts<'a>(coded: &'a Coded<'_>) -> (BTreeMap<&'a str, usize>, usize) {
    let mut by_code = vec![0usize; coded.levels.len()];
    let mut n_missing = 0usize;
    for &c in coded.codes.iter() {
        match by_code.get_mut(c as usize) {
            Some(k) => *k += 1,
            None => n_missing += 1,
        }
    }
    let counts: BTreeMap<&str, usize> = coded
        .levels
        .iter()
        .zip(&by_code)
        .filter(|(_, k)| **k > 0)
        .map(|(l, &k)| (l.as_str(), k))
        .collect();
    (counts, n_missing)
}

/// Whether `levels` is sorted strictly (so binary search finds every level once).
fn check_sorted(column: &str, what: &str, levels: &[String]) -> std::result::Result<(), String> {
    match levels.windows(2).find(|w| w[0] >= w[1]) {
        Some(w) => Err(format!(
            "column `{column}`: {what} must be sorted without duplicates, found `{}` before `{}`",
            w[0], w[1]
        )),
        None => Ok(()),
    }
}

/// What happened while encoding one column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EncodeCounts {
    /// Unknown categories encoded as zeros / `unknown_value`.
    pub(crate) unknown: usize,
    /// Missing values left as zeros (one-hot) or missing (ordinal).
    pub(crate) missing: usize,
}

/// Where one category goes in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Feature(usize),
    Zero,
    Unknown,
}

/// The fitted one-hot encoding of one column: its categories (sorted), the
/// infrequent ones grouped into one indicator, and the options.
///
/// ```
/// use ua_data::encode::OneHotEncoder;
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("c".into(), Column::categorical(&["b", "a", "b", "c"]))]).unwrap();
/// let enc = OneHotEncoder::new(&["c"]).min_frequency(2).fit(&t).unwrap();
/// let col = &enc.columns()[0];
/// assert_eq!(col.levels(), &["b"]);
/// assert_eq!(col.infrequent_levels(), &["a", "c"]);
/// assert_eq!(col.feature_names(), vec!["c=b", "c=(infrequent)"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotColumn {
    column: String,
    levels: Vec<String>,
    infrequent: Vec<String>,
    drop_first: bool,
    handle_unknown: HandleUnknown,
}

impl OneHotColumn {
    pub(crate) fn fit(
        name: &str,
        coded: &Coded<'_>,
        handle_unknown: HandleUnknown,
        drop: DropCategory,
        min_frequency: Option<usize>,
    ) -> Result<Self> {
        let (counts, n_missing) = level_counts(coded);
        if counts.is_empty() {
            return Err(Error::MissingValues {
                op: "OneHotEncoder::fit",
                column: name.to_owned(),
                count: n_missing,
                first_row: 0,
            });
        }
        let min = min_frequency.unwrap_or(0);
        let (mut levels, mut infrequent) = (Vec::new(), Vec::new());
        for (l, k) in counts {
            if k >= min {
                &mut levels
            } else {
                &mut infrequent
            }
            .push(l.to_owned());
        }
        Ok(OneHotColumn {
            column: name.to_owned(),
            levels,
            infrequent,
            drop_first: drop == DropCategory::First,
            handle_unknown,
        })
    }

    /// The input column's name.
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::boolean(vec![true]))]).unwrap();
    /// assert_eq!(OneHotEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].column(), "c");
    /// ```
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The categories with their own indicator (sorted; the first is
    /// dropped from the output when `drop` is `First`).
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::boolean(vec![true, false]))]).unwrap();
    /// assert_eq!(OneHotEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].levels(), &["false", "true"]);
    /// ```
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// Categories seen fewer than `min_frequency` times, sharing the
    /// indicator `column=(infrequent)`.
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert!(OneHotEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].infrequent_levels().is_empty());
    /// ```
    pub fn infrequent_levels(&self) -> &[String] {
        &self.infrequent
    }

    /// Number of output columns.
    ///
    /// ```
    /// use ua_data::encode::{DropCategory, OneHotEncoder};
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x", "y", "z"]))]).unwrap();
    /// let enc = OneHotEncoder::new(&["c"]).drop(DropCategory::First).fit(&t).unwrap();
    /// assert_eq!(enc.columns()[0].n_features(), 2);
    /// ```
    pub fn n_features(&self) -> usize {
        self.levels.len() - usize::from(self.drop_first && !self.levels.is_empty())
            + usize::from(!self.infrequent.is_empty())
    }

    /// Output column names: `column=level`, then `column=(infrequent)` if
    /// any category is infrequent.
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["y", "x"]))]).unwrap();
    /// assert_eq!(OneHotEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].feature_names(), vec!["c=x", "c=y"]);
    /// ```
    pub fn feature_names(&self) -> Vec<String> {
        let skip = usize::from(self.drop_first);
        let mut names: Vec<String> = self
            .levels
            .iter()
            .skip(skip)
            .map(|l| format!("{}={l}", self.column))
            .collect();
        if !self.infrequent.is_empty() {
            names.push(format!("{}=(infrequent)", self.column));
        }
        names
    }

    fn slot(&self, level: &str) -> Slot {
        if let Ok(i) = self.levels.binary_search_by(|l| l.as_str().cmp(level)) {
            return match (self.drop_first, i) {
                (true, 0) => Slot::Zero,
                (true, i) => Slot::Feature(i - 1),
                (false, i) => Slot::Feature(i),
            };
        }
        if self
            .infrequent
            .binary_search_by(|l| l.as_str().cmp(level))
            .is_ok()
        {
            return Slot::Feature(self.n_features() - 1);
        }
        Slot::Unknown
    }

    fn invariants(&self) -> std::result::Result<(), String> {
        check_sorted(&self.column, "levels", &self.levels)?;
        check_sorted(&self.column, "infrequent levels", &self.infrequent)?;
        if let Some(l) = self
            .infrequent
            .iter()
            .find(|l| self.levels.binary_search(l).is_ok())
        {
            return Err(format!(
                "column `{}`: level `{l}` is both frequent and infrequent",
                self.column
            ));
        }
        if self.levels.is_empty() && self.infrequent.is_empty() {
            return Err(format!("column `{}` has no category", self.column));
        }
        Ok(())
    }

    /// Writes the indicators of `coded` into `out` (rows × `n_features()`,
    /// zero on entry). Missing values stay all zeros.
    pub(crate) fn write(
        &self,
        op: &'static str,
        coded: &Coded<'_>,
        mut out: ArrayViewMut2<'_, f32>,
    ) -> Result<EncodeCounts> {
        let width = self.n_features();
        if out.ncols() != width || out.nrows() != coded.codes.len() {
            return Err(ua_tensor::Error::ShapeMismatch {
                op,
                expected: format!("({}, {width})", coded.codes.len()),
                found: format!("{:?}", out.dim()),
            }
            .into());
        }
        let map: Vec<Slot> = coded.levels.iter().map(|l| self.slot(l)).collect();
        let mut counts = EncodeCounts::default();
        for (r, &c) in coded.codes.iter().enumerate() {
            let slot = if c == MISSING {
                counts.missing += 1;
                Slot::Zero
            } else {
                map.get(c as usize).copied().unwrap_or(Slot::Unknown)
            };
            match slot {
                Slot::Feature(j) => {
                    if let Some(v) = out.get_mut((r, j)) {
                        *v = 1.0;
                    }
                }
                Slot::Zero => {}
                Slot::Unknown => match self.handle_unknown {
                    HandleUnknown::Ignore => counts.unknown += 1,
                    HandleUnknown::Error => {
                        let value = coded.levels.get(c as usize).cloned().unwrap_or_default();
                        return Err(Error::UnknownCategory {
                            op,
                            column: self.column.clone(),
                            row: r,
                            value,
                        });
                    }
                },
            }
        }
        Ok(counts)
    }
}

/// One-hot encoding of categorical and boolean columns: each category seen
/// at fit time becomes a 0/1 column named `column=category`.
///
/// * `handle_unknown` — unseen categories at transform time: all zeros
///   ([`HandleUnknown::Ignore`]) or an error naming column, row and value
///   ([`HandleUnknown::Error`], the default).
/// * `drop` — [`DropCategory::First`] leaves out the first category's column.
/// * `min_frequency` — categories seen fewer times share one
///   `column=(infrequent)` indicator.
///
/// A missing value is encoded as all zeros (impute first if that is not
/// what you want; the [`pipeline`](crate::pipeline) does). Numeric and date
/// columns are a type error naming the column.
///
/// ```
/// use ua_data::encode::OneHotEncoder;
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("n".into(), Column::numeric(vec![1.0]))]).unwrap();
/// let err = OneHotEncoder::new(&["n"]).fit(&t).unwrap_err().to_string();
/// assert!(err.contains("`n` has type numeric, expected categorical or boolean"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotEncoder {
    /// The columns to encode.
    pub columns: Vec<String>,
    /// Unseen categories at transform time.
    pub handle_unknown: HandleUnknown,
    /// Whether to drop the first category's indicator.
    pub drop: DropCategory,
    /// Categories with fewer rows share one indicator (`None`: keep all).
    pub min_frequency: Option<usize>,
}

impl OneHotEncoder {
    /// An encoder of `columns` with the default options (unknown → error,
    /// no drop, no frequency threshold).
    ///
    /// ```
    /// let enc = ua_data::encode::OneHotEncoder::new(&["city", "device"]);
    /// assert_eq!(enc.columns.len(), 2);
    /// ```
    pub fn new(columns: &[&str]) -> Self {
        OneHotEncoder {
            columns: columns.iter().map(|&c| c.to_owned()).collect(),
            handle_unknown: HandleUnknown::Error,
            drop: DropCategory::None,
            min_frequency: None,
        }
    }

    /// An encoder of every categorical and boolean column of the table it is
    /// fitted on (the columns are fixed at fit time).
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![
    ///     ("n".into(), Column::numeric(vec![1.0])),
    ///     ("b".into(), Column::boolean(vec![true])),
    /// ]).unwrap();
    /// assert_eq!(OneHotEncoder::all().fit(&t).unwrap().feature_names(), vec!["b=true"]);
    /// ```
    pub fn all() -> Self {
        Self::new(&[])
    }

    /// Sets how unseen categories are handled.
    ///
    /// ```
    /// use ua_data::encode::{HandleUnknown, OneHotEncoder};
    /// let enc = OneHotEncoder::new(&["c"]).handle_unknown(HandleUnknown::Ignore);
    /// assert_eq!(enc.handle_unknown, HandleUnknown::Ignore);
    /// ```
    pub fn handle_unknown(mut self, h: HandleUnknown) -> Self {
        self.handle_unknown = h;
        self
    }

    /// Sets whether the first category's indicator is dropped.
    ///
    /// ```
    /// use ua_data::encode::{DropCategory, OneHotEncoder};
    /// assert_eq!(OneHotEncoder::new(&["c"]).drop(DropCategory::First).drop, DropCategory::First);
    /// ```
    pub fn drop(mut self, d: DropCategory) -> Self {
        self.drop = d;
        self
    }

    /// Groups categories with fewer than `k` training rows into one indicator.
    ///
    /// ```
    /// assert_eq!(ua_data::encode::OneHotEncoder::new(&["c"]).min_frequency(5).min_frequency, Some(5));
    /// ```
    pub fn min_frequency(mut self, k: usize) -> Self {
        self.min_frequency = Some(k);
        self
    }
}

/// A fitted [`OneHotEncoder`]: the categories of each column.
///
/// ```
/// use ua_data::encode::{FittedOneHotEncoder, OneHotEncoder};
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("c".into(), Column::categorical(&["x", "y"]))]).unwrap();
/// let enc = OneHotEncoder::new(&["c"]).fit(&t).unwrap();
/// let back: FittedOneHotEncoder = serde_json::from_str(&serde_json::to_string(&enc).unwrap()).unwrap();
/// assert_eq!(back, enc);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedOneHotEncoder {
    columns: Vec<OneHotColumn>,
}

impl Transformer for OneHotEncoder {
    type Fitted = FittedOneHotEncoder;

    /// Learns the categories of each column from the training table.
    fn fit(&self, table: &Table) -> Result<FittedOneHotEncoder> {
        const OP: &str = "OneHotEncoder::fit";
        let columns = resolve_columns(table, &self.columns, &ENCODABLE)
            .iter()
            .map(|name| {
                let c = coded(table, name, OP)?;
                OneHotColumn::fit(name, &c, self.handle_unknown, self.drop, self.min_frequency)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(FittedOneHotEncoder { columns })
    }
}

impl FittedOneHotEncoder {
    /// The fitted encoding of each column, in the order given at fit time.
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(OneHotEncoder::new(&["c"]).fit(&t).unwrap().columns().len(), 1);
    /// ```
    pub fn columns(&self) -> &[OneHotColumn] {
        &self.columns
    }

    /// All output column names, column by column.
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![
    ///     ("c".into(), Column::categorical(&["x", "y"])),
    ///     ("b".into(), Column::boolean(vec![true, true])),
    /// ]).unwrap();
    /// let enc = OneHotEncoder::new(&["c", "b"]).fit(&t).unwrap();
    /// assert_eq!(enc.feature_names(), vec!["c=x", "c=y", "b=true"]);
    /// ```
    pub fn feature_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .flat_map(OneHotColumn::feature_names)
            .collect()
    }
}

impl FittedOneHotEncoder {
    /// The encoded table and, per encoded column, what happened.
    fn encode_table(&self, table: &Table) -> Result<(Table, Vec<EncodeCounts>)> {
        const OP: &str = "OneHotEncoder::transform";
        let n = table.n_rows();
        let mut encoded: Vec<Option<Vec<(String, Column)>>> = Vec::new();
        let mut counts = Vec::with_capacity(self.columns.len());
        for col in &self.columns {
            let c = coded(table, &col.column, OP)?;
            let mut block = Array2::<f32>::zeros((n, col.n_features()));
            counts.push(col.write(OP, &c, block.view_mut())?);
            let cols = col
                .feature_names()
                .into_iter()
                .zip(block.columns())
                .map(|(name, v)| {
                    (
                        name,
                        Column::numeric(v.iter().map(|&x| f64::from(x)).collect()),
                    )
                })
                .collect();
            encoded.push(Some(cols));
        }
        let mut out = Vec::with_capacity(table.n_cols() + encoded.len());
        for (name, column) in table.columns() {
            match self.columns.iter().position(|c| c.column == name) {
                Some(i) => {
                    if let Some(cols) = encoded.get_mut(i).and_then(Option::take) {
                        out.extend(cols);
                    }
                }
                None => out.push((name.to_owned(), column.clone())),
            }
        }
        Ok((Table::new(out)?, counts))
    }
}

impl Transform for FittedOneHotEncoder {
    /// Replaces each encoded column by its indicator columns (in place, in
    /// column order); other columns pass through unchanged.
    fn transform(&self, table: &Table) -> Result<Table> {
        self.encode_table(table).map(|(t, _)| t)
    }
}

impl Persist for FittedOneHotEncoder {
    const KIND: &'static str = "ua-data/one-hot-encoder";

    /// Columns are distinct; each column's levels and infrequent levels are
    /// sorted without duplicates, disjoint and not both empty; the output
    /// names are distinct.
    fn validate(&self) -> std::result::Result<(), String> {
        distinct_names("column", self.columns.iter().map(|c| c.column.as_str()))?;
        for c in &self.columns {
            c.invariants()?;
        }
        distinct_names("feature", self.feature_names().iter().map(String::as_str))
    }
}

#[typetag::serde(name = "ua-data/one-hot-encoder")]
impl FittedStep for FittedOneHotEncoder {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }

    /// Encodes, adding unseen categories to `unknown_categories` and missing
    /// values left as all zeros to `missing_as_zeros`.
    fn transform_reporting(&self, table: &Table, report: &mut TransformReport) -> Result<Table> {
        let (out, counts) = self.encode_table(table)?;
        for (col, k) in self.columns.iter().zip(counts) {
            let entry = report.column_mut(&col.column);
            entry.unknown_categories += k.unknown;
            entry.missing_as_zeros += k.missing;
        }
        Ok(out)
    }
}

/// The fitted ordinal encoding of one column: its sorted categories, whose
/// positions are the codes.
///
/// ```
/// use ua_data::encode::OrdinalEncoder;
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("c".into(), Column::categorical(&["m", "s", "l"]))]).unwrap();
/// let enc = OrdinalEncoder::new(&["c"]).fit(&t).unwrap();
/// assert_eq!(enc.columns()[0].levels(), &["l", "m", "s"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalColumn {
    column: String,
    levels: Vec<String>,
    unknown_value: Option<f64>,
}

impl OrdinalColumn {
    pub(crate) fn fit(name: &str, coded: &Coded<'_>, unknown_value: Option<f64>) -> Result<Self> {
        let (counts, n_missing) = level_counts(coded);
        if counts.is_empty() {
            return Err(Error::MissingValues {
                op: "OrdinalEncoder::fit",
                column: name.to_owned(),
                count: n_missing,
                first_row: 0,
            });
        }
        Ok(OrdinalColumn {
            column: name.to_owned(),
            levels: counts.into_keys().map(str::to_owned).collect(),
            unknown_value,
        })
    }

    /// The input column's name.
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].column(), "c");
    /// ```
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The categories in code order (alphabetical).
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::boolean(vec![true, false]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].levels(), &["false", "true"]);
    /// ```
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    fn invariants(&self) -> std::result::Result<(), String> {
        check_sorted(&self.column, "levels", &self.levels)?;
        if self.levels.is_empty() {
            return Err(format!("column `{}` has no category", self.column));
        }
        match self.unknown_value {
            Some(u) if !u.is_finite() => Err(format!(
                "column `{}`: unknown_value must be finite, found {u}",
                self.column
            )),
            _ => Ok(()),
        }
    }

    /// Codes of `coded` and a missing mask (missing values stay missing).
    pub(crate) fn encode(
        &self,
        op: &'static str,
        coded: &Coded<'_>,
    ) -> Result<(Vec<f64>, Vec<bool>, EncodeCounts)> {
        let lookup = |l: &str| {
            self.levels
                .binary_search_by(|x| x.as_str().cmp(l))
                .ok()
                .map(|i| i as f64)
        };
        let map: Vec<Option<f64>> = coded.levels.iter().map(|l| lookup(l)).collect();
        let n = coded.codes.len();
        let (mut values, mut missing) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut counts = EncodeCounts::default();
        for (r, &c) in coded.codes.iter().enumerate() {
            if c == MISSING {
                counts.missing += 1;
                values.push(f64::NAN);
                missing.push(true);
                continue;
            }
            let v = match map.get(c as usize).copied().flatten() {
                Some(v) => v,
                None => match self.unknown_value {
                    Some(u) => {
                        counts.unknown += 1;
                        u
                    }
                    None => {
                        return Err(Error::UnknownCategory {
                            op,
                            column: self.column.clone(),
                            row: r,
                            value: coded.levels.get(c as usize).cloned().unwrap_or_default(),
                        });
                    }
                },
            };
            values.push(v);
            missing.push(false);
        }
        Ok((values, missing, counts))
    }
}

/// Ordinal encoding: each categorical or boolean column is replaced by a
/// numeric column holding the index of its category in the sorted list of
/// training categories (`false` = 0, `true` = 1 for booleans).
///
/// An unseen category becomes `unknown_value` when set, or an error naming
/// the column, row and value. Missing values stay missing.
///
/// ```
/// use ua_data::encode::OrdinalEncoder;
/// use ua_data::{Column, Table, Transform, Transformer};
/// let train = Table::new(vec![("size".into(), Column::categorical(&["m", "s", "l"]))]).unwrap();
/// let enc = OrdinalEncoder::new(&["size"]).unknown_value(-1.0).fit(&train).unwrap();
/// let test = Table::new(vec![("size".into(), Column::categorical(&["s", "xl"]))]).unwrap();
/// assert_eq!(enc.transform(&test).unwrap().numeric("size").unwrap().values(), &[2.0, -1.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalEncoder {
    /// The columns to encode.
    pub columns: Vec<String>,
    /// Code for unseen categories (`None`: an unseen category is an error).
    pub unknown_value: Option<f64>,
}

impl OrdinalEncoder {
    /// An encoder of `columns`; unseen categories are an error.
    ///
    /// ```
    /// assert_eq!(ua_data::encode::OrdinalEncoder::new(&["c"]).unknown_value, None);
    /// ```
    pub fn new(columns: &[&str]) -> Self {
        OrdinalEncoder {
            columns: columns.iter().map(|&c| c.to_owned()).collect(),
            unknown_value: None,
        }
    }

    /// An encoder of every categorical and boolean column of the table it is
    /// fitted on.
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::all().fit(&t).unwrap().columns()[0].column(), "c");
    /// ```
    pub fn all() -> Self {
        Self::new(&[])
    }

    /// Encodes unseen categories as `v` instead of failing.
    ///
    /// ```
    /// assert_eq!(ua_data::encode::OrdinalEncoder::new(&["c"]).unknown_value(-1.0).unknown_value, Some(-1.0));
    /// ```
    pub fn unknown_value(mut self, v: f64) -> Self {
        self.unknown_value = Some(v);
        self
    }
}

/// A fitted [`OrdinalEncoder`].
///
/// ```
/// use ua_data::encode::{FittedOrdinalEncoder, OrdinalEncoder};
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
/// let enc = OrdinalEncoder::new(&["c"]).fit(&t).unwrap();
/// let back: FittedOrdinalEncoder = serde_json::from_str(&serde_json::to_string(&enc).unwrap()).unwrap();
/// assert_eq!(back, enc);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedOrdinalEncoder {
    columns: Vec<OrdinalColumn>,
}

impl FittedOrdinalEncoder {
    /// The fitted encoding of each column.
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::new(&["c"]).fit(&t).unwrap().columns().len(), 1);
    /// ```
    pub fn columns(&self) -> &[OrdinalColumn] {
        &self.columns
    }
}

impl Transformer for OrdinalEncoder {
    type Fitted = FittedOrdinalEncoder;

    /// Learns the sorted categories of each column.
    fn fit(&self, table: &Table) -> Result<FittedOrdinalEncoder> {
        const OP: &str = "OrdinalEncoder::fit";
        if let Some(u) = self.unknown_value.filter(|u| !u.is_finite()) {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "unknown_value",
                message: format!("must be finite, found {u}"),
            });
        }
        let columns = resolve_columns(table, &self.columns, &ENCODABLE)
            .iter()
            .map(|name| OrdinalColumn::fit(name, &coded(table, name, OP)?, self.unknown_value))
            .collect::<Result<Vec<_>>>()?;
        Ok(FittedOrdinalEncoder { columns })
    }
}

impl FittedOrdinalEncoder {
    fn encode_table(&self, table: &Table) -> Result<(Table, Vec<EncodeCounts>)> {
        const OP: &str = "OrdinalEncoder::transform";
        let mut out = table.clone();
        let mut counts = Vec::with_capacity(self.columns.len());
        for col in &self.columns {
            let (values, missing, k) = col.encode(OP, &coded(table, &col.column, OP)?)?;
            out.replace_column(
                &col.column,
                Column::Numeric(NumericColumn::new(values, missing)?),
            )?;
            counts.push(k);
        }
        Ok((out, counts))
    }
}

impl Transform for FittedOrdinalEncoder {
    /// Replaces each encoded column by its numeric codes.
    fn transform(&self, table: &Table) -> Result<Table> {
        self.encode_table(table).map(|(t, _)| t)
    }
}

impl Persist for FittedOrdinalEncoder {
    const KIND: &'static str = "ua-data/ordinal-encoder";

    /// Columns are distinct; each column's levels are sorted without
    /// duplicates and not empty; `unknown_value` is finite.
    fn validate(&self) -> std::result::Result<(), String> {
        distinct_names("column", self.columns.iter().map(|c| c.column.as_str()))?;
        self.columns.iter().try_for_each(OrdinalColumn::invariants)
    }
}

#[typetag::serde(name = "ua-data/ordinal-encoder")]
impl FittedStep for FittedOrdinalEncoder {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }

    /// Encodes, adding categories coded as `unknown_value` to `unknown_categories`.
    fn transform_reporting(&self, table: &Table, report: &mut TransformReport) -> Result<Table> {
        let (out, counts) = self.encode_table(table)?;
        for (col, k) in self.columns.iter().zip(counts) {
            report.column_mut(&col.column).unknown_categories += k.unknown;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn one_hot_handles_unknown_missing_and_keeps_column_order() {
        let train = table(vec![
            ("id", Column::numeric(vec![1.0, 2.0, 3.0])),
            ("city", Column::categorical(&["Paris", "Lyon", "Paris"])),
            ("vip", Column::boolean(vec![true, false, false])),
        ]);
        let enc = OneHotEncoder::new(&["city", "vip"])
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&train)
            .unwrap();
        let test = table(vec![
            ("id", Column::numeric(vec![4.0, 5.0, 6.0])),
            (
                "city",
                Column::categorical_opt(&[Some("Rome"), None, Some("Paris")]),
            ),
            (
                "vip",
                Column::boolean_opt(vec![None, Some(true), Some(false)]),
            ),
        ]);
        let out = enc.transform(&test).unwrap();
        assert_eq!(
            out.column_names(),
            vec!["id", "city=Lyon", "city=Paris", "vip=false", "vip=true"]
        );
        assert_eq!(out.numeric("city=Lyon").unwrap().values(), &[0.0, 0.0, 0.0]);
        assert_eq!(
            out.numeric("city=Paris").unwrap().values(),
            &[0.0, 0.0, 1.0]
        );
        assert_eq!(out.numeric("vip=false").unwrap().values(), &[0.0, 0.0, 1.0]);
        assert_eq!(out.numeric("vip=true").unwrap().values(), &[0.0, 1.0, 0.0]);
    }

    #[test]
    fn one_hot_unknown_error_names_column_row_and_value() {
        let train = table(vec![("city", Column::categorical(&["Paris", "Lyon"]))]);
        let enc = OneHotEncoder::new(&["city"]).fit(&train).unwrap();
        let test = table(vec![("city", Column::categorical(&["Lyon", "Rome"]))]);
        match enc.transform(&test).unwrap_err() {
            Error::UnknownCategory {
                column, row, value, ..
            } => assert_eq!((column.as_str(), row, value.as_str()), ("city", 1, "Rome")),
            e => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn one_hot_ignores_dictionary_levels_without_rows() {
        let full = table(vec![("c", Column::categorical(&["a", "b", "c"]))]);
        let train = full.take(&[0, 2]).unwrap(); // "b" stays in the dictionary
        let enc = OneHotEncoder::new(&["c"]).fit(&train).unwrap();
        assert_eq!(enc.feature_names(), vec!["c=a", "c=c"]);
    }

    #[test]
    fn one_hot_drop_first_and_min_frequency() {
        let t = table(vec![(
            "c",
            Column::categorical(&["a", "b", "b", "c", "c", "c", "d"]),
        )]);
        let enc = OneHotEncoder::new(&["c"])
            .drop(DropCategory::First)
            .min_frequency(2)
            .fit(&t)
            .unwrap();
        // Frequent: b (2), c (3); infrequent: a, d. Drop first frequent (b).
        assert_eq!(enc.feature_names(), vec!["c=c", "c=(infrequent)"]);
        let out = enc.transform(&t).unwrap();
        assert_eq!(
            out.numeric("c=c").unwrap().values(),
            &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
        );
        assert_eq!(
            out.numeric("c=(infrequent)").unwrap().values(),
            &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn bad_columns_are_named() {
        let t = table(vec![("d", Column::date(vec![1]))]);
        let err = OneHotEncoder::new(&["d"]).fit(&t).unwrap_err().to_string();
        assert!(err.contains("`d` has type date"), "{err}");
        let err = OneHotEncoder::new(&["zz"]).fit(&t).unwrap_err().to_string();
        assert!(
            err.contains("unknown column `zz`") && err.contains("OneHotEncoder::fit"),
            "{err}"
        );
        let all_missing = table(vec![("c", Column::categorical_opt::<&str>(&[None, None]))]);
        let err = OneHotEncoder::new(&["c"])
            .fit(&all_missing)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`c` has 2 missing"), "{err}");
    }

    #[test]
    fn ordinal_codes_unknown_and_missing() {
        let train = table(vec![("s", Column::categorical(&["m", "s", "l", "m"]))]);
        let strict = OrdinalEncoder::new(&["s"]).fit(&train).unwrap();
        let test = table(vec![(
            "s",
            Column::categorical_opt(&[Some("l"), None, Some("s")]),
        )]);
        let out = strict.transform(&test).unwrap();
        let col = out.numeric("s").unwrap();
        assert_eq!(
            (col.get(0), col.get(1), col.get(2)),
            (Some(0.0), None, Some(2.0))
        );
        let test2 = table(vec![("s", Column::categorical(&["xl"]))]);
        assert!(matches!(
            strict.transform(&test2),
            Err(Error::UnknownCategory { row: 0, .. })
        ));
    }

    #[test]
    fn encoders_report_save_load_and_refuse_broken_files() {
        use crate::testutil::{edit, envelope_policy, invalid};
        use serde_json::json;
        let t = table(vec![
            ("c", Column::categorical(&["b", "a", "b", "c"])),
            ("v", Column::boolean(vec![true, false, true, true])),
            ("n", Column::numeric(vec![1.0, 2.0, 3.0, 4.0])),
        ]);
        let oh = OneHotEncoder::all()
            .min_frequency(2)
            .handle_unknown(HandleUnknown::Ignore)
            .fit(&t)
            .unwrap();
        assert_eq!(
            oh.feature_names(),
            vec!["c=b", "c=(infrequent)", "v=true", "v=(infrequent)"]
        );
        let test = table(vec![
            ("c", Column::categorical_opt(&[Some("z"), None, Some("a")])),
            (
                "v",
                Column::boolean_opt(vec![None, Some(false), Some(true)]),
            ),
        ]);
        let mut report = TransformReport::default();
        let out = oh.transform_reporting(&test, &mut report).unwrap();
        assert_eq!(
            out.numeric("c=(infrequent)").unwrap().values(),
            &[0.0, 0.0, 1.0]
        );
        let c = report.column("c").unwrap();
        assert_eq!((c.unknown_categories, c.missing_as_zeros), (1, 1));
        let v = report.column("v").unwrap();
        assert_eq!((v.unknown_categories, v.missing_as_zeros), (0, 1));

        let json = envelope_policy(&oh);
        let o = |k: &str, v: serde_json::Value| invalid::<FittedOneHotEncoder>(&edit(&json, k, v));
        assert!(
            o("levels", json!(["b", "a"]))
                .contains("sorted without duplicates, found `b` before `a`")
        );
        assert!(o("levels", json!(["b", "b"])).contains("sorted without duplicates"));
        assert!(o("infrequent", json!(["c", "a"])).contains("infrequent levels must be sorted"));
        assert!(
            o("infrequent", json!(["a", "b"]))
                .contains("level `b` is both frequent and infrequent")
        );
        let empty = edit(&edit(&json, "levels", json!([])), "infrequent", json!([]));
        assert!(invalid::<FittedOneHotEncoder>(&empty).contains("column `c` has no category"));
        assert!(o("column", json!("v")).contains("column `v` appears twice"));
        // Columns `a=b` (level `c`) and `a` (level `b=c`) both make `a=b=c`.
        let col = |name: &str, level: &str| {
            json!({"column": name, "levels": [level], "infrequent": [],
                   "drop_first": false, "handle_unknown": "error"})
        };
        let clash = edit(&json, "columns", json!([col("a=b", "c"), col("a", "b=c")]));
        assert!(invalid::<FittedOneHotEncoder>(&clash).contains("feature `a=b=c` appears twice"));

        let ord = OrdinalEncoder::all().unknown_value(-1.0).fit(&t).unwrap();
        let mut report = TransformReport::default();
        let out = ord.transform_reporting(&test, &mut report).unwrap();
        assert_eq!(
            out.numeric("c").unwrap().iter().collect::<Vec<_>>(),
            vec![Some(-1.0), None, Some(0.0)]
        );
        assert_eq!(report.column("c").unwrap().unknown_categories, 1);
        let json = envelope_policy(&ord);
        let d = |k: &str, v: serde_json::Value| invalid::<FittedOrdinalEncoder>(&edit(&json, k, v));
        assert!(d("levels", json!(["b", "a"])).contains("sorted without duplicates"));
        assert!(d("levels", json!([])).contains("no category"));
        assert!(d("column", json!("v")).contains("appears twice"));
        let bad = OrdinalEncoder::all()
            .unknown_value(f64::NAN)
            .fit(&t)
            .unwrap_err();
        assert!(matches!(
            bad,
            Error::InvalidParameter {
                name: "unknown_value",
                ..
            }
        ));
    }
}
