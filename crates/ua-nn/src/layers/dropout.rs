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
/// elements. The mask is kept as one bit per element (16 per word): the
/// forward and backward passes select `x·scale` or 0 by those bits, which
/// the vector units do in one masked multiply, and a 256 × 64 mask is 2 KiB
/// instead of 64 KiB of floats.
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
    /// The last mask: bit `j` of word `b` keeps element `16·b + j` of the
    /// `mask_rows × mask_cols` block (row-major).
    kept: Vec<u16>,
    mask_rows: usize,
    mask_cols: usize,
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
            kept: Vec::new(),
            mask_rows: 0,
            mask_cols: 0,
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
        // P(drop) = threshold / 2^32 (rate < 1, so the threshold fits).
        let threshold = (self.rate * 4_294_967_296.0) as u32;
        self.kept.resize((n * d).div_ceil(16), 0);
        mask_wide(&mut self.rng.s, &mut self.kept, threshold);
        (self.mask_rows, self.mask_cols) = (n, d);
    }

    /// The survivors' scale `1 / (1 − rate)`.
    fn scale(&self) -> S {
        S::lit(1.0 / (1.0 - self.rate))
    }

    /// The last mask as numbers (`scale` or 0), for the tests.
    #[cfg(test)]
    fn mask(&self) -> Array2<S> {
        let d = self.mask_cols;
        Array2::from_shape_fn((self.mask_rows, d), |(i, j)| {
            let e = i * d + j;
            if self.kept[e / 16] >> (e % 16) & 1 == 1 {
                self.scale()
            } else {
                S::zero()
            }
        })
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

/// Fills `kept` with one bit per element, set where a random 32-bit draw
/// is ≥ `threshold` — sixteen elements (one word) per step of the lanes:
/// element `l` of a word from the low half of lane `l`'s output, element
/// `8 + l` from its high half (no shuffles; on AVX-512 two compares into
/// mask registers). A last partial word takes a whole step too.
#[inline(always)]
fn mask_plain(s: &mut [[u64; 8]; 4], kept: &mut [u16], threshold: u32) {
    let threshold = u64::from(threshold);
    for word in kept.iter_mut() {
        let draws = next_lanes(s);
        let mut bits = 0u16;
        for (l, &draw) in draws.iter().enumerate() {
            bits |= u16::from(draw & 0xffff_ffff >= threshold) << l;
            bits |= u16::from(draw >> 32 >= threshold) << (8 + l);
        }
        *word = bits;
    }
}

/// [`mask_plain`] with the eight lanes in one AVX-512 register per state
/// word when the CPU has AVX-512F (the same bits), else the plain loop.
fn mask_wide(s: &mut [[u64; 8]; 4], kept: &mut [u16], threshold: u32) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F (checked just above).
        return unsafe { x86::mask_avx512(s, kept, threshold) };
    }
    mask_plain(s, kept, threshold);
}

/// `out = x · scale` where the mask keeps the element, else 0 (the forward
/// pass's output, the backward pass's input gradient): on the widest
/// vectors when both arrays are contiguous.
fn times_mask<S: Scalar>(
    mut out: ArrayViewMut2<'_, S>,
    x: ArrayView2<'_, S>,
    kept: &[u16],
    scale: S,
) {
    let d = x.ncols();
    match (out.as_slice_mut(), x.as_slice()) {
        (Some(o), Some(x)) => apply_wide(o, x, kept, scale),
        _ => Zip::indexed(out).and(x).for_each(|(i, j), o, &x| {
            let e = i * d + j;
            *o = if kept[e / 16] >> (e % 16) & 1 == 1 {
                x * scale
            } else {
                S::zero()
            };
        }),
    }
}

/// `out = x · scale` where the bit is set, else 0, sixteen elements per
/// word (fixed-size blocks, so the vector code is a masked multiply).
#[inline(always)]
fn apply_plain<S: Scalar>(out: &mut [S], x: &[S], kept: &[u16], scale: S) {
    let pick = |bits: u16, j: usize, x: S| {
        if bits >> j & 1 == 1 {
            x * scale
        } else {
            S::zero()
        }
    };
    let bits = kept.get(out.len() / 16).copied().unwrap_or(0);
    let mut outs = out.chunks_exact_mut(16);
    let mut xs = x.chunks_exact(16);
    for ((o, x), &bits) in (&mut outs).zip(&mut xs).zip(kept) {
        if let (Ok(o), Ok(x)) = (<&mut [S; 16]>::try_from(o), <&[S; 16]>::try_from(x)) {
            for j in 0..16 {
                o[j] = pick(bits, j, x[j]);
            }
        }
    }
    for (j, (o, &x)) in outs
        .into_remainder()
        .iter_mut()
        .zip(xs.remainder())
        .enumerate()
    {
        *o = pick(bits, j, x);
    }
}

