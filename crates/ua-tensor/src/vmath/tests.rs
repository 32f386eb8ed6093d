//! Accuracy against `f64` references over ≥ 1 M points per function, edge
//! cases, special values, and agreement between instruction sets and
//! between a slice's vector body and its padded tail. Every instruction set
//! this CPU can run is forced explicitly.

use super::{Isa, Kernels};

/// Distance of `got` from the reference `want` in units of the last place
/// of `want` rounded to `f32` (subnormal ulps below the normal range).
fn ulps32(got: f32, want: f64) -> f64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if want.abs() > f32::MAX as f64 * (1.0 + 2f64.powi(-25)) {
        return if got.is_infinite() && got.signum() as f64 == want.signum() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let e = if want == 0.0 {
        -126
    } else {
        (((want.abs().to_bits() >> 52) as i32) - 1023).max(-126)
    };
    (got as f64 - want).abs() / 2f64.powi(e - 23)
}

/// The same in `f64` units (references from `f64` libm).
fn ulps64(got: f64, want: f64) -> f64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if want.is_infinite() || got.is_infinite() {
        return if got == want { 0.0 } else { f64::INFINITY };
    }
    let e = if want == 0.0 {
        -1022
    } else {
        (((want.abs().to_bits() >> 52) as i32) - 1023).max(-1022)
    };
    // 2^(e − 52), built from bits: `powi` flushes it to 0 below 2^-1022.
    let ulp = if e - 52 >= -1022 {
        f64::from_bits(((e - 52 + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e - 52 + 1074))
    };
    (got - want).abs() / ulp
}

/// `n` points in `[lo, hi]`: half evenly spaced in value, half evenly spaced
/// in the ordered bit patterns (so small magnitudes are covered densely).
fn points32(lo: f32, hi: f32, n: usize) -> Vec<f32> {
    let key = |x: f32| {
        let b = x.to_bits() as i64;
        if b & 0x8000_0000 != 0 {
            -(b & 0x7FFF_FFFF)
        } else {
            b
        }
    };
    let unkey = |k: i64| {
        if k < 0 {
            f32::from_bits(((-k) as u32) | 0x8000_0000)
        } else {
            f32::from_bits(k as u32)
        }
    };
    let (klo, khi) = (key(lo), key(hi));
    let half = n / 2;
    let mut v = Vec::with_capacity(n + 2);
    for i in 0..half {
        let t = i as f64 / (half - 1) as f64;
        v.push((lo as f64 + (hi as f64 - lo as f64) * t) as f32);
        v.push(unkey(klo + ((khi - klo) as f64 * t) as i64));
    }
    v.extend([lo, hi]);
    v
}

fn points64(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let key = |x: f64| {
        let b = x.to_bits() as i128;
        if b & (1 << 63) != 0 {
            -(b & 0x7FFF_FFFF_FFFF_FFFF)
        } else {
            b
        }
    };
    let unkey = |k: i128| {
        if k < 0 {
            f64::from_bits(((-k) as u64) | (1 << 63))
        } else {
            f64::from_bits(k as u64)
        }
    };
    let (klo, khi) = (key(lo), key(hi));
    let half = n / 2;
    let mut v = Vec::with_capacity(n + 2);
    for i in 0..half {
        let t = i as f64 / (half - 1) as f64;
        v.push(lo + (hi - lo) * t);
        v.push(unkey(klo + ((khi - klo) as f64 * t) as i128));
    }
    v.extend([lo, hi]);
    v
}

const N: usize = 1 << 20;

fn kernels() -> Vec<Kernels> {
    let ks: Vec<Kernels> = Isa::available()
        .into_iter()
        .map(|i| Kernels::new(i).expect("available"))
        .collect();
    assert!(ks.iter().any(|k| k.isa() == Isa::Portable));
    ks
}

