//! Splitting rows into training and evaluation sets: train/test splits
//! (shuffled, seeded, optionally stratified), k-fold and stratified k-fold
//! cross-validation, and a time split at a cut-off date.
//!
//! Every function returns **row indices**, never copies of the data, so the
//! same split can be applied to a [`Table`](crate), a feature matrix and a
//! label vector alike. With a fixed seed the result is the same on every run.
//!
//! ## Fit on the training split only
//!
//! A split is only honest if everything that is *learned* — imputation
//! values, category levels, scaler means, bin edges — is learned on the
//! training rows alone and then reused, unchanged, on the test rows, the
//! validation folds and every new user later. Fit the preprocessing
//! pipeline after splitting, on the training rows; never on the whole table,
//! and never a second time on the test rows.
//!
//! ```
//! use ua_data::split::train_test_split;
//! let (train, test) = train_test_split(10, 0.25, 42, None).unwrap();
//! assert_eq!((train.len(), test.len()), (7, 3)); // test size = ceil(0.25 · 10)
//! ```

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::date::format_date;
use crate::{Error, Result, Table};

/// Training and test row indices.
pub type SplitIndices = (Vec<usize>, Vec<usize>);

/// The rows of a table on one side of a split, with their labels.
pub type Labelled<L> = (Table, Vec<L>);

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

fn bad_param(op: &'static str, name: &'static str, message: String) -> Error {
    Error::InvalidParameter { op, name, message }
}

/// Size of the test set for `n` rows, rounded like scikit-learn:
/// `ceil(test_fraction · n)`. Both sides must be non-empty.
fn test_size(op: &'static str, n: usize, test_fraction: f64) -> Result<usize> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(bad_param(
            op,
            "test_fraction",
            format!("must lie strictly between 0 and 1, found {test_fraction}"),
        ));
    }
    let n_test = (test_fraction * n as f64).ceil() as usize;
    if n_test == 0 || n_test >= n {
        return Err(bad_param(
            op,
            "test_fraction",
            format!(
                "{n} rows with test_fraction {test_fraction} give {n_test} test and {} training rows; \
                 both sets must be non-empty",
                n.saturating_sub(n_test)
            ),
        ));
    }
    Ok(n_test)
}

/// Groups row indices by label, in ascending label order (deterministic).
fn group_by_label<L: Ord>(labels: &[L]) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<&L, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        groups.entry(l).or_default().push(i);
    }
    groups.into_values().collect()
}

/// How many of each class's rows go to the test set: `counts[c] · n_test / n`
/// rounded down, with the remaining rows handed to the classes with the
/// largest fractional parts (ties go to the class with fewer rows, so rare
/// classes are represented, then to the smaller class index). Each class's
/// test count is therefore within one row of its exact share.
fn allocate(counts: &[usize], n_test: usize) -> Vec<usize> {
    let n: usize = counts.iter().sum();
    let mut alloc = Vec::with_capacity(counts.len());
    let mut rest = Vec::with_capacity(counts.len());
    for (c, &k) in counts.iter().enumerate() {
        let exact = k as f64 * n_test as f64 / n as f64;
        let fl = exact.floor() as usize;
        alloc.push(fl);
        rest.push((exact - fl as f64, k, c));
    }
    let assigned: usize = alloc.iter().sum();
    rest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for &(_, _, c) in rest.iter().take(n_test.saturating_sub(assigned)) {
        alloc[c] += 1;
    }
    alloc
}

/// A train/test split: the fraction of rows held out for testing, whether
/// the rows are shuffled first, and the seed of that shuffle.
///
/// The test set has `ceil(test_fraction · n)` rows, as in scikit-learn.
/// Without shuffling, the *last* rows form the test set (useful when rows
/// are already in time order); stratification requires shuffling.
///
/// ```
/// use ua_data::split::TrainTestSplit;
/// let split = TrainTestSplit { test_fraction: 0.2, shuffle: false, seed: 0 };
/// let (train, test) = split.split(5).unwrap();
/// assert_eq!(train, vec![0, 1, 2, 3]);
/// assert_eq!(test, vec![4]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainTestSplit {
    /// Share of rows that go to the test set, strictly between 0 and 1.
    pub test_fraction: f64,
    /// Shuffle the rows (with `seed`) before splitting.
    pub shuffle: bool,
    /// Seed of the shuffle.
    pub seed: u64,
}

