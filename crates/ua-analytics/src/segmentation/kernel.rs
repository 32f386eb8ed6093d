//! Shared kernels of the segmentation module: the fixed block plan that makes
//! parallel reductions deterministic, the fused "distance product + argmin +
//! centre-sum accumulation" pass over row chunks, and exact squared distances.
//!
//! Every parallel loop of this module splits the rows into the same blocks
//! (a function of the number of rows only, never of the thread count), lets
//! each block produce its partial result, and folds the partial results in
//! block order. The sequential path walks the same blocks in the same order,
//! so a fixed seed gives bit-identical results with 1 or N threads.

use ndarray::{Array2, ArrayView2, s};
use rayon::prelude::*;
use ua_tensor::Scalar;
use ua_tensor::gemm::{Trans, gemm_into};

use crate::Result;

/// Rows per distance product (`CHUNK × k` scratch buffer).
pub(crate) const CHUNK: usize = 256;
/// Upper bound on the number of blocks a pass is split into.
const MAX_BLOCKS: usize = 64;

/// Rows per block for `n` rows: a multiple of [`CHUNK`], at most
/// [`MAX_BLOCKS`] blocks. Depends on `n` only.
pub(crate) fn block_rows(n: usize) -> usize {
    let per = n.div_ceil(MAX_BLOCKS).max(1);
    per.div_ceil(CHUNK) * CHUNK
}

/// Runs `f(block_index, start_row, end_row)` over the blocks of `n` rows and
/// returns the results in block order, in parallel when asked.
pub(crate) fn map_blocks<T, F>(n: usize, parallel: bool, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, usize, usize) -> T + Sync + Send,
{
    let br = block_rows(n);
    let nb = n.div_ceil(br);
    let run = |b: usize| {
        let start = b * br;
        f(b, start, (start + br).min(n))
    };
    if parallel {
        (0..nb).into_par_iter().map(run).collect()
    } else {
        (0..nb).map(run).collect()
    }
}

/// Squared Euclidean norm of each row.
pub(crate) fn row_sq_norms<S: Scalar>(x: ArrayView2<'_, S>) -> Vec<S> {
    x.rows()
        .into_iter()
        .map(|r| r.iter().fold(S::zero(), |a, &v| a + v * v))
        .collect()
}

/// Exact squared distance between two rows, accumulated in `f64`.
#[inline]
pub(crate) fn sq_dist_f64<S: Scalar>(a: &[S], b: &[S]) -> f64 {
    let mut acc = 0.0f64;
    for (&u, &v) in a.iter().zip(b) {
        let t = u.as_f64() - v.as_f64();
        acc += t * t;
    }
    acc
}

/// Exact Euclidean distance between two rows, in `S`.
#[inline]
pub(crate) fn dist_s<S: Scalar>(a: &[S], b: &[S]) -> S {
    let mut acc = S::zero();
    for (&u, &v) in a.iter().zip(b) {
        let t = u - v;
        acc = acc + t * t;
    }
    acc.sqrt()
}

/// Per-block partial sums of the points assigned to each centre.
pub(crate) struct Acc {
    /// `k × d` row-major sums, in `f64`.
    pub sums: Vec<f64>,
    /// Points per centre.
    pub counts: Vec<u64>,
}

impl Acc {
    pub(crate) fn new(k: usize, d: usize) -> Self {
        Acc {
            sums: vec![0.0; k * d],
            counts: vec![0; k],
        }
    }

    #[inline]
    pub(crate) fn add<S: Scalar>(&mut self, label: usize, row: &[S]) {
        let d = row.len();
        self.counts[label] += 1;
        for (s, &v) in self.sums[label * d..(label + 1) * d].iter_mut().zip(row) {
            *s += v.as_f64();
        }
    }

    /// Folds the partial sums in order (deterministic).
    pub(crate) fn merge(parts: Vec<Acc>, k: usize, d: usize) -> Acc {
        let mut total = Acc::new(k, d);
        for p in parts {
            for (t, v) in total.sums.iter_mut().zip(&p.sums) {
                *t += v;
            }
            for (t, v) in total.counts.iter_mut().zip(&p.counts) {
                *t += v;
            }
        }
        total
    }
}

/// Assigns rows `start..start + labels.len()` of `x` to their nearest centre
/// with `‖c‖² − 2·x·cᵀ` products over chunks of [`CHUNK`] rows, writing the
/// labels and, when `acc` is given, adding each row to its centre's sums.
/// When `min_sq` is given it receives `max(0, ‖x‖² + ‖c‖² − 2·x·c)` of the
/// chosen centre (needs `xnorm`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn assign_rows<S: Scalar>(
    x: ArrayView2<'_, S>,
    xnorm: Option<&[S]>,
    centers: ArrayView2<'_, S>,
    cnorm: &[S],
    start: usize,
    labels: &mut [usize],
    mut min_sq: Option<&mut [S]>,
    mut acc: Option<&mut Acc>,
) -> Result<()> {
    let k = centers.nrows();
    let len = labels.len();
    let mut buf = Array2::<S>::zeros((CHUNK.min(len.max(1)), k));
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("assign_rows: x must be in standard layout"))?;
    let d = x.ncols();
    let mut cs = 0;
    while cs < len {
        let ce = (cs + CHUNK).min(len);
        let m = ce - cs;
        let mut out = buf.slice_mut(s![..m, ..]);
        let rows = x.slice(s![start + cs..start + ce, ..]);
        gemm_into(
            S::lit(-2.0),
            rows,
            Trans::No,
            centers,
            Trans::Yes,
            S::zero(),
            out.view_mut(),
        )?;
        for r in 0..m {
            let brow = out.row(r);
            let brow = brow
                .as_slice()
                .ok_or_else(|| internal("assign_rows: scratch row not contiguous"))?;
            let mut best = 0usize;
            let mut best_v = S::infinity();
            for (j, (&g, &cn)) in brow.iter().zip(cnorm).enumerate() {
                let v = g + cn;
                if v < best_v {
                    best_v = v;
                    best = j;
                }
            }
            let i = start + cs + r;
            labels[cs + r] = best;
            if let (Some(ms), Some(xn)) = (min_sq.as_deref_mut(), xnorm) {
                ms[cs + r] = (xn[i] + best_v).max(S::zero());
            }
            if let Some(a) = acc.as_deref_mut() {
                a.add(best, &xs[i * d..(i + 1) * d]);
            }
        }
        cs = ce;
    }
    Ok(())
}

