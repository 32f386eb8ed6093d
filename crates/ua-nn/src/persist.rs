//! Saving and loading models: the workspace's envelope around an open set
//! of layer types.
//!
//! A [`Sequential`] saves through [`Persist`] (re-exported from
//! [`ua_tensor::persist`]): the envelope `{format, kind: "ua-nn/sequential",
//! format_version, crate_version, model}` around
//! `{dtype, input_dim, layers: [{type, data}, ...]}`. Each layer writes itself
//! with [`Layer::to_saved`] as a [`SavedLayer`] — a type name and its data as
//! JSON — and is read back by the loader registered under that name in a
//! [`LayerRegistry`]. The built-in layers are pre-registered, so
//! `Sequential::load` reads any model made of them; a model with layers of
//! your own loads with [`Sequential::from_json_with`] or
//! [`Sequential::load_with`] and a registry that knows them.
//!
//! Weights are written as decimal numbers that read back to the same bits
//! (`f32 → f64` is exact and JSON numbers round-trip `f64`), so a loaded
//! model predicts bit-identically. Truncated or corrupt files, another kind
//! of model, a newer format version, another element type, an unknown layer
//! type and inconsistent shapes are errors, never panics.
//!
//! ```
//! use ua_nn::{Activation, Persist, PersistError, Sequential};
//! let m = Sequential::<f32>::builder(3).dense(2, Activation::Tanh).build().unwrap();
//! let json = m.to_json().unwrap();
//! let back = Sequential::<f32>::from_json(&json).unwrap();
//! assert_eq!(back.to_json().unwrap(), json);
//! // The element type is part of the file.
//! let e = Sequential::<f64>::from_json(&json).unwrap_err();
//! assert!(matches!(e, PersistError::Invalid { .. }) && e.to_string().contains("f32"), "{e}");
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
pub use ua_tensor::persist::{Persist, PersistError};

use crate::layer::Layer;
use crate::sequential::Sequential;
use crate::{Result, Scalar};

/// The `kind` of a saved [`Sequential`] in the envelope.
///
/// ```
/// use ua_nn::{Persist, Sequential, persist::SEQUENTIAL_KIND};
/// assert_eq!(SEQUENTIAL_KIND, "ua-nn/sequential");
/// assert_eq!(<Sequential<f32> as Persist>::KIND, SEQUENTIAL_KIND);
/// ```
pub const SEQUENTIAL_KIND: &str = "ua-nn/sequential";

/// One saved layer: the type name its loader is registered under, and its
/// settings and weights as JSON (`null` for layers without any).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use ua_nn::persist::SavedLayer;
/// #[derive(Serialize, Deserialize, PartialEq, Debug)]
/// struct Shift { by: f64 }
/// let saved = SavedLayer::new("shift", &Shift { by: 0.5 }).unwrap();
/// assert_eq!(serde_json::to_string(&saved).unwrap(), r#"{"type":"shift","data":{"by":0.5}}"#);
/// assert_eq!(saved.decode::<Shift>().unwrap(), Shift { by: 0.5 });
/// assert!(saved.decode::<Vec<u8>>().unwrap_err().to_string().contains("shift"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedLayer {
    /// The name the layer type is registered under (`"dense"`, `"my_crate/scaler"`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The layer's settings and weights.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl SavedLayer {
    /// A saved layer of type `type_name` holding `data` (anything `Serialize`;
    /// `&()` for none). Errors when `type_name` is empty.
    ///
    /// ```
    /// use ua_nn::persist::SavedLayer;
    /// let s = SavedLayer::new("relu", &()).unwrap();
    /// assert!(s.data.is_null());
    /// assert!(SavedLayer::new("", &()).is_err());
    /// ```
    pub fn new(type_name: impl Into<String>, data: &impl Serialize) -> Result<Self> {
        let type_name = type_name.into();
        if type_name.is_empty() {
            return Err(crate::error::invalid(
                "save layer",
                "type_name must not be empty",
            ));
        }
        let data = serde_json::to_value(data)
            .map_err(|e| crate::error::invalid(format!("save {type_name} layer"), e.to_string()))?;
        Ok(SavedLayer { type_name, data })
    }

    /// Reads the data back as a `T` (for loaders); the error names the layer type.
    /// See [`SavedLayer`] for an example.
    ///
    /// ```
    /// use ua_nn::persist::SavedLayer;
    /// let s = SavedLayer::new("pair", &(1.5, 2)).unwrap();
    /// assert_eq!(s.decode::<(f64, u8)>().unwrap(), (1.5, 2));
    /// let e = s.decode::<String>().unwrap_err();
    /// assert!(e.to_string().starts_with("pair layer data"), "{e}");
    /// ```
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.data).map_err(|e| {
            crate::error::invalid(format!("{} layer data", self.type_name), e.to_string())
        })
    }
}

