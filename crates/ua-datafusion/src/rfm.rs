//! The RFM feature builder of `ua_data::features::rfm` as a DataFusion
//! query, over any registered table (a hive-partitioned Parquet event or
//! order log, a CSV, a memory table).
//!
//! [`rfm_features`] first runs one aggregate pass that checks the log as
//! `RfmFeatures::from_table` does (no missing customer, day or amount, no
//! negative or non-finite amount, cut-offs inside the data) and counts the
//! [`RfmReport`]; then it returns the feature query as a [`DataFrame`]
//! (lazy: nothing is computed until it is collected or written), with the
//! columns and the definitions of `RfmFeatures::to_table`, customers
//! sorted by id. [`rfm_sql`] is the feature query alone, to read or to run
//! elsewhere (Ballista, another DataFusion service).

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::{DataFrame, SessionContext};
use ua_data::date::format_date;
use ua_data::features::rfm::{RfmConfig, RfmReport};

/// Which columns of the log hold what.
///
/// ```
/// let c = ua_datafusion::rfm::RfmColumns::new("user_id", "date", "amount").quantity("quantity");
/// assert_eq!(c.quantity.as_deref(), Some("quantity"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfmColumns {
    /// Customer id (numbers or text).
    pub customer: String,
    /// Day of the transaction: a date (`Date32`/`Date64`) or whole days
    /// since 1970-01-01.
    pub day: String,
    /// Amount (numeric, ≥ 0).
    pub amount: String,
    /// Optional quantity (numeric, ≥ 0).
    pub quantity: Option<String>,
}

impl RfmColumns {
    /// Customer, day and amount columns, no quantity.
    ///
    /// ```
    /// let c = ua_datafusion::rfm::RfmColumns::new("user", "day", "amount");
    /// assert_eq!(c.quantity, None);
    /// ```
    pub fn new(customer: &str, day: &str, amount: &str) -> Self {
        RfmColumns {
            customer: customer.into(),
            day: day.into(),
            amount: amount.into(),
            quantity: None,
        }
    }

    /// Adds the quantity column.
    ///
    /// See [`RfmColumns`] for an example.
    pub fn quantity(mut self, column: &str) -> Self {
        self.quantity = Some(column.into());
        self
    }
}

/// A SQL identifier, quoted (so case and punctuation are kept).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The source rows with the four roles renamed and the day as an integer.
fn source(table: &str, c: &RfmColumns) -> String {
    let quantity = c
        .quantity
        .as_ref()
        .map(|q| format!(", CAST({} AS DOUBLE) AS quantity", ident(q)))
        .unwrap_or_default();
    format!(
        "SELECT {} AS customer, CAST(CAST({} AS DATE) AS INT) AS day, \
         CAST({} AS DOUBLE) AS amount{quantity} FROM {}",
        ident(&c.customer),
        ident(&c.day),
        ident(&c.amount),
        ident(table)
    )
}

