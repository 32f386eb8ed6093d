//! Inference through `&self`: one model shared by threads, the parallel path,
//! the block logic, evaluation, and sizes refused before allocating.

use ndarray::{Array2, array, s};
use rand::Rng;
use ua_nn::layers::{Dense, Dropout};
use ua_nn::losses::{BinaryCrossEntropy, Loss, MeanSquaredError};
use ua_nn::optim::Adam;
use ua_nn::{Activation, FitConfig, INFERENCE_BATCH, Layer, MAX_PARAMS, Mode, Sequential};
use ua_tensor::init::{Initializer, seeded_rng};

fn random(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-2.0f32..2.0))
}

fn bits(a: &Array2<f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

fn fitted() -> Sequential<f32> {
    let x = random(500, 6, 1);
    let y = Array2::from_shape_fn((500, 1), |(i, _)| f32::from(x[[i, 0]] * x[[i, 1]] > 0.0));
    let mut m = Sequential::<f32>::builder(6)
        .dense(32, Activation::Relu)
        .dropout(0.5)
        .dense(16, Activation::Tanh)
        .dropout(0.2)
        .dense(1, Activation::Sigmoid)
        .seed(3)
        .build()
        .unwrap();
    m.fit(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(0.01),
        FitConfig::new().epochs(3),
    )
    .unwrap();
    m
}

/// The network computed by hand, layer by layer, through `Layer::infer`.
fn by_hand(m: &Sequential<f32>, x: &Array2<f32>) -> Array2<f32> {
    let mut cur = x.clone();
    for l in m.layers() {
        cur = l.infer(cur.view()).unwrap();
    }
    cur
}

#[test]
fn a_fitted_model_is_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Sequential<f32>>();
    send_sync::<Sequential<f64>>();
    send_sync::<std::sync::Arc<Sequential<f32>>>();
}

