//! Distances between rows of matrices, and between two vectors.
//!
//! Matrix distances use the product form `‖x‖² + ‖y‖² − 2·x·yᵀ`: the cross
//! term is one [`gemm_into`] per chunk of [`CHUNK_ROWS`] rows of `x`, and the
//! norms are added in a fused pass over the chunk while it is in cache. The
//! product form can round slightly below zero for (near-)identical rows; the
//! results are clamped at 0. NaN inputs give NaN distances (never clamped to 0).
//!
//! [`nearest_rows`] finds the closest row of `y` for every row of `x` without
//! ever holding the full `n × m` distance matrix: it walks `x` in chunks of
//! [`CHUNK_ROWS`] rows and `y` in tiles of [`TILE_ROWS`] rows, in parallel over
//! the `x` chunks when asked. Each chunk's answer depends only on its own rows,
//! so serial and parallel runs give identical results.
//!
//! **Few columns, few rows of `y`** (both at most 64, e.g. k-means with
//! `k`, `d` ≤ 64): the product is not worth its packing, so
//! [`pairwise_sq_distances_into`], [`nearest_rows`] and [`nearest_rows_into`]
//! evaluate `Σ (x_t − y_t)²` directly in a register-blocked kernel (no
//! cancellation, never below zero; one fused multiply-add per term)
//! compiled for AVX-512F, AVX2 + FMA and the baseline target and chosen at
//! run time; the three give bit-identical results. Larger shapes use the product form above.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis, s};
use rayon::prelude::*;

use crate::error::shape_mismatch;
use crate::gemm::{Trans, gemm_into};
use crate::reduce::{lane_dot, lane_sq_diff, row_sq_norms, row_sq_norms_into};
use crate::{Error, Result, Scalar};

mod direct;

/// Rows of `x` handled per product in the chunked distance kernels.
pub const CHUNK_ROWS: usize = 256;

/// Largest number of columns for which [`pairwise_sq_distances_into`],
/// [`nearest_rows`] and [`nearest_rows_into`] use the direct kernel (with at
/// most [`DIRECT_MAX_ROWS`] rows of `y`). Its squared distances are, bit for
/// bit, the sum `acc = e.mul_add(e, acc)` with `e = x_t − y_t` over the
/// columns in order (one fused multiply-add per term), in the element type,
/// starting from zero — callers may recompute single values that way and
/// rely on equality.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::distance::{DIRECT_MAX_COLS, pairwise_sq_distances};
/// assert_eq!(DIRECT_MAX_COLS, 64);
/// let x = array![[0.1f32, 0.7, -2.3]];
/// let y = array![[1.3f32, -0.2, 0.4]];
/// let by_hand = x.iter().zip(&y).fold(0.0f32, |a, (p, q)| (p - q).mul_add(p - q, a));
/// assert_eq!(pairwise_sq_distances(x.view(), y.view()).unwrap()[[0, 0]], by_hand);
/// ```
pub const DIRECT_MAX_COLS: usize = direct::MAX_COLS;

/// Largest number of rows of `y` for the direct kernel; see
/// [`DIRECT_MAX_COLS`].
///
/// ```
/// assert_eq!(ua_tensor::distance::DIRECT_MAX_ROWS, 64);
/// ```
pub const DIRECT_MAX_ROWS: usize = direct::MAX_ROWS;

/// Rows of `y` per tile in [`nearest_rows`] (bounds the scratch buffer to
/// `CHUNK_ROWS × TILE_ROWS` elements whatever the size of `y`).
pub const TILE_ROWS: usize = 2048;

fn check_cols(op: &'static str, x_cols: usize, y_cols: usize) -> Result<()> {
    if x_cols != y_cols {
        return Err(shape_mismatch(
            op,
            format!("y with {x_cols} columns (as many as x)"),
            format!("y with {y_cols} columns"),
        ));
    }
    Ok(())
}

fn check_len(op: &'static str, a: usize, b: usize) -> Result<()> {
    if a != b {
        return Err(shape_mismatch(
            op,
            format!("two vectors of equal length (a has {a})"),
            format!("b of length {b}"),
        ));
    }
    Ok(())
}

#[inline(always)]
fn clamp0<S: Scalar>(v: S) -> S {
    // Not `S::max`: that would turn NaN into 0.
    if v < S::zero() { S::zero() } else { v }
}

