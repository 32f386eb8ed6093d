//! Column scalers: [`StandardScaler`], [`MinMaxScaler`] and
//! [`RobustScaler`], on tables and on plain matrices, each with an inverse.
//!
//! A scaler's *parameters* (`StandardScaler { with_mean, with_std }`) and
//! its *fitted state* (`FittedStandardScaler`, holding the column means and
//! scales) are separate types: only a fitted scaler transforms, so a
//! transform before `fit` cannot be written. Every scaler works two ways:
//!
//! * **on a [`Table`]** through [`Transformer`] / [`Transform`]: `fit`
//!   learns every numeric column of the table (inside a
//!   [`ColumnTransformer`](crate::pipeline::ColumnTransformer) block, the
//!   block's columns); `transform` scales those columns by name, leaves the
//!   other columns alone and keeps missing values missing. Fitting refuses
//!   missing values (impute first) and names the column and row of a
//!   NaN/infinite value;
//! * **on a matrix** (`f32` or `f64`, any layout): `fit_matrix`,
//!   `transform_matrix`, `transform_matrix_inplace` and the inverses. Errors
//!   give the row and column index.
//!
//! Statistics are computed and stored in `f64`. Fitted scalers save and load
//! through [`Persist`] (their invariants — equal lengths, finite statistics,
//! positive scales — are checked at load).
//!
//! ## One standardisation rule
//!
//! [`StandardScaler`] is the one definition of a z-score in the workspace:
//! `(x − mean) / std` with the *population* standard deviation (divide by
//! `n`), and **scale 1 for a constant column** (variance at most
//! `n·ε·var + (n·ε·mean)²`, scikit-learn's rounding allowance), so a
//! constant column maps to 0 instead of NaN. Code that standardises
//! features (RFM scores, embeddings) uses it rather than its own formula.
//!
//! ## Fit on the training split only
//!
//! Fit a scaler on the training rows, then reuse the *same* fitted scaler,
//! unchanged, for the validation rows, the test rows and every new user.
//! Fitting a second scaler on validation data, or feeding new users
//! unscaled, makes the model see numbers on a different scale from the ones
//! it was trained on.
//!
//! ```
//! use ua_data::ndarray::array;
//! use ua_data::scale::StandardScaler;
//! use ua_data::{Column, Table, Transform, Transformer};
//!
//! let train = array![[1.0f32, 10.0], [3.0, 10.0]];
//! let scaler = StandardScaler::default().fit_matrix(train.view()).unwrap();
//! // Column 1 is constant: its scale is 1, so it maps to 0 instead of NaN.
//! assert_eq!(scaler.transform_matrix(train.view()).unwrap(), array![[-1.0, 0.0], [1.0, 0.0]]);
//! // New rows are scaled with the training statistics.
//! let new_user = array![[5.0f32, 12.0]];
//! assert_eq!(scaler.transform_matrix(new_user.view()).unwrap(), array![[3.0, 2.0]]);
//!
//! // The same on a table: numeric columns are scaled by name.
//! let t = Table::new(vec![
//!     ("spend".into(), Column::numeric(vec![1.0, 3.0])),
//!     ("city".into(), Column::categorical(&["Oslo", "Rome"])),
//! ]).unwrap();
//! let fitted = StandardScaler::default().fit(&t).unwrap();
//! assert_eq!(fitted.columns(), &["spend"]);
//! assert_eq!(fitted.transform(&t).unwrap().numeric("spend").unwrap().values(), &[-1.0, 1.0]);
//! ```

mod minmax;
mod robust;
mod standard;

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::persist::Persist;

use crate::pipeline::FittedStep;
use crate::transform::{distinct_names, ensure_finite_column, locate, numeric, show_number};
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table, Transform, Transformer};

pub use minmax::{FittedMinMaxScaler, MinMaxScaler};
pub use robust::{FittedRobustScaler, RobustScaler};
pub use standard::{FittedStandardScaler, StandardScaler, standard_scale};

/// Errors unless `x` has at least one row.
fn ensure_rows<S>(op: &'static str, x: &ArrayView2<S>) -> Result<()> {
    if x.nrows() == 0 {
        Err(ua_tensor::Error::Empty { op }.into())
    } else {
        Ok(())
    }
}

/// Errors with the row and column of the first NaN or infinite value.
fn ensure_finite_rc<S: Scalar>(op: &'static str, x: &ArrayView2<S>) -> Result<()> {
    if x.iter().fold(true, |ok, v| ok & v.is_finite()) {
        return Ok(());
    }
    for ((r, c), v) in x.indexed_iter() {
        if !v.is_finite() {
            return Err(ua_tensor::Error::NonFinite {
                op,
                position: format!("row {r}, column {c}"),
                value: format!("{v}"),
            }
            .into());
        }
    }
    Ok(())
}

/// Every numeric column of `table` as a `rows × columns` matrix, with their
/// names. Errors name the column (and row): no row, no numeric column, a
/// missing value, a NaN or infinite value.
fn numeric_block(op: &'static str, table: &Table) -> Result<(Vec<String>, Array2<f64>)> {
    let names: Vec<String> = table
        .columns()
        .filter(|(_, c)| c.dtype() == ColumnType::Numeric)
        .map(|(n, _)| n.to_owned())
        .collect();
    if names.is_empty() {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "the table has no numeric column to scale (columns: {})",
                table.column_names().join(", ")
            ),
        });
    }
    if table.n_rows() == 0 {
        return Err(ua_tensor::Error::Empty { op }.into());
    }
    let mut x = Array2::<f64>::zeros((table.n_rows(), names.len()));
    for (j, name) in names.iter().enumerate() {
        let c = numeric(table, name, op)?;
        if let Some(first_row) = c.missing_mask().iter().position(|&m| m) {
            return Err(Error::MissingAt {
                op,
                column: name.clone(),
                count: c.missing_count(),
                at: table.locate(first_row),
            });
        }
        ensure_finite_column(op, name, c.values(), c.missing_mask(), table)?;
        x.column_mut(j)
            .iter_mut()
            .zip(c.values())
            .for_each(|(o, &v)| *o = v);
    }
    Ok((names, x))
}

