//! Saving and loading fitted k-means models through the common envelope
//! ([`Persist`]). Each precision and each parameter type is its own kind,
//! so an `f32` file does not load as an `f64` model (nor a mini-batch model
//! as a k-means one); loading checks the invariants listed on
//! [`FittedKMeans`].

use ua_tensor::persist::Persist;

use super::fitted::FittedKMeans;
use super::params::KMeans;
use crate::segmentation::MiniBatchKMeans;

macro_rules! persist_kmeans {
    ($scalar:ty, $params:ty, $kind:literal) => {
        impl Persist for FittedKMeans<$scalar, $params> {
            const KIND: &'static str = $kind;
            fn validate(&self) -> Result<(), String> {
                self.check_invariants()
            }
        }
    };
}

persist_kmeans!(f32, KMeans, "ua-analytics/kmeans-f32");
persist_kmeans!(f64, KMeans, "ua-analytics/kmeans-f64");
persist_kmeans!(f32, MiniBatchKMeans, "ua-analytics/minibatch-kmeans-f32");
persist_kmeans!(f64, MiniBatchKMeans, "ua-analytics/minibatch-kmeans-f64");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segmentation::{FittedMiniBatchKMeans, gaussian_blobs};
    use ua_tensor::persist::PersistError;

    fn fitted() -> FittedKMeans<f64> {
        let (x, _) = gaussian_blobs::<f64>(60, 2, 3, 0.5, 10.0, 4).unwrap();
        KMeans::new(3).seed(2).fit(x.view()).unwrap()
    }

    /// The model part of a saved file, edited by `edit`, then loaded.
    fn load_edited<T: Persist>(
        model: &T,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> Result<T, PersistError> {
        let mut v: serde_json::Value = serde_json::from_str(&model.to_json().unwrap()).unwrap();
        edit(&mut v["model"]);
        T::from_json(&v.to_string())
    }

    fn invalid_message<T: std::fmt::Debug>(r: Result<T, PersistError>) -> String {
        match r {
            Err(PersistError::Invalid { message, .. }) => message,
            other => panic!("expected an invalid-model error, got {other:?}"),
        }
    }

    #[test]
    fn round_trip_is_identical_for_every_kind() {
        let fit = fitted();
        let back = FittedKMeans::<f64>::from_json(&fit.to_json().unwrap()).unwrap();
        assert_eq!(back, fit);
        let x = ndarray::array![[0.5, -3.0], [7.0, 1.0]];
        assert_eq!(
            back.predict(x.view()).unwrap(),
            fit.predict(x.view()).unwrap()
        );
        assert_eq!(back.params(), fit.params());

        let (x, _) = gaussian_blobs::<f32>(60, 2, 3, 0.5, 10.0, 4).unwrap();
        let f32_fit = KMeans::new(3).seed(2).fit(x.view()).unwrap();
        let json = f32_fit.to_json().unwrap();
        assert_eq!(FittedKMeans::<f32>::from_json(&json).unwrap(), f32_fit);
        assert!(matches!(
            FittedKMeans::<f64>::from_json(&json),
            Err(PersistError::WrongKind { .. })
        ));

        let mb = MiniBatchKMeans::new(3)
            .batch_size(16)
            .seed(1)
            .fit(x.view())
            .unwrap();
        let json = mb.to_json().unwrap();
        assert_eq!(FittedMiniBatchKMeans::<f32>::from_json(&json).unwrap(), mb);
        assert!(matches!(
            FittedKMeans::<f32>::from_json(&json),
            Err(PersistError::WrongKind { .. })
        ));
    }

    #[test]
    fn each_broken_invariant_is_an_error_on_load() {
        let fit = fitted();
        let m = invalid_message(load_edited(&fit, |m| m["labels"]["data"][5] = 3.into()));
        assert!(
            m.contains("training label 5 is 3") && m.contains("k = 3"),
            "{m}"
        );
        let m = invalid_message(load_edited(&fit, |m| m["params"]["k"] = 4.into()));
        assert!(m.contains("k = 4 but the model has 3 centres"), "{m}");
        let m = invalid_message(load_edited(&fit, |m| m["params"]["n_init"] = 0.into()));
        assert!(m.contains("n_init"), "{m}");
        let m = invalid_message(load_edited(&fit, |m| m["inertia"] = (-1.0).into()));
        assert!(m.contains("inertia is -1"), "{m}");
        let m = invalid_message(load_edited(&fit, |m| m["n_iter"] = 0.into()));
        assert!(m.contains("n_iter is 0"), "{m}");
        let m = invalid_message(load_edited(&fit, |m| m["n_iter"] = 301.into()));
        assert!(m.contains("n_iter is 301; expected 1..=300"), "{m}");
        assert!(load_edited(&fit, |m| m["n_iter"] = 300.into()).is_ok());
        // Shapes: centres and their declared dimension disagree.
        let m = invalid_message(load_edited(&fit, |m| m["centers"]["dim"][0] = 4.into()));
        assert!(!m.is_empty());
        // No centres at all (and parameters to match).
        let m = invalid_message(load_edited(&fit, |m| {
            m["centers"] = serde_json::json!({"v": 1, "dim": [0, 2], "data": []});
            m["params"]["k"] = 0.into();
        }));
        assert!(m.contains("no centres"), "{m}");
        let m = invalid_message(load_edited(&fit, |m| {
            m["centers"] = serde_json::json!({"v": 1, "dim": [3, 0], "data": []});
        }));
        assert!(m.contains("no features"), "{m}");
        // Fewer training labels than centres.
        let m = invalid_message(load_edited(&fit, |m| {
            m["labels"] = serde_json::json!({"v": 1, "dim": [2], "data": [0, 1]});
        }));
        assert!(m.contains("2 training labels for 3 centres"), "{m}");
        // Exactly k labels is fine.
        assert!(
            load_edited(&fit, |m| {
                m["labels"] = serde_json::json!({"v": 1, "dim": [3], "data": [0, 1, 2]});
            })
            .is_ok()
        );
        // A centre that overflows f32 is refused by the parser...
        let (x, _) = gaussian_blobs::<f32>(30, 2, 3, 0.5, 10.0, 4).unwrap();
        let f32_fit = KMeans::new(3).seed(2).fit(x.view()).unwrap();
        let m = invalid_message(load_edited(&f32_fit, |m| {
            m["centers"]["data"][3] = 1e39.into()
        }));
        assert!(m.contains("out of range"), "{m}");
        // ... and a non-finite centre that another serde format could carry
        // by the invariants.
        let mut bad = f32_fit.clone();
        bad.centers[[1, 1]] = f32::INFINITY;
        let m = bad.check_invariants().unwrap_err();
        assert!(m.contains("centre 1, feature 1 is inf"), "{m}");
        bad.centers[[1, 1]] = f32::NAN;
        assert!(bad.check_invariants().is_err());
        assert!(f32_fit.check_invariants().is_ok());
    }

    #[test]
    fn module_version_constant_is_gone_and_envelope_versions_apply() {
        let json = fitted().to_json().unwrap();
        assert!(!json.contains("\"model\":{\"format_version\""));
        let newer = json.replace("\"format_version\":1", "\"format_version\":2");
        assert!(matches!(
            FittedKMeans::<f64>::from_json(&newer),
            Err(PersistError::UnsupportedVersion { found: 2, .. })
        ));
    }
}