fn sigmoid64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn softplus64(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// Max ulp error of `f` (through `k`) against `reference` over `xs`, `f32`.
fn max_ulps32(
    xs: &[f32],
    apply: impl Fn(&mut [f32]),
    reference: impl Fn(f64) -> f64,
) -> (f64, f32) {
    let mut got = xs.to_vec();
    apply(&mut got);
    let mut worst = (0.0, 0.0);
    for (&x, &g) in xs.iter().zip(&got) {
        let u = ulps32(g, reference(x as f64));
        if u > worst.0 {
            worst = (u, x);
        }
    }
    worst
}

fn max_ulps64(
    xs: &[f64],
    apply: impl Fn(&mut [f64]),
    reference: impl Fn(f64) -> f64,
) -> (f64, f64) {
    let mut got = xs.to_vec();
    apply(&mut got);
    let mut worst = (0.0, 0.0);
    for (&x, &g) in xs.iter().zip(&got) {
        let u = ulps64(g, reference(x));
        if u > worst.0 {
            worst = (u, x);
        }
    }
    worst
}

/// The stated `f32` bounds (module docs), per function.
const EXP32: f64 = 1.0;
const LN32: f64 = 1.0;
const SIGMOID32: f64 = 2.0;
const SOFTPLUS32: f64 = 2.0;
const TANH32: f64 = 2.0;
/// The stated `f64` bounds, measured against `f64` libm.
const EXP64: f64 = 1.0;
const LN64: f64 = 1.0;
const SIGMOID64: f64 = 2.0;
const SOFTPLUS64: f64 = 2.0;
const TANH64: f64 = 2.0;

#[test]
fn f32_functions_within_stated_ulp_bounds() {
    let exp_pts = points32(-104.0, 89.0, N);
    let ln_pts = points32(f32::from_bits(1), f32::MAX, N);
    let wide = points32(-1e4, 1e4, N);
    let tanh_pts = points32(-20.0, 20.0, N);
    for k in kernels() {
        let cases: [(&str, f64, (f64, f32)); 5] = [
            (
                "exp",
                EXP32,
                max_ulps32(&exp_pts, |v| k.exp_inplace(v), f64::exp),
            ),
            (
                "ln",
                LN32,
                max_ulps32(&ln_pts, |v| k.ln_inplace(v), f64::ln),
            ),
            (
                "sigmoid",
                SIGMOID32,
                max_ulps32(&wide, |v| k.sigmoid_inplace(v), sigmoid64),
            ),
            (
                "softplus",
                SOFTPLUS32,
                max_ulps32(&wide, |v| k.softplus_inplace(v), softplus64),
            ),
            (
                "tanh",
                TANH32,
                max_ulps32(&tanh_pts, |v| k.tanh_inplace(v), f64::tanh),
            ),
        ];
        for (name, bound, (worst, at)) in cases {
            eprintln!("{:?} f32 {name}: max {worst:.3} ulp at {at:e}", k.isa());
            assert!(
                worst <= bound,
                "{:?} f32 {name}: {worst} ulp at x = {at:e} (bound {bound})",
                k.isa()
            );
        }
    }
}

#[test]
fn f64_functions_within_stated_ulp_bounds() {
    let exp_pts = points64(-746.0, 710.0, N);
    let ln_pts = points64(f64::from_bits(1), f64::MAX, N);
    let wide = points64(-1e4, 1e4, N);
    let tanh_pts = points64(-40.0, 40.0, N);
    for k in kernels() {
        let cases: [(&str, f64, (f64, f64)); 5] = [
            (
                "exp",
                EXP64,
                max_ulps64(&exp_pts, |v| k.exp_inplace(v), f64::exp),
            ),
            (
                "ln",
                LN64,
                max_ulps64(&ln_pts, |v| k.ln_inplace(v), f64::ln),
            ),
            (
                "sigmoid",
                SIGMOID64,
                max_ulps64(&wide, |v| k.sigmoid_inplace(v), sigmoid64),
            ),
            (
                "softplus",
                SOFTPLUS64,
                max_ulps64(&wide, |v| k.softplus_inplace(v), softplus64),
            ),
            (
                "tanh",
                TANH64,
                max_ulps64(&tanh_pts, |v| k.tanh_inplace(v), f64::tanh),
            ),
        ];
        for (name, bound, (worst, at)) in cases {
            eprintln!("{:?} f64 {name}: max {worst:.3} ulp at {at:e}", k.isa());
            assert!(
                worst <= bound,
                "{:?} f64 {name}: {worst} ulp at x = {at:e} (bound {bound})",
                k.isa()
            );
        }
    }
}

#[test]
fn special_values_f32() {
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    for k in kernels() {
        let isa = k.isa();
        let mut v = [inf, -inf, nan, 88.8, -104.0, 0.0, -0.0, -103.0];
        k.exp_inplace(&mut v);
        assert_eq!(&v[..2], &[inf, 0.0], "{isa:?}");
        assert!(v[2].is_nan(), "{isa:?}");
        assert_eq!(v[3], inf, "{isa:?} overflow");
        assert_eq!(v[4], 0.0, "{isa:?} underflow");
        assert_eq!(&v[5..7], &[1.0, 1.0], "{isa:?}");
        assert!(
            v[7] > 0.0 && v[7] < f32::MIN_POSITIVE,
            "{isa:?} subnormal result {}",
            v[7]
        );
        let mut v = [0.0, -0.0, -1.0, inf, -inf, nan, f32::from_bits(1), 1.0];
        k.ln_inplace(&mut v);
        assert_eq!(&v[..2], &[-inf, -inf], "{isa:?}");
        assert!(
            v[2].is_nan() && v[4].is_nan() && v[5].is_nan(),
            "{isa:?} {v:?}"
        );
        assert_eq!(v[3], inf, "{isa:?}");
        assert!(
            ulps32(v[6], -149.0 * std::f64::consts::LN_2) <= 1.0,
            "{isa:?} ln(min subnormal) = {}",
            v[6]
        );
        assert_eq!(v[7], 0.0, "{isa:?}");
        let mut s = [inf, -inf, nan, 1e4, -1e4, 0.0];
        let mut p = s;
        let mut t = s;
        k.sigmoid_inplace(&mut s);
        k.softplus_inplace(&mut p);
        k.tanh_inplace(&mut t);
        assert_eq!(
            [s[0], s[1], s[3], s[4], s[5]],
            [1.0, 0.0, 1.0, 0.0, 0.5],
            "{isa:?} sigmoid"
        );
        assert_eq!(
            [p[0], p[1], p[3], p[4]],
            [inf, 0.0, 1e4, 0.0],
            "{isa:?} softplus"
        );
        assert_eq!(
            [t[0], t[1], t[3], t[4], t[5]],
            [1.0, -1.0, 1.0, -1.0, 0.0],
            "{isa:?} tanh"
        );
        assert!(
            s[2].is_nan() && p[2].is_nan() && t[2].is_nan(),
            "{isa:?} NaN"
        );
    }
}

#[test]
fn special_values_f64() {
    let (inf, nan) = (f64::INFINITY, f64::NAN);
    for k in kernels() {
        let isa = k.isa();
        let mut v = [inf, -inf, nan, 709.8, -746.0, 0.0, -740.0, 709.7];
        k.exp_inplace(&mut v);
        assert_eq!(&v[..2], &[inf, 0.0], "{isa:?}");
        assert!(v[2].is_nan(), "{isa:?}");
        assert_eq!(v[3], inf, "{isa:?} overflow");
        assert_eq!(v[4], 0.0, "{isa:?} underflow");
        assert_eq!(v[5], 1.0, "{isa:?}");
        assert!(
            v[6] > 0.0 && v[6] < f64::MIN_POSITIVE,
            "{isa:?} subnormal result {}",
            v[6]
        );
        assert!(
            ulps64(v[7], 709.7f64.exp()) <= 1.0,
            "{isa:?} near overflow {}",
            v[7]
        );
        let mut v = [0.0, -1.0, inf, nan, f64::from_bits(1)];
        k.ln_inplace(&mut v);
        assert_eq!(v[0], -inf, "{isa:?}");
        assert!(v[1].is_nan() && v[3].is_nan(), "{isa:?}");
        assert_eq!(v[2], inf, "{isa:?}");
        assert!(
            ulps64(v[4], f64::from_bits(1).ln()) <= 1.0,
            "{isa:?} {}",
            v[4]
        );
        let mut s = [inf, -inf, nan, 1e30, -1e30];
        let mut p = s;
        let mut t = s;
        k.sigmoid_inplace(&mut s);
        k.softplus_inplace(&mut p);
        k.tanh_inplace(&mut t);
        assert_eq!(
            [s[0], s[1], s[3], s[4]],
            [1.0, 0.0, 1.0, 0.0],
            "{isa:?} sigmoid"
        );
        assert_eq!(
            [p[0], p[1], p[3], p[4]],
            [inf, 0.0, 1e30, 0.0],
            "{isa:?} softplus"
        );
        assert_eq!(
            [t[0], t[1], t[3], t[4]],
            [1.0, -1.0, 1.0, -1.0],
            "{isa:?} tanh"
        );
        assert!(
            s[2].is_nan() && p[2].is_nan() && t[2].is_nan(),
            "{isa:?} NaN"
        );
    }
}

/// An element gives the same bits alone and inside a long slice (vector
/// body vs padded tail), and AVX2 and AVX-512 agree bit for bit.
#[test]
fn tail_matches_body_and_vector_isas_agree() {
    let xs: Vec<f32> = points32(-30.0, 30.0, 1000);
    let xd: Vec<f64> = points64(-30.0, 30.0, 1000);
    type Op32 = fn(Kernels, &mut [f32]);
    type Op64 = fn(Kernels, &mut [f64]);
    let ops32: [(&str, Op32); 5] = [
        ("exp", |k, v| k.exp_inplace(v)),
        ("ln", |k, v| k.ln_inplace(v)),
        ("sigmoid", |k, v| k.sigmoid_inplace(v)),
        ("softplus", |k, v| k.softplus_inplace(v)),
        ("tanh", |k, v| k.tanh_inplace(v)),
    ];
    let ops64: [(&str, Op64); 5] = [
        ("exp", |k, v| k.exp_inplace(v)),
        ("ln", |k, v| k.ln_inplace(v)),
        ("sigmoid", |k, v| k.sigmoid_inplace(v)),
        ("softplus", |k, v| k.softplus_inplace(v)),
        ("tanh", |k, v| k.tanh_inplace(v)),
    ];
    let mut vector_results32: Vec<Vec<u32>> = Vec::new();
    let mut vector_results64: Vec<Vec<u64>> = Vec::new();
    for k in kernels() {
        for (name, op) in ops32 {
            let mut all = xs.clone();
            op(k, &mut all);
            for (i, &x) in xs.iter().enumerate() {
                let mut one = [x];
                op(k, &mut one);
                assert_eq!(
                    one[0].to_bits(),
                    all[i].to_bits(),
                    "{:?} f32 {name} at {x}",
                    k.isa()
                );
            }
            if k.isa() != Isa::Portable {
                vector_results32.push(all.iter().map(|v| v.to_bits()).collect());
            }
        }
        for (name, op) in ops64 {
            let mut all = xd.clone();
            op(k, &mut all);
            for (i, &x) in xd.iter().enumerate().step_by(7) {
                let mut one = [x];
                op(k, &mut one);
                assert_eq!(
                    one[0].to_bits(),
                    all[i].to_bits(),
                    "{:?} f64 {name} at {x}",
                    k.isa()
                );
            }
            if k.isa() != Isa::Portable {
                vector_results64.push(all.iter().map(|v| v.to_bits()).collect());
            }
        }
    }
    if vector_results32.len() == 10 {
        assert_eq!(
            vector_results32[..5],
            vector_results32[5..],
            "AVX-512 and AVX2 differ (f32)"
        );
        assert_eq!(
            vector_results64[..5],
            vector_results64[5..],
            "AVX-512 and AVX2 differ (f64)"
        );
    }
}

/// Relative error of the reductions against an `f64` (for `f32` inputs) or
/// compensated (for `f64`) reference.
#[test]
fn reductions_match_references() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for k in kernels() {
        for n in [1usize, 2, 3, 7, 16, 17, 63, 64, 65, 1000] {
            for scale in [1.0, 30.0, 1e4] {
                let x64: Vec<f64> = (0..n).map(|_| (next() * 2.0 - 1.0) * scale).collect();
                let x32: Vec<f32> = x64.iter().map(|&v| v as f32).collect();
                // f64 reference from the f32 inputs and their shifts by the
                // maximum rounded to f32 as the algorithm rounds them (that
                // rounding, ≤ ½ ulp of x − m, is inherent to the shifted form).
                let r: Vec<f64> = x32.iter().map(|&v| v as f64).collect();
                let m32 = x32.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
                let d: Vec<f64> = x32.iter().map(|&v| (v - m32) as f64).collect();
                let m = m32 as f64;
                let s: f64 = d.iter().map(|v| v.exp()).sum();
                let lse = m + s.ln();
                let got = k.log_sum_exp(&x32) as f64;
                let tol = 4.0 * f32::EPSILON as f64 * lse.abs().max(1.0);
                assert!(
                    (got - lse).abs() <= tol,
                    "{:?} lse n={n} scale={scale}: {got} vs {lse}",
                    k.isa()
                );
                let mut sm = x32.clone();
                k.softmax_inplace(&mut sm);
                let mut ls = x32.clone();
                k.log_softmax_inplace(&mut ls);
                for j in 0..n {
                    let want = d[j].exp() / s;
                    let err = (sm[j] as f64 - want).abs();
                    assert!(
                        err <= 6.0 * f32::EPSILON as f64 * want + f32::MIN_POSITIVE as f64,
                        "{:?} softmax n={n} j={j}: {} vs {want}",
                        k.isa(),
                        sm[j]
                    );
                    let lw = r[j] - lse;
                    assert!(
                        (ls[j] as f64 - lw).abs()
                            <= 4.0 * f32::EPSILON as f64 * lse.abs().max(lw.abs()).max(1.0),
                        "{:?} log-softmax n={n} j={j}: {} vs {lw}",
                        k.isa(),
                        ls[j]
                    );
                }
                // f64: against the libm formula, relative 1e-14.
                let m = x64.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let s: f64 = x64.iter().map(|v| (v - m).exp()).sum();
                let lse = m + s.ln();
                let got = k.log_sum_exp(&x64);
                assert!(
                    (got - lse).abs() <= 1e-14 * lse.abs().max(1.0),
                    "{:?} f64 lse {got} vs {lse}",
                    k.isa()
                );
                let mut sm = x64.clone();
                k.softmax_inplace(&mut sm);
                for j in 0..n {
                    let want = (x64[j] - m).exp() / s;
                    assert!(
                        (sm[j] - want).abs() <= 1e-14 * want + 1e-300,
                        "{:?} f64 softmax {} vs {want}",
                        k.isa(),
                        sm[j]
                    );
                }
                let total: f64 = sm.iter().sum();
                assert!(
                    (total - 1.0).abs() < 1e-13,
                    "{:?} softmax sums to {total}",
                    k.isa()
                );
            }
        }
        // Edge cases: empty, ±inf, NaN.
        assert_eq!(k.log_sum_exp::<f32>(&[]), f32::NEG_INFINITY);
        assert_eq!(
            k.log_sum_exp(&[f64::NEG_INFINITY, f64::NEG_INFINITY]),
            f64::NEG_INFINITY
        );
        assert_eq!(k.log_sum_exp(&[1.0f32, f32::INFINITY]), f32::INFINITY);
        assert!(k.log_sum_exp(&[1.0f32, f32::NAN, 2.0]).is_nan());
        let mut v = [1e4f32, -1e4, 1e4];
        k.softmax_inplace(&mut v);
        assert_eq!(v, [0.5, 0.0, 0.5], "{:?}", k.isa());
        let mut v = [0.0f64, f64::NAN];
        k.softmax_inplace(&mut v);
        assert!(v.iter().all(|x| x.is_nan()), "{:?} {v:?}", k.isa());
        let mut v = [1e4f32, -1e4];
        k.log_softmax_inplace(&mut v);
        assert_eq!(v, [0.0, -2e4], "{:?}", k.isa());
    }
}

