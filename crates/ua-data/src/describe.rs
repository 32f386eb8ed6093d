//! Per-column summary statistics of a [`Table`] (like pandas' `describe`).
//!
//! Every column gets its name, type, count of present values and count of
//! missing values; numeric columns add mean, sample standard deviation,
//! minimum, quartiles (linear interpolation between order statistics, as
//! pandas and NumPy's default) and maximum; categorical columns the number of
//! levels and the most frequent levels; booleans the `true`/`false` counts;
//! dates the first and last day. A column whose values are all missing is
//! reported with count 0 and no statistics — never a panic, never a NaN.
//!
//! ```
//! use ua_data::{Column, Table};
//! let t = Table::new(vec![
//!     ("x".into(), Column::numeric_opt(vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0), None])),
//!     ("c".into(), Column::categorical(&["a", "b", "a", "a", "b"])),
//! ]).unwrap();
//! let d = t.describe();
//! let x = d.column("x").unwrap().numeric.as_ref().unwrap();
//! assert_eq!((x.mean, x.q25, x.q50, x.max), (2.5, 1.75, 2.5, 4.0));
//! let c = d.column("c").unwrap().categorical.as_ref().unwrap();
//! assert_eq!(c.top[0], ("a".to_string(), 3));
//! println!("{d}");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::date::format_date;
use crate::table::format_number;
use crate::{Column, ColumnType, Table};

/// Summary of a whole table: one [`ColumnSummary`] per column, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Describe {
    /// Number of rows of the table.
    pub rows: usize,
    /// One summary per column.
    pub columns: Vec<ColumnSummary>,
}

/// Summary of one column. Exactly one of the type-specific fields is set,
/// unless the column is all missing (then none is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary {
    /// Column name.
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub dtype: ColumnType,
    /// Number of present (non-missing) values.
    pub count: usize,
    /// Number of missing values.
    pub missing: usize,
    /// Statistics of a numeric column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericStats>,
    /// Statistics of a categorical column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorical: Option<CategoricalStats>,
    /// Counts of a boolean column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boolean: Option<BooleanStats>,
    /// Range of a date column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<DateStats>,
}

/// Statistics of the present values of a numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericStats {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); `None` with one value.
    pub std: Option<f64>,
    /// Smallest value.
    pub min: f64,
    /// First quartile.
    pub q25: f64,
    /// Median.
    pub q50: f64,
    /// Third quartile.
    pub q75: f64,
    /// Largest value.
    pub max: f64,
}

/// Levels of a categorical column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalStats {
    /// Number of distinct levels present.
    pub n_levels: usize,
    /// The most frequent levels with their counts, most frequent first (ties
    /// by level name).
    pub top: Vec<(String, usize)>,
}

/// Counts of a boolean column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BooleanStats {
    /// Number of `true` values.
    pub n_true: usize,
    /// Number of `false` values.
    pub n_false: usize,
}

/// Range of a date column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateStats {
    /// First date, `YYYY-MM-DD`.
    pub min: String,
    /// Last date, `YYYY-MM-DD`.
    pub max: String,
    /// Days from first to last date.
    pub span_days: i64,
}

/// Quantile `q` in `[0, 1]` of sorted values by linear interpolation
/// (NumPy's default, pandas' `describe`). `None` for an empty slice.
///
/// ```
/// use ua_data::describe::quantile_sorted;
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.25), Some(1.75));
/// assert_eq!(quantile_sorted(&[], 0.5), None);
/// ```
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (*sorted.get(lo)?, *sorted.get(hi)?);
    let t = pos - lo as f64;
    let y = a + (b - a) * t;
    // b − a overflows between −1e308 and 1e308; the weighted form does not.
    Some(if y.is_finite() {
        y
    } else {
        a * (1.0 - t) + b * t
    })
}

