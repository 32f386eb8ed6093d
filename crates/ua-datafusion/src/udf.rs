//! The scalar UDFs: `ua_score` and `ua_kmeans_assign`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float32Array, UInt32Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use ua_analytics::ndarray::Array2;
use ua_data::Table;
use ua_data::arrow_io::{column_from_array, column_type_of};

use crate::model::{LoadedModel, cached};

/// The model argument as text (a string literal, or a binary literal
/// holding UTF-8 JSON).
fn model_text<'a>(udf: &str, value: &'a ScalarValue) -> Result<&'a str> {
    let not_text = || {
        DataFusionError::Plan(format!(
            "{udf}: the first argument must be the saved model (a string or binary literal \
             holding its JSON), found a {} value",
            value.data_type()
        ))
    };
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Ok(s),
        ScalarValue::Binary(Some(b))
        | ScalarValue::LargeBinary(Some(b))
        | ScalarValue::BinaryView(Some(b)) => std::str::from_utf8(b).map_err(|e| {
            DataFusionError::Plan(format!(
                "{udf}: the model literal is binary but not UTF-8 JSON ({e}); pass the bytes \
                 `save` wrote"
            ))
        }),
        ScalarValue::Null
        | ScalarValue::Utf8(None)
        | ScalarValue::LargeUtf8(None)
        | ScalarValue::Utf8View(None)
        | ScalarValue::Binary(None)
        | ScalarValue::LargeBinary(None)
        | ScalarValue::BinaryView(None) => Err(DataFusionError::Plan(format!(
            "{udf}: the model literal is NULL; pass the saved model's JSON"
        ))),
        _ => Err(not_text()),
    }
}

/// The model of a call, at planning time: the first argument must be a
/// literal.
fn model_at_plan(udf: &str, args: &ReturnFieldArgs) -> Result<Arc<LoadedModel>> {
    let Some(first) = args.scalar_arguments.first() else {
        return Err(DataFusionError::Plan(format!(
            "{udf}: no arguments; call it as {udf}(model, column1, column2, ...)"
        )));
    };
    let Some(value) = first else {
        return Err(DataFusionError::Plan(format!(
            "{udf}: the first argument must be a literal holding the saved model (the same for \
             every row), not a column or an expression of columns"
        )));
    };
    let text = model_text(udf, value)?;
    cached(text).map_err(|e| prefix(udf, e))
}

fn prefix(udf: &str, e: DataFusionError) -> DataFusionError {
    match e {
        DataFusionError::Plan(m) => DataFusionError::Plan(format!("{udf}: {m}")),
        DataFusionError::Execution(m) => DataFusionError::Execution(format!("{udf}: {m}")),
        other => other,
    }
}

/// Checks the number of feature arguments and that each has a type a table
/// can hold; messages name the arguments as the query wrote them.
fn check_inputs(udf: &str, model: &LoadedModel, fields: &[FieldRef]) -> Result<()> {
    let expected = model.input_columns();
    let got: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
    if expected.len() != got.len() {
        let names: Vec<String> = expected
            .iter()
            .map(|(n, t)| format!("{n} ({})", t.name()))
            .collect();
        return Err(DataFusionError::Plan(format!(
            "{udf}: the {} model reads {} column(s): {}; the call passes {} after the model: {}",
            model.kind(),
            expected.len(),
            names.join(", "),
            got.len(),
            if got.is_empty() {
                "none".to_string()
            } else {
                got.join(", ")
            }
        )));
    }
    for (i, (f, (name, dtype))) in fields.iter().zip(&expected).enumerate() {
        let readable = column_type_of(f.data_type());
        let ok = match readable {
            None => false,
            // A k-means reads numbers only; a pipeline converts what it can
            // and names the value it cannot.
            Some(t) => model.is_scorer() || t == *dtype,
        };
        if !ok {
            return Err(DataFusionError::Plan(format!(
                "{udf}: argument {} (`{}`, for the model's column `{name}`, {}) has type {}, \
                 which {}",
                i + 2,
                f.name(),
                dtype.name(),
                f.data_type(),
                if readable.is_none() {
                    "a ua-data table cannot hold"
                } else {
                    "is not numeric"
                }
            )));
        }
    }
    Ok(())
}

/// The model at execution time (the planner checked it; the literal is
/// still in the arguments).
fn model_at_run(udf: &str, args: &ScalarFunctionArgs) -> Result<Arc<LoadedModel>> {
    match args.args.first() {
        Some(ColumnarValue::Scalar(v)) => cached(model_text(udf, v)?).map_err(|e| prefix(udf, e)),
        _ => Err(DataFusionError::Execution(format!(
            "{udf}: the first argument must be a literal holding the saved model"
        ))),
    }
}

/// `ua_score(model, c1, …, cn)`: the score of a saved pipeline for each row
/// (see the [crate docs](crate)).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ScoreUdf {
    signature: Signature,
}

/// `ua_kmeans_assign(model, x1, …, xd)`: the segment of a saved k-means for
/// each row (see the [crate docs](crate)).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct KMeansAssignUdf {
    signature: Signature,
}

impl ScoreUdf {
    /// The function name in SQL.
    pub const NAME: &'static str = "ua_score";

