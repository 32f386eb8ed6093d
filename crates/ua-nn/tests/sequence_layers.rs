//! Sequence layers: Conv1D, masked global pools, SequenceBranch and Parallel —
//! gradients in f64, masks, training inside a plain Sequential, save/load.

use ndarray::{Array2, s};
use rand::Rng;
use ua_nn::gradcheck::check_layer;
use ua_nn::layers::{
    Conv1D, Dense, Embedding, GlobalAvgPool1D, GlobalMaxPool1D, Padding, Parallel, Pooling,
    SequenceBranch,
};
use ua_nn::losses::BinaryCrossEntropy;
use ua_nn::optim::Adam;
use ua_nn::{Activation, EarlyStopping, FitConfig, Layer, Mode, Persist, Sequential};
use ua_tensor::init::{Initializer, seeded_rng};

/// Largest relative error allowed. Central differences with h = 1e-6 carry
/// rounding noise of about 1e-10 absolute, which is ~1e-6 relative for the
/// smallest gradient entries (≈ 1e-4) of the linear convolutions.
const TOL: f64 = 1e-5;

fn normals(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.5..1.5))
}

fn conv(
    ic: usize,
    oc: usize,
    kw: usize,
    act: Activation,
    padding: Padding,
    dilation: usize,
    seed: u64,
) -> Conv1D<f64> {
    Conv1D::new(
        ic,
        oc,
        kw,
        act,
        Initializer::GlorotNormal,
        &mut seeded_rng(seed),
    )
    .unwrap()
    .with_padding(padding)
    .with_dilation(dilation)
    .unwrap()
}

