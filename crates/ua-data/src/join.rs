//! Joining tables on key columns, and stacking tables with the same schema.
//!
//! Joins are hash joins: the right table's keys go into a hash table (one
//! entry per distinct key, duplicates chained in row order), and the left
//! table is streamed through it. Key columns must have the same type on both
//! sides; categorical keys compare by *string* (the two tables number their
//! levels independently). A row whose key has a missing value matches
//! nothing, as in SQL. Output rows follow the left table's order, and for one
//! left row its matches follow the right table's order.
//!
//! Output columns: every left column (keys included, under their names),
//! then the right table's non-key columns; a right name already used gets
//! the suffix `_right`. In a [`left_join`], a left row without a match gets
//! explicit missing values in the right columns.
//!
//! ```
//! use ua_data::{Column, Table};
//! use ua_data::join::{inner_join, left_join};
//!
//! let orders = Table::new(vec![
//!     ("user".into(), Column::categorical(&["u1", "u2", "u1", "u9"])),
//!     ("amount".into(), Column::numeric(vec![10.0, 20.0, 30.0, 40.0])),
//! ]).unwrap();
//! let users = Table::new(vec![
//!     ("user".into(), Column::categorical(&["u2", "u1"])),
//!     ("country".into(), Column::categorical(&["NO", "FR"])),
//! ]).unwrap();
//! let j = inner_join(&orders, &users, &["user"]).unwrap();
//! assert_eq!(j.n_rows(), 3);
//! assert_eq!(j.categorical("country").unwrap().get(0), Some("FR"));
//! let l = left_join(&orders, &users, &["user"]).unwrap();
//! assert_eq!(l.n_rows(), 4);
//! assert!(l.column("country").unwrap().is_missing(3));
//! ```

use crate::table::hash::FastMap;
use crate::table::keys::{RowKeys, shared_codes};
use crate::{BooleanColumn, DateColumn};
use crate::{CategoricalColumn, Column, Error, NumericColumn, Result, Table};

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Inner,
    Left,
}

/// Rows of `left` and `right` whose keys `on` are equal, every pair of
/// matches once. See the [module docs](self) for the output columns.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::join::inner_join;
/// let a = Table::new(vec![("k".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
/// let b = Table::new(vec![("k".into(), Column::categorical(&["1"]))]).unwrap();
/// let err = inner_join(&a, &b, &["k"]).unwrap_err().to_string();
/// assert!(err.contains("key `k`"), "{err}");
/// ```
pub fn inner_join(left: &Table, right: &Table, on: &[&str]) -> Result<Table> {
    join(left, right, on, Kind::Inner)
}

/// Every row of `left`, with the columns of its matching `right` rows (one
/// output row per match), or missing values where nothing matches.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::join::left_join;
/// let a = Table::new(vec![("k".into(), Column::date(vec![1, 2]))]).unwrap();
/// let b = Table::new(vec![
///     ("k".into(), Column::date(vec![2])),
///     ("v".into(), Column::numeric(vec![7.0])),
/// ]).unwrap();
/// let j = left_join(&a, &b, &["k"]).unwrap();
/// assert_eq!(j.numeric("v").unwrap().iter().collect::<Vec<_>>(), vec![None, Some(7.0)]);
/// ```
pub fn left_join(left: &Table, right: &Table, on: &[&str]) -> Result<Table> {
    join(left, right, on, Kind::Left)
}

