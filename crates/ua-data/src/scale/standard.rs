//! [`StandardScaler`]: z-scores with the population standard deviation.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::persist::Persist;

use super::{
    Affine, Moments, affine_methods, check_columns, check_scales, check_stat, ensure_finite_rc,
    ensure_rows, numeric_block,
};
use crate::pipeline::FittedStep;
use crate::{Result, Table, Transform, Transformer};

/// Standardisation: `(x − mean) / std` per column, with the *population*
/// standard deviation (divide by `n`, as scikit-learn does).
///
/// A zero-variance (constant) column gets scale 1 instead of 0, so it maps
/// to 0 rather than NaN. "Zero" allows for rounding: a column counts as
/// constant when its variance is at most
/// `n·ε·var + (n·ε·mean)²` (scikit-learn's test, ε the `f64` epsilon).
/// This is the one standardisation rule of the workspace (see the
/// [module docs](super)).
///
/// ```
/// use ua_data::ndarray::array;
/// use ua_data::scale::StandardScaler;
/// let x = array![[1.0f64], [2.0], [3.0], [4.0]];
/// let s = StandardScaler::default().fit_matrix(x.view()).unwrap();
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
/// use ua_tensor::persist::Persist;
/// let s = StandardScaler::default().fit_matrix(array![[0.0f32], [2.0]].view()).unwrap();
/// let back = FittedStandardScaler::from_json(&s.to_json().unwrap()).unwrap();
/// assert_eq!(back, s);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedStandardScaler {
    params: StandardScaler,
    #[serde(default)]
    columns: Vec<String>,
    mean: Vec<f64>,
    var: Vec<f64>,
    scale: Vec<f64>,
    n_samples: usize,
}

impl StandardScaler {
    /// Learns each column's mean and population standard deviation from a
    /// matrix (`f32` or `f64`).
    ///
    /// Errors on an empty matrix and on NaN/infinite values (naming the row
    /// and column).
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// assert!(StandardScaler::default().fit_matrix(array![[1.0f32, f32::NAN]].view()).is_err());
    /// ```
    pub fn fit_matrix<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedStandardScaler> {
        const OP: &str = "StandardScaler::fit_matrix";
        ensure_rows(OP, &x)?;
        ensure_finite_rc(OP, &x)?;
        let n = x.nrows();
        let (mut mean, mut var, mut scale) = (Vec::new(), Vec::new(), Vec::new());
        for col in x.columns() {
            // Scaled by a power of two when the column holds huge values, so
            // that ±1e308 gives the right mean and standard deviation.
            let m = Moments::of(col.iter().map(|v| v.as_f64()));
            let var_s = m.var_s(0);
            mean.push(m.mean());
            // The variance itself can exceed f64 (std above 1.3e154): it
            // saturates at f64::MAX; the scale, which is what is used, is exact.
            var.push((var_s * m.c * m.c).min(f64::MAX));
            scale.push(scaled_standard_scale(var_s, m.mean_s, n, m.c));
        }
        Ok(FittedStandardScaler {
            params: *self,
            columns: Vec::new(),
            mean,
            var,
            scale,
            n_samples: n,
        })
    }
}

/// The scale of a column with population variance `var` and mean `mean`
/// over `n` rows: its standard deviation, or 1 when the variance is zero up
/// to rounding (scikit-learn's bound `n·ε·var + (n·ε·mean)²`).
///
/// ```
/// use ua_data::scale::standard_scale;
/// assert_eq!(standard_scale(4.0, 10.0, 3), 2.0);
/// assert_eq!(standard_scale(0.0, 10.0, 3), 1.0);
/// assert_eq!(standard_scale(1e-40, 1.0, 3), 1.0); // rounding noise, not spread
/// ```
pub fn standard_scale(var: f64, mean: f64, n: usize) -> f64 {
    let nf = n as f64;
    let eps = f64::EPSILON;
    let bound = nf * eps * var + (nf * mean * eps).powi(2);
    if var <= bound { 1.0 } else { var.sqrt() }
}

/// [`standard_scale`] for statistics of values divided by `c` (a power of
/// two): the constant-column test is scale-free, and the scale is
/// `c · √var_s`, finite even when the variance is not.
fn scaled_standard_scale(var_s: f64, mean_s: f64, n: usize, c: f64) -> f64 {
    let nf = n as f64;
    let eps = f64::EPSILON;
    let bound = nf * eps * var_s + (nf * mean_s * eps).powi(2);
    if var_s <= bound {
        1.0
    } else {
        var_s.sqrt() * c
    }
}

impl Transformer for StandardScaler {
    type Fitted = FittedStandardScaler;

    /// Learns the mean and scale of every numeric column of `table`. Errors
    /// name the column (and row): no numeric column, a missing value (impute
    /// first), a NaN or infinite value, an empty table.
    fn fit(&self, table: &Table) -> Result<FittedStandardScaler> {
        let (columns, x) = numeric_block("StandardScaler::fit", table)?;
        let mut fitted = self.fit_matrix(x.view())?;
        fitted.columns = columns;
        Ok(fitted)
    }
}

impl FittedStandardScaler {
    /// Column means learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// let s = StandardScaler::default().fit_matrix(array![[1.0f32], [5.0]].view()).unwrap();
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
    /// let s = StandardScaler::default().fit_matrix(array![[1.0f32], [5.0]].view()).unwrap();
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
    /// let s = StandardScaler::default().fit_matrix(array![[1.0f32, 7.0], [5.0, 7.0]].view()).unwrap();
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
    /// let s = StandardScaler::default().fit_matrix(array![[1.0f32], [5.0]].view()).unwrap();
    /// assert_eq!(s.n_samples(), 2);
    /// ```
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// The parameters the scaler was fitted with.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::StandardScaler;
    /// let p = StandardScaler { with_mean: false, with_std: true };
    /// assert_eq!(p.fit_matrix(array![[1.0f32]].view()).unwrap().params(), p);
    /// ```
    pub fn params(&self) -> StandardScaler {
        self.params
    }

    pub(super) fn column_names(&self) -> &[String] {
        &self.columns
    }

    pub(super) fn affine(&self) -> Affine {
        let p = self.mean.len();
        Affine {
            offset: if self.params.with_mean {
                self.mean.clone()
            } else {
                vec![0.0; p]
            },
            factor: if self.params.with_std {
                self.scale.iter().map(|s| 1.0 / s).collect()
            } else {
                vec![1.0; p]
            },
            add: vec![0.0; p],
        }
    }
}

affine_methods!(FittedStandardScaler, "StandardScaler");

impl Persist for FittedStandardScaler {
    const KIND: &'static str = "ua-data/standard-scaler";

    /// Means, variances and scales have one finite entry per column,
    /// variances are ≥ 0, scales > 0, at least one row was seen, and column
    /// names (if any) are distinct and one per column.
    fn validate(&self) -> std::result::Result<(), String> {
        let p = self.mean.len();
        check_stat("mean", &self.mean, p)?;
        check_stat("variance", &self.var, p)?;
        if let Some(j) = self.var.iter().position(|&v| v < 0.0) {
            return Err(format!(
                "variance of column {j} is negative: {}",
                self.var[j]
            ));
        }
        check_scales(&self.scale, p)?;
        if self.n_samples == 0 {
            return Err("fitted on 0 rows".into());
        }
        check_columns(&self.columns, p)
    }
}

#[typetag::serde(name = "ua-data/standard-scaler")]
impl FittedStep for FittedStandardScaler {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}
