//! # ua-datafusion — user-analytics on Apache DataFusion
//!
//! Scoring, segmentation and feature building of this workspace inside the
//! DataFusion query engine, so they run over Parquet files larger than
//! memory, multi-threaded, next to the rest of a team's SQL.
//!
//! * [`register`] adds the scalar UDFs to a `SessionContext`:
//!   * `ua_score(model, c1, …, cn)` → `FLOAT` — the score of a saved
//!     pipeline (preprocessing + model, one file: what `predict --save` and
//!     `Pipeline::fit` + `save` write) for each row: P(y = 1) for a
//!     classifier pipeline (logistic regression, MLP), the risk (higher =
//!     riskier) for a detector pipeline (isolation forest, autoencoder). The
//!     arguments after the model are the model's input columns in the order
//!     of its saved input schema ([`LoadedModel::input_columns`];
//!     [`score_expr`] builds the call for you). The scores are those of the
//!     in-process model's `predict_proba` / `risk_score` on the same rows.
//!   * `ua_kmeans_assign(model, x1, …, xd)` → `INT UNSIGNED` — the segment
//!     of a saved k-means (f32 or f64, full or mini-batch) for each row;
//!     the arguments are its `d` features in training order.
//!
//!   The model is a string (or binary) literal holding the saved JSON
//!   envelope. It is read once, at planning time, and cached per content
//!   (hash + bytes) for the process ([`model::cached`]); the planner already rejects a literal that is not a
//!   model, a kind the function does not read, a wrong number of columns
//!   and a column type a table cannot hold, naming the columns. The UDFs
//!   are vectorised: each call converts the batch's Arrow arrays into a
//!   `ua_data::Table` (nulls are missing values, which the pipeline's
//!   imputer fills) and scores the whole batch at once.
//! * [`register`] also adds the aggregate UDF `ua_kmeans_step(centres,
//!   x1, …, xd)` → `STRING` (JSON): one k-means Lloyd step over all rows
//!   of a query, with mergeable per-partition sums, so a k-means trains
//!   over data that does not fit in memory; [`train::kmeans_fit`] runs one
//!   such query per iteration until the centres stop moving (see [`train`]);
//!   and `ua_logreg_grad(weights, y, x1, …, xd)` → `STRING` (JSON): the
//!   summed log-loss gradient and loss of a logistic regression, with
//!   [`train::logreg::logreg_fit`] doing full-batch gradient descent, one
//!   query per epoch.
//! * [`rfm`]: the RFM feature builder of `ua_data::features::rfm` as a
//!   query over any registered table (a hive-partitioned Parquet log), the
//!   same numbers as the in-memory builder.
//! * [`collect_table`]: a query's result as a `ua_data::Table`.
//!
//! Errors are `DataFusionError`s (what the engine surfaces): `Plan` for a
//! bad call found while planning, `Execution` for a bad value found while
//! running (its row is counted within the batch).
//!
//! ```
//! use datafusion::prelude::*;
//! use ua_analytics::ndarray::array;
//! use ua_analytics::segmentation::KMeans;
//! use ua_tensor::persist::Persist;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let x = array![[0.0f64, 0.0], [0.2, 0.1], [9.0, 9.0], [9.2, 8.9]];
//! let km = KMeans::new(2).seed(3).fit(x.view()).unwrap();
//!
//! let ctx = SessionContext::new();
//! ua_datafusion::register(&ctx);
//! ctx.sql("CREATE TABLE users (a DOUBLE, b DOUBLE) AS VALUES (0.1, 0.0), (9.1, 9.1)").await.unwrap();
//! let sql = format!("SELECT ua_kmeans_assign('{}', a, b) AS segment FROM users", km.to_json().unwrap());
//! let t = ua_datafusion::collect_table(ctx.sql(&sql).await.unwrap()).await.unwrap();
//! let own = km.predict(array![[0.1, 0.0], [9.1, 9.1]].view()).unwrap();
//! assert_eq!(t.numeric("segment").unwrap().values(), &[own[0] as f64, own[1] as f64]);
//!
//! // A literal that is not a model is refused while planning.
//! let err = ctx.sql("SELECT ua_score('{}', a) FROM users").await.unwrap_err();
//! assert!(err.to_string().contains("ua_score: the model literal is not a user-analytics model"), "{err}");
//! # });
//! ```
//!
//! ## Modules
//!
//! | module | what |
//! | --- | --- |
//! | [`model`] | saved models as the UDFs read them: the kinds, [`LoadedModel`] |
//! | [`udf`] | the scalar UDFs `ua_score` and `ua_kmeans_assign` |
//! | [`train`] | training as aggregate queries: `ua_kmeans_step` and the driver [`train::kmeans_fit`]; `ua_logreg_grad` and [`train::logreg::logreg_fit`] |
//! | [`rfm`] | RFM features as a DataFusion query, with the in-memory builder's checks and report |
//!
//! ## Versions
//!
//! DataFusion 55.2 with Arrow/Parquet 59 (the major `ua-data`'s `parquet`
//! feature uses: one Arrow in the tree). This crate is not a member of the
//! main workspace: `cargo test --manifest-path crates/ua-datafusion/Cargo.toml`.
#![warn(missing_docs)]

