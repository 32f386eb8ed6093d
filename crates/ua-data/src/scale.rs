//! Column scalers for numeric matrices: [`StandardScaler`], [`MinMaxScaler`]
//! and [`RobustScaler`], each with an inverse transform.
//!
//! A scaler's *parameters* (`StandardScaler { with_mean, with_std }`) and
//! its *fitted state* (`FittedStandardScaler`, holding the column means and
//! scales) are separate types: only a fitted scaler has `transform`, so a
//! transform before `fit` cannot be written. Fitted scalers are
//! serde-serialisable and work on `f32` and `f64` matrices alike (statistics
//! are computed and stored in `f64`).
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
//!
//! let train = array![[1.0f32, 10.0], [3.0, 10.0]];
//! let scaler = StandardScaler::default().fit(train.view()).unwrap();
//! // Column 1 is constant: its scale is 1, so it maps to 0 instead of NaN.
//! assert_eq!(scaler.transform(train.view()).unwrap(), array![[-1.0, 0.0], [1.0, 0.0]]);
//! // New rows are scaled with the training statistics.
//! let new_user = array![[5.0f32, 12.0]];
//! assert_eq!(scaler.transform(new_user.view()).unwrap(), array![[3.0, 2.0]]);
//! ```

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;

use crate::{Error, Result};

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

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

/// The element-wise map `y = (x − offset) · factor + add`, per column.
/// Every scaler of this module is one of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Affine {
    offset: Vec<f64>,
    factor: Vec<f64>,
    add: Vec<f64>,
}

impl Affine {
    fn n_features(&self) -> usize {
        self.offset.len()
    }

