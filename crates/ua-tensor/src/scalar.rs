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
    /// The slice as `f32` when `Self` is `f32` (`None` otherwise): how a
    /// generic kernel dispatches to a precision-specific one without `unsafe`.
    ///
    /// ```
    /// use ua_tensor::Scalar;
    /// assert_eq!(f32::as_f32_slice(&[1.0f32]), Some(&[1.0f32][..]));
    /// assert!(f64::as_f32_slice(&[1.0f64]).is_none());
    /// ```
    fn as_f32_slice(s: &[Self]) -> Option<&[f32]>;
    /// Mutable form of [`Scalar::as_f32_slice`].
    ///
    /// ```
    /// use ua_tensor::Scalar;
    /// let mut v = [1.0f32];
    /// f32::as_f32_slice_mut(&mut v).unwrap()[0] = 2.0;
    /// assert_eq!(v, [2.0]);
    /// ```
    fn as_f32_slice_mut(s: &mut [Self]) -> Option<&mut [f32]>;
    /// The slice as `f64` when `Self` is `f64` (`None` otherwise).
    ///
    /// ```
    /// use ua_tensor::Scalar;
    /// assert!(f64::as_f64_slice(&[1.0f64]).is_some());
    /// assert!(f32::as_f64_slice(&[1.0f32]).is_none());
    /// ```
    fn as_f64_slice(s: &[Self]) -> Option<&[f64]>;
    /// Mutable form of [`Scalar::as_f64_slice`].
    ///
    /// ```
    /// use ua_tensor::Scalar;
    /// let mut v = [1.0f64];
    /// assert!(f64::as_f64_slice_mut(&mut v).is_some());
    /// assert!(f32::as_f64_slice_mut(&mut [1.0f32]).is_none());
    /// ```
    fn as_f64_slice_mut(s: &mut [Self]) -> Option<&mut [f64]>;
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
    #[inline(always)]
    fn as_f32_slice(s: &[Self]) -> Option<&[f32]> {
        Some(s)
    }
    #[inline(always)]
    fn as_f32_slice_mut(s: &mut [Self]) -> Option<&mut [f32]> {
        Some(s)
    }
    #[inline(always)]
    fn as_f64_slice(_: &[Self]) -> Option<&[f64]> {
        None
    }
    #[inline(always)]
    fn as_f64_slice_mut(_: &mut [Self]) -> Option<&mut [f64]> {
        None
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
    #[inline(always)]
    fn as_f64_slice(s: &[Self]) -> Option<&[f64]> {
        Some(s)
    }
    #[inline(always)]
    fn as_f64_slice_mut(s: &mut [Self]) -> Option<&mut [f64]> {
        Some(s)
    }
    #[inline(always)]
    fn as_f32_slice(_: &[Self]) -> Option<&[f32]> {
        None
    }
    #[inline(always)]
    fn as_f32_slice_mut(_: &mut [Self]) -> Option<&mut [f32]> {
        None
    }
}
