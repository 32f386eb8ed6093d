//! The fitted form shared by the item-to-item models (item-kNN, RP3β, EASE):
//! the training interactions and an item × item weight matrix `W`; a user
//! with history `h` (items and weights) scores item `j` as `Σᵢ hᵢ·W[i, j]`.
//!
//! The sparse models keep the top-K neighbours of each item (a CSR matrix
//! whose row `i` lists the items `i` points to); EASE keeps a dense matrix.
//! [`neighbours`] builds the sparse matrix from the co-occurrences of items
//! in the users' histories, in parallel over items with per-thread buffers.

use ndarray::Array2;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;
use ua_tensor::sparse::CsrMatrix;
use ua_tensor::topk::top_k_masked;

use crate::traits::{ItemIndex, Recommender, UserIndex, unknown};
use crate::{Error, Result};

/// The item × item weights of an item-to-item model.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::recommend::ItemWeights;
/// let w = ItemWeights::Dense(array![[0.0f32, 2.0], [1.0, 0.0]]);
/// assert_eq!(w.n_items(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ItemWeights {
    /// Top-K neighbours per item (row `i`: the items `i` points to).
    Sparse(CsrMatrix<f32>),
    /// A full matrix (EASE).
    Dense(Array2<f32>),
}

impl ItemWeights {
    /// Number of items (rows).
    ///
    /// ```
    /// use ua_analytics::recommend::ItemWeights;
    /// use ua_tensor::sparse::CsrMatrix;
    /// assert_eq!(ItemWeights::Sparse(CsrMatrix::<f32>::zeros(3, 3).unwrap()).n_items(), 3);
    /// ```
    pub fn n_items(&self) -> usize {
        match self {
            ItemWeights::Sparse(m) => m.n_rows(),
            ItemWeights::Dense(m) => m.nrows(),
        }
    }

    /// `out[j] = Σᵢ weights[i]·W[items[i], j]`.
    fn accumulate(&self, items: &[u32], weights: &[f32], out: &mut [f32]) {
        out.fill(0.0);
        for (&i, &h) in items.iter().zip(weights) {
            match self {
                ItemWeights::Sparse(m) => {
                    let (cols, vals) = m.row(i as usize).unwrap_or((&[], &[]));
                    for (&j, &v) in cols.iter().zip(vals) {
                        out[j as usize] += h * v;
                    }
                }
                ItemWeights::Dense(m) => {
                    for (o, &v) in out.iter_mut().zip(m.row(i as usize)) {
                        *o += h * v;
                    }
                }
            }
        }
    }

    /// The `k` largest weights of row `item`, without `item` itself.
    fn most_similar(&self, item: usize, k: usize) -> Vec<(ItemIndex, f32)> {
        match self {
            ItemWeights::Sparse(m) => {
                let (cols, vals) = m.row(item).unwrap_or((&[], &[]));
                top_k_masked(vals, k, |p| cols[p] as usize == item)
                    .into_iter()
                    .map(|(p, v)| (cols[p] as usize, v))
                    .collect()
            }
            ItemWeights::Dense(m) => {
                let row = m.row(item);
                let row = row.as_slice().map_or_else(|| row.to_vec(), <[f32]>::to_vec);
                top_k_masked(&row, k, |j| j == item)
            }
        }
    }

    fn check(&self, n_items: usize) -> std::result::Result<(), String> {
        let (shape, finite) = match self {
            ItemWeights::Sparse(m) => (m.shape(), m.data().iter().all(|v| v.is_finite())),
            ItemWeights::Dense(m) => (m.dim(), m.iter().all(|v| v.is_finite())),
        };
        if shape != (n_items, n_items) {
            return Err(format!(
                "the item weights are {} × {}, expected {n_items} × {n_items} (the catalogue)",
                shape.0, shape.1
            ));
        }
        if !finite {
            return Err("the item weights hold a non-finite value".into());
        }
        Ok(())
    }
}

/// What the parameters of an item-to-item model tell its fitted form: the
/// saved-file kind and the parameter check.
pub trait ItemModelParams:
    Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + Send + Sync
{
    /// The kind written in saved files.
    const KIND: &'static str;
    /// Checks the parameters (a bad value names the parameter).
    fn validate(&self) -> Result<()>;
}