/// The feature query: one row per customer with a transaction on or before
/// `as_of`, the columns of `RfmFeatures::to_table` (`customer`,
/// `recency_days`, `frequency`, `n_transactions`, `monetary`,
/// `mean_order_value`, [`quantity`], `tenure_days`, `mean_days_between`,
/// [`bought_in_holdout`, `holdout_monetary`]), numbers as `DOUBLE`,
/// sorted by customer. It does not check the log: [`rfm_features`] does.
///
/// ```
/// use ua_data::features::rfm::RfmConfig;
/// use ua_datafusion::rfm::{rfm_sql, RfmColumns};
/// let sql = rfm_sql("orders", &RfmColumns::new("user_id", "date", "amount"),
///     &RfmConfig { as_of: 19_000, holdout_end: None });
/// assert!(sql.contains("GROUP BY customer"));
/// assert!(!sql.contains("holdout"));
/// ```
pub fn rfm_sql(table: &str, columns: &RfmColumns, config: &RfmConfig) -> String {
    let as_of = config.as_of;
    let quantity = if columns.quantity.is_some() {
        "SUM(quantity) AS quantity, "
    } else {
        ""
    };
    let history = format!(
        "SELECT customer, \
           CAST({as_of} - MAX(day) AS DOUBLE) AS recency_days, \
           CAST(COUNT(DISTINCT day) AS DOUBLE) AS frequency, \
           CAST(COUNT(*) AS DOUBLE) AS n_transactions, \
           SUM(amount) AS monetary, \
           SUM(amount) / CAST(COUNT(*) AS DOUBLE) AS mean_order_value, \
           {quantity}\
           CAST({as_of} - MIN(day) AS DOUBLE) AS tenure_days, \
           CASE WHEN COUNT(DISTINCT day) > 1 \
             THEN CAST(MAX(day) - MIN(day) AS DOUBLE) / CAST(COUNT(DISTINCT day) - 1 AS DOUBLE) \
           END AS mean_days_between \
         FROM t WHERE day <= {as_of} GROUP BY customer"
    );
    let src = source(table, columns);
    match config.holdout_end {
        None => format!("WITH t AS ({src}), h AS ({history}) SELECT * FROM h ORDER BY customer"),
        Some(end) => format!(
            "WITH t AS ({src}), h AS ({history}), \
             o AS (SELECT customer, SUM(amount) AS holdout_monetary FROM t \
                   WHERE day > {as_of} AND day <= {end} GROUP BY customer) \
             SELECT h.*, o.customer IS NOT NULL AS bought_in_holdout, \
                    COALESCE(o.holdout_monetary, 0.0) AS holdout_monetary \
             FROM h LEFT JOIN o ON h.customer = o.customer ORDER BY h.customer"
        ),
    }
}

/// The checks and counts of the log, in one pass.
fn check_sql(table: &str, c: &RfmColumns, config: &RfmConfig) -> String {
    let as_of = config.as_of;
    let end = config.holdout_end.unwrap_or(as_of);
    let qty_bad = if c.quantity.is_some() {
        "SUM(CASE WHEN quantity < 0 OR quantity > 1.7976931348623157e308 THEN 1 ELSE 0 END)"
    } else {
        "0"
    };
    let qty_null = if c.quantity.is_some() {
        "COUNT(*) - COUNT(quantity)"
    } else {
        "0"
    };
    // Arrow orders NaN above +inf, so `> f64::MAX` catches NaN and inf.
    format!(
        "WITH t AS ({}) SELECT \
           COUNT(*) AS rows_total, \
           COUNT(*) - COUNT(customer) AS null_customer, \
           COUNT(*) - COUNT(day) AS null_day, \
           COUNT(*) - COUNT(amount) AS null_amount, \
           {qty_null} AS null_quantity, \
           SUM(CASE WHEN amount < 0 OR amount > 1.7976931348623157e308 THEN 1 ELSE 0 END) AS bad_amount, \
           {qty_bad} AS bad_quantity, \
           MIN(day) AS first_day, MAX(day) AS last_day, \
           SUM(CASE WHEN day <= {as_of} THEN 1 ELSE 0 END) AS rows_in_window, \
           SUM(CASE WHEN day > {as_of} AND day <= {end} THEN 1 ELSE 0 END) AS rows_in_holdout, \
           COUNT(DISTINCT customer) AS customers_total, \
           COUNT(DISTINCT CASE WHEN day <= {as_of} THEN customer END) AS customers \
         FROM t",
        source(table, c)
    )
}

fn invalid(message: String) -> DataFusionError {
    DataFusionError::Plan(format!("rfm_features: {message}"))
}

