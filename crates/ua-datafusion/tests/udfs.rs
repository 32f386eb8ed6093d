//! `ua_score` and `ua_kmeans_assign` against the in-process models, on a
//! synthetic shop's users read from Parquet.

use std::collections::HashMap;
use std::path::PathBuf;

use datafusion::prelude::*;
use ua_analytics::Predictor;
use ua_analytics::RiskScorer;
use ua_analytics::ndarray::Array2;
use ua_analytics::pipeline::Pipeline;
use ua_analytics::prediction::{LogisticRegression, MlpClassifier};
use ua_analytics::risk::IsolationForest;
use ua_analytics::segmentation::KMeans;
use ua_data::arrow_io::{ParquetWriteOptions, write_parquet};
use ua_data::pipeline::ColumnTransformer;
use ua_data::synth::{ShopConfig, generate};
use ua_data::{Column, Table};
use ua_datafusion::{LoadedModel, collect_table, register, score_expr};
use ua_tensor::persist::Persist;

/// A temp dir removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("ua_df_{}_{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Users with numeric, categorical (with missing values), boolean and date
/// columns, and a label from the shop's hidden purchase propensity.
fn users() -> (Table, Vec<u8>) {
    let shop = generate(&ShopConfig::small()).unwrap();
    let u = shop.users_table().unwrap();
    let n = u.n_rows();
    let tier = u.numeric("city_tier").unwrap();
    let city: Vec<Option<String>> = (0..n)
        .map(|i| (i % 11 != 3).then(|| format!("tier_{}", tier.get(i).unwrap())))
        .collect();
    let income = u.numeric("income").unwrap();
    let income: Vec<Option<f64>> = (0..n)
        .map(|i| (i % 13 != 5).then(|| income.get(i).unwrap()))
        .collect();
    let t = Table::new(vec![
        ("user_id".into(), u.column("user_id").unwrap().clone()),
        ("age".into(), u.column("age").unwrap().clone()),
        ("income".into(), Column::numeric_opt(income)),
        ("city".into(), Column::categorical_opt(&city)),
        ("fraud_flag".into(), u.column("is_fraud").unwrap().clone()),
        (
            "signup_date".into(),
            u.column("signup_date").unwrap().clone(),
        ),
    ])
    .unwrap();
    let p = u.numeric("hidden_purchase_prob").unwrap().values().to_vec();
    let mut sorted = p.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[n / 2];
    let y = p.iter().map(|&v| u8::from(v > median)).collect();
    (t, y)
}

