//! Training over data that does not fit in memory: k-means as an aggregate
//! UDF whose result is the next Lloyd step, and a driver running one query
//! per iteration; logistic regression by full-batch gradient descent in the
//! same way ([`logreg`]: `ua_logreg_grad`, [`logreg::logreg_fit`]).
//!
//! A Lloyd step is a sum over rows: each row is assigned to its nearest
//! centre and added to that centre's sums. `ua_kmeans_step` computes those
//! sums as a DataFusion aggregate: one accumulator per partition keeps
//! `k × d` sums, `k` counts and the inertia (its state, `O(k·d)` whatever
//! the number of rows), the partial states of all partitions are merged and
//! the result is the next centres. The engine streams the rows (from
//! Parquet, spilling or not): memory is bounded by the batch size and the
//! state, not by the data. [`kmeans_fit`] runs one such query per
//! iteration until the centres stop moving.
//!
//! Same rules as the in-memory Lloyd of `ua_analytics::segmentation::KMeans`
//! (`fit_from`): squared Euclidean distance, ties to the lowest centre
//! index, stop when the total squared centre shift is at most
//! `tol × mean per-feature (population) variance`. One difference: an
//! **empty cluster keeps its old centre** (the in-memory Lloyd re-seeds it
//! at the row farthest from its centre, which needs a second pass and a
//! global row order); the step reports how many clusters were empty.
//! Sums are added in f64 in the engine's order, so centres agree with the
//! in-memory fit to rounding (≈ 1e-12 relative), not bit for bit.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;
use datafusion::prelude::{DataFrame, ident, lit};
use serde::{Deserialize, Serialize};

pub mod logreg;

/// `ua_kmeans_step(centres, x1, …, xd)`: one Lloyd step over all rows of
/// the query, as an aggregate.
///
/// * `centres` — a string literal holding the current centres as a JSON
///   list of lists, one list of `d` numbers per centre:
///   `'[[0, 0], [9, 9]]'` (what [`centres_json`] writes).
/// * `x1, …, xd` — the numeric feature columns, in the centres' order. A
///   NULL or a non-finite value is an error naming the column and the row
///   within its batch (filter or fill them first).
///
/// Returns a string: the JSON of a [`KMeansStep`] (`{"centres": [[…]],
/// "counts": […], "inertia": …, "shift": …, "empty": …}`); read it with
/// [`KMeansStep::from_json`]. Bad calls are refused while planning: fewer
/// than two arguments, a non-string first argument or a non-numeric
/// column (named), a malformed centres literal, `k = 0`, centres whose
/// width is not the number of columns.
///
/// ```
/// use datafusion::prelude::*;
/// use ua_datafusion::train::KMeansStep;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let ctx = SessionContext::new();
/// ua_datafusion::register(&ctx);
/// ctx.sql("CREATE TABLE t (a DOUBLE, b DOUBLE) AS VALUES (0, 0), (1, 0), (9, 9), (9, 11)")
///     .await.unwrap();
/// let df = ctx.sql("SELECT ua_kmeans_step('[[0, 0], [10, 10]]', a, b) AS step FROM t").await.unwrap();
/// let batches = df.collect().await.unwrap();
/// let json = batches[0].column(0).as_any()
///     .downcast_ref::<datafusion::arrow::array::StringArray>().unwrap().value(0);
/// let step = KMeansStep::from_json(json).unwrap();
/// assert_eq!(step.centres, vec![vec![0.5, 0.0], vec![9.0, 10.0]]);
/// assert_eq!(step.counts, vec![2, 2]);
/// // Squared distances to the old centres: 0 + 1 + 2 + 2.
/// assert_eq!(step.inertia, 5.0);
/// # });
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct KMeansStepUdf {
    signature: Signature,
}

impl KMeansStepUdf {
    /// The function name in SQL.
    pub const NAME: &'static str = "ua_kmeans_step";

