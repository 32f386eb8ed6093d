//! Scoring shared by the latent-factor models (ALS, BPR): user vectors
//! against the item factors as one matrix product, and item–item cosine
//! similarity of factors.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use ua_tensor::sparse::CsrMatrix;
use ua_tensor::topk::top_k_masked;

use super::item_item::history_row;
use crate::Result;
use crate::traits::{ItemIndex, UserIndex, check_block, unknown};

/// `out[r, i] = yᵢ·xᵣ (+ bias[i])`: the scores of a block of user vectors
/// `x` (one per row) as one matrix product. A block of one row gives the
/// same numbers as that row in any block.
pub(crate) fn scores_block_into(
    y: &Array2<f32>,
    x: ArrayView2<'_, f32>,
    bias: Option<&[f32]>,
    mut out: ArrayViewMut2<'_, f32>,
) {
    general_mat_mul(1.0, &x, &y.t(), 0.0, &mut out);
    if let Some(bias) = bias {
        let bias = ArrayView1::from(bias);
        for mut row in out.rows_mut() {
            row += &bias;
        }
    }
}

/// `out[i] = yᵢ·x (+ bias[i])` for every item `i` (a block of one user).
pub(crate) fn scores_into(
    y: &Array2<f32>,
    x: ArrayView1<'_, f32>,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    let n = out.len();
    let out = ArrayViewMut2::from_shape((1, n), out).expect("one row of n scores");
    scores_block_into(y, x.insert_axis(Axis(0)), bias, out);
}

/// [`Recommender::score_users`](crate::Recommender::score_users) of a
/// factor model: the known `users` (rows of `history`) scored with their
/// rows of `user_factors` in one product.
pub(crate) fn score_known_users(
    history: &CsrMatrix<f32>,
    user_factors: &Array2<f32>,
    item_factors: &Array2<f32>,
    bias: Option<&[f32]>,
    users: &[UserIndex],
    out: ArrayViewMut2<'_, f32>,
) -> Result<()> {
    check_block(users, &out, item_factors.nrows())?;
    for &user in users {
        history_row(history, user)?;
    }
    let x = user_factors.select(Axis(0), users);
    scores_block_into(item_factors, x.view(), bias, out);
    Ok(())
}

/// The `k` items whose factors have the largest cosine with `item`'s
/// (never `item` itself; zero vectors have similarity 0).
pub(crate) fn cosine_similar(
    y: &Array2<f32>,
    item: ItemIndex,
    k: usize,
) -> Result<Vec<(ItemIndex, f32)>> {
    if item >= y.nrows() {
        return Err(unknown("similar items", "item", item, y.nrows()));
    }
    let target = y.row(item);
    let target_norm = target.dot(&target).sqrt();
    let scores: Vec<f32> = y
        .rows()
        .into_iter()
        .map(|r| {
            let d = r.dot(&r).sqrt() * target_norm;
            if d > 0.0 { r.dot(&target) / d } else { 0.0 }
        })
        .collect();
    Ok(top_k_masked(&scores, k, |j| j == item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cosine_and_scores_by_hand() {
        let y = array![[1.0f32, 0.0], [2.0, 0.0], [0.0, 3.0], [0.0, 0.0]];
        assert_eq!(
            cosine_similar(&y, 0, 3).unwrap(),
            vec![(1, 1.0), (2, 0.0), (3, 0.0)]
        );
        assert!(cosine_similar(&y, 4, 1).is_err());
        let mut out = [0.0; 4];
        scores_into(
            &y,
            array![1.0f32, 2.0].view(),
            Some(&[0.5, 0.0, 0.0, -1.0]),
            &mut out,
        );
        assert_eq!(out, [1.5, 2.0, 6.0, -1.0]);
    }

    #[test]
    fn a_block_of_users_scores_exactly_like_each_user_alone() {
        // 37 items × 19 factors, 70 users: odd sizes so that the product's
        // blocking has edges.
        let val = |i: usize, j: usize, s: usize| (((i * 31 + j * 17 + s) % 23) as f32 - 11.0) / 7.0;
        let y = Array2::from_shape_fn((37, 19), |(i, j)| val(i, j, 1));
        let x = Array2::from_shape_fn((70, 19), |(i, j)| val(i, j, 5));
        let bias: Vec<f32> = (0..37).map(|i| i as f32 / 10.0).collect();
        let users: Vec<usize> = (0..70).rev().collect();
        let history = CsrMatrix::from_triplets(70, 37, &[0], &[0], &[1.0f32]).unwrap();
        let mut block = Array2::zeros((70, 37));
        score_known_users(&history, &x, &y, Some(&bias), &users, block.view_mut()).unwrap();
        for (r, &u) in users.iter().enumerate() {
            let mut one = vec![0.0; 37];
            scores_into(&y, x.row(u), Some(&bias), &mut one);
            assert_eq!(block.row(r).to_vec(), one, "user {u}");
            let naive: Vec<f32> = (0..37).map(|i| y.row(i).dot(&x.row(u)) + bias[i]).collect();
            for (a, b) in one.iter().zip(&naive) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }
        let e = score_known_users(
            &history,
            &x,
            &y,
            None,
            &[3, 70],
            block.slice_mut(ndarray::s![..2, ..]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown user 70"), "{e}");
        let e = score_known_users(&history, &x, &y, None, &[3], block.view_mut())
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 × 37") && e.contains("70 × 37"), "{e}");
    }

    #[test]
    fn the_cosine_divides_by_both_norms() {
        // Norms 2, 5 and 1: cos(0, 1) = 6 / (2·5), cos(1, 2) = 4 / (5·1).
        let y = array![[2.0f32, 0.0], [3.0, 4.0], [0.0, 1.0]];
        assert_eq!(cosine_similar(&y, 0, 2).unwrap(), vec![(1, 0.6), (2, 0.0)]);
        assert_eq!(cosine_similar(&y, 1, 2).unwrap(), vec![(2, 0.8), (0, 0.6)]);
        let e = cosine_similar(&y, 3, 1).unwrap_err().to_string();
        assert!(e.contains("unknown item 3") && e.contains("3 items"), "{e}");
        assert!(cosine_similar(&y, 2, 1).is_ok());
    }
}