impl Default for TrainTestSplit {
    /// 25 % test rows, shuffled with seed 0 (scikit-learn's default fraction).
    fn default() -> Self {
        Self {
            test_fraction: 0.25,
            shuffle: true,
            seed: 0,
        }
    }
}

impl TrainTestSplit {
    /// A shuffled split holding out `test_fraction` of the rows, with `seed`.
    ///
    /// ```
    /// use ua_data::split::TrainTestSplit;
    /// let s = TrainTestSplit::new(0.2, 7);
    /// assert_eq!((s.test_fraction, s.shuffle, s.seed), (0.2, true, 7));
    /// ```
    pub fn new(test_fraction: f64, seed: u64) -> Self {
        Self {
            test_fraction,
            shuffle: true,
            seed,
        }
    }

    /// Splits a table and its labels (one per row) the same way, each class
    /// keeping its share as in [`split_stratified`](Self::split_stratified):
    /// `((train_table, train_labels), (test_table, test_labels))`. The rows
    /// keep their file lines, so later errors still point into the file.
    ///
    /// Errors: the label count differs from the table's row count, or as
    /// [`split_stratified`](Self::split_stratified).
    ///
    /// ```
    /// use ua_data::split::TrainTestSplit;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("x".into(), Column::numeric((0..10).map(f64::from).collect()))]).unwrap();
    /// let y = [0u8, 0, 0, 0, 0, 1, 1, 1, 1, 1];
    /// let ((train, y_train), (test, y_test)) = TrainTestSplit::new(0.2, 1).split_table_stratified(&t, &y).unwrap();
    /// assert_eq!((train.n_rows(), test.n_rows()), (8, 2));
    /// assert_eq!(y_test.iter().filter(|&&v| v == 1).count(), 1);
    /// // Labels follow their rows: here x < 5 exactly for the rows labelled 0.
    /// for (x, &l) in test.numeric("x").unwrap().values().iter().zip(&y_test) {
    ///     assert_eq!(*x >= 5.0, l == 1);
    /// }
    /// assert!(TrainTestSplit::new(0.2, 1).split_table_stratified(&t, &y[..9]).is_err());
    /// ```
    pub fn split_table_stratified<L: Ord + Clone>(
        &self,
        table: &Table,
        labels: &[L],
    ) -> Result<(Labelled<L>, Labelled<L>)> {
        if labels.len() != table.n_rows() {
            return Err(invalid(
                "stratified train_test_split",
                format!(
                    "{} labels for a table of {} rows: give one label per row",
                    labels.len(),
                    table.n_rows()
                ),
            ));
        }
        let (train, test) = self.split_stratified(labels)?;
        let side = |rows: &[usize]| -> Result<Labelled<L>> {
            Ok((
                table.take(rows)?,
                rows.iter().map(|&i| labels[i].clone()).collect(),
            ))
        };
        Ok((side(&train)?, side(&test)?))
    }

    /// Splits the row indices `0..n` into (train, test).
    ///
    /// ```
    /// use ua_data::split::TrainTestSplit;
    /// let (train, test) = TrainTestSplit::default().split(8).unwrap();
    /// assert_eq!((train.len(), test.len()), (6, 2));
    /// ```
    pub fn split(&self, n: usize) -> Result<SplitIndices> {
        let n_test = test_size("train_test_split", n, self.test_fraction)?;
        let mut idx: Vec<usize> = (0..n).collect();
        if self.shuffle {
            idx.shuffle(&mut StdRng::seed_from_u64(self.seed));
        }
        let test = idx.split_off(n - n_test);
        Ok((idx, test))
    }

