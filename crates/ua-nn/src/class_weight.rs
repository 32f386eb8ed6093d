//! [`ClassWeight`]: how the classes are weighted in a loss — the one
//! class-weight type of the workspace.

use serde::{Deserialize, Deserializer, Serialize};

use crate::Result;

/// Per-class weights for the loss: scikit-learn's `"balanced"` or fixed
/// weights.
///
/// One rule everywhere (in [`FitConfig::class_weight`](crate::FitConfig::class_weight),
/// [`BinaryCrossEntropy::with_class_weights`](crate::losses::BinaryCrossEntropy::with_class_weights)
/// and for callers with 0/1 labels through [`binary_weights`](Self::binary_weights)):
///
/// * `Balanced` gives class `c` the weight `n / (k · count(c))` over the `n`
///   counted rows (in `fit`, the training rows only, not the held-out
///   validation rows) and `k` classes; a class with no rows is an **error**,
///   never a silent weight 0.
/// * `Manual` weights must be finite and ≥ 0 with a positive sum; errors name
///   the weight.
///
/// Saved as `"balanced"` or `{"manual": [w0, w1, ...]}`; the form
/// `{"manual": {"negative": w0, "positive": w1}}` is read too.
///
/// ```
/// use ua_nn::ClassWeight;
/// // 3 negatives and 1 positive: n / (2 · count) = 4 / 6 and 4 / 2.
/// assert_eq!(ClassWeight::Balanced.binary_weights(&[0, 0, 0, 1]).unwrap(), [4.0 / 6.0, 2.0]);
/// assert_eq!(ClassWeight::binary(1.0, 5.0).binary_weights(&[0, 1]).unwrap(), [1.0, 5.0]);
/// // A class that is absent cannot be balanced.
/// let e = ClassWeight::Balanced.binary_weights(&[1, 1]).unwrap_err();
/// assert!(e.to_string().contains("class 0 (negative) has no rows"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// `n / (k · count(class))`, as scikit-learn's `"balanced"`.
    Balanced,
    /// One weight per class (index = class; for 0/1 targets `[w0, w1]`).
    Manual(#[serde(deserialize_with = "manual_weights")] Vec<f64>),
}

/// Reads `[w0, w1, ...]` or `{"negative": w0, "positive": w1}`.
fn manual_weights<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        List(Vec<f64>),
        Binary { negative: f64, positive: f64 },
    }
    Ok(match Repr::deserialize(d)? {
        Repr::List(v) => v,
        Repr::Binary { negative, positive } => vec![negative, positive],
    })
}

/// The name of class `i` of `k` in messages.
fn class_name(i: usize, k: usize) -> String {
    match (k, i) {
        (2, 0) => "class 0 (negative)".into(),
        (2, 1) => "class 1 (positive)".into(),
        _ => format!("class {i}"),
    }
}

/// Checks manual weights: each finite and ≥ 0, and a positive sum.
pub(crate) fn check_manual(op: &str, weights: &[f64]) -> Result<()> {
    let k = weights.len();
    for (i, &w) in weights.iter().enumerate() {
        if !(w.is_finite() && w >= 0.0) {
            return Err(crate::error::invalid(
                op,
                format!(
                    "the weight of {} must be finite and ≥ 0, got {w}",
                    class_name(i, k)
                ),
            ));
        }
    }
    if weights.iter().sum::<f64>() <= 0.0 {
        return Err(crate::error::invalid(
            op,
            format!("the {k} class weights sum to 0; at least one must be > 0"),
        ));
    }
    Ok(())
}

impl ClassWeight {
    /// Fixed weights for 0/1 targets: `negative` for class 0, `positive` for class 1.
    ///
    /// ```
    /// use ua_nn::ClassWeight;
    /// assert_eq!(ClassWeight::binary(1.0, 3.0), ClassWeight::Manual(vec![1.0, 3.0]));
    /// ```
    pub fn binary(negative: f64, positive: f64) -> Self {
        ClassWeight::Manual(vec![negative, positive])
    }

    /// Fixed weights, one per class.
    ///
    /// ```
    /// use ua_nn::ClassWeight;
    /// assert_eq!(ClassWeight::manual([1.0, 2.0, 0.5]), ClassWeight::Manual(vec![1.0, 2.0, 0.5]));
    /// ```
    pub fn manual(weights: impl Into<Vec<f64>>) -> Self {
        ClassWeight::Manual(weights.into())
    }

