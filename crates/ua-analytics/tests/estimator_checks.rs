//! Every estimator of the crate through the shared checks of `testkit`, and
//! the checks themselves against estimators broken on purpose.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use ua_analytics::prediction::{LogisticRegression, MlpClassifier, Solver};
use ua_analytics::testkit::check_classifier;
use ua_analytics::{Classifier, Predictor, Result};
use ua_tensor::persist::Persist;

/// 80 rows, 3 features, a planted linear rule with some overlap.
fn planted() -> (Array2<f32>, Vec<u8>) {
    let x = Array2::from_shape_fn((80, 3), |(i, j)| {
        ((i * (7 + 4 * j) + 3 * j) % 19) as f32 / 9.0 - 1.0
    });
    let y = x
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| u8::from(r[0] - 0.5 * r[1] + 0.1 * (i % 3) as f32 > 0.0))
        .collect();
    (x, y)
}

#[test]
fn logistic_regression_passes_the_checks() {
    let (x, y) = planted();
    check_classifier(&LogisticRegression::new(), &x, &y).unwrap();
    check_classifier(
        &LogisticRegression::new().solver(Solver::Lbfgs).c(0.1),
        &x,
        &y,
    )
    .unwrap();
}

#[test]
fn mlp_classifier_passes_the_checks() {
    let (x, y) = planted();
    let mlp = MlpClassifier::new()
        .hidden(&[8])
        .epochs(5)
        .batch_size(16)
        .seed(7);
    check_classifier(&mlp, &x, &y).unwrap();
}

// --- estimators broken on purpose: the checks must catch each one --------

/// Wraps logistic regression and breaks one property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Broken {
    how: Breakage,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Breakage {
    /// Predictions depend on a global counter (not deterministic).
    Nondeterministic,
    /// Predictions of a batch differ from one row alone.
    BatchDependent,
    /// NaN inputs give a number, not an error.
    AcceptsNan,
    /// Forgets its parameters.
    ForgetsParams,
    /// Accepts one-class labels.
    AcceptsOneClass,
    /// Probabilities above 1.
    OutOfRange,
    /// One probability too few.
    ShortOutput,
    /// The loaded model predicts differently from the fitted one.
    LoadDiffers,
    /// Ignores a feature column too many.
    AcceptsExtraColumn,
    /// Reads a label 2 as 1.
    AcceptsLabel2,
    /// Fits on the first rows when there are fewer labels than rows.
    AcceptsShortLabels,
}

#[derive(Debug, Serialize, Deserialize)]
struct FittedBroken {
    inner: ua_analytics::prediction::FittedLogisticRegression,
    params: Broken,
    #[serde(skip)]
    nonce: f32,
    /// True in the fitted model, false once loaded (not saved).
    #[serde(skip)]
    fresh: bool,
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Classifier for Broken {
    type Params = Self;
    type Fitted = FittedBroken;
    fn fit(&self, x: ArrayView2<'_, f32>, y: &[u8]) -> Result<FittedBroken> {
        let ones = y.iter().filter(|&&v| v == 1).count();
        let y = &match self.how {
            Breakage::AcceptsLabel2 => y.iter().map(|&v| v.min(1)).collect(),
            _ => y.to_vec(),
        };
        let x = match self.how {
            Breakage::AcceptsShortLabels => x.slice_move(ndarray::s![..y.len().min(x.nrows()), ..]),
            _ => x,
        };
        let y_used: Vec<u8> =
            if self.how == Breakage::AcceptsOneClass && (ones == 0 || ones == y.len()) {
                // Fit on flipped first label so the inner model can be fitted.
                let mut v = y.to_vec();
                v[0] = 1 - v[0].min(1);
                v
            } else {
                y.to_vec()
            };
        let nonce = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f32;
        Ok(FittedBroken {
            inner: LogisticRegression::new().fit(x, &y_used)?,
            params: if self.how == Breakage::ForgetsParams {
                Broken {
                    how: Breakage::AcceptsOneClass,
                }
            } else {
                self.clone()
            },
            nonce,
            fresh: true,
        })
    }
    fn params(&self) -> Self {
        self.clone()
    }
    fn params_of(fitted: &FittedBroken) -> Self {
        fitted.params.clone()
    }
}

impl Persist for FittedBroken {
    const KIND: &'static str = "test/broken";
}

impl Predictor<ArrayView2<'_, f32>> for FittedBroken {
    fn predict_proba(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        match self.params.how {
            // Width and emptiness still checked by the inner model: only
            // non-finite values slip through.
            Breakage::AcceptsNan if x.ncols() == 3 && x.nrows() > 0 => {
                Ok(x.column(0).mapv(|v| if v.is_nan() { 0.5 } else { 0.4 }))
            }
            Breakage::Nondeterministic => Ok(self
                .inner
                .predict_proba(x)?
                .mapv(|p| p * (1.0 - 1e-3 * (self.nonce % 2.0)))),
            Breakage::BatchDependent => {
                let shift = if x.nrows() > 1 { 0.01 } else { 0.0 };
                Ok(self.inner.predict_proba(x)?.mapv(|p| (p - shift).max(0.0)))
            }
            Breakage::OutOfRange => Ok(self.inner.predict_proba(x)?.mapv(|p| p * 2.0)),
            Breakage::ShortOutput => {
                let p = self.inner.predict_proba(x)?;
                Ok(p.slice(ndarray::s![1..]).to_owned())
            }
            Breakage::LoadDiffers => {
                let shift = if self.fresh { 1e-3 } else { 0.0 };
                Ok(self.inner.predict_proba(x)?.mapv(|p| (p - shift).max(0.0)))
            }
            Breakage::AcceptsExtraColumn => {
                let width = x.ncols().min(3);
                self.inner
                    .predict_proba(x.slice_move(ndarray::s![.., ..width]))
            }
            _ => self.inner.predict_proba(x),
        }
    }
}

