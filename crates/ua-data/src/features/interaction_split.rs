//! Per-user hold-out splits of an interaction log for evaluating
//! recommenders: each user's most recent interactions (or a seeded random
//! share, or the last k) are held out, so every evaluated user has a
//! history to recommend from and a future to check against.
//!
//! The split works on log rows (before duplicates are combined): the result
//! is two lists of row indices, to be fed to the interaction builder —
//! the test matrix with the training id maps, so that users and items unseen
//! in training are counted, not silently mixed in.
//!
//! ```
//! use ua_data::features::interaction_split::{split_interactions, HoldoutRule};
//! let users = ["a", "a", "a", "a", "a", "b"];
//! let items = [1, 2, 3, 4, 5, 1];
//! let times = [10, 50, 20, 40, 30, 5];
//! let s = split_interactions(&users, &items, Some(&times), &HoldoutRule::temporal(0.2, 5)).unwrap();
//! // a has 5 rows: its most recent (time 50, row 1) is test; b has too few rows.
//! assert_eq!(s.test, vec![1]);
//! assert_eq!(s.train, vec![0, 2, 3, 4, 5]);
//! assert_eq!((s.users_split, s.users_train_only), (1, 1));
//! ```

use std::hash::Hash;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::table::hash::FastMap;
use crate::{Error, Result};

/// Which rows of a user's history are held out. Users with fewer than
/// `min_interactions` rows stay entirely in training.
///
/// ```
/// use ua_data::features::interaction_split::HoldoutRule;
/// assert_eq!(HoldoutRule::temporal(0.2, 5).test_rows(10), 2);
/// assert_eq!(HoldoutRule::temporal(0.2, 5).test_rows(4), 0);
/// assert_eq!(HoldoutRule::LeaveLastK { k: 3, min_interactions: 2 }.test_rows(2), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum HoldoutRule {
    /// The most recent `max(1, ⌊n·fraction⌋)` rows by (time, item), needs times.
    Temporal {
        /// Share held out, in (0, 1).
        fraction: f64,
        /// Fewest rows a user needs to be split (≥ 2).
        min_interactions: usize,
    },
    /// The last `min(k, n − 1)` rows by (time, item) — or by log order
    /// without times.
    LeaveLastK {
        /// Rows held out per user, ≥ 1.
        k: usize,
        /// Fewest rows a user needs to be split (≥ 2).
        min_interactions: usize,
    },
    /// A seeded random `max(1, ⌊n·fraction⌋)` rows per user.
    Random {
        /// Share held out, in (0, 1).
        fraction: f64,
        /// Fewest rows a user needs to be split (≥ 2).
        min_interactions: usize,
        /// Seed of the shuffle.
        seed: u64,
    },
}

impl HoldoutRule {
    /// The temporal rule.
    ///
    /// ```
    /// use ua_data::features::interaction_split::HoldoutRule;
    /// assert!(matches!(HoldoutRule::temporal(0.2, 5), HoldoutRule::Temporal { .. }));
    /// ```
    pub fn temporal(fraction: f64, min_interactions: usize) -> Self {
        HoldoutRule::Temporal {
            fraction,
            min_interactions,
        }
    }

    fn min_interactions(&self) -> usize {
        match *self {
            HoldoutRule::Temporal {
                min_interactions, ..
            }
            | HoldoutRule::LeaveLastK {
                min_interactions, ..
            }
            | HoldoutRule::Random {
                min_interactions, ..
            } => min_interactions,
        }
    }

    /// Rows held out of a user with `n` rows (0 below `min_interactions`;
    /// at least one row always stays in training).
    pub fn test_rows(&self, n: usize) -> usize {
        if n < self.min_interactions().max(2) {
            return 0;
        }
        let wanted = match *self {
            HoldoutRule::Temporal { fraction, .. } | HoldoutRule::Random { fraction, .. } => {
                // ⌊n·fraction⌋ with a nudge so that 10 · 0.2 is 2, not 1.999….
                ((n as f64 * fraction + 1e-9).floor() as usize).max(1)
            }
            HoldoutRule::LeaveLastK { k, .. } => k,
        };
        wanted.min(n - 1)
    }

    fn validate(&self) -> Result<()> {
        let bad = |message: String| Error::InvalidArgument {
            op: "split interactions",
            message,
        };
        match *self {
            HoldoutRule::Temporal { fraction, .. } | HoldoutRule::Random { fraction, .. }
                if !(fraction > 0.0 && fraction < 1.0) =>
            {
                Err(bad(format!("fraction must be in (0, 1), got {fraction}")))
            }
            HoldoutRule::LeaveLastK { k: 0, .. } => Err(bad("k must be at least 1".into())),
            _ => Ok(()),
        }
    }
}

/// Row indices of the training and test parts of a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionSplit {
    /// Training rows, ascending.
    pub train: Vec<usize>,
    /// Held-out rows, ascending.
    pub test: Vec<usize>,
    /// Users with rows in both parts.
    pub users_split: usize,
    /// Users kept entirely in training (fewer rows than the rule needs).
    pub users_train_only: usize,
}

