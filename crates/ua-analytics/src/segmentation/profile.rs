//! Segment profiles: what each segment looks like, for people and programs.
//!
//! For a partition of customers into segments (k-means clusters, RFM named
//! segments, anything with a segment index per customer), a profile gives
//! per segment
//!
//! * `size` and `share` (size / customers),
//! * `revenue_share` (the segment's revenue / total revenue; 0 when the
//!   total is 0),
//! * `label_rate`, when a boolean label is given (e.g. "bought again in the
//!   holdout period"): the share of the segment's customers with the label,
//! * the `mean` and `median` of each feature, in original units (the median
//!   of an even count is the mean of the two middle values).
//!
//! Segments without customers keep their row (size 0) with `label_rate`
//! `None` and no feature summaries. [`SegmentProfiles`] prints as a text
//! table (`Display`) and serialises with serde.
//!
//! Medians are computed per feature in one pass: values are laid out
//! contiguously grouped by segment (a counting sort of the customers), and
//! each segment's slice is partially selected — no per-segment allocation.
//!
//! ```
//! use ua_analytics::segmentation::profile::SegmentProfiles;
//! let segment = [0, 1, 0, 1, 1];
//! let spend = [10.0, 1.0, 30.0, 2.0, 6.0];
//! let p = SegmentProfiles::compute(&segment, &["big", "small"], &[("spend", &spend[..])],
//!     &spend, None).unwrap();
//! assert_eq!(p.profiles[0].size, 2);
//! assert_eq!(p.profiles[0].revenue_share, 40.0 / 49.0);
//! assert_eq!(p.profiles[1].features[0].median, 2.0);
//! println!("{p}");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use ua_data::features::rfm::RfmFeatures;

use super::rfm::RfmSegment;
use crate::{Error, Result};

/// Mean and median of one feature within one segment, in original units.
///
/// ```
/// use ua_analytics::segmentation::profile::FeatureSummary;
/// let s = FeatureSummary { name: "monetary".into(), mean: 12.5, median: 10.0 };
/// assert!(s.mean > s.median);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSummary {
    /// Feature name.
    pub name: String,
    /// Mean over the segment's customers.
    pub mean: f64,
    /// Median over the segment's customers.
    pub median: f64,
}

/// The profile of one segment (see the module docs).
///
/// ```
/// use ua_analytics::segmentation::profile::SegmentProfiles;
/// let p = SegmentProfiles::compute(&[0, 0, 1], &["a", "b"], &[], &[1.0, 1.0, 2.0],
///     Some(&[true, false, true])).unwrap();
/// let a = &p.profiles[0];
/// assert_eq!((a.index, a.segment.as_str(), a.size), (0, "a", 2));
/// assert_eq!((a.share, a.revenue_share, a.label_rate), (2.0 / 3.0, 0.5, Some(0.5)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentProfile {
    /// Segment index (position in the list of segment names).
    pub index: usize,
    /// Segment name.
    pub segment: String,
    /// Customers in the segment.
    pub size: usize,
    /// `size / customers`.
    pub share: f64,
    /// The segment's share of the total revenue (0 when the total is 0).
    pub revenue_share: f64,
    /// Share of the segment's customers with the label; `None` without a
    /// label or for an empty segment.
    pub label_rate: Option<f64>,
    /// Mean and median of each feature (empty for an empty segment).
    pub features: Vec<FeatureSummary>,
}

/// Profiles of all segments of a partition, in segment-index order.
///
/// ```
/// use ua_analytics::segmentation::profile::SegmentProfiles;
/// let p = SegmentProfiles::compute(&[1, 1], &["empty", "all"], &[("x", &[1.0, 3.0][..])],
///     &[5.0, 5.0], None).unwrap();
/// assert_eq!(p.customers, 2);
/// assert_eq!(p.profiles[0].size, 0);
/// assert!(p.profiles[0].features.is_empty());
/// assert_eq!(p.profiles[1].features[0].mean, 2.0);
/// let json = serde_json::to_string(&p).unwrap();
/// let back: SegmentProfiles = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, p);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentProfiles {
    /// Customers in the partition.
    pub customers: usize,
    /// Total revenue of all customers.
    pub total_revenue: f64,
    /// Name of the label, when one was given.
    pub label_name: Option<String>,
    /// One profile per segment, in index order.
    pub profiles: Vec<SegmentProfile>,
}

const OP: &str = "SegmentProfiles::compute";