#[test]
fn the_checks_catch_each_broken_property() {
    let (x, y) = planted();
    for (how, check, words) in [
        (
            Breakage::Nondeterministic,
            "determinism",
            "two fits with the same parameters differ",
        ),
        (
            Breakage::BatchDependent,
            "batch_equals_rows",
            "in the batch",
        ),
        (Breakage::AcceptsNan, "bad_input", "NaN in the first row"),
        (
            Breakage::ForgetsParams,
            "params_retained",
            "the fitted model says",
        ),
        (
            Breakage::AcceptsOneClass,
            "bad_input",
            "fit with one class only (all 0) succeeded",
        ),
        (Breakage::OutOfRange, "predict", "probability 1."),
        (
            Breakage::ShortOutput,
            "predict",
            "79 probabilities for 80 rows",
        ),
        (
            Breakage::LoadDiffers,
            "save_load",
            "the loaded model predicts differently",
        ),
        (
            Breakage::AcceptsExtraColumn,
            "bad_input",
            "one feature column too many",
        ),
        (
            Breakage::AcceptsLabel2,
            "bad_input",
            "fit with a label 2 succeeded",
        ),
        (
            Breakage::AcceptsShortLabels,
            "bad_input",
            "fit with one label too few succeeded",
        ),
    ] {
        let err = check_classifier(&Broken { how }, &x, &y).unwrap_err();
        assert_eq!(err.check, check, "{how:?}: {err}");
        assert!(err.detail.contains(words), "{how:?}: {err}");
    }
}

#[test]
fn the_checks_refuse_data_they_cannot_check_with_instead_of_panicking() {
    let (x, y) = planted();
    let empty = x.slice(ndarray::s![..0, ..]).to_owned();
    let err = check_classifier(&LogisticRegression::new(), &empty, &[]).unwrap_err();
    assert_eq!(err.check, "setup");
    let err = check_classifier(&LogisticRegression::new(), &x, &y[..3]).unwrap_err();
    assert_eq!(err.check, "setup");
    let none = ndarray::Array2::<f64>::zeros((0, 2));
    let err = ua_analytics::testkit::check_segmenter(
        || ua_analytics::segmentation::KMeans::new(2).fit(none.view()),
        none.view(),
    )
    .unwrap_err();
    assert_eq!(err.check, "setup");
}

#[test]
fn kmeans_and_minibatch_kmeans_pass_the_segmenter_checks_in_both_precisions() {
    use ua_analytics::segmentation::{KMeans, MiniBatchKMeans, gaussian_blobs};
    use ua_analytics::testkit::check_segmenter;
    let (x64, _) = gaussian_blobs::<f64>(90, 3, 3, 0.6, 8.0, 11).unwrap();
    let x32 = x64.mapv(|v| v as f32);
    check_segmenter(|| KMeans::new(3).seed(5).fit(x64.view()), x64.view()).unwrap();
    check_segmenter(|| KMeans::new(3).seed(5).fit(x32.view()), x32.view()).unwrap();
    check_segmenter(
        || MiniBatchKMeans::new(3).seed(5).fit(x64.view()),
        x64.view(),
    )
    .unwrap();
    check_segmenter(
        || MiniBatchKMeans::new(3).seed(5).fit(x32.view()),
        x32.view(),
    )
    .unwrap();
}

