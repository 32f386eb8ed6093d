use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BinaryArray, DictionaryArray, Float32Array, Int64Array, LargeStringArray,
    RecordBatch, StringArray, StringViewArray, TimestampMillisecondArray, UInt64Array,
};
use arrow_schema::{DataType, TimeUnit};

use super::*;

/// A fresh path under the system temp dir, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        let p = std::env::temp_dir().join(format!(
            "ua_data_arrow_io_{}_{name}.parquet",
            std::process::id()
        ));
        TempFile(p)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One column of each type, each with missing values, and a category level
/// that no row uses.
fn every_type() -> Table {
    Table::new(vec![
        (
            "spend".into(),
            Column::numeric_opt(vec![Some(2.5), None, Some(-1e300), Some(0.0)]),
        ),
        (
            "city".into(),
            Column::Categorical(
                CategoricalColumn::from_codes(
                    vec![1, CategoricalColumn::MISSING, 0, 1],
                    vec!["Oslo".into(), "Rome".into(), "unused".into()],
                )
                .unwrap(),
            ),
        ),
        (
            "vip".into(),
            Column::boolean_opt(vec![Some(true), Some(false), None, Some(true)]),
        ),
        (
            "signup".into(),
            Column::date_opt(vec![Some(-365), Some(19_000), None, Some(0)]),
        ),
    ])
    .unwrap()
}

/// Same names, types and values row by row (levels may be numbered
/// differently).
fn assert_same_values(a: &Table, b: &Table) {
    assert_eq!(a.column_names(), b.column_names());
    assert_eq!(a.n_rows(), b.n_rows());
    for ((name, ca), (_, cb)) in a.columns().zip(b.columns()) {
        assert_eq!(ca.dtype(), cb.dtype(), "column {name}");
        for i in 0..a.n_rows() {
            assert_eq!(ca.get(i), cb.get(i), "column {name}, row {i}");
        }
    }
}

#[test]
fn record_batch_round_trip_keeps_types_missing_values_and_levels() {
    let t = every_type();
    let batch = into_record_batch(t.clone()).unwrap();
    let types: Vec<DataType> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        types,
        [
            DataType::Float64,
            DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8)),
            DataType::Boolean,
            DataType::Date32
        ]
    );
    let nulls: Vec<usize> = batch.columns().iter().map(|c| c.null_count()).collect();
    assert_eq!(nulls, [1, 1, 1, 1]);
    assert!(batch.schema().fields().iter().all(|f| f.is_nullable()));
    let back = from_record_batch(&batch).unwrap();
    assert_eq!(back, t); // codes and levels too, the unused level included
    assert_eq!(from_record_batch(&to_record_batch(&t).unwrap()).unwrap(), t);
}

#[test]
fn into_record_batch_moves_the_numeric_buffer() {
    let values = vec![1.0, 2.0, 3.0];
    let ptr = values.as_ptr();
    let t = Table::new(vec![("x".into(), Column::numeric(values))]).unwrap();
    let batch = into_record_batch(t).unwrap();
    let a = batch.column(0).as_primitive::<Float64Type>();
    assert_eq!(a.values().as_ptr(), ptr);
    assert_eq!(a.null_count(), 0);
}

#[test]
fn a_nan_that_is_not_missing_stays_a_value() {
    let t = Table::new(vec![(
        "x".into(),
        Column::Numeric(NumericColumn::from_values(vec![f64::NAN, 1.0])),
    )])
    .unwrap();
    let batch = to_record_batch(&t).unwrap();
    assert_eq!(batch.column(0).null_count(), 0);
    let back = from_record_batch(&batch).unwrap();
    assert!(back.numeric("x").unwrap().get(0).unwrap().is_nan());
    assert_eq!(back.numeric("x").unwrap().missing_count(), 0);
}

