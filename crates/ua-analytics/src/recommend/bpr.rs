//! Bayesian personalised ranking (Rendle et al., 2009): matrix
//! factorisation trained by stochastic gradient ascent on
//! `ln σ(x_u·(y_i − y_j) + b_i − b_j)` for an interaction `(u, i)` and a
//! negative item `j` the user has not interacted with, drawn uniformly.
//!
//! One epoch draws as many (user, item) pairs as there are interactions.
//! With [`BprMode::Deterministic`] one thread runs the epochs and the model
//! is the same for a seed. [`BprMode::Parallel`] is stratified SGD (as in
//! Gemulla et al. 2011's DSGD): the users are dealt (in a seeded random
//! order) to two shards per rayon thread, and each epoch deals the items, in
//! a fresh seeded order, to as many blocks; in round `s` of an epoch shard
//! `t` trains on its users' interactions with the items of block
//! `(t + s) mod T` and draws their negatives from that block. The shards of
//! a round touch disjoint user and item rows, so they run in parallel on
//! plain memory, with no atomics and no locks, and the model depends on the
//! seed and the number of threads only — not on scheduling. (It replaced a
//! Hogwild! mode on shared atomics, which could not vectorise and on two
//! threads was no faster than one.) Every path runs the same update
//! (`sgd_step`), from copies compiled for AVX-512F or AVX2 when the CPU has
//! them (`ua_tensor::wide_fn!`). A
//! negative draw tests one bit of a users × items bitset when that fits in
//! 32 MiB, else binary-searches the user's items.

use ua_tensor::progress::{Event, report};

use ndarray::{Array1, Array2, ArrayViewMut2, Axis};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::persist::Persist;
use ua_tensor::sparse::CsrMatrix;

use super::factors::{cosine_similar, score_known_users, scores_into};
use super::item_item::{check_history, check_out, history_row};
use crate::Result;
use crate::error::parameter;
use crate::traits::{ItemIndex, Recommender, RecommenderModel, UserIndex};

/// How BPR's epochs are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BprMode {
    /// One thread: the same model for the same seed.
    Deterministic,
    /// Two user shards and two item blocks per rayon thread, trained in
    /// rounds on disjoint rows (stratified SGD, see the module
    /// documentation): the same model for the same seed and number of
    /// threads.
    Parallel,
}

/// BPR-MF parameters.
///
/// ```
/// use ua_analytics::recommend::{Bpr, Filter};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
/// // Users 0–3 like items 0–2, users 4–7 items 3–5 (each misses one).
/// let (mut u, mut i) = (vec![], vec![]);
/// for user in 0..8usize {
///     for item in 0..3usize {
///         if item != user % 3 {
///             u.push(user);
///             i.push(3 * (user / 4) + item);
///         }
///     }
/// }
/// let x = CsrMatrix::from_triplets(8, 6, &u, &i, &vec![1.0f32; u.len()]).unwrap();
/// let m = Bpr::new().factors(4).epochs(200).learning_rate(0.05).fit(&x).unwrap();
/// let top = m.recommend(0, 1, &Filter::exclude_seen()).unwrap();
/// assert_eq!(top[0].0, 0); // user 0 misses item 0 of their group
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bpr {
    /// Latent factors, ≥ 1. Default 64.
    pub factors: usize,
    /// SGD step size, > 0. Default 0.01.
    pub learning_rate: f32,
    /// L2 regularisation, ≥ 0. Default 0.01.
    pub regularization: f32,
    /// Epochs (each draws `nnz` samples), ≥ 1. Default 100.
    pub epochs: usize,
    /// Single-thread deterministic or parallel. Default deterministic.
    pub mode: BprMode,
    /// Seed of the initial factors and the samples. Default 42.
    pub seed: u64,
}

impl Default for Bpr {
    fn default() -> Self {
        Bpr {
            factors: 64,
            learning_rate: 0.01,
            regularization: 0.01,
            epochs: 100,
            mode: BprMode::Deterministic,
            seed: 42,
        }
    }
}

impl Bpr {
    /// The defaults: 64 factors, step 0.01, λ = 0.01, 100 epochs,
    /// deterministic, seed 42.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Bpr::new().epochs, 100);
    /// ```
    pub fn new() -> Self {
        Bpr::default()
    }

    /// Sets the number of factors.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Bpr::new().factors(8).factors, 8);
    /// ```
    pub fn factors(mut self, factors: usize) -> Self {
        self.factors = factors;
        self
    }

    /// Sets the step size.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Bpr::new().learning_rate(0.1).learning_rate, 0.1);
    /// ```
    pub fn learning_rate(mut self, lr: f32) -> Self {
        self.learning_rate = lr;
        self
    }

    /// Sets λ.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Bpr::new().regularization(0.0).regularization, 0.0);
    /// ```
    pub fn regularization(mut self, lambda: f32) -> Self {
        self.regularization = lambda;
        self
    }

