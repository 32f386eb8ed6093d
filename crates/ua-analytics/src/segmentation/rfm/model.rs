//! [`RfmKMeans`]: k-means on the standardised RFM features, with the
//! clusters numbered by size, serving raw RFM values through the fitted
//! scaler, and saved with it in one file.

use ndarray::Array1;
use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::scaler::{LogRfmScaler, RFM_COLUMNS, RfmInput};
use crate::segmentation::{FittedKMeans, KMeans};
use crate::{Error, Result, Segmenter};

/// K-means on standardised `log1p(recency, frequency, monetary)` with the
/// clusters renumbered by size: cluster 0 is the largest (ties keep the
/// k-means order).
///
/// It reads **raw** RFM values ([`RfmInput`]) for fitting and for
/// [`Segmenter::assign`], and standardises them with the scaler fitted on
/// the training customers, which it keeps; one saved file
/// ([`Persist`], kind `ua-analytics/rfm-kmeans`) holds the scaler, the
/// k-means model and the numbering, and loading checks that they agree.
///
/// ```
/// use ua_analytics::Segmenter;
/// use ua_analytics::segmentation::KMeans;
/// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
/// // Ten frequent big spenders and twenty one-time small buyers.
/// let mut r = vec![2; 10]; r.extend([200; 20]);
/// let mut f = vec![12; 10]; f.extend([1; 20]);
/// let mut m = vec![900.0; 10]; m.extend([15.0; 20]);
/// let seg = RfmKMeans::fit(RfmColumns::new(&r, &f, &m), &KMeans::new(2).seed(3)).unwrap();
/// assert_eq!(seg.sizes(), [20, 10]);
/// assert_eq!(seg.labels()[0], 1);
/// let new = seg.assign(RfmColumns::new(&[1], &[20], &[2000.0])).unwrap();
/// assert_eq!(new[0], 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmKMeans {
    scaler: LogRfmScaler,
    model: FittedKMeans<f64>,
    relabel: Vec<usize>,
    labels: Vec<usize>,
    sizes: Vec<usize>,
}

impl RfmKMeans {
    /// Fits a [`LogRfmScaler`] on the raw values and `kmeans` on its output.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    /// let cols = RfmColumns::new(&[1, 2], &[1, 1], &[1.0, 2.0]);
    /// assert!(RfmKMeans::fit(cols, &KMeans::new(5)).is_err()); // 2 customers
    /// ```
    pub fn fit(data: impl RfmInput, kmeans: &KMeans) -> Result<Self> {
        let (x, scaler) = LogRfmScaler::fit_transform(data)?;
        let model = kmeans.fit(x.view())?;
        Self::from_fit(scaler, model)
    }

    /// Wraps a k-means model fitted on `scaler`'s output for the same
    /// customers and renumbers its clusters by size. Errors when the model
    /// breaks an invariant (e.g. a label ≥ k), does not have the three RFM
    /// features, or has labels for another number of customers than the
    /// scaler was fitted on.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmColumns, RfmKMeans};
    /// let (x, s) = LogRfmScaler::fit_transform(RfmColumns::new(&[1, 2, 90], &[5, 5, 1], &[9.0, 8.0, 1.0])).unwrap();
    /// let seg = RfmKMeans::from_fit(s.clone(), KMeans::new(2).seed(0).fit(x.view()).unwrap()).unwrap();
    /// assert_eq!(seg.labels(), [0, 0, 1]);
    /// let other = KMeans::new(1).fit(x.slice(ua_analytics::ndarray::s![..2, ..])).unwrap();
    /// assert!(RfmKMeans::from_fit(s, other).is_err()); // 2 labels, 3 customers
    /// ```
    pub fn from_fit(scaler: LogRfmScaler, model: FittedKMeans<f64>) -> Result<Self> {
        const OP: &str = "RfmKMeans::from_fit";
        model
            .check_invariants()
            .map_err(|m| Error::InvalidArgument {
                op: OP,
                message: format!("the k-means model is not usable: {m}"),
            })?;
        if model.n_features() != RFM_COLUMNS.len() {
            return Err(Error::ShapeMismatch {
                op: OP,
                expected: "a k-means model of the 3 standardised RFM features".into(),
                found: format!("{} features", model.n_features()),
            });
        }
        let customers = scaler.standard_scaler().n_samples();
        if model.labels().len() != customers {
            return Err(Error::ShapeMismatch {
                op: OP,
                expected: format!("labels of the {customers} customers the scaler was fitted on"),
                found: format!("{} labels", model.labels().len()),
            });
        }
        let k = model.k();
        let mut raw_sizes = vec![0usize; k];
        for &l in model.labels() {
            // l < k: checked by `check_invariants` above.
            raw_sizes[l] += 1;
        }
        let mut by_size: Vec<usize> = (0..k).collect();
        by_size.sort_by(|&a, &b| raw_sizes[b].cmp(&raw_sizes[a]).then(a.cmp(&b)));
        let mut relabel = vec![0usize; k];
        for (rank, &c) in by_size.iter().enumerate() {
            relabel[c] = rank;
        }
        let labels = model.labels().iter().map(|&l| relabel[l]).collect();
        let sizes = by_size.iter().map(|&c| raw_sizes[c]).collect();
        Ok(RfmKMeans {
            scaler,
            model,
            relabel,
            labels,
            sizes,
        })
    }

