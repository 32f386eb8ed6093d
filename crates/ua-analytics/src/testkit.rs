//! The shared estimator checks, like scikit-learn's `check_estimator`:
//! every estimator of the workspace is run through them in `cargo test`,
//! and so can yours (enable the `testkit` feature).
//!
//! [`check_classifier`] fits a [`Classifier`] on data you give (with both
//! classes) and checks that
//!
//! 1. the same parameters (same seed) give the same model — predictions
//!    equal bit for bit;
//! 2. predictions for all rows at once equal row-by-row predictions;
//! 3. save → load (the envelope, [`Persist`]) gives identical predictions;
//! 4. the fitted model keeps its parameters;
//! 5. bad input is an `Err`, never a panic or a number: wrong feature
//!    count, NaN/∞ values, no rows (for matrices; no rows, and a missing
//!    input column for tables); at fit, labels other than 0/1, one class only,
//!    labels of the wrong length;
//! 6. the fitted model is `Send + Sync` (checked at compile time).
//!
//! [`check_segmenter`] does the same for fitted [`Segmenter`]s: determinism,
//! batch = one-by-one, save/load, segments below `n_segments`, bad input;
//! [`check_recommender`] for [`RecommenderModel`]s: determinism, batch =
//! user by user, save/load, parameters kept, filters honoured, new users
//! served from a history, bad input; [`check_risk_scorer`] for fitted
//! [`RiskScorer`]s: determinism, batch = row by row, finite scores,
//! save/load, bad input.
//!
//! Each check returns an `Err` naming the failed property (the tests turn
//! it into a failure) rather than panicking.
//!
//! ```
//! use ndarray::Array2;
//! use ua_analytics::prediction::LogisticRegression;
//! use ua_analytics::testkit::check_classifier;
//! let x = Array2::from_shape_fn((60, 2), |(i, j)| ((i * 7 + j * 5) % 13) as f32 / 6.0 - 1.0);
//! let y: Vec<u8> = x.rows().into_iter().map(|r| u8::from(r[0] > r[1])).collect();
//! check_classifier(&LogisticRegression::new(), &x, &y).unwrap();
//! ```

use ndarray::{Array1, Array2, ArrayView2, Axis, concatenate};
use ua_data::Table;
use ua_tensor::Scalar;
use ua_tensor::persist::Persist;

use ua_tensor::sparse::CsrMatrix;

use crate::recommend::Filter;
use crate::{
    Classifier, Dataset, Predictor, Recommender, RecommenderModel, Result, RiskScorer, Segmenter,
};

/// A property an estimator failed, with what was observed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("estimator check `{check}` failed: {detail}")]
pub struct CheckFailure {
    /// The property (`determinism`, `batch_equals_rows`, ...).
    pub check: &'static str,
    /// What was observed.
    pub detail: String,
}

fn fail(check: &'static str, detail: impl Into<String>) -> CheckFailure {
    CheckFailure {
        check,
        detail: detail.into(),
    }
}

/// Inputs that a [`check_classifier`] can make invalid copies of.
pub trait BadInputs: Dataset {
    /// Invalid copies of `self`, each with a description; a fitted model
    /// must answer each with an `Err`.
    fn bad_inputs(&self) -> Vec<(&'static str, Self)>;

    /// Copies of `self` with one input column removed, one per column; a
    /// fitted model reads at least one column, so at least one of them
    /// must be an `Err` (none for inputs whose width is checked already).
    fn without_each_column(&self) -> Vec<Self> {
        Vec::new()
    }
}

impl BadInputs for Array2<f32> {
    fn bad_inputs(&self) -> Vec<(&'static str, Self)> {
        let (n, p) = self.dim();
        let mut out = vec![
            (
                "one feature column too many",
                concatenate![Axis(1), self.view(), self.column(0).insert_axis(Axis(1))],
            ),
            ("no rows", Array2::zeros((0, p))),
        ];
        if p > 1 {
            out.push((
                "one feature column too few",
                self.slice(ndarray::s![.., 1..]).to_owned(),
            ));
        }
        for (what, value, at) in [
            ("NaN in the first row", f32::NAN, (0, 0)),
            ("+inf in the last row", f32::INFINITY, (n - 1, p - 1)),
            ("-inf in the middle", f32::NEG_INFINITY, (n / 2, p / 2)),
        ] {
            let mut bad = self.clone();
            bad[at] = value;
            out.push((what, bad));
        }
        out
    }
}

impl BadInputs for Table {
    fn bad_inputs(&self) -> Vec<(&'static str, Self)> {
        vec![("no rows", self.head(0))]
    }

