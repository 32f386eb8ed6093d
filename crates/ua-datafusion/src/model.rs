//! Saved models as the UDFs see them: read from the common envelope by
//! kind, cached per content hash.
//!
//! | kind | concrete types tried, in order | the UDF | output |
//! | --- | --- | --- | --- |
//! | `ua-analytics/pipeline` | column recipe + logistic or MLP ([`FittedPropensityModel`]), then [`FittedPipeline`] with [`LogisticRegression`], then with [`MlpClassifier`] | `ua_score` | P(y = 1), `Float32` |
//! | `ua-analytics/detector-pipeline` | column recipe + [`IsolationForest`], then + [`Autoencoder`] | `ua_score` | risk (higher = riskier), `Float32` |
//! | `ua-analytics/kmeans-f32`, `-f64`, `minibatch-kmeans-f32`, `-f64` | [`FittedKMeans`] | `ua_kmeans_assign` | segment, `UInt32` |
//!
//! These are the kinds `examples/serve.rs` serves plus the k-means models.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use datafusion::error::{DataFusionError, Result};
use serde::Deserialize;
use ua_analytics::ndarray::{Array1, ArrayView2};
use ua_analytics::pipeline::{FittedDetectorPipeline, FittedPipeline};
use ua_analytics::prediction::{FittedPropensityModel, LogisticRegression, MlpClassifier};
use ua_analytics::risk::{Autoencoder, IsolationForest};
use ua_analytics::segmentation::{FittedKMeans, MiniBatchKMeans};
use ua_analytics::{Predictor, RiskScorer};
use ua_data::pipeline::{ColumnSchema, ColumnTransformer};
use ua_data::{ColumnType, Table};
use ua_tensor::persist::{FORMAT, Persist, PersistError};

/// The kinds `ua_score` reads.
pub const SCORE_KINDS: [&str; 2] = ["ua-analytics/pipeline", "ua-analytics/detector-pipeline"];

/// The kinds `ua_kmeans_assign` reads.
pub const KMEANS_KINDS: [&str; 4] = [
    "ua-analytics/kmeans-f32",
    "ua-analytics/kmeans-f64",
    "ua-analytics/minibatch-kmeans-f32",
    "ua-analytics/minibatch-kmeans-f64",
];

#[derive(Deserialize)]
struct Header {
    format: String,
    kind: String,
}

/// A model that scores table rows (a fitted pipeline: preprocessing + model).
enum Scorer {
    Propensity(FittedPropensityModel),
    Logistic(FittedPipeline<ColumnTransformer, LogisticRegression>),
    Mlp(FittedPipeline<ColumnTransformer, MlpClassifier>),
    Forest(FittedDetectorPipeline<ColumnTransformer, IsolationForest>),
    Autoencoder(FittedDetectorPipeline<ColumnTransformer, Autoencoder>),
}

/// A fitted k-means of either precision and either parameter type.
enum Clusters {
    F32(FittedKMeans<f32>),
    F64(FittedKMeans<f64>),
    MiniF32(FittedKMeans<f32, MiniBatchKMeans>),
    MiniF64(FittedKMeans<f64, MiniBatchKMeans>),
}

// One value per cached model, behind an `Arc`: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Scorer(Scorer),
    Clusters(Clusters),
}

/// A saved model of this workspace, read once from its JSON envelope (see
/// the [module table](self) for the kinds).
///
/// ```
/// use ua_datafusion::LoadedModel;
/// let err = LoadedModel::from_json("{\"hello\": 1}").unwrap_err();
/// assert!(err.to_string().contains("not a user-analytics model"), "{err}");
/// ```
pub struct LoadedModel {
    kind: String,
    inner: Inner,
}

impl std::fmt::Debug for LoadedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedModel")
            .field("kind", &self.kind)
            .field("name", &self.name())
            .finish()
    }
}

fn plan(message: String) -> DataFusionError {
    DataFusionError::Plan(message)
}