#[test]
fn threads_share_one_model_and_get_the_single_thread_result() {
    let m = fitted();
    // More than one block, and a ragged last block.
    let x = random(2 * INFERENCE_BATCH + 123, 6, 2);
    let single = m.predict(x.view()).unwrap();
    assert_eq!(bits(&single), bits(&by_hand(&m, &x)));
    let model = &m;
    let results: Vec<Array2<f32>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let x = &x;
                s.spawn(move || {
                    // Each thread scores the rows several times, some in pieces.
                    let mut out = model.predict(x.view()).unwrap();
                    for _ in 0..3 {
                        let cut = 1000 + 777 * t;
                        let a = model.predict(x.slice(s![..cut, ..])).unwrap();
                        let b = model.predict(x.slice(s![cut.., ..])).unwrap();
                        out.slice_mut(s![..cut, ..]).assign(&a);
                        out.slice_mut(s![cut.., ..]).assign(&b);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results {
        assert_eq!(bits(r), bits(&single));
    }
}

#[test]
fn predict_parallel_is_identical_to_predict_for_any_thread_count() {
    let m = fitted();
    for rows in [
        1,
        17,
        2 * INFERENCE_BATCH,
        2 * INFERENCE_BATCH + 1,
        5 * INFERENCE_BATCH + 999,
    ] {
        let x = random(rows, 6, rows as u64);
        let want = bits(&m.predict(x.view()).unwrap());
        for threads in [1, 2, 3, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let got = pool.install(|| m.predict_parallel(x.view()).unwrap());
            assert_eq!(bits(&got), want, "{rows} rows, {threads} threads");
        }
    }
    // Errors are errors on the parallel path too.
    let mut x = random(3 * INFERENCE_BATCH, 6, 9);
    x[[2 * INFERENCE_BATCH + 5, 3]] = f32::NAN;
    let e = m.predict_parallel(x.view()).unwrap_err().to_string();
    assert!(e.contains("NaN"), "{e}");
    let e = m
        .predict_parallel(random(3 * INFERENCE_BATCH, 5, 1).view())
        .unwrap_err();
    assert!(e.to_string().contains("expected 6 feature columns"), "{e}");
}

#[test]
fn inference_agrees_with_eval_mode_forward_for_every_layer() {
    let m = Sequential::<f32>::builder(5)
        .dense(8, Activation::LeakyRelu { alpha: 0.1 })
        .relu()
        .dropout(0.4)
        .tanh()
        .leaky_relu(0.3)
        .dense(4, Activation::Identity)
        .sigmoid()
        .softmax()
        .seed(8)
        .build()
        .unwrap();
    let x = random(33, 5, 4);
    let mut cur = x.clone();
    for layer in m.layers() {
        let mut l = layer.boxed_clone();
        let eval = l.forward(cur.view(), Mode::Eval).unwrap().to_owned();
        let inferred = layer.infer(cur.view()).unwrap();
        assert_eq!(bits(&eval), bits(&inferred), "{}", layer.name());
        cur = inferred;
    }
    assert_eq!(bits(&m.predict(x.view()).unwrap()), bits(&cur));
    // Rows of the softmax output sum to one.
    assert!(cur.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-6));
}

#[test]
fn inference_shape_errors_are_errors() {
    let d = Dense::<f32>::new(
        3,
        2,
        Activation::Relu,
        Initializer::HeUniform,
        &mut seeded_rng(0),
    )
    .unwrap();
    let x = random(4, 3, 1);
    let mut out = Array2::zeros((4, 3));
    let e = d
        .infer_into(x.view(), out.view_mut())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dense inference output") && e.contains("4×2") && e.contains("4×3"),
        "{e}"
    );
    let e = d.infer(random(4, 2, 1).view()).unwrap_err().to_string();
    assert!(
        e.contains("dense layer") && e.contains("expected 3 input columns, found 2"),
        "{e}"
    );
    let e = d
        .infer_into(random(4, 2, 1).view(), Array2::zeros((4, 2)).view_mut())
        .unwrap_err();
    let e = e.to_string();
    assert!(
        e.starts_with("dense inference: shape mismatch, expected 3 input columns"),
        "{e}"
    );
    let drop = Dropout::<f32>::new(0.5, 1).unwrap();
    let mut out = Array2::zeros((2, 3));
    assert!(drop.infer_into(x.view(), out.view_mut()).is_err());
    let mut out = Array2::zeros((4, 3));
    drop.infer_into(x.view(), out.view_mut()).unwrap();
    assert_eq!(out, x); // dropout is the identity at inference
}

#[test]
fn identity_layers_at_either_end_and_a_model_of_only_dropout() {
    let x = random(10, 3, 5);
    let only = Sequential::<f32>::builder(3)
        .dropout(0.5)
        .dropout(0.1)
        .build()
        .unwrap();
    assert_eq!(only.predict(x.view()).unwrap(), x);
    let m = Sequential::<f32>::builder(3)
        .dropout(0.5)
        .dense(2, Activation::Tanh)
        .dropout(0.5)
        .seed(1)
        .build()
        .unwrap();
    let dense = m.layers()[1].downcast_ref::<Dense<f32>>().unwrap();
    let want = (x.dot(dense.weights()) + dense.bias()).mapv(f32::tanh);
    let got = m.predict(x.view()).unwrap();
    assert!(
        got.iter()
            .zip(want.iter())
            .all(|(a, b)| (a - b).abs() < 1e-6),
        "{got} vs {want}"
    );
}

#[test]
fn very_wide_models_use_smaller_blocks_with_the_same_result() {
    // 2²⁰ hidden units: blocks shrink to 4 rows so scratch stays bounded.
    let m = Sequential::<f32>::builder(1)
        .dense_with_init(
            1 << 20,
            Activation::Relu,
            Initializer::Constant { value: 0.5 },
        )
        .dense_with_init(
            1,
            Activation::Identity,
            Initializer::Constant {
                value: 1.0 / (1 << 20) as f64,
            },
        )
        .build()
        .unwrap();
    let x = Array2::from_shape_fn((11, 1), |(i, _)| i as f32 - 5.0);
    let p = m.predict(x.view()).unwrap();
    // relu(0.5·x) summed over 2²⁰ units, times 2⁻²⁰ = relu(0.5·x), exactly.
    for i in 0..11 {
        assert_eq!(p[[i, 0]], (0.5 * x[[i, 0]]).max(0.0), "row {i}");
    }
    assert_eq!(bits(&m.predict_parallel(x.view()).unwrap()), bits(&p));
}

#[test]
fn evaluate_through_shared_references_matches_the_loss_of_predict() {
    let m = fitted();
    let x = random(INFERENCE_BATCH + 500, 6, 11);
    let y = Array2::from_shape_fn((x.nrows(), 1), |(i, _)| f32::from(x[[i, 2]] > 0.0));
    let bce = BinaryCrossEntropy::new();
    let shared = &m;
    let (loss, acc) = shared.evaluate(x.view(), y.view(), &bce).unwrap();
    let p = m.predict(x.view()).unwrap();
    let want = Loss::<f32>::loss(&bce, p.view(), y.view(), None).unwrap() as f64;
    assert!((loss - want).abs() < 1e-5, "{loss} vs {want}");
    let want_acc = Loss::<f32>::accuracy(&bce, p.view(), y.view()).unwrap();
    assert!((acc.unwrap() - want_acc).abs() < 1e-12);
    let e = m
        .evaluate(x.view(), y.slice(s![..10, ..]), &bce)
        .unwrap_err();
    assert!(e.to_string().contains("evaluate targets"), "{e}");
    let e = m
        .evaluate(
            x.view(),
            Array2::zeros((x.nrows(), 2)).view(),
            &MeanSquaredError,
        )
        .unwrap_err();
    assert!(e.to_string().contains(&format!("{}×1", x.nrows())), "{e}");
}

#[test]
fn absurd_sizes_are_errors_before_anything_is_allocated() {
    let err = |r: ua_nn::Result<Sequential<f32>>| r.unwrap_err().to_string();
    let e = err(Sequential::builder(4)
        .dense(1 << 62, Activation::Relu)
        .build());
    assert!(
        e.starts_with("dense layer 1: invalid argument: input_dim 4 × units"),
        "{e}"
    );
    assert!(e.contains("overflows"), "{e}");
    let e = err(Sequential::builder(1 << 40)
        .dense(1 << 40, Activation::Relu)
        .build());
    assert!(e.contains("overflows"), "{e}");
    let e = err(Sequential::builder(1 << 40)
        .dense(1, Activation::Relu)
        .build());
    assert!(
        e.contains(&format!("more than the limit of {MAX_PARAMS}")),
        "{e}"
    );
    let e = err(Sequential::builder(usize::MAX)
        .relu()
        .dense(2, Activation::Relu)
        .build());
    assert!(
        e.starts_with("dense layer 2:") && e.contains("overflows"),
        "{e}"
    );
    // Each layer fits, the model does not: refused before the first is drawn.
    let e = err(Sequential::builder(2)
        .dense(1 << 26, Activation::Relu)
        .dense(8, Activation::Relu)
        .build());
    assert!(
        e.starts_with("dense layer 2:") && e.contains("MAX_PARAMS"),
        "{e}"
    );
    let e = err(Sequential::builder(3).dense(0, Activation::Relu).build());
    assert_eq!(
        e,
        "dense layer 1: invalid argument: units must be ≥ 1, got 0"
    );
    let e = err(Sequential::builder(3)
        .dense(2, Activation::Relu)
        .dense(0, Activation::Relu)
        .build());
    assert_eq!(
        e,
        "dense layer 2: invalid argument: units must be ≥ 1, got 0"
    );
    let e = err(Sequential::builder(3)
        .dense(2, Activation::LeakyRelu { alpha: 2.0 })
        .build());
    assert!(
        e.starts_with("dense layer 1: invalid argument: alpha"),
        "{e}"
    );
    let e = err(Sequential::builder(3).relu().dropout(-0.5).build());
    assert_eq!(
        e,
        "dropout layer 2: invalid argument: rate must be in [0, 1), got -0.5"
    );
    let e = err(Sequential::builder(3).leaky_relu(1.0).build());
    assert!(
        e.starts_with("leaky_relu layer 1: invalid argument: alpha"),
        "{e}"
    );
    let e = err(Sequential::builder(0).relu().build());
    assert_eq!(
        e,
        "sequential model: invalid argument: input_dim must be ≥ 1, got 0"
    );
    let e = err(Sequential::builder(3).build());
    assert!(e.contains("at least one layer"), "{e}");
}

#[test]
fn fit_refuses_buffers_beyond_the_limit() {
    let mut m = Sequential::<f32>::builder(1)
        .dense(1 << 20, Activation::Relu)
        .dense(1, Activation::Sigmoid)
        .build()
        .unwrap();
    let x = Array2::<f32>::zeros((2000, 1));
    let y = Array2::<f32>::zeros((2000, 1));
    let e = m
        .fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.01),
            FitConfig::new().batch_size(1024),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("batch_size 1024") && e.contains("1048576 columns"),
        "{e}"
    );
    let _ = array![1.0f32];
}