    fn without_each_column(&self) -> Vec<Self> {
        self.column_names()
            .iter()
            .filter_map(|c| self.drop_columns(&[c]).ok())
            .collect()
    }
}

fn same_bits(a: &Array1<f32>, b: &Array1<f32>) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn first_difference(a: &Array1<f32>, b: &Array1<f32>) -> String {
    match a
        .iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
    {
        Some(i) => format!("row {i}: {} vs {}", a[i], b[i]),
        None => format!("{} vs {} rows", a.len(), b.len()),
    }
}

fn assert_send_sync<T: Send + Sync>() {}

/// Runs every classifier check on `data` (inputs with labels `y`, both
/// classes present, at least a few rows of each). See the [module docs](self).
///
/// Batch and row-by-row predictions must agree within 1e-6 (a matrix
/// product may sum in another order for one row); everything else must be
/// identical.
pub fn check_classifier<D, C>(
    classifier: &C,
    data: &D,
    y: &[u8],
) -> std::result::Result<(), CheckFailure>
where
    D: BadInputs,
    C: Classifier<D>,
{
    assert_send_sync::<C::Fitted>();
    if data.n_rows() < 2 || y.len() != data.n_rows() {
        return Err(fail(
            "setup",
            format!(
                "the checks need at least 2 rows with one label each, got {} rows and {} labels",
                data.n_rows(),
                y.len()
            ),
        ));
    }
    let fit = |what: &'static str| {
        classifier
            .fit(data.view(), y)
            .map_err(|e| fail(what, format!("fit failed: {e}")))
    };
    let model = fit("fit")?;
    let p = model
        .predict_proba(data.view())
        .map_err(|e| fail("predict", e.to_string()))?;
    if p.len() != data.n_rows() {
        return Err(fail(
            "predict",
            format!("{} probabilities for {} rows", p.len(), data.n_rows()),
        ));
    }
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(fail("predict", format!("row {i}: probability {}", p[i])));
    }

    // 1. Determinism.
    let again = fit("determinism")?
        .predict_proba(data.view())
        .map_err(|e| fail("determinism", e.to_string()))?;
    if !same_bits(&p, &again) {
        return Err(fail(
            "determinism",
            format!(
                "two fits with the same parameters differ: {}",
                first_difference(&p, &again)
            ),
        ));
    }

    // 2. Batch = one by one.
    for i in 0..data.n_rows() {
        let row = data
            .select_rows(&[i])
            .map_err(|e| fail("batch_equals_rows", e.to_string()))?;
        let one = model
            .predict_proba(row.view())
            .map_err(|e| fail("batch_equals_rows", format!("row {i}: {e}")))?;
        if one.len() != 1 || (one[0] - p[i]).abs() > 1e-6 {
            return Err(fail(
                "batch_equals_rows",
                format!("row {i}: {} in the batch, {:?} alone", p[i], one.to_vec()),
            ));
        }
    }

    // 3. Save → load → identical.
    let json = model
        .to_json()
        .map_err(|e| fail("save_load", format!("save: {e}")))?;
    let loaded =
        C::Fitted::from_json(&json).map_err(|e| fail("save_load", format!("load: {e}")))?;
    let p_loaded = loaded
        .predict_proba(data.view())
        .map_err(|e| fail("save_load", e.to_string()))?;
    if !same_bits(&p, &p_loaded) {
        return Err(fail(
            "save_load",
            format!(
                "the loaded model predicts differently: {}",
                first_difference(&p, &p_loaded)
            ),
        ));
    }
    if !json.contains(C::Fitted::KIND) {
        return Err(fail("save_load", "the file does not name the model kind"));
    }
    if C::Fitted::from_json(&json[..json.len() / 2]).is_ok() {
        return Err(fail("save_load", "a truncated file loaded"));
    }

    // 4. Parameters retained, also through a save and load.
    let given = classifier.params();
    for (what, kept) in [
        ("fitted", C::params_of(&model)),
        ("loaded", C::params_of(&loaded)),
    ] {
        if kept != given {
            return Err(fail(
                "params_retained",
                format!("fitted with {given:?}, the {what} model says {kept:?}"),
            ));
        }
    }

    // 5. Bad input → Err.
    for (what, bad) in data.bad_inputs() {
        if let Ok(p) = model.predict_proba(bad.view()) {
            return Err(fail(
                "bad_input",
                format!(
                    "predict on input with {what} returned {} values instead of an error",
                    p.len()
                ),
            ));
        }
    }
    let drops = data.without_each_column();
    if !drops.is_empty() && drops.iter().all(|d| model.predict_proba(d.view()).is_ok()) {
        return Err(fail(
            "bad_input",
            "predict succeeded with each input column removed in turn",
        ));
    }
    let n = y.len();
    let mut bad_labels: Vec<(&str, Vec<u8>)> = vec![
        ("one class only (all 0)", vec![0; n]),
        ("one class only (all 1)", vec![1; n]),
        (
            "a label 2",
            y.iter()
                .enumerate()
                .map(|(i, &v)| if i == 0 { 2 } else { v })
                .collect(),
        ),
        ("one label too few", y[..n - 1].to_vec()),
    ];
    bad_labels.push(("one label too many", [y, &[0]].concat()));
    for (what, labels) in bad_labels {
        if classifier.fit(data.view(), &labels).is_ok() {
            return Err(fail("bad_input", format!("fit with {what} succeeded")));
        }
    }
    Ok(())
}

