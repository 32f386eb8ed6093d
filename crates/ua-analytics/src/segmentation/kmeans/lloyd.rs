//! Lloyd iterations and the centre update shared with Elkan's: new centres
//! from the merged per-block sums, empty clusters re-seeded at the points
//! farthest from their centre (as scikit-learn does).

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use ua_tensor::Scalar;
use ua_tensor::progress::{Event, report};

use super::assign::{assign_all_inertia, assign_block};
use super::fit::Run;
use crate::Result;
use crate::segmentation::kernel::{Acc, block_rows, inertia, internal, map_blocks, sq_dist_f64};

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
    let mut converged = false;
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        report(&Event::new("k-means", n_iter, Some(max_iter)));
        let cv = centers.view();
        let run = |(b, lab): (usize, &mut [usize])| -> Result<(Acc, usize)> {
            let mut acc = Acc::new(k, d);
            let changed = assign_block(x, cv, b * br, lab, Some(&mut acc), None)?;
            Ok((acc, changed))
        };
        let parts: Vec<(Acc, usize)> = if parallel {
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
        let changed: usize = parts.iter().map(|p| p.1).sum();
        let acc = Acc::merge(parts.into_iter().map(|p| p.0).collect(), k, d);
        let (new, shift) = update_centers(x, centers.view(), &labels, acc, parallel)?;
        centers = new;
        // No label changed since the previous iteration (the first has no
        // previous labels to compare with).
        if it > 0 && changed == 0 {
            strict = true;
            converged = true;
            break;
        }
        if shift <= tol {
            converged = true;
            break;
        }
    }
    // Not converged strictly: the labels of the final centres, and the
    // inertia with them in the same pass.
    let inertia = if strict {
        inertia(x, centers.view(), &labels, parallel)?
    } else {
        let (final_labels, cost) = assign_all_inertia(x, centers.view(), parallel)?;
        labels = final_labels;
        cost
    };
    Ok(Run {
        centers,
        labels,
        inertia,
        n_iter,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segmentation::gaussian_blobs;
    use crate::segmentation::kernel::{assign_rows, row_sq_norms};
    use crate::segmentation::{Algorithm, KMeans};

    /// Lloyd as it was before the direct kernel: the product form
    /// `‖c‖² − 2·x·cᵀ` of `kernel::assign_rows` for every assignment.
    fn reference(x: ArrayView2<'_, f64>, mut centers: Array2<f64>, tol: f64) -> (Vec<usize>, f64) {
        let (n, d) = x.dim();
        let k = centers.nrows();
        let mut labels = vec![0usize; n];
        let mut old = vec![usize::MAX; n];
        for _ in 0..300 {
            let cnorm = row_sq_norms(centers.view());
            let mut acc = Acc::new(k, d);
            assign_rows(
                x,
                None,
                centers.view(),
                &cnorm,
                0,
                &mut labels,
                None,
                Some(&mut acc),
            )
            .unwrap();
            let (new, shift) = update_centers(x, centers.view(), &labels, acc, false).unwrap();
            centers = new;
            if labels == old {
                break;
            }
            if shift <= tol {
                let cnorm = row_sq_norms(centers.view());
                assign_rows(x, None, centers.view(), &cnorm, 0, &mut labels, None, None).unwrap();
                break;
            }
            old.copy_from_slice(&labels);
        }
        let inertia = inertia(x, centers.view(), &labels, false).unwrap();
        (labels, inertia)
    }

    #[test]
    fn direct_kernel_keeps_the_inertia_of_the_product_form_within_1e_12() {
        // The benchmark's two data kinds: separated (std 1) and overlapping (std 6).
        for std in [1.0, 6.0] {
            let (x, _) = gaussian_blobs::<f64>(20_000, 8, 8, std, 10.0, 42).unwrap();
            let tol = 1e-4 * crate::segmentation::kmeans::mean_variance(x.view());
            for seed in 0..3u64 {
                let init = Array2::from_shape_fn((8, 8), |(j, t)| x[[j * 997 + seed as usize, t]]);
                let run = lloyd(x.view(), init.clone(), 300, tol, false).unwrap();
                let (labels, want) = reference(x.view(), init, tol);
                let rel = (run.inertia - want).abs() / want;
                assert!(
                    rel <= 1e-12,
                    "std {std} seed {seed}: {} vs {want} ({rel:e})",
                    run.inertia
                );
                let moved = labels
                    .iter()
                    .zip(&run.labels)
                    .filter(|(a, b)| a != b)
                    .count();
                assert!(moved <= 2, "std {std} seed {seed}: {moved} labels differ");
            }
        }
    }

    #[test]
    fn one_and_two_threads_give_bit_identical_fits() {
        for std in [1.0, 6.0] {
            let (x, _) = gaussian_blobs::<f64>(30_000, 8, 8, std, 10.0, 7).unwrap();
            let xf = x.mapv(|v| v as f32);
            for alg in [Algorithm::Lloyd, Algorithm::Elkan] {
                let fit_in = |threads: usize, parallel: bool| {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap();
                    pool.install(|| {
                        let p = KMeans::new(8).seed(3).algorithm(alg).parallel(parallel);
                        (p.fit(x.view()).unwrap(), p.fit(xf.view()).unwrap())
                    })
                };
                let (one, one_f) = fit_in(1, true);
                let (two, two_f) = fit_in(2, true);
                let (seq, seq_f) = fit_in(2, false);
                for (name, other, other_f) in
                    [("2 threads", &two, &two_f), ("serial", &seq, &seq_f)]
                {
                    assert_eq!(one.labels(), other.labels(), "{name} std {std} {alg:?}");
                    assert_eq!(one.centers(), other.centers(), "{name} std {std} {alg:?}");
                    assert_eq!(
                        one.training_inertia().to_bits(),
                        other.training_inertia().to_bits(),
                        "{name} std {std} {alg:?}"
                    );
                    assert_eq!(one.n_iter(), other.n_iter());
                    assert_eq!(one_f.labels(), other_f.labels(), "f32 {name}");
                    assert_eq!(one_f.centers(), other_f.centers(), "f32 {name}");
                }
            }
        }
    }
}
