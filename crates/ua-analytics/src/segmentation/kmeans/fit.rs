//! [`KMeans::fit`] and [`KMeans::fit_from`], and the input preparation they
//! share with mini-batch k-means: layout, emptiness, finiteness, the number
//! of distinct rows and the variance the tolerance is relative to.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use ndarray::{Array2, ArrayView1, ArrayView2, CowArray, Ix2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ua_tensor::Scalar;
use ua_tensor::budget::{check_allocation, elements};
use ua_tensor::check::{ensure_finite, ensure_squares_fit};

use super::elkan::elkan;
use super::fitted::FittedKMeans;
use super::init::initial_centers;
use super::lloyd::lloyd;
use super::params::{Algorithm, KMeans, check_k_against_rows};
use crate::error::parameter;
use crate::segmentation::kernel::internal;
use crate::{Error, Result};

/// The outcome of one k-means run.
pub(crate) struct Run<S> {
    pub centers: Array2<S>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iter: usize,
    pub converged: bool,
}

impl KMeans {
    /// Clusters the rows of `x` (`n × d`, finite, at least `k` distinct rows).
    ///
    /// The parameters are checked first; each bad value is an
    /// [`Error::InvalidParameter`] naming it: `k` of 0 or above the number
    /// of (distinct) rows, `n_init` outside `1..=`[`MAX_N_INIT`](super::MAX_N_INIT),
    /// `max_iter` of 0, a negative or non-finite `tol`. An empty `x` is
    /// [`Error::Empty`]; a NaN or infinite value is an error naming its
    /// position, and so is a value too large to square (its column by name
    /// when [`feature_names`](KMeans::feature_names) are given). The fitted model keeps a copy of these parameters
    /// ([`FittedKMeans::params`]).
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::{Algorithm, KMeans};
    /// let x = array![[1.0f32, 1.0], [1.5, 2.0], [8.0, 8.0], [9.0, 8.5], [1.0, 0.5]];
    /// let lloyd = KMeans::new(2).seed(3).fit(x.view()).unwrap();
    /// let elkan = KMeans::new(2).seed(3).algorithm(Algorithm::Elkan).fit(x.view()).unwrap();
    /// assert_eq!(lloyd.labels(), elkan.labels());
    /// assert!(KMeans::new(6).fit(x.view()).is_err()); // only 5 points
    /// assert!(KMeans::new(usize::MAX).fit(x.view()).is_err());
    /// ```
    pub fn fit<S: Scalar>(&self, x: ArrayView2<'_, S>) -> Result<FittedKMeans<S>> {
        const OP: &str = "KMeans::fit";
        self.check_params(OP)?;
        let x = prepare_named(OP, x, self.feature_names.as_deref())?;
        let x = x.view();
        self.check_shape(OP, x.nrows())?;
        check_memory(OP, x.nrows(), x.ncols(), self.k, self.algorithm)?;
        ensure_distinct(OP, x, self.k)?;
        let tol = self.tol * mean_variance(x);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut best: Option<Run<S>> = None;
        for _ in 0..self.n_init {
            let run_seed: u64 = rng.random();
            let mut run_rng = StdRng::seed_from_u64(run_seed);
            let init = initial_centers(x, self.k, self.init, &mut run_rng, self.parallel)?;
            let run = self.iterate(x, init, tol)?;
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let run = best.ok_or_else(|| internal("no k-means run"))?;
        Ok(FittedKMeans::from_run(self.clone(), run))
    }

    /// Runs the iterations from given initial centres (`k × d`), e.g. to
    /// compare algorithms from the same start. `k` is the number of rows of
    /// `centers`; `self.k`, `init`, `n_init` and `seed` are not used. The
    /// fitted model's [`params`](FittedKMeans::params) are `self` with `k`
    /// set to the number of centres.
    ///
    /// ```
    /// use ua_analytics::ndarray::array;
    /// use ua_analytics::segmentation::KMeans;
    /// let x = array![[0.0, 0.0], [1.0, 0.0], [9.0, 0.0], [10.0, 0.0]];
    /// let c0 = array![[0.0, 0.0], [1.0, 0.0]];
    /// let fit = KMeans::new(5).fit_from(x.view(), c0.view()).unwrap();
    /// assert_eq!(fit.centers(), array![[0.5, 0.0], [9.5, 0.0]]);
    /// assert_eq!(fit.params().k, 2);
    /// ```
    pub fn fit_from<S: Scalar>(
        &self,
        x: ArrayView2<'_, S>,
        centers: ArrayView2<'_, S>,
    ) -> Result<FittedKMeans<S>> {
        const OP: &str = "KMeans::fit_from";
        let k = centers.nrows();
        if k == 0 {
            return Err(parameter(
                OP,
                "centers",
                "need at least one initial centre, found 0 rows",
            ));
        }
        let params = KMeans { k, ..self.clone() };
        params.check_params(OP)?;
        let names = params.feature_names.as_deref();
        let x = prepare_named(OP, x, names)?;
        let x = x.view();
        if centers.ncols() != x.ncols() {
            return Err(Error::ShapeMismatch {
                op: OP,
                expected: format!("initial centres with {} columns", x.ncols()),
                found: format!("{} columns", centers.ncols()),
            });
        }
        ensure_finite(OP, &centers)?;
        ensure_squares_fit(OP, centers, x.nrows(), str_names(names).as_deref())?;
        params.check_shape(OP, x.nrows())?;
        check_memory(OP, x.nrows(), x.ncols(), k, params.algorithm)?;
        ensure_distinct(OP, x, k)?;
        let tol = params.tol * mean_variance(x);
        let init = centers.as_standard_layout().into_owned();
        let run = params.iterate(x, init, tol)?;
        Ok(FittedKMeans::from_run(params, run))
    }

    /// Lloyd or Elkan iterations from `init`.
    fn iterate<S: Scalar>(
        &self,
        x: ArrayView2<'_, S>,
        init: Array2<S>,
        tol: f64,
    ) -> Result<Run<S>> {
        match self.algorithm {
            Algorithm::Lloyd => lloyd(x, init, self.max_iter, tol, self.parallel),
            Algorithm::Elkan => elkan(x, init, self.max_iter, tol, self.parallel),
        }
    }
}

/// Checks the buffers of one run against the memory budget
/// ([`ua_tensor::budget`], `UA_MEMORY_BUDGET`, default 8 GiB) before any is
/// allocated: an `f64` copy of `x` (n × d), two sets of centres (k × d),
/// labels and distances (n each) and, for Elkan, the lower bounds (n × k)
/// and centre distances (k × k) — which grow with `n·k`.
pub(crate) fn check_memory(
    op: &'static str,
    n: usize,
    d: usize,
    k: usize,
    algorithm: Algorithm,
) -> Result<()> {
    let mut count = elements(op, &[n, d])?
        .saturating_add(elements(op, &[k, d, 2])?)
        .saturating_add(elements(op, &[n, 3])?);
    if algorithm == Algorithm::Elkan {
        count = count
            .saturating_add(elements(op, &[n, k])?)
            .saturating_add(elements(op, &[k, k])?);
    }
    let what = format!("k-means ({algorithm:?}) on {n} rows × {d} columns with k = {k}");
    check_allocation(op, &what, count, std::mem::size_of::<f64>())?;
    Ok(())
}

/// `x` itself when in standard (row-major) layout, else a row-major copy.
pub(crate) fn standard<S: Scalar>(x: ArrayView2<'_, S>) -> CowArray<'_, S, Ix2> {
    if x.is_standard_layout() {
        CowArray::from(x)
    } else {
        CowArray::from(x.as_standard_layout().into_owned())
    }
}

/// Checks emptiness, finiteness and that squared distances and their sum
/// over all rows (the inertia) cannot overflow (a finite `1e308` is refused
/// with its column and row, never reported as `inertia: inf`); returns a
/// standard-layout view/copy.
pub(crate) fn prepare<'a, S: Scalar>(
    op: &'static str,
    x: ArrayView2<'a, S>,
) -> Result<CowArray<'a, S, Ix2>> {
    prepare_named(op, x, None)
}

