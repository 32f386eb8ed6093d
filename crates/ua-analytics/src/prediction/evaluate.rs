//! Hold-out evaluation of a propensity model: split a table into training
//! and test rows (stratified and seeded, or a given list of test rows), fit
//! the [`PropensityConfig`]'s pipeline on the training rows only — the
//! preprocessing included — and measure the model on the test rows with
//! [`crate::selection::evaluate`].

use std::time::Instant;

use serde::{Deserialize, Serialize};
use ua_data::Table;
use ua_data::split::TrainTestSplit;

use super::{FittedPropensityModel, PropensityConfig, invalid};
use crate::Result;
use crate::metrics::ClassificationReport;
pub use crate::selection::THRESHOLD;
use crate::selection::{ColumnImportance, Metric, evaluate, permutation_importance};
use ua_data::labels::binary_labels;

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

/// One hold-out evaluation: which model, how many rows, how long the fit
/// took, and the [`ClassificationReport`] of the test rows (flattened into
/// the same JSON object: the `--json` output of the `predict` and
/// `repeat_purchase` examples). Threshold-dependent figures are at
/// [`THRESHOLD`].
///
/// ```
/// use ua_analytics::metrics::ClassificationReport;
/// use ua_analytics::prediction::evaluate::Evaluation;
/// let report = ClassificationReport::compute(&[0u8, 1, 1, 0], &[0.2f32, 0.9, 0.6, 0.4], 0.5).unwrap();
/// let e = Evaluation { model: "logistic".into(), train_rows: 10, test_rows: 4, n_features: 2,
///     fit_seconds: 0.01, report };
/// let json = serde_json::to_value(&e).unwrap();
/// assert_eq!((json["roc_auc"].as_f64(), json["test_rows"].as_u64()), (Some(1.0), Some(4)));
/// let text = e.to_string();
/// assert!(text.contains("accuracy 1.0000") && text.contains("confusion matrix"), "{text}");
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
    /// Wall-clock seconds of fitting (pipeline and classifier).
    pub fit_seconds: f64,
    /// Every metric of the test rows.
    #[serde(flatten)]
    pub report: ClassificationReport,
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "test metrics (threshold {THRESHOLD}):")?;
        write!(f, "{}", self.report)
    }
}

/// A fitted model, its evaluation and the split it came from.
#[derive(Debug)]
pub struct HoldoutRun {
    /// The model fitted on the training rows.
    pub model: FittedPropensityModel,
    /// The figures on the test rows.
    pub evaluation: Evaluation,
    /// Training row indices into the input table.
    pub train_rows: Vec<usize>,
    /// Test row indices into the input table.
    pub test_rows: Vec<usize>,
}

impl HoldoutRun {
    /// Permutation importance of the model's input columns on the test rows
    /// of `table` (the table the run was made from): the drop of ROC-AUC
    /// when each column is shuffled, `n_repeats` times with `seed`.
    ///
    /// Errors: test rows of one class (ROC-AUC undefined), and those of
    /// [`permutation_importance`](crate::selection::permutation_importance).
    pub fn test_importance(
        &self,
        table: &Table,
        config: &PropensityConfig,
        n_repeats: usize,
        seed: u64,
    ) -> Result<Vec<ColumnImportance>> {
        let test = table.take(&self.test_rows)?;
        let y = binary_labels(&test, &config.target, config.positive.as_deref())?;
        let inputs = self.model.input_table(&test)?;
        permutation_importance(&inputs, &y, &self.model, Metric::RocAuc, n_repeats, seed)
    }

    /// The input columns of the training rows of `table` that had missing
    /// values, with how many values the fitted preprocessing filled in.
    pub fn imputed_in_training(&self, table: &Table) -> Result<Vec<(String, usize)>> {
        let train = table.take(&self.train_rows)?;
        let (_, report) = self
            .model
            .preprocessor()
            .transform_matrix_with_report(&train)?;
        Ok(report
            .columns
            .iter()
            .filter(|c| c.imputed > 0)
            .map(|c| (c.column.clone(), c.imputed))
            .collect())
    }
}