/// Turns `c = −2·x·yᵀ` (one chunk) into squared distances in place.
fn finish_chunk<S: Scalar>(mut c: ArrayViewMut2<'_, S>, xn: &[S], yn: &[S]) {
    for (mut row, &a) in c.rows_mut().into_iter().zip(xn) {
        if let Some(r) = row.as_slice_mut() {
            for (v, &b) in r.iter_mut().zip(yn) {
                *v = clamp0(*v + a + b);
            }
        } else {
            for (v, &b) in row.iter_mut().zip(yn) {
                *v = clamp0(*v + a + b);
            }
        }
    }
}

/// Squared Euclidean distances between every row of `x` (`n × d`) and every
/// row of `y` (`m × d`), into a preallocated `n × m` output.
///
/// Errors when the column counts differ or `out` is not `n × m`.
///
/// ```
/// use ndarray::{array, Array2};
/// use ua_tensor::distance::pairwise_sq_distances_into;
/// let x = array![[0.0f32, 0.0], [1.0, 1.0]];
/// let y = array![[3.0f32, 4.0]];
/// let mut d = Array2::zeros((2, 1));
/// pairwise_sq_distances_into(x.view(), y.view(), d.view_mut()).unwrap();
/// assert_eq!(d, array![[25.0], [13.0]]);
/// ```
pub fn pairwise_sq_distances_into<S: Scalar>(
    x: ArrayView2<'_, S>,
    y: ArrayView2<'_, S>,
    mut out: ArrayViewMut2<'_, S>,
) -> Result<()> {
    check_cols("pairwise squared distances", x.ncols(), y.ncols())?;
    let (n, m) = (x.nrows(), y.nrows());
    if out.dim() != (n, m) {
        return Err(shape_mismatch(
            "pairwise squared distances output",
            (n, m),
            out.dim(),
        ));
    }
    if direct::use_direct(x.ncols(), m) {
        let ys = y.as_standard_layout();
        let ys = ys.as_slice().unwrap_or(&[]);
        match out.as_slice_mut() {
            Some(o) => direct::sq_distances_into(x, ys, o),
            None => {
                let mut o = vec![S::zero(); n * m];
                direct::sq_distances_into(x, ys, &mut o);
                for (dst, src) in out.iter_mut().zip(o) {
                    *dst = src;
                }
            }
        }
        return Ok(());
    }
    let yn = row_sq_norms(y);
    let yn = yn.as_slice().unwrap_or(&[]);
    let mut xn = vec![S::zero(); CHUNK_ROWS.min(n)];
    let m2 = S::lit(-2.0);
    for (xc, mut oc) in x
        .axis_chunks_iter(Axis(0), CHUNK_ROWS)
        .zip(out.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS))
    {
        let rows = xc.nrows();
        let xn = &mut xn[..rows];
        row_sq_norms_into(xc, ndarray::ArrayViewMut1::from(&mut xn[..]))?;
        gemm_into(m2, xc, Trans::No, y, Trans::Yes, S::zero(), oc.view_mut())?;
        finish_chunk(oc, xn, yn);
    }
    Ok(())
}

/// Squared Euclidean distances between every row of `x` and every row of `y`,
/// as a new `n × m` matrix. See [`pairwise_sq_distances_into`].
///
/// ```
/// use ndarray::array;
/// use ua_tensor::distance::pairwise_sq_distances;
/// let x = array![[1.0f64, 2.0], [0.0, 0.0]];
/// let d = pairwise_sq_distances(x.view(), x.view()).unwrap();
/// assert_eq!(d, array![[0.0, 5.0], [5.0, 0.0]]);
/// ```
pub fn pairwise_sq_distances<S: Scalar>(
    x: ArrayView2<'_, S>,
    y: ArrayView2<'_, S>,
) -> Result<Array2<S>> {
    check_cols("pairwise squared distances", x.ncols(), y.ncols())?;
    let mut out = Array2::zeros((x.nrows(), y.nrows()));
    pairwise_sq_distances_into(x, y, out.view_mut())?;
    Ok(out)
}

/// Scratch space of one worker in [`nearest_rows`].
struct Scratch<S> {
    xn: Vec<S>,
    /// Tile-local index of the best row of the current tile, `u32::MAX` if
    /// the tile improved nothing (32-bit to keep the scratch small).
    local: Vec<u32>,
    tile: Array2<S>,
}

