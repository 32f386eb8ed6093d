//! A user × item interaction matrix with the maps between external ids and
//! dense row / column indices, for recommenders.
//!
//! [`InteractionsBuilder::build`] takes an interaction log — user id, item id
//! and an optional weight per row — and produces [`Interactions`]: a sparse
//! CSR matrix ([`CsrMatrix<f32>`], users × items) and two [`IdMap`]s that turn
//! external ids into row / column indices and back. Without given maps the
//! dense indices follow the **sorted** order of the ids (so they do not depend
//! on the order of the log); with maps given (e.g. the training maps when
//! building a test matrix) rows with unknown ids are left out and counted in
//! [`InteractionsReport`].
//!
//! Several rows for one (user, item) pair are combined by the [`Weighting`]:
//! the number of rows, the sum of the weights, the last weight (in log order)
//! or the largest weight. Combination is done in `f64`, then stored as `f32`.
//!
//! ```
//! use ua_data::features::interactions::{InteractionsBuilder, Weighting};
//! let users = ["bob", "ann", "bob", "bob"];
//! let items = [20u64, 10, 20, 30];
//! let x = InteractionsBuilder::new(Weighting::Count).build(&users, &items, None).unwrap();
//! assert_eq!(x.matrix.shape(), (2, 3));
//! let bob = x.user_index("bob").unwrap();
//! let item_20 = x.item_index(&20).unwrap();
//! assert_eq!((bob, item_20), (1, 1));
//! assert_eq!(x.matrix.row(bob), Some((&[1u32, 2][..], &[2.0f32, 1.0][..])));
//! assert_eq!(x.item_id(2), Some(&30));
//! ```

use std::borrow::Borrow;
use std::hash::Hash;

use serde::{Deserialize, Serialize};
use ua_tensor::sparse::CsrMatrix;

use super::{Key, read_key_column, read_numeric};
use crate::table::Table;
use crate::table::hash::FastMap;
use crate::{Error, Result};

/// A two-way map between external ids and dense indices `0..len`.
///
/// Serialises as the list of ids in index order; deserialising rebuilds the
/// look-up table and rejects duplicate ids.
///
/// ```
/// use ua_data::features::interactions::IdMap;
/// let mut m = IdMap::new();
/// assert_eq!(m.insert("b".to_string()), 0);
/// assert_eq!(m.insert("a".to_string()), 1);
/// assert_eq!(m.insert("b".to_string()), 0);
/// assert_eq!(m.index("a"), Some(1));
/// assert_eq!(m.id(0).map(String::as_str), Some("b"));
/// let json = serde_json::to_string(&m).unwrap();
/// assert_eq!(json, r#"["b","a"]"#);
/// let back: IdMap<String> = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, m);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    try_from = "Vec<K>",
    into = "Vec<K>",
    bound(
        serialize = "K: Serialize + Clone",
        deserialize = "K: Deserialize<'de> + Eq + Hash + Clone + std::fmt::Debug"
    )
)]
pub struct IdMap<K: Eq + Hash> {
    ids: Vec<K>,
    index: FastMap<K, usize>,
}

impl<K: Eq + Hash> PartialEq for IdMap<K> {
    fn eq(&self, other: &Self) -> bool {
        self.ids == other.ids
    }
}

impl<K: Eq + Hash> Default for IdMap<K> {
    fn default() -> Self {
        IdMap {
            ids: Vec::new(),
            index: FastMap::default(),
        }
    }
}

impl<K: Eq + Hash + Clone + std::fmt::Debug> TryFrom<Vec<K>> for IdMap<K> {
    type Error = Error;
    fn try_from(ids: Vec<K>) -> Result<Self> {
        IdMap::from_ids(ids)
    }
}

impl<K: Eq + Hash> From<IdMap<K>> for Vec<K> {
    fn from(m: IdMap<K>) -> Vec<K> {
        m.ids
    }
}

