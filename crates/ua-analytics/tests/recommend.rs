//! Recommenders on the synthetic shop, whose users choose items by a planted
//! taste (`ua_data::synth`): every learned model must beat popularity
//! clearly on held-out interactions, and every model passes the shared
//! estimator checks.

use ua_analytics::RecommenderModel;
use ua_analytics::recommend::{
    AlsSolver, Bpr, Ease, ImplicitAls, InteractionWeighting, ItemKnn, Popularity,
    RecommendationReport, Rp3Beta, TwoTower, TwoTowerLoss, evaluate,
};
use ua_analytics::testkit::check_recommender;
use ua_data::features::interaction_split::{HoldoutRule, split_interactions};
use ua_data::features::interactions::{InteractionsBuilder, Weighting};
use ua_data::synth::{ShopConfig, generate};
use ua_tensor::sparse::CsrMatrix;

/// Train and test matrices of the small synthetic shop: all events, each
/// user's most recent 20 % held out (users with ≥ 5 events).
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

#[test]
fn learned_models_beat_popularity_on_planted_tastes() {
    let (train, test) = shop_split();
    let base = ndcg(&Popularity::new(), &train, &test);
    assert!(base.ranking.users_evaluated > 200, "{base:?}");
    let models: Vec<(&str, RecommendationReport)> = vec![
        ("item-kNN", ndcg(&ItemKnn::new(), &train, &test)),
        (
            "item-kNN BM25",
            ndcg(
                &ItemKnn::new().weighting(InteractionWeighting::bm25()),
                &train,
                &test,
            ),
        ),
        ("RP3beta", ndcg(&Rp3Beta::new(), &train, &test)),
        ("EASE", ndcg(&Ease::new().lambda(50.0), &train, &test)),
        ("ALS", ndcg(&ImplicitAls::new().factors(16), &train, &test)),
        (
            "BPR",
            ndcg(&Bpr::new().factors(16).learning_rate(0.05), &train, &test),
        ),
    ];
    for (name, r) in &models {
        assert!(
            r.ranking.ndcg > 1.8 * base.ranking.ndcg,
            "{name}: NDCG@10 {:.4} vs popularity {:.4}",
            r.ranking.ndcg,
            base.ranking.ndcg
        );
        assert!(
            r.coverage > base.coverage,
            "{name}: coverage {} vs {}",
            r.coverage,
            base.coverage
        );
    }
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
fn every_recommender_passes_the_estimator_checks() {
    let x = small();
    check_recommender(&Popularity::new(), &x).unwrap();
    check_recommender(&ItemKnn::new(), &x).unwrap();
    check_recommender(&ItemKnn::new().alpha(0.8).shrink(2.0), &x).unwrap();
    check_recommender(&ItemKnn::new().weighting(InteractionWeighting::TfIdf), &x).unwrap();
    check_recommender(&Rp3Beta::new().neighbours(3), &x).unwrap();
    check_recommender(&Ease::new().lambda(2.0), &x).unwrap();
    check_recommender(&ImplicitAls::new().factors(3), &x).unwrap();
    check_recommender(
        &ImplicitAls::new().factors(3).solver(AlsSolver::Cholesky),
        &x,
    )
    .unwrap();
}

#[test]
fn tuning_picks_the_better_candidate_on_a_validation_split_of_training_rows() {
    use ua_analytics::recommend::{LogRows, tune};
    let shop = generate(&ShopConfig::small()).unwrap();
    let e = &shop.events;
    let rule = HoldoutRule::temporal(0.2, 5);
    let split = split_interactions(&e.user_id, &e.item_id, Some(&e.timestamp), &rule).unwrap();
    let pick = |v: &[u64]| split.train.iter().map(|&r| v[r]).collect::<Vec<u64>>();
    let (users, items) = (pick(&e.user_id), pick(&e.item_id));
    let times: Vec<i64> = split.train.iter().map(|&r| e.timestamp[r]).collect();
    let log = LogRows {
        users: &users,
        items: &items,
        times: Some(&times),
        weights: None,
    };
    let train = log
        .select(&(0..users.len()).collect::<Vec<_>>(), None)
        .unwrap();
    // One neighbour per item is far too few on this shop.
    let grid = [ItemKnn::new().neighbours(1), ItemKnn::new().neighbours(100)];
    let (fitted, report) = tune(&grid, &log, &train, &rule, 10).unwrap();
    assert_eq!(report.best, grid[1], "{:?}", report.trials);
    assert!(report.trials[1].1.ranking.ndcg > report.trials[0].1.ranking.ndcg);
    assert_eq!(
        report.inner_train_rows + report.validation_rows,
        users.len()
    );
    // The refit saw all training rows: its history is the full matrix.
    assert_eq!(ItemKnn::params_of(&fitted), grid[1]);
    use ua_analytics::Recommender;
    assert_eq!(fitted.n_users(), train.matrix.n_rows());
    let u = (0..train.matrix.n_rows())
        .find(|&u| train.matrix.row_nnz(u).unwrap_or(0) > 1)
        .unwrap();
    assert_eq!(
        fitted.seen_items(u).unwrap(),
        train.matrix.row(u).unwrap().0
    );
}

/// The two-tower parameters used on the shop (small enough for a debug-mode test).
fn shop_model() -> TwoTower {
    TwoTower::new()
        .dim(16)
        .hidden(32)
        .epochs(10)
        .batch_size(128)
}

#[test]
fn the_two_tower_model_beats_popularity_clearly_on_planted_tastes() {
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
