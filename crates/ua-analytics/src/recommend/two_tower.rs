//! A neural two-tower recommender on `ua-nn` layers: the design
//! document's "AI model" for recommendation.
//!
//! * **Item tower**: an item [`Embedding`] (optionally followed by a square
//!   [`Dense`] layer) gives every item a vector `vᵢ`.
//! * **User tower**: a user is the weighted mean of the vectors of the
//!   items in their history (a second embedding table, weights = the
//!   interaction weights, at most `max_history` items: the heaviest, ties to
//!   the lower item index), then `Dense(dim → hidden, ReLU) → Dense(hidden →
//!   dim)`. A user is a function of their history, so a new or anonymous
//!   user is served without retraining, exactly like a known one.
//! * **Score** `= u·vᵢ`; item vectors are computed once (at fit and at
//!   load), known users' vectors too, so scoring a user is one
//!   matrix–vector product over the item matrix.
//!
//! **Training**: in-batch sampled softmax (Yi et al., 2019). Each epoch
//! visits every interaction once, in a seeded random order, in batches of
//! `batch_size` (user, item) pairs; for each pair the other items of the
//! batch are the negatives, logits are `u·v / temperature − ln q(item)`
//! (`q`: the item's share of the interactions — the logQ correction that
//! undoes the popularity bias of in-batch negatives), and a negative the
//! user has interacted with is masked out. The user's own target item is
//! left out of the history the user vector is pooled from (leave-one-out),
//! so the model learns to predict an item from the *other* items — what it
//! is asked at serving time — instead of finding it in its input. Gradients
//! flow through the ua-nn layers' `backward`; [`Adam`] updates every
//! parameter; an L2 penalty `l2·‖θ‖²/2`-style gradient `l2·θ` is added to the
//! embedding rows used in the batch and to the dense weights. One thread,
//! seeded: the same parameters give the same model.
//!
//! [`TwoTowerLoss::Bpr`] (one uniformly sampled negative per pair) is the
//! alternative. The softmax is the default because it measured better: on
//! the planted-taste shop of `tests/recommend.rs`
//! (`the_two_tower_model_beats_popularity_clearly_on_planted_tastes`; dim
//! 16, hidden 32, 10 epochs, batches of 128, the other parameters at their
//! defaults) NDCG@10
//! was 0.151 with the softmax (0.148 without the logQ correction, 0.150
//! with the item tower's dense layer) and at best 0.149 with BPR
//! (temperature 0.2, 0.5, 1.0: 0.148, 0.149, 0.148), against 0.059 for
//! popularity (item-kNN, ALS and BPR-MF reach 0.135–0.139 there); more
//! epochs overfit this small shop (30 epochs: 0.146). Each batch item is a negative for every pair at the cost of one
//! `batch × batch` product, where BPR learns from one negative per pair.
//!
//! ```
//! use ua_analytics::recommend::{Filter, TwoTower};
//! use ua_analytics::{Recommender, RecommenderModel};
//! use ua_tensor::sparse::CsrMatrix;
//! // Users 0–9 like items 0–4, users 10–19 items 5–9 (each misses one).
//! let (mut u, mut i) = (vec![], vec![]);
//! for user in 0..20usize {
//!     for k in 0..5usize {
//!         if k != user % 5 {
//!             u.push(user);
//!             i.push(5 * (user / 10) + k);
//!         }
//!     }
//! }
//! let x = CsrMatrix::from_triplets(20, 10, &u, &i, &vec![1.0f32; u.len()]).unwrap();
//! let m = TwoTower::new().dim(8).hidden(16).epochs(60).batch_size(16).fit(&x).unwrap();
//! let top = m.recommend(0, 1, &Filter::exclude_seen()).unwrap();
//! assert_eq!(top[0].0, 0); // user 0 misses item 0 of their group
//! // A new user who likes items 6 and 7 gets an item of the second group.
//! let new = m.recommend_history(&[6, 7], None, 1, &Filter::exclude_seen()).unwrap();
//! assert!(new[0].0 >= 5, "{new:?}");
//! ```

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, s};
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ua_nn::layers::{Dense, Embedding};
use ua_nn::optim::Adam;
use ua_nn::{Activation, Layer, Mode, Optimizer, ParamKind, Sequential};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::init::{Initializer, seeded_rng};
use ua_tensor::persist::Persist;
use ua_tensor::sparse::CsrMatrix;

use super::factors::{cosine_similar, score_known_users, scores_into};
use super::item_item::{check_history, check_out, history_row};
use crate::error::parameter;
use crate::traits::{ItemIndex, Recommender, RecommenderModel, UserIndex, unknown};
use crate::{Error, Result};

const OP: &str = "two-tower";

/// How [`TwoTower`] is trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoTowerLoss {
    /// Softmax over the batch's items, with the logQ correction when
    /// [`TwoTower::logq_correction`] is on.
    InBatchSoftmax,
    /// BPR: `−ln σ((s(u, i) − s(u, j)) / temperature)` with one negative `j`
    /// per pair drawn uniformly from the items the user has not had.
    Bpr,
}

/// Two-tower parameters.
///
/// ```
/// use ua_analytics::recommend::TwoTower;
/// let p = TwoTower::new().dim(16).epochs(5);
/// assert_eq!((p.dim, p.epochs, p.batch_size), (16, 5, 256));
/// assert!(TwoTower::new().dim(0).validate().unwrap_err().to_string().contains("dim"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TwoTower {
    /// Length of the user and item vectors, in `1..=MAX_FACTORS`. Default 32.
    pub dim: usize,
    /// Width of the user tower's hidden ReLU layer, ≥ 1. Default 64.
    pub hidden: usize,
    /// Whether the item tower has a `Dense(dim → dim)` layer after the
    /// item embedding. Default false.
    pub item_dense: bool,
    /// Passes over the interactions, ≥ 1. Default 20.
    pub epochs: usize,
    /// (user, item) pairs per batch (the others of the batch are each
    /// pair's negatives), ≥ 2. Default 256.
    pub batch_size: usize,
    /// Adam's step size, finite and > 0. Default 0.005.
    pub learning_rate: f32,
    /// The training loss. Default [`TwoTowerLoss::InBatchSoftmax`].
    pub loss: TwoTowerLoss,
    /// Temperature dividing the scores in the loss, finite and > 0. Default 0.5.
    pub temperature: f32,
    /// Subtract `ln q(item)` from each logit (logQ correction). Default true.
    pub logq_correction: bool,
    /// L2 penalty gradient `l2·θ` on the batch's embedding rows and the
    /// dense weights, finite and ≥ 0. Default 1e-4.
    pub l2: f32,
    /// At most this many history items make a user vector (the heaviest;
    /// ties to the lower item index), ≥ 1. Default 200.
    pub max_history: usize,
    /// Seed of the initial weights and the batch order. Default 42.
    pub seed: u64,
}

impl Default for TwoTower {
    fn default() -> Self {
        TwoTower {
            dim: 32,
            hidden: 64,
            item_dense: false,
            epochs: 20,
            batch_size: 256,
            learning_rate: 0.005,
            loss: TwoTowerLoss::InBatchSoftmax,
            temperature: 0.5,
            logq_correction: true,
            l2: 1e-4,
            max_history: 200,
            seed: 42,
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, $name: $ty) -> Self {
            self.$name = $name;
            self
        }
    };
}