impl<K: Eq + Hash + Clone> IdMap<K> {
    /// An empty map.
    ///
    /// ```
    /// let m = ua_data::features::interactions::IdMap::<u64>::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> Self {
        IdMap::default()
    }

    /// A map whose index `i` is `ids[i]`. Errors on a repeated id.
    ///
    /// ```
    /// use ua_data::features::interactions::IdMap;
    /// let m = IdMap::from_ids(vec![7u64, 3]).unwrap();
    /// assert_eq!(m.index(&3), Some(1));
    /// assert!(IdMap::from_ids(vec![1u64, 1]).is_err());
    /// ```
    pub fn from_ids(ids: Vec<K>) -> Result<Self>
    where
        K: std::fmt::Debug,
    {
        let mut index = FastMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (i, id) in ids.iter().enumerate() {
            if let Some(first) = index.insert(id.clone(), i) {
                return Err(Error::InvalidArgument {
                    op: "IdMap::from_ids",
                    message: format!("id {id:?} appears at positions {first} and {i}"),
                });
            }
        }
        Ok(IdMap { ids, index })
    }

    /// The index of `id`, adding it at the end if it is new.
    ///
    /// ```
    /// let mut m = ua_data::features::interactions::IdMap::new();
    /// assert_eq!((m.insert(5u64), m.insert(9), m.insert(5)), (0, 1, 0));
    /// ```
    pub fn insert(&mut self, id: K) -> usize {
        if let Some(&i) = self.index.get(&id) {
            return i;
        }
        let i = self.ids.len();
        self.index.insert(id.clone(), i);
        self.ids.push(id);
        i
    }

    /// The dense index of an external id.
    ///
    /// ```
    /// let m = ua_data::features::interactions::IdMap::from_ids(vec!["x".to_string()]).unwrap();
    /// assert_eq!(m.index("x"), Some(0));
    /// assert_eq!(m.index("y"), None);
    /// ```
    pub fn index<Q>(&self, id: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.get(id).copied()
    }

    /// The external id at a dense index.
    ///
    /// ```
    /// let m = ua_data::features::interactions::IdMap::from_ids(vec![4u64]).unwrap();
    /// assert_eq!((m.id(0), m.id(1)), (Some(&4), None));
    /// ```
    pub fn id(&self, index: usize) -> Option<&K> {
        self.ids.get(index)
    }

    /// All ids in index order.
    ///
    /// ```
    /// let m = ua_data::features::interactions::IdMap::from_ids(vec![4u64, 2]).unwrap();
    /// assert_eq!(m.ids(), &[4, 2]);
    /// ```
    pub fn ids(&self) -> &[K] {
        &self.ids
    }

    /// Number of ids.
    ///
    /// ```
    /// let m = ua_data::features::interactions::IdMap::from_ids(vec![4u64, 2]).unwrap();
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the map holds no id.
    ///
    /// ```
    /// assert!(ua_data::features::interactions::IdMap::<u64>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// How several rows of one (user, item) pair become one matrix value.
///
/// ```
/// use ua_data::features::interactions::Weighting;
/// assert!(!Weighting::Count.needs_weights());
/// assert!(Weighting::Max.needs_weights());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weighting {
    /// The number of rows (implicit feedback: views, purchases). Takes no weights.
    Count,
    /// The sum of the weights (e.g. quantities or amounts).
    Sum,
    /// The weight of the last row in log order (e.g. the latest rating).
    Last,
    /// The largest weight (e.g. the best rating, or the deepest funnel stage).
    Max,
}

impl Weighting {
    /// Whether the weighting needs a weight per row.
    ///
    /// ```
    /// assert!(ua_data::features::interactions::Weighting::Sum.needs_weights());
    /// ```
    pub fn needs_weights(self) -> bool {
        !matches!(self, Weighting::Count)
    }
}

/// What went into the matrix and what was left out.
///
/// ```
/// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
/// let x = InteractionsBuilder::new(Weighting::Count).build(&[1u64, 1], &[2u64, 2], None).unwrap();
/// assert_eq!((x.report.rows, x.report.entries, x.report.rows_merged), (2, 1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InteractionsReport {
    /// Rows in the log.
    pub rows: usize,
    /// Stored entries of the matrix (distinct (user, item) pairs).
    pub entries: usize,
    /// Rows combined into an entry another row had already created.
    pub rows_merged: usize,
    /// Rows left out because the user is not in the given user map.
    pub rows_unknown_user: usize,
    /// Rows left out because the item is not in the given item map (and the user was known).
    pub rows_unknown_item: usize,
}

/// The interaction matrix and its id maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "U: Serialize + Clone + Eq + Hash, I: Serialize + Clone + Eq + Hash",
    deserialize = "U: Deserialize<'de> + Eq + Hash + Clone + std::fmt::Debug, \
                   I: Deserialize<'de> + Eq + Hash + Clone + std::fmt::Debug"
))]
pub struct Interactions<U: Eq + Hash = Key, I: Eq + Hash = Key> {
    /// Users × items, one stored entry per interacting pair.
    pub matrix: CsrMatrix<f32>,
    /// Row index ↔ user id.
    pub users: IdMap<U>,
    /// Column index ↔ item id.
    pub items: IdMap<I>,
    /// Rows used and left out.
    pub report: InteractionsReport,
}

