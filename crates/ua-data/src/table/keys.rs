//! Row keys over one or more columns, for dedup, joins and group-by.
//!
//! Each key column becomes one `u64` "atom" per row: numbers by their bits
//! (`-0.0` folded onto `0.0`, every NaN onto one NaN), dates and booleans by
//! value, categoricals by code — in a code space shared by both tables of a
//! join, so that levels compare by string, never by their per-table code.
//! A missing value has its own atom, distinct from every value.

use super::hash::FastMap;
use crate::{CategoricalColumn, Column};

const MISSING_NUM: u64 = 0x7ff4_dead_beef_0001; // a signalling-NaN payload never produced below
const MISSING_SMALL: u64 = 1 << 40; // dates, booleans (values fit in 32 bits)

/// Atom of each row of `col`. For a categorical column, `remap` (if given)
/// translates its codes into a shared code space.
pub(crate) fn atoms(col: &Column, remap: Option<&[u32]>) -> Vec<u64> {
    match col {
        Column::Numeric(c) => c
            .values()
            .iter()
            .zip(c.missing_mask())
            .map(|(&v, &m)| {
                if m {
                    MISSING_NUM
                } else if v.is_nan() {
                    f64::NAN.to_bits()
                } else if v == 0.0 {
                    0
                } else {
                    v.to_bits()
                }
            })
            .collect(),
        Column::Date(c) => c
            .days()
            .iter()
            .zip(c.missing_mask())
            .map(|(&d, &m)| {
                if m {
                    MISSING_SMALL
                } else {
                    u64::from(d as u32)
                }
            })
            .collect(),
        Column::Boolean(c) => c
            .values()
            .iter()
            .map(|v| match v {
                None => MISSING_SMALL,
                Some(b) => u64::from(*b),
            })
            .collect(),
        Column::Categorical(c) => c
            .codes()
            .iter()
            .map(|&k| {
                if k == CategoricalColumn::MISSING {
                    u64::from(CategoricalColumn::MISSING)
                } else {
                    match remap {
                        Some(r) => u64::from(r[k as usize]),
                        None => u64::from(k),
                    }
                }
            })
            .collect(),
    }
}

/// Maps the levels of `right` into the code space of `left`: a level both
/// have gets `left`'s code, a level only `right` has gets a fresh code
/// `>= left.n_levels()` (so it can never equal a left code).
pub(crate) fn shared_codes(left: &CategoricalColumn, right: &CategoricalColumn) -> Vec<u32> {
    let index: FastMap<&str, u32> = left
        .levels()
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let mut next = left.n_levels() as u32;
    right
        .levels()
        .iter()
        .map(|l| match index.get(l.as_str()) {
            Some(&c) => c,
            None => {
                next += 1;
                next - 1
            }
        })
        .collect()
}

/// Multi-column keys, row-major: row `i` is `flat[i * k..(i + 1) * k]`.
pub(crate) struct RowKeys {
    pub(crate) k: usize,
    pub(crate) flat: Vec<u64>,
    pub(crate) n: usize,
    /// Whether any key value of the row is missing.
    pub(crate) any_missing: Vec<bool>,
}

impl RowKeys {
    /// Keys from columns (all of the same length `n`), with optional
    /// categorical remaps per column.
    pub(crate) fn new(cols: &[&Column], remaps: &[Option<Vec<u32>>], n: usize) -> RowKeys {
        let k = cols.len();
        let mut any_missing = vec![false; n];
        for c in cols {
            if c.missing_count() > 0 {
                for (m, cm) in any_missing.iter_mut().zip(c.missing_mask()) {
                    *m |= cm;
                }
            }
        }
        let flat = if k == 1 {
            atoms(cols[0], remaps.first().and_then(|r| r.as_deref()))
        } else {
            let mut flat = vec![0u64; n * k];
            for (j, c) in cols.iter().enumerate() {
                let a = atoms(c, remaps.get(j).and_then(|r| r.as_deref()));
                for (i, v) in a.into_iter().enumerate() {
                    flat[i * k + j] = v;
                }
            }
            flat
        };
        RowKeys {
            k,
            flat,
            n,
            any_missing,
        }
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> &[u64] {
        &self.flat[i * self.k..(i + 1) * self.k]
    }

    /// Dense group id per row (in order of first appearance) and the first
    /// row of each group. Missing values form groups of their own.
    pub(crate) fn group_ids(&self) -> (Vec<u32>, Vec<usize>) {
        let mut ids = Vec::with_capacity(self.n);
        let mut first = Vec::new();
        if self.k == 1 {
            let mut map: FastMap<u64, u32> = FastMap::default();
            for (i, &a) in self.flat.iter().enumerate() {
                let next = first.len() as u32;
                let id = *map.entry(a).or_insert_with(|| {
                    first.push(i);
                    next
                });
                ids.push(id);
            }
        } else {
            let mut map: FastMap<&[u64], u32> = FastMap::default();
            for i in 0..self.n {
                let next = first.len() as u32;
                let id = *map.entry(self.row(i)).or_insert_with(|| {
                    first.push(i);
                    next
                });
                ids.push(id);
            }
        }
        (ids, first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_fold_zero_and_keep_missing_apart() {
        let a = Column::numeric_opt(vec![Some(0.0), Some(-0.0), None, Some(1.0), None]);
        let keys = RowKeys::new(&[&a], &[None], 5);
        let (ids, first) = keys.group_ids();
        assert_eq!(ids, vec![0, 0, 1, 2, 1]);
        assert_eq!(first, vec![0, 2, 3]);
    }

    #[test]
    fn categorical_codes_shared_by_string() {
        let l = CategoricalColumn::from_strs(&[Some("a"), Some("b")]);
        let r = CategoricalColumn::from_strs(&[Some("c"), Some("b")]);
        assert_eq!(shared_codes(&l, &r), vec![2, 1]);
    }

    #[test]
    fn two_column_keys() {
        let a = Column::categorical(&["x", "x", "y", "x"]);
        let b = Column::date(vec![1, 2, 1, 1]);
        let (ids, _) = RowKeys::new(&[&a, &b], &[None, None], 4).group_ids();
        assert_eq!(ids, vec![0, 1, 2, 0]);
    }
}
