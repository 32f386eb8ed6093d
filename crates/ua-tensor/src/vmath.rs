//! Vectorised transcendental functions over slices: `exp`, `ln`, sigmoid,
//! softplus, `tanh`, log-sum-exp, softmax and log-softmax.
//!
//! The hot element-wise passes of the library (sigmoid and tanh
//! activations, softmax rows, the logistic and softmax losses) spend their
//! time here. Each function is written once against a small lane
//! abstraction and compiled three times: **AVX-512F** (16 `f32` / 8 `f64`
//! lanes), **AVX2 + FMA** (8 / 4 lanes) and a **portable** scalar version.
//! The instruction set is detected once at run time
//! (`is_x86_feature_detected!`, cached); [`Kernels::new`] forces one, for
//! tests and benchmarks.
//!
//! # Accuracy
//!
//! `f32` results are measured against `f64` references (the platform
//! `libm` in `f64`, ≲ 1e-16 relative — exact for `f32` purposes) over ≥ 1 M
//! points of each function's range plus its edges; the tests in this module
//! assert these bounds on every instruction set the machine has (the
//! measured maxima are the same on AVX-512, AVX2 and portable):
//!
//! | function (tested range) | `f32` bound (measured max) | `f64` bound vs. `f64` libm (measured max) |
//! | --- | --- | --- |
//! | [`exp_inplace`] (`[-104, 89]` / `[-746, 710]`, subnormal results included) | 1 ulp (0.99) | 1 ulp (1) |
//! | [`ln_inplace`] (smallest subnormal … `MAX`) | 1 ulp (0.82) | 1 ulp (1) |
//! | [`sigmoid_inplace`] (`±1e4`) | 2 ulp (1.98) | 2 ulp (2) |
//! | [`softplus_inplace`] (`±1e4`) | 2 ulp (1.71) | 2 ulp (2) |
//! | [`tanh_inplace`] (`±20` / `±40`) | 2 ulp (1.21) | 2 ulp (2) |
//!
//! The `f64` column is the distance to the platform `libm` (for sigmoid and
//! softplus: to the `libm`-based formulas of [`crate::stable`]), whose own
//! error is about half an ulp; the true error is within that sum.
//!
//! [`log_sum_exp`], [`softmax_inplace`] and [`log_softmax_inplace`] are
//! shifted by the slice maximum (so `±1e4` inputs are fine) and add only the
//! rounding of one sum of `n` terms to the element bounds above. Slices
//! shorter than 16 elements take the scalar `libm` formulas there (a short
//! row is one dependent chain in vector form and was not faster).
//!
//! Special values follow `libm`: `exp(−∞) = 0`, `exp(+∞) = +∞`, overflow to
//! `+∞` above `ln(MAX)`, gradual underflow to subnormals and 0; `ln 0 = −∞`,
//! `ln x<0 = NaN`, `ln +∞ = +∞`; sigmoid, softplus and tanh saturate
//! correctly at `±∞`; NaN in gives NaN out everywhere.
//!
//! # Reproducibility
//!
//! Within one instruction set an element's result does not depend on where
//! it sits in the slice or how long the slice is: the tail of a slice
//! (fewer elements than a register holds) is copied into a padded register
//! and runs the same vector code as the body. AVX2 and AVX-512 give the same
//! bits for the element-wise functions; the portable version (no FMA) may
//! differ in the last bit. Sums (log-sum-exp, softmax) are accumulated per
//! lane, so they differ between instruction sets within the bounds above.
//!
//! ```
//! use ua_tensor::vmath;
//! let mut v = [0.0f32, 1.0, -1e4, 1e4];
//! vmath::sigmoid_inplace(&mut v);
//! assert_eq!(v, [0.5, 0.731_058_6, 0.0, 1.0]);
//! let mut p = [1.0f64, 1.0];
//! vmath::softmax_inplace(&mut p);
//! assert_eq!(p, [0.5, 0.5]);
//! ```