/// A loader of the built-in layers.
pub(crate) type LoadFn<S> = fn(&SavedLayer) -> Result<Box<dyn Layer<S>>>;
type Loader<S> = Arc<dyn Fn(&SavedLayer) -> Result<Box<dyn Layer<S>>> + Send + Sync>;

/// The loaders that turn [`SavedLayer`]s back into layers, keyed by type
/// name. [`LayerRegistry::new`] knows the built-in layers; register your
/// own layer types and pass the registry to [`Sequential::from_json_with`]
/// or [`Sequential::load_with`].
///
/// ```
/// use ua_nn::Layer;
/// use ua_nn::layers::ReLU;
/// use ua_nn::persist::{LayerRegistry, SavedLayer};
/// // A layer type saved as "my/relu" (here simply a ReLU under another name).
/// let reg = LayerRegistry::<f32>::new()
///     .with("my/relu", |_saved: &SavedLayer| Ok(Box::new(ReLU::new()) as Box<dyn Layer<f32>>));
/// assert!(reg.contains("dense") && reg.contains("my/relu"));
/// let layer = reg.load_layer(&SavedLayer::new("my/relu", &()).unwrap()).unwrap();
/// assert_eq!(layer.name(), "relu");
/// let e = reg.load_layer(&SavedLayer::new("other", &()).unwrap()).unwrap_err();
/// assert!(e.to_string().contains("unknown layer type other"), "{e}");
/// ```
#[derive(Clone)]
pub struct LayerRegistry<S: Scalar> {
    loaders: BTreeMap<String, Loader<S>>,
}

impl<S: Scalar> std::fmt::Debug for LayerRegistry<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerRegistry")
            .field("types", &self.type_names())
            .finish()
    }
}

impl<S: Scalar> Default for LayerRegistry<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scalar> LayerRegistry<S> {
    /// A registry that knows the built-in layers (`dense`, `dropout`,
    /// `embedding`, `sigmoid`, `relu`, `tanh`, `leaky_relu`, `softmax`,
    /// `conv1d`, `global_max_pool1d`, `global_avg_pool1d`, `sequence_branch`,
    /// `parallel`). The composite layers' loaders rebuild their children
    /// with a registry of the built-in layers; see
    /// [`Parallel::loader`](crate::layers::Parallel::loader) for children of
    /// your own types.
    ///
    /// ```
    /// use ua_nn::persist::LayerRegistry;
    /// let reg = LayerRegistry::<f64>::new();
    /// assert_eq!(reg.type_names(), [
    ///     "conv1d", "dense", "dropout", "embedding", "global_avg_pool1d", "global_max_pool1d",
    ///     "leaky_relu", "parallel", "relu", "sequence_branch", "sigmoid", "softmax", "tanh",
    /// ]);
    /// ```
    pub fn new() -> Self {
        let mut reg = LayerRegistry {
            loaders: BTreeMap::new(),
        };
        for (name, load) in crate::layers::builtin_loaders::<S>() {
            reg.register(name, load);
        }
        reg
    }