    fn check(&self, op: &'static str, ncols: usize) -> Result<()> {
        let n = self.offset.len();
        if self.factor.len() != n || self.add.len() != n {
            return Err(invalid(
                op,
                format!(
                    "corrupt scaler: {n} offsets, {} factors, {} additive terms",
                    self.factor.len(),
                    self.add.len()
                ),
            ));
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

    fn apply<S: Scalar>(&self, op: &'static str, mut x: ArrayViewMut2<S>) -> Result<()> {
        self.check(op, x.ncols())?;
        ensure_finite_rc(op, &x.view())?;
        let off: Vec<S> = self.offset.iter().map(|&v| S::lit(v)).collect();
        let fac: Vec<S> = self.factor.iter().map(|&v| S::lit(v)).collect();
        let add: Vec<S> = self.add.iter().map(|&v| S::lit(v)).collect();
        for mut row in x.rows_mut() {
            for (((v, &o), &f), &a) in row.iter_mut().zip(&off).zip(&fac).zip(&add) {
                *v = (*v - o) * f + a;
            }
        }
        Ok(())
    }

    fn invert<S: Scalar>(&self, op: &'static str, mut x: ArrayViewMut2<S>) -> Result<()> {
        self.check(op, x.ncols())?;
        ensure_finite_rc(op, &x.view())?;
        let off: Vec<S> = self.offset.iter().map(|&v| S::lit(v)).collect();
        let inv: Vec<S> = self.factor.iter().map(|&v| S::lit(1.0 / v)).collect();
        let add: Vec<S> = self.add.iter().map(|&v| S::lit(v)).collect();
        for mut row in x.rows_mut() {
            for (((v, &o), &f), &a) in row.iter_mut().zip(&off).zip(&inv).zip(&add) {
                *v = (*v - a) * f + o;
            }
        }
        Ok(())
    }
}

/// Adds `n_features`, `transform`, `transform_inplace`, `inverse_transform`
/// and `inverse_transform_inplace` to a fitted scaler with an `affine` field.
macro_rules! affine_methods {
    ($fitted:ident, $params:literal) => {
        impl $fitted {
            /// Number of columns the scaler was fitted on.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            #[doc = concat!("let s = ", $params, "::default().fit(array![[1.0f64, 2.0, 3.0]].view()).unwrap();")]
            /// assert_eq!(s.n_features(), 3);
            /// ```
            pub fn n_features(&self) -> usize {
                self.affine().n_features()
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
            #[doc = concat!("let s = ", $params, "::default().fit(array![[1.0f32], [3.0], [5.0]].view()).unwrap();")]
            /// let y = s.transform(array![[2.0f32], [4.0]].view()).unwrap();
            /// assert!(y[[0, 0]] < y[[1, 0]]);
            /// assert!(s.transform(array![[1.0f32, 2.0]].view()).is_err()); // 2 columns, fitted on 1
            /// ```
            pub fn transform<S: Scalar>(&self, x: ArrayView2<S>) -> Result<Array2<S>> {
                let mut out = x.to_owned();
                self.transform_inplace(out.view_mut())?;
                Ok(out)
            }

            /// Scales `x` in place (no allocation proportional to `x`).
            /// On error `x` is left unchanged.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            /// let mut x = array![[1.0f64], [3.0], [5.0]];
            #[doc = concat!("let s = ", $params, "::default().fit(x.view()).unwrap();")]
            /// let copy = s.transform(x.view()).unwrap();
            /// s.transform_inplace(x.view_mut()).unwrap();
            /// assert_eq!(x, copy);
            /// ```
            pub fn transform_inplace<S: Scalar>(&self, x: ArrayViewMut2<S>) -> Result<()> {
                self.affine().apply(concat!(stringify!($fitted), "::transform"), x)
            }

            /// Undoes [`transform`](Self::transform) on a copy of `x`: scaled
            /// values back to the original units.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            /// let x = array![[1.0f64, -2.0], [3.0, 7.0], [6.0, 0.5]];
            #[doc = concat!("let s = ", $params, "::default().fit(x.view()).unwrap();")]
            /// let back = s.inverse_transform(s.transform(x.view()).unwrap().view()).unwrap();
            /// assert!(back.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-12));
            /// ```
            pub fn inverse_transform<S: Scalar>(&self, x: ArrayView2<S>) -> Result<Array2<S>> {
                let mut out = x.to_owned();
                self.inverse_transform_inplace(out.view_mut())?;
                Ok(out)
            }

            /// Undoes [`transform`](Self::transform) in place.
            ///
            /// ```
            /// use ua_data::ndarray::array;
            #[doc = concat!("use ua_data::scale::", $params, ";")]
            /// let mut x = array![[2.0f32], [4.0]];
            #[doc = concat!("let s = ", $params, "::default().fit(x.view()).unwrap();")]
            /// s.transform_inplace(x.view_mut()).unwrap();
            /// s.inverse_transform_inplace(x.view_mut()).unwrap();
            /// assert!((x[[1, 0]] - 4.0).abs() < 1e-6);
            /// ```
            pub fn inverse_transform_inplace<S: Scalar>(&self, x: ArrayViewMut2<S>) -> Result<()> {
                self.affine()
                    .invert(concat!(stringify!($fitted), "::inverse_transform"), x)
            }
        }
    };
}

/// Standardisation: `(x − mean) / std` per column, with the *population*
/// standard deviation (divide by `n`, as scikit-learn does).
///
/// A zero-variance (constant) column gets scale 1 instead of 0, so it maps
/// to 0 rather than NaN. "Zero" allows for rounding: a column counts as
/// constant when its variance is at most
/// `n·ε·var + (n·ε·mean)²` (scikit-learn's test, ε the `f64` epsilon).
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::StandardScaler;
/// let x = array![[1.0f64], [2.0], [3.0], [4.0]];
/// let s = StandardScaler::default().fit(x.view()).unwrap();
/// assert_eq!(s.mean(), &[2.5]);
/// assert!((s.scale()[0] - 1.25f64.sqrt()).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardScaler {
    /// Subtract the column mean (default `true`).
    pub with_mean: bool,
    /// Divide by the column standard deviation (default `true`).
    pub with_std: bool,
}

impl Default for StandardScaler {
    fn default() -> Self {
        Self {
            with_mean: true,
            with_std: true,
        }
    }
}

/// A [`StandardScaler`] fitted on training data: column means and scales.
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::{FittedStandardScaler, StandardScaler};
/// let s = StandardScaler::default().fit(array![[0.0f32], [2.0]].view()).unwrap();
/// let json = serde_json::to_string(&s).unwrap();
/// let back: FittedStandardScaler = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, s);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedStandardScaler {
    mean: Vec<f64>,
    var: Vec<f64>,
    scale: Vec<f64>,
    n_samples: usize,
    affine: Affine,
}

impl StandardScaler {
    /// Learns each column's mean and population standard deviation.
    ///
    /// Errors on an empty matrix and on NaN/infinite values (naming the row
    /// and column).
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// assert!(StandardScaler::default().fit(array![[1.0f32, f32::NAN]].view()).is_err());
    /// ```
    pub fn fit<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedStandardScaler> {
        const OP: &str = "StandardScaler::fit";
        ensure_rows(OP, &x)?;
        ensure_finite_rc(OP, &x)?;
        let (n, p) = x.dim();
        let mut mean = vec![0.0f64; p];
        for row in x.rows() {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v.as_f64();
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut var = vec![0.0f64; p];
        for row in x.rows() {
            for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
                let d = v.as_f64() - m;
                *s += d * d;
            }
        }
        var.iter_mut().for_each(|s| *s /= n as f64);
        let nf = n as f64;
        let eps = f64::EPSILON;
        let scale: Vec<f64> = var
            .iter()
            .zip(&mean)
            .map(|(&v, &m)| {
                let bound = nf * eps * v + (nf * m * eps).powi(2);
                if v <= bound { 1.0 } else { v.sqrt() }
            })
            .collect();
        let affine = Affine {
            offset: if self.with_mean {
                mean.clone()
            } else {
                vec![0.0; p]
            },
            factor: if self.with_std {
                scale.iter().map(|s| 1.0 / s).collect()
            } else {
                vec![1.0; p]
            },
            add: vec![0.0; p],
        };
        Ok(FittedStandardScaler {
            mean,
            var,
            scale,
            n_samples: n,
            affine,
        })
    }
}

impl FittedStandardScaler {
    /// Column means learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// let s = StandardScaler::default().fit(array![[1.0f32], [5.0]].view()).unwrap();
    /// assert_eq!(s.mean(), &[3.0]);
    /// ```
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Column population variances learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// let s = StandardScaler::default().fit(array![[1.0f32], [5.0]].view()).unwrap();
    /// assert_eq!(s.var(), &[4.0]);
    /// ```
    pub fn var(&self) -> &[f64] {
        &self.var
    }