impl TwoTower {
    /// The defaults (see the fields of [`TwoTower`]).
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::TwoTower::new().dim, 32);
    /// ```
    pub fn new() -> Self {
        TwoTower::default()
    }

    setter!(
        /// Sets the vector length.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().dim(8).dim, 8);
        /// ```
        dim: usize
    );
    setter!(
        /// Sets the user tower's hidden width.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().hidden(8).hidden, 8);
        /// ```
        hidden: usize
    );
    setter!(
        /// Adds (or removes) the item tower's dense layer.
        ///
        /// ```
        /// assert!(ua_analytics::recommend::TwoTower::new().item_dense(true).item_dense);
        /// ```
        item_dense: bool
    );
    setter!(
        /// Sets the number of epochs.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().epochs(3).epochs, 3);
        /// ```
        epochs: usize
    );
    setter!(
        /// Sets the batch size.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().batch_size(64).batch_size, 64);
        /// ```
        batch_size: usize
    );
    setter!(
        /// Sets Adam's step size.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().learning_rate(0.1).learning_rate, 0.1);
        /// ```
        learning_rate: f32
    );
    setter!(
        /// Sets the training loss.
        ///
        /// ```
        /// use ua_analytics::recommend::{TwoTower, TwoTowerLoss};
        /// assert_eq!(TwoTower::new().loss(TwoTowerLoss::Bpr).loss, TwoTowerLoss::Bpr);
        /// ```
        loss: TwoTowerLoss
    );
    setter!(
        /// Sets the temperature.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().temperature(0.5).temperature, 0.5);
        /// ```
        temperature: f32
    );
    setter!(
        /// Switches the logQ correction on or off.
        ///
        /// ```
        /// assert!(!ua_analytics::recommend::TwoTower::new().logq_correction(false).logq_correction);
        /// ```
        logq_correction: bool
    );
    setter!(
        /// Sets the L2 penalty.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().l2(0.0).l2, 0.0);
        /// ```
        l2: f32
    );
    setter!(
        /// Sets the history length cap.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().max_history(20).max_history, 20);
        /// ```
        max_history: usize
    );
    setter!(
        /// Sets the seed.
        ///
        /// ```
        /// assert_eq!(ua_analytics::recommend::TwoTower::new().seed(7).seed, 7);
        /// ```
        seed: u64
    );

    /// Checks the parameters; a bad value is an error naming it.
    ///
    /// ```
    /// use ua_analytics::recommend::TwoTower;
    /// let e = TwoTower::new().learning_rate(f32::NAN).validate().unwrap_err();
    /// assert!(e.to_string().contains("learning_rate"), "{e}");
    /// assert!(TwoTower::new().validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let max = super::MAX_FACTORS;
        if self.dim == 0 || self.dim > max {
            return Err(parameter(
                OP,
                "dim",
                format!("must be in 1..={max}, got {}", self.dim),
            ));
        }
        if self.hidden == 0 || self.hidden > max {
            return Err(parameter(
                OP,
                "hidden",
                format!("must be in 1..={max}, got {}", self.hidden),
            ));
        }
        if self.epochs == 0 {
            return Err(parameter(OP, "epochs", "must be at least 1, got 0"));
        }
        if self.batch_size < 2 {
            return Err(parameter(
                OP,
                "batch_size",
                format!(
                    "must be at least 2 (the other pairs of a batch are the negatives), got {}",
                    self.batch_size
                ),
            ));
        }
        let positive = |v: f32| v.is_finite() && v > 0.0;
        if !positive(self.learning_rate) {
            return Err(parameter(
                OP,
                "learning_rate",
                format!("must be finite and > 0, got {}", self.learning_rate),
            ));
        }
        if !positive(self.temperature) {
            return Err(parameter(
                OP,
                "temperature",
                format!("must be finite and > 0, got {}", self.temperature),
            ));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(parameter(
                OP,
                "l2",
                format!("must be finite and ≥ 0, got {}", self.l2),
            ));
        }
        if self.max_history == 0 {
            return Err(parameter(OP, "max_history", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// Elements `fit` holds for the model: two tables of (items + 1) × dim, each
/// with its gradient and two Adam moments (× 8), then the served item and
/// user vectors ((items + users) × dim).
fn model_elements(n_users: usize, n_items: usize, dim: usize) -> Result<u128> {
    Ok(elements(OP, &[n_items + 1, dim, 8])?
        .saturating_add(elements(OP, &[n_items + n_users, dim])?))
}

/// The width of a batch's history block: the longest history, at most `cap`
/// (0 for a matrix without interactions, which `fit` refuses before).
fn history_width(x: &CsrMatrix<f32>, cap: usize) -> usize {
    let longest = x.indptr().windows(2).map(|w| w[1] - w[0]).max();
    cap.min(longest.unwrap_or(1))
}

/// `ln q(i)`, the log of each item's share of the interactions — the logQ
/// correction of in-batch negatives; 0 when `enabled` is false and for an
/// item without interactions (it is never a batch item).
fn log_q(x: &CsrMatrix<f32>, enabled: bool) -> Vec<f32> {
    let mut counts = vec![0usize; x.n_cols()];
    if enabled {
        for &i in x.indices() {
            counts[i as usize] += 1;
        }
    }
    let nnz = x.nnz() as f64;
    counts
        .iter()
        .map(|&c| {
            if c > 0 {
                (c as f64 / nnz).ln() as f32
            } else {
                0.0
            }
        })
        .collect()
}

/// The pairs of batch `b` of `n_batches` batches over `len` pairs: sizes
/// differ by at most one, so there is no tiny last batch without negatives.
fn batch_range(b: usize, len: usize, n_batches: usize) -> std::ops::Range<usize> {
    b * len / n_batches..(b + 1) * len / n_batches
}

/// The item tower's input for a batch of (user, item) pairs: the items in
/// rows `0..m` and, with `negatives` (BPR), a sampled item each user has not
/// interacted with in rows `m..2m`, pair by pair.
fn batch_items(
    batch: &[(u32, u32)],
    x: &CsrMatrix<f32>,
    negatives: bool,
    rng: &mut impl rand::Rng,
    item_idx: &mut Array2<f32>,
) {
    let m = batch.len();
    for (a, &(u, i)) in batch.iter().enumerate() {
        item_idx[[a, 0]] = i as f32;
        if negatives {
            let seen = x.row(u as usize).map_or(&[][..], |r| r.0);
            item_idx[[m + a, 0]] = negative(rng, x.n_cols(), seen, i) as f32;
        }
    }
}

/// Writes a user's history *without* `target` into one batch row — item
/// indices (the padding index stays elsewhere) and weights rescaled to sum
/// to 1 — so the target is predicted from the other items. Leaves the row
/// empty when the other items' weights sum to 0.
fn history_without(
    items: &[u32],
    weights: &[f32],
    target: u32,
    mut idx: ndarray::ArrayViewMut1<'_, f32>,
    mut w: ndarray::ArrayViewMut1<'_, f32>,
) {
    let total: f32 = items
        .iter()
        .zip(weights)
        .filter(|&(&j, _)| j != target)
        .map(|(_, &w)| w)
        .sum();
    if total > 0.0 {
        for (p, (&j, &wj)) in items.iter().zip(weights).enumerate() {
            if j != target {
                idx[p] = j as f32;
                w[p] = wj / total;
            }
        }
    }
}

/// The history a user vector is pooled from: at most `cap` items, the
/// heaviest (ties to the lower item index), in their original order.
fn capped<'a>(items: &'a [u32], weights: &'a [f32], cap: usize) -> (Vec<u32>, Vec<f32>) {
    if items.len() <= cap {
        return (items.to_vec(), weights.to_vec());
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        weights[b]
            .total_cmp(&weights[a])
            .then(items[a].cmp(&items[b]))
    });
    order.truncate(cap);
    order.sort_unstable();
    (
        order.iter().map(|&p| items[p]).collect(),
        order.iter().map(|&p| weights[p]).collect(),
    )
}

/// The weighted mean of `table`'s rows `items` (zeros when the weights sum
/// to zero or the history is empty).
fn pool(table: ArrayView2<'_, f32>, items: &[u32], weights: &[f32]) -> Array1<f32> {
    let mut out = Array1::zeros(table.ncols());
    let total: f32 = weights.iter().sum();
    if total > 0.0 {
        for (&i, &w) in items.iter().zip(weights) {
            out.scaled_add(w / total, &table.row(i as usize));
        }
    }
    out
}

/// A fitted two-tower model: the two embedding tables, the user tower (and
/// the item tower's dense layer, if any) as [`Sequential`] models, the
/// training interactions, and the item and user vectors computed from them.
#[derive(Debug, Clone)]
pub struct FittedTwoTower {
    params: TwoTower,
    history: CsrMatrix<f32>,
    /// `n_items × dim`: the vectors pooled into a user vector.
    history_table: Array2<f32>,
    /// `n_items × dim`: the item tower's embedding.
    item_table: Array2<f32>,
    /// `dim → hidden (ReLU) → dim`.
    user_tower: Sequential<f32>,
    /// `dim → dim`, when `params.item_dense`.
    item_tower: Option<Sequential<f32>>,
    /// Derived (not saved): item tower outputs, `n_items × dim`.
    item_vectors: Array2<f32>,
    /// Derived (not saved): known users' vectors, `n_users × dim`.
    user_vectors: Array2<f32>,
}

/// The saved form of a [`FittedTwoTower`] (the derived vectors are
/// recomputed at load).
#[derive(Serialize)]
struct SavedRef<'a> {
    params: &'a TwoTower,
    history: &'a CsrMatrix<f32>,
    history_table: &'a Array2<f32>,
    item_table: &'a Array2<f32>,
    user_tower: &'a Sequential<f32>,
    item_tower: &'a Option<Sequential<f32>>,
}

