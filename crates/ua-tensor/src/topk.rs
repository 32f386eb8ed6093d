//! Top-k selection: the `k` best scores of a slice or of every matrix row,
//! best first.
//!
//! Selection is partial: `select_nth_unstable_by` puts the `k` best in front
//! in `O(n)`, and only those `k` are sorted (`O(k log k)`); the scores are
//! never fully sorted. The order used is total and deterministic:
//!
//! * higher scores first;
//! * **NaN counts as lower than every number** (including `-∞`), so a NaN is
//!   never returned ahead of a number; it is returned only when fewer than `k`
//!   numbers are available;
//! * equal scores (and NaN among themselves) are broken by the lower index.
//!
//! Because the order is total over `(score, index)`, the result does not
//! depend on the selection algorithm's internal choices.

use std::cmp::Ordering;

use ndarray::{Array2, ArrayView2};

use crate::Scalar;

/// `Less` when `a` ranks ahead of `b`: higher score, NaN last, lower index on ties.
#[inline(always)]
fn rank<S: Scalar>(a: &(usize, S), b: &(usize, S)) -> Ordering {
    let by_score = match (a.1.is_nan(), b.1.is_nan()) {
        (false, false) => b.1.partial_cmp(&a.1).unwrap_or(Ordering::Equal),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (true, true) => Ordering::Equal,
    };
    by_score.then(a.0.cmp(&b.0))
}

/// Keeps the `k` best entries of `buf`, sorted best first.
fn select_in_place<S: Scalar>(buf: &mut Vec<(usize, S)>, k: usize) {
    if k == 0 {
        buf.clear();
        return;
    }
    if k < buf.len() {
        buf.select_nth_unstable_by(k - 1, rank);
        buf.truncate(k);
    }
    buf.sort_unstable_by(rank);
}

/// The `k` highest scores with their indices, best first.
///
/// `k = 0` gives an empty vector; `k ≥ scores.len()` gives every entry,
/// ranked. NaN ranks below every number and ties go to the lower index (see
/// the [module docs](self)). Cost: `O(n + k log k)` and one buffer of `n`
/// `(index, score)` pairs.
///
/// ```
/// use ua_tensor::topk::top_k;
/// let s = [0.2f32, f32::NAN, 0.9, 0.5, 0.9];
/// assert_eq!(top_k(&s, 3), vec![(2, 0.9), (4, 0.9), (3, 0.5)]);
/// assert!(top_k(&s, 0).is_empty());
/// assert_eq!(top_k(&s, 10).len(), 5); // NaN comes last
/// assert!(top_k(&s, 10)[4].1.is_nan());
/// ```
pub fn top_k<S: Scalar>(scores: &[S], k: usize) -> Vec<(usize, S)> {
    if k == 0 {
        return Vec::new();
    }
    let mut buf: Vec<(usize, S)> = scores.iter().copied().enumerate().collect();
    select_in_place(&mut buf, k);
    buf
}

/// Like [`top_k`], skipping every index for which `exclude(index)` is true
/// (e.g. items the user has already bought).
///
/// The result has `min(k, number of non-excluded scores)` entries.
///
/// ```
/// use ua_tensor::topk::top_k_masked;
/// let s = [0.9f64, 0.8, 0.7, 0.6];
/// let seen = [0usize, 2];
/// let r = top_k_masked(&s, 2, |i| seen.contains(&i));
/// assert_eq!(r, vec![(1, 0.8), (3, 0.6)]);
/// ```
pub fn top_k_masked<S: Scalar>(
    scores: &[S],
    k: usize,
    exclude: impl Fn(usize) -> bool,
) -> Vec<(usize, S)> {
    if k == 0 {
        return Vec::new();
    }
    let mut buf: Vec<(usize, S)> = scores
        .iter()
        .copied()
        .enumerate()
        .filter(|&(i, _)| !exclude(i))
        .collect();
    select_in_place(&mut buf, k);
    buf
}

