//! Loops compiled for the widest vector instructions the CPU has.
//!
//! The default x86-64 target compiles loops to 4-lane SSE. [`wide_fn!`]
//! (exported at the crate root) defines a function that calls an
//! `#[inline(always)]` function from a copy compiled for AVX-512F, else
//! AVX2, else the baseline target, chosen at run time
//! (`is_x86_feature_detected!`, cached by the standard library), so the same
//! plain Rust loop runs on 16 or 8 lanes. No fused multiply-add is enabled
//! and Rust never fuses on its own, so every copy computes bit-identical
//! results; the only `unsafe` is calling a copy after its check.
//!
//! ```
//! #[inline(always)]
//! fn scale_plain(x: &mut [f32], by: f32) {
//!     for v in x.iter_mut() {
//!         *v *= by;
//!     }
//! }
//! ua_tensor::wide_fn! {
//!     /// [`scale_plain`] on the widest vectors.
//!     fn scale => scale_plain(x: &mut [f32], by: f32)
//! }
//! let mut x = vec![1.0f32; 37];
//! scale(&mut x, 2.0);
//! assert!(x.iter().all(|&v| v == 2.0));
//!
//! // Generic functions too (type parameters with one bound each).
//! #[inline(always)]
//! fn total_plain<S: ua_tensor::Scalar>(x: &[S]) -> S {
//!     x.iter().fold(S::zero(), |a, &b| a + b)
//! }
//! ua_tensor::wide_fn! {
//!     /// [`total_plain`] on the widest vectors.
//!     fn total<S: ua_tensor::Scalar> => total_plain(x: &[S]) -> S
//! }
//! assert_eq!(total(&[1.0f64, 2.0, 3.5]), 6.5);
//! ```

/// Defines `fn $name(args) [-> ret]` calling the `#[inline(always)]`
/// function `$inner(args)` from a copy compiled for AVX-512F, else AVX2,
/// else the baseline target, chosen at run time; see [the module
/// documentation](crate::wide) for why and an example.
#[macro_export]
macro_rules! wide_fn {
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident $(<$($g:ident : $b:path),+>)?
            => $inner:ident ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)?
    ) => {
        $(#[$doc])*
        $vis fn $name $(<$($g: $b),+>)? ($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512 $(<$($g: $b),+>)? ($($arg: $ty),*) $(-> $ret)? {
                    $inner($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                fn avx2 $(<$($g: $b),+>)? ($($arg: $ty),*) $(-> $ret)? {
                    $inner($($arg),*)
                }
                if ::std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports AVX-512F (checked just above).
                    return unsafe { avx512($($arg),*) };
                }
                if ::std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    return unsafe { avx2($($arg),*) };
                }
            }
            $inner($($arg),*)
        }
    };
}
