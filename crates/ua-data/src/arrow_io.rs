//! Apache Arrow and Parquet in and out (feature `parquet`).
//!
//! A [`Table`] becomes an Arrow [`RecordBatch`] and back, and is written to
//! and read from Parquet files, so the library works on the files teams keep
//! their events in and hands its output to Spark or DataFusion.
//!
//! ## Types
//!
//! | [`ColumnType`] | Arrow (written) | Arrow types read as it |
//! | --- | --- | --- |
//! | numeric | `Float64` (or `Timestamp(Microsecond, "UTC")` for the columns in [`ParquetWriteOptions::timestamp_seconds`]) | `Float64`, `Float32`, every integer type (a value beyond ±2⁵³ is an error: `f64` cannot hold it exactly), `Timestamp(any unit, any zone)` as seconds since 1970-01-01 UTC |
//! | categorical | `Dictionary(UInt32, Utf8)`: the codes are the keys, the levels the dictionary | `Utf8`, `LargeUtf8`, `Utf8View`, `Dictionary(any integer, any of these three)` |
//! | boolean | `Boolean` | `Boolean` |
//! | date | `Date32` (the same days since 1970-01-01) | `Date32`, `Date64` |
//!
//! Every field is nullable; a missing value is a null (the validity bitmap),
//! never a magic number, in both directions. A NaN that is not marked
//! missing stays a NaN value. A column of type `Null` (all values missing,
//! no type) reads as an all-missing numeric column. Any other Arrow type is
//! an error naming the column and its type; leave such columns out with
//! [`ParquetReadOptions::columns`].
//!
//! ## Copies
//!
//! [`into_record_batch`] moves the numeric values and the category codes
//! into the Arrow buffers without copying them (the layouts are the same);
//! only the validity bitmaps are built, booleans packed into bits (Arrow's
//! layout) and date days copied (`DateColumn` does not give its vector
//! away). [`to_record_batch`] borrows the table and copies.
//! Arrow buffers are shared and immutable, so reading a batch into a table
//! copies each value buffer once.
//!
//! ## Parquet
//!
//! * [`write_parquet`] / [`ParquetWriter`]: snappy-compressed by default
//!   (what Spark writes; zstd or none with [`ParquetWriteOptions::compression`]),
//!   row groups of at most [`ParquetWriteOptions::row_group_rows`] rows. A
//!   numeric column of seconds since 1970-01-01 named in
//!   [`ParquetWriteOptions::timestamp_seconds`] is written as
//!   `Timestamp(Microsecond, "UTC")` (Spark's `TimestampType`) and reads back
//!   as the same seconds.
//! * [`read_parquet`]: the whole file (or the [projected](ParquetReadOptions::columns)
//!   columns) as one table; [`read_parquet_row_groups`]: an iterator of one
//!   table per row group, so a file larger than memory is processed a row
//!   group at a time.
//! * Categorical columns are written as dictionary-encoded strings; read
//!   back, they have the same values, but their levels are those the file's
//!   dictionary holds, in its order (compare values, not codes).
//! * Errors name the file, the column and the type found against the type
//!   expected ([`ParquetReadOptions::expect`]).
//!
//! ```
//! use ua_data::arrow_io::{read_parquet, write_parquet, ParquetReadOptions, ParquetWriteOptions};
//! use ua_data::{Column, Table};
//!
//! let events = Table::new(vec![
//!     ("user_id".into(), Column::numeric(vec![1.0, 2.0, 1.0])),
//!     ("event".into(), Column::categorical(&["view", "cart", "view"])),
//!     ("timestamp".into(), Column::numeric(vec![1.7e9, 1.7e9 + 60.0, 1.7e9 + 90.0])),
//!     ("amount".into(), Column::numeric_opt(vec![None, Some(9.5), None])),
//! ]).unwrap();
//! let path = std::env::temp_dir().join("ua_data_arrow_io_doc.parquet");
//! let opts = ParquetWriteOptions::default().timestamp_seconds(&["timestamp"]);
//! let report = write_parquet(&events, &path, &opts).unwrap();
//! assert_eq!(report.rows, 3);
//!
//! let back = read_parquet(&path, &ParquetReadOptions::default().columns(&["user_id", "amount"])).unwrap();
//! assert_eq!(back.column_names(), ["user_id", "amount"]);
//! assert_eq!(back.numeric("amount").unwrap().get(1), Some(9.5));
//! assert_eq!(back.numeric("amount").unwrap().missing_count(), 2);
//! # std::fs::remove_file(&path).unwrap();
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, PrimitiveArray,
    RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array,
};
use arrow_buffer::{ArrowNativeType, BooleanBuffer, NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::join::concat;
use crate::table::{
    BooleanColumn, CategoricalBuilder, CategoricalColumn, Column, ColumnType, DateColumn,
    NumericColumn, Table,
};
use crate::{Error, Result};

/// The largest integer an `f64` holds exactly (2⁵³).
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

/// The Arrow type a column of `dtype` is written as.
///
/// ```
/// use arrow_schema::DataType;
/// use ua_data::ColumnType;
/// use ua_data::arrow_io::arrow_type;
/// assert_eq!(arrow_type(ColumnType::Numeric), DataType::Float64);
/// assert_eq!(arrow_type(ColumnType::Date), DataType::Date32);
/// ```
pub fn arrow_type(dtype: ColumnType) -> DataType {
    match dtype {
        ColumnType::Numeric => DataType::Float64,
        ColumnType::Categorical => {
            DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8))
        }
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Date => DataType::Date32,
    }
}