    /// Splits the rows so that every class of `labels` keeps its share in
    /// both sets, to within one row (per class, the number of test rows is
    /// `count · n_test / n` rounded up or down).
    ///
    /// A class with a single row ends up on one side only; no error is
    /// raised for it. Both returned index lists are in shuffled order.
    ///
    /// ```
    /// use ua_data::split::TrainTestSplit;
    /// let labels = [0u8, 0, 0, 0, 0, 0, 1, 1];
    /// let (train, test) = TrainTestSplit::default().split_stratified(&labels).unwrap();
    /// let test_pos = test.iter().filter(|&&i| labels[i] == 1).count();
    /// assert_eq!((train.len(), test.len(), test_pos), (6, 2, 1)); // 2 · 2/8 → 0.5 → 1
    /// ```
    pub fn split_stratified<L: Ord>(&self, labels: &[L]) -> Result<SplitIndices> {
        const OP: &str = "stratified train_test_split";
        if !self.shuffle {
            return Err(invalid(
                OP,
                "stratification requires shuffle = true (an unshuffled split keeps row order)"
                    .into(),
            ));
        }
        let n = labels.len();
        let n_test = test_size(OP, n, self.test_fraction)?;
        let mut groups = group_by_label(labels);
        let counts: Vec<usize> = groups.iter().map(Vec::len).collect();
        let alloc = allocate(&counts, n_test);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut train = Vec::with_capacity(n - n_test);
        let mut test = Vec::with_capacity(n_test);
        for (g, &t) in groups.iter_mut().zip(&alloc) {
            g.shuffle(&mut rng);
            test.extend_from_slice(&g[..t]);
            train.extend_from_slice(&g[t..]);
        }
        train.shuffle(&mut rng);
        test.shuffle(&mut rng);
        Ok((train, test))
    }
}

/// Splits `n` rows into (train, test) row indices: shuffled with `seed`,
/// `ceil(test_fraction · n)` test rows, and — when `stratify` holds one
/// class label per row — each class's share preserved to within one row.
///
/// Labels of other types (`u8`, `bool`, strings) can use
/// [`TrainTestSplit::split_stratified`] directly.
///
/// ```
/// use ua_data::split::train_test_split;
/// let labels = [0usize, 1, 0, 1, 0, 1, 0, 1, 0, 1];
/// let (train, test) = train_test_split(10, 0.4, 7, Some(&labels)).unwrap();
/// assert_eq!(test.len(), 4);
/// assert_eq!(test.iter().filter(|&&i| labels[i] == 1).count(), 2);
/// // The same seed gives the same split.
/// assert_eq!(train_test_split(10, 0.4, 7, Some(&labels)).unwrap(), (train, test));
/// ```
pub fn train_test_split(
    n: usize,
    test_fraction: f64,
    seed: u64,
    stratify: Option<&[usize]>,
) -> Result<SplitIndices> {
    let split = TrainTestSplit {
        test_fraction,
        shuffle: true,
        seed,
    };
    match stratify {
        None => split.split(n),
        Some(labels) => {
            if labels.len() != n {
                return Err(invalid(
                    "train_test_split",
                    format!(
                        "stratify has {} labels but there are {n} rows",
                        labels.len()
                    ),
                ));
            }
            split.split_stratified(labels)
        }
    }
}

fn check_k(op: &'static str, k: usize, n: usize) -> Result<()> {
    if k < 2 {
        return Err(bad_param(
            op,
            "k",
            format!("at least 2 folds are needed, found {k}"),
        ));
    }
    if k > n {
        return Err(bad_param(
            op,
            "k",
            format!("{k} folds need at least {k} rows, found {n}"),
        ));
    }
    Ok(())
}

/// Builds the (train, test) pairs from a fold number per row.
fn folds_from_assignment(fold_of: &[usize], k: usize) -> Vec<SplitIndices> {
    (0..k)
        .map(|f| {
            let mut train = Vec::with_capacity(fold_of.len());
            let mut test = Vec::with_capacity(fold_of.len() / k + 1);
            for (i, &g) in fold_of.iter().enumerate() {
                if g == f { &mut test } else { &mut train }.push(i);
            }
            (train, test)
        })
        .collect()
}

/// K-fold cross-validation: the rows (optionally shuffled) are cut into `k`
/// consecutive folds; the first `n % k` folds have one row more, as in
/// scikit-learn. Each fold is the test set once.
///
/// Returned index lists are in ascending row order.
///
/// ```
/// use ua_data::split::KFold;
/// let folds = KFold { k: 3, shuffle: false, seed: 0 }.split(7).unwrap();
/// assert_eq!(folds[0].1, vec![0, 1, 2]);
/// assert_eq!(folds[1].1, vec![3, 4]);
/// assert_eq!(folds[2].0, vec![0, 1, 2, 3, 4]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KFold {
    /// Number of folds, at least 2 and at most the number of rows.
    pub k: usize,
    /// Shuffle the rows (with `seed`) before cutting them into folds.
    pub shuffle: bool,
    /// Seed of the shuffle.
    pub seed: u64,
}