    /// The function, to register (see [`crate::register`]).
    ///
    /// ```
    /// let f = datafusion::logical_expr::AggregateUDF::from(ua_datafusion::train::KMeansStepUdf::new());
    /// assert_eq!(f.name(), "ua_kmeans_step");
    /// ```
    pub fn new() -> Self {
        KMeansStepUdf {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl Default for KMeansStepUdf {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of one Lloyd step ([`KMeansStepUdf`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansStep {
    /// The next centres (`k` lists of `d`): the mean of each centre's rows;
    /// an empty cluster keeps its old centre.
    pub centres: Vec<Vec<f64>>,
    /// Rows assigned to each (old) centre.
    pub counts: Vec<u64>,
    /// Sum of squared distances of the rows to their nearest old centre.
    pub inertia: f64,
    /// Total squared shift between the old and the next centres.
    pub shift: f64,
    /// Number of clusters that received no row (their centre is kept).
    pub empty: usize,
}

impl KMeansStep {
    /// Reads the JSON `ua_kmeans_step` returns.
    ///
    /// ```
    /// let s = ua_datafusion::train::KMeansStep::from_json(
    ///     r#"{"centres":[[1.0]],"counts":[3],"inertia":0.5,"shift":0.0,"empty":0}"#).unwrap();
    /// assert_eq!(s.counts, vec![3]);
    /// assert!(ua_datafusion::train::KMeansStep::from_json("{}").is_err());
    /// ```
    pub fn from_json(json: &str) -> Result<KMeansStep> {
        serde_json::from_str(json).map_err(|e| {
            DataFusionError::Execution(format!(
                "{}: the result is not a k-means step ({e})",
                KMeansStepUdf::NAME
            ))
        })
    }
}

/// The centres as the JSON literal `ua_kmeans_step` reads (exact: every
/// f64 round-trips).
///
/// ```
/// assert_eq!(ua_datafusion::train::centres_json(&[vec![0.5, 1.0], vec![2.0, -3.0]]), "[[0.5,1.0],[2.0,-3.0]]");
/// ```
pub fn centres_json(centres: &[Vec<f64>]) -> String {
    serde_json::to_string(centres).unwrap_or_default()
}

/// Parses and checks a centres literal: a JSON list of `k ≥ 1` lists of
/// `d ≥ 1` finite numbers each.
fn parse_centres(text: &str) -> Result<Vec<Vec<f64>>> {
    let name = KMeansStepUdf::NAME;
    let centres: Vec<Vec<f64>> = serde_json::from_str(text).map_err(|e| {
        DataFusionError::Plan(format!(
            "{name}: argument 1 (centres) is not a JSON list of lists of numbers ({e}); write \
             it as '[[x11, x12], [x21, x22]]', one list per centre"
        ))
    })?;
    check_centres(&centres)?;
    Ok(centres)
}

/// `k ≥ 1`, every centre of the same width `d ≥ 1`, finite.
fn check_centres(centres: &[Vec<f64>]) -> Result<()> {
    let name = KMeansStepUdf::NAME;
    let Some(first) = centres.first() else {
        return Err(DataFusionError::Plan(format!(
            "{name}: argument 1 (centres) holds no centre (k = 0); pass at least one"
        )));
    };
    let d = first.len();
    if d == 0 {
        return Err(DataFusionError::Plan(format!(
            "{name}: argument 1 (centres): centre 1 has no coordinates; each centre needs one \
             per feature column"
        )));
    }
    for (j, c) in centres.iter().enumerate() {
        if c.len() != d {
            return Err(DataFusionError::Plan(format!(
                "{name}: argument 1 (centres): centre {} has {} coordinates, centre 1 has {d}; \
                 all centres need the same width",
                j + 1,
                c.len()
            )));
        }
        if let Some((t, v)) = c.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(DataFusionError::Plan(format!(
                "{name}: argument 1 (centres): coordinate {} of centre {} is {v}; centres must \
                 be finite",
                t + 1,
                j + 1
            )));
        }
    }
    Ok(())
}

/// The call `ua_kmeans_step(centres, c1, …, cd)` for the DataFrame API
/// (columns by exact name).
///
/// ```
/// let e = ua_datafusion::train::kmeans_step_expr(&[vec![0.0, 1.0]], &["a", "b"]).unwrap();
/// assert!(e.to_string().contains("ua_kmeans_step"), "{e}");
/// let err = ua_datafusion::train::kmeans_step_expr(&[vec![0.0]], &["a", "b"]).unwrap_err();
/// assert!(err.to_string().contains("1 coordinates"), "{err}");
/// ```
pub fn kmeans_step_expr(centres: &[Vec<f64>], columns: &[&str]) -> Result<Expr> {
    check_centres(centres)?;
    check_width(centres[0].len(), columns.iter().copied())?;
    let mut args = vec![lit(centres_json(centres))];
    args.extend(columns.iter().map(|c| ident(*c)));
    Ok(AggregateUDF::from(KMeansStepUdf::new()).call(args))
}

fn check_width<'a>(d: usize, columns: impl ExactSizeIterator<Item = &'a str>) -> Result<()> {
    let n = columns.len();
    if d != n {
        let names: Vec<&str> = columns.collect();
        return Err(DataFusionError::Plan(format!(
            "{}: the centres have {d} coordinates but the call passes {n} feature column(s) \
             ({}); pass one column per coordinate, in the centres' order",
            KMeansStepUdf::NAME,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    }
    Ok(())
}

impl AggregateUDFImpl for KMeansStepUdf {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field(&self, arg_fields: &[FieldRef]) -> Result<FieldRef> {
        let name = Self::NAME;
        if arg_fields.len() < 2 {
            return Err(DataFusionError::Plan(format!(
                "{name}: {} argument(s); call it as {name}(centres, x1, ..., xd) with the \
                 centres' JSON literal and d feature columns",
                arg_fields.len()
            )));
        }
        let first = arg_fields[0].data_type();
        if !matches!(
            first,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            return Err(DataFusionError::Plan(format!(
                "{name}: argument 1 (centres) must be a string literal holding the centres' \
                 JSON, found {} `{}`",
                first,
                arg_fields[0].name()
            )));
        }
        for (i, f) in arg_fields.iter().enumerate().skip(1) {
            if !f.data_type().is_numeric() {
                return Err(DataFusionError::Plan(format!(
                    "{name}: argument {} (`{}`) has type {}, which is not numeric; k-means \
                     reads numbers (cast or encode the column first)",
                    i + 1,
                    f.name(),
                    f.data_type()
                )));
            }
        }
        Ok(Arc::new(Field::new(name, DataType::Utf8, false)))
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "sums_counts_inertia"),
            DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true))),
            true,
        ))])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let name = Self::NAME;
        let literal = acc_args
            .exprs
            .first()
            .and_then(|e| e.downcast_ref::<Literal>())
            .ok_or_else(|| {
                DataFusionError::Plan(format!(
                    "{name}: argument 1 (centres) must be a literal (the same for every row), \
                     not a column or an expression of columns"
                ))
            })?;
        let text = match literal.value() {
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)) => s.as_str(),
            v => {
                return Err(DataFusionError::Plan(format!(
                    "{name}: argument 1 (centres) must be a non-NULL string literal holding \
                     the centres' JSON, found {v:?}"
                )));
            }
        };
        let centres = parse_centres(text)?;
        let columns: Vec<String> = acc_args
            .expr_fields
            .iter()
            .skip(1)
            .map(|f| f.name().to_string())
            .collect();
        check_width(centres[0].len(), columns.iter().map(String::as_str))?;
        Ok(Box::new(KMeansStepAcc::new(centres, columns)))
    }
}