/// The column type an Arrow type is read as, `None` when ua-data cannot hold
/// it (see the [type table](self#types)).
///
/// ```
/// use arrow_schema::{DataType, TimeUnit};
/// use ua_data::ColumnType;
/// use ua_data::arrow_io::column_type_of;
/// assert_eq!(column_type_of(&DataType::Int64), Some(ColumnType::Numeric));
/// assert_eq!(column_type_of(&DataType::Timestamp(TimeUnit::Microsecond, None)), Some(ColumnType::Numeric));
/// assert_eq!(column_type_of(&DataType::Utf8View), Some(ColumnType::Categorical));
/// assert_eq!(column_type_of(&DataType::Binary), None);
/// ```
pub fn column_type_of(dt: &DataType) -> Option<ColumnType> {
    match dt {
        DataType::Float64
        | DataType::Float32
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Timestamp(_, _)
        | DataType::Null => Some(ColumnType::Numeric),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(ColumnType::Categorical),
        DataType::Dictionary(k, v)
            if k.is_dictionary_key_type()
                && matches!(
                    v.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
        {
            Some(ColumnType::Categorical)
        }
        DataType::Boolean => Some(ColumnType::Boolean),
        DataType::Date32 | DataType::Date64 => Some(ColumnType::Date),
        _ => None,
    }
}

/// What each column type accepts, for messages.
fn accepted(dtype: ColumnType) -> &'static str {
    match dtype {
        ColumnType::Numeric => "Float64, Float32, an integer type or a timestamp",
        ColumnType::Categorical => "Utf8, LargeUtf8, Utf8View or a dictionary of strings",
        ColumnType::Boolean => "Boolean",
        ColumnType::Date => "Date32 or Date64",
    }
}

const SUPPORTED: &str = "floats, integers, timestamps, strings, dictionaries of strings, \
                         booleans, Date32 and Date64";

fn validity(missing: &[bool]) -> Option<NullBuffer> {
    missing
        .iter()
        .any(|&m| m)
        .then(|| NullBuffer::new(BooleanBuffer::collect_bool(missing.len(), |i| !missing[i])))
}

fn dictionary(mut codes: Vec<u32>, levels: &[String]) -> Result<ArrayRef> {
    let valid: Vec<bool> = codes
        .iter()
        .map(|&c| c != CategoricalColumn::MISSING)
        .collect();
    let nulls = valid
        .iter()
        .any(|&v| !v)
        .then(|| NullBuffer::new(BooleanBuffer::collect_bool(valid.len(), |i| valid[i])));
    // Keys under a null point at level 0 (Arrow kernels read them).
    for c in &mut codes {
        if *c == CategoricalColumn::MISSING {
            *c = 0;
        }
    }
    let keys = UInt32Array::new(ScalarBuffer::from(codes), nulls);
    let values: ArrayRef = Arc::new(StringArray::from_iter_values(levels));
    DictionaryArray::<UInt32Type>::try_new(keys, values)
        .map(|d| Arc::new(d) as ArrayRef)
        .map_err(|e| invalid("into_record_batch", format!("categorical column: {e}")))
}

/// Converts a column to its Arrow array, taking its buffers (no copy of the
/// numeric values or codes).
fn column_into_array(column: Column) -> Result<ArrayRef> {
    Ok(match column {
        Column::Numeric(c) => {
            let (values, missing) = c.into_parts();
            let nulls = validity(&missing);
            Arc::new(Float64Array::new(ScalarBuffer::from(values), nulls))
        }
        Column::Categorical(c) => {
            let (codes, levels) = c.into_parts();
            dictionary(codes, &levels)?
        }
        Column::Boolean(c) => Arc::new(c.values().iter().copied().collect::<BooleanArray>()),
        Column::Date(c) => {
            // `DateColumn` has no `into_parts`: the days are copied.
            let nulls = validity(c.missing_mask());
            Arc::new(Date32Array::new(
                ScalarBuffer::from(c.days().to_vec()),
                nulls,
            ))
        }
    })
}

/// The Arrow array of a column (a copy; see [`into_record_batch`] for the
/// moving conversion).
///
/// ```
/// use arrow_array::Array;
/// use ua_data::Column;
/// let a = ua_data::arrow_io::column_to_array(&Column::numeric_opt(vec![Some(1.0), None])).unwrap();
/// assert_eq!(a.null_count(), 1);
/// ```
pub fn column_to_array(column: &Column) -> Result<ArrayRef> {
    column_into_array(column.clone())
}

fn schema_of(table: &Table) -> SchemaRef {
    Arc::new(Schema::new(
        table
            .columns()
            .map(|(name, c)| Field::new(name, arrow_type(c.dtype()), true))
            .collect::<Vec<_>>(),
    ))
}

fn batch(
    op: &'static str,
    schema: SchemaRef,
    arrays: Vec<ArrayRef>,
    rows: usize,
) -> Result<RecordBatch> {
    let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema, arrays, &options)
        .map_err(|e| invalid(op, format!("building the record batch: {e}")))
}

/// The table as an Arrow record batch, moving the numeric values and
/// category codes into Arrow buffers without copying them. Column order
/// and names are kept; every field is nullable (see the [type table](self#types)).
///
/// ```
/// use ua_data::arrow_io::{from_record_batch, into_record_batch};
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("spend".into(), Column::numeric_opt(vec![Some(2.5), None])),
///     ("city".into(), Column::categorical_opt(&[Some("Oslo"), None])),
///     ("vip".into(), Column::boolean_opt(vec![None, Some(true)])),
///     ("signup".into(), Column::date(vec![19_000, 19_001])),
/// ]).unwrap();
/// let batch = into_record_batch(t.clone()).unwrap();
/// assert_eq!(batch.num_rows(), 2);
/// assert_eq!(from_record_batch(&batch).unwrap(), t);
/// ```
pub fn into_record_batch(table: Table) -> Result<RecordBatch> {
    let schema = schema_of(&table);
    let rows = table.n_rows();
    let arrays = table
        .into_columns()
        .into_iter()
        .map(|(_, c)| column_into_array(c))
        .collect::<Result<Vec<_>>>()?;
    batch("into_record_batch", schema, arrays, rows)
}

