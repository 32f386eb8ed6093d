//! The algorithms (written once against [`Vector`]) and the slice loops
//! that run them, instantiated per instruction set.
//!
//! Sources of the approximations:
//!
//! * `f32` `exp`: Cephes `expf.c` (S. L. Moshier, *Methods and Programs for
//!   Mathematical Functions*, 1989; Cephes Math Library 2.2): Cody–Waite
//!   reduction `r = x − n·C1 − n·C2` with `C1 = 0.693359375`,
//!   `C2 = −2.12194440e-4`, and the degree-7 polynomial
//!   `1 + r + r²·P(r)` on `|r| ≤ ln2/2`.
//! * `f32` `ln`: Cephes `logf.c`: `x = m·2^e`, `m ∈ [√½, √2)`, `f = m − 1`,
//!   `ln x = f − f²/2 + f³·P(f) + e·ln2` (ln2 split as above).
//! * `f32` `tanh`: Cephes `tanhf.c`: odd polynomial for `|x| < 0.625`,
//!   `1 − 2/(e^{2|x|} + 1)` above.
//! * `f64` `exp`: fdlibm `e_exp.c` (Sun Microsystems, 1993): Cody–Waite with
//!   `ln2_hi`/`ln2_lo`, then the Remez rational form
//!   `exp(r) = 1 + r + r·c/(2 − c)`, `c = r − r²·(P1 + … + P5·r⁸)`.
//! * `f64` `ln`: fdlibm `e_log.c`: `s = f/(2 + f)`, Remez polynomial
//!   `Lg1…Lg7` in `s²`.
//! * `f64` `tanh`: Cephes `tanh.c`: rational `P(x²)/Q(x²)` for `|x| < 0.625`,
//!   the exponential form above.
//!
//! The polynomials are evaluated with fused multiply-adds on the AVX paths.
//! Scaling by `2^n` is done in two halves (`2^⌊n/2⌋ · 2^(n−⌊n/2⌋)`), so
//! results near overflow and in the subnormal range are correct (the last
//! multiply rounds once into the subnormal), and `±∞`/NaN are handled by a
//! clamp that lets NaN through (x86 `max`/`min` semantics).

// Coefficients are quoted digit for digit as their sources print them.
#![allow(clippy::excessive_precision)]

use super::simd::{Float, Lane, Vector};

/// Per-precision approximations.
pub(crate) trait Elem: Float {
    /// Clamp range of the exponential's argument: below it `exp` is 0 (after
    /// rounding), above it `+∞`.
    const EXP_LO: f64;
    const EXP_HI: f64;
    /// `e^x`.
    unsafe fn exp<V: Vector<Elem = Self>>(x: V) -> V;
    /// `ln x` for positive normal or subnormal `x` (no special values).
    unsafe fn ln_core<V: Vector<Elem = Self>>(x: V) -> V;
    /// `tanh x`.
    unsafe fn tanh<V: Vector<Elem = Self>>(x: V) -> V;
    /// The smallest positive normal number.
    const MIN_NORMAL: f64;
    /// `k` and `2^k`, to lift subnormal inputs of `ln` into the normal range.
    const SUBNORMAL_SCALE_EXP: f64;
    const SUBNORMAL_SCALE: f64;
}

/// `p(x) = c[0] + c[1]·x + …` by Horner's rule with fused multiply-adds.
#[inline(always)]
unsafe fn horner<V: Vector>(x: V, c: &[f64]) -> V {
    unsafe {
        let n = c.len();
        let mut acc = V::lit(c[n - 1]);
        for &ci in c[..n - 1].iter().rev() {
            acc = acc.fma(x, V::lit(ci));
        }
        acc
    }
}

/// `x · 2^n` for integer-valued `n` in `[-2·emin, 2·emax]`, in two halves.
#[inline(always)]
unsafe fn ldexp<V: Vector>(x: V, n: V) -> V {
    unsafe {
        let n1 = n.mul(V::lit(0.5)).round();
        let n2 = n.sub(n1);
        x.mul(n1.pow2i()).mul(n2.pow2i())
    }
}