    /// The weight of each class, given how many counted rows each class has
    /// (`counts[c]`). Errors on an absent class (balanced), on a wrong number
    /// of manual weights, or on manual weights that break the rule above.
    ///
    /// ```
    /// use ua_nn::ClassWeight;
    /// // 6 rows over 3 classes: 6 / (3 · 1), 6 / (3 · 2), 6 / (3 · 3)
    /// assert_eq!(ClassWeight::Balanced.for_counts(&[1, 2, 3]).unwrap(), [2.0, 1.0, 2.0 / 3.0]);
    /// assert!(ClassWeight::Balanced.for_counts(&[4, 0, 2]).is_err());
    /// let e = ClassWeight::manual([1.0, -1.0]).for_counts(&[5, 5]).unwrap_err();
    /// assert!(e.to_string().contains("class 1 (positive) must be finite and ≥ 0, got -1"), "{e}");
    /// assert!(ClassWeight::manual([0.0, 0.0]).for_counts(&[5, 5]).is_err());
    /// assert!(ClassWeight::manual([1.0]).for_counts(&[5, 5]).is_err());
    /// ```
    pub fn for_counts(&self, counts: &[usize]) -> Result<Vec<f64>> {
        let k = counts.len();
        match self {
            ClassWeight::Manual(w) => {
                if w.len() != k {
                    return Err(crate::error::shape(
                        "class weights",
                        format!("{k} weights (one per class)"),
                        format!("{} weights", w.len()),
                    ));
                }
                check_manual("class weights", w)?;
                Ok(w.clone())
            }
            ClassWeight::Balanced => {
                let n: usize = counts.iter().sum();
                if let Some(absent) = counts.iter().position(|&c| c == 0) {
                    return Err(crate::error::invalid(
                        "balanced class weights",
                        format!(
                            "{} has no rows among the {n} counted rows; balanced weights \
                             n / (k · count) need every class present (use manual weights instead)",
                            class_name(absent, k)
                        ),
                    ));
                }
                Ok(counts
                    .iter()
                    .map(|&c| n as f64 / (k as f64 * c as f64))
                    .collect())
            }
        }
    }

    /// `[negative, positive]` weights for binary labels given as 0/1 bytes.
    /// A label other than 0 or 1 is an error naming its index and value.
    ///
    /// ```
    /// use ua_nn::ClassWeight;
    /// // 8 rows, 2 positives: 8 / (2 · 6) and 8 / (2 · 2)
    /// let w = ClassWeight::Balanced.binary_weights(&[0, 0, 1, 0, 0, 1, 0, 0]).unwrap();
    /// assert_eq!(w, [8.0 / 12.0, 2.0]);
    /// let e = ClassWeight::Balanced.binary_weights(&[0, 1, 2]).unwrap_err();
    /// assert!(e.to_string().contains("label at index 2 is 2"), "{e}");
    /// ```
    pub fn binary_weights(&self, labels: &[u8]) -> Result<[f64; 2]> {
        let mut counts = [0usize; 2];
        for (i, &l) in labels.iter().enumerate() {
            match l {
                0 | 1 => counts[usize::from(l)] += 1,
                _ => {
                    return Err(crate::error::invalid(
                        "class weights",
                        format!("label at index {i} is {l}; binary labels must be 0 or 1"),
                    ));
                }
            }
        }
        let w = self.for_counts(&counts)?;
        Ok([w[0], w[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_forms_round_trip_and_the_binary_form_is_read() {
        for cw in [ClassWeight::Balanced, ClassWeight::binary(0.5, 4.0)] {
            let json = serde_json::to_string(&cw).unwrap();
            assert_eq!(serde_json::from_str::<ClassWeight>(&json).unwrap(), cw);
        }
        assert_eq!(
            serde_json::to_string(&ClassWeight::binary(0.5, 4.0)).unwrap(),
            r#"{"manual":[0.5,4.0]}"#
        );
        assert_eq!(
            serde_json::to_string(&ClassWeight::Balanced).unwrap(),
            r#""balanced""#
        );
        let legacy: ClassWeight =
            serde_json::from_str(r#"{"manual":{"negative":1.0,"positive":5.0}}"#).unwrap();
        assert_eq!(legacy, ClassWeight::binary(1.0, 5.0));
        assert!(serde_json::from_str::<ClassWeight>(r#"{"manual":"x"}"#).is_err());
    }

    #[test]
    fn manual_rule_names_the_weight() {
        assert!(check_manual("t", &[0.0, 1.0]).is_ok());
        assert!(check_manual("t", &[1.0, 0.0]).is_ok());
        for (w, needle) in [
            (vec![f64::NAN, 1.0], "class 0 (negative) must be finite"),
            (
                vec![1.0, f64::INFINITY],
                "class 1 (positive) must be finite",
            ),
            (
                vec![1.0, 2.0, -0.5],
                "class 2 must be finite and ≥ 0, got -0.5",
            ),
            (vec![0.0, 0.0, 0.0], "the 3 class weights sum to 0"),
        ] {
            let e = check_manual("t", &w).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn balanced_weights_are_hand_computed_values() {
        // 10 rows: 7 / 3 → 10 / 14 and 10 / 6
        let labels = [0u8, 0, 1, 0, 1, 0, 0, 1, 0, 0];
        let w = ClassWeight::Balanced.binary_weights(&labels).unwrap();
        assert_eq!(w, [10.0 / 14.0, 10.0 / 6.0]);
        // the weighted classes carry equal total weight
        assert!((7.0 * w[0] - 3.0 * w[1]).abs() < 1e-12);
        let e = ClassWeight::Balanced
            .binary_weights(&[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("class 0 (negative) has no rows among the 0"),
            "{e}"
        );
        let e = ClassWeight::Balanced
            .binary_weights(&[0, 0])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("class 1 (positive) has no rows among the 2"),
            "{e}"
        );
        // manual weights do not need both classes, but labels are still checked
        assert_eq!(
            ClassWeight::binary(2.0, 1.0).binary_weights(&[1]).unwrap(),
            [2.0, 1.0]
        );
        let e = ClassWeight::binary(2.0, 1.0)
            .binary_weights(&[1, 0, 255])
            .unwrap_err();
        assert!(e.to_string().contains("label at index 2 is 255"), "{e}");
    }
}