/// [`apply_plain`] as masked multiplies on AVX-512F (f32 and f64) or
/// AVX2 (f32), else the plain loop; the same numbers on every path.
fn apply_wide<S: Scalar>(out: &mut [S], x: &[S], kept: &[u16], scale: S) {
    #[cfg(target_arch = "x86_64")]
    {
        let n = out.len().min(x.len()).min(kept.len() * 16) / 16 * 16;
        let done = if let (Some(o), Some(v)) =
            (S::as_f32_slice_mut(&mut out[..n]), S::as_f32_slice(&x[..n]))
        {
            let scale = scale.to_f32().unwrap_or(f32::NAN);
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                unsafe { x86::apply_f32_avx512(o, v, kept, scale) };
                true
            } else if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                unsafe { x86::apply_f32_avx2(o, v, kept, scale) };
                true
            } else {
                false
            }
        } else if let (Some(o), Some(v)) =
            (S::as_f64_slice_mut(&mut out[..n]), S::as_f64_slice(&x[..n]))
        {
            let scale = scale.to_f64().unwrap_or(f64::NAN);
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                unsafe { x86::apply_f64_avx512(o, v, kept, scale) };
                true
            } else {
                false
            }
        } else {
            false
        };
        if done {
            // The whole words are done; the rest (a partial word) below.
            let w = n / 16;
            return apply_plain(&mut out[n..], &x[n..], &kept[w.min(kept.len())..], scale);
        }
    }
    apply_plain(out, x, kept, scale);
}

