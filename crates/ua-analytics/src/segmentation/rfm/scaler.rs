//! The features of RFM k-means: `log1p` of the raw recency, frequency and
//! monetary values ([`ua_data::transform::Log1p`]), standardised by
//! [`ua_data::scale::StandardScaler`] (mean and population standard
//! deviation of the training customers, and *its* zero-variance rule: a
//! constant column is centred, not scaled). No rule of its own.
//!
//! Raw values come in any [`RfmInput`] form: a table with the columns of
//! [`RFM_COLUMNS`] (such as `RfmFeatures::to_table()`), borrowed columns
//! ([`RfmColumns`]) or the [`RfmFeatures`] themselves.

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use ua_data::features::rfm::RfmFeatures;
use ua_data::scale::{FittedStandardScaler, StandardScaler};
use ua_data::transform::{FittedLog1p, Log1p};
use ua_data::{Column, Table, Transform, Transformer};

use super::scores::{check_lengths, no_customers};
use crate::{Error, Result};

/// The raw columns an [`RfmInput`] table holds, in the order of the
/// feature matrix (the names of `RfmFeatures::to_table()`).
///
/// ```
/// use ua_analytics::segmentation::rfm::RFM_COLUMNS;
/// assert_eq!(RFM_COLUMNS, ["recency_days", "frequency", "monetary"]);
/// ```
pub const RFM_COLUMNS: [&str; 3] = ["recency_days", "frequency", "monetary"];

/// Feature names of the columns [`LogRfmScaler`] produces, in order.
///
/// ```
/// use ua_analytics::segmentation::rfm::LOG_RFM_COLUMNS;
/// assert_eq!(LOG_RFM_COLUMNS[2], "log1p_monetary");
/// ```
pub const LOG_RFM_COLUMNS: [&str; 3] = ["log1p_recency_days", "log1p_frequency", "log1p_monetary"];

/// Raw recency (days, ≥ 0), frequency (purchase days) and monetary (total
/// amount, ≥ 0) values of customers, one entry per customer in each slice.
///
/// ```
/// use ua_analytics::segmentation::rfm::RfmColumns;
/// let c = RfmColumns::new(&[3, 40], &[5, 1], &[120.0, 9.5]);
/// assert_eq!(c.len(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmColumns<'a> {
    /// Days from the last purchase to the as-of date.
    pub recency_days: &'a [i32],
    /// Distinct purchase days.
    pub frequency: &'a [u32],
    /// Total amount.
    pub monetary: &'a [f64],
}

impl<'a> RfmColumns<'a> {
    /// The three columns (their lengths are checked where they are used).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmColumns;
    /// assert_eq!(RfmColumns::new(&[1], &[2], &[3.0]).frequency, [2]);
    /// ```
    pub fn new(recency_days: &'a [i32], frequency: &'a [u32], monetary: &'a [f64]) -> Self {
        RfmColumns {
            recency_days,
            frequency,
            monetary,
        }
    }

    /// Number of customers (the length of the recency column).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmColumns;
    /// assert_eq!(RfmColumns::new(&[1, 2], &[1, 1], &[1.0, 1.0]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.recency_days.len()
    }

    /// Whether there are no customers.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmColumns;
    /// assert!(RfmColumns::new(&[], &[], &[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.recency_days.is_empty()
    }
}

impl<'a, K> From<&'a RfmFeatures<K>> for RfmColumns<'a> {
    fn from(f: &'a RfmFeatures<K>) -> Self {
        RfmColumns::new(&f.recency_days, &f.frequency, &f.monetary)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &ua_data::Table {}
    impl Sealed for super::RfmColumns<'_> {}
    impl<K> Sealed for &ua_data::features::rfm::RfmFeatures<K> {}
    impl Sealed for ndarray::ArrayView2<'_, f64> {}
}

