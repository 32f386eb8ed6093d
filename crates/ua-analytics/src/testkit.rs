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
//! batch = one-by-one, save/load, segments below `n_segments`, bad input.
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

use crate::{Classifier, Dataset, Predictor, Result, Segmenter};

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
