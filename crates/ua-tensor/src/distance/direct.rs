//! Direct squared-distance kernels for few columns and few rows of `y`:
//! `Σ_t (x_t − y_t)²` evaluated in registers, no product, no packing.
//!
//! The rows of `x` are taken `L` at a time and transposed into a small tile
//! (`d × L`, column `t` of the `L` rows side by side), so that every
//! operation of the kernel works on `L` rows at once: for each row `j` of `y`
//! (`KB` of them per register block) and each column `t`,
//! `acc[l] += (tile[t][l] − y[j][t])²`. The argmin over `j` is a per-lane
//! select, so nothing is horizontal.
//!
//! The same source is compiled three times — for AVX-512F, for AVX2 + FMA
//! and for the baseline target — and chosen at run time with
//! `is_x86_feature_detected!`; LLVM vectorises the fixed-length lane loops
//! for each. Every distance is `acc = fma(e, e, acc)` with `e = x_t − y_t`,
//! the columns in order: one fused multiply-add per term (one rounding), in
//! every variant — the baseline x86 one calls the library `fma`, slower but
//! the same value — so all three give bit-identical results (and the block
//! sizes `L`, `KB` do not change any value either).

use ndarray::ArrayView2;

use crate::Scalar;

/// Largest number of columns the direct kernels are used for.
pub(crate) const MAX_COLS: usize = 64;
/// Largest number of rows of `y` the direct kernels are used for.
pub(crate) const MAX_ROWS: usize = 64;

/// Whether the direct kernel is the faster choice for `d` columns and `m`
/// rows of `y` (measured threshold; see docs/bench-notes/kmeans.md).
pub(crate) fn use_direct(d: usize, m: usize) -> bool {
    (1..=MAX_COLS).contains(&d) && (1..=MAX_ROWS).contains(&m)
}

/// Copies rows `r0..r0 + m` of `x` into the transposed tile
/// `xt[t * L + l] = x[r0 + l, t]`; the lanes `m..L` repeat the last row.
///
/// Never inlined into the AVX-512 / AVX2 variants, so it is compiled for the
/// baseline target: with AVX-512 enabled LLVM vectorises these strided
/// stores into scatter instructions, which are several times slower than
/// plain stores on current AMD cores (measured: the scatter version took
/// half of the k-means++ time).
#[inline(never)]
fn fill_tile<S: Scalar, const L: usize>(
    x: &ArrayView2<'_, S>,
    xs: Option<&[S]>,
    r0: usize,
    m: usize,
    xt: &mut [S],
) {
    let d = x.ncols();
    match xs {
        Some(xs) => {
            for (l, row) in xs[r0 * d..(r0 + m) * d].chunks_exact(d).enumerate() {
                for (lane, &v) in xt.chunks_exact_mut(L).zip(row) {
                    lane[l] = v;
                }
            }
        }
        None => {
            for l in 0..m {
                for (lane, &v) in xt.chunks_exact_mut(L).zip(x.row(r0 + l)) {
                    lane[l] = v;
                }
            }
        }
    }
    for lane in xt.chunks_exact_mut(L) {
        let last = lane[m - 1];
        lane[m..].fill(last);
    }
}

/// Fills the tile for rows `r0..r0 + m`: with `T8` (only the AVX-512
/// variant passes it) a full tile of 16 rows of 8 `f64` columns in standard
/// layout is transposed in registers ([`avx512::transpose8x16`]); every
/// other case goes through [`fill_tile`]. Both write the same values.
#[inline(always)]
fn fill<S: Scalar, const L: usize, const T8: bool>(
    x: &ArrayView2<'_, S>,
    xs: Option<&[S]>,
    r0: usize,
    m: usize,
    xt: &mut [S],
) {
    #[cfg(target_arch = "x86_64")]
    if T8
        && L == 16
        && m == 16
        && x.ncols() == 8
        && let (Some(src), Some(dst)) = (xs.and_then(S::as_f64_slice), S::as_f64_slice_mut(xt))
    {
        let ahead = (r0 + 16 * PREFETCH_TILES).min(x.nrows().saturating_sub(16));
        // SAFETY: `T8` is only passed by the AVX-512 variants, which run
        // after `is_x86_feature_detected!("avx512f")`.
        unsafe {
            avx512::transpose8x16(&src[r0 * 8..(r0 + 16) * 8], dst);
            avx512::prefetch16(&src[ahead * 8..(ahead + 16) * 8]);
        }
        return;
    }
    fill_tile::<S, L>(x, xs, r0, m, xt)
}