/// Raw (unscaled) RFM values of customers, in any of the forms the RFM
/// scaler and model read: `&Table` (the columns of [`RFM_COLUMNS`]; other
/// columns are ignored), [`RfmColumns`], `&RfmFeatures<K>`. A standardised
/// feature matrix is deliberately not one of them. Sealed.
///
/// ```
/// use ua_analytics::segmentation::rfm::{RfmColumns, RfmInput};
/// let t = RfmColumns::new(&[1, 2], &[3, 4], &[5.0, 6.0]).rfm_table().unwrap();
/// assert_eq!(t.numeric("frequency").unwrap().values(), &[3.0, 4.0]);
/// assert!(RfmColumns::new(&[-1], &[3], &[5.0]).rfm_table().is_err());
/// ```
pub trait RfmInput: sealed::Sealed {
    /// The values as a table of the three [`RFM_COLUMNS`], checked: at
    /// least one customer, equal lengths, no missing value, every value
    /// finite and ≥ 0 (errors name the column and the customer).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmInput};
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("customer".into(), Column::numeric(vec![7.0])),
    ///     ("recency_days".into(), Column::numeric(vec![4.0])),
    ///     ("frequency".into(), Column::numeric(vec![2.0])),
    ///     ("monetary".into(), Column::numeric(vec![f64::NAN])),
    /// ]).unwrap();
    /// let e = (&t).rfm_table().unwrap_err();
    /// assert!(e.to_string().contains("monetary of customer 0 is NaN"), "{e}");
    /// assert_eq!(RfmColumns::new(&[4], &[2], &[9.0]).rfm_table().unwrap().n_cols(), 3);
    /// ```
    fn rfm_table(&self) -> Result<Table>;
}

const OP_INPUT: &str = "RFM input";

impl RfmInput for &Table {
    fn rfm_table(&self) -> Result<Table> {
        let t = self.select(&RFM_COLUMNS)?;
        check_rfm_table(OP_INPUT, &t)?;
        Ok(t)
    }
}

impl RfmInput for RfmColumns<'_> {
    fn rfm_table(&self) -> Result<Table> {
        check_lengths(
            OP_INPUT,
            self.recency_days.len(),
            self.frequency.len(),
            self.monetary.len(),
        )?;
        let r = self.recency_days.iter().map(|&v| f64::from(v)).collect();
        let f = self.frequency.iter().map(|&v| f64::from(v)).collect();
        let t = Table::new(vec![
            (RFM_COLUMNS[0].into(), Column::numeric(r)),
            (RFM_COLUMNS[1].into(), Column::numeric(f)),
            (
                RFM_COLUMNS[2].into(),
                Column::numeric(self.monetary.to_vec()),
            ),
        ])?;
        check_rfm_table(OP_INPUT, &t)?;
        Ok(t)
    }
}

/// A matrix whose three columns are recency (days), frequency and monetary
/// value — the form the shared estimator checks feed every segmenter.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::segmentation::rfm::RfmInput;
/// let t = array![[4.0, 2.0, 9.5]].view().rfm_table().unwrap();
/// assert_eq!(t.numeric("monetary").unwrap().values(), &[9.5]);
/// assert!(array![[4.0, 2.0]].view().rfm_table().is_err());
/// ```
impl RfmInput for ndarray::ArrayView2<'_, f64> {
    fn rfm_table(&self) -> Result<Table> {
        if self.ncols() != RFM_COLUMNS.len() {
            return Err(Error::InvalidArgument {
                op: OP_INPUT,
                message: format!(
                    "the matrix has {} columns, expected 3 ({})",
                    self.ncols(),
                    RFM_COLUMNS.join(", ")
                ),
            });
        }
        let columns = RFM_COLUMNS
            .iter()
            .zip(self.columns())
            .map(|(name, c)| ((*name).to_owned(), Column::numeric(c.to_vec())))
            .collect();
        let t = Table::new(columns)?;
        check_rfm_table(OP_INPUT, &t)?;
        Ok(t)
    }
}

impl<K> RfmInput for &RfmFeatures<K> {
    fn rfm_table(&self) -> Result<Table> {
        if self.customers.is_empty() {
            return Err(no_customers(OP_INPUT));
        }
        RfmColumns::from(*self).rfm_table()
    }
}

/// At least one row; every value of the RFM columns present, finite, ≥ 0.
fn check_rfm_table(op: &'static str, t: &Table) -> Result<()> {
    if t.n_rows() == 0 {
        return Err(Error::Empty { op });
    }
    for name in RFM_COLUMNS {
        let c = t.numeric(name)?;
        for (i, (&v, &missing)) in c.values().iter().zip(c.missing_mask()).enumerate() {
            if missing {
                return Err(Error::InvalidArgument {
                    op,
                    message: format!("{name} of customer {i} is missing"),
                });
            }
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::InvalidArgument {
                    op,
                    message: format!("{name} of customer {i} is {v}; it must be finite and ≥ 0"),
                });
            }
        }
    }
    Ok(())
}

