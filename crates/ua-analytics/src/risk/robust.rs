//! [`RobustZ`]: per-feature robust z-scores (median and MAD), the simplest
//! rule-style risk score — how far a row lies from the typical row on its
//! most unusual feature — and robust to the outliers it looks for.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_tensor::check::ensure_finite;
use ua_tensor::persist::Persist;

use crate::{Error, Result, RiskScorer};

/// MAD × 1.4826 estimates the standard deviation of normal data.
const MAD_TO_SD: f64 = 1.482_602_218_505_602;
/// Mean absolute deviation × 1.2533 (√(π/2)) does the same (used when more
/// than half of a column equals its median, so the MAD is 0).
const MEAN_AD_TO_SD: f64 = 1.253_314_137_315_500_3;

/// Robust z-scores: fitted per-feature medians and scales; a row's risk is
/// its largest |z| over the features.
///
/// ```
/// use ua_analytics::RiskScorer;
/// use ua_analytics::ndarray::array;
/// use ua_analytics::risk::RobustZ;
/// let x = array![[1.0f32, 10.0], [2.0, 11.0], [3.0, 12.0], [2.0, 11.0], [2.0, 90.0]];
/// let z = RobustZ::fit(x.view()).unwrap();
/// let s = z.risk_score(x.view()).unwrap();
/// assert!(s[4] > 10.0 && s[0] < 2.0); // 90 is far out in column 1
/// assert_eq!(z.explain(x.view(), 1).unwrap()[4], [(1, z.z_scores(x.view()).unwrap()[[4, 1]])]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustZ {
    median: Vec<f64>,
    /// Robust standard deviation per feature; 0 for a constant column.
    scale: Vec<f64>,
}

impl RobustZ {
    /// Medians and robust scales of the columns of `x` (at least one row,
    /// finite values). A constant column gets scale 0 and never contributes
    /// to the score (see [`RobustZ::constant_features`]).
    pub fn fit(x: ArrayView2<'_, f32>) -> Result<RobustZ> {
        const OP: &str = "RobustZ::fit";
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::Empty { op: OP });
        }
        ensure_finite(OP, &x)?;
        let (mut median, mut scale) = (Vec::new(), Vec::new());
        for column in x.columns() {
            let mut v: Vec<f64> = column.iter().map(|&a| f64::from(a)).collect();
            let m = median_of(&mut v);
            let mut dev: Vec<f64> = v.iter().map(|a| (a - m).abs()).collect();
            let mad = median_of(&mut dev);
            let s = if mad > 0.0 {
                MAD_TO_SD * mad
            } else {
                MEAN_AD_TO_SD * dev.iter().sum::<f64>() / dev.len() as f64
            };
            median.push(m);
            scale.push(s);
        }
        Ok(RobustZ { median, scale })
    }

    /// The fitted medians.
    pub fn medians(&self) -> &[f64] {
        &self.median
    }

    /// The fitted robust standard deviations (0 for constant columns).
    pub fn scales(&self) -> &[f64] {
        &self.scale
    }

    /// Columns that were constant at fit (scale 0): left out of the scores.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::risk::RobustZ;
    /// let z = RobustZ::fit(array![[1.0f32, 5.0], [2.0, 5.0]].view()).unwrap();
    /// assert_eq!(z.constant_features(), [1]);
    /// ```
    pub fn constant_features(&self) -> Vec<usize> {
        (0..self.scale.len())
            .filter(|&j| self.scale[j] == 0.0)
            .collect()
    }

    fn check_input(&self, op: &'static str, x: ArrayView2<'_, f32>) -> Result<()> {
        if x.ncols() != self.median.len() {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!("{} columns (as in training)", self.median.len()),
                found: format!("{} columns", x.ncols()),
            });
        }
        if x.nrows() == 0 {
            return Err(Error::Empty { op });
        }
        ensure_finite(op, &x)?;
        Ok(())
    }

    /// `(x − median) / scale` per value (0 in constant columns).
    pub fn z_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        self.check_input("RobustZ::z_scores", x)?;
        Ok(self.z(x))
    }

    fn z(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        Array2::from_shape_fn(x.dim(), |(i, j)| {
            let s = self.scale[j];
            if s > 0.0 {
                ((f64::from(x[[i, j]]) - self.median[j]) / s) as f32
            } else {
                0.0
            }
        })
    }

    /// For each row, the `top` features with the largest |z| as
    /// `(feature, z)`, largest first (ties to the lower feature).
    pub fn explain(&self, x: ArrayView2<'_, f32>, top: usize) -> Result<Vec<Vec<(usize, f32)>>> {
        const OP: &str = "RobustZ::explain";
        self.check_input(OP, x)?;
        if top == 0 {
            return Err(crate::error::parameter(
                OP,
                "top",
                "must be at least 1, got 0",
            ));
        }
        let z = self.z(x);
        Ok(z.rows()
            .into_iter()
            .map(|row| {
                let abs: Vec<f32> = row.iter().map(|v| v.abs()).collect();
                ua_tensor::topk::top_k_masked(&abs, top, |_| false)
                    .into_iter()
                    .map(|(j, _)| (j, row[j]))
                    .collect()
            })
            .collect())
    }
}