/// [`prepare`] with the column names of `x` (if known) for the overflow
/// error; a list of another length than the columns is an
/// [`Error::InvalidParameter`] naming `feature_names`.
pub(crate) fn prepare_named<'a, S: Scalar>(
    op: &'static str,
    x: ArrayView2<'a, S>,
    names: Option<&[String]>,
) -> Result<CowArray<'a, S, Ix2>> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::Empty { op });
    }
    check_names(op, names, x.ncols())?;
    crate::segmentation::quality::ensure_finite_named(op, x, names)?;
    ensure_squares_fit(op, x, x.nrows(), str_names(names).as_deref())?;
    Ok(standard(x))
}

/// Errors when `names` is given with another length than `ncols`.
pub(crate) fn check_names(op: &'static str, names: Option<&[String]>, ncols: usize) -> Result<()> {
    match names {
        Some(n) if n.len() != ncols => Err(parameter(
            op,
            "feature_names",
            format!(
                "{} names for {ncols} columns: give one name per column of the input",
                n.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// `names` as the `&str` slice `ua_tensor::check` takes.
pub(crate) fn str_names(names: Option<&[String]>) -> Option<Vec<&str>> {
    names.map(|n| n.iter().map(String::as_str).collect())
}

/// Hash of a row's values, with `-0.0` and `0.0` hashed alike (they compare
/// equal).
fn row_hash<S: Scalar>(row: ArrayView1<'_, S>) -> u64 {
    let mut h = DefaultHasher::new();
    for &v in row {
        let bits = if v == S::zero() {
            0
        } else {
            v.as_f64().to_bits()
        };
        bits.hash(&mut h);
    }
    h.finish()
}

/// Errors (naming the parameter `k`) when `x` has fewer than `k` rows or
/// fewer than `k` distinct rows. Stops as soon as `k` distinct rows are
/// found; rows are compared through a hash of their values, so the cost is
/// linear in the rows visited whatever `k` is.
pub(crate) fn ensure_distinct<S: Scalar>(
    op: &'static str,
    x: ArrayView2<'_, S>,
    k: usize,
) -> Result<()> {
    check_k_against_rows(op, k, x.nrows())?;
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut distinct = 0usize;
    for (i, row) in x.rows().into_iter().enumerate() {
        if distinct >= k {
            break;
        }
        let bucket = seen.entry(row_hash(row)).or_default();
        if !bucket.iter().any(|&j| x.row(j) == row) {
            bucket.push(i);
            distinct += 1;
        }
    }
    if distinct < k {
        return Err(parameter(
            op,
            "k",
            format!("must be at most the number of distinct rows ({distinct}), found {k}"),
        ));
    }
    Ok(())
}

/// Mean over features of the (population) variance.
pub(crate) fn mean_variance<S: Scalar>(x: ArrayView2<'_, S>) -> f64 {
    let n = x.nrows() as f64;
    let d = x.ncols();
    let x = standard(x);
    let Some(xs) = x.as_slice() else {
        return 0.0;
    };
    if d == 8 {
        return mean_variance_fixed::<S, 8>(xs, n);
    }
    mean_variance_any(xs, d, n)
}

/// [`mean_variance`] of the row-major `xs` with `d` columns and `n` rows.
fn mean_variance_any<S: Scalar>(xs: &[S], d: usize, n: f64) -> f64 {
    let mut mean = vec![0.0f64; d];
    for row in xs.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v.as_f64();
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; d];
    for row in xs.chunks_exact(d) {
        for ((a, m), v) in var.iter_mut().zip(&mean).zip(row) {
            let t = v.as_f64() - m;
            *a += t * t;
        }
    }
    var.iter().sum::<f64>() / (n * d as f64)
}

/// [`mean_variance`] for `D` columns known at compile time: the same
/// operations in the same order (so the same value), on whole rows.
fn mean_variance_fixed<S: Scalar, const D: usize>(xs: &[S], n: f64) -> f64 {
    let (rows, _) = xs.as_chunks::<D>();
    let mut mean = [0.0f64; D];
    for row in rows {
        for t in 0..D {
            mean[t] += row[t].as_f64();
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = [0.0f64; D];
    for row in rows {
        for t in 0..D {
            let e = row[t].as_f64() - mean[t];
            var[t] += e * e;
        }
    }
    var.iter().sum::<f64>() / (n * D as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn mean_variance_by_hand() {
        // columns: {0, 2} var 1, {1, 1} var 0 → mean 0.5
        let x = array![[0.0, 1.0], [2.0, 1.0]];
        assert_eq!(mean_variance(x.view()), 0.5);
        // Column-major input gives the same.
        let f = x.t().as_standard_layout().into_owned();
        assert_eq!(mean_variance(f.t()), 0.5);
        // Three rows, one column {0, 3, 6}: mean 3, variance (9 + 0 + 9) / 3 = 6.
        assert_eq!(mean_variance(array![[0.0], [3.0], [6.0]].view()), 6.0);
        // Eight columns (the whole-row path) give the bits of the generic loop.
        let x8 = ndarray::Array2::from_shape_fn((101, 8), |(i, t)| {
            ((i * 13 + t * 5) % 17) as f64 * 0.7 - 2.0 + t as f64
        });
        let generic = mean_variance_any(x8.as_slice().unwrap(), 8, 101.0);
        assert_eq!(mean_variance(x8.view()).to_bits(), generic.to_bits());
        let xf = x8.mapv(|v| v as f32);
        let generic = mean_variance_any(xf.as_slice().unwrap(), 8, 101.0);
        assert_eq!(mean_variance(xf.view()).to_bits(), generic.to_bits());
        let mut by_hand = 0.0;
        for t in 0..8 {
            let m = x8.column(t).sum() / 101.0;
            by_hand += x8.column(t).iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 101.0;
        }
        assert!((mean_variance(x8.view()) - by_hand / 8.0).abs() < 1e-12);
    }

    #[test]
    fn distinct_rows_are_counted_exactly() {
        let x = array![[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [1.0, 2.0]];
        assert!(ensure_distinct("t", x.view(), 2).is_ok());
        let e = ensure_distinct("t", x.view(), 3).unwrap_err();
        assert!(e.to_string().contains("distinct rows (2), found 3"), "{e}");
        assert!(matches!(e, Error::InvalidParameter { name: "k", .. }));
        let e = ensure_distinct("t", x.view(), 5).unwrap_err();
        assert!(e.to_string().contains("number of rows (4), found 5"), "{e}");
        // -0.0 and 0.0 are the same point; 0.0 and 1e-300 are not.
        let z = array![[0.0], [-0.0], [1e-300]];
        assert!(ensure_distinct("t", z.view(), 2).is_ok());
        assert!(ensure_distinct("t", z.view(), 3).is_err());
        // Many distinct rows with a large k: linear, exact.
        let many = ndarray::Array2::from_shape_fn((20_000, 2), |(i, j)| (i * (j + 1)) as f64);
        assert!(ensure_distinct("t", many.view(), 20_000).is_ok());
        let mut dup = many.clone();
        dup.row_mut(19_999).assign(&many.row(3));
        assert!(ensure_distinct("t", dup.view(), 20_000).is_err());
        assert!(ensure_distinct("t", dup.view(), 19_999).is_ok());
    }

    #[test]
    fn overflow_errors_name_the_column_when_names_are_given() {
        use crate::segmentation::{SilhouetteMode, evaluate_k_range};
        use ua_tensor::persist::Persist;
        let x = array![[1.0, 2.0], [2.0, 1e300], [3.0, 0.0], [4.0, 1.0]];
        let named = KMeans::new(2).feature_names(&["visits", "amount"]);
        let has = |e: Error, want: &str| {
            let msg = e.to_string();
            assert!(msg.contains(want), "`{want}` not in: {msg}");
        };
        has(
            named.fit(x.view()).unwrap_err(),
            "column \"amount\" holds 1e300 at row 1",
        );
        has(
            KMeans::new(2).fit(x.view()).unwrap_err(),
            "column 1 (0-based) holds 1e300",
        );
        has(
            evaluate_k_range(x.view(), 2..=3, &named, SilhouetteMode::Skip).unwrap_err(),
            "evaluate_k_range: invalid argument: column \"amount\"",
        );
        let c0 = array![[1e300, 0.0], [0.0, 0.0]];
        let ok = array![[1.0, 2.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0]];
        has(
            named.fit_from(ok.view(), c0.view()).unwrap_err(),
            "column \"visits\" holds 1e300",
        );
        // NaN/±inf name the column too, at fit and at predict.
        let mut nan = ok.clone();
        nan[[2, 1]] = f64::NAN;
        has(
            named.fit(nan.view()).unwrap_err(),
            "row 2 (0-based), column \"amount\"",
        );
        has(
            KMeans::new(2).fit(nan.view()).unwrap_err(),
            "row 2, column 1",
        );
        // The fitted model keeps the names for predict and through a save.
        let fit = named.fit(ok.view()).unwrap();
        let back = FittedKMeans::<f64>::from_json(&fit.to_json().unwrap()).unwrap();
        assert_eq!(back.params().feature_names, named.feature_names);
        has(
            back.predict(x.view()).unwrap_err(),
            "column \"amount\" holds 1e300",
        );
        has(back.predict(nan.view()).unwrap_err(), "column \"amount\"");
        // Without names nothing is saved, so older files still load.
        let plain = KMeans::new(2).fit(ok.view()).unwrap().to_json().unwrap();
        assert!(!plain.contains("feature_names"), "{plain}");
        // A wrong number of names is a parameter error, at fit and at load.
        let e = KMeans::new(2)
            .feature_names(&["a", "b", "c"])
            .fit(ok.view())
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::InvalidParameter {
                    name: "feature_names",
                    ..
                }
            ),
            "{e}"
        );
        has(e, "3 names for 2 columns");
        let json = fit
            .to_json()
            .unwrap()
            .replace("\"amount\"", "\"amount\",\"x\"");
        let e = FittedKMeans::<f64>::from_json(&json)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("name 3 feature(s) but the centres have 2 columns"),
            "{e}"
        );
    }

    #[test]
    fn column_major_input_gives_the_same_fit() {
        let x = array![[0.0, 5.0], [1.0, 4.0], [9.0, 0.0], [8.0, 1.0], [4.0, 4.0]];
        let f = x.t().as_standard_layout().into_owned();
        let a = KMeans::new(2).seed(3).fit(x.view()).unwrap();
        let b = KMeans::new(2).seed(3).fit(f.t()).unwrap();
        assert_eq!(a, b);
    }
}