/// The vector forms of the mask and of its application.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// [`super::mask_plain`] with state word `w` of the eight lanes in one
    /// register; a word's bits are two unsigned compares (low and high
    /// halves of the lanes' outputs) straight into mask registers.
    #[target_feature(enable = "avx512f")]
    pub(super) fn mask_avx512(s: &mut [[u64; 8]; 4], kept: &mut [u16], threshold: u32) {
        // SAFETY (all loads and stores below): each `s[w]` is 8 u64 = 64
        // bytes, read and written unaligned.
        let load = |w: &[u64; 8]| unsafe { _mm512_loadu_si512(w.as_ptr().cast()) };
        let (mut s0, mut s1, mut s2, mut s3) = (load(&s[0]), load(&s[1]), load(&s[2]), load(&s[3]));
        let t = _mm512_set1_epi64(i64::from(threshold));
        let low = _mm512_set1_epi64(0xffff_ffff);
        for word in kept.iter_mut() {
            let out = _mm512_add_epi64(_mm512_rol_epi64::<23>(_mm512_add_epi64(s0, s3)), s0);
            let shifted = _mm512_slli_epi64::<17>(s1);
            s2 = _mm512_xor_si512(s2, s0);
            s3 = _mm512_xor_si512(s3, s1);
            s1 = _mm512_xor_si512(s1, s2);
            s0 = _mm512_xor_si512(s0, s3);
            s2 = _mm512_xor_si512(s2, shifted);
            s3 = _mm512_rol_epi64::<45>(s3);
            let lo = _mm512_cmpge_epu64_mask(_mm512_and_si512(out, low), t);
            let hi = _mm512_cmpge_epu64_mask(_mm512_srli_epi64::<32>(out), t);
            *word = u16::from(lo) | u16::from(hi) << 8;
        }
        for (w, v) in s.iter_mut().zip([s0, s1, s2, s3]) {
            unsafe { _mm512_storeu_si512(w.as_mut_ptr().cast(), v) };
        }
    }

    /// `out = x·scale` where the word's bit is set, else 0: one masked
    /// multiply per 16 values, whole words only (`out.len()` values).
    #[target_feature(enable = "avx512f")]
    pub(super) fn apply_f32_avx512(out: &mut [f32], x: &[f32], kept: &[u16], scale: f32) {
        let s = _mm512_set1_ps(scale);
        for ((o, v), &bits) in out.chunks_exact_mut(16).zip(x.chunks_exact(16)).zip(kept) {
            // SAFETY: `o` and `v` hold exactly 16 values.
            unsafe {
                let v = _mm512_loadu_ps(v.as_ptr());
                _mm512_storeu_ps(o.as_mut_ptr(), _mm512_maskz_mul_ps(bits, v, s));
            }
        }
    }

    /// [`apply_f32_avx512`] for f64: two masked multiplies of 8 per word.
    #[target_feature(enable = "avx512f")]
    pub(super) fn apply_f64_avx512(out: &mut [f64], x: &[f64], kept: &[u16], scale: f64) {
        let s = _mm512_set1_pd(scale);
        for ((o, v), &bits) in out.chunks_exact_mut(16).zip(x.chunks_exact(16)).zip(kept) {
            let [lo, hi] = bits.to_le_bytes();
            // SAFETY: `o` and `v` hold exactly 16 values.
            unsafe {
                let a = _mm512_loadu_pd(v.as_ptr());
                let b = _mm512_loadu_pd(v.as_ptr().add(8));
                _mm512_storeu_pd(o.as_mut_ptr(), _mm512_maskz_mul_pd(lo, a, s));
                _mm512_storeu_pd(o.as_mut_ptr().add(8), _mm512_maskz_mul_pd(hi, b, s));
            }
        }
    }

    /// [`apply_f32_avx512`] on AVX2: each half-word's 8 bits become a lane
    /// mask (bit `j` tested in lane `j`) that clears the dropped products.
    #[target_feature(enable = "avx2")]
    pub(super) fn apply_f32_avx2(out: &mut [f32], x: &[f32], kept: &[u16], scale: f32) {
        let s = _mm256_set1_ps(scale);
        let lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        let half = |bits: u8| {
            let b = _mm256_and_si256(_mm256_set1_epi32(i32::from(bits)), lanes);
            _mm256_castsi256_ps(_mm256_cmpeq_epi32(b, lanes))
        };
        for ((o, v), &bits) in out.chunks_exact_mut(16).zip(x.chunks_exact(16)).zip(kept) {
            let [lo, hi] = bits.to_le_bytes();
            // SAFETY: `o` and `v` hold exactly 16 values.
            unsafe {
                let a = _mm256_mul_ps(_mm256_loadu_ps(v.as_ptr()), s);
                let b = _mm256_mul_ps(_mm256_loadu_ps(v.as_ptr().add(8)), s);
                _mm256_storeu_ps(o.as_mut_ptr(), _mm256_and_ps(a, half(lo)));
                _mm256_storeu_ps(o.as_mut_ptr().add(8), _mm256_and_ps(b, half(hi)));
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
        if train && !(self.frozen && self.mask_rows >= n && self.mask_cols == d) {
            self.draw_mask(n, d);
        }
        let scale = self.scale();
        let out = rows_of(&mut self.out, n, d);
        if train {
            times_mask(out, input, &self.kept, scale);
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
        let scale = self.scale();
        let gin = rows_of(&mut self.gin, n, d);
        if self.rate > 0.0 {
            times_mask(gin, grad_output, &self.kept, scale);
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
    fn the_mask_takes_its_bits_from_the_lanes_in_the_stated_order() {
        // 16 + 11 elements: one full word, then a partial one.
        let threshold = 1u32 << 31;
        let mut lanes = LaneRng::new(5);
        let mut copy = lanes.clone();
        let mut kept = vec![0xAAAAu16; 2];
        mask_plain(&mut lanes.s, &mut kept, threshold);
        let bit = |e: usize| kept[e / 16] >> (e % 16) & 1 == 1;
        let want = |draw: u64| draw >= u64::from(threshold);
        let block = next_lanes(&mut copy.s);
        let tail = next_lanes(&mut copy.s);
        for l in 0..8 {
            assert_eq!(bit(l), want(block[l] & 0xffff_ffff), "element {l}");
            assert_eq!(bit(8 + l), want(block[l] >> 32), "element {}", 8 + l);
            assert_eq!(
                bit(16 + l),
                want(tail[l] & 0xffff_ffff),
                "element {}",
                16 + l
            );
            assert_eq!(bit(24 + l), want(tail[l] >> 32), "element {}", 24 + l);
        }
        assert_eq!(lanes.s, copy.s, "two steps of the lanes for 27 elements");
        // The wide copies give the same bits.
        let (mut a, mut b) = (LaneRng::new(5), LaneRng::new(5));
        let (mut wide, mut plain) = (vec![0u16; 63], vec![0u16; 63]);
        mask_wide(&mut a.s, &mut wide, 123_456_789);
        mask_plain(&mut b.s, &mut plain, 123_456_789);
        assert_eq!(wide, plain);
        assert!(wide.iter().any(|&w| w != 0 && w != u16::MAX));
    }

    #[test]
    fn kept_elements_are_scaled_and_dropped_ones_are_zero_in_full_words_and_the_tail() {
        // 37 elements: two full words and 5 in a third; bits alternate.
        let kept = [0b1010_1010_1010_1010u16, 0b0000_0000_1111_0001, 0b1_0110];
        let x: Vec<f32> = (0..37).map(|v| v as f32 + 1.0).collect();
        let want: Vec<f32> = (0..37)
            .map(|e| {
                if kept[e / 16] >> (e % 16) & 1 == 1 {
                    x[e] * 2.5
                } else {
                    0.0
                }
            })
            .collect();
        let mut plain = vec![f32::NAN; 37];
        apply_plain(&mut plain, &x, &kept, 2.5);
        assert_eq!(plain, want);
        assert_eq!(
            &plain[32..],
            &[0.0, 34.0 * 2.5, 35.0 * 2.5, 0.0, 37.0 * 2.5]
        );
        let mut wide = vec![f32::NAN; 37];
        apply_wide(&mut wide, &x, &kept, 2.5);
        assert_eq!(wide, want);
        // Longer arrays: whole words on the vector path, the rest on the
        // plain one, each element with its own bit (lengths not multiples
        // of 16 or of 256).
        let mut lanes = LaneRng::new(8);
        for len in [300usize, 1000, 4099] {
            let mut kept = vec![0u16; len.div_ceil(16)];
            mask_plain(&mut lanes.s, &mut kept, 1 << 31);
            let x: Vec<f32> = (0..len).map(|v| v as f32 - 100.0).collect();
            let (mut plain, mut wide) = (vec![f32::NAN; len], vec![f32::NAN; len]);
            apply_plain(&mut plain, &x, &kept, 2.0);
            apply_wide(&mut wide, &x, &kept, 2.0);
            assert_eq!(wide, plain, "{len} elements");
            let e = len - 1;
            let want = if kept[e / 16] >> (e % 16) & 1 == 1 {
                x[e] * 2.0
            } else {
                0.0
            };
            assert_eq!(plain[e], want);
        }
        // The AVX2 form (the dispatch takes AVX-512 where the CPU has it).
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let mut avx2 = vec![f32::NAN; 32];
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { x86::apply_f32_avx2(&mut avx2, &x[..32], &kept, 2.5) };
            assert_eq!(avx2, want[..32]);
        }
        // f64 through the same words.
        let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let mut out = vec![f64::NAN; 37];
        apply_wide(&mut out, &x64, &kept, 2.5);
        assert_eq!(out, want.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
    }

    #[test]
    fn evaluation_is_the_identity_and_does_not_move_the_generator() {
        let x = Array2::from_shape_fn((9, 7), |(i, j)| (i * 7 + j) as f32 - 20.0);
        let (mut a, mut b) = (
            Dropout::<f32>::new(0.5, 4).unwrap(),
            Dropout::<f32>::new(0.5, 4).unwrap(),
        );
        assert_eq!(a.forward(x.view(), Mode::Eval).unwrap(), x);
        // The next training masks are those of a layer that never evaluated.
        let ya = a.forward(x.view(), Mode::Train).unwrap().to_owned();
        let yb = b.forward(x.view(), Mode::Train).unwrap().to_owned();
        assert_eq!(ya, yb);
        assert_ne!(ya, x);
    }

    #[test]
    fn frozen_masks_are_reused_while_they_cover_the_batch() {
        let x = Array2::from_shape_fn((8, 5), |(i, j)| (i * 5 + j) as f64 + 1.0);
        let mut d = Dropout::<f64>::new(0.5, 6).unwrap();
        d.freeze_randomness(true);
        let first = d.forward(x.view(), Mode::Train).unwrap().to_owned();
        let mask = d.mask();
        assert_eq!(d.forward(x.view(), Mode::Train).unwrap(), first);
        // A smaller batch uses the first rows of the same mask.
        let small = d
            .forward(x.slice(s![..3, ..]), Mode::Train)
            .unwrap()
            .to_owned();
        assert_eq!(small, first.slice(s![..3, ..]));
        assert_eq!(d.mask(), mask);
        // More rows or another width: a new mask of the new shape.
        let tall = Array2::from_shape_fn((12, 5), |(i, j)| (i + j) as f64 + 1.0);
        d.forward(tall.view(), Mode::Train).unwrap();
        assert_eq!(d.mask().dim(), (12, 5));
        let wide = Array2::from_shape_fn((8, 6), |(i, j)| (i + j) as f64 + 1.0);
        let y = d.forward(wide.view(), Mode::Train).unwrap().to_owned();
        assert_eq!(d.mask().dim(), (8, 6));
        assert_eq!(y, &wide * &d.mask());
        // Unfrozen, every call draws anew.
        d.freeze_randomness(false);
        let again = d.forward(wide.view(), Mode::Train).unwrap().to_owned();
        assert_ne!(again, y);
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
        let mask = d.mask();
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
        assert_eq!(yt, &x * &d.mask());
        // The same seed gives the same masks.
        let mut e = Dropout::<f32>::new(0.5, 9).unwrap();
        assert_eq!(e.forward(x.view(), Mode::Train).unwrap(), y);
    }

    #[test]
    fn backward_multiplies_the_gradient_by_the_forward_mask() {
        let mut d = Dropout::<f64>::new(0.4, 21).unwrap();
        let x = Array2::from_shape_fn((6, 9), |(i, j)| (i + j) as f64);
        d.forward(x.view(), Mode::Train).unwrap();
        let mask = d.mask();
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
