//! Grouping rows by key columns and aggregating each group.
//!
//! Rows are assigned dense group ids by hashing their keys (groups appear in
//! order of first appearance; a missing key value forms a group of its own —
//! nothing is dropped), and every aggregate is then one pass over the rows
//! into per-group accumulators.
//!
//! | aggregate | input types | output column | missing values |
//! | --- | --- | --- | --- |
//! | `Count` | — | `count` (rows in the group) | counted |
//! | `Sum(c)`, `Mean(c)` | numeric, boolean (`true` = 1) | `c_sum`, `c_mean` | skipped; missing if none present |
//!
//! Finite but huge values: a mean whose running sum overflows (two values of
//! `1e308`) is recomputed with the values scaled, so it is finite and right;
//! a sum that does not fit in an `f64` is an error naming the column and the
//! group's first row (its file line for a table read from CSV), never `inf`.
//!
//! | aggregate | input types | output column | missing values |
//! | --- | --- | --- | --- |
//! | `Min(c)`, `Max(c)` | numeric, date | `c_min`, `c_max` (same type) | skipped; missing if none present |
//! | `DistinctCount(c)` | any | `c_distinct` | not counted |
//! | `First(c)`, `Last(c)` | any | `c_first`, `c_last` (same type) | first/last *present* value |
//!
//! ```
//! use ua_data::{Column, Table};
//! use ua_data::groupby::{group_by, Agg};
//!
//! let orders = Table::new(vec![
//!     ("user".into(), Column::categorical(&["u1", "u2", "u1"])),
//!     ("amount".into(), Column::numeric(vec![10.0, 5.0, 30.0])),
//! ]).unwrap();
//! let g = group_by(&orders, &["user"], &[Agg::Count, Agg::Sum("amount".into())]).unwrap();
//! assert_eq!(g.column_names(), vec!["user", "count", "amount_sum"]);
//! assert_eq!(g.numeric("amount_sum").unwrap().values(), &[40.0, 5.0]);
//! ```

use serde::{Deserialize, Serialize};

use crate::table::hash::FastMap;
use crate::table::keys::{RowKeys, atoms};
use crate::{Column, ColumnType, DateColumn, Error, NumericColumn, Result, Table};

/// One aggregate of [`group_by`]; see the [module docs](self) for types and names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Agg {
    /// Number of rows in the group.
    Count,
    /// Sum of the present values.
    Sum(String),
    /// Mean of the present values.
    Mean(String),
    /// Smallest present value.
    Min(String),
    /// Largest present value.
    Max(String),
    /// Number of distinct present values.
    DistinctCount(String),
    /// First present value in row order.
    First(String),
    /// Last present value in row order.
    Last(String),
}

impl Agg {
    /// Name of the output column, e.g. `amount_sum`.
    ///
    /// ```
    /// use ua_data::groupby::Agg;
    /// assert_eq!(Agg::Mean("x".into()).output_name(), "x_mean");
    /// assert_eq!(Agg::Count.output_name(), "count");
    /// ```
    pub fn output_name(&self) -> String {
        match self {
            Agg::Count => "count".into(),
            Agg::Sum(c) => format!("{c}_sum"),
            Agg::Mean(c) => format!("{c}_mean"),
            Agg::Min(c) => format!("{c}_min"),
            Agg::Max(c) => format!("{c}_max"),
            Agg::DistinctCount(c) => format!("{c}_distinct"),
            Agg::First(c) => format!("{c}_first"),
            Agg::Last(c) => format!("{c}_last"),
        }
    }

    fn op(&self) -> &'static str {
        match self {
            Agg::Count => "group_by (Count)",
            Agg::Sum(_) => "group_by (Sum)",
            Agg::Mean(_) => "group_by (Mean)",
            Agg::Min(_) => "group_by (Min)",
            Agg::Max(_) => "group_by (Max)",
            Agg::DistinctCount(_) => "group_by (DistinctCount)",
            Agg::First(_) => "group_by (First)",
            Agg::Last(_) => "group_by (Last)",
        }
    }
}

fn type_error(agg: &Agg, name: &str, found: ColumnType, expected: &str) -> Error {
    Error::TypeMismatch {
        op: agg.op(),
        column: name.to_owned(),
        expected: expected.to_owned(),
        found: found.name().to_owned(),
    }
}