/// A fitted item-to-item model: its parameters, the training interactions
/// (the users' histories and what [`Filter::exclude_seen`](super::Filter::exclude_seen)
/// leaves out) and the item weights.
///
/// ```
/// use ua_analytics::recommend::{Filter, ItemKnn};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::persist::Persist;
/// use ua_tensor::sparse::CsrMatrix;
/// let x = CsrMatrix::from_triplets(3, 3, &[0, 0, 1, 2], &[0, 1, 0, 2], &[1.0f32; 4]).unwrap();
/// let fitted = ItemKnn::new().fit(&x).unwrap();
/// // User 1 has item 0, which co-occurs with item 1.
/// assert_eq!(fitted.recommend(1, 1, &Filter::exclude_seen()).unwrap()[0].0, 1);
/// let back = ua_analytics::recommend::FittedItemKnn::from_json(&fitted.to_json().unwrap()).unwrap();
/// assert_eq!(back, fitted);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "P: Serialize", deserialize = "P: DeserializeOwned"))]
pub struct FittedItemModel<P> {
    params: P,
    history: CsrMatrix<f32>,
    weights: ItemWeights,
}

impl<P: ItemModelParams> FittedItemModel<P> {
    pub(crate) fn new(params: P, history: CsrMatrix<f32>, weights: ItemWeights) -> Self {
        FittedItemModel {
            params,
            history,
            weights,
        }
    }

    /// The parameters the model was fitted with.
    ///
    /// ```
    /// use ua_analytics::RecommenderModel;
    /// use ua_analytics::recommend::ItemKnn;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(1, 2, &[0, 0], &[0, 1], &[1.0f32; 2]).unwrap();
    /// assert_eq!(ItemKnn::new().neighbours(5).fit(&x).unwrap().params().neighbours, 5);
    /// ```
    pub fn params(&self) -> &P {
        &self.params
    }

    /// The item × item weights.
    ///
    /// ```
    /// use ua_analytics::RecommenderModel;
    /// use ua_analytics::recommend::ItemKnn;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(1, 2, &[0, 0], &[0, 1], &[1.0f32; 2]).unwrap();
    /// assert_eq!(ItemKnn::new().fit(&x).unwrap().item_weights().n_items(), 2);
    /// ```
    pub fn item_weights(&self) -> &ItemWeights {
        &self.weights
    }
}

impl<P: ItemModelParams> Recommender for FittedItemModel<P> {
    fn n_users(&self) -> usize {
        self.history.n_rows()
    }

    fn n_items(&self) -> usize {
        self.history.n_cols()
    }

    fn seen_items(&self, user: UserIndex) -> Result<&[u32]> {
        history_row(&self.history, user).map(|(items, _)| items)
    }

    fn score_user(&self, user: UserIndex, out: &mut [f32]) -> Result<()> {
        check_out(out, self.n_items())?;
        let (items, weights) = history_row(&self.history, user)?;
        self.weights.accumulate(items, weights, out);
        Ok(())
    }

    fn score_history(&self, items: &[u32], weights: &[f32], out: &mut [f32]) -> Result<()> {
        check_out(out, self.n_items())?;
        self.weights.accumulate(items, weights, out);
        Ok(())
    }

    fn similar_items(&self, item: ItemIndex, k: usize) -> Result<Vec<(ItemIndex, f32)>> {
        if item >= self.n_items() {
            return Err(unknown("similar items", "item", item, self.n_items()));
        }
        Ok(self.weights.most_similar(item, k))
    }
}

impl<P: ItemModelParams> Persist for FittedItemModel<P> {
    const KIND: &'static str = P::KIND;

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.validate().map_err(|e| e.to_string())?;
        check_history(&self.history)?;
        self.weights.check(self.history.n_cols())
    }
}

/// The row of `user` in the training interactions, or an error naming the
/// number of known users.
pub(crate) fn history_row(history: &CsrMatrix<f32>, user: UserIndex) -> Result<(&[u32], &[f32])> {
    history
        .row(user)
        .ok_or_else(|| unknown("recommend", "user", user, history.n_rows()))
}

/// `out` must hold one score per item.
pub(crate) fn check_out(out: &[f32], n_items: usize) -> Result<()> {
    if out.len() != n_items {
        return Err(Error::InvalidArgument {
            op: "score items",
            message: format!(
                "the output holds {} scores, the catalogue {n_items} items",
                out.len()
            ),
        });
    }
    Ok(())
}

/// Invariants of saved training interactions: weights finite and ≥ 0.
pub(crate) fn check_history(history: &CsrMatrix<f32>) -> std::result::Result<(), String> {
    match history
        .data()
        .iter()
        .position(|v| !(v.is_finite() && *v >= 0.0))
    {
        Some(p) => Err(format!(
            "interaction {p} has weight {}; weights must be finite and ≥ 0",
            history.data()[p]
        )),
        None => Ok(()),
    }
}