mod kernels;
mod simd;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU8, Ordering};

use kernels::{Exp, Ln, MapOp, Sigmoid, Softplus, Tanh};

use crate::Scalar;

/// An instruction set the vmath kernels are compiled for.
///
/// ```
/// use ua_tensor::vmath::Isa;
/// assert!(Isa::Portable.is_available());
/// assert!(Isa::available().contains(&Isa::detected()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// AVX-512F (x86-64): 16 `f32` or 8 `f64` lanes, fused multiply-add.
    Avx512,
    /// AVX2 with FMA (x86-64): 8 `f32` or 4 `f64` lanes.
    Avx2Fma,
    /// Plain scalar code for any CPU (no fused multiply-add).
    Portable,
}

impl Isa {
    /// Every instruction set, fastest first.
    pub const ALL: [Isa; 3] = [Isa::Avx512, Isa::Avx2Fma, Isa::Portable];

    /// Whether this CPU can run the instruction set.
    ///
    /// ```
    /// use ua_tensor::vmath::Isa;
    /// assert!(Isa::Portable.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The instruction sets this CPU can run, fastest first.
    ///
    /// ```
    /// use ua_tensor::vmath::Isa;
    /// assert_eq!(Isa::available().last(), Some(&Isa::Portable));
    /// ```
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// The fastest available instruction set (detected once, then cached).
    ///
    /// ```
    /// use ua_tensor::vmath::Isa;
    /// assert!(Isa::detected().is_available());
    /// ```
    pub fn detected() -> Isa {
        static CACHE: AtomicU8 = AtomicU8::new(u8::MAX);
        let c = CACHE.load(Ordering::Relaxed);
        if let Some(&isa) = Isa::ALL.get(usize::from(c)) {
            return isa;
        }
        let isa = Isa::available()[0];
        let idx = Isa::ALL.iter().position(|&i| i == isa).unwrap_or(2);
        CACHE.store(idx as u8, Ordering::Relaxed);
        isa
    }
}

/// The vmath functions bound to one instruction set.
///
/// The free functions of this module use [`Kernels::detected`]; build one
/// with [`Kernels::new`] to force an instruction set (tests, benchmarks,
/// reproducing a result of another machine).
///
/// ```
/// use ua_tensor::vmath::{Isa, Kernels};
/// let k = Kernels::new(Isa::Portable).unwrap();
/// let mut v = [0.0f64, 1.0];
/// k.exp_inplace(&mut v);
/// assert_eq!(v[0], 1.0);
/// assert!((v[1] - std::f64::consts::E).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernels {
    isa: Isa,
}

/// Runs `$body` with `$m` bound to the entry-point module of `$isa`.
macro_rules! with_isa {
    ($isa:expr, $m:ident => $body:expr) => {{
        match $isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a `Kernels` with this ISA exists only when
            // `is_available()` said so (checked in `Kernels::new`).
            Isa::Avx512 => unsafe {
                use kernels::avx512 as $m;
                $body
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2Fma => unsafe {
                use kernels::avx2 as $m;
                $body
            },
            // SAFETY: the portable entry points need no CPU feature.
            _ => unsafe {
                use kernels::portable as $m;
                $body
            },
        }
    }};
}

impl Kernels {
    /// The kernels of `isa`, or `None` when this CPU cannot run it.
    ///
    /// ```
    /// use ua_tensor::vmath::{Isa, Kernels};
    /// assert!(Kernels::new(Isa::Portable).is_some());
    /// assert_eq!(Kernels::new(Isa::Avx512).is_some(), Isa::Avx512.is_available());
    /// ```
    pub fn new(isa: Isa) -> Option<Kernels> {
        isa.is_available().then_some(Kernels { isa })
    }

