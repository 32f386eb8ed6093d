//! Inverted dropout.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip};
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::layer::first_rows;
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
    rng: LaneRng,
    mask: Array2<S>,
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
            rng: LaneRng::new(seed),
            mask: Array2::zeros((0, 0)),
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
        // P(drop) = threshold / 2^32 (rate < 1, so the threshold fits).
        let threshold = (self.rate * 4_294_967_296.0) as u32;
        let mut mask = rows_of(&mut self.mask, n, d);
        // The first `n` rows of a row-major buffer are contiguous.
        if let Some(m) = mask.as_slice_mut() {
            mask_wide(&mut self.rng.s, m, threshold, keep);
        }
    }
}

/// Eight xoshiro256++ generators side by side, one per vector lane (state
/// word `w` of lane `l` is `s[w][l]`): a single generator's steps depend on
/// each other, eight independent ones fill a vector register, so the mask's
/// random bits come at vector speed.
#[derive(Debug, Clone)]
struct LaneRng {
    s: [[u64; 8]; 4],
}

impl LaneRng {
    /// Lanes seeded from one seed (through `SmallRng`, never all zero).
    fn new(seed: u64) -> Self {
        let mut seeder = SmallRng::seed_from_u64(seed);
        let mut s = [[0u64; 8]; 4];
        for lane in 0..8 {
            for word in &mut s {
                word[lane] = seeder.next_u64();
            }
            if s.iter().all(|word| word[lane] == 0) {
                s[0][lane] = 1;
            }
        }
        LaneRng { s }
    }
}

/// One step of every lane: eight 64-bit outputs of xoshiro256++.
#[inline(always)]
fn next_lanes(s: &mut [[u64; 8]; 4]) -> [u64; 8] {
    let mut out = [0u64; 8];
    let mut t = [0u64; 8];
    for l in 0..8 {
        out[l] = s[0][l]
            .wrapping_add(s[3][l])
            .rotate_left(23)
            .wrapping_add(s[0][l]);
        t[l] = s[1][l] << 17;
        s[2][l] ^= s[0][l];
        s[3][l] ^= s[1][l];
        s[1][l] ^= s[2][l];
        s[0][l] ^= s[3][l];
        s[2][l] ^= t[l];
        s[3][l] = s[3][l].rotate_left(45);
    }
    out
}

/// Fills `mask` with `keep` where a random 32-bit draw is ≥ `threshold`,
/// else 0 — sixteen values per step of the lanes: value `l` of a block of
/// sixteen from the low half of lane `l`'s output, value `8 + l` from its
/// high half (no shuffles, and nothing goes through memory).
#[inline(always)]
fn mask_plain<S: Scalar>(s: &mut [[u64; 8]; 4], mask: &mut [S], threshold: u32, keep: S) {
    let threshold = u64::from(threshold);
    let pick = |draw: u64| if draw >= threshold { keep } else { S::zero() };
    let mut blocks = mask.chunks_exact_mut(16);
    for block in &mut blocks {
        let bits = next_lanes(s);
        let (low, high) = block.split_at_mut(8);
        for ((lo, hi), &word) in low.iter_mut().zip(high.iter_mut()).zip(&bits) {
            *lo = pick(word & 0xffff_ffff);
            *hi = pick(word >> 32);
        }
    }
    let rest = blocks.into_remainder();
    if !rest.is_empty() {
        let bits = next_lanes(s);
        for (k, m) in rest.iter_mut().enumerate() {
            let word = bits[k % 8];
            *m = pick(if k < 8 {
                word & 0xffff_ffff
            } else {
                word >> 32
            });
        }
    }
}

ua_tensor::wide_fn! {
    /// [`mask_plain`] on the widest vectors the CPU has.
    fn mask_wide<S: Scalar> => mask_plain(s: &mut [[u64; 8]; 4], mask: &mut [S], threshold: u32, keep: S)
}

/// `out = x · mask` (the forward pass's output, the backward pass's input
/// gradient): on the widest vectors when all three are contiguous.
fn times_mask<S: Scalar>(
    mut out: ArrayViewMut2<'_, S>,
    x: ArrayView2<'_, S>,
    mask: ArrayView2<'_, S>,
) {
    match (out.as_slice_mut(), x.as_slice(), mask.as_slice()) {
        (Some(o), Some(x), Some(m)) => apply_wide(o, x, m),
        _ => Zip::from(out)
            .and(x)
            .and(mask)
            .for_each(|o, &x, &m| *o = x * m),
    }
}