impl Elem for f32 {
    const EXP_LO: f64 = -104.0;
    const EXP_HI: f64 = 89.0;
    const MIN_NORMAL: f64 = f32::MIN_POSITIVE as f64;
    const SUBNORMAL_SCALE_EXP: f64 = 25.0;
    const SUBNORMAL_SCALE: f64 = 33_554_432.0;

    #[inline(always)]
    unsafe fn exp<V: Vector<Elem = f32>>(x: V) -> V {
        unsafe {
            // max(lo, x): NaN in x comes out as NaN (second operand).
            let xc = V::lit(Self::EXP_HI).min(V::lit(Self::EXP_LO).max(x));
            let n = xc.mul(V::lit(std::f64::consts::LOG2_E)).round();
            let r = n.fma(V::lit(-0.693_359_375), xc);
            let r = n.fma(V::lit(2.121_944_4e-4), r);
            let p = horner(
                r,
                &[
                    5.000_000_120_1e-1,
                    1.666_666_545_9e-1,
                    4.166_579_589_4e-2,
                    8.333_451_907_3e-3,
                    1.398_199_950_7e-3,
                    1.987_569_150_0e-4,
                ],
            );
            let z = r.mul(r);
            let e = p.fma(z, r).add(V::lit(1.0));
            ldexp(e, n)
        }
    }

    #[inline(always)]
    unsafe fn ln_core<V: Vector<Elem = f32>>(x: V) -> V {
        unsafe {
            let (e, m) = x.frexp();
            let small = m.lt(V::lit(std::f64::consts::FRAC_1_SQRT_2));
            let e = V::select(small, e.sub(V::lit(1.0)), e);
            let f = V::select(small, m.add(m), m).sub(V::lit(1.0));
            let z = f.mul(f);
            let p = horner(
                f,
                &[
                    3.333_333_117_4e-1,
                    -2.499_999_399_3e-1,
                    2.000_071_476_5e-1,
                    -1.666_805_766_5e-1,
                    1.424_932_278_7e-1,
                    -1.242_014_084_6e-1,
                    1.167_699_874e-1,
                    -1.151_461_031e-1,
                    7.037_683_629_2e-2,
                ],
            );
            let y = p.mul(f).mul(z);
            let y = e.fma(V::lit(-2.121_944_4e-4), y);
            let y = z.fma(V::lit(-0.5), y);
            let r = f.add(y);
            e.fma(V::lit(0.693_359_375), r)
        }
    }

    #[inline(always)]
    unsafe fn tanh<V: Vector<Elem = f32>>(x: V) -> V {
        unsafe {
            let a = x.abs();
            let z = x.mul(x);
            let p = horner(
                z,
                &[
                    -3.333_328_194_22e-1,
                    1.333_144_220_36e-1,
                    -5.373_971_555_31e-2,
                    2.063_908_879_54e-2,
                    -5.704_988_727_45e-3,
                ],
            );
            let small = p.mul(z).fma(x, x);
            let big = tanh_big(a, x);
            V::select(a.lt(V::lit(0.625)), small, big)
        }
    }
}

/// `tanh` for `|x| ≥ 0.625`: `±(1 − 2/(e^{2|x|} + 1))` (NaN stays NaN).
#[inline(always)]
unsafe fn tanh_big<E: Elem, V: Vector<Elem = E>>(a: V, x: V) -> V {
    unsafe {
        let e = E::exp(a.add(a));
        let t = V::lit(1.0).sub(V::lit(2.0).div(e.add(V::lit(1.0))));
        V::select(x.lt(V::lit(0.0)), t.mul(V::lit(-1.0)), t)
    }
}

impl Elem for f64 {
    const EXP_LO: f64 = -746.0;
    const EXP_HI: f64 = 710.0;
    const MIN_NORMAL: f64 = f64::MIN_POSITIVE;
    const SUBNORMAL_SCALE_EXP: f64 = 54.0;
    const SUBNORMAL_SCALE: f64 = 18_014_398_509_481_984.0;

