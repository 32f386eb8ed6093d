//! Property tests of the model loaders: saved files of every model kind,
//! mutated — truncated at random points, random bytes flipped, numbers
//! replaced by huge/negative/fractional values, arrays shortened or
//! lengthened — never make `from_json` panic, and whatever still loads
//! passes its own validation and predicts without panicking.
//!
//! Cases per property: `UA_PROPTEST_CASES` (default 64).

use std::sync::OnceLock;

use ndarray::Array2;
use proptest::prelude::*;
use ua_analytics::Predictor;
use ua_analytics::Segmenter;
use ua_analytics::prediction::{
    FittedClassifier, FittedLogisticRegression, FittedMlpClassifier, FittedPropensityModel,
    LogisticRegression, MlpClassifier, ModelKind, PropensityConfig,
};
use ua_analytics::segmentation::rfm::{RfmColumns, RfmKMeans};
use ua_analytics::segmentation::{FittedKMeans, FittedMiniBatchKMeans, KMeans, MiniBatchKMeans};
use ua_data::{Column, Table};
use ua_nn::{Activation, Sequential};
use ua_tensor::persist::Persist;

/// Cases per property test: `UA_PROPTEST_CASES`, default 64.
fn config() -> ProptestConfig {
    let cases = std::env::var("UA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(64);
    ProptestConfig::with_cases(cases)
}

/// One way to damage a saved file.
#[derive(Debug, Clone)]
enum Mutation {
    /// Keep only the first `at` bytes (modulo the length).
    Truncate(usize),
    /// XOR the byte at `at` with `mask` (non-zero).
    Flip(usize, u8),
    /// Replace the `nth` number (modulo their count) by `with`.
    Number(usize, &'static str),
    /// Drop the first element of the `nth` non-empty array.
    Shorten(usize),
    /// Insert a copy of the first element at the front of the `nth` array.
    Lengthen(usize),
}

const REPLACEMENTS: [&str; 12] = [
    "1e308",
    "-1e308",
    "1e400",
    "-1",
    "0",
    "0.5",
    "-0.5",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "NaN",
    "1e-320",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(a, m)| Mutation::Flip(a, m)),
        (any::<usize>(), 0..REPLACEMENTS.len())
            .prop_map(|(n, r)| Mutation::Number(n, REPLACEMENTS[r])),
        any::<usize>().prop_map(Mutation::Shorten),
        any::<usize>().prop_map(Mutation::Lengthen),
    ]
}

/// Byte ranges of the JSON numbers in `s` (outside strings).
fn numbers(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let (mut out, mut i, mut in_str) = (Vec::new(), 0, false);
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_str = true;
            i += 1;
        } else if c == b'-' || c.is_ascii_digit() {
            let start = i;
            while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Byte ranges `[start, end)` of the first element of each non-empty array
/// outside strings (with whether a comma follows it).
fn first_elements(s: &str) -> Vec<(usize, usize, bool)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    // '[' outside strings
    let (mut opens, mut in_str, mut esc) = (Vec::new(), false, false);
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'[' {
            opens.push(i);
        }
    }
    for open in opens {
        // walk one element at depth 0
        let (mut i, mut depth, mut in_str) = (open + 1, 0i32, false);
        if b.get(i) == Some(&b']') {
            continue;
        }
        while i < b.len() {
            let c = b[i];
            if in_str {
                if c == b'\\' {
                    i += 1;
                } else if c == b'"' {
                    in_str = false;
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' if depth == 0 => break,
                    b']' | b'}' => depth -= 1,
                    b',' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        if i < b.len() {
            out.push((open + 1, i, b[i] == b','));
        }
    }
    out
}

fn apply(json: &str, m: &Mutation) -> Vec<u8> {
    let mut bytes = json.as_bytes().to_vec();
    match *m {
        Mutation::Truncate(at) => bytes.truncate(at % bytes.len().max(1)),
        Mutation::Flip(at, mask) => {
            let i = at % bytes.len().max(1);
            bytes[i] ^= mask;
        }
        Mutation::Number(nth, with) => {
            let nums = numbers(json);
            if !nums.is_empty() {
                let (a, b) = nums[nth % nums.len()];
                bytes.splice(a..b, with.bytes());
            }
        }
        Mutation::Shorten(nth) => {
            let els = first_elements(json);
            if !els.is_empty() {
                let (a, b, comma) = els[nth % els.len()];
                let end = if comma { b + 1 } else { b };
                bytes.drain(a..end);
            }
        }
        Mutation::Lengthen(nth) => {
            let els = first_elements(json);
            if !els.is_empty() {
                let (a, b, _) = els[nth % els.len()];
                let mut copy = json.as_bytes()[a..b].to_vec();
                copy.push(b',');
                bytes.splice(a..a, copy);
            }
        }
    }
    bytes
}

/// Loads the mutated file; what loads must validate and must score the
/// probe without panicking (an error is fine).
fn check<T: Persist>(json: &str, m: &Mutation, use_it: impl Fn(&T)) {
    let bytes = apply(json, m);
    let Ok(text) = String::from_utf8(bytes) else {
        return; // the loaders take &str; invalid UTF-8 is the reader's error
    };
    if let Ok(model) = T::from_json(&text) {
        assert!(model.validate().is_ok(), "loaded but invalid after {m:?}");
        use_it(&model);
    }
}

fn xy(n: usize, d: usize) -> (Array2<f32>, Vec<u8>) {
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        ((i * 31 + j * 17) % 23) as f32 / 11.0 - 1.0
    });
    let y = x.rows().into_iter().map(|r| u8::from(r[0] > 0.0)).collect();
    (x, y)
}

