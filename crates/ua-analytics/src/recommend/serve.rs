//! [`IdRecommender`]: a fitted recommender that speaks the shop's ids —
//! users and items by their external ids (from `ua_data`'s interaction
//! builder), a chosen policy for users the model has never seen (a clear
//! error, or the most popular items), anonymous users served from the item
//! ids of their session, and one saved file for the model and its ids.

use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ua_data::features::Key;
use ua_data::features::interactions::IdMap;
use ua_tensor::persist::Persist;
use ua_tensor::topk::top_k_masked;

use super::Filter;
use crate::traits::{ItemIndex, Recommender};
use crate::{Error, Result};

/// What [`IdRecommender`] does for a user id it does not know.
///
/// ```
/// use ua_analytics::recommend::UnknownUser;
/// assert_eq!(UnknownUser::default(), UnknownUser::Error);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UnknownUser {
    /// An error that names the id (the default: nothing is guessed silently).
    #[default]
    Error,
    /// The most popular items (most users in training), marked
    /// [`Source::Popular`].
    Popular,
}

/// Where a list of recommendations came from.
///
/// ```
/// use ua_analytics::recommend::Source;
/// assert_ne!(Source::Model, Source::Popular);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// The model, for a user it was trained on.
    Model,
    /// The model, folding in a history given at request time.
    History,
    /// The popularity fallback (unknown user, or a history with no item of
    /// the catalogue).
    Popular,
}

/// Recommended items by id, best first, and how they were made.
///
/// ```
/// use ua_analytics::recommend::{Recommendations, Source};
/// let r = Recommendations { items: vec![("b".to_string(), 0.9)], source: Source::Model, unknown_items: 0 };
/// assert_eq!(r.ids(), ["b"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations<I> {
    /// `(item id, score)`, best first. Popularity scores are user counts.
    pub items: Vec<(I, f32)>,
    /// Model, history fold-in, or popularity fallback.
    pub source: Source,
    /// Items of a given history that are not in the catalogue (left out).
    pub unknown_items: usize,
}

impl<I> Recommendations<I> {
    /// The item ids alone, best first.
    ///
    /// ```
    /// use ua_analytics::recommend::{Recommendations, Source};
    /// let r = Recommendations { items: vec![(7u64, 2.0), (3, 1.0)], source: Source::Popular, unknown_items: 0 };
    /// assert_eq!(r.ids(), [&7, &3]);
    /// ```
    pub fn ids(&self) -> Vec<&I> {
        self.items.iter().map(|(id, _)| id).collect()
    }
}

/// A fitted [`Recommender`] with the id maps of its training data: serves
/// users and items by their external ids.
///
/// The popularity fallback is the number of training users who have each
/// item, taken from the model's own training histories, so it always
/// matches the model's catalogue. [`Persist`] saves the model, both id maps,
/// the counts and the policy in one file (kind `ua-analytics/id-recommender`)
/// and checks at load that they agree.
///
/// ```
/// use ua_analytics::recommend::{Filter, IdRecommender, ItemKnn, Source, UnknownUser};
/// use ua_analytics::RecommenderModel;
/// use ua_data::features::interactions::{InteractionsBuilder, Weighting};
///
/// let users = ["ann", "ann", "bob", "bob", "cy"].map(String::from);
/// let items = ["tea", "cup", "tea", "pot", "tea"].map(String::from);
/// let log = InteractionsBuilder::new(Weighting::Count).build(&users, &items, None).unwrap();
/// let model = ItemKnn::new().fit(&log.matrix).unwrap();
/// let shop = IdRecommender::new(model, log.users, log.items).unwrap()
///     .unknown_users(UnknownUser::Popular);
///
/// let cy = shop.recommend(&"cy".to_string(), 2, &Filter::exclude_seen()).unwrap();
/// assert_eq!(cy.source, Source::Model);
/// assert!(!cy.ids().contains(&&"tea".to_string()));
/// // A new visitor gets the most popular items; tea is bought by all three.
/// let new = shop.recommend(&"dee".to_string(), 1, &Filter::none()).unwrap();
/// assert_eq!((new.source, new.ids()), (Source::Popular, vec![&"tea".to_string()]));
/// // An anonymous session with one known and one unknown item.
/// let session = ["cup", "kettle"].map(String::from);
/// let r = shop.recommend_history(&session, None, 2, &Filter::exclude_seen()).unwrap();
/// assert_eq!((r.source, r.unknown_items), (Source::History, 1));
/// assert_eq!(r.items[0].0, "tea");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(
    serialize = "R: Serialize, U: Serialize + Clone + Eq + Hash, I: Serialize + Clone + Eq + Hash",
    deserialize = "R: Deserialize<'de>, U: Deserialize<'de> + Eq + Hash + Clone + std::fmt::Debug, \
                   I: Deserialize<'de> + Eq + Hash + Clone + std::fmt::Debug"
))]
pub struct IdRecommender<R, U: Eq + Hash = Key, I: Eq + Hash = Key> {
    model: R,
    users: IdMap<U>,
    items: IdMap<I>,
    popularity: Vec<f32>,
    unknown_user: UnknownUser,
}