/// The table as an Arrow record batch (a copy; [`into_record_batch`] moves
/// the buffers instead).
///
/// ```
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
/// let b = ua_data::arrow_io::to_record_batch(&t).unwrap();
/// assert_eq!(b.schema().field(0).name(), "x");
/// ```
pub fn to_record_batch(table: &Table) -> Result<RecordBatch> {
    into_record_batch(table.clone())
}

fn missing_of(array: &dyn Array) -> Vec<bool> {
    match array.logical_nulls() {
        Some(n) => n.iter().map(|valid| !valid).collect(),
        None => vec![false; array.len()],
    }
}

/// Whole numbers of any integer type as f64, checked to be exact.
fn integers<T>(name: &str, array: &PrimitiveArray<T>) -> Result<Vec<f64>>
where
    T: arrow_array::ArrowPrimitiveType,
    T::Native: num_traits::ToPrimitive + std::fmt::Display,
{
    let mut out = Vec::with_capacity(array.len());
    for (i, v) in array.values().iter().enumerate() {
        let x = num_traits::ToPrimitive::to_f64(v).unwrap_or(f64::NAN);
        // Exact when converting back gives the same integer (2^53 + 1
        // rounds to 2^53, which is not the value).
        let exact = x.abs() <= MAX_EXACT
            && num_traits::ToPrimitive::to_i128(v).is_some_and(|i| x as i128 == i);
        if !exact && array.is_valid(i) {
            return Err(Error::BadValue {
                op: "column_from_array",
                column: name.to_string(),
                at: format!("row {}", i + 1),
                value: v.to_string(),
                expected: "an integer within ±2^53 (a numeric column holds f64, which cannot \
                           hold it exactly); read it as text instead"
                    .into(),
            });
        }
        out.push(x);
    }
    Ok(out)
}

fn seconds<T>(array: &PrimitiveArray<T>, per_second: f64) -> Vec<f64>
where
    T: arrow_array::ArrowPrimitiveType<Native = i64>,
{
    array
        .values()
        .iter()
        .map(|&v| v as f64 / per_second)
        .collect()
}

fn categorical_from_strings<'a>(
    n: usize,
    get: impl Fn(usize) -> Option<&'a str>,
) -> CategoricalColumn {
    let mut b = CategoricalBuilder::with_capacity(n);
    for i in 0..n {
        b.push(get(i));
    }
    b.finish()
}

fn categorical_from_dictionary<K: ArrowDictionaryKeyType>(
    name: &str,
    array: &DictionaryArray<K>,
) -> Result<CategoricalColumn> {
    let values = array.values();
    let level_of = |j: usize| -> Option<&str> {
        match values.data_type() {
            DataType::Utf8 => Some(values.as_string::<i32>().value(j)),
            DataType::LargeUtf8 => Some(values.as_string::<i64>().value(j)),
            DataType::Utf8View => Some(values.as_string_view().value(j)),
            _ => None,
        }
    };
    // Dictionary entries become levels in their order; a repeated entry maps
    // to the first one.
    let mut b = CategoricalBuilder::with_capacity(array.len());
    let mut remap = Vec::with_capacity(values.len());
    for j in 0..values.len() {
        let Some(level) = level_of(j) else {
            return Err(invalid(
                "column_from_array",
                format!(
                    "column `{name}`: dictionary of {}, expected a dictionary of strings",
                    values.data_type()
                ),
            ));
        };
        remap.push(if values.is_valid(j) {
            b.intern(level)
        } else {
            CategoricalColumn::MISSING
        });
    }
    let (codes_done, levels) = b.finish().into_parts();
    debug_assert!(codes_done.is_empty());
    let keys = array.keys();
    let codes = keys
        .values()
        .iter()
        .enumerate()
        .map(|(i, k)| {
            if keys.is_null(i) {
                CategoricalColumn::MISSING
            } else {
                remap
                    .get(k.as_usize())
                    .copied()
                    .unwrap_or(CategoricalColumn::MISSING)
            }
        })
        .collect();
    CategoricalColumn::from_codes(codes, levels)
}

