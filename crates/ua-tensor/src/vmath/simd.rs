//! The lane types the vmath algorithms are written against: one trait,
//! [`Vector`], implemented for AVX-512F and AVX2+FMA registers of `f32` and
//! `f64`, and for a single scalar lane (with or without fused multiply-add).
//!
//! Every operation is IEEE-exact (add, sub, mul, div, fma, min, max,
//! compares, bit manipulation), so one algorithm evaluated through the
//! 16-lane, 8-lane or 1-lane fused type gives *the same bits* (AVX2 and
//! AVX-512 agree; the one-lane types serve the horizontal steps of the
//! reductions and the portable path).
//!
//! # Safety
//!
//! All methods are `unsafe`: a value of an AVX type may only be created and
//! used inside a function compiled with the matching target features, which
//! the dispatcher enters only after `is_x86_feature_detected!` said yes;
//! `load`/`store` take raw pointers the caller must keep in bounds.

/// Element types: `f32`, `f64`.
pub(crate) trait Float: Copy + PartialOrd + 'static {
    fn from_f64(v: f64) -> Self;
}

impl Float for f32 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl Float for f64 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}

/// A register of `LANES` elements (see the module docs for the safety rule).
///
/// `max`/`min` have the x86 semantics (`max(a, b) = if a > b { a } else { b }`):
/// when either operand is NaN the *second* one is returned, which the
/// algorithms use to let NaN through a clamp.
#[allow(clippy::missing_safety_doc)]
pub(crate) trait Vector: Copy {
    type Elem: Float;
    type Mask: Copy;
    const LANES: usize;
    unsafe fn load(p: *const Self::Elem) -> Self;
    unsafe fn store(self, p: *mut Self::Elem);
    /// The first `n < LANES` elements at `p`, the other lanes `pad` (masked
    /// load: nothing past `p + n` is read).
    unsafe fn load_partial(p: *const Self::Elem, n: usize, pad: Self::Elem) -> Self;
    /// Writes the first `n < LANES` lanes to `p` (masked store).
    unsafe fn store_partial(self, p: *mut Self::Elem, n: usize);
    unsafe fn splat(v: Self::Elem) -> Self;
    #[inline(always)]
    unsafe fn lit(v: f64) -> Self {
        unsafe { Self::splat(Self::Elem::from_f64(v)) }
    }
    unsafe fn add(self, o: Self) -> Self;
    unsafe fn sub(self, o: Self) -> Self;
    unsafe fn mul(self, o: Self) -> Self;
    unsafe fn div(self, o: Self) -> Self;
    /// `self · b + c`, rounded once on the FMA types, twice on the plain one.
    unsafe fn fma(self, b: Self, c: Self) -> Self;
    unsafe fn max(self, o: Self) -> Self;
    unsafe fn min(self, o: Self) -> Self;
    unsafe fn abs(self) -> Self;
    unsafe fn lt(self, o: Self) -> Self::Mask;
    unsafe fn eq(self, o: Self) -> Self::Mask;
    unsafe fn is_nan(self) -> Self::Mask;
    /// `if m { t } else { f }` per lane.
    unsafe fn select(m: Self::Mask, t: Self, f: Self) -> Self;
    /// Round to the nearest integer (ties to even), valid for `|x| < 2^22`
    /// (`f32`) / `2^51` (`f64`).
    unsafe fn round(self) -> Self;
    /// `2^k` for integer-valued `k` in the normal exponent range
    /// (`[-126, 127]` for `f32`, `[-1022, 1023]` for `f64`).
    unsafe fn pow2i(self) -> Self;
    /// For positive, finite, *normal* `x`: `(e, m)` with `x = m · 2^e`,
    /// `m ∈ [0.5, 1)`, `e` integer-valued.
    unsafe fn frexp(self) -> (Self, Self);
    /// The lanes, first to last, into `out[..LANES]`.
    unsafe fn to_slice(self, out: &mut [Self::Elem]);
    /// Sum of the lanes (a fixed tree order per type).
    unsafe fn hsum(self) -> Self::Elem;
    /// Maximum of the lanes (a fixed tree order per type).
    unsafe fn hmax(self) -> Self::Elem;
}