const OP: &str = "IdRecommender";

impl<R, U, I> IdRecommender<R, U, I>
where
    R: Recommender,
    U: Eq + Hash + Clone + std::fmt::Display,
    I: Eq + Hash + Clone + std::fmt::Display,
{
    /// Wraps `model` with the id maps of the interactions it was fitted
    /// on; unknown users are an error until [`IdRecommender::unknown_users`]
    /// says otherwise.
    ///
    /// Errors: id maps whose lengths differ from the model's users or items.
    ///
    /// ```
    /// use ua_analytics::recommend::{IdRecommender, Popularity};
    /// use ua_analytics::RecommenderModel;
    /// use ua_data::features::interactions::IdMap;
    /// use ua_tensor::sparse::CsrMatrix;
    /// let x = CsrMatrix::from_triplets(1, 2, &[0], &[1], &[1.0f32]).unwrap();
    /// let model = Popularity::new().fit(&x).unwrap();
    /// let users = IdMap::from_ids(vec![10u64]).unwrap();
    /// let e = IdRecommender::new(model, users, IdMap::from_ids(vec![1u64]).unwrap()).unwrap_err();
    /// assert!(e.to_string().contains("1 item ids for a model of 2 items"), "{e}");
    /// ```
    pub fn new(model: R, users: IdMap<U>, items: IdMap<I>) -> Result<Self> {
        check_sizes(&model, users.len(), items.len())?;
        let popularity = item_popularity(&model)?;
        Ok(IdRecommender {
            model,
            users,
            items,
            popularity,
            unknown_user: UnknownUser::Error,
        })
    }

    /// Sets what happens for a user id the model does not know.
    ///
    /// ```
    /// # use ua_analytics::recommend::{IdRecommender, Popularity, UnknownUser};
    /// # use ua_analytics::RecommenderModel;
    /// # use ua_data::features::interactions::IdMap;
    /// # let x = ua_tensor::sparse::CsrMatrix::from_triplets(1, 1, &[0], &[0], &[1.0f32]).unwrap();
    /// # let r = IdRecommender::new(Popularity::new().fit(&x).unwrap(),
    /// #     IdMap::from_ids(vec![1u64]).unwrap(), IdMap::from_ids(vec![5u64]).unwrap()).unwrap();
    /// let r = r.unknown_users(UnknownUser::Popular);
    /// assert_eq!(r.unknown_user_policy(), UnknownUser::Popular);
    /// ```
    pub fn unknown_users(mut self, policy: UnknownUser) -> Self {
        self.unknown_user = policy;
        self
    }

    /// The policy for unknown users.
    pub fn unknown_user_policy(&self) -> UnknownUser {
        self.unknown_user
    }

    /// The wrapped model (dense indices).
    pub fn model(&self) -> &R {
        &self.model
    }

    /// User id ↔ row index.
    pub fn users(&self) -> &IdMap<U> {
        &self.users
    }

    /// Item id ↔ column index.
    pub fn items(&self) -> &IdMap<I> {
        &self.items
    }

    /// The dense indices of item ids, e.g. for [`Filter::allow`] /
    /// [`Filter::deny`]. Errors on the first id not in the catalogue.
    ///
    /// ```
    /// # use ua_analytics::recommend::{IdRecommender, Popularity};
    /// # use ua_analytics::RecommenderModel;
    /// # use ua_data::features::interactions::IdMap;
    /// # let x = ua_tensor::sparse::CsrMatrix::from_triplets(1, 2, &[0], &[0], &[1.0f32]).unwrap();
    /// # let r = IdRecommender::new(Popularity::new().fit(&x).unwrap(),
    /// #     IdMap::from_ids(vec![1u64]).unwrap(), IdMap::from_ids(vec![5u64, 9]).unwrap()).unwrap();
    /// assert_eq!(r.item_indices(&[9, 5]).unwrap(), [1, 0]);
    /// assert!(r.item_indices(&[4]).unwrap_err().to_string().contains("item 4 is not in the catalogue"));
    /// ```
    pub fn item_indices(&self, ids: &[I]) -> Result<Vec<ItemIndex>> {
        ids.iter()
            .map(|id| {
                self.items.index(id).ok_or_else(|| Error::InvalidArgument {
                    op: OP,
                    message: format!(
                        "item {id} is not in the catalogue ({} items)",
                        self.items.len()
                    ),
                })
            })
            .collect()
    }

    /// The `k` best items for the user with id `user`, by id, best first.
    /// An unknown user is an error naming the id, or (with
    /// [`UnknownUser::Popular`]) the most popular items that `filter`
    /// allows.
    pub fn recommend(&self, user: &U, k: usize, filter: &Filter) -> Result<Recommendations<I>> {
        match self.users.index(user) {
            Some(u) => self.named(self.model.recommend(u, k, filter)?, Source::Model, 0),
            None => self.fallback_for(user, k, filter),
        }
    }

    /// [`IdRecommender::recommend`] for many users, in parallel for the
    /// known ones (`Recommender::recommend_batch`), in the order of `users`.
    pub fn recommend_batch(
        &self,
        users: &[U],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Recommendations<I>>> {
        let indices: Vec<Option<usize>> = users.iter().map(|u| self.users.index(u)).collect();
        let known: Vec<usize> = indices.iter().flatten().copied().collect();
        let mut ranked = self.model.recommend_batch(&known, k, filter)?.into_iter();
        users
            .iter()
            .zip(&indices)
            .map(|(user, index)| match index {
                Some(_) => {
                    let items = ranked.next().expect("one list per known user");
                    self.named(items, Source::Model, 0)
                }
                None => self.fallback_for(user, k, filter),
            })
            .collect()
    }

    /// The `k` best items for an anonymous or new user given by the ids of
    /// the items they interacted with (`weights`: one per item, or `None`
    /// for 1 each). Ids not in the catalogue are left out and counted in
    /// [`Recommendations::unknown_items`]; when none is left, the
    /// popularity fallback answers if the policy allows it, else an error.
    pub fn recommend_history(
        &self,
        items: &[I],
        weights: Option<&[f32]>,
        k: usize,
        filter: &Filter,
    ) -> Result<Recommendations<I>> {
        if let Some(w) = weights
            && w.len() != items.len()
        {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!("{} items but {} weights", items.len(), w.len()),
            });
        }
        let (mut known, mut known_weights) = (Vec::new(), Vec::new());
        for (p, id) in items.iter().enumerate() {
            if let Some(i) = self.items.index(id) {
                known.push(i);
                known_weights.push(weights.map_or(1.0, |w| w[p]));
            }
        }
        let unknown = items.len() - known.len();
        if known.is_empty() {
            let mut r = self.fallback(k, filter, || {
                format!(
                    "none of the {} item(s) of the history is in the catalogue; \
                     use UnknownUser::Popular to answer with the most popular items",
                    items.len()
                )
            })?;
            r.unknown_items = unknown;
            return Ok(r);
        }
        let ranked = self
            .model
            .recommend_history(&known, Some(&known_weights), k, filter)?;
        self.named(ranked, Source::History, unknown)
    }

    /// The `k` items most similar to the item with id `item`, by id.
    pub fn similar_items(&self, item: &I, k: usize) -> Result<Vec<(I, f32)>> {
        let index = self.item_indices(std::slice::from_ref(item))?[0];
        self.model
            .similar_items(index, k)?
            .into_iter()
            .map(|(i, s)| Ok((self.item_id(i)?, s)))
            .collect()
    }

    fn fallback_for(&self, user: &U, k: usize, filter: &Filter) -> Result<Recommendations<I>> {
        self.fallback(k, filter, || {
            format!(
                "unknown user {user}: the model knows {} users; use UnknownUser::Popular to \
                 answer new users with the most popular items",
                self.users.len()
            )
        })
    }

    /// The most popular allowed items, or the error `why` under
    /// [`UnknownUser::Error`].
    fn fallback(
        &self,
        k: usize,
        filter: &Filter,
        why: impl FnOnce() -> String,
    ) -> Result<Recommendations<I>> {
        if self.unknown_user == UnknownUser::Error {
            return Err(Error::InvalidArgument {
                op: OP,
                message: why(),
            });
        }
        if k == 0 {
            return Err(crate::error::parameter(
                OP,
                "k",
                "must be at least 1, got 0",
            ));
        }
        let mask = filter.allowed_mask(self.popularity.len(), &[])?;
        let ranked = top_k_masked(&self.popularity, k, |i| !mask[i]);
        self.named(ranked, Source::Popular, 0)
    }

    fn named(
        &self,
        ranked: Vec<(ItemIndex, f32)>,
        source: Source,
        unknown_items: usize,
    ) -> Result<Recommendations<I>> {
        let items = ranked
            .into_iter()
            .map(|(i, s)| Ok((self.item_id(i)?, s)))
            .collect::<Result<_>>()?;
        Ok(Recommendations {
            items,
            source,
            unknown_items,
        })
    }

    fn item_id(&self, index: ItemIndex) -> Result<I> {
        self.items
            .id(index)
            .cloned()
            .ok_or_else(|| Error::InvalidArgument {
                op: OP,
                message: format!(
                    "the model returned item {index}, beyond the {} item ids",
                    self.items.len()
                ),
            })
    }
}