/// Checks the log registered as `table` and returns the RFM feature query
/// (see the [module docs](self)) and what went into it.
///
/// Errors (`Plan` errors naming the column): an unknown table or column
/// (the engine's message), an empty log, a missing customer, day, amount or
/// quantity (with the count), a negative or non-finite amount or quantity
/// (with the count), `holdout_end ≤ as_of`, a cut-off outside the data
/// (from the first transaction day to the day after the last, as ISO
/// dates).
///
/// ```
/// use datafusion::prelude::*;
/// use ua_data::features::rfm::RfmConfig;
/// use ua_datafusion::rfm::{rfm_features, RfmColumns};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let ctx = SessionContext::new();
/// ctx.sql("CREATE TABLE orders (user_id BIGINT, day INT, amount DOUBLE) AS VALUES \
///          (1, 10, 5.0), (1, 14, 7.0), (2, 12, 1.0), (2, 20, 3.0)").await.unwrap();
/// let cfg = RfmConfig { as_of: 15, holdout_end: Some(20) };
/// let (features, report) = rfm_features(&ctx, "orders", &RfmColumns::new("user_id", "day", "amount"), &cfg)
///     .await.unwrap();
/// assert_eq!((report.rows_in_window, report.rows_in_holdout), (3, 1));
/// let t = ua_datafusion::collect_table(features).await.unwrap();
/// assert_eq!(t.numeric("recency_days").unwrap().values(), &[1.0, 3.0]);
/// assert_eq!(t.numeric("mean_days_between").unwrap().get(0), Some(4.0));
/// assert_eq!(t.boolean("bought_in_holdout").unwrap().get(1), Some(true));
/// # });
/// ```
pub async fn rfm_features(
    ctx: &SessionContext,
    table: &str,
    columns: &RfmColumns,
    config: &RfmConfig,
) -> Result<(DataFrame, RfmReport)> {
    if let Some(end) = config.holdout_end
        && end <= config.as_of
    {
        return Err(invalid(format!(
            "holdout_end {} must be after as_of {}",
            format_date(end),
            format_date(config.as_of)
        )));
    }
    let batches = ctx
        .sql(&check_sql(table, columns, config))
        .await?
        .collect()
        .await?;
    let batch = batches
        .first()
        .filter(|b| b.num_rows() == 1)
        .ok_or_else(|| DataFusionError::Internal("rfm_features: no check row".into()))?;
    let get = |name: &str| -> Result<Option<i64>> {
        let a = batch
            .column_by_name(name)
            .ok_or_else(|| DataFusionError::Internal(format!("rfm_features: no `{name}`")))?;
        let a = datafusion::arrow::compute::cast(a, &DataType::Int64)?;
        let a = a.as_primitive::<Int64Type>();
        Ok(a.is_valid(0).then(|| a.value(0)))
    };
    let count = |name: &str| -> Result<usize> {
        Ok(get(name)?.map_or(0, |v| usize::try_from(v).unwrap_or(0)))
    };
    let rows_total = count("rows_total")?;
    if rows_total == 0 {
        return Err(invalid(format!("the transaction log `{table}` is empty")));
    }
    let quantity = columns.quantity.as_deref().unwrap_or("");
    for (what, column) in [
        ("null_customer", &columns.customer),
        ("null_day", &columns.day),
        ("null_amount", &columns.amount),
        ("null_quantity", &quantity.to_string()),
    ] {
        let n = count(what)?;
        if n > 0 {
            return Err(invalid(format!(
                "column `{column}` has {n} missing value(s) of {rows_total}; drop or fill them first"
            )));
        }
    }
    for (what, column, expected) in [
        (
            "bad_amount",
            &columns.amount,
            "a finite amount ≥ 0 (remove refunds or net them out first)",
        ),
        (
            "bad_quantity",
            &quantity.to_string(),
            "a finite quantity ≥ 0",
        ),
    ] {
        let n = count(what)?;
        if n > 0 {
            return Err(invalid(format!(
                "column `{column}` has {n} value(s) that are not {expected}; find them with \
                 WHERE {col} < 0 OR isnan({col}) OR {col} = 'inf'::double",
                col = ident(column)
            )));
        }
    }
    let first = get("first_day")?.unwrap_or(0) as i32;
    let last = get("last_day")?.unwrap_or(0) as i32;
    let mut cutoffs = vec![("as_of", config.as_of)];
    cutoffs.extend(config.holdout_end.map(|e| ("holdout_end", e)));
    ua_data::features::check_cutoffs(first, last, &cutoffs).map_err(invalid)?;
    let rows_in_window = count("rows_in_window")?;
    let rows_in_holdout = if config.holdout_end.is_some() {
        count("rows_in_holdout")?
    } else {
        0
    };
    let customers_total = count("customers_total")?;
    let customers = count("customers")?;
    let report = RfmReport {
        rows_total,
        rows_in_window,
        rows_in_holdout,
        rows_ignored: rows_total - rows_in_window - rows_in_holdout,
        customers_total,
        customers,
        customers_excluded: customers_total - customers,
    };
    let features = ctx.sql(&rfm_sql(table, columns, config)).await?;
    Ok((features, report))
}
