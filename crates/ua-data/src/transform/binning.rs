//! [`QuantileBinner`]: equal-count bins with edges learned from the training rows.

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::{distinct_names, ensure_finite_column, numeric, resolve_columns};
use crate::pipeline::FittedStep;
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table, Transform, Transformer};

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
            ensure_finite_column(OP, name, c.values(), c.missing_mask(), table)?;
            buf.clear();
            buf.extend(c.non_missing());
            if buf.is_empty() {
                if c.is_empty() {
                    return Err(ua_tensor::Error::Empty { op: OP }.into());
                }
                return Err(Error::MissingAt {
                    op: OP,
                    column: name.clone(),
                    count: c.len(),
                    at: table.locate(0),
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
            ensure_finite_column(OP, &b.column, c.values(), c.missing_mask(), table)?;
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