impl SegmentProfiles {
    /// Profiles of the partition `assignment` (segment index of each
    /// customer, `< names.len()`), with named feature columns, the revenue
    /// of each customer and an optional label.
    ///
    /// Errors: no customers or no segment names, a column of another length
    /// than `assignment` (named), a segment index out of range, a
    /// non-finite feature or revenue value (naming column and row).
    ///
    /// ```
    /// use ua_analytics::segmentation::profile::SegmentProfiles;
    /// let e = SegmentProfiles::compute(&[0, 2], &["a", "b"], &[], &[1.0, 1.0], None).unwrap_err();
    /// assert!(e.to_string().contains("row 1"));
    /// ```
    pub fn compute<S: AsRef<str>>(
        assignment: &[usize],
        names: &[S],
        features: &[(&str, &[f64])],
        revenue: &[f64],
        label: Option<&[bool]>,
    ) -> Result<Self> {
        let n = assignment.len();
        let k = names.len();
        if n == 0 || k == 0 {
            return Err(Error::Empty { op: OP });
        }
        let mut lens: Vec<(&str, usize)> = vec![("revenue", revenue.len())];
        lens.extend(features.iter().map(|(name, v)| (*name, v.len())));
        if let Some(l) = label {
            lens.push(("label", l.len()));
        }
        for (name, len) in lens {
            if len != n {
                return Err(Error::ShapeMismatch {
                    op: OP,
                    expected: format!("`{name}` with one value per customer ({n})"),
                    found: format!("{len} values"),
                });
            }
        }
        if let Some(row) = assignment.iter().position(|&s| s >= k) {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!(
                    "segment index {} at row {row} is out of range: there are {k} segment names",
                    assignment[row]
                ),
            });
        }
        for (name, values) in std::iter::once(("revenue", revenue)).chain(features.iter().copied())
        {
            if let Some(row) = values.iter().position(|v| !v.is_finite()) {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: format!(
                        "`{name}` at row {row} is {}; values must be finite",
                        values[row]
                    ),
                });
            }
        }

        // Counting sort of the customers by segment: members of segment s
        // are order[offsets[s]..offsets[s + 1]].
        let mut sizes = vec![0usize; k];
        let mut revenue_sum = vec![0.0f64; k];
        let mut positives = vec![0usize; k];
        for (i, &s) in assignment.iter().enumerate() {
            sizes[s] += 1;
            revenue_sum[s] += revenue[i];
            if label.is_some_and(|l| l[i]) {
                positives[s] += 1;
            }
        }
        let mut offsets = vec![0usize; k + 1];
        for s in 0..k {
            offsets[s + 1] = offsets[s] + sizes[s];
        }
        let mut next = offsets.clone();
        let mut order = vec![0usize; n];
        for (i, &s) in assignment.iter().enumerate() {
            order[next[s]] = i;
            next[s] += 1;
        }

        let total_revenue: f64 = revenue_sum.iter().sum();
        let mut profiles: Vec<SegmentProfile> = (0..k)
            .map(|s| SegmentProfile {
                index: s,
                segment: names[s].as_ref().to_string(),
                size: sizes[s],
                share: sizes[s] as f64 / n as f64,
                revenue_share: if total_revenue != 0.0 {
                    revenue_sum[s] / total_revenue
                } else {
                    0.0
                },
                label_rate: (label.is_some() && sizes[s] > 0)
                    .then(|| positives[s] as f64 / sizes[s] as f64),
                features: Vec::with_capacity(if sizes[s] > 0 { features.len() } else { 0 }),
            })
            .collect();

        let mut buf = vec![0.0f64; n];
        for (name, values) in features {
            for (slot, &i) in buf.iter_mut().zip(&order) {
                *slot = values[i];
            }
            for (s, profile) in profiles.iter_mut().enumerate() {
                let group = &mut buf[offsets[s]..offsets[s + 1]];
                if group.is_empty() {
                    continue;
                }
                let mean = group.iter().sum::<f64>() / group.len() as f64;
                profile.features.push(FeatureSummary {
                    name: (*name).to_string(),
                    mean,
                    median: median_in_place(group),
                });
            }
        }
        Ok(SegmentProfiles {
            customers: n,
            total_revenue,
            label_name: None,
            profiles,
        })
    }

    /// Profiles with the RFM features as columns (`recency_days`,
    /// `frequency`, `monetary`) and `monetary` as the revenue; the label,
    /// when the features have a holdout, is `bought_in_holdout`.
    ///
    /// ```
    /// use ua_analytics::segmentation::profile::SegmentProfiles;
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[1u64, 2, 2, 3], &[1, 2, 8, 9], &[4.0, 1.0, 1.0, 4.0], None,
    ///     &RfmConfig { as_of: 10, holdout_end: None }).unwrap();
    /// let p = SegmentProfiles::from_rfm(&f, &[0, 1, 1], &["one", "two"]).unwrap();
    /// assert_eq!(p.profiles[1].features[1].name, "frequency");
    /// assert_eq!(p.profiles[1].features[1].mean, 1.5); // customers 2 (2 days) and 3 (1 day)
    /// assert_eq!(p.profiles[1].revenue_share, 0.6);
    /// assert!(p.profiles[1].label_rate.is_none());
    /// ```
    pub fn from_rfm<K, S: AsRef<str>>(
        features: &RfmFeatures<K>,
        assignment: &[usize],
        names: &[S],
    ) -> Result<Self> {
        let recency: Vec<f64> = features
            .recency_days
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let frequency: Vec<f64> = features.frequency.iter().map(|&v| f64::from(v)).collect();
        let cols: [(&str, &[f64]); 3] = [
            ("recency_days", &recency),
            ("frequency", &frequency),
            ("monetary", &features.monetary),
        ];
        let label = features.bought_in_holdout.as_deref();
        let mut p = Self::compute(assignment, names, &cols, &features.monetary, label)?;
        if label.is_some() {
            p.label_name = Some("bought_in_holdout".into());
        }
        Ok(p)
    }

    /// Profiles of the named RFM segments ([`RfmSegment::ALL`] order, empty
    /// segments included) of `features`, given each customer's segment.
    ///
    /// ```
    /// use ua_analytics::segmentation::profile::SegmentProfiles;
    /// use ua_analytics::segmentation::rfm::{RfmScores, RfmSegment};
    /// use ua_data::features::rfm::{RfmConfig, RfmFeatures};
    /// let f = RfmFeatures::compute(&[1u64, 2], &[1, 9], &[5.0, 1.0], None,
    ///     &RfmConfig { as_of: 10, holdout_end: None }).unwrap();
    /// let seg = RfmScores::from_features(&f).unwrap().segments();
    /// let p = SegmentProfiles::from_rfm_segments(&f, &seg).unwrap();
    /// assert_eq!(p.profiles.len(), 11);
    /// assert_eq!(p.profiles[RfmSegment::Lost.index()].size, 1);
    /// ```
    pub fn from_rfm_segments<K>(
        features: &RfmFeatures<K>,
        segments: &[RfmSegment],
    ) -> Result<Self> {
        let assignment: Vec<usize> = segments.iter().map(|s| s.index()).collect();
        let names = RfmSegment::ALL.map(RfmSegment::name);
        Self::from_rfm(features, &assignment, &names)
    }

    /// Sets the label name shown in the table header and the JSON.
    ///
    /// ```
    /// use ua_analytics::segmentation::profile::SegmentProfiles;
    /// let p = SegmentProfiles::compute(&[0], &["a"], &[], &[1.0], Some(&[true])).unwrap()
    ///     .with_label_name("churned");
    /// assert!(p.to_string().contains("churned"));
    /// ```
    pub fn with_label_name(mut self, name: impl Into<String>) -> Self {
        self.label_name = Some(name.into());
        self
    }
}