/// Per-partition state: sums, counts, inertia against fixed centres.
#[derive(Debug)]
struct KMeansStepAcc {
    /// `k × d`, row-major.
    centres: Vec<f64>,
    k: usize,
    d: usize,
    columns: Vec<String>,
    sums: Vec<f64>,
    counts: Vec<u64>,
    inertia: f64,
}

impl KMeansStepAcc {
    fn new(centres: Vec<Vec<f64>>, columns: Vec<String>) -> Self {
        let k = centres.len();
        let d = centres[0].len();
        KMeansStepAcc {
            centres: centres.into_iter().flatten().collect(),
            k,
            d,
            columns,
            sums: vec![0.0; k * d],
            counts: vec![0; k],
            inertia: 0.0,
        }
    }
}

/// A numeric argument of a batch as f64 values, refusing NULLs and
/// non-finite values; `pos` is the argument's 1-based position in the call,
/// `col` its name, `model` what needs the numbers ("k-means").
pub(crate) fn column_f64(
    udf: &str,
    model: &str,
    pos: usize,
    col: &str,
    array: &ArrayRef,
) -> Result<Float64Array> {
    let floats = cast(array, &DataType::Float64).map_err(|e| {
        DataFusionError::Execution(format!(
            "{udf}: argument {pos} (`{col}`) of type {} is not numeric: {e}",
            array.data_type()
        ))
    })?;
    if floats.null_count() > 0 {
        let row = (0..floats.len()).find(|&i| floats.is_null(i)).unwrap_or(0);
        return Err(DataFusionError::Execution(format!(
            "{udf}: argument {pos} (`{col}`) is NULL at row {} of the batch; {model} needs \
             complete rows: filter them out or fill them (COALESCE) first",
            row + 1
        )));
    }
    let floats = floats.as_primitive::<Float64Type>().clone();
    if let Some((row, v)) = floats
        .values()
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite())
    {
        return Err(DataFusionError::Execution(format!(
            "{udf}: argument {pos} (`{col}`) is {v} at row {} of the batch; {model} needs \
             finite numbers",
            row + 1
        )));
    }
    Ok(floats)
}

