//! How good is a partition: silhouette (exact and sampled), Davies–Bouldin,
//! Calinski–Harabasz and the adjusted Rand index. Choosing the number of
//! segments from them is [`evaluate_k_range`](super::evaluate_k_range).
//!
//! Labels may be any `usize` values (they are mapped to dense indices
//! internally). A fitted [`FittedKMeans`] (also mini-batch) scores its own
//! partition with the same functions as methods
//! ([`FittedKMeans::silhouette_score`], …); those name a bad column by the
//! model's `feature_names` where the free functions, given a bare matrix,
//! give its 0-based index. Definitions follow scikit-learn: a point alone in its
//! cluster has silhouette 0; silhouette and Davies–Bouldin need
//! `2 ≤ #labels ≤ n − 1`.
//!
//! The exact silhouette needs all `n²` distances. They are computed as
//! blocked products `‖x_i‖² + ‖x_j‖² − 2·x_i·x_j` (256 × 512 blocks,
//! `gemm_into`) over the points sorted by cluster, so that each row's
//! per-cluster distance sums are contiguous, vectorisable loops; row blocks
//! run in parallel and each row's result does not depend on the schedule.
//! The square roots of the silhouette are taken in `f32` (relative error
//! ≤ 6·10⁻⁸ per distance, summed in `f64`): the silhouette is accurate to
//! about 1e-7, and the square roots, which bound its speed, run 3× faster.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;
use ua_tensor::Scalar;
use ua_tensor::check::{ensure_finite, ensure_squares_fit};
use ua_tensor::gemm::{Trans, gemm_into};

use super::kernel::internal;
use super::kmeans::{FittedKMeans, KMeansParams, sealed};
use crate::{Error, Result};

const ROW_BLOCK: usize = 128;
const COL_BLOCK: usize = 256;

/// Maps labels to `0..m` (in increasing order of the original values).
fn dense_labels(labels: ArrayView1<'_, usize>) -> (Vec<usize>, usize) {
    let mut uniq: Vec<usize> = labels.iter().copied().collect();
    uniq.sort_unstable();
    uniq.dedup();
    let dense = labels
        .iter()
        .map(|l| uniq.partition_point(|u| u < l))
        .collect();
    (dense, uniq.len())
}

/// `names` when there is one per column of a matrix with `ncols` columns.
fn names_for(names: Option<&[String]>, ncols: usize) -> Option<Vec<&str>> {
    names
        .filter(|n| n.len() == ncols)
        .map(|n| n.iter().map(String::as_str).collect())
}

/// Refuses a NaN or infinite value as [`ensure_finite`] does, but names its
/// column by `names` (one per column of `x`; otherwise, or when `None`, the
/// 0-based index as `ensure_finite` gives it): `non-finite value (NaN) at
/// row 4 (0-based), column "amount"`. The first bad value in row-major
/// order is reported.
pub(crate) fn ensure_finite_named<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    names: Option<&[String]>,
) -> Result<()> {
    let Err(e) = ensure_finite(op, &x) else {
        return Ok(());
    };
    let (Some(names), Some(((r, c), v))) = (
        names_for(names, x.ncols()),
        x.indexed_iter().find(|(_, v)| !v.is_finite()),
    ) else {
        return Err(e.into());
    };
    Err(ua_tensor::Error::NonFinite {
        op,
        position: format!("row {r} (0-based), column {:?}", names[c]),
        value: format!("{v}"),
    }
    .into())
}

/// Refuses empty input, NaN/±inf and values whose squared distances summed
/// over `n_terms` rows would overflow, naming the column by `names` when
/// given.
fn check_values<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    n_terms: usize,
    names: Option<&[String]>,
) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::Empty { op });
    }
    ensure_finite_named(op, x, names)?;
    ensure_squares_fit(op, x, n_terms, names_for(names, x.ncols()).as_deref())?;
    Ok(())
}

/// Checks `x` against `labels` and returns `x` as `f64` (standard layout),
/// the dense labels and their number.
fn check(
    op: &'static str,
    x: ArrayView2<'_, impl Scalar>,
    labels: ArrayView1<'_, usize>,
    names: Option<&[String]>,
) -> Result<(Array2<f64>, Vec<usize>, usize)> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::Empty { op });
    }
    if labels.len() != x.nrows() {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("{} labels (one per row)", x.nrows()),
            found: format!("{} labels", labels.len()),
        });
    }
    check_values(op, x, x.nrows(), names)?;
    let (dense, m) = dense_labels(labels);
    Ok((x.mapv(|v| v.as_f64()), dense, m))
}

fn need_labels(op: &'static str, m: usize, n: usize) -> Result<()> {
    if m < 2 || m > n.saturating_sub(1) {
        return Err(Error::Undefined {
            op,
            message: format!("needs 2 ≤ number of labels ≤ n − 1, found {m} labels for {n} points"),
        });
    }
    Ok(())
}