/// Reads one Arrow array as a column of the type the [type
/// table](self#types) gives, with its nulls as missing values. `name` is
/// used in messages.
///
/// Errors: an Arrow type ua-data cannot hold, an integer beyond ±2⁵³.
///
/// ```
/// use arrow_array::{Int64Array, StringArray};
/// use ua_data::arrow_io::column_from_array;
/// let c = column_from_array("n", &Int64Array::from(vec![Some(3), None])).unwrap();
/// assert_eq!(c.as_numeric().unwrap().get(0), Some(3.0));
/// assert!(c.is_missing(1));
/// let c = column_from_array("city", &StringArray::from(vec!["Oslo", "Rome", "Oslo"])).unwrap();
/// assert_eq!(c.as_categorical().unwrap().levels(), ["Oslo", "Rome"]);
/// let err = column_from_array("b", &arrow_array::BinaryArray::from(vec![&b"x"[..]])).unwrap_err();
/// assert!(err.to_string().contains("column `b` has Arrow type Binary"), "{err}");
/// ```
pub fn column_from_array(name: &str, array: &dyn Array) -> Result<Column> {
    const OP: &str = "column_from_array";
    let n = array.len();
    let numeric = |values: Vec<f64>| -> Result<Column> {
        Ok(Column::Numeric(NumericColumn::new(
            values,
            missing_of(array),
        )?))
    };
    match array.data_type() {
        DataType::Float64 => numeric(array.as_primitive::<Float64Type>().values().to_vec()),
        DataType::Float32 => numeric(
            array
                .as_primitive::<Float32Type>()
                .values()
                .iter()
                .map(|&v| f64::from(v))
                .collect(),
        ),
        DataType::Int8 => numeric(integers(name, array.as_primitive::<Int8Type>())?),
        DataType::Int16 => numeric(integers(name, array.as_primitive::<Int16Type>())?),
        DataType::Int32 => numeric(integers(name, array.as_primitive::<Int32Type>())?),
        DataType::Int64 => numeric(integers(name, array.as_primitive::<Int64Type>())?),
        DataType::UInt8 => numeric(integers(name, array.as_primitive::<UInt8Type>())?),
        DataType::UInt16 => numeric(integers(name, array.as_primitive::<UInt16Type>())?),
        DataType::UInt32 => numeric(integers(name, array.as_primitive::<UInt32Type>())?),
        DataType::UInt64 => numeric(integers(name, array.as_primitive::<UInt64Type>())?),
        DataType::Timestamp(unit, _) => numeric(match unit {
            TimeUnit::Second => seconds(array.as_primitive::<TimestampSecondType>(), 1.0),
            TimeUnit::Millisecond => seconds(array.as_primitive::<TimestampMillisecondType>(), 1e3),
            TimeUnit::Microsecond => seconds(array.as_primitive::<TimestampMicrosecondType>(), 1e6),
            TimeUnit::Nanosecond => seconds(array.as_primitive::<TimestampNanosecondType>(), 1e9),
        }),
        DataType::Null => Ok(Column::missing(ColumnType::Numeric, n)),
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            Ok(Column::Categorical(categorical_from_strings(n, |i| {
                a.is_valid(i).then(|| a.value(i))
            })))
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            Ok(Column::Categorical(categorical_from_strings(n, |i| {
                a.is_valid(i).then(|| a.value(i))
            })))
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            Ok(Column::Categorical(categorical_from_strings(n, |i| {
                a.is_valid(i).then(|| a.value(i))
            })))
        }
        DataType::Dictionary(k, v)
            if matches!(
                v.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            let c = match k.as_ref() {
                DataType::Int8 => {
                    categorical_from_dictionary(name, array.as_dictionary::<Int8Type>())
                }
                DataType::Int16 => {
                    categorical_from_dictionary(name, array.as_dictionary::<Int16Type>())
                }
                DataType::Int32 => {
                    categorical_from_dictionary(name, array.as_dictionary::<Int32Type>())
                }
                DataType::Int64 => {
                    categorical_from_dictionary(name, array.as_dictionary::<Int64Type>())
                }
                DataType::UInt8 => {
                    categorical_from_dictionary(name, array.as_dictionary::<UInt8Type>())
                }
                DataType::UInt16 => {
                    categorical_from_dictionary(name, array.as_dictionary::<UInt16Type>())
                }
                DataType::UInt32 => {
                    categorical_from_dictionary(name, array.as_dictionary::<UInt32Type>())
                }
                DataType::UInt64 => {
                    categorical_from_dictionary(name, array.as_dictionary::<UInt64Type>())
                }
                other => Err(invalid(
                    OP,
                    format!("column `{name}`: dictionary with {other} keys, expected integer keys"),
                )),
            }?;
            Ok(Column::Categorical(c))
        }
        DataType::Boolean => {
            let a = array.as_boolean();
            Ok(Column::Boolean(BooleanColumn::from_options(
                a.iter().collect(),
            )))
        }
        DataType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            Ok(Column::Date(DateColumn::new(
                a.values().to_vec(),
                missing_of(array),
            )?))
        }
        DataType::Date64 => {
            let a = array.as_primitive::<Date64Type>();
            let days = a
                .values()
                .iter()
                .map(|&ms| i32::try_from(ms.div_euclid(86_400_000)).unwrap_or(i32::MAX))
                .collect();
            Ok(Column::Date(DateColumn::new(days, missing_of(array))?))
        }
        other => Err(invalid(
            OP,
            format!(
                "column `{name}` has Arrow type {other}, which a ua-data table cannot hold; \
                 supported: {SUPPORTED}"
            ),
        )),
    }
}

/// Reads an Arrow record batch as a table (column names and order kept,
/// nulls as missing values; see the [type table](self#types)).
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
/// let batch = RecordBatch::try_from_iter(vec![
///     ("x", Arc::new(Float64Array::from(vec![Some(1.0), None])) as ArrayRef),
///     ("g", Arc::new(StringArray::from(vec![Some("a"), None])) as ArrayRef),
/// ]).unwrap();
/// let t = ua_data::arrow_io::from_record_batch(&batch).unwrap();
/// assert_eq!(t.numeric("x").unwrap().missing_count(), 1);
/// assert_eq!(t.categorical("g").unwrap().get(0), Some("a"));
/// ```
pub fn from_record_batch(batch: &RecordBatch) -> Result<Table> {
    let schema = batch.schema();
    let columns = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, a)| Ok((f.name().clone(), column_from_array(f.name(), a.as_ref())?)))
        .collect::<Result<Vec<_>>>()?;
    if columns.is_empty() {
        // A batch without columns: an empty table (a table has no row count
        // of its own without columns).
        return Ok(Table::default());
    }
    Table::new(columns)
}

// ---------------------------------------------------------------- writing

