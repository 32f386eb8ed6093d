//! Matrix products into preallocated outputs.
//!
//! Training calls the same three product shapes every step (`x·W`, `xᵀ·g`,
//! `g·Wᵀ`); [`gemm_into`] writes each into a buffer the caller owns, so the
//! loop allocates nothing, and [`gemm_bias_act_into`] also adds a bias and
//! applies an activation to each finished row while it is still in cache.
//!
//! Two implementations, chosen per call:
//!
//! | product | implementation |
//! | --- | --- |
//! | right operand at most [`SMALL_MAX_N`] columns and [`SMALL_MAX_KN`] elements (after orienting, see below), or one column | this crate's register-blocked kernels (`gemm/small.rs`), AVX-512F, AVX2+FMA or portable, picked at run time once |
//! | anything larger, or negative strides | `ndarray::linalg::general_mat_mul` (the `matrixmultiply` crate, which packs both operands) |
//!
//! The small kernels pack nothing when the right operand's rows are
//! contiguous (`x·W`, `xᵀ·g`); when only the left operand's columns are
//! (`g·Wᵀ` has neither, `xᵀ·W`…), the product is computed as its transpose;
//! otherwise the right operand (at most [`SMALL_MAX_KN`] values) is copied
//! into a per-thread buffer first. A one-column product with contiguous
//! left rows runs as dot products. The limits were measured with the
//! `gemm_into` criterion group (`docs/bench-notes/gemm.md`).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU8, Ordering};

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

use crate::activation::{Activation, bias_add_activate};
use crate::error::shape_mismatch;
use crate::{Result, Scalar};

mod small;
#[cfg(target_arch = "x86_64")]
mod x86;

use small::Problem;

/// Widest right operand (columns, after orienting) the small kernels take.
///
/// ```
/// assert_eq!(ua_tensor::gemm::SMALL_MAX_N, 256);
/// ```
pub const SMALL_MAX_N: usize = 256;

/// Most elements of the right operand (`k·n`, after orienting) the small
/// kernels take; larger products go to `matrixmultiply`.
///
/// ```
/// assert_eq!(ua_tensor::gemm::SMALL_MAX_KN, 65_536);
/// ```
pub const SMALL_MAX_KN: usize = 1 << 16;

/// Whether an operand of [`gemm_into`] is used as stored or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trans {
    /// Use the matrix as stored.
    No,
    /// Use the transpose of the matrix (a stride swap, no copy).
    Yes,
}

fn oriented<'a, S>(m: ArrayView2<'a, S>, t: Trans) -> ArrayView2<'a, S> {
    match t {
        Trans::No => m,
        Trans::Yes => m.reversed_axes(),
    }
}

/// The instruction set the small kernels run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// Every instruction set this machine can run (for tests).
    #[cfg(test)]
    pub(crate) fn available() -> Vec<Isa> {
        let mut v = vec![Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                v.push(Isa::Avx2);
            }
            if is_x86_feature_detected!("avx512f") {
                v.push(Isa::Avx512);
            }
        }
        v
    }

    /// The best instruction set of this machine, detected once.
    fn detected() -> Isa {
        static CACHE: AtomicU8 = AtomicU8::new(0);
        let code = match CACHE.load(Ordering::Relaxed) {
            0 => {
                let code = Self::detect();
                CACHE.store(code, Ordering::Relaxed);
                code
            }
            c => c,
        };
        Self::from_code(code)
    }

    /// The instruction set of a detection code (see [`Isa::pick`]).
    fn from_code(code: u8) -> Isa {
        match code {
            #[cfg(target_arch = "x86_64")]
            3 => Isa::Avx512,
            #[cfg(target_arch = "x86_64")]
            2 => Isa::Avx2,
            _ => Isa::Portable,
        }
    }

    /// The detection code of this machine (never 0, which marks "not yet
    /// detected").
    fn detect() -> u8 {
        #[cfg(target_arch = "x86_64")]
        {
            Self::pick(
                is_x86_feature_detected!("avx512f"),
                is_x86_feature_detected!("avx2"),
                is_x86_feature_detected!("fma"),
            )
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            1
        }
    }

    /// 3 (AVX-512F) over 2 (AVX2 and FMA, both needed) over 1 (portable).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn pick(avx512f: bool, avx2: bool, fma: bool) -> u8 {
        if avx512f {
            3
        } else if avx2 && fma {
            2
        } else {
            1
        }
    }
}