/// Inputs with NaN/∞ or the wrong width for a segmenter over `f32`/`f64` rows.
fn bad_rows<S: Scalar>(x: ArrayView2<'_, S>) -> Vec<(&'static str, Array2<S>)> {
    let (n, p) = x.dim();
    let mut out = vec![
        (
            "one column too many",
            concatenate![Axis(1), x, x.column(0).insert_axis(Axis(1))],
        ),
        ("no rows", Array2::zeros((0, p))),
    ];
    for (what, value, at) in [
        ("NaN in the first row", S::nan(), (0, 0)),
        ("+inf in the last row", S::infinity(), (n - 1, p - 1)),
    ] {
        let mut bad = x.to_owned();
        bad[at] = value;
        out.push((what, bad));
    }
    out
}

/// Runs the segmenter checks on a fitted model: `fit` is called twice and
/// must give identical assignments of `x`; batch assignments equal
/// row-by-row ones; every segment is below `n_segments`; save → load
/// assigns identically; NaN/∞, the wrong width and no rows are errors.
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::segmentation::KMeans;
/// use ua_analytics::testkit::check_segmenter;
/// let x = Array2::from_shape_fn((40, 2), |(i, j)| (i % 2) as f64 * 10.0 + (i * 3 + j) as f64 % 5.0);
/// check_segmenter(|| KMeans::new(2).seed(3).fit(x.view()), x.view()).unwrap();
/// ```
pub fn check_segmenter<S, M, F>(
    fit: F,
    x: ArrayView2<'_, S>,
) -> std::result::Result<(), CheckFailure>
where
    S: Scalar,
    M: for<'a> Segmenter<ArrayView2<'a, S>> + Persist,
    F: Fn() -> Result<M>,
{
    assert_send_sync::<M>();
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(fail(
            "setup",
            "the checks need at least one row and one column",
        ));
    }
    let model = fit().map_err(|e| fail("fit", e.to_string()))?;
    let labels = model.assign(x).map_err(|e| fail("assign", e.to_string()))?;
    if labels.len() != x.nrows() {
        return Err(fail(
            "assign",
            format!("{} labels for {} rows", labels.len(), x.nrows()),
        ));
    }
    if let Some(i) = labels.iter().position(|&l| l >= model.n_segments()) {
        return Err(fail(
            "assign",
            format!("row {i}: segment {} of {}", labels[i], model.n_segments()),
        ));
    }
    let again = fit()
        .and_then(|m| m.assign(x))
        .map_err(|e| fail("determinism", e.to_string()))?;
    if again != labels {
        return Err(fail(
            "determinism",
            "two fits with the same parameters assign differently",
        ));
    }
    for i in 0..x.nrows() {
        let one = model
            .assign(x.slice(ndarray::s![i..=i, ..]))
            .map_err(|e| fail("batch_equals_rows", format!("row {i}: {e}")))?;
        if one.len() != 1 || one[0] != labels[i] {
            return Err(fail(
                "batch_equals_rows",
                format!(
                    "row {i}: segment {} in the batch, {:?} alone",
                    labels[i],
                    one.to_vec()
                ),
            ));
        }
    }
    let json = model
        .to_json()
        .map_err(|e| fail("save_load", e.to_string()))?;
    let loaded = M::from_json(&json).map_err(|e| fail("save_load", e.to_string()))?;
    if loaded
        .assign(x)
        .map_err(|e| fail("save_load", e.to_string()))?
        != labels
    {
        return Err(fail("save_load", "the loaded model assigns differently"));
    }
    for (what, bad) in bad_rows(x) {
        if model.assign(bad.view()).is_ok() {
            return Err(fail(
                "bad_input",
                format!("assign on input with {what} succeeded"),
            ));
        }
    }
    Ok(())
}

