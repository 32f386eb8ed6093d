//! Column-wise numeric transforms on a [`Table`]: [`Log1p`] (for skewed
//! amounts such as spend or order counts), [`QuantileBinner`] (equal-count
//! bins with edges learned from the data) and [`DateParts`] (year, month,
//! day, weekday and day of year of a date column).
//!
//! Each is a [`Transformer`] whose fitted type applies the step to new
//! tables; missing values stay missing. An empty column list means every
//! column of the type the step works on (numeric, or date for
//! [`DateParts`]), which is how the steps are used inside a
//! [`ColumnTransformer`](crate::pipeline::ColumnTransformer) block: there
//! the step sees only the columns of its block. [`log1p_matrix`] is the same
//! `ln(1 + x)` on a plain matrix.
//!
//! ## Fit on the training split only
//!
//! The bin edges of a [`QuantileBinner`] are quantiles of the **training**
//! rows; validation rows and new users are binned with those same edges, so
//! that bin 3 means the same spend range everywhere. (`Log1p` and
//! `DateParts` learn nothing, but follow the same fit/transform shape so they
//! slot into the same pipelines.)
//!
//! ```
//! use ua_data::transform::QuantileBinner;
//! use ua_data::{Column, Table, Transform, Transformer};
//! let train = Table::new(vec![("spend".into(), Column::numeric(vec![1.0, 2.0, 3.0, 4.0, 5.0]))]).unwrap();
//! let binner = QuantileBinner::new(&["spend"], 2).fit(&train).unwrap();
//! assert_eq!(binner.columns()[0].edges(), &[3.0]); // the training median
//! let test = Table::new(vec![("spend".into(), Column::numeric(vec![0.5, 3.0, 99.0]))]).unwrap();
//! assert_eq!(binner.transform(&test).unwrap().numeric("spend").unwrap().values(), &[0.0, 1.0, 1.0]);
//! ```

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::persist::Persist;

use crate::encode::column;
use crate::pipeline::FittedStep;
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table, Transform, Transformer};

/// `names` if not empty, else every column of `table` whose type is in `types`.
pub(crate) fn resolve_columns(
    table: &Table,
    names: &[String],
    types: &[ColumnType],
) -> Vec<String> {
    if !names.is_empty() {
        return names.to_vec();
    }
    table
        .columns()
        .filter(|(_, c)| types.contains(&c.dtype()))
        .map(|(n, _)| n.to_owned())
        .collect()
}

/// Errors when a fitted step lists a column twice.
pub(crate) fn distinct_names<'a>(
    what: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> std::result::Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(format!("{what} `{n}` appears twice"));
        }
    }
    Ok(())
}

/// The numeric column `name`, with errors naming `op` and the column.
pub(crate) fn numeric<'a>(
    table: &'a Table,
    name: &str,
    op: &'static str,
) -> Result<&'a NumericColumn> {
    match column(table, name, op)? {
        Column::Numeric(c) => Ok(c),
        other => Err(Error::TypeMismatch {
            op,
            column: name.to_owned(),
            expected: "numeric".into(),
            found: other.dtype().name().into(),
        }),
    }
}

/// Errors on the first NaN or infinite value that is not marked missing.
pub(crate) fn ensure_finite_column(
    op: &'static str,
    name: &str,
    values: &[f64],
    missing: &[bool],
) -> Result<()> {
    for (r, (v, &m)) in values.iter().zip(missing).enumerate() {
        if !m && !v.is_finite() {
            return Err(Error::InvalidValue {
                op,
                column: name.to_owned(),
                row: r,
                value: format!("{v}"),
                expected: "a finite number (mark missing values as missing)".into(),
            });
        }
    }
    Ok(())
}

/// The `i / n`-th quantile of sorted values, linearly interpolated, with
/// the position `i·(len − 1) / n` computed without rounding error in the
/// fraction (so `[1, …, 10]` at 1/3 gives exactly 4).
fn quantile_at(sorted: &[f64], i: usize, n: usize) -> f64 {
    let num = i * (sorted.len() - 1);
    let lo = num / n;
    let frac = (num % n) as f64 / n as f64;
    let hi = (lo + 1).min(sorted.len() - 1);
    match (sorted.get(lo), sorted.get(hi)) {
        (Some(&a), Some(&b)) => a + (b - a) * frac,
        _ => f64::NAN,
    }
}