/// Tries the concrete types of a kind in order: a value that does not
/// deserialise as one (`Invalid`/`Corrupt`) is tried as the next; any other
/// error (a newer format version) is the answer.
fn first_of<T: Persist>(json: &str, tries: &mut Vec<String>, name: &str) -> Result<Option<T>> {
    match T::from_json(json) {
        Ok(m) => Ok(Some(m)),
        Err(e @ (PersistError::Corrupt { .. } | PersistError::Invalid { .. })) => {
            tries.push(format!("as {name}: {e}"));
            Ok(None)
        }
        Err(e) => Err(plan(format!("the model literal: {e}"))),
    }
}

impl LoadedModel {
    /// Reads a model from the JSON its `save`/`to_json` wrote. Errors (a
    /// `Plan` error, as the engine reports it): not JSON, not the envelope,
    /// a kind neither UDF reads (the message lists the kinds), contents that
    /// do not deserialise as any type of the kind.
    ///
    /// ```
    /// use ua_analytics::segmentation::KMeans;
    /// use ua_analytics::ndarray::array;
    /// use ua_tensor::persist::Persist;
    /// let x = array![[0.0f32, 0.0], [0.1, 0.0], [9.0, 9.0], [9.1, 9.0]];
    /// let km = KMeans::new(2).seed(1).fit(x.view()).unwrap();
    /// let m = ua_datafusion::LoadedModel::from_json(&km.to_json().unwrap()).unwrap();
    /// assert_eq!(m.kind(), "ua-analytics/kmeans-f32");
    /// assert_eq!(m.n_inputs(), 2);
    /// ```
    pub fn from_json(json: &str) -> Result<LoadedModel> {
        let header: Header = serde_json::from_str(json).map_err(|e| {
            plan(format!(
                "the model literal is not a user-analytics model (expected the JSON envelope \
                 with format, kind, format_version, crate_version, model, as `save` writes \
                 it): {e}"
            ))
        })?;
        if header.format != FORMAT {
            return Err(plan(format!(
                "the model literal has format `{}`, expected `{FORMAT}`",
                header.format
            )));
        }
        let mut tries = Vec::new();
        let inner = match header.kind.as_str() {
            "ua-analytics/pipeline" => {
                let mut s = first_of(json, &mut tries, "logistic or MLP (ModelKind)")?
                    .map(Scorer::Propensity);
                if s.is_none() {
                    s = first_of(json, &mut tries, "logistic regression")?.map(Scorer::Logistic);
                }
                if s.is_none() {
                    s = first_of(json, &mut tries, "MLP")?.map(Scorer::Mlp);
                }
                s.map(Inner::Scorer)
            }
            "ua-analytics/detector-pipeline" => {
                let mut s = first_of(json, &mut tries, "isolation forest")?.map(Scorer::Forest);
                if s.is_none() {
                    s = first_of(json, &mut tries, "autoencoder")?.map(Scorer::Autoencoder);
                }
                s.map(Inner::Scorer)
            }
            "ua-analytics/kmeans-f32" => {
                first_of(json, &mut tries, "k-means")?.map(|m| Inner::Clusters(Clusters::F32(m)))
            }
            "ua-analytics/kmeans-f64" => {
                first_of(json, &mut tries, "k-means")?.map(|m| Inner::Clusters(Clusters::F64(m)))
            }
            "ua-analytics/minibatch-kmeans-f32" => first_of(json, &mut tries, "k-means")?
                .map(|m| Inner::Clusters(Clusters::MiniF32(m))),
            "ua-analytics/minibatch-kmeans-f64" => first_of(json, &mut tries, "k-means")?
                .map(|m| Inner::Clusters(Clusters::MiniF64(m))),
            other => {
                return Err(plan(format!(
                    "the model literal holds a `{other}` model; ua_score reads the kinds {} \
                     and ua_kmeans_assign the kinds {}",
                    SCORE_KINDS.join(", "),
                    KMEANS_KINDS.join(", ")
                )));
            }
        };
        let Some(inner) = inner else {
            return Err(plan(format!(
                "the model literal is a {} file that cannot be read; tried {}",
                header.kind,
                tries.join("; ")
            )));
        };
        Ok(LoadedModel {
            kind: header.kind,
            inner,
        })
    }

