//! Every implementation path of the products (each instruction set this
//! machine has, forced; the automatic choice; `matrixmultiply`) against the
//! naive triple loop, for every layout, odd sizes, strided views, alpha and
//! beta, f32 and f64, with and without the fused bias + activation.

use ndarray::{Array1, Array2, ArrayView2, s};

use super::*;

/// Deterministic values in [-0.5, 0.5).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    }

    fn matrix(&mut self, shape: (usize, usize)) -> Array2<f64> {
        Array2::from_shape_fn(shape, |_| self.next())
    }
}

fn paths() -> Vec<Path> {
    let mut v: Vec<Path> = Isa::available().into_iter().map(Path::Small).collect();
    v.push(Path::Auto);
    v.push(Path::Large);
    v
}

/// `alpha · op(a)·op(b) + beta · c0` by the triple loop, in f64.
fn naive(
    alpha: f64,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    beta: f64,
    c0: &Array2<f64>,
) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    Array2::from_shape_fn((m, n), |(i, j)| {
        let mut s = 0.0;
        for p in 0..k {
            s += a[[i, p]] * b[[p, j]];
        }
        let old = if beta == 0.0 { 0.0 } else { beta * c0[[i, j]] };
        alpha * s + old
    })
}

/// Stores `op` (the oriented operand) so that orienting it with `t` gives
/// it back; with `strided`, inside a twice-as-wide array (every other
/// column), so no stride is 1.
fn stored(op: &Array2<f64>, t: Trans, strided: bool) -> Array2<f64> {
    let m = match t {
        Trans::No => op.clone(),
        Trans::Yes => op.t().as_standard_layout().into_owned(),
    };
    if !strided {
        return m;
    }
    let (r, c) = m.dim();
    let mut wide = Array2::from_elem((r, 2 * c), f64::NAN);
    wide.slice_mut(s![.., ..;2]).assign(&m);
    wide
}

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * (1.0 + want.abs())
}

/// Runs one case on one path with element type `S` and compares with
/// `want`. `sa`, `sb` are the stored operands (see [`stored`]).
#[allow(clippy::too_many_arguments)]
fn run_case<S: Scalar>(
    path: Path,
    alpha: f64,
    (sa, ta): (&Array2<S>, Trans),
    (sb, tb): (&Array2<S>, Trans),
    strided: bool,
    beta: f64,
    c0: &Array2<f64>,
    c_transposed: bool,
    want: &Array2<f64>,
    tol: f64,
    what: &str,
) {
    let (a, b) = if strided {
        (sa.slice(s![.., ..;2]), sb.slice(s![.., ..;2]))
    } else {
        (sa.view(), sb.view())
    };
    // The output, possibly stored transposed (column stride ≠ 1); NaN
    // wherever beta == 0 must not read.
    let init = if beta == 0.0 {
        Array2::from_elem(c0.dim(), S::nan())
    } else {
        c0.mapv(S::lit)
    };
    let mut c_store = if c_transposed {
        init.t().as_standard_layout().into_owned()
    } else {
        init
    };
    {
        let c = if c_transposed {
            c_store.view_mut().reversed_axes()
        } else {
            c_store.view_mut()
        };
        product(path, S::lit(alpha), a, ta, b, tb, S::lit(beta), c, None).unwrap();
    }
    let got = if c_transposed {
        c_store.t().to_owned()
    } else {
        c_store
    };
    for ((i, j), w) in want.indexed_iter() {
        let g = got[[i, j]].as_f64();
        assert!(
            close(g, *w, tol),
            "{what} {path:?} {} at ({i}, {j}): {g} vs {w}",
            S::NAME
        );
    }
}

/// Runs one case in f64 and f32.
#[allow(clippy::too_many_arguments)]
fn check_case(
    path: Path,
    alpha: f64,
    (sa, ta): (&Array2<f64>, Trans),
    (sb, tb): (&Array2<f64>, Trans),
    strided: bool,
    beta: f64,
    c0: &Array2<f64>,
    c_transposed: bool,
    want: &Array2<f64>,
    what: &str,
) {
    run_case::<f64>(
        path,
        alpha,
        (sa, ta),
        (sb, tb),
        strided,
        beta,
        c0,
        c_transposed,
        want,
        1e-12,
        what,
    );
    let (a32, b32) = (sa.mapv(|v| v as f32), sb.mapv(|v| v as f32));
    run_case::<f32>(
        path,
        alpha,
        (&a32, ta),
        (&b32, tb),
        strided,
        beta,
        c0,
        c_transposed,
        want,
        1e-5,
        what,
    );
}