    #[inline(always)]
    unsafe fn exp<V: Vector<Elem = f64>>(x: V) -> V {
        unsafe {
            let xc = V::lit(Self::EXP_HI).min(V::lit(Self::EXP_LO).max(x));
            let k = xc.mul(V::lit(std::f64::consts::LOG2_E)).round();
            let hi = k.fma(V::lit(-6.931_471_803_691_238_164_9e-1), xc);
            let lo = k.mul(V::lit(1.908_214_929_270_587_700_02e-10));
            let r = hi.sub(lo);
            let t = r.mul(r);
            let p = horner(
                t,
                &[
                    1.666_666_666_666_660_190_37e-1,
                    -2.777_777_777_701_559_338_42e-3,
                    6.613_756_321_437_934_361_17e-5,
                    -1.653_390_220_546_525_153_9e-6,
                    4.138_136_797_057_238_460_39e-8,
                ],
            );
            let c = t.mul(p).mul(V::lit(-1.0)).add(r);
            // y = 1 − ((lo − r·c/(2 − c)) − hi)
            let q = r.mul(c).div(V::lit(2.0).sub(c));
            let y = V::lit(1.0).sub(lo.sub(q).sub(hi));
            ldexp(y, k)
        }
    }

    #[inline(always)]
    unsafe fn ln_core<V: Vector<Elem = f64>>(x: V) -> V {
        unsafe {
            let (e, m) = x.frexp();
            let small = m.lt(V::lit(std::f64::consts::FRAC_1_SQRT_2));
            let k = V::select(small, e.sub(V::lit(1.0)), e);
            let f = V::select(small, m.add(m), m).sub(V::lit(1.0));
            let s = f.div(V::lit(2.0).add(f));
            let z = s.mul(s);
            let w = z.mul(z);
            let t1 = w.mul(horner(
                w,
                &[
                    3.999_999_999_940_941_908e-1,
                    2.222_219_843_214_978_396e-1,
                    1.531_383_769_920_937_332e-1,
                ],
            ));
            let t2 = z.mul(horner(
                w,
                &[
                    6.666_666_666_666_735_13e-1,
                    2.857_142_874_366_239_149e-1,
                    1.818_357_216_161_805_012e-1,
                    1.479_819_860_511_658_591e-1,
                ],
            ));
            let r = t2.add(t1);
            let hfsq = V::lit(0.5).mul(f).mul(f);
            // k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f)
            let inner = s.fma(hfsq.add(r), k.mul(V::lit(1.908_214_929_270_587_700_02e-10)));
            let v = hfsq.sub(inner).sub(f);
            k.fma(V::lit(6.931_471_803_691_238_164_9e-1), v.mul(V::lit(-1.0)))
        }
    }

    #[inline(always)]
    unsafe fn tanh<V: Vector<Elem = f64>>(x: V) -> V {
        unsafe {
            let a = x.abs();
            let s = x.mul(x);
            let p = horner(
                s,
                &[
                    -1.614_687_684_417_084_479_52e3,
                    -9.928_772_310_019_185_865_64e1,
                    -9.643_991_794_250_522_386_28e-1,
                ],
            );
            let q = horner(
                s,
                &[
                    4.844_063_053_251_254_860_48e3,
                    2.235_488_390_601_004_485_83e3,
                    1.128_116_784_916_329_314_02e2,
                    1.0,
                ],
            );
            let small = x.mul(s).mul(p.div(q)).add(x);
            let big = tanh_big(a, x);
            V::select(a.lt(V::lit(0.625)), small, big)
        }
    }
}

/// `ln x` with the special values: `ln 0 = −∞`, `ln x<0 = NaN`,
/// `ln ∞ = ∞`, NaN stays NaN, subnormals exact.
#[inline(always)]
unsafe fn ln<E: Elem, V: Vector<Elem = E>>(x: V) -> V {
    unsafe {
        let sub = x.lt(V::lit(E::MIN_NORMAL));
        let xs = V::select(sub, x.mul(V::lit(E::SUBNORMAL_SCALE)), x);
        let r = E::ln_core(xs);
        let r = V::select(
            sub,
            r.sub(V::lit(E::SUBNORMAL_SCALE_EXP * std::f64::consts::LN_2)),
            r,
        );
        let r = V::select(x.eq(V::lit(0.0)), V::lit(f64::NEG_INFINITY), r);
        let r = V::select(x.lt(V::lit(0.0)), V::lit(f64::NAN), r);
        let r = V::select(x.eq(V::lit(f64::INFINITY)), x, r);
        V::select(x.is_nan(), x, r)
    }
}