impl<U: Eq + Hash + Clone, I: Eq + Hash + Clone> Interactions<U, I> {
    /// The row of a user id.
    ///
    /// ```
    /// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
    /// let x = InteractionsBuilder::new(Weighting::Count).build(&[9u64], &[1u64], None).unwrap();
    /// assert_eq!((x.user_index(&9), x.user_index(&8)), (Some(0), None));
    /// ```
    pub fn user_index<Q>(&self, id: &Q) -> Option<usize>
    where
        U: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.users.index(id)
    }

    /// The column of an item id.
    ///
    /// ```
    /// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
    /// let x = InteractionsBuilder::new(Weighting::Count).build(&[9u64], &["a"], None).unwrap();
    /// assert_eq!(x.item_index(&"a"), Some(0));
    /// ```
    pub fn item_index<Q>(&self, id: &Q) -> Option<usize>
    where
        I: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.items.index(id)
    }

    /// The user id of a row.
    ///
    /// ```
    /// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
    /// let x = InteractionsBuilder::new(Weighting::Count).build(&[9u64], &[1u64], None).unwrap();
    /// assert_eq!(x.user_id(0), Some(&9));
    /// ```
    pub fn user_id(&self, index: usize) -> Option<&U> {
        self.users.id(index)
    }

    /// The item id of a column.
    ///
    /// ```
    /// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
    /// let x = InteractionsBuilder::new(Weighting::Count).build(&[9u64], &[1u64], None).unwrap();
    /// assert_eq!((x.item_id(0), x.item_id(1)), (Some(&1), None));
    /// ```
    pub fn item_id(&self, index: usize) -> Option<&I> {
        self.items.id(index)
    }
}

/// Builds [`Interactions`] from a log. See the [module docs](self).
///
/// ```
/// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
/// let b = InteractionsBuilder::new(Weighting::Max);
/// let x = b.build(&["u", "u"], &["i", "i"], Some(&[3.0, 5.0])).unwrap();
/// assert_eq!(x.matrix.data(), &[5.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionsBuilder<U: Eq + Hash = Key, I: Eq + Hash = Key> {
    /// How repeated (user, item) rows are combined.
    pub weighting: Weighting,
    /// Fixed user index space (rows with other users are left out and counted).
    pub users: Option<IdMap<U>>,
    /// Fixed item index space (rows with other items are left out and counted).
    pub items: Option<IdMap<I>>,
}

const OP: &str = "InteractionsBuilder::build";

impl<U: Ord + Hash + Clone, I: Ord + Hash + Clone> InteractionsBuilder<U, I> {
    /// A builder with the given weighting and index spaces taken from the log.
    ///
    /// ```
    /// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
    /// let b: InteractionsBuilder<u64, u64> = InteractionsBuilder::new(Weighting::Sum);
    /// assert!(b.users.is_none());
    /// ```
    pub fn new(weighting: Weighting) -> Self {
        InteractionsBuilder {
            weighting,
            users: None,
            items: None,
        }
    }

    /// Fixes the user index space (e.g. to the training matrix's users).
    ///
    /// ```
    /// use ua_data::features::interactions::{IdMap, InteractionsBuilder, Weighting};
    /// let train = InteractionsBuilder::new(Weighting::Count)
    ///     .build(&[1u64, 2], &[1u64, 1], None).unwrap();
    /// let test = InteractionsBuilder::new(Weighting::Count)
    ///     .with_users(train.users.clone())
    ///     .with_items(train.items.clone())
    ///     .build(&[2u64, 3], &[1u64, 1], None).unwrap();
    /// assert_eq!(test.matrix.shape(), (2, 1));
    /// assert_eq!(test.report.rows_unknown_user, 1); // user 3 is not in training
    /// ```
    pub fn with_users(mut self, users: IdMap<U>) -> Self {
        self.users = Some(users);
        self
    }

    /// Fixes the item index space.
    ///
    /// ```
    /// use ua_data::features::interactions::{IdMap, InteractionsBuilder, Weighting};
    /// let items = IdMap::from_ids(vec![10u64, 20, 30]).unwrap();
    /// let x = InteractionsBuilder::new(Weighting::Count).with_items(items)
    ///     .build(&[1u64], &[30u64], None).unwrap();
    /// assert_eq!(x.matrix.shape(), (1, 3));
    /// assert_eq!(x.matrix.row(0), Some((&[2u32][..], &[1.0f32][..])));
    /// ```
    pub fn with_items(mut self, items: IdMap<I>) -> Self {
        self.items = Some(items);
        self
    }