impl Default for KFold {
    /// Five shuffled folds with seed 0.
    fn default() -> Self {
        Self {
            k: 5,
            shuffle: true,
            seed: 0,
        }
    }
}

impl KFold {
    /// The `k` (train, test) pairs for `n` rows.
    ///
    /// ```
    /// use ua_data::split::KFold;
    /// let folds = KFold::default().split(12).unwrap();
    /// assert_eq!(folds.len(), 5);
    /// assert!(folds.iter().all(|(train, test)| train.len() + test.len() == 12));
    /// ```
    pub fn split(&self, n: usize) -> Result<Vec<SplitIndices>> {
        check_k("k-fold", self.k, n)?;
        let mut order: Vec<usize> = (0..n).collect();
        if self.shuffle {
            order.shuffle(&mut StdRng::seed_from_u64(self.seed));
        }
        let mut fold_of = vec![0usize; n];
        let (base, extra) = (n / self.k, n % self.k);
        let mut pos = 0;
        for f in 0..self.k {
            let size = base + usize::from(f < extra);
            for &row in &order[pos..pos + size] {
                fold_of[row] = f;
            }
            pos += size;
        }
        Ok(folds_from_assignment(&fold_of, self.k))
    }
}

/// Stratified k-fold cross-validation: every fold holds each class in the
/// same share as the whole set, to within one row per class, and fold sizes
/// differ by at most one row.
///
/// Rows are grouped by class (classes in ascending order, each optionally
/// shuffled with `seed`) and dealt to the folds in turn. A class with fewer
/// than `k` rows is missing from some folds; no error is raised for it.
///
/// ```
/// use ua_data::split::StratifiedKFold;
/// let labels = [1u8, 0, 0, 0, 1, 0, 0, 0];
/// let folds = StratifiedKFold { k: 2, shuffle: true, seed: 3 }.split(&labels).unwrap();
/// for (_, test) in &folds {
///     assert_eq!(test.len(), 4);
///     assert_eq!(test.iter().filter(|&&i| labels[i] == 1).count(), 1);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StratifiedKFold {
    /// Number of folds, at least 2 and at most the number of rows.
    pub k: usize,
    /// Shuffle each class's rows (with `seed`) before dealing them out.
    pub shuffle: bool,
    /// Seed of the shuffle.
    pub seed: u64,
}

impl Default for StratifiedKFold {
    /// Five shuffled folds with seed 0.
    fn default() -> Self {
        Self {
            k: 5,
            shuffle: true,
            seed: 0,
        }
    }
}

impl StratifiedKFold {
    /// The `k` (train, test) pairs for rows labelled `labels`; index lists are
    /// in ascending row order.
    ///
    /// ```
    /// use ua_data::split::StratifiedKFold;
    /// let labels = ["a", "b", "a", "b", "a", "b"];
    /// let folds = StratifiedKFold { k: 3, shuffle: false, seed: 0 }.split(&labels).unwrap();
    /// assert_eq!(folds[0].1, vec![0, 1]);
    /// ```
    pub fn split<L: Ord>(&self, labels: &[L]) -> Result<Vec<SplitIndices>> {
        let n = labels.len();
        check_k("stratified k-fold", self.k, n)?;
        let mut groups = group_by_label(labels);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut fold_of = vec![0usize; n];
        let mut pos = 0usize;
        for g in &mut groups {
            if self.shuffle {
                g.shuffle(&mut rng);
            }
            for &row in g.iter() {
                fold_of[row] = pos % self.k;
                pos += 1;
            }
        }
        Ok(folds_from_assignment(&fold_of, self.k))
    }
}