/// Groups `table` by the `keys` columns and computes `aggs` per group. The
/// output has the key columns (one row per group, in order of first
/// appearance), then one column per aggregate. With no keys, the whole table
/// is one group (none if it has no rows).
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::groupby::{group_by, Agg};
/// let t = Table::new(vec![("x".into(), Column::categorical(&["a"]))]).unwrap();
/// let err = group_by(&t, &[], &[Agg::Sum("x".into())]).unwrap_err().to_string();
/// assert!(err.contains("`x` has type categorical"), "{err}");
/// ```
pub fn group_by(table: &Table, keys: &[&str], aggs: &[Agg]) -> Result<Table> {
    let n = table.n_rows();
    let key_cols: Vec<&Column> = keys
        .iter()
        .map(|k| table.column(k))
        .collect::<Result<_>>()?;
    let (ids, first) = if keys.is_empty() {
        (vec![0u32; n], if n > 0 { vec![0] } else { vec![] })
    } else {
        RowKeys::new(&key_cols, &[], n).group_ids()
    };
    let g = first.len();
    let mut out = Table::default();
    for (k, c) in keys.iter().zip(&key_cols) {
        out.add_column(*k, c.take_unchecked(&first))?;
    }
    let mut columns: Vec<(String, Column)> = out.into_columns();
    for agg in aggs {
        let col = match agg {
            Agg::Count => {
                let mut cnt = vec![0.0f64; g];
                for &id in &ids {
                    cnt[id as usize] += 1.0;
                }
                Column::numeric(cnt)
            }
            Agg::Sum(c) | Agg::Mean(c) => {
                let col = table.column(c)?;
                let mut sum = vec![0.0f64; g];
                let mut cnt = vec![0usize; g];
                match col {
                    Column::Numeric(x) => {
                        for ((&id, &v), &m) in ids.iter().zip(x.values()).zip(x.missing_mask()) {
                            if !m {
                                sum[id as usize] += v;
                                cnt[id as usize] += 1;
                            }
                        }
                    }
                    Column::Boolean(x) => {
                        for (&id, v) in ids.iter().zip(x.values()) {
                            if let Some(b) = v {
                                sum[id as usize] += f64::from(u8::from(*b));
                                cnt[id as usize] += 1;
                            }
                        }
                    }
                    other => return Err(type_error(agg, c, other.dtype(), "numeric or boolean")),
                }
                let mean = matches!(agg, Agg::Mean(_));
                let fixed = match col {
                    Column::Numeric(x) => {
                        overflowed_means(table, agg, c, x, &ids, &first, &sum, mean)?
                    }
                    _ => vec![None; g],
                };
                Column::numeric_opt(
                    sum.iter()
                        .zip(&cnt)
                        .zip(fixed)
                        .map(|((&s, &k), fixed)| {
                            (k > 0).then(|| fixed.unwrap_or(if mean { s / k as f64 } else { s }))
                        })
                        .collect(),
                )
            }
            Agg::Min(c) | Agg::Max(c) => {
                let col = table.column(c)?;
                let is_min = matches!(agg, Agg::Min(_));
                match col {
                    Column::Numeric(x) => {
                        let mut best: Vec<Option<f64>> = vec![None; g];
                        for ((&id, &v), &m) in ids.iter().zip(x.values()).zip(x.missing_mask()) {
                            if m {
                                continue;
                            }
                            let b = &mut best[id as usize];
                            *b = Some(match *b {
                                None => v,
                                Some(cur) if is_min => cur.min(v),
                                Some(cur) => cur.max(v),
                            });
                        }
                        Column::Numeric(NumericColumn::from_options(best))
                    }
                    Column::Date(x) => {
                        let mut best: Vec<Option<i32>> = vec![None; g];
                        for (&id, v) in ids.iter().zip(x.iter()) {
                            let Some(v) = v else { continue };
                            let b = &mut best[id as usize];
                            *b = Some(match *b {
                                None => v,
                                Some(cur) if is_min => cur.min(v),
                                Some(cur) => cur.max(v),
                            });
                        }
                        Column::Date(DateColumn::from_options(best))
                    }
                    other => return Err(type_error(agg, c, other.dtype(), "numeric or date")),
                }
            }
            Agg::DistinctCount(c) => {
                let col = table.column(c)?;
                let a = atoms(col, None);
                let mut seen: FastMap<(u32, u64), ()> = FastMap::default();
                let mut cnt = vec![0.0f64; g];
                for (i, (&id, &v)) in ids.iter().zip(&a).enumerate() {
                    if !col.is_missing(i) && seen.insert((id, v), ()).is_none() {
                        cnt[id as usize] += 1.0;
                    }
                }
                Column::numeric(cnt)
            }
            Agg::First(c) | Agg::Last(c) => {
                let col = table.column(c)?;
                let mut pick: Vec<Option<usize>> = vec![None; g];
                let last = matches!(agg, Agg::Last(_));
                for (i, &id) in ids.iter().enumerate() {
                    if col.is_missing(i) {
                        continue;
                    }
                    let p = &mut pick[id as usize];
                    if last || p.is_none() {
                        *p = Some(i);
                    }
                }
                col.take_opt_unchecked(&pick)
            }
        };
        columns.push((agg.output_name(), col));
    }
    if columns.is_empty() {
        return Ok(Table::default());
    }
    Table::new(columns)
}

