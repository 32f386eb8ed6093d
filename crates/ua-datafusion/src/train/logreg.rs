//! Logistic regression trained by full-batch gradient descent, one
//! aggregate query (`ua_logreg_grad`) per epoch.
//!
//! The gradient of the log-loss over all rows is a sum: per row
//! `(σ(w·x + b) − y)·x` for the weights and `σ(w·x + b) − y` for the bias.
//! `ua_logreg_grad` accumulates those sums and the summed loss per
//! partition (state `O(d)`), merges the partitions and returns them;
//! [`logreg_fit`] divides by the row count and takes a step per epoch.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray};
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

use super::column_f64;

/// `ua_logreg_grad(weights, y, x1, …, xd)`: the summed log-loss gradient
/// and loss of a logistic regression over all rows of the query.
///
/// * `weights` — a string literal: the JSON list `[w1, …, wd, b]` (the `d`
///   weights, then the bias).
/// * `y` — the numeric label column, each value 0 or 1 (anything else is
///   an error naming the row within its batch).
/// * `x1, …, xd` — the numeric feature columns. NULLs and non-finite
///   values are errors naming the column.
///
/// Returns a string: the JSON of a [`LogRegGrad`] (sums, not means).
///
/// ```
/// use datafusion::prelude::*;
/// use ua_datafusion::train::logreg::LogRegGrad;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let ctx = SessionContext::new();
/// ua_datafusion::register(&ctx);
/// ctx.sql("CREATE TABLE t (y INT, a DOUBLE) AS VALUES (0, -1), (1, 2)").await.unwrap();
/// // w = 0, b = 0: σ = 1/2 for every row.
/// let df = ctx.sql("SELECT ua_logreg_grad('[0, 0]', y, a) FROM t").await.unwrap();
/// let b = df.collect().await.unwrap();
/// let json = b[0].column(0).as_any()
///     .downcast_ref::<datafusion::arrow::array::StringArray>().unwrap().value(0);
/// let g = LogRegGrad::from_json(json).unwrap();
/// assert_eq!(g.grad, vec![0.5 * -1.0 + -0.5 * 2.0]);
/// assert_eq!(g.grad_bias, 0.0);
/// assert_eq!(g.rows, 2);
/// assert!((g.loss - 2.0 * 2f64.ln()).abs() < 1e-15);
/// # });
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LogRegGradUdf {
    signature: Signature,
}

impl LogRegGradUdf {
    /// The function name in SQL.
    pub const NAME: &'static str = "ua_logreg_grad";