/// A power of two `c` with `max_abs / c` in `[1, 2)` when `max_abs` is huge
/// (above 2^500, where squares and sums start to overflow), else 1.
/// Dividing by a power of two is exact, so the scaled sums round exactly
/// like the unscaled ones would have.
pub(crate) fn overflow_scale(max_abs: f64) -> f64 {
    const HUGE: f64 = 3.273_390_607_896_142e150; // 2^500
    if max_abs.is_finite() && max_abs > HUGE {
        let exponent = (max_abs.to_bits() >> 52) & 0x7ff;
        f64::from_bits(exponent << 52)
    } else {
        1.0
    }
}

/// Mean and sum of squared deviations of finite values, computed on the
/// values divided by [`overflow_scale`] of their largest magnitude, so that
/// columns holding ±1e308 give the right (finite) mean and standard
/// deviation. For ordinary values the scale is 1 and the results are the
/// plain two-pass formulas, bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moments {
    /// Number of values.
    pub(crate) n: usize,
    /// The power-of-two scale the values were divided by.
    pub(crate) c: f64,
    /// Mean of the scaled values.
    pub(crate) mean_s: f64,
    /// Sum of squared deviations of the scaled values from `mean_s`.
    pub(crate) m2_s: f64,
}

impl Moments {
    /// The moments of `values` (all finite; `n` may be 0).
    pub(crate) fn of<I>(values: I) -> Moments
    where
        I: Iterator<Item = f64> + Clone,
    {
        let max_abs = values.clone().fold(0.0f64, |m, v| m.max(v.abs()));
        let c = overflow_scale(max_abs);
        let (mut n, mut sum) = (0usize, 0.0f64);
        for v in values.clone() {
            n += 1;
            sum += v / c;
        }
        let mean_s = if n == 0 { 0.0 } else { sum / n as f64 };
        let m2_s = values
            .map(|v| {
                let d = v / c - mean_s;
                d * d
            })
            .sum();
        Moments { n, c, mean_s, m2_s }
    }

    /// The mean, in the values' units.
    pub(crate) fn mean(&self) -> f64 {
        self.mean_s * self.c
    }

    /// The variance with `n - ddof` in the denominator, scaled (divide-by-c² units).
    pub(crate) fn var_s(&self, ddof: usize) -> f64 {
        self.m2_s / (self.n - ddof) as f64
    }

    /// The standard deviation with `n - ddof` in the denominator, in the
    /// values' units (finite whenever it is representable).
    pub(crate) fn std(&self, ddof: usize) -> f64 {
        self.var_s(ddof).sqrt() * self.c
    }
}

/// `(v − o)·f + a`, or `v·f − o·f + a` when the difference overflows (as
/// `1e308 − (−1e308)` does) although the scaled result is in range.
#[inline]
fn affine_value<S: Scalar>(v: S, o: S, f: S, a: S) -> S {
    let y = (v - o) * f + a;
    if y.is_finite() { y } else { v * f - o * f + a }
}

/// The error for a value whose scaled (or unscaled) result is beyond `f64`.
pub(crate) fn overflow_error(op: &'static str, column: &str, at: String, value: String) -> Error {
    Error::BadValue {
        op,
        column: column.to_owned(),
        at,
        value,
        expected: "a value whose scaled result is within the range of floating-point numbers \
                   (±1.8e308; ±3.4e38 in an f32 matrix); check it, and if it is right divide \
                   the column by a constant or take its logarithm before scaling"
            .into(),
    }
}

/// The element-wise map `y = (x − offset) · factor + add`, per column.
/// Every scaler of this module is one of these.
#[derive(Debug, Clone, PartialEq)]
struct Affine {
    offset: Vec<f64>,
    factor: Vec<f64>,
    add: Vec<f64>,
}

impl Affine {
    fn check(&self, op: &'static str, ncols: usize) -> Result<()> {
        let n = self.offset.len();
        if self.factor.len() != n || self.add.len() != n {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "corrupt scaler: {n} offsets, {} factors, {} additive terms (validate it after loading)",
                    self.factor.len(),
                    self.add.len()
                ),
            });
        }
        if ncols != n {
            return Err(ua_tensor::Error::ShapeMismatch {
                op,
                expected: format!("{n} columns (as at fit time)"),
                found: format!("{ncols} columns"),
            }
            .into());
        }
        Ok(())
    }

    fn apply<S: Scalar>(&self, op: &'static str, x: ArrayViewMut2<S>) -> Result<()> {
        self.check(op, x.ncols())?;
        let off: Vec<S> = self.offset.iter().map(|&v| S::lit(v)).collect();
        let fac: Vec<S> = self.factor.iter().map(|&v| S::lit(v)).collect();
        let add: Vec<S> = self.add.iter().map(|&v| S::lit(v)).collect();
        map_checked(op, x, &off, &fac, &add)
    }

    fn invert<S: Scalar>(&self, op: &'static str, x: ArrayViewMut2<S>) -> Result<()> {
        self.check(op, x.ncols())?;
        // (v − add) · (1/factor) + offset
        let off: Vec<S> = self.add.iter().map(|&v| S::lit(v)).collect();
        let inv: Vec<S> = self.factor.iter().map(|&v| S::lit(1.0 / v)).collect();
        let add: Vec<S> = self.offset.iter().map(|&v| S::lit(v)).collect();
        map_checked(op, x, &off, &inv, &add)
    }

    /// Scales the columns `names` of `table` (missing values stay missing).
    fn apply_table(&self, op: &'static str, names: &[String], table: &Table) -> Result<Table> {
        if names.is_empty() && !self.offset.is_empty() {
            return Err(Error::InvalidArgument {
                op,
                message: "this scaler was fitted on a matrix and does not know column names; \
                          fit it on a table (Transformer::fit) to transform tables, or use \
                          transform_matrix"
                    .into(),
            });
        }
        self.check(op, names.len())?;
        let mut out = table.clone();
        for (j, name) in names.iter().enumerate() {
            let c = numeric(table, name, op)?;
            ensure_finite_column(op, name, c.values(), c.missing_mask(), table)?;
            let (o, f, a) = (self.offset[j], self.factor[j], self.add[j]);
            let mut values = Vec::with_capacity(c.len());
            for (r, (&v, &m)) in c.values().iter().zip(c.missing_mask()).enumerate() {
                if m {
                    values.push(v);
                    continue;
                }
                let y = affine_value(v, o, f, a);
                if !y.is_finite() {
                    return Err(overflow_error(op, name, locate(table, r), show_number(v)));
                }
                values.push(y);
            }
            out.replace_column(
                name,
                Column::Numeric(NumericColumn::new(values, c.missing_mask().to_vec())?),
            )?;
        }
        Ok(out)
    }
}