/// Which implementation a product runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Path {
    /// Pick by shape and the detected instruction set.
    Auto,
    /// The small kernels with this instruction set, whatever the shape.
    Small(Isa),
    /// `matrixmultiply`.
    Large,
}

/// `c ← alpha · op(a) · op(b) + beta · c`, where `op` transposes when asked.
///
/// With `beta == 0` the old contents of `c` are not read (NaN in `c` does not
/// leak into the result). Any strides are accepted (views, transposes,
/// column slices). Returns an error, not a panic, when the shapes do not fit.
///
/// ```
/// use ndarray::{array, Array2};
/// use ua_tensor::gemm::{gemm_into, Trans};
/// let a = array![[1.0f32, 2.0], [3.0, 4.0]];
/// let b = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]]; // 3×2, used transposed
/// let mut c = Array2::zeros((2, 3));
/// gemm_into(1.0, a.view(), Trans::No, b.view(), Trans::Yes, 0.0, c.view_mut()).unwrap();
/// assert_eq!(c, array![[1.0, 2.0, 3.0], [3.0, 4.0, 7.0]]);
/// ```
pub fn gemm_into<S: Scalar>(
    alpha: S,
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
    beta: S,
    c: ArrayViewMut2<'_, S>,
) -> Result<()> {
    product(Path::Auto, alpha, a, ta, b, tb, beta, c, None)
}

/// Which implementation [`gemm_into_with`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// Chosen by shape, as [`gemm_into`] does.
    Auto,
    /// This crate's small-matrix kernels (best instruction set of the
    /// machine), whatever the shape. Right operands whose rows are not
    /// contiguous are copied first, so very large products cost memory.
    Small,
    /// `matrixmultiply` (through `ndarray::linalg::general_mat_mul`).
    Large,
}

/// [`gemm_into`] on a chosen implementation: how the shape thresholds
/// ([`SMALL_MAX_N`], [`SMALL_MAX_KN`]) are measured. Same results up to
/// rounding, same errors.
///
/// ```
/// use ndarray::{array, Array2};
/// use ua_tensor::gemm::{gemm_into_with, Implementation, Trans};
/// let a = array![[1.0f32, 2.0], [3.0, 4.0]];
/// for imp in [Implementation::Auto, Implementation::Small, Implementation::Large] {
///     let mut c = Array2::zeros((2, 2));
///     gemm_into_with(imp, 1.0, a.view(), Trans::No, a.view(), Trans::Yes, 0.0, c.view_mut()).unwrap();
///     assert_eq!(c, array![[5.0, 11.0], [11.0, 25.0]]);
/// }
/// ```
#[allow(clippy::too_many_arguments)]
pub fn gemm_into_with<S: Scalar>(
    imp: Implementation,
    alpha: S,
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
    beta: S,
    c: ArrayViewMut2<'_, S>,
) -> Result<()> {
    let path = match imp {
        Implementation::Auto => Path::Auto,
        Implementation::Small => Path::Small(Isa::detected()),
        Implementation::Large => Path::Large,
    };
    product(path, alpha, a, ta, b, tb, beta, c, None)
}

