//! One saved-model format for every fitted object of the workspace.
//!
//! A saved file is JSON in one envelope:
//!
//! ```json
//! {"format": "user-analytics", "kind": "ua-analytics/logistic-regression",
//!  "format_version": 1, "crate_version": "0.1.0", "model": { ... }}
//! ```
//!
//! A type opts in by implementing [`Persist`]: a `KIND` name, its
//! `FORMAT_VERSION` (bumped when the layout of `model` changes), the oldest
//! version it still reads, and [`Persist::validate`], which checks the
//! invariants of a deserialised value (shapes agree, labels < k,
//! permutations are permutations) before anyone uses it. The provided
//! methods then save and load every kind the same way, with one policy:
//!
//! * not JSON, truncated, or not an envelope → [`PersistError::Corrupt`];
//! * an envelope of another kind → [`PersistError::WrongKind`];
//! * a version newer than this build (or older than it still reads) →
//!   [`PersistError::UnsupportedVersion`];
//! * contents that deserialise but break an invariant → [`PersistError::Invalid`].
//!
//! Numbers are written so that they read back to the same bits (`f32 → f64`
//! is exact, and JSON numbers round-trip `f64`), so a loaded model predicts
//! bit-identically. Files are written to a temporary sibling and renamed, so
//! a crash never leaves half a model behind.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use ua_tensor::persist::{Persist, PersistError};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! struct Centre { values: Vec<f64> }
//!
//! impl Persist for Centre {
//!     const KIND: &'static str = "example/centre";
//!     fn validate(&self) -> Result<(), String> {
//!         if self.values.iter().all(|v| v.is_finite()) { Ok(()) } else { Err("non-finite centre".into()) }
//!     }
//! }
//!
//! let c = Centre { values: vec![0.1, 2.5] };
//! let json = c.to_json().unwrap();
//! assert_eq!(Centre::from_json(&json).unwrap(), c);
//!
//! // Another kind, a newer version, or broken contents are clear errors.
//! let other = json.replace("example/centre", "example/other");
//! assert!(matches!(Centre::from_json(&other), Err(PersistError::WrongKind { .. })));
//! let newer = json.replace("\"format_version\":1", "\"format_version\":7");
//! assert!(matches!(Centre::from_json(&newer), Err(PersistError::UnsupportedVersion { found: 7, .. })));
//! let broken = json.replace("2.5", "1e999");
//! assert!(Centre::from_json(&broken).is_err());
//! assert!(matches!(Centre::from_json(&json[..20]), Err(PersistError::Corrupt { .. })));
//! ```

use std::path::Path;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};

/// The `format` field of every file this workspace writes.
pub const FORMAT: &str = "user-analytics";

/// The version of the workspace that writes files (recorded, not checked).
pub const CRATE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a model could not be saved or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersistError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, truncated, or not a user-analytics envelope.
    #[error("{source_name}: not a readable user-analytics model file: {message}")]
    Corrupt {
        /// The file, or `<memory>` for a string.
        source_name: String,
        /// What the parser found.
        message: String,
    },
    /// A model file of another kind (e.g. a k-means model loaded as a scaler).
    #[error("{source_name}: the file holds a {found} model, expected {expected}")]
    WrongKind {
        /// The file, or `<memory>`.
        source_name: String,
        /// The kind that was asked for.
        expected: &'static str,
        /// The kind in the file.
        found: String,
    },
    /// A format version this build does not read.
    #[error(
        "{source_name}: {kind} format version {found} is not supported (this build reads versions {min} to {max}){hint}",
        hint = if *found > *max { "; the file was written by a newer user-analytics, upgrade to read it" } else { "" }
    )]
    UnsupportedVersion {
        /// The file, or `<memory>`.
        source_name: String,
        /// The model kind.
        kind: &'static str,
        /// The version in the file.
        found: u32,
        /// The oldest version this build reads.
        min: u32,
        /// The newest version this build reads (the one it writes).
        max: u32,
    },
    /// The contents were read but break an invariant of the model.
    #[error("{source_name}: the {kind} model in the file is not usable: {message}")]
    Invalid {
        /// The file, or `<memory>`.
        source_name: String,
        /// The model kind.
        kind: &'static str,
        /// Which invariant is broken.
        message: String,
    },
    /// The value could not be turned into JSON (e.g. a non-finite number).
    #[error("saving a {kind} model: {message}")]
    Unserializable {
        /// The model kind.
        kind: &'static str,
        /// What serde said.
        message: String,
    },
}

impl PersistError {
    /// The same error, naming `path` as its source instead of `<memory>`.
    fn at(self, path: &str) -> Self {
        use PersistError::*;
        match self {
            Corrupt { message, .. } => Corrupt {
                source_name: path.into(),
                message,
            },
            WrongKind {
                expected, found, ..
            } => WrongKind {
                source_name: path.into(),
                expected,
                found,
            },
            UnsupportedVersion {
                kind,
                found,
                min,
                max,
                ..
            } => UnsupportedVersion {
                source_name: path.into(),
                kind,
                found,
                min,
                max,
            },
            Invalid { kind, message, .. } => Invalid {
                source_name: path.into(),
                kind,
                message,
            },
            other => other,
        }
    }
}

