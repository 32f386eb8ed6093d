//! Hold-out evaluation of a propensity model: split a table into training
//! and test rows (stratified and seeded, or a given list of test rows), fit
//! the [`PropensityConfig`] on the training rows only — the preprocessing
//! pipeline included — and measure the model on the test rows.
//!
//! The result, [`Evaluation`], is a flat, serialisable record of the figures
//! people compare models by (accuracy, precision, recall and F1 at 0.5,
//! ROC-AUC, average precision, log-loss, fitting time); the full
//! [`ClassificationReport`] with its confusion matrix comes alongside.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use ua_data::Table;
use ua_data::split::TrainTestSplit;

use super::{FittedPropensityModel, ModelKind, PropensityConfig, invalid};
use crate::Result;
use crate::metrics::ClassificationReport;

/// The decision threshold of the hard predictions in an [`Evaluation`].
pub const THRESHOLD: f32 = 0.5;

/// Which rows are held out for testing.
///
/// ```
/// use ua_analytics::prediction::evaluate::Holdout;
/// let (train, test) = Holdout::TestRows(vec![3, 0]).split(&[0, 1, 0, 1, 1]).unwrap();
/// assert_eq!((train, test), (vec![1, 2, 4], vec![3, 0]));
/// let (train, test) = Holdout::stratified(0.2, 42).split(&[0, 0, 0, 0, 1, 1, 1, 1, 1, 1]).unwrap();
/// assert_eq!((train.len(), test.len()), (8, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holdout {
    /// A shuffled split that keeps each class's share in both sets
    /// ([`TrainTestSplit::split_stratified`]); `ceil(test_fraction · n)` test rows.
    Stratified {
        /// Share of the rows held out, strictly between 0 and 1.
        test_fraction: f64,
        /// Seed of the shuffle.
        seed: u64,
    },
    /// These 0-based rows are the test set; every other row trains.
    TestRows(Vec<usize>),
}

impl Evaluation {
    /// The test metrics and the confusion matrix as readable text (the
    /// `report` is the one computed with this evaluation).
    ///
    /// ```
    /// use ua_analytics::metrics::ClassificationReport;
    /// use ua_analytics::prediction::evaluate::Evaluation;
    /// let report = ClassificationReport::compute(&[0u8, 1, 1, 0], &[0.2f32, 0.9, 0.6, 0.4], 0.5).unwrap();
    /// let e = Evaluation {
    ///     model: "logistic".into(), train_rows: 10, test_rows: 4, n_features: 2,
    ///     accuracy: report.accuracy, precision: report.precision, recall: report.recall, f1: report.f1,
    ///     roc_auc: report.roc_auc, pr_auc: report.pr_auc, log_loss: report.log_loss, fit_seconds: 0.01,
    /// };
    /// let text = e.metrics_text(&report);
    /// assert!(text.contains("accuracy 1.0000") && text.contains("confusion matrix"));
    /// ```
    pub fn metrics_text(&self, report: &ClassificationReport) -> String {
        let opt = |v: Option<f64>| {
            v.map_or_else(|| "undefined (one class)".to_owned(), |v| format!("{v:.4}"))
        };
        format!(
            "test metrics (threshold {THRESHOLD}):\n  accuracy {:.4}  precision {:.4}  recall {:.4}  f1 {:.4}\n  \
             roc_auc {}  pr_auc {}  log_loss {:.4}  brier {:.4}\n\n\
             confusion matrix (rows: actual, columns: predicted):\n{}",
            self.accuracy,
            self.precision,
            self.recall,
            self.f1,
            opt(self.roc_auc),
            opt(self.pr_auc),
            self.log_loss,
            report.brier,
            report.confusion
        )
    }
}

impl Holdout {
    /// A stratified split holding out `test_fraction` of the rows.
    ///
    /// ```
    /// use ua_analytics::prediction::evaluate::Holdout;
    /// assert_eq!(Holdout::stratified(0.2, 7), Holdout::Stratified { test_fraction: 0.2, seed: 7 });
    /// ```
    pub fn stratified(test_fraction: f64, seed: u64) -> Self {
        Holdout::Stratified {
            test_fraction,
            seed,
        }
    }

