//! Input checks shared by every metric: equal lengths, non-empty input,
//! labels that are 0 or 1, scores that are not NaN, probabilities in [0, 1].
//! Each error names the offending array and position.

use ndarray::ArrayView1;

use crate::{Error, Result};

/// Errors unless `a` and `b` have the same, non-zero length.
pub(crate) fn same_len_non_empty(
    op: &'static str,
    name_a: &str,
    len_a: usize,
    name_b: &str,
    len_b: usize,
) -> Result<()> {
    if len_a != len_b {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("{name_b} of length {len_a} (the length of {name_a})"),
            found: format!("{name_b} of length {len_b}"),
        });
    }
    if len_a == 0 {
        return Err(Error::Empty { op });
    }
    Ok(())
}

/// The error for a label that is neither 0 nor 1.
pub(crate) fn bad_label(op: &'static str, name: &str, index: usize, value: u8) -> Error {
    Error::InvalidArgument {
        op,
        message: format!("{name}[{index}] = {value}; binary labels must be 0 or 1"),
    }
}

/// The error for a NaN score.
pub(crate) fn nan_score(op: &'static str, name: &str, index: usize) -> Error {
    Error::InvalidArgument {
        op,
        message: format!("{name}[{index}] is NaN; scores must be numbers"),
    }
}

/// Counts the positives of a 0/1 label array, erroring on any other value.
pub(crate) fn count_labels(op: &'static str, name: &str, y: ArrayView1<'_, u8>) -> Result<u64> {
    let mut pos = 0u64;
    for (i, &v) in y.iter().enumerate() {
        match v {
            0 => {}
            1 => pos += 1,
            _ => return Err(bad_label(op, name, i, v)),
        }
    }
    Ok(pos)
}

/// Checks labels (0/1) and scores (not NaN, any other value including ±∞
/// allowed) of equal, non-zero length; returns the number of positives.
pub(crate) fn labels_and_scores(
    op: &'static str,
    y_true: ArrayView1<'_, u8>,
    y_score: ArrayView1<'_, f32>,
) -> Result<u64> {
    same_len_non_empty(op, "y_true", y_true.len(), "y_score", y_score.len())?;
    let pos = count_labels(op, "y_true", y_true)?;
    if let Some(i) = y_score.iter().position(|s| s.is_nan()) {
        return Err(nan_score(op, "y_score", i));
    }
    Ok(pos)
}

/// Checks labels (0/1) and probabilities (within [0, 1]) of equal, non-zero
/// length; returns the number of positives.
pub(crate) fn labels_and_probabilities(
    op: &'static str,
    y_true: ArrayView1<'_, u8>,
    y_prob: ArrayView1<'_, f32>,
) -> Result<u64> {
    same_len_non_empty(op, "y_true", y_true.len(), "y_prob", y_prob.len())?;
    let pos = count_labels(op, "y_true", y_true)?;
    // `!(0 <= p <= 1)` is also true for NaN.
    if let Some(i) = y_prob.iter().position(|&p| !(0.0..=1.0).contains(&p)) {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "y_prob[{i}] = {}; probabilities must lie in [0, 1]",
                y_prob[i]
            ),
        });
    }
    Ok(pos)
}

/// Errors with [`Error::Undefined`] unless both classes are present.
pub(crate) fn both_classes(op: &'static str, positives: u64, n: u64) -> Result<()> {
    if positives == 0 || positives == n {
        let only = if positives == 0 { 0 } else { 1 };
        return Err(Error::Undefined {
            op,
            message: format!(
                "y_true holds only class {only} ({n} rows); this metric needs both positives and negatives"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn errors_name_the_position() {
        let e =
            labels_and_scores("op", array![0u8, 2].view(), array![0.1f32, 0.2].view()).unwrap_err();
        assert!(e.to_string().contains("y_true[1] = 2"), "{e}");
        let e = labels_and_scores("op", array![0u8, 1].view(), array![0.1f32, f32::NAN].view())
            .unwrap_err();
        assert!(e.to_string().contains("y_score[1] is NaN"), "{e}");
        let e = labels_and_scores("op", array![0u8, 1].view(), array![0.1f32].view()).unwrap_err();
        assert!(
            e.to_string().contains("length 2") && e.to_string().contains("length 1"),
            "{e}"
        );
        let e = labels_and_probabilities("op", array![0u8, 1].view(), array![0.1f32, 1.5].view())
            .unwrap_err();
        assert!(e.to_string().contains("y_prob[1] = 1.5"), "{e}");
        let e = labels_and_scores(
            "op",
            ArrayView1::from(&[] as &[u8]),
            ArrayView1::from(&[] as &[f32]),
        );
        assert!(matches!(e, Err(Error::Empty { .. })));
    }

    #[test]
    fn infinite_scores_are_allowed_but_not_as_probabilities() {
        let y = array![0u8, 1];
        let s = array![f32::NEG_INFINITY, f32::INFINITY];
        assert_eq!(labels_and_scores("op", y.view(), s.view()).unwrap(), 1);
        assert!(labels_and_probabilities("op", y.view(), s.view()).is_err());
    }
}
