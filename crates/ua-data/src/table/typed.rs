//! The typed storages of numbers, dates and booleans, each one contiguous
//! vector with an explicit missing mask (or `Option`).

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

fn check_mask_len(op: &'static str, values: usize, mask: usize) -> Result<()> {
    if values != mask {
        return Err(Error::LengthMismatch {
            op,
            column: "missing mask".into(),
            expected: values,
            found: mask,
        });
    }
    Ok(())
}

/// Real numbers with an explicit missing mask.
///
/// ```
/// use ua_data::NumericColumn;
/// let c = NumericColumn::from_options(vec![Some(1.5), None]);
/// assert_eq!(c.get(0), Some(1.5));
/// assert_eq!(c.get(1), None);
/// assert_eq!(c.missing_count(), 1);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "NumericRepr")]
pub struct NumericColumn {
    pub(super) values: Vec<f64>,
    pub(super) missing: Vec<bool>,
}

/// Equal when the missing masks are equal and the non-missing values are
/// equal (`==` on `f64`, so a non-missing NaN is unequal to itself).
impl PartialEq for NumericColumn {
    fn eq(&self, other: &Self) -> bool {
        self.missing == other.missing
            && self
                .values
                .iter()
                .zip(&other.values)
                .zip(&self.missing)
                .all(|((a, b), &m)| m || a == b)
    }
}

#[derive(Deserialize)]
struct NumericRepr {
    values: Vec<Option<f64>>,
    missing: Vec<bool>,
}

impl TryFrom<NumericRepr> for NumericColumn {
    type Error = Error;
    fn try_from(r: NumericRepr) -> Result<Self> {
        // JSON has no NaN: serde_json writes it as null, read it back as NaN.
        let values = r
            .values
            .into_iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect();
        NumericColumn::new(values, r.missing)
    }
}

impl NumericColumn {
    /// Values and a missing mask of the same length (`true` = missing). The
    /// slots of missing values are set to NaN.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::new(vec![1.0, 2.0], vec![false, true]).unwrap();
    /// assert_eq!(c.get(1), None);
    /// ```
    pub fn new(mut values: Vec<f64>, missing: Vec<bool>) -> Result<Self> {
        check_mask_len("NumericColumn::new", values.len(), missing.len())?;
        for (v, &m) in values.iter_mut().zip(&missing) {
            if m {
                *v = f64::NAN;
            }
        }
        Ok(NumericColumn { values, missing })
    }

    /// A column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![1.0]).len(), 1);
    /// ```
    pub fn from_values(values: Vec<f64>) -> Self {
        let missing = vec![false; values.len()];
        NumericColumn { values, missing }
    }

    /// From optional values (`None` = missing).
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_options(vec![None]).missing_count(), 1);
    /// ```
    pub fn from_options(values: Vec<Option<f64>>) -> Self {
        let missing = values.iter().map(Option::is_none).collect();
        let values = values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        NumericColumn { values, missing }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![]).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::NumericColumn::from_values(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The raw values; the slot of a missing value holds NaN — check
    /// [`missing_mask`](Self::missing_mask) before using it.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![2.0]).values(), &[2.0]);
    /// ```
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// `true` where the value is missing.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::from_options(vec![Some(1.0), None]);
    /// assert_eq!(c.missing_mask(), &[false, true]);
    /// ```
    pub fn missing_mask(&self) -> &[bool] {
        &self.missing
    }

    /// Value at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_values(vec![3.0]).get(0), Some(3.0));
    /// ```
    pub fn get(&self, i: usize) -> Option<f64> {
        match self.missing.get(i) {
            Some(false) => self.values.get(i).copied(),
            _ => None,
        }
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(ua_data::NumericColumn::from_options(vec![None]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        self.missing.get(i).copied().unwrap_or(false)
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::NumericColumn::from_options(vec![None, Some(1.0)]).missing_count(), 1);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.missing.iter().filter(|&&m| m).count()
    }

    /// Rows as options.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::from_options(vec![Some(1.0), None]);
    /// assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some(1.0), None]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        self.values
            .iter()
            .zip(&self.missing)
            .map(|(&v, &m)| if m { None } else { Some(v) })
    }

    /// The non-missing values, in row order.
    ///
    /// ```
    /// let c = ua_data::NumericColumn::from_options(vec![Some(1.0), None, Some(2.0)]);
    /// assert_eq!(c.non_missing().collect::<Vec<_>>(), vec![1.0, 2.0]);
    /// ```
    pub fn non_missing(&self) -> impl Iterator<Item = f64> + '_ {
        self.values
            .iter()
            .zip(&self.missing)
            .filter(|&(_, &m)| !m)
            .map(|(&v, _)| v)
    }

    /// Splits into values and mask.
    ///
    /// ```
    /// let (v, m) = ua_data::NumericColumn::from_values(vec![1.0]).into_parts();
    /// assert_eq!((v, m), (vec![1.0], vec![false]));
    /// ```
    pub fn into_parts(self) -> (Vec<f64>, Vec<bool>) {
        (self.values, self.missing)
    }
}