    /// The kernels of the fastest instruction set of this CPU.
    ///
    /// ```
    /// use ua_tensor::vmath::{Isa, Kernels};
    /// assert_eq!(Kernels::detected().isa(), Isa::detected());
    /// ```
    pub fn detected() -> Kernels {
        Kernels {
            isa: Isa::detected(),
        }
    }

    /// The instruction set these kernels run on.
    ///
    /// ```
    /// use ua_tensor::vmath::{Isa, Kernels};
    /// assert_eq!(Kernels::new(Isa::Portable).unwrap().isa(), Isa::Portable);
    /// ```
    pub fn isa(self) -> Isa {
        self.isa
    }

    fn map<S: Scalar, O: MapOp>(self, xs: &mut [S], scalar: impl Fn(S) -> S) {
        if let Some(v) = S::as_f32_slice_mut(xs) {
            with_isa!(self.isa, m => m::map_slice::<f32, O>(v));
        } else if let Some(v) = S::as_f64_slice_mut(xs) {
            with_isa!(self.isa, m => m::map_slice::<f64, O>(v));
        } else {
            xs.iter_mut().for_each(|x| *x = scalar(*x));
        }
    }

    /// `x ← eˣ` for every element (see the [module docs](self) for the
    /// accuracy and the special values).
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let mut v = [0.0f32, -200.0, 200.0, f32::NAN];
    /// Kernels::detected().exp_inplace(&mut v);
    /// assert_eq!(&v[..3], &[1.0, 0.0, f32::INFINITY]);
    /// assert!(v[3].is_nan());
    /// ```
    pub fn exp_inplace<S: Scalar>(self, xs: &mut [S]) {
        self.map::<S, Exp>(xs, S::exp);
    }

    /// `x ← ln x` for every element (`ln 0 = −∞`, negative → NaN).
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let mut v = [1.0f64, 0.0, -1.0];
    /// Kernels::detected().ln_inplace(&mut v);
    /// assert_eq!(&v[..2], &[0.0, f64::NEG_INFINITY]);
    /// assert!(v[2].is_nan());
    /// ```
    pub fn ln_inplace<S: Scalar>(self, xs: &mut [S]) {
        self.map::<S, Ln>(xs, S::ln);
    }

    /// `x ← 1/(1 + e^{−x})` for every element, stable for any input.
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let mut v = [0.0f32, -1e4, 1e4];
    /// Kernels::detected().sigmoid_inplace(&mut v);
    /// assert_eq!(v, [0.5, 0.0, 1.0]);
    /// ```
    pub fn sigmoid_inplace<S: Scalar>(self, xs: &mut [S]) {
        self.map::<S, Sigmoid>(xs, crate::stable::sigmoid);
    }

    /// `x ← ln(1 + eˣ)` for every element, stable for any input.
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let mut v = [1e4f64, -1e4];
    /// Kernels::detected().softplus_inplace(&mut v);
    /// assert_eq!(v, [1e4, 0.0]);
    /// ```
    pub fn softplus_inplace<S: Scalar>(self, xs: &mut [S]) {
        self.map::<S, Softplus>(xs, crate::stable::softplus);
    }

    /// `x ← tanh x` for every element.
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let mut v = [0.0f32, 20.0, -20.0];
    /// Kernels::detected().tanh_inplace(&mut v);
    /// assert_eq!(v, [0.0, 1.0, -1.0]);
    /// ```
    pub fn tanh_inplace<S: Scalar>(self, xs: &mut [S]) {
        self.map::<S, Tanh>(xs, S::tanh);
    }

