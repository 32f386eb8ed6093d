//! The estimator traits: what every model of this crate implements, and what
//! the generic tools (evaluation, cross-validation, permutation importance,
//! grid search, the pipeline, the test kit, the examples) consume.
//!
//! | trait | implemented by | consumed by |
//! | --- | --- | --- |
//! | [`Dataset`] | `Array2<f32>`, [`ua_data::Table`] | cross-validation, grid search, permutation importance, test kit |
//! | [`Classifier`] | `LogisticRegression`, `MlpClassifier`, `Pipeline` | `cross_validate`, `grid_search`, `Pipeline`, `testkit` |
//! | [`Predictor`] | their fitted types | `evaluate`, `permutation_importance`, `FittedPipeline`, `testkit`, examples |
//! | [`Segmenter`] | `FittedKMeans<f32/f64>`, `FittedMiniBatchKMeans`, `RfmKMeans` | segment profiles, `testkit` |
//! | [`RecommenderModel`] → [`Recommender`] | `Popularity`, `ItemKnn`, `Rp3Beta`, `Ease` | `recommend::evaluate`, `testkit` |
//! | [`Detector`] | `IsolationForest`, `Autoencoder` | `Pipeline::fit_unsupervised` (a table → preprocessor → detector, itself a `RiskScorer<&Table>`) |
//! | [`RiskScorer`] | their fitted types, `RobustZ`, `Supervised` (any [`Predictor`]), `Combined` | `risk::evaluate_at_budget`, `AlertRule`, `testkit` |
//!
//! Parameters and fitted models are separate types: a [`Classifier`] holds
//! hyper-parameters only and [`Classifier::fit`] returns its `Fitted` type,
//! which serves through `&self` — it is `Send + Sync`, so one fitted model
//! scores from many threads without a lock — and saves through the common
//! envelope ([`Persist`]).
//!
//! The input type is a parameter: a model on a feature matrix is a
//! `Predictor<ArrayView2<'_, f32>>`, a pipeline that starts from a table is a
//! `Predictor<&Table>`, and the generic tools accept either through
//! [`Dataset`].
//!
//! Binary labels are `u8` 0/1 everywhere in the workspace.
//!
//! ```
//! use ndarray::Array2;
//! use ua_analytics::prediction::LogisticRegression;
//! use ua_analytics::{Classifier, Predictor};
//!
//! // Any classifier, fitted and scored through the traits.
//! fn fit_and_score<C: Classifier>(c: &C, x: &Array2<f32>, y: &[u8]) -> ua_analytics::Result<Vec<f32>> {
//!     let fitted = c.fit(x.view(), y)?;
//!     Ok(fitted.predict_proba(x.view())?.to_vec())
//! }
//! let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f32 / 10.0 - 2.0);
//! let y: Vec<u8> = (0..40).map(|i| u8::from(i >= 20)).collect();
//! let p = fit_and_score(&LogisticRegression::new(), &x, &y).unwrap();
//! assert!(p[0] < 0.5 && p[39] > 0.5);
//! ```

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ua_data::Table;
use ua_tensor::persist::Persist;
use ua_tensor::sparse::CsrMatrix;
use ua_tensor::topk::top_k_masked;

use crate::Result;
use crate::recommend::Filter;

/// Rows of inputs a model reads — a feature matrix or a table — that the
/// generic tools can split by row.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::Dataset;
/// let x = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
/// assert_eq!(x.n_rows(), 3);
/// assert_eq!(x.select_rows(&[2, 0]).unwrap(), array![[5.0f32, 6.0], [1.0, 2.0]]);
/// assert!(x.select_rows(&[3]).is_err());
/// ```
pub trait Dataset: Sized + Send + Sync + 'static {
    /// What a model reads: a borrowed view of the rows.
    type View<'a>: Copy;
    /// The borrowed view a model reads.
    fn view(&self) -> Self::View<'_>;
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// The rows at `rows`, in that order (out-of-range indices are an error).
    fn select_rows(&self, rows: &[usize]) -> Result<Self>;
    /// Number of input columns (features of a matrix, columns of a table).
    fn n_columns(&self) -> usize;
    /// The name of input column `j` (`x0`, `x1`, ... for a matrix).
    fn column_name(&self, j: usize) -> String;
    /// Reorders the values of column `j` alone: row `i` gets the value of
    /// row `order[i]` (used by permutation importance).
    fn permute_column(&mut self, j: usize, order: &[usize]) -> Result<()>;
}