impl<S: Scalar> Scratch<S> {
    fn new(m: usize) -> Self {
        Scratch {
            xn: Vec::with_capacity(CHUNK_ROWS),
            local: Vec::with_capacity(CHUNK_ROWS),
            tile: Array2::zeros((TILE_ROWS.min(m), CHUNK_ROWS)),
        }
    }
}

/// Nearest row of `y` for the rows `xc` (one chunk), written into `idx`/`dist`.
fn nearest_chunk<S: Scalar>(
    xc: ArrayView2<'_, S>,
    y: ArrayView2<'_, S>,
    yn: &[S],
    sc: &mut Scratch<S>,
    idx: &mut [usize],
    dist: &mut [S],
) -> Result<()> {
    let rows = xc.nrows();
    sc.xn.clear();
    sc.xn.resize(rows, S::zero());
    row_sq_norms_into(xc, ndarray::ArrayViewMut1::from(&mut sc.xn[..]))?;
    // A NaN best distance marks "nothing accepted yet": the first non-NaN
    // distance is taken whatever its value (even +∞); an accepted distance is
    // never NaN.
    idx.fill(0);
    dist.fill(S::nan());
    let m2 = S::lit(-2.0);
    for (t, yt) in y.axis_chunks_iter(Axis(0), TILE_ROWS).enumerate() {
        let j0 = t * TILE_ROWS;
        let cols = yt.nrows();
        // The tile holds −2·y·xᵀ (one row per row of y) so that the scan below
        // runs along contiguous rows, all rows of x side by side.
        let mut c = sc.tile.slice_mut(s![..cols, ..rows]);
        gemm_into(m2, yt, Trans::No, xc, Trans::Yes, S::zero(), c.view_mut())?;
        let ynt = yn.get(j0..j0 + cols).unwrap_or(&[]);
        sc.local.clear();
        sc.local.resize(rows, u32::MAX);
        for (jj, (crow, &b)) in c.rows().into_iter().zip(ynt).enumerate() {
            // jj < TILE_ROWS, so it fits in u32.
            let jj = jj as u32;
            // Selects (non-short-circuit `|`/`&`) over slices of one length,
            // without bounds checks. On the baseline x86-64 target (SSE2) LLVM
            // keeps this loop scalar; it is ~25 % faster than a per-row scan.
            let n = rows.min(sc.xn.len()).min(dist.len());
            let (xn, loc, bd) = (&sc.xn[..n], &mut sc.local[..n], &mut dist[..n]);
            let mut step = |i: usize, v: S| {
                let d = clamp0(v + xn[i] + b);
                // Strictly smaller wins, so ties keep the lowest index; NaN
                // never wins.
                let take = (d < bd[i]) | (bd[i].is_nan() & !d.is_nan());
                bd[i] = if take { d } else { bd[i] };
                loc[i] = if take { jj } else { loc[i] };
            };
            match crow.as_slice() {
                Some(cr) => {
                    let cr = &cr[..n.min(cr.len())];
                    for (i, &v) in cr.iter().enumerate() {
                        step(i, v);
                    }
                }
                None => {
                    for (i, &v) in crow.iter().take(n).enumerate() {
                        step(i, v);
                    }
                }
            }
        }
        for (bi, &bl) in idx.iter_mut().zip(&sc.local) {
            if bl != u32::MAX {
                *bi = j0 + bl as usize;
            }
        }
    }
    Ok(())
}

