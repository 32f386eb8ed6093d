//! [`MinMaxScaler`]: each column's training range onto a target range.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use ua_tensor::Scalar;
use ua_tensor::persist::Persist;

use super::{
    Affine, affine_methods, check_columns, check_stat, ensure_finite_rc, ensure_rows, numeric_block,
};
use crate::pipeline::FittedStep;
use crate::transform::show_number;
use crate::{Error, Result, Table, Transform, Transformer};

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
/// let s = MinMaxScaler { feature_range: (-1.0, 1.0) }.fit_matrix(x.view()).unwrap();
/// assert_eq!(s.transform_matrix(x.view()).unwrap(), array![[-1.0], [-0.5], [1.0]]);
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
/// let s = MinMaxScaler::default().fit_matrix(array![[3.0f32], [1.0]].view()).unwrap();
/// assert_eq!((s.data_min(), s.data_max()), (&[1.0][..], &[3.0][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedMinMaxScaler {
    #[serde(default)]
    columns: Vec<String>,
    data_min: Vec<f64>,
    data_max: Vec<f64>,
    feature_range: (f64, f64),
}

/// Errors when a column's span `max − min` is beyond `f64` (as from −1e308
/// to 1e308): no scale factor could map it onto the target range exactly.
fn check_spans(op: &'static str, min: &[f64], max: &[f64], names: &[String]) -> Result<()> {
    match (0..min.len()).find(|&j| !(max[j] - min[j]).is_finite()) {
        Some(j) => Err(Error::InvalidArgument {
            op,
            message: format!(
                "column `{}`: the span {} − ({}) is beyond the range of floating-point numbers, \
                 so it cannot be scaled onto the target range; divide the column by a constant \
                 or take its logarithm before scaling",
                names.get(j).cloned().unwrap_or_else(|| j.to_string()),
                show_number(max[j]),
                show_number(min[j])
            ),
        }),
        None => Ok(()),
    }
}

fn check_range(op: &'static str, (lo, hi): (f64, f64)) -> Result<()> {
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            op,
            name: "feature_range",
            message: format!("must be finite with low < high, found ({lo}, {hi})"),
        })
    }
}

impl MinMaxScaler {
    /// Learns each column's minimum and maximum from a matrix.
    ///
    /// Errors on a bad `feature_range`, an empty matrix, and NaN/infinite
    /// values (naming the row and column).
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::MinMaxScaler;
    /// let bad = MinMaxScaler { feature_range: (1.0, 0.0) };
    /// let err = bad.fit_matrix(array![[1.0f32]].view()).unwrap_err().to_string();
    /// assert!(err.contains("parameter `feature_range`"), "{err}");
    /// ```
    pub fn fit_matrix<S: Scalar>(&self, x: ArrayView2<S>) -> Result<FittedMinMaxScaler> {
        self.fit_named("MinMaxScaler::fit_matrix", x, &[])
    }

    /// The fit of `fit_matrix`, naming column `j` by `names[j]` (or `j`) in errors.
    fn fit_named<S: Scalar>(
        &self,
        op: &'static str,
        x: ArrayView2<S>,
        names: &[String],
    ) -> Result<FittedMinMaxScaler> {
        check_range(op, self.feature_range)?;
        ensure_rows(op, &x)?;
        ensure_finite_rc(op, &x)?;
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
        check_spans(op, &data_min, &data_max, names)?;
        Ok(FittedMinMaxScaler {
            columns: Vec::new(),
            data_min,
            data_max,
            feature_range: self.feature_range,
        })
    }
}

impl Transformer for MinMaxScaler {
    type Fitted = FittedMinMaxScaler;

    /// Learns the range of every numeric column of `table` (errors as for
    /// [`StandardScaler`](super::StandardScaler)'s `fit`).
    fn fit(&self, table: &Table) -> Result<FittedMinMaxScaler> {
        check_range("MinMaxScaler::fit", self.feature_range)?;
        let (columns, x) = numeric_block("MinMaxScaler::fit", table)?;
        let mut fitted = self.fit_named("MinMaxScaler::fit", x.view(), &columns)?;
        fitted.columns = columns;
        Ok(fitted)
    }
}

impl FittedMinMaxScaler {
    /// Column minima learned at fit time.
    ///
    /// ```
    /// use ua_data::ndarray::array;
    /// use ua_data::scale::MinMaxScaler;
    /// let s = MinMaxScaler::default().fit_matrix(array![[3.0f32], [-1.0]].view()).unwrap();
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
    /// let s = MinMaxScaler::default().fit_matrix(array![[3.0f32], [-1.0]].view()).unwrap();
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
    /// let s = MinMaxScaler::default().fit_matrix(array![[3.0f32]].view()).unwrap();
    /// assert_eq!(s.feature_range(), (0.0, 1.0));
    /// ```
    pub fn feature_range(&self) -> (f64, f64) {
        self.feature_range
    }

    pub(super) fn column_names(&self) -> &[String] {
        &self.columns
    }

    pub(super) fn affine(&self) -> Affine {
        let (lo, hi) = self.feature_range;
        let factor = self
            .data_min
            .iter()
            .zip(&self.data_max)
            .map(|(a, b)| {
                let range = b - a;
                (hi - lo) / if range > 0.0 { range } else { 1.0 }
            })
            .collect();
        Affine {
            offset: self.data_min.clone(),
            factor,
            add: vec![lo; self.data_min.len()],
        }
    }
}

affine_methods!(FittedMinMaxScaler, "MinMaxScaler");

impl Persist for FittedMinMaxScaler {
    const KIND: &'static str = "ua-data/min-max-scaler";

    /// Minima and maxima have one finite entry per column with min ≤ max,
    /// the target range is finite with low < high, and column names (if
    /// any) are distinct and one per column.
    fn validate(&self) -> std::result::Result<(), String> {
        let p = self.data_min.len();
        check_stat("minimum", &self.data_min, p)?;
        check_stat("maximum", &self.data_max, p)?;
        if let Some(j) = (0..p).find(|&j| self.data_min[j] > self.data_max[j]) {
            return Err(format!(
                "column {j}: minimum {} exceeds maximum {}",
                self.data_min[j], self.data_max[j]
            ));
        }
        check_range("FittedMinMaxScaler", self.feature_range).map_err(|e| e.to_string())?;
        check_columns(&self.columns, p)
    }
}

#[typetag::serde(name = "ua-data/min-max-scaler")]
impl FittedStep for FittedMinMaxScaler {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}