fn check_order(op: &'static str, order: &[usize], n: usize) -> Result<()> {
    if order.len() != n || order.iter().any(|&i| i >= n) {
        return Err(crate::Error::InvalidArgument {
            op,
            message: format!(
                "the order must hold {n} row indices below {n}, got {} indices",
                order.len()
            ),
        });
    }
    Ok(())
}

impl Dataset for Array2<f32> {
    type View<'a> = ArrayView2<'a, f32>;
    fn view(&self) -> ArrayView2<'_, f32> {
        ArrayView2::from(self)
    }
    fn n_rows(&self) -> usize {
        self.nrows()
    }
    fn select_rows(&self, rows: &[usize]) -> Result<Self> {
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.nrows()) {
            return Err(crate::Error::InvalidArgument {
                op: "select rows",
                message: format!("row {bad} is out of range for {} rows", self.nrows()),
            });
        }
        Ok(self.select(Axis(0), rows))
    }
    fn n_columns(&self) -> usize {
        self.ncols()
    }
    fn column_name(&self, j: usize) -> String {
        format!("x{j}")
    }
    fn permute_column(&mut self, j: usize, order: &[usize]) -> Result<()> {
        check_order("permute column", order, self.nrows())?;
        if j >= self.ncols() {
            return Err(crate::Error::InvalidArgument {
                op: "permute column",
                message: format!("column {j} is out of range for {} columns", self.ncols()),
            });
        }
        let permuted: Vec<f32> = order.iter().map(|&i| self[[i, j]]).collect();
        self.column_mut(j)
            .iter_mut()
            .zip(permuted)
            .for_each(|(v, p)| *v = p);
        Ok(())
    }
}

impl Dataset for Table {
    type View<'a> = &'a Table;
    fn view(&self) -> &Table {
        self
    }
    fn n_rows(&self) -> usize {
        Table::n_rows(self)
    }
    fn select_rows(&self, rows: &[usize]) -> Result<Self> {
        Ok(self.take(rows)?)
    }
    fn n_columns(&self) -> usize {
        self.n_cols()
    }
    fn column_name(&self, j: usize) -> String {
        self.column_names()
            .get(j)
            .map_or_else(|| format!("#{j}"), |n| (*n).to_owned())
    }
    fn permute_column(&mut self, j: usize, order: &[usize]) -> Result<()> {
        check_order("permute column", order, Table::n_rows(self))?;
        let name = self
            .column_names()
            .get(j)
            .map(|n| (*n).to_owned())
            .ok_or_else(|| crate::Error::InvalidArgument {
                op: "permute column",
                message: format!("column {j} is out of range for {} columns", self.n_cols()),
            })?;
        let permuted = self.column(&name)?.take(order)?;
        self.replace_column(&name, permuted)?;
        Ok(())
    }
}

/// A fitted binary classifier: the probability of the positive class for
/// each row of an input `X` (`ArrayView2<'_, f32>` or `&Table`).
pub trait Predictor<X>: Send + Sync {
    /// P(y = 1 | x) for each row of `x`.
    fn predict_proba(&self, x: X) -> Result<Array1<f32>>;

    /// Labels 0/1: 1 where the probability is ≥ `threshold`.
    fn predict(&self, x: X, threshold: f32) -> Result<Array1<u8>> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(crate::error::parameter(
                "predict",
                "threshold",
                format!("must be in [0, 1], got {threshold}"),
            ));
        }
        Ok(self.predict_proba(x)?.mapv(|p| u8::from(p >= threshold)))
    }
}