/// `Σ_j sqrt(max(0, xi + xn_j − 2 g_j))` with independent accumulators.
/// The square root is taken in `f32` (4 lanes per SSE instruction, and far
/// higher throughput than `f64` square roots on current x86 cores): each
/// distance carries a relative rounding error ≤ 6·10⁻⁸; sums are in `f64`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn sum_dist(xi: f64, xn: &[f64], g: &[f64]) -> f64 {
    // SAFETY: SSE and SSE2 are part of the x86_64 baseline, so the target
    // features of `sum_dist_sse2` are present on every x86_64 CPU; the
    // function only reads the slices through safe indexing.
    unsafe { sum_dist_sse2(xi, xn, g) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn sum_dist_sse2(xi: f64, xn: &[f64], g: &[f64]) -> f64 {
    // SSE2 is part of the x86_64 baseline: four square roots per
    // instruction in f32, sums in f64.
    use std::arch::x86_64::{
        _mm_add_pd, _mm_cvtpd_ps, _mm_cvtps_pd, _mm_cvtsd_f64, _mm_max_ps, _mm_movehl_ps,
        _mm_movelh_ps, _mm_mul_pd, _mm_set_pd, _mm_set1_pd, _mm_setzero_pd, _mm_setzero_ps,
        _mm_sqrt_ps, _mm_sub_pd, _mm_unpackhi_pd,
    };
    let n = xn.len().min(g.len());
    let xiv = _mm_set1_pd(xi);
    let two = _mm_set1_pd(2.0);
    let zero = _mm_setzero_ps();
    let mut acc0 = _mm_setzero_pd();
    let mut acc1 = _mm_setzero_pd();
    let mut j = 0;
    for (u, v) in xn.chunks_exact(4).zip(g.chunks_exact(4)) {
        let a = _mm_sub_pd(
            _mm_add_pd(xiv, _mm_set_pd(u[1], u[0])),
            _mm_mul_pd(two, _mm_set_pd(v[1], v[0])),
        );
        let b = _mm_sub_pd(
            _mm_add_pd(xiv, _mm_set_pd(u[3], u[2])),
            _mm_mul_pd(two, _mm_set_pd(v[3], v[2])),
        );
        let f = _mm_movelh_ps(_mm_cvtpd_ps(a), _mm_cvtpd_ps(b));
        let r = _mm_sqrt_ps(_mm_max_ps(f, zero));
        acc0 = _mm_add_pd(acc0, _mm_cvtps_pd(r));
        acc1 = _mm_add_pd(acc1, _mm_cvtps_pd(_mm_movehl_ps(r, r)));
        j += 4;
    }
    let sum = _mm_add_pd(acc0, acc1);
    let mut total = _mm_cvtsd_f64(sum) + _mm_cvtsd_f64(_mm_unpackhi_pd(sum, sum));
    for (u, v) in xn[j..n].iter().zip(&g[j..n]) {
        total += dist_f32(xi + u - 2.0 * v);
    }
    total
}

/// Portable version of the x86_64 kernel above.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn sum_dist(xi: f64, xn: &[f64], g: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut a = xn.chunks_exact(4);
    let mut b = g.chunks_exact(4);
    for (u, v) in (&mut a).zip(&mut b) {
        for l in 0..4 {
            acc[l] += dist_f32(xi + u[l] - 2.0 * v[l]);
        }
    }
    let tail: f64 = a
        .remainder()
        .iter()
        .zip(b.remainder())
        .map(|(u, v)| dist_f32(xi + u - 2.0 * v))
        .sum();
    acc.iter().sum::<f64>() + tail
}

/// `sqrt(max(0, t))`, the square root taken in `f32`.
#[inline]
fn dist_f32(t: f64) -> f64 {
    let t = t as f32;
    if t > 0.0 { f64::from(t.sqrt()) } else { 0.0 }
}

/// Silhouette coefficient of every row: `(b − a) / max(a, b)` with `a` the
/// mean distance to the other members of its cluster and `b` the smallest
/// mean distance to another cluster (0 for a point alone in its cluster).
///
/// ```
/// use ua_analytics::ndarray::{array, Array1};
/// use ua_analytics::segmentation::silhouette_samples;
/// let x = array![[0.0], [1.0], [4.0]];
/// let s = silhouette_samples(x.view(), Array1::from(vec![0, 0, 1]).view()).unwrap();
/// // point 0: a = 1, b = 4 → 0.75; point 1: a = 1, b = 3 → 2/3; point 2 alone → 0
/// assert!((s[0] - 0.75).abs() < 1e-12 && (s[1] - 2.0 / 3.0).abs() < 1e-12 && s[2] == 0.0);
/// ```
pub fn silhouette_samples<S: Scalar>(
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
) -> Result<Array1<f64>> {
    silhouette_samples_named("silhouette", x, labels, None)
}

