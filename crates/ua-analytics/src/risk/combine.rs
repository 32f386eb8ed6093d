//! Rank-averaged risk: scores of several scorers, each on its own scale
//! (an isolation-forest score near 0.5, a probability, a z-score), made
//! comparable as quantiles among reference rows, then averaged.
//!
//! A row's quantile under a scorer is the share of reference rows that
//! scorer ranks below it (ties count half, the mid-rank). The reference is
//! fixed at fit — usually the training rows — so a row's combined score
//! does not depend on which other rows are scored with it (ranks within the
//! scored batch would), and a saved combination scores identically.

use ndarray::Array1;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use crate::error::parameter;
use crate::{Error, Result, RiskScorer};

/// Reference score distributions of several scorers and their weights:
/// turns scores into quantiles and averages them.
///
/// ```
/// use ua_analytics::risk::RankAverage;
/// // Two scorers on 4 reference rows, on very different scales.
/// let a = [0.40f32, 0.45, 0.50, 0.70];
/// let b = [10.0f32, 0.0, 30.0, 20.0];
/// let r = RankAverage::fit(&[&a, &b]).unwrap();
/// // 0.70 is above 3 of 4 reference scores and equal to 1: (3 + 0.5) / 4.
/// assert_eq!(r.quantile(0, 0.70), 0.875);
/// let s = r.combine(&[&[0.70], &[25.0]]).unwrap();
/// assert_eq!(s[0], ((0.875 + 0.75) / 2.0) as f32);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankAverage {
    /// Per member, its scores on the reference rows, ascending.
    reference: Vec<Vec<f32>>,
    /// Per member, its weight; the weights sum to 1.
    weights: Vec<f64>,
}

impl RankAverage {
    /// Reference distributions from each member's scores on the same
    /// reference rows; equal weights.
    ///
    /// Errors: no member, a member with no scores or with another number of
    /// scores than the first (they must score the same rows), a NaN score
    /// (naming the member and the row).
    pub fn fit(reference: &[&[f32]]) -> Result<RankAverage> {
        const OP: &str = "RankAverage::fit";
        let n = check_members(OP, reference)?;
        if n == 0 {
            return Err(Error::Empty { op: OP });
        }
        let reference: Vec<Vec<f32>> = reference
            .iter()
            .map(|s| {
                let mut v = s.to_vec();
                v.sort_by(f32::total_cmp);
                v
            })
            .collect();
        let m = reference.len();
        Ok(RankAverage {
            reference,
            weights: vec![1.0 / m as f64; m],
        })
    }

    /// Weights of the members (one each, finite and ≥ 0, not all 0),
    /// normalised to sum to 1.
    ///
    /// ```
    /// use ua_analytics::risk::RankAverage;
    /// let r = RankAverage::fit(&[&[1.0f32, 2.0], &[5.0, 3.0]]).unwrap();
    /// assert_eq!(r.clone().with_weights(&[3.0, 1.0]).unwrap().weights(), [0.75, 0.25]);
    /// assert!(r.with_weights(&[1.0]).unwrap_err().to_string().contains("2 members"));
    /// ```
    pub fn with_weights(mut self, weights: &[f64]) -> Result<RankAverage> {
        let m = self.reference.len();
        let bad = |message: String| Err(parameter("RankAverage::with_weights", "weights", message));
        if weights.len() != m {
            return bad(format!("{} weights for {m} members", weights.len()));
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return bad(format!("weight {i} is {w}; weights must be finite and ≥ 0"));
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return bad("all weights are 0".into());
        }
        self.weights = weights.iter().map(|w| w / total).collect();
        Ok(self)
    }

    /// Number of members.
    pub fn n_members(&self) -> usize {
        self.reference.len()
    }

    /// The members' weights (summing to 1).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Reference rows per member.
    pub fn reference_rows(&self) -> usize {
        self.reference.first().map_or(0, Vec::len)
    }