#[test]
fn an_identity_layer_must_keep_the_width() {
    /// Claims to be the identity at inference but says it doubles the width.
    #[derive(Clone)]
    struct Liar;
    impl Layer<f32> for Liar {
        fn name(&self) -> &'static str {
            "liar"
        }
        fn output_dim(&self, d: usize) -> ua_nn::Result<usize> {
            Ok(2 * d)
        }
        fn forward(
            &mut self,
            x: ndarray::ArrayView2<'_, f32>,
            _: Mode,
        ) -> ua_nn::Result<ndarray::ArrayView2<'_, f32>> {
            Err(ua_nn::Error::Empty {
                op: format!("liar forward of {} rows", x.nrows()),
            })
        }
        fn output(&self) -> ndarray::ArrayView2<'_, f32> {
            ndarray::ArrayView2::from_shape((0, 0), &[]).expect("empty view")
        }
        fn backward(
            &mut self,
            _: ndarray::ArrayView2<'_, f32>,
            _: ndarray::ArrayView2<'_, f32>,
            _: bool,
        ) -> ua_nn::Result<Option<ndarray::ArrayView2<'_, f32>>> {
            Ok(None)
        }
        fn infer_into(
            &self,
            _: ndarray::ArrayView2<'_, f32>,
            _: ndarray::ArrayViewMut2<'_, f32>,
        ) -> ua_nn::Result<()> {
            Ok(())
        }
        fn boxed_clone(&self) -> Box<dyn Layer<f32>> {
            Box::new(Liar)
        }
        fn is_identity(&self, mode: Mode) -> bool {
            mode == Mode::Eval
        }
    }
    let e = Sequential::from_layers(3, vec![Box::new(Liar) as Box<dyn Layer<f32>>]).unwrap_err();
    assert!(
        e.to_string()
            .contains("layer 1 (liar) is the identity at inference but maps 3 columns to 6"),
        "{e}"
    );
}