/// Applies `(v − off)·fac + add` per column to `x`, after checking every
/// input is finite and every result is (so that on error `x` is unchanged):
/// errors give the row, the column index and the value.
fn map_checked<S: Scalar>(
    op: &'static str,
    mut x: ArrayViewMut2<S>,
    off: &[S],
    fac: &[S],
    add: &[S],
) -> Result<()> {
    ensure_finite_rc(op, &x.view())?;
    for (r, row) in x.rows().into_iter().enumerate() {
        for (j, (((&v, &o), &f), &a)) in row.iter().zip(off).zip(fac).zip(add).enumerate() {
            if !affine_value(v, o, f, a).is_finite() {
                return Err(overflow_error(
                    op,
                    &j.to_string(),
                    format!("row {r}, column {j}"),
                    show_number(v.as_f64()),
                ));
            }
        }
    }
    for mut row in x.rows_mut() {
        for (((v, &o), &f), &a) in row.iter_mut().zip(off).zip(fac).zip(add) {
            *v = affine_value(*v, o, f, a);
        }
    }
    Ok(())
}

/// Checks shared by every fitted scaler: `columns` is empty (fitted on a
/// matrix) or names each of the `p` features once.
fn check_columns(columns: &[String], p: usize) -> std::result::Result<(), String> {
    if !columns.is_empty() && columns.len() != p {
        return Err(format!(
            "{} column names for {p} fitted columns",
            columns.len()
        ));
    }
    distinct_names("column", columns.iter().map(String::as_str))
}

/// Checks that `v` has `p` finite entries; `what` names the statistic.
fn check_stat(what: &str, v: &[f64], p: usize) -> std::result::Result<(), String> {
    if v.len() != p {
        return Err(format!("{} {what} values for {p} columns", v.len()));
    }
    match v.iter().position(|x| !x.is_finite()) {
        Some(j) => Err(format!("{what} of column {j} is not finite: {}", v[j])),
        None => Ok(()),
    }
}

/// Checks that the scales are finite and strictly positive.
fn check_scales(scale: &[f64], p: usize) -> std::result::Result<(), String> {
    check_stat("scale", scale, p)?;
    match scale.iter().position(|&s| s <= 0.0) {
        Some(j) => Err(format!(
            "scale of column {j} must be > 0, found {}",
            scale[j]
        )),
        None => Ok(()),
    }
}

/// Adds the matrix methods (`n_features`, `columns`, `transform_matrix`,
/// `transform_matrix_inplace`, `inverse_transform_matrix`,
/// `inverse_transform_matrix_inplace`) and the [`Transform`] impl to a
/// fitted scaler with an `affine()` method and a `columns` list.
macro_rules! affine_methods {
    ($fitted:ident, $params:literal) => {
        impl $fitted {
            /// Number of columns the scaler was fitted on.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            #[doc = concat!("let s = ", $params, "::default().fit_matrix(array![[1.0f64, 2.0, 3.0]].view()).unwrap();")]
            /// assert_eq!(s.n_features(), 3);
            /// ```
            pub fn n_features(&self) -> usize {
                self.affine().offset.len()
            }

            /// The table columns the scaler was fitted on, in order (empty
            /// when it was fitted on a matrix).
            ///
            /// ```
            /// use ua_data::{Column, Table, Transformer};
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
            #[doc = concat!("assert_eq!(", $params, "::default().fit(&t).unwrap().columns(), &[\"x\"]);")]
            /// ```
            pub fn columns(&self) -> &[String] {
                self.column_names()
            }

            /// Scales a copy of `x` (`f32` or `f64`) with the fitted statistics.
            ///
            /// Errors when `x` has a different number of columns than at fit
            /// time (expected vs found) or holds a NaN/infinite value (row and
            /// column given).
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            #[doc = concat!("let s = ", $params, "::default().fit_matrix(array![[1.0f32], [3.0], [5.0]].view()).unwrap();")]
            /// let y = s.transform_matrix(array![[2.0f32], [4.0]].view()).unwrap();
            /// assert!(y[[0, 0]] < y[[1, 0]]);
            /// assert!(s.transform_matrix(array![[1.0f32, 2.0]].view()).is_err()); // 2 columns, fitted on 1
            /// ```
            pub fn transform_matrix<S: Scalar>(&self, x: ArrayView2<S>) -> Result<Array2<S>> {
                let mut out = x.to_owned();
                self.transform_matrix_inplace(out.view_mut())?;
                Ok(out)
            }

            /// Scales `x` in place (no allocation proportional to `x`).
            /// On error `x` is left unchanged.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            /// let mut x = array![[1.0f64], [3.0], [5.0]];
            #[doc = concat!("let s = ", $params, "::default().fit_matrix(x.view()).unwrap();")]
            /// let copy = s.transform_matrix(x.view()).unwrap();
            /// s.transform_matrix_inplace(x.view_mut()).unwrap();
            /// assert_eq!(x, copy);
            /// ```
            pub fn transform_matrix_inplace<S: Scalar>(&self, x: ArrayViewMut2<S>) -> Result<()> {
                self.affine()
                    .apply(concat!(stringify!($fitted), "::transform_matrix"), x)
            }

            /// Undoes [`transform_matrix`](Self::transform_matrix) on a copy
            /// of `x`: scaled values back to the original units.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            /// let x = array![[1.0f64, -2.0], [3.0, 7.0], [6.0, 0.5]];
            #[doc = concat!("let s = ", $params, "::default().fit_matrix(x.view()).unwrap();")]
            /// let back = s.inverse_transform_matrix(s.transform_matrix(x.view()).unwrap().view()).unwrap();
            /// assert!(back.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-12));
            /// ```
            pub fn inverse_transform_matrix<S: Scalar>(
                &self,
                x: ArrayView2<S>,
            ) -> Result<Array2<S>> {
                let mut out = x.to_owned();
                self.inverse_transform_matrix_inplace(out.view_mut())?;
                Ok(out)
            }

            /// Undoes [`transform_matrix`](Self::transform_matrix) in place.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            /// let mut x = array![[2.0f32], [4.0]];
            #[doc = concat!("let s = ", $params, "::default().fit_matrix(x.view()).unwrap();")]
            /// s.transform_matrix_inplace(x.view_mut()).unwrap();
            /// s.inverse_transform_matrix_inplace(x.view_mut()).unwrap();
            /// assert!((x[[1, 0]] - 4.0).abs() < 1e-6);
            /// ```
            pub fn inverse_transform_matrix_inplace<S: Scalar>(
                &self,
                x: ArrayViewMut2<S>,
            ) -> Result<()> {
                self.affine()
                    .invert(concat!(stringify!($fitted), "::inverse_transform_matrix"), x)
            }
        }

        impl Transform for $fitted {
            /// Scales the fitted columns of `table` by name; other columns
            /// are left alone and missing values stay missing. Errors: a
            /// fitted column that is absent or not numeric, a NaN/infinite
            /// value (column and row given).
            fn transform(&self, table: &Table) -> Result<Table> {
                self.affine().apply_table(
                    concat!(stringify!($fitted), "::transform"),
                    self.column_names(),
                    table,
                )
            }
        }
    };
}
use affine_methods;