/// For every row of `x`, the index of the nearest row of `y` and the squared
/// Euclidean distance to it.
///
/// Works in chunks of [`CHUNK_ROWS`] rows of `x` × [`TILE_ROWS`] rows of `y`;
/// memory beyond the outputs is one such tile per worker. With
/// `parallel = true` the chunks of `x` run on the rayon pool; the results are
/// identical to the serial run. Ties go to the lowest index of `y`; a row
/// whose distances are all NaN gets index 0 and distance NaN.
///
/// Errors when the column counts differ or `y` has no rows.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::distance::nearest_rows;
/// let centres = array![[0.0f32, 0.0], [10.0, 10.0]];
/// let x = array![[1.0f32, 0.0], [9.0, 9.0], [5.0, 5.0]];
/// let (idx, d) = nearest_rows(x.view(), centres.view(), false).unwrap();
/// assert_eq!(idx, array![0, 1, 0]); // [5, 5] is a tie: lowest index wins
/// assert_eq!(d, array![1.0, 2.0, 50.0]);
/// ```
pub fn nearest_rows<S: Scalar>(
    x: ArrayView2<'_, S>,
    y: ArrayView2<'_, S>,
    parallel: bool,
) -> Result<(Array1<usize>, Array1<S>)> {
    check_nearest(x, y)?;
    let n = x.nrows();
    let mut idx = vec![0usize; n];
    let mut dist = vec![S::zero(); n];
    if parallel && direct::use_direct(x.ncols(), y.nrows()) {
        let ys = y.as_standard_layout();
        let ys = ys.as_slice().unwrap_or(&[]);
        idx.par_chunks_mut(CHUNK_ROWS)
            .zip(dist.par_chunks_mut(CHUNK_ROWS))
            .enumerate()
            .for_each(|(c, (ib, db))| {
                let r0 = c * CHUNK_ROWS;
                direct::nearest_into(x.slice(s![r0..r0 + ib.len(), ..]), ys, ib, db);
            });
    } else if parallel {
        let yn = row_sq_norms(y);
        let yn = yn.as_slice().unwrap_or(&[]);
        idx.par_chunks_mut(CHUNK_ROWS)
            .zip(dist.par_chunks_mut(CHUNK_ROWS))
            .enumerate()
            .try_for_each_init(
                || Scratch::new(y.nrows()),
                |sc, (c, (ib, db))| {
                    let r0 = c * CHUNK_ROWS;
                    let xc = x.slice(s![r0..r0 + ib.len(), ..]);
                    nearest_chunk(xc, y, yn, sc, ib, db)
                },
            )?;
    } else {
        nearest_rows_unchecked(x, y, &mut idx, &mut dist)?;
    }
    Ok((Array1::from(idx), Array1::from(dist)))
}

/// [`nearest_rows`] into preallocated outputs, on the calling thread: for
/// every row `i` of `x`, `idx[i]` is the index of the nearest row of `y` and
/// `dist[i]` the squared distance to it (same ties and NaN rules). Meant for
/// callers that walk their own row chunks (k-means assigns 256 rows at a
/// time and adds them to their centres while they are in cache).
///
/// Errors when the column counts differ, `y` has no rows, or `idx`/`dist`
/// do not have one entry per row of `x`.
///
/// ```
/// use ndarray::array;
/// use ua_tensor::distance::nearest_rows_into;
/// let centres = array![[0.0f64, 0.0], [10.0, 10.0]];
/// let x = array![[1.0f64, 0.0], [9.0, 9.0]];
/// let (mut idx, mut d) = (vec![0; 2], vec![0.0; 2]);
/// nearest_rows_into(x.view(), centres.view(), &mut idx, &mut d).unwrap();
/// assert_eq!((idx, d), (vec![0, 1], vec![1.0, 2.0]));
/// let mut short = vec![0.0; 1];
/// let e = nearest_rows_into(x.view(), centres.view(), &mut [0; 2], &mut short).unwrap_err();
/// assert!(e.to_string().contains("length 1"));
/// ```
pub fn nearest_rows_into<S: Scalar>(
    x: ArrayView2<'_, S>,
    y: ArrayView2<'_, S>,
    idx: &mut [usize],
    dist: &mut [S],
) -> Result<()> {
    check_nearest(x, y)?;
    for (what, len) in [("idx", idx.len()), ("dist", dist.len())] {
        if len != x.nrows() {
            return Err(shape_mismatch(
                "nearest rows output",
                format!("{what} of length {} (one per row of x)", x.nrows()),
                format!("length {len}"),
            ));
        }
    }
    nearest_rows_unchecked(x, y, idx, dist)
}

fn check_nearest<S: Scalar>(x: ArrayView2<'_, S>, y: ArrayView2<'_, S>) -> Result<()> {
    check_cols("nearest rows", x.ncols(), y.ncols())?;
    if y.nrows() == 0 {
        return Err(Error::Empty {
            op: "nearest rows (y has no rows to choose from)",
        });
    }
    Ok(())
}