/// Splits the log `(users[r], items[r], times[r])` per user by `rule`;
/// ties in time go by item (then by row), so the split does not depend on
/// the order of the log.
///
/// Errors: slices of different lengths; a bad rule parameter; the temporal
/// rule without times.
pub fn split_interactions<U: Eq + Hash, I: Ord>(
    users: &[U],
    items: &[I],
    times: Option<&[i64]>,
    rule: &HoldoutRule,
) -> Result<InteractionSplit> {
    const OP: &str = "split interactions";
    rule.validate()?;
    let lengths_differ =
        items.len() != users.len() || times.is_some_and(|t| t.len() != users.len());
    if lengths_differ {
        return Err(Error::InvalidArgument {
            op: OP,
            message: format!(
                "{} users, {} items and {} times; one per row each",
                users.len(),
                items.len(),
                times.map_or(users.len(), <[i64]>::len)
            ),
        });
    }
    if times.is_none() && matches!(rule, HoldoutRule::Temporal { .. }) {
        return Err(Error::InvalidArgument {
            op: OP,
            message: "the temporal rule needs a time per row".into(),
        });
    }
    let mut by_user: FastMap<&U, Vec<usize>> = FastMap::default();
    let mut order: Vec<&U> = Vec::new();
    for (r, u) in users.iter().enumerate() {
        by_user
            .entry(u)
            .or_insert_with(|| {
                order.push(u);
                Vec::new()
            })
            .push(r);
    }
    let mut is_test = vec![false; users.len()];
    let (mut split, mut train_only) = (0, 0);
    for (n_user, u) in order.iter().enumerate() {
        let rows = by_user.get_mut(u).expect("every user in `order` has rows");
        let n_test = rule.test_rows(rows.len());
        if n_test == 0 {
            train_only += 1;
            continue;
        }
        split += 1;
        match (rule, times) {
            (HoldoutRule::Random { seed, .. }, _) => {
                let mut rng = SmallRng::seed_from_u64(seed.wrapping_add(n_user as u64));
                rows.shuffle(&mut rng);
            }
            (_, Some(t)) => rows.sort_by(|&a, &b| {
                t[a].cmp(&t[b])
                    .then(items[a].cmp(&items[b]))
                    .then(a.cmp(&b))
            }),
            (_, None) => {} // log order
        }
        for &r in &rows[rows.len() - n_test..] {
            is_test[r] = true;
        }
    }
    let (test, train): (Vec<usize>, Vec<usize>) = (0..users.len()).partition(|&r| is_test[r]);
    Ok(InteractionSplit {
        train,
        test,
        users_split: split,
        users_train_only: train_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_ties_go_by_item_not_by_log_order() {
        // One user, 5 rows, times tie at the end: items 9 and 3 at time 7.
        let users = [0; 5];
        let items = [9, 1, 3, 2, 4];
        let times = [7, 1, 7, 2, 3];
        let s = split_interactions(&users, &items, Some(&times), &HoldoutRule::temporal(0.2, 5))
            .unwrap();
        // Order by (time, item): 1, 2, 4, 3, 9 → the last is item 9 (row 0).
        assert_eq!(s.test, vec![0]);
        let s = split_interactions(&users, &items, Some(&times), &HoldoutRule::temporal(0.4, 5))
            .unwrap();
        assert_eq!(s.test, vec![0, 2]);
    }

    #[test]
    fn leave_last_k_and_random_keep_one_training_row() {
        let users = [1, 1, 1, 2, 2];
        let items = [0, 1, 2, 0, 1];
        let rule = HoldoutRule::LeaveLastK {
            k: 5,
            min_interactions: 2,
        };
        let s = split_interactions(&users, &items, None, &rule).unwrap();
        // Without times: log order; each user keeps its first row.
        assert_eq!((s.train, s.test), (vec![0, 3], vec![1, 2, 4]));
        let rule = HoldoutRule::Random {
            fraction: 0.5,
            min_interactions: 2,
            seed: 3,
        };
        let a = split_interactions(&users, &items, None, &rule).unwrap();
        let b = split_interactions(&users, &items, None, &rule).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.test.len(), a.users_split), (2, 2));
    }

    #[test]
    fn bad_input_is_an_error() {
        let e =
            split_interactions(&[1], &[1, 2], None, &HoldoutRule::temporal(0.2, 5)).unwrap_err();
        assert!(e.to_string().contains("1 users, 2 items"), "{e}");
        let e = split_interactions(&[1], &[1], None, &HoldoutRule::temporal(0.2, 5)).unwrap_err();
        assert!(e.to_string().contains("needs a time"), "{e}");
        for f in [0.0, 1.0, f64::NAN] {
            assert!(
                split_interactions(&[1], &[1], Some(&[0]), &HoldoutRule::temporal(f, 5)).is_err()
            );
        }
        let rule = HoldoutRule::LeaveLastK {
            k: 0,
            min_interactions: 2,
        };
        assert!(split_interactions(&[1], &[1], None, &rule).is_err());
    }

    #[test]
    fn rows_held_out_per_user_by_rule() {
        let t = HoldoutRule::temporal(0.2, 5);
        // Below min_interactions nothing; at it one row; ⌊n·0.2⌋ above.
        let got: Vec<usize> = [0, 1, 4, 5, 9, 10, 14, 15].map(|n| t.test_rows(n)).to_vec();
        assert_eq!(got, [0, 0, 0, 1, 1, 2, 2, 3]);
        // min_interactions below 2 counts as 2: one row always stays.
        let t = HoldoutRule::temporal(0.5, 0);
        assert_eq!(
            (
                t.test_rows(1),
                t.test_rows(2),
                t.test_rows(3),
                t.test_rows(6)
            ),
            (0, 1, 1, 3)
        );
        let r = HoldoutRule::Random {
            fraction: 0.9,
            min_interactions: 3,
            seed: 1,
        };
        // ⌊n·0.9⌋ capped at n − 1.
        assert_eq!(
            (
                r.test_rows(2),
                r.test_rows(3),
                r.test_rows(10),
                r.test_rows(20)
            ),
            (0, 2, 9, 18)
        );
        let l = HoldoutRule::LeaveLastK {
            k: 2,
            min_interactions: 4,
        };
        assert_eq!((l.test_rows(3), l.test_rows(4), l.test_rows(9)), (0, 2, 2));
        let l = HoldoutRule::LeaveLastK {
            k: 7,
            min_interactions: 2,
        };
        assert_eq!((l.test_rows(2), l.test_rows(5), l.test_rows(8)), (1, 4, 7));
    }

    #[test]
    fn counts_of_split_and_train_only_users() {
        // Users 7 (6 rows), 8 (5 rows), 9 (4 rows): 9 stays in training.
        let users = [7, 8, 9, 7, 8, 9, 7, 8, 9, 7, 8, 9, 7, 8, 7];
        let items: Vec<u32> = (0..15).collect();
        let times: Vec<i64> = (0..15).rev().collect(); // later rows are older
        let s = split_interactions(&users, &items, Some(&times), &HoldoutRule::temporal(0.2, 5))
            .unwrap();
        assert_eq!((s.users_split, s.users_train_only), (2, 1));
        // The most recent row of 7 and of 8 is their first in the log.
        assert_eq!(s.test, vec![0, 1]);
        assert_eq!(s.train.len() + s.test.len(), 15);
        assert!(s.train.windows(2).all(|w| w[0] < w[1]));
        // Leave-last-2 by time: same rows plus each user's second-newest.
        let rule = HoldoutRule::LeaveLastK {
            k: 2,
            min_interactions: 5,
        };
        let s = split_interactions(&users, &items, Some(&times), &rule).unwrap();
        assert_eq!(s.test, vec![0, 1, 3, 4]);
        assert_eq!((s.users_split, s.users_train_only), (2, 1));
    }

    #[test]
    fn random_rule_holds_out_the_share_per_user_and_depends_on_the_seed() {
        let users: Vec<u32> = (0..200).map(|r| r % 4).collect();
        let items: Vec<u32> = (0..200).collect();
        let rule = |seed| HoldoutRule::Random {
            fraction: 0.25,
            min_interactions: 2,
            seed,
        };
        let a = split_interactions(&users, &items, None, &rule(1)).unwrap();
        // 4 users × 50 rows: 12 each held out.
        for u in 0..4 {
            assert_eq!(a.test.iter().filter(|&&r| users[r] == u).count(), 12);
        }
        assert_eq!((a.users_split, a.users_train_only), (4, 0));
        let b = split_interactions(&users, &items, None, &rule(2)).unwrap();
        assert_ne!(a.test, b.test);
        // Not simply the last rows of each user.
        let last = split_interactions(
            &users,
            &items,
            None,
            &HoldoutRule::LeaveLastK {
                k: 12,
                min_interactions: 2,
            },
        )
        .unwrap();
        assert_ne!(a.test, last.test);
        assert_eq!(last.test, (152..200).collect::<Vec<usize>>());
    }

    #[test]
    fn times_of_another_length_are_an_error() {
        let e = split_interactions(&[1, 1], &[1, 2], Some(&[5]), &HoldoutRule::temporal(0.5, 2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 users, 2 items and 1 times"), "{e}");
        let e = split_interactions(
            &[1, 1],
            &[1, 2],
            None,
            &HoldoutRule::LeaveLastK {
                k: 0,
                min_interactions: 2,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("k must be at least 1"), "{e}");
        let e = split_interactions(&[1], &[1], Some(&[1]), &HoldoutRule::temporal(1.0, 2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("fraction must be in (0, 1), got 1"), "{e}");
        assert!(
            split_interactions(
                &[1, 1],
                &[1, 2],
                Some(&[1, 2]),
                &HoldoutRule::temporal(0.5, 2)
            )
            .is_ok()
        );
    }
}
