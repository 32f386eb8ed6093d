//! One-hot encoding: [`OneHotEncoder`], its fitted form and the fitted
//! encoding of one column.

use ndarray::{Array2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::{
    Coded, DropCategory, ENCODABLE, EncodeCounts, HandleUnknown, MISSING, check_sorted, coded,
    level_counts, no_category,
};
use crate::pipeline::{FittedStep, TransformReport};
use crate::transform::{distinct_names, resolve_columns};
use crate::{Column, Error, Result, Table, Transform, Transformer};

/// Where one category goes in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Feature(usize),
    Zero,
    Unknown,
}

/// The cardinality limits of one fit: `min_frequency` (rows) and
/// `max_categories` (output indicators per column, the infrequent one
/// included), as in scikit-learn's `OneHotEncoder`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) min_frequency: Option<usize>,
    pub(crate) max_categories: Option<usize>,
}

/// The levels of `counts` that keep their own indicator: those seen at
/// least `min_frequency` times; then, if they and the infrequent bucket
/// would make more than `max_categories` indicators, the
/// `max_categories - 1` most frequent of them (ties broken by the level's
/// sort order, so the choice is deterministic).
fn frequent_levels<'a>(
    counts: &std::collections::BTreeMap<&'a str, usize>,
    limits: Limits,
) -> Vec<&'a str> {
    let min = limits.min_frequency.unwrap_or(0);
    let mut kept: Vec<(&str, usize)> = counts
        .iter()
        .filter(|&(_, &k)| k >= min)
        .map(|(&l, &k)| (l, k))
        .collect();
    if let Some(max) = limits.max_categories {
        let has_infrequent = kept.len() < counts.len();
        if kept.len() + usize::from(has_infrequent) > max {
            // Stable sort by count, descending: equal counts keep level order.
            kept.sort_by_key(|k| std::cmp::Reverse(k.1));
            kept.truncate(max.saturating_sub(1));
        }
    }
    let mut levels: Vec<&str> = kept.into_iter().map(|(l, _)| l).collect();
    levels.sort_unstable();
    levels
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
    /// Unseen categories go to the infrequent indicator when there is one
    /// (and `handle_unknown` is `Ignore`). Files written before this field
    /// existed load with `false`: they keep encoding unseen categories as
    /// all zeros, as they did when they were saved.
    #[serde(default)]
    unknown_to_infrequent: bool,
    /// Training rows (after imputation) whose category is infrequent.
    #[serde(default)]
    infrequent_rows: usize,
}