/// One scalar lane. `FUSED` selects a single-rounding `fma` (`mul_add`, a
/// hardware FMA inside the AVX2/AVX-512 functions) or `a·b + c` (the
/// portable path, where `mul_add` would be a slow software call).
#[derive(Clone, Copy)]
pub(crate) struct Lane<E, const FUSED: bool>(pub E);

/// Bit layout constants of one precision.
macro_rules! scalar_lane {
    ($e:ty, $bits:ty, $mant:expr, $bias:expr, $magic:expr, $emagic_bits:expr, $half_bits:expr, $mant_mask:expr) => {
        impl<const FUSED: bool> Vector for Lane<$e, FUSED> {
            type Elem = $e;
            type Mask = bool;
            const LANES: usize = 1;
            #[inline(always)]
            unsafe fn load(p: *const $e) -> Self {
                unsafe { Lane(p.read()) }
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut $e) {
                unsafe { p.write(self.0) }
            }
            #[inline(always)]
            unsafe fn load_partial(_: *const $e, _: usize, pad: $e) -> Self {
                Lane(pad)
            }
            #[inline(always)]
            unsafe fn store_partial(self, _: *mut $e, _: usize) {}
            #[inline(always)]
            unsafe fn splat(v: $e) -> Self {
                Lane(v)
            }
            #[inline(always)]
            unsafe fn add(self, o: Self) -> Self {
                Lane(self.0 + o.0)
            }
            #[inline(always)]
            unsafe fn sub(self, o: Self) -> Self {
                Lane(self.0 - o.0)
            }
            #[inline(always)]
            unsafe fn mul(self, o: Self) -> Self {
                Lane(self.0 * o.0)
            }
            #[inline(always)]
            unsafe fn div(self, o: Self) -> Self {
                Lane(self.0 / o.0)
            }
            #[inline(always)]
            unsafe fn fma(self, b: Self, c: Self) -> Self {
                if FUSED {
                    Lane(self.0.mul_add(b.0, c.0))
                } else {
                    Lane(self.0 * b.0 + c.0)
                }
            }
            #[inline(always)]
            unsafe fn max(self, o: Self) -> Self {
                if self.0 > o.0 { self } else { o }
            }
            #[inline(always)]
            unsafe fn min(self, o: Self) -> Self {
                if self.0 < o.0 { self } else { o }
            }
            #[inline(always)]
            unsafe fn abs(self) -> Self {
                Lane(self.0.abs())
            }
            #[inline(always)]
            unsafe fn lt(self, o: Self) -> bool {
                self.0 < o.0
            }
            #[inline(always)]
            unsafe fn eq(self, o: Self) -> bool {
                self.0 == o.0
            }
            #[inline(always)]
            unsafe fn is_nan(self) -> bool {
                self.0.is_nan()
            }
            #[inline(always)]
            unsafe fn select(m: bool, t: Self, f: Self) -> Self {
                if m { t } else { f }
            }
            #[inline(always)]
            unsafe fn round(self) -> Self {
                let magic: $e = $magic;
                Lane((self.0 + magic) - magic)
            }
            #[inline(always)]
            unsafe fn pow2i(self) -> Self {
                let magic: $e = $magic;
                let b = (self.0 + magic).to_bits().wrapping_add($bias) << $mant;
                Lane(<$e>::from_bits(b))
            }
            #[inline(always)]
            unsafe fn frexp(self) -> (Self, Self) {
                let bits = self.0.to_bits();
                let two_mant: $e = <$e>::from_bits($emagic_bits);
                let e = <$e>::from_bits($emagic_bits | (bits >> $mant)) - two_mant
                    - <$e>::from_f64(($bias - 1) as f64);
                let m = <$e>::from_bits((bits & $mant_mask) | $half_bits);
                (Lane(e), Lane(m))
            }
            #[inline(always)]
            unsafe fn to_slice(self, out: &mut [$e]) {
                out[0] = self.0;
            }
            #[inline(always)]
            unsafe fn hsum(self) -> $e {
                self.0
            }
            #[inline(always)]
            unsafe fn hmax(self) -> $e {
                self.0
            }
        }
    };
}

