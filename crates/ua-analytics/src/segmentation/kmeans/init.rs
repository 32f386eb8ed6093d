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
use ndarray::s;
use ua_tensor::distance::{DIRECT_MAX_COLS, DIRECT_MAX_ROWS, pairwise_sq_distances_into};

use crate::segmentation::kernel::{CHUNK, block_rows, internal};

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
/// `2 + ⌊ln k⌋` local trials per step): each step draws the trials with
/// probability proportional to the squared distance to the nearest chosen
/// centre and keeps the one that lowers the potential most (the first on a
/// tie).
///
/// One pass over the data per step: the pass computes, for each point, the
/// distances to all trials of the step *and* to the centre chosen in the
/// previous step (whose update of the nearest distances was left pending),
/// and accumulates each trial's potential per block. The potential of the
/// chosen trial per block is the block sum the next draw needs; inside the
/// drawn block the pending update is applied on the fly while scanning.
/// Distances are `Σ (x_t − c_t)²` in `S` (the direct kernel of
/// [`ua_tensor::distance`] for `d` ≤ [`DIRECT_MAX_COLS`], the same sum in
/// scalar code above), potentials are summed in `f64`.
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
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers = Array2::<S>::zeros((k, d));
    let first = rng.random_range(0..n);
    centers.row_mut(0).assign(&x.row(first));
    let br = block_rows(n);
    // Squared distance to the nearest chosen centre, not counting `pending`.
    let mut closest: Vec<f64> = vec![f64::INFINITY; n];
    let mut pending = first;
    // Pass 0: no trials; the block sums of the nearest distances.
    let mut block_sums: Vec<f64> = potentials(x, &[], pending, &mut closest, br, parallel)?
        .into_iter()
        .map(|p| p[0])
        .collect();
    let mut cand = vec![0usize; trials];
    for c in 1..k {
        let pot: f64 = block_sums.iter().sum();
        for t in cand.iter_mut() {
            let r = rng.random::<f64>() * pot;
            *t = draw(xs, d, &closest, pending, &block_sums, br, r);
        }
        let parts = potentials(x, &cand, pending, &mut closest, br, parallel)?;
        let mut pots = vec![0.0f64; trials];
        for p in &parts {
            for (t, v) in pots.iter_mut().zip(&p[1..]) {
                *t += v;
            }
        }
        let mut best_t = 0;
        for t in 1..trials {
            if pots[t] < pots[best_t] {
                best_t = t;
            }
        }
        for (b, p) in block_sums.iter_mut().zip(&parts) {
            *b = p[1 + best_t];
        }
        pending = cand[best_t];
        centers.row_mut(c).assign(&x.row(pending));
    }
    Ok(centers)
}

/// `Σ_t (a_t − b_t)²` in `S`, term by term in column order with one fused
/// multiply-add per term — bit for bit the value of the direct kernel.
#[inline]
fn sq_dist_s<S: Scalar>(a: &[S], b: &[S]) -> S {
    let mut acc = S::zero();
    for (&u, &v) in a.iter().zip(b) {
        let e = u - v;
        acc = e.mul_add(e, acc);
    }
    acc
}

/// The smaller of a nearest distance `cl` and a new distance `v` (`cl` on
/// a tie), the rule of the reference implementation.
#[inline]
fn updated(cl: f64, v: f64) -> f64 {
    if v < cl { v } else { cl }
}

/// The row drawn for `r` ∈ `[0, Σ block_sums)`: the first row whose running
/// sum of nearest distances (pending centre applied) exceeds `r`, the sums
/// taken block by block in the same order as the passes take them (or the
/// last row when rounding leaves `r` past the end).
fn draw<S: Scalar>(
    xs: &[S],
    d: usize,
    closest: &[f64],
    pending: usize,
    block_sums: &[f64],
    br: usize,
    r: f64,
) -> usize {
    let n = closest.len();
    let p = &xs[pending * d..(pending + 1) * d];
    let mut prefix = 0.0f64;
    for (b, &bs) in block_sums.iter().enumerate() {
        if prefix + bs > r {
            let start = b * br;
            let end = (start + br).min(n);
            let mut run = 0.0f64;
            for i in start..end {
                let v = sq_dist_s(&xs[i * d..(i + 1) * d], p).as_f64();
                run += updated(closest[i], v);
                if prefix + run > r {
                    return i;
                }
            }
            return end - 1;
        }
        prefix += bs;
    }
    n - 1
}

