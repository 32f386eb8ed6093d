//! [`RobustScaler`]: median and interquartile range, unmoved by outliers.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::persist::Persist;

use super::{
    Affine, affine_methods, check_columns, check_scales, check_stat, ensure_finite_rc, ensure_rows,
    numeric_block,
};
use crate::pipeline::FittedStep;
use crate::transform::show_number;
use crate::{Error, Result, Table, Transform, Transformer};

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
/// let s = RobustScaler::default().fit_matrix(x.view()).unwrap();
/// assert_eq!((s.center()[0], s.scale()[0]), (3.0, 2.0));
/// assert_eq!(s.transform_matrix(x.view()).unwrap()[[4, 0]], 48.5);
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
/// let s = RobustScaler::default().fit_matrix(array![[1.0f32], [2.0], [3.0], [4.0]].view()).unwrap();
/// assert_eq!((s.center(), s.scale()), (&[2.5][..], &[1.5][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedRobustScaler {
    params: RobustScaler,
    #[serde(default)]
    columns: Vec<String>,
    center: Vec<f64>,
    scale: Vec<f64>,
}

/// The `q`-th percentile (0–100) of sorted finite values, interpolated
/// linearly (NaN for an empty slice).
fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    crate::describe::quantile_sorted(sorted, q / 100.0).unwrap_or(f64::NAN)
}

impl RobustScaler {
    fn check(&self, op: &'static str) -> Result<()> {
        let (ql, qh) = self.quantile_range;
        if !(0.0..=100.0).contains(&ql) || !(0.0..=100.0).contains(&qh) || ql >= qh {
            return Err(Error::InvalidParameter {
                op,
                name: "quantile_range",
                message: format!("must satisfy 0 <= low < high <= 100, found ({ql}, {qh})"),
            });
        }
        Ok(())
    }

    /// Learns each column's median and interquartile range from a matrix.
    ///
    /// Errors on a bad `quantile_range`, an empty matrix, and NaN/infinite
    /// values (naming the row and column).
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::RobustScaler;
    /// let bad = RobustScaler { quantile_range: (75.0, 25.0), ..Default::default() };
    /// let err = bad.fit_matrix(array![[1.0f32]].view()).unwrap_err().to_string();
    /// assert!(err.contains("parameter `quantile_range`"), "{err}");
    /// ```
    pub fn fit_matrix<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedRobustScaler> {
        const OP: &str = "RobustScaler::fit_matrix";
        self.check(OP)?;
        ensure_rows(OP, &x)?;
        ensure_finite_rc(OP, &x)?;
        self.fit_named(OP, x, &[])
    }

    /// The fit of `fit_matrix`, naming column `j` by `names[j]` (or `j`) in errors.
    fn fit_named<S: Scalar>(
        &self,
        op: &'static str,
        x: ArrayView2<S>,
        names: &[String],
    ) -> Result<FittedRobustScaler> {
        let (ql, qh) = self.quantile_range;
        let p = x.ncols();
        let mut buf = Vec::with_capacity(x.nrows());
        let mut center = Vec::with_capacity(p);
        let mut scale = Vec::with_capacity(p);
        for (j, col) in x.columns().into_iter().enumerate() {
            buf.clear();
            buf.extend(col.iter().map(|v| v.as_f64()));
            buf.sort_unstable_by(f64::total_cmp);
            center.push(percentile_sorted(&buf, 50.0));
            let (q_lo, q_hi) = (percentile_sorted(&buf, ql), percentile_sorted(&buf, qh));
            let iqr = q_hi - q_lo;
            if !iqr.is_finite() {
                let name = names.get(j).cloned().unwrap_or_else(|| j.to_string());
                return Err(Error::InvalidArgument {
                    op,
                    message: format!(
                        "column `{name}`: the quantile range {} − ({}) is beyond the range of \
                         floating-point numbers, so it cannot be a scale; divide the column by a \
                         constant or take its logarithm before scaling",
                        show_number(q_hi),
                        show_number(q_lo)
                    ),
                });
            }
            scale.push(if iqr > 0.0 { iqr } else { 1.0 });
        }
        Ok(FittedRobustScaler {
            params: *self,
            columns: Vec::new(),
            center,
            scale,
        })
    }
}

impl Transformer for RobustScaler {
    type Fitted = FittedRobustScaler;

    /// Learns the median and IQR of every numeric column of `table` (errors
    /// as for [`StandardScaler`](super::StandardScaler)'s `fit`).
    fn fit(&self, table: &Table) -> Result<FittedRobustScaler> {
        self.check("RobustScaler::fit")?;
        let (columns, x) = numeric_block("RobustScaler::fit", table)?;
        let mut fitted = self.fit_named("RobustScaler::fit", x.view(), &columns)?;
        fitted.columns = columns;
        Ok(fitted)
    }
}

impl FittedRobustScaler {
    /// Column medians learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::RobustScaler;
    /// let s = RobustScaler::default().fit_matrix(array![[9.0f32], [1.0], [2.0]].view()).unwrap();
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
    /// let s = RobustScaler::default().fit_matrix(array![[5.0f32], [5.0], [5.0]].view()).unwrap();
    /// assert_eq!(s.scale(), &[1.0]);
    /// ```
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    pub(super) fn column_names(&self) -> &[String] {
        &self.columns
    }

    pub(super) fn affine(&self) -> Affine {
        let p = self.center.len();
        Affine {
            offset: if self.params.with_centering {
                self.center.clone()
            } else {
                vec![0.0; p]
            },
            factor: if self.params.with_scaling {
                self.scale.iter().map(|s| 1.0 / s).collect()
            } else {
                vec![1.0; p]
            },
            add: vec![0.0; p],
        }
    }
}

affine_methods!(FittedRobustScaler, "RobustScaler");

impl Persist for FittedRobustScaler {
    const KIND: &'static str = "ua-data/robust-scaler";

    /// Medians and scales have one finite entry per column, scales are > 0,
    /// the quantile range is valid, and column names (if any) are distinct
    /// and one per column.
    fn validate(&self) -> std::result::Result<(), String> {
        let p = self.center.len();
        check_stat("median", &self.center, p)?;
        check_scales(&self.scale, p)?;
        self.params
            .check("FittedRobustScaler")
            .map_err(|e| e.to_string())?;
        check_columns(&self.columns, p)
    }
}

#[typetag::serde(name = "ua-data/robust-scaler")]
impl FittedStep for FittedRobustScaler {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}