    /// Column scales: the standard deviation, or 1 for a constant column.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// let s = StandardScaler::default().fit(array![[1.0f32, 7.0], [5.0, 7.0]].view()).unwrap();
    /// assert_eq!(s.scale(), &[2.0, 1.0]);
    /// ```
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Number of rows seen at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// let s = StandardScaler::default().fit(array![[1.0f32], [5.0]].view()).unwrap();
    /// assert_eq!(s.n_samples(), 2);
    /// ```
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }
}

impl FittedStandardScaler {
    fn affine(&self) -> &Affine {
        &self.affine
    }
}

affine_methods!(FittedStandardScaler, "StandardScaler");

/// Min–max scaling: maps each column's training range `[min, max]` linearly
/// onto `feature_range` (default `[0, 1]`).
///
/// A constant column (min = max) maps to the lower bound of the range (its
/// range is taken as 1, as in scikit-learn). Values outside the training
/// range fall outside `feature_range`; they are not clipped.
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::MinMaxScaler;
/// let x = array![[1.0f64], [2.0], [5.0]];
/// let s = MinMaxScaler { feature_range: (-1.0, 1.0) }.fit(x.view()).unwrap();
/// assert_eq!(s.transform(x.view()).unwrap(), array![[-1.0], [-0.5], [1.0]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    /// Target range `(low, high)`, `low < high`, both finite.
    pub feature_range: (f64, f64),
}

