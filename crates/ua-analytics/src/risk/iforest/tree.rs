//! The isolation trees of a forest in one flat arena (struct of arrays, no
//! boxed nodes): building one tree from a subsample, and walking a row down
//! every tree.

use ndarray::ArrayView2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Marks a leaf in [`Forest::feature`].
pub(crate) const LEAF: u32 = u32::MAX;

/// Average path length of an unsuccessful search in a binary search tree
/// of `n` points, `c(n) = 2·H(n − 1) − 2(n − 1)/n` (Liu et al. 2008), with
/// `c(1) = 0` and `c(2) = 1`; the normaliser of isolation depths.
///
/// ```
/// use ua_analytics::risk::average_path_length;
/// assert_eq!(average_path_length(1), 0.0);
/// assert_eq!(average_path_length(2), 1.0);
/// assert!((average_path_length(256) - 10.2448).abs() < 1e-3);
/// ```
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m = (n - 1) as f64;
            2.0 * (m.ln() + EULER_GAMMA) - 2.0 * m / n as f64
        }
    }
}

const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Every tree's nodes, tree after tree, laid out for branch-free walks:
/// rows with `x[feature[i]] <= threshold[i]` go to `child[i]`, the others
/// to `child[i] + 1`. A leaf points to itself (`child[i] == i`, threshold
/// `f32::MAX`, so every finite row stays) and holds its path length
/// `path[i]` = depth + `c(points in the leaf)`; internal nodes have path 0.
/// Walking `max_depth` steps from a root therefore ends in the row's leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Forest {
    pub feature: Vec<u32>,
    pub threshold: Vec<f32>,
    pub child: Vec<u32>,
    pub path: Vec<f32>,
    /// Index of each tree's root.
    pub roots: Vec<u32>,
    /// The deepest leaf of any tree.
    pub max_depth: usize,
}

/// Rows walked down a tree together: independent walks that the processor
/// overlaps instead of waiting on each node load in turn.
const LANES: usize = 8;

/// One tree under construction (indices relative to the tree).
#[derive(Default)]
pub(crate) struct Tree {
    feature: Vec<u32>,
    value: Vec<f32>,
    child: Vec<u32>,
    depth: usize,
}

/// What a tree is grown from.
pub(crate) struct Grow<'a> {
    pub x: ArrayView2<'a, f32>,
    pub sample_size: usize,
    pub depth_limit: usize,
    pub features: usize,
    pub seed: u64,
}