    /// Builds the matrix from parallel columns of user ids, item ids and
    /// (for every weighting but [`Weighting::Count`]) weights.
    ///
    /// Errors: an empty log, columns of different lengths, weights missing
    /// (or given to `Count`), a non-finite weight, or one that leaves f32's
    /// range once stored or combined with the pair's other rows
    /// ([`Error::BadValue`] at its 1-based row), and a matrix whose buffers would exceed the memory
    /// budget of [`ua_tensor::budget`] (`UA_MEMORY_BUDGET`, checked before
    /// allocating).
    ///
    /// ```
    /// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
    /// let b = InteractionsBuilder::new(Weighting::Sum);
    /// let e = b.build(&[1u64], &[1u64], Some(&[f64::NAN])).unwrap_err();
    /// assert!(e.to_string().contains("column `weights`: `NaN` at row 1 is not a finite number"), "{e}");
    /// ```
    pub fn build(
        &self,
        users: &[U],
        items: &[I],
        weights: Option<&[f64]>,
    ) -> Result<Interactions<U, I>> {
        self.build_located(users, items, weights.map(|w| (w, "weights")), &|row| {
            format!("row {}", row + 1)
        })
    }

    /// [`build`](Self::build) with the weight column's name and a function
    /// that says where a row is, for messages.
    fn build_located(
        &self,
        users: &[U],
        items: &[I],
        weights: Option<(&[f64], &str)>,
        locate: &dyn Fn(usize) -> String,
    ) -> Result<Interactions<U, I>> {
        let weight_name = weights.map_or("", |w| w.1);
        let weights = weights.map(|w| w.0);
        let n = users.len();
        if items.len() != n {
            return Err(Error::LengthMismatch {
                op: OP,
                column: "items".into(),
                expected: n,
                found: items.len(),
            });
        }
        if n == 0 {
            return Err(invalid("the interaction log is empty".into()));
        }
        match (self.weighting.needs_weights(), weights) {
            (true, None) => {
                return Err(invalid(format!(
                    "weighting {:?} needs a weight per row; none were given",
                    self.weighting
                )));
            }
            (false, Some(_)) => {
                return Err(invalid(
                    "weighting Count takes no weights; use Sum to add them up".into(),
                ));
            }
            (_, Some(w)) if w.len() != n => {
                return Err(Error::LengthMismatch {
                    op: OP,
                    column: "weights".into(),
                    expected: n,
                    found: w.len(),
                });
            }
            _ => {}
        }
        if let Some(w) = weights
            && let Some(row) = w.iter().position(|v| !v.is_finite())
        {
            return Err(Error::BadValue {
                op: OP,
                column: weight_name.to_owned(),
                at: locate(row),
                value: w[row].to_string(),
                expected: "a finite number".into(),
            });
        }

        let mut report = InteractionsReport {
            rows: n,
            ..InteractionsReport::default()
        };
        // Codes are u32 with u32::MAX reserved: bound the rows and given maps.
        let given = [
            self.users.as_ref().map(IdMap::len),
            self.items.as_ref().map(IdMap::len),
        ];
        if n >= SKIP as usize || given.iter().flatten().any(|&len| len >= SKIP as usize) {
            return Err(invalid(format!(
                "at most {} rows and ids per map are supported",
                SKIP - 1
            )));
        }
        // The buffers below: per kept row a (code, row) pair, an index and a
        // value, plus one offset per user; at most n rows are kept.
        let per_row = std::mem::size_of::<(u32, usize)>() + 4 + 4 + 2 * 4;
        let count = ua_tensor::budget::elements(OP, &[n, 1])?;
        ua_tensor::budget::check_allocation(OP, "the interaction matrix", count, per_row)?;
        // Dense codes per row (SKIP = left out) and the two maps.
        let (user_map, user_code) = encode(users, self.users.as_ref());
        let (item_map, item_code) = encode(items, self.items.as_ref());
        let (n_users, n_items) = (user_map.len(), item_map.len());

        // Counting sort of the kept rows by user (stable: log order kept).
        let mut indptr = vec![0usize; n_users + 1];
        for (&u, &i) in user_code.iter().zip(&item_code) {
            if u == SKIP {
                report.rows_unknown_user += 1;
            } else if i == SKIP {
                report.rows_unknown_item += 1;
            } else {
                indptr[u as usize + 1] += 1;
            }
        }
        for k in 0..n_users {
            indptr[k + 1] += indptr[k];
        }
        let mut next = indptr.clone();
        let mut by_user: Vec<(u32, usize)> = vec![(0, 0); indptr[n_users]];
        for (row, (&u, &i)) in user_code.iter().zip(&item_code).enumerate() {
            if u != SKIP && i != SKIP {
                let p = &mut next[u as usize];
                by_user[*p] = (i, row);
                *p += 1;
            }
        }

        // Per user: order by (item, row) and combine repeated items.
        let weight = |row: usize| weights.map_or(1.0, |w| w[row]);
        let mut indices: Vec<u32> = Vec::with_capacity(by_user.len());
        let mut data: Vec<f32> = Vec::with_capacity(by_user.len());
        let mut out_ptr = Vec::with_capacity(n_users + 1);
        out_ptr.push(0usize);
        for u in 0..n_users {
            let seg = &mut by_user[indptr[u]..indptr[u + 1]];
            seg.sort_unstable();
            let mut k = 0;
            while k < seg.len() {
                let (item, first) = seg[k];
                let mut acc = weight(first);
                let mut end = k + 1;
                while end < seg.len() && seg[end].0 == item {
                    let w = weight(seg[end].1);
                    acc = match self.weighting {
                        Weighting::Count | Weighting::Sum => acc + w,
                        Weighting::Last => w,
                        Weighting::Max => acc.max(w),
                    };
                    end += 1;
                }
                report.rows_merged += end - k - 1;
                // Stored as f32: a weight (or a sum of weights) past f32's
                // range would become infinity, so it is an error here.
                let value = acc as f32;
                if !value.is_finite() {
                    let rows = end - k;
                    return Err(Error::BadValue {
                        op: OP,
                        column: weight_name.to_owned(),
                        at: locate(first),
                        value: acc.to_string(),
                        expected: if rows == 1 {
                            format!("a weight within f32's range (±{:e})", f32::MAX)
                        } else {
                            format!(
                                "a weight whose {rows} rows for this (user, item) pair combine \
                                 within f32's range (±{:e})",
                                f32::MAX
                            )
                        },
                    });
                }
                indices.push(item);
                data.push(value);
                k = end;
            }
            out_ptr.push(indices.len());
        }
        report.entries = data.len();
        let matrix = CsrMatrix::from_parts(n_users, n_items, out_ptr, indices, data)?;
        Ok(Interactions {
            matrix,
            users: user_map,
            items: item_map,
            report,
        })
    }
}