/// `c ← act(op(a) · op(b) + bias)`: the product of a dense layer, with the
/// bias add and activation applied to each finished row of `c` while it is
/// still in cache (through
/// [`bias_add_activate_slice`](crate::activation::bias_add_activate_slice)).
///
/// `bias` has one entry per column of `c`. The old contents of `c` are not
/// read. Errors on mismatched shapes (naming the sizes) or a bad activation
/// parameter.
///
/// ```
/// use ndarray::{array, Array2};
/// use ua_tensor::activation::Activation;
/// use ua_tensor::gemm::{gemm_bias_act_into, Trans};
/// let x = array![[1.0f32, 2.0]];
/// let w = array![[1.0f32, -1.0], [1.0, -1.0]];
/// let mut y = Array2::from_elem((1, 2), f32::NAN);
/// gemm_bias_act_into(x.view(), Trans::No, w.view(), Trans::No, array![0.5f32, 1.0].view(), Activation::Relu, y.view_mut()).unwrap();
/// assert_eq!(y, array![[3.5, 0.0]]);
/// let e = gemm_bias_act_into(x.view(), Trans::No, w.view(), Trans::No, array![0.5f32].view(), Activation::Relu, y.view_mut());
/// assert!(e.unwrap_err().to_string().contains("bias"));
/// ```
pub fn gemm_bias_act_into<S: Scalar>(
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
    bias: ArrayView1<'_, S>,
    act: Activation,
    c: ArrayViewMut2<'_, S>,
) -> Result<()> {
    gemm_bias_act_with(Path::Auto, a, ta, b, tb, bias, act, c)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_bias_act_with<S: Scalar>(
    path: Path,
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
    bias: ArrayView1<'_, S>,
    act: Activation,
    c: ArrayViewMut2<'_, S>,
) -> Result<()> {
    act.validate()?;
    if bias.len() != c.ncols() {
        return Err(shape_mismatch(
            "bias of the fused product",
            format!("{} biases (one per output column)", c.ncols()),
            bias.len(),
        ));
    }
    let owned;
    let bias: &[S] = match bias.as_slice() {
        Some(b) => b,
        None => {
            owned = bias.to_vec();
            &owned
        }
    };
    product(
        path,
        S::one(),
        a,
        ta,
        b,
        tb,
        S::zero(),
        c,
        Some((bias, act)),
    )
}

/// Non-negative strides of a view, or `None`.
fn strides(s: &[isize]) -> Option<(isize, isize)> {
    (s[0] >= 0 && s[1] >= 0).then_some((s[0], s[1]))
}

/// The whole product with the epilogue; `path` picks the implementation.
#[allow(clippy::too_many_arguments)]
pub(crate) fn product<S: Scalar>(
    path: Path,
    alpha: S,
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
    beta: S,
    mut c: ArrayViewMut2<'_, S>,
    epilogue: Option<(&[S], Activation)>,
) -> Result<()> {
    let a = oriented(a, ta);
    let b = oriented(b, tb);
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    if k != k2 {
        return Err(shape_mismatch(
            "matrix product",
            format!("right operand with {k} rows"),
            format!("{k2} rows ({k2}×{n})"),
        ));
    }
    if c.dim() != (m, n) {
        return Err(shape_mismatch("matrix product output", (m, n), c.dim()));
    }
    let finish = |c: ArrayViewMut2<'_, S>| match epilogue {
        Some((bias, act)) => bias_add_activate(c, ArrayView1::from(bias), act),
        None => Ok(()),
    };
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if beta == S::zero() {
            c.fill(S::zero());
        } else {
            c.mapv_inplace(|v| v * beta);
        }
        return finish(c);
    }
    let (Some((rsa, csa)), Some((rsb, csb)), Some((rsc, csc))) = (
        strides(a.strides()),
        strides(b.strides()),
        strides(c.strides()),
    ) else {
        general_mat_mul(alpha, &a, &b, beta, &mut c);
        return finish(c);
    };
    // Orient the problem so the right operand's rows are contiguous when
    // either operand allows it: cᵀ = op(b)ᵀ · op(a)ᵀ.
    let direct = if n == 1 {
        csa == 1 || rsa != 1
    } else {
        csb == 1 || rsa != 1
    };
    let d = if direct {
        Desc {
            m,
            n,
            k,
            a: (a.as_ptr(), rsa, csa),
            b: (b.as_ptr(), rsb, csb),
            c: (c.as_mut_ptr(), rsc, csc),
        }
    } else {
        Desc {
            m: n,
            n: m,
            k,
            a: (b.as_ptr(), csb, rsb),
            b: (a.as_ptr(), csa, rsa),
            c: (c.as_mut_ptr(), csc, rsc),
        }
    };
    let isa = match path {
        Path::Small(isa) => isa,
        Path::Large => {
            general_mat_mul(alpha, &a, &b, beta, &mut c);
            return finish(c);
        }
        Path::Auto => {
            if !small_fits(d.n, d.k, d.a.2) {
                general_mat_mul(alpha, &a, &b, beta, &mut c);
                return finish(c);
            }
            Isa::detected()
        }
    };
    let epi = if direct { epilogue } else { None };
    let fused = match run_small(isa, d, alpha, beta, epi) {
        Some(r) => {
            r?;
            epi.is_some() && csc == 1
        }
        None => {
            // Not f32 or f64: the generic product.
            general_mat_mul(alpha, &a, &b, beta, &mut c);
            false
        }
    };
    if fused { Ok(()) } else { finish(c) }
}