    /// Splits the rows of a table with 0/1 `labels` (one per row) into
    /// (train, test) row indices. With [`Holdout::TestRows`] the training
    /// rows are the others in ascending order and the test rows keep the
    /// given order.
    ///
    /// Errors: a bad test fraction or too few rows for both sets; a test
    /// row out of range or listed twice (naming its position in the list and
    /// its value); a list that leaves no training or no test row.
    ///
    /// ```
    /// use ua_analytics::prediction::evaluate::Holdout;
    /// let err = Holdout::TestRows(vec![0, 9]).split(&[0, 1, 1]).unwrap_err();
    /// assert!(err.to_string().contains("test row #1 is 9"), "{err}");
    /// ```
    pub fn split(&self, labels: &[u8]) -> Result<(Vec<usize>, Vec<usize>)> {
        const OP: &str = "Holdout::split";
        let n = labels.len();
        match self {
            Holdout::Stratified {
                test_fraction,
                seed,
            } => Ok(TrainTestSplit {
                test_fraction: *test_fraction,
                shuffle: true,
                seed: *seed,
            }
            .split_stratified(labels)?),
            Holdout::TestRows(rows) => {
                let mut is_test = vec![false; n];
                for (k, &r) in rows.iter().enumerate() {
                    match is_test.get_mut(r) {
                        None => {
                            return Err(invalid(
                                OP,
                                format!(
                                    "test row #{k} is {r}, out of range: the table has {n} rows (0..{n})"
                                ),
                            ));
                        }
                        Some(true) => {
                            return Err(invalid(
                                OP,
                                format!("test row #{k} is {r}, which is listed twice"),
                            ));
                        }
                        Some(flag) => *flag = true,
                    }
                }
                if rows.is_empty() || rows.len() == n {
                    return Err(invalid(
                        OP,
                        format!(
                            "{} of {n} rows are test rows; both the training and the test set must be non-empty",
                            rows.len()
                        ),
                    ));
                }
                let train = (0..n).filter(|&i| !is_test[i]).collect();
                Ok((train, rows.clone()))
            }
        }
    }
}

/// The figures of one hold-out evaluation, flat and serialisable (the
/// `--json` output of the `predict` and `repeat_purchase` examples).
/// Threshold-dependent figures are at [`THRESHOLD`].
///
/// ```
/// use ua_analytics::prediction::evaluate::Evaluation;
/// let e = Evaluation { model: "logistic".into(), train_rows: 80, test_rows: 20, n_features: 3,
///     accuracy: 0.9, precision: 0.8, recall: 0.7, f1: 0.75, roc_auc: Some(0.93),
///     pr_auc: Some(0.81), log_loss: 0.3, fit_seconds: 0.01 };
/// let json = serde_json::to_value(&e).unwrap();
/// assert_eq!(json["roc_auc"], 0.93);
/// assert_eq!(json.as_object().unwrap().len(), 12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// `"logistic"` or `"mlp"`.
    pub model: String,
    /// Rows the model was fitted on.
    pub train_rows: usize,
    /// Rows it was evaluated on.
    pub test_rows: usize,
    /// Features after preprocessing.
    pub n_features: usize,
    /// Accuracy of the test rows.
    pub accuracy: f64,
    /// Precision of the test rows.
    pub precision: f64,
    /// Recall of the test rows.
    pub recall: f64,
    /// F1 of the test rows.
    pub f1: f64,
    /// ROC-AUC of the test rows; `None` when they hold one class only.
    pub roc_auc: Option<f64>,
    /// Average precision of the test rows; `None` with one class only.
    pub pr_auc: Option<f64>,
    /// Mean log-loss of the test rows.
    pub log_loss: f64,
    /// Wall-clock seconds of fitting (pipeline and classifier).
    pub fit_seconds: f64,
}

/// A fitted model, its evaluation and the split it came from.
#[derive(Debug)]
pub struct HoldoutRun {
    /// The model fitted on the training rows.
    pub model: FittedPropensityModel,
    /// The figures on the test rows.
    pub evaluation: Evaluation,
    /// The full report on the test rows (confusion matrix, Brier score).
    pub report: ClassificationReport,
    /// Training row indices into the input table.
    pub train_rows: Vec<usize>,
    /// Test row indices into the input table.
    pub test_rows: Vec<usize>,
}

/// The short name of a model kind: `"logistic"` or `"mlp"`.
///
/// ```
/// use ua_analytics::prediction::ModelKind;
/// use ua_analytics::prediction::evaluate::model_name;
/// assert_eq!(model_name(&ModelKind::default()), "logistic");
/// ```
pub fn model_name(kind: &ModelKind) -> &'static str {
    match kind {
        ModelKind::Logistic(_) => "logistic",
        ModelKind::Mlp(_) => "mlp",
    }
}