/// Runs the risk-scorer checks on a fitted model over `f32` rows: `fit` is
/// called twice and must give identical scores for `x` (bit for bit);
/// scores of all rows at once equal row-by-row scores; every score is
/// finite; save → load scores identically; NaN/∞, the wrong width and no
/// rows are errors.
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::risk::IsolationForest;
/// use ua_analytics::testkit::check_risk_scorer;
/// let x = Array2::from_shape_fn((80, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f32);
/// check_risk_scorer(|| IsolationForest::new().trees(20).fit(x.view()), x.view()).unwrap();
/// ```
pub fn check_risk_scorer<M, F>(
    fit: F,
    x: ArrayView2<'_, f32>,
) -> std::result::Result<(), CheckFailure>
where
    M: for<'a> RiskScorer<ArrayView2<'a, f32>> + Persist,
    F: Fn() -> Result<M>,
{
    assert_send_sync::<M>();
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(fail(
            "setup",
            "the checks need at least one row and one column",
        ));
    }
    let model = fit().map_err(|e| fail("fit", e.to_string()))?;
    let scores = model
        .risk_score(x)
        .map_err(|e| fail("risk_score", e.to_string()))?;
    if scores.len() != x.nrows() {
        return Err(fail(
            "risk_score",
            format!("{} scores for {} rows", scores.len(), x.nrows()),
        ));
    }
    if let Some(i) = scores.iter().position(|v| !v.is_finite()) {
        return Err(fail("risk_score", format!("row {i}: score {}", scores[i])));
    }
    let again = fit()
        .and_then(|m| m.risk_score(x))
        .map_err(|e| fail("determinism", e.to_string()))?;
    if !same_bits(&again, &scores) {
        return Err(fail("determinism", first_difference(&scores, &again)));
    }
    for i in 0..x.nrows() {
        let one = model
            .risk_score(x.slice(ndarray::s![i..=i, ..]))
            .map_err(|e| fail("batch_equals_rows", format!("row {i}: {e}")))?;
        if one.len() != 1 || one[0].to_bits() != scores[i].to_bits() {
            return Err(fail(
                "batch_equals_rows",
                format!(
                    "row {i}: {} in the batch, {:?} alone",
                    scores[i],
                    one.to_vec()
                ),
            ));
        }
    }
    let json = model
        .to_json()
        .map_err(|e| fail("save_load", e.to_string()))?;
    let loaded = M::from_json(&json).map_err(|e| fail("save_load", e.to_string()))?;
    let reloaded = loaded
        .risk_score(x)
        .map_err(|e| fail("save_load", e.to_string()))?;
    if !same_bits(&reloaded, &scores) {
        return Err(fail("save_load", first_difference(&scores, &reloaded)));
    }
    for (what, bad) in bad_rows(x) {
        if model.risk_score(bad.view()).is_ok() {
            return Err(fail(
                "bad_input",
                format!("risk_score on input with {what} succeeded"),
            ));
        }
    }
    Ok(())
}

