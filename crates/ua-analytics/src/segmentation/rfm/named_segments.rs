//! The named RFM segments of marketing practice, from the (R, F) scores
//! (the map is in the [module docs](super)).

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The named RFM segments of marketing practice (see the module docs for
/// the exact score rules). Serialised as the display name.
///
/// ```
/// use ua_analytics::segmentation::rfm::RfmSegment;
/// assert_eq!(RfmSegment::from_scores(4, 1).unwrap(), RfmSegment::Promising);
/// assert_eq!(RfmSegment::CantLoseThem.name(), "Can't Lose Them");
/// assert_eq!(RfmSegment::ALL.len(), 11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RfmSegment {
    /// R 5, F 4–5: bought recently, buy often.
    #[serde(rename = "Champions")]
    Champions,
    /// R 3–4, F 4–5: buy often, fairly recently.
    #[serde(rename = "Loyal Customers")]
    LoyalCustomers,
    /// R 4–5, F 2–3: recent, with a few purchases.
    #[serde(rename = "Potential Loyalists")]
    PotentialLoyalists,
    /// R 5, F 1: first purchase very recently.
    #[serde(rename = "New Customers")]
    NewCustomers,
    /// R 4, F 1: recent one-time buyers.
    #[serde(rename = "Promising")]
    Promising,
    /// R 3, F 3: middling recency and frequency.
    #[serde(rename = "Need Attention")]
    NeedAttention,
    /// R 3, F 1–2: fading, few purchases.
    #[serde(rename = "About to Sleep")]
    AboutToSleep,
    /// R 1–2, F 3–4: bought often, but long ago.
    #[serde(rename = "At Risk")]
    AtRisk,
    /// R 1–2, F 5: the most frequent buyers, gone quiet.
    #[serde(rename = "Can't Lose Them")]
    CantLoseThem,
    /// R 1–2, F 1–2 except R 1 F 1: long ago, few purchases.
    #[serde(rename = "Hibernating")]
    Hibernating,
    /// R 1, F 1: the least recent one-time buyers.
    #[serde(rename = "Lost")]
    Lost,
}

impl RfmSegment {
    /// Every segment, in the order of the module docs' table (best first).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::ALL[0], RfmSegment::Champions);
    /// assert_eq!(RfmSegment::ALL[10], RfmSegment::Lost);
    /// ```
    pub const ALL: [RfmSegment; 11] = [
        RfmSegment::Champions,
        RfmSegment::LoyalCustomers,
        RfmSegment::PotentialLoyalists,
        RfmSegment::NewCustomers,
        RfmSegment::Promising,
        RfmSegment::NeedAttention,
        RfmSegment::AboutToSleep,
        RfmSegment::AtRisk,
        RfmSegment::CantLoseThem,
        RfmSegment::Hibernating,
        RfmSegment::Lost,
    ];

    /// The segment of an (R, F) score pair; scores outside 1–5 are an error.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::from_scores(2, 5).unwrap(), RfmSegment::CantLoseThem);
    /// assert!(RfmSegment::from_scores(0, 3).is_err());
    /// ```
    pub fn from_scores(r: u8, f: u8) -> Result<Self> {
        if !(1..=5).contains(&r) || !(1..=5).contains(&f) {
            return Err(Error::InvalidArgument {
                op: "RfmSegment::from_scores",
                message: format!("scores must be 1..=5, found R {r}, F {f}"),
            });
        }
        Ok(Self::from_scores_clamped(r, f))
    }

    /// The rule table itself, on scores known to be in 1..=5 (values
    /// outside are clamped).
    pub(crate) fn from_scores_clamped(r: u8, f: u8) -> Self {
        use RfmSegment::*;
        match (r.clamp(1, 5), f.clamp(1, 5)) {
            (5, 4..=5) => Champions,
            (3..=4, 4..=5) => LoyalCustomers,
            (4..=5, 2..=3) => PotentialLoyalists,
            (5, 1) => NewCustomers,
            (4, 1) => Promising,
            (3, 3) => NeedAttention,
            (3, 1..=2) => AboutToSleep,
            (1..=2, 3..=4) => AtRisk,
            (1..=2, 5) => CantLoseThem,
            (1, 1) => Lost,
            _ => Hibernating, // (1, 2), (2, 1), (2, 2)
        }
    }