/// `ln(1 + x)` in place for the non-missing values; a value ≤ −1 is an error
/// naming the column and row (ln 0 = −∞).
pub(crate) fn log1p_inplace(
    op: &'static str,
    name: &str,
    values: &mut [f64],
    missing: &[bool],
) -> Result<()> {
    ensure_finite_column(op, name, values, missing)?;
    for (r, (v, &m)) in values.iter().zip(missing).enumerate() {
        if !m && *v <= -1.0 {
            return Err(Error::InvalidValue {
                op,
                column: name.to_owned(),
                row: r,
                value: format!("{v}"),
                expected: "a value greater than -1 for log1p".into(),
            });
        }
    }
    for (v, &m) in values.iter_mut().zip(missing) {
        if !m {
            *v = v.ln_1p();
        }
    }
    Ok(())
}

/// `ln(1 + x)` of every entry of a matrix (`f32` or `f64`), for
/// right-skewed amounts held in a plain matrix (e.g. recency, frequency and
/// monetary value before a [`StandardScaler`](crate::scale::StandardScaler)).
///
/// Errors name the row and column of the first value that is not finite or
/// is ≤ −1 (`ln 0 = −∞`).
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::StandardScaler;
/// use ua_data::transform::log1p_matrix;
/// let rfm = array![[3.0f64, 0.0], [0.0, 99.0], [1.0, 9.0]];
/// let logged = log1p_matrix(rfm.view()).unwrap();
/// assert!((logged[[1, 1]] - 100f64.ln()).abs() < 1e-12);
/// let scaler = StandardScaler::default().fit_matrix(logged.view()).unwrap();
/// let z = scaler.transform_matrix(logged.view()).unwrap();
/// assert!(z.column(0).sum().abs() < 1e-12);
/// let err = log1p_matrix(array![[1.0f32, -1.0]].view()).unwrap_err().to_string();
/// assert!(err.contains("column `1`, row 0: value `-1`"), "{err}");
/// let err = log1p_matrix(array![[f64::NAN]].view()).unwrap_err().to_string();
/// assert!(err.contains("row 0, column 0"), "{err}");
/// ```
pub fn log1p_matrix<S: Scalar>(x: ArrayView2<'_, S>) -> Result<Array2<S>> {
    const OP: &str = "log1p_matrix";
    let mut out = x.to_owned();
    for ((r, c), v) in out.indexed_iter_mut() {
        let f = v.as_f64();
        if !f.is_finite() {
            return Err(ua_tensor::Error::NonFinite {
                op: OP,
                position: format!("row {r}, column {c}"),
                value: format!("{f}"),
            }
            .into());
        }
        if f <= -1.0 {
            return Err(Error::InvalidValue {
                op: OP,
                column: c.to_string(),
                row: r,
                value: format!("{f}"),
                expected: "a value greater than -1 for log1p".into(),
            });
        }
        *v = S::lit(f.ln_1p());
    }
    Ok(out)
}

/// `ln(1 + x)` of numeric columns, for right-skewed non-negative amounts.
///
/// Values must be greater than −1: anything else is an error naming the
/// column and row (at fit time for the training table, at transform time
/// for new ones).
///
/// ```
/// use ua_data::transform::Log1p;
/// use ua_data::{Column, Table, Transform, Transformer};
/// let t = Table::new(vec![("spend".into(), Column::numeric(vec![0.0, std::f64::consts::E - 1.0]))]).unwrap();
/// let out = Log1p::new(&["spend"]).fit(&t).unwrap().transform(&t).unwrap();
/// assert!((out.numeric("spend").unwrap().values()[1] - 1.0).abs() < 1e-12);
/// let bad = Table::new(vec![("spend".into(), Column::numeric(vec![3.0, -2.0]))]).unwrap();
/// let err = Log1p::new(&["spend"]).fit(&bad).unwrap_err().to_string();
/// assert!(err.contains("`spend`, row 1"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log1p {
    /// The columns to transform.
    pub columns: Vec<String>,
}

impl Log1p {
    /// `ln(1 + x)` of `columns`.
    ///
    /// ```
    /// assert_eq!(ua_data::transform::Log1p::new(&["a"]).columns, vec!["a"]);
    /// ```
    pub fn new(columns: &[&str]) -> Self {
        Log1p {
            columns: columns.iter().map(|&c| c.to_owned()).collect(),
        }
    }

