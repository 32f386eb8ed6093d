//! Model selection over any model: [`evaluate`] a fitted [`Predictor`],
//! [`cross_validate`] any [`Classifier`] with stratified k-fold,
//! [`grid_search`] a set of candidate parameters, and
//! [`permutation_importance`] of any fitted model's input columns.
//!
//! Each tool takes any implementation of the traits, on a feature matrix
//! (`Array2<f32>`) or on a table through a [`Pipeline`](crate::pipeline::Pipeline)
//! — the preprocessing is then fitted inside each training fold, never on
//! the rows it is evaluated on.
//!
//! Folds are fitted in parallel (rayon) and the results are identical for
//! any number of threads: each fold's fit depends only on its rows and the
//! classifier's own seed.
//!
//! ```
//! use ndarray::Array2;
//! use ua_analytics::prediction::LogisticRegression;
//! use ua_analytics::selection::{Metric, cross_validate, grid_search};
//!
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 13) % 23) as f32 / 11.0 - 1.0);
//! let y: Vec<u8> = x.rows().into_iter().map(|r| u8::from(r[0] + 0.5 * r[1] > 0.0)).collect();
//!
//! let cv = cross_validate(&LogisticRegression::new(), &x, &y, 5, 42).unwrap();
//! assert_eq!(cv.folds.len(), 5);
//! assert!(cv.roc_auc.mean > 0.95);
//!
//! let grid = [0.01, 1.0, 100.0].map(|c| LogisticRegression::new().c(c));
//! let search = grid_search(&grid, &x, &y, 5, 42, Metric::RocAuc).unwrap();
//! assert_eq!(search.results.len(), 3);
//! assert!(search.best().cv.roc_auc.mean >= search.results[0].cv.roc_auc.mean);
//! ```

use std::time::Instant;

use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ua_data::split::StratifiedKFold;
use ua_tensor::init::seeded_rng;

use crate::error::parameter;
use crate::metrics::ClassificationReport;
use crate::{Classifier, Dataset, Error, Predictor, Result};

/// The decision threshold of the hard predictions in reports made here.
pub const THRESHOLD: f32 = 0.5;

/// A metric to select or rank models by.
///
/// ```
/// use ua_analytics::metrics::ClassificationReport;
/// use ua_analytics::selection::Metric;
/// let r = ClassificationReport::compute(&[0u8, 1, 1], &[0.2f32, 0.9, 0.4], 0.5).unwrap();
/// assert_eq!(Metric::RocAuc.of(&r), Some(1.0));
/// assert!(Metric::RocAuc.greater_is_better() && !Metric::LogLoss.greater_is_better());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Metric {
    /// Area under the ROC curve.
    RocAuc,
    /// Average precision (area under the precision–recall curve).
    PrAuc,
    /// Mean log-loss (lower is better).
    LogLoss,
    /// Brier score (lower is better).
    Brier,
    /// F1 at [`THRESHOLD`].
    F1,
    /// Accuracy at [`THRESHOLD`].
    Accuracy,
}

impl Metric {
    /// The metric's value in a report (`None`: undefined, e.g. AUC with one
    /// class, or F1 with no positive labels and none predicted).
    pub fn of(self, r: &ClassificationReport) -> Option<f64> {
        match self {
            Metric::RocAuc => r.roc_auc,
            Metric::PrAuc => r.pr_auc,
            Metric::LogLoss => Some(r.log_loss),
            Metric::Brier => Some(r.brier),
            Metric::F1 => r.f1,
            Metric::Accuracy => Some(r.accuracy),
        }
    }

    /// True when a larger value is a better model.
    pub fn greater_is_better(self) -> bool {
        !matches!(self, Metric::LogLoss | Metric::Brier)
    }

    /// `value` oriented so that higher is better (negated for losses).
    fn oriented(self, value: f64) -> f64 {
        if self.greater_is_better() {
            value
        } else {
            -value
        }
    }

    /// The metric of a report, oriented so that higher is better.
    fn score(self, r: &ClassificationReport) -> Option<f64> {
        self.of(r).map(|v| self.oriented(v))
    }
}

