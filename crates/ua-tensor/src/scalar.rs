//! The [`Scalar`] trait: the element types the kernels work on (`f32`, `f64`).

use std::fmt::{Debug, Display};

use ndarray::{LinalgScalar, ScalarOperand};
use num_traits::{Float, FromPrimitive, ToPrimitive};
use serde::{Serialize, de::DeserializeOwned};

/// A floating-point element type usable by every kernel, layer and model.
///
/// Implemented for `f32` (the default for training and scoring) and `f64`
/// (for gradient checks and users who want it).
///
/// ```
/// use ua_tensor::Scalar;
/// fn half<S: Scalar>(x: S) -> S { x * S::lit(0.5) }
/// assert_eq!(half(3.0f32), 1.5);
/// assert_eq!(f64::NAME, "f64");
/// ```
pub trait Scalar:
    Float
    + LinalgScalar
    + ScalarOperand
    + FromPrimitive
    + ToPrimitive
    + Default
    + Send
    + Sync
    + Debug
    + Display
    + Serialize
    + DeserializeOwned
    + std::iter::Sum
    + 'static
{
    /// The type's name as written in saved files (`"f32"` or `"f64"`).
    const NAME: &'static str;
    /// Converts an `f64` literal (rounding to nearest for `f32`).
    fn lit(v: f64) -> Self;
    /// Widens to `f64`.
    fn as_f64(self) -> f64;
}

impl Scalar for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn lit(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl Scalar for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn lit(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        self
    }
}
