//! The traits that every fitted model of this crate implements, so that
//! callers (pipelines, evaluation, examples) compose them without knowing
//! the concrete model.
//!
//! A fitted model is a separate type from its hyper-parameters: an unfitted
//! model cannot be asked to predict.

use ndarray::{Array1, ArrayView2};

use crate::Result;

/// A fitted binary classifier: probabilities of the positive class.
pub trait Predictor {
    /// Number of feature columns the model was fitted on.
    fn n_features(&self) -> usize;
    /// P(y = 1 | x) for each row of `x`.
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>>;
    /// Hard 0/1 predictions at `threshold` on the probability.
    fn predict(&self, x: ArrayView2<'_, f32>, threshold: f32) -> Result<Array1<u8>> {
        Ok(self.predict_proba(x)?.mapv(|p| u8::from(p >= threshold)))
    }
}

/// A fitted risk model: one score per row, higher = riskier.
pub trait RiskScorer {
    /// Risk score of each row of `x`.
    fn score(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>>;
}

/// A fitted segmentation: the segment of each row.
pub trait Segmenter {
    /// Number of segments.
    fn n_segments(&self) -> usize;
    /// Segment index (0-based) of each row of `x`.
    fn assign(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>>;
}

/// Dense user index, as produced by `ua_data`'s interaction builder.
pub type UserIndex = usize;
/// Dense item index, as produced by `ua_data`'s interaction builder.
pub type ItemIndex = usize;

/// A fitted recommender.
pub trait Recommender {
    /// The `k` best items for `user` with their scores, best first. Items the
    /// user interacted with in training are left out only when `exclude_seen`.
    fn recommend(
        &self,
        user: UserIndex,
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<(ItemIndex, f32)>>;
}