    /// The envelope's kind (`ua-analytics/pipeline`, ...).
    ///
    /// See [`from_json`](Self::from_json) for an example.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The model's name: `logistic`, `mlp`, `isolation_forest`,
    /// `autoencoder` or `kmeans`.
    ///
    /// ```
    /// # use ua_analytics::segmentation::KMeans;
    /// # use ua_analytics::ndarray::array;
    /// # use ua_tensor::persist::Persist;
    /// # let km = KMeans::new(1).fit(array![[0.0f64], [1.0]].view()).unwrap();
    /// let m = ua_datafusion::LoadedModel::from_json(&km.to_json().unwrap()).unwrap();
    /// assert_eq!(m.name(), "kmeans");
    /// ```
    pub fn name(&self) -> &'static str {
        match &self.inner {
            Inner::Scorer(Scorer::Propensity(m)) => m.params().classifier.name(),
            Inner::Scorer(Scorer::Logistic(_)) => "logistic",
            Inner::Scorer(Scorer::Mlp(_)) => "mlp",
            Inner::Scorer(Scorer::Forest(_)) => "isolation_forest",
            Inner::Scorer(Scorer::Autoencoder(_)) => "autoencoder",
            Inner::Clusters(_) => "kmeans",
        }
    }

    /// Whether `ua_score` reads this model (a pipeline), as opposed to
    /// `ua_kmeans_assign` (a k-means).
    ///
    /// ```
    /// # use ua_analytics::segmentation::KMeans;
    /// # use ua_analytics::ndarray::array;
    /// # use ua_tensor::persist::Persist;
    /// # let km = KMeans::new(1).fit(array![[0.0f64], [1.0]].view()).unwrap();
    /// let m = ua_datafusion::LoadedModel::from_json(&km.to_json().unwrap()).unwrap();
    /// assert!(!m.is_scorer());
    /// ```
    pub fn is_scorer(&self) -> bool {
        matches!(self.inner, Inner::Scorer(_))
    }

    fn schema(&self) -> Option<&[ColumnSchema]> {
        match &self.inner {
            Inner::Scorer(Scorer::Propensity(m)) => Some(m.preprocessor().schema()),
            Inner::Scorer(Scorer::Logistic(m)) => Some(m.preprocessor().schema()),
            Inner::Scorer(Scorer::Mlp(m)) => Some(m.preprocessor().schema()),
            Inner::Scorer(Scorer::Forest(m)) => Some(m.preprocessor().schema()),
            Inner::Scorer(Scorer::Autoencoder(m)) => Some(m.preprocessor().schema()),
            Inner::Clusters(_) => None,
        }
    }

    /// The input columns a pipeline reads, in the order `ua_score` takes
    /// them after the model (its saved input schema, id column included when
    /// the recipe reads one), with their types; for a k-means, `x0`, `x1`,
    /// ... (numeric).
    ///
    /// ```
    /// # use ua_analytics::segmentation::KMeans;
    /// # use ua_analytics::ndarray::array;
    /// # use ua_tensor::persist::Persist;
    /// # let km = KMeans::new(1).fit(array![[0.0f64, 1.0], [1.0, 2.0]].view()).unwrap();
    /// let m = ua_datafusion::LoadedModel::from_json(&km.to_json().unwrap()).unwrap();
    /// assert_eq!(m.input_columns()[1], ("x1".to_string(), ua_data::ColumnType::Numeric));
    /// ```
    pub fn input_columns(&self) -> Vec<(String, ColumnType)> {
        match self.schema() {
            Some(s) => s.iter().map(|c| (c.name.clone(), c.dtype)).collect(),
            None => (0..self.n_inputs())
                .map(|j| (format!("x{j}"), ColumnType::Numeric))
                .collect(),
        }
    }

    /// Number of input columns (see [`input_columns`](Self::input_columns)).
    ///
    /// See [`from_json`](Self::from_json) for an example.
    pub fn n_inputs(&self) -> usize {
        match &self.inner {
            Inner::Scorer(_) => self.schema().map_or(0, <[ColumnSchema]>::len),
            Inner::Clusters(Clusters::F32(m)) => m.n_features(),
            Inner::Clusters(Clusters::F64(m)) => m.n_features(),
            Inner::Clusters(Clusters::MiniF32(m)) => m.n_features(),
            Inner::Clusters(Clusters::MiniF64(m)) => m.n_features(),
        }
    }

    /// Scores the rows of `table` (a pipeline only): P(y = 1) for a
    /// classifier pipeline, the risk for a detector pipeline — what the
    /// in-process model's `predict_proba` / `risk_score` return.
    pub(crate) fn score(&self, table: &Table) -> std::result::Result<Array1<f32>, String> {
        let r = match &self.inner {
            Inner::Scorer(Scorer::Propensity(m)) => m.predict_proba(table),
            Inner::Scorer(Scorer::Logistic(m)) => m.predict_proba(table),
            Inner::Scorer(Scorer::Mlp(m)) => m.predict_proba(table),
            Inner::Scorer(Scorer::Forest(m)) => m.risk_score(table),
            Inner::Scorer(Scorer::Autoencoder(m)) => m.risk_score(table),
            Inner::Clusters(_) => {
                return Err(format!(
                    "the model is a {} (use ua_kmeans_assign for it)",
                    self.kind
                ));
            }
        };
        r.map_err(|e| e.to_string())
    }

    /// Segment of each row of `x` (n × n_inputs, row-major), a k-means only.
    pub(crate) fn assign(&self, x: ArrayView2<'_, f64>) -> std::result::Result<Vec<usize>, String> {
        let r = match &self.inner {
            Inner::Clusters(Clusters::F64(m)) => m.predict(x),
            Inner::Clusters(Clusters::MiniF64(m)) => m.predict(x),
            Inner::Clusters(Clusters::F32(m)) => m.predict(x.mapv(|v| v as f32).view()),
            Inner::Clusters(Clusters::MiniF32(m)) => m.predict(x.mapv(|v| v as f32).view()),
            Inner::Scorer(_) => {
                return Err(format!(
                    "the model is a {} (use ua_score for it)",
                    self.kind
                ));
            }
        };
        r.map(|a| a.to_vec()).map_err(|e| e.to_string())
    }
}