/// The compression of a Parquet file's pages.
///
/// ```
/// use ua_data::arrow_io::{ParquetCompression, ParquetWriteOptions};
/// let o = ParquetWriteOptions::default().compression(ParquetCompression::Zstd(3));
/// assert_eq!(o.compression, ParquetCompression::Zstd(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParquetCompression {
    /// Snappy, what Spark writes by default.
    #[default]
    Snappy,
    /// Zstandard at a level from 1 to 22.
    Zstd(i32),
    /// No compression.
    None,
}

/// How [`write_parquet`] and [`ParquetWriter`] write a file.
///
/// ```
/// use ua_data::arrow_io::ParquetWriteOptions;
/// let o = ParquetWriteOptions::default().row_group_rows(100_000).timestamp_seconds(&["ts"]);
/// assert_eq!(o.row_group_rows, 100_000);
/// assert_eq!(o.timestamp_seconds, ["ts"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParquetWriteOptions {
    /// Page compression (default snappy).
    pub compression: ParquetCompression,
    /// Most rows in a row group (default 1,048,576, parquet's default); at
    /// least 1.
    pub row_group_rows: usize,
    /// Numeric columns of seconds since 1970-01-01 UTC to write as
    /// `Timestamp(Microsecond, "UTC")` (rounded to the microsecond).
    pub timestamp_seconds: Vec<String>,
}

impl Default for ParquetWriteOptions {
    fn default() -> Self {
        ParquetWriteOptions {
            compression: ParquetCompression::Snappy,
            row_group_rows: 1024 * 1024,
            timestamp_seconds: Vec::new(),
        }
    }
}

impl ParquetWriteOptions {
    /// Sets the compression.
    ///
    /// ```
    /// use ua_data::arrow_io::{ParquetCompression, ParquetWriteOptions};
    /// assert_eq!(ParquetWriteOptions::default().compression(ParquetCompression::None).compression, ParquetCompression::None);
    /// ```
    pub fn compression(mut self, compression: ParquetCompression) -> Self {
        self.compression = compression;
        self
    }

    /// Sets the most rows in a row group.
    ///
    /// ```
    /// assert_eq!(ua_data::arrow_io::ParquetWriteOptions::default().row_group_rows(10).row_group_rows, 10);
    /// ```
    pub fn row_group_rows(mut self, rows: usize) -> Self {
        self.row_group_rows = rows;
        self
    }

    /// Sets the numeric columns of seconds to write as UTC timestamps.
    ///
    /// ```
    /// let o = ua_data::arrow_io::ParquetWriteOptions::default().timestamp_seconds(&["ts"]);
    /// assert_eq!(o.timestamp_seconds.len(), 1);
    /// ```
    pub fn timestamp_seconds(mut self, columns: &[&str]) -> Self {
        self.timestamp_seconds = columns.iter().map(|c| c.to_string()).collect();
        self
    }

    fn properties(&self) -> Result<WriterProperties> {
        const OP: &str = "ParquetWriter";
        if self.row_group_rows == 0 {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "row_group_rows",
                message: "0; use at least 1 row per row group".into(),
            });
        }
        let compression = match self.compression {
            ParquetCompression::Snappy => Compression::SNAPPY,
            ParquetCompression::None => Compression::UNCOMPRESSED,
            ParquetCompression::Zstd(level) => {
                Compression::ZSTD(ZstdLevel::try_new(level).map_err(|_| {
                    Error::InvalidParameter {
                        op: OP,
                        name: "compression",
                        message: format!("zstd level {level}; use a level from 1 to 22"),
                    }
                })?)
            }
        };
        Ok(WriterProperties::builder()
            .set_compression(compression)
            .set_max_row_group_row_count(Some(self.row_group_rows))
            .set_created_by(format!("ua-data {}", env!("CARGO_PKG_VERSION")))
            .build())
    }
}

/// What was written.
///
/// ```
/// let r = ua_data::arrow_io::ParquetWriteReport { rows: 10, row_groups: 1 };
/// assert_eq!(r.rows, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParquetWriteReport {
    /// Rows written.
    pub rows: usize,
    /// Row groups in the file.
    pub row_groups: usize,
}

/// Writes tables with the same columns to one Parquet file, as they come
/// (each [`write`](Self::write) is appended; row groups are cut at
/// [`ParquetWriteOptions::row_group_rows`]). Call [`finish`](Self::finish):
/// a writer dropped without it leaves an unreadable file.
///
/// ```
/// use ua_data::arrow_io::{read_parquet, ParquetReadOptions, ParquetWriteOptions, ParquetWriter};
/// use ua_data::{Column, Table};
/// let path = std::env::temp_dir().join("ua_data_parquet_writer_doc.parquet");
/// let mut w = ParquetWriter::create(&path, ParquetWriteOptions::default()).unwrap();
/// for day in 0..3 {
///     let part = Table::new(vec![("day".into(), Column::date(vec![day; 2]))]).unwrap();
///     w.write(&part).unwrap();
/// }
/// assert_eq!(w.finish().unwrap().rows, 6);
/// assert_eq!(read_parquet(&path, &ParquetReadOptions::default()).unwrap().n_rows(), 6);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub struct ParquetWriter {
    path: PathBuf,
    options: ParquetWriteOptions,
    /// The column names and types of the first table.
    columns: Option<Vec<(String, ColumnType)>>,
    writer: Option<ArrowWriter<File>>,
    rows: usize,
}