fn probe(d: usize) -> Array2<f32> {
    xy(5, d.clamp(1, 64)).0
}

struct Saved {
    logistic: String,
    mlp: String,
    classifier: String,
    pipeline: String,
    kmeans32: String,
    kmeans64: String,
    minibatch: String,
    rfm: String,
    sequential: String,
    table: Table,
}

fn saved() -> &'static Saved {
    static SAVED: OnceLock<Saved> = OnceLock::new();
    SAVED.get_or_init(|| {
        let (x, y) = xy(60, 3);
        let logistic = LogisticRegression::new().fit(x.view(), &y).unwrap();
        let mlp = MlpClassifier::new()
            .hidden(&[4])
            .epochs(2)
            .early_stopping(None)
            .fit(x.view(), &y)
            .unwrap();
        let classifier = FittedClassifier::Logistic(logistic.clone());
        let n = 40;
        let table = Table::new(vec![
            (
                "visits".into(),
                Column::numeric((0..n).map(|i| (i % 5) as f64).collect()),
            ),
            (
                "plan".into(),
                Column::categorical(
                    &(0..n)
                        .map(|i| ["free", "pro", "team"][i % 3])
                        .collect::<Vec<_>>(),
                ),
            ),
            (
                "y".into(),
                Column::numeric((0..n).map(|i| ((i % 5) > 2) as u8 as f64).collect()),
            ),
        ])
        .unwrap();
        let pipeline = PropensityConfig::new("y")
            .model(ModelKind::Logistic(LogisticRegression::new()))
            .fit(&table)
            .unwrap();
        let xk = Array2::from_shape_fn((30, 2), |(i, j)| {
            ((i % 3) * 10 + j) as f64 + (i as f64) * 0.01
        });
        let kmeans64 = KMeans::new(3).seed(1).fit(xk.view()).unwrap();
        let kmeans32 = KMeans::new(3)
            .seed(1)
            .fit(xk.mapv(|v| v as f32).view())
            .unwrap();
        let minibatch = MiniBatchKMeans::new(3).seed(1).fit(xk.view()).unwrap();
        let rfm = RfmKMeans::fit(
            RfmColumns::new(
                &[1, 5, 40, 90, 3, 60],
                &[9, 4, 1, 1, 7, 2],
                &[90.0, 40.0, 5.0, 2.0, 70.0, 8.0],
            ),
            &KMeans::new(2).seed(0),
        )
        .unwrap();
        let sequential = Sequential::<f32>::builder(3)
            .dense(4, Activation::Relu)
            .dense(1, Activation::Sigmoid)
            .seed(3)
            .build()
            .unwrap();
        Saved {
            logistic: logistic.to_json().unwrap(),
            mlp: mlp.to_json().unwrap(),
            classifier: classifier.to_json().unwrap(),
            pipeline: pipeline.to_json().unwrap(),
            kmeans32: kmeans32.to_json().unwrap(),
            kmeans64: kmeans64.to_json().unwrap(),
            minibatch: minibatch.to_json().unwrap(),
            rfm: rfm.to_json().unwrap(),
            sequential: sequential.to_json().unwrap(),
            table,
        }
    })
}