    /// `ln(1 + x)` of every numeric column of the table it is fitted on.
    ///
    /// ```
    /// use ua_data::transform::Log1p;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![
    ///     ("n".into(), Column::numeric(vec![1.0])),
    ///     ("c".into(), Column::categorical(&["a"])),
    /// ]).unwrap();
    /// assert_eq!(Log1p::all().fit(&t).unwrap().columns(), &["n"]);
    /// ```
    pub fn all() -> Self {
        Log1p {
            columns: Vec::new(),
        }
    }
}

/// A fitted [`Log1p`] (it learns nothing; fitting checks the columns).
///
/// ```
/// use ua_data::transform::{FittedLog1p, Log1p};
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("a".into(), Column::numeric(vec![1.0]))]).unwrap();
/// let f: FittedLog1p = Log1p::new(&["a"]).fit(&t).unwrap();
/// assert_eq!(f.columns(), &["a"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FittedLog1p {
    columns: Vec<String>,
}

impl FittedLog1p {
    /// The transformed columns.
    ///
    /// ```
    /// use ua_data::transform::Log1p;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("a".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// assert_eq!(Log1p::new(&["a"]).fit(&t).unwrap().columns().len(), 1);
    /// ```
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
}

impl Transformer for Log1p {
    type Fitted = FittedLog1p;

    /// Checks that the columns exist, are numeric and hold values > −1.
    fn fit(&self, table: &Table) -> Result<FittedLog1p> {
        let fitted = FittedLog1p {
            columns: resolve_columns(table, &self.columns, &[ColumnType::Numeric]),
        };
        apply_log1p(&fitted, "Log1p::fit", table)?;
        Ok(fitted)
    }
}

fn apply_log1p(f: &FittedLog1p, op: &'static str, table: &Table) -> Result<Table> {
    let mut out = table.clone();
    for name in &f.columns {
        let c = numeric(table, name, op)?;
        let mut values = c.values().to_vec();
        log1p_inplace(op, name, &mut values, c.missing_mask())?;
        out.replace_column(
            name,
            Column::Numeric(NumericColumn::new(values, c.missing_mask().to_vec())?),
        )?;
    }
    Ok(out)
}

impl Transform for FittedLog1p {
    /// Replaces each column by `ln(1 + x)`.
    fn transform(&self, table: &Table) -> Result<Table> {
        apply_log1p(self, "Log1p::transform", table)
    }
}

impl Persist for FittedLog1p {
    const KIND: &'static str = "ua-data/log1p";

    /// Column names are distinct.
    fn validate(&self) -> std::result::Result<(), String> {
        distinct_names("column", self.columns.iter().map(String::as_str))
    }
}

#[typetag::serde(name = "ua-data/log1p")]
impl FittedStep for FittedLog1p {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}

/// Equal-frequency binning: each numeric column is replaced by its bin
/// index `0..n_bins`, with bin edges at the training quantiles
/// `1/n_bins, 2/n_bins, …` (linear interpolation, like NumPy).
///
/// A value equal to an edge goes to the upper bin; values below the first
/// or above the last training quantile go to the first or last bin.
/// Duplicate edges (many equal values) are merged, so a column can end up
/// with fewer bins — a constant column has a single bin 0.
///
/// ```
/// use ua_data::transform::QuantileBinner;
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![7.0, 7.0, 7.0]))]).unwrap();
/// let b = QuantileBinner::new(&["x"], 4).fit(&t).unwrap();
/// assert_eq!(b.columns()[0].n_bins(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantileBinner {
    /// The columns to bin.
    pub columns: Vec<String>,
    /// Number of bins, at least 2.
    pub n_bins: usize,
}

impl QuantileBinner {
    /// Bins `columns` into `n_bins` equal-count bins.
    ///
    /// ```
    /// assert_eq!(ua_data::transform::QuantileBinner::new(&["a"], 5).n_bins, 5);
    /// ```
    pub fn new(columns: &[&str], n_bins: usize) -> Self {
        QuantileBinner {
            columns: columns.iter().map(|&c| c.to_owned()).collect(),
            n_bins,
        }
    }