/// Calendar dates (days since 1970-01-01) with an explicit missing mask.
///
/// ```
/// use ua_data::{DateColumn, date::parse_date};
/// let c = DateColumn::from_options(vec![parse_date("2024-01-01"), None]);
/// assert_eq!(c.get(0), parse_date("2024-01-01"));
/// assert_eq!(c.get(1), None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DateRepr")]
pub struct DateColumn {
    pub(super) days: Vec<i32>,
    pub(super) missing: Vec<bool>,
}

#[derive(Deserialize)]
struct DateRepr {
    days: Vec<i32>,
    missing: Vec<bool>,
}

impl TryFrom<DateRepr> for DateColumn {
    type Error = Error;
    fn try_from(r: DateRepr) -> Result<Self> {
        DateColumn::new(r.days, r.missing)
    }
}

impl DateColumn {
    /// Day counts and a missing mask of the same length (`true` = missing);
    /// the slots of missing values are set to 0.
    ///
    /// ```
    /// let c = ua_data::DateColumn::new(vec![1, 2], vec![false, true]).unwrap();
    /// assert_eq!(c.get(1), None);
    /// ```
    pub fn new(mut days: Vec<i32>, missing: Vec<bool>) -> Result<Self> {
        check_mask_len("DateColumn::new", days.len(), missing.len())?;
        for (v, &m) in days.iter_mut().zip(&missing) {
            if m {
                *v = 0;
            }
        }
        Ok(DateColumn { days, missing })
    }

    /// A column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![0]).get(0), Some(0));
    /// ```
    pub fn from_days(days: Vec<i32>) -> Self {
        let missing = vec![false; days.len()];
        DateColumn { days, missing }
    }

    /// From optional day counts.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_options(vec![None]).missing_count(), 1);
    /// ```
    pub fn from_options(days: Vec<Option<i32>>) -> Self {
        let missing = days.iter().map(Option::is_none).collect();
        let days = days.into_iter().map(|v| v.unwrap_or(0)).collect();
        DateColumn { days, missing }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![1, 2]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.days.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::DateColumn::from_days(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// Raw day counts (the slot of a missing value holds 0).
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).days(), &[5]);
    /// ```
    pub fn days(&self) -> &[i32] {
        &self.days
    }

    /// `true` where the value is missing.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).missing_mask(), &[false]);
    /// ```
    pub fn missing_mask(&self) -> &[bool] {
        &self.missing
    }

    /// Day count at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).get(0), Some(5));
    /// ```
    pub fn get(&self, i: usize) -> Option<i32> {
        match self.missing.get(i) {
            Some(false) => self.days.get(i).copied(),
            _ => None,
        }
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(!ua_data::DateColumn::from_days(vec![5]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        self.missing.get(i).copied().unwrap_or(false)
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::DateColumn::from_days(vec![5]).missing_count(), 0);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.missing.iter().filter(|&&m| m).count()
    }

    /// Rows as options.
    ///
    /// ```
    /// let c = ua_data::DateColumn::from_options(vec![Some(3), None]);
    /// assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some(3), None]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Option<i32>> + '_ {
        self.days
            .iter()
            .zip(&self.missing)
            .map(|(&v, &m)| if m { None } else { Some(v) })
    }
}

/// `true`/`false` values, `None` = missing.
///
/// ```
/// let c = ua_data::BooleanColumn::from_options(vec![Some(true), None]);
/// assert_eq!(c.get(0), Some(true));
/// assert_eq!(c.missing_count(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BooleanColumn {
    pub(super) values: Vec<Option<bool>>,
}

impl BooleanColumn {
    /// From optional values.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_options(vec![Some(false)]).get(0), Some(false));
    /// ```
    pub fn from_options(values: Vec<Option<bool>>) -> Self {
        BooleanColumn { values }
    }

    /// A column without missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).get(0), Some(true));
    /// ```
    pub fn from_values(values: Vec<bool>) -> Self {
        BooleanColumn {
            values: values.into_iter().map(Some).collect(),
        }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the column has no rows.
    ///
    /// ```
    /// assert!(ua_data::BooleanColumn::from_values(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values (`None` = missing).
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).values(), &[Some(true)]);
    /// ```
    pub fn values(&self) -> &[Option<bool>] {
        &self.values
    }

    /// Value at row `i`; `None` if missing or out of range.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_values(vec![true]).get(1), None);
    /// ```
    pub fn get(&self, i: usize) -> Option<bool> {
        self.values.get(i).copied().flatten()
    }

    /// Whether row `i` is missing (`false` out of range).
    ///
    /// ```
    /// assert!(ua_data::BooleanColumn::from_options(vec![None]).is_missing(0));
    /// ```
    pub fn is_missing(&self, i: usize) -> bool {
        matches!(self.values.get(i), Some(None))
    }

    /// Number of missing values.
    ///
    /// ```
    /// assert_eq!(ua_data::BooleanColumn::from_options(vec![None]).missing_count(), 1);
    /// ```
    pub fn missing_count(&self) -> usize {
        self.values.iter().filter(|v| v.is_none()).count()
    }
}