/// Any of the three scalers, chosen at run time (e.g. from a config file or
/// a pipeline spec).
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::{Scaler, MinMaxScaler};
/// let s = Scaler::MinMax(MinMaxScaler::default()).fit_matrix(array![[0.0f32], [4.0]].view()).unwrap();
/// assert_eq!(s.transform_matrix(array![[1.0f32]].view()).unwrap(), array![[0.25]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scaler {
    /// A [`StandardScaler`].
    Standard(StandardScaler),
    /// A [`MinMaxScaler`].
    MinMax(MinMaxScaler),
    /// A [`RobustScaler`].
    Robust(RobustScaler),
}

/// A fitted [`Scaler`].
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::{FittedScaler, Scaler, StandardScaler};
/// let s = Scaler::Standard(StandardScaler::default()).fit_matrix(array![[1.0f64], [3.0]].view()).unwrap();
/// assert!(matches!(s, FittedScaler::Standard(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FittedScaler {
    /// A fitted [`StandardScaler`].
    Standard(FittedStandardScaler),
    /// A fitted [`MinMaxScaler`].
    MinMax(FittedMinMaxScaler),
    /// A fitted [`RobustScaler`].
    Robust(FittedRobustScaler),
}

impl Scaler {
    /// Fits the chosen scaler on the matrix `x`.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::{Scaler, RobustScaler};
    /// let s = Scaler::Robust(RobustScaler::default()).fit_matrix(array![[1.0f32], [2.0], [3.0]].view()).unwrap();
    /// assert_eq!(s.n_features(), 1);
    /// ```
    pub fn fit_matrix<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedScaler> {
        Ok(match self {
            Scaler::Standard(s) => FittedScaler::Standard(s.fit_matrix(x)?),
            Scaler::MinMax(s) => FittedScaler::MinMax(s.fit_matrix(x)?),
            Scaler::Robust(s) => FittedScaler::Robust(s.fit_matrix(x)?),
        })
    }

    /// A [`StandardScaler`] with default options.
    ///
    /// ```
    /// use ua_data::scale::{Scaler, StandardScaler};
    /// assert_eq!(Scaler::standard(), Scaler::Standard(StandardScaler::default()));
    /// ```
    pub fn standard() -> Self {
        Scaler::Standard(StandardScaler::default())
    }

    /// A [`MinMaxScaler`] onto `[0, 1]`.
    ///
    /// ```
    /// use ua_data::scale::{MinMaxScaler, Scaler};
    /// assert_eq!(Scaler::min_max(), Scaler::MinMax(MinMaxScaler::default()));
    /// ```
    pub fn min_max() -> Self {
        Scaler::MinMax(MinMaxScaler::default())
    }

    /// A [`RobustScaler`] with the 25–75 percentile range.
    ///
    /// ```
    /// use ua_data::scale::{RobustScaler, Scaler};
    /// assert_eq!(Scaler::robust(), Scaler::Robust(RobustScaler::default()));
    /// ```
    pub fn robust() -> Self {
        Scaler::Robust(RobustScaler::default())
    }
}

impl Default for Scaler {
    /// A [`StandardScaler`] with default options.
    fn default() -> Self {
        Scaler::Standard(StandardScaler::default())
    }
}

impl Transformer for Scaler {
    type Fitted = FittedScaler;

    /// Fits the chosen scaler on every numeric column of `table`.
    fn fit(&self, table: &Table) -> Result<FittedScaler> {
        Ok(match self {
            Scaler::Standard(s) => FittedScaler::Standard(s.fit(table)?),
            Scaler::MinMax(s) => FittedScaler::MinMax(s.fit(table)?),
            Scaler::Robust(s) => FittedScaler::Robust(s.fit(table)?),
        })
    }
}

impl FittedScaler {
    fn affine(&self) -> Affine {
        match self {
            FittedScaler::Standard(s) => s.affine(),
            FittedScaler::MinMax(s) => s.affine(),
            FittedScaler::Robust(s) => s.affine(),
        }
    }

    fn column_names(&self) -> &[String] {
        match self {
            FittedScaler::Standard(s) => s.column_names(),
            FittedScaler::MinMax(s) => s.column_names(),
            FittedScaler::Robust(s) => s.column_names(),
        }
    }
}

affine_methods!(FittedScaler, "Scaler");

impl Persist for FittedScaler {
    const KIND: &'static str = "ua-data/scaler";

    /// The invariants of the scaler inside.
    fn validate(&self) -> std::result::Result<(), String> {
        match self {
            FittedScaler::Standard(s) => s.validate(),
            FittedScaler::MinMax(s) => s.validate(),
            FittedScaler::Robust(s) => s.validate(),
        }
    }
}