    /// Sets the number of epochs.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Bpr::new().epochs(3).epochs, 3);
    /// ```
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the mode.
    ///
    /// ```
    /// use ua_analytics::recommend::{Bpr, BprMode};
    /// assert_eq!(Bpr::new().mode(BprMode::Parallel).mode, BprMode::Parallel);
    /// ```
    pub fn mode(mut self, mode: BprMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the seed.
    ///
    /// ```
    /// assert_eq!(ua_analytics::recommend::Bpr::new().seed(1).seed, 1);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters; a bad value is an error naming it.
    ///
    /// ```
    /// let e = ua_analytics::recommend::Bpr::new().learning_rate(0.0).validate().unwrap_err();
    /// assert!(e.to_string().contains("learning_rate"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        const OP: &str = "BPR";
        if self.factors == 0 || self.factors > super::MAX_FACTORS {
            return Err(parameter(
                OP,
                "factors",
                format!(
                    "must be in 1..={}, got {}",
                    super::MAX_FACTORS,
                    self.factors
                ),
            ));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(parameter(
                OP,
                "learning_rate",
                format!("must be finite and > 0, got {}", self.learning_rate),
            ));
        }
        if !(self.regularization >= 0.0 && self.regularization.is_finite()) {
            return Err(parameter(
                OP,
                "regularization",
                format!("must be finite and ≥ 0, got {}", self.regularization),
            ));
        }
        if self.epochs == 0 {
            return Err(parameter(OP, "epochs", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// A fitted BPR model: user factors, item factors and biases, and the
/// training interactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedBpr {
    params: Bpr,
    history: CsrMatrix<f32>,
    user_factors: Array2<f32>,
    item_factors: Array2<f32>,
    item_bias: Vec<f32>,
}

/// Item rows (factors, then the bias) in plain memory: all the items in the
/// one-thread mode, one block of them per shard in the parallel mode. The
/// steps update the two rows in place, in loops the compiler vectorises.
struct ItemRows<'a> {
    values: &'a mut [f32],
    width: usize,
}

impl ItemRows<'_> {
    /// One BPR step on user vector `xu` for the positive in row `i` and the
    /// negative in row `j` (`i ≠ j`: the negative is an item the user has
    /// not seen).
    #[inline(always)]
    fn step(&mut self, params: &Bpr, xu: &mut [f32], i: usize, j: usize) {
        let w = self.width;
        if let Ok([yi, yj]) = self
            .values
            .get_disjoint_mut([i * w..(i + 1) * w, j * w..(j + 1) * w])
        {
            sgd_step(params, xu, yi, yj);
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        x.exp() / (1.0 + x.exp())
    }
}

/// The BPR update, in place, of user vector `xu` (`f` factors) and the rows
/// `yi`, `yj` (`f` factors, then the bias) of a positive and a negative item.
#[inline(always)]
fn sgd_step(params: &Bpr, xu: &mut [f32], yi: &mut [f32], yj: &mut [f32]) {
    let f = xu.len();
    let (yi, bias_i) = yi.split_at_mut(f);
    let (yj, bias_j) = yj.split_at_mut(f);
    let (Some(bias_i), Some(bias_j)) = (bias_i.first_mut(), bias_j.first_mut()) else {
        return;
    };
    let x_uij = *bias_i - *bias_j + super::als::dot(xu, yi) - super::als::dot(xu, yj);
    let z = sigmoid(-x_uij);
    let (lr, reg) = (params.learning_rate, params.regularization);
    for ((u, a), b) in xu.iter_mut().zip(yi.iter_mut()).zip(yj.iter_mut()) {
        let (uv, av, bv) = (*u, *a, *b);
        *u += lr * (z * (av - bv) - reg * uv);
        *a = av + lr * (z * uv - reg * av);
        *b = bv + lr * (-z * uv - reg * bv);
    }
    let (di, dj) = (lr * (z - reg * *bias_i), lr * (-z - reg * *bias_j));
    (*bias_i, *bias_j) = (*bias_i + di, *bias_j + dj);
}

/// A uniformly drawn item the user has not interacted with (`seen` sorted),
/// or `None` when the user has every item (or no draw succeeded in 100).
fn negative(rng: &mut SmallRng, n_items: usize, seen: &[u32]) -> Option<usize> {
    negative_where(rng, n_items, seen.len(), |j| {
        seen.binary_search(&(j as u32)).is_ok()
    })
}

/// [`negative`] for a user with `n_seen` items, asking `is_seen` whether
/// the user has an item (the same draws, the same result).
#[inline(always)]
fn negative_where(
    rng: &mut SmallRng,
    n_items: usize,
    n_seen: usize,
    is_seen: impl Fn(usize) -> bool,
) -> Option<usize> {
    if n_seen >= n_items {
        return None;
    }
    (0..100).find_map(|_| {
        let j = rng.random_range(0..n_items);
        (!is_seen(j)).then_some(j)
    })
}

/// The most memory [`SeenBits`] may take (bytes); above it the negative
/// draws fall back to a binary search in the user's items.
const SEEN_BITS_BYTES: usize = 32 << 20;

/// One bit per (user, item), set when the user has the item, so that
/// testing a negative draw is one bit instead of a binary search in the
/// user's items (measured: the search took a third of the one-thread fit on
/// the 100,000-rating log). Built only when it fits in [`SEEN_BITS_BYTES`].
struct SeenBits {
    words: Vec<u64>,
    per_user: usize,
}

impl SeenBits {
    fn new(x: &CsrMatrix<f32>) -> Option<Self> {
        let per_user = x.n_cols().div_ceil(64);
        let n = x.n_rows().checked_mul(per_user)?;
        if n > SEEN_BITS_BYTES / 8 {
            return None;
        }
        let mut words = vec![0u64; n];
        for u in 0..x.n_rows() {
            let (items, _) = x.row(u).unwrap_or((&[], &[]));
            for &i in items {
                words[u * per_user + i as usize / 64] |= 1 << (i % 64);
            }
        }
        Some(SeenBits { words, per_user })
    }

    #[inline(always)]
    fn has(&self, user: usize, item: usize) -> bool {
        self.words
            .get(user * self.per_user + item / 64)
            .is_some_and(|w| w >> (item % 64) & 1 == 1)
    }
}

/// The parallel mode's item blocks: each epoch deals the items, in a fresh
/// seeded random order, to as many blocks of consecutive rows as there are
/// shards, and moves their rows to match; block `b` is rows
/// `bounds[b]..bounds[b + 1]`.
struct ItemBlocks {
    /// The item in each row.
    item_at: Vec<u32>,
    /// The row of each item.
    row_of: Vec<u32>,
    bounds: Vec<usize>,
}

impl ItemBlocks {
    /// Items in their own order, cut into `n_blocks` blocks of equal size
    /// (± 1).
    fn new(n_items: usize, n_blocks: usize) -> Self {
        ItemBlocks {
            item_at: (0..n_items as u32).collect(),
            row_of: (0..n_items as u32).collect(),
            bounds: (0..=n_blocks).map(|b| b * n_items / n_blocks).collect(),
        }
    }

    fn n_blocks(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The items of block `b`, by row.
    fn items(&self, b: usize) -> &[u32] {
        &self.item_at[self.bounds[b]..self.bounds[b + 1]]
    }

    /// The block of an item and its row within the block.
    fn place(&self, item: usize) -> (usize, usize) {
        let row = self.row_of[item] as usize;
        let b = self.bounds[1..].partition_point(|&end| end <= row);
        (b, row - self.bounds[b])
    }

    /// Deals the items anew and moves their rows of `values` (`width`
    /// numbers each) with them; `spare` is scratch of any length.
    fn reshuffle(
        &mut self,
        rng: &mut SmallRng,
        values: &mut Vec<f32>,
        spare: &mut Vec<f32>,
        width: usize,
    ) {
        self.item_at.shuffle(rng);
        spare.resize(values.len(), 0.0);
        for (to, &item) in spare.chunks_exact_mut(width).zip(&self.item_at) {
            let from = self.row_of[item as usize] as usize;
            to.copy_from_slice(&values[from * width..(from + 1) * width]);
        }
        for (row, &item) in self.item_at.iter().enumerate() {
            self.row_of[item as usize] = row as u32;
        }
        std::mem::swap(values, spare);
    }

    /// `values` cut into the blocks' rows.
    fn split<'v>(&self, mut values: &'v mut [f32], width: usize) -> Vec<ItemRows<'v>> {
        self.bounds
            .windows(2)
            .map(|w| {
                let (block, rest) = std::mem::take(&mut values).split_at_mut((w[1] - w[0]) * width);
                values = rest;
                ItemRows {
                    values: block,
                    width,
                }
            })
            .collect()
    }

    /// `values` with the rows back in item order.
    fn in_item_order(&self, values: &[f32], width: usize) -> Vec<f32> {
        self.row_of
            .iter()
            .flat_map(|&row| &values[row as usize * width..(row as usize + 1) * width])
            .copied()
            .collect()
    }
}

/// One thread's share of the users: their rows of the user factors, its
/// generator, and its interactions in a row (user after user, each user's
/// items in order) as (position of the user in the shard, item), so that a
/// draw is one look-up. In the parallel mode `strata[b]` holds the
/// interactions whose item is in block `b`, as (position, row in the block).
struct Shard<'a> {
    users: Vec<usize>,
    rows: Vec<&'a mut [f32]>,
    draws: Vec<(u32, u32)>,
    strata: Vec<Vec<(u32, u32)>>,
    seen_bits: Option<&'a SeenBits>,
    rng: SmallRng,
}

impl<'a> Shard<'a> {
    fn new(
        x: &CsrMatrix<f32>,
        users: Vec<usize>,
        rows: Vec<&'a mut [f32]>,
        seen_bits: Option<&'a SeenBits>,
        seed: u64,
    ) -> Self {
        let draws = users
            .iter()
            .enumerate()
            .flat_map(|(slot, &u)| {
                let (items, _) = x.row(u).unwrap_or((&[], &[]));
                items.iter().map(move |&i| (slot as u32, i))
            })
            .collect();
        Shard {
            users,
            rows,
            draws,
            strata: Vec::new(),
            seen_bits,
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// Sorts the shard's interactions into the strata of `blocks`.
    fn deal(&mut self, blocks: &ItemBlocks) {
        self.strata.resize_with(blocks.n_blocks(), Vec::new);
        self.strata.iter_mut().for_each(Vec::clear);
        for &(slot, item) in &self.draws {
            let (b, row) = blocks.place(item as usize);
            self.strata[b].push((slot, row as u32));
        }
    }

    /// `samples` updates, each on an interaction drawn uniformly from the
    /// shard's users and a negative item: with `block = None` from all the
    /// shard's interactions, the rows of `items` being all the items; with
    /// `Some((b, items_of_block))` from stratum `b`, the rows of `items`
    /// being those of the block, and the negative drawn from the block.
    #[inline(always)]
    fn run(
        &mut self,
        params: &Bpr,
        x: &CsrMatrix<f32>,
        items: &mut ItemRows<'_>,
        block: Option<(usize, &[u32])>,
        samples: usize,
    ) {
        let Shard {
            users,
            rows,
            draws,
            strata,
            seen_bits,
            rng,
        } = self;
        let (pairs, item_of_row) = match block {
            Some((b, items_of_block)) => (&strata[b][..], Some(items_of_block)),
            None => (&draws[..], None),
        };
        let total = pairs.len();
        if total == 0 {
            return;
        }
        let n_rows = item_of_row.map_or(x.n_cols(), <[u32]>::len);
        let item = |row: usize| item_of_row.map_or(row, |items| items[row] as usize);
        for _ in 0..samples {
            let (slot, i) = pairs[rng.random_range(0..total)];
            let (slot, i) = (slot as usize, i as usize);
            let user = users[slot];
            let (seen, _) = x.row(user).unwrap_or((&[], &[]));
            // How many of the rows the user has is known for the whole
            // catalogue only; in a smaller block the draws just try.
            let n_seen = if n_rows == x.n_cols() { seen.len() } else { 0 };
            let j = match seen_bits {
                Some(bits) => negative_where(rng, n_rows, n_seen, |r| bits.has(user, item(r))),
                None => negative_where(rng, n_rows, n_seen, |r| {
                    seen.binary_search(&(item(r) as u32)).is_ok()
                }),
            };
            if let Some(j) = j {
                items.step(params, rows[slot], i, j);
            }
        }
    }

    /// [`Shard::run`], with `wide` compiled for the widest vector
    /// instructions the CPU has ([`run_wide`]).
    fn run_on(
        &mut self,
        wide: bool,
        params: &Bpr,
        x: &CsrMatrix<f32>,
        items: &mut ItemRows<'_>,
        block: Option<(usize, &[u32])>,
        samples: usize,
    ) {
        if wide {
            run_wide(self, params, x, items, block, samples)
        } else {
            self.run(params, x, items, block, samples)
        }
    }
}

#[inline(always)]
fn run_shard(
    shard: &mut Shard<'_>,
    params: &Bpr,
    x: &CsrMatrix<f32>,
    items: &mut ItemRows<'_>,
    block: Option<(usize, &[u32])>,
    samples: usize,
) {
    shard.run(params, x, items, block, samples)
}

ua_tensor::wide_fn! {
    /// [`Shard::run`] compiled for AVX-512F, else AVX2 (no fused
    /// multiply-add, so every copy gives bit-identical results).
    fn run_wide => run_shard(
        shard: &mut Shard<'_>,
        params: &Bpr,
        x: &CsrMatrix<f32>,
        items: &mut ItemRows<'_>,
        block: Option<(usize, &[u32])>,
        samples: usize,
    )
}

/// How [`Bpr::train`] runs the epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// One thread on all the item rows; `wide` compiles the loops for the
    /// widest vector instructions the CPU has.
    Plain { wide: bool },
    /// `shards` user shards on as many item blocks, in parallel.
    Blocks { shards: usize, wide: bool },
}

impl Bpr {
    /// The training itself: initial factors, user shards, epochs; returns
    /// the user factors and the item rows (factors, then bias).
    fn train(&self, x: &CsrMatrix<f32>, path: Path) -> (Array2<f32>, Vec<f32>) {
        let (n_users, n_items) = x.shape();
        let f = self.factors;
        let mut rng = SmallRng::seed_from_u64(self.seed);
        let scale = 1.0 / (f as f32).sqrt();
        let mut users =
            Array2::from_shape_fn((n_users, f), |_| (rng.random::<f32>() - 0.5) * scale);
        let mut values: Vec<f32> = (0..n_items * (f + 1))
            .map(|p| {
                if p % (f + 1) == f {
                    0.0
                } else {
                    (rng.random::<f32>() - 0.5) * scale
                }
            })
            .collect();
        let shards = match path {
            Path::Plain { .. } => 1,
            Path::Blocks { shards, .. } => shards.clamp(1, n_users.min(n_items).max(1)),
        };
        // Users are dealt to the shards in a seeded random order (so that no
        // shard holds one kind of user).
        let mut order: Vec<usize> = (0..n_users).collect();
        order.shuffle(&mut rng);
        let seen_bits = SeenBits::new(x);
        let mut slots: Vec<Option<&mut [f32]>> = users
            .axis_iter_mut(Axis(0))
            .map(|r| Some(r.into_slice().expect("standard layout")))
            .collect();
        let mut shards: Vec<Shard<'_>> = (0..shards)
            .map(|s| {
                let members: Vec<usize> = order.iter().copied().skip(s).step_by(shards).collect();
                let rows = members
                    .iter()
                    .map(|&u| slots[u].take().expect("each user is in one shard"))
                    .collect();
                let seed = self.seed ^ (s as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                Shard::new(x, members, rows, seen_bits.as_ref(), seed)
            })
            .collect();
        let width = f + 1;
        match path {
            Path::Plain { wide } => {
                let mut items = ItemRows {
                    values: &mut values,
                    width,
                };
                for epoch in 0..self.epochs {
                    for shard in &mut shards {
                        shard.run_on(wide, self, x, &mut items, None, x.nnz());
                    }
                    report(&Event::new("BPR", epoch + 1, Some(self.epochs)));
                }
            }
            Path::Blocks { wide, .. } => {
                // Each epoch: a fresh deal of the items to blocks, then as
                // many rounds as blocks; in round s shard t trains on its
                // users' interactions with the items of block (t + s) mod T,
                // drawing negatives from that block too. Within a round the
                // shards touch disjoint user and item rows, so they run on
                // plain memory in parallel, and the model depends on the
                // seed and the number of shards only.
                let t = shards.len();
                let mut blocks = ItemBlocks::new(n_items, t);
                let mut spare = Vec::new();
                for epoch in 0..self.epochs {
                    if t > 1 {
                        blocks.reshuffle(&mut rng, &mut values, &mut spare, width);
                    }
                    shards.par_iter_mut().for_each(|shard| shard.deal(&blocks));
                    for round in 0..t {
                        let mut rows = blocks.split(&mut values, width);
                        rows.rotate_left(round);
                        shards.par_iter_mut().zip(rows).enumerate().for_each(
                            |(s, (shard, mut rows))| {
                                let b = (s + round) % t;
                                let samples = shard.strata[b].len();
                                let block = Some((b, blocks.items(b)));
                                shard.run_on(wide, self, x, &mut rows, block, samples);
                            },
                        );
                    }
                    report(&Event::new("BPR", epoch + 1, Some(self.epochs)));
                }
                values = blocks.in_item_order(&values, width);
            }
        }
        drop(shards);
        (users, values)
    }
}

/// Elements the guard of `fit` counts: `factors + 1` for every user and
/// every item — an item row holds its factors and its bias; a user row has
/// no bias, so the count runs `n_users` elements over, a small margin.
fn model_elements(n_users: usize, n_items: usize, factors: usize) -> Result<u128> {
    Ok(elements("BPR", &[n_users + n_items, factors + 1])?)
}

impl RecommenderModel for Bpr {
    type Params = Bpr;
    type Fitted = FittedBpr;

