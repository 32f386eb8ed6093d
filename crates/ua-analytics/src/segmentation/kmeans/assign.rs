//! Assignment of rows to their nearest centre for k-means: the direct
//! distance kernel of [`ua_tensor::distance`] over chunks of [`CHUNK`] rows
//! (no product, no packing for `k`, `d` ≤ 64), fused with the accumulation
//! of the new centre sums in `f64` while the chunk is in cache.

use ndarray::{ArrayView2, s};
use rayon::prelude::*;
use ua_tensor::Scalar;
use ua_tensor::distance::nearest_rows_into;

use crate::Result;
use crate::segmentation::kernel::{Acc, CHUNK, block_rows, internal, sq_dist_f64};

/// Assigns rows `start..start + labels.len()` of `x` (standard layout) to
/// their nearest centre, writing the labels and, when `acc` is given, adding
/// each row to its centre's sums. Ties go to the lowest centre index.
/// Returns how many labels differ from the ones `labels` held before (the
/// chunk's old labels are kept in a small buffer while in cache, so the
/// caller needs no copy of the whole label vector to detect convergence).
///
/// With `cost` given, adds `‖x_i − c_{label_i}‖²` (in `f64`, rows in order)
/// to it while the chunk is in cache: the same sum, bit for bit, as
/// [`inertia`](crate::segmentation::kernel::inertia) takes over the block.
pub(crate) fn assign_block<S: Scalar>(
    x: ArrayView2<'_, S>,
    centers: ArrayView2<'_, S>,
    start: usize,
    labels: &mut [usize],
    mut acc: Option<&mut Acc>,
    mut cost: Option<&mut f64>,
) -> Result<usize> {
    let d = x.ncols();
    let xs = x
        .as_slice()
        .ok_or_else(|| internal("assign_block: x must be in standard layout"))?;
    let mut dist = vec![S::zero(); CHUNK.min(labels.len())];
    let mut old = [0usize; CHUNK];
    let mut changed = 0usize;
    for (c, lab) in labels.chunks_mut(CHUNK).enumerate() {
        let r0 = start + c * CHUNK;
        let m = lab.len();
        old[..m].copy_from_slice(lab);
        nearest_rows_into(x.slice(s![r0..r0 + m, ..]), centers, lab, &mut dist[..m])?;
        changed += lab.iter().zip(&old[..m]).filter(|(a, b)| a != b).count();
        if let Some(a) = acc.as_deref_mut() {
            add_rows(a, &xs[r0 * d..(r0 + m) * d], d, lab);
        }
        if let Some(total) = cost.as_deref_mut() {
            let cs = centers
                .as_slice()
                .ok_or_else(|| internal("assign_block: centres must be in standard layout"))?;
            let mut sum = *total;
            for (row, &l) in xs[r0 * d..(r0 + m) * d].chunks_exact(d).zip(lab.iter()) {
                sum += sq_dist_f64(row, &cs[l * d..(l + 1) * d]);
            }
            *total = sum;
        }
    }
    Ok(changed)
}

/// Adds the rows of `rows` (row-major, `d` columns) to the sums of their
/// labels, in row order: the same `f64` additions as [`Acc::add`] row by
/// row. For 8 columns on a CPU with AVX2 a row is two registers (the
/// per-label sums are added as whole rows; the values are identical).
fn add_rows<S: Scalar>(acc: &mut Acc, rows: &[S], d: usize, labels: &[usize]) {
    #[cfg(target_arch = "x86_64")]
    if d == 8 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { add_rows8_avx2(acc, rows, labels) };
        return;
    }
    for (row, &l) in rows.chunks_exact(d).zip(labels) {
        acc.add(l, row);
    }
}

/// [`add_rows`] for 8 columns, compiled for AVX2: a row is two 256-bit
/// registers. (Compiled for AVX-512 instead, each 512-bit load of a sum just
/// stored missed the store-to-load forwarding whenever two rows of the same
/// label came close together, and this loop took 14 % of a fit.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_rows8_avx2<S: Scalar>(acc: &mut Acc, rows: &[S], labels: &[usize]) {
    let (sums, _) = acc.sums.as_chunks_mut::<8>();
    let (rows, _) = rows.as_chunks::<8>();
    for (row, &l) in rows.iter().zip(labels) {
        acc.counts[l] += 1;
        let s = &mut sums[l];
        for t in 0..8 {
            s[t] += row[t].as_f64();
        }
    }
}

/// Assigns every row of `x` (standard layout) to its nearest centre, over
/// the fixed blocks of [`block_rows`] (parallel when asked; the same labels
/// either way).
pub(crate) fn assign_all<S: Scalar>(
    x: ArrayView2<'_, S>,
    centers: ArrayView2<'_, S>,
    parallel: bool,
) -> Result<Vec<usize>> {
    let n = x.nrows();
    let mut labels = vec![0usize; n];
    let br = block_rows(n.max(1));
    let run = |(b, lab): (usize, &mut [usize])| {
        assign_block(x, centers, b * br, lab, None, None).map(|_| ())
    };
    if parallel {
        labels.par_chunks_mut(br).enumerate().try_for_each(run)?;
    } else {
        labels.chunks_mut(br).enumerate().try_for_each(run)?;
    }
    Ok(labels)
}