fn check_sizes<R: Recommender>(model: &R, users: usize, items: usize) -> Result<()> {
    for (what, ids, n) in [
        ("user", users, model.n_users()),
        ("item", items, model.n_items()),
    ] {
        if ids != n {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!("{ids} {what} ids for a model of {n} {what}s"),
            });
        }
    }
    Ok(())
}

/// How many training users have each item.
fn item_popularity<R: Recommender>(model: &R) -> Result<Vec<f32>> {
    let mut counts = vec![0.0f32; model.n_items()];
    for u in 0..model.n_users() {
        for &i in model.seen_items(u)? {
            if let Some(c) = counts.get_mut(i as usize) {
                *c += 1.0;
            }
        }
    }
    Ok(counts)
}

impl<R, U, I> Persist for IdRecommender<R, U, I>
where
    R: Recommender + Persist,
    U: Eq + Hash + Clone + std::fmt::Debug + std::fmt::Display + Serialize + DeserializeOwned,
    I: Eq + Hash + Clone + std::fmt::Debug + std::fmt::Display + Serialize + DeserializeOwned,
{
    const KIND: &'static str = "ua-analytics/id-recommender";

    /// The model is valid, the id maps fit it, and the popularity counts are
    /// the model's own.
    fn validate(&self) -> std::result::Result<(), String> {
        self.model.validate()?;
        check_sizes(&self.model, self.users.len(), self.items.len()).map_err(|e| e.to_string())?;
        if item_popularity(&self.model).map_err(|e| e.to_string())? != self.popularity {
            return Err("the popularity counts do not match the model's interactions".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecommenderModel;
    use crate::recommend::{ItemKnn, Popularity};
    use ua_data::features::interactions::{InteractionsBuilder, Weighting};

    /// Two tastes over 6 items; user ids u0..u5, item ids i0..i5; i5 is the
    /// most popular (everyone but u0 has it).
    fn shop() -> IdRecommender<crate::recommend::FittedItemKnn, String, String> {
        let mut users = Vec::new();
        let mut items = Vec::new();
        for u in 0..6 {
            let base = 3 * (u / 3);
            for i in 0..3 {
                if i != u % 3 {
                    users.push(format!("u{u}"));
                    items.push(format!("i{}", base + i));
                }
            }
            if u > 0 && base == 0 {
                users.push(format!("u{u}"));
                items.push("i5".to_string());
            }
        }
        let log = InteractionsBuilder::new(Weighting::Count)
            .build(&users, &items, None)
            .unwrap();
        let model = ItemKnn::new().fit(&log.matrix).unwrap();
        IdRecommender::new(model, log.users, log.items).unwrap()
    }

    #[test]
    fn known_users_are_served_by_id_like_the_model_by_index() {
        let shop = shop();
        for (u, id) in shop.users().ids().iter().enumerate() {
            let by_id = shop.recommend(id, 3, &Filter::exclude_seen()).unwrap();
            let by_index = shop
                .model()
                .recommend(u, 3, &Filter::exclude_seen())
                .unwrap();
            assert_eq!(by_id.source, Source::Model);
            let names: Vec<&String> = by_index
                .iter()
                .map(|&(i, _)| &shop.items().ids()[i])
                .collect();
            assert_eq!(by_id.ids(), names);
            assert_eq!(
                by_id.items.iter().map(|p| p.1).collect::<Vec<_>>(),
                by_index.iter().map(|p| p.1).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn unknown_users_are_an_error_or_the_most_popular_items() {
        let shop = shop();
        let e = shop
            .recommend(&"zed".into(), 2, &Filter::none())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown user zed") && e.contains("UnknownUser::Popular"),
            "{e}"
        );
        let shop = shop.unknown_users(UnknownUser::Popular);
        let r = shop.recommend(&"zed".into(), 2, &Filter::none()).unwrap();
        assert_eq!(r.source, Source::Popular);
        // i5 has 3 users (u1, u2, u5... u3, u4): the most; then the
        // three-user items, ties to the lower index.
        let counts = item_popularity(shop.model()).unwrap();
        let i5 = shop.items().index("i5").unwrap();
        assert!(counts.iter().all(|&c| c <= counts[i5]));
        assert_eq!(r.items[0], ("i5".to_string(), counts[i5]));
        let deny = shop.item_indices(&["i5".to_string()]).unwrap();
        let r = shop
            .recommend(&"zed".into(), 1, &Filter::none().deny(deny))
            .unwrap();
        assert_ne!(r.ids()[0], "i5");
        assert!(shop.recommend(&"zed".into(), 0, &Filter::none()).is_err());
    }

    #[test]
    fn batches_mix_known_and_unknown_users_in_order() {
        let shop = shop().unknown_users(UnknownUser::Popular);
        let ids: Vec<String> = ["u4", "new", "u0", "u4"].map(String::from).to_vec();
        let batch = shop
            .recommend_batch(&ids, 2, &Filter::exclude_seen())
            .unwrap();
        for (id, r) in ids.iter().zip(&batch) {
            assert_eq!(r, &shop.recommend(id, 2, &Filter::exclude_seen()).unwrap());
        }
        assert_eq!(batch[1].source, Source::Popular);
        assert_eq!(batch[2].source, Source::Model);
        let strict = self::shop();
        assert!(strict.recommend_batch(&ids, 2, &Filter::none()).is_err());
    }

    #[test]
    fn histories_leave_out_unknown_items_and_say_how_many() {
        let shop = shop();
        let known = ["i0".to_string(), "i1".to_string()];
        let r = shop
            .recommend_history(&known, None, 2, &Filter::exclude_seen())
            .unwrap();
        assert_eq!((r.source, r.unknown_items), (Source::History, 0));
        let indices = shop.item_indices(&known).unwrap();
        let by_index = shop
            .model()
            .recommend_history(&indices, None, 2, &Filter::exclude_seen())
            .unwrap();
        let names: Vec<&String> = by_index
            .iter()
            .map(|&(i, _)| &shop.items().ids()[i])
            .collect();
        assert_eq!(r.ids(), names);
        let mixed = ["i0", "nope", "i1", "gone"].map(String::from);
        let m = shop
            .recommend_history(
                &mixed,
                Some(&[1.0, 5.0, 1.0, 2.0]),
                2,
                &Filter::exclude_seen(),
            )
            .unwrap();
        assert_eq!((m.items.clone(), m.unknown_items), (r.items, 2));
        let none = ["x", "y"].map(String::from);
        let e = shop
            .recommend_history(&none, None, 1, &Filter::none())
            .unwrap_err()
            .to_string();
        assert!(e.contains("none of the 2 item(s)"), "{e}");
        let p = shop
            .unknown_users(UnknownUser::Popular)
            .recommend_history(&none, None, 1, &Filter::none())
            .unwrap();
        assert_eq!((p.source, p.unknown_items), (Source::Popular, 2));
        assert!(
            self::shop()
                .recommend_history(&known, Some(&[1.0]), 1, &Filter::none())
                .unwrap_err()
                .to_string()
                .contains("2 items but 1 weights")
        );
    }

    #[test]
    fn similar_items_by_id() {
        let shop = shop();
        let s = shop.similar_items(&"i0".into(), 3).unwrap();
        let i0 = shop.items().index("i0").unwrap();
        let by_index = shop.model().similar_items(i0, 3).unwrap();
        assert_eq!(s.len(), 3);
        for ((id, score), (i, expected)) in s.iter().zip(&by_index) {
            assert_eq!((id, score), (&shop.items().ids()[*i], expected));
        }
        let e = shop.similar_items(&"zz".into(), 2).unwrap_err().to_string();
        assert!(e.contains("item zz is not in the catalogue"), "{e}");
    }

    #[test]
    fn saves_and_loads_as_one_file_and_refuses_mismatched_parts() {
        let shop = shop().unknown_users(UnknownUser::Popular);
        let json = shop.to_json().unwrap();
        let back =
            IdRecommender::<crate::recommend::FittedItemKnn, String, String>::from_json(&json)
                .unwrap();
        assert_eq!(back.unknown_user_policy(), UnknownUser::Popular);
        for id in ["u0", "u5", "new"] {
            assert_eq!(
                back.recommend(&id.into(), 3, &Filter::exclude_seen())
                    .unwrap(),
                shop.recommend(&id.into(), 3, &Filter::exclude_seen())
                    .unwrap()
            );
        }
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["model"]["items"].as_array_mut().unwrap().pop();
        let e = IdRecommender::<crate::recommend::FittedItemKnn, String, String>::from_json(
            &v.to_string(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("5 item ids for a model of 6 items"), "{e}");
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["model"]["popularity"][0] = serde_json::json!(9.0);
        let e = IdRecommender::<crate::recommend::FittedItemKnn, String, String>::from_json(
            &v.to_string(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("popularity counts"), "{e}");
        // A popularity model works the same way.
        let x = ua_tensor::sparse::CsrMatrix::from_triplets(1, 1, &[0], &[0], &[1.0f32]).unwrap();
        let users = IdMap::from_ids(vec![1u64]).unwrap();
        let items = IdMap::from_ids(vec![2u64]).unwrap();
        let p = IdRecommender::new(Popularity::new().fit(&x).unwrap(), users, items).unwrap();
        assert_eq!(p.recommend(&1, 1, &Filter::none()).unwrap().ids(), [&2]);
    }

    #[test]
    fn the_id_maps_are_the_ones_given() {
        let shop = shop();
        assert_eq!((shop.users().len(), shop.items().len()), (6, 6));
        for u in 0..6 {
            let id = format!("u{u}");
            let index = shop.users().index(&id).unwrap();
            assert_eq!(shop.users().id(index), Some(&id));
        }
    }
}
