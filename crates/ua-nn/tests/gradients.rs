//! Finite-difference gradient checks in f64 for every layer, activation and loss.

use ndarray::{Array2, array};
use rand::Rng;
use ua_nn::gradcheck::{check_layer, check_loss};
use ua_nn::layers::{Dense, Dropout, Embedding, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh};
use ua_nn::losses::{BinaryCrossEntropy, CategoricalCrossEntropy, LogLoss, MeanSquaredError};
use ua_nn::{Activation, Layer};
use ua_tensor::init::{Initializer, seeded_rng};

const TOL: f64 = 1e-6;

/// Inputs kept at least 0.05 away from 0 so ReLU kinks are not straddled.
fn inputs(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_fn((rows, cols), |_| {
        let v: f64 = rng.random_range(0.05..1.5);
        if rng.random::<bool>() { v } else { -v }
    })
}

#[test]
fn dense_layers_with_every_fused_activation() {
    for (i, act) in [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu { alpha: 0.1 },
        Activation::Sigmoid,
        Activation::Tanh,
    ]
    .into_iter()
    .enumerate()
    {
        let mut d = Dense::<f64>::new(
            4,
            3,
            act,
            Initializer::GlorotNormal,
            &mut seeded_rng(i as u64),
        )
        .unwrap();
        let r = check_layer(&mut d, inputs(5, 4, 10 + i as u64).view(), 3).unwrap();
        assert!(r.max() < TOL, "{act:?}: {r:?}");
        assert!(r.params >= 0.0);
    }
}

#[test]
fn embedding_with_repeated_and_padding_indices() {
    // Row 3 occurs three times (its gradient sums), 0 is the padding index.
    let x = array![[3.0, 1.0, 0.0], [3.0, 3.0, 4.0], [0.0, 2.0, 5.0]];
    for padding in [None, Some(0)] {
        let mut e = Embedding::<f64>::with_init(6, 4, Initializer::GlorotNormal, 11)
            .unwrap()
            .with_padding_index(padding)
            .unwrap();
        let r = check_layer(&mut e, x.view(), 8).unwrap();
        assert!(r.max() < TOL, "padding {padding:?}: {r:?}");
        assert_eq!(e.n_params(), 24); // every table entry was nudged
    }
}

#[test]
fn activation_layers() {
    let x = inputs(4, 5, 99);
    let layers: Vec<Box<dyn Layer<f64>>> = vec![
        Box::new(Sigmoid::new()),
        Box::new(ReLU::new()),
        Box::new(Tanh::new()),
        Box::new(LeakyReLU::new(0.2).unwrap()),
        Box::new(Softmax::new()),
    ];
    for mut l in layers {
        let r = check_layer(l.as_mut(), x.view(), 5).unwrap();
        assert!(r.max() < TOL, "{}: {r:?}", l.name());
    }
}

#[test]
fn dropout_with_a_frozen_mask() {
    let mut d = Dropout::<f64>::new(0.5, 1).unwrap();
    let r = check_layer(&mut d, inputs(6, 7, 1).view(), 2).unwrap();
    assert!(r.max() < TOL, "{r:?}");
}

#[test]
fn the_checker_catches_a_wrong_gradient() {
    // A layer whose backward is off by a factor of 2 must fail the check.
    #[derive(Clone)]
    struct Wrong(ReLU<f64>, Array2<f64>);
    impl Layer<f64> for Wrong {
        fn name(&self) -> &'static str {
            "wrong"
        }
        fn output_dim(&self, d: usize) -> ua_nn::Result<usize> {
            Ok(d)
        }
        fn forward(
            &mut self,
            x: ndarray::ArrayView2<'_, f64>,
            m: ua_nn::Mode,
        ) -> ua_nn::Result<ndarray::ArrayView2<'_, f64>> {
            self.0.forward(x, m)
        }
        fn output(&self) -> ndarray::ArrayView2<'_, f64> {
            self.0.output()
        }
        fn infer_into(
            &self,
            x: ndarray::ArrayView2<'_, f64>,
            out: ndarray::ArrayViewMut2<'_, f64>,
        ) -> ua_nn::Result<()> {
            self.0.infer_into(x, out)
        }
        fn boxed_clone(&self) -> Box<dyn Layer<f64>> {
            Box::new(self.clone())
        }
        fn backward(
            &mut self,
            x: ndarray::ArrayView2<'_, f64>,
            g: ndarray::ArrayView2<'_, f64>,
            need: bool,
        ) -> ua_nn::Result<Option<ndarray::ArrayView2<'_, f64>>> {
            let gi = self.0.backward(x, g, need)?.map(|v| v.mapv(|a| 2.0 * a));
            self.1 = gi.unwrap_or_default();
            Ok(Some(self.1.view()))
        }
    }
    let mut w = Wrong(ReLU::new(), Array2::zeros((0, 0)));
    let r = check_layer(&mut w, inputs(3, 3, 4).view(), 1).unwrap();
    assert!(r.input > 0.1, "{r:?}");
}

#[test]
fn every_loss() {
    let p = array![[0.2, 0.7], [0.9, 0.4], [0.55, 0.1]];
    let t = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    assert!(check_loss(&MeanSquaredError, p.view(), t.view()).unwrap() < TOL);
    assert!(check_loss(&BinaryCrossEntropy::new(), p.view(), t.view()).unwrap() < TOL);
    assert!(
        check_loss(
            &BinaryCrossEntropy::new().with_class_weights(0.3, 2.0),
            p.view(),
            t.view()
        )
        .unwrap()
            < TOL
    );
    assert!(check_loss(&LogLoss, p.view(), t.view()).unwrap() < TOL);
    let z = array![[2.0, -1.0], [-0.3, 0.8], [4.0, -4.0]];
    assert!(check_loss(&BinaryCrossEntropy::from_logits(), z.view(), t.view()).unwrap() < TOL);
    let z3 = array![[2.0, -1.0, 0.5], [-0.3, 0.8, 0.1]];
    let t3 = array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
    assert!(check_loss(&CategoricalCrossEntropy::new(), z3.view(), t3.view()).unwrap() < TOL);
    let p3 = array![[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]];
    assert!(
        check_loss(
            &CategoricalCrossEntropy::on_probabilities(),
            p3.view(),
            t3.view()
        )
        .unwrap()
            < TOL
    );
}
