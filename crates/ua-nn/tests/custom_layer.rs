//! A layer defined by the user — trained, cloned, checked, saved and loaded
//! through the open mechanism (`Layer::boxed_clone`, `Layer::to_saved`,
//! `LayerRegistry`).

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, Zip, s};
use rand::Rng;
use serde::{Deserialize, Serialize};
use ua_nn::gradcheck::check_layer;
use ua_nn::layers::Dense;
use ua_nn::losses::BinaryCrossEntropy;
use ua_nn::optim::Adam;
use ua_nn::persist::{LayerRegistry, SavedLayer};
use ua_nn::{
    Activation, Error, FitConfig, Layer, Mode, Param, ParamKind, Persist, PersistError, Scalar,
    Sequential,
};
use ua_tensor::init::{Initializer, seeded_rng};

/// `y = x ⊙ scale + shift`, per column, both trainable.
#[derive(Clone)]
struct Affine<S: Scalar> {
    scale: Array1<S>,
    shift: Array1<S>,
    g_scale: Array1<S>,
    g_shift: Array1<S>,
    out: Array2<S>,
    gin: Array2<S>,
}

/// What an `Affine` saves.
#[derive(Serialize, Deserialize)]
struct AffineData<S> {
    scale: Vec<S>,
    shift: Vec<S>,
}

const AFFINE: &str = "test/affine";

impl<S: Scalar> Affine<S> {
    fn new(scale: Vec<S>, shift: Vec<S>) -> ua_nn::Result<Self> {
        if scale.len() != shift.len() || scale.is_empty() {
            return Err(Error::InvalidArgument {
                op: "affine".into(),
                message: format!("{} scales but {} shifts", scale.len(), shift.len()),
            });
        }
        let d = scale.len();
        Ok(Affine {
            scale: Array1::from(scale),
            shift: Array1::from(shift),
            g_scale: Array1::zeros(d),
            g_shift: Array1::zeros(d),
            out: Array2::zeros((0, d)),
            gin: Array2::zeros((0, d)),
        })
    }

    fn identity(d: usize) -> Self {
        Self::new(vec![S::one(); d], vec![S::zero(); d]).unwrap()
    }

    fn load(saved: &SavedLayer) -> ua_nn::Result<Box<dyn Layer<S>>> {
        let d: AffineData<S> = saved.decode()?;
        Ok(Box::new(Self::new(d.scale, d.shift)?))
    }

    fn apply(&self, x: ArrayView2<'_, S>, mut out: ArrayViewMut2<'_, S>) {
        Zip::from(out.rows_mut())
            .and(x.rows())
            .for_each(|mut o, xr| {
                Zip::from(&mut o)
                    .and(&xr)
                    .and(&self.scale)
                    .and(&self.shift)
                    .for_each(|o, &x, &a, &b| *o = x * a + b);
            });
    }
}

