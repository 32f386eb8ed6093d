//! Property tests of the CSV reader and writer:
//!
//! * the reader never panics, whatever the bytes (random bytes, bytes drawn
//!   from the characters CSV cares about, and random mutations of a valid
//!   file: quotes, delimiters, BOM, CR, invalid UTF-8, long fields), and a
//!   table it returns is consistent (equal column lengths, one source line
//!   per row, lines increasing);
//! * tables the writer writes (random column types with missing values, text
//!   with quotes, commas and newlines, dates, booleans) read back equal;
//! * a 10 MB field and 200 columns are read (or refused with a clear error).
//!
//! Cases per property: `UA_PROPTEST_CASES` (default 64), e.g.
//! `UA_PROPTEST_CASES=5000 cargo test -p ua-data --test csv_props`.

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use ua_data::csv_io::{CsvOptions, read_csv_reader, write_csv_writer};
use ua_data::date::{PLAUSIBLE_MAX, PLAUSIBLE_MIN};
use ua_data::{Column, ColumnType, Error, Table};

/// Cases per property from `UA_PROPTEST_CASES` (default 64).
fn config() -> ProptestConfig {
    let cases = std::env::var("UA_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Reading options: delimiter, quoting, header, and (without a header) a
/// forced type for the first column.
fn options() -> impl Strategy<Value = CsvOptions> {
    (
        prop::sample::select(vec![b',', b';', b'\t', b'|', b'"', b'\n']),
        prop::option::of(prop::sample::select(vec![b'"', b'\'', b','])),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![
            ColumnType::Numeric,
            ColumnType::Date,
            ColumnType::Boolean,
            ColumnType::Categorical,
        ])),
    )
        .prop_map(|(d, q, header, forced)| {
            let mut o = CsvOptions::default()
                .delimiter(d)
                .quote(q)
                .has_header(header);
            if let (false, Some(t)) = (header, forced) {
                o = o.with_type("column_1", t);
            }
            o
        })
}

/// What a table returned by the reader must satisfy.
fn check_table(t: &Table) -> Result<(), TestCaseError> {
    for (name, c) in t.columns() {
        prop_assert_eq!(c.len(), t.n_rows(), "column {}", name);
    }
    if t.n_cols() > 0 {
        let lines = t
            .source_lines()
            .expect("a table read from CSV has source lines");
        prop_assert_eq!(lines.len(), t.n_rows());
        for w in lines.windows(2) {
            prop_assert!(w[0] < w[1], "lines {:?}", lines);
        }
        if let Some(&l) = lines.first() {
            prop_assert!(l >= 1, "lines {:?}", lines);
        }
    }
    Ok(())
}

/// Errors must say where: a line for malformed files and bad values.
fn check_error(e: &Error) -> Result<(), TestCaseError> {
    let msg = e.to_string();
    prop_assert!(!msg.is_empty());
    match e {
        Error::Parse { column, line, .. } => {
            let want = format!("line {}, column `{}`", line, column);
            prop_assert!(msg.contains(&want), "{}", msg);
        }
        Error::Csv { line, .. } => {
            let want = format!("line {}", line);
            prop_assert!(msg.contains(&want), "{}", msg);
        }
        Error::UnknownColumn { .. } | Error::DuplicateColumn { .. } => {}
        other => prop_assert!(false, "unexpected error kind: {other:?}"),
    }
    Ok(())
}

fn read_any(bytes: &[u8], opts: &CsvOptions) -> Result<(), TestCaseError> {
    match read_csv_reader(bytes, "fuzz.csv", opts) {
        Ok(t) => check_table(&t),
        Err(e) => check_error(&e),
    }
}