scalar_lane!(
    f32,
    u32,
    23,
    127u32,
    12_582_912.0,
    0x4B00_0000u32,
    0x3F00_0000u32,
    0x807F_FFFFu32
);
scalar_lane!(
    f64,
    u64,
    52,
    1023u64,
    6_755_399_441_055_744.0,
    0x4330_0000_0000_0000u64,
    0x3FE0_0000_0000_0000u64,
    0x800F_FFFF_FFFF_FFFFu64
);

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::*;

// AVX-512 intrinsics and `target_feature(enable = "avx512f")` are stable
// since Rust 1.89, the workspace's `rust-version`.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Vector;
    use std::arch::x86_64::*;

    /// All-ones in the first `n` of 8 32-bit lanes (AVX2 masked load/store).
    #[inline(always)]
    unsafe fn mask32x8(n: usize) -> __m256i {
        unsafe {
            _mm256_cmpgt_epi32(
                _mm256_set1_epi32(n as i32),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            )
        }
    }

    /// All-ones in the first `n` of 4 64-bit lanes.
    #[inline(always)]
    unsafe fn mask64x4(n: usize) -> __m256i {
        unsafe { _mm256_cmpgt_epi64(_mm256_set1_epi64x(n as i64), _mm256_setr_epi64x(0, 1, 2, 3)) }
    }

    /// 16 × `f32` in an AVX-512 register.
    #[derive(Clone, Copy)]
    pub(crate) struct F32x16(__m512);
    /// 8 × `f64` in an AVX-512 register.
    #[derive(Clone, Copy)]
    pub(crate) struct F64x8(__m512d);
    /// 8 × `f32` in an AVX2 register.
    #[derive(Clone, Copy)]
    pub(crate) struct F32x8(__m256);
    /// 4 × `f64` in an AVX2 register.
    #[derive(Clone, Copy)]
    pub(crate) struct F64x4(__m256d);

    impl Vector for F32x16 {
        type Elem = f32;
        type Mask = __mmask16;
        const LANES: usize = 16;
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            unsafe { F32x16(_mm512_loadu_ps(p)) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            unsafe { _mm512_storeu_ps(p, self.0) }
        }
        #[inline(always)]
        unsafe fn load_partial(p: *const f32, n: usize, pad: f32) -> Self {
            unsafe {
                let m = ((1u32 << n) - 1) as __mmask16;
                F32x16(_mm512_mask_loadu_ps(_mm512_set1_ps(pad), m, p))
            }
        }
        #[inline(always)]
        unsafe fn store_partial(self, p: *mut f32, n: usize) {
            unsafe { _mm512_mask_storeu_ps(p, ((1u32 << n) - 1) as __mmask16, self.0) }
        }
        #[inline(always)]
        unsafe fn splat(v: f32) -> Self {
            unsafe { F32x16(_mm512_set1_ps(v)) }
        }
        #[inline(always)]
        unsafe fn add(self, o: Self) -> Self {
            unsafe { F32x16(_mm512_add_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn sub(self, o: Self) -> Self {
            unsafe { F32x16(_mm512_sub_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn mul(self, o: Self) -> Self {
            unsafe { F32x16(_mm512_mul_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn div(self, o: Self) -> Self {
            unsafe { F32x16(_mm512_div_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn fma(self, b: Self, c: Self) -> Self {
            unsafe { F32x16(_mm512_fmadd_ps(self.0, b.0, c.0)) }
        }
        #[inline(always)]
        unsafe fn max(self, o: Self) -> Self {
            unsafe { F32x16(_mm512_max_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn min(self, o: Self) -> Self {
            unsafe { F32x16(_mm512_min_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn abs(self) -> Self {
            unsafe { F32x16(_mm512_abs_ps(self.0)) }
        }
        #[inline(always)]
        unsafe fn lt(self, o: Self) -> __mmask16 {
            unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn eq(self, o: Self) -> __mmask16 {
            unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn is_nan(self) -> __mmask16 {
            unsafe { _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(self.0, self.0) }
        }
        #[inline(always)]
        unsafe fn select(m: __mmask16, t: Self, f: Self) -> Self {
            unsafe { F32x16(_mm512_mask_blend_ps(m, f.0, t.0)) }
        }
        #[inline(always)]
        unsafe fn round(self) -> Self {
            unsafe {
                let magic = _mm512_set1_ps(12_582_912.0);
                F32x16(_mm512_sub_ps(_mm512_add_ps(self.0, magic), magic))
            }
        }
        #[inline(always)]
        unsafe fn pow2i(self) -> Self {
            unsafe {
                let t = _mm512_castps_si512(_mm512_add_ps(self.0, _mm512_set1_ps(12_582_912.0)));
                let b = _mm512_slli_epi32::<23>(_mm512_add_epi32(t, _mm512_set1_epi32(127)));
                F32x16(_mm512_castsi512_ps(b))
            }
        }
        #[inline(always)]
        unsafe fn frexp(self) -> (Self, Self) {
            unsafe {
                let bits = _mm512_castps_si512(self.0);
                let magic = _mm512_set1_epi32(0x4B00_0000);
                let eb = _mm512_castsi512_ps(_mm512_or_si512(magic, _mm512_srli_epi32::<23>(bits)));
                let e = _mm512_sub_ps(eb, _mm512_set1_ps(8_388_608.0 + 126.0));
                let m = _mm512_or_si512(
                    _mm512_and_si512(bits, _mm512_set1_epi32(0x807F_FFFFu32 as i32)),
                    _mm512_set1_epi32(0x3F00_0000),
                );
                (F32x16(e), F32x16(_mm512_castsi512_ps(m)))
            }
        }
        #[inline(always)]
        unsafe fn hsum(self) -> f32 {
            unsafe { _mm512_reduce_add_ps(self.0) }
        }
        #[inline(always)]
        unsafe fn hmax(self) -> f32 {
            unsafe { _mm512_reduce_max_ps(self.0) }
        }
        #[inline(always)]
        unsafe fn to_slice(self, out: &mut [f32]) {
            unsafe { _mm512_storeu_ps(out[..16].as_mut_ptr(), self.0) }
        }
    }

    impl Vector for F64x8 {
        type Elem = f64;
        type Mask = __mmask8;
        const LANES: usize = 8;
        #[inline(always)]
        unsafe fn load(p: *const f64) -> Self {
            unsafe { F64x8(_mm512_loadu_pd(p)) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f64) {
            unsafe { _mm512_storeu_pd(p, self.0) }
        }
        #[inline(always)]
        unsafe fn load_partial(p: *const f64, n: usize, pad: f64) -> Self {
            unsafe {
                let m = ((1u32 << n) - 1) as __mmask8;
                F64x8(_mm512_mask_loadu_pd(_mm512_set1_pd(pad), m, p))
            }
        }
        #[inline(always)]
        unsafe fn store_partial(self, p: *mut f64, n: usize) {
            unsafe { _mm512_mask_storeu_pd(p, ((1u32 << n) - 1) as __mmask8, self.0) }
        }
        #[inline(always)]
        unsafe fn splat(v: f64) -> Self {
            unsafe { F64x8(_mm512_set1_pd(v)) }
        }
        #[inline(always)]
        unsafe fn add(self, o: Self) -> Self {
            unsafe { F64x8(_mm512_add_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn sub(self, o: Self) -> Self {
            unsafe { F64x8(_mm512_sub_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn mul(self, o: Self) -> Self {
            unsafe { F64x8(_mm512_mul_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn div(self, o: Self) -> Self {
            unsafe { F64x8(_mm512_div_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn fma(self, b: Self, c: Self) -> Self {
            unsafe { F64x8(_mm512_fmadd_pd(self.0, b.0, c.0)) }
        }
        #[inline(always)]
        unsafe fn max(self, o: Self) -> Self {
            unsafe { F64x8(_mm512_max_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn min(self, o: Self) -> Self {
            unsafe { F64x8(_mm512_min_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn abs(self) -> Self {
            unsafe { F64x8(_mm512_abs_pd(self.0)) }
        }
        #[inline(always)]
        unsafe fn lt(self, o: Self) -> __mmask8 {
            unsafe { _mm512_cmp_pd_mask::<_CMP_LT_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn eq(self, o: Self) -> __mmask8 {
            unsafe { _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn is_nan(self) -> __mmask8 {
            unsafe { _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(self.0, self.0) }
        }
        #[inline(always)]
        unsafe fn select(m: __mmask8, t: Self, f: Self) -> Self {
            unsafe { F64x8(_mm512_mask_blend_pd(m, f.0, t.0)) }
        }
        #[inline(always)]
        unsafe fn round(self) -> Self {
            unsafe {
                let magic = _mm512_set1_pd(6_755_399_441_055_744.0);
                F64x8(_mm512_sub_pd(_mm512_add_pd(self.0, magic), magic))
            }
        }
        #[inline(always)]
        unsafe fn pow2i(self) -> Self {
            unsafe {
                let t = _mm512_castpd_si512(_mm512_add_pd(
                    self.0,
                    _mm512_set1_pd(6_755_399_441_055_744.0),
                ));
                let b = _mm512_slli_epi64::<52>(_mm512_add_epi64(t, _mm512_set1_epi64(1023)));
                F64x8(_mm512_castsi512_pd(b))
            }
        }
        #[inline(always)]
        unsafe fn frexp(self) -> (Self, Self) {
            unsafe {
                let bits = _mm512_castpd_si512(self.0);
                let magic = _mm512_set1_epi64(0x4330_0000_0000_0000);
                let eb = _mm512_castsi512_pd(_mm512_or_si512(magic, _mm512_srli_epi64::<52>(bits)));
                let e = _mm512_sub_pd(eb, _mm512_set1_pd(4_503_599_627_370_496.0 + 1022.0));
                let m = _mm512_or_si512(
                    _mm512_and_si512(bits, _mm512_set1_epi64(0x800F_FFFF_FFFF_FFFFu64 as i64)),
                    _mm512_set1_epi64(0x3FE0_0000_0000_0000),
                );
                (F64x8(e), F64x8(_mm512_castsi512_pd(m)))
            }
        }
        #[inline(always)]
        unsafe fn hsum(self) -> f64 {
            unsafe { _mm512_reduce_add_pd(self.0) }
        }
        #[inline(always)]
        unsafe fn hmax(self) -> f64 {
            unsafe { _mm512_reduce_max_pd(self.0) }
        }
        #[inline(always)]
        unsafe fn to_slice(self, out: &mut [f64]) {
            unsafe { _mm512_storeu_pd(out[..8].as_mut_ptr(), self.0) }
        }
    }

    impl Vector for F32x8 {
        type Elem = f32;
        type Mask = __m256;
        const LANES: usize = 8;
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            unsafe { F32x8(_mm256_loadu_ps(p)) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            unsafe { _mm256_storeu_ps(p, self.0) }
        }
        #[inline(always)]
        unsafe fn load_partial(p: *const f32, n: usize, pad: f32) -> Self {
            unsafe {
                let m = mask32x8(n);
                let v = _mm256_maskload_ps(p, m);
                F32x8(_mm256_blendv_ps(
                    _mm256_set1_ps(pad),
                    v,
                    _mm256_castsi256_ps(m),
                ))
            }
        }
        #[inline(always)]
        unsafe fn store_partial(self, p: *mut f32, n: usize) {
            unsafe { _mm256_maskstore_ps(p, mask32x8(n), self.0) }
        }
        #[inline(always)]
        unsafe fn splat(v: f32) -> Self {
            unsafe { F32x8(_mm256_set1_ps(v)) }
        }
        #[inline(always)]
        unsafe fn add(self, o: Self) -> Self {
            unsafe { F32x8(_mm256_add_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn sub(self, o: Self) -> Self {
            unsafe { F32x8(_mm256_sub_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn mul(self, o: Self) -> Self {
            unsafe { F32x8(_mm256_mul_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn div(self, o: Self) -> Self {
            unsafe { F32x8(_mm256_div_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn fma(self, b: Self, c: Self) -> Self {
            unsafe { F32x8(_mm256_fmadd_ps(self.0, b.0, c.0)) }
        }
        #[inline(always)]
        unsafe fn max(self, o: Self) -> Self {
            unsafe { F32x8(_mm256_max_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn min(self, o: Self) -> Self {
            unsafe { F32x8(_mm256_min_ps(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn abs(self) -> Self {
            unsafe {
                let m = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF));
                F32x8(_mm256_and_ps(self.0, m))
            }
        }
        #[inline(always)]
        unsafe fn lt(self, o: Self) -> __m256 {
            unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn eq(self, o: Self) -> __m256 {
            unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn is_nan(self) -> __m256 {
            unsafe { _mm256_cmp_ps::<_CMP_UNORD_Q>(self.0, self.0) }
        }
        #[inline(always)]
        unsafe fn select(m: __m256, t: Self, f: Self) -> Self {
            unsafe { F32x8(_mm256_blendv_ps(f.0, t.0, m)) }
        }
        #[inline(always)]
        unsafe fn round(self) -> Self {
            unsafe {
                let magic = _mm256_set1_ps(12_582_912.0);
                F32x8(_mm256_sub_ps(_mm256_add_ps(self.0, magic), magic))
            }
        }
        #[inline(always)]
        unsafe fn pow2i(self) -> Self {
            unsafe {
                let t = _mm256_castps_si256(_mm256_add_ps(self.0, _mm256_set1_ps(12_582_912.0)));
                let b = _mm256_slli_epi32::<23>(_mm256_add_epi32(t, _mm256_set1_epi32(127)));
                F32x8(_mm256_castsi256_ps(b))
            }
        }
        #[inline(always)]
        unsafe fn frexp(self) -> (Self, Self) {
            unsafe {
                let bits = _mm256_castps_si256(self.0);
                let magic = _mm256_set1_epi32(0x4B00_0000);
                let eb = _mm256_castsi256_ps(_mm256_or_si256(magic, _mm256_srli_epi32::<23>(bits)));
                let e = _mm256_sub_ps(eb, _mm256_set1_ps(8_388_608.0 + 126.0));
                let m = _mm256_or_si256(
                    _mm256_and_si256(bits, _mm256_set1_epi32(0x807F_FFFFu32 as i32)),
                    _mm256_set1_epi32(0x3F00_0000),
                );
                (F32x8(e), F32x8(_mm256_castsi256_ps(m)))
            }
        }
        #[inline(always)]
        unsafe fn hsum(self) -> f32 {
            unsafe {
                let v = _mm_add_ps(
                    _mm256_castps256_ps128(self.0),
                    _mm256_extractf128_ps::<1>(self.0),
                );
                let v = _mm_add_ps(v, _mm_movehl_ps(v, v));
                _mm_cvtss_f32(_mm_add_ss(v, _mm_shuffle_ps::<0b01>(v, v)))
            }
        }
        #[inline(always)]
        unsafe fn hmax(self) -> f32 {
            unsafe {
                let v = _mm_max_ps(
                    _mm256_castps256_ps128(self.0),
                    _mm256_extractf128_ps::<1>(self.0),
                );
                let v = _mm_max_ps(v, _mm_movehl_ps(v, v));
                _mm_cvtss_f32(_mm_max_ss(v, _mm_shuffle_ps::<0b01>(v, v)))
            }
        }
        #[inline(always)]
        unsafe fn to_slice(self, out: &mut [f32]) {
            unsafe { _mm256_storeu_ps(out[..8].as_mut_ptr(), self.0) }
        }
    }

    impl Vector for F64x4 {
        type Elem = f64;
        type Mask = __m256d;
        const LANES: usize = 4;
        #[inline(always)]
        unsafe fn load(p: *const f64) -> Self {
            unsafe { F64x4(_mm256_loadu_pd(p)) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f64) {
            unsafe { _mm256_storeu_pd(p, self.0) }
        }
        #[inline(always)]
        unsafe fn load_partial(p: *const f64, n: usize, pad: f64) -> Self {
            unsafe {
                let m = mask64x4(n);
                let v = _mm256_maskload_pd(p, m);
                F64x4(_mm256_blendv_pd(
                    _mm256_set1_pd(pad),
                    v,
                    _mm256_castsi256_pd(m),
                ))
            }
        }
        #[inline(always)]
        unsafe fn store_partial(self, p: *mut f64, n: usize) {
            unsafe { _mm256_maskstore_pd(p, mask64x4(n), self.0) }
        }
        #[inline(always)]
        unsafe fn splat(v: f64) -> Self {
            unsafe { F64x4(_mm256_set1_pd(v)) }
        }
        #[inline(always)]
        unsafe fn add(self, o: Self) -> Self {
            unsafe { F64x4(_mm256_add_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn sub(self, o: Self) -> Self {
            unsafe { F64x4(_mm256_sub_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn mul(self, o: Self) -> Self {
            unsafe { F64x4(_mm256_mul_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn div(self, o: Self) -> Self {
            unsafe { F64x4(_mm256_div_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn fma(self, b: Self, c: Self) -> Self {
            unsafe { F64x4(_mm256_fmadd_pd(self.0, b.0, c.0)) }
        }
        #[inline(always)]
        unsafe fn max(self, o: Self) -> Self {
            unsafe { F64x4(_mm256_max_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn min(self, o: Self) -> Self {
            unsafe { F64x4(_mm256_min_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn abs(self) -> Self {
            unsafe {
                let m = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFF_FFFF_FFFF_FFFF));
                F64x4(_mm256_and_pd(self.0, m))
            }
        }
        #[inline(always)]
        unsafe fn lt(self, o: Self) -> __m256d {
            unsafe { _mm256_cmp_pd::<_CMP_LT_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn eq(self, o: Self) -> __m256d {
            unsafe { _mm256_cmp_pd::<_CMP_EQ_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        unsafe fn is_nan(self) -> __m256d {
            unsafe { _mm256_cmp_pd::<_CMP_UNORD_Q>(self.0, self.0) }
        }
        #[inline(always)]
        unsafe fn select(m: __m256d, t: Self, f: Self) -> Self {
            unsafe { F64x4(_mm256_blendv_pd(f.0, t.0, m)) }
        }
        #[inline(always)]
        unsafe fn round(self) -> Self {
            unsafe {
                let magic = _mm256_set1_pd(6_755_399_441_055_744.0);
                F64x4(_mm256_sub_pd(_mm256_add_pd(self.0, magic), magic))
            }
        }
        #[inline(always)]
        unsafe fn pow2i(self) -> Self {
            unsafe {
                let t = _mm256_castpd_si256(_mm256_add_pd(
                    self.0,
                    _mm256_set1_pd(6_755_399_441_055_744.0),
                ));
                let b = _mm256_slli_epi64::<52>(_mm256_add_epi64(t, _mm256_set1_epi64x(1023)));
                F64x4(_mm256_castsi256_pd(b))
            }
        }
        #[inline(always)]
        unsafe fn frexp(self) -> (Self, Self) {
            unsafe {
                let bits = _mm256_castpd_si256(self.0);
                let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000);
                let eb = _mm256_castsi256_pd(_mm256_or_si256(magic, _mm256_srli_epi64::<52>(bits)));
                let e = _mm256_sub_pd(eb, _mm256_set1_pd(4_503_599_627_370_496.0 + 1022.0));
                let m = _mm256_or_si256(
                    _mm256_and_si256(bits, _mm256_set1_epi64x(0x800F_FFFF_FFFF_FFFFu64 as i64)),
                    _mm256_set1_epi64x(0x3FE0_0000_0000_0000),
                );
                (F64x4(e), F64x4(_mm256_castsi256_pd(m)))
            }
        }
        #[inline(always)]
        unsafe fn hsum(self) -> f64 {
            unsafe {
                let v = _mm_add_pd(
                    _mm256_castpd256_pd128(self.0),
                    _mm256_extractf128_pd::<1>(self.0),
                );
                _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)))
            }
        }
        #[inline(always)]
        unsafe fn hmax(self) -> f64 {
            unsafe {
                let v = _mm_max_pd(
                    _mm256_castpd256_pd128(self.0),
                    _mm256_extractf128_pd::<1>(self.0),
                );
                _mm_cvtsd_f64(_mm_max_sd(v, _mm_unpackhi_pd(v, v)))
            }
        }
        #[inline(always)]
        unsafe fn to_slice(self, out: &mut [f64]) {
            unsafe { _mm256_storeu_pd(out[..4].as_mut_ptr(), self.0) }
        }
    }
}