fn join(left: &Table, right: &Table, on: &[&str], kind: Kind) -> Result<Table> {
    let op = if kind == Kind::Inner {
        "inner_join"
    } else {
        "left_join"
    };
    if on.is_empty() {
        return Err(Error::InvalidArgument {
            op,
            message: "no key columns given".into(),
        });
    }
    for (i, k) in on.iter().enumerate() {
        if on[..i].contains(k) {
            return Err(Error::InvalidArgument {
                op,
                message: format!("key `{k}` listed twice"),
            });
        }
    }
    let rename = |side: &'static str, e: Error| match e {
        Error::UnknownColumn {
            name, available, ..
        } => Error::UnknownColumn {
            op: match (kind, side) {
                (Kind::Inner, "left") => "inner_join (left table)",
                (Kind::Inner, _) => "inner_join (right table)",
                (Kind::Left, "left") => "left_join (left table)",
                (Kind::Left, _) => "left_join (right table)",
            },
            name,
            available,
        },
        other => other,
    };
    let mut lcols = Vec::with_capacity(on.len());
    let mut rcols = Vec::with_capacity(on.len());
    let mut remaps = Vec::with_capacity(on.len());
    for k in on {
        let l = left.column(k).map_err(|e| rename("left", e))?;
        let r = right.column(k).map_err(|e| rename("right", e))?;
        if l.dtype() != r.dtype() {
            return Err(Error::TypeMismatch {
                op,
                column: format!("key `{k}` in the right table"),
                expected: format!("{} (its type in the left table)", l.dtype()),
                found: r.dtype().name().into(),
            });
        }
        remaps.push(match (l, r) {
            (Column::Categorical(a), Column::Categorical(b)) => Some(shared_codes(a, b)),
            _ => None,
        });
        lcols.push(l);
        rcols.push(r);
    }
    let lk = RowKeys::new(&lcols, &[], left.n_rows());
    let rk = RowKeys::new(&rcols, &remaps, right.n_rows());

    // Right side: head of chain per key, chains in row order.
    let mut next = vec![NONE; right.n_rows()];
    let mut li: Vec<usize> = Vec::with_capacity(left.n_rows());
    let mut ri: Vec<Option<usize>> = Vec::with_capacity(left.n_rows());
    let mut emit = |i: usize, head: Option<u32>, next: &[u32]| {
        let mut h = head.unwrap_or(NONE);
        if h == NONE && kind == Kind::Left {
            li.push(i);
            ri.push(None);
        }
        while h != NONE {
            li.push(i);
            ri.push(Some(h as usize));
            h = next[h as usize];
        }
    };
    if lk.k == 1 {
        let mut head: FastMap<u64, u32> = FastMap::default();
        head.reserve(right.n_rows());
        for j in (0..right.n_rows()).rev() {
            if !rk.any_missing[j] {
                next[j] = head.insert(rk.flat[j], j as u32).unwrap_or(NONE);
            }
        }
        for i in 0..left.n_rows() {
            let h = if lk.any_missing[i] {
                None
            } else {
                head.get(&lk.flat[i]).copied()
            };
            emit(i, h, &next);
        }
    } else {
        let mut head: FastMap<&[u64], u32> = FastMap::default();
        head.reserve(right.n_rows());
        for j in (0..right.n_rows()).rev() {
            if !rk.any_missing[j] {
                next[j] = head.insert(rk.row(j), j as u32).unwrap_or(NONE);
            }
        }
        for i in 0..left.n_rows() {
            let h = if lk.any_missing[i] {
                None
            } else {
                head.get(lk.row(i)).copied()
            };
            emit(i, h, &next);
        }
    }

    let mut out = left.take_unchecked(&li);
    let all_matched = ri.iter().all(Option::is_some);
    let ri_plain: Vec<usize> = if all_matched {
        ri.iter().flatten().copied().collect()
    } else {
        Vec::new()
    };
    for (name, col) in right.columns() {
        if on.contains(&name) {
            continue;
        }
        let mut new_name = name.to_owned();
        while out.has_column(&new_name) {
            new_name.push_str("_right");
        }
        let c = if all_matched {
            col.take_unchecked(&ri_plain)
        } else {
            col.take_opt_unchecked(&ri)
        };
        out.add_column(new_name, c)?;
    }
    Ok(out)
}