/// [`silhouette_samples`] with column names for the errors.
fn silhouette_samples_named<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
    names: Option<&[String]>,
) -> Result<Array1<f64>> {
    let (x, dense, m) = check(op, x, labels, names)?;
    let n = x.nrows();
    need_labels(op, m, n)?;
    // Sort points by cluster (counting sort, stable).
    let mut counts = vec![0usize; m];
    for &l in &dense {
        counts[l] += 1;
    }
    let mut offsets = vec![0usize; m + 1];
    for c in 0..m {
        offsets[c + 1] = offsets[c] + counts[c];
    }
    let mut next = offsets.clone();
    let mut perm = vec![0usize; n];
    for (i, &l) in dense.iter().enumerate() {
        perm[next[l]] = i;
        next[l] += 1;
    }
    let d = x.ncols();
    let mut xs = Array2::<f64>::zeros((n, d));
    for (p, &i) in perm.iter().enumerate() {
        xs.row_mut(p).assign(&x.row(i));
    }
    let xn: Vec<f64> = xs.rows().into_iter().map(|r| r.dot(&r)).collect();
    let lab_sorted: Vec<usize> = perm.iter().map(|&i| dense[i]).collect();

    let mut s_sorted = vec![0.0f64; n];
    s_sorted
        .par_chunks_mut(ROW_BLOCK)
        .enumerate()
        .try_for_each(|(b, out)| -> Result<()> {
            let rs = b * ROW_BLOCK;
            let rows = out.len();
            let xr = xs.slice(s![rs..rs + rows, ..]);
            let mut buf = Array2::<f64>::zeros((rows, COL_BLOCK));
            let mut sums = vec![0.0f64; rows * m];
            let mut cs = 0;
            while cs < n {
                let ce = (cs + COL_BLOCK).min(n);
                let w = ce - cs;
                let mut g = buf.slice_mut(s![.., ..w]);
                gemm_into(
                    1.0,
                    xr,
                    Trans::No,
                    xs.slice(s![cs..ce, ..]),
                    Trans::Yes,
                    0.0,
                    g.view_mut(),
                )?;
                // Exact zero self-distance: xn_i + xn_i − 2·xn_i = 0.
                for r in 0..rows {
                    let i = rs + r;
                    if (cs..ce).contains(&i) {
                        g[[r, i - cs]] = xn[i];
                    }
                }
                let first = offsets.partition_point(|&o| o <= cs).saturating_sub(1);
                for r in 0..rows {
                    let grow = g.row(r);
                    let grow = grow
                        .as_slice()
                        .ok_or_else(|| internal("silhouette: block row not contiguous"))?;
                    let xi = xn[rs + r];
                    let mut c = first;
                    while c < m && offsets[c] < ce {
                        let lo = offsets[c].max(cs);
                        let hi = offsets[c + 1].min(ce);
                        if hi > lo {
                            sums[r * m + c] += sum_dist(xi, &xn[lo..hi], &grow[lo - cs..hi - cs]);
                        }
                        c += 1;
                    }
                }
                cs = ce;
            }
            for (r, o) in out.iter_mut().enumerate() {
                let own = lab_sorted[rs + r];
                let row = &sums[r * m..(r + 1) * m];
                if counts[own] <= 1 {
                    *o = 0.0;
                    continue;
                }
                let a = row[own] / (counts[own] - 1) as f64;
                let bmin = row
                    .iter()
                    .zip(&counts)
                    .enumerate()
                    .filter(|&(c, _)| c != own)
                    .map(|(_, (&sm, &cnt))| sm / cnt as f64)
                    .fold(f64::INFINITY, f64::min);
                let den = a.max(bmin);
                *o = if den > 0.0 { (bmin - a) / den } else { 0.0 };
            }
            Ok(())
        })?;
    let mut out = Array1::<f64>::zeros(n);
    for (p, &i) in perm.iter().enumerate() {
        out[i] = s_sorted[p];
    }
    Ok(out)
}

/// Mean silhouette coefficient over all rows (exact, `O(n²·d)` in blocked
/// products).
///
/// ```
/// use ua_analytics::ndarray::{array, Array1};
/// use ua_analytics::segmentation::silhouette_score;
/// let x = array![[0.0], [1.0], [4.0]];
/// let s = silhouette_score(x.view(), Array1::from(vec![0, 0, 1]).view()).unwrap();
/// assert!((s - (0.75 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
/// ```
pub fn silhouette_score<S: Scalar>(
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
) -> Result<f64> {
    silhouette_score_named("silhouette", x, labels, None)
}