/// Bytes drawn mostly from what matters to a CSV parser.
fn csv_ish_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let alphabet = vec![
        b'a', b'b', b'0', b'1', b'7', b'-', b'.', b'e', b'+', b' ', b',', b';', b'\t', b'"', b'\'',
        b'\n', b'\r', b'\n', b',', b'"', 0xEF, 0xBB, 0xBF, 0xFF, 0xC3, 0xA9, 0x00, b'N', b'A',
        b'T', b'2', b'9',
    ];
    prop::collection::vec(prop::sample::select(alphabet), 0..max)
}

/// A valid CSV text of a few typed columns.
fn valid_csv() -> impl Strategy<Value = String> {
    (1usize..6, 0usize..12).prop_flat_map(|(cols, rows)| {
        let cell = prop_oneof![
            "-?[0-9]{1,6}(\\.[0-9]{1,3})?",
            "[a-z]{0,5}",
            "\"[a-z ,]{0,4}\"",
            "\"x\"\"y\"",
            "(19|20)[0-9]{2}-0[1-9]-[12][0-9]",
            "true|false",
            "NA|",
            "00[0-9]{2}",
        ];
        prop::collection::vec(prop::collection::vec(cell, cols), rows).prop_map(move |body| {
            let mut s: String = (1..=cols)
                .map(|j| format!("c{j}"))
                .collect::<Vec<_>>()
                .join(",");
            s.push('\n');
            for r in body {
                s.push_str(&r.join(","));
                s.push('\n');
            }
            s
        })
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, u8),
    Replace(usize, u8),
    Delete(usize, usize),
    Truncate(usize),
    Bom,
    Crlf,
    LongField(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop::sample::select(vec![
        b'"', b',', b';', b'\n', b'\r', 0xFF, 0xFE, 0xC3, 0x00, b' ', b'0',
    ]);
    prop_oneof![
        (any::<usize>(), special.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), special).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), 1usize..5).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        Just(Mutation::Bom),
        Just(Mutation::Crlf),
        (any::<usize>(), 1usize..20_000).prop_map(|(i, n)| Mutation::LongField(i, n)),
    ]
}

fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match *m {
            Mutation::Insert(i, c) => {
                let p = at(i, b.len());
                b.insert(p, c);
            }
            Mutation::Replace(i, c) => {
                if !b.is_empty() {
                    let p = i % b.len();
                    b[p] = c;
                }
            }
            Mutation::Delete(i, n) => {
                let p = at(i, b.len());
                let end = (p + n).min(b.len());
                b.drain(p..end);
            }
            Mutation::Truncate(i) => {
                let p = at(i, b.len());
                b.truncate(p);
            }
            Mutation::Bom => {
                b.splice(0..0, [0xEF, 0xBB, 0xBF]);
            }
            Mutation::Crlf => {
                let mut out = Vec::with_capacity(b.len() * 2);
                for &c in &b {
                    if c == b'\n' {
                        out.push(b'\r');
                    }
                    out.push(c);
                }
                b = out;
            }
            Mutation::LongField(i, n) => {
                let p = at(i, b.len());
                b.splice(p..p, std::iter::repeat_n(b'7', n));
            }
        }
    }
    b
}

/// A random table of typed columns with missing values, text with quotes,
/// commas, newlines and CRs, dates in the plausible window.
fn table() -> impl Strategy<Value = Table> {
    let text = prop_oneof![
        "[a-z]{1,8}",
        "[a-z ,\"\n\r;']{1,10}",
        "\\PC{1,6}",
        "x[0-9]{1,4}",
    ]
    // Texts the reader must take as missing are not text.
    .prop_filter("not a missing token", |s: &String| {
        !["", "NA", "NaN", "nan", "null", "NULL", "N/A"].contains(&s.trim())
    });
    let column = move |rows: usize| {
        prop_oneof![
            prop::collection::vec(
                prop::option::weighted(
                    0.8,
                    prop_oneof![
                        any::<f64>().prop_filter("finite", |x| x.is_finite()),
                        (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 100.0),
                    ]
                ),
                rows
            )
            .prop_map(Column::numeric_opt),
            prop::collection::vec(prop::option::weighted(0.8, text.clone()), rows)
                .prop_map(|v| Column::categorical_opt(&v)),
            prop::collection::vec(prop::option::weighted(0.8, any::<bool>()), rows)
                .prop_map(Column::boolean_opt),
            prop::collection::vec(
                prop::option::weighted(0.8, PLAUSIBLE_MIN..=PLAUSIBLE_MAX),
                rows
            )
            .prop_map(Column::date_opt),
        ]
    };
    (1usize..6, 0usize..15).prop_flat_map(move |(cols, rows)| {
        prop::collection::vec(column(rows), cols).prop_map(|cs| {
            Table::new(
                cs.into_iter()
                    .enumerate()
                    .map(|(j, c)| (format!("col {j}, \"q\""), c))
                    .collect(),
            )
            .unwrap()
        })
    })
}

