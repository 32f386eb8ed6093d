//! [`Supervised`]: any fitted classifier as a risk scorer — where labels of
//! past fraud or bad debt exist, the probability of the "bad" class is the
//! risk.

use ndarray::Array1;
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use crate::{Predictor, Result, RiskScorer};

/// A fitted classifier (any [`Predictor`]) serving as a [`RiskScorer`]:
/// the risk of a row is its probability of the positive ("bad") class.
///
/// Fit the classifier as usual — a [`Pipeline`](crate::pipeline::Pipeline)
/// from a table, with `ClassWeight::Balanced` when positives are rare —
/// and wrap the fitted model. It scores whatever input the classifier
/// scores (`&Table` for a pipeline, `ArrayView2<f32>` for a model on a
/// matrix), and saves exactly as the classifier does (same envelope kind),
/// so a saved classifier loads as a `Supervised` and back.
///
/// ```
/// use ua_analytics::pipeline::Pipeline;
/// use ua_analytics::prediction::LogisticRegression;
/// use ua_analytics::risk::Supervised;
/// use ua_analytics::{Predictor, RiskScorer};
/// use ua_data::pipeline::ColumnTransformer;
/// use ua_data::{Column, Table};
/// use ua_nn::ClassWeight;
///
/// // 1 bad account in 20: the ones with many orders in their first hour.
/// let n = 400;
/// let burst: Vec<f64> = (0..n).map(|i| if i % 20 == 0 { 9.0 } else { (i % 3) as f64 }).collect();
/// let bad: Vec<u8> = (0..n).map(|i| u8::from(i % 20 == 0)).collect();
/// let t = Table::new(vec![("orders_first_hour".into(), Column::numeric(burst))]).unwrap();
/// let prep = ColumnTransformer::auto(&t, None, &[]).unwrap();
/// let pipe = Pipeline::new(prep, LogisticRegression::new().class_weight(ClassWeight::Balanced));
/// let risk = Supervised(pipe.fit(&t, &bad).unwrap());
/// let s = risk.risk_score(&t).unwrap();
/// assert!(s[0] > 0.5 && s[1] < 0.5);
/// assert_eq!(s, risk.0.predict_proba(&t).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Supervised<M>(pub M);

impl<X, M: Predictor<X>> RiskScorer<X> for Supervised<M> {
    fn risk_score(&self, x: X) -> Result<Array1<f32>> {
        self.0.predict_proba(x)
    }
}

impl<M: Persist> Persist for Supervised<M> {
    const KIND: &'static str = M::KIND;
    const FORMAT_VERSION: u32 = M::FORMAT_VERSION;
    const MIN_FORMAT_VERSION: u32 = M::MIN_FORMAT_VERSION;

    fn validate(&self) -> std::result::Result<(), String> {
        self.0.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prediction::{FittedLogisticRegression, LogisticRegression};
    use crate::testkit::check_risk_scorer;
    use ndarray::Array2;

    fn data() -> (Array2<f32>, Vec<u8>) {
        let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 5) % 13) as f32 / 13.0);
        let y = (0..200).map(|i| u8::from(x[[i, 0]] > 0.6)).collect();
        (x, y)
    }

    #[test]
    fn scores_are_the_classifier_probabilities_and_pass_the_checks() {
        let (x, y) = data();
        let m = LogisticRegression::new().fit(x.view(), &y).unwrap();
        let s = Supervised(m.clone()).risk_score(x.view()).unwrap();
        assert_eq!(s, m.predict_proba(x.view()).unwrap());
        check_risk_scorer(
            || LogisticRegression::new().fit(x.view(), &y).map(Supervised),
            x.view(),
        )
        .unwrap();
    }

    #[test]
    fn saves_as_the_classifier_does() {
        let (x, y) = data();
        let m = LogisticRegression::new().fit(x.view(), &y).unwrap();
        let json = Supervised(m.clone()).to_json().unwrap();
        assert_eq!(json, m.to_json().unwrap());
        let back = FittedLogisticRegression::from_json(&json).unwrap();
        assert_eq!(
            back.predict_proba(x.view()).unwrap(),
            m.predict_proba(x.view()).unwrap()
        );
        // A broken model is refused through the wrapper as well.
        let start = json.find("\"coef\":[").unwrap() + "\"coef\":[".len();
        let end = start + json[start..].find(']').unwrap();
        let broken = format!("{}{}", &json[..start], &json[end..]);
        assert_ne!(broken, json, "the test must change the file");
        match Supervised::<FittedLogisticRegression>::from_json(&broken) {
            Err(e) => assert!(e.to_string().contains("no coefficients"), "{e}"),
            Ok(_) => panic!("a model without coefficients was accepted"),
        }
    }
}