/// [`silhouette_score`] with column names for the errors.
fn silhouette_score_named<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
    names: Option<&[String]>,
) -> Result<f64> {
    let s = silhouette_samples_named(op, x, labels, names)?;
    Ok(s.sum() / s.len() as f64)
}

/// Mean silhouette on a seeded random sample of `sample_size` rows (drawn
/// without replacement; the distances are among the sampled rows only, as in
/// scikit-learn). With `sample_size ≥ n` this is [`silhouette_score`].
///
/// ```
/// use ua_analytics::segmentation::{gaussian_blobs, silhouette_score_sampled};
/// let (x, y) = gaussian_blobs::<f64>(2000, 2, 3, 0.3, 10.0, 5).unwrap();
/// let s1 = silhouette_score_sampled(x.view(), y.view(), 500, 7).unwrap();
/// let s2 = silhouette_score_sampled(x.view(), y.view(), 500, 7).unwrap();
/// assert_eq!(s1, s2);
/// assert!(s1 > 0.5);
/// ```
pub fn silhouette_score_sampled<S: Scalar>(
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    silhouette_sampled_named("silhouette (sampled)", x, labels, sample_size, seed, None)
}

/// [`silhouette_score_sampled`] with column names for the errors. All of
/// `x` is checked before the sample is drawn, so a bad value is reported at
/// its row in `x`, not at its position in the sample.
fn silhouette_sampled_named<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
    sample_size: usize,
    seed: u64,
    names: Option<&[String]>,
) -> Result<f64> {
    let n = x.nrows();
    if labels.len() != n {
        return Err(Error::ShapeMismatch {
            op,
            expected: format!("{n} labels (one per row)"),
            found: format!("{} labels", labels.len()),
        });
    }
    if sample_size == 0 {
        return Err(Error::InvalidArgument {
            op,
            message: "sample_size must be at least 1, found 0".into(),
        });
    }
    if sample_size >= n {
        return silhouette_score_named(op, x, labels, names);
    }
    check_values(op, x, sample_size, names)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut idx = rand::seq::index::sample(&mut rng, n, sample_size).into_vec();
    idx.sort_unstable();
    let xs = x.select(ndarray::Axis(0), &idx);
    let ls: Array1<usize> = idx.iter().map(|&i| labels[i]).collect();
    silhouette_score_named(op, xs.view(), ls.view(), names)
}

/// Per-cluster centroids (`m × d`) and sizes.
fn centroids(x: &Array2<f64>, dense: &[usize], m: usize) -> (Array2<f64>, Vec<usize>) {
    let d = x.ncols();
    let mut c = Array2::<f64>::zeros((m, d));
    let mut counts = vec![0usize; m];
    for (row, &l) in x.rows().into_iter().zip(dense) {
        counts[l] += 1;
        let mut cr = c.row_mut(l);
        cr += &row;
    }
    for (mut cr, &cnt) in c.rows_mut().into_iter().zip(&counts) {
        cr /= cnt.max(1) as f64;
    }
    (c, counts)
}

/// Davies–Bouldin index (lower is better): the mean over clusters of
/// `max_{j≠i} (s_i + s_j) / d(c_i, c_j)`, with `s_i` the mean distance of
/// the members of cluster `i` to its centroid.
///
/// ```
/// use ua_analytics::ndarray::{array, Array1};
/// use ua_analytics::segmentation::davies_bouldin_score;
/// // clusters {0, 2} and {10, 12}: s = 1 each, centroids 10 apart → 0.2
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// let db = davies_bouldin_score(x.view(), Array1::from(vec![0, 0, 1, 1]).view()).unwrap();
/// assert!((db - 0.2).abs() < 1e-12);
/// ```
pub fn davies_bouldin_score<S: Scalar>(
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
) -> Result<f64> {
    davies_bouldin_named("davies_bouldin", x, labels, None)
}

/// [`davies_bouldin_score`] with column names for the errors.
fn davies_bouldin_named<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
    names: Option<&[String]>,
) -> Result<f64> {
    let (x, dense, m) = check(op, x, labels, names)?;
    need_labels(op, m, x.nrows())?;
    let (c, _counts) = centroids(&x, &dense, m);
    let mut intra = vec![0.0f64; m];
    let mut counts = vec![0usize; m];
    for (row, &l) in x.rows().into_iter().zip(&dense) {
        let diff = &row - &c.row(l);
        intra[l] += diff.dot(&diff).sqrt();
        counts[l] += 1;
    }
    for (v, &cnt) in intra.iter_mut().zip(&counts) {
        *v /= cnt as f64;
    }
    let mut cd = Array2::<f64>::zeros((m, m));
    for i in 0..m {
        for j in 0..m {
            let diff = &c.row(i) - &c.row(j);
            cd[[i, j]] = diff.dot(&diff).sqrt();
        }
    }
    if intra.iter().all(|v| v.abs() <= 1e-8) || cd.iter().all(|v| v.abs() <= 1e-8) {
        return Ok(0.0);
    }
    let mut total = 0.0;
    for i in 0..m {
        let mut worst = 0.0f64;
        for j in 0..m {
            if i != j && cd[[i, j]] > 0.0 {
                worst = worst.max((intra[i] + intra[j]) / cd[[i, j]]);
            }
        }
        total += worst;
    }
    Ok(total / m as f64)
}