fn assert_same_values(a: &Table, b: &Table) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.column_names(), b.column_names());
    prop_assert_eq!(a.n_rows(), b.n_rows());
    for ((name, x), (_, y)) in a.columns().zip(b.columns()) {
        for i in 0..a.n_rows() {
            prop_assert_eq!(x.get(i), y.get(i), "column {} row {}", name, i);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reader_never_panics_on_random_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        opts in options(),
    ) {
        read_any(&bytes, &opts)?;
    }

    #[test]
    fn reader_never_panics_on_csv_like_bytes(bytes in csv_ish_bytes(800), opts in options()) {
        read_any(&bytes, &opts)?;
        read_any(&bytes, &CsvOptions::default())?;
    }

    #[test]
    fn reader_never_panics_on_mutated_valid_files(
        csv in valid_csv(),
        muts in prop::collection::vec(mutation(), 0..5),
        opts in options(),
    ) {
        let bytes = apply(csv.into_bytes(), &muts);
        read_any(&bytes, &CsvOptions::default())?;
        read_any(&bytes, &opts)?;
    }

    #[test]
    fn valid_files_read_with_one_line_per_row(csv in valid_csv()) {
        // No quoted newlines in these files: each row is on its own line.
        // A one-column file's empty fields are blank lines: rows up to the
        // last non-blank line (trailing blank lines are not rows).
        match read_csv_reader(csv.as_bytes(), "ok.csv", &CsvOptions::default()) {
            Ok(t) => {
                let one_column = t.n_cols() == 1;
                let lines: Vec<&str> = csv.lines().collect();
                let last = lines.iter().rposition(|l| !l.is_empty()).unwrap_or(0);
                let want: Vec<u64> = lines
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter(|&(i, l)| !l.is_empty() || (one_column && i < last))
                    .map(|(i, _)| i as u64 + 1)
                    .collect();
                prop_assert_eq!(t.source_lines(), Some(&want[..]));
            }
            // Only an implausible date (years 1900-2099 are fine) or nothing.
            Err(e) => prop_assert!(false, "valid file refused: {e}"),
        }
    }

    #[test]
    fn written_tables_read_back_equal_with_their_types(t in table()) {
        let mut out = Vec::new();
        write_csv_writer(&t, &mut out).unwrap();
        let mut opts = CsvOptions::default();
        for (name, c) in t.columns() {
            opts = opts.with_type(name, c.dtype());
        }
        let back = read_csv_reader(&out[..], "rt.csv", &opts)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&out))))?;
        assert_same_values(&t, &back)?;
        for (name, c) in t.columns() {
            prop_assert_eq!(back.column(name).unwrap().dtype(), c.dtype());
        }
    }

    #[test]
    fn written_tables_keep_inferred_types_and_values(t in table()) {
        // Without overrides: numbers, booleans and dates come back as such
        // (when a value is present); text comes back equal as text or as
        // the numbers/booleans/dates it spells.
        let mut out = Vec::new();
        write_csv_writer(&t, &mut out).unwrap();
        let back = read_csv_reader(&out[..], "rt.csv", &CsvOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(back.n_rows(), t.n_rows());
        for (name, c) in t.columns() {
            let b = back.column(name).unwrap();
            if c.dtype() != ColumnType::Categorical && c.missing_count() < c.len() {
                prop_assert_eq!(b.dtype(), c.dtype(), "column {}", name);
                for i in 0..t.n_rows() {
                    prop_assert_eq!(b.get(i), c.get(i), "column {} row {}", name, i);
                }
            }
            for i in 0..t.n_rows() {
                prop_assert_eq!(b.is_missing(i), c.is_missing(i), "column {} row {}", name, i);
            }
        }
    }
}