#[derive(Deserialize)]
struct Saved {
    params: TwoTower,
    history: CsrMatrix<f32>,
    history_table: Array2<f32>,
    item_table: Array2<f32>,
    user_tower: Sequential<f32>,
    item_tower: Option<Sequential<f32>>,
}

impl Serialize for FittedTwoTower {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        SavedRef {
            params: &self.params,
            history: &self.history,
            history_table: &self.history_table,
            item_table: &self.item_table,
            user_tower: &self.user_tower,
            item_tower: &self.item_tower,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for FittedTwoTower {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let f = Saved::deserialize(d)?;
        FittedTwoTower::assemble(
            f.params,
            f.history,
            f.history_table,
            f.item_table,
            f.user_tower,
            f.item_tower,
        )
        .map_err(serde::de::Error::custom)
    }
}

impl FittedTwoTower {
    /// Checks the parts and computes the item and user vectors.
    fn assemble(
        params: TwoTower,
        history: CsrMatrix<f32>,
        history_table: Array2<f32>,
        item_table: Array2<f32>,
        user_tower: Sequential<f32>,
        item_tower: Option<Sequential<f32>>,
    ) -> std::result::Result<Self, String> {
        let mut m = FittedTwoTower {
            params,
            history,
            history_table,
            item_table,
            user_tower,
            item_tower,
            item_vectors: Array2::zeros((0, 0)),
            user_vectors: Array2::zeros((0, 0)),
        };
        m.validate()?;
        m.item_vectors = match &m.item_tower {
            Some(t) => t
                .predict(m.item_table.view())
                .map_err(|e| format!("item tower: {e}"))?,
            None => m.item_table.clone(),
        };
        let rows: Vec<Array1<f32>> = (0..m.history.n_rows())
            .into_par_iter()
            .map(|u| {
                let (items, weights) = m.history.row(u).unwrap_or((&[], &[]));
                m.user_vector(items, weights)
            })
            .collect::<Result<_>>()
            .map_err(|e| format!("user tower: {e}"))?;
        let mut users = Array2::zeros((rows.len(), params.dim));
        for (mut dst, r) in users.axis_iter_mut(Axis(0)).zip(&rows) {
            dst.assign(r);
        }
        m.user_vectors = users;
        Ok(m)
    }

    /// The vector of a user with this history (items in the catalogue).
    fn user_vector(&self, items: &[u32], weights: &[f32]) -> Result<Array1<f32>> {
        let (items, weights) = capped(items, weights, self.params.max_history);
        let h = pool(self.history_table.view(), &items, &weights);
        let u = self.user_tower.predict(h.insert_axis(Axis(0)).view())?;
        Ok(u.row(0).to_owned())
    }

    /// The item vectors (item tower outputs), `n_items × dim`.
    ///
    /// ```
    /// use ua_analytics::recommend::TwoTower;
    /// use ua_analytics::RecommenderModel;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(2, 3, &[0, 1], &[0, 2], &[1.0f32, 1.0]).unwrap();
    /// let m = TwoTower::new().dim(4).hidden(4).epochs(1).fit(&x).unwrap();
    /// assert_eq!((m.item_vectors().dim(), m.user_vectors().dim()), ((3, 4), (2, 4)));
    /// ```
    pub fn item_vectors(&self) -> &Array2<f32> {
        &self.item_vectors
    }

    /// The known users' vectors, `n_users × dim` (see
    /// [`item_vectors`](Self::item_vectors)).
    pub fn user_vectors(&self) -> &Array2<f32> {
        &self.user_vectors
    }
}

/// The layers trained by [`TwoTower::fit`].
struct Towers {
    item_emb: Embedding<f32>,
    item_dense: Option<Dense<f32>>,
    hist_emb: Embedding<f32>,
    d1: Dense<f32>,
    d2: Dense<f32>,
}

impl Towers {
    /// The untrained layers of `params`: embeddings drawn from N(0, 1/dim)
    /// (the item table with `seed`, the history table with `seed·φ ^ 1`, φ
    /// the 64-bit golden ratio — part of what makes a seed repeat a model),
    /// dense layers from `rng`.
    fn new(params: &TwoTower, n_items: usize, rng: &mut rand::rngs::StdRng) -> Result<Self> {
        let d = params.dim;
        let init = Initializer::Normal {
            std: (1.0 / d as f64).sqrt(),
        };
        let history_seed = params.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 1;
        let item_dense = if params.item_dense {
            Some(Dense::new(
                d,
                d,
                Activation::Identity,
                Initializer::GlorotUniform,
                rng,
            )?)
        } else {
            None
        };
        Ok(Towers {
            item_emb: Embedding::with_init(n_items, d, init, params.seed)?,
            item_dense,
            hist_emb: Embedding::with_init(n_items + 1, d, init, history_seed)?
                .with_padding_index(Some(n_items))?,
            d1: Dense::new(
                d,
                params.hidden,
                Activation::Relu,
                Initializer::HeUniform,
                rng,
            )?,
            d2: Dense::new(
                params.hidden,
                d,
                Activation::Identity,
                Initializer::GlorotUniform,
                rng,
            )?,
        })
    }

    /// Adds the L2 gradient `l2·θ` to the embedding rows of this batch and
    /// to every dense weight (not to biases).
    fn add_l2(&mut self, l2: f32, dim: usize) {
        l2_rows(&mut self.item_emb, l2, dim);
        l2_rows(&mut self.hist_emb, l2, dim);
        let dense = |l: &mut dyn Layer<f32>| {
            l.visit_params(&mut |p| {
                if p.kind == ParamKind::Weight {
                    for (g, &v) in p.grad.iter_mut().zip(p.value.iter()) {
                        *g += l2 * v;
                    }
                }
            })
        };
        dense(&mut self.d1);
        dense(&mut self.d2);
        if let Some(l) = self.item_dense.as_mut() {
            dense(l);
        }
    }