    /// Bins every numeric column of the table it is fitted on.
    ///
    /// ```
    /// use ua_data::transform::QuantileBinner;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0, 3.0]))]).unwrap();
    /// assert_eq!(QuantileBinner::all(3).fit(&t).unwrap().columns()[0].column(), "x");
    /// ```
    pub fn all(n_bins: usize) -> Self {
        QuantileBinner {
            columns: Vec::new(),
            n_bins,
        }
    }
}

/// The learned inner bin edges of one column.
///
/// ```
/// use ua_data::transform::QuantileBinner;
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![0.0, 1.0, 2.0, 3.0, 4.0]))]).unwrap();
/// let b = QuantileBinner::new(&["x"], 4).fit(&t).unwrap();
/// assert_eq!(b.columns()[0].edges(), &[1.0, 2.0, 3.0]);
/// assert_eq!(b.columns()[0].bin(2.5), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinEdges {
    column: String,
    edges: Vec<f64>,
}

impl BinEdges {
    /// The input column's name.
    ///
    /// ```
    /// use ua_data::transform::QuantileBinner;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// assert_eq!(QuantileBinner::new(&["x"], 2).fit(&t).unwrap().columns()[0].column(), "x");
    /// ```
    pub fn column(&self) -> &str {
        &self.column
    }

    /// Inner edges, strictly increasing (`n_bins() − 1` of them).
    ///
    /// ```
    /// use ua_data::transform::QuantileBinner;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// assert_eq!(QuantileBinner::new(&["x"], 2).fit(&t).unwrap().columns()[0].edges(), &[1.5]);
    /// ```
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Number of bins.
    ///
    /// ```
    /// use ua_data::transform::QuantileBinner;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0, 3.0]))]).unwrap();
    /// assert_eq!(QuantileBinner::new(&["x"], 3).fit(&t).unwrap().columns()[0].n_bins(), 3);
    /// ```
    pub fn n_bins(&self) -> usize {
        self.edges.len() + 1
    }

    /// The bin of `x`: the number of edges ≤ `x`.
    ///
    /// ```
    /// use ua_data::transform::QuantileBinner;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// let fitted = QuantileBinner::new(&["x"], 2).fit(&t).unwrap();
    /// let b = &fitted.columns()[0];
    /// assert_eq!((b.bin(1.0), b.bin(1.5), b.bin(9.0)), (0, 1, 1));
    /// ```
    pub fn bin(&self, x: f64) -> usize {
        self.edges.partition_point(|&e| e <= x)
    }
}

/// A fitted [`QuantileBinner`]: edges per column.
///
/// ```
/// use ua_data::transform::{FittedQuantileBinner, QuantileBinner};
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![0.1, 0.7, 0.3]))]).unwrap();
/// let b = QuantileBinner::new(&["x"], 3).fit(&t).unwrap();
/// let back: FittedQuantileBinner = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
/// assert_eq!(back, b);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedQuantileBinner {
    columns: Vec<BinEdges>,
}

impl FittedQuantileBinner {
    /// The edges of each column.
    ///
    /// ```
    /// use ua_data::transform::QuantileBinner;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// assert_eq!(QuantileBinner::new(&["x"], 2).fit(&t).unwrap().columns().len(), 1);
    /// ```
    pub fn columns(&self) -> &[BinEdges] {
        &self.columns
    }
}

impl Transformer for QuantileBinner {
    type Fitted = FittedQuantileBinner;

    /// Learns the quantile edges of each column from its non-missing values.
    /// Errors: `n_bins < 2`, a non-numeric or unknown column, a column with
    /// no non-missing value, a NaN/infinite value.
    fn fit(&self, table: &Table) -> Result<FittedQuantileBinner> {
        const OP: &str = "QuantileBinner::fit";
        if self.n_bins < 2 {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "n_bins",
                message: format!("at least 2 bins are needed, found {}", self.n_bins),
            });
        }
        let names = resolve_columns(table, &self.columns, &[ColumnType::Numeric]);
        let mut columns = Vec::with_capacity(names.len());
        let mut buf = Vec::new();
        for name in &names {
            let c = numeric(table, name, OP)?;
            ensure_finite_column(OP, name, c.values(), c.missing_mask())?;
            buf.clear();
            buf.extend(c.non_missing());
            if buf.is_empty() {
                return Err(Error::MissingValues {
                    op: OP,
                    column: name.clone(),
                    count: c.len(),
                    first_row: 0,
                });
            }
            buf.sort_unstable_by(f64::total_cmp);
            let mut edges: Vec<f64> = Vec::with_capacity(self.n_bins - 1);
            for i in 1..self.n_bins {
                let e = quantile_at(&buf, i, self.n_bins);
                if edges.last().is_none_or(|&last| e > last) {
                    edges.push(e);
                }
            }
            // Edges at the minimum would leave bin 0 empty: drop them.
            let min = buf.first().copied().unwrap_or_default();
            edges.retain(|&e| e > min);
            columns.push(BinEdges {
                column: name.clone(),
                edges,
            });
        }
        Ok(FittedQuantileBinner { columns })
    }
}