    /// The display name ("Loyal Customers").
    ///
    /// ```
    /// assert_eq!(ua_analytics::segmentation::rfm::RfmSegment::AtRisk.name(), "At Risk");
    /// ```
    pub fn name(self) -> &'static str {
        use RfmSegment::*;
        match self {
            Champions => "Champions",
            LoyalCustomers => "Loyal Customers",
            PotentialLoyalists => "Potential Loyalists",
            NewCustomers => "New Customers",
            Promising => "Promising",
            NeedAttention => "Need Attention",
            AboutToSleep => "About to Sleep",
            AtRisk => "At Risk",
            CantLoseThem => "Can't Lose Them",
            Hibernating => "Hibernating",
            Lost => "Lost",
        }
    }

    /// The score rule of the segment, as in the module docs' table.
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::Champions.rule(), "R 5, F 4-5");
    /// ```
    pub fn rule(self) -> &'static str {
        use RfmSegment::*;
        match self {
            Champions => "R 5, F 4-5",
            LoyalCustomers => "R 3-4, F 4-5",
            PotentialLoyalists => "R 4-5, F 2-3",
            NewCustomers => "R 5, F 1",
            Promising => "R 4, F 1",
            NeedAttention => "R 3, F 3",
            AboutToSleep => "R 3, F 1-2",
            AtRisk => "R 1-2, F 3-4",
            CantLoseThem => "R 1-2, F 5",
            Hibernating => "R 1-2, F 1-2 except R 1 F 1",
            Lost => "R 1, F 1",
        }
    }

    /// Position in [`RfmSegment::ALL`] (0 = Champions … 10 = Lost).
    ///
    /// ```
    /// use ua_analytics::segmentation::rfm::RfmSegment;
    /// assert_eq!(RfmSegment::Lost.index(), 10);
    /// ```
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for RfmSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_score_pair_has_exactly_one_segment_as_in_the_table() {
        // The grid of the module docs, rows R = 5..1, columns F = 1..5.
        use RfmSegment::*;
        let grid = [
            [
                NewCustomers,
                PotentialLoyalists,
                PotentialLoyalists,
                Champions,
                Champions,
            ],
            [
                Promising,
                PotentialLoyalists,
                PotentialLoyalists,
                LoyalCustomers,
                LoyalCustomers,
            ],
            [
                AboutToSleep,
                AboutToSleep,
                NeedAttention,
                LoyalCustomers,
                LoyalCustomers,
            ],
            [Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
            [Lost, Hibernating, AtRisk, AtRisk, CantLoseThem],
        ];
        let mut count = [0usize; 11];
        for r in 1..=5u8 {
            for f in 1..=5u8 {
                let s = RfmSegment::from_scores(r, f).unwrap();
                assert_eq!(s, grid[usize::from(5 - r)][usize::from(f - 1)], "R{r} F{f}");
                // The rule text names this pair (checked by parsing it).
                assert!(
                    rule_matches(s.rule(), r, f),
                    "{s}: {} vs R{r} F{f}",
                    s.rule()
                );
                // And no other segment's rule does.
                for other in RfmSegment::ALL {
                    if other != s {
                        assert!(
                            !rule_matches(other.rule(), r, f),
                            "{other} also claims R{r} F{f}"
                        );
                    }
                }
                count[s.index()] += 1;
            }
        }
        assert_eq!(count.iter().sum::<usize>(), 25);
        assert!(
            count.iter().all(|&c| c > 0),
            "every segment is used: {count:?}"
        );
        assert_eq!(count, [2, 4, 4, 1, 1, 1, 2, 4, 2, 3, 1]);
        for (i, s) in RfmSegment::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        assert!(RfmSegment::from_scores(6, 1).is_err());
        assert!(RfmSegment::from_scores(1, 0).is_err());
    }

    /// Parses "R a-b, F c-d[ except R x F y]".
    fn rule_matches(rule: &str, r: u8, f: u8) -> bool {
        let range = |s: &str| -> (u8, u8) {
            let mut it = s.split('-').map(|p| p.trim().parse::<u8>().unwrap());
            let lo = it.next().unwrap();
            (lo, it.next().unwrap_or(lo))
        };
        let (main, except) = match rule.split_once(" except ") {
            Some((m, e)) => (m, Some(e)),
            None => (rule, None),
        };
        let (rp, fp) = main.split_once(", ").unwrap();
        let (rl, rh) = range(rp.trim_start_matches("R "));
        let (fl, fh) = range(fp.trim_start_matches("F "));
        let inside = (rl..=rh).contains(&r) && (fl..=fh).contains(&f);
        let excluded = except.is_some_and(|e| {
            let (er, ef) = e.split_once(" F ").unwrap();
            er.trim_start_matches("R ").parse::<u8>().unwrap() == r
                && ef.parse::<u8>().unwrap() == f
        });
        inside && !excluded
    }

    #[test]
    fn serde_names() {
        let j = serde_json::to_string(&RfmSegment::CantLoseThem).unwrap();
        assert_eq!(j, "\"Can't Lose Them\"");
        let back: RfmSegment = serde_json::from_str("\"About to Sleep\"").unwrap();
        assert_eq!(back, RfmSegment::AboutToSleep);
        assert_eq!(RfmSegment::NeedAttention.to_string(), "Need Attention");
        // Out-of-range scores are clamped by the internal rule table.
        assert_eq!(
            RfmSegment::from_scores_clamped(9, 0),
            RfmSegment::NewCustomers
        );
    }
}
