//! Helpers shared by the unit tests: editing a saved file to break it.

use serde_json::Value as Json;
use ua_tensor::persist::{Persist, PersistError};

/// Replaces the first value under `key` (depth first, keys in serde_json's
/// sorted order) with `new`; panics if there is none.
pub(crate) fn edit(json: &str, key: &str, new: Json) -> String {
    fn set_first(v: &mut Json, key: &str, new: &Json) -> bool {
        match v {
            Json::Object(m) => {
                if let Some(slot) = m.get_mut(key) {
                    *slot = new.clone();
                    return true;
                }
                m.values_mut().any(|c| set_first(c, key, new))
            }
            Json::Array(a) => a.iter_mut().any(|c| set_first(c, key, new)),
            _ => false,
        }
    }
    let mut v: Json = serde_json::from_str(json).unwrap();
    assert!(set_first(&mut v, key, &new), "no `{key}` in {json}");
    v.to_string()
}

/// The message of the `Invalid` error that loading `json` as `T` gives.
pub(crate) fn invalid<T: Persist + std::fmt::Debug>(json: &str) -> String {
    match T::from_json(json) {
        Err(e @ PersistError::Invalid { .. }) => e.to_string(),
        other => panic!("expected an invalid-contents error, got {other:?}"),
    }
}

/// Checks the envelope policy on a saved `T`: the round trip gives the same
/// file, a truncated file is corrupt, another kind and a newer version are
/// refused.
pub(crate) fn envelope_policy<T: Persist + std::fmt::Debug>(value: &T) -> String {
    let json = value.to_json().unwrap();
    let back = T::from_json(&json).unwrap();
    assert_eq!(back.to_json().unwrap(), json);
    assert!(matches!(
        T::from_json(&json[..json.len() - 2]),
        Err(PersistError::Corrupt { .. })
    ));
    let other = json.replacen(T::KIND, "ua-data/something-else", 1);
    assert!(matches!(
        T::from_json(&other),
        Err(PersistError::WrongKind { .. })
    ));
    let newer = json.replace(
        &format!("\"format_version\":{}", T::FORMAT_VERSION),
        &format!("\"format_version\":{}", T::FORMAT_VERSION + 1),
    );
    assert!(matches!(
        T::from_json(&newer),
        Err(PersistError::UnsupportedVersion { .. })
    ));
    json
}