#[test]
fn arrow_types_of_other_writers_are_read() {
    let dict: DictionaryArray<Int8Type> = vec![Some("b"), None, Some("a"), Some("b")]
        .into_iter()
        .collect();
    let batch = RecordBatch::try_from_iter(vec![
        (
            "i64",
            Arc::new(Int64Array::from(vec![
                Some(-3),
                None,
                Some(1 << 40),
                Some(7),
            ])) as ArrayRef,
        ),
        (
            "f32",
            Arc::new(Float32Array::from(vec![
                Some(0.5),
                Some(1.5),
                None,
                Some(-2.0),
            ])) as ArrayRef,
        ),
        (
            "large",
            Arc::new(LargeStringArray::from(vec![
                Some("x"),
                None,
                Some("y"),
                Some("x"),
            ])) as ArrayRef,
        ),
        (
            "view",
            Arc::new(StringViewArray::from(vec![
                Some("p"),
                Some("q"),
                None,
                Some("p"),
            ])) as ArrayRef,
        ),
        ("dict", Arc::new(dict) as ArrayRef),
        (
            "ms",
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(1_500),
                None,
                Some(-500),
                Some(0),
            ])) as ArrayRef,
        ),
    ])
    .unwrap();
    let t = from_record_batch(&batch).unwrap();
    let n = |c: &str| t.numeric(c).unwrap().iter().collect::<Vec<_>>();
    assert_eq!(
        n("i64"),
        [Some(-3.0), None, Some(1_099_511_627_776.0), Some(7.0)]
    );
    assert_eq!(n("f32"), [Some(0.5), Some(1.5), None, Some(-2.0)]);
    assert_eq!(n("ms"), [Some(1.5), None, Some(-0.5), Some(0.0)]);
    let s = |c: &str| t.categorical(c).unwrap().iter().collect::<Vec<_>>();
    assert_eq!(s("large"), [Some("x"), None, Some("y"), Some("x")]);
    assert_eq!(s("view"), [Some("p"), Some("q"), None, Some("p")]);
    assert_eq!(s("dict"), [Some("b"), None, Some("a"), Some("b")]);
    assert_eq!(t.categorical("dict").unwrap().levels(), ["b", "a"]);
}

#[test]
fn integers_beyond_two_to_the_53_are_an_error_naming_column_row_and_value() {
    let big = (1u64 << 53) + 1;
    let a = UInt64Array::from(vec![Some(1), None, Some(big)]);
    let err = column_from_array("order_id", &a).unwrap_err().to_string();
    assert!(err.contains("column `order_id`"), "{err}");
    assert!(err.contains(&format!("`{big}` at row 3")), "{err}");
    assert!(err.contains("2^53"), "{err}");
    // 2^53 itself is exact.
    let ok = column_from_array("x", &UInt64Array::from(vec![1u64 << 53])).unwrap();
    assert_eq!(
        ok.as_numeric().unwrap().get(0),
        Some(9_007_199_254_740_992.0)
    );
}

