//! AVX-512F and AVX2+FMA instances of the small-matrix kernel (`small.rs`),
//! each compiled inside a `#[target_feature]` function so the intrinsics
//! inline into one straight loop nest.
//!
//! The AVX-512 intrinsics are stable since Rust 1.89, the workspace's
//! `rust-version`.

use std::arch::x86_64::*;

use super::small::{Problem, Simd, run};

macro_rules! simd_impl {
    ($name:ident, $reg:ty, $e:ty, $lanes:expr, $mr:expr,
     zero = $zero:ident, splat = $splat:ident, load = $load:ident, store = $store:ident,
     fma = $fma:ident, mul = $mul:ident, hsum = |$v:ident| $hsum:expr) => {
        #[derive(Clone, Copy)]
        pub(crate) struct $name($reg);

        impl Simd for $name {
            type E = $e;
            const L: usize = $lanes;
            const MR: usize = $mr;
            #[inline(always)]
            unsafe fn zero() -> Self {
                // SAFETY: the caller runs with the instruction set enabled.
                Self(unsafe { $zero() })
            }
            #[inline(always)]
            unsafe fn splat(x: $e) -> Self {
                // SAFETY: as above.
                Self(unsafe { $splat(x) })
            }
            #[inline(always)]
            unsafe fn load(p: *const $e) -> Self {
                // SAFETY: `p .. p + L` is readable (caller).
                Self(unsafe { $load(p as _) })
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut $e) {
                // SAFETY: `p .. p + L` is writable (caller).
                unsafe { $store(p as _, self.0) }
            }
            #[inline(always)]
            unsafe fn fma(self, b: Self, c: Self) -> Self {
                // SAFETY: as above.
                Self(unsafe { $fma(self.0, b.0, c.0) })
            }
            #[inline(always)]
            unsafe fn mul(self, b: Self) -> Self {
                // SAFETY: as above.
                Self(unsafe { $mul(self.0, b.0) })
            }
            #[inline(always)]
            unsafe fn hsum(self) -> $e {
                let $v = self.0;
                // SAFETY: as above.
                unsafe { $hsum }
            }
        }
    };
}

simd_impl!(
    Avx512F32,
    __m512,
    f32,
    16,
    8,
    zero = _mm512_setzero_ps,
    splat = _mm512_set1_ps,
    load = _mm512_loadu_ps,
    store = _mm512_storeu_ps,
    fma = _mm512_fmadd_ps,
    mul = _mm512_mul_ps,
    hsum = |v| _mm512_reduce_add_ps(v)
);
simd_impl!(
    Avx512F64,
    __m512d,
    f64,
    8,
    8,
    zero = _mm512_setzero_pd,
    splat = _mm512_set1_pd,
    load = _mm512_loadu_pd,
    store = _mm512_storeu_pd,
    fma = _mm512_fmadd_pd,
    mul = _mm512_mul_pd,
    hsum = |v| _mm512_reduce_add_pd(v)
);
simd_impl!(
    Avx2F32,
    __m256,
    f32,
    8,
    4,
    zero = _mm256_setzero_ps,
    splat = _mm256_set1_ps,
    load = _mm256_loadu_ps,
    store = _mm256_storeu_ps,
    fma = _mm256_fmadd_ps,
    mul = _mm256_mul_ps,
    hsum = |v| {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)))
    }
);
simd_impl!(
    Avx2F64,
    __m256d,
    f64,
    4,
    4,
    zero = _mm256_setzero_pd,
    splat = _mm256_set1_pd,
    load = _mm256_loadu_pd,
    store = _mm256_storeu_pd,
    fma = _mm256_fmadd_pd,
    mul = _mm256_mul_pd,
    hsum = |v| {
        let s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
        _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
    }
);

/// # Safety
/// AVX-512F is available and the [`Problem`] invariants hold.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn avx512_f32(p: &Problem<'_, f32>) -> crate::Result<()> {
    // SAFETY: forwarded.
    unsafe { run::<Avx512F32>(p) }
}

/// # Safety
/// AVX-512F is available and the [`Problem`] invariants hold.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn avx512_f64(p: &Problem<'_, f64>) -> crate::Result<()> {
    // SAFETY: forwarded.
    unsafe { run::<Avx512F64>(p) }
}

/// # Safety
/// AVX2 and FMA are available and the [`Problem`] invariants hold.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn avx2_f32(p: &Problem<'_, f32>) -> crate::Result<()> {
    // SAFETY: forwarded.
    unsafe { run::<Avx2F32>(p) }
}

/// # Safety
/// AVX2 and FMA are available and the [`Problem`] invariants hold.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn avx2_f64(p: &Problem<'_, f64>) -> crate::Result<()> {
    // SAFETY: forwarded.
    unsafe { run::<Avx2F64>(p) }
}