impl Default for MinMaxScaler {
    fn default() -> Self {
        Self {
            feature_range: (0.0, 1.0),
        }
    }
}

/// A [`MinMaxScaler`] fitted on training data: column minima and maxima.
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::MinMaxScaler;
/// let s = MinMaxScaler::default().fit(array![[3.0f32], [1.0]].view()).unwrap();
/// assert_eq!((s.data_min(), s.data_max()), (&[1.0][..], &[3.0][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedMinMaxScaler {
    data_min: Vec<f64>,
    data_max: Vec<f64>,
    feature_range: (f64, f64),
    affine: Affine,
}

impl MinMaxScaler {
    /// Learns each column's minimum and maximum.
    ///
    /// Errors on a bad `feature_range`, an empty matrix, and NaN/infinite
    /// values (naming the row and column).
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::MinMaxScaler;
    /// let bad = MinMaxScaler { feature_range: (1.0, 0.0) };
    /// assert!(bad.fit(array![[1.0f32]].view()).is_err());
    /// ```
    pub fn fit<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedMinMaxScaler> {
        const OP: &str = "MinMaxScaler::fit";
        let (lo, hi) = self.feature_range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(invalid(
                OP,
                format!("feature_range must be finite with low < high, found ({lo}, {hi})"),
            ));
        }
        ensure_rows(OP, &x)?;
        ensure_finite_rc(OP, &x)?;
        let p = x.ncols();
        let mut data_min = vec![f64::INFINITY; p];
        let mut data_max = vec![f64::NEG_INFINITY; p];
        for row in x.rows() {
            for ((a, b), v) in data_min.iter_mut().zip(data_max.iter_mut()).zip(row) {
                let v = v.as_f64();
                *a = a.min(v);
                *b = b.max(v);
            }
        }
        let factor: Vec<f64> = data_min
            .iter()
            .zip(&data_max)
            .map(|(a, b)| {
                let range = b - a;
                (hi - lo) / if range > 0.0 { range } else { 1.0 }
            })
            .collect();
        let affine = Affine {
            offset: data_min.clone(),
            factor,
            add: vec![lo; p],
        };
        Ok(FittedMinMaxScaler {
            data_min,
            data_max,
            feature_range: (lo, hi),
            affine,
        })
    }
}

impl FittedMinMaxScaler {
    /// Column minima learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::MinMaxScaler;
    /// let s = MinMaxScaler::default().fit(array![[3.0f32], [-1.0]].view()).unwrap();
    /// assert_eq!(s.data_min(), &[-1.0]);
    /// ```
    pub fn data_min(&self) -> &[f64] {
        &self.data_min
    }

    /// Column maxima learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::MinMaxScaler;
    /// let s = MinMaxScaler::default().fit(array![[3.0f32], [-1.0]].view()).unwrap();
    /// assert_eq!(s.data_max(), &[3.0]);
    /// ```
    pub fn data_max(&self) -> &[f64] {
        &self.data_max
    }

    /// The target range the training range is mapped onto.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::MinMaxScaler;
    /// let s = MinMaxScaler::default().fit(array![[3.0f32]].view()).unwrap();
    /// assert_eq!(s.feature_range(), (0.0, 1.0));
    /// ```
    pub fn feature_range(&self) -> (f64, f64) {
        self.feature_range
    }
}

impl FittedMinMaxScaler {
    fn affine(&self) -> &Affine {
        &self.affine
    }
}

affine_methods!(FittedMinMaxScaler, "MinMaxScaler");