const MEMORY: &str = "<memory>";

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    format: &'a str,
    kind: &'a str,
    format_version: u32,
    crate_version: &'a str,
    model: &'a T,
}

/// What a saved file holds, read without knowing the model's type: a
/// program that serves "any saved model" reads this first, then loads the
/// file as the type its `kind` names.
///
/// ```
/// use ua_tensor::persist::Header;
/// let h = Header::from_json(r#"{"format":"user-analytics","kind":"demo/model",
///     "format_version":2,"crate_version":"0.1.0","model":{"w":[1.0]}}"#).unwrap();
/// assert_eq!((h.kind.as_str(), h.format_version), ("demo/model", 2));
/// let e = Header::from_json(r#"{"format":"other","kind":"k","format_version":1,
///     "crate_version":"0","model":null}"#).unwrap_err();
/// assert!(e.to_string().contains("format is other, expected user-analytics"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// The model kind, `"crate/model"` ([`Persist::KIND`]).
    pub kind: String,
    /// The layout version of that kind.
    pub format_version: u32,
    /// The version of the crate that wrote the file.
    pub crate_version: String,
}

/// The header as read: the model must be there, its contents are skipped.
#[derive(Deserialize)]
struct HeaderIn {
    #[serde(flatten)]
    header: Header,
    #[allow(dead_code)]
    model: IgnoredAny,
}

impl Header {
    /// Reads the header of a saved model's JSON (an error when it is not
    /// the common envelope).
    pub fn from_json(json: &str) -> Result<Self, PersistError> {
        let corrupt = |message: String| PersistError::Corrupt {
            source_name: MEMORY.into(),
            message,
        };
        let header = serde_json::from_str::<HeaderIn>(json)
            .map_err(|e| corrupt(e.to_string()))?
            .header;
        if header.format != FORMAT {
            return Err(corrupt(format!(
                "format is {}, expected {FORMAT}",
                header.format
            )));
        }
        Ok(header)
    }

    /// Reads the header of the saved model at `path`; errors name the file.
    ///
    /// ```
    /// use ua_tensor::persist::Header;
    /// let e = Header::load("no/such/model.json").unwrap_err();
    /// assert!(e.to_string().contains("no/such/model.json"), "{e}");
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Self, PersistError> {
        let (name, json) = read_file(path.as_ref())?;
        Self::from_json(&json).map_err(|e| e.at(&name))
    }
}

/// The file's name (for errors) and its text.
fn read_file(path: &Path) -> Result<(String, String), PersistError> {
    let name = path.display().to_string();
    let json = std::fs::read_to_string(path).map_err(|source| PersistError::Io {
        path: name.clone(),
        source,
    })?;
    Ok((name, json))
}

#[derive(Deserialize)]
struct EnvelopeIn<T> {
    model: T,
}

/// A fitted object that saves and loads through the common envelope.
///
/// Implement `KIND` (and `validate` where the type has invariants); the
/// provided methods do the rest. See the [module docs](self).
pub trait Persist: Serialize + DeserializeOwned {
    /// The kind written into the envelope, `"crate/model"`.
    const KIND: &'static str;
    /// The layout version written; bump it when the serialised form changes.
    const FORMAT_VERSION: u32 = 1;
    /// The oldest layout version this build still reads.
    const MIN_FORMAT_VERSION: u32 = Self::FORMAT_VERSION;

    /// Checks the invariants of a freshly deserialised value; the message
    /// says which one is broken. Called by every `load`/`from_json`.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    /// The value in its envelope, as a JSON string.
    fn to_json(&self) -> Result<String, PersistError> {
        serde_json::to_string(&EnvelopeOut {
            format: FORMAT,
            kind: Self::KIND,
            format_version: Self::FORMAT_VERSION,
            crate_version: CRATE_VERSION,
            model: self,
        })
        .map_err(|e| PersistError::Unserializable {
            kind: Self::KIND,
            message: e.to_string(),
        })
    }

    /// Reads a value written by [`to_json`](Persist::to_json): checks the
    /// envelope, the kind and the version, then [`validate`](Persist::validate)s it.
    fn from_json(json: &str) -> Result<Self, PersistError> {
        let header = Header::from_json(json)?;
        if header.kind != Self::KIND {
            return Err(PersistError::WrongKind {
                source_name: MEMORY.into(),
                expected: Self::KIND,
                found: header.kind,
            });
        }
        if !(Self::MIN_FORMAT_VERSION..=Self::FORMAT_VERSION).contains(&header.format_version) {
            return Err(PersistError::UnsupportedVersion {
                source_name: MEMORY.into(),
                kind: Self::KIND,
                found: header.format_version,
                min: Self::MIN_FORMAT_VERSION,
                max: Self::FORMAT_VERSION,
            });
        }
        let value = serde_json::from_str::<EnvelopeIn<Self>>(json)
            .map_err(|e| PersistError::Invalid {
                source_name: MEMORY.into(),
                kind: Self::KIND,
                message: e.to_string(),
            })?
            .model;
        value.validate().map_err(|message| PersistError::Invalid {
            source_name: MEMORY.into(),
            kind: Self::KIND,
            message,
        })?;
        Ok(value)
    }