/// A context with the UDFs and the users registered from a Parquet file.
async fn context(dir: &TempDir, users: &Table) -> SessionContext {
    let path = dir.0.join("users.parquet");
    write_parquet(
        users,
        &path,
        &ParquetWriteOptions::default().row_group_rows(64),
    )
    .unwrap();
    let ctx = SessionContext::new();
    register(&ctx);
    ctx.register_parquet(
        "users",
        path.to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .unwrap();
    ctx
}

/// Scores by user id, from a query returning `user_id, score`.
async fn scores_by_user(ctx: &SessionContext, df: DataFrame) -> HashMap<u64, f64> {
    let _ = ctx;
    let t = collect_table(df).await.unwrap();
    let ids = t.numeric("user_id").unwrap();
    let s = t.numeric("score").unwrap();
    (0..t.n_rows())
        .map(|i| (ids.get(i).unwrap() as u64, s.get(i).unwrap()))
        .collect()
}

fn assert_same_scores(table: &Table, own: &[f32], got: &HashMap<u64, f64>) {
    assert_eq!(got.len(), table.n_rows());
    let ids = table.numeric("user_id").unwrap();
    for (i, &p) in own.iter().enumerate() {
        let id = ids.get(i).unwrap() as u64;
        // Float32 from the UDF, read back as f64: exactly the model's f32.
        assert_eq!(got[&id], f64::from(p), "user {id}");
    }
}

#[tokio::test]
async fn ua_score_equals_predict_proba_of_the_logistic_and_mlp_pipelines() {
    let (t, y) = users();
    let dir = TempDir::new("score");
    let ctx = context(&dir, &t).await;

    let prep = ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();
    let logistic = Pipeline::new(prep.clone(), LogisticRegression::new())
        .id_column("user_id")
        .fit(&t, &y)
        .unwrap();
    let mlp = Pipeline::new(
        prep,
        MlpClassifier::new()
            .hidden(&[8])
            .epochs(5)
            .seed(4)
            .early_stopping(None),
    )
    .id_column("user_id")
    .fit(&t, &y)
    .unwrap();

    // SQL with the model literal, columns in the saved schema's order.
    let json = logistic.to_json().unwrap();
    let model = LoadedModel::from_json(&json).unwrap();
    let cols: Vec<String> = model.input_columns().into_iter().map(|c| c.0).collect();
    assert_eq!(cols, ["age", "income", "city", "fraud_flag", "signup_date"]);
    let sql = format!(
        "SELECT user_id, ua_score('{json}', {}) AS score FROM users",
        cols.join(", ")
    );
    let got = scores_by_user(&ctx, ctx.sql(&sql).await.unwrap()).await;
    let own = logistic.predict_proba(&t).unwrap();
    assert_same_scores(&t, own.as_slice().unwrap(), &got);
    assert!(own.iter().any(|&p| p > 0.5) && own.iter().any(|&p| p < 0.5));

    // The DataFrame API with score_expr, the MLP.
    let json = mlp.to_json().unwrap();
    let df = ctx
        .table("users")
        .await
        .unwrap()
        .select(vec![
            col("user_id"),
            score_expr(&json).unwrap().alias("score"),
        ])
        .unwrap();
    let got = scores_by_user(&ctx, df).await;
    let own = mlp.predict_proba(&t).unwrap();
    assert_same_scores(&t, own.as_slice().unwrap(), &got);
}

#[tokio::test]
async fn ua_score_of_a_detector_pipeline_is_its_risk_score() {
    let (t, _) = users();
    let dir = TempDir::new("risk");
    let ctx = context(&dir, &t).await;
    let prep = ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();
    let forest = Pipeline::new(prep, IsolationForest::new().seed(5))
        .id_column("user_id")
        .fit_unsupervised(&t)
        .unwrap();
    let df = ctx
        .table("users")
        .await
        .unwrap()
        .select(vec![
            col("user_id"),
            score_expr(&forest.to_json().unwrap())
                .unwrap()
                .alias("score"),
        ])
        .unwrap();
    let got = scores_by_user(&ctx, df).await;
    let own = forest.risk_score(&t).unwrap();
    assert_same_scores(&t, own.as_slice().unwrap(), &got);
}

#[tokio::test]
async fn ua_kmeans_assign_equals_the_fitted_kmeans_assignments() {
    let (t, _) = users();
    let dir = TempDir::new("kmeans");
    let ctx = context(&dir, &t).await;
    let n = t.n_rows();
    let age = t.numeric("age").unwrap();
    let mut x = Array2::<f64>::zeros((n, 2));
    for i in 0..n {
        x[[i, 0]] = age.get(i).unwrap();
        x[[i, 1]] = t.numeric("user_id").unwrap().get(i).unwrap() % 17.0;
    }
    for (k, json, labels) in [
        {
            let m = KMeans::new(4).seed(2).fit(x.view()).unwrap();
            (4, m.to_json().unwrap(), m.labels().to_vec())
        },
        {
            let m = KMeans::new(3)
                .seed(2)
                .fit(x.mapv(|v| v as f32).view())
                .unwrap();
            (3, m.to_json().unwrap(), m.labels().to_vec())
        },
    ] {
        let sql = format!(
            "SELECT user_id, ua_kmeans_assign('{json}', age, user_id % 17) AS segment FROM users"
        );
        let got = collect_table(ctx.sql(&sql).await.unwrap()).await.unwrap();
        let by_user: HashMap<u64, f64> = (0..n)
            .map(|i| {
                (
                    got.numeric("user_id").unwrap().get(i).unwrap() as u64,
                    got.numeric("segment").unwrap().get(i).unwrap(),
                )
            })
            .collect();
        let ids = t.numeric("user_id").unwrap();
        let mut seen = vec![false; k];
        for i in 0..n {
            let s = by_user[&(ids.get(i).unwrap() as u64)];
            assert_eq!(s, labels[i] as f64, "row {i}");
            seen[labels[i]] = true;
        }
        assert!(seen.iter().all(|&s| s), "every segment used");
    }
}

#[tokio::test]
async fn a_model_is_parsed_once_per_content() {
    let (t, y) = users();
    let dir = TempDir::new("cache");
    let ctx = context(&dir, &t).await;
    let prep = ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();
    let m = Pipeline::new(prep, LogisticRegression::new())
        .id_column("user_id")
        .fit(&t, &y)
        .unwrap();
    let expr = || score_expr(&m.to_json().unwrap()).unwrap().alias("score");
    for _ in 0..3 {
        let df = ctx
            .table("users")
            .await
            .unwrap()
            .select(vec![col("user_id"), expr()])
            .unwrap();
        assert_eq!(collect_table(df).await.unwrap().n_rows(), t.n_rows());
    }
    // Every batch (row groups of 64 rows) and every query got the one
    // parsed model.
    let json = m.to_json().unwrap();
    let a = ua_datafusion::model::cached(&json).unwrap();
    let b = ua_datafusion::model::cached(&json).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    // Another content is another model.
    let other = ua_datafusion::model::cached(&json.replacen("\"model\"", "\"model\" ", 1)).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&a, &other));
}