/// The work of [`nearest_rows_into`] once the shapes are known to agree.
fn nearest_rows_unchecked<S: Scalar>(
    x: ArrayView2<'_, S>,
    y: ArrayView2<'_, S>,
    idx: &mut [usize],
    dist: &mut [S],
) -> Result<()> {
    let m = y.nrows();
    if direct::use_direct(x.ncols(), m) {
        let ys = y.as_standard_layout();
        direct::nearest_into(x, ys.as_slice().unwrap_or(&[]), idx, dist);
        return Ok(());
    }
    let yn = row_sq_norms(y);
    let yn = yn.as_slice().unwrap_or(&[]);
    let mut sc = Scratch::new(m);
    for (c, (ib, db)) in idx
        .chunks_mut(CHUNK_ROWS)
        .zip(dist.chunks_mut(CHUNK_ROWS))
        .enumerate()
    {
        let r0 = c * CHUNK_ROWS;
        let xc = x.slice(s![r0..r0 + ib.len(), ..]);
        nearest_chunk(xc, y, yn, &mut sc, ib, db)?;
    }
    Ok(())
}

fn as_slices<'a, S: Scalar>(
    a: &'a ArrayView1<'_, S>,
    b: &'a ArrayView1<'_, S>,
) -> Option<(&'a [S], &'a [S])> {
    Some((a.as_slice()?, b.as_slice()?))
}

/// Squared Euclidean distance `Σ (a_i − b_i)²` of two equal-length slices.
///
/// Computed from the differences (no cancellation). Errors on a length
/// mismatch, naming both lengths.
///
/// ```
/// use ua_tensor::distance::sq_euclidean;
/// assert_eq!(sq_euclidean(&[1.0f32, 2.0], &[4.0, 6.0]).unwrap(), 25.0);
/// assert!(sq_euclidean(&[1.0f32], &[1.0, 2.0]).is_err());
/// ```
pub fn sq_euclidean<S: Scalar>(a: &[S], b: &[S]) -> Result<S> {
    check_len("squared Euclidean distance", a.len(), b.len())?;
    Ok(lane_sq_diff(a, b))
}

/// Euclidean distance `√Σ (a_i − b_i)²` of two equal-length slices.
///
/// ```
/// use ua_tensor::distance::euclidean;
/// assert_eq!(euclidean(&[0.0f64, 0.0], &[3.0, 4.0]).unwrap(), 5.0);
/// ```
pub fn euclidean<S: Scalar>(a: &[S], b: &[S]) -> Result<S> {
    check_len("Euclidean distance", a.len(), b.len())?;
    Ok(lane_sq_diff(a, b).sqrt())
}

/// Cosine similarity `a·b / (‖a‖·‖b‖)` of two equal-length slices, in `[-1, 1]`.
///
/// By convention (as in scikit-learn) the similarity with an all-zero vector
/// is 0. Errors on a length mismatch.
///
/// ```
/// use ua_tensor::distance::cosine_similarity;
/// assert_eq!(cosine_similarity(&[1.0f32, 0.0], &[0.0, 2.0]).unwrap(), 0.0);
/// assert_eq!(cosine_similarity(&[1.0f32, 1.0], &[2.0, 2.0]).unwrap(), 1.0);
/// assert_eq!(cosine_similarity(&[0.0f32, 0.0], &[1.0, 2.0]).unwrap(), 0.0);
/// ```
pub fn cosine_similarity<S: Scalar>(a: &[S], b: &[S]) -> Result<S> {
    check_len("cosine similarity", a.len(), b.len())?;
    let na = lane_dot(a, a);
    let nb = lane_dot(b, b);
    if na == S::zero() || nb == S::zero() {
        return Ok(S::zero());
    }
    let c = lane_dot(a, b) / (na.sqrt() * nb.sqrt());
    Ok(c.max(-S::one()).min(S::one()))
}