/// `ln(1 + t)` for `t ∈ [0, 1]`: `ln(u) + (t − (u − 1))/u` with `u = 1 + t`
/// rounded (the correction restores what the rounding of `u` lost).
#[inline(always)]
unsafe fn log1p_unit<E: Elem, V: Vector<Elem = E>>(t: V) -> V {
    unsafe {
        let u = V::lit(1.0).add(t);
        let c = t.sub(u.sub(V::lit(1.0))).div(u);
        E::ln_core(u).add(c)
    }
}

/// `1/(1 + e^{−x})` as `1/(1 + e)` or `e/(1 + e)`, `e = e^{−|x|}`.
#[inline(always)]
unsafe fn sigmoid<E: Elem, V: Vector<Elem = E>>(x: V) -> V {
    unsafe {
        let e = E::exp(x.abs().mul(V::lit(-1.0)));
        let num = V::select(x.lt(V::lit(0.0)), e, V::lit(1.0));
        num.div(V::lit(1.0).add(e))
    }
}

/// `max(x, 0) + ln(1 + e^{−|x|})`.
#[inline(always)]
unsafe fn softplus<E: Elem, V: Vector<Elem = E>>(x: V) -> V {
    unsafe {
        let e = E::exp(x.abs().mul(V::lit(-1.0)));
        // max(0, x): a NaN x is the second operand and comes through.
        V::lit(0.0).max(x).add(log1p_unit::<E, V>(e))
    }
}

/// An element-wise function, as a type so the loops can be generic over it.
pub(crate) trait MapOp {
    unsafe fn apply<E: Elem, V: Vector<Elem = E>>(x: V) -> V;
}

macro_rules! map_op {
    ($name:ident, |$x:ident| $body:expr) => {
        pub(crate) struct $name;
        impl MapOp for $name {
            #[inline(always)]
            unsafe fn apply<E: Elem, V: Vector<Elem = E>>($x: V) -> V {
                unsafe { $body }
            }
        }
    };
}

map_op!(Exp, |x| E::exp(x));
map_op!(Ln, |x| ln::<E, V>(x));
map_op!(Sigmoid, |x| sigmoid::<E, V>(x));
map_op!(Softplus, |x| softplus::<E, V>(x));
map_op!(Tanh, |x| E::tanh(x));

/// `xs[i] ← O(xs[i])`, full registers then one masked partial register for
/// the tail (same vector code, so the same bits).
#[inline(always)]
unsafe fn map<E: Elem, V: Vector<Elem = E>, O: MapOp>(xs: &mut [E]) {
    unsafe {
        let n = xs.len();
        let p = xs.as_mut_ptr();
        let mut i = 0;
        while i + V::LANES <= n {
            O::apply::<E, V>(V::load(p.add(i))).store(p.add(i));
            i += V::LANES;
        }
        if i < n {
            let v = V::load_partial(p.add(i), n - i, E::from_f64(0.0));
            O::apply::<E, V>(v).store_partial(p.add(i), n - i);
        }
    }
}

/// Lane 0 of a one-lane value.
#[inline(always)]
unsafe fn first<E: Elem, T: Vector<Elem = E>>(t: T) -> E {
    unsafe {
        let mut out = [E::from_f64(0.0)];
        t.to_slice(&mut out);
        out[0]
    }
}

/// The largest element (NaN may or may not win; NaN rows give NaN results
/// either way, through the exponentials). `−∞` for an empty slice.
#[inline(always)]
unsafe fn max_of<E: Elem, V: Vector<Elem = E>, T: Vector<Elem = E>>(xs: &[E]) -> E {
    unsafe {
        let n = xs.len();
        let p = xs.as_ptr();
        let neg_inf = E::from_f64(f64::NEG_INFINITY);
        let mut acc = V::splat(neg_inf);
        let mut i = 0;
        while i + V::LANES <= n {
            acc = V::load(p.add(i)).max(acc);
            i += V::LANES;
        }
        if i < n {
            acc = V::load_partial(p.add(i), n - i, neg_inf).max(acc);
        }
        acc.hmax()
    }
}