impl Persist for FittedQuantileBinner {
    const KIND: &'static str = "ua-data/quantile-binner";

    /// Column names are distinct; edges are finite and strictly increasing.
    fn validate(&self) -> std::result::Result<(), String> {
        distinct_names("column", self.columns.iter().map(|b| b.column.as_str()))?;
        for b in &self.columns {
            if let Some(e) = b.edges.iter().find(|e| !e.is_finite()) {
                return Err(format!("column `{}`: bin edge {e} is not finite", b.column));
            }
            if let Some(w) = b.edges.windows(2).find(|w| w[0] >= w[1]) {
                return Err(format!(
                    "column `{}`: bin edges must increase strictly, found {} then {}",
                    b.column, w[0], w[1]
                ));
            }
        }
        Ok(())
    }
}

#[typetag::serde(name = "ua-data/quantile-binner")]
impl FittedStep for FittedQuantileBinner {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}

impl Transform for FittedQuantileBinner {
    /// Replaces each column by its bin indices (missing stays missing).
    fn transform(&self, table: &Table) -> Result<Table> {
        const OP: &str = "QuantileBinner::transform";
        let mut out = table.clone();
        for b in &self.columns {
            let c = numeric(table, &b.column, OP)?;
            ensure_finite_column(OP, &b.column, c.values(), c.missing_mask())?;
            let values = c
                .values()
                .iter()
                .zip(c.missing_mask())
                .map(|(&v, &m)| if m { f64::NAN } else { b.bin(v) as f64 })
                .collect();
            out.replace_column(
                &b.column,
                Column::Numeric(NumericColumn::new(values, c.missing_mask().to_vec())?),
            )?;
        }
        Ok(out)
    }
}

/// A calendar part of a date.
///
/// ```
/// use ua_data::transform::DatePart;
/// let d = ua_data::date::from_ymd(2024, 3, 1).unwrap(); // a Friday
/// assert_eq!(DatePart::Weekday.of(d), 4.0);
/// assert_eq!(DatePart::DayOfYear.of(d), 61.0); // leap year
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// The year, e.g. 2024.
    Year,
    /// The month, 1–12.
    Month,
    /// The day of the month, 1–31.
    Day,
    /// The day of the week, 0 = Monday … 6 = Sunday.
    Weekday,
    /// The day of the year, 1–366.
    DayOfYear,
}

impl DatePart {
    /// All five parts, in declaration order.
    pub const ALL: [DatePart; 5] = [
        DatePart::Year,
        DatePart::Month,
        DatePart::Day,
        DatePart::Weekday,
        DatePart::DayOfYear,
    ];

    /// The suffix of the output column: `year`, `month`, `day`, `weekday`, `day_of_year`.
    ///
    /// ```
    /// assert_eq!(ua_data::transform::DatePart::DayOfYear.name(), "day_of_year");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Month => "month",
            DatePart::Day => "day",
            DatePart::Weekday => "weekday",
            DatePart::DayOfYear => "day_of_year",
        }
    }

    /// The part of the date `days` (days since 1970-01-01).
    ///
    /// ```
    /// use ua_data::transform::DatePart;
    /// assert_eq!(DatePart::Year.of(0), 1970.0);
    /// assert_eq!(DatePart::Weekday.of(0), 3.0); // 1970-01-01 was a Thursday
    /// ```
    pub fn of(self, days: i32) -> f64 {
        let (y, m, d) = crate::date::ymd(days);
        match self {
            DatePart::Year => f64::from(y),
            DatePart::Month => f64::from(m),
            DatePart::Day => f64::from(d),
            DatePart::Weekday => f64::from(crate::date::weekday(days)),
            DatePart::DayOfYear => {
                let jan1 = crate::date::from_ymd(y, 1, 1).unwrap_or(days);
                f64::from(days - jan1 + 1)
            }
        }
    }
}