/// Robust scaling: `(x − median) / IQR` per column, where the IQR is the
/// distance between the `quantile_range` percentiles (default 25–75).
/// Outliers do not move the median or the IQR the way they move the mean
/// and the standard deviation.
///
/// Percentiles use linear interpolation between order statistics (NumPy's
/// default). A column with zero IQR gets scale 1.
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::RobustScaler;
/// let x = array![[1.0f64], [2.0], [3.0], [4.0], [100.0]];
/// let s = RobustScaler::default().fit(x.view()).unwrap();
/// assert_eq!((s.center()[0], s.scale()[0]), (3.0, 2.0));
/// assert_eq!(s.transform(x.view()).unwrap()[[4, 0]], 48.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RobustScaler {
    /// Subtract the column median (default `true`).
    pub with_centering: bool,
    /// Divide by the interquartile range (default `true`).
    pub with_scaling: bool,
    /// Percentiles `(low, high)` that define the range, `0 ≤ low < high ≤ 100`.
    pub quantile_range: (f64, f64),
}

impl Default for RobustScaler {
    fn default() -> Self {
        Self {
            with_centering: true,
            with_scaling: true,
            quantile_range: (25.0, 75.0),
        }
    }
}

/// A [`RobustScaler`] fitted on training data: column medians and IQRs.
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::RobustScaler;
/// let s = RobustScaler::default().fit(array![[1.0f32], [2.0], [3.0], [4.0]].view()).unwrap();
/// assert_eq!((s.center(), s.scale()), (&[2.5][..], &[1.5][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedRobustScaler {
    center: Vec<f64>,
    scale: Vec<f64>,
    affine: Affine,
}

/// The `q`-th percentile (0–100) of sorted finite values, interpolated
/// linearly (NaN for an empty slice).
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    crate::describe::quantile_sorted(sorted, q / 100.0).unwrap_or(f64::NAN)
}

impl RobustScaler {
    /// Learns each column's median and interquartile range.
    ///
    /// Errors on a bad `quantile_range`, an empty matrix, and NaN/infinite
    /// values (naming the row and column).
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::RobustScaler;
    /// let bad = RobustScaler { quantile_range: (75.0, 25.0), ..Default::default() };
    /// assert!(bad.fit(array![[1.0f32]].view()).is_err());
    /// ```
    pub fn fit<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedRobustScaler> {
        const OP: &str = "RobustScaler::fit";
        let (ql, qh) = self.quantile_range;
        if !(0.0..=100.0).contains(&ql) || !(0.0..=100.0).contains(&qh) || ql >= qh {
            return Err(invalid(
                OP,
                format!("quantile_range must satisfy 0 <= low < high <= 100, found ({ql}, {qh})"),
            ));
        }
        ensure_rows(OP, &x)?;
        ensure_finite_rc(OP, &x)?;
        let p = x.ncols();
        let mut buf = Vec::with_capacity(x.nrows());
        let mut center = Vec::with_capacity(p);
        let mut scale = Vec::with_capacity(p);
        for col in x.columns() {
            buf.clear();
            buf.extend(col.iter().map(|v| v.as_f64()));
            buf.sort_unstable_by(f64::total_cmp);
            center.push(percentile_sorted(&buf, 50.0));
            let iqr = percentile_sorted(&buf, qh) - percentile_sorted(&buf, ql);
            scale.push(if iqr > 0.0 { iqr } else { 1.0 });
        }
        let affine = Affine {
            offset: if self.with_centering {
                center.clone()
            } else {
                vec![0.0; p]
            },
            factor: if self.with_scaling {
                scale.iter().map(|s| 1.0 / s).collect()
            } else {
                vec![1.0; p]
            },
            add: vec![0.0; p],
        };
        Ok(FittedRobustScaler {
            center,
            scale,
            affine,
        })
    }
}

impl FittedRobustScaler {
    /// Column medians learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::RobustScaler;
    /// let s = RobustScaler::default().fit(array![[9.0f32], [1.0], [2.0]].view()).unwrap();
    /// assert_eq!(s.center(), &[2.0]);
    /// ```
    pub fn center(&self) -> &[f64] {
        &self.center
    }

    /// Column interquartile ranges learned at fit time (1 where it is zero).
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::RobustScaler;
    /// let s = RobustScaler::default().fit(array![[5.0f32], [5.0], [5.0]].view()).unwrap();
    /// assert_eq!(s.scale(), &[1.0]);
    /// ```
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }
}