/// `Σ e^{x_i − m}`, and with `STORE` the terms written back into `xs`.
#[inline(always)]
unsafe fn sum_exp<E: Elem, V: Vector<Elem = E>, T: Vector<Elem = E>, const STORE: bool>(
    xs: *mut E,
    n: usize,
    m: E,
) -> E {
    unsafe {
        let mv = V::splat(m);
        let mut acc = V::lit(0.0);
        let mut i = 0;
        while i + V::LANES <= n {
            let e = E::exp(V::load(xs.add(i)).sub(mv));
            if STORE {
                e.store(xs.add(i));
            }
            acc = acc.add(e);
            i += V::LANES;
        }
        if i < n {
            // Padding with −∞ adds e^{−∞} = 0.
            let pad = E::from_f64(f64::NEG_INFINITY);
            let e = E::exp(V::load_partial(xs.add(i), n - i, pad).sub(mv));
            if STORE {
                e.store_partial(xs.add(i), n - i);
            }
            acc = acc.add(e);
        }
        acc.hsum()
    }
}

/// `xs[i] ← xs[i] · c` (`MUL`) or `xs[i] − c`.
#[inline(always)]
unsafe fn scale_or_shift<E: Elem, V: Vector<Elem = E>, const MUL: bool>(xs: &mut [E], c: E) {
    unsafe {
        let n = xs.len();
        let p = xs.as_mut_ptr();
        let cv = V::splat(c);
        let op = |v: V| if MUL { v.mul(cv) } else { v.sub(cv) };
        let mut i = 0;
        while i + V::LANES <= n {
            op(V::load(p.add(i))).store(p.add(i));
            i += V::LANES;
        }
        if i < n {
            op(V::load_partial(p.add(i), n - i, E::from_f64(0.0))).store_partial(p.add(i), n - i);
        }
    }
}

/// `ln(x)` of one value through the one-lane type.
#[inline(always)]
unsafe fn ln1<E: Elem, T: Vector<Elem = E>>(x: E) -> E {
    unsafe {
        let mut out = [x];
        ln::<E, T>(T::splat(x)).to_slice(&mut out);
        out[0]
    }
}

/// `ln Σ e^{x_i}` (shifted by the maximum; `−∞` for an empty slice, the
/// maximum itself when it is `±∞` or NaN).
#[inline(always)]
unsafe fn log_sum_exp<E: Elem, V: Vector<Elem = E>, T: Vector<Elem = E>>(xs: &[E]) -> E {
    unsafe {
        let m = max_of::<E, V, T>(xs);
        if !is_finite(m) {
            return m;
        }
        let s = sum_exp::<E, V, T, false>(xs.as_ptr() as *mut E, xs.len(), m);
        let l = ln1::<E, T>(s);
        first(T::splat(m).add(T::splat(l)))
    }
}

#[inline(always)]
fn is_finite<E: Elem>(v: E) -> bool {
    let big = E::from_f64(f64::INFINITY);
    let neg = E::from_f64(f64::NEG_INFINITY);
    v > neg && v < big
}

/// Softmax in place: `e^{x_i − m} / Σ`.
#[inline(always)]
unsafe fn softmax<E: Elem, V: Vector<Elem = E>, T: Vector<Elem = E>>(xs: &mut [E]) {
    unsafe {
        let m = max_of::<E, V, T>(xs);
        let s = sum_exp::<E, V, T, true>(xs.as_mut_ptr(), xs.len(), m);
        let inv = first(T::lit(1.0).div(T::splat(s)));
        scale_or_shift::<E, V, true>(xs, inv);
    }
}

/// Log-softmax in place: `x_i − (m + ln Σ e^{x_j − m})`.
#[inline(always)]
unsafe fn log_softmax<E: Elem, V: Vector<Elem = E>, T: Vector<Elem = E>>(xs: &mut [E]) {
    unsafe {
        let m = max_of::<E, V, T>(xs);
        let s = sum_exp::<E, V, T, false>(xs.as_mut_ptr(), xs.len(), m);
        let l = ln1::<E, T>(s);
        let shift = first(T::splat(m).add(T::splat(l)));
        scale_or_shift::<E, V, false>(xs, shift);
    }
}

