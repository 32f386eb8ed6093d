//! Elkan iterations: an upper bound per point and a lower bound per point
//! and centre, with the triangle inequality over the centre–centre
//! distances to skip most distance computations. Same stopping rule and
//! centre update as Lloyd, so from the same start it reaches the same labels.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use ua_tensor::Scalar;
use ua_tensor::progress::{Event, report};

use super::fit::Run;
use super::lloyd::update_centers;
use crate::Result;
use crate::segmentation::kernel::{Acc, block_rows, dist_s, inertia, internal};

/// Half the distances between centres (`k × k`, row-major) and, per centre,
/// half the distance to its nearest other centre.
fn center_half_distances<S: Scalar>(c: ArrayView2<'_, S>) -> Result<(Vec<S>, Vec<S>)> {
    let k = c.nrows();
    let d = c.ncols();
    let cs = c
        .as_slice()
        .ok_or_else(|| internal("elkan: centres not contiguous"))?;
    let half = S::lit(0.5);
    let mut h = vec![S::zero(); k * k];
    for i in 0..k {
        for j in (i + 1)..k {
            let v = dist_s(&cs[i * d..(i + 1) * d], &cs[j * d..(j + 1) * d]) * half;
            h[i * k + j] = v;
            h[j * k + i] = v;
        }
    }
    let next: Vec<S> = (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i)
                .map(|j| h[i * k + j])
                .fold(S::infinity(), |a, b| a.min(b))
        })
        .collect();
    Ok((h, next))
}

/// One Elkan assignment of the point `xi` (bounds `lo`, upper bound `u`,
/// current `label`): returns the new label and upper bound.
#[inline]
fn elkan_point<S: Scalar>(
    xi: &[S],
    cs: &[S],
    half: &[S],
    next: &[S],
    lo: &mut [S],
    mut label: usize,
    mut u: S,
) -> (usize, S) {
    let d = xi.len();
    let k = lo.len();
    if u <= next[label] {
        return (label, u);
    }
    let mut tight = false;
    for j in 0..k {
        if j != label && u > lo[j] && u > half[label * k + j] {
            if !tight {
                u = dist_s(xi, &cs[label * d..(label + 1) * d]);
                lo[label] = u;
                tight = true;
            }
            if u > lo[j] || u > half[label * k + j] {
                let dj = dist_s(xi, &cs[j * d..(j + 1) * d]);
                lo[j] = dj;
                if dj < u {
                    label = j;
                    u = dj;
                }
            }
        }
    }
    (label, u)
}

/// One block of Elkan's state: block index, labels, upper bounds, lower bounds.
type ElkanBlock<'a, S> = (usize, ((&'a mut [usize], &'a mut [S]), &'a mut [S]));