    /// Writes the value to `path` (through a temporary sibling file and a
    /// rename, so an existing file is replaced only by a complete one).
    fn save(&self, path: impl AsRef<Path>) -> Result<(), PersistError> {
        let path = path.as_ref();
        let json = self.to_json()?;
        write_atomically(path, json.as_bytes())
    }

    /// Reads a value written by [`save`](Persist::save); errors name the file.
    fn load(path: impl AsRef<Path>) -> Result<Self, PersistError> {
        let (name, json) = read_file(path.as_ref())?;
        Self::from_json(&json).map_err(|e| e.at(&name))
    }
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    let io = |source| PersistError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Perm {
        order: Vec<usize>,
    }

    impl Persist for Perm {
        const KIND: &'static str = "test/perm";
        const FORMAT_VERSION: u32 = 3;
        const MIN_FORMAT_VERSION: u32 = 2;
        fn validate(&self) -> Result<(), String> {
            let mut seen = vec![false; self.order.len()];
            for &i in &self.order {
                if i >= seen.len() || std::mem::replace(&mut seen[i], true) {
                    return Err(format!("order is not a permutation (entry {i})"));
                }
            }
            Ok(())
        }
    }

    fn perm() -> Perm {
        Perm {
            order: vec![2, 0, 1],
        }
    }

    #[test]
    fn envelope_fields_are_written() {
        let v: serde_json::Value = serde_json::from_str(&perm().to_json().unwrap()).unwrap();
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["kind"], "test/perm");
        assert_eq!(v["format_version"], 3);
        assert_eq!(v["crate_version"], CRATE_VERSION);
        assert_eq!(v["model"]["order"], serde_json::json!([2, 0, 1]));
    }

    #[test]
    fn round_trip_through_a_file() {
        let dir = std::env::temp_dir().join(format!("ua-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("perm.json");
        perm().save(&path).unwrap();
        assert_eq!(Perm::load(&path).unwrap(), perm());
        // Overwriting replaces the whole file and leaves no temporary behind.
        Perm { order: vec![0] }.save(&path).unwrap();
        assert_eq!(Perm::load(&path).unwrap().order, vec![0]);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn version_window_is_enforced_both_ways() {
        let json = perm().to_json().unwrap();
        let v2 = json.replace("\"format_version\":3", "\"format_version\":2");
        assert_eq!(Perm::from_json(&v2).unwrap(), perm());
        for bad in [1, 4] {
            let j = json.replace("\"format_version\":3", &format!("\"format_version\":{bad}"));
            let e = Perm::from_json(&j).unwrap_err();
            assert!(
                matches!(e, PersistError::UnsupportedVersion { found, min: 2, max: 3, .. } if found == bad)
            );
            assert_eq!(e.to_string().contains("newer"), bad == 4, "{e}");
        }
    }

    #[test]
    fn broken_files_are_errors_that_name_the_file() {
        let json = perm().to_json().unwrap();
        let not_perm = json.replace("[2,0,1]", "[2,2,1]");
        let e = Perm::from_json(&not_perm).unwrap_err();
        assert!(matches!(e, PersistError::Invalid { .. }));
        assert!(e.to_string().contains("not a permutation"), "{e}");

        let wrong_format = json.replace("\"user-analytics\"", "\"other\"");
        assert!(matches!(
            Perm::from_json(&wrong_format),
            Err(PersistError::Corrupt { .. })
        ));
        let wrong_type = json.replace("[2,0,1]", "\"x\"");
        assert!(matches!(
            Perm::from_json(&wrong_type),
            Err(PersistError::Invalid { .. })
        ));
        for truncated in [&json[..json.len() - 1], "", "[]", "{\"format\":1}"] {
            assert!(matches!(
                Perm::from_json(truncated),
                Err(PersistError::Corrupt { .. })
            ));
        }

        let path = std::env::temp_dir().join(format!("ua-persist-bad-{}.json", std::process::id()));
        std::fs::write(&path, &not_perm).unwrap();
        let e = Perm::load(&path).unwrap_err();
        assert!(
            e.to_string().starts_with(&path.display().to_string()),
            "{e}"
        );
        std::fs::remove_file(&path).unwrap();
        let e = Perm::load(&path).unwrap_err();
        assert!(matches!(e, PersistError::Io { .. }));
    }

    #[test]
    fn non_finite_numbers_cannot_be_saved_silently() {
        #[derive(Serialize, Deserialize)]
        struct F {
            x: f64,
        }
        impl Persist for F {
            const KIND: &'static str = "test/f";
        }
        // serde_json writes NaN as null; reading it back as f64 fails loudly.
        let json = F { x: f64::NAN }.to_json().unwrap();
        assert!(matches!(
            F::from_json(&json),
            Err(PersistError::Invalid { .. })
        ));
    }
}