/// `out = x · mask`, element by element.
#[inline(always)]
fn apply_plain<S: Scalar>(out: &mut [S], x: &[S], mask: &[S]) {
    for ((o, &x), &m) in out.iter_mut().zip(x).zip(mask) {
        *o = x * m;
    }
}

ua_tensor::wide_fn! {
    /// [`apply_plain`] on the widest vectors the CPU has.
    fn apply_wide<S: Scalar> => apply_plain(out: &mut [S], x: &[S], mask: &[S])
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
            times_mask(out, input, first_rows(&self.mask, n));
        } else {
            Zip::from(out).and(input).for_each(|o, &x| *o = x);
        }
        Ok(self.output())
    }

    fn output(&self) -> ArrayView2<'_, S> {
        first_rows(&self.out, self.rows)
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
            times_mask(gin, grad_output, first_rows(&self.mask, n));
        } else {
            Zip::from(gin).and(grad_output).for_each(|o, &g| *o = g);
        }
        Ok(Some(first_rows(&self.gin, n)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::s;
    use rand::SeedableRng;

    /// Each lane is a xoshiro256++ generator: the same stream as `rand`'s
    /// `SmallRng` (xoshiro256++ on 64-bit targets) started from that lane's
    /// state.
    #[test]
    fn every_lane_is_a_xoshiro256_plus_plus_stream() {
        let mut lanes = LaneRng::new(11);
        let mut reference: Vec<SmallRng> = (0..8)
            .map(|l| {
                let mut seed = [0u8; 32];
                for (w, bytes) in seed.chunks_exact_mut(8).enumerate() {
                    bytes.copy_from_slice(&lanes.s[w][l].to_le_bytes());
                }
                SmallRng::from_seed(seed)
            })
            .collect();
        for _ in 0..50 {
            let got = next_lanes(&mut lanes.s);
            for (l, r) in reference.iter_mut().enumerate() {
                assert_eq!(got[l], r.next_u64(), "lane {l}");
            }
        }
        // The lanes differ from each other, and seeds differ.
        let first = next_lanes(&mut LaneRng::new(11).s);
        assert!((1..8).all(|l| first[l] != first[0]));
        assert_ne!(next_lanes(&mut LaneRng::new(12).s), first);
    }

    #[test]
    fn the_mask_takes_its_values_from_the_lanes_in_the_stated_order() {
        // 16 + 11 values: one full block, then a tail.
        let (threshold, keep) = (1u32 << 31, 2.0f32);
        let mut lanes = LaneRng::new(5);
        let mut copy = lanes.clone();
        let mut mask = vec![9.0f32; 27];
        mask_plain(&mut lanes.s, &mut mask, threshold, keep);
        let want = |word: u64| {
            if word >= u64::from(threshold) {
                keep
            } else {
                0.0
            }
        };
        let block = next_lanes(&mut copy.s);
        let tail = next_lanes(&mut copy.s);
        for l in 0..8 {
            assert_eq!(mask[l], want(block[l] & 0xffff_ffff), "value {l}");
            assert_eq!(mask[8 + l], want(block[l] >> 32), "value {}", 8 + l);
            assert_eq!(
                mask[16 + l],
                want(tail[l] & 0xffff_ffff),
                "value {}",
                16 + l
            );
        }
        for l in 0..3 {
            assert_eq!(mask[24 + l], want(tail[l] >> 32), "value {}", 24 + l);
        }
        assert_eq!(lanes.s, copy.s, "two steps of the lanes for 27 values");
        // The wide copies give the same mask.
        let (mut a, mut b) = (LaneRng::new(5), LaneRng::new(5));
        let (mut wide, mut plain) = (vec![0.0f64; 1003], vec![0.0f64; 1003]);
        mask_wide(&mut a.s, &mut wide, 123_456_789, 1.5);
        mask_plain(&mut b.s, &mut plain, 123_456_789, 1.5);
        assert_eq!(wide, plain);
    }

    #[test]
    fn the_kept_fraction_is_one_minus_the_rate() {
        for rate in [0.1, 0.5, 0.9] {
            let mut d = Dropout::<f32>::new(rate, 3).unwrap();
            let x = Array2::<f32>::ones((1000, 37));
            let y = d.forward(x.view(), Mode::Train).unwrap();
            let keep = (1.0 / (1.0 - rate)) as f32;
            assert!(y.iter().all(|&v| v == 0.0 || v == keep), "rate {rate}");
            let kept = y.iter().filter(|&&v| v == keep).count() as f64 / 37_000.0;
            // 37,000 draws: the standard error is below 0.003.
            assert!(
                (kept - (1.0 - rate)).abs() < 0.015,
                "rate {rate}: kept {kept}"
            );
        }
        // Rate 0 keeps everything.
        let mut d = Dropout::<f64>::new(0.0, 3).unwrap();
        let x = Array2::<f64>::ones((10, 3));
        assert_eq!(d.forward(x.view(), Mode::Train).unwrap(), x);
    }

    #[test]
    fn the_output_is_the_input_times_the_mask_and_masks_change_per_call() {
        let mut d = Dropout::<f32>::new(0.5, 9).unwrap();
        let x = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f32 + 1.0);
        let y = d.forward(x.view(), Mode::Train).unwrap().to_owned();
        let mask = d.mask.slice(s![..7, ..]).to_owned();
        assert_eq!(y, &x * &mask);
        let again = d.forward(x.view(), Mode::Train).unwrap().to_owned();
        assert_ne!(again, y, "a fresh mask per training call");
        // A non-contiguous input (every other column of a wider array)
        // takes the general path.
        let wide = Array2::from_shape_fn(
            (7, 10),
            |(i, j)| if j % 2 == 0 { x[[i, j / 2]] } else { -9.0 },
        );
        let strided = wide.slice(s![.., ..;2]);
        assert!(strided.as_slice().is_none());
        let yt = d.forward(strided, Mode::Train).unwrap().to_owned();
        assert_eq!(yt, &x * &d.mask.slice(s![..7, ..]));
        // The same seed gives the same masks.
        let mut e = Dropout::<f32>::new(0.5, 9).unwrap();
        assert_eq!(e.forward(x.view(), Mode::Train).unwrap(), y);
    }

    #[test]
    fn backward_multiplies_the_gradient_by_the_forward_mask() {
        let mut d = Dropout::<f64>::new(0.4, 21).unwrap();
        let x = Array2::from_shape_fn((6, 9), |(i, j)| (i + j) as f64);
        d.forward(x.view(), Mode::Train).unwrap();
        let mask = d.mask.slice(s![..6, ..]).to_owned();
        assert!(mask.iter().any(|&m| m == 0.0) && mask.iter().any(|&m| m > 1.0));
        let g = Array2::from_shape_fn((6, 9), |(i, j)| 1.0 + (i * 9 + j) as f64 / 10.0);
        let gin = d
            .backward(x.view(), g.view(), true)
            .unwrap()
            .unwrap()
            .to_owned();
        assert_eq!(gin, &g * &mask);
        // A non-contiguous gradient: the same numbers by the general path.
        let wide =
            Array2::from_shape_fn(
                (6, 18),
                |(i, j)| if j % 2 == 0 { g[[i, j / 2]] } else { f64::NAN },
            );
        let gin = d
            .backward(x.view(), wide.slice(s![.., ..;2]), true)
            .unwrap()
            .unwrap()
            .to_owned();
        assert_eq!(gin, &g * &mask);
        // No input gradient asked: none computed.
        assert!(d.backward(x.view(), g.view(), false).unwrap().is_none());
        // Rate 0: the gradient passes through.
        let mut keep_all = Dropout::<f64>::new(0.0, 21).unwrap();
        keep_all.forward(x.view(), Mode::Train).unwrap();
        let gin = keep_all
            .backward(x.view(), g.view(), true)
            .unwrap()
            .unwrap()
            .to_owned();
        assert_eq!(gin, g);
        // A gradient of the wrong shape is an error naming dropout.
        let e = d
            .backward(x.view(), g.slice(s![..5, ..]), true)
            .unwrap_err();
        assert!(e.to_string().contains("dropout"), "{e}");
    }
}