    /// Registers `loader` for layers saved under `type_name` (replacing any
    /// loader registered under that name before).
    ///
    /// ```
    /// use ua_nn::Layer;
    /// use ua_nn::layers::Tanh;
    /// use ua_nn::persist::LayerRegistry;
    /// let mut reg = LayerRegistry::<f32>::new();
    /// reg.register("my/tanh", |_| Ok(Box::new(Tanh::new()) as Box<dyn Layer<f32>>));
    /// assert!(reg.contains("my/tanh"));
    /// ```
    pub fn register(
        &mut self,
        type_name: impl Into<String>,
        loader: impl Fn(&SavedLayer) -> Result<Box<dyn Layer<S>>> + Send + Sync + 'static,
    ) -> &mut Self {
        self.loaders.insert(type_name.into(), Arc::new(loader));
        self
    }

    /// [`register`](Self::register), builder style (see [`LayerRegistry`]).
    ///
    /// ```
    /// use ua_nn::{Layer, layers::Sigmoid, persist::LayerRegistry};
    /// let reg = LayerRegistry::<f64>::new().with("my/sigmoid", |_| Ok(Box::new(Sigmoid::new()) as Box<dyn Layer<f64>>));
    /// assert_eq!(reg.type_names().len(), 14);
    /// ```
    pub fn with(
        mut self,
        type_name: impl Into<String>,
        loader: impl Fn(&SavedLayer) -> Result<Box<dyn Layer<S>>> + Send + Sync + 'static,
    ) -> Self {
        self.register(type_name, loader);
        self
    }

    /// Whether a loader is registered under `type_name` (see [`LayerRegistry`]).
    ///
    /// ```
    /// use ua_nn::persist::LayerRegistry;
    /// let reg = LayerRegistry::<f32>::new();
    /// assert!(reg.contains("softmax") && !reg.contains("my/layer"));
    /// ```
    pub fn contains(&self, type_name: &str) -> bool {
        self.loaders.contains_key(type_name)
    }

    /// The registered type names, sorted (see [`LayerRegistry::new`]).
    ///
    /// ```
    /// use ua_nn::persist::LayerRegistry;
    /// assert!(LayerRegistry::<f32>::new().type_names().contains(&"dense"));
    /// ```
    pub fn type_names(&self) -> Vec<&str> {
        self.loaders.keys().map(String::as_str).collect()
    }

    /// Rebuilds one layer; [`Error::UnknownLayerType`](crate::Error::UnknownLayerType)
    /// when no loader is registered for its type (see [`LayerRegistry`]).
    ///
    /// ```
    /// use ua_nn::{Layer, Persist, layers::Dropout, persist::{LayerRegistry, SavedLayer}};
    /// let saved = Dropout::<f32>::new(0.25, 7).unwrap().to_saved().unwrap();
    /// let layer = LayerRegistry::<f32>::new().load_layer(&saved).unwrap();
    /// assert_eq!(layer.downcast_ref::<Dropout<f32>>().unwrap().rate(), 0.25);
    /// let e = LayerRegistry::<f32>::new().load_layer(&SavedLayer::new("nope", &()).unwrap()).unwrap_err();
    /// assert!(matches!(e, ua_nn::Error::UnknownLayerType { .. }));
    /// ```
    pub fn load_layer(&self, saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
        match self.loaders.get(&saved.type_name) {
            Some(load) => load(saved),
            None => Err(crate::Error::UnknownLayerType {
                type_name: saved.type_name.clone(),
                registered: self.type_names().join(", "),
            }),
        }
    }
}

/// The `model` payload of a saved [`Sequential`].
#[derive(Serialize, Deserialize)]
struct SequentialFile {
    dtype: String,
    input_dim: usize,
    layers: Vec<SavedLayer>,
}

impl Persist for SequentialFile {
    const KIND: &'static str = SEQUENTIAL_KIND;

    fn validate(&self) -> std::result::Result<(), String> {
        if self.dtype != "f32" && self.dtype != "f64" {
            return Err(format!("dtype must be f32 or f64, found {}", self.dtype));
        }
        if self.input_dim == 0 {
            return Err("input_dim must be ≥ 1, found 0".into());
        }
        if self.layers.is_empty() {
            return Err("the model has no layers".into());
        }
        Ok(())
    }
}

