//! The neural two-tower recommender on the synthetic shop, whose users
//! choose items by a planted taste: it must beat popularity clearly on
//! held-out interactions, serve a user's own history exactly like the user,
//! and repeat itself for a seed. (The shared estimator checks run in the
//! module's unit tests: the facade does not enable `ua-analytics/testkit`.)

use user_analytics::analytics::recommend::{
    Filter, FittedTwoTower, Popularity, RecommendationReport, TwoTower, TwoTowerLoss, evaluate,
};
use user_analytics::analytics::{Recommender, RecommenderModel};
use user_analytics::data::features::interaction_split::{HoldoutRule, split_interactions};
use user_analytics::data::features::interactions::{InteractionsBuilder, Weighting};
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::tensor::persist::Persist;
use user_analytics::tensor::sparse::CsrMatrix;

/// Train and test matrices of the small synthetic shop: all events, each
/// user's most recent 20 % held out (users with ≥ 5 events) — the recipe of
/// `crates/ua-analytics/tests/recommend.rs`.
fn shop_split() -> (CsrMatrix<f32>, CsrMatrix<f32>) {
    let shop = generate(&ShopConfig::small()).unwrap();
    let e = &shop.events;
    let split = split_interactions(
        &e.user_id,
        &e.item_id,
        Some(&e.timestamp),
        &HoldoutRule::temporal(0.2, 5),
    )
    .unwrap();
    let pick = |rows: &[usize], v: &[u64]| rows.iter().map(|&r| v[r]).collect::<Vec<u64>>();
    let train = InteractionsBuilder::new(Weighting::Count)
        .build(
            &pick(&split.train, &e.user_id),
            &pick(&split.train, &e.item_id),
            None,
        )
        .unwrap();
    let test = InteractionsBuilder::new(Weighting::Count)
        .with_users(train.users.clone())
        .with_items(train.items.clone())
        .build(
            &pick(&split.test, &e.user_id),
            &pick(&split.test, &e.item_id),
            None,
        )
        .unwrap();
    (train.matrix, test.matrix)
}

fn ndcg<M: RecommenderModel>(
    model: &M,
    train: &CsrMatrix<f32>,
    test: &CsrMatrix<f32>,
) -> RecommendationReport {
    let fitted = model.fit(train).unwrap();
    evaluate(&fitted, test, 10).unwrap()
}

/// The parameters used on the shop (small enough for a debug-mode test).
fn shop_model() -> TwoTower {
    TwoTower::new()
        .dim(16)
        .hidden(32)
        .epochs(10)
        .batch_size(128)
}

#[test]
fn beats_popularity_clearly_on_planted_tastes() {
    let (train, test) = shop_split();
    let base = ndcg(&Popularity::new(), &train, &test);
    let tt = ndcg(&shop_model(), &train, &test);
    assert!(tt.ranking.users_evaluated > 200, "{tt:?}");
    assert_eq!(tt.ranking.users_evaluated, base.ranking.users_evaluated);
    assert!(
        tt.ranking.ndcg > 1.8 * base.ranking.ndcg,
        "two-tower NDCG@10 {:.4} vs popularity {:.4}",
        tt.ranking.ndcg,
        base.ranking.ndcg
    );
    assert!(
        tt.coverage > base.coverage,
        "{} vs {}",
        tt.coverage,
        base.coverage
    );
    // The default loss is the one that measured better here.
    let bpr = ndcg(&shop_model().loss(TwoTowerLoss::Bpr), &train, &test);
    assert!(
        tt.ranking.ndcg > bpr.ranking.ndcg,
        "softmax {:.4} vs BPR {:.4}",
        tt.ranking.ndcg,
        bpr.ranking.ndcg
    );
}

fn small() -> CsrMatrix<f32> {
    // 6 users × 8 items with overlapping histories; user 5 has none.
    let pairs = [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 4),
        (2, 5),
        (3, 5),
        (3, 6),
        (3, 7),
        (4, 0),
        (4, 7),
        (4, 3),
    ];
    let (u, i): (Vec<usize>, Vec<usize>) = pairs.iter().copied().unzip();
    let w: Vec<f32> = (0..pairs.len()).map(|p| 1.0 + (p % 3) as f32).collect();
    CsrMatrix::from_triplets(6, 8, &u, &i, &w).unwrap()
}

#[test]
fn a_users_history_ranks_like_the_user_and_a_seed_repeats() {
    let x = small();
    let m = TwoTower::new().dim(4).hidden(8).epochs(20).batch_size(4);
    let a = m.fit(&x).unwrap();
    for u in 0..5 {
        let (items, weights) = x.row(u).unwrap();
        let items: Vec<usize> = items.iter().map(|&i| i as usize).collect();
        let by_user = a.recommend(u, 8, &Filter::exclude_seen()).unwrap();
        let by_history = a
            .recommend_history(&items, Some(weights), 8, &Filter::exclude_seen())
            .unwrap();
        assert_eq!(by_user, by_history, "user {u}");
    }
    // Same seed → the same model, another seed → another one.
    let b = m.fit(&x).unwrap();
    assert_eq!(a.item_vectors(), b.item_vectors());
    assert_eq!(a.to_json().unwrap(), b.to_json().unwrap());
    let c = m.seed(7).fit(&x).unwrap();
    assert_ne!(a.item_vectors(), c.item_vectors());
    // A saved model serves the same scores.
    let back = FittedTwoTower::from_json(&a.to_json().unwrap()).unwrap();
    let (mut s1, mut s2) = (vec![0.0; 8], vec![0.0; 8]);
    a.score_user(3, &mut s1).unwrap();
    back.score_user(3, &mut s2).unwrap();
    assert_eq!(s1, s2);
    // The user without history gets the tower's answer to an empty history.
    let mut empty = vec![0.0; 8];
    a.score_history(&[], &[], &mut empty).unwrap();
    a.score_user(5, &mut s1).unwrap();
    assert_eq!(s1, empty);
}

#[test]
fn bad_parameters_name_the_parameter() {
    let x = small();
    for (m, name) in [
        (TwoTower::new().dim(0), "dim"),
        (TwoTower::new().epochs(0), "epochs"),
        (TwoTower::new().learning_rate(0.0), "learning_rate"),
        (TwoTower::new().learning_rate(f32::NAN), "learning_rate"),
        (TwoTower::new().batch_size(0), "batch_size"),
        (TwoTower::new().temperature(0.0), "temperature"),
    ] {
        let e = m.fit(&x).unwrap_err().to_string();
        assert!(e.contains(name), "{name}: {e}");
    }
    let e = TwoTower::new()
        .fit(&CsrMatrix::zeros(3, 3).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no interactions"), "{e}");
}