/// Splits `table` by `holdout` (stratified on `config`'s labels), fits
/// `config` on the training rows only — imputation values, category levels
/// and scaler statistics included — and evaluates it on the test rows.
///
/// Errors: every error of [`PropensityConfig::labels`] on the whole table
/// (missing target, one class, a positive value that never occurs), of
/// [`Holdout::split`], and of fitting on the training rows (e.g. a feature
/// column that is entirely missing there). Test rows of one class only are
/// allowed (the AUCs are `None` then).
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
/// assert!(run.evaluation.report.roc_auc.unwrap() > 0.95);
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
    let pipeline = config.pipeline(table)?;
    let y_train: Vec<u8> = train_rows.iter().map(|&i| y[i]).collect();
    let start = Instant::now();
    let model = pipeline.fit(&train, &y_train)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let y_test: Vec<u8> = test_rows.iter().map(|&i| y[i]).collect();
    let report = evaluate(&model, &test, &y_test)?;
    let evaluation = Evaluation {
        model: config.model.name().to_owned(),
        train_rows: train_rows.len(),
        test_rows: test_rows.len(),
        n_features: model.feature_names().len(),
        fit_seconds,
        report,
    };
    Ok(HoldoutRun {
        model,
        evaluation,
        train_rows,
        test_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Predictor;
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
        let train = t.take(&run.train_rows).unwrap();
        let (_, report) = run
            .model
            .preprocessor()
            .transform_matrix_with_report(&train)
            .unwrap();
        assert_eq!(report.total_imputed(), 0);
        assert_eq!(run.train_rows, (10..100).collect::<Vec<_>>());
        let e = &run.evaluation;
        assert_eq!(
            (e.model.as_str(), e.train_rows, e.test_rows),
            ("logistic", 90, 10)
        );
        assert_eq!(e.n_features, 4); // x + noise=a,b,c
        // The figures are those of the model's scores on the test rows.
        let test = t.take(&run.test_rows).unwrap();
        let y = PropensityConfig::new("y")
            .positive("yes")
            .labels(&t)
            .unwrap();
        let y: Vec<u8> = run.test_rows.iter().map(|&i| y[i]).collect();
        let p = run.model.predict_proba(&test).unwrap();
        assert_eq!(e.report.roc_auc, Some(roc_auc(&y, &p).unwrap()));
        assert_eq!(e.report.log_loss, log_loss(&y, &p).unwrap());
        assert_eq!(e.report.confusion.n(), 10);
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
            run.evaluation.report.roc_auc.unwrap() > 0.98,
            "{:?}",
            run.evaluation
        );
        assert!(run.evaluation.report.accuracy > 0.9, "{:?}", run.evaluation);
        // rows 0, 1, 2 have x = 0, 37, 74 → no, no, yes; rows 0 and 1 alone are negatives.
        let run = evaluate_holdout(
            &PropensityConfig::new("y").positive("yes"),
            &t,
            &Holdout::TestRows(vec![0, 1]),
        )
        .unwrap();
        assert_eq!(run.evaluation.report.roc_auc, None);
        assert_eq!(run.evaluation.report.positives, 0);
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
        assert!(err.contains("unknown column `nope`"), "{err}");
        let err = evaluate_holdout(
            &PropensityConfig::new("y").positive("maybe"),
            &t,
            &Holdout::stratified(0.2, 1),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`maybe` never occurs"), "{err}");
        let model = PropensityConfig::new("y").positive("yes").fit(&t).unwrap();
        let without_x = t.drop_columns(&["x"]).unwrap();
        let y = PropensityConfig::new("y")
            .positive("yes")
            .labels(&t)
            .unwrap();
        let err = evaluate(&model, &without_x, &y).unwrap_err().to_string();
        assert!(err.contains("`x`"), "{err}");
    }
}