/// Whether the small kernels take an oriented product with `n` columns,
/// depth `k` and left column stride `csa`: one column with contiguous left
/// rows (dot products, any size), or a right operand within the limits.
fn small_fits(n: usize, k: usize, csa: isize) -> bool {
    (n == 1 && csa == 1) || (n <= SMALL_MAX_N && k.saturating_mul(n) <= SMALL_MAX_KN)
}

/// A product over raw strided operands: `(pointer, row stride, column
/// stride)` each, `m × k` times `k × n`.
struct Desc<S> {
    m: usize,
    n: usize,
    k: usize,
    a: (*const S, isize, isize),
    b: (*const S, isize, isize),
    c: (*mut S, isize, isize),
}

thread_local! {
    /// Per-thread buffers for a right operand that has to be reordered.
    static PACK_F32: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    static PACK_F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `d` on the small kernels when `S` is `f32` or `f64` (`None`
/// otherwise).
fn run_small<S: Scalar>(
    isa: Isa,
    d: Desc<S>,
    alpha: S,
    beta: S,
    epilogue: Option<(&[S], Activation)>,
) -> Option<Result<()>> {
    // `as_f32_slice` is `Some` exactly when `S` is `f32`: that proves the
    // pointer casts below keep the element type.
    if let (Some(&[al]), Some(&[be])) = (
        S::as_f32_slice(std::slice::from_ref(&alpha)),
        S::as_f32_slice(std::slice::from_ref(&beta)),
    ) {
        let epi = match epilogue {
            Some((bias, act)) => Some((S::as_f32_slice(bias)?, act)),
            None => None,
        };
        let d = d.cast::<f32>();
        return Some(PACK_F32.with(|buf| {
            with_packed(d, al, be, epi, buf, |p| match isa {
                // SAFETY: `Problem` invariants from `with_packed`; the
                // instruction set was detected (or, in tests, listed by
                // `Isa::available`).
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => unsafe { x86::avx512_f32(p) },
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => unsafe { x86::avx2_f32(p) },
                // SAFETY: as above; no instruction set needed.
                Isa::Portable => unsafe { small::run::<f32>(p) },
            })
        }));
    }
    if let (Some(&[al]), Some(&[be])) = (
        S::as_f64_slice(std::slice::from_ref(&alpha)),
        S::as_f64_slice(std::slice::from_ref(&beta)),
    ) {
        let epi = match epilogue {
            Some((bias, act)) => Some((S::as_f64_slice(bias)?, act)),
            None => None,
        };
        let d = d.cast::<f64>();
        return Some(PACK_F64.with(|buf| {
            with_packed(d, al, be, epi, buf, |p| match isa {
                // SAFETY: as for f32.
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => unsafe { x86::avx512_f64(p) },
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => unsafe { x86::avx2_f64(p) },
                // SAFETY: as above; no instruction set needed.
                Isa::Portable => unsafe { small::run::<f64>(p) },
            })
        }));
    }
    None
}

impl<S> Desc<S> {
    /// The same product with the element type `T`; only called once
    /// `as_f32_slice`/`as_f64_slice` showed that `T` is `S`.
    fn cast<T>(self) -> Desc<T> {
        Desc {
            m: self.m,
            n: self.n,
            k: self.k,
            a: (self.a.0.cast(), self.a.1, self.a.2),
            b: (self.b.0.cast(), self.b.1, self.b.2),
            c: (self.c.0.cast(), self.c.1, self.c.2),
        }
    }
}

/// Builds the kernel's [`Problem`], copying the right operand into `buf`
/// (row-major) when its rows are not contiguous, and runs `kernel`.
fn with_packed<E: Scalar>(
    d: Desc<E>,
    alpha: E,
    beta: E,
    epilogue: Option<(&[E], Activation)>,
    buf: &RefCell<Vec<E>>,
    kernel: impl Fn(&Problem<'_, E>) -> Result<()>,
) -> Result<()> {
    let mut p = Problem {
        m: d.m,
        n: d.n,
        k: d.k,
        alpha,
        beta,
        a: d.a.0,
        rsa: d.a.1,
        csa: d.a.2,
        b: d.b.0,
        rsb: d.b.1,
        c: d.c.0,
        rsc: d.c.1,
        csc: d.c.2,
        epilogue,
    };
    if d.b.2 == 1 || d.n == 1 {
        return kernel(&p);
    }
    let mut local = Vec::new();
    let mut guard = buf.try_borrow_mut();
    let packed: &mut Vec<E> = match guard.as_mut() {
        Ok(g) => g,
        Err(_) => &mut local,
    };
    // Grown once per thread and then reused as it is: every element of the
    // first k·n is written below, so there is nothing to clear.
    if packed.len() < d.k * d.n {
        packed.resize(d.k * d.n, E::zero());
    }
    let (b, rs, cs) = d.b;
    for (q, row) in packed[..d.k * d.n].chunks_exact_mut(d.n).enumerate() {
        // SAFETY: row q of the k × n right operand.
        let src = unsafe { b.offset(q as isize * rs) };
        for (j, v) in row.iter_mut().enumerate() {
            // SAFETY: (q, j) is inside the k × n right operand.
            *v = unsafe { *src.offset(j as isize * cs) };
        }
    }
    p.b = packed.as_ptr();
    p.rsb = d.n as isize;
    kernel(&p)
}

/// `op(a) · op(b)` into a new matrix.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::gemm::{matmul, Trans};
/// let a = array![[1.0f64, 2.0], [3.0, 4.0]];
/// let c = matmul(a.view(), Trans::Yes, a.view(), Trans::No).unwrap(); // aᵀa
/// assert_eq!(c, array![[10.0, 14.0], [14.0, 20.0]]);
/// ```
pub fn matmul<S: Scalar>(
    a: ArrayView2<'_, S>,
    ta: Trans,
    b: ArrayView2<'_, S>,
    tb: Trans,
) -> Result<Array2<S>> {
    let m = oriented(a.view(), ta).nrows();
    let n = oriented(b.view(), tb).ncols();
    let mut c = Array2::zeros((m, n));
    gemm_into(S::one(), a, ta, b, tb, S::zero(), c.view_mut())?;
    Ok(c)
}

#[cfg(test)]
mod kernel_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn all_transpose_combinations_match_naive() {
        let a = array![[1.0f64, -2.0, 0.5], [3.0, 4.0, -1.0]]; // 2×3
        let b = array![[2.0f64, 1.0], [0.0, -1.0], [1.5, 3.0]]; // 3×2
        let want = a.dot(&b);
        let c = matmul(a.view(), Trans::No, b.view(), Trans::No).unwrap();
        assert_eq!(c, want);
        let at = a.t().to_owned();
        let bt = b.t().to_owned();
        assert_eq!(
            matmul(at.view(), Trans::Yes, b.view(), Trans::No).unwrap(),
            want
        );
        assert_eq!(
            matmul(a.view(), Trans::No, bt.view(), Trans::Yes).unwrap(),
            want
        );
        assert_eq!(
            matmul(at.view(), Trans::Yes, bt.view(), Trans::Yes).unwrap(),
            want
        );
    }

    #[test]
    fn accumulates_with_beta_and_ignores_stale_nan_with_beta_zero() {
        let a = array![[1.0f32, 2.0]];
        let b = array![[3.0f32], [4.0]];
        let mut c = array![[1.0f32]];
        gemm_into(
            2.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::No,
            1.0,
            c.view_mut(),
        )
        .unwrap();
        assert_eq!(c[[0, 0]], 23.0);
        let mut c = array![[f32::NAN]];
        gemm_into(
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::No,
            0.0,
            c.view_mut(),
        )
        .unwrap();
        assert_eq!(c[[0, 0]], 11.0);
    }

    #[test]
    fn agrees_with_the_naive_product_for_every_layout_alpha_and_beta() {
        let mut seed = 1u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        };
        for &(m, k, n) in &[
            (32, 16, 64),
            (32, 64, 1),
            (1, 32, 1),
            (5, 3, 7),
            (17, 33, 2),
            (256, 64, 16),
        ] {
            for ta in [Trans::No, Trans::Yes] {
                for tb in [Trans::No, Trans::Yes] {
                    let a_shape = if ta == Trans::No { (m, k) } else { (k, m) };
                    let b_shape = if tb == Trans::No { (k, n) } else { (n, k) };
                    let a = Array2::from_shape_fn(a_shape, |_| next());
                    let b = Array2::from_shape_fn(b_shape, |_| next());
                    let c0 = Array2::from_shape_fn((m, n), |_| next());
                    let (ao, bo) = (oriented(a.view(), ta), oriented(b.view(), tb));
                    let want = Array2::from_shape_fn((m, n), |(i, j)| {
                        0.3 * c0[[i, j]]
                            + 0.7 * (0..k).map(|p| ao[[i, p]] * bo[[p, j]]).sum::<f64>()
                    });
                    let mut c = c0.clone();
                    gemm_into(0.7, a.view(), ta, b.view(), tb, 0.3, c.view_mut()).unwrap();
                    for (x, y) in c.iter().zip(want.iter()) {
                        assert!(
                            (x - y).abs() < 1e-12,
                            "{m}×{k}×{n} {ta:?} {tb:?}: {x} vs {y}"
                        );
                    }
                    let mut c32 = c0.mapv(|v| v as f32);
                    let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
                    gemm_into(0.7, a32.view(), ta, b32.view(), tb, 0.3, c32.view_mut()).unwrap();
                    for (x, y) in c32.iter().zip(want.iter()) {
                        assert!(
                            (*x as f64 - y).abs() < 1e-4,
                            "f32 {m}×{k}×{n} {ta:?} {tb:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn shape_errors_name_the_sizes() {
        let a = Array2::<f32>::zeros((2, 3));
        let b = Array2::<f32>::zeros((2, 3));
        let e = matmul(a.view(), Trans::No, b.view(), Trans::No).unwrap_err();
        assert!(e.to_string().contains("3 rows"), "{e}");
        let mut c = Array2::<f32>::zeros((3, 3));
        let e = gemm_into(
            1.0,
            a.view(),
            Trans::No,
            b.view(),
            Trans::Yes,
            0.0,
            c.view_mut(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("(2, 2)"), "{e}");
    }
}
