//! Inverted dropout.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip, s};
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::layer::{Layer, Mode, check_grad, check_out, rows_of};
use crate::persist::SavedLayer;
use crate::{Result, Scalar};

/// The saved form of a [`Dropout`] layer (type name `"dropout"`).
#[derive(Serialize, Deserialize)]
struct DropoutData {
    rate: f64,
    seed: u64,
}

/// Rebuilds a [`Dropout`] layer from its saved form (its generator restarts
/// from the seed).
pub(crate) fn load<S: Scalar>(saved: &SavedLayer) -> Result<Box<dyn Layer<S>>> {
    let d: DropoutData = saved.decode()?;
    Ok(Box::new(Dropout::new(d.rate, d.seed)?))
}

/// Inverted dropout: in training each input is zeroed with probability
/// `rate` and the survivors are scaled by `1 / (1 − rate)`, so inference is
/// the identity (the model skips the layer in [`Mode::Eval`]).
///
/// The mask comes from a seeded generator: the same seed gives the same
/// masks, step after step. Random bits are drawn 32 at a time and compared
/// with an integer threshold, so a mask costs one generator call per two
/// elements.
///
/// ```
/// use ndarray::Array2;
/// use ua_nn::{Layer, Mode, layers::Dropout};
/// let mut d = Dropout::<f32>::new(0.5, 42).unwrap();
/// let x = Array2::<f32>::ones((100, 10));
/// let y = d.forward(x.view(), Mode::Train).unwrap();
/// let kept = y.iter().filter(|&&v| v == 2.0).count();
/// assert!(kept > 400 && kept < 600);
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// assert_eq!(d.forward(x.view(), Mode::Eval).unwrap(), x);
/// ```
#[derive(Debug, Clone)]
pub struct Dropout<S: Scalar> {
    rate: f64,
    seed: u64,
    rng: SmallRng,
    mask: Array2<S>,
    draws: Vec<u32>,
    out: Array2<S>,
    gin: Array2<S>,
    rows: usize,
    cols: usize,
    frozen: bool,
}

impl<S: Scalar> Dropout<S> {
    /// Dropout with probability `rate` in `[0, 1)` and a seed for its masks.
    ///
    /// ```
    /// use ua_nn::layers::Dropout;
    /// assert_eq!(Dropout::<f32>::new(0.25, 1).unwrap().rate(), 0.25);
    /// let e = Dropout::<f32>::new(1.0, 1).unwrap_err();
    /// assert_eq!(e.to_string(), "dropout: invalid argument: rate must be in [0, 1), got 1");
    /// ```
    pub fn new(rate: f64, seed: u64) -> Result<Self> {
        if !(rate.is_finite() && (0.0..1.0).contains(&rate)) {
            return Err(crate::error::invalid(
                "dropout",
                format!("rate must be in [0, 1), got {rate}"),
            ));
        }
        Ok(Dropout {
            rate,
            seed,
            rng: SmallRng::seed_from_u64(seed),
            mask: Array2::zeros((0, 0)),
            draws: Vec::new(),
            out: Array2::zeros((0, 0)),
            gin: Array2::zeros((0, 0)),
            rows: 0,
            cols: 0,
            frozen: false,
        })
    }

    /// The drop probability (see [`Dropout::new`]).
    ///
    /// ```
    /// use ua_nn::layers::Dropout;
    /// assert_eq!(Dropout::<f64>::new(0.5, 9).unwrap().rate(), 0.5);
    /// ```
    pub fn rate(&self) -> f64 {
        self.rate
    }

    fn draw_mask(&mut self, n: usize, d: usize) {
        let keep = S::lit(1.0 / (1.0 - self.rate));
        // P(drop) = threshold / 2^32.
        let threshold = (self.rate * 4_294_967_296.0) as u64;
        let mut mask = rows_of(&mut self.mask, n, d);
        // Two passes so that both vectorise and neither branches: raw 32-bit
        // draws (two per generator call) into a scratch buffer, then a
        // compare-and-select into the mask. The generator lives in a local
        // so that its state stays in registers.
        let len = n * d;
        if self.draws.len() < len {
            self.draws.resize(len, 0);
        }
        let draws = &mut self.draws[..len];
        let mut rng = self.rng.clone();
        let mut pairs = draws.chunks_exact_mut(2);
        for pair in &mut pairs {
            let bits = rng.next_u64();
            pair[0] = bits as u32;
            pair[1] = (bits >> 32) as u32;
        }
        if let [last] = pairs.into_remainder() {
            *last = rng.next_u64() as u32;
        }
        self.rng = rng;
        // The first `n` rows of a row-major buffer are contiguous.
        if let Some(m) = mask.as_slice_mut() {
            for (mv, &r) in m.iter_mut().zip(draws.iter()) {
                *mv = if u64::from(r) >= threshold {
                    keep
                } else {
                    S::zero()
                };
            }
        }
    }
}

impl<S: Scalar> Layer<S> for Dropout<S> {
    fn name(&self) -> &'static str {
        "dropout"
    }

    fn output_dim(&self, input_dim: usize) -> Result<usize> {
        Ok(input_dim)
    }

    fn forward(&mut self, input: ArrayView2<'_, S>, mode: Mode) -> Result<ArrayView2<'_, S>> {
        let (n, d) = input.dim();
        self.rows = n;
        self.cols = d;
        let train = mode == Mode::Train && self.rate > 0.0;
        if train && !(self.frozen && self.mask.nrows() >= n && self.mask.ncols() == d) {
            self.draw_mask(n, d);
        }
        let out = rows_of(&mut self.out, n, d);
        if train {
            let mask = self.mask.slice(s![..n, ..]);
            Zip::from(out)
                .and(input)
                .and(mask)
                .for_each(|o, &x, &m| *o = x * m);
        } else {
            Zip::from(out).and(input).for_each(|o, &x| *o = x);
        }
        Ok(self.output())
    }

    fn output(&self) -> ArrayView2<'_, S> {
        self.out.slice(s![..self.rows, ..])
    }

    fn infer_into(&self, input: ArrayView2<'_, S>, mut out: ArrayViewMut2<'_, S>) -> Result<()> {
        check_out("dropout", &out, input.dim())?;
        out.assign(&input);
        Ok(())
    }

    fn boxed_clone(&self) -> Box<dyn Layer<S>> {
        Box::new(self.clone())
    }

    fn backward(
        &mut self,
        _input: ArrayView2<'_, S>,
        grad_output: ArrayView2<'_, S>,
        need_input_grad: bool,
    ) -> Result<Option<ArrayView2<'_, S>>> {
        let (n, d) = (self.rows, self.cols);
        check_grad("dropout", &grad_output, (n, d))?;
        if !need_input_grad {
            return Ok(None);
        }
        let gin = rows_of(&mut self.gin, n, d);
        if self.rate > 0.0 {
            let mask = self.mask.slice(s![..n, ..]);
            Zip::from(gin)
                .and(grad_output)
                .and(mask)
                .for_each(|o, &g, &m| *o = g * m);
        } else {
            Zip::from(gin).and(grad_output).for_each(|o, &g| *o = g);
        }
        Ok(Some(self.gin.slice(s![..n, ..])))
    }

    fn is_identity(&self, mode: Mode) -> bool {
        mode == Mode::Eval || self.rate == 0.0
    }

    fn freeze_randomness(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    fn to_saved(&self) -> Result<SavedLayer> {
        SavedLayer::new(
            "dropout",
            &DropoutData {
                rate: self.rate,
                seed: self.seed,
            },
        )
    }
}
