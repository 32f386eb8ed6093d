//! Seeding: greedy k-means++ (with scikit-learn's `2 + ⌊ln k⌋` local
//! trials) or `k` distinct rows drawn uniformly.

use ndarray::Array2;
use ndarray::ArrayView2;
use rand::Rng;
use rand::rngs::StdRng;
use rayon::prelude::*;
use ua_tensor::Scalar;

use super::params::Init;
use crate::Result;
use crate::segmentation::kernel::{CHUNK, block_rows, internal, row_sq_norms, sq_dist_f64};

/// Chooses the initial centres.
pub(crate) fn initial_centers<S: Scalar>(
    x: ArrayView2<'_, S>,
    k: usize,
    init: Init,
    rng: &mut StdRng,
    parallel: bool,
) -> Result<Array2<S>> {
    match init {
        Init::KMeansPlusPlus => kmeans_plusplus(x, k, rng, parallel),
        Init::Random => {
            let n = x.nrows();
            let d = x.ncols();
            let mut c = Array2::<S>::zeros((k, d));
            let idx = rand::seq::index::sample(rng, n, k);
            for (j, i) in idx.iter().enumerate() {
                c.row_mut(j).assign(&x.row(i));
            }
            Ok(c)
        }
    }
}

/// Greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's
/// `2 + ⌊ln k⌋` local trials per step).
fn kmeans_plusplus<S: Scalar>(
    x: ArrayView2<'_, S>,
    k: usize,
    rng: &mut StdRng,
    parallel: bool,
) -> Result<Array2<S>> {
    let (n, d) = x.dim();
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("k-means++: x not contiguous"))?;
    let row = |i: usize| &xs[i * d..(i + 1) * d];
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers = Array2::<S>::zeros((k, d));
    let first = rng.random_range(0..n);
    centers.row_mut(0).assign(&x.row(first));
    let xnorm = row_sq_norms(x);
    let br = block_rows(n);
    let mut closest: Vec<f64> = vec![0.0; n];
    {
        let c0 = row(first);
        let fill = |(b, part): (usize, &mut [f64])| {
            for (r, v) in part.iter_mut().enumerate() {
                *v = sq_dist_f64(row(b * br + r), c0);
            }
        };
        if parallel {
            closest.par_chunks_mut(br).enumerate().for_each(fill);
        } else {
            closest.chunks_mut(br).enumerate().for_each(fill);
        }
    }
    let mut cum = vec![0.0f64; n];
    let mut cand = vec![0usize; trials];
    let mut cand_x = Array2::<S>::zeros((trials, d));
    // Squared distances of every point to every candidate (`n × trials`),
    // from the product ‖x‖² + ‖c‖² − 2·x·cᵀ over chunks of rows.
    let mut cand_d = vec![0.0f64; n * trials];
    for c in 1..k {
        let mut acc = 0.0;
        for (cv, &v) in cum.iter_mut().zip(&closest) {
            acc += v;
            *cv = acc;
        }
        let pot = acc;
        for (t, mut crow) in cand.iter_mut().zip(cand_x.rows_mut()) {
            let r = rng.random::<f64>() * pot;
            *t = cum.partition_point(|&v| v <= r).min(n - 1);
            crow.assign(&x.row(*t));
        }
        let cnorm = row_sq_norms(cand_x.view());
        let cv = cand_x.view();
        let closest_ref = &closest;
        let xnorm_ref = &xnorm;
        // Potential of each candidate per block; blocks folded in order.
        let pots_of = |(b, part): (usize, &mut [f64])| -> Result<Vec<f64>> {
            let start = b * br;
            let rows = part.len() / trials;
            let mut buf = Array2::<S>::zeros((CHUNK.min(rows), trials));
            let mut pots = vec![0.0f64; trials];
            let mut cs = 0;
            while cs < rows {
                let ce = (cs + CHUNK).min(rows);
                let m = ce - cs;
                let mut g = buf.slice_mut(ndarray::s![..m, ..]);
                ua_tensor::gemm::gemm_into(
                    S::lit(-2.0),
                    x.slice(ndarray::s![start + cs..start + ce, ..]),
                    ua_tensor::gemm::Trans::No,
                    cv,
                    ua_tensor::gemm::Trans::Yes,
                    S::zero(),
                    g.view_mut(),
                )?;
                for r in 0..m {
                    let i = start + cs + r;
                    let xn = xnorm_ref[i];
                    let out = &mut part[(cs + r) * trials..(cs + r + 1) * trials];
                    for t in 0..trials {
                        let v = (xn + cnorm[t] + g[[r, t]]).as_f64();
                        let v = if v > 0.0 { v } else { 0.0 };
                        out[t] = v;
                        let cl = closest_ref[i];
                        pots[t] += if v < cl { v } else { cl };
                    }
                }
                cs = ce;
            }
            Ok(pots)
        };
        let parts: Vec<Vec<f64>> = if parallel {
            cand_d
                .par_chunks_mut(br * trials)
                .enumerate()
                .map(pots_of)
                .collect::<Result<_>>()?
        } else {
            cand_d
                .chunks_mut(br * trials)
                .enumerate()
                .map(pots_of)
                .collect::<Result<_>>()?
        };
        let mut pots = vec![0.0f64; trials];
        for p in parts {
            for (t, v) in pots.iter_mut().zip(p) {
                *t += v;
            }
        }
        let mut best_t = 0;
        for t in 1..trials {
            if pots[t] < pots[best_t] {
                best_t = t;
            }
        }
        centers.row_mut(c).assign(&x.row(cand[best_t]));
        let cd = &cand_d;
        let update = |(b, part): (usize, &mut [f64])| {
            for (r, v) in part.iter_mut().enumerate() {
                let dd = cd[(b * br + r) * trials + best_t];
                if dd < *v {
                    *v = dd;
                }
            }
        };
        if parallel {
            closest.par_chunks_mut(br).enumerate().for_each(update);
        } else {
            closest.chunks_mut(br).enumerate().for_each(update);
        }
    }
    Ok(centers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;

    #[test]
    fn kmeans_plusplus_picks_distinct_spread_points() {
        // Three far-apart groups: the three centres land in three groups.
        let x = array![[0.0], [0.1], [50.0], [50.1], [100.0], [100.1]];
        for seed in 0..10 {
            let mut rng = StdRng::seed_from_u64(seed);
            let c = kmeans_plusplus(x.view(), 3, &mut rng, false).unwrap();
            let mut groups: Vec<i64> = c.iter().map(|v: &f64| (v / 50.0).round() as i64).collect();
            groups.sort_unstable();
            assert_eq!(groups, vec![0, 1, 2], "seed {seed}: {c}");
            let mut rng = StdRng::seed_from_u64(seed);
            assert_eq!(kmeans_plusplus(x.view(), 3, &mut rng, true).unwrap(), c);
        }
    }

    #[test]
    fn random_init_draws_distinct_rows() {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let mut rng = StdRng::seed_from_u64(1);
        let c = initial_centers(x.view(), 4, Init::Random, &mut rng, false).unwrap();
        let mut v: Vec<f64> = c.iter().copied().collect();
        v.sort_by(f64::total_cmp);
        assert_eq!(v, [0.0, 1.0, 2.0, 3.0]);
    }
}