/// An error for a broken internal invariant (never expected on any input).
pub(crate) fn internal(message: &str) -> crate::Error {
    crate::Error::Undefined {
        op: "segmentation",
        message: format!("internal invariant broken: {message}"),
    }
}

/// Assigns every row of `x` to its nearest centre (parallel when asked).
pub(crate) fn assign_all<S: Scalar>(
    x: ArrayView2<'_, S>,
    centers: ArrayView2<'_, S>,
    parallel: bool,
) -> Result<Vec<usize>> {
    let n = x.nrows();
    let cnorm = row_sq_norms(centers);
    let mut labels = vec![0usize; n];
    let br = block_rows(n.max(1));
    let run = |(b, lab): (usize, &mut [usize])| {
        assign_rows(x, None, centers, &cnorm, b * br, lab, None, None)
    };
    if parallel {
        labels
            .par_chunks_mut(br)
            .enumerate()
            .map(run)
            .collect::<Result<Vec<()>>>()?;
    } else {
        labels
            .chunks_mut(br)
            .enumerate()
            .map(run)
            .collect::<Result<Vec<()>>>()?;
    }
    Ok(labels)
}

/// Exact inertia `Σ ‖x_i − c_{label_i}‖²`, in `f64`, deterministic.
pub(crate) fn inertia<S: Scalar>(
    x: ArrayView2<'_, S>,
    centers: ArrayView2<'_, S>,
    labels: &[usize],
    parallel: bool,
) -> Result<f64> {
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("inertia: x must be in standard layout"))?;
    let cs = centers
        .as_slice()
        .ok_or_else(|| internal("inertia: centres must be in standard layout"))?;
    let d = x.ncols();
    let parts = map_blocks(x.nrows(), parallel, |_, a, b| {
        let mut acc = 0.0f64;
        for i in a..b {
            let l = labels[i];
            acc += sq_dist_f64(&xs[i * d..(i + 1) * d], &cs[l * d..(l + 1) * d]);
        }
        acc
    });
    Ok(parts.into_iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn blocks_cover_rows_once_and_depend_on_n_only() {
        for n in [1, 5, 255, 256, 257, 10_000, 200_000] {
            let br = block_rows(n);
            assert_eq!(br % CHUNK, 0);
            assert!(n.div_ceil(br) <= MAX_BLOCKS);
            let spans = map_blocks(n, true, |_, a, b| (a, b));
            assert_eq!(spans.first().map(|s| s.0), Some(0));
            assert_eq!(spans.last().map(|s| s.1), Some(n));
            for w in spans.windows(2) {
                assert_eq!(w[0].1, w[1].0);
            }
            assert_eq!(spans, map_blocks(n, false, |_, a, b| (a, b)));
        }
    }

    #[test]
    fn fused_assignment_matches_brute_force() {
        // 600 rows: several chunks; sums and counts by hand.
        let x = Array2::from_shape_fn((600, 3), |(i, j)| ((i * 7 + j * 13) % 17) as f64 - 8.0);
        let c = array![[-5.0, 0.0, 1.0], [4.0, 4.0, -3.0], [0.0, -6.0, 6.0]];
        let cnorm = row_sq_norms(c.view());
        let xnorm = row_sq_norms(x.view());
        let mut labels = vec![0usize; 600];
        let mut min_sq = vec![0.0f64; 600];
        let mut acc = Acc::new(3, 3);
        assign_rows(
            x.view(),
            Some(&xnorm),
            c.view(),
            &cnorm,
            0,
            &mut labels,
            Some(&mut min_sq),
            Some(&mut acc),
        )
        .unwrap();
        let mut want = Acc::new(3, 3);
        for i in 0..600 {
            let xi = x.row(i).to_vec();
            let d: Vec<f64> = (0..3)
                .map(|j| sq_dist_f64(&xi, c.row(j).as_slice().unwrap()))
                .collect();
            let best = (0..3).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap();
            assert_eq!(labels[i], best, "row {i}");
            assert!((min_sq[i] - d[best]).abs() < 1e-9);
            want.add(best, &xi);
        }
        assert_eq!(acc.counts, want.counts);
        assert_eq!(acc.sums, want.sums);
        assert_eq!(assign_all(x.view(), c.view(), true).unwrap(), labels);
    }
}