    fn fit(&self, interactions: &CsrMatrix<f32>) -> Result<FittedBpr> {
        const OP: &str = "BPR";
        self.validate()?;
        super::check_interactions(OP, interactions)?;
        let (n_users, n_items) = interactions.shape();
        let f = self.factors;
        check_allocation(
            OP,
            "the factor matrices",
            model_elements(n_users, n_items, f)?,
            4,
        )?;
        let path = match self.mode {
            BprMode::Deterministic => Path::Plain { wide: true },
            // Two shards per thread: a thread that finishes its shard of a
            // round early takes another (this VM's second vCPU is shared),
            // and blocks of a quarter of the catalogue on two threads fit a
            // core's L2 (measured on the 100,000-rating log: 0.49–0.57 s
            // against 0.65–1.36 s with one shard per thread, NDCG@10 0.1147
            // vs 0.1150; four per thread: 0.53–0.59 s, NDCG 0.1117).
            BprMode::Parallel => Path::Blocks {
                shards: 2 * rayon::current_num_threads(),
                wide: true,
            },
        };
        let (users, values) = self.train(interactions, path);
        let all =
            Array2::from_shape_vec((n_items, f + 1), values).expect("n_items × (f + 1) values");
        let item_bias = all.column(f).to_vec();
        let item_factors = all.slice(ndarray::s![.., ..f]).to_owned();
        if users
            .iter()
            .chain(&item_factors)
            .chain(&item_bias)
            .any(|v| !v.is_finite())
        {
            return Err(crate::Error::InvalidArgument {
                op: OP,
                message: format!(
                    "training diverged (a factor is not finite); lower learning_rate ({}) or raise regularization ({})",
                    self.learning_rate, self.regularization
                ),
            });
        }
        Ok(FittedBpr {
            params: *self,
            history: interactions.clone(),
            user_factors: users,
            item_factors,
            item_bias,
        })
    }