#[test]
fn conv1d_gradients_for_both_paddings_dilations_and_odd_sizes() {
    let mut checked = 0;
    for padding in [Padding::Same, Padding::Valid] {
        for dilation in [1, 2] {
            for steps in [1, 3, 17] {
                for ic in [1, 3] {
                    for (kw, act) in [(3, Activation::Tanh), (2, Activation::Identity)] {
                        let seed = (steps * 100 + ic * 10 + dilation + kw) as u64;
                        let mut c = conv(ic, 2, kw, act, padding, dilation, seed);
                        let x = normals(3, steps * ic, seed);
                        let span = (kw - 1) * dilation + 1;
                        if padding == Padding::Valid && steps < span {
                            let e = c.forward(x.view(), Mode::Train).unwrap_err().to_string();
                            assert!(e.contains(&format!("at least {span} steps")), "{e}");
                            continue;
                        }
                        let r = check_layer(&mut c, x.view(), seed).unwrap();
                        assert!(
                            r.max() < TOL,
                            "{padding:?} d{dilation} T{steps} C{ic} k{kw}: {r:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    // 2 paddings × 2 dilations × 3 lengths × 2 channel counts × 2 kernels,
    // less the valid cases without a complete window (T = 1 always; T = 3
    // with kernel 3 at dilation 2, span 5).
    assert_eq!(checked, 48 - 8 - 2);
}

#[test]
fn conv1d_same_padding_keeps_the_steps_and_valid_drops_the_span() {
    let c = conv(3, 5, 3, Activation::Relu, Padding::Same, 2, 1);
    assert_eq!(c.output_dim(17 * 3).unwrap(), 17 * 5);
    let c = c.with_padding(Padding::Valid);
    assert_eq!(c.output_dim(17 * 3).unwrap(), (17 - 4) * 5);
    let e = c.output_dim(17 * 3 + 1).unwrap_err().to_string();
    assert!(
        e.contains("multiple of in_channels 3") && e.contains("52 columns"),
        "{e}"
    );
}

#[test]
fn conv1d_weights_are_seeded_and_scaled_by_fan_in() {
    let a = Conv1D::<f32>::new(
        32,
        64,
        3,
        Activation::Relu,
        Initializer::HeUniform,
        &mut seeded_rng(5),
    )
    .unwrap();
    let b = Conv1D::<f32>::new(
        32,
        64,
        3,
        Activation::Relu,
        Initializer::HeUniform,
        &mut seeded_rng(5),
    )
    .unwrap();
    assert_eq!(a.weights(), b.weights());
    let limit = (6.0f32 / 96.0).sqrt();
    let largest = a.weights().iter().fold(0.0f32, |m, w| m.max(w.abs()));
    assert!(
        largest <= limit && largest > 0.9 * limit,
        "{largest} vs {limit}"
    );
}

#[test]
fn pools_have_exact_gradients_over_all_steps() {
    for steps in [1, 3, 17] {
        let x = normals(4, steps * 3, steps as u64);
        let mut m = GlobalMaxPool1D::<f64>::new(3).unwrap();
        let r = check_layer(&mut m, x.view(), 1).unwrap();
        assert!(r.max() < TOL, "max T{steps}: {r:?}");
        let mut a = GlobalAvgPool1D::<f64>::new(3).unwrap();
        let r = check_layer(&mut a, x.view(), 2).unwrap();
        assert!(r.max() < TOL, "avg T{steps}: {r:?}");
    }
}

#[test]
fn masked_pools_ignore_the_steps_beyond_each_length() {
    // 4 steps of 2 channels; lengths 4, 2, 1, 0
    let x = Array2::from_shape_fn((4, 8), |(r, j)| {
        (r * 8 + j) as f64 * if j % 3 == 0 { -1.0 } else { 1.0 }
    });
    let lengths = [4, 2, 1, 0];
    let mut m = GlobalMaxPool1D::<f64>::new(2).unwrap();
    let y = m.forward_masked(x.view(), &lengths).unwrap().to_owned();
    for (r, &len) in lengths.iter().enumerate() {
        for c in 0..2 {
            let want = (0..len)
                .map(|t| x[[r, t * 2 + c]])
                .fold(f64::NEG_INFINITY, f64::max);
            let want = if len == 0 { 0.0 } else { want };
            assert_eq!(y[[r, c]], want, "row {r} channel {c}");
        }
    }
    assert_eq!(m.infer_masked(x.view(), &lengths).unwrap(), y);
    let g = m
        .backward(x.view(), Array2::ones((4, 2)).view(), true)
        .unwrap()
        .unwrap()
        .to_owned();
    for (r, &len) in lengths.iter().enumerate() {
        assert_eq!(g.row(r).sum(), if len == 0 { 0.0 } else { 2.0 }, "row {r}");
        assert!(
            g.slice(s![r, len * 2..]).iter().all(|&v| v == 0.0),
            "row {r}"
        );
    }

    let mut a = GlobalAvgPool1D::<f64>::new(2).unwrap();
    let y = a.forward_masked(x.view(), &lengths).unwrap().to_owned();
    for (r, &len) in lengths.iter().enumerate() {
        for c in 0..2 {
            let sum: f64 = (0..len).map(|t| x[[r, t * 2 + c]]).sum();
            let want = if len == 0 { 0.0 } else { sum / len as f64 };
            assert!((y[[r, c]] - want).abs() < 1e-12, "row {r} channel {c}");
        }
    }
    let g = a
        .backward(x.view(), Array2::ones((4, 2)).view(), true)
        .unwrap()
        .unwrap()
        .to_owned();
    assert_eq!(g.row(1).to_vec(), [0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]);
    assert!(g.row(3).iter().all(|&v| v == 0.0));
    assert!(y.iter().chain(g.iter()).all(|v| v.is_finite()));

    let e = a
        .forward_masked(x.view(), &[1, 2, 3])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("4 lengths (one per row)") && e.contains("found 3"),
        "{e}"
    );
}

/// Token ids with lengths `lens` (right-padded with 0), ids in 1..vocab.
fn tokens(lens: &[usize], steps: usize, vocab: usize, seed: u64) -> Array2<f64> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_fn((lens.len(), steps), |(r, t)| {
        if t < lens[r] {
            rng.random_range(1..vocab) as f64
        } else {
            0.0
        }
    })
}

/// A branch over `steps` tokens with `k` numeric channels per step.
fn branch(
    steps: usize,
    k: usize,
    pooling: Pooling,
    convs: &[(usize, usize, Padding, usize, Activation)],
) -> SequenceBranch<f64> {
    let emb = Embedding::<f64>::with_init(9, 3, Initializer::Normal { std: 0.7 }, 4)
        .unwrap()
        .with_padding_index(Some(0))
        .unwrap();
    let mut ic = 3 + k;
    let layers = convs
        .iter()
        .enumerate()
        .map(|(i, &(oc, kw, pad, dil, act))| {
            let c = conv(ic, oc, kw, act, pad, dil, 20 + i as u64);
            ic = oc;
            c
        })
        .collect();
    SequenceBranch::new(steps, k, emb, layers, pooling).unwrap()
}

/// Rows `[tokens | k numeric channels per step]`.
fn branch_input(lens: &[usize], steps: usize, k: usize, seed: u64) -> Array2<f64> {
    let t = tokens(lens, steps, 9, seed);
    let c = normals(lens.len(), steps * k, seed + 1);
    // (standard layout: the gradient checker nudges inputs through their slice)
    let x = ndarray::concatenate(ndarray::Axis(1), &[t.view(), c.view()]).unwrap();
    x.as_standard_layout().into_owned()
}

#[test]
fn sequence_branch_gradients_with_masks_paddings_and_dilations() {
    let lens = [7, 3, 1, 0, 5];
    for (pooling, convs) in [
        (
            Pooling::Max,
            vec![(4, 3, Padding::Same, 1, Activation::Tanh)],
        ),
        (
            Pooling::Avg,
            vec![(4, 3, Padding::Same, 2, Activation::Tanh)],
        ),
        (
            Pooling::Max,
            vec![
                (4, 2, Padding::Valid, 1, Activation::Tanh),
                (3, 3, Padding::Same, 2, Activation::Identity),
            ],
        ),
        (
            Pooling::Avg,
            vec![(5, 3, Padding::Valid, 2, Activation::Tanh)],
        ),
        (Pooling::Avg, vec![]),
    ] {
        // with numeric channels (interleaved) and without (the embedding
        // feeds the convolution directly)
        for k in [2, 0] {
            let mut b = branch(7, k, pooling, &convs);
            let x = branch_input(&lens, 7, k, 3);
            let r = check_layer(&mut b, x.view(), 9).unwrap();
            assert!(r.max() < TOL, "{pooling:?} {convs:?} k{k}: {r:?}");
            assert_eq!(b.lengths(), lens);
            // the all-padding row gives zeros, not NaN
            let y = b.infer(x.view()).unwrap();
            assert!(y.row(3).iter().all(|&v| v == 0.0), "{y}");
            assert!(y.iter().all(|v| v.is_finite()));
        }
    }
}

#[test]
fn what_lies_beyond_a_length_changes_neither_output_nor_gradient() {
    let lens = [6, 2, 4];
    let mut b = branch(
        6,
        2,
        Pooling::Max,
        &[
            (4, 3, Padding::Same, 1, Activation::Relu),
            (4, 3, Padding::Same, 2, Activation::Identity),
        ],
    );
    let x = branch_input(&lens, 6, 2, 11);
    let y = b.infer(x.view()).unwrap();
    let mut z = x.clone();
    // numeric channels of row 1 beyond its length 2 (steps 2..6)
    for col in 6 + 2 * 2..6 + 6 * 2 {
        z[[1, col]] = 100.0 + col as f64;
    }
    assert_eq!(b.infer(z.view()).unwrap(), y);
    b.forward(z.view(), Mode::Train).unwrap();
    let g = b
        .backward(z.view(), Array2::ones((3, 4)).view(), true)
        .unwrap()
        .unwrap()
        .to_owned();
    assert!(g.slice(s![1, 6 + 2 * 2..]).iter().all(|&v| v == 0.0), "{g}");
    assert!(g.slice(s![.., ..6]).iter().all(|&v| v == 0.0)); // no gradient for token ids
    assert!(g.slice(s![0, 6..]).iter().any(|&v| v != 0.0));
}

#[test]
fn a_branch_reads_like_the_same_sequence_padded_less() {
    // The output for a row does not depend on how many padding steps follow.
    let (emb, c1) = (
        Embedding::<f64>::new(9, 3, 2)
            .unwrap()
            .with_padding_index(Some(0))
            .unwrap(),
        conv(4, 5, 3, Activation::Relu, Padding::Same, 1, 3),
    );
    let long = SequenceBranch::new(8, 1, emb.clone(), vec![c1.clone()], Pooling::Max).unwrap();
    let short = SequenceBranch::new(4, 1, emb, vec![c1], Pooling::Max).unwrap();
    let x_short = ndarray::array![[3.0, 1.0, 8.0, 0.0, 0.5, -0.3, 1.2, 0.0]];
    let mut x_long = Array2::zeros((1, 16));
    x_long
        .slice_mut(s![0, ..4])
        .assign(&x_short.slice(s![0, ..4]));
    x_long
        .slice_mut(s![0, 8..12])
        .assign(&x_short.slice(s![0, 4..]));
    let (a, b) = (
        short.infer(x_short.view()).unwrap(),
        long.infer(x_long.view()).unwrap(),
    );
    assert!(
        a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-12),
        "{a} vs {b}"
    );
}

/// The architecture of issue 12 in small: Parallel{[tokens | channels] →
/// SequenceBranch, static → as is} → Dense(tanh) → Dense(1, activation).
fn composite(steps: usize, k: usize, statics: usize, out: Activation) -> Vec<Box<dyn Layer<f64>>> {
    let seq = branch(
        steps,
        k,
        Pooling::Max,
        &[(4, 3, Padding::Same, 1, Activation::Tanh)],
    );
    let par = Parallel::new(vec![
        (steps * (1 + k), vec![Box::new(seq) as Box<dyn Layer<f64>>]),
        (statics, vec![]),
    ])
    .unwrap();
    let mut rng = seeded_rng(8);
    let d1 = Dense::new(
        4 + statics,
        5,
        Activation::Tanh,
        Initializer::GlorotNormal,
        &mut rng,
    )
    .unwrap();
    let d2 = Dense::new(5, 1, out, Initializer::GlorotNormal, &mut rng).unwrap();
    vec![Box::new(par), Box::new(d1), Box::new(d2)]
}

fn composite_input(
    lens: &[usize],
    steps: usize,
    k: usize,
    statics: usize,
    seed: u64,
) -> Array2<f64> {
    let seq = branch_input(lens, steps, k, seed);
    let st = normals(lens.len(), statics, seed + 7);
    let x = ndarray::concatenate(ndarray::Axis(1), &[seq.view(), st.view()]).unwrap();
    x.as_standard_layout().into_owned()
}

#[test]
fn the_composite_model_has_exact_gradients_end_to_end() {
    // A one-branch Parallel over the whole stack is the model as one layer.
    let (steps, k, statics) = (6, 2, 3);
    let whole = Parallel::new(vec![(
        steps * (1 + k) + statics,
        composite(steps, k, statics, Activation::Identity),
    )]);
    let mut whole = whole.unwrap();
    let x = composite_input(&[6, 2, 0, 4], steps, k, statics, 5);
    let r = check_layer(&mut whole, x.view(), 3).unwrap();
    assert!(r.max() < TOL, "{r:?}");
    // the gradient reaches the static features and the valid channels only
    whole.forward(x.view(), Mode::Train).unwrap();
    let g = whole
        .backward(x.view(), Array2::ones((4, 1)).view(), true)
        .unwrap()
        .unwrap()
        .to_owned();
    let statics_from = steps * (1 + k);
    assert!(g.slice(s![.., statics_from..]).iter().all(|&v| v != 0.0));
    assert!(
        g.slice(s![1, steps + 2 * k..statics_from])
            .iter()
            .all(|&v| v == 0.0)
    );
    assert!(
        g.slice(s![2, steps..statics_from])
            .iter()
            .all(|&v| v == 0.0)
    );
}

#[test]
fn composite_layers_hand_every_parameter_to_the_optimizer() {
    let (steps, k, statics) = (6, 2, 3);
    let layers = composite(steps, k, statics, Activation::Sigmoid);
    let mut m = Sequential::from_layers(steps * (1 + k) + statics, layers).unwrap();
    // embedding (9×3), conv (3·5×4 + 4), dense (7×5 + 5), dense (5 + 1)
    assert_eq!(m.n_params(), 27 + 64 + 40 + 6);
    let conv_weights = |m: &Sequential<f64>| {
        let p = m.layers()[0].downcast_ref::<Parallel<f64>>().unwrap();
        let b = p.branch(0).unwrap()[0]
            .downcast_ref::<SequenceBranch<f64>>()
            .unwrap();
        (
            b.convs()[0].weights().clone(),
            b.embedding().table().clone(),
        )
    };
    let (w0, e0) = conv_weights(&m);
    let x = composite_input(&[6, 2, 1, 4, 5, 3], steps, k, statics, 6);
    let y = Array2::from_shape_fn((6, 1), |(i, _)| (i % 2) as f64);
    m.train_batch(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(0.01),
    )
    .unwrap();
    let (w1, e1) = conv_weights(&m);
    assert!(
        w0.iter().zip(&w1).all(|(a, b)| a != b),
        "every conv weight moves under Adam"
    );
    assert!(
        e1.row(0).iter().all(|&v| v == 0.0),
        "the padding row stays zero"
    );
    assert_ne!(e0, e1);
}

/// Rows of the shape in small: `[steps tokens | 1 channel per step | 2
/// static]`; label 1 when token 7 is directly followed by token 8 somewhere
/// in the sequence (a motif a bag of tokens cannot see), with random lengths.
fn motif_data(rows: usize, steps: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let mut rng = seeded_rng(seed);
    let width = steps * 2 + 2;
    let mut x = Array2::<f32>::zeros((rows, width));
    let mut y = Array2::<f32>::zeros((rows, 1));
    for r in 0..rows {
        let len = rng.random_range(3..=steps);
        let positive = rng.random::<bool>();
        for t in 0..len {
            // tokens 7 and 8 appear in every row, but in order only in positives
            x[[r, t]] = rng.random_range(1..7) as f32;
            x[[r, steps + t]] = rng.random_range(-1.0..1.0);
        }
        let at = rng.random_range(0..len - 1);
        if positive {
            (x[[r, at]], x[[r, at + 1]]) = (7.0, 8.0);
        } else {
            (x[[r, at]], x[[r, at + 1]]) = (8.0, 7.0);
        }
        x[[r, 2 * steps]] = rng.random_range(-1.0..1.0);
        x[[r, 2 * steps + 1]] = rng.random_range(-1.0..1.0);
        y[[r, 0]] = f32::from(u8::from(positive));
    }
    (x, y)
}

fn motif_model(steps: usize, seed: u64) -> Sequential<f32> {
    let mut rng = seeded_rng(seed);
    let emb = Embedding::<f32>::new(10, 8, seed)
        .unwrap()
        .with_padding_index(Some(0))
        .unwrap();
    let c = Conv1D::new(9, 16, 3, Activation::Relu, Initializer::HeUniform, &mut rng).unwrap();
    let seq = SequenceBranch::new(steps, 1, emb, vec![c], Pooling::Max).unwrap();
    let par = Parallel::new(vec![
        (steps * 2, vec![Box::new(seq) as Box<dyn Layer<f32>>]),
        (2, vec![]),
    ])
    .unwrap();
    Sequential::builder(steps * 2 + 2)
        .layer(Box::new(par))
        .dense(16, Activation::Relu)
        .dense(1, Activation::Sigmoid)
        .seed(seed)
        .build()
        .unwrap()
}

#[test]
fn fit_trains_the_sequence_model_to_find_an_ordered_motif() {
    let steps = 12;
    let (x, y) = motif_data(1500, steps, 1);
    let (xt, yt) = motif_data(500, steps, 2);
    let mut m = motif_model(steps, 3);
    let cfg = FitConfig::new()
        .epochs(12)
        .batch_size(32)
        .seed(4)
        .validation_fraction(0.2)
        .early_stopping(EarlyStopping::new().patience(3).restore_best(true))
        .class_weight(ua_nn::ClassWeight::Balanced);
    let h = m
        .fit(
            x.view(),
            y.view(),
            &BinaryCrossEntropy::new(),
            &mut Adam::new(0.01),
            cfg,
        )
        .unwrap();
    assert!(h.loss().iter().all(|l| l.is_finite()));
    let p = m.predict(xt.view()).unwrap();
    let acc = p
        .iter()
        .zip(yt.iter())
        .filter(|(p, y)| (**p > 0.5) == (**y > 0.5))
        .count() as f64
        / 500.0;
    assert!(acc > 0.95, "held-out accuracy {acc}");
    // predict_parallel and a clone agree bit for bit
    assert_eq!(m.predict_parallel(xt.view()).unwrap(), p);
    assert_eq!(m.clone().predict(xt.view()).unwrap(), p);
}

#[test]
fn a_saved_sequence_model_loads_and_predicts_bit_identically() {
    let steps = 12;
    let (x, y) = motif_data(200, steps, 5);
    let mut m = motif_model(steps, 6);
    m.fit(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(0.01),
        FitConfig::new().epochs(1).seed(1),
    )
    .unwrap();
    let json = m.to_json().unwrap();
    for t in [
        "\"parallel\"",
        "\"sequence_branch\"",
        "\"conv1d\"",
        "\"embedding\"",
    ] {
        assert!(json.contains(t), "{t}");
    }
    let back = Sequential::<f32>::from_json(&json).unwrap();
    assert_eq!(back.to_json().unwrap(), json);
    let (a, b) = (
        m.predict(x.view()).unwrap(),
        back.predict(x.view()).unwrap(),
    );
    assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    // an f32 model is not an f64 one
    assert!(Sequential::<f64>::from_json(&json).is_err());
}

#[test]
fn corrupt_saved_children_are_errors_naming_them() {
    let steps = 4;
    let m = motif_model(steps, 1);
    let json = m.to_json().unwrap();
    let bad = json.replacen("\"conv1d\"", "\"dense\"", 1);
    let e = Sequential::<f32>::from_json(&bad).unwrap_err().to_string();
    assert!(
        e.contains("convolution 1 is saved as type dense, expected conv1d"),
        "{e}"
    );
    let bad = json.replacen("\"kernel_width\":3", "\"kernel_width\":4", 1);
    let e = Sequential::<f32>::from_json(&bad).unwrap_err().to_string();
    assert!(
        e.contains("conv1d layer weights") && e.contains("expected"),
        "{e}"
    );
    let bad = json.replacen("\"inputs\":2", "\"inputs\":3", 1);
    let e = Sequential::<f32>::from_json(&bad).unwrap_err().to_string();
    assert!(e.contains("input columns"), "{e}");
}

#[test]
fn bad_sequence_input_is_an_error_naming_row_and_column() {
    let steps = 4;
    let m = motif_model(steps, 1);
    let mut x = Array2::<f32>::zeros((3, steps * 2 + 2));
    x[[0, 0]] = 3.0;
    x[[2, 1]] = 10.0; // vocabulary is 0..10
    let e = m.predict(x.view()).unwrap_err().to_string();
    assert!(
        e.contains("row 2, column 1: value 10 is not below the vocabulary size"),
        "{e}"
    );
    x[[2, 1]] = 1.5;
    let e = m.predict(x.view()).unwrap_err().to_string();
    assert!(e.contains("is not an integer"), "{e}");
    let e = m
        .predict(Array2::<f32>::zeros((2, 9)).view())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("10 feature columns") && e.contains("9 columns"),
        "{e}"
    );
    // rows of padding only are scored without NaN
    let p = m.predict(Array2::<f32>::zeros((2, 10)).view()).unwrap();
    assert!(
        p.iter().all(|v| v.is_finite() && *v > 0.0 && *v < 1.0),
        "{p}"
    );
}

#[test]
fn the_builder_stacks_embedding_conv_and_pool_like_the_layers_by_hand() {
    let m = Sequential::<f64>::builder(5)
        .embedding(7, 3, Some(0))
        .conv1d(4, 3, Padding::Same, Activation::Tanh)
        .conv1d(2, 2, Padding::Valid, Activation::Identity)
        .global_avg_pool1d()
        .seed(3)
        .build()
        .unwrap();
    let names: Vec<_> = m.layers().iter().map(|l| l.name()).collect();
    assert_eq!(
        names,
        ["embedding", "conv1d", "conv1d", "global_avg_pool1d"]
    );
    assert_eq!(m.output_dim(), 2);
    let x = ndarray::array![[1.0, 2.0, 3.0, 0.0, 6.0], [4.0, 4.0, 0.0, 0.0, 0.0]];
    let mut want = x.clone();
    for l in m.layers() {
        want = l.infer(want.view()).unwrap();
    }
    assert_eq!(m.predict(x.view()).unwrap(), want);
    let e = Sequential::<f64>::builder(5)
        .dense(4, Activation::Relu)
        .global_max_pool1d()
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("global_max_pool1d layer 2") && e.contains("must write a sequence"),
        "{e}"
    );
    let e = Sequential::<f64>::builder(2)
        .embedding(7, 3, None)
        .conv1d(4, 3, Padding::Valid, Activation::Tanh)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("conv1d layer 2") && e.contains("the input has 2"),
        "{e}"
    );
}