/// The median of `v` (mean of the two middle values for an even count);
/// reorders `v`.
fn median_of(v: &mut [f64]) -> f64 {
    let n = v.len();
    let mid = n / 2;
    let (_, &mut upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        let lower = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

impl RiskScorer<ArrayView2<'_, f32>> for RobustZ {
    /// The largest |robust z| over the features of each row.
    fn risk_score(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        self.check_input("RobustZ::risk_score", x)?;
        Ok(self
            .z(x)
            .rows()
            .into_iter()
            .map(|r| r.iter().fold(0.0f32, |m, v| m.max(v.abs())))
            .collect())
    }
}

impl Persist for RobustZ {
    const KIND: &'static str = "ua-analytics/robust-z";

    fn validate(&self) -> std::result::Result<(), String> {
        if self.median.is_empty() || self.median.len() != self.scale.len() {
            return Err(format!(
                "{} medians and {} scales",
                self.median.len(),
                self.scale.len()
            ));
        }
        if let Some(j) = (0..self.scale.len()).find(|&j| {
            !(self.median[j].is_finite() && self.scale[j].is_finite() && self.scale[j] >= 0.0)
        }) {
            return Err(format!(
                "feature {j}: median {}, scale {}",
                self.median[j], self.scale[j]
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn medians_and_scales_by_hand() {
        // Column 0: 1 2 3 4 100 → median 3, |dev| 2 1 0 1 97 → MAD 1.
        // Column 1: 5 5 5 5 6 → median 5, MAD 0 → mean |dev| = 0.2.
        // Column 2: 2 4 6 8 → median 5 (even count), |dev| 3 1 1 3 → MAD 2.
        let x = array![
            [1.0f32, 5.0],
            [2.0, 5.0],
            [3.0, 5.0],
            [4.0, 5.0],
            [100.0, 6.0]
        ];
        let z = RobustZ::fit(x.view()).unwrap();
        assert_eq!(z.medians(), [3.0, 5.0]);
        assert!((z.scales()[0] - MAD_TO_SD).abs() < 1e-12);
        assert!((z.scales()[1] - 0.2 * MEAN_AD_TO_SD).abs() < 1e-12);
        let even = RobustZ::fit(array![[2.0f32], [4.0], [6.0], [8.0]].view()).unwrap();
        assert_eq!(even.medians(), [5.0]);
        assert!((even.scales()[0] - 2.0 * MAD_TO_SD).abs() < 1e-12);
        let zs = z.z_scores(x.view()).unwrap();
        assert!((zs[[4, 0]] - (97.0 / MAD_TO_SD) as f32).abs() < 1e-4);
        assert!((zs[[0, 0]] + (2.0 / MAD_TO_SD) as f32).abs() < 1e-6);
        let s = z.risk_score(x.view()).unwrap();
        assert_eq!(s[4], zs[[4, 0]].abs().max(zs[[4, 1]].abs()));
        assert_eq!(z.explain(x.view(), 2).unwrap()[4][0].0, 0);
    }

    #[test]
    fn constant_columns_do_not_score_and_bad_input_is_an_error() {
        let x = array![[1.0f32, 7.0], [3.0, 7.0], [2.0, 7.0]];
        let z = RobustZ::fit(x.view()).unwrap();
        assert_eq!(z.constant_features(), [1]);
        let far = array![[2.0f32, 1e6]];
        assert_eq!(z.risk_score(far.view()).unwrap()[0], 0.0);
        assert!(
            z.risk_score(array![[1.0f32]].view())
                .unwrap_err()
                .to_string()
                .contains("2 columns")
        );
        let e = z
            .risk_score(array![[1.0f32, f32::NAN]].view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 0, column 1"), "{e}");
        assert!(RobustZ::fit(x.slice(ndarray::s![..0, ..])).is_err());
        assert!(z.explain(x.view(), 0).is_err());
    }

    #[test]
    fn constant_features_lists_every_constant_column_and_only_those() {
        let z = RobustZ::fit(array![[4.0f32, 1.0, 9.0], [4.0, 2.0, 9.0]].view()).unwrap();
        assert_eq!(z.constant_features(), [0, 2]);
        assert_eq!(z.scales()[1], 0.5 * MAD_TO_SD);
        let none = RobustZ::fit(array![[1.0f32], [2.0]].view()).unwrap();
        assert_eq!(none.constant_features(), Vec::<usize>::new());
    }

    #[test]
    fn loading_refuses_inconsistent_models() {
        let z = RobustZ::fit(array![[1.0f32, 2.0], [3.0, 5.0]].view()).unwrap();
        let json = z.to_json().unwrap();
        assert_eq!(RobustZ::from_json(&json).unwrap(), z);
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["model"]["scale"][1] = serde_json::json!(-1.0);
        let e = RobustZ::from_json(&v.to_string()).unwrap_err().to_string();
        assert!(e.contains("feature 1"), "{e}");
        v["model"]["scale"] = serde_json::json!([1.0]);
        let e = RobustZ::from_json(&v.to_string()).unwrap_err().to_string();
        assert!(e.contains("2 medians and 1 scales"), "{e}");
    }
}