    /// The quantile of `score` among member `member`'s reference scores:
    /// (rows below + ½ · rows equal) / rows, in [0, 1].
    ///
    /// # Panics
    /// When `member` ≥ [`n_members`](Self::n_members) (a programming error,
    /// not a data error).
    pub fn quantile(&self, member: usize, score: f32) -> f64 {
        let r = &self.reference[member];
        let below = r.partition_point(|&v| v < score);
        let up_to = r.partition_point(|&v| v <= score);
        (below + up_to) as f64 / (2 * r.len()) as f64
    }

    /// The combined score of each row: the weighted mean of its quantiles
    /// under the members, from each member's scores of the same rows.
    ///
    /// Errors: another number of members than fitted, members scoring
    /// different numbers of rows, a NaN score (naming the member and row).
    pub fn combine(&self, scores: &[&[f32]]) -> Result<Array1<f32>> {
        const OP: &str = "RankAverage::combine";
        if scores.len() != self.reference.len() {
            return Err(Error::ShapeMismatch {
                op: OP,
                expected: format!("scores of {} members", self.reference.len()),
                found: format!("scores of {} members", scores.len()),
            });
        }
        let n = check_members(OP, scores)?;
        Ok(Array1::from_shape_fn(n, |i| {
            let q: f64 = scores
                .iter()
                .zip(&self.weights)
                .enumerate()
                .map(|(m, (s, w))| w * self.quantile(m, s[i]))
                .sum();
            q as f32
        }))
    }
}

/// Checks that every member scored the same number of rows, without NaN;
/// returns that number.
fn check_members(op: &'static str, scores: &[&[f32]]) -> Result<usize> {
    let Some(first) = scores.first() else {
        return Err(Error::InvalidArgument {
            op,
            message: "no member scores; combine at least one scorer".into(),
        });
    };
    let n = first.len();
    for (m, s) in scores.iter().enumerate() {
        if s.len() != n {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!("{n} scores from every member (as from member 0)"),
                found: format!("{} scores from member {m}", s.len()),
            });
        }
        if let Some(i) = s.iter().position(|v| v.is_nan()) {
            return Err(Error::InvalidArgument {
                op,
                message: format!("member {m} scored row {i} as NaN"),
            });
        }
    }
    Ok(n)
}

impl Persist for RankAverage {
    const KIND: &'static str = "ua-analytics/rank-average";

    fn validate(&self) -> std::result::Result<(), String> {
        let n = self.reference_rows();
        if self.reference.is_empty() || n == 0 {
            return Err("no reference scores".into());
        }
        if self.weights.len() != self.reference.len() {
            return Err(format!(
                "{} weights for {} members",
                self.weights.len(),
                self.reference.len()
            ));
        }
        for (m, r) in self.reference.iter().enumerate() {
            if r.len() != n {
                return Err(format!(
                    "member {m} has {} reference scores, member 0 {n}",
                    r.len()
                ));
            }
            if r.iter().any(|v| v.is_nan()) || r.windows(2).any(|w| w[0] > w[1]) {
                return Err(format!(
                    "member {m}'s reference scores are not sorted numbers"
                ));
            }
        }
        let total: f64 = self.weights.iter().sum();
        if self.weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) || (total - 1.0).abs() > 1e-9
        {
            return Err(format!(
                "weights {:?} are not ≥ 0 summing to 1",
                self.weights
            ));
        }
        Ok(())
    }
}

/// A fixed set of fitted risk scorers over one input type `X` — a tuple of
/// two to four scorers of any types, or a `Vec` of one type — scored one
/// after another on the same input.
pub trait ScorerSet<X>: Send + Sync {
    /// Number of scorers.
    fn n_scorers(&self) -> usize;
    /// Each scorer's scores of `x`, in order.
    fn score_each(&self, x: X) -> Result<Vec<Array1<f32>>>;
}

/// A set of scorers that saves: each member serialises as it does alone
/// and is validated at load.
pub trait SavedScorers: Serialize + DeserializeOwned {
    /// Validates every member (see [`Persist::validate`]).
    fn validate_each(&self) -> std::result::Result<(), String>;
}