/// Splits each date column into numeric calendar parts named
/// `column.part` (e.g. `signup.month`), in place of the date column.
/// Missing dates give missing parts.
///
/// ```
/// use ua_data::transform::{DatePart, DateParts};
/// use ua_data::{Column, Table, Transform, Transformer};
/// let d = ua_data::date::from_ymd(2023, 12, 31).unwrap();
/// let t = Table::new(vec![("signup".into(), Column::date(vec![d]))]).unwrap();
/// let parts = DateParts::new(&["signup"], &[DatePart::Month, DatePart::DayOfYear]);
/// let out = parts.fit(&t).unwrap().transform(&t).unwrap();
/// assert_eq!(out.column_names(), vec!["signup.month", "signup.day_of_year"]);
/// assert_eq!(out.numeric("signup.day_of_year").unwrap().values(), &[365.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateParts {
    /// The date columns.
    pub columns: Vec<String>,
    /// The parts to extract, in output order.
    pub parts: Vec<DatePart>,
}

impl DateParts {
    /// Extracts `parts` from `columns`.
    ///
    /// ```
    /// use ua_data::transform::{DatePart, DateParts};
    /// assert_eq!(DateParts::new(&["d"], &DatePart::ALL).parts.len(), 5);
    /// ```
    pub fn new(columns: &[&str], parts: &[DatePart]) -> Self {
        DateParts {
            columns: columns.iter().map(|&c| c.to_owned()).collect(),
            parts: parts.to_vec(),
        }
    }

    /// Extracts `parts` from every date column of the table it is fitted on.
    ///
    /// ```
    /// use ua_data::transform::{DatePart, DateParts};
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![0]))]).unwrap();
    /// assert_eq!(DateParts::all(&[DatePart::Year]).fit(&t).unwrap().feature_names(), vec!["d.year"]);
    /// ```
    pub fn all(parts: &[DatePart]) -> Self {
        DateParts {
            columns: Vec::new(),
            parts: parts.to_vec(),
        }
    }
}

/// A fitted [`DateParts`] (it learns nothing; fitting checks the columns).
///
/// ```
/// use ua_data::transform::{DatePart, DateParts, FittedDateParts};
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("d".into(), Column::date(vec![0]))]).unwrap();
/// let f: FittedDateParts = DateParts::new(&["d"], &[DatePart::Year]).fit(&t).unwrap();
/// assert_eq!(f.feature_names(), vec!["d.year"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FittedDateParts {
    spec: DateParts,
}

/// Calendar parts of a date column: one `(values, missing)` pair per part.
pub(crate) fn date_parts(
    table: &Table,
    name: &str,
    parts: &[DatePart],
    op: &'static str,
) -> Result<Vec<(Vec<f64>, Vec<bool>)>> {
    let c = match column(table, name, op)? {
        Column::Date(c) => c,
        other => {
            return Err(Error::TypeMismatch {
                op,
                column: name.to_owned(),
                expected: "date".into(),
                found: other.dtype().name().into(),
            });
        }
    };
    Ok(parts
        .iter()
        .map(|&p| {
            let values = c
                .days()
                .iter()
                .zip(c.missing_mask())
                .map(|(&d, &m)| if m { f64::NAN } else { p.of(d) })
                .collect();
            (values, c.missing_mask().to_vec())
        })
        .collect())
}

impl FittedDateParts {
    /// Output column names, `column.part`, column by column.
    ///
    /// ```
    /// use ua_data::transform::{DatePart, DateParts};
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![0]))]).unwrap();
    /// let f = DateParts::new(&["d"], &[DatePart::Year, DatePart::Month]).fit(&t).unwrap();
    /// assert_eq!(f.feature_names(), vec!["d.year", "d.month"]);
    /// ```
    pub fn feature_names(&self) -> Vec<String> {
        self.spec
            .columns
            .iter()
            .flat_map(|c| {
                self.spec
                    .parts
                    .iter()
                    .map(move |p| format!("{c}.{}", p.name()))
            })
            .collect()
    }
}

impl Transformer for DateParts {
    type Fitted = FittedDateParts;