    /// Calls `f` on every parameter of every layer, in a fixed order.
    fn visit(&mut self, f: &mut dyn FnMut(usize, ua_nn::Param<'_, f32>)) {
        let mut slot = 0;
        let mut each = |l: &mut dyn Layer<f32>| {
            l.visit_params(&mut |p| {
                f(slot, p);
                slot += 1;
            })
        };
        each(&mut self.item_emb);
        if let Some(d) = self.item_dense.as_mut() {
            each(d);
        }
        each(&mut self.hist_emb);
        each(&mut self.d1);
        each(&mut self.d2);
    }
}

/// Adds `l2·θ` to the gradient of the `touched` rows of a `dim`-wide table.
fn l2_rows(e: &mut Embedding<f32>, l2: f32, dim: usize) {
    let touched = e.touched_rows().to_vec();
    e.visit_params(&mut |p| {
        for &k in &touched {
            let (v, g) = (&p.value[k * dim..(k + 1) * dim], &mut p.grad[k * dim..]);
            for (g, &v) in g.iter_mut().zip(v) {
                *g += l2 * v;
            }
        }
    });
}

/// In-place row softmax of `logits` against the diagonal targets; returns
/// the summed cross-entropy and leaves `(P − I) / rows` in `logits`.
fn softmax_diagonal(logits: &mut Array2<f32>) -> f64 {
    let m = logits.nrows();
    let mut loss = 0.0f64;
    for (a, mut row) in logits.axis_iter_mut(Axis(0)).enumerate() {
        let max = row.fold(f32::NEG_INFINITY, |x, &y| x.max(y));
        row.mapv_inplace(|v| (v - max).exp());
        let sum: f32 = row.sum();
        loss -= f64::from((row[a] / sum).ln());
        let scale = 1.0 / (sum * m as f32);
        row.mapv_inplace(|v| v * scale);
        row[a] -= 1.0 / m as f32;
    }
    loss
}

/// A summed loss with the gradients of the mean loss w.r.t. the user and
/// item vectors.
type LossAndGrads = (f64, Array2<f32>, Array2<f32>);

/// In-batch softmax: logits `u·v/τ − ln q`, a user's other positives
/// masked; returns the summed loss and `∂L/∂U`, `∂L/∂V` of the mean loss.
fn in_batch_softmax(
    batch: &[(u32, u32)],
    x: &CsrMatrix<f32>,
    logq: &[f32],
    temperature: f32,
    user: &Array2<f32>,
    item: &Array2<f32>,
) -> LossAndGrads {
    let inv_t = 1.0 / temperature;
    let mut logits = user.dot(&item.t());
    for (a, mut row) in logits.axis_iter_mut(Axis(0)).enumerate() {
        let seen = x.row(batch[a].0 as usize).map_or(&[][..], |r| r.0);
        for (c, l) in row.iter_mut().enumerate() {
            let j = batch[c].1;
            *l = if c != a && seen.binary_search(&j).is_ok() {
                f32::NEG_INFINITY
            } else {
                *l * inv_t - logq[j as usize]
            };
        }
    }
    let loss = softmax_diagonal(&mut logits);
    // dL/dU = dS·V/τ, dL/dV = dSᵀ·U/τ.
    let gu = logits.dot(item) * inv_t;
    let gv = logits.t().dot(user) * inv_t;
    (loss, gu, gv)
}

/// BPR on (positive, sampled negative): `item` holds the `m` positives then
/// the `m` negatives; loss `−ln σ(u·(vᵢ − vⱼ)/τ)`, gradients of the mean.
fn bpr_loss(temperature: f32, user: &Array2<f32>, item: &Array2<f32>) -> LossAndGrads {
    let inv_t = 1.0 / temperature;
    let m = user.nrows();
    let mut gu = Array2::zeros(user.dim());
    let mut gv = Array2::zeros(item.dim());
    let mut loss = 0.0f64;
    for a in 0..m {
        let diff = &item.row(a) - &item.row(m + a);
        let z = user.row(a).dot(&diff) * inv_t;
        // −ln σ(z) = ln(1 + e^(−z)), computed stably.
        loss += f64::from(if z > 0.0 {
            (-z).exp().ln_1p()
        } else {
            -z + z.exp().ln_1p()
        });
        let g = -inv_t / (1.0 + z.exp()) / m as f32; // ∂/∂z of the mean, times 1/τ
        gu.row_mut(a).scaled_add(g, &diff);
        gv.row_mut(a).scaled_add(g, &user.row(a));
        gv.row_mut(m + a).scaled_add(-g, &user.row(a));
    }
    (loss, gu, gv)
}

/// A uniformly drawn item other than `positive` the user has not
/// interacted with (`seen` sorted); after 100 failed draws, any item but the
/// positive (a user who has nearly every item).
fn negative(rng: &mut impl rand::Rng, n_items: usize, seen: &[u32], positive: u32) -> u32 {
    for _ in 0..100 {
        let j = rng.random_range(0..n_items) as u32;
        if seen.binary_search(&j).is_err() {
            return j;
        }
    }
    ((positive as usize + 1) % n_items) as u32
}

impl RecommenderModel for TwoTower {
    type Params = TwoTower;
    type Fitted = FittedTwoTower;

    fn fit(&self, x: &CsrMatrix<f32>) -> Result<FittedTwoTower> {
        self.validate()?;
        super::check_interactions(OP, x)?;
        let (n_users, n_items) = x.shape();
        let (d, bs) = (self.dim, self.batch_size);
        check_allocation(
            OP,
            "the embedding tables with their gradients and optimiser state and the served vectors",
            model_elements(n_users, n_items, d)?,
            4,
        )?;
        let cap = history_width(x, self.max_history);
        check_allocation(
            OP,
            "one batch of history vectors",
            elements(OP, &[bs.min(x.nnz()), cap.max(1), d])?,
            4,
        )?;
        let histories: Vec<(Vec<u32>, Vec<f32>)> = (0..n_users)
            .map(|u| {
                let (i, w) = x.row(u).unwrap_or((&[], &[]));
                capped(i, w, cap)
            })
            .collect();
        let logq = log_q(x, self.logq_correction);
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(x.nnz());
        for u in 0..n_users {
            let (items, _) = x.row(u).unwrap_or((&[], &[]));
            pairs.extend(items.iter().map(|&i| (u as u32, i)));
        }

        let mut rng = seeded_rng(self.seed);
        let mut t = Towers::new(self, n_items, &mut rng)?;
        let mut adam = Adam::<f32>::new(f64::from(self.learning_rate));
        adam.validate()?;

        let pad = n_items as f32;
        // BPR runs the item tower on each pair's positive and its negative.
        let per_pair = if self.loss == TwoTowerLoss::Bpr { 2 } else { 1 };
        let mut item_idx = Array2::<f32>::zeros((bs * per_pair, 1));
        let mut hist_idx = Array2::<f32>::from_elem((bs, cap), pad);
        let mut hist_w = Array2::<f32>::zeros((bs, cap));
        let mut h = Array2::<f32>::zeros((bs, d));
        let mut gh_out = Array2::<f32>::zeros((bs, cap * d));
        let n_batches = pairs.len().div_ceil(bs);
        for epoch in 1..=self.epochs {
            pairs.shuffle(&mut rng);
            for b in 0..n_batches {
                // Even batches: no tiny last batch without negatives.
                let batch = &pairs[batch_range(b, pairs.len(), n_batches)];
                let m = batch.len();
                hist_idx.fill(pad);
                hist_w.fill(0.0);
                batch_items(batch, x, per_pair == 2, &mut rng, &mut item_idx);
                for (a, &(u, i)) in batch.iter().enumerate() {
                    let (items, weights) = &histories[u as usize];
                    history_without(items, weights, i, hist_idx.row_mut(a), hist_w.row_mut(a));
                }
                let (hi, hw) = (hist_idx.slice(s![..m, ..]), hist_w.slice(s![..m, ..]));
                // User tower forward: pooled history → dense → dense.
                let e = t.hist_emb.forward(hi, Mode::Train)?;
                let mut hb = h.slice_mut(s![..m, ..]);
                hb.fill(0.0);
                for a in 0..m {
                    for p in 0..cap {
                        let w = hw[[a, p]];
                        if w != 0.0 {
                            hb.row_mut(a)
                                .scaled_add(w, &e.slice(s![a, p * d..(p + 1) * d]));
                        }
                    }
                }
                let z1 = t.d1.forward(h.slice(s![..m, ..]), Mode::Train)?;
                let user = t.d2.forward(z1, Mode::Train)?.to_owned();
                // Item tower forward.
                let ii = item_idx.slice(s![..m * per_pair, ..]);
                let ve = t.item_emb.forward(ii, Mode::Train)?.to_owned();
                let item = match t.item_dense.as_mut() {
                    Some(dense) => dense.forward(ve.view(), Mode::Train)?.to_owned(),
                    None => ve.clone(),
                };
                let (loss, gu, gv) = match self.loss {
                    TwoTowerLoss::InBatchSoftmax => {
                        in_batch_softmax(batch, x, &logq, self.temperature, &user, &item)
                    }
                    TwoTowerLoss::Bpr => bpr_loss(self.temperature, &user, &item),
                };
                if !loss.is_finite() {
                    return Err(Error::InvalidArgument {
                        op: OP,
                        message: format!(
                            "training diverged at epoch {epoch} (loss {loss}); lower learning_rate ({}) or raise temperature ({})",
                            self.learning_rate, self.temperature
                        ),
                    });
                }
                // Item tower backward.
                match t.item_dense.as_mut() {
                    Some(dense) => {
                        let g = dense
                            .backward(ve.view(), gv.view(), true)?
                            .map(|g| g.to_owned());
                        if let Some(g) = g {
                            t.item_emb.backward(ii, g.view(), false)?;
                        }
                    }
                    None => {
                        t.item_emb.backward(ii, gv.view(), false)?;
                    }
                }
                // User tower backward, down to the pooled history rows.
                let g1 =
                    t.d2.backward(t.d1.output(), gu.view(), true)?
                        .map(|g| g.to_owned());
                let gh = match g1 {
                    Some(g1) => {
                        t.d1.backward(h.slice(s![..m, ..]), g1.view(), true)?
                            .map(|g| g.to_owned())
                    }
                    None => None,
                };
                if let Some(gh) = gh {
                    let mut go = gh_out.slice_mut(s![..m, ..]);
                    for a in 0..m {
                        for p in 0..cap {
                            let w = hw[[a, p]];
                            let mut dst = go.slice_mut(s![a, p * d..(p + 1) * d]);
                            if w == 0.0 {
                                dst.fill(0.0);
                            } else {
                                dst.zip_mut_with(&gh.row(a), |o, &g| *o = w * g);
                            }
                        }
                    }
                    t.hist_emb.backward(hi, go.view(), false)?;
                }
                if self.l2 > 0.0 {
                    t.add_l2(self.l2, d);
                }
                adam.begin_step();
                t.visit(&mut |slot, p| adam.update(slot, p));
                t.item_emb.zero_grad();
                t.hist_emb.zero_grad();
                for l in [&mut t.d1 as &mut dyn Layer<f32>, &mut t.d2] {
                    l.visit_params(&mut |p| p.grad.fill(0.0));
                }
                if let Some(l) = t.item_dense.as_mut() {
                    l.visit_params(&mut |p| p.grad.fill(0.0));
                }
            }
        }
        let history_table = t.hist_emb.table().slice(s![..n_items, ..]).to_owned();
        let item_table = t.item_emb.table().clone();
        if history_table
            .iter()
            .chain(&item_table)
            .any(|v| !v.is_finite())
        {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!(
                    "training diverged (an embedding is not finite); lower learning_rate ({})",
                    self.learning_rate
                ),
            });
        }
        let user_tower = Sequential::from_layers(d, vec![Box::new(t.d1), Box::new(t.d2)])?;
        let item_tower = match t.item_dense {
            Some(dense) => Some(Sequential::from_layers(d, vec![Box::new(dense)])?),
            None => None,
        };
        FittedTwoTower::assemble(
            *self,
            x.clone(),
            history_table,
            item_table,
            user_tower,
            item_tower,
        )
        .map_err(|message| Error::InvalidArgument { op: OP, message })
    }