    fn params(&self) -> Bpr {
        *self
    }

    fn params_of(fitted: &FittedBpr) -> Bpr {
        fitted.params
    }
}

impl FittedBpr {
    /// Users × factors.
    ///
    /// ```
    /// use ua_analytics::recommend::Bpr;
    /// use ua_analytics::RecommenderModel;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(2, 3, &[0, 1], &[0, 2], &[1.0f32, 1.0]).unwrap();
    /// let m = Bpr::new().factors(4).epochs(2).fit(&x).unwrap();
    /// assert_eq!((m.user_factors().dim(), m.item_factors().dim()), ((2, 4), (3, 4)));
    /// ```
    pub fn user_factors(&self) -> &Array2<f32> {
        &self.user_factors
    }

    /// Items × factors (the biases are apart: [`FittedBpr::item_bias`]).
    pub fn item_factors(&self) -> &Array2<f32> {
        &self.item_factors
    }

    /// One bias per item.
    pub fn item_bias(&self) -> &[f32] {
        &self.item_bias
    }

    /// A user vector for a history: the same SGD with the item factors
    /// fixed, from a zero vector, with a generator seeded by the model seed
    /// (so the same history always gets the same vector).
    fn fold_in(&self, items: &[u32]) -> Array1<f32> {
        let f = self.params.factors;
        let mut x = vec![0.0f32; f];
        if items.is_empty() {
            return Array1::from(x);
        }
        let mut rng = SmallRng::seed_from_u64(self.params.seed);
        let (lr, reg) = (self.params.learning_rate, self.params.regularization);
        let n = self.n_items();
        for _ in 0..self.params.epochs {
            for _ in 0..items.len() {
                let i = items[rng.random_range(0..items.len())] as usize;
                let Some(j) = negative(&mut rng, n, items) else {
                    break;
                };
                let (yi, yj) = (self.item_factors.row(i), self.item_factors.row(j));
                let mut x_uij = self.item_bias[i] - self.item_bias[j];
                for k in 0..f {
                    x_uij += x[k] * (yi[k] - yj[k]);
                }
                let z = sigmoid(-x_uij);
                for k in 0..f {
                    x[k] += lr * (z * (yi[k] - yj[k]) - reg * x[k]);
                }
            }
        }
        Array1::from(x)
    }
}

impl Recommender for FittedBpr {
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
        scores_into(
            &self.item_factors,
            self.user_factors.row(user),
            Some(&self.item_bias),
            out,
        );
        Ok(())
    }