#[typetag::serde(name = "ua-data/scaler")]
impl FittedStep for FittedScaler {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Column;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    fn huge() -> Table {
        Table::new(vec![
            ("small".into(), Column::numeric(vec![1.0, 2.0, 3.0, 4.0])),
            (
                "big".into(),
                Column::numeric(vec![-1e308, 1e308, -1e308, 1e308]),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn standard_scaler_fits_huge_columns_without_overflow() {
        let s = StandardScaler::default().fit(&huge()).unwrap();
        assert_eq!(s.mean(), &[2.5, 0.0]);
        assert_eq!(s.scale()[1], 1e308); // population std of ±1e308
        assert_eq!(s.var()[1], f64::MAX); // 1e616 saturates; documented
        assert_eq!(s.var()[0], 1.25);
        let out = s.transform(&huge()).unwrap();
        for (got, want) in out
            .numeric("big")
            .unwrap()
            .values()
            .iter()
            .zip([-1.0, 1.0, -1.0, 1.0])
        {
            assert_abs_diff_eq!(*got, want, epsilon = 1e-15);
        }
        // Mean 1e308, spread 2^1000: the constant test is scale-free.
        let t = Table::new(vec![(
            "x".into(),
            Column::numeric(vec![1e308, 1e308 - 2f64.powi(1000) * 2.0]),
        )])
        .unwrap();
        let s = StandardScaler::default().fit(&t).unwrap();
        assert_eq!(s.scale()[0], 2f64.powi(1000));
        let z = s.transform(&t).unwrap();
        assert_eq!(z.numeric("x").unwrap().values(), &[1.0, -1.0]);
        // A constant huge column keeps scale 1 and maps to 0.
        let t = Table::new(vec![("x".into(), Column::numeric(vec![1e308; 3]))]).unwrap();
        let s = StandardScaler::default().fit(&t).unwrap();
        assert_eq!((s.mean()[0], s.scale()[0]), (1e308, 1.0));
        assert_eq!(
            s.transform(&t).unwrap().numeric("x").unwrap().values(),
            &[0.0; 3]
        );
        // Saved and loaded: the statistics are finite, so the file is valid.
        let json = StandardScaler::default()
            .fit(&huge())
            .unwrap()
            .to_json()
            .unwrap();
        assert!(FittedStandardScaler::from_json(&json).is_ok());
    }

    #[test]
    fn min_max_and_robust_fit_huge_columns_without_overflow() {
        // [0, 1e308]: the span fits; (x − min)·factor is right.
        let t = Table::new(vec![("x".into(), Column::numeric(vec![0.0, 5e307, 1e308]))]).unwrap();
        let s = MinMaxScaler::default().fit(&t).unwrap();
        let out = s.transform(&t).unwrap();
        for (got, want) in out
            .numeric("x")
            .unwrap()
            .values()
            .iter()
            .zip([0.0, 0.5, 1.0])
        {
            assert_abs_diff_eq!(*got, want, epsilon = 1e-12);
        }
        // From −1e308 to 1e308 the span is beyond f64: a named error.
        let err = MinMaxScaler::default()
            .fit(&huge())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column `big`") && err.contains("span 1e308 − (-1e308)"),
            "{err}"
        );
        let err = MinMaxScaler::default()
            .fit_matrix(array![[1.0f64, -1e308], [2.0, 1e308]].view())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column `1`") && err.contains("fit_matrix"),
            "{err}"
        );
        // Robust: median 0 and IQR 2e308 cannot be a scale: a named error.
        let err = RobustScaler::default()
            .fit(&huge())
            .unwrap_err()
            .to_string();
        assert!(err.contains("column `big`"), "{err}");
        assert!(err.contains("1e308") && err.contains("-1e308"), "{err}");
        assert!(err.contains("divide the column by a constant"), "{err}");
        // A huge column whose IQR fits: the fit is right.
        let t = Table::new(vec![(
            "x".into(),
            Column::numeric(vec![-8e307, -4e307, 0.0, 4e307, 8e307]),
        )])
        .unwrap();
        let s = RobustScaler::default().fit(&t).unwrap();
        assert_eq!((s.center()[0], s.scale()[0]), (0.0, 8e307));
        let out = s.transform(&t).unwrap();
        assert_eq!(
            out.numeric("x").unwrap().values(),
            &[-1.0, -0.5, 0.0, 0.5, 1.0]
        );
    }

    #[test]
    fn overflowing_results_are_errors_naming_column_row_and_value() {
        // Fitted on small numbers, then a finite 1e308 arrives: its z-score
        // 1e308 / 1.118 would be fine, but with a tiny scale it overflows.
        let train = Table::new(vec![
            ("id".into(), Column::numeric(vec![1.0, 2.0])),
            ("spend".into(), Column::numeric(vec![0.0, 1e-10])),
        ])
        .unwrap();
        let s = StandardScaler::default().fit(&train).unwrap();
        let test = Table::new(vec![
            ("id".into(), Column::numeric(vec![1.0, 2.0, 3.0])),
            ("spend".into(), Column::numeric(vec![5.0, -1e308, 1.0])),
        ])
        .unwrap();
        let err = s.transform(&test).unwrap_err();
        match &err {
            Error::BadValue {
                column, at, value, ..
            } => assert_eq!(
                (column.as_str(), at.as_str(), value.as_str()),
                ("spend", "row 2", "-1e308")
            ),
            e => panic!("unexpected {e}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("within the range of floating-point numbers") && !msg.contains("inf"),
            "{msg}"
        );
        // Rows read from a file are given by their line.
        use crate::csv_io::{CsvOptions, read_csv_reader};
        let csv = "id,spend\n1,5\n2,-1e308\n";
        let from_file = read_csv_reader(csv.as_bytes(), "t.csv", &CsvOptions::default()).unwrap();
        let err = s.transform(&from_file).unwrap_err().to_string();
        assert!(
            err.contains("column `spend`: `-1e308` at line 3 is not a value whose scaled result"),
            "{err}"
        );
        // Matrix path: row and column index; the input is left unchanged.
        let mut x = array![[0.0f64, 5.0], [1.0, -1e308]];
        let before = x.clone();
        let m = StandardScaler::default()
            .fit_matrix(array![[0.0f64, 0.0], [1.0, 1e-10]].view())
            .unwrap();
        let err = m
            .transform_matrix_inplace(x.view_mut())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row 1, column 1") && err.contains("`-1e308`"),
            "{err}"
        );
        assert_eq!(x, before);
        // f32: the difference 3e38 − (−3e38) overflows f32 but the scaled
        // value does not.
        let x32 = array![[-3e38f32], [3e38]];
        let m = StandardScaler::default().fit_matrix(x32.view()).unwrap();
        let z = m.transform_matrix(x32.view()).unwrap();
        assert_abs_diff_eq!(z[[0, 0]], -1.0, epsilon = 1e-6);
        assert_abs_diff_eq!(z[[1, 0]], 1.0, epsilon = 1e-6);
        // The inverse overflows honestly: an error, not inf.
        let err = m
            .inverse_transform_matrix(array![[4.0f32]].view())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row 0, column 0") && err.contains("`4`"),
            "{err}"
        );
    }