/// The `k` best scores of every row: `(indices, scores)`, both
/// `n_rows × min(k, n_cols)`, each row best first.
///
/// A `k` larger than the row length returns the whole row, ranked. One buffer
/// of `n_cols` pairs is reused across rows.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::topk::top_k_rows;
/// let s = array![[0.1f32, 0.7, 0.2], [0.5, f32::NAN, 0.5]];
/// let (idx, val) = top_k_rows(s.view(), 2);
/// assert_eq!(idx, array![[1, 2], [0, 2]]);
/// assert_eq!(val, array![[0.7, 0.2], [0.5, 0.5]]);
/// let (idx, _) = top_k_rows(s.view(), 9);
/// assert_eq!(idx.ncols(), 3);
/// ```
pub fn top_k_rows<S: Scalar>(scores: ArrayView2<'_, S>, k: usize) -> (Array2<usize>, Array2<S>) {
    let (n, m) = scores.dim();
    let kk = k.min(m);
    let mut idx = Array2::<usize>::zeros((n, kk));
    let mut val = Array2::<S>::zeros((n, kk));
    if kk == 0 {
        return (idx, val);
    }
    let mut buf: Vec<(usize, S)> = Vec::with_capacity(m);
    for ((row, mut irow), mut vrow) in scores
        .rows()
        .into_iter()
        .zip(idx.rows_mut())
        .zip(val.rows_mut())
    {
        buf.clear();
        buf.extend(row.iter().copied().enumerate());
        select_in_place(&mut buf, kk);
        for ((&(j, v), i_out), v_out) in buf.iter().zip(irow.iter_mut()).zip(vrow.iter_mut()) {
            *i_out = j;
            *v_out = v;
        }
    }
    (idx, val)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    /// Reference: full sort with the documented order.
    fn reference(scores: &[f64], k: usize) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> = scores.iter().copied().enumerate().collect();
        all.sort_by(|a, b| {
            let key = |v: f64| if v.is_nan() { f64::NEG_INFINITY } else { v };
            key(b.1)
                .partial_cmp(&key(a.1))
                .unwrap()
                .then((a.1.is_nan()).cmp(&b.1.is_nan()))
                .then(a.0.cmp(&b.0))
        });
        all.truncate(k);
        all
    }

    fn same(a: &[(usize, f64)], b: &[(usize, f64)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.0 == y.0 && (x.1 == y.1 || (x.1.is_nan() && y.1.is_nan())))
    }

    #[test]
    fn hand_made_cases() {
        let s = [3.0f64, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        assert_eq!(top_k(&s, 3), vec![(5, 9.0), (7, 6.0), (4, 5.0)]);
        assert_eq!(top_k(&s, 1), vec![(5, 9.0)]);
        assert!(top_k(&s, 0).is_empty());
        // k > n: everything, ranked; the tie 1.0/1.0 by lower index.
        let all = top_k(&s, 100);
        let idx: Vec<usize> = all.iter().map(|p| p.0).collect();
        assert_eq!(idx, vec![5, 7, 4, 2, 0, 6, 1, 3]);
        assert!(top_k::<f32>(&[], 3).is_empty());
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let s = [1.0f32; 6];
        assert_eq!(top_k(&s, 3), vec![(0, 1.0), (1, 1.0), (2, 1.0)]);
        let s = [0.0f32, 2.0, 2.0, 1.0, 2.0];
        assert_eq!(top_k(&s, 2), vec![(1, 2.0), (2, 2.0)]);
    }

    #[test]
    fn nan_is_never_ahead_of_a_number() {
        let s = [f64::NAN, -1e300, f64::NAN, f64::NEG_INFINITY, 0.5];
        let r = top_k(&s, 3);
        assert_eq!(r, vec![(4, 0.5), (1, -1e300), (3, f64::NEG_INFINITY)]);
        let r = top_k(&s, 5);
        assert_eq!(r[3].0, 0);
        assert_eq!(r[4].0, 2);
        assert!(r[3].1.is_nan() && r[4].1.is_nan());
        let only_nan = [f32::NAN, f32::NAN];
        assert_eq!(top_k(&only_nan, 1)[0].0, 0);
    }

    #[test]
    fn matches_full_sort_on_many_inputs() {
        // Deterministic pseudo-random scores with many ties and some NaN.
        let mut state = 12345u64;
        for n in [1usize, 2, 7, 50, 333] {
            let s: Vec<f64> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let r = (state >> 33) % 17;
                    if r == 16 { f64::NAN } else { r as f64 - 8.0 }
                })
                .collect();
            for k in [0usize, 1, 3, n / 2, n, n + 5] {
                assert!(same(&top_k(&s, k), &reference(&s, k)), "n {n} k {k}");
            }
        }
    }

    #[test]
    fn masked_skips_excluded_and_counts_right() {
        let s = [0.5f64, 0.9, 0.1, 0.9, 0.7];
        let r = top_k_masked(&s, 2, |i| i == 1);
        assert_eq!(r, vec![(3, 0.9), (4, 0.7)]);
        let r = top_k_masked(&s, 10, |i| i % 2 == 0);
        assert_eq!(r, vec![(1, 0.9), (3, 0.9)]);
        assert!(top_k_masked(&s, 3, |_| true).is_empty());
        assert!(top_k_masked(&s, 0, |_| false).is_empty());
    }

    #[test]
    fn rows_match_slice_version() {
        let s = Array2::from_shape_fn((4, 9), |(i, j)| ((i * 5 + j * 7) % 6) as f64);
        for k in [0usize, 1, 4, 9, 12] {
            let (idx, val) = top_k_rows(s.view(), k);
            assert_eq!(idx.dim(), (4, k.min(9)));
            assert_eq!(val.dim(), (4, k.min(9)));
            for i in 0..4 {
                let row: Vec<f64> = s.row(i).to_vec();
                let want = top_k(&row, k);
                let got: Vec<(usize, f64)> = idx
                    .row(i)
                    .iter()
                    .zip(val.row(i))
                    .map(|(&j, &v)| (j, v))
                    .collect();
                assert_eq!(got, want, "row {i} k {k}");
            }
        }
        let t = array![[2.0f32, 1.0], [f32::NAN, 3.0]];
        let (idx, _) = top_k_rows(t.t(), 1); // column-major view [[2, NaN], [1, 3]]
        assert_eq!(idx, array![[0], [1]]);
        let (idx, val) = top_k_rows(Array2::<f32>::zeros((3, 0)).view(), 2);
        assert_eq!((idx.dim(), val.dim()), ((3, 0), (3, 0)));
    }
}