    fn score_history(&self, items: &[u32], _weights: &[f32], out: &mut [f32]) -> Result<()> {
        check_out(out, self.n_items())?;
        let x = self.fold_in(items);
        scores_into(&self.item_factors, x.view(), Some(&self.item_bias), out);
        Ok(())
    }

    /// One matrix product for the whole block of users.
    fn score_users(&self, users: &[UserIndex], out: ArrayViewMut2<'_, f32>) -> Result<()> {
        score_known_users(
            &self.history,
            &self.user_factors,
            &self.item_factors,
            Some(&self.item_bias),
            users,
            out,
        )
    }

    /// Cosine similarity of the item factors.
    fn similar_items(&self, item: ItemIndex, k: usize) -> Result<Vec<(ItemIndex, f32)>> {
        cosine_similar(&self.item_factors, item, k)
    }
}

impl Persist for FittedBpr {
    const KIND: &'static str = "ua-analytics/bpr";

    fn validate(&self) -> std::result::Result<(), String> {
        self.params.validate().map_err(|e| e.to_string())?;
        check_history(&self.history)?;
        let f = self.params.factors;
        let (n_users, n_items) = self.history.shape();
        if self.user_factors.dim() != (n_users, f)
            || self.item_factors.dim() != (n_items, f)
            || self.item_bias.len() != n_items
        {
            return Err(format!(
                "factor matrices {:?} and {:?} with {} biases, expected ({n_users}, {f}), ({n_items}, {f}) and {n_items}",
                self.user_factors.dim(),
                self.item_factors.dim(),
                self.item_bias.len()
            ));
        }
        if self
            .user_factors
            .iter()
            .chain(&self.item_factors)
            .chain(&self.item_bias)
            .any(|v| !v.is_finite())
        {
            return Err("a factor is not finite".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::tests::{csr, planted_groups};

    #[test]
    fn the_size_guard_counts_a_bias_column_for_every_user_and_item_row() {
        // 3 users + 5 items, 4 factors + 1 bias.
        assert_eq!(model_elements(3, 5, 4).unwrap(), 40);
        assert_eq!(model_elements(1, 1, 1).unwrap(), 4);
    }

    /// Users whose top-2 unseen items are both of their own group.
    fn users_served_their_group(m: &FittedBpr) -> usize {
        (0..40)
            .filter(|&u| {
                let top = m
                    .recommend(u, 2, &crate::recommend::Filter::exclude_seen())
                    .unwrap();
                top.iter().all(|&(i, _)| i / 10 == u % 2)
            })
            .count()
    }

    #[test]
    fn recommends_each_users_own_group_in_both_modes() {
        let x = planted_groups();
        for mode in [BprMode::Deterministic, BprMode::Parallel] {
            let m = Bpr::new()
                .factors(8)
                .epochs(100)
                .learning_rate(0.05)
                .mode(mode)
                .fit(&x)
                .unwrap();
            let served = users_served_their_group(&m);
            assert!(served >= 38, "{mode:?}: {served} of 40 users");
        }
    }

    #[test]
    fn a_folded_in_history_ranks_its_group_first() {
        let x = planted_groups();
        let m = Bpr::new()
            .factors(8)
            .epochs(100)
            .learning_rate(0.05)
            .fit(&x)
            .unwrap();
        let mut scores = vec![0.0; 20];
        m.score_history(&[11, 12, 13], &[1.0; 3], &mut scores)
            .unwrap();
        let top = ua_tensor::topk::top_k_masked(&scores, 5, |i| [11, 12, 13].contains(&i));
        assert!(top.iter().all(|&(i, _)| i >= 10), "{top:?}");
    }

    /// Every bit of every number of a trained model, folded into one value.
    fn fingerprint(numbers: impl IntoIterator<Item = f32>) -> u64 {
        numbers.into_iter().fold(0u64, |h, v| {
            h.wrapping_mul(1_000_003)
                .wrapping_add(u64::from(v.to_bits()))
        })
    }

    #[test]
    fn the_one_thread_paths_train_the_same_model_bit_for_bit() {
        let x = planted_groups();
        // 8 factors: shorter than the 16 lanes of `dot`; 20: a chunk and a tail.
        for f in [8, 20] {
            let p = Bpr::new().factors(f).epochs(30).learning_rate(0.05);
            let (u0, v0) = p.train(
                &x,
                Path::Blocks {
                    shards: 1,
                    wide: false,
                },
            );
            let before = (fingerprint(u0.iter().copied()), fingerprint(v0));
            for path in [
                Path::Plain { wide: true },
                Path::Plain { wide: false },
                Path::Blocks {
                    shards: 1,
                    wide: true,
                },
            ] {
                let (u, v) = p.train(&x, path);
                let got = (fingerprint(u.iter().copied()), fingerprint(v));
                assert_eq!(got, before, "{f} factors, {path:?}");
            }
        }
    }

    #[test]
    fn the_deterministic_model_is_the_one_trained_before_the_plain_path() {
        // Fingerprints of the user factors, item factors and biases (and
        // three single values, as bits) that the atomics-only
        // implementation this one replaced computed for the same fits
        // (commit 8f182ba): the plain path changed the speed, not the model.
        let x = planted_groups();
        for (f, users, items, bias, singles) in [
            (
                8,
                5823584569210457876,
                7163100615529745215,
                6233295158864145091,
                [0x3f28ecfb, 0x3e90cf11, 0xbd2d0936],
            ),
            (
                20,
                3159436608574011478,
                16449054194472688014,
                9693109506620903092,
                [0x3eca5cb7, 0x3e8b1b8b, 0xbd037c62],
            ),
        ] {
            let m = Bpr::new()
                .factors(f)
                .epochs(30)
                .learning_rate(0.05)
                .fit(&x)
                .unwrap();
            assert_eq!(fingerprint(m.user_factors.iter().copied()), users, "{f}");
            assert_eq!(fingerprint(m.item_factors.iter().copied()), items, "{f}");
            assert_eq!(fingerprint(m.item_bias.iter().copied()), bias, "{f}");
            let got = [
                m.user_factors[[0, 0]].to_bits(),
                m.item_factors[[3, 1]].to_bits(),
                m.item_bias[7].to_bits(),
            ];
            assert_eq!(got, singles, "{f}");
        }
    }

    #[test]
    fn the_parallel_model_depends_on_the_seed_and_the_shards_only() {
        // Within a round the shards touch disjoint rows, so neither the
        // thread count nor the scheduling changes the model: 5 shards on
        // one thread, on two, and again on two are the same bits.
        let x = planted_groups();
        let p = Bpr::new().factors(4).epochs(5);
        let fit = |threads, shards| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (u, v) = pool.install(|| p.train(&x, Path::Blocks { shards, wide: true }));
            (fingerprint(u.iter().copied()), fingerprint(v))
        };
        let five = fit(1, 5);
        assert_eq!(fit(2, 5), five);
        assert_eq!(fit(2, 5), five);
        assert_ne!(fit(2, 4), five);
        assert_ne!(
            p.seed(43)
                .train(
                    &x,
                    Path::Blocks {
                        shards: 5,
                        wide: true
                    }
                )
                .1,
            p.train(
                &x,
                Path::Blocks {
                    shards: 5,
                    wide: true
                }
            )
            .1
        );
        // More shards than items (20) or users (40): one block per item.
        assert_eq!(fit(2, 100), fit(2, 20));
        assert_ne!(fit(2, 20), fit(2, 19));
    }

    #[test]
    fn item_blocks_move_the_rows_with_their_items() {
        // 7 items in 3 blocks, rows of width 2 holding (item, item + 0.5).
        let mut blocks = ItemBlocks::new(7, 3);
        assert_eq!(blocks.bounds, vec![0, 2, 4, 7]);
        assert_eq!(blocks.n_blocks(), 3);
        let mut values: Vec<f32> = (0..7).flat_map(|i| [i as f32, i as f32 + 0.5]).collect();
        let original = values.clone();
        let (mut rng, mut spare) = (SmallRng::seed_from_u64(3), Vec::new());
        for _ in 0..3 {
            blocks.reshuffle(&mut rng, &mut values, &mut spare, 2);
            for item in 0..7 {
                let row = blocks.row_of[item] as usize;
                assert_eq!(blocks.item_at[row] as usize, item);
                assert_eq!(
                    &values[row * 2..row * 2 + 2],
                    &original[item * 2..item * 2 + 2]
                );
                let (b, within) = blocks.place(item);
                assert_eq!(blocks.items(b)[within] as usize, item, "item {item}");
            }
        }
        assert_ne!(
            blocks.item_at,
            (0..7).collect::<Vec<u32>>(),
            "never shuffled"
        );
        assert_eq!(blocks.in_item_order(&values, 2), original);
        let split = blocks.split(&mut values, 2);
        let lengths: Vec<usize> = split.iter().map(|r| r.values.len()).collect();
        assert_eq!(lengths, vec![4, 4, 6]);
    }

    #[test]
    fn a_shard_deals_each_interaction_to_its_items_block() {
        let x = planted_groups();
        let users: Vec<usize> = (0..40).step_by(3).collect();
        let mut factors = vec![0.0f32; users.len()];
        let rows = factors.chunks_mut(1).collect();
        let mut shard = Shard::new(&x, users.clone(), rows, None, 1);
        let mut blocks = ItemBlocks::new(20, 4);
        let mut values = vec![0.0; 20];
        blocks.reshuffle(
            &mut SmallRng::seed_from_u64(5),
            &mut values,
            &mut Vec::new(),
            1,
        );
        shard.deal(&blocks);
        assert_eq!(shard.strata.len(), 4, "one stratum per block");
        let mut dealt: Vec<(usize, u32)> = vec![];
        for (b, stratum) in shard.strata.iter().enumerate() {
            for &(slot, row) in stratum {
                dealt.push((users[slot as usize], blocks.items(b)[row as usize]));
            }
        }
        dealt.sort_unstable();
        let want: Vec<(usize, u32)> = users
            .iter()
            .flat_map(|&u| x.row(u).unwrap().0.iter().map(move |&i| (u, i)))
            .collect();
        assert_eq!(dealt, want);
    }

    #[test]
    fn the_seen_bits_answer_like_the_binary_search() {
        // 3 users × 130 items (three words per user), one user empty.
        let pairs = [
            (0, 0),
            (0, 63),
            (0, 64),
            (0, 129),
            (2, 5),
            (2, 70),
            (2, 127),
        ];
        let x = csr(3, 130, &pairs);
        let bits = SeenBits::new(&x).unwrap();
        for u in 0..3 {
            let (seen, _) = x.row(u).unwrap();
            for j in 0..130 {
                let want = seen.binary_search(&(j as u32)).is_ok();
                assert_eq!(bits.has(u, j), want, "user {u}, item {j}");
            }
        }
        assert!(!bits.has(3, 0), "past the last user");
        // Too large for the budget: no bits (the binary search is used).
        let wide = CsrMatrix::<f32>::zeros(2, SEEN_BITS_BYTES * 4 + 64).unwrap();
        assert!(SeenBits::new(&wide).is_none());
        let fits = CsrMatrix::<f32>::zeros(1, SEEN_BITS_BYTES * 8).unwrap();
        assert_eq!(
            SeenBits::new(&fits).unwrap().words.len(),
            SEEN_BITS_BYTES / 8
        );
    }

    #[test]
    fn negatives_avoid_seen_items_and_full_users_get_none() {
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..50 {
            assert_eq!(negative(&mut rng, 3, &[0, 2]), Some(1));
        }
        assert_eq!(negative(&mut rng, 2, &[0, 1]), None);
    }

    #[test]
    fn bad_parameters_are_named() {
        let x = csr(1, 2, &[(0, 0)]);
        for (m, name) in [
            (Bpr::new().factors(0), "factors"),
            (Bpr::new().learning_rate(-1.0), "learning_rate"),
            (Bpr::new().regularization(f32::NAN), "regularization"),
            (Bpr::new().epochs(0), "epochs"),
        ] {
            let e = m.fit(&x).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
        let e = Bpr::new()
            .learning_rate(1e30)
            .fit(&planted_groups())
            .unwrap_err()
            .to_string();
        assert!(e.contains("diverged"), "{e}");
    }

    #[test]
    fn the_builders_set_their_field_and_keep_the_others() {
        let p = Bpr::new()
            .factors(7)
            .learning_rate(0.2)
            .regularization(0.3)
            .epochs(9)
            .mode(BprMode::Parallel)
            .seed(5);
        let want = Bpr {
            factors: 7,
            learning_rate: 0.2,
            regularization: 0.3,
            epochs: 9,
            mode: BprMode::Parallel,
            seed: 5,
        };
        assert_eq!(p, want);
        assert_eq!(RecommenderModel::params(&p), want);
        let one = Bpr {
            mode: BprMode::Deterministic,
            epochs: 1,
            ..want
        };
        let m = one.fit(&csr(2, 3, &[(0, 0), (1, 2)])).unwrap();
        assert_eq!(Bpr::params_of(&m), one);
    }

    #[test]
    fn validate_accepts_the_bounds_and_rejects_just_past_them() {
        let max = crate::recommend::MAX_FACTORS;
        for p in [
            Bpr::new().factors(1),
            Bpr::new().factors(max),
            Bpr::new().learning_rate(f32::MIN_POSITIVE),
            Bpr::new().regularization(0.0),
            Bpr::new().epochs(1),
        ] {
            assert_eq!(p.validate().map_err(|e| e.to_string()), Ok(()), "{p:?}");
        }
        for (p, name, got) in [
            (
                Bpr::new().factors(max + 1),
                "factors",
                format!("got {}", max + 1),
            ),
            (
                Bpr::new().learning_rate(0.0),
                "learning_rate",
                "got 0".into(),
            ),
            (
                Bpr::new().learning_rate(f32::INFINITY),
                "learning_rate",
                "got inf".into(),
            ),
            (
                Bpr::new().regularization(-1.0),
                "regularization",
                "got -1".into(),
            ),
            (
                Bpr::new().regularization(f32::INFINITY),
                "regularization",
                "got inf".into(),
            ),
        ] {
            let e = p.validate().unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(&got), "{e}");
        }
    }

    #[test]
    fn a_full_user_costs_no_draws_and_a_small_block_is_tried_anyway() {
        // User 0 has all 4 items, user 1 items 0, 1 and 2.
        let x = csr(
            2,
            4,
            &[(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2)],
        );
        let p = Bpr::new().factors(2).learning_rate(0.5);
        let start: Vec<f32> = (0..12).map(|k| (k % 5) as f32 * 0.1 - 0.2).collect();
        // The whole catalogue: a user with every item gets no negative and
        // no step, and the generator draws only the 5 interactions.
        let mut xu = [0.3f32, -0.1];
        let mut values = start.clone();
        let mut shard = Shard::new(&x, vec![0], vec![&mut xu[..]], None, 11);
        let mut items = ItemRows {
            values: &mut values,
            width: 3,
        };
        shard.run(&p, &x, &mut items, None, 5);
        let mut rng = SmallRng::seed_from_u64(11);
        for _ in 0..5 {
            rng.random_range(0..4usize);
        }
        assert_eq!(shard.rng.random::<u64>(), rng.random::<u64>());
        drop(shard);
        assert_eq!((xu, values), ([0.3, -0.1], start.clone()));
        // Block 1 holds items 2 and 3: user 1 has 3 items, more than the
        // block's 2 rows, yet item 3 is a negative there, so the one
        // interaction in the block (item 2) gets its step, with or without
        // the bits.
        let bits = SeenBits::new(&x).unwrap();
        for seen_bits in [None, Some(&bits)] {
            let blocks = ItemBlocks::new(4, 2);
            let mut xu = [0.3f32, -0.1];
            let mut block_rows = start[6..].to_vec();
            let (mut want_u, mut want_rows) = (xu, block_rows.clone());
            let (yi, yj) = want_rows.split_at_mut(3);
            sgd_step(&p, &mut want_u, yi, yj);
            let mut shard = Shard::new(&x, vec![1], vec![&mut xu[..]], seen_bits, 3);
            shard.deal(&blocks);
            assert_eq!(shard.strata[1], vec![(0, 0)]);
            let mut items = ItemRows {
                values: &mut block_rows,
                width: 3,
            };
            shard.run(&p, &x, &mut items, Some((1, blocks.items(1))), 1);
            drop(shard);
            assert_ne!(want_rows, start[6..].to_vec(), "the step changes the rows");
            assert_eq!((xu, block_rows), (want_u, want_rows));
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn each_compiled_copy_of_the_epoch_loop_trains_the_same_bits() {
        let x = planted_groups();
        let p = Bpr::new().factors(20).learning_rate(0.05);
        let start: Vec<f32> = (0..20 * 21).map(|k| (k % 11) as f32 * 0.02 - 0.1).collect();
        let run = |copy: &str| {
            let mut users: Vec<f32> = (0..40 * 20)
                .map(|k| (k % 13) as f32 * 0.01 - 0.06)
                .collect();
            let mut values = start.clone();
            let rows = users.chunks_mut(20).collect();
            let mut shard = Shard::new(&x, (0..40).collect(), rows, None, 9);
            let mut items = ItemRows {
                values: &mut values,
                width: 21,
            };
            let n = x.nnz();
            if copy == "plain" {
                shard.run(&p, &x, &mut items, None, n);
            } else {
                // The copy `wide_fn!` picks for this CPU (AVX-512F, else
                // AVX2, else the baseline again).
                run_wide(&mut shard, &p, &x, &mut items, None, n);
            }
            drop(shard);
            (fingerprint(users), fingerprint(values))
        };
        let plain = run("plain");
        assert_ne!(plain.1, fingerprint(start.iter().copied()), "no step");
        assert_eq!(run("wide"), plain);
    }

    #[test]
    fn fold_in_on_two_items_is_the_bpr_update_worked_by_hand() {
        // Two items and a history of item 0: every draw is (0, 1), so two
        // epochs are two known steps from x = 0.
        let (lr, reg) = (0.5f32, 0.25f32);
        let y = ndarray::array![[0.5f32, -1.0], [-0.25, 0.75]];
        let bias = vec![0.3f32, -0.2];
        let m = FittedBpr {
            params: Bpr::new()
                .factors(2)
                .epochs(2)
                .learning_rate(lr)
                .regularization(reg),
            history: csr(1, 2, &[(0, 0)]),
            user_factors: Array2::zeros((1, 2)),
            item_factors: y.clone(),
            item_bias: bias.clone(),
        };
        let d = [y[[0, 0]] - y[[1, 0]], y[[0, 1]] - y[[1, 1]]];
        let mut want = [0.0f32; 2];
        for _ in 0..2 {
            let x_uij = bias[0] - bias[1] + want[0] * d[0] + want[1] * d[1];
            let z = 1.0 / (1.0 + x_uij.exp()); // σ(−x_uij)
            for k in 0..2 {
                want[k] += lr * (z * d[k] - reg * want[k]);
            }
        }
        let got = m.fold_in(&[0]);
        for k in 0..2 {
            assert!((got[k] - want[k]).abs() < 1e-6, "{got} vs {want:?}");
        }
        // Scored through the history: item factors · x + bias.
        let mut scores = [0.0f32; 2];
        m.score_history(&[0], &[1.0], &mut scores).unwrap();
        for j in 0..2 {
            let s = y[[j, 0]] * want[0] + y[[j, 1]] * want[1] + bias[j];
            assert!((scores[j] - s).abs() < 1e-6, "item {j}: {scores:?}");
        }
        assert_eq!(m.fold_in(&[]).to_vec(), vec![0.0, 0.0]);
    }

    #[test]
    fn the_accessors_and_the_scoring_paths_agree() {
        let x = planted_groups();
        let m = Bpr::new()
            .factors(8)
            .epochs(20)
            .learning_rate(0.05)
            .fit(&x)
            .unwrap();
        assert_eq!((m.n_users(), m.n_items()), (40, 20));
        assert_eq!(m.item_bias(), &m.item_bias[..]);
        assert_eq!(
            (m.user_factors(), m.item_factors()),
            (&m.user_factors, &m.item_factors)
        );
        for u in [0, 7, 39] {
            assert_eq!(m.seen_items(u).unwrap(), x.row(u).unwrap().0, "user {u}");
        }
        // A block of users in one product: the users one by one.
        let users = [3, 0, 38];
        let mut block = Array2::zeros((3, 20));
        m.score_users(&users, block.view_mut()).unwrap();
        for (r, &u) in users.iter().enumerate() {
            let mut one = vec![0.0f32; 20];
            m.score_user(u, &mut one).unwrap();
            for j in 0..20 {
                let s = m.user_factors.row(u).dot(&m.item_factors.row(j)) + m.item_bias[j];
                assert!((one[j] - s).abs() < 1e-5, "user {u}, item {j}");
                assert!((block[[r, j]] - s).abs() < 1e-5, "user {u}, item {j}");
            }
        }
        // Similar items: the cosines of the item factors, best first,
        // the item itself left out.
        let cos = |a: usize, b: usize| {
            let (ya, yb) = (m.item_factors.row(a), m.item_factors.row(b));
            ya.dot(&yb) / (ya.dot(&ya).sqrt() * yb.dot(&yb).sqrt())
        };
        let sim = m.similar_items(3, 4).unwrap();
        assert_eq!(sim.len(), 4);
        for &(j, s) in &sim {
            assert_ne!(j, 3);
            assert!((s - cos(3, j)).abs() < 1e-5, "item {j}: {s}");
        }
        let best = (0..20)
            .filter(|&j| j != 3)
            .map(|j| cos(3, j))
            .fold(f32::MIN, f32::max);
        assert!((sim[0].1 - best).abs() < 1e-5, "{sim:?}, best {best}");
    }

    #[test]
    fn persist_validate_names_each_broken_part() {
        let m = Bpr::new()
            .factors(4)
            .epochs(2)
            .fit(&planted_groups())
            .unwrap();
        assert_eq!(Persist::validate(&m), Ok(()));
        let broken = |edit: &dyn Fn(&mut FittedBpr)| {
            let mut b = m.clone();
            edit(&mut b);
            Persist::validate(&b).unwrap_err()
        };
        let expected = "expected (40, 4), (20, 4) and 20";
        for (e, part) in [
            (
                broken(&|b| b.user_factors = Array2::zeros((39, 4))),
                "(39, 4)",
            ),
            (
                broken(&|b| b.item_factors = Array2::zeros((20, 3))),
                "(20, 3)",
            ),
            (
                broken(&|b| {
                    b.item_bias.pop();
                }),
                "with 19 biases",
            ),
        ] {
            assert!(e.contains(part) && e.contains(expected), "{e}");
        }
        let e = broken(&|b| b.item_factors[[2, 1]] = f32::NAN);
        assert!(e.contains("not finite"), "{e}");
        let e = broken(&|b| b.params.learning_rate = 0.0);
        assert!(e.contains("learning_rate"), "{e}");
    }

    #[test]
    fn the_size_guard_counts_users_plus_items() {
        // 50,000 users and 60,000 items with 1 factor: 110,000 × 2 numbers
        // (860 KiB), well within the budget; their product would not be.
        let x = CsrMatrix::from_triplets(50_000, 60_000, &[7], &[9], &[1.0f32]).unwrap();
        let m = Bpr::new().factors(1).epochs(1).fit(&x).unwrap();
        assert_eq!(
            (
                m.user_factors.dim(),
                m.item_factors.dim(),
                m.item_bias.len()
            ),
            ((50_000, 1), (60_000, 1), 60_000)
        );
    }

    /// A model trained on `path`, put together as [`RecommenderModel::fit`] does.
    fn fitted(p: Bpr, x: &CsrMatrix<f32>, path: Path) -> FittedBpr {
        let (users, values) = p.train(x, path);
        let f = p.factors;
        let all = Array2::from_shape_vec((x.n_cols(), f + 1), values).unwrap();
        FittedBpr {
            params: p,
            history: x.clone(),
            user_factors: users,
            item_factors: all.slice(ndarray::s![.., ..f]).to_owned(),
            item_bias: all.column(f).to_vec(),
        }
    }

    #[test]
    fn the_blocks_path_serves_each_users_group_for_two_and_three_shards() {
        // With 2 shards the items' first deal puts group 0 (items 0–9) in
        // one block and group 1 in the other: without a fresh deal each
        // epoch, a user's negatives would all come from their own group.
        let x = planted_groups();
        let p = Bpr::new().factors(8).epochs(100).learning_rate(0.05);
        for shards in [2, 3] {
            let m = fitted(p, &x, Path::Blocks { shards, wide: true });
            let served = users_served_their_group(&m);
            assert!(served >= 38, "{shards} shards: {served} of 40 users");
        }
    }

    #[test]
    fn each_epoch_is_reported_once_counted_from_one() {
        use std::sync::{Arc, Mutex};
        use ua_tensor::progress::{Observer, observe};
        struct Steps(Mutex<Vec<(String, usize, Option<usize>)>>);
        impl Observer for Steps {
            fn event(&self, e: &Event<'_>) {
                self.0
                    .lock()
                    .unwrap()
                    .push((e.task.to_string(), e.step, e.total));
            }
        }
        let x = planted_groups();
        let p = Bpr::new().factors(2).epochs(3);
        let want: Vec<_> = (1..=3).map(|s| ("BPR".to_string(), s, Some(3))).collect();
        for path in [
            Path::Plain { wide: true },
            Path::Blocks {
                shards: 2,
                wide: true,
            },
        ] {
            let steps = Arc::new(Steps(Mutex::new(vec![])));
            observe(steps.clone(), || p.train(&x, path));
            assert_eq!(*steps.0.lock().unwrap(), want, "{path:?}");
        }
    }

    #[test]
    fn the_model_for_another_seed_is_pinned_too() {
        // The seed-42 models are pinned above; for 42 the first shard's seed
        // `42 ^ φ` happens to equal `42 | φ` (no common bits). These
        // fingerprints were computed by this implementation (commit
        // 48545a3) for seed 43, where the two differ.
        let x = planted_groups();
        let p = Bpr::new()
            .factors(8)
            .epochs(30)
            .learning_rate(0.05)
            .seed(43);
        let (u, v) = p.train(&x, Path::Plain { wide: true });
        assert_eq!(
            (fingerprint(u.iter().copied()), fingerprint(v)),
            (9_093_681_465_340_932_289, 17_176_764_233_665_024_673)
        );
    }
}