/// The hyper-parameters of a binary classifier over inputs `D`; fitting
/// them on labelled rows gives a [`Predictor`].
///
/// Parameters are checked when `fit` is called: a bad value is an
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming it.
pub trait Classifier<D: Dataset = Array2<f32>>: Clone + std::fmt::Debug + Send + Sync {
    /// What a fitted model keeps of these parameters and saves with itself:
    /// `Self` for a model; for a [`Pipeline`](crate::pipeline::Pipeline), its
    /// classifier's and its column settings (the fitted preprocessor holds
    /// the rest).
    type Params: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + Send + Sync;
    /// The fitted model: serves through `&self`, saves through the envelope.
    type Fitted: for<'a> Predictor<D::View<'a>> + Persist + std::fmt::Debug;

    /// Fits on inputs `x` with labels `y` (0/1, one per row).
    fn fit(&self, x: D::View<'_>, y: &[u8]) -> Result<Self::Fitted>;

    /// These parameters as a fitted model keeps them.
    fn params(&self) -> Self::Params;

    /// The parameters a fitted model was fitted with.
    fn params_of(fitted: &Self::Fitted) -> Self::Params;
}

/// A fitted risk model: one score per row, higher = riskier.
pub trait RiskScorer<X>: Send + Sync {
    /// Risk score of each row of `x` (higher = riskier).
    fn risk_score(&self, x: X) -> Result<Array1<f32>>;
}

/// The hyper-parameters of an unsupervised risk model (an anomaly
/// detector): fitted on unlabelled rows, it gives a [`RiskScorer`].
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::risk::IsolationForest;
/// use ua_analytics::{Detector, RiskScorer};
///
/// // Any detector, fitted and scored through the traits.
/// fn riskiest<D: Detector>(d: &D, x: &Array2<f32>) -> ua_analytics::Result<usize> {
///     let s = d.fit(x.view())?.risk_score(x.view())?;
///     Ok((0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap())
/// }
/// let mut x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j) % 10) as f32);
/// x.row_mut(42).fill(100.0);
/// assert_eq!(riskiest(&IsolationForest::new(), &x).unwrap(), 42);
/// ```
pub trait Detector: Clone + std::fmt::Debug + Send + Sync {
    /// The fitted model: scores through `&self`, saves through the envelope.
    type Fitted: for<'a> RiskScorer<ArrayView2<'a, f32>> + Persist + std::fmt::Debug;