impl std::fmt::Debug for ParquetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetWriter")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl ParquetWriter {
    /// Creates (or truncates) the file. Errors: the file cannot be created,
    /// a bad option (`row_group_rows` of 0, a zstd level outside 1–22).
    ///
    /// ```
    /// use ua_data::arrow_io::{ParquetWriteOptions, ParquetWriter};
    /// let err = ParquetWriter::create("/nonexistent-dir/x.parquet", ParquetWriteOptions::default()).unwrap_err();
    /// assert!(err.to_string().contains("/nonexistent-dir/x.parquet"), "{err}");
    /// ```
    pub fn create(path: impl AsRef<Path>, options: ParquetWriteOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        options.properties()?;
        File::create(&path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(ParquetWriter {
            path,
            options,
            columns: None,
            writer: None,
            rows: 0,
        })
    }

    fn to_batch(&self, table: &Table) -> Result<RecordBatch> {
        const OP: &str = "ParquetWriter::write";
        let mut fields = Vec::with_capacity(table.n_cols());
        let mut arrays = Vec::with_capacity(table.n_cols());
        for (name, column) in table.columns() {
            if self.options.timestamp_seconds.iter().any(|t| t == name) {
                let c = table.numeric(name).map_err(|_| Error::TypeMismatch {
                    op: OP,
                    column: name.to_string(),
                    expected: "numeric (seconds since 1970-01-01, listed in timestamp_seconds)"
                        .into(),
                    found: column.dtype().name().into(),
                })?;
                let mut micros = Vec::with_capacity(c.len());
                for (i, v) in c.iter().enumerate() {
                    let us = v.map(|s| (s * 1e6).round());
                    match us {
                        Some(us) if !us.is_finite() || us.abs() > 9.2e18 => {
                            return Err(Error::BadValue {
                                op: OP,
                                column: name.to_string(),
                                at: table.locate(i),
                                value: v.map_or(String::new(), |s| s.to_string()),
                                expected: "a finite number of seconds since 1970-01-01 \
                                           (a timestamp column)"
                                    .into(),
                            });
                        }
                        _ => micros.push(us.map_or(0, |u| u as i64)),
                    }
                }
                let a = TimestampMicrosecondArray::new(
                    ScalarBuffer::from(micros),
                    validity(c.missing_mask()),
                )
                .with_timezone("UTC");
                fields.push(Field::new(name, a.data_type().clone(), true));
                arrays.push(Arc::new(a) as ArrayRef);
            } else {
                fields.push(Field::new(name, arrow_type(column.dtype()), true));
                arrays.push(column_to_array(column)?);
            }
        }
        batch(OP, Arc::new(Schema::new(fields)), arrays, table.n_rows())
    }

    /// Appends the rows of `table`. Its columns must have the names, order
    /// and types of the first table written, and every column listed in
    /// [`ParquetWriteOptions::timestamp_seconds`] must be numeric.
    ///
    /// ```
    /// use ua_data::arrow_io::{ParquetWriteOptions, ParquetWriter};
    /// use ua_data::{Column, Table};
    /// let path = std::env::temp_dir().join("ua_data_parquet_writer_write_doc.parquet");
    /// let mut w = ParquetWriter::create(&path, ParquetWriteOptions::default()).unwrap();
    /// w.write(&Table::new(vec![("x".into(), Column::numeric(vec![1.0]))]).unwrap()).unwrap();
    /// let err = w.write(&Table::new(vec![("x".into(), Column::categorical(&["a"]))]).unwrap()).unwrap_err();
    /// assert!(err.to_string().contains("column `x` has type categorical, expected numeric"), "{err}");
    /// # w.finish().unwrap();
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn write(&mut self, table: &Table) -> Result<()> {
        const OP: &str = "ParquetWriter::write";
        let columns: Vec<(String, ColumnType)> = table
            .columns()
            .map(|(n, c)| (n.to_string(), c.dtype()))
            .collect();
        if let Some(t) = self
            .options
            .timestamp_seconds
            .iter()
            .find(|t| !table.has_column(t))
        {
            return Err(Error::UnknownColumn {
                op: OP,
                name: t.clone(),
                available: table.column_names().join(", "),
            });
        }
        match &self.columns {
            Some(first) => {
                let names = |c: &[(String, ColumnType)]| {
                    c.iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                if first.len() != columns.len()
                    || first.iter().zip(&columns).any(|(a, b)| a.0 != b.0)
                {
                    return Err(invalid(
                        OP,
                        format!(
                            "{}: the table has columns {}, but the file was started with {}",
                            self.path.display(),
                            names(&columns),
                            names(first)
                        ),
                    ));
                }
                if let Some((a, b)) = first.iter().zip(&columns).find(|(a, b)| a.1 != b.1) {
                    return Err(Error::TypeMismatch {
                        op: OP,
                        column: a.0.clone(),
                        expected: a.1.name().into(),
                        found: b.1.name().into(),
                    });
                }
            }
            None => self.columns = Some(columns),
        }
        let batch = self.to_batch(table)?;
        let path = self.path.display().to_string();
        let perr = |e: parquet::errors::ParquetError| invalid(OP, format!("{path}: {e}"));
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let props = self.options.properties()?;
            self.writer =
                Some(ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(perr)?);
        }
        if let Some(w) = self.writer.as_mut() {
            w.write(&batch).map_err(perr)?;
        }
        self.rows += table.n_rows();
        Ok(())
    }

    /// Writes the footer and closes the file. A writer that was given no
    /// table writes an empty file without columns.
    ///
    /// ```
    /// use ua_data::arrow_io::{ParquetWriteOptions, ParquetWriter};
    /// let path = std::env::temp_dir().join("ua_data_parquet_writer_finish_doc.parquet");
    /// let w = ParquetWriter::create(&path, ParquetWriteOptions::default()).unwrap();
    /// assert_eq!(w.finish().unwrap().rows, 0);
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn finish(self) -> Result<ParquetWriteReport> {
        const OP: &str = "ParquetWriter::finish";
        let path = self.path.display().to_string();
        let writer = match self.writer {
            Some(w) => w,
            None => {
                let file = File::create(&self.path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                ArrowWriter::try_new(
                    file,
                    Arc::new(Schema::empty()),
                    Some(self.options.properties()?),
                )
                .map_err(|e| invalid(OP, format!("{path}: {e}")))?
            }
        };
        let meta = writer
            .close()
            .map_err(|e| invalid(OP, format!("{path}: {e}")))?;
        Ok(ParquetWriteReport {
            rows: self.rows,
            row_groups: meta.num_row_groups(),
        })
    }
}

/// Writes a table to a Parquet file (see [`ParquetWriter`] for several
/// tables into one file). An empty table writes a file with its columns and
/// no rows.
///
/// ```
/// use ua_data::arrow_io::{read_parquet, write_parquet, ParquetReadOptions, ParquetWriteOptions};
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![("d".into(), Column::date_opt(vec![Some(19_000), None]))]).unwrap();
/// let path = std::env::temp_dir().join("ua_data_write_parquet_doc.parquet");
/// write_parquet(&t, &path, &ParquetWriteOptions::default()).unwrap();
/// assert_eq!(read_parquet(&path, &ParquetReadOptions::default()).unwrap(), t);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn write_parquet(
    table: &Table,
    path: impl AsRef<Path>,
    options: &ParquetWriteOptions,
) -> Result<ParquetWriteReport> {
    let mut w = ParquetWriter::create(path, options.clone())?;
    w.write(table)?;
    w.finish()
}