impl NumericStats {
    /// Statistics of `values` (any order); `None` if empty.
    ///
    /// ```
    /// let s = ua_data::describe::NumericStats::from_values(vec![3.0, 1.0, 2.0]).unwrap();
    /// assert_eq!((s.min, s.q50, s.max, s.std), (1.0, 2.0, 3.0, Some(1.0)));
    /// ```
    pub fn from_values(mut v: Vec<f64>) -> Option<NumericStats> {
        if v.is_empty() {
            return None;
        }
        v.sort_unstable_by(f64::total_cmp);
        // Scaled by a power of two when huge values would overflow the sums
        // (±1e308 give a finite, correct mean and std); exact otherwise.
        let m = crate::scale::Moments::of(v.iter().copied());
        let mean = m.mean();
        let std = (v.len() > 1).then(|| m.std(1));
        Some(NumericStats {
            mean,
            std,
            min: v[0],
            q25: quantile_sorted(&v, 0.25)?,
            q50: quantile_sorted(&v, 0.5)?,
            q75: quantile_sorted(&v, 0.75)?,
            max: v[v.len() - 1],
        })
    }
}

fn summarize(name: &str, col: &Column, top_k: usize) -> ColumnSummary {
    let missing = col.missing_count();
    let mut s = ColumnSummary {
        name: name.to_owned(),
        dtype: col.dtype(),
        count: col.len() - missing,
        missing,
        numeric: None,
        categorical: None,
        boolean: None,
        date: None,
    };
    if s.count == 0 {
        return s;
    }
    match col {
        Column::Numeric(c) => s.numeric = NumericStats::from_values(c.non_missing().collect()),
        Column::Categorical(c) => {
            let counts = c.level_counts();
            let mut order: Vec<usize> = (0..counts.len()).filter(|&k| counts[k] > 0).collect();
            let n_levels = order.len();
            order.sort_by(|&a, &b| {
                counts[b]
                    .cmp(&counts[a])
                    .then_with(|| c.levels()[a].cmp(&c.levels()[b]))
            });
            s.categorical = Some(CategoricalStats {
                n_levels,
                top: order
                    .iter()
                    .take(top_k)
                    .map(|&k| (c.levels()[k].clone(), counts[k]))
                    .collect(),
            });
        }
        Column::Boolean(c) => {
            let n_true = c.values().iter().filter(|v| **v == Some(true)).count();
            s.boolean = Some(BooleanStats {
                n_true,
                n_false: s.count - n_true,
            });
        }
        Column::Date(c) => {
            let (mut lo, mut hi) = (i32::MAX, i32::MIN);
            for d in c.iter().flatten() {
                lo = lo.min(d);
                hi = hi.max(d);
            }
            s.date = Some(DateStats {
                min: format_date(lo),
                max: format_date(hi),
                span_days: i64::from(hi) - i64::from(lo),
            });
        }
    }
    s
}

impl Table {
    /// Summary statistics of every column (top 5 levels for categoricals).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("x".into(), Column::numeric_opt(vec![None, None]))]).unwrap();
    /// let d = t.describe();
    /// assert_eq!((d.columns[0].count, d.columns[0].missing), (0, 2));
    /// assert!(d.columns[0].numeric.is_none());
    /// ```
    pub fn describe(&self) -> Describe {
        self.describe_top(5)
    }

    /// Like [`describe`](Self::describe), with the `top_k` most frequent
    /// levels of categorical columns.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["a", "b", "b"]))]).unwrap();
    /// let d = t.describe_top(1);
    /// assert_eq!(d.columns[0].categorical.as_ref().unwrap().top, vec![("b".to_string(), 2)]);
    /// ```
    pub fn describe_top(&self, top_k: usize) -> Describe {
        Describe {
            rows: self.n_rows(),
            columns: self
                .columns()
                .map(|(n, c)| summarize(n, c, top_k))
                .collect(),
        }
    }
}

impl Describe {
    /// The summary of column `name`, if present.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// assert!(t.describe().column("x").is_some());
    /// ```
    pub fn column(&self, name: &str) -> Option<&ColumnSummary> {
        self.columns.iter().find(|c| c.name == name)
    }
}

fn num(x: f64) -> String {
    if x.abs() < 1e9 {
        format_number((x * 1e6).round() / 1e6)
    } else {
        // Rounding to 6 decimals would overflow 1e308 (and changes nothing
        // at this magnitude).
        format_number(x)
    }
}