/// Stacks tables with the same columns (same names in the same order, same
/// types). Categorical levels are merged: the first table's levels in order,
/// then each new level where it first appears. An empty list gives an empty
/// table.
///
/// ```
/// use ua_data::{Column, Table};
/// use ua_data::join::concat;
/// let a = Table::new(vec![("c".into(), Column::categorical(&["x", "y"]))]).unwrap();
/// let b = Table::new(vec![("c".into(), Column::categorical(&["z", "x"]))]).unwrap();
/// let t = concat(&[a, b.clone()]).unwrap();
/// assert_eq!(t.categorical("c").unwrap().iter().flatten().collect::<Vec<_>>(), vec!["x", "y", "z", "x"]);
/// let bad = Table::new(vec![("c".into(), Column::numeric(vec![1.0]))]).unwrap();
/// assert!(concat(&[b, bad]).is_err());
/// ```
pub fn concat(tables: &[Table]) -> Result<Table> {
    let Some(first) = tables.first() else {
        return Ok(Table::default());
    };
    let names = first.column_names();
    for (ti, t) in tables.iter().enumerate().skip(1) {
        let tn = t.column_names();
        if tn != names {
            return Err(Error::InvalidArgument {
                op: "concat",
                message: format!(
                    "table {ti} has columns [{}], expected [{}] as in table 0",
                    tn.join(", "),
                    names.join(", ")
                ),
            });
        }
        for (name, col) in t.columns() {
            let want = first.column(name)?.dtype();
            if col.dtype() != want {
                return Err(Error::TypeMismatch {
                    op: "concat",
                    column: name.to_owned(),
                    expected: format!("{want} as in table 0 (table {ti} differs)"),
                    found: col.dtype().name().into(),
                });
            }
        }
    }
    let total: usize = tables.iter().map(Table::n_rows).sum();
    let mut out = Table::default();
    for (j, name) in names.iter().enumerate() {
        let parts: Vec<&Column> = tables
            .iter()
            .map(|t| t.columns().nth(j).map(|(_, c)| c))
            .collect::<Option<_>>()
            .ok_or_else(|| Error::InvalidArgument {
                op: "concat",
                message: "inconsistent column count".into(),
            })?;
        let col = match parts[0] {
            Column::Numeric(_) => {
                let mut v = Vec::with_capacity(total);
                let mut m = Vec::with_capacity(total);
                for p in &parts {
                    let c = p.as_numeric()?;
                    v.extend_from_slice(c.values());
                    m.extend_from_slice(c.missing_mask());
                }
                Column::Numeric(NumericColumn::new(v, m)?)
            }
            Column::Date(_) => {
                let mut v = Vec::with_capacity(total);
                let mut m = Vec::with_capacity(total);
                for p in &parts {
                    let c = p.as_date()?;
                    v.extend_from_slice(c.days());
                    m.extend_from_slice(c.missing_mask());
                }
                Column::Date(DateColumn::new(v, m)?)
            }
            Column::Boolean(_) => {
                let mut v = Vec::with_capacity(total);
                for p in &parts {
                    v.extend_from_slice(p.as_boolean()?.values());
                }
                Column::Boolean(BooleanColumn::from_options(v))
            }
            Column::Categorical(_) => {
                let mut index: FastMap<String, u32> = FastMap::default();
                let mut levels: Vec<String> = Vec::new();
                let mut codes = Vec::with_capacity(total);
                for p in &parts {
                    let c = p.as_categorical()?;
                    let map: Vec<u32> = c
                        .levels()
                        .iter()
                        .map(|l| {
                            *index.entry(l.clone()).or_insert_with(|| {
                                levels.push(l.clone());
                                (levels.len() - 1) as u32
                            })
                        })
                        .collect();
                    codes.extend(c.codes().iter().map(|&k| {
                        if k == CategoricalColumn::MISSING {
                            k
                        } else {
                            map[k as usize]
                        }
                    }));
                }
                Column::Categorical(CategoricalColumn::from_parts_unchecked(codes, levels))
            }
        };
        out.add_column(*name, col)?;
    }
    // Row provenance: each row keeps the line of its own file (0 for rows of
    // tables built in memory); none at all when no table has any.
    if tables.iter().any(|t| t.source_lines().is_some()) {
        let mut lines = Vec::with_capacity(total);
        for t in tables {
            match t.source_lines() {
                Some(l) => lines.extend_from_slice(l),
                None => lines.extend(std::iter::repeat_n(0, t.n_rows())),
            }
        }
        out.set_source_lines(Some(lines))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left() -> Table {
        Table::new(vec![
            (
                "k".into(),
                Column::categorical_opt(&[Some("a"), Some("b"), Some("c"), None, Some("a")]),
            ),
            ("n".into(), Column::numeric(vec![1.0, 2.0, 3.0, 4.0, 5.0])),
            (
                "v".into(),
                Column::numeric(vec![10.0, 20.0, 30.0, 40.0, 50.0]),
            ),
        ])
        .unwrap()
    }

    fn right() -> Table {
        // Different level order from the left table: compare by string.
        Table::new(vec![
            (
                "k".into(),
                Column::categorical_opt(&[Some("c"), Some("a"), None, Some("a"), Some("z")]),
            ),
            (
                "v".into(),
                Column::numeric(vec![300.0, 100.0, 999.0, 101.0, 0.0]),
            ),
        ])
        .unwrap()
    }

    fn nums(t: &Table, c: &str) -> Vec<Option<f64>> {
        t.numeric(c).unwrap().iter().collect()
    }

    #[test]
    fn inner_join_by_string_with_duplicates_and_suffix() {
        let j = inner_join(&left(), &right(), &["k"]).unwrap();
        assert_eq!(j.column_names(), vec!["k", "n", "v", "v_right"]);
        assert_eq!(
            nums(&j, "n"),
            vec![Some(1.0), Some(1.0), Some(3.0), Some(5.0), Some(5.0)]
        );
        assert_eq!(
            nums(&j, "v_right"),
            vec![
                Some(100.0),
                Some(101.0),
                Some(300.0),
                Some(100.0),
                Some(101.0)
            ]
        );
    }

    #[test]
    fn left_join_keeps_all_left_rows_missing_keys_never_match() {
        let j = left_join(&left(), &right(), &["k"]).unwrap();
        assert_eq!(
            nums(&j, "n"),
            vec![
                Some(1.0),
                Some(1.0),
                Some(2.0),
                Some(3.0),
                Some(4.0),
                Some(5.0),
                Some(5.0)
            ]
        );
        assert_eq!(
            nums(&j, "v_right"),
            vec![
                Some(100.0),
                Some(101.0),
                None,
                Some(300.0),
                None,
                Some(100.0),
                Some(101.0)
            ]
        );
    }

    #[test]
    fn two_key_join() {
        let a = Table::new(vec![
            ("u".into(), Column::numeric(vec![1.0, 1.0, 2.0])),
            ("d".into(), Column::date(vec![5, 6, 5])),
        ])
        .unwrap();
        let b = Table::new(vec![
            ("d".into(), Column::date(vec![6, 5])),
            ("u".into(), Column::numeric(vec![1.0, 2.0])),
            ("x".into(), Column::boolean(vec![true, false])),
        ])
        .unwrap();
        let j = inner_join(&a, &b, &["u", "d"]).unwrap();
        assert_eq!(nums(&j, "u"), vec![Some(1.0), Some(2.0)]);
        assert_eq!(j.boolean("x").unwrap().values(), &[Some(true), Some(false)]);
    }

    #[test]
    fn join_errors() {
        let a = left();
        let b = Table::new(vec![("k".into(), Column::numeric(vec![1.0]))]).unwrap();
        let e = inner_join(&a, &b, &["k"]).unwrap_err().to_string();
        assert!(
            e.contains("key `k`") && e.contains("categorical") && e.contains("numeric"),
            "{e}"
        );
        let e = left_join(&a, &b, &["n"]).unwrap_err().to_string();
        assert!(
            e.contains("`n`") && e.contains("right table") && e.contains("available columns: k"),
            "{e}"
        );
        assert!(inner_join(&a, &b, &[]).is_err());
        assert!(inner_join(&a, &a, &["k", "k"]).is_err());
    }

    #[test]
    fn concat_merges_levels_and_checks_schema() {
        let a = Table::new(vec![
            ("c".into(), Column::categorical_opt(&[Some("x"), None])),
            ("n".into(), Column::numeric_opt(vec![Some(1.0), None])),
        ])
        .unwrap();
        let b = Table::new(vec![
            ("c".into(), Column::categorical(&["y", "x"])),
            ("n".into(), Column::numeric(vec![3.0, 4.0])),
        ])
        .unwrap();
        let t = concat(&[a.clone(), b]).unwrap();
        assert_eq!(t.n_rows(), 4);
        let c = t.categorical("c").unwrap();
        assert_eq!(c.levels(), &["x".to_string(), "y".to_string()]);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            vec![Some("x"), None, Some("y"), Some("x")]
        );
        assert_eq!(nums(&t, "n"), vec![Some(1.0), None, Some(3.0), Some(4.0)]);
        // Schema mismatches.
        let wrong_type = Table::new(vec![
            ("c".into(), Column::categorical(&["y"])),
            ("n".into(), Column::categorical(&["3"])),
        ])
        .unwrap();
        let e = concat(&[a.clone(), wrong_type]).unwrap_err().to_string();
        assert!(
            e.contains("`n`") && e.contains("table 1 differs") && e.contains("numeric"),
            "{e}"
        );
        let wrong_names = Table::new(vec![("c".into(), Column::categorical(&["y"]))]).unwrap();
        let e = concat(&[a, wrong_names]).unwrap_err().to_string();
        assert!(
            e.contains("table 1 has columns [c], expected [c, n]"),
            "{e}"
        );
        assert_eq!(concat(&[]).unwrap().n_cols(), 0);
    }
}