    /// Checks that the columns exist and hold dates, and that parts are given.
    fn fit(&self, table: &Table) -> Result<FittedDateParts> {
        const OP: &str = "DateParts::fit";
        if self.parts.is_empty() {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "parts",
                message: "no date part requested; name at least one".into(),
            });
        }
        if let Some(p) = self
            .parts
            .iter()
            .enumerate()
            .find_map(|(i, p)| self.parts[..i].contains(p).then_some(p))
        {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "parts",
                message: format!("the part {} is listed twice", p.name()),
            });
        }
        let columns = resolve_columns(table, &self.columns, &[ColumnType::Date]);
        for name in &columns {
            date_parts(table, name, &[], OP)?;
        }
        Ok(FittedDateParts {
            spec: DateParts {
                columns,
                parts: self.parts.clone(),
            },
        })
    }
}

impl Persist for FittedDateParts {
    const KIND: &'static str = "ua-data/date-parts";

    /// At least one part, no part twice, column names distinct.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.spec.parts.is_empty() {
            return Err("no date part".into());
        }
        distinct_names("date part", self.spec.parts.iter().map(|p| p.name()))?;
        distinct_names("column", self.spec.columns.iter().map(String::as_str))
    }
}

#[typetag::serde(name = "ua-data/date-parts")]
impl FittedStep for FittedDateParts {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}

impl Transform for FittedDateParts {
    /// Replaces each date column by its parts.
    fn transform(&self, table: &Table) -> Result<Table> {
        const OP: &str = "DateParts::transform";
        let mut expanded = Vec::with_capacity(self.spec.columns.len());
        for name in &self.spec.columns {
            expanded.push(Some(date_parts(table, name, &self.spec.parts, OP)?));
        }
        let mut out = Vec::new();
        for (name, col) in table.columns() {
            match self.spec.columns.iter().position(|c| c == name) {
                Some(i) => {
                    let parts = expanded
                        .get_mut(i)
                        .and_then(Option::take)
                        .unwrap_or_default();
                    for (p, (values, missing)) in self.spec.parts.iter().zip(parts) {
                        out.push((
                            format!("{name}.{}", p.name()),
                            Column::Numeric(NumericColumn::new(values, missing)?),
                        ));
                    }
                }
                None => out.push((name.to_owned(), col.clone())),
            }
        }
        Table::new(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::from_ymd;

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn log1p_values_missing_and_errors() {
        let t = table(vec![(
            "x",
            Column::numeric_opt(vec![Some(0.0), None, Some(1.0), Some(-0.5)]),
        )]);
        let out = Log1p::new(&["x"]).fit(&t).unwrap().transform(&t).unwrap();
        let c = out.numeric("x").unwrap();
        assert_eq!(c.get(0), Some(0.0));
        assert_eq!(c.get(1), None);
        assert!((c.get(2).unwrap() - 2f64.ln()).abs() < 1e-15);
        assert!((c.get(3).unwrap() - 0.5f64.ln()).abs() < 1e-15);
        let bad = table(vec![("x", Column::numeric(vec![0.0, -1.0]))]);
        let f = Log1p::new(&["x"]).fit(&t).unwrap();
        match f.transform(&bad).unwrap_err() {
            Error::InvalidValue { column, row, .. } => assert_eq!((column.as_str(), row), ("x", 1)),
            e => panic!("unexpected {e}"),
        }
        let cat = table(vec![("x", Column::categorical(&["a"]))]);
        assert!(matches!(
            Log1p::new(&["x"]).fit(&cat),
            Err(Error::TypeMismatch { .. })
        ));
    }

    #[test]
    fn quantile_edges_match_numpy() {
        // np.quantile([1,2,3,4,5,6,7,8,9,10], [1/3, 2/3]) = [4.0, 7.0]
        let t = table(vec![(
            "x",
            Column::numeric_opt((1..=10).map(|v| Some(f64::from(v))).chain([None]).collect()),
        )]);
        let b = QuantileBinner::new(&["x"], 3).fit(&t).unwrap();
        assert_eq!(b.columns()[0].edges(), &[4.0, 7.0]);
        let out = b.transform(&t).unwrap();
        let c = out.numeric("x").unwrap();
        let bins: Vec<Option<f64>> = c.iter().collect();
        assert_eq!(
            bins,
            vec![
                Some(0.0),
                Some(0.0),
                Some(0.0),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(2.0),
                Some(2.0),
                Some(2.0),
                Some(2.0),
                None
            ]
        );
    }

    #[test]
    fn quantile_binner_merges_duplicate_edges() {
        // Quartiles of [0,0,0,0,0,0,1,2]: 0, 0, 0.25 → edges [0.25] after merging.
        let t = table(vec![(
            "x",
            Column::numeric(vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0]),
        )]);
        let b = QuantileBinner::new(&["x"], 4).fit(&t).unwrap();
        assert_eq!(b.columns()[0].edges(), &[0.25]);
        assert!(QuantileBinner::new(&["x"], 1).fit(&t).is_err());
    }

    #[test]
    fn date_parts_by_hand() {
        let d = from_ymd(2024, 12, 31).unwrap(); // a Tuesday, day 366 of a leap year
        let t = table(vec![
            ("id", Column::numeric(vec![1.0, 2.0])),
            ("d", Column::date_opt(vec![Some(d), None])),
        ]);
        let out = DateParts::new(&["d"], &DatePart::ALL)
            .fit(&t)
            .unwrap()
            .transform(&t)
            .unwrap();
        assert_eq!(
            out.column_names(),
            vec![
                "id",
                "d.year",
                "d.month",
                "d.day",
                "d.weekday",
                "d.day_of_year"
            ]
        );
        let get = |n: &str| out.numeric(n).unwrap().get(0).unwrap();
        assert_eq!(
            [
                get("d.year"),
                get("d.month"),
                get("d.day"),
                get("d.weekday"),
                get("d.day_of_year")
            ],
            [2024.0, 12.0, 31.0, 1.0, 366.0]
        );
        assert_eq!(out.numeric("d.month").unwrap().get(1), None);
        let err = DateParts::new(&["id"], &[DatePart::Year])
            .fit(&t)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`id` has type numeric, expected date"),
            "{err}"
        );
    }