/// Splits rows by date: the calibration rows are those dated on or before
/// `cutoff`, the holdout rows those after it (dates are days since
/// 1970-01-01). Use it to fit on the past and evaluate on the future, as in
/// calibration/holdout evaluation of customer-lifetime models.
///
/// Both lists are in ascending row order. An empty side is an error that
/// reports the cut-off and the date range found as ISO dates, since a split
/// with nothing on one side is almost always a wrong cut-off.
///
/// ```
/// use ua_data::split::time_split;
/// let days = [10, 20, 15, 30, 25];
/// let (calibration, holdout) = time_split(&days, 20).unwrap();
/// assert_eq!(calibration, vec![0, 1, 2]);
/// assert_eq!(holdout, vec![3, 4]);
/// ```
pub fn time_split(days: &[i32], cutoff: i32) -> Result<SplitIndices> {
    let mut calibration = Vec::new();
    let mut holdout = Vec::new();
    for (i, &d) in days.iter().enumerate() {
        if d <= cutoff {
            &mut calibration
        } else {
            &mut holdout
        }
        .push(i);
    }
    if calibration.is_empty() || holdout.is_empty() {
        let (lo, hi) = (days.iter().min(), days.iter().max());
        return Err(invalid(
            "time_split",
            match (lo, hi) {
                (Some(&lo), Some(&hi)) => format!(
                    "cut-off {} leaves {} calibration and {} holdout rows; \
                     the dates run from {} to {}",
                    format_date(cutoff),
                    calibration.len(),
                    holdout.len(),
                    format_date(lo),
                    format_date(hi)
                ),
                _ => "no rows to split".to_string(),
            },
        ));
    }
    Ok((calibration, holdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<usize>) -> Vec<usize> {
        v.sort_unstable();
        v
    }

    #[test]
    fn split_table_stratified_takes_the_rows_of_split_stratified_with_their_labels() {
        use crate::Column;
        let n = 40;
        let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 4 == 0)).collect();
        let t = Table::new(vec![(
            "row".into(),
            Column::numeric((0..n).map(|i| i as f64).collect()),
        )])
        .unwrap();
        let split = TrainTestSplit::new(0.25, 9);
        let ((train, y_train), (test, y_test)) = split.split_table_stratified(&t, &labels).unwrap();
        let (train_rows, test_rows) = split.split_stratified(&labels).unwrap();
        for (table, y, rows) in [
            (&train, &y_train, &train_rows),
            (&test, &y_test, &test_rows),
        ] {
            let got: Vec<usize> = table
                .numeric("row")
                .unwrap()
                .values()
                .iter()
                .map(|&v| v as usize)
                .collect();
            assert_eq!(&got, rows);
            let want: Vec<u8> = rows.iter().map(|&i| labels[i]).collect();
            assert_eq!(y, &want);
        }
        assert_eq!(
            (y_test.len(), y_test.iter().filter(|&&l| l == 1).count()),
            (10, 3)
        );

        let err = split
            .split_table_stratified(&t, &labels[..39])
            .unwrap_err()
            .to_string();
        assert!(err.contains("39 labels for a table of 40 rows"), "{err}");
        let unshuffled = TrainTestSplit {
            shuffle: false,
            ..split
        };
        assert!(unshuffled.split_table_stratified(&t, &labels).is_err());
    }

    /// Train and test are disjoint and together are exactly `0..n`.
    fn assert_partition(train: &[usize], test: &[usize], n: usize) {
        let mut all: Vec<usize> = train.iter().chain(test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn test_size_rounds_up_like_sklearn() {
        for (n, frac, expect) in [(10, 0.25, 3), (10, 0.2, 2), (7, 0.3, 3), (3, 0.01, 1)] {
            let (train, test) = train_test_split(n, frac, 1, None).unwrap();
            assert_eq!(test.len(), expect, "n={n} frac={frac}");
            assert_partition(&train, &test, n);
        }
    }

    #[test]
    fn seeded_split_is_reproducible_and_seed_dependent() {
        let a = train_test_split(100, 0.3, 5, None).unwrap();
        let b = train_test_split(100, 0.3, 5, None).unwrap();
        let c = train_test_split(100, 0.3, 6, None).unwrap();
        assert_eq!(a, b);
        assert_ne!(sorted(a.1), sorted(c.1));
    }

    #[test]
    fn bad_fractions_and_sizes_are_errors() {
        for bad in [0.0, 1.0, -0.5] {
            let e = train_test_split(10, bad, 0, None).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidParameter {
                        name: "test_fraction",
                        ..
                    }
                ),
                "{e}"
            );
        }
        let folds = |k| KFold {
            k,
            ..Default::default()
        };
        let e = folds(1).split(5).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { name: "k", .. }),
            "{e}"
        );
        let e = folds(3).split(2).unwrap_err();
        assert!(
            e.to_string()
                .contains("parameter `k`: 3 folds need at least 3 rows, found 2"),
            "{e}"
        );
        assert!(train_test_split(10, f64::NAN, 0, None).is_err());
        assert!(train_test_split(1, 0.5, 0, None).is_err()); // 1 test, 0 train
        assert!(train_test_split(0, 0.5, 0, None).is_err());
        let err = train_test_split(3, 0.5, 0, Some(&[0, 1])).unwrap_err();
        assert!(err.to_string().contains("2 labels"), "{err}");
        let unshuffled = TrainTestSplit {
            shuffle: false,
            ..Default::default()
        };
        assert!(unshuffled.split_stratified(&[0, 1, 0, 1]).is_err());
    }

    #[test]
    fn stratified_split_keeps_class_shares_within_one_row() {
        // Classes of 50, 30, 15, 5 rows; 30 % test → exact shares 15, 9, 4.5, 1.5.
        let mut labels = Vec::new();
        for (c, k) in [(0usize, 50), (1, 30), (2, 15), (3, 5)] {
            labels.extend(std::iter::repeat_n(c, k));
        }
        let (train, test) = train_test_split(100, 0.3, 11, Some(&labels)).unwrap();
        assert_eq!(test.len(), 30);
        assert_partition(&train, &test, 100);
        let count = |rows: &[usize], c: usize| rows.iter().filter(|&&i| labels[i] == c).count();
        assert_eq!(count(&test, 0), 15);
        assert_eq!(count(&test, 1), 9);
        // 4.5 and 1.5 round to 5+1 or 4+2; the total must be 6.
        let (t2, t3) = (count(&test, 2), count(&test, 3));
        assert!((4..=5).contains(&t2) && (1..=2).contains(&t3) && t2 + t3 == 6);
    }

    #[test]
    fn allocation_hands_remainders_to_largest_fractions() {
        // 3 classes of 3, 3, 4 rows, 5 test: exact 1.5, 1.5, 2.0 → 2, 1, 2.
        assert_eq!(allocate(&[3, 3, 4], 5), vec![2, 1, 2]);
        // 7 test of [5, 2, 1]: exact 4.375, 1.75, 0.875 → 4, 2, 1.
        assert_eq!(allocate(&[5, 2, 1], 7), vec![4, 2, 1]);
    }

    #[test]
    fn kfold_sizes_follow_sklearn_and_cover_every_row_once() {
        let folds = KFold {
            k: 4,
            shuffle: true,
            seed: 9,
        }
        .split(10)
        .unwrap();
        let sizes: Vec<usize> = folds.iter().map(|f| f.1.len()).collect();
        assert_eq!(sizes, vec![3, 3, 2, 2]);
        let mut seen = [0; 10];
        for (train, test) in &folds {
            assert_partition(train, test, 10);
            for &i in test {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&s| s == 1));
        assert!(KFold::default().split(4).is_err()); // k = 5 > 4 rows
        assert!(
            KFold {
                k: 1,
                shuffle: false,
                seed: 0
            }
            .split(4)
            .is_err()
        );
    }

    #[test]
    fn stratified_kfold_balances_each_class() {
        // 9 of class "a", 6 of "b", 3 of "c"; 3 folds → 3 a, 2 b, 1 c per fold.
        let mut labels = Vec::new();
        for (c, k) in [("b", 6), ("a", 9), ("c", 3)] {
            labels.extend(std::iter::repeat_n(c, k));
        }
        let folds = StratifiedKFold {
            k: 3,
            shuffle: true,
            seed: 2,
        }
        .split(&labels)
        .unwrap();
        let mut seen = vec![0; labels.len()];
        for (train, test) in &folds {
            assert_partition(train, test, labels.len());
            let count = |c: &str| test.iter().filter(|&&i| labels[i] == c).count();
            assert_eq!((count("a"), count("b"), count("c")), (3, 2, 1));
            for &i in test {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&s| s == 1));
    }

    #[test]
    fn time_split_cuts_at_the_date_and_rejects_empty_sides() {
        let days = [-3, 5, 0, 5, 6];
        let (cal, hold) = time_split(&days, 5).unwrap();
        assert_eq!(cal, vec![0, 1, 2, 3]);
        assert_eq!(hold, vec![4]);
        let err = time_split(&days, 6).unwrap_err();
        assert!(
            err.to_string().contains(
                "cut-off 1970-01-07 leaves 5 calibration and 0 holdout rows; \
                 the dates run from 1969-12-29 to 1970-01-07"
            ),
            "{err}"
        );
        assert!(time_split(&[], 0).is_err());
    }
}