/// [`sq_euclidean`] for two 1-D array views (any strides).
///
/// ```
/// use ndarray::array;
/// use ua_tensor::distance::sq_euclidean_view;
/// let x = array![[1.0f32, 2.0], [4.0, 6.0]];
/// assert_eq!(sq_euclidean_view(x.row(0), x.row(1)).unwrap(), 25.0);
/// assert_eq!(sq_euclidean_view(x.column(0), x.column(1)).unwrap(), 5.0);
/// ```
pub fn sq_euclidean_view<S: Scalar>(a: ArrayView1<'_, S>, b: ArrayView1<'_, S>) -> Result<S> {
    check_len("squared Euclidean distance", a.len(), b.len())?;
    Ok(match as_slices(&a, &b) {
        Some((x, y)) => lane_sq_diff(x, y),
        None => a.iter().zip(b.iter()).fold(S::zero(), |acc, (&p, &q)| {
            let d = p - q;
            acc + d * d
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    fn data(n: usize, d: usize, seed: usize) -> Array2<f64> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            (((i * 37 + j * 11 + seed * 7) % 29) as f64 - 14.0) * 0.37
        })
    }

    fn naive(x: &Array2<f64>, y: &Array2<f64>) -> Array2<f64> {
        Array2::from_shape_fn((x.nrows(), y.nrows()), |(i, j)| {
            // The direct kernel's sum: one fused multiply-add per term.
            x.row(i)
                .iter()
                .zip(y.row(j))
                .fold(0.0, |acc, (a, b)| (a - b).mul_add(a - b, acc))
        })
    }

    #[test]
    fn pairwise_matches_naive_across_chunk_boundaries() {
        // 600 rows = two full chunks of 256 and a partial one.
        let x = data(600, 5, 1);
        let y = data(7, 5, 2);
        let d = pairwise_sq_distances(x.view(), y.view()).unwrap();
        let want = naive(&x, &y);
        for (a, b) in d.iter().zip(want.iter()) {
            assert_abs_diff_eq!(*a, *b, epsilon = 1e-9);
        }
        // f32 agrees too.
        let xf = x.mapv(|v| v as f32);
        let yf = y.mapv(|v| v as f32);
        let df = pairwise_sq_distances(xf.view(), yf.view()).unwrap();
        for (a, b) in df.iter().zip(want.iter()) {
            assert_abs_diff_eq!(*a as f64, *b, epsilon = 1e-3);
        }
    }

    #[test]
    fn product_form_rounding_below_zero_is_clamped() {
        // Nearly identical rows of large norm: the true squared distance is
        // ~5e-6, the product form in f32 is off by ~1 either way.
        let mut negatives = 0;
        for k in 0..64 {
            let kf = k as f32;
            let x = array![[
                1000.1f32 + kf * 0.37,
                2000.3 - kf * 0.11,
                -3000.7 + kf * 0.05
            ]];
            // Row 0 of y is the near one; 64 far rows beyond the direct
            // kernel's limit send the shape through the product form.
            let mut y = Array2::from_elem((DIRECT_MAX_ROWS + 1, 3), 1e4f32);
            y.row_mut(0)
                .assign(&(&x.row(0) + &array![1e-3f32, -2e-3, 0.0]));
            let y = y.slice(s![..1, ..]).to_owned();
            let y_far = {
                let mut f = Array2::from_elem((DIRECT_MAX_ROWS + 1, 3), 1e4f32);
                f.row_mut(0).assign(&y.row(0));
                f
            };
            // The unclamped value exactly as the kernel forms it: the same
            // product shape (a 1-column product may take another GEMM path
            // and round differently).
            let mut c = Array2::zeros((1, y_far.nrows()));
            gemm_into(
                -2.0,
                x.view(),
                Trans::No,
                y_far.view(),
                Trans::Yes,
                0.0,
                c.view_mut(),
            )
            .unwrap();
            let raw = (c[[0, 0]] + row_sq_norms(x.view())[0]) + row_sq_norms(y.view())[0];
            if raw < 0.0 {
                negatives += 1;
            }
            let naive_d: f32 = x
                .iter()
                .zip(y.iter())
                .fold(0.0, |acc, (a, b)| (a - b).mul_add(a - b, acc));
            let d = pairwise_sq_distances(x.view(), y_far.view()).unwrap()[[0, 0]];
            assert!(d >= 0.0, "k = {k}: {d}");
            assert!(d == raw.max(0.0), "k = {k}: {d} vs {raw}");
            let scale = row_sq_norms(x.view())[0] * 2.0;
            assert!((d - naive_d).abs() <= 4.0 * f32::EPSILON * scale, "k = {k}");
            // nearest_rows forms the product the other way round (tiles of
            // y against x), so it may round differently: the same bound, and
            // never below zero.
            let (i, nd) = nearest_rows(x.view(), y_far.view(), false).unwrap();
            assert_eq!(i[0], 0, "k = {k}");
            assert!(nd[0] >= 0.0, "k = {k}: {}", nd[0]);
            assert!(
                (nd[0] - naive_d).abs() <= 4.0 * f32::EPSILON * scale,
                "k = {k}"
            );
            // The direct kernel (one row of y) has no cancellation: exact
            // differences, never below zero, equal to the naive sum.
            let direct = pairwise_sq_distances(x.view(), y.view()).unwrap()[[0, 0]];
            assert_eq!(direct, naive_d, "k = {k}");
        }
        assert!(
            negatives > 0,
            "no case rounded below zero; the test proves nothing"
        );
    }

    #[test]
    fn direct_and_product_paths_match_naive_for_odd_sizes() {
        // d, m ∈ {1, 3, 8, 17, 65}: 65 goes through the product form.
        for d in [1, 3, 8, 17, 65] {
            for m in [1, 3, 8, 17, 65] {
                let x = data(300, d, 1);
                let y = data(m, d, 2);
                let want = naive(&x, &y);
                let got = pairwise_sq_distances(x.view(), y.view()).unwrap();
                let direct = d <= DIRECT_MAX_COLS && m <= DIRECT_MAX_ROWS;
                for (a, b) in got.iter().zip(want.iter()) {
                    if direct {
                        assert_eq!(a, b, "d {d} m {m}");
                    } else {
                        assert_abs_diff_eq!(*a, *b, epsilon = 1e-9);
                    }
                }
                for parallel in [false, true] {
                    let (idx, dist) = nearest_rows(x.view(), y.view(), parallel).unwrap();
                    for i in 0..x.nrows() {
                        let row = want.row(i);
                        let best = row.iter().cloned().fold(f64::INFINITY, f64::min);
                        assert_abs_diff_eq!(dist[i], best, epsilon = 1e-9);
                        assert_abs_diff_eq!(row[idx[i]], best, epsilon = 1e-9);
                    }
                    let mut i2 = vec![0; x.nrows()];
                    let mut d2 = vec![0.0; x.nrows()];
                    nearest_rows_into(x.view(), y.view(), &mut i2, &mut d2).unwrap();
                    assert_eq!(i2, idx.to_vec(), "d {d} m {m}");
                    assert_eq!(d2, dist.to_vec(), "d {d} m {m}");
                }
            }
        }
    }

    #[test]
    fn non_contiguous_inputs_and_outputs_give_the_same_distances() {
        let big = data(90, 12, 5);
        let x = big.slice(s![..;3, 2..9]);
        let yb = data(20, 12, 6);
        let y = yb.slice(s![1..;2, 2..9]);
        let want = pairwise_sq_distances(x.to_owned().view(), y.to_owned().view()).unwrap();
        assert_eq!(pairwise_sq_distances(x, y).unwrap(), want);
        // A transposed output (column-major), written through the fallback.
        let mut out_t = Array2::<f64>::zeros((y.nrows(), x.nrows()));
        pairwise_sq_distances_into(x, y, out_t.view_mut().reversed_axes()).unwrap();
        assert_eq!(out_t.t(), want);
        let (i1, d1) = nearest_rows(x, y, true).unwrap();
        let (i2, d2) = nearest_rows(x.to_owned().view(), y.to_owned().view(), false).unwrap();
        assert_eq!((i1, d1), (i2, d2));
        // Output lengths are checked.
        let e = nearest_rows_into(x, y, &mut [0; 3], &mut [0.0; 30]).unwrap_err();
        assert!(e.to_string().contains("idx of length 30"), "{e}");
        let e = nearest_rows_into(x, y.slice(s![..0, ..]), &mut [0; 30], &mut [0.0; 30]);
        assert!(matches!(e, Err(Error::Empty { .. })));
    }

    #[test]
    fn nan_is_not_clamped_to_zero() {
        let x = array![[f32::NAN, 0.0]];
        let y = array![[0.0f32, 0.0], [1.0, 1.0]];
        let d = pairwise_sq_distances(x.view(), y.view()).unwrap();
        assert!(d[[0, 0]].is_nan() && d[[0, 1]].is_nan());
        let (i, nd) = nearest_rows(x.view(), y.view(), false).unwrap();
        assert_eq!(i[0], 0);
        assert!(nd[0].is_nan());
        // The same through the product form (more rows of y than the direct
        // kernel takes), and a NaN centre never wins in either.
        let many = Array2::from_shape_fn((DIRECT_MAX_ROWS + 1, 2), |(i, _)| i as f32);
        assert!(
            pairwise_sq_distances(x.view(), many.view())
                .unwrap()
                .iter()
                .all(|v| v.is_nan())
        );
        let (i, nd) = nearest_rows(x.view(), many.view(), true).unwrap();
        assert_eq!(i[0], 0);
        assert!(nd[0].is_nan());
        for ys in [y.clone(), many.clone()] {
            let mut ys = ys;
            ys[[0, 1]] = f32::NAN;
            let (i, nd) = nearest_rows(array![[0.0f32, 0.0]].view(), ys.view(), false).unwrap();
            assert_eq!((i[0], nd[0]), (1, 2.0), "{} rows", ys.nrows());
        }
    }

    #[test]
    fn nearest_matches_naive_serial_and_parallel() {
        // Integer data so that ties are exact in both forms; m > TILE_ROWS so
        // that several tiles are walked.
        let x = Array2::from_shape_fn((700, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        let y = Array2::from_shape_fn((TILE_ROWS + 300, 3), |(i, j)| ((i * 5 + j * 13) % 9) as f64);
        let want = naive(&x, &y);
        let (idx, d) = nearest_rows(x.view(), y.view(), false).unwrap();
        for i in 0..x.nrows() {
            let row = want.row(i);
            let best = row.iter().cloned().fold(f64::INFINITY, f64::min);
            let first = row.iter().position(|&v| v == best).unwrap();
            assert_eq!(idx[i], first, "row {i}");
            assert_eq!(d[i], best, "row {i}");
        }
        let (idx_p, d_p) = nearest_rows(x.view(), y.view(), true).unwrap();
        assert_eq!(idx, idx_p);
        assert_eq!(d, d_p);
        let xf = x.mapv(|v| v as f32);
        let yf = y.mapv(|v| v as f32);
        let (idx_f, _) = nearest_rows(xf.view(), yf.view(), true).unwrap();
        assert_eq!(idx_f, idx);
    }

    #[test]
    fn errors_name_both_sizes() {
        let x = Array2::<f32>::zeros((2, 3));
        let y = Array2::<f32>::zeros((4, 5));
        let e = pairwise_sq_distances(x.view(), y.view()).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("3 columns") && m.contains("5 columns"), "{m}");
        assert!(nearest_rows(x.view(), y.view(), true).is_err());
        let y = Array2::<f32>::zeros((4, 3));
        let mut out = Array2::<f32>::zeros((2, 3));
        let e = pairwise_sq_distances_into(x.view(), y.view(), out.view_mut()).unwrap_err();
        assert!(e.to_string().contains("(2, 4)"), "{e}");
        let none = Array2::<f32>::zeros((0, 3));
        assert!(matches!(
            nearest_rows(x.view(), none.view(), false),
            Err(Error::Empty { .. })
        ));
        let (i, d) = nearest_rows(none.view(), y.view(), true).unwrap();
        assert_eq!((i.len(), d.len()), (0, 0));
        let e = euclidean(&[1.0f32, 2.0], &[1.0]).unwrap_err().to_string();
        assert!(e.contains("a has 2") && e.contains("length 1"), "{e}");
        assert!(cosine_similarity(&[1.0f64], &[]).is_err());
        assert!(sq_euclidean_view(x.row(0), y.column(0)).is_err());
    }

    #[test]
    fn vector_distances_and_cosine() {
        let a: Vec<f64> = (0..19).map(|i| i as f64 * 0.5 - 3.0).collect();
        let b: Vec<f64> = (0..19).map(|i| (i * i % 7) as f64).collect();
        let sq: f64 = a.iter().zip(&b).map(|(p, q)| (p - q) * (p - q)).sum();
        assert_abs_diff_eq!(sq_euclidean(&a, &b).unwrap(), sq, epsilon = 1e-12);
        assert_abs_diff_eq!(euclidean(&a, &b).unwrap(), sq.sqrt(), epsilon = 1e-12);
        let dot: f64 = a.iter().zip(&b).map(|(p, q)| p * q).sum();
        let na: f64 = a.iter().map(|p| p * p).sum::<f64>().sqrt();
        let nb: f64 = b.iter().map(|p| p * p).sum::<f64>().sqrt();
        assert_abs_diff_eq!(
            cosine_similarity(&a, &b).unwrap(),
            dot / (na * nb),
            epsilon = 1e-12
        );
        let neg: Vec<f64> = a.iter().map(|v| -3.0 * v).collect();
        assert_abs_diff_eq!(cosine_similarity(&a, &neg).unwrap(), -1.0, epsilon = 1e-12);
        assert!(cosine_similarity(&a, &neg).unwrap() >= -1.0);
    }
}