impl FittedRobustScaler {
    fn affine(&self) -> &Affine {
        &self.affine
    }
}

affine_methods!(FittedRobustScaler, "RobustScaler");

/// Any of the three scalers, chosen at run time (e.g. from a config file or
/// a pipeline spec).
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::{Scaler, MinMaxScaler};
/// let s = Scaler::MinMax(MinMaxScaler::default()).fit(array![[0.0f32], [4.0]].view()).unwrap();
/// assert_eq!(s.transform(array![[1.0f32]].view()).unwrap(), array![[0.25]]);
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
/// let s = Scaler::Standard(StandardScaler::default()).fit(array![[1.0f64], [3.0]].view()).unwrap();
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
    /// Fits the chosen scaler on `x`.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::{Scaler, RobustScaler};
    /// let s = Scaler::Robust(RobustScaler::default()).fit(array![[1.0f32], [2.0], [3.0]].view()).unwrap();
    /// assert_eq!(s.n_features(), 1);
    /// ```
    pub fn fit<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedScaler> {
        Ok(match self {
            Scaler::Standard(s) => FittedScaler::Standard(s.fit(x)?),
            Scaler::MinMax(s) => FittedScaler::MinMax(s.fit(x)?),
            Scaler::Robust(s) => FittedScaler::Robust(s.fit(x)?),
        })
    }
}

impl FittedScaler {
    fn affine(&self) -> &Affine {
        match self {
            FittedScaler::Standard(s) => &s.affine,
            FittedScaler::MinMax(s) => &s.affine,
            FittedScaler::Robust(s) => &s.affine,
        }
    }
}

affine_methods!(FittedScaler, "Scaler");

impl Scaler {
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

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn standard_scaler_matches_hand_computation() {
        // col 0: mean 2.5, var 1.25; col 1: mean 25, var 125; col 2 constant.
        let x = array![
            [1.0f64, 10.0, 0.1],
            [2.0, 20.0, 0.1],
            [3.0, 30.0, 0.1],
            [4.0, 40.0, 0.1]
        ];
        let s = StandardScaler::default().fit(x.view()).unwrap();
        assert_abs_diff_eq!(s.mean()[0], 2.5, epsilon = 1e-12);
        assert_abs_diff_eq!(s.mean()[1], 25.0, epsilon = 1e-12);
        assert_abs_diff_eq!(s.var()[0], 1.25, epsilon = 1e-12);
        assert_abs_diff_eq!(s.var()[1], 125.0, epsilon = 1e-9);
        assert_eq!(s.scale()[2], 1.0); // 0.1·4/4 is not exactly 0.1: rounding tolerated
        let y = s.transform(x.view()).unwrap();
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
        .fit(x.view())
        .unwrap();
        assert_eq!(
            no_mean.transform(x.view()).unwrap(),
            array![[0.0, 1.0], [2.0, 1.0]]
        );
        let no_std = StandardScaler {
            with_mean: true,
            with_std: false,
        }
        .fit(x.view())
        .unwrap();
        assert_eq!(
            no_std.transform(x.view()).unwrap(),
            array![[-2.0, 0.0], [2.0, 0.0]]
        );
    }

    #[test]
    fn minmax_scaler_matches_hand_computation() {
        let x = array![[1.0f64, 7.0], [2.0, 7.0], [3.0, 7.0], [5.0, 7.0]];
        let s = MinMaxScaler::default().fit(x.view()).unwrap();
        let y = s.transform(x.view()).unwrap();
        assert_eq!(y.column(0).to_vec(), vec![0.0, 0.25, 0.5, 1.0]);
        assert_eq!(y.column(1).to_vec(), vec![0.0; 4]); // constant → low bound
        let s2 = MinMaxScaler {
            feature_range: (-1.0, 1.0),
        }
        .fit(x.view())
        .unwrap();
        let y2 = s2.transform(array![[9.0f64, 7.0]].view()).unwrap();
        assert_eq!(y2, array![[3.0, -1.0]]); // 2·(9−1)/4 − 1 = 3: not clipped
        let back = s2.inverse_transform(y2.view()).unwrap();
        assert_eq!(back, array![[9.0, 7.0]]);
    }