impl fmt::Display for Describe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = [
            "column",
            "type",
            "count",
            "missing",
            "mean",
            "std",
            "min",
            "25%",
            "50%",
            "75%",
            "max",
            "levels / counts",
        ];
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
        for c in &self.columns {
            let mut r = vec![
                c.name.clone(),
                c.dtype.name().to_owned(),
                c.count.to_string(),
                c.missing.to_string(),
            ];
            let mut cells = vec![String::new(); 7];
            let mut other = String::new();
            if let Some(s) = &c.numeric {
                cells = vec![
                    num(s.mean),
                    s.std.map_or(String::new(), num),
                    num(s.min),
                    num(s.q25),
                    num(s.q50),
                    num(s.q75),
                    num(s.max),
                ];
            }
            if let Some(s) = &c.date {
                cells[2] = s.min.clone();
                cells[6] = s.max.clone();
                other = format!("{} days", s.span_days);
            }
            if let Some(s) = &c.boolean {
                other = format!("true {} / false {}", s.n_true, s.n_false);
            }
            if let Some(s) = &c.categorical {
                let top: Vec<String> = s.top.iter().map(|(l, n)| format!("{l} ({n})")).collect();
                other = format!("{} levels: {}", s.n_levels, top.join(", "));
            }
            if c.count == 0 {
                other = "all missing".into();
            }
            r.extend(cells);
            r.push(other);
            rows.push(r);
        }
        let ncol = header.len();
        let widths: Vec<usize> = (0..ncol)
            .map(|j| {
                rows.iter()
                    .map(|r| r[j].chars().count())
                    .max()
                    .unwrap_or(0)
                    .min(30)
            })
            .collect();
        writeln!(f, "{} rows", self.rows)?;
        for (i, r) in rows.iter().enumerate() {
            let mut line = String::new();
            for (j, cell) in r.iter().enumerate() {
                let w = widths[j];
                let cell: String = if j + 1 < ncol && cell.chars().count() > w {
                    cell.chars().take(w - 1).chain(['…']).collect()
                } else {
                    cell.clone()
                };
                if j > 0 {
                    line.push_str("  ");
                }
                if j < 2 || j + 1 == ncol {
                    line.push_str(&format!("{cell:<w$}"));
                } else {
                    line.push_str(&format!("{cell:>w$}"));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
            if i == 0 {
                writeln!(f, "{}", "-".repeat(line.trim_end().chars().count()))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn huge_finite_values_give_finite_correct_statistics() {
        // Hand values: mean (−1e308 + 1e308 + 5e307) / 3 = 5e307 / 3;
        // deviations −(1e308 + 5e307/3), 1e308 − 5e307/3, 5e307 − 5e307/3.
        let v = vec![-1e308, 1e308, 5e307];
        let s = NumericStats::from_values(v).unwrap();
        let mean = 5e307 / 3.0;
        assert_abs_diff_eq!(s.mean, mean, epsilon = 1e293);
        let d = [-1e308 - mean, 1e308 - mean, 5e307 - mean];
        // Sample variance / 1e308² computed in scaled units.
        let var_scaled: f64 = d.iter().map(|x| (x / 1e308).powi(2)).sum::<f64>() / 2.0;
        let std = var_scaled.sqrt() * 1e308;
        assert!(std.is_finite() && s.std.unwrap().is_finite());
        assert!(
            (s.std.unwrap() / std - 1.0).abs() < 1e-12,
            "{:?} vs {std}",
            s.std
        );
        assert_eq!((s.min, s.max), (-1e308, 1e308));
        // q25 lies between −1e308 and 5e307: −1e308 + (5e307 + 1e308)·0.5.
        assert!((s.q25 / -2.5e307 - 1.0).abs() < 1e-12, "{}", s.q25);
        assert_eq!(s.q50, 5e307);
        assert!((s.q75 / 7.5e307 - 1.0).abs() < 1e-12, "{}", s.q75);
        // All ±f64::MAX: mean 0, std √2·MAX·… beyond f64 only when truly so.
        let s = NumericStats::from_values(vec![f64::MAX, f64::MAX]).unwrap();
        assert_eq!((s.mean, s.std), (f64::MAX, Some(0.0)));
        // Printed as numbers, not `inf`.
        let t = Table::new(vec![(
            "x".into(),
            Column::numeric(vec![-1e308, 1e308, 5e307]),
        )])
        .unwrap();
        let shown = t.describe().to_string();
        assert!(
            shown.contains("-1e308") && shown.contains("1e308"),
            "{shown}"
        );
        assert!(!shown.contains("inf"), "{shown}");
        // Ordinary values are unchanged bit for bit by the scaled path.
        let s = NumericStats::from_values(vec![0.1, 0.2, 0.3]).unwrap();
        assert_eq!(s.mean, (0.1 + 0.2 + 0.3) / 3.0);
    }

    #[test]
    fn numeric_stats_match_hand_computation() {
        // values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample var 32/7.
        let t = Table::new(vec![(
            "x".into(),
            Column::numeric_opt(vec![
                Some(2.0),
                Some(4.0),
                None,
                Some(4.0),
                Some(4.0),
                Some(5.0),
                Some(5.0),
                Some(7.0),
                Some(9.0),
            ]),
        )])
        .unwrap();
        let d = t.describe();
        let c = &d.columns[0];
        assert_eq!((c.count, c.missing), (8, 1));
        let s = c.numeric.as_ref().unwrap();
        assert_abs_diff_eq!(s.mean, 5.0);
        assert_abs_diff_eq!(s.std.unwrap(), (32.0f64 / 7.0).sqrt(), epsilon = 1e-12);
        // pos 1.75 -> 4 ; pos 3.5 -> 4.5 ; pos 5.25 -> 5 + 0.25*2 = 5.5
        assert_abs_diff_eq!(s.q25, 4.0);
        assert_abs_diff_eq!(s.q50, 4.5);
        assert_abs_diff_eq!(s.q75, 5.5);
        assert_eq!((s.min, s.max), (2.0, 9.0));
    }

    #[test]
    fn all_missing_column_is_reported_not_panicking() {
        let t = Table::new(vec![
            ("n".into(), Column::numeric_opt(vec![None, None])),
            ("c".into(), Column::categorical_opt::<&str>(&[None, None])),
            ("d".into(), Column::date_opt(vec![None, None])),
            ("b".into(), Column::boolean_opt(vec![None, None])),
        ])
        .unwrap();
        let d = t.describe();
        for c in &d.columns {
            assert_eq!((c.count, c.missing), (0, 2), "{}", c.name);
            assert!(
                c.numeric.is_none()
                    && c.categorical.is_none()
                    && c.date.is_none()
                    && c.boolean.is_none()
            );
        }
        let text = d.to_string();
        assert_eq!(text.matches("all missing").count(), 4, "{text}");
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["columns"][0]["count"], 0);
        assert!(json["columns"][0].get("numeric").is_none());
        // Empty table too.
        assert_eq!(Table::default().describe().columns.len(), 0);
    }

    #[test]
    fn other_types() {
        let t = Table::new(vec![
            (
                "c".into(),
                Column::categorical_opt(&[
                    Some("b"),
                    Some("a"),
                    Some("b"),
                    None,
                    Some("c"),
                    Some("a"),
                ]),
            ),
            (
                "b".into(),
                Column::boolean_opt(vec![
                    Some(true),
                    None,
                    Some(false),
                    Some(true),
                    Some(true),
                    None,
                ]),
            ),
            (
                "d".into(),
                Column::date_opt(vec![Some(10), Some(3), None, Some(40), Some(7), Some(8)]),
            ),
        ])
        .unwrap();
        let d = t.describe_top(2);
        let c = d.column("c").unwrap().categorical.as_ref().unwrap();
        assert_eq!(c.n_levels, 3);
        assert_eq!(c.top, vec![("a".to_string(), 2), ("b".to_string(), 2)]);
        let b = d.column("b").unwrap().boolean.as_ref().unwrap();
        assert_eq!((b.n_true, b.n_false), (3, 1));
        let dd = d.column("d").unwrap().date.as_ref().unwrap();
        assert_eq!(
            (dd.min.as_str(), dd.max.as_str(), dd.span_days),
            ("1970-01-04", "1970-02-10", 37)
        );
        let back: Describe = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn single_value_has_no_std() {
        let s = NumericStats::from_values(vec![3.0]).unwrap();
        assert_eq!(s.std, None);
        assert_eq!((s.q25, s.q75), (3.0, 3.0));
    }
}