/// Calinski–Harabasz index (higher is better): between-cluster over
/// within-cluster dispersion, `[B / (m − 1)] / [W / (n − m)]`; 1 when
/// `W = 0` (as scikit-learn).
///
/// ```
/// use ua_analytics::ndarray::{array, Array1};
/// use ua_analytics::segmentation::calinski_harabasz_score;
/// // B = 4·25 = 100, W = 4 → (100 / 1) / (4 / 2) = 50
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// let ch = calinski_harabasz_score(x.view(), Array1::from(vec![0, 0, 1, 1]).view()).unwrap();
/// assert!((ch - 50.0).abs() < 1e-9);
/// ```
pub fn calinski_harabasz_score<S: Scalar>(
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
) -> Result<f64> {
    calinski_harabasz_named("calinski_harabasz", x, labels, None)
}

/// [`calinski_harabasz_score`] with column names for the errors.
fn calinski_harabasz_named<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    labels: ArrayView1<'_, usize>,
    names: Option<&[String]>,
) -> Result<f64> {
    let (x, dense, m) = check(op, x, labels, names)?;
    let n = x.nrows();
    need_labels(op, m, n)?;
    let (c, counts) = centroids(&x, &dense, m);
    let mean = x.mean_axis(ndarray::Axis(0)).ok_or(Error::Empty { op })?;
    let mut between = 0.0;
    for (cr, &cnt) in c.rows().into_iter().zip(&counts) {
        let diff = &cr - &mean;
        between += cnt as f64 * diff.dot(&diff);
    }
    let mut within = 0.0;
    for (row, &l) in x.rows().into_iter().zip(&dense) {
        let diff = &row - &c.row(l);
        within += diff.dot(&diff);
    }
    if within == 0.0 {
        return Ok(1.0);
    }
    Ok(between * (n - m) as f64 / (within * (m - 1) as f64))
}

/// The quality scores of a fitted model's own partition: the rows of `x`
/// labelled by [`predict`](FittedKMeans::predict) (for the training rows,
/// the model's partition of them) and scored as the free functions do. `x`
/// is checked first; a NaN, an infinity or a value too large to square is
/// reported with its column named by the model's feature names
/// ([`KMeans::feature_names`](super::KMeans::feature_names),
/// [`MiniBatchKMeans::feature_names`](super::MiniBatchKMeans::feature_names))
/// when they were given.
impl<S: Scalar, P: KMeansParams> FittedKMeans<S, P> {
    /// The names of the model's input columns, if given.
    fn input_names(&self) -> Option<&[String]> {
        sealed::Sealed::column_names(self.params())
    }

    /// Checks `x` before [`predict`](Self::predict) and a score: the
    /// model's number of columns, rows, finite values small enough to
    /// square (and sum over all rows, as `predict` needs).
    fn check_for_scores(&self, op: &'static str, x: ArrayView2<'_, S>) -> Result<()> {
        if x.ncols() != self.n_features() {
            return Err(Error::ShapeMismatch {
                op,
                expected: format!("{} columns (as in training)", self.n_features()),
                found: format!("{} columns", x.ncols()),
            });
        }
        check_values(op, x, x.nrows(), self.input_names())
    }

    /// [`silhouette_score`] of `x` partitioned by the model.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::{KMeans, silhouette_score};
    /// let x = array![[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]];
    /// let fit = KMeans::new(2).seed(1).feature_names(&["visits", "amount"]).fit(x.view()).unwrap();
    /// let s = fit.silhouette_score(x.view()).unwrap();
    /// assert_eq!(s, silhouette_score(x.view(), fit.labels()).unwrap());
    /// let bad = array![[0.0, 0.0], [0.1, f64::NAN], [5.0, 5.0]];
    /// let err = fit.silhouette_score(bad.view()).unwrap_err();
    /// assert!(err.to_string().contains("row 1 (0-based), column \"amount\""), "{err}");
    /// ```
    pub fn silhouette_score(&self, x: ArrayView2<'_, S>) -> Result<f64> {
        const OP: &str = "FittedKMeans::silhouette_score";
        self.check_for_scores(OP, x)?;
        let labels = self.predict(x)?;
        silhouette_score_named(OP, x, labels.view(), self.input_names())
    }

