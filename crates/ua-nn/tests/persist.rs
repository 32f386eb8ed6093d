//! Save/load through the workspace envelope: round trips, and every kind of
//! broken file is an error.

use ndarray::Array2;
use rand::Rng;
use serde_json::Value;
use ua_nn::losses::BinaryCrossEntropy;
use ua_nn::optim::Adam;
use ua_nn::persist::{LayerRegistry, SEQUENTIAL_KIND};
use ua_nn::{Activation, FitConfig, Persist, PersistError, Sequential};
use ua_tensor::init::seeded_rng;

fn trained() -> (Sequential<f32>, Array2<f32>) {
    let mut rng = seeded_rng(1);
    let x = Array2::from_shape_fn((300, 3), |_| rng.random_range(-2.0f32..2.0));
    let y = Array2::from_shape_fn((300, 1), |(i, _)| {
        f32::from(x[[i, 0]] * x[[i, 1]] > x[[i, 2]])
    });
    let mut m = Sequential::builder(3)
        .dense(16, Activation::Relu)
        .dropout(0.3)
        .dense(8, Activation::LeakyRelu { alpha: 0.1 })
        .tanh()
        .leaky_relu(0.2)
        .relu()
        .dense(2, Activation::Identity)
        .softmax()
        .dense(1, Activation::Sigmoid)
        .sigmoid()
        .seed(5)
        .build()
        .unwrap();
    m.fit(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(0.01),
        FitConfig::new().epochs(5),
    )
    .unwrap();
    (m, x)
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ua-nn-test-{}-{name}", std::process::id()))
}

fn bits(a: &Array2<f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn loaded_model_predicts_bit_identically() {
    let (m, x) = trained();
    let path = temp("model.json");
    m.save(&path).unwrap();
    let back = Sequential::<f32>::load(&path).unwrap();
    assert_eq!(
        bits(&m.predict(x.view()).unwrap()),
        bits(&back.predict(x.view()).unwrap())
    );
    assert_eq!(back.n_params(), m.n_params());
    let names = |m: &Sequential<f32>| m.layers().iter().map(|l| l.name()).collect::<Vec<_>>();
    assert_eq!(names(&back), names(&m));
    // Saving the loaded model writes the same file.
    assert_eq!(back.to_json().unwrap(), m.to_json().unwrap());
    std::fs::remove_file(&path).unwrap();

    // f64 too, through from_json_with.
    let mut rng = seeded_rng(2);
    let x = Array2::from_shape_fn((50, 2), |_| rng.random_range(-1.0f64..1.0));
    let m = Sequential::<f64>::builder(2)
        .dense(4, Activation::Tanh)
        .dense(1, Activation::Identity)
        .seed(9)
        .build()
        .unwrap();
    let back =
        Sequential::<f64>::from_json_with(&m.to_json().unwrap(), &LayerRegistry::new()).unwrap();
    let (a, b) = (
        m.predict(x.view()).unwrap(),
        back.predict(x.view()).unwrap(),
    );
    assert!(
        a.iter()
            .zip(b.iter())
            .all(|(p, q)| p.to_bits() == q.to_bits())
    );
}

#[test]
fn the_file_is_an_envelope_of_kind_sequential() {
    let (m, _) = trained();
    let v: Value = serde_json::from_str(&m.to_json().unwrap()).unwrap();
    assert_eq!(v["format"], "user-analytics");
    assert_eq!(v["kind"], SEQUENTIAL_KIND);
    assert_eq!(v["kind"], "ua-nn/sequential");
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["model"]["dtype"], "f32");
    assert_eq!(v["model"]["input_dim"], 3);
    let layers = v["model"]["layers"].as_array().unwrap();
    assert_eq!(layers[0]["type"], "dense");
    assert_eq!(layers[0]["data"]["output_dim"], 16);
    assert_eq!(layers[1]["type"], "dropout");
    assert_eq!(layers[1]["data"]["rate"], 0.3);
    assert_eq!(layers[3]["type"], "tanh");
    assert!(layers[3].get("data").is_none());
    // Sequential is Serialize/Deserialize, so it can sit inside another file.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Outer {
        note: String,
        net: Sequential<f32>,
    }
    let json = serde_json::to_string(&Outer {
        note: "x".into(),
        net: m.clone(),
    })
    .unwrap();
    let back: Outer = serde_json::from_str(&json).unwrap();
    assert_eq!(back.net.to_json().unwrap(), m.to_json().unwrap());
}

/// Edits the JSON of a saved model.
fn edit(json: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(json).unwrap();
    f(&mut v);
    v.to_string()
}