/// Models read so far, by a hash of their JSON (the bytes are kept and
/// compared, so two models never share an entry).
/// The models of one hash: their JSON (compared on a hit) and the model.
type Bucket = Vec<(Arc<str>, Arc<LoadedModel>)>;

#[derive(Default)]
struct ModelCache {
    models: Mutex<HashMap<u64, Bucket>>,
}

impl ModelCache {
    /// The model of `json`, read the first time it is seen.
    fn get(&self, json: &str) -> Result<Arc<LoadedModel>> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        json.hash(&mut h);
        let key = h.finish();
        if let Some(m) = self
            .models
            .lock()
            .map_err(|_| DataFusionError::Internal("ua-datafusion model cache poisoned".into()))?
            .get(&key)
            .and_then(|v| v.iter().find(|(j, _)| j.as_ref() == json))
        {
            return Ok(m.1.clone());
        }
        // Parsed outside the lock: another thread may parse the same model
        // meanwhile; the first stored wins.
        let model = Arc::new(LoadedModel::from_json(json)?);
        let mut models = self
            .models
            .lock()
            .map_err(|_| DataFusionError::Internal("ua-datafusion model cache poisoned".into()))?;
        let entry = models.entry(key).or_default();
        if let Some(m) = entry.iter().find(|(j, _)| j.as_ref() == json) {
            return Ok(m.1.clone());
        }
        entry.push((Arc::from(json), model.clone()));
        Ok(model)
    }
}

/// The process-wide cache the UDFs read models through: one parse per
/// distinct model, shared by every context, query and thread of the process.
static CACHE: std::sync::LazyLock<ModelCache> = std::sync::LazyLock::new(ModelCache::default);

/// The model of `json` through the process-wide cache: read (and
/// validated) the first time this content is seen, shared afterwards. The
/// UDFs call it for every batch; models stay cached for the life of the
/// process.
///
/// ```
/// # use ua_analytics::segmentation::KMeans;
/// # use ua_analytics::ndarray::array;
/// # use ua_tensor::persist::Persist;
/// # let km = KMeans::new(1).fit(array![[0.0f64], [1.0]].view()).unwrap();
/// let json = km.to_json().unwrap();
/// let a = ua_datafusion::model::cached(&json).unwrap();
/// let b = ua_datafusion::model::cached(&json).unwrap();
/// assert!(std::sync::Arc::ptr_eq(&a, &b));
/// ```
pub fn cached(json: &str) -> Result<Arc<LoadedModel>> {
    CACHE.get(json)
}