#[test]
fn the_rfm_model_passes_the_segmenter_checks_on_raw_rfm_values() {
    use ndarray::Array2;
    use ua_analytics::segmentation::KMeans;
    use ua_analytics::segmentation::rfm::RfmKMeans;
    use ua_analytics::testkit::check_segmenter;
    // Three kinds of customer: recent and frequent, lapsed one-timers, and
    // big spenders in between (raw recency days, frequency, monetary).
    let x = Array2::from_shape_fn((60, 3), |(i, j)| {
        let jitter = (i * 7 % 5) as f64;
        match (i % 3, j) {
            (0, 0) => 3.0 + jitter,
            (0, 1) => 12.0 + jitter,
            (0, 2) => 400.0 + 10.0 * jitter,
            (1, 0) => 300.0 + jitter,
            (1, 1) => 1.0,
            (1, 2) => 20.0 + jitter,
            (_, 0) => 60.0 + jitter,
            (_, 1) => 4.0 + jitter,
            _ => 3000.0 + 10.0 * jitter,
        }
    });
    check_segmenter(
        || RfmKMeans::fit(x.view(), &KMeans::new(3).seed(5)),
        x.view(),
    )
    .unwrap();
}

#[test]
fn the_isolation_forest_passes_the_risk_scorer_checks_and_a_batch_dependent_scorer_fails() {
    use ndarray::{Array1, Array2, ArrayView2};
    use ua_analytics::risk::{Contamination, IsolationForest};
    use ua_analytics::testkit::check_risk_scorer;
    use ua_analytics::{Result, RiskScorer};
    use ua_tensor::persist::Persist;
    let x = Array2::from_shape_fn((120, 4), |(i, j)| ((i * 7 + j * 13) % 17) as f32 - 8.0);
    check_risk_scorer(|| IsolationForest::new().trees(30).fit(x.view()), x.view()).unwrap();
    let contaminated = IsolationForest::new()
        .max_features(0.5)
        .contamination(Contamination::Fraction(0.1));
    check_risk_scorer(|| contaminated.fit(x.view()), x.view()).unwrap();
    check_risk_scorer(|| ua_analytics::risk::RobustZ::fit(x.view()), x.view()).unwrap();

    /// Scores relative to the batch mean: a row alone always scores 0.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct RelativeToBatch;
    impl RiskScorer<ArrayView2<'_, f32>> for RelativeToBatch {
        fn risk_score(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
            let sums = x.sum_axis(ndarray::Axis(1));
            let mean = sums.mean().unwrap_or(0.0);
            if !mean.is_finite() || x.nrows() == 0 || x.ncols() != 4 {
                return Err(ua_analytics::Error::Empty { op: "test" });
            }
            Ok(sums.mapv(|s| s - mean))
        }
    }
    impl Persist for RelativeToBatch {
        const KIND: &'static str = "test/relative";
    }
    let err = check_risk_scorer(|| Ok(RelativeToBatch), x.view()).unwrap_err();
    assert_eq!(err.check, "batch_equals_rows", "{err}");
}

// --- a segmenter broken on purpose: check_segmenter must catch each way ----

/// Splits rows at a threshold of column 0 (two segments), and breaks one
/// property unless `how` is `None`.
#[derive(Debug, Serialize, Deserialize)]
struct Halves {
    mid: f64,
    width: usize,
    how: Option<SegBreakage>,
    /// True in the fitted model, false once loaded (not saved).
    #[serde(skip)]
    fresh: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum SegBreakage {
    /// A segment equal to `n_segments()`.
    SegmentTooLarge,
    /// One label too few.
    ShortLabels,
    /// The threshold moves from fit to fit.
    Nondeterministic,
    /// A row alone always gets segment 0.
    BatchDependent,
    /// The loaded model assigns everything to segment 0.
    LoadDiffers,
    /// NaN rows get segment 0 instead of an error.
    AcceptsNan,
}

static FITS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Halves {
    fn fit(x: ArrayView2<'_, f64>, how: Option<SegBreakage>) -> Result<Halves> {
        let c = x.column(0);
        let mut mid = (c.iter().copied().fold(f64::MAX, f64::min)
            + c.iter().copied().fold(f64::MIN, f64::max))
            / 2.0;
        if how == Some(SegBreakage::Nondeterministic) {
            let n = FITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            mid += if n.is_multiple_of(2) { 1.5 } else { -1.5 };
        }
        Ok(Halves {
            mid,
            width: x.ncols(),
            how,
            fresh: true,
        })
    }
}

impl Persist for Halves {
    const KIND: &'static str = "test/halves";
}

impl ua_analytics::Segmenter<ArrayView2<'_, f64>> for Halves {
    fn n_segments(&self) -> usize {
        2
    }