    #[test]
    fn robust_scaler_matches_numpy_percentiles() {
        // col 0: [1,2,3,4]: median 2.5, q25 (pos 0.75) 1.75, q75 (pos 2.25) 3.25 → IQR 1.5.
        // col 1: [10,10,10,50]: median 10, q25 10, q75 10 + 0.25·40 = 20 → IQR 10.
        let x = array![[1.0f64, 10.0], [2.0, 10.0], [3.0, 10.0], [4.0, 50.0]];
        let s = RobustScaler::default().fit(x.view()).unwrap();
        assert_eq!(s.center(), &[2.5, 10.0]);
        assert_eq!(s.scale(), &[1.5, 10.0]);
        let y = s.transform(x.view()).unwrap();
        assert_abs_diff_eq!(y[[0, 0]], -1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(y[[3, 1]], 4.0, epsilon = 1e-12);
        let q = RobustScaler {
            quantile_range: (10.0, 90.0),
            ..Default::default()
        }
        .fit(x.view())
        .unwrap();
        // col 0: q10 at pos 0.3 → 1.3, q90 at pos 2.7 → 3.7.
        assert_abs_diff_eq!(q.scale()[0], 2.4, epsilon = 1e-12);
    }

    #[test]
    fn robust_scaler_zero_iqr_gets_scale_one() {
        // q25 (pos 1) = 5 and q75 (pos 3) = 5: IQR 0 despite the 9.
        let x = array![[5.0f32], [5.0], [5.0], [5.0], [9.0]];
        let s = RobustScaler::default().fit(x.view()).unwrap();
        assert_eq!(s.scale(), &[1.0]);
        let c = RobustScaler::default()
            .fit(array![[2.0f32], [2.0], [2.0]].view())
            .unwrap();
        assert_eq!(c.scale(), &[1.0]);
        assert_eq!(c.transform(array![[3.0f32]].view()).unwrap(), array![[1.0]]);
    }

    #[test]
    fn errors_name_shape_row_and_column() {
        let s = StandardScaler::default()
            .fit(array![[1.0f32, 2.0], [3.0, 4.0]].view())
            .unwrap();
        let err = s.transform(array![[1.0f32, 2.0, 3.0]].view()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("2 columns") && msg.contains("3 columns"),
            "{msg}"
        );
        let err = StandardScaler::default()
            .fit(array![[1.0f64, 2.0], [3.0, f64::NAN]].view())
            .unwrap_err();
        assert!(err.to_string().contains("row 1, column 1"), "{err}");
        let err = MinMaxScaler::default()
            .fit(Array2::<f32>::zeros((0, 2)).view())
            .unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let mut bad = array![[1.0f32, f32::INFINITY]];
        let err = s.transform_inplace(bad.view_mut()).unwrap_err();
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
            let fitted = scaler.fit(x.view()).unwrap();
            let y = fitted.transform(x.view()).unwrap();
            let back = fitted.inverse_transform(y.view()).unwrap();
            for (a, b) in back.iter().zip(&x) {
                assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
            }
            let json = serde_json::to_string(&fitted).unwrap();
            let loaded: FittedScaler = serde_json::from_str(&json).unwrap();
            assert_eq!(loaded, fitted);
            assert_eq!(loaded.transform(x.view()).unwrap(), y);
        }
    }

    #[test]
    fn works_on_strided_views() {
        let x = array![[1.0f64, 100.0], [3.0, 200.0]];
        let t = x.t(); // column-major view
        let s = StandardScaler::default().fit(t).unwrap();
        assert_eq!(s.mean(), &[50.5, 101.5]);
        let y = s.transform(t).unwrap();
        assert_abs_diff_eq!(y[[0, 0]], -1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(y[[1, 1]], 1.0, epsilon = 1e-12);
    }
}