pub mod model;
pub mod rfm;
pub mod train;
pub mod udf;

use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{AggregateUDF, Expr, ScalarUDF};
use datafusion::prelude::{DataFrame, SessionContext, ident, lit};
use ua_data::Table;
use ua_data::arrow_io::from_record_batch;

pub use model::LoadedModel;
pub use train::{KMeansFit, KMeansStepUdf, kmeans_fit};
pub use udf::{KMeansAssignUdf, ScoreUdf};

/// The UDFs of this crate (`ua_score`, `ua_kmeans_assign`) — to register
/// on a context, or on a Ballista executor. They read models through one
/// process-wide cache ([`model::cached`]).
///
/// ```
/// let names: Vec<String> = ua_datafusion::udfs().iter().map(|f| f.name().to_string()).collect();
/// assert_eq!(names, ["ua_score", "ua_kmeans_assign"]);
/// ```
pub fn udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(ScoreUdf::new()),
        ScalarUDF::from(KMeansAssignUdf::new()),
    ]
}

/// The aggregate UDFs of this crate (`ua_kmeans_step`, `ua_logreg_grad`,
/// see [`train`]) — to register on a context, or on a Ballista executor.
///
/// ```
/// let names: Vec<String> = ua_datafusion::udafs().iter().map(|f| f.name().to_string()).collect();
/// assert_eq!(names, ["ua_kmeans_step", "ua_logreg_grad"]);
/// ```
pub fn udafs() -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::from(train::KMeansStepUdf::new()),
        AggregateUDF::from(train::logreg::LogRegGradUdf::new()),
    ]
}

/// Adds every UDF of this crate to `ctx` (see [`udfs`] and [`udafs`]).
///
/// ```
/// use datafusion::execution::FunctionRegistry;
/// let ctx = datafusion::prelude::SessionContext::new();
/// ua_datafusion::register(&ctx);
/// assert!(ctx.udf("ua_score").is_ok());
/// assert!(ctx.udf("ua_kmeans_assign").is_ok());
/// assert!(ctx.udaf("ua_kmeans_step").is_ok());
/// assert!(ctx.udaf("ua_logreg_grad").is_ok());
/// ```
pub fn register(ctx: &SessionContext) {
    for f in udfs() {
        ctx.register_udf(f);
    }
    for f in udafs() {
        ctx.register_udaf(f);
    }
}

/// The expression `ua_score(model, c1, …, cn)` with the model's input
/// columns (as named in its saved schema) as arguments, for the DataFrame
/// API: `df.select(vec![col("user_id"), score_expr(&json)?.alias("score")])`.
///
/// Errors: the JSON is not a model `ua_score` reads.
///
/// ```
/// let err = ua_datafusion::score_expr("not json").unwrap_err();
/// assert!(err.to_string().contains("not a user-analytics model"), "{err}");
/// ```
pub fn score_expr(model_json: &str) -> Result<Expr> {
    let model = LoadedModel::from_json(model_json)?;
    if !model.is_scorer() {
        return Err(DataFusionError::Plan(format!(
            "score_expr: the model is a {}; ua_score reads pipelines ({})",
            model.kind(),
            model::SCORE_KINDS.join(", ")
        )));
    }
    let mut args = vec![lit(model_json)];
    args.extend(model.input_columns().iter().map(|(name, _)| ident(name)));
    Ok(ScalarUDF::from(ScoreUdf::new()).call(args))
}

/// Runs a query and returns its result as one `ua_data::Table` (Arrow types
/// mapped as `ua_data::arrow_io` does; a `UInt32` segment becomes numeric).
///
/// See the [crate docs](crate) for an example.
pub async fn collect_table(df: DataFrame) -> Result<Table> {
    let schema = df.schema().as_arrow().clone();
    let batches = df.collect().await?;
    let batch = datafusion::arrow::compute::concat_batches(&std::sync::Arc::new(schema), &batches)?;
    from_record_batch(&batch).map_err(|e| DataFusionError::Execution(format!("collect_table: {e}")))
}