    /// The function, to register (see [`crate::register`]).
    ///
    /// ```
    /// let f = datafusion::logical_expr::ScalarUDF::from(ua_datafusion::ScoreUdf::new());
    /// assert_eq!(f.name(), "ua_score");
    /// ```
    pub fn new() -> Self {
        ScoreUdf {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl KMeansAssignUdf {
    /// The function name in SQL.
    pub const NAME: &'static str = "ua_kmeans_assign";

    /// The function, to register (see [`crate::register`]).
    ///
    /// ```
    /// let f = datafusion::logical_expr::ScalarUDF::from(ua_datafusion::KMeansAssignUdf::new());
    /// assert_eq!(f.name(), "ua_kmeans_assign");
    /// ```
    pub fn new() -> Self {
        KMeansAssignUdf {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ScoreUdf {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float32)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let model = model_at_plan(Self::NAME, &args)?;
        if !model.is_scorer() {
            return Err(DataFusionError::Plan(format!(
                "{}: the model is a {}; ua_score reads pipelines ({}); use ua_kmeans_assign \
                 for a k-means",
                Self::NAME,
                model.kind(),
                crate::model::SCORE_KINDS.join(", ")
            )));
        }
        check_inputs(Self::NAME, &model, &args.arg_fields[1..])?;
        Ok(Arc::new(Field::new(Self::NAME, DataType::Float32, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let model = model_at_run(Self::NAME, &args)?;
        let n = args.number_rows;
        let schema = model.input_columns();
        if args.args.len() != schema.len() + 1 {
            return Err(DataFusionError::Execution(format!(
                "{}: the model reads {} columns, the call passes {}",
                Self::NAME,
                schema.len(),
                args.args.len() - 1
            )));
        }
        let mut columns = Vec::with_capacity(schema.len());
        for (i, (value, (name, _))) in args.args[1..].iter().zip(&schema).enumerate() {
            let array = value.to_array_of_size(n)?;
            let column = column_from_array(name, array.as_ref()).map_err(|e| {
                DataFusionError::Execution(format!(
                    "{}: argument {} (`{}`): {e}",
                    Self::NAME,
                    i + 2,
                    args.arg_fields[i + 1].name()
                ))
            })?;
            columns.push((name.clone(), column));
        }
        let table = Table::new(columns)
            .map_err(|e| DataFusionError::Execution(format!("{}: {e}", Self::NAME)))?;
        let scores = model.score(&table).map_err(|e| {
            DataFusionError::Execution(format!(
                "{}: scoring with the {} {} model: {e} (rows counted within the batch)",
                Self::NAME,
                model.name(),
                model.kind()
            ))
        })?;
        let array: ArrayRef = Arc::new(Float32Array::from(scores.to_vec()));
        Ok(ColumnarValue::Array(array))
    }
}

impl ScalarUDFImpl for KMeansAssignUdf {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt32)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let model = model_at_plan(Self::NAME, &args)?;
        if model.is_scorer() {
            return Err(DataFusionError::Plan(format!(
                "{}: the model is a {}; ua_kmeans_assign reads k-means models ({}); use \
                 ua_score for a pipeline",
                Self::NAME,
                model.kind(),
                crate::model::KMEANS_KINDS.join(", ")
            )));
        }
        check_inputs(Self::NAME, &model, &args.arg_fields[1..])?;
        Ok(Arc::new(Field::new(Self::NAME, DataType::UInt32, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let model = model_at_run(Self::NAME, &args)?;
        let n = args.number_rows;
        let d = args.args.len() - 1;
        if d != model.n_inputs() {
            return Err(DataFusionError::Execution(format!(
                "{}: the model reads {} features, the call passes {d}",
                Self::NAME,
                model.n_inputs()
            )));
        }
        let mut x = Array2::<f64>::zeros((n, d));
        for (j, value) in args.args[1..].iter().enumerate() {
            let array = value.to_array_of_size(n)?;
            let name = args.arg_fields[j + 1].name();
            let floats = cast(&array, &DataType::Float64).map_err(|e| {
                DataFusionError::Execution(format!(
                    "{}: argument {} (`{name}`) of type {} is not numeric: {e}",
                    Self::NAME,
                    j + 2,
                    array.data_type()
                ))
            })?;
            if let Some(row) = (0..n).find(|&i| floats.is_null(i)) {
                return Err(DataFusionError::Execution(format!(
                    "{}: argument {} (`{name}`) is NULL at row {} of the batch; k-means needs \
                     complete rows: filter them out or fill them (COALESCE) first",
                    Self::NAME,
                    j + 2,
                    row + 1
                )));
            }
            let values = floats.as_primitive::<Float64Type>().values();
            if let Some((row, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(DataFusionError::Execution(format!(
                    "{}: argument {} (`{name}`) is {v} at row {} of the batch; k-means needs \
                     finite numbers",
                    Self::NAME,
                    j + 2,
                    row + 1
                )));
            }
            x.column_mut(j)
                .iter_mut()
                .zip(values.iter())
                .for_each(|(o, &v)| *o = v);
        }
        let segments = model
            .assign(x.view())
            .map_err(|e| DataFusionError::Execution(format!("{}: {e}", Self::NAME)))?;
        let array: ArrayRef = Arc::new(UInt32Array::from_iter_values(
            segments.into_iter().map(|s| s as u32),
        ));
        Ok(ColumnarValue::Array(array))
    }
}

impl Default for ScoreUdf {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for KMeansAssignUdf {
    fn default() -> Self {
        Self::new()
    }
}