/// Every user's scores, as bits, for the determinism and save/load checks.
fn all_scores<R: Recommender + ?Sized>(
    model: &R,
    check: &'static str,
) -> std::result::Result<Vec<u32>, CheckFailure> {
    let mut out = Vec::with_capacity(model.n_users() * model.n_items());
    let mut scores = vec![0.0f32; model.n_items()];
    for u in 0..model.n_users() {
        model
            .score_user(u, &mut scores)
            .map_err(|e| fail(check, format!("user {u}: {e}")))?;
        out.extend(scores.iter().map(|s| s.to_bits()));
    }
    Ok(out)
}

/// Runs the recommender checks: `model` is fitted twice on `interactions`
/// (users × items, at least one interaction) and must give bit-identical
/// scores; `recommend_batch` equals `recommend` user by user; save → load
/// scores identically and a truncated file is an error; the fitted model
/// keeps its parameters; filters are honoured (seen items left out, only
/// allowed items, no denied item; `similar_items` never returns the item
/// itself); a new user given by a history is served without retraining and
/// without their own items; and bad input — unknown users and items, `k = 0`,
/// NaN or negative weights, out-of-catalogue filter items, an empty matrix —
/// is an `Err`, never a panic.
///
/// ```
/// use ua_analytics::recommend::ItemKnn;
/// use ua_analytics::testkit::check_recommender;
/// use ua_tensor::sparse::CsrMatrix;
/// let users: Vec<usize> = (0..12).map(|i| i / 3).collect();
/// let items: Vec<usize> = (0..12).map(|i| (i * 5) % 7).collect();
/// let x = CsrMatrix::from_triplets(4, 7, &users, &items, &vec![1.0f32; 12]).unwrap();
/// check_recommender(&ItemKnn::new(), &x).unwrap();
/// ```
pub fn check_recommender<M: RecommenderModel>(
    model: &M,
    interactions: &CsrMatrix<f32>,
) -> std::result::Result<(), CheckFailure> {
    assert_send_sync::<M::Fitted>();
    if interactions.nnz() == 0 {
        return Err(fail("setup", "the checks need at least one interaction"));
    }
    let fitted = model
        .fit(interactions)
        .map_err(|e| fail("fit", e.to_string()))?;
    let (n_users, n_items) = (fitted.n_users(), fitted.n_items());
    if (n_users, n_items) != interactions.shape() {
        return Err(fail(
            "fit",
            format!(
                "the model knows {n_users} users × {n_items} items, the matrix is {:?}",
                interactions.shape()
            ),
        ));
    }
    let scores = all_scores(&fitted, "score_user")?;
    let again = model
        .fit(interactions)
        .map_err(|e| fail("determinism", e.to_string()))?;
    if all_scores(&again, "determinism")? != scores {
        return Err(fail(
            "determinism",
            "two fits with the same parameters score differently",
        ));
    }
    if M::params_of(&fitted) != model.params() {
        return Err(fail(
            "params_retained",
            format!(
                "fitted with {:?}, kept {:?}",
                model.params(),
                M::params_of(&fitted)
            ),
        ));
    }
    let k = n_items.min(5);
    let users: Vec<usize> = (0..n_users).collect();
    let filter = Filter::exclude_seen();
    let batch = fitted
        .recommend_batch(&users, k, &filter)
        .map_err(|e| fail("batch_equals_users", e.to_string()))?;
    for (u, list) in batch.iter().enumerate() {
        let one = fitted
            .recommend(u, k, &filter)
            .map_err(|e| fail("batch_equals_users", format!("user {u}: {e}")))?;
        if &one != list {
            return Err(fail(
                "batch_equals_users",
                format!("user {u}: {list:?} in the batch, {one:?} alone"),
            ));
        }
        let seen = fitted
            .seen_items(u)
            .map_err(|e| fail("filter", e.to_string()))?;
        if let Some(&(i, _)) = list.iter().find(|(i, _)| seen.contains(&(*i as u32))) {
            return Err(fail("filter", format!("user {u} got their own item {i}")));
        }
    }
    let allowed: Vec<usize> = (0..n_items).step_by(2).collect();
    let denied = n_items / 2;
    let filter = Filter::none().allow(allowed.clone()).deny([denied]);
    for u in 0..n_users {
        let list = fitted
            .recommend(u, n_items, &filter)
            .map_err(|e| fail("filter", format!("user {u}: {e}")))?;
        if let Some(&(i, _)) = list.iter().find(|(i, _)| i % 2 == 1 || *i == denied) {
            return Err(fail(
                "filter",
                format!("user {u} got item {i}, outside the allow-list or denied"),
            ));
        }
        let expected = allowed.len() - usize::from(denied % 2 == 0);
        if list.len() != expected {
            return Err(fail(
                "filter",
                format!("user {u}: {} items, {expected} are allowed", list.len()),
            ));
        }
    }
    for i in 0..n_items {
        let similar = fitted
            .similar_items(i, k)
            .map_err(|e| fail("similar_items", format!("item {i}: {e}")))?;
        if similar.len() > k || similar.iter().any(|&(j, _)| j == i) {
            return Err(fail(
                "similar_items",
                format!("item {i}: {similar:?} (k = {k}, must not contain the item)"),
            ));
        }
    }
    let history: Vec<usize> = fitted
        .seen_items(0)
        .map_err(|e| fail("history", e.to_string()))?
        .iter()
        .map(|&i| i as usize)
        .collect();
    let for_history = fitted
        .recommend_history(&history, None, k, &Filter::exclude_seen())
        .map_err(|e| fail("history", e.to_string()))?;
    if let Some(&(i, _)) = for_history.iter().find(|(i, _)| history.contains(i)) {
        return Err(fail(
            "history",
            format!("a history got its own item {i} back"),
        ));
    }
    let json = fitted
        .to_json()
        .map_err(|e| fail("save_load", e.to_string()))?;
    let loaded = M::Fitted::from_json(&json).map_err(|e| fail("save_load", e.to_string()))?;
    if all_scores(&loaded, "save_load")? != scores {
        return Err(fail("save_load", "the loaded model scores differently"));
    }
    if M::Fitted::from_json(&json[..json.len() / 2]).is_ok() {
        return Err(fail("save_load", "half a saved file loaded"));
    }
    let bad_calls: [(&str, bool); 9] = [
        (
            "recommend to an unknown user",
            fitted.recommend(n_users, k, &Filter::none()).is_ok(),
        ),
        (
            "recommend with k = 0",
            fitted.recommend(0, 0, &Filter::none()).is_ok(),
        ),
        (
            "similar_items of an unknown item",
            fitted.similar_items(n_items, k).is_ok(),
        ),
        (
            "a history with an unknown item",
            fitted
                .recommend_history(&[n_items], None, k, &Filter::none())
                .is_ok(),
        ),
        (
            "a history with a NaN weight",
            fitted
                .recommend_history(&[0], Some(&[f32::NAN]), k, &Filter::none())
                .is_ok(),
        ),
        (
            "a filter with an unknown item",
            fitted
                .recommend(0, k, &Filter::none().deny([n_items]))
                .is_ok(),
        ),
        (
            "score pairs with an unknown item",
            fitted.score_pairs(&[(0, n_items)]).is_ok(),
        ),
        (
            "score pairs with an unknown user",
            fitted.score_pairs(&[(n_users, 0)]).is_ok(),
        ),
        (
            "scores into a buffer of the wrong length",
            fitted.score_user(0, &mut [0.0; 0]).is_ok() && n_items > 0,
        ),
    ];
    if let Some((what, _)) = bad_calls.iter().find(|(_, ok)| *ok) {
        return Err(fail("bad_input", format!("{what} succeeded")));
    }
    let (rows, cols) = interactions.shape();
    let mut bad_fits = vec![(
        "an empty matrix",
        CsrMatrix::<f32>::zeros(rows, cols).map_err(|e| fail("setup", e.to_string()))?,
    )];
    for (what, value) in [("a NaN weight", f32::NAN), ("a negative weight", -1.0)] {
        let mut data = interactions.data().to_vec();
        data[0] = value;
        let bad = CsrMatrix::from_parts(
            rows,
            cols,
            interactions.indptr().to_vec(),
            interactions.indices().to_vec(),
            data,
        )
        .map_err(|e| fail("setup", e.to_string()))?;
        bad_fits.push((what, bad));
    }
    for (what, bad) in bad_fits {
        if model.fit(&bad).is_ok() {
            return Err(fail("bad_input", format!("fit on {what} succeeded")));
        }
    }
    Ok(())
}