/// One instruction set's entry points, for one (vector, one-lane) pair per
/// precision (the one-lane type does the scalar steps of the reductions).
/// `$features` is the `target_feature` list (empty for portable); with
/// `short = module`, slices shorter than one register go to that (narrower)
/// instruction set's entry points instead: a partial 512-bit register costs
/// more than a 256-bit one on rows of a few elements (softmax over 10
/// classes measured 1.4 ms vs 0.7 ms for 4096 rows), and the element-wise
/// functions give the same bits on both.
macro_rules! isa_entry_points {
    ($modname:ident, [$($feat:literal),*], $v32:ty, $t32:ty, $v64:ty, $t64:ty $(, short = $short:ident)?) => {
        pub(crate) mod $modname {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use crate::vmath::kernels::*;
            #[allow(unused_imports)]
            use crate::vmath::simd::*;

            /// Precision-specific types of this instruction set.
            pub(crate) trait Pick: Elem $(+ super::$short::Pick)? {
                type V: Vector<Elem = Self>;
                type T: Vector<Elem = Self>;
            }
            impl Pick for f32 {
                type V = $v32;
                type T = $t32;
            }
            impl Pick for f64 {
                type V = $v64;
                type T = $t64;
            }

            /// Whether `n` elements go to the narrower instruction set.
            #[inline(always)]
            #[allow(unused_variables, dead_code)]
            fn short<E: Pick>(n: usize) -> bool {
                false $(|| (stringify!($short).len() > 0 && n < <<E as Pick>::V as Vector>::LANES))?
            }

            $(#[target_feature(enable = $feat)])*
            pub(crate) unsafe fn map_slice<E: Pick, O: MapOp>(xs: &mut [E]) {
                $(if short::<E>(xs.len()) {
                    return unsafe { super::$short::map_slice::<E, O>(xs) };
                })?
                unsafe { map::<E, <E as Pick>::V, O>(xs) }
            }
            $(#[target_feature(enable = $feat)])*
            pub(crate) unsafe fn lse<E: Pick>(xs: &[E]) -> E {
                $(if short::<E>(xs.len()) {
                    return unsafe { super::$short::lse::<E>(xs) };
                })?
                unsafe { log_sum_exp::<E, <E as Pick>::V, <E as Pick>::T>(xs) }
            }
            $(#[target_feature(enable = $feat)])*
            pub(crate) unsafe fn softmax_slice<E: Pick>(xs: &mut [E]) {
                $(if short::<E>(xs.len()) {
                    return unsafe { super::$short::softmax_slice::<E>(xs) };
                })?
                unsafe { softmax::<E, <E as Pick>::V, <E as Pick>::T>(xs) }
            }
            $(#[target_feature(enable = $feat)])*
            pub(crate) unsafe fn log_softmax_slice<E: Pick>(xs: &mut [E]) {
                $(if short::<E>(xs.len()) {
                    return unsafe { super::$short::log_softmax_slice::<E>(xs) };
                })?
                unsafe { log_softmax::<E, <E as Pick>::V, <E as Pick>::T>(xs) }
            }
        }
    };
}

/// Portable: a plain scalar lane, no FMA (the compiler may still vectorise
/// the loops for the baseline instruction set).
type Plain32 = Lane<f32, false>;
type Plain64 = Lane<f64, false>;
isa_entry_points!(portable, [], Plain32, Plain32, Plain64, Plain64);

#[cfg(target_arch = "x86_64")]
mod x86_entry {
    use super::super::simd::{F32x8, F32x16, F64x4, F64x8, Lane};
    use super::*;
    type Fused32 = Lane<f32, true>;
    type Fused64 = Lane<f64, true>;

    isa_entry_points!(avx2, ["avx2", "fma"], F32x8, Fused32, F64x4, Fused64);
    isa_entry_points!(
        avx512,
        ["avx512f", "avx2", "fma"],
        F32x16,
        Fused32,
        F64x8,
        Fused64,
        short = avx2
    );
}
#[cfg(target_arch = "x86_64")]
pub(crate) use x86_entry::{avx2, avx512};