fn invalid_message<S: ua_nn::Scalar>(r: Result<Sequential<S>, PersistError>) -> String {
    match r {
        Err(e @ PersistError::Invalid { .. }) => e.to_string(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn truncated_corrupt_foreign_and_newer_files_are_errors() {
    let (m, _) = trained();
    let json = m.to_json().unwrap();
    let load = |s: &str| Sequential::<f32>::from_json(s);
    for bad in [
        "not json",
        "",
        &json[..json.len() / 2],
        &json[..json.len() - 1],
    ] {
        assert!(
            matches!(load(bad), Err(PersistError::Corrupt { .. })),
            "{bad:.40}"
        );
    }
    let other_kind = json.replace(SEQUENTIAL_KIND, "ua-analytics/kmeans");
    match load(&other_kind) {
        Err(PersistError::WrongKind { found, .. }) => assert_eq!(found, "ua-analytics/kmeans"),
        other => panic!("{other:?}"),
    }
    let newer = json.replace("\"format_version\":1", "\"format_version\":2");
    let e = load(&newer).unwrap_err();
    assert!(
        matches!(e, PersistError::UnsupportedVersion { found: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("newer"), "{e}");
    // The same rules through the registry path.
    let reg = LayerRegistry::new();
    assert!(matches!(
        Sequential::<f32>::from_json_with(&newer, &reg),
        Err(PersistError::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        Sequential::<f32>::from_json_with(&other_kind, &reg),
        Err(PersistError::WrongKind { .. })
    ));
    assert!(matches!(
        Sequential::<f32>::from_json_with(&json[..10], &reg),
        Err(PersistError::Corrupt { .. })
    ));
}

#[test]
fn inconsistent_contents_are_errors_that_say_what_is_wrong() {
    let (m, _) = trained();
    let json = m.to_json().unwrap();
    let load = |s: &str| invalid_message(Sequential::<f32>::from_json(s));
    let load_with =
        |s: &str| invalid_message(Sequential::<f32>::from_json_with(s, &LayerRegistry::new()));

    // Another element type.
    let e = invalid_message(Sequential::<f64>::from_json(&json));
    assert!(
        e.contains("f32 model") && e.contains("Sequential<f64>"),
        "{e}"
    );
    let e = invalid_message(Sequential::<f64>::from_json_with(
        &json,
        &LayerRegistry::new(),
    ));
    assert!(e.contains("f32 model"), "{e}");
    let e = load(&edit(&json, |v| v["model"]["dtype"] = "f16".into()));
    assert!(e.contains("dtype must be f32 or f64, found f16"), "{e}");

    // The input width does not fit the first layer.
    for f in [load, load_with] {
        let e = f(&edit(&json, |v| v["model"]["input_dim"] = 4.into()));
        assert!(
            e.contains("layer 1 (dense)") && e.contains("3 input columns"),
            "{e}"
        );
    }
    // A middle dense layer, consistent in itself, that no longer chains
    // (16 → 15 inputs, its weights cut to 15 × 8).
    let e = load(&edit(&json, |v| {
        let d = &mut v["model"]["layers"][2]["data"];
        d["input_dim"] = 15.into();
        let w = d["weights"].as_array().unwrap()[..15 * 8].to_vec();
        d["weights"] = w.into();
    }));
    assert!(
        e.contains("layer 3 (dense)") && e.contains("15 input columns"),
        "{e}"
    );
    // Weights that do not match the stated shape.
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][0]["data"]["weights"]
            .as_array_mut()
            .unwrap()
            .pop();
    }));
    assert!(
        e.contains("layer 1 of 10 (dense)") && e.contains("47 weights"),
        "{e}"
    );
    // A bias of the wrong length.
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][0]["data"]["bias"] = Value::Array(vec![0.0.into()]);
    }));
    assert!(e.contains("16 biases"), "{e}");
    // Absurd sizes are refused before anything is allocated.
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][0]["data"]["output_dim"] = (1u64 << 62).into();
    }));
    assert!(e.contains("overflows"), "{e}");
    // Bad hyper-parameters, missing fields, unknown activation.
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][1]["data"]["rate"] = 1.5.into()
    }));
    assert!(
        e.contains("layer 2 of 10 (dropout)") && e.contains("rate must be in [0, 1)"),
        "{e}"
    );
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][4]["data"]["alpha"] = (-1.0).into()
    }));
    assert!(e.contains("leaky_relu"), "{e}");
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][0]["data"]
            .as_object_mut()
            .unwrap()
            .remove("bias");
    }));
    assert!(e.contains("bias"), "{e}");
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][0]["data"]["activation"]["kind"] = "swish".into();
    }));
    assert!(e.contains("swish"), "{e}");
    // A non-finite weight cannot be written as JSON; null is not a number.
    let e = load(&edit(&json, |v| {
        v["model"]["layers"][0]["data"]["weights"][0] = Value::Null
    }));
    assert!(e.contains("dense layer data"), "{e}");
    // No layers, zero input width.
    let e = load(&edit(&json, |v| {
        v["model"]["layers"] = Value::Array(vec![])
    }));
    assert!(e.contains("no layers"), "{e}");
    let e = load(&edit(&json, |v| v["model"]["input_dim"] = 0.into()));
    assert!(e.contains("input_dim must be ≥ 1"), "{e}");
}

#[test]
fn file_errors_name_the_file() {
    let path = temp("does-not-exist.json");
    match Sequential::<f32>::load(&path) {
        Err(PersistError::Io { path: p, .. }) => assert!(p.contains("does-not-exist")),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert!(matches!(
        Sequential::<f32>::load_with(&path, &LayerRegistry::new()),
        Err(PersistError::Io { .. })
    ));
    let path = temp("corrupt.json");
    std::fs::write(&path, "{").unwrap();
    let e = Sequential::<f32>::load(&path).unwrap_err().to_string();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    // An f64 file loaded as f32 through the registry path names the file too.
    let m = Sequential::<f64>::builder(2)
        .dense(1, Activation::Identity)
        .build()
        .unwrap();
    m.save(&path).unwrap();
    let e = Sequential::<f32>::load_with(&path, &LayerRegistry::new()).unwrap_err();
    assert!(matches!(e, PersistError::Invalid { .. }));
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
    assert!(e.to_string().contains("f64 model"), "{e}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn persist_errors_convert_into_the_crate_error() {
    fn load(json: &str) -> ua_nn::Result<Sequential<f32>> {
        Ok(Sequential::<f32>::from_json(json)?)
    }
    let e = load("{").unwrap_err();
    assert!(matches!(
        e,
        ua_nn::Error::Persist(PersistError::Corrupt { .. })
    ));
    assert!(
        e.to_string()
            .contains("not a readable user-analytics model file"),
        "{e}"
    );
}