async fn plan_error(ctx: &SessionContext, sql: &str) -> String {
    match ctx.sql(sql).await {
        Err(e) => e.to_string(),
        Ok(df) => df.collect().await.unwrap_err().to_string(),
    }
}

#[tokio::test]
async fn bad_calls_are_clear_errors_naming_the_columns() {
    let (t, y) = users();
    let dir = TempDir::new("bad");
    let ctx = context(&dir, &t).await;
    let prep = ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();
    let m = Pipeline::new(prep, LogisticRegression::new())
        .id_column("user_id")
        .fit(&t, &y)
        .unwrap();
    let json = m.to_json().unwrap();

    // Not a model.
    let e = plan_error(&ctx, "SELECT ua_score('{\"a\": 1}', age) FROM users").await;
    assert!(
        e.contains("ua_score: the model literal is not a user-analytics model"),
        "{e}"
    );
    // A model column instead of a literal.
    let e = plan_error(&ctx, "SELECT ua_score(city, age) FROM users").await;
    assert!(e.contains("the first argument must be a literal"), "{e}");
    // NULL.
    let e = plan_error(&ctx, "SELECT ua_score(NULL, age) FROM users").await;
    assert!(e.contains("the model literal is NULL"), "{e}");
    // Too few columns: the message lists what the model reads and what came.
    let e = plan_error(
        &ctx,
        &format!("SELECT ua_score('{json}', age, income) FROM users"),
    )
    .await;
    assert!(e.contains("reads 5 column(s): age (numeric), income (numeric), city (categorical), fraud_flag (boolean), signup_date (date)"), "{e}");
    assert!(
        e.contains("the call passes 2 after the model: age, income"),
        "{e}"
    );
    // A column of a type a table cannot hold.
    let e = plan_error(
        &ctx,
        &format!("SELECT ua_score('{json}', age, income, city, fraud_flag, X'01') FROM users"),
    )
    .await;
    assert!(e.contains("argument 6"), "{e}");
    assert!(e.contains("for the model's column `signup_date`"), "{e}");
    assert!(e.contains("a ua-data table cannot hold"), "{e}");
    // A value the model cannot read: a text where the model had a date.
    let e = plan_error(
        &ctx,
        &format!("SELECT ua_score('{json}', age, income, city, fraud_flag, city) FROM users"),
    )
    .await;
    assert!(e.contains("signup_date"), "{e}");
    assert!(e.contains("categorical"), "{e}");
    // The wrong UDF for the kind.
    let e = plan_error(
        &ctx,
        &format!("SELECT ua_kmeans_assign('{json}', age) FROM users"),
    )
    .await;
    assert!(
        e.contains("ua_kmeans_assign: the model is a ua-analytics/pipeline"),
        "{e}"
    );
    let km = KMeans::new(2)
        .seed(1)
        .fit(
            Array2::from_shape_vec((4, 1), vec![0.0f64, 1.0, 10.0, 11.0])
                .unwrap()
                .view(),
        )
        .unwrap()
        .to_json()
        .unwrap();
    let e = plan_error(&ctx, &format!("SELECT ua_score('{km}', age) FROM users")).await;
    assert!(
        e.contains("ua_score: the model is a ua-analytics/kmeans-f64"),
        "{e}"
    );
    // k-means: a text column, and missing values.
    let e = plan_error(
        &ctx,
        &format!("SELECT ua_kmeans_assign('{km}', city) FROM users"),
    )
    .await;
    assert!(e.contains("argument 2 (`city`"), "{e}");
    assert!(e.contains("is not numeric"), "{e}");
    let e = plan_error(
        &ctx,
        &format!("SELECT ua_kmeans_assign('{km}', income) FROM users"),
    )
    .await;
    assert!(e.contains("argument 2 (`income`) is NULL at row"), "{e}");
    assert!(e.contains("COALESCE"), "{e}");
    // Another kind entirely.
    let e = LoadedModel::from_json(
        "{\"format\": \"user-analytics\", \"kind\": \"ua-analytics/als\", \"format_version\": 1, \"crate_version\": \"0\", \"model\": {}}",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("holds a `ua-analytics/als` model"), "{e}");
    assert!(
        e.contains("ua-analytics/pipeline, ua-analytics/detector-pipeline"),
        "{e}"
    );
}