#[test]
fn the_mutations_do_what_they_say() {
    let j = r#"{"a":[1,2.5e3,-4],"b":"x[1]","c":[[1,2],[3]]}"#;
    assert_eq!(numbers(j).len(), 6);
    let s = String::from_utf8(apply(j, &Mutation::Number(1, "1e308"))).unwrap();
    assert!(s.contains("[1,1e308,-4]"), "{s}");
    let s = String::from_utf8(apply(j, &Mutation::Shorten(0))).unwrap();
    assert!(s.contains("\"a\":[2.5e3,-4]"), "{s}");
    let s = String::from_utf8(apply(j, &Mutation::Lengthen(0))).unwrap();
    assert!(s.contains("\"a\":[1,1,2.5e3,-4]"), "{s}");
    let s = String::from_utf8(apply(j, &Mutation::Shorten(1))).unwrap();
    assert!(s.contains("\"c\":[[3]]"), "{s}");
    assert_eq!(apply(j, &Mutation::Truncate(3)), b"{\"a".to_vec());
    // every model's own file loads back unchanged
    let s = saved();
    FittedLogisticRegression::from_json(&s.logistic).unwrap();
    FittedMlpClassifier::from_json(&s.mlp).unwrap();
    FittedClassifier::from_json(&s.classifier).unwrap();
    FittedPropensityModel::from_json(&s.pipeline).unwrap();
    FittedKMeans::<f32>::from_json(&s.kmeans32).unwrap();
    FittedKMeans::<f64>::from_json(&s.kmeans64).unwrap();
    FittedMiniBatchKMeans::<f64>::from_json(&s.minibatch).unwrap();
    RfmKMeans::from_json(&s.rfm).unwrap();
    Sequential::<f32>::from_json(&s.sequential).unwrap();
    // The properties do reach the "loaded, so it must work" path: some
    // edited numbers still give loadable models (and the rest are refused).
    let loads = |json: &str, with: &'static str, load: &dyn Fn(&str) -> bool| {
        (0..numbers(json).len())
            .filter(|&n| {
                let t = String::from_utf8(apply(json, &Mutation::Number(n, with))).unwrap();
                load(&t)
            })
            .count()
    };
    let logistic = |t: &str| FittedLogisticRegression::from_json(t).is_ok();
    let n = numbers(&s.logistic).len();
    let ok = loads(&s.logistic, "0.5", &logistic);
    assert!(ok > 0 && ok < n, "{ok} of {n}");
    let kmeans = |t: &str| FittedKMeans::<f64>::from_json(t).is_ok();
    let ok = loads(&s.kmeans64, "0.5", &kmeans);
    assert!(ok > 0, "{ok}");
    // No number of a k-means file edited to 1e308 (a centre, the inertia,
    // a count) loads into a model that then reports an infinite inertia.
    let x = probe(2).mapv(f64::from);
    for n in 0..numbers(&s.kmeans64).len() {
        let t = String::from_utf8(apply(&s.kmeans64, &Mutation::Number(n, "1e308"))).unwrap();
        if let Ok(model) = FittedKMeans::<f64>::from_json(&t) {
            assert!(model.training_inertia().is_finite());
            if let Ok(v) = model.inertia(x.view()) {
                assert!(v.is_finite(), "number {n}: inertia {v}");
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn logistic_loader_never_panics(m in mutation()) {
        check::<FittedLogisticRegression>(&saved().logistic, &m, |model| {
            let _ = model.predict_proba(probe(model.n_features()).view());
        });
    }

    #[test]
    fn mlp_loader_never_panics(m in mutation()) {
        check::<FittedMlpClassifier>(&saved().mlp, &m, |model| {
            let _ = model.predict_proba(probe(model.n_features()).view());
        });
    }

    #[test]
    fn classifier_loader_never_panics(m in mutation()) {
        check::<FittedClassifier>(&saved().classifier, &m, |model| {
            let _ = model.predict_proba(probe(model.n_features()).view());
        });
    }

    #[test]
    fn pipeline_loader_never_panics(m in mutation()) {
        check::<FittedPropensityModel>(&saved().pipeline, &m, |model| {
            let _ = model.predict_proba(&saved().table);
        });
    }

    #[test]
    fn kmeans_loaders_never_panic(m in mutation()) {
        check::<FittedKMeans<f32>>(&saved().kmeans32, &m, |model| {
            let x = probe(model.n_features());
            let _ = model.predict(x.view());
            let _ = model.transform(x.view());
            let _ = model.inertia(x.view());
        });
        check::<FittedKMeans<f64>>(&saved().kmeans64, &m, |model| {
            let x = probe(model.n_features()).mapv(f64::from);
            let _ = model.predict(x.view());
            let _ = model.inertia(x.view());
        });
        check::<FittedMiniBatchKMeans<f64>>(&saved().minibatch, &m, |model| {
            let x = probe(model.n_features()).mapv(f64::from);
            let _ = model.predict(x.view());
            let _ = model.transform(x.view());
        });
    }

    #[test]
    fn rfm_loader_never_panics(m in mutation()) {
        check::<RfmKMeans>(&saved().rfm, &m, |model| {
            let _ = model.assign(RfmColumns::new(&[2, 70], &[5, 1], &[50.0, 3.0]));
        });
    }

    #[test]
    fn sequential_loader_never_panics(m in mutation()) {
        check::<Sequential<f32>>(&saved().sequential, &m, |model| {
            let _ = model.predict(probe(model.input_dim()).view());
        });
    }
}