    /// The function, to register (see [`crate::register`]).
    ///
    /// ```
    /// let f = datafusion::logical_expr::AggregateUDF::from(
    ///     ua_datafusion::train::logreg::LogRegGradUdf::new());
    /// assert_eq!(f.name(), "ua_logreg_grad");
    /// ```
    pub fn new() -> Self {
        LogRegGradUdf {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl Default for LogRegGradUdf {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of `ua_logreg_grad`: sums over the rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRegGrad {
    /// Σ (σ(w·x + b) − y)·x, one per feature.
    pub grad: Vec<f64>,
    /// Σ (σ(w·x + b) − y).
    pub grad_bias: f64,
    /// Σ log-loss (natural log).
    pub loss: f64,
    /// Rows summed.
    pub rows: u64,
}

impl LogRegGrad {
    /// Reads the JSON `ua_logreg_grad` returns.
    ///
    /// ```
    /// let g = ua_datafusion::train::logreg::LogRegGrad::from_json(
    ///     r#"{"grad":[1.0],"grad_bias":0.5,"loss":2.0,"rows":4}"#).unwrap();
    /// assert_eq!(g.rows, 4);
    /// assert!(ua_datafusion::train::logreg::LogRegGrad::from_json("[]").is_err());
    /// ```
    pub fn from_json(json: &str) -> Result<LogRegGrad> {
        serde_json::from_str(json).map_err(|e| {
            DataFusionError::Execution(format!(
                "{}: the result is not a gradient ({e})",
                LogRegGradUdf::NAME
            ))
        })
    }
}

/// `[w1, …, wd, b]`: at least the bias, finite.
fn parse_weights(text: &str) -> Result<Vec<f64>> {
    let name = LogRegGradUdf::NAME;
    let w: Vec<f64> = serde_json::from_str(text).map_err(|e| {
        DataFusionError::Plan(format!(
            "{name}: argument 1 (weights) is not a JSON list of numbers ({e}); write it as \
             '[w1, ..., wd, bias]'"
        ))
    })?;
    check_weights(&w)?;
    Ok(w)
}

fn check_weights(w: &[f64]) -> Result<()> {
    let name = LogRegGradUdf::NAME;
    if w.len() < 2 {
        return Err(DataFusionError::Plan(format!(
            "{name}: argument 1 (weights) holds {} number(s); it needs one weight per feature \
             column and the bias last (at least 2)",
            w.len()
        )));
    }
    if let Some((i, v)) = w.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(DataFusionError::Plan(format!(
            "{name}: argument 1 (weights): value {} is {v}; weights must be finite",
            i + 1
        )));
    }
    Ok(())
}

fn check_width(n_weights: usize, columns: &[&str]) -> Result<()> {
    if n_weights != columns.len() + 1 {
        return Err(DataFusionError::Plan(format!(
            "{}: argument 1 (weights) holds {n_weights} numbers but the call passes {} feature \
             column(s) ({}); pass one weight per column and the bias last",
            LogRegGradUdf::NAME,
            columns.len(),
            columns.join(", ")
        )));
    }
    Ok(())
}

/// The weights as the JSON literal `ua_logreg_grad` reads (`[w…, b]`).
///
/// ```
/// assert_eq!(ua_datafusion::train::logreg::weights_json(&[0.5, -1.0], 2.0), "[0.5,-1.0,2.0]");
/// ```
pub fn weights_json(weights: &[f64], bias: f64) -> String {
    let mut v = weights.to_vec();
    v.push(bias);
    serde_json::to_string(&v).unwrap_or_default()
}

/// The call `ua_logreg_grad(weights, label, c1, …, cd)` for the DataFrame
/// API (columns by exact name).
///
/// ```
/// let e = ua_datafusion::train::logreg::logreg_grad_expr(&[0.0], 0.0, "y", &["a"]).unwrap();
/// assert!(e.to_string().contains("ua_logreg_grad"), "{e}");
/// let err = ua_datafusion::train::logreg::logreg_grad_expr(&[0.0], 0.0, "y", &["a", "b"]).unwrap_err();
/// assert!(err.to_string().contains("2 feature column(s)"), "{err}");
/// ```
pub fn logreg_grad_expr(weights: &[f64], bias: f64, label: &str, columns: &[&str]) -> Result<Expr> {
    let mut w = weights.to_vec();
    w.push(bias);
    check_weights(&w)?;
    check_width(w.len(), columns)?;
    let mut args = vec![lit(weights_json(weights, bias)), ident(label)];
    args.extend(columns.iter().map(|c| ident(*c)));
    Ok(AggregateUDF::from(LogRegGradUdf::new()).call(args))
}

impl AggregateUDFImpl for LogRegGradUdf {
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
        if arg_fields.len() < 3 {
            return Err(DataFusionError::Plan(format!(
                "{name}: {} argument(s); call it as {name}(weights, y, x1, ..., xd)",
                arg_fields.len()
            )));
        }
        let first = arg_fields[0].data_type();
        if !matches!(
            first,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            return Err(DataFusionError::Plan(format!(
                "{name}: argument 1 (weights) must be a string literal holding the weights' \
                 JSON, found {first} `{}`",
                arg_fields[0].name()
            )));
        }
        for (i, f) in arg_fields.iter().enumerate().skip(1) {
            if !f.data_type().is_numeric() {
                return Err(DataFusionError::Plan(format!(
                    "{name}: argument {} (`{}`) has type {}, which is not numeric (cast or \
                     encode the column first)",
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
            format_state_name(args.name, "grad_loss_rows"),
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
                    "{name}: argument 1 (weights) must be a literal (the same for every row), \
                     not a column or an expression of columns"
                ))
            })?;
        let text = match literal.value() {
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)) => s.as_str(),
            v => {
                return Err(DataFusionError::Plan(format!(
                    "{name}: argument 1 (weights) must be a non-NULL string literal, found {v:?}"
                )));
            }
        };
        let w = parse_weights(text)?;
        let columns: Vec<String> = acc_args
            .expr_fields
            .iter()
            .skip(1)
            .map(|f| f.name().to_string())
            .collect();
        let features: Vec<&str> = columns.iter().skip(1).map(String::as_str).collect();
        check_width(w.len(), &features)?;
        let d = w.len() - 1;
        Ok(Box::new(LogRegAcc {
            w,
            columns,
            grad: vec![0.0; d + 1],
            loss: 0.0,
            rows: 0,
        }))
    }
}

/// σ(z), stable for large |z|.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y·z, stable.
pub(crate) fn log_loss(z: f64, y: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z
}

#[derive(Debug)]
struct LogRegAcc {
    /// `[w1, …, wd, b]`.
    w: Vec<f64>,
    /// The label's then the features' names.
    columns: Vec<String>,
    /// `[Σ r·x1, …, Σ r·xd, Σ r]`, r = σ − y.
    grad: Vec<f64>,
    loss: f64,
    rows: u64,
}

impl Accumulator for LogRegAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let name = LogRegGradUdf::NAME;
        let d = self.w.len() - 1;
        if values.len() != d + 2 {
            return Err(DataFusionError::Execution(format!(
                "{name}: expected the weights, the label and {d} columns, got {} arguments",
                values.len()
            )));
        }
        let cols: Vec<Float64Array> = values[1..]
            .iter()
            .enumerate()
            .map(|(j, a)| column_f64(name, "logistic regression", j + 2, &self.columns[j], a))
            .collect::<Result<_>>()?;
        let (y, xs) = cols
            .split_first()
            .ok_or_else(|| DataFusionError::Internal(format!("{name}: no label column")))?;
        if let Some((row, v)) = y
            .values()
            .iter()
            .enumerate()
            .find(|(_, v)| **v != 0.0 && **v != 1.0)
        {
            return Err(DataFusionError::Execution(format!(
                "{name}: argument 2 (label `{}`) is {v} at row {} of the batch; labels must be \
                 0 or 1",
                self.columns[0],
                row + 1
            )));
        }
        let (w, b) = (&self.w[..d], self.w[d]);
        for (i, &yi) in y.values().iter().enumerate() {
            let mut z = b;
            for (wt, c) in w.iter().zip(xs) {
                z += wt * c.value(i);
            }
            let r = sigmoid(z) - yi;
            for (g, c) in self.grad[..d].iter_mut().zip(xs) {
                *g += r * c.value(i);
            }
            self.grad[d] += r;
            self.loss += log_loss(z, yi);
        }
        self.rows += y.len() as u64;
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let d = self.w.len() - 1;
        let g = LogRegGrad {
            grad: self.grad[..d].to_vec(),
            grad_bias: self.grad[d],
            loss: self.loss,
            rows: self.rows,
        };
        let json = serde_json::to_string(&g).map_err(|e| {
            DataFusionError::Execution(format!(
                "{}: writing the gradient: {e}",
                LogRegGradUdf::NAME
            ))
        })?;
        Ok(ScalarValue::Utf8(Some(json)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + 8 * (self.w.len() + self.grad.len())
            + self.columns.iter().map(|c| c.len() + 24).sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut v = self.grad.clone();
        v.push(self.loss);
        v.push(self.rows as f64);
        let list =
            ListArray::from_iter_primitive::<Float64Type, _, _>([Some(v.into_iter().map(Some))]);
        Ok(vec![ScalarValue::List(Arc::new(list))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let name = LogRegGradUdf::NAME;
        let m = self.grad.len();
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
            if vals.len() != m + 2 {
                return Err(DataFusionError::Internal(format!(
                    "{name}: a partial state holds {} values, expected {}",
                    vals.len(),
                    m + 2
                )));
            }
            for (g, v) in self.grad.iter_mut().zip(&vals[..m]) {
                *g += v;
            }
            self.loss += vals[m];
            self.rows += vals[m + 1] as u64;
        }
        Ok(())
    }
}

/// A logistic regression trained by [`logreg_fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogRegFit {
    /// One weight per feature column.
    pub weights: Vec<f64>,
    /// The intercept.
    pub bias: f64,
    /// Mean log-loss before each epoch's step (`losses[0]` at the initial
    /// weights), one per epoch.
    pub losses: Vec<f64>,
    /// Rows per pass.
    pub rows: u64,
}

/// Full-batch gradient descent on the mean log-loss, one `ua_logreg_grad`
/// query per epoch: `w ← w − learning_rate · (Σ (σ − y)·x) / n` (and the
/// same for the bias), from zero weights, `epochs` times (no stopping
/// rule, no regularisation).
///
/// Errors name the argument: an unknown or non-numeric column, a label
/// other than 0/1 (with its row), `epochs = 0`, a learning rate that is
/// not finite and > 0, no rows.
///
/// ```
/// use datafusion::prelude::*;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let ctx = SessionContext::new();
/// ctx.sql("CREATE TABLE t (y INT, a DOUBLE) AS VALUES (0, -2), (0, -1), (1, 1), (1, 3), (0, 0.5)")
///     .await.unwrap();
/// let df = ctx.table("t").await.unwrap();
/// let fit = ua_datafusion::train::logreg::logreg_fit(&df, "y", &["a"], 50, 0.5).await.unwrap();
/// assert!(fit.weights[0] > 0.0);
/// assert!(fit.losses[49] < fit.losses[0]);
/// # });
/// ```
pub async fn logreg_fit(
    df: &DataFrame,
    label: &str,
    columns: &[&str],
    epochs: usize,
    learning_rate: f64,
) -> Result<LogRegFit> {
    const OP: &str = "logreg_fit";
    if epochs == 0 {
        return Err(DataFusionError::Plan(format!(
            "{OP}: epochs must be at least 1, found 0"
        )));
    }
    if !(learning_rate.is_finite() && learning_rate > 0.0) {
        return Err(DataFusionError::Plan(format!(
            "{OP}: learning_rate must be finite and > 0, found {learning_rate}"
        )));
    }
    if columns.is_empty() {
        return Err(DataFusionError::Plan(format!(
            "{OP}: columns is empty; pass the feature columns"
        )));
    }
    let schema = df.schema();
    for c in std::iter::once(&label).chain(columns) {
        let Ok(field) = schema.field_with_unqualified_name(c) else {
            let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(DataFusionError::Plan(format!(
                "{OP}: no column `{c}`; the data has {}",
                have.join(", ")
            )));
        };
        if !field.data_type().is_numeric() {
            return Err(DataFusionError::Plan(format!(
                "{OP}: column `{c}` has type {}, which is not numeric",
                field.data_type()
            )));
        }
    }
    let d = columns.len();
    let mut w = vec![0.0; d];
    let mut b = 0.0;
    let mut losses = Vec::with_capacity(epochs);
    let mut rows = 0;
    for _ in 0..epochs {
        let expr = logreg_grad_expr(&w, b, label, columns)?.alias("grad");
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
                DataFusionError::Internal(format!("{OP}: the query returned no gradient"))
            })?;
        let g = LogRegGrad::from_json(&json)?;
        if g.rows == 0 {
            return Err(DataFusionError::Plan(format!(
                "{OP}: the data has no rows; nothing to train on"
            )));
        }
        rows = g.rows;
        let n = g.rows as f64;
        losses.push(g.loss / n);
        for (wt, gt) in w.iter_mut().zip(&g.grad) {
            *wt -= learning_rate * gt / n;
        }
        b -= learning_rate * g.grad_bias / n;
    }
    Ok(LogRegFit {
        weights: w,
        bias: b,
        losses,
        rows,
    })
}