/// Index of the nearest centre (squared Euclidean distance, ties to the
/// lowest index) and its squared distance.
fn nearest(x: &[f64], centres: &[f64], d: usize) -> (usize, f64) {
    let mut best = 0;
    let mut best_d = f64::INFINITY;
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let dist: f64 = x.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum();
        if dist < best_d {
            best = j;
            best_d = dist;
        }
    }
    (best, best_d)
}

impl Accumulator for KMeansStepAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let d = self.d;
        if values.len() != d + 1 {
            return Err(DataFusionError::Execution(format!(
                "{}: expected the centres and {d} columns, got {} arguments",
                KMeansStepUdf::NAME,
                values.len()
            )));
        }
        let cols: Vec<Float64Array> = values[1..]
            .iter()
            .enumerate()
            .map(|(j, a)| column_f64(KMeansStepUdf::NAME, "k-means", j + 2, &self.columns[j], a))
            .collect::<Result<_>>()?;
        let n = values[0].len();
        let mut row = vec![0.0f64; d];
        for i in 0..n {
            for (r, c) in row.iter_mut().zip(&cols) {
                *r = c.value(i);
            }
            let (j, dist) = nearest(&row, &self.centres, d);
            self.counts[j] += 1;
            self.inertia += dist;
            for (s, v) in self.sums[j * d..(j + 1) * d].iter_mut().zip(&row) {
                *s += v;
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (k, d) = (self.k, self.d);
        let mut centres = Vec::with_capacity(k);
        let mut shift = 0.0;
        let mut empty = 0;
        for j in 0..k {
            let old = &self.centres[j * d..(j + 1) * d];
            let cnt = self.counts[j];
            let new: Vec<f64> = if cnt == 0 {
                empty += 1;
                old.to_vec()
            } else {
                self.sums[j * d..(j + 1) * d]
                    .iter()
                    .map(|s| s / cnt as f64)
                    .collect()
            };
            shift += new
                .iter()
                .zip(old)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>();
            centres.push(new);
        }
        let step = KMeansStep {
            centres,
            counts: self.counts.clone(),
            inertia: self.inertia,
            shift,
            empty,
        };
        let json = serde_json::to_string(&step).map_err(|e| {
            DataFusionError::Execution(format!("{}: writing the step: {e}", KMeansStepUdf::NAME))
        })?;
        Ok(ScalarValue::Utf8(Some(json)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + 8 * (self.centres.len() + self.sums.len() + self.counts.len())
            + self.columns.iter().map(|c| c.len() + 24).sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut v = Vec::with_capacity(self.sums.len() + self.k + 1);
        v.extend_from_slice(&self.sums);
        v.extend(self.counts.iter().map(|&c| c as f64));
        v.push(self.inertia);
        let list =
            ListArray::from_iter_primitive::<Float64Type, _, _>([Some(v.into_iter().map(Some))]);
        Ok(vec![ScalarValue::List(Arc::new(list))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let name = KMeansStepUdf::NAME;
        let (k, d) = (self.k, self.d);
        let lists = states
            .first()
            .and_then(|a| a.as_list_opt::<i32>())
            .ok_or_else(|| DataFusionError::Internal(format!("{name}: state is not a list")))?;
        for i in 0..lists.len() {
            if lists.is_null(i) {
                continue;
            }
            let part = lists.value(i);
            let vals = part.as_primitive::<Float64Type>().values();
            if vals.len() != k * d + k + 1 {
                return Err(DataFusionError::Internal(format!(
                    "{name}: a partial state holds {} values, expected {} (k = {k}, d = {d})",
                    vals.len(),
                    k * d + k + 1
                )));
            }
            for (s, v) in self.sums.iter_mut().zip(&vals[..k * d]) {
                *s += v;
            }
            for (c, v) in self.counts.iter_mut().zip(&vals[k * d..k * d + k]) {
                *c += *v as u64;
            }
            self.inertia += vals[k * d + k];
        }
        Ok(())
    }
}

/// A k-means fitted by [`kmeans_fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansFit {
    /// The final centres (`k` lists of `d`).
    pub centres: Vec<Vec<f64>>,
    /// Rows nearest to each final centre.
    pub counts: Vec<u64>,
    /// Sum of squared distances of the rows to their nearest final centre.
    pub inertia: f64,
    /// Lloyd iterations run (one query each).
    pub iterations: usize,
    /// Whether the shift fell within the tolerance before `max_iter`.
    pub converged: bool,
    /// Rows read per pass.
    pub rows: u64,
    /// Centres nearest to no row (final centres; such a centre was kept).
    pub empty: usize,
}

/// Runs one step query over `df`.
async fn step(df: &DataFrame, centres: &[Vec<f64>], columns: &[&str]) -> Result<KMeansStep> {
    let expr = kmeans_step_expr(centres, columns)?.alias("step");
    let batches = df.clone().aggregate(vec![], vec![expr])?.collect().await?;
    let json = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| {
            b.column(0)
                .as_string_opt::<i32>()
                .map(|s| s.value(0).to_string())
        })
        .ok_or_else(|| {
            DataFusionError::Internal(format!(
                "{}: the query returned no step",
                KMeansStepUdf::NAME
            ))
        })?;
    KMeansStep::from_json(&json)
}

/// Fits k-means with Lloyd iterations over `df` (any DataFrame: a
/// registered Parquet table, a filtered query, …), one aggregate query
/// (`ua_kmeans_step`) per iteration, from the given initial centres.
///
/// * `columns` — the feature columns (numeric, no NULLs), in the centres'
///   order.
/// * `init` — `k` initial centres of `columns.len()` coordinates.
/// * `max_iter ≥ 1`; `tol ≥ 0` relative to the mean per-feature variance,
///   as `KMeans::tol` (default there 1e-4): it stops after the iteration
///   whose total squared centre shift is ≤ `tol × mean variance`.
///
/// Passes over the data: one for the variance and row count, one per
/// iteration, one for the final inertia and counts. Empty clusters keep
/// their centre (see the [module docs](self)). Errors name the argument:
/// an unknown or non-numeric column, a width mismatch, `k = 0`, fewer rows
/// than centres, bad `max_iter`/`tol`.
///
/// ```
/// use datafusion::prelude::*;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let ctx = SessionContext::new();
/// ctx.sql("CREATE TABLE t (a DOUBLE, b DOUBLE) AS VALUES (0, 0), (1, 0), (9, 9), (9, 11)")
///     .await.unwrap();
/// let df = ctx.table("t").await.unwrap();
/// let init = vec![vec![0.0, 0.0], vec![1.0, 0.0]];
/// let fit = ua_datafusion::train::kmeans_fit(&df, &["a", "b"], &init, 100, 1e-4).await.unwrap();
/// assert_eq!(fit.centres, vec![vec![0.5, 0.0], vec![9.0, 10.0]]);
/// assert_eq!(fit.counts, vec![2, 2]);
/// assert_eq!(fit.inertia, 0.25 + 0.25 + 1.0 + 1.0);
/// assert!(fit.converged);
/// # });
/// ```
pub async fn kmeans_fit(
    df: &DataFrame,
    columns: &[&str],
    init: &[Vec<f64>],
    max_iter: usize,
    tol: f64,
) -> Result<KMeansFit> {
    const OP: &str = "kmeans_fit";
    if max_iter == 0 {
        return Err(DataFusionError::Plan(format!(
            "{OP}: max_iter must be at least 1, found 0"
        )));
    }
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(DataFusionError::Plan(format!(
            "{OP}: tol must be finite and ≥ 0, found {tol}"
        )));
    }
    if columns.is_empty() {
        return Err(DataFusionError::Plan(format!(
            "{OP}: columns is empty; pass the feature columns"
        )));
    }
    let schema = df.schema();
    for c in columns {
        let Ok(field) = schema.field_with_unqualified_name(c) else {
            let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(DataFusionError::Plan(format!(
                "{OP}: no column `{c}`; the data has {}",
                have.join(", ")
            )));
        };
        if !field.data_type().is_numeric() {
            return Err(DataFusionError::Plan(format!(
                "{OP}: column `{c}` has type {}, which is not numeric; k-means reads numbers \
                 (cast or encode the column first)",
                field.data_type()
            )));
        }
    }
    check_centres(init).map_err(|e| match e {
        DataFusionError::Plan(m) => DataFusionError::Plan(format!("{OP}: init: {m}")),
        other => other,
    })?;
    check_width(init[0].len(), columns.iter().copied())?;
    // Row count and mean per-feature variance (the tolerance's scale).
    use datafusion::functions_aggregate::expr_fn::{count, var_pop};
    let mut aggs = vec![count(lit(1)).alias("n")];
    aggs.extend(columns.iter().enumerate().map(|(j, c)| {
        var_pop(datafusion::logical_expr::cast(ident(*c), DataType::Float64)).alias(format!("v{j}"))
    }));
    let batches = df.clone().aggregate(vec![], aggs)?.collect().await?;
    let b = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| DataFusionError::Internal(format!("{OP}: no count")))?;
    let rows = ScalarValue::try_from_array(b.column(0), 0)?;
    let rows = match rows {
        ScalarValue::Int64(Some(n)) => n as u64,
        other => {
            return Err(DataFusionError::Internal(format!(
                "{OP}: count is {other:?}"
            )));
        }
    };
    let k = init.len();
    if rows < k as u64 {
        return Err(DataFusionError::Plan(format!(
            "{OP}: {rows} row(s) for k = {k} centres; need at least as many rows as centres"
        )));
    }
    let mut var = 0.0;
    for j in 0..columns.len() {
        if let ScalarValue::Float64(Some(v)) = ScalarValue::try_from_array(b.column(j + 1), 0)? {
            var += v;
        }
    }
    let tol_abs = tol * var / columns.len() as f64;

    let mut centres = init.to_vec();
    let mut iterations = 0;
    let mut converged = false;
    for it in 1..=max_iter {
        iterations = it;
        let s = step(df, &centres, columns).await?;
        centres = s.centres;
        if s.shift <= tol_abs {
            converged = true;
            break;
        }
    }
    let last = step(df, &centres, columns).await?;
    Ok(KMeansFit {
        centres,
        counts: last.counts,
        inertia: last.inertia,
        iterations,
        converged,
        rows,
        empty: last.empty,
    })
}