#[test]
fn every_path_layout_and_odd_size_matches_the_triple_loop() {
    let mut rng = Lcg(7);
    let sizes = [1usize, 3, 17];
    let mut shapes: Vec<(usize, usize, usize)> = Vec::new();
    for &m in &sizes {
        for &k in &sizes {
            for &n in &sizes {
                shapes.push((m, k, n));
            }
        }
    }
    shapes.extend([
        (63, 17, 65),
        (65, 63, 1),
        (1, 65, 63),
        (33, 64, 32),
        (32, 16, 64),
        (64, 32, 16),
        (17, 65, 33),
        (9, 33, 48),
    ]);
    let mut cases = 0usize;
    for &(m, k, n) in &shapes {
        let aop = rng.matrix((m, k));
        let bop = rng.matrix((k, n));
        let c0 = rng.matrix((m, n));
        for ta in [Trans::No, Trans::Yes] {
            for tb in [Trans::No, Trans::Yes] {
                for strided in [false, true] {
                    let (sa, sb) = (stored(&aop, ta, strided), stored(&bop, tb, strided));
                    for &(alpha, beta) in &[(1.0, 0.0), (0.7, 0.3), (-2.0, 1.0)] {
                        let want = naive(alpha, aop.view(), bop.view(), beta, &c0);
                        for c_t in [false, true] {
                            for path in paths() {
                                let what = format!(
                                    "{m}×{k}×{n} {ta:?}/{tb:?} strided={strided} \
                                     alpha={alpha} beta={beta} c_transposed={c_t}"
                                );
                                check_case(
                                    path,
                                    alpha,
                                    (&sa, ta),
                                    (&sb, tb),
                                    strided,
                                    beta,
                                    &c0,
                                    c_t,
                                    &want,
                                    &what,
                                );
                                cases += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(cases >= 35 * 4 * 2 * 3 * 2 * 3, "{cases} cases");
}

#[test]
fn beta_zero_never_reads_nan_in_c_on_any_path() {
    let a = Array2::from_shape_fn((9, 5), |(i, j)| (i + 2 * j) as f32 * 0.25);
    let b = Array2::from_shape_fn((5, 33), |(i, j)| (i as f32) - (j as f32) * 0.5);
    let want = a.dot(&b);
    for path in paths() {
        let mut c = Array2::from_elem((9, 33), f32::NAN);
        product(
            path,
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::No,
            0.0,
            c.view_mut(),
            None,
        )
        .unwrap();
        assert_eq!(c, want, "{path:?}");
    }
}

#[test]
fn empty_products_fill_beta_times_c_or_zero() {
    for path in paths() {
        // k = 0: c ← beta·c (zero when beta = 0, even over NaN).
        let a = Array2::<f64>::zeros((2, 0));
        let b = Array2::<f64>::zeros((0, 3));
        let mut c = Array2::from_elem((2, 3), f64::NAN);
        product(
            path,
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::No,
            0.0,
            c.view_mut(),
            None,
        )
        .unwrap();
        assert_eq!(c, Array2::<f64>::zeros((2, 3)), "{path:?}");
        let mut c = Array2::from_elem((2, 3), 4.0);
        product(
            path,
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::No,
            0.5,
            c.view_mut(),
            None,
        )
        .unwrap();
        assert_eq!(c, Array2::from_elem((2, 3), 2.0), "{path:?}");
        // m = 0 or n = 0: nothing to write, no error.
        let mut c = Array2::<f64>::zeros((0, 3));
        let a0 = Array2::<f64>::zeros((0, 4));
        let b0 = Array2::<f64>::ones((4, 3));
        product(
            path,
            1.0,
            a0.view(),
            Trans::No,
            b0.view(),
            Trans::No,
            0.0,
            c.view_mut(),
            None,
        )
        .unwrap();
    }
}

#[test]
fn negative_strides_are_multiplied_correctly() {
    let mut rng = Lcg(3);
    let a = rng.matrix((5, 4));
    let b = rng.matrix((4, 6));
    let ar = a.slice(s![..;-1, ..]);
    let want = ar.dot(&b);
    let mut c = Array2::zeros((5, 6));
    gemm_into(1.0, ar, Trans::No, b.view(), Trans::No, 0.0, c.view_mut()).unwrap();
    for (x, y) in c.iter().zip(want.iter()) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
}

fn act_ref(act: Activation, v: f64) -> f64 {
    act.apply(v)
}

#[test]
fn fused_bias_and_activation_match_product_then_activation_on_every_path() {
    let mut rng = Lcg(11);
    let acts = [
        Activation::Identity,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::LeakyRelu { alpha: 0.1 },
    ];
    for &(m, k, n) in &[
        (32, 16, 64),
        (32, 64, 32),
        (256, 32, 1),
        (17, 3, 65),
        (1, 5, 1),
        (3, 0, 4),
    ] {
        for ta in [Trans::No, Trans::Yes] {
            for tb in [Trans::No, Trans::Yes] {
                let aop = rng.matrix((m, k));
                let bop = rng.matrix((k, n));
                let bias = Array1::from_shape_fn(n, |_| rng.next());
                let (sa, sb) = (stored(&aop, ta, false), stored(&bop, tb, false));
                let z = naive(1.0, aop.view(), bop.view(), 0.0, &Array2::zeros((m, n)));
                for act in acts {
                    let want =
                        Array2::from_shape_fn((m, n), |(i, j)| act_ref(act, z[[i, j]] + bias[j]));
                    for path in paths() {
                        // The output plain, transposed, or the first n
                        // columns of wider rows (rows not consecutive).
                        for (c_t, c_wide) in [(false, false), (true, false), (false, true)] {
                            let mut store = Array2::from_elem((m, n), f64::NAN);
                            let mut store_t = Array2::from_elem((n, m), f64::NAN);
                            let mut store_w = Array2::from_elem((m, n + 3), f64::NAN);
                            let c = if c_t {
                                store_t.view_mut().reversed_axes()
                            } else if c_wide {
                                store_w.slice_mut(ndarray::s![.., ..n])
                            } else {
                                store.view_mut()
                            };
                            gemm_bias_act_with(
                                path,
                                sa.view(),
                                ta,
                                sb.view(),
                                tb,
                                bias.view(),
                                act,
                                c,
                            )
                            .unwrap();
                            let got = if c_t {
                                store_t.t().to_owned()
                            } else if c_wide {
                                let spare = store_w.slice(ndarray::s![.., n..]);
                                assert!(spare.iter().all(|v| v.is_nan()), "wrote past the columns");
                                store_w.slice(ndarray::s![.., ..n]).to_owned()
                            } else {
                                store
                            };
                            for ((i, j), w) in want.indexed_iter() {
                                assert!(
                                    close(got[[i, j]], *w, 1e-12),
                                    "{m}×{k}×{n} {ta:?}/{tb:?} {act:?} {path:?} c_t={c_t} c_wide={c_wide} \
                                     at ({i}, {j}): {} vs {w}",
                                    got[[i, j]]
                                );
                            }
                        }
                    }
                    // f32 on the automatic path.
                    let (a32, b32) = (sa.mapv(|v| v as f32), sb.mapv(|v| v as f32));
                    let bias32 = bias.mapv(|v| v as f32);
                    let mut c32 = Array2::from_elem((m, n), f32::NAN);
                    gemm_bias_act_into(
                        a32.view(),
                        ta,
                        b32.view(),
                        tb,
                        bias32.view(),
                        act,
                        c32.view_mut(),
                    )
                    .unwrap();
                    for ((i, j), w) in want.indexed_iter() {
                        assert!(
                            close(c32[[i, j]] as f64, *w, 1e-5),
                            "f32 {m}×{k}×{n} {act:?}: {} vs {w}",
                            c32[[i, j]]
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn fused_product_rejects_a_wrong_bias_and_a_bad_activation() {
    let a = Array2::<f32>::ones((2, 3));
    let b = Array2::<f32>::ones((3, 4));
    let mut c = Array2::<f32>::zeros((2, 4));
    let e = gemm_bias_act_into(
        a.view(),
        Trans::No,
        b.view(),
        Trans::No,
        Array1::zeros(3).view(),
        Activation::Relu,
        c.view_mut(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("4 biases") && e.contains('3'), "{e}");
    let e = gemm_bias_act_into(
        a.view(),
        Trans::No,
        b.view(),
        Trans::No,
        Array1::zeros(4).view(),
        Activation::LeakyRelu { alpha: 2.0 },
        c.view_mut(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("alpha"), "{e}");
    let e = gemm_bias_act_into(
        a.view(),
        Trans::No,
        a.view(),
        Trans::No,
        Array1::zeros(4).view(),
        Activation::Relu,
        c.view_mut(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("3 rows") && e.contains("2 rows"), "{e}");
}

#[test]
fn the_shape_thresholds_send_large_products_to_matrixmultiply() {
    // One column with contiguous left rows: dot products at any size.
    assert!(small_fits(1, 1 << 20, 1));
    // A one-column product whose left operand is strided counts its size.
    assert!(!small_fits(1, SMALL_MAX_KN + 1, 2));
    assert!(small_fits(1, SMALL_MAX_KN, 2));
    // Limits are inclusive.
    assert!(small_fits(SMALL_MAX_N, SMALL_MAX_KN / SMALL_MAX_N, 1));
    assert!(!small_fits(SMALL_MAX_N + 1, 1, 1));
    assert!(!small_fits(64, SMALL_MAX_KN / 64 + 1, 1));
    assert!(small_fits(64, SMALL_MAX_KN / 64, 1));
    // 512³ goes to matrixmultiply; the design network's products do not.
    assert!(!small_fits(512, 512, 1));
    assert!(small_fits(64, 16, 1) && small_fits(32, 64, 1) && small_fits(64, 256, 1));
    // No overflow on absurd sizes.
    assert!(!small_fits(2, usize::MAX, 1));
}

#[test]
fn the_detected_instruction_set_is_the_best_available_one() {
    let best = *Isa::available().last().unwrap();
    assert_eq!(Isa::detected(), best);
    // Cached: a second call agrees.
    assert_eq!(Isa::detected(), best);
}

#[test]
fn only_non_negative_strides_go_to_the_small_kernels() {
    assert_eq!(strides(&[3, 1]), Some((3, 1)));
    assert_eq!(strides(&[0, 7]), Some((0, 7)));
    assert_eq!(strides(&[-1, 1]), None);
    assert_eq!(strides(&[2, -3]), None);
}

#[test]
fn detection_prefers_avx512_then_avx2_with_fma_then_portable() {
    assert_eq!(Isa::pick(true, false, false), 3);
    assert_eq!(Isa::pick(true, true, true), 3);
    assert_eq!(Isa::pick(false, true, true), 2);
    assert_eq!(Isa::pick(false, true, false), 1);
    assert_eq!(Isa::pick(false, false, true), 1);
    assert_eq!(Isa::pick(false, false, false), 1);
    assert_eq!(Isa::from_code(1), Isa::Portable);
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(Isa::from_code(2), Isa::Avx2);
        assert_eq!(Isa::from_code(3), Isa::Avx512);
    }
}

#[test]
fn implementation_choice_gives_the_same_product() {
    let mut rng = Lcg(5);
    let a = rng.matrix((20, 30)).mapv(|v| v as f32);
    let b = rng.matrix((40, 30)).mapv(|v| v as f32);
    let want = a.dot(&b.t());
    for imp in [
        Implementation::Auto,
        Implementation::Small,
        Implementation::Large,
    ] {
        let mut c = Array2::from_elem((20, 40), f32::NAN);
        gemm_into_with(
            imp,
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::Yes,
            0.0,
            c.view_mut(),
        )
        .unwrap();
        for (x, y) in c.iter().zip(want.iter()) {
            assert!((x - y).abs() < 1e-5, "{imp:?}: {x} vs {y}");
        }
    }
}