macro_rules! scorer_tuple {
    ($($t:ident $i:tt),+) => {
        impl<X: Copy, $($t: RiskScorer<X>),+> ScorerSet<X> for ($($t,)+) {
            fn n_scorers(&self) -> usize {
                [$($i),+].len()
            }
            fn score_each(&self, x: X) -> Result<Vec<Array1<f32>>> {
                Ok(vec![$(self.$i.risk_score(x)?),+])
            }
        }
        impl<$($t: Persist),+> SavedScorers for ($($t,)+) {
            fn validate_each(&self) -> std::result::Result<(), String> {
                $(self.$i.validate().map_err(|e| format!("member {} ({}): {e}", $i, $t::KIND))?;)+
                Ok(())
            }
        }
    };
}
scorer_tuple!(A 0, B 1);
scorer_tuple!(A 0, B 1, C 2);
scorer_tuple!(A 0, B 1, C 2, D 3);

impl<X: Copy, M: RiskScorer<X>> ScorerSet<X> for Vec<M> {
    fn n_scorers(&self) -> usize {
        self.len()
    }
    fn score_each(&self, x: X) -> Result<Vec<Array1<f32>>> {
        self.iter().map(|m| m.risk_score(x)).collect()
    }
}

impl<M: Persist> SavedScorers for Vec<M> {
    fn validate_each(&self) -> std::result::Result<(), String> {
        for (i, m) in self.iter().enumerate() {
            m.validate()
                .map_err(|e| format!("member {i} ({}): {e}", M::KIND))?;
        }
        Ok(())
    }
}

/// Several fitted risk scorers combined by [`RankAverage`] over their
/// scores on reference rows: itself a [`RiskScorer`] that saves and loads
/// with its members in one file.
///
/// The members are a tuple (`(FittedIsolationForest, Supervised<_>)`, up to
/// four) or a `Vec` of one type, all scoring the same input type.
///
/// ```
/// use ua_analytics::RiskScorer;
/// use ua_analytics::ndarray::Array2;
/// use ua_analytics::risk::{Combined, IsolationForest, RobustZ};
/// use ua_tensor::persist::Persist;
///
/// let mut x = Array2::from_shape_fn((300, 3), |(i, j)| ((i * 17 + j * 5) % 23) as f32);
/// x.row_mut(7).fill(90.0);
/// let forest = IsolationForest::new().trees(50).fit(x.view()).unwrap();
/// let rules = RobustZ::fit(x.view()).unwrap();
/// let both = Combined::fit((forest, rules), x.view()).unwrap();
/// let s = both.risk_score(x.view()).unwrap();
/// assert!(s.iter().enumerate().all(|(i, &v)| i == 7 || v < s[7]));
/// let back = Combined::<(ua_analytics::risk::FittedIsolationForest, RobustZ)>::from_json(
///     &both.to_json().unwrap()).unwrap();
/// assert_eq!(back.risk_score(x.view()).unwrap(), s);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct Combined<T> {
    members: T,
    ranks: RankAverage,
}

impl<T> Combined<T> {
    /// Combines `members` with equal weights; their scores of the
    /// `reference` rows (usually the training rows) fix the quantiles.
    ///
    /// Errors: any member's scoring error, no reference rows.
    pub fn fit<X: Copy>(members: T, reference: X) -> Result<Combined<T>>
    where
        T: ScorerSet<X>,
    {
        let scores = members.score_each(reference)?;
        let views: Vec<&[f32]> = scores
            .iter()
            .map(|s| s.as_slice().expect("a fresh Array1 is contiguous"))
            .collect();
        let ranks = RankAverage::fit(&views)?;
        Ok(Combined { members, ranks })
    }

    /// Sets the members' weights (see [`RankAverage::with_weights`]).
    pub fn with_weights(mut self, weights: &[f64]) -> Result<Combined<T>> {
        self.ranks = self.ranks.with_weights(weights)?;
        Ok(self)
    }

    /// The members.
    pub fn members(&self) -> &T {
        &self.members
    }

    /// The reference distributions and weights.
    pub fn rank_average(&self) -> &RankAverage {
        &self.ranks
    }
}