/// Evaluates a fitted model on held-out inputs `x` with labels `y`.
///
/// ```
/// use ndarray::array;
/// use ua_analytics::prediction::LogisticRegression;
/// use ua_analytics::selection::evaluate;
/// let x = array![[0.0f32], [1.0], [2.0], [3.0]];
/// let model = LogisticRegression::new().fit(x.view(), &[0, 0, 1, 1]).unwrap();
/// let report = evaluate(&model, x.view(), &[0, 0, 1, 1]).unwrap();
/// assert_eq!((report.accuracy, report.roc_auc), (1.0, Some(1.0)));
/// assert!(evaluate(&model, x.view(), &[0, 1]).is_err()); // one label per row
/// ```
pub fn evaluate<X, M: Predictor<X> + ?Sized>(
    model: &M,
    x: X,
    y: &[u8],
) -> Result<ClassificationReport> {
    let p = model.predict_proba(x)?;
    if p.len() != y.len() {
        return Err(Error::ShapeMismatch {
            op: "evaluate",
            expected: format!("{} labels (one per row)", p.len()),
            found: format!("{} labels", y.len()),
        });
    }
    ClassificationReport::compute(y, &p, THRESHOLD)
}

/// Mean and (population) standard deviation of a metric over the folds
/// where it is defined, with the count of folds where it is not.
///
/// A fold's metric can be undefined (e.g. F1 when a fold has no positive
/// label and nothing is predicted positive); such folds are left out of the
/// mean and counted in `undefined`, never averaged in as 0. When no fold
/// has a value, `mean` and `std` are NaN (serde writes `null`) and
/// `Display` prints `undefined in all N folds`.
///
/// ```
/// use ua_analytics::selection::MeanStd;
/// let m = MeanStd::of([Some(0.5), None, Some(1.0)]);
/// assert_eq!((m.mean, m.std, m.n, m.undefined), (0.75, 0.25, 2, 1));
/// assert_eq!(m.to_string(), "0.7500 ± 0.2500 (undefined in 1 of 3 folds)");
/// assert_eq!(MeanStd::of([None, None]).to_string(), "undefined in all 2 folds");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Mean over the folds where the metric is defined (NaN if none is).
    pub mean: f64,
    /// Standard deviation over those folds (NaN if none is).
    pub std: f64,
    /// Folds where it is defined.
    pub n: usize,
    /// Folds where it is undefined (left out of `mean` and `std`).
    #[serde(default)]
    pub undefined: usize,
}

impl MeanStd {
    /// Summary of per-fold values, `None` for a fold where the metric is
    /// undefined.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> MeanStd {
        let mut undefined = 0;
        let v: Vec<f64> = values
            .into_iter()
            .filter_map(|x| {
                undefined += usize::from(x.is_none());
                x
            })
            .collect();
        if v.is_empty() {
            return MeanStd {
                mean: f64::NAN,
                std: f64::NAN,
                n: 0,
                undefined,
            };
        }
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        MeanStd {
            mean,
            std: var.sqrt(),
            n: v.len(),
            undefined,
        }
    }

    /// The mean, `None` when the metric is undefined in every fold.
    ///
    /// ```
    /// use ua_analytics::selection::MeanStd;
    /// assert_eq!(MeanStd::of([Some(1.0), None]).mean(), Some(1.0));
    /// assert_eq!(MeanStd::of([None]).mean(), None);
    /// ```
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }
}

impl std::fmt::Display for MeanStd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total = self.n + self.undefined;
        if self.n == 0 {
            return write!(f, "undefined in all {total} folds");
        }
        write!(f, "{:.4} ± {:.4}", self.mean, self.std)?;
        if self.undefined > 0 {
            write!(f, " (undefined in {} of {total} folds)", self.undefined)?;
        }
        Ok(())
    }
}

/// One fold of a cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Training rows of the fold.
    pub train_rows: usize,
    /// Held-out rows of the fold.
    pub test_rows: usize,
    /// Metrics on the held-out rows.
    pub report: ClassificationReport,
    /// Wall-clock seconds of the fit.
    pub fit_seconds: f64,
}

/// Per-fold metrics of a cross-validation and their mean ± std.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// Each fold, in fold order.
    pub folds: Vec<FoldResult>,
    /// ROC-AUC over the folds.
    pub roc_auc: MeanStd,
    /// Average precision over the folds.
    pub pr_auc: MeanStd,
    /// Log-loss over the folds.
    pub log_loss: MeanStd,
    /// Brier score over the folds.
    pub brier: MeanStd,
    /// F1 at [`THRESHOLD`] over the folds.
    pub f1: MeanStd,
    /// Accuracy at [`THRESHOLD`] over the folds.
    pub accuracy: MeanStd,
}