    fn assign(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        let refuse = |what: &str| {
            Err(ua_analytics::Error::InvalidArgument {
                op: "halves",
                message: what.to_string(),
            })
        };
        if x.ncols() != self.width || x.nrows() == 0 {
            return refuse("wrong width or no rows");
        }
        let nan_ok = self.how == Some(SegBreakage::AcceptsNan);
        if !nan_ok && x.iter().any(|v| !v.is_finite()) {
            return refuse("non-finite value");
        }
        let mut labels = x.column(0).mapv(|v| usize::from(v > self.mid));
        match self.how {
            Some(SegBreakage::SegmentTooLarge) => labels[0] = 2,
            Some(SegBreakage::ShortLabels) => labels = labels.slice(ndarray::s![1..]).to_owned(),
            Some(SegBreakage::BatchDependent) if x.nrows() == 1 => labels[0] = 0,
            Some(SegBreakage::LoadDiffers) if !self.fresh => labels.fill(0),
            _ => {}
        }
        Ok(labels)
    }
}

#[test]
fn check_segmenter_passes_a_correct_segmenter_and_catches_each_broken_property() {
    use ua_analytics::testkit::check_segmenter;
    let x = Array2::from_shape_fn((30, 2), |(i, j)| ((i * 7 + j * 5) % 13) as f64);
    check_segmenter(|| Halves::fit(x.view(), None), x.view()).unwrap();
    for (how, check, words) in [
        (
            SegBreakage::SegmentTooLarge,
            "assign",
            "row 0: segment 2 of 2",
        ),
        (SegBreakage::ShortLabels, "assign", "29 labels for 30 rows"),
        (
            SegBreakage::Nondeterministic,
            "determinism",
            "assign differently",
        ),
        (
            SegBreakage::BatchDependent,
            "batch_equals_rows",
            "in the batch",
        ),
        (
            SegBreakage::LoadDiffers,
            "save_load",
            "the loaded model assigns differently",
        ),
        (SegBreakage::AcceptsNan, "bad_input", "NaN in the first row"),
    ] {
        let err = check_segmenter(|| Halves::fit(x.view(), Some(how)), x.view()).unwrap_err();
        assert_eq!(err.check, check, "{how:?}: {err}");
        assert!(err.detail.contains(words), "{how:?}: {err}");
    }
}

// --- a recommender broken on purpose: check_recommender must catch each way --

mod broken_recommender {
    use super::*;
    use ua_analytics::recommend::{Filter, FittedPopularity, Popularity};
    use ua_analytics::testkit::check_recommender;
    use ua_analytics::traits::{ItemIndex, UserIndex};
    use ua_analytics::{Recommender, RecommenderModel};
    use ua_tensor::sparse::CsrMatrix;

    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
    pub enum Breakage {
        /// Says it knows one item more than the matrix has.
        WrongShape,
        /// Scores move by a per-fit amount.
        Nondeterministic,
        /// Forgets its parameters.
        ForgetsParams,
        /// Scores a batch of users differently from one user.
        BatchDiffers,
        /// Ranks without the filter (seen items come back).
        IgnoresFilter,
        /// An item is the most similar to itself.
        SimilarToItself,
        /// The loaded model scores item 0 higher.
        LoadDiffers,
        /// An unknown user gets scores instead of an error.
        AcceptsUnknownUser,
        /// NaN and negative weights are fitted on as 1.
        AcceptsBadWeights,
    }

    /// Popularity with one property broken (`None`: the real thing).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct BrokenRec {
        pub how: Option<Breakage>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct FittedBrokenRec {
        inner: FittedPopularity,
        params: BrokenRec,
        #[serde(skip)]
        nonce: f32,
        #[serde(skip)]
        fresh: bool,
    }

    static REC_FITS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