impl InteractionsBuilder<Key, Key> {
    /// Reads the user, item and optional weight columns of a table (ids from
    /// numeric whole-number or categorical columns) and builds the matrix.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// use ua_data::features::{Key, interactions::{InteractionsBuilder, Weighting}};
    /// let t = Table::new(vec![
    ///     ("user".into(), Column::numeric(vec![1.0, 2.0, 1.0])),
    ///     ("item".into(), Column::categorical(&["a", "a", "b"])),
    ///     ("rating".into(), Column::numeric(vec![4.0, 2.0, 5.0])),
    /// ]).unwrap();
    /// let x = InteractionsBuilder::new(Weighting::Last)
    ///     .from_table(&t, "user", "item", Some("rating")).unwrap();
    /// let u1 = x.user_index(&Key::Int(1)).unwrap();
    /// assert_eq!(x.matrix.row(u1), Some((&[0u32, 1][..], &[4.0f32, 5.0][..])));
    /// ```
    pub fn from_table(
        &self,
        table: &Table,
        user_col: &str,
        item_col: &str,
        weight_col: Option<&str>,
    ) -> Result<Interactions<Key, Key>> {
        const OP_T: &str = "InteractionsBuilder::from_table";
        let users = read_key_column(OP_T, table, user_col)?.into_keys();
        let items = read_key_column(OP_T, table, item_col)?.into_keys();
        let weights = weight_col
            .map(|w| read_numeric(OP_T, table, w))
            .transpose()?;
        self.build_located(&users, &items, weights.as_deref().zip(weight_col), &|row| {
            table.locate(row)
        })
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument { op: OP, message }
}

/// Code of a row whose id is not in a given map.
const SKIP: u32 = u32::MAX;

/// The dense code of every row, and the map: `given` if there is one (ids
/// not in it get [`SKIP`]), else the distinct ids in sorted order. One hash
/// look-up per row; only the distinct ids are sorted.
fn encode<K: Ord + Hash + Clone>(ids: &[K], given: Option<&IdMap<K>>) -> (IdMap<K>, Vec<u32>) {
    if let Some(map) = given {
        let codes = ids
            .iter()
            .map(|id| map.index(id).map_or(SKIP, |i| i as u32))
            .collect();
        return (map.clone(), codes);
    }
    // Provisional codes in order of first appearance.
    let mut first: FastMap<&K, u32> = FastMap::default();
    let mut distinct: Vec<&K> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(ids.len());
    for id in ids {
        let next = distinct.len() as u32;
        let c = *first.entry(id).or_insert_with(|| {
            distinct.push(id);
            next
        });
        codes.push(c);
    }
    // Sort the distinct ids and renumber.
    let mut perm: Vec<u32> = (0..distinct.len() as u32).collect();
    perm.sort_unstable_by(|&a, &b| distinct[a as usize].cmp(distinct[b as usize]));
    let mut rank = vec![0u32; distinct.len()];
    for (r, &p) in perm.iter().enumerate() {
        rank[p as usize] = r as u32;
    }
    for c in &mut codes {
        *c = rank[*c as usize];
    }
    let mut map = IdMap {
        ids: Vec::with_capacity(distinct.len()),
        index: FastMap::with_capacity_and_hasher(distinct.len(), Default::default()),
    };
    for &p in &perm {
        map.insert(distinct[p as usize].clone());
    }
    (map, codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made log: (user, item, rating) in time order.
    fn log() -> (Vec<&'static str>, Vec<u64>, Vec<f64>) {
        let rows = [
            ("carl", 30, 2.0),
            ("ann", 10, 4.0),
            ("carl", 10, 1.0),
            ("ann", 10, 3.0),
            ("bea", 20, 5.0),
            ("ann", 30, 1.0),
            ("ann", 10, 5.0),
        ];
        (
            rows.iter().map(|r| r.0).collect(),
            rows.iter().map(|r| r.1).collect(),
            rows.iter().map(|r| r.2).collect(),
        )
    }

    #[test]
    fn each_weighting_on_the_hand_made_log() {
        let (u, i, w) = log();
        // Users sorted: ann 0, bea 1, carl 2; items: 10 → 0, 20 → 1, 30 → 2.
        let dense = |wt: Weighting, weights: Option<&[f64]>| {
            InteractionsBuilder::new(wt)
                .build(&u, &i, weights)
                .unwrap()
                .matrix
                .to_dense()
        };
        let count = dense(Weighting::Count, None);
        assert_eq!(count.row(0).to_vec(), [3.0, 0.0, 1.0]);
        assert_eq!(count.row(1).to_vec(), [0.0, 1.0, 0.0]);
        assert_eq!(count.row(2).to_vec(), [1.0, 0.0, 1.0]);
        let sum = dense(Weighting::Sum, Some(&w));
        assert_eq!(sum.row(0).to_vec(), [12.0, 0.0, 1.0]);
        let last = dense(Weighting::Last, Some(&w));
        assert_eq!(last.row(0).to_vec(), [5.0, 0.0, 1.0]);
        let max = dense(Weighting::Max, Some(&w));
        assert_eq!(max.row(0).to_vec(), [5.0, 0.0, 1.0]);
        // Last differs from Max when the latest rating is lower.
        let w2 = [2.0, 4.0, 1.0, 3.0, 5.0, 1.0, 2.5];
        assert_eq!(dense(Weighting::Last, Some(&w2))[[0, 0]], 2.5);
        assert_eq!(dense(Weighting::Max, Some(&w2))[[0, 0]], 4.0);

        let x = InteractionsBuilder::new(Weighting::Count)
            .build(&u, &i, None)
            .unwrap();
        assert_eq!(x.users.ids(), ["ann", "bea", "carl"]);
        assert_eq!(x.items.ids(), [10, 20, 30]);
        assert_eq!(x.user_index("carl"), Some(2));
        assert_eq!(x.item_index(&20), Some(1));
        assert_eq!(x.item_id(2), Some(&30));
        assert_eq!(x.user_index("dan"), None);
        assert_eq!(
            x.report,
            InteractionsReport {
                rows: 7,
                entries: 5,
                rows_merged: 2,
                rows_unknown_user: 0,
                rows_unknown_item: 0
            }
        );
    }

    #[test]
    fn fixed_maps_leave_out_and_count_unknown_ids() {
        let (u, i, _) = log();
        let users = IdMap::from_ids(vec!["carl", "ann"]).unwrap();
        let items = IdMap::from_ids(vec![30u64, 10]).unwrap();
        let x = InteractionsBuilder::new(Weighting::Count)
            .with_users(users)
            .with_items(items)
            .build(&u, &i, None)
            .unwrap();
        assert_eq!(x.matrix.shape(), (2, 2));
        // carl: 30 once, 10 once; ann: 30 once, 10 three times.
        assert_eq!(
            x.matrix.to_dense().into_raw_vec_and_offset().0,
            [1.0, 1.0, 1.0, 3.0]
        );
        assert_eq!(
            (x.report.rows_unknown_user, x.report.rows_unknown_item),
            (1, 0)
        );
    }

    #[test]
    fn bad_input_errors() {
        let b = InteractionsBuilder::new(Weighting::Sum);
        assert!(
            b.build(&[1u64], &[1u64], None)
                .unwrap_err()
                .to_string()
                .contains("weight")
        );
        let e = b.build(&[1u64, 2], &[1u64], Some(&[1.0, 1.0])).unwrap_err();
        assert!(e.to_string().contains("items"), "{e}");
        let e = b.build(&[1u64], &[1u64], Some(&[1.0, 2.0])).unwrap_err();
        assert!(e.to_string().contains("weights"), "{e}");
        let e = b
            .build(&[1u64, 1], &[1u64, 2], Some(&[1.0, f64::INFINITY]))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("column `weights`: `inf` at row 2 is not a finite number"),
            "{e}"
        );
        // From a table read from a file: the weight column's name and line.
        let csv = "user,item,w\nu1,i1,1\nu2,i1,2\nu2,i2,inf\n";
        let t = crate::csv_io::read_csv_reader(
            csv.as_bytes(),
            "r.csv",
            &crate::csv_io::CsvOptions::default(),
        )
        .unwrap();
        let e = InteractionsBuilder::new(Weighting::Sum)
            .from_table(&t.take(&[2, 0]).unwrap(), "user", "item", Some("w"))
            .unwrap_err();
        assert!(e.to_string().contains("column `w`: `inf` at line 4"), "{e}");
        let e = InteractionsBuilder::<u64, u64>::new(Weighting::Count)
            .build(&[], &[], None)
            .unwrap_err();
        assert!(e.to_string().contains("empty"));
        let e = InteractionsBuilder::new(Weighting::Count)
            .build(&[1u64], &[1u64], Some(&[1.0]))
            .unwrap_err();
        assert!(e.to_string().contains("Count"));
    }

    #[test]
    fn weights_past_f32_range_are_errors_naming_the_row() {
        // 1e308 is a finite f64 but would be stored as f32 infinity.
        let e = InteractionsBuilder::new(Weighting::Max)
            .build(&[1u64, 2], &[1u64, 1], Some(&[1.0, 1e308]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("column `weights`: `100000000")
                && e.contains("at row 2 is not a weight within f32's range"),
            "{e}"
        );
        // Two rows of one pair whose sum leaves the range: the first row is named.
        let big = f64::from(f32::MAX);
        let e = InteractionsBuilder::new(Weighting::Sum)
            .build(&[5u64, 1, 5], &[3u64, 3, 3], Some(&[big, 1.0, big]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("at row 1 is not a weight whose 2 rows"), "{e}");
        // Each alone, or their maximum, fits.
        let x = InteractionsBuilder::new(Weighting::Max)
            .build(&[5u64, 1, 5], &[3u64, 3, 3], Some(&[big, 1.0, big]))
            .unwrap();
        assert_eq!(x.matrix.data(), &[1.0, f32::MAX]);
    }

    #[test]
    fn interactions_round_trip_through_json() {
        let (u, i, w) = log();
        let u: Vec<String> = u.iter().map(|s| s.to_string()).collect();
        let x = InteractionsBuilder::new(Weighting::Sum)
            .build(&u, &i, Some(&w))
            .unwrap();
        let json = serde_json::to_string(&x).unwrap();
        let back: Interactions<String, u64> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, x);
        assert_eq!(back.user_index("bea"), Some(1));
        assert!(serde_json::from_str::<IdMap<u64>>("[1, 2, 1]").is_err());
    }

    #[test]
    fn id_map_looks_up_both_ways_and_compares_by_ids() {
        let mut m = IdMap::new();
        assert!(m.is_empty());
        assert_eq!(m.len(), 0);
        assert_eq!(
            (m.insert(7u64), m.insert(3), m.insert(7), m.insert(5)),
            (0, 1, 0, 2)
        );
        assert!(!m.is_empty());
        assert_eq!(m.len(), 3);
        assert_eq!(m.ids(), &[7, 3, 5]);
        assert_eq!(
            (m.index(&7), m.index(&3), m.index(&5), m.index(&4)),
            (Some(0), Some(1), Some(2), None)
        );
        assert_eq!((m.id(0), m.id(2), m.id(3)), (Some(&7), Some(&5), None));
        // Equality is by the ids in index order.
        let same = IdMap::from_ids(vec![7u64, 3, 5]).unwrap();
        assert_eq!(same, m);
        assert_eq!(same.index(&5), Some(2));
        assert_ne!(IdMap::from_ids(vec![3u64, 7, 5]).unwrap(), m);
        assert_ne!(IdMap::from_ids(vec![7u64, 3]).unwrap(), m);
        assert_eq!(IdMap::<u64>::default(), IdMap::new());
        // Through Vec and back.
        let ids: Vec<u64> = m.clone().into();
        assert_eq!(ids, [7, 3, 5]);
        let back = IdMap::try_from(ids).unwrap();
        assert_eq!((back.len(), back.index(&3)), (3, Some(1)));
        let e = IdMap::try_from(vec![1u64, 2, 1]).unwrap_err().to_string();
        assert!(e.contains("id 1 appears at positions 0 and 2"), "{e}");
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "[7,3,5]");
        let read: IdMap<u64> = serde_json::from_str(&json).unwrap();
        assert_eq!((read.index(&5), read.id(1)), (Some(2), Some(&3)));
    }

    #[test]
    fn ids_of_rows_and_columns_and_which_weightings_take_weights() {
        let (u, i, _) = log();
        let x = InteractionsBuilder::new(Weighting::Count)
            .build(&u, &i, None)
            .unwrap();
        assert_eq!(
            (x.user_id(0), x.user_id(2), x.user_id(3)),
            (Some(&"ann"), Some(&"carl"), None)
        );
        assert_eq!(
            (x.item_id(0), x.item_id(1), x.item_id(3)),
            (Some(&10), Some(&20), None)
        );
        assert_eq!(
            (x.user_index("ann"), x.user_index("bea")),
            (Some(0), Some(1))
        );
        assert_eq!(
            (x.item_index(&10), x.item_index(&30), x.item_index(&40)),
            (Some(0), Some(2), None)
        );
        assert!(!Weighting::Count.needs_weights());
        for w in [Weighting::Sum, Weighting::Last, Weighting::Max] {
            assert!(w.needs_weights(), "{w:?}");
        }
        let b: InteractionsBuilder<u64, u64> = InteractionsBuilder::new(Weighting::Last);
        assert_eq!(
            (b.weighting, b.users.is_none(), b.items.is_none()),
            (Weighting::Last, true, true)
        );
    }

    #[test]
    fn a_table_with_numeric_and_text_ids_builds_the_matrix() {
        use crate::{Column, features::Key};
        let t = Table::new(vec![
            ("user".into(), Column::numeric(vec![2.0, 1.0, 2.0, 2.0])),
            ("item".into(), Column::categorical(&["b", "a", "b", "a"])),
            ("w".into(), Column::numeric(vec![1.5, 2.0, 2.5, 4.0])),
        ])
        .unwrap();
        let x = InteractionsBuilder::new(Weighting::Sum)
            .from_table(&t, "user", "item", Some("w"))
            .unwrap();
        assert_eq!(x.users.ids(), [Key::Int(1), Key::Int(2)]);
        assert_eq!(
            x.items.ids(),
            [Key::Text("a".into()), Key::Text("b".into())]
        );
        // user 2: a = 4, b = 1.5 + 2.5; user 1: a = 2.
        assert_eq!(x.matrix.row(1), Some((&[0u32, 1][..], &[4.0f32, 4.0][..])));
        assert_eq!(x.matrix.row(0), Some((&[0u32][..], &[2.0f32][..])));
        assert_eq!(
            (x.report.rows, x.report.entries, x.report.rows_merged),
            (4, 3, 1)
        );
        // Without a weight column every row counts once.
        let x = InteractionsBuilder::new(Weighting::Count)
            .from_table(&t, "user", "item", None)
            .unwrap();
        assert_eq!(x.matrix.row(1), Some((&[0u32, 1][..], &[1.0f32, 2.0][..])));
        let e = InteractionsBuilder::new(Weighting::Count)
            .from_table(&t, "customer", "item", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("customer"), "{e}");
    }

    #[test]
    fn unknown_items_of_known_users_are_counted_apart() {
        let (u, i, _) = log();
        // Every user known, item 20 (bea's only row) and 30 unknown.
        let x = InteractionsBuilder::new(Weighting::Count)
            .with_items(IdMap::from_ids(vec![10u64]).unwrap())
            .build(&u, &i, None)
            .unwrap();
        assert_eq!(x.matrix.shape(), (3, 1));
        assert_eq!(
            (x.report.rows_unknown_user, x.report.rows_unknown_item),
            (0, 3)
        );
        assert_eq!((x.report.entries, x.report.rows_merged), (2, 2));
        assert_eq!(
            x.matrix.to_dense().into_raw_vec_and_offset().0,
            [3.0, 0.0, 1.0]
        );
        // A row of an unknown user and an unknown item counts as the user's.
        let x = InteractionsBuilder::new(Weighting::Count)
            .with_users(IdMap::from_ids(vec!["ann"]).unwrap())
            .with_items(IdMap::from_ids(vec![10u64]).unwrap())
            .build(&u, &i, None)
            .unwrap();
        assert_eq!(
            (x.report.rows_unknown_user, x.report.rows_unknown_item),
            (3, 1)
        );
        assert_eq!(x.matrix.data(), &[3.0]);
    }
}
