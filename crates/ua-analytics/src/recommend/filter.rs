//! Which items a recommendation may contain.

use crate::traits::ItemIndex;
use crate::{Error, Result};

/// The items a recommendation may contain: every item, minus the user's
/// training items when [`Filter::exclude_seen`] is set, restricted to an
/// allow-list when one is given, minus a deny-list.
///
/// Filters are explicit arguments: nothing is left out unless the filter
/// says so (a lesson from libraries that silently drop seen items).
///
/// ```
/// use ua_analytics::recommend::Filter;
/// let f = Filter::exclude_seen().deny([3]).allow([1, 2, 3, 4]);
/// let mask = f.allowed_mask(6, &[2]).unwrap();
/// assert_eq!(mask, vec![false, true, false, false, true, false]);
/// assert!(Filter::none().allowed_mask(2, &[0]).unwrap().iter().all(|&a| a));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    exclude_seen: bool,
    allow: Option<Vec<ItemIndex>>,
    deny: Vec<ItemIndex>,
}

impl Filter {
    /// Every item may be recommended, including the user's training items.
    ///
    /// ```
    /// assert!(!ua_analytics::recommend::Filter::none().excludes_seen());
    /// ```
    pub fn none() -> Self {
        Filter::default()
    }

    /// Leaves out the items the user interacted with (in training, or the
    /// history given for a new user).
    ///
    /// ```
    /// assert!(ua_analytics::recommend::Filter::exclude_seen().excludes_seen());
    /// ```
    pub fn exclude_seen() -> Self {
        Filter {
            exclude_seen: true,
            ..Filter::default()
        }
    }

    /// Only these items may be recommended (e.g. what is in stock).
    ///
    /// ```
    /// let f = ua_analytics::recommend::Filter::none().allow([4, 2]);
    /// assert_eq!(f.allowed_mask(5, &[]).unwrap(), vec![false, false, true, false, true]);
    /// ```
    pub fn allow(mut self, items: impl IntoIterator<Item = ItemIndex>) -> Self {
        self.allow = Some(items.into_iter().collect());
        self
    }

    /// These items are never recommended (e.g. out of stock, age-restricted).
    ///
    /// ```
    /// let f = ua_analytics::recommend::Filter::none().deny([0]);
    /// assert_eq!(f.allowed_mask(2, &[]).unwrap(), vec![false, true]);
    /// ```
    pub fn deny(mut self, items: impl IntoIterator<Item = ItemIndex>) -> Self {
        self.deny.extend(items);
        self
    }

    /// Whether the user's own items are left out.
    ///
    /// ```
    /// assert!(ua_analytics::recommend::Filter::exclude_seen().excludes_seen());
    /// ```
    pub fn excludes_seen(&self) -> bool {
        self.exclude_seen
    }

    /// Checks the allow- and deny-lists against a catalogue of `n_items`.
    ///
    /// ```
    /// let f = ua_analytics::recommend::Filter::none().deny([7]);
    /// assert!(f.check(5).unwrap_err().to_string().contains("deny-list item 7"));
    /// ```
    pub fn check(&self, n_items: usize) -> Result<()> {
        let lists = self
            .allow
            .iter()
            .flatten()
            .map(|&i| ("allow-list", i))
            .chain(self.deny.iter().map(|&i| ("deny-list", i)));
        for (list, item) in lists {
            if item >= n_items {
                return Err(Error::InvalidArgument {
                    op: "recommendation filter",
                    message: format!(
                        "{list} item {item} is not in the catalogue of {n_items} items"
                    ),
                });
            }
        }
        Ok(())
    }

    /// `mask[i]` is true when item `i` may be recommended to a user whose
    /// own items are `seen`.
    ///
    /// ```
    /// let f = ua_analytics::recommend::Filter::exclude_seen();
    /// assert_eq!(f.allowed_mask(3, &[1]).unwrap(), vec![true, false, true]);
    /// ```
    pub fn allowed_mask(&self, n_items: usize, seen: &[u32]) -> Result<Vec<bool>> {
        let mut mask = Vec::new();
        self.fill_mask(n_items, seen, &mut mask)?;
        Ok(mask)
    }

    /// [`Filter::allowed_mask`] into a reused buffer.
    pub(crate) fn fill_mask(
        &self,
        n_items: usize,
        seen: &[u32],
        mask: &mut Vec<bool>,
    ) -> Result<()> {
        self.check(n_items)?;
        mask.clear();
        match &self.allow {
            None => mask.resize(n_items, true),
            Some(allow) => {
                mask.resize(n_items, false);
                for &i in allow {
                    mask[i] = true;
                }
            }
        }
        for &i in &self.deny {
            mask[i] = false;
        }
        if self.exclude_seen {
            for &i in seen {
                if let Some(m) = mask.get_mut(i as usize) {
                    *m = false;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_combine_allow_then_deny_then_seen() {
        let f = Filter::exclude_seen().allow([0, 1, 2]).deny([1]);
        assert_eq!(
            f.allowed_mask(4, &[2]).unwrap(),
            vec![true, false, false, false]
        );
        // Without exclude_seen the seen item stays.
        let f = Filter::none().allow([0, 1, 2]).deny([1]);
        assert_eq!(
            f.allowed_mask(4, &[2]).unwrap(),
            vec![true, false, true, false]
        );
    }

    #[test]
    fn out_of_catalogue_items_are_errors() {
        let e = Filter::none().allow([4]).check(4).unwrap_err().to_string();
        assert!(
            e.contains("allow-list item 4") && e.contains("4 items"),
            "{e}"
        );
        assert!(Filter::none().allow([3]).check(4).is_ok());
        assert!(Filter::none().deny([4]).allowed_mask(4, &[]).is_err());
    }

    #[test]
    fn excludes_seen_says_what_the_filter_does() {
        assert!(Filter::exclude_seen().excludes_seen());
        assert!(Filter::exclude_seen().allow([1]).deny([2]).excludes_seen());
        assert!(!Filter::none().excludes_seen());
        assert!(!Filter::none().allow([0]).deny([1]).excludes_seen());
    }
}