    /// [`silhouette_score_sampled`] of `x` partitioned by the model (all
    /// of `x` is checked and assigned, the distances are among the sampled
    /// rows).
    ///
    /// ```
    /// use ua_analytics::segmentation::{MiniBatchKMeans, gaussian_blobs, silhouette_score_sampled};
    /// let (x, _) = gaussian_blobs::<f64>(2000, 2, 3, 0.3, 10.0, 5).unwrap();
    /// let fit = MiniBatchKMeans::new(3).seed(2).fit(x.view()).unwrap();
    /// let s = fit.silhouette_score_sampled(x.view(), 500, 7).unwrap();
    /// assert_eq!(s, silhouette_score_sampled(x.view(), fit.labels(), 500, 7).unwrap());
    /// assert!(fit.silhouette_score_sampled(x.view(), 0, 7).is_err());
    /// ```
    pub fn silhouette_score_sampled(
        &self,
        x: ArrayView2<'_, S>,
        sample_size: usize,
        seed: u64,
    ) -> Result<f64> {
        const OP: &str = "FittedKMeans::silhouette_score_sampled";
        self.check_for_scores(OP, x)?;
        let labels = self.predict(x)?;
        silhouette_sampled_named(OP, x, labels.view(), sample_size, seed, self.input_names())
    }

    /// [`davies_bouldin_score`] of `x` partitioned by the model.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::KMeans;
    /// // clusters {0, 2} and {10, 12}: s = 1 each, centroids 10 apart → 0.2
    /// let x = array![[0.0], [2.0], [10.0], [12.0]];
    /// let fit = KMeans::new(2).seed(1).feature_names(&["spend"]).fit(x.view()).unwrap();
    /// assert!((fit.davies_bouldin_score(x.view()).unwrap() - 0.2).abs() < 1e-12);
    /// let err = fit.davies_bouldin_score(array![[0.0], [1e300]].view()).unwrap_err();
    /// assert!(err.to_string().contains("column \"spend\" holds 1e300"), "{err}");
    /// ```
    pub fn davies_bouldin_score(&self, x: ArrayView2<'_, S>) -> Result<f64> {
        const OP: &str = "FittedKMeans::davies_bouldin_score";
        self.check_for_scores(OP, x)?;
        let labels = self.predict(x)?;
        davies_bouldin_named(OP, x, labels.view(), self.input_names())
    }

    /// [`calinski_harabasz_score`] of `x` partitioned by the model.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::KMeans;
    /// // B = 4·25 = 100, W = 4 → (100 / 1) / (4 / 2) = 50
    /// let x = array![[0.0], [2.0], [10.0], [12.0]];
    /// let fit = KMeans::new(2).seed(1).feature_names(&["spend"]).fit(x.view()).unwrap();
    /// assert!((fit.calinski_harabasz_score(x.view()).unwrap() - 50.0).abs() < 1e-9);
    /// let err = fit.calinski_harabasz_score(array![[f64::INFINITY]].view()).unwrap_err();
    /// assert!(err.to_string().contains("column \"spend\""), "{err}");
    /// ```
    pub fn calinski_harabasz_score(&self, x: ArrayView2<'_, S>) -> Result<f64> {
        const OP: &str = "FittedKMeans::calinski_harabasz_score";
        self.check_for_scores(OP, x)?;
        let labels = self.predict(x)?;
        calinski_harabasz_named(OP, x, labels.view(), self.input_names())
    }
}