    /// Number of clusters.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    /// let seg = RfmKMeans::fit(RfmColumns::new(&[1, 50], &[3, 1], &[9.0, 1.0]), &KMeans::new(2)).unwrap();
    /// assert_eq!(seg.k(), 2);
    /// ```
    pub fn k(&self) -> usize {
        self.sizes.len()
    }

    /// Cluster (by size rank) of each training customer.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    /// let seg = RfmKMeans::fit(RfmColumns::new(&[1, 2, 50], &[3, 3, 1], &[9.0, 9.5, 1.0]), &KMeans::new(2)).unwrap();
    /// assert_eq!(seg.labels(), [0, 0, 1]);
    /// ```
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Size of each cluster, largest first.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    /// let seg = RfmKMeans::fit(RfmColumns::new(&[1, 2, 50], &[3, 3, 1], &[9.0, 9.5, 1.0]), &KMeans::new(2)).unwrap();
    /// assert_eq!(seg.sizes(), [2, 1]);
    /// ```
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// `relabel()[c]` is the size rank of k-means cluster `c` (a permutation
    /// of `0..k`).
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    /// let seg = RfmKMeans::fit(RfmColumns::new(&[1, 2, 50], &[3, 3, 1], &[9.0, 9.5, 1.0]), &KMeans::new(2)).unwrap();
    /// let c = seg.model().labels()[0];
    /// assert_eq!(seg.relabel()[c], seg.labels()[0]);
    /// ```
    pub fn relabel(&self) -> &[usize] {
        &self.relabel
    }

    /// The scaler fitted on the training customers.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    /// let seg = RfmKMeans::fit(RfmColumns::new(&[1, 50], &[3, 1], &[9.0, 1.0]), &KMeans::new(2)).unwrap();
    /// assert_eq!(seg.scaler().mean().len(), 3);
    /// ```
    pub fn scaler(&self) -> &LogRfmScaler {
        &self.scaler
    }

    /// The fitted k-means model (with its own cluster numbers and its
    /// parameters, [`FittedKMeans::params`]).
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
    /// let km = KMeans::new(2).n_init(4).seed(8);
    /// let seg = RfmKMeans::fit(RfmColumns::new(&[1, 50], &[3, 1], &[9.0, 1.0]), &km).unwrap();
    /// assert_eq!(seg.model().params(), &km);
    /// ```
    pub fn model(&self) -> &FittedKMeans<f64> {
        &self.model
    }

    /// Every invariant (checked when a model is loaded); the message names
    /// the broken one.
    pub(crate) fn check_invariants(&self) -> std::result::Result<(), String> {
        self.scaler
            .check_invariants()
            .map_err(|m| format!("scaler: {m}"))?;
        self.model
            .check_invariants()
            .map_err(|m| format!("k-means model: {m}"))?;
        if self.model.n_features() != RFM_COLUMNS.len() {
            return Err(format!(
                "the k-means model has {} features, expected the 3 RFM features",
                self.model.n_features()
            ));
        }
        let (k, n) = (self.model.k(), self.model.labels().len());
        let customers = self.scaler.standard_scaler().n_samples();
        if n != customers {
            return Err(format!(
                "the k-means model has {n} labels, the scaler was fitted on {customers} customers"
            ));
        }
        if self.relabel.len() != k {
            return Err(format!(
                "relabel has {} entries, expected k = {k}",
                self.relabel.len()
            ));
        }
        let mut seen = vec![false; k];
        for &c in &self.relabel {
            if c >= k || std::mem::replace(&mut seen[c], true) {
                return Err(format!(
                    "relabel {:?} is not a permutation of 0..{k}",
                    self.relabel
                ));
            }
        }
        if self.labels.len() != n {
            return Err(format!("{} labels for {n} customers", self.labels.len()));
        }
        for (i, (&l, &raw)) in self.labels.iter().zip(self.model.labels()).enumerate() {
            if l >= k {
                return Err(format!(
                    "label of customer {i} is {l}; labels must be < k = {k}"
                ));
            }
            if l != self.relabel[raw] {
                return Err(format!(
                    "label of customer {i} is {l}, but its k-means cluster {raw} is renumbered {}",
                    self.relabel[raw]
                ));
            }
        }
        if self.sizes.len() != k {
            return Err(format!("{} sizes for k = {k} clusters", self.sizes.len()));
        }
        let mut counts = vec![0usize; k];
        for &l in &self.labels {
            counts[l] += 1;
        }
        if counts != self.sizes {
            return Err(format!(
                "sizes {:?} do not match the labels, which give {counts:?}",
                self.sizes
            ));
        }
        if self.sizes.windows(2).any(|w| w[0] < w[1]) {
            return Err(format!("sizes {:?} are not largest first", self.sizes));
        }
        Ok(())
    }
}

