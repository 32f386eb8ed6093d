//! Lloyd iterations and the centre update shared with Elkan's: new centres
//! from the merged per-block sums, empty clusters re-seeded at the points
//! farthest from their centre (as scikit-learn does).

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use ua_tensor::Scalar;
use ua_tensor::progress::{Event, report};

use super::fit::Run;
use crate::Result;
use crate::segmentation::kernel::{
    Acc, assign_all, assign_rows, block_rows, inertia, internal, map_blocks, row_sq_norms,
    sq_dist_f64,
};

/// New centres from the merged sums; empty clusters are re-seeded at the
/// points farthest from their (old) centre, as scikit-learn does.
/// Returns the new centres and the total squared shift.
pub(crate) fn update_centers<S: Scalar>(
    x: ArrayView2<'_, S>,
    old: ArrayView2<'_, S>,
    labels: &[usize],
    mut acc: Acc,
    parallel: bool,
) -> Result<(Array2<S>, f64)> {
    let (k, d) = old.dim();
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("update_centers: x not contiguous"))?;
    let empty: Vec<usize> = (0..k).filter(|&j| acc.counts[j] == 0).collect();
    if !empty.is_empty() {
        let os = old
            .as_slice()
            .ok_or_else(|| internal("update_centers: centres not contiguous"))?;
        let dist: Vec<f64> = map_blocks(x.nrows(), parallel, |_, a, b| {
            (a..b)
                .map(|i| {
                    let l = labels[i];
                    sq_dist_f64(&xs[i * d..(i + 1) * d], &os[l * d..(l + 1) * d])
                })
                .collect::<Vec<f64>>()
        })
        .into_iter()
        .flatten()
        .collect();
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        let m = empty.len().min(order.len());
        let by_far = |a: &usize, b: &usize| dist[*b].total_cmp(&dist[*a]).then(a.cmp(b));
        if m < order.len() {
            order.select_nth_unstable_by(m, by_far);
        }
        order.truncate(m);
        order.sort_unstable_by(by_far);
        for (&j, &far) in empty.iter().zip(&order) {
            let old_j = labels[far];
            let xi = &xs[far * d..(far + 1) * d];
            for (t, v) in acc.sums[old_j * d..(old_j + 1) * d].iter_mut().zip(xi) {
                *t -= v.as_f64();
            }
            acc.counts[old_j] -= 1;
            for (t, v) in acc.sums[j * d..(j + 1) * d].iter_mut().zip(xi) {
                *t = v.as_f64();
            }
            acc.counts[j] = 1;
        }
    }
    let mut new = Array2::<S>::zeros((k, d));
    let mut shift = 0.0f64;
    for j in 0..k {
        let cnt = acc.counts[j];
        for t in 0..d {
            let v = if cnt > 0 {
                S::lit(acc.sums[j * d + t] / cnt as f64)
            } else {
                old[[j, t]]
            };
            new[[j, t]] = v;
            let diff = v.as_f64() - old[[j, t]].as_f64();
            shift += diff * diff;
        }
    }
    Ok((new, shift))
}

/// Lloyd iterations from `centers`.
pub(crate) fn lloyd<S: Scalar>(
    x: ArrayView2<'_, S>,
    mut centers: Array2<S>,
    max_iter: usize,
    tol: f64,
    parallel: bool,
) -> Result<Run<S>> {
    let (n, d) = x.dim();
    let k = centers.nrows();
    let br = block_rows(n);
    let mut labels = vec![0usize; n];
    let mut labels_old = vec![usize::MAX; n];
    let mut converged = false;
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        report(&Event::new("k-means", n_iter, Some(max_iter)));
        let cnorm = row_sq_norms(centers.view());
        let cv = centers.view();
        let run = |(b, lab): (usize, &mut [usize])| -> Result<Acc> {
            let mut acc = Acc::new(k, d);
            assign_rows(x, None, cv, &cnorm, b * br, lab, None, Some(&mut acc))?;
            Ok(acc)
        };
        let parts: Vec<Acc> = if parallel {
            labels
                .par_chunks_mut(br)
                .enumerate()
                .map(run)
                .collect::<Result<_>>()?
        } else {
            labels
                .chunks_mut(br)
                .enumerate()
                .map(run)
                .collect::<Result<_>>()?
        };
        let acc = Acc::merge(parts, k, d);
        let (new, shift) = update_centers(x, centers.view(), &labels, acc, parallel)?;
        centers = new;
        if labels == labels_old {
            strict = true;
            converged = true;
            break;
        }
        if shift <= tol {
            converged = true;
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        labels = assign_all(x, centers.view(), parallel)?;
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