/// Elkan iterations from `centers` (same stopping rule as
/// [`lloyd`](super::lloyd::lloyd)).
pub(crate) fn elkan<S: Scalar>(
    x: ArrayView2<'_, S>,
    mut centers: Array2<S>,
    max_iter: usize,
    tol: f64,
    parallel: bool,
) -> Result<Run<S>> {
    let (n, d) = x.dim();
    let k = centers.nrows();
    let br = block_rows(n);
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("elkan: x not contiguous"))?;
    let mut labels = vec![0usize; n];
    let mut upper = vec![S::zero(); n];
    let mut lower = vec![S::zero(); n * k];

    // Initial bounds.
    {
        let (half, _) = center_half_distances(centers.view())?;
        let cs = centers
            .as_slice()
            .ok_or_else(|| internal("elkan: centres not contiguous"))?;
        let init = |(b, ((lab, up), lo)): ElkanBlock<'_, S>| {
            for r in 0..lab.len() {
                let i = b * br + r;
                let xi = &xs[i * d..(i + 1) * d];
                let lo = &mut lo[r * k..(r + 1) * k];
                let mut best = 0;
                let mut min_d = dist_s(xi, &cs[..d]);
                lo[0] = min_d;
                for j in 1..k {
                    if min_d > half[best * k + j] {
                        let dj = dist_s(xi, &cs[j * d..(j + 1) * d]);
                        lo[j] = dj;
                        if dj < min_d {
                            min_d = dj;
                            best = j;
                        }
                    }
                }
                lab[r] = best;
                up[r] = min_d;
            }
        };
        if parallel {
            labels
                .par_chunks_mut(br)
                .zip(upper.par_chunks_mut(br))
                .zip(lower.par_chunks_mut(br * k))
                .enumerate()
                .for_each(init);
        } else {
            labels
                .chunks_mut(br)
                .zip(upper.chunks_mut(br))
                .zip(lower.chunks_mut(br * k))
                .enumerate()
                .for_each(init);
        }
    }

    let mut labels_old = vec![usize::MAX; n];
    let mut converged = false;
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        report(&Event::new("k-means", n_iter, Some(max_iter)));
        let (half, next) = center_half_distances(centers.view())?;
        let cs = centers
            .as_slice()
            .ok_or_else(|| internal("elkan: centres not contiguous"))?;
        let step = |(b, ((lab, up), lo)): ElkanBlock<'_, S>| {
            let mut acc = Acc::new(k, d);
            for r in 0..lab.len() {
                let i = b * br + r;
                let xi = &xs[i * d..(i + 1) * d];
                let lo = &mut lo[r * k..(r + 1) * k];
                let (label, u) = elkan_point(xi, cs, &half, &next, lo, lab[r], up[r]);
                lab[r] = label;
                up[r] = u;
                acc.add(label, xi);
            }
            acc
        };
        let parts: Vec<Acc> = if parallel {
            labels
                .par_chunks_mut(br)
                .zip(upper.par_chunks_mut(br))
                .zip(lower.par_chunks_mut(br * k))
                .enumerate()
                .map(step)
                .collect()
        } else {
            labels
                .chunks_mut(br)
                .zip(upper.chunks_mut(br))
                .zip(lower.chunks_mut(br * k))
                .enumerate()
                .map(step)
                .collect()
        };
        let acc = Acc::merge(parts, k, d);
        let (new, shift_tot) = update_centers(x, centers.view(), &labels, acc, parallel)?;
        // Per-centre shifts, then bound updates.
        let shifts: Vec<S> = (0..k)
            .map(|j| {
                let a = new.row(j);
                let b = centers.row(j);
                match (a.as_slice(), b.as_slice()) {
                    (Some(a), Some(b)) => dist_s(a, b),
                    _ => S::infinity(),
                }
            })
            .collect();
        let bump = |((lab, up), lo): ((&mut [usize], &mut [S]), &mut [S])| {
            for r in 0..lab.len() {
                up[r] = up[r] + shifts[lab[r]];
                for (l, &s) in lo[r * k..(r + 1) * k].iter_mut().zip(&shifts) {
                    *l = (*l - s).max(S::zero());
                }
            }
        };
        if parallel {
            labels
                .par_chunks_mut(br)
                .zip(upper.par_chunks_mut(br))
                .zip(lower.par_chunks_mut(br * k))
                .for_each(bump);
        } else {
            labels
                .chunks_mut(br)
                .zip(upper.chunks_mut(br))
                .zip(lower.chunks_mut(br * k))
                .for_each(bump);
        }
        centers = new;
        if labels == labels_old {
            strict = true;
            converged = true;
            break;
        }
        if shift_tot <= tol {
            converged = true;
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        // One more bounded assignment with the final centres.
        let (half, next) = center_half_distances(centers.view())?;
        let cs = centers
            .as_slice()
            .ok_or_else(|| internal("elkan: centres not contiguous"))?;
        for i in 0..n {
            let xi = &xs[i * d..(i + 1) * d];
            let lo = &mut lower[i * k..(i + 1) * k];
            labels[i] = elkan_point(xi, cs, &half, &next, lo, labels[i], upper[i]).0;
        }
    }
    let inertia = inertia(x, centers.view(), &labels, parallel)?;
    Ok(Run {
        centers,
        labels,
        inertia,
        n_iter,
        converged,
    })
}