/// Tiles of 16 rows read ahead by [`avx512::prefetch16`].
const PREFETCH_TILES: usize = 8;

/// Squared distances of the `L` tile rows to every row of `y` (`ys`,
/// row-major `k × d`), written centre-major: `out[j * L + l]`.
#[inline(always)]
fn tile_dists<S: Scalar, const L: usize, const KB: usize>(
    xt: &[S],
    ys: &[S],
    d: usize,
    out: &mut [S],
) {
    let (lanes, _) = xt.as_chunks::<L>();
    let lanes = &lanes[..d];
    let mut yb = ys.chunks_exact(d * KB);
    let mut ob = out.chunks_exact_mut(L * KB);
    for (yblk, oblk) in (&mut yb).zip(&mut ob) {
        let mut acc = [[S::zero(); L]; KB];
        for (t, xr) in lanes.iter().enumerate() {
            for (b, a) in acc.iter_mut().enumerate() {
                let v = yblk[b * d + t];
                for l in 0..L {
                    let e = xr[l] - v;
                    a[l] = e.mul_add(e, a[l]);
                }
            }
        }
        for (o, a) in oblk.chunks_exact_mut(L).zip(&acc) {
            o.copy_from_slice(a);
        }
    }
    for (yr, o) in yb
        .remainder()
        .chunks_exact(d)
        .zip(ob.into_remainder().chunks_exact_mut(L))
    {
        let mut a = [S::zero(); L];
        for (xr, &v) in lanes.iter().zip(yr) {
            for l in 0..L {
                let e = xr[l] - v;
                a[l] = e.mul_add(e, a[l]);
            }
        }
        o.copy_from_slice(&a);
    }
}

/// The nearest row of `ys` to each of the `L` tile rows: the distances of
/// each register block of `KB` rows of `y` are folded into the running
/// minimum while still in registers (no tile of `k × L` distances written
/// and read back). A NaN best distance marks "nothing accepted yet": the
/// first non-NaN distance is taken whatever its value; then only a strictly
/// smaller one, so ties keep the lowest index and NaN never wins.
#[inline(always)]
fn tile_nearest<S: Scalar, const L: usize, const KB: usize>(
    xt: &[S],
    ys: &[S],
    d: usize,
    best: &mut [S; L],
    lab: &mut [usize; L],
) {
    let (lanes, _) = xt.as_chunks::<L>();
    let lanes = &lanes[..d];
    let mut bst = [S::nan(); L];
    let mut lb = [0usize; L];
    macro_rules! fold {
        ($j:expr, $a:expr) => {
            for l in 0..L {
                let v = $a[l];
                // `v < best`, or best still NaN: both are "not v ≥ best"
                // (unordered when best is NaN), for a non-NaN `v`.
                #[allow(clippy::neg_cmp_op_on_partial_ord)]
                let take = !(v >= bst[l]) & !v.is_nan();
                bst[l] = if take { v } else { bst[l] };
                lb[l] = if take { $j } else { lb[l] };
            }
        };
    }
    let mut yb = ys.chunks_exact(d * KB);
    let mut j0 = 0;
    for yblk in &mut yb {
        let mut acc = [[S::zero(); L]; KB];
        for (t, xr) in lanes.iter().enumerate() {
            for (b, a) in acc.iter_mut().enumerate() {
                let v = yblk[b * d + t];
                for l in 0..L {
                    let e = xr[l] - v;
                    a[l] = e.mul_add(e, a[l]);
                }
            }
        }
        for (b, a) in acc.iter().enumerate() {
            fold!(j0 + b, a);
        }
        j0 += KB;
    }
    for yr in yb.remainder().chunks_exact(d) {
        let mut a = [S::zero(); L];
        for (xr, &v) in lanes.iter().zip(yr) {
            for l in 0..L {
                let e = xr[l] - v;
                a[l] = e.mul_add(e, a[l]);
            }
        }
        fold!(j0, a);
        j0 += 1;
    }
    *best = bst;
    *lab = lb;
}