    /// `ln Σ e^{xᵢ}`, shifted by the maximum; `−∞` for an empty slice.
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let v = Kernels::detected().log_sum_exp(&[1e4f64, 1e4]);
    /// assert!((v - (1e4 + 2f64.ln())).abs() < 1e-9);
    /// assert_eq!(Kernels::detected().log_sum_exp::<f32>(&[]), f32::NEG_INFINITY);
    /// ```
    pub fn log_sum_exp<S: Scalar>(self, xs: &[S]) -> S {
        if xs.len() < SHORT_ROW {
            return scalar_log_sum_exp(xs);
        }
        if let Some(v) = S::as_f32_slice(xs) {
            S::lit(f64::from(with_isa!(self.isa, m => m::lse::<f32>(v))))
        } else if let Some(v) = S::as_f64_slice(xs) {
            S::lit(with_isa!(self.isa, m => m::lse::<f64>(v)))
        } else {
            scalar_log_sum_exp(xs)
        }
    }

    /// Replaces the slice by its softmax `e^{xᵢ − m} / Σⱼ e^{xⱼ − m}`
    /// (`m` the maximum, so `±1e4` inputs are fine).
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let mut v = [1e4f32, 1e4, -1e4];
    /// Kernels::detected().softmax_inplace(&mut v);
    /// assert_eq!(v, [0.5, 0.5, 0.0]);
    /// ```
    pub fn softmax_inplace<S: Scalar>(self, xs: &mut [S]) {
        if xs.len() < SHORT_ROW {
            return scalar_softmax(xs);
        }
        if let Some(v) = S::as_f32_slice_mut(xs) {
            with_isa!(self.isa, m => m::softmax_slice::<f32>(v));
        } else if let Some(v) = S::as_f64_slice_mut(xs) {
            with_isa!(self.isa, m => m::softmax_slice::<f64>(v));
        } else {
            scalar_softmax(xs);
        }
    }

    /// Replaces the slice by its log-softmax `xᵢ − ln Σⱼ e^{xⱼ}`.
    ///
    /// ```
    /// use ua_tensor::vmath::Kernels;
    /// let mut v = [0.0f64, 0.0];
    /// Kernels::detected().log_softmax_inplace(&mut v);
    /// assert!((v[0] + 2f64.ln()).abs() < 1e-15);
    /// ```
    pub fn log_softmax_inplace<S: Scalar>(self, xs: &mut [S]) {
        if xs.len() < SHORT_ROW {
            return scalar_log_softmax(xs);
        }
        if let Some(v) = S::as_f32_slice_mut(xs) {
            with_isa!(self.isa, m => m::log_softmax_slice::<f32>(v));
        } else if let Some(v) = S::as_f64_slice_mut(xs) {
            with_isa!(self.isa, m => m::log_softmax_slice::<f64>(v));
        } else {
            scalar_log_softmax(xs);
        }
    }
}

/// Rows shorter than this go through the scalar `libm` formulas in the
/// reductions (log-sum-exp, softmax, log-softmax): there the vector version
/// is one dependent chain (max → exp → sum → scale) per row, while the
/// scalar loop overlaps its independent `exp` calls; on 4096 rows of 10 the
/// vector rows were not faster (0.70–1.4 ms against 0.55–0.90 ms for the
/// scalar loop, interleaved criterion runs at load 15–18).
const SHORT_ROW: usize = 16;

/// `ln Σ e^{xᵢ}` element by element with `libm` (short rows).
fn scalar_log_sum_exp<S: Scalar>(xs: &[S]) -> S {
    let m = xs.iter().copied().fold(S::neg_infinity(), S::max);
    if !m.is_finite() {
        return m;
    }
    let s: S = xs.iter().map(|&x| (x - m).exp()).sum();
    m + s.ln()
}

/// Softmax element by element with `libm` (short rows): the formula the
/// library used before vmath.
fn scalar_softmax<S: Scalar>(xs: &mut [S]) {
    let m = xs.iter().copied().fold(S::neg_infinity(), S::max);
    let mut sum = S::zero();
    for v in xs.iter_mut() {
        *v = (*v - m).exp();
        sum = sum + *v;
    }
    let inv = S::one() / sum;
    xs.iter_mut().for_each(|v| *v = *v * inv);
}