    impl RecommenderModel for BrokenRec {
        type Params = BrokenRec;
        type Fitted = FittedBrokenRec;
        fn fit(&self, x: &CsrMatrix<f32>) -> Result<FittedBrokenRec> {
            let inner = if self.how == Some(Breakage::AcceptsBadWeights) {
                let data = x
                    .data()
                    .iter()
                    .map(|&w| if w.is_finite() && w > 0.0 { w } else { 1.0 });
                let (rows, cols) = x.shape();
                let clean = CsrMatrix::from_parts(
                    rows,
                    cols,
                    x.indptr().to_vec(),
                    x.indices().to_vec(),
                    data.collect(),
                )?;
                Popularity::new().fit(&clean)?
            } else {
                Popularity::new().fit(x)?
            };
            let n = REC_FITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let params = match self.how {
                Some(Breakage::ForgetsParams) => BrokenRec { how: None },
                _ => self.clone(),
            };
            Ok(FittedBrokenRec {
                inner,
                params,
                nonce: (n % 2) as f32,
                fresh: true,
            })
        }
        fn params(&self) -> BrokenRec {
            self.clone()
        }
        fn params_of(fitted: &FittedBrokenRec) -> BrokenRec {
            fitted.params.clone()
        }
    }

    impl Persist for FittedBrokenRec {
        const KIND: &'static str = "test/broken-recommender";
    }

    impl FittedBrokenRec {
        fn how(&self) -> Option<Breakage> {
            self.params.how
        }
    }

    impl Recommender for FittedBrokenRec {
        fn n_users(&self) -> usize {
            self.inner.n_users()
        }
        fn n_items(&self) -> usize {
            self.inner.n_items() + usize::from(self.how() == Some(Breakage::WrongShape))
        }
        fn seen_items(&self, user: UserIndex) -> Result<&[u32]> {
            self.inner.seen_items(user)
        }
        fn score_user(&self, user: UserIndex, out: &mut [f32]) -> Result<()> {
            if self.how() == Some(Breakage::AcceptsUnknownUser) && user >= self.n_users() {
                out.fill(0.0);
                return Ok(());
            }
            self.inner.score_user(user, out)?;
            match self.how() {
                Some(Breakage::Nondeterministic) => out.iter_mut().for_each(|s| *s += self.nonce),
                Some(Breakage::LoadDiffers) if !self.fresh => out[0] += 100.0,
                _ => {}
            }
            Ok(())
        }
        fn score_history(&self, items: &[u32], weights: &[f32], out: &mut [f32]) -> Result<()> {
            self.inner.score_history(items, weights, out)
        }
        fn similar_items(&self, item: ItemIndex, k: usize) -> Result<Vec<(ItemIndex, f32)>> {
            let mut s = self.inner.similar_items(item, k)?;
            if self.how() == Some(Breakage::SimilarToItself) {
                s.insert(0, (item, 1.0));
                s.truncate(k);
            }
            Ok(s)
        }
        fn recommend(
            &self,
            user: UserIndex,
            k: usize,
            filter: &Filter,
        ) -> Result<Vec<(ItemIndex, f32)>> {
            match self.how() {
                Some(Breakage::IgnoresFilter) => self.inner.recommend(user, k, &Filter::none()),
                Some(Breakage::AcceptsUnknownUser) if user >= self.n_users() => Ok(Vec::new()),
                _ => self.inner.recommend(user, k, filter),
            }
        }
        fn recommend_batch(
            &self,
            users: &[UserIndex],
            k: usize,
            filter: &Filter,
        ) -> Result<Vec<Vec<(ItemIndex, f32)>>> {
            let mut lists: Vec<_> = users
                .iter()
                .map(|&u| self.recommend(u, k, filter))
                .collect::<Result<_>>()?;
            if self.how() == Some(Breakage::BatchDiffers) {
                lists[0].reverse();
            }
            Ok(lists)
        }
    }

    /// 6 users × 8 items, each user 3 items, item popularity uneven.
    fn interactions() -> CsrMatrix<f32> {
        let users: Vec<usize> = (0..18).map(|i| i / 3).collect();
        let items: Vec<usize> = (0..18).map(|i| (i * 5 + i / 3) % 8).collect();
        CsrMatrix::from_triplets(6, 8, &users, &items, &[1.0f32; 18]).unwrap()
    }