/// [`nearest_into`] for one block size.
#[inline(always)]
fn nearest_impl<S: Scalar, const L: usize, const KB: usize, const T8: bool>(
    x: ArrayView2<'_, S>,
    ys: &[S],
    idx: &mut [usize],
    dist: &mut [S],
) {
    let (n, d) = x.dim();
    let xs = x.as_slice();
    let mut xt = vec![S::zero(); d * L];
    let mut best = [S::nan(); L];
    let mut lab = [0usize; L];
    let mut r0 = 0;
    while r0 < n {
        let m = (n - r0).min(L);
        fill::<S, L, T8>(&x, xs, r0, m, &mut xt);
        tile_nearest::<S, L, KB>(&xt, ys, d, &mut best, &mut lab);
        if m == L {
            // Fixed length: inlined moves instead of two `memcpy` calls per tile.
            idx[r0..r0 + L].copy_from_slice(&lab);
            dist[r0..r0 + L].copy_from_slice(&best);
        } else {
            idx[r0..r0 + m].copy_from_slice(&lab[..m]);
            dist[r0..r0 + m].copy_from_slice(&best[..m]);
        }
        r0 += m;
    }
}

/// [`sq_distances_into`] for one block size.
#[inline(always)]
fn sq_distances_impl<S: Scalar, const L: usize, const KB: usize, const T8: bool>(
    x: ArrayView2<'_, S>,
    ys: &[S],
    out: &mut [S],
) {
    let (n, d) = x.dim();
    let k = ys.len() / d;
    let xs = x.as_slice();
    let mut xt = vec![S::zero(); d * L];
    let mut tile = vec![S::zero(); k * L];
    let mut r0 = 0;
    while r0 < n {
        let m = (n - r0).min(L);
        fill::<S, L, T8>(&x, xs, r0, m, &mut xt);
        tile_dists::<S, L, KB>(&xt, ys, d, &mut tile);
        write_rows::<S, L>(&tile, &mut out[r0 * k..(r0 + m) * k], k);
        r0 += m;
    }
}

/// Writes the centre-major tile (`tile[j * L + l]`) as rows of `k`
/// distances. Compiled for the baseline target for the reason given at
/// [`fill_tile`] (gathers instead of scatters here).
#[inline(never)]
fn write_rows<S: Scalar, const L: usize>(tile: &[S], out: &mut [S], k: usize) {
    for (l, row) in out.chunks_exact_mut(k).enumerate() {
        for (o, lane) in row.iter_mut().zip(tile.chunks_exact(L)) {
            *o = lane[l];
        }
    }
}

macro_rules! dispatch {
    ($imp:ident, $($arg:expr),*) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { avx512::$imp($($arg),*) };
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU supports AVX2 and FMA (checked just above).
                return unsafe { avx2::$imp($($arg),*) };
            }
        }
        $imp::<S, 4, 2, false>($($arg),*)
    }};
}

/// For every row of `x` (`n × d`, any layout), the index of the nearest row
/// of `ys` (row-major `k × d`, `k ≥ 1`) and the squared distance to it, into
/// `idx` and `dist` (length `n` each). Ties go to the lowest index; NaN
/// distances never win; a row whose distances are all NaN gets index 0 and
/// distance NaN.
pub(crate) fn nearest_into<S: Scalar>(
    x: ArrayView2<'_, S>,
    ys: &[S],
    idx: &mut [usize],
    dist: &mut [S],
) {
    dispatch!(nearest_impl, x, ys, idx, dist)
}