impl<S: Scalar> Layer<S> for Affine<S> {
    fn name(&self) -> &'static str {
        "affine"
    }
    fn output_dim(&self, d: usize) -> ua_nn::Result<usize> {
        if d != self.scale.len() {
            return Err(Error::ShapeMismatch {
                op: "affine".into(),
                expected: format!("{} columns", self.scale.len()),
                found: format!("{d} columns"),
            });
        }
        Ok(d)
    }
    fn forward(&mut self, x: ArrayView2<'_, S>, _mode: Mode) -> ua_nn::Result<ArrayView2<'_, S>> {
        self.output_dim(x.ncols())?;
        let mut out = Array2::zeros(x.dim());
        self.apply(x, out.view_mut());
        self.out = out;
        Ok(self.out.view())
    }
    fn output(&self) -> ArrayView2<'_, S> {
        self.out.view()
    }
    fn backward(
        &mut self,
        x: ArrayView2<'_, S>,
        g: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> ua_nn::Result<Option<ArrayView2<'_, S>>> {
        self.g_scale = &self.g_scale + &(&g * &x).sum_axis(Axis(0));
        self.g_shift = &self.g_shift + &g.sum_axis(Axis(0));
        if !need_input_grad {
            return Ok(None);
        }
        self.gin = &g * &self.scale;
        Ok(Some(self.gin.view()))
    }
    fn infer_into(&self, x: ArrayView2<'_, S>, out: ArrayViewMut2<'_, S>) -> ua_nn::Result<()> {
        self.output_dim(x.ncols())?;
        if out.dim() != x.dim() {
            return Err(Error::ShapeMismatch {
                op: "affine inference output".into(),
                expected: format!("{:?}", x.dim()),
                found: format!("{:?}", out.dim()),
            });
        }
        self.apply(x, out);
        Ok(())
    }
    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }
    fn visit_params(&mut self, visit: &mut dyn FnMut(Param<'_, S>)) {
        for (kind, value, grad) in [
            (ParamKind::Weight, &mut self.scale, &mut self.g_scale),
            (ParamKind::Bias, &mut self.shift, &mut self.g_shift),
        ] {
            if let (Some(value), Some(grad)) = (value.as_slice_mut(), grad.as_slice_mut()) {
                visit(Param { kind, value, grad });
            }
        }
    }
    fn n_params(&self) -> usize {
        2 * self.scale.len()
    }
    fn to_saved(&self) -> ua_nn::Result<SavedLayer> {
        SavedLayer::new(
            AFFINE,
            &AffineData {
                scale: self.scale.to_vec(),
                shift: self.shift.to_vec(),
            },
        )
    }
}

/// Features on very different scales and offsets; the label is linear in
/// the standardised features.
fn data() -> (Array2<f32>, Array2<f32>) {
    let mut rng = seeded_rng(4);
    let n = 600;
    let z = Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0f32..1.0));
    let x = Array2::from_shape_fn((n, 3), |(i, j)| {
        z[[i, j]] * [1.0, 10.0, 0.1][j] + [0.0, 3.0, -1.0][j]
    });
    let y = Array2::from_shape_fn((n, 1), |(i, _)| {
        f32::from(z[[i, 0]] - z[[i, 1]] + 0.5 * z[[i, 2]] > 0.0)
    });
    (x, y)
}

fn trained() -> (Sequential<f32>, Array2<f32>, Array2<f32>) {
    let (x, y) = data();
    let dense = Dense::new(
        3,
        1,
        Activation::Sigmoid,
        Initializer::GlorotUniform,
        &mut seeded_rng(1),
    )
    .unwrap();
    let mut m = Sequential::from_layers(
        3,
        vec![
            Box::new(Affine::<f32>::identity(3)) as Box<dyn Layer<f32>>,
            Box::new(dense),
        ],
    )
    .unwrap();
    m.fit(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(0.02),
        FitConfig::new().epochs(100).seed(3),
    )
    .unwrap();
    (m, x, y)
}

fn registry() -> LayerRegistry<f32> {
    LayerRegistry::new().with(AFFINE, Affine::<f32>::load)
}