/// Log-softmax element by element with `libm` (short rows).
fn scalar_log_softmax<S: Scalar>(xs: &mut [S]) {
    let l = scalar_log_sum_exp(xs);
    xs.iter_mut().for_each(|x| *x = *x - l);
}

/// `x ← eˣ` on the detected instruction set ([`Kernels::exp_inplace`]).
///
/// ```
/// let mut v = [0.0f32, 1.0];
/// ua_tensor::vmath::exp_inplace(&mut v);
/// assert_eq!(v, [1.0, std::f32::consts::E]);
/// ```
pub fn exp_inplace<S: Scalar>(xs: &mut [S]) {
    Kernels::detected().exp_inplace(xs)
}

/// `x ← ln x` on the detected instruction set ([`Kernels::ln_inplace`]).
///
/// ```
/// let mut v = [1.0f64, std::f64::consts::E];
/// ua_tensor::vmath::ln_inplace(&mut v);
/// assert_eq!(v, [0.0, 1.0]);
/// ```
pub fn ln_inplace<S: Scalar>(xs: &mut [S]) {
    Kernels::detected().ln_inplace(xs)
}

/// Logistic sigmoid in place on the detected instruction set
/// ([`Kernels::sigmoid_inplace`]).
///
/// ```
/// let mut v = [0.0f64, 1e4];
/// ua_tensor::vmath::sigmoid_inplace(&mut v);
/// assert_eq!(v, [0.5, 1.0]);
/// ```
pub fn sigmoid_inplace<S: Scalar>(xs: &mut [S]) {
    Kernels::detected().sigmoid_inplace(xs)
}

/// Softplus `ln(1 + eˣ)` in place on the detected instruction set
/// ([`Kernels::softplus_inplace`]).
///
/// ```
/// let mut v = [0.0f32, -1e4];
/// ua_tensor::vmath::softplus_inplace(&mut v);
/// assert_eq!(v, [std::f32::consts::LN_2, 0.0]);
/// ```
pub fn softplus_inplace<S: Scalar>(xs: &mut [S]) {
    Kernels::detected().softplus_inplace(xs)
}

/// `tanh` in place on the detected instruction set
/// ([`Kernels::tanh_inplace`]).
///
/// ```
/// let mut v = [0.0f64, -1e4];
/// ua_tensor::vmath::tanh_inplace(&mut v);
/// assert_eq!(v, [0.0, -1.0]);
/// ```
pub fn tanh_inplace<S: Scalar>(xs: &mut [S]) {
    Kernels::detected().tanh_inplace(xs)
}

/// `ln Σ e^{xᵢ}` on the detected instruction set ([`Kernels::log_sum_exp`]).
///
/// ```
/// let v = ua_tensor::vmath::log_sum_exp(&[0.0f32, 0.0]);
/// assert!((v - 2f32.ln()).abs() < 1e-6);
/// ```
pub fn log_sum_exp<S: Scalar>(xs: &[S]) -> S {
    Kernels::detected().log_sum_exp(xs)
}

/// Softmax of the slice in place on the detected instruction set
/// ([`Kernels::softmax_inplace`]).
///
/// ```
/// let mut v = [0.0f32, 0.0, 0.0, 0.0];
/// ua_tensor::vmath::softmax_inplace(&mut v);
/// assert_eq!(v, [0.25; 4]);
/// ```
pub fn softmax_inplace<S: Scalar>(xs: &mut [S]) {
    Kernels::detected().softmax_inplace(xs)
}

/// Log-softmax of the slice in place on the detected instruction set
/// ([`Kernels::log_softmax_inplace`]).
///
/// ```
/// let mut v = [1e4f64, -1e4];
/// ua_tensor::vmath::log_softmax_inplace(&mut v);
/// assert_eq!(v, [0.0, -2e4]);
/// ```
pub fn log_softmax_inplace<S: Scalar>(xs: &mut [S]) {
    Kernels::detected().log_softmax_inplace(xs)
}