impl<X: Copy, T: ScorerSet<X>> RiskScorer<X> for Combined<T> {
    fn risk_score(&self, x: X) -> Result<Array1<f32>> {
        let scores = self.members.score_each(x)?;
        let views: Vec<&[f32]> = scores
            .iter()
            .map(|s| s.as_slice().expect("a fresh Array1 is contiguous"))
            .collect();
        self.ranks.combine(&views)
    }
}

impl<T: SavedScorers> Persist for Combined<T> {
    const KIND: &'static str = "ua-analytics/combined-risk";

    fn validate(&self) -> std::result::Result<(), String> {
        self.members.validate_each()?;
        self.ranks.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::{FittedIsolationForest, IsolationForest, RobustZ};
    use crate::testkit::check_risk_scorer;
    use ndarray::Array2;

    #[test]
    fn quantiles_are_mid_ranks_among_the_reference() {
        let r = RankAverage::fit(&[&[3.0, 1.0, 2.0, 2.0]]).unwrap();
        assert_eq!(r.reference_rows(), 4);
        assert_eq!(r.quantile(0, 0.0), 0.0);
        assert_eq!(r.quantile(0, 1.0), 0.125);
        assert_eq!(r.quantile(0, 1.5), 0.25);
        assert_eq!(r.quantile(0, 2.0), 0.5);
        assert_eq!(r.quantile(0, 3.0), 0.875);
        assert_eq!(r.quantile(0, 9.0), 1.0);
    }

    #[test]
    fn weights_shift_the_combination() {
        let r = RankAverage::fit(&[&[0.0, 1.0], &[0.0, 1.0]]).unwrap();
        // Row: top under member 0 (q = 1), bottom under member 1 (q = 0).
        let even = r.combine(&[&[5.0], &[-5.0]]).unwrap();
        assert_eq!(even[0], 0.5);
        assert_eq!(r.n_members(), 2);
        assert_eq!(r.weights(), [0.5, 0.5]);
        let tilted = r.with_weights(&[3.0, 1.0]).unwrap();
        assert_eq!(tilted.weights(), [0.75, 0.25]);
        assert_eq!(tilted.combine(&[&[5.0], &[-5.0]]).unwrap()[0], 0.75);
    }

    #[test]
    fn bad_inputs_are_errors_that_say_what() {
        let msg = |e: Error| e.to_string();
        assert!(msg(RankAverage::fit(&[]).unwrap_err()).contains("no member"));
        assert!(RankAverage::fit(&[&[]]).is_err());
        let e = msg(RankAverage::fit(&[&[1.0, 2.0], &[1.0]]).unwrap_err());
        assert!(e.contains("1 scores from member 1"), "{e}");
        let e = msg(RankAverage::fit(&[&[1.0, f32::NAN]]).unwrap_err());
        assert!(e.contains("member 0 scored row 1 as NaN"), "{e}");
        let r = RankAverage::fit(&[&[1.0, 2.0], &[1.0, 3.0]]).unwrap();
        let e = msg(r.combine(&[&[1.0]]).unwrap_err());
        assert!(
            e.contains("scores of 2 members") && e.contains("scores of 1 members"),
            "{e}"
        );
        let e = msg(r.combine(&[&[1.0], &[f32::NAN]]).unwrap_err());
        assert!(e.contains("member 1 scored row 0"), "{e}");
        for (w, key) in [
            (vec![1.0, f64::NAN], "weight 1 is NaN"),
            (vec![-1.0, 2.0], "weight 0 is -1"),
            (vec![0.0, 0.0], "all weights are 0"),
        ] {
            let e = msg(r.clone().with_weights(&w).unwrap_err());
            assert!(e.contains(key), "{e}");
        }
        // Zero weight for one member is allowed: it drops out.
        let one = r.with_weights(&[0.0, 1.0]).unwrap();
        assert_eq!(one.combine(&[&[9.0], &[1.0]]).unwrap()[0], 0.25);
    }

    #[test]
    fn load_refuses_broken_reference_distributions() {
        let r = RankAverage::fit(&[&[1.0, 2.0, 3.0]]).unwrap();
        let json = r.to_json().unwrap();
        assert_eq!(RankAverage::from_json(&json).unwrap(), r);
        for (from, to, key) in [
            ("[1.0,2.0,3.0]", "[3.0,2.0,1.0]", "not sorted"),
            ("[1.0,2.0,3.0]", "[]", "no reference"),
            ("[1.0]", "[0.5]", "summing to 1"),
            ("[1.0]", "[0.5,0.5]", "2 weights for 1 members"),
            ("[1.0]", "[-0.5]", "summing to 1"),
        ] {
            let broken = json.replace(from, to);
            assert_ne!(broken, json, "{from}");
            let e = RankAverage::from_json(&broken).unwrap_err().to_string();
            assert!(e.contains(key), "{from} → {to}: {e}");
        }
    }

    #[test]
    fn load_refuses_members_of_different_lengths_and_negative_weights() {
        let r = RankAverage::fit(&[&[1.0, 2.0], &[3.0, 4.0]]).unwrap();
        let json = r.to_json().unwrap();
        let short = json.replace("[3.0,4.0]", "[3.0]");
        assert_ne!(short, json);
        let e = RankAverage::from_json(&short).unwrap_err().to_string();
        assert!(
            e.contains("member 1 has 1 reference scores, member 0 2"),
            "{e}"
        );
        let negative = json.replace("[0.5,0.5]", "[-0.5,1.5]");
        assert_ne!(negative, json);
        let e = RankAverage::from_json(&negative).unwrap_err().to_string();
        assert!(e.contains("not ≥ 0 summing to 1"), "{e}");
    }

    fn data() -> Array2<f32> {
        let mut x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * 13 + j * 7) % 19) as f32);
        x.row_mut(11).fill(60.0);
        x
    }

    #[test]
    fn a_combination_passes_the_estimator_checks_and_finds_the_outlier() {
        let x = data();
        let fit = || {
            let forest = IsolationForest::new().trees(30).fit(x.view())?;
            Combined::fit((forest, RobustZ::fit(x.view())?), x.view())
        };
        check_risk_scorer(fit, x.view()).unwrap();
        let s = fit().unwrap().risk_score(x.view()).unwrap();
        let top = s
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(top, 11);
        // Quantiles of the reference rows themselves: the outlier is top
        // under both, so its combined score is (1 − ½/n) under each.
        assert_eq!(s[11], 1.0 - 0.5 / 200.0);
        // Weights reach the combination: all on the forest = the forest's quantiles.
        let c = fit().unwrap();
        assert_eq!(c.rank_average().reference_rows(), 200);
        let forest_only = c.clone().with_weights(&[1.0, 0.0]).unwrap();
        assert_eq!(forest_only.rank_average().weights(), [1.0, 0.0]);
        let fs = c.members().0.risk_score(x.view()).unwrap();
        let q = forest_only.risk_score(x.view()).unwrap();
        for i in [0, 11, 150] {
            assert_eq!(q[i], c.rank_average().quantile(0, fs[i]) as f32, "row {i}");
        }
        assert!(c.with_weights(&[1.0]).is_err());
    }

    #[test]
    fn a_vec_of_one_type_combines_and_a_broken_member_is_refused_at_load() {
        let x = data();
        let forests: Vec<FittedIsolationForest> = (0..3)
            .map(|seed| {
                IsolationForest::new()
                    .trees(20)
                    .seed(seed)
                    .fit(x.view())
                    .unwrap()
            })
            .collect();
        let c = Combined::fit(forests, x.view()).unwrap();
        assert_eq!(c.members().n_scorers(), 3);
        let json = c.to_json().unwrap();
        let back = Combined::<Vec<FittedIsolationForest>>::from_json(&json).unwrap();
        assert_eq!(
            back.risk_score(x.view()).unwrap(),
            c.risk_score(x.view()).unwrap()
        );
        let broken = json.replacen("\"max_depth\":", "\"max_depth\":1", 1);
        assert_ne!(broken, json);
        match Combined::<Vec<FittedIsolationForest>>::from_json(&broken) {
            Err(e) => assert!(e.to_string().contains("member 0"), "{e}"),
            Ok(_) => panic!("a member with a wrong max_depth was accepted"),
        }
    }
}