/// Items per parallel task of [`neighbours`]: enough work per task to
/// amortise its start, enough tasks to balance the threads.
const ITEMS_PER_TASK: usize = 32;

/// For every item `i`, the `k` largest `finish(i, j, c)` over the items
/// `j ≠ i` that co-occur with `i`, where `c = Σᵤ left[u, i]·right[u, j]`
/// over the users `u` (rows of both matrices, which share their pattern).
/// Non-positive and non-finite results are dropped. Returns the items ×
/// items CSR matrix of the kept weights.
///
/// In parallel over blocks of [`ITEMS_PER_TASK`] items; each thread reuses
/// its scratch (accumulator, marks, candidate row) for all its items, and
/// each block returns only the kept weights, one flat list per block.
pub(crate) fn neighbours(
    left: &CsrMatrix<f32>,
    right: &CsrMatrix<f32>,
    k: usize,
    finish: impl Fn(usize, usize, f32) -> f32 + Sync,
) -> Result<CsrMatrix<f32>> {
    let n_items = left.n_cols();
    let left_t = left.transpose();
    let blocks: Vec<KeptRows> = (0..n_items.div_ceil(ITEMS_PER_TASK))
        .into_par_iter()
        .map_init(
            || CoOccurrence::new(n_items),
            |scratch, b| {
                let items = b * ITEMS_PER_TASK..((b + 1) * ITEMS_PER_TASK).min(n_items);
                let mut kept = KeptRows::default();
                for i in items {
                    scratch.row(&left_t, right, i, k, &finish, &mut kept);
                }
                kept
            },
        )
        .collect();
    let nnz: usize = blocks.iter().map(|b| b.indices.len()).sum();
    let mut indptr = Vec::with_capacity(n_items + 1);
    indptr.push(0);
    let (mut indices, mut data) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
    for block in blocks {
        for len in block.lengths {
            indptr.push(indptr[indptr.len() - 1] + len);
        }
        indices.extend(block.indices);
        data.extend(block.data);
    }
    Ok(CsrMatrix::from_parts(
        n_items, n_items, indptr, indices, data,
    )?)
}

/// The kept weights of consecutive rows: each row's length, then all their
/// columns and values in row order.
#[derive(Default)]
struct KeptRows {
    lengths: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f32>,
}

/// One thread's scratch for [`neighbours`], reused from item to item.
struct CoOccurrence {
    acc: Vec<f32>,
    marked: Vec<bool>,
    touched: Vec<u32>,
    candidates: Vec<u64>,
}

impl CoOccurrence {
    fn new(n_items: usize) -> Self {
        CoOccurrence {
            acc: vec![0.0; n_items],
            marked: vec![false; n_items],
            touched: vec![0; n_items],
            candidates: Vec::new(),
        }
    }

    /// Appends item `i`'s kept weights to `out`; leaves the scratch clean.
    fn row(
        &mut self,
        left_t: &CsrMatrix<f32>,
        right: &CsrMatrix<f32>,
        i: usize,
        k: usize,
        finish: &impl Fn(usize, usize, f32) -> f32,
        out: &mut KeptRows,
    ) {
        let CoOccurrence {
            acc,
            marked,
            touched,
            candidates,
        } = self;
        // Plain slices and a count (each item is marked once, so `touched`,
        // as long as the catalogue, never overflows): the inner loop calls
        // nothing and keeps its pointers in registers.
        let (acc, marked, touched) = (&mut acc[..], &mut marked[..], &mut touched[..]);
        let mut n_touched = 0;
        let (users, a) = left_t.row(i).unwrap_or((&[], &[]));
        for (&u, &a_ui) in users.iter().zip(a) {
            let (items, b) = right.row(u as usize).unwrap_or((&[], &[]));
            for (&j, &b_uj) in items.iter().zip(b) {
                let j = j as usize;
                if !marked[j] {
                    marked[j] = true;
                    touched[n_touched] = j as u32;
                    n_touched += 1;
                }
                acc[j] += a_ui * b_uj;
            }
        }
        candidates.clear();
        for &j in &touched[..n_touched] {
            let c = std::mem::take(&mut acc[j as usize]);
            marked[j as usize] = false;
            if j as usize != i {
                let v = finish(i, j as usize, c);
                if is_positive_finite(v) {
                    candidates.push(rank_key(j, v));
                }
            }
        }
        // Keep the k largest keys (larger weight, ties to the lower item),
        // then put the row in column order for the CSR layout.
        let kept = if candidates.len() > k {
            let cut = candidates.len() - k;
            candidates.select_nth_unstable(cut);
            &mut candidates[cut..]
        } else {
            &mut candidates[..]
        };
        kept.sort_unstable_by_key(|&key| key_item(key));
        out.lengths.push(kept.len());
        for &key in kept.iter() {
            out.indices.push(key_item(key));
            out.data.push(key_weight(key));
        }
    }
}