// ---------------------------------------------------------------- reading

/// What [`read_parquet`] and [`read_parquet_row_groups`] read.
///
/// ```
/// use ua_data::ColumnType;
/// use ua_data::arrow_io::ParquetReadOptions;
/// let o = ParquetReadOptions::default().columns(&["user_id", "amount"]).expect("amount", ColumnType::Numeric);
/// assert_eq!(o.columns.unwrap(), ["user_id", "amount"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParquetReadOptions {
    /// The columns to read, in this order (`None`: all, in the file's order).
    /// Only these are decoded.
    pub columns: Option<Vec<String>>,
    /// Columns that must be there with this type (checked when the file is
    /// opened, before any row is decoded).
    pub expected: Vec<(String, ColumnType)>,
}

impl ParquetReadOptions {
    /// Reads only these columns, in this order.
    ///
    /// ```
    /// let o = ua_data::arrow_io::ParquetReadOptions::default().columns(&["a"]);
    /// assert_eq!(o.columns.unwrap(), ["a"]);
    /// ```
    pub fn columns(mut self, columns: &[&str]) -> Self {
        self.columns = Some(columns.iter().map(|c| c.to_string()).collect());
        self
    }

    /// Requires column `name` with type `dtype`.
    ///
    /// ```
    /// use ua_data::ColumnType;
    /// let o = ua_data::arrow_io::ParquetReadOptions::default().expect("day", ColumnType::Date);
    /// assert_eq!(o.expected, [("day".to_string(), ColumnType::Date)]);
    /// ```
    pub fn expect(mut self, name: &str, dtype: ColumnType) -> Self {
        self.expected.push((name.to_string(), dtype));
        self
    }
}

/// An open file: its metadata and the projection, checked.
struct Opened {
    path: String,
    file: File,
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
    /// The file's column index of each output column, in output order.
    order: Vec<usize>,
}

fn open(op: &'static str, path: &Path, options: &ParquetReadOptions) -> Result<Opened> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|source| Error::Io {
        path: shown.clone(),
        source,
    })?;
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| {
        invalid(
            op,
            format!("{shown}: not a readable Parquet file ({e}); check the path and the format"),
        )
    })?;
    let schema = meta.schema().clone();
    let available = || {
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let index_of = |name: &str| -> Result<usize> {
        schema.index_of(name).map_err(|_| {
            invalid(
                op,
                format!(
                    "{shown}: no column `{name}`; the file has columns: {}",
                    available()
                ),
            )
        })
    };
    let order: Vec<usize> = match &options.columns {
        Some(cols) => cols.iter().map(|c| index_of(c)).collect::<Result<_>>()?,
        None => (0..schema.fields().len()).collect(),
    };
    for &i in &order {
        let f = schema.field(i);
        if column_type_of(f.data_type()).is_none() {
            return Err(invalid(
                op,
                format!(
                    "{shown}: column `{}` has Arrow type {}, which a ua-data table cannot hold \
                     (supported: {SUPPORTED}); leave it out with ParquetReadOptions::columns",
                    f.name(),
                    f.data_type()
                ),
            ));
        }
    }
    for (name, dtype) in &options.expected {
        let i = index_of(name)?;
        let found = schema.field(i).data_type();
        if column_type_of(found) != Some(*dtype) {
            return Err(invalid(
                op,
                format!(
                    "{shown}: column `{name}` has Arrow type {found}, expected {} ({})",
                    dtype.name(),
                    accepted(*dtype)
                ),
            ));
        }
    }
    let mask = ProjectionMask::roots(meta.parquet_schema(), order.iter().copied());
    Ok(Opened {
        path: shown,
        file,
        meta,
        mask,
        order,
    })
}

impl Opened {
    /// The decoded batch's columns in the requested order (the reader gives
    /// them in file order).
    fn reorder(&self, batch: &RecordBatch) -> Result<Table> {
        // A column asked for twice is decoded once (and then refused as a
        // duplicate name by `Table::new`).
        let mut sorted = self.order.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let schema = self.meta.schema();
        let columns = self
            .order
            .iter()
            .map(|i| {
                let pos = sorted.binary_search(i).unwrap_or(0);
                let name = schema.field(*i).name();
                let array = batch.column(pos);
                column_from_array(name, array.as_ref())
                    .map(|c| (name.clone(), c))
                    .map_err(|e| invalid("read_parquet", format!("{}: {e}", self.path)))
            })
            .collect::<Result<Vec<_>>>()?;
        Table::new(columns)
    }