#[test]
fn unsupported_arrow_types_are_named() {
    let err = column_from_array("blob", &BinaryArray::from(vec![&b"x"[..]]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("column `blob` has Arrow type Binary"), "{err}");
    assert!(err.contains("supported:"), "{err}");
    assert_eq!(column_type_of(&DataType::Binary), None);
    assert_eq!(
        column_type_of(&DataType::Dictionary(
            Box::new(DataType::Int32),
            Box::new(DataType::Int64)
        )),
        None
    );
}

#[test]
fn parquet_round_trip_every_type_with_missing_values() {
    let f = TempFile::new("round_trip");
    let t = every_type();
    let report = write_parquet(&t, &f.0, &ParquetWriteOptions::default()).unwrap();
    assert_eq!(
        report,
        ParquetWriteReport {
            rows: 4,
            row_groups: 1
        }
    );
    let back = read_parquet(&f.0, &ParquetReadOptions::default()).unwrap();
    assert_same_values(&t, &back);
    for (_, c) in back.columns() {
        assert_eq!(c.missing_count(), 1);
    }
    // The codes may be renumbered, the dates may not.
    assert_eq!(back.date("signup").unwrap(), t.date("signup").unwrap());
}

#[test]
fn parquet_round_trip_with_zstd_and_uncompressed() {
    for (i, c) in [ParquetCompression::Zstd(3), ParquetCompression::None]
        .into_iter()
        .enumerate()
    {
        let f = TempFile::new(&format!("codec{i}"));
        let t = every_type();
        write_parquet(&t, &f.0, &ParquetWriteOptions::default().compression(c)).unwrap();
        assert_same_values(
            &t,
            &read_parquet(&f.0, &ParquetReadOptions::default()).unwrap(),
        );
    }
}

#[test]
fn empty_table_round_trips_with_its_columns() {
    let f = TempFile::new("empty");
    let t = every_type().head(0);
    let report = write_parquet(&t, &f.0, &ParquetWriteOptions::default()).unwrap();
    assert_eq!(report.rows, 0);
    let back = read_parquet(&f.0, &ParquetReadOptions::default()).unwrap();
    assert_eq!(back.n_rows(), 0);
    assert_eq!(back.column_names(), t.column_names());
    let types: Vec<ColumnType> = back.columns().map(|(_, c)| c.dtype()).collect();
    assert_eq!(
        types,
        [
            ColumnType::Numeric,
            ColumnType::Categorical,
            ColumnType::Boolean,
            ColumnType::Date
        ]
    );
    assert_eq!(
        read_parquet_row_groups(&f.0, &ParquetReadOptions::default())
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn all_missing_categorical_without_levels_round_trips() {
    let f = TempFile::new("no_levels");
    let t = Table::new(vec![(
        "c".into(),
        Column::categorical_opt(&[None::<&str>, None]),
    )])
    .unwrap();
    assert_eq!(from_record_batch(&to_record_batch(&t).unwrap()).unwrap(), t);
    write_parquet(&t, &f.0, &ParquetWriteOptions::default()).unwrap();
    let back = read_parquet(&f.0, &ParquetReadOptions::default()).unwrap();
    assert_eq!(back.categorical("c").unwrap().missing_count(), 2);
}

#[test]
fn timestamps_are_written_as_utc_microseconds_and_read_back_as_seconds() {
    let f = TempFile::new("timestamps");
    let secs = vec![
        Some(1_700_000_000.0),
        None,
        Some(-1.25),
        Some(1_700_000_000.000_001),
    ];
    let t = Table::new(vec![("ts".into(), Column::numeric_opt(secs.clone()))]).unwrap();
    write_parquet(
        &t,
        &f.0,
        &ParquetWriteOptions::default().timestamp_seconds(&["ts"]),
    )
    .unwrap();
    // The file's Arrow schema, as Spark/DataFusion see it.
    let file = File::open(&f.0).unwrap();
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).unwrap();
    assert_eq!(
        meta.schema().field(0).data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    let batch = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let us = batch.column(0).as_primitive::<TimestampMicrosecondType>();
    assert_eq!(us.value(0), 1_700_000_000_000_000);
    assert_eq!(us.value(2), -1_250_000);
    assert_eq!(us.value(3), 1_700_000_000_000_001);
    assert!(us.is_null(1));
    let back = read_parquet(&f.0, &ParquetReadOptions::default()).unwrap();
    let got: Vec<Option<f64>> = back.numeric("ts").unwrap().iter().collect();
    assert_eq!(got[..3], secs[..3]);
    approx::assert_abs_diff_eq!(got[3].unwrap(), 1_700_000_000.000_001, epsilon = 1e-6);
}

#[test]
fn timestamp_option_on_a_column_that_is_not_numeric_or_not_there() {
    let f = TempFile::new("bad_ts");
    let t = every_type();
    let err = write_parquet(
        &t,
        &f.0,
        &ParquetWriteOptions::default().timestamp_seconds(&["city"]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("column `city` has type categorical, expected numeric"),
        "{err}"
    );
    let err = write_parquet(
        &t,
        &f.0,
        &ParquetWriteOptions::default().timestamp_seconds(&["when"]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("unknown column `when`"), "{err}");
    assert!(err.contains("spend, city, vip, signup"), "{err}");
    let inf = Table::new(vec![(
        "ts".into(),
        Column::numeric(vec![0.0, f64::INFINITY]),
    )])
    .unwrap();
    let err = write_parquet(
        &inf,
        &f.0,
        &ParquetWriteOptions::default().timestamp_seconds(&["ts"]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("column `ts`: `inf` at row 2"), "{err}");
}

#[test]
fn projection_reads_the_requested_columns_in_the_requested_order() {
    let f = TempFile::new("projection");
    let t = every_type();
    write_parquet(&t, &f.0, &ParquetWriteOptions::default()).unwrap();
    let back = read_parquet(
        &f.0,
        &ParquetReadOptions::default().columns(&["signup", "spend"]),
    )
    .unwrap();
    assert_eq!(back.column_names(), ["signup", "spend"]);
    assert_same_values(&t.select(&["signup", "spend"]).unwrap(), &back);
    // A column asked for twice is an error, not a panic.
    let err = read_parquet(
        &f.0,
        &ParquetReadOptions::default().columns(&["spend", "spend"]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("duplicate column name `spend`"), "{err}");
}

#[test]
fn row_groups_stream_one_table_each_and_add_up_to_the_file() {
    let f = TempFile::new("row_groups");
    let n = 1000;
    let t = Table::new(vec![
        (
            "user".into(),
            Column::numeric((0..n).map(|i| f64::from(i % 37)).collect()),
        ),
        (
            "amount".into(),
            Column::numeric_opt(
                (0..n)
                    .map(|i| (i % 5 != 0).then_some(f64::from(i) * 0.25))
                    .collect(),
            ),
        ),
        (
            "kind".into(),
            Column::categorical(
                &(0..n)
                    .map(|i| ["view", "cart", "buy"][i as usize % 3])
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
    .unwrap();
    // Written in three pieces; row groups cut at 300 rows.
    let mut w =
        ParquetWriter::create(&f.0, ParquetWriteOptions::default().row_group_rows(300)).unwrap();
    for range in [0..100usize, 100..700, 700..1000] {
        w.write(&t.take(&range.collect::<Vec<_>>()).unwrap())
            .unwrap();
    }
    let report = w.finish().unwrap();
    assert_eq!(report.rows, 1000);
    assert!(report.row_groups >= 4, "{report:?}");
    let opts = ParquetReadOptions::default().columns(&["amount", "kind"]);
    let groups = read_parquet_row_groups(&f.0, &opts).unwrap();
    assert_eq!(groups.len(), report.row_groups);
    let parts: Vec<Table> = groups.map(|g| g.unwrap()).collect();
    assert_eq!(parts.len(), report.row_groups);
    assert!(parts.iter().all(|p| p.n_rows() <= 300 && p.n_cols() == 2));
    let whole = concat(&parts).unwrap();
    assert_same_values(&t.select(&["amount", "kind"]).unwrap(), &whole);
    assert_same_values(&whole, &read_parquet(&f.0, &opts).unwrap());
}

#[test]
fn writing_a_table_with_other_columns_into_a_started_file_is_an_error() {
    let f = TempFile::new("other_columns");
    let mut w = ParquetWriter::create(&f.0, ParquetWriteOptions::default()).unwrap();
    w.write(&every_type()).unwrap();
    let err = w
        .write(&every_type().select(&["spend"]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "the table has columns spend, but the file was started with spend, city, vip, signup"
        ),
        "{err}"
    );
    let mut renamed = every_type();
    renamed
        .replace_column("vip", Column::numeric(vec![1.0; 4]))
        .unwrap();
    let err = w.write(&renamed).unwrap_err().to_string();
    assert!(
        err.contains("column `vip` has type numeric, expected boolean"),
        "{err}"
    );
    assert_eq!(w.finish().unwrap().rows, 4);
}

#[test]
fn bad_write_options_are_named() {
    let f = TempFile::new("bad_options");
    let err = ParquetWriter::create(&f.0, ParquetWriteOptions::default().row_group_rows(0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("parameter `row_group_rows`"), "{err}");
    let err = ParquetWriter::create(
        &f.0,
        ParquetWriteOptions::default().compression(ParquetCompression::Zstd(99)),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("zstd level 99"), "{err}");
}

#[test]
fn a_missing_column_names_the_file_and_lists_its_columns() {
    let f = TempFile::new("missing_column");
    write_parquet(&every_type(), &f.0, &ParquetWriteOptions::default()).unwrap();
    for err in [
        read_parquet(
            &f.0,
            &ParquetReadOptions::default().columns(&["spend", "age"]),
        )
        .unwrap_err(),
        read_parquet_row_groups(
            &f.0,
            &ParquetReadOptions::default().expect("age", ColumnType::Numeric),
        )
        .unwrap_err(),
    ] {
        let err = err.to_string();
        assert!(err.contains(&f.0.display().to_string()), "{err}");
        assert!(
            err.contains("no column `age`; the file has columns: spend, city, vip, signup"),
            "{err}"
        );
    }
}

#[test]
fn a_mistyped_column_names_the_file_column_found_and_expected() {
    let f = TempFile::new("mistyped");
    write_parquet(&every_type(), &f.0, &ParquetWriteOptions::default()).unwrap();
    let err = read_parquet(
        &f.0,
        &ParquetReadOptions::default().expect("city", ColumnType::Numeric),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains(&f.0.display().to_string()), "{err}");
    assert!(
        err.contains("column `city` has Arrow type Dictionary(UInt32, Utf8), expected numeric"),
        "{err}"
    );
    // The matching type passes.
    let ok = read_parquet(
        &f.0,
        &ParquetReadOptions::default().expect("signup", ColumnType::Date),
    );
    assert_eq!(ok.unwrap().n_rows(), 4);
}

#[test]
fn a_column_of_an_unsupported_type_is_named_and_can_be_left_out() {
    let f = TempFile::new("binary");
    let batch = RecordBatch::try_from_iter(vec![
        (
            "blob",
            Arc::new(BinaryArray::from(vec![&b"x"[..], b"y"])) as ArrayRef,
        ),
        ("x", Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef),
    ])
    .unwrap();
    let mut w = ArrowWriter::try_new(File::create(&f.0).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let err = read_parquet(&f.0, &ParquetReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("column `blob` has Arrow type Binary"), "{err}");
    assert!(err.contains("ParquetReadOptions::columns"), "{err}");
    let t = read_parquet(&f.0, &ParquetReadOptions::default().columns(&["x"])).unwrap();
    assert_eq!(t.categorical("x").unwrap().get(1), Some("b"));
}

#[test]
fn not_a_parquet_file_and_no_file_are_errors_naming_the_path() {
    let f = TempFile::new("not_parquet");
    std::fs::write(&f.0, "user,amount\n1,2\n").unwrap();
    let err = read_parquet(&f.0, &ParquetReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains(&f.0.display().to_string()), "{err}");
    assert!(err.contains("not a readable Parquet file"), "{err}");
    let gone = TempFile::new("does_not_exist");
    let err = read_parquet(&gone.0, &ParquetReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(
        err.to_string().contains(&gone.0.display().to_string()),
        "{err}"
    );
}

#[test]
fn synthetic_events_round_trip_through_parquet() {
    let shop = crate::synth::generate(&crate::synth::ShopConfig::small()).unwrap();
    let events = shop.events_table().unwrap();
    let f = TempFile::new("events");
    let report = write_parquet(
        &events,
        &f.0,
        &ParquetWriteOptions::default()
            .timestamp_seconds(&["timestamp"])
            .row_group_rows(10_000),
    )
    .unwrap();
    assert_eq!(report.rows, events.n_rows());
    let back = read_parquet(&f.0, &ParquetReadOptions::default()).unwrap();
    assert_same_values(&events, &back);
}