    /// Fits on the rows of `x` (no labels).
    fn fit(&self, x: ArrayView2<'_, f32>) -> Result<Self::Fitted>;
}

/// A fitted segmentation: the segment of each row of an input `X`.
pub trait Segmenter<X>: Send + Sync {
    /// Number of segments.
    fn n_segments(&self) -> usize;
    /// Segment index (0-based, < `n_segments()`) of each row of `x`.
    fn assign(&self, x: X) -> Result<Array1<usize>>;
}

/// Dense user index, as produced by `ua_data`'s interaction builder.
pub type UserIndex = usize;
/// Dense item index, as produced by `ua_data`'s interaction builder.
pub type ItemIndex = usize;

/// A fitted recommender: scores every item of its catalogue for a known
/// user, for a user given only by a history (a new or anonymous user, served
/// without retraining), and ranks them through a [`Filter`].
///
/// Implementors provide the scoring; ranking, filtering, batching and pair
/// scores are provided on top of it, so every model ranks the same way:
/// top-k by partial selection (never a full sort), ties to the lower item
/// index, and nothing left out that the [`Filter`] does not say.
///
/// ```
/// use ua_analytics::recommend::{Filter, Popularity};
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
///
/// // 3 users × 4 items; item 2 is the most popular.
/// let x = CsrMatrix::from_triplets(3, 4, &[0, 1, 1, 2, 2], &[2, 2, 0, 1, 2], &[1.0f32; 5]).unwrap();
/// let model = Popularity::new().fit(&x).unwrap();
/// let top = model.recommend(1, 2, &Filter::exclude_seen()).unwrap();
/// assert_eq!(top[0].0, 1); // 2 and 0 are user 1's own items
/// let batch = model.recommend_batch(&[0, 1, 2], 2, &Filter::none()).unwrap();
/// assert_eq!(batch[1], model.recommend(1, 2, &Filter::none()).unwrap());
/// ```
pub trait Recommender: Send + Sync {
    /// Number of users known from training (valid user indices are below it).
    fn n_users(&self) -> usize;
    /// Number of catalogue items (valid item indices are below it).
    fn n_items(&self) -> usize;
    /// The items `user` interacted with in training, ascending — what
    /// [`Filter::exclude_seen`] leaves out.
    fn seen_items(&self, user: UserIndex) -> Result<&[u32]>;
    /// Writes the score of every item for the known `user` into `out`
    /// (`n_items()` long); higher is better.
    fn score_user(&self, user: UserIndex, out: &mut [f32]) -> Result<()>;
    /// Writes the score of every item for a user known only by `items`
    /// (ascending, distinct, in the catalogue) with their `weights` (finite,
    /// ≥ 0) into `out`. [`Recommender::recommend_history`] checks and
    /// normalises a raw history before calling this.
    fn score_history(&self, items: &[u32], weights: &[f32], out: &mut [f32]) -> Result<()>;
    /// The `k` items most similar to `item` (never `item` itself), best first.
    fn similar_items(&self, item: ItemIndex, k: usize) -> Result<Vec<(ItemIndex, f32)>>;

    /// Writes the scores of every item for each of `users` into the rows
    /// of `out` (`users.len()` × `n_items()`), each row exactly what
    /// [`Recommender::score_user`] writes for that user.
    ///
    /// Provided as one `score_user` per row; the latent-factor models
    /// override it with one matrix product for the whole block, which is
    /// what [`Recommender::recommend_batch`] calls.
    ///
    /// ```
    /// use ua_analytics::recommend::Popularity;
    /// use ua_analytics::{Recommender, RecommenderModel};
    /// use ua_tensor::ndarray::Array2;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(2, 3, &[0, 1, 1], &[2, 2, 0], &[1.0f32; 3]).unwrap();
    /// let model = Popularity::new().fit(&x).unwrap();
    /// let mut out = Array2::zeros((2, 3));
    /// model.score_users(&[1, 0], out.view_mut()).unwrap();
    /// let mut one = vec![0.0; 3];
    /// model.score_user(0, &mut one).unwrap();
    /// assert_eq!(out.row(1).to_vec(), one);
    /// assert!(model.score_users(&[0], out.view_mut()).is_err()); // 2 rows for 1 user
    /// ```
    fn score_users(&self, users: &[UserIndex], mut out: ArrayViewMut2<'_, f32>) -> Result<()> {
        check_block(users, &out, self.n_items())?;
        for (&user, mut row) in users.iter().zip(out.rows_mut()) {
            match row.as_slice_mut() {
                Some(row) => self.score_user(user, row)?,
                None => {
                    let mut scores = vec![0.0; self.n_items()];
                    self.score_user(user, &mut scores)?;
                    row.iter_mut().zip(scores).for_each(|(o, v)| *o = v);
                }
            }
        }
        Ok(())
    }