/// [`assign_all`] and the inertia of the assignment in the same pass over
/// `x`: per block the squared distances summed in row order, the blocks
/// summed in order — the value of
/// [`inertia`](crate::segmentation::kernel::inertia) on these labels, bit
/// for bit, without a second pass over the data.
pub(crate) fn assign_all_inertia<S: Scalar>(
    x: ArrayView2<'_, S>,
    centers: ArrayView2<'_, S>,
    parallel: bool,
) -> Result<(Vec<usize>, f64)> {
    let n = x.nrows();
    let mut labels = vec![0usize; n];
    let br = block_rows(n.max(1));
    let run = |(b, lab): (usize, &mut [usize])| -> Result<f64> {
        let mut cost = 0.0f64;
        assign_block(x, centers, b * br, lab, None, Some(&mut cost))?;
        Ok(cost)
    };
    let parts: Vec<f64> = if parallel {
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
    Ok((labels, parts.into_iter().sum()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    #[test]
    fn row_sums_of_eight_columns_equal_the_row_by_row_sums() {
        // 8 columns take the AVX2 path where available; 3 the generic one.
        for d in [8, 3] {
            let x = Array2::from_shape_fn((300, d), |(i, t)| {
                ((i * 31 + t * 7) % 23) as f64 * 0.3 - 3.1 + 1e-9 * i as f64
            });
            let labels: Vec<usize> = (0..300).map(|i| (i * 5 + i / 7) % 4).collect();
            let mut want = Acc::new(4, d);
            for (i, &l) in labels.iter().enumerate() {
                want.add(l, x.row(i).as_slice().unwrap());
            }
            let mut got = Acc::new(4, d);
            add_rows(&mut got, x.as_slice().unwrap(), d, &labels);
            assert_eq!(got.counts, want.counts, "d {d}");
            assert_eq!(got.sums, want.sums, "d {d}");
            // Column 1 of centre 2 by hand.
            let by_hand: f64 = (0..300)
                .filter(|&i| labels[i] == 2)
                .map(|i| x[[i, 1]])
                .sum();
            assert_eq!(got.sums[2 * d + 1], by_hand, "d {d}");
            let xf = x.mapv(|v| v as f32);
            let mut wf = Acc::new(4, d);
            for (i, &l) in labels.iter().enumerate() {
                wf.add(l, xf.row(i).as_slice().unwrap());
            }
            let mut gf = Acc::new(4, d);
            add_rows(&mut gf, xf.as_slice().unwrap(), d, &labels);
            assert_eq!((gf.counts, gf.sums), (wf.counts, wf.sums), "f32 d {d}");
        }
    }

    #[test]
    fn fused_assignment_matches_brute_force() {
        // 600 rows: several chunks, started mid-way; sums and counts by hand.
        let x = Array2::from_shape_fn((700, 3), |(i, j)| ((i * 7 + j * 13) % 17) as f64 - 8.0);
        let c = array![[-5.0, 0.0, 1.0], [4.0, 4.0, -3.0], [0.0, -6.0, 6.0]];
        let mut labels = vec![usize::MAX; 600];
        let mut acc = Acc::new(3, 3);
        let changed =
            assign_block(x.view(), c.view(), 100, &mut labels, Some(&mut acc), None).unwrap();
        assert_eq!(changed, 600, "every label was usize::MAX before");
        // Again with the same centres: nothing changes; then three labels
        // (in two chunks) set wrong are counted and put right.
        let before = labels.clone();
        assert_eq!(
            assign_block(x.view(), c.view(), 100, &mut labels, None, None).unwrap(),
            0
        );
        for i in [3, 300, 599] {
            labels[i] = (labels[i] + 1) % 3;
        }
        assert_eq!(
            assign_block(x.view(), c.view(), 100, &mut labels, None, None).unwrap(),
            3
        );
        assert_eq!(labels, before);
        let mut want = Acc::new(3, 3);
        for (r, &label) in labels.iter().enumerate() {
            let xi = x.row(100 + r).to_vec();
            let d: Vec<f64> = (0..3)
                .map(|j| sq_dist_f64(&xi, c.row(j).as_slice().unwrap()))
                .collect();
            // First minimum: ties keep the lowest index.
            let best = (0..3).fold(0, |b, j| if d[j] < d[b] { j } else { b });
            assert_eq!(label, best, "row {r}");
            want.add(best, &xi);
        }
        assert_eq!(acc.counts, want.counts);
        assert_eq!(acc.sums, want.sums);
        let all = assign_all(x.view(), c.view(), true).unwrap();
        assert_eq!(&all[100..700], &labels[..]);
        // Labels and inertia in one pass: the same bits as the two passes.
        for parallel in [false, true] {
            let (l2, cost) = assign_all_inertia(x.view(), c.view(), parallel).unwrap();
            assert_eq!(l2, all);
            let want = crate::segmentation::kernel::inertia(x.view(), c.view(), &all, parallel);
            assert_eq!(cost.to_bits(), want.unwrap().to_bits());
            let by_hand: f64 = (0..700)
                .map(|i| {
                    sq_dist_f64(
                        x.row(i).as_slice().unwrap(),
                        c.row(all[i]).as_slice().unwrap(),
                    )
                })
                .sum();
            assert!(
                (cost - by_hand).abs() <= 1e-12 * by_hand,
                "{cost} vs {by_hand}"
            );
        }
        assert_eq!(all, assign_all(x.view(), c.view(), false).unwrap());
        // A tie between centres 0 and 1 goes to 0, between 1 and 2 to 1.
        let t = array![[0.0, 0.0, 0.0], [2.0, 0.0, 0.0]];
        let ct = array![[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [3.0, 0.0, 0.0]];
        assert_eq!(assign_all(t.view(), ct.view(), false).unwrap(), [0, 1]);
        // Column-major x is refused (callers pass standard layout).
        let f = x.t().as_standard_layout().into_owned();
        let mut l = vec![0; 3];
        let e = assign_block(f.t(), c.view(), 0, &mut l, None, None).unwrap_err();
        assert!(e.to_string().contains("standard layout"), "{e}");
    }
}