    #[test]
    fn transforms_save_load_and_refuse_broken_files() {
        use crate::testutil::{edit, envelope_policy, invalid};
        use serde_json::json;
        let t = table(vec![
            ("x", Column::numeric(vec![0.0, 1.0, 2.0, 3.0, 4.0])),
            ("d", Column::date(vec![0, 1, 2, 3, 4])),
            ("c", Column::categorical(&["a", "b", "a", "b", "a"])),
        ]);
        let log = Log1p::all().fit(&t).unwrap();
        assert_eq!(log.columns(), &["x"]);
        let json = envelope_policy(&log);
        assert!(
            invalid::<FittedLog1p>(&edit(&json, "columns", json!(["x", "x"])))
                .contains("column `x` appears twice")
        );

        let bins = QuantileBinner::all(4).fit(&t).unwrap();
        assert_eq!(bins.columns()[0].edges(), &[1.0, 2.0, 3.0]);
        let json = envelope_policy(&bins);
        let b = |v: serde_json::Value| invalid::<FittedQuantileBinner>(&edit(&json, "edges", v));
        assert!(b(json!([1.0, 1.0])).contains("increase strictly, found 1 then 1"));
        assert!(b(json!([2.0, 1.0])).contains("increase strictly"));
        assert!(!b(json!([1.0, null])).is_empty());
        let e = QuantileBinner::all(1).fit(&t).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { name: "n_bins", .. }),
            "{e}"
        );

        let parts = DateParts::all(&[DatePart::Month, DatePart::Day])
            .fit(&t)
            .unwrap();
        assert_eq!(parts.feature_names(), vec!["d.month", "d.day"]);
        let json = envelope_policy(&parts);
        let p = |k: &str, v: serde_json::Value| invalid::<FittedDateParts>(&edit(&json, k, v));
        assert!(p("parts", json!(["month", "month"])).contains("date part `month` appears twice"));
        assert!(p("parts", json!([])).contains("no date part"));
        assert!(p("columns", json!(["d", "d"])).contains("column `d` appears twice"));
        for bad in [vec![], vec![DatePart::Day, DatePart::Day]] {
            let e = DateParts::all(&bad).fit(&t).unwrap_err();
            assert!(
                matches!(e, Error::InvalidParameter { name: "parts", .. }),
                "{e}"
            );
        }
    }
}