    /// The `k` best items for `user` that `filter` allows, best first (fewer
    /// when fewer are allowed).
    fn recommend(
        &self,
        user: UserIndex,
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<(ItemIndex, f32)>> {
        let mut scores = vec![0.0; self.n_items()];
        let mut mask = Vec::new();
        recommend_into(self, user, k, filter, &mut scores, &mut mask)
    }

    /// [`Recommender::recommend`] for many users at once, in parallel (rayon),
    /// with the same result as one by one, in the order of `users`. Users
    /// are scored in blocks through [`Recommender::score_users`] (one matrix
    /// product per block for the factor models; a block holds at most
    /// 4 M scores).
    fn recommend_batch(
        &self,
        users: &[UserIndex],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Vec<(ItemIndex, f32)>>> {
        use rayon::prelude::*;
        check_k("recommend", k)?;
        let n = self.n_items();
        let block = (BATCH_SCORES / n.max(1)).clamp(1, 64);
        let blocks: Vec<Vec<Vec<(ItemIndex, f32)>>> =
            users
                .par_chunks(block)
                .map_init(
                    || (Vec::new(), Vec::new()),
                    |(buffer, mask): &mut (Vec<f32>, Vec<bool>), chunk| {
                        buffer.resize(chunk.len() * n, 0.0);
                        let mut scores = ArrayViewMut2::from_shape((chunk.len(), n), buffer)
                            .map_err(|e| crate::Error::InvalidArgument {
                                op: "recommend_batch",
                                message: format!("score block: {e}"),
                            })?;
                        self.score_users(chunk, scores.view_mut())?;
                        chunk
                            .iter()
                            .zip(scores.rows())
                            .map(|(&user, row)| {
                                filter.fill_mask(n, self.seen_items(user)?, mask)?;
                                let row = row.to_slice().expect("rows of a standard-layout block");
                                Ok(top_k_masked(row, k, |i| !mask[i]))
                            })
                            .collect()
                    },
                )
                .collect::<Result<_>>()?;
        Ok(blocks.into_iter().flatten().collect())
    }

    /// The `k` best items for a new or anonymous user given by the items
    /// they interacted with (`weights`: one per item, or `None` for 1 each;
    /// repeated items are summed). [`Filter::exclude_seen`] leaves out these
    /// items. No retraining: the model folds the history in.
    fn recommend_history(
        &self,
        items: &[ItemIndex],
        weights: Option<&[f32]>,
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<(ItemIndex, f32)>> {
        check_k("recommend", k)?;
        let (items, weights) = normalise_history(items, weights, self.n_items())?;
        let mut scores = vec![0.0; self.n_items()];
        self.score_history(&items, &weights, &mut scores)?;
        let mask = filter.allowed_mask(self.n_items(), &items)?;
        Ok(top_k_masked(&scores, k, |i| !mask[i]))
    }

    /// The score of each `(user, item)` pair (users' item scores are computed
    /// once per distinct user).
    fn score_pairs(&self, pairs: &[(UserIndex, ItemIndex)]) -> Result<Vec<f32>> {
        let n = self.n_items();
        if let Some(&(_, item)) = pairs.iter().find(|&&(_, i)| i >= n) {
            return Err(unknown("score pairs", "item", item, n));
        }
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by_key(|&p| pairs[p].0);
        let mut out = vec![0.0; pairs.len()];
        let mut scores = vec![0.0; n];
        let mut current = None;
        for p in order {
            let (user, item) = pairs[p];
            if current != Some(user) {
                self.score_user(user, &mut scores)?;
                current = Some(user);
            }
            out[p] = scores[item];
        }
        Ok(out)
    }
}

fn check_k(op: &'static str, k: usize) -> Result<()> {
    if k == 0 {
        return Err(crate::error::parameter(
            op,
            "k",
            "must be at least 1, got 0",
        ));
    }
    Ok(())
}

/// The most scores [`Recommender::recommend_batch`] holds per block.
const BATCH_SCORES: usize = 1 << 22;

/// `out` has one row per user and one column per item.
pub(crate) fn check_block(
    users: &[UserIndex],
    out: &ArrayViewMut2<'_, f32>,
    n_items: usize,
) -> Result<()> {
    if out.dim() != (users.len(), n_items) {
        return Err(crate::Error::ShapeMismatch {
            op: "score users",
            expected: format!("{} × {n_items} scores (users × items)", users.len()),
            found: format!("{} × {}", out.nrows(), out.ncols()),
        });
    }
    Ok(())
}

fn recommend_into<R: Recommender + ?Sized>(
    model: &R,
    user: UserIndex,
    k: usize,
    filter: &Filter,
    scores: &mut [f32],
    mask: &mut Vec<bool>,
) -> Result<Vec<(ItemIndex, f32)>> {
    check_k("recommend", k)?;
    model.score_user(user, scores)?;
    filter.fill_mask(model.n_items(), model.seen_items(user)?, mask)?;
    Ok(top_k_masked(scores, k, |i| !mask[i]))
}

/// The error for an index outside `0..n`.
pub(crate) fn unknown(op: &'static str, what: &str, index: usize, n: usize) -> crate::Error {
    crate::Error::InvalidArgument {
        op,
        message: format!("unknown {what} {index}: the model knows {n} {what}s (indices 0..{n})"),
    }
}

/// Checks a raw history and returns it sorted by item with repeated items
/// summed: items in the catalogue, weights finite and ≥ 0, one per item.
fn normalise_history(
    items: &[ItemIndex],
    weights: Option<&[f32]>,
    n_items: usize,
) -> Result<(Vec<u32>, Vec<f32>)> {
    const OP: &str = "recommend for a history";
    if let Some(w) = weights
        && w.len() != items.len()
    {
        return Err(crate::Error::InvalidArgument {
            op: OP,
            message: format!("{} items but {} weights", items.len(), w.len()),
        });
    }
    let mut pairs = Vec::with_capacity(items.len());
    for (p, &item) in items.iter().enumerate() {
        if item >= n_items {
            return Err(unknown(OP, "item", item, n_items));
        }
        let w = weights.map_or(1.0, |w| w[p]);
        if !(w.is_finite() && w >= 0.0) {
            return Err(crate::Error::InvalidArgument {
                op: OP,
                message: format!(
                    "weight {w} of item {item} (position {p}); weights must be finite and ≥ 0"
                ),
            });
        }
        pairs.push((item as u32, w));
    }
    pairs.sort_by_key(|&(i, _)| i);
    let mut out_items: Vec<u32> = Vec::with_capacity(pairs.len());
    let mut out_weights: Vec<f32> = Vec::with_capacity(pairs.len());
    for (i, w) in pairs {
        if out_items.last() == Some(&i) {
            *out_weights.last_mut().expect("same length") += w;
        } else {
            out_items.push(i);
            out_weights.push(w);
        }
    }
    Ok((out_items, out_weights))
}

/// The hyper-parameters of a recommender; fitting them on a user × item
/// interaction matrix (rows: users, columns: items, values: weights ≥ 0)
/// gives a [`Recommender`].
///
/// Consumed by the recommendation tools (`recommend::evaluate`, the tuning
/// helper) and the estimator checks, like [`Classifier`] for classifiers.
///
/// ```
/// use ua_analytics::recommend::ItemKnn;
/// use ua_analytics::{Recommender, RecommenderModel};
/// use ua_tensor::sparse::CsrMatrix;
/// let x = CsrMatrix::from_triplets(2, 3, &[0, 0, 1], &[0, 1, 0], &[1.0f32; 3]).unwrap();
/// let fitted = ItemKnn::new().neighbours(10).fit(&x).unwrap();
/// assert_eq!(ItemKnn::params_of(&fitted), ItemKnn::new().neighbours(10));
/// // Item 1 was only bought together with item 0.
/// assert_eq!(fitted.similar_items(1, 1).unwrap()[0].0, 0);
/// ```
pub trait RecommenderModel: Clone + std::fmt::Debug + Send + Sync {
    /// What a fitted model keeps of these parameters and saves with itself.
    type Params: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + Send + Sync;
    /// The fitted model: serves through `&self`, saves through the envelope.
    type Fitted: Recommender + Persist + std::fmt::Debug;

    /// Fits on the users × items interaction matrix.
    fn fit(&self, interactions: &CsrMatrix<f32>) -> Result<Self::Fitted>;

    /// These parameters as a fitted model keeps them.
    fn params(&self) -> Self::Params;

    /// The parameters a fitted model was fitted with.
    fn params_of(fitted: &Self::Fitted) -> Self::Params;
}
