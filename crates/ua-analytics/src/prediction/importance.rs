//! Permutation importance of the input columns of a propensity model: how
//! much the held-out ROC-AUC drops when one raw column is shuffled.
//!
//! Shuffling a raw column (not a one-hot feature) measures what the column
//! as a whole contributes, through every feature derived from it, and keeps
//! the pipeline's imputation and encoding in the loop.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use ua_data::Table;
use ua_tensor::init::seeded_rng;

use super::{FittedPropensityModel, invalid};
use crate::Result;
use crate::metrics::roc_auc;

/// The importance of one input column.
///
/// ```
/// use ua_analytics::prediction::ColumnImportance;
/// let c = ColumnImportance { column: "age".into(), mean_drop: 0.12, std_drop: 0.01, baseline_auc: 0.8 };
/// assert!(c.mean_drop > 2.0 * c.std_drop);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnImportance {
    /// The input column that was shuffled.
    pub column: String,
    /// Mean decrease of ROC-AUC over the repeats (can be slightly negative
    /// for a column that does not matter).
    pub mean_drop: f64,
    /// Standard deviation of the decrease over the repeats.
    pub std_drop: f64,
    /// ROC-AUC of the unshuffled table.
    pub baseline_auc: f64,
}

impl FittedPropensityModel {
    /// Permutation importance of every input column on a held-out `test`
    /// table (which must hold the target): for each column, `n_repeats`
    /// seeded shuffles of that column alone, each re-scored; the drop in
    /// ROC-AUC from the unshuffled score is averaged. Sorted by mean drop,
    /// largest first (ties by column name).
    ///
    /// Errors: `n_repeats == 0`, a test table without the target or with one
    /// class, or lacking a trained column.
    ///
    /// ```
    /// use ua_analytics::prediction::PropensityConfig;
    /// use ua_data::{Column, Table};
    /// let n = 300;
    /// let signal: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64).collect();
    /// let noise: Vec<f64> = (0..n).map(|i| ((i * 53) % 97) as f64).collect();
    /// let y: Vec<bool> = signal.iter().map(|&s| s > 50.0).collect();
    /// let t = Table::new(vec![
    ///     ("signal".into(), Column::numeric(signal)),
    ///     ("noise".into(), Column::numeric(noise)),
    ///     ("y".into(), Column::boolean(y)),
    /// ]).unwrap();
    /// let model = PropensityConfig::new("y").fit(&t).unwrap();
    /// let imp = model.permutation_importance(&t, 3, 42).unwrap();
    /// assert_eq!(imp[0].column, "signal");
    /// assert!(imp[0].mean_drop > 0.3 && imp[1].mean_drop.abs() < 0.05);
    /// ```
    pub fn permutation_importance(
        &self,
        test: &Table,
        n_repeats: usize,
        seed: u64,
    ) -> Result<Vec<ColumnImportance>> {
        const OP: &str = "FittedPropensityModel::permutation_importance";
        if n_repeats == 0 {
            return Err(invalid(OP, "n_repeats must be ≥ 1".into()));
        }
        let y = self.labels(test)?;
        let baseline = roc_auc(y.as_slice(), &self.score(test)?)?;
        let mut rng = seeded_rng(seed);
        let mut work = test.clone();
        let mut perm: Vec<usize> = (0..test.n_rows()).collect();
        let mut out = Vec::new();
        for name in self.input_columns() {
            let original = work.column(name)?.clone();
            let mut drops = Vec::with_capacity(n_repeats);
            for _ in 0..n_repeats {
                perm.shuffle(&mut rng);
                work.replace_column(name, original.take(&perm)?)?;
                drops.push(baseline - roc_auc(y.as_slice(), &self.score(&work)?)?);
            }
            work.replace_column(name, original)?;
            let mean = drops.iter().sum::<f64>() / n_repeats as f64;
            let var = drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n_repeats as f64;
            out.push(ColumnImportance {
                column: name.to_owned(),
                mean_drop: mean,
                std_drop: var.sqrt(),
                baseline_auc: baseline,
            });
        }
        out.sort_by(|a, b| {
            b.mean_drop
                .total_cmp(&a.mean_drop)
                .then_with(|| a.column.cmp(&b.column))
        });
        Ok(out)
    }
}