/// SplitMix64: independent, well-mixed seeds per tree from one seed, so a
/// tree does not depend on which thread grows it.
pub(crate) fn tree_seed(seed: u64, tree: usize) -> u64 {
    let mut z = seed.wrapping_add((tree as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Grow<'_> {
    /// Trees `0..n`, grown in parallel. When a progress observer listens
    /// (`ua_tensor::progress`), they are grown in rounds and each round
    /// reports the trees done so far (task `"trees"`); every tree depends
    /// only on its index, so the forest is the same either way.
    pub fn trees(&self, n: usize) -> Vec<Tree> {
        use rayon::prelude::*;
        use ua_tensor::progress::{Event, is_observed, report};
        if !is_observed() {
            return (0..n).into_par_iter().map(|t| self.tree(t)).collect();
        }
        // About twenty rounds, each with work for every thread.
        let round = (n / 20).max(4 * rayon::current_num_threads()).max(1);
        let mut trees = Vec::with_capacity(n);
        while trees.len() < n {
            let start = trees.len();
            let end = (start + round).min(n);
            trees.par_extend((start..end).into_par_iter().map(|t| self.tree(t)));
            report(&Event::new("trees", end, Some(n)));
        }
        trees
    }

    /// Tree `t`: a subsample of `sample_size` distinct rows, split on a
    /// random feature (among `features` drawn for this tree) at a uniform
    /// random point between the node's min and max, until a node holds one
    /// row, all its candidate features are constant, or the depth limit.
    pub fn tree(&self, t: usize) -> Tree {
        let mut rng = StdRng::seed_from_u64(tree_seed(self.seed, t));
        let n = self.x.nrows();
        let mut rows: Vec<usize> =
            rand::seq::index::sample(&mut rng, n, self.sample_size).into_vec();
        let d = self.x.ncols();
        let mut candidates: Vec<u32> = if self.features < d {
            rand::seq::index::sample(&mut rng, d, self.features)
                .into_iter()
                .map(|f| f as u32)
                .collect()
        } else {
            (0..d as u32).collect()
        };
        candidates.sort_unstable();
        let mut tree = Tree::default();
        tree.push_node();
        // (node, start, end, depth) of the rows[start..end] that reach node.
        let mut stack = vec![(0usize, 0usize, rows.len(), 0usize)];
        while let Some((node, start, end, depth)) = stack.pop() {
            let part = &mut rows[start..end];
            let split = if part.len() > 1 && depth < self.depth_limit {
                self.split(part, &mut candidates, &mut rng)
            } else {
                None
            };
            match split {
                None => {
                    tree.value[node] = (depth as f64 + average_path_length(part.len())) as f32;
                    tree.depth = tree.depth.max(depth);
                }
                Some((feature, threshold)) => {
                    let f = feature as usize;
                    let mut left = 0;
                    for i in 0..part.len() {
                        if self.x[[part[i], f]] <= threshold {
                            part.swap(i, left);
                            left += 1;
                        }
                    }
                    let child = tree.push_node();
                    tree.push_node();
                    tree.feature[node] = feature;
                    tree.value[node] = threshold;
                    tree.child[node] = child as u32;
                    stack.push((child + 1, start + left, end, depth + 1));
                    stack.push((child, start, start + left, depth + 1));
                }
            }
        }
        tree
    }

    /// A random non-constant candidate feature of `part` and a threshold
    /// in `[min, max)` (both sides non-empty), or `None` when every
    /// candidate is constant on `part`.
    fn split(
        &self,
        part: &[usize],
        candidates: &mut [u32],
        rng: &mut StdRng,
    ) -> Option<(u32, f32)> {
        // Draw candidates without replacement (a partial Fisher–Yates).
        for tried in 0..candidates.len() {
            let pick = rng.random_range(tried..candidates.len());
            candidates.swap(tried, pick);
            let f = candidates[tried];
            let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
            for &r in part {
                let v = self.x[[r, f as usize]];
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if lo < hi {
                let u: f32 = rng.random();
                let t = lo + u * (hi - lo);
                // Rounding can reach `hi`: then everything would go left.
                return Some((f, if t < hi { t } else { lo }));
            }
        }
        None
    }
}

impl Tree {
    fn push_node(&mut self) -> usize {
        self.feature.push(LEAF);
        self.value.push(0.0);
        self.child.push(0);
        self.feature.len() - 1
    }
}

impl Forest {
    /// The trees in one arena: child indices made absolute, leaves turned
    /// into self-loops.
    pub fn from_trees(trees: Vec<Tree>) -> Forest {
        let total = trees.iter().map(|t| t.feature.len()).sum();
        let mut f = Forest {
            feature: Vec::with_capacity(total),
            threshold: Vec::with_capacity(total),
            child: Vec::with_capacity(total),
            path: Vec::with_capacity(total),
            roots: Vec::with_capacity(trees.len()),
            max_depth: trees.iter().map(|t| t.depth).max().unwrap_or(0),
        };
        for t in trees {
            let offset = f.feature.len() as u32;
            f.roots.push(offset);
            for (i, ((&feature, &value), &child)) in
                t.feature.iter().zip(&t.value).zip(&t.child).enumerate()
            {
                let leaf = feature == LEAF;
                f.feature.push(if leaf { 0 } else { feature });
                f.threshold.push(if leaf { f32::MAX } else { value });
                f.child.push(offset + if leaf { i as u32 } else { child });
                f.path.push(if leaf { value } else { 0.0 });
            }
        }
        f
    }

    fn is_leaf(&self, node: usize) -> bool {
        self.child[node] as usize == node
    }

    #[inline]
    fn step(&self, node: usize, row: &[f32]) -> usize {
        let right = row[self.feature[node] as usize] > self.threshold[node];
        self.child[node] as usize + usize::from(right)
    }

    /// The leaf `row` reaches in the tree rooted at `root`, and the internal
    /// node whose split sent it there (`None` when the root is a leaf).
    pub fn descend(&self, root: u32, row: &[f32]) -> (usize, Option<usize>) {
        let mut node = root as usize;
        let mut last = None;
        while !self.is_leaf(node) {
            last = Some(node);
            node = self.step(node, row);
        }
        (node, last)
    }

    /// Adds to `total[r]` the path length of row `r` of `rows` (row-major,
    /// `width` values per row) in every tree, tree after tree: each tree's
    /// nodes stay in cache while all rows walk it, [`LANES`] rows at a time
    /// in lockstep for `max_depth` branch-free steps. Each row's sum runs
    /// over the trees in order, whatever the chunking.
    pub fn add_path_lengths(&self, rows: &[f32], width: usize, total: &mut [f64]) {
        for &root in &self.roots {
            let mut groups = rows.chunks(LANES * width).zip(total.chunks_mut(LANES));
            for (block, sums) in &mut groups {
                let mut node = [root as usize; LANES];
                let mut lanes: [&[f32]; LANES] = [&[]; LANES];
                for (lane, row) in lanes.iter_mut().zip(block.chunks_exact(width)) {
                    *lane = row;
                }
                let lanes = &lanes[..sums.len()];
                for _ in 0..self.max_depth {
                    for (n, row) in node.iter_mut().zip(lanes) {
                        *n = self.step(*n, row);
                    }
                }
                for (s, &n) in sums.iter_mut().zip(&node) {
                    *s += f64::from(self.path[n]);
                }
            }
        }
    }

    /// Structural checks for a loaded forest: equal lengths; in every tree,
    /// children after their parent and inside the tree, leaves pointing to
    /// themselves with threshold `f32::MAX` and a finite path length ≥ 0,
    /// internal nodes with path 0; features below `n_features`; no leaf
    /// deeper than `max_depth` (so the fixed-length walks end in leaves).
    pub fn check(&self, n_features: usize) -> Result<(), String> {
        let n = self.feature.len();
        if self.threshold.len() != n || self.child.len() != n || self.path.len() != n {
            return Err(format!(
                "{n} node features, {} thresholds, {} children, {} path lengths",
                self.threshold.len(),
                self.child.len(),
                self.path.len()
            ));
        }
        if self.roots.is_empty() {
            return Err("the forest has no tree".into());
        }
        let mut depth = vec![0usize; n];
        let mut deepest = 0;
        for (t, &r) in self.roots.iter().enumerate() {
            let end = self.roots.get(t + 1).map_or(n, |&e| e as usize);
            if (r as usize) >= end {
                return Err(format!("tree {t} has no node"));
            }
            for i in r as usize..end {
                if self.feature[i] as usize >= n_features {
                    return Err(format!(
                        "node {i}: feature {} of {n_features}",
                        self.feature[i]
                    ));
                }
                let (threshold, path) = (self.threshold[i], self.path[i]);
                if self.is_leaf(i) {
                    if threshold != f32::MAX || !(path.is_finite() && path >= 0.0) {
                        return Err(format!(
                            "leaf {i}: threshold {threshold}, path length {path}"
                        ));
                    }
                    if depth[i] > self.max_depth {
                        return Err(format!(
                            "leaf {i} at depth {} is deeper than the forest's {}",
                            depth[i], self.max_depth
                        ));
                    }
                    deepest = deepest.max(depth[i]);
                    continue;
                }
                let c = self.child[i] as usize;
                if c <= i || c + 1 >= end {
                    return Err(format!(
                        "node {i}: children {c}, {} outside tree {t}",
                        c + 1
                    ));
                }
                if !threshold.is_finite() || path != 0.0 {
                    return Err(format!(
                        "node {i}: threshold {threshold}, path length {path}"
                    ));
                }
                depth[c] = depth[i] + 1;
                depth[c + 1] = depth[i] + 1;
            }
        }
        // Walks take `max_depth` steps: more than the deepest leaf is wasted
        // work (and a huge value in a file would hang scoring).
        if deepest != self.max_depth {
            return Err(format!(
                "max_depth {} but the deepest leaf is at depth {deepest}",
                self.max_depth
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two trees by hand. Tree 0: node 0 splits column 0 at 5 into leaf 1
    /// (path 1) and node 2, which splits column 1 at 2 into leaves 3 (path
    /// 2) and 4 (path 3.5). Tree 1: a single leaf (node 5, path 0.5).
    fn forest() -> Forest {
        Forest {
            feature: vec![0, 0, 1, 0, 0, 0],
            threshold: vec![5.0, f32::MAX, 2.0, f32::MAX, f32::MAX, f32::MAX],
            child: vec![1, 1, 3, 3, 4, 5],
            path: vec![0.0, 1.0, 0.0, 2.0, 3.5, 0.5],
            roots: vec![0, 5],
            max_depth: 2,
        }
    }

    #[test]
    fn tree_seeds_are_splitmix64() {
        // The published SplitMix64 outputs from state 0.
        assert_eq!(tree_seed(0, 0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(tree_seed(0, 1), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(tree_seed(0, 2), 0x06c4_5d18_8009_454f);
        // Seed s, tree t is the (t + 1)-th output from state s.
        assert_eq!(tree_seed(0x9e37_79b9_7f4a_7c15, 0), tree_seed(0, 1));
    }

    #[test]
    fn rows_at_a_threshold_go_left_and_descend_names_the_last_split() {
        let f = forest();
        // x0 = 5 is at the root's threshold: left, into leaf 1.
        assert_eq!(f.descend(0, &[5.0, 9.0]), (1, Some(0)));
        assert_eq!(f.descend(0, &[5.5, 2.0]), (3, Some(2)));
        assert_eq!(f.descend(0, &[5.5, 2.5]), (4, Some(2)));
        // A tree that is one leaf: no split.
        assert_eq!(f.descend(5, &[100.0, 100.0]), (5, None));
    }

    #[test]
    fn path_lengths_add_up_over_trees_for_more_rows_than_lanes() {
        let f = forest();
        // Eleven rows (more than LANES), cycling through the three leaves.
        let rows: Vec<[f32; 2]> = (0..11)
            .map(|i| match i % 3 {
                0 => [1.0, 0.0],
                1 => [7.0, 2.0],
                _ => [7.0, 8.0],
            })
            .collect();
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let mut total = vec![0.25; 11];
        f.add_path_lengths(&flat, 2, &mut total);
        let expected: Vec<f64> = (0..11)
            .map(|i| 0.25 + [1.0, 2.0, 3.5][i % 3] + 0.5)
            .collect();
        assert_eq!(total, expected);
    }

    #[test]
    fn a_consistent_forest_passes_its_check() {
        let f = forest();
        assert_eq!(f.check(2), Ok(()));
        assert!(f.is_leaf(1) && f.is_leaf(5) && !f.is_leaf(0) && !f.is_leaf(2));
        let e = f.check(1).unwrap_err();
        assert_eq!(e, "node 2: feature 1 of 1");
    }

    #[test]
    fn the_check_names_what_is_broken() {
        let broken = |edit: &dyn Fn(&mut Forest)| {
            let mut f = forest();
            edit(&mut f);
            f.check(2).unwrap_err()
        };
        assert_eq!(
            broken(&|f| f.path[3] = -1.0),
            "leaf 3: threshold 340282350000000000000000000000000000000, path length -1"
        );
        // Node 2's right child would be node 5, the next tree's root.
        assert_eq!(
            broken(&|f| f.child[2] = 4),
            "node 2: children 4, 5 outside tree 0"
        );
        assert_eq!(
            broken(&|f| f.child[2] = 1),
            "node 2: children 1, 2 outside tree 0"
        );
        assert_eq!(
            broken(&|f| f.max_depth = 3),
            "max_depth 3 but the deepest leaf is at depth 2"
        );
        assert_eq!(
            broken(&|f| f.max_depth = 1),
            "leaf 3 at depth 2 is deeper than the forest's 1"
        );
        assert_eq!(broken(&|f| f.roots = vec![0, 6]), "tree 1 has no node");
        assert_eq!(
            broken(&|f| f.threshold.truncate(5)),
            "6 node features, 5 thresholds, 6 children, 6 path lengths"
        );
        assert_eq!(
            broken(&|f| f.child.push(6)),
            "6 node features, 6 thresholds, 7 children, 6 path lengths"
        );
    }

    #[test]
    fn split_points_are_uniform_between_the_node_min_and_max() {
        // Two rows, 2 and 12 in column 0 (column 1 constant): every split
        // is on column 0, at a uniform point in [2, 12).
        let x = ndarray::array![[2.0f32, 1.0], [12.0, 1.0]];
        let grow = Grow {
            x: x.view(),
            sample_size: 2,
            depth_limit: 1,
            features: 2,
            seed: 3,
        };
        let trees: Vec<Tree> = (0..2_000).map(|t| grow.tree(t)).collect();
        let f = Forest::from_trees(trees);
        assert_eq!(
            (f.roots.len(), f.max_depth, f.feature.len()),
            (2_000, 1, 6_000)
        );
        let t: Vec<f32> = f.roots.iter().map(|&r| f.threshold[r as usize]).collect();
        assert!(f.roots.iter().all(|&r| f.feature[r as usize] == 0));
        assert!(t.iter().all(|&v| (2.0..12.0).contains(&v)), "{t:?}");
        // Uniform on [2, 12): mean 7 (standard error 0.065), both ends reached.
        let mean = t.iter().map(|&v| f64::from(v)).sum::<f64>() / 2_000.0;
        assert!((mean - 7.0).abs() < 0.3, "{mean}");
        assert!(t.iter().any(|&v| v < 2.5) && t.iter().any(|&v| v > 11.5));
        // Children right after the root, each leaf one row at depth 1.
        for &r in &f.roots {
            let r = r as usize;
            assert_eq!(f.child[r] as usize, r + 1);
            assert_eq!((f.path[r + 1], f.path[r + 2]), (1.0, 1.0));
            assert_eq!(
                (f.child[r + 1] as usize, f.child[r + 2] as usize),
                (r + 1, r + 2)
            );
        }
    }
}