/// Median of a non-empty slice, reordering it.
fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    let mid = n / 2;
    let (left, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *m;
    if n % 2 == 1 {
        upper
    } else {
        let lower = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// A number in a width-friendly form: 0 decimals from 1000, 1 from 10, 2 below.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

impl fmt::Display for SegmentProfiles {
    /// A text table: one row per segment; feature cells are `mean / median`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let feature_names: Vec<&str> = self
            .profiles
            .iter()
            .find(|p| !p.features.is_empty())
            .map(|p| p.features.iter().map(|s| s.name.as_str()).collect())
            .unwrap_or_default();
        let has_label =
            self.profiles.iter().any(|p| p.label_rate.is_some()) || self.label_name.is_some();
        let mut header: Vec<String> = vec![
            "segment".into(),
            "size".into(),
            "share".into(),
            "revenue".into(),
        ];
        if has_label {
            header.push(
                self.label_name
                    .clone()
                    .map_or_else(|| "label rate".to_string(), |l| format!("{l} rate")),
            );
        }
        header.extend(feature_names.iter().map(|n| format!("{n} mean / median")));
        let rows: Vec<Vec<String>> = self
            .profiles
            .iter()
            .map(|p| {
                let mut r = vec![
                    p.segment.clone(),
                    p.size.to_string(),
                    pct(p.share),
                    pct(p.revenue_share),
                ];
                if has_label {
                    r.push(p.label_rate.map_or_else(|| "-".into(), pct));
                }
                for j in 0..feature_names.len() {
                    r.push(p.features.get(j).map_or_else(
                        || "-".into(),
                        |s| format!("{} / {}", num(s.mean), num(s.median)),
                    ));
                }
                r
            })
            .collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|j| {
                rows.iter()
                    .filter_map(|r| r.get(j))
                    .chain(std::iter::once(&header[j]))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            for (j, (c, w)) in cells.iter().zip(&widths).enumerate() {
                if j > 0 {
                    f.write_str("  ")?;
                }
                if j == 0 {
                    write!(f, "{c:<w$}")?;
                } else {
                    write!(f, "{c:>w$}")?;
                }
            }
            writeln!(f)
        };
        line(f, &header)?;
        for r in &rows {
            line(f, r)?;
        }
        write!(
            f,
            "{} customers, total revenue {}",
            self.customers,
            num(self.total_revenue)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn hand_computed_profile() {
        // segment 0: rows 0, 3 ; segment 1: rows 1, 2, 4 ; segment 2: empty
        let seg = [0, 1, 1, 0, 1];
        let x = [4.0, 1.0, 9.0, 2.0, 5.0];
        let y = [0.0, 10.0, 20.0, 30.0, 40.0];
        let rev = [10.0, 20.0, 30.0, 40.0, 0.0];
        let label = [true, false, true, true, true];
        let p = SegmentProfiles::compute(
            &seg,
            &["a", "b", "c"],
            &[("x", &x[..]), ("y", &y[..])],
            &rev,
            Some(&label),
        )
        .unwrap();
        assert_eq!(p.customers, 5);
        assert_eq!(p.total_revenue, 100.0);
        let a = &p.profiles[0];
        assert_eq!((a.size, a.share, a.revenue_share), (2, 0.4, 0.5));
        assert_eq!(a.label_rate, Some(1.0));
        assert_eq!(
            a.features[0],
            FeatureSummary {
                name: "x".into(),
                mean: 3.0,
                median: 3.0
            }
        );
        assert_eq!(a.features[1].mean, 15.0);
        assert_eq!(a.features[1].median, 15.0);
        let b = &p.profiles[1];
        assert_eq!((b.size, b.share, b.revenue_share), (3, 0.6, 0.5));
        assert_relative_eq!(b.label_rate.unwrap(), 2.0 / 3.0);
        assert_eq!(b.features[0].mean, 5.0);
        assert_eq!(b.features[0].median, 5.0);
        assert_relative_eq!(b.features[1].mean, 70.0 / 3.0);
        assert_eq!(b.features[1].median, 20.0);
        let c = &p.profiles[2];
        assert_eq!(
            (c.size, c.share, c.revenue_share, c.label_rate),
            (0, 0.0, 0.0, None)
        );
        assert!(c.features.is_empty());
        let text = p.to_string();
        assert!(text.contains("x mean / median"), "{text}");
        assert!(text.contains("3.00 / 3.00"), "{text}");
        assert!(text.contains("66.7%"), "{text}");
        assert_eq!(text.lines().count(), 5, "{text}");
    }

    #[test]
    fn medians_odd_even_and_zero_revenue() {
        let mut v = [5.0, 1.0, 3.0];
        assert_eq!(median_in_place(&mut v), 3.0);
        let mut v = [8.0, 1.0, 3.0, 4.0];
        assert_eq!(median_in_place(&mut v), 3.5);
        let p = SegmentProfiles::compute(&[0, 0], &["z"], &[], &[0.0, 0.0], None).unwrap();
        assert_eq!(p.profiles[0].revenue_share, 0.0);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = SegmentProfiles::compute::<&str>(&[], &["a"], &[], &[], None).unwrap_err();
        assert!(matches!(e, Error::Empty { .. }));
        let e = SegmentProfiles::compute(&[0, 0], &["a"], &[("x", &[1.0][..])], &[1.0, 1.0], None)
            .unwrap_err();
        assert!(e.to_string().contains("`x`"), "{e}");
        let e =
            SegmentProfiles::compute(&[0, 0], &["a"], &[], &[1.0, 1.0], Some(&[true])).unwrap_err();
        assert!(e.to_string().contains("label"), "{e}");
        let e = SegmentProfiles::compute(
            &[0, 0],
            &["a"],
            &[("x", &[1.0, f64::NAN][..])],
            &[1.0, 1.0],
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("`x` at row 1"), "{e}");
        let e = SegmentProfiles::compute(&[0, 3], &["a"], &[], &[1.0, 1.0], None).unwrap_err();
        assert!(e.to_string().contains("index 3 at row 1"), "{e}");
    }
}