    fn params(&self) -> TwoTower {
        *self
    }

    fn params_of(fitted: &FittedTwoTower) -> TwoTower {
        fitted.params
    }
}

impl Recommender for FittedTwoTower {
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
        history_row(&self.history, user)?;
        scores_into(&self.item_vectors, self.user_vectors.row(user), None, out);
        Ok(())
    }

    /// One matrix product for the whole block of users, like ALS and BPR.
    fn score_users(&self, users: &[UserIndex], out: ArrayViewMut2<'_, f32>) -> Result<()> {
        score_known_users(
            &self.history,
            &self.user_vectors,
            &self.item_vectors,
            None,
            users,
            out,
        )
    }

    fn score_history(&self, items: &[u32], weights: &[f32], out: &mut [f32]) -> Result<()> {
        check_out(out, self.n_items())?;
        if items.len() != weights.len() {
            return Err(Error::InvalidArgument {
                op: "score history",
                message: format!("{} items but {} weights", items.len(), weights.len()),
            });
        }
        if let Some(&i) = items.iter().find(|&&i| i as usize >= self.n_items()) {
            return Err(unknown("score history", "item", i as usize, self.n_items()));
        }
        if let Some(p) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(Error::InvalidArgument {
                op: "score history",
                message: format!(
                    "weight {} of item {} (position {p}); weights must be finite and ≥ 0",
                    weights[p], items[p]
                ),
            });
        }
        let u = self.user_vector(items, weights)?;
        scores_into(&self.item_vectors, u.view(), None, out);
        Ok(())
    }

    /// Cosine similarity of the item vectors.
    fn similar_items(&self, item: ItemIndex, k: usize) -> Result<Vec<(ItemIndex, f32)>> {
        cosine_similar(&self.item_vectors, item, k)
    }
}