fn bits(a: &Array2<f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn a_custom_layer_passes_the_gradient_and_inference_checks() {
    let mut l = Affine::<f64>::new(vec![0.5, -2.0, 1.5], vec![0.1, 0.0, -0.3]).unwrap();
    let x = Array2::from_shape_fn((4, 3), |(i, j)| (i as f64 - 1.5) * 0.3 + j as f64 * 0.2);
    let r = check_layer(&mut l, x.view(), 5).unwrap();
    assert!(r.max() < 1e-6, "{r:?}");
    assert_eq!(r.inference, 0.0);
}

#[test]
fn a_custom_layer_trains_saves_loads_and_predicts_identically() {
    let (m, x, y) = trained();
    // The custom layer's parameters were trained.
    let affine = m.layers()[0].downcast_ref::<Affine<f32>>().unwrap();
    assert!(
        affine.scale.iter().any(|&a| (a - 1.0).abs() > 0.01),
        "{}",
        affine.scale
    );
    let p = m.predict(x.view()).unwrap();
    let acc = p
        .iter()
        .zip(y.iter())
        .filter(|(p, y)| (**p >= 0.5) == (**y >= 0.5))
        .count();
    assert!(acc as f64 / y.len() as f64 > 0.9, "accuracy {acc}");

    let json = m.to_json().unwrap();
    assert!(json.contains("\"type\":\"test/affine\""));
    let back = Sequential::<f32>::from_json_with(&json, &registry()).unwrap();
    assert_eq!(bits(&back.predict(x.view()).unwrap()), bits(&p));
    assert_eq!(back.to_json().unwrap(), json);

    let path = std::env::temp_dir().join(format!("ua-nn-custom-{}.json", std::process::id()));
    m.save(&path).unwrap();
    let back = Sequential::<f32>::load_with(&path, &registry()).unwrap();
    assert_eq!(bits(&back.predict(x.view()).unwrap()), bits(&p));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_custom_layer_clones_and_the_copy_is_independent() {
    let (m, x, y) = trained();
    let p = m.predict(x.view()).unwrap();
    let mut copy = m.clone();
    assert_eq!(bits(&copy.predict(x.view()).unwrap()), bits(&p));
    copy.fit(
        x.view(),
        y.view(),
        &BinaryCrossEntropy::new(),
        &mut Adam::new(0.05),
        FitConfig::new().epochs(2),
    )
    .unwrap();
    assert_ne!(bits(&copy.predict(x.view()).unwrap()), bits(&p));
    assert_eq!(bits(&m.predict(x.view()).unwrap()), bits(&p));
}

#[test]
fn an_unregistered_layer_type_is_an_error_naming_it() {
    let (m, ..) = trained();
    let json = m.to_json().unwrap();
    for e in [
        Sequential::<f32>::from_json(&json).unwrap_err(),
        Sequential::<f32>::from_json_with(&json, &LayerRegistry::new()).unwrap_err(),
    ] {
        assert!(matches!(e, PersistError::Invalid { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains("layer 1 of 2 (test/affine)"), "{msg}");
        assert!(msg.contains("unknown layer type test/affine"), "{msg}");
        assert!(msg.contains("LayerRegistry::register"), "{msg}");
    }
    // A registry for another element type does not help an f32 model either.
    let e = Sequential::<f64>::from_json_with(
        &json,
        &LayerRegistry::new().with(AFFINE, Affine::<f64>::load),
    )
    .unwrap_err();
    assert!(e.to_string().contains("f32 model"), "{e}");
}

#[test]
fn a_layer_that_cannot_be_saved_says_so() {
    /// A ReLU that implements nothing for saving.
    #[derive(Clone)]
    struct Plain(ua_nn::layers::ReLU<f32>);
    impl Layer<f32> for Plain {
        fn name(&self) -> &'static str {
            "plain"
        }
        fn output_dim(&self, d: usize) -> ua_nn::Result<usize> {
            Ok(d)
        }
        fn forward(
            &mut self,
            x: ArrayView2<'_, f32>,
            m: Mode,
        ) -> ua_nn::Result<ArrayView2<'_, f32>> {
            self.0.forward(x, m)
        }
        fn output(&self) -> ArrayView2<'_, f32> {
            self.0.output()
        }
        fn backward(
            &mut self,
            x: ArrayView2<'_, f32>,
            g: ArrayView2<'_, f32>,
            need: bool,
        ) -> ua_nn::Result<Option<ArrayView2<'_, f32>>> {
            self.0.backward(x, g, need)
        }
        fn infer_into(
            &self,
            x: ArrayView2<'_, f32>,
            out: ArrayViewMut2<'_, f32>,
        ) -> ua_nn::Result<()> {
            self.0.infer_into(x, out)
        }
        fn boxed_clone(&self) -> Box<dyn Layer<f32>> {
            Box::new(self.clone())
        }
    }
    let m = Sequential::from_layers(
        2,
        vec![Box::new(Plain(Default::default())) as Box<dyn Layer<f32>>],
    )
    .unwrap();
    // It still clones and predicts.
    let x = ndarray::array![[-1.0f32, 2.0]];
    assert_eq!(
        m.clone().predict(x.view()).unwrap(),
        ndarray::array![[0.0, 2.0]]
    );
    let e = m.to_json().unwrap_err();
    assert!(matches!(e, PersistError::Unserializable { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("save layer 1 (plain)") && msg.contains("does not support saving"),
        "{msg}"
    );
    let _ = s![..];
}