/// Adjusted Rand index of two partitions of the same points: 1 for
/// identical partitions (up to renaming), about 0 for independent ones.
///
/// ```
/// use ua_analytics::ndarray::Array1;
/// use ua_analytics::segmentation::adjusted_rand_index;
/// let a = Array1::from(vec![0, 0, 1, 1]);
/// let b = Array1::from(vec![5, 5, 3, 3]);
/// assert_eq!(adjusted_rand_index(a.view(), b.view()).unwrap(), 1.0);
/// let c = Array1::from(vec![0, 1, 0, 1]);
/// assert!((adjusted_rand_index(a.view(), c.view()).unwrap() + 0.5).abs() < 1e-12);
/// ```
pub fn adjusted_rand_index(a: ArrayView1<'_, usize>, b: ArrayView1<'_, usize>) -> Result<f64> {
    const OP: &str = "adjusted_rand_index";
    if a.len() != b.len() {
        return Err(Error::ShapeMismatch {
            op: OP,
            expected: format!("{} labels in the second partition", a.len()),
            found: format!("{}", b.len()),
        });
    }
    let n = a.len();
    if n == 0 {
        return Err(Error::Empty { op: OP });
    }
    let comb2 = |v: u64| (v as f64) * (v.saturating_sub(1) as f64) / 2.0;
    let count_runs = |mut v: Vec<(usize, usize)>| -> f64 {
        v.sort_unstable();
        let mut total = 0.0;
        let mut run = 0u64;
        for i in 0..v.len() {
            run += 1;
            if i + 1 == v.len() || v[i + 1] != v[i] {
                total += comb2(run);
                run = 0;
            }
        }
        total
    };
    let pairs: Vec<(usize, usize)> = a.iter().copied().zip(b.iter().copied()).collect();
    let sum_ij = count_runs(pairs);
    let sum_a = count_runs(a.iter().map(|&v| (v, 0)).collect());
    let sum_b = count_runs(b.iter().map(|&v| (v, 0)).collect());
    let total = comb2(n as u64);
    let expected = if total > 0.0 {
        sum_a * sum_b / total
    } else {
        0.0
    };
    let max_index = (sum_a + sum_b) / 2.0;
    let den = max_index - expected;
    if den == 0.0 {
        // Both partitions trivial in the same way (all in one cluster, or
        // all singletons): they agree.
        return Ok(1.0);
    }
    Ok((sum_ij - expected) / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_dist_handles_tails_and_negative_rounding() {
        // xi = 1, xn_j = 1, g_j = 1 → distance 0 (and a tiny negative
        // rounding would be clamped); 11 elements exercise lanes and tail.
        let xn = vec![1.0; 11];
        let g = vec![1.0; 11];
        assert_eq!(sum_dist(1.0, &xn, &g), 0.0);
        let xn: Vec<f64> = (0..11).map(|j| (j * j) as f64).collect();
        let g = vec![0.0; 11];
        // distance between 0 and j in 1-D = j → sum 0..10 = 55
        assert_eq!(sum_dist(0.0, &xn, &g), 55.0);
        assert_eq!(sum_dist(0.0, &[-1e-18], &[0.0]), 0.0);
    }

    #[test]
    fn names_name_the_column_of_non_finite_and_huge_values() {
        use crate::segmentation::KMeans;
        use ndarray::array;
        let names = vec!["visits".to_owned(), "amount".to_owned()];
        let has = |e: Error, want: &str| {
            let msg = e.to_string();
            assert!(msg.contains(want), "`{want}` not in: {msg}");
        };
        let x = array![[0.0, 1.0], [1.0, f64::INFINITY], [2.0, f64::NAN]];
        // the first bad value in row-major order, by name
        let e = ensure_finite_named("t", x.view(), Some(&names)).unwrap_err();
        assert!(
            matches!(&e, Error::Tensor(ua_tensor::Error::NonFinite { .. })),
            "{e}"
        );
        has(
            e,
            "t: non-finite value (inf) at row 1 (0-based), column \"amount\"",
        );
        // without names, or with a list of another length: the index
        for wrong in [None, Some(&names[..1])] {
            has(
                ensure_finite_named("t", x.view(), wrong).unwrap_err(),
                "row 1, column 1 (0-based index (1, 1))",
            );
        }
        assert!(ensure_finite_named("t", x.slice(s![..1, ..]), Some(&names)).is_ok());
        // check_values: empty, then finite, then squares, names for both
        let empty = Array2::<f64>::zeros((0, 2));
        assert!(matches!(
            check_values("t", empty.view(), 1, Some(&names)),
            Err(Error::Empty { op: "t" })
        ));
        let no_cols = Array2::<f64>::zeros((3, 0));
        assert!(matches!(
            check_values("t", no_cols.view(), 1, None),
            Err(Error::Empty { op: "t" })
        ));
        let huge = array![[0.0, 1.0], [1e300, 1.0]];
        has(
            check_values("t", huge.view(), 2, Some(&names)).unwrap_err(),
            "column \"visits\" holds 1e300 at row 1",
        );
        has(
            check_values("t", huge.view(), 2, Some(&names[..1])).unwrap_err(),
            "column 0 (0-based) holds 1e300",
        );
        // n_terms is passed on: a value that fits for 2 terms but not for
        // 10^300 of them (the limit shrinks with √n_terms)
        let big = array![[0.0], [1e150]];
        assert!(check_values("t", big.view(), 2, None).is_ok());
        assert!(check_values("t", big.view(), usize::MAX, None).is_err());

        // The fitted model's scores name the column; the free ones the index.
        let ok = array![[0.0, 0.0], [0.2, 0.1], [5.0, 5.0], [5.1, 5.2], [0.1, 0.3]];
        let fit = KMeans::new(2)
            .seed(1)
            .feature_names(&["visits", "amount"])
            .fit(ok.view())
            .unwrap();
        let labels = fit.labels();
        assert_eq!(
            fit.silhouette_score(ok.view()).unwrap(),
            silhouette_score(ok.view(), labels).unwrap()
        );
        assert_eq!(
            fit.silhouette_score_sampled(ok.view(), 4, 3).unwrap(),
            silhouette_score_sampled(ok.view(), labels, 4, 3).unwrap()
        );
        assert_eq!(
            fit.davies_bouldin_score(ok.view()).unwrap(),
            davies_bouldin_score(ok.view(), labels).unwrap()
        );
        assert_eq!(
            fit.calinski_harabasz_score(ok.view()).unwrap(),
            calinski_harabasz_score(ok.view(), labels).unwrap()
        );
        let mut bad = ok.clone();
        bad[[3, 1]] = f64::NAN;
        let at = "row 3 (0-based), column \"amount\"";
        has(fit.silhouette_score(bad.view()).unwrap_err(), at);
        has(
            fit.silhouette_score_sampled(bad.view(), 2, 3).unwrap_err(),
            at,
        );
        has(fit.davies_bouldin_score(bad.view()).unwrap_err(), at);
        has(fit.calinski_harabasz_score(bad.view()).unwrap_err(), at);
        has(
            fit.silhouette_score(bad.view()).unwrap_err(),
            "FittedKMeans::silhouette_score",
        );
        let mut big = ok.clone();
        big[[4, 0]] = 1e300;
        let at = "column \"visits\" holds 1e300 at row 4";
        has(fit.silhouette_score(big.view()).unwrap_err(), at);
        has(
            fit.silhouette_score_sampled(big.view(), 2, 3).unwrap_err(),
            at,
        );
        has(fit.davies_bouldin_score(big.view()).unwrap_err(), at);
        has(fit.calinski_harabasz_score(big.view()).unwrap_err(), at);
        let unnamed = "column 0 (0-based) holds 1e300 at row 4";
        has(silhouette_score(big.view(), labels).unwrap_err(), unnamed);
        has(
            davies_bouldin_score(big.view(), labels).unwrap_err(),
            unnamed,
        );
        has(
            calinski_harabasz_score(big.view(), labels).unwrap_err(),
            unnamed,
        );
        has(
            silhouette_score_sampled(big.view(), labels, 2, 3).unwrap_err(),
            unnamed,
        );
        // Wrong width and no rows are errors of the method itself.
        let e = fit.davies_bouldin_score(array![[1.0]].view()).unwrap_err();
        assert!(matches!(&e, Error::ShapeMismatch { .. }), "{e}");
        has(e, "expected 2 columns (as in training), found 1 columns");
        assert!(matches!(
            fit.calinski_harabasz_score(Array2::<f64>::zeros((0, 2)).view()),
            Err(Error::Empty {
                op: "FittedKMeans::calinski_harabasz_score"
            })
        ));
    }

    #[test]
    fn the_sampled_silhouette_reports_a_bad_row_at_its_place_in_x() {
        // 1e308 at row 17 of 40: every sample size names row 17 (not its
        // position in the sample) and the op, whether or not the row is drawn.
        let mut x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        x[[17, 2]] = 1e308;
        let labels = Array1::from_shape_fn(40, |i| i % 2);
        for (size, seed) in [(5, 1), (10, 2), (39, 3), (40, 4)] {
            let e = silhouette_score_sampled(x.view(), labels.view(), size, seed).unwrap_err();
            let m = e.to_string();
            assert!(
                m.starts_with("silhouette (sampled):")
                    && m.contains("column 2 (0-based) holds 1e308 at row 17"),
                "{size}: {m}"
            );
        }
    }

    #[test]
    fn the_sampled_silhouette_is_the_exact_one_on_its_seeded_sample_or_on_all_rows() {
        let x = Array2::from_shape_fn((30, 2), |(i, j)| ((i * 7 + j * 5) % 13) as f64);
        let labels = Array1::from_shape_fn(30, |i| i % 3);
        let exact = silhouette_score(x.view(), labels.view()).unwrap();
        // sample_size ≥ n: every row, the exact score
        for size in [30, 31, 1000] {
            assert_eq!(
                silhouette_score_sampled(x.view(), labels.view(), size, 1).unwrap(),
                exact
            );
        }
        // sample_size < n: the rows drawn with the seed, in their order in x
        let mut rng = StdRng::seed_from_u64(4);
        let mut idx = rand::seq::index::sample(&mut rng, 30, 12).into_vec();
        idx.sort_unstable();
        let xs = x.select(ndarray::Axis(0), &idx);
        let ls: Array1<usize> = idx.iter().map(|&i| labels[i]).collect();
        let want = silhouette_score(xs.view(), ls.view()).unwrap();
        let got = silhouette_score_sampled(x.view(), labels.view(), 12, 4).unwrap();
        assert_eq!(got, want);
        assert_ne!(got, exact);
    }

    #[test]
    fn dense_labels_keep_order() {
        let l = Array1::from(vec![9usize, 2, 9, 40]);
        assert_eq!(dense_labels(l.view()), (vec![1, 0, 1, 2], 3));
    }
}