impl<S: Scalar> Sequential<S> {
    fn to_file(&self) -> Result<SequentialFile> {
        let layers = self
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.to_saved().map_err(|e| {
                    crate::error::invalid(
                        format!("save layer {} ({})", i + 1, l.name()),
                        e.to_string(),
                    )
                })
            })
            .collect::<Result<_>>()?;
        Ok(SequentialFile {
            dtype: S::NAME.into(),
            input_dim: self.input_dim,
            layers,
        })
    }

    /// Checks the payload and rebuilds the model; the message says what is wrong.
    fn from_file(
        file: SequentialFile,
        registry: &LayerRegistry<S>,
    ) -> std::result::Result<Self, String> {
        file.validate()?;
        if file.dtype != S::NAME {
            return Err(format!(
                "the file holds an {} model, it cannot be loaded as Sequential<{}>",
                file.dtype,
                S::NAME
            ));
        }
        let n = file.layers.len();
        let layers = file
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                registry
                    .load_layer(l)
                    .map_err(|e| format!("layer {} of {n} ({}): {e}", i + 1, l.type_name))
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;
        let model = Sequential::from_layers(file.input_dim, layers).map_err(|e| e.to_string())?;
        model.validate()?;
        Ok(model)
    }

    /// Reads a model written by [`Persist::to_json`] whose layers may include
    /// types of your own, rebuilt by the loaders in `registry`. Plain
    /// [`Persist::from_json`] uses [`LayerRegistry::new`] (the built-in layers).
    ///
    /// ```
    /// use ua_nn::{Activation, Persist, Sequential, persist::LayerRegistry};
    /// let m = Sequential::<f64>::builder(2).dense(1, Activation::Sigmoid).build().unwrap();
    /// let back = Sequential::<f64>::from_json_with(&m.to_json().unwrap(), &LayerRegistry::new()).unwrap();
    /// assert_eq!(back.n_params(), 3);
    /// ```
    pub fn from_json_with(
        json: &str,
        registry: &LayerRegistry<S>,
    ) -> std::result::Result<Self, PersistError> {
        let file = SequentialFile::from_json(json)?;
        Self::from_file(file, registry).map_err(|message| invalid_at("<memory>", message))
    }

    /// Reads a model written by [`Persist::save`] with the loaders in
    /// `registry` (see [`from_json_with`](Self::from_json_with)); errors name the file.
    ///
    /// ```
    /// use ua_nn::{Activation, Persist, Sequential, persist::LayerRegistry};
    /// let path = std::env::temp_dir().join(format!("ua-nn-doc-load-with-{}.json", std::process::id()));
    /// let m = Sequential::<f32>::builder(2).dense(1, Activation::Sigmoid).build().unwrap();
    /// m.save(&path).unwrap();
    /// let back = Sequential::<f32>::load_with(&path, &LayerRegistry::new()).unwrap();
    /// assert_eq!(back.to_json().unwrap(), m.to_json().unwrap());
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn load_with(
        path: impl AsRef<Path>,
        registry: &LayerRegistry<S>,
    ) -> std::result::Result<Self, PersistError> {
        let path = path.as_ref();
        let file = SequentialFile::load(path)?;
        Self::from_file(file, registry)
            .map_err(|message| invalid_at(&path.display().to_string(), message))
    }
}

fn invalid_at(source_name: &str, message: String) -> PersistError {
    PersistError::Invalid {
        source_name: source_name.into(),
        kind: SEQUENTIAL_KIND,
        message,
    }
}

impl<S: Scalar> Serialize for Sequential<S> {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> std::result::Result<Ser::Ok, Ser::Error> {
        self.to_file()
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl<'de, S: Scalar> Deserialize<'de> for Sequential<S> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let file = SequentialFile::deserialize(d)?;
        Sequential::from_file(file, &LayerRegistry::new()).map_err(serde::de::Error::custom)
    }
}

/// A [`Sequential`] saves and loads through the workspace's envelope, kind
/// [`SEQUENTIAL_KIND`]. Loading checks the element type, rebuilds every
/// layer with the built-in [`LayerRegistry`] and checks that the widths
/// chain; [`validate`](Persist::validate) re-checks the chain of a model.
impl<S: Scalar> Persist for Sequential<S> {
    const KIND: &'static str = SEQUENTIAL_KIND;