/// Evaluates a fitted model on a `test` table holding the target, with
/// hard predictions at [`THRESHOLD`]. `train_rows` and `fit_seconds` are
/// recorded as given.
///
/// Errors: those of [`FittedPropensityModel::labels`] (the test table needs
/// the target with both classes) and of [`FittedPropensityModel::score`]
/// (a missing trained column, ...).
///
/// ```
/// use ua_analytics::prediction::PropensityConfig;
/// use ua_analytics::prediction::evaluate::evaluate;
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("x".into(), Column::numeric(vec![0.0, 1.0, 2.0, 3.0])),
///     ("y".into(), Column::boolean(vec![false, false, true, true])),
/// ]).unwrap();
/// let model = PropensityConfig::new("y").fit(&t).unwrap();
/// let (e, report) = evaluate(&model, &t, 4, 0.0).unwrap();
/// assert_eq!((e.test_rows, e.accuracy, e.roc_auc), (4, 1.0, Some(1.0)));
/// assert_eq!(report.confusion.tp, 2);
/// ```
pub fn evaluate(
    model: &FittedPropensityModel,
    test: &Table,
    train_rows: usize,
    fit_seconds: f64,
) -> Result<(Evaluation, ClassificationReport)> {
    let y = model.labels(test)?;
    evaluate_labelled(model, test, &y, train_rows, fit_seconds)
}

/// [`evaluate`] with the test labels given (they may hold one class).
fn evaluate_labelled(
    model: &FittedPropensityModel,
    test: &Table,
    y: &[u8],
    train_rows: usize,
    fit_seconds: f64,
) -> Result<(Evaluation, ClassificationReport)> {
    let p = model.score(test)?;
    let report = ClassificationReport::compute(y, &p, THRESHOLD)?;
    let evaluation = Evaluation {
        model: model_name(&model.config.model).to_owned(),
        train_rows,
        test_rows: y.len(),
        n_features: model.feature_names().len(),
        accuracy: report.accuracy,
        precision: report.precision,
        recall: report.recall,
        f1: report.f1,
        roc_auc: report.roc_auc,
        pr_auc: report.pr_auc,
        log_loss: report.log_loss,
        fit_seconds,
    };
    Ok((evaluation, report))
}

