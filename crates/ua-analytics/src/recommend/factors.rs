//! Scoring shared by the latent-factor models (ALS, BPR): a user vector
//! against the item factors, and item–item cosine similarity of factors.

use ndarray::{Array2, ArrayView1};
use ua_tensor::topk::top_k_masked;

use crate::Result;
use crate::traits::{ItemIndex, unknown};

/// `out[i] = yᵢ·x (+ bias[i])` for every item `i`.
pub(crate) fn scores_into(
    y: &Array2<f32>,
    x: ArrayView1<'_, f32>,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    for (i, (o, yi)) in out.iter_mut().zip(y.rows()).enumerate() {
        *o = yi.dot(&x) + bias.map_or(0.0, |b| b[i]);
    }
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
}