/// Assigns customers given by their **raw** RFM values: they are
/// standardised with the stored scaler, then given the nearest centre's
/// size-rank number.
impl<X: RfmInput> Segmenter<X> for RfmKMeans {
    fn n_segments(&self) -> usize {
        self.k()
    }

    fn assign(&self, data: X) -> Result<Array1<usize>> {
        let x = self.scaler.transform(data)?;
        let raw = self.model.predict(x.view())?;
        // `relabel` is a permutation of 0..k (checked at construction and load).
        Ok(raw.mapv(|c| self.relabel.get(c).copied().unwrap_or(c)))
    }
}

impl Persist for RfmKMeans {
    const KIND: &'static str = "ua-analytics/rfm-kmeans";
    fn validate(&self) -> std::result::Result<(), String> {
        self.check_invariants()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segmentation::rfm::RfmColumns;
    use crate::segmentation::{SilhouetteMode, evaluate_k_range};
    use ua_tensor::persist::PersistError;

    /// 30 lapsed one-timers, 20 regulars, 10 recent big spenders.
    fn planted() -> (Vec<i32>, Vec<u32>, Vec<f64>) {
        let (mut r, mut f, mut m) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..30 {
            r.push(300 + i);
            f.push(1);
            m.push(10.0 + f64::from(i % 3));
        }
        for i in 0..20 {
            r.push(40 + i);
            f.push(4 + (i as u32 % 2));
            m.push(120.0 + f64::from(i));
        }
        for i in 0..10 {
            r.push(i % 3);
            f.push(20 + i as u32);
            m.push(2000.0 + f64::from(i) * 10.0);
        }
        (r, f, m)
    }

    fn fitted() -> RfmKMeans {
        let (r, f, m) = planted();
        RfmKMeans::fit(
            RfmColumns::new(&r, &f, &m),
            &KMeans::new(3).n_init(5).seed(11),
        )
        .unwrap()
    }

    #[test]
    fn kmeans_on_rfm_finds_planted_groups_and_numbers_them_by_size() {
        let (r, f, m) = planted();
        let seg = fitted();
        assert_eq!(seg.sizes(), [30, 20, 10]);
        assert_eq!(&seg.labels()[..30], &[0; 30]);
        assert_eq!(&seg.labels()[30..50], &[1; 20]);
        assert_eq!(&seg.labels()[50..], &[2; 10]);
        assert_eq!(Segmenter::<RfmColumns<'_>>::n_segments(&seg), 3);
        // relabel maps each k-means cluster to its size rank.
        let mut ranks = seg.relabel().to_vec();
        ranks.sort_unstable();
        assert_eq!(ranks, [0, 1, 2]);
        for (&l, &raw) in seg.labels().iter().zip(seg.model().labels()) {
            assert_eq!(seg.relabel()[raw], l);
        }
        assert_eq!(seg.k(), 3);
        let again = seg.assign(RfmColumns::new(&r, &f, &m)).unwrap();
        assert_eq!(again.to_vec(), seg.labels());
        let (x, _) = LogRfmScaler::fit_transform(RfmColumns::new(&r, &f, &m)).unwrap();
        let report = evaluate_k_range(
            x.view(),
            2..=5,
            &KMeans::default().seed(11),
            SilhouetteMode::Exact,
        )
        .unwrap();
        assert_eq!(report.recommended_k, Some(3), "{report:?}");
        let s3 = report.scores_for(3).unwrap();
        assert!(s3.silhouette.unwrap() > 0.7, "{s3:?}");
        assert!(s3.davies_bouldin.unwrap() < 0.5, "{s3:?}");
    }

    #[test]
    fn clusters_of_equal_size_keep_the_kmeans_order_and_load() {
        // Two groups of 12: a tie in size, which is valid.
        let r: Vec<i32> = (0..24)
            .map(|i| if i < 12 { 2 + i % 3 } else { 300 + i })
            .collect();
        let f: Vec<u32> = (0..24).map(|i| if i < 12 { 9 } else { 1 }).collect();
        let m: Vec<f64> = (0..24).map(|i| if i < 12 { 500.0 } else { 9.0 }).collect();
        let seg = RfmKMeans::fit(RfmColumns::new(&r, &f, &m), &KMeans::new(2).seed(4)).unwrap();
        assert_eq!(seg.sizes(), [12, 12]);
        // Ties keep the k-means numbering: relabel is the identity.
        assert_eq!(seg.relabel(), [0, 1]);
        assert_eq!(seg.labels(), seg.model().labels().to_vec());
        let back = RfmKMeans::from_json(&seg.to_json().unwrap()).unwrap();
        assert_eq!(back, seg);
    }

    #[test]
    fn from_fit_refuses_models_that_do_not_match() {
        let seg = fitted();
        let scaler = seg.scaler().clone();
        // A k-means model with a label ≥ k (an edited file): an error, no panic.
        let mut v = serde_json::to_value(seg.model()).unwrap();
        v["labels"]["data"][0] = 7.into();
        let bad: FittedKMeans<f64> = serde_json::from_value(v).unwrap();
        let e = RfmKMeans::from_fit(scaler.clone(), bad).unwrap_err();
        assert!(e.to_string().contains("training label 0 is 7"), "{e}");
        // Two features instead of three.
        let x2 = ndarray::Array2::from_shape_fn((60, 2), |(i, j)| (i * (j + 1)) as f64);
        let two = KMeans::new(3).fit(x2.view()).unwrap();
        assert!(matches!(
            RfmKMeans::from_fit(scaler, two),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    fn load_edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(&fitted().to_json().unwrap()).unwrap();
        edit(&mut v["model"]);
        match RfmKMeans::from_json(&v.to_string()) {
            Err(PersistError::Invalid { message, .. }) => message,
            other => panic!("expected an invalid-model error, got {other:?}"),
        }
    }

    #[test]
    fn round_trip_and_every_broken_invariant() {
        let seg = fitted();
        let back = RfmKMeans::from_json(&seg.to_json().unwrap()).unwrap();
        assert_eq!(back, seg);
        let (r, f, m) = planted();
        let cols = RfmColumns::new(&r, &f, &m);
        assert_eq!(back.assign(cols).unwrap(), seg.assign(cols).unwrap());

        let m = load_edited(|v| v["labels"][3] = 3.into());
        assert!(
            m.contains("label of customer 3 is 3; labels must be < k = 3"),
            "{m}"
        );
        let m = load_edited(|v| v["model"]["labels"]["data"][3] = 5.into());
        assert!(m.contains("k-means model: training label 3 is 5"), "{m}");
        let m = load_edited(|v| v["labels"][3] = 1.into());
        assert!(m.contains("label of customer 3 is 1, but"), "{m}");
        let m = load_edited(|v| v["relabel"] = serde_json::json!([0, 0, 1]));
        assert!(m.contains("not a permutation of 0..3"), "{m}");
        let m = load_edited(|v| v["relabel"] = serde_json::json!([0, 1, 3]));
        assert!(m.contains("not a permutation"), "{m}");
        let m = load_edited(|v| v["relabel"] = serde_json::json!([0, 1]));
        assert!(m.contains("relabel has 2 entries"), "{m}");
        let m = load_edited(|v| v["sizes"] = serde_json::json!([30, 20, 11]));
        assert!(m.contains("do not match the labels"), "{m}");
        let m = load_edited(|v| v["sizes"] = serde_json::json!([30, 20]));
        assert!(m.contains("2 sizes for k = 3"), "{m}");
        let m = load_edited(|v| {
            v["labels"].as_array_mut().unwrap().pop();
        });
        assert!(m.contains("59 labels for 60 customers"), "{m}");
        let m = load_edited(|v| v["scaler"]["standard"]["scale"][0] = (-1.0).into());
        assert!(m.starts_with("scaler: "), "{m}");
        let m = load_edited(|v| v["scaler"]["standard"]["n_samples"] = 61.into());
        assert!(m.contains("60 labels, the scaler was fitted on 61"), "{m}");
        // Swapping two cluster numbers consistently everywhere but leaving the
        // sizes order inverted is caught by the size order.
        let m = load_edited(|v| {
            let swap = |x: &mut serde_json::Value| {
                let n = x.as_u64().unwrap();
                *x = [1u64, 0, 2][n as usize].into();
            };
            for l in v["labels"].as_array_mut().unwrap() {
                swap(l);
            }
            for l in v["relabel"].as_array_mut().unwrap() {
                swap(l);
            }
            v["sizes"] = serde_json::json!([20, 30, 10]);
        });
        assert!(m.contains("not largest first"), "{m}");
    }
}