    fn empty(&self) -> Result<Table> {
        let schema = self.meta.schema();
        let columns = self
            .order
            .iter()
            .map(|&i| {
                let f = schema.field(i);
                let a = arrow_array::new_empty_array(f.data_type());
                column_from_array(f.name(), a.as_ref()).map(|c| (f.name().clone(), c))
            })
            .collect::<Result<Vec<_>>>()?;
        Table::new(columns)
    }

    /// Reads the given row groups (all when `None`) into one table.
    fn read(&self, row_groups: Option<Vec<usize>>, rows: usize) -> Result<Table> {
        let perr =
            |e: &dyn std::fmt::Display| invalid("read_parquet", format!("{}: {e}", self.path));
        let file = self.file.try_clone().map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
                .with_projection(self.mask.clone())
                .with_batch_size(rows.max(1));
        if let Some(groups) = row_groups {
            builder = builder.with_row_groups(groups);
        }
        let reader = builder.build().map_err(|e| perr(&e))?;
        let mut parts = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| perr(&e))?;
            parts.push(self.reorder(&batch)?);
        }
        match parts.len() {
            0 => self.empty(),
            1 => Ok(parts.pop().unwrap_or_default()),
            _ => concat(&parts),
        }
    }
}

/// Reads a Parquet file (or the [projected](ParquetReadOptions::columns)
/// columns) into one table. Errors name the file: it cannot be opened, it is
/// not Parquet, a requested column is not there (the message lists the
/// file's columns), a column has a type a table cannot hold or not the
/// [expected](ParquetReadOptions::expect) one.
///
/// ```
/// use ua_data::arrow_io::{read_parquet, ParquetReadOptions};
/// let path = std::env::temp_dir().join("ua_data_read_parquet_doc.txt");
/// std::fs::write(&path, "user,amount\n1,2\n").unwrap();
/// let err = read_parquet(&path, &ParquetReadOptions::default()).unwrap_err();
/// assert!(err.to_string().contains("not a readable Parquet file"), "{err}");
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_parquet(path: impl AsRef<Path>, options: &ParquetReadOptions) -> Result<Table> {
    let opened = open("read_parquet", path.as_ref(), options)?;
    let rows = usize::try_from(opened.meta.metadata().file_metadata().num_rows()).unwrap_or(0);
    opened.read(None, rows)
}

/// The row groups of a Parquet file, one table each, decoded as the
/// iterator advances (see [`read_parquet_row_groups`]).
pub struct ParquetRowGroups {
    opened: Opened,
    next: usize,
}

impl std::fmt::Debug for ParquetRowGroups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetRowGroups")
            .field("path", &self.opened.path)
            .field("next", &self.next)
            .field("row_groups", &self.len())
            .finish()
    }
}

impl ParquetRowGroups {
    /// Number of row groups in the file.
    ///
    /// ```
    /// use ua_data::arrow_io::*;
    /// use ua_data::{Column, Table};
    /// let path = std::env::temp_dir().join("ua_data_row_groups_len_doc.parquet");
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0; 5]))]).unwrap();
    /// write_parquet(&t, &path, &ParquetWriteOptions::default().row_group_rows(2)).unwrap();
    /// assert_eq!(read_parquet_row_groups(&path, &ParquetReadOptions::default()).unwrap().len(), 3);
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn len(&self) -> usize {
        self.opened.meta.metadata().num_row_groups()
    }

    /// Whether the file has no row group.
    ///
    /// ```
    /// use ua_data::arrow_io::*;
    /// use ua_data::{Column, Table};
    /// let path = std::env::temp_dir().join("ua_data_row_groups_empty_doc.parquet");
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![]))]).unwrap();
    /// write_parquet(&t, &path, &ParquetWriteOptions::default()).unwrap();
    /// assert!(read_parquet_row_groups(&path, &ParquetReadOptions::default()).unwrap().is_empty());
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Iterator for ParquetRowGroups {
    type Item = Result<Table>;

    fn next(&mut self) -> Option<Result<Table>> {
        let meta = self.opened.meta.metadata();
        let group = meta.row_groups().get(self.next)?;
        let rows = usize::try_from(group.num_rows()).unwrap_or(0);
        let i = self.next;
        self.next += 1;
        Some(self.opened.read(Some(vec![i]), rows))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

/// Opens a Parquet file to read it one row group at a time: only the
/// metadata is read here (and the projection and expected types checked,
/// with the errors of [`read_parquet`]); each step of the iterator decodes
/// one row group into a table.
///
/// ```
/// use ua_data::arrow_io::*;
/// use ua_data::{Column, Table};
/// let path = std::env::temp_dir().join("ua_data_row_groups_doc.parquet");
/// let t = Table::new(vec![
///     ("user".into(), Column::numeric((0..10).map(f64::from).collect())),
///     ("spend".into(), Column::numeric(vec![1.0; 10])),
/// ]).unwrap();
/// write_parquet(&t, &path, &ParquetWriteOptions::default().row_group_rows(4)).unwrap();
/// let opts = ParquetReadOptions::default().columns(&["spend"]);
/// let sizes: Vec<usize> = read_parquet_row_groups(&path, &opts).unwrap()
///     .map(|g| g.unwrap().n_rows())
///     .collect();
/// assert_eq!(sizes, [4, 4, 2]);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_parquet_row_groups(
    path: impl AsRef<Path>,
    options: &ParquetReadOptions,
) -> Result<ParquetRowGroups> {
    Ok(ParquetRowGroups {
        opened: open("read_parquet_row_groups", path.as_ref(), options)?,
        next: 0,
    })
}

#[cfg(test)]
mod tests;