    fn validate(&self) -> std::result::Result<(), String> {
        if self.layers.is_empty() || self.layers.len() != self.widths.len() {
            return Err(format!(
                "the model has {} layers and records {} widths",
                self.layers.len(),
                self.widths.len()
            ));
        }
        let mut width = self.input_dim;
        for (i, (layer, &saved)) in self.layers.iter().zip(&self.widths).enumerate() {
            width = layer
                .output_dim(width)
                .map_err(|e| format!("layer {} ({}): {e}", i + 1, layer.name()))?;
            if width != saved {
                return Err(format!(
                    "layer {} ({}) outputs {width} columns, the model records {saved}",
                    i + 1,
                    layer.name()
                ));
            }
        }
        if width != self.output_dim {
            return Err(format!(
                "the last layer outputs {width} columns, the model records {}",
                self.output_dim
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Activation;

    fn model() -> Sequential<f32> {
        Sequential::builder(3)
            .dense(4, Activation::Relu)
            .dropout(0.5)
            .dense(2, Activation::Identity)
            .build()
            .unwrap()
    }

    #[test]
    fn validate_rechecks_the_chain_of_widths() {
        assert_eq!(model().validate(), Ok(()));
        let mut m = model();
        m.widths[1] = 5;
        let e = m.validate().unwrap_err();
        assert_eq!(
            e,
            "layer 2 (dropout) outputs 4 columns, the model records 5"
        );
        let mut m = model();
        m.output_dim = 3;
        let e = m.validate().unwrap_err();
        assert_eq!(e, "the last layer outputs 2 columns, the model records 3");
        let mut m = model();
        m.input_dim = 5;
        let e = m.validate().unwrap_err();
        assert!(e.starts_with("layer 1 (dense): "), "{e}");
        let mut m = model();
        m.widths.pop();
        assert_eq!(
            m.validate().unwrap_err(),
            "the model has 3 layers and records 2 widths"
        );
        let mut m = model();
        m.layers.clear();
        m.widths.clear();
        assert!(m.validate().is_err());
    }

    #[test]
    fn a_registry_prints_the_types_it_knows() {
        let reg = LayerRegistry::<f32>::new().with("my/layer", |s: &SavedLayer| {
            Err(crate::error::invalid("test", s.type_name.clone()))
        });
        let shown = format!("{reg:?}");
        assert!(shown.starts_with("LayerRegistry { types: ["), "{shown}");
        assert!(
            shown.contains("\"dense\"") && shown.contains("\"my/layer\""),
            "{shown}"
        );
        // The registered loader is the one that runs.
        let e = reg.load_layer(&SavedLayer::new("my/layer", &()).unwrap());
        assert_eq!(
            e.unwrap_err().to_string(),
            "test: invalid argument: my/layer"
        );
    }

    #[test]
    fn the_payload_checks_its_own_fields() {
        let file = |dtype: &str, input_dim, layers| SequentialFile {
            dtype: dtype.into(),
            input_dim,
            layers,
        };
        let relu = || vec![SavedLayer::new("relu", &()).unwrap()];
        assert_eq!(file("f32", 2, relu()).validate(), Ok(()));
        assert_eq!(file("f64", 1, relu()).validate(), Ok(()));
        assert!(
            file("i8", 2, relu())
                .validate()
                .unwrap_err()
                .contains("found i8")
        );
        assert!(
            file("f32", 0, relu())
                .validate()
                .unwrap_err()
                .contains("input_dim")
        );
        assert!(
            file("f32", 2, vec![])
                .validate()
                .unwrap_err()
                .contains("no layers")
        );
        // a model rebuilt from a payload of another dtype is refused
        let e = Sequential::<f64>::from_file(file("f32", 2, relu()), &LayerRegistry::new());
        assert!(e.unwrap_err().contains("Sequential<f64>"));
        let m = Sequential::<f64>::from_file(file("f64", 2, relu()), &LayerRegistry::new());
        assert_eq!(m.unwrap().output_dim(), 2);
    }
}