#[test]
fn detection_is_cached_and_forced_isas_are_checked() {
    let d = Isa::detected();
    assert_eq!(Isa::detected(), d);
    assert_eq!(Isa::available()[0], d);
    for isa in Isa::ALL {
        assert_eq!(Kernels::new(isa).is_some(), isa.is_available());
    }
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(
            Isa::Avx2Fma.is_available(),
            is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
        );
        assert_eq!(
            Isa::Avx512.is_available(),
            is_x86_feature_detected!("avx512f") && Isa::Avx2Fma.is_available()
        );
    }
}

/// Slices shorter than 16 take the scalar libm formulas in the reductions:
/// same bits as those formulas written out here, on every instruction set.
#[test]
fn short_rows_use_the_scalar_formulas() {
    for k in kernels() {
        for n in 1..16usize {
            let x: Vec<f32> = (0..n)
                .map(|i| (i as f32 * 1.7 - 6.0) * if i % 2 == 0 { 1.0 } else { -0.6 })
                .collect();
            let m = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let s: f32 = x.iter().map(|&v| (v - m).exp()).sum();
            let lse = m + s.ln();
            assert_eq!(k.log_sum_exp(&x), lse, "{:?} n={n}", k.isa());
            let mut ls = x.clone();
            k.log_softmax_inplace(&mut ls);
            let want: Vec<f32> = x.iter().map(|&v| v - lse).collect();
            assert_eq!(ls, want, "{:?} n={n}", k.isa());
            let mut sm = x.clone();
            k.softmax_inplace(&mut sm);
            let e: Vec<f32> = x.iter().map(|&v| (v - m).exp()).collect();
            let inv = 1.0 / e.iter().fold(0.0f32, |a, &b| a + b);
            let want: Vec<f32> = e.iter().map(|&v| v * inv).collect();
            assert_eq!(sm, want, "{:?} n={n}", k.isa());
        }
        assert_eq!(k.log_sum_exp(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert_eq!(k.log_sum_exp(&[f64::NEG_INFINITY]), f64::NEG_INFINITY);
    }
}