#[test]
fn a_10_mb_field_is_read_whole() {
    let big = "x".repeat(10 << 20);
    let csv = format!("id,note,n\na,\"{big}\",1\nb,short,2\n");
    let t = read_csv_reader(csv.as_bytes(), "big.csv", &CsvOptions::default()).unwrap();
    let note = t.categorical("note").unwrap();
    assert_eq!(note.get(0).map(str::len), Some(10 << 20));
    assert_eq!(t.numeric("n").unwrap().values(), &[1.0, 2.0]);
    assert_eq!(t.source_lines(), Some(&[2, 3][..]));
    // Ten million digits are an identifier, not a number.
    let digits = "9".repeat(10 << 20);
    let csv = format!("code\n{digits}\n");
    let t = read_csv_reader(csv.as_bytes(), "big.csv", &CsvOptions::default()).unwrap();
    assert_eq!(t.column("code").unwrap().dtype(), ColumnType::Categorical);
    // Forced numeric, a 10 MB field is an error that quotes it (in full).
    let o = CsvOptions::default().with_type("code", ColumnType::Numeric);
    let e = read_csv_reader(format!("code\n1\n{big}\n").as_bytes(), "big.csv", &o).unwrap_err();
    assert!(
        matches!(&e, Error::Parse { line: 3, column, value, .. } if column == "code" && value.len() == 10 << 20)
    );
    // An unterminated quote that runs 10 MB to the end of the file.
    let csv = format!("a,b\n1,\"{big}\n");
    let e = read_csv_reader(csv.as_bytes(), "big.csv", &CsvOptions::default()).unwrap_err();
    assert!(e.to_string().contains("line 2: unterminated quote"), "{e}");
}

#[test]
fn two_hundred_columns_are_read_with_their_names_and_types() {
    let names: Vec<String> = (0..200).map(|j| format!("f{j}")).collect();
    let mut csv = names.join(",");
    csv.push('\n');
    for i in 0..50 {
        let row: Vec<String> = (0..200)
            .map(|j| match j % 4 {
                0 => format!("{}", i * j),
                1 => format!("t{i}"),
                2 => (i % 2 == 0).to_string(),
                _ => format!("2024-01-{:02}", i % 28 + 1),
            })
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let t = read_csv_reader(csv.as_bytes(), "wide.csv", &CsvOptions::default()).unwrap();
    assert_eq!((t.n_rows(), t.n_cols()), (50, 200));
    assert_eq!(t.column_names()[199], "f199");
    let types: Vec<ColumnType> = t.columns().map(|(_, c)| c.dtype()).take(4).collect();
    assert_eq!(
        types,
        [
            ColumnType::Numeric,
            ColumnType::Categorical,
            ColumnType::Boolean,
            ColumnType::Date
        ]
    );
    assert_eq!(t.numeric("f196").unwrap().get(49), Some(49.0 * 196.0));
    // One row one field short: a ragged-row error at its line.
    let mut short = csv.clone();
    short.push_str(&vec!["1"; 199].join(","));
    short.push('\n');
    let e = read_csv_reader(short.as_bytes(), "wide.csv", &CsvOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "wide.csv, line 52: ragged row: expected 200 fields (as in the header), found 199"
    );
}