/// Groups whose sum of finite values overflowed to ±inf: a mean is
/// recomputed with the values scaled by the group's largest magnitude (the
/// mean of finite values is finite) and returned per group; a sum that does
/// not fit in an `f64` is an error naming the column and where the group's
/// first row is. Groups holding an inf or NaN value keep the result of
/// ordinary arithmetic.
#[allow(clippy::too_many_arguments)]
fn overflowed_means(
    table: &Table,
    agg: &Agg,
    column: &str,
    x: &NumericColumn,
    ids: &[u32],
    first: &[usize],
    sum: &[f64],
    mean: bool,
) -> Result<Vec<Option<f64>>> {
    let g = sum.len();
    if sum.iter().all(|s| s.is_finite()) {
        return Ok(vec![None; g]);
    }
    let mut scale = vec![0.0f64; g];
    let mut finite_inputs = vec![true; g];
    for ((&id, &v), &m) in ids.iter().zip(x.values()).zip(x.missing_mask()) {
        if !m {
            let k = id as usize;
            if v.is_finite() {
                scale[k] = scale[k].max(v.abs());
            } else {
                finite_inputs[k] = false;
            }
        }
    }
    let overflowed: Vec<bool> = (0..g)
        .map(|k| !sum[k].is_finite() && finite_inputs[k])
        .collect();
    if !mean && let Some(k) = overflowed.iter().position(|&o| o) {
        return Err(Error::InvalidArgument {
            op: agg.op(),
            message: format!(
                "column `{column}`: the sum of the group whose first row is at {} overflows \
                 (values up to {:e}, beyond the largest f64); scale the column down first",
                table.locate(first[k]),
                scale[k]
            ),
        });
    }
    // Σ (v / scale) / count stays within [-1, 1]; × scale gives the mean.
    let mut scaled = vec![0.0f64; g];
    let mut count = vec![0usize; g];
    for ((&id, &v), &m) in ids.iter().zip(x.values()).zip(x.missing_mask()) {
        let k = id as usize;
        if !m && overflowed[k] {
            scaled[k] += v / scale[k];
            count[k] += 1;
        }
    }
    Ok((0..g)
        .map(|k| overflowed[k].then(|| scaled[k] / count[k] as f64 * scale[k]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders() -> Table {
        Table::new(vec![
            (
                "user".into(),
                Column::categorical_opt(&[
                    Some("a"),
                    Some("b"),
                    Some("a"),
                    None,
                    Some("b"),
                    Some("a"),
                ]),
            ),
            (
                "amount".into(),
                Column::numeric_opt(vec![
                    Some(10.0),
                    Some(1.0),
                    None,
                    Some(7.0),
                    Some(3.0),
                    Some(20.0),
                ]),
            ),
            ("day".into(), Column::date(vec![5, 3, 9, 1, 2, 7])),
            (
                "item".into(),
                Column::categorical(&["x", "y", "x", "z", "y", "w"]),
            ),
            (
                "promo".into(),
                Column::boolean_opt(vec![
                    Some(true),
                    Some(false),
                    None,
                    Some(true),
                    Some(true),
                    Some(false),
                ]),
            ),
        ])
        .unwrap()
    }

    fn nums(t: &Table, c: &str) -> Vec<Option<f64>> {
        t.numeric(c).unwrap().iter().collect()
    }

    #[test]
    fn aggregates_hand_computed() {
        let g = group_by(
            &orders(),
            &["user"],
            &[
                Agg::Count,
                Agg::Sum("amount".into()),
                Agg::Mean("amount".into()),
                Agg::Min("amount".into()),
                Agg::Max("day".into()),
                Agg::DistinctCount("item".into()),
                Agg::First("amount".into()),
                Agg::Last("item".into()),
                Agg::Mean("promo".into()),
            ],
        )
        .unwrap();
        // Groups: a (rows 0,2,5), b (1,4), missing (3).
        assert_eq!(
            g.categorical("user").unwrap().iter().collect::<Vec<_>>(),
            vec![Some("a"), Some("b"), None]
        );
        assert_eq!(nums(&g, "count"), vec![Some(3.0), Some(2.0), Some(1.0)]);
        assert_eq!(
            nums(&g, "amount_sum"),
            vec![Some(30.0), Some(4.0), Some(7.0)]
        );
        assert_eq!(
            nums(&g, "amount_mean"),
            vec![Some(15.0), Some(2.0), Some(7.0)]
        );
        assert_eq!(
            nums(&g, "amount_min"),
            vec![Some(10.0), Some(1.0), Some(7.0)]
        );
        assert_eq!(
            g.date("day_max").unwrap().iter().collect::<Vec<_>>(),
            vec![Some(9), Some(3), Some(1)]
        );
        assert_eq!(
            nums(&g, "item_distinct"),
            vec![Some(2.0), Some(1.0), Some(1.0)]
        );
        assert_eq!(
            nums(&g, "amount_first"),
            vec![Some(10.0), Some(1.0), Some(7.0)]
        );
        assert_eq!(
            g.categorical("item_last")
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            vec![Some("w"), Some("y"), Some("z")]
        );
        assert_eq!(
            nums(&g, "promo_mean"),
            vec![Some(0.5), Some(0.5), Some(1.0)]
        );
    }

    #[test]
    fn all_missing_group_gives_missing() {
        let t = Table::new(vec![
            ("k".into(), Column::numeric(vec![1.0, 2.0])),
            ("x".into(), Column::numeric_opt(vec![None, Some(3.0)])),
        ])
        .unwrap();
        let g = group_by(&t, &["k"], &[Agg::Sum("x".into()), Agg::Last("x".into())]).unwrap();
        assert_eq!(nums(&g, "x_sum"), vec![None, Some(3.0)]);
        assert_eq!(nums(&g, "x_last"), vec![None, Some(3.0)]);
    }

    #[test]
    fn two_keys_and_no_keys() {
        let g = group_by(&orders(), &["user", "promo"], &[Agg::Count]).unwrap();
        // (a,T) (b,F) (a,NA) (NA,T) (b,T) (a,F)
        assert_eq!(g.n_rows(), 6);
        assert_eq!(g.boolean("promo").unwrap().values()[2], None);
        let g = group_by(&orders(), &[], &[Agg::Count, Agg::Sum("amount".into())]).unwrap();
        assert_eq!(nums(&g, "count"), vec![Some(6.0)]);
        assert_eq!(nums(&g, "amount_sum"), vec![Some(41.0)]);
    }

    #[test]
    fn huge_finite_values_give_right_means_and_refuse_overflowing_sums() {
        let t = Table::new(vec![
            ("k".into(), Column::categorical(&["a", "b", "a", "b", "c"])),
            (
                "x".into(),
                Column::numeric(vec![1e308, 1.0, 1.7e308, 3.0, f64::INFINITY]),
            ),
        ])
        .unwrap();
        let g = group_by(&t, &["k"], &[Agg::Mean("x".into())]).unwrap();
        let m = nums(&g, "x_mean");
        assert_eq!(m[0], Some(1.35e308));
        assert_eq!(m[1], Some(2.0));
        assert_eq!(m[2], Some(f64::INFINITY)); // an inf input stays inf
        let e = group_by(&t, &["k"], &[Agg::Sum("x".into())])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("column `x`: the sum of the group whose first row is at row 1 overflows")
                && e.contains("1.7e308"),
            "{e}"
        );
        // Negative overflow, located by file line.
        let csv = "k,x\nb,1\na,-1e308\na,-1e308\n";
        let f = crate::csv_io::read_csv_reader(
            csv.as_bytes(),
            "h.csv",
            &crate::csv_io::CsvOptions::default(),
        )
        .unwrap();
        let e = group_by(&f, &["k"], &[Agg::Sum("x".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("first row is at line 3"), "{e}");
        let g = group_by(&f, &[], &[Agg::Mean("x".into())]).unwrap();
        let want = (1.0 / 1e308 - 2.0) / 3.0 * 1e308;
        assert_eq!(nums(&g, "x_mean"), vec![Some(want)]);
    }

    #[test]
    fn errors_name_column() {
        let e = group_by(&orders(), &["nope"], &[Agg::Count])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`nope`") && e.contains("user, amount"), "{e}");
        let e = group_by(&orders(), &["user"], &[Agg::Min("item".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("group_by (Min)") && e.contains("`item`"), "{e}");
        let e = group_by(&orders(), &["user"], &[Agg::Count, Agg::Count]).unwrap_err();
        assert!(matches!(e, Error::DuplicateColumn { .. }));
    }
}