impl Persist for FittedTwoTower {
    const KIND: &'static str = "ua-analytics/two-tower";

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.validate().map_err(|e| e.to_string())?;
        check_history(&self.history)?;
        let d = self.params.dim;
        let n_items = self.history.n_cols();
        for (name, t) in [
            ("history_table", &self.history_table),
            ("item_table", &self.item_table),
        ] {
            if t.dim() != (n_items, d) {
                return Err(format!(
                    "{name} is {}×{}, expected {n_items}×{d} (items × dim)",
                    t.nrows(),
                    t.ncols()
                ));
            }
            if t.iter().any(|v| !v.is_finite()) {
                return Err(format!("{name} holds a value that is not finite"));
            }
        }
        let (i, o) = (self.user_tower.input_dim(), self.user_tower.output_dim());
        if (i, o) != (d, d) {
            return Err(format!(
                "the user tower maps {i} columns to {o}, expected {d} to {d} (dim)"
            ));
        }
        match (&self.item_tower, self.params.item_dense) {
            (Some(t), true) if (t.input_dim(), t.output_dim()) == (d, d) => {}
            (None, false) => {}
            (Some(t), true) => {
                return Err(format!(
                    "the item tower maps {} columns to {}, expected {d} to {d} (dim)",
                    t.input_dim(),
                    t.output_dim()
                ));
            }
            (t, dense) => {
                return Err(format!(
                    "item_dense is {dense} but the model has {} item tower",
                    if t.is_some() { "an" } else { "no" }
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::Filter;
    use crate::recommend::tests::{csr, planted_groups};

    fn small() -> TwoTower {
        TwoTower::new()
            .dim(8)
            .hidden(16)
            .epochs(40)
            .batch_size(32)
            .learning_rate(0.01)
    }

    #[test]
    fn validate_accepts_the_bounds_and_rejects_just_past_them() {
        let max = crate::recommend::MAX_FACTORS;
        assert!(
            TwoTower::new()
                .dim(max)
                .hidden(max)
                .batch_size(2)
                .validate()
                .is_ok()
        );
        for (m, name) in [
            (TwoTower::new().dim(max + 1), "dim"),
            (TwoTower::new().hidden(max + 1), "hidden"),
            (TwoTower::new().batch_size(1), "batch_size"),
        ] {
            let e = m.validate().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn l2_adds_lambda_times_the_value_to_the_touched_rows_only() {
        use ua_nn::{Layer, Mode};
        let table = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f32 - 4.0);
        let mut e = Embedding::from_weights(table.clone()).unwrap();
        let x = ndarray::array![[3.0f32, 1.0]];
        e.forward(x.view(), Mode::Train).unwrap();
        e.backward(x.view(), Array2::from_elem((1, 6), 0.5).view(), false)
            .unwrap();
        l2_rows(&mut e, 0.25, 3);
        let g = e.gradient();
        for row in 0..5 {
            for col in 0..3 {
                let want = if row == 1 || row == 3 {
                    0.5 + 0.25 * table[[row, col]]
                } else {
                    0.0
                };
                assert_eq!(g[[row, col]], want, "({row}, {col})");
            }
        }
    }

    #[test]
    fn softmax_diagonal_by_hand_and_at_large_logits() {
        // Rows [0, ln 3] and [ln 2, 0]: probabilities [1/4, 3/4], [2/3, 1/3].
        let mut l = ndarray::array![[0.0f32, 3f32.ln()], [2f32.ln(), 0.0]];
        let loss = softmax_diagonal(&mut l);
        let want = -(0.25f64.ln()) - (1.0f64 / 3.0).ln();
        assert!((loss - want).abs() < 1e-6, "{loss} vs {want}");
        // (P − I) / rows.
        let g = [
            [(0.25 - 1.0) / 2.0, 0.75 / 2.0],
            [(2.0 / 3.0) / 2.0, (1.0 / 3.0 - 1.0) / 2.0],
        ];
        for (r, row) in g.iter().enumerate() {
            for (c, &w) in row.iter().enumerate() {
                assert!(
                    (l[[r, c]] - w).abs() < 1e-6,
                    "({r}, {c}): {} vs {w}",
                    l[[r, c]]
                );
            }
        }
        // Logits far beyond exp's range stay finite (the row maximum is
        // subtracted first): the same numbers as the shifted logits.
        let mut big = ndarray::array![[100.0f32, 100.0 + 3f32.ln()], [100.0 + 2f32.ln(), 100.0]];
        let big_loss = softmax_diagonal(&mut big);
        assert!((big_loss - want).abs() < 1e-5, "{big_loss}");
        assert!(big.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn in_batch_logits_subtract_log_q_and_mask_other_positives() {
        // Batch (user 0, item 0), (user 1, item 1), (user 0, item 2); user 0
        // has items 0 and 2, so in row 0 column 2 (and in row 2 column 0)
        // is another positive of the same user: masked.
        let x = csr(2, 3, &[(0, 0), (0, 2), (1, 1)]);
        let batch = [(0u32, 0u32), (1, 1), (0, 2)];
        let logq = [0.5f32, 2f32.ln(), 0.0];
        let user = ndarray::array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 0.0]];
        let item = ndarray::array![[0.5f32, 0.0], [0.0, 1.0], [1.0, 1.0]];
        let (loss, _, _) = in_batch_softmax(&batch, &x, &logq, 0.5, &user, &item);
        // Logits u·v/τ − ln q[item] with τ = 1/2: row 0 [1 − 0.5, 0 − ln 2, masked],
        // row 1 [0 − 0.5, 2 − ln 2, 2 − 0], row 2 [masked, −ln 2, 2 − 0].
        let nll = |row: &[f64], target: usize| {
            let z: f64 = row.iter().map(|v| v.exp()).sum();
            -(row[target].exp() / z).ln()
        };
        let l2 = 2f64.ln();
        let want = nll(&[0.5, -l2], 0) + nll(&[-0.5, 2.0 - l2, 2.0], 1) + nll(&[-l2, 2.0], 1);
        assert!((loss - want).abs() < 1e-5, "{loss} vs {want}");
    }

    #[test]
    fn the_bpr_loss_is_stable_at_large_margins_and_right_at_zero() {
        // One pair, z = u·(v⁺ − v⁻) = ±100: −ln σ(z) is ≈ 0 and ≈ 100, where
        // the unstable form would take ln(1 + e^100) = ∞ in f32.
        let user = ndarray::array![[1.0f32, 0.0]];
        let ahead = ndarray::array![[100.0f32, 0.0], [0.0, 0.0]];
        let behind = ndarray::array![[0.0f32, 0.0], [100.0, 0.0]];
        let (l, _, _) = bpr_loss(1.0, &user, &ahead);
        assert!(l.is_finite() && l < 1e-30, "{l}");
        let (l, _, _) = bpr_loss(1.0, &user, &behind);
        assert!((l - 100.0).abs() < 1e-4, "{l}");
        // z = 0 with τ = 1/2: loss ln 2, ∂/∂U = −(1/τ)·σ(−z)·(v⁺ − v⁻) = −(v⁺ − v⁻).
        // Here v⁺ − v⁻ = (2, 0) ⟂ u = (0, 5); ∂/∂V: ∓(1/τ)·σ(−z)·u.
        let tie = ndarray::array![[3.0f32, 1.0], [1.0, 1.0]];
        let (l, gu, gv) = bpr_loss(0.5, &ndarray::array![[0.0f32, 5.0]], &tie);
        assert!((l - 2f64.ln()).abs() < 1e-6, "{l}");
        assert_eq!(gu, ndarray::array![[-2.0f32, 0.0]]);
        assert_eq!(gv, ndarray::array![[0.0f32, -5.0], [0.0, 5.0]]);
    }

    #[test]
    fn recommends_each_users_own_group() {
        let x = planted_groups();
        let m = small().fit(&x).unwrap();
        let served = (0..40)
            .filter(|&u| {
                let top = m
                    .recommend(u, 2, &crate::recommend::Filter::exclude_seen())
                    .unwrap();
                top.iter().all(|&(i, _)| i / 10 == u % 2)
            })
            .count();
        assert!(served >= 38, "{served} of 40 users");
    }

    #[test]
    fn passes_the_estimator_checks() {
        let x = six_users();
        let m = TwoTower::new().dim(4).hidden(8).epochs(5).batch_size(4);
        crate::testkit::check_recommender(&m, &x).unwrap();
        crate::testkit::check_recommender(&m.item_dense(true).logq_correction(false), &x).unwrap();
        crate::testkit::check_recommender(&m.loss(TwoTowerLoss::Bpr).max_history(2), &x).unwrap();
    }

    /// Central differences of the mean loss against the returned gradients.
    fn check_loss_gradients(
        f: &dyn Fn(&Array2<f32>, &Array2<f32>) -> LossAndGrads,
        user: &Array2<f32>,
        item: &Array2<f32>,
    ) {
        let m = user.nrows() as f64;
        let (_, gu, gv) = f(user, item);
        let h = 1e-2f32;
        for (which, base, grad) in [(0, user, &gu), (1, item, &gv)] {
            for idx in 0..base.len() {
                let nudged = |delta: f32| {
                    let mut b = base.clone();
                    b.as_slice_mut().unwrap()[idx] += delta;
                    let (l, _, _) = if which == 0 { f(&b, item) } else { f(user, &b) };
                    l / m
                };
                let num = (nudged(h) - nudged(-h)) / (2.0 * f64::from(h));
                let ana = f64::from(grad.as_slice().unwrap()[idx]);
                assert!(
                    (num - ana).abs() < 1e-3,
                    "tensor {which}, {idx}: {num} vs {ana}"
                );
            }
        }
    }

    #[test]
    fn both_losses_have_the_gradients_of_their_mean() {
        let user = Array2::from_shape_fn((3, 2), |(a, k)| (a as f32 - 1.0) * 0.7 + k as f32 * 0.3);
        let item = Array2::from_shape_fn((3, 2), |(a, k)| 0.5 - (a * 2 + k) as f32 * 0.25);
        // User 0 has items 0 and 2: item 2 is masked as its negative.
        let x = csr(3, 3, &[(0, 0), (0, 2), (1, 1), (2, 2)]);
        let batch = [(0u32, 0u32), (1, 1), (2, 2)];
        let logq = [-1.0f32, -0.5, -2.0];
        check_loss_gradients(
            &|u, v| in_batch_softmax(&batch, &x, &logq, 0.5, u, v),
            &user,
            &item,
        );
        let (loss, _, _) = in_batch_softmax(&batch, &x, &logq, 0.5, &user, &item);
        assert!(loss > 0.0);
        let items4 = Array2::from_shape_fn((6, 2), |(a, k)| 0.4 - (a + 3 * k) as f32 * 0.15);
        check_loss_gradients(&|u, v| bpr_loss(0.75, u, v), &user, &items4);
        // −ln σ(0) = ln 2 per pair when positive and negative are the same vector.
        let same = ndarray::concatenate![Axis(0), item, item];
        let (loss, _, _) = bpr_loss(1.0, &user, &same);
        assert!((loss - 3.0 * 2f64.ln()).abs() < 1e-6, "{loss}");
    }

    #[test]
    fn negatives_avoid_the_users_items() {
        let mut rng = seeded_rng(3);
        for _ in 0..50 {
            assert_eq!(negative(&mut rng, 3, &[0, 2], 0), 1);
        }
        // A user with every item: any item but the positive.
        assert_eq!(negative(&mut rng, 3, &[0, 1, 2], 1), 2);
        assert_eq!(negative(&mut rng, 3, &[0, 1, 2], 2), 0);
    }

    #[test]
    fn the_bpr_loss_trains_too() {
        let x = planted_groups();
        let m = small().loss(TwoTowerLoss::Bpr).fit(&x).unwrap();
        let served = (0..40)
            .filter(|&u| {
                let top = m
                    .recommend(u, 1, &crate::recommend::Filter::exclude_seen())
                    .unwrap();
                top[0].0 / 10 == u % 2
            })
            .count();
        assert!(served >= 36, "{served} of 40 users");
    }

    #[test]
    fn capping_keeps_the_heaviest_items_in_order() {
        let (i, w) = capped(&[1, 4, 6, 9], &[1.0, 3.0, 1.0, 2.0], 2);
        assert_eq!((i, w), (vec![4, 9], vec![3.0, 2.0]));
        // ties go to the lower item
        let (i, _) = capped(&[1, 4, 6], &[1.0, 1.0, 1.0], 2);
        assert_eq!(i, [1, 4]);
        let (i, _) = capped(&[1, 4], &[1.0, 2.0], 2);
        assert_eq!(i, [1, 4]);
    }

    #[test]
    fn pooling_is_the_weighted_mean_and_zero_for_no_weight() {
        let t = ndarray::array![[1.0f32, 0.0], [0.0, 2.0], [4.0, 4.0]];
        assert_eq!(pool(t.view(), &[0, 2], &[1.0, 3.0]).to_vec(), [3.25, 3.0]);
        assert_eq!(pool(t.view(), &[1], &[0.0]).to_vec(), [0.0, 0.0]);
        assert_eq!(pool(t.view(), &[], &[]).to_vec(), [0.0, 0.0]);
    }

    #[test]
    fn softmax_gradient_by_hand() {
        // Two rows, logits 0 everywhere: P = 1/2, loss = 2·ln 2.
        let mut l = Array2::<f32>::zeros((2, 2));
        let loss = softmax_diagonal(&mut l);
        assert!((loss - 2.0 * 2f64.ln()).abs() < 1e-6, "{loss}");
        assert_eq!(l, ndarray::array![[-0.25, 0.25], [0.25, -0.25]]);
        // A masked negative gets no probability.
        let mut l = ndarray::array![[0.0f32, f32::NEG_INFINITY], [0.0, 0.0]];
        let loss = softmax_diagonal(&mut l);
        assert!((loss - 2f64.ln()).abs() < 1e-6, "{loss}");
        assert_eq!(l.row(0).to_vec(), [0.0, 0.0]);
    }

    #[test]
    fn a_users_own_history_scores_exactly_like_the_user() {
        let x = planted_groups();
        let m = small().epochs(5).item_dense(true).fit(&x).unwrap();
        for u in [0, 7, 22] {
            let (items, weights) = x.row(u).unwrap();
            let (mut a, mut b) = (vec![0.0; 20], vec![0.0; 20]);
            m.score_user(u, &mut a).unwrap();
            m.score_history(items, weights, &mut b).unwrap();
            assert_eq!(a, b, "user {u}");
        }
    }

    #[test]
    fn bad_parameters_and_histories_are_named() {
        let x = csr(2, 3, &[(0, 0), (1, 2)]);
        for (m, name) in [
            (TwoTower::new().dim(0), "dim"),
            (TwoTower::new().dim(super::super::MAX_FACTORS + 1), "dim"),
            (TwoTower::new().hidden(0), "hidden"),
            (TwoTower::new().epochs(0), "epochs"),
            (TwoTower::new().batch_size(1), "batch_size"),
            (TwoTower::new().learning_rate(0.0), "learning_rate"),
            (TwoTower::new().learning_rate(f32::NAN), "learning_rate"),
            (TwoTower::new().temperature(-1.0), "temperature"),
            (TwoTower::new().temperature(f32::INFINITY), "temperature"),
            (TwoTower::new().l2(-0.1), "l2"),
            (TwoTower::new().l2(f32::NAN), "l2"),
            (TwoTower::new().max_history(0), "max_history"),
        ] {
            let e = m.fit(&x).unwrap_err().to_string();
            assert!(e.contains(name), "{name}: {e}");
        }
        let e = TwoTower::new()
            .learning_rate(1e30)
            .fit(&planted_groups())
            .unwrap_err()
            .to_string();
        assert!(e.contains("diverged"), "{e}");
        // A catalogue far beyond the memory budget is refused before allocating.
        let huge = CsrMatrix::from_triplets(1, u32::MAX as usize, &[0], &[5], &[1.0f32]).unwrap();
        let e = TwoTower::new().fit(&huge).unwrap_err().to_string();
        assert!(
            e.contains("the embedding tables") && e.contains("UA_MEMORY_BUDGET"),
            "{e}"
        );
        let m = TwoTower::new().dim(2).hidden(2).epochs(1).fit(&x).unwrap();
        let mut out = vec![0.0; 3];
        let e = m.score_history(&[3], &[1.0], &mut out).unwrap_err();
        assert!(e.to_string().contains("unknown item 3"), "{e}");
        let e = m.score_history(&[1], &[1.0, 2.0], &mut out).unwrap_err();
        assert!(e.to_string().contains("1 items but 2 weights"), "{e}");
        let e = m.score_history(&[1], &[f32::NAN], &mut out).unwrap_err();
        assert!(e.to_string().contains("weight NaN of item 1"), "{e}");
        // Infinite and negative weights too (an infinite one fails only the
        // finiteness half of the rule).
        let e = m
            .score_history(&[1], &[f32::INFINITY], &mut out)
            .unwrap_err();
        assert!(e.to_string().contains("weight inf of item 1"), "{e}");
        let e = m.score_history(&[2], &[-1.0], &mut out).unwrap_err();
        assert!(e.to_string().contains("weight -1 of item 2"), "{e}");
    }

    #[test]
    fn loading_rechecks_the_shapes() {
        let x = planted_groups();
        let m = small().epochs(1).fit(&x).unwrap();
        let json = m.to_json().unwrap();
        let back = FittedTwoTower::from_json(&json).unwrap();
        assert_eq!(back.item_vectors(), m.item_vectors());
        assert_eq!(back.user_vectors(), m.user_vectors());
        let mut bad = m.clone();
        bad.item_table = Array2::zeros((20, 7));
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("item_table is 20×7, expected 20×8")
        );
        let mut bad = m.clone();
        bad.history_table[[3, 1]] = f32::NAN;
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("history_table holds a value")
        );
        let mut bad = m.clone();
        bad.params.item_dense = true;
        assert_eq!(
            bad.validate().unwrap_err(),
            "item_dense is true but the model has no item tower"
        );
        // An item tower of the wrong shape is named, with and without the flag.
        let mut bad = m.clone();
        bad.params.item_dense = true;
        bad.item_tower = Some(
            Sequential::builder(8)
                .dense(5, Activation::Identity)
                .build()
                .unwrap(),
        );
        assert_eq!(
            bad.validate().unwrap_err(),
            "the item tower maps 8 columns to 5, expected 8 to 8 (dim)"
        );
        bad.params.item_dense = false;
        assert_eq!(
            bad.validate().unwrap_err(),
            "item_dense is false but the model has an item tower"
        );
        let mut bad = m.clone();
        bad.user_tower = Sequential::builder(8)
            .dense(3, Activation::Relu)
            .build()
            .unwrap();
        assert!(bad.validate().unwrap_err().contains("maps 8 columns to 3"));
        // A file whose table does not fit is refused at load.
        let e = FittedTwoTower::from_json(&bad.to_json().unwrap()).unwrap_err();
        assert!(e.to_string().contains("user tower"), "{e}");
    }

    /// 6 users × 8 items with overlapping histories, weights 1–3; user 5 has none.
    fn six_users() -> CsrMatrix<f32> {
        let pairs = [
            (0, 0),
            (0, 1),
            (0, 2),
            (1, 1),
            (1, 2),
            (1, 3),
            (2, 4),
            (2, 5),
            (3, 5),
            (3, 6),
            (3, 7),
            (4, 0),
            (4, 7),
            (4, 3),
        ];
        let (u, i): (Vec<usize>, Vec<usize>) = pairs.iter().copied().unzip();
        let w: Vec<f32> = (0..pairs.len()).map(|p| 1.0 + (p % 3) as f32).collect();
        CsrMatrix::from_triplets(6, 8, &u, &i, &w).unwrap()
    }

    #[test]
    fn a_users_history_ranks_like_the_user_and_a_seed_repeats() {
        let x = six_users();
        let m = TwoTower::new().dim(4).hidden(8).epochs(20).batch_size(4);
        let a = m.fit(&x).unwrap();
        for u in 0..5 {
            let (items, weights) = x.row(u).unwrap();
            let items: Vec<usize> = items.iter().map(|&i| i as usize).collect();
            let by_user = a.recommend(u, 8, &Filter::exclude_seen()).unwrap();
            let by_history = a
                .recommend_history(&items, Some(weights), 8, &Filter::exclude_seen())
                .unwrap();
            assert_eq!(by_user, by_history, "user {u}");
        }
        // Same seed → the same model, another seed → another one.
        let b = m.fit(&x).unwrap();
        assert_eq!(a.item_vectors(), b.item_vectors());
        assert_eq!(a.to_json().unwrap(), b.to_json().unwrap());
        let c = m.seed(7).fit(&x).unwrap();
        assert_ne!(a.item_vectors(), c.item_vectors());
        // A saved model serves the same scores.
        let back = FittedTwoTower::from_json(&a.to_json().unwrap()).unwrap();
        let (mut s1, mut s2) = (vec![0.0; 8], vec![0.0; 8]);
        a.score_user(3, &mut s1).unwrap();
        back.score_user(3, &mut s2).unwrap();
        assert_eq!(s1, s2);
        // The user without history gets the tower's answer to an empty history.
        let mut empty = vec![0.0; 8];
        a.score_history(&[], &[], &mut empty).unwrap();
        a.score_user(5, &mut s1).unwrap();
        assert_eq!(s1, empty);
    }

    #[test]
    fn bad_parameters_name_the_parameter() {
        let x = six_users();
        for (m, name) in [
            (TwoTower::new().dim(0), "dim"),
            (TwoTower::new().epochs(0), "epochs"),
            (TwoTower::new().learning_rate(0.0), "learning_rate"),
            (TwoTower::new().learning_rate(f32::NAN), "learning_rate"),
            (TwoTower::new().batch_size(0), "batch_size"),
            (TwoTower::new().temperature(0.0), "temperature"),
        ] {
            let e = m.fit(&x).unwrap_err().to_string();
            assert!(e.contains(name), "{name}: {e}");
        }
        let e = TwoTower::new()
            .fit(&CsrMatrix::zeros(3, 3).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no interactions"), "{e}");
    }

    #[test]
    fn the_size_guard_counts_both_tables_their_optimiser_state_and_the_served_vectors() {
        // 5 items, 3 users, dim 4: (5 + 1)·4·8 + (5 + 3)·4 = 192 + 32.
        assert_eq!(model_elements(3, 5, 4).unwrap(), 224);
        assert_eq!(model_elements(0, 1, 2).unwrap(), 2 * 2 * 8 + 2);
    }

    #[test]
    fn the_history_block_is_as_wide_as_the_longest_history_up_to_the_cap() {
        // Rows of 2, 0, 3 and 1 items.
        let x = csr(4, 5, &[(0, 0), (0, 1), (2, 1), (2, 2), (2, 4), (3, 3)]);
        assert_eq!(history_width(&x, 50), 3);
        assert_eq!(history_width(&x, 2), 2);
        assert_eq!(history_width(&csr(3, 2, &[]), 50), 0);
    }

    #[test]
    fn log_q_is_the_log_of_each_items_share() {
        // Item 0: 3 of 6 interactions, item 1: 2, item 2: none, item 3: 1.
        let x = csr(3, 4, &[(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (1, 3)]);
        let q = log_q(&x, true);
        let want = [0.5f64.ln(), (1.0f64 / 3.0).ln(), 0.0, (1.0f64 / 6.0).ln()];
        for (got, want) in q.iter().zip(want) {
            assert!((f64::from(*got) - want).abs() < 1e-6, "{q:?}");
        }
        assert_eq!(log_q(&x, false), vec![0.0; 4]);
    }

    #[test]
    fn batches_are_even_and_cover_every_pair_once() {
        // 10 pairs in 3 batches: 3, 3, 4.
        let ranges: Vec<_> = (0..3).map(|b| batch_range(b, 10, 3)).collect();
        assert_eq!(ranges, vec![0..3, 3..6, 6..10]);
        assert_eq!(batch_range(0, 7, 1), 0..7);
        assert_eq!(batch_range(1, 4, 2), 2..4);
    }

    #[test]
    fn the_target_is_left_out_of_its_history_and_the_rest_rescaled() {
        let pad = 9.0f32;
        let mut idx = Array1::from_elem(3, pad);
        let mut w = Array1::zeros(3);
        history_without(
            &[1, 2, 3],
            &[1.0, 2.0, 3.0],
            2,
            idx.view_mut(),
            w.view_mut(),
        );
        assert_eq!(idx.to_vec(), vec![1.0, pad, 3.0]);
        assert_eq!(w.to_vec(), vec![0.25, 0.0, 0.75]);
        // The other items weigh nothing: the row stays empty (no 0/0).
        let mut idx = Array1::from_elem(2, pad);
        let mut w = Array1::zeros(2);
        history_without(&[1, 2], &[0.0, 1.0], 2, idx.view_mut(), w.view_mut());
        assert_eq!(idx.to_vec(), vec![pad, pad]);
        assert_eq!(w.to_vec(), vec![0.0, 0.0]);
    }

    #[test]
    fn embeddings_start_at_std_one_over_sqrt_dim_and_the_seed_fixes_every_table() {
        let p = TwoTower::new().dim(16).hidden(8).seed(43);
        let t = Towers::new(&p, 300, &mut seeded_rng(43)).unwrap();
        // 300 × 16 draws of N(0, 1/16): the sample std is 0.25 within a few %.
        let table = t.item_emb.table();
        let sd =
            (table.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / table.len() as f64).sqrt();
        assert!((sd - 0.25).abs() < 0.02, "{sd}");
        // The history table (plus the padding row) is drawn from seed·φ ^ 1:
        // models trained from a seed stay reproducible across versions.
        let init = Initializer::Normal { std: 0.25 };
        let want = Embedding::<f32>::with_init(
            301,
            16,
            init,
            43u64.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 1,
        )
        .unwrap();
        assert_eq!(
            t.hist_emb.table().slice(s![..300, ..]),
            want.table().slice(s![..300, ..])
        );
        assert_ne!(t.hist_emb.table().slice(s![..300, ..]), table.view());
        assert!(t.hist_emb.table().row(300).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn l2_reaches_the_batchs_embedding_rows_and_the_dense_weights_only() {
        let p = TwoTower::new().dim(2).hidden(3).item_dense(true);
        let mut t = Towers::new(&p, 4, &mut seeded_rng(1)).unwrap();
        // Touch item row 1 and history row 2 through a forward/backward pass.
        let ii = ndarray::array![[1.0f32]];
        t.item_emb.forward(ii.view(), Mode::Train).unwrap();
        t.item_emb
            .backward(ii.view(), ndarray::array![[0.0f32, 0.0]].view(), false)
            .unwrap();
        let hi = ndarray::array![[2.0f32]];
        t.hist_emb.forward(hi.view(), Mode::Train).unwrap();
        t.hist_emb
            .backward(hi.view(), ndarray::array![[0.0f32, 0.0]].view(), false)
            .unwrap();
        // Known gradients: 1 everywhere in the dense layers.
        for l in [
            &mut t.d1 as &mut dyn Layer<f32>,
            &mut t.d2,
            t.item_dense.as_mut().unwrap(),
        ] {
            l.visit_params(&mut |p| p.grad.fill(1.0));
        }
        t.add_l2(0.5, 2);
        let mut seen = 0;
        t.visit(&mut |_, p| {
            seen += 1;
            match p.kind {
                ParamKind::Weight => {
                    let rows = p.value.len() / 2;
                    for (k, (g, v)) in p.grad.iter().zip(p.value.iter()).enumerate() {
                        // Embedding tables: 4 or 5 rows of 2; dense weights: any other shape.
                        let embedding = rows == 4 || rows == 5;
                        let touched = (rows == 4 && k / 2 == 1) || (rows == 5 && k / 2 == 2);
                        let want = if embedding {
                            if touched { 0.5 * v } else { 0.0 }
                        } else {
                            1.0 + 0.5 * v
                        };
                        assert!(
                            (g - want).abs() < 1e-7,
                            "{rows} rows, element {k}: {g} vs {want}"
                        );
                    }
                }
                _ => assert!(p.grad.iter().all(|&g| g == 1.0), "a bias got L2"),
            }
        });
        assert_eq!(seen, 1 + 2 + 1 + 2 + 2);
    }

    #[test]
    fn a_strong_l2_shrinks_the_trained_tables() {
        let x = planted_groups();
        let norm = |l2: f32| {
            let m = small().epochs(5).l2(l2).fit(&x).unwrap();
            m.item_table.iter().map(|v| v * v).sum::<f32>()
        };
        let (free, shrunk) = (norm(0.0), norm(0.5));
        assert!(shrunk < 0.5 * free, "{shrunk} vs {free}");
    }

    #[test]
    fn a_batch_lists_its_items_then_each_pairs_negative() {
        // Each user has seen all items but one: that one is their negative.
        let x = csr(
            3,
            4,
            &[
                (0, 0),
                (0, 1),
                (0, 2),
                (1, 1),
                (1, 2),
                (1, 3),
                (2, 0),
                (2, 2),
                (2, 3),
            ],
        );
        let batch = [(0u32, 1u32), (1, 3), (2, 0)];
        let mut idx = Array2::from_elem((6, 1), -1.0f32);
        batch_items(&batch, &x, true, &mut seeded_rng(4), &mut idx);
        assert_eq!(idx.column(0).to_vec(), vec![1.0, 3.0, 0.0, 3.0, 0.0, 1.0]);
        // Without negatives only the first rows are written.
        let mut idx = Array2::from_elem((6, 1), -1.0f32);
        batch_items(&batch, &x, false, &mut seeded_rng(4), &mut idx);
        assert_eq!(
            idx.column(0).to_vec(),
            vec![1.0, 3.0, 0.0, -1.0, -1.0, -1.0]
        );
    }
}