    #[test]
    fn overflow_scale_is_a_power_of_two_only_for_huge_values() {
        assert_eq!(overflow_scale(1e150), 1.0);
        assert_eq!(overflow_scale(1e300), 2f64.powi(996));
        assert_eq!(overflow_scale(f64::INFINITY), 1.0);
        assert_eq!(overflow_scale(2f64.powi(500)), 1.0);
        let c = overflow_scale(1e308);
        assert_eq!(c, 2f64.powi(1023));
        assert_eq!(overflow_scale(2f64.powi(600) * 1.5), 2f64.powi(600));
        let m = Moments::of([1e308, -1e308, 1e308, -1e308].into_iter());
        assert_eq!((m.n, m.mean(), m.std(0)), (4, 0.0, 1e308));
        let m = Moments::of([1.0, 2.0, 4.0].into_iter());
        assert_eq!(
            (m.c, m.mean(), m.var_s(1)),
            (1.0, 7.0 / 3.0, (16.0 / 9.0 + 1.0 / 9.0 + 25.0 / 9.0) / 2.0)
        );
        assert_eq!(Moments::of(std::iter::empty()).mean(), 0.0);
    }

    #[test]
    fn standard_scaler_matches_hand_computation() {
        // col 0: mean 2.5, var 1.25; col 1: mean 25, var 125; col 2 constant.
        let x = array![
            [1.0f64, 10.0, 0.1],
            [2.0, 20.0, 0.1],
            [3.0, 30.0, 0.1],
            [4.0, 40.0, 0.1]
        ];
        let s = StandardScaler::default().fit_matrix(x.view()).unwrap();
        assert_abs_diff_eq!(s.mean()[0], 2.5, epsilon = 1e-12);
        assert_abs_diff_eq!(s.mean()[1], 25.0, epsilon = 1e-12);
        assert_abs_diff_eq!(s.var()[0], 1.25, epsilon = 1e-12);
        assert_abs_diff_eq!(s.var()[1], 125.0, epsilon = 1e-9);
        assert_eq!(s.scale()[2], 1.0); // 0.1·4/4 is not exactly 0.1: rounding tolerated
        let y = s.transform_matrix(x.view()).unwrap();
        let k = 1.0 / 1.25f64.sqrt();
        let expect = array![
            [-1.5 * k, -1.5 * k, 0.0],
            [-0.5 * k, -0.5 * k, 0.0],
            [0.5 * k, 0.5 * k, 0.0],
            [1.5 * k, 1.5 * k, 0.0]
        ];
        for (a, b) in y.iter().zip(&expect) {
            assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
        }
        assert!(y.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn standard_scaler_options_and_f32() {
        let x = array![[0.0f32, 1.0], [4.0, 1.0]];
        let no_mean = StandardScaler {
            with_mean: false,
            with_std: true,
        }
        .fit_matrix(x.view())
        .unwrap();
        assert_eq!(
            no_mean.transform_matrix(x.view()).unwrap(),
            array![[0.0, 1.0], [2.0, 1.0]]
        );
        let no_std = StandardScaler {
            with_mean: true,
            with_std: false,
        }
        .fit_matrix(x.view())
        .unwrap();
        assert_eq!(
            no_std.transform_matrix(x.view()).unwrap(),
            array![[-2.0, 0.0], [2.0, 0.0]]
        );
    }

    #[test]
    fn minmax_scaler_matches_hand_computation() {
        let x = array![[1.0f64, 7.0], [2.0, 7.0], [3.0, 7.0], [5.0, 7.0]];
        let s = MinMaxScaler::default().fit_matrix(x.view()).unwrap();
        let y = s.transform_matrix(x.view()).unwrap();
        assert_eq!(y.column(0).to_vec(), vec![0.0, 0.25, 0.5, 1.0]);
        assert_eq!(y.column(1).to_vec(), vec![0.0; 4]); // constant → low bound
        let s2 = MinMaxScaler {
            feature_range: (-1.0, 1.0),
        }
        .fit_matrix(x.view())
        .unwrap();
        let y2 = s2.transform_matrix(array![[9.0f64, 7.0]].view()).unwrap();
        assert_eq!(y2, array![[3.0, -1.0]]); // 2·(9−1)/4 − 1 = 3: not clipped
        let back = s2.inverse_transform_matrix(y2.view()).unwrap();
        assert_eq!(back, array![[9.0, 7.0]]);
    }

    #[test]
    fn robust_scaler_matches_numpy_percentiles() {
        // col 0: [1,2,3,4]: median 2.5, q25 (pos 0.75) 1.75, q75 (pos 2.25) 3.25 → IQR 1.5.
        // col 1: [10,10,10,50]: median 10, q25 10, q75 10 + 0.25·40 = 20 → IQR 10.
        let x = array![[1.0f64, 10.0], [2.0, 10.0], [3.0, 10.0], [4.0, 50.0]];
        let s = RobustScaler::default().fit_matrix(x.view()).unwrap();
        assert_eq!(s.center(), &[2.5, 10.0]);
        assert_eq!(s.scale(), &[1.5, 10.0]);
        let y = s.transform_matrix(x.view()).unwrap();
        assert_abs_diff_eq!(y[[0, 0]], -1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(y[[3, 1]], 4.0, epsilon = 1e-12);
        let q = RobustScaler {
            quantile_range: (10.0, 90.0),
            ..Default::default()
        }
        .fit_matrix(x.view())
        .unwrap();
        // col 0: q10 at pos 0.3 → 1.3, q90 at pos 2.7 → 3.7.
        assert_abs_diff_eq!(q.scale()[0], 2.4, epsilon = 1e-12);
    }

    #[test]
    fn robust_scaler_zero_iqr_gets_scale_one() {
        // q25 (pos 1) = 5 and q75 (pos 3) = 5: IQR 0 despite the 9.
        let x = array![[5.0f32], [5.0], [5.0], [5.0], [9.0]];
        let s = RobustScaler::default().fit_matrix(x.view()).unwrap();
        assert_eq!(s.scale(), &[1.0]);
        let c = RobustScaler::default()
            .fit_matrix(array![[2.0f32], [2.0], [2.0]].view())
            .unwrap();
        assert_eq!(c.scale(), &[1.0]);
        assert_eq!(
            c.transform_matrix(array![[3.0f32]].view()).unwrap(),
            array![[1.0]]
        );
    }

    #[test]
    fn errors_name_shape_row_and_column() {
        let s = StandardScaler::default()
            .fit_matrix(array![[1.0f32, 2.0], [3.0, 4.0]].view())
            .unwrap();
        let err = s
            .transform_matrix(array![[1.0f32, 2.0, 3.0]].view())
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("2 columns") && msg.contains("3 columns"),
            "{msg}"
        );
        let err = StandardScaler::default()
            .fit_matrix(array![[1.0f64, 2.0], [3.0, f64::NAN]].view())
            .unwrap_err();
        assert!(err.to_string().contains("row 1, column 1"), "{err}");
        // A lone NaN after an even number of finite values, and a 1 × 1
        // NaN: the check must not depend on how many values are finite.
        for (bad, at) in [
            (array![[1.0f64], [2.0], [f64::NAN]], "row 2, column 0"),
            (array![[f64::NAN]], "row 0, column 0"),
        ] {
            let err = StandardScaler::default()
                .fit_matrix(bad.view())
                .unwrap_err();
            assert!(err.to_string().contains(at), "{err}");
        }
        let err = MinMaxScaler::default()
            .fit_matrix(Array2::<f32>::zeros((0, 2)).view())
            .unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let mut bad = array![[1.0f32, f32::INFINITY]];
        let err = s.transform_matrix_inplace(bad.view_mut()).unwrap_err();
        assert!(err.to_string().contains("row 0, column 1"), "{err}");
        assert_eq!(bad, array![[1.0f32, f32::INFINITY]]); // untouched on error
    }

    #[test]
    fn inverse_round_trips_and_serde_round_trips() {
        let x = array![[1.0f64, -3.0, 8.0], [2.5, 0.0, 8.0], [-4.0, 6.0, 9.0]];
        for scaler in [
            Scaler::Standard(StandardScaler::default()),
            Scaler::MinMax(MinMaxScaler {
                feature_range: (-2.0, 3.0),
            }),
            Scaler::Robust(RobustScaler::default()),
        ] {
            let fitted = scaler.fit_matrix(x.view()).unwrap();
            let y = fitted.transform_matrix(x.view()).unwrap();
            let back = fitted.inverse_transform_matrix(y.view()).unwrap();
            for (a, b) in back.iter().zip(&x) {
                assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
            }
            let loaded = FittedScaler::from_json(&fitted.to_json().unwrap()).unwrap();
            assert_eq!(loaded, fitted);
            assert_eq!(loaded.transform_matrix(x.view()).unwrap(), y);
        }
    }

    #[test]
    fn works_on_strided_views() {
        let x = array![[1.0f64, 100.0], [3.0, 200.0]];
        let t = x.t(); // column-major view
        let s = StandardScaler::default().fit_matrix(t).unwrap();
        assert_eq!(s.mean(), &[50.5, 101.5]);
        let y = s.transform_matrix(t).unwrap();
        assert_abs_diff_eq!(y[[0, 0]], -1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(y[[1, 1]], 1.0, epsilon = 1e-12);
    }

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn table_fit_scales_numeric_columns_by_name_and_keeps_missing() {
        let train = table(vec![
            ("a", Column::numeric(vec![1.0, 3.0, 5.0])),
            ("c", Column::categorical(&["x", "y", "z"])),
            ("b", Column::numeric(vec![10.0, 10.0, 40.0])),
        ]);
        let f = StandardScaler::default().fit(&train).unwrap();
        assert_eq!(f.columns(), &["a", "b"]);
        let by_matrix = f
            .transform_matrix(train.numeric_matrix(&["a", "b"]).unwrap().view())
            .unwrap();
        let out = f.transform(&train).unwrap();
        assert_eq!(
            out.numeric("a").unwrap().values(),
            by_matrix.column(0).to_vec()
        );
        assert_eq!(
            out.numeric("b").unwrap().values(),
            by_matrix.column(1).to_vec()
        );
        assert_eq!(out.column("c").unwrap(), train.column("c").unwrap());
        // Another column order, a missing value, an extra column.
        let test = table(vec![
            ("b", Column::numeric(vec![20.0, 20.0])),
            ("extra", Column::boolean(vec![true, false])),
            ("a", Column::numeric_opt(vec![Some(3.0), None])),
        ]);
        let out = f.transform(&test).unwrap();
        assert_eq!(out.column_names(), vec!["b", "extra", "a"]);
        assert_eq!(
            out.numeric("a").unwrap().iter().collect::<Vec<_>>(),
            vec![Some(0.0), None]
        );
        // b: mean 20, so 20 → 0.
        assert_eq!(out.numeric("b").unwrap().values(), &[0.0, 0.0]);
        for s in [Scaler::standard(), Scaler::min_max(), Scaler::robust()] {
            let fitted = s.fit(&train).unwrap();
            let m = fitted
                .transform_matrix(train.numeric_matrix(&["a", "b"]).unwrap().view())
                .unwrap();
            let t = fitted.transform(&train).unwrap();
            assert_eq!(t.numeric("b").unwrap().values(), m.column(1).to_vec());
        }
    }

    #[test]
    fn table_errors_name_column_and_row() {
        let gap = table(vec![("a", Column::numeric_opt(vec![Some(1.0), None]))]);
        for s in [Scaler::standard(), Scaler::min_max(), Scaler::robust()] {
            let err = s.fit(&gap).unwrap_err();
            assert!(
                matches!(&err, Error::MissingAt { column, at, .. } if column == "a" && at == "row 2"),
                "{err}"
            );
        }
        let nan = table(vec![("a", Column::numeric(vec![1.0, f64::NAN]))]);
        let err = StandardScaler::default().fit(&nan).unwrap_err().to_string();
        assert!(err.contains("column `a`: `NaN` at row 2"), "{err}");
        let text = table(vec![("c", Column::categorical(&["x"]))]);
        let err = StandardScaler::default()
            .fit(&text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no numeric column to scale (columns: c)"),
            "{err}"
        );
        let empty = table(vec![("a", Column::numeric(vec![]))]);
        assert!(StandardScaler::default().fit(&empty).is_err());
        let bad = RobustScaler {
            quantile_range: (10.0, 10.0),
            ..Default::default()
        };
        assert!(matches!(
            bad.fit(&gap),
            Err(Error::InvalidParameter {
                name: "quantile_range",
                ..
            })
        ));
        let bad = MinMaxScaler {
            feature_range: (0.0, f64::INFINITY),
        };
        assert!(matches!(
            bad.fit(&gap),
            Err(Error::InvalidParameter {
                name: "feature_range",
                ..
            })
        ));
        // Fitted on a matrix: no names to transform a table by.
        let m = StandardScaler::default()
            .fit_matrix(array![[1.0f64], [2.0]].view())
            .unwrap();
        let err = m.transform(&gap).unwrap_err().to_string();
        assert!(err.contains("fitted on a matrix"), "{err}");
        // A fitted column that became text, or went missing.
        let f = StandardScaler::default()
            .fit(&table(vec![("a", Column::numeric(vec![1.0, 2.0]))]))
            .unwrap();
        assert!(matches!(
            f.transform(&text),
            Err(Error::UnknownColumn { .. })
        ));
        let later_nan = table(vec![("a", Column::numeric(vec![f64::INFINITY]))]);
        let err = f.transform(&later_nan).unwrap_err().to_string();
        assert!(err.contains("column `a`: `inf` at row 1"), "{err}");
    }

    #[test]
    fn standard_scale_is_the_one_zero_variance_rule() {
        assert_eq!(standard_scale(9.0, 0.0, 10), 3.0);
        assert_eq!(standard_scale(0.0, 5.0, 1), 1.0);
        // Just above the rounding bound the deviation is kept.
        let (mean, n) = (1e3, 4usize);
        let bound = (n as f64 * mean * f64::EPSILON).powi(2);
        assert_eq!(standard_scale(bound, mean, n), 1.0);
        assert!(standard_scale(bound * 4.0, mean, n) > 0.0);
        assert_ne!(standard_scale(bound * 4.0, mean, n), 1.0);
        // The bound grows with the variance itself: n·ε·var.
        assert_eq!(standard_scale(1e-300, 0.0, 1), 1e-150);
    }

    #[test]
    fn scalers_save_load_and_refuse_broken_files() {
        use crate::testutil::{edit, envelope_policy, invalid};
        use serde_json::json;
        let t = table(vec![
            ("a", Column::numeric(vec![1.0, 3.0, 8.0])),
            ("b", Column::numeric(vec![2.0, 2.0, 2.0])),
        ]);
        let std_json = envelope_policy(&StandardScaler::default().fit(&t).unwrap());
        let mm_json = envelope_policy(&MinMaxScaler::default().fit(&t).unwrap());
        let rb_json = envelope_policy(&RobustScaler::default().fit(&t).unwrap());
        let any_json = envelope_policy(&Scaler::robust().fit(&t).unwrap());
        let s = |j: &str, k: &str, v: serde_json::Value| {
            invalid::<FittedStandardScaler>(&edit(j, k, v))
        };
        assert!(s(&std_json, "scale", json!([1.0, 0.0])).contains("scale of column 1 must be > 0"));
        assert!(s(&std_json, "scale", json!([1.0, -2.0])).contains("must be > 0"));
        assert!(s(&std_json, "scale", json!([1.0])).contains("1 scale values for 2 columns"));
        assert!(
            s(&std_json, "var", json!([1.0, -1.0])).contains("variance of column 1 is negative")
        );
        assert!(s(&std_json, "mean", json!([1.0])).contains("2 variance values for 1 columns"));
        assert!(s(&std_json, "n_samples", json!(0)).contains("0 rows"));
        assert!(s(&std_json, "columns", json!(["a", "a"])).contains("column `a` appears twice"));
        assert!(
            s(&std_json, "columns", json!(["a"])).contains("1 column names for 2 fitted columns")
        );
        assert!(!s(&std_json, "mean", json!([1.0, null])).is_empty());
        let m =
            |k: &str, v: serde_json::Value| invalid::<FittedMinMaxScaler>(&edit(&mm_json, k, v));
        assert!(m("data_min", json!([9.0, 2.0])).contains("column 0: minimum 9 exceeds maximum 8"));
        assert!(m("data_max", json!([8.0])).contains("1 maximum values for 2 columns"));
        assert!(m("feature_range", json!([1.0, 1.0])).contains("feature_range"));
        let r =
            |k: &str, v: serde_json::Value| invalid::<FittedRobustScaler>(&edit(&rb_json, k, v));
        assert!(r("scale", json!([0.5, 0.0])).contains("must be > 0"));
        assert!(r("center", json!([0.5])).contains("2 scale values for 1 columns"));
        assert!(r("quantile_range", json!([80.0, 20.0])).contains("quantile_range"));
        assert!(
            invalid::<FittedScaler>(&edit(&any_json, "scale", json!([1.0, 0.0])))
                .contains("must be > 0")
        );
        // Scalers fitted on a matrix have no column names, and load fine.
        let x = array![[1.0f64, 2.0], [3.0, 5.0]];
        for s in [Scaler::standard(), Scaler::min_max(), Scaler::robust()] {
            let fitted = s.fit_matrix(x.view()).unwrap();
            assert!(fitted.columns().is_empty());
            let back = FittedScaler::from_json(&fitted.to_json().unwrap()).unwrap();
            assert_eq!(back, fitted);
        }
        // Read without validation (e.g. inside another struct), a broken
        // scaler is an error when used, never a panic.
        let model =
            |j: &str| serde_json::from_str::<serde_json::Value>(j).unwrap()["model"].clone();
        let short: FittedStandardScaler =
            serde_json::from_value(model(&edit(&std_json, "scale", json!([1.0])))).unwrap();
        let err = short.transform(&t).unwrap_err().to_string();
        assert!(
            err.contains("corrupt scaler: 2 offsets, 1 factors"),
            "{err}"
        );
        assert!(
            short
                .transform_matrix(array![[1.0f64, 2.0]].view())
                .is_err()
        );
        let names: FittedStandardScaler =
            serde_json::from_value(model(&edit(&std_json, "columns", json!(["a", "b", "c"]))))
                .unwrap();
        assert!(names.transform(&t).is_err());
        // A loaded scaler transforms bit for bit like the original.
        let f = StandardScaler::default().fit(&t).unwrap();
        let back = FittedStandardScaler::from_json(&std_json).unwrap();
        assert_eq!(back, f);
        assert_eq!(back.transform(&t).unwrap(), f.transform(&t).unwrap());
    }
}
