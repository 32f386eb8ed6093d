//! Save/load round trips and corrupt files.

use ndarray::Array2;
use rand::Rng;
use ua_nn::losses::BinaryCrossEntropy;
use ua_nn::optim::Adam;
use ua_nn::{Activation, Error, FitConfig, Sequential};
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
        .dense(1, Activation::Sigmoid)
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

#[test]
fn loaded_model_predicts_bit_identically() {
    let (mut m, x) = trained();
    let path = temp("model.json");
    m.save(&path).unwrap();
    let mut back = Sequential::<f32>::load(&path).unwrap();
    let (a, b) = (
        m.predict(x.view()).unwrap(),
        back.predict(x.view()).unwrap(),
    );
    assert!(
        a.iter()
            .zip(b.iter())
            .all(|(p, q)| p.to_bits() == q.to_bits())
    );
    assert_eq!(back.n_params(), m.n_params());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn corrupt_or_foreign_files_are_errors() {
    let (m, _) = trained();
    let json = m.to_json().unwrap();
    let err = |s: &str| Sequential::<f32>::from_json(s).unwrap_err().to_string();
    assert!(err("not json").contains("not a valid model file"));
    assert!(err(&json[..json.len() / 2]).contains("not a valid model file"));
    assert!(
        err(&json.replace("user-analytics/sequential", "keras"))
            .contains("not a user-analytics model")
    );
    assert!(
        err(&json.replace("\"format_version\":1", "\"format_version\":99")).contains("version 99")
    );
    assert!(
        Sequential::<f64>::from_json(&json)
            .unwrap_err()
            .to_string()
            .contains("saved as f32")
    );
    // a weight dropped from the first dense layer
    let broken = json.replacen("\"weights\":[", "\"weights\":[0.5,", 1);
    assert!(err(&broken).contains("holds"), "{}", err(&broken));
    match Sequential::<f32>::load(temp("does-not-exist.json")) {
        Err(Error::Io { path, .. }) => assert!(path.contains("does-not-exist")),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let path = temp("corrupt.json");
    std::fs::write(&path, "{").unwrap();
    let e = Sequential::<f32>::load(&path).unwrap_err().to_string();
    assert!(e.contains("corrupt.json"), "{e}");
    std::fs::remove_file(&path).unwrap();
}