#[test]
fn parallel_routes_column_ranges_and_checks_its_branches() {
    let x = normals(3, 5, 1);
    let d = Dense::<f64>::new(
        3,
        2,
        Activation::Tanh,
        Initializer::GlorotNormal,
        &mut seeded_rng(1),
    )
    .unwrap();
    let mut p = Parallel::new(vec![
        (2, vec![]),
        (3, vec![Box::new(d.clone()) as Box<dyn Layer<f64>>]),
    ])
    .unwrap();
    let y = p.forward(x.view(), Mode::Train).unwrap().to_owned();
    assert_eq!(y.slice(s![.., ..2]), x.slice(s![.., ..2]));
    assert_eq!(y.slice(s![.., 2..]), d.infer(x.slice(s![.., 2..])).unwrap());
    let r = check_layer(&mut p, x.view(), 2).unwrap();
    assert!(r.max() < TOL, "{r:?}");
    let e = Parallel::new(vec![(2, vec![Box::new(d) as Box<dyn Layer<f64>>])])
        .unwrap_err()
        .to_string();
    assert!(e.contains("branch 1, layer 1 (dense)"), "{e}");
    let e = p.infer(normals(3, 4, 1).view()).unwrap_err().to_string();
    assert!(e.contains("5 input columns"), "{e}");
}