/// `log1p` of the raw RFM columns, standardised with the statistics of the
/// customers it was fitted on — ua-data's building blocks, no rule of its
/// own: [`ua_data::transform::Log1p`], then [`ua_data::scale::StandardScaler`]
/// (mean and population standard deviation; its zero-variance rule, under
/// which a constant column is centred and not scaled). It reads raw values
/// in any [`RfmInput`] form.
///
/// ```
/// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns};
/// let (x, scaler) = LogRfmScaler::fit_transform(RfmColumns::new(&[0, 2], &[1, 3], &[0.0, 4.0])).unwrap();
/// // log1p: recency 0 and ln 3, so the mean is ln 3 / 2 and each row is ∓1.
/// assert!((scaler.mean()[0] - 3f64.ln() / 2.0).abs() < 1e-12);
/// assert!((x[[0, 0]] + 1.0).abs() < 1e-12 && (x[[1, 2]] - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRfmScaler {
    log1p: FittedLog1p,
    standard: FittedStandardScaler,
}

impl LogRfmScaler {
    /// Fits the scaler on raw values (see [`RfmInput`] for the checks).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns};
    /// let s = LogRfmScaler::fit(RfmColumns::new(&[1, 9], &[1, 1], &[5.0, 5.0])).unwrap();
    /// assert_eq!(s.scale()[1], 1.0); // constant frequency: centred, not scaled
    /// assert!(LogRfmScaler::fit(RfmColumns::new(&[1], &[1], &[-1.0])).is_err());
    /// ```
    pub fn fit(data: impl RfmInput) -> Result<Self> {
        Ok(Self::fit_transform(data)?.1)
    }

    /// Fits the scaler and returns the standardised `n × 3` matrix with it.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::LogRfmScaler;
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[1u64, 2], &[5, 9], &[1.0, 2.0], None,
    ///     &RfmConfig { as_of: 10, holdout_end: None }).unwrap();
    /// let (x, _) = LogRfmScaler::fit_transform(&f).unwrap();
    /// assert_eq!(x.dim(), (2, 3));
    /// ```
    pub fn fit_transform(data: impl RfmInput) -> Result<(Array2<f64>, Self)> {
        let t = data.rfm_table()?;
        let log1p = Log1p::new(&RFM_COLUMNS).fit(&t)?;
        let mut x = log1p.transform(&t)?.numeric_matrix(&RFM_COLUMNS)?;
        let standard = StandardScaler::default().fit_matrix(x.view())?;
        standard.transform_matrix_inplace(x.view_mut())?;
        Ok((x, LogRfmScaler { log1p, standard }))
    }

    /// Standardises new customers with the fitted statistics.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns};
    /// let cols = RfmColumns::new(&[3, 30, 300], &[9, 2, 1], &[500.0, 40.0, 5.0]);
    /// let (x, s) = LogRfmScaler::fit_transform(cols).unwrap();
    /// assert_eq!(s.transform(cols).unwrap(), x);
    /// ```
    pub fn transform(&self, data: impl RfmInput) -> Result<Array2<f64>> {
        let t = data.rfm_table()?;
        let mut x = self.log1p.transform(&t)?.numeric_matrix(&RFM_COLUMNS)?;
        self.standard.transform_matrix_inplace(x.view_mut())?;
        Ok(x)
    }

    /// The fitted standard scaler of the `log1p` columns.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns};
    /// let s = LogRfmScaler::fit(RfmColumns::new(&[1, 2], &[1, 2], &[1.0, 2.0])).unwrap();
    /// assert_eq!(s.standard_scaler().n_samples(), 2);
    /// ```
    pub fn standard_scaler(&self) -> &FittedStandardScaler {
        &self.standard
    }

    /// Means of the `log1p` columns (recency, frequency, monetary).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns};
    /// let s = LogRfmScaler::fit(RfmColumns::new(&[0, 0], &[0, 0], &[0.0, 0.0])).unwrap();
    /// assert_eq!(s.mean(), &[0.0, 0.0, 0.0]);
    /// ```
    pub fn mean(&self) -> &[f64] {
        self.standard.mean()
    }

    /// Scales of the `log1p` columns: the population standard deviation, or
    /// 1 for a (numerically) constant column.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns};
    /// let s = LogRfmScaler::fit(RfmColumns::new(&[0, 0], &[0, 0], &[0.0, 0.0])).unwrap();
    /// assert_eq!(s.scale(), &[1.0, 1.0, 1.0]);
    /// ```
    pub fn scale(&self) -> &[f64] {
        self.standard.scale()
    }