/// One pass over the rows: applies the pending centre to `closest` and
/// returns, per block, `[Σ closest, Σ min(closest, d(x, cand_t)) for each
/// trial t]`, each summed in row order.
fn potentials<S: Scalar>(
    x: ArrayView2<'_, S>,
    cand: &[usize],
    pending: usize,
    closest: &mut [f64],
    br: usize,
    parallel: bool,
) -> Result<Vec<Vec<f64>>> {
    let d = x.ncols();
    let trials = cand.len();
    // Rows of the distance product: the trials, then the pending centre.
    let mut cx = Array2::<S>::zeros((trials + 1, d));
    for (mut r, &i) in cx.rows_mut().into_iter().zip(cand.iter().chain([&pending])) {
        r.assign(&x.row(i));
    }
    let cv = cx.view();
    let direct = d <= DIRECT_MAX_COLS && trials < DIRECT_MAX_ROWS;
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("k-means++: x not contiguous"))?;
    let cs = cv
        .as_slice()
        .ok_or_else(|| internal("k-means++: candidates not contiguous"))?;
    let block = |(b, part): (usize, &mut [f64])| -> Result<Vec<f64>> {
        let start = b * br;
        let mut sums = vec![0.0f64; trials + 1];
        let mut buf = Array2::<S>::zeros((CHUNK.min(part.len()), trials + 1));
        for (ci, cl_chunk) in part.chunks_mut(CHUNK).enumerate() {
            let r0 = start + ci * CHUNK;
            let m = cl_chunk.len();
            let mut g = buf.slice_mut(s![..m, ..]);
            if direct {
                pairwise_sq_distances_into(x.slice(s![r0..r0 + m, ..]), cv, g.view_mut())?;
            } else {
                for (r, mut grow) in g.rows_mut().into_iter().enumerate() {
                    let xi = &xs[(r0 + r) * d..(r0 + r + 1) * d];
                    for (j, v) in grow.iter_mut().enumerate() {
                        *v = sq_dist_s(xi, &cs[j * d..(j + 1) * d]);
                    }
                }
            }
            let gs = g
                .as_slice()
                .ok_or_else(|| internal("k-means++: scratch not contiguous"))?;
            let w = trials + 1;
            // One running sum at a time, in a register, rows in order (the
            // order of the reference): first the pending centre's update.
            let mut acc = sums[0];
            for (cl, grow) in cl_chunk.iter_mut().zip(gs.chunks_exact(w)) {
                *cl = updated(*cl, grow[trials].as_f64());
                acc += *cl;
            }
            sums[0] = acc;
            // Four trials side by side: four independent chains of adds.
            let mut t0 = 0;
            while t0 + 4 <= trials {
                let mut acc = [sums[1 + t0], sums[2 + t0], sums[3 + t0], sums[4 + t0]];
                for (&cl, grow) in cl_chunk.iter().zip(gs.chunks_exact(w)) {
                    let grow = &grow[t0..t0 + 4];
                    for (a, &v) in acc.iter_mut().zip(grow) {
                        *a += updated(cl, v.as_f64());
                    }
                }
                sums[1 + t0..5 + t0].copy_from_slice(&acc);
                t0 += 4;
            }
            for t in t0..trials {
                let mut acc = sums[1 + t];
                for (&cl, grow) in cl_chunk.iter().zip(gs.chunks_exact(w)) {
                    acc += updated(cl, grow[t].as_f64());
                }
                sums[1 + t] = acc;
            }
        }
        Ok(sums)
    };
    if parallel {
        closest.par_chunks_mut(br).enumerate().map(block).collect()
    } else {
        closest.chunks_mut(br).enumerate().map(block).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segmentation::gaussian_blobs;
    use crate::segmentation::kernel::{row_sq_norms, sq_dist_f64};
    use ndarray::array;
    use rand::SeedableRng;

    /// The seeding as it was before the fused pass (one distance product per
    /// step into an `n × trials` buffer, then an update pass): the reference.
    fn reference<S: Scalar>(
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

    #[test]
    fn fused_seeding_picks_the_reference_centres() {
        // Both data kinds of the benchmark (separated and overlapping), f64
        // and f32, serial and parallel, several k and seeds.
        for (std, n, d) in [
            (1.0, 3000, 8),
            (6.0, 3000, 8),
            (2.0, 777, 3),
            (3.0, 500, 70),
        ] {
            let (x, _) = gaussian_blobs::<f64>(n, d, 8, std, 10.0, 42).unwrap();
            let xf = x.mapv(|v| v as f32);
            for k in [2, 8, 21] {
                for seed in 0..4 {
                    let run = |par: bool| {
                        let mut rng = StdRng::seed_from_u64(seed);
                        let c = kmeans_plusplus(x.view(), k, &mut rng, par).unwrap();
                        let tail: u64 = rng.random();
                        (c, tail)
                    };
                    let mut rng = StdRng::seed_from_u64(seed);
                    let want = reference(x.view(), k, &mut rng, false).unwrap();
                    let want_tail: u64 = rng.random();
                    let (got, tail) = run(false);
                    assert_eq!(got, want, "std {std} d {d} k {k} seed {seed}");
                    // The same number of draws from the generator.
                    assert_eq!(tail, want_tail);
                    assert_eq!(run(true).0, got, "parallel, k {k} seed {seed}");
                    let mut rng = StdRng::seed_from_u64(seed);
                    let wantf = reference(xf.view(), k, &mut rng, false).unwrap();
                    let mut rng = StdRng::seed_from_u64(seed);
                    let gotf = kmeans_plusplus(xf.view(), k, &mut rng, true).unwrap();
                    assert_eq!(gotf, wantf, "f32 std {std} d {d} k {k} seed {seed}");
                }
            }
        }
    }

    #[test]
    fn draw_follows_the_running_sum_across_blocks() {
        // 1-D points 0..n: nearest distances to the pending centre at 0 are
        // i²; the running sum Σ_{j≤i} j² exceeds r first at the expected row.
        let n = 1000;
        let xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let closest = vec![f64::INFINITY; n];
        let br = 256;
        let sums: Vec<f64> = (0..n.div_ceil(br))
            .map(|b| {
                (b * br..((b + 1) * br).min(n))
                    .map(|i| (i * i) as f64)
                    .sum()
            })
            .collect();
        let cum = |i: usize| (0..=i).map(|j| (j * j) as f64).sum::<f64>();
        // Row 0 is the pending centre itself (weight 0): never drawn.
        assert_eq!(draw(&xs, 1, &closest, 0, &sums, br, 0.0), 1);
        for want in [1, 2, 255, 256, 257, 600, 998, 999] {
            // r between the running sums at want − 1 and at want.
            let r = (cum(want - 1) + cum(want)) / 2.0;
            assert_eq!(draw(&xs, 1, &closest, 0, &sums, br, r), want, "r {r}");
        }
        // r at or past the total: the last row.
        let total: f64 = sums.iter().sum();
        assert_eq!(draw(&xs, 1, &closest, 0, &sums, br, total), n - 1);
        // The stored nearest distance is used when smaller than the pending one.
        let mut closest = closest;
        closest[5] = 0.0;
        let cum5 = cum(4);
        assert_eq!(draw(&xs, 1, &closest, 0, &sums, br, cum5 + 1.0), 6);
    }

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
