//! Clipping numeric columns to training quantiles: [`Clipper`], [`winsorize`].

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use crate::describe::quantile_sorted;
use crate::pipeline::FittedStep;
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table, Transform, Transformer};

/// Clips numeric columns to quantiles learned at fit time (winsorizing).
///
/// ```
/// use ua_data::{Column, Table, Transformer};
/// use ua_data::clean::Clipper;
/// let t = Table::new(vec![("x".into(), Column::numeric((0..=100).map(f64::from).collect()))]).unwrap();
/// let fitted = Clipper::new(0.05, 0.95).fit(&t).unwrap();
/// assert_eq!(fitted.bounds[0], ("x".to_string(), 5.0, 95.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Clipper {
    lower: f64,
    upper: f64,
    columns: Option<Vec<String>>,
}

impl Clipper {
    /// Clip below quantile `lower` and above quantile `upper` (both in
    /// `[0, 1]`, checked at fit time), on every numeric column by default.
    ///
    /// ```
    /// let _ = ua_data::clean::Clipper::new(0.01, 0.99);
    /// ```
    pub fn new(lower: f64, upper: f64) -> Self {
        Clipper {
            lower,
            upper,
            columns: None,
        }
    }

    /// Restricts clipping to these numeric columns.
    ///
    /// ```
    /// let _ = ua_data::clean::Clipper::new(0.01, 0.99).columns(&["amount"]);
    /// ```
    pub fn columns(mut self, names: &[&str]) -> Self {
        self.columns = Some(names.iter().map(|s| s.to_string()).collect());
        self
    }
}

impl Transformer for Clipper {
    type Fitted = FittedClipper;

    fn fit(&self, table: &Table) -> Result<FittedClipper> {
        let ok = |q: f64| (0.0..=1.0).contains(&q);
        for (name, q) in [("lower", self.lower), ("upper", self.upper)] {
            if !ok(q) {
                return Err(Error::InvalidParameter {
                    op: "Clipper::fit",
                    name,
                    message: format!("a quantile must lie in [0, 1], found {q}"),
                });
            }
        }
        if self.lower > self.upper {
            return Err(Error::InvalidParameter {
                op: "Clipper::fit",
                name: "lower",
                message: format!(
                    "lower must not exceed upper, found lower {} and upper {}",
                    self.lower, self.upper
                ),
            });
        }
        let names: Vec<String> = match &self.columns {
            Some(c) => c.clone(),
            None => table
                .columns()
                .filter(|(_, c)| c.dtype() == ColumnType::Numeric)
                .map(|(n, _)| n.to_owned())
                .collect(),
        };
        let mut bounds = Vec::with_capacity(names.len());
        for name in names {
            let c = table.numeric(&name)?;
            let mut v: Vec<f64> = c.non_missing().filter(|x| !x.is_nan()).collect();
            if v.is_empty() {
                return Err(Error::InvalidArgument {
                    op: "Clipper::fit",
                    message: format!("column `{name}` has no present values in the training data"),
                });
            }
            v.sort_unstable_by(f64::total_cmp);
            let lo = quantile_sorted(&v, self.lower).unwrap_or(f64::NEG_INFINITY);
            let hi = quantile_sorted(&v, self.upper).unwrap_or(f64::INFINITY);
            bounds.push((name, lo, hi));
        }
        Ok(FittedClipper { bounds })
    }
}

/// Bounds learned by a [`Clipper`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedClipper {
    /// `(column, lower bound, upper bound)`.
    pub bounds: Vec<(String, f64, f64)>,
}

/// How many values a [`FittedClipper`] changed, per column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClipReport {
    /// `(column, raised to the lower bound, lowered to the upper bound)`.
    pub clipped: Vec<(String, usize, usize)>,
}

impl FittedClipper {
    /// Clips and reports how many values moved, per column. Missing values
    /// stay missing.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// use ua_data::clean::FittedClipper;
    /// let f = FittedClipper { bounds: vec![("x".into(), 0.0, 1.0)] };
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![-5.0, 0.5, 9.0]))]).unwrap();
    /// let (out, r) = f.transform_with_report(&t).unwrap();
    /// assert_eq!(out.numeric("x").unwrap().values(), &[0.0, 0.5, 1.0]);
    /// assert_eq!(r.clipped, vec![("x".to_string(), 1, 1)]);
    /// ```
    pub fn transform_with_report(&self, table: &Table) -> Result<(Table, ClipReport)> {
        let mut out = table.clone();
        let mut clipped = Vec::with_capacity(self.bounds.len());
        for (name, lo, hi) in &self.bounds {
            let c = table.numeric(name)?;
            let (mut below, mut above) = (0, 0);
            let values: Vec<f64> = c
                .values()
                .iter()
                .zip(c.missing_mask())
                .map(|(&x, &m)| {
                    if m {
                        x
                    } else if x < *lo {
                        below += 1;
                        *lo
                    } else if x > *hi {
                        above += 1;
                        *hi
                    } else {
                        x
                    }
                })
                .collect();
            out.replace_column(
                name,
                Column::Numeric(NumericColumn::new(values, c.missing_mask().to_vec())?),
            )?;
            clipped.push((name.clone(), below, above));
        }
        Ok((out, ClipReport { clipped }))
    }
}

impl Transform for FittedClipper {
    fn transform(&self, table: &Table) -> Result<Table> {
        self.transform_with_report(table).map(|(t, _)| t)
    }
}

impl FittedClipper {
    fn invariants(&self) -> std::result::Result<(), String> {
        for (i, (name, lo, hi)) in self.bounds.iter().enumerate() {
            if self.bounds[..i].iter().any(|(n, ..)| n == name) {
                return Err(format!("column `{name}` has two pairs of bounds"));
            }
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(format!(
                    "the bounds of `{name}` must be finite with lower <= upper, found {lo} and {hi}"
                ));
            }
        }
        Ok(())
    }
}

impl Persist for FittedClipper {
    const KIND: &'static str = "ua-data/clipper";

    /// Column names are distinct; bounds are finite with lower ≤ upper.
    fn validate(&self) -> std::result::Result<(), String> {
        self.invariants()
    }
}

#[typetag::serde(name = "ua-data/clipper")]
impl FittedStep for FittedClipper {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        self.invariants()
    }
}

/// Fits a [`Clipper`] on `table` and applies it to the same table.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::clean::winsorize;
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0, 3.0, 100.0]))]).unwrap();
/// let (out, r) = winsorize(&t, 0.0, 0.5, None).unwrap();
/// assert_eq!(out.numeric("x").unwrap().values(), &[1.0, 2.0, 2.5, 2.5]);
/// assert_eq!(r.clipped[0].2, 2);
/// ```
pub fn winsorize(
    table: &Table,
    lower: f64,
    upper: f64,
    columns: Option<&[&str]>,
) -> Result<(Table, ClipReport)> {
    let mut c = Clipper::new(lower, upper);
    if let Some(cols) = columns {
        c = c.columns(cols);
    }
    c.fit(table)?.transform_with_report(table)
}