impl OneHotColumn {
    pub(crate) fn fit(
        name: &str,
        coded: &Coded<'_>,
        handle_unknown: HandleUnknown,
        drop: DropCategory,
        limits: Limits,
        table: &Table,
    ) -> Result<Self> {
        let (counts, n_missing) = level_counts(coded);
        if counts.is_empty() {
            return Err(no_category("OneHotEncoder::fit", name, table, n_missing));
        }
        let frequent = frequent_levels(&counts, limits);
        let (mut levels, mut infrequent, mut infrequent_rows) = (Vec::new(), Vec::new(), 0);
        for (l, k) in counts {
            if frequent.contains(&l) {
                levels.push(l.to_owned());
            } else {
                infrequent.push(l.to_owned());
                infrequent_rows += k;
            }
        }
        Ok(OneHotColumn {
            column: name.to_owned(),
            levels,
            infrequent,
            drop_first: drop == DropCategory::First,
            handle_unknown,
            unknown_to_infrequent: true,
            infrequent_rows,
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

    /// Training rows (after any imputation before the encoder) whose
    /// category is infrequent, i.e. encoded by `column=(infrequent)`.
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["a", "a", "b", "c"]))]).unwrap();
    /// let enc = OneHotEncoder::new(&["c"]).max_categories(2).fit(&t).unwrap();
    /// assert_eq!(enc.columns()[0].levels(), &["a"]);
    /// assert_eq!(enc.columns()[0].infrequent_rows(), 2);
    /// ```
    pub fn infrequent_rows(&self) -> usize {
        self.infrequent_rows
    }

    /// Whether an unseen category is encoded by the infrequent indicator
    /// (true for every encoder fitted by this version that has one and
    /// ignores unknown categories; encoders saved by older versions encode
    /// unseen categories as all zeros).
    ///
    /// ```
    /// use ua_data::encode::{HandleUnknown, OneHotEncoder};
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["a", "a", "b"]))]).unwrap();
    /// let enc = OneHotEncoder::new(&["c"]).handle_unknown(HandleUnknown::Ignore).min_frequency(2).fit(&t).unwrap();
    /// assert!(enc.columns()[0].unknown_goes_to_infrequent());
    /// ```
    pub fn unknown_goes_to_infrequent(&self) -> bool {
        self.unknown_to_infrequent
            && !self.infrequent.is_empty()
            && self.handle_unknown == HandleUnknown::Ignore
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
        if self.infrequent.is_empty() && self.infrequent_rows > 0 {
            return Err(format!(
                "column `{}`: {} infrequent training rows but no infrequent level",
                self.column, self.infrequent_rows
            ));
        }
        Ok(())
    }

    /// Writes the indicators of `coded` into `out` (rows × `n_features()`,
    /// zero on entry). Missing values stay all zeros.
    pub(crate) fn write(
        &self,
        op: &'static str,
        coded: &Coded<'_>,
        table: &Table,
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
                    HandleUnknown::Ignore => {
                        counts.unknown += 1;
                        if self.unknown_goes_to_infrequent()
                            && let Some(v) = out.get_mut((r, width - 1))
                        {
                            *v = 1.0;
                        }
                    }
                    HandleUnknown::Error => {
                        let value = coded.levels.get(c as usize).cloned().unwrap_or_default();
                        return Err(Error::UnknownCategory {
                            op,
                            column: self.column.clone(),
                            at: table.locate(r),
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
/// * `max_categories` — at most this many indicators per column, the
///   infrequent one included: the most frequent categories keep their own
///   (equal counts: alphabetical order), the others are infrequent.
///
/// With `handle_unknown = Ignore` and an infrequent indicator, a category
/// unseen at fit time is encoded as infrequent (as scikit-learn's
/// `infrequent_if_exist`). The one-hot matrix (rows × indicators) is checked
/// against the memory budget (`UA_MEMORY_BUDGET`, see
/// [`ua_tensor::budget`]) before it is allocated.
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
    /// At most this many indicators per column, the infrequent one
    /// included: beyond it, only the `max_categories - 1` most frequent
    /// categories keep their own (`None`: no limit). At least 2.
    #[serde(default)]
    pub max_categories: Option<usize>,
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
            max_categories: None,
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

    /// Keeps at most `k` indicators per column, `column=(infrequent)`
    /// included: when a column has more categories, the `k - 1` most
    /// frequent keep their own indicator (equal counts: the alphabetically
    /// first) and the others share the infrequent one. `k` must be at least
    /// 2 (checked by `fit`).
    ///
    /// ```
    /// use ua_data::encode::OneHotEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x", "y", "y", "z", "z", "z"]))]).unwrap();
    /// let enc = OneHotEncoder::new(&["c"]).max_categories(3).fit(&t).unwrap();
    /// assert_eq!(enc.feature_names(), vec!["c=x", "c=y", "c=z"]); // 3 fit in 3
    /// let enc = OneHotEncoder::new(&["c"]).max_categories(2).fit(&t).unwrap();
    /// assert_eq!(enc.feature_names(), vec!["c=z", "c=(infrequent)"]);
    /// let err = OneHotEncoder::new(&["c"]).max_categories(1).fit(&t).unwrap_err().to_string();
    /// assert!(err.contains("max_categories"), "{err}");
    /// ```
    pub fn max_categories(mut self, k: usize) -> Self {
        self.max_categories = Some(k);
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
        if let Some(k) = self.max_categories
            && k < 2
        {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "max_categories",
                message: format!(
                    "got {k}; it counts the infrequent indicator, so it must be at least 2 \
                     (one category and the infrequent bucket)"
                ),
            });
        }
        let limits = Limits {
            min_frequency: self.min_frequency,
            max_categories: self.max_categories,
        };
        let columns = resolve_columns(table, &self.columns, &ENCODABLE)
            .iter()
            .map(|name| {
                let c = coded(table, name, OP)?;
                OneHotColumn::fit(name, &c, self.handle_unknown, self.drop, limits, table)
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
        let width: usize = self.columns.iter().map(OneHotColumn::n_features).sum();
        let count = ua_tensor::budget::elements(OP, &[n, width])?;
        // f64 output columns, plus one f32 block at a time.
        ua_tensor::budget::check_allocation(
            OP,
            &format!("the one-hot encoding of {n} rows into {width} indicator columns"),
            count,
            8,
        )?;
        for col in &self.columns {
            let c = coded(table, &col.column, OP)?;
            let mut block = Array2::<f32>::zeros((n, col.n_features()));
            counts.push(col.write(OP, &c, table, block.view_mut())?);
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

    fn one_hot_columns(&self) -> Vec<&OneHotColumn> {
        self.columns.iter().collect()
    }
}
