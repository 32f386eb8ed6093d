//! `ln(1 + x)`: [`Log1p`] on tables and [`log1p_matrix`] on matrices.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::persist::Persist;

use super::{distinct_names, ensure_finite_column, numeric, resolve_columns};
use crate::pipeline::FittedStep;
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table, Transform, Transformer};

/// `ln(1 + x)` in place for the non-missing values; a value ≤ −1 is an error
/// naming the column and row (ln 0 = −∞).
fn log1p_inplace(
    op: &'static str,
    name: &str,
    values: &mut [f64],
    missing: &[bool],
    table: &Table,
) -> Result<()> {
    ensure_finite_column(op, name, values, missing, table)?;
    for (r, (v, &m)) in values.iter().zip(missing).enumerate() {
        if !m && *v <= -1.0 {
            return Err(Error::BadValue {
                op,
                column: name.to_owned(),
                at: table.locate(r),
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
/// assert!(err.contains("column `spend`: `-2` at row 2"), "{err}");
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
        log1p_inplace(op, name, &mut values, c.missing_mask(), table)?;
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