    #[test]
    fn check_recommender_passes_the_real_one_and_catches_each_broken_property() {
        let x = interactions();
        check_recommender(&BrokenRec { how: None }, &x).unwrap();
        for (how, check, words) in [
            (
                Breakage::WrongShape,
                "fit",
                "the model knows 6 users × 9 items",
            ),
            (
                Breakage::Nondeterministic,
                "determinism",
                "score differently",
            ),
            (Breakage::ForgetsParams, "params_retained", "fitted with"),
            (Breakage::BatchDiffers, "batch_equals_users", "in the batch"),
            (Breakage::IgnoresFilter, "filter", "got their own item"),
            (
                Breakage::SimilarToItself,
                "similar_items",
                "must not contain the item",
            ),
            (
                Breakage::LoadDiffers,
                "save_load",
                "the loaded model scores differently",
            ),
            (
                Breakage::AcceptsUnknownUser,
                "bad_input",
                "recommend to an unknown user succeeded",
            ),
            (
                Breakage::AcceptsBadWeights,
                "bad_input",
                "fit on a NaN weight succeeded",
            ),
        ] {
            let err = check_recommender(&BrokenRec { how: Some(how) }, &x).unwrap_err();
            assert_eq!(err.check, check, "{how:?}: {err}");
            assert!(err.detail.contains(words), "{how:?}: {err}");
        }
    }
}

// --- a risk scorer broken on purpose: check_risk_scorer must catch each way --

/// Risk = distance of a row's sum from the training mean of the sums;
/// breaks one property unless `how` is `None`.
#[derive(Serialize, Deserialize)]
struct SumDistance {
    mean: f32,
    width: usize,
    how: Option<RiskBreakage>,
    /// True in the fitted model, false once loaded (not saved).
    #[serde(skip)]
    fresh: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum RiskBreakage {
    /// One score too few.
    ShortScores,
    /// An infinite score.
    InfiniteScore,
    /// The mean moves from fit to fit.
    Nondeterministic,
    /// The loaded model scores differently.
    LoadDiffers,
    /// NaN rows score 0 instead of an error.
    AcceptsNan,
}

static RISK_FITS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl SumDistance {
    fn fit(x: ArrayView2<'_, f32>, how: Option<RiskBreakage>) -> Result<SumDistance> {
        let mut mean = x.sum_axis(ndarray::Axis(1)).mean().unwrap_or(0.0);
        if how == Some(RiskBreakage::Nondeterministic) {
            mean += RISK_FITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f32;
        }
        Ok(SumDistance {
            mean,
            width: x.ncols(),
            how,
            fresh: true,
        })
    }
}

impl Persist for SumDistance {
    const KIND: &'static str = "test/sum-distance";
}

impl ua_analytics::RiskScorer<ArrayView2<'_, f32>> for SumDistance {
    fn risk_score(&self, x: ArrayView2<'_, f32>) -> Result<Array1<f32>> {
        let nan_ok = self.how == Some(RiskBreakage::AcceptsNan);
        if x.ncols() != self.width
            || x.nrows() == 0
            || (!nan_ok && x.iter().any(|v| !v.is_finite()))
        {
            return Err(ua_analytics::Error::Empty { op: "sum distance" });
        }
        let mut s = x.sum_axis(ndarray::Axis(1)).mapv(|v| (v - self.mean).abs());
        s.mapv_inplace(|v| if v.is_nan() { 0.0 } else { v });
        match self.how {
            Some(RiskBreakage::ShortScores) => s = s.slice(ndarray::s![1..]).to_owned(),
            Some(RiskBreakage::InfiniteScore) => s[0] = f32::INFINITY,
            Some(RiskBreakage::LoadDiffers) if !self.fresh => s += 1.0,
            _ => {}
        }
        Ok(s)
    }
}

#[test]
fn check_risk_scorer_passes_a_correct_scorer_and_catches_each_broken_property() {
    use ua_analytics::testkit::check_risk_scorer;
    let x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * 5 + j * 3) % 11) as f32);
    check_risk_scorer(|| SumDistance::fit(x.view(), None), x.view()).unwrap();
    for (how, check, words) in [
        (
            RiskBreakage::ShortScores,
            "risk_score",
            "39 scores for 40 rows",
        ),
        (
            RiskBreakage::InfiniteScore,
            "risk_score",
            "row 0: score inf",
        ),
        (RiskBreakage::Nondeterministic, "determinism", "row 0: "),
        (RiskBreakage::LoadDiffers, "save_load", "row 0: "),
        (
            RiskBreakage::AcceptsNan,
            "bad_input",
            "NaN in the first row",
        ),
    ] {
        let err =
            check_risk_scorer(|| SumDistance::fit(x.view(), Some(how)), x.view()).unwrap_err();
        assert_eq!(err.check, check, "{how:?}: {err}");
        assert!(err.detail.contains(words), "{how:?}: {err}");
    }
}