    /// Every invariant of a fitted scaler (checked when a model holding it
    /// is loaded): the log step transforms the RFM columns, the standard
    /// scaler has three finite means, positive scales and variances, and it
    /// maps each mean to 0 and each mean + scale to 1.
    pub(crate) fn check_invariants(&self) -> std::result::Result<(), String> {
        if self.log1p.columns() != RFM_COLUMNS {
            return Err(format!(
                "the log1p step transforms {:?}, expected {RFM_COLUMNS:?}",
                self.log1p.columns()
            ));
        }
        let s = &self.standard;
        let lens = [
            s.n_features(),
            s.mean().len(),
            s.scale().len(),
            s.var().len(),
        ];
        if lens != [3; 4] {
            return Err(format!(
                "the standard scaler has {} features, {} means, {} scales and {} variances; expected 3 of each",
                lens[0], lens[1], lens[2], lens[3]
            ));
        }
        if s.n_samples() == 0 {
            return Err("the standard scaler was fitted on 0 customers".into());
        }
        for (j, name) in LOG_RFM_COLUMNS.iter().enumerate() {
            let (m, sc, v) = (s.mean()[j], s.scale()[j], s.var()[j]);
            if !(m.is_finite() && sc.is_finite() && sc > 0.0 && v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "{name}: mean {m}, scale {sc}, variance {v}; expected finite values, scale > 0, variance ≥ 0"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn cols<'a>(r: &'a [i32], f: &'a [u32], m: &'a [f64]) -> RfmColumns<'a> {
        RfmColumns::new(r, f, m)
    }

    #[test]
    fn scaler_is_log1p_then_the_standard_scaler() {
        let (x, s) =
            LogRfmScaler::fit_transform(cols(&[0, 0, 0], &[1, 3, 7], &[5.0, 5.0, 5.0])).unwrap();
        // constant recency and monetary: centred only (ua-data's rule).
        assert_eq!(s.scale()[0], 1.0);
        assert_eq!(s.scale()[2], 1.0);
        assert_relative_eq!(s.mean()[2], 6f64.ln());
        let lf = [2f64.ln(), 4f64.ln(), 8f64.ln()];
        let mu = lf.iter().sum::<f64>() / 3.0;
        let sd = (lf.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / 3.0).sqrt();
        assert_relative_eq!(s.mean()[1], mu, epsilon = 1e-12);
        assert_relative_eq!(s.scale()[1], sd, epsilon = 1e-12);
        for i in 0..3 {
            // Centred up to the rounding of the mean (ua-data's scaler).
            assert!(x[[i, 0]].abs() < 1e-15 && x[[i, 2]].abs() < 1e-15, "{x}");
            assert_relative_eq!(x[[i, 1]], (lf[i] - mu) / sd, epsilon = 1e-12);
        }
        // The same numbers as ua-data's scaler on the log1p matrix.
        let logged = Array2::from_shape_fn((3, 3), |(i, j)| [0.0, [1.0, 3.0, 7.0][i], 5.0][j])
            .mapv(f64::ln_1p);
        let direct = StandardScaler::default().fit_matrix(logged.view()).unwrap();
        assert_eq!(s.standard_scaler(), &direct);
        assert_eq!(direct.transform_matrix(logged.view()).unwrap(), x);
        let again = s
            .transform(cols(&[0, 0, 0], &[1, 3, 7], &[5.0, 5.0, 5.0]))
            .unwrap();
        assert_eq!(again, x);
        assert!(s.check_invariants().is_ok());
    }

    #[test]
    fn columns_length_and_emptiness() {
        let c = cols(&[1, 2, 3], &[1, 1, 1], &[1.0, 2.0, 3.0]);
        assert_eq!((c.len(), c.is_empty()), (3, false));
        let e = cols(&[], &[], &[]);
        assert_eq!((e.len(), e.is_empty()), (0, true));
    }

    #[test]
    fn bad_raw_values_are_errors_naming_column_and_customer() {
        let e = LogRfmScaler::fit(cols(&[1, -1], &[1, 1], &[1.0, 1.0])).unwrap_err();
        assert!(
            e.to_string().contains("recency_days of customer 1 is -1"),
            "{e}"
        );
        let e = LogRfmScaler::fit(cols(&[1], &[1], &[f64::INFINITY])).unwrap_err();
        assert!(
            e.to_string().contains("monetary of customer 0 is inf"),
            "{e}"
        );
        let e = LogRfmScaler::fit(cols(&[1], &[1], &[-0.5])).unwrap_err();
        assert!(
            e.to_string().contains("monetary of customer 0 is -0.5"),
            "{e}"
        );
        assert!(LogRfmScaler::fit(cols(&[1, 2], &[1], &[1.0])).is_err());
        assert!(matches!(
            LogRfmScaler::fit(cols(&[], &[], &[])),
            Err(Error::Empty { .. })
        ));
        // 0 is allowed everywhere.
        assert!(LogRfmScaler::fit(cols(&[0], &[0], &[0.0])).is_ok());
        // Tables: missing column, missing value, negative frequency.
        let t = Table::new(vec![("recency_days".into(), Column::numeric(vec![1.0]))]).unwrap();
        let e = LogRfmScaler::fit(&t).unwrap_err();
        assert!(e.to_string().contains("frequency"), "{e}");
        let t = Table::new(vec![
            ("recency_days".into(), Column::numeric(vec![1.0, 2.0])),
            (
                "frequency".into(),
                Column::numeric_opt(vec![Some(1.0), None]),
            ),
            ("monetary".into(), Column::numeric(vec![1.0, 2.0])),
        ])
        .unwrap();
        let e = LogRfmScaler::fit(&t).unwrap_err();
        assert!(
            e.to_string().contains("frequency of customer 1 is missing"),
            "{e}"
        );
        let t = Table::new(vec![
            ("recency_days".into(), Column::numeric(vec![1.0, 2.0])),
            ("frequency".into(), Column::numeric(vec![1.0, -3.0])),
            ("monetary".into(), Column::numeric(vec![1.0, 2.0])),
        ])
        .unwrap();
        assert!(LogRfmScaler::fit(&t).is_err());
        let empty = Table::new(vec![
            ("recency_days".into(), Column::numeric(vec![])),
            ("frequency".into(), Column::numeric(vec![])),
            ("monetary".into(), Column::numeric(vec![])),
        ])
        .unwrap();
        assert!(matches!(
            LogRfmScaler::fit(&empty),
            Err(Error::Empty { .. })
        ));
    }

    #[test]
    fn every_input_form_gives_the_same_matrix() {
        use ua_data::features::rfm::{RfmConfig, RfmFeatures};
        let f = RfmFeatures::compute(
            &[1u64, 2, 2, 3, 3, 3],
            &[1, 4, 6, 2, 7, 9],
            &[5.0, 1.0, 2.0, 9.0, 9.0, 30.0],
            None,
            &RfmConfig {
                as_of: 10,
                holdout_end: None,
            },
        )
        .unwrap();
        let (a, s) = LogRfmScaler::fit_transform(&f).unwrap();
        let (b, _) = LogRfmScaler::fit_transform(RfmColumns::from(&f)).unwrap();
        let (c, _) = LogRfmScaler::fit_transform(&f.to_table().unwrap()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(s.transform(&f.to_table().unwrap()).unwrap(), a);
        // An as-of date before every purchase is refused by ua-data itself,
        // with the data's range; the scaler never sees zero customers.
        let e = RfmFeatures::compute(
            &[1u64],
            &[50],
            &[1.0],
            None,
            &RfmConfig {
                as_of: 10,
                holdout_end: None,
            },
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("before the first transaction"),
            "{e}"
        );
        let e = LogRfmScaler::fit(cols(&[], &[], &[])).unwrap_err();
        assert!(
            e.to_string().contains("0 customers") || e.to_string().contains("empty"),
            "{e}"
        );
    }

    #[test]
    fn invariants_catch_edited_scalers() {
        let (_, s) =
            LogRfmScaler::fit_transform(cols(&[1, 5, 40], &[1, 2, 9], &[3.0, 30.0, 300.0]))
                .unwrap();
        let good = serde_json::to_value(&s).unwrap();
        let check = |edit: &dyn Fn(&mut serde_json::Value)| -> String {
            let mut v = good.clone();
            edit(&mut v);
            let t: LogRfmScaler = serde_json::from_value(v).unwrap();
            t.check_invariants().unwrap_err()
        };
        let m = check(&|v| v["log1p"]["columns"][1] = "spend".into());
        assert!(m.contains("log1p step transforms"), "{m}");
        let m = check(&|v| v["standard"]["scale"][1] = 0.0.into());
        assert!(
            m.contains("log1p_frequency") && m.contains("scale 0"),
            "{m}"
        );
        let m = check(&|v| v["standard"]["var"][0] = (-1.0).into());
        assert!(m.contains("variance -1"), "{m}");
        let m = check(&|v| {
            v["standard"]["mean"].as_array_mut().unwrap().pop();
        });
        assert!(m.contains("2 means"), "{m}");
        let m = check(&|v| v["standard"]["n_samples"] = 0.into());
        assert!(m.contains("0 customers"), "{m}");
    }
}