impl CvReport {
    fn new(folds: Vec<FoldResult>) -> CvReport {
        let over = |m: Metric| MeanStd::of(folds.iter().map(|f| m.of(&f.report)));
        CvReport {
            roc_auc: over(Metric::RocAuc),
            pr_auc: over(Metric::PrAuc),
            log_loss: over(Metric::LogLoss),
            brier: over(Metric::Brier),
            f1: over(Metric::F1),
            accuracy: over(Metric::Accuracy),
            folds,
        }
    }

    /// The summary of `metric` over the folds.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use ua_analytics::prediction::LogisticRegression;
    /// use ua_analytics::selection::{Metric, cross_validate};
    /// let x = Array2::from_shape_fn((60, 1), |(i, _)| i as f32);
    /// let y: Vec<u8> = (0..60).map(|i| u8::from(i % 3 == 0)).collect();
    /// let cv = cross_validate(&LogisticRegression::new(), &x, &y, 3, 1).unwrap();
    /// assert_eq!(cv.metric(Metric::F1), cv.f1);
    /// ```
    pub fn metric(&self, metric: Metric) -> MeanStd {
        match metric {
            Metric::RocAuc => self.roc_auc,
            Metric::PrAuc => self.pr_auc,
            Metric::LogLoss => self.log_loss,
            Metric::Brier => self.brier,
            Metric::F1 => self.f1,
            Metric::Accuracy => self.accuracy,
        }
    }
}

impl std::fmt::Display for CvReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} folds: roc_auc {}  pr_auc {}  log_loss {}  f1 {}  accuracy {}",
            self.folds.len(),
            self.roc_auc,
            self.pr_auc,
            self.log_loss,
            self.f1,
            self.accuracy
        )
    }
}

fn check_labels(op: &'static str, n_rows: usize, y: &[u8]) -> Result<()> {
    if y.len() != n_rows {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("{n_rows} labels (one per row)"),
            found: format!("{} labels", y.len()),
        });
    }
    if let Some(i) = y.iter().position(|&v| v > 1) {
        return Err(Error::InvalidArgument {
            op,
            message: format!("label at row {i} is {}; labels must be 0 or 1", y[i]),
        });
    }
    Ok(())
}