/// `v > 0` and finite, in one comparison of its bits: the positive finite
/// non-zero `f32` are exactly the bit patterns `1..=0x7f7f_ffff`.
fn is_positive_finite(v: f32) -> bool {
    v.to_bits().wrapping_sub(1) < 0x7f7f_ffff
}

/// A candidate neighbour as one integer that orders like its rank: the
/// weight's bits above (a positive finite `f32` orders like its bits), the
/// complement of the item below (ties to the lower item).
fn rank_key(item: u32, weight: f32) -> u64 {
    (u64::from(weight.to_bits()) << 32) | u64::from(!item)
}

fn key_item(key: u64) -> u32 {
    !(key as u32)
}

fn key_weight(key: u64) -> f32 {
    f32::from_bits((key >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> CsrMatrix<f32> {
        // users × items:   0  1  2  3
        //   u0             1  1  .  .
        //   u1             1  1  1  .
        //   u2             .  .  1  1
        crate::recommend::tests::csr(
            3,
            4,
            &[(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3)],
        )
    }

    #[test]
    fn co_occurrence_counts_and_top_k() {
        let w = neighbours(&x(), &x(), 10, |_, _, c| c).unwrap();
        // item 0 co-occurs with 1 twice (u0, u1) and with 2 once (u1).
        assert_eq!(w.row(0), Some((&[1u32, 2][..], &[2.0f32, 1.0][..])));
        assert_eq!(w.row(3), Some((&[2u32][..], &[1.0f32][..])));
        // k = 1 keeps the largest; ties go to the lower item.
        let w = neighbours(&x(), &x(), 1, |_, _, c| c).unwrap();
        assert_eq!(w.row(0), Some((&[1u32][..], &[2.0f32][..])));
        assert_eq!(w.row(2), Some((&[0u32][..], &[1.0f32][..])));
        // finish sees (i, j) and drops non-positive results.
        let w = neighbours(&x(), &x(), 10, |i, j, c| if j > i { c } else { -c }).unwrap();
        assert_eq!(w.row(1), Some((&[2u32][..], &[1.0f32][..])));
    }

    /// The naive form of `neighbours`: every pair's finished weight, sorted
    /// by rank (weight down, item up), cut at k, put in item order.
    fn naive_neighbours(
        x: &CsrMatrix<f32>,
        k: usize,
        finish: impl Fn(usize, usize, f32) -> f32,
    ) -> Vec<Vec<(u32, f32)>> {
        let d = x.to_dense();
        (0..x.n_cols())
            .map(|i| {
                let mut row: Vec<(u32, f32)> = (0..x.n_cols())
                    .filter(|&j| {
                        j != i
                            && d.column(i)
                                .iter()
                                .zip(d.column(j))
                                .any(|(a, b)| a * b != 0.0)
                    })
                    .map(|j| {
                        let c = (0..x.n_rows()).map(|u| d[[u, i]] * d[[u, j]]).sum();
                        (j as u32, finish(i, j, c))
                    })
                    .filter(|&(_, v)| v > 0.0 && v.is_finite())
                    .collect();
                row.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                row.truncate(k);
                row.sort_by_key(|&(j, _)| j);
                row
            })
            .collect()
    }

    #[test]
    fn neighbours_equal_the_naive_top_k_on_random_data() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (users, items) = (30, 40);
        let (mut u, mut i, mut w) = (vec![], vec![], vec![]);
        for user in 0..users {
            for item in 0..items {
                if rng.random::<f32>() < 0.2 {
                    u.push(user);
                    i.push(item);
                    // Small integers: many exact ties between weights.
                    w.push(rng.random_range(1..4) as f32);
                }
            }
        }
        let x = CsrMatrix::from_triplets(users, items, &u, &i, &w).unwrap();
        // Some finished weights are zero, negative, infinite or NaN: dropped.
        let finish = |i: usize, j: usize, c: f32| match (i + j) % 7 {
            0 => 0.0,
            1 => -c,
            2 => f32::INFINITY,
            3 => f32::NAN,
            _ => c / (1 + i % 3) as f32,
        };
        let all = naive_neighbours(&x, usize::MAX, finish);
        for k in [1, 3, 8, 100] {
            let w = neighbours(&x, &x, k, finish).unwrap();
            let want = naive_neighbours(&x, k, finish);
            for (item, want) in want.iter().enumerate() {
                let (cols, vals) = w.row(item).unwrap();
                let got: Vec<(u32, f32)> = cols.iter().copied().zip(vals.iter().copied()).collect();
                assert_eq!(&got, want, "item {item}, k {k}");
            }
            // The cut is exercised: some row has more candidates than k,
            // except with k = 100 (more than the catalogue).
            let cut = all.iter().any(|row| row.len() > k);
            assert_eq!(cut, k < 10, "k {k}");
        }
    }

    #[test]
    fn positive_finite_weights_and_rank_keys() {
        for v in [f32::from_bits(1), 1e-30, 0.5, 1.0, f32::MAX] {
            assert!(is_positive_finite(v), "{v}");
        }
        for v in [
            0.0,
            -0.0,
            -f32::from_bits(1),
            -1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
        ] {
            assert!(!is_positive_finite(v), "{v}");
        }
        // A key orders by weight, then by the lower item, and gives both back.
        assert!(rank_key(9, 2.0) > rank_key(0, 1.0));
        assert!(rank_key(3, 1.0) > rank_key(4, 1.0));
        assert!(rank_key(0, f32::MAX) > rank_key(0, f32::from_bits(0x7f7f_fffe)));
        for (item, weight) in [(0u32, f32::from_bits(1)), (7, 0.25), (u32::MAX, f32::MAX)] {
            let key = rank_key(item, weight);
            assert_eq!((key_item(key), key_weight(key)), (item, weight));
        }
    }

    #[test]
    fn a_users_history_scores_like_the_user() {
        use crate::RecommenderModel;
        let m = crate::recommend::ItemKnn::new().fit(&x()).unwrap();
        let (mut by_user, mut by_history) = (vec![0.0; 4], vec![9.0; 4]);
        m.score_user(1, &mut by_user).unwrap();
        let (items, weights) = x().row(1).map(|(i, w)| (i.to_vec(), w.to_vec())).unwrap();
        m.score_history(&items, &weights, &mut by_history).unwrap();
        assert_eq!(by_user, by_history);
        assert!(by_user.iter().any(|&s| s > 0.0));
        assert!(m.score_history(&items, &weights, &mut [0.0; 3]).is_err());
    }

    #[test]
    fn loading_refuses_broken_contents() {
        use crate::RecommenderModel;
        use ua_tensor::persist::Persist;
        let m = crate::recommend::ItemKnn::new().fit(&x()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&m.to_json().unwrap()).unwrap();
        let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = json.clone();
            edit(&mut v);
            crate::recommend::FittedItemKnn::from_json(&v.to_string())
                .unwrap_err()
                .to_string()
        };
        let e = broken(&|v| v["model"]["history"]["data"][0] = (-1.0).into());
        assert!(e.contains("weight -1"), "{e}");
        let e = broken(&|v| v["model"]["params"]["neighbours"] = 0.into());
        assert!(e.contains("neighbours"), "{e}");
        let e = broken(&|v| {
            v["model"]["weights"] =
                serde_json::json!({"Dense": {"v": 1, "dim": [1, 1], "data": [0.0]}})
        });
        assert!(e.contains("1 × 1"), "{e}");
        assert!(crate::recommend::FittedItemKnn::from_json(&json.to_string()).is_ok());
    }

    #[test]
    fn dense_and_sparse_weights_score_alike() {
        let w = neighbours(&x(), &x(), 10, |_, _, c| c).unwrap();
        let dense = ItemWeights::Dense(w.to_dense());
        let sparse = ItemWeights::Sparse(w);
        let (mut a, mut b) = (vec![9.0; 4], vec![9.0; 4]);
        sparse.accumulate(&[0, 3], &[1.0, 2.0], &mut a);
        dense.accumulate(&[0, 3], &[1.0, 2.0], &mut b);
        // 1·row0 + 2·row3 = [0, 2, 1, 0] + [0, 0, 2, 0]
        assert_eq!(a, vec![0.0, 2.0, 3.0, 0.0]);
        assert_eq!(a, b);
        assert_eq!(sparse.most_similar(0, 5), vec![(1, 2.0), (2, 1.0)]);
        assert_eq!(dense.most_similar(0, 1), vec![(1, 2.0)]);
        assert!(sparse.check(4).is_ok());
        assert!(sparse.check(5).unwrap_err().contains("5 × 5"));
    }

    #[test]
    fn item_weights_count_their_rows() {
        let sparse = ItemWeights::Sparse(neighbours(&x(), &x(), 10, |_, _, c| c).unwrap());
        assert_eq!(sparse.n_items(), 4);
        assert_eq!(ItemWeights::Dense(Array2::zeros((3, 3))).n_items(), 3);
    }
}
