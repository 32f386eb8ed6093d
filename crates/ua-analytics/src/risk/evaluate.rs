//! [`evaluate_at_budget`]: how well a risk score ranks labelled test rows,
//! and what a review team would get by checking the top share of them.

use ndarray::AsArray;
use serde::{Deserialize, Serialize};

use crate::metrics::{average_precision, budget_rows, roc_auc};
use crate::{Error, Result};

/// A risk score measured on labelled rows at a review budget.
///
/// Serialises with the key names of the `risk` example's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetEvaluation {
    /// Rows evaluated.
    pub rows: usize,
    /// Positive (bad) rows among them.
    pub positives: usize,
    /// Area under the ROC curve (ties count half).
    pub roc_auc: f64,
    /// Area under the precision–recall curve, as average precision
    /// (scikit-learn's `average_precision_score`).
    pub pr_auc: f64,
    /// The share of rows flagged, in (0, 1].
    pub budget: f64,
    /// Rows flagged: ⌈budget · rows⌉ (at least 1).
    pub flagged: usize,
    /// Positives among the flagged rows / flagged.
    pub precision_at_budget: f64,
    /// Positives among the flagged rows / positives.
    pub recall_at_budget: f64,
}

/// The rows a review budget flags among `n`: ⌈`budget` · n⌉, at least 1 and
/// at most n, where a product like 0.3 · 10 = 3.0000000000000004 counts as
/// the whole number it is meant to be.
///
/// ```
/// use ua_analytics::risk::flagged_rows;
/// assert_eq!(flagged_rows(0.3, 10), 3);
/// assert_eq!(flagged_rows(0.31, 10), 4);
/// assert_eq!(flagged_rows(0.001, 10), 1);
/// ```
pub fn flagged_rows(budget: f64, n: usize) -> usize {
    budget_rows(budget, n as u64) as usize
}

/// Evaluates risk `scores` (higher = riskier) against labels `y` (0/1):
/// ROC-AUC, PR-AUC, and precision and recall when exactly the top
/// ⌈`budget` · n⌉ rows are flagged — a fixed review capacity, so rows tied
/// at the boundary are taken in row order (earlier rows first).
///
/// Errors: `budget` outside (0, 1], labels not 0/1 or of another length
/// than the scores, a NaN score, no rows, or labels of one class only (the
/// ranking metrics are undefined).
///
/// ```
/// use ua_analytics::risk::evaluate_at_budget;
/// let y = [1u8, 0, 1, 0, 0, 0, 0, 0, 0, 1];
/// let s = [0.9f32, 0.8, 0.7, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.05];
/// let e = evaluate_at_budget(&y, &s, 0.2).unwrap();
/// // The top 2 rows (0.9, 0.8) hold 1 of the 3 positives.
/// assert_eq!((e.flagged, e.precision_at_budget), (2, 0.5));
/// assert!((e.recall_at_budget - 1.0 / 3.0).abs() < 1e-12);
/// assert!(evaluate_at_budget(&y, &s, 0.0).unwrap_err().to_string().contains("budget"));
/// ```
pub fn evaluate_at_budget<'a, 'b>(
    y: impl AsArray<'a, u8>,
    scores: impl AsArray<'b, f32>,
    budget: f64,
) -> Result<BudgetEvaluation> {
    const OP: &str = "evaluate_at_budget";
    let (y, scores) = (y.into(), scores.into());
    if !(budget > 0.0 && budget <= 1.0) {
        return Err(crate::error::parameter(
            OP,
            "budget",
            format!("{budget} must lie in (0, 1] (a share of the rows)"),
        ));
    }
    // Also checks lengths, labels, NaN and both classes.
    let roc_auc = roc_auc(y, scores)?;
    let pr_auc = average_precision(y, scores)?;
    let n = y.len();
    let flagged = flagged_rows(budget, n);
    let mut order: Vec<usize> = (0..n).collect();
    // Stable: equal scores keep row order.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let caught = order[..flagged].iter().filter(|&&i| y[i] == 1).count();
    let positives = y.iter().filter(|&&v| v == 1).count();
    if positives == 0 {
        return Err(Error::Undefined {
            op: OP,
            message: "no positive label".into(),
        });
    }
    Ok(BudgetEvaluation {
        rows: n,
        positives,
        roc_auc,
        pr_auc,
        budget,
        flagged,
        precision_at_budget: caught as f64 / flagged as f64,
        recall_at_budget: caught as f64 / positives as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_at_the_boundary_are_taken_in_row_order() {
        // Rows 1 and 2 tie at 0.5; a budget of 2 rows takes row 0 and row 1.
        let s = [0.9f32, 0.5, 0.5, 0.1];
        let e = evaluate_at_budget(&[0u8, 1, 0, 0], &s, 0.5).unwrap();
        assert_eq!(
            (e.flagged, e.precision_at_budget, e.recall_at_budget),
            (2, 0.5, 1.0)
        );
        let e = evaluate_at_budget(&[0u8, 0, 1, 0], &s, 0.5).unwrap();
        assert_eq!((e.precision_at_budget, e.recall_at_budget), (0.0, 0.0));
        assert_eq!((e.rows, e.positives, e.budget), (4, 1, 0.5));
    }

    #[test]
    fn budgets_round_up_and_whole_products_stay_whole() {
        let y: Vec<u8> = (0..10).map(|i| u8::from(i < 3)).collect();
        let s: Vec<f32> = (0..10).map(|i| 10.0 - i as f32).collect();
        // 0.3 · 10 = 3.0000000000000004: three rows, all positive.
        let e = evaluate_at_budget(&y, &s, 0.3).unwrap();
        assert_eq!((e.flagged, e.precision_at_budget), (3, 1.0));
        let e = evaluate_at_budget(&y, &s, 0.31).unwrap();
        assert_eq!(
            (e.flagged, e.precision_at_budget, e.recall_at_budget),
            (4, 0.75, 1.0)
        );
        let e = evaluate_at_budget(&y, &s, 1.0).unwrap();
        assert_eq!((e.flagged, e.precision_at_budget), (10, 0.3));
        assert_eq!((e.roc_auc, e.pr_auc), (1.0, 1.0));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let (y, s) = ([0u8, 1], [0.1f32, 0.2]);
        for b in [0.0, -0.1, 1.5, f64::NAN] {
            let e = evaluate_at_budget(&y, &s, b).unwrap_err().to_string();
            assert!(e.contains("budget") && e.contains("(0, 1]"), "{b}: {e}");
        }
        assert!(evaluate_at_budget(&[0u8, 0], &s, 0.5).is_err());
        assert!(evaluate_at_budget(&[1u8, 1], &s, 0.5).is_err());
        assert!(evaluate_at_budget(&[0u8, 1, 1], &s, 0.5).is_err());
        assert!(evaluate_at_budget(&y, &[0.1f32, f32::NAN], 0.5).is_err());
    }
}