/// Stratified k-fold cross-validation of any classifier: for each of the
/// `folds` folds (rows shuffled with `seed`, each class dealt evenly), the
/// classifier — preprocessing included when it is a pipeline — is fitted on
/// the other folds and evaluated on this one.
///
/// Errors: `folds < 2`, more folds than rows of the rarer class (a fold
/// would have no positive), labels not 0/1 or not one per row, and any
/// error of fitting or scoring a fold.
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::prediction::LogisticRegression;
/// use ua_analytics::selection::cross_validate;
/// let x = Array2::from_shape_fn((10, 1), |(i, _)| i as f32);
/// let y = [0u8, 0, 0, 0, 0, 0, 0, 0, 1, 1];
/// let err = cross_validate(&LogisticRegression::new(), &x, &y, 3, 0).unwrap_err();
/// assert!(err.to_string().contains("folds"), "{err}");
/// ```
pub fn cross_validate<D: Dataset, C: Classifier<D>>(
    classifier: &C,
    data: &D,
    y: &[u8],
    folds: usize,
    seed: u64,
) -> Result<CvReport> {
    const OP: &str = "cross_validate";
    check_labels(OP, data.n_rows(), y)?;
    if folds < 2 {
        return Err(parameter(OP, "folds", format!("must be ≥ 2, got {folds}")));
    }
    let positives = y.iter().filter(|&&v| v == 1).count();
    let rarer = positives.min(y.len() - positives);
    if folds > rarer {
        return Err(parameter(
            OP,
            "folds",
            format!(
                "{folds} folds need at least {folds} rows of each class, the rarer class has {rarer}"
            ),
        ));
    }
    let splits = StratifiedKFold {
        k: folds,
        shuffle: true,
        seed,
    }
    .split(y)?;
    let results = splits
        .par_iter()
        .map(|(train, test)| {
            let x_train = data.select_rows(train)?;
            let x_test = data.select_rows(test)?;
            let y_train: Vec<u8> = train.iter().map(|&i| y[i]).collect();
            let y_test: Vec<u8> = test.iter().map(|&i| y[i]).collect();
            let start = Instant::now();
            let fitted = classifier.fit(x_train.view(), &y_train)?;
            let fit_seconds = start.elapsed().as_secs_f64();
            let report = evaluate(&fitted, x_test.view(), &y_test)?;
            Ok(FoldResult {
                train_rows: train.len(),
                test_rows: test.len(),
                report,
                fit_seconds,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CvReport::new(results))
}

/// One candidate of a [`grid_search`] and its cross-validation.
#[derive(Debug, Clone)]
pub struct Candidate<C> {
    /// The parameters.
    pub params: C,
    /// Their cross-validated metrics.
    pub cv: CvReport,
}

/// The result of a [`grid_search`]: every candidate in the order given,
/// the index of the best, and the best refitted on all rows.
#[derive(Debug)]
pub struct GridSearch<C, F> {
    /// Each candidate with its cross-validation, in the order given.
    pub results: Vec<Candidate<C>>,
    /// Index of the best candidate in `results`.
    pub best_index: usize,
    /// The metric the candidates were ranked by.
    pub metric: Metric,
    /// The best candidate fitted on every row.
    pub best_model: F,
}

impl<C, F> GridSearch<C, F> {
    /// The best candidate.
    pub fn best(&self) -> &Candidate<C> {
        &self.results[self.best_index]
    }
}

/// Cross-validates every candidate (same folds for all), picks the one with
/// the best mean `metric` (ties: the earlier candidate; a candidate whose
/// metric is undefined in every fold ranks last) and refits it on all rows.
///
/// Errors: no candidate, and every error of [`cross_validate`].
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::prediction::LogisticRegression;
/// use ua_analytics::selection::{Metric, grid_search};
/// let x = Array2::from_shape_fn((100, 1), |(i, _)| (i % 10) as f32);
/// let y: Vec<u8> = (0..100).map(|i| u8::from(i % 10 >= 5)).collect();
/// let grid = [1e-4, 1.0].map(|c| LogisticRegression::new().c(c));
/// let s = grid_search(&grid, &x, &y, 4, 7, Metric::LogLoss).unwrap();
/// assert_eq!(s.best().params.c, 1.0); // barely regularised fits the clean rule best
/// assert_eq!(s.best_model.params().c, 1.0);
/// ```
pub fn grid_search<D: Dataset, C: Classifier<D>>(
    candidates: &[C],
    data: &D,
    y: &[u8],
    folds: usize,
    seed: u64,
    metric: Metric,
) -> Result<GridSearch<C, C::Fitted>> {
    const OP: &str = "grid_search";
    if candidates.is_empty() {
        return Err(parameter(OP, "candidates", "the grid is empty"));
    }
    let mut results = Vec::with_capacity(candidates.len());
    for c in candidates {
        results.push(Candidate {
            params: c.clone(),
            cv: cross_validate(c, data, y, folds, seed)?,
        });
    }
    let value = |c: &Candidate<C>| {
        let m = c.cv.metric(metric);
        if m.n == 0 {
            f64::NEG_INFINITY
        } else {
            metric.oriented(m.mean)
        }
    };
    let mut best_index = 0;
    for (i, c) in results.iter().enumerate().skip(1) {
        if value(c) > value(&results[best_index]) {
            best_index = i;
        }
    }
    let best_model = results[best_index].params.fit(data.view(), y)?;
    Ok(GridSearch {
        results,
        best_index,
        metric,
        best_model,
    })
}

/// The importance of one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnImportance {
    /// The input column that was shuffled.
    pub column: String,
    /// Mean decrease of the metric over the repeats (oriented so that a
    /// positive drop means the column helps, also for losses; can be
    /// slightly negative for a column that does not matter).
    pub mean_drop: f64,
    /// Standard deviation of the decrease over the repeats.
    pub std_drop: f64,
    /// The metric on the unshuffled data.
    pub baseline: f64,
}

/// Permutation importance of every input column of `data` (labels `y`) for
/// a fitted `model` (the data come first so that the compiler knows the
/// input type before it checks the model): for each column, `n_repeats` seeded shuffles of that column
/// alone, each re-scored; the drop of `metric` from the unshuffled score is
/// averaged. For a pipeline on a table the raw columns are shuffled, so a
/// column counts through every feature derived from it. Sorted by mean
/// drop, largest first (ties by column name).
///
/// Errors: `n_repeats == 0`, labels not 0/1 or not one per row, a metric
/// undefined on `y` (e.g. AUC with one class), and scoring errors.
///
/// ```
/// use ndarray::Array2;
/// use ua_analytics::prediction::LogisticRegression;
/// use ua_analytics::selection::{Metric, permutation_importance};
/// let x = Array2::from_shape_fn((300, 2), |(i, j)| ((i * (37 + 16 * j)) % 101) as f32 / 50.0 - 1.0);
/// let y: Vec<u8> = x.column(0).iter().map(|&v| u8::from(v > 0.0)).collect();
/// let model = LogisticRegression::new().fit(x.view(), &y).unwrap();
/// let imp = permutation_importance(&x, &y, &model, Metric::RocAuc, 3, 42).unwrap();
/// assert_eq!(imp[0].column, "x0");
/// assert!(imp[0].mean_drop > 0.3 && imp[1].mean_drop.abs() < 0.05);
/// ```
pub fn permutation_importance<D, M>(
    data: &D,
    y: &[u8],
    model: &M,
    metric: Metric,
    n_repeats: usize,
    seed: u64,
) -> Result<Vec<ColumnImportance>>
where
    D: Dataset + Clone,
    M: for<'a> Predictor<D::View<'a>> + ?Sized,
{
    const OP: &str = "permutation_importance";
    if n_repeats == 0 {
        return Err(parameter(OP, "n_repeats", "must be ≥ 1"));
    }
    check_labels(OP, data.n_rows(), y)?;
    let value = |d: &D| -> Result<f64> {
        let report = evaluate(model, d.view(), y)?;
        metric.score(&report).ok_or_else(|| Error::Undefined {
            op: OP,
            message: format!("{metric:?} is undefined on these labels (one class only?)"),
        })
    };
    let baseline = value(data)?;
    let mut rng = seeded_rng(seed);
    let n = data.n_rows();
    let mut order: Vec<usize> = (0..n).collect();
    let mut inverse = vec![0; n];
    // One working copy: each shuffle is undone by its inverse permutation.
    let mut work = data.clone();
    let mut out = Vec::with_capacity(data.n_columns());
    for j in 0..data.n_columns() {
        let mut drops = Vec::with_capacity(n_repeats);
        for _ in 0..n_repeats {
            order.shuffle(&mut rng);
            for (i, &o) in order.iter().enumerate() {
                inverse[o] = i;
            }
            work.permute_column(j, &order)?;
            let shuffled = value(&work);
            work.permute_column(j, &inverse)?;
            drops.push(baseline - shuffled?);
        }
        let summary = MeanStd::of(drops.into_iter().map(Some));
        out.push(ColumnImportance {
            column: data.column_name(j),
            mean_drop: summary.mean,
            std_drop: summary.std,
            baseline: metric.oriented(baseline),
        });
    }
    out.sort_by(|a, b| {
        b.mean_drop
            .total_cmp(&a.mean_drop)
            .then_with(|| a.column.cmp(&b.column))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prediction::LogisticRegression;
    use ndarray::Array2;

    /// A clean linear rule on two columns (the module example's data).
    fn linear() -> (Array2<f32>, Vec<u8>) {
        let x = Array2::from_shape_fn((200, 2), |(i, j)| {
            ((i * 7 + j * 13) % 23) as f32 / 11.0 - 1.0
        });
        let y = x
            .rows()
            .into_iter()
            .map(|r| u8::from(r[0] + 0.5 * r[1] > 0.0))
            .collect();
        (x, y)
    }

    #[test]
    fn metrics_read_their_field_and_losses_are_negated_to_rank() {
        let r =
            ClassificationReport::compute(&[0u8, 1, 1, 0], &[0.2f32, 0.9, 0.4, 0.6], 0.5).unwrap();
        assert_eq!(r.roc_auc, Some(0.75));
        let fields = [
            (Metric::RocAuc, r.roc_auc, true),
            (Metric::PrAuc, r.pr_auc, true),
            (Metric::LogLoss, Some(r.log_loss), false),
            (Metric::Brier, Some(r.brier), false),
            (Metric::F1, r.f1, true),
            (Metric::Accuracy, Some(r.accuracy), true),
        ];
        for (metric, value, greater) in fields {
            let v = value.unwrap();
            assert_eq!(metric.of(&r), Some(v), "{metric:?}");
            assert_eq!(metric.greater_is_better(), greater, "{metric:?}");
            let oriented = if greater { v } else { -v };
            assert_eq!(metric.oriented(v), oriented, "{metric:?}");
            assert_eq!(metric.score(&r), Some(oriented), "{metric:?}");
        }
        // Undefined stays undefined: AUC with one class.
        let one = ClassificationReport::compute(&[1u8, 1], &[0.2f32, 0.9], 0.5).unwrap();
        assert_eq!(
            (Metric::RocAuc.of(&one), Metric::RocAuc.score(&one)),
            (None, None)
        );
    }

    #[test]
    fn evaluate_is_the_report_of_the_models_probabilities() {
        let (x, y) = linear();
        let model = LogisticRegression::new().fit(x.view(), &y).unwrap();
        let p = model.predict_proba(x.view()).unwrap();
        let want = ClassificationReport::compute(&y, &p, THRESHOLD).unwrap();
        assert_eq!(evaluate(&model, x.view(), &y).unwrap(), want);
        let e = evaluate(&model, x.view(), &y[..199])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("200 labels (one per row)") && e.contains("199 labels"),
            "{e}"
        );
    }

    #[test]
    fn mean_and_std_over_defined_folds_and_how_they_print() {
        let m = MeanStd::of([Some(0.5), None, Some(1.0), None]);
        assert_eq!((m.mean, m.std, m.n, m.undefined), (0.75, 0.25, 2, 2));
        assert_eq!(m.mean(), Some(0.75));
        assert_eq!(m.to_string(), "0.7500 ± 0.2500 (undefined in 2 of 4 folds)");
        // Three values: mean 2, population variance (1 + 0 + 1) / 3.
        let m = MeanStd::of([Some(1.0), Some(2.0), Some(3.0)]);
        assert_eq!((m.mean, m.n, m.undefined), (2.0, 3, 0));
        assert!((m.std - (2.0f64 / 3.0).sqrt()).abs() < 1e-15, "{}", m.std);
        assert_eq!(m.to_string(), "2.0000 ± 0.8165");
        let one = MeanStd::of([Some(0.25)]);
        assert_eq!((one.mean(), one.std), (Some(0.25), 0.0));
        let none = MeanStd::of([None, None, None]);
        assert_eq!((none.n, none.undefined, none.mean()), (0, 3, None));
        assert!(none.mean.is_nan() && none.std.is_nan());
        assert_eq!(none.to_string(), "undefined in all 3 folds");
    }

    #[test]
    fn cross_validation_reports_every_fold_and_their_mean() {
        let (x, y) = linear();
        let cv = cross_validate(&LogisticRegression::new(), &x, &y, 4, 42).unwrap();
        assert_eq!(cv.folds.len(), 4);
        assert_eq!(cv.folds.iter().map(|f| f.test_rows).sum::<usize>(), 200);
        for f in &cv.folds {
            assert_eq!(f.train_rows + f.test_rows, 200);
            assert_eq!(f.report.n, f.test_rows as u64);
        }
        let over = |m: Metric| MeanStd::of(cv.folds.iter().map(|f| m.of(&f.report)));
        for m in [
            Metric::RocAuc,
            Metric::PrAuc,
            Metric::LogLoss,
            Metric::Brier,
            Metric::F1,
            Metric::Accuracy,
        ] {
            assert_eq!(cv.metric(m), over(m), "{m:?}");
        }
        assert!(cv.roc_auc.mean > 0.95, "{}", cv.roc_auc);
        let again = cross_validate(&LogisticRegression::new(), &x, &y, 4, 42).unwrap();
        assert_eq!((again.roc_auc, again.log_loss), (cv.roc_auc, cv.log_loss));
        let s = cv.to_string();
        assert!(
            s.starts_with("4 folds: roc_auc ")
                && s.contains(&format!("log_loss {}", cv.log_loss))
                && s.contains(&format!("accuracy {}", cv.accuracy)),
            "{s}"
        );
    }

    #[test]
    fn fold_counts_and_labels_are_checked() {
        let lr = LogisticRegression::new();
        let x = Array2::from_shape_fn((10, 1), |(i, _)| i as f32);
        // 3 zeros and 7 ones: the rarer class is 0.
        let y = [0u8, 1, 1, 0, 1, 1, 1, 0, 1, 1];
        for folds in [0, 1] {
            let e = cross_validate(&lr, &x, &y, folds, 0)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("folds") && e.contains(&format!("must be ≥ 2, got {folds}")),
                "{e}"
            );
        }
        let e = cross_validate(&lr, &x, &y, 4, 0).unwrap_err().to_string();
        assert!(
            e.contains("4 folds need at least 4 rows of each class, the rarer class has 3"),
            "{e}"
        );
        // As many folds as rows of the rarer class, and 2 folds, are fine.
        assert_eq!(cross_validate(&lr, &x, &y, 3, 0).unwrap().folds.len(), 3);
        assert_eq!(cross_validate(&lr, &x, &y, 2, 0).unwrap().folds.len(), 2);
        let e = cross_validate(&lr, &x, &y[..9], 2, 0)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("10 labels (one per row)") && e.contains("9 labels"),
            "{e}"
        );
        let mut bad = y;
        bad[4] = 2;
        let e = cross_validate(&lr, &x, &bad, 2, 0).unwrap_err().to_string();
        assert!(
            e.contains("label at row 4 is 2; labels must be 0 or 1"),
            "{e}"
        );
    }

    #[test]
    fn grid_search_picks_the_best_mean_and_the_first_of_equals() {
        let x = Array2::from_shape_fn((100, 1), |(i, _)| (i % 10) as f32);
        let y: Vec<u8> = (0..100).map(|i| u8::from(i % 10 >= 5)).collect();
        // A log-loss is lower for the barely regularised model; the third
        // candidate equals the first.
        let grid = [1e-4, 1.0, 1e-4].map(|c| LogisticRegression::new().c(c));
        let s = grid_search(&grid, &x, &y, 4, 7, Metric::LogLoss).unwrap();
        assert_eq!((s.best_index, s.metric), (1, Metric::LogLoss));
        assert_eq!(s.best().params.c, 1.0);
        assert!(s.results[1].cv.log_loss.mean < s.results[0].cv.log_loss.mean);
        assert_eq!(s.results[0].cv.log_loss, s.results[2].cv.log_loss);
        assert_eq!(s.results.len(), 3);
        // The best refitted on every row.
        let refit = grid[1].fit(x.view(), &y).unwrap();
        assert_eq!(
            s.best_model.predict_proba(x.view()).unwrap(),
            refit.predict_proba(x.view()).unwrap()
        );
        // Equal candidates: the first one wins.
        let twins = [1.0, 1.0].map(|c| LogisticRegression::new().c(c));
        let t = grid_search(&twins, &x, &y, 4, 7, Metric::RocAuc).unwrap();
        assert_eq!(t.best_index, 0);
        let e = grid_search::<Array2<f32>, LogisticRegression>(&[], &x, &y, 4, 7, Metric::RocAuc)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("candidates") && e.contains("the grid is empty"),
            "{e}"
        );
    }

    #[test]
    fn permutation_importance_drops_for_the_driver_only_also_for_losses() {
        let x = Array2::from_shape_fn((300, 2), |(i, j)| {
            ((i * (37 + 16 * j)) % 101) as f32 / 50.0 - 1.0
        });
        let y: Vec<u8> = x.column(0).iter().map(|&v| u8::from(v > 0.0)).collect();
        let model = LogisticRegression::new().fit(x.view(), &y).unwrap();
        let report = evaluate(&model, x.view(), &y).unwrap();
        for metric in [Metric::RocAuc, Metric::LogLoss] {
            let imp = permutation_importance(&x, &y, &model, metric, 3, 42).unwrap();
            let names: Vec<&str> = imp.iter().map(|c| c.column.as_str()).collect();
            assert_eq!(names, ["x0", "x1"], "{metric:?}");
            assert!(imp[0].mean_drop > 0.1, "{metric:?}: {imp:?}");
            assert!(imp[1].mean_drop.abs() < 0.05, "{metric:?}: {imp:?}");
            for c in &imp {
                assert_eq!(c.baseline, metric.of(&report).unwrap(), "{metric:?}");
            }
        }
        let e = permutation_importance(&x, &y, &model, Metric::RocAuc, 0, 42)
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_repeats") && e.contains("must be ≥ 1"), "{e}");
    }
}