/// Squared distances of every row of `x` (`n × d`, any layout) to every row
/// of `ys` (row-major `k × d`), into `out` (row-major `n × k`).
pub(crate) fn sq_distances_into<S: Scalar>(x: ArrayView2<'_, S>, ys: &[S], out: &mut [S]) {
    dispatch!(sq_distances_impl, x, ys, out)
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::*;
    use std::arch::x86_64::*;

    /// Transposes 16 rows of 8 `f64` (`src`, row-major, 128 values) into the
    /// tile `dst[t * 16 + l] = src[l * 8 + t]`: two 8 × 8 transposes in
    /// registers (unpack, two-source permute, 128-bit lane shuffle), eight
    /// aligned-width stores each — no strided scalar stores, no scatter.
    /// Asks for the 16 rows of 8 `f64` of `src` (16 cache lines) to be
    /// brought into the cache.
    #[target_feature(enable = "avx512f")]
    pub(super) fn prefetch16(src: &[f64]) {
        for line in src.chunks_exact(8) {
            _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast());
        }
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn transpose8x16(src: &[f64], dst: &mut [f64]) {
        assert!(src.len() >= 128 && dst.len() >= 128);
        // Stage 2 picks 64-bit pairs of two vectors, stage 3 256-bit halves.
        let lo2 = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
        let hi2 = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
        for g in 0..2 {
            // SAFETY: `src` holds 128 values (asserted), rows 8g..8g + 8 are
            // within it; unaligned loads.
            let r: [__m512d; 8] = std::array::from_fn(|i| unsafe {
                _mm512_loadu_pd(src.as_ptr().add((g * 8 + i) * 8))
            });
            // u[2p] = columns 0,2,4,6 of rows 2p, 2p+1 interleaved; u[2p+1] = 1,3,5,7.
            let u = [
                _mm512_unpacklo_pd(r[0], r[1]),
                _mm512_unpackhi_pd(r[0], r[1]),
                _mm512_unpacklo_pd(r[2], r[3]),
                _mm512_unpackhi_pd(r[2], r[3]),
                _mm512_unpacklo_pd(r[4], r[5]),
                _mm512_unpackhi_pd(r[4], r[5]),
                _mm512_unpacklo_pd(r[6], r[7]),
                _mm512_unpackhi_pd(r[6], r[7]),
            ];
            // v[0] = column 0 | 4 of rows 0..4, v[1] = 1 | 5, v[2] = 2 | 6,
            // v[3] = 3 | 7; v[4..8] the same for rows 4..8.
            let v = [
                _mm512_permutex2var_pd(u[0], lo2, u[2]),
                _mm512_permutex2var_pd(u[1], lo2, u[3]),
                _mm512_permutex2var_pd(u[0], hi2, u[2]),
                _mm512_permutex2var_pd(u[1], hi2, u[3]),
                _mm512_permutex2var_pd(u[4], lo2, u[6]),
                _mm512_permutex2var_pd(u[5], lo2, u[7]),
                _mm512_permutex2var_pd(u[4], hi2, u[6]),
                _mm512_permutex2var_pd(u[5], hi2, u[7]),
            ];
            let cols = [
                _mm512_shuffle_f64x2::<0b01_00_01_00>(v[0], v[4]),
                _mm512_shuffle_f64x2::<0b01_00_01_00>(v[1], v[5]),
                _mm512_shuffle_f64x2::<0b01_00_01_00>(v[2], v[6]),
                _mm512_shuffle_f64x2::<0b01_00_01_00>(v[3], v[7]),
                _mm512_shuffle_f64x2::<0b11_10_11_10>(v[0], v[4]),
                _mm512_shuffle_f64x2::<0b11_10_11_10>(v[1], v[5]),
                _mm512_shuffle_f64x2::<0b11_10_11_10>(v[2], v[6]),
                _mm512_shuffle_f64x2::<0b11_10_11_10>(v[3], v[7]),
            ];
            for (t, c) in cols.into_iter().enumerate() {
                // SAFETY: `dst` holds 128 values (asserted); t * 16 + g * 8 + 8 ≤ 128.
                unsafe { _mm512_storeu_pd(dst.as_mut_ptr().add(t * 16 + g * 8), c) };
            }
        }
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn nearest_impl<S: Scalar>(
        x: ArrayView2<'_, S>,
        ys: &[S],
        idx: &mut [usize],
        dist: &mut [S],
    ) {
        super::nearest_impl::<S, 16, 4, true>(x, ys, idx, dist)
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn sq_distances_impl<S: Scalar>(x: ArrayView2<'_, S>, ys: &[S], out: &mut [S]) {
        super::sq_distances_impl::<S, 16, 4, true>(x, ys, out)
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn nearest_impl<S: Scalar>(
        x: ArrayView2<'_, S>,
        ys: &[S],
        idx: &mut [usize],
        dist: &mut [S],
    ) {
        super::nearest_impl::<S, 8, 4, false>(x, ys, idx, dist)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn sq_distances_impl<S: Scalar>(x: ArrayView2<'_, S>, ys: &[S], out: &mut [S]) {
        super::sq_distances_impl::<S, 8, 4, false>(x, ys, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, s};

    /// The sequential sum the kernel must reproduce bit for bit.
    fn naive<S: Scalar>(x: &ArrayView2<'_, S>, ys: &[S]) -> Vec<S> {
        let d = x.ncols();
        let mut out = Vec::new();
        for r in x.rows() {
            for y in ys.chunks_exact(d) {
                out.push(r.iter().zip(y).fold(S::zero(), |a, (&p, &q)| {
                    let e = p - q;
                    e.mul_add(e, a)
                }));
            }
        }
        out
    }

    /// Every compiled variant this CPU can run, by name.
    type Nearest<S> = fn(ArrayView2<'_, S>, &[S], &mut [usize], &mut [S]);
    type Dists<S> = fn(ArrayView2<'_, S>, &[S], &mut [S]);

    fn variants<S: Scalar>() -> Vec<(&'static str, Nearest<S>, Dists<S>)> {
        let mut v: Vec<(&'static str, Nearest<S>, Dists<S>)> = vec![
            (
                "portable 4x2",
                nearest_impl::<S, 4, 2, false>,
                sq_distances_impl::<S, 4, 2, false>,
            ),
            (
                "portable 1x1",
                nearest_impl::<S, 1, 1, false>,
                sq_distances_impl::<S, 1, 1, false>,
            ),
            (
                "portable 8x3",
                nearest_impl::<S, 8, 3, false>,
                sq_distances_impl::<S, 8, 3, false>,
            ),
            ("dispatched", nearest_into::<S>, sq_distances_into::<S>),
        ];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                v.push((
                    "avx2",
                    |x, y, i, d| unsafe { avx2::nearest_impl(x, y, i, d) },
                    |x, y, o| unsafe { avx2::sq_distances_impl(x, y, o) },
                ));
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                v.push((
                    "avx512",
                    |x, y, i, d| unsafe { avx512::nearest_impl(x, y, i, d) },
                    |x, y, o| unsafe { avx512::sq_distances_impl(x, y, o) },
                ));
            }
        }
        v
    }

    fn check_all<S: Scalar>(x: ArrayView2<'_, S>, ys: &[S]) {
        let (n, d) = x.dim();
        let k = ys.len() / d;
        let want = naive(&x, ys);
        for (name, nearest, dists) in variants::<S>() {
            let mut out = vec![S::nan(); n * k];
            dists(x, ys, &mut out);
            for (a, b) in out.iter().zip(&want) {
                assert!(
                    a == b || (a.is_nan() && b.is_nan()),
                    "{name} n={n} d={d} k={k}: {a} vs {b}"
                );
            }
            let mut idx = vec![usize::MAX; n];
            let mut dist = vec![S::zero(); n];
            nearest(x, ys, &mut idx, &mut dist);
            for i in 0..n {
                let row = &want[i * k..(i + 1) * k];
                // First non-NaN, then strictly smaller.
                let mut best: Option<usize> = None;
                for (j, v) in row.iter().enumerate() {
                    if !v.is_nan() && best.is_none_or(|b| *v < row[b]) {
                        best = Some(j);
                    }
                }
                match best {
                    Some(b) => {
                        assert_eq!(idx[i], b, "{name} row {i}");
                        assert_eq!(dist[i], row[b], "{name} row {i}");
                    }
                    None => {
                        assert_eq!(idx[i], 0, "{name} row {i}");
                        assert!(dist[i].is_nan(), "{name} row {i}");
                    }
                }
            }
        }
    }

    fn data<S: Scalar>(n: usize, d: usize, seed: usize) -> Array2<S> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            S::lit((((i * 37 + j * 11 + seed * 7) % 29) as f64 - 14.0) * 0.37)
        })
    }

    #[test]
    fn every_variant_equals_the_sequential_sum_for_odd_sizes() {
        for d in [1, 3, 8, 17, 65] {
            for k in [1, 3, 8, 17, 65] {
                for n in [1, 5, 16, 37] {
                    let x = data::<f64>(n, d, 1);
                    let y = data::<f64>(k, d, 2);
                    check_all(x.view(), y.as_slice().unwrap());
                    let xf = x.mapv(|v| v as f32);
                    let yf = y.mapv(|v| v as f32);
                    check_all(xf.view(), yf.as_slice().unwrap());
                }
            }
        }
    }

    #[test]
    fn the_register_transpose_writes_the_tile_fill_tile_writes() {
        // 40 rows × 8 distinct values: tiles at rows 0, 16 (full, transposed
        // in registers with AVX-512) and 32 (8 rows: always `fill_tile`).
        let x = Array2::from_shape_fn((40, 8), |(i, t)| (i * 8 + t) as f64 + 0.5);
        let xs = x.as_slice().unwrap();
        for r0 in [0, 16, 24] {
            let m = 16.min(40 - r0);
            let mut want = vec![f64::NAN; 8 * 16];
            fill_tile::<f64, 16>(&x.view(), Some(xs), r0, m, &mut want);
            for (t, lane) in want.chunks_exact(16).enumerate() {
                assert_eq!(lane[3], x[[r0 + 3, t]], "r0 {r0} t {t}");
            }
            let mut got = vec![f64::NAN; 8 * 16];
            fill::<f64, 16, false>(&x.view(), Some(xs), r0, m, &mut got);
            assert_eq!(got, want, "r0 {r0}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f") {
                let mut got = vec![f64::NAN; 8 * 16];
                // SAFETY: `T8` needs AVX-512F, checked just above.
                fill::<f64, 16, true>(&x.view(), Some(xs), r0, m, &mut got);
                assert_eq!(got, want, "r0 {r0}");
                let mut direct = vec![f64::NAN; 8 * 16];
                // SAFETY: AVX-512F checked just above.
                unsafe { avx512::transpose8x16(&xs[r0 * 8..(r0 + 16) * 8], &mut direct) };
                assert_eq!(direct, want, "r0 {r0}");
            }
        }
    }

    #[test]
    fn non_contiguous_rows_and_ties_and_nan() {
        let big = data::<f64>(60, 7, 3);
        let y = data::<f64>(5, 3, 4);
        let ys = y.as_slice().unwrap();
        // Every other row, three of seven columns, and a transposed copy.
        check_all(big.slice(s![..;2, 1..4]), ys);
        let f = big.t().as_standard_layout().into_owned();
        check_all(f.t().slice(s![.., 2..5]), ys);
        // Duplicate centres: the lower index wins the tie.
        let dup = ndarray::array![[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]];
        let x = ndarray::array![[1.0, 2.0, 3.5], [0.1, 0.0, 0.0]];
        check_all(x.view(), dup.as_slice().unwrap());
        let mut idx = vec![9; 2];
        let mut dist = vec![0.0; 2];
        nearest_into(x.view(), dup.as_slice().unwrap(), &mut idx, &mut dist);
        assert_eq!(idx, [0, 1]);
        // NaN in a row: all its distances NaN → index 0, distance NaN.
        // NaN in a centre: that centre never wins.
        let xn = ndarray::array![[f64::NAN, 0.0, 0.0], [5.0, 5.0, 5.0], [0.0, 0.0, 0.0]];
        let yn = ndarray::array![[f64::NAN, 5.0, 5.0], [4.0, 4.0, 4.0], [0.0, 0.0, 1.0]];
        check_all(xn.view(), yn.as_slice().unwrap());
        let mut idx = vec![9; 3];
        let mut dist = vec![0.0; 3];
        nearest_into(xn.view(), yn.as_slice().unwrap(), &mut idx, &mut dist);
        assert_eq!(idx, [0, 1, 2]);
        assert!(dist[0].is_nan());
        assert_eq!(&dist[1..], &[3.0, 1.0]);
        // +∞ distances are accepted over NaN (the first non-NaN wins).
        let xi = ndarray::array![[f64::INFINITY, 0.0]];
        let yi = [f64::INFINITY, 0.0, 1.0, 0.0];
        nearest_into(xi.view(), &yi, &mut idx[..1], &mut dist[..1]);
        assert_eq!((idx[0], dist[0]), (1, f64::INFINITY));
    }

    #[test]
    fn the_threshold_is_inclusive() {
        assert!(use_direct(1, 1));
        assert!(use_direct(MAX_COLS, MAX_ROWS));
        assert!(!use_direct(MAX_COLS + 1, 1));
        assert!(!use_direct(1, MAX_ROWS + 1));
        assert!(!use_direct(0, 3));
        assert!(!use_direct(3, 0));
    }
}