/// Splits `table` by `holdout` (stratified on `config`'s labels), fits
/// `config` on the training rows only — imputation values, category levels
/// and scaler statistics included — and evaluates it on the test rows.
///
/// Errors: every error of [`PropensityConfig::labels`] on the whole table
/// (missing target, one class, a positive value that never occurs), of
/// [`Holdout::split`], and of [`PropensityConfig::fit`] on the training rows
/// (e.g. a feature column that is entirely missing there). Test rows of
/// one class only are allowed (the AUCs are `None` then).
///
/// ```
/// use ua_analytics::prediction::PropensityConfig;
/// use ua_analytics::prediction::evaluate::{Holdout, evaluate_holdout};
/// use ua_data::{Column, Table};
/// let n = 100;
/// let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 100) as f64).collect();
/// let y: Vec<bool> = x.iter().map(|&v| v >= 60.0).collect();
/// let t = Table::new(vec![("x".into(), Column::numeric(x)), ("y".into(), Column::boolean(y))]).unwrap();
/// let run = evaluate_holdout(&PropensityConfig::new("y"), &t, &Holdout::stratified(0.2, 42)).unwrap();
/// assert_eq!((run.evaluation.train_rows, run.evaluation.test_rows), (80, 20));
/// assert!(run.evaluation.roc_auc.unwrap() > 0.95);
/// ```
pub fn evaluate_holdout(
    config: &PropensityConfig,
    table: &Table,
    holdout: &Holdout,
) -> Result<HoldoutRun> {
    let y = config.labels(table)?;
    let (train_rows, test_rows) = holdout.split(&y)?;
    let train = table.take(&train_rows)?;
    let test = table.take(&test_rows)?;
    let start = Instant::now();
    let model = config.fit(&train)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let y_test: Vec<u8> = test_rows.iter().map(|&i| y[i]).collect();
    let (evaluation, report) =
        evaluate_labelled(&model, &test, &y_test, train_rows.len(), fit_seconds)?;
    Ok(HoldoutRun {
        model,
        evaluation,
        report,
        train_rows,
        test_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{log_loss, roc_auc};
    use ua_data::Column;

    /// `x` decides the label (x ≥ 60), `noise` does not; 100 rows.
    fn planted(n: usize) -> Table {
        let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 100) as f64).collect();
        let noise: Vec<&str> = (0..n).map(|i| ["a", "b", "c"][i % 3]).collect();
        let y: Vec<&str> = x
            .iter()
            .map(|&v| if v >= 60.0 { "yes" } else { "no" })
            .collect();
        Table::new(vec![
            ("x".into(), Column::numeric(x)),
            ("noise".into(), Column::categorical(&noise)),
            ("y".into(), Column::categorical(&y)),
        ])
        .unwrap()
    }

    #[test]
    fn test_rows_split_and_errors() {
        let y = [0u8, 1, 0, 1, 1];
        let (train, test) = Holdout::TestRows(vec![4, 1]).split(&y).unwrap();
        assert_eq!((train, test), (vec![0, 2, 3], vec![4, 1]));
        let err = Holdout::TestRows(vec![1, 5])
            .split(&y)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("test row #1 is 5, out of range: the table has 5 rows"),
            "{err}"
        );
        let err = Holdout::TestRows(vec![2, 2])
            .split(&y)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("test row #1 is 2, which is listed twice"),
            "{err}"
        );
        let err = Holdout::TestRows(vec![]).split(&y).unwrap_err().to_string();
        assert!(err.contains("0 of 5 rows are test rows"), "{err}");
        let all = Holdout::TestRows(vec![0, 1, 2, 3, 4])
            .split(&y)
            .unwrap_err();
        assert!(all.to_string().contains("5 of 5 rows"), "{all}");
    }

    #[test]
    fn stratified_split_keeps_class_shares_and_seed() {
        let y: Vec<u8> = (0..50).map(|i| u8::from(i % 5 == 0)).collect(); // 10 positives
        let h = Holdout::stratified(0.2, 3);
        let (train, test) = h.split(&y).unwrap();
        assert_eq!((train.len(), test.len()), (40, 10));
        assert_eq!(test.iter().filter(|&&i| y[i] == 1).count(), 2);
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<_>>());
        assert_eq!(h.split(&y).unwrap(), (train, test));
        assert!(Holdout::stratified(1.5, 0).split(&y).is_err());
    }

    #[test]
    fn holdout_fits_on_training_rows_only() {
        let mut t = planted(100);
        // Missing values only in rows 0..10, which are the test rows: the
        // training rows have none, so nothing is imputed while fitting.
        let x = t.numeric("x").unwrap();
        let xs: Vec<Option<f64>> = (0..100)
            .map(|i| if i < 5 { None } else { x.get(i) })
            .collect();
        t.replace_column("x", Column::numeric_opt(xs)).unwrap();
        let run = evaluate_holdout(
            &PropensityConfig::new("y").positive("yes"),
            &t,
            &Holdout::TestRows((0..10).collect()),
        )
        .unwrap();
        assert_eq!(run.model.summary().n_rows, 90);
        assert!(run.model.summary().imputed.is_empty());
        assert_eq!(run.train_rows, (10..100).collect::<Vec<_>>());
        let e = &run.evaluation;
        assert_eq!(
            (e.model.as_str(), e.train_rows, e.test_rows),
            ("logistic", 90, 10)
        );
        assert_eq!(e.n_features, 4); // x + noise=a,b,c
        // The figures are those of the model's scores on the test rows.
        let test = t.take(&run.test_rows).unwrap();
        let y = run.model.labels(&test).unwrap();
        let p = run.model.score(&test).unwrap();
        assert_eq!(e.roc_auc, Some(roc_auc(&y, &p).unwrap()));
        assert_eq!(e.log_loss, log_loss(&y, &p).unwrap());
        assert_eq!(run.report.confusion.n(), 10);
        assert!(e.fit_seconds >= 0.0);
    }

    #[test]
    fn planted_signal_is_found_and_one_class_test_rows_are_allowed() {
        let t = planted(200);
        let run = evaluate_holdout(
            &PropensityConfig::new("y").positive("yes"),
            &t,
            &Holdout::stratified(0.2, 42),
        )
        .unwrap();
        assert_eq!(
            (run.evaluation.train_rows, run.evaluation.test_rows),
            (160, 40)
        );
        assert!(
            run.evaluation.roc_auc.unwrap() > 0.98,
            "{:?}",
            run.evaluation
        );
        assert!(run.evaluation.accuracy > 0.9, "{:?}", run.evaluation);
        // rows 0, 1, 2 have x = 0, 37, 74 → no, no, yes; rows 0 and 1 alone are negatives.
        let run = evaluate_holdout(
            &PropensityConfig::new("y").positive("yes"),
            &t,
            &Holdout::TestRows(vec![0, 1]),
        )
        .unwrap();
        assert_eq!(run.evaluation.roc_auc, None);
        assert_eq!(run.report.positives, 0);
    }

    #[test]
    fn errors_name_the_problem() {
        let t = planted(50);
        let err = evaluate_holdout(
            &PropensityConfig::new("nope"),
            &t,
            &Holdout::stratified(0.2, 1),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("target column `nope`"), "{err}");
        let err = evaluate_holdout(
            &PropensityConfig::new("y").positive("maybe"),
            &t,
            &Holdout::stratified(0.2, 1),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"maybe\" never occurs"), "{err}");
        let model = PropensityConfig::new("y").positive("yes").fit(&t).unwrap();
        let without_x = t.drop_columns(&["x"]).unwrap();
        let err = evaluate(&model, &without_x, 50, 0.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column `x`"), "{err}");
    }
}
